/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-packet decision.  Until a ruleset is compiled in, every packet is
 * accepted, and an accepted packet leaves through its input port's peer.
 */

#include "fastpath/pipeline.h"

void
pipeline_burst(struct fwd_lcore *lc, uint16_t in_port,
	       struct rte_mbuf **pkts, uint16_t n)
{
	const uint16_t out_port = fwd_ctx.port[in_port].peer;
	uint16_t i;

	for (i = 0; i < n; i++)
		fwd_tx_enqueue(lc, out_port, pkts[i]);
}
