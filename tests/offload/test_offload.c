/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_offload - the rte_flow offload planner (rte_flow/ofl_*) without an
 * emulated NIC:
 *   - translation of each match kind into items (exact spec/mask bytes),
 *     consumed-mask refusals, folded metas;
 *   - prefix decomposition of ranges (exhaustive on 8 bits), !=, sets,
 *     concatenations, negated sets (brute force over the field);
 *   - VLAN shapes (untagged + single tag, never QinQ);
 *   - the planner against the reference interpreter by brute force: random
 *     rulesets x frames (a third malformed: bad version or ihl, IPv4 options,
 *     lengths beyond or below the headers, cut frames, tagged runts), the
 *     hardware simulated by a small strict rte_flow matcher (the NIC model
 *     of ofl_items.h, as tests/flowemu implements it) with both tie-breaks,
 *     hardware COUNTs folded as the installer does, on several port profiles
 *     (priority levels, budget, marks, ranges): a frame's fate and every
 *     rule counter must be software's (OFL_TEST_WELLFORMED=1: no malformed
 *     frames, OFL_TEST_RULESETS=N: more rulesets);
 *   - regressions found by the differential runs against the emulated NIC
 *     (corpus malformed, ipv4), the one-line summary;
 *   - priority-less placement, budget by hit counters, mark table, MARK id
 *     allocator, testpmd rendering, --offload require;
 *   - the installer with a fake rte_flow backend: rollback on a failed
 *     create, break-before-make when the table is full, counters;
 *   - rte_flow_validate on a real net_tap port for the generated patterns.
 *
 * Runs with: --no-huge -m 256 --no-pci -l 0 --file-prefix offload_<pid>,
 * then hot-plugs net_tap0 (what --vdev does) where it can; `--no-tap` skips it. Prints `offload: N checks passed,
 * M failed`; exits 1 on any failure.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_flow.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "control/ir/ir.h"
#include "control/ir/ir_build.h"
#include "control/ir/ir_print.h"
#include "fastpath/fp_ruleset.h"
#include "fastpath/interp.h"
#include "fastpath/pkt_view.h"
#include "rte_flow/ofl.h"
#include "rte_flow/ofl_items.h"
#include "rte_flow/ofl_key.h"
#include "rte_flow/ofl_marks.h"
#include "tests/lib/irb.h"
#include "tests/lib/tcheck.h"

static struct rte_mempool *pool;

static uint64_t
fake_clock(void *arg)
{
	(void)arg;
	return 1000000000000ull;
}

/* ---- IR builder (tests/lib/irb) -------------------------------------------- */

static const char *const dev_names[] = { "eth0", "eth1" };
static const struct irb_caps caps = {
	.tables = 2, .chains = 8, .sets = 16, .objects = 8,
	.rules = 64, .items = 12, .elems = 64,
};
static struct ir_ruleset *B;

static void
b_new(void)
{
	B = irb_new(dev_names, 2, &caps);
}

/* base chains on eth0 */
static struct ir_chain *
b_base(struct ir_table *t, const char *name, int32_t prio, enum ir_policy pol)
{
	return irb_base(t, name, prio, pol, "eth0", 0);
}

/* anonymous constant sets */
static struct ir_set *
b_set(struct ir_table *t, uint32_t flags, unsigned int nf, const uint8_t *flen)
{
	return irb_set(t, NULL, flags, nf, flen, 0);
}

static void
b_proto(struct ir_rule *r, uint16_t p)
{
	uint8_t v[2] = { (uint8_t)(p >> 8), (uint8_t)p };

	irb_cmp(r, irb_meta(IR_META_PROTOCOL), IR_CMP_EQ, v, 2);
}

static void
b_be16(struct ir_rule *r, enum ir_payload_base base, uint16_t off,
       enum ir_cmp_op op, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	irb_cmp(r, irb_payload(base, off, 2), op, b, 2);
}

static void
b_limit(struct ir_rule *r)
{
	irb_limit(r, 10, 1, 5, IR_LIMIT_PKTS, false);
}

static const char *const port_names[] = { "eth0", "eth1" };
static const uint16_t peers[] = { 1, 0 };

static struct fp_ruleset *
build_fp(void)
{
	char err[256] = "";
	struct fp_ruleset_opts o = {
		.port_names = port_names, .n_ports = 2, .peers = peers,
		.n_lcores = 1, .clock = fake_clock, .err = err,
		.err_len = sizeof(err),
	};
	struct fp_ruleset *rs = NULL;

	if (fp_ruleset_build(B, &o, &rs) < 0) {
		fprintf(stderr, "fp_ruleset_build: %s\n", err);
		abort();
	}
	return rs;
}

/* ---- translation helpers -------------------------------------------------- */

static struct ofl_xlate_cfg xcfg = {
	.ifname = "eth0", .iif_id = 0, .max_keys = 64,
};

/* translate the single rule r (exact); returns the number of keys, -1: refused */
static int
xl(const struct ir_rule *r, struct ofl_xlate *x)
{
	if (ofl_xlate_rule(&xcfg, r, false, x) < 0)
		abort();
	if (!x->exact && !x->never)
		return -1;
	return (int)x->n;
}

static int
item_count(const struct ofl_pattern *p)
{
	return (int)p->n;
}

static bool
bytes_eq(const void *a, const void *b, size_t n)
{
	return memcmp(a, b, n) == 0;
}

/* ---- translation tests ----------------------------------------------------- */

static void
test_ipv4_prefix(void)
{
	struct ir_table *t;
	struct ir_chain *c;
	struct ir_rule *r;
	struct ofl_xlate x = { 0 };
	struct ofl_pattern p;
	char why[OFL_WHY_LEN];
	const uint8_t mask[4] = { 0xff, 0, 0, 0 }, val[4] = { 10, 0, 0, 0 };

	b_new();
	t = irb_table("t");
	c = b_base(t, "in", 0, IR_POLICY_ACCEPT);
	/* ip saddr 10.0.0.0/8 drop */
	r = irb_rule(c);
	b_proto(r, 0x0800);
	irb_cmp(r, irb_masked(irb_payload(IR_BASE_NETWORK, 12, 4), mask), IR_CMP_EQ, val, 4);
	irb_verdict(r, IR_VERDICT_DROP, NULL);
	CHECK(xl(r, &x) == 2, "ip saddr/8: 2 keys (untagged, one tag), got %u", x.n);
	CHECK(!x.v6_guard && !x.v4_frag_guard, "no guard for a network match");
	for (uint32_t i = 0; i < x.n; i++) {
		const struct ofl_key *k = &x.keys[i];
		const struct rte_flow_item_ipv4 *s, *m;

		CHECK(ofl_pattern_build(k, &p, why, sizeof(why)) == 0, "build: %s", why);
		if (k->tag == OFL_TAG_NONE) {
			CHECK(item_count(&p) == 2 &&
			      p.items[0].type == RTE_FLOW_ITEM_TYPE_ETH &&
			      p.items[1].type == RTE_FLOW_ITEM_TYPE_IPV4,
			      "untagged: eth / ipv4");
			CHECK(p.eth[0].has_vlan == 0 && p.eth[1].has_vlan == 1,
			      "untagged: has_vlan is 0 (masked)");
			CHECK(p.eth[0].hdr.ether_type == rte_cpu_to_be_16(0x0800) &&
			      p.eth[1].hdr.ether_type == 0xffff, "untagged: type 0x0800");
		} else {
			CHECK(k->tag == OFL_TAG_ONE, "second key: one tag");
			CHECK(item_count(&p) == 3 &&
			      p.items[1].type == RTE_FLOW_ITEM_TYPE_VLAN &&
			      p.items[2].type == RTE_FLOW_ITEM_TYPE_IPV4,
			      "tagged: eth / vlan / ipv4");
			CHECK(p.eth[0].has_vlan == 1 && p.eth[1].has_vlan == 1,
			      "tagged: has_vlan is 1");
			CHECK(p.eth[1].hdr.ether_type == 0, "tagged: TPID not masked");
			CHECK(p.vlan[0].hdr.eth_proto == rte_cpu_to_be_16(0x0800) &&
			      p.vlan[1].hdr.eth_proto == 0xffff &&
			      p.vlan[1].hdr.vlan_tci == 0,
			      "tagged: vlan inner_type 0x0800, any tci");
		}
		s = p.items[p.n - 1].spec;
		m = p.items[p.n - 1].mask;
		CHECK(s->hdr.src_addr == rte_cpu_to_be_32(0x0a000000) &&
		      m->hdr.src_addr == rte_cpu_to_be_32(0xff000000) &&
		      m->hdr.dst_addr == 0 && m->hdr.next_proto_id == 0 &&
		      m->hdr.fragment_offset == 0,
		      "ipv4 src spec 10.0.0.0 mask 255.0.0.0, nothing else");
	}
	ofl_xlate_free(&x);
	ir_ruleset_free(B);
}

static void
test_l4(void)
{
	static const struct {
		uint8_t proto;
		uint16_t l3;		/* 0: both (nft's l4proto-only dependency) */
		enum rte_flow_item_type t;
		uint16_t off;		/* th offset matched */
		uint8_t len;
		uint16_t val;
	} c[] = {
		{ 6, 0, RTE_FLOW_ITEM_TYPE_TCP, 2, 2, 80 },
		{ 17, 0x0800, RTE_FLOW_ITEM_TYPE_UDP, 0, 2, 53 },
		{ 132, 0x86dd, RTE_FLOW_ITEM_TYPE_SCTP, 2, 2, 9 },
		{ 1, 0x0800, RTE_FLOW_ITEM_TYPE_ICMP, 0, 1, 8 },
		{ 58, 0x86dd, RTE_FLOW_ITEM_TYPE_ICMP6, 0, 1, 128 },
		{ 6, 0x0800, RTE_FLOW_ITEM_TYPE_TCP, 13, 1, 0x02 },	/* flags */
	};

	for (unsigned int i = 0; i < RTE_DIM(c); i++) {
		struct ir_table *t;
		struct ir_chain *ch;
		struct ir_rule *r;
		struct ofl_xlate x = { 0 };
		struct ofl_pattern p;
		char why[OFL_WHY_LEN];
		uint8_t v[2] = { (uint8_t)(c[i].val >> 8), (uint8_t)c[i].val };
		unsigned int want = c[i].l3 ? 2 : 4;

		if (c[i].len == 1)
			v[0] = (uint8_t)c[i].val;
		b_new();
		t = irb_table("t");
		ch = b_base(t, "in", 0, IR_POLICY_ACCEPT);
		r = irb_rule(ch);
		if (c[i].l3)
			b_proto(r, c[i].l3);
		irb_l4(r, c[i].proto);
		irb_cmp(r, irb_payload(IR_BASE_TRANSPORT, c[i].off, c[i].len), IR_CMP_EQ, v,
		      c[i].len);
		irb_verdict(r, IR_VERDICT_DROP, NULL);
		CHECK(xl(r, &x) == (int)want, "l4 case %u: %u keys, got %d (%s)", i,
		      want, (int)x.n, x.why);
		for (uint32_t k = 0; k < x.n; k++) {
			const uint8_t *s, *m;
			bool v4 = x.keys[k].v[OFL_K_PROTO + 1] == 0x00;

			if (ofl_pattern_build(&x.keys[k], &p, why, sizeof(why)) != 0) {
				CHECK(false, "l4 case %u build: %s", i, why);
				continue;
			}
			CHECK(p.items[p.n - 1].type == c[i].t, "l4 case %u: item %d",
			      i, (int)p.items[p.n - 1].type);
			s = p.items[p.n - 1].spec;
			m = p.items[p.n - 1].mask;
			CHECK(bytes_eq(s + c[i].off, v, c[i].len) && m[c[i].off] == 0xff,
			      "l4 case %u: spec/mask at th+%u", i, c[i].off);
			if (v4) {
				const struct rte_flow_item_ipv4 *is = p.items[p.n - 2].spec;
				const struct rte_flow_item_ipv4 *im = p.items[p.n - 2].mask;

				CHECK(is->hdr.next_proto_id == c[i].proto &&
				      im->hdr.next_proto_id == 0xff, "l4 case %u: ipv4 proto", i);
				CHECK(im->hdr.fragment_offset == rte_cpu_to_be_16(0x3fff) &&
				      is->hdr.fragment_offset == 0,
				      "l4 case %u: unfragmented IPv4 only", i);
				CHECK(x.v4_frag_guard, "l4 case %u: IPv4 fragment guard", i);
			} else {
				const struct rte_flow_item_ipv6 *is = p.items[p.n - 2].spec;
				const struct rte_flow_item_ipv6 *im = p.items[p.n - 2].mask;

				CHECK(is->hdr.proto == c[i].proto && im->hdr.proto == 0xff,
				      "l4 case %u: ipv6 proto", i);
				CHECK(x.v6_guard, "l4 case %u: IPv6 ext header guard", i);
			}
		}
		ofl_xlate_free(&x);
		ir_ruleset_free(B);
	}
}

static void
test_vlan_ether(void)
{
	struct ir_table *t;
	struct ir_chain *c;
	struct ir_rule *r;
	struct ofl_xlate x = { 0 };
	struct ofl_pattern p;
	char why[OFL_WHY_LEN];
	const uint8_t smac[6] = { 2, 0, 0, 0, 0, 0xaa };
	const uint8_t vmask[2] = { 0x0f, 0xff };
	const uint8_t vid[2] = { 0, 10 };

	b_new();
	t = irb_table("t");
	c = b_base(t, "in", 0, IR_POLICY_ACCEPT);
	/* ether saddr 02:00:00:00:00:aa drop: any tag */
	r = irb_rule(c);
	irb_cmp(r, irb_payload(IR_BASE_LL, 6, 6), IR_CMP_EQ, smac, 6);
	irb_verdict(r, IR_VERDICT_DROP, NULL);
	CHECK(xl(r, &x) == 1 && x.keys[0].tag == OFL_TAG_ANY, "ether saddr: one key, any tag");
	CHECK(ofl_pattern_build(&x.keys[0], &p, why, sizeof(why)) == 0 && p.n == 1 &&
	      p.eth[1].has_vlan == 0 && bytes_eq(&p.eth[0].hdr.src_addr, smac, 6),
	      "ether saddr: eth src is, has_vlan not masked");
	/* vlan id 10 (ether type 8021q + tci & 0xfff == 10): tagged only */
	r = irb_rule(c);
	b_be16(r, IR_BASE_LL, 12, IR_CMP_EQ, 0x8100);
	irb_cmp(r, irb_masked(irb_payload(IR_BASE_LL, 14, 2), vmask), IR_CMP_EQ, vid, 2);
	irb_verdict(r, IR_VERDICT_DROP, NULL);
	CHECK(xl(r, &x) == 1 && x.keys[0].tag == OFL_TAG_ONE, "vlan id: tagged only (%s)", x.why);
	CHECK(ofl_pattern_build(&x.keys[0], &p, why, sizeof(why)) == 0 && p.n == 2 &&
	      p.eth[0].hdr.ether_type == rte_cpu_to_be_16(0x8100) &&
	      p.eth[0].has_vlan == 1 &&
	      p.vlan[0].hdr.vlan_tci == rte_cpu_to_be_16(10) &&
	      p.vlan[1].hdr.vlan_tci == rte_cpu_to_be_16(0x0fff) &&
	      p.vlan[1].hdr.eth_proto == 0,
	      "vlan id: eth type 0x8100 has_vlan 1 / vlan tci spec 10 mask 0xfff");
	/* ether type ip: the link layer sees a tag in place -> untagged only */
	r = irb_rule(c);
	b_be16(r, IR_BASE_LL, 12, IR_CMP_EQ, 0x0800);
	irb_verdict(r, IR_VERDICT_DROP, NULL);
	CHECK(xl(r, &x) == 1 && x.keys[0].tag == OFL_TAG_NONE,
	      "ether type ip: untagged only");
	/* meta protocol arp: untagged + tagged, no L3 item */
	r = irb_rule(c);
	b_proto(r, 0x0806);
	irb_verdict(r, IR_VERDICT_DROP, NULL);
	CHECK(xl(r, &x) == 2, "meta protocol arp: two keys");
	for (uint32_t i = 0; i < x.n; i++)
		CHECK(ofl_pattern_build(&x.keys[i], &p, why, sizeof(why)) == 0 &&
		      p.n == (x.keys[i].tag == OFL_TAG_ONE ? 2u : 1u),
		      "meta protocol arp: eth (/ vlan) only");
	/* meta protocol 8021q (QinQ inner): refused */
	r = irb_rule(c);
	b_proto(r, 0x8100);
	irb_verdict(r, IR_VERDICT_DROP, NULL);
	CHECK(xl(r, &x) == -1 && strstr(x.why, "TPID") != NULL,
	      "meta protocol vlan refused: %s", x.why);
	/* vlan id 10 + ip saddr: tag in place and the network header after it */
	r = irb_rule(c);
	b_be16(r, IR_BASE_LL, 12, IR_CMP_EQ, 0x8100);
	irb_cmp(r, irb_masked(irb_payload(IR_BASE_LL, 14, 2), vmask), IR_CMP_EQ, vid, 2);
	b_proto(r, 0x0800);
	{
		const uint8_t a[4] = { 1, 2, 3, 4 };

		irb_cmp(r, irb_payload(IR_BASE_NETWORK, 16, 4), IR_CMP_EQ, a, 4);
	}
	irb_verdict(r, IR_VERDICT_DROP, NULL);
	CHECK(xl(r, &x) == 1 && x.keys[0].tag == OFL_TAG_ONE, "vlan + ip daddr: one key");
	CHECK(ofl_pattern_build(&x.keys[0], &p, why, sizeof(why)) == 0 && p.n == 3 &&
	      p.vlan[0].hdr.eth_proto == rte_cpu_to_be_16(0x0800) &&
	      p.l3[0].ipv4.hdr.dst_addr == rte_cpu_to_be_32(0x01020304),
	      "vlan + ip daddr: eth / vlan tci 10 inner 0x0800 / ipv4 dst");
	ofl_xlate_free(&x);
	ir_ruleset_free(B);
}

static void
test_refusals_and_folds(void)
{
	static const struct {
		const char *what;
		int kind;	/* 0 refused, 1 always true (1 key), 2 never */
		const char *why;
	} want[] = {
		{ "meta length", 0, "meta length" },
		{ "ipv4 options @nh,160,8", 0, "options" },
		{ "th without l4proto", 0, "l4proto" },
		{ "meta pkttype", 0, "pkttype" },
		{ "ip6 l4proto hop-by-hop", 0, "extension header" },
		{ "ll+14 untagged", 0, "untagged" },
		{ "gre th", 0, "protocol 47" },
		{ "iifname eth0", 1, NULL },
		{ "iifname eth1", 2, NULL },
		{ "meta mark 5", 2, NULL },
		{ "meta mark 0", 1, NULL },
		{ "meta iif eth0", 1, NULL },
		{ "iifname eth*", 1, NULL },
		{ "nfproto netdev", 1, NULL },
		{ "ip saddr masked out of mask", 2, NULL },
	};

	for (unsigned int i = 0; i < RTE_DIM(want); i++) {
		struct ir_table *t;
		struct ir_chain *c;
		struct ir_rule *r;
		struct ofl_xlate x = { 0 };
		uint8_t v[IR_IFNAMSIZ] = { 0 };
		int n;

		b_new();
		t = irb_table("t");
		c = b_base(t, "in", 0, IR_POLICY_ACCEPT);
		r = irb_rule(c);
		switch (i) {
		case 0:
			v[3] = 100;
			irb_cmp(r, irb_meta(IR_META_LEN), IR_CMP_GT, v, 4);
			break;
		case 1:
			b_proto(r, 0x0800);
			irb_cmp(r, irb_payload(IR_BASE_NETWORK, 20, 1), IR_CMP_EQ, v, 1);
			break;
		case 2:
			b_be16(r, IR_BASE_TRANSPORT, 2, IR_CMP_EQ, 80);
			break;
		case 3:
			irb_cmp(r, irb_meta(IR_META_PKTTYPE), IR_CMP_EQ, v, 1);
			break;
		case 4:
			b_proto(r, 0x86dd);
			irb_l4(r, 0);
			break;
		case 5:
			b_be16(r, IR_BASE_LL, 14, IR_CMP_EQ, 5);
			break;
		case 6:
			b_proto(r, 0x0800);
			irb_l4(r, 47);
			b_be16(r, IR_BASE_TRANSPORT, 2, IR_CMP_EQ, 0x0800);
			break;
		case 7:
		case 8:
			memcpy(v, i == 7 ? "eth0" : "eth1", 4);
			irb_cmp(r, irb_meta(IR_META_IIFNAME), IR_CMP_EQ, v, IR_IFNAMSIZ);
			break;
		case 9:
		case 10: {
			uint32_t mk = i == 9 ? 5 : 0;

			irb_cmp(r, irb_meta(IR_META_MARK), IR_CMP_EQ, &mk, 4);
			break;
		}
		case 11: {
			uint32_t id = 0;

			irb_cmp(r, irb_meta(IR_META_IIF), IR_CMP_EQ, &id, 4);
			break;
		}
		case 12:
			memcpy(v, "eth", 3);
			irb_cmp(r, irb_meta(IR_META_IIFNAME), IR_CMP_EQ, v, 3);
			break;
		case 13:
			v[0] = 5;
			irb_cmp(r, irb_meta(IR_META_NFPROTO), IR_CMP_EQ, v, 1);
			break;
		case 14: {
			const uint8_t m[4] = { 0xff, 0xff, 0, 0 }, a[4] = { 10, 0, 0, 1 };

			b_proto(r, 0x0800);
			irb_cmp(r, irb_masked(irb_payload(IR_BASE_NETWORK, 12, 4), m), IR_CMP_EQ,
			      a, 4);
			break;
		}
		}
		irb_verdict(r, IR_VERDICT_DROP, NULL);
		n = xl(r, &x);
		if (want[i].kind == 0)
			CHECK(n == -1 && strstr(x.why, want[i].why) != NULL,
			      "%s: refused naming '%s', got n=%d why '%s'", want[i].what,
			      want[i].why, n, x.why);
		else if (want[i].kind == 1)
			CHECK(n == 1 && !x.never && x.keys[0].tag == OFL_TAG_ANY,
			      "%s: folded to always-true, got n=%d never=%d", want[i].what,
			      n, x.never);
		else
			CHECK(x.never && x.n == 0, "%s: never matches, got n=%d", want[i].what, n);
		/* widened: a superset (refusals become fewer constraints) */
		if (want[i].kind == 0) {
			ofl_xlate_rule(&xcfg, r, true, &x);
			CHECK(x.n >= 1 && !x.exact && x.why[0] != '\0',
			      "%s: widened to %u key(s)", want[i].what, x.n);
		}
		ofl_xlate_free(&x);
		ir_ruleset_free(B);
	}
}

