/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ir_print.c - the IR as nft-like text: tables, objects, sets, chains, one
 * rule per line with its decoded matches and statements.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ir_print.h"
#include "ir_print_int.h"

struct ir_pctxs {
	enum ir_pctx ll;
	enum ir_pctx nh;
	enum ir_pctx th;
};

struct ir_printer {
	struct ir_sbuf *b;
	const struct ir_ruleset *rs;
	const struct ir_table *t;
	struct ir_pctxs ctx;
	unsigned int flags;		/* enum ir_print_flags */
};

/* ---- fields ------------------------------------------------------------- */

static const char *
ir_meta_print_name(enum ir_meta_key key)
{
	switch (key) {
	case IR_META_IIF: return "iif";
	case IR_META_IIFNAME: return "iifname";
	default: return NULL;
	}
}

static enum ir_pctx
ir_ctx_of(const struct ir_printer *p, enum ir_payload_base base)
{
	switch (base) {
	case IR_BASE_LL: return p->ctx.ll;
	case IR_BASE_NETWORK: return p->ctx.nh;
	default: return p->ctx.th;
	}
}

static uint32_t
ir_mask_u32(const uint8_t *mask, uint8_t len)
{
	return mask != NULL && len <= 4 ? (uint32_t)ir_be_uint(mask, len) : 0;
}

static const struct ir_pfield *
ir_find(const struct ir_printer *p, const struct ir_field *f, uint32_t mask)
{
	enum ir_pctx ctx = ir_ctx_of(p, f->base);
	const struct ir_pfield *pf = ir_pfield_find(ctx, f->base, f->offset, f->len, mask);

	if (pf == NULL && ctx == IR_CTX_VLAN)
		pf = ir_pfield_find(IR_CTX_ETHER, f->base, f->offset, f->len, mask);
	if (pf == NULL && f->base == IR_BASE_TRANSPORT && ctx != IR_CTX_TH)
		pf = NULL;
	if (pf == NULL && f->base == IR_BASE_TRANSPORT && ctx == IR_CTX_NONE)
		pf = ir_pfield_find(IR_CTX_TH, f->base, f->offset, f->len, mask);
	return pf;
}

/* Leading-ones length of a mask, or -1 when not a prefix mask. */
static int
ir_prefix_len(const uint8_t *m, size_t len)
{
	int n = 0;
	bool zero = false;

	for (size_t i = 0; i < len; i++) {
		for (int bit = 7; bit >= 0; bit--) {
			bool one = (m[i] >> bit) & 1;

			if (one && zero)
				return -1;
			if (one)
				n++;
			else
				zero = true;
		}
	}
	return n;
}

/* The text of an operand's field, without its mask. type/host: how to
 * print values; sets *pf for payload fields that have a name. */
static void
ir_print_field(struct ir_printer *p, const struct ir_field *f,
	       const struct ir_pfield *pf)
{
	if (f->kind == IR_FIELD_META) {
		const char *n = ir_meta_print_name(f->meta);

		if (n != NULL)
			ir_sbuf_printf(p->b, "%s", n);
		else
			ir_sbuf_printf(p->b, "meta %s", ir_meta_key_info(f->meta)->name);
		return;
	}
	if (pf != NULL) {
		ir_sbuf_printf(p->b, "%s", pf->name);
		return;
	}
	ir_sbuf_printf(p->b, "@%s,%u,%u", ir_payload_base_name(f->base),
		       f->offset * 8u, f->len * 8u);
}

struct ir_fview {
	const struct ir_pfield *pf;	/* named payload field, or NULL */
	enum ir_ptype type;
	bool host;
	bool bitfield;			/* mask consumed by the field */
	bool prefix;			/* print value/plen */
	int plen;
};

static struct ir_fview
ir_view(struct ir_printer *p, const struct ir_operand *op)
{
	struct ir_fview v = { .type = IR_PT_HEX, .host = op->order == IR_BO_HOST };
	const struct ir_field *f = &op->field;

	if (f->kind == IR_FIELD_META) {
		v.type = ir_meta_ptype(f->meta);
		if (op->mask != NULL && ir_prefix_len(op->mask, f->len) >= 0 &&
		    f->meta != IR_META_MARK) {
			v.prefix = true;
			v.plen = ir_prefix_len(op->mask, f->len);
		}
		return v;
	}
	if (op->mask != NULL) {
		v.pf = ir_find(p, f, ir_mask_u32(op->mask, f->len));
		if (v.pf != NULL && v.pf->mask != 0) {
			v.bitfield = true;
			v.type = v.pf->type;
			return v;
		}
		v.pf = ir_find(p, f, 0);
		if (v.pf != NULL) {
			v.type = v.pf->type;
			if ((v.type == IR_PT_IPV4 || v.type == IR_PT_IPV6 ||
			     v.type == IR_PT_ETHER) &&
			    ir_prefix_len(op->mask, f->len) >= 0) {
				v.prefix = true;
				v.plen = ir_prefix_len(op->mask, f->len);
			}
		}
		return v;
	}
	v.pf = ir_find(p, f, 0);
	if (v.pf != NULL) {
		v.type = v.pf->type;
		return v;
	}
	/* a load narrowed to the first bytes of a field: a prefix */
	{
		enum ir_pctx ctx = ir_ctx_of(p, f->base);
		const struct ir_pfield *pf = ir_pfield_prefix(ctx, f->base, f->offset, f->len);

		if (pf != NULL && (pf->type == IR_PT_IPV4 || pf->type == IR_PT_IPV6 ||
				   pf->type == IR_PT_ETHER)) {
			v.pf = pf;
			v.type = pf->type;
			v.prefix = true;
			v.plen = f->len * 8;
		}
	}
	return v;
}

