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

/*
 * `flags offload` on a chain. The placeholder ports (ifb) have no
 * hardware, so the kernel refuses such a chain (EOPNOTSUPP); here the
 * forwarder is the hardware: the file is loaded from a copy without the
 * flag and the chains get it back in the IR (--offload require checks
 * them). The copy blanks the two words in place, so nft's messages keep
 * their lines and columns. Chains are found by a light scan of the text
 * (comments, strings, nested blocks, `table T {` / `chain C {` and
 * `add chain [netdev] T C {`); a flag it cannot see (an included file)
 * is left to the kernel, which refuses it as before.
 */
#define NFTR_OFFLOAD_MAX	64
#define NFTR_DIM(a)	(sizeof(a) / sizeof((a)[0]))

struct nftr_offload_chains {
	unsigned int n;
	char table[NFTR_OFFLOAD_MAX][64];
	char chain[NFTR_OFFLOAD_MAX][64];
};

static bool
nftr_offload_chain(void *arg, const char *table, const char *chain)
{
	const struct nftr_offload_chains *oc = arg;

	for (unsigned int i = 0; i < oc->n; i++)
		if (strcmp(oc->table[i], table) == 0 && strcmp(oc->chain[i], chain) == 0)
			return true;
	return false;
}

static void
nftr_word_copy(char *dst, size_t len, const char *w, size_t wlen)
{
	if (wlen >= 2 && w[0] == '"' && w[wlen - 1] == '"') {
		w++;
		wlen -= 2;
	}
	snprintf(dst, len, "%.*s", (int)wlen, w);
}

/* Blank `flags offload` of chains in text; returns how many chains had it. */
static unsigned int
nftr_strip_offload(char *text, struct nftr_offload_chains *oc)
{
	enum { B_OTHER, B_TABLE, B_CHAIN };
	struct { int kind; char name[64]; } blk[16];
	const char *w[8];	/* the words of the current statement */
	size_t wl[8];
	unsigned int nw = 0, depth = 0;
	char *p = text;

	while (*p != '\0') {
		if (*p == '#') {
			while (*p != '\0' && *p != '\n')
				p++;
			continue;
		}
		if (*p == ';' || *p == '\n' || *p == '}') {
			if (*p == '}' && depth > 0)
				depth--;
			nw = 0;
			p++;
			continue;
		}
		if (*p == '{') {
			int kind = B_OTHER;
			const char *table = depth > 0 && blk[depth - 1].kind == B_TABLE ?
					    blk[depth - 1].name : NULL;
			unsigned int i;

			for (i = 0; i < nw; i++)
				if (wl[i] == 5 && strncmp(w[i], "table", 5) == 0)
					kind = B_TABLE;
				else if (wl[i] == 5 && strncmp(w[i], "chain", 5) == 0)
					break;
			if (i < nw && nw - i >= 2) {
				kind = B_CHAIN;
				if (nw - i >= 3)	/* chain [family] T C */
					table = NULL;
			}
			if (depth < NFTR_DIM(blk)) {
				blk[depth].kind = kind;
				blk[depth].name[0] = '\0';
				if (kind == B_TABLE && nw > 0)
					nftr_word_copy(blk[depth].name, sizeof(blk[depth].name),
						       w[nw - 1], wl[nw - 1]);
				if (kind == B_CHAIN) {
					/* "T\0C": the chain keeps its table */
					char t[64] = "", c[64];

					if (table != NULL)
						snprintf(t, sizeof(t), "%s", table);
					else
						nftr_word_copy(t, sizeof(t), w[nw - 2], wl[nw - 2]);
					nftr_word_copy(c, sizeof(c), w[nw - 1], wl[nw - 1]);
					snprintf(blk[depth].name, sizeof(blk[depth].name), "%s", c);
					if (oc->n < NFTR_OFFLOAD_MAX) {
						snprintf(oc->table[oc->n], sizeof(oc->table[0]), "%s", t);
						snprintf(oc->chain[oc->n], sizeof(oc->chain[0]), "%s", c);
					}
				}
			}
			depth++;
			nw = 0;
			p++;
			continue;
		}
		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\\') {
			p++;
			continue;
		}
		/* a word (a quoted string is one) */
		{
			char *s = p;

			if (*p == '"') {
				p++;
				while (*p != '\0' && *p != '"' && *p != '\n')
					p++;
				if (*p == '"')
					p++;
			} else {
				while (*p != '\0' && !strchr(" \t\r\n;{}#\"", *p))
					p++;
			}
			if (depth > 0 && depth <= NFTR_DIM(blk) &&
			    blk[depth - 1].kind == B_CHAIN && nw == 1 &&
			    wl[0] == 5 && strncmp(w[0], "flags", 5) == 0 &&
			    p - s == 7 && strncmp(s, "offload", 7) == 0) {
				/* the chain's flag: blank both words, remember the chain */
				memset((char *)w[0], ' ', 5);
				memset(s, ' ', 7);
				if (oc->n < NFTR_OFFLOAD_MAX && oc->chain[oc->n][0] != '\0' &&
				    strcmp(oc->chain[oc->n], blk[depth - 1].name) == 0)
					oc->n++;
				nw = 0;
				continue;
			}
			if (nw < NFTR_DIM(w)) {
				w[nw] = s;
				wl[nw++] = (size_t)(p - s);
			}
		}
	}
	return oc->n;
}