/* ---- brute force over one field -------------------------------------------- */

/* how many keys match byte value v at key offset off (other bytes wild) */
static unsigned int
keys_matching(const struct ofl_xlate *x, unsigned int off, unsigned int len,
	      uint32_t v)
{
	unsigned int n = 0;

	for (uint32_t i = 0; i < x->n; i++) {
		const struct ofl_key *k = &x->keys[i];
		bool ok = true;

		for (unsigned int b = 0; b < len; b++) {
			uint8_t byte = (uint8_t)(v >> (8 * (len - 1 - b)));

			if ((byte ^ k->v[off + b]) & k->m[off + b])
				ok = false;
		}
		if (ok && k->range != OFL_RANGE_NONE) {
			unsigned int ro = k->range == OFL_RANGE_SPORT ? OFL_K_TH : OFL_K_TH + 2;

			if (ro == off && (v < k->rlo || v > k->rhi))
				ok = false;
		}
		n += ok;
	}
	return n;
}

struct pfx_acc {
	uint8_t lo, hi;
	unsigned int hits[256];
	unsigned int n;
};

static int
pfx_cb(void *arg, const uint8_t *val, const uint8_t *mask, unsigned int len)
{
	struct pfx_acc *a = arg;

	(void)len;
	a->n++;
	for (unsigned int v = 0; v < 256; v++)
		if (((v ^ val[0]) & mask[0]) == 0)
			a->hits[v]++;
	return 0;
}

static void
test_range_exhaustive(void)
{
	unsigned int bad = 0, maxn = 0;

	/* every [lo, hi] on 8 bits: the prefixes are disjoint, their union is
	 * the range, and there are at most 2*8 - 2 of them */
	for (unsigned int lo = 0; lo < 256; lo++)
		for (unsigned int hi = lo; hi < 256; hi++) {
			struct pfx_acc a;
			uint8_t l = (uint8_t)lo, h = (uint8_t)hi;

			memset(&a, 0, sizeof(a));
			ofl_range_prefixes(&l, &h, 1, pfx_cb, &a);
			for (unsigned int v = 0; v < 256; v++)
				if (a.hits[v] != (v >= lo && v <= hi))
					bad++;
			if (a.n > maxn)
				maxn = a.n;
		}
	CHECK(bad == 0, "8-bit ranges: %u wrong values", bad);
	CHECK(maxn <= 14, "8-bit ranges: at most 14 prefixes, saw %u", maxn);
	/* 16 and 128 bits: full range is one wildcard prefix */
	{
		uint8_t lo[16] = { 0 }, hi[16];
		struct pfx_acc a;

		memset(hi, 0xff, sizeof(hi));
		memset(&a, 0, sizeof(a));
		CHECK(ofl_range_prefixes(lo, hi, 16, pfx_cb, &a) == 1,
		      "128-bit full range: one prefix");
		CHECK(ofl_range_prefixes(lo, hi, 2, pfx_cb, &a) == 1,
		      "16-bit full range: one prefix");
	}
}

/* tcp dport OP/range/set on a translation: brute force over all 65536 ports */
static void
check_port_rule(const char *what, struct ir_rule *r, bool (*in)(uint32_t),
		unsigned int exp_keys_max)
{
	struct ofl_xlate x = { 0 };
	unsigned int bad = 0, dup = 0;
	int n = xl(r, &x);

	if (!CHECK(n > 0, "%s: translated (%s)", what, x.why)) {
		ofl_xlate_free(&x);
		return;
	}
	CHECK((unsigned int)n <= exp_keys_max, "%s: %d keys <= %u", what, n, exp_keys_max);
	/* one L3/tag variant: keys of the first (v4, untagged) shape */
	{
		struct ofl_xlate v = x;
		struct ofl_key *ks = malloc(x.n * sizeof(*ks));
		uint32_t m = 0;

		for (uint32_t i = 0; i < x.n; i++)
			if (x.keys[i].tag == OFL_TAG_NONE &&
			    x.keys[i].v[OFL_K_PROTO] == 0x08 && x.keys[i].v[OFL_K_PROTO + 1] == 0)
				ks[m++] = x.keys[i];
		v.keys = ks;
		v.n = m;
		for (uint32_t p = 0; p < 65536; p++) {
			unsigned int k = keys_matching(&v, OFL_K_TH + 2, 2, p);

			if ((k > 0) != in(p))
				bad++;
			if (k > 1)
				dup++;
		}
		free(ks);
	}
	CHECK(bad == 0, "%s: %u ports wrong", what, bad);
	CHECK(dup == 0, "%s: %u ports matched twice", what, dup);
	ofl_xlate_free(&x);
}

static bool in_1000_2000(uint32_t p) { return p >= 1000 && p <= 2000; }
static bool not_1000_2000(uint32_t p) { return !in_1000_2000(p); }
static bool not_22(uint32_t p) { return p != 22; }
static bool lt_1024(uint32_t p) { return p < 1024; }
static bool gte_49152(uint32_t p) { return p >= 49152; }
static bool in_set(uint32_t p) { return p == 22 || p == 80 || (p >= 8000 && p <= 8080); }
static bool not_in_set(uint32_t p) { return !in_set(p); }

static struct ir_rule *
port_rule(struct ir_chain *c)
{
	struct ir_rule *r = irb_rule(c);

	b_proto(r, 0x0800);
	irb_l4(r, 6);
	return r;
}

static void
test_port_matches(void)
{
	struct ir_table *t;
	struct ir_chain *c;
	struct ir_rule *r;
	const uint8_t lo[2] = { 0x03, 0xe8 }, hi[2] = { 0x07, 0xd0 };

	b_new();
	t = irb_table("t");
	c = b_base(t, "in", 0, IR_POLICY_ACCEPT);
	r = port_rule(c);
	irb_range(r, irb_payload(IR_BASE_TRANSPORT, 2, 2), lo, hi, 2, false);
	irb_verdict(r, IR_VERDICT_DROP, NULL);
	check_port_rule("tcp dport 1000-2000", r, in_1000_2000, 2 * 30);
	r = port_rule(c);
	irb_range(r, irb_payload(IR_BASE_TRANSPORT, 2, 2), lo, hi, 2, true);
	irb_verdict(r, IR_VERDICT_DROP, NULL);
	check_port_rule("tcp dport != 1000-2000", r, not_1000_2000, 64);
	r = port_rule(c);
	b_be16(r, IR_BASE_TRANSPORT, 2, IR_CMP_NEQ, 22);
	irb_verdict(r, IR_VERDICT_DROP, NULL);
	check_port_rule("tcp dport != 22", r, not_22, 2 * 16);
	r = port_rule(c);
	b_be16(r, IR_BASE_TRANSPORT, 2, IR_CMP_LT, 1024);
	irb_verdict(r, IR_VERDICT_DROP, NULL);
	check_port_rule("tcp dport < 1024", r, lt_1024, 2);
	r = port_rule(c);
	b_be16(r, IR_BASE_TRANSPORT, 2, IR_CMP_GTE, 49152);
	irb_verdict(r, IR_VERDICT_DROP, NULL);
	check_port_rule("tcp dport >= 49152", r, gte_49152, 2);
	{
		const uint8_t fl[1] = { 2 };
		struct ir_set *s = b_set(t, IR_SET_F_INTERVAL, 1, fl);
		const uint8_t k1[2] = { 0, 22 }, k2[2] = { 0, 80 };
		const uint8_t k3[2] = { 0x1f, 0x40 }, k3e[2] = { 0x1f, 0x90 };
		struct ir_operand o = irb_payload(IR_BASE_TRANSPORT, 2, 2);

		irb_elem(s, k1, NULL);
		irb_elem(s, k2, NULL);
		irb_elem(s, k3, k3e);
		r = port_rule(c);
		irb_lookup(r, s, 1, &o, false);
		irb_verdict(r, IR_VERDICT_DROP, NULL);
		check_port_rule("tcp dport { 22, 80, 8000-8080 }", r, in_set, 64);
		r = port_rule(c);
		irb_lookup(r, s, 1, &o, true);
		irb_verdict(r, IR_VERDICT_DROP, NULL);
		check_port_rule("tcp dport != { 22, 80, 8000-8080 }", r, not_in_set, 64);
	}
	/* with `last`: one key with a range */
	{
		struct ofl_xlate x = { 0 };
		struct ofl_pattern p;
		char why[OFL_WHY_LEN];

		r = port_rule(c);
		irb_range(r, irb_payload(IR_BASE_TRANSPORT, 2, 2), lo, hi, 2, false);
		irb_verdict(r, IR_VERDICT_DROP, NULL);
		xcfg.has_last = true;
		CHECK(xl(r, &x) == 2 && x.keys[0].range == OFL_RANGE_DPORT &&
		      x.keys[0].rlo == 1000 && x.keys[0].rhi == 2000,
		      "range with last: one key per tag shape");
		xcfg.has_last = false;
		CHECK(x.n > 0 && ofl_pattern_build(&x.keys[0], &p, why, sizeof(why)) == 0 &&
		      p.items[p.n - 1].last != NULL &&
		      p.l4[0].tcp.hdr.dst_port == rte_cpu_to_be_16(1000) &&
		      p.l4[2].tcp.hdr.dst_port == rte_cpu_to_be_16(2000) &&
		      p.l4[1].tcp.hdr.dst_port == 0xffff,
		      "range with last: tcp dst spec 1000 last 2000 mask 0xffff");
		ofl_xlate_free(&x);
	}
	ir_ruleset_free(B);
}

static void
test_sets_concat(void)
{
	struct ir_table *t;
	struct ir_chain *c;
	struct ir_rule *r;
	struct ofl_xlate x = { 0 };
	const uint8_t fl[2] = { 4, 2 };
	struct ir_set *s;
	struct ir_operand ops[2];
	uint8_t k[8] = { 0 };
	unsigned int found = 0;

	b_new();
	t = irb_table("t");
	c = b_base(t, "in", 0, IR_POLICY_ACCEPT);
	/* ip saddr . tcp dport { 1.1.1.1 . 80, 2.2.2.2 . 443 } */
	s = b_set(t, 0, 2, fl);
	k[0] = k[1] = k[2] = k[3] = 1;
	k[4] = 0;
	k[5] = 80;
	irb_elem(s, k, NULL);
	k[0] = k[1] = k[2] = k[3] = 2;
	k[4] = 0x01;
	k[5] = 0xbb;
	irb_elem(s, k, NULL);
	ops[0] = irb_payload(IR_BASE_NETWORK, 12, 4);
	ops[1] = irb_payload(IR_BASE_TRANSPORT, 2, 2);
	r = irb_rule(c);
	b_proto(r, 0x0800);
	irb_l4(r, 6);
	irb_lookup(r, s, 2, ops, false);
	irb_verdict(r, IR_VERDICT_DROP, NULL);
	CHECK(xl(r, &x) == 4, "concat set of 2: 2 elements x 2 tag shapes, got %u", x.n);
	for (uint32_t i = 0; i < x.n; i++) {
		const struct ofl_key *kk = &x.keys[i];

		if (kk->v[OFL_K_NH + 12] == 1 && kk->v[OFL_K_TH + 3] == 80 &&
		    kk->m[OFL_K_NH + 15] == 0xff && kk->m[OFL_K_TH + 3] == 0xff)
			found |= 1;
		if (kk->v[OFL_K_NH + 12] == 2 && kk->v[OFL_K_TH + 2] == 1 &&
		    kk->v[OFL_K_TH + 3] == 0xbb)
			found |= 2;
		if (kk->v[OFL_K_NH + 12] == 1 && kk->v[OFL_K_TH + 3] == 0xbb)
			found |= 4;	/* a cross product would be wrong */
	}
	CHECK(found == 3, "concat set: element boxes, not a cross product (0x%x)", found);
	ofl_xlate_free(&x);
	/* too big for the expansion budget: refused, widened drops the set */
	{
		const uint8_t f1[1] = { 4 };
		struct ir_set *big = b_set(t, 0, 1, f1);
		struct ir_operand o = irb_payload(IR_BASE_NETWORK, 12, 4);

		for (unsigned int i = 0; i < 40; i++) {
			uint8_t a[4] = { 10, 0, 0, (uint8_t)i };

			irb_elem(big, a, NULL);
		}
		r = irb_rule(c);
		b_proto(r, 0x0800);
		irb_lookup(r, big, 1, &o, false);
		irb_verdict(r, IR_VERDICT_DROP, NULL);
		CHECK(xl(r, &x) == -1 && strstr(x.why, "more than") != NULL,
		      "set of 40 x 2 shapes over 64: refused (%s)", x.why);
		ofl_xlate_rule(&xcfg, r, true, &x);
		CHECK(x.n == 2 && !x.exact && x.keys[0].m[OFL_K_NH + 12] == 0 &&
		      x.keys[0].m[OFL_K_PROTO] == 0xff,
		      "widened: the set dropped, meta protocol kept, %u keys", x.n);
		ofl_xlate_free(&x);
	}
	ir_ruleset_free(B);
}

/* ---- a strict rte_flow matcher (the hardware model of ofl_items.h) ------- */

/*
 * The NIC model of ofl_items.h, as tests/flowemu implements it: tags are
 * 0x8100/0x88a8 with all 4 bytes present; IPv4 needs version 4, ihl >= 5 and
 * the whole header (ihl * 4) in the frame, lengths and checksums unchecked;
 * L4 needs its fixed header in the frame, never on a non-first fragment
 * (first fragments: hw_l4_first_frag); IPv6 needs version 6 and 40 bytes,
 * extension headers are walked.
 */
enum { L_ETH, L_VLAN, L_IPV4, L_IPV6, L_TCP, L_UDP, L_SCTP, L_ICMP, L_ICMP6 };

struct hlayer {
	int type;
	uint32_t off;
	bool flag;		/* ETH has_vlan, VLAN has_more_vlan */
};

static bool hw_l4_first_frag;	/* L4 items match first fragments (mlx5-like) */

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static int
hw_l4(const uint8_t *f, uint32_t len, uint8_t p, bool v6, uint32_t off,
      struct hlayer *l, int n)
{
	int t;
	uint32_t hl;

	switch (p) {
	case 6: t = L_TCP; hl = 20; break;
	case 17: t = L_UDP; hl = 8; break;
	case 132: t = L_SCTP; hl = 12; break;
	case 1: if (v6) return n; t = L_ICMP; hl = 8; break;
	case 58: if (!v6) return n; t = L_ICMP6; hl = 4; break;
	default: return n;
	}
	(void)f;
	if (off + hl <= len)
		l[n++] = (struct hlayer){ t, off, false };
	return n;
}

static int
hw_parse(const uint8_t *f, uint32_t len, struct hlayer *l)
{
	int n = 0;
	uint32_t pos = 14;
	uint16_t type;

	if (len < 14)
		return 0;
	type = rd16(f + 12);
	l[n++] = (struct hlayer){ L_ETH, 0, false };
	while ((type == 0x8100 || type == 0x88a8) && pos + 4 <= len && n < 5) {
		l[0].flag = true;
		if (n > 1)
			l[n - 1].flag = true;
		l[n++] = (struct hlayer){ L_VLAN, pos, false };
		type = rd16(f + pos + 2);
		pos += 4;
	}
	if (type == 0x0800 && pos + 20 <= len && (f[pos] >> 4) == 4) {
		uint32_t ihl = (f[pos] & 15) * 4u;
		uint16_t fo = rd16(f + pos + 6);

		if (ihl < 20 || pos + ihl > len)
			return n;
		l[n++] = (struct hlayer){ L_IPV4, pos, false };
		if ((fo & 0x1fff) != 0 || ((fo & 0x2000) && !hw_l4_first_frag))
			return n;
		return hw_l4(f, len, f[pos + 9], false, pos + ihl, l, n);
	}
	if (type == 0x86dd && pos + 40 <= len && (f[pos] >> 4) == 6) {
		uint32_t x = pos + 40;
		uint8_t nh = f[pos + 6];

		l[n++] = (struct hlayer){ L_IPV6, pos, false };
		for (int i = 0; i < 8; i++) {
			uint32_t elen;

			if (nh != 0 && nh != 43 && nh != 44 && nh != 51 && nh != 50 &&
			    nh != 60 && nh != 135 && nh != 139 && nh != 140)
				return hw_l4(f, len, nh, true, x, l, n);
			if (nh == 50 || x + 8 > len)
				return n;
			if (nh == 44) {
				uint16_t fo = rd16(f + x + 2);

				if ((fo & 0xfff8) != 0 || ((fo & 1) && !hw_l4_first_frag))
					return n;
				elen = 8;
			} else if (nh == 51) {
				elen = ((uint32_t)f[x + 1] + 2) * 4;
			} else {
				elen = ((uint32_t)f[x + 1] + 1) * 8;
			}
			nh = f[x];
			x += elen;
		}
	}
	return n;
}

static bool
hw_item(const struct rte_flow_item *it, const uint8_t *f, uint32_t len,
	const struct hlayer *l)
{
	static const struct { int item, layer; unsigned int hl; } map[] = {
		{ RTE_FLOW_ITEM_TYPE_ETH, L_ETH, 14 },
		{ RTE_FLOW_ITEM_TYPE_VLAN, L_VLAN, 4 },
		{ RTE_FLOW_ITEM_TYPE_IPV4, L_IPV4, 20 },
		{ RTE_FLOW_ITEM_TYPE_IPV6, L_IPV6, 40 },
		{ RTE_FLOW_ITEM_TYPE_TCP, L_TCP, 20 },
		{ RTE_FLOW_ITEM_TYPE_UDP, L_UDP, 8 },
		{ RTE_FLOW_ITEM_TYPE_SCTP, L_SCTP, 12 },
		{ RTE_FLOW_ITEM_TYPE_ICMP, L_ICMP, 8 },
		{ RTE_FLOW_ITEM_TYPE_ICMP6, L_ICMP6, 4 },
	};
	const uint8_t *s = it->spec, *m = it->mask, *la = it->last;
	unsigned int hl = 0;

	for (unsigned int i = 0; i < RTE_DIM(map); i++)
		if ((int)it->type == map[i].item) {
			if (l->type != map[i].layer)
				return false;
			hl = map[i].hl;
		}
	if (hl == 0 || s == NULL || m == NULL)
		return hl != 0;
	for (unsigned int b = 0; b < hl; b++) {
		uint8_t fb = l->off + b < len ? f[l->off + b] : 0;

		if (la != NULL && (b & 1) == 0 && b + 1 < hl &&
		    (la[b] != s[b] || la[b + 1] != s[b + 1])) {
			/* ranges only on 2-byte port fields: compare numerically */
			uint32_t v = (uint32_t)(fb << 8 | f[l->off + b + 1]);
			uint32_t lo = (uint32_t)(s[b] << 8 | s[b + 1]);
			uint32_t hi = (uint32_t)(la[b] << 8 | la[b + 1]);

			if (v < lo || v > hi)
				return false;
			b++;
			continue;
		}
		if ((fb ^ s[b]) & m[b])
			return false;
	}
	if (it->type == RTE_FLOW_ITEM_TYPE_ETH &&
	    ((const struct rte_flow_item_eth *)m)->has_vlan &&
	    ((const struct rte_flow_item_eth *)s)->has_vlan != l->flag)
		return false;
	return true;
}

