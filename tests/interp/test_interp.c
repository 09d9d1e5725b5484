/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_interp - the reference interpreter against hand-derived kernel
 * behaviour: IRs built by hand (as the nft reader would produce them for the
 * rule in each comment), frames crafted byte by byte, expected verdicts,
 * outputs, marks, counters, limits (fake clock), quotas and reply frames.
 *
 * The expected frames (RST, ICMP, mangled packets) are built here with this
 * file's own checksum code, independent of fastpath/fp_act.c.
 *
 * Runs with: --no-huge -m 256 --no-pci -l 0 --file-prefix interp_<pid>
 * Prints `interp: N checks passed, M failed`; exits 1 on any failure.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "control/ir/ir.h"
#include "control/ir/ir_build.h"
#include "control/nft/nftr.h"
#include "fastpath/fp_act.h"
#include "fastpath/fp_ruleset.h"
#include "fastpath/interp.h"
#include "fastpath/pkt_view.h"
#include "tests/lib/irb.h"
#include "tests/lib/tcheck.h"

/* ---- fake clock ----------------------------------------------------------- */

static uint64_t fake_now = 1000000000000ull;

static uint64_t
fake_clock(void *arg)
{
	(void)arg;
	return fake_now;
}

/* ---- IR builder (tests/lib/irb) -------------------------------------------- */

enum { DEV_ETH0, DEV_ETH1, DEV_ETH2, DEV_ETH3, DEV_GHOST, N_DEVS };
static const char *const dev_names[N_DEVS] = {
	"eth0", "eth1", "eth2", "eth3", "ghost",
};

/* the ruleset being built, or the one a test loaded from nft text */
static struct ir_ruleset *B;

static void
b_new(void)
{
	B = irb_new(dev_names, N_DEVS, NULL);
}

/* tcp/udp dport == p */
static void
b_dport(struct ir_rule *r, uint8_t l4, uint16_t p)
{
	uint8_t v[2] = { (uint8_t)(p >> 8), (uint8_t)p };

	irb_l4(r, l4);
	irb_cmp(r, irb_payload(IR_BASE_TRANSPORT, 2, 2), IR_CMP_EQ, v, 2);
}

static void
b_payload_set(struct ir_rule *r, enum ir_payload_base base, uint16_t off,
	      uint8_t len, const void *val, enum ir_csum_type ct,
	      uint16_t csum_off, uint32_t flags)
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
	s->payload.csum_flags = flags;
}

static void
b_dev(struct ir_rule *r, enum ir_stmt_kind k, unsigned int dev)
{
	struct ir_stmt *s = irb_stmt(r, k);

	s->dev.dev = B->devices[dev];
	s->dev.dev_id = dev;
}

static void
b_reject(struct ir_rule *r, enum ir_reject_type type, uint8_t code)
{
	struct ir_stmt *s = irb_stmt(r, IR_STMT_REJECT);

	s->reject.type = type;
	s->reject.code = code;
}

/* ---- frames ---------------------------------------------------------------- */

/* RFC 1071, written independently of fp_act.c */
static uint32_t
t_sum(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i < n; i++)
		s += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
	return s;
}

static uint16_t
t_csum(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

struct frame {
	uint8_t b[1600];
	uint32_t len;
};

static const uint8_t MAC_A[6] = { 0x02, 0, 0, 0, 0, 0xaa };	/* sender */
static const uint8_t MAC_P[6] = { 0x02, 0, 0, 0, 0, 0x10 };	/* the ports */
static const uint8_t MAC_BC[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

struct pkt {
	const uint8_t *dst, *src;	/* MACs; NULL: MAC_P / MAC_A */
	int vlan;			/* -1: untagged */
	uint32_t saddr, daddr;		/* IPv4 */
	bool v6;
	uint8_t s6[16], d6[16];
	uint8_t proto;
	uint8_t ttl;			/* 0: 64 */
	uint16_t id, frag;		/* IPv4 id, frag_off field */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t tcp_flags;
	uint16_t window;
	uint8_t icmp_type, icmp_code;
	uint32_t payload;		/* payload bytes (0x5a) */
	bool udp_nocsum;
	uint32_t pad;			/* trailing bytes after the IP packet */
};

/* L4 header + payload at p; returns its length. */
static uint32_t
mk_l4(const struct pkt *k, uint8_t *p)
{
	uint32_t n;

	switch (k->proto) {
	case 6:
		put16(p, k->sport);
		put16(p + 2, k->dport);
		put32(p + 4, k->seq);
		put32(p + 8, k->ack);
		p[12] = 5 << 4;
		p[13] = k->tcp_flags;
		put16(p + 14, k->window);
		n = 20;
		break;
	case 17:
		put16(p, k->sport);
		put16(p + 2, k->dport);
		put16(p + 4, (uint16_t)(8 + k->payload));
		n = 8;
		break;
	case 1:
	case 58:
		p[0] = k->icmp_type;
		p[1] = k->icmp_code;
		n = 8;
		break;
	default:
		n = 0;
	}
	memset(p + n, 0x5a, k->payload);
	return n + k->payload;
}

static void
l4_csum(const struct pkt *k, uint8_t *l4, uint32_t l4len, uint32_t pseudo)
{
	uint32_t s;

	switch (k->proto) {
	case 6:
		s = t_sum(l4, l4len, pseudo);
		put16(l4 + 16, t_csum(s));
		break;
	case 17:
		if (k->udp_nocsum)
			break;
		s = t_sum(l4, l4len, pseudo);
		put16(l4 + 6, t_csum(s) ? t_csum(s) : 0xffff);
		break;
	case 1:
		put16(l4 + 2, t_csum(t_sum(l4, l4len, 0)));
		break;
	case 58:
		put16(l4 + 2, t_csum(t_sum(l4, l4len, pseudo)));
		break;
	}
}

static void
mk(struct frame *f, const struct pkt *k)
{
	uint8_t *p = f->b;
	uint32_t l4len, pseudo;

	memset(f, 0, sizeof(*f));
	memcpy(p, k->dst ? k->dst : MAC_P, 6);
	memcpy(p + 6, k->src ? k->src : MAC_A, 6);
	p += 12;
	if (k->vlan >= 0) {
		put16(p, 0x8100);
		put16(p + 2, (uint16_t)k->vlan);
		p += 4;
	}
	put16(p, k->v6 ? 0x86dd : 0x0800);
	p += 2;
	if (!k->v6) {
		uint8_t *ip = p, *l4 = p + 20;

		l4len = mk_l4(k, l4);
		ip[0] = 0x45;
		put16(ip + 2, (uint16_t)(20 + l4len));
		put16(ip + 4, k->id);
		put16(ip + 6, k->frag);
		ip[8] = k->ttl ? k->ttl : 64;
		ip[9] = k->proto;
		put32(ip + 12, k->saddr);
		put32(ip + 16, k->daddr);
		put16(ip + 10, t_csum(t_sum(ip, 20, 0)));
		pseudo = t_sum(ip + 12, 8, 0) + k->proto + l4len;
		l4_csum(k, l4, l4len, pseudo);
		p = l4 + l4len;
	} else {
		uint8_t *ip = p, *l4 = p + 40;

		l4len = mk_l4(k, l4);
		ip[0] = 0x60;
		put16(ip + 4, (uint16_t)l4len);
		ip[6] = k->proto;
		ip[7] = k->ttl ? k->ttl : 64;
		memcpy(ip + 8, k->s6, 16);
		memcpy(ip + 24, k->d6, 16);
		pseudo = t_sum(ip + 8, 32, 0) + k->proto + l4len;
		l4_csum(k, l4, l4len, pseudo);
		p = l4 + l4len;
	}
	memset(p, 0, k->pad);
	p += k->pad;
	f->len = (uint32_t)(p - f->b);
}

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))

static struct pkt
tcp4(uint16_t sport, uint16_t dport)
{
	return (struct pkt){ .vlan = -1, .saddr = IP4(10, 0, 0, 1),
			     .daddr = IP4(10, 0, 0, 2), .proto = 6,
			     .sport = sport, .dport = dport, .seq = 1,
			     .tcp_flags = 0x02, .window = 512 };
}

static struct pkt
udp4(uint16_t sport, uint16_t dport)
{
	return (struct pkt){ .vlan = -1, .saddr = IP4(10, 0, 0, 1),
			     .daddr = IP4(10, 0, 0, 2), .proto = 17,
			     .sport = sport, .dport = dport, .payload = 4 };
}

/* ---- running --------------------------------------------------------------- */

static struct rte_mempool *pool;

struct outcome {
	struct interp_result res;
	struct rte_mbuf *m;
};

static struct rte_mbuf *
to_mbuf(const struct frame *f)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	char *p;

	if (m == NULL)
		abort();
	p = rte_pktmbuf_append(m, (uint16_t)f->len);
	memcpy(p, f->b, f->len);
	return m;
}

static void
run_on(const struct fp_ruleset *rs, unsigned int lcore, uint16_t port,
       const struct frame *f, struct outcome *o)
{
	static const struct rte_ether_addr mac = {
		.addr_bytes = { 0x02, 0, 0, 0, 0, 0x10 } };
	struct pkt_view v;

	o->m = to_mbuf(f);
	pkt_view_parse(o->m, &mac, &v);
	interp_run(rs, lcore, port, o->m, &v, &o->res);
}

static void
run(const struct fp_ruleset *rs, uint16_t port, const struct frame *f,
    struct outcome *o)
{
	run_on(rs, 0, port, f, o);
}

static void
done(struct outcome *o)
{
	for (unsigned int i = 0; i < o->res.n_extra; i++)
		rte_pktmbuf_free(o->res.extra[i].m);
	rte_pktmbuf_free(o->m);
	o->m = NULL;
}

/* Run and free; the result stays in o->res. */
static enum interp_disp
verdict(const struct fp_ruleset *rs, uint16_t port, const struct pkt *k,
	struct outcome *o)
{
	struct frame f;

	mk(&f, k);
	run(rs, port, &f, o);
	done(o);
	return o->res.disp;
}

static const char *const port_names[] = { "eth0", "eth1", "eth2", "eth3" };
static const uint16_t peers[] = { 1, 0, 3, 2 };
static char build_err[256];

