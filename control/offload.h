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
