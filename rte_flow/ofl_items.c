/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Canonical keys -> rte_flow items (consumed-mask discipline), action
 * lists, and testpmd `flow create` rendering.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>

#include "rte_flow/ofl_items.h"

/* ---- pattern --------------------------------------------------------------- */

struct pb {
	uint8_t left[OFL_K_LEN];	/* mask bits not translated yet */
	const struct ofl_key *k;
};

/* copy key bytes [off, off+len) into spec/mask and consume them */
static void
take(struct pb *b, unsigned int off, unsigned int len, uint8_t *spec,
     uint8_t *mask)
{
	for (unsigned int i = 0; i < len; i++) {
		spec[i] = b->k->v[off + i] & b->k->m[off + i];
		mask[i] = b->k->m[off + i];
		b->left[off + i] = 0;
	}
}

/* bytes [a, a+len) are represented by bytes [b, b+len) already written */
static void
consume_same(struct pb *b, unsigned int a, unsigned int c, unsigned int len)
{
	for (unsigned int i = 0; i < len; i++)
		if ((b->k->m[a + i] & ~b->k->m[c + i]) == 0 &&
		    ((b->k->v[a + i] ^ b->k->v[c + i]) & b->k->m[a + i]) == 0)
			b->left[a + i] = 0;
}

static bool
masked(const struct ofl_key *k, unsigned int off, unsigned int len)
{
	for (unsigned int i = 0; i < len; i++)
		if (k->m[off + i])
			return true;
	return false;
}

static unsigned int
l4_item(uint16_t l3, uint8_t proto, enum rte_flow_item_type *t)
{
	switch (proto) {
	case 6: *t = RTE_FLOW_ITEM_TYPE_TCP; return 20;
	case 17: *t = RTE_FLOW_ITEM_TYPE_UDP; return 8;
	case 132: *t = RTE_FLOW_ITEM_TYPE_SCTP; return 12;
	case 1:
		if (l3 != 0x0800)
			return 0;
		*t = RTE_FLOW_ITEM_TYPE_ICMP;
		return 8;
	case 58:
		if (l3 != 0x86dd)
			return 0;
		*t = RTE_FLOW_ITEM_TYPE_ICMP6;
		return 4;
	default:
		return 0;
	}
}

static uint16_t
key_l3(const struct ofl_key *k)
{
	if (k->m[OFL_K_PROTO] == 0xff && k->m[OFL_K_PROTO + 1] == 0xff)
		return (uint16_t)(k->v[OFL_K_PROTO] << 8 | k->v[OFL_K_PROTO + 1]);
	return 0;
}

unsigned int
ofl_key_depth(const struct ofl_key *k)
{
	uint16_t l3 = key_l3(k);
	enum rte_flow_item_type t;

	if (l3 != 0x0800 && l3 != 0x86dd)
		return OFL_DEPTH_L2;
	if (!masked(k, OFL_K_NH, OFL_K_NH_LEN) && k->m[OFL_K_L4P] == 0 &&
	    !masked(k, OFL_K_TH, OFL_K_TH_LEN) && k->range == OFL_RANGE_NONE &&
	    !(k->flags & (OFL_KF_L3 | OFL_KF_L4)))
		return OFL_DEPTH_L2;
	if (k->m[OFL_K_L4P] == 0xff &&
	    (masked(k, OFL_K_TH, OFL_K_TH_LEN) || k->range != OFL_RANGE_NONE ||
	     (k->flags & OFL_KF_L4)) &&
	    l4_item(l3, k->v[OFL_K_L4P], &t) > 0)
		return OFL_DEPTH_L4;
	return OFL_DEPTH_L3;
}

