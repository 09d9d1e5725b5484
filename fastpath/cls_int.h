/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NFTFWD_CLS_INT_H
#define NFTFWD_CLS_INT_H

/*
 * cls_int.h - the classifier's private structures, shared by its files:
 *   cls_eval.c     exact evaluation of matches (interp's semantics)
 *   cls_enc.c      matches -> unions of boxes over ACL fields
 *   cls_compile.c  chains -> programs (flattening, entries, positions)
 *   cls_acl.c      key layout and rte_acl contexts of a program
 *   cls_run.c      the burst path
 *
 * Contract: as cls.h. Nothing here is for use outside fastpath/cls*.c.
 *
 * A program (struct cls_prog) is a flat list of entries. Running a base
 * chain is: pos = 0; loop { e = first entry >= pos whose boxes hold the
 * packet (rte_acl, segments); none -> the chain's policy; run e exactly:
 * its items fail -> pos = e->fail; else its action: accept/drop/policy end
 * the chain, goto(p) -> pos = p }. Entries:
 * - RULE: a rule (or a jump/goto rule: its action is "goto the inlined
 *   block that follows"); VMAP: a rule whose verdict map is looked up at
 *   run time; SYNTH: the end of an inlined goto block or of a vmap element's
 *   block (no items); HANDOFF: interp_run_from() at this base-chain rule.
 * Invariants that make first-match over a flat list exact:
 * - an entry's boxes contain every packet for which its rule's leading
 *   matches (and those of the jump rules it is inlined under) hold;
 * - positions inside an inlined block are only ever continued at by
 *   entries of that block; a search from before a block finds the block's
 *   jump entry first (its boxes contain every box of the block).
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_acl.h>

#include "fastpath/cls.h"

/* Longest source image held in ACL fields (an IPv6 address). */
#define CLS_SRC_MAX_LEN		16
/* Field copies one source makes into the key (chunks x 2 views). */
#define CLS_SRC_MAX_COPY	12
/* Chunks (4, 2, 1 bytes) of an image of up to CLS_SRC_MAX_LEN bytes. */
#define CLS_SRC_MAX_CHUNKS	6
/* Key: byte 0 (first ACL field), then 4-byte input groups. */
#define CLS_MAX_GROUPS		15
#define CLS_KEY_MAX		(4 * (CLS_MAX_GROUPS + 1))
/* A key buffer: the key, then scratch bytes (flags not in the layout). */
#define CLS_KEY_ROW		(CLS_KEY_MAX + 8)
#define CLS_NO_LABEL		UINT32_MAX

/* ---- exact evaluation (cls_eval.c) ---------------------------------------- */

/* What a match can read: the port (iif, iifname), the packet, the mark. */
struct cls_pkt {
	const struct fp_port *port;
	const struct rte_mbuf *m;	/* NULL: no packet (constants only) */
	const struct pkt_view *v;	/* NULL: no packet */
	uint32_t mark;
};

/* interp_load(): the operand's register image in reg[IR_DATA_MAX]. */
bool cls_load(const struct cls_pkt *p, const struct ir_operand *op,
	      uint8_t *reg);
/* interp_match() */
bool cls_match(const struct cls_pkt *p, const struct ir_match *mt);
/* interp_set_find() */
const struct ir_set_elem *cls_set_find(const struct ir_set *s,
				       const uint8_t *key);
/* interp_lookup(): NULL when the key cannot be built or is not there. */
const struct ir_set_elem *cls_lookup(const struct cls_pkt *p,
				     const struct ir_lookup *l);
/* Meta keys whose value does not depend on the packet in the compiled path
 * (the mark is 0 there: a rule that sets it hands over to interp). */
bool cls_meta_is_const(enum ir_meta_key key);

/* ---- programs --------------------------------------------------------------- */

enum cls_act_kind {
	CLS_ACT_ACCEPT = 0,	/* the base chain accepts */
	CLS_ACT_DROP,		/* the packet is dropped */
	CLS_ACT_GOTO,		/* continue at position target */
	CLS_ACT_POLICY,		/* the base chain's policy */
};

