/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NFTFWD_FLOWEMU_H
#define NFTFWD_FLOWEMU_H

/*
 * flowemu: a test-only emulated rte_flow NIC over an ordinary DPDK port.
 *
 * What it is.  A port created as usual (net_ring, net_pcap, net_null, ...)
 * is "attached" with a capability profile.  From then on rte_flow_validate,
 * rte_flow_create, rte_flow_destroy, rte_flow_flush, rte_flow_query,
 * rte_flow_isolate and rte_eth_rx_metadata_negotiate on that port are
 * answered by the emulator (this library defines those symbols and reaches
 * the real ones through dlsym(RTLD_NEXT) for every other port), and every
 * burst the port receives goes through the installed rules before the
 * application sees it (an Rx callback installed first on each queue):
 * DROP frees the mbuf, MARK/FLAG set RTE_MBUF_F_RX_FDIR(_ID) and
 * m->hash.fdir.hi the way PMDs deliver USER_MARK, QUEUE/RSS steer the
 * packet to another rx queue of the port, COUNT counts hits and bytes,
 * JUMP goes to another group, PASSTHRU makes a rule non-terminating, no
 * match delivers the packet unmarked to the queue it arrived on.  Matching
 * follows rte_flow.h item by item (spec/mask/last, default masks, has_vlan,
 * ETH type as TPID before VLAN, NULL spec = "header present"); what the
 * documentation leaves to the PMD is a profile setting (README.md).
 *
 * How it gets into a program (README.md has the details):
 *   - link flowemu_lib whole into the executable (meson link_whole): the
 *     executable's own rte_flow_* definitions win for every call it makes;
 *   - or LD_PRELOAD=libflowemu.so with the unmodified binary.
 * With NFTFWD_FLOWEMU set, rte_eth_dev_start() (also interposed) attaches
 * the named ports right after the real start returns; nothing has to be
 * called.  flowemu_attach_from_env() does the same explicitly.
 *
 * Threading: attach, detach, fault injection and every rte_flow call are
 * control-thread functions (any one thread at a time per port).  Rules
 * may be created, destroyed and queried while other lcores receive on
 * the port: the rule table is under a per-port rwlock that the rx path
 * takes for reading once per burst; counters are atomics.  Each rx queue
 * must be polled by one lcore at a time (as DPDK requires anyway).
 * Detach only while nothing receives on the port.
 *
 * Byte order: spec/mask/last are network order, as rte_flow defines them;
 * MARK ids and counters are host order.
 *
 * Errors: rte_flow calls report through struct rte_flow_error like a PMD:
 * type, cause (the offending attr/item/item spec/mask/last, action or
 * action conf), and a message "flowemu(<profile>): ..." naming what was
 * refused; the message lives in thread-local storage until the next error
 * on the same thread.  The other functions return 0 or -errno.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

/* The tie-break when rules of one group and priority overlap (undefined in rte_flow). */
enum flowemu_tie {
	FLOWEMU_TIE_NEWEST,	/* the most recently created rule wins */
	FLOWEMU_TIE_OLDEST,	/* the first created rule wins */
};

/* What a mask may look like per header field. */
enum flowemu_mask_mode {
	FLOWEMU_MASK_ANY,	/* any bits */
	FLOWEMU_MASK_FULL,	/* each field all ones or all zeroes */
};

/* Actions a profile may offer: bits of RTE_FLOW_ACTION_TYPE_* values. */
#define FLOWEMU_ACT(t) (UINT64_C(1) << (t))

