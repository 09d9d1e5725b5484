/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The symbolic re-run of an IR rule's matches: every match becomes a union
 * of ternary constraints on the virtual header (ofl_key.h); a rule is the
 * intersection of its matches; the VLAN and L3/L4 shapes are resolved last.
 * What has no translation is refused (exact) or dropped (widen), never
 * guessed.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rte_flow/ofl_key.h"

#define ETH_VLAN	0x8100
#define ETH_QINQ	0x88a8
#define ETH_IPV4	0x0800
#define ETH_IPV6	0x86dd

/* ---- key lists ------------------------------------------------------------ */

struct klist {
	struct ofl_key *k;
	uint32_t n, cap;
	uint32_t max;
	bool over;		/* more than max were produced */
};

static int
kl_push(struct klist *l, const struct ofl_key *k)
{
	if (l->n >= l->max) {
		l->over = true;
		return 0;
	}
	if (l->n == l->cap) {
		uint32_t cap = l->cap ? l->cap * 2 : 8;
		struct ofl_key *nk = realloc(l->k, cap * sizeof(*nk));

		if (nk == NULL)
			return -ENOMEM;
		l->k = nk;
		l->cap = cap;
	}
	l->k[l->n++] = *k;
	return 0;
}

static void
kl_free(struct klist *l)
{
	free(l->k);
	l->k = NULL;
	l->n = l->cap = 0;
}

/* ---- keys ----------------------------------------------------------------- */

/* a AND b into out; false when no frame can match both. */
bool
ofl_key_and(struct ofl_key *out, const struct ofl_key *a, const struct ofl_key *b)
{
	struct ofl_key r;

	if (a->tag != OFL_TAG_ANY && b->tag != OFL_TAG_ANY && a->tag != b->tag)
		return false;
	memset(&r, 0, sizeof(r));
	r.tag = a->tag != OFL_TAG_ANY ? a->tag : b->tag;
	r.flags = a->flags | b->flags;
	r.range = a->range;
	r.rlo = a->rlo;
	r.rhi = a->rhi;
	if (b->range != OFL_RANGE_NONE) {
		if (r.range == OFL_RANGE_NONE) {
			r.range = b->range;
			r.rlo = b->rlo;
			r.rhi = b->rhi;
		} else if (r.range == b->range) {
			r.rlo = a->rlo > b->rlo ? a->rlo : b->rlo;
			r.rhi = a->rhi < b->rhi ? a->rhi : b->rhi;
			if (r.rlo > r.rhi)
				return false;
		} else {
			return false;	/* callers never mix two range fields */
		}
	}
	for (unsigned int i = 0; i < OFL_K_LEN; i++) {
		if ((a->v[i] ^ b->v[i]) & a->m[i] & b->m[i])
			return false;
		r.m[i] = a->m[i] | b->m[i];
		r.v[i] = (a->v[i] & a->m[i]) | (b->v[i] & b->m[i]);
	}
	*out = r;
	return true;
}

static bool
range_off(uint8_t range, unsigned int *off)
{
	if (range == OFL_RANGE_SPORT)
		*off = OFL_K_TH;
	else if (range == OFL_RANGE_DPORT)
		*off = OFL_K_TH + 2;
	else
		return false;
	return true;
}

bool
ofl_key_overlap(const struct ofl_key *a, const struct ofl_key *b)
{
	unsigned int off;

	if (a->tag != OFL_TAG_ANY && b->tag != OFL_TAG_ANY && a->tag != b->tag)
		return false;
	for (unsigned int i = 0; i < OFL_K_LEN; i++)
		if ((a->v[i] ^ b->v[i]) & a->m[i] & b->m[i])
			return false;
	if (a->range != OFL_RANGE_NONE && a->range == b->range)
		return !(a->rhi < b->rlo || b->rhi < a->rlo);
	/* a range against a ternary on the same bytes: disjoint when no value
	 * of the range fits the ternary (checked by its bounds only: unsure
	 * means overlap) */
	for (int s = 0; s < 2; s++) {
		const struct ofl_key *r = s ? b : a, *t = s ? a : b;

		if (range_off(r->range, &off) && r->range != t->range &&
		    t->m[off] == 0xff && t->m[off + 1] == 0xff) {
			uint16_t val = (uint16_t)(t->v[off] << 8 | t->v[off + 1]);

			if (val < r->rlo || val > r->rhi)
				return false;
		}
	}
	return true;
}

bool
ofl_key_match(const struct ofl_key *k, const uint8_t *vh, enum ofl_tag tag)
{
	unsigned int off;

	if (k->tag != OFL_TAG_ANY && k->tag != tag)
		return false;
	for (unsigned int i = 0; i < OFL_K_LEN; i++)
		if ((vh[i] ^ k->v[i]) & k->m[i])
			return false;
	if (range_off(k->range, &off)) {
		uint16_t val = (uint16_t)(vh[off] << 8 | vh[off + 1]);

		if (val < k->rlo || val > k->rhi)
			return false;
	}
	return true;
}

const char *
ofl_key_byte_name(unsigned int off, char *buf, size_t len)
{
	if (off < OFL_K_LL + OFL_K_LL_LEN)
		snprintf(buf, len, "ll+%u", off - OFL_K_LL);
	else if (off < OFL_K_PROTO + 2)
		snprintf(buf, len, "meta protocol");
	else if (off < OFL_K_NH + OFL_K_NH_LEN)
		snprintf(buf, len, "nh+%u", off - OFL_K_NH);
	else if (off == OFL_K_L4P)
		snprintf(buf, len, "meta l4proto");
	else
		snprintf(buf, len, "th+%u", off - OFL_K_TH);
	return buf;
}