/* Print a value of the view (len bytes of v). */
static void
ir_print_val(struct ir_printer *p, const struct ir_fview *fv, const uint8_t *v,
	     size_t len)
{
	if (fv->bitfield) {
		uint64_t x = ir_be_uint(v, len);
		uint8_t tmp[8];
		size_t n = (fv->pf->bits + 7u) / 8u;

		x = (x & fv->pf->mask) >> fv->pf->shift;
		for (size_t i = 0; i < n; i++)
			tmp[i] = (uint8_t)(x >> (8 * (n - 1 - i)));
		ir_fmt_value(p->b, p->rs, fv->type, tmp, n, false);
		return;
	}
	if (fv->prefix && fv->pf != NULL && len < fv->pf->len) {
		uint8_t full[IR_DATA_MAX] = { 0 };

		memcpy(full, v, len);
		ir_fmt_value(p->b, p->rs, fv->type, full, fv->pf->len, false);
		ir_sbuf_printf(p->b, "/%d", fv->plen);
		return;
	}
	ir_fmt_value(p->b, p->rs, fv->type, v, len, fv->host);
	if (fv->prefix)
		ir_sbuf_printf(p->b, "/%d", fv->plen);
}

/* "ip saddr", "ip saddr & 255.255.0.0", "vlan id" ... */
static void
ir_print_operand(struct ir_printer *p, const struct ir_operand *op,
		 const struct ir_fview *fv, bool *masked_shown)
{
	ir_print_field(p, &op->field, fv->pf);
	*masked_shown = false;
	if (op->mask != NULL && !fv->bitfield && !fv->prefix) {
		struct ir_fview mv = *fv;

		mv.prefix = false;
		ir_sbuf_printf(p->b, " & ");
		ir_fmt_value(p->b, p->rs, mv.type, op->mask, op->field.len, mv.host);
		*masked_shown = true;
	}
}

/* ---- matches ------------------------------------------------------------ */

static void
ir_update_ctx(struct ir_printer *p, const struct ir_match *m)
{
	const struct ir_field *f = &m->arg.field;
	uint64_t v;

	if (m->kind != IR_MATCH_CMP || m->op != IR_CMP_EQ || m->arg.mask != NULL)
		return;
	v = m->arg.order == IR_BO_HOST ? ir_host_uint(m->value, m->len) :
					 ir_be_uint(m->value, m->len);
	if (f->kind == IR_FIELD_META) {
		switch (f->meta) {
		case IR_META_PROTOCOL:
			p->ctx.nh = v == 0x0800 ? IR_CTX_IP : v == 0x86dd ? IR_CTX_IP6 :
				    IR_CTX_NONE;
			return;
		case IR_META_IIFTYPE:
			p->ctx.ll = v == 1 ? IR_CTX_ETHER : IR_CTX_NONE;
			return;
		case IR_META_L4PROTO:
			break;
		default:
			return;
		}
	} else if (f->base == IR_BASE_LL && f->offset == 12 && f->len == 2) {
		if (v == 0x8100 || v == 0x88a8)
			p->ctx.ll = IR_CTX_VLAN;
		return;
	} else if (!(f->base == IR_BASE_NETWORK &&
		     ((p->ctx.nh == IR_CTX_IP && f->offset == 9 && f->len == 1) ||
		      (p->ctx.nh == IR_CTX_IP6 && f->offset == 6 && f->len == 1)))) {
		return;
	}
	switch (v) {
	case 6: p->ctx.th = IR_CTX_TCP; break;
	case 17: p->ctx.th = IR_CTX_UDP; break;
	case 1: p->ctx.th = IR_CTX_ICMP; break;
	case 58: p->ctx.th = IR_CTX_ICMP6; break;
	default: p->ctx.th = IR_CTX_NONE; break;
	}
}

static void
ir_print_elem_field(struct ir_printer *p, enum ir_ptype t, bool host,
		    const uint8_t *lo, const uint8_t *hi, size_t len)
{
	ir_fmt_value(p->b, p->rs, t, lo, len, host);
	if (hi == NULL || memcmp(lo, hi, len) == 0)
		return;
	if (t == IR_PT_IPV4 || t == IR_PT_IPV6) {
		/* a prefix when lo has the low bits clear and hi set */
		size_t bits = len * 8;
		size_t plen = bits;

		while (plen > 0) {
			size_t bit = plen - 1;
			int lob = (lo[bit / 8] >> (7 - bit % 8)) & 1;
			int hib = (hi[bit / 8] >> (7 - bit % 8)) & 1;

			if (lob != 0 || hib != 1)
				break;
			plen--;
		}
		if (plen < bits && memcmp(lo, hi, plen / 8) == 0) {
			bool same = true;

			for (size_t bit = (plen / 8) * 8; bit < plen; bit++)
				if (((lo[bit / 8] ^ hi[bit / 8]) >> (7 - bit % 8)) & 1)
					same = false;
			if (same) {
				ir_sbuf_printf(p->b, "/%zu", plen);
				return;
			}
		}
	}
	ir_sbuf_printf(p->b, "-");
	ir_fmt_value(p->b, p->rs, t, hi, len, host);
}

static void
ir_print_verdict_val(struct ir_printer *p, const struct ir_verdict_val *v)
{
	ir_sbuf_printf(p->b, "%s", ir_verdict_name(v->kind));
	if (v->chain != NULL)
		ir_sbuf_printf(p->b, " %s", v->chain);
}

