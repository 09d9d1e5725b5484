/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ir_print_types.c - what nft knows that the IR does not: header field
 * names and value types, symbol tables, value formatting.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir_print_int.h"

#define IR_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

void
ir_sbuf_printf(struct ir_sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		size_t room = b->cap - b->n;

		va_start(ap, fmt);
		n = vsnprintf(b->p != NULL ? b->p + b->n : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = true;
			return;
		}
		if ((size_t)n < room) {
			b->n += (size_t)n;
			return;
		}
		{
			size_t cap = (b->cap ? b->cap * 2 : 256) + (size_t)n;
			char *p = realloc(b->p, cap);

			if (p == NULL) {
				b->oom = true;
				return;
			}
			b->p = p;
			b->cap = cap;
		}
	}
}

void
ir_sbuf_free(struct ir_sbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* ---- header fields ------------------------------------------------------ */

#define F(n, c, b, o, l, m, s, t, w) \
	{ .name = n, .ctx = c, .base = b, .offset = o, .len = l, .mask = m, \
	  .shift = s, .type = t, .bits = w }

static const struct ir_pfield ir_pfields[] = {
	F("ether daddr", IR_CTX_ETHER, IR_BASE_LL, 0, 6, 0, 0, IR_PT_ETHER, 48),
	F("ether saddr", IR_CTX_ETHER, IR_BASE_LL, 6, 6, 0, 0, IR_PT_ETHER, 48),
	F("ether type", IR_CTX_ETHER, IR_BASE_LL, 12, 2, 0, 0, IR_PT_ETHERTYPE, 16),
	F("vlan pcp", IR_CTX_VLAN, IR_BASE_LL, 14, 1, 0xe0, 5, IR_PT_INTEGER, 3),
	F("vlan dei", IR_CTX_VLAN, IR_BASE_LL, 14, 1, 0x10, 4, IR_PT_INTEGER, 1),
	F("vlan id", IR_CTX_VLAN, IR_BASE_LL, 14, 2, 0x0fff, 0, IR_PT_INTEGER, 12),
	F("vlan type", IR_CTX_VLAN, IR_BASE_LL, 16, 2, 0, 0, IR_PT_ETHERTYPE, 16),

	F("ip version", IR_CTX_IP, IR_BASE_NETWORK, 0, 1, 0xf0, 4, IR_PT_INTEGER, 4),
	F("ip hdrlength", IR_CTX_IP, IR_BASE_NETWORK, 0, 1, 0x0f, 0, IR_PT_INTEGER, 4),
	F("ip dscp", IR_CTX_IP, IR_BASE_NETWORK, 1, 1, 0xfc, 2, IR_PT_DSCP, 6),
	F("ip ecn", IR_CTX_IP, IR_BASE_NETWORK, 1, 1, 0x03, 0, IR_PT_INTEGER, 2),
	F("ip length", IR_CTX_IP, IR_BASE_NETWORK, 2, 2, 0, 0, IR_PT_INTEGER, 16),
	F("ip id", IR_CTX_IP, IR_BASE_NETWORK, 4, 2, 0, 0, IR_PT_INTEGER, 16),
	F("ip frag-off", IR_CTX_IP, IR_BASE_NETWORK, 6, 2, 0, 0, IR_PT_INTEGER, 16),
	F("ip ttl", IR_CTX_IP, IR_BASE_NETWORK, 8, 1, 0, 0, IR_PT_INTEGER, 8),
	F("ip protocol", IR_CTX_IP, IR_BASE_NETWORK, 9, 1, 0, 0, IR_PT_PROTO, 8),
	F("ip checksum", IR_CTX_IP, IR_BASE_NETWORK, 10, 2, 0, 0, IR_PT_INTEGER, 16),
	F("ip saddr", IR_CTX_IP, IR_BASE_NETWORK, 12, 4, 0, 0, IR_PT_IPV4, 32),
	F("ip daddr", IR_CTX_IP, IR_BASE_NETWORK, 16, 4, 0, 0, IR_PT_IPV4, 32),

	F("ip6 version", IR_CTX_IP6, IR_BASE_NETWORK, 0, 1, 0xf0, 4, IR_PT_INTEGER, 4),
	F("ip6 flowlabel", IR_CTX_IP6, IR_BASE_NETWORK, 0, 4, 0x000fffff, 0, IR_PT_INTEGER, 20),
	F("ip6 length", IR_CTX_IP6, IR_BASE_NETWORK, 4, 2, 0, 0, IR_PT_INTEGER, 16),
	F("ip6 nexthdr", IR_CTX_IP6, IR_BASE_NETWORK, 6, 1, 0, 0, IR_PT_PROTO, 8),
	F("ip6 hoplimit", IR_CTX_IP6, IR_BASE_NETWORK, 7, 1, 0, 0, IR_PT_INTEGER, 8),
	F("ip6 saddr", IR_CTX_IP6, IR_BASE_NETWORK, 8, 16, 0, 0, IR_PT_IPV6, 128),
	F("ip6 daddr", IR_CTX_IP6, IR_BASE_NETWORK, 24, 16, 0, 0, IR_PT_IPV6, 128),

	F("tcp sport", IR_CTX_TCP, IR_BASE_TRANSPORT, 0, 2, 0, 0, IR_PT_SERVICE, 16),
	F("tcp dport", IR_CTX_TCP, IR_BASE_TRANSPORT, 2, 2, 0, 0, IR_PT_SERVICE, 16),
	F("tcp sequence", IR_CTX_TCP, IR_BASE_TRANSPORT, 4, 4, 0, 0, IR_PT_INTEGER, 32),
	F("tcp ackseq", IR_CTX_TCP, IR_BASE_TRANSPORT, 8, 4, 0, 0, IR_PT_INTEGER, 32),
	F("tcp doff", IR_CTX_TCP, IR_BASE_TRANSPORT, 12, 1, 0xf0, 4, IR_PT_INTEGER, 4),
	F("tcp flags", IR_CTX_TCP, IR_BASE_TRANSPORT, 13, 1, 0, 0, IR_PT_TCPFLAG, 8),
	F("tcp window", IR_CTX_TCP, IR_BASE_TRANSPORT, 14, 2, 0, 0, IR_PT_INTEGER, 16),
	F("tcp checksum", IR_CTX_TCP, IR_BASE_TRANSPORT, 16, 2, 0, 0, IR_PT_INTEGER, 16),
	F("tcp urgptr", IR_CTX_TCP, IR_BASE_TRANSPORT, 18, 2, 0, 0, IR_PT_INTEGER, 16),

	F("udp sport", IR_CTX_UDP, IR_BASE_TRANSPORT, 0, 2, 0, 0, IR_PT_SERVICE, 16),
	F("udp dport", IR_CTX_UDP, IR_BASE_TRANSPORT, 2, 2, 0, 0, IR_PT_SERVICE, 16),
	F("udp length", IR_CTX_UDP, IR_BASE_TRANSPORT, 4, 2, 0, 0, IR_PT_INTEGER, 16),
	F("udp checksum", IR_CTX_UDP, IR_BASE_TRANSPORT, 6, 2, 0, 0, IR_PT_INTEGER, 16),

	F("icmp type", IR_CTX_ICMP, IR_BASE_TRANSPORT, 0, 1, 0, 0, IR_PT_ICMP, 8),
	F("icmp code", IR_CTX_ICMP, IR_BASE_TRANSPORT, 1, 1, 0, 0, IR_PT_INTEGER, 8),
	F("icmp checksum", IR_CTX_ICMP, IR_BASE_TRANSPORT, 2, 2, 0, 0, IR_PT_INTEGER, 16),
	F("icmp id", IR_CTX_ICMP, IR_BASE_TRANSPORT, 4, 2, 0, 0, IR_PT_INTEGER, 16),
	F("icmp sequence", IR_CTX_ICMP, IR_BASE_TRANSPORT, 6, 2, 0, 0, IR_PT_INTEGER, 16),

	F("icmpv6 type", IR_CTX_ICMP6, IR_BASE_TRANSPORT, 0, 1, 0, 0, IR_PT_ICMP6, 8),
	F("icmpv6 code", IR_CTX_ICMP6, IR_BASE_TRANSPORT, 1, 1, 0, 0, IR_PT_INTEGER, 8),
	F("icmpv6 checksum", IR_CTX_ICMP6, IR_BASE_TRANSPORT, 2, 2, 0, 0, IR_PT_INTEGER, 16),

	F("th sport", IR_CTX_TH, IR_BASE_TRANSPORT, 0, 2, 0, 0, IR_PT_SERVICE, 16),
	F("th dport", IR_CTX_TH, IR_BASE_TRANSPORT, 2, 2, 0, 0, IR_PT_SERVICE, 16),
};

const struct ir_pfield *
ir_pfield_find(enum ir_pctx ctx, enum ir_payload_base base, uint16_t offset,
	       uint8_t len, uint32_t mask)
{
	for (size_t i = 0; i < IR_ARRAY_SIZE(ir_pfields); i++) {
		const struct ir_pfield *f = &ir_pfields[i];

		if (f->ctx == ctx && f->base == base && f->offset == offset &&
		    f->len == len && f->mask == mask)
			return f;
	}
	return NULL;
}

const struct ir_pfield *
ir_pfield_prefix(enum ir_pctx ctx, enum ir_payload_base base, uint16_t offset,
		 uint8_t len)
{
	for (size_t i = 0; i < IR_ARRAY_SIZE(ir_pfields); i++) {
		const struct ir_pfield *f = &ir_pfields[i];

		if (f->ctx == ctx && f->base == base && f->offset == offset &&
		    f->len > len && f->mask == 0)
			return f;
	}
	return NULL;
}

enum ir_ptype
ir_meta_ptype(enum ir_meta_key key)
{
	switch (key) {
	case IR_META_LEN: return IR_PT_INTEGER;
	case IR_META_PROTOCOL: return IR_PT_ETHERTYPE;
	case IR_META_NFPROTO: return IR_PT_INTEGER;
	case IR_META_L4PROTO: return IR_PT_PROTO;
	case IR_META_MARK: return IR_PT_MARK;
	case IR_META_IIF: return IR_PT_IFINDEX;
	case IR_META_IIFNAME: return IR_PT_IFNAME;
	case IR_META_IIFTYPE: return IR_PT_ARPHRD;
	case IR_META_PKTTYPE: return IR_PT_PKTTYPE;
	default: return IR_PT_HEX;
	}
}

/* ---- symbol tables ------------------------------------------------------ */

struct ir_sym {
	uint32_t v;
	const char *name;
};

static const struct ir_sym ir_ethertypes[] = {
	{ 0x0800, "ip" }, { 0x0806, "arp" }, { 0x86dd, "ip6" },
	{ 0x8100, "vlan" }, { 0x88a8, "8021ad" },
};
static const struct ir_sym ir_pkttypes[] = {
	{ 0, "host" }, { 1, "broadcast" }, { 2, "multicast" }, { 3, "other" },
};
static const struct ir_sym ir_arphrds[] = {
	{ 1, "ether" }, { 512, "ppp" }, { 768, "ipip" }, { 769, "ipip6" },
	{ 772, "loopback" }, { 776, "sit" }, { 778, "ipgre" },
};
static const struct ir_sym ir_tcpflags[] = {
	{ 0x01, "fin" }, { 0x02, "syn" }, { 0x04, "rst" }, { 0x08, "psh" },
	{ 0x10, "ack" }, { 0x20, "urg" }, { 0x40, "ecn" }, { 0x80, "cwr" },
};
static const struct ir_sym ir_icmp_types[] = {
	{ 0, "echo-reply" }, { 3, "destination-unreachable" },
	{ 4, "source-quench" }, { 5, "redirect" }, { 8, "echo-request" },
	{ 9, "router-advertisement" }, { 10, "router-solicitation" },
	{ 11, "time-exceeded" }, { 12, "parameter-problem" },
	{ 13, "timestamp-request" }, { 14, "timestamp-reply" },
	{ 15, "info-request" }, { 16, "info-reply" },
	{ 17, "address-mask-request" }, { 18, "address-mask-reply" },
};
static const struct ir_sym ir_icmp6_types[] = {
	{ 1, "destination-unreachable" }, { 2, "packet-too-big" },
	{ 3, "time-exceeded" }, { 4, "parameter-problem" },
	{ 128, "echo-request" }, { 129, "echo-reply" },
	{ 130, "mld-listener-query" }, { 131, "mld-listener-report" },
	{ 132, "mld-listener-done" }, { 133, "nd-router-solicit" },
	{ 134, "nd-router-advert" }, { 135, "nd-neighbor-solicit" },
	{ 136, "nd-neighbor-advert" }, { 137, "nd-redirect" },
	{ 138, "router-renumbering" }, { 141, "ind-neighbor-solicit" },
	{ 142, "ind-neighbor-advert" }, { 143, "mld2-listener-report" },
};
static const struct ir_sym ir_dscps[] = {
	{ 0, "cs0" }, { 8, "cs1" }, { 16, "cs2" }, { 24, "cs3" }, { 32, "cs4" },
	{ 40, "cs5" }, { 48, "cs6" }, { 56, "cs7" }, { 10, "af11" },
	{ 12, "af12" }, { 14, "af13" }, { 18, "af21" }, { 20, "af22" },
	{ 22, "af23" }, { 26, "af31" }, { 28, "af32" }, { 30, "af33" },
	{ 34, "af41" }, { 36, "af42" }, { 38, "af43" }, { 46, "ef" },
};

static const char *
ir_sym_name(const struct ir_sym *t, size_t n, uint64_t v)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].v == v)
			return t[i].name;
	return NULL;
}

