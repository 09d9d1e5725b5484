/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nftr_build.c - IR from a dump: tables, chains, objects and set headers
 * first, then the rules (nftr_rule.c), then set elements (which need to
 * know from the rules which key fields are interfaces).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

#include "nftr_int.h"

/* nft's datatype id of iface_index (set key types) */
#define NFTR_TYPE_IFINDEX	20

#ifndef NF_NETDEV_INGRESS
#define NF_NETDEV_INGRESS 0
#endif

static const char *
nftr_family_name(uint32_t family)
{
	switch (family) {
	case NFPROTO_INET: return "inet";
	case NFPROTO_IPV4: return "ip";
	case NFPROTO_ARP: return "arp";
	case NFPROTO_NETDEV: return "netdev";
	case NFPROTO_BRIDGE: return "bridge";
	case NFPROTO_IPV6: return "ip6";
	default: return "unknown";
	}
}

int
nftr_builder_device(struct nftr_builder *b, const char *name, uint32_t *id)
{
	char *copy;

	for (size_t i = 0; i < b->devices.n; i++) {
		if (strcmp(b->devices.v[i], name) == 0) {
			*id = (uint32_t)i;
			return 0;
		}
	}
	copy = ir_strdup(b->rs, name);
	if (copy == NULL || nftr_vec_push(&b->devices, copy) < 0)
		return -ENOMEM;
	*id = (uint32_t)(b->devices.n - 1);
	return 0;
}

int
nftr_builder_ifindex(struct nftr_builder *b, uint32_t ifindex, uint32_t *id,
		     const char **name)
{
	char buf[IF_NAMESIZE + 16];
	int ret;

	ret = b->o->ifname != NULL ?
	      b->o->ifname(b->o->ifname_arg, ifindex, buf) : -ENOENT;
	if (ret < 0) {
		/* A vanished interface: a name no port can have. */
		snprintf(buf, sizeof(buf), "ifindex:%" PRIu32, ifindex);
	}
	ret = nftr_builder_device(b, buf, id);
	if (ret == 0 && name != NULL)
		*name = b->devices.v[*id];
	return ret;
}

/* ---- objects ------------------------------------------------------------ */

static int
nftr_build_obj(struct nftr_builder *b, const char *table,
	       struct nftnl_obj *nlo, struct ir_object *o)
{
	uint32_t type = nftnl_obj_get_u32(nlo, NFTNL_OBJ_TYPE);

	o->name = ir_strdup(b->rs, nftnl_obj_get_str(nlo, NFTNL_OBJ_NAME));
	if (o->name == NULL)
		return -ENOMEM;
	o->handle = nftnl_obj_get_u64(nlo, NFTNL_OBJ_HANDLE);
	switch (type) {
	case NFT_OBJECT_COUNTER:
		o->type = IR_OBJ_COUNTER;
		o->counter.packets = nftnl_obj_get_u64(nlo, NFTNL_OBJ_CTR_PKTS);
		o->counter.bytes = nftnl_obj_get_u64(nlo, NFTNL_OBJ_CTR_BYTES);
		return 0;
	case NFT_OBJECT_QUOTA:
		o->type = IR_OBJ_QUOTA;
		o->quota.bytes = nftnl_obj_get_u64(nlo, NFTNL_OBJ_QUOTA_BYTES);
		o->quota.consumed =
			nftnl_obj_get_u64(nlo, NFTNL_OBJ_QUOTA_CONSUMED);
		o->quota.invert = (nftnl_obj_get_u32(nlo, NFTNL_OBJ_QUOTA_FLAGS) &
				   NFT_QUOTA_F_INV) != 0;
		return 0;
	case NFT_OBJECT_LIMIT:
		o->type = IR_OBJ_LIMIT;
		o->limit.rate = nftnl_obj_get_u64(nlo, NFTNL_OBJ_LIMIT_RATE);
		o->limit.unit = nftnl_obj_get_u64(nlo, NFTNL_OBJ_LIMIT_UNIT);
		o->limit.burst = nftnl_obj_get_u32(nlo, NFTNL_OBJ_LIMIT_BURST);
		o->limit.type = nftnl_obj_get_u32(nlo, NFTNL_OBJ_LIMIT_TYPE) ==
				NFT_LIMIT_PKT_BYTES ? IR_LIMIT_BYTES : IR_LIMIT_PKTS;
		o->limit.invert = (nftnl_obj_get_u32(nlo, NFTNL_OBJ_LIMIT_FLAGS) &
				   NFT_LIMIT_F_INV) != 0;
		return 0;
	default:
		return nftr_diag_set(b->diag, -EOPNOTSUPP,
				     "table netdev %s: object \"%s\" has type %" PRIu32
				     ", which is not supported (only counter, quota, limit)",
				     table, o->name, type);
	}
}

