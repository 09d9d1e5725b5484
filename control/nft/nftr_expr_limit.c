/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nftr_expr_limit.c - `limit`: token bucket (packets or bytes), `over`
 * inverts it.
 */
#include <stdio.h>
#include <linux/netfilter/nf_tables.h>
#include <libnftnl/expr.h>

#include "nftr_int.h"

static int
nftr_limit_decode(struct nftr_rule_ctx *ctx, const struct nftnl_expr *e)
{
	struct ir_item *it = nftr_item_add(ctx, IR_ITEM_STMT);
	struct ir_limit *l;

	if (it == NULL)
		return -ENOMEM;
	it->stmt.kind = IR_STMT_LIMIT;
	l = &it->stmt.limit;
	l->rate = nftnl_expr_get_u64(e, NFTNL_EXPR_LIMIT_RATE);
	l->unit = nftnl_expr_get_u64(e, NFTNL_EXPR_LIMIT_UNIT);
	l->burst = nftnl_expr_get_u32(e, NFTNL_EXPR_LIMIT_BURST);
	l->type = nftnl_expr_get_u32(e, NFTNL_EXPR_LIMIT_TYPE) == NFT_LIMIT_PKT_BYTES ?
		  IR_LIMIT_BYTES : IR_LIMIT_PKTS;
	l->invert = (nftnl_expr_get_u32(e, NFTNL_EXPR_LIMIT_FLAGS) & NFT_LIMIT_F_INV) != 0;
	if (l->unit == 0)
		return nftr_fail(ctx, "limit with a zero time unit");
	return 0;
}

const struct nftr_expr_ops nftr_expr_limit_ops = {
	.name = "limit",
	.decode = nftr_limit_decode,
};
