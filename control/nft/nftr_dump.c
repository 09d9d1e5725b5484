/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nftr_dump.c - one consistent snapshot of the kernel's ruleset: tables,
 * chains, rules, sets with their elements (dumped per set) and stateful
 * objects, read between two equal generation ids.
 */
#include <stdio.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>

#include "nftr_int.h"

#define NFTR_DUMP_TRIES	20

typedef void *(*nftr_alloc_fn)(void);
typedef int (*nftr_parse_fn)(const struct nlmsghdr *nlh, void *obj);
typedef void (*nftr_free_fn)(void *obj);

struct nftr_dump_kind {
	nftr_alloc_fn alloc;
	nftr_parse_fn parse;
	nftr_free_fn free;
};

/* libnftnl's typed functions behind one signature */
static void *nftr_table_alloc(void) { return nftnl_table_alloc(); }
static int nftr_table_parse(const struct nlmsghdr *n, void *o) { return nftnl_table_nlmsg_parse(n, o); }
static void nftr_table_free(void *o) { nftnl_table_free(o); }
static void *nftr_chain_alloc(void) { return nftnl_chain_alloc(); }
static int nftr_chain_parse(const struct nlmsghdr *n, void *o) { return nftnl_chain_nlmsg_parse(n, o); }
static void nftr_chain_free(void *o) { nftnl_chain_free(o); }
static void *nftr_rule_alloc(void) { return nftnl_rule_alloc(); }
static int nftr_rule_parse(const struct nlmsghdr *n, void *o) { return nftnl_rule_nlmsg_parse(n, o); }
static void nftr_rule_free(void *o) { nftnl_rule_free(o); }
static void *nftr_set_alloc(void) { return nftnl_set_alloc(); }
static int nftr_set_parse(const struct nlmsghdr *n, void *o) { return nftnl_set_nlmsg_parse(n, o); }
static void nftr_set_free(void *o) { nftnl_set_free(o); }
static void *nftr_obj_alloc(void) { return nftnl_obj_alloc(); }
static int nftr_obj_parse(const struct nlmsghdr *n, void *o) { return nftnl_obj_nlmsg_parse(n, o); }
static void nftr_obj_free(void *o) { nftnl_obj_free(o); }

static const struct nftr_dump_kind nftr_kind_table = { nftr_table_alloc, nftr_table_parse, nftr_table_free };
static const struct nftr_dump_kind nftr_kind_chain = { nftr_chain_alloc, nftr_chain_parse, nftr_chain_free };
static const struct nftr_dump_kind nftr_kind_rule = { nftr_rule_alloc, nftr_rule_parse, nftr_rule_free };
static const struct nftr_dump_kind nftr_kind_set = { nftr_set_alloc, nftr_set_parse, nftr_set_free };
static const struct nftr_dump_kind nftr_kind_obj = { nftr_obj_alloc, nftr_obj_parse, nftr_obj_free };

struct nftr_collect {
	const struct nftr_dump_kind *kind;
	struct nftr_vec *vec;
};

static int
nftr_collect_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct nftr_collect *c = arg;
	void *obj = c->kind->alloc();

	if (obj == NULL)
		return -ENOMEM;
	if (c->kind->parse(nlh, obj) < 0) {
		c->kind->free(obj);
		return -EINVAL;
	}
	if (nftr_vec_push(c->vec, obj) < 0) {
		c->kind->free(obj);
		return -ENOMEM;
	}
	return 0;
}

static void
nftr_vec_free_all(struct nftr_vec *vec, const struct nftr_dump_kind *kind)
{
	for (size_t i = 0; i < vec->n; i++)
		kind->free(vec->v[i]);
	nftr_vec_fini(vec);
}

void
nftr_dump_fini(struct nftr_dump *d)
{
	nftr_vec_free_all(&d->tables, &nftr_kind_table);
	nftr_vec_free_all(&d->chains, &nftr_kind_chain);
	nftr_vec_free_all(&d->rules, &nftr_kind_rule);
	nftr_vec_free_all(&d->sets, &nftr_kind_set);
	nftr_vec_free_all(&d->objs, &nftr_kind_obj);
	d->gen = 0;
}

static int
nftr_dump_list(struct nftr_nl *nl, uint16_t type, uint16_t family,
	       const struct nftr_dump_kind *kind, struct nftr_vec *vec,
	       void (*payload)(struct nlmsghdr *nlh, const void *arg),
	       const void *arg)
{
	struct nftr_collect c = { .kind = kind, .vec = vec };
	struct nlmsghdr *nlh;

	nlh = nftnl_nlmsg_build_hdr(nl->buf, type, family,
				    NLM_F_REQUEST | NLM_F_DUMP, 0);
	if (payload != NULL)
		payload(nlh, arg);
	return nftr_nl_request(nl, nlh, true, nftr_collect_cb, &c);
}

static void
nftr_rule_filter(struct nlmsghdr *nlh, const void *arg)
{
	struct nftnl_rule *r = nftnl_rule_alloc();

	if (r == NULL)
		return;		/* no filter: the builder filters anyway */
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, arg);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
}

