/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nftr_expr_byteorder.c - `byteorder`: hton/ntoh of a whole field; the
 * register value keeps its field and flips its byte order.
 */
#include <stdio.h>
#include <string.h>

#include <linux/netfilter/nf_tables.h>
#include <libnftnl/expr.h>

#include "nftr_int.h"

static void
nftr_swap(uint8_t *p, uint32_t len)
{
	for (uint32_t i = 0; i < len / 2; i++) {
		uint8_t t = p[i];

		p[i] = p[len - 1 - i];
		p[len - 1 - i] = t;
	}
}

static int
nftr_byteorder_decode(struct nftr_rule_ctx *ctx, const struct nftnl_expr *e)
{
	uint32_t len = nftnl_expr_get_u32(e, NFTNL_EXPR_BYTEORDER_LEN);
	uint32_t size = nftnl_expr_get_u32(e, NFTNL_EXPR_BYTEORDER_SIZE);
	const struct nftr_regval *src;
	struct nftr_regval rv;
	int ret;

	if (size != len || (size != 2 && size != 4 && size != 8))
		return nftr_fail(ctx, "byteorder of %u bytes in %u-byte words",
				 len, size);
	ret = nftr_reg_read(ctx, nftnl_expr_get_u32(e, NFTNL_EXPR_BYTEORDER_SREG),
			    len, &src);
	if (ret < 0)
		return ret;
	if (src->len != len)
		return nftr_fail(ctx, "byteorder of %u bytes on a %u-byte value",
				 len, src->len);
	rv = *src;
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	/* hton/ntoh are no-ops on this CPU */
	return nftr_reg_write(ctx, nftnl_expr_get_u32(e, NFTNL_EXPR_BYTEORDER_DREG), &rv);
#endif
	switch (rv.kind) {
	case NFTR_RV_IMM:
		nftr_swap(rv.data, len);
		break;
	case NFTR_RV_FIELD:
		if (rv.field.kind == IR_FIELD_META &&
		    (rv.field.meta == IR_META_IIF || rv.field.meta == IR_META_IIFNAME))
			return nftr_fail(ctx, "byteorder on an interface");
		nftr_swap(rv.mask, len);
		nftr_swap(rv.xor, len);
		rv.order = rv.order == IR_BO_NET ? IR_BO_HOST : IR_BO_NET;
		break;
	default:
		return nftr_fail(ctx, "byteorder on a map result");
	}
	return nftr_reg_write(ctx, nftnl_expr_get_u32(e, NFTNL_EXPR_BYTEORDER_DREG), &rv);
}

const struct nftr_expr_ops nftr_expr_byteorder_ops = {
	.name = "byteorder",
	.decode = nftr_byteorder_decode,
};
