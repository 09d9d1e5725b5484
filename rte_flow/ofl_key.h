/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NFTFWD_OFL_KEY_H
#define NFTFWD_OFL_KEY_H

/*
 * ofl_key - the offload planner's canonical match: a ternary (value, mask)
 * over a virtual header that holds every byte an IR match can read and an
 * rte_flow item can match, plus the VLAN shape; and the symbolic re-run of
 * an IR rule's matches into a union of such keys (ofl_xlate_rule()).
 *
 * Contract
 * - Threading: control thread only; pure functions over const inputs.
 * - Byte order: every key byte is a wire byte (network order), at the
 *   offsets below; the register images of the IR (ir.h) are converted here
 *   (byteorder swaps and operand masks undone), nowhere else.
 * - The virtual header (what the kernel's netdev ingress hook sees):
 *     LL    [0, 18)   the frame as received: dst, src, type/TPID at 12,
 *                     and when tagged the first tag's TCI at 14 and the
 *                     type after it at 16 ("link-layer loads see the tag
 *                     in place")
 *     PROTO [18, 20)  meta protocol: the ethertype after removing one tag
 *     NH    [20, 60)  network header bytes 0..39
 *     L4P   [60]      meta l4proto
 *     TH    [61, 81)  transport header bytes 0..19
 *   tag: ANY (no constraint), NONE (untagged: LL type == PROTO, not a TPID),
 *   ONE (at least one tag: LL type is 0x8100/0x88a8, LL 16 == PROTO; QinQ
 *   frames are ONE with PROTO = the inner TPID, as in the kernel).
 * - A key is *exact* for a rule when every bit of the rule's matches is
 *   translated: on well-formed frames the set it matches (by the NIC model
 *   in ofl_items.h) is the rule's match set on that port; translation
 *   refuses (reason in `why`) rather than widen, unless asked to widen
 *   (punt rules: the result is then a superset, never a subset, again on
 *   well-formed frames). Where the NIC and the kernel see malformed frames
 *   differently (ofl_items.h) the planner copes: OFL_KF_KT marks keys wider
 *   than their rule there, ofl_key_depth() tells which are narrower.
 * - Errors: 0 or -errno; never exits.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/ir/ir.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
	OFL_K_LL = 0,
	OFL_K_LL_LEN = 18,
	OFL_K_PROTO = 18,
	OFL_K_NH = 20,
	OFL_K_NH_LEN = 40,
	OFL_K_L4P = 60,
	OFL_K_TH = 61,
	OFL_K_TH_LEN = 20,
	OFL_K_LEN = 81,
};

enum ofl_tag {
	OFL_TAG_ANY = 0,
	OFL_TAG_NONE,
	OFL_TAG_ONE,
};

/* Optional range (rte_flow `last`) on one 16-bit transport field. */
enum ofl_range_field {
	OFL_RANGE_NONE = 0,
	OFL_RANGE_SPORT,	/* TH bytes 0..1 */
	OFL_RANGE_DPORT,	/* TH bytes 2..3 */
};

/* struct ofl_key flags */
/*
 * The software side needs the kernel's transport information (`meta
 * l4proto`, transport-header loads): it matches only frames whose IPv4
 * total length / IPv6 payload length the kernel accepted, which no rte_flow
 * item checks (ofl_items.h): hardware matches more than software there.
 */
#define OFL_KF_KT	0x01
/* The pattern carries the L3 item (IPV4/IPV6 of meta protocol) even with
 * no field of it matched: "the NIC parsed that header". */
#define OFL_KF_L3	0x02
/* The pattern carries the L4 item of meta l4proto (with OFL_KF_L3). */
#define OFL_KF_L4	0x04

struct ofl_key {
	uint8_t v[OFL_K_LEN];
	uint8_t m[OFL_K_LEN];
	uint8_t tag;		/* enum ofl_tag */
	uint8_t range;		/* enum ofl_range_field; v/m of it are 0 */
	uint8_t flags;		/* OFL_KF_* */
	uint8_t rsvd;		/* 0 (keys are compared with memcmp) */
	uint16_t rlo, rhi;	/* host order, inclusive */
};

/* Per-port facts the translation folds (metas that are constant there). */
struct ofl_xlate_cfg {
	char ifname[IR_IFNAMSIZ];	/* NUL-padded port name (meta iifname) */
	uint32_t iif_id;		/* meta iif of the port (fp_port.iif_id) */
	uint32_t max_keys;		/* expansion cap: more is refused */
	bool has_last;			/* ranges on L4 ports with `last` */
	bool split_tag;			/* expand tag ANY into NONE + ONE */
};

#define OFL_WHY_LEN 160

struct ofl_xlate {
	struct ofl_key *keys;		/* malloc'd, n entries */
	uint32_t n;
	uint32_t cap;
	bool never;		/* some match is false on this port: no key */
	bool exact;		/* every bit translated (else widened, or refused) */
	bool v6_guard;		/* keys rely on IPv6 without extension headers */
	bool v4_frag_guard;	/* keys rely on L4 of unfragmented IPv4 only */
	char why[OFL_WHY_LEN];	/* first part that had no translation */
};

void ofl_xlate_init(struct ofl_xlate *x);
void ofl_xlate_free(struct ofl_xlate *x);

/*
 * Translate the matches of rule (statements are ignored; a verdict map's
 * lookup counts as a match: "key in the map") for a port.
 * widen = false: on anything untranslatable, x->exact = false, no keys,
 *   x->why says what; return 0.
 * widen = true: untranslatable parts are dropped (keys over-approximate),
 *   x->exact tells whether anything was dropped, x->why the first part.
 * x->never: the rule cannot match on this port in the hardware path (a
 *   folded meta is false, a set is empty); n = 0.
 * -ENOMEM on allocation failure.
 */
int ofl_xlate_rule(const struct ofl_xlate_cfg *cfg, const struct ir_rule *rule,
		   bool widen, struct ofl_xlate *x);

/* a AND b (flags or-ed) into out; false when no frame can match both. */
bool ofl_key_and(struct ofl_key *out, const struct ofl_key *a,
		 const struct ofl_key *b);

/* Do two keys match a common frame? (conservative: true when unsure) */
bool ofl_key_overlap(const struct ofl_key *a, const struct ofl_key *b);

/* Does the key match this virtual header image (tag: NONE or ONE)? */
bool ofl_key_match(const struct ofl_key *k, const uint8_t *vh, enum ofl_tag tag);

/*
 * Prefix decomposition of the closed range [lo, hi] of len-byte big-endian
 * numbers (len <= 16): calls fn for each (value, mask) prefix, in ascending
 * order; the prefixes are disjoint and their union is the range. Returns
 * the number of prefixes, or the negative value fn returned.
 */
typedef int (*ofl_prefix_fn)(void *arg, const uint8_t *val, const uint8_t *mask,
			     unsigned int len);
int ofl_range_prefixes(const uint8_t *lo, const uint8_t *hi, unsigned int len,
		       ofl_prefix_fn fn, void *arg);

/* Human name of a key byte ("nh+12", "th+2", "ll+12", "meta protocol"). */
const char *ofl_key_byte_name(unsigned int off, char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* NFTFWD_OFL_KEY_H */
