/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * flowemu unit test.  Ports: net_ring vdevs, which loop what is sent on tx
 * queue q back to rx queue q, so every frame goes tx -> ring -> the real
 * rte_eth_rx_burst() (inline, reading rte_eth_fp_ops) -> the flowemu rx
 * hook; net_null0 stays unattached and shows the real rte_flow answers.
 * Runs without hugepages: --no-huge -m 256 --no-pci -l 0.
 * Prints "flowemu: N checks passed, M failed"; exit 1 on failure.
 */

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_byteorder.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_flow.h>
#include <rte_mbuf.h>

#include "tests/flowemu/flowemu.h"

static unsigned int n_pass, n_fail;

static void __attribute__((format(printf, 3, 4)))
check(bool ok, int line, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		n_pass++;
		return;
	}
	n_fail++;
	fprintf(stderr, "FAIL line %d: ", line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

#define CHECK(c, ...) check((c), __LINE__, __VA_ARGS__)

/* ---------------------------------------------------------------------------
 * Frames
 */

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

struct pk {
	uint8_t dst[6], src[6];
	int nvlan;
	uint16_t tpid[2], tci[2];
	int l3;			/* 4, 6, or 0: 'etype' follows the L2 header */
	uint16_t etype;
	uint32_t sip4, dip4;
	uint8_t tos, ttl;
	uint16_t frag;		/* IPv4 flags+offset / IPv6 frag header offset<<3|M */
	int v6ext;		/* 0 none, IPPROTO_HOPOPTS, IPPROTO_FRAGMENT */
	uint8_t sip6[16], dip6[16];
	uint8_t proto;
	uint16_t sport, dport;
	uint8_t tcp_flags;
	uint8_t icmp_type, icmp_code;
};

static struct pk
pk_tcp4(uint32_t sip, uint32_t dip, uint16_t sport, uint16_t dport)
{
	struct pk p = {
		.dst = { 2, 0, 0, 0, 0, 2 }, .src = { 2, 0, 0, 0, 0, 1 },
		.l3 = 4, .sip4 = sip, .dip4 = dip, .ttl = 64,
		.proto = IPPROTO_TCP, .sport = sport, .dport = dport, .tcp_flags = 0x10,
	};
	return p;
}

static struct pk
pk_v6(uint8_t proto, uint16_t sport, uint16_t dport)
{
	struct pk p = pk_tcp4(0, 0, sport, dport);

	p.l3 = 6;
	p.proto = proto;
	p.sip6[0] = 0x20; p.sip6[1] = 0x01; p.sip6[15] = 1;
	p.dip6[0] = 0x20; p.dip6[1] = 0x01; p.dip6[15] = 2;
	return p;
}

static void
put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static void
put32(uint8_t *b, uint32_t v)
{
	put16(b, (uint16_t)(v >> 16));
	put16(b + 2, (uint16_t)v);
}

static uint32_t
pk_build(const struct pk *p, uint8_t *b)
{
	uint32_t off = 12, l4len = 0, l3off, l4off;
	int i;

	memcpy(b, p->dst, 6);
	memcpy(b + 6, p->src, 6);
	for (i = 0; i < p->nvlan; i++) {
		put16(b + off, p->tpid[i]);
		put16(b + off + 2, p->tci[i]);
		off += 4;
	}
	put16(b + off, p->l3 == 4 ? 0x0800 : p->l3 == 6 ? 0x86dd : p->etype);
	off += 2;
	l3off = off;
	if (p->l3 == 0) {
		memset(b + off, 0xab, 46);
		return off + 46;
	}
	switch (p->proto) {
	case IPPROTO_TCP: l4len = 20; break;
	case IPPROTO_UDP: l4len = 8; break;
	case IPPROTO_SCTP: l4len = 12; break;
	default: l4len = 8; break;
	}
	if (p->l3 == 4) {
		memset(b + off, 0, 20);
		b[off] = 0x45;
		b[off + 1] = p->tos;
		put16(b + off + 2, (uint16_t)(20 + l4len + 8));
		put16(b + off + 4, 0x1234);
		put16(b + off + 6, p->frag);
		b[off + 8] = p->ttl;
		b[off + 9] = p->proto;
		put32(b + off + 12, p->sip4);
		put32(b + off + 16, p->dip4);
		l4off = off + 20;
	} else {
		uint32_t ext = p->v6ext != 0 ? 8 : 0;

		put32(b + off, 0x60000000u | (uint32_t)p->tos << 20);
		put16(b + off + 4, (uint16_t)(ext + l4len + 8));
		b[off + 6] = p->v6ext != 0 ? (uint8_t)p->v6ext : p->proto;
		b[off + 7] = p->ttl;
		memcpy(b + off + 8, p->sip6, 16);
		memcpy(b + off + 24, p->dip6, 16);
		l4off = off + 40;
		if (p->v6ext == IPPROTO_FRAGMENT) {
			b[l4off] = p->proto;
			b[l4off + 1] = 0;
			put16(b + l4off + 2, p->frag);
			put32(b + l4off + 4, 77);
		} else if (p->v6ext != 0) {
			static const uint8_t padn[6] = { 1, 4, 0, 0, 0, 0 };

			b[l4off] = p->proto;
			b[l4off + 1] = 0;
			memcpy(b + l4off + 2, padn, 6);
		}
		l4off += ext;
	}
	(void)l3off;
	memset(b + l4off, 0, l4len + 8);
	switch (p->proto) {
	case IPPROTO_TCP:
		put16(b + l4off, p->sport);
		put16(b + l4off + 2, p->dport);
		b[l4off + 12] = 0x50;
		b[l4off + 13] = p->tcp_flags;
		break;
	case IPPROTO_UDP:
	case IPPROTO_SCTP:
		put16(b + l4off, p->sport);
		put16(b + l4off + 2, p->dport);
		break;
	default:
		b[l4off] = p->icmp_type;
		b[l4off + 1] = p->icmp_code;
		break;
	}
	return l4off + l4len + 8;
}

/* ---------------------------------------------------------------------------
 * Ports and traffic
 */

static struct rte_mempool *pool;
static uint16_t ring0, ring1, ring2, null0;

#define OUT_DROP (-1)	/* nothing came out: dropped */
#define OUT_PLAIN (-2)	/* delivered without FDIR flags */
#define OUT_FLAG (-3)	/* delivered with RTE_MBUF_F_RX_FDIR only */
#define OUT_BAD (-4)	/* several packets, or FDIR_ID without FDIR */

static int
port_setup(uint16_t pid, uint16_t nq)
{
	struct rte_eth_conf conf = { 0 };
	uint16_t q;
	int ret;

	ret = rte_eth_dev_configure(pid, nq, nq, &conf);
	for (q = 0; ret == 0 && q < nq; q++) {
		ret = rte_eth_rx_queue_setup(pid, q, 512, SOCKET_ID_ANY, NULL, pool);
		if (ret == 0)
			ret = rte_eth_tx_queue_setup(pid, q, 512, SOCKET_ID_ANY, NULL);
	}
	if (ret == 0)
		ret = rte_eth_dev_start(pid);
	return ret;
}

static uint32_t last_len;

/* Raw damage to the frames run_q() builds (malformed-frame tests). */
static struct {
	int off[2];		/* bytes to overwrite, -1: none */
	uint8_t val[2];
	uint32_t cut;		/* keep this many bytes, 0: all */
} dmg = { { -1, -1 }, { 0, 0 }, 0 };

static void
dmg_set(int off0, uint8_t v0, int off1, uint8_t v1, uint32_t cut)
{
	dmg.off[0] = off0;
	dmg.val[0] = v0;
	dmg.off[1] = off1;
	dmg.val[1] = v1;
	dmg.cut = cut;
}

/* Send a frame on (pid, txq); what arrives on rxq. */
static int
run_q(uint16_t pid, uint16_t txq, uint16_t rxq, const struct pk *p, uint8_t pre_flags)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool), *out[8];
	uint8_t *d;
	uint16_t n;
	int res;

	if (m == NULL)
		return OUT_BAD;
	d = (uint8_t *)rte_pktmbuf_append(m, 128);
	last_len = pk_build(p, d);
	for (int i = 0; i < 2; i++)
		if (dmg.off[i] >= 0 && (uint32_t)dmg.off[i] < last_len)
			d[dmg.off[i]] = dmg.val[i];
	if (dmg.cut > 0 && dmg.cut < last_len)
		last_len = dmg.cut;
	rte_pktmbuf_trim(m, (uint16_t)(128 - last_len));
	if (pre_flags)	/* stale flags from a previous life of the mbuf */
		m->ol_flags |= RTE_MBUF_F_RX_FDIR | RTE_MBUF_F_RX_FDIR_ID;
	if (rte_eth_tx_burst(pid, txq, &m, 1) != 1) {
		rte_pktmbuf_free(m);
		return OUT_BAD;
	}
	n = rte_eth_rx_burst(pid, rxq, out, 8);
	if (n == 0)
		return OUT_DROP;
	if (n > 1)
		res = OUT_BAD;
	else if (out[0]->ol_flags & RTE_MBUF_F_RX_FDIR_ID)
		res = (out[0]->ol_flags & RTE_MBUF_F_RX_FDIR) ? (int)out[0]->hash.fdir.hi : OUT_BAD;
	else if (out[0]->ol_flags & RTE_MBUF_F_RX_FDIR)
		res = OUT_FLAG;
	else
		res = OUT_PLAIN;
	rte_pktmbuf_free_bulk(out, n);
	return res;
}

/* What is waiting on rxq (steered there earlier). */
static int
rx_only(uint16_t pid, uint16_t rxq)
{
	struct rte_mbuf *out[8];
	uint16_t n = rte_eth_rx_burst(pid, rxq, out, 8);
	int res;

	if (n == 0)
		return OUT_DROP;
	if (n > 1)
		res = OUT_BAD;
	else if (out[0]->ol_flags & RTE_MBUF_F_RX_FDIR_ID)
		res = (int)out[0]->hash.fdir.hi;
	else
		res = (out[0]->ol_flags & RTE_MBUF_F_RX_FDIR) ? OUT_FLAG : OUT_PLAIN;
	rte_pktmbuf_free_bulk(out, n);
	return res;
}

static int
run(uint16_t pid, const struct pk *p)
{
	return run_q(pid, 0, 0, p, 0);
}

/* ---------------------------------------------------------------------------
 * Rules
 */