/* ---- chains ------------------------------------------------------------- */

static int
nftr_strptr_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int
nftr_chain_devices(struct nftr_builder *b, const struct nftnl_chain *nlc,
		   struct ir_chain *c)
{
	const char *const *devs = NULL;
	const char *one[2] = { NULL, NULL };
	const char **out;
	uint32_t n = 0, id;

	if (nftnl_chain_is_set(nlc, NFTNL_CHAIN_DEVICES)) {
		devs = nftnl_chain_get_array(nlc, NFTNL_CHAIN_DEVICES);
	} else if (nftnl_chain_is_set(nlc, NFTNL_CHAIN_DEV)) {
		one[0] = nftnl_chain_get_str(nlc, NFTNL_CHAIN_DEV);
		devs = one;
	}
	while (devs != NULL && devs[n] != NULL)
		n++;
	out = ir_calloc(b->rs, n ? n : 1, sizeof(*out));
	if (out == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		if (nftr_builder_device(b, devs[i], &id) < 0)
			return -ENOMEM;
		out[i] = b->devices.v[id];
	}
	/* the kernel's order is its hook list's; names sort for stable IR */
	qsort(out, n, sizeof(*out), nftr_strptr_cmp);
	c->devices = out;
	c->ndevices = n;
	return 0;
}

static int
nftr_build_chain(struct nftr_builder *b, const char *table,
		 const struct nftnl_chain *nlc, struct ir_chain *c)
{
	const char *name = nftnl_chain_get_str(nlc, NFTNL_CHAIN_NAME);

	c->name = ir_strdup(b->rs, name);
	if (c->name == NULL)
		return -ENOMEM;
	c->handle = nftnl_chain_get_u64(nlc, NFTNL_CHAIN_HANDLE);
	if (!nftnl_chain_is_set(nlc, NFTNL_CHAIN_HOOKNUM))
		return 0;	/* regular chain */

	c->flags |= IR_CHAIN_F_BASE;
	if (nftnl_chain_get_u32(nlc, NFTNL_CHAIN_HOOKNUM) != NF_NETDEV_INGRESS)
		return nftr_diag_set(b->diag, -EOPNOTSUPP,
				     "table netdev %s chain %s: hook %" PRIu32
				     " is not supported (only ingress)",
				     table, name,
				     nftnl_chain_get_u32(nlc, NFTNL_CHAIN_HOOKNUM));
	c->priority = nftnl_chain_get_s32(nlc, NFTNL_CHAIN_PRIO);
	c->policy = IR_POLICY_ACCEPT;
	if (nftnl_chain_is_set(nlc, NFTNL_CHAIN_POLICY) &&
	    nftnl_chain_get_u32(nlc, NFTNL_CHAIN_POLICY) == NF_DROP)
		c->policy = IR_POLICY_DROP;
	if (nftnl_chain_is_set(nlc, NFTNL_CHAIN_FLAGS) &&
	    (nftnl_chain_get_u32(nlc, NFTNL_CHAIN_FLAGS) & NFT_CHAIN_HW_OFFLOAD))
		c->flags |= IR_CHAIN_F_OFFLOAD;
	if (b->o->offload_chain != NULL &&
	    b->o->offload_chain(b->o->offload_arg, table, name))
		c->flags |= IR_CHAIN_F_OFFLOAD;
	return nftr_chain_devices(b, nlc, c);
}

