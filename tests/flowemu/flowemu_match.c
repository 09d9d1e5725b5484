/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * flowemu items: pattern validation against a profile, translation into
 * keys (wire header bytes + flag bytes), the emulated NIC's frame parser,
 * and matching.  Semantics as rte_flow.h / the rte_flow guide define them:
 *
 * - spec NULL: the header must be present, nothing else (mask and last
 *   without spec are an error);
 * - spec without mask: the item's rte_flow_item_<x>_mask default;
 * - mask applies to spec and last; a field whose masked last is 0 or equal
 *   to the masked spec is an exact match, otherwise an inclusive range
 *   [spec, last] compared as a big-endian number (last < spec: refused);
 * - items stack from the lowest layer; a missing L3 between L2 and L4 is
 *   refused; a pattern may start above ETH only where the profile allows;
 * - ETH type is the outer EtherType or TPID, as on the wire: before a VLAN
 *   item it is the TPID; has_vlan matches "at least one tag"; VLAN
 *   inner_type is the type after that tag, has_more_vlan "another tag
 *   follows"; a VLAN item needs a tag: TPID 0x8100 (802.1Q) or 0x88a8
 *   (802.1ad), the tags the rte_flow VLAN item is defined for and the ones
 *   the kernel removes (0x9100 is an outer TPID some PMDs can be configured
 *   with; not by default);
 * - IPv4 is found when the version is 4, ihl >= 5 and the ihl * 4 bytes are
 *   in the frame; IPv6 when the version is 6 and 40 bytes are there; L4
 *   when its fixed header is in the frame (not on non-first fragments).
 *   Total length, payload length and checksums are never looked at (as
 *   PMDs do: checking them is what RTE_FLOW_ITEM_TYPE_INTEGRITY is for).
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_errno.h>
#include <rte_flow.h>

#include "tests/flowemu/flowemu_int.h"

struct flowemu_field {
	const char *name;
	uint8_t off;
	uint8_t len;
	bool common;	/* maskable under common_fields_only */
};

struct flowemu_hdr_desc {
	const char *name;
	enum rte_flow_item_type type;
	uint8_t hdr_len;	/* wire bytes */
	uint8_t key_len;	/* wire bytes + flag bytes */
	uint8_t n_fields;
	const struct flowemu_field *fields;
	const void *default_mask;
	void (*to_key)(const void *item, uint8_t *key);
	/* Reserved bits set in a mask or spec (must be zero). */
	bool (*reserved)(const void *item);
};

static const struct flowemu_field eth_fields[] = {
	{ "dst", 0, 6, true }, { "src", 6, 6, true }, { "type", 12, 2, true },
	{ "has_vlan", 14, 1, false },
};
static const struct flowemu_field vlan_fields[] = {
	{ "tci", 0, 2, true }, { "inner_type", 2, 2, true },
	{ "has_more_vlan", 4, 1, false },
};
static const struct flowemu_field ipv4_fields[] = {
	{ "version_ihl", 0, 1, false }, { "type_of_service", 1, 1, true },
	{ "total_length", 2, 2, false }, { "packet_id", 4, 2, false },
	{ "fragment_offset", 6, 2, false }, { "time_to_live", 8, 1, true },
	{ "next_proto_id", 9, 1, true }, { "hdr_checksum", 10, 2, false },
	{ "src_addr", 12, 4, true }, { "dst_addr", 16, 4, true },
};
static const struct flowemu_field ipv6_fields[] = {
	{ "vtc_flow", 0, 4, true }, { "payload_len", 4, 2, false },
	{ "proto", 6, 1, true }, { "hop_limits", 7, 1, true },
	{ "src_addr", 8, 16, true }, { "dst_addr", 24, 16, true },
	{ "has_hop_ext", 40, 1, false }, { "has_route_ext", 41, 1, false },
	{ "has_frag_ext", 42, 1, false }, { "has_auth_ext", 43, 1, false },
	{ "has_esp_ext", 44, 1, false }, { "has_dest_ext", 45, 1, false },
	{ "has_mobil_ext", 46, 1, false }, { "has_hip_ext", 47, 1, false },
	{ "has_shim6_ext", 48, 1, false },
};
static const struct flowemu_field tcp_fields[] = {
	{ "src_port", 0, 2, true }, { "dst_port", 2, 2, true },
	{ "sent_seq", 4, 4, false }, { "recv_ack", 8, 4, false },
	{ "data_off", 12, 1, false }, { "tcp_flags", 13, 1, false },
	{ "rx_win", 14, 2, false }, { "cksum", 16, 2, false },
	{ "tcp_urp", 18, 2, false },
};
static const struct flowemu_field udp_fields[] = {
	{ "src_port", 0, 2, true }, { "dst_port", 2, 2, true },
	{ "dgram_len", 4, 2, false }, { "dgram_cksum", 6, 2, false },
};
static const struct flowemu_field sctp_fields[] = {
	{ "src_port", 0, 2, true }, { "dst_port", 2, 2, true },
	{ "tag", 4, 4, false }, { "cksum", 8, 4, false },
};
static const struct flowemu_field icmp_fields[] = {
	{ "icmp_type", 0, 1, true }, { "icmp_code", 1, 1, true },
	{ "icmp_cksum", 2, 2, false }, { "icmp_ident", 4, 2, false },
	{ "icmp_seq_nb", 6, 2, false },
};
static const struct flowemu_field icmp6_fields[] = {
	{ "type", 0, 1, true }, { "code", 1, 1, true }, { "checksum", 2, 2, false },
};

