/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ir.h - the ruleset IR: what the kernel's nftables netdev-ingress bytecode
 * means, decoded, with no netlink left in it.
 *
 * Contract
 * - Producers: control/nft (file load, host mirror). Consumers: the software
 *   classifier and the rte_flow planner. Neither consumer needs netlink.
 * - Ownership: one struct ir_ruleset owns every byte reachable from it (one
 *   arena). Free it with ir_ruleset_free(); nothing inside is freed alone.
 *   Every pointer inside is valid until then.
 * - Immutability: a ruleset is never modified after its producer returns it,
 *   so it may be read from any number of threads without locks.
 * - Errors: functions return 0 or -errno; they never exit the process.
 * - Byte order: every value, mask and set key is stored as the bytes the
 *   kernel's register holds when the comparison runs (see struct
 *   ir_operand): payload fields in network order; meta fields in the order
 *   ir_meta_key_info() gives (host order for mark, len, iif, iiftype;
 *   network order for protocol), flipped where a byteorder expression ran
 *   (ir_operand.order says which order the bytes are in now).
 * - Devices: an interface is always named, never an ifindex (the namespace's
 *   ifindex means nothing to the forwarder). Base chains name their devices;
 *   fwd/dup name theirs; `meta iif` values and iif fields in set keys hold a
 *   device id (uint32_t, host order) indexing ir_ruleset.devices[] (see
 *   IR_META_IIF). A compiler maps ir_ruleset.devices[] to ports once.
 */
#ifndef NFTFWD_IR_H
#define NFTFWD_IR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The kernel's register file is 16 x 32 bits: no value is longer. */
#define IR_DATA_MAX	64
/* Fields in one concatenation (one per 32-bit register at most). */
#define IR_CONCAT_MAX	16
/* Interface names, as the kernel stores them (NUL-padded). */
#define IR_IFNAMSIZ	16

enum ir_byteorder {
	IR_BO_NET = 0,		/* big-endian */
	IR_BO_HOST,		/* this CPU's order */
};

/* ---- fields: what a match reads from the packet ------------------------ */

enum ir_field_kind {
	IR_FIELD_PAYLOAD = 0,
	IR_FIELD_META,
};

/* Payload bases, as nft_payload defines them. Offsets count from the start
 * of that header: link = the Ethernet header as received (with one VLAN tag
 * seen in place, see DESIGN.md), network = L3 header, transport = L4 header
 * (after IPv6 extension headers; absent for non-first fragments). */
enum ir_payload_base {
	IR_BASE_LL = 0,
	IR_BASE_NETWORK,
	IR_BASE_TRANSPORT,
	IR_BASE__COUNT,
};

/* Meta keys the forwarder can evaluate. Lengths and byte orders are in
 * ir_meta_key_info(). */
enum ir_meta_key {
	IR_META_LEN = 0,	/* u32 host: bytes from the network header on */
	IR_META_PROTOCOL,	/* be16: ethertype after VLAN removal */
	IR_META_NFPROTO,	/* u8: NFPROTO_IPV4/IPV6 */
	IR_META_L4PROTO,	/* u8: transport protocol (past IPv6 ext hdrs) */
	IR_META_MARK,		/* u32 host */
	IR_META_IIF,		/* u32 host: device id, index of ir_ruleset.devices */
	IR_META_IIFNAME,	/* char[16], NUL-padded */
	IR_META_IIFTYPE,	/* u16 host: ARPHRD_* */
	IR_META_PKTTYPE,	/* u8: PACKET_HOST/BROADCAST/MULTICAST/OTHERHOST */
	IR_META__COUNT,
};

struct ir_meta_key_info {
	const char *name;		/* nft's name: "mark", "iifname", ... */
	uint8_t len;			/* bytes the kernel loads */
	enum ir_byteorder order;	/* order of the loaded bytes */
	bool string;			/* NUL-padded text (iifname) */
};

const struct ir_meta_key_info *ir_meta_key_info(enum ir_meta_key key);

