/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NFTFWD_FP_STATE_H
#define NFTFWD_FP_STATE_H

/*
 * fp_state - the runtime state of a compiled ruleset: counters, limits,
 * quotas, and the clock the limits read.
 *
 * Contract
 * - Counters (struct fp_counters): one array of slots per worker lcore, each
 *   array on its own cache lines, so no two lcores ever write one line. A
 *   slot has one writer (its lcore): updates are relaxed atomic stores of
 *   the new value (a plain add in the generated code), no locked
 *   instructions. Readers (control thread) sum the lcores with relaxed
 *   loads: totals may be a few packets behind but are never torn. `base`
 *   holds the IR's initial values plus what a reload carried over; only the
 *   control thread writes it (relaxed atomics too).
 * - Limits (struct fp_limit): the kernel's nft_limit token bucket
 *   (net/netfilter/nft_limit.c, 6.x): tokens are nanoseconds, refilled by
 *   the time elapsed since the last evaluation, capped at tokens_max; one
 *   spinlock per limit (the kernel also locks each limit), on its own cache
 *   line.
 * - Quotas (struct fp_quota): the kernel's nft_quota: an atomic add of the
 *   packet length to `consumed`, then "over" when consumed > bytes (kernel
 *   6.15+, commit bfe7cfb65c75; older kernels used >=).
 * - Clock: nanoseconds from an injectable function (tests use a fake one).
 *   The default reads the TSC: no syscall.
 * - Byte order: everything here is host order.
 * - Errors: init functions return 0 or -errno; the eval functions never
 *   fail.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_spinlock.h>

#include "control/ir/ir.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- clock ---------------------------------------------------------------- */

/* Monotonic nanoseconds. Must be callable from any lcore. */
typedef uint64_t (*fp_clock_fn)(void *arg);

/* Default clock: rte_get_tsc_cycles() converted to ns (arg unused). */
uint64_t fp_clock_tsc_ns(void *arg);

/* ---- counters ------------------------------------------------------------- */

struct fp_counter {
	uint64_t packets;
	uint64_t bytes;
};

struct fp_counters {
	unsigned int n_lcores;
	uint32_t n_slots;
	struct fp_counter *init;	/* [n_slots] IR values (immutable) */
	struct fp_counter *base;	/* [n_slots] init + carried (control) */
	struct fp_counter **lcore;	/* [n_lcores][n_slots], cache aligned */
};

int fp_counters_init(struct fp_counters *c, uint32_t n_slots,
		     unsigned int n_lcores);
void fp_counters_free(struct fp_counters *c);

/* Datapath: count one packet of `bytes` on lcore's copy of slot. */
static inline void
fp_counters_add(const struct fp_counters *c, unsigned int lcore,
		uint32_t slot, uint32_t bytes)
{
	struct fp_counter *k;

	if (unlikely(lcore >= c->n_lcores || slot >= c->n_slots))
		return;
	k = &c->lcore[lcore][slot];
	__atomic_store_n(&k->packets, k->packets + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&k->bytes, k->bytes + bytes, __ATOMIC_RELAXED);
}

/* Control: the total of a slot (base + every lcore). */
void fp_counters_read(const struct fp_counters *c, uint32_t slot,
		      struct fp_counter *out);
/* Control: add to a slot's base (reload carry-over). */
void fp_counters_base_add(struct fp_counters *c, uint32_t slot,
			  const struct fp_counter *add);

/* ---- limits --------------------------------------------------------------- */

struct fp_limit {
	/* configuration, immutable after fp_limit_init() */
	uint64_t rate;
	uint64_t nsecs;		/* unit in ns */
	uint64_t tokens_max;
	uint64_t cost;		/* packet limits: ns per packet */
	uint32_t burst;
	bool bytes;		/* IR_LIMIT_BYTES */
	bool invert;
	/* runtime, under lock */
	rte_spinlock_t lock;
	uint64_t last;		/* clock of the last evaluation */
	uint64_t tokens;
} __rte_cache_aligned;

/*
 * nft_limit_init(): rate 0 -> -EINVAL; unit*1e9, rate+burst, the bucket
 * size overflowing 64 bits -> -EOVERFLOW. A packet limit with burst 0 gets
 * the kernel's default burst of 5. The bucket starts full at `now`.
 */
int fp_limit_init(struct fp_limit *l, const struct ir_limit *ir, uint64_t now);

/*
 * nft_limit_eval(): true when the rule goes on (under the rate, or over it
 * with `over`), false when it stops (NFT_BREAK). skb_len is the packet
 * length from the network header (byte limits only).
 */
bool fp_limit_eval(struct fp_limit *l, uint64_t now, uint32_t skb_len);

/* Same bucket parameters (reload carries the tokens only then). */
bool fp_limit_same_config(const struct fp_limit *a, const struct fp_limit *b);

/* ---- quotas --------------------------------------------------------------- */

struct fp_quota {
	uint64_t bytes;
	uint64_t init_consumed;	/* IR value */
	bool invert;
	uint64_t consumed;	/* atomic */
} __rte_cache_aligned;

void fp_quota_init(struct fp_quota *q, const struct ir_quota *ir);

/* nft_quota_do_eval(): true when the rule goes on. */
static inline bool
fp_quota_eval(struct fp_quota *q, uint32_t skb_len)
{
	uint64_t consumed = __atomic_add_fetch(&q->consumed, skb_len,
					       __ATOMIC_RELAXED);
	bool over = consumed > q->bytes;

	return !(over ^ q->invert);
}

/* Raw consumed bytes (may exceed bytes; the kernel dumps min(both)). */
static inline uint64_t
fp_quota_consumed(const struct fp_quota *q)
{
	return __atomic_load_n(&q->consumed, __ATOMIC_RELAXED);
}

#ifdef __cplusplus
}
#endif

#endif /* NFTFWD_FP_STATE_H */
