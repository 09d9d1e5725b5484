/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit test of fastpath/pkt_view: hand-written frames with the answers the
 * kernel gives (checked against a running kernel by kernel_view_diff.py),
 * then every frame again through the reference model (pkt_view_ref.c) and
 * through every way of splitting it into mbuf segments.
 *
 * Runs without hugepages or devices; exits non-zero on any failed check.
 */

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "fastpath/pkt_view.h"
#include "tests/unit/pkt_view_ref.h"

static unsigned long n_pass, n_fail;
static const char *cur_case = "";

#define CHECK(cond) do { \
	if (cond) { \
		n_pass++; \
	} else { \
		n_fail++; \
		if (n_fail <= 50) \
			fprintf(stderr, "%s:%d: [%s] CHECK(%s) failed\n", \
				__FILE__, __LINE__, cur_case, #cond); \
	} \
} while (0)

static struct rte_mempool *pool;

static const struct rte_ether_addr port_mac = {
	.addr_bytes = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 } };
static const uint8_t mac_port[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t mac_src[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };
static const uint8_t mac_other[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x03 };
static const uint8_t mac_bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t mac_mcast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };

/* ---- frame building ---------------------------------------------------- */

#define FRAME_MAX 1800

struct frame {
	uint8_t b[FRAME_MAX];
	uint32_t len;
};

static void
put(struct frame *f, const void *p, uint32_t n)
{
	memcpy(f->b + f->len, p, n);
	f->len += n;
}

static void
put8(struct frame *f, uint8_t v)
{
	f->b[f->len++] = v;
}

static void
put16(struct frame *f, uint16_t v)
{
	put8(f, v >> 8);
	put8(f, v & 0xff);
}

static void
put32(struct frame *f, uint32_t v)
{
	put16(f, v >> 16);
	put16(f, v & 0xffff);
}

static void
fill(struct frame *f, uint32_t n, uint8_t first)
{
	while (n--)
		put8(f, first++);
}

static void
set16(struct frame *f, uint32_t off, uint16_t v)
{
	f->b[off] = v >> 8;
	f->b[off + 1] = v & 0xff;
}

static void
eth(struct frame *f, const uint8_t dst[6], uint16_t type)
{
	f->len = 0;
	put(f, dst, 6);
	put(f, mac_src, 6);
	put16(f, type);
}

static void
vlan(struct frame *f, uint16_t tci, uint16_t type)
{
	put16(f, tci);
	put16(f, type);
}

/* IPv4 header; returns its offset. tot_len is fixed up by ip4_done(). */
static uint32_t
ip4(struct frame *f, uint8_t ihl, uint8_t proto, uint16_t frag)
{
	uint32_t off = f->len;
	unsigned int i;

	put8(f, 0x40 | ihl);
	put8(f, 0);
	put16(f, 0);		/* tot_len */
	put16(f, 0x1234);
	put16(f, frag);
	put8(f, 64);
	put8(f, proto);
	put16(f, 0);
	put32(f, 0x0a000001);
	put32(f, 0x0a000002);
	for (i = 5; i < ihl; i++)
		put32(f, 0x01010101);	/* NOP options */
	return off;
}

static void
ip4_done(struct frame *f, uint32_t off)
{
	set16(f, off + 2, f->len - off);
}

static uint32_t
ip6(struct frame *f, uint8_t nexthdr)
{
	uint32_t off = f->len;

	put32(f, 0x60000000);
	put16(f, 0);		/* payload_len */
	put8(f, nexthdr);
	put8(f, 64);
	put32(f, 0x20010db8);
	put32(f, 0);
	put32(f, 0);
	put32(f, 1);
	put32(f, 0x20010db8);
	put32(f, 0);
	put32(f, 0);
	put32(f, 2);
	return off;
}

static void
ip6_done(struct frame *f, uint32_t off)
{
	set16(f, off + 4, f->len - off - 40);
}

/* An options extension header (HBH, DST, routing) of 8 * (hdrlen + 1). */
static void
ip6_opt(struct frame *f, uint8_t nexthdr, uint8_t hdrlen)
{
	put8(f, nexthdr);
	put8(f, hdrlen);
	put8(f, 1);		/* PadN over the rest */
	put8(f, 8 * (hdrlen + 1) - 4);
	fill(f, 8 * (hdrlen + 1) - 4, 0);
}

static void
ip6_frag(struct frame *f, uint8_t nexthdr, uint16_t offset8, bool more)
{
	put8(f, nexthdr);
	put8(f, 0);
	put16(f, (uint16_t)(offset8 << 3) | (more ? 1 : 0));
	put32(f, 0xabcdef01);
}

static void
tcp(struct frame *f, uint16_t sport, uint16_t dport, uint8_t doff)
{
	unsigned int i;

	put16(f, sport);
	put16(f, dport);
	put32(f, 1000);
	put32(f, 0);
	put8(f, doff << 4);
	put8(f, 0x02);
	put16(f, 65535);
	put16(f, 0);
	put16(f, 0);
	for (i = 5; i < doff; i++)
		put32(f, 0x01010101);
}

static void
udp(struct frame *f, uint16_t sport, uint16_t dport, uint16_t payload)
{
	put16(f, sport);
	put16(f, dport);
	put16(f, 8 + payload);
	put16(f, 0);
}

/* ---- mbufs ---------------------------------------------------------------- */

/*
 * The frame in segments of the given lengths, the last one taking the rest;
 * a 0 makes an empty segment.
 */
