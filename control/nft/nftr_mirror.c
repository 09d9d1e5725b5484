/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nftr_mirror.c - live mirror of one host netdev table.
 *
 * Subscribed to NFNLGRP_NFTABLES before the first dump, so no change can
 * fall between the dump and the events. Events that touch the table make
 * the mirror dirty; the table is dumped again at the end of the
 * transaction (NFT_MSG_NEWGEN), or at once after an overrun (ENOBUFS).
 * A dump is consistent (nftr_dump_snapshot: two equal generation ids).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>

#include "control/ir/ir_json.h"
#include "nftr_int.h"

#define NFTR_EVENT_RCVBUF	(16 * 1024 * 1024)

struct nftr_mirror {
	char *table;
	struct nftr_nl ev;	/* events */
	struct nftr_nl dump;	/* requests */
	bool dirty;		/* an event touched the table */
	bool need_dump;		/* ... and its transaction ended, or overrun */
	char *last;		/* canonical JSON (no state) of the last IR */
};

int
nftr_mirror_fd(const struct nftr_mirror *m)
{
	return mnl_socket_get_fd(m->ev.sock);
}

void
nftr_mirror_close(struct nftr_mirror *m)
{
	if (m == NULL)
		return;
	nftr_nl_close(&m->ev);
	nftr_nl_close(&m->dump);
	free(m->table);
	free(m->last);
	free(m);
}

/* Dump; 1 + *out when the IR differs from the last one, 0 when not. */
static int
nftr_mirror_dump(struct nftr_mirror *m, struct ir_ruleset **out,
		 struct nftr_diag *diag)
{
	struct ir_ruleset *rs = NULL;
	char *js;
	int ret;

	ret = nftr_dump_with(&m->dump, m->table, &rs, diag);
	if (ret < 0)
		return ret;
	js = ir_json_dumps(rs, IR_JSON_NO_STATE);
	if (js == NULL) {
		ir_ruleset_free(rs);
		return nftr_diag_set(diag, -ENOMEM, "out of memory");
	}
	m->need_dump = false;
	m->dirty = false;
	if (m->last != NULL && strcmp(js, m->last) == 0) {
		free(js);
		ir_ruleset_free(rs);
		return 0;
	}
	free(m->last);
	m->last = js;
	*out = rs;
	return 1;
}

int
nftr_mirror_open(const char *table, struct nftr_mirror **mp,
		 struct ir_ruleset **first, struct nftr_diag *diag)
{
	struct nftr_mirror *m = calloc(1, sizeof(*m));
	struct ir_ruleset *rs = NULL;
	int rcvbuf = NFTR_EVENT_RCVBUF;
	int ret;

	if (m == NULL)
		return -ENOMEM;
	m->table = strdup(table);
	if (m->table == NULL) {
		free(m);
		return -ENOMEM;
	}
	ret = nftr_nl_open(&m->ev, 1u << (NFNLGRP_NFTABLES - 1));
	if (ret < 0) {
		nftr_diag_set(diag, ret, "cannot subscribe to nftables events: %s",
			      strerror(-ret));
		goto fail;
	}
	if (setsockopt(mnl_socket_get_fd(m->ev.sock), SOL_SOCKET, SO_RCVBUFFORCE,
		       &rcvbuf, sizeof(rcvbuf)) < 0)
		(void)setsockopt(mnl_socket_get_fd(m->ev.sock), SOL_SOCKET,
				 SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	ret = nftr_nl_open(&m->dump, 0);
	if (ret < 0) {
		nftr_diag_set(diag, ret, "cannot open a netlink socket: %s",
			      strerror(-ret));
		goto fail;
	}
	ret = nftr_mirror_dump(m, &rs, diag);
	if (ret < 0)
		goto fail;
	if (ir_table_find(rs, table) == NULL) {
		ir_ruleset_free(rs);
		ret = nftr_diag_set(diag, -ENOENT,
				    "table netdev %s does not exist (or is dormant)",
				    table);
		goto fail;
	}
	*first = rs;
	*mp = m;
	return 0;
fail:
	nftr_mirror_close(m);
	return ret;
}

/* Does this event touch our table? */
static bool
nftr_event_ours(const struct nftr_mirror *m, const struct nlmsghdr *nlh)
{
	const struct nfgenmsg *nfg = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*nfg))
		return true;	/* cannot tell: be safe */
	if (nfg->nfgen_family != NFPROTO_NETDEV &&
	    nfg->nfgen_family != NFPROTO_UNSPEC)
		return false;
	/* attribute 1 is the table name in every nf_tables object message */
	mnl_attr_for_each(attr, nlh, sizeof(*nfg)) {
		if (mnl_attr_get_type(attr) != 1)
			continue;
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
			return true;
		return strcmp(mnl_attr_get_str(attr), m->table) == 0;
	}
	return true;
}

static void
nftr_mirror_events(struct nftr_mirror *m, const void *buf, size_t len)
{
	const struct nlmsghdr *nlh = buf;
	int left = (int)len;

	while (mnl_nlmsg_ok(nlh, left)) {
		if (NFNL_SUBSYS_ID(nlh->nlmsg_type) == NFNL_SUBSYS_NFTABLES) {
			uint16_t type = NFNL_MSG_TYPE(nlh->nlmsg_type);

			if (type == NFT_MSG_NEWGEN) {
				if (m->dirty)
					m->need_dump = true;
			} else if (type != NFT_MSG_TRACE && nftr_event_ours(m, nlh)) {
				m->dirty = true;
			}
		}
		nlh = mnl_nlmsg_next(nlh, &left);
	}
}

int
nftr_mirror_process(struct nftr_mirror *m, struct ir_ruleset **out,
		    struct nftr_diag *diag)
{
	int fd = mnl_socket_get_fd(m->ev.sock);

	for (;;) {
		ssize_t n = recv(fd, m->ev.buf, NFTR_NL_BUFSZ, MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				/* events lost: we cannot know what changed */
				m->dirty = true;
				m->need_dump = true;
				continue;
			}
			return nftr_diag_set(diag, -errno, "nftables events: %s",
					     strerror(errno));
		}
		if (n == 0)
			break;
		nftr_mirror_events(m, m->ev.buf, (size_t)n);
	}
	if (!m->need_dump)
		return 0;
	return nftr_mirror_dump(m, out, diag);
}

int
nftr_mirror_resync(struct nftr_mirror *m, struct ir_ruleset **out,
		   struct nftr_diag *diag)
{
	m->dirty = true;
	m->need_dump = true;
	return nftr_mirror_dump(m, out, diag);
}