/* Elements of a set; types[i]/host[i] per field. */
static void
ir_print_elems(struct ir_printer *p, const struct ir_set *s,
	       const enum ir_ptype *types, const bool *host,
	       enum ir_ptype dtype)
{
	for (uint32_t i = 0; i < s->nelems; i++) {
		const struct ir_set_elem *e = &s->elems[i];

		ir_sbuf_printf(p->b, "%s", i ? ", " : "");
		for (uint8_t f = 0; f < s->nfields; f++) {
			unsigned int off = ir_set_field_offset(s, f);
			bool is_int = (s->flags & IR_SET_F_INTERVAL) != 0;

			if (f)
				ir_sbuf_printf(p->b, " . ");
			ir_print_elem_field(p, types[f], host[f], e->key + off,
					    is_int ? e->key_end + off : NULL,
					    s->field_len[f]);
		}
		if (s->flags & IR_SET_F_VMAP) {
			ir_sbuf_printf(p->b, " : ");
			ir_print_verdict_val(p, &e->verdict);
		} else if ((s->flags & IR_SET_F_MAP) && e->data != NULL) {
			ir_sbuf_printf(p->b, " : ");
			ir_fmt_value(p->b, p->rs, dtype, e->data, s->data_len,
				     dtype == IR_PT_MARK || dtype == IR_PT_INTEGER);
		}
	}
}

static enum ir_ptype
ir_data_ptype(const struct ir_set *s)
{
	switch (s->data_type) {
	case IR_PT_MARK: return IR_PT_MARK;
	case IR_PT_IPV4: return IR_PT_IPV4;
	case IR_PT_IPV6: return IR_PT_IPV6;
	case IR_PT_ETHER: return IR_PT_ETHER;
	case IR_PT_SERVICE: return IR_PT_SERVICE;
	case IR_PT_IFINDEX: return IR_PT_IFINDEX;
	default: return IR_PT_INTEGER;
	}
}

/* "ip saddr . tcp dport { ... }" or "... @name"; sep between key and set */
static void
ir_print_lookup(struct ir_printer *p, const struct ir_lookup *lk,
		const char *sep, const char *kw)
{
	enum ir_ptype types[IR_CONCAT_MAX];
	bool host[IR_CONCAT_MAX];
	bool masked = false;

	for (uint8_t i = 0; i < lk->nfields; i++) {
		struct ir_fview fv = ir_view(p, &lk->fields[i]);
		bool ms;

		if (i)
			ir_sbuf_printf(p->b, " . ");
		/* keys print without prefixes: a masked key shows its mask */
		fv.prefix = false;
		ir_print_operand(p, &lk->fields[i], &fv, &ms);
		masked |= ms;
		types[i] = fv.type;
		host[i] = fv.host && !(lk->set->flags & IR_SET_F_INTERVAL);
	}
	if (masked && sep[0] == '\0' && kw == NULL)
		sep = " ==";
	ir_sbuf_printf(p->b, "%s%s", sep, kw != NULL ? kw : "");
	if (lk->set->flags & IR_SET_F_ANONYMOUS) {
		ir_sbuf_printf(p->b, " { ");
		ir_print_elems(p, lk->set, types, host, ir_data_ptype(lk->set));
		ir_sbuf_printf(p->b, " }");
	} else {
		ir_sbuf_printf(p->b, " @%s", lk->set->name);
	}
}

static bool
ir_same_operand(const struct ir_operand *a, const struct ir_operand *b)
{
	if (memcmp(&a->field, &b->field, sizeof(a->field)) != 0 ||
	    a->order != b->order || (a->mask == NULL) != (b->mask == NULL))
		return false;
	return a->mask == NULL || memcmp(a->mask, b->mask, a->field.len) == 0;
}

/* Print match m (and m2 when it completes a >= / <= range). Returns the
 * number of items consumed. */
static int
ir_print_match(struct ir_printer *p, const struct ir_match *m,
	       const struct ir_match *m2)
{
	struct ir_fview fv;
	bool ms;

	if (m->kind == IR_MATCH_LOOKUP) {
		ir_print_lookup(p, &m->lookup, m->invert ? " !=" : "", NULL);
		return 1;
	}
	fv = ir_view(p, &m->arg);
	if (m->kind == IR_MATCH_RANGE) {
		ir_print_operand(p, &m->arg, &fv, &ms);
		ir_sbuf_printf(p->b, "%s ", m->invert ? " !=" : "");
		ir_print_val(p, &fv, m->lo, m->len);
		ir_sbuf_printf(p->b, "-");
		ir_print_val(p, &fv, m->hi, m->len);
		return 1;
	}
	if (m->op == IR_CMP_GTE && m2 != NULL && m2->kind == IR_MATCH_CMP &&
	    m2->op == IR_CMP_LTE && ir_same_operand(&m->arg, &m2->arg) &&
	    m->len == m2->len) {
		ir_print_operand(p, &m->arg, &fv, &ms);
		ir_sbuf_printf(p->b, " ");
		ir_print_val(p, &fv, m->value, m->len);
		ir_sbuf_printf(p->b, "-");
		ir_print_val(p, &fv, m2->value, m2->len);
		return 2;
	}
	/* tcp flags: nft's "flags / mask" forms */
	if (fv.type == IR_PT_TCPFLAG && m->arg.mask != NULL && !fv.bitfield) {
		uint8_t zero = 0;

		ir_print_field(p, &m->arg.field, fv.pf);
		if (m->op == IR_CMP_NEQ && memcmp(m->value, &zero, 1) == 0) {
			ir_sbuf_printf(p->b, " ");
			ir_fmt_value(p->b, p->rs, fv.type, m->arg.mask, 1, false);
			return 1;
		}
		ir_sbuf_printf(p->b, "%s ", m->op == IR_CMP_EQ ? "" : " !=");
		ir_fmt_value(p->b, p->rs, fv.type, m->value, 1, false);
		ir_sbuf_printf(p->b, " / ");
		ir_fmt_value(p->b, p->rs, fv.type, m->arg.mask, 1, false);
		return 1;
	}
	ir_print_operand(p, &m->arg, &fv, &ms);
	if (m->op != IR_CMP_EQ || ms)
		ir_sbuf_printf(p->b, " %s", ir_cmp_op_name(m->op));
	ir_sbuf_printf(p->b, " ");
	ir_print_val(p, &fv, m->value, m->len);
	return 1;
}

