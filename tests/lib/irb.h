/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NFTFWD_TESTS_IRB_H
#define NFTFWD_TESTS_IRB_H
/*
 * irb - IR rulesets built by hand in the C tests, as the nft reader would
 * build them from the rule a test names in its comment.
 *
 * One ruleset is built at a time (irb_new() makes it current; the tests are
 * single-threaded); everything lives in that ruleset's arena and goes with
 * ir_ruleset_free(). Arrays are sized once from struct irb_caps (the caller
 * stays within them: these are tests, overflow aborts). Handles are given
 * in creation order, starting at 1, like a fresh kernel table.
 */
#include <stdbool.h>
#include <stdint.h>

#include "control/ir/ir.h"

struct irb_caps {
	unsigned int tables;	/* per ruleset */
	unsigned int chains;	/* per table */
	unsigned int sets;	/* per table */
	unsigned int objects;	/* per table */
	unsigned int rules;	/* per chain, unless irb_chain_n() says */
	unsigned int items;	/* per rule */
	unsigned int elems;	/* per set, unless irb_set_n() says; 0: none
				 * (the caller fills s->elems itself) */
};

/* 4 tables, 24 chains, 64 sets, 8 objects, 16 rules, 12 items, 64 elements */
extern const struct irb_caps irb_default_caps;

/* A new current ruleset with these device names (ids 0..n-1); NULL caps:
 * irb_default_caps. */
struct ir_ruleset *irb_new(const char *const *devs, unsigned int ndevs,
			   const struct irb_caps *caps);
struct ir_ruleset *irb_current(void);

/* bytes copied into the arena */
const uint8_t *irb_bytes(const void *p, size_t n);

struct ir_table *irb_table(const char *name);
struct ir_chain *irb_chain(struct ir_table *t, const char *name);
struct ir_chain *irb_chain_n(struct ir_table *t, const char *name,
			     unsigned int max_rules);
/* a base chain on one device (0: the caps' rule count) */
struct ir_chain *irb_base(struct ir_table *t, const char *name, int32_t prio,
			  enum ir_policy policy, const char *dev,
			  unsigned int max_rules);
struct ir_rule *irb_rule(struct ir_chain *c);
struct ir_item *irb_item(struct ir_rule *r, enum ir_item_kind kind);

/* operands: payload in network order, meta as ir_meta_key_info() says */
struct ir_operand irb_payload(enum ir_payload_base base, uint16_t off,
			      uint8_t len);
struct ir_operand irb_meta(enum ir_meta_key k);
/* the operand ANDed with mask (its field length) before the compare */
struct ir_operand irb_masked(struct ir_operand o, const void *mask);

void irb_cmp(struct ir_rule *r, struct ir_operand op, enum ir_cmp_op cop,
	     const void *val, uint8_t len);
void irb_range(struct ir_rule *r, struct ir_operand op, const void *lo,
	       const void *hi, uint8_t len, bool invert);
/* lookup of n operands (a concatenation when n > 1) in s */
void irb_lookup(struct ir_rule *r, const struct ir_set *s, unsigned int n,
		const struct ir_operand *ops, bool invert);

/* the lookup half of a match or of a verdict map (rule->verdict.vmap) */
struct ir_lookup irb_lk(const struct ir_set *s, unsigned int n,
			const struct ir_operand *ops);

/* A set (a concatenation when nfields > 1); name NULL: an anonymous
 * constant set named __setN. data_len: 0 for a set, else a map's. */
struct ir_set *irb_set(struct ir_table *t, const char *name, uint32_t flags,
		       unsigned int nfields, const uint8_t *flen,
		       uint8_t data_len);
struct ir_set *irb_set_n(struct ir_table *t, const char *name, uint32_t flags,
			 unsigned int nfields, const uint8_t *flen,
			 uint8_t data_len, unsigned int max_elems);
/* an element [key, key_end] (key_end NULL: the key alone); callers add
 * them in key order */
struct ir_set_elem *irb_elem(struct ir_set *s, const void *key,
			     const void *key_end);

struct ir_stmt *irb_stmt(struct ir_rule *r, enum ir_stmt_kind k);
void irb_verdict(struct ir_rule *r, enum ir_verdict_kind k,
		 const struct ir_chain *to);
struct ir_object *irb_object(struct ir_table *t, enum ir_obj_type type,
			     const char *name);
void irb_objref(struct ir_rule *r, const struct ir_object *o);
void irb_mark_set(struct ir_rule *r, uint32_t mark);
void irb_limit(struct ir_rule *r, uint64_t rate, uint64_t unit, uint32_t burst,
	       enum ir_limit_type type, bool invert);
void irb_quota(struct ir_rule *r, uint64_t bytes, bool invert);

/* common rule heads nft writes: meta protocol ip / meta l4proto p */
void irb_ip(struct ir_rule *r);
void irb_l4(struct ir_rule *r, uint8_t proto);

#endif
