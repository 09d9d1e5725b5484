/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nftr_file.c - nftr_load_file(): nft -f in a private namespace, dump,
 * build, destroy the namespace.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nftr_int.h"

struct nftr_port_map {
	const char *const *names;
	uint32_t *ifindex;
	unsigned int n;
};

static int
nftr_port_ifname(void *arg, uint32_t ifindex, char name[IF_NAMESIZE])
{
	const struct nftr_port_map *pm = arg;

	for (unsigned int i = 0; i < pm->n; i++) {
		if (pm->ifindex[i] == ifindex) {
			snprintf(name, IF_NAMESIZE, "%s", pm->names[i]);
			return 0;
		}
	}
	return -ENOENT;
}

static int
nftr_check_ports(const char *const *ports, unsigned int nports,
		 struct nftr_diag *diag)
{
	for (unsigned int i = 0; i < nports; i++) {
		size_t len = ports[i] != NULL ? strlen(ports[i]) : 0;

		if (len == 0 || len >= IF_NAMESIZE || strchr(ports[i], '/') ||
		    strchr(ports[i], ' '))
			return nftr_diag_set(diag, -EINVAL,
					     "port name \"%s\" is not a valid interface name",
					     ports[i] != NULL ? ports[i] : "");
		for (unsigned int j = 0; j < i; j++)
			if (strcmp(ports[i], ports[j]) == 0)
				return nftr_diag_set(diag, -EINVAL,
						     "port name \"%s\" given twice", ports[i]);
	}
	return 0;
}

/* Every base chain must hook a port. */
static int
nftr_check_devices(const struct ir_ruleset *rs, const char *const *ports,
		   unsigned int nports, struct nftr_diag *diag)
{
	for (uint32_t t = 0; t < rs->ntables; t++) {
		const struct ir_table *tb = &rs->tables[t];

		for (uint32_t c = 0; c < tb->nchains; c++) {
			const struct ir_chain *ch = &tb->chains[c];

			for (uint32_t d = 0; d < ch->ndevices; d++) {
				unsigned int i;

				for (i = 0; i < nports; i++)
					if (strcmp(ports[i], ch->devices[d]) == 0)
						break;
				if (i == nports)
					return nftr_diag_set(diag, -ENODEV,
							     "table netdev %s chain %s: device %s is not a port",
							     tb->name, ch->name, ch->devices[d]);
			}
		}
	}
	return 0;
}

int
nftr_load_file(const char *path, const char *const *ports,
	       unsigned int nports, struct ir_ruleset **out,
	       struct nftr_diag *diag)
{
	struct nftr_port_map pm = { .names = ports, .n = nports };
	struct nftr_build_opts o = { .strict_family = true,
				     .ifname = nftr_port_ifname,
				     .ifname_arg = &pm };
	struct nftr_nl nl = { 0 };
	struct nftr_dump d = { 0 };
	struct nftr_build_err where;
	struct ir_ruleset *rs = NULL;
	char *argv[] = { (char *)nftr_nft_bin(), "-f", (char *)path, NULL };
	char *nout = NULL, *nerr = NULL;
	int nsfd = -1, saved = -1, ret, status;
	bool have_nl = false;

	ret = nftr_check_ports(ports, nports, diag);
	if (ret < 0)
		return ret;
	if (access(path, R_OK) < 0)
		return nftr_diag_set(diag, -errno, "cannot read %s: %s", path,
				     strerror(errno));
	pm.ifindex = calloc(nports ? nports : 1, sizeof(*pm.ifindex));
	if (pm.ifindex == NULL)
		return -ENOMEM;

	ret = nftr_netns_new(&nsfd);
	if (ret < 0) {
		nftr_diag_set(diag, ret, "cannot create a network namespace: %s",
			      strerror(-ret));
		goto out;
	}

	/* inside: placeholder ports and the netfilter socket, then home */
	ret = nftr_netns_enter(nsfd, &saved);
	if (ret < 0) {
		nftr_diag_set(diag, ret, "cannot enter the namespace: %s",
			      strerror(-ret));
		goto out;
	}
	for (unsigned int i = 0; i < nports && ret == 0; i++) {
		ret = nftr_link_add(ports[i], i);
		if (ret == 0)
			ret = nftr_link_index(ports[i], &pm.ifindex[i]);
		if (ret < 0)
			nftr_diag_set(diag, ret, "cannot create interface %s: %s",
				      ports[i], strerror(-ret));
	}
	if (ret == 0) {
		ret = nftr_nl_open(&nl, 0);
		if (ret == 0)
			have_nl = true;
		else
			nftr_diag_set(diag, ret, "cannot open a netlink socket: %s",
				      strerror(-ret));
	}
	{
		int r = nftr_netns_leave(saved);

		saved = -1;
		if (r < 0) {
			/* cannot happen short of a kernel bug; say so loudly */
			ret = nftr_diag_set(diag, r,
					    "cannot return to the original network namespace: %s",
					    strerror(-r));
		}
	}
	if (ret < 0)
		goto out;

	ret = nftr_exec(nsfd, argv, &nout, &nerr, &status);
	if (ret < 0) {
		nftr_diag_set(diag, ret, "cannot run %s: %s", argv[0], strerror(-ret));
		goto out;
	}
	if (diag != NULL) {
		diag->nft_status = status;
		if (nerr != NULL && nerr[0] != '\0') {
			diag->nft_stderr = nerr;
			nerr = NULL;
		}
	}
	if (status != 0) {
		ret = nftr_diag_set(diag, -EINVAL, "%s -f %s failed (exit status %d)",
				    argv[0], path, status);
		goto out;
	}

	ret = nftr_dump_snapshot(&nl, NULL, &d);
	if (ret < 0) {
		nftr_diag_set(diag, ret, "cannot dump the ruleset: %s", strerror(-ret));
		goto out;
	}
	ret = nftr_build(&d, &o, &rs, diag, &where);
	if (ret < 0) {
		nftr_explain_rule(nsfd, &where, diag);
		goto out;
	}
	ret = nftr_check_devices(rs, ports, nports, diag);
	if (ret < 0) {
		ir_ruleset_free(rs);
		goto out;
	}
	*out = rs;
out:
	nftr_dump_fini(&d);
	if (have_nl)
		nftr_nl_close(&nl);
	if (saved >= 0)
		nftr_netns_leave(saved);
	if (nsfd >= 0)
		close(nsfd);	/* last reference: the namespace goes */
	free(pm.ifindex);
	free(nout);
	free(nerr);
	return ret;
}
