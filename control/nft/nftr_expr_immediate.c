/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nftr_expr_immediate.c - `immediate`: a constant into a data register, or
 * the rule's verdict into the verdict register.
 */
#include <stdio.h>
#include <string.h>

#include <linux/netfilter/nf_tables.h>
#include <libnftnl/expr.h>

#include "nftr_int.h"

static int
nftr_immediate_decode(struct nftr_rule_ctx *ctx, const struct nftnl_expr *e)
{
	uint32_t dreg = nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_DREG);
	struct nftr_regval rv;
	const void *data;
	uint32_t len = 0;

	if (dreg == NFT_REG_VERDICT) {
		struct ir_verdict v;
		const char *chain = nftnl_expr_is_set(e, NFTNL_EXPR_IMM_CHAIN) ?
				    nftnl_expr_get_str(e, NFTNL_EXPR_IMM_CHAIN) : NULL;
		int ret;

		memset(&v, 0, sizeof(v));
		ret = nftr_verdict_val(ctx, (int32_t)nftnl_expr_get_u32(e,
				       NFTNL_EXPR_IMM_VERDICT), chain, &v.v);
		if (ret < 0)
			return ret;
		return nftr_set_verdict(ctx, &v);
	}
	data = nftnl_expr_get(e, NFTNL_EXPR_IMM_DATA, &len);
	if (data == NULL || len == 0 || len > IR_DATA_MAX)
		return nftr_fail(ctx, "immediate of %u bytes", len);
	memset(&rv, 0, sizeof(rv));
	rv.kind = NFTR_RV_IMM;
	rv.len = (uint8_t)len;
	memcpy(rv.data, data, len);
	return nftr_reg_write(ctx, dreg, &rv);
}

const struct nftr_expr_ops nftr_expr_immediate_ops = {
	.name = "immediate",
	.decode = nftr_immediate_decode,
};