static struct fp_ruleset *
build_n(unsigned int n_lcores)
{
	struct fp_ruleset_opts o = {
		.port_names = port_names, .n_ports = 4, .peers = peers,
		.n_lcores = n_lcores, .clock = fake_clock,
		.err = build_err, .err_len = sizeof(build_err),
	};
	struct fp_ruleset *rs = NULL;
	int rc = fp_ruleset_build(B, &o, &rs);

	if (!CHECK(rc == 0, "build: %d %s", rc, build_err))
		return NULL;
	return rs;
}

static struct fp_ruleset *
build(void)
{
	return build_n(2);
}

static void
finish(struct fp_ruleset *rs)
{
	fp_ruleset_free(rs);
	ir_ruleset_free(B);
	B = NULL;
}

static struct fp_counter
rule_cnt(const struct fp_ruleset *rs, const char *t, const char *c,
	 const struct ir_rule *r)
{
	struct fp_counter k = { UINT64_MAX, UINT64_MAX };

	fp_ruleset_rule_counter(rs, t, c, r->handle, 0, &k);
	return k;
}

static bool
bytes_eq(const uint8_t *a, const uint8_t *b, uint32_t n, const char *what)
{
	for (uint32_t i = 0; i < n; i++)
		if (a[i] != b[i]) {
			fprintf(stderr, "  %s differs at byte %u: %02x != %02x\n",
				what, i, a[i], b[i]);
			return false;
		}
	return true;
}

static bool
mbuf_eq(const struct rte_mbuf *m, const struct frame *f, const char *what)
{
	uint8_t buf[1600];

	if (rte_pktmbuf_pkt_len(m) != f->len) {
		fprintf(stderr, "  %s: length %u != %u\n", what,
			rte_pktmbuf_pkt_len(m), f->len);
		return false;
	}
	return bytes_eq(rte_pktmbuf_read(m, 0, f->len, buf), f->b, f->len, what);
}

/* ---- tests ------------------------------------------------------------------ */

static void
test_no_chain_and_policy(void)
{
	struct ir_table *t;
	struct ir_chain *c;
	struct ir_rule *r;
	struct fp_ruleset *rs;
	struct outcome o;
	struct pkt k;

	/* table netdev t { chain c { type filter hook ingress device eth0
	 *   priority 0; policy drop; tcp dport 22 accept } } */
	b_new();
	t = irb_table("t");
	c = irb_base(t, "c", 0, IR_POLICY_DROP, "eth0", 0);
	r = irb_rule(c);
	b_dport(r, 6, 22);
	irb_verdict(r, IR_VERDICT_ACCEPT, NULL);
	rs = build();
	if (rs == NULL)
		return;
	k = tcp4(1000, 22);
	CHECK(verdict(rs, 0, &k, &o) == INTERP_ACCEPT, "22 accepted");
	CHECK(o.res.out_port == 1 && o.res.reason == INTERP_R_RULE,
	      "out %u reason %d", o.res.out_port, o.res.reason);
	k = tcp4(1000, 80);
	CHECK(verdict(rs, 0, &k, &o) == INTERP_DROP, "80 dropped by policy");
	CHECK(o.res.reason == INTERP_R_POLICY && o.res.rule_idx == 1,
	      "reason %d rule %u", o.res.reason, o.res.rule_idx);
	/* udp to 22: l4proto dependency fails */
	k = udp4(1000, 22);
	CHECK(verdict(rs, 0, &k, &o) == INTERP_DROP, "udp 22 dropped");
	/* eth1 has no base chain: accept to its peer */
	k = tcp4(1000, 80);
	CHECK(verdict(rs, 1, &k, &o) == INTERP_ACCEPT &&
	      o.res.reason == INTERP_R_NO_CHAIN && o.res.out_port == 0,
	      "eth1 no chain: disp %d out %u", o.res.disp, o.res.out_port);
	/* a frame the hook never sees */
	{
		struct frame f = { .len = 10 };

		run(rs, 0, &f, &o);
		CHECK(o.res.disp == INTERP_DROP &&
		      o.res.reason == INTERP_R_NOT_SEEN, "runt frame");
		done(&o);
	}
	finish(rs);
}

static void
test_base_chain_order(void)
{
	struct ir_table *t, *g;
	struct ir_chain *late, *early, *a, *b, *c;
	struct ir_rule *r_late_drop, *r_late_cnt, *r_early, *ra, *rb, *rc;
	struct fp_ruleset *rs;
	struct outcome o;
	struct pkt k;

	/* late prio 10: tcp dport 22 counter drop; counter
	 * early prio -10: counter accept (accept ends only this chain) */
	b_new();
	t = irb_table("t");
	late = irb_base(t, "late", 10, IR_POLICY_ACCEPT, "eth0", 0);
	r_late_drop = irb_rule(late);
	b_dport(r_late_drop, 6, 22);
	irb_stmt(r_late_drop, IR_STMT_COUNTER);
	irb_verdict(r_late_drop, IR_VERDICT_DROP, NULL);
	r_late_cnt = irb_rule(late);
	irb_stmt(r_late_cnt, IR_STMT_COUNTER);
	early = irb_base(t, "early", -10, IR_POLICY_ACCEPT, "eth0", 0);
	r_early = irb_rule(early);
	irb_stmt(r_early, IR_STMT_COUNTER);
	irb_verdict(r_early, IR_VERDICT_ACCEPT, NULL);
	rs = build();
	if (rs == NULL)
		return;
	CHECK(fp_ruleset_hook_index(rs, 0, "t", "early") == 0 &&
	      fp_ruleset_hook_index(rs, 0, "t", "late") == 1 &&
	      fp_ruleset_hook_index(rs, 1, "t", "late") == -ENOENT,
	      "hook order");
	k = tcp4(1, 22);
	CHECK(verdict(rs, 0, &k, &o) == INTERP_DROP, "22 dropped in late chain");
	k = tcp4(1, 80);
	CHECK(verdict(rs, 0, &k, &o) == INTERP_ACCEPT, "80 accepted");
	CHECK(rule_cnt(rs, "t", "early", r_early).packets == 2, "early 2");
	CHECK(rule_cnt(rs, "t", "late", r_late_drop).packets == 1, "late drop 1");
	CHECK(rule_cnt(rs, "t", "late", r_late_cnt).packets == 1, "late cnt 1");
	/* counter bytes: skb->len from the network header = 40 */
	CHECK(rule_cnt(rs, "t", "early", r_early).bytes == 80, "bytes %" PRIu64,
	      rule_cnt(rs, "t", "early", r_early).bytes);
	finish(rs);

	/* equal priority: the chain registered last runs first (g/c, f/b,
	 * f/a): tests/oracle/test_oracle.py measured it */
	b_new();
	t = irb_table("f");
	a = irb_base(t, "a", 0, IR_POLICY_ACCEPT, "eth0", 0);
	ra = irb_rule(a);
	irb_stmt(ra, IR_STMT_COUNTER);
	irb_verdict(ra, IR_VERDICT_DROP, NULL);
	b = irb_base(t, "b", 0, IR_POLICY_ACCEPT, "eth0", 0);
	rb = irb_rule(b);
	irb_stmt(rb, IR_STMT_COUNTER);
	irb_verdict(rb, IR_VERDICT_ACCEPT, NULL);
	g = irb_table("g");
	c = irb_base(g, "c", 0, IR_POLICY_ACCEPT, "eth0", 0);
	rc = irb_rule(c);
	irb_stmt(rc, IR_STMT_COUNTER);
	irb_verdict(rc, IR_VERDICT_ACCEPT, NULL);
	rs = build();
	if (rs == NULL)
		return;
	k = tcp4(1, 80);
	CHECK(verdict(rs, 0, &k, &o) == INTERP_DROP, "dropped by f/a, last");
	CHECK(rule_cnt(rs, "f", "a", ra).packets == 1 &&
	      rule_cnt(rs, "f", "b", rb).packets == 1 &&
	      rule_cnt(rs, "g", "c", rc).packets == 1, "all three ran");
	CHECK(fp_ruleset_hook_index(rs, 0, "g", "c") == 0 &&
	      fp_ruleset_hook_index(rs, 0, "f", "b") == 1 &&
	      fp_ruleset_hook_index(rs, 0, "f", "a") == 2, "equal prio order");
	finish(rs);
	/* swapped: f/b drops, so f/a never runs */
	b_new();
	t = irb_table("f");
	a = irb_base(t, "a", 0, IR_POLICY_ACCEPT, "eth0", 0);
	ra = irb_rule(a);
	irb_stmt(ra, IR_STMT_COUNTER);
	irb_verdict(ra, IR_VERDICT_ACCEPT, NULL);
	b = irb_base(t, "b", 0, IR_POLICY_ACCEPT, "eth0", 0);
	rb = irb_rule(b);
	irb_stmt(rb, IR_STMT_COUNTER);
	irb_verdict(rb, IR_VERDICT_DROP, NULL);
	rs = build();
	if (rs == NULL)
		return;
	CHECK(verdict(rs, 0, &k, &o) == INTERP_DROP, "f/b drops");
	CHECK(rule_cnt(rs, "f", "a", ra).packets == 0 &&
	      rule_cnt(rs, "f", "b", rb).packets == 1, "f/a never ran");
	finish(rs);
}