struct cls_act {
	uint8_t kind;		/* enum cls_act_kind */
	uint32_t target;	/* GOTO: position (a label while compiling) */
};

enum cls_entry_kind {
	CLS_E_RULE = 0,
	CLS_E_VMAP,
	CLS_E_SYNTH,
	CLS_E_HANDOFF,
};

/* What running an entry does, item by item (its rule's items that the
 * boxes do not settle), without going back to the IR for statements. */
enum cls_op_kind {
	CLS_OP_MATCH = 0,	/* cls_match(match) */
	CLS_OP_COUNTER,		/* count on slot */
	CLS_OP_LIMIT,		/* fp_limit_eval(slot) */
	CLS_OP_QUOTA,		/* fp_quota_eval(slot) */
	CLS_OP_STOP,		/* the rule stops (interp: an unknown object) */
};

struct cls_op {
	uint8_t kind;		/* enum cls_op_kind */
	uint32_t slot;
	const struct ir_match *match;
};

/* Hot fields first: the first cache line is what a packet reads. */
struct cls_entry {
	uint8_t kind;			/* enum cls_entry_kind */
	uint8_t vm_check;		/* vmap element: verify the element */
	uint16_t n_run;			/* items to run, in order */
	uint32_t rule_idx;		/* in chain */
	struct cls_act act;		/* RULE, SYNTH */
	uint32_t fail;			/* position when an item stops the rule */
	uint32_t elem_next;		/* vm_check failed: position */
	const struct cls_op *ops;	/* [n_run] */
	const struct ir_chain *chain_ir;	/* chain->ir */
	const struct ir_lookup *vm_lookup;	/* VMAP, vm_check */
	uint32_t vm_elem;		/* vm_check: element index */
	uint16_t n_prefix;		/* leading matches of the rule */
	uint32_t box_off;		/* its boxes in the program's box list */
	uint32_t n_box;
	const uint16_t *run;		/* [n_run] item indices */
	const struct fp_chain *chain;
	const struct fp_rule *fr;
	const struct cls_act *vm_act;	/* VMAP: per element */
};

/* One load into the key. */
struct cls_copy {
	uint8_t from;		/* image byte */
	uint8_t to;		/* key byte */
	uint8_t size;		/* 1, 2 or 4 */
};

enum cls_src_kind {
	CLS_SRC_PAYLOAD = 0,
	CLS_SRC_LEN,
	CLS_SRC_PROTOCOL,
	CLS_SRC_PKTTYPE,
	CLS_SRC_L4PROTO,
};

/* How the key builder loads a source (cls_run.c). */
enum cls_fast {
	CLS_FAST_NONE = 0,	/* pkt_view_load_payload() / meta, image */
	CLS_FAST_NH,		/* payload piece, straight from the frame */
	CLS_FAST_TH,
	CLS_FAST_LL,
	CLS_FAST_PROTOCOL,	/* meta protocol, 2 bytes, one copy */
	CLS_FAST_L4PROTO,	/* meta l4proto, 1 byte, one copy */
	CLS_FAST__COUNT,
};

struct cls_src {
	uint8_t kind;		/* enum cls_src_kind */
	uint8_t fast;		/* enum cls_fast */
	uint8_t base;		/* PAYLOAD: enum pkt_view_base */
	uint16_t offset;	/* PAYLOAD */
	uint8_t len;		/* image bytes */
	uint8_t swap;		/* image = interp_swap(load) */
	uint8_t n_copy;
	struct cls_copy copy[CLS_SRC_MAX_COPY];
};

/*
 * Segments: the program is cut at the positions it can continue at
 * (position 0, and where a rule that does not end the chain or whose check
 * fails goes on). Each segment is searched on its own: "first entry at or
 * after p" is the first candidate of p's segment (when p starts it), else
 * of the following ones. A segment has one rte_acl context per partition of
 * its boxes (by the input groups they constrain), a single category each:
 * several categories in one trie (one per continuation point) make rte_acl
 * keep apart every overlap of rules that win in different categories, and
 * its build explodes (memory, time) on ordinary rulesets (a blocklist
 * before a rate-limited rule). Small segments are not given to rte_acl:
 * their entries are checked one by one (cls_run.c), which costs less than
 * a classify call.
 */