static int
nftr_elems_cb(const struct nlmsghdr *nlh, void *arg)
{
	return nftnl_set_elems_nlmsg_parse(nlh, arg) < 0 ? -EINVAL : 0;
}

/* Set elements are dumped per set (NFT_MSG_GETSETELEM needs table + set). */
static int
nftr_dump_elems(struct nftr_nl *nl, struct nftnl_set *s)
{
	struct nftnl_set *req = nftnl_set_alloc();
	struct nlmsghdr *nlh;
	int ret;

	if (req == NULL)
		return -ENOMEM;
	nftnl_set_set_str(req, NFTNL_SET_TABLE,
			  nftnl_set_get_str(s, NFTNL_SET_TABLE));
	nftnl_set_set_str(req, NFTNL_SET_NAME,
			  nftnl_set_get_str(s, NFTNL_SET_NAME));
	nlh = nftnl_nlmsg_build_hdr(nl->buf, NFT_MSG_GETSETELEM,
				    NFPROTO_NETDEV, NLM_F_REQUEST | NLM_F_DUMP,
				    0);
	nftnl_set_elems_nlmsg_build_payload(nlh, req);
	nftnl_set_free(req);
	ret = nftr_nl_request(nl, nlh, true, nftr_elems_cb, s);
	return ret;
}

static bool
nftr_in_table(const char *want, const char *table)
{
	return want == NULL || (table != NULL && strcmp(want, table) == 0);
}

/* Keep only the objects of table `want`. */
static void
nftr_filter(struct nftr_vec *vec, const struct nftr_dump_kind *kind,
	    const char *want, const char *(*table_of)(const void *obj))
{
	size_t j = 0;

	for (size_t i = 0; i < vec->n; i++) {
		if (nftr_in_table(want, table_of(vec->v[i])))
			vec->v[j++] = vec->v[i];
		else
			kind->free(vec->v[i]);
	}
	vec->n = j;
}

static const char *nftr_chain_table(const void *o) { return nftnl_chain_get_str(o, NFTNL_CHAIN_TABLE); }
static const char *nftr_rule_table(const void *o) { return nftnl_rule_get_str(o, NFTNL_RULE_TABLE); }
static const char *nftr_set_table(const void *o) { return nftnl_set_get_str(o, NFTNL_SET_TABLE); }
static const char *nftr_obj_table(const void *o) { return nftnl_obj_get_str((struct nftnl_obj *)o, NFTNL_OBJ_TABLE); }

static int
nftr_dump_once(struct nftr_nl *nl, const char *table, struct nftr_dump *d)
{
	uint32_t gen2;
	int ret;

	ret = nftr_nl_getgen(nl, &d->gen);
	if (ret < 0)
		return ret;
	ret = nftr_dump_list(nl, NFT_MSG_GETTABLE, NFPROTO_UNSPEC,
			     &nftr_kind_table, &d->tables, NULL, NULL);
	if (ret < 0)
		return ret;
	ret = nftr_dump_list(nl, NFT_MSG_GETCHAIN, NFPROTO_NETDEV,
			     &nftr_kind_chain, &d->chains, NULL, NULL);
	if (ret < 0)
		return ret;
	ret = nftr_dump_list(nl, NFT_MSG_GETRULE, NFPROTO_NETDEV,
			     &nftr_kind_rule, &d->rules,
			     table != NULL ? nftr_rule_filter : NULL, table);
	if (ret < 0)
		return ret;
	ret = nftr_dump_list(nl, NFT_MSG_GETSET, NFPROTO_NETDEV,
			     &nftr_kind_set, &d->sets, NULL, NULL);
	if (ret < 0)
		return ret;
	ret = nftr_dump_list(nl, NFT_MSG_GETOBJ, NFPROTO_NETDEV,
			     &nftr_kind_obj, &d->objs, NULL, NULL);
	if (ret < 0)
		return ret;

	nftr_filter(&d->chains, &nftr_kind_chain, table, nftr_chain_table);
	nftr_filter(&d->rules, &nftr_kind_rule, table, nftr_rule_table);
	nftr_filter(&d->sets, &nftr_kind_set, table, nftr_set_table);
	nftr_filter(&d->objs, &nftr_kind_obj, table, nftr_obj_table);

	for (size_t i = 0; i < d->sets.n; i++) {
		ret = nftr_dump_elems(nl, d->sets.v[i]);
		if (ret < 0)
			return ret;
	}

	ret = nftr_nl_getgen(nl, &gen2);
	if (ret < 0)
		return ret;
	return gen2 == d->gen ? 0 : -EINTR;
}

int
nftr_dump_snapshot(struct nftr_nl *nl, const char *table, struct nftr_dump *d)
{
	int ret = -EAGAIN;

	for (int i = 0; i < NFTR_DUMP_TRIES; i++) {
		memset(d, 0, sizeof(*d));
		ret = nftr_dump_once(nl, table, d);
		if (ret == 0)
			return 0;
		nftr_dump_fini(d);
		/* moved (-EINTR), or a set/chain vanished under us (-ENOENT) */
		if (ret != -EINTR && ret != -ENOENT)
			return ret;
	}
	return -EAGAIN;
}
