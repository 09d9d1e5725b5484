/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NFTFWD_PKT_VIEW_H
#define NFTFWD_PKT_VIEW_H

/*
 * The packet as the kernel's nftables netdev ingress hook sees it.
 *
 * pkt_view_parse() reads an Ethernet frame once and records what the kernel
 * knows about the skb when nft_do_chain_netdev() runs on it: where the link
 * and network headers are, skb->protocol, skb->len, skb->pkt_type, and the
 * nft_pktinfo transport fields (NFT_PKTINFO_L4PROTO, tprot, thoff, fragoff).
 * pkt_view_load_payload() then answers nft_payload_eval() loads from it.
 *
 * What the kernel does before the hook (kernel 6.x, the running one is the
 * reference; tests/unit/kernel_view_diff.py checks it):
 *  - eth_type_trans(): the 14-byte link header is pulled; skb->protocol is
 *    the ethertype when >= 0x600, otherwise ETH_P_802_3 (0x0001) when the two
 *    bytes after the header are 0xffff, else ETH_P_802_2 (0x0004).
 *    skb->pkt_type: HOST when the destination is the port's MAC, else
 *    BROADCAST / MULTICAST / OTHERHOST.
 *  - skb_vlan_untag() when skb->protocol is 0x8100 or 0x88a8: exactly one
 *    tag is removed (the outer one with QinQ); skb->protocol becomes the
 *    ethertype after the tag (same 802.3 rule as above), the network header
 *    starts right after the removed tag (with QinQ: at the inner tag's TCI),
 *    and skb->len shrinks by 4. A tagged frame of fewer than 20 bytes is
 *    freed there and never reaches the hook.
 *  - nft_do_chain_netdev(): for IPv4/IPv6 skb->protocol the transport fields
 *    come from nft_set_pktinfo_ipv4_validate()/_ipv6_validate() (header
 *    checks, ipv6_find_hdr() over extension headers); any failure or another
 *    protocol leaves them unset: `meta l4proto` and transport loads then do
 *    not match.
 *
 * Threading: pure functions on a caller-owned struct; no allocation, no
 * syscalls, no global state. A view is valid while its mbuf is unchanged.
 * Byte order: payload bytes are copied raw (network order); the meta values
 * are as the kernel stores them in a register: len, pkttype, l4proto, nfproto
 * and iiftype in host order, protocol in network order (nft_reg_store16 of
 * the __be16 skb->protocol).
 * Bounds: nothing past rte_pktmbuf_pkt_len() is ever read. Multi-segment
 * mbufs are supported; the first segment is read directly and a read that
 * does not fit in it goes through rte_pktmbuf_read().
 * Errors: none; a load the kernel would answer with NFT_BREAK returns false.
 * Ports: the frame must be as on the wire without FCS: no RX VLAN/QinQ
 * strip offload (the tag must still be in the data) and no KEEP_CRC.
 *
 * Kernel quirk reproduced (6.18): aligned 1/2/4-byte @th loads on non-first
 * fragments succeed (see pkt_view_load_payload()). The kernel only does so
 * while those bytes are in the skb's linear area: true for veth/AF_PACKET
 * frames under a page and copybreak drivers, not for frames a NIC driver
 * left in page fragments; there the kernel breaks, and so would a kernel
 * with the fragoff check added to nft_payload_fast_eval().
 */

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

/* Payload bases, numbered as the kernel's enum nft_payload_bases. */
enum pkt_view_base {
	PKT_BASE_LL = 0,	/* NFT_PAYLOAD_LL_HEADER: the frame, tag in place */
	PKT_BASE_NH = 1,	/* NFT_PAYLOAD_NETWORK_HEADER */
	PKT_BASE_TH = 2,	/* NFT_PAYLOAD_TRANSPORT_HEADER */
	PKT_BASE_IH = 3,	/* NFT_PAYLOAD_INNER_HEADER: after the TCP/UDP header */
};