static void
eth_key(const void *v, uint8_t *k)
{
	const struct rte_flow_item_eth *e = v;

	memcpy(k, &e->hdr, 14);
	k[14] = e->has_vlan;
}

static bool
eth_reserved(const void *v)
{
	return ((const struct rte_flow_item_eth *)v)->reserved != 0;
}

static void
vlan_key(const void *v, uint8_t *k)
{
	const struct rte_flow_item_vlan *e = v;

	memcpy(k, &e->hdr, 4);
	k[4] = e->has_more_vlan;
}

static bool
vlan_reserved(const void *v)
{
	return ((const struct rte_flow_item_vlan *)v)->reserved != 0;
}

static void
ipv4_key(const void *v, uint8_t *k)
{
	memcpy(k, &((const struct rte_flow_item_ipv4 *)v)->hdr, 20);
}

static void
ipv6_key(const void *v, uint8_t *k)
{
	const struct rte_flow_item_ipv6 *e = v;

	memcpy(k, &e->hdr, 40);
	k[40] = e->has_hop_ext;
	k[41] = e->has_route_ext;
	k[42] = e->has_frag_ext;
	k[43] = e->has_auth_ext;
	k[44] = e->has_esp_ext;
	k[45] = e->has_dest_ext;
	k[46] = e->has_mobil_ext;
	k[47] = e->has_hip_ext;
	k[48] = e->has_shim6_ext;
}

static bool
ipv6_reserved(const void *v)
{
	return ((const struct rte_flow_item_ipv6 *)v)->reserved != 0;
}

static void
tcp_key(const void *v, uint8_t *k)
{
	memcpy(k, &((const struct rte_flow_item_tcp *)v)->hdr, 20);
}

static void
udp_key(const void *v, uint8_t *k)
{
	memcpy(k, &((const struct rte_flow_item_udp *)v)->hdr, 8);
}

static void
sctp_key(const void *v, uint8_t *k)
{
	memcpy(k, &((const struct rte_flow_item_sctp *)v)->hdr, 12);
}

static void
icmp_key(const void *v, uint8_t *k)
{
	memcpy(k, &((const struct rte_flow_item_icmp *)v)->hdr, 8);
}

static void
icmp6_key(const void *v, uint8_t *k)
{
	const struct rte_flow_item_icmp6 *e = v;

	k[0] = e->type;
	k[1] = e->code;
	memcpy(k + 2, &e->checksum, 2);
}

#define FIELDS(a) RTE_DIM(a), a

