/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nftr_expr_cmp.c - `cmp`: a register against a constant -> IR_MATCH_CMP.
 */
#include <stdio.h>
#include <string.h>

#include <linux/netfilter/nf_tables.h>
#include <libnftnl/expr.h>

#include "nftr_int.h"

static const int nftr_cmp_ops[] = {
	[NFT_CMP_EQ] = IR_CMP_EQ,
	[NFT_CMP_NEQ] = IR_CMP_NEQ,
	[NFT_CMP_LT] = IR_CMP_LT,
	[NFT_CMP_LTE] = IR_CMP_LTE,
	[NFT_CMP_GT] = IR_CMP_GT,
	[NFT_CMP_GTE] = IR_CMP_GTE,
};

static int
nftr_cmp_decode(struct nftr_rule_ctx *ctx, const struct nftnl_expr *e)
{
	uint32_t op = nftnl_expr_get_u32(e, NFTNL_EXPR_CMP_OP);
	const struct nftr_regval *rv;
	uint8_t value[IR_DATA_MAX];
	const void *data;
	struct ir_item *it;
	uint32_t len = 0;
	int ret;

	data = nftnl_expr_get(e, NFTNL_EXPR_CMP_DATA, &len);
	if (data == NULL || len == 0 || len > IR_DATA_MAX)
		return nftr_fail(ctx, "compare of %u bytes", len);
	if (op >= sizeof(nftr_cmp_ops) / sizeof(nftr_cmp_ops[0]))
		return nftr_fail(ctx, "unknown compare operator %u", op);
	ret = nftr_reg_read(ctx, nftnl_expr_get_u32(e, NFTNL_EXPR_CMP_SREG), len, &rv);
	if (ret < 0)
		return ret;
	if (rv->kind != NFTR_RV_FIELD)
		return nftr_fail(ctx, "compare of a register that holds no packet field");
	if (len > rv->len)
		return nftr_fail(ctx, "compare across concatenated fields");
	memcpy(value, data, len);

	it = nftr_item_add(ctx, IR_ITEM_MATCH);
	if (it == NULL)
		return -ENOMEM;
	it->match.kind = IR_MATCH_CMP;
	it->match.op = (enum ir_cmp_op)nftr_cmp_ops[op];
	it->match.len = (uint8_t)len;
	ret = nftr_rv_operand(ctx, rv, &it->match.arg);
	if (ret < 0)
		return ret;

	if (len < rv->len) {
		struct ir_field *f = &it->match.arg.field;

		if (f->kind == IR_FIELD_PAYLOAD && rv->order == IR_BO_NET) {
			f->len = (uint8_t)len;	/* the bytes compared */
		} else if (!(f->kind == IR_FIELD_META && f->meta == IR_META_IIFNAME)) {
			return nftr_fail(ctx, "compare of %u of %u bytes", len, rv->len);
		}
	}
	if (rv->xored) {
		if (op != NFT_CMP_EQ && op != NFT_CMP_NEQ)
			return nftr_fail(ctx, "ordered compare after a bitwise xor");
		for (uint32_t i = 0; i < len; i++)
			value[i] ^= rv->xor[i];
	}
	if (rv->field.kind == IR_FIELD_META && rv->field.meta == IR_META_IIF) {
		uint32_t ifindex, id;

		if (op != NFT_CMP_EQ && op != NFT_CMP_NEQ)
			return nftr_fail(ctx, "ordered compare of an interface index");
		if (len != 4 || rv->masked || rv->xored)
			return nftr_fail(ctx, "partial compare of an interface index");
		memcpy(&ifindex, value, 4);
		if (nftr_builder_ifindex(ctx->b, ifindex, &id, NULL) < 0)
			return -ENOMEM;
		memcpy(value, &id, 4);
	}
	it->match.value = ir_memdup(ctx->b->rs, value, len);
	return it->match.value != NULL ? 0 : -ENOMEM;
}

const struct nftr_expr_ops nftr_expr_cmp_ops = {
	.name = "cmp",
	.decode = nftr_cmp_decode,
};