static struct rte_mbuf *
mk_mbuf(const uint8_t *data, uint32_t len, const uint32_t *seg,
	unsigned int nseg)
{
	struct rte_mbuf *head = NULL, *m;
	uint32_t done = 0, n;
	unsigned int i = 0;
	char *p;

	do {
		n = len - done;
		if (i < nseg && seg[i] < n)
			n = seg[i];
		m = rte_pktmbuf_alloc(pool);
		if (m == NULL) {
			fprintf(stderr, "mbuf pool exhausted\n");
			exit(2);
		}
		p = rte_pktmbuf_append(m, n);
		if (p == NULL) {
			fprintf(stderr, "segment too long\n");
			exit(2);
		}
		memcpy(p, data + done, n);
		done += n;
		i++;
		if (head == NULL) {
			head = m;
		} else if (rte_pktmbuf_chain(head, m) != 0) {
			fprintf(stderr, "too many segments\n");
			exit(2);
		}
	} while (done < len || i < nseg);
	return head;
}

static bool
parse(const struct frame *f, struct pkt_view *v)
{
	struct rte_mbuf *m = mk_mbuf(f->b, f->len, NULL, 0);
	bool r = pkt_view_parse(m, &port_mac, v);

	rte_pktmbuf_free(m);
	return r;
}

/* One load on a freshly built single-segment mbuf; the view is re-parsed. */
static bool
load(const struct frame *f, enum pkt_view_base base, uint32_t off,
     uint32_t len, void *dst)
{
	struct rte_mbuf *m = mk_mbuf(f->b, f->len, NULL, 0);
	struct pkt_view v;
	bool r;

	pkt_view_parse(m, &port_mac, &v);
	r = pkt_view_load_payload(m, &v, base, off, len, dst);
	rte_pktmbuf_free(m);
	return r;
}

static bool
load_eq(const struct frame *f, enum pkt_view_base base, uint32_t off,
	uint32_t len, const void *want)
{
	uint8_t got[256];

	return load(f, base, off, len, got) && memcmp(got, want, len) == 0;
}

static bool
load_fails(const struct frame *f, enum pkt_view_base base, uint32_t off,
	   uint32_t len)
{
	uint8_t got[256];

	return !load(f, base, off, len, got);
}

static bool
l4(const struct pkt_view *v, uint8_t want)
{
	uint8_t p;

	return pkt_view_meta_l4proto(v, &p) && p == want;
}

static bool
no_l4(const struct pkt_view *v)
{
	uint8_t p;

	return !pkt_view_meta_l4proto(v, &p);
}

static const uint8_t be_80[2] = { 0, 80 };
static const uint8_t be_53[2] = { 0, 53 };

/* ---- cross checks: reference model and segmentations --------------------- */

#define MAX_OFF 96
#define MAX_LEN 40

static const enum pkt_view_base all_bases[] = {
	PKT_BASE_LL, PKT_BASE_NH, PKT_BASE_TH, PKT_BASE_IH };

static unsigned long xcheck_mismatch;

static void
xfail(const char *what, const struct frame *f, int base, uint32_t off,
      uint32_t len)
{
	n_fail++;
	if (++xcheck_mismatch <= 20)
		fprintf(stderr, "[%s] %s: frame len %u base %d off %u len %u\n",
			cur_case, what, f->len, base, off, len);
}

/* pkt_view on mbuf m agrees with the kernel model on everything. */
static void
compare_with_ref(const struct frame *f, const struct pv_ref_skb *ref,
		 struct rte_mbuf *m)
{
	struct pkt_view v;
	uint8_t a[256], b[256];
	bool hook;
	unsigned int bi;
	uint32_t off, len;

	hook = pkt_view_parse(m, &port_mac, &v);
	if (hook != ref->hook) {
		xfail("hook", f, -1, 0, 0);
		return;
	}
	n_pass++;
	if (hook) {
		uint8_t p = 0;
		bool has_l4 = pkt_view_meta_l4proto(&v, &p);

		if (pkt_view_meta_len(&v) != ref->len ||
		    rte_be_to_cpu_16(pkt_view_meta_protocol(&v)) != ref->protocol ||
		    pkt_view_meta_pkttype(&v) != ref->pkt_type ||
		    has_l4 != ref->l4proto_set ||
		    (has_l4 && p != ref->tprot) ||
		    (has_l4 && v.thoff != ref->thoff) ||
		    v.fragoff != ref->fragoff ||
		    !!(v.flags & PKT_VIEW_F_VLAN) != ref->vlan_present)
			xfail("meta", f, -1, 0, 0);
		else
			n_pass++;
	}
	for (bi = 0; bi < RTE_DIM(all_bases); bi++) {
		for (off = 0; off <= MAX_OFF; off++) {
			for (len = 1; len <= MAX_LEN; len++) {
				bool ra, rb;

				memset(a, 0xaa, sizeof(a));
				memset(b, 0x55, sizeof(b));
				ra = pkt_view_load_payload(m, &v, all_bases[bi],
							   off, len, a);
				rb = pv_ref_payload(ref, all_bases[bi], off,
						    len, b);
				if (ra != rb || (ra && memcmp(a, b, len) != 0))
					xfail("load", f, all_bases[bi], off,
					      len);
				else
					n_pass++;
			}
		}
		/* Offsets the kernel allows at most (255) and beyond. */
		for (off = 200; off <= 255; off += 5) {
			bool ra = pkt_view_load_payload(m, &v, all_bases[bi],
							off, 4, a);
			bool rb = pv_ref_payload(ref, all_bases[bi], off, 4,
						 b);

			if (ra != rb || (ra && memcmp(a, b, 4) != 0))
				xfail("load-far", f, all_bases[bi], off, 4);
		}
		if (pkt_view_load_payload(m, &v, all_bases[bi], UINT32_MAX,
					  4, a) ||
		    pkt_view_load_payload(m, &v, all_bases[bi], 0x10000000,
					  UINT32_MAX, a))
			xfail("load-huge", f, all_bases[bi], UINT32_MAX, 4);
	}
	n_pass++;
}

