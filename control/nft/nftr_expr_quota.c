/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nftr_expr_quota.c - `quota`: byte quota with its consumed bytes; `over`
 * inverts it.
 */
#include <stdio.h>
#include <linux/netfilter/nf_tables.h>
#include <libnftnl/expr.h>

#include "nftr_int.h"

static int
nftr_quota_decode(struct nftr_rule_ctx *ctx, const struct nftnl_expr *e)
{
	struct ir_item *it = nftr_item_add(ctx, IR_ITEM_STMT);

	if (it == NULL)
		return -ENOMEM;
	it->stmt.kind = IR_STMT_QUOTA;
	it->stmt.quota.bytes = nftnl_expr_get_u64(e, NFTNL_EXPR_QUOTA_BYTES);
	it->stmt.quota.consumed = nftnl_expr_get_u64(e, NFTNL_EXPR_QUOTA_CONSUMED);
	it->stmt.quota.invert = (nftnl_expr_get_u32(e, NFTNL_EXPR_QUOTA_FLAGS) &
				 NFT_QUOTA_F_INV) != 0;
	return 0;
}

const struct nftr_expr_ops nftr_expr_quota_ops = {
	.name = "quota",
	.decode = nftr_quota_decode,
};