static bool
hw_match(const struct rte_flow_item *items, const uint8_t *f, uint32_t len)
{
	struct hlayer l[8];
	int n = hw_parse(f, len, l), i = 0;

	for (; items->type != RTE_FLOW_ITEM_TYPE_END; items++, i++)
		if (i >= n || !hw_item(items, f, len, &l[i]))
			return false;
	return true;
}

/* ---- frames ------------------------------------------------------------------ */

struct tframe {
	uint8_t b[512];
	uint32_t len;
};

enum {
	DMG_NONE = 0,
	DMG_VERSION,		/* IPv4 version 5/6, IPv6 version 4 */
	DMG_IHL_SHORT,		/* IPv4 ihl < 5 */
	DMG_IHL_OPTS,		/* IPv4 ihl 6 (4 option bytes): well-formed */
	DMG_IHL_CUT,		/* IPv4 ihl 15, frame cut inside the options */
	DMG_TOT_LONG,		/* total / payload length beyond the frame */
	DMG_TOT_SHORT,		/* IPv4 total length below ihl * 4 */
	DMG_CUT,		/* frame cut at a random length (no padding) */
	DMG_RUNT_TAG,		/* tagged frame of 16, 18 or 19 bytes */
	DMG__COUNT,
};

struct fspec {
	int tag;		/* 0 none, 1 8100, 2 88a8, 3 QinQ */
	uint16_t vid;
	int l3;			/* 0 ipv4, 1 ipv6, 2 arp */
	uint8_t proto;
	uint8_t sbyte;		/* last byte of the source address */
	uint16_t sport, dport;
	int frag;		/* 0 none, 1 first fragment, 2 later fragment */
	bool hbh;		/* IPv6 hop-by-hop before the L4 header */
	uint16_t pad;
	int damage;		/* DMG_* */
	uint32_t cut;		/* DMG_CUT: keep this many bytes (modulo the length) */
};

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
mk_frame(const struct fspec *s, struct tframe *f)
{
	static const uint8_t dst[6] = { 2, 0, 0, 0, 0, 0x10 }, src[6] = { 2, 0, 0, 0, 0, 0xaa };
	uint8_t *p = f->b;
	uint32_t pos = 12, l4len = 20 + s->pad, l3pos;
	uint16_t et = s->l3 == 0 ? 0x0800 : s->l3 == 1 ? 0x86dd : 0x0806;

	memset(f, 0, sizeof(*f));
	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	if (s->tag) {
		put16(p + pos, s->tag == 2 ? 0x88a8 : 0x8100);
		put16(p + pos + 2, s->vid);
		pos += 4;
		if (s->tag == 3) {
			put16(p + pos, 0x8100);
			put16(p + pos + 2, 7);
			pos += 4;
		}
	}
	put16(p + pos, et);
	pos += 2;
	l3pos = pos;
	if (s->l3 == 0) {
		uint8_t *ip = p + pos;
		uint32_t hl = s->damage == DMG_IHL_OPTS ? 24 : 20;
		uint32_t tot = hl + l4len;

		ip[0] = (uint8_t)(0x40 | hl / 4);
		if (s->damage == DMG_VERSION)
			ip[0] = s->sbyte & 1 ? 0x65 : 0x55;
		else if (s->damage == DMG_IHL_SHORT)
			ip[0] = s->sbyte & 1 ? 0x44 : 0x40;
		else if (s->damage == DMG_IHL_CUT)
			ip[0] = 0x4f;
		if (s->damage == DMG_TOT_LONG)
			tot += 100;
		else if (s->damage == DMG_TOT_SHORT)
			tot = s->sbyte & 1 ? 19 : 8;
		put16(ip + 2, (uint16_t)tot);
		put16(ip + 6, s->frag == 1 ? 0x2000 : s->frag == 2 ? 0x0010 : 0);
		ip[8] = 64;
		ip[9] = s->proto;
		ip[12] = 10; ip[15] = s->sbyte;
		ip[16] = 10; ip[19] = 99;
		if (hl > 20)
			memset(ip + 20, 1, hl - 20);	/* NOPs */
		pos += hl;
	} else if (s->l3 == 1) {
		uint8_t *ip = p + pos;

		ip[0] = s->damage == DMG_VERSION ? 0x40 : 0x60;
		put16(ip + 4, (uint16_t)(l4len + (s->hbh ? 8 : 0) +
					 (s->damage == DMG_TOT_LONG ? 100 : 0)));
		ip[6] = s->hbh ? 0 : s->proto;
		ip[7] = 64;
		ip[8] = 0x20; ip[9] = 0x01; ip[23] = s->sbyte;
		ip[24] = 0x20; ip[25] = 0x01; ip[39] = 99;
		pos += 40;
		if (s->hbh) {
			ip[40] = s->proto;
			ip[41] = 0;
			ip[42] = 1;	/* PadN */
			ip[43] = 4;
			pos += 8;
		}
	} else {
		memset(p + pos, 0, 28);
		put16(p + pos, 1);
		put16(p + pos + 2, 0x0800);
		p[pos + 4] = 6;
		p[pos + 5] = 4;
		pos += 28;
		f->len = pos < 60 ? 60 : pos;
		goto damage;
	}
	put16(p + pos, s->sport);
	put16(p + pos + 2, s->dport);
	if (s->proto == 1 || s->proto == 58) {
		p[pos] = (uint8_t)s->dport;
		p[pos + 1] = 0;
	}
	if (s->proto == 6)
		p[pos + 12] = 0x50;
	pos += l4len;
	f->len = pos < 60 ? 60 : pos;
damage:
	if (s->damage == DMG_IHL_CUT)
		f->len = l3pos + 20 + s->cut % 40;
	else if (s->damage == DMG_CUT)
		f->len = 14 + s->cut % (pos - 14);
	else if (s->damage == DMG_RUNT_TAG)
		f->len = s->tag ? 16 + s->cut % 4 : 14 + s->cut % 4;
}

static void
rand_fspec(struct fspec *s)
{
	static const uint16_t ports[] = { 22, 80, 443, 1000, 1500, 8080 };
	static const uint8_t protos[] = { 6, 6, 17, 1, 58 };

	memset(s, 0, sizeof(*s));
	s->tag = rand() % 5 == 0 ? 1 + rand() % 3 : 0;
	s->vid = (uint16_t)(rand() % 2 ? 5 : 10);
	s->l3 = rand() % 8 == 0 ? 2 : rand() % 3 == 0;
	s->proto = protos[rand() % RTE_DIM(protos)];
	if (s->l3 == 0 && s->proto == 58)
		s->proto = 1;
	if (s->l3 == 1 && s->proto == 1)
		s->proto = 58;
	s->sbyte = (uint8_t)(1 + rand() % 3);
	s->sport = ports[rand() % RTE_DIM(ports)];
	s->dport = ports[rand() % RTE_DIM(ports)];
	s->frag = rand() % 10 == 0 ? 1 + rand() % 2 : 0;
	s->hbh = s->l3 == 1 && rand() % 6 == 0;
	s->pad = (uint16_t)(rand() % 3 == 0 ? 200 : 0);
	/* a third of the frames malformed or truncated */
	if (rand() % 3 == 0 && getenv("OFL_TEST_WELLFORMED") == NULL) {
		s->damage = 1 + rand() % (DMG__COUNT - 1);
		s->cut = (uint32_t)rand();
		if (s->damage == DMG_RUNT_TAG && s->tag == 0)
			s->tag = 1 + rand() % 2;
	}
}

/* ---- random rulesets ----------------------------------------------------------- */

static void
rand_match(struct ir_table *t, struct ir_rule *r)
{
	uint16_t ports[] = { 22, 80, 443, 1000 };
	uint16_t p = ports[rand() % 4];

	switch (rand() % 18) {
	case 0: {	/* ip saddr 10.0.0.X[/31] */
		uint8_t a[4] = { 10, 0, 0, (uint8_t)(1 + rand() % 3) };
		const uint8_t m31[4] = { 0xff, 0xff, 0xff, 0xfe };
		struct ir_operand o = irb_payload(IR_BASE_NETWORK, 12, 4);

		b_proto(r, 0x0800);
		if (rand() % 2) {
			o = irb_masked(o, m31);
			a[3] &= 0xfe;
		}
		irb_cmp(r, o, IR_CMP_EQ, a, 4);
		break;
	}
	case 1: {	/* ip6 saddr ::X (last byte) */
		uint8_t v = (uint8_t)(1 + rand() % 3);

		b_proto(r, 0x86dd);
		irb_cmp(r, irb_payload(IR_BASE_NETWORK, 23, 1), IR_CMP_EQ, &v, 1);
		break;
	}
	case 2:		/* tcp dport P (both families) */
		irb_l4(r, 6);
		b_be16(r, IR_BASE_TRANSPORT, 2, IR_CMP_EQ, p);
		break;
	case 3: {	/* th dport range */
		uint8_t lo[2], hi[2];
		uint16_t a = ports[rand() % 4], b = ports[rand() % 4];

		if (a > b) { uint16_t x = a; a = b; b = x; }
		put16(lo, a);
		put16(hi, b);
		irb_l4(r, rand() % 2 ? 6 : 17);
		irb_range(r, irb_payload(IR_BASE_TRANSPORT, 2, 2), lo, hi, 2, rand() % 4 == 0);
		break;
	}
	case 4:
		b_proto(r, 0x0800);
		irb_l4(r, 6);
		b_be16(r, IR_BASE_TRANSPORT, 2, IR_CMP_NEQ, p);
		break;
	case 5:
		irb_l4(r, 17);
		break;
	case 6: {	/* vlan id */
		const uint8_t vm[2] = { 0x0f, 0xff };
		uint8_t v[2] = { 0, (uint8_t)(rand() % 2 ? 5 : 10) };

		b_be16(r, IR_BASE_LL, 12, IR_CMP_EQ, 0x8100);
		irb_cmp(r, irb_masked(irb_payload(IR_BASE_LL, 14, 2), vm), IR_CMP_EQ, v, 2);
		break;
	}
	case 7:		/* ether type ip (tag in place) */
		b_be16(r, IR_BASE_LL, 12, IR_CMP_EQ, 0x0800);
		break;
	case 8: {	/* meta length > 100: no translation */
		uint32_t l = 100;

		irb_cmp(r, irb_meta(IR_META_LEN), IR_CMP_GT, &l, 4);
		break;
	}
	case 9: {	/* ip saddr { 10.0.0.1, 10.0.0.3 } */
		const uint8_t f1[1] = { 4 };
		struct ir_set *s = b_set(t, 0, 1, f1);
		const uint8_t a1[4] = { 10, 0, 0, 1 }, a3[4] = { 10, 0, 0, 3 };
		struct ir_operand o = irb_payload(IR_BASE_NETWORK, 12, 4);

		irb_elem(s, a1, NULL);
		irb_elem(s, a3, NULL);
		b_proto(r, 0x0800);
		irb_lookup(r, s, 1, &o, rand() % 3 == 0);
		break;
	}
	case 10: {	/* meta mark 1 (only after a software `meta mark set`) */
		uint32_t m = 1;

		irb_cmp(r, irb_meta(IR_META_MARK), IR_CMP_EQ, &m, 4);
		break;
	}
	case 11: {	/* iifname */
		uint8_t n[IR_IFNAMSIZ] = { 0 };

		memcpy(n, rand() % 2 ? "eth0" : "eth1", 4);
		irb_cmp(r, irb_meta(IR_META_IIFNAME), IR_CMP_EQ, n, IR_IFNAMSIZ);
		break;
	}
	case 12:	/* meta protocol ip6 */
		b_proto(r, 0x86dd);
		break;
	case 13: {	/* icmp type echo-request / icmpv6 echo-request */
		uint8_t v = 8;

		if (rand() % 2) {
			b_proto(r, 0x0800);
			irb_l4(r, 1);
		} else {
			v = 128;
			b_proto(r, 0x86dd);
			irb_l4(r, 58);
		}
		irb_cmp(r, irb_payload(IR_BASE_TRANSPORT, 0, 1), IR_CMP_EQ, &v, 1);
		break;
	}
	case 15: {	/* ip protocol P (a raw network-header load) */
		uint8_t v = rand() % 2 ? 6 : 17;

		b_proto(r, 0x0800);
		irb_cmp(r, irb_payload(IR_BASE_NETWORK, 9, 1), IR_CMP_EQ, &v, 1);
		break;
	}
	case 16: {	/* ip6 nexthdr P (raw) */
		uint8_t v = rand() % 2 ? 6 : 58;

		b_proto(r, 0x86dd);
		irb_cmp(r, irb_payload(IR_BASE_NETWORK, 6, 1), IR_CMP_EQ, &v, 1);
		break;
	}
	case 17: {	/* ip version 4 (raw, masked) */
		const uint8_t m[1] = { 0xf0 }, v[1] = { 0x40 };

		b_proto(r, 0x0800);
		irb_cmp(r, irb_masked(irb_payload(IR_BASE_NETWORK, 0, 1), m), IR_CMP_EQ, v, 1);
		break;
	}
	default: {	/* tcp sport P . dport: concat set */
		const uint8_t fl[2] = { 2, 2 };
		struct ir_set *s = b_set(t, 0, 2, fl);
		uint8_t k[8] = { 0 };
		struct ir_operand ops[2] = { irb_payload(IR_BASE_TRANSPORT, 0, 2),
					     irb_payload(IR_BASE_TRANSPORT, 2, 2) };

		put16(k, 80);
		put16(k + 4, 443);
		irb_elem(s, k, NULL);
		put16(k, 1000);
		put16(k + 4, 22);
		irb_elem(s, k, NULL);
		irb_l4(r, 6);
		irb_lookup(r, s, 2, ops, false);
		break;
	}
	}
}

static void
rand_ruleset(void)
{
	struct ir_table *t;
	struct ir_chain *in, *in2 = NULL, *sub;
	unsigned int nr = 1 + rand() % 7;

	b_new();
	t = irb_table("t");
	in = b_base(t, "in", 0, rand() % 3 == 0 ? IR_POLICY_DROP : IR_POLICY_ACCEPT);
	if (rand() % 3 == 0)
		in2 = b_base(t, "in2", 10, rand() % 2 ? IR_POLICY_DROP : IR_POLICY_ACCEPT);
	sub = irb_chain(t, "sub");
	{
		struct ir_rule *r = irb_rule(sub);

		rand_match(t, r);
		irb_verdict(r, rand() % 2 ? IR_VERDICT_DROP : IR_VERDICT_ACCEPT, NULL);
	}
	for (int pass = 0; pass < (in2 ? 2 : 1); pass++) {
		struct ir_chain *c = pass ? in2 : in;

		for (unsigned int i = 0; i < (pass ? 1 + nr / 2 : nr); i++) {
			struct ir_rule *r = irb_rule(c);
			unsigned int nm = 1 + rand() % 2;

			for (unsigned int m = 0; m < nm; m++)
				rand_match(t, r);
			switch (rand() % 9) {
			case 0:
			case 1:
			case 2:
				if (rand() % 2)
					irb_stmt(r, IR_STMT_COUNTER);
				irb_verdict(r, IR_VERDICT_DROP, NULL);
				break;
			case 3:
			case 4:
				if (rand() % 2)
					irb_stmt(r, IR_STMT_COUNTER);
				irb_verdict(r, IR_VERDICT_ACCEPT, NULL);
				break;
			case 5:
				irb_stmt(r, IR_STMT_COUNTER);
				break;
			case 6:
				irb_mark_set(r, 1);
				break;
			case 7:
				irb_verdict(r, IR_VERDICT_JUMP, sub);
				break;
			default:
				break;		/* no effect */
			}
		}
	}
}

/* ---- the planner against the interpreter ----------------------------------------- */

static unsigned int fake_validate_refuse;	/* bit per item type refused */

static int
fake_validate(uint16_t port_id, const struct rte_flow_attr *attr,
	      const struct rte_flow_item pattern[],
	      const struct rte_flow_action actions[], struct rte_flow_error *error)
{
	(void)port_id;
	(void)attr;
	(void)actions;
	for (; pattern->type != RTE_FLOW_ITEM_TYPE_END; pattern++)
		if (fake_validate_refuse & (1u << pattern->type))
			return rte_flow_error_set(error, ENOTSUP,
						  RTE_FLOW_ERROR_TYPE_ITEM, pattern,
						  "fake: item not supported");
	return 0;
}

static struct ofl_flow_ops fake_ops = { .validate = fake_validate };

/* a field mask is all ones or all zeroes */
static bool
full_or_empty(const void *mask, size_t len)
{
	const uint8_t *m = mask;
	bool zero = true, ones = true;

	for (size_t i = 0; i < len; i++) {
		zero &= m[i] == 0;
		ones &= m[i] == 0xff;
	}
	return zero || ones;
}

/*
 * An i40e-like PMD (tests/flowemu's smalltable): full or empty field masks
 * only (no address prefixes, no VLAN id without the PCP), no fragment
 * offset, no has_vlan; besides, what fake_validate refuses.
 */
static int
fake_validate_fullmask(uint16_t port_id, const struct rte_flow_attr *attr,
		       const struct rte_flow_item pattern[],
		       const struct rte_flow_action actions[], struct rte_flow_error *error)
{
	for (const struct rte_flow_item *it = pattern; it->type != RTE_FLOW_ITEM_TYPE_END; it++) {
		bool ok = true;

		if (it->mask == NULL)
			continue;
		switch (it->type) {
		case RTE_FLOW_ITEM_TYPE_ETH: {
			const struct rte_flow_item_eth *m = it->mask;

			ok = !m->has_vlan;
			break;
		}
		case RTE_FLOW_ITEM_TYPE_VLAN: {
			const struct rte_flow_item_vlan *m = it->mask;

			ok = full_or_empty(&m->hdr.vlan_tci, 2) && !m->has_more_vlan;
			break;
		}
		case RTE_FLOW_ITEM_TYPE_IPV4: {
			const struct rte_flow_item_ipv4 *m = it->mask;

			ok = full_or_empty(&m->hdr.src_addr, 4) &&
			     full_or_empty(&m->hdr.dst_addr, 4) &&
			     m->hdr.fragment_offset == 0;
			break;
		}
		case RTE_FLOW_ITEM_TYPE_IPV6: {
			const struct rte_flow_item_ipv6 *m = it->mask;

			ok = full_or_empty(m->hdr.src_addr, 16) &&
			     full_or_empty(m->hdr.dst_addr, 16) &&
			     full_or_empty(&m->hdr.vtc_flow, 4) && !m->has_frag_ext;
			break;
		}
		default:
			break;
		}
		if (!ok)
			return rte_flow_error_set(error, ENOTSUP, RTE_FLOW_ERROR_TYPE_ITEM_MASK,
						  it->mask, "fake: partial field mask");
	}
	return fake_validate(port_id, attr, pattern, actions, error);
}

static struct ofl_flow_ops fake_ops_fullmask = { .validate = fake_validate_fullmask };

struct profile {
	const char *name;
	struct ofl_caps caps;
	unsigned int refuse;
	bool l4_first_frag;	/* the NIC's L4 items match first fragments */
	bool fullmask;		/* fake_validate_fullmask */
};

static const struct profile profiles[] = {
	{ "rich", { 64, 512, true, true, false, false, false }, 0, true, false },
	{ "ranges", { 64, 512, true, true, true, false, false }, 0, true, false },
	{ "nopriority", { 1, 512, true, true, false, false, false }, 0, false, false },
	{ "twolevels", { 2, 512, true, false, false, false, false }, 0, false, false },
	{ "smalltable", { 64, 6, true, true, false, false, false }, 0, false, false },
	{ "nomark", { 64, 512, false, true, false, false, false }, 0, false, false },
	{ "noipv6", { 64, 512, true, true, false, false, false },
	  1u << RTE_FLOW_ITEM_TYPE_IPV6, false, false },
	/* i40e-like, as tests/flowemu's smalltable: punts widen what it refuses */
	{ "fullmask", { 4, 64, true, true, false, false, true }, 0, false, true },
};