/* ---- sets: header now, elements after the rules ------------------------- */

static int
nftr_build_set_header(struct nftr_builder *b, const char *table,
		      const struct nftnl_set *nls, struct ir_set *s, uint32_t id)
{
	uint32_t kflags = nftnl_set_get_u32(nls, NFTNL_SET_FLAGS);
	uint32_t klen = nftnl_set_get_u32(nls, NFTNL_SET_KEY_LEN);
	const uint8_t *desc = NULL;
	uint32_t ndesc = 0;

	s->name = ir_strdup(b->rs, nftnl_set_get_str(nls, NFTNL_SET_NAME));
	if (s->name == NULL)
		return -ENOMEM;
	s->handle = nftnl_set_get_u64(nls, NFTNL_SET_HANDLE);
	s->id = id;
	s->key_type = nftnl_set_get_u32(nls, NFTNL_SET_KEY_TYPE);
	if (klen == 0 || klen > IR_DATA_MAX)
		return nftr_diag_set(b->diag, -EOPNOTSUPP,
				     "table netdev %s set %s: key length %" PRIu32
				     " is not supported", table, s->name, klen);
	s->key_len = (uint8_t)klen;

	if (kflags & NFT_SET_ANONYMOUS)
		s->flags |= IR_SET_F_ANONYMOUS;
	if (kflags & NFT_SET_CONSTANT)
		s->flags |= IR_SET_F_CONSTANT;
	if (kflags & NFT_SET_INTERVAL)
		s->flags |= IR_SET_F_INTERVAL;
	if (kflags & NFT_SET_TIMEOUT)
		s->flags |= IR_SET_F_TIMEOUT;
	if (kflags & NFT_SET_EVAL)
		s->flags |= IR_SET_F_EVAL;
	if (kflags & NFT_SET_OBJECT)
		s->flags |= IR_SET_F_OBJECT;
	if (kflags & NFT_SET_MAP) {
		s->flags |= IR_SET_F_MAP;
		s->data_type = nftnl_set_get_u32(nls, NFTNL_SET_DATA_TYPE);
		if (s->data_type == NFT_DATA_VERDICT) {
			s->flags |= IR_SET_F_VMAP;
		} else {
			uint32_t dlen = nftnl_set_get_u32(nls, NFTNL_SET_DATA_LEN);

			if (dlen == 0 || dlen > IR_DATA_MAX)
				return nftr_diag_set(b->diag, -EOPNOTSUPP,
						     "table netdev %s map %s: data length %" PRIu32
						     " is not supported", table, s->name, dlen);
			s->data_len = (uint8_t)dlen;
		}
	}

	if (nftnl_set_is_set(nls, NFTNL_SET_DESC_CONCAT))
		desc = nftnl_set_get_data(nls, NFTNL_SET_DESC_CONCAT, &ndesc);
	if (desc != NULL && ndesc > 1) {
		uint32_t sum = 0;

		if (ndesc > IR_CONCAT_MAX)
			return nftr_diag_set(b->diag, -EOPNOTSUPP,
					     "table netdev %s set %s: %" PRIu32 " fields",
					     table, s->name, ndesc);
		s->nfields = (uint8_t)ndesc;
		for (uint32_t i = 0; i < ndesc; i++) {
			s->field_len[i] = desc[i];
			sum += (desc[i] + 3u) & ~3u;
		}
		if (sum != klen)
			return nftr_diag_set(b->diag, -EINVAL,
					     "table netdev %s set %s: fields do not add up to the key length",
					     table, s->name);
		s->flags |= IR_SET_F_CONCAT;
	} else {
		/* Single field, or a concatenation the kernel did not
		 * describe: the first lookup tells (nftr_expr_lookup.c). */
		s->nfields = 1;
		s->field_len[0] = (uint8_t)klen;
	}
	/* interface-index fields (nft's datatype 20, 6 bits per field in
	 * concatenations, first field highest): their keys hold ifindexes
	 * even when no rule looks the set up */
	{
		uint32_t kt = s->key_type;

		for (unsigned int i = s->nfields; i-- > 0;) {
			uint32_t t = s->nfields > 1 ? (kt & 0x3f) : kt;

			if (t == NFTR_TYPE_IFINDEX && s->field_len[i] == 4)
				s->field_is_dev[i] = true;
			kt >>= 6;
		}
	}
	return 0;
}