static void
test_jump_goto_return(void)
{
	struct ir_table *t;
	struct ir_chain *base, *x, *y, *z;
	struct ir_rule *r, *r_after, *r_y2;
	struct fp_ruleset *rs;
	struct outcome o;
	struct pkt k;
	uint32_t one = 1;

	/*
	 * base (policy drop):
	 *   jump x                      # x: mark set 1; tcp dport 22 return;
	 *                               #    tcp dport 23 drop   (falls off)
	 *   meta mark 1 tcp dport 80 goto y
	 *   meta mark 1 counter accept  # r_after
	 * y: tcp dport 80 jump z; counter (r_y2)   # z: nothing -> returns
	 * y then ends: goto did not push, so the policy of base applies
	 */
	b_new();
	t = irb_table("t");
	base = irb_base(t, "base", 0, IR_POLICY_DROP, "eth0", 0);
	x = irb_chain(t, "x");
	y = irb_chain(t, "y");
	z = irb_chain(t, "z");
	r = irb_rule(base);
	irb_verdict(r, IR_VERDICT_JUMP, x);
	r = irb_rule(base);
	irb_cmp(r, irb_meta(IR_META_MARK), IR_CMP_EQ, &one, 4);
	b_dport(r, 6, 80);
	irb_verdict(r, IR_VERDICT_GOTO, y);
	r_after = irb_rule(base);
	irb_cmp(r_after, irb_meta(IR_META_MARK), IR_CMP_EQ, &one, 4);
	irb_stmt(r_after, IR_STMT_COUNTER);
	irb_verdict(r_after, IR_VERDICT_ACCEPT, NULL);
	r = irb_rule(x);
	irb_mark_set(r, 1);
	r = irb_rule(x);
	b_dport(r, 6, 22);
	irb_verdict(r, IR_VERDICT_RETURN, NULL);
	r = irb_rule(x);
	b_dport(r, 6, 23);
	irb_verdict(r, IR_VERDICT_DROP, NULL);
	r = irb_rule(y);
	b_dport(r, 6, 80);
	irb_verdict(r, IR_VERDICT_JUMP, z);
	r_y2 = irb_rule(y);
	irb_stmt(r_y2, IR_STMT_COUNTER);
	irb_rule(z);	/* an empty rule: no verdict */
	rs = build();
	if (rs == NULL)
		return;
	k = tcp4(1, 22);	/* return from x, then accept after */
	CHECK(verdict(rs, 0, &k, &o) == INTERP_ACCEPT && o.res.mark == 1,
	      "22: disp %d mark %u", o.res.disp, o.res.mark);
	k = tcp4(1, 23);	/* drop inside x */
	CHECK(verdict(rs, 0, &k, &o) == INTERP_DROP &&
	      o.res.reason == INTERP_R_RULE && o.res.chain == x,
	      "23 dropped in x");
	k = tcp4(1, 24);	/* x falls off its end: implicit return */
	CHECK(verdict(rs, 0, &k, &o) == INTERP_ACCEPT, "24 accepted after x");
	k = tcp4(1, 80);	/* goto y, jump z, return, y ends -> policy */
	CHECK(verdict(rs, 0, &k, &o) == INTERP_DROP &&
	      o.res.reason == INTERP_R_POLICY, "80 hits base policy after goto");
	CHECK(rule_cnt(rs, "t", "y", r_y2).packets == 1, "y went on after z");
	CHECK(rule_cnt(rs, "t", "base", r_after).packets == 2,
	      "accept rule after the goto rule not run for 80: %" PRIu64,
	      rule_cnt(rs, "t", "base", r_after).packets);
	finish(rs);
}

/* A chain of n jumps from the base chain. */
static int
build_jump_chain(unsigned int n, bool use_goto, struct fp_ruleset **out)
{
	struct ir_table *t;
	struct ir_chain *prev, *c;
	struct ir_rule *r;
	struct fp_ruleset_opts o = {
		.port_names = port_names, .n_ports = 4, .n_lcores = 1,
		.clock = fake_clock, .err = build_err, .err_len = sizeof(build_err),
	};
	char name[16];

	b_new();
	t = irb_table("t");
	prev = irb_base(t, "base", 0, IR_POLICY_ACCEPT, "eth0", 0);
	for (unsigned int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "c%u", i);
		c = irb_chain(t, name);
		r = irb_rule(prev);
		irb_verdict(r, use_goto ? IR_VERDICT_GOTO : IR_VERDICT_JUMP, c);
		prev = c;
	}
	r = irb_rule(prev);
	irb_verdict(r, IR_VERDICT_DROP, NULL);
	*out = NULL;
	return fp_ruleset_build(B, &o, out);
}

static void
test_jump_depth(void)
{
	struct fp_ruleset *rs;
	struct outcome o;
	struct pkt k = tcp4(1, 1);
	int rc;

	/* 15 nested jumps: allowed, and the drop at the bottom is reached */
	rc = build_jump_chain(15, false, &rs);
	CHECK(rc == 0, "depth 15: %d %s", rc, build_err);
	if (rc == 0)
		CHECK(verdict(rs, 0, &k, &o) == INTERP_DROP, "drop at depth 15");
	finish(rs);
	/* 16: the kernel's nft_chain_validate() says -EMLINK */
	rc = build_jump_chain(16, false, &rs);
	CHECK(rc == -EMLINK && strstr(build_err, "c15") != NULL,
	      "depth 16: %d %s", rc, build_err);
	finish(rs);
	/* gotos count too */
	rc = build_jump_chain(16, true, &rs);
	CHECK(rc == -EMLINK, "goto depth 16: %d", rc);
	finish(rs);
	/* a loop */
	{
		struct ir_table *t;
		struct ir_chain *base, *x;
		struct fp_ruleset_opts op = {
			.port_names = port_names, .n_ports = 4, .n_lcores = 1,
			.err = build_err, .err_len = sizeof(build_err),
		};

		b_new();
		t = irb_table("t");
		base = irb_base(t, "base", 0, IR_POLICY_ACCEPT, "eth0", 0);
		x = irb_chain(t, "x");
		irb_verdict(irb_rule(base), IR_VERDICT_JUMP, x);
		irb_verdict(irb_rule(x), IR_VERDICT_GOTO, x);
		rs = NULL;
		rc = fp_ruleset_build(B, &op, &rs);
		CHECK(rc == -EMLINK, "goto loop refused: %d", rc);
		finish(rs);
	}
}

static void
test_vmap_and_sets(void)
{
	struct ir_table *t;
	struct ir_chain *base, *x;
	struct ir_rule *r, *r_x;
	struct ir_set *vm, *iv, *cc, *ci;
	struct ir_set_elem *e;
	struct fp_ruleset *rs;
	struct outcome o;
	struct pkt k;
	struct ir_operand ops[2];
	uint8_t fl2[1] = { 2 }, fl4[1] = { 4 }, flc[2] = { 4, 2 };

	b_new();
	t = irb_table("t");
	base = irb_base(t, "base", 0, IR_POLICY_ACCEPT, "eth0", 0);
	x = irb_chain(t, "x");
	/* tcp dport vmap { 22 : drop, 80 : accept, 443 : jump x } */
	vm = irb_set(t, "__map0", IR_SET_F_ANONYMOUS | IR_SET_F_CONSTANT |
		   IR_SET_F_MAP | IR_SET_F_VMAP, 1, fl2, 0);
	e = irb_elem(vm, "\x00\x16", NULL);
	e->verdict.kind = IR_VERDICT_DROP;
	e = irb_elem(vm, "\x00\x50", NULL);
	e->verdict.kind = IR_VERDICT_ACCEPT;
	e = irb_elem(vm, "\x01\xbb", NULL);
	e->verdict.kind = IR_VERDICT_JUMP;
	e->verdict.target = x;
	e->verdict.chain = x->name;
	r = irb_rule(base);
	irb_l4(r, 6);
	ops[0] = irb_payload(IR_BASE_TRANSPORT, 2, 2);
	r->verdict.v.kind = IR_VERDICT_VMAP;
	r->verdict.vmap = irb_lk(vm, 1, ops);
	r_x = irb_rule(x);
	irb_stmt(r_x, IR_STMT_COUNTER);
	irb_verdict(r_x, IR_VERDICT_DROP, NULL);

	/* ip saddr { 10.1.0.0/16, 10.3.0.1-10.3.0.9 } drop  (interval) */
	iv = irb_set(t, "__set1", IR_SET_F_ANONYMOUS | IR_SET_F_INTERVAL, 1, fl4, 0);
	irb_elem(iv, "\x0a\x01\x00\x00", "\x0a\x01\xff\xff");
	irb_elem(iv, "\x0a\x03\x00\x01", "\x0a\x03\x00\x09");
	r = irb_rule(base);
	irb_ip(r);
	ops[0] = irb_payload(IR_BASE_NETWORK, 12, 4);
	irb_lookup(r, iv, 1, ops, false);
	irb_verdict(r, IR_VERDICT_DROP, NULL);

	/* ip daddr . tcp sport { 10.0.0.7 . 1234 } drop (concat: padded) */
	cc = irb_set(t, "__set2", IR_SET_F_ANONYMOUS, 2, flc, 0);
	irb_elem(cc, "\x0a\x00\x00\x07\x04\xd2\x00\x00", NULL);
	r = irb_rule(base);
	irb_ip(r);
	irb_l4(r, 6);
	ops[0] = irb_payload(IR_BASE_NETWORK, 16, 4);
	ops[1] = irb_payload(IR_BASE_TRANSPORT, 0, 2);
	irb_lookup(r, cc, 2, ops, false);
	irb_verdict(r, IR_VERDICT_DROP, NULL);

	/* ip daddr . tcp sport { 10.0.0.8-10.0.0.9 . 2000-2010 } drop
	 * (concatenated ranges) */
	ci = irb_set(t, "__set3", IR_SET_F_ANONYMOUS | IR_SET_F_INTERVAL, 2, flc, 0);
	irb_elem(ci, "\x0a\x00\x00\x08\x07\xd0\x00\x00",
	       "\x0a\x00\x00\x09\x07\xda\x00\x00");
	r = irb_rule(base);
	irb_ip(r);
	irb_l4(r, 6);
	irb_lookup(r, ci, 2, ops, false);
	irb_verdict(r, IR_VERDICT_DROP, NULL);

	rs = build();
	if (rs == NULL)
		return;
	k = tcp4(1, 22);
	CHECK(verdict(rs, 0, &k, &o) == INTERP_DROP, "vmap 22 drop");
	k = tcp4(1, 80);
	CHECK(verdict(rs, 0, &k, &o) == INTERP_ACCEPT && o.res.rule_idx == 0,
	      "vmap 80 accept");
	k = tcp4(1, 443);
	CHECK(verdict(rs, 0, &k, &o) == INTERP_DROP && o.res.chain == x,
	      "vmap 443 jump x");
	CHECK(rule_cnt(rs, "t", "x", r_x).packets == 1, "x counted");
	k = tcp4(1, 81);	/* no element: next rule, accepted by policy */
	CHECK(verdict(rs, 0, &k, &o) == INTERP_ACCEPT &&
	      o.res.reason == INTERP_R_POLICY, "vmap miss");
	k = tcp4(1, 81);
	k.saddr = IP4(10, 1, 200, 3);
	CHECK(verdict(rs, 0, &k, &o) == INTERP_DROP, "in 10.1/16");
	k.saddr = IP4(10, 2, 0, 1);
	CHECK(verdict(rs, 0, &k, &o) == INTERP_ACCEPT, "not in set");
	k.saddr = IP4(10, 3, 0, 9);
	CHECK(verdict(rs, 0, &k, &o) == INTERP_DROP, "range end inclusive");
	k.saddr = IP4(10, 3, 0, 10);
	CHECK(verdict(rs, 0, &k, &o) == INTERP_ACCEPT, "past the range");
	k.saddr = IP4(10, 3, 0, 0);
	CHECK(verdict(rs, 0, &k, &o) == INTERP_ACCEPT, "before the range");
	k = tcp4(1234, 81);
	k.daddr = IP4(10, 0, 0, 7);
	CHECK(verdict(rs, 0, &k, &o) == INTERP_DROP, "concat hit");
	k.sport = 1235;
	CHECK(verdict(rs, 0, &k, &o) == INTERP_ACCEPT, "concat miss");
	k.daddr = IP4(10, 0, 0, 9);
	k.sport = 2010;
	CHECK(verdict(rs, 0, &k, &o) == INTERP_DROP, "concat range hit");
	k.sport = 2011;
	CHECK(verdict(rs, 0, &k, &o) == INTERP_ACCEPT, "concat range miss");
	k.daddr = IP4(10, 0, 0, 10);
	k.sport = 2005;
	CHECK(verdict(rs, 0, &k, &o) == INTERP_ACCEPT, "concat range miss 2");
	finish(rs);
}

