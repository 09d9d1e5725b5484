/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_cls - the compiled classifier (fastpath/cls*.c) against the
 * reference interpreter (fastpath/interp.c), differentially:
 *
 * - random rulesets built as IR (tables, base chains on several ports with
 *   equal and different priorities, policies, regular chains reached by
 *   jump/goto/vmap, return/continue, counters, limits, quotas, named
 *   objects, statements cls hands over to the interpreter, matches on
 *   payload and meta fields with masks, byte orders, prefix/narrowed
 *   compares, ranges, sets of every shape, inverted lookups, verdict maps),
 *   and rulesets from nft text through the nft reader (root + netns; else
 *   skipped and counted);
 * - random frames aimed at every constant the ruleset holds (each value, one
 *   below, one above, and the same with bits outside its mask changed),
 *   over IPv4 (options, fragments, bad headers), IPv6 (extension header
 *   chains, fragments), ARP, 802.3, VLAN and QinQ tags, short and truncated
 *   frames, multi-segment mbufs;
 * - bursts of every size from 1 to 64, on every port.
 * Each packet goes through interp_run() on one fp_ruleset and through
 * cls_run_burst() on another built from the same IR: verdict, reason,
 * output port, mark, deciding chain/rule, extra frames and the packet's
 * bytes must be equal, and at the end every counter, quota and limit.
 *
 * Plus: hand-checked cases (so the comparison cannot pass by both sides
 * being wrong the same way where it matters most), and the compile time of
 * a 10k-rule ruleset (printed).
 *
 * Runs with: --no-huge -m 512 --no-pci -l 0 --file-prefix cls_<pid>
 * Options: --rulesets N --packets N (per ruleset) --seed S
 * Prints `cls: N checks passed, M failed`; exits 1 on any failure.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "control/ir/ir.h"
#include "control/ir/ir_build.h"
#include "control/ir/ir_print.h"
#include "control/nft/nftr.h"
#include "fastpath/cls.h"
#include "fastpath/fp_ruleset.h"
#include "fastpath/interp.h"
#include "fastpath/pkt_view.h"
#include "tests/lib/irb.h"
#include "tests/lib/tcheck.h"

/* ---- random ------------------------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t
rnd64(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t
rnd(uint32_t n)
{
	return n ? (uint32_t)(rnd64() % n) : 0;
}

static bool
chance(unsigned int percent)
{
	return rnd(100) < percent;
}

/* ---- clock -------------------------------------------------------------------- */

static uint64_t fake_now = 1000000000000ull;

static uint64_t
fake_clock(void *arg)
{
	(void)arg;
	return fake_now;
}

/* ---- IR builder --------------------------------------------------------------- */

enum { DEV_ETH0, DEV_ETH1, DEV_ETH2, DEV_ETH3, DEV_GHOST, N_DEVS };
static const char *const dev_names[N_DEVS] = {
	"eth0", "eth1", "eth2", "eth3", "ghost",
};
static const char *const port_names[] = { "eth0", "eth1", "eth2", "eth3" };
static const uint16_t peers[] = { 1, 0, 3, 2 };
#define N_PORTS 4

#define MAX_TABLES	3
#define MAX_CHAINS	12
#define MAX_RULES	48
#define MAX_ITEMS	12
#define MAX_SETS	10
#define MAX_ELEMS	40
#define MAX_OBJS	6

static const struct irb_caps caps = {
	.tables = MAX_TABLES, .chains = MAX_CHAINS,
	/* named sets, and one anonymous set per rule at most */
	.sets = MAX_SETS + MAX_RULES * MAX_CHAINS, .objects = MAX_OBJS,
	.rules = MAX_RULES, .items = MAX_ITEMS,
	.elems = 0,	/* gen_elems() sizes each set's array */
};
static struct ir_ruleset *B;

static void
b_new(void)
{
	B = irb_new(dev_names, N_DEVS, &caps);
}

/* ---- frames -------------------------------------------------------------------- */

static struct rte_mempool *pool;
static const struct rte_ether_addr port_mac = {
	.addr_bytes = { 0x02, 0, 0, 0, 0, 0x10 } };

struct frame {
	uint8_t b[512];
	uint32_t len;
	uint16_t nh;		/* network header offset (0: none) */
	uint16_t th;		/* transport header offset (0: none) */
	uint16_t split;		/* 0: one segment; else first segment length */
};

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static struct rte_mbuf *
mk_mbuf(const struct frame *f)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool), *m2;
	char *p;

	if (m == NULL)
		return NULL;
	if (f->split == 0 || f->split >= f->len) {
		p = rte_pktmbuf_append(m, (uint16_t)f->len);
		if (p == NULL && f->len > 0) {
			rte_pktmbuf_free(m);
			return NULL;
		}
		if (f->len)
			memcpy(p, f->b, f->len);
		return m;
	}
	p = rte_pktmbuf_append(m, f->split);
	memcpy(p, f->b, f->split);
	m2 = rte_pktmbuf_alloc(pool);
	if (m2 == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	p = rte_pktmbuf_append(m2, (uint16_t)(f->len - f->split));
	memcpy(p, f->b + f->split, f->len - f->split);
	if (rte_pktmbuf_chain(m, m2) != 0) {
		rte_pktmbuf_free(m);
		rte_pktmbuf_free(m2);
		return NULL;
	}
	return m;
}

/* ---- harvested constants: what the frames aim at --------------------------------- */

struct poke {
	uint8_t base;		/* IR_BASE_*, or 0xff: meta (key in `meta`) */
	uint8_t meta;
	uint16_t off;
	uint8_t len;
	uint8_t v[16];
};

#define MAX_POKES 4096
static struct poke pokes[MAX_POKES];
static unsigned int n_pokes;

static void
poke_add(uint8_t base, uint8_t meta, uint16_t off, const uint8_t *v,
	 unsigned int len, const uint8_t *mask)
{
	struct poke *p;

	if (len == 0 || len > 16)
		return;
	for (int var = 0; var < 4; var++) {
		if (n_pokes >= MAX_POKES)
			return;
		p = &pokes[n_pokes++];
		p->base = base;
		p->meta = meta;
		p->off = off;
		p->len = (uint8_t)len;
		memcpy(p->v, v, len);
		if (var == 1) {	/* one above */
			for (int i = (int)len - 1; i >= 0 && ++p->v[i] == 0; i--)
				;
		} else if (var == 2) {	/* one below */
			for (int i = (int)len - 1; i >= 0 && p->v[i]-- == 0; i--)
				;
		} else if (var == 3) {	/* bits outside the mask changed */
			if (mask == NULL) {
				n_pokes--;
				continue;
			}
			for (unsigned int i = 0; i < len; i++)
				p->v[i] = (uint8_t)((p->v[i] & mask[i]) |
						    (rnd(256) & ~mask[i]));
		}
	}
}

static void
harvest_operand(const struct ir_operand *op, const uint8_t *v, unsigned int len)
{
	const struct ir_field *f = &op->field;
	uint8_t raw[16];

	if (len > 16 || len == 0)
		return;
	memcpy(raw, v, len);
	if (op->order == IR_BO_HOST && f->kind == IR_FIELD_PAYLOAD) {
		/* the register was swapped: undo for the packet bytes */
		for (unsigned int i = 0; i < len / 2; i++) {
			uint8_t t = raw[i];

			raw[i] = raw[len - 1 - i];
			raw[len - 1 - i] = t;
		}
	}
	if (f->kind == IR_FIELD_PAYLOAD)
		poke_add((uint8_t)f->base, 0, f->offset, raw, len, op->mask);
	else
		poke_add(0xff, (uint8_t)f->meta, 0, v, len, op->mask);
}

static void
harvest_set(const struct ir_lookup *l)
{
	const struct ir_set *s = l->set;

	if (s == NULL)
		return;
	for (uint32_t e = 0; e < s->nelems && e < 64; e++)
		for (unsigned int i = 0; i < l->nfields; i++) {
			unsigned int off = ir_set_field_offset(s, i);
			unsigned int fl = s->nfields == 1 ? s->key_len : s->field_len[i];

			harvest_operand(&l->fields[i], s->elems[e].key + off, fl);
			if (s->elems[e].key_end != s->elems[e].key)
				harvest_operand(&l->fields[i],
						s->elems[e].key_end + off, fl);
		}
}

static void
harvest(const struct ir_ruleset *ir)
{
	n_pokes = 0;
	for (uint32_t t = 0; t < ir->ntables; t++)
		for (uint32_t c = 0; c < ir->tables[t].nchains; c++) {
			const struct ir_chain *ch = &ir->tables[t].chains[c];

			for (uint32_t r = 0; r < ch->nrules; r++) {
				const struct ir_rule *ru = &ch->rules[r];

				for (uint32_t i = 0; i < ru->nitems; i++) {
					const struct ir_match *m = &ru->items[i].match;

					if (ru->items[i].kind != IR_ITEM_MATCH)
						continue;
					if (m->kind == IR_MATCH_CMP)
						harvest_operand(&m->arg, m->value, m->len);
					else if (m->kind == IR_MATCH_RANGE) {
						harvest_operand(&m->arg, m->lo, m->len);
						harvest_operand(&m->arg, m->hi, m->len);
					} else {
						harvest_set(&m->lookup);
					}
				}
				if (ru->verdict.v.kind == IR_VERDICT_VMAP)
					harvest_set(&ru->verdict.vmap);
			}
		}
}

/* ---- frame generator ------------------------------------------------------------- */