/* ---- statements --------------------------------------------------------- */

static void
ir_print_units(struct ir_printer *p, uint64_t bytes)
{
	static const char *const units[] = { "bytes", "kbytes", "mbytes", "gbytes" };
	unsigned int u = 0;

	while (u < 3 && bytes != 0 && bytes % 1024 == 0) {
		bytes /= 1024;
		u++;
	}
	ir_sbuf_printf(p->b, "%" PRIu64 " %s", bytes, units[u]);
}

static const char *
ir_time_unit(uint64_t unit)
{
	switch (unit) {
	case 1: return "second";
	case 60: return "minute";
	case 3600: return "hour";
	case 86400: return "day";
	case 604800: return "week";
	default: return NULL;
	}
}

static void
ir_print_limit(struct ir_printer *p, const struct ir_limit *l)
{
	const char *unit = ir_time_unit(l->unit);

	ir_sbuf_printf(p->b, "rate %s", l->invert ? "over " : "");
	if (l->type == IR_LIMIT_BYTES) {
		ir_print_units(p, l->rate);
		ir_sbuf_printf(p->b, "/%s", unit != NULL ? unit : "?");
		if (l->burst != 0) {
			ir_sbuf_printf(p->b, " burst ");
			ir_print_units(p, l->burst);
		}
		return;
	}
	ir_sbuf_printf(p->b, "%" PRIu64 "/%s", l->rate, unit != NULL ? unit : "?");
	if (l->burst != 5)
		ir_sbuf_printf(p->b, " burst %u packets", l->burst);
}

static void
ir_print_quota(struct ir_printer *p, const struct ir_quota *q)
{
	ir_sbuf_printf(p->b, "%s", q->invert ? "over " : "");
	ir_print_units(p, q->bytes);
	if (q->consumed != 0 && !(p->flags & IR_PRINT_NO_STATE)) {
		ir_sbuf_printf(p->b, " used ");
		ir_print_units(p, q->consumed);
	}
}

/* Absolute bit range of a named field. */
static void
ir_pfield_bits(const struct ir_pfield *pf, unsigned int *start, unsigned int *width)
{
	if (pf->mask == 0) {
		*start = pf->offset * 8u;
		*width = pf->len * 8u;
		return;
	}
	*width = (unsigned int)__builtin_popcount(pf->mask);
	*start = pf->offset * 8u + (pf->len * 8u - pf->shift - *width);
}

/* The named field that covers exactly bits [start, start + width). */
static const struct ir_pfield *
ir_pfield_at(struct ir_printer *p, enum ir_payload_base base, unsigned int start,
	     unsigned int width)
{
	enum ir_pctx ctx = ir_ctx_of(p, base);

	for (unsigned int len = 1; len <= 4; len++) {
		for (int off = (int)(start / 8) - 3; off <= (int)(start / 8); off++) {
			for (int m = 0; m < 2; m++) {
				const struct ir_pfield *pf;
				uint32_t mask = 0;

				if (off < 0)
					continue;
				if (m == 1) {
					unsigned int lo = (unsigned int)off * 8u;

					if (start < lo || start + width > lo + len * 8)
						continue;
					mask = (uint32_t)(((1ull << width) - 1) <<
						(lo + len * 8 - start - width));
				}
				pf = ir_pfield_find(ctx, base, (uint16_t)off, (uint8_t)len, mask);
				if (pf == NULL && ctx == IR_CTX_VLAN)
					pf = ir_pfield_find(IR_CTX_ETHER, base, (uint16_t)off,
							    (uint8_t)len, mask);
				if (pf != NULL) {
					unsigned int s, w;

					ir_pfield_bits(pf, &s, &w);
					if (s == start && w == width)
						return pf;
				}
			}
		}
	}
	return NULL;
}

/* `meta mark | 0x4`, `(meta mark & m) ^ x`, or a field read. */
static void
ir_print_field_value(struct ir_printer *p, const struct ir_value *v)
{
	const struct ir_operand *op = &v->field;
	struct ir_fview fv = ir_view(p, op);
	const uint8_t *m = op->mask, *x = v->xor;
	uint8_t inv[IR_DATA_MAX];
	bool is_or = m != NULL && x != NULL;

	for (size_t i = 0; is_or && i < v->len; i++) {
		inv[i] = (uint8_t)~m[i];
		if (inv[i] != x[i])
			is_or = false;
	}
	fv.prefix = false;
	fv.bitfield = false;
	ir_print_field(p, &op->field, fv.pf);
	if (is_or) {
		ir_sbuf_printf(p->b, " | ");
		ir_fmt_value(p->b, p->rs, fv.type, x, v->len, fv.host);
		return;
	}
	if (m != NULL) {
		ir_sbuf_printf(p->b, " & ");
		ir_fmt_value(p->b, p->rs, fv.type, m, v->len, fv.host);
	}
	if (x != NULL) {
		ir_sbuf_printf(p->b, " ^ ");
		ir_fmt_value(p->b, p->rs, fv.type, x, v->len, fv.host);
	}
}