/*
 * The frame against the reference model: single segment, every two-segment
 * split, one-byte segments, and an empty segment in the middle.
 */
static void
xcheck(const struct frame *f)
{
	static struct pv_ref_skb ref;
	struct rte_mbuf *m;
	uint32_t cut, segs[FRAME_MAX];
	unsigned int i;

	pv_ref_receive(&ref, f->b, f->len, mac_port);

	m = mk_mbuf(f->b, f->len, NULL, 0);
	compare_with_ref(f, &ref, m);
	rte_pktmbuf_free(m);

	for (cut = 1; cut < f->len; cut++) {
		m = mk_mbuf(f->b, f->len, &cut, 1);
		compare_with_ref(f, &ref, m);
		rte_pktmbuf_free(m);
	}

	if (f->len <= 200) {
		for (i = 0; i < f->len; i++)
			segs[i] = 1;
		m = mk_mbuf(f->b, f->len, segs, f->len);
		if (m->nb_segs != f->len && f->len > 0)
			xfail("nb_segs", f, -1, 0, 0);
		compare_with_ref(f, &ref, m);
		rte_pktmbuf_free(m);
	}

	segs[0] = f->len / 2;
	segs[1] = 0;
	segs[2] = 7;
	m = mk_mbuf(f->b, f->len, segs, 3);
	compare_with_ref(f, &ref, m);
	rte_pktmbuf_free(m);
}

/* ---- the cases ------------------------------------------------------------- */

#define CASE(name) cur_case = (name)

static struct frame corpus[64];
static unsigned int n_corpus;

static void
keep(const struct frame *f)
{
	if (n_corpus < RTE_DIM(corpus))
		corpus[n_corpus++] = *f;
}