static const uint8_t MAC_BC[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t MAC_MC[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
static const uint8_t MAC_OT[6] = { 0x02, 0, 0, 0, 0, 0x77 };
static const uint8_t MAC_SRC[6] = { 0x02, 0, 0, 0, 0, 0xaa };

static void
rnd_bytes(uint8_t *p, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		p[i] = (uint8_t)rnd(256);
}

/* An address from a small pool, so that rules and frames meet. */
static void
pool_addr4(uint8_t *p)
{
	static const uint8_t a[][4] = {
		{ 10, 0, 0, 1 }, { 10, 0, 0, 2 }, { 10, 1, 2, 3 },
		{ 192, 168, 1, 1 }, { 192, 168, 1, 255 }, { 172, 16, 0, 1 },
		{ 0, 0, 0, 0 }, { 255, 255, 255, 255 }, { 10, 255, 255, 255 },
	};

	if (chance(70))
		memcpy(p, a[rnd(RTE_DIM(a))], 4);
	else
		rnd_bytes(p, 4);
}

static uint16_t
pool_port(void)
{
	static const uint16_t pp[] = { 22, 53, 80, 443, 0, 65535, 1024, 8080 };

	return chance(70) ? pp[rnd(RTE_DIM(pp))] : (uint16_t)rnd(65536);
}

/* L4 header for proto at p (room bytes); returns its length. */
static unsigned int
gen_l4(uint8_t proto, uint8_t *p, unsigned int room)
{
	unsigned int n = 0;

	switch (proto) {
	case 6:
		n = 20;
		if (n > room)
			return 0;
		rnd_bytes(p, n);
		put16(p, pool_port());
		put16(p + 2, pool_port());
		p[12] = 5 << 4;
		p[13] = (uint8_t)(chance(50) ? 0x02 : rnd(256));
		break;
	case 17:
		n = 8;
		if (n > room)
			return 0;
		put16(p, pool_port());
		put16(p + 2, pool_port());
		put16(p + 4, 8);
		put16(p + 6, 0);
		break;
	case 1:
	case 58:
		n = 8;
		if (n > room)
			return 0;
		rnd_bytes(p, n);
		p[0] = (uint8_t)(chance(50) ? 8 : rnd(256));
		break;
	default:
		n = RTE_MIN(room, rnd(16));
		rnd_bytes(p, n);
	}
	return n;
}

static void
gen_frame(struct frame *f)
{
	uint8_t *b = f->b;
	unsigned int off = 12, kind = rnd(100);
	uint16_t type;

	memset(f, 0, sizeof(*f));
	switch (rnd(10)) {
	case 0: memcpy(b, MAC_BC, 6); break;
	case 1: memcpy(b, MAC_MC, 6); break;
	case 2: memcpy(b, MAC_OT, 6); break;
	default: memcpy(b, port_mac.addr_bytes, 6); break;
	}
	memcpy(b + 6, MAC_SRC, 6);
	if (chance(5))
		rnd_bytes(b + 6, 6);
	/* tags */
	if (chance(15)) {
		put16(b + off, chance(70) ? 0x8100 : 0x88a8);
		put16(b + off + 2, (uint16_t)(chance(50) ? rnd(8) : rnd(65536)));
		off += 4;
		if (chance(20)) {	/* QinQ */
			put16(b + off, 0x8100);
			put16(b + off + 2, (uint16_t)rnd(4096));
			off += 4;
		}
	}
	if (kind < 55)
		type = 0x0800;
	else if (kind < 80)
		type = 0x86dd;
	else if (kind < 85)
		type = 0x0806;
	else if (kind < 90)
		type = (uint16_t)rnd(0x600);	/* 802.3 length */
	else
		type = (uint16_t)rnd(65536);
	put16(b + off, type);
	off += 2;
	f->nh = (uint16_t)off;
	if (type == 0x0800) {
		uint8_t *ip = b + off;
		unsigned int ihl = chance(85) ? 5 : 5 + rnd(4), l4len, tot;
		uint8_t proto;
		static const uint8_t protos[] = { 6, 17, 1, 6, 17, 47, 132, 0 };

		proto = chance(90) ? protos[rnd(RTE_DIM(protos))] : (uint8_t)rnd(256);
		rnd_bytes(ip, ihl * 4);
		ip[0] = (uint8_t)(4 << 4 | ihl);
		if (chance(3))
			ip[0] = (uint8_t)rnd(256);
		ip[1] = (uint8_t)rnd(256);
		ip[6] = 0;
		ip[7] = 0;
		if (chance(10)) {	/* fragment */
			uint16_t fo = chance(50) ? 0x2000 : (uint16_t)(rnd(0x2000) |
					(chance(50) ? 0x2000 : 0));
			put16(ip + 6, fo);
		}
		ip[8] = (uint8_t)rnd(256);
		ip[9] = proto;
		pool_addr4(ip + 12);
		pool_addr4(ip + 16);
		f->th = (uint16_t)(off + ihl * 4);
		l4len = gen_l4(proto, b + f->th, 300);
		tot = ihl * 4 + l4len;
		if (chance(5))
			tot += rnd(20);	/* claims more than there is */
		else if (chance(5) && tot > 0)
			tot -= rnd(tot);
		put16(ip + 2, (uint16_t)tot);
		f->len = f->th + l4len;
		if (chance(10))
			f->len += rnd(20);	/* padding */
	} else if (type == 0x86dd) {
		uint8_t *ip6 = b + off;
		unsigned int pos = off + 40, nh_field = off + 6;
		unsigned int next_len = 0;
		uint8_t l4p;

		rnd_bytes(ip6, 40);
		ip6[0] = (uint8_t)(6 << 4 | (ip6[0] & 0xf));
		if (chance(3))
			ip6[0] = (uint8_t)rnd(256);
		if (chance(60)) {
			/* addresses from a small pool: 2001:db8::x */
			memset(ip6 + 8, 0, 32);
			ip6[8] = 0x20; ip6[9] = 0x01; ip6[10] = 0x0d; ip6[11] = 0xb8;
			ip6[23] = (uint8_t)rnd(4);
			ip6[24] = 0x20; ip6[25] = 0x01; ip6[26] = 0x0d; ip6[27] = 0xb8;
			ip6[39] = (uint8_t)rnd(4);
		}
		/* extension headers */
		for (unsigned int k = 0, n = chance(30) ? 1 + rnd(3) : 0; k < n; k++) {
			static const uint8_t ext[] = { 0, 43, 44, 60, 51 };
			uint8_t e = ext[rnd(RTE_DIM(ext))];

			b[nh_field] = e;
			nh_field = pos;
			rnd_bytes(b + pos, 8);
			if (e == 44) {
				uint16_t fo = chance(60) ? 0 : (uint16_t)(rnd(0x2000) << 3);

				put16(b + pos + 2, (uint16_t)(fo | rnd(2)));
				pos += 8;
			} else if (e == 51) {
				b[pos + 1] = 1;	/* (1 + 2) * 4 = 12 bytes */
				pos += 12;
			} else {
				b[pos + 1] = 0;
				pos += 8;
			}
		}
		{
			static const uint8_t l4s[] = { 6, 17, 58, 59, 132 };

			l4p = chance(90) ? l4s[rnd(RTE_DIM(l4s))] : (uint8_t)rnd(256);
		}
		b[nh_field] = l4p;
		f->th = (uint16_t)pos;
		next_len = gen_l4(l4p, b + pos, 200);
		f->len = pos + next_len;
		put16(ip6 + 4, (uint16_t)(f->len - off - 40 + (chance(5) ? rnd(30) : 0)));
		if (chance(10))
			f->len += rnd(16);
	} else {
		unsigned int n = rnd(60);

		rnd_bytes(b + off, n);
		if (type < 0x600 && chance(50)) {
			b[off] = 0xff;
			b[off + 1] = 0xff;
		}
		f->len = off + n;
		f->nh = (uint16_t)off;
	}
	if (f->len < 14 && chance(50))
		f->len = 14;

	/* aim at the ruleset's constants */
	for (unsigned int k = 0, n = n_pokes ? rnd(5) : 0; k < n; k++) {
		const struct poke *p = &pokes[rnd(n_pokes)];
		unsigned int at;

		if (p->base == 0xff) {
			switch (p->meta) {
			case IR_META_PROTOCOL:
				if (p->len >= 2)
					memcpy(b + f->nh - 2, p->v, 2);
				break;
			case IR_META_L4PROTO:
				if (f->th && f->nh && b[f->nh] >> 4 == 4)
					b[f->nh + 9] = p->v[0];
				break;
			case IR_META_LEN: {
				uint32_t v;

				memcpy(&v, p->v, 4);
				if (chance(50))
					v = rte_be_to_cpu_32(v);
				if (v < 400 && f->nh + v < sizeof(f->b))
					f->len = f->nh + v;
				break;
			}
			default:
				break;
			}
			continue;
		}
		if (p->base == IR_BASE_LL)
			at = p->off;
		else if (p->base == IR_BASE_NETWORK)
			at = f->nh + p->off;
		else if (f->th)
			at = f->th + p->off;
		else
			continue;
		if (at + p->len > sizeof(f->b))
			continue;
		memcpy(b + at, p->v, p->len);
		if (at + p->len > f->len && chance(50))
			f->len = at + p->len;
	}
	/* truncation */
	if (chance(8))
		f->len = rnd(f->len + 1);
	if (f->len > sizeof(f->b))
		f->len = sizeof(f->b);
	if (chance(5) && f->len > 2)
		f->split = (uint16_t)(1 + rnd(f->len - 1));
}

/* ---- random IR --------------------------------------------------------------------- */

struct fdesc {
	bool meta;
	enum ir_meta_key key;
	enum ir_payload_base base;
	uint16_t off;
	uint8_t len;
	uint8_t mask_kind;	/* 0: none, 1: prefix ok, 2: fixed mask */
	uint8_t fixed[4];
};

static const struct fdesc fields[] = {
	{ .meta = true, .key = IR_META_PROTOCOL },
	{ .meta = true, .key = IR_META_L4PROTO },
	{ .meta = true, .key = IR_META_LEN },
	{ .meta = true, .key = IR_META_PKTTYPE },
	{ .meta = true, .key = IR_META_MARK },
	{ .meta = true, .key = IR_META_IIF },
	{ .meta = true, .key = IR_META_IIFNAME },
	{ .meta = true, .key = IR_META_NFPROTO },
	{ .meta = true, .key = IR_META_IIFTYPE },
	{ .base = IR_BASE_NETWORK, .off = 12, .len = 4, .mask_kind = 1 },
	{ .base = IR_BASE_NETWORK, .off = 16, .len = 4, .mask_kind = 1 },
	{ .base = IR_BASE_NETWORK, .off = 12, .len = 4, .mask_kind = 1 },
	{ .base = IR_BASE_NETWORK, .off = 9, .len = 1 },
	{ .base = IR_BASE_NETWORK, .off = 8, .len = 1 },
	{ .base = IR_BASE_NETWORK, .off = 1, .len = 1, .mask_kind = 2,
	  .fixed = { 0xfc } },
	{ .base = IR_BASE_NETWORK, .off = 0, .len = 1, .mask_kind = 2,
	  .fixed = { 0xf0 } },
	{ .base = IR_BASE_NETWORK, .off = 6, .len = 2, .mask_kind = 2,
	  .fixed = { 0x1f, 0xff } },
	{ .base = IR_BASE_NETWORK, .off = 2, .len = 2 },
	{ .base = IR_BASE_NETWORK, .off = 8, .len = 16, .mask_kind = 1 },
	{ .base = IR_BASE_NETWORK, .off = 24, .len = 16, .mask_kind = 1 },
	{ .base = IR_BASE_NETWORK, .off = 6, .len = 1 },
	{ .base = IR_BASE_NETWORK, .off = 0, .len = 4, .mask_kind = 2,
	  .fixed = { 0x00, 0x0f, 0xff, 0xff } },
	{ .base = IR_BASE_TRANSPORT, .off = 0, .len = 2 },
	{ .base = IR_BASE_TRANSPORT, .off = 2, .len = 2 },
	{ .base = IR_BASE_TRANSPORT, .off = 2, .len = 2 },
	{ .base = IR_BASE_TRANSPORT, .off = 13, .len = 1, .mask_kind = 2,
	  .fixed = { 0x12 } },
	{ .base = IR_BASE_TRANSPORT, .off = 0, .len = 1 },
	{ .base = IR_BASE_TRANSPORT, .off = 4, .len = 4, .mask_kind = 1 },
	{ .base = IR_BASE_TRANSPORT, .off = 3, .len = 2 },
	{ .base = IR_BASE_TRANSPORT, .off = 0, .len = 8 },
	{ .base = IR_BASE_LL, .off = 12, .len = 2 },
	{ .base = IR_BASE_LL, .off = 0, .len = 6, .mask_kind = 1 },
	{ .base = IR_BASE_LL, .off = 6, .len = 6 },
	{ .base = IR_BASE_LL, .off = 14, .len = 2, .mask_kind = 2,
	  .fixed = { 0x0f, 0xff } },
	{ .base = IR_BASE_LL, .off = 16, .len = 2 },
	{ .base = IR_BASE_LL, .off = 0, .len = 3 },
	{ .base = IR_BASE_NETWORK, .off = 0, .len = 20 },
};

static struct ir_operand
fd_operand(const struct fdesc *d)
{
	struct ir_operand o;

	if (d->meta) {
		o = irb_meta(d->key);
		return o;
	}
	return irb_payload(d->base, d->off, d->len);
}

/* A value for a field: mostly from what frames carry. */
static void
gen_value(const struct fdesc *d, const struct ir_operand *o, uint8_t *v)
{
	unsigned int len = o->field.len;

	memset(v, 0, IR_DATA_MAX);
	if (d->meta) {
		uint32_t u;
		uint16_t u16;

		switch (d->key) {
		case IR_META_PROTOCOL: {
			static const uint16_t pr[] = { 0x0800, 0x86dd, 0x0806, 0x8100,
						       0x0004, 0x0001 };

			put16(v, chance(85) ? pr[rnd(RTE_DIM(pr))] : (uint16_t)rnd(65536));
			break;
		}
		case IR_META_L4PROTO: {
			static const uint8_t pr[] = { 6, 17, 1, 58, 132, 59, 0 };

			v[0] = chance(85) ? pr[rnd(RTE_DIM(pr))] : (uint8_t)rnd(256);
			break;
		}
		case IR_META_LEN:
			u = chance(80) ? 20 + rnd(120) : rnd64();
			memcpy(v, &u, 4);
			break;
		case IR_META_PKTTYPE:
			v[0] = (uint8_t)rnd(5);
			break;
		case IR_META_MARK:
			u = chance(60) ? 0 : rnd(5);
			memcpy(v, &u, 4);
			break;
		case IR_META_IIF:
			u = rnd(N_DEVS + 2);
			memcpy(v, &u, 4);
			break;
		case IR_META_IIFNAME:
			snprintf((char *)v, 16, "%s", chance(80) ?
				 dev_names[rnd(N_DEVS)] : "eth");
			break;
		case IR_META_NFPROTO:
			v[0] = chance(50) ? 5 : (uint8_t)rnd(12);
			break;
		case IR_META_IIFTYPE:
			u16 = chance(70) ? 1 : (uint16_t)rnd(800);
			memcpy(v, &u16, 2);
			break;
		default:
			rnd_bytes(v, len);
		}
		if (o->order != ir_meta_key_info(d->key)->order && len % 2 == 0)
			for (unsigned int i = 0; i < len / 2; i++) {
				uint8_t t = v[i];

				v[i] = v[len - 1 - i];
				v[len - 1 - i] = t;
			}
		return;
	}
	if (len == 4 && chance(70)) {
		pool_addr4(v);
	} else if (len == 2 && chance(70)) {
		put16(v, pool_port());
	} else if (len == 16 && chance(70)) {
		v[0] = 0x20; v[1] = 0x01; v[2] = 0x0d; v[3] = 0xb8;
		v[15] = (uint8_t)rnd(4);
	} else if (chance(20)) {
		memset(v, chance(50) ? 0 : 0xff, len);
	} else {
		rnd_bytes(v, len);
		if (len == 1 && chance(60)) {
			static const uint8_t small[] = { 6, 17, 1, 58, 0x45, 0x60, 64,
							 0x02, 0x12, 8 };

			v[0] = small[rnd(RTE_DIM(small))];
		}
	}
}

static const uint8_t *
gen_mask(const struct fdesc *d, unsigned int len, bool prefix_only)
{
	uint8_t m[IR_DATA_MAX];

	if (d->meta || len > 16)
		return NULL;
	if (d->mask_kind == 2 && !prefix_only && chance(70))
		return irb_bytes(d->fixed, len);
	if (chance(55))
		return NULL;
	if (d->mask_kind == 1 || chance(50)) {
		unsigned int bits = rnd(len * 8 + 1);

		for (unsigned int i = 0; i < len; i++) {
			unsigned int b = bits > 8 ? 8 : bits;

			m[i] = (uint8_t)(0xff00 >> b);
			bits -= b;
		}
		return irb_bytes(m, len);
	}
	if (prefix_only)
		return NULL;
	rnd_bytes(m, len);
	return irb_bytes(m, len);
}

static void
apply_mask(uint8_t *v, const uint8_t *m, unsigned int len)
{
	if (m != NULL && chance(90))
		for (unsigned int i = 0; i < len; i++)
			v[i] &= m[i];
}

/* Fields with byte orders that ranges accept (payload: NET; meta host keys
 * get a byteorder: NET) */
static struct ir_operand
gen_operand(const struct fdesc *d, bool ordered)
{
	struct ir_operand o = fd_operand(d);

	if (d->meta && ordered && ir_meta_key_info(d->key)->order == IR_BO_HOST &&
	    chance(80))
		o.order = IR_BO_NET;
	return o;
}

struct gen_tab {
	struct ir_table *t;
	struct ir_chain *reg[MAX_CHAINS];
	unsigned int n_reg;
	struct ir_set *sets[MAX_SETS];
	const struct fdesc *set_fd[MAX_SETS][3];
	unsigned int n_sets;
	unsigned int n_anon;
};

static int
cmp_key_len;

static int
elem_cmp(const void *a, const void *b)
{
	const struct ir_set_elem *x = a, *y = b;

	return memcmp(x->key, y->key, (size_t)cmp_key_len);
}

/* Elements for a set whose fields are fds[]. */
static void
gen_elems(struct ir_set *s, const struct fdesc *const *fds, unsigned int n)
{
	struct ir_set_elem *el = ir_calloc(B, MAX_ELEMS + 1, sizeof(*el));
	bool interval = (s->flags & IR_SET_F_INTERVAL) != 0;

	for (unsigned int e = 0; e < n; e++) {
		uint8_t k[IR_DATA_MAX] = { 0 }, ke[IR_DATA_MAX] = { 0 };

		for (unsigned int f = 0; f < s->nfields; f++) {
			unsigned int off = ir_set_field_offset(s, f);
			unsigned int fl = s->nfields == 1 ? s->key_len : s->field_len[f];
			struct ir_operand o = gen_operand(fds[f], interval);
			uint8_t v[IR_DATA_MAX], w[IR_DATA_MAX];

			gen_value(fds[f], &o, v);
			memcpy(k + off, v, fl);
			if (interval) {
				memcpy(w, v, fl);
				/* a small span above v */
				for (int i = (int)fl - 1, add = (int)rnd(chance(50) ? 4 : 300);
				     i >= 0 && add > 0; i--) {
					int sum = w[i] + (add & 0xff);

					w[i] = (uint8_t)sum;
					add = (add >> 8) + (sum >> 8);
				}
				if (memcmp(w, v, fl) < 0)
					memset(w, 0xff, fl);
				memcpy(ke + off, w, fl);
			}
		}
		el[e].key = irb_bytes(k, s->key_len);
		el[e].key_end = interval ? irb_bytes(ke, s->key_len) : el[e].key;
	}
	cmp_key_len = s->key_len;
	qsort(el, n, sizeof(*el), elem_cmp);
	/* mostly no duplicates (the kernel has none); keep a few */
	if (!chance(10) && n > 1) {
		unsigned int k = 1;

		for (unsigned int e = 1; e < n; e++)
			if (memcmp(el[e].key, el[k - 1].key, s->key_len) != 0)
				el[k++] = el[e];
		n = k;
	}
	/* single-field intervals: mostly disjoint, like the kernel's */
	if (interval && s->nfields == 1 && !chance(10)) {
		for (unsigned int e = 0; e + 1 < n; e++)
			if (memcmp(el[e].key_end, el[e + 1].key, s->key_len) >= 0) {
				uint8_t t[IR_DATA_MAX];
				int i;

				memcpy(t, el[e + 1].key, s->key_len);
				for (i = s->key_len - 1; i >= 0 && t[i]-- == 0; i--)
					;
				if (memcmp(t, el[e].key, s->key_len) >= 0)
					el[e].key_end = irb_bytes(t, s->key_len);
			}
	}
	s->elems = el;
	s->nelems = n;
}

static struct ir_set *
gen_set(struct gen_tab *g, const struct fdesc **fds_out, bool vmap)
{
	static const unsigned int set_fields[] = { 9, 10, 22, 23, 1, 12, 18, 0,
						   31, 2, 27 };
	const struct fdesc *fds[3];
	uint8_t flen[3];
	unsigned int nf = chance(30) ? 2 + rnd(2) : 1;
	uint32_t flags = (chance(40) ? IR_SET_F_INTERVAL : 0) |
			 (vmap ? IR_SET_F_MAP | IR_SET_F_VMAP : 0);
	char name[32];
	struct ir_set *s;

	for (unsigned int f = 0; f < nf; f++) {
		fds[f] = &fields[set_fields[rnd(RTE_DIM(set_fields))]];
		flen[f] = fds[f]->meta ? ir_meta_key_info(fds[f]->key)->len :
					 fds[f]->len;
		fds_out[f] = fds[f];
	}
	snprintf(name, sizeof(name), "s%u", g->t->nsets);
	s = irb_set(g->t, name, flags, nf, flen, 0);
	gen_elems(s, fds, 1 + rnd(chance(20) ? MAX_ELEMS : 8));
	return s;
}

static void gen_rule(struct gen_tab *g, struct ir_chain *c, int reg_idx);

/* A verdict target: a regular chain after reg_idx (no loops). */
static struct ir_chain *
gen_target(struct gen_tab *g, int reg_idx)
{
	unsigned int first = (unsigned int)(reg_idx + 1);

	if (first >= g->n_reg)
		return NULL;
	return g->reg[first + rnd(g->n_reg - first)];
}

static void
gen_match(struct gen_tab *g, struct ir_rule *r)
{
	const struct fdesc *d = &fields[rnd(RTE_DIM(fields))];
	uint8_t v[IR_DATA_MAX], w[IR_DATA_MAX];
	unsigned int kind = rnd(100);

	if (kind < 55) {
		static const enum ir_cmp_op ops[] = {
			IR_CMP_EQ, IR_CMP_EQ, IR_CMP_EQ, IR_CMP_NEQ, IR_CMP_LT,
			IR_CMP_LTE, IR_CMP_GT, IR_CMP_GTE,
		};
		enum ir_cmp_op op = ops[rnd(RTE_DIM(ops))];
		bool ordered = op != IR_CMP_EQ && op != IR_CMP_NEQ;
		struct ir_operand o = gen_operand(d, ordered);
		unsigned int len = o.field.len;

		o.mask = gen_mask(d, len, ordered && chance(80));
		gen_value(d, &o, v);
		apply_mask(v, o.mask, len);
		if (d->meta && d->key == IR_META_IIFNAME && chance(40))
			len = 3;	/* iifname "eth*" */
		else if (!d->meta && len > 1 && chance(5))
			len = 1 + rnd(len);	/* narrowed compare */
		irb_cmp(r, o, op, v, (uint8_t)len);
	} else if (kind < 70) {
		struct ir_operand o = gen_operand(d, true);
		unsigned int len = o.field.len;

		o.mask = gen_mask(d, len, chance(85));
		gen_value(d, &o, v);
		memcpy(w, v, IR_DATA_MAX);
		for (int i = (int)len - 1, add = (int)rnd(chance(50) ? 3 : 1000);
		     i >= 0 && add > 0; i--) {
			int sum = w[i] + (add & 0xff);

			w[i] = (uint8_t)sum;
			add = (add >> 8) + (sum >> 8);
		}
		if (chance(10))
			memcpy(w, v, len);
		if (chance(5)) {	/* lo > hi */
			uint8_t t[IR_DATA_MAX];

			memcpy(t, v, IR_DATA_MAX);
			memcpy(v, w, IR_DATA_MAX);
			memcpy(w, t, IR_DATA_MAX);
		}
		irb_range(r, o, v, w, (uint8_t)len, chance(30));
	} else {
		const struct fdesc *fds[3];
		struct ir_operand ops[3];
		struct ir_set *s;
		unsigned int si;

		if (g->n_sets == 0 || chance(30)) {
			if (g->n_sets < MAX_SETS) {
				s = gen_set(g, fds, false);
				g->sets[g->n_sets] = s;
				memcpy(g->set_fd[g->n_sets], fds, sizeof(fds));
				g->n_sets++;
			}
			if (g->n_sets == 0)
				return;
		}
		si = rnd(g->n_sets);
		s = g->sets[si];
		for (unsigned int f = 0; f < s->nfields; f++) {
			const struct fdesc *fd = g->set_fd[si][f];

			ops[f] = gen_operand(fd, (s->flags & IR_SET_F_INTERVAL) != 0);
			if (!fd->meta && chance(15))
				ops[f].mask = gen_mask(fd, fd->len,
						       (s->flags & IR_SET_F_INTERVAL) &&
						       chance(80));
			/* the same length from another field, sometimes */
			if (!fd->meta && fd->len == 4 && chance(30))
				ops[f] = irb_payload(IR_BASE_NETWORK, 16, 4);
		}
		irb_lookup(r, s, s->nfields, ops, chance(20));
	}
}

static void
gen_stmt(struct gen_tab *g, struct ir_rule *r, bool allow_complex)
{
	unsigned int k = rnd(100);
	struct ir_stmt *s;

	if (k < 40 || (!allow_complex && k >= 80)) {
		irb_stmt(r, IR_STMT_COUNTER);
	} else if (k < 52) {
		s = irb_stmt(r, IR_STMT_LIMIT);
		s->limit = (struct ir_limit){ .rate = 1 + rnd(5), .unit = 1,
			.burst = rnd(3), .type = chance(80) ? IR_LIMIT_PKTS :
						 IR_LIMIT_BYTES,
			.invert = chance(30) };
		if (s->limit.type == IR_LIMIT_BYTES)
			s->limit.rate = 100 + rnd(1000);
	} else if (k < 62) {
		s = irb_stmt(r, IR_STMT_QUOTA);
		s->quota = (struct ir_quota){ .bytes = 200 + rnd(3000),
					      .invert = chance(30) };
	} else if (k < 80) {
		if (g->t->nobjects == 0) {
			irb_stmt(r, IR_STMT_COUNTER);
			return;
		}
		s = irb_stmt(r, IR_STMT_OBJREF);
		{
			const struct ir_object *o = &g->t->objects[rnd(g->t->nobjects)];

			s->objref.type = o->type;
			s->objref.name = o->name;
			s->objref.obj = o;
		}
	} else if (k < 86) {
		uint32_t mark = rnd(4);

		s = irb_stmt(r, IR_STMT_META_SET);
		s->meta.key = IR_META_MARK;
		s->meta.value.kind = IR_VALUE_IMM;
		s->meta.value.len = 4;
		s->meta.value.data = irb_bytes(&mark, 4);
	} else if (k < 90) {
		uint8_t ttl = (uint8_t)rnd(256);

		s = irb_stmt(r, IR_STMT_PAYLOAD_SET);
		s->payload.base = IR_BASE_NETWORK;
		s->payload.offset = 8;
		s->payload.len = 1;
		s->payload.value.kind = IR_VALUE_IMM;
		s->payload.value.len = 1;
		s->payload.value.data = irb_bytes(&ttl, 1);
		s->payload.csum_type = IR_CSUM_INET;
		s->payload.csum_offset = 10;
	} else if (k < 93) {
		unsigned int d = rnd(N_PORTS);

		s = irb_stmt(r, IR_STMT_DUP);
		s->dev.dev = B->devices[d];
		s->dev.dev_id = d;
	} else if (k < 95) {
		unsigned int d = rnd(N_PORTS);

		s = irb_stmt(r, IR_STMT_FWD);
		s->dev.dev = B->devices[d];
		s->dev.dev_id = d;
	} else if (k < 97) {
		s = irb_stmt(r, IR_STMT_REJECT);
		s->reject.type = chance(50) ? IR_REJECT_ICMPX_UNREACH :
					      IR_REJECT_TCP_RST;
		s->reject.code = 1;
	} else {
		s = irb_stmt(r, IR_STMT_LOG);
		s->log.prefix = "";
	}
}

static void
gen_vmap(struct gen_tab *g, struct ir_rule *r, int reg_idx)
{
	const struct fdesc *fds[3];
	struct ir_operand ops[3];
	struct ir_set *s = gen_set(g, fds, true);

	for (uint32_t i = 0; i < s->nelems; i++) {
		struct ir_verdict_val *vv = (struct ir_verdict_val *)&s->elems[i].verdict;
		unsigned int k = rnd(100);
		struct ir_chain *to = gen_target(g, reg_idx);

		if (k < 30)
			vv->kind = IR_VERDICT_ACCEPT;
		else if (k < 55)
			vv->kind = IR_VERDICT_DROP;
		else if (k < 65)
			vv->kind = IR_VERDICT_CONTINUE;
		else if (k < 72)
			vv->kind = IR_VERDICT_RETURN;
		else if (to != NULL) {
			vv->kind = k < 88 ? IR_VERDICT_JUMP : IR_VERDICT_GOTO;
			vv->target = to;
			vv->chain = to->name;
		} else {
			vv->kind = IR_VERDICT_ACCEPT;
		}
	}
	for (unsigned int f = 0; f < s->nfields; f++)
		ops[f] = gen_operand(fds[f], (s->flags & IR_SET_F_INTERVAL) != 0);
	r->verdict.v.kind = IR_VERDICT_VMAP;
	r->verdict.vmap.set = s;
	r->verdict.vmap.nfields = s->nfields;
	r->verdict.vmap.fields = ir_memdup(B, ops, s->nfields * sizeof(ops[0]));
}

/* reg_idx: index among regular chains, -1 for a base chain. */
static void
gen_rule(struct gen_tab *g, struct ir_chain *c, int reg_idx)
{
	struct ir_rule *r = irb_rule(c);
	unsigned int nm = chance(10) ? 0 : rnd(chance(20) ? 6 : 4);
	unsigned int k;
	struct ir_chain *to;

	for (unsigned int i = 0; i < nm && r->nitems < MAX_ITEMS - 4; i++)
		gen_match(g, r);
	if (chance(35)) {
		unsigned int ns = 1 + rnd(2);

		for (unsigned int i = 0; i < ns; i++) {
			gen_stmt(g, r, chance(40));
			if (chance(20) && r->nitems < MAX_ITEMS - 2)
				gen_match(g, r);	/* a match after a statement */
		}
	}
	k = rnd(100);
	to = gen_target(g, reg_idx);
	if (k < 22)
		irb_verdict(r, IR_VERDICT_ACCEPT, NULL);
	else if (k < 44)
		irb_verdict(r, IR_VERDICT_DROP, NULL);
	else if (k < 52)
		irb_verdict(r, IR_VERDICT_CONTINUE, NULL);
	else if (k < 58)
		irb_verdict(r, IR_VERDICT_RETURN, NULL);
	else if (k < 70 && to != NULL)
		irb_verdict(r, IR_VERDICT_JUMP, to);
	else if (k < 76 && to != NULL)
		irb_verdict(r, IR_VERDICT_GOTO, to);
	else if (k < 86)
		gen_vmap(g, r, reg_idx);
	/* else: no verdict */
}

static struct ir_ruleset *
gen_ruleset(void)
{
	unsigned int nt = 1 + (chance(30) ? rnd(2) : 0);

	b_new();
	for (unsigned int ti = 0; ti < nt; ti++) {
		struct gen_tab g;
		char name[32];
		unsigned int nreg = rnd(5), nbase = 1 + rnd(3);
		unsigned int big = chance(10) ? MAX_RULES : 10;

		memset(&g, 0, sizeof(g));
		snprintf(name, sizeof(name), "t%u", ti);
		g.t = irb_table(name);
		for (unsigned int o = 0; o < 3; o++) {
			struct ir_object *ob;

			snprintf(name, sizeof(name), "o%u", o);
			ob = irb_object(g.t, (enum ir_obj_type)o, name);
			ob->quota = (struct ir_quota){ .bytes = 500 + rnd(5000),
						       .invert = chance(30) };
			ob->limit = (struct ir_limit){ .rate = 1 + rnd(5), .unit = 1,
						       .burst = rnd(4),
						       .invert = chance(30) };
		}
		/* regular chains first, then the base chains (registration
		 * order is table order: equal priorities run last-first) */
		for (unsigned int i = 0; i < nreg; i++) {
			snprintf(name, sizeof(name), "r%u", i);
			g.reg[g.n_reg++] = irb_chain_n(g.t, name, MAX_RULES);
		}
		for (unsigned int i = 0; i < nreg; i++) {
			unsigned int n = rnd(big);

			for (unsigned int k = 0; k < n; k++)
				gen_rule(&g, g.reg[i], (int)i);
		}
		for (unsigned int i = 0; i < nbase; i++) {
			static const int32_t prios[] = { -100, 0, 0, 10 };
			struct ir_chain *c;
			unsigned int n = rnd(big + 2);

			snprintf(name, sizeof(name), "b%u", i);
			c = irb_base(g.t, name, prios[rnd(RTE_DIM(prios))],
				   chance(40) ? IR_POLICY_DROP : IR_POLICY_ACCEPT,
				   port_names[rnd(chance(60) ? 2 : N_PORTS)],
				   MAX_RULES + 2);
			for (unsigned int k = 0; k < n; k++)
				gen_rule(&g, c, -1);
		}
	}
	return B;
}

/* ---- running both ------------------------------------------------------------------- */

static char build_err[256];

static struct fp_ruleset *
build_fp(const struct ir_ruleset *ir, unsigned int n_lcores)
{
	struct fp_ruleset_opts o = {
		.port_names = port_names, .n_ports = N_PORTS, .peers = peers,
		.n_lcores = n_lcores, .clock = fake_clock,
		.err = build_err, .err_len = sizeof(build_err),
	};
	struct fp_ruleset *rs = NULL;

	build_err[0] = '\0';
	if (fp_ruleset_build(ir, &o, &rs) != 0)
		return NULL;
	return rs;
}

static bool
mbuf_same(const struct rte_mbuf *a, const struct rte_mbuf *b)
{
	uint8_t x[600], y[600];
	uint32_t la = rte_pktmbuf_pkt_len(a), lb = rte_pktmbuf_pkt_len(b);
	const void *pa, *pb;

	if (la != lb || la > sizeof(x))
		return la == lb;
	pa = rte_pktmbuf_read(a, 0, la, x);
	pb = rte_pktmbuf_read(b, 0, lb, y);
	return la == 0 || (pa && pb && memcmp(pa, pb, la) == 0);
}

/* The first mismatching frame of a ruleset (for the minimizer). */
static struct frame bad_frame;
static uint16_t bad_port;
static bool have_bad;
static struct cls_opts cur_opts;	/* of the ruleset being compared */

struct diff_stats {
	unsigned long packets;
	unsigned long accept, drop, fwd, handoff_like;
	unsigned long mismatches;
};

static void
describe_mismatch(const struct interp_result *a, const struct interp_result *b,
		  const struct frame *f, uint16_t port, unsigned int burst)
{
	fprintf(stderr, "  port %u burst %u len %u: interp %s/%d out %u mark %#x "
		"hook %d chain %s rule %u extra %u | cls %s/%d out %u mark %#x "
		"hook %d chain %s rule %u extra %u\n  frame:",
		port, burst, f->len, interp_disp_name(a->disp), a->reason, a->out_port,
		a->mark, a->hook_idx, a->chain ? a->chain->name : "-", a->rule_idx,
		a->n_extra, interp_disp_name(b->disp), b->reason, b->out_port,
		b->mark, b->hook_idx, b->chain ? b->chain->name : "-",
		b->rule_idx, b->n_extra);
	for (unsigned int i = 0; i < f->len && i < 80; i++)
		fprintf(stderr, " %02x", f->b[i]);
	fputc('\n', stderr);
}

/* One burst of frames through both; false on mismatch. */
static bool
run_burst(struct fp_ruleset *ra, const struct cls *c, uint16_t port, struct frame *fr, unsigned int n, struct diff_stats *st)
{
	struct rte_mbuf *ma[CLS_BURST_MAX * 2], *mb[CLS_BURST_MAX * 2];
	struct pkt_view va[CLS_BURST_MAX * 2], vb[CLS_BURST_MAX * 2];
	static struct interp_result resa[CLS_BURST_MAX * 2], resb[CLS_BURST_MAX * 2];
	unsigned int lcore = rnd(2);
	bool ok = true;

	for (unsigned int i = 0; i < n; i++) {
		ma[i] = mk_mbuf(&fr[i]);
		mb[i] = mk_mbuf(&fr[i]);
		if (ma[i] == NULL || mb[i] == NULL) {
			fprintf(stderr, "cls: out of mbufs\n");
			abort();
		}
	}
	for (unsigned int i = 0; i < n; i++) {
		pkt_view_parse(ma[i], &port_mac, &va[i]);
		interp_run(ra, lcore, port, ma[i], &va[i], &resa[i]);
	}
	pkt_view_parse_burst(mb, (uint16_t)n, &port_mac, vb);
	cls_run_burst(c, lcore, port, mb, vb, (uint16_t)n, resb);
	for (unsigned int i = 0; i < n; i++) {
		const struct interp_result *a = &resa[i], *b = &resb[i];
		bool same = a->disp == b->disp && a->reason == b->reason &&
			    a->out_port == b->out_port && a->mark == b->mark &&
			    a->hook_idx == b->hook_idx && a->chain == b->chain &&
			    a->rule_idx == b->rule_idx && a->n_extra == b->n_extra;

		st->packets++;
		st->accept += a->disp == INTERP_ACCEPT;
		st->drop += a->disp == INTERP_DROP;
		st->fwd += a->disp == INTERP_FWD;
		if (same)
			same = mbuf_same(ma[i], mb[i]);
		for (unsigned int e = 0; same && e < a->n_extra; e++)
			same = a->extra[e].port == b->extra[e].port &&
			       mbuf_same(a->extra[e].m, b->extra[e].m);
		if (!CHECK(same, "packet %u of a burst of %u differs", i, n)) {
			describe_mismatch(a, b, &fr[i], port, n);
			if (!have_bad) {
				bad_frame = fr[i];
				bad_port = port;
				have_bad = true;
			}
			st->mismatches++;
			ok = false;
		}
		for (unsigned int e = 0; e < a->n_extra; e++)
			rte_pktmbuf_free(a->extra[e].m);
		for (unsigned int e = 0; e < b->n_extra; e++)
			rte_pktmbuf_free(b->extra[e].m);
		rte_pktmbuf_free(ma[i]);
		rte_pktmbuf_free(mb[i]);
	}
	return ok;
}

static unsigned long resume_checks, resume_policy, resume_nohook;

/*
 * Frames resumed at random positions: interp_run_from() on ra against
 * cls_run_from() on c (built on the twin), packet by packet. Positions:
 * any rule of any base chain of the port, its policy (rule == nrules),
 * past it, and hooks past the port's last.
 */
static bool
run_resume(struct fp_ruleset *ra, const struct cls *c, uint16_t port,
	   struct frame *fr, unsigned int n, struct diff_stats *st)
{
	const struct fp_port *fp = &ra->ports[port];
	unsigned int lcore = rnd(2);
	bool ok = true;

	for (unsigned int i = 0; i < n; i++) {
		struct interp_result a, b;
		struct rte_mbuf *ma = mk_mbuf(&fr[i]), *mb = mk_mbuf(&fr[i]);
		struct pkt_view va, vb;
		uint32_t hook, rule, nrules;
		bool same;

		if (ma == NULL || mb == NULL) {
			fprintf(stderr, "cls: out of mbufs\n");
			abort();
		}
		hook = chance(10) ? fp->n_hooks + rnd(3) :
		       rnd(fp->n_hooks > 0 ? fp->n_hooks : 1);
		nrules = hook < fp->n_hooks ? fp->hooks[hook]->ir->nrules : 0;
		rule = chance(15) ? nrules : chance(5) ? nrules + 1 + rnd(3) :
		       rnd(nrules + 1);
		resume_policy += hook < fp->n_hooks && rule >= nrules;
		resume_nohook += hook >= fp->n_hooks;
		pkt_view_parse(ma, &port_mac, &va);
		pkt_view_parse(mb, &port_mac, &vb);
		interp_run_from(ra, lcore, port, ma, &va, hook, rule, 0, &a);
		cls_run_from(c, lcore, port, mb, &vb, hook, rule, &b);
		same = a.disp == b.disp && a.reason == b.reason &&
		       a.out_port == b.out_port && a.mark == b.mark &&
		       a.hook_idx == b.hook_idx && a.chain == b.chain &&
		       a.rule_idx == b.rule_idx && a.n_extra == b.n_extra;
		st->packets++;
		resume_checks++;
		if (same)
			same = mbuf_same(ma, mb);
		for (unsigned int e = 0; same && e < a.n_extra; e++)
			same = a.extra[e].port == b.extra[e].port &&
			       mbuf_same(a.extra[e].m, b.extra[e].m);
		if (!CHECK(same, "resume at hook %u rule %u differs", hook, rule)) {
			describe_mismatch(&a, &b, &fr[i], port, 0);
			st->mismatches++;
			ok = false;
		}
		for (unsigned int e = 0; e < a.n_extra; e++)
			rte_pktmbuf_free(a.extra[e].m);
		for (unsigned int e = 0; e < b.n_extra; e++)
			rte_pktmbuf_free(b.extra[e].m);
		rte_pktmbuf_free(ma);
		rte_pktmbuf_free(mb);
	}
	return ok;
}

static void
compare_state(const struct fp_ruleset *ra, const struct fp_ruleset *rb)
{
	bool same = ra->counters.n_slots == rb->counters.n_slots &&
		    ra->n_quotas == rb->n_quotas && ra->n_limits == rb->n_limits;

	if (!CHECK(same, "state shapes differ"))
		return;
	for (uint32_t s = 0; s < ra->counters.n_slots; s++) {
		struct fp_counter x, y;

		fp_counters_read(&ra->counters, s, &x);
		fp_counters_read(&rb->counters, s, &y);
		CHECK(x.packets == y.packets && x.bytes == y.bytes,
		      "counter slot %u: interp %" PRIu64 "/%" PRIu64 " cls %" PRIu64
		      "/%" PRIu64, s, x.packets, x.bytes, y.packets, y.bytes);
	}
	for (uint32_t q = 0; q < ra->n_quotas; q++)
		CHECK(fp_quota_consumed(&ra->quotas[q]) ==
		      fp_quota_consumed(&rb->quotas[q]), "quota %u", q);
	for (uint32_t l = 0; l < ra->n_limits; l++)
		CHECK(ra->limits[l].tokens == rb->limits[l].tokens &&
		      ra->limits[l].last == rb->limits[l].last, "limit %u", l);
}

static unsigned long total_packets;

/* The differential run of one IR: n_pkts frames, bursts 1..64 in turn. */
static bool
diff_ruleset(const struct ir_ruleset *ir, unsigned int n_pkts,
	     const struct cls_opts *copts, const char *what)
{
	static struct frame fr[CLS_BURST_MAX * 2];
	struct fp_ruleset *ra, *rb;
	struct diff_stats st = { 0 };
	struct cls *c = NULL;
	unsigned int fails0 = tc_fail;
	unsigned int done = 0, burst = rnd(64);
	char err[256] = "";
	struct cls_opts o = copts ? *copts : (struct cls_opts){ 0 };
	int rc;

	ra = build_fp(ir, 2);
	rb = build_fp(ir, 2);
	if (ra == NULL || rb == NULL) {
		fp_ruleset_free(ra);
		fp_ruleset_free(rb);
		return false;
	}
	o.err = err;
	o.err_len = sizeof(err);
	cur_opts = o;
	cur_opts.err = NULL;
	rc = cls_build(rb, &o, &c);
	if (!CHECK(rc == 0, "%s: cls_build: %d %s", what, rc, err)) {
		fp_ruleset_free(ra);
		fp_ruleset_free(rb);
		return false;
	}
	harvest(ir);
	while (done < n_pkts) {
		unsigned int n = 1 + burst++ % CLS_BURST_MAX;
		uint16_t port = (uint16_t)rnd(N_PORTS);

		if (n > n_pkts - done)
			n = n_pkts - done;
		if (chance(2))	/* a burst larger than cls's own */
			n = RTE_MIN((unsigned int)CLS_BURST_MAX + 1 +
				    rnd(CLS_BURST_MAX - 1), 2u * CLS_BURST_MAX);
		for (unsigned int i = 0; i < n; i++)
			gen_frame(&fr[i]);
		if (chance(25)) {
			/* NIC-marked frames: resumed where the mark says */
			if (!run_resume(ra, c, port, fr, n, &st) &&
			    st.mismatches > 5)
				break;
		} else if (!run_burst(ra, c, port, fr, n, &st) &&
			   st.mismatches > 5) {
			break;
		}
		done += n;
		if (chance(20))
			fake_now += rnd(400000000);	/* limits refill */
	}
	compare_state(ra, rb);
	total_packets += st.packets;
	if (tc_fail != fails0) {
		fprintf(stderr, "  (%s: %lu packets, %lu mismatches)\n", what,
			st.packets, st.mismatches);
		if (getenv("CLS_TEST_DUMP") != NULL) {
			ir_print(stderr, ir, IR_PRINT_HANDLES);
			cls_dump(stderr, c);
		}
	}
	cls_free(c);
	fp_ruleset_free(ra);
	fp_ruleset_free(rb);
	return true;
}

/* One frame through fresh rulesets: whether both agree. */
static bool
one_agrees(const struct ir_ruleset *ir, const struct frame *f, uint16_t port)
{
	struct fp_ruleset *ra = build_fp(ir, 1), *rb = build_fp(ir, 1);
	struct cls *c = NULL;
	struct diff_stats st = { 0 };
	unsigned int f0 = tc_fail, p0 = tc_pass;
	unsigned int fp0 = tc_fail_print;
	bool have0 = have_bad, ok = true;
	struct frame fr = *f;

	if (ra == NULL || rb == NULL || cls_build(rb, &cur_opts, &c) != 0) {
		ok = true;	/* not buildable: treat as "agrees" */
	} else {
		tc_fail_print = 0;
		ok = run_burst(ra, c, port, &fr, 1, &st);
		tc_fail_print = fp0;
	}
	tc_fail = f0;
	tc_pass = p0;
	have_bad = have0;
	cls_free(c);
	fp_ruleset_free(ra);
	fp_ruleset_free(rb);
	return ok;
}

/* Delta-debug a failing ruleset down to the rules and items that matter. */
static void
minimize(struct ir_ruleset *ir)
{
	const struct frame *f = &bad_frame;
	bool changed = true;

	if (one_agrees(ir, f, bad_port)) {
		fprintf(stderr, "  minimize: the mismatch needs earlier packets\n");
		return;
	}
	while (changed) {
		changed = false;
		for (uint32_t t = 0; t < ir->ntables; t++)
			for (uint32_t ci = 0; ci < ir->tables[t].nchains; ci++) {
				struct ir_chain *ch = (struct ir_chain *)
					&ir->tables[t].chains[ci];
				struct ir_rule *rules = (struct ir_rule *)ch->rules;

				for (uint32_t r = 0; r < ch->nrules;) {
					struct ir_rule save = rules[r];

					memmove(&rules[r], &rules[r + 1],
						(ch->nrules - r - 1) * sizeof(*rules));
					ch->nrules--;
					if (!one_agrees(ir, f, bad_port)) {
						changed = true;
						continue;
					}
					memmove(&rules[r + 1], &rules[r],
						(ch->nrules - r) * sizeof(*rules));
					rules[r] = save;
					ch->nrules++;
					/* items */
					for (uint32_t i = 0; i < rules[r].nitems;) {
						struct ir_item *it = (struct ir_item *)
							rules[r].items;
						struct ir_item si = it[i];

						memmove(&it[i], &it[i + 1],
							(rules[r].nitems - i - 1) * sizeof(*it));
						rules[r].nitems--;
						if (!one_agrees(ir, f, bad_port)) {
							changed = true;
							continue;
						}
						memmove(&it[i + 1], &it[i],
							(rules[r].nitems - i) * sizeof(*it));
						it[i] = si;
						rules[r].nitems++;
						i++;
					}
					r++;
				}
			}
	}
	fprintf(stderr, "  minimized ruleset:\n");
	ir_print(stderr, ir, IR_PRINT_HANDLES);
	{
		struct fp_ruleset *rb = build_fp(ir, 1);
		struct cls *c = NULL;

		fprintf(stderr, "  (opts: max_set_boxes %u max_acl_rules %u interp_only %d)\n",
			cur_opts.max_set_boxes, cur_opts.max_acl_rules,
			cur_opts.interp_only);
		if (rb != NULL && cls_build(rb, &cur_opts, &c) == 0)
			cls_dump(stderr, c);
		cls_free(c);
		fp_ruleset_free(rb);
	}
	tc_fail_print = 1;
	one_agrees(ir, f, bad_port);
	{
		struct fp_ruleset *ra = build_fp(ir, 1);
		struct cls *c = NULL;
		struct diff_stats st = { 0 };
		struct frame fr = *f;

		struct fp_ruleset *rb = build_fp(ir, 1);

		if (ra != NULL && rb != NULL && cls_build(rb, &cur_opts, &c) == 0)
			run_burst(ra, c, bad_port, &fr, 1, &st);
		cls_free(c);
		fp_ruleset_free(ra);
		fp_ruleset_free(rb);
	}
}

/* ---- random IR rulesets ---------------------------------------------------------- */

static void
test_random_ir(unsigned int n_rulesets, unsigned int n_pkts)
{
	unsigned int built = 0, refused = 0;
	struct cls_stats agg = { 0 };

	for (unsigned int i = 0; i < n_rulesets; i++) {
		struct ir_ruleset *ir = gen_ruleset();
		struct cls_opts o = { 0 };
		char what[64];

		snprintf(what, sizeof(what), "random ruleset %u", i);
		if (getenv("CLS_TEST_VERBOSE") != NULL) {
			printf("  %s\n", what);
			fflush(stdout);
		}
		/* small budgets sometimes: the widening and fallback paths */
		if (chance(15))
			o.max_set_boxes = 1 + rnd(8);
		if (chance(10))
			o.max_acl_rules = 1 + rnd(20);
		if (chance(3))
			o.interp_only = true;
		have_bad = false;
		if (diff_ruleset(ir, n_pkts, &o, what))
			built++;
		else
			refused++;
		if (have_bad && getenv("CLS_TEST_MIN") != NULL)
			minimize(ir);
		{
			/* one more build for the statistics */
			struct fp_ruleset *rs = build_fp(ir, 1);
			struct cls *c = NULL;

			if (rs != NULL && cls_build(rs, NULL, &c) == 0) {
				struct cls_stats s;

				cls_get_stats(c, &s);
				agg.n_progs += s.n_progs;
				agg.n_entries += s.n_entries;
				agg.n_acl_rules += s.n_acl_rules;
				agg.n_contexts += s.n_contexts;
				agg.n_handoff += s.n_handoff;
				agg.n_checked += s.n_checked;
				agg.max_fields = RTE_MAX(agg.max_fields, s.max_fields);
				agg.max_segments = RTE_MAX(agg.max_segments,
							   s.max_segments);
				agg.n_linear_fallback += s.n_linear_fallback;
				if (s.n_interp_progs > 0 &&
				    getenv("CLS_TEST_VERBOSE") != NULL) {
					printf("  %s: %u program(s) fell back to the interpreter\n",
					       what, s.n_interp_progs);
					ir_print(stdout, ir, IR_PRINT_HANDLES);
				}
				cls_free(c);
			}
			fp_ruleset_free(rs);
		}
		ir_ruleset_free(ir);
		B = NULL;
	}
	printf("cls: random IR: %u rulesets compared (%u refused by fp_ruleset_build), "
	       "%u programs, %u entries (%u handoff, %u checked at run time), "
	       "%u ACL rules in %u contexts, up to %u fields and %u segments, "
	       "%u segment(s) over the build budget\n",
	       built, refused, agg.n_progs, agg.n_entries, agg.n_handoff,
	       agg.n_checked, agg.n_acl_rules, agg.n_contexts, agg.max_fields,
	       agg.max_segments, agg.n_linear_fallback);
	CHECK(n_rulesets == 0 || built > refused,
	      "most random rulesets build (%u of %u)", built,
	      n_rulesets);
}

/* ---- nft text rulesets --------------------------------------------------------------- */

static const char *const nft_texts[] = {
	/* an edge filter: sets, concatenations, named objects, meta keys */
	"table netdev edge {\n"
	"  set blocklist_v4 { type ipv4_addr; flags interval;\n"
	"    elements = { 192.0.2.0/24, 198.51.100.7, 203.0.113.128/25, 10.1.0.0/16 } }\n"
	"  set allow6 { type ipv6_addr; flags interval;\n"
	"    elements = { 2001:db8::/64, 2001:db8:0:1::1 } }\n"
	"  set svc { type ipv4_addr . inet_service;\n"
	"    elements = { 10.0.0.1 . 80, 10.0.0.2 . 443, 192.168.1.1 . 53 } }\n"
	"  set svcr { type ipv4_addr . inet_service; flags interval;\n"
	"    elements = { 10.0.0.0/24 . 1000-2000, 192.168.0.0/16 . 22 } }\n"
	"  counter ssh_attempts { }\n"
	"  chain from_wan {\n"
	"    type filter hook ingress device \"eth0\" priority -100; policy drop;\n"
	"    ip saddr @blocklist_v4 counter drop\n"
	"    tcp dport 22 counter name \"ssh_attempts\" drop\n"
	"    ip protocol icmp icmp type echo-request limit rate 100/second burst 20 packets counter accept\n"
	"    ip protocol icmp counter drop\n"
	"    tcp dport { 80, 443 } counter accept\n"
	"    udp dport { 53, 123 } counter accept\n"
	"    ip daddr . tcp dport @svc accept\n"
	"    ip saddr . tcp dport @svcr counter accept\n"
	"    ip6 saddr @allow6 accept\n"
	"    ip6 nexthdr ipv6-icmp counter accept\n"
	"    meta protocol arp counter accept\n"
	"    vlan id 100 accept\n"
	"    ether saddr 02:00:00:00:00:aa ip ttl < 10 drop\n"
	"    tcp flags & (syn|ack) == syn tcp dport 8080 accept\n"
	"    meta length 60-100 udp dport 5000 accept\n"
	"    ip saddr != 10.0.0.0/8 udp sport != { 53, 123 } counter\n"
	"    counter comment \"everything else meets the policy\"\n"
	"  }\n"
	"  chain from_lan {\n"
	"    type filter hook ingress device \"eth1\" priority -100; policy accept;\n"
	"    ip saddr != 10.0.0.0/8 counter drop comment \"spoofed source\"\n"
	"    udp dport 5000-5999 counter drop\n"
	"    ip dscp cs1 drop\n"
	"    meta pkttype broadcast counter drop\n"
	"    ip6 daddr != 2001:db8::/48 tcp dport >= 1024 drop\n"
	"    counter\n"
	"  }\n"
	"}\n",
	/* jumps, gotos, verdict maps, several base chains on one port */
	"table netdev t {\n"
	"  chain web { tcp dport 80 accept; tcp dport 443 counter accept; return; }\n"
	"  chain dns { udp dport 53 limit rate 3/second accept; drop; }\n"
	"  chain deep { ip ttl 1 drop; ip ttl 2 jump web; goto dns; }\n"
	"  chain b1 { type filter hook ingress device \"eth0\" priority 0; policy accept;\n"
	"    ip saddr 10.0.0.0/8 jump deep\n"
	"    meta l4proto vmap { tcp : jump web, udp : goto dns, icmp : drop }\n"
	"    ip daddr 192.168.1.1 counter continue\n"
	"    tcp dport vmap { 22 : drop, 8080 : accept, 1000-2000 : jump web }\n"
	"    counter\n"
	"  }\n"
	"  chain b2 { type filter hook ingress device \"eth0\" priority -10; policy accept;\n"
	"    ip6 daddr 2001:db8::/32 tcp dport 22 drop\n"
	"    meta mark 0 accept\n"
	"  }\n"
	"  chain b3 { type filter hook ingress device \"eth0\" priority 0; policy drop;\n"
	"    udp dport 53 accept\n"
	"    ip saddr 10.0.0.1 accept\n"
	"    quota over 5000 bytes drop\n"
	"    accept\n"
	"  }\n"
	"  chain b4 { type filter hook ingress device \"eth2\" priority 5; policy drop;\n"
	"    meta iifname \"eth*\" ip protocol tcp accept\n"
	"    iif \"eth2\" udp sport 53 accept\n"
	"    ip saddr . ip daddr . udp dport { 10.0.0.1 . 10.0.0.2 . 53, 10.0.0.2 . 10.0.0.1 . 80 } accept\n"
	"  }\n"
	"}\n",
	/* rules cls hands over: mark set, mangling, dup/fwd, reject, log */
	"table netdev m {\n"
	"  chain mangle { ip ttl set 5; meta mark set 7; return; }\n"
	"  chain x { tcp dport 22 reject with tcp reset; udp dport 9 dup to \"eth3\"; return; }\n"
	"  chain in { type filter hook ingress device \"eth0\" priority 0; policy accept;\n"
	"    tcp dport 443 accept\n"
	"    ip saddr 10.0.0.1 jump mangle\n"
	"    meta mark 7 counter drop\n"
	"    ip protocol tcp jump x\n"
	"    udp dport 7 fwd to \"eth2\"\n"
	"    ip daddr 10.0.0.2 log prefix \"t3 \" accept\n"
	"    ip saddr 192.168.1.1 drop\n"
	"  }\n"
	"  chain in2 { type filter hook ingress device \"eth0\" priority 10; policy drop;\n"
	"    meta mark 7 accept\n"
	"    tcp dport 80 accept\n"
	"  }\n"
	"}\n",
};

static int
load_nft(const char *text, struct ir_ruleset **out)
{
	char path[] = "/tmp/test_cls_XXXXXX";
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
	rc = nftr_load_file(path, port_names, N_PORTS, out, &d);
	if (rc < 0 && rc != -EPERM && rc != -EACCES && rc != -ENOSYS)
		fprintf(stderr, "  nftr_load_file: %d %s %s\n", rc,
			d.msg ? d.msg : "", d.nft_stderr ? d.nft_stderr : "");
	nftr_diag_free(&d);
	unlink(path);
	return rc;
}

static void
test_nft_texts(unsigned int n_pkts)
{
	for (unsigned int i = 0; i < RTE_DIM(nft_texts); i++) {
		struct ir_ruleset *ir = NULL;
		char what[32];
		int rc = load_nft(nft_texts[i], &ir);

		if (rc == -EPERM || rc == -EACCES || rc == -ENOENT ||
		    rc == -ENOSYS || rc == -EOPNOTSUPP) {
			SKIP("nft text cases (nftr_load_file: %d)", rc);
			return;
		}
		if (!CHECK(rc == 0, "nft text %u: %d", i, rc))
			continue;
		snprintf(what, sizeof(what), "nft text %u", i);
		CHECK(diff_ruleset(ir, n_pkts, NULL, what), "%s builds", what);
		ir_ruleset_free(ir);
	}
	printf("cls: nft text: %zu rulesets compared\n", RTE_DIM(nft_texts));
}

/* ---- hand-checked cases --------------------------------------------------------------- */

struct tpkt {
	uint16_t vlan;		/* 0: none */
	uint8_t proto;
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	unsigned int cut;	/* frame length limit, 0: none */
};

static void
tframe(const struct tpkt *k, struct frame *f)
{
	uint8_t *b = f->b;
	unsigned int off = 12;

	memset(f, 0, sizeof(*f));
	memcpy(b, port_mac.addr_bytes, 6);
	memcpy(b + 6, MAC_SRC, 6);
	if (k->vlan) {
		put16(b + off, 0x8100);
		put16(b + off + 2, k->vlan);
		off += 4;
	}
	put16(b + off, 0x0800);
	off += 2;
	f->nh = (uint16_t)off;
	b[off] = 0x45;
	put16(b + off + 2, 40);
	b[off + 8] = 64;
	b[off + 9] = k->proto;
	put16(b + off + 12, (uint16_t)(k->saddr >> 16));
	put16(b + off + 14, (uint16_t)k->saddr);
	put16(b + off + 16, (uint16_t)(k->daddr >> 16));
	put16(b + off + 18, (uint16_t)k->daddr);
	off += 20;
	put16(b + off, k->sport);
	put16(b + off + 2, k->dport);
	b[off + 12] = 0x50;
	f->len = off + 20;
	if (k->cut)
		f->len = k->cut;
}

/* Run one frame through cls only. */
static struct interp_result
cls_one(const struct cls *c, uint16_t port, const struct tpkt *k)
{
	struct interp_result r;
	struct frame f;
	struct rte_mbuf *m;
	struct pkt_view v;

	tframe(k, &f);
	m = mk_mbuf(&f);
	pkt_view_parse(m, &port_mac, &v);
	cls_run_burst(c, 0, port, &m, &v, 1, &r);
	rte_pktmbuf_free(m);
	return r;
}

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))