int
ofl_pattern_build(const struct ofl_key *k, struct ofl_pattern *p, char *why,
		  size_t why_len)
{
	struct pb b = { .k = k };
	struct rte_flow_item *it;
	uint16_t l3 = key_l3(k);
	unsigned int depth = ofl_key_depth(k);
	bool l3_item = false;

	memset(p, 0, sizeof(*p));
	memcpy(b.left, k->m, OFL_K_LEN);

	/* ETH */
	it = &p->items[p->n++];
	it->type = RTE_FLOW_ITEM_TYPE_ETH;
	take(&b, OFL_K_LL, 14, (uint8_t *)&p->eth[0].hdr, (uint8_t *)&p->eth[1].hdr);
	if (k->tag != OFL_TAG_ANY) {
		p->eth[0].has_vlan = k->tag == OFL_TAG_ONE;
		p->eth[1].has_vlan = 1;
	}
	it->spec = &p->eth[0];
	it->mask = &p->eth[1];
	if (k->tag == OFL_TAG_NONE)
		consume_same(&b, OFL_K_PROTO, OFL_K_LL + 12, 2);
	/* VLAN */
	if (k->tag == OFL_TAG_ONE) {
		it = &p->items[p->n++];
		it->type = RTE_FLOW_ITEM_TYPE_VLAN;
		take(&b, OFL_K_LL + 14, 4, (uint8_t *)&p->vlan[0].hdr,
		     (uint8_t *)&p->vlan[1].hdr);
		it->spec = &p->vlan[0];
		it->mask = &p->vlan[1];
		consume_same(&b, OFL_K_PROTO, OFL_K_LL + 16, 2);
	}
	/* IPv4 / IPv6 */
	if (l3 == 0x0800 && depth >= OFL_DEPTH_L3) {
		it = &p->items[p->n++];
		it->type = RTE_FLOW_ITEM_TYPE_IPV4;
		take(&b, OFL_K_NH, 20, (uint8_t *)&p->l3[0].ipv4.hdr,
		     (uint8_t *)&p->l3[1].ipv4.hdr);
		it->spec = &p->l3[0].ipv4;
		it->mask = &p->l3[1].ipv4;
		consume_same(&b, OFL_K_L4P, OFL_K_NH + 9, 1);
		l3_item = true;
	} else if (l3 == 0x86dd && depth >= OFL_DEPTH_L3) {
		it = &p->items[p->n++];
		it->type = RTE_FLOW_ITEM_TYPE_IPV6;
		take(&b, OFL_K_NH, 40, (uint8_t *)&p->l3[0].ipv6.hdr,
		     (uint8_t *)&p->l3[1].ipv6.hdr);
		it->spec = &p->l3[0].ipv6;
		it->mask = &p->l3[1].ipv6;
		consume_same(&b, OFL_K_L4P, OFL_K_NH + 6, 1);
		l3_item = true;
	}
	/* L4 */
	if (l3_item && depth == OFL_DEPTH_L4) {
		enum rte_flow_item_type t = RTE_FLOW_ITEM_TYPE_END;
		unsigned int hl = l4_item(l3, k->v[OFL_K_L4P], &t);

		if (hl > 0) {
			it = &p->items[p->n++];
			it->type = t;
			take(&b, OFL_K_TH, hl, (uint8_t *)&p->l4[0], (uint8_t *)&p->l4[1]);
			it->spec = &p->l4[0];
			it->mask = &p->l4[1];
			if (k->range == OFL_RANGE_SPORT || k->range == OFL_RANGE_DPORT) {
				unsigned int o = k->range == OFL_RANGE_SPORT ? 0 : 2;
				uint8_t *s = (uint8_t *)&p->l4[0], *m = (uint8_t *)&p->l4[1];
				uint8_t *l = (uint8_t *)&p->l4[2];

				if (t == RTE_FLOW_ITEM_TYPE_ICMP ||
				    t == RTE_FLOW_ITEM_TYPE_ICMP6 || m[o] || m[o + 1]) {
					snprintf(why, why_len, "range on th+%u", o);
					return -ENOTSUP;
				}
				memcpy(l, s, hl);
				s[o] = (uint8_t)(k->rlo >> 8);
				s[o + 1] = (uint8_t)k->rlo;
				l[o] = (uint8_t)(k->rhi >> 8);
				l[o + 1] = (uint8_t)k->rhi;
				m[o] = m[o + 1] = 0xff;
				it->last = &p->l4[2];
			}
		}
	}
	if (k->range != OFL_RANGE_NONE && (p->n == 0 ||
	    p->items[p->n - 1].last == NULL)) {
		snprintf(why, why_len, "port range without a TCP/UDP/SCTP item");
		return -ENOTSUP;
	}
	p->items[p->n].type = RTE_FLOW_ITEM_TYPE_END;
	for (unsigned int i = 0; i < OFL_K_LEN; i++) {
		if (b.left[i]) {
			char name[32];

			snprintf(why, why_len, "%s (mask 0x%02x) has no rte_flow item field",
				 ofl_key_byte_name(i, name, sizeof(name)), b.left[i]);
			return -ENOTSUP;
		}
	}
	return 0;
}