static int
disp_of(const struct interp_result *r)
{
	return r->disp == INTERP_ACCEPT ? 1000 + r->out_port :
	       r->disp == INTERP_FWD ? 2000 + r->out_port : (int)r->disp;
}

static int
run_ref(const struct fp_ruleset *fp, const struct tframe *f, bool resume,
	uint32_t hook, uint32_t rule)
{
	static const struct rte_ether_addr mac = { .addr_bytes = { 2, 0, 0, 0, 0, 0x10 } };
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct interp_result res;
	struct pkt_view v;
	int d;

	if (m == NULL)
		abort();
	memcpy(rte_pktmbuf_append(m, (uint16_t)f->len), f->b, f->len);
	pkt_view_parse(m, &mac, &v);
	if (resume)
		interp_run_from(fp, 0, 0, m, &v, hook, rule, 0, &res);
	else
		interp_run(fp, 0, 0, m, &v, &res);
	d = disp_of(&res);
	for (unsigned int i = 0; i < res.n_extra; i++)
		rte_pktmbuf_free(res.extra[i].m);
	rte_pktmbuf_free(m);
	return d;
}

/* the fate of software from an entry's mark */
static int
soft_fate(const struct ofl_plan *plan, const struct fp_ruleset *fp,
	  const struct tframe *f, const struct ofl_entry *e)
{
	struct ofl_mark_ent me;

	if (e->fate == OFL_FATE_DROP)
		return (int)INTERP_DROP;
	me = ofl_mark_resolve(plan->marks, e->mark);
	if (e->mark == 0 || me.kind == OFL_MARK_NONE || me.port_idx != 0)
		return run_ref(fp, f, false, 0, 0);
	return run_ref(fp, f, true, me.hook_idx, me.rule_idx);
}

/*
 * The fate of frame f through the plan's hardware rules, then software (on
 * fp: its counters count what software saw; the winning entry's COUNT
 * counts in e->pkts/bytes as a NIC would, frame length). Entries tied at
 * the best level: newest or oldest wins; *ambiguous_ok false when a tied
 * entry would give another fate than ref (evaluated on scratch).
 */
static unsigned long hw_decided;	/* frames hardware decided (drop, accept mark) */

static int
run_hw(struct ofl_plan *plan, const struct fp_ruleset *fp,
       const struct fp_ruleset *scratch, const struct tframe *f, bool newest,
       bool *ambiguous_ok, int ref)
{
	struct ofl_port_plan *pp = &plan->ports[0];
	uint32_t best = UINT32_MAX, win = UINT32_MAX;
	int out;

	*ambiguous_ok = true;
	for (uint32_t i = 0; i < pp->nentries; i++) {
		const struct ofl_entry *e = &pp->entries[i];
		struct rte_flow_attr attr;
		struct ofl_pattern pat;
		struct ofl_actions act;
		char why[OFL_WHY_LEN];

		if (e->prio > best)
			continue;
		if (ofl_entry_flow(pp, e, &attr, &pat, &act, why, sizeof(why)) < 0 ||
		    !hw_match(pat.items, f->b, f->len))
			continue;
		if (e->prio < best) {
			best = e->prio;
			win = i;
		} else {
			if (soft_fate(plan, scratch, f, e) != ref ||
			    soft_fate(plan, scratch, f, &pp->entries[win]) != ref)
				*ambiguous_ok = false;
			if (newest)
				win = i;
		}
	}
	if (win == UINT32_MAX)
		return run_ref(fp, f, false, 0, 0);
	out = soft_fate(plan, fp, f, &pp->entries[win]);
	if (pp->entries[win].fate == OFL_FATE_DROP ||
	    ofl_mark_resolve(plan->marks, pp->entries[win].mark).kind == OFL_MARK_ACCEPT)
		hw_decided++;
	if (pp->entries[win].count) {
		pp->entries[win].pkts++;
		pp->entries[win].bytes += f->len;
	}
	return out;
}

static void
print_ruleset_plan(const struct ofl_plan *plan)
{
	ir_print(stderr, plan->ir, IR_PRINT_HANDLES);
	ofl_plan_print(stderr, plan, getenv("OFL_TEST_ENTRIES") != NULL);
}

static void
fold_cb(void *arg, uint16_t port_idx, const struct ofl_rule_ref *r,
	uint64_t pkts, uint64_t bytes)
{
	struct fp_counter d = { .packets = pkts, .bytes = bytes };

	(void)port_idx;
	fp_ruleset_rule_counter_add(arg, r->table_idx, r->chain_idx, r->rule_idx, &d);
}

/* first differing rule counter of the two rulesets: false and a message */
static bool
counters_equal(const struct fp_ruleset *a, const struct fp_ruleset *b, char *msg,
	       size_t len)
{
	const struct ir_table *t = &B->tables[0];

	for (uint32_t c = 0; c < t->nchains; c++)
		for (uint32_t r = 0; r < t->chains[c].nrules; r++) {
			uint64_t h = t->chains[c].rules[r].handle;
			struct fp_counter x, y;

			if (fp_ruleset_rule_counter(a, t->name, t->chains[c].name, h, 0, &x) != 0)
				continue;
			if (fp_ruleset_rule_counter(b, t->name, t->chains[c].name, h, 0, &y) != 0 ||
			    x.packets != y.packets || x.bytes != y.bytes) {
				snprintf(msg, len, "rule %s #%" PRIu64 ": software %" PRIu64 "/%" PRIu64
					 ", with hardware %" PRIu64 "/%" PRIu64, t->chains[c].name, h,
					 x.packets, x.bytes, y.packets, y.bytes);
				return false;
			}
		}
	return true;
}

struct bf_stats {
	unsigned int wrong;	/* frames (x tie orders) with another fate */
	unsigned int bad_counts;	/* tie orders with another rule counter */
	unsigned int ties;	/* equal-level overlaps that could change a fate */
	char first[320];	/* the first problem */
};

/*
 * Frames through plan's hardware rules then software, in both tie orders,
 * against software alone (ref[] fates, ref_fp's counters): fates and every
 * rule counter must be the same.
 */
static void
plan_check(struct ofl_ctx *ctx, struct ofl_plan *plan, const struct fp_ruleset *ref_fp,
	   const struct tframe *frames, const int *ref, unsigned int nf,
	   struct bf_stats *st)
{
	for (int tie = 0; tie < 2; tie++) {
		struct fp_ruleset *hw_fp = build_fp(), *scratch = build_fp();
		char msg[256];

		for (uint32_t e = 0; e < plan->ports[0].nentries; e++)
			plan->ports[0].entries[e].pkts = plan->ports[0].entries[e].bytes = 0;
		for (unsigned int i = 0; i < nf; i++) {
			bool amb;
			int d = run_hw(plan, hw_fp, scratch, &frames[i], tie, &amb, ref[i]);

			if (!amb)
				st->ties++;
			if (d != ref[i]) {
				if (st->wrong++ == 0) {
					int o = snprintf(st->first, sizeof(st->first),
							 "frame %u (tie %d): software %d, with hardware %d:",
							 i, tie, ref[i], d);

					for (uint32_t b = 0; b < frames[i].len && b < 64 &&
					     o > 0 && (size_t)o < sizeof(st->first) - 4; b++)
						o += snprintf(st->first + o, sizeof(st->first) - (size_t)o,
							      " %02x", frames[i].b[b]);
				}
			}
		}
		ofl_plan_counters(ctx, plan, fold_cb, hw_fp);
		if (!counters_equal(ref_fp, hw_fp, msg, sizeof(msg)) && st->bad_counts++ == 0 &&
		    st->wrong == 0)
			snprintf(st->first, sizeof(st->first), "counters (tie %d): %s", tie, msg);
		fp_ruleset_free(scratch);
		fp_ruleset_free(hw_fp);
	}
}

/* entries with the pattern of an earlier entry on the same level */
static unsigned int
plan_dup_entries(const struct ofl_port_plan *pp)
{
	unsigned int n = 0;

	for (uint32_t i = 0; i < pp->nentries; i++)
		for (uint32_t j = 0; j < i; j++)
			if (pp->entries[j].prio == pp->entries[i].prio &&
			    memcmp(&pp->entries[j].key, &pp->entries[i].key,
				   sizeof(pp->entries[i].key)) == 0) {
				n++;
				break;
			}
	return n;
}

static void
test_bruteforce(unsigned int n_rulesets, unsigned int n_frames)
{
	unsigned int plans = 0, hw_entries = 0, hw_rules = 0;
	unsigned int shown = 0, damaged = 0, part_rules = 0, dups = 0;
	struct bf_stats all = { 0 };

	hw_decided = 0;
	srand(12345);
	for (unsigned int rsi = 0; rsi < n_rulesets; rsi++) {
		struct fp_ruleset *fp;
		struct tframe frames[64];
		int ref[64];
		unsigned int nf = n_frames < 64 ? n_frames : 64;

		rand_ruleset();
		fp = build_fp();
		for (unsigned int i = 0; i < nf; i++) {
			struct fspec s;

			rand_fspec(&s);
			mk_frame(&s, &frames[i]);
			damaged += s.damage != DMG_NONE;
			ref[i] = run_ref(fp, &frames[i], false, 0, 0);
		}
		for (unsigned int pi = 0; pi < RTE_DIM(profiles); pi++) {
			struct ofl_port_cfg pc;
			struct ofl_opts o = { .mode = OFL_MODE_AUTO,
					      .ops = profiles[pi].fullmask ? &fake_ops_fullmask :
									     &fake_ops };
			struct ofl_ctx *ctx;
			struct ofl_plan *plan;
			struct bf_stats st = { 0 };

			memset(&pc, 0, sizeof(pc));
			pc.port_idx = 0;
			pc.n_rxq = 1;
			strcpy(pc.name, "eth0");
			pc.caps = profiles[pi].caps;
			fake_validate_refuse = profiles[pi].refuse;
			hw_l4_first_frag = profiles[pi].l4_first_frag;
			if (ofl_ctx_create(&o, &pc, 1, &ctx) < 0 ||
			    ofl_plan_build(ctx, B, fp, NULL, NULL, NULL, &plan) < 0) {
				CHECK(false, "plan build failed");
				continue;
			}
			plans++;
			hw_entries += plan->ports[0].nentries;
			for (uint32_t r = 0; r < plan->ports[0].nrules; r++) {
				hw_rules += plan->ports[0].rules[r].where == OFL_WHERE_HW;
				part_rules += plan->ports[0].rules[r].where == OFL_WHERE_PARTIAL;
			}
			CHECK(plan->ports[0].nentries <= profiles[pi].caps.budget,
			      "%s: %u entries within the budget %u", profiles[pi].name,
			      plan->ports[0].nentries, profiles[pi].caps.budget);
			CHECK(plan->ports[0].levels <= profiles[pi].caps.n_prio,
			      "%s: %u levels within %u", profiles[pi].name,
			      plan->ports[0].levels, profiles[pi].caps.n_prio);
			dups += plan_dup_entries(&plan->ports[0]);
			plan_check(ctx, plan, fp, frames, ref, nf, &st);
			if ((st.wrong || st.bad_counts) && shown++ < 3) {
				fprintf(stderr, "ruleset %u profile %s: %s; plan:\n", rsi,
					profiles[pi].name, st.first);
				print_ruleset_plan(plan);
			}
			all.wrong += st.wrong;
			all.bad_counts += st.bad_counts;
			all.ties += st.ties;
			ofl_plan_free(ctx, plan);
			ofl_ctx_free(ctx);
		}
		fp_ruleset_free(fp);
		ir_ruleset_free(B);
	}
	fake_validate_refuse = 0;
	hw_l4_first_frag = false;
	CHECK(all.wrong == 0, "brute force: %u wrong fates over %u plans", all.wrong, plans);
	CHECK(all.bad_counts == 0, "brute force: %u plans with wrong rule counters",
	      all.bad_counts);
	CHECK(all.ties == 0, "brute force: %u equal-priority overlaps with different fates",
	      all.ties);
	CHECK(dups == 0, "brute force: %u entries repeat a pattern on their level (EEXIST on some PMDs)",
	      dups);
	CHECK(hw_entries > plans && hw_rules > plans / 4 && hw_rules + part_rules > plans,
	      "brute force: plans use hardware (%u entries, %u hardware rules, %u partial, %u plans)",
	      hw_entries, hw_rules, part_rules, plans);
	printf("offload: brute force: %u plans, %u hardware rules, %u rules decided in hardware, %u partial, %u malformed frames, %lu of %u frame runs decided in hardware\n",
	       plans, hw_entries, hw_rules, part_rules, damaged, hw_decided,
	       plans * 2 * (n_frames < 64 ? n_frames : 64));
}

/* ---- regressions from the differential runs against the emulated NIC ------------- */

/* the current B with frames, on the brute force's profiles: fates and counters */
static void
check_ruleset(const char *what, const struct tframe *frames, unsigned int nf)
{
	struct fp_ruleset *fp = build_fp();
	int ref[64];

	for (unsigned int i = 0; i < nf && i < 64; i++)
		ref[i] = run_ref(fp, &frames[i], false, 0, 0);
	for (unsigned int pi = 0; pi < RTE_DIM(profiles); pi++) {
		struct ofl_port_cfg pc;
		struct ofl_opts o = { .mode = OFL_MODE_AUTO,
				      .ops = profiles[pi].fullmask ? &fake_ops_fullmask : &fake_ops };
		struct ofl_ctx *ctx;
		struct ofl_plan *plan;
		struct bf_stats st = { 0 };

		memset(&pc, 0, sizeof(pc));
		pc.n_rxq = 1;
		strcpy(pc.name, "eth0");
		pc.caps = profiles[pi].caps;
		if (pc.caps.budget < 64)
			pc.caps.budget = 64;	/* the emulator's smalltable */
		fake_validate_refuse = profiles[pi].refuse;
		hw_l4_first_frag = profiles[pi].l4_first_frag;
		if (ofl_ctx_create(&o, &pc, 1, &ctx) < 0 ||
		    ofl_plan_build(ctx, B, fp, NULL, NULL, NULL, &plan) < 0) {
			CHECK(false, "%s: plan", what);
			continue;
		}
		plan_check(ctx, plan, fp, frames, ref, nf < 64 ? nf : 64, &st);
		CHECK(st.wrong == 0 && st.bad_counts == 0 && st.ties == 0,
		      "%s, profile %s: fates and counters as in software (%s)", what,
		      profiles[pi].name, st.first);
		if ((st.wrong || st.bad_counts) && getenv("OFL_TEST_DEBUG"))
			print_ruleset_plan(plan);
		ofl_plan_free(ctx, plan);
		ofl_ctx_free(ctx);
	}
	fake_validate_refuse = 0;
	hw_l4_first_frag = false;
	fp_ruleset_free(fp);
}

/* raw IPv4 frame: ver_ihl, total length (0: right), the source's last byte, cut */
static void
mk_raw4(struct tframe *f, uint8_t ver_ihl, uint16_t tot, uint8_t sbyte, uint8_t proto,
	uint16_t dport, uint32_t cut)
{
	struct fspec s;
	uint8_t *ip = f->b + 14;

	memset(&s, 0, sizeof(s));
	s.proto = proto;
	s.sbyte = sbyte;
	s.sport = 1234;
	s.dport = dport;
	mk_frame(&s, f);
	ip[0] = ver_ihl;
	if (tot)
		put16(ip + 2, tot);
	if (cut)
		f->len = cut;
}

/*
 * tests/diff/corpus/malformed.nft, rule handle 3 "ip saddr 10.0.0.1 counter"
 * (rich, smalltable): the kernel's raw network-header load matches malformed
 * IPv4, the NIC's IPV4 item does not, and a later ETH-only entry (`ether type
 * ip meta length < 20`, a punt) resumed software after the counter. And
 * tests/diff/corpus/ipv4.nft, handle 3 (nopriority): a counted drop that
 * fell back to a punt kept its hardware COUNT (double counting).
 */
static void
test_regressions(void)
{
	struct ir_table *t;
	struct ir_chain *c;
	struct ir_rule *r;
	struct tframe f[16];
	unsigned int n = 0;
	const uint8_t a1[4] = { 10, 0, 0, 1 };
	uint32_t zero = 0, twenty = 20;

	b_new();
	t = irb_table("t");
	c = b_base(t, "c", 0, IR_POLICY_ACCEPT);
	r = irb_rule(c);		/* meta l4proto tcp counter */
	irb_l4(r, 6);
	irb_stmt(r, IR_STMT_COUNTER);
	r = irb_rule(c);		/* ip saddr 10.0.0.1 counter */
	b_proto(r, 0x0800);
	irb_cmp(r, irb_payload(IR_BASE_NETWORK, 12, 4), IR_CMP_EQ, a1, 4);
	irb_stmt(r, IR_STMT_COUNTER);
	r = irb_rule(c);		/* meta length 0 counter */
	irb_cmp(r, irb_meta(IR_META_LEN), IR_CMP_EQ, &zero, 4);
	irb_stmt(r, IR_STMT_COUNTER);
	r = irb_rule(c);		/* ether type ip meta length < 20 counter drop */
	b_be16(r, IR_BASE_LL, 12, IR_CMP_EQ, 0x0800);
	irb_cmp(r, irb_meta(IR_META_LEN), IR_CMP_LT, &twenty, 4);
	irb_stmt(r, IR_STMT_COUNTER);
	irb_verdict(r, IR_VERDICT_DROP, NULL);
	r = irb_rule(c);		/* ip saddr 10.0.0.1 tcp dport 80 counter drop */
	b_proto(r, 0x0800);
	irb_cmp(r, irb_payload(IR_BASE_NETWORK, 12, 4), IR_CMP_EQ, a1, 4);
	irb_l4(r, 6);
	b_be16(r, IR_BASE_TRANSPORT, 2, IR_CMP_EQ, 80);
	irb_stmt(r, IR_STMT_COUNTER);
	irb_verdict(r, IR_VERDICT_DROP, NULL);
	mk_raw4(&f[n++], 0x45, 0, 1, 6, 80, 0);		/* good: drop */
	mk_raw4(&f[n++], 0x44, 0, 1, 6, 80, 0);		/* ihl 4 */
	mk_raw4(&f[n++], 0x40, 0, 1, 6, 80, 0);		/* ihl 0 */
	mk_raw4(&f[n++], 0x65, 0, 1, 6, 80, 0);		/* version 6 */
	mk_raw4(&f[n++], 0x4f, 0, 1, 6, 80, 0);		/* ihl 15, header cut */
	mk_raw4(&f[n++], 0x45, 200, 1, 6, 80, 0);	/* total length > frame */
	mk_raw4(&f[n++], 0x45, 19, 1, 6, 80, 0);	/* total length < ihl * 4 */
	mk_raw4(&f[n++], 0x45, 0, 1, 6, 80, 14 + 16);	/* saddr there, header cut */
	mk_raw4(&f[n++], 0x45, 0, 1, 6, 80, 14 + 20 + 4);	/* tcp header cut */
	mk_raw4(&f[n++], 0x45, 0, 2, 6, 80, 14 + 20 + 4);
	check_ruleset("corpus malformed (raw ip saddr counter on malformed IPv4)", f, n);
	ir_ruleset_free(B);

	/* ipv4.nft, handles 2-4 */
	b_new();
	t = irb_table("t");
	c = b_base(t, "c", 0, IR_POLICY_ACCEPT);
	{
		const uint8_t s16[4] = { 192, 168, 0, 0 }, m16[4] = { 0xff, 0xff, 0, 0 };
		const uint8_t d8[4] = { 10, 0, 0, 0 }, m8[4] = { 0xff, 0, 0, 0 };
		const uint8_t s12[4] = { 172, 16, 0, 0 }, m12[4] = { 0xff, 0xf0, 0, 0 };
		const uint8_t d[4] = { 203, 0, 113, 7 };

		r = irb_rule(c);
		b_proto(r, 0x0800);
		irb_cmp(r, irb_masked(irb_payload(IR_BASE_NETWORK, 12, 4), m16), IR_CMP_EQ, s16, 4);
		irb_cmp(r, irb_masked(irb_payload(IR_BASE_NETWORK, 16, 4), m8), IR_CMP_EQ, d8, 4);
		irb_stmt(r, IR_STMT_COUNTER);
		irb_verdict(r, IR_VERDICT_DROP, NULL);
		r = irb_rule(c);
		b_proto(r, 0x0800);
		irb_cmp(r, irb_masked(irb_payload(IR_BASE_NETWORK, 12, 4), m12), IR_CMP_EQ, s12, 4);
		irb_l4(r, 17);
		b_be16(r, IR_BASE_TRANSPORT, 2, IR_CMP_EQ, 1);
		irb_stmt(r, IR_STMT_COUNTER);
		irb_verdict(r, IR_VERDICT_DROP, NULL);
		r = irb_rule(c);
		b_proto(r, 0x0800);
		irb_cmp(r, irb_payload(IR_BASE_NETWORK, 16, 4), IR_CMP_EQ, d, 4);
		irb_stmt(r, IR_STMT_COUNTER);
		irb_verdict(r, IR_VERDICT_DROP, NULL);
	}
	n = 0;
	for (int i = 0; i < 4; i++) {
		uint8_t *ip;

		mk_raw4(&f[n], 0x45, 0, 1, 17, (uint16_t)(i < 2 ? 1 : 2), 0);
		ip = f[n].b + 14;
		ip[12] = 172;
		ip[13] = (uint8_t)(16 + i);
		if (i == 3)
			put16(ip + 6, 0x2000);	/* a first fragment */
		n++;
	}
	check_ruleset("corpus ipv4 (counted drop with a transport match)", f, n);
	ir_ruleset_free(B);
}