struct nftr_raw_elem {
	const uint8_t *key;
	const uint8_t *key_end;
	uint32_t flags;
	struct ir_set_elem e;
};

static int
nftr_elem_sort_cmp(const void *pa, const void *pb, void *arg)
{
	const struct nftr_raw_elem *a = pa, *b = pb;
	int c = memcmp(a->key, b->key, *(const size_t *)arg);

	if (c != 0)
		return c;
	/* an interval end sorts before a start at the same key */
	return (int)(b->flags & NFT_SET_ELEM_INTERVAL_END) -
	       (int)(a->flags & NFT_SET_ELEM_INTERVAL_END);
}

/* key - 1 as a big-endian number of len bytes (key > 0). */
static void
nftr_key_dec(uint8_t *key, size_t len)
{
	for (size_t i = len; i-- > 0;) {
		if (key[i]-- != 0)
			break;
	}
}

static int
nftr_translate_dev_fields(struct nftr_builder *b, struct nftr_set_b *sb,
			  uint8_t *key)
{
	struct ir_set *s = sb->set;

	for (unsigned int f = 0; f < s->nfields; f++) {
		uint32_t ifindex, id;
		unsigned int off = ir_set_field_offset(s, f);

		if (!s->field_is_dev[f])
			continue;
		memcpy(&ifindex, key + off, sizeof(ifindex));
		if (nftr_builder_ifindex(b, ifindex, &id, NULL) < 0)
			return -ENOMEM;
		memcpy(key + off, &id, sizeof(id));
	}
	return 0;
}

static int
nftr_elem_collect(struct nftnl_set_elem *e, void *arg)
{
	return nftr_vec_push(arg, e);
}

static int
nftr_build_set_elems(struct nftr_builder *b, struct nftr_table_b *tb,
		     struct nftr_set_b *sb)
{
	struct ir_set *s = sb->set;
	struct nftr_vec elems = { 0 };
	struct nftr_raw_elem *raw = NULL;
	struct ir_set_elem *out;
	size_t n = 0, cap = 0, nout = 0;
	bool single_interval = (s->flags & IR_SET_F_INTERVAL) && s->nfields == 1;
	int ret = 0;

