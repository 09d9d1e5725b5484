/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NFTFWD_FWD_H
#define NFTFWD_FWD_H

/*
 * The worker lcore loop: rx burst -> pipeline -> tx burst (whole runs of
 * packets going one way) or tx buffer (the rest) -> tx burst.
 *
 * Threading: the control thread fills struct fwd_ctx and every struct
 * fwd_lcore before rte_eal_remote_launch(); after that the workers only
 * read fwd_ctx (except `quit`, which the control thread sets) and each
 * worker owns its struct fwd_lcore.  The control thread may read the
 * counters at any time: each is a naturally aligned 64-bit word written by
 * one lcore only, read with relaxed atomic loads, so totals may be a burst
 * behind but never torn.
 *
 * The compiled ruleset is published through fwd_ctx.ruleset with RCU: a
 * worker loads the pointer once per rx burst and reports a quiescent state
 * (fwd_ctx.rcu, thread id = worker index) once per loop, where it holds no
 * reference; the control thread swaps the pointer, waits for every worker
 * to pass a quiescent state, then frees the old ruleset.
 *
 * Ports are named by index into fwd_ctx.port[] (the order of --port), never
 * by DPDK port id, so the ruleset compilers and the stats agree on them.
 * Ownership: a packet handed to fwd_tx_enqueue() or fwd_tx_send() belongs to the tx path; it
 * is sent or freed and counted, never leaked.
 */

#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>

#include <rte_common.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_spinlock.h>

struct fp_ruleset;

#define FWD_MAX_PORTS 32
#define FWD_MAX_TXQ 128
#define FWD_MAX_BURST 512
#define FWD_MAX_RXQ_PER_LCORE 256
#define FWD_DRAIN_US 100	/* partial tx buffers wait at most this long */

struct fwd_port {
	uint16_t port_id;	/* DPDK port id */
	uint16_t peer;		/* port index accepted packets leave through */
	uint16_t n_txq;
	bool tx_shared;		/* fewer tx queues than workers: lock them */
	char name[IFNAMSIZ];
	struct rte_ether_addr mac;	/* for meta pkttype */
	rte_spinlock_t txq_lock[FWD_MAX_TXQ];
};

/* Per (lcore, port); one cache line each so lcores never share a line. */
struct fwd_counters {
	uint64_t rx_pkts;	/* received on this port */
	uint64_t rx_bytes;
	uint64_t tx_pkts;	/* sent out of this port */
	uint64_t tx_bytes;
	uint64_t drop_rule;	/* received here, dropped by the ruleset */
	uint64_t drop_tx;	/* meant for this port, refused by its tx queue */
} __rte_cache_aligned;

struct fwd_rxq {
	uint16_t port_idx;
	uint16_t port_id;
	uint16_t queue;
};

struct fwd_txbuf {
	uint16_t port_id;
	uint16_t queue;
	uint16_t n;
	rte_spinlock_t *lock;	/* NULL when this lcore owns the queue */
	struct rte_mbuf *pkts[FWD_MAX_BURST];
};

struct fwd_lcore {
	unsigned int lcore_id;
	unsigned int worker_idx;
	uint16_t burst;
	uint16_t n_rxq;
	struct fwd_rxq rxq[FWD_MAX_RXQ_PER_LCORE];
	uint64_t last_rx_tsc;	/* TSC of the last non-empty rx burst */
	struct fwd_counters cnt[FWD_MAX_PORTS];
	struct fwd_txbuf tx[FWD_MAX_PORTS];
} __rte_cache_aligned;

struct fwd_ctx {
	unsigned int n_ports;
	struct fwd_port port[FWD_MAX_PORTS];
	unsigned int n_workers;
	struct fwd_lcore *worker[RTE_MAX_LCORE];
	uint64_t drain_tsc;
	bool quit;		/* set by the control thread, __atomic access */
	struct rte_rcu_qsbr *rcu;	/* one reader per worker */
	struct fp_ruleset *ruleset;	/* NULL: accept everything; __atomic */
};

/* The one forwarding context of the process. */
extern struct fwd_ctx fwd_ctx;

/* Worker entry point for rte_eal_remote_launch(); arg is the fwd_lcore. */
int fwd_lcore_main(void *arg);

/* Allocate fwd_ctx.rcu for fwd_ctx.n_workers readers; 0 or -ENOMEM. */
int fwd_rcu_init(void);

/*
 * Publish a new ruleset (NULL: accept everything) and return the previous
 * one once no worker can still use it: the caller frees it.  Control
 * thread only; blocks for at most one loop of every worker.
 */
struct fp_ruleset *fwd_ruleset_swap(struct fp_ruleset *next);

/* The ruleset a worker uses for its current burst. */
static inline const struct fp_ruleset *
fwd_ruleset_get(void)
{
	return __atomic_load_n(&fwd_ctx.ruleset, __ATOMIC_ACQUIRE);
}

/* Ask every worker to flush its tx buffers and return. */
static inline void
fwd_request_quit(void)
{
	__atomic_store_n(&fwd_ctx.quit, true, __ATOMIC_RELEASE);
}

static inline bool
fwd_quit_requested(void)
{
	return __atomic_load_n(&fwd_ctx.quit, __ATOMIC_ACQUIRE);
}

/* Send what is buffered for port_idx. */
void fwd_tx_flush(struct fwd_lcore *lc, uint16_t port_idx);

/*
 * Send pkts[0..n) out of port_idx now, after what is buffered for it (the
 * order packets leave in is the order they were handed over); bytes is the
 * sum of their pkt_len. A whole rx burst going one way leaves like this,
 * as testpmd io sends it, without a copy into the buffer. The packets
 * belong to the tx path from the call on (pkts[] itself stays the
 * caller's).
 */
void fwd_tx_send(struct fwd_lcore *lc, uint16_t port_idx,
		 struct rte_mbuf **pkts, uint16_t n, uint64_t bytes);

/* Queue m for transmission out of port_idx; sent with the next full burst
 * or the next drain. */
static inline void
fwd_tx_enqueue(struct fwd_lcore *lc, uint16_t port_idx, struct rte_mbuf *m)
{
	struct fwd_txbuf *tb = &lc->tx[port_idx];

	tb->pkts[tb->n++] = m;
	if (unlikely(tb->n >= lc->burst))
		fwd_tx_flush(lc, port_idx);
}

/*
 * Counters have one writer (their lcore): a relaxed store of the new value
 * compiles to a plain add but keeps the concurrent reader well defined.
 */
static inline void
fwd_counter_add(uint64_t *c, uint64_t v)
{
	__atomic_store_n(c, *c + v, __ATOMIC_RELAXED);
}

/* A packet the ruleset dropped, received on in_port. */
static inline void
fwd_drop(struct fwd_lcore *lc, uint16_t in_port, struct rte_mbuf *m)
{
	fwd_counter_add(&lc->cnt[in_port].drop_rule, 1);
	rte_pktmbuf_free(m);
}

/* Relaxed read of a counter another lcore writes. */
static inline uint64_t
fwd_counter_read(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

#endif /* NFTFWD_FWD_H */
