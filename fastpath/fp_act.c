/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fp_act.c - packet actions with the kernel's exact bytes.
 *
 * Each function names the kernel function (6.x) it reproduces. Where the
 * kernel has a quirk, so does this file, and the comment says so.
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_hash_crc.h>

#include "fastpath/fp_act.h"

#define FP_ETH_HLEN		14
#define FP_IPPROTO_ICMP		1
#define FP_IPPROTO_TCP		6
#define FP_IPPROTO_UDP		17
#define FP_IPPROTO_GRE		47
#define FP_IPPROTO_ESP		50
#define FP_IPPROTO_AH		51
#define FP_IPPROTO_ICMPV6	58
#define FP_IPPROTO_SCTP		132
#define FP_IPPROTO_UDPLITE	136
#define FP_ICMP_DEST_UNREACH	3
#define FP_ICMPV6_DEST_UNREACH	1
#define FP_TCP_FIN		0x01
#define FP_TCP_SYN		0x02
#define FP_TCP_RST		0x04
#define FP_TCP_ACK		0x10
#define FP_REJECT_V4_MAX	536	/* nf_reject_skb_v4_unreach() */
#define FP_REJECT_V6_MAX	1220	/* nf_reject_skb_v6_unreach() */

/* ---- checksums ------------------------------------------------------------ */

uint32_t
fp_csum_partial(const void *p, uint32_t len, uint32_t sum)
{
	const uint8_t *b = p;
	uint64_t s = sum;
	uint32_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)b[i] << 8 | b[i + 1];
	if (len & 1)
		s += (uint32_t)b[len - 1] << 8;
	while (s >> 32)
		s = (s & 0xffffffffu) + (s >> 32);
	return (uint32_t)s;
}

bool
fp_csum_frame(const struct rte_mbuf *m, uint32_t off, uint32_t len,
	      uint32_t *sum)
{
	uint8_t buf[256];
	uint32_t s = 0;

	if ((uint64_t)off + len > rte_pktmbuf_pkt_len(m))
		return false;
	while (len > 0) {
		/* chunks of even length keep the word alignment */
		uint32_t n = len < sizeof(buf) ? len : sizeof(buf);

		if (!fp_act_read(m, off, n, buf))
			return false;
		s = fp_csum_partial(buf, n, s);
		off += n;
		len -= n;
	}
	*sum = s;
	return true;
}

/* ---- frame access --------------------------------------------------------- */

bool
fp_act_read(const struct rte_mbuf *m, uint32_t off, uint32_t len, void *dst)
{
	const void *p;

	if ((uint64_t)off + len > rte_pktmbuf_pkt_len(m))
		return false;
	if (len == 0)
		return true;
	p = rte_pktmbuf_read(m, off, len, dst);
	if (p == NULL)
		return false;
	if (p != dst)
		memcpy(dst, p, len);
	return true;
}

bool
fp_act_write(struct rte_mbuf *m, uint32_t off, uint32_t len, const void *src)
{
	const uint8_t *s = src;
	struct rte_mbuf *seg;

	if ((uint64_t)off + len > rte_pktmbuf_pkt_len(m))
		return false;
	for (seg = m; seg != NULL; seg = seg->next)
		if (!RTE_MBUF_DIRECT(seg) || rte_mbuf_refcnt_read(seg) != 1)
			return false;
	seg = m;
	while (seg != NULL && off >= seg->data_len) {
		off -= seg->data_len;
		seg = seg->next;
	}
	while (len > 0 && seg != NULL) {
		uint32_t n = seg->data_len - off;

		if (n > len)
			n = len;
		memcpy(rte_pktmbuf_mtod_offset(seg, uint8_t *, off), s, n);
		s += n;
		len -= n;
		off = 0;
		seg = seg->next;
	}
	return len == 0;
}

/* ---- payload set ---------------------------------------------------------- */

/*
 * Frame offset of byte `pos` of a header that starts at `start`. Link layer
 * (start < 0 encodes it): the kernel's mac header after skb_vlan_untag() is
 * dst, src, ethertype, then the network header; the removed tag sits in the
 * mbuf between src and the inner ethertype.
 */
static inline uint64_t
fp_ll_pos(const struct pkt_view *v, uint64_t pos)
{
	return pos < 12 ? pos : pos + (uint64_t)(v->nh_off - FP_ETH_HLEN);
}

