/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nftr_exec.c - run nft (in a namespace), capture what it prints.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nftr_int.h"

const char *
nftr_nft_bin(void)
{
	const char *p = getenv("NFTR_NFT");

	return p != NULL && *p != '\0' ? p : "nft";
}

/* argv[0] -> an executable path (PATH search done before fork). */
static char *
nftr_which(const char *prog)
{
	const char *path = getenv("PATH");
	char *dirs, *save = NULL, *d, *out = NULL;

	if (strchr(prog, '/') != NULL)
		return strdup(prog);
	dirs = strdup(path != NULL ? path : "/usr/sbin:/usr/bin:/sbin:/bin");
	if (dirs == NULL)
		return NULL;
	for (d = strtok_r(dirs, ":", &save); d != NULL; d = strtok_r(NULL, ":", &save)) {
		char *cand;

		if (asprintf(&cand, "%s/%s", d, prog) < 0)
			break;
		if (access(cand, X_OK) == 0) {
			out = cand;
			break;
		}
		free(cand);
	}
	free(dirs);
	if (out == NULL)
		errno = ENOENT;
	return out;
}

struct nftr_buf {
	char *p;
	size_t n;
	size_t cap;
};

static int
nftr_buf_read(struct nftr_buf *b, int fd)
{
	char tmp[4096];
	ssize_t n = read(fd, tmp, sizeof(tmp));

	if (n <= 0)
		return n < 0 && errno == EINTR ? 1 : 0;
	if (b->n + (size_t)n + 1 > b->cap) {
		size_t cap = (b->cap ? b->cap * 2 : 8192) + (size_t)n;
		char *p = realloc(b->p, cap);

		if (p == NULL)
			return -ENOMEM;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, tmp, (size_t)n);
	b->n += (size_t)n;
	b->p[b->n] = '\0';
	return 1;
}

int
nftr_exec(int nsfd, char *const argv[], char **out, char **err, int *status)
{
	struct nftr_buf bo = { 0 }, be = { 0 };
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 };
	char *path;
	pid_t pid;
	int ret = 0, ws;

	*out = NULL;
	*err = NULL;
	*status = -1;
	path = nftr_which(argv[0]);
	if (path == NULL)
		return -errno;
	if (pipe2(po, O_CLOEXEC) < 0 || pipe2(pe, O_CLOEXEC) < 0) {
		ret = -errno;
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		goto out;
	}
	if (pid == 0) {
		/* child: async-signal-safe calls only */
		if (nsfd >= 0 && setns(nsfd, CLONE_NEWNET) < 0)
			_exit(126);
		if (dup2(po[1], STDOUT_FILENO) < 0 || dup2(pe[1], STDERR_FILENO) < 0)
			_exit(126);
		execv(path, argv);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	po[1] = pe[1] = -1;
	{
		struct pollfd pfd[2] = {
			{ .fd = po[0], .events = POLLIN },
			{ .fd = pe[0], .events = POLLIN },
		};
		int open_fds = 2;

		while (open_fds > 0) {
			if (poll(pfd, 2, -1) < 0) {
				if (errno == EINTR)
					continue;
				ret = -errno;
				break;
			}
			for (int i = 0; i < 2; i++) {
				int r;

				if (pfd[i].fd < 0 || pfd[i].revents == 0)
					continue;
				r = nftr_buf_read(i == 0 ? &bo : &be, pfd[i].fd);
				if (r < 0)
					ret = r;
				if (r <= 0) {
					pfd[i].fd = -1;
					open_fds--;
				}
			}
		}
	}
	while (waitpid(pid, &ws, 0) < 0) {
		if (errno != EINTR) {
			ret = -errno;
			goto out;
		}
	}
	if (WIFEXITED(ws))
		*status = WEXITSTATUS(ws);
	else if (WIFSIGNALED(ws))
		*status = 128 + WTERMSIG(ws);
	if (*status == 127 || *status == 126)
		ret = ret != 0 ? ret : -ENOEXEC;
out:
	for (int i = 0; i < 2; i++) {
		if (po[i] >= 0)
			close(po[i]);
		if (pe[i] >= 0)
			close(pe[i]);
	}
	free(path);
	if (ret < 0) {
		free(bo.p);
		free(be.p);
		return ret;
	}
	*out = bo.p;
	*err = be.p;
	return 0;
}

char *
nftr_rule_text(int nsfd, const char *table, const char *chain, uint64_t handle)
{
	char *argv[] = { (char *)nftr_nft_bin(), "-a", "list", "chain", "netdev",
			 (char *)table, (char *)chain, NULL };
	char *out = NULL, *err = NULL, *line, *save = NULL, *res = NULL;
	char tail[64];
	int status;

	if (nftr_exec(nsfd, argv, &out, &err, &status) < 0 || status != 0 ||
	    out == NULL)
		goto done;
	snprintf(tail, sizeof(tail), " # handle %" PRIu64, handle);
	for (line = strtok_r(out, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		size_t len, tl = strlen(tail);

		while (*line == ' ' || *line == '\t')
			line++;
		len = strlen(line);
		if (strncmp(line, "chain ", 6) == 0 || strncmp(line, "table ", 6) == 0)
			continue;
		if (len > tl && strcmp(line + len - tl, tail) == 0) {
			res = strndup(line, len - tl);
			break;
		}
	}
done:
	free(out);
	free(err);
	return res;
}

void
nftr_explain_rule(int nsfd, const struct nftr_build_err *where,
		  struct nftr_diag *diag)
{
	char *text;

	if (!where->in_rule || diag == NULL)
		return;
	text = nftr_rule_text(nsfd, where->table, where->chain, where->handle);
	if (text == NULL)
		return;
	/* the rule as nft prints it goes right after the first line */
	if (diag->msg != NULL) {
		char *nl = strchr(diag->msg, '\n');
		char *m = NULL;

		if (nl != NULL)
			*nl = '\0';
		if (asprintf(&m, "%s\n  rule: %s%s%s", diag->msg, text,
			     nl != NULL ? "\n" : "", nl != NULL ? nl + 1 : "") >= 0) {
			free(diag->msg);
			diag->msg = m;
		} else if (nl != NULL) {
			*nl = '\n';
		}
	}
	free(text);
}
