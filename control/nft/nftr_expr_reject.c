/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nftr_expr_reject.c - `reject [with ...]`: drop and answer (terminal).
 */
#include <stdio.h>
#include <linux/netfilter/nf_tables.h>
#include <libnftnl/expr.h>

#include "nftr_int.h"

static int
nftr_reject_decode(struct nftr_rule_ctx *ctx, const struct nftnl_expr *e)
{
	struct ir_item *it;
	uint32_t type = nftnl_expr_get_u32(e, NFTNL_EXPR_REJECT_TYPE);

	it = nftr_item_add(ctx, IR_ITEM_STMT);
	if (it == NULL)
		return -ENOMEM;
	it->stmt.kind = IR_STMT_REJECT;
	switch (type) {
	case NFT_REJECT_ICMP_UNREACH:
		it->stmt.reject.type = IR_REJECT_ICMP_UNREACH;
		break;
	case NFT_REJECT_TCP_RST:
		it->stmt.reject.type = IR_REJECT_TCP_RST;
		break;
	case NFT_REJECT_ICMPX_UNREACH:
		it->stmt.reject.type = IR_REJECT_ICMPX_UNREACH;
		break;
	default:
		return nftr_fail(ctx, "reject type %u is not supported", type);
	}
	it->stmt.reject.code = nftnl_expr_get_u8(e, NFTNL_EXPR_REJECT_CODE);
	return 0;
}

const struct nftr_expr_ops nftr_expr_reject_ops = {
	.name = "reject",
	.decode = nftr_reject_decode,
};