#define CLS_MAX_PARTS	4	/* partitions of one segment, typically */
#define CLS_MAX_SEGS	8	/* segments with rte_acl contexts */
#define CLS_LINEAR_MAX	2	/* entries of a segment checked one by one */
#define CLS_DEF_BUILD_MEM_MB	1024	/* cls_opts.build_mem_mb default */
#define CLS_MAX_FLAG_BYTES	8	/* validity flags: 64 load classes */
#define CLS_VTAB_MAX_END	512	/* flags by table up to this end */
#define CC_MAX_VCLASS_RT	(8 * CLS_MAX_FLAG_BYTES)

/* A box as the run time tests it on a key (segments checked in turn). */
struct cls_ratom {
	uint8_t off;		/* key byte */
	uint8_t size;		/* 1, 2, 4 */
	uint8_t mask;		/* 1: (x & b) == a; 0: a <= x <= b */
	uint32_t a;
	uint32_t b;
};

struct cls_rbox {
	uint32_t off;		/* atoms [off, off + n) */
	uint32_t n;
};

/* What a validity class's loads reach: a load works when its end is at
 * most the bytes the packet has there (pkt_view_load_payload()). */
enum cls_vslot {
	CLS_VSLOT_LL = 0,	/* frame length */
	CLS_VSLOT_NH,		/* from the network header */
	CLS_VSLOT_TH_FAST,	/* from the transport header, fast shape */
	CLS_VSLOT_TH,		/* the same, not on non-first fragments */
	CLS_VSLOT_L4PROTO,	/* meta l4proto: 0 when set, else none */
	CLS_VSLOT__COUNT,
};

/* A validity class: whether loads of this shape work on a packet. */
struct cls_vcls {
	uint8_t base;		/* PKT_BASE_*, or 0xff: meta l4proto */
	uint8_t fast;		/* TH: aligned 1/2/4-byte load */
	uint8_t slot;		/* enum cls_vslot */
	uint16_t end;		/* offset + length */
	uint8_t vidx;		/* flag byte (index) */
	uint8_t vbit;
	uint8_t shift;		/* bit in the flag bytes as one number */
};

struct cls_seg {
	uint32_t start;			/* first entry */
	uint32_t end;			/* one past the last */
	bool linear;			/* no contexts: entries checked in turn */
	uint8_t acl_idx;		/* !linear: index among those that are not */
	uint32_t n_ctx;			/* 0 (and not linear): no candidate */
	struct rte_acl_ctx **ctx;	/* [n_ctx] */
};

/*
 * The result cache (cls_run.c): per lcore, rte_acl's answer for a segment
 * remembered by the key bytes it depends on. rte_acl's answer is a pure
 * function of those bytes (the fields of the layout; pad bytes are
 * wildcards in every rule), so a hit gives exactly what a classify call
 * would, and packets of a flow seen before skip the trie walk. Entries
 * hold the masked key (the first CLS_CACHE_KEY bytes of the key), the
 * segment's id (never 0: an empty entry never matches) and the answer.
 * Buckets of four entries, two cache lines; a new entry goes in front and
 * pushes the oldest out of the bucket (two ways missed 6% of the look-ups
 * of 4096 flows on bucket conflicts, four ways 1-2%).
 */
#define CLS_CACHE_KEY		24	/* key bytes a cached program may use */
#define CLS_CACHE_WAYS		4
#define CLS_CACHE_BUCKETS	4096	/* per lcore: 16k entries, 512 KiB */

struct cls_cache_ent {
	uint64_t k[CLS_CACHE_KEY / 8];
	uint32_t id;
	uint32_t res;
};

struct cls_cache_bkt {
	struct cls_cache_ent e[CLS_CACHE_WAYS];
} __rte_aligned(128);

