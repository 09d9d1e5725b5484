/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nftr_expr_bitwise.c - `bitwise`: reg = (reg & mask) ^ xor, folded into
 * the register's value (shifts are not supported).
 */
#include <stdio.h>
#include <string.h>

#include <linux/netfilter/nf_tables.h>
#include <libnftnl/expr.h>

#include "nftr_int.h"

static int
nftr_bitwise_decode(struct nftr_rule_ctx *ctx, const struct nftnl_expr *e)
{
	uint32_t len = nftnl_expr_get_u32(e, NFTNL_EXPR_BITWISE_LEN);
	const struct nftr_regval *src;
	const uint8_t *mask, *xor;
	uint32_t mlen = 0, xlen = 0;
	struct nftr_regval rv;
	bool ones = true, zero = true;
	int ret;

	if (nftnl_expr_is_set(e, NFTNL_EXPR_BITWISE_OP) &&
	    nftnl_expr_get_u32(e, NFTNL_EXPR_BITWISE_OP) != NFT_BITWISE_MASK_XOR)
		return nftr_fail(ctx, "bitwise shift is not supported");
	mask = nftnl_expr_get(e, NFTNL_EXPR_BITWISE_MASK, &mlen);
	xor = nftnl_expr_get(e, NFTNL_EXPR_BITWISE_XOR, &xlen);
	if (mask == NULL || xor == NULL || mlen != len || xlen != len ||
	    len == 0 || len > IR_DATA_MAX)
		return nftr_fail(ctx, "bitwise of %u bytes", len);
	ret = nftr_reg_read(ctx, nftnl_expr_get_u32(e, NFTNL_EXPR_BITWISE_SREG),
			    len, &src);
	if (ret < 0)
		return ret;
	if (src->len != len)
		return nftr_fail(ctx, "bitwise of %u bytes on a %u-byte value", len,
				 src->len);
	rv = *src;
	switch (rv.kind) {
	case NFTR_RV_IMM:
		for (uint32_t i = 0; i < len; i++)
			rv.data[i] = (rv.data[i] & mask[i]) ^ xor[i];
		break;
	case NFTR_RV_FIELD:
		if (rv.field.kind == IR_FIELD_META && rv.field.meta == IR_META_IIF)
			return nftr_fail(ctx, "bitwise on an interface index");
		/* ((x & m1) ^ x1) & m2 ^ x2 = (x & m1 & m2) ^ ((x1 & m2) ^ x2) */
		for (uint32_t i = 0; i < len; i++) {
			uint8_t m = rv.masked ? rv.mask[i] & mask[i] : mask[i];
			uint8_t x = rv.xored ? (rv.xor[i] & mask[i]) ^ xor[i] : xor[i];

			rv.mask[i] = m;
			rv.xor[i] = x;
			ones &= m == 0xff;
			zero &= x == 0;
		}
		rv.masked = !ones;
		rv.xored = !zero;
		break;
	default:
		return nftr_fail(ctx, "bitwise on a map result");
	}
	return nftr_reg_write(ctx, nftnl_expr_get_u32(e, NFTNL_EXPR_BITWISE_DREG), &rv);
}

const struct nftr_expr_ops nftr_expr_bitwise_ops = {
	.name = "bitwise",
	.decode = nftr_bitwise_decode,
};