struct ir_field {
	enum ir_field_kind kind;
	enum ir_payload_base base;	/* IR_FIELD_PAYLOAD */
	uint16_t offset;		/* IR_FIELD_PAYLOAD: bytes from base */
	enum ir_meta_key meta;		/* IR_FIELD_META */
	uint8_t len;			/* bytes loaded (1..IR_DATA_MAX) */
};

/*
 * An operand is a field as the register holds it when compared:
 *	reg = field bytes, byte-swapped if order differs from the field's
 *	natural order (payload: NET; meta: ir_meta_key_info().order),
 *	then reg &= mask when mask != NULL.
 * mask has field.len bytes in the register's byte order (order).
 */
struct ir_operand {
	struct ir_field field;
	enum ir_byteorder order;
	const uint8_t *mask;		/* NULL: not masked */
};

/* ---- sets ---------------------------------------------------------------- */

enum ir_set_flags {
	IR_SET_F_ANONYMOUS	= 1u << 0,	/* rule-private `{ ... }` */
	IR_SET_F_CONSTANT	= 1u << 1,
	IR_SET_F_INTERVAL	= 1u << 2,	/* elements are ranges */
	IR_SET_F_MAP		= 1u << 3,	/* elements carry data */
	IR_SET_F_TIMEOUT	= 1u << 4,
	IR_SET_F_EVAL		= 1u << 5,	/* dynamic (updated from packets) */
	IR_SET_F_CONCAT		= 1u << 6,	/* nfields > 1 */
	IR_SET_F_OBJECT		= 1u << 7,	/* objref map (not supported in rules) */
	IR_SET_F_VMAP		= 1u << 8,	/* map to verdicts */
};

enum ir_verdict_kind {
	IR_VERDICT_NONE = 0,	/* no verdict: the rule falls through */
	IR_VERDICT_ACCEPT,
	IR_VERDICT_DROP,
	IR_VERDICT_CONTINUE,	/* explicit `continue` */
	IR_VERDICT_RETURN,
	IR_VERDICT_JUMP,
	IR_VERDICT_GOTO,
	IR_VERDICT_VMAP,	/* from a verdict map (rule verdict only) */
	IR_VERDICT__COUNT,
};

struct ir_chain;

/* A verdict that may be stored: in a rule (not VMAP) or in a vmap element. */
struct ir_verdict_val {
	enum ir_verdict_kind kind;	/* never VMAP or NONE in an element */
	const char *chain;		/* JUMP/GOTO: target chain name */
	const struct ir_chain *target;	/* JUMP/GOTO: same table, resolved */
};

/*
 * One set element. Every element is a closed range [key, key_end] (bytes
 * compared with memcmp, i.e. as big-endian numbers, which is how the
 * kernel compares interval keys; nft byte-swaps host-order fields before
 * an interval lookup, and the lookup's operand then has order IR_BO_NET):
 * - sets without IR_SET_F_INTERVAL: key_end == key (same pointer);
 * - single-field interval sets: the kernel's start + exclusive-end element
 *   pairs are normalised to inclusive [lo, hi]; an open last range ends at
 *   all-ones; standalone end markers are dropped;
 * - concatenated interval sets: per-field box, field i matches when
 *   key_i <= x_i <= key_end_i (the kernel's KEY/KEY_END, inclusive).
 * Keys use the kernel layout: each field padded with zeros to 4 bytes (a
 * single field is not padded: key_len == its length). Elements are sorted by
 * key (memcmp), so two dumps of the same set give identical IR.
 */
struct ir_set_elem {
	const uint8_t *key;		/* set->key_len bytes */
	const uint8_t *key_end;		/* set->key_len bytes, inclusive */
	const uint8_t *data;		/* maps: set->data_len bytes */
	struct ir_verdict_val verdict;	/* verdict maps */
};