static void
test_ipv4(void)
{
	struct frame f;
	struct pkt_view v;
	uint32_t ip;

	CASE("ipv4 tcp");
	eth(&f, mac_port, 0x0800);
	ip = ip4(&f, 5, 6, 0);
	tcp(&f, 1234, 80, 5);
	fill(&f, 10, 0xc0);
	ip4_done(&f, ip);
	CHECK(parse(&f, &v));
	CHECK(v.flags & PKT_VIEW_F_HOOK);
	CHECK(!(v.flags & PKT_VIEW_F_VLAN));
	CHECK(v.nh_off == 14);
	CHECK(pkt_view_meta_protocol(&v) == RTE_BE16(0x0800));
	CHECK(pkt_view_meta_len(&v) == f.len - 14);
	CHECK(l4(&v, 6));
	CHECK(v.thoff == 20);
	CHECK(v.fragoff == 0);
	CHECK(pkt_view_meta_pkttype(&v) == PKT_VIEW_PKTTYPE_HOST);
	CHECK(load_eq(&f, PKT_BASE_TH, 2, 2, be_80));
	CHECK(load_eq(&f, PKT_BASE_NH, 12, 4, "\x0a\x00\x00\x01"));
	CHECK(load_eq(&f, PKT_BASE_NH, 9, 1, "\x06"));
	CHECK(load_eq(&f, PKT_BASE_LL, 12, 2, "\x08\x00"));
	CHECK(load_eq(&f, PKT_BASE_LL, 0, 6, mac_port));
	CHECK(load_eq(&f, PKT_BASE_IH, 0, 3, "\xc0\xc1\xc2"));
	CHECK(load_eq(&f, PKT_BASE_IH, 9, 1, "\xc9"));
	CHECK(load_fails(&f, PKT_BASE_IH, 9, 2));
	CHECK(load_eq(&f, PKT_BASE_LL, f.len - 1, 1, "\xc9"));
	CHECK(load_fails(&f, PKT_BASE_LL, f.len - 1, 2));
	CHECK(load_fails(&f, PKT_BASE_NH, f.len - 14, 1));
	CHECK(load_fails(&f, PKT_BASE_TH, f.len - 34, 1));
	CHECK(load_eq(&f, PKT_BASE_TH, f.len - 35, 1, "\xc9"));
	keep(&f);

	CASE("ipv4 tcp doff 8");
	eth(&f, mac_port, 0x0800);
	ip = ip4(&f, 5, 6, 0);
	tcp(&f, 1234, 80, 8);
	fill(&f, 4, 0xd0);
	ip4_done(&f, ip);
	CHECK(load_eq(&f, PKT_BASE_IH, 0, 4, "\xd0\xd1\xd2\xd3"));
	keep(&f);

	CASE("ipv4 udp");
	eth(&f, mac_port, 0x0800);
	ip = ip4(&f, 5, 17, 0);
	udp(&f, 5353, 53, 6);
	fill(&f, 6, 0x10);
	ip4_done(&f, ip);
	CHECK(parse(&f, &v));
	CHECK(l4(&v, 17));
	CHECK(v.thoff == 20);
	CHECK(load_eq(&f, PKT_BASE_TH, 2, 2, be_53));
	CHECK(load_eq(&f, PKT_BASE_IH, 0, 2, "\x10\x11"));
	keep(&f);

	CASE("ipv4 icmp: no inner header");
	eth(&f, mac_port, 0x0800);
	ip = ip4(&f, 5, 1, 0);
	put32(&f, 0x08000000);
	put32(&f, 0x00010001);
	ip4_done(&f, ip);
	CHECK(parse(&f, &v));
	CHECK(l4(&v, 1));
	CHECK(load_eq(&f, PKT_BASE_TH, 0, 1, "\x08"));
	CHECK(load_fails(&f, PKT_BASE_IH, 0, 1));
	keep(&f);

	CASE("ipv4 options ihl 7");
	eth(&f, mac_port, 0x0800);
	ip = ip4(&f, 7, 6, 0);
	tcp(&f, 1234, 80, 5);
	ip4_done(&f, ip);
	CHECK(parse(&f, &v));
	CHECK(l4(&v, 6));
	CHECK(v.thoff == 28);
	CHECK(load_eq(&f, PKT_BASE_TH, 2, 2, be_80));
	CHECK(load_eq(&f, PKT_BASE_NH, 20, 4, "\x01\x01\x01\x01"));
	keep(&f);

	CASE("ipv4 ihl 4");
	eth(&f, mac_port, 0x0800);
	ip = ip4(&f, 5, 6, 0);
	tcp(&f, 1234, 80, 5);
	ip4_done(&f, ip);
	f.b[ip] = 0x44;
	CHECK(parse(&f, &v));
	CHECK(pkt_view_meta_protocol(&v) == RTE_BE16(0x0800));
	CHECK(no_l4(&v));
	CHECK(v.l4proto == 0 && v.thoff == 0);
	CHECK(load_fails(&f, PKT_BASE_TH, 0, 1));
	CHECK(load_fails(&f, PKT_BASE_IH, 0, 1));
	CHECK(load_eq(&f, PKT_BASE_NH, 9, 1, "\x06"));
	keep(&f);

	CASE("ipv4 version 6");
	eth(&f, mac_port, 0x0800);
	ip = ip4(&f, 5, 6, 0);
	tcp(&f, 1234, 80, 5);
	ip4_done(&f, ip);
	f.b[ip] = 0x65;
	CHECK(parse(&f, &v));
	CHECK(no_l4(&v));
	CHECK(load_fails(&f, PKT_BASE_TH, 0, 1));
	keep(&f);

	CASE("ipv4 tot_len > packet");
	eth(&f, mac_port, 0x0800);
	ip = ip4(&f, 5, 6, 0);
	tcp(&f, 1234, 80, 5);
	ip4_done(&f, ip);
	set16(&f, ip + 2, f.len - ip + 1);
	CHECK(parse(&f, &v));
	CHECK(no_l4(&v));
	CHECK(load_fails(&f, PKT_BASE_TH, 2, 2));
	keep(&f);

	CASE("ipv4 tot_len < packet (padding)");
	eth(&f, mac_port, 0x0800);
	ip = ip4(&f, 5, 17, 0);
	udp(&f, 1, 53, 0);
	ip4_done(&f, ip);
	fill(&f, 60 - f.len, 0);
	CHECK(f.len == 60);
	CHECK(parse(&f, &v));
	CHECK(l4(&v, 17));
	CHECK(pkt_view_meta_len(&v) == 46);	/* padding counts */
	CHECK(load_eq(&f, PKT_BASE_TH, 2, 2, be_53));
	CHECK(load_eq(&f, PKT_BASE_TH, 20, 4, "\x0c\x0d\x0e\x0f"));
	CHECK(load_fails(&f, PKT_BASE_TH, 23, 4));
	keep(&f);

	CASE("ipv4 tot_len < ihl*4");
	eth(&f, mac_port, 0x0800);
	ip = ip4(&f, 6, 6, 0);
	tcp(&f, 1234, 80, 5);
	ip4_done(&f, ip);
	set16(&f, ip + 2, 23);
	CHECK(parse(&f, &v));
	CHECK(no_l4(&v));
	set16(&f, ip + 2, 24);		/* == ihl*4 is enough */
	CHECK(parse(&f, &v));
	CHECK(l4(&v, 6));
	CHECK(load_eq(&f, PKT_BASE_TH, 2, 2, be_80));	/* past tot_len */
	keep(&f);

	CASE("ipv4 tot_len 0");
	set16(&f, ip + 2, 0);
	CHECK(parse(&f, &v));
	CHECK(no_l4(&v));

	CASE("ipv4 first fragment");
	eth(&f, mac_port, 0x0800);
	ip = ip4(&f, 5, 6, 0x2000);	/* MF, offset 0 */
	tcp(&f, 1234, 80, 5);
	ip4_done(&f, ip);
	CHECK(parse(&f, &v));
	CHECK(l4(&v, 6));
	CHECK(v.fragoff == 0);
	CHECK(load_eq(&f, PKT_BASE_TH, 2, 2, be_80));
	keep(&f);

	CASE("ipv4 non-first fragment");
	eth(&f, mac_port, 0x0800);
	ip = ip4(&f, 5, 6, 0x2000 | 185);
	tcp(&f, 1234, 80, 5);
	ip4_done(&f, ip);
	CHECK(parse(&f, &v));
	CHECK(l4(&v, 6));		/* meta l4proto still matches */
	CHECK(v.fragoff == 185);
	/* the kernel's fast path reads aligned 1/2/4-byte loads anyway */
	CHECK(load_eq(&f, PKT_BASE_TH, 2, 2, be_80));
	CHECK(load_eq(&f, PKT_BASE_TH, 12, 1, "\x50"));
	CHECK(load_fails(&f, PKT_BASE_TH, 1, 2));	/* unaligned */
	CHECK(load_fails(&f, PKT_BASE_TH, 0, 3));
	CHECK(load_fails(&f, PKT_BASE_TH, 0, 8));
	CHECK(load_fails(&f, PKT_BASE_TH, 2, 4));
	CHECK(load_fails(&f, PKT_BASE_IH, 0, 1));
	CHECK(load_eq(&f, PKT_BASE_NH, 6, 2, "\x20\xb9"));
	keep(&f);

	CASE("ipv4 last fragment, DF only");
	eth(&f, mac_port, 0x0800);
	ip = ip4(&f, 5, 17, 0x4000);	/* DF is not an offset */
	udp(&f, 1, 53, 0);
	ip4_done(&f, ip);
	CHECK(parse(&f, &v));
	CHECK(v.fragoff == 0);
	CHECK(load_eq(&f, PKT_BASE_TH, 2, 2, be_53));
	keep(&f);

	CASE("ipv4 cut inside the ip header");
	eth(&f, mac_port, 0x0800);
	ip = ip4(&f, 5, 6, 0);
	f.len = 14 + 10;
	CHECK(parse(&f, &v));
	CHECK(pkt_view_meta_protocol(&v) == RTE_BE16(0x0800));
	CHECK(pkt_view_meta_len(&v) == 10);
	CHECK(no_l4(&v));
	CHECK(load_eq(&f, PKT_BASE_NH, 9, 1, "\x06"));
	CHECK(load_fails(&f, PKT_BASE_NH, 9, 2));
	CHECK(load_fails(&f, PKT_BASE_NH, 12, 4));
	CHECK(load_fails(&f, PKT_BASE_TH, 0, 1));
	keep(&f);

	CASE("ipv4 cut inside the tcp header");
	eth(&f, mac_port, 0x0800);
	ip = ip4(&f, 5, 6, 0);
	tcp(&f, 1234, 80, 5);
	f.len -= 10;
	ip4_done(&f, ip);		/* consistent: the IP layer is fine */
	CHECK(parse(&f, &v));
	CHECK(l4(&v, 6));
	CHECK(load_eq(&f, PKT_BASE_TH, 2, 2, be_80));
	CHECK(load_eq(&f, PKT_BASE_TH, 9, 1, "\x00"));
	CHECK(load_fails(&f, PKT_BASE_TH, 9, 2));
	CHECK(load_fails(&f, PKT_BASE_TH, 12, 1));	/* doff */
	CHECK(load_fails(&f, PKT_BASE_IH, 0, 1));	/* needs 20 bytes */
	keep(&f);
}

