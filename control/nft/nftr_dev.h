/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nftr_dev.h - shared by fwd and dup: the device a register names.
 */
#ifndef NFTFWD_NFTR_DEV_H
#define NFTFWD_NFTR_DEV_H

#include <string.h>

#include "nftr_int.h"

/* The device whose ifindex register `reg` holds (an immediate). */
static inline int
nftr_reg_device(struct nftr_rule_ctx *ctx, uint32_t reg, struct ir_stmt *st)
{
	const struct nftr_regval *rv;
	uint32_t ifindex;
	int ret = nftr_reg_read(ctx, reg, 4, &rv);

	if (ret < 0)
		return ret;
	if (rv->kind != NFTR_RV_IMM || rv->len != 4)
		return nftr_fail(ctx, "device from a register that holds no constant");
	memcpy(&ifindex, rv->data, 4);
	return nftr_builder_ifindex(ctx->b, ifindex, &st->dev.dev_id, &st->dev.dev);
}

#endif /* NFTFWD_NFTR_DEV_H */