static void
ir_print_payload_set(struct ir_printer *p, const struct ir_stmt *s)
{
	const struct ir_value *v = &s->payload.value;
	struct ir_field f = { .kind = IR_FIELD_PAYLOAD, .base = s->payload.base,
			      .offset = s->payload.offset, .len = s->payload.len };
	const struct ir_pfield *pf;

	if (v->kind == IR_VALUE_FIELD && v->field.field.kind == IR_FIELD_PAYLOAD &&
	    v->field.field.base == f.base && v->field.field.offset == f.offset &&
	    v->field.field.len == f.len && v->field.mask != NULL && f.len <= 4) {
		/* read-modify-write of a sub-field: find the changed bits */
		uint32_t keep = (uint32_t)ir_be_uint(v->field.mask, f.len);
		uint32_t all = f.len == 4 ? 0xffffffffu : (1u << (f.len * 8)) - 1;
		uint32_t chg = ~keep & all;
		uint64_t x = v->xor != NULL ? ir_be_uint(v->xor, f.len) : 0;

		if (chg != 0) {
			unsigned int lz = (unsigned int)__builtin_clz(chg) - (32u - f.len * 8u);
			unsigned int width = (unsigned int)__builtin_popcount(chg);
			unsigned int shift = f.len * 8u - lz - width;

			pf = ir_pfield_at(p, f.base, f.offset * 8u + lz, width);
			if (pf != NULL && (chg >> shift) == (1u << width) - 1) {
				uint64_t val = (x >> shift) & ((1ull << width) - 1);
				uint8_t tmp[4];
				size_t n = (width + 7) / 8;

				for (size_t i = 0; i < n; i++)
					tmp[i] = (uint8_t)(val >> (8 * (n - 1 - i)));
				ir_sbuf_printf(p->b, "%s set ", pf->name);
				ir_fmt_value(p->b, p->rs, pf->type, tmp, n, false);
				return;
			}
		}
	}
	pf = ir_find(p, &f, 0);
	ir_print_field(p, &f, pf);
	ir_sbuf_printf(p->b, " set ");
	switch (v->kind) {
	case IR_VALUE_IMM:
		ir_fmt_value(p->b, p->rs, pf != NULL ? pf->type : IR_PT_HEX, v->data,
			     v->len, false);
		break;
	case IR_VALUE_FIELD:
		ir_print_field_value(p, v);
		break;
	case IR_VALUE_MAP:
		ir_print_lookup(p, &v->map, "", " map");
		break;
	}
}

static void
ir_print_stmt(struct ir_printer *p, const struct ir_stmt *s)
{
	switch (s->kind) {
	case IR_STMT_COUNTER:
		if (p->flags & IR_PRINT_NO_STATE)
			ir_sbuf_printf(p->b, "counter");
		else
			ir_sbuf_printf(p->b, "counter packets %" PRIu64 " bytes %" PRIu64,
				       s->counter.packets, s->counter.bytes);
		break;
	case IR_STMT_OBJREF:
		ir_sbuf_printf(p->b, "%s name \"%s\"", ir_obj_type_name(s->objref.type),
			       s->objref.name);
		break;
	case IR_STMT_LIMIT:
		ir_sbuf_printf(p->b, "limit ");
		ir_print_limit(p, &s->limit);
		break;
	case IR_STMT_QUOTA:
		ir_sbuf_printf(p->b, "quota ");
		ir_print_quota(p, &s->quota);
		break;
	case IR_STMT_META_SET: {
		const struct ir_value *v = &s->meta.value;

		ir_sbuf_printf(p->b, "meta %s set ", ir_meta_key_info(s->meta.key)->name);
		if (v->kind == IR_VALUE_IMM)
			ir_fmt_value(p->b, p->rs, IR_PT_MARK, v->data, v->len, true);
		else if (v->kind == IR_VALUE_FIELD)
			ir_print_field_value(p, v);
		else
			ir_print_lookup(p, &v->map, "", " map");
		break;
	}
	case IR_STMT_PAYLOAD_SET:
		ir_print_payload_set(p, s);
		break;
	case IR_STMT_FWD:
		ir_sbuf_printf(p->b, "fwd to \"%s\"", s->dev.dev);
		break;
	case IR_STMT_DUP:
		ir_sbuf_printf(p->b, "dup to \"%s\"", s->dev.dev);
		break;
	case IR_STMT_REJECT: {
		const char *code = NULL;

		switch (s->reject.type) {
		case IR_REJECT_TCP_RST:
			ir_sbuf_printf(p->b, "reject with tcp reset");
			return;
		case IR_REJECT_ICMPX_UNREACH:
			if (s->reject.code == 1) {	/* port-unreachable: default */
				ir_sbuf_printf(p->b, "reject");
				return;
			}
			code = ir_icmpx_code_name(s->reject.code);
			ir_sbuf_printf(p->b, "reject with icmpx ");
			break;
		case IR_REJECT_ICMP_UNREACH:
			if (p->ctx.nh == IR_CTX_IP6) {
				code = ir_icmp6_code_name(s->reject.code);
				ir_sbuf_printf(p->b, "reject with icmpv6 ");
			} else {
				code = ir_icmp_code_name(s->reject.code);
				ir_sbuf_printf(p->b, "reject with icmp ");
			}
			break;
		}
		if (code != NULL)
			ir_sbuf_printf(p->b, "%s", code);
		else
			ir_sbuf_printf(p->b, "%u", s->reject.code);
		break;
	}
	case IR_STMT_LOG:
		ir_sbuf_printf(p->b, "log");
		if (s->log.present & IR_LOG_F_PREFIX)
			ir_sbuf_printf(p->b, " prefix \"%s\"", s->log.prefix);
		if (s->log.present & IR_LOG_F_GROUP)
			ir_sbuf_printf(p->b, " group %u", s->log.group);
		if (s->log.present & IR_LOG_F_SNAPLEN)
			ir_sbuf_printf(p->b, " snaplen %u", s->log.snaplen);
		if (s->log.present & IR_LOG_F_QTHRESHOLD)
			ir_sbuf_printf(p->b, " queue-threshold %u", s->log.qthreshold);
		if ((s->log.present & IR_LOG_F_LEVEL) && s->log.level != 4) {
			const char *l = ir_log_level_name(s->log.level);

			if (l != NULL)
				ir_sbuf_printf(p->b, " level %s", l);
			else
				ir_sbuf_printf(p->b, " level %u", s->log.level);
		}
		if (s->log.flags == 0x2f)
			ir_sbuf_printf(p->b, " flags all");
		else if (s->log.flags != 0)
			ir_sbuf_printf(p->b, " flags 0x%x", s->log.flags);
		break;
	default:
		ir_sbuf_printf(p->b, "%s", ir_stmt_kind_name(s->kind));
		break;
	}
}

