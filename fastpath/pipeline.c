/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-packet decision: parse the burst into the kernel's view, run the
 * published ruleset on each packet, act on the result.  Without a ruleset,
 * every packet is accepted and leaves through its input port's peer.
 */

#include <string.h>

#include "fastpath/cls.h"
#include "fastpath/interp.h"
#include "fastpath/pipeline.h"
#include "fastpath/pkt_view.h"
#include "rte_flow/ofl_marks.h"

/*
 * A packet the NIC marked: the hardware already decided the rules before
 * the mark's position.  Returns false when the mark means nothing to this
 * generation (another generation's id, another port's) or resumes at the
 * first rule: evaluate it all.
 */
static inline bool
pipeline_resume(const struct fp_ruleset *rs, struct fwd_lcore *lc,
		uint16_t in_port, struct rte_mbuf *m, const struct pkt_view *v,
		struct interp_result *res)
{
	/* a periodic re-plan publishes a new table under this generation */
	const struct ofl_marktab *t = __atomic_load_n(&rs->ofl_marks, __ATOMIC_ACQUIRE);
	struct ofl_mark_ent e = ofl_mark_resolve(t, m->hash.fdir.hi);

	if (e.kind == OFL_MARK_NONE || e.port_idx != in_port)
		return false;
	/*
	 * Resuming at the port's very first rule is evaluating everything:
	 * leave it to the caller (the compiled classifier), which does that
	 * faster than the interpreter resumes (a match-all punt on the first
	 * rule marks every frame on NICs that take little).
	 */
	if (e.kind != OFL_MARK_ACCEPT && e.hook_idx == 0 && e.rule_idx == 0)
		return false;
	if (e.kind == OFL_MARK_ACCEPT && e.hook_idx >= rs->ports[in_port].n_hooks &&
	    likely(v->flags & PKT_VIEW_F_HOOK)) {
		/* Every base chain accepted in hardware (and the kernel would
		 * see the frame at all: a tagged runt matches a match-all
		 * entry, interp_run_from() drops it). */
		memset(res, 0, sizeof(*res));
		res->disp = INTERP_ACCEPT;
		res->out_port = fwd_ctx.port[in_port].peer;
		return true;
	}
	/*
	 * The interpreter, not cls_run_from(): per packet (one rte_acl
	 * classify each, no result cache) the classifier's resume measured
	 * slower than the interpreter's walk of the rules left (bench_offload,
	 * edge-filter on nopriority: partial 147 -> 420 cycles/frame). A
	 * resume batched over the burst's marked packets is the way to use it.
	 */
	interp_run_from(rs, lc->worker_idx, in_port, m, v, e.hook_idx,
			e.rule_idx, 0, res);
	return true;
}

/* No ruleset: the burst leaves as it came, like testpmd io. */
static void
pipeline_accept_all(struct fwd_lcore *lc, uint16_t in_port,
		    struct rte_mbuf **pkts, uint16_t n, uint64_t bytes)
{
	fwd_tx_send(lc, fwd_ctx.port[in_port].peer, pkts, n, bytes);
}

/* Act on one packet's result: extra frames first, then the packet. */
static inline void
pipeline_act(struct fwd_lcore *lc, uint16_t in_port, struct rte_mbuf *m,
	     const struct interp_result *res)
{
	uint16_t e;

	for (e = 0; e < res->n_extra; e++)
		fwd_tx_enqueue(lc, res->extra[e].port, res->extra[e].m);
	switch (res->disp) {
	case INTERP_ACCEPT:
	case INTERP_FWD:
		fwd_tx_enqueue(lc, res->out_port, m);
		break;
	case INTERP_STOLEN:
		break;
	case INTERP_DROP:
	default:
		fwd_drop(lc, in_port, m);
		break;
	}
}

/*
 * Act on n results in order, as pipeline_act() on each would: runs of
 * packets leaving through one port without extra frames are sent together
 * (fwd_tx_send), drops freed in bulk; anything else goes through
 * pipeline_act() after what came before it has been handed over.
 */
static inline void
pipeline_act_burst(struct fwd_lcore *lc, uint16_t in_port,
		   struct rte_mbuf **pkts, uint16_t n,
		   const struct interp_result *res)
{
	struct rte_mbuf *run[CLS_BURST_MAX], *drop[CLS_BURST_MAX];
	uint16_t i, nr = 0, nd = 0, run_port = 0;
	uint64_t run_bytes = 0;

	for (i = 0; i < n; i++) {
		const struct interp_result *r = &res[i];
		struct rte_mbuf *m = pkts[i];

		if (likely(r->n_extra == 0)) {
			if (r->disp == INTERP_DROP) {
				drop[nd++] = m;
				continue;
			}
			if ((r->disp == INTERP_ACCEPT || r->disp == INTERP_FWD) &&
			    (nr == 0 || r->out_port == run_port)) {
				run_port = r->out_port;
				run[nr++] = m;
				run_bytes += rte_pktmbuf_pkt_len(m);
				continue;
			}
		}
		if (nr != 0) {
			fwd_tx_send(lc, run_port, run, nr, run_bytes);
			nr = 0;
			run_bytes = 0;
		}
		pipeline_act(lc, in_port, m, r);
	}
	if (nr != 0)
		fwd_tx_send(lc, run_port, run, nr, run_bytes);
	if (nd != 0) {
		fwd_counter_add(&lc->cnt[in_port].drop_rule, nd);
		rte_pktmbuf_free_bulk(drop, nd);
	}
}