static void
test_meta_and_masks(void)
{
	struct ir_table *t;
	struct ir_chain *base;
	struct ir_rule *r[12];
	struct fp_ruleset *rs;
	struct outcome o;
	struct pkt k;
	uint32_t u32;
	uint16_t u16;
	uint8_t u8;
	uint32_t id;
	struct ir_operand op;
	static const uint8_t mask24[4] = { 0xff, 0xff, 0xff, 0 };
	unsigned int i;

	b_new();
	t = irb_table("t");
	base = irb_base(t, "base", 0, IR_POLICY_ACCEPT, "eth0", 0);
	{
		struct ir_chain *b2 = irb_base(t, "base2", 0, IR_POLICY_ACCEPT, "eth1", 0);

		/* give eth1 the same rules through a second chain below */
		(void)b2;
	}
	for (i = 0; i < 12; i++) {
		r[i] = irb_rule(base);
	}
	/* 0: iifname "eth*" (prefix compare of 3 bytes) counter */
	irb_cmp(r[0], irb_meta(IR_META_IIFNAME), IR_CMP_EQ, "eth", 3);
	irb_stmt(r[0], IR_STMT_COUNTER);
	/* 1: iif "eth0" counter */
	id = DEV_ETH0;
	irb_cmp(r[1], irb_meta(IR_META_IIF), IR_CMP_EQ, &id, 4);
	irb_stmt(r[1], IR_STMT_COUNTER);
	/* 2: iif "ghost" counter (never a port) */
	id = DEV_GHOST;
	irb_cmp(r[2], irb_meta(IR_META_IIF), IR_CMP_EQ, &id, 4);
	irb_stmt(r[2], IR_STMT_COUNTER);
	/* 3: iiftype ether, nfproto netdev(5), pkttype host */
	u16 = 1;
	irb_cmp(r[3], irb_meta(IR_META_IIFTYPE), IR_CMP_EQ, &u16, 2);
	u8 = 5;
	irb_cmp(r[3], irb_meta(IR_META_NFPROTO), IR_CMP_EQ, &u8, 1);
	u8 = 0;
	irb_cmp(r[3], irb_meta(IR_META_PKTTYPE), IR_CMP_EQ, &u8, 1);
	irb_stmt(r[3], IR_STMT_COUNTER);
	/* 4: meta length 40 (host order) */
	u32 = 40;
	irb_cmp(r[4], irb_meta(IR_META_LEN), IR_CMP_EQ, &u32, 4);
	irb_stmt(r[4], IR_STMT_COUNTER);
	/* 5: ip saddr 10.0.0.0/24: payload & mask */
	irb_ip(r[5]);
	op = irb_payload(IR_BASE_NETWORK, 12, 4);
	op.mask = irb_bytes(mask24, 4);
	irb_cmp(r[5], op, IR_CMP_EQ, "\x0a\x00\x00\x00", 4);
	irb_stmt(r[5], IR_STMT_COUNTER);
	/* 6: meta length 30-50 (nft: byteorder to big endian, then range) */
	op = irb_meta(IR_META_LEN);
	op.order = IR_BO_NET;
	irb_range(r[6], op, "\x00\x00\x00\x1e", "\x00\x00\x00\x32", 4, false);
	irb_stmt(r[6], IR_STMT_COUNTER);
	/* 7: tcp dport < 1024 (memcmp on big endian) */
	irb_l4(r[7], 6);
	irb_cmp(r[7], irb_payload(IR_BASE_TRANSPORT, 2, 2), IR_CMP_LT, "\x04\x00", 2);
	irb_stmt(r[7], IR_STMT_COUNTER);
	/* 8: tcp dport != 1-100 */
	irb_l4(r[8], 6);
	irb_range(r[8], irb_payload(IR_BASE_TRANSPORT, 2, 2), "\x00\x01", "\x00\x64",
		2, true);
	irb_stmt(r[8], IR_STMT_COUNTER);
	/* 9: vlan id 5 (ll 14, mask 0x0fff) */
	op = irb_payload(IR_BASE_LL, 14, 2);
	op.mask = irb_bytes("\x0f\xff", 2);
	irb_cmp(r[9], op, IR_CMP_EQ, "\x00\x05", 2);
	irb_stmt(r[9], IR_STMT_COUNTER);
	/* 10: meta protocol ip (inner ethertype after untag) */
	irb_ip(r[10]);
	irb_stmt(r[10], IR_STMT_COUNTER);
	/* 11: meta mark set 7 */
	irb_mark_set(r[11], 7);
	rs = build();
	if (rs == NULL)
		return;
	k = tcp4(1, 80);
	CHECK(verdict(rs, 0, &k, &o) == INTERP_ACCEPT && o.res.mark == 7,
	      "mark 7: %u", o.res.mark);
	CHECK(rule_cnt(rs, "t", "base", r[0]).packets == 1, "iifname eth*");
	CHECK(rule_cnt(rs, "t", "base", r[1]).packets == 1, "iif eth0");
	CHECK(rule_cnt(rs, "t", "base", r[2]).packets == 0, "iif ghost");
	CHECK(rule_cnt(rs, "t", "base", r[3]).packets == 1, "iiftype/nfproto/pkttype");
	CHECK(rule_cnt(rs, "t", "base", r[4]).packets == 1, "len 40");
	CHECK(rule_cnt(rs, "t", "base", r[5]).packets == 1, "saddr /24");
	CHECK(rule_cnt(rs, "t", "base", r[6]).packets == 1, "len range");
	CHECK(rule_cnt(rs, "t", "base", r[7]).packets == 1, "dport < 1024");
	CHECK(rule_cnt(rs, "t", "base", r[8]).packets == 0, "80 in 1-100");
	CHECK(rule_cnt(rs, "t", "base", r[9]).packets == 0, "untagged: no vlan");
	/* broadcast, other subnet, tagged: 44-byte frame seen as 40 */
	k = tcp4(1, 50);
	k.dst = MAC_BC;
	k.saddr = IP4(10, 0, 1, 1);
	k.vlan = 5;
	CHECK(verdict(rs, 0, &k, &o) == INTERP_ACCEPT, "tagged accepted");
	CHECK(rule_cnt(rs, "t", "base", r[3]).packets == 1, "pkttype broadcast");
	CHECK(rule_cnt(rs, "t", "base", r[4]).packets == 2, "len 40 tagged");
	CHECK(rule_cnt(rs, "t", "base", r[4]).bytes == 80, "tagged bytes 40");
	CHECK(rule_cnt(rs, "t", "base", r[5]).packets == 1, "10.0.1.1 not /24");
	CHECK(rule_cnt(rs, "t", "base", r[8]).packets == 0, "50 in 1-100");
	CHECK(rule_cnt(rs, "t", "base", r[9]).packets == 1, "vlan id 5");
	CHECK(rule_cnt(rs, "t", "base", r[10]).packets == 2, "protocol ip tagged");
	/* bigger packet: len range fails, dport >= 1024 */
	k = tcp4(1, 2000);
	k.payload = 20;
	verdict(rs, 0, &k, &o);
	CHECK(rule_cnt(rs, "t", "base", r[6]).packets == 2, "60 not in 30-50");
	CHECK(rule_cnt(rs, "t", "base", r[7]).packets == 2, "2000 not < 1024");
	CHECK(rule_cnt(rs, "t", "base", r[8]).packets == 1, "2000 not in 1-100");
	finish(rs);
}

static void
test_mark_across_chains(void)
{
	struct ir_table *t;
	struct ir_chain *c1, *c2;
	struct ir_rule *r;
	struct fp_ruleset *rs;
	struct outcome o;
	struct pkt k = tcp4(1, 80);
	uint32_t m5 = 5;

	/* prio -1: meta mark set 5 accept; prio 1: meta mark != 5 drop */
	b_new();
	t = irb_table("t");
	c1 = irb_base(t, "first", -1, IR_POLICY_ACCEPT, "eth0", 0);
	c2 = irb_base(t, "second", 1, IR_POLICY_ACCEPT, "eth0", 0);
	r = irb_rule(c1);
	irb_mark_set(r, 5);
	irb_verdict(r, IR_VERDICT_ACCEPT, NULL);
	r = irb_rule(c2);
	irb_cmp(r, irb_meta(IR_META_MARK), IR_CMP_NEQ, &m5, 4);
	irb_verdict(r, IR_VERDICT_DROP, NULL);
	rs = build();
	if (rs == NULL)
		return;
	CHECK(verdict(rs, 0, &k, &o) == INTERP_ACCEPT && o.res.mark == 5,
	      "mark persisted: disp %d mark %u", o.res.disp, o.res.mark);
	finish(rs);
}