/* ---- dependencies nft does not print ------------------------------------ */

enum ir_dep {
	IR_DEP_NONE = 0,
	IR_DEP_NH,	/* meta protocol X */
	IR_DEP_TH,	/* meta l4proto X */
	IR_DEP_LL,	/* meta iiftype ether */
	IR_DEP_VLAN,	/* ether type vlan */
};

static enum ir_dep
ir_dep_kind(const struct ir_item *it)
{
	const struct ir_match *m = &it->match;
	const struct ir_field *f = &m->arg.field;

	if (it->kind != IR_ITEM_MATCH || m->kind != IR_MATCH_CMP ||
	    m->op != IR_CMP_EQ || m->arg.mask != NULL)
		return IR_DEP_NONE;
	if (f->kind == IR_FIELD_META) {
		switch (f->meta) {
		case IR_META_PROTOCOL: return IR_DEP_NH;
		case IR_META_L4PROTO: return IR_DEP_TH;
		case IR_META_IIFTYPE: return IR_DEP_LL;
		default: return IR_DEP_NONE;
		}
	}
	if (f->base == IR_BASE_LL && f->offset == 12 && f->len == 2 &&
	    (ir_be_uint(m->value, 2) == 0x8100 || ir_be_uint(m->value, 2) == 0x88a8))
		return IR_DEP_VLAN;
	return IR_DEP_NONE;
}

static bool
ir_operand_uses(const struct ir_operand *op, enum ir_dep d)
{
	const struct ir_field *f = &op->field;

	if (f->kind != IR_FIELD_PAYLOAD)
		return false;
	switch (d) {
	case IR_DEP_NH: return f->base == IR_BASE_NETWORK;
	case IR_DEP_TH: return f->base == IR_BASE_TRANSPORT;
	case IR_DEP_LL: return f->base == IR_BASE_LL;
	case IR_DEP_VLAN: return f->base == IR_BASE_LL && f->offset >= 14;
	default: return false;
	}
}

static bool
ir_lookup_uses(const struct ir_lookup *lk, enum ir_dep d)
{
	for (uint8_t i = 0; i < lk->nfields; i++)
		if (ir_operand_uses(&lk->fields[i], d))
			return true;
	return false;
}

static bool
ir_value_uses(const struct ir_value *v, enum ir_dep d)
{
	if (v->kind == IR_VALUE_FIELD)
		return ir_operand_uses(&v->field, d);
	if (v->kind == IR_VALUE_MAP)
		return ir_lookup_uses(&v->map, d);
	return false;
}

static bool
ir_item_uses(const struct ir_item *it, enum ir_dep d)
{
	if (it->kind == IR_ITEM_MATCH) {
		if (it->match.kind == IR_MATCH_LOOKUP)
			return ir_lookup_uses(&it->match.lookup, d);
		return ir_operand_uses(&it->match.arg, d);
	}
	switch (it->stmt.kind) {
	case IR_STMT_PAYLOAD_SET: {
		struct ir_operand op = { .field = { .kind = IR_FIELD_PAYLOAD,
						    .base = it->stmt.payload.base,
						    .offset = it->stmt.payload.offset,
						    .len = it->stmt.payload.len } };

		return ir_operand_uses(&op, d) || ir_value_uses(&it->stmt.payload.value, d);
	}
	case IR_STMT_META_SET:
		return ir_value_uses(&it->stmt.meta.value, d);
	case IR_STMT_REJECT:
		return d == IR_DEP_NH && it->stmt.reject.type == IR_REJECT_ICMP_UNREACH;
	default:
		return false;
	}
}

