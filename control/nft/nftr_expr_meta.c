/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nftr_expr_meta.c - `meta load` (packet metadata into a register) and
 * `meta set` (only the mark can be set in the forwarder).
 */
#include <stdio.h>
#include <string.h>

#include <linux/netfilter/nf_tables.h>
#include <libnftnl/expr.h>

#include "nftr_int.h"

/* Kernel key -> IR key + 1; 0 where the forwarder has no such metadata. */
static const uint8_t nftr_meta_map[] = {
	[NFT_META_LEN]      = IR_META_LEN + 1,
	[NFT_META_PROTOCOL] = IR_META_PROTOCOL + 1,
	[NFT_META_MARK]     = IR_META_MARK + 1,
	[NFT_META_IIF]      = IR_META_IIF + 1,
	[NFT_META_IIFNAME]  = IR_META_IIFNAME + 1,
	[NFT_META_IIFTYPE]  = IR_META_IIFTYPE + 1,
	[NFT_META_NFPROTO]  = IR_META_NFPROTO + 1,
	[NFT_META_L4PROTO]  = IR_META_L4PROTO + 1,
	[NFT_META_PKTTYPE]  = IR_META_PKTTYPE + 1,
};

/* Kernel names, for messages. */
static const char *const nftr_meta_names[] = {
	"len", "protocol", "priority", "mark", "iif", "oif", "iifname",
	"oifname", "iiftype", "oiftype", "skuid", "skgid", "nftrace",
	"rtclassid", "secmark", "nfproto", "l4proto", "bri_iifname",
	"bri_oifname", "pkttype", "cpu", "iifgroup", "oifgroup", "cgroup",
	"prandom", "secpath", "iifkind", "oifkind", "bri_iifpvid",
	"bri_iifvproto", "time", "day", "hour", "sdif", "sdifname",
	"bri_broute",
};

static const char *
nftr_meta_name(uint32_t key)
{
	if (key < sizeof(nftr_meta_names) / sizeof(nftr_meta_names[0]))
		return nftr_meta_names[key];
	return "unknown";
}

static int
nftr_meta_decode(struct nftr_rule_ctx *ctx, const struct nftnl_expr *e)
{
	uint32_t key = nftnl_expr_get_u32(e, NFTNL_EXPR_META_KEY);
	const struct ir_meta_key_info *info;
	struct nftr_regval rv;
	struct ir_item *it;
	int irkey = -1;

	if (key < sizeof(nftr_meta_map) / sizeof(nftr_meta_map[0]))
		irkey = (int)nftr_meta_map[key] - 1;

	if (nftnl_expr_is_set(e, NFTNL_EXPR_META_SREG)) {
		if (key != NFT_META_MARK)
			return nftr_fail(ctx, "meta %s set is not supported (only mark)",
					 nftr_meta_name(key));
		it = nftr_item_add(ctx, IR_ITEM_STMT);
		if (it == NULL)
			return -ENOMEM;
		it->stmt.kind = IR_STMT_META_SET;
		it->stmt.meta.key = IR_META_MARK;
		return nftr_reg_value(ctx, nftnl_expr_get_u32(e, NFTNL_EXPR_META_SREG),
				      4, &it->stmt.meta.value);
	}

	if (irkey < 0)
		return nftr_fail(ctx, "meta %s is not supported", nftr_meta_name(key));
	info = ir_meta_key_info((enum ir_meta_key)irkey);
	memset(&rv, 0, sizeof(rv));
	rv.kind = NFTR_RV_FIELD;
	rv.len = info->len;
	rv.field.kind = IR_FIELD_META;
	rv.field.meta = (enum ir_meta_key)irkey;
	rv.field.len = info->len;
	rv.order = info->order;
	return nftr_reg_write(ctx, nftnl_expr_get_u32(e, NFTNL_EXPR_META_DREG), &rv);
}

const struct nftr_expr_ops nftr_expr_meta_ops = {
	.name = "meta",
	.decode = nftr_meta_decode,
};