/* Read len bytes of a header (LL mapped byte by byte) */
static bool
fp_hdr_read(const struct rte_mbuf *m, const struct pkt_view *v, bool ll,
	    uint64_t start, uint32_t len, uint8_t *dst)
{
	if (!ll || v->nh_off == FP_ETH_HLEN || start + len <= 12)
		return start + len <= v->frame_len &&
		       fp_act_read(m, (uint32_t)start, len, dst);
	for (uint32_t i = 0; i < len; i++) {
		uint64_t p = fp_ll_pos(v, start + i);

		if (p >= v->frame_len || !fp_act_read(m, (uint32_t)p, 1, &dst[i]))
			return false;
	}
	return true;
}

static bool
fp_hdr_write(struct rte_mbuf *m, const struct pkt_view *v, bool ll,
	     uint64_t start, uint32_t len, const uint8_t *src)
{
	if (!ll || v->nh_off == FP_ETH_HLEN || start + len <= 12)
		return start + len <= v->frame_len &&
		       fp_act_write(m, (uint32_t)start, len, src);
	for (uint32_t i = 0; i < len; i++) {
		uint64_t p = fp_ll_pos(v, start + i);

		if (p >= v->frame_len ||
		    !fp_act_write(m, (uint32_t)p, 1, &src[i]))
			return false;
	}
	return true;
}

/* nft_csum_replace(): incremental update; 0 is stored as CSUM_MANGLED_0. */
static uint16_t
fp_csum_replace(uint16_t sum, uint32_t fsum, uint32_t tsum)
{
	uint32_t x = ~(uint32_t)sum;
	uint16_t r;

	x = fp_csum_add(x, ~fsum);
	x = fp_csum_add(x, tsum);
	r = (uint16_t)~fp_csum_fold16(x);
	return r == 0 ? 0xffff : r;
}

static bool
fp_csum_replace_at(struct rte_mbuf *m, const struct pkt_view *v, bool ll,
		   uint64_t pos, uint32_t fsum, uint32_t tsum)
{
	uint8_t b[2];
	uint16_t s;

	if (!fp_hdr_read(m, v, ll, pos, 2, b))
		return false;
	s = fp_csum_replace((uint16_t)(b[0] << 8 | b[1]), fsum, tsum);
	b[0] = (uint8_t)(s >> 8);
	b[1] = (uint8_t)s;
	return fp_hdr_write(m, v, ll, pos, 2, b);
}

/* nft_payload_l4csum_update(): true = done or nothing to do. */
static bool
fp_l4csum_update(struct rte_mbuf *m, const struct pkt_view *v, uint32_t fsum,
		 uint32_t tsum)
{
	uint64_t th = (uint64_t)v->nh_off + v->thoff;
	uint8_t ck[2];
	uint64_t pos;

	if (v->fragoff != 0)
		return true;
	/* pkt->tprot: 0 when the kernel has no transport info */
	switch ((v->flags & PKT_VIEW_F_L4PROTO) ? v->l4proto : 0) {
	case FP_IPPROTO_TCP:
		pos = th + 16;
		break;
	case FP_IPPROTO_UDP:
		/* nft_payload_udp_checksum(): unreadable or 0 -> skip */
		if (th + 8 > v->frame_len || !fp_act_read(m, (uint32_t)th + 6, 2, ck) ||
		    (ck[0] | ck[1]) == 0)
			return true;
		pos = th + 6;
		break;
	case FP_IPPROTO_UDPLITE:
		pos = th + 6;
		break;
	case FP_IPPROTO_ICMPV6:
		pos = th + 2;
		break;
	default:
		return true;
	}
	return fp_csum_replace_at(m, v, false, pos, fsum, tsum);
}

/* nft_payload_csum_sctp(): CRC32c over [th, end) with the field zeroed. */
static bool
fp_sctp_csum(struct rte_mbuf *m, const struct pkt_view *v)
{
	uint64_t th = (uint64_t)v->nh_off + v->thoff;
	uint32_t off, end = v->frame_len, crc = 0xffffffffu;
	uint8_t buf[256], ck[4];

	if (th + 12 > end)
		return false;
	for (off = (uint32_t)th; off < end;) {
		uint32_t n = end - off < sizeof(buf) ? end - off : sizeof(buf);

		if (!fp_act_read(m, off, n, buf))
			return false;
		/* zero the checksum field where this chunk covers it */
		for (uint32_t i = 0; i < n; i++)
			if (off + i >= th + 8 && off + i < th + 12)
				buf[i] = 0;
		crc = rte_hash_crc(buf, n, crc);
		off += n;
	}
	crc = ~crc;
	/* cpu_to_le32() of the value: little-endian bytes */
	ck[0] = (uint8_t)crc;
	ck[1] = (uint8_t)(crc >> 8);
	ck[2] = (uint8_t)(crc >> 16);
	ck[3] = (uint8_t)(crc >> 24);
	return fp_act_write(m, (uint32_t)th + 8, 4, ck);
}

