/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nftr_expr_payload.c - `payload load` (a packet field into a register) and
 * `payload write` (statement, with checksum update).
 */
#include <stdio.h>
#include <string.h>

#include <linux/netfilter/nf_tables.h>
#include <libnftnl/expr.h>

#include "nftr_int.h"

static int
nftr_payload_base(struct nftr_rule_ctx *ctx, uint32_t base,
		  enum ir_payload_base *out)
{
	switch (base) {
	case NFT_PAYLOAD_LL_HEADER:
		*out = IR_BASE_LL;
		return 0;
	case NFT_PAYLOAD_NETWORK_HEADER:
		*out = IR_BASE_NETWORK;
		return 0;
	case NFT_PAYLOAD_TRANSPORT_HEADER:
		*out = IR_BASE_TRANSPORT;
		return 0;
	default:
		return nftr_fail(ctx, "payload base %u (inner header) is not supported",
				 base);
	}
}

static int
nftr_payload_decode(struct nftr_rule_ctx *ctx, const struct nftnl_expr *e)
{
	uint32_t offset = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET);
	uint32_t len = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_LEN);
	enum ir_payload_base base = IR_BASE_LL;
	struct nftr_regval rv;
	struct ir_item *it;
	int ret;

	ret = nftr_payload_base(ctx, nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_BASE),
				&base);
	if (ret < 0)
		return ret;
	if (len == 0 || len > IR_DATA_MAX || offset > UINT16_MAX)
		return nftr_fail(ctx, "payload of %u bytes at %u", len, offset);

	if (nftnl_expr_is_set(e, NFTNL_EXPR_PAYLOAD_DREG)) {
		memset(&rv, 0, sizeof(rv));
		rv.kind = NFTR_RV_FIELD;
		rv.len = (uint8_t)len;
		rv.field.kind = IR_FIELD_PAYLOAD;
		rv.field.base = base;
		rv.field.offset = (uint16_t)offset;
		rv.field.len = (uint8_t)len;
		rv.order = IR_BO_NET;
		return nftr_reg_write(ctx, nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_DREG),
				      &rv);
	}

	/* payload write */
	it = nftr_item_add(ctx, IR_ITEM_STMT);
	if (it == NULL)
		return -ENOMEM;
	it->stmt.kind = IR_STMT_PAYLOAD_SET;
	it->stmt.payload.base = base;
	it->stmt.payload.offset = (uint16_t)offset;
	it->stmt.payload.len = (uint8_t)len;
	switch (nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_CSUM_TYPE)) {
	case NFT_PAYLOAD_CSUM_NONE:
		it->stmt.payload.csum_type = IR_CSUM_NONE;
		break;
	case NFT_PAYLOAD_CSUM_INET:
		it->stmt.payload.csum_type = IR_CSUM_INET;
		break;
	case NFT_PAYLOAD_CSUM_SCTP:
		it->stmt.payload.csum_type = IR_CSUM_SCTP;
		break;
	default:
		return nftr_fail(ctx, "unknown checksum type");
	}
	it->stmt.payload.csum_offset =
		(uint16_t)nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_CSUM_OFFSET);
	it->stmt.payload.csum_flags = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_FLAGS);
	return nftr_reg_value(ctx, nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_SREG),
			      len, &it->stmt.payload.value);
}

const struct nftr_expr_ops nftr_expr_payload_ops = {
	.name = "payload",
	.decode = nftr_payload_decode,
};
