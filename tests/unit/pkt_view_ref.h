/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NFTFWD_PKT_VIEW_REF_H
#define NFTFWD_PKT_VIEW_REF_H

/*
 * A second, deliberately naive model of the netdev ingress view, written as a
 * line-by-line transliteration of the kernel code over a simulated skb (flat
 * buffer, data/mac offsets, skb->len, the VLAN header really moved the way
 * skb_reorder_vlan_header() moves it). Tests and the fuzzer compare
 * fastpath/pkt_view.c against it; it is never used by the product.
 *
 * Threading: pure functions on caller-owned structs. Payload loads follow
 * the kernel's domain: offset and len at most 255 (NLA_POLICY_MAX).
 */

#include <stdbool.h>
#include <stdint.h>

#define PV_REF_MAX_FRAME	16384
#define PV_REF_HEADROOM		64

struct pv_ref_skb {
	uint8_t mem[PV_REF_HEADROOM + PV_REF_MAX_FRAME];
	int data;		/* skb->data, index into mem */
	int mac;		/* skb_mac_header() */
	int network;		/* skb_network_header() */
	uint32_t len;		/* skb->len */
	uint16_t protocol;	/* ntohs(skb->protocol) */
	uint16_t vlan_proto;	/* ntohs(skb->vlan_proto) */
	uint16_t vlan_tci;	/* host order */
	bool vlan_present;
	uint8_t pkt_type;
	bool hook;		/* reached nft_do_chain_netdev() */
	/* struct nft_pktinfo */
	bool l4proto_set;
	uint8_t tprot;
	uint32_t thoff;
	uint16_t fragoff;
};

/* Receive frame (flen <= PV_REF_MAX_FRAME) on a device with MAC dev_addr. */
void pv_ref_receive(struct pv_ref_skb *skb, const uint8_t *frame,
		    uint32_t flen, const uint8_t dev_addr[6]);

/* nft_payload_eval(): base 0..3 as enum nft_payload_bases. */
bool pv_ref_payload(const struct pv_ref_skb *skb, int base, uint8_t offset,
		    uint8_t len, uint8_t *dst);

#endif /* NFTFWD_PKT_VIEW_REF_H */