bool
fp_act_payload_set(struct rte_mbuf *m, const struct pkt_view *v,
		   enum ir_payload_base base, uint32_t offset, uint32_t len,
		   const uint8_t *src, enum ir_csum_type csum_type,
		   uint32_t csum_offset, uint32_t csum_flags)
{
	uint8_t old[IR_DATA_MAX];
	bool ll = false;
	uint64_t start;

	if (len > IR_DATA_MAX || !(v->flags & PKT_VIEW_F_HOOK))
		return false;
	switch (base) {
	case IR_BASE_LL:
		start = 0;
		ll = true;
		break;
	case IR_BASE_NETWORK:
		start = v->nh_off;
		break;
	case IR_BASE_TRANSPORT:
		if (!(v->flags & PKT_VIEW_F_L4PROTO) || v->fragoff != 0)
			return false;
		start = (uint64_t)v->nh_off + v->thoff;
		break;
	default:
		return false;
	}

	if (csum_type == IR_CSUM_INET || csum_flags != 0) {
		uint32_t fsum, tsum;

		/* skb_checksum() of the old bytes: the kernel would read out
		 * of the skb here; we break the rule instead */
		if (!fp_hdr_read(m, v, ll, start + offset, len, old))
			return false;
		fsum = fp_csum_partial(old, len, 0);
		tsum = fp_csum_partial(src, len, 0);
		if (csum_type == IR_CSUM_INET &&
		    !fp_csum_replace_at(m, v, ll, start + csum_offset, fsum, tsum))
			return false;
		if (csum_flags != 0 && !fp_l4csum_update(m, v, fsum, tsum))
			return false;
	}
	if (!fp_hdr_write(m, v, ll, start + offset, len, src))
		return false;
	if (csum_type == IR_CSUM_SCTP && (v->flags & PKT_VIEW_F_L4PROTO) &&
	    v->l4proto == FP_IPPROTO_SCTP && v->fragoff == 0 &&
	    !fp_sctp_csum(m, v))
		return false;
	return true;
}

/* ---- dup ------------------------------------------------------------------ */

struct rte_mbuf *
fp_act_dup(struct rte_mbuf *m)
{
	return rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX);
}

/* ---- reject --------------------------------------------------------------- */

uint8_t
fp_reject_icmpx_to_icmp(uint8_t icmpx)
{
	static const uint8_t code[] = { 0, 3, 1, 13 };

	return icmpx < RTE_DIM(code) ? code[icmpx] : 0;
}

uint8_t
fp_reject_icmpx_to_icmpv6(uint8_t icmpx)
{
	static const uint8_t code[] = { 0, 4, 3, 1 };

	return icmpx < RTE_DIM(code) ? code[icmpx] : 0;
}

static inline uint16_t
fp_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void
fp_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline uint32_t
fp_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline void
fp_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* skb_csum_unnecessary(): the NIC verified the L4 checksum. */
static inline bool
fp_csum_unnecessary(const struct rte_mbuf *m)
{
	return (m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) ==
	       RTE_MBUF_F_RX_L4_CKSUM_GOOD;
}

/* nf_reject_verify_csum(): does proto's checksum cover its payload?
 * (UDP with checksum 0 does not; GRE, AH, ESP, SCTP, UDP-Lite neither.) */
static bool
fp_reject_verify_csum(const struct rte_mbuf *m, uint32_t l4, uint32_t end,
		      uint8_t proto)
{
	uint8_t uh[8];

	switch (proto) {
	case FP_IPPROTO_UDP:
		if (l4 + 8 > end || !fp_act_read(m, l4, 8, uh))
			return true;
		return (uh[6] | uh[7]) != 0;
	case FP_IPPROTO_GRE:
	case FP_IPPROTO_AH:
	case FP_IPPROTO_ESP:
	case FP_IPPROTO_SCTP:
	case FP_IPPROTO_UDPLITE:
		return false;
	}
	return true;
}

