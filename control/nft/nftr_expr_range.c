/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nftr_expr_range.c - `range`: lo <= register <= hi -> IR_MATCH_RANGE.
 */
#include <stdio.h>
#include <string.h>

#include <linux/netfilter/nf_tables.h>
#include <libnftnl/expr.h>

#include "nftr_int.h"

static int
nftr_range_decode(struct nftr_rule_ctx *ctx, const struct nftnl_expr *e)
{
	uint32_t op = nftnl_expr_get_u32(e, NFTNL_EXPR_RANGE_OP);
	const struct nftr_regval *rv;
	const void *from, *to;
	uint32_t flen = 0, tlen = 0;
	struct ir_item *it;
	int ret;

	from = nftnl_expr_get(e, NFTNL_EXPR_RANGE_FROM_DATA, &flen);
	to = nftnl_expr_get(e, NFTNL_EXPR_RANGE_TO_DATA, &tlen);
	if (from == NULL || to == NULL || flen != tlen || flen == 0 ||
	    flen > IR_DATA_MAX)
		return nftr_fail(ctx, "range bounds of %u and %u bytes", flen, tlen);
	if (op != NFT_RANGE_EQ && op != NFT_RANGE_NEQ)
		return nftr_fail(ctx, "unknown range operator %u", op);
	ret = nftr_reg_read(ctx, nftnl_expr_get_u32(e, NFTNL_EXPR_RANGE_SREG),
			    flen, &rv);
	if (ret < 0)
		return ret;
	if (rv->kind != NFTR_RV_FIELD)
		return nftr_fail(ctx, "range on a register that holds no packet field");
	if (rv->len != flen)
		return nftr_fail(ctx, "range of %u bytes on a %u-byte field", flen,
				 rv->len);
	if (rv->xored)
		return nftr_fail(ctx, "range after a bitwise xor");
	if (rv->field.kind == IR_FIELD_META &&
	    (rv->field.meta == IR_META_IIF || rv->field.meta == IR_META_IIFNAME))
		return nftr_fail(ctx, "range of interfaces");

	it = nftr_item_add(ctx, IR_ITEM_MATCH);
	if (it == NULL)
		return -ENOMEM;
	it->match.kind = IR_MATCH_RANGE;
	it->match.invert = op == NFT_RANGE_NEQ;
	it->match.len = (uint8_t)flen;
	ret = nftr_rv_operand(ctx, rv, &it->match.arg);
	if (ret < 0)
		return ret;
	it->match.lo = ir_memdup(ctx->b->rs, from, flen);
	it->match.hi = ir_memdup(ctx->b->rs, to, flen);
	return it->match.lo != NULL && it->match.hi != NULL ? 0 : -ENOMEM;
}

const struct nftr_expr_ops nftr_expr_range_ops = {
	.name = "range",
	.decode = nftr_range_decode,
};
