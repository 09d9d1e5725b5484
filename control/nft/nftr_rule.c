/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nftr_rule.c - the register machine: runs a rule's expressions
 * symbolically (what each register holds) and hands each expression to its
 * decoder (nftr_expr_*.c), which turns loads + compares into IR matches and
 * statements.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>

#include "nftr_int.h"

int
nftr_fail(struct nftr_rule_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx->why, sizeof(ctx->why), fmt, ap);
	va_end(ap);
	return -EOPNOTSUPP;
}

/* Netlink register number -> first 32-bit slot; -1 when not a data reg. */
static int
nftr_reg_slot(uint32_t reg)
{
	if (reg >= NFT_REG_1 && reg <= NFT_REG_4)
		return (int)(reg - NFT_REG_1) * 4;
	if (reg >= NFT_REG32_00 && reg <= NFT_REG32_15)
		return (int)(reg - NFT_REG32_00);
	return -1;
}

static unsigned int
nftr_slots(uint32_t len)
{
	return (len + 3u) / 4u;
}

int
nftr_reg_read(struct nftr_rule_ctx *ctx, uint32_t reg, uint32_t len,
	      const struct nftr_regval **rv)
{
	int s = nftr_reg_slot(reg);

	if (s < 0 || len == 0 || s + nftr_slots(len) > NFTR_NREGS)
		return nftr_fail(ctx, "bad source register %u (len %u)", reg, len);
	if (!ctx->start[s] || ctx->reg[s].kind == NFTR_RV_NONE)
		return nftr_fail(ctx, "register %u read before it was written", reg);
	*rv = &ctx->reg[s];
	return 0;
}

int
nftr_reg_write(struct nftr_rule_ctx *ctx, uint32_t reg,
	       const struct nftr_regval *rv)
{
	int s = nftr_reg_slot(reg);
	unsigned int n = nftr_slots(rv->len);

	if (s < 0 || rv->len == 0 || s + n > NFTR_NREGS)
		return nftr_fail(ctx, "bad destination register %u (len %u)",
				 reg, rv->len);
	/* a value that started earlier and ran into this one is gone */
	for (int p = 0; p < s; p++)
		if (ctx->start[p] && p + (int)nftr_slots(ctx->reg[p].len) > s)
			ctx->start[p] = false;
	for (unsigned int i = 0; i < n; i++)
		ctx->start[s + i] = false;
	if (&ctx->reg[s] != rv)
		ctx->reg[s] = *rv;
	ctx->start[s] = true;
	return 0;
}

int
nftr_rv_operand(struct nftr_rule_ctx *ctx, const struct nftr_regval *rv,
		struct ir_operand *op)
{
	memset(op, 0, sizeof(*op));
	if (rv->kind != NFTR_RV_FIELD)
		return nftr_fail(ctx, "register does not hold a packet field");
	op->field = rv->field;
	op->order = rv->order;
	if (rv->masked) {
		op->mask = ir_memdup(ctx->b->rs, rv->mask, rv->len);
		if (op->mask == NULL)
			return -ENOMEM;
	}
	return 0;
}

int
nftr_reg_key(struct nftr_rule_ctx *ctx, uint32_t reg, uint32_t klen,
	     struct ir_operand *ops, uint8_t *nops)
{
	int s = nftr_reg_slot(reg);
	uint32_t off = 0;
	uint8_t n = 0;
	int ret;

	if (s < 0 || klen == 0 || s + nftr_slots(klen) > NFTR_NREGS)
		return nftr_fail(ctx, "bad key register %u (len %u)", reg, klen);
	while (off < klen) {
		int slot = s + (int)(off / 4);
		const struct nftr_regval *rv = &ctx->reg[slot];

		if (!ctx->start[slot] || rv->kind == NFTR_RV_NONE)
			return nftr_fail(ctx, "key register %d read before it was written",
					 slot);
		if (rv->kind != NFTR_RV_FIELD)
			return nftr_fail(ctx, "set key is not built from packet fields");
		if (rv->xored)
			return nftr_fail(ctx, "set key with a bitwise xor");
		if (n == IR_CONCAT_MAX)
			return nftr_fail(ctx, "too many key fields");
		ret = nftr_rv_operand(ctx, rv, &ops[n]);
		if (ret < 0)
			return ret;
		n++;
		off += n == 1 && rv->len == klen ? rv->len : (rv->len + 3u) & ~3u;
	}
	if (off != klen)
		return nftr_fail(ctx, "key fields do not add up to %u bytes", klen);
	*nops = n;
	return 0;
}

int
nftr_reg_value(struct nftr_rule_ctx *ctx, uint32_t reg, uint32_t len,
	       struct ir_value *out)
{
	const struct nftr_regval *rv;
	int ret = nftr_reg_read(ctx, reg, len, &rv);