static const struct flowemu_hdr_desc hdr_desc[FLOWEMU_H_MAX] = {
	[FLOWEMU_H_ETH] = { "ETH", RTE_FLOW_ITEM_TYPE_ETH, 14, 15, FIELDS(eth_fields),
		&rte_flow_item_eth_mask, eth_key, eth_reserved },
	[FLOWEMU_H_VLAN] = { "VLAN", RTE_FLOW_ITEM_TYPE_VLAN, 4, 5, FIELDS(vlan_fields),
		&rte_flow_item_vlan_mask, vlan_key, vlan_reserved },
	[FLOWEMU_H_IPV4] = { "IPV4", RTE_FLOW_ITEM_TYPE_IPV4, 20, 20, FIELDS(ipv4_fields),
		&rte_flow_item_ipv4_mask, ipv4_key, NULL },
	[FLOWEMU_H_IPV6] = { "IPV6", RTE_FLOW_ITEM_TYPE_IPV6, 40, 49, FIELDS(ipv6_fields),
		&rte_flow_item_ipv6_mask, ipv6_key, ipv6_reserved },
	[FLOWEMU_H_TCP] = { "TCP", RTE_FLOW_ITEM_TYPE_TCP, 20, 20, FIELDS(tcp_fields),
		&rte_flow_item_tcp_mask, tcp_key, NULL },
	[FLOWEMU_H_UDP] = { "UDP", RTE_FLOW_ITEM_TYPE_UDP, 8, 8, FIELDS(udp_fields),
		&rte_flow_item_udp_mask, udp_key, NULL },
	[FLOWEMU_H_SCTP] = { "SCTP", RTE_FLOW_ITEM_TYPE_SCTP, 12, 12, FIELDS(sctp_fields),
		&rte_flow_item_sctp_mask, sctp_key, NULL },
	[FLOWEMU_H_ICMP] = { "ICMP", RTE_FLOW_ITEM_TYPE_ICMP, 8, 8, FIELDS(icmp_fields),
		&rte_flow_item_icmp_mask, icmp_key, NULL },
	[FLOWEMU_H_ICMP6] = { "ICMP6", RTE_FLOW_ITEM_TYPE_ICMP6, 4, 4, FIELDS(icmp6_fields),
		&rte_flow_item_icmp6_mask, icmp6_key, NULL },
};

const char *
flowemu_hdr_name(unsigned int hdr)
{
	return hdr < FLOWEMU_H_MAX ? hdr_desc[hdr].name : "?";
}

static int
hdr_of_item(enum rte_flow_item_type t)
{
	unsigned int h;

	for (h = 0; h < FLOWEMU_H_MAX; h++)
		if (hdr_desc[h].type == t)
			return (int)h;
	return -1;
}

static bool
is_l3(unsigned int h)
{
	return h == FLOWEMU_H_IPV4 || h == FLOWEMU_H_IPV6;
}

static bool
is_l4(unsigned int h)
{
	return h >= FLOWEMU_H_TCP && h <= FLOWEMU_H_ICMP6;
}

/* May header 'next' follow header 'prev' in a pattern? */
static bool
stack_ok(unsigned int prev, unsigned int next)
{
	switch (prev) {
	case FLOWEMU_H_ETH:
	case FLOWEMU_H_VLAN:
		return next == FLOWEMU_H_VLAN || is_l3(next);
	case FLOWEMU_H_IPV4:
		return is_l4(next) && next != FLOWEMU_H_ICMP6;
	case FLOWEMU_H_IPV6:
		return is_l4(next) && next != FLOWEMU_H_ICMP;
	default:
		return false;
	}
}

static const char *
item_type_name(enum rte_flow_item_type t)
{
	const char *name = NULL;

	if (rte_flow_conv(RTE_FLOW_CONV_OP_ITEM_NAME_PTR, &name, sizeof(name),
			  (void *)(uintptr_t)t, NULL) < 0 || name == NULL)
		return "unknown";
	return name;
}

/* Big-endian compare of n bytes. */
static int
be_cmp(const uint8_t *a, const uint8_t *b, unsigned int n)
{
	return memcmp(a, b, n);
}

static bool
all_zero(const uint8_t *a, unsigned int n)
{
	while (n-- > 0)
		if (a[n] != 0)
			return false;
	return true;
}

static bool
all_ones(const uint8_t *a, unsigned int n)
{
	while (n-- > 0)
		if (a[n] != 0xff)
			return false;
	return true;
}

