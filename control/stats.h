/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NFTFWD_STATS_H
#define NFTFWD_STATS_H

/*
 * Port statistics: the workers' per-lcore software counters summed per
 * port, next to what the device itself counts (rte_eth_stats).
 *
 * Threading: control thread only; reads the workers' counters with relaxed
 * loads while they run, so a snapshot may be a burst behind.
 */

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "fastpath/fwd.h"

struct stats_port {
	char device[64];	/* DPDK device name, kept past port close */
	uint64_t rx_pkts;
	uint64_t rx_bytes;
	uint64_t tx_pkts;
	uint64_t tx_bytes;
	uint64_t drop_rule;	/* received, dropped by the ruleset */
	uint64_t drop_tx;	/* refused by the tx queue, freed */
	uint64_t hw_imissed;	/* dropped by the device: rx ring full */
	uint64_t hw_nombuf;	/* dropped by the device: no mbuf */
	uint64_t hw_ierrors;
	uint64_t hw_oerrors;
};

/* Sum the counters of every port into out[0 .. fwd_ctx.n_ports - 1]. */
void stats_collect(struct stats_port *out);

/*
 * Print a table of every port.  With prev and secs > 0, add the rx/tx
 * packet rates since prev.
 */
void stats_print(FILE *f, const char *title, const struct stats_port *cur,
		 const struct stats_port *prev, double secs);

/*
 * Write the snapshot as JSON ({"elapsed_s", "mbufs_in_use", "tsc_hz",
 * "ports": {NAME: {...}}, "ruleset": ruleset}); 0 or -errno.  Takes the
 * reference to ruleset (may be NULL: no "ruleset" key).
 */
int stats_write_json(const char *path, const struct stats_port *cur,
		     double elapsed_s, unsigned int mbufs_in_use,
		     json_t *ruleset);

#endif /* NFTFWD_STATS_H */