struct cls_prog {
	const struct fp_chain *base;
	bool interp_only;		/* run interp_run_from(rule 0) */
	bool cached;			/* key fits the result cache */
	uint32_t cache_id;		/* segment acl_idx + cache_id: its id */
	uint64_t cache_mask[CLS_CACHE_KEY / 8];	/* key bytes rte_acl reads */
	uint16_t key_size;
	uint16_t n_src;
	uint32_t n_entries;
	uint32_t n_segs;
	uint32_t n_fields;
	uint32_t n_acl_rules;
	const struct cls_src *src;	/* sorted by fast */
	uint16_t src_kind_end[CLS_FAST__COUNT];	/* end of each fast kind */
	uint8_t n_flag;			/* validity flag bytes */
	uint8_t n_vcls;
	struct cls_vcls vcls[CC_MAX_VCLASS_RT];
	uint8_t flag_off[CLS_MAX_FLAG_BYTES];	/* their key bytes */
	/* The flags as table look-ups, one per slot its classes use:
	 * vtab[s].t[min(avail, max)] is the bits of the slot's classes whose
	 * end is at most avail (avail < 0: none). n_vtab 0: the loop over
	 * vcls instead (a class ends too far out for a table). */
	uint8_t n_vtab;
	struct {
		uint8_t slot;		/* enum cls_vslot */
		uint16_t max;		/* largest end of its classes */
		const uint64_t *t;	/* [max + 1] */
	} vtab[CLS_VSLOT__COUNT];
	const struct cls_entry *entries;	/* [n_entries] */
	const uint8_t *seg_of;		/* [n_entries + 1]: segment of a pos */
	const struct cls_rbox *rbox;	/* entries' boxes */
	const struct cls_ratom *ratom;
	struct cls_seg *segs;		/* [n_segs] */
	/* Resume (cls_run_from()): [base->ir->nrules + 1], the position at
	 * which the walk goes on when base rules before r all fell through
	 * (the first entry of base rule r or of a later one; nrules: the
	 * policy, n_entries). NULL when interp_only. */
	const uint32_t *resume_pos;
};

struct cls_port {
	uint32_t n_hooks;
	struct cls_prog *const *hook;	/* [n_hooks] */
};

struct cls {
	const struct fp_ruleset *rs;
	uint32_t n_ports;
	struct cls_port *ports;
	uint32_t n_progs;
	struct cls_prog **progs;
	struct cls_stats stats;
	/* result cache: [n_cache_lcores][CLS_CACHE_BUCKETS], NULL: none */
	struct cls_cache_bkt *cache;
	uint32_t n_cache_lcores;
	void *mem;			/* private: allocations */
};

/* Allocation chained on c->mem, zeroed; freed by cls_free(). */
void *cls_zalloc(struct cls *c, size_t n, size_t size);

/* ---- compiling (cls_enc.c, cls_compile.c, cls_acl.c) ------------------------ */

enum cls_view {
	CLS_VIEW_RANGE = 0,	/* RTE_ACL_FIELD_TYPE_RANGE */
	CLS_VIEW_MASK,		/* RTE_ACL_FIELD_TYPE_BITMASK */
};

/* Atom: one field's constraint. RANGE: a <= x <= b; MASK: (x & b) == a. */
struct cc_atom {
	uint16_t fld;
	uint32_t a;
	uint32_t b;
};

struct cc_box {
	uint32_t off;		/* atoms [off, off + n) of the pool, sorted */
	uint32_t n;
};

/* A union of boxes: boxes [off, off + n) of the pool. n == 0: nothing. */
struct cc_dnf {
	uint32_t off;
	uint32_t n;
};

#define CC_MAX_SRC	48
#define CC_MAX_FLD	192
#define CC_MAX_VCLASS	64
#define CC_BOX_MAX_ATOMS	CC_MAX_FLD

/* A source: what one operand loads, before its mask. */
struct cc_src {
	uint8_t kind;		/* enum cls_src_kind */
	uint8_t base;
	uint16_t offset;
	uint8_t len;
	uint8_t swap;
	int16_t fld[CLS_SRC_MAX_CHUNKS][2];	/* by chunk, view: fld or -1 */
};

enum cc_fld_kind {
	CC_FLD_FLAG = 0,	/* validity flags byte */
	CC_FLD_DATA,
};

