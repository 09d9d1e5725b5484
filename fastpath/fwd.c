/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Worker loop, shaped like l3fwd's: state fetched once, rx bursts per
 * queue, the pipeline, and a TSC-timed drain of partial tx buffers.
 */

#include <errno.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>

#include "fastpath/fwd.h"
#include "fastpath/pipeline.h"

RTE_LOG_REGISTER_SUFFIX(fwd_logtype, fastpath, INFO);
#define FWD_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, fwd_logtype, "fastpath: " fmt "\n", ##__VA_ARGS__)

struct fwd_ctx fwd_ctx;

int
fwd_rcu_init(void)
{
	size_t sz = rte_rcu_qsbr_get_memsize(fwd_ctx.n_workers);
	struct rte_rcu_qsbr *v;

	v = rte_zmalloc("fwd_rcu", sz, RTE_CACHE_LINE_SIZE);
	if (v == NULL)
		return -ENOMEM;
	if (rte_rcu_qsbr_init(v, fwd_ctx.n_workers) != 0) {
		rte_free(v);
		return -EINVAL;
	}
	fwd_ctx.rcu = v;
	return 0;
}

struct fp_ruleset *
fwd_ruleset_swap(struct fp_ruleset *next)
{
	struct fp_ruleset *prev;

	prev = __atomic_exchange_n(&fwd_ctx.ruleset, next, __ATOMIC_ACQ_REL);
	/* Workers that are offline (not started, or stopped) hold nothing. */
	if (fwd_ctx.rcu != NULL)
		rte_rcu_qsbr_synchronize(fwd_ctx.rcu, RTE_QSBR_THRID_INVALID);
	return prev;
}

/* Hand pkts[0..n) to the port's tx queue now; bytes: their pkt_len sum. */
static inline void
fwd_tx_burst(struct fwd_lcore *lc, uint16_t port_idx, struct rte_mbuf **pkts,
	     uint16_t n, uint64_t bytes)
{
	const struct fwd_txbuf *tb = &lc->tx[port_idx];
	struct fwd_counters *cnt = &lc->cnt[port_idx];
	uint64_t unsent_bytes = 0;
	uint16_t i, sent;

	if (tb->lock != NULL)
		rte_spinlock_lock(tb->lock);
	sent = rte_eth_tx_burst(tb->port_id, tb->queue, pkts, n);
	if (tb->lock != NULL)
		rte_spinlock_unlock(tb->lock);

	if (unlikely(sent < n)) {
		for (i = sent; i < n; i++)
			unsent_bytes += rte_pktmbuf_pkt_len(pkts[i]);
		rte_pktmbuf_free_bulk(&pkts[sent], n - sent);
		fwd_counter_add(&cnt->drop_tx, n - sent);
	}
	fwd_counter_add(&cnt->tx_pkts, sent);
	fwd_counter_add(&cnt->tx_bytes, bytes - unsent_bytes);
}

void
fwd_tx_flush(struct fwd_lcore *lc, uint16_t port_idx)
{
	struct fwd_txbuf *tb = &lc->tx[port_idx];
	uint64_t bytes = 0;
	uint16_t i, n = tb->n;

	if (n == 0)
		return;
	/* The mbufs may be freed by the PMD once sent: count bytes first. */
	for (i = 0; i < n; i++)
		bytes += rte_pktmbuf_pkt_len(tb->pkts[i]);
	tb->n = 0;
	fwd_tx_burst(lc, port_idx, tb->pkts, n, bytes);
}

void
fwd_tx_send(struct fwd_lcore *lc, uint16_t port_idx, struct rte_mbuf **pkts,
	    uint16_t n, uint64_t bytes)
{
	if (lc->tx[port_idx].n != 0)
		fwd_tx_flush(lc, port_idx);
	if (n != 0)
		fwd_tx_burst(lc, port_idx, pkts, n, bytes);
}

static void
fwd_tx_flush_all(struct fwd_lcore *lc, unsigned int n_ports)
{
	unsigned int p;

	for (p = 0; p < n_ports; p++)
		fwd_tx_flush(lc, p);
}

int
fwd_lcore_main(void *arg)
{
	struct fwd_lcore *lc = arg;
	struct rte_mbuf *pkts[FWD_MAX_BURST];
	const unsigned int n_ports = fwd_ctx.n_ports;
	const uint64_t drain_tsc = fwd_ctx.drain_tsc;
	const uint16_t burst = lc->burst;
	const uint16_t n_rxq = lc->n_rxq;
	uint64_t prev_tsc = rte_rdtsc();
	uint16_t q;

	if (n_rxq == 0) {
		FWD_LOG(INFO, "lcore %u has no rx queue, idle", lc->lcore_id);
		return 0;
	}
	for (q = 0; q < n_rxq; q++)
		FWD_LOG(INFO, "lcore %u polls port %s (id %u) queue %u",
			lc->lcore_id, fwd_ctx.port[lc->rxq[q].port_idx].name,
			lc->rxq[q].port_id, lc->rxq[q].queue);

	rte_rcu_qsbr_thread_register(fwd_ctx.rcu, lc->worker_idx);
	rte_rcu_qsbr_thread_online(fwd_ctx.rcu, lc->worker_idx);
	while (!fwd_quit_requested()) {
		const uint64_t cur_tsc = rte_rdtsc();

		/* No ruleset reference survives a loop iteration. */
		rte_rcu_qsbr_quiescent(fwd_ctx.rcu, lc->worker_idx);

		if (unlikely(cur_tsc - prev_tsc > drain_tsc)) {
			fwd_tx_flush_all(lc, n_ports);
			prev_tsc = cur_tsc;
		}

		for (q = 0; q < n_rxq; q++) {
			const struct fwd_rxq *rxq = &lc->rxq[q];
			struct fwd_counters *cnt = &lc->cnt[rxq->port_idx];
			uint64_t bytes = 0;
			uint16_t i, n;

			n = rte_eth_rx_burst(rxq->port_id, rxq->queue, pkts, burst);
			if (n == 0)
				continue;
			/* the parse prefetches the data it reads, if any */
			for (i = 0; i < n; i++)
				bytes += rte_pktmbuf_pkt_len(pkts[i]);
			fwd_counter_add(&cnt->rx_pkts, n);
			fwd_counter_add(&cnt->rx_bytes, bytes);
			__atomic_store_n(&lc->last_rx_tsc, cur_tsc,
				__ATOMIC_RELAXED);
			pipeline_burst(lc, rxq->port_idx, pkts, n, bytes);
		}
	}
	rte_rcu_qsbr_thread_offline(fwd_ctx.rcu, lc->worker_idx);
	rte_rcu_qsbr_thread_unregister(fwd_ctx.rcu, lc->worker_idx);
	fwd_tx_flush_all(lc, n_ports);
	return 0;
}