/* skb->pkt_type values (linux/if_packet.h PACKET_*). */
#define PKT_VIEW_PKTTYPE_HOST		0
#define PKT_VIEW_PKTTYPE_BROADCAST	1
#define PKT_VIEW_PKTTYPE_MULTICAST	2
#define PKT_VIEW_PKTTYPE_OTHERHOST	3

/*
 * `meta nfproto` is nft_pf(pkt), the hook's family: NFPROTO_NETDEV for every
 * packet on a netdev chain, whatever its ethertype (nft refuses the key
 * outside the inet family, but bytecode may still carry it; checked on
 * 6.18 with a libnftnl-built rule: 5 for IPv4, ARP, everything).
 */
#define PKT_VIEW_NFPROTO		5	/* NFPROTO_NETDEV */
/* `meta iiftype`: dev->type of an Ethernet port. */
#define PKT_VIEW_IIFTYPE		1	/* ARPHRD_ETHER */

#define PKT_VIEW_ETH_HLEN		14
#define PKT_VIEW_VLAN_HLEN		4

/* v->flags */
#define PKT_VIEW_F_HOOK		0x01	/* the ingress hook sees this frame */
#define PKT_VIEW_F_VLAN		0x02	/* one tag removed before the hook */
#define PKT_VIEW_F_L4PROTO	0x04	/* NFT_PKTINFO_L4PROTO: tprot/thoff set */

struct pkt_view {
	const uint8_t *data;	/* first segment's data (frame byte 0) */
	uint32_t seg_len;	/* bytes readable at data; <= frame_len */
	uint32_t frame_len;	/* bytes readable in the whole frame; 0 w/o hook */
	uint32_t len;		/* skb->len: frame_len - nh_off */
	uint16_t nh_off;	/* network header, from frame byte 0: 14 or 18 */
	uint16_t thoff;		/* pkt->thoff: transport header from nh_off */
	uint16_t fragoff;	/* pkt->fragoff: IPv4 in 8-byte units, IPv6 bytes */
	rte_be16_t protocol;	/* skb->protocol after VLAN untag */
	uint8_t l4proto;	/* pkt->tprot; 0 unless PKT_VIEW_F_L4PROTO */
	uint8_t pkttype;	/* skb->pkt_type, PKT_VIEW_PKTTYPE_* */
	uint8_t flags;		/* PKT_VIEW_F_* */
	uint8_t reserved;
};

static_assert(sizeof(struct pkt_view) <= RTE_CACHE_LINE_SIZE,
	      "struct pkt_view must fit a cache line");

/*
 * Parse frame m as received on a port whose MAC is port_mac (used only for
 * meta pkttype). Fills all of *v.
 *
 * Returns true when the kernel's netdev ingress hook would see the frame.
 * False for frames the kernel frees before the hook (shorter than the
 * Ethernet header; VLAN tagged and shorter than 20 bytes): the pipeline
 * should drop them without running the ruleset; every load on such a view
 * fails.
 */
bool pkt_view_parse(const struct rte_mbuf *m,
		    const struct rte_ether_addr *port_mac, struct pkt_view *v);

/* Parse n frames, prefetching ahead; returns how many the hook sees. */
uint16_t pkt_view_parse_burst(struct rte_mbuf *const *m, uint16_t n,
			      const struct rte_ether_addr *port_mac,
			      struct pkt_view *v);

/* Out-of-line parts of pkt_view_load_payload(); use that instead. */
bool pkt_view_copy_segs(const struct rte_mbuf *m, uint32_t off, uint32_t len,
			void *dst);
bool pkt_view_load_slow(const struct rte_mbuf *m, const struct pkt_view *v,
			enum pkt_view_base base, uint32_t offset, uint32_t len,
			void *dst);

/* nft_payload_select_ops(): NH/TH loads of this shape get the fast ops. */
static inline bool
pkt_view_fast_shape(uint32_t offset, uint32_t len)
{
	return (len == 1 || len == 2 || len == 4) && (offset & (len - 1)) == 0;
}

