/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ir_print_int.h - internals of the printer: a string builder, nft's header
 * fields and datatypes (ir_print_types.c), shared by ir_print.c.
 */
#ifndef NFTFWD_IR_PRINT_INT_H
#define NFTFWD_IR_PRINT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ir.h"

struct ir_sbuf {
	char *p;
	size_t n;
	size_t cap;
	bool oom;
};

void ir_sbuf_printf(struct ir_sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void ir_sbuf_free(struct ir_sbuf *b);

/* nft datatypes (nft's enum datatypes numbering, as in set key types). */
enum ir_ptype {
	IR_PT_INTEGER = 4,
	IR_PT_STRING = 5,
	IR_PT_IPV4 = 7,
	IR_PT_IPV6 = 8,
	IR_PT_ETHER = 9,
	IR_PT_ETHERTYPE = 10,
	IR_PT_PROTO = 12,
	IR_PT_SERVICE = 13,
	IR_PT_ICMP = 14,
	IR_PT_TCPFLAG = 15,
	IR_PT_MARK = 19,
	IR_PT_IFINDEX = 20,
	IR_PT_ARPHRD = 21,
	IR_PT_ICMP6 = 29,
	IR_PT_PKTTYPE = 31,
	IR_PT_DSCP = 36,
	IR_PT_IFNAME = 41,
	IR_PT_HEX = 1000,	/* printer-only: raw hex */
};

/* Protocol contexts that make a payload offset a named field. */
enum ir_pctx {
	IR_CTX_NONE = 0,
	IR_CTX_ETHER,	/* ll, meta iiftype ether */
	IR_CTX_VLAN,	/* ll, ether type vlan */
	IR_CTX_IP,	/* nh */
	IR_CTX_IP6,
	IR_CTX_TH,	/* th, unknown protocol: th sport/dport */
	IR_CTX_TCP,
	IR_CTX_UDP,
	IR_CTX_ICMP,
	IR_CTX_ICMP6,
};

struct ir_pfield {
	const char *name;		/* "ip saddr" */
	enum ir_pctx ctx;
	enum ir_payload_base base;
	uint16_t offset;		/* of the load */
	uint8_t len;			/* of the load */
	uint32_t mask;			/* bits within the load (BE); 0 = all */
	uint8_t shift;			/* value = (load & mask) >> shift */
	enum ir_ptype type;
	uint8_t bits;			/* field width, for prefixes */
};

/* The field that a load (+ mask) at base/offset/len is, in context ctx. */
const struct ir_pfield *ir_pfield_find(enum ir_pctx ctx,
				       enum ir_payload_base base,
				       uint16_t offset, uint8_t len,
				       uint32_t mask);
/* A field of ctx starting at offset and at least len bytes long (for
 * narrowed prefix loads). */
const struct ir_pfield *ir_pfield_prefix(enum ir_pctx ctx,
					 enum ir_payload_base base,
					 uint16_t offset, uint8_t len);

/* Type of a meta key's values. */
enum ir_ptype ir_meta_ptype(enum ir_meta_key key);

/* Print a value of type t (len bytes as stored, big-endian unless
 * host is set). */
void ir_fmt_value(struct ir_sbuf *b, const struct ir_ruleset *rs,
		  enum ir_ptype t, const uint8_t *v, size_t len, bool host);

/* nft's name of a set key type (concatenations: 6 bits per type). */
void ir_fmt_set_type(struct ir_sbuf *b, uint32_t type, unsigned int nfields);

/* Numbers of a few kinds of values. */
uint64_t ir_be_uint(const uint8_t *v, size_t len);
uint64_t ir_host_uint(const uint8_t *v, size_t len);

const char *ir_icmp_code_name(unsigned int code);
const char *ir_icmp6_code_name(unsigned int code);
const char *ir_icmpx_code_name(unsigned int code);
const char *ir_log_level_name(unsigned int level);

#endif /* NFTFWD_IR_PRINT_INT_H */