	ret = nftnl_set_elem_foreach((struct nftnl_set *)sb->nl, nftr_elem_collect,
				     &elems);
	if (ret < 0) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t ei = 0; ei < elems.n; ei++) {
		struct nftnl_set_elem *nle = elems.v[ei];
		struct nftr_raw_elem *r;
		const void *p;
		uint32_t len = 0;
		uint8_t *key;

		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			void *nr = realloc(raw, ncap * sizeof(*raw));

			if (nr == NULL) {
				ret = -ENOMEM;
				goto out;
			}
			raw = nr;
			cap = ncap;
		}
		r = &raw[n];
		memset(r, 0, sizeof(*r));
		if (nftnl_set_elem_is_set(nle, NFTNL_SET_ELEM_FLAGS))
			r->flags = nftnl_set_elem_get_u32(nle, NFTNL_SET_ELEM_FLAGS);
		if (r->flags & NFT_SET_ELEM_CATCHALL) {
			ret = nftr_diag_set(b->diag, -EOPNOTSUPP,
					    "table netdev %s set %s: catch-all element is not supported",
					    tb->t->name, s->name);
			goto out;
		}
		p = nftnl_set_elem_get(nle, NFTNL_SET_ELEM_KEY, &len);
		if (p == NULL || len != s->key_len) {
			ret = nftr_diag_set(b->diag, -EINVAL,
					    "table netdev %s set %s: element key of %" PRIu32
					    " bytes, expected %u", tb->t->name, s->name,
					    len, s->key_len);
			goto out;
		}
		key = ir_memdup(b->rs, p, len);
		if (key == NULL) {
			ret = -ENOMEM;
			goto out;
		}
		ret = nftr_translate_dev_fields(b, sb, key);
		if (ret < 0)
			goto out;
		r->key = key;
		r->key_end = key;
		if (nftnl_set_elem_is_set(nle, NFTNL_SET_ELEM_KEY_END)) {
			uint8_t *kend;

			p = nftnl_set_elem_get(nle, NFTNL_SET_ELEM_KEY_END, &len);
			if (p == NULL || len != s->key_len) {
				ret = -EINVAL;
				goto out;
			}
			kend = ir_memdup(b->rs, p, len);
			if (kend == NULL) {
				ret = -ENOMEM;
				goto out;
			}
			ret = nftr_translate_dev_fields(b, sb, kend);
			if (ret < 0)
				goto out;
			r->key_end = kend;
		}
		r->e.key = r->key;
		r->e.key_end = r->key_end;
		if (s->flags & IR_SET_F_VMAP) {
			if (!(r->flags & NFT_SET_ELEM_INTERVAL_END)) {
				int32_t code = (int32_t)nftnl_set_elem_get_u32(nle,
						NFTNL_SET_ELEM_VERDICT);
				const char *chain = nftnl_set_elem_is_set(nle, NFTNL_SET_ELEM_CHAIN) ?
					nftnl_set_elem_get_str(nle, NFTNL_SET_ELEM_CHAIN) : NULL;

				ret = nftr_table_verdict_val(tb, code, chain, &r->e.verdict);
				if (ret < 0) {
					nftr_diag_set(b->diag, ret,
						      "table netdev %s map %s: element verdict %d is not supported",
						      tb->t->name, s->name, code);
					goto out;
				}
			}
		} else if (s->flags & IR_SET_F_MAP) {
			if (!(r->flags & NFT_SET_ELEM_INTERVAL_END)) {
				p = nftnl_set_elem_get(nle, NFTNL_SET_ELEM_DATA, &len);
				if (p == NULL || len != s->data_len) {
					ret = nftr_diag_set(b->diag, -EINVAL,
							    "table netdev %s map %s: element data of %" PRIu32
							    " bytes, expected %u", tb->t->name, s->name,
							    len, s->data_len);
					goto out;
				}
				r->e.data = ir_memdup(b->rs, p, len);
				if (r->e.data == NULL) {
					ret = -ENOMEM;
					goto out;
				}
			}
		}
		n++;
	}

	if (n > 1) {
		size_t klen = s->key_len;

		qsort_r(raw, n, sizeof(*raw), nftr_elem_sort_cmp, &klen);
	}

	out = ir_calloc(b->rs, n ? n : 1, sizeof(*out));
	if (out == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	if (!single_interval) {
		for (size_t i = 0; i < n; i++) {
			if (raw[i].flags & NFT_SET_ELEM_INTERVAL_END)
				continue;	/* never without intervals */
			out[nout++] = raw[i].e;
		}
	} else {
		/* start + exclusive end pairs -> inclusive [lo, hi] */
		for (size_t i = 0; i < n; i++) {
			uint8_t *hi;

			if (raw[i].flags & NFT_SET_ELEM_INTERVAL_END)
				continue;	/* stray end marker */
			hi = ir_alloc(b->rs, s->key_len);
			if (hi == NULL) {
				ret = -ENOMEM;
				goto out;
			}
			if (i + 1 < n && (raw[i + 1].flags & NFT_SET_ELEM_INTERVAL_END)) {
				memcpy(hi, raw[i + 1].key, s->key_len);
				nftr_key_dec(hi, s->key_len);
			} else {
				memset(hi, 0xff, s->key_len);	/* open end */
			}
			out[nout] = raw[i].e;
			out[nout].key_end = hi;
			nout++;
		}
	}
	s->elems = out;
	s->nelems = (uint32_t)nout;
out:
	free(raw);
	nftr_vec_fini(&elems);
	return ret;
}

