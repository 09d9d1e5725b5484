/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Runs fuzz targets' corpus files without libFuzzer, with any compiler, so
 * the committed corpus is a regression test in every build:
 *
 *   fuzz_pkt_view_replay FILE|DIR...
 *
 * Each file is passed once to LLVMFuzzerTestOneInput(); a mismatch aborts.
 * A target that defines LLVMFuzzerInitialize() (fuzz_classify: the EAL)
 * has it called first, as libFuzzer does.
 * Exit status: 0 when every file ran, 1 when a file could not be read or
 * none was given.
 */

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Weak: most targets have none. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static unsigned int n_run;

static int
run_file(const char *path)
{
	uint8_t *buf;
	long len;
	FILE *f = fopen(path, "rb");

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "cannot read %s\n", path);
		if (f != NULL)
			fclose(f);
		return -1;
	}
	/* An exact-size copy, so ASan builds catch reads past the input. */
	buf = malloc(len > 0 ? (size_t)len : 1);
	if (buf == NULL || (len > 0 && fread(buf, (size_t)len, 1, f) != 1)) {
		fprintf(stderr, "cannot read %s\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)len);
	free(buf);
	n_run++;
	return 0;
}

static int
run_path(const char *path)
{
	struct dirent **ents;
	struct stat st;
	int n, i, rc = 0;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "cannot stat %s\n", path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path);
	/* Sorted, so that a failure is reproducible by name. */
	n = scandir(path, &ents, NULL, alphasort);
	if (n < 0)
		return -1;
	for (i = 0; i < n; i++) {
		char sub[4096];

		if (ents[i]->d_name[0] != '.') {
			snprintf(sub, sizeof(sub), "%s/%s", path,
				 ents[i]->d_name);
			if (run_path(sub) != 0)
				rc = -1;
		}
		free(ents[i]);
	}
	free(ents);
	return rc;
}

int
main(int argc, char **argv)
{
	int i, rc = 0;

	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++)
		if (run_path(argv[i]) != 0)
			rc = 1;
	printf("replayed %u inputs\n", n_run);
	return rc != 0 || n_run == 0;
}