static void
b_saddr_pfx(struct ir_rule *r, uint32_t a, unsigned int plen)
{
	struct ir_operand o = irb_payload(IR_BASE_NETWORK, 12, 4);
	uint32_t m = plen ? ~0u << (32 - plen) : 0;
	uint8_t mb[4] = { m >> 24, m >> 16, m >> 8, m }, v[4];

	a &= m;
	v[0] = (uint8_t)(a >> 24);
	v[1] = (uint8_t)(a >> 16);
	v[2] = (uint8_t)(a >> 8);
	v[3] = (uint8_t)a;
	if (plen < 32)
		o.mask = irb_bytes(mb, 4);
	irb_ip(r);
	irb_cmp(r, o, IR_CMP_EQ, v, 4);
}

static void
b_dport(struct ir_rule *r, uint8_t l4, uint16_t p, enum ir_cmp_op op)
{
	uint8_t v[2] = { (uint8_t)(p >> 8), (uint8_t)p };

	irb_l4(r, l4);
	irb_cmp(r, irb_payload(IR_BASE_TRANSPORT, 2, 2), op, v, 2);
}

static void
test_hand(void)
{
	struct ir_table *t;
	struct ir_chain *c, *sub;
	struct ir_rule *r;
	struct fp_ruleset *rs;
	struct cls *cl = NULL;
	struct cls_stats st;
	struct interp_result res;
	struct tpkt k;

	b_new();
	t = irb_table("t");
	sub = irb_chain_n(t, "sub", 8);
	r = irb_rule(sub);		/* sub 0: tcp dport 80 accept */
	b_dport(r, 6, 80, IR_CMP_EQ);
	irb_verdict(r, IR_VERDICT_ACCEPT, NULL);
	r = irb_rule(sub);		/* sub 1: return */
	irb_verdict(r, IR_VERDICT_RETURN, NULL);
	c = irb_base(t, "in", 0, IR_POLICY_DROP, "eth0", 8);
	r = irb_rule(c);			/* 0: counter */
	irb_stmt(r, IR_STMT_COUNTER);
	r = irb_rule(c);			/* 1: ip saddr 10.0.0.0/8 drop */
	b_saddr_pfx(r, IP4(10, 0, 0, 0), 8);
	irb_verdict(r, IR_VERDICT_DROP, NULL);
	r = irb_rule(c);			/* 2: ip saddr 192.168.0.0/16 jump sub */
	b_saddr_pfx(r, IP4(192, 168, 0, 0), 16);
	irb_verdict(r, IR_VERDICT_JUMP, sub);
	r = irb_rule(c);			/* 3: tcp dport != 22 accept */
	b_dport(r, 6, 22, IR_CMP_NEQ);
	irb_verdict(r, IR_VERDICT_ACCEPT, NULL);
	rs = build_fp(B, 1);
	if (!CHECK(rs != NULL, "hand build: %s", build_err))
		return;
	if (!CHECK(cls_build(rs, NULL, &cl) == 0, "hand cls_build"))
		return;
	cls_get_stats(cl, &st);
	CHECK(st.n_handoff == 0 && st.n_interp_progs == 0,
	      "no handoff: %u %u", st.n_handoff, st.n_interp_progs);

	k = (struct tpkt){ .proto = 6, .saddr = IP4(10, 9, 9, 9),
			   .daddr = IP4(1, 1, 1, 1), .sport = 1000, .dport = 80 };
	res = cls_one(cl, 0, &k);
	CHECK(res.disp == INTERP_DROP && res.rule_idx == 1 && res.chain == c,
	      "10/8 dropped by rule 1: %d %u", res.disp, res.rule_idx);
	k.saddr = IP4(11, 0, 0, 0);	/* just outside the prefix */
	res = cls_one(cl, 0, &k);
	CHECK(res.disp == INTERP_ACCEPT && res.rule_idx == 3,
	      "11.0.0.0 accepted by rule 3: %d %u", res.disp, res.rule_idx);
	k.dport = 22;
	res = cls_one(cl, 0, &k);
	CHECK(res.disp == INTERP_DROP && res.reason == INTERP_R_POLICY,
	      "dport 22: policy drop: %d %d", res.disp, res.reason);
	k.saddr = IP4(192, 168, 255, 255);
	k.dport = 80;
	res = cls_one(cl, 0, &k);
	CHECK(res.disp == INTERP_ACCEPT && res.chain == sub && res.rule_idx == 0,
	      "jump sub: accept in sub: %d %s %u", res.disp,
	      res.chain ? res.chain->name : "-", res.rule_idx);
	k.dport = 22;
	res = cls_one(cl, 0, &k);
	CHECK(res.disp == INTERP_DROP && res.reason == INTERP_R_POLICY,
	      "sub returns, dport 22: policy: %d %d", res.disp, res.reason);
	k.dport = 23;
	k.vlan = 5;
	res = cls_one(cl, 0, &k);
	CHECK(res.disp == INTERP_ACCEPT && res.rule_idx == 3 && res.chain == c,
	      "tagged: returns from sub, rule 3: %d %u", res.disp, res.rule_idx);
	k.vlan = 0;
	k.cut = 14 + 20 + 3;	/* dport not there: != 22 does not match */
	res = cls_one(cl, 0, &k);
	CHECK(res.disp == INTERP_DROP && res.reason == INTERP_R_POLICY,
	      "short: no transport match: %d %d", res.disp, res.reason);
	res = cls_one(cl, 1, &k);
	CHECK(res.disp == INTERP_ACCEPT && res.reason == INTERP_R_NO_CHAIN &&
	      res.out_port == 0, "port without chains: %d %d %u", res.disp,
	      res.reason, res.out_port);
	{
		struct fp_counter cnt = { 0 };

		fp_ruleset_rule_counter(rs, "t", "in", c->rules[0].handle, 0, &cnt);
		CHECK(cnt.packets == 7, "counter-only rule counted every packet: %"
		      PRIu64, cnt.packets);
	}
	cls_free(cl);
	fp_ruleset_free(rs);

	/* a rule cls does not run: one handoff entry */
	r = irb_rule(c);
	{
		struct ir_stmt *s = irb_stmt(r, IR_STMT_META_SET);
		uint32_t mark = 1;

		s->meta.key = IR_META_MARK;
		s->meta.value.kind = IR_VALUE_IMM;
		s->meta.value.len = 4;
		s->meta.value.data = irb_bytes(&mark, 4);
	}
	rs = build_fp(B, 1);
	if (rs != NULL && CHECK(cls_build(rs, NULL, &cl) == 0, "build 2")) {
		cls_get_stats(cl, &st);
		CHECK(st.n_handoff == 1, "mark set: one handoff entry: %u",
		      st.n_handoff);
		cls_free(cl);
	}
	fp_ruleset_free(rs);
	ir_ruleset_free(B);
	B = NULL;
}

