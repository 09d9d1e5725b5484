/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: pkt_view parse + the compiled classifier (cls) + the
 * reference interpreter, differentially, on malformed frames.
 *
 * Input (every field optional: a short input reads zeros):
 *   byte 0        ruleset template (mod N_TEMPLATES, see templates[])
 *   bytes 1..16   template parameters p[0..15]: addresses, prefix lengths,
 *                 ports, VLAN id, ranges, policies; the frame templates
 *                 below take their addresses and ports from p[] as well,
 *                 so that rules and frames meet
 *   byte 17       run: bits 0-1 input port, bit 2 lcore, bits 3-4 cls
 *                 options (0 default, 1 tiny set and ACL budgets, 2 one
 *                 ACL rule, 3 default or, with bit 7, interp_only),
 *                 bit 5 no result cache
 *   then records, one frame each, until the input ends:
 *     k           bits 0-2 kind (0 raw, 1-6 frame template, 7 control),
 *                 bits 3-4 segments (one, two, three, many tiny),
 *                 bit 7 length + 256
 *     raw:        len, split, then len bytes (clipped to the input)
 *     template:   len (0: the template's own), split, patch offset,
 *                 patch length n (<= 16), n bytes written over the frame
 *     control:    one byte: new port (bits 0-1), lcore (bit 2), clock
 *                 step (bits 3-7, 50 ms each); ends the burst
 *   Bursts end at a control record or at 2 * CLS_BURST_MAX frames.
 *
 * Checked on every input, abort() on a difference:
 *  - pkt_view_parse() and pkt_view_parse_burst() give the same views;
 *  - interp_run() on one fp_ruleset and cls_run_burst() on a second one
 *    built from the same IR give, per packet, the same disposition, reason,
 *    output port, mark, deciding hook/chain/rule, extra frames (port and
 *    bytes) and packet bytes (payload mangling), and at the end the same
 *    counters, quotas and limits;
 *  - every mbuf goes back to the pool (no leak, no double free).
 * Bounds: each segment's headroom and tailroom are poisoned for ASan while
 * the frames are classified, so a read past a segment's data is reported
 * even though the mbufs come from a mempool (no-op without ASan).
 *
 * The EAL starts once (LLVMFuzzerInitialize, called by libFuzzer and by
 * replay_main.c): --no-huge -m 256 --no-pci -l 0, own --file-prefix.
 * Threading: one thread, as libFuzzer runs it.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "control/ir/ir.h"
#include "control/ir/ir_build.h"
#include "fastpath/cls.h"
#include "fastpath/fp_ruleset.h"
#include "fastpath/interp.h"
#include "fastpath/pkt_view.h"
#include "tests/lib/irb.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FZ_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define FZ_ASAN 1
#endif
#ifdef FZ_ASAN
#include <sanitizer/asan_interface.h>
#define FZ_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define FZ_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define FZ_POISON(p, n) ((void)(p), (void)(n))
#define FZ_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* i: the packet in its burst, or the counter/quota/limit slot. */
static void __attribute__((noreturn))
fz_fail(const char *what, unsigned int i)
{
	fprintf(stderr, "fuzz_classify: %s (%u)\n", what, i);
	abort();
}

/* ---- input reader ------------------------------------------------------------ */

struct fz_in {
	const uint8_t *p;
	size_t n;
};

static uint8_t
take(struct fz_in *in)
{
	uint8_t b;

	if (in->n == 0)
		return 0;
	b = *in->p++;
	in->n--;
	return b;
}

/* ---- IR builder (as tests/cls/test_cls.c builds its rulesets) ----------------- */

enum { DEV_ETH0, DEV_ETH1, DEV_ETH2, DEV_ETH3, DEV_GHOST, N_DEVS };
static const char *const dev_names[N_DEVS] = {
	"eth0", "eth1", "eth2", "eth3", "ghost",
};
static const char *const port_names[] = { "eth0", "eth1", "eth2", "eth3" };
static const uint16_t peers[] = { 1, 0, 3, 2 };
#define N_PORTS 4

#define MAX_CHAINS	8
#define MAX_RULES	24
#define MAX_ITEMS	10
#define MAX_SETS	8
#define MAX_ELEMS	16
#define MAX_OBJS	4

static const struct irb_caps caps = {
	.tables = 2, .chains = MAX_CHAINS, .sets = MAX_SETS, .objects = MAX_OBJS,
	.rules = MAX_RULES, .items = MAX_ITEMS, .elems = MAX_ELEMS,
};
static struct ir_ruleset *B;

static void
b_new(void)
{
	B = irb_new(dev_names, N_DEVS, &caps);
}

static struct ir_chain *
b_base(struct ir_table *t, const char *name, int32_t prio, bool drop,
       const char *dev)
{
	return irb_base(t, name, prio, drop ? IR_POLICY_DROP : IR_POLICY_ACCEPT,
			dev, 0);
}

/* sets named s0, s1, ... */
static struct ir_set *
b_set(struct ir_table *t, uint32_t flags, unsigned int nfields,
      const uint8_t *flen)
{
	char name[16];

	snprintf(name, sizeof(name), "s%u", t->nsets);
	return irb_set(t, name, flags, nfields, flen, 0);
}

/* A payload field under a prefix mask of `bits`, compared with `val`
 * masked the same way (what nft emits for `ip saddr 10.0.0.0/8`). */
static void
b_prefix(struct ir_rule *r, enum ir_payload_base base, uint16_t off,
	 uint8_t len, const uint8_t *val, unsigned int bits, enum ir_cmp_op cop)
{
	struct ir_operand o = irb_payload(base, off, len);
	uint8_t m[16], v[16];

	for (unsigned int i = 0; i < len; i++) {
		unsigned int b = bits > 8 ? 8 : bits;

		m[i] = (uint8_t)(0xff00 >> b);
		bits -= b;
		v[i] = val[i] & m[i];
	}
	o.mask = irb_bytes(m, len);
	irb_cmp(r, o, cop, v, len);
}

static void
b_meta16(struct ir_rule *r, enum ir_meta_key k, uint16_t be)
{
	uint8_t v[2] = { (uint8_t)(be >> 8), (uint8_t)be };

	irb_cmp(r, irb_meta(k), IR_CMP_EQ, v, 2);
}

static void
b_meta8(struct ir_rule *r, enum ir_meta_key k, enum ir_cmp_op cop, uint8_t v)
{
	irb_cmp(r, irb_meta(k), cop, &v, 1);
}

static void
b_pl16(struct ir_rule *r, enum ir_payload_base base, uint16_t off,
       enum ir_cmp_op cop, uint16_t val)
{
	uint8_t v[2] = { (uint8_t)(val >> 8), (uint8_t)val };

	irb_cmp(r, irb_payload(base, off, 2), cop, v, 2);
}

static void
b_range16(struct ir_rule *r, struct ir_operand o, uint16_t lo, uint16_t hi,
	  bool invert)
{
	uint8_t l[2] = { (uint8_t)(lo >> 8), (uint8_t)lo };
	uint8_t h[2] = { (uint8_t)(hi >> 8), (uint8_t)hi };

	irb_range(r, o, l, h, 2, invert);
}

static unsigned int sort_len;

static int
elem_cmp(const void *a, const void *b)
{
	const struct ir_set_elem *x = a, *y = b;

	return memcmp(x->key, y->key, sort_len);
}

/* Kernel shape: sorted, no duplicate keys; single-field intervals
 * disjoint (an overlapping element is dropped, as nft refuses it). */
static void
b_set_done(struct ir_set *s)
{
	struct ir_set_elem *el = (struct ir_set_elem *)s->elems;
	unsigned int n = 0;

	sort_len = s->key_len;
	qsort(el, s->nelems, sizeof(*el), elem_cmp);
	for (unsigned int i = 0; i < s->nelems; i++) {
		if (n > 0 && memcmp(el[i].key, el[n - 1].key, s->key_len) == 0)
			continue;
		if (n > 0 && (s->flags & IR_SET_F_INTERVAL) && s->nfields == 1 &&
		    memcmp(el[i].key, el[n - 1].key_end, s->key_len) <= 0)
			continue;
		el[n++] = el[i];
	}
	s->nelems = n;
}

/* ---- parameters and frames --------------------------------------------------- */

/* What a template makes of the parameter bytes. */
struct fz_par {
	uint8_t p[16];
	uint8_t src4[4], dst4[4];
	uint8_t src6[16], dst6[16];
	uint16_t sport, dport, vid;
};

static void
par_make(struct fz_par *q)
{
	static const uint8_t s6[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	static const uint8_t d6[16] = { 0xfd, 0x00, 0, 0, 0, 0, 0, 0, 0, 0,
					0, 0, 0, 0, 0, 1 };
	const uint8_t *p = q->p;

	q->src4[0] = 10;
	q->src4[1] = p[2];
	q->src4[2] = p[3];
	q->src4[3] = p[4];
	q->dst4[0] = 192;
	q->dst4[1] = 168;
	q->dst4[2] = p[5];
	q->dst4[3] = p[6];
	memcpy(q->src6, s6, 16);
	q->src6[13] = p[2];
	q->src6[14] = p[3];
	q->src6[15] = p[4];
	memcpy(q->dst6, d6, 16);
	q->dst6[14] = p[5];
	q->sport = (uint16_t)(p[7] << 8 | p[8]);
	q->dport = (uint16_t)(p[9] << 8 | p[10]);
	q->vid = (uint16_t)((p[0] << 8 | p[1]) & 0xfff);
}

static const struct rte_ether_addr port_mac = {
	.addr_bytes = { 0x02, 0, 0, 0, 0, 0x10 } };

#define FRAME_MAX	(256 + 255)

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t
csum16(const uint8_t *p, unsigned int n)
{
	uint32_t s = 0;

	for (unsigned int i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* L4 header (TCP 20, UDP 8, ICMP 8) + 8 payload bytes at p; its length. */
static unsigned int
l4_put(uint8_t *p, uint8_t proto, const struct fz_par *q)
{
	unsigned int hl = proto == 6 ? 20 : 8;

	memset(p, 0, hl + 8);
	if (proto == 1 || proto == 58) {
		p[0] = proto == 1 ? 8 : 128;	/* echo request */
	} else {
		put16(p, q->sport);
		put16(p + 2, q->dport);
	}
	if (proto == 6) {
		p[12] = 0x50;
		p[13] = 0x02;	/* SYN */
		put16(p + 14, 1024);
	} else if (proto == 17) {
		put16(p + 4, (uint16_t)(hl + 8));
	}
	memset(p + hl, 0xab, 8);
	return hl + 8;
}

static unsigned int
ip4_put(uint8_t *p, uint8_t proto, const struct fz_par *q)
{
	unsigned int n = l4_put(p + 20, proto, q);

	memset(p, 0, 20);
	p[0] = 0x45;
	put16(p + 2, (uint16_t)(20 + n));
	p[8] = 64;
	p[9] = proto;
	memcpy(p + 12, q->src4, 4);
	memcpy(p + 16, q->dst4, 4);
	put16(p + 10, csum16(p, 20));
	return 20 + n;
}

static unsigned int
ip6_put(uint8_t *p, uint8_t proto, bool hbh, const struct fz_par *q)
{
	unsigned int ext = hbh ? 8 : 0;
	unsigned int n = l4_put(p + 40 + ext, proto, q);

	memset(p, 0, 40 + ext);
	p[0] = 0x60;
	put16(p + 4, (uint16_t)(n + ext));
	p[6] = hbh ? 0 : proto;
	p[7] = 64;
	memcpy(p + 8, q->src6, 16);
	memcpy(p + 24, q->dst6, 16);
	if (hbh) {
		p[40] = proto;
		p[42] = 1;	/* PadN over the rest */
		p[43] = 4;
	}
	return 40 + ext + n;
}

/* Frame template k (1..6) into f; its length. */
static unsigned int
frame_template(unsigned int k, const struct fz_par *q, uint8_t *f)
{
	unsigned int o = 12;

	memcpy(f, port_mac.addr_bytes, 6);
	memcpy(f + 6, (const uint8_t[]){ 0x02, 0, 0, 0, 0, 0xaa }, 6);
	if (k == 3) {
		put16(f + o, 0x8100);
		put16(f + o + 2, (uint16_t)(q->vid | (q->p[11] & 0xe0) << 8));
		o += 4;
	} else if (k == 6) {
		put16(f + o, 0x88a8);
		put16(f + o + 2, q->vid);
		put16(f + o + 4, 0x8100);
		put16(f + o + 6, (uint16_t)(q->vid + 1));
		o += 8;
	}
	switch (k) {
	case 1:
		put16(f + o, 0x0800);
		return o + 2 + ip4_put(f + o + 2, 6, q);
	case 2:
	case 3:
		put16(f + o, 0x0800);
		return o + 2 + ip4_put(f + o + 2, 17, q);
	case 4:
		put16(f + o, 0x86dd);
		return o + 2 + ip6_put(f + o + 2, 6, false, q);
	case 5:
		put16(f + o, 0x86dd);
		return o + 2 + ip6_put(f + o + 2, 17, true, q);
	default:
		put16(f + o, 0x0800);
		return o + 2 + ip4_put(f + o + 2, 1, q);
	}
}

/* ---- ruleset templates ----------------------------------------------------------- */

static unsigned int
prefix_bits(uint8_t p, unsigned int max)
{
	return p % (max + 1);
}

/* VLAN, ether and meta: vlan id, inner type, pkttype, iifname, prefix. */
static void
t_vlan(struct ir_table *t, const struct fz_par *q)
{
	struct ir_chain *c = b_base(t, "b0", 0, q->p[13] & 1, "eth0");
	struct ir_chain *c1 = b_base(t, "b1", 0, q->p[13] & 2, "eth1");
	static const uint8_t vmask[2] = { 0x0f, 0xff };
	static const uint8_t bc[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct ir_operand o;
	struct ir_rule *r;
	uint8_t v[16];

	r = irb_rule(c);			/* vlan id X counter drop */
	b_pl16(r, IR_BASE_LL, 12, IR_CMP_EQ, 0x8100);
	o = irb_payload(IR_BASE_LL, 14, 2);
	o.mask = irb_bytes(vmask, 2);
	put16(v, q->vid);
	irb_cmp(r, o, IR_CMP_EQ, v, 2);
	irb_stmt(r, IR_STMT_COUNTER);
	irb_verdict(r, (q->p[12] & 1) ? IR_VERDICT_DROP : IR_VERDICT_ACCEPT, NULL);

	r = irb_rule(c);			/* vlan type ip6 drop */
	b_pl16(r, IR_BASE_LL, 12, IR_CMP_EQ, 0x88a8);
	b_pl16(r, IR_BASE_LL, 16, IR_CMP_EQ, 0x8100);
	irb_verdict(r, IR_VERDICT_DROP, NULL);

	r = irb_rule(c);			/* ip saddr A/n accept */
	b_meta16(r, IR_META_PROTOCOL, 0x0800);
	b_prefix(r, IR_BASE_NETWORK, 12, 4, q->src4,
		 prefix_bits(q->p[11], 32), IR_CMP_EQ);
	irb_verdict(r, IR_VERDICT_ACCEPT, NULL);

	r = irb_rule(c);			/* meta pkttype X counter */
	b_meta8(r, IR_META_PKTTYPE, IR_CMP_EQ, q->p[12] % 4);
	irb_stmt(r, IR_STMT_COUNTER);

	r = irb_rule(c);			/* ether daddr ff:.. drop */
	irb_cmp(r, irb_payload(IR_BASE_LL, 0, 6), IR_CMP_EQ, bc, 6);
	irb_verdict(r, IR_VERDICT_DROP, NULL);

	r = irb_rule(c1);			/* meta nfproto, iiftype: constants */
	b_meta8(r, IR_META_NFPROTO, IR_CMP_EQ, 5);
	{
		uint16_t it = (q->p[12] & 4) ? 1 : 772;

		irb_cmp(r, irb_meta(IR_META_IIFTYPE), IR_CMP_EQ, &it, 2);
	}
	irb_stmt(r, IR_STMT_COUNTER);

	r = irb_rule(c1);			/* iifname "eth*" ether saddr != X */
	irb_cmp(r, irb_meta(IR_META_IIFNAME), IR_CMP_EQ, "eth", 3);
	memcpy(v, (const uint8_t[]){ 0x02, 0, 0, 0, 0, 0xaa }, 6);
	irb_cmp(r, irb_payload(IR_BASE_LL, 6, 6), IR_CMP_NEQ, v, 6);
	irb_verdict(r, IR_VERDICT_DROP, NULL);

	r = irb_rule(c1);			/* meta protocol ip6 ip6 saddr X/n */
	b_meta16(r, IR_META_PROTOCOL, 0x86dd);
	b_prefix(r, IR_BASE_NETWORK, 8, 16, q->src6,
		 prefix_bits(q->p[14], 128), IR_CMP_EQ);
	irb_verdict(r, IR_VERDICT_ACCEPT, NULL);
}

/* IPv4 and IPv6 prefixes, ordered compares on ttl, length, fragments. */
static void
t_prefix(struct ir_table *t, const struct fz_par *q)
{
	struct ir_chain *c = b_base(t, "b0", -100, q->p[13] & 1, "eth0");
	static const uint8_t fmask[2] = { 0x1f, 0xff };
	static const uint8_t zero[2];
	struct ir_operand o;
	struct ir_rule *r;

	r = irb_rule(c);			/* ip frag-off & 0x1fff != 0 drop */
	b_meta16(r, IR_META_PROTOCOL, 0x0800);
	o = irb_payload(IR_BASE_NETWORK, 6, 2);
	o.mask = irb_bytes(fmask, 2);
	irb_cmp(r, o, IR_CMP_NEQ, zero, 2);
	irb_verdict(r, IR_VERDICT_DROP, NULL);

	r = irb_rule(c);			/* ip saddr A/n ip daddr != D/m */
	b_meta16(r, IR_META_PROTOCOL, 0x0800);
	b_prefix(r, IR_BASE_NETWORK, 12, 4, q->src4,
		 prefix_bits(q->p[11], 32), IR_CMP_EQ);
	b_prefix(r, IR_BASE_NETWORK, 16, 4, q->dst4,
		 prefix_bits(q->p[12], 32), IR_CMP_NEQ);
	irb_verdict(r, IR_VERDICT_DROP, NULL);

	r = irb_rule(c);			/* ip ttl < X accept */
	b_meta16(r, IR_META_PROTOCOL, 0x0800);
	irb_cmp(r, irb_payload(IR_BASE_NETWORK, 8, 1), IR_CMP_LT, &q->p[15], 1);
	irb_stmt(r, IR_STMT_COUNTER);
	irb_verdict(r, IR_VERDICT_ACCEPT, NULL);

	r = irb_rule(c);			/* ip length X-Y counter */
	b_meta16(r, IR_META_PROTOCOL, 0x0800);
	b_range16(r, irb_payload(IR_BASE_NETWORK, 2, 2), q->p[14],
		  (uint16_t)(q->p[14] + q->p[15]), q->p[13] & 2);
	irb_stmt(r, IR_STMT_COUNTER);

	r = irb_rule(c);			/* ip6 saddr X/n ip6 daddr Y/m drop */
	b_meta16(r, IR_META_PROTOCOL, 0x86dd);
	b_prefix(r, IR_BASE_NETWORK, 8, 16, q->src6,
		 prefix_bits(q->p[11], 128), IR_CMP_EQ);
	b_prefix(r, IR_BASE_NETWORK, 24, 16, q->dst6,
		 prefix_bits(q->p[12], 128), IR_CMP_EQ);
	irb_verdict(r, IR_VERDICT_DROP, NULL);

	r = irb_rule(c);			/* ip6 nexthdr X meta l4proto >= Y */
	b_meta16(r, IR_META_PROTOCOL, 0x86dd);
	irb_cmp(r, irb_payload(IR_BASE_NETWORK, 6, 1), IR_CMP_EQ, &q->p[1], 1);
	b_meta8(r, IR_META_L4PROTO, IR_CMP_GTE, q->p[0]);
	irb_verdict(r, IR_VERDICT_ACCEPT, NULL);

	r = irb_rule(c);			/* meta len > X drop */
	{
		uint32_t len = q->p[14] + 40u;

		irb_cmp(r, irb_meta(IR_META_LEN), IR_CMP_EQ, &len, 4);
		len = rte_cpu_to_be_32(len);
		o = irb_meta(IR_META_LEN);
		o.order = IR_BO_NET;	/* byteorder ran: ordered compare */
		irb_cmp(r, o, IR_CMP_GT, &len, 4);
	}
	irb_verdict(r, IR_VERDICT_DROP, NULL);
}

/* Transport ports: ranges (also inverted), l4proto sets, tcp flags. */
static void
t_ports(struct ir_table *t, const struct fz_par *q)
{
	struct ir_chain *c = b_base(t, "b0", 0, q->p[13] & 1, "eth0");
	struct ir_chain *c1 = b_base(t, "b1", 0, false, "eth0");
	static const uint8_t fl[1] = { 1 };
	static const uint8_t flagmask[1] = { 0x12 };
	struct ir_set *l4 = b_set(t, IR_SET_F_ANONYMOUS | IR_SET_F_CONSTANT,
				  1, fl);
	struct ir_operand o = irb_meta(IR_META_L4PROTO);
	uint16_t w = (uint16_t)(q->p[14] << 2);
	struct ir_rule *r;
	uint8_t v;

	irb_elem(l4, (const uint8_t[]){ 6 }, NULL);
	irb_elem(l4, (const uint8_t[]){ 17 }, NULL);
	irb_elem(l4, (const uint8_t[]){ 132 }, NULL);
	b_set_done(l4);

	r = irb_rule(c);			/* l4 {tcp,udp,sctp} th dport X-Y drop */
	irb_lookup(r, l4, l4->nfields, &o, false);
	b_range16(r, irb_payload(IR_BASE_TRANSPORT, 2, 2), q->dport,
		  (uint16_t)(q->dport + w), false);
	irb_verdict(r, IR_VERDICT_DROP, NULL);

	r = irb_rule(c);			/* tcp sport != X-Y accept */
	b_meta8(r, IR_META_L4PROTO, IR_CMP_EQ, 6);
	b_range16(r, irb_payload(IR_BASE_TRANSPORT, 0, 2), q->sport,
		  (uint16_t)(q->sport + w), true);
	irb_verdict(r, IR_VERDICT_ACCEPT, NULL);

	r = irb_rule(c);			/* tcp flags & (syn|ack) == syn */
	b_meta8(r, IR_META_L4PROTO, IR_CMP_EQ, 6);
	o = irb_payload(IR_BASE_TRANSPORT, 13, 1);
	o.mask = irb_bytes(flagmask, 1);
	v = q->p[12] & 0x12;
	irb_cmp(r, o, IR_CMP_EQ, &v, 1);
	irb_stmt(r, IR_STMT_COUNTER);
	irb_verdict(r, IR_VERDICT_CONTINUE, NULL);

	r = irb_rule(c);			/* udp dport < X accept */
	b_meta8(r, IR_META_L4PROTO, IR_CMP_EQ, 17);
	b_pl16(r, IR_BASE_TRANSPORT, 2, IR_CMP_LT, q->dport);
	irb_verdict(r, IR_VERDICT_ACCEPT, NULL);

	r = irb_rule(c);			/* th sport >= X (no l4proto dep) */
	b_pl16(r, IR_BASE_TRANSPORT, 0, IR_CMP_GTE, q->sport);
	irb_verdict(r, IR_VERDICT_DROP, NULL);

	r = irb_rule(c1);			/* th dport in host order (swapped) */
	o = irb_payload(IR_BASE_TRANSPORT, 2, 2);
	o.order = IR_BO_HOST;
	irb_cmp(r, o, IR_CMP_EQ, (const uint8_t[]){ (uint8_t)q->dport,
		(uint8_t)(q->dport >> 8) }, 2);
	irb_verdict(r, IR_VERDICT_DROP, NULL);

	r = irb_rule(c1);			/* icmp type X drop */
	b_meta8(r, IR_META_L4PROTO, IR_CMP_EQ, 1);
	irb_cmp(r, irb_payload(IR_BASE_TRANSPORT, 0, 1), IR_CMP_EQ, &q->p[15], 1);
	irb_verdict(r, IR_VERDICT_DROP, NULL);

	r = irb_rule(c1);			/* th 8 bytes at off 4 (wide load) */
	irb_cmp(r, irb_payload(IR_BASE_TRANSPORT, 4, 4), IR_CMP_LTE, q->src4, 4);
	irb_verdict(r, IR_VERDICT_DROP, NULL);
}

/* Sets: interval prefixes, exact ports, inverted lookups, iifname, mark. */
static void
t_sets(struct ir_table *t, const struct fz_par *q)
{
	struct ir_chain *c = b_base(t, "b0", 0, q->p[13] & 1, "eth0");
	static const uint8_t f4[1] = { 4 }, f2[1] = { 2 }, f16[1] = { 16 };
	struct ir_set *nets = b_set(t, IR_SET_F_INTERVAL, 1, f4);
	struct ir_set *ports = b_set(t, 0, 1, f2);
	struct ir_set *names = b_set(t, 0, 1, f16);
	struct ir_operand o;
	struct ir_rule *r;

	for (unsigned int i = 0; i < 4; i++) {
		uint8_t lo[4], hi[4];
		unsigned int bits = 16 + prefix_bits(q->p[11 + i], 16);

		memcpy(lo, q->src4, 4);
		lo[3] = (uint8_t)(lo[3] + i * 64);
		for (unsigned int k = 0; k < 4; k++) {
			unsigned int b = bits > 8 * k ?
				(bits - 8 * k > 8 ? 8 : bits - 8 * k) : 0;
			uint8_t m = (uint8_t)(0xff00 >> b);

			lo[k] &= m;
			hi[k] = (uint8_t)(lo[k] | ~m);
		}
		irb_elem(nets, lo, hi);
	}
	b_set_done(nets);
	for (unsigned int i = 0; i < 6; i++) {
		uint8_t k[2];

		put16(k, (uint16_t)(q->dport + i * q->p[15]));
		if (i >= 4)	/* for the masked lookup below */
			k[1] = 0;
		irb_elem(ports, k, NULL);
	}
	b_set_done(ports);
	{
		uint8_t n[16] = "eth1";

		irb_elem(names, n, NULL);
		memcpy(n, "ghost", 6);
		irb_elem(names, n, NULL);
		b_set_done(names);
	}

	r = irb_rule(c);			/* ip saddr @nets th dport @ports */
	b_meta16(r, IR_META_PROTOCOL, 0x0800);
	o = irb_payload(IR_BASE_NETWORK, 12, 4);
	irb_lookup(r, nets, nets->nfields, &o, false);
	o = irb_payload(IR_BASE_TRANSPORT, 2, 2);
	irb_lookup(r, ports, ports->nfields, &o, false);
	irb_stmt(r, IR_STMT_COUNTER);
	irb_verdict(r, IR_VERDICT_DROP, NULL);

	r = irb_rule(c);			/* ip daddr != @nets accept */
	b_meta16(r, IR_META_PROTOCOL, 0x0800);
	o = irb_payload(IR_BASE_NETWORK, 16, 4);
	irb_lookup(r, nets, nets->nfields, &o, true);
	irb_verdict(r, IR_VERDICT_ACCEPT, NULL);

	r = irb_rule(c);			/* iifname @names drop */
	o = irb_meta(IR_META_IIFNAME);
	irb_lookup(r, names, names->nfields, &o, false);
	irb_verdict(r, IR_VERDICT_DROP, NULL);

	r = irb_rule(c);			/* th sport & 0xff00 @ports */
	o = irb_payload(IR_BASE_TRANSPORT, 0, 2);
	o.mask = irb_bytes((const uint8_t[]){ 0xff, 0 }, 2);
	irb_lookup(r, ports, ports->nfields, &o, q->p[12] & 1);
	irb_verdict(r, IR_VERDICT_DROP, NULL);

	r = irb_rule(c);			/* meta mark != 0 (always 0 here) */
	{
		uint32_t z = q->p[13] >> 4;

		irb_cmp(r, irb_meta(IR_META_MARK), IR_CMP_NEQ, &z, 4);
	}
	irb_verdict(r, IR_VERDICT_DROP, NULL);
}

/* Concatenations: saddr . dport (exact and interval), vmap over three
 * fields, l4proto . iif. */
static void
t_concat(struct ir_table *t, const struct fz_par *q)
{
	struct ir_chain *c = b_base(t, "b0", 0, q->p[13] & 1, "eth0");
	struct ir_chain *r0 = irb_chain(t, "r0");
	static const uint8_t f42[2] = { 4, 2 }, f412[3] = { 4, 1, 2 };
	static const uint8_t f14[2] = { 1, 4 };
	struct ir_set *ex = b_set(t, 0, 2, f42);
	struct ir_set *iv = b_set(t, IR_SET_F_INTERVAL, 2, f42);
	struct ir_set *vm = b_set(t, IR_SET_F_MAP | IR_SET_F_VMAP, 3, f412);
	struct ir_set *li = b_set(t, 0, 2, f14);
	struct ir_operand ops[3];
	struct ir_rule *r;
	uint8_t k[12], ke[12];

	for (unsigned int i = 0; i < 4; i++) {
		memset(k, 0, sizeof(k));
		memcpy(k, q->src4, 4);
		k[3] = (uint8_t)(k[3] + i);
		put16(k + 4, (uint16_t)(q->dport + i));
		irb_elem(ex, k, NULL);
		memset(ke, 0, sizeof(ke));
		memcpy(ke, k, 4);
		ke[3] = (uint8_t)(k[3] | (q->p[14] & 0x3f));
		if (ke[3] < k[3])
			ke[3] = k[3];
		k[0] = (uint8_t)(10 + i);	/* distinct boxes */
		ke[0] = k[0];
		put16(ke + 4, (uint16_t)(q->dport + i + q->p[15]));
		if (memcmp(ke + 4, k + 4, 2) < 0)
			memset(ke + 4, 0xff, 2);
		irb_elem(iv, k, ke);
	}
	b_set_done(ex);
	b_set_done(iv);
	for (unsigned int i = 0; i < 4; i++) {
		struct ir_set_elem *e;
		static const enum ir_verdict_kind vk[4] = {
			IR_VERDICT_ACCEPT, IR_VERDICT_DROP, IR_VERDICT_JUMP,
			IR_VERDICT_GOTO };

		memset(k, 0, sizeof(k));
		memcpy(k, q->dst4, 4);
		k[4] = (i & 1) ? 17 : 6;
		put16(k + 8, (uint16_t)(q->sport + i));
		e = irb_elem(vm, k, NULL);
		e->verdict.kind = vk[(i + q->p[12]) & 3];
		if (e->verdict.kind == IR_VERDICT_JUMP ||
		    e->verdict.kind == IR_VERDICT_GOTO) {
			e->verdict.target = r0;
			e->verdict.chain = r0->name;
		}
	}
	b_set_done(vm);
	for (unsigned int i = 0; i < 3; i++) {
		uint32_t dev = i;

		memset(k, 0, sizeof(k));
		k[0] = i == 2 ? 1 : 17;
		memcpy(k + 4, &dev, 4);
		irb_elem(li, k, NULL);
	}
	li->field_is_dev[1] = true;
	b_set_done(li);

	r = irb_rule(c);			/* ip saddr . th dport @ex drop */
	b_meta16(r, IR_META_PROTOCOL, 0x0800);
	ops[0] = irb_payload(IR_BASE_NETWORK, 12, 4);
	ops[1] = irb_payload(IR_BASE_TRANSPORT, 2, 2);
	irb_lookup(r, ex, ex->nfields, ops, false);
	irb_verdict(r, IR_VERDICT_DROP, NULL);

	r = irb_rule(c);			/* ... @iv counter accept */
	b_meta16(r, IR_META_PROTOCOL, 0x0800);
	irb_lookup(r, iv, iv->nfields, ops, q->p[13] & 2);
	irb_stmt(r, IR_STMT_COUNTER);
	irb_verdict(r, IR_VERDICT_ACCEPT, NULL);

	r = irb_rule(c);			/* meta l4proto . iif @li drop */
	ops[0] = irb_meta(IR_META_L4PROTO);
	ops[1] = irb_meta(IR_META_IIF);
	irb_lookup(r, li, li->nfields, ops, false);
	irb_verdict(r, IR_VERDICT_DROP, NULL);

	r = irb_rule(c);			/* ip daddr . l4proto . th sport vmap */
	b_meta16(r, IR_META_PROTOCOL, 0x0800);
	ops[0] = irb_payload(IR_BASE_NETWORK, 16, 4);
	ops[1] = irb_meta(IR_META_L4PROTO);
	ops[2] = irb_payload(IR_BASE_TRANSPORT, 0, 2);
	r->verdict.v.kind = IR_VERDICT_VMAP;
	r->verdict.vmap.set = vm;
	r->verdict.vmap.nfields = 3;
	r->verdict.vmap.fields = ir_memdup(B, ops, 3 * sizeof(ops[0]));

	r = irb_rule(r0);			/* r0: ttl == X drop; counter return */
	irb_cmp(r, irb_payload(IR_BASE_NETWORK, 8, 1), IR_CMP_EQ, &q->p[15], 1);
	irb_verdict(r, IR_VERDICT_DROP, NULL);
	r = irb_rule(r0);
	irb_stmt(r, IR_STMT_COUNTER);
	irb_verdict(r, IR_VERDICT_RETURN, NULL);
}

/* Jumps, gotos, returns, vmaps to chains, several base chains. */
static void
t_jumps(struct ir_table *t, const struct fz_par *q)
{
	struct ir_chain *c0 = b_base(t, "b0", -100, false, "eth0");
	struct ir_chain *c1 = b_base(t, "b1", (q->p[13] & 4) ? -100 : 10,
				     q->p[13] & 1, "eth0");
	struct ir_chain *r0 = irb_chain(t, "r0");
	struct ir_chain *r1 = irb_chain(t, "r1");
	struct ir_chain *r2 = irb_chain(t, "r2");
	static const uint8_t f2[1] = { 2 };
	struct ir_set *vm = b_set(t, IR_SET_F_MAP | IR_SET_F_VMAP |
				  IR_SET_F_INTERVAL, 1, f2);
	struct ir_operand o;
	struct ir_rule *r;

	for (unsigned int i = 0; i < 4; i++) {
		static const enum ir_verdict_kind vk[6] = {
			IR_VERDICT_JUMP, IR_VERDICT_GOTO, IR_VERDICT_RETURN,
			IR_VERDICT_CONTINUE, IR_VERDICT_DROP, IR_VERDICT_ACCEPT };
		struct ir_set_elem *e;
		uint8_t k[2], ke[2];

		put16(k, (uint16_t)(q->dport + i * 256));
		put16(ke, (uint16_t)(q->dport + i * 256 + q->p[14]));
		if (memcmp(ke, k, 2) < 0)
			memset(ke, 0xff, 2);
		e = irb_elem(vm, k, ke);
		e->verdict.kind = vk[(q->p[12] + i) % 6];
		if (e->verdict.kind == IR_VERDICT_JUMP ||
		    e->verdict.kind == IR_VERDICT_GOTO) {
			e->verdict.target = i & 1 ? r1 : r2;
			e->verdict.chain = e->verdict.target->name;
		}
	}
	b_set_done(vm);

	r = irb_rule(c0);			/* tcp: jump r0 */
	b_meta8(r, IR_META_L4PROTO, IR_CMP_EQ, 6);
	irb_verdict(r, IR_VERDICT_JUMP, r0);
	r = irb_rule(c0);			/* udp: goto r1 */
	b_meta8(r, IR_META_L4PROTO, IR_CMP_EQ, 17);
	irb_verdict(r, IR_VERDICT_GOTO, r1);
	r = irb_rule(c0);			/* th dport vmap */
	o = irb_payload(IR_BASE_TRANSPORT, 2, 2);
	r->verdict.v.kind = IR_VERDICT_VMAP;
	r->verdict.vmap.set = vm;
	r->verdict.vmap.nfields = 1;
	r->verdict.vmap.fields = ir_memdup(B, &o, sizeof(o));
	r = irb_rule(c0);
	irb_stmt(r, IR_STMT_COUNTER);
	irb_verdict(r, (q->p[13] & 2) ? IR_VERDICT_DROP : IR_VERDICT_ACCEPT,
		  NULL);

	r = irb_rule(r0);			/* r0: saddr A/n return */
	b_meta16(r, IR_META_PROTOCOL, 0x0800);
	b_prefix(r, IR_BASE_NETWORK, 12, 4, q->src4,
		 prefix_bits(q->p[11], 32), IR_CMP_EQ);
	irb_verdict(r, IR_VERDICT_RETURN, NULL);
	r = irb_rule(r0);			/* jump r2 */
	irb_verdict(r, IR_VERDICT_JUMP, r2);
	r = irb_rule(r0);
	b_pl16(r, IR_BASE_TRANSPORT, 0, IR_CMP_EQ, q->sport);
	irb_verdict(r, IR_VERDICT_DROP, NULL);

	r = irb_rule(r1);			/* r1: dport > X accept; jump r2 */
	b_pl16(r, IR_BASE_TRANSPORT, 2, IR_CMP_GT, q->dport);
	irb_verdict(r, IR_VERDICT_ACCEPT, NULL);
	r = irb_rule(r1);
	irb_verdict(r, IR_VERDICT_JUMP, r2);

	r = irb_rule(r2);			/* r2: ttl checks */
	irb_cmp(r, irb_payload(IR_BASE_NETWORK, 8, 1), IR_CMP_LTE, &q->p[15], 1);
	irb_stmt(r, IR_STMT_COUNTER);
	irb_verdict(r, IR_VERDICT_DROP, NULL);
	r = irb_rule(r2);
	b_meta8(r, IR_META_PKTTYPE, IR_CMP_NEQ, 0);
	irb_verdict(r, IR_VERDICT_RETURN, NULL);

	r = irb_rule(c1);			/* second base chain */
	b_meta16(r, IR_META_PROTOCOL, 0x86dd);
	irb_verdict(r, IR_VERDICT_ACCEPT, NULL);
	r = irb_rule(c1);
	b_pl16(r, IR_BASE_TRANSPORT, 2, IR_CMP_EQ, q->dport);
	irb_verdict(r, IR_VERDICT_DROP, NULL);
}

/* Counters, limits, quotas: inline and named. */
static void
t_state(struct ir_table *t, const struct fz_par *q)
{
	struct ir_chain *c = b_base(t, "b0", 0, q->p[13] & 1, "eth0");
	struct ir_object *ob;
	struct ir_stmt *s;
	struct ir_rule *r;

	for (unsigned int i = 0; i < 3; i++) {
		static const char *const nm[3] = { "cnt", "qta", "lim" };

		ob = irb_object(t, (enum ir_obj_type)i, nm[i]);
		ob->quota = (struct ir_quota){ .bytes = 100u + q->p[14] * 8u,
					       .invert = q->p[12] & 1 };
		ob->limit = (struct ir_limit){ .rate = 1 + q->p[15] % 4,
					       .unit = 1, .burst = q->p[14] % 3,
					       .invert = q->p[12] & 2 };
	}

	r = irb_rule(c);			/* counter name cnt (every packet) */
	s = irb_stmt(r, IR_STMT_OBJREF);
	s->objref.type = IR_OBJ_COUNTER;
	s->objref.name = t->objects[0].name;
	s->objref.obj = &t->objects[0];

	r = irb_rule(c);			/* tcp limit rate X/s accept */
	b_meta8(r, IR_META_L4PROTO, IR_CMP_EQ, 6);
	s = irb_stmt(r, IR_STMT_LIMIT);
	s->limit = (struct ir_limit){ .rate = 1 + q->p[11] % 3, .unit = 1,
		.burst = q->p[11] % 5, .type = IR_LIMIT_PKTS,
		.invert = q->p[12] & 4 };
	irb_stmt(r, IR_STMT_COUNTER);
	irb_verdict(r, IR_VERDICT_ACCEPT, NULL);

	r = irb_rule(c);			/* udp limit bytes; quota */
	b_meta8(r, IR_META_L4PROTO, IR_CMP_EQ, 17);
	s = irb_stmt(r, IR_STMT_LIMIT);
	s->limit = (struct ir_limit){ .rate = 100u + q->p[11] * 4u, .unit = 1,
		.burst = q->p[15], .type = IR_LIMIT_BYTES,
		.invert = q->p[12] & 8 };
	s = irb_stmt(r, IR_STMT_QUOTA);
	s->quota = (struct ir_quota){ .bytes = 64u + q->p[14] * 4u,
				      .invert = q->p[12] & 16 };
	irb_verdict(r, IR_VERDICT_DROP, NULL);

	r = irb_rule(c);			/* quota name qta; limit name lim */
	s = irb_stmt(r, IR_STMT_OBJREF);
	s->objref.type = IR_OBJ_QUOTA;
	s->objref.name = t->objects[1].name;
	s->objref.obj = &t->objects[1];
	b_meta16(r, IR_META_PROTOCOL, 0x0800);
	s = irb_stmt(r, IR_STMT_OBJREF);
	s->objref.type = IR_OBJ_LIMIT;
	s->objref.name = t->objects[2].name;
	s->objref.obj = &t->objects[2];
	irb_stmt(r, IR_STMT_COUNTER);
	irb_verdict(r, IR_VERDICT_DROP, NULL);

	r = irb_rule(c);			/* counter drop for the rest of ip6 */
	b_meta16(r, IR_META_PROTOCOL, 0x86dd);
	irb_stmt(r, IR_STMT_COUNTER);
	irb_verdict(r, (q->p[12] & 32) ? IR_VERDICT_DROP : IR_VERDICT_CONTINUE,
		  NULL);
}

static struct ir_stmt *
b_payload_set(struct ir_rule *r, enum ir_payload_base base, uint16_t off,
	      const uint8_t *val, uint8_t len, enum ir_csum_type ct,
	      uint16_t csum_off, uint32_t csum_flags)
{
	struct ir_stmt *s = irb_stmt(r, IR_STMT_PAYLOAD_SET);

	s->payload.base = base;
	s->payload.offset = off;
	s->payload.len = len;
	s->payload.value.kind = IR_VALUE_IMM;
	s->payload.value.len = len;
	s->payload.value.data = irb_bytes(val, len);
	s->payload.csum_type = ct;
	s->payload.csum_offset = csum_off;
	s->payload.csum_flags = csum_flags;
	return s;
}

/* Payload mangling and marks: ttl with the IP checksum, ports and
 * addresses with the L4 checksum, MACs, mark set then matched. */
static void
t_mangle(struct ir_table *t, const struct fz_par *q)
{
	struct ir_chain *c = b_base(t, "b0", -10, false, "eth0");
	struct ir_chain *c1 = b_base(t, "b1", 0, q->p[13] & 1, "eth0");
	uint32_t mark = q->p[15] & 3;
	struct ir_stmt *s;
	struct ir_rule *r;
	uint8_t v[4];

	r = irb_rule(c);			/* ip ttl set X */
	b_meta16(r, IR_META_PROTOCOL, 0x0800);
	b_payload_set(r, IR_BASE_NETWORK, 8, &q->p[14], 1, IR_CSUM_INET, 10,
		      0);

	r = irb_rule(c);			/* tcp dport set X (L4 csum) */
	b_meta8(r, IR_META_L4PROTO, IR_CMP_EQ, 6);
	put16(v, q->sport);
	b_payload_set(r, IR_BASE_TRANSPORT, 2, v, 2, IR_CSUM_INET, 16, 0);

	r = irb_rule(c);			/* udp saddr set (pseudo header) */
	b_meta8(r, IR_META_L4PROTO, IR_CMP_EQ, 17);
	b_meta16(r, IR_META_PROTOCOL, 0x0800);
	b_payload_set(r, IR_BASE_NETWORK, 12, q->dst4, 4, IR_CSUM_INET, 10,
		      1);

	r = irb_rule(c);			/* ether saddr set (no csum) */
	b_payload_set(r, IR_BASE_LL, 6, q->src4, 4, IR_CSUM_NONE, 0, 0);

	r = irb_rule(c);			/* meta mark set X */
	b_pl16(r, IR_BASE_TRANSPORT, 2, IR_CMP_NEQ, q->dport);
	s = irb_stmt(r, IR_STMT_META_SET);
	s->meta.key = IR_META_MARK;
	s->meta.value.kind = IR_VALUE_IMM;
	s->meta.value.len = 4;
	s->meta.value.data = irb_bytes(&mark, 4);

	r = irb_rule(c);			/* meta mark set ip daddr map { } */
	{
		static const uint8_t f4[1] = { 4 };
		struct ir_set *mp = b_set(t, IR_SET_F_MAP, 1, f4);

		mp->data_len = 4;
		for (unsigned int i = 0; i < 3; i++) {
			uint8_t k[4];
			uint32_t d = 0x100 + i;

			memcpy(k, q->dst4, 4);
			k[3] = (uint8_t)(k[3] + i);
			irb_elem(mp, k, NULL)->data = irb_bytes(&d, 4);
		}
		b_set_done(mp);
		b_meta16(r, IR_META_PROTOCOL, 0x0800);
		s = irb_stmt(r, IR_STMT_META_SET);
		s->meta.key = IR_META_MARK;
		s->meta.value.kind = IR_VALUE_MAP;
		s->meta.value.len = 4;
		s->meta.value.map.set = mp;
		s->meta.value.map.nfields = 1;
		s->meta.value.map.fields = ir_memdup(B,
			&(struct ir_operand){ irb_payload(IR_BASE_NETWORK, 16, 4).field,
					      IR_BO_NET, NULL },
			sizeof(struct ir_operand));
	}

	r = irb_rule(c);			/* mark set mark ^ 1 (field value) */
	b_meta8(r, IR_META_L4PROTO, IR_CMP_EQ, 58);
	s = irb_stmt(r, IR_STMT_META_SET);
	s->meta.key = IR_META_MARK;
	s->meta.value.kind = IR_VALUE_FIELD;
	s->meta.value.len = 4;
	s->meta.value.field = irb_meta(IR_META_MARK);
	{
		uint32_t x = 1;

		s->meta.value.xor = irb_bytes(&x, 4);
	}

	r = irb_rule(c1);			/* meta mark X drop */
	irb_cmp(r, irb_meta(IR_META_MARK), IR_CMP_EQ, &mark, 4);
	irb_stmt(r, IR_STMT_COUNTER);
	irb_verdict(r, IR_VERDICT_DROP, NULL);

	r = irb_rule(c1);			/* ip ttl == X after the set */
	irb_cmp(r, irb_payload(IR_BASE_NETWORK, 8, 1), IR_CMP_EQ, &q->p[14], 1);
	irb_verdict(r, IR_VERDICT_ACCEPT, NULL);
}

/* Reject, dup, fwd, log: the statements cls hands to the interpreter. */
static void
t_reject(struct ir_table *t, const struct fz_par *q)
{
	struct ir_chain *c = b_base(t, "b0", 0, q->p[13] & 1, "eth0");
	struct ir_stmt *s;
	struct ir_rule *r;

	r = irb_rule(c);			/* tcp dport X reject with tcp rst */
	b_meta8(r, IR_META_L4PROTO, IR_CMP_EQ, 6);
	b_pl16(r, IR_BASE_TRANSPORT, 2, IR_CMP_EQ, q->dport);
	s = irb_stmt(r, IR_STMT_REJECT);
	s->reject.type = IR_REJECT_TCP_RST;

	r = irb_rule(c);			/* udp: reject icmpx / icmp X */
	b_meta8(r, IR_META_L4PROTO, IR_CMP_EQ, 17);
	b_pl16(r, IR_BASE_TRANSPORT, 0, IR_CMP_GTE, q->sport);
	s = irb_stmt(r, IR_STMT_REJECT);
	s->reject.type = (q->p[12] & 1) ? IR_REJECT_ICMPX_UNREACH :
					  IR_REJECT_ICMP_UNREACH;
	s->reject.code = q->p[15] % 4;

	r = irb_rule(c);			/* saddr A/n dup to eth2; log */
	b_meta16(r, IR_META_PROTOCOL, 0x0800);
	b_prefix(r, IR_BASE_NETWORK, 12, 4, q->src4,
		 prefix_bits(q->p[11], 32), IR_CMP_EQ);
	s = irb_stmt(r, IR_STMT_DUP);
	s->dev.dev = B->devices[DEV_ETH2];
	s->dev.dev_id = DEV_ETH2;
	s = irb_stmt(r, IR_STMT_LOG);
	s->log.prefix = "fz";
	s->log.present = IR_LOG_F_PREFIX;

	r = irb_rule(c);			/* ip6: reject (icmp6) */
	b_meta16(r, IR_META_PROTOCOL, 0x86dd);
	irb_cmp(r, irb_payload(IR_BASE_NETWORK, 7, 1), IR_CMP_LT, &q->p[14], 1);
	s = irb_stmt(r, IR_STMT_REJECT);
	s->reject.type = (q->p[12] & 2) ? IR_REJECT_TCP_RST :
					  IR_REJECT_ICMPX_UNREACH;
	s->reject.code = q->p[15] % 4;

	r = irb_rule(c);			/* 9 dups: one more than a result */
	irb_cmp(r, irb_payload(IR_BASE_LL, 0, 1), IR_CMP_EQ, &q->p[15], 1);
	for (unsigned int i = 0; i < 9; i++) {
		s = irb_stmt(r, IR_STMT_DUP);
		s->dev.dev = B->devices[i % N_PORTS];
		s->dev.dev_id = i % N_PORTS;
	}

	r = irb_rule(c);			/* fwd to eth3 */
	b_meta8(r, IR_META_PKTTYPE, IR_CMP_EQ, q->p[14] % 4);
	s = irb_stmt(r, IR_STMT_FWD);
	s->dev.dev = B->devices[DEV_ETH3];
	s->dev.dev_id = DEV_ETH3;
}

/* Everything at once: two tables on eth0 (the second of equal priority
 * runs first), one of them on eth1 too. */
static void
t_mixed(struct ir_table *t, const struct fz_par *q)
{
	struct ir_table *t2 = irb_table("t1");

	t_sets(t, q);
	t_jumps(t2, q);
}

/* Many similar rules in one base chain: segments big enough for rte_acl
 * contexts, prefixes and port ranges interleaved with IPv6 and VLAN. */
static void
t_bulk(struct ir_table *t, const struct fz_par *q)
{
	struct ir_chain *c = b_base(t, "b0", 0, q->p[13] & 1, "eth0");

	for (unsigned int i = 0; i < MAX_RULES - 2; i++) {
		struct ir_rule *r = irb_rule(c);
		uint16_t lo = (uint16_t)(q->dport + i * q->p[14]);
		uint8_t a4[4], a6[16];

		memcpy(a4, q->src4, 4);
		a4[2] = (uint8_t)(a4[2] + i * q->p[15]);
		memcpy(a6, q->src6, 16);
		a6[14] = (uint8_t)(a6[14] + i);
		switch ((i + q->p[12]) % 4) {
		case 0:
			b_meta16(r, IR_META_PROTOCOL, 0x0800);
			b_prefix(r, IR_BASE_NETWORK, 12, 4, a4,
				 16 + (i + q->p[11]) % 17, IR_CMP_EQ);
			break;
		case 1:
			b_meta16(r, IR_META_PROTOCOL, 0x86dd);
			b_prefix(r, IR_BASE_NETWORK, 8, 16, a6,
				 64 + (i * 7 + q->p[11]) % 65, IR_CMP_EQ);
			break;
		case 2:
			b_pl16(r, IR_BASE_LL, 12, IR_CMP_EQ, 0x8100);
			b_pl16(r, IR_BASE_LL, 14, IR_CMP_EQ,
			       (uint16_t)(q->vid + i));
			break;
		default:
			b_meta16(r, IR_META_PROTOCOL, 0x0800);
			b_prefix(r, IR_BASE_NETWORK, 16, 4, q->dst4,
				 (i + q->p[11]) % 33, IR_CMP_EQ);
			break;
		}
		if (i % 3 != 2) {
			b_meta8(r, IR_META_L4PROTO, IR_CMP_EQ,
				(i & 1) ? 17 : 6);
			b_range16(r, irb_payload(IR_BASE_TRANSPORT, 2, 2), lo,
				  (uint16_t)(lo + q->p[14]), false);
		}
		if (i % 5 == 4)
			irb_stmt(r, IR_STMT_COUNTER);
		irb_verdict(r, (i + q->p[13] / 2) % 3 ? IR_VERDICT_DROP :
						     IR_VERDICT_ACCEPT, NULL);
	}
}

typedef void (*template_fn)(struct ir_table *t, const struct fz_par *q);

static const template_fn templates[] = {
	t_vlan, t_prefix, t_ports, t_sets, t_concat, t_jumps, t_state,
	t_mangle, t_reject, t_mixed, t_bulk,
};
#define N_TEMPLATES RTE_DIM(templates)

/* ---- running both ---------------------------------------------------------------- */

static struct rte_mempool *pool;
static unsigned int pool_avail0;
static uint64_t fake_now;

static uint64_t
fake_clock(void *arg)
{
	(void)arg;
	return fake_now;
}

static struct fp_ruleset *
build_fp(const struct ir_ruleset *ir)
{
	char err[256] = "";
	struct fp_ruleset_opts o = {
		.port_names = port_names, .n_ports = N_PORTS, .peers = peers,
		.n_lcores = 2, .clock = fake_clock,
		.err = err, .err_len = sizeof(err),
	};
	struct fp_ruleset *rs = NULL;

	if (fp_ruleset_build(ir, &o, &rs) != 0) {
		/* every template is a valid ruleset: the builder is wrong */
		fprintf(stderr, "fuzz_classify: fp_ruleset_build: %s\n", err);
		abort();
	}
	return rs;
}

struct fz_frame {
	uint8_t b[FRAME_MAX];
	uint32_t len;
	uint32_t seg[16];	/* segment lengths; the last takes the rest */
	unsigned int nseg;
};

/* Poison what is not data in each segment (ASan) or undo it. */
static void
mbuf_poison(struct rte_mbuf *m, bool on)
{
	for (; m != NULL; m = m->next) {
		uint8_t *buf = m->buf_addr;
		uint32_t tail = (uint32_t)m->data_off + m->data_len;

		if (on) {
			FZ_POISON(buf, m->data_off);
			FZ_POISON(buf + tail, m->buf_len - tail);
		} else {
			FZ_UNPOISON(buf, m->buf_len);
		}
	}
}

static struct rte_mbuf *
mk_mbuf(const struct fz_frame *f)
{
	struct rte_mbuf *head = NULL, *last = NULL;
	uint32_t done = 0;
	unsigned int i = 0;

	do {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		uint32_t n = f->len - done;
		char *p;

		if (m == NULL)
			fz_fail("out of mbufs", 0);
		if (i + 1 < f->nseg && f->seg[i] < n)
			n = f->seg[i];
		p = rte_pktmbuf_append(m, (uint16_t)n);
		if (p == NULL)
			fz_fail("append", 0);
		if (n > 0)
			memcpy(p, f->b + done, n);
		if (head == NULL) {
			head = m;
		} else {
			last->next = m;
			head->nb_segs++;
			head->pkt_len += n;
		}
		last = m;
		done += n;
		i++;
	} while (i < f->nseg);
	return head;
}

static bool
mbuf_same(const struct rte_mbuf *a, const struct rte_mbuf *b)
{
	uint8_t x[FRAME_MAX + 128], y[FRAME_MAX + 128];
	uint32_t la = rte_pktmbuf_pkt_len(a), lb = rte_pktmbuf_pkt_len(b);
	const void *pa, *pb;

	if (la != lb)
		return false;
	if (la == 0)
		return true;
	if (la > sizeof(x))
		fz_fail("frame grew", 0);
	pa = rte_pktmbuf_read(a, 0, la, x);
	pb = rte_pktmbuf_read(b, 0, lb, y);
	return pa != NULL && pb != NULL && memcmp(pa, pb, la) == 0;
}

static bool
same_view(const struct pkt_view *a, const struct pkt_view *b)
{
	return a->seg_len == b->seg_len && a->frame_len == b->frame_len &&
		a->len == b->len && a->nh_off == b->nh_off &&
		a->thoff == b->thoff && a->fragoff == b->fragoff &&
		a->protocol == b->protocol && a->l4proto == b->l4proto &&
		a->pkttype == b->pkttype && a->flags == b->flags;
}

static bool
same_result(const struct interp_result *a, const struct interp_result *b)
{
	if (a->disp != b->disp || a->reason != b->reason ||
	    a->out_port != b->out_port || a->mark != b->mark ||
	    a->hook_idx != b->hook_idx || a->chain != b->chain ||
	    a->rule_idx != b->rule_idx || a->n_extra != b->n_extra)
		return false;
	for (unsigned int e = 0; e < a->n_extra; e++)
		if (a->extra[e].port != b->extra[e].port ||
		    !mbuf_same(a->extra[e].m, b->extra[e].m))
			return false;
	return true;
}

static void
print_result(const char *who, const struct interp_result *r)
{
	fprintf(stderr, "  %s: %s reason %d out %u mark %#x hook %d chain %s "
		"rule %u extra %u\n", who, interp_disp_name(r->disp), r->reason,
		r->out_port, r->mark, r->hook_idx,
		r->chain != NULL ? r->chain->name : "-", r->rule_idx,
		r->n_extra);
}

#define BURST_MAX (2 * CLS_BURST_MAX)

/* FUZZ_CLASSIFY_STATS=1: per input, what the packets met (seed tuning). */
static bool show_stats;
static unsigned long st_pkts, st_disp[4], st_rule, st_extra, st_bursts;

static void
run_burst(struct fp_ruleset *ra, const struct cls *c, uint16_t port,
	  unsigned int lcore, struct fz_frame *fr, unsigned int n)
{
	static struct interp_result resa[BURST_MAX], resb[BURST_MAX];
	struct rte_mbuf *ma[BURST_MAX] = { 0 }, *mb[BURST_MAX] = { 0 };
	struct pkt_view va[BURST_MAX], vb[BURST_MAX];

	for (unsigned int i = 0; i < n; i++) {
		ma[i] = mk_mbuf(&fr[i]);
		mb[i] = mk_mbuf(&fr[i]);
		mbuf_poison(ma[i], true);
		mbuf_poison(mb[i], true);
	}
	for (unsigned int i = 0; i < n; i++) {
		pkt_view_parse(ma[i], &port_mac, &va[i]);
		interp_run(ra, lcore, port, ma[i], &va[i], &resa[i]);
	}
	pkt_view_parse_burst(mb, (uint16_t)n, &port_mac, vb);
	for (unsigned int i = 0; i < n; i++)
		if (!same_view(&va[i], &vb[i]))
			fz_fail("pkt_view_parse_burst differs from "
				"pkt_view_parse", i);
	cls_run_burst(c, lcore, port, mb, vb, (uint16_t)n, resb);
	st_bursts++;
	for (unsigned int i = 0; i < n; i++) {
		mbuf_poison(ma[i], false);
		mbuf_poison(mb[i], false);
		if (!same_result(&resa[i], &resb[i]) ||
		    !mbuf_same(ma[i], mb[i])) {
			fprintf(stderr, "  port %u burst %u len %u\n", port, n,
				fr[i].len);
			print_result("interp", &resa[i]);
			print_result("cls   ", &resb[i]);
			fz_fail("cls and interp differ", i);
		}
		st_pkts++;
		st_disp[resa[i].disp & 3]++;
		st_rule += resa[i].reason == INTERP_R_RULE;
		st_extra += resa[i].n_extra;
		for (unsigned int e = 0; e < resa[i].n_extra; e++)
			rte_pktmbuf_free(resa[i].extra[e].m);
		for (unsigned int e = 0; e < resb[i].n_extra; e++)
			rte_pktmbuf_free(resb[i].extra[e].m);
		rte_pktmbuf_free(ma[i]);
		rte_pktmbuf_free(mb[i]);
	}
}

static void
compare_state(const struct fp_ruleset *ra, const struct fp_ruleset *rb)
{
	if (ra->counters.n_slots != rb->counters.n_slots ||
	    ra->n_quotas != rb->n_quotas || ra->n_limits != rb->n_limits)
		fz_fail("state shapes differ", 0);
	for (uint32_t s = 0; s < ra->counters.n_slots; s++) {
		struct fp_counter x, y;

		fp_counters_read(&ra->counters, s, &x);
		fp_counters_read(&rb->counters, s, &y);
		if (x.packets != y.packets || x.bytes != y.bytes)
			fz_fail("counters differ", s);
	}
	for (uint32_t i = 0; i < ra->n_quotas; i++)
		if (fp_quota_consumed(&ra->quotas[i]) !=
		    fp_quota_consumed(&rb->quotas[i]))
			fz_fail("quotas differ", i);
	for (uint32_t i = 0; i < ra->n_limits; i++)
		if (ra->limits[i].tokens != rb->limits[i].tokens ||
		    ra->limits[i].last != rb->limits[i].last)
			fz_fail("limits differ", i);
}

/* One record: a frame into f (true), or a control record (false, its
 * byte in *ctl). */
static bool
read_frame(struct fz_in *in, const struct fz_par *q, struct fz_frame *f,
	   uint8_t *ctl)
{
	uint8_t k = take(in), kind = k & 7, split;
	uint32_t len;

	if (kind == 7) {
		*ctl = take(in);
		return false;
	}
	len = take(in) + ((k & 0x80) ? 256u : 0u);
	split = take(in);
	memset(f->b, 0, sizeof(f->b));
	if (kind == 0) {
		if (len > in->n)
			len = (uint32_t)in->n;
		memcpy(f->b, in->p, len);
		in->p += len;
		in->n -= len;
	} else {
		uint32_t tl = frame_template(kind, q, f->b);
		uint8_t off = take(in), n = take(in) & 15;

		if (len == 0)
			len = tl;
		for (unsigned int i = 0; i < n; i++) {
			uint8_t b = take(in);

			if ((uint32_t)off + i < sizeof(f->b))
				f->b[off + i] = b;
		}
	}
	f->len = len;
	/* segments: one, two, three, or many of 1..8 bytes */
	switch ((k >> 3) & 3) {
	case 0:
		f->nseg = 1;
		break;
	case 1:
		f->nseg = 2;
		f->seg[0] = len ? split % (len + 1) : 0;
		break;
	case 2:
		f->nseg = 3;
		f->seg[0] = split & 15;
		f->seg[1] = (uint32_t)(split >> 4) * 3;
		break;
	default:
		f->nseg = 16;
		for (unsigned int i = 0; i < 15; i++)
			f->seg[i] = 1 + (split + i) % 8;
		break;
	}
	return true;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char prefix[64];
	char *eal_argv[] = {
		(*argv)[0], "--no-huge", "-m", "256", "--no-pci", "-l", "0",
		"--file-prefix", prefix, "--no-telemetry",
		"--log-level", "*:error", NULL,
	};
	int eal_argc = (int)RTE_DIM(eal_argv) - 1;

	(void)argc;
	snprintf(prefix, sizeof(prefix), "fzcls_%d", (int)getpid());
	if (rte_eal_init(eal_argc, eal_argv) < 0) {
		fprintf(stderr, "fuzz_classify: EAL init failed\n");
		exit(1);
	}
	/* the interpreter's `log` lines would flood the fuzzer's output */
	rte_log_set_global_level(RTE_LOG_CRIT);
	pool = rte_pktmbuf_pool_create("fz_pool", 8191, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	if (pool == NULL) {
		fprintf(stderr, "fuzz_classify: no mempool\n");
		exit(1);
	}
	pool_avail0 = rte_mempool_avail_count(pool);
	show_stats = getenv("FUZZ_CLASSIFY_STATS") != NULL;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz_frame fr[BURST_MAX];
	struct fz_in in = { data, size };
	struct fp_ruleset *ra, *rb;
	struct cls_opts copts = { 0 };
	struct cls *c = NULL;
	struct ir_table *t;
	struct fz_par q;
	char err[256] = "";
	unsigned int tmpl, lcore, n = 0;
	uint8_t run;
	uint16_t port;

	if (pool == NULL)
		abort();
	tmpl = take(&in) % N_TEMPLATES;
	for (unsigned int i = 0; i < 16; i++)
		q.p[i] = take(&in);
	par_make(&q);
	run = take(&in);
	port = run & 3;
	lcore = (run >> 2) & 1;
	switch ((run >> 3) & 3) {
	case 1:		/* sets checked at run time, few ACL rules */
		copts.max_set_boxes = 2;
		copts.max_acl_rules = 4;
		break;
	case 2:
		copts.max_acl_rules = 1;
		break;
	case 3:
		copts.interp_only = (run & 0x80) != 0;
		break;
	default:
		break;
	}
	/* rte_acl builds under an address-space limit (cls_acl.c); ASan's
	 * shadow mappings make that limit meaningless here */
	copts.build_mem_mb = UINT32_MAX;
	copts.no_cache = (run & 0x20) != 0;
	copts.err = err;
	copts.err_len = sizeof(err);

	b_new();
	t = irb_table("t0");
	templates[tmpl](t, &q);
	ra = build_fp(B);
	rb = build_fp(B);
	if (cls_build(rb, &copts, &c) != 0) {
		fprintf(stderr, "fuzz_classify: cls_build: %s\n", err);
		abort();
	}
	fake_now = 1000000000000ull;

	while (in.n > 0) {
		uint8_t ctl = 0;

		if (read_frame(&in, &q, &fr[n], &ctl)) {
			if (++n == BURST_MAX) {
				run_burst(ra, c, port, lcore, fr, n);
				n = 0;
			}
			continue;
		}
		if (n > 0) {
			run_burst(ra, c, port, lcore, fr, n);
			n = 0;
		}
		port = ctl & 3;
		lcore = (ctl >> 2) & 1;
		fake_now += (uint64_t)(ctl >> 3) * 50000000ull;
	}
	if (n > 0)
		run_burst(ra, c, port, lcore, fr, n);
	compare_state(ra, rb);
	if (show_stats) {
		struct cls_stats cs;

		cls_get_stats(c, &cs);
		printf("template %u: %lu packets in %lu bursts: accept %lu "
		       "drop %lu fwd %lu, %lu by a rule, %lu extra; cls: %u "
		       "entries %u acl rules %u handoff %u checked\n", tmpl,
		       st_pkts, st_bursts, st_disp[INTERP_ACCEPT],
		       st_disp[INTERP_DROP], st_disp[INTERP_FWD], st_rule,
		       st_extra, cs.n_entries, cs.n_acl_rules, cs.n_handoff,
		       cs.n_checked);
		if (getenv("FUZZ_CLASSIFY_DUMP") != NULL)
			cls_dump(stdout, c);
		st_pkts = st_rule = st_extra = st_bursts = 0;
		memset(st_disp, 0, sizeof(st_disp));
	}
	cls_free(c);
	fp_ruleset_free(ra);
	fp_ruleset_free(rb);
	ir_ruleset_free(B);
	B = NULL;
	if (rte_mempool_avail_count(pool) != pool_avail0)
		fz_fail("mbufs leaked", rte_mempool_avail_count(pool));
	return 0;
}
