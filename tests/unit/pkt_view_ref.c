/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reference model of the kernel's netdev ingress view: see pkt_view_ref.h.
 * Each function is named after, and follows the control flow of, the kernel
 * function it stands for, so that a reviewer can hold the two side by side.
 * The skb is linear: skb_headlen() == skb->len.
 */

#include "tests/unit/pkt_view_ref.h"

#include <string.h>

#define ETH_HLEN		14
#define ETH_TLEN		2
#define VLAN_HLEN		4
#define VLAN_ETH_HLEN		18
#define ETH_P_802_3		0x0001
#define ETH_P_802_2		0x0004
#define ETH_P_IP		0x0800
#define ETH_P_8021Q		0x8100
#define ETH_P_8021AD		0x88a8
#define ETH_P_IPV6		0x86dd

#define PACKET_HOST		0
#define PACKET_BROADCAST	1
#define PACKET_MULTICAST	2
#define PACKET_OTHERHOST	3

#define NEXTHDR_HOP		0
#define NEXTHDR_ROUTING		43
#define NEXTHDR_FRAGMENT	44
#define NEXTHDR_AUTH		51
#define NEXTHDR_NONE		59
#define NEXTHDR_DEST		60

#define IP6_FH_F_FRAG		(1 << 0)
#define IP6_FH_F_AUTH		(1 << 1)
#define IP6_FH_F_SKIP_RH	(1 << 2)

#define IPPROTO_TCP_		6
#define IPPROTO_UDP_		17

static uint16_t
get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
put_be16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* skb_header_pointer() on a linear skb; offset from skb->data. */
static const uint8_t *
skb_header_pointer(const struct pv_ref_skb *skb, int offset, int len)
{
	if ((int)skb->len - offset >= len && offset >= 0)
		return skb->mem + skb->data + offset;
	return NULL;
}

/* skb_copy_bits(): offset may be negative (the mac header is in front). */
static int
skb_copy_bits(const struct pv_ref_skb *skb, int offset, void *to, int len)
{
	if (offset > (int)skb->len - len)
		return -1;
	memcpy(to, skb->mem + skb->data + offset, len);
	return 0;
}

/* eth_proto_is_802_3() */
static bool
eth_proto_is_802_3(uint16_t proto)
{
	return (proto & 0xff00) >= 0x0600;
}

/* eth_type_trans() */
static uint16_t
eth_type_trans(struct pv_ref_skb *skb, const uint8_t dev_addr[6])
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	const uint8_t *eth, *sap;

	skb->mac = skb->data;
	eth = skb->mem + skb->data;
	skb->data += ETH_HLEN;
	skb->len -= ETH_HLEN;

	if (memcmp(eth, dev_addr, 6) != 0) {
		if (eth[0] & 1) {
			if (memcmp(eth, bcast, 6) == 0)
				skb->pkt_type = PACKET_BROADCAST;
			else
				skb->pkt_type = PACKET_MULTICAST;
		} else {
			skb->pkt_type = PACKET_OTHERHOST;
		}
	}

	if (eth_proto_is_802_3(get_be16(eth + 12)))
		return get_be16(eth + 12);

	sap = skb_header_pointer(skb, 0, 2);
	if (sap && get_be16(sap) == 0xffff)
		return ETH_P_802_3;
	return ETH_P_802_2;
}

/* vlan_set_encap_proto() */
static void
vlan_set_encap_proto(struct pv_ref_skb *skb, const uint8_t *vhdr)
{
	uint16_t proto = get_be16(vhdr + 2);

	if (eth_proto_is_802_3(proto)) {
		skb->protocol = proto;
		return;
	}
	if (get_be16(vhdr + 4) == 0xffff)
		skb->protocol = ETH_P_802_3;
	else
		skb->protocol = ETH_P_802_2;
}