#define IR_SYM(t, v) ir_sym_name(t, IR_ARRAY_SIZE(t), v)

const char *
ir_icmp_code_name(unsigned int code)
{
	static const struct ir_sym t[] = {
		{ 0, "net-unreachable" }, { 1, "host-unreachable" },
		{ 2, "prot-unreachable" }, { 3, "port-unreachable" },
		{ 9, "net-prohibited" }, { 10, "host-prohibited" },
		{ 13, "admin-prohibited" },
	};
	return IR_SYM(t, code);
}

const char *
ir_icmp6_code_name(unsigned int code)
{
	static const struct ir_sym t[] = {
		{ 0, "no-route" }, { 1, "admin-prohibited" },
		{ 3, "addr-unreachable" }, { 4, "port-unreachable" },
		{ 5, "policy-fail" }, { 6, "reject-route" },
	};
	return IR_SYM(t, code);
}

const char *
ir_icmpx_code_name(unsigned int code)
{
	static const struct ir_sym t[] = {
		{ 0, "no-route" }, { 1, "port-unreachable" },
		{ 2, "host-unreachable" }, { 3, "admin-prohibited" },
	};
	return IR_SYM(t, code);
}

const char *
ir_log_level_name(unsigned int level)
{
	static const char *const names[] = {
		"emerg", "alert", "crit", "err", "warn", "notice", "info",
		"debug", "audit",
	};
	return level < IR_ARRAY_SIZE(names) ? names[level] : NULL;
}