static void
test_ipv6(void)
{
	struct frame f;
	struct pkt_view v;
	uint32_t ip;

	CASE("ipv6 tcp");
	eth(&f, mac_port, 0x86dd);
	ip = ip6(&f, 6);
	tcp(&f, 1234, 80, 5);
	fill(&f, 3, 0xe0);
	ip6_done(&f, ip);
	CHECK(parse(&f, &v));
	CHECK(pkt_view_meta_protocol(&v) == RTE_BE16(0x86dd));
	CHECK(l4(&v, 6));
	CHECK(v.thoff == 40);
	CHECK(load_eq(&f, PKT_BASE_TH, 2, 2, be_80));
	CHECK(load_eq(&f, PKT_BASE_IH, 0, 3, "\xe0\xe1\xe2"));
	CHECK(load_eq(&f, PKT_BASE_NH, 6, 1, "\x06"));
	keep(&f);

	CASE("ipv6 hbh routing dst frag(first) udp");
	eth(&f, mac_port, 0x86dd);
	ip = ip6(&f, 0);
	ip6_opt(&f, 43, 0);		/* HBH, 8 bytes */
	ip6_opt(&f, 60, 2);		/* routing, 24 bytes */
	ip6_opt(&f, 44, 1);		/* dest opts, 16 bytes */
	ip6_frag(&f, 17, 0, true);	/* first fragment */
	udp(&f, 1, 53, 0);
	ip6_done(&f, ip);
	CHECK(parse(&f, &v));
	CHECK(l4(&v, 17));
	CHECK(v.thoff == 40 + 8 + 24 + 16 + 8);
	CHECK(v.fragoff == 0);
	CHECK(load_eq(&f, PKT_BASE_TH, 2, 2, be_53));
	CHECK(load_eq(&f, PKT_BASE_NH, 6, 1, "\x00"));	/* ip6 nexthdr raw */
	keep(&f);

	CASE("ipv6 non-first fragment, then tcp");
	eth(&f, mac_port, 0x86dd);
	ip = ip6(&f, 0);
	ip6_opt(&f, 44, 0);
	ip6_frag(&f, 6, 100, false);
	tcp(&f, 1234, 80, 5);
	ip6_done(&f, ip);
	CHECK(parse(&f, &v));
	CHECK(l4(&v, 6));
	CHECK(v.fragoff == 800);
	CHECK(v.thoff == 0);		/* ipv6_find_hdr() leaves it */
	/* fast-path loads read from thoff 0: the IPv6 header */
	CHECK(load_eq(&f, PKT_BASE_TH, 0, 1, "\x60"));
	CHECK(load_eq(&f, PKT_BASE_TH, 6, 1, "\x00"));
	CHECK(load_fails(&f, PKT_BASE_TH, 0, 16));
	CHECK(load_fails(&f, PKT_BASE_TH, 2, 3));
	CHECK(load_fails(&f, PKT_BASE_IH, 0, 1));
	keep(&f);

	CASE("ipv6 non-first fragment, then dest opts");
	eth(&f, mac_port, 0x86dd);
	ip = ip6(&f, 44);
	ip6_frag(&f, 60, 100, true);
	ip6_opt(&f, 6, 0);
	tcp(&f, 1234, 80, 5);
	ip6_done(&f, ip);
	CHECK(parse(&f, &v));
	CHECK(no_l4(&v));
	CHECK(v.fragoff == 0);
	CHECK(load_fails(&f, PKT_BASE_TH, 0, 1));
	keep(&f);

	CASE("ipv6 non-first fragment, then no-next-header");
	eth(&f, mac_port, 0x86dd);
	ip = ip6(&f, 44);
	ip6_frag(&f, 59, 1, false);
	ip6_done(&f, ip);
	CHECK(parse(&f, &v));
	CHECK(l4(&v, 59));
	CHECK(v.fragoff == 8);
	keep(&f);

	CASE("ipv6 ah");
	eth(&f, mac_port, 0x86dd);
	ip = ip6(&f, 51);
	put8(&f, 6);
	put8(&f, 4);			/* (4 + 2) * 4 = 24 bytes */
	fill(&f, 22, 0);
	tcp(&f, 1234, 80, 5);
	ip6_done(&f, ip);
	CHECK(parse(&f, &v));
	CHECK(l4(&v, 51));		/* the walk stops at AH */
	CHECK(v.thoff == 40);
	CHECK(load_eq(&f, PKT_BASE_TH, 0, 2, "\x06\x04"));
	CHECK(load_fails(&f, PKT_BASE_IH, 0, 1));
	keep(&f);

	CASE("ipv6 no next header");
	eth(&f, mac_port, 0x86dd);
	ip = ip6(&f, 59);
	fill(&f, 4, 0);
	ip6_done(&f, ip);
	CHECK(parse(&f, &v));
	CHECK(l4(&v, 59));
	CHECK(v.thoff == 40);
	CHECK(load_eq(&f, PKT_BASE_TH, 0, 4, "\x00\x01\x02\x03"));
	keep(&f);

	CASE("ipv6 payload_len > packet");
	eth(&f, mac_port, 0x86dd);
	ip = ip6(&f, 17);
	udp(&f, 1, 53, 0);
	ip6_done(&f, ip);
	set16(&f, ip + 4, 9);
	CHECK(parse(&f, &v));
	CHECK(no_l4(&v));
	set16(&f, ip + 4, 0);		/* 0 is allowed */
	CHECK(parse(&f, &v));
	CHECK(l4(&v, 17));
	keep(&f);

	CASE("ipv6 version 4");
	eth(&f, mac_port, 0x86dd);
	ip = ip6(&f, 17);
	udp(&f, 1, 53, 0);
	ip6_done(&f, ip);
	f.b[ip] = 0x40;
	CHECK(parse(&f, &v));
	CHECK(no_l4(&v));
	keep(&f);

	CASE("ipv6 ext header length past the end");
	eth(&f, mac_port, 0x86dd);
	ip = ip6(&f, 0);
	put8(&f, 6);
	put8(&f, 200);			/* 1608 bytes claimed */
	fill(&f, 6, 0);
	tcp(&f, 1234, 80, 5);
	ip6_done(&f, ip);
	CHECK(parse(&f, &v));
	CHECK(l4(&v, 6));		/* lengths are not checked ... */
	CHECK(v.thoff == 40 + 1608);
	CHECK(load_fails(&f, PKT_BASE_TH, 0, 1));	/* ... loads fail */
	keep(&f);

	CASE("ipv6 ext header cut");
	eth(&f, mac_port, 0x86dd);
	ip = ip6(&f, 0);
	ip6_opt(&f, 60, 0);
	put8(&f, 6);			/* dest opts: 1 of 2 bytes */
	ip6_done(&f, ip);
	CHECK(parse(&f, &v));
	CHECK(no_l4(&v));
	keep(&f);

	CASE("ipv6 routing header of 3 bytes");
	eth(&f, mac_port, 0x86dd);
	ip = ip6(&f, 43);
	put8(&f, 6);
	put8(&f, 0);
	put8(&f, 0);
	ip6_done(&f, ip);
	CHECK(parse(&f, &v));
	CHECK(no_l4(&v));
	keep(&f);

	CASE("ipv6 cut inside the header");
	eth(&f, mac_port, 0x86dd);
	ip = ip6(&f, 6);
	f.len = 14 + 39;
	CHECK(parse(&f, &v));
	CHECK(no_l4(&v));
	CHECK(pkt_view_meta_len(&v) == 39);
	keep(&f);
}

