/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ingest_tool.c - test driver for the nft reader: load a file (or dump the
 * current namespace) and print the IR as text and/or JSON.
 *
 *   ingest-tool load FILE PORT[,PORT...] [--text] [--json] [--handles] [--no-state]
 *   ingest-tool dump [TABLE] [--text] [--json] [--no-state]
 *
 * Exit: 0 ok, 2 nft rejected the file, 3 any other error (message on
 * stderr: our diagnosis, then nft's stderr verbatim).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/ir/ir_json.h"
#include "control/ir/ir_print.h"
#include "control/nft/nftr.h"

static void
usage(void)
{
	fprintf(stderr, "usage: ingest-tool load FILE PORTS [--text] [--json] [--handles] [--no-state]\n"
			"       ingest-tool dump [TABLE] [--text] [--json] [--no-state]\n");
	exit(64);
}

int
main(int argc, char **argv)
{
	struct ir_ruleset *rs = NULL;
	struct nftr_diag diag;
	const char *ports[64];
	unsigned int nports = 0, jflags = 0, pflags = 0;
	bool text = false, json = false;
	const char *table = NULL;
	char *plist = NULL;
	int ret, i;

	const char *pos[3];
	unsigned int npos = 0;

	if (argc < 2)
		usage();
	nftr_diag_init(&diag);
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--text") == 0)
			text = true;
		else if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (strcmp(argv[i], "--handles") == 0)
			pflags |= IR_PRINT_HANDLES;
		else if (strcmp(argv[i], "--no-state") == 0)
			jflags |= IR_JSON_NO_STATE;
		else if (argv[i][0] != '-' && npos < 3)
			pos[npos++] = argv[i];
		else
			usage();
	}
	if (!text && !json)
		text = true;

	if (strcmp(argv[1], "load") == 0) {
		if (npos != 2)
			usage();
		plist = strdup(pos[1]);
		for (char *save = NULL, *t = strtok_r(plist, ",", &save);
		     t != NULL && nports < 64; t = strtok_r(NULL, ",", &save))
			ports[nports++] = t;
		ret = nftr_load_file(pos[0], ports, nports, &rs, &diag);
	} else if (strcmp(argv[1], "dump") == 0) {
		if (npos > 1)
			usage();
		table = npos == 1 ? pos[0] : NULL;
		ret = nftr_dump(table, &rs, &diag);
	} else {
		usage();
		return 64;
	}
	if (ret < 0) {
		fprintf(stderr, "error (%s): %s\n", strerror(-ret),
			diag.msg != NULL ? diag.msg : "?");
		if (diag.nft_stderr != NULL)
			fputs(diag.nft_stderr, stderr);
		ret = ret == -EINVAL && diag.nft_status > 0 ? 2 : 3;
		nftr_diag_free(&diag);
		free(plist);
		return ret;
	}
	if (text)
		ir_print(stdout, rs, pflags);
	if (json)
		ir_json_write(rs, "-", jflags);
	ir_ruleset_free(rs);
	nftr_diag_free(&diag);
	free(plist);
	return 0;
}
