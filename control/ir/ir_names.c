/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ir_names.c - static facts about IR kinds (meta key layout, names) and
 * control-plane lookups.
 */
#include <errno.h>
#include <string.h>

#include "ir.h"

#define IR_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct ir_meta_key_info ir_meta_keys[] = {
	[IR_META_LEN]      = { "length",   4, IR_BO_HOST, false },
	[IR_META_PROTOCOL] = { "protocol", 2, IR_BO_NET,  false },
	[IR_META_NFPROTO]  = { "nfproto",  1, IR_BO_HOST, false },
	[IR_META_L4PROTO]  = { "l4proto",  1, IR_BO_HOST, false },
	[IR_META_MARK]     = { "mark",     4, IR_BO_HOST, false },
	[IR_META_IIF]      = { "iif",      4, IR_BO_HOST, false },
	[IR_META_IIFNAME]  = { "iifname",  IR_IFNAMSIZ, IR_BO_NET, true },
	[IR_META_IIFTYPE]  = { "iiftype",  2, IR_BO_HOST, false },
	[IR_META_PKTTYPE]  = { "pkttype",  1, IR_BO_HOST, false },
};
_Static_assert(IR_ARRAY_SIZE(ir_meta_keys) == IR_META__COUNT,
	       "ir_meta_keys out of sync with enum ir_meta_key");

const struct ir_meta_key_info *
ir_meta_key_info(enum ir_meta_key key)
{
	if ((unsigned int)key >= IR_META__COUNT)
		return NULL;
	return &ir_meta_keys[key];
}

static const char *const ir_base_names[] = {
	[IR_BASE_LL] = "ll",
	[IR_BASE_NETWORK] = "nh",
	[IR_BASE_TRANSPORT] = "th",
};
_Static_assert(IR_ARRAY_SIZE(ir_base_names) == IR_BASE__COUNT, "bases");

const char *
ir_payload_base_name(enum ir_payload_base base)
{
	return (unsigned int)base < IR_BASE__COUNT ? ir_base_names[base] : "?";
}

static const char *const ir_cmp_names[] = {
	[IR_CMP_EQ] = "==", [IR_CMP_NEQ] = "!=",
	[IR_CMP_LT] = "<",  [IR_CMP_LTE] = "<=",
	[IR_CMP_GT] = ">",  [IR_CMP_GTE] = ">=",
};
_Static_assert(IR_ARRAY_SIZE(ir_cmp_names) == IR_CMP__COUNT, "cmp ops");

const char *
ir_cmp_op_name(enum ir_cmp_op op)
{
	return (unsigned int)op < IR_CMP__COUNT ? ir_cmp_names[op] : "?";
}

static const char *const ir_verdict_names[] = {
	[IR_VERDICT_NONE] = "none",
	[IR_VERDICT_ACCEPT] = "accept",
	[IR_VERDICT_DROP] = "drop",
	[IR_VERDICT_CONTINUE] = "continue",
	[IR_VERDICT_RETURN] = "return",
	[IR_VERDICT_JUMP] = "jump",
	[IR_VERDICT_GOTO] = "goto",
	[IR_VERDICT_VMAP] = "vmap",
};
_Static_assert(IR_ARRAY_SIZE(ir_verdict_names) == IR_VERDICT__COUNT, "verdicts");

const char *
ir_verdict_name(enum ir_verdict_kind kind)
{
	return (unsigned int)kind < IR_VERDICT__COUNT ? ir_verdict_names[kind] : "?";
}

static const char *const ir_obj_names[] = {
	[IR_OBJ_COUNTER] = "counter",
	[IR_OBJ_QUOTA] = "quota",
	[IR_OBJ_LIMIT] = "limit",
};
_Static_assert(IR_ARRAY_SIZE(ir_obj_names) == IR_OBJ__COUNT, "objects");

const char *
ir_obj_type_name(enum ir_obj_type type)
{
	return (unsigned int)type < IR_OBJ__COUNT ? ir_obj_names[type] : "?";
}

static const char *const ir_stmt_names[] = {
	[IR_STMT_COUNTER] = "counter",
	[IR_STMT_OBJREF] = "objref",
	[IR_STMT_LIMIT] = "limit",
	[IR_STMT_QUOTA] = "quota",
	[IR_STMT_META_SET] = "meta_set",
	[IR_STMT_PAYLOAD_SET] = "payload_set",
	[IR_STMT_FWD] = "fwd",
	[IR_STMT_DUP] = "dup",
	[IR_STMT_REJECT] = "reject",
	[IR_STMT_LOG] = "log",
};
_Static_assert(IR_ARRAY_SIZE(ir_stmt_names) == IR_STMT__COUNT, "statements");

const char *
ir_stmt_kind_name(enum ir_stmt_kind kind)
{
	return (unsigned int)kind < IR_STMT__COUNT ? ir_stmt_names[kind] : "?";
}

const struct ir_table *
ir_table_find(const struct ir_ruleset *rs, const char *name)
{
	for (uint32_t i = 0; i < rs->ntables; i++)
		if (strcmp(rs->tables[i].name, name) == 0)
			return &rs->tables[i];
	return NULL;
}

const struct ir_chain *
ir_chain_find(const struct ir_table *t, const char *name)
{
	for (uint32_t i = 0; i < t->nchains; i++)
		if (strcmp(t->chains[i].name, name) == 0)
			return &t->chains[i];
	return NULL;
}

const struct ir_set *
ir_set_find(const struct ir_table *t, const char *name)
{
	for (uint32_t i = 0; i < t->nsets; i++)
		if (strcmp(t->sets[i].name, name) == 0)
			return &t->sets[i];
	return NULL;
}

const struct ir_object *
ir_object_find(const struct ir_table *t, enum ir_obj_type type,
	       const char *name)
{
	for (uint32_t i = 0; i < t->nobjects; i++)
		if (t->objects[i].type == type &&
		    strcmp(t->objects[i].name, name) == 0)
			return &t->objects[i];
	return NULL;
}

int
ir_device_id(const struct ir_ruleset *rs, const char *name)
{
	for (uint32_t i = 0; i < rs->ndevices; i++)
		if (strcmp(rs->devices[i], name) == 0)
			return (int)i;
	return -ENOENT;
}