static struct ofl_ctx *mk_ctx(const struct ofl_caps *caps, const struct ofl_flow_ops *ops,
			      enum ofl_mode mode, uint32_t budget);

/*
 * What the class guards leave in hardware: "tcp dport 22 counter" (partial,
 * narrow on truncated TCP), then "ip saddr 10.0.0.1 drop" (exact, could
 * take such frames): its own guard (ip saddr 10.0.0.1 proto 6) below a copy
 * that carries the TCP item; a well-formed TCP frame from 10.0.0.1 is still
 * dropped in hardware, a truncated one goes to software; policy drop: the
 * tail's copies keep the drop of other well-formed frames in hardware.
 */
static void
test_class_copies(void)
{
	struct ofl_caps caps = { 16, 512, true, true, false, false, false };
	struct ir_table *t;
	struct ir_chain *c;
	struct ir_rule *r;
	struct fp_ruleset *fp;
	struct ofl_ctx *ctx;
	struct ofl_plan *plan;
	struct tframe f[4];
	const uint8_t a1[4] = { 10, 0, 0, 1 };
	unsigned int copies = 0, own = 0;
	int ref[4];

	b_new();
	t = irb_table("t");
	c = b_base(t, "c", 0, IR_POLICY_DROP);
	r = irb_rule(c);
	irb_l4(r, 6);
	b_be16(r, IR_BASE_TRANSPORT, 2, IR_CMP_EQ, 22);
	irb_stmt(r, IR_STMT_COUNTER);
	r = irb_rule(c);
	b_proto(r, 0x0800);
	irb_cmp(r, irb_payload(IR_BASE_NETWORK, 12, 4), IR_CMP_EQ, a1, 4);
	irb_verdict(r, IR_VERDICT_DROP, NULL);
	fp = build_fp();
	ctx = mk_ctx(&caps, NULL, OFL_MODE_AUTO, 0);
	CHECK(ofl_plan_build(ctx, B, fp, NULL, NULL, NULL, &plan) == 0, "plan");
	for (uint32_t i = 0; i < plan->ports[0].nentries; i++) {
		const struct ofl_entry *e = &plan->ports[0].entries[i];

		copies += e->rule == 1 && (e->key.flags & OFL_KF_L4);
		own += e->rule == OFL_ENTRY_GUARD && e->key.m[OFL_K_NH + 12] == 0xff;
	}
	CHECK(copies == 2 && own == 2,
	      "ip saddr drop after a transport rule: 2 copies with the TCP item, 2 own guards (%u, %u)",
	      copies, own);
	mk_raw4(&f[0], 0x45, 0, 1, 6, 80, 0);		/* TCP from 10.0.0.1 */
	mk_raw4(&f[1], 0x45, 0, 1, 6, 80, 14 + 20 + 4);	/* truncated TCP header */
	mk_raw4(&f[2], 0x45, 0, 2, 17, 53, 0);		/* UDP from 10.0.0.2 */
	mk_raw4(&f[3], 0x45, 0, 2, 6, 22, 14 + 20 + 4);	/* truncated, dport 22 */
	for (unsigned int i = 0; i < 4; i++)
		ref[i] = run_ref(fp, &f[i], false, 0, 0);
	{
		struct bf_stats st = { 0 };
		unsigned long before;

		plan_check(ctx, plan, fp, f, ref, 4, &st);
		CHECK(st.wrong == 0 && st.bad_counts == 0, "fates and counters (%s)", st.first);
		before = hw_decided;
		plan_check(ctx, plan, fp, f, ref, 1, &st);
		CHECK(hw_decided - before == 2, "well-formed TCP from 10.0.0.1 dropped in hardware");
		before = hw_decided;
		plan_check(ctx, plan, fp, f + 2, ref + 2, 1, &st);
		CHECK(hw_decided - before == 2, "well-formed UDP dropped by the tail's copy");
		before = hw_decided;
		plan_check(ctx, plan, fp, f + 1, ref + 1, 1, &st);
		CHECK(hw_decided == before, "a truncated TCP header goes to software");
	}
	ofl_plan_free(ctx, plan);
	ofl_ctx_free(ctx);
	fp_ruleset_free(fp);
	ir_ruleset_free(B);
}

/* finding 3: a port where nothing validates (profile none) */
static void
test_summary(void)
{
	struct ofl_caps caps = { 1, 512, false, false, false, false, false };
	struct ir_table *t;
	struct ir_chain *c;
	struct ir_rule *r;
	struct fp_ruleset *fp;
	struct ofl_ctx *ctx;
	struct ofl_plan *plan;
	struct ofl_summary s;
	unsigned int hw, part, sw, ent;
	uint8_t n[IR_IFNAMSIZ] = "eth1";
	const uint8_t a1[4] = { 10, 0, 0, 1 };
	char line[256];

	b_new();
	t = irb_table("t");
	c = b_base(t, "c", 0, IR_POLICY_ACCEPT);
	r = irb_rule(c);		/* iifname "eth1" drop: never on eth0 */
	irb_cmp(r, irb_meta(IR_META_IIFNAME), IR_CMP_EQ, n, IR_IFNAMSIZ);
	irb_verdict(r, IR_VERDICT_DROP, NULL);
	r = irb_rule(c);		/* ip saddr 10.0.0.1 (no effect) */
	b_proto(r, 0x0800);
	irb_cmp(r, irb_payload(IR_BASE_NETWORK, 12, 4), IR_CMP_EQ, a1, 4);
	r = irb_rule(c);		/* ip saddr 10.0.0.1 drop */
	b_proto(r, 0x0800);
	irb_cmp(r, irb_payload(IR_BASE_NETWORK, 12, 4), IR_CMP_EQ, a1, 4);
	irb_verdict(r, IR_VERDICT_DROP, NULL);
	fp = build_fp();
	fake_validate_refuse = ~0u;
	ctx = mk_ctx(&caps, NULL, OFL_MODE_AUTO, 0);
	CHECK(ofl_plan_build(ctx, B, fp, NULL, NULL, NULL, &plan) == 0, "plan");
	fake_validate_refuse = 0;
	ofl_plan_summary(plan, &hw, &part, &sw, &ent);
	CHECK(hw == 0 && part == 0 && sw == 3 && ent == 0,
	      "nothing validates: 0 hardware, 0 partial, 3 software, 0 hardware rules (got %u %u %u %u)",
	      hw, part, sw, ent);
	ofl_plan_summary_ex(plan, &s);
	CHECK(s.hw == 0 && s.sw == 1 && s.none == 2 && s.entries == 0,
	      "the never-matching and the no-effect rule need no hardware rule (got %u %u %u)",
	      s.hw, s.sw, s.none);
	ofl_plan_summary_str(plan, line, sizeof(line));
	{
		const char *want = "0 rule(s) in hardware, 0 partial, 1 in software; 0 hardware rule(s); 2 rule(s) need no hardware rule";

		CHECK(strncmp(line, want, strlen(want)) == 0, "summary line: %s", line);
	}
	/* a port whose install failed is all software */
	plan->ports[0].install_err = -EIO;
	ofl_plan_summary_ex(plan, &s);
	CHECK(s.sw == 3 && s.none == 0 && s.entries == 0, "install failed: all software");
	ofl_plan_free(ctx, plan);
	ofl_ctx_free(ctx);
	fp_ruleset_free(fp);
	ir_ruleset_free(B);
}

/* ---- planner details ------------------------------------------------------------ */

static struct ofl_ctx *
mk_ctx(const struct ofl_caps *caps, const struct ofl_flow_ops *ops,
       enum ofl_mode mode, uint32_t budget)
{
	struct ofl_port_cfg pc;
	struct ofl_opts o = { .mode = mode, .ops = ops ? ops : &fake_ops,
			      .budget = budget };
	struct ofl_ctx *ctx;

	memset(&pc, 0, sizeof(pc));
	pc.port_id = 7;
	pc.port_idx = 0;
	pc.n_rxq = 1;
	strcpy(pc.name, "eth0");
	pc.caps = *caps;
	if (ofl_ctx_create(&o, &pc, 1, &ctx) < 0)
		abort();
	return ctx;
}

static void
test_plan_forms_and_marks(void)
{
	struct ofl_caps caps = { 16, 512, true, true, false, false, false };
	struct ir_table *t;
	struct ir_chain *in, *in2;
	struct ir_rule *r;
	struct fp_ruleset *fp;
	struct ofl_ctx *ctx;
	struct ofl_plan *plan;
	const struct ofl_port_plan *pp;
	uint32_t l = 100;
	static const struct { uint8_t where, form; } want[] = {
		{ OFL_WHERE_HW, OFL_FORM_DROP },	/* ip saddr 10.9/16 counter drop */
		{ OFL_WHERE_HW, OFL_FORM_ACCEPT },	/* ip daddr 10.9.9.9 accept */
		{ OFL_WHERE_PARTIAL, OFL_FORM_PARTIAL },/* tcp dport 80 limit accept */
		{ OFL_WHERE_SW, OFL_FORM_PUNT },	/* meta length > 100 tcp dport 443 drop */
		{ OFL_WHERE_PARTIAL, OFL_FORM_PARTIAL },/* ip saddr counter */
		{ OFL_WHERE_NONE, OFL_FORM_NEVER },	/* meta mark 5 drop */
		{ OFL_WHERE_NONE, OFL_FORM_NOOP },	/* ip saddr (nothing) */
		{ OFL_WHERE_HW, OFL_FORM_DROP },	/* hook 1: ip protocol sctp drop */
		{ OFL_WHERE_PARTIAL, OFL_FORM_PARTIAL },/* hook 1: tcp dport 23 counter drop */
		{ OFL_WHERE_PARTIAL, OFL_FORM_PARTIAL },/* hook 1: ether saddr counter accept */
	};
	char err[512];

	b_new();
	t = irb_table("t");
	in = b_base(t, "in", 0, IR_POLICY_ACCEPT);
	in->flags |= IR_CHAIN_F_OFFLOAD;
	in2 = b_base(t, "in2", 10, IR_POLICY_ACCEPT);
	r = irb_rule(in);
	{
		const uint8_t a[4] = { 10, 9, 0, 0 }, m[4] = { 0xff, 0xff, 0, 0 };

		b_proto(r, 0x0800);
		irb_cmp(r, irb_masked(irb_payload(IR_BASE_NETWORK, 12, 4), m), IR_CMP_EQ, a, 4);
	}
	irb_stmt(r, IR_STMT_COUNTER);
	irb_verdict(r, IR_VERDICT_DROP, NULL);
	r = irb_rule(in);
	{
		const uint8_t a[4] = { 10, 9, 9, 9 };

		b_proto(r, 0x0800);
		irb_cmp(r, irb_payload(IR_BASE_NETWORK, 16, 4), IR_CMP_EQ, a, 4);
	}
	irb_verdict(r, IR_VERDICT_ACCEPT, NULL);
	r = irb_rule(in);
	irb_l4(r, 6);
	b_be16(r, IR_BASE_TRANSPORT, 2, IR_CMP_EQ, 80);
	b_limit(r);
	irb_verdict(r, IR_VERDICT_ACCEPT, NULL);
	r = irb_rule(in);
	irb_cmp(r, irb_meta(IR_META_LEN), IR_CMP_GT, &l, 4);
	irb_l4(r, 6);
	b_be16(r, IR_BASE_TRANSPORT, 2, IR_CMP_EQ, 443);
	irb_verdict(r, IR_VERDICT_DROP, NULL);
	r = irb_rule(in);
	{
		const uint8_t a[4] = { 10, 0, 0, 1 };

		b_proto(r, 0x0800);
		irb_cmp(r, irb_payload(IR_BASE_NETWORK, 12, 4), IR_CMP_EQ, a, 4);
		irb_stmt(r, IR_STMT_COUNTER);
	}
	r = irb_rule(in);
	{
		uint32_t m = 5;

		irb_cmp(r, irb_meta(IR_META_MARK), IR_CMP_EQ, &m, 4);
		irb_verdict(r, IR_VERDICT_DROP, NULL);
	}
	r = irb_rule(in);
	{
		const uint8_t a[4] = { 10, 0, 0, 2 };

		b_proto(r, 0x0800);
		irb_cmp(r, irb_payload(IR_BASE_NETWORK, 12, 4), IR_CMP_EQ, a, 4);
	}
	r = irb_rule(in2);
	{
		const uint8_t sctp = 132;

		b_proto(r, 0x0800);
		irb_cmp(r, irb_payload(IR_BASE_NETWORK, 9, 1), IR_CMP_EQ, &sctp, 1);
	}
	irb_verdict(r, IR_VERDICT_DROP, NULL);
	r = irb_rule(in2);
	irb_l4(r, 6);
	b_be16(r, IR_BASE_TRANSPORT, 2, IR_CMP_EQ, 23);
	irb_stmt(r, IR_STMT_COUNTER);
	irb_verdict(r, IR_VERDICT_DROP, NULL);
	r = irb_rule(in2);
	{
		const uint8_t smac[6] = { 2, 0, 0, 0, 0, 0xbb };

		irb_cmp(r, irb_payload(IR_BASE_LL, 6, 6), IR_CMP_EQ, smac, 6);
	}
	irb_stmt(r, IR_STMT_COUNTER);
	irb_verdict(r, IR_VERDICT_ACCEPT, NULL);
	fp = build_fp();
	ctx = mk_ctx(&caps, NULL, OFL_MODE_AUTO, 0);
	CHECK(ofl_plan_build(ctx, B, fp, NULL, NULL, NULL, &plan) == 0, "plan");
	pp = &plan->ports[0];
	CHECK(pp->nrules == RTE_DIM(want), "10 rules on eth0, got %u", pp->nrules);
	for (unsigned int i = 0; i < pp->nrules && i < RTE_DIM(want); i++)
		CHECK(pp->rules[i].where == want[i].where && pp->rules[i].form == want[i].form,
		      "rule %u: %s/%s, got %s/%s (%s)", i, ofl_where_name(want[i].where),
		      ofl_form_name(want[i].form), ofl_where_name(pp->rules[i].where),
		      ofl_form_name(pp->rules[i].form), pp->rules[i].why);
	CHECK(pp->rules[0].count && !pp->rules[2].count && !pp->rules[4].count &&
	      !pp->rules[8].count && !pp->rules[9].count, "COUNT feeds exact rules only");
	CHECK(strstr(pp->rules[8].why, "IP lengths") != NULL,
	      "a transport match never decides in hardware (the NIC ignores IP lengths): %s",
	      pp->rules[8].why);
	CHECK(strstr(pp->rules[9].why, "20 bytes") != NULL,
	      "a counted rule without an L3 item never counts in hardware (tagged runts): %s",
	      pp->rules[9].why);
	CHECK(strstr(pp->rules[2].why, "limit") != NULL, "partial names the limit: %s",
	      pp->rules[2].why);
	CHECK(strstr(pp->rules[3].why, "meta length") != NULL, "punt names meta length: %s",
	      pp->rules[3].why);
	/* marks resolve to the resume points */
	{
		struct ofl_mark_ent a = ofl_mark_resolve(plan->marks, pp->rules[1].mark);
		struct ofl_mark_ent p = ofl_mark_resolve(plan->marks, pp->rules[2].mark);
		struct ofl_mark_ent u = ofl_mark_resolve(plan->marks, pp->rules[3].mark);
		struct ofl_mark_ent none = ofl_mark_resolve(plan->marks, 0);
		struct ofl_mark_ent far = ofl_mark_resolve(plan->marks,
							   plan->marks->base + plan->marks->n);

		CHECK(a.kind == OFL_MARK_ACCEPT && a.hook_idx == 1 && a.rule_idx == 0,
		      "exact accept in hook 0 resumes at hook 1 rule 0 (%u %u %u)",
		      a.kind, a.hook_idx, a.rule_idx);
		CHECK(p.kind == OFL_MARK_PARTIAL && p.hook_idx == 0 && p.rule_idx == 2,
		      "partial: hook 0 rule 2");
		CHECK(u.kind == OFL_MARK_PUNT && u.hook_idx == 0 && u.rule_idx == 3,
		      "punt: hook 0 rule 3");
		CHECK(none.kind == OFL_MARK_NONE && far.kind == OFL_MARK_NONE,
		      "unknown marks: run everything");
	}
	/* the tail: every base chain accepted -> resume past the last hook */
	{
		const struct ofl_entry *tail = &pp->entries[pp->nentries - 1];
		struct ofl_mark_ent te = ofl_mark_resolve(plan->marks, tail->mark);

		CHECK(tail->rule == OFL_ENTRY_TAIL && te.kind == OFL_MARK_ACCEPT &&
		      te.hook_idx == 2, "tail: all accepted, hook 2 (= n_hooks)");
		CHECK(tail->prio == pp->levels - 1, "tail on the last level");
	}
	/*
	 * guards: IPv4 fragments and IPv6 extension headers before rule 2 (the
	 * first transport match), 38 entries (5 ext hdrs x 2 + 14 fragment
	 * prefixes x 2); class guards (malformed IPv4 for rule 0's raw ip
	 * saddr, truncated TCP for rule 2's tcp dport): the entries' own for
	 * rule 3's widened ipv4/ipv6 proto 6 (4), rule 4's ip saddr (2), rule
	 * 9's ether saddr (6: A and D, IPv4 and IPv6, per tag), and the tail's
	 * (D: 4, A: 2), each below a copy of the tail carrying the item
	 */
	{
		unsigned int g = 0, first = UINT32_MAX, copies = 0;

		for (uint32_t i = 0; i < pp->nentries; i++) {
			g += pp->entries[i].rule == OFL_ENTRY_GUARD;
			if (pp->entries[i].rule == OFL_ENTRY_GUARD && first == UINT32_MAX)
				first = i;
			if (pp->entries[i].rule == OFL_ENTRY_TAIL &&
			    (pp->entries[i].key.flags & OFL_KF_L3)) {
				copies++;
				CHECK(i + 1 < pp->nentries &&
				      pp->entries[i + 1].rule == OFL_ENTRY_GUARD &&
				      pp->entries[i + 1].prio > pp->entries[i].prio,
				      "a copy of the tail sits above its class's guard");
			}
		}
		CHECK(g == 38 + 12 + 6, "56 guard entries, got %u", g);
		CHECK(copies == 6, "6 copies of the tail, got %u", copies);
		CHECK(first == pp->rules[2].first - 38,
		      "fragment and extension-header guards right before rule 2");
	}
	CHECK(ofl_plan_require(plan, err, sizeof(err)) == -EOPNOTSUPP &&
	      strstr(err, "handle") != NULL && strstr(err, "limit") != NULL,
	      "require names the limit rule: %s", err);
	ofl_plan_print(stdout, plan, false);
	ofl_plan_free(ctx, plan);
	ofl_ctx_free(ctx);
	/* --offload off: nothing in hardware */
	ctx = mk_ctx(&caps, NULL, OFL_MODE_OFF, 0);
	CHECK(ofl_plan_build(ctx, B, fp, NULL, NULL, NULL, &plan) == 0 &&
	      plan->ports[0].nentries == 0 && plan->marks == NULL,
	      "offload off: no hardware rules");
	ofl_plan_free(ctx, plan);
	ofl_ctx_free(ctx);
	fp_ruleset_free(fp);
	ir_ruleset_free(B);
}