struct cc_fld {
	uint8_t kind;		/* enum cc_fld_kind */
	uint8_t view;		/* enum cls_view */
	uint8_t size;		/* 1, 2, 4 */
	uint8_t chunk_off;	/* DATA: image byte */
	uint16_t src;		/* DATA */
	uint8_t flag_byte;	/* FLAG: index */
	bool dropped;		/* not in the ACL (too many fields) */
	uint32_t uses;		/* atoms on it */
	/* layout */
	uint8_t key_off;
	uint8_t input_index;
	uint8_t acl_index;	/* field_index in the rte_acl rule */
};

struct cc_vclass {
	uint8_t base;		/* payload base, or 0xff: l4proto */
	uint16_t end;		/* offset + len */
	bool fast;		/* TH: aligned 1/2/4-byte load */
	uint16_t fld;		/* its flag byte field */
	uint8_t bit;
};

/* A program entry while compiling. Positions are labels until finished. */
struct cc_ent {
	struct cls_entry e;
	struct cc_dnf dnf;
	uint16_t n_prefix;	/* leading match items */
	bool check_all;		/* every leading match checked at run time */
	uint64_t inexact;	/* leading matches checked at run time (bit i) */
	struct cls_act *vm_act;	/* VMAP: [nelems] (labels) */
};

struct cc {
	struct cls *cls;
	const struct fp_ruleset *rs;
	const struct cls_opts *opts;
	uint16_t port;			/* constants: this port's iif */
	struct cls_pkt kpkt;		/* constant operands */
	/* pools */
	struct cc_atom *atoms;
	uint32_t n_atoms, cap_atoms;
	struct cc_box *boxes;
	uint32_t n_boxes, cap_boxes;
	/* fields */
	struct cc_src src[CC_MAX_SRC];
	unsigned int n_src;
	struct cc_fld fld[CC_MAX_FLD];
	unsigned int n_fld;
	struct cc_vclass vclass[CC_MAX_VCLASS];
	unsigned int n_vclass;
	unsigned int n_flag_bytes;
	/* program */
	struct cc_ent *ents;
	uint32_t n_ents, cap_ents;
	uint32_t *labels;		/* label -> position */
	uint32_t n_labels, cap_labels;
	uint64_t acl_rules;		/* boxes of the entries so far */
	uint32_t max_set_boxes;
	uint32_t max_acl_rules;
	int err;			/* first allocation error */
};

/* Box builder: atoms of one box under construction (a stack). */
struct cc_bb {
	struct cc_atom a[CC_BOX_MAX_ATOMS];
	unsigned int n;
	bool overflow;
};

/* cls_enc.c */
void cc_init(struct cc *c);
void cc_fini(struct cc *c);
/* Encode a match: *out gets a union of boxes containing every packet the
 * match holds for (none: it never does); *exact whether it holds for every
 * packet in them too. Returns 0 or -ENOMEM. */
int cc_match(struct cc *c, const struct ir_match *mt, struct cc_dnf *out,
	     bool *exact);
/* Per element of a vmap's set: boxes of the packets for which the lookup
 * finds that element (dnfs[nelems]). Returns 1 when every element is exact,
 * 0 when not possible exactly (nothing written to dnfs), -ENOMEM. */
int cc_lookup_elems(struct cc *c, const struct ir_lookup *l,
		    struct cc_dnf *dnfs);
/* The union of boxes of a x b (appended). */
int cc_and(struct cc *c, struct cc_dnf a, struct cc_dnf b, struct cc_dnf *out);
/* One box with no atom: everything. */
int cc_true(struct cc *c, struct cc_dnf *out);
uint64_t cc_and_size(struct cc_dnf a, struct cc_dnf b);
/* Move union d (boxes at or above b0, atoms at or above a0) down to box
 * b0 / atom a0, dropping everything else above them. */
struct cc_dnf cc_keep(struct cc *c, uint32_t b0, uint32_t a0, struct cc_dnf d);

/* cls_acl.c: layout, run lists and rte_acl contexts of the finished
 * program in c; fills p. 0 or -errno (then p runs the interpreter). */
int cc_acl_build(struct cc *c, struct cls_prog *p);
int cls_acl_alg(const struct cls_opts *o);

#endif /* NFTFWD_CLS_INT_H */