/*
 * nf_ip_checksum(), CHECKSUM_NONE: the pseudo header (TCP/UDP only) plus
 * every byte of the skb from the network header to `end`, IP header
 * included (a valid IPv4 header sums to zero): valid when it folds to 0.
 */
static bool
fp_ip_checksum_ok(const struct rte_mbuf *m, uint32_t nh, uint32_t end,
		  uint32_t dataoff, const uint8_t *iph, uint8_t proto)
{
	uint32_t sum = 0, s;

	if (proto == FP_IPPROTO_TCP || proto == FP_IPPROTO_UDP) {
		sum = fp_csum_partial(iph + 12, 8, 0);
		sum = fp_csum_add(sum, proto);
		sum = fp_csum_add(sum, end - nh - dataoff);
	}
	if (!fp_csum_frame(m, nh, end - nh, &s))
		return false;
	return fp_csum_fold16(fp_csum_add(sum, s)) == 0xffff;
}

/* nf_ip6_checksum(), CHECKSUM_NONE: pseudo header + [thoff, end). */
static bool
fp_ip6_checksum_ok(const struct rte_mbuf *m, uint32_t nh, uint32_t end,
		   uint32_t thoff, const uint8_t *ip6h, uint8_t proto)
{
	uint32_t sum, s;

	sum = fp_csum_partial(ip6h + 8, 32, 0);
	sum = fp_csum_add(sum, end - nh - thoff);
	sum = fp_csum_add(sum, proto);
	if (!fp_csum_frame(m, nh + thoff, end - nh - thoff, &s))
		return false;
	return fp_csum_fold16(fp_csum_add(sum, s)) == 0xffff;
}

/*
 * ipv6_skip_exthdr() over the frame from nh (bounded by end): the offset
 * from nh of the first non-extension header, *proto its type, *frag_off the
 * fragment header's raw offset field; -1 when unreadable or NEXTHDR_NONE.
 * A non-first fragment stops the walk at the fragment header.
 */
static int32_t
fp_ipv6_skip_exthdr(const struct rte_mbuf *m, uint32_t nh, uint32_t end,
		    uint8_t *proto, uint16_t *frag_off)
{
	uint32_t start = 40;
	uint8_t nexthdr = *proto;

	*frag_off = 0;
	for (;;) {
		uint8_t hp[2], fo[2];
		uint32_t hdrlen;

		switch (nexthdr) {
		case 0: case 43: case 44: case 51: case 59: case 60:
			break;
		default:
			*proto = nexthdr;
			return (int32_t)start;
		}
		if (nexthdr == 59)
			return -1;
		if ((uint64_t)nh + start + 2 > end ||
		    !fp_act_read(m, nh + start, 2, hp))
			return -1;
		if (nexthdr == 44) {
			if ((uint64_t)nh + start + 4 > end ||
			    !fp_act_read(m, nh + start + 2, 2, fo))
				return -1;
			*frag_off = fp_be16(fo);
			if (*frag_off & ~0x7)
				break;
			hdrlen = 8;
		} else if (nexthdr == 51) {
			hdrlen = ((uint32_t)hp[1] + 2) << 2;
		} else {
			hdrlen = ((uint32_t)hp[1] + 1) << 3;
		}
		nexthdr = hp[0];
		start += hdrlen;
	}
	*proto = nexthdr;
	return (int32_t)start;
}

static struct rte_mbuf *
fp_reply_alloc(const struct rte_mbuf *m, const uint8_t *frame_hdr,
	       rte_be16_t proto, uint32_t l3len, uint8_t **l3)
{
	struct rte_mbuf *r = rte_pktmbuf_alloc(m->pool);
	uint8_t *p;

	if (r == NULL)
		return NULL;
	p = (uint8_t *)rte_pktmbuf_append(r, (uint16_t)(FP_ETH_HLEN + l3len));
	if (p == NULL || FP_ETH_HLEN + l3len > UINT16_MAX) {
		rte_pktmbuf_free(r);
		return NULL;
	}
	/* dev_hard_header(nskb, dev, ntohs(oldskb->protocol),
	 *		   eth->h_source, eth->h_dest, ...) */
	memcpy(p, frame_hdr + 6, 6);
	memcpy(p + 6, frame_hdr, 6);
	memcpy(p + 12, &proto, 2);
	memset(p + FP_ETH_HLEN, 0, l3len);
	*l3 = p + FP_ETH_HLEN;
	return r;
}