/* ---- rules -------------------------------------------------------------- */

static const char *
nftr_rule_comment(struct nftr_builder *b, const struct nftnl_rule *r)
{
	const uint8_t *ud;
	uint32_t len = 0, off = 0;

	if (!nftnl_rule_is_set(r, NFTNL_RULE_USERDATA))
		return NULL;
	ud = nftnl_rule_get_data(r, NFTNL_RULE_USERDATA, &len);
	/* TLV: u8 type, u8 len, value */
	while (ud != NULL && off + 2 <= len) {
		uint8_t type = ud[off], l = ud[off + 1];

		if (off + 2u + l > len)
			break;
		if (type == NFTNL_UDATA_RULE_COMMENT && l > 0) {
			char *c = ir_alloc(b->rs, (size_t)l + 1);

			if (c != NULL)
				memcpy(c, ud + off + 2, l);
			return c;
		}
		off += 2u + l;
	}
	return NULL;
}

static int
nftr_build_rules(struct nftr_builder *b, struct nftr_table_b *tb,
		 const struct nftr_dump *d, struct nftr_build_err *where)
{
	struct nftr_rule_ctx *ctx;
	int ret = 0;

	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL)
		return -ENOMEM;
	for (uint32_t ci = 0; ci < tb->t->nchains; ci++) {
		struct ir_chain *c = &tb->chains[ci];
		struct ir_rule *rules;
		uint32_t n = 0, k = 0;

		for (size_t i = 0; i < d->rules.n; i++) {
			const struct nftnl_rule *r = d->rules.v[i];

			if (strcmp(nftnl_rule_get_str(r, NFTNL_RULE_TABLE), tb->t->name) == 0 &&
			    strcmp(nftnl_rule_get_str(r, NFTNL_RULE_CHAIN), c->name) == 0)
				n++;
		}
		rules = ir_calloc(b->rs, n ? n : 1, sizeof(*rules));
		if (rules == NULL) {
			ret = -ENOMEM;
			break;
		}
		for (size_t i = 0; i < d->rules.n && ret == 0; i++) {
			const struct nftnl_rule *r = d->rules.v[i];

			if (strcmp(nftnl_rule_get_str(r, NFTNL_RULE_TABLE), tb->t->name) != 0 ||
			    strcmp(nftnl_rule_get_str(r, NFTNL_RULE_CHAIN), c->name) != 0)
				continue;
			memset(ctx, 0, sizeof(*ctx));
			ctx->b = b;
			ctx->tb = tb;
			ctx->chain = c;
			ctx->handle = nftnl_rule_get_u64(r, NFTNL_RULE_HANDLE);
			ret = nftr_rule_decode(ctx, r, &rules[k]);
			free(ctx->items);
			ctx->items = NULL;
			if (ret < 0) {
				char bc[2048];

				where->in_rule = true;
				snprintf(where->table, sizeof(where->table), "%s", tb->t->name);
				snprintf(where->chain, sizeof(where->chain), "%s", c->name);
				where->handle = ctx->handle;
				if (ret == -ENOMEM)
					break;
				nftr_diag_set(b->diag, ret,
					      "table netdev %s chain %s rule handle %" PRIu64
					      ": expression '%s': %s",
					      tb->t->name, c->name, ctx->handle,
					      ctx->expr != NULL ? ctx->expr : "?", ctx->why);
				bc[0] = '\0';
				nftnl_rule_snprintf(bc, sizeof(bc), r,
						    NFTNL_OUTPUT_DEFAULT, 0);
				for (char *p = bc; *p; p++)
					if (*p == '\n')
						*p = ' ';
				nftr_diag_append(b->diag, "  bytecode: %s", bc);
				break;
			}
			rules[k].comment = nftr_rule_comment(b, r);
			k++;
		}
		if (ret < 0)
			break;
		c->rules = rules;
		c->nrules = k;
	}
	free(ctx);
	return ret;
}