/* Copy frame bytes [off, off + len) to dst; false if they are not all there. */
static inline bool
pkt_view_copy(const struct rte_mbuf *m, const struct pkt_view *v,
	      uint64_t off, uint32_t len, void *dst)
{
	/* seg_len <= frame_len < 2^32, so this also bounds off. */
	if (likely(off + len <= v->seg_len)) {
		const uint8_t *src = v->data + off;

		/* Constant sizes become plain moves, not a libc call. */
		switch (len) {
		case 1:
			memcpy(dst, src, 1);
			break;
		case 2:
			memcpy(dst, src, 2);
			break;
		case 4:
			memcpy(dst, src, 4);
			break;
		case 16:
			memcpy(dst, src, 16);
			break;
		default:
			memcpy(dst, src, len);
			break;
		}
		return true;
	}
	if (off + len > v->frame_len)
		return false;
	return pkt_view_copy_segs(m, (uint32_t)off, len, dst);
}

/*
 * nft_payload_eval(): copy len bytes at offset from base into dst, exactly
 * len bytes (the register machine zero-pads the last 32-bit word itself, as
 * the kernel does before the load). Returns false where the kernel breaks:
 * the bytes are not all in the packet, TH/IH without a transport header,
 * IH on a non-first fragment or on a transport other than TCP/UDP, TH on a
 * non-first fragment unless the load has the kernel's fast shape (an aligned
 * 1, 2 or 4 bytes: see below).
 * LL with a removed tag reads the frame as if the tag were in place (it is:
 * the mbuf keeps it), except that bytes 16-17 are skb->protocol, as the
 * kernel rebuilds them (they differ from the wire only for an 802.3 length).
 */
static inline bool
pkt_view_load_payload(const struct rte_mbuf *m, const struct pkt_view *v,
		      enum pkt_view_base base, uint32_t offset, uint32_t len,
		      void *dst)
{
	uint64_t off;

	switch (base) {
	case PKT_BASE_NH:
		off = (uint64_t)v->nh_off + offset;
		break;
	case PKT_BASE_TH:
		if (!(v->flags & PKT_VIEW_F_L4PROTO))
			return false;
		/*
		 * nft_payload_eval() refuses non-first fragments, but an
		 * aligned load of 1, 2 or 4 bytes runs nft_payload_fast_eval()
		 * first, which does not look at fragoff (6.18; checked by
		 * kernel_view_diff.py): it reads at thoff, which for an IPv6
		 * fragment is 0, the network header.
		 */
		if (unlikely(v->fragoff != 0) &&
		    !pkt_view_fast_shape(offset, len))
			return false;
		off = (uint64_t)v->nh_off + v->thoff + offset;
		break;
	case PKT_BASE_LL:
		if (unlikely(v->flags & PKT_VIEW_F_VLAN))
			return pkt_view_load_slow(m, v, base, offset, len, dst);
		off = offset;
		break;
	default:
		return pkt_view_load_slow(m, v, base, offset, len, dst);
	}
	return pkt_view_copy(m, v, off, len, dst);
}

/* `meta len`: skb->len, the frame from the network header on. */
static inline uint32_t
pkt_view_meta_len(const struct pkt_view *v)
{
	return v->len;
}

/* `meta protocol`: skb->protocol, network order. */
static inline rte_be16_t
pkt_view_meta_protocol(const struct pkt_view *v)
{
	return v->protocol;
}

/* `meta l4proto`: false (NFT_BREAK) when the kernel has no transport info. */
static inline bool
pkt_view_meta_l4proto(const struct pkt_view *v, uint8_t *l4proto)
{
	if (!(v->flags & PKT_VIEW_F_L4PROTO))
		return false;
	*l4proto = v->l4proto;
	return true;
}

/* `meta pkttype` */
static inline uint8_t
pkt_view_meta_pkttype(const struct pkt_view *v)
{
	return v->pkttype;
}

#endif /* NFTFWD_PKT_VIEW_H */