struct ir_set {
	const char *name;
	uint64_t handle;
	uint32_t id;			/* index in its table's sets[] */
	uint32_t flags;			/* enum ir_set_flags */
	uint32_t key_type;		/* nft datatype id (printing only) */
	uint8_t key_len;		/* bytes, padded fields included */
	uint8_t nfields;
	uint8_t field_len[IR_CONCAT_MAX];	/* unpadded length of each field */
	/* Field i is an iif (device id) field: keys hold device ids. */
	bool field_is_dev[IR_CONCAT_MAX];
	uint32_t data_type;		/* maps: nft datatype id */
	uint8_t data_len;		/* maps: bytes; 0 for sets and vmaps */
	const struct ir_set_elem *elems;
	uint32_t nelems;
};

/* Offset of field i in a key (each field padded to 4 bytes). */
static inline unsigned int
ir_set_field_offset(const struct ir_set *set, unsigned int i)
{
	unsigned int off = 0;

	if (set->nfields == 1)
		return 0;
	for (unsigned int f = 0; f < i; f++)
		off += (set->field_len[f] + 3u) & ~3u;
	return off;
}

/* A lookup of a key built from one or more operands. For a set, the key is
 * the concatenation of the operands (each padded to 4 bytes when
 * nfields > 1); field i of the set is operand i. */
struct ir_lookup {
	const struct ir_set *set;
	uint8_t nfields;
	const struct ir_operand *fields;	/* nfields */
};

/* ---- matches ------------------------------------------------------------- */

enum ir_match_kind {
	IR_MATCH_CMP = 0,
	IR_MATCH_RANGE,
	IR_MATCH_LOOKUP,
	IR_MATCH__COUNT,
};

enum ir_cmp_op {
	IR_CMP_EQ = 0,
	IR_CMP_NEQ,
	IR_CMP_LT,
	IR_CMP_LTE,
	IR_CMP_GT,
	IR_CMP_GTE,
	IR_CMP__COUNT,
};

/*
 * A match: fails -> the rule stops (next rule). Comparisons run on the
 * register image (struct ir_operand) with memcmp semantics, i.e. values
 * are compared as big-endian numbers of `len` bytes: for eq/neq byte
 * order does not matter; for lt/gt/range nft makes sure the operand is in
 * IR_BO_NET order (a byteorder expression ran).
 * - CMP: len <= operand length. len < length only for `iifname "eth*"`
 *   (a prefix compare of the first len bytes); payload compares are
 *   narrowed to the bytes compared.
 * - RANGE: lo <= reg <= hi (invert: not in range).
 * - LOOKUP: key in set (invert: not in set). The set is never a map here.
 */
struct ir_match {
	enum ir_match_kind kind;
	enum ir_cmp_op op;		/* CMP */
	bool invert;			/* RANGE, LOOKUP */
	uint8_t len;			/* CMP, RANGE: bytes in value/lo/hi */
	struct ir_operand arg;		/* CMP, RANGE */
	const uint8_t *value;		/* CMP: len bytes */
	const uint8_t *lo;		/* RANGE: len bytes */
	const uint8_t *hi;		/* RANGE: len bytes */
	struct ir_lookup lookup;	/* LOOKUP */
};

/* ---- statements ---------------------------------------------------------- */

enum ir_stmt_kind {
	IR_STMT_COUNTER = 0,	/* inline counter */
	IR_STMT_OBJREF,		/* counter/quota/limit name "x" */
	IR_STMT_LIMIT,
	IR_STMT_QUOTA,
	IR_STMT_META_SET,	/* meta mark set ... */
	IR_STMT_PAYLOAD_SET,
	IR_STMT_FWD,		/* terminal: the packet leaves through dev */
	IR_STMT_DUP,
	IR_STMT_REJECT,		/* terminal: drop + send a reject */
	IR_STMT_LOG,
	IR_STMT__COUNT,
};

struct ir_counter {
	uint64_t packets;
	uint64_t bytes;
};

enum ir_limit_type {
	IR_LIMIT_PKTS = 0,
	IR_LIMIT_BYTES,
};

/* `limit rate [over] RATE/UNIT burst BURST packets|bytes`. Matches while
 * under the rate; invert (`over`) matches while over it. */