/* ---- scale: a realistic 10k-rule ruleset --------------------------------------------- */

static struct ir_ruleset *
gen_big(unsigned int n_rules, uint64_t seed)
{
	struct ir_table *t;
	struct ir_chain *c;
	uint64_t save = rng_state;

	rng_state = seed;
	b_new();
	t = irb_table("big");
	c = irb_base(t, "in", 0, IR_POLICY_ACCEPT, "eth0", n_rules);
	for (unsigned int i = 0; i < n_rules; i++) {
		struct ir_rule *r = irb_rule(c);
		unsigned int k = rnd(100);

		if (k < 60) {		/* blocklist prefix */
			b_saddr_pfx(r, (uint32_t)rnd64(), 16 + rnd(17));
			if (chance(30))
				irb_stmt(r, IR_STMT_COUNTER);
			irb_verdict(r, IR_VERDICT_DROP, NULL);
		} else if (k < 90) {	/* service allow */
			uint8_t d[4];
			struct ir_operand o = irb_payload(IR_BASE_NETWORK, 16, 4);
			uint32_t a = IP4(172, 16, rnd(256), rnd(256));

			d[0] = (uint8_t)(a >> 24);
			d[1] = (uint8_t)(a >> 16);
			d[2] = (uint8_t)(a >> 8);
			d[3] = (uint8_t)a;
			irb_ip(r);
			irb_cmp(r, o, IR_CMP_EQ, d, 4);
			b_dport(r, chance(50) ? 6 : 17, pool_port(), IR_CMP_EQ);
			irb_verdict(r, IR_VERDICT_ACCEPT, NULL);
		} else {		/* port range */
			uint16_t lo = (uint16_t)rnd(60000), hi = lo + (uint16_t)rnd(5000);
			uint8_t l[2] = { lo >> 8, (uint8_t)lo }, h[2] = { hi >> 8, (uint8_t)hi };
			uint8_t p = 17;

			irb_cmp(r, irb_meta(IR_META_L4PROTO), IR_CMP_EQ, &p, 1);
			irb_range(r, irb_payload(IR_BASE_TRANSPORT, 2, 2), l, h, 2, false);
			irb_verdict(r, chance(50) ? IR_VERDICT_ACCEPT : IR_VERDICT_DROP,
				  NULL);
		}
	}
	rng_state = save;
	return B;
}