	if (ret < 0)
		return ret;
	if (rv->len != len)
		return nftr_fail(ctx, "value of %u bytes written from a %u-byte register",
				 len, rv->len);
	memset(out, 0, sizeof(*out));
	out->len = (uint8_t)len;
	switch (rv->kind) {
	case NFTR_RV_IMM:
		out->kind = IR_VALUE_IMM;
		out->data = ir_memdup(ctx->b->rs, rv->data, len);
		return out->data != NULL ? 0 : -ENOMEM;
	case NFTR_RV_FIELD:
		if (rv->field.kind == IR_FIELD_META &&
		    (rv->field.meta == IR_META_IIF || rv->field.meta == IR_META_IIFNAME))
			return nftr_fail(ctx, "writing an interface to another field");
		out->kind = IR_VALUE_FIELD;
		ret = nftr_rv_operand(ctx, rv, &out->field);
		if (ret < 0)
			return ret;
		if (rv->xored) {
			out->xor = ir_memdup(ctx->b->rs, rv->xor, len);
			if (out->xor == NULL)
				return -ENOMEM;
		}
		return 0;
	case NFTR_RV_MAP:
		out->kind = IR_VALUE_MAP;
		out->map = rv->map;
		return 0;
	default:
		return nftr_fail(ctx, "register holds nothing");
	}
}

struct ir_item *
nftr_item_add(struct nftr_rule_ctx *ctx, enum ir_item_kind kind)
{
	struct ir_item *it;

	if (ctx->nitems == ctx->cap) {
		uint32_t cap = ctx->cap ? ctx->cap * 2 : 8;
		struct ir_item *n = realloc(ctx->items, cap * sizeof(*n));

		if (n == NULL)
			return NULL;
		ctx->items = n;
		ctx->cap = cap;
	}
	it = &ctx->items[ctx->nitems++];
	memset(it, 0, sizeof(*it));
	it->kind = kind;
	return it;
}

int
nftr_set_verdict(struct nftr_rule_ctx *ctx, const struct ir_verdict *v)
{
	if (ctx->has_verdict)
		return nftr_fail(ctx, "a second verdict in one rule");
	ctx->verdict = *v;
	ctx->has_verdict = true;
	return 0;
}

struct nftr_set_b *
nftr_rule_set(struct nftr_rule_ctx *ctx, const char *name)
{
	for (uint32_t i = 0; i < ctx->tb->t->nsets; i++)
		if (strcmp(ctx->tb->sets[i].set->name, name) == 0)
			return &ctx->tb->sets[i];
	return NULL;
}

int
nftr_table_verdict_val(struct nftr_table_b *tb, int32_t code,
		       const char *chain, struct ir_verdict_val *v)
{
	memset(v, 0, sizeof(*v));
	switch (code) {
	case NF_ACCEPT:
		v->kind = IR_VERDICT_ACCEPT;
		return 0;
	case NF_DROP:
		v->kind = IR_VERDICT_DROP;
		return 0;
	case NFT_CONTINUE:
		v->kind = IR_VERDICT_CONTINUE;
		return 0;
	case NFT_RETURN:
		v->kind = IR_VERDICT_RETURN;
		return 0;
	case NFT_JUMP:
	case NFT_GOTO:
		v->kind = code == NFT_JUMP ? IR_VERDICT_JUMP : IR_VERDICT_GOTO;
		if (chain == NULL)
			return -EINVAL;
		for (uint32_t i = 0; i < tb->t->nchains; i++) {
			if (strcmp(tb->chains[i].name, chain) == 0) {
				v->chain = tb->chains[i].name;
				v->target = &tb->chains[i];
				return 0;
			}
		}
		return -ENOENT;
	default:
		return -EOPNOTSUPP;
	}
}

int
nftr_verdict_val(struct nftr_rule_ctx *ctx, int32_t code, const char *chain,
		 struct ir_verdict_val *v)
{
	int ret = nftr_table_verdict_val(ctx->tb, code, chain, v);

	if (ret == -EOPNOTSUPP)
		return nftr_fail(ctx, "verdict %d is not supported", code);
	if (ret == -ENOENT)
		return nftr_fail(ctx, "jump to unknown chain %s", chain);
	if (ret < 0)
		return nftr_fail(ctx, "jump without a chain");
	return 0;
}

int
nftr_rule_decode(struct nftr_rule_ctx *ctx, const struct nftnl_rule *nlr,
		 struct ir_rule *r)
{
	struct nftnl_expr_iter *it;
	struct nftnl_expr *e;
	int ret = 0;

	it = nftnl_expr_iter_create(nlr);
	if (it == NULL)
		return -ENOMEM;
	for (e = nftnl_expr_iter_next(it); e != NULL;
	     e = nftnl_expr_iter_next(it)) {
		const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
		const struct nftr_expr_ops *ops = nftr_expr_find(name);

		ctx->expr = name;
		if (ctx->has_verdict) {
			ret = nftr_fail(ctx, "expression after the verdict");
			break;
		}
		if (ops == NULL) {
			ret = nftr_fail(ctx, "no IR equivalent (not supported)");
			break;
		}
		ret = ops->decode(ctx, e);
		if (ret < 0)
			break;
	}
	nftnl_expr_iter_destroy(it);
	if (ret < 0) {
		/* decoders may fail with -EINVAL/-ENOMEM without a reason */
		if (ctx->why[0] == '\0')
			snprintf(ctx->why, sizeof(ctx->why), "%s", strerror(-ret));
		return ret;
	}
	ctx->expr = NULL;

	memset(r, 0, sizeof(*r));
	r->handle = ctx->handle;
	if (ctx->nitems > 0) {
		r->items = ir_memdup(ctx->b->rs, ctx->items,
				     ctx->nitems * sizeof(*ctx->items));
		if (r->items == NULL)
			return -ENOMEM;
	}
	r->nitems = ctx->nitems;
	if (ctx->has_verdict)
		r->verdict = ctx->verdict;
	return 0;
}