static void
test_nopriority(void)
{
	struct ofl_caps caps = { 1, 512, true, true, false, false, false };
	struct ir_table *t;
	struct ir_chain *in;
	struct ir_rule *r;
	struct fp_ruleset *fp;
	struct ofl_ctx *ctx;
	struct ofl_plan *plan;
	const struct ofl_port_plan *pp;
	const uint8_t a1[4] = { 10, 0, 0, 1 }, a2[4] = { 10, 0, 0, 2 };

	b_new();
	t = irb_table("t");
	in = b_base(t, "in", 0, IR_POLICY_ACCEPT);
	/* ip saddr 10.0.0.1 drop; ip protocol tcp accept; ip saddr 10.0.0.2 drop;
	 * ip6 saddr ::53 drop; meta protocol arp accept */
	r = irb_rule(in);
	b_proto(r, 0x0800);
	irb_cmp(r, irb_payload(IR_BASE_NETWORK, 12, 4), IR_CMP_EQ, a1, 4);
	irb_verdict(r, IR_VERDICT_DROP, NULL);
	r = irb_rule(in);
	{
		const uint8_t tcp = 6;

		b_proto(r, 0x0800);
		irb_cmp(r, irb_payload(IR_BASE_NETWORK, 9, 1), IR_CMP_EQ, &tcp, 1);
	}
	irb_verdict(r, IR_VERDICT_ACCEPT, NULL);
	r = irb_rule(in);
	b_proto(r, 0x0800);
	irb_cmp(r, irb_payload(IR_BASE_NETWORK, 12, 4), IR_CMP_EQ, a2, 4);
	irb_verdict(r, IR_VERDICT_DROP, NULL);
	r = irb_rule(in);
	{
		const uint8_t v = 0x53;

		b_proto(r, 0x86dd);
		irb_cmp(r, irb_payload(IR_BASE_NETWORK, 23, 1), IR_CMP_EQ, &v, 1);
	}
	irb_verdict(r, IR_VERDICT_DROP, NULL);
	r = irb_rule(in);
	b_proto(r, 0x0806);
	irb_verdict(r, IR_VERDICT_ACCEPT, NULL);
	fp = build_fp();
	ctx = mk_ctx(&caps, NULL, OFL_MODE_AUTO, 0);
	CHECK(ofl_plan_build(ctx, B, fp, NULL, NULL, NULL, &plan) == 0, "plan");
	pp = &plan->ports[0];
	CHECK(pp->levels <= 1, "one level");
	CHECK(pp->rules[0].form == OFL_FORM_DROP, "first rule placed");
	CHECK(pp->rules[1].form == OFL_FORM_SW, "tcp accept overlaps 10.0.0.1 drop: unplaced (%s)",
	      pp->rules[1].why);
	CHECK(pp->rules[2].form == OFL_FORM_SW,
	      "10.0.0.2 drop overlaps the unplaced tcp accept: unplaced (%s)", pp->rules[2].why);
	CHECK(pp->rules[3].form == OFL_FORM_DROP,
	      "ip6 saddr drop is disjoint from everything before: placed (%s)",
	      pp->rules[3].why);
	CHECK(pp->rules[4].form == OFL_FORM_ACCEPT, "arp accept disjoint: placed (%s)",
	      pp->rules[4].why);
	ofl_plan_free(ctx, plan);
	ofl_ctx_free(ctx);
	fp_ruleset_free(fp);
	ir_ruleset_free(B);
}

static uint64_t
hits_fn(void *arg, uint16_t port_idx, const struct ofl_rule_ref *r)
{
	const uint32_t *hot = arg;

	(void)port_idx;
	return r->rule_idx == *hot ? 1000000 : r->rule_idx;
}

static void
test_budget_hits(void)
{
	struct ofl_caps caps = { 16, 30, true, true, false, false, false };
	struct ir_table *t;
	struct ir_chain *in;
	struct fp_ruleset *fp;
	const uint8_t fl[1] = { 4 };
	struct ofl_ctx *ctx;

	b_new();
	t = irb_table("t");
	in = b_base(t, "in", 0, IR_POLICY_ACCEPT);
	/* three rules "ip daddr { 8 addresses } drop": 16 entries each (and
	 * the malformed-IPv4 class guards, 2 + 2 copies of the tail) */
	for (unsigned int i = 0; i < 3; i++) {
		struct ir_set *s = b_set(t, 0, 1, fl);
		struct ir_operand o = irb_payload(IR_BASE_NETWORK, 16, 4);
		struct ir_rule *r = irb_rule(in);

		for (unsigned int p = 0; p < 8; p++) {
			uint8_t k[4] = { 10, (uint8_t)i, 0, (uint8_t)(p * 3) };

			irb_elem(s, k, NULL);
		}
		b_proto(r, 0x0800);
		irb_lookup(r, s, 1, &o, false);
		irb_verdict(r, IR_VERDICT_DROP, NULL);
	}
	fp = build_fp();
	ctx = mk_ctx(&caps, NULL, OFL_MODE_AUTO, 0);
	for (uint32_t hot = 0; hot < 3; hot++) {
		struct ofl_plan *plan;
		const struct ofl_port_plan *pp;

		CHECK(ofl_plan_build(ctx, B, fp, NULL, hits_fn, &hot, &plan) == 0, "plan");
		pp = &plan->ports[0];
		CHECK(pp->nentries <= 30, "within budget: %u", pp->nentries);
		CHECK(pp->rules[hot].form == OFL_FORM_DROP,
		      "hot rule %u in full (%s)", hot, pp->rules[hot].why);
		for (uint32_t i = 0; i < 3; i++)
			if (i != hot && i < hot)
				CHECK(pp->rules[i].form == OFL_FORM_PUNT &&
				      strstr(pp->rules[i].why, "budget") != NULL,
				      "cold rule %u before it: cheap punt (%s/%s)", i,
				      ofl_form_name(pp->rules[i].form), pp->rules[i].why);
		ofl_plan_free(ctx, plan);
	}
	ofl_ctx_free(ctx);
	fp_ruleset_free(fp);
	ir_ruleset_free(B);
}

static void
test_mark_alloc(void)
{
	struct ofl_mark_alloc a;
	uint32_t b1, b2, b3;

	ofl_mark_alloc_init(&a);
	b1 = ofl_mark_alloc(&a, 10);
	b2 = ofl_mark_alloc(&a, 10);
	CHECK(b1 == 1 && b2 == 11, "blocks follow each other: %u %u", b1, b2);
	ofl_mark_release(&a, b1);
	b3 = ofl_mark_alloc(&a, 10);
	CHECK(b3 == 21, "released ids are not reused at once (rotation): %u", b3);
	/* wrap: a block that does not fit restarts at 1, skipping live blocks */
	a.cursor = OFL_MARK_MAX - 5;
	b1 = ofl_mark_alloc(&a, 10);
	CHECK(b1 == 1, "wrapped to 1 (ids 1..10 free): %u", b1);
	b1 = ofl_mark_alloc(&a, 15);
	CHECK(b1 == 31, "skips the live blocks 1..30: %u", b1);
}

static void
test_testpmd(void)
{
	struct ir_table *t;
	struct ir_chain *c;
	struct ir_rule *r;
	struct ofl_xlate x = { 0 };
	struct ofl_entry e;
	struct ofl_port_plan pp;
	struct rte_flow_attr attr;
	struct ofl_pattern pat;
	struct ofl_actions act;
	char why[OFL_WHY_LEN], line[1024];
	const uint8_t mask[4] = { 0xff, 0xff, 0xff, 0 }, val[4] = { 192, 168, 1, 0 };

	b_new();
	t = irb_table("t");
	c = b_base(t, "in", 0, IR_POLICY_ACCEPT);
	r = irb_rule(c);
	b_proto(r, 0x0800);
	irb_cmp(r, irb_masked(irb_payload(IR_BASE_NETWORK, 12, 4), mask), IR_CMP_EQ, val, 4);
	irb_l4(r, 6);
	b_be16(r, IR_BASE_TRANSPORT, 2, IR_CMP_EQ, 80);
	irb_verdict(r, IR_VERDICT_DROP, NULL);
	CHECK(xl(r, &x) == 2, "2 keys");
	memset(&pp, 0, sizeof(pp));
	pp.cfg.port_id = 3;
	pp.cfg.n_rxq = 4;
	pp.cfg.caps.rss = true;
	memset(&e, 0, sizeof(e));
	e.key = x.keys[0];
	e.prio = 2;
	e.fate = OFL_FATE_DROP;
	e.count = true;
	ofl_entry_flow(&pp, &e, &attr, &pat, &act, why, sizeof(why));
	ofl_testpmd(line, sizeof(line), 3, &attr, pat.items, act.a);
	CHECK(strcmp(line, "flow create 3 priority 2 ingress pattern eth type is 0x800 has_vlan is 0 / ipv4 fragment_offset spec 0x0 fragment_offset mask 0x3fff proto is 6 src spec 192.168.1.0 src mask 255.255.255.0 / tcp dst is 80 / end actions count / drop / end") == 0,
	      "testpmd text: %s", line);
	e.key = x.keys[1];
	e.fate = OFL_FATE_SOFT;
	e.count = false;
	e.mark = 42;
	ofl_entry_flow(&pp, &e, &attr, &pat, &act, why, sizeof(why));
	ofl_testpmd(line, sizeof(line), 3, &attr, pat.items, act.a);
	CHECK(strstr(line, "eth has_vlan is 1 / vlan inner_type is 0x800 / ipv4") != NULL &&
	      strstr(line, "actions mark id 42 / rss queues 0 1 2 3 end / end") != NULL,
	      "testpmd text (tagged, mark + rss): %s", line);
	ofl_xlate_free(&x);
	ir_ruleset_free(B);
}

/* ---- installer with a fake backend ------------------------------------------- */

#define FAKE_MAX 4096

static struct {
	bool live[FAKE_MAX];
	unsigned int n_live, creates, fail_at, cap;
	int fail_err;
	uint64_t hits, bytes;	/* what every query returns */
} fk;

static struct rte_flow *
fake_create(uint16_t port_id, const struct rte_flow_attr *attr,
	    const struct rte_flow_item pattern[],
	    const struct rte_flow_action actions[], struct rte_flow_error *error)
{
	(void)port_id;
	(void)attr;
	(void)pattern;
	(void)actions;
	fk.creates++;
	if ((fk.fail_at && fk.creates == fk.fail_at) || (fk.cap && fk.n_live >= fk.cap)) {
		rte_flow_error_set(error, fk.cap && fk.n_live >= fk.cap ? ENOSPC : fk.fail_err,
				   RTE_FLOW_ERROR_TYPE_HANDLE, NULL, "fake: injected failure");
		return NULL;
	}
	for (unsigned int i = 1; i < FAKE_MAX; i++)
		if (!fk.live[i]) {
			fk.live[i] = true;
			fk.n_live++;
			return (struct rte_flow *)(uintptr_t)i;
		}
	return NULL;
}

static int
fake_destroy(uint16_t port_id, struct rte_flow *f, struct rte_flow_error *error)
{
	uintptr_t i = (uintptr_t)f;

	(void)port_id;
	(void)error;
	if (i == 0 || i >= FAKE_MAX || !fk.live[i])
		return -EINVAL;
	fk.live[i] = false;
	fk.n_live--;
	return 0;
}

static int
fake_query(uint16_t port_id, struct rte_flow *f, const struct rte_flow_action *a,
	   void *data, struct rte_flow_error *error)
{
	struct rte_flow_query_count *q = data;

	(void)port_id;
	(void)f;
	(void)a;
	(void)error;
	q->hits_set = q->bytes_set = 1;
	q->hits = fk.hits;
	q->bytes = fk.bytes;
	return 0;
}

static struct ofl_flow_ops fake_ops_full = {
	.validate = fake_validate, .create = fake_create,
	.destroy = fake_destroy, .query = fake_query,
};

struct cnt_acc {
	unsigned int calls;
	uint64_t pkts, bytes;
	uint64_t handle;
};

static void
count_cb(void *arg, uint16_t port_idx, const struct ofl_rule_ref *r,
	 uint64_t pkts, uint64_t bytes)
{
	struct cnt_acc *a = arg;

	(void)port_idx;
	a->calls++;
	a->pkts += pkts;
	a->bytes += bytes;
	a->handle = r->rule->handle;
}

static void
test_installer(void)
{
	struct ofl_caps caps = { 16, 512, true, true, false, false, false };
	struct ir_table *t;
	struct ir_chain *in;
	struct ir_rule *r;
	struct fp_ruleset *fp;
	struct ofl_ctx *ctx;
	struct ofl_plan *p1, *p2;
	unsigned int n;
	const uint8_t a1[4] = { 10, 0, 0, 1 };

	b_new();
	t = irb_table("t");
	in = b_base(t, "in", 0, IR_POLICY_ACCEPT);
	r = irb_rule(in);
	b_proto(r, 0x0800);
	irb_cmp(r, irb_payload(IR_BASE_NETWORK, 12, 4), IR_CMP_EQ, a1, 4);
	irb_stmt(r, IR_STMT_COUNTER);
	irb_verdict(r, IR_VERDICT_DROP, NULL);
	r = irb_rule(in);
	irb_l4(r, 6);
	b_be16(r, IR_BASE_TRANSPORT, 2, IR_CMP_EQ, 22);
	irb_verdict(r, IR_VERDICT_ACCEPT, NULL);
	fp = build_fp();
	memset(&fk, 0, sizeof(fk));
	ctx = mk_ctx(&caps, &fake_ops_full, OFL_MODE_AUTO, 0);
	CHECK(ofl_plan_build(ctx, B, fp, NULL, NULL, NULL, &p1) == 0, "plan 1");
	n = p1->ports[0].nentries;
	CHECK(ofl_plan_install(ctx, p1, NULL) == 0 && fk.n_live == n &&
	      p1->ports[0].installed, "install: %u rules live", fk.n_live);
	if (getenv("OFL_TEST_DEBUG"))
		ofl_plan_print(stderr, p1, true);
	/* counters: 2 entries (untagged, tagged) of the counted drop rule */
	fk.hits = 10;
	fk.bytes = 1000;
	{
		struct cnt_acc acc = { 0 };

		int calls = ofl_plan_counters(ctx, p1, count_cb, &acc);

		CHECK(calls == 1 && acc.pkts == 20 &&
		      acc.bytes == 2000 - 10 * 14 - 10 * 18 && acc.handle == r->handle - 1,
		      "counters: %u call(s) %" PRIu64 " pkts %" PRIu64 " bytes (L2 headers removed)",
		      acc.calls, acc.pkts, acc.bytes);
	}
	/* make-before-break: p2 installs beside p1, then p1 is removed */
	CHECK(ofl_plan_build(ctx, B, fp, p1, NULL, NULL, &p2) == 0, "plan 2");
	CHECK(p2->marks->base != p1->marks->base, "plan 2 uses other MARK ids");
	CHECK(ofl_plan_install(ctx, p2, p1) == 0 && fk.n_live == 2 * n,
	      "both plans live during the switch (%u)", fk.n_live);
	fk.hits = 1;
	fk.bytes = 100;
	ofl_plan_remove(ctx, p1);
	CHECK(fk.n_live == n, "old plan removed: %u live", fk.n_live);
	{
		struct cnt_acc acc = { 0 };

		ofl_plan_counters(ctx, p1, count_cb, &acc);
		CHECK(acc.pkts == 2, "final counts read at removal: %" PRIu64, acc.pkts);
	}
	ofl_plan_free(ctx, p1);
	/* a create failing in the middle: rolled back, reported */
	{
		struct ofl_plan *p3;

		CHECK(ofl_plan_build(ctx, B, fp, p2, NULL, NULL, &p3) == 0, "plan 3");
		fk.fail_at = fk.creates + 3;
		fk.fail_err = EIO;
		CHECK(ofl_plan_install(ctx, p3, p2) == -EIO, "install fails with -EIO");
		CHECK(fk.n_live == n, "rolled back: only plan 2's %u rules live, got %u", n,
		      fk.n_live);
		CHECK(!p3->ports[0].installed && p3->ports[0].install_err == -EIO &&
		      strstr(p3->ports[0].note, "rolled back") != NULL,
		      "reported: %s", p3->ports[0].note);
		{
			char err[512];

			in->flags |= IR_CHAIN_F_OFFLOAD;
			CHECK(ofl_plan_require(p3, err, sizeof(err)) == -EOPNOTSUPP,
			      "require fails when the port could not install");
			in->flags &= ~IR_CHAIN_F_OFFLOAD;
		}
		fk.fail_at = 0;
		/* table full: break before make */
		fk.cap = n + n / 2;
		CHECK(ofl_plan_install(ctx, p3, p2) == 0 && fk.n_live == n &&
		      p3->ports[0].installed && !p2->ports[0].installed,
		      "table full: old removed first, new installed (%u live)", fk.n_live);
		fk.cap = 0;
		ofl_plan_remove(ctx, p2);
		ofl_plan_free(ctx, p2);
		ofl_plan_remove(ctx, p3);
		CHECK(fk.n_live == 0, "all removed");
		ofl_plan_free(ctx, p3);
	}
	/* replan: same hits, same plan */
	{
		struct ofl_plan *a, *b2;

		CHECK(ofl_plan_build(ctx, B, fp, NULL, NULL, NULL, &a) == 0, "plan");
		CHECK(ofl_replan(ctx, a, NULL, NULL, &b2) == 0 && b2 == NULL,
		      "replan of an unchanged situation: nothing to do");
		ofl_plan_free(ctx, a);
	}
	ofl_ctx_free(ctx);
	fp_ruleset_free(fp);
	ir_ruleset_free(B);
}

/* ---- net_tap: the real validator ------------------------------------------------- */

static bool tap_no_has_vlan;