/* skb_vlan_untag(), with skb_reorder_vlan_header(); false = freed. */
static bool
skb_vlan_untag(struct pv_ref_skb *skb)
{
	const uint8_t *vhdr;
	int mac_len;

	if (skb->len < VLAN_HLEN + 2)	/* pskb_may_pull() */
		return false;
	vhdr = skb->mem + skb->data;
	skb->vlan_tci = get_be16(vhdr);
	skb->vlan_proto = skb->protocol;
	skb->vlan_present = true;

	skb->data += VLAN_HLEN;		/* skb_pull_rcsum() */
	skb->len -= VLAN_HLEN;
	vlan_set_encap_proto(skb, vhdr);

	mac_len = skb->data - skb->mac;
	if (mac_len > VLAN_HLEN + ETH_TLEN)
		memmove(skb->mem + skb->mac + VLAN_HLEN, skb->mem + skb->mac,
			mac_len - VLAN_HLEN - ETH_TLEN);
	skb->mac += VLAN_HLEN;

	skb->network = skb->data;	/* skb_reset_network_header() */
	return true;
}

/* __nft_set_pktinfo_ipv4_validate() */
static int
nft_set_pktinfo_ipv4_validate(struct pv_ref_skb *skb)
{
	int noff = skb->network - skb->data;
	const uint8_t *iph;
	uint32_t len, thoff, skb_len;

	iph = skb_header_pointer(skb, noff, 20);
	if (!iph)
		return -1;
	if ((iph[0] & 0xf) < 5 || (iph[0] >> 4) != 4)
		return -1;

	len = get_be16(iph + 2);
	thoff = (iph[0] & 0xf) * 4;
	skb_len = skb->len - noff;

	if (skb_len < len)
		return -1;
	else if (len < thoff)
		return -1;
	else if (thoff < 20)
		return -1;

	skb->l4proto_set = true;
	skb->tprot = iph[9];
	skb->thoff = noff + thoff;
	skb->fragoff = get_be16(iph + 6) & 0x1fff;
	return 0;
}

/* ipv6_ext_hdr() */
static bool
ipv6_ext_hdr(uint8_t nexthdr)
{
	return nexthdr == NEXTHDR_HOP || nexthdr == NEXTHDR_ROUTING ||
		nexthdr == NEXTHDR_FRAGMENT || nexthdr == NEXTHDR_AUTH ||
		nexthdr == NEXTHDR_NONE || nexthdr == NEXTHDR_DEST;
}

/* ipv6_find_hdr() */
static int
ipv6_find_hdr(const struct pv_ref_skb *skb, unsigned int *offset, int target,
	      unsigned short *fragoff, int *flags)
{
	unsigned int start = (skb->network - skb->data) + 40;
	uint8_t nexthdr = skb->mem[skb->network + 6];
	bool found;

	if (fragoff)
		*fragoff = 0;

	do {
		const uint8_t *hp;
		unsigned int hdrlen;

		found = (nexthdr == target);

		if ((!ipv6_ext_hdr(nexthdr)) || nexthdr == NEXTHDR_NONE) {
			if (target < 0 || found)
				break;
			return -2;
		}

		hp = skb_header_pointer(skb, start, 2);
		if (!hp)
			return -74;

		if (nexthdr == NEXTHDR_ROUTING) {
			const uint8_t *rh = skb_header_pointer(skb, start, 4);

			if (!rh)
				return -74;
			if (flags && (*flags & IP6_FH_F_SKIP_RH) && rh[3] == 0)
				found = false;
		}

		if (nexthdr == NEXTHDR_FRAGMENT) {
			unsigned short _frag_off;
			const uint8_t *fp;

			if (flags)
				*flags |= IP6_FH_F_FRAG;
			fp = skb_header_pointer(skb, start + 2, 2);
			if (!fp)
				return -74;

			_frag_off = get_be16(fp) & ~0x7;
			if (_frag_off) {
				if (target < 0 &&
				    ((!ipv6_ext_hdr(hp[0])) ||
				     hp[0] == NEXTHDR_NONE)) {
					if (fragoff)
						*fragoff = _frag_off;
					return hp[0];
				}
				if (!found)
					return -2;
				if (fragoff)
					*fragoff = _frag_off;
				break;
			}
			hdrlen = 8;
		} else if (nexthdr == NEXTHDR_AUTH) {
			if (flags && (*flags & IP6_FH_F_AUTH) && (target < 0))
				break;
			hdrlen = (hp[1] + 2) << 2;
		} else {
			hdrlen = (hp[1] + 1) << 3;
		}

		if (!found) {
			nexthdr = hp[0];
			start += hdrlen;
		}
	} while (!found);

	*offset = start;
	return nexthdr;
}