static void
test_counters_objects_lcores(void)
{
	struct ir_table *t;
	struct ir_chain *c;
	struct ir_rule *r0, *r1;
	struct ir_object *named, *q;
	struct fp_ruleset *rs;
	struct outcome o;
	struct pkt k = udp4(1, 53);	/* 32 bytes from the network header */
	struct fp_counter cnt;
	uint64_t used;
	struct frame f;

	b_new();
	t = irb_table("t");
	named = irb_object(t, IR_OBJ_COUNTER, "named");
	named->counter = (struct ir_counter){ 100, 1000 };
	q = irb_object(t, IR_OBJ_QUOTA, "q");
	q->quota = (struct ir_quota){ 100, 0, false };
	c = irb_base(t, "c", 0, IR_POLICY_ACCEPT, "eth0", 0);
	/* counter packets 10 bytes 20 counter name "named" quota name "q" */
	r0 = irb_rule(c);
	irb_stmt(r0, IR_STMT_COUNTER)->counter = (struct ir_counter){ 10, 20 };
	irb_objref(r0, named);
	irb_objref(r0, q);
	irb_stmt(r0, IR_STMT_COUNTER);
	/* quota over 64 bytes counter drop */
	r1 = irb_rule(c);
	irb_quota(r1, 64, true);
	irb_stmt(r1, IR_STMT_COUNTER);
	irb_verdict(r1, IR_VERDICT_DROP, NULL);
	rs = build_n(3);
	if (rs == NULL)
		return;
	mk(&f, &k);
	for (unsigned int i = 0; i < 5; i++) {
		run_on(rs, i % 3, 0, &f, &o);
		/* 32, 64 (not > 64: no drop), 96, 128 (named q over 100) */
		if (i < 2)
			CHECK(o.res.disp == INTERP_ACCEPT, "pkt %u accepted", i);
		else
			CHECK(o.res.disp == INTERP_DROP, "pkt %u over quota 64", i);
		done(&o);
	}
	cnt = rule_cnt(rs, "t", "c", r0);
	CHECK(cnt.packets == 15 && cnt.bytes == 20 + 5 * 32,
	      "initial + 5: %" PRIu64 "/%" PRIu64, cnt.packets, cnt.bytes);
	CHECK(fp_ruleset_obj_counter(rs, "t", "named", &cnt) == 0 &&
	      cnt.packets == 105 && cnt.bytes == 1160, "named counter");
	used = 0;
	fp_ruleset_obj_quota(rs, "t", "q", &used);
	CHECK(used == 160, "named quota consumed %" PRIu64, used);
	/* the second counter of r0 counted only until q ran out (32..96 <=
	 * 100: three packets) */
	CHECK(fp_ruleset_rule_counter(rs, "t", "c", r0->handle, 1, &cnt) == 0 &&
	      cnt.packets == 3, "after quota: %" PRIu64, cnt.packets);
	CHECK(fp_ruleset_rule_quota(rs, "t", "c", r1->handle, 0, &used) == 0 &&
	      used == 160, "rule quota consumed");
	CHECK(fp_ruleset_rule_counter(rs, "t", "c", r1->handle, 0, &cnt) == 0 &&
	      cnt.packets == 3, "quota over matched 3");
	CHECK(fp_ruleset_rule_counter(rs, "t", "c", 999, 0, &cnt) == -ENOENT,
	      "no rule");

	/* reload: the same IR built again, state carried */
	{
		struct fp_ruleset *rs2;
		struct fp_ruleset_opts op = {
			.port_names = port_names, .n_ports = 4, .n_lcores = 2,
			.clock = fake_clock,
		};
		unsigned int n;

		CHECK(fp_ruleset_build(B, &op, &rs2) == 0, "rebuild");
		n = fp_ruleset_carry_state(rs2, rs);
		CHECK(n == 6, "carried %u slots", n);
		cnt = rule_cnt(rs2, "t", "c", r0);
		CHECK(cnt.packets == 15 && cnt.bytes == 180, "carried counter");
		run_on(rs2, 1, 0, &f, &o);
		CHECK(o.res.disp == INTERP_DROP, "quota state carried: drop");
		done(&o);
		CHECK(fp_ruleset_obj_counter(rs2, "t", "named", &cnt) == 0 &&
		      cnt.packets == 106, "named carried + 1");
		CHECK(fp_ruleset_obj_quota(rs2, "t", "q", &used) == 0 &&
		      used == 192, "quota carried + 32");
		fp_ruleset_free(rs2);
	}
	finish(rs);
}

/*
 * A reload carries state only to the same rule: a rule that took another's
 * handle (a file reloaded with a rule inserted above; `nft replace rule`)
 * starts from its own IR values, as a new rule does in the kernel.
 */
static void
build_carry_ir(uint16_t first_port)
{
	struct ir_table *t;
	struct ir_chain *c;
	struct ir_rule *r;

	b_new();
	t = irb_table("t");
	c = irb_base(t, "c", 0, IR_POLICY_ACCEPT, "eth0", 0);
	/* tcp dport FIRST counter accept (handle 2) */
	r = irb_rule(c);
	b_dport(r, 6, first_port);
	irb_stmt(r, IR_STMT_COUNTER);
	irb_verdict(r, IR_VERDICT_ACCEPT, NULL);
	/* tcp dport 2 counter accept (handle 3, the same in both) */
	r = irb_rule(c);
	b_dport(r, 6, 2);
	irb_stmt(r, IR_STMT_COUNTER);
	irb_verdict(r, IR_VERDICT_ACCEPT, NULL);
}

static void
test_carry_same_rule(void)
{
	struct ir_ruleset *old_ir;
	struct fp_ruleset *old_rs, *new_rs;
	struct fp_counter c2, c3;
	struct outcome o;
	struct frame f;
	unsigned int n;

	build_carry_ir(1);
	old_rs = build();
	old_ir = B;
	if (old_rs == NULL)
		return;
	for (uint16_t dport = 1; dport <= 2; dport++) {
		struct pkt k = tcp4(1, dport);

		mk(&f, &k);
		run(old_rs, 0, &f, &o);
		done(&o);
	}
	B = NULL;
	build_carry_ir(5);	/* handle 2 is now tcp dport 5 */
	new_rs = build();
	if (new_rs != NULL) {
		n = fp_ruleset_carry_state(new_rs, old_rs);
		CHECK(n == 1, "one counter carried (handle 3), not %u", n);
		fp_ruleset_rule_counter(new_rs, "t", "c", 2, 0, &c2);
		fp_ruleset_rule_counter(new_rs, "t", "c", 3, 0, &c3);
		CHECK(c2.packets == 0, "handle 2 redefined: starts at 0, not %" PRIu64,
		      c2.packets);
		CHECK(c3.packets == 1, "handle 3 unchanged: carried (%" PRIu64 ")",
		      c3.packets);
	}
	fp_ruleset_free(old_rs);
	ir_ruleset_free(old_ir);
	finish(new_rs);
}

static void
test_limits(void)
{
	struct ir_table *t;
	struct ir_chain *c;
	struct ir_rule *rp, *rb, *ro;
	struct fp_ruleset *rs;
	struct outcome o;
	struct pkt k;
	unsigned int pass;

	b_new();
	t = irb_table("t");
	c = irb_base(t, "c", 0, IR_POLICY_ACCEPT, "eth0", 0);
	/* tcp dport 1 limit rate 2/second (burst 5, kernel default) accept */
	rp = irb_rule(c);
	b_dport(rp, 6, 1);
	irb_limit(rp, 2, 1, 0, IR_LIMIT_PKTS, false);
	irb_stmt(rp, IR_STMT_COUNTER);
	irb_verdict(rp, IR_VERDICT_ACCEPT, NULL);
	/* tcp dport 2 limit rate 100 bytes/second burst 50 bytes accept */
	rb = irb_rule(c);
	b_dport(rb, 6, 2);
	irb_limit(rb, 100, 1, 50, IR_LIMIT_BYTES, false);
	irb_stmt(rb, IR_STMT_COUNTER);
	irb_verdict(rb, IR_VERDICT_ACCEPT, NULL);
	/* tcp dport 3 limit rate over 1/minute burst 1 packets counter */
	ro = irb_rule(c);
	b_dport(ro, 6, 3);
	irb_limit(ro, 1, 60, 1, IR_LIMIT_PKTS, true);
	irb_stmt(ro, IR_STMT_COUNTER);
	irb_verdict(ro, IR_VERDICT_ACCEPT, NULL);
	/* everything else that reaches here: drop */
	irb_verdict(irb_rule(c), IR_VERDICT_DROP, NULL);
	rs = build();
	if (rs == NULL)
		return;
	k = tcp4(1, 1);
	for (pass = 0; pass < 10; pass++)
		if (verdict(rs, 0, &k, &o) != INTERP_ACCEPT)
			break;
	CHECK(pass == 5, "burst 5 then limited: %u", pass);
	fake_now += 499999999;		/* just under 1/2 s: no token yet */
	CHECK(verdict(rs, 0, &k, &o) == INTERP_DROP, "no token yet");
	fake_now += 1;			/* tokens kept: now a full one */
	CHECK(verdict(rs, 0, &k, &o) == INTERP_ACCEPT, "one token");
	CHECK(verdict(rs, 0, &k, &o) == INTERP_DROP, "spent");
	fake_now += 10ull * 1000000000;	/* refill caps at the burst */
	for (pass = 0; pass < 10; pass++)
		if (verdict(rs, 0, &k, &o) != INTERP_ACCEPT)
			break;
	CHECK(pass == 5, "refilled to burst 5: %u", pass);

	/* bytes: bucket 1e9*(100+50)/100 = 1.5 s; 100-byte packet costs 1 s */
	k = tcp4(1, 2);
	k.payload = 60;		/* 20 + 20 + 60 = 100 bytes */
	CHECK(verdict(rs, 0, &k, &o) == INTERP_ACCEPT, "bytes first");
	CHECK(verdict(rs, 0, &k, &o) == INTERP_DROP, "bytes second limited");
	fake_now += 500000000;
	CHECK(verdict(rs, 0, &k, &o) == INTERP_ACCEPT, "0.5+0.5 s: one more");

	/* over 1/minute burst 1: the first packet is under the rate (no
	 * match), the next ones are over it (match) */
	k = tcp4(1, 3);
	CHECK(verdict(rs, 0, &k, &o) == INTERP_DROP, "over: first not over");
	CHECK(verdict(rs, 0, &k, &o) == INTERP_ACCEPT, "over: second over");
	fake_now += 60ull * 1000000000;
	CHECK(verdict(rs, 0, &k, &o) == INTERP_DROP, "over: refilled");
	finish(rs);

	/* the kernel refuses rate 0 */
	b_new();
	t = irb_table("t");
	c = irb_base(t, "c", 0, IR_POLICY_ACCEPT, "eth0", 0);
	irb_limit(irb_rule(c), 0, 1, 0, IR_LIMIT_PKTS, false);
	{
		struct fp_ruleset_opts op = {
			.port_names = port_names, .n_ports = 4, .n_lcores = 1,
			.err = build_err, .err_len = sizeof(build_err),
		};

		rs = NULL;
		CHECK(fp_ruleset_build(B, &op, &rs) == -EINVAL, "rate 0: %s",
		      build_err);
	}
	finish(rs);
}