/* ---- values ------------------------------------------------------------- */

uint64_t
ir_be_uint(const uint8_t *v, size_t len)
{
	uint64_t x = 0;

	for (size_t i = 0; i < len && i < 8; i++)
		x = (x << 8) | v[i];
	return x;
}

uint64_t
ir_host_uint(const uint8_t *v, size_t len)
{
	uint64_t x = 0;

#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	x = ir_be_uint(v, len);
#else
	for (size_t i = len < 8 ? len : 8; i-- > 0;)
		x = (x << 8) | v[i];
#endif
	return x;
}

static void
ir_fmt_hex(struct ir_sbuf *b, const uint8_t *v, size_t len)
{
	ir_sbuf_printf(b, "0x");
	for (size_t i = 0; i < len; i++)
		ir_sbuf_printf(b, "%02x", v[i]);
}

void
ir_fmt_value(struct ir_sbuf *b, const struct ir_ruleset *rs, enum ir_ptype t,
	     const uint8_t *v, size_t len, bool host)
{
	uint64_t x;
	const char *name = NULL;
	char addr[INET6_ADDRSTRLEN];

	/* device ids are host-order u32 wherever they are */
	x = host || t == IR_PT_IFINDEX ? ir_host_uint(v, len) : ir_be_uint(v, len);
	switch (t) {
	case IR_PT_IPV4:
		if (len == 4 && inet_ntop(AF_INET, v, addr, sizeof(addr)) != NULL) {
			ir_sbuf_printf(b, "%s", addr);
			return;
		}
		break;
	case IR_PT_IPV6:
		if (len == 16 && inet_ntop(AF_INET6, v, addr, sizeof(addr)) != NULL) {
			ir_sbuf_printf(b, "%s", addr);
			return;
		}
		break;
	case IR_PT_ETHER:
		for (size_t i = 0; i < len; i++)
			ir_sbuf_printf(b, "%s%02x", i ? ":" : "", v[i]);
		return;
	case IR_PT_ETHERTYPE:
		name = IR_SYM(ir_ethertypes, x);
		if (name == NULL) {
			ir_sbuf_printf(b, "0x%04llx", (unsigned long long)x);
			return;
		}
		break;
	case IR_PT_PROTO: {
		struct protoent pe, *res = NULL;
		char pbuf[1024];

		if (getprotobynumber_r((int)x, &pe, pbuf, sizeof(pbuf), &res) == 0 &&
		    res != NULL) {
			ir_sbuf_printf(b, "%s", res->p_name);
			return;
		}
		ir_sbuf_printf(b, "%llu", (unsigned long long)x);
		return;
	}
	case IR_PT_SERVICE:
	case IR_PT_INTEGER:
		ir_sbuf_printf(b, "%llu", (unsigned long long)x);
		return;
	case IR_PT_MARK:
		ir_sbuf_printf(b, "0x%08llx", (unsigned long long)x);
		return;
	case IR_PT_PKTTYPE:
		name = IR_SYM(ir_pkttypes, x);
		break;
	case IR_PT_ARPHRD:
		name = IR_SYM(ir_arphrds, x);
		break;
	case IR_PT_ICMP:
		name = IR_SYM(ir_icmp_types, x);
		break;
	case IR_PT_ICMP6:
		name = IR_SYM(ir_icmp6_types, x);
		break;
	case IR_PT_DSCP:
		name = IR_SYM(ir_dscps, x);
		if (name == NULL) {
			ir_sbuf_printf(b, "0x%02llx", (unsigned long long)x);
			return;
		}
		break;
	case IR_PT_TCPFLAG: {
		bool first = true;

		if (x == 0) {
			ir_sbuf_printf(b, "0x0");
			return;
		}
		for (size_t i = 0; i < IR_ARRAY_SIZE(ir_tcpflags); i++) {
			if (x & ir_tcpflags[i].v) {
				ir_sbuf_printf(b, "%s%s", first ? "" : ",",
					       ir_tcpflags[i].name);
				first = false;
			}
		}
		return;
	}
	case IR_PT_IFINDEX:
		if (len == 4 && rs != NULL && x < rs->ndevices) {
			ir_sbuf_printf(b, "\"%s\"", rs->devices[x]);
			return;
		}
		break;
	case IR_PT_IFNAME:
	case IR_PT_STRING: {
		size_t n = strnlen((const char *)v, len);

		/* not NUL-terminated within len: a prefix match (`eth*`) */
		ir_sbuf_printf(b, "\"%.*s%s\"", (int)n, (const char *)v,
			       n == len && t == IR_PT_IFNAME && len < IR_IFNAMSIZ ?
			       "*" : "");
		return;
	}
	default:
		break;
	}
	if (name != NULL) {
		ir_sbuf_printf(b, "%s", name);
		return;
	}
	if (len <= 8 && t != IR_PT_HEX)
		ir_sbuf_printf(b, "%llu", (unsigned long long)x);
	else
		ir_fmt_hex(b, v, len);
}