struct rb {
	struct rte_flow_attr attr;
	struct rte_flow_item item[12];
	struct rte_flow_action act[8];
	uint8_t store[12][3][64];
	struct rte_flow_action_mark mark;
	struct rte_flow_action_queue queue;
	struct rte_flow_action_jump jump;
	struct rte_flow_action_rss rss;
	uint16_t rss_q[4];
	int ni, na;
};

static void
rb_init(struct rb *r, uint32_t group, uint32_t prio)
{
	memset(r, 0, sizeof(*r));
	r->attr.ingress = 1;
	r->attr.group = group;
	r->attr.priority = prio;
}

static const void *
keep(struct rb *r, int k, const void *v, size_t size)
{
	if (v == NULL)
		return NULL;
	memcpy(r->store[r->ni][k], v, size);
	return r->store[r->ni][k];
}

static struct rte_flow_item *
rb_item(struct rb *r, enum rte_flow_item_type t, const void *spec, const void *mask,
	const void *last, size_t size)
{
	struct rte_flow_item *it = &r->item[r->ni];

	it->type = t;
	it->spec = keep(r, 0, spec, size);
	it->mask = keep(r, 1, mask, size);
	it->last = keep(r, 2, last, size);
	r->ni++;
	return it;
}

static struct rte_flow_action *
rb_act(struct rb *r, enum rte_flow_action_type t, const void *conf)
{
	struct rte_flow_action *a = &r->act[r->na++];

	a->type = t;
	a->conf = conf;
	return a;
}

static void
rb_mark(struct rb *r, uint32_t id)
{
	r->mark.id = id;
	rb_act(r, RTE_FLOW_ACTION_TYPE_MARK, &r->mark);
}

static void
rb_queue(struct rb *r, uint16_t q)
{
	r->queue.index = q;
	rb_act(r, RTE_FLOW_ACTION_TYPE_QUEUE, &r->queue);
}

static void
rb_jump(struct rb *r, uint32_t g)
{
	r->jump.group = g;
	rb_act(r, RTE_FLOW_ACTION_TYPE_JUMP, &r->jump);
}

static struct rte_flow *
rb_create(uint16_t pid, struct rb *r, struct rte_flow_error *err)
{
	struct rte_flow_error e;

	if (err == NULL)
		err = &e;
	memset(err, 0, sizeof(*err));
	r->item[r->ni].type = RTE_FLOW_ITEM_TYPE_END;
	r->act[r->na].type = RTE_FLOW_ACTION_TYPE_END;
	return rte_flow_create(pid, &r->attr, r->item, r->act, err);
}

static int
rb_validate(uint16_t pid, struct rb *r, struct rte_flow_error *err)
{
	memset(err, 0, sizeof(*err));
	r->item[r->ni].type = RTE_FLOW_ITEM_TYPE_END;
	r->act[r->na].type = RTE_FLOW_ACTION_TYPE_END;
	return rte_flow_validate(pid, &r->attr, r->item, r->act, err);
}

/* The usual "mark id, deliver" rule; items added by the caller. */
#define MARK_RULE(r, pid, id) ({ (r)->na = 0; rb_mark(r, id); rb_queue(r, 0); rb_create(pid, r, NULL); })

static bool
has(const struct rte_flow_error *e, const char *s)
{
	return e->message != NULL && strstr(e->message, s) != NULL;
}

static void
flush(uint16_t pid)
{
	struct rte_flow_error e;

	rte_flow_flush(pid, &e);
}

static void
reattach(uint16_t pid, const struct flowemu_profile *p)
{
	flowemu_detach(pid);
	if (flowemu_attach(pid, p) != 0) {
		fprintf(stderr, "cannot attach port %u as %s\n", pid, p->name);
		exit(1);
	}
}

static const struct rte_flow_item_eth eth_any;

/* ---------------------------------------------------------------------------
 * Tests
 */

static void
test_interpose(void)
{
	struct rte_flow_error e;
	struct rb r;
	uint64_t feat;
	int ret;

	/* unattached net_null: DPDK's own rte_flow, which has no flow ops there */
	rb_init(&r, 0, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	rb_act(&r, RTE_FLOW_ACTION_TYPE_DROP, NULL);
	ret = rb_validate(null0, &r, &e);
	CHECK(ret < 0 && (rte_errno == ENOSYS || rte_errno == ENOTSUP),
		"real validate on net_null: ret %d errno %d (%s)", ret, rte_errno,
		e.message ? e.message : "");
	CHECK(e.message == NULL || strstr(e.message, "flowemu") == NULL,
		"real validate message is DPDK's: %s", e.message);
	CHECK(rb_create(null0, &r, &e) == NULL, "real create on net_null fails");
	CHECK(rte_flow_flush(null0, &e) < 0, "real flush on net_null fails");
	CHECK(rte_flow_isolate(null0, 1, &e) < 0 && !has(&e, "flowemu"),
		"real isolate on net_null: %s", e.message);

	/* attached ring port: the emulator */
	ret = rb_validate(ring0, &r, &e);
	CHECK(ret == 0, "emulated validate on net_ring: %d %s", ret, e.message);
	CHECK(rte_flow_isolate(ring0, 1, &e) == -ENOTSUP && e.type == RTE_FLOW_ERROR_TYPE_UNSPECIFIED &&
		has(&e, "isolated mode"), "isolate refused: %s", e.message);

	feat = RTE_ETH_RX_METADATA_USER_MARK | RTE_ETH_RX_METADATA_USER_FLAG |
		RTE_ETH_RX_METADATA_TUNNEL_ID;
	ret = rte_eth_rx_metadata_negotiate(ring0, &feat);
	CHECK(ret == 0 && feat == (RTE_ETH_RX_METADATA_USER_MARK | RTE_ETH_RX_METADATA_USER_FLAG),
		"metadata negotiate: %d %#" PRIx64, ret, feat);
	/* net_null has no rx_metadata_negotiate op: DPDK answers 0 with nothing agreed
	 * (22.11 ethdev: a PMD without the op delivers no metadata) -- whatever it
	 * says, it is not the emulator's answer (which would keep USER_MARK) */
	feat = RTE_ETH_RX_METADATA_USER_MARK;
	ret = rte_eth_rx_metadata_negotiate(null0, &feat);
	CHECK(!(ret == 0 && feat == RTE_ETH_RX_METADATA_USER_MARK),
		"real negotiate on net_null: %d %#" PRIx64, ret, feat);
	{
		struct flowemu_stats st;

		flowemu_stats_get(ring0, &st);
		CHECK(st.negotiated && (st.rx_metadata & RTE_ETH_RX_METADATA_USER_MARK),
			"negotiation recorded");
	}
	CHECK(!flowemu_attached(null0) && flowemu_attached(ring0), "attached state");
}

static void
test_eth_vlan(void)
{
	struct pk p = pk_tcp4(IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), 1000, 80), t = p;
	struct rte_flow_item_eth es = { 0 }, em = { 0 };
	struct rte_flow_item_vlan vs = { 0 }, vm = { 0 };
	struct rb r;

	t.nvlan = 1;
	t.tpid[0] = 0x8100;
	t.tci[0] = 0x6000 | 100;	/* PCP 3, VID 100 */

	reattach(ring0, &flowemu_profile_rich);
	CHECK(run(ring0, &p) == OUT_PLAIN, "no rule: delivered unmarked");
	CHECK(run_q(ring0, 0, 0, &p, 1) == OUT_PLAIN, "no rule: stale FDIR flags cleared");

	/* default ETH mask covers dst/src only: spec.type is ignored */
	rb_init(&r, 0, 0);
	memcpy(es.hdr.dst_addr.addr_bytes, p.dst, 6);
	memcpy(es.hdr.src_addr.addr_bytes, p.src, 6);	/* the default mask has src too */
	es.hdr.ether_type = RTE_BE16(0x86dd);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, &es, NULL, NULL, sizeof(es));
	CHECK(MARK_RULE(&r, ring0, 1) != NULL, "create eth dst");
	CHECK(run(ring0, &p) == 1, "ETH dst, default mask ignores type");
	p.dst[5] = 9;
	CHECK(run(ring0, &p) == OUT_PLAIN, "ETH dst mismatch");
	p.dst[5] = 2;
	flush(ring0);

	/* explicit type mask: the outer EtherType */
	rb_init(&r, 0, 0);
	es = (struct rte_flow_item_eth){ .hdr.ether_type = RTE_BE16(0x0800) };
	em = (struct rte_flow_item_eth){ .hdr.ether_type = RTE_BE16(0xffff) };
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, &es, &em, NULL, sizeof(es));
	MARK_RULE(&r, ring0, 2);
	CHECK(run(ring0, &p) == 2, "ETH type 0x0800 matches untagged IPv4");
	CHECK(run(ring0, &t) == OUT_PLAIN, "ETH type 0x0800 does not match tagged IPv4 (type is the TPID)");
	flush(ring0);

	/* ETH type = TPID before a VLAN item */
	rb_init(&r, 0, 0);
	es = (struct rte_flow_item_eth){ .hdr.ether_type = RTE_BE16(0x8100) };
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, &es, &em, NULL, sizeof(es));
	rb_item(&r, RTE_FLOW_ITEM_TYPE_VLAN, NULL, NULL, NULL, 0);
	MARK_RULE(&r, ring0, 3);
	CHECK(run(ring0, &t) == 3, "ETH TPID 0x8100 / VLAN matches tagged");
	CHECK(run(ring0, &p) == OUT_PLAIN, "ETH TPID / VLAN: untagged not");
	t.tpid[0] = 0x88a8;
	CHECK(run(ring0, &t) == OUT_PLAIN, "ETH TPID 0x8100: 802.1ad tag not");
	t.tpid[0] = 0x8100;
	flush(ring0);

	/* has_vlan */
	rb_init(&r, 0, 0);
	es = (struct rte_flow_item_eth){ .has_vlan = 1 };
	em = (struct rte_flow_item_eth){ .has_vlan = 1 };
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, &es, &em, NULL, sizeof(es));
	MARK_RULE(&r, ring0, 4);
	CHECK(run(ring0, &t) == 4 && run(ring0, &p) == OUT_PLAIN, "has_vlan=1: tagged only");
	flush(ring0);
	rb_init(&r, 0, 0);
	es.has_vlan = 0;
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, &es, &em, NULL, sizeof(es));
	MARK_RULE(&r, ring0, 5);
	CHECK(run(ring0, &t) == OUT_PLAIN && run(ring0, &p) == 5, "has_vlan=0: untagged only");
	flush(ring0);

	/* ETH with neither type nor has_vlan: both */
	rb_init(&r, 0, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, &eth_any, &eth_any, NULL, sizeof(eth_any));
	MARK_RULE(&r, ring0, 6);
	CHECK(run(ring0, &t) == 6 && run(ring0, &p) == 6, "ETH, empty mask: tagged and untagged");
	flush(ring0);

	/* ETH / IPV4 on a tagged frame: profile-dependent (rich: across tags) */
	rb_init(&r, 0, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_IPV4, NULL, NULL, NULL, 0);
	MARK_RULE(&r, ring0, 7);
	CHECK(run(ring0, &t) == 7 && run(ring0, &p) == 7, "rich: ETH / IPV4 matches across a tag");
	reattach(ring0, &flowemu_profile_nopriority);
	CHECK(MARK_RULE(&r, ring0, 7) != NULL, "nopriority: ETH / IPV4 created");
	CHECK(run(ring0, &t) == OUT_PLAIN && run(ring0, &p) == 7,
		"nopriority: ETH / IPV4 is strict: tagged frame not matched");
	reattach(ring0, &flowemu_profile_rich);

	/* ETH has_vlan=1 / IPV4: the has_vlan mask closes transparency? no: it is masked, so strict */
	rb_init(&r, 0, 0);
	es = (struct rte_flow_item_eth){ .has_vlan = 1 };
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, &es, &em, NULL, sizeof(es));
	rb_item(&r, RTE_FLOW_ITEM_TYPE_VLAN, NULL, NULL, NULL, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_IPV4, NULL, NULL, NULL, 0);
	MARK_RULE(&r, ring0, 8);
	CHECK(run(ring0, &t) == 8 && run(ring0, &p) == OUT_PLAIN, "ETH has_vlan / VLAN / IPV4");
	flush(ring0);

	/* VLAN tci: default mask 0x0fff ignores PCP */
	rb_init(&r, 0, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	vs = (struct rte_flow_item_vlan){ .hdr.vlan_tci = RTE_BE16(100) };
	rb_item(&r, RTE_FLOW_ITEM_TYPE_VLAN, &vs, NULL, NULL, sizeof(vs));
	MARK_RULE(&r, ring0, 9);
	CHECK(run(ring0, &t) == 9, "VLAN vid 100, PCP masked out");
	t.tci[0] = 101;
	CHECK(run(ring0, &t) == OUT_PLAIN, "VLAN vid 101 not");
	t.tci[0] = 100;
	flush(ring0);

	/* VLAN inner_type, has_more_vlan on QinQ */
	{
		struct pk q = t;

		q.nvlan = 2;
		q.tpid[0] = 0x88a8;
		q.tci[0] = 10;
		q.tpid[1] = 0x8100;
		q.tci[1] = 20;
		rb_init(&r, 0, 0);
		rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
		vs = (struct rte_flow_item_vlan){ .has_more_vlan = 1 };
		vm = (struct rte_flow_item_vlan){ .has_more_vlan = 1 };
		rb_item(&r, RTE_FLOW_ITEM_TYPE_VLAN, &vs, &vm, NULL, sizeof(vs));
		MARK_RULE(&r, ring0, 10);
		CHECK(run(ring0, &q) == 10 && run(ring0, &t) == OUT_PLAIN, "VLAN has_more_vlan: QinQ only");
		flush(ring0);

		rb_init(&r, 0, 0);
		rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
		vs = (struct rte_flow_item_vlan){ .hdr.vlan_tci = RTE_BE16(10),
			.hdr.eth_proto = RTE_BE16(0x8100) };
		vm = (struct rte_flow_item_vlan){ .hdr.vlan_tci = RTE_BE16(0xfff),
			.hdr.eth_proto = RTE_BE16(0xffff) };
		rb_item(&r, RTE_FLOW_ITEM_TYPE_VLAN, &vs, &vm, NULL, sizeof(vs));
		vs = (struct rte_flow_item_vlan){ .hdr.vlan_tci = RTE_BE16(20) };
		rb_item(&r, RTE_FLOW_ITEM_TYPE_VLAN, &vs, NULL, NULL, sizeof(vs));
		rb_item(&r, RTE_FLOW_ITEM_TYPE_IPV4, NULL, NULL, NULL, 0);
		MARK_RULE(&r, ring0, 11);
		CHECK(run(ring0, &q) == 11, "ETH / VLAN 10 inner 0x8100 / VLAN 20 / IPV4 on QinQ");
		q.tci[1] = 21;
		CHECK(run(ring0, &q) == OUT_PLAIN, "inner VID differs");
		flush(ring0);
	}
}