static void
test_vlan(void)
{
	struct frame f;
	struct pkt_view v;
	uint32_t ip;

	CASE("vlan 8100 ipv4 tcp");
	eth(&f, mac_port, 0x8100);
	vlan(&f, 0x2064, 0x0800);	/* prio 1, vid 100 */
	ip = ip4(&f, 5, 6, 0);
	tcp(&f, 1234, 80, 5);
	ip4_done(&f, ip);
	CHECK(parse(&f, &v));
	CHECK(v.flags & PKT_VIEW_F_VLAN);
	CHECK(v.nh_off == 18);
	CHECK(pkt_view_meta_protocol(&v) == RTE_BE16(0x0800));
	CHECK(pkt_view_meta_len(&v) == f.len - 18);
	CHECK(l4(&v, 6));
	CHECK(load_eq(&f, PKT_BASE_LL, 12, 4, "\x81\x00\x20\x64"));
	CHECK(load_eq(&f, PKT_BASE_LL, 16, 2, "\x08\x00"));
	CHECK(load_eq(&f, PKT_BASE_LL, 14, 6, "\x20\x64\x08\x00\x45\x00"));
	CHECK(load_eq(&f, PKT_BASE_LL, 10, 4, "\x00\x02\x81\x00"));
	CHECK(load_eq(&f, PKT_BASE_NH, 0, 1, "\x45"));
	CHECK(load_eq(&f, PKT_BASE_TH, 2, 2, be_80));
	keep(&f);

	CASE("vlan 88a8 ipv6 udp");
	eth(&f, mac_other, 0x88a8);
	vlan(&f, 0x0005, 0x86dd);
	ip = ip6(&f, 17);
	udp(&f, 1, 53, 0);
	ip6_done(&f, ip);
	CHECK(parse(&f, &v));
	CHECK(pkt_view_meta_protocol(&v) == RTE_BE16(0x86dd));
	CHECK(pkt_view_meta_pkttype(&v) == PKT_VIEW_PKTTYPE_OTHERHOST);
	CHECK(l4(&v, 17));
	CHECK(load_eq(&f, PKT_BASE_LL, 12, 2, "\x88\xa8"));
	CHECK(load_eq(&f, PKT_BASE_TH, 2, 2, be_53));
	keep(&f);

	CASE("qinq");
	eth(&f, mac_port, 0x88a8);
	vlan(&f, 0x0064, 0x8100);
	vlan(&f, 0x00c8, 0x0800);
	ip = ip4(&f, 5, 6, 0);
	tcp(&f, 1234, 80, 5);
	ip4_done(&f, ip);
	CHECK(parse(&f, &v));
	CHECK(pkt_view_meta_protocol(&v) == RTE_BE16(0x8100));
	CHECK(v.nh_off == 18);
	CHECK(pkt_view_meta_len(&v) == f.len - 18);
	CHECK(no_l4(&v));
	CHECK(load_eq(&f, PKT_BASE_NH, 0, 4, "\x00\xc8\x08\x00"));
	CHECK(load_eq(&f, PKT_BASE_LL, 12, 8, "\x88\xa8\x00\x64\x81\x00\x00\xc8"));
	CHECK(load_fails(&f, PKT_BASE_TH, 0, 1));
	keep(&f);

	CASE("qinq 8100 8100");
	eth(&f, mac_port, 0x8100);
	vlan(&f, 0x0001, 0x8100);
	vlan(&f, 0x0002, 0x86dd);
	ip = ip6(&f, 17);
	udp(&f, 1, 53, 0);
	ip6_done(&f, ip);
	CHECK(parse(&f, &v));
	CHECK(pkt_view_meta_protocol(&v) == RTE_BE16(0x8100));
	CHECK(no_l4(&v));
	keep(&f);

	CASE("vlan with 802.3 length, raw ipx");
	eth(&f, mac_port, 0x8100);
	vlan(&f, 0x0064, 0x0030);
	put16(&f, 0xffff);
	fill(&f, 20, 0);
	CHECK(parse(&f, &v));
	CHECK(pkt_view_meta_protocol(&v) == RTE_BE16(0x0001));
	/* the kernel rebuilds bytes 16-17 from skb->protocol */
	CHECK(load_eq(&f, PKT_BASE_LL, 16, 2, "\x00\x01"));
	CHECK(load_eq(&f, PKT_BASE_LL, 15, 4, "\x64\x00\x01\xff"));
	CHECK(load_eq(&f, PKT_BASE_NH, 0, 2, "\xff\xff"));
	keep(&f);

	CASE("vlan with 802.3 length, llc");
	eth(&f, mac_port, 0x8100);
	vlan(&f, 0x0064, 0x0030);
	put16(&f, 0xaaaa);
	CHECK(f.len == 20);
	CHECK(parse(&f, &v));
	CHECK(pkt_view_meta_protocol(&v) == RTE_BE16(0x0004));
	CHECK(pkt_view_meta_len(&v) == 2);
	CHECK(load_eq(&f, PKT_BASE_LL, 16, 4, "\x00\x04\xaa\xaa"));
	CHECK(load_fails(&f, PKT_BASE_LL, 16, 5));
	keep(&f);

	CASE("vlan too short for the hook");
	f.len = 19;
	CHECK(!parse(&f, &v));
	CHECK(!(v.flags & PKT_VIEW_F_HOOK));
	CHECK(load_fails(&f, PKT_BASE_LL, 0, 1));
	CHECK(load_fails(&f, PKT_BASE_NH, 0, 1));
	keep(&f);
	f.len = 14;
	CHECK(!parse(&f, &v));
	keep(&f);
}