static void
test_fwd_dup(void)
{
	struct ir_table *t;
	struct ir_chain *c, *later;
	struct ir_rule *r, *r_later;
	struct fp_ruleset *rs;
	struct outcome o;
	struct pkt k;
	struct frame f, f2;

	/* udp dport 1 fwd to eth3; udp dport 2 dup to eth2 dup to eth3;
	 * udp dport 3 dup to eth2 ip ttl set 1 drop ... ; later chain: counter */
	b_new();
	t = irb_table("t");
	c = irb_base(t, "c", 0, IR_POLICY_ACCEPT, "eth0", 0);
	later = irb_base(t, "later", 100, IR_POLICY_ACCEPT, "eth0", 0);
	r = irb_rule(c);
	b_dport(r, 17, 1);
	b_dev(r, IR_STMT_FWD, DEV_ETH3);
	r = irb_rule(c);
	b_dport(r, 17, 2);
	b_dev(r, IR_STMT_DUP, DEV_ETH2);
	b_dev(r, IR_STMT_DUP, DEV_ETH3);
	r = irb_rule(c);
	b_dport(r, 17, 3);
	b_dev(r, IR_STMT_DUP, DEV_ETH2);
	b_payload_set(r, IR_BASE_NETWORK, 8, 1, "\x01", IR_CSUM_INET, 10, 0);
	r_later = irb_rule(later);
	irb_stmt(r_later, IR_STMT_COUNTER);
	rs = build();
	if (rs == NULL)
		return;
	k = udp4(5, 1);
	mk(&f, &k);
	run(rs, 0, &f, &o);
	CHECK(o.res.disp == INTERP_FWD && o.res.out_port == 3 &&
	      o.res.n_extra == 0, "fwd to eth3");
	CHECK(mbuf_eq(o.m, &f, "fwd frame"), "fwd frame unchanged");
	done(&o);
	CHECK(rule_cnt(rs, "t", "later", r_later).packets == 0,
	      "fwd is NF_STOLEN: later chain did not run");
	k = udp4(5, 2);
	mk(&f, &k);
	run(rs, 0, &f, &o);
	CHECK(o.res.disp == INTERP_ACCEPT && o.res.out_port == 1 &&
	      o.res.n_extra == 2 && o.res.extra[0].port == 2 &&
	      o.res.extra[1].port == 3, "dup twice, original to the peer");
	if (o.res.n_extra == 2)
		CHECK(mbuf_eq(o.res.extra[0].m, &f, "dup") &&
		      mbuf_eq(o.res.extra[1].m, &f, "dup2"), "dup copies");
	done(&o);
	/* dup before a ttl rewrite: the copy keeps the old bytes */
	k = udp4(5, 3);
	mk(&f, &k);
	run(rs, 0, &f, &o);
	k.ttl = 1;
	mk(&f2, &k);
	CHECK(o.res.disp == INTERP_ACCEPT && o.res.n_extra == 1, "dup + set");
	if (o.res.n_extra == 1)
		CHECK(mbuf_eq(o.res.extra[0].m, &f, "dup before set"), "dup keeps");
	CHECK(mbuf_eq(o.m, &f2, "ttl set"), "ttl rewritten, checksum fixed");
	done(&o);
	finish(rs);

	/* fwd to a device that is not a port: a build error naming the rule */
	b_new();
	t = irb_table("t");
	c = irb_base(t, "c", 0, IR_POLICY_ACCEPT, "eth0", 0);
	b_dev(irb_rule(c), IR_STMT_FWD, DEV_GHOST);
	{
		struct fp_ruleset_opts op = {
			.port_names = port_names, .n_ports = 4, .n_lcores = 1,
			.err = build_err, .err_len = sizeof(build_err),
		};
		int rc;

		rs = NULL;
		rc = fp_ruleset_build(B, &op, &rs);
		CHECK(rc == -ENODEV && strstr(build_err, "table t chain c handle") &&
		      strstr(build_err, "ghost"), "fwd ghost: %d %s", rc, build_err);
	}
	finish(rs);
}

static void
test_payload_set(void)
{
	struct ir_table *t;
	struct ir_chain *c, *c2;
	struct ir_rule *r, *r2;
	struct fp_ruleset *rs;
	struct outcome o;
	struct pkt k;
	struct frame f, want;
	uint8_t buf[256];
	const uint8_t *p;

	/* ip daddr set 10.9.9.9 (csum INET at nh 10, L4 pseudo header);
	 * tcp dport set 8080 (csum INET at th 16);
	 * udp: ip daddr set ... with a zero UDP checksum that stays 0 */
	b_new();
	t = irb_table("t");
	c = irb_base(t, "c", 0, IR_POLICY_ACCEPT, "eth0", 0);
	c2 = irb_base(t, "c2", 5, IR_POLICY_ACCEPT, "eth0", 0);
	r = irb_rule(c);
	irb_ip(r);
	b_payload_set(r, IR_BASE_NETWORK, 16, 4, "\x0a\x09\x09\x09",
		      IR_CSUM_INET, 10, 1);
	r = irb_rule(c);
	irb_l4(r, 6);
	b_payload_set(r, IR_BASE_TRANSPORT, 2, 2, "\x1f\x90", IR_CSUM_INET, 16, 0);
	/* the next base chain sees the new bytes (re-parsed) */
	r2 = irb_rule(c2);
	irb_cmp(r2, irb_payload(IR_BASE_NETWORK, 16, 4), IR_CMP_EQ, "\x0a\x09\x09\x09", 4);
	irb_stmt(r2, IR_STMT_COUNTER);
	rs = build();
	if (rs == NULL)
		return;
	k = tcp4(1000, 80);
	k.payload = 3;	/* odd length: checksum over an odd tail */
	mk(&f, &k);
	run(rs, 0, &f, &o);
	k.daddr = IP4(10, 9, 9, 9);
	k.dport = 8080;
	mk(&want, &k);
	CHECK(o.res.disp == INTERP_ACCEPT, "accepted");
	CHECK(mbuf_eq(o.m, &want, "tcp mangled"), "tcp daddr+dport rewritten");
	done(&o);
	CHECK(rule_cnt(rs, "t", "c2", r2).packets == 1, "next chain sees it");

	k = udp4(1, 2);
	k.udp_nocsum = true;
	mk(&f, &k);
	run(rs, 0, &f, &o);
	p = rte_pktmbuf_read(o.m, 14 + 20 + 6, 2, buf);
	CHECK(p[0] == 0 && p[1] == 0, "udp checksum 0 stays 0");
	k.daddr = IP4(10, 9, 9, 9);
	mk(&want, &k);
	CHECK(mbuf_eq(o.m, &want, "udp nocsum"), "udp frame");
	done(&o);

	k = udp4(1, 2);
	mk(&f, &k);
	run(rs, 0, &f, &o);
	k.daddr = IP4(10, 9, 9, 9);
	mk(&want, &k);
	CHECK(mbuf_eq(o.m, &want, "udp csum"), "udp checksum updated");
	done(&o);

	/* VLAN tagged: same rewrite, tag kept */
	k = tcp4(1000, 80);
	k.vlan = 7;
	mk(&f, &k);
	run(rs, 0, &f, &o);
	k.daddr = IP4(10, 9, 9, 9);
	k.dport = 8080;
	mk(&want, &k);
	CHECK(mbuf_eq(o.m, &want, "tagged"), "tagged frame rewritten");
	done(&o);
	finish(rs);

	/* link layer writes skip the removed tag: ether type set ip6 on a
	 * tagged frame writes the inner ethertype (offset 12 of the kernel's
	 * untagged mac header); ether saddr set writes bytes 6-11 */
	b_new();
	t = irb_table("t");
	c = irb_base(t, "c", 0, IR_POLICY_ACCEPT, "eth0", 0);
	r = irb_rule(c);
	b_payload_set(r, IR_BASE_LL, 6, 8, "\x02\x00\x00\x00\x00\xbb\x86\xdd",
		      IR_CSUM_NONE, 0, 0);
	rs = build();
	if (rs == NULL)
		return;
	k = tcp4(1, 2);
	k.vlan = 9;
	mk(&f, &k);
	run(rs, 0, &f, &o);
	memcpy(want.b, f.b, f.len);
	want.len = f.len;
	memcpy(want.b + 6, "\x02\x00\x00\x00\x00\xbb", 6);
	memcpy(want.b + 16, "\x86\xdd", 2);
	CHECK(mbuf_eq(o.m, &want, "ll set"), "ll write around the tag");
	done(&o);
	finish(rs);
}

/* The reply the kernel builds, derived here field by field. */
static void
want_rst4(struct frame *w, const struct pkt *in, uint32_t seq, uint32_t ack,
	  uint8_t flags)
{
	struct pkt k = { .vlan = -1, .dst = in->src ? in->src : MAC_A,
			 .src = in->dst ? in->dst : MAC_P,
			 .saddr = in->daddr, .daddr = in->saddr, .proto = 6,
			 .sport = in->dport, .dport = in->sport, .seq = seq,
			 .ack = ack, .tcp_flags = flags, .frag = 0x4000 };

	mk(w, &k);
}

static void
want_icmp4(struct frame *w, const struct frame *in, uint32_t nh,
	   uint8_t code)
{
	uint32_t skblen = in->len - nh;
	uint32_t len = skblen < 536 ? skblen : 536;
	const uint8_t *oip = in->b + nh;
	uint8_t *p = w->b, *ip, *icmp;

	memset(w, 0, sizeof(*w));
	memcpy(p, in->b + 6, 6);
	memcpy(p + 6, in->b, 6);
	put16(p + 12, 0x0800);
	ip = p + 14;
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(28 + len));
	put16(ip + 6, 0x4000);
	ip[8] = 64;
	ip[9] = 1;
	memcpy(ip + 12, oip + 16, 4);
	memcpy(ip + 16, oip + 12, 4);
	put16(ip + 10, t_csum(t_sum(ip, 20, 0)));
	icmp = ip + 20;
	icmp[0] = 3;
	icmp[1] = code;
	memcpy(icmp + 8, oip, len);
	put16(icmp + 2, t_csum(t_sum(icmp, 8 + len, 0)));
	w->len = 14 + 28 + len;
}

