/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nftr_nl.c - the nfnetlink socket: requests, dumps, generation id.
 */
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <libnftnl/common.h>
#include <libnftnl/gen.h>

#include "nftr_int.h"

int
nftr_nl_open(struct nftr_nl *nl, unsigned int groups)
{
	int one = 1;

	memset(nl, 0, sizeof(*nl));
	nl->buf = malloc(NFTR_NL_BUFSZ);
	if (nl->buf == NULL)
		return -ENOMEM;
	nl->sock = mnl_socket_open(NETLINK_NETFILTER);
	if (nl->sock == NULL) {
		int err = -errno;

		free(nl->buf);
		nl->buf = NULL;
		return err;
	}
	if (mnl_socket_bind(nl->sock, groups, MNL_SOCKET_AUTOPID) < 0) {
		int err = -errno;

		nftr_nl_close(nl);
		return err;
	}
	/* Extended acks are a plus, not a need: ignore failures. */
	(void)mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one,
				    sizeof(one));
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);
	return 0;
}

void
nftr_nl_close(struct nftr_nl *nl)
{
	if (nl->sock != NULL)
		mnl_socket_close(nl->sock);
	free(nl->buf);
	memset(nl, 0, sizeof(*nl));
}

struct nftr_nl_cb_arg {
	nftr_nl_cb cb;
	void *arg;
	int err;
};

static int
nftr_nl_data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftr_nl_cb_arg *a = data;
	int ret;

	/* After a failure, keep reading to the end of the dump (skipping the
	 * data) so that the socket stays usable for the next request. */
	if (a->err != 0)
		return MNL_CB_OK;
	ret = a->cb(nlh, a->arg);
	if (ret < 0)
		a->err = ret;
	return MNL_CB_OK;
}

static bool
nftr_nl_clear_intr(void *buf, size_t len)
{
	struct nlmsghdr *nlh = buf;
	int left = (int)len;
	bool intr = false;

	while (mnl_nlmsg_ok(nlh, left)) {
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR) {
			nlh->nlmsg_flags &= ~NLM_F_DUMP_INTR;
			intr = true;
		}
		nlh = mnl_nlmsg_next(nlh, &left);
	}
	return intr;
}

int
nftr_nl_request(struct nftr_nl *nl, struct nlmsghdr *req, bool dump,
		nftr_nl_cb cb, void *arg)
{
	struct nftr_nl_cb_arg a = { .cb = cb, .arg = arg, .err = 0 };
	uint32_t seq = ++nl->seq;
	bool intr = false;
	ssize_t n;
	int ret;

	req->nlmsg_seq = seq;
	if (mnl_socket_sendto(nl->sock, req, req->nlmsg_len) < 0)
		return -errno;

	for (;;) {
		n = mnl_socket_recvfrom(nl->sock, nl->buf, NFTR_NL_BUFSZ);
		if (n < 0)
			return -errno;
		/* libmnl stops at the first NLM_F_DUMP_INTR message, even at
		 * NLMSG_DONE: note the flag and clear it, read to the end. */
		intr |= nftr_nl_clear_intr(nl->buf, (size_t)n);
		ret = mnl_cb_run(nl->buf, (size_t)n, seq, nl->portid,
				 nftr_nl_data_cb, &a);
		if (ret < 0)
			return -errno;
		if (ret == MNL_CB_STOP || !dump)
			break;
	}
	if (a.err != 0)
		return a.err;
	return intr ? -EINTR : 0;
}

static int
nftr_gen_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct nftnl_gen *gen = nftnl_gen_alloc();
	uint32_t *id = arg;

	if (gen == NULL)
		return -ENOMEM;
	if (nftnl_gen_nlmsg_parse(nlh, gen) < 0) {
		nftnl_gen_free(gen);
		return -EINVAL;
	}
	*id = nftnl_gen_get_u32(gen, NFTNL_GEN_ID);
	nftnl_gen_free(gen);
	return 0;
}

int
nftr_nl_getgen(struct nftr_nl *nl, uint32_t *gen)
{
	struct nlmsghdr *nlh;

	nlh = nftnl_nlmsg_build_hdr(nl->buf, NFT_MSG_GETGEN, AF_UNSPEC,
				    NLM_F_REQUEST, 0);
	return nftr_nl_request(nl, nlh, false, nftr_gen_cb, gen);
}