static void
test_l2(void)
{
	struct frame f;
	struct pkt_view v;

	CASE("802.3 llc");
	eth(&f, mac_port, 0x0026);
	put16(&f, 0x4242);
	fill(&f, 36, 0);
	CHECK(parse(&f, &v));
	CHECK(pkt_view_meta_protocol(&v) == RTE_BE16(0x0004));
	CHECK(load_eq(&f, PKT_BASE_LL, 12, 2, "\x00\x26"));	/* raw */
	CHECK(no_l4(&v));
	keep(&f);

	CASE("802.3 raw ipx");
	eth(&f, mac_port, 0x05ff);
	put16(&f, 0xffff);
	CHECK(parse(&f, &v));
	CHECK(pkt_view_meta_protocol(&v) == RTE_BE16(0x0001));
	keep(&f);

	CASE("802.3 header only");
	eth(&f, mac_port, 0x0000);
	CHECK(parse(&f, &v));
	CHECK(pkt_view_meta_protocol(&v) == RTE_BE16(0x0004));
	CHECK(pkt_view_meta_len(&v) == 0);
	CHECK(load_fails(&f, PKT_BASE_NH, 0, 1));
	CHECK(load_eq(&f, PKT_BASE_LL, 13, 1, "\x00"));
	keep(&f);

	CASE("ethertype 0x0600 is a type");
	eth(&f, mac_port, 0x0600);
	put16(&f, 0xffff);
	CHECK(parse(&f, &v));
	CHECK(pkt_view_meta_protocol(&v) == RTE_BE16(0x0600));
	keep(&f);

	CASE("arp");
	eth(&f, mac_bcast, 0x0806);
	fill(&f, 28, 0);
	CHECK(parse(&f, &v));
	CHECK(pkt_view_meta_protocol(&v) == RTE_BE16(0x0806));
	CHECK(pkt_view_meta_pkttype(&v) == PKT_VIEW_PKTTYPE_BROADCAST);
	CHECK(pkt_view_meta_len(&v) == 28);
	CHECK(no_l4(&v));
	keep(&f);

	CASE("multicast");
	eth(&f, mac_mcast, 0x0800);
	CHECK(parse(&f, &v));
	CHECK(pkt_view_meta_pkttype(&v) == PKT_VIEW_PKTTYPE_MULTICAST);
	CHECK(no_l4(&v));
	keep(&f);

	CASE("otherhost");
	eth(&f, mac_other, 0x0800);
	CHECK(parse(&f, &v));
	CHECK(pkt_view_meta_pkttype(&v) == PKT_VIEW_PKTTYPE_OTHERHOST);

	CASE("runts");
	eth(&f, mac_port, 0x0800);
	f.len = 13;
	CHECK(!parse(&f, &v));
	CHECK(load_fails(&f, PKT_BASE_LL, 0, 1));
	keep(&f);
	f.len = 0;
	CHECK(!parse(&f, &v));
	keep(&f);
}