static void
fp_ip4_put(uint8_t *ip, const uint8_t *oiph, uint8_t proto, uint8_t ttl,
	   uint16_t tot_len)
{
	/* nf_reject_iphdr_put() + ip_send_check() */
	ip[0] = 0x45;
	ip[1] = 0;
	fp_put16(ip + 2, tot_len);
	fp_put16(ip + 4, 0);
	fp_put16(ip + 6, 0x4000);
	ip[8] = ttl;
	ip[9] = proto;
	memcpy(ip + 12, oiph + 16, 4);
	memcpy(ip + 16, oiph + 12, 4);
	fp_put16(ip + 10, (uint16_t)~fp_csum_fold16(fp_csum_partial(ip, 20, 0)));
}

static struct rte_mbuf *
fp_reject_v4(const struct rte_mbuf *m, const struct pkt_view *v,
	     const uint8_t *eth, bool rst, uint8_t code, uint8_t ttl,
	     uint32_t flags)
{
	uint32_t nh = v->nh_off, end = v->frame_len, skblen = end - nh;
	uint8_t iph[20], *ip;
	uint32_t ihl, tot;
	struct rte_mbuf *r;

	/* nf_reject_iphdr_validate() */
	if (skblen < 20 || !fp_act_read(m, nh, 20, iph))
		return NULL;
	ihl = (iph[0] & 0xfu) * 4;
	if (ihl < 20 || (iph[0] >> 4) != 4)
		return NULL;
	tot = fp_be16(iph + 2);
	if (skblen < tot || tot < ihl)
		return NULL;
	/* IP header checks: fragment */
	if (fp_be16(iph + 6) & 0x1fff)
		return NULL;

	if (rst) {
		uint8_t th[20], *t;
		uint32_t seq;

		/* nf_reject_ip_tcphdr_get() */
		if (iph[9] != FP_IPPROTO_TCP)
			return NULL;
		if ((uint64_t)nh + ihl + 20 > end ||
		    !fp_act_read(m, nh + ihl, 20, th))
			return NULL;
		if (th[13] & FP_TCP_RST)
			return NULL;
		/* nf_ip_checksum() over the whole skb (not trimmed) */
		if (!fp_csum_unnecessary(m) &&
		    !fp_ip_checksum_ok(m, nh, end, ihl, iph, FP_IPPROTO_TCP))
			return NULL;
		r = fp_reply_alloc(m, eth, v->protocol, 40, &ip);
		if (r == NULL)
			return NULL;
		t = ip + 20;
		/* nf_reject_ip_tcphdr_put() */
		memcpy(t, th + 2, 2);
		memcpy(t + 2, th, 2);
		t[12] = 5 << 4;
		if (th[13] & FP_TCP_ACK) {
			memcpy(t + 4, th + 8, 4);
			t[13] = FP_TCP_RST;
		} else {
			seq = fp_be32(th + 4) + !!(th[13] & FP_TCP_SYN) +
			      !!(th[13] & FP_TCP_FIN) + skblen - ihl -
			      (uint32_t)((th[12] >> 4) << 2);
			fp_put32(t + 8, seq);
			t[13] = FP_TCP_RST | FP_TCP_ACK;
		}
		fp_ip4_put(ip, iph, FP_IPPROTO_TCP, ttl, 40);
		{
			uint32_t s = fp_csum_partial(ip + 12, 8, 0);

			s = fp_csum_add(s, FP_IPPROTO_TCP);
			s = fp_csum_add(s, 20);
			/* ~tcp_v4_check(20, saddr, daddr, 0): pseudo only */
			if (flags & FP_REJECT_F_RST4_PARTIAL_CSUM) {
				fp_put16(t + 16, fp_csum_fold16(s));
				return r;
			}
			s = fp_csum_partial(t, 20, s);
			fp_put16(t + 16, (uint16_t)~fp_csum_fold16(s));
		}
		return r;
	}

	/* nf_reject_skb_v4_unreach() */
	if (iph[9] == FP_IPPROTO_ICMP) {
		/* nf_skb_is_icmp_unreach(): at nh + sizeof(struct iphdr),
		 * whatever ihl says */
		uint8_t type;

		if ((uint64_t)nh + 20 + 1 <= end && fp_act_read(m, nh + 20, 1, &type) &&
		    type == FP_ICMP_DEST_UNREACH)
			return NULL;
	}
	{
		/* len before pskb_trim_rcsum(): the quote keeps the padding */
		uint32_t len = skblen < FP_REJECT_V4_MAX ? skblen : FP_REJECT_V4_MAX;
		uint32_t tend = nh + tot;	/* trimmed to tot_len */
		uint8_t proto = iph[9];
		uint8_t *icmp;

		if (!fp_csum_unnecessary(m) &&
		    fp_reject_verify_csum(m, nh + ihl, tend, proto) &&
		    !fp_ip_checksum_ok(m, nh, tend, ihl, iph, proto))
			return NULL;
		r = fp_reply_alloc(m, eth, v->protocol, 28 + len, &ip);
		if (r == NULL)
			return NULL;
		icmp = ip + 20;
		icmp[0] = FP_ICMP_DEST_UNREACH;
		icmp[1] = code;
		if (!fp_act_read(m, nh, len, icmp + 8)) {
			rte_pktmbuf_free(r);
			return NULL;
		}
		fp_put16(icmp + 2, (uint16_t)~fp_csum_fold16(
				 fp_csum_partial(icmp, 8 + len, 0)));
		fp_ip4_put(ip, iph, FP_IPPROTO_ICMP, ttl, (uint16_t)(28 + len));
		return r;
	}
}

