/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nftr_expr.c - the expression kinds the IR can express, one decoder each
 * (nftr_expr_<name>.c). An expression not in this table is an error.
 */
#include <string.h>

#include "nftr_int.h"

#define NFTR_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct nftr_expr_ops *const nftr_expr_table[] = {
	[NFTR_EXPR_PAYLOAD]   = &nftr_expr_payload_ops,
	[NFTR_EXPR_META]      = &nftr_expr_meta_ops,
	[NFTR_EXPR_CMP]       = &nftr_expr_cmp_ops,
	[NFTR_EXPR_RANGE]     = &nftr_expr_range_ops,
	[NFTR_EXPR_BITWISE]   = &nftr_expr_bitwise_ops,
	[NFTR_EXPR_BYTEORDER] = &nftr_expr_byteorder_ops,
	[NFTR_EXPR_LOOKUP]    = &nftr_expr_lookup_ops,
	[NFTR_EXPR_IMMEDIATE] = &nftr_expr_immediate_ops,
	[NFTR_EXPR_COUNTER]   = &nftr_expr_counter_ops,
	[NFTR_EXPR_OBJREF]    = &nftr_expr_objref_ops,
	[NFTR_EXPR_LIMIT]     = &nftr_expr_limit_ops,
	[NFTR_EXPR_QUOTA]     = &nftr_expr_quota_ops,
	[NFTR_EXPR_FWD]       = &nftr_expr_fwd_ops,
	[NFTR_EXPR_DUP]       = &nftr_expr_dup_ops,
	[NFTR_EXPR_REJECT]    = &nftr_expr_reject_ops,
	[NFTR_EXPR_LOG]       = &nftr_expr_log_ops,
};
_Static_assert(NFTR_ARRAY_SIZE(nftr_expr_table) == NFTR_EXPR__COUNT,
	       "nftr_expr_table out of sync with enum nftr_expr_kind");

const struct nftr_expr_ops *
nftr_expr_find(const char *name)
{
	if (name == NULL)
		return NULL;
	for (unsigned int i = 0; i < NFTR_EXPR__COUNT; i++)
		if (strcmp(nftr_expr_table[i]->name, name) == 0)
			return nftr_expr_table[i];
	return NULL;
}
