/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NFTFWD_OFL_MARKS_H
#define NFTFWD_OFL_MARKS_H

/*
 * ofl_marks - what a MARK id set by a hardware rule means to the software
 * pipeline, and the allocator of MARK ids.
 *
 * Contract
 * - struct ofl_marktab is immutable once built; the datapath reads it with
 *   ofl_mark_resolve() on any number of lcores, lock-free: one bounds check
 *   and one array load. It belongs to one ofl_plan and is published with
 *   the fp_ruleset it was planned for (same pointer swap), so that its
 *   hook/rule indexes always refer to the ruleset the worker runs.
 * - A mark that is not in the table (OFL_MARK_NONE: from an older or newer
 *   plan, or no mark) means "run the whole ruleset": always correct.
 * - ID allocation (struct ofl_mark_alloc): control thread only. A plan
 *   takes one contiguous block; blocks of plans not yet freed are never
 *   reused, and the cursor rotates through the id space so that an id comes
 *   back only after every other id was used: a packet marked by a removed
 *   rule and still queued somewhere cannot be mistaken for a newer rule's.
 *   A plan's block is released by ofl_plan_free(), which the caller calls
 *   only after an RCU grace period following the unpublication of its table.
 * - Byte order: ids are host order (m->hash.fdir.hi).
 */

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Ids go from 1 to OFL_MARK_MAX - 1 (24 bits: what most NICs deliver). */
#define OFL_MARK_MAX	(1u << 20)

enum ofl_mark_kind {
	OFL_MARK_NONE = 0,	/* unknown: run everything (interp_run) */
	/*
	 * Hardware accepted the packet in base chain hook_idx - 1: resume at
	 * hook_idx, rule 0 (hook_idx == the port's n_hooks: every base chain
	 * accepted, forward to the peer).
	 */
	OFL_MARK_ACCEPT,
	/* An over-approximating rule hit: resume at hook_idx, rule_idx. */
	OFL_MARK_PUNT,
	/*
	 * Rule rule_idx of hook_idx matched (its match is exact in hardware):
	 * run its statements and verdict, then go on. interp_run_from() at
	 * (hook_idx, rule_idx) does exactly that (the matches hold).
	 */
	OFL_MARK_PARTIAL,
};

struct ofl_mark_ent {
	uint32_t rule_idx;
	uint16_t hook_idx;
	uint8_t kind;		/* enum ofl_mark_kind */
	uint8_t port_idx;	/* the port whose rule set the mark */
};

struct ofl_marktab {
	uint32_t base;		/* first id */
	uint32_t n;		/* ids [base, base + n) */
	struct ofl_mark_ent ent[];
};

/*
 * Datapath: the meaning of mark on the packet (RTE_MBUF_F_RX_FDIR_ID set,
 * m->hash.fdir.hi). t may be NULL. Check ent.port_idx against the input
 * port: a mismatch is OFL_MARK_NONE too.
 */
static inline struct ofl_mark_ent
ofl_mark_resolve(const struct ofl_marktab *t, uint32_t mark)
{
	struct ofl_mark_ent none = { 0, 0, OFL_MARK_NONE, 0 };
	uint32_t i;

	if (t == NULL)
		return none;
	i = mark - t->base;
	if (i >= t->n)
		return none;
	return t->ent[i];
}

/* ---- allocation (control thread) ------------------------------------------ */

#define OFL_MARK_LIVE_MAX 8

struct ofl_mark_alloc {
	uint32_t cursor;			/* next id to hand out */
	uint32_t n_live;
	uint32_t live_base[OFL_MARK_LIVE_MAX];
	uint32_t live_n[OFL_MARK_LIVE_MAX];
};

void ofl_mark_alloc_init(struct ofl_mark_alloc *a);

/* A block of n ids not in any live block: its first id, or 0 (none free). */
uint32_t ofl_mark_alloc(struct ofl_mark_alloc *a, uint32_t n);

/* Release the block starting at base (after the grace period). */
void ofl_mark_release(struct ofl_mark_alloc *a, uint32_t base);

#ifdef __cplusplus
}
#endif

#endif /* NFTFWD_OFL_MARKS_H */