static bool
ir_dep_hidden(const struct ir_rule *r, uint32_t i)
{
	enum ir_dep d = ir_dep_kind(&r->items[i]);

	if (d == IR_DEP_NONE)
		return false;
	for (uint32_t j = i + 1; j < r->nitems; j++) {
		if (ir_dep_kind(&r->items[j]) == d)
			return false;
		if (ir_item_uses(&r->items[j], d))
			return true;
		/* icmp/icmpv6 imply their network protocol: nft hides
		 * `meta protocol ip6` before a hidden `meta l4proto icmpv6` */
		if (d == IR_DEP_NH && ir_dep_kind(&r->items[j]) == IR_DEP_TH &&
		    ir_dep_hidden(r, j)) {
			uint64_t proto = ir_be_uint(r->items[i].match.value, 2);
			uint8_t l4 = r->items[j].match.value[0];

			if ((proto == 0x0800 && l4 == 1) || (proto == 0x86dd && l4 == 58))
				return true;
		}
	}
	if (r->verdict.v.kind == IR_VERDICT_VMAP)
		return ir_lookup_uses(&r->verdict.vmap, d);
	return false;
}

/* ---- rules, chains, tables ---------------------------------------------- */

static void
ir_print_rule_body(struct ir_printer *p, const struct ir_rule *r)
{
	bool first = true;

	memset(&p->ctx, 0, sizeof(p->ctx));
	for (uint32_t i = 0; i < r->nitems; i++) {
		const struct ir_item *it = &r->items[i];
		bool hidden = ir_dep_hidden(r, i);

		if (!hidden) {
			ir_sbuf_printf(p->b, "%s", first ? "" : " ");
			first = false;
		}
		if (it->kind == IR_ITEM_MATCH) {
			const struct ir_match *m2 = NULL;

			if (i + 1 < r->nitems && r->items[i + 1].kind == IR_ITEM_MATCH)
				m2 = &r->items[i + 1].match;
			if (!hidden && ir_print_match(p, &it->match, m2) == 2)
				i++;
			ir_update_ctx(p, &it->match);
		} else {
			ir_print_stmt(p, &it->stmt);
		}
	}
	if (r->verdict.v.kind == IR_VERDICT_VMAP) {
		ir_sbuf_printf(p->b, "%s", first ? "" : " ");
		ir_print_lookup(p, &r->verdict.vmap, "", " vmap");
		first = false;
	} else if (r->verdict.v.kind != IR_VERDICT_NONE) {
		ir_sbuf_printf(p->b, "%s", first ? "" : " ");
		ir_print_verdict_val(p, &r->verdict.v);
		first = false;
	}
	if (r->comment != NULL)
		ir_sbuf_printf(p->b, "%scomment \"%s\"", first ? "" : " ", r->comment);
}

char *
ir_rule_str(const struct ir_ruleset *rs, const struct ir_table *t,
	    const struct ir_rule *r)
{
	return ir_rule_str_flags(rs, t, r, 0);
}

char *
ir_rule_str_flags(const struct ir_ruleset *rs, const struct ir_table *t,
		  const struct ir_rule *r, unsigned int flags)
{
	struct ir_sbuf b = { 0 };
	struct ir_printer p = { .b = &b, .rs = rs, .t = t,
				.flags = flags & IR_PRINT_NO_STATE };

	ir_print_rule_body(&p, r);
	ir_sbuf_printf(&b, "%s", "");
	if (b.oom) {
		ir_sbuf_free(&b);
		return NULL;
	}
	return b.p;
}

/*
 * As nft lists it: the netdev family's one named priority is filter (0),
 * and nft names a priority after it only within 10 of it.
 */
static void
ir_print_priority(struct ir_printer *p, int32_t prio)
{
	if (prio == 0)
		ir_sbuf_printf(p->b, "filter");
	else if (prio > 0 && prio <= 10)
		ir_sbuf_printf(p->b, "filter + %d", prio);
	else if (prio < 0 && prio >= -10)
		ir_sbuf_printf(p->b, "filter - %d", -prio);
	else
		ir_sbuf_printf(p->b, "%d", prio);
}

static void
ir_print_chain(struct ir_printer *p, const struct ir_chain *c, unsigned int flags)
{
	ir_sbuf_printf(p->b, "\tchain %s {", c->name);
	if (flags & IR_PRINT_HANDLES)
		ir_sbuf_printf(p->b, " # handle %" PRIu64, c->handle);
	ir_sbuf_printf(p->b, "\n");
	if (ir_chain_is_base(c)) {
		ir_sbuf_printf(p->b, "\t\ttype filter hook ingress ");
		if (c->ndevices == 1) {
			ir_sbuf_printf(p->b, "device \"%s\" ", c->devices[0]);
		} else if (c->ndevices > 1) {
			ir_sbuf_printf(p->b, "devices = { ");
			for (uint32_t i = 0; i < c->ndevices; i++)
				ir_sbuf_printf(p->b, "%s%s", i ? ", " : "", c->devices[i]);
			ir_sbuf_printf(p->b, " } ");
		}
		ir_sbuf_printf(p->b, "priority ");
		ir_print_priority(p, c->priority);
		ir_sbuf_printf(p->b, "; policy %s;",
			       c->policy == IR_POLICY_DROP ? "drop" : "accept");
		if (c->flags & IR_CHAIN_F_OFFLOAD)
			ir_sbuf_printf(p->b, " flags offload;");
		ir_sbuf_printf(p->b, "\n");
	}
	for (uint32_t i = 0; i < c->nrules; i++) {
		ir_sbuf_printf(p->b, "\t\t");
		ir_print_rule_body(p, &c->rules[i]);
		if (flags & IR_PRINT_HANDLES)
			ir_sbuf_printf(p->b, " # handle %" PRIu64, c->rules[i].handle);
		ir_sbuf_printf(p->b, "\n");
	}
	ir_sbuf_printf(p->b, "\t}\n");
}