/* __nft_set_pktinfo_ipv6_validate() */
static int
nft_set_pktinfo_ipv6_validate(struct pv_ref_skb *skb)
{
	int flags = IP6_FH_F_AUTH;
	int noff = skb->network - skb->data;
	const uint8_t *ip6h;
	unsigned int thoff = 0;
	unsigned short frag_off;
	uint32_t pkt_len, skb_len;
	int protohdr;

	ip6h = skb_header_pointer(skb, noff, 40);
	if (!ip6h)
		return -1;
	if ((ip6h[0] >> 4) != 6)
		return -1;

	pkt_len = get_be16(ip6h + 4);
	skb_len = skb->len - noff;
	if (pkt_len + 40 > skb_len)
		return -1;

	protohdr = ipv6_find_hdr(skb, &thoff, -1, &frag_off, &flags);
	if (protohdr < 0 || thoff > 65535)
		return -1;

	skb->l4proto_set = true;
	skb->tprot = protohdr;
	skb->thoff = thoff;
	skb->fragoff = frag_off;
	return 0;
}

void
pv_ref_receive(struct pv_ref_skb *skb, const uint8_t *frame, uint32_t flen,
	       const uint8_t dev_addr[6])
{
	skb->data = PV_REF_HEADROOM;
	skb->mac = skb->data;
	skb->network = skb->data;
	skb->len = flen;
	skb->protocol = 0;
	skb->vlan_proto = 0;
	skb->vlan_tci = 0;
	skb->vlan_present = false;
	skb->pkt_type = PACKET_HOST;
	skb->hook = false;
	skb->l4proto_set = false;
	skb->tprot = 0;
	skb->thoff = 0;
	skb->fragoff = 0;

	/* The driver drops runts; AF_PACKET refuses to send them. */
	if (flen < ETH_HLEN || flen > PV_REF_MAX_FRAME)
		return;
	memcpy(skb->mem + skb->data, frame, flen);

	skb->protocol = eth_type_trans(skb, dev_addr);

	/* __netif_receive_skb_core() */
	skb->network = skb->data;
	if (skb->protocol == ETH_P_8021Q || skb->protocol == ETH_P_8021AD) {
		if (!skb_vlan_untag(skb))
			return;
	}
	skb->hook = true;

	/* nft_do_chain_netdev() */
	switch (skb->protocol) {
	case ETH_P_IP:
		if (nft_set_pktinfo_ipv4_validate(skb) < 0)
			goto unspec;
		break;
	case ETH_P_IPV6:
		if (nft_set_pktinfo_ipv6_validate(skb) < 0)
			goto unspec;
		break;
	default:
		goto unspec;
	}
	return;
unspec:
	skb->l4proto_set = false;
	skb->tprot = 0;
	skb->thoff = 0;
	skb->fragoff = 0;
}

/* nft_payload_rebuild_vlan_hdr() */
static bool
nft_payload_rebuild_vlan_hdr(const struct pv_ref_skb *skb, int mac_off,
			     uint8_t veth[VLAN_ETH_HLEN])
{
	if (skb_copy_bits(skb, mac_off, veth, ETH_HLEN))
		return false;
	put_be16(veth + 12, skb->vlan_proto);
	put_be16(veth + 14, skb->vlan_tci);
	put_be16(veth + 16, skb->protocol);
	return true;
}