static void
test_tap(void)
{
	uint16_t pid;
	struct rte_eth_conf conf;
	struct ir_table *t;
	struct ir_chain *c;
	struct ir_rule *r;
	struct ofl_xlate x = { 0 };
	unsigned int ok = 0, tried = 0, ok_l4 = 0;
	const uint8_t mask[4] = { 0xff, 0xff, 0, 0 }, val[4] = { 10, 1, 0, 0 };

	if (rte_eth_dev_get_port_by_name("net_tap0", &pid) != 0) {
		SKIP("offload: net_tap0 not available: validate checks");
		return;
	}
	memset(&conf, 0, sizeof(conf));
	if (rte_eth_dev_configure(pid, 1, 1, &conf) != 0 ||
	    rte_eth_rx_queue_setup(pid, 0, 128, 0, NULL, pool) != 0 ||
	    rte_eth_tx_queue_setup(pid, 0, 128, 0, NULL) != 0 ||
	    rte_eth_dev_start(pid) != 0) {
		SKIP("offload: net_tap0 cannot start: validate checks");
		return;
	}
	{
		struct ofl_port_cfg pc;
		struct ofl_opts o = { .mode = OFL_MODE_AUTO };
		struct ofl_ctx *ctx;

		memset(&pc, 0, sizeof(pc));
		pc.port_id = pid;
		pc.n_rxq = 1;
		strcpy(pc.name, "tap");
		if (ofl_ctx_create(&o, &pc, 1, &ctx) == 0) {
			CHECK(ofl_port_probe(ctx, 0, 1) == 0, "probe net_tap");
			tap_no_has_vlan = ofl_port_caps(ctx, 0)->no_has_vlan;
			CHECK(ofl_port_caps(ctx, 0)->n_prio > 1 && tap_no_has_vlan &&
			      !ofl_port_caps(ctx, 0)->mark,
			      "net_tap: priorities, no has_vlan, no MARK (%u levels)",
			      ofl_port_caps(ctx, 0)->n_prio);
			ofl_ctx_free(ctx);
		}
	}
	b_new();
	t = irb_table("t");
	c = b_base(t, "in", 0, IR_POLICY_ACCEPT);
	/* ip saddr 10.1.0.0/16; tcp dport 22; udp sport 53; ip6 nexthdr; vlan id */
	r = irb_rule(c);
	b_proto(r, 0x0800);
	irb_cmp(r, irb_masked(irb_payload(IR_BASE_NETWORK, 12, 4), mask), IR_CMP_EQ, val, 4);
	irb_verdict(r, IR_VERDICT_DROP, NULL);
	r = irb_rule(c);
	b_proto(r, 0x0800);
	irb_l4(r, 6);
	b_be16(r, IR_BASE_TRANSPORT, 2, IR_CMP_EQ, 22);
	irb_verdict(r, IR_VERDICT_DROP, NULL);
	r = irb_rule(c);
	b_proto(r, 0x86dd);
	irb_l4(r, 17);
	b_be16(r, IR_BASE_TRANSPORT, 0, IR_CMP_EQ, 53);
	irb_verdict(r, IR_VERDICT_DROP, NULL);
	r = irb_rule(c);
	b_proto(r, 0x0806);
	irb_verdict(r, IR_VERDICT_DROP, NULL);
	for (uint32_t ri = 0; ri < c->nrules; ri++) {
		if (xl(&c->rules[ri], &x) <= 0) {
			CHECK(false, "tap rule %u translates", ri);
			continue;
		}
		for (uint32_t k = 0; k < x.n; k++) {
			struct ofl_port_plan pp;
			struct ofl_entry e;
			struct rte_flow_attr attr;
			struct ofl_pattern pat;
			struct ofl_actions act;
			struct rte_flow_error err;
			char why[OFL_WHY_LEN], line[1024];
			int ret;

			memset(&pp, 0, sizeof(pp));
			pp.cfg.port_id = pid;
			pp.cfg.caps.no_has_vlan = tap_no_has_vlan;
			memset(&e, 0, sizeof(e));
			e.key = x.keys[k];
			e.fate = OFL_FATE_DROP;
			ofl_entry_flow(&pp, &e, &attr, &pat, &act, why, sizeof(why));
			memset(&err, 0, sizeof(err));
			ret = rte_flow_validate(pid, &attr, pat.items, act.a, &err);
			ofl_testpmd(line, sizeof(line), pid, &attr, pat.items, act.a);
			printf("offload: net_tap validate %s: %s%s%s\n", ret == 0 ? "ok" : "refused",
			       line, ret ? ": " : "", ret && err.message ? err.message : "");
			tried++;
			if (ret == 0) {
				ok++;
				ok_l4 += e.key.v[OFL_K_L4P] != 0 && e.key.tag == OFL_TAG_NONE;
			}
		}
		ofl_xlate_free(&x);
	}
	CHECK(ok >= 3 && ok_l4 >= 1,
	      "net_tap's validator accepts our untagged IPv4/L4 patterns (%u of %u)", ok, tried);
	/* a class guard (eth type 0x800) and the tail's copy (eth type 0x800 / ipv4) */
	for (int copy = 0; copy < 2; copy++) {
		struct ofl_port_plan pp;
		struct ofl_entry e;
		struct rte_flow_attr attr;
		struct ofl_pattern pat;
		struct ofl_actions act;
		struct rte_flow_error err;
		char why[OFL_WHY_LEN], line[1024];
		int ret;

		memset(&pp, 0, sizeof(pp));
		pp.cfg.port_id = pid;
		pp.cfg.caps.no_has_vlan = tap_no_has_vlan;
		memset(&e, 0, sizeof(e));
		e.key.tag = OFL_TAG_NONE;
		e.key.v[OFL_K_LL + 12] = e.key.v[OFL_K_PROTO] = 0x08;
		e.key.m[OFL_K_LL + 12] = e.key.m[OFL_K_LL + 13] = 0xff;
		e.key.m[OFL_K_PROTO] = e.key.m[OFL_K_PROTO + 1] = 0xff;
		e.key.flags = copy ? OFL_KF_L3 : 0;
		e.fate = OFL_FATE_DROP;
		CHECK(ofl_entry_flow(&pp, &e, &attr, &pat, &act, why, sizeof(why)) == 0 &&
		      pat.n == (copy ? 2u : 1u), "class guard / tail copy pattern");
		memset(&err, 0, sizeof(err));
		ret = rte_flow_validate(pid, &attr, pat.items, act.a, &err);
		ofl_testpmd(line, sizeof(line), pid, &attr, pat.items, act.a);
		printf("offload: net_tap validate %s: %s%s%s\n", ret == 0 ? "ok" : "refused", line,
		       ret ? ": " : "", ret && err.message ? err.message : "");
		CHECK(ret == 0, "net_tap accepts %s", copy ? "eth / ipv4 with no field" : "eth type");
	}
	ir_ruleset_free(B);
	rte_eth_dev_stop(pid);
	rte_eth_dev_close(pid);
}

/* ---- shadowing: an earlier rule that is not in hardware keeps its traffic -------- */

/*
 * The rule an unplaced or punted earlier rule must never lose packets to: a
 * later hardware-capable rule with another verdict. Each case below is named
 * after the mistake it catches; each checks the plan's shape (the later
 * rule's entries sit below every entry of the earlier rule they overlap, or
 * the later rule is not in hardware at all) and then the verdicts and
 * counters of frames aimed at the overlap through the plan and software,
 * against the interpreter alone, in both equal-priority tie orders.
 */

static const uint8_t sh_net24[4] = { 10, 0, 0, 0 }, sh_m24[4] = { 0xff, 0xff, 0xff, 0 };

/* ip saddr 10.0.0.0/24 */
static void
sh_net(struct ir_rule *r, const uint8_t *net, const uint8_t *mask)
{
	b_proto(r, 0x0800);
	irb_cmp(r, irb_masked(irb_payload(IR_BASE_NETWORK, 12, 4), mask), IR_CMP_EQ, net, 4);
}

/* ip saddr 10.0.0.<b> */
static void
sh_host(struct ir_rule *r, uint8_t b)
{
	const uint8_t a[4] = { 10, 0, 0, b };

	b_proto(r, 0x0800);
	irb_cmp(r, irb_payload(IR_BASE_NETWORK, 12, 4), IR_CMP_EQ, a, 4);
}

/* ip6 saddr 2001::<b> */
static void
sh_host6(struct ir_rule *r, uint8_t b)
{
	uint8_t a[16] = { 0x20, 0x01 };

	a[15] = b;
	b_proto(r, 0x86dd);
	irb_cmp(r, irb_payload(IR_BASE_NETWORK, 8, 16), IR_CMP_EQ, a, 16);
}

/*
 * Frames at the overlaps: IPv4 TCP from 10.0.0.{1,2,7}, 10.0.5.1 and
 * 10.0.1.7, meta length 40 and 140, untagged and tagged; IPv6 from 2001::1, 2001::7; ARP;
 * malformed IPv4 (ihl 4) from 10.0.0.1.
 */
static unsigned int
sh_frames(struct tframe *f)
{
	/* 10.0.<0>.<1> */
	static const uint8_t src[][2] = { { 0, 1 }, { 0, 2 }, { 0, 7 }, { 5, 1 }, { 1, 7 } };
	unsigned int n = 0;
	struct fspec s;

	for (unsigned int a = 0; a < RTE_DIM(src); a++)
		for (int pad = 0; pad <= 100; pad += 100)
			for (int tag = 0; tag <= 1; tag++) {
				memset(&s, 0, sizeof(s));
				s.tag = tag;
				s.vid = 5;
				s.proto = 6;
				s.sport = 1234;
				s.dport = 80;
				s.pad = (uint16_t)pad;
				s.sbyte = src[a][1];
				mk_frame(&s, &f[n]);
				f[n].b[14 + (tag ? 4 : 0) + 14] = src[a][0];
				n++;
			}
	for (int b = 1; b <= 7; b += 6) {
		memset(&s, 0, sizeof(s));
		s.l3 = 1;
		s.proto = 17;
		s.sbyte = (uint8_t)b;
		s.dport = 53;
		mk_frame(&s, &f[n++]);
	}
	memset(&s, 0, sizeof(s));
	s.l3 = 2;
	mk_frame(&s, &f[n++]);
	mk_raw4(&f[n++], 0x44, 0, 1, 6, 80, 0);
	return n;
}

/* every entry of rule j that overlaps an entry of rule i is on a lower level */
static bool
sh_below(const struct ofl_port_plan *pp, uint32_t i, uint32_t j)
{
	for (uint32_t a = 0; a < pp->nentries; a++) {
		if (pp->entries[a].rule != j)
			continue;
		for (uint32_t b = 0; b < pp->nentries; b++)
			if (pp->entries[b].rule == i &&
			    ofl_key_overlap(&pp->entries[a].key, &pp->entries[b].key) &&
			    pp->entries[a].prio <= pp->entries[b].prio)
				return false;
	}
	return true;
}

static uint32_t
sh_n(const struct ofl_port_plan *pp, uint32_t r)
{
	uint32_t n = 0;

	for (uint32_t a = 0; a < pp->nentries; a++)
		n += pp->entries[a].rule == r;
	return n;
}

/*
 * Plan the current B on caps (budget, hits: optional), check the frames'
 * fates and counters through it against the interpreter; returns the plan
 * (free it with *ctx).
 */
static struct ofl_plan *
sh_plan(const char *what, const struct ofl_caps *caps, uint32_t budget,
	ofl_hits_fn hits, void *hits_arg, struct fp_ruleset *fp, struct ofl_ctx **ctx)
{
	struct tframe f[32];
	int ref[32];
	unsigned int nf = sh_frames(f);	/* 24 */
	struct bf_stats st = { 0 };
	struct ofl_plan *plan = NULL;
	struct fp_ruleset *ref_fp;

	*ctx = mk_ctx(caps, NULL, OFL_MODE_AUTO, budget);
	if (ofl_plan_build(*ctx, B, fp, NULL, hits, hits_arg, &plan) < 0) {
		CHECK(false, "%s: plan", what);
		return NULL;
	}
	/* the interpreter alone, from fresh state (limits, counters) */
	ref_fp = build_fp();
	for (unsigned int i = 0; i < nf; i++)
		ref[i] = run_ref(ref_fp, &f[i], false, 0, 0);
	plan_check(*ctx, plan, ref_fp, f, ref, nf, &st);
	fp_ruleset_free(ref_fp);
	CHECK(st.wrong == 0 && st.bad_counts == 0 && st.ties == 0,
	      "%s: fates and counters as in software, either tie order (%s)", what, st.first);
	if ((st.wrong || st.bad_counts || st.ties) && getenv("OFL_TEST_DEBUG"))
		print_ruleset_plan(plan);
	return plan;
}

static void
sh_free(struct ofl_ctx *ctx, struct ofl_plan *plan)
{
	ofl_plan_free(ctx, plan);
	ofl_ctx_free(ctx);
}

/*
 * "ip saddr 10.0.0.0/24 meta length > 100 accept" (no translation for meta
 * length: a punt) before "ip saddr 10.0.0.1 counter drop" (exact): a
 * 140-byte packet from 10.0.0.1 is accepted in software; if the drop sat
 * level with or above the punt, the NIC would drop it (and count it).
 */
static void
test_shadow_punt_before_drop(void)
{
	static const struct { const char *name; struct ofl_caps caps; } prof[] = {
		{ "16 levels", { 16, 512, true, true, false, false, false } },
		{ "4 levels, 64 rules", { 4, 64, true, true, false, false, false } },
	};
	struct ir_table *t;
	struct ir_chain *c;
	struct ir_rule *r;
	struct fp_ruleset *fp;
	uint32_t l = 100;

	b_new();
	t = irb_table("t");
	c = b_base(t, "c", 0, IR_POLICY_ACCEPT);
	r = irb_rule(c);
	sh_net(r, sh_net24, sh_m24);
	irb_cmp(r, irb_meta(IR_META_LEN), IR_CMP_GT, &l, 4);
	irb_verdict(r, IR_VERDICT_ACCEPT, NULL);
	r = irb_rule(c);
	sh_host(r, 1);
	irb_stmt(r, IR_STMT_COUNTER);
	irb_verdict(r, IR_VERDICT_DROP, NULL);
	fp = build_fp();
	for (unsigned int p = 0; p < RTE_DIM(prof); p++) {
		struct ofl_ctx *ctx;
		struct ofl_plan *plan = sh_plan("shadow: punt before a counted drop", &prof[p].caps,
						0, NULL, NULL, fp, &ctx);
		const struct ofl_port_plan *pp;

		if (plan == NULL)
			continue;
		pp = &plan->ports[0];
		CHECK(pp->rules[0].form == OFL_FORM_PUNT && sh_n(pp, 0) > 0,
		      "%s: the software-only rule is punted in hardware (%s, %u entries: %s)",
		      prof[p].name, ofl_form_name(pp->rules[0].form), sh_n(pp, 0),
		      pp->rules[0].why);
		CHECK(pp->rules[1].form == OFL_FORM_DROP && sh_n(pp, 1) > 0,
		      "%s: the later drop still runs in hardware (%s)", prof[p].name,
		      ofl_form_name(pp->rules[1].form));
		CHECK(sh_below(pp, 0, 1),
		      "%s: no entry of the drop is level with or above an overlapping punt entry",
		      prof[p].name);
		sh_free(ctx, plan);
	}
	fp_ruleset_free(fp);
	ir_ruleset_free(B);
}

/*
 * The same shape with a partial rule ("ip saddr 10.0.0.0/24 limit accept":
 * matched in hardware, finished in software) and a drop in a later base
 * chain ("accept" ends only its own chain: the drop must still apply after
 * the software resumes). Without priority levels the drop cannot go below
 * the partial rule: it must stay in software (and with it a later drop
 * that overlaps the drop), while a disjoint IPv6 drop is still placed.
 */
static void
test_shadow_partial_and_no_levels(void)
{
	static const struct { const char *name; struct ofl_caps caps; } prof[] = {
		{ "16 levels", { 16, 512, true, true, false, false, false } },
		{ "1 level", { 1, 512, true, true, false, false, false } },
	};
	struct ir_table *t;
	struct ir_chain *c0, *c1;
	struct ir_rule *r;
	struct fp_ruleset *fp;

	b_new();
	t = irb_table("t");
	c0 = b_base(t, "c0", -10, IR_POLICY_ACCEPT);
	c1 = b_base(t, "c1", 0, IR_POLICY_ACCEPT);
	r = irb_rule(c0);		/* 0: ip saddr 10.0.0.0/24 limit accept */
	sh_net(r, sh_net24, sh_m24);
	b_limit(r);
	/* a burst no frame set here exhausts: the tie check evaluates the
	 * rule more often than the reference, which a stateful match would
	 * tell apart (the check is about placement, not the limit) */
	((struct ir_item *)&r->items[r->nitems - 1])->stmt.limit.burst = 1000;
	irb_verdict(r, IR_VERDICT_ACCEPT, NULL);
	r = irb_rule(c0);		/* 1: ip saddr 10.0.0.2 drop */
	sh_host(r, 2);
	irb_verdict(r, IR_VERDICT_DROP, NULL);
	r = irb_rule(c1);		/* 2: ip saddr 10.0.0.1 counter drop */
	sh_host(r, 1);
	irb_stmt(r, IR_STMT_COUNTER);
	irb_verdict(r, IR_VERDICT_DROP, NULL);
	r = irb_rule(c1);		/* 3: ip6 saddr 2001::7 drop */
	sh_host6(r, 7);
	irb_verdict(r, IR_VERDICT_DROP, NULL);
	fp = build_fp();
	for (unsigned int p = 0; p < RTE_DIM(prof); p++) {
		struct ofl_ctx *ctx;
		struct ofl_plan *plan = sh_plan("shadow: partial rule, drop in a later chain",
						&prof[p].caps, 0, NULL, NULL, fp, &ctx);
		const struct ofl_port_plan *pp;

		if (plan == NULL)
			continue;
		pp = &plan->ports[0];
		CHECK(pp->rules[0].form == OFL_FORM_PARTIAL && sh_n(pp, 0) > 0,
		      "%s: the limit rule is partial (%s: %s)", prof[p].name,
		      ofl_form_name(pp->rules[0].form), pp->rules[0].why);
		CHECK(sh_below(pp, 0, 1) && sh_below(pp, 0, 2),
		      "%s: the later drops overlapping it are below it", prof[p].name);
		if (prof[p].caps.n_prio > 1) {
			CHECK(pp->rules[1].form == OFL_FORM_DROP && pp->rules[2].form == OFL_FORM_DROP,
			      "%s: with levels to spare both drops are in hardware (%s, %s)",
			      prof[p].name, ofl_form_name(pp->rules[1].form),
			      ofl_form_name(pp->rules[2].form));
		} else {
			CHECK(sh_n(pp, 1) == 0 && sh_n(pp, 2) == 0 &&
			      strstr(pp->rules[1].why, "priority level") != NULL,
			      "%s: no level below the partial rule: both drops stay in software (%s)",
			      prof[p].name, pp->rules[1].why);
		}
		CHECK(pp->rules[3].form == OFL_FORM_DROP && sh_n(pp, 3) > 0,
		      "%s: the disjoint IPv6 drop is placed (%s)", prof[p].name, pp->rules[3].why);
		sh_free(ctx, plan);
	}
	fp_ruleset_free(fp);
	ir_ruleset_free(B);
}

/*
 * Two priority levels: "ip saddr 10.0.0.1 drop" (level 0), "ip saddr
 * 10.0.0.0/24 accept" (level 1), "ip saddr 10.0.0.0/23 meta length > 100
 * accept" (a punt that overlaps the accept: it would need level 2, so it
 * stays in software), "ip saddr 10.0.1.0/24 drop" (overlaps nothing
 * placed, but the unplaced punt's packets: placed anywhere, it would drop a
 * 140-byte packet from 10.0.1.7 that software accepts), "ip saddr
 * 10.0.5.0/24 accept" and "ip6 saddr 2001::1 drop" (provably disjoint from
 * every earlier rule: placed).
 */
static void
test_shadow_too_few_levels(void)
{
	struct ofl_caps caps = { 2, 512, true, true, false, false, false };
	const uint8_t m23[4] = { 0xff, 0xff, 0xfe, 0 }, n1[4] = { 10, 0, 1, 0 };
	const uint8_t n5[4] = { 10, 0, 5, 0 };
	struct ir_table *t;
	struct ir_chain *c;
	struct ir_rule *r;
	struct fp_ruleset *fp;
	struct ofl_ctx *ctx;
	struct ofl_plan *plan;
	const struct ofl_port_plan *pp;
	uint32_t l = 100;

	b_new();
	t = irb_table("t");
	c = b_base(t, "c", 0, IR_POLICY_ACCEPT);
	r = irb_rule(c);
	sh_host(r, 1);
	irb_verdict(r, IR_VERDICT_DROP, NULL);
	r = irb_rule(c);
	sh_net(r, sh_net24, sh_m24);
	irb_verdict(r, IR_VERDICT_ACCEPT, NULL);
	r = irb_rule(c);
	sh_net(r, sh_net24, m23);
	irb_cmp(r, irb_meta(IR_META_LEN), IR_CMP_GT, &l, 4);
	irb_verdict(r, IR_VERDICT_ACCEPT, NULL);
	r = irb_rule(c);
	sh_net(r, n1, sh_m24);
	irb_verdict(r, IR_VERDICT_DROP, NULL);
	r = irb_rule(c);
	sh_net(r, n5, sh_m24);
	irb_verdict(r, IR_VERDICT_ACCEPT, NULL);
	r = irb_rule(c);
	sh_host6(r, 1);
	irb_verdict(r, IR_VERDICT_DROP, NULL);
	fp = build_fp();
	plan = sh_plan("shadow: two priority levels", &caps, 0, NULL, NULL, fp, &ctx);
	if (plan != NULL) {
		pp = &plan->ports[0];
		CHECK(pp->levels <= 2, "two levels at most (%u)", pp->levels);
		CHECK(pp->rules[0].form == OFL_FORM_DROP && pp->rules[1].form == OFL_FORM_ACCEPT &&
		      sh_below(pp, 0, 1),
		      "the drop and the wider accept take one level each (%s, %s)",
		      ofl_form_name(pp->rules[0].form), ofl_form_name(pp->rules[1].form));
		CHECK(sh_n(pp, 2) == 0 && strstr(pp->rules[2].why, "priority level") != NULL,
		      "a punt under the accept with no level left stays in software (%s)",
		      pp->rules[2].why);
		CHECK(sh_n(pp, 3) == 0,
		      "a drop overlapping only that unplaced rule is not placed (%s/%s)",
		      ofl_form_name(pp->rules[3].form), pp->rules[3].why);
		CHECK(pp->rules[4].form == OFL_FORM_ACCEPT && pp->rules[5].form == OFL_FORM_DROP,
		      "provably disjoint rules are still placed (%s, %s)",
		      ofl_form_name(pp->rules[4].form), ofl_form_name(pp->rules[5].form));
		sh_free(ctx, plan);
	}
	fp_ruleset_free(fp);
	ir_ruleset_free(B);
}

/*
 * The budget ranks rules by hits: a hot later drop gets its full keys, the
 * cold software-only rule before it only a cheap punt (or the list is cut
 * there). Either way the hot drop never goes above the cold rule's
 * traffic: hotness picks what is in hardware, never the order.
 */
static uint64_t
sh_hot_last(void *arg, uint16_t port_idx, const struct ofl_rule_ref *r)
{
	(void)arg;
	(void)port_idx;
	return r->rule_idx == 1 ? 1000000 : 0;
}

