/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NFTFWD_FLOWEMU_INT_H
#define NFTFWD_FLOWEMU_INT_H

/*
 * flowemu internals shared by flowemu.c (ports, rules, actions, rx hook),
 * flowemu_match.c (items: validation, frame parsing, matching) and
 * flowemu_interpose.c (the rte_flow symbols).
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_flow.h>
#include <rte_rwlock.h>

#include "tests/flowemu/flowemu.h"

/* Header kinds of the emulator; the frame parser produces the same. */
enum flowemu_hdr {
	FLOWEMU_H_ETH,
	FLOWEMU_H_VLAN,
	FLOWEMU_H_IPV4,
	FLOWEMU_H_IPV6,
	FLOWEMU_H_TCP,
	FLOWEMU_H_UDP,
	FLOWEMU_H_SCTP,
	FLOWEMU_H_ICMP,
	FLOWEMU_H_ICMP6,
	FLOWEMU_H_MAX,
};

/*
 * An item's key: the wire header bytes (same layout as the item's hdr)
 * followed by one byte per flag bit of the item (has_vlan, has_more_vlan,
 * IPv6 has_*_ext), 0 or 1.  The largest is IPv6: 40 + 9.
 */
#define FLOWEMU_KEY_MAX 52
#define FLOWEMU_MAX_ITEMS 8
#define FLOWEMU_MAX_LAYERS 16

struct flowemu_item {
	uint8_t hdr;			/* enum flowemu_hdr */
	uint8_t range_fields;		/* number of entries in range[] */
	uint8_t range[12];		/* field indexes matched as ranges */
	uint8_t spec[FLOWEMU_KEY_MAX];	/* masked */
	uint8_t mask[FLOWEMU_KEY_MAX];
	uint8_t eq[FLOWEMU_KEY_MAX];	/* mask without the range fields */
	uint8_t last[FLOWEMU_KEY_MAX];	/* masked; used for range fields */
};

struct flowemu_pattern {
	uint8_t n;
	struct flowemu_item item[FLOWEMU_MAX_ITEMS];
};

/* A parsed frame: the header stack as the emulated NIC's parser sees it. */
struct flowemu_layer {
	uint8_t hdr;		/* enum flowemu_hdr */
	uint16_t off;		/* offset in the frame */
	uint8_t flags[9];	/* the key's flag bytes */
};

struct flowemu_frame {
	const uint8_t *data;
	uint32_t len;
	uint8_t n;
	struct flowemu_layer l[FLOWEMU_MAX_LAYERS];
};

/* Name of a header kind for messages ("IPV4"). */
const char *flowemu_hdr_name(unsigned int hdr);

/* Store a formatted message in thread-local storage; returns it. */
const char *flowemu_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Check the pattern against profile p and translate it into pat.
 * 0, or -rte_errno with error set (type, cause, message).
 */
int flowemu_pattern_parse(const struct flowemu_profile *p,
			  const struct rte_flow_item pattern[],
			  struct flowemu_pattern *pat,
			  struct rte_flow_error *error);

/* Parse a frame (len bytes, contiguous) into its header stack. */
void flowemu_frame_parse(const struct flowemu_profile *p, const uint8_t *data,
			 uint32_t len, struct flowemu_frame *f);

/* Does the frame match the pattern? */
bool flowemu_pattern_match(const struct flowemu_profile *p,
			   const struct flowemu_pattern *pat,
			   const struct flowemu_frame *f);

/* The emulator side of the interposed calls (flowemu.c). */
struct flowemu_port;
struct flowemu_port *flowemu_port_get(uint16_t port_id);
int flowemu_port_validate(struct flowemu_port *fp, const struct rte_flow_attr *attr,
			  const struct rte_flow_item pattern[],
			  const struct rte_flow_action actions[],
			  struct rte_flow_error *error);
struct rte_flow *flowemu_port_create(struct flowemu_port *fp,
				     const struct rte_flow_attr *attr,
				     const struct rte_flow_item pattern[],
				     const struct rte_flow_action actions[],
				     struct rte_flow_error *error);
int flowemu_port_destroy(struct flowemu_port *fp, struct rte_flow *flow,
			 struct rte_flow_error *error);
int flowemu_port_flush(struct flowemu_port *fp, struct rte_flow_error *error);
int flowemu_port_query(struct flowemu_port *fp, struct rte_flow *flow,
		       const struct rte_flow_action *action, void *data,
		       struct rte_flow_error *error);
int flowemu_port_isolate(struct flowemu_port *fp, int set, struct rte_flow_error *error);
int flowemu_port_metadata(uint16_t port_id, uint64_t *features);
/* After a real rte_eth_dev_start(): attach the port if NFTFWD_FLOWEMU names it. */
int flowemu_port_started(uint16_t port_id);
/* Before a real rte_eth_dev_close(): detach. */
void flowemu_port_closing(uint16_t port_id);

int flowemu_err(struct rte_flow_error *error, int code, enum rte_flow_error_type type,
		const void *cause, const char *msg);

#endif /* NFTFWD_FLOWEMU_INT_H */