/*
 * The compiled classifier (fastpath/cls.h): one classification per burst
 * and base chain, the same results as interp_run() packet by packet.
 * Packets the NIC marked resume where the hardware left them instead.
 */
static void
pipeline_burst_cls(const struct fp_ruleset *rs, struct fwd_lcore *lc,
		   uint16_t in_port, struct rte_mbuf **pkts, uint16_t n,
		   const struct pkt_view *views)
{
	struct interp_result res[CLS_BURST_MAX];
	struct rte_mbuf *sub[CLS_BURST_MAX];
	struct pkt_view subv[CLS_BURST_MAX];
	uint16_t i, off, k;

	for (off = 0; off < n; off += k) {
		uint16_t chunk = RTE_MIN((uint16_t)(n - off), (uint16_t)CLS_BURST_MAX);
		bool marked = false;

		if (rs->ofl_marks != NULL)
			for (i = 0; i < chunk && !marked; i++)
				marked = (pkts[off + i]->ol_flags &
					  RTE_MBUF_F_RX_FDIR_ID) != 0;
		if (likely(!marked)) {
			cls_run_burst(rs->cls, lc->worker_idx, in_port, pkts + off,
				      views + off, chunk, res);
			pipeline_act_burst(lc, in_port, pkts + off, chunk, res);
			k = chunk;
			continue;
		}
		/*
		 * Marked packets resume from their mark; the runs of other
		 * packets between them go through the classifier. Both in
		 * arrival order: stateful rules (quota, limit) see packets as
		 * the kernel does, and frames leave in the order they came.
		 */
		k = 0;
		for (i = 0; i <= chunk; i++) {
			struct rte_mbuf *m = i < chunk ? pkts[off + i] : NULL;
			uint16_t j;

			if (m != NULL && !(m->ol_flags & RTE_MBUF_F_RX_FDIR_ID)) {
				sub[k] = m;
				subv[k++] = views[off + i];
				continue;
			}
			if (k > 0) {
				cls_run_burst(rs->cls, lc->worker_idx, in_port, sub,
					      subv, k, res);
				for (j = 0; j < k; j++)
					pipeline_act(lc, in_port, sub[j], &res[j]);
				k = 0;
			}
			if (m == NULL)
				break;
			if (pipeline_resume(rs, lc, in_port, m, &views[off + i], &res[0])) {
				pipeline_act(lc, in_port, m, &res[0]);
				continue;
			}
			sub[k] = m;
			subv[k++] = views[off + i];
		}
		k = chunk;
	}
}

void
pipeline_burst(struct fwd_lcore *lc, uint16_t in_port,
	       struct rte_mbuf **pkts, uint16_t n, uint64_t bytes)
{
	const struct fp_ruleset *rs = fwd_ruleset_get();
	struct pkt_view views[FWD_MAX_BURST];
	struct interp_result res;
	uint16_t i, e;

	if (rs == NULL) {
		pipeline_accept_all(lc, in_port, pkts, n, bytes);
		return;
	}
	pkt_view_parse_burst(pkts, n, &fwd_ctx.port[in_port].mac, views);
	if (rs->cls != NULL) {
		pipeline_burst_cls(rs, lc, in_port, pkts, n, views);
		return;
	}
	for (i = 0; i < n; i++) {
		if (rs->ofl_marks == NULL ||
		    !(pkts[i]->ol_flags & RTE_MBUF_F_RX_FDIR_ID) ||
		    !pipeline_resume(rs, lc, in_port, pkts[i], &views[i], &res))
			interp_run(rs, lc->worker_idx, in_port, pkts[i], &views[i], &res);
		/* dup copies and reject replies leave before the packet */
		for (e = 0; e < res.n_extra; e++)
			fwd_tx_enqueue(lc, res.extra[e].port, res.extra[e].m);
		switch (res.disp) {
		case INTERP_ACCEPT:
		case INTERP_FWD:
			fwd_tx_enqueue(lc, res.out_port, pkts[i]);
			break;
		case INTERP_STOLEN:
			break;
		case INTERP_DROP:
		default:
			fwd_drop(lc, in_port, pkts[i]);
			break;
		}
	}
}
