/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NFTFWD_OFFLOAD_H
#define NFTFWD_OFFLOAD_H

/*
 * The forwarder's use of the offload planner (rte_flow/): port capability
 * discovery, a plan per ruleset generation installed make-before-break,
 * hardware counters folded into the rules' counters.
 *
 * Threading: control thread only.  With --offload off nothing here calls
 * rte_flow.
 * Errors: 0 or -errno with a message printed (refusals under `require`
 * are -EINVAL: a bad ruleset for this hardware).
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "control/cfg.h"
#include "control/ir/ir.h"
#include "fastpath/fp_ruleset.h"

struct ofl_plan;

/* Before a port is configured: ask it to deliver MARK ids. */
void offload_negotiate(const struct cfg *c, unsigned int port_idx,
		       uint16_t port_id);

/* After the ports started: the planner's context and each port's caps. */
int offload_start(const struct cfg *c);

/*
 * Plan and install rules for a new generation (ir, fp); prev is the plan
 * installed now (NULL at first).  Sets fp->ofl_marks.  *out is NULL when
 * nothing is offloaded.  Under `require`, a chain with `flags offload`
 * that does not fit is an error and nothing is installed.
 */
int offload_plan(const struct ir_ruleset *ir, struct fp_ruleset *fp,
		 struct ofl_plan *prev, struct ofl_plan **out);

/*
 * The previous generation is no longer used by any worker: remove its
 * hardware rules, fold their final counts into old_fp (before the counters
 * are carried over), free it.
 */
void offload_retire(struct ofl_plan *plan, struct fp_ruleset *old_fp);

/* Fold the hardware counts so far into fp's counters (before a read). */
void offload_fold_counters(struct ofl_plan *plan, struct fp_ruleset *fp);

/*
 * A generation was published (after its counters were carried over):
 * start counting its rules' software hits for re-plans from here.
 */
void offload_generation(const struct ir_ruleset *ir, const struct fp_ruleset *fp);

/*
 * --offload-replan: when some rule of *plan is out of hardware for want of
 * room, fold the hardware counters, plan again ranked by hits (the plan's
 * hardware counts and the rules' software counters since the plan was
 * made) and, if the plan changes, install it next to the old one, publish
 * its MARK table in fp (both plans' ids known while both can mark; an RCU
 * grace period after each publication), remove the old rules, fold their
 * last counts, free the old plan: *plan is the new one.  An install that
 * fails keeps the old plan.  1: re-planned, 0: nothing to do or same
 * plan, -errno (logged).
 */
int offload_replan(const struct ir_ruleset *ir, struct fp_ruleset *fp,
		   struct ofl_plan **plan);

/* Print the plan (--offload-plan). */
void offload_print(FILE *f, const struct ofl_plan *plan);

/*
 * --check --offload-plan: plan against assumed capabilities, without
 * DPDK ports or rte_flow calls, and print it.
 */
int offload_check(const struct cfg *c, const struct ir_ruleset *ir,
		  const char *const *port_names, unsigned int n_ports);

/* Free the context (after the last plan was retired). */
void offload_stop(void);

#endif /* NFTFWD_OFFLOAD_H */