static void
fp_ip6_put(uint8_t *ip, const uint8_t *oip6h, uint8_t proto, uint8_t hoplimit,
	   uint16_t payload_len)
{
	/* nf_reject_ip6hdr_put(): tclass 0, flow label 0 */
	ip[0] = 0x60;
	fp_put16(ip + 4, payload_len);
	ip[6] = proto;
	ip[7] = hoplimit;
	memcpy(ip + 8, oip6h + 24, 16);
	memcpy(ip + 24, oip6h + 8, 16);
}

static struct rte_mbuf *
fp_reject_v6(const struct rte_mbuf *m, const struct pkt_view *v,
	     const uint8_t *eth, bool rst, uint8_t code, uint8_t hoplimit)
{
	uint32_t nh = v->nh_off, end = v->frame_len, skblen = end - nh;
	uint8_t ip6h[40], *ip;
	struct rte_mbuf *r;
	uint16_t frag_off;
	uint8_t proto;
	int32_t thoff;
	uint32_t plen;

	/* nf_reject_ip6hdr_validate() */
	if (skblen < 40 || !fp_act_read(m, nh, 40, ip6h))
		return NULL;
	if ((ip6h[0] >> 4) != 6)
		return NULL;
	plen = fp_be16(ip6h + 4);
	if (plen + 40 > skblen)
		return NULL;

	if (rst) {
		uint8_t th[20], *t;
		uint32_t otcplen, s;

		/* nf_reject_ip6_tcphdr_get(): the fragment offset is not
		 * looked at */
		proto = ip6h[6];
		thoff = fp_ipv6_skip_exthdr(m, nh, end, &proto, &frag_off);
		if (thoff < 0 || (uint32_t)thoff > skblen)
			return NULL;
		otcplen = skblen - (uint32_t)thoff;
		if (proto != FP_IPPROTO_TCP || otcplen < 20)
			return NULL;
		if (!fp_act_read(m, nh + (uint32_t)thoff, 20, th))
			return NULL;
		if (th[13] & FP_TCP_RST)
			return NULL;
		if (!fp_csum_unnecessary(m) &&
		    !fp_ip6_checksum_ok(m, nh, end, (uint32_t)thoff, ip6h,
					FP_IPPROTO_TCP))
			return NULL;
		r = fp_reply_alloc(m, eth, v->protocol, 60, &ip);
		if (r == NULL)
			return NULL;
		fp_ip6_put(ip, ip6h, FP_IPPROTO_TCP, hoplimit, 20);
		t = ip + 40;
		/* nf_reject_ip6_tcphdr_put() */
		memcpy(t, th + 2, 2);
		memcpy(t + 2, th, 2);
		t[12] = 5 << 4;
		if (th[13] & FP_TCP_ACK) {
			memcpy(t + 4, th + 8, 4);
			t[13] = FP_TCP_RST;
		} else {
			fp_put32(t + 8, fp_be32(th + 4) + !!(th[13] & FP_TCP_SYN) +
				 !!(th[13] & FP_TCP_FIN) + otcplen -
				 (uint32_t)((th[12] >> 4) << 2));
			t[13] = FP_TCP_RST | FP_TCP_ACK;
		}
		s = fp_csum_partial(ip + 8, 32, 0);
		s = fp_csum_add(s, 20);
		s = fp_csum_add(s, FP_IPPROTO_TCP);
		s = fp_csum_partial(t, 20, s);
		fp_put16(t + 16, (uint16_t)~fp_csum_fold16(s));
		return r;
	}

	/* nf_skb_is_icmp6_unreach() */
	proto = ip6h[6];
	thoff = fp_ipv6_skip_exthdr(m, nh, end, &proto, &frag_off);
	if (thoff >= 0 && (uint32_t)thoff < skblen && frag_off == 0 &&
	    proto == FP_IPPROTO_ICMPV6) {
		uint8_t type;

		if (fp_act_read(m, nh + (uint32_t)thoff, 1, &type) &&
		    type == FP_ICMPV6_DEST_UNREACH)
			return NULL;
	}
	{
		uint32_t len = skblen < FP_REJECT_V6_MAX ? skblen : FP_REJECT_V6_MAX;
		uint8_t *icmp;
		uint32_t s;

		/* nf_reject_v6_csum_ok() */
		if (!fp_csum_unnecessary(m)) {
			uint32_t tend = plen ? nh + 40 + plen : end;

			proto = ip6h[6];
			thoff = fp_ipv6_skip_exthdr(m, nh, tend, &proto, &frag_off);
			if (thoff < 0 || (uint32_t)thoff >= tend - nh ||
			    (frag_off & ~0x7))
				return NULL;
			if (fp_reject_verify_csum(m, nh + (uint32_t)thoff, tend, proto) &&
			    !fp_ip6_checksum_ok(m, nh, tend, (uint32_t)thoff, ip6h,
						proto))
				return NULL;
		}
		r = fp_reply_alloc(m, eth, v->protocol, 48 + len, &ip);
		if (r == NULL)
			return NULL;
		fp_ip6_put(ip, ip6h, FP_IPPROTO_ICMPV6, hoplimit,
			   (uint16_t)(8 + len));
		icmp = ip + 40;
		icmp[0] = FP_ICMPV6_DEST_UNREACH;
		icmp[1] = code;
		if (!fp_act_read(m, nh, len, icmp + 8)) {
			rte_pktmbuf_free(r);
			return NULL;
		}
		s = fp_csum_partial(ip + 8, 32, 0);
		s = fp_csum_add(s, 8 + len);
		s = fp_csum_add(s, FP_IPPROTO_ICMPV6);
		s = fp_csum_partial(icmp, 8 + len, s);
		fp_put16(icmp + 2, (uint16_t)~fp_csum_fold16(s));
		return r;
	}
}

