/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NFTFWD_PORTS_H
#define NFTFWD_PORTS_H

/*
 * Port set-up: turn the configured NAME=DEVICE list into DPDK ports in
 * fwd_ctx.port[], configure their queues, start them.
 *
 * Threading: control thread only, after rte_eal_init() and before the
 * workers are launched (ports_close() after they returned).
 * Errors: 0 or -errno, one line in err naming the port; nothing exits.
 * -EINVAL means the configuration is wrong (exit code 2), anything else a
 * runtime failure.
 */

#include <stddef.h>

#include "control/cfg.h"

/*
 * Resolve every configured port (device name, vdev arguments, which are
 * hot-plugged, or port id) and its peer into fwd_ctx.port[].  Without
 * configured ports, every DPDK port is used, named port<id>.
 */
int ports_resolve(const struct cfg *c, char *err, size_t err_len);

/*
 * Configure and start every port: c->queues rx queues (RSS over
 * IP/TCP/UDP when the PMD has it), one tx queue per worker where the PMD
 * allows it (shared under a lock otherwise), VLAN stripping off,
 * promiscuous on; unless --offload off, MARK delivery negotiated first.
 */
int ports_start(const struct cfg *c, unsigned int n_workers, char *err,
		size_t err_len);

/* Stop and close every port that was started (flushes pcap writers). */
void ports_close(void);

/*
 * mbufs of our pools not back in them.  After ports_close() with drivers
 * that hold no buffers once closed (pcap, null), anything but 0 is a leak;
 * net_ring keeps what is still queued in its rings.
 */
unsigned int ports_mbufs_in_use(void);

#endif /* NFTFWD_PORTS_H */