static void
test_reject(void)
{
	struct ir_table *t;
	struct ir_chain *c;
	struct ir_rule *r;
	struct fp_ruleset *rs;
	struct outcome o;
	struct pkt k;
	struct frame f, w;

	b_new();
	t = irb_table("t");
	c = irb_base(t, "c", 0, IR_POLICY_ACCEPT, "eth0", 0);
	/* tcp dport 80 reject with tcp reset */
	r = irb_rule(c);
	b_dport(r, 6, 80);
	b_reject(r, IR_REJECT_TCP_RST, 0);
	/* udp dport 53 reject (icmpx port-unreachable) */
	r = irb_rule(c);
	b_dport(r, 17, 53);
	b_reject(r, IR_REJECT_ICMPX_UNREACH, 1);
	/* meta l4proto icmp reject with icmp host-unreachable */
	r = irb_rule(c);
	irb_l4(r, 1);
	b_reject(r, IR_REJECT_ICMP_UNREACH, 1);
	/* meta l4proto 58 reject with icmpx admin-prohibited */
	r = irb_rule(c);
	irb_l4(r, 58);
	b_reject(r, IR_REJECT_ICMPX_UNREACH, 3);
	rs = build();
	if (rs == NULL)
		return;

	/* SYN seq 1 -> RST|ACK seq 0 ack 2 */
	k = tcp4(40000, 80);
	mk(&f, &k);
	run(rs, 0, &f, &o);
	want_rst4(&w, &k, 0, 2, 0x14);
	CHECK(o.res.disp == INTERP_DROP && o.res.n_extra == 1 &&
	      o.res.extra[0].port == 0, "rst out of the input port");
	if (o.res.n_extra == 1)
		CHECK(mbuf_eq(o.res.extra[0].m, &w, "rst"), "rst bytes");
	done(&o);
	/* ACK with data: RST seq = ack_seq, no ACK flag */
	k = tcp4(40000, 80);
	k.tcp_flags = 0x18;
	k.seq = 1000;
	k.ack = 5555;
	k.payload = 10;
	mk(&f, &k);
	run(rs, 0, &f, &o);
	want_rst4(&w, &k, 5555, 0, 0x04);
	CHECK(o.res.n_extra == 1 && mbuf_eq(o.res.extra[0].m, &w, "rst ack"),
	      "rst to an ack");
	done(&o);
	/* FIN without ACK, 10 bytes of data, padded frame: ack counts the
	 * padding (oldskb->len) -- but then the checksum over the padded
	 * length fails (CHECKSUM_NONE): no RST */
	k = tcp4(40000, 80);
	k.tcp_flags = 0x01;
	k.seq = 7;
	k.pad = 6;
	mk(&f, &k);
	run(rs, 0, &f, &o);
	CHECK(o.res.disp == INTERP_DROP && o.res.n_extra == 0,
	      "padded: checksum over skb->len fails");
	done(&o);
	/* ... unless the NIC said the checksum is good */
	{
		struct pkt_view v;
		static const struct rte_ether_addr mac = {
			.addr_bytes = { 0x02, 0, 0, 0, 0, 0x10 } };

		o.m = to_mbuf(&f);
		o.m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_GOOD;
		pkt_view_parse(o.m, &mac, &v);
		interp_run(rs, 0, 0, o.m, &v, &o.res);
		want_rst4(&w, &k, 0, 7 + 1 + 6, 0x14);
		CHECK(o.res.n_extra == 1 &&
		      mbuf_eq(o.res.extra[0].m, &w, "rst padded"),
		      "rst ack_seq counts fin and padding");
		done(&o);
	}
	/* as a veth shows it (tests/oracle): the TCP checksum left partial,
	 * here 0x141d, the kernel's value for this packet */
	{
		struct fp_ruleset_opts op = {
			.port_names = port_names, .n_ports = 4, .n_lcores = 1,
			.reject_flags = FP_REJECT_F_RST4_PARTIAL_CSUM,
		};
		struct fp_ruleset *rs2 = NULL;

		CHECK(fp_ruleset_build(B, &op, &rs2) == 0, "build partial");
		k = tcp4(40000, 80);
		mk(&f, &k);
		run(rs2, 0, &f, &o);
		want_rst4(&w, &k, 0, 2, 0x14);
		put16(w.b + 14 + 20 + 16, 0x141d);
		CHECK(o.res.n_extra == 1 && mbuf_eq(o.res.extra[0].m, &w, "rst partial"),
		      "rst with the kernel's partial checksum");
		done(&o);
		fp_ruleset_free(rs2);
	}
	/* RST for RST: nothing, still dropped */
	k = tcp4(40000, 80);
	k.tcp_flags = 0x04;
	CHECK(verdict(rs, 0, &k, &o) == INTERP_DROP && o.res.n_extra == 0,
	      "no rst for rst");
	/* bad TCP checksum: nothing */
	k = tcp4(40000, 80);
	mk(&f, &k);
	f.b[14 + 20 + 16] ^= 0x55;
	run(rs, 0, &f, &o);
	CHECK(o.res.disp == INTERP_DROP && o.res.n_extra == 0, "bad csum");
	done(&o);
	/* broadcast destination: nothing */
	k = tcp4(40000, 80);
	k.dst = MAC_BC;
	CHECK(verdict(rs, 0, &k, &o) == INTERP_DROP && o.res.n_extra == 0,
	      "broadcast: no reply");
	/* VLAN tagged: the reply is untagged */
	k = tcp4(40000, 80);
	k.vlan = 3;
	mk(&f, &k);
	run(rs, 0, &f, &o);
	want_rst4(&w, &k, 0, 2, 0x14);
	CHECK(o.res.n_extra == 1 && mbuf_eq(o.res.extra[0].m, &w, "rst vlan"),
	      "tagged: untagged rst");
	done(&o);

	/* UDP -> ICMP port unreachable quoting the packet */
	k = udp4(5000, 53);
	mk(&f, &k);
	run(rs, 0, &f, &o);
	want_icmp4(&w, &f, 14, 3);
	CHECK(o.res.disp == INTERP_DROP && o.res.n_extra == 1 &&
	      mbuf_eq(o.res.extra[0].m, &w, "icmp"), "icmp port unreachable");
	done(&o);
	/* big UDP: quote capped at 536 */
	k = udp4(5000, 53);
	k.payload = 1000;
	mk(&f, &k);
	run(rs, 0, &f, &o);
	want_icmp4(&w, &f, 14, 3);
	CHECK(o.res.n_extra == 1 && w.len == 14 + 28 + 536 &&
	      mbuf_eq(o.res.extra[0].m, &w, "icmp big"), "quote capped");
	done(&o);
	/* UDP with checksum 0 is not verified; a padded one quotes the pad */
	k = udp4(5000, 53);
	k.udp_nocsum = true;
	k.pad = 10;
	mk(&f, &k);
	run(rs, 0, &f, &o);
	want_icmp4(&w, &f, 14, 3);
	CHECK(o.res.n_extra == 1 && mbuf_eq(o.res.extra[0].m, &w, "icmp pad"),
	      "padding quoted");
	done(&o);
	/* ICMP echo -> host unreachable; ICMP unreachable -> nothing */
	k = udp4(0, 0);
	k.proto = 1;
	k.icmp_type = 8;
	k.payload = 0;
	mk(&f, &k);
	run(rs, 0, &f, &o);
	want_icmp4(&w, &f, 14, 1);
	CHECK(o.res.n_extra == 1 && mbuf_eq(o.res.extra[0].m, &w, "icmp echo"),
	      "echo rejected");
	done(&o);
	k.icmp_type = 3;
	CHECK(verdict(rs, 0, &k, &o) == INTERP_DROP && o.res.n_extra == 0,
	      "no icmp error for icmp unreachable");
	/* a non-first fragment: `udp dport 53` still matches (6.18's
	 * nft_payload_fast_eval() reads @th on fragments, see pkt_view.h),
	 * but nf_reject_skb_v4_unreach() refuses fragments: dropped, no reply */
	k = udp4(5000, 53);
	mk(&f, &k);
	{
		uint8_t *ip = f.b + 14;

		put16(ip + 6, 1);
		put16(ip + 10, 0);
		put16(ip + 10, t_csum(t_sum(ip, 20, 0)));
	}
	run(rs, 0, &f, &o);
	CHECK(o.res.disp == INTERP_DROP && o.res.n_extra == 0 &&
	      o.res.rule_idx == 1, "fragment: disp %d extra %u rule %u",
	      o.res.disp, o.res.n_extra, o.res.rule_idx);
	done(&o);

	/* IPv6: TCP RST and ICMPv6 admin prohibited (icmpx 3 -> code 1) */
	{
		struct pkt k6 = { .vlan = -1, .v6 = true, .proto = 6,
				  .sport = 1111, .dport = 80, .seq = 100,
				  .tcp_flags = 0x02 };
		struct pkt w6;

		k6.s6[0] = 0x20; k6.s6[1] = 0x01; k6.s6[15] = 1;
		k6.d6[0] = 0x20; k6.d6[1] = 0x01; k6.d6[15] = 2;
		mk(&f, &k6);
		run(rs, 0, &f, &o);
		w6 = (struct pkt){ .vlan = -1, .v6 = true, .proto = 6,
				   .dst = MAC_A, .src = MAC_P, .sport = 80,
				   .dport = 1111, .seq = 0, .ack = 101,
				   .tcp_flags = 0x14 };
		memcpy(w6.s6, k6.d6, 16);
		memcpy(w6.d6, k6.s6, 16);
		mk(&w, &w6);
		CHECK(o.res.n_extra == 1 && mbuf_eq(o.res.extra[0].m, &w, "rst6"),
		      "ipv6 rst");
		done(&o);

		k6.proto = 58;
		k6.icmp_type = 128;	/* echo request */
		k6.payload = 4;
		mk(&f, &k6);
		run(rs, 0, &f, &o);
		{
			uint8_t *p = w.b, *ip, *ic;
			uint32_t len = f.len - 14;

			memset(&w, 0, sizeof(w));
			memcpy(p, MAC_A, 6);
			memcpy(p + 6, MAC_P, 6);
			put16(p + 12, 0x86dd);
			ip = p + 14;
			ip[0] = 0x60;
			put16(ip + 4, (uint16_t)(8 + len));
			ip[6] = 58;
			ip[7] = 64;
			memcpy(ip + 8, k6.d6, 16);
			memcpy(ip + 24, k6.s6, 16);
			ic = ip + 40;
			ic[0] = 1;
			ic[1] = 1;
			memcpy(ic + 8, f.b + 14, len);
			put16(ic + 2, t_csum(t_sum(ic, 8 + len,
					     t_sum(ip + 8, 32, 0) + 58 + 8 + len)));
			w.len = 14 + 48 + len;
		}
		CHECK(o.res.n_extra == 1 && mbuf_eq(o.res.extra[0].m, &w, "icmp6"),
		      "icmpv6 admin prohibited");
		done(&o);
		/* ICMPv6 destination unreachable: nothing */
		k6.icmp_type = 1;
		CHECK(verdict(rs, 0, &k6, &o) == INTERP_DROP &&
		      o.res.n_extra == 0, "no icmpv6 error for unreachable");
	}
	finish(rs);
}