static const char *
ir_ptype_name(uint32_t t)
{
	static const struct ir_sym names[] = {
		{ 1, "verdict" }, { 2, "nf_proto" }, { 3, "bitmask" },
		{ 4, "integer" }, { 5, "string" }, { 6, "ll_addr" },
		{ 7, "ipv4_addr" }, { 8, "ipv6_addr" }, { 9, "ether_addr" },
		{ 10, "ether_type" }, { 11, "arp_op" }, { 12, "inet_proto" },
		{ 13, "inet_service" }, { 14, "icmp_type" }, { 15, "tcp_flag" },
		{ 19, "mark" }, { 20, "iface_index" }, { 21, "iface_type" },
		{ 29, "icmpv6_type" }, { 31, "pkt_type" }, { 36, "dscp" },
		{ 37, "ecn" }, { 41, "ifname" },
	};
	return IR_SYM(names, t);
}

void
ir_fmt_set_type(struct ir_sbuf *b, uint32_t type, unsigned int nfields)
{
	uint32_t parts[IR_CONCAT_MAX];
	unsigned int n = 0;

	if (nfields <= 1) {
		const char *name = ir_ptype_name(type);

		if (name != NULL)
			ir_sbuf_printf(b, "%s", name);
		else
			ir_sbuf_printf(b, "type %u", type);
		return;
	}
	/* nft packs concatenations 6 bits per type, first type highest */
	for (unsigned int i = 0; i < nfields && i < IR_CONCAT_MAX; i++) {
		parts[n++] = type & 0x3f;
		type >>= 6;
	}
	for (unsigned int i = n; i-- > 0;) {
		const char *name = ir_ptype_name(parts[i]);

		ir_sbuf_printf(b, "%s", i + 1 < n ? " . " : "");
		if (name != NULL)
			ir_sbuf_printf(b, "%s", name);
		else
			ir_sbuf_printf(b, "%u", parts[i]);
	}
}
