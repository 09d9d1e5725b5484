/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: fastpath/pkt_view on arbitrary frames and mbuf splits.
 *
 * Input: byte 0 = number of extra segment lengths k (low 3 bits), then k
 * bytes of segment lengths, then the frame. Every segment is its own exact
 * malloc() (tests/unit/fake_mbuf.h), so ASan sees any read past a segment.
 *
 * Checked on every input, trapping on a difference:
 *  - the split frame gives the same view and the same loads as the frame in
 *    one segment;
 *  - both agree with the reference model of the kernel (pkt_view_ref.c) on
 *    hook, meta fields and every load of a grid of offsets and lengths.
 *
 * Threading: libFuzzer calls it from one thread.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fastpath/pkt_view.h"
#include "tests/unit/fake_mbuf.h"
#include "tests/unit/pkt_view_ref.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct rte_ether_addr port_mac = {
	.addr_bytes = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 } };

static const uint32_t lens[] = { 1, 2, 3, 4, 5, 6, 8, 12, 16, 20, 40, 64 };
static const enum pkt_view_base bases[] = {
	PKT_BASE_LL, PKT_BASE_NH, PKT_BASE_TH, PKT_BASE_IH };

#define MAX_OFF 100

static void
fail(const char *what, int base, uint32_t off, uint32_t len)
{
	fprintf(stderr, "pkt_view mismatch: %s base %d off %u len %u\n",
		what, base, off, len);
	abort();
}

static bool
same_view(const struct pkt_view *a, const struct pkt_view *b)
{
	return a->frame_len == b->frame_len && a->nh_off == b->nh_off &&
		a->thoff == b->thoff && a->fragoff == b->fragoff &&
		a->protocol == b->protocol && a->l4proto == b->l4proto &&
		a->pkttype == b->pkttype && a->flags == b->flags;
}

static void
check_ref(const struct pkt_view *v, bool hook, const struct pv_ref_skb *ref)
{
	uint8_t l4 = 0;
	bool has_l4;

	if (hook != ref->hook)
		fail("hook", -1, 0, 0);
	if (!hook)
		return;
	has_l4 = pkt_view_meta_l4proto(v, &l4);
	if (pkt_view_meta_len(v) != ref->len)
		fail("meta len", -1, 0, 0);
	if (rte_be_to_cpu_16(pkt_view_meta_protocol(v)) != ref->protocol)
		fail("meta protocol", -1, 0, 0);
	if (pkt_view_meta_pkttype(v) != ref->pkt_type)
		fail("meta pkttype", -1, 0, 0);
	if (has_l4 != ref->l4proto_set || (has_l4 && l4 != ref->tprot))
		fail("meta l4proto", -1, 0, 0);
	if (has_l4 && (v->thoff != ref->thoff || v->fragoff != ref->fragoff))
		fail("thoff/fragoff", -1, 0, 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pv_ref_skb ref;
	struct fake_mbuf one, split;
	struct rte_mbuf *m1, *m2;
	struct pkt_view v1, v2;
	uint32_t seglen[8], flen, off;
	unsigned int k, i, bi, li;
	bool h1, h2;

	if (size < 1)
		return 0;
	k = data[0] & 7;
	if (size < 1 + k)
		return 0;
	for (i = 0; i < k; i++)
		seglen[i] = data[1 + i];
	data += 1 + k;
	size -= 1 + k;
	if (size > PV_REF_MAX_FRAME)
		return 0;
	flen = (uint32_t)size;

	m1 = fake_mbuf_build(&one, data, flen, NULL, 0);
	m2 = fake_mbuf_build(&split, data, flen, seglen, k);
	if (m1 == NULL || m2 == NULL)
		abort();
	pv_ref_receive(&ref, data, flen, port_mac.addr_bytes);

	h1 = pkt_view_parse(m1, &port_mac, &v1);
	h2 = pkt_view_parse(m2, &port_mac, &v2);
	if (h1 != h2 || !same_view(&v1, &v2))
		fail("split view", -1, 0, 0);
	check_ref(&v1, h1, &ref);

	for (bi = 0; bi < RTE_DIM(bases); bi++) {
		for (off = 0; off <= MAX_OFF; off++) {
			for (li = 0; li < RTE_DIM(lens); li++) {
				uint8_t a[64], b[64], c[64];
				bool ra, rb, rc;

				ra = pkt_view_load_payload(m1, &v1, bases[bi],
							   off, lens[li], a);
				rb = pkt_view_load_payload(m2, &v2, bases[bi],
							   off, lens[li], b);
				rc = pv_ref_payload(&ref, bases[bi], off,
						    lens[li], c);
				if (ra != rb ||
				    (ra && memcmp(a, b, lens[li]) != 0))
					fail("split load", bases[bi], off,
					     lens[li]);
				if (ra != rc ||
				    (ra && memcmp(a, c, lens[li]) != 0))
					fail("ref load", bases[bi], off,
					     lens[li]);
			}
		}
	}

	fake_mbuf_free(&one);
	fake_mbuf_free(&split);
	return 0;
}
