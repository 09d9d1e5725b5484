/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NFTFWD_FP_ACT_H
#define NFTFWD_FP_ACT_H

/*
 * fp_act - what rules do to packets: payload mangling with the kernel's
 * checksum fix-ups, dup copies, reject replies, checksum helpers.
 *
 * Contract
 * - Threading: pure functions of their arguments (no global state); call
 *   from any lcore. No syscalls. Allocation only in fp_act_dup() and
 *   fp_act_reject(), from the mempool the packet came from.
 * - Byte order: frame bytes are network order; checksum sums are computed
 *   on the byte stream as big-endian 16-bit words (bytes at even stream
 *   positions are high bytes), which gives bit-identical results to the
 *   kernel's native-order csum_partial() once folded.
 * - Frames: offsets count from frame byte 0 (the Ethernet header); a
 *   removed VLAN tag is still in the mbuf (see pkt_view.h). Multi-segment
 *   mbufs are supported.
 * - Writes need a writable mbuf (direct, refcnt 1: what rx gives); an
 *   indirect or shared mbuf is not modified and the write fails (the kernel
 *   would un-share it first: see fp_act_payload_set()).
 * - Errors: false / NULL where the kernel gives NFT_BREAK or sends nothing.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "control/ir/ir.h"
#include "fastpath/pkt_view.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- checksums ------------------------------------------------------------ */

/* Ones' complement sum of len bytes at p, added to sum (32-bit partial). */
uint32_t fp_csum_partial(const void *p, uint32_t len, uint32_t sum);
/* 32-bit ones' complement add (csum_add). */
static inline uint32_t
fp_csum_add(uint32_t a, uint32_t b)
{
	uint32_t r = a + b;

	return r + (r < a);
}
/* Fold to 16 bits, not complemented (csum_fold() returns ~this). */
static inline uint16_t
fp_csum_fold16(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}
/* Sum of frame bytes [off, off + len); false if not all in the frame. */
bool fp_csum_frame(const struct rte_mbuf *m, uint32_t off, uint32_t len,
		   uint32_t *sum);

/* ---- frame access --------------------------------------------------------- */

bool fp_act_read(const struct rte_mbuf *m, uint32_t off, uint32_t len,
		 void *dst);
/* Store len bytes at off; false when out of the frame or not writable. */
bool fp_act_write(struct rte_mbuf *m, uint32_t off, uint32_t len,
		  const void *src);

/* ---- statements ----------------------------------------------------------- */

/*
 * nft_payload_set_eval() (net/netfilter/nft_payload.c, 6.x) on the packet m
 * seen as v: write len bytes of src at base + offset, after
 * - IR_CSUM_INET: the 16-bit checksum at base + csum_offset updated
 *   incrementally (nft_csum_replace(): a result of 0 is stored as 0xffff);
 * - csum_flags & NFT_PAYLOAD_L4CSUM_PSEUDOHDR (1): the L4 checksum updated
 *   likewise (TCP, UDP unless its checksum is 0, UDP-Lite, ICMPv6; not on
 *   fragments; nothing for other protocols: nft_payload_l4csum_update());
 * and, after the write, IR_CSUM_SCTP: the SCTP CRC32c recomputed over the
 * transport header to the end of the frame.
 * Link-layer writes address the header the kernel sees, with the removed
 * VLAN tag out of the way: offsets 12-13 are the (inner) ethertype and 14+
 * the network header, so the tag itself is never written (the kernel keeps
 * it in skb->vlan_tci and re-inserts it on egress).
 * Returns false where the kernel breaks the rule (bytes outside the frame,
 * TH on a packet without a transport header or a non-first fragment). The
 * checksum is written before the data, as in the kernel.
 */
bool fp_act_payload_set(struct rte_mbuf *m, const struct pkt_view *v,
			enum ir_payload_base base, uint32_t offset,
			uint32_t len, const uint8_t *src,
			enum ir_csum_type csum_type, uint32_t csum_offset,
			uint32_t csum_flags);

/* nf_dup_netdev_egress(): a full copy of m (data included, so later
 * mangling of m does not show in it) from m's mempool; NULL on no memory. */
struct rte_mbuf *fp_act_dup(struct rte_mbuf *m);

/*
 * nft_reject_netdev_eval() (net/netfilter/nft_reject_netdev.c) and the
 * nf_reject_skb_v4_*()/v6_*() builders: the reply frame the kernel would
 * send back out of the input port, or NULL when it sends nothing:
 * broadcast/multicast destination MAC, an ethertype other than IPv4/IPv6,
 * malformed IP headers, fragments, RST for RST, ICMP errors for ICMP
 * destination-unreachable, failed checksum verification (skipped when the
 * NIC flagged the L4 checksum good, as for CHECKSUM_UNNECESSARY).
 * The reply: Ethernet dst/src = the packet's src/dst, type = the packet's
 * (inner) ethertype, no VLAN tag, no padding; IPv4 tos 0, id 0, DF, ttl;
 * IPv6 tclass/flow 0, hop limit; TCP RST (window 0, no options) or ICMP
 * type 3 / ICMPv6 type 1 quoting up to 536 / 1220 bytes from the network
 * header on. All checksums complete (the kernel leaves the IPv4 RST's TCP
 * checksum to the device: CHECKSUM_PARTIAL; a NIC or the stack fills it
 * in, so the wire shows the same value; a veth does not: see
 * FP_REJECT_F_RST4_PARTIAL_CSUM).
 */
struct rte_mbuf *fp_act_reject(const struct rte_mbuf *m,
			       const struct pkt_view *v,
			       enum ir_reject_type type, uint8_t code,
			       uint8_t ttl, uint8_t hoplimit, uint32_t flags);

/*
 * fp_act_reject() flag: leave the IPv4 RST's TCP checksum as the kernel
 * hands it to the device (CHECKSUM_PARTIAL: the pseudo-header sum only),
 * i.e. what a veth peer captures; for comparisons with tests/oracle.
 */
#define FP_REJECT_F_RST4_PARTIAL_CSUM	0x1

/* NFT_REJECT_ICMPX_* -> ICMP / ICMPv6 code (nft_reject_icmp_code(),
 * nft_reject_icmpv6_code()); 0 for unknown values. */
uint8_t fp_reject_icmpx_to_icmp(uint8_t icmpx);
uint8_t fp_reject_icmpx_to_icmpv6(uint8_t icmpx);

#ifdef __cplusplus
}
#endif

#endif /* NFTFWD_FP_ACT_H */