/* ---- tables ------------------------------------------------------------- */

static size_t
nftr_count_in(const struct nftr_vec *v, const char *table,
	      const char *(*table_of)(const void *))
{
	size_t n = 0;

	for (size_t i = 0; i < v->n; i++)
		if (strcmp(table_of(v->v[i]), table) == 0)
			n++;
	return n;
}

static const char *nftr_b_chain_table(const void *o) { return nftnl_chain_get_str(o, NFTNL_CHAIN_TABLE); }
static const char *nftr_b_set_table(const void *o) { return nftnl_set_get_str(o, NFTNL_SET_TABLE); }
static const char *nftr_b_obj_table(const void *o) { return nftnl_obj_get_str((struct nftnl_obj *)o, NFTNL_OBJ_TABLE); }

static int
nftr_build_table(struct nftr_builder *b, const struct nftr_dump *d,
		 const struct nftnl_table *nlt, struct nftr_table_b *tb,
		 struct nftr_build_err *where)
{
	const char *name = nftnl_table_get_str(nlt, NFTNL_TABLE_NAME);
	struct ir_table *t = tb->t;
	size_t nc, ns, no, k;
	int ret;

	t->name = ir_strdup(b->rs, name);
	if (t->name == NULL)
		return -ENOMEM;
	t->handle = nftnl_table_get_u64(nlt, NFTNL_TABLE_HANDLE);

	nc = nftr_count_in(&d->chains, name, nftr_b_chain_table);
	ns = nftr_count_in(&d->sets, name, nftr_b_set_table);
	no = nftr_count_in(&d->objs, name, nftr_b_obj_table);
	tb->chains = ir_calloc(b->rs, nc ? nc : 1, sizeof(*tb->chains));
	tb->objs = ir_calloc(b->rs, no ? no : 1, sizeof(*tb->objs));
	tb->sets = calloc(ns ? ns : 1, sizeof(*tb->sets));
	if (tb->chains == NULL || tb->objs == NULL || tb->sets == NULL)
		return -ENOMEM;
	{
		struct ir_set *sets = ir_calloc(b->rs, ns ? ns : 1, sizeof(*sets));

		if (sets == NULL)
			return -ENOMEM;
		for (size_t i = 0; i < ns; i++)
			tb->sets[i].set = &sets[i];
		t->sets = sets;
	}

	k = 0;
	for (size_t i = 0; i < d->objs.n; i++) {
		if (strcmp(nftr_b_obj_table(d->objs.v[i]), name) != 0)
			continue;
		ret = nftr_build_obj(b, name, d->objs.v[i], &tb->objs[k++]);
		if (ret < 0)
			return ret;
	}
	t->objects = tb->objs;
	t->nobjects = (uint32_t)no;

	k = 0;
	for (size_t i = 0; i < d->chains.n; i++) {
		if (strcmp(nftr_b_chain_table(d->chains.v[i]), name) != 0)
			continue;
		ret = nftr_build_chain(b, name, d->chains.v[i], &tb->chains[k++]);
		if (ret < 0)
			return ret;
	}
	t->chains = tb->chains;
	t->nchains = (uint32_t)nc;