/* ---- actions ---------------------------------------------------------------- */

void
ofl_actions_build(const struct ofl_act_cfg *c, struct ofl_actions *a)
{
	unsigned int n = 0;

	memset(a, 0, sizeof(*a));
	if (c->count) {
		a->a[n].type = RTE_FLOW_ACTION_TYPE_COUNT;
		a->a[n++].conf = &a->count;
	}
	if (c->fate == OFL_FATE_DROP) {
		a->a[n++].type = RTE_FLOW_ACTION_TYPE_DROP;
	} else {
		if (c->mark) {
			a->mark.id = c->mark_id;
			a->a[n].type = RTE_FLOW_ACTION_TYPE_MARK;
			a->a[n++].conf = &a->mark;
		}
		if (c->n_queues <= 1) {
			a->queue.index = 0;
			a->a[n].type = RTE_FLOW_ACTION_TYPE_QUEUE;
			a->a[n++].conf = &a->queue;
		} else {
			uint16_t nq = c->n_queues > OFL_MAX_QUEUES ? OFL_MAX_QUEUES
								   : c->n_queues;

			for (uint16_t q = 0; q < nq; q++)
				a->queues[q] = q;
			a->rss.func = RTE_ETH_HASH_FUNCTION_DEFAULT;
			a->rss.level = 0;
			a->rss.types = 0;	/* the PMD's default hash */
			a->rss.queue_num = nq;
			a->rss.queue = a->queues;
			a->a[n].type = RTE_FLOW_ACTION_TYPE_RSS;
			a->a[n++].conf = &a->rss;
		}
	}
	a->a[n].type = RTE_FLOW_ACTION_TYPE_END;
}

/* ---- testpmd ------------------------------------------------------------------ */

enum ffmt { F_DEC, F_HEX, F_MAC, F_IP4, F_IP6 };

struct fdesc {
	const char *name;
	uint8_t off, len;
	uint8_t fmt;
};

static const struct fdesc f_eth[] = {
	{ "dst", 0, 6, F_MAC }, { "src", 6, 6, F_MAC }, { "type", 12, 2, F_HEX },
	{ NULL, 0, 0, 0 } };
static const struct fdesc f_vlan[] = {
	{ "tci", 0, 2, F_HEX }, { "inner_type", 2, 2, F_HEX }, { NULL, 0, 0, 0 } };
static const struct fdesc f_ipv4[] = {
	{ "version_ihl", 0, 1, F_HEX }, { "tos", 1, 1, F_HEX },
	{ "total_length", 2, 2, F_DEC }, { "packet_id", 4, 2, F_DEC },
	{ "fragment_offset", 6, 2, F_HEX }, { "ttl", 8, 1, F_DEC },
	{ "proto", 9, 1, F_DEC }, { "hdr_checksum", 10, 2, F_HEX },
	{ "src", 12, 4, F_IP4 }, { "dst", 16, 4, F_IP4 }, { NULL, 0, 0, 0 } };
static const struct fdesc f_ipv6[] = {
	{ "vtc_flow", 0, 4, F_HEX }, { "payload_len", 4, 2, F_DEC },
	{ "proto", 6, 1, F_DEC }, { "hop", 7, 1, F_DEC },
	{ "src", 8, 16, F_IP6 }, { "dst", 24, 16, F_IP6 }, { NULL, 0, 0, 0 } };
static const struct fdesc f_tcp[] = {
	{ "src", 0, 2, F_DEC }, { "dst", 2, 2, F_DEC }, { "sent_seq", 4, 4, F_DEC },
	{ "recv_ack", 8, 4, F_DEC }, { "data_off", 12, 1, F_HEX },
	{ "flags", 13, 1, F_HEX }, { "rx_win", 14, 2, F_DEC },
	{ "cksum", 16, 2, F_HEX }, { "tcp_urp", 18, 2, F_DEC }, { NULL, 0, 0, 0 } };
static const struct fdesc f_udp[] = {
	{ "src", 0, 2, F_DEC }, { "dst", 2, 2, F_DEC }, { "dgram_len", 4, 2, F_DEC },
	{ "dgram_cksum", 6, 2, F_HEX }, { NULL, 0, 0, 0 } };