/*
 * The NIC model of the offload planner (rte_flow/ofl_items.h): headers
 * found by version, ihl and presence; lengths and checksums never checked;
 * tags 0x8100/0x88a8 only.
 */
static void
test_malformed(void)
{
	struct pk p = pk_tcp4(IP4(10, 1, 2, 3), IP4(192, 168, 0, 1), 1000, 80), q;
	struct rte_flow_item_eth es, em;
	struct rb r;

	reattach(ring0, &flowemu_profile_rich);
	/* eth / ipv4 */
	rb_init(&r, 0, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_IPV4, NULL, NULL, NULL, 0);
	MARK_RULE(&r, ring0, 1);
	CHECK(run(ring0, &p) == 1, "IPV4: well-formed");
	dmg_set(14, 0x65, -1, 0, 0);
	CHECK(run(ring0, &p) == OUT_PLAIN, "IPV4: version 6 under 0x0800 is not IPv4");
	dmg_set(14, 0x55, -1, 0, 0);
	CHECK(run(ring0, &p) == OUT_PLAIN, "IPV4: version 5 is not IPv4");
	dmg_set(14, 0x44, -1, 0, 0);
	CHECK(run(ring0, &p) == OUT_PLAIN, "IPV4: ihl 4 is not IPv4");
	dmg_set(14, 0x4f, -1, 0, 0);
	CHECK(run(ring0, &p) == OUT_PLAIN, "IPV4: ihl 15, header not all in the frame");
	dmg_set(16, 0, 17, 200, 0);
	CHECK(run(ring0, &p) == 1, "IPV4: total length beyond the frame is not checked");
	dmg_set(16, 0, 17, 10, 0);
	CHECK(run(ring0, &p) == 1, "IPV4: total length below the header is not checked");
	dmg_set(-1, 0, -1, 0, 14 + 19);
	CHECK(run(ring0, &p) == OUT_PLAIN, "IPV4: header cut at 19 bytes");
	dmg_set(-1, 0, -1, 0, 0);
	q = p;
	q.nvlan = 1;
	q.tpid[0] = 0x9100;
	q.tci[0] = 5;
	CHECK(run(ring0, &q) == OUT_PLAIN, "0x9100 is not a tag: no IPv4 behind it");
	flush(ring0);
	/* eth type 0x9100 has_vlan 0 */
	rb_init(&r, 0, 0);
	es = (struct rte_flow_item_eth){ .hdr.ether_type = RTE_BE16(0x9100), .has_vlan = 0 };
	em = (struct rte_flow_item_eth){ .hdr.ether_type = RTE_BE16(0xffff), .has_vlan = 1 };
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, &es, &em, NULL, sizeof(es));
	MARK_RULE(&r, ring0, 2);
	CHECK(run(ring0, &q) == 2, "0x9100 frame: ETH type 0x9100, has_vlan 0");
	flush(ring0);
	/* a tag needs its 4 bytes */
	rb_init(&r, 0, 0);
	es = (struct rte_flow_item_eth){ .has_vlan = 1 };
	em = (struct rte_flow_item_eth){ .has_vlan = 1 };
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, &es, &em, NULL, sizeof(es));
	MARK_RULE(&r, ring0, 3);
	q.tpid[0] = 0x8100;
	dmg_set(-1, 0, -1, 0, 18);
	CHECK(run(ring0, &q) == 3, "18-byte tagged frame: has_vlan");
	dmg_set(-1, 0, -1, 0, 17);
	CHECK(run(ring0, &q) == OUT_PLAIN, "17-byte frame with TPID 0x8100: no tag");
	dmg_set(-1, 0, -1, 0, 0);
	flush(ring0);
	/* eth / ipv4 / tcp */
	rb_init(&r, 0, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_IPV4, NULL, NULL, NULL, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_TCP, NULL, NULL, NULL, 0);
	MARK_RULE(&r, ring0, 4);
	CHECK(run(ring0, &p) == 4, "TCP: well-formed");
	dmg_set(16, 0, 17, 200, 0);
	CHECK(run(ring0, &p) == 4, "TCP: IPv4 total length beyond the frame is not checked");
	dmg_set(16, 0, 17, 10, 0);
	CHECK(run(ring0, &p) == 4, "TCP: IPv4 total length below the header is not checked");
	dmg_set(-1, 0, -1, 0, 14 + 20 + 19);
	CHECK(run(ring0, &p) == OUT_PLAIN, "TCP: header cut at 19 bytes");
	dmg_set(-1, 0, -1, 0, 14 + 20 + 20);
	CHECK(run(ring0, &p) == 4, "TCP: the 20 bytes are enough");
	dmg_set(14, 0x46, -1, 0, 14 + 20 + 20);
	CHECK(run(ring0, &p) == OUT_PLAIN, "TCP: at ihl * 4 (ihl 6: the 20 bytes end 4 bytes short)");
	dmg_set(-1, 0, -1, 0, 0);
	flush(ring0);
	/* eth / ipv6 */
	q = pk_v6(IPPROTO_UDP, 1000, 53);
	rb_init(&r, 0, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_IPV6, NULL, NULL, NULL, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_UDP, NULL, NULL, NULL, 0);
	MARK_RULE(&r, ring0, 5);
	CHECK(run(ring0, &q) == 5, "IPV6/UDP: well-formed");
	dmg_set(14, 0x40, -1, 0, 0);
	CHECK(run(ring0, &q) == OUT_PLAIN, "IPV6: version 4 under 0x86dd is not IPv6");
	dmg_set(18, 0x10, -1, 0, 0);
	CHECK(run(ring0, &q) == 5, "IPV6: payload length beyond the frame is not checked");
	dmg_set(-1, 0, -1, 0, 14 + 39);
	CHECK(run(ring0, &q) == OUT_PLAIN, "IPV6: header cut at 39 bytes");
	dmg_set(-1, 0, -1, 0, 14 + 40 + 7);
	CHECK(run(ring0, &q) == OUT_PLAIN, "UDP: header cut at 7 bytes");
	dmg_set(-1, 0, -1, 0, 0);
	flush(ring0);
}