/* ---- big-endian numbers (len <= 16) --------------------------------------- */

__extension__ typedef unsigned __int128 u128;

static u128
be_get(const uint8_t *p, unsigned int len)
{
	u128 v = 0;

	for (unsigned int i = 0; i < len; i++)
		v = v << 8 | p[i];
	return v;
}

static void
be_put(uint8_t *p, unsigned int len, u128 v)
{
	for (unsigned int i = len; i-- > 0;) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

static u128
be_max(unsigned int len)
{
	return len >= 16 ? ~(u128)0 : (((u128)1 << (len * 8)) - 1);
}

int
ofl_range_prefixes(const uint8_t *lo_b, const uint8_t *hi_b, unsigned int len,
		   ofl_prefix_fn fn, void *arg)
{
	uint8_t val[16], mask[16];
	unsigned int bits = len * 8;
	u128 lo, hi, max;
	int n = 0, ret;

	if (len == 0 || len > 16)
		return -EINVAL;
	lo = be_get(lo_b, len);
	hi = be_get(hi_b, len);
	max = be_max(len);
	if (lo > hi)
		return 0;
	for (;;) {
		unsigned int k = 0;
		u128 size_m1, m;

		/* largest aligned block at lo that ends at or before hi */
		while (k < bits) {
			u128 blk_m1 = k + 1 >= 128 ? ~(u128)0 :
				      (((u128)1 << (k + 1)) - 1);

			if ((lo & blk_m1) != 0 || hi - lo < blk_m1)
				break;
			k++;
		}
		size_m1 = k == 0 ? 0 : (k >= 128 ? ~(u128)0 : (((u128)1 << k) - 1));
		m = max & ~size_m1;
		be_put(val, len, lo);
		be_put(mask, len, m);
		ret = fn(arg, val, mask, len);
		if (ret < 0)
			return ret;
		n++;
		if (hi - lo == size_m1)
			break;
		lo += size_m1 + 1;
	}
	return n;
}

/* ---- operands ----------------------------------------------------------- */

enum loc_kind {
	LOC_KEY,	/* bytes of the virtual header */
	LOC_CONST,	/* a value known on this port */
	LOC_NONE,	/* no translation */
};

struct loc {
	enum loc_kind kind;
	unsigned int off;		/* LOC_KEY: key offset of field byte 0 */
	unsigned int flen;		/* field (register) length */
	bool swap;
	const uint8_t *mask;		/* operand mask or NULL */
	uint8_t reg[IR_DATA_MAX];	/* LOC_CONST: the register image */
	char why[96];
};

/* interp.c's byteorder: 2/8/odd lengths reversed whole, else 32-bit words. */
static unsigned int
swap_idx(unsigned int i, unsigned int len)
{
	if (len == 2 || len == 8 || len % 4 != 0)
		return len - 1 - i;
	return (i / 4) * 4 + 3 - i % 4;
}

static void
op_loc(const struct ofl_xlate_cfg *cfg, const struct ir_operand *op,
       struct loc *l)
{
	const struct ir_field *f = &op->field;
	enum ir_byteorder natural = IR_BO_NET;
	uint8_t tmp[IR_DATA_MAX] = { 0 };
	unsigned int base_off = 0, base_len = 0;

	memset(l, 0, sizeof(*l));
	l->flen = f->len;
	l->mask = op->mask;
	if (f->len == 0 || f->len > IR_DATA_MAX) {
		l->kind = LOC_NONE;
		snprintf(l->why, sizeof(l->why), "operand of length %u", f->len);
		return;
	}
	if (f->kind == IR_FIELD_PAYLOAD) {
		switch (f->base) {
		case IR_BASE_LL:
			base_off = OFL_K_LL;
			base_len = OFL_K_LL_LEN;
			break;
		case IR_BASE_NETWORK:
			base_off = OFL_K_NH;
			base_len = OFL_K_NH_LEN;
			break;
		case IR_BASE_TRANSPORT:
			base_off = OFL_K_TH;
			base_len = OFL_K_TH_LEN;
			break;
		default:
			break;
		}
		if (base_len == 0 || f->offset + f->len > base_len) {
			l->kind = LOC_NONE;
			snprintf(l->why, sizeof(l->why),
				 "payload @%s,%u,%u is beyond the headers rte_flow matches",
				 ir_payload_base_name(f->base), f->offset * 8u,
				 f->len * 8u);
			return;
		}
		l->kind = LOC_KEY;
		l->off = base_off + f->offset;
		l->swap = op->order != IR_BO_NET;
		return;
	}
	{
		const struct ir_meta_key_info *ki = ir_meta_key_info(f->meta);
		uint32_t u32;
		uint16_t u16;

		if (ki == NULL) {
			l->kind = LOC_NONE;
			snprintf(l->why, sizeof(l->why), "unknown meta key");
			return;
		}
		natural = ki->order;
		l->swap = op->order != natural;
		switch (f->meta) {
		case IR_META_PROTOCOL:
			l->kind = LOC_KEY;
			l->off = OFL_K_PROTO;
			if (f->len != 2)
				goto none;
			return;
		case IR_META_L4PROTO:
			l->kind = LOC_KEY;
			l->off = OFL_K_L4P;
			if (f->len != 1)
				goto none;
			return;
		case IR_META_NFPROTO:
			tmp[0] = 5;	/* NFPROTO_NETDEV */
			break;
		case IR_META_MARK:
			/* nothing in the hardware path set it: 0 */
			break;
		case IR_META_IIF:
			u32 = cfg->iif_id;
			memcpy(tmp, &u32, 4);
			break;
		case IR_META_IIFNAME:
			memcpy(tmp, cfg->ifname, IR_IFNAMSIZ);
			break;
		case IR_META_IIFTYPE:
			u16 = 1;	/* ARPHRD_ETHER */
			memcpy(tmp, &u16, 2);
			break;
		default:
			goto none;
		}
		l->kind = LOC_CONST;
		memcpy(l->reg, tmp, f->len < ki->len ? f->len : ki->len);
		if (l->swap) {
			uint8_t s[IR_DATA_MAX];

			for (unsigned int i = 0; i < f->len; i++)
				s[i] = l->reg[swap_idx(i, f->len)];
			memcpy(l->reg, s, f->len);
		}
		if (op->mask != NULL)
			for (unsigned int i = 0; i < f->len; i++)
				l->reg[i] &= op->mask[i];
		return;
none:
		l->kind = LOC_NONE;
		snprintf(l->why, sizeof(l->why), "meta %s", ki->name);
	}
}

/*
 * The key term for "register bytes [0, len) & pm == p" on a LOC_KEY operand.
 * false: no field value gives that register (empty term).
 */
static bool
loc_term(const struct loc *l, const uint8_t *p, const uint8_t *pm,
	 unsigned int len, struct ofl_key *k)
{
	for (unsigned int i = 0; i < len; i++) {
		uint8_t om = l->mask != NULL ? l->mask[i] : 0xff;
		uint8_t cm = om & pm[i], cv = p[i] & pm[i];
		unsigned int j = l->swap ? swap_idx(i, l->flen) : i;

		if (cv & ~om)
			return false;	/* bits the operand mask clears */
		if (cm == 0)
			continue;
		if ((k->m[l->off + j] & cm) &&
		    ((k->v[l->off + j] ^ cv) & cm & k->m[l->off + j]))
			return false;
		k->m[l->off + j] |= cm;
		k->v[l->off + j] |= cv & cm;
	}
	return true;
}

/* ---- matches -> terms --------------------------------------------------- */

struct xs {
	const struct ofl_xlate_cfg *cfg;
	struct ofl_xlate *x;
	bool widen;
	bool range_used;	/* a `last` range is in the keys already */
};

enum mres {
	M_TERMS = 0,	/* terms holds the match's union */
	M_TRUE,		/* always true on this port */
	M_FALSE,	/* never true on this port */
	M_NONE,		/* no translation (reason in why) */
};

struct term_ctx {
	const struct loc *l;
	struct klist *out;
	const struct ofl_key *base;	/* AND-ed with every term, or NULL */
	int err;
};

static int
term_prefix(void *arg, const uint8_t *val, const uint8_t *mask, unsigned int len)
{
	struct term_ctx *tc = arg;
	struct ofl_key k;

	if (tc->base != NULL)
		k = *tc->base;
	else
		memset(&k, 0, sizeof(k));
	if (!loc_term(tc->l, val, mask, len, &k))
		return 0;
	tc->err = kl_push(tc->out, &k);
	return tc->err < 0 ? tc->err : (tc->out->over ? -E2BIG : 0);
}

/* Terms for reg[0,len) in [lo, hi] (big-endian, inclusive). */
static int
range_terms(const struct loc *l, const uint8_t *lo, const uint8_t *hi,
	    unsigned int len, const struct ofl_key *base, struct klist *out)
{
	struct term_ctx tc = { l, out, base, 0 };
	uint8_t ones[IR_DATA_MAX];
	int ret;

	if (memcmp(lo, hi, len) == 0) {
		memset(ones, 0xff, len);
		ret = term_prefix(&tc, lo, ones, len);
		return ret;
	}
	if (len > 16)
		return -EDOM;
	ret = ofl_range_prefixes(lo, hi, len, term_prefix, &tc);
	return ret < 0 ? ret : 0;
}

/* the register as a number must lie in one of the ranges: const check */
static bool
const_in(const struct loc *l, const uint8_t *lo, const uint8_t *hi,
	 unsigned int len)
{
	return memcmp(l->reg, lo, len) >= 0 && memcmp(l->reg, hi, len) <= 0;
}

/* complement of [lo, hi] in len-byte space: up to two ranges */
static unsigned int
complement(const uint8_t *lo, const uint8_t *hi, unsigned int len,
	   uint8_t r[2][2][16])
{
	u128 l = be_get(lo, len), h = be_get(hi, len), max = be_max(len);
	unsigned int n = 0;

	if (l > 0) {
		be_put(r[n][0], len, 0);
		be_put(r[n][1], len, l - 1);
		n++;
	}
	if (h < max) {
		be_put(r[n][0], len, h + 1);
		be_put(r[n][1], len, max);
		n++;
	}
	return n;
}

/* Could this be one rte_flow `last` range on a TCP/UDP/SCTP port? */
static bool
last_ok(struct xs *s, const struct ir_match *m, const struct loc *l,
	unsigned int len, uint8_t *field)
{
	if (!s->cfg->has_last || s->range_used || l->kind != LOC_KEY ||
	    len != 2 || l->flen != 2 || l->swap || l->mask != NULL)
		return false;
	(void)m;
	if (l->off == OFL_K_TH)
		*field = OFL_RANGE_SPORT;
	else if (l->off == OFL_K_TH + 2)
		*field = OFL_RANGE_DPORT;
	else
		return false;
	return true;
}

static enum mres
match_cmp_range(struct xs *s, const struct ir_match *m, struct klist *out,
		char *why, size_t wlen)
{
	uint8_t ranges[2][2][16];
	uint8_t lo[16], hi[16];
	unsigned int len = m->len, nr = 0;
	struct loc l;
	u128 v;

	op_loc(s->cfg, &m->arg, &l);
	if (l.kind == LOC_NONE) {
		snprintf(why, wlen, "%s", l.why);
		return M_NONE;
	}
	if (len == 0 || len > l.flen) {
		snprintf(why, wlen, "compare of %u bytes", len);
		return M_NONE;
	}
	if (m->kind == IR_MATCH_CMP && (m->op == IR_CMP_EQ || m->op == IR_CMP_NEQ)) {
		if (l.kind == LOC_CONST) {
			bool eq = memcmp(l.reg, m->value, len) == 0;

			return (eq == (m->op == IR_CMP_EQ)) ? M_TRUE : M_FALSE;
		}
		if (m->op == IR_CMP_EQ) {
			uint8_t ones[IR_DATA_MAX];
			struct ofl_key k;

			memset(ones, 0xff, len);
			memset(&k, 0, sizeof(k));
			if (!loc_term(&l, m->value, ones, len, &k))
				return M_FALSE;
			return kl_push(out, &k) < 0 ? M_NONE : M_TERMS;
		}
		/* !=: one prefix per bit the operand can hold */
		for (unsigned int i = 0; i < len; i++) {
			uint8_t om = l.mask != NULL ? l.mask[i] : 0xff;

			if (m->value[i] & ~om)
				return M_TRUE;	/* the register never equals it */
		}
		{
			uint8_t p[IR_DATA_MAX], pm[IR_DATA_MAX];

			memset(pm, 0, len);
			for (unsigned int i = 0; i < len; i++) {
				uint8_t om = l.mask != NULL ? l.mask[i] : 0xff;

				for (int b = 7; b >= 0; b--) {
					uint8_t bit = (uint8_t)(1u << b);
					struct ofl_key k;

					if (!(om & bit))
						continue;
					memcpy(p, m->value, len);
					p[i] ^= bit;
					pm[i] |= bit;
					memset(&k, 0, sizeof(k));
					if (loc_term(&l, p, pm, len, &k) &&
					    kl_push(out, &k) < 0) {
						snprintf(why, wlen, "out of memory");
						return M_NONE;
					}
				}
			}
		}
		/*
		 * kl_push() stops silently at the list's limit: a truncated
		 * complement is narrower than the match, and a widened punt
		 * built from it would let frames it misses resume at a later
		 * rule. Refuse the match instead (widening then drops it).
		 */
		if (out->over) {
			snprintf(why, wlen, "!= expands to more than %u hardware rules",
				 out->max);
			return M_NONE;
		}
		return out->n > 0 ? M_TERMS : M_FALSE;
	}
	if (len > 16) {
		snprintf(why, wlen, "range on %u bytes", len);
		return M_NONE;
	}
	v = 0;
	switch (m->kind == IR_MATCH_RANGE ? IR_CMP__COUNT : m->op) {
	case IR_CMP__COUNT:
		memcpy(lo, m->lo, len);
		memcpy(hi, m->hi, len);
		if (memcmp(lo, hi, len) > 0)
			return m->invert ? M_TRUE : M_FALSE;
		if (m->invert) {
			nr = complement(lo, hi, len, ranges);
		} else {
			memcpy(ranges[0][0], lo, len);
			memcpy(ranges[0][1], hi, len);
			nr = 1;
		}
		break;
	case IR_CMP_LT:
	case IR_CMP_LTE:
		v = be_get(m->value, len);
		if (m->op == IR_CMP_LT) {
			if (v == 0)
				return M_FALSE;
			v--;
		}
		be_put(ranges[0][0], len, 0);
		be_put(ranges[0][1], len, v);
		nr = 1;
		break;
	case IR_CMP_GT:
	case IR_CMP_GTE:
		v = be_get(m->value, len);
		if (m->op == IR_CMP_GT) {
			if (v == be_max(len))
				return M_FALSE;
			v++;
		}
		be_put(ranges[0][0], len, v);
		be_put(ranges[0][1], len, be_max(len));
		nr = 1;
		break;
	default:
		snprintf(why, wlen, "compare operator");
		return M_NONE;
	}
	if (l.kind == LOC_CONST) {
		for (unsigned int r = 0; r < nr; r++)
			if (const_in(&l, ranges[r][0], ranges[r][1], len))
				return M_TRUE;
		return M_FALSE;
	}
	{
		uint8_t field;

		if (nr == 1 && last_ok(s, m, &l, len, &field)) {
			struct ofl_key k;

			memset(&k, 0, sizeof(k));
			k.range = field;
			k.rlo = (uint16_t)(ranges[0][0][0] << 8 | ranges[0][0][1]);
			k.rhi = (uint16_t)(ranges[0][1][0] << 8 | ranges[0][1][1]);
			s->range_used = true;
			return kl_push(out, &k) < 0 ? M_NONE : M_TERMS;
		}
	}
	for (unsigned int r = 0; r < nr; r++) {
		int ret = range_terms(&l, ranges[r][0], ranges[r][1], len, NULL, out);

		if (ret == -E2BIG || out->over) {
			snprintf(why, wlen, "range expands to more than %u hardware rules",
				 out->max);
			return M_NONE;
		}
		if (ret < 0) {
			snprintf(why, wlen, "range not decomposable");
			return M_NONE;
		}
	}
	return out->n > 0 ? M_TERMS : M_FALSE;
}

static enum mres
match_lookup(struct xs *s, const struct ir_lookup *lk, bool invert,
	     struct klist *out, char *why, size_t wlen)
{
	const struct ir_set *set = lk->set;
	struct loc l[IR_CONCAT_MAX];
	unsigned int nf = lk->nfields;
	struct klist cur = { .max = out->max }, nxt = { .max = out->max };
	enum mres res = M_TERMS;

	if (set == NULL || nf == 0 || nf > IR_CONCAT_MAX) {
		snprintf(why, wlen, "lookup without a set");
		return M_NONE;
	}
	if (set->flags & (IR_SET_F_EVAL | IR_SET_F_TIMEOUT)) {
		snprintf(why, wlen, "set @%s is updated from packets", set->name);
		return M_NONE;
	}
	for (unsigned int f = 0; f < nf; f++) {
		op_loc(s->cfg, &lk->fields[f], &l[f]);
		if (l[f].kind == LOC_NONE) {
			snprintf(why, wlen, "%s (in a lookup of @%s)", l[f].why, set->name);
			return M_NONE;
		}
	}
	if (invert) {
		const struct loc *l0 = &l[0];
		unsigned int len = set->key_len;
		uint8_t lo[16];
		u128 next = 0;
		bool done = false;

		if (nf != 1) {
			snprintf(why, wlen, "negated lookup of concatenated set @%s",
				 set->name);
			return M_NONE;
		}
		if (len > 16) {
			snprintf(why, wlen, "negated lookup of %u-byte keys", len);
			return M_NONE;
		}
		/* the gaps between the sorted, disjoint elements */
		for (uint32_t e = 0; e <= set->nelems && !done; e++) {
			u128 a, b;
			uint8_t hi[16];
			bool gap;

			if (e < set->nelems) {
				a = be_get(set->elems[e].key, len);
				b = be_get(set->elems[e].key_end, len);
				gap = a > next;
				if (gap)
					a -= 1;
			} else {
				a = be_max(len);
				b = a;
				gap = true;
			}
			if (gap) {
				be_put(lo, len, next);
				be_put(hi, len, a);
				if (l0->kind == LOC_CONST) {
					if (const_in(l0, lo, hi, len))
						return M_TRUE;
				} else if (range_terms(l0, lo, hi, len, NULL, out) < 0 ||
					   out->over) {
					goto big;
				}
			}
			if (e == set->nelems || b == be_max(len))
				done = true;
			else if (b + 1 > next)
				next = b + 1;
		}
		if (l0->kind == LOC_CONST)
			return M_FALSE;
		return out->n > 0 ? M_TERMS : M_FALSE;
	}
	for (uint32_t e = 0; e < set->nelems; e++) {
		const struct ir_set_elem *el = &set->elems[e];
		struct ofl_key wild;
		bool dead = false;

		memset(&wild, 0, sizeof(wild));
		cur.n = 0;
		if (kl_push(&cur, &wild) < 0)
			goto nomem;
		for (unsigned int f = 0; f < nf && !dead; f++) {
			unsigned int off = ir_set_field_offset(set, f);
			unsigned int flen = nf == 1 ? set->key_len : set->field_len[f];

			if (flen > l[f].flen)
				flen = l[f].flen;
			if (l[f].kind == LOC_CONST) {
				dead = !const_in(&l[f], el->key + off, el->key_end + off, flen);
				continue;
			}
			nxt.n = 0;
			for (uint32_t c = 0; c < cur.n; c++) {
				int ret = range_terms(&l[f], el->key + off,
						      el->key_end + off, flen,
						      &cur.k[c], &nxt);

				if (ret == -ENOMEM)
					goto nomem;
				if (ret < 0 || nxt.over)
					goto big;
			}
			{
				struct klist t = cur;

				cur = nxt;
				nxt = t;
			}
			dead = cur.n == 0;
		}
		if (dead)
			continue;
		for (uint32_t c = 0; c < cur.n; c++)
			if (kl_push(out, &cur.k[c]) < 0)
				goto nomem;
		if (out->over)
			goto big;
	}
	if (out->n == 0)
		res = M_FALSE;
	else {
		/* one all-wildcard term: the lookup was a const true */
		for (uint32_t c = 0; c < out->n; c++) {
			bool wild = out->k[c].range == 0;

			for (unsigned int i = 0; i < OFL_K_LEN && wild; i++)
				wild = out->k[c].m[i] == 0;
			if (wild) {
				res = M_TRUE;
				break;
			}
		}
	}
	kl_free(&cur);
	kl_free(&nxt);
	return res;
big:
	kl_free(&cur);
	kl_free(&nxt);
	snprintf(why, wlen, "set @%s expands to more than %u hardware rules",
		 set->name, out->max);
	return M_NONE;
nomem:
	kl_free(&cur);
	kl_free(&nxt);
	snprintf(why, wlen, "out of memory");
	return M_NONE;
}

/* ---- shape resolution ---------------------------------------------------- */

static bool
any_mask(const struct ofl_key *k, unsigned int off, unsigned int len)
{
	for (unsigned int i = 0; i < len; i++)
		if (k->m[off + i])
			return true;
	return false;
}

static void
clear(struct ofl_key *k, unsigned int off, unsigned int len)
{
	memset(k->m + off, 0, len);
	memset(k->v + off, 0, len);
}

static uint16_t
get16(const struct ofl_key *k, unsigned int off)
{
	return (uint16_t)(k->v[off] << 8 | k->v[off + 1]);
}

static bool
full16(const struct ofl_key *k, unsigned int off)
{
	return k->m[off] == 0xff && k->m[off + 1] == 0xff;
}

static void
set_bytes(struct ofl_key *k, unsigned int off, uint32_t v, unsigned int len)
{
	for (unsigned int i = 0; i < len; i++) {
		k->v[off + i] = (uint8_t)(v >> (8 * (len - 1 - i)));
		k->m[off + i] = 0xff;
	}
}

/* make bytes [a, a+len) and [b, b+len) carry the same constraint */
static bool
unify(struct ofl_key *k, unsigned int a, unsigned int b, unsigned int len)
{
	for (unsigned int i = 0; i < len; i++) {
		uint8_t cm = k->m[a + i] & k->m[b + i];

		if ((k->v[a + i] ^ k->v[b + i]) & cm)
			return false;
		k->v[a + i] = k->v[b + i] =
			(k->v[a + i] & k->m[a + i]) | (k->v[b + i] & k->m[b + i]);
		k->m[a + i] = k->m[b + i] = k->m[a + i] | k->m[b + i];
	}
	return true;
}

static bool
is_tpid(uint16_t t)
{
	return t == ETH_VLAN || t == ETH_QINQ;
}

static bool
v6_ext(uint8_t p)
{
	return p == 0 || p == 43 || p == 44 || p == 51 || p == 60;
}

/* rte_flow item header length for an L4 protocol, 0: none */
static unsigned int
l4_hdr_len(uint16_t l3, uint8_t p)
{
	switch (p) {
	case 6: return 20;	/* TCP */
	case 17: return 8;	/* UDP */
	case 132: return 12;	/* SCTP */
	case 1: return l3 == ETH_IPV4 ? 8 : 0;	/* ICMP */
	case 58: return l3 == ETH_IPV6 ? 4 : 0;	/* ICMPv6 */
	default: return 0;
	}
}

/* records the first failure; false when the rule must be refused */
static bool __attribute__((format(printf, 2, 3)))
fail(struct xs *s, const char *fmt, ...)
{
	va_list ap;

	if (s->x->exact || s->x->why[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(s->x->why, sizeof(s->x->why), fmt, ap);
		va_end(ap);
	}
	s->x->exact = false;
	return s->widen;
}

static int resolve(struct xs *s, struct ofl_key k, struct klist *out);

static int
resolve_tag(struct xs *s, struct ofl_key k, struct klist *out)
{
	bool ll_type = any_mask(&k, OFL_K_LL + 12, 2);
	bool ll_tag = any_mask(&k, OFL_K_LL + 14, 4);
	bool proto = any_mask(&k, OFL_K_PROTO, 2);
	int ret;

	if (!ll_type && !ll_tag && !proto &&
	    (!s->cfg->split_tag || k.tag != OFL_TAG_ANY))
		return kl_push(out, &k);
	if (ll_type && !full16(&k, OFL_K_LL + 12)) {
		if (!fail(s, "ether type with a partial mask"))
			return -EPERM;
		clear(&k, OFL_K_LL + 12, 2);
		ll_type = false;
	}
	/* untagged: the ethertype is meta protocol, bytes 14.. are L3 */
	if (k.tag != OFL_TAG_ONE &&
	    !(ll_type && is_tpid(get16(&k, OFL_K_LL + 12)))) {
		struct ofl_key u = k;

		if (ll_tag) {
			if (!fail(s, "link-layer bytes 14..17 of an untagged frame"))
				return -EPERM;
			clear(&u, OFL_K_LL + 14, 4);
		}
		if (unify(&u, OFL_K_LL + 12, OFL_K_PROTO, 2)) {
			u.tag = OFL_TAG_NONE;
			ret = kl_push(out, &u);
			if (ret < 0)
				return ret;
		}
	}
	/* tagged: the first tag is in place, meta protocol follows it */
	if (k.tag != OFL_TAG_NONE &&
	    !(ll_type && !is_tpid(get16(&k, OFL_K_LL + 12)))) {
		struct ofl_key t = k;

		if (unify(&t, OFL_K_LL + 16, OFL_K_PROTO, 2)) {
			t.tag = OFL_TAG_ONE;
			ret = kl_push(out, &t);
			if (ret < 0)
				return ret;
		}
	}
	return 0;
}

static int
resolve(struct xs *s, struct ofl_key k, struct klist *out)
{
	bool nh = any_mask(&k, OFL_K_NH, OFL_K_NH_LEN);
	bool l4p = k.m[OFL_K_L4P] != 0;
	bool th = any_mask(&k, OFL_K_TH, OFL_K_TH_LEN) || k.range != OFL_RANGE_NONE;
	bool proto = any_mask(&k, OFL_K_PROTO, 2);
	uint16_t l3;
	int ret;

	/* software needs the kernel's transport info: whatever is widened
	 * below, its match set stays within the frames the kernel accepted */
	if (l4p || th)
		k.flags |= OFL_KF_KT;
	if (!proto && nh) {
		if (!fail(s, "network header match without meta protocol"))
			return -EPERM;
		clear(&k, OFL_K_NH, OFL_K_NH_LEN);
		nh = false;
	}
	if (!proto && (l4p || th)) {
		struct ofl_key k4 = k, k6 = k;

		set_bytes(&k4, OFL_K_PROTO, ETH_IPV4, 2);
		set_bytes(&k6, OFL_K_PROTO, ETH_IPV6, 2);
		ret = resolve(s, k4, out);
		if (ret < 0)
			return ret;
		return resolve(s, k6, out);
	}
	if (proto && (!full16(&k, OFL_K_PROTO) || is_tpid(get16(&k, OFL_K_PROTO)))) {
		if (!fail(s, full16(&k, OFL_K_PROTO) ?
			  "meta protocol is a VLAN TPID (QinQ)" :
			  "meta protocol with a partial mask"))
			return -EPERM;
		clear(&k, OFL_K_PROTO, 2);
		clear(&k, OFL_K_NH, OFL_K_NH_LEN);
		clear(&k, OFL_K_L4P, 1 + OFL_K_TH_LEN);
		k.range = OFL_RANGE_NONE;
		return resolve_tag(s, k, out);
	}
	if (!proto)
		return resolve_tag(s, k, out);
	l3 = get16(&k, OFL_K_PROTO);
	if (l3 != ETH_IPV4 && l3 != ETH_IPV6) {
		if (nh || l4p || th) {
			if (!fail(s, "network header of ethertype 0x%04x", l3))
				return -EPERM;
			clear(&k, OFL_K_NH, OFL_K_NH_LEN);
			clear(&k, OFL_K_L4P, 1 + OFL_K_TH_LEN);
			k.range = OFL_RANGE_NONE;
		}
		return resolve_tag(s, k, out);
	}
	if (l3 == ETH_IPV4 && any_mask(&k, OFL_K_NH + 20, OFL_K_NH_LEN - 20)) {
		if (!fail(s, "IPv4 header bytes past 20 (options)"))
			return -EPERM;
		clear(&k, OFL_K_NH + 20, OFL_K_NH_LEN - 20);
	}
	if (l3 == ETH_IPV6 && (l4p || th)) {
		if (l4p && k.m[OFL_K_L4P] == 0xff && v6_ext(k.v[OFL_K_L4P])) {
			if (!fail(s, "meta l4proto %u is an IPv6 extension header",
				  k.v[OFL_K_L4P]))
				return -EPERM;
		}
		if (s->widen) {
			/* punts stay supersets without the extension-header guard */
			clear(&k, OFL_K_L4P, 1 + OFL_K_TH_LEN);
			k.range = OFL_RANGE_NONE;
			l4p = th = false;
			if (s->x->why[0] == '\0')
				snprintf(s->x->why, sizeof(s->x->why),
					 "IPv6 transport match widened");
		}
	}
	if (th) {
		unsigned int hl = 0;

		if (k.m[OFL_K_L4P] != 0xff) {
			if (!fail(s, "transport header match without meta l4proto"))
				return -EPERM;
		} else {
			hl = l4_hdr_len(l3, k.v[OFL_K_L4P]);
			if (hl == 0 && !fail(s, "transport header of protocol %u",
					     k.v[OFL_K_L4P]))
				return -EPERM;
		}
		if (hl > 0 && hl < OFL_K_TH_LEN &&
		    any_mask(&k, OFL_K_TH + hl, OFL_K_TH_LEN - hl)) {
			if (!fail(s, "transport header bytes past %u", hl))
				return -EPERM;
			clear(&k, OFL_K_TH + hl, OFL_K_TH_LEN - hl);
		}
		if (hl == 0 || (l3 == ETH_IPV4 && s->widen)) {
			/* widen: IPv4 L4 only with the fragment guard */
			clear(&k, OFL_K_TH, OFL_K_TH_LEN);
			k.range = OFL_RANGE_NONE;
			th = false;
		}
	}
	if (l3 == ETH_IPV4) {
		if (!unify(&k, OFL_K_L4P, OFL_K_NH + 9, 1))
			return 0;
		if (th) {
			/* fragments go to the guard (the kernel's @th loads on
			 * them are not what a NIC matches) */
			struct ofl_key f;

			memset(&f, 0, sizeof(f));
			f.v[OFL_K_NH + 6] = 0;
			f.m[OFL_K_NH + 6] = 0x3f;
			f.m[OFL_K_NH + 7] = 0xff;
			if (!ofl_key_and(&k, &k, &f))
				return 0;
			s->x->v4_frag_guard = true;
		}
	} else {
		if (!unify(&k, OFL_K_L4P, OFL_K_NH + 6, 1))
			return 0;
		if (k.m[OFL_K_L4P] != 0)
			s->x->v6_guard = true;
	}
	return resolve_tag(s, k, out);
}

/* ---- rules ---------------------------------------------------------------- */

static bool
touches_ports(const struct ir_operand *op)
{
	return op->field.kind == IR_FIELD_PAYLOAD &&
	       op->field.base == IR_BASE_TRANSPORT && op->field.offset < 4;
}

/* matches reading TH bytes 0..3: a `last` range needs to be the only one */
static unsigned int
th_port_matches(const struct ir_rule *rule)
{
	unsigned int n = 0;

	for (uint32_t i = 0; i < rule->nitems; i++) {
		const struct ir_match *m = &rule->items[i].match;

		if (rule->items[i].kind != IR_ITEM_MATCH)
			continue;
		if (m->kind == IR_MATCH_LOOKUP) {
			for (unsigned int f = 0; f < m->lookup.nfields; f++)
				n += touches_ports(&m->lookup.fields[f]);
		} else {
			n += touches_ports(&m->arg);
		}
	}
	if (rule->verdict.v.kind == IR_VERDICT_VMAP)
		for (unsigned int f = 0; f < rule->verdict.vmap.nfields; f++)
			n += touches_ports(&rule->verdict.vmap.fields[f]);
	return n;
}

void
ofl_xlate_init(struct ofl_xlate *x)
{
	memset(x, 0, sizeof(*x));
}

void
ofl_xlate_free(struct ofl_xlate *x)
{
	free(x->keys);
	memset(x, 0, sizeof(*x));
}

/* keys := keys AND terms */
static int
and_terms(struct klist *keys, const struct klist *terms, uint32_t max)
{
	struct klist r = { .max = max };

	for (uint32_t a = 0; a < keys->n; a++)
		for (uint32_t b = 0; b < terms->n; b++) {
			struct ofl_key k;

			if (!ofl_key_and(&k, &keys->k[a], &terms->k[b]))
				continue;
			if (kl_push(&r, &k) < 0) {
				kl_free(&r);
				return -ENOMEM;
			}
			if (r.over) {
				kl_free(&r);
				return -E2BIG;
			}
		}
	kl_free(keys);
	*keys = r;
	return 0;
}

static int xlate(const struct ofl_xlate_cfg *cfg, const struct ir_rule *rule,
		 bool widen, struct ofl_xlate *x, uint32_t match_max, bool *over);

int
ofl_xlate_rule(const struct ofl_xlate_cfg *cfg, const struct ir_rule *rule,
	       bool widen, struct ofl_xlate *x)
{
	uint32_t max = cfg->max_keys ? cfg->max_keys : 64;
	bool over = false;
	int ret = xlate(cfg, rule, widen, x, max, &over);

	/* widened, the shapes (2 families x 2 tags) overflowed: drop the
	 * matches that expand most instead of everything */
	if (ret == 0 && widen && over && max >= 4)
		ret = xlate(cfg, rule, widen, x, max / 4, &over);
	return ret;
}

static int
xlate(const struct ofl_xlate_cfg *cfg, const struct ir_rule *rule,
      bool widen, struct ofl_xlate *x, uint32_t match_max, bool *over)
{
	uint32_t max = cfg->max_keys ? cfg->max_keys : 64;
	struct xs s = { cfg, x, widen, false };
	struct klist keys = { .max = match_max }, res = { .max = max };
	struct ofl_key wild;
	bool stmt_seen;
	int ret = 0;

	*over = false;
	ofl_xlate_free(x);
	x->exact = true;
	s.range_used = th_port_matches(rule) > 1;
	memset(&wild, 0, sizeof(wild));
	if (kl_push(&keys, &wild) < 0)
		return -ENOMEM;
	stmt_seen = false;
	for (uint32_t i = 0; i <= rule->nitems; i++) {
		const struct ir_match *m = NULL;
		struct klist terms = { .max = match_max };
		char why[OFL_WHY_LEN] = "";
		enum mres r;

		if (i < rule->nitems && rule->items[i].kind != IR_ITEM_MATCH) {
			stmt_seen = true;
			continue;
		}
		if (stmt_seen && (i < rule->nitems ||
				  rule->verdict.v.kind == IR_VERDICT_VMAP)) {
			/*
			 * A statement (dup, counter, mark set, ...) already ran on
			 * packets this match may still refuse: the rule acts on
			 * more than its matches, so the key stops here (a superset:
			 * punt or partial, never exact).
			 */
			if (!fail(&s, "%s", "a match after a statement (the statement runs on packets the match refuses)"))
				goto refuse;
			continue;
		}
		if (i < rule->nitems) {
			m = &rule->items[i].match;
			if (m->kind == IR_MATCH_LOOKUP)
				r = match_lookup(&s, &m->lookup, m->invert, &terms,
						 why, sizeof(why));
			else
				r = match_cmp_range(&s, m, &terms, why, sizeof(why));
		} else if (rule->verdict.v.kind == IR_VERDICT_VMAP) {
			r = match_lookup(&s, &rule->verdict.vmap, false, &terms,
					 why, sizeof(why));
		} else {
			break;
		}
		if (r == M_NONE && strcmp(why, "out of memory") == 0) {
			kl_free(&terms);
			ret = -ENOMEM;
			goto out;
		}
		if (r == M_FALSE) {
			kl_free(&terms);
			x->never = true;
			x->exact = true;
			x->why[0] = '\0';
			keys.n = 0;
			goto out;
		}
		if (r == M_NONE) {
			kl_free(&terms);
			if (!fail(&s, "%s", why))
				goto refuse;
			continue;
		}
		if (r == M_TRUE) {
			kl_free(&terms);
			continue;
		}
		ret = and_terms(&keys, &terms, match_max);
		kl_free(&terms);
		if (ret == -E2BIG) {
			ret = 0;
			if (!fail(&s, "matches expand to more than %u hardware rules", max))
				goto refuse;
			/* widen: drop this match, keep the keys so far */
			continue;
		}
		if (ret < 0)
			goto out;
		if (keys.n == 0) {
			x->never = true;
			x->exact = true;
			x->why[0] = '\0';
			goto out;
		}
	}
	for (uint32_t i = 0; i < keys.n; i++) {
		ret = resolve(&s, keys.k[i], &res);
		if (ret == -EPERM)
			goto refuse;
		if (ret < 0)
			goto out;
		if (res.over) {
			if (!fail(&s, "matches expand to more than %u hardware rules", max))
				goto refuse;
			*over = true;
			kl_free(&res);
			res.max = max;
			/* widen: the wildcard is a superset of everything */
			ret = kl_push(&res, &wild);
			goto done;
		}
	}
	if (res.n == 0 && keys.n > 0) {
		x->never = true;
		x->exact = true;
		x->why[0] = '\0';
	}
done:
	kl_free(&keys);
	x->keys = res.k;
	x->n = res.n;
	x->cap = res.cap;
	return ret < 0 ? ret : 0;
refuse:
	kl_free(&res);
	kl_free(&keys);
	x->keys = NULL;
	x->n = 0;
	x->exact = false;
	x->v4_frag_guard = x->v6_guard = false;
	return 0;
out:
	kl_free(&res);
	kl_free(&keys);
	x->keys = NULL;
	x->n = 0;
	return ret;
}
