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
 * The hardware model the planner relies on (what the emulated NIC in
 * tests/flowemu implements, and what mlx5/ice do for well-formed frames):
 * - ETH has_vlan = 0 (masked) matches untagged frames; has_vlan = 1 frames
 *   with a 0x8100 or 0x88a8 first tag; ETH type is the outer type or TPID.
 * - VLAN is the first tag; its inner_type is the type after it.
 * - IPV4/IPV6 fields are the header bytes; next_proto_id/proto the raw
 *   field. L4 items match the header right after a well-formed IPv4 header
 *   (version 4, ihl >= 5, total length consistent) or a fixed IPv6 header,
 *   and never a non-first fragment.
 * - Keys that rely on IPv6 without extension headers or on unfragmented
 *   IPv4 are installed only under the planner's guard rules (ofl_plan.c).
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
