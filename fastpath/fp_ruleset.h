/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NFTFWD_FP_RULESET_H
#define NFTFWD_FP_RULESET_H

/*
 * fp_ruleset - a ruleset IR bound to the forwarder's ports, with runtime
 * state: what the reference interpreter (interp.h) executes.
 *
 * Contract
 * - Build/free/read/carry run on the control thread; fp_ruleset_build() is
 *   not thread-safe with itself on the same objects (it only reads the IR).
 * - After build, everything is immutable except the runtime state (counters,
 *   limits, quotas, per-lcore log state), which interp_run() updates from
 *   any number of lcores at once (lcore_idx < n_lcores, one thread per
 *   lcore_idx) while the control thread reads it.
 * - Ownership: the fp_ruleset keeps pointers into the IR: the IR must stay
 *   alive, unchanged, until fp_ruleset_free(). The caller owns both.
 * - Port binding (done once, here): port i runs, in order, every base chain
 *   whose devices include port i's name, sorted by ascending priority; at
 *   equal priority the chain registered last runs first (the kernel's
 *   nf_hook_entries_grow() inserts a new hook before existing hooks of equal
 *   priority), and registration order is taken to be the IR's order (tables,
 *   then chains, as dumped: creation order). Device ids map to ports by
 *   name; a device that is no port never matches `meta iif`; a port that is
 *   no IR device gets an iif id no IR value holds. `fwd`/`dup` to a device
 *   that is not a port is a build error naming the rule.
 * - The build refuses what the kernel itself would refuse (jumps deeper than
 *   NFT_JUMP_STACK_SIZE = 16 levels, -EMLINK, counted like the kernel's
 *   nft_chain_validate(): jumps, gotos and vmap targets alike; jumps to
 *   base chains, -ELOOP; limits with rate 0 or overflowing buckets) and what
 *   the interpreter cannot run (-EOPNOTSUPP); errors are -errno with a
 *   message in opts->err naming the table, chain and rule handle.
 * - Byte order: IR values are the kernel's register images; nothing here
 *   converts them. Counter and quota values are host order.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/ir/ir.h"
#include "fastpath/fp_state.h"

#ifdef __cplusplus
extern "C" {
#endif

/* nf_tables.h: jumps the kernel follows (and validates) at most. */
#define FP_JUMP_STACK_SIZE	16
/* No state slot for an item. */
#define FP_NO_SLOT		UINT32_MAX
/* out_port of an accepted packet when no peers were given at build. */
#define FP_PORT_PEER		UINT16_MAX

struct fp_ruleset_opts {
	const char *const *port_names;	/* [n_ports], index = port index */
	unsigned int n_ports;
	const uint16_t *peers;		/* [n_ports] or NULL (FP_PORT_PEER) */
	unsigned int n_lcores;		/* worker lcores (lcore_idx range) */
	fp_clock_fn clock;		/* NULL: fp_clock_tsc_ns */
	void *clock_arg;
	uint8_t reject_ttl;		/* 0: 64 (net.ipv4.ip_default_ttl) */
	uint8_t reject_hoplimit;	/* 0: 64 (net.ipv6.conf.all.hop_limit) */
	uint32_t log_per_sec;		/* log lines per lcore per second; 0: 10 */
	uint32_t reject_flags;		/* FP_REJECT_F_* (fp_act.h) */
	char *err;			/* optional message buffer */
	size_t err_len;
};

/* ---- compiled form (read by interp.c; treat as private elsewhere) -------- */

struct fp_chain;
struct ofl_marktab;

struct fp_rule {
	const struct ir_rule *ir;
	const uint32_t *slot;		/* [ir->nitems]: state slot or FP_NO_SLOT */
};

struct fp_chain {
	const struct ir_chain *ir;
	uint32_t table_idx;
	uint32_t chain_idx;
	const struct fp_rule *rules;	/* [ir->nrules] */
};

struct fp_table {
	const struct ir_table *ir;
	const struct fp_chain *chains;	/* [ir->nchains] */
	const uint32_t *obj_slot;	/* [ir->nobjects] */
};

struct fp_port {
	char name[IR_IFNAMSIZ];		/* NUL-padded, as `meta iifname` loads */
	uint32_t iif_id;		/* device id, or ndevices + port index */
	uint16_t peer;
	uint32_t n_hooks;
	const struct fp_chain **hooks;	/* base chains in execution order */
};

/* Per-lcore scratch state (log rate limiting, lost outputs). */
struct fp_lcore_state {
	uint64_t log_window;		/* clock (ns) of the current second */
	uint32_t log_lines;		/* lines logged in that second */
	uint64_t log_suppressed;	/* lines not logged (rate limit) */
	uint64_t extra_lost;		/* dup/reject frames beyond the result */
	uint64_t alloc_failed;		/* dup/reject mbufs not allocated */
	uint64_t jumpstack_drops;	/* NFT_JUMP_STACK_SIZE overflows */
} __rte_cache_aligned;