static int
item_parse(const struct flowemu_profile *p, const struct rte_flow_item *it,
	   unsigned int h, struct flowemu_item *out, struct rte_flow_error *error)
{
	const struct flowemu_hdr_desc *d = &hdr_desc[h];
	uint8_t spec[FLOWEMU_KEY_MAX] = { 0 }, last[FLOWEMU_KEY_MAX] = { 0 };
	unsigned int f, i;

	memset(out, 0, sizeof(*out));
	out->hdr = (uint8_t)h;
	if (it->spec == NULL) {
		if (it->mask != NULL)
			return flowemu_err(error, EINVAL, RTE_FLOW_ERROR_TYPE_ITEM_MASK, it,
				flowemu_msg("flowemu(%s): %s item: mask without spec",
					p->name, d->name));
		if (it->last != NULL)
			return flowemu_err(error, EINVAL, RTE_FLOW_ERROR_TYPE_ITEM_LAST, it,
				flowemu_msg("flowemu(%s): %s item: last without spec",
					p->name, d->name));
		return 0;	/* the header must be present, nothing more */
	}
	if (d->reserved != NULL && it->mask != NULL && d->reserved(it->mask))
		return flowemu_err(error, EINVAL, RTE_FLOW_ERROR_TYPE_ITEM_MASK, it->mask,
			flowemu_msg("flowemu(%s): %s item: reserved bits set in mask",
				p->name, d->name));
	d->to_key(it->spec, spec);
	d->to_key(it->mask != NULL ? it->mask : d->default_mask, out->mask);
	if (it->last != NULL)
		d->to_key(it->last, last);

	for (f = 0; f < d->n_fields; f++) {
		const struct flowemu_field *fl = &d->fields[f];
		const uint8_t *m = out->mask + fl->off;
		uint8_t *s = out->spec + fl->off, *l = out->last + fl->off;

		if (fl->off >= d->hdr_len && out->mask[fl->off] > 1)
			return flowemu_err(error, EINVAL, RTE_FLOW_ERROR_TYPE_ITEM_MASK,
				it->mask, flowemu_msg("flowemu(%s): %s item: bad %s mask",
					p->name, d->name, fl->name));
		if (all_zero(m, fl->len))
			continue;
		if (p->common_fields_only && !fl->common)
			return flowemu_err(error, ENOTSUP, RTE_FLOW_ERROR_TYPE_ITEM_MASK,
				it->mask, flowemu_msg("flowemu(%s): %s item: matching on %s is not supported",
					p->name, d->name, fl->name));
		if (p->mask_mode == FLOWEMU_MASK_FULL && fl->off < d->hdr_len &&
		    !all_ones(m, fl->len))
			return flowemu_err(error, ENOTSUP, RTE_FLOW_ERROR_TYPE_ITEM_MASK,
				it->mask, flowemu_msg("flowemu(%s): %s item: partial mask on %s is not supported (only full or empty field masks)",
					p->name, d->name, fl->name));
		for (i = 0; i < fl->len; i++) {
			s[i] = spec[fl->off + i] & m[i];
			l[i] = last[fl->off + i] & m[i];
			out->eq[fl->off + i] = m[i];
		}
		if (it->last == NULL || all_zero(l, fl->len) || be_cmp(l, s, fl->len) == 0)
			continue;
		if (be_cmp(l, s, fl->len) < 0)
			return flowemu_err(error, EINVAL, RTE_FLOW_ERROR_TYPE_ITEM_LAST, it->last,
				flowemu_msg("flowemu(%s): %s item: %s: last is lower than spec",
					p->name, d->name, fl->name));
		if (!p->ranges)
			return flowemu_err(error, ENOTSUP, RTE_FLOW_ERROR_TYPE_ITEM_LAST, it->last,
				flowemu_msg("flowemu(%s): %s item: range (last) on %s is not supported",
					p->name, d->name, fl->name));
		out->range[out->range_fields++] = (uint8_t)f;
		memset(out->eq + fl->off, 0, fl->len);
	}
	return 0;
}

int
flowemu_pattern_parse(const struct flowemu_profile *p, const struct rte_flow_item pattern[],
		      struct flowemu_pattern *pat, struct rte_flow_error *error)
{
	const struct rte_flow_item *it;
	int prev = -1, h, ret;