static const struct fdesc f_sctp[] = {
	{ "src", 0, 2, F_DEC }, { "dst", 2, 2, F_DEC }, { "tag", 4, 4, F_HEX },
	{ "cksum", 8, 4, F_HEX }, { NULL, 0, 0, 0 } };
static const struct fdesc f_icmp[] = {
	{ "type", 0, 1, F_DEC }, { "code", 1, 1, F_DEC }, { "cksum", 2, 2, F_HEX },
	{ "ident", 4, 2, F_DEC }, { "seq", 6, 2, F_DEC }, { NULL, 0, 0, 0 } };
static const struct fdesc f_icmp6[] = {
	{ "type", 0, 1, F_DEC }, { "code", 1, 1, F_DEC }, { "checksum", 2, 2, F_HEX },
	{ NULL, 0, 0, 0 } };

struct sb {
	char *buf;
	size_t len, off;
};

static void __attribute__((format(printf, 2, 3)))
sb_add(struct sb *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(s->buf + (s->off < s->len ? s->off : s->len),
		      s->off < s->len ? s->len - s->off : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		s->off += (size_t)n;
}

static void
sb_val(struct sb *s, const uint8_t *p, unsigned int len, unsigned int fmt)
{
	char ip[INET6_ADDRSTRLEN];
	uint64_t v = 0;

	switch (fmt) {
	case F_MAC:
		sb_add(s, "%02x:%02x:%02x:%02x:%02x:%02x", p[0], p[1], p[2], p[3],
		       p[4], p[5]);
		return;
	case F_IP4:
		sb_add(s, "%s", inet_ntop(AF_INET, p, ip, sizeof(ip)));
		return;
	case F_IP6:
		sb_add(s, "%s", inet_ntop(AF_INET6, p, ip, sizeof(ip)));
		return;
	default:
		break;
	}
	for (unsigned int i = 0; i < len; i++)
		v = v << 8 | p[i];
	if (fmt == F_HEX)
		sb_add(s, "0x%" PRIx64, v);
	else
		sb_add(s, "%" PRIu64, v);
}

static bool
all_ones(const uint8_t *p, unsigned int len)
{
	for (unsigned int i = 0; i < len; i++)
		if (p[i] != 0xff)
			return false;
	return true;
}

static bool
all_zero(const uint8_t *p, unsigned int len)
{
	for (unsigned int i = 0; i < len; i++)
		if (p[i] != 0)
			return false;
	return true;
}

static void
sb_fields(struct sb *s, const struct fdesc *fd, const uint8_t *spec,
	  const uint8_t *mask, const uint8_t *last)
{
	for (; fd->name != NULL; fd++) {
		const uint8_t *sp = spec + fd->off, *mk = mask + fd->off;

		if (all_zero(mk, fd->len))
			continue;
		if (last != NULL && memcmp(last + fd->off, sp, fd->len) != 0) {
			sb_add(s, " %s spec ", fd->name);
			sb_val(s, sp, fd->len, fd->fmt);
			sb_add(s, " %s last ", fd->name);
			sb_val(s, last + fd->off, fd->len, fd->fmt);
			sb_add(s, " %s mask ", fd->name);
			sb_val(s, mk, fd->len, fd->fmt == F_DEC ? F_HEX : fd->fmt);
		} else if (all_ones(mk, fd->len)) {
			sb_add(s, " %s is ", fd->name);
			sb_val(s, sp, fd->len, fd->fmt);
		} else {
			sb_add(s, " %s spec ", fd->name);
			sb_val(s, sp, fd->len, fd->fmt);
			sb_add(s, " %s mask ", fd->name);
			sb_val(s, mk, fd->len, fd->fmt == F_DEC ? F_HEX : fd->fmt);
		}
	}
}

static void
sb_item(struct sb *s, const struct rte_flow_item *it)
{
	static const uint8_t zero[64];
	const uint8_t *spec = it->spec ? it->spec : zero;
	const uint8_t *mask = it->mask ? it->mask : zero;
	const uint8_t *last = it->last;

	switch (it->type) {
	case RTE_FLOW_ITEM_TYPE_ETH: {
		const struct rte_flow_item_eth *es = it->spec, *em = it->mask;

		sb_add(s, " eth");
		sb_fields(s, f_eth, spec, mask, last);
		if (em != NULL && em->has_vlan)
			sb_add(s, " has_vlan is %u", es != NULL ? es->has_vlan : 0);
		break;
	}
	case RTE_FLOW_ITEM_TYPE_VLAN: {
		const struct rte_flow_item_vlan *vs = it->spec, *vm = it->mask;

		sb_add(s, " vlan");
		sb_fields(s, f_vlan, spec, mask, last);
		if (vm != NULL && vm->has_more_vlan)
			sb_add(s, " has_more_vlan is %u",
			       vs != NULL ? vs->has_more_vlan : 0);
		break;
	}
	case RTE_FLOW_ITEM_TYPE_IPV4:
		sb_add(s, " ipv4");
		sb_fields(s, f_ipv4, spec, mask, last);
		break;
	case RTE_FLOW_ITEM_TYPE_IPV6:
		sb_add(s, " ipv6");
		sb_fields(s, f_ipv6, spec, mask, last);
		break;
	case RTE_FLOW_ITEM_TYPE_TCP:
		sb_add(s, " tcp");
		sb_fields(s, f_tcp, spec, mask, last);
		break;
	case RTE_FLOW_ITEM_TYPE_UDP:
		sb_add(s, " udp");
		sb_fields(s, f_udp, spec, mask, last);
		break;
	case RTE_FLOW_ITEM_TYPE_SCTP:
		sb_add(s, " sctp");
		sb_fields(s, f_sctp, spec, mask, last);
		break;
	case RTE_FLOW_ITEM_TYPE_ICMP:
		sb_add(s, " icmp");
		sb_fields(s, f_icmp, spec, mask, last);
		break;
	case RTE_FLOW_ITEM_TYPE_ICMP6:
		sb_add(s, " icmp6");
		sb_fields(s, f_icmp6, spec, mask, last);
		break;
	default:
		sb_add(s, " item%d", (int)it->type);
		break;
	}
	sb_add(s, " /");
}

static void
sb_action(struct sb *s, const struct rte_flow_action *a)
{
	switch (a->type) {
	case RTE_FLOW_ACTION_TYPE_DROP:
		sb_add(s, " drop");
		break;
	case RTE_FLOW_ACTION_TYPE_COUNT:
		sb_add(s, " count");
		break;
	case RTE_FLOW_ACTION_TYPE_MARK:
		sb_add(s, " mark id %u",
		       ((const struct rte_flow_action_mark *)a->conf)->id);
		break;
	case RTE_FLOW_ACTION_TYPE_QUEUE:
		sb_add(s, " queue index %u",
		       ((const struct rte_flow_action_queue *)a->conf)->index);
		break;
	case RTE_FLOW_ACTION_TYPE_RSS: {
		const struct rte_flow_action_rss *r = a->conf;

		sb_add(s, " rss queues");
		for (uint32_t q = 0; q < r->queue_num; q++)
			sb_add(s, " %u", r->queue[q]);
		sb_add(s, " end");
		break;
	}
	case RTE_FLOW_ACTION_TYPE_JUMP:
		sb_add(s, " jump group %u",
		       ((const struct rte_flow_action_jump *)a->conf)->group);
		break;
	case RTE_FLOW_ACTION_TYPE_PASSTHRU:
		sb_add(s, " passthru");
		break;
	default:
		sb_add(s, " action%d", (int)a->type);
		break;
	}
	sb_add(s, " /");
}

int
ofl_testpmd(char *buf, size_t len, uint16_t port_id,
	    const struct rte_flow_attr *attr, const struct rte_flow_item *items,
	    const struct rte_flow_action *actions)
{
	struct sb s = { buf, len, 0 };

	if (len > 0)
		buf[0] = '\0';
	sb_add(&s, "flow create %u", port_id);
	if (attr->group)
		sb_add(&s, " group %u", attr->group);
	sb_add(&s, " priority %u", attr->priority);
	if (attr->ingress)
		sb_add(&s, " ingress");
	if (attr->transfer)
		sb_add(&s, " transfer");
	sb_add(&s, " pattern");
	for (; items->type != RTE_FLOW_ITEM_TYPE_END; items++)
		sb_item(&s, items);
	sb_add(&s, " end actions");
	for (; actions->type != RTE_FLOW_ACTION_TYPE_END; actions++)
		sb_action(&s, actions);
	sb_add(&s, " end");
	return (int)s.off;
}