struct fp_ruleset {
	const struct ir_ruleset *ir;
	unsigned int n_ports;
	unsigned int n_lcores;
	struct fp_port *ports;
	struct fp_table *tables;	/* [ir->ntables] */
	int32_t *dev_port;		/* [ir->ndevices]: port index or -1 */
	struct fp_counters counters;
	struct fp_limit *limits;
	uint32_t n_limits;
	struct fp_quota *quotas;
	uint32_t n_quotas;
	struct fp_lcore_state *lcore;	/* [n_lcores] */
	fp_clock_fn clock;
	void *clock_arg;
	uint8_t reject_ttl;
	uint8_t reject_hoplimit;
	uint32_t log_per_sec;
	uint32_t reject_flags;
	/* Offload: the MARK ids of this generation's hardware plan (NULL:
	 * none), published with it so that marks and rule positions agree. */
	const struct ofl_marktab *ofl_marks;
	/* The compiled classifier (fastpath/cls.h) built for this ruleset
	 * (NULL: none, the interpreter runs every packet) and its destructor,
	 * called by fp_ruleset_free(). Set by the control thread before the
	 * ruleset is published. */
	void *cls;
	void (*cls_free)(void *cls);
	void *mem;			/* private: allocations */
};

/* Slots: a counter slot, a limit index or a quota index, by item kind. */

/* ---- API ------------------------------------------------------------------ */

/* Build from ir (see the contract). *out on success; -errno otherwise. */
int fp_ruleset_build(const struct ir_ruleset *ir,
		     const struct fp_ruleset_opts *opts,
		     struct fp_ruleset **out);

/* Free (NULL is a no-op). No lcore may still be running it. */
void fp_ruleset_free(struct fp_ruleset *rs);

/* Base chains port runs, in order; -ENOENT for a table/chain it does not
 * run. The index is what interp_run_from() takes. */
int fp_ruleset_hook_index(const struct fp_ruleset *rs, uint16_t port,
			  const char *table, const char *chain);

/*
 * Read the nth (0-based) inline counter / quota statement of rule `handle`
 * in table/chain: 0 or -ENOENT. Quota: consumed is the raw byte count (the
 * kernel's dump shows min(consumed, bytes)).
 */
int fp_ruleset_rule_counter(const struct fp_ruleset *rs, const char *table,
			    const char *chain, uint64_t handle, unsigned int nth,
			    struct fp_counter *out);
int fp_ruleset_rule_quota(const struct fp_ruleset *rs, const char *table,
			  const char *chain, uint64_t handle, unsigned int nth,
			  uint64_t *consumed);
/* Named objects of a table: 0 or -ENOENT. */
int fp_ruleset_obj_counter(const struct fp_ruleset *rs, const char *table,
			   const char *name, struct fp_counter *out);
int fp_ruleset_obj_quota(const struct fp_ruleset *rs, const char *table,
			 const char *name, uint64_t *consumed);

/*
 * Control: add delta (packets and bytes the NIC counted for the rule) to
 * every counter of rule (table_idx, chain_idx, rule_idx): its inline
 * counters and the named counters it references.
 */
void fp_ruleset_rule_counter_add(struct fp_ruleset *rs, uint32_t table_idx,
				 uint32_t chain_idx, uint32_t rule_idx,
				 const struct fp_counter *delta);

/*
 * Reload: carry runtime state from `from` (the previous generation) into
 * `to`, for the same rule (same handle in the same table/chain and the
 * same definition, counter values aside: ir_rule_str_flags() with
 * IR_PRINT_NO_STATE; a rule replaced under its handle starts afresh, as
 * in the kernel) (the nth
 * counter/limit/quota statement to the nth of the same kind) and for named
 * objects with the same table, type and name:
 * - counters and quotas: the traffic `from` counted (its totals minus its
 *   IR's initial values) is added on top of `to`'s IR values;
 * - limits: tokens and timestamp are copied when rate/unit/burst/type/over
 *   are unchanged (otherwise the new bucket starts full).
 * Safe while lcores run either ruleset; exact (no increment lost) once no
 * lcore runs `from` any more, e.g. after the RCU grace period of the swap,
 * before fp_ruleset_free(from). Returns how many slots were carried.
 */
unsigned int fp_ruleset_carry_state(struct fp_ruleset *to,
				    const struct fp_ruleset *from);

/* Sum of a per-lcore statistic over lcores (field offset in
 * struct fp_lcore_state), for stats. */
uint64_t fp_ruleset_lcore_stat(const struct fp_ruleset *rs, size_t offset);

#ifdef __cplusplus
}
#endif

#endif /* NFTFWD_FP_RULESET_H */
