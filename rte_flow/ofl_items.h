/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NFTFWD_OFL_ITEMS_H
#define NFTFWD_OFL_ITEMS_H

/*
 * ofl_items - a canonical key (ofl_key.h) as an rte_flow pattern, the
 * planner's action lists, and both printed in testpmd `flow create` syntax.
 *
 * Contract
 * - Threading: control thread; no global state.
 * - Consumed-mask discipline (OVS netdev-offload-dpdk): the key's mask is
 *   copied, every bit written into an item's spec/mask is cleared from the
 *   copy, and a pattern is refused (-ENOTSUP, why names the byte) when any
 *   bit is left: a hardware rule is never wider than the key.
 * - Byte order: item spec/mask/last are network order (rte_flow); MARK ids
 *   host order.
 * - Ownership: struct ofl_pattern / ofl_actions hold the item and action
 *   arrays and everything they point to; they are plain values (copyable
 *   before use, not after: the arrays point into the struct).
 *
 * The NIC model the planner relies on (ofl_plan.c), what the emulated NIC
 * in tests/flowemu implements and the brute-force test in tests/offload
 * simulates. It is the PMD-neutral reading of the rte_flow items: headers
 * are found by type, version and presence, never by length fields (length
 * checks are what RTE_FLOW_ITEM_TYPE_INTEGRITY adds on the PMDs that have
 * it, mlx5; we do not use it). Per frame, the NIC finds these headers:
 * - ETH: the frame has 14 bytes. ETH type is the outer EtherType or TPID
 *   as on the wire. Tags are 0x8100 and 0x88a8 only (what the kernel
 *   untags; a port configured with another outer TPID, e.g. 0x9100, breaks
 *   the model), each present when its 4 bytes are in the frame. has_vlan
 *   (masked) = "at least one tag present"; VLAN is the first tag, its
 *   inner_type the 2 bytes after it.
 * - IPV4: after the tags, type 0x0800, version 4, ihl >= 5, and the whole
 *   header (ihl * 4 bytes) in the frame. Total length and checksum are not
 *   looked at. Fields are the header bytes.
 * - IPV6: type 0x86dd, version 6, 40 bytes in the frame; payload length not
 *   looked at; extension headers are walked for the L4 item.
 * - TCP/UDP/SCTP/ICMP/ICMP6: right after the IPv4 header (at ihl * 4) or the
 *   IPv6 extension headers, when the item's fixed header (20/8/12/8/4
 *   bytes) is in the frame; never on a non-first fragment; on a first
 *   fragment PMD-dependent.
 * A pattern matches when every item's header is found (in order) and its
 * fields match. What differs from the kernel's view (pkt_view.h), and how
 * the planner copes:
 * - the kernel's network-header loads (`ip saddr`, `ip6 nexthdr`, ...) read
 *   any frame of that meta protocol that has the bytes; the L3 item does
 *   not match frames the NIC does not parse as IPv4/IPv6 (bad version,
 *   ihl < 5, cut header): such a key is narrower than its rule there
 *   (guarded: ofl_plan.c, "narrow classes");
 * - the kernel's transport loads read the bytes they need, the L4 item
 *   wants its whole fixed header: narrower on truncated transport headers
 *   (guarded likewise); IPv4 fragments and IPv6 extension headers: the
 *   fragment and extension-header guards;
 * - `meta l4proto` and transport loads need the kernel's header checks
 *   (IPv4 ihl * 4 <= total length <= packet, IPv6 40 + payload length <=
 *   packet), no item makes them: such keys (OFL_KF_KT) are wider than their
 *   rule on frames with bad lengths, so they never decide in hardware
 *   (partial: software re-checks the rule);
 * - the kernel never sees tagged frames shorter than 20 bytes (freed before
 *   the hook); a key without an L3 item can match some: harmless for drops
 *   and marks (software drops them), but such a key's COUNT would count
 *   them: counted rules need keys that cannot (ofl_plan.c).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_flow.h>

#include "rte_flow/ofl_key.h"

#ifdef __cplusplus
extern "C" {
#endif

#define OFL_MAX_ITEMS 6
#define OFL_MAX_ACTIONS 5
#define OFL_MAX_QUEUES 128

struct ofl_pattern {
	struct rte_flow_item items[OFL_MAX_ITEMS];
	struct rte_flow_item_eth eth[2];	/* spec, mask */
	struct rte_flow_item_vlan vlan[2];
	union {
		struct rte_flow_item_ipv4 ipv4;
		struct rte_flow_item_ipv6 ipv6;
	} l3[2];
	union {
		struct rte_flow_item_tcp tcp;
		struct rte_flow_item_udp udp;
		struct rte_flow_item_sctp sctp;
		struct rte_flow_item_icmp icmp;
		struct rte_flow_item_icmp6 icmp6;
	} l4[3];				/* spec, mask, last */
	unsigned int n;				/* items before END */
};

/* The deepest item a key's pattern carries. */
enum ofl_depth {
	OFL_DEPTH_L2 = 0,	/* ETH (/ VLAN) */
	OFL_DEPTH_L3,		/* ... / IPV4 or IPV6 */
	OFL_DEPTH_L4,		/* ... / TCP, UDP, SCTP, ICMP or ICMP6 */
};

unsigned int ofl_key_depth(const struct ofl_key *k);

/* Build the pattern of key k. 0, or -ENOTSUP with why set. */
int ofl_pattern_build(const struct ofl_key *k, struct ofl_pattern *p,
		      char *why, size_t why_len);

enum ofl_fate {
	OFL_FATE_DROP = 0,	/* DROP */
	OFL_FATE_SOFT,		/* [MARK id] + QUEUE/RSS to the software queues */
};

struct ofl_act_cfg {
	enum ofl_fate fate;
	bool count;
	bool mark;		/* MARK id (SOFT only) */
	uint32_t mark_id;
	uint16_t n_queues;	/* software rx queues: 1 -> QUEUE 0, else RSS */
};

struct ofl_actions {
	struct rte_flow_action a[OFL_MAX_ACTIONS];
	struct rte_flow_action_mark mark;
	struct rte_flow_action_queue queue;
	struct rte_flow_action_rss rss;
	struct rte_flow_action_count count;
	uint16_t queues[OFL_MAX_QUEUES];
};

void ofl_actions_build(const struct ofl_act_cfg *c, struct ofl_actions *a);

/*
 * testpmd syntax: "flow create PORT [group G] priority P ingress pattern
 * ... / end actions ... / end". Returns the length written (snprintf).
 */
int ofl_testpmd(char *buf, size_t len, uint16_t port_id,
		const struct rte_flow_attr *attr,
		const struct rte_flow_item *items,
		const struct rte_flow_action *actions);

#ifdef __cplusplus
}
#endif

#endif /* NFTFWD_OFL_ITEMS_H */