static void
test_run_from_and_log(void)
{
	struct ir_table *t;
	struct ir_chain *c1, *c2;
	struct ir_rule *r0, *r1, *r2, *rl;
	struct fp_ruleset *rs;
	struct outcome o;
	struct pkt k = tcp4(1, 80);
	struct frame f;
	struct pkt_view v;
	static const struct rte_ether_addr mac = {
		.addr_bytes = { 0x02, 0, 0, 0, 0, 0x10 } };
	uint32_t m9 = 9;

	b_new();
	t = irb_table("t");
	c1 = irb_base(t, "c1", -5, IR_POLICY_ACCEPT, "eth0", 0);
	c2 = irb_base(t, "c2", 5, IR_POLICY_DROP, "eth0", 0);
	r0 = irb_rule(c1);
	irb_stmt(r0, IR_STMT_COUNTER);
	irb_verdict(r0, IR_VERDICT_DROP, NULL);	/* the "hardware" rule */
	rl = irb_rule(c2);
	irb_stmt(rl, IR_STMT_LOG)->log.prefix = "test: ";
	r1 = irb_rule(c2);
	irb_cmp(r1, irb_meta(IR_META_MARK), IR_CMP_EQ, &m9, 4);
	irb_stmt(r1, IR_STMT_COUNTER);
	irb_verdict(r1, IR_VERDICT_ACCEPT, NULL);
	r2 = irb_rule(c2);
	irb_stmt(r2, IR_STMT_COUNTER);
	rs = build();
	if (rs == NULL)
		return;
	mk(&f, &k);
	/* resume at c2 rule 1 with mark 9: r0 and the log are skipped */
	o.m = to_mbuf(&f);
	pkt_view_parse(o.m, &mac, &v);
	interp_run_from(rs, 0, 0, o.m, &v, 1, 1, 9, &o.res);
	CHECK(o.res.disp == INTERP_ACCEPT && o.res.mark == 9 &&
	      o.res.hook_idx == 1 && o.res.rule_idx == 1, "resumed");
	done(&o);
	CHECK(rule_cnt(rs, "t", "c1", r0).packets == 0, "r0 skipped");
	CHECK(rule_cnt(rs, "t", "c2", r1).packets == 1, "r1 ran");
	/* resume at rule 2 with mark 9: r1 skipped, falls to the policy */
	o.m = to_mbuf(&f);
	pkt_view_parse(o.m, &mac, &v);
	interp_run_from(rs, 0, 0, o.m, &v, 1, 2, 9, &o.res);
	CHECK(o.res.disp == INTERP_DROP && o.res.reason == INTERP_R_POLICY,
	      "resume at 2: policy");
	done(&o);
	/* resume past the last chain: accept */
	o.m = to_mbuf(&f);
	pkt_view_parse(o.m, &mac, &v);
	interp_run_from(rs, 0, 0, o.m, &v, 2, 0, 0, &o.res);
	CHECK(o.res.disp == INTERP_ACCEPT && o.res.out_port == 1, "past end");
	done(&o);
	CHECK(rule_cnt(rs, "t", "c2", r2).packets == 1, "r2 once");

	/* log: at most 10 lines a second per lcore, the rest counted */
	for (unsigned int i = 0; i < 25; i++) {
		o.m = to_mbuf(&f);
		pkt_view_parse(o.m, &mac, &v);
		interp_run_from(rs, 0, 0, o.m, &v, 1, 0, 0, &o.res);
		done(&o);
	}
	CHECK(fp_ruleset_lcore_stat(rs, offsetof(struct fp_lcore_state,
						 log_suppressed)) == 15,
	      "log suppressed %" PRIu64,
	      fp_ruleset_lcore_stat(rs, offsetof(struct fp_lcore_state,
						 log_suppressed)));
	finish(rs);
}

static void
test_checksum_helpers(void)
{
	/* fp_act's sums agree with this file's on odd lengths and offsets */
	uint8_t b[61];
	uint32_t s;

	for (unsigned int i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)(i * 37 + 11);
	for (unsigned int n = 0; n <= sizeof(b); n++) {
		uint16_t got, want;

		s = fp_csum_partial(b, n, 0);
		got = (uint16_t)~fp_csum_fold16(s);
		want = t_csum(t_sum(b, n, 0));
		if (!CHECK(got == want, "csum len %u: %04x != %04x", n, got, want))
			break;
	}
	CHECK(fp_reject_icmpx_to_icmp(1) == 3 && fp_reject_icmpx_to_icmp(3) == 13 &&
	      fp_reject_icmpx_to_icmpv6(1) == 4 &&
	      fp_reject_icmpx_to_icmpv6(2) == 3, "icmpx codes");
}

/* ---- nft text through the nft reader (root + netns; else skipped) --------- */

static int
load_nft(const char *text, struct ir_ruleset **out)
{
	char path[] = "/tmp/test_interp_XXXXXX";
	struct nftr_diag d;
	int fd = mkstemp(path), rc;

	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		close(fd);
		unlink(path);
		return -EIO;
	}
	close(fd);
	nftr_diag_init(&d);
	rc = nftr_load_file(path, port_names, 4, out, &d);
	if (rc < 0)
		fprintf(stderr, "  nftr_load_file: %d %s %s\n", rc,
			d.msg ? d.msg : "", d.nft_stderr ? d.nft_stderr : "");
	nftr_diag_free(&d);
	unlink(path);
	return rc;
}

static void
test_nft_text(void)
{
	static const char text[] =
		"table netdev t {\n"
		"  set blocked { type ipv4_addr; flags interval;\n"
		"    elements = { 10.1.0.0/16, 192.168.0.1-192.168.0.9 } }\n"
		"  chain x {\n    meta mark set 0x2a\n    tcp dport 22 return\n"
		"    counter drop\n  }\n"
		"  chain c { type filter hook ingress device \"eth0\" priority 0;"
		" policy accept;\n"
		"    ip saddr @blocked counter drop\n"
		"    tcp dport vmap { 22 : jump x, 23 : jump x, 80 : accept }\n"
		"    ip daddr . udp dport { 10.0.0.2 . 53 } counter drop\n"
		"    meta mark 0x2a ip ttl set 5 counter\n"
		"  }\n"
		"}\n";
	struct ir_ruleset *ir = NULL;
	struct fp_ruleset *rs;
	struct outcome o;
	struct pkt k;
	struct frame f, want;
	int rc;

	rc = load_nft(text, &ir);
	if (rc == -EPERM || rc == -EACCES || rc == -ENOENT || rc == -ENOSYS ||
	    rc == -EOPNOTSUPP) {
		SKIP("nft text cases (nftr_load_file: %d)", rc);
		return;
	}
	if (!CHECK(rc == 0, "nftr_load_file: %d", rc))
		return;
	B = ir;
	rs = build();
	if (rs == NULL) {
		ir_ruleset_free(ir);
		B = NULL;
		return;
	}
	k = tcp4(1, 80);
	k.saddr = IP4(10, 1, 2, 3);
	CHECK(verdict(rs, 0, &k, &o) == INTERP_DROP, "nft: blocked saddr");
	k.saddr = IP4(192, 168, 0, 9);
	CHECK(verdict(rs, 0, &k, &o) == INTERP_DROP, "nft: range end");
	k.saddr = IP4(192, 168, 0, 10);
	CHECK(verdict(rs, 0, &k, &o) == INTERP_ACCEPT &&
	      o.res.reason == INTERP_R_RULE, "nft: vmap accept 80");
	k = tcp4(1, 22);	/* jump x: mark set, return, ttl set 5 */
	mk(&f, &k);
	run(rs, 0, &f, &o);
	k.ttl = 5;
	mk(&want, &k);
	CHECK(o.res.disp == INTERP_ACCEPT && o.res.mark == 0x2a,
	      "nft: jump/return: disp %d mark %#x", o.res.disp, o.res.mark);
	CHECK(mbuf_eq(o.m, &want, "nft ttl"), "nft: ttl set with checksum");
	done(&o);
	k = tcp4(1, 23);
	CHECK(verdict(rs, 0, &k, &o) == INTERP_DROP && o.res.mark == 0x2a,
	      "nft: 23 dropped in x");
	k = udp4(1, 53);
	CHECK(verdict(rs, 0, &k, &o) == INTERP_DROP, "nft: concat drop");
	k = udp4(1, 54);
	CHECK(verdict(rs, 0, &k, &o) == INTERP_ACCEPT, "nft: concat miss");
	finish(rs);
}

int
main(int argc, char **argv)
{
	char prefix[64];
	char *eal_argv[] = {
		argv[0], "--no-huge", "-m", "256", "--no-pci", "-l", "0",
		"--file-prefix", prefix, "--log-level", "lib.eal:error", NULL,
	};
	int eal_argc = (int)RTE_DIM(eal_argv) - 1;

	(void)argc;
	snprintf(prefix, sizeof(prefix), "interp_%d", (int)getpid());
	if (rte_eal_init(eal_argc, eal_argv) < 0) {
		fprintf(stderr, "interp: EAL init failed\n");
		return 1;
	}
	pool = rte_pktmbuf_pool_create("interp_pool", 1023, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (pool == NULL) {
		fprintf(stderr, "interp: no mempool\n");
		return 1;
	}

	test_checksum_helpers();
	test_no_chain_and_policy();
	test_base_chain_order();
	test_jump_goto_return();
	test_jump_depth();
	test_vmap_and_sets();
	test_meta_and_masks();
	test_mark_across_chains();
	test_counters_objects_lcores();
	test_limits();
	test_carry_same_rule();
	test_fwd_dup();
	test_payload_set();
	test_reject();
	test_run_from_and_log();
	test_nft_text();

	CHECK(rte_mempool_in_use_count(pool) == 0, "mbuf leak: %u in use",
	      rte_mempool_in_use_count(pool));
	rte_mempool_free(pool);
	rte_eal_cleanup();
	return tc_finish("interp");
}
