/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nftr_expr_fwd.c - `fwd to DEV`: the packet leaves through DEV (terminal).
 * `fwd ip to ADDR device DEV` (neighbour resolution) is not supported.
 */
#include <stdio.h>
#include <libnftnl/expr.h>

#include "nftr_dev.h"

static int
nftr_fwd_decode(struct nftr_rule_ctx *ctx, const struct nftnl_expr *e)
{
	struct ir_item *it;

	if (nftnl_expr_is_set(e, NFTNL_EXPR_FWD_SREG_ADDR))
		return nftr_fail(ctx, "fwd to an address is not supported");
	if (!nftnl_expr_is_set(e, NFTNL_EXPR_FWD_SREG_DEV))
		return nftr_fail(ctx, "fwd without a device");
	it = nftr_item_add(ctx, IR_ITEM_STMT);
	if (it == NULL)
		return -ENOMEM;
	it->stmt.kind = IR_STMT_FWD;
	return nftr_reg_device(ctx, nftnl_expr_get_u32(e, NFTNL_EXPR_FWD_SREG_DEV),
			       &it->stmt);
}

const struct nftr_expr_ops nftr_expr_fwd_ops = {
	.name = "fwd",
	.decode = nftr_fwd_decode,
};