	pat->n = 0;
	if (pattern == NULL)
		return flowemu_err(error, EINVAL, RTE_FLOW_ERROR_TYPE_ITEM_NUM, NULL,
			flowemu_msg("flowemu(%s): NULL pattern", p->name));
	for (it = pattern; it->type != RTE_FLOW_ITEM_TYPE_END; it++) {
		if (it->type == RTE_FLOW_ITEM_TYPE_VOID)
			continue;
		h = hdr_of_item(it->type);
		if (h < 0)
			return flowemu_err(error, ENOTSUP, RTE_FLOW_ERROR_TYPE_ITEM, it,
				flowemu_msg("flowemu(%s): item %s is not supported",
					p->name, item_type_name(it->type)));
		if (prev < 0 && h != FLOWEMU_H_ETH && !p->l2_optional)
			return flowemu_err(error, ENOTSUP, RTE_FLOW_ERROR_TYPE_ITEM, it,
				flowemu_msg("flowemu(%s): pattern must start with ETH (got %s)",
					p->name, hdr_desc[h].name));
		if (prev >= 0 && !stack_ok((unsigned int)prev, (unsigned int)h))
			return flowemu_err(error, EINVAL, RTE_FLOW_ERROR_TYPE_ITEM, it,
				flowemu_msg("flowemu(%s): %s cannot follow %s%s", p->name,
					hdr_desc[h].name, hdr_desc[prev].name,
					is_l4((unsigned int)h) && !is_l3((unsigned int)prev) ?
					" (missing L3)" : ""));
		if (pat->n == FLOWEMU_MAX_ITEMS)
			return flowemu_err(error, ENOTSUP, RTE_FLOW_ERROR_TYPE_ITEM, it,
				flowemu_msg("flowemu(%s): more than %d items", p->name,
					FLOWEMU_MAX_ITEMS));
		ret = item_parse(p, it, (unsigned int)h, &pat->item[pat->n], error);
		if (ret < 0)
			return ret;
		pat->n++;
		prev = h;
	}
	return 0;
}

static void
add_layer(struct flowemu_frame *f, unsigned int hdr, uint32_t off)
{
	struct flowemu_layer *l = &f->l[f->n++];

	l->hdr = (uint8_t)hdr;
	l->off = (uint16_t)off;
	memset(l->flags, 0, sizeof(l->flags));
}

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
parse_l4(struct flowemu_frame *f, uint8_t proto, uint32_t off, bool v6)
{
	unsigned int h;

	switch (proto) {
	case IPPROTO_TCP: h = FLOWEMU_H_TCP; break;
	case IPPROTO_UDP: h = FLOWEMU_H_UDP; break;
	case IPPROTO_SCTP: h = FLOWEMU_H_SCTP; break;
	case IPPROTO_ICMP: if (v6) return; h = FLOWEMU_H_ICMP; break;
	case IPPROTO_ICMPV6: if (!v6) return; h = FLOWEMU_H_ICMP6; break;
	default: return;
	}
	if (off + hdr_desc[h].hdr_len <= f->len)
		add_layer(f, h, off);
}

static void
parse_ipv6(const struct flowemu_profile *p, struct flowemu_frame *f, uint32_t off)
{
	struct flowemu_layer *l3;
	const uint8_t *d = f->data;
	uint32_t x = off + 40, elen;
	uint8_t nh = d[off + 6];
	unsigned int i;

	add_layer(f, FLOWEMU_H_IPV6, off);
	l3 = &f->l[f->n - 1];
	for (i = 0; i < 8; i++) {
		int flag;

		switch (nh) {
		case IPPROTO_HOPOPTS: flag = 0; break;
		case IPPROTO_ROUTING: flag = 1; break;
		case IPPROTO_FRAGMENT: flag = 2; break;
		case IPPROTO_AH: flag = 3; break;
		case IPPROTO_ESP: flag = 4; break;
		case IPPROTO_DSTOPTS: flag = 5; break;
		case 135: flag = 6; break;	/* mobility */
		case 139: flag = 7; break;	/* HIP */
		case 140: flag = 8; break;	/* shim6 */
		default:
			parse_l4(f, nh, x, true);
			return;
		}
		l3->flags[flag] = 1;
		if (nh == IPPROTO_ESP || x + 8 > f->len)
			return;		/* nothing readable past it */
		if (nh == IPPROTO_FRAGMENT) {
			uint16_t fo = rd16(d + x + 2);

			if ((fo & 0xfff8) != 0 || ((fo & 1) && !p->l4_first_frag))
				return;
			elen = 8;
		} else if (nh == IPPROTO_AH) {
			elen = ((uint32_t)d[x + 1] + 2) * 4;
		} else {
			elen = ((uint32_t)d[x + 1] + 1) * 8;
		}
		nh = d[x];
		x += elen;
	}
}