struct ir_limit {
	uint64_t rate;		/* packets or bytes per unit */
	uint64_t unit;		/* seconds: 1, 60, 3600, 86400, 604800 */
	uint32_t burst;		/* packets or bytes */
	enum ir_limit_type type;
	bool invert;
};

/* `quota [over] BYTES used CONSUMED`: matches until consumed > bytes;
 * invert (`over`) matches once it is. */
struct ir_quota {
	uint64_t bytes;
	uint64_t consumed;
	bool invert;
};

enum ir_obj_type {
	IR_OBJ_COUNTER = 0,
	IR_OBJ_QUOTA,
	IR_OBJ_LIMIT,
	IR_OBJ__COUNT,
};

struct ir_object {
	const char *name;
	uint64_t handle;
	enum ir_obj_type type;
	struct ir_counter counter;	/* IR_OBJ_COUNTER */
	struct ir_quota quota;		/* IR_OBJ_QUOTA */
	struct ir_limit limit;		/* IR_OBJ_LIMIT */
};

/*
 * The value a statement writes:
 * - IMM:   data[len];
 * - FIELD: ((operand) ^ xor) over len bytes: read-modify-write such as
 *          `meta mark set meta mark | 0x4` or `ip dscp set af11`;
 * - MAP:   the data of the element whose key the lookup finds; when no
 *          element matches, the rule stops there (like a failed match).
 */
enum ir_value_kind {
	IR_VALUE_IMM = 0,
	IR_VALUE_FIELD,
	IR_VALUE_MAP,
};

struct ir_value {
	enum ir_value_kind kind;
	uint8_t len;
	const uint8_t *data;		/* IMM: len bytes */
	struct ir_operand field;	/* FIELD */
	const uint8_t *xor;		/* FIELD: len bytes, NULL = zero */
	struct ir_lookup map;		/* MAP */
};

enum ir_csum_type {
	IR_CSUM_NONE = 0,
	IR_CSUM_INET,
	IR_CSUM_SCTP,
};

enum ir_reject_type {
	IR_REJECT_ICMP_UNREACH = 0,	/* code: ICMP code (IPv4) or ICMPv6 code */
	IR_REJECT_TCP_RST,
	IR_REJECT_ICMPX_UNREACH,	/* code: NFT_REJECT_ICMPX_* */
};

enum ir_log_flags {
	IR_LOG_F_PREFIX		= 1u << 0,
	IR_LOG_F_GROUP		= 1u << 1,
	IR_LOG_F_LEVEL		= 1u << 2,
	IR_LOG_F_SNAPLEN	= 1u << 3,
	IR_LOG_F_QTHRESHOLD	= 1u << 4,
};

struct ir_stmt {
	enum ir_stmt_kind kind;
	union {
	struct ir_counter counter;	/* COUNTER: initial values */
	struct {			/* OBJREF */
		enum ir_obj_type type;
		const char *name;
		const struct ir_object *obj;	/* resolved, same table */
	} objref;
	struct ir_limit limit;		/* LIMIT */
	struct ir_quota quota;		/* QUOTA */
	struct {			/* META_SET */
		enum ir_meta_key key;	/* only IR_META_MARK today */
		struct ir_value value;
	} meta;
	struct {			/* PAYLOAD_SET */
		enum ir_payload_base base;
		uint16_t offset;
		uint8_t len;
		struct ir_value value;	/* network order, len bytes */
		enum ir_csum_type csum_type;
		uint16_t csum_offset;	/* from base */
		uint32_t csum_flags;	/* NFT_PAYLOAD_L4CSUM_PSEUDOHDR */
	} payload;
	struct {			/* FWD, DUP */
		const char *dev;
		uint32_t dev_id;	/* index of ir_ruleset.devices */
	} dev;
	struct {			/* REJECT */
		enum ir_reject_type type;
		uint8_t code;
	} reject;
	struct {			/* LOG */
		uint32_t present;	/* enum ir_log_flags */
		const char *prefix;	/* "" when absent */
		uint16_t group;
		uint32_t level;		/* syslog level, 8 = audit */
		uint32_t snaplen;
		uint16_t qthreshold;
		uint32_t flags;		/* NF_LOG_* (tcpseq, ...) */
	} log;
	};
};

