/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nftr_int.h - internals of the nft reader, shared by its files only.
 *
 * Pipeline: nftr_nl (netlink socket) -> nftr_dump (libnftnl objects of one
 * consistent generation) -> nftr_build (IR tables, chains, sets, objects)
 * -> nftr_rule (register machine) + one nftr_expr_*.c per expression kind.
 */
#ifndef NFTFWD_NFTR_INT_H
#define NFTFWD_NFTR_INT_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>

#include "control/ir/ir.h"
#include "control/ir/ir_build.h"
#include "nftr.h"

struct mnl_socket;
struct nlmsghdr;
struct nftnl_expr;
struct nftnl_rule;
struct nftnl_set;

/* ---- small helpers (nftr_util.c) ---------------------------------------- */

struct nftr_vec {
	void **v;
	size_t n;
	size_t cap;
};

int nftr_vec_push(struct nftr_vec *vec, void *p);
void nftr_vec_fini(struct nftr_vec *vec);

/* Set diag->msg (replacing any) from a format; returns err. */
int nftr_diag_set(struct nftr_diag *d, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Append a line to diag->msg. */
void nftr_diag_append(struct nftr_diag *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- netlink (nftr_nl.c) ------------------------------------------------ */

/* At least 64 KiB + a page: set element dumps fill big messages. */
#define NFTR_NL_BUFSZ	(64u * 1024u + 4096u)

struct nftr_nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
	char *buf;		/* NFTR_NL_BUFSZ */
};

/* Open a NETLINK_NETFILTER socket in the current netns; groups: bitmask
 * for mnl_socket_bind (0 = none). */
int nftr_nl_open(struct nftr_nl *nl, unsigned int groups);
void nftr_nl_close(struct nftr_nl *nl);

typedef int (*nftr_nl_cb)(const struct nlmsghdr *nlh, void *arg);

/*
 * Send one request (built in nl->buf by the caller with nftnl_nlmsg_build_hdr)
 * and run cb on every reply. Returns 0, -EINTR when the kernel flagged the
 * dump as interrupted (NLM_F_DUMP_INTR), or -errno.
 */
int nftr_nl_request(struct nftr_nl *nl, struct nlmsghdr *req, bool dump,
		    nftr_nl_cb cb, void *arg);

/* Current ruleset generation. */
int nftr_nl_getgen(struct nftr_nl *nl, uint32_t *gen);

/* ---- dump (nftr_dump.c) ------------------------------------------------- */

struct nftr_dump {
	uint32_t gen;
	struct nftr_vec tables;	/* struct nftnl_table *, every family */
	struct nftr_vec chains;	/* struct nftnl_chain *, netdev */
	struct nftr_vec rules;	/* struct nftnl_rule *, netdev, chain order */
	struct nftr_vec sets;	/* struct nftnl_set * with elements */
	struct nftr_vec objs;	/* struct nftnl_obj * */
};

/*
 * Dump a consistent snapshot: netdev objects of `table` (NULL: all netdev
 * tables), plus the list of every table of every family. Retries when the
 * generation moves or the dump is interrupted; -EAGAIN after too many tries.
 */
int nftr_dump_snapshot(struct nftr_nl *nl, const char *table,
		       struct nftr_dump *d);
void nftr_dump_fini(struct nftr_dump *d);

/* ---- IR builder (nftr_build.c) ------------------------------------------ */

/* Resolves an ifindex of the dumped namespace to its name. */
typedef int (*nftr_ifname_fn)(void *arg, uint32_t ifindex,
			      char name[IF_NAMESIZE]);

struct nftr_build_opts {
	const char *table;		/* NULL: every netdev table */
	bool strict_family;		/* non-netdev table -> -EAFNOSUPPORT */
	nftr_ifname_fn ifname;
	void *ifname_arg;
	/* chains that had `flags offload` before the load took it out
	 * (nftr_file.c); NULL: none */
	bool (*offload_chain)(void *arg, const char *table, const char *chain);
	void *offload_arg;
};

/* Where a build failed (for the caller to fetch the rule text). */
struct nftr_build_err {
	bool in_rule;
	char table[256];
	char chain[256];
	uint64_t handle;
};

int nftr_build(const struct nftr_dump *d, const struct nftr_build_opts *o,
	       struct ir_ruleset **out, struct nftr_diag *diag,
	       struct nftr_build_err *where);

/* Builder state shared with the rule decoder. */
struct nftr_set_b {
	struct ir_set *set;
	const struct nftnl_set *nl;
	bool field_known[IR_CONCAT_MAX];	/* field use seen in a lookup */
};

struct nftr_table_b {
	struct ir_table *t;
	struct ir_chain *chains;
	struct nftr_set_b *sets;
	struct ir_object *objs;
};

struct nftr_builder {
	struct ir_ruleset *rs;
	const struct nftr_build_opts *o;
	struct nftr_vec devices;	/* const char * in the arena */
	struct nftr_diag *diag;
};

int nftr_builder_device(struct nftr_builder *b, const char *name,
			uint32_t *id);
int nftr_builder_ifindex(struct nftr_builder *b, uint32_t ifindex,
			 uint32_t *id, const char **name);

/* ---- rule decoder (nftr_rule.c) ----------------------------------------- */

#define NFTR_NREGS	16	/* 32-bit data registers */

enum nftr_rv_kind {
	NFTR_RV_NONE = 0,
	NFTR_RV_FIELD,		/* packet field, maybe masked/xored/swapped */
	NFTR_RV_IMM,		/* constant */
	NFTR_RV_MAP,		/* map lookup result */
};

/* What one register (a value starting at a 32-bit slot) holds. */
struct nftr_regval {
	enum nftr_rv_kind kind;
	uint8_t len;
	/* FIELD: reg = (swap?(field) & mask) ^ xor */
	struct ir_field field;
	enum ir_byteorder order;
	bool masked;
	bool xored;
	uint8_t mask[IR_DATA_MAX];
	uint8_t xor[IR_DATA_MAX];
	/* IMM */
	uint8_t data[IR_DATA_MAX];
	/* MAP */
	struct ir_lookup map;
};

struct nftr_rule_ctx {
	struct nftr_builder *b;
	struct nftr_table_b *tb;
	const struct ir_chain *chain;
	uint64_t handle;
	const char *expr;		/* name of the expression being decoded */
	char why[512];			/* reason of the failure */
	struct nftr_regval reg[NFTR_NREGS];
	bool start[NFTR_NREGS];		/* a value starts at this slot */
	struct ir_item *items;		/* malloc'ed while decoding */
	uint32_t nitems;
	uint32_t cap;
	struct ir_verdict verdict;
	bool has_verdict;
};

/* Decode one rule into r (items in the arena). -EOPNOTSUPP / -EINVAL with
 * ctx->why and ctx->expr set. */
int nftr_rule_decode(struct nftr_rule_ctx *ctx, const struct nftnl_rule *nlr,
		     struct ir_rule *r);

/* Failure helper for decoders: fills ctx->why, returns -EOPNOTSUPP. */
int nftr_fail(struct nftr_rule_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Register access. reg is the netlink register number. */
int nftr_reg_read(struct nftr_rule_ctx *ctx, uint32_t reg, uint32_t len,
		  const struct nftr_regval **rv);
int nftr_reg_write(struct nftr_rule_ctx *ctx, uint32_t reg,
		   const struct nftr_regval *rv);
/* Gather the operands of a set key of klen bytes starting at reg. */
int nftr_reg_key(struct nftr_rule_ctx *ctx, uint32_t reg, uint32_t klen,
		 struct ir_operand *ops, uint8_t *nops);
/* The value a statement writes, from reg (len bytes). */
int nftr_reg_value(struct nftr_rule_ctx *ctx, uint32_t reg, uint32_t len,
		   struct ir_value *out);

/* Operand of a FIELD register value (mask copied into the arena). */
int nftr_rv_operand(struct nftr_rule_ctx *ctx, const struct nftr_regval *rv,
		    struct ir_operand *op);

/* Append an item; returns it (zeroed) or NULL (ENOMEM). */
struct ir_item *nftr_item_add(struct nftr_rule_ctx *ctx,
			      enum ir_item_kind kind);

/* Set the rule's verdict (fails if one is set already). */
int nftr_set_verdict(struct nftr_rule_ctx *ctx, const struct ir_verdict *v);

/* Find a set of the table by name (NULL if absent). */
struct nftr_set_b *nftr_rule_set(struct nftr_rule_ctx *ctx, const char *name);

/* Resolve a verdict code + chain name from the kernel. */
int nftr_verdict_val(struct nftr_rule_ctx *ctx, int32_t code,
		     const char *chain, struct ir_verdict_val *v);
int nftr_table_verdict_val(struct nftr_table_b *tb, int32_t code,
			   const char *chain, struct ir_verdict_val *v);

/* ---- expression kinds (nftr_expr.c + nftr_expr_*.c) --------------------- */

enum nftr_expr_kind {
	NFTR_EXPR_PAYLOAD = 0,
	NFTR_EXPR_META,
	NFTR_EXPR_CMP,
	NFTR_EXPR_RANGE,
	NFTR_EXPR_BITWISE,
	NFTR_EXPR_BYTEORDER,
	NFTR_EXPR_LOOKUP,
	NFTR_EXPR_IMMEDIATE,
	NFTR_EXPR_COUNTER,
	NFTR_EXPR_OBJREF,
	NFTR_EXPR_LIMIT,
	NFTR_EXPR_QUOTA,
	NFTR_EXPR_FWD,
	NFTR_EXPR_DUP,
	NFTR_EXPR_REJECT,
	NFTR_EXPR_LOG,
	NFTR_EXPR__COUNT,
};

struct nftr_expr_ops {
	const char *name;	/* libnftnl / kernel expression name */
	int (*decode)(struct nftr_rule_ctx *ctx, const struct nftnl_expr *e);
};

extern const struct nftr_expr_ops nftr_expr_payload_ops;
extern const struct nftr_expr_ops nftr_expr_meta_ops;
extern const struct nftr_expr_ops nftr_expr_cmp_ops;
extern const struct nftr_expr_ops nftr_expr_range_ops;
extern const struct nftr_expr_ops nftr_expr_bitwise_ops;
extern const struct nftr_expr_ops nftr_expr_byteorder_ops;
extern const struct nftr_expr_ops nftr_expr_lookup_ops;
extern const struct nftr_expr_ops nftr_expr_immediate_ops;
extern const struct nftr_expr_ops nftr_expr_counter_ops;
extern const struct nftr_expr_ops nftr_expr_objref_ops;
extern const struct nftr_expr_ops nftr_expr_limit_ops;
extern const struct nftr_expr_ops nftr_expr_quota_ops;
extern const struct nftr_expr_ops nftr_expr_fwd_ops;
extern const struct nftr_expr_ops nftr_expr_dup_ops;
extern const struct nftr_expr_ops nftr_expr_reject_ops;
extern const struct nftr_expr_ops nftr_expr_log_ops;

/* The decoder of an expression name, NULL when the IR has no such kind. */
const struct nftr_expr_ops *nftr_expr_find(const char *name);

/* ---- namespaces and processes (nftr_netns.c, nftr_exec.c) --------------- */

/* A private network namespace, held by an fd; the thread never stays in it. */
int nftr_netns_new(int *nsfd);
/* Enter nsfd in the calling thread; *saved gets the fd to come back to. */
int nftr_netns_enter(int nsfd, int *saved);
/* Come back (closes saved). */
int nftr_netns_leave(int saved);
/* In the current netns: create interface `name` (ifb, else veth). */
int nftr_link_add(const char *name, unsigned int idx);
/* In the current netns: ifindex of name. */
int nftr_link_index(const char *name, uint32_t *ifindex);

/*
 * Run argv (argv[0] looked up in PATH) in netns nsfd (-1: current),
 * capturing stdout and stderr (each NUL-terminated, malloc'ed, may be
 * NULL). *status: exit status (or 128 + signal). Returns 0 if it ran.
 */
int nftr_exec(int nsfd, char *const argv[], char **out, char **err,
	      int *status);

/* The nft binary: $NFTR_NFT or "nft". */
const char *nftr_nft_bin(void);

/* `nft -a list chain netdev T C` in nsfd, the line of rule `handle`
 * without its handle comment; NULL if not found. malloc'ed. */
char *nftr_rule_text(int nsfd, const char *table, const char *chain,
		     uint64_t handle);

/* ---- live dumps (nftr_live.c) ------------------------------------------ */

int nftr_host_ifname(void *arg, uint32_t ifindex, char name[IF_NAMESIZE]);
/* nftr_dump() on an open socket. */
int nftr_dump_with(struct nftr_nl *nl, const char *table,
		   struct ir_ruleset **out, struct nftr_diag *diag);

/* Format a build failure with the rule text fetched from nsfd. */
void nftr_explain_rule(int nsfd, const struct nftr_build_err *where,
		       struct nftr_diag *diag);

#endif /* NFTFWD_NFTR_INT_H */
