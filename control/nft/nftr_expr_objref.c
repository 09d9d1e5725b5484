/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nftr_expr_objref.c - `objref`: `counter|quota|limit name "x"`, a named
 * stateful object of the same table.
 */
#include <stdio.h>
#include <string.h>

#include <linux/netfilter/nf_tables.h>
#include <libnftnl/expr.h>

#include "nftr_int.h"

static int
nftr_objref_decode(struct nftr_rule_ctx *ctx, const struct nftnl_expr *e)
{
	const struct ir_table *t = ctx->tb->t;
	enum ir_obj_type type;
	const char *name;
	struct ir_item *it;

	if (nftnl_expr_is_set(e, NFTNL_EXPR_OBJREF_SET_NAME) ||
	    !nftnl_expr_is_set(e, NFTNL_EXPR_OBJREF_IMM_NAME))
		return nftr_fail(ctx, "object reference through a map is not supported");
	switch (nftnl_expr_get_u32(e, NFTNL_EXPR_OBJREF_IMM_TYPE)) {
	case NFT_OBJECT_COUNTER:
		type = IR_OBJ_COUNTER;
		break;
	case NFT_OBJECT_QUOTA:
		type = IR_OBJ_QUOTA;
		break;
	case NFT_OBJECT_LIMIT:
		type = IR_OBJ_LIMIT;
		break;
	default:
		return nftr_fail(ctx, "object type %u is not supported",
				 nftnl_expr_get_u32(e, NFTNL_EXPR_OBJREF_IMM_TYPE));
	}
	name = nftnl_expr_get_str(e, NFTNL_EXPR_OBJREF_IMM_NAME);
	it = nftr_item_add(ctx, IR_ITEM_STMT);
	if (it == NULL)
		return -ENOMEM;
	it->stmt.kind = IR_STMT_OBJREF;
	it->stmt.objref.type = type;
	/* objects were built before the rules: resolve now */
	for (uint32_t i = 0; i < t->nobjects; i++) {
		const struct ir_object *o = &ctx->tb->objs[i];

		if (o->type == type && strcmp(o->name, name) == 0) {
			it->stmt.objref.obj = o;
			it->stmt.objref.name = o->name;
			return 0;
		}
	}
	return nftr_fail(ctx, "unknown %s \"%s\"", ir_obj_type_name(type), name);
}

const struct nftr_expr_ops nftr_expr_objref_ops = {
	.name = "objref",
	.decode = nftr_objref_decode,
};