/* ---- rules, chains, tables ---------------------------------------------- */

enum ir_item_kind {
	IR_ITEM_MATCH = 0,
	IR_ITEM_STMT,
};

struct ir_item {
	enum ir_item_kind kind;
	union {
		struct ir_match match;
		struct ir_stmt stmt;
	};
};

/*
 * Final verdict of a rule, applied after all items ran. VMAP: look the key
 * up in the verdict map; no element -> the rule stops (next rule);
 * otherwise the element's verdict applies.
 */
struct ir_verdict {
	struct ir_verdict_val v;
	struct ir_lookup vmap;		/* VMAP */
};

/* A rule: items run in order, then the verdict. */
struct ir_rule {
	uint64_t handle;
	const char *comment;		/* NULL when none */
	const struct ir_item *items;
	uint32_t nitems;
	struct ir_verdict verdict;
};

enum ir_policy {
	IR_POLICY_ACCEPT = 0,
	IR_POLICY_DROP,
};

enum ir_chain_flags {
	IR_CHAIN_F_BASE		= 1u << 0,
	IR_CHAIN_F_OFFLOAD	= 1u << 1,	/* `flags offload` */
};

struct ir_chain {
	const char *name;
	uint64_t handle;
	uint32_t flags;			/* enum ir_chain_flags */
	/* base chains only (hook: netdev ingress) */
	int32_t priority;
	enum ir_policy policy;
	const char *const *devices;	/* ndevices names */
	uint32_t ndevices;
	const struct ir_rule *rules;
	uint32_t nrules;
};

static inline bool
ir_chain_is_base(const struct ir_chain *c)
{
	return (c->flags & IR_CHAIN_F_BASE) != 0;
}

/* A netdev table (dormant tables are never in the IR). */
struct ir_table {
	const char *name;
	uint64_t handle;
	const struct ir_chain *chains;	/* kernel order */
	uint32_t nchains;
	const struct ir_set *sets;	/* kernel order, anonymous ones too */
	uint32_t nsets;
	const struct ir_object *objects;
	uint32_t nobjects;
};

struct ir_arena;

struct ir_ruleset {
	uint32_t generation;		/* kernel ruleset generation dumped */
	const struct ir_table *tables;
	uint32_t ntables;
	/* Every device the ruleset names (base chains, iif, fwd, dup), in
	 * first-seen order; device ids index this array. */
	const char *const *devices;
	uint32_t ndevices;
	struct ir_arena *arena;		/* private */
};

/* Free a ruleset and everything it owns. NULL is a no-op. */
void ir_ruleset_free(struct ir_ruleset *rs);

/* Lookup helpers (linear; for control-plane use). NULL when absent. */
const struct ir_table *ir_table_find(const struct ir_ruleset *rs,
				     const char *name);
const struct ir_chain *ir_chain_find(const struct ir_table *t,
				     const char *name);
const struct ir_set *ir_set_find(const struct ir_table *t, const char *name);
const struct ir_object *ir_object_find(const struct ir_table *t,
				       enum ir_obj_type type, const char *name);
/* Device id of name, or -ENOENT. */
int ir_device_id(const struct ir_ruleset *rs, const char *name);

/* Names, for printing and JSON. */
const char *ir_payload_base_name(enum ir_payload_base base); /* "ll", "nh", "th" */
const char *ir_cmp_op_name(enum ir_cmp_op op);		     /* "==", "!=", ... */
const char *ir_verdict_name(enum ir_verdict_kind kind);	     /* "accept", ... */
const char *ir_obj_type_name(enum ir_obj_type type);	     /* "counter", ... */
const char *ir_stmt_kind_name(enum ir_stmt_kind kind);

#ifdef __cplusplus
}
#endif

#endif /* NFTFWD_IR_H */