static void
ir_print_set(struct ir_printer *p, const struct ir_set *s, unsigned int flags)
{
	enum ir_ptype types[IR_CONCAT_MAX];
	bool host[IR_CONCAT_MAX];
	uint32_t kt = s->key_type;

	ir_sbuf_printf(p->b, "\t%s %s {", (s->flags & IR_SET_F_MAP) ? "map" : "set",
		       s->name);
	if (flags & IR_PRINT_HANDLES)
		ir_sbuf_printf(p->b, " # handle %" PRIu64, s->handle);
	ir_sbuf_printf(p->b, "\n\t\ttype ");
	ir_fmt_set_type(p->b, s->key_type, s->nfields);
	if (s->flags & IR_SET_F_VMAP)
		ir_sbuf_printf(p->b, " : verdict");
	else if (s->flags & IR_SET_F_MAP) {
		ir_sbuf_printf(p->b, " : ");
		ir_fmt_set_type(p->b, s->data_type, 1);
	}
	ir_sbuf_printf(p->b, "\n");
	if (s->flags & (IR_SET_F_INTERVAL | IR_SET_F_CONSTANT | IR_SET_F_TIMEOUT |
			IR_SET_F_EVAL)) {
		bool first = true;

		ir_sbuf_printf(p->b, "\t\tflags ");
		if (s->flags & IR_SET_F_CONSTANT) {
			ir_sbuf_printf(p->b, "constant");
			first = false;
		}
		if (s->flags & IR_SET_F_INTERVAL) {
			ir_sbuf_printf(p->b, "%sinterval", first ? "" : ",");
			first = false;
		}
		if (s->flags & IR_SET_F_TIMEOUT) {
			ir_sbuf_printf(p->b, "%stimeout", first ? "" : ",");
			first = false;
		}
		if (s->flags & IR_SET_F_EVAL)
			ir_sbuf_printf(p->b, "%sdynamic", first ? "" : ",");
		ir_sbuf_printf(p->b, "\n");
	}
	for (unsigned int i = s->nfields; i-- > 0;) {
		uint32_t t = s->nfields > 1 ? kt & 0x3f : kt;

		types[i] = (enum ir_ptype)t;
		if (s->field_is_dev[i])
			types[i] = IR_PT_IFINDEX;
		host[i] = !(s->flags & IR_SET_F_INTERVAL) &&
			  (t == IR_PT_MARK || t == IR_PT_ARPHRD);
		kt >>= 6;
	}
	if (s->nelems > 0) {
		ir_sbuf_printf(p->b, "\t\telements = { ");
		ir_print_elems(p, s, types, host, ir_data_ptype(s));
		ir_sbuf_printf(p->b, " }\n");
	}
	ir_sbuf_printf(p->b, "\t}\n");
}

static void
ir_print_object(struct ir_printer *p, const struct ir_object *o, unsigned int flags)
{
	ir_sbuf_printf(p->b, "\t%s %s {", ir_obj_type_name(o->type), o->name);
	if (flags & IR_PRINT_HANDLES)
		ir_sbuf_printf(p->b, " # handle %" PRIu64, o->handle);
	ir_sbuf_printf(p->b, "\n\t\t");
	switch (o->type) {
	case IR_OBJ_COUNTER:
		ir_sbuf_printf(p->b, "packets %" PRIu64 " bytes %" PRIu64,
			       o->counter.packets, o->counter.bytes);
		break;
	case IR_OBJ_QUOTA:
		ir_print_quota(p, &o->quota);
		break;
	case IR_OBJ_LIMIT:
		ir_print_limit(p, &o->limit);
		break;
	default:
		break;
	}
	ir_sbuf_printf(p->b, "\n\t}\n");
}

int
ir_print(FILE *f, const struct ir_ruleset *rs, unsigned int flags)
{
	struct ir_sbuf b = { 0 };
	struct ir_printer p = { .b = &b, .rs = rs };
	int ret = 0;

	for (uint32_t i = 0; i < rs->ntables; i++) {
		const struct ir_table *t = &rs->tables[i];
		bool sep = false;

		p.t = t;
		ir_sbuf_printf(&b, "table netdev %s {", t->name);
		if (flags & IR_PRINT_HANDLES)
			ir_sbuf_printf(&b, " # handle %" PRIu64, t->handle);
		ir_sbuf_printf(&b, "\n");
		for (uint32_t k = 0; k < t->nobjects; k++) {
			ir_sbuf_printf(&b, "%s", sep ? "\n" : "");
			ir_print_object(&p, &t->objects[k], flags);
			sep = true;
		}
		for (uint32_t k = 0; k < t->nsets; k++) {
			if (t->sets[k].flags & IR_SET_F_ANONYMOUS)
				continue;
			ir_sbuf_printf(&b, "%s", sep ? "\n" : "");
			ir_print_set(&p, &t->sets[k], flags);
			sep = true;
		}
		for (uint32_t k = 0; k < t->nchains; k++) {
			ir_sbuf_printf(&b, "%s", sep ? "\n" : "");
			ir_print_chain(&p, &t->chains[k], flags);
			sep = true;
		}
		ir_sbuf_printf(&b, "}\n");
	}
	if (b.oom)
		ret = -ENOMEM;
	else if (b.n > 0 && fwrite(b.p, 1, b.n, f) != b.n)
		ret = -EIO;
	ir_sbuf_free(&b);
	return ret;
}