/* nft_payload_copy_vlan() */
static bool
nft_payload_copy_vlan(uint8_t *d, const struct pv_ref_skb *skb, uint8_t offset,
		      uint8_t len)
{
	int mac_off = skb->mac - skb->data;
	uint8_t *dst_u8 = d;
	uint8_t veth[VLAN_ETH_HLEN];

	if (offset < VLAN_ETH_HLEN) {
		uint8_t ethlen = len;

		if (!nft_payload_rebuild_vlan_hdr(skb, mac_off, veth))
			return false;

		if (offset + len > VLAN_ETH_HLEN)
			ethlen -= offset + len - VLAN_ETH_HLEN;

		memcpy(dst_u8, veth + offset, ethlen);

		len -= ethlen;
		if (len == 0)
			return true;

		dst_u8 += ethlen;
		offset = ETH_HLEN;
	} else {
		offset -= VLAN_HLEN;
	}

	return skb_copy_bits(skb, offset + mac_off, dst_u8, len) == 0;
}

/* __nft_payload_inner_offset() */
static int
nft_payload_inner_offset(const struct pv_ref_skb *skb)
{
	const uint8_t *th;

	if (!skb->l4proto_set || skb->fragoff)
		return -1;

	switch (skb->tprot) {
	case IPPROTO_UDP_:
		return skb->thoff + 8;
	case IPPROTO_TCP_:
		th = skb_header_pointer(skb, skb->thoff, 20);
		if (!th)
			return -1;
		return skb->thoff + (th[12] >> 4) * 4;
	default:
		return -1;
	}
}

/*
 * nft_payload_fast_eval() (nf_tables_core.c), as of 6.18: no fragoff check;
 * reads the linear area only (all of it here).
 */
static bool
nft_payload_fast_eval(const struct pv_ref_skb *skb, int base, uint8_t offset,
		      uint8_t len, uint8_t *dst)
{
	int ptr;

	if (base == 1) {
		ptr = skb->network;
	} else {
		if (!skb->l4proto_set)
			return false;
		ptr = skb->data + skb->thoff;
	}
	ptr += offset;
	if (ptr + len > skb->data + (int)skb->len)	/* skb_tail_pointer() */
		return false;
	memcpy(dst, skb->mem + ptr, len);
	return true;
}

/* nft_payload_select_ops() */
static bool
nft_payload_fast_ops(int base, uint8_t offset, uint8_t len)
{
	return (len == 1 || len == 2 || len == 4) && offset % len == 0 &&
		(base == 1 || base == 2);
}

static bool nft_payload_eval(const struct pv_ref_skb *skb, int base,
			     uint8_t offset, uint8_t len, uint8_t *dst);

/* nft_do_chain(): the fast eval first, the full one when it fails. */
bool
pv_ref_payload(const struct pv_ref_skb *skb, int base, uint8_t offset,
	       uint8_t len, uint8_t *dst)
{
	if (!skb->hook)
		return false;
	if (nft_payload_fast_ops(base, offset, len) &&
	    nft_payload_fast_eval(skb, base, offset, len, dst))
		return true;
	return nft_payload_eval(skb, base, offset, len, dst);
}

/* nft_payload_eval() */
static bool
nft_payload_eval(const struct pv_ref_skb *skb, int base, uint8_t offset,
		 uint8_t len, uint8_t *dst)
{
	int off;

	switch (base) {
	case 0:	/* NFT_PAYLOAD_LL_HEADER */
		/* nft_payload_need_vlan_adjust(): past the MAC addresses */
		if (skb->vlan_present && offset + len > 12)
			return nft_payload_copy_vlan(dst, skb, offset, len);
		off = skb->mac - skb->data;
		break;
	case 1:	/* NFT_PAYLOAD_NETWORK_HEADER */
		off = skb->network - skb->data;
		break;
	case 2:	/* NFT_PAYLOAD_TRANSPORT_HEADER */
		if (!skb->l4proto_set || skb->fragoff)
			return false;
		off = skb->thoff;
		break;
	case 3:	/* NFT_PAYLOAD_INNER_HEADER */
		off = nft_payload_inner_offset(skb);
		if (off < 0)
			return false;
		break;
	default:
		return false;
	}
	off += offset;
	return skb_copy_bits(skb, off, dst, len) == 0;
}