/* Read path; when a chain has `flags offload`, write the copy without it to
 * a temporary file (*tmp, to unlink) and fill oc. 0 or -errno. */
static int
nftr_offload_copy(const char *path, struct nftr_offload_chains *oc, char *tmp,
		  size_t tmp_len)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t len = 0;
	int fd, ret = 0;

	tmp[0] = '\0';
	if (f == NULL)
		return -errno;
	{
		char buf[4096];
		size_t n;

		while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
			char *t = realloc(text, len + n + 1);

			if (t == NULL) {
				ret = -ENOMEM;
				break;
			}
			text = t;
			memcpy(text + len, buf, n);
			len += n;
		}
	}
	fclose(f);
	if (ret < 0 || text == NULL) {
		free(text);
		return ret;
	}
	text[len] = '\0';
	if (strstr(text, "offload") == NULL || nftr_strip_offload(text, oc) == 0) {
		free(text);
		return 0;
	}
	snprintf(tmp, tmp_len, "/tmp/nftfwd-offload-XXXXXX");
	fd = mkstemp(tmp);
	if (fd < 0) {
		ret = -errno;
		tmp[0] = '\0';
	} else {
		if (write(fd, text, len) != (ssize_t)len)
			ret = -EIO;
		close(fd);
	}
	free(text);
	return ret;
}

/* nft names the copy: name the user's file instead */
static void
nftr_rename_copy(char **msg, const char *tmp, const char *path)
{
	size_t tl = strlen(tmp), pl = strlen(path), n = 0;
	char *s, *out, *o;

	if (*msg == NULL || tmp[0] == '\0')
		return;
	for (s = strstr(*msg, tmp); s != NULL; s = strstr(s + tl, tmp))
		n++;
	if (n == 0)
		return;
	out = malloc(strlen(*msg) + n * pl + 1);
	if (out == NULL)
		return;
	o = out;
	for (s = *msg;;) {
		char *h = strstr(s, tmp);

		if (h == NULL) {
			strcpy(o, s);
			break;
		}
		memcpy(o, s, (size_t)(h - s));
		o += h - s;
		memcpy(o, path, pl);
		o += pl;
		s = h + tl;
	}
	free(*msg);
	*msg = out;
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
	struct nftr_offload_chains *oc = NULL;
	char tmp[64] = "";
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

	oc = calloc(1, sizeof(*oc));
	if (oc == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	ret = nftr_offload_copy(path, oc, tmp, sizeof(tmp));
	if (ret < 0) {
		nftr_diag_set(diag, ret, "cannot read %s: %s", path, strerror(-ret));
		goto out;
	}
	if (tmp[0] != '\0') {
		argv[2] = tmp;
		o.offload_chain = nftr_offload_chain;
		o.offload_arg = oc;
	}
	ret = nftr_exec(nsfd, argv, &nout, &nerr, &status);
	nftr_rename_copy(&nerr, tmp, path);
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
	free(oc);
	if (tmp[0] != '\0')
		unlink(tmp);
	free(nout);
	free(nerr);
	return ret;
}