struct flowemu_profile {
	const char *name;
	/* Every rule is refused at validation with this text (ENOTSUP). */
	const char *refuse_all;
	uint32_t max_rules;	/* rules per port; create fails with ENOSPC beyond */
	uint32_t max_group;	/* highest group accepted (0: group 0 only) */
	uint32_t max_priority;	/* highest priority value accepted */
	uint32_t max_mark;	/* highest MARK id accepted */
	uint64_t actions;	/* FLOWEMU_ACT(RTE_FLOW_ACTION_TYPE_x) bits */
	enum flowemu_mask_mode mask_mode;
	enum flowemu_tie tie;
	bool ranges;		/* 'last' ranges accepted */
	bool l2_optional;	/* a pattern may start above ETH ("anywhere") */
	/*
	 * An L3 item right after an ETH/VLAN item that masks neither its
	 * type field nor has_vlan/has_more_vlan also matches across VLAN tags
	 * that the pattern does not list (mlx5-like); otherwise every tag
	 * must be an item (strict stacking, ice/i40e-like).
	 */
	bool vlan_transparent;
	/* L4 items match the first fragment of a fragmented datagram. */
	bool l4_first_frag;
	/* A rule with no fate action is accepted (terminating, default queue). */
	bool no_fate_ok;
	/* A rule with the same attributes and pattern as an existing one is refused (EEXIST). */
	bool refuse_duplicate;
	/* Only the common fields may be masked (README.md); others: all header fields. */
	bool common_fields_only;
};

extern const struct flowemu_profile flowemu_profile_rich;
extern const struct flowemu_profile flowemu_profile_nopriority;
extern const struct flowemu_profile flowemu_profile_smalltable;
extern const struct flowemu_profile flowemu_profile_none;

/* A built-in profile by name ("rich", "nopriority", "smalltable", "none"), or NULL. */
const struct flowemu_profile *flowemu_profile_find(const char *name);

/*
 * Attach a configured port (rx queues set up; normally started) with a copy
 * of profile p.  -EEXIST if attached, -EINVAL for a port without rx queues,
 * -ENODEV for an unknown port, -ENOMEM.  Rules are kept across stop/start;
 * an interposed rte_eth_dev_close() detaches first.
 */
int flowemu_attach(uint16_t port_id, const struct flowemu_profile *p);

/* Flush the rules and remove the rx hook.  -ENOENT if not attached. */
int flowemu_detach(uint16_t port_id);

bool flowemu_attached(uint16_t port_id);

/*
 * Fault injection: the nth rte_flow_create() on the port from now (1 = the
 * next one) fails with errno err and the message "flowemu: injected
 * failure"; later creates succeed again.  nth = 0 cancels.
 */
int flowemu_fail_create(uint16_t port_id, unsigned int nth, int err);

struct flowemu_stats {
	uint64_t rx;		/* packets that went through the rule table */
	uint64_t dropped;	/* by DROP */
	uint64_t marked;	/* delivered with a MARK id */
	uint64_t flagged;	/* delivered with FLAG only */
	uint64_t steered;	/* sent to another rx queue by QUEUE/RSS */
	uint64_t steer_full;	/* steered but the queue's backlog was full: freed */
	uint64_t created;	/* successful rte_flow_create() */
	uint64_t destroyed;	/* rules removed by destroy or flush */
	uint64_t create_failed;	/* refused creates, injected failures included */
	uint64_t injected;	/* injected create failures */
	uint32_t rules;		/* rules installed now */
	uint64_t rx_metadata;	/* features agreed by rte_eth_rx_metadata_negotiate */
	bool negotiated;	/* rte_eth_rx_metadata_negotiate() was called */
};

int flowemu_stats_get(uint16_t port_id, struct flowemu_stats *st);

/*
 * Apply the port's rules to a burst received on queue, as the rx hook does:
 * dropped packets are freed, packets for another queue are queued there,
 * the rest are compacted to the front of pkts in order; returns how many.
 * Packets steered to this queue earlier are not added (the hook does that).
 */
uint16_t flowemu_apply(uint16_t port_id, uint16_t queue,
		       struct rte_mbuf **pkts, uint16_t n);

/*
 * NFTFWD_FLOWEMU="DEV=PROFILE[:fail_create=N],...": DEV is a DPDK device
 * name (net_ring0, 0000:3b:00.0), a port id, or * for every port.
 * Attaches every started port it names that is not attached yet; returns
 * how many it attached, or -EINVAL (bad variable) / another -errno.
 * Unset or empty: 0.  The interposed rte_eth_dev_start() calls this for
 * the port it started.
 */
int flowemu_attach_from_env(void);

#endif /* NFTFWD_FLOWEMU_H */
