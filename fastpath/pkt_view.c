/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The kernel's view of a frame at the nftables netdev ingress hook.
 *
 * Each step below names the kernel function (6.x) it reproduces, because the
 * point of this file is to be exactly as strict and exactly as lax as that
 * code: e.g. IPv6 extension header lengths are not checked against the
 * packet (a transport header past the end only makes the loads fail), an
 * IPv4 non-first fragment still has `meta l4proto`, and a frame with an
 * 802.3 length field gets a pseudo protocol.
 */

#include "fastpath/pkt_view.h"

#include <rte_ip.h>
#include <rte_prefetch.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#define PV_ETH_P_802_3		0x0001	/* Novell raw IPX over 802.3 */
#define PV_ETH_P_802_2		0x0004	/* 802.2 LLC */
#define PV_ETH_P_802_3_MIN	0x0600	/* smaller ethertypes are lengths */

#define PV_NEXTHDR_HOP		0
#define PV_NEXTHDR_ROUTING	43
#define PV_NEXTHDR_FRAGMENT	44
#define PV_NEXTHDR_AUTH		51
#define PV_NEXTHDR_NONE		59
#define PV_NEXTHDR_DEST		60

#define PV_PREFETCH_AHEAD	4

/*
 * skb_header_pointer(): bytes [off, off + len) of the frame, in place when
 * the first segment holds them, else gathered into buf; NULL when the frame
 * is too short.
 */
static inline const void *
pv_header(const struct rte_mbuf *m, const struct pkt_view *v, uint64_t off,
	  uint32_t len, void *buf)
{
	if (likely(off + len <= v->seg_len))
		return v->data + off;
	if (off + len > v->frame_len)
		return NULL;
	return rte_pktmbuf_read(m, (uint32_t)off, len, buf);
}

/* eth_type_trans(): where the destination MAC leaves the frame. */
static inline uint8_t
pv_pkttype(const struct rte_ether_addr *dst,
	   const struct rte_ether_addr *port_mac)
{
	if (likely(rte_is_same_ether_addr(dst, port_mac)))
		return PKT_VIEW_PKTTYPE_HOST;
	if (rte_is_multicast_ether_addr(dst))
		return rte_is_broadcast_ether_addr(dst) ?
			PKT_VIEW_PKTTYPE_BROADCAST : PKT_VIEW_PKTTYPE_MULTICAST;
	return PKT_VIEW_PKTTYPE_OTHERHOST;
}

/*
 * eth_type_trans() and vlan_set_encap_proto(): skb->protocol is the
 * ethertype, unless that field is an 802.3 length; then the two bytes after
 * it tell raw IPX (0xffff) from LLC. eth_type_trans() tolerates their
 * absence (LLC); after a tag skb_vlan_untag() has made sure they are there.
 */
static inline rte_be16_t
pv_encap_proto(const struct rte_mbuf *m, const struct pkt_view *v,
	       rte_be16_t type, uint32_t next_off)
{
	const uint8_t *sap;	/* bytes: frames need not be aligned */
	uint8_t sap_buf[2];

	if (likely(rte_be_to_cpu_16(type) >= PV_ETH_P_802_3_MIN))
		return type;
	sap = pv_header(m, v, next_off, sizeof(sap_buf), sap_buf);
	if (sap != NULL && sap[0] == 0xff && sap[1] == 0xff)
		return RTE_BE16(PV_ETH_P_802_3);
	return RTE_BE16(PV_ETH_P_802_2);
}

/*
 * __nft_set_pktinfo_ipv4_validate(): the header must be there with
 * version 4 and ihl >= 5, and tot_len must fit the packet (padding after it
 * is allowed) and cover the header. fragoff is kept for non-first fragments:
 * they have `meta l4proto`, only their transport loads fail.
 */
static __rte_always_inline void
pv_ipv4(const struct rte_mbuf *m, struct pkt_view *v)
{
	const struct rte_ipv4_hdr *ip;
	struct rte_ipv4_hdr ip_buf;
	uint32_t tot_len, thoff;

	ip = pv_header(m, v, v->nh_off, sizeof(*ip), &ip_buf);
	if (ip == NULL)
		return;
	if ((ip->version_ihl >> 4) != 4 || (ip->version_ihl & 0xf) < 5)
		return;
	tot_len = rte_be_to_cpu_16(ip->total_length);
	thoff = (ip->version_ihl & 0xf) * 4u;
	if (v->len < tot_len || tot_len < thoff)
		return;

	v->flags |= PKT_VIEW_F_L4PROTO;
	v->l4proto = ip->next_proto_id;
	v->thoff = thoff;
	v->fragoff = rte_be_to_cpu_16(ip->fragment_offset) &
		RTE_IPV4_HDR_OFFSET_MASK;
}

/* ipv6_ext_hdr() */
static inline bool
pv_ipv6_ext_hdr(uint8_t nexthdr)
{
	return nexthdr == PV_NEXTHDR_HOP || nexthdr == PV_NEXTHDR_ROUTING ||
		nexthdr == PV_NEXTHDR_FRAGMENT || nexthdr == PV_NEXTHDR_AUTH ||
		nexthdr == PV_NEXTHDR_NONE || nexthdr == PV_NEXTHDR_DEST;
}

