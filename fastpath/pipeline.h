/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NFTFWD_PIPELINE_H
#define NFTFWD_PIPELINE_H

/*
 * The per-packet path: every received burst goes through
 * pipeline_burst(), which decides each packet's fate and hands it to the
 * tx path (fwd_tx_send, fwd_tx_enqueue) or frees and counts it (fwd_drop).
 *
 * Threading: called on worker lcores only, with the lcore's own state;
 * lock-free, no allocation, no syscalls.
 * Ownership: the packets belong to the pipeline from the call on.
 */

#include <stdint.h>

#include <rte_mbuf.h>

#include "fastpath/fwd.h"

/* pkts[0..n) received on in_port; bytes: the sum of their pkt_len. */
void pipeline_burst(struct fwd_lcore *lc, uint16_t in_port,
		    struct rte_mbuf **pkts, uint16_t n, uint64_t bytes);

#endif /* NFTFWD_PIPELINE_H */
