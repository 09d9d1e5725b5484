/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nftr_expr_counter.c - `counter`: inline counter with its current values.
 */
#include <stdio.h>
#include <libnftnl/expr.h>

#include "nftr_int.h"

static int
nftr_counter_decode(struct nftr_rule_ctx *ctx, const struct nftnl_expr *e)
{
	struct ir_item *it = nftr_item_add(ctx, IR_ITEM_STMT);

	if (it == NULL)
		return -ENOMEM;
	it->stmt.kind = IR_STMT_COUNTER;
	it->stmt.counter.packets = nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_PACKETS);
	it->stmt.counter.bytes = nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_BYTES);
	return 0;
}

const struct nftr_expr_ops nftr_expr_counter_ops = {
	.name = "counter",
	.decode = nftr_counter_decode,
};