static void
test_burst(void)
{
	struct rte_mbuf *m[8];
	struct pkt_view v[8];
	unsigned int i;

	CASE("burst");
	for (i = 0; i < RTE_DIM(m); i++)
		m[i] = mk_mbuf(corpus[i].b, corpus[i].len, NULL, 0);
	CHECK(pkt_view_parse_burst(m, RTE_DIM(m), &port_mac, v) == 8);
	for (i = 0; i < RTE_DIM(m); i++) {
		struct pkt_view one;

		pkt_view_parse(m[i], &port_mac, &one);
		CHECK(memcmp(&one, &v[i], sizeof(one)) == 0);
		rte_pktmbuf_free(m[i]);
	}
}

/* Deterministic mutations of the corpus, checked against the model. */
static void
test_mutations(unsigned int rounds)
{
	uint64_t s = 0x9e3779b97f4a7c15ull;
	struct frame f;
	unsigned int r, k;

	CASE("mutations");
	for (r = 0; r < rounds; r++) {
		static struct pv_ref_skb ref;
		struct rte_mbuf *m;
		uint32_t segs[3];

		f = corpus[r % n_corpus];
		for (k = 0; k < 3; k++) {
			s ^= s << 13;
			s ^= s >> 7;
			s ^= s << 17;
			if (f.len > 0)
				f.b[s % f.len] = (uint8_t)(s >> 32);
		}
		if ((s >> 40) % 4 == 0 && f.len > 0)
			f.len = (s >> 48) % f.len;
		pv_ref_receive(&ref, f.b, f.len, mac_port);
		segs[0] = (s >> 8) % 64;
		segs[1] = (s >> 16) % 16;
		segs[2] = (s >> 24) % 64;
		m = mk_mbuf(f.b, f.len, segs, 3);
		compare_with_ref(&f, &ref, m);
		rte_pktmbuf_free(m);
	}
}

int
main(int argc, char **argv)
{
	char prefix[64];
	char *eal_argv[] = {
		argv[0], "-l", "0", "--no-huge", "-m", "256", "--no-pci",
		"--file-prefix", prefix, "--log-level=lib.*:error", NULL,
	};
	unsigned int i, rounds = 3000;

	if (argc > 1)
		rounds = (unsigned int)strtoul(argv[1], NULL, 0);
	snprintf(prefix, sizeof(prefix), "ut_pkt_view_%d", (int)getpid());
	if (rte_eal_init(RTE_DIM(eal_argv) - 1, eal_argv) < 0) {
		fprintf(stderr, "rte_eal_init failed\n");
		return 2;
	}
	pool = rte_pktmbuf_pool_create("pv_pool", 4095, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	if (pool == NULL) {
		fprintf(stderr, "mempool: %s\n", rte_strerror(rte_errno));
		return 2;
	}

	test_ipv4();
	test_ipv6();
	test_vlan();
	test_l2();
	test_burst();

	for (i = 0; i < n_corpus; i++) {
		char name[64];

		snprintf(name, sizeof(name), "xcheck frame %u", i);
		CASE(name);
		xcheck(&corpus[i]);
	}
	test_mutations(rounds);

	printf("pkt_view: %lu checks passed, %lu failed\n", n_pass, n_fail);
	rte_mempool_free(pool);
	rte_eal_cleanup();
	return n_fail == 0 ? 0 : 1;
}
