/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NFTFWD_RULESET_H
#define NFTFWD_RULESET_H

/*
 * The ruleset's life cycle on the control thread: read (nft file, or the
 * host's live table) -> IR -> compiled for the fastpath -> published to the
 * workers with RCU.  A load that fails at any step changes nothing: the
 * previous ruleset stays active, and the error says what and where.
 *
 * Threading: control thread only.
 * Errors: 0 or -errno; messages are printed here (nft's own stderr
 * verbatim, then one line of ours), so callers only choose the exit code.
 */

#include <stdio.h>

#include <jansson.h>

#include "control/cfg.h"

/*
 * --check: load the ruleset with the configured port names, print it as
 * the forwarder understands it (and write --dump-ir), without DPDK.
 * Returns the process exit code (0 or 2).
 */
int ruleset_check(const struct cfg *c);

/*
 * Load the configured ruleset (-f or --mirror) for the ports in fwd_ctx,
 * compile it and publish it.  Called once before the workers start.
 * -EINVAL (and friends) for a bad ruleset: exit code 2.
 */
int ruleset_start(const struct cfg *c);

/*
 * SIGHUP: read the ruleset again (-f: the file, through nft, as at start;
 * --mirror: a fresh dump of the table), compile it and swap it in.  A file
 * that does not load or compile changes nothing: the error is printed
 * naming the file and the running generation stays.  Without a ruleset
 * it only logs.  Returns 1 when a new generation is active, 0 when nothing
 * changed, -errno when the reload was refused.  Never fatal.
 */
int ruleset_reload(void);

/* Mirror: the fd to poll for events, -1 without --mirror. */
int ruleset_mirror_fd(void);

/* Mirror: consume events; on a change, compile and swap.  Never fatal. */
void ruleset_mirror_process(void);

/* The active ruleset's counters, as "ruleset": {...} in the stats JSON. */
json_t *ruleset_stats_json(void);

/* Print the active ruleset's rule counters (final stats). */
void ruleset_print_counters(FILE *f);

/*
 * --offload-replan: choose the active generation's hardware rules again by
 * hits when its ports' rule budget is short (control/offload.h).  1 when
 * the plan changed, 0 when not, -errno when the old plan stays.
 */
int ruleset_offload_replan(void);

/*
 * Remove the hardware rules, folding their final counts into the rules'
 * counters; the software ruleset stays.  Before the ports close.
 */
void ruleset_release_hardware(void);

/* Unpublish and free everything (after the workers stopped). */
void ruleset_stop(void);

#endif /* NFTFWD_RULESET_H */