/*
 * __nft_set_pktinfo_ipv6_validate(): version 6, payload_len + 40 within the
 * packet, then ipv6_find_hdr(skb, &thoff, -1, &frag_off, IP6_FH_F_AUTH).
 * That walk stops at the first non-extension header, at "no next header"
 * (59) or at AH (51: IP6_FH_F_AUTH with target -1), each then being the
 * l4proto. Only the 2 bytes of each header it steps over must be there (4 for
 * routing, 4 for fragment); lengths are never checked against the packet.
 * A non-first fragment followed by a non-extension header (or 59) gives that
 * header with the fragment offset and thoff left 0; followed by an
 * extension header it is -ENOENT: no transport info at all.
 */
static void
pv_ipv6(const struct rte_mbuf *m, struct pkt_view *v)
{
	const struct rte_ipv6_hdr *ip6;
	struct rte_ipv6_hdr ip6_buf;
	uint32_t start = sizeof(*ip6);
	uint8_t nexthdr;

	ip6 = pv_header(m, v, v->nh_off, sizeof(*ip6), &ip6_buf);
	if (ip6 == NULL)
		return;
	if ((rte_be_to_cpu_32(ip6->vtc_flow) >> 28) != 6)
		return;
	if (rte_be_to_cpu_16(ip6->payload_len) + sizeof(*ip6) > v->len)
		return;

	nexthdr = ip6->proto;
	while (pv_ipv6_ext_hdr(nexthdr) && nexthdr != PV_NEXTHDR_NONE) {
		const uint8_t *hp;	/* struct ipv6_opt_hdr: nexthdr, hdrlen */
		uint8_t hp_buf[4];
		uint32_t hdrlen;

		hp = pv_header(m, v, (uint64_t)v->nh_off + start, 2, hp_buf);
		if (hp == NULL)
			return;
		if (nexthdr == PV_NEXTHDR_ROUTING &&
		    pv_header(m, v, (uint64_t)v->nh_off + start, 4,
			      hp_buf) == NULL)
			return;
		if (nexthdr == PV_NEXTHDR_FRAGMENT) {
			const uint8_t *fp;
			uint8_t fp_buf[2];
			uint16_t frag_off;
			uint8_t next = hp[0];

			fp = pv_header(m, v, (uint64_t)v->nh_off + start + 2,
				       sizeof(fp_buf), fp_buf);
			if (fp == NULL)
				return;
			frag_off = (uint16_t)(fp[0] << 8 | fp[1]) & ~0x7;
			if (frag_off != 0) {
				if (pv_ipv6_ext_hdr(next) &&
				    next != PV_NEXTHDR_NONE)
					return;
				v->flags |= PKT_VIEW_F_L4PROTO;
				v->l4proto = next;
				v->thoff = 0;
				v->fragoff = frag_off;
				return;
			}
			hdrlen = 8;
			nexthdr = next;
		} else if (nexthdr == PV_NEXTHDR_AUTH) {
			break;
		} else {
			hdrlen = (hp[1] + 1u) << 3;	/* ipv6_optlen() */
			nexthdr = hp[0];
		}
		start += hdrlen;
	}

	/* nft_pktinfo keeps thoff in 16 bits and refuses larger ones. */
	if (start > UINT16_MAX)
		return;
	v->flags |= PKT_VIEW_F_L4PROTO;
	v->l4proto = nexthdr;
	v->thoff = start;
}

/* pkt_view_parse(), inlined into the burst loop. */
static __rte_always_inline bool
pv_parse(const struct rte_mbuf *m, const struct rte_ether_addr *port_mac,
	 struct pkt_view *v)
{
	const struct rte_ether_hdr *eh;
	struct rte_ether_hdr eh_buf;
	uint32_t pkt_len = rte_pktmbuf_pkt_len(m);
	rte_be16_t type;

	v->data = rte_pktmbuf_mtod(m, const uint8_t *);
	v->seg_len = RTE_MIN((uint32_t)rte_pktmbuf_data_len(m), pkt_len);
	v->frame_len = pkt_len;
	v->len = 0;
	v->nh_off = PKT_VIEW_ETH_HLEN;
	v->thoff = 0;
	v->fragoff = 0;
	v->protocol = 0;
	v->l4proto = 0;
	v->pkttype = 0;
	v->flags = 0;
	v->reserved = 0;

	/* A runt never reaches eth_type_trans(). */
	eh = pv_header(m, v, 0, sizeof(*eh), &eh_buf);
	if (unlikely(eh == NULL))
		goto no_hook;
	v->pkttype = pv_pkttype(&eh->dst_addr, port_mac);

