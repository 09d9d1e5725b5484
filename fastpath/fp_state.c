/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fp_state.c - counters, limits and quotas of a compiled ruleset.
 *
 * Thread safety: see fp_state.h. The per-lcore counter arrays are separate
 * cache-aligned allocations, so an lcore's stores never share a line with
 * another lcore's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include "fastpath/fp_state.h"

#define FP_NSEC_PER_SEC			1000000000ull
#define FP_LIMIT_PKT_BURST_DEFAULT	5	/* nft_limit.c, as iptables */

uint64_t
fp_clock_tsc_ns(void *arg)
{
	uint64_t hz = rte_get_tsc_hz();
	uint64_t c = rte_get_tsc_cycles();

	RTE_SET_USED(arg);
	if (unlikely(hz == 0))
		return 0;
	return (c / hz) * FP_NSEC_PER_SEC + (c % hz) * FP_NSEC_PER_SEC / hz;
}

/* ---- counters ------------------------------------------------------------- */

int
fp_counters_init(struct fp_counters *c, uint32_t n_slots, unsigned int n_lcores)
{
	size_t sz = (size_t)(n_slots ? n_slots : 1) * sizeof(struct fp_counter);

	memset(c, 0, sizeof(*c));
	if (n_lcores == 0)
		return -EINVAL;
	sz = RTE_ALIGN_CEIL(sz, RTE_CACHE_LINE_SIZE);
	c->n_lcores = n_lcores;
	c->n_slots = n_slots;
	c->init = calloc(n_slots ? n_slots : 1, sizeof(*c->init));
	c->base = calloc(n_slots ? n_slots : 1, sizeof(*c->base));
	c->lcore = calloc(n_lcores, sizeof(*c->lcore));
	if (c->init == NULL || c->base == NULL || c->lcore == NULL)
		goto nomem;
	for (unsigned int i = 0; i < n_lcores; i++) {
		void *p = NULL;

		if (posix_memalign(&p, RTE_CACHE_LINE_SIZE, sz) != 0)
			goto nomem;
		memset(p, 0, sz);
		c->lcore[i] = p;
	}
	return 0;
nomem:
	fp_counters_free(c);
	return -ENOMEM;
}

void
fp_counters_free(struct fp_counters *c)
{
	if (c->lcore != NULL)
		for (unsigned int i = 0; i < c->n_lcores; i++)
			free(c->lcore[i]);
	free(c->lcore);
	free(c->init);
	free(c->base);
	memset(c, 0, sizeof(*c));
}

void
fp_counters_read(const struct fp_counters *c, uint32_t slot,
		 struct fp_counter *out)
{
	out->packets = 0;
	out->bytes = 0;
	if (slot >= c->n_slots)
		return;
	out->packets = __atomic_load_n(&c->base[slot].packets, __ATOMIC_RELAXED);
	out->bytes = __atomic_load_n(&c->base[slot].bytes, __ATOMIC_RELAXED);
	for (unsigned int i = 0; i < c->n_lcores; i++) {
		const struct fp_counter *k = &c->lcore[i][slot];

		out->packets += __atomic_load_n(&k->packets, __ATOMIC_RELAXED);
		out->bytes += __atomic_load_n(&k->bytes, __ATOMIC_RELAXED);
	}
}

void
fp_counters_base_add(struct fp_counters *c, uint32_t slot,
		     const struct fp_counter *add)
{
	if (slot >= c->n_slots)
		return;
	__atomic_fetch_add(&c->base[slot].packets, add->packets, __ATOMIC_RELAXED);
	__atomic_fetch_add(&c->base[slot].bytes, add->bytes, __ATOMIC_RELAXED);
}

/* ---- limits --------------------------------------------------------------- */

int
fp_limit_init(struct fp_limit *l, const struct ir_limit *ir, uint64_t now)
{
	uint64_t rate_with_burst, tokens;

	memset(l, 0, sizeof(*l));
	rte_spinlock_init(&l->lock);
	l->rate = ir->rate;
	if (l->rate == 0)
		return -EINVAL;
	if (__builtin_mul_overflow(ir->unit, FP_NSEC_PER_SEC, &l->nsecs))
		return -EOVERFLOW;
	l->burst = ir->burst;
	l->bytes = ir->type == IR_LIMIT_BYTES;
	if (!l->bytes && l->burst == 0)
		l->burst = FP_LIMIT_PKT_BURST_DEFAULT;
	if (__builtin_add_overflow(l->rate, (uint64_t)l->burst, &rate_with_burst))
		return -EOVERFLOW;
	if (!l->bytes) {
		uint64_t tmp = l->nsecs / l->rate;

		if (__builtin_mul_overflow(tmp, (uint64_t)l->burst, &tokens))
			return -EOVERFLOW;
		l->cost = tmp;
	} else {
		uint64_t tmp;

		/* tokens_max = unit * (rate + burst) / rate */
		if (__builtin_mul_overflow(l->nsecs, rate_with_burst, &tmp))
			return -EOVERFLOW;
		tokens = tmp / l->rate;
	}
	l->tokens_max = tokens;
	l->tokens = tokens;
	l->invert = ir->invert;
	l->last = now;
	return 0;
}

bool
fp_limit_eval(struct fp_limit *l, uint64_t now, uint32_t skb_len)
{
	uint64_t cost, tokens;
	int64_t delta;
	bool broke;

	/* nft_limit_bytes_eval(): the product wraps like the kernel's u64 */
	cost = l->bytes ? (l->nsecs * (uint64_t)skb_len) / l->rate : l->cost;

	rte_spinlock_lock(&l->lock);
	tokens = l->tokens + now - l->last;
	if (tokens > l->tokens_max)
		tokens = l->tokens_max;
	l->last = now;
	delta = (int64_t)(tokens - cost);
	if (delta >= 0) {
		l->tokens = (uint64_t)delta;
		broke = l->invert;
	} else {
		l->tokens = tokens;
		broke = !l->invert;
	}
	rte_spinlock_unlock(&l->lock);
	return !broke;
}

bool
fp_limit_same_config(const struct fp_limit *a, const struct fp_limit *b)
{
	return a->rate == b->rate && a->nsecs == b->nsecs &&
	       a->burst == b->burst && a->bytes == b->bytes &&
	       a->invert == b->invert;
}

/* ---- quotas --------------------------------------------------------------- */

void
fp_quota_init(struct fp_quota *q, const struct ir_quota *ir)
{
	memset(q, 0, sizeof(*q));
	q->bytes = ir->bytes;
	q->invert = ir->invert;
	q->init_consumed = ir->consumed;
	q->consumed = ir->consumed;
}