static void
test_shadow_hot_rule_stays_below_cold(void)
{
	static const uint32_t budgets[] = { 8, 12, 40 };
	struct ofl_caps caps = { 16, 512, true, true, false, false, false };
	const uint8_t fl[1] = { 4 };
	struct ir_table *t;
	struct ir_chain *c;
	struct ir_rule *r;
	struct ir_set *s;
	struct ir_operand o = irb_payload(IR_BASE_NETWORK, 12, 4);
	struct fp_ruleset *fp;
	uint32_t l = 100;

	b_new();
	t = irb_table("t");
	c = b_base(t, "c", 0, IR_POLICY_ACCEPT);
	/* 0: ip saddr { 10.0.0.0-10.0.0.7 as 8 elements } meta length > 100 accept */
	s = b_set(t, 0, 1, fl);
	for (uint8_t i = 0; i < 8; i++) {
		const uint8_t k[4] = { 10, 0, 0, i };

		irb_elem(s, k, NULL);
	}
	r = irb_rule(c);
	b_proto(r, 0x0800);
	irb_lookup(r, s, 1, &o, false);
	irb_cmp(r, irb_meta(IR_META_LEN), IR_CMP_GT, &l, 4);
	irb_verdict(r, IR_VERDICT_ACCEPT, NULL);
	r = irb_rule(c);		/* 1: ip saddr 10.0.0.1 drop (hot) */
	sh_host(r, 1);
	irb_verdict(r, IR_VERDICT_DROP, NULL);
	fp = build_fp();
	for (unsigned int b = 0; b < RTE_DIM(budgets); b++) {
		struct ofl_ctx *ctx;
		struct ofl_plan *plan = sh_plan("shadow: hot drop after a cold punt", &caps,
						budgets[b], sh_hot_last, NULL, fp, &ctx);
		const struct ofl_port_plan *pp;

		if (plan == NULL)
			continue;
		pp = &plan->ports[0];
		CHECK(pp->nentries <= budgets[b], "budget %u: %u entries", budgets[b],
		      pp->nentries);
		printf("offload: shadow, budget %u: cold rule %s (%u entries), hot drop %s (%u entries)\n",
		       budgets[b], ofl_form_name(pp->rules[0].form), sh_n(pp, 0),
		       ofl_form_name(pp->rules[1].form), sh_n(pp, 1));
		CHECK(sh_n(pp, 1) == 0 || (sh_n(pp, 0) > 0 && sh_below(pp, 0, 1)),
		      "budget %u: the hot drop (%s, %u entries) is below the cold rule (%s, %u entries)",
		      budgets[b], ofl_form_name(pp->rules[1].form), sh_n(pp, 1),
		      ofl_form_name(pp->rules[0].form), sh_n(pp, 0));
		/* not vacuous: with room for a cheap punt the hot drop is in hardware */
		if (budgets[b] >= 12)
			CHECK(pp->rules[1].form == OFL_FORM_DROP && pp->rules[0].form == OFL_FORM_PUNT,
			      "budget %u: the hot drop in hardware behind the cold rule's punt (%s)",
			      budgets[b], pp->rules[0].why);
		if (budgets[b] == 12)
			CHECK(sh_n(pp, 0) < 8,
			      "budget 12: the cold rule gets a cheap punt (%u entries: %s)",
			      sh_n(pp, 0), pp->rules[0].why);
		sh_free(ctx, plan);
	}
	fp_ruleset_free(fp);
	ir_ruleset_free(B);
}

/*
 * "ip saddr 10.0.0.0/24 counter ip protocol udp drop": the counter counts
 * TCP packets the later match then refuses (gen_random seed 3 case 82:
 * "... dup to eth1 tcp dport vmap ..." lost the dup of ICMP packets). The
 * key must stop at the statement: never an exact drop with the UDP key.
 */
static void
test_match_after_statement(void)
{
	static const struct ofl_caps caps[] = {
		{ 16, 512, true, true, false, false, false },
		{ 1, 512, true, true, false, false, false },
	};
	const uint8_t udp = 17;
	struct ir_table *t;
	struct ir_chain *c;
	struct ir_rule *r;
	struct fp_ruleset *fp;

	b_new();
	t = irb_table("t");
	c = b_base(t, "c", 0, IR_POLICY_ACCEPT);
	r = irb_rule(c);
	sh_net(r, sh_net24, sh_m24);
	irb_stmt(r, IR_STMT_COUNTER);
	irb_cmp(r, irb_payload(IR_BASE_NETWORK, 9, 1), IR_CMP_EQ, &udp, 1);
	irb_verdict(r, IR_VERDICT_DROP, NULL);
	fp = build_fp();
	for (unsigned int p = 0; p < RTE_DIM(caps); p++) {
		struct ofl_ctx *ctx;
		struct ofl_plan *plan = sh_plan("match after a statement", &caps[p], 0, NULL,
						NULL, fp, &ctx);

		if (plan == NULL)
			continue;
		CHECK(plan->ports[0].rules[0].form != OFL_FORM_DROP && !plan->ports[0].rules[0].count,
		      "%u level(s): a counter before a match is not an exact counted drop (%s: %s)",
		      caps[p].n_prio, ofl_form_name(plan->ports[0].rules[0].form),
		      plan->ports[0].rules[0].why);
		sh_free(ctx, plan);
	}
	fp_ruleset_free(fp);
	ir_ruleset_free(B);
}

/*
 * A widened punt must match every frame its rule matches. `!=` of a prefix
 * becomes one term per bit of the mask (28 for a /28); kl_push() stops
 * silently at the expansion cap, so before the fix a cap below that (the
 * cheap punt's 4, the retry's 64 / 4 = 16) kept the first terms only and
 * the punt missed e.g. 10.0.0.16-10.0.255.255 for `ip saddr !=
 * 10.0.0.0/28`: those frames fell through to a later punt and software
 * resumed after the rule (gen_random seed 3 case 80 on rich: `ip daddr !=
 * @s0 ip saddr != 172.16.16.112/28 counter goto r0` counted 22 packets
 * fewer than the kernel, `meta length 126-218 counter drop` as many more).
 */
static void
test_punt_not_narrowed_by_truncated_neq(void)
{
	static const uint32_t caps_keys[] = { 4, 16, 64 };
	static const uint8_t outside[][4] = {
		{ 10, 0, 0, 16 }, { 10, 0, 0, 99 }, { 10, 0, 0, 255 }, { 10, 0, 1, 0 },
		{ 10, 0, 255, 255 }, { 10, 1, 0, 0 }, { 9, 255, 255, 255 }, { 0, 0, 0, 0 },
		{ 255, 255, 255, 255 }, { 11, 0, 0, 0 },
	};
	const uint8_t net[4] = { 10, 0, 0, 0 }, m28[4] = { 0xff, 0xff, 0xff, 0xf0 };
	const uint32_t len_min = 49;
	const uint8_t f4[1] = { 4 };
	struct ir_table *t;
	struct ir_chain *c;
	struct ir_rule *r;
	struct ir_set *set;
	struct ir_operand daddr;
	struct tframe f[16];
	unsigned int n = 0;

	/* 1. translation: ip saddr != 10.0.0.0/28 meta length > 49 accept */
	b_new();
	t = irb_table("t");
	c = b_base(t, "c", 0, IR_POLICY_ACCEPT);
	r = irb_rule(c);
	b_proto(r, 0x0800);
	irb_cmp(r, irb_masked(irb_payload(IR_BASE_NETWORK, 12, 4), m28), IR_CMP_NEQ, net, 4);
	irb_cmp(r, irb_meta(IR_META_LEN), IR_CMP_GT, &len_min, 4);
	irb_verdict(r, IR_VERDICT_ACCEPT, NULL);
	for (unsigned int i = 0; i < RTE_DIM(caps_keys); i++) {
		struct ofl_xlate_cfg cfg = xcfg;
		struct ofl_xlate x;
		unsigned int missed = 0;

		cfg.max_keys = caps_keys[i];
		ofl_xlate_init(&x);
		if (ofl_xlate_rule(&cfg, r, true, &x) < 0)
			abort();
		for (unsigned int a = 0; a < RTE_DIM(outside); a++) {
			uint32_t v = (uint32_t)outside[a][0] << 24 | (uint32_t)outside[a][1] << 16 |
				     (uint32_t)outside[a][2] << 8 | outside[a][3];

			missed += keys_matching(&x, OFL_K_NH + 12, 4, v) == 0;
		}
		CHECK(!x.exact && !x.never && missed == 0,
		      "expansion cap %u: the widened `ip saddr != 10.0.0.0/28` keys (%u) cover "
		      "every address outside the prefix (%u missed)", caps_keys[i], x.n, missed);
		ofl_xlate_free(&x);
	}
	ir_ruleset_free(B);

	/*
	 * 2. the plan, shaped like the seed: the first match's 35 terms times
	 * two tag shapes overflow 64, the retry at 16 drops the set lookup and
	 * used to truncate the `!=`; a later punt then took the frames from
	 * 10.0.0.16 up and resumed software at the later rule:
	 *   ip daddr != { 10.0.0.50, 10.0.0.60 } ip saddr != 10.0.0.0/28 counter accept
	 *   ip ttl 64 meta length > 49 counter drop
	 *   ip daddr 10.0.0.77 drop
	 * (the later punt carries the IPV4 item: no class guard goes above it,
	 * which would resume these frames early enough to hide the bug)
	 */
	b_new();
	t = irb_table("t");
	c = b_base(t, "c", 0, IR_POLICY_ACCEPT);
	set = b_set(t, 0, 1, f4);
	{
		const uint8_t e1[4] = { 10, 0, 0, 50 }, e2[4] = { 10, 0, 0, 60 };

		irb_elem(set, e1, NULL);
		irb_elem(set, e2, NULL);
	}
	daddr = irb_payload(IR_BASE_NETWORK, 16, 4);
	r = irb_rule(c);
	b_proto(r, 0x0800);
	irb_lookup(r, set, 1, &daddr, true);
	irb_cmp(r, irb_masked(irb_payload(IR_BASE_NETWORK, 12, 4), m28), IR_CMP_NEQ, net, 4);
	irb_stmt(r, IR_STMT_COUNTER);
	irb_verdict(r, IR_VERDICT_ACCEPT, NULL);
	r = irb_rule(c);
	{
		const uint8_t ttl = 64;

		b_proto(r, 0x0800);
		irb_cmp(r, irb_payload(IR_BASE_NETWORK, 8, 1), IR_CMP_EQ, &ttl, 1);
	}
	irb_cmp(r, irb_meta(IR_META_LEN), IR_CMP_GT, &len_min, 4);
	irb_stmt(r, IR_STMT_COUNTER);
	irb_verdict(r, IR_VERDICT_DROP, NULL);
	r = irb_rule(c);		/* exact: the two punts above it are worth placing */
	{
		const uint8_t d77[4] = { 10, 0, 0, 77 };

		b_proto(r, 0x0800);
		irb_cmp(r, irb_payload(IR_BASE_NETWORK, 16, 4), IR_CMP_EQ, d77, 4);
	}
	irb_verdict(r, IR_VERDICT_DROP, NULL);
	{
		/* 10.0.<b2>.<b3> -> 10.0.0.99 (or .50), 140 bytes from the network header */
		static const uint8_t src[][2] = { { 0, 1 }, { 0, 17 }, { 0, 200 }, { 1, 7 },
						  { 255, 255 } };

		for (unsigned int a = 0; a < RTE_DIM(src); a++)
			for (int tag = 0; tag <= 1; tag++) {
				struct fspec sp;
				uint8_t *ip;

				memset(&sp, 0, sizeof(sp));
				sp.tag = tag;
				sp.vid = 5;
				sp.proto = 6;
				sp.sport = 1234;
				sp.dport = 80;
				sp.pad = 100;
				sp.sbyte = src[a][1];
				mk_frame(&sp, &f[n]);
				ip = f[n].b + 14 + (tag ? 4 : 0);
				ip[14] = src[a][0];
				if (a == 2 && tag)
					ip[19] = 50;	/* in the set: not the first rule */
				n++;
			}
	}
	check_ruleset("widened `ip daddr != @s ip saddr != 10.0.0.0/28` punt before a later punt",
		      f, n);
	ir_ruleset_free(B);
}

/*
 * A punt the PMD refuses is widened, not cut (conf/offload-friendly.nft on
 * tests/flowemu's smalltable: `ip saddr 198.51.100.0/24 counter drop`, a
 * partial address mask, cut the wan port there and every later rule ran in
 * software). With a PMD that takes full field masks only:
 *   ip saddr 192.0.2.66 counter drop                         exact
 *   ip saddr 198.51.100.0/24 counter drop                    refused: punt, widened
 *   ip saddr 192.0.2.10 ip daddr 203.0.113.10 counter accept exact, below the punt
 * A frame from 198.51.100.7 to 203.0.113.10 must still be dropped (the
 * widened punt must over-approximate and sit above the accept).
 */
static void
test_refused_punt_widened_not_cut(void)
{
	const struct ofl_caps caps = { 4, 64, true, true, false, false, true };
	const uint8_t a66[4] = { 192, 0, 2, 66 }, n198[4] = { 198, 51, 100, 0 };
	const uint8_t a10[4] = { 192, 0, 2, 10 }, d10[4] = { 203, 0, 113, 10 };
	static const uint8_t srcs[][4] = {
		{ 192, 0, 2, 66 }, { 198, 51, 100, 7 }, { 198, 51, 100, 255 },
		{ 192, 0, 2, 10 }, { 10, 0, 0, 1 },
	};
	struct ir_table *t;
	struct ir_chain *c;
	struct ir_rule *r;
	struct fp_ruleset *fp, *ref_fp;
	struct ofl_ctx *ctx;
	struct ofl_plan *plan = NULL;
	const struct ofl_port_plan *pp;
	struct tframe f[16];
	int ref[16];
	unsigned int n = 0, partial_masks = 0;
	struct bf_stats st = { 0 };

	b_new();
	t = irb_table("t");
	c = b_base(t, "c", 10, IR_POLICY_ACCEPT);
	r = irb_rule(c);
	b_proto(r, 0x0800);
	irb_cmp(r, irb_payload(IR_BASE_NETWORK, 12, 4), IR_CMP_EQ, a66, 4);
	irb_stmt(r, IR_STMT_COUNTER);
	irb_verdict(r, IR_VERDICT_DROP, NULL);
	r = irb_rule(c);
	sh_net(r, n198, sh_m24);
	irb_stmt(r, IR_STMT_COUNTER);
	irb_verdict(r, IR_VERDICT_DROP, NULL);
	r = irb_rule(c);
	b_proto(r, 0x0800);
	irb_cmp(r, irb_payload(IR_BASE_NETWORK, 12, 4), IR_CMP_EQ, a10, 4);
	irb_cmp(r, irb_payload(IR_BASE_NETWORK, 16, 4), IR_CMP_EQ, d10, 4);
	irb_stmt(r, IR_STMT_COUNTER);
	irb_verdict(r, IR_VERDICT_ACCEPT, NULL);
	fp = build_fp();
	ctx = mk_ctx(&caps, &fake_ops_fullmask, OFL_MODE_AUTO, 0);
	if (ofl_plan_build(ctx, B, fp, NULL, NULL, NULL, &plan) < 0) {
		CHECK(false, "refused punt: plan");
		goto out;
	}
	pp = &plan->ports[0];
	CHECK(pp->rules[0].where == OFL_WHERE_HW, "rule 1 (full mask) exact: %s (%s)",
	      ofl_form_name(pp->rules[0].form), pp->rules[0].why);
	CHECK(pp->rules[1].form == OFL_FORM_PUNT && sh_n(pp, 1) > 0,
	      "rule 2 (refused /24) is a widened punt, not a cut: %s, %u entries (%s)",
	      ofl_form_name(pp->rules[1].form), sh_n(pp, 1), pp->rules[1].why);
	CHECK(pp->rules[2].where == OFL_WHERE_HW && pp->rules[2].form == OFL_FORM_ACCEPT,
	      "rule 3 after the punt stays exact in hardware: %s (%s)",
	      ofl_form_name(pp->rules[2].form), pp->rules[2].why);
	CHECK(sh_below(pp, 1, 2), "rule 3's entries sit below the punt they overlap");
	for (uint32_t e = 0; e < pp->nentries; e++) {
		struct rte_flow_attr attr;
		struct ofl_pattern pat;
		struct ofl_actions act;
		struct rte_flow_error err;
		char why[OFL_WHY_LEN];

		if (ofl_entry_flow(pp, &pp->entries[e], &attr, &pat, &act, why, sizeof(why)) < 0 ||
		    fake_validate_fullmask(0, &attr, pat.items, act.a, &err) != 0)
			partial_masks++;
	}
	CHECK(partial_masks == 0, "every entry is one the PMD takes (%u refused)", partial_masks);
	CHECK(plan_dup_entries(pp) == 0, "no pattern twice on one level (the widened punt and "
	      "the class guard are both `eth type 0x800`)");
	/* frames to 203.0.113.10, untagged and tagged: fates and counters */
	for (unsigned int a = 0; a < RTE_DIM(srcs); a++)
		for (int tag = 0; tag <= 1; tag++) {
			struct fspec sp;
			uint8_t *ip;

			memset(&sp, 0, sizeof(sp));
			sp.tag = tag;
			sp.vid = 5;
			sp.proto = 6;
			sp.sport = 1234;
			sp.dport = 80;
			mk_frame(&sp, &f[n]);
			ip = f[n].b + 14 + (tag ? 4 : 0);
			memcpy(ip + 12, srcs[a], 4);
			memcpy(ip + 16, d10, 4);
			n++;
		}
	mk_raw4(&f[n], 0x44, 0, 7, 6, 80, 0);	/* ihl 4: the class guards */
	memcpy(f[n].b + 14 + 12, srcs[1], 4);
	n++;
	ref_fp = build_fp();
	for (unsigned int i = 0; i < n; i++)
		ref[i] = run_ref(ref_fp, &f[i], false, 0, 0);
	plan_check(ctx, plan, ref_fp, f, ref, n, &st);
	fp_ruleset_free(ref_fp);
	CHECK(st.wrong == 0 && st.bad_counts == 0 && st.ties == 0,
	      "refused punt widened: fates and counters as in software (%s)", st.first);
	if ((st.wrong || st.bad_counts || st.ties) && getenv("OFL_TEST_DEBUG"))
		print_ruleset_plan(plan);
out:
	sh_free(ctx, plan);
	fp_ruleset_free(fp);
	ir_ruleset_free(B);
}

int
main(int argc, char **argv)
{
	char prefix[64];
	char *eal_argv[16];
	int eal_argc = 0;
	bool tap = access("/dev/net/tun", R_OK | W_OK) == 0 && geteuid() == 0;
	char tapdev[64];

	snprintf(prefix, sizeof(prefix), "--file-prefix=offload_%d", (int)getpid());
	snprintf(tapdev, sizeof(tapdev), "net_tap0,iface=ofltap%d", (int)getpid() % 100000);
	eal_argv[eal_argc++] = argv[0];
	eal_argv[eal_argc++] = (char *)"--no-huge";
	eal_argv[eal_argc++] = (char *)"-m";
	eal_argv[eal_argc++] = (char *)"256";
	eal_argv[eal_argc++] = (char *)"--no-pci";
	eal_argv[eal_argc++] = (char *)"-l";
	eal_argv[eal_argc++] = (char *)"0";
	eal_argv[eal_argc++] = prefix;
	eal_argv[eal_argc++] = (char *)"--log-level=lib.eal:error";
	if (rte_eal_init(eal_argc, eal_argv) < 0) {
		fprintf(stderr, "offload: EAL init failed\n");
		return 1;
	}
	/* net_tap hot-plugged (as --vdev would): without /dev/net/tun or
	 * CAP_NET_ADMIN the validate checks are skipped, not failed */
	if (tap && (argc < 2 || strcmp(argv[1], "--no-tap") != 0) &&
	    rte_dev_probe(tapdev) != 0)
		printf("offload: cannot create %s\n", tapdev);
	pool = rte_pktmbuf_pool_create("offload_pool", 2047, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (pool == NULL) {
		fprintf(stderr, "offload: no mempool\n");
		return 1;
	}
	test_ipv4_prefix();
	test_l4();
	test_vlan_ether();
	test_refusals_and_folds();
	test_range_exhaustive();
	test_port_matches();
	test_sets_concat();
	test_plan_forms_and_marks();
	test_nopriority();
	test_budget_hits();
	test_mark_alloc();
	test_testpmd();
	test_installer();
	test_regressions();
	test_class_copies();
	test_summary();
	test_shadow_punt_before_drop();
	test_shadow_partial_and_no_levels();
	test_shadow_too_few_levels();
	test_shadow_hot_rule_stays_below_cold();
	test_match_after_statement();
	test_punt_not_narrowed_by_truncated_neq();
	test_refused_punt_widened_not_cut();
	test_bruteforce(getenv("OFL_TEST_RULESETS") ? (unsigned int)atoi(getenv("OFL_TEST_RULESETS")) : 300, 48);
	test_tap();
	rte_eal_cleanup();
	return tc_finish("offload");
}