struct rte_mbuf *
fp_act_reject(const struct rte_mbuf *m, const struct pkt_view *v,
	      enum ir_reject_type type, uint8_t code, uint8_t ttl,
	      uint8_t hoplimit, uint32_t flags)
{
	uint8_t eth[FP_ETH_HLEN];
	bool rst = type == IR_REJECT_TCP_RST;

	if (!(v->flags & PKT_VIEW_F_HOOK) || !fp_act_read(m, 0, FP_ETH_HLEN, eth))
		return NULL;
	/* is_broadcast_ether_addr() || is_multicast_ether_addr() */
	if (eth[0] & 1)
		return NULL;
	/* eth->h_proto after untagging == skb->protocol for IP */
	if (v->protocol == RTE_BE16(RTE_ETHER_TYPE_IPV4))
		return fp_reject_v4(m, v, eth, rst,
				    type == IR_REJECT_ICMPX_UNREACH ?
				    fp_reject_icmpx_to_icmp(code) : code, ttl,
				    flags);
	if (v->protocol == RTE_BE16(RTE_ETHER_TYPE_IPV6))
		return fp_reject_v6(m, v, eth, rst,
				    type == IR_REJECT_ICMPX_UNREACH ?
				    fp_reject_icmpx_to_icmpv6(code) : code,
				    hoplimit);
	/* "No explicit way to reject this protocol, drop it." */
	return NULL;
}