	k = 0;
	for (size_t i = 0; i < d->sets.n; i++) {
		if (strcmp(nftr_b_set_table(d->sets.v[i]), name) != 0)
			continue;
		tb->sets[k].nl = d->sets.v[i];
		ret = nftr_build_set_header(b, name, d->sets.v[i],
					    tb->sets[k].set, (uint32_t)k);
		if (ret < 0)
			return ret;
		k++;
	}
	t->nsets = (uint32_t)ns;

	ret = nftr_build_rules(b, tb, d, where);
	if (ret < 0)
		return ret;

	for (size_t i = 0; i < ns; i++) {
		ret = nftr_build_set_elems(b, tb, &tb->sets[i]);
		if (ret < 0)
			return ret;
	}
	return 0;
}

int
nftr_build(const struct nftr_dump *d, const struct nftr_build_opts *o,
	   struct ir_ruleset **out, struct nftr_diag *diag,
	   struct nftr_build_err *where)
{
	struct nftr_builder b = { .o = o, .diag = diag };
	struct nftr_table_b *tbs = NULL;
	struct ir_table *tables;
	const char **devs;
	size_t nt = 0, k = 0;
	int ret = 0;

	memset(where, 0, sizeof(*where));
	for (size_t i = 0; i < d->tables.n; i++) {
		const struct nftnl_table *t = d->tables.v[i];
		uint32_t fam = nftnl_table_get_u32(t, NFTNL_TABLE_FAMILY);
		const char *name = nftnl_table_get_str(t, NFTNL_TABLE_NAME);

		if (fam != NFPROTO_NETDEV) {
			if (o->strict_family)
				return nftr_diag_set(diag, -EAFNOSUPPORT,
						     "table %s %s: only netdev tables are supported",
						     nftr_family_name(fam), name);
			continue;
		}
		if (o->table != NULL && strcmp(o->table, name) != 0)
			continue;
		if (nftnl_table_get_u32(t, NFTNL_TABLE_FLAGS) & NFT_TABLE_F_DORMANT)
			continue;
		nt++;
	}

	b.rs = ir_ruleset_new();
	if (b.rs == NULL)
		return -ENOMEM;
	tables = ir_calloc(b.rs, nt ? nt : 1, sizeof(*tables));
	tbs = calloc(nt ? nt : 1, sizeof(*tbs));
	if (tables == NULL || tbs == NULL) {
		ret = -ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < d->tables.n && k < nt; i++) {
		const struct nftnl_table *t = d->tables.v[i];
		const char *name = nftnl_table_get_str(t, NFTNL_TABLE_NAME);

		if (nftnl_table_get_u32(t, NFTNL_TABLE_FAMILY) != NFPROTO_NETDEV ||
		    (o->table != NULL && strcmp(o->table, name) != 0) ||
		    (nftnl_table_get_u32(t, NFTNL_TABLE_FLAGS) & NFT_TABLE_F_DORMANT))
			continue;
		tbs[k].t = &tables[k];
		ret = nftr_build_table(&b, d, t, &tbs[k], where);
		k++;
		if (ret < 0)
			goto fail;
	}
	b.rs->tables = tables;
	b.rs->ntables = (uint32_t)nt;
	b.rs->generation = d->gen;

	devs = ir_calloc(b.rs, b.devices.n ? b.devices.n : 1, sizeof(*devs));
	if (devs == NULL) {
		ret = -ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < b.devices.n; i++)
		devs[i] = b.devices.v[i];
	b.rs->devices = devs;
	b.rs->ndevices = (uint32_t)b.devices.n;

	for (size_t i = 0; i < k; i++)
		free(tbs[i].sets);
	free(tbs);
	nftr_vec_fini(&b.devices);
	*out = b.rs;
	return 0;
fail:
	if (ret == -ENOMEM && (diag == NULL || diag->msg == NULL))
		nftr_diag_set(diag, ret, "out of memory building the IR");
	for (size_t i = 0; tbs != NULL && i < k; i++)
		free(tbs[i].sets);
	free(tbs);
	nftr_vec_fini(&b.devices);
	ir_ruleset_free(b.rs);
	return ret;
}
