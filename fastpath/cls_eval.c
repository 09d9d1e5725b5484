/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cls_eval.c - exact evaluation of matches for the classifier: what the
 * compiled boxes do not decide exactly is decided here, with the reference
 * interpreter's semantics (interp.c interp_load, interp_key,
 * interp_set_find, interp_match), line for line. tests/cls checks both
 * against each other on every packet it runs.
 */
#include <string.h>

#include <rte_byteorder.h>

#include "fastpath/cls_int.h"

bool
cls_meta_is_const(enum ir_meta_key key)
{
	switch (key) {
	case IR_META_NFPROTO:
	case IR_META_MARK:
	case IR_META_IIF:
	case IR_META_IIFNAME:
	case IR_META_IIFTYPE:
		return true;
	default:
		return false;
	}
}

/* nft_meta_get_eval() for the netdev ingress hook (interp_load_meta). */
static bool
cls_load_meta(const struct cls_pkt *p, enum ir_meta_key key, uint8_t *reg)
{
	uint32_t u32;
	uint16_t u16;
	rte_be16_t be16;

	switch (key) {
	case IR_META_LEN:
		if (p->v == NULL)
			return false;
		u32 = (p->v->flags & PKT_VIEW_F_HOOK) ? pkt_view_meta_len(p->v) : 0;
		memcpy(reg, &u32, 4);
		return true;
	case IR_META_PROTOCOL:
		if (p->v == NULL)
			return false;
		be16 = pkt_view_meta_protocol(p->v);
		memcpy(reg, &be16, 2);
		return true;
	case IR_META_NFPROTO:
		reg[0] = PKT_VIEW_NFPROTO;
		return true;
	case IR_META_L4PROTO:
		if (p->v == NULL)
			return false;
		return pkt_view_meta_l4proto(p->v, &reg[0]);
	case IR_META_MARK:
		memcpy(reg, &p->mark, 4);
		return true;
	case IR_META_IIF:
		memcpy(reg, &p->port->iif_id, 4);
		return true;
	case IR_META_IIFNAME:
		memcpy(reg, p->port->name, IR_IFNAMSIZ);
		return true;
	case IR_META_IIFTYPE:
		u16 = PKT_VIEW_IIFTYPE;
		memcpy(reg, &u16, 2);
		return true;
	case IR_META_PKTTYPE:
		if (p->v == NULL)
			return false;
		reg[0] = pkt_view_meta_pkttype(p->v);
		return true;
	default:
		return false;
	}
}

bool
cls_load(const struct cls_pkt *p, const struct ir_operand *op, uint8_t *reg)
{
	const struct ir_field *f = &op->field;
	enum ir_byteorder natural = IR_BO_NET;
	unsigned int len = f->len;

	memset(reg, 0, IR_DATA_MAX);
	if (len == 0 || len > IR_DATA_MAX)
		return false;
	if (f->kind == IR_FIELD_PAYLOAD) {
		if (p->v == NULL ||
		    !pkt_view_load_payload(p->m, p->v, (enum pkt_view_base)f->base,
					   f->offset, len, reg))
			return false;
	} else {
		const struct ir_meta_key_info *ki = ir_meta_key_info(f->meta);
		uint8_t tmp[IR_DATA_MAX] = { 0 };

		if (ki == NULL || !cls_load_meta(p, f->meta, tmp))
			return false;
		natural = ki->order;
		memcpy(reg, tmp, len < ki->len ? len : ki->len);
	}
	if (op->order != natural)
		interp_swap_img(reg, len);
	if (op->mask != NULL)
		for (unsigned int i = 0; i < len; i++)
			reg[i] &= op->mask[i];
	return true;
}

static bool
cls_key(const struct cls_pkt *p, const struct ir_lookup *l, uint8_t *key)
{
	const struct ir_set *s = l->set;
	uint8_t reg[IR_DATA_MAX];

	memset(key, 0, IR_DATA_MAX);
	for (unsigned int i = 0; i < l->nfields; i++) {
		unsigned int off = ir_set_field_offset(s, i);
		unsigned int flen = s->field_len[i];

		if (s->nfields == 1)
			flen = s->key_len;
		if (!cls_load(p, &l->fields[i], reg))
			return false;
		if (off + flen > IR_DATA_MAX)
			return false;
		memcpy(key + off, reg, flen);
	}
	return true;
}

const struct ir_set_elem *
cls_set_find(const struct ir_set *s, const uint8_t *key)
{
	const struct ir_set_elem *e = s->elems;
	uint32_t lo = 0, hi = s->nelems;

	if (s->nelems == 0)
		return NULL;
	if ((s->flags & IR_SET_F_INTERVAL) && s->nfields > 1) {
		for (uint32_t i = 0; i < s->nelems; i++) {
			bool in = true;

			for (unsigned int f = 0; f < s->nfields && in; f++) {
				unsigned int off = ir_set_field_offset(s, f);
				unsigned int fl = s->field_len[f];

				in = memcmp(key + off, e[i].key + off, fl) >= 0 &&
				     memcmp(key + off, e[i].key_end + off, fl) <= 0;
			}
			if (in)
				return &e[i];
		}
		return NULL;
	}
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (memcmp(e[mid].key, key, s->key_len) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	if (memcmp(key, e[lo - 1].key_end, s->key_len) <= 0)
		return &e[lo - 1];
	return NULL;
}

const struct ir_set_elem *
cls_lookup(const struct cls_pkt *p, const struct ir_lookup *l)
{
	uint8_t key[IR_DATA_MAX];

	if (!cls_key(p, l, key))
		return NULL;
	return cls_set_find(l->set, key);
}

static bool
cls_cmp(enum ir_cmp_op op, int d)
{
	switch (op) {
	case IR_CMP_EQ: return d == 0;
	case IR_CMP_NEQ: return d != 0;
	case IR_CMP_LT: return d < 0;
	case IR_CMP_LTE: return d <= 0;
	case IR_CMP_GT: return d > 0;
	case IR_CMP_GTE: return d >= 0;
	default: return false;
	}
}

bool
cls_match(const struct cls_pkt *p, const struct ir_match *mt)
{
	uint8_t reg[IR_DATA_MAX];
	bool in;

	switch (mt->kind) {
	case IR_MATCH_CMP:
		if (!cls_load(p, &mt->arg, reg))
			return false;
		return cls_cmp(mt->op, memcmp(reg, mt->value, mt->len));
	case IR_MATCH_RANGE:
		if (!cls_load(p, &mt->arg, reg))
			return false;
		in = memcmp(reg, mt->lo, mt->len) >= 0 &&
		     memcmp(reg, mt->hi, mt->len) <= 0;
		return in != mt->invert;
	case IR_MATCH_LOOKUP: {
		uint8_t key[IR_DATA_MAX];

		if (!cls_key(p, &mt->lookup, key))
			return false;
		in = cls_set_find(mt->lookup.set, key) != NULL;
		return in != mt->invert;
	}
	default:
		return false;
	}
}
