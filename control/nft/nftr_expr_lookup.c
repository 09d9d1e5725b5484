/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nftr_expr_lookup.c - `lookup`: key in set (a match), key in map (the
 * element's data into a register), key in verdict map (the rule verdict).
 */
#include <stdio.h>
#include <string.h>

#include <linux/netfilter/nf_tables.h>
#include <libnftnl/expr.h>

#include "nftr_int.h"

/* Check the key's fields against the set, and learn what the kernel did
 * not tell: field lengths of undescribed concatenations, iif fields. */
static int
nftr_lookup_fields(struct nftr_rule_ctx *ctx, struct nftr_set_b *sb,
		   const struct ir_operand *ops, uint8_t n)
{
	struct ir_set *s = sb->set;

	if (s->nfields == 1 && n > 1 && !(s->flags & IR_SET_F_CONCAT)) {
		s->nfields = n;
		for (uint8_t i = 0; i < n; i++)
			s->field_len[i] = ops[i].field.len;
		s->flags |= IR_SET_F_CONCAT;
	}
	if (n != s->nfields)
		return nftr_fail(ctx, "key of %u fields for set %s of %u fields",
				 n, s->name, s->nfields);
	for (uint8_t i = 0; i < n; i++) {
		bool dev = ops[i].field.kind == IR_FIELD_META &&
			   ops[i].field.meta == IR_META_IIF;

		if (ops[i].field.len != s->field_len[i])
			return nftr_fail(ctx, "key field %u of %u bytes for set %s field of %u",
					 i, ops[i].field.len, s->name, s->field_len[i]);
		if (dev && ops[i].mask != NULL)
			return nftr_fail(ctx, "masked interface index");
		if (dev && (s->flags & IR_SET_F_INTERVAL) && n == 1)
			return nftr_fail(ctx, "interval of interface indexes");
		if (sb->field_known[i] && s->field_is_dev[i] != dev)
			return nftr_fail(ctx, "set %s is looked up with and without iif", s->name);
		sb->field_known[i] = true;
		s->field_is_dev[i] = dev;
	}
	return 0;
}

static int
nftr_lookup_decode(struct nftr_rule_ctx *ctx, const struct nftnl_expr *e)
{
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_LOOKUP_SET);
	uint32_t flags = nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_FLAGS);
	struct ir_operand ops[IR_CONCAT_MAX];
	struct ir_lookup lk;
	struct nftr_set_b *sb;
	struct ir_operand *fields;
	uint8_t n = 0;
	int ret;

	sb = name != NULL ? nftr_rule_set(ctx, name) : NULL;
	if (sb == NULL)
		return nftr_fail(ctx, "lookup in unknown set %s", name ? name : "?");
	ret = nftr_reg_key(ctx, nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_SREG),
			   sb->set->key_len, ops, &n);
	if (ret < 0)
		return ret;
	ret = nftr_lookup_fields(ctx, sb, ops, n);
	if (ret < 0)
		return ret;
	fields = ir_memdup(ctx->b->rs, ops, n * sizeof(ops[0]));
	if (fields == NULL)
		return -ENOMEM;
	lk.set = sb->set;
	lk.nfields = n;
	lk.fields = fields;

	if (!nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_DREG)) {
		struct ir_item *it = nftr_item_add(ctx, IR_ITEM_MATCH);

		if (it == NULL)
			return -ENOMEM;
		it->match.kind = IR_MATCH_LOOKUP;
		it->match.invert = (flags & NFT_LOOKUP_F_INV) != 0;
		it->match.lookup = lk;
		return 0;
	}
	if (flags & NFT_LOOKUP_F_INV)
		return nftr_fail(ctx, "inverted map lookup");
	if (nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_DREG) == NFT_REG_VERDICT) {
		struct ir_verdict v = { .v.kind = IR_VERDICT_VMAP, .vmap = lk };

		if (!(sb->set->flags & IR_SET_F_VMAP))
			return nftr_fail(ctx, "verdict from set %s, not a verdict map",
					 sb->set->name);
		return nftr_set_verdict(ctx, &v);
	} else {
		struct nftr_regval rv;

		if (!(sb->set->flags & IR_SET_F_MAP) || (sb->set->flags & IR_SET_F_VMAP))
			return nftr_fail(ctx, "data from set %s, not a data map",
					 sb->set->name);
		memset(&rv, 0, sizeof(rv));
		rv.kind = NFTR_RV_MAP;
		rv.len = sb->set->data_len;
		rv.map = lk;
		return nftr_reg_write(ctx, nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_DREG),
				      &rv);
	}
}

const struct nftr_expr_ops nftr_expr_lookup_ops = {
	.name = "lookup",
	.decode = nftr_lookup_decode,
};