void
flowemu_frame_parse(const struct flowemu_profile *p, const uint8_t *d, uint32_t len,
		    struct flowemu_frame *f)
{
	uint32_t off = 14, vlan0, i;
	uint16_t type;

	f->data = d;
	f->len = len;
	f->n = 0;
	if (len < 14)
		return;
	add_layer(f, FLOWEMU_H_ETH, 0);
	type = rd16(d + 12);
	vlan0 = f->n;
	while ((type == 0x8100 || type == 0x88a8) && off + 4 <= len &&
	       f->n < 9) {
		add_layer(f, FLOWEMU_H_VLAN, off);
		type = rd16(d + off + 2);
		off += 4;
	}
	if (f->n > vlan0)
		f->l[0].flags[0] = 1;			/* has_vlan */
	for (i = vlan0; i + 1 < f->n; i++)
		f->l[i].flags[0] = 1;			/* has_more_vlan */
	if (type == 0x0800 && off + 20 <= len && (d[off] >> 4) == 4) {
		uint32_t ihl = (d[off] & 0xfu) * 4u;
		uint16_t fo = rd16(d + off + 6);

		if (ihl < 20 || off + ihl > len)
			return;
		add_layer(f, FLOWEMU_H_IPV4, off);
		if ((fo & 0x1fff) != 0 || ((fo & 0x2000) && !p->l4_first_frag))
			return;
		parse_l4(f, d[off + 9], off + ihl, false);
	} else if (type == 0x86dd && off + 40 <= len && (d[off] >> 4) == 6) {
		parse_ipv6(p, f, off);
	}
}

static bool
item_match(const struct flowemu_item *it, const struct flowemu_frame *f,
	   const struct flowemu_layer *l)
{
	const struct flowemu_hdr_desc *d = &hdr_desc[it->hdr];
	uint8_t key[FLOWEMU_KEY_MAX];
	unsigned int i;

	memcpy(key, f->data + l->off, d->hdr_len);
	memcpy(key + d->hdr_len, l->flags, (size_t)(d->key_len - d->hdr_len));
	for (i = 0; i < d->key_len; i++)
		if ((key[i] & it->eq[i]) != (it->spec[i] & it->eq[i]))
			return false;
	for (i = 0; i < it->range_fields; i++) {
		const struct flowemu_field *fl = &d->fields[it->range[i]];
		uint8_t v[16];
		unsigned int j;

		for (j = 0; j < fl->len; j++)
			v[j] = key[fl->off + j] & it->mask[fl->off + j];
		if (be_cmp(v, it->spec + fl->off, fl->len) < 0 ||
		    be_cmp(v, it->last + fl->off, fl->len) > 0)
			return false;
	}
	return true;
}

/* Does item 'it' (ETH or VLAN) leave the tags after it unspecified? */
static bool
leaves_tags_open(const struct flowemu_item *it)
{
	if (it->hdr == FLOWEMU_H_ETH)
		return (it->mask[12] | it->mask[13] | it->mask[14]) == 0;
	if (it->hdr == FLOWEMU_H_VLAN)
		return (it->mask[2] | it->mask[3] | it->mask[4]) == 0;
	return false;
}

bool
flowemu_pattern_match(const struct flowemu_profile *p, const struct flowemu_pattern *pat,
		      const struct flowemu_frame *f)
{
	unsigned int i, li = 0;

	if (pat->n == 0)
		return true;
	if (pat->item[0].hdr != FLOWEMU_H_ETH) {
		/* "anywhere": the first header of that kind */
		while (li < f->n && f->l[li].hdr != pat->item[0].hdr)
			li++;
	}
	for (i = 0; i < pat->n; i++) {
		const struct flowemu_item *it = &pat->item[i];

		if (li >= f->n)
			return false;
		if (f->l[li].hdr != it->hdr) {
			if (!(p->vlan_transparent && i > 0 && is_l3(it->hdr) &&
			      f->l[li].hdr == FLOWEMU_H_VLAN && leaves_tags_open(&pat->item[i - 1])))
				return false;
			while (li < f->n && f->l[li].hdr == FLOWEMU_H_VLAN)
				li++;
			if (li >= f->n || f->l[li].hdr != it->hdr)
				return false;
		}
		if (!item_match(it, f, &f->l[li]))
			return false;
		li++;
	}
	return true;
}

const char *
flowemu_msg(const char *fmt, ...)
{
	static __thread char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return buf;
}