static void
test_scale(unsigned int n_pkts)
{
	static const unsigned int sizes[] = { 10, 100, 1000, 10000 };

	for (unsigned int i = 0; i < RTE_DIM(sizes); i++) {
		struct ir_ruleset *ir = gen_big(sizes[i], 42 + i);
		struct fp_ruleset *rs = build_fp(ir, 1);
		struct cls *c = NULL;
		struct cls_stats st;
		char what[32];

		if (!CHECK(rs != NULL, "big build %u: %s", sizes[i], build_err))
			continue;
		if (CHECK(cls_build(rs, NULL, &c) == 0, "big cls_build %u", sizes[i])) {
			cls_get_stats(c, &st);
			printf("cls: %5u rules: compiled in %7.1f ms (rte_acl %.1f ms), %u entries, "
			       "%u ACL rules, %u fields, %u context(s), %u handoff, alg %s\n",
			       sizes[i], st.build_ns / 1e6, st.acl_ns / 1e6,
			       st.n_entries, st.n_acl_rules,
			       st.max_fields, st.n_contexts, st.n_handoff,
			       cls_alg_name(st.alg));
			CHECK(st.n_handoff == 0 && st.n_checked == 0 &&
			      st.n_interp_progs == 0,
			      "%u rules all exact: %u %u %u", sizes[i], st.n_handoff,
			      st.n_checked, st.n_interp_progs);
			if (sizes[i] == 10000)
				CHECK(st.build_ns < 1000000000ull,
				      "10k rules compile under 1 s: %.0f ms",
				      st.build_ns / 1e6);
			cls_free(c);
		}
		fp_ruleset_free(rs);
		snprintf(what, sizeof(what), "%u rules", sizes[i]);
		diff_ruleset(ir, n_pkts, NULL, what);
		ir_ruleset_free(ir);
		B = NULL;
	}
}

