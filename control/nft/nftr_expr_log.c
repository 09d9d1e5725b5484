/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nftr_expr_log.c - `log [prefix ..] [group ..] [level ..] ...`.
 */
#include <stdio.h>
#include <libnftnl/expr.h>

#include "nftr_int.h"

static int
nftr_log_decode(struct nftr_rule_ctx *ctx, const struct nftnl_expr *e)
{
	struct ir_item *it = nftr_item_add(ctx, IR_ITEM_STMT);
	const char *prefix = "";

	if (it == NULL)
		return -ENOMEM;
	it->stmt.kind = IR_STMT_LOG;
	if (nftnl_expr_is_set(e, NFTNL_EXPR_LOG_PREFIX)) {
		it->stmt.log.present |= IR_LOG_F_PREFIX;
		prefix = nftnl_expr_get_str(e, NFTNL_EXPR_LOG_PREFIX);
	}
	it->stmt.log.prefix = ir_strdup(ctx->b->rs, prefix);
	if (it->stmt.log.prefix == NULL)
		return -ENOMEM;
	if (nftnl_expr_is_set(e, NFTNL_EXPR_LOG_GROUP)) {
		it->stmt.log.present |= IR_LOG_F_GROUP;
		it->stmt.log.group = nftnl_expr_get_u16(e, NFTNL_EXPR_LOG_GROUP);
	}
	if (nftnl_expr_is_set(e, NFTNL_EXPR_LOG_LEVEL)) {
		it->stmt.log.present |= IR_LOG_F_LEVEL;
		it->stmt.log.level = nftnl_expr_get_u32(e, NFTNL_EXPR_LOG_LEVEL);
	}
	if (nftnl_expr_is_set(e, NFTNL_EXPR_LOG_SNAPLEN)) {
		it->stmt.log.present |= IR_LOG_F_SNAPLEN;
		it->stmt.log.snaplen = nftnl_expr_get_u32(e, NFTNL_EXPR_LOG_SNAPLEN);
	}
	if (nftnl_expr_is_set(e, NFTNL_EXPR_LOG_QTHRESHOLD)) {
		it->stmt.log.present |= IR_LOG_F_QTHRESHOLD;
		it->stmt.log.qthreshold = nftnl_expr_get_u16(e, NFTNL_EXPR_LOG_QTHRESHOLD);
	}
	if (nftnl_expr_is_set(e, NFTNL_EXPR_LOG_FLAGS))
		it->stmt.log.flags = nftnl_expr_get_u32(e, NFTNL_EXPR_LOG_FLAGS);
	return 0;
}

const struct nftr_expr_ops nftr_expr_log_ops = {
	.name = "log",
	.decode = nftr_log_decode,
};