	type = eh->ether_type;
	if (type == RTE_BE16(RTE_ETHER_TYPE_VLAN) ||
	    type == RTE_BE16(RTE_ETHER_TYPE_QINQ)) {
		const struct rte_vlan_hdr *vh;
		struct rte_vlan_hdr vh_buf;

		/*
		 * __netif_receive_skb_core() -> skb_vlan_untag(): one tag only,
		 * and the frame is freed unless the tag and the two bytes
		 * vlan_set_encap_proto() may look at are there.
		 */
		if (pkt_len < PKT_VIEW_ETH_HLEN + PKT_VIEW_VLAN_HLEN + 2)
			goto no_hook;
		vh = pv_header(m, v, PKT_VIEW_ETH_HLEN, sizeof(*vh), &vh_buf);
		type = vh->eth_proto;
		v->nh_off = PKT_VIEW_ETH_HLEN + PKT_VIEW_VLAN_HLEN;
		v->flags |= PKT_VIEW_F_VLAN;
	}
	v->protocol = pv_encap_proto(m, v, type, v->nh_off);
	v->len = pkt_len - v->nh_off;
	v->flags |= PKT_VIEW_F_HOOK;

	/* nft_do_chain_netdev() */
	if (v->protocol == RTE_BE16(RTE_ETHER_TYPE_IPV4))
		pv_ipv4(m, v);
	else if (v->protocol == RTE_BE16(RTE_ETHER_TYPE_IPV6))
		pv_ipv6(m, v);
	return true;

no_hook:
	/* Make every load fail: nothing is readable. */
	v->seg_len = 0;
	v->frame_len = 0;
	v->len = 0;
	v->nh_off = 0;
	v->pkttype = 0;
	v->flags = 0;
	return false;
}

bool
pkt_view_parse(const struct rte_mbuf *m,
	       const struct rte_ether_addr *port_mac, struct pkt_view *v)
{
	return pv_parse(m, port_mac, v);
}

uint16_t
pkt_view_parse_burst(struct rte_mbuf *const *m, uint16_t n,
		     const struct rte_ether_addr *port_mac, struct pkt_view *v)
{
	uint16_t i, seen = 0;

	for (i = 0; i < n && i < PV_PREFETCH_AHEAD; i++)
		rte_prefetch0(rte_pktmbuf_mtod(m[i], void *));
	for (i = 0; i < n; i++) {
		if (i + PV_PREFETCH_AHEAD < n)
			rte_prefetch0(rte_pktmbuf_mtod(m[i + PV_PREFETCH_AHEAD],
						       void *));
		seen += pv_parse(m[i], port_mac, &v[i]);
	}
	return seen;
}

bool
pkt_view_copy_segs(const struct rte_mbuf *m, uint32_t off, uint32_t len,
		   void *dst)
{
	const void *p = rte_pktmbuf_read(m, off, len, dst);

	if (p == NULL)
		return false;
	if (p != dst)
		memcpy(dst, p, len);
	return true;
}

/*
 * __nft_payload_inner_offset(): the inner header follows the UDP header or
 * the TCP header with its options (doff, unchecked); other transports and
 * non-first fragments have none.
 */
static bool
pv_inner_offset(const struct rte_mbuf *m, const struct pkt_view *v,
		uint32_t *inneroff)
{
	const struct rte_tcp_hdr *th;
	struct rte_tcp_hdr th_buf;

	if (!(v->flags & PKT_VIEW_F_L4PROTO) || v->fragoff != 0)
		return false;
	switch (v->l4proto) {
	case IPPROTO_UDP:
		*inneroff = v->thoff + sizeof(struct rte_udp_hdr);
		return true;
	case IPPROTO_TCP:
		th = pv_header(m, v, (uint64_t)v->nh_off + v->thoff,
			       sizeof(*th), &th_buf);
		if (th == NULL)
			return false;
		*inneroff = v->thoff + (th->data_off >> 4) * 4u;
		return true;
	default:
		return false;
	}
}

bool
pkt_view_load_slow(const struct rte_mbuf *m, const struct pkt_view *v,
		   enum pkt_view_base base, uint32_t offset, uint32_t len,
		   void *dst)
{
	uint32_t inneroff, i;

	switch (base) {
	case PKT_BASE_LL:
		if (!pkt_view_copy(m, v, offset, len, dst))
			return false;
		if (!(v->flags & PKT_VIEW_F_VLAN))
			return true;
		/*
		 * nft_payload_copy_vlan() rebuilds the 18-byte tagged header
		 * from the untagged skb: MACs from the frame, TPID and TCI from
		 * the removed tag (the same bytes we still have), the
		 * encapsulated protocol from skb->protocol. Past byte 18 it
		 * reads the frame 4 bytes back, i.e. our bytes again.
		 */
		for (i = RTE_MAX(offset, 16u);
		     i < 18 && (uint64_t)i < (uint64_t)offset + len; i++)
			((uint8_t *)dst)[i - offset] =
				((const uint8_t *)&v->protocol)[i - 16];
		return true;
	case PKT_BASE_IH:
		if (!pv_inner_offset(m, v, &inneroff))
			return false;
		return pkt_view_copy(m, v, (uint64_t)v->nh_off + inneroff +
				     offset, len, dst);
	case PKT_BASE_NH:
	case PKT_BASE_TH:
		return pkt_view_load_payload(m, v, base, offset, len, dst);
	}
	return false;
}