static void
test_l3_l4(void)
{
	struct pk p = pk_tcp4(IP4(10, 1, 2, 3), IP4(192, 168, 0, 1), 1000, 80);
	struct rte_flow_item_ipv4 s4, m4, l4;
	struct rte_flow_item_ipv6 s6, m6;
	struct rte_flow_item_tcp ts, tm, tl;
	struct rte_flow_item_udp us;
	struct rte_flow_item_icmp is;
	struct rte_flow_item_icmp6 i6s;
	struct rte_flow_item_sctp ss;
	struct rte_flow_error e;
	struct rb r;
	struct pk q;

	reattach(ring0, &flowemu_profile_rich);

	/* IPv4 src prefix and dst exact */
	rb_init(&r, 0, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	s4 = (struct rte_flow_item_ipv4){ .hdr.src_addr = RTE_BE32(IP4(10, 1, 2, 0)),
		.hdr.dst_addr = RTE_BE32(IP4(192, 168, 0, 1)) };
	m4 = (struct rte_flow_item_ipv4){ .hdr.src_addr = RTE_BE32(0xffffff00),
		.hdr.dst_addr = RTE_BE32(0xffffffff) };
	rb_item(&r, RTE_FLOW_ITEM_TYPE_IPV4, &s4, &m4, NULL, sizeof(s4));
	MARK_RULE(&r, ring0, 1);
	CHECK(run(ring0, &p) == 1, "IPv4 10.1.2.0/24 -> 192.168.0.1");
	q = p;
	q.sip4 = IP4(10, 1, 3, 3);
	CHECK(run(ring0, &q) == OUT_PLAIN, "IPv4 src outside /24");
	q = pk_v6(IPPROTO_TCP, 1000, 80);
	CHECK(run(ring0, &q) == OUT_PLAIN, "IPV4 item vs IPv6 frame");
	flush(ring0);

	/* IPv4 NULL spec: any IPv4; default mask when mask is NULL: addresses only */
	rb_init(&r, 0, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	s4 = (struct rte_flow_item_ipv4){ .hdr.src_addr = RTE_BE32(IP4(10, 1, 2, 3)),
		.hdr.dst_addr = RTE_BE32(IP4(192, 168, 0, 1)), .hdr.next_proto_id = 17,
		.hdr.time_to_live = 1 };
	rb_item(&r, RTE_FLOW_ITEM_TYPE_IPV4, &s4, NULL, NULL, sizeof(s4));
	MARK_RULE(&r, ring0, 2);
	CHECK(run(ring0, &p) == 2, "IPv4 default mask ignores proto and ttl");
	flush(ring0);

	/* next_proto_id, ttl, tos with explicit masks */
	rb_init(&r, 0, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	s4 = (struct rte_flow_item_ipv4){ .hdr.next_proto_id = 6, .hdr.time_to_live = 64,
		.hdr.type_of_service = 0xb8 };
	m4 = (struct rte_flow_item_ipv4){ .hdr.next_proto_id = 0xff, .hdr.time_to_live = 0xff,
		.hdr.type_of_service = 0xfc };
	rb_item(&r, RTE_FLOW_ITEM_TYPE_IPV4, &s4, &m4, NULL, sizeof(s4));
	MARK_RULE(&r, ring0, 3);
	q = p;
	q.tos = 0xb9;	/* DSCP 46, ECN 1: ECN masked out */
	CHECK(run(ring0, &q) == 3, "IPv4 proto/ttl/dscp");
	q.ttl = 63;
	CHECK(run(ring0, &q) == OUT_PLAIN, "IPv4 ttl differs");
	flush(ring0);

	/* ranges: TCP dst port 1000-2000 */
	rb_init(&r, 0, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_IPV4, NULL, NULL, NULL, 0);
	ts = (struct rte_flow_item_tcp){ .hdr.dst_port = RTE_BE16(1000) };
	tl = (struct rte_flow_item_tcp){ .hdr.dst_port = RTE_BE16(2000) };
	tm = (struct rte_flow_item_tcp){ .hdr.dst_port = RTE_BE16(0xffff) };
	rb_item(&r, RTE_FLOW_ITEM_TYPE_TCP, &ts, &tm, &tl, sizeof(ts));
	MARK_RULE(&r, ring0, 4);
	q = p;
	q.dport = 999;
	CHECK(run(ring0, &q) == OUT_PLAIN, "range 1000-2000: 999 no");
	q.dport = 1000;
	CHECK(run(ring0, &q) == 4, "range: 1000 yes");
	q.dport = 2000;
	CHECK(run(ring0, &q) == 4, "range: 2000 yes");
	q.dport = 2001;
	CHECK(run(ring0, &q) == OUT_PLAIN, "range: 2001 no");
	q.dport = 0x1500;	/* high byte in range, low byte not: compared as a number */
	CHECK(run(ring0, &q) == OUT_PLAIN, "range: 0x1500 no");
	q.dport = 0x0500;
	CHECK(run(ring0, &q) == 4, "range: 0x0500 (1280) yes");
	flush(ring0);

	/* last = 0 and last == spec: exact; last < spec: refused */
	rb_init(&r, 0, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_IPV4, NULL, NULL, NULL, 0);
	tl = (struct rte_flow_item_tcp){ .hdr.src_port = RTE_BE16(5) };	/* dst_port 0 */
	rb_item(&r, RTE_FLOW_ITEM_TYPE_TCP, &ts, &tm, &tl, sizeof(ts));
	MARK_RULE(&r, ring0, 5);
	q.dport = 1000;
	CHECK(run(ring0, &q) == 5, "last 0: exact 1000");
	q.dport = 1001;
	CHECK(run(ring0, &q) == OUT_PLAIN, "last 0: 1001 no (src_port in last is masked out)");
	flush(ring0);
	rb_init(&r, 0, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_IPV4, NULL, NULL, NULL, 0);
	tl = (struct rte_flow_item_tcp){ .hdr.dst_port = RTE_BE16(999) };
	{
		struct rte_flow_item *it = rb_item(&r, RTE_FLOW_ITEM_TYPE_TCP, &ts, &tm, &tl, sizeof(ts));

		rb_mark(&r, 1);
		rb_queue(&r, 0);
		CHECK(rb_validate(ring0, &r, &e) == -EINVAL && e.type == RTE_FLOW_ERROR_TYPE_ITEM_LAST &&
			e.cause == it->last && has(&e, "dst_port: last is lower than spec"),
			"last < spec refused: %s", e.message);
	}

	/* the rte_flow guide's example: 10.1.2.3 - 10.3.4.5 under 255.255.0.0 */
	rb_init(&r, 0, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	s4 = (struct rte_flow_item_ipv4){ .hdr.src_addr = RTE_BE32(IP4(10, 1, 2, 3)) };
	l4 = (struct rte_flow_item_ipv4){ .hdr.src_addr = RTE_BE32(IP4(10, 3, 4, 5)) };
	m4 = (struct rte_flow_item_ipv4){ .hdr.src_addr = RTE_BE32(0xffff0000) };
	rb_item(&r, RTE_FLOW_ITEM_TYPE_IPV4, &s4, &m4, &l4, sizeof(s4));
	MARK_RULE(&r, ring0, 6);
	q = p;
	q.sip4 = IP4(10, 1, 0, 0);
	CHECK(run(ring0, &q) == 6, "masked range: 10.1.0.0 in");
	q.sip4 = IP4(10, 3, 255, 255);
	CHECK(run(ring0, &q) == 6, "masked range: 10.3.255.255 in");
	q.sip4 = IP4(10, 0, 255, 255);
	CHECK(run(ring0, &q) == OUT_PLAIN, "masked range: 10.0.255.255 out");
	q.sip4 = IP4(10, 4, 0, 0);
	CHECK(run(ring0, &q) == OUT_PLAIN, "masked range: 10.4.0.0 out");
	flush(ring0);

	/* TCP flags (rich: any field) */
	rb_init(&r, 0, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_IPV4, NULL, NULL, NULL, 0);
	ts = (struct rte_flow_item_tcp){ .hdr.tcp_flags = 0x02 };
	tm = (struct rte_flow_item_tcp){ .hdr.tcp_flags = 0x12 };
	rb_item(&r, RTE_FLOW_ITEM_TYPE_TCP, &ts, &tm, NULL, sizeof(ts));
	MARK_RULE(&r, ring0, 7);
	q = p;
	q.tcp_flags = 0x02;
	CHECK(run(ring0, &q) == 7, "TCP SYN without ACK");
	q.tcp_flags = 0x12;
	CHECK(run(ring0, &q) == OUT_PLAIN, "TCP SYN+ACK not");
	flush(ring0);

	/* IPv4 fragments: non-first never has L4; first one has it on rich */
	rb_init(&r, 0, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_IPV4, NULL, NULL, NULL, 0);
	ts = (struct rte_flow_item_tcp){ .hdr.dst_port = RTE_BE16(80) };
	tm = (struct rte_flow_item_tcp){ .hdr.dst_port = RTE_BE16(0xffff) };
	rb_item(&r, RTE_FLOW_ITEM_TYPE_TCP, &ts, &tm, NULL, sizeof(ts));
	MARK_RULE(&r, ring0, 8);
	q = p;
	q.frag = 0x2000;	/* MF, offset 0 */
	CHECK(run(ring0, &q) == 8, "rich: first fragment matches TCP");
	q.frag = 0x0010;	/* offset 16*8 */
	CHECK(run(ring0, &q) == OUT_PLAIN, "non-first fragment has no TCP header");
	reattach(ring0, &flowemu_profile_nopriority);
	MARK_RULE(&r, ring0, 8);
	q.frag = 0x2000;
	CHECK(run(ring0, &q) == OUT_PLAIN, "nopriority: first fragment does not match TCP");
	CHECK(run(ring0, &p) == 8, "nopriority: unfragmented TCP matches");
	reattach(ring0, &flowemu_profile_rich);

	/* UDP, SCTP, ICMP, IPv6 / ICMP6 */
	rb_init(&r, 0, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_IPV4, NULL, NULL, NULL, 0);
	us = (struct rte_flow_item_udp){ .hdr.dst_port = RTE_BE16(53) };
	rb_item(&r, RTE_FLOW_ITEM_TYPE_UDP, &us, NULL, NULL, sizeof(us));
	MARK_RULE(&r, ring0, 9);
	q = p;
	q.proto = IPPROTO_UDP;
	q.dport = 53;
	CHECK(run(ring0, &q) == OUT_PLAIN, "UDP default mask has src_port: spec 0 wants sport 0");
	q.sport = 0;
	CHECK(run(ring0, &q) == 9, "UDP 0 -> 53");
	q.proto = IPPROTO_TCP;
	CHECK(run(ring0, &q) == OUT_PLAIN, "TCP dport 53 vs UDP item");
	flush(ring0);

	rb_init(&r, 0, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_IPV4, NULL, NULL, NULL, 0);
	ss = (struct rte_flow_item_sctp){ .hdr.src_port = RTE_BE16(7), .hdr.dst_port = RTE_BE16(80) };
	rb_item(&r, RTE_FLOW_ITEM_TYPE_SCTP, &ss, NULL, NULL, sizeof(ss));
	MARK_RULE(&r, ring0, 10);
	q = p;
	q.proto = IPPROTO_SCTP;
	q.sport = 7;
	CHECK(run(ring0, &q) == 10, "SCTP sport 7");
	flush(ring0);

	rb_init(&r, 0, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_IPV4, NULL, NULL, NULL, 0);
	is = (struct rte_flow_item_icmp){ .hdr.icmp_type = 8 };
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ICMP, &is, NULL, NULL, sizeof(is));
	MARK_RULE(&r, ring0, 11);
	q = p;
	q.proto = IPPROTO_ICMP;
	q.icmp_type = 8;
	CHECK(run(ring0, &q) == 11, "ICMP echo request");
	q.icmp_code = 1;
	CHECK(run(ring0, &q) == OUT_PLAIN, "ICMP default mask includes code");
	flush(ring0);

	rb_init(&r, 0, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	m6 = (struct rte_flow_item_ipv6){ .hdr.proto = 0xff };
	s6 = (struct rte_flow_item_ipv6){ .hdr.proto = IPPROTO_ICMPV6 };
	rb_item(&r, RTE_FLOW_ITEM_TYPE_IPV6, &s6, &m6, NULL, sizeof(s6));
	i6s = (struct rte_flow_item_icmp6){ .type = 128 };
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ICMP6, &i6s, NULL, NULL, sizeof(i6s));
	MARK_RULE(&r, ring0, 12);
	q = pk_v6(IPPROTO_ICMPV6, 0, 0);
	q.icmp_type = 128;
	CHECK(run(ring0, &q) == 12, "IPv6 / ICMP6 echo request");
	q.icmp_type = 129;
	CHECK(run(ring0, &q) == OUT_PLAIN, "ICMP6 echo reply not");
	flush(ring0);

	/* IPv6 src/dst (default mask), ext headers: L4 past HBH, has_*_ext */
	rb_init(&r, 0, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	q = pk_v6(IPPROTO_TCP, 1000, 443);
	s6 = (struct rte_flow_item_ipv6){ 0 };
	memcpy(s6.hdr.src_addr, q.sip6, 16);
	memcpy(s6.hdr.dst_addr, q.dip6, 16);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_IPV6, &s6, NULL, NULL, sizeof(s6));
	ts = (struct rte_flow_item_tcp){ .hdr.src_port = RTE_BE16(1000),
		.hdr.dst_port = RTE_BE16(443) };
	rb_item(&r, RTE_FLOW_ITEM_TYPE_TCP, &ts, NULL, NULL, sizeof(ts));
	MARK_RULE(&r, ring0, 13);
	CHECK(run(ring0, &q) == 13, "IPv6 src/dst / TCP 443");
	q.v6ext = IPPROTO_HOPOPTS;
	CHECK(run(ring0, &q) == 13, "IPv6 + hop-by-hop / TCP 443");
	q.v6ext = IPPROTO_FRAGMENT;
	q.frag = 0x0008;	/* offset 1 */
	CHECK(run(ring0, &q) == OUT_PLAIN, "IPv6 non-first fragment: no TCP");
	q.sip6[15] = 9;
	q.v6ext = 0;
	CHECK(run(ring0, &q) == OUT_PLAIN, "IPv6 src differs");
	flush(ring0);

	rb_init(&r, 0, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	s6 = (struct rte_flow_item_ipv6){ .has_frag_ext = 1 };
	m6 = (struct rte_flow_item_ipv6){ .has_frag_ext = 1 };
	rb_item(&r, RTE_FLOW_ITEM_TYPE_IPV6, &s6, &m6, NULL, sizeof(s6));
	MARK_RULE(&r, ring0, 14);
	q = pk_v6(IPPROTO_UDP, 1, 2);
	CHECK(run(ring0, &q) == OUT_PLAIN, "has_frag_ext=1: plain IPv6 not");
	q.v6ext = IPPROTO_FRAGMENT;
	q.frag = 0x0001;	/* M, offset 0 */
	CHECK(run(ring0, &q) == 14, "has_frag_ext=1: fragment header");
	flush(ring0);

	/* pattern above ETH ("anywhere") on rich; refused by nopriority */
	rb_init(&r, 0, 0);
	s4 = (struct rte_flow_item_ipv4){ .hdr.dst_addr = RTE_BE32(IP4(192, 168, 0, 1)) };
	m4 = (struct rte_flow_item_ipv4){ .hdr.dst_addr = RTE_BE32(0xffffffff) };
	rb_item(&r, RTE_FLOW_ITEM_TYPE_IPV4, &s4, &m4, NULL, sizeof(s4));
	MARK_RULE(&r, ring0, 15);
	q = p;
	q.nvlan = 1;
	q.tpid[0] = 0x8100;
	q.tci[0] = 5;
	CHECK(run(ring0, &p) == 15 && run(ring0, &q) == 15, "IPV4 first: anywhere");
	reattach(ring0, &flowemu_profile_nopriority);
	CHECK(rb_validate(ring0, &r, &e) == -ENOTSUP && e.type == RTE_FLOW_ERROR_TYPE_ITEM &&
		has(&e, "must start with ETH"), "nopriority: pattern must start with ETH: %s", e.message);
	reattach(ring0, &flowemu_profile_rich);
}

static void
test_pattern_errors(void)
{
	struct rte_flow_item_ipv4 s4 = { 0 };
	struct rte_flow_item_tcp ts = { 0 };
	struct rte_flow_error e;
	struct rte_flow_item *it;
	struct rb r;

	reattach(ring0, &flowemu_profile_rich);

	rb_init(&r, 0, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	it = rb_item(&r, RTE_FLOW_ITEM_TYPE_UDP, NULL, NULL, NULL, 0);
	rb_act(&r, RTE_FLOW_ACTION_TYPE_DROP, NULL);
	CHECK(rb_validate(ring0, &r, &e) == -EINVAL && e.type == RTE_FLOW_ERROR_TYPE_ITEM &&
		e.cause == it && has(&e, "missing L3"), "ETH / UDP: %s", e.message);

	rb_init(&r, 0, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	it = rb_item(&r, RTE_FLOW_ITEM_TYPE_IPV4, NULL, &s4, NULL, sizeof(s4));
	rb_act(&r, RTE_FLOW_ACTION_TYPE_DROP, NULL);
	CHECK(rb_validate(ring0, &r, &e) == -EINVAL && e.type == RTE_FLOW_ERROR_TYPE_ITEM_MASK &&
		has(&e, "mask without spec"), "mask without spec: %s", e.message);
	it->mask = NULL;
	it->last = &s4;
	CHECK(rb_validate(ring0, &r, &e) == -EINVAL && e.type == RTE_FLOW_ERROR_TYPE_ITEM_LAST,
		"last without spec: %s", e.message);

	rb_init(&r, 0, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_IPV6, NULL, NULL, NULL, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ICMP, NULL, NULL, NULL, 0);
	rb_act(&r, RTE_FLOW_ACTION_TYPE_DROP, NULL);
	CHECK(rb_validate(ring0, &r, &e) == -EINVAL && has(&e, "ICMP cannot follow IPV6"),
		"IPV6 / ICMP: %s", e.message);

	rb_init(&r, 0, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_IPV4, NULL, NULL, NULL, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_UDP, NULL, NULL, NULL, 0);
	it = rb_item(&r, RTE_FLOW_ITEM_TYPE_VXLAN, NULL, NULL, NULL, 0);
	rb_act(&r, RTE_FLOW_ACTION_TYPE_DROP, NULL);
	CHECK(rb_validate(ring0, &r, &e) == -ENOTSUP && e.type == RTE_FLOW_ERROR_TYPE_ITEM &&
		e.cause == it && has(&e, "item VXLAN is not supported"), "VXLAN: %s", e.message);

	/* VOID items are skipped */
	rb_init(&r, 0, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_VOID, NULL, NULL, NULL, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_VOID, NULL, NULL, NULL, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_IPV4, NULL, NULL, NULL, 0);
	ts.hdr.dst_port = RTE_BE16(80);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_TCP, &ts, NULL, NULL, sizeof(ts));
	rb_act(&r, RTE_FLOW_ACTION_TYPE_VOID, NULL);
	rb_act(&r, RTE_FLOW_ACTION_TYPE_DROP, NULL);
	CHECK(rb_validate(ring0, &r, &e) == 0, "VOID items and actions: %s", e.message);

	/* attributes */
	rb_init(&r, 0, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	rb_act(&r, RTE_FLOW_ACTION_TYPE_DROP, NULL);
	r.attr.egress = 1;
	r.attr.ingress = 0;
	CHECK(rb_validate(ring0, &r, &e) == -ENOTSUP && e.type == RTE_FLOW_ERROR_TYPE_ATTR_EGRESS,
		"egress: %s", e.message);
	r.attr.egress = 0;
	CHECK(rb_validate(ring0, &r, &e) == -EINVAL && e.type == RTE_FLOW_ERROR_TYPE_ATTR_INGRESS,
		"no direction: %s", e.message);
	r.attr.ingress = 1;
	r.attr.transfer = 1;
	CHECK(rb_validate(ring0, &r, &e) == -ENOTSUP && e.type == RTE_FLOW_ERROR_TYPE_ATTR_TRANSFER,
		"transfer: %s", e.message);
	r.attr.transfer = 0;
	r.attr.priority = 16;
	CHECK(rb_validate(ring0, &r, &e) == -ENOTSUP && e.type == RTE_FLOW_ERROR_TYPE_ATTR_PRIORITY &&
		e.cause == &r.attr && has(&e, "priority 16: priorities 0-15"), "rich priority 16: %s",
		e.message);
}

static void
test_actions(void)
{
	struct pk p = pk_tcp4(IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), 1000, 80), q = p;
	/* the default TCP mask covers both ports */
	struct rte_flow_item_tcp ts = { .hdr.src_port = RTE_BE16(1000), .hdr.dst_port = RTE_BE16(80) };
	struct rte_flow_query_count qc;
	struct rte_flow_action count_action = { .type = RTE_FLOW_ACTION_TYPE_COUNT };
	struct rte_flow_action drop_action = { .type = RTE_FLOW_ACTION_TYPE_DROP };
	struct rte_flow_error e;
	struct rte_flow *f1, *f2, *f3;
	struct flowemu_stats st;
	struct rb r;
	uint64_t bytes = 0;
	int i;

	reattach(ring0, &flowemu_profile_rich);

	/* DROP + COUNT, query, query with reset */
	rb_init(&r, 0, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_IPV4, NULL, NULL, NULL, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_TCP, &ts, NULL, NULL, sizeof(ts));
	rb_act(&r, RTE_FLOW_ACTION_TYPE_COUNT, NULL);
	rb_act(&r, RTE_FLOW_ACTION_TYPE_DROP, NULL);
	f1 = rb_create(ring0, &r, &e);
	CHECK(f1 != NULL, "COUNT + DROP: %s", e.message);
	for (i = 0; i < 3; i++) {
		{ int o = run(ring0, &p); CHECK(o == OUT_DROP, "dropped %d: %d", i, o); }
		bytes += last_len;
	}
	q.dport = 81;
	CHECK(run(ring0, &q) == OUT_PLAIN, "port 81 passes");
	memset(&qc, 0, sizeof(qc));
	CHECK(rte_flow_query(ring0, f1, &count_action, &qc, &e) == 0 && qc.hits_set &&
		qc.bytes_set && qc.hits == 3 && qc.bytes == bytes,
		"count: hits %" PRIu64 " bytes %" PRIu64 " (want 3, %" PRIu64 ")", qc.hits, qc.bytes, bytes);
	qc.reset = 1;
	CHECK(rte_flow_query(ring0, f1, &count_action, &qc, &e) == 0 && qc.hits == 3,
		"query with reset returns the count");
	memset(&qc, 0, sizeof(qc));
	CHECK(rte_flow_query(ring0, f1, &count_action, &qc, &e) == 0 && qc.hits == 0 && qc.bytes == 0,
		"after reset: 0");
	CHECK(rte_flow_query(ring0, f1, &drop_action, &qc, &e) == -ENOTSUP &&
		e.type == RTE_FLOW_ERROR_TYPE_ACTION, "query DROP refused: %s", e.message);
	flowemu_stats_get(ring0, &st);
	CHECK(st.dropped == 3 && st.rules == 1, "stats: dropped %" PRIu64 " rules %u", st.dropped, st.rules);

	/* a rule without COUNT cannot be queried */
	rb_init(&r, 0, 1);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	f2 = MARK_RULE(&r, ring0, 9);
	CHECK(rte_flow_query(ring0, f2, &count_action, &qc, &e) < 0 && has(&e, "no COUNT"),
		"query without COUNT: %s", e.message);
	CHECK(run(ring0, &q) == 9, "priority 1 catch-all MARK 9 behind the DROP");
	CHECK(run(ring0, &p) == OUT_DROP, "priority 0 DROP first");

	/* destroy: bad handle, good handle, flush */
	CHECK(rte_flow_destroy(ring0, (struct rte_flow *)&qc, &e) == -EINVAL &&
		e.type == RTE_FLOW_ERROR_TYPE_HANDLE, "destroy bad handle: %s", e.message);
	CHECK(rte_flow_destroy(ring0, f1, &e) == 0, "destroy");
	CHECK(run(ring0, &p) == 9, "after destroy the DROP is gone");
	CHECK(rte_flow_query(ring0, f1, &count_action, &qc, &e) == -EINVAL, "query destroyed flow");
	CHECK(rte_flow_flush(ring0, &e) == 0, "flush");
	flowemu_stats_get(ring0, &st);
	CHECK(st.rules == 0 && run(ring0, &p) == OUT_PLAIN, "flushed");

	/* FLAG */
	rb_init(&r, 0, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	rb_act(&r, RTE_FLOW_ACTION_TYPE_FLAG, NULL);
	rb_act(&r, RTE_FLOW_ACTION_TYPE_QUEUE, &r.queue);
	CHECK(rb_create(ring0, &r, &e) != NULL, "FLAG");
	CHECK(run(ring0, &p) == OUT_FLAG, "FLAG: RX_FDIR without FDIR_ID");
	flush(ring0);

	/* priorities: the lower value wins whatever the creation order */
	rb_init(&r, 0, 1);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	f1 = MARK_RULE(&r, ring0, 1);
	rb_init(&r, 0, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	f2 = MARK_RULE(&r, ring0, 2);
	rb_init(&r, 0, 2);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	f3 = MARK_RULE(&r, ring0, 3);
	CHECK(f1 && f2 && f3 && run(ring0, &p) == 2, "priority 0 wins");
	rte_flow_destroy(ring0, f2, &e);
	CHECK(run(ring0, &p) == 1, "then priority 1");
	flush(ring0);

	/* equal priority, overlapping: the profile's tie (rich: newest) */
	rb_init(&r, 0, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	MARK_RULE(&r, ring0, 1);
	rb_init(&r, 0, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	MARK_RULE(&r, ring0, 2);
	CHECK(run(ring0, &p) == 2, "equal priority: newest wins");
	{
		struct flowemu_profile oldest = flowemu_profile_rich;

		oldest.name = "rich-oldest";
		oldest.tie = FLOWEMU_TIE_OLDEST;
		reattach(ring0, &oldest);
		rb_init(&r, 0, 0);
		rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
		MARK_RULE(&r, ring0, 1);
		rb_init(&r, 0, 0);
		rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
		MARK_RULE(&r, ring0, 2);
		CHECK(run(ring0, &p) == 1, "custom profile, tie oldest: first wins");
		reattach(ring0, &flowemu_profile_rich);
	}

	/* PASSTHRU: MARK + COUNT and go on; the later DROP still applies */
	rb_init(&r, 0, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	rb_mark(&r, 5);
	rb_act(&r, RTE_FLOW_ACTION_TYPE_COUNT, NULL);
	rb_act(&r, RTE_FLOW_ACTION_TYPE_PASSTHRU, NULL);
	f1 = rb_create(ring0, &r, &e);
	rb_init(&r, 0, 1);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_IPV4, NULL, NULL, NULL, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_TCP, &ts, NULL, NULL, sizeof(ts));
	rb_act(&r, RTE_FLOW_ACTION_TYPE_DROP, NULL);
	f2 = rb_create(ring0, &r, &e);
	CHECK(f1 && f2, "PASSTHRU rules");
	CHECK(run(ring0, &p) == OUT_DROP, "PASSTHRU then DROP");
	CHECK(run(ring0, &q) == 5, "PASSTHRU mark kept when nothing else matches");
	memset(&qc, 0, sizeof(qc));
	rte_flow_query(ring0, f1, &count_action, &qc, &e);
	CHECK(qc.hits == 2, "PASSTHRU rule counted both: %" PRIu64, qc.hits);
	flush(ring0);

	/* no fate: rich accepts (terminating, default queue), nopriority refuses */
	rb_init(&r, 0, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	rb_mark(&r, 6);
	CHECK(rb_create(ring0, &r, &e) != NULL, "rich: MARK without fate");
	rb_init(&r, 0, 1);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	rb_act(&r, RTE_FLOW_ACTION_TYPE_DROP, NULL);
	rb_create(ring0, &r, &e);
	CHECK(run(ring0, &p) == 6, "MARK without fate is terminating");
	flush(ring0);

	/* JUMP */
	rb_init(&r, 0, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_IPV4, NULL, NULL, NULL, 0);
	rb_jump(&r, 3);
	CHECK(rb_create(ring0, &r, &e) != NULL, "JUMP 0 -> 3: %s", e.message);
	rb_init(&r, 3, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_IPV4, NULL, NULL, NULL, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_TCP, &ts, NULL, NULL, sizeof(ts));
	rb_act(&r, RTE_FLOW_ACTION_TYPE_DROP, NULL);
	CHECK(rb_create(ring0, &r, &e) != NULL, "group 3 DROP");
	rb_init(&r, 5, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	rb_act(&r, RTE_FLOW_ACTION_TYPE_DROP, NULL);
	CHECK(rb_create(ring0, &r, &e) != NULL, "group 5 DROP (never jumped to)");
	CHECK(run(ring0, &p) == OUT_DROP, "JUMP then DROP in group 3");
	CHECK(run(ring0, &q) == OUT_PLAIN, "group 3 miss: default queue");
	{
		struct pk v6 = pk_v6(IPPROTO_TCP, 1, 80);

		CHECK(run(ring0, &v6) == OUT_PLAIN, "group 5 is not reached without a JUMP");
	}
	rb_init(&r, 3, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	rb_jump(&r, 2);
	CHECK(rb_validate(ring0, &r, &e) == -ENOTSUP && e.type == RTE_FLOW_ERROR_TYPE_ACTION_CONF &&
		has(&e, "only to a higher group"), "JUMP backwards: %s", e.message);
	flush(ring0);

	/* action errors */
	rb_init(&r, 0, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	rb_act(&r, RTE_FLOW_ACTION_TYPE_DROP, NULL);
	{
		struct rte_flow_action *a = rb_act(&r, RTE_FLOW_ACTION_TYPE_QUEUE, &r.queue);

		CHECK(rb_validate(ring0, &r, &e) == -EINVAL && e.cause == a &&
			has(&e, "more than one fate"), "two fates: %s", e.message);
	}
	rb_init(&r, 0, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	r.queue.index = 1;
	rb_act(&r, RTE_FLOW_ACTION_TYPE_QUEUE, &r.queue);
	CHECK(rb_validate(ring0, &r, &e) == -EINVAL && e.type == RTE_FLOW_ERROR_TYPE_ACTION_CONF &&
		has(&e, "queue index 1 out of range (1 rx queues)"), "queue range: %s", e.message);
	rb_init(&r, 0, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	rb_mark(&r, 0x1000000);
	CHECK(rb_validate(ring0, &r, &e) == -EINVAL && e.type == RTE_FLOW_ERROR_TYPE_ACTION_CONF &&
		has(&e, "id 16777216 out of range"), "mark range: %s", e.message);
	rb_init(&r, 0, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	rb_act(&r, RTE_FLOW_ACTION_TYPE_METER, NULL);
	CHECK(rb_validate(ring0, &r, &e) == -ENOTSUP && e.type == RTE_FLOW_ERROR_TYPE_ACTION &&
		has(&e, "action METER is not supported"), "METER: %s", e.message);
	rb_init(&r, 0, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	rb_mark(&r, 1);
	rb_act(&r, RTE_FLOW_ACTION_TYPE_FLAG, NULL);
	CHECK(rb_validate(ring0, &r, &e) == -EINVAL && has(&e, "only one MARK or FLAG"),
		"MARK + FLAG: %s", e.message);
}

static void
test_profiles(void)
{
	struct pk p = pk_tcp4(IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), 1000, 80);
	struct rte_flow_item_ipv4 s4, m4;
	struct rte_flow_item_tcp ts, tm, tl;
	struct rte_flow_error e;
	struct flowemu_stats st;
	struct rb r;
	unsigned int i, ok = 0;
	int ret;

	CHECK(flowemu_profile_find("rich") == &flowemu_profile_rich &&
		flowemu_profile_find("nopriority") == &flowemu_profile_nopriority &&
		flowemu_profile_find("smalltable") == &flowemu_profile_smalltable &&
		flowemu_profile_find("none") == &flowemu_profile_none &&
		flowemu_profile_find("x") == NULL, "profiles by name");

	/* nopriority */
	reattach(ring0, &flowemu_profile_nopriority);
	rb_init(&r, 0, 1);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	rb_act(&r, RTE_FLOW_ACTION_TYPE_DROP, NULL);
	CHECK(rb_validate(ring0, &r, &e) == -ENOTSUP && e.type == RTE_FLOW_ERROR_TYPE_ATTR_PRIORITY &&
		e.cause == &r.attr && has(&e, "flowemu(nopriority): priority 1: only priority 0"),
		"nopriority priority 1: %s", e.message);
	r.attr.priority = 0;
	r.attr.group = 1;
	CHECK(rb_validate(ring0, &r, &e) == -ENOTSUP && e.type == RTE_FLOW_ERROR_TYPE_ATTR_GROUP &&
		has(&e, "only group 0"), "nopriority group 1: %s", e.message);
	rb_init(&r, 0, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_IPV4, NULL, NULL, NULL, 0);
	ts = (struct rte_flow_item_tcp){ .hdr.dst_port = RTE_BE16(1000) };
	tl = (struct rte_flow_item_tcp){ .hdr.dst_port = RTE_BE16(2000) };
	rb_item(&r, RTE_FLOW_ITEM_TYPE_TCP, &ts, NULL, &tl, sizeof(ts));
	rb_act(&r, RTE_FLOW_ACTION_TYPE_DROP, NULL);
	CHECK(rb_validate(ring0, &r, &e) == -ENOTSUP && e.type == RTE_FLOW_ERROR_TYPE_ITEM_LAST &&
		e.cause == r.item[2].last && has(&e, "TCP item: range (last) on dst_port is not supported"),
		"nopriority range: %s", e.message);
	rb_init(&r, 0, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	rb_jump(&r, 1);
	CHECK(rb_validate(ring0, &r, &e) == -ENOTSUP && has(&e, "action JUMP is not supported"),
		"nopriority JUMP: %s", e.message);
	rb_init(&r, 0, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	rb_mark(&r, 1);
	CHECK(rb_validate(ring0, &r, &e) == -ENOTSUP && has(&e, "no fate action"),
		"nopriority MARK without fate: %s", e.message);
	rb_init(&r, 0, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	rb_mark(&r, 0x2000);
	rb_queue(&r, 0);
	CHECK(rb_validate(ring0, &r, &e) == -EINVAL && has(&e, "(0-8191)"),
		"nopriority mark range: %s", e.message);
	/* equal priority everywhere: newest wins */
	rb_init(&r, 0, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_IPV4, NULL, NULL, NULL, 0);
	ts = (struct rte_flow_item_tcp){ .hdr.dst_port = RTE_BE16(80) };
	tm = (struct rte_flow_item_tcp){ .hdr.dst_port = RTE_BE16(0xffff) };
	rb_item(&r, RTE_FLOW_ITEM_TYPE_TCP, &ts, &tm, NULL, sizeof(ts));
	rb_act(&r, RTE_FLOW_ACTION_TYPE_DROP, NULL);
	CHECK(rb_create(ring0, &r, &e) != NULL && run(ring0, &p) == OUT_DROP, "nopriority DROP");
	rb_init(&r, 0, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	MARK_RULE(&r, ring0, 7);
	CHECK(run(ring0, &p) == 7, "nopriority: later catch-all shadows the earlier DROP");

	/* smalltable */
	reattach(ring0, &flowemu_profile_smalltable);
	rb_init(&r, 0, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	s4 = (struct rte_flow_item_ipv4){ .hdr.src_addr = RTE_BE32(IP4(10, 0, 0, 0)) };
	m4 = (struct rte_flow_item_ipv4){ .hdr.src_addr = RTE_BE32(0xffffff00) };
	rb_item(&r, RTE_FLOW_ITEM_TYPE_IPV4, &s4, &m4, NULL, sizeof(s4));
	rb_act(&r, RTE_FLOW_ACTION_TYPE_DROP, NULL);
	CHECK(rb_validate(ring0, &r, &e) == -ENOTSUP && e.type == RTE_FLOW_ERROR_TYPE_ITEM_MASK &&
		e.cause == r.item[1].mask &&
		has(&e, "flowemu(smalltable): IPV4 item: partial mask on src_addr is not supported"),
		"smalltable prefix: %s", e.message);
	rb_init(&r, 0, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_IPV4, NULL, NULL, NULL, 0);
	ts = (struct rte_flow_item_tcp){ .hdr.tcp_flags = 2 };
	tm = (struct rte_flow_item_tcp){ .hdr.tcp_flags = 0xff };
	rb_item(&r, RTE_FLOW_ITEM_TYPE_TCP, &ts, &tm, NULL, sizeof(ts));
	rb_act(&r, RTE_FLOW_ACTION_TYPE_DROP, NULL);
	CHECK(rb_validate(ring0, &r, &e) == -ENOTSUP && has(&e, "matching on tcp_flags is not supported"),
		"smalltable tcp_flags: %s", e.message);
	rb_init(&r, 0, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	{
		struct rte_flow_action_rss rss = { .queue_num = 1, .queue = (const uint16_t[]){ 0 } };

		rb_act(&r, RTE_FLOW_ACTION_TYPE_RSS, &rss);
		CHECK(rb_validate(ring0, &r, &e) == -ENOTSUP && has(&e, "action RSS is not supported"),
			"smalltable RSS: %s", e.message);
	}
	/* table size: 64 rules, the 65th validates but is not created */
	for (i = 0; i < 65; i++) {
		rb_init(&r, 0, 0);
		rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
		s4 = (struct rte_flow_item_ipv4){ .hdr.src_addr = rte_cpu_to_be_32(IP4(10, 9, 0, i)),
			.hdr.dst_addr = RTE_BE32(IP4(10, 0, 0, 2)) };	/* default mask: both */
		rb_item(&r, RTE_FLOW_ITEM_TYPE_IPV4, &s4, NULL, NULL, sizeof(s4));
		rb_act(&r, RTE_FLOW_ACTION_TYPE_DROP, NULL);
		if (i == 64)
			CHECK(rb_validate(ring0, &r, &e) == 0, "65th rule validates");
		if (rb_create(ring0, &r, &e) != NULL)
			ok++;
	}
	CHECK(ok == 64 && rte_errno == ENOSPC && e.type == RTE_FLOW_ERROR_TYPE_UNSPECIFIED &&
		has(&e, "flow table full (64 rules)"), "smalltable full after %u: %s", ok, e.message);
	p.sip4 = IP4(10, 9, 0, 63);
	CHECK(run(ring0, &p) == OUT_DROP, "rule 64 works");
	p.sip4 = IP4(10, 9, 0, 64);
	CHECK(run(ring0, &p) == OUT_PLAIN, "rule 65 absent");
	flush(ring0);
	/* duplicates refused */
	rb_init(&r, 0, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_IPV4, &s4, NULL, NULL, sizeof(s4));
	rb_act(&r, RTE_FLOW_ACTION_TYPE_DROP, NULL);
	CHECK(rb_create(ring0, &r, &e) != NULL, "first");
	CHECK(rb_create(ring0, &r, &e) == NULL && rte_errno == EEXIST && has(&e, "conflicts"),
		"smalltable duplicate: %s", e.message);
	r.attr.priority = 1;
	CHECK(rb_create(ring0, &r, &e) != NULL, "same pattern at another priority");
	flowemu_stats_get(ring0, &st);
	CHECK(st.rules == 2 && st.create_failed >= 2, "smalltable stats: %u rules", st.rules);

	/* none */
	reattach(ring0, &flowemu_profile_none);
	rb_init(&r, 0, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	rb_act(&r, RTE_FLOW_ACTION_TYPE_DROP, NULL);
	ret = rb_validate(ring0, &r, &e);
	CHECK(ret == -ENOTSUP && rte_errno == ENOTSUP && e.type == RTE_FLOW_ERROR_TYPE_UNSPECIFIED &&
		has(&e, "flowemu(none): flow rules are not supported by this device"),
		"none validate: %d %s", ret, e.message);
	CHECK(rb_create(ring0, &r, &e) == NULL && rte_errno == ENOTSUP, "none create");
	{
		uint64_t feat = RTE_ETH_RX_METADATA_USER_MARK;

		CHECK(rte_eth_rx_metadata_negotiate(ring0, &feat) == 0 && feat == 0,
			"none: no metadata");
	}
	CHECK(run(ring0, &p) == OUT_PLAIN, "none: traffic passes");
	reattach(ring0, &flowemu_profile_rich);
}

static void
test_fault_injection(void)
{
	struct rte_flow_error e;
	struct flowemu_stats st;
	struct rb r;
	int i;
	bool ok[5];

	reattach(ring0, &flowemu_profile_rich);
	CHECK(flowemu_fail_create(ring0, 3, EIO) == 0, "arm");
	for (i = 0; i < 5; i++) {
		rb_init(&r, 0, (uint32_t)i);
		rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
		rb_act(&r, RTE_FLOW_ACTION_TYPE_DROP, NULL);
		ok[i] = rb_create(ring0, &r, &e) != NULL;
		if (i == 2)
			CHECK(!ok[i] && rte_errno == EIO && has(&e, "injected"),
				"3rd create fails: %s", e.message);
	}
	CHECK(ok[0] && ok[1] && ok[3] && ok[4], "others succeed");
	flowemu_stats_get(ring0, &st);
	CHECK(st.injected == 1 && st.rules == 4, "stats: injected %" PRIu64 " rules %u",
		st.injected, st.rules);
	CHECK(flowemu_fail_create(ring0, 1, ENOMEM) == 0, "arm next");
	flowemu_fail_create(ring0, 0, 0);
	CHECK(rb_create(ring0, &r, &e) != NULL, "cancelled");
	CHECK(flowemu_fail_create(null0, 1, EIO) == -ENOENT, "unattached port");
	flush(ring0);
}

static void
test_steering(void)
{
	struct pk p = pk_tcp4(IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), 1000, 80);
	struct rte_flow_error e;
	struct flowemu_stats st;
	struct rb r;
	uint16_t rq[2] = { 0, 1 };

	/* ring1: two queues */
	rb_init(&r, 0, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	rb_mark(&r, 3);
	rb_queue(&r, 1);
	CHECK(rb_create(ring1, &r, &e) != NULL, "QUEUE 1: %s", e.message);
	CHECK(run_q(ring1, 0, 0, &p, 0) == OUT_DROP, "steered away from queue 0");
	CHECK(rx_only(ring1, 1) == 3, "arrives on queue 1, marked");
	CHECK(rx_only(ring1, 1) == OUT_DROP, "once");
	flush(ring1);

	rb_init(&r, 0, 0);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	r.rss.queue_num = 2;
	r.rss.queue = rq;
	rb_act(&r, RTE_FLOW_ACTION_TYPE_RSS, &r.rss);
	CHECK(rb_create(ring1, &r, &e) != NULL, "RSS 0,1: %s", e.message);
	CHECK(run_q(ring1, 0, 0, &p, 0) == OUT_PLAIN && run_q(ring1, 1, 1, &p, 0) == OUT_PLAIN,
		"RSS over both queues: stays");
	flush(ring1);
	r.rss.queue_num = 1;
	r.rss.queue = &rq[1];
	CHECK(rb_create(ring1, &r, &e) != NULL, "RSS 1");
	CHECK(run_q(ring1, 0, 0, &p, 0) == OUT_DROP && rx_only(ring1, 1) == OUT_PLAIN,
		"RSS 1: from queue 0 to 1");
	CHECK(run_q(ring1, 1, 1, &p, 0) == OUT_PLAIN, "RSS 1: queue 1 stays");
	flowemu_stats_get(ring1, &st);
	CHECK(st.steered == 2, "steered %" PRIu64, st.steered);
	flush(ring1);
}

static void
test_env(void)
{
	char name[RTE_ETH_NAME_MAX_LEN], env[128];
	struct rte_flow_error e;
	struct flowemu_stats st;
	uint16_t pid;
	struct rb r;
	int ret;

	/* flowemu_attach_from_env: ring2 is configured, started, not attached */
	rte_eth_dev_get_name_by_port(ring2, name);
	snprintf(env, sizeof(env), "%s=smalltable:fail_create=2,nosuch=rich", name);
	setenv("NFTFWD_FLOWEMU", env, 1);
	ret = flowemu_attach_from_env();
	CHECK(ret == 1 && flowemu_attached(ring2), "attach_from_env: %d", ret);
	CHECK(!flowemu_attached(null0), "net_null0 not named");
	rb_init(&r, 0, 1);
	rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
	rb_act(&r, RTE_FLOW_ACTION_TYPE_DROP, NULL);
	CHECK(rb_create(ring2, &r, &e) != NULL, "env port: create 1");
	CHECK(rb_create(ring2, &r, &e) == NULL && has(&e, "injected"), "env port: create 2 injected");
	r.attr.priority = 4;
	CHECK(rb_validate(ring2, &r, &e) == -ENOTSUP && has(&e, "smalltable"), "env port is smalltable");
	flush(ring2);
	CHECK(flowemu_attach_from_env() == 0, "second call: nothing new");

	setenv("NFTFWD_FLOWEMU", "net_ring2=bogus", 1);
	flowemu_detach(ring2);
	CHECK(flowemu_attach_from_env() == -EINVAL, "bad profile");
	setenv("NFTFWD_FLOWEMU", "net_ring2", 1);
	CHECK(flowemu_attach_from_env() == -EINVAL, "no '='");

	/* the interposed rte_eth_dev_start() attaches a hot-plugged port */
	setenv("NFTFWD_FLOWEMU", "*=none,net_ring3=rich", 1);
	ret = rte_eal_hotplug_add("vdev", "net_ring3", "");
	CHECK(ret == 0 && rte_eth_dev_get_port_by_name("net_ring3", &pid) == 0, "hotplug net_ring3");
	if (ret == 0) {
		CHECK(!flowemu_attached(pid), "not attached before start");
		{
			uint64_t feat = RTE_ETH_RX_METADATA_USER_MARK;

			/* before configure, as the API wants: answered from the variable */
			CHECK(rte_eth_rx_metadata_negotiate(pid, &feat) == 0 &&
				feat == RTE_ETH_RX_METADATA_USER_MARK, "negotiate before attach");
		}
		CHECK(port_setup(pid, 1) == 0, "start net_ring3");
		CHECK(flowemu_attached(pid), "attached by rte_eth_dev_start");
		flowemu_stats_get(pid, &st);
		CHECK(st.negotiated, "negotiation before attach kept");
		rb_init(&r, 0, 5);
		rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
		rb_act(&r, RTE_FLOW_ACTION_TYPE_DROP, NULL);
		CHECK(rb_create(pid, &r, &e) != NULL, "net_ring3 is rich (specific name wins over *)");
		{
			struct pk p = pk_tcp4(1, 2, 3, 4);

			CHECK(run(pid, &p) == OUT_DROP, "rules apply on the auto-attached port");
		}
		rte_eth_dev_stop(pid);
		rte_eth_dev_close(pid);
		CHECK(!flowemu_attached(pid), "rte_eth_dev_close detaches");
	}
	unsetenv("NFTFWD_FLOWEMU");
}

/* Rules change while another thread receives. */
static volatile bool stress_stop;

static void *
stress_rx(void *arg)
{
	uint16_t pid = *(uint16_t *)arg;
	struct pk p = pk_tcp4(IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), 1000, 80);
	unsigned long n = 0;

	while (!stress_stop) {
		int o = run(pid, &p);

		if (o == OUT_BAD)
			return (void *)1;
		n++;
	}
	return (void *)(uintptr_t)(n == 0 ? 1 : 0);
}

static void
test_concurrent(void)
{
	struct rte_flow_error e;
	struct flowemu_stats st;
	pthread_t t;
	void *res = NULL;
	struct rb r;
	int i;

	reattach(ring0, &flowemu_profile_rich);
	stress_stop = false;
	if (pthread_create(&t, NULL, stress_rx, &ring0) != 0) {
		CHECK(false, "pthread_create");
		return;
	}
	for (i = 0; i < 2000; i++) {
		struct rte_flow *f;

		rb_init(&r, 0, (uint32_t)(i % 4));
		rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
		if (i % 2)
			rb_act(&r, RTE_FLOW_ACTION_TYPE_DROP, NULL);
		else
			MARK_RULE(&r, ring0, (uint32_t)i);
		f = i % 2 ? rb_create(ring0, &r, &e) : NULL;
		if (f != NULL && i % 3 == 0)
			rte_flow_destroy(ring0, f, &e);
		if (i % 50 == 0)
			rte_flow_flush(ring0, &e);
	}
	usleep(10000);
	stress_stop = true;
	pthread_join(t, &res);
	flowemu_stats_get(ring0, &st);
	CHECK(res == NULL && st.rx > 0, "concurrent rx while rules change: %" PRIu64 " frames",
		st.rx);
	flush(ring0);
}

int
main(int argc, char **argv)
{
	char prefix[64];
	char *eal[] = { argv[0], "--no-huge", "-m", "256", "--no-pci", "-l", "0",
		"--file-prefix", prefix, "--vdev", "net_ring0", "--vdev", "net_ring1",
		"--vdev", "net_ring2", "--vdev", "net_null0", "--log-level", "lib.eal:error",
		NULL };
	int ret;

	(void)argc;
	unsetenv("NFTFWD_FLOWEMU");
	snprintf(prefix, sizeof(prefix), "flowemu_%d", getpid());
	ret = rte_eal_init((int)RTE_DIM(eal) - 1, eal);
	if (ret < 0) {
		fprintf(stderr, "flowemu: EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	pool = rte_pktmbuf_pool_create("flowemu_pool", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
		SOCKET_ID_ANY);
	if (pool == NULL ||
	    rte_eth_dev_get_port_by_name("net_ring0", &ring0) != 0 ||
	    rte_eth_dev_get_port_by_name("net_ring1", &ring1) != 0 ||
	    rte_eth_dev_get_port_by_name("net_ring2", &ring2) != 0 ||
	    rte_eth_dev_get_port_by_name("net_null0", &null0) != 0 ||
	    port_setup(ring0, 1) != 0 || port_setup(ring1, 2) != 0 ||
	    port_setup(ring2, 1) != 0 || port_setup(null0, 1) != 0) {
		fprintf(stderr, "flowemu: port set-up failed\n");
		return 1;
	}
	if (flowemu_attach(ring0, &flowemu_profile_rich) != 0 ||
	    flowemu_attach(ring1, &flowemu_profile_rich) != 0) {
		fprintf(stderr, "flowemu: attach failed\n");
		return 1;
	}
	CHECK(flowemu_attach(ring0, &flowemu_profile_rich) == -EEXIST, "attach twice");

	test_interpose();
	test_eth_vlan();
	test_malformed();
	test_l3_l4();
	test_pattern_errors();
	test_actions();
	test_profiles();
	test_fault_injection();
	test_steering();
	test_env();
	test_concurrent();

	CHECK(flowemu_detach(ring0) == 0 && !flowemu_attached(ring0), "detach");
	{
		struct rte_flow_error e;
		struct rb r;

		rb_init(&r, 0, 0);
		rb_item(&r, RTE_FLOW_ITEM_TYPE_ETH, NULL, NULL, NULL, 0);
		rb_act(&r, RTE_FLOW_ACTION_TYPE_DROP, NULL);
		CHECK(rb_validate(ring0, &r, &e) < 0 && !has(&e, "flowemu"),
			"after detach the real rte_flow answers: %s", e.message);
	}
	flowemu_detach(ring1);
	flowemu_detach(ring2);
	rte_eth_dev_stop(ring0);
	rte_eth_dev_stop(ring1);
	rte_eth_dev_stop(ring2);
	rte_eth_dev_stop(null0);
	rte_eal_cleanup();

	printf("flowemu: %u checks passed, %u failed\n", n_pass, n_fail);
	return n_fail == 0 ? 0 : 1;
}