/* ---- main -------------------------------------------------------------------------- */

int
main(int argc, char **argv)
{
	char prefix[64];
	char *eal_argv[] = {
		argv[0], "--no-huge", "-m", "512", "--no-pci", "-l", "0",
		"--file-prefix", prefix, "--log-level", "lib.eal:error",
		"--log-level", "nftfwd.interp:error", NULL,
	};
	int eal_argc = (int)RTE_DIM(eal_argv) - 1;
	unsigned int n_rulesets = 400, n_pkts = 5000;
	uint64_t seed = (uint64_t)time(NULL);

	tc_fail_print = 40;	/* a broken classifier fails by the thousand */

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--rulesets") == 0)
			n_rulesets = (unsigned int)strtoul(argv[i + 1], NULL, 0);
		else if (strcmp(argv[i], "--packets") == 0)
			n_pkts = (unsigned int)strtoul(argv[i + 1], NULL, 0);
		else if (strcmp(argv[i], "--seed") == 0)
			seed = strtoull(argv[i + 1], NULL, 0);
	}
	rng_state = seed;
	snprintf(prefix, sizeof(prefix), "cls_%d", (int)getpid());
	if (rte_eal_init(eal_argc, eal_argv) < 0) {
		fprintf(stderr, "cls: EAL init failed\n");
		return 1;
	}
	pool = rte_pktmbuf_pool_create("cls_pool", 4095, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (pool == NULL) {
		fprintf(stderr, "cls: no mempool\n");
		return 1;
	}
	printf("cls: seed %" PRIu64 " (--seed to replay)\n", seed);

	if (getenv("CLS_TEST_FILE") != NULL) {
		/* one nft file (debugging): dump and compare */
		FILE *fp = fopen(getenv("CLS_TEST_FILE"), "r");
		static char text[1 << 20];
		size_t len = fp ? fread(text, 1, sizeof(text) - 1, fp) : 0;
		struct ir_ruleset *ir = NULL;

		if (fp)
			fclose(fp);
		text[len] = '\0';
		if (load_nft(text, &ir) == 0) {
			struct fp_ruleset *rs = build_fp(ir, 1);
			struct cls *c = NULL;

			if (rs && cls_build(rs, NULL, &c) == 0)
				cls_dump(stdout, c);
			cls_free(c);
			fp_ruleset_free(rs);
			diff_ruleset(ir, n_pkts, NULL, "file");
			ir_ruleset_free(ir);
		}
		return tc_finish("cls");
	}
	test_hand();
	test_scale(n_pkts * 4);
	test_nft_texts(n_pkts * 25);
	test_random_ir(n_rulesets, n_pkts);

	CHECK(rte_mempool_in_use_count(pool) == 0, "mbuf leak: %u in use",
	      rte_mempool_in_use_count(pool));
	printf("cls: %lu packets compared\n", total_packets);
	printf("cls: %lu resumes compared (%lu at a policy, %lu past the "
	       "last hook)\n", resume_checks, resume_policy, resume_nohook);

	rte_mempool_free(pool);
	rte_eal_cleanup();
	return tc_finish("cls");
}
