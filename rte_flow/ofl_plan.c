/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The planner: per port, the base-chain rules in execution order become an
 * ordered list of hardware entries.
 *
 * Why a plan never changes a verdict. Software resumes (interp_run_from)
 * at a rule only when every earlier rule of the port would have fallen
 * through. Entries are placed in rule order (priority levels never go
 * backwards for overlapping entries with different outcomes), and each
 * entry of rule i is one of:
 *   - exact (H_i == S_i, the rule's match set): a packet that misses H_i
 *     misses S_i;
 *   - punt (H_i ⊇ S_i): a packet that misses H_i misses S_i; one that hits
 *     resumes at i;
 *   - nothing, because S_i is empty in the hardware path (a folded meta),
 *     or because the rule has no effect (no statement, no verdict).
 * So a packet reaching entry j's level unmatched fell through every rule
 * before j in software too, and j's decision is software's. A rule that
 * cannot be placed (budget, levels) either cuts the list (one match-all
 * punt resumes there; nothing after is in hardware) or, when priority
 * levels run out, stays unplaced and blocks every later entry that could
 * match one of its packets (over-approximated by its punt keys): those
 * packets then hit no later entry and run the whole ruleset in software.
 * Keys that rely on the hardware seeing IPv6 without extension headers or
 * unfragmented IPv4 get guard entries (punts of exactly those packets)
 * before the first of them.
 * "Exact" and "superset" above hold on the frames the NIC parses as the
 * kernel does; on malformed frames (ofl_items.h) a key can be narrower
 * than its rule (the NIC lacks the L3 or L4 header the key's items need):
 * then a class guard (see "narrow classes") sits above every later entry
 * that could take such a frame, so it resumes at or before the rule. A key
 * that can be wider (OFL_KF_KT: the kernel's length checks; or counting
 * tagged runts the kernel never sees) never decides or counts in hardware.
 * The brute force in tests/offload checks all of it against the
 * interpreter, malformed frames and counters included.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rte_flow/ofl_int.h"

#define INF_COST UINT32_MAX

/* per rule, while planning */
struct cand {
	uint8_t intent;		/* enum ofl_form: DROP/ACCEPT/PARTIAL/PUNT/NEVER/NOOP */
	bool count;		/* COUNT feeds the rule's counters */
	bool use_full;
	bool cut;		/* cannot even be punted: cut here */
	struct ofl_xlate full;	/* exact keys (intent != PUNT) or widened */
	struct ofl_xlate cheap;	/* widened to at most OFL_CHEAP_PUNT_KEYS */
	bool cheap_ok;
	char why[OFL_WHY_LEN];
};

static const char *
stmt_name(const struct ir_stmt *s)
{
	if (s->kind == IR_STMT_OBJREF)
		return s->objref.type == IR_OBJ_QUOTA ? "quota (named)" :
		       s->objref.type == IR_OBJ_LIMIT ? "limit (named)" : "counter (named)";
	if (s->kind == IR_STMT_META_SET)
		return "meta mark set";
	return ir_stmt_kind_name(s->kind);
}

/* ---- validation --------------------------------------------------------------- */

static int
validate_key(struct ofl_ctx *c, struct ofl_port_plan *pp, const struct ofl_key *k,
	     uint8_t fate, bool count, char *why, size_t why_len)
{
	struct ofl_entry e;
	struct rte_flow_attr attr;
	struct ofl_pattern pat;
	struct ofl_actions act;
	struct rte_flow_error err;
	int ret;

	memset(&e, 0, sizeof(e));
	e.key = *k;
	e.fate = fate;
	e.count = count;
	e.mark = fate == OFL_FATE_SOFT && pp->cfg.caps.mark ? 1 : 0;
	ret = ofl_entry_flow(pp, &e, &attr, &pat, &act, why, why_len);
	if (ret < 0)
		return ret;
	if (c->opts.no_validate)
		return 0;
	memset(&err, 0, sizeof(err));
	ret = c->ops.validate(pp->cfg.port_id, &attr, pat.items, act.a, &err);
	if (ret != 0) {
		char msg[OFL_WHY_LEN];

		ofl_flow_errmsg(&err, ret, msg, sizeof(msg));
		snprintf(why, why_len, "PMD: %.150s", msg);
		ofl_log_refused(c, pp, &attr, &pat, &act, "validate", msg);
		return ret < 0 ? ret : -EINVAL;
	}
	return 0;
}

static int
validate_keys(struct ofl_ctx *c, struct ofl_port_plan *pp, const struct ofl_xlate *x,
	      uint8_t fate, bool count, char *why, size_t why_len)
{
	for (uint32_t i = 0; i < x->n; i++) {
		int ret = validate_key(c, pp, &x->keys[i], fate, count, why, why_len);

		if (ret != 0)
			return ret;
	}
	return 0;
}

/* ---- widening what the PMD refuses ----------------------------------------------- */

/*
 * A punt only has to over-approximate its rule, so a punt key the PMD
 * refuses can lose matches until the PMD takes it: every cleared mask bit
 * makes the key wider, never narrower. Without this a refused punt cut the
 * port (one match-all punt, every later rule in software); a PMD that takes
 * only full-field masks (i40e-like) did that at the first address prefix.
 */

struct kfield {
	uint8_t off, len;	/* in the virtual header (ofl_key.h) */
};

static const struct kfield kf_ll[] = {
	{ OFL_K_LL + 0, 6 }, { OFL_K_LL + 6, 6 }, { OFL_K_LL + 12, 2 },
	{ OFL_K_LL + 14, 2 }, { OFL_K_LL + 16, 2 }, { 0, 0 },
};
static const struct kfield kf_ipv4[] = {
	{ OFL_K_NH + 0, 1 }, { OFL_K_NH + 1, 1 }, { OFL_K_NH + 2, 2 },
	{ OFL_K_NH + 4, 2 }, { OFL_K_NH + 6, 2 }, { OFL_K_NH + 8, 1 },
	{ OFL_K_NH + 9, 1 }, { OFL_K_NH + 10, 2 }, { OFL_K_NH + 12, 4 },
	{ OFL_K_NH + 16, 4 }, { 0, 0 },
};
static const struct kfield kf_ipv6[] = {
	{ OFL_K_NH + 0, 4 }, { OFL_K_NH + 4, 2 }, { OFL_K_NH + 6, 1 },
	{ OFL_K_NH + 7, 1 }, { OFL_K_NH + 8, 16 }, { OFL_K_NH + 24, 16 },
	{ 0, 0 },
};
static const struct kfield kf_tcp[] = {
	{ OFL_K_TH + 0, 2 }, { OFL_K_TH + 2, 2 }, { OFL_K_TH + 4, 4 },
	{ OFL_K_TH + 8, 4 }, { OFL_K_TH + 12, 1 }, { OFL_K_TH + 13, 1 },
	{ OFL_K_TH + 14, 2 }, { OFL_K_TH + 16, 2 }, { OFL_K_TH + 18, 2 },
	{ 0, 0 },
};
static const struct kfield kf_udp[] = {
	{ OFL_K_TH + 0, 2 }, { OFL_K_TH + 2, 2 }, { OFL_K_TH + 4, 2 },
	{ OFL_K_TH + 6, 2 }, { 0, 0 },
};
static const struct kfield kf_sctp[] = {
	{ OFL_K_TH + 0, 2 }, { OFL_K_TH + 2, 2 }, { OFL_K_TH + 4, 4 },
	{ OFL_K_TH + 8, 4 }, { 0, 0 },
};
static const struct kfield kf_icmp[] = {
	{ OFL_K_TH + 0, 1 }, { OFL_K_TH + 1, 1 }, { OFL_K_TH + 2, 2 },
	{ OFL_K_TH + 4, 2 }, { OFL_K_TH + 6, 2 }, { 0, 0 },
};

/* the field tables of key k's layers, NULL-terminated (at most 4) */
static void
key_fields(const struct ofl_key *k, const struct kfield *t[4])
{
	unsigned int n = 0;
	uint16_t l3 = 0;

	t[n++] = kf_ll;
	if (k->m[OFL_K_PROTO] == 0xff && k->m[OFL_K_PROTO + 1] == 0xff)
		l3 = (uint16_t)(k->v[OFL_K_PROTO] << 8 | k->v[OFL_K_PROTO + 1]);
	if (l3 == 0x0800)
		t[n++] = kf_ipv4;
	else if (l3 == 0x86dd)
		t[n++] = kf_ipv6;
	if (n == 2 && k->m[OFL_K_L4P] == 0xff) {
		switch (k->v[OFL_K_L4P]) {
		case 6: t[n++] = kf_tcp; break;
		case 17: t[n++] = kf_udp; break;
		case 132: t[n++] = kf_sctp; break;
		case 1: case 58: t[n++] = kf_icmp; break;
		default: break;
		}
	}
	t[n] = NULL;
}

static void
kclear(struct ofl_key *k, unsigned int off, unsigned int len)
{
	memset(k->v + off, 0, len);
	memset(k->m + off, 0, len);
}

/* the transport part: bytes, range and the L4 item */
static void
kclear_l4(struct ofl_key *k)
{
	kclear(k, OFL_K_TH, OFL_K_TH_LEN);
	k->range = OFL_RANGE_NONE;
	k->rlo = k->rhi = 0;
	k->flags &= (uint8_t)~OFL_KF_L4;
}

/*
 * Clear field f of k. The IP protocol byte is also meta l4proto (the two
 * are unified in the key): clearing one clears both and the transport part
 * that needs them.
 */
static void
kclear_field(struct ofl_key *k, const struct kfield *f)
{
	uint16_t l3 = (uint16_t)(k->v[OFL_K_PROTO] << 8 | k->v[OFL_K_PROTO + 1]);

	kclear(k, f->off, f->len);
	if ((l3 == 0x0800 && f->off == OFL_K_NH + 9) ||
	    (l3 == 0x86dd && f->off == OFL_K_NH + 6)) {
		kclear(k, OFL_K_L4P, 1);
		kclear_l4(k);
	}
}

static bool
kfield_partial(const struct ofl_key *k, const struct kfield *f)
{
	bool any = false, all = true;

	for (unsigned int i = 0; i < f->len; i++) {
		any |= k->m[f->off + i] != 0;
		all &= k->m[f->off + i] == 0xff;
	}
	return any && !all;
}

static bool
kfield_masked(const struct ofl_key *k, const struct kfield *f)
{
	for (unsigned int i = 0; i < f->len; i++)
		if (k->m[f->off + i] != 0)
			return true;
	return false;
}

static int validate_key(struct ofl_ctx *c, struct ofl_port_plan *pp,
			const struct ofl_key *k, uint8_t fate, bool count,
			char *why, size_t why_len);

/*
 * The narrowest widening of the refused key *k that the PMD accepts, tried
 * from the least to the most lost: (1) fields with partial masks cleared
 * (a prefix where only full fields are taken); (2) then one more field
 * cleared, deepest first (a field the PMD does not match at all); (3) the
 * transport part cleared; (4) every L3 and L4 field cleared, the L3 item
 * kept; (5) the L3 item dropped too (ETH / VLAN only). 0 and *k replaced,
 * 1 when nothing is accepted (k unchanged), -ENOMEM.
 */
static int
widen_refused(struct ofl_ctx *c, struct ofl_port_plan *pp, struct ofl_key *k,
	      bool count)
{
	const struct kfield *t[4];
	struct ofl_key base = *k, w;
	char why[OFL_WHY_LEN];
	bool changed = false;
	unsigned int nl;
	int ret;

#define TRY(key) do { \
		ret = validate_key(c, pp, &(key), OFL_FATE_SOFT, count, why, sizeof(why)); \
		if (ret == -ENOMEM) \
			return ret; \
		if (ret == 0) { \
			*k = (key); \
			return 0; \
		} \
	} while (0)

	key_fields(&base, t);
	for (unsigned int l = 0; t[l] != NULL; l++)
		for (const struct kfield *f = t[l]; f->len != 0; f++)
			if (kfield_partial(&base, f)) {
				kclear_field(&base, f);
				changed = true;
			}
	if (changed)
		TRY(base);
	key_fields(&base, t);
	nl = 0;
	while (t[nl] != NULL)
		nl++;
	for (unsigned int l = nl; l-- > 0;) {
		for (const struct kfield *f = t[l]; f->len != 0; f++) {
			if (!kfield_masked(&base, f))
				continue;
			w = base;
			kclear_field(&w, f);
			TRY(w);
		}
	}
	w = base;
	kclear_l4(&w);
	TRY(w);
	kclear(&w, OFL_K_NH, OFL_K_NH_LEN);
	kclear(&w, OFL_K_L4P, 1);
	TRY(w);
	w.flags &= (uint8_t)~OFL_KF_L3;
	TRY(w);
#undef TRY
	return 1;
}

/*
 * Does the NIC match every frame of b with a (a's pattern is no narrower)?
 * Conservative: false when unsure.
 */
static bool
key_covers(const struct ofl_key *a, const struct ofl_key *b)
{
	if (a->tag != OFL_TAG_ANY && a->tag != b->tag)
		return false;
	if (a->range != OFL_RANGE_NONE &&
	    (a->range != b->range || b->rlo < a->rlo || b->rhi > a->rhi))
		return false;
	if ((a->flags & (OFL_KF_L3 | OFL_KF_L4)) & ~b->flags)
		return false;
	if (ofl_key_depth(a) > ofl_key_depth(b))
		return false;
	for (unsigned int i = 0; i < OFL_K_LEN; i++)
		if ((a->m[i] & ~b->m[i]) || ((a->v[i] ^ b->v[i]) & a->m[i]))
			return false;
	return true;
}

/*
 * The punt keys x as the PMD takes them: each refused key widened
 * (widen_refused), then keys another key covers removed (several prefixes
 * can widen to one key, and a PMD may refuse a duplicate pattern). 0, or the refusal of
 * a key nothing could make acceptable (why set), or -ENOMEM.
 */
static int
fit_punt_keys(struct ofl_ctx *c, struct ofl_port_plan *pp, struct ofl_xlate *x,
	      bool count, char *why, size_t why_len)
{
	uint32_t n = 0;
	int ret;

	for (uint32_t i = 0; i < x->n; i++) {
		ret = validate_key(c, pp, &x->keys[i], OFL_FATE_SOFT, count, why, why_len);
		if (ret == -ENOMEM)
			return ret;
		if (ret != 0) {
			int w = widen_refused(c, pp, &x->keys[i], count);

			if (w < 0)
				return w;
			if (w > 0)
				return ret;	/* why: the PMD on the key as it was */
		}
	}
	for (uint32_t i = 0; i < x->n; i++) {
		bool dup = false;

		for (uint32_t j = 0; j < x->n && !dup; j++)
			dup = j != i && key_covers(&x->keys[j], &x->keys[i]) &&
			      (j < i || !key_covers(&x->keys[i], &x->keys[j]));
		if (!dup)
			x->keys[n++] = x->keys[i];
	}
	x->n = n;
	return 0;
}

/* ---- classification ------------------------------------------------------------- */

/*
 * Can exact keys decide in hardware (DROP, MARK(ACCEPT), COUNT)? Only if
 * hardware matches no frame software would not (ofl_items.h): NULL, or why
 * not (the rule then becomes partial: software re-checks its matches).
 */
static const char *
decide_unsafe(const struct ofl_xlate *x, bool count)
{
	for (uint32_t i = 0; i < x->n; i++) {
		const struct ofl_key *k = &x->keys[i];

		if (k->flags & OFL_KF_KT)
			return "transport match: the NIC does not check the IP lengths the kernel checks first";
		if (count && ofl_key_depth(k) == OFL_DEPTH_L2 &&
		    (k->tag != OFL_TAG_NONE || k->m[OFL_K_LL + 12] != 0xff ||
		     k->m[OFL_K_LL + 13] != 0xff))
			return "counter: hardware would also count tagged frames under 20 bytes, which the kernel never sees";
	}
	return NULL;
}

static int
classify(struct ofl_ctx *c, struct ofl_port_plan *pp,
	 const struct ofl_xlate_cfg *xbase, struct ofl_rule_plan *rp,
	 struct cand *cd)
{
	const struct ir_rule *r = rp->ref.rule;
	const struct ofl_caps *caps = &pp->cfg.caps;
	const char *sw = NULL;
	bool has_counter = false, any_stmt = false;
	enum ir_verdict_kind vk = r->verdict.v.kind;
	struct ofl_xlate_cfg xc = *xbase;
	int ret;

	for (uint32_t i = 0; i < r->nitems; i++) {
		const struct ir_stmt *s = &r->items[i].stmt;

		if (r->items[i].kind != IR_ITEM_STMT)
			continue;
		any_stmt = true;
		if (s->kind == IR_STMT_COUNTER ||
		    (s->kind == IR_STMT_OBJREF && s->objref.type == IR_OBJ_COUNTER))
			has_counter = true;
		else if (sw == NULL)
			sw = stmt_name(s);
	}
	if (!any_stmt && (vk == IR_VERDICT_NONE || vk == IR_VERDICT_CONTINUE)) {
		cd->intent = OFL_FORM_NOOP;
		return 0;
	}
	if (sw != NULL) {
		cd->intent = OFL_FORM_PARTIAL;
		snprintf(cd->why, sizeof(cd->why), "%s runs in software", sw);
	} else if (vk != IR_VERDICT_DROP && vk != IR_VERDICT_ACCEPT) {
		cd->intent = OFL_FORM_PARTIAL;
		snprintf(cd->why, sizeof(cd->why), "verdict %s runs in software",
			 vk == IR_VERDICT_NONE ? "none (counter, continue)" :
			 ir_verdict_name(vk));
	} else if (has_counter && !caps->count) {
		cd->intent = OFL_FORM_PARTIAL;
		snprintf(cd->why, sizeof(cd->why), "counter: the port has no COUNT");
	} else if (vk == IR_VERDICT_ACCEPT && !caps->mark) {
		cd->intent = OFL_FORM_PARTIAL;
		snprintf(cd->why, sizeof(cd->why), "accept: the port delivers no MARK");
	} else {
		cd->intent = vk == IR_VERDICT_DROP ? OFL_FORM_DROP : OFL_FORM_ACCEPT;
		cd->count = has_counter;
	}
	xc.split_tag = cd->count;
	ret = ofl_xlate_rule(&xc, r, false, &cd->full);
	if (ret < 0)
		return ret;
	if (cd->full.never) {
		cd->intent = OFL_FORM_NEVER;
		cd->count = false;
		return 0;
	}
	if (cd->full.exact &&
	    (cd->intent == OFL_FORM_DROP || cd->intent == OFL_FORM_ACCEPT)) {
		const char *w = decide_unsafe(&cd->full, cd->count);

		if (w != NULL) {
			cd->intent = OFL_FORM_PARTIAL;
			snprintf(cd->why, sizeof(cd->why), "%s", w);
			if (cd->count) {
				/* no COUNT of its own: no need to split tag shapes */
				cd->count = false;
				xc.split_tag = false;
				ret = ofl_xlate_rule(&xc, r, false, &cd->full);
				if (ret < 0)
					return ret;
			}
		}
	}
	if (cd->full.exact) {
		char why[OFL_WHY_LEN];

		ret = validate_keys(c, pp, &cd->full,
				    cd->intent == OFL_FORM_DROP ? OFL_FATE_DROP :
				    OFL_FATE_SOFT,
				    cd->count || (caps->count && cd->intent != OFL_FORM_DROP),
				    why, sizeof(why));
		if (ret == -ENOMEM)
			return ret;
		if (ret == 0)
			goto cheap;
		snprintf(cd->why, sizeof(cd->why), "%s", why);
	} else {
		snprintf(cd->why, sizeof(cd->why), "no translation: %s", cd->full.why);
	}
	/* punt: over-approximate */
	cd->intent = OFL_FORM_PUNT;
	cd->count = false;
	xc.split_tag = false;
	ret = ofl_xlate_rule(&xc, r, true, &cd->full);
	if (ret < 0)
		return ret;
	if (cd->full.never) {
		cd->intent = OFL_FORM_NEVER;
		return 0;
	}
	{
		char why[OFL_WHY_LEN];

		ret = fit_punt_keys(c, pp, &cd->full, caps->count, why, sizeof(why));
		if (ret == -ENOMEM)
			return ret;
		if (ret != 0) {
			cd->cut = true;
			snprintf(cd->why + strlen(cd->why),
				 sizeof(cd->why) - strlen(cd->why), "; punt: %s", why);
			return 0;
		}
	}
cheap:
	/* the cheap punt a cold rule gets when the budget is short */
	xc.split_tag = false;
	xc.max_keys = OFL_CHEAP_PUNT_KEYS;
	ret = ofl_xlate_rule(&xc, r, true, &cd->cheap);
	if (ret < 0)
		return ret;
	if (cd->cheap.never) {
		cd->cheap_ok = false;
	} else {
		char why[OFL_WHY_LEN];

		ret = fit_punt_keys(c, pp, &cd->cheap, caps->count, why, sizeof(why));
		if (ret == -ENOMEM)
			return ret;
		cd->cheap_ok = ret == 0;
	}
	(void)rp;
	return 0;
}

static uint32_t
cost_full(const struct cand *cd)
{
	if (cd->intent == OFL_FORM_NEVER || cd->intent == OFL_FORM_NOOP)
		return 0;
	if (cd->cut)
		return INF_COST;
	return cd->full.n;
}

static unsigned int xlate_guards(const struct ofl_xlate *x);

/*
 * The keys a rule goes in with: its full keys, or, when the budget gives it
 * only a cheap punt, the widened ones if they are fewer or the full ones
 * need a guard (widened keys never do), else the full ones. NULL: none.
 */
static const struct ofl_xlate *
keys_of(const struct cand *cd, bool full)
{
	if (cd->intent == OFL_FORM_NEVER || cd->intent == OFL_FORM_NOOP || cd->cut)
		return NULL;
	if (!full && cd->cheap_ok &&
	    (cd->cheap.n < cd->full.n || xlate_guards(&cd->full) != 0))
		return &cd->cheap;
	return &cd->full;
}

static uint32_t
cost_cheap(const struct cand *cd)
{
	const struct ofl_xlate *x = keys_of(cd, false);

	if (cd->cut)
		return INF_COST;
	return x != NULL ? x->n : 0;
}

/* ---- guards --------------------------------------------------------------------- */

#define GUARD_V6 1
#define GUARD_V4 2

static const uint8_t v6_ext_protos[] = { 0, 43, 44, 51, 60 };

static unsigned int
guard_keys(unsigned int which, struct ofl_key *out)
{
	unsigned int n = 0;

	for (int tag = OFL_TAG_NONE; tag <= OFL_TAG_ONE; tag++) {
		unsigned int toff = tag == OFL_TAG_NONE ? OFL_K_LL + 12 : OFL_K_LL + 16;
		struct ofl_key k;

		memset(&k, 0, sizeof(k));
		k.tag = (uint8_t)tag;
		if (which == GUARD_V6) {
			k.v[toff] = k.v[OFL_K_PROTO] = 0x86;
			k.v[toff + 1] = k.v[OFL_K_PROTO + 1] = 0xdd;
		} else {
			k.v[toff] = k.v[OFL_K_PROTO] = 0x08;
			k.v[toff + 1] = k.v[OFL_K_PROTO + 1] = 0x00;
		}
		k.m[toff] = k.m[toff + 1] = k.m[OFL_K_PROTO] = k.m[OFL_K_PROTO + 1] = 0xff;
		if (which == GUARD_V6) {
			for (unsigned int p = 0; p < sizeof(v6_ext_protos); p++) {
				out[n] = k;
				out[n].v[OFL_K_NH + 6] = v6_ext_protos[p];
				out[n].m[OFL_K_NH + 6] = 0xff;
				n++;
			}
		} else {
			/*
			 * Every fragment (MF set or offset != 0): the kernel reads
			 * aligned @th loads of non-first fragments at thoff
			 * (pkt_view.h), which no NIC does. The complement of
			 * "frag_off & 0x3fff == 0", one prefix per bit.
			 */
			for (int b = 13; b >= 0; b--) {
				uint16_t bit = (uint16_t)(1u << b);
				uint16_t m = (uint16_t)(0x3fff & ~(bit - 1));

				out[n] = k;
				out[n].v[OFL_K_NH + 6] = (uint8_t)(bit >> 8);
				out[n].v[OFL_K_NH + 7] = (uint8_t)bit;
				out[n].m[OFL_K_NH + 6] = (uint8_t)(m >> 8);
				out[n].m[OFL_K_NH + 7] = (uint8_t)m;
				n++;
			}
		}
	}
	return n;
}

static unsigned int
guard_cost(unsigned int need)
{
	return ((need & GUARD_V6) ? 2 * sizeof(v6_ext_protos) : 0) +
	       ((need & GUARD_V4) ? 2 * 14 : 0);
}

/* class guards a set of classes may need: the guard and a copy of the tail */
static uint32_t
class_cost(uint32_t classes)
{
	return 2u * (uint32_t)__builtin_popcount(classes);
}

static unsigned int
xlate_guards(const struct ofl_xlate *x)
{
	if (x == NULL)
		return 0;
	return (x->v6_guard ? GUARD_V6 : 0) | (x->v4_frag_guard ? GUARD_V4 : 0);
}

/* the guards the keys a rule goes in with need */
static unsigned int
cand_guards(const struct cand *cd)
{
	return xlate_guards(keys_of(cd, cd->use_full));
}

/* ---- narrow classes ------------------------------------------------------------- */

/*
 * Where a key is narrower than its rule (the NIC model in ofl_items.h):
 * frames of the key's meta protocol and tag shape that software may match
 * but the key's pattern cannot, because the NIC does not find the L3 item
 * (class A: bad version, ihl < 5, cut header; only for keys whose rule reads
 * the network header raw, OFL_KF_KT clear) or the L4 item (class D: a
 * transport header shorter than the item's). Such a frame misses the rule's
 * entries; an entry of a later rule that can match it (one without that
 * item) would make software skip the rule. So such a later entry gets a
 * guard above it: a punt of the class's frames it could match, resuming at
 * the first rule narrow on the class (and, for an exact decision, a copy of
 * it carrying the missing item above the guard, which keeps well-formed
 * frames' decision in hardware); the tail gets the class-wide guard below
 * copies of itself (tail_copies()). Guards are "weak": entries that carry
 * the item the class lacks cannot match its frames and need no order
 * against them (either winning is right), so guards do not push them down.
 * Classes: family (IPv4, IPv6) x tag (none, one) x (A, D of TCP, UDP, SCTP,
 * ICMP/ICMPv6).
 */
#define N_FAM		2
#define N_KIND		5	/* A, then D of d_protos[] */
#define N_CLASS		(N_FAM * 2 * N_KIND)
#define NOT_WEAK	0xff
#define WEAK_OWN	0x40	/* | depth: an entry's own guard (LV_OWN) */

static const uint8_t d_protos[N_FAM][N_KIND - 1] = {
	{ 6, 17, 132, 1 }, { 6, 17, 132, 58 },
};

struct nclass {
	bool active;		/* some entry or blocked key is narrow on it */
	bool placed;		/* its guard is in the list */
	bool failed;		/* its guard found no level or no room */
	uint32_t minq;		/* first rule narrow on it */
};

static unsigned int
class_id(unsigned int fam, unsigned int tag, unsigned int kind)
{
	return (fam * 2 + (tag == OFL_TAG_ONE)) * N_KIND + kind;
}

static unsigned int
class_kind(unsigned int c)
{
	return c % N_KIND;
}

/* the deepest item the class's frames have */
static unsigned int
class_depth(unsigned int c)
{
	return class_kind(c) == 0 ? OFL_DEPTH_L2 : OFL_DEPTH_L3;
}

/*
 * The class as a key: precise (frames of the class, for "can this entry
 * match them") or the guard's pattern (a superset every PMD takes: no
 * fragment bits).
 */
static void
class_key(unsigned int c, bool guard, struct ofl_key *k)
{
	unsigned int fam = c / (2 * N_KIND), tag = (c / N_KIND) % 2, kind = class_kind(c);
	unsigned int toff = tag ? OFL_K_LL + 16 : OFL_K_LL + 12;
	uint16_t l3 = fam ? 0x86dd : 0x0800;

	memset(k, 0, sizeof(*k));
	k->tag = tag ? OFL_TAG_ONE : OFL_TAG_NONE;
	k->v[toff] = k->v[OFL_K_PROTO] = (uint8_t)(l3 >> 8);
	k->v[toff + 1] = k->v[OFL_K_PROTO + 1] = (uint8_t)l3;
	k->m[toff] = k->m[toff + 1] = k->m[OFL_K_PROTO] = k->m[OFL_K_PROTO + 1] = 0xff;
	if (kind == 0)
		return;
	k->v[OFL_K_L4P] = k->v[OFL_K_NH + (fam ? 6 : 9)] = d_protos[fam][kind - 1];
	k->m[OFL_K_L4P] = k->m[OFL_K_NH + (fam ? 6 : 9)] = 0xff;
	k->flags = OFL_KF_KT;
	if (!fam && !guard) {
		/* a truncated transport header of an unfragmented datagram
		 * (fragments are the fragment guard's) */
		k->m[OFL_K_NH + 6] = 0x3f;
		k->m[OFL_K_NH + 7] = 0xff;
	}
}

/* the classes key k is narrow on (out[4]: 2 per tag shape); returns how many */
static unsigned int
key_classes(const struct ofl_key *k, unsigned int *out)
{
	unsigned int depth = ofl_key_depth(k), n = 0, fam;

	if (depth < OFL_DEPTH_L3)
		return 0;
	fam = k->v[OFL_K_PROTO] == 0x86 ? 1 : 0;
	for (unsigned int tag = OFL_TAG_NONE; tag <= OFL_TAG_ONE; tag++) {
		if (k->tag != OFL_TAG_ANY && k->tag != tag)
			continue;
		if (!(k->flags & OFL_KF_KT) && n < 4)
			out[n++] = class_id(fam, tag, 0);
		if (depth == OFL_DEPTH_L4)
			for (unsigned int p = 0; p < N_KIND - 1; p++)
				if (d_protos[fam][p] == k->v[OFL_K_L4P] && n < 4)
					out[n++] = class_id(fam, tag, p + 1);
	}
	return n;
}

/* the classes of a key list, as a bit mask */
static uint32_t
keys_classes(const struct ofl_xlate *x)
{
	uint32_t m = 0;

	for (uint32_t i = 0; x != NULL && i < x->n; i++) {
		unsigned int c[4], n = key_classes(&x->keys[i], c);

		for (unsigned int j = 0; j < n; j++)
			m |= 1u << c[j];
	}
	return m;
}

/* ---- building the entry list ------------------------------------------------------ */

/*
 * Entries with the same pattern at the same priority: only the first stays.
 * A widened punt and a class guard often come out as the same `eth type
 * 0x800` at one level, and a PMD may refuse the second create (EEXIST:
 * i40e-like, tests/flowemu's smalltable), which rolls back the whole port.
 * Dropping the later one is safe: the planner puts two entries that can
 * match the same frame on one level only when either may win (their
 * outcomes are equal or both resume software at or before the right rule),
 * so "the first always wins" is one of the outcomes it already allowed.
 * Keeps the order; returns the new count.
 */
static uint32_t
dedup_entries(struct ofl_entry *e, uint32_t n)
{
	uint32_t out = 0;

	for (uint32_t i = 0; i < n; i++) {
		bool dup = false;

		for (uint32_t j = 0; j < out && !dup; j++)
			dup = e[j].prio == e[i].prio &&
			      memcmp(&e[j].key, &e[i].key, sizeof(e[i].key)) == 0;
		if (!dup)
			e[out++] = e[i];
	}
	return out;
}

struct elist {
	struct ofl_entry *e;
	uint32_t n, cap;
	/* parallel */
	uint64_t *outcome;	/* entries with equal outcomes may overlap */
	uint32_t *pos;		/* the rule it decides or resumes at */
	uint8_t *depth;		/* ofl_key_depth() */
	uint8_t *weak;		/* a class guard: the class's depth; else NOT_WEAK */
};

/* realloc p to cap elements, or return -ENOMEM from the caller */
#define RESIZE(p, cap) do { \
		void *n_ = realloc((p), (size_t)(cap) * sizeof(*(p))); \
		if (n_ == NULL) \
			return -ENOMEM; \
		(p) = n_; \
	} while (0)

static int
el_push(struct elist *l, const struct ofl_entry *e, uint64_t outcome, uint32_t pos,
	uint8_t weak)
{
	if (l->n == l->cap) {
		uint32_t cap = l->cap ? l->cap * 2 : 64;

		RESIZE(l->e, cap);
		RESIZE(l->outcome, cap);
		RESIZE(l->pos, cap);
		RESIZE(l->depth, cap);
		RESIZE(l->weak, cap);
		l->cap = cap;
	}
	l->outcome[l->n] = outcome;
	l->pos[l->n] = pos;
	l->depth[l->n] = (uint8_t)ofl_key_depth(&e->key);
	l->weak[l->n] = weak;
	l->e[l->n++] = *e;
	return 0;
}

static void
el_free(struct elist *l)
{
	free(l->e);
	free(l->outcome);
	free(l->pos);
	free(l->depth);
	free(l->weak);
	memset(l, 0, sizeof(*l));
}

#define OUTCOME_DROP	0
#define OUTCOME_RULE	((uint64_t)1 << 32)	/* | rule index */
#define OUTCOME_GUARD	((uint64_t)2 << 32)	/* | GUARD_V4/V6 */
#define OUTCOME_TAIL	((uint64_t)3 << 32)
#define OUTCOME_CLASS	((uint64_t)4 << 32)	/* | class */

struct mark_req {
	uint8_t kind;
	uint16_t hook;
	uint32_t rule;
};

struct plan_state {
	struct elist el;
	struct ofl_key *blocked;
	uint32_t *blocked_pos;		/* the unplaced rule */
	uint32_t nblocked, blocked_cap;
	struct mark_req *marks;
	uint32_t nmarks, marks_cap;
	uint32_t max_level;
	uint32_t budget;		/* entries of this port at most */
	uint32_t spare;			/* beyond the budget's plan: own guards, copies */
	bool any;
	struct nclass cls[N_CLASS];
};

/* how freely a class guard may go above entries of rules from its own on */
enum {
	LV_STRICT = 0,	/* below them all */
	LV_LOOSE,	/* level with those that cannot match its class */
	LV_OWN,		/* level with them all: an entry's own guard */
};

/*
 * The lowest level an entry (key k, depth, outcome, pos; weak: its class's
 * depth for a class guard) can take after the entries in the list: below
 * every overlapping entry with another outcome, except where either may
 * win (see "narrow classes"): a class guard and an entry that cannot match
 * its frames; a class guard (mode LV_LOOSE) and such an entry of a rule
 * from the guard's on; an entry's own guard (LV_OWN) and any entry of a
 * rule from the guard's on (every such entry that could take the class's
 * frames has a guard above it). UINT32_MAX: it would overlap the blocked
 * keys of an unplaced rule before pos.
 */
static uint32_t
level_for(const struct plan_state *st, const struct ofl_key *k, unsigned int depth,
	  uint64_t outcome, uint32_t pos, uint8_t weak, int mode)
{
	const struct elist *l = &st->el;
	uint32_t lvl = 0;

	for (uint32_t b = 0; b < st->nblocked; b++)
		if (st->blocked_pos[b] < pos && ofl_key_overlap(&st->blocked[b], k))
			return UINT32_MAX;
	for (uint32_t j = 0; j < l->n; j++) {
		if (l->outcome[j] == outcome || l->e[j].prio + 1 <= lvl)
			continue;
		if (l->weak[j] != NOT_WEAK && depth > l->weak[j])
			continue;	/* k cannot match the class of guard j */
		if (weak != NOT_WEAK && l->pos[j] >= pos &&
		    (mode == LV_OWN || (mode == LV_LOOSE && l->depth[j] > weak)))
			continue;	/* either may win */
		if (ofl_key_overlap(&l->e[j].key, k))
			lvl = l->e[j].prio + 1;
	}
	return lvl;
}

static int
add_blocked(struct plan_state *st, const struct ofl_key *k, uint32_t n, uint32_t pos)
{
	if (n == 0)
		return 0;	/* k may be NULL (no keys): memcpy(NULL, 0) is UB */
	if (st->nblocked + n > st->blocked_cap) {
		uint32_t cap = (st->nblocked + n) * 2;

		RESIZE(st->blocked, cap);
		RESIZE(st->blocked_pos, cap);
		st->blocked_cap = cap;
	}
	memcpy(st->blocked + st->nblocked, k, n * sizeof(*k));
	for (uint32_t i = 0; i < n; i++)
		st->blocked_pos[st->nblocked + i] = pos;
	st->nblocked += n;
	return 0;
}

/* a MARK request (index + 1 is the id's offset in the plan's block) */
static int
add_mark(struct plan_state *st, uint8_t kind, uint16_t hook, uint32_t rule,
	 uint32_t *local)
{
	if (st->nmarks == st->marks_cap) {
		uint32_t cap = st->marks_cap ? st->marks_cap * 2 : 32;

		RESIZE(st->marks, cap);
		st->marks_cap = cap;
	}
	st->marks[st->nmarks] = (struct mark_req){ kind, hook, rule };
	*local = ++st->nmarks;	/* local ids from 1; rebased later */
	return 0;
}

/* the classes entries of rule pos are narrow on become active */
static void
activate(struct plan_state *st, uint32_t classes, uint32_t pos)
{
	for (unsigned int c = 0; c < N_CLASS; c++)
		if ((classes & (1u << c)) && !st->cls[c].active) {
			st->cls[c].active = true;
			st->cls[c].minq = pos;
		}
}

static int place(struct plan_state *st, const struct ofl_port_plan *pp,
		 const struct ofl_key *k, uint32_t n, const struct ofl_entry *tmpl,
		 uint64_t outcome, uint32_t pos, uint8_t weak, uint32_t minlvl,
		 bool copies, bool *ok);

/* must an entry (key k, depth) at pos have class c's guard above it? */
static bool
triggers(const struct plan_state *st, unsigned int c, const struct ofl_key *k,
	 unsigned int depth, uint32_t pos)
{
	const struct nclass *nc = &st->cls[c];
	struct ofl_key ck;

	if (!nc->active || nc->placed || nc->minq >= pos || depth > class_depth(c))
		return false;
	class_key(c, false, &ck);
	return ofl_key_overlap(&ck, k);
}

/*
 * A guard of class c: a punt resuming at the first rule narrow on it, of
 * the whole class (k NULL: the class's guard, once; the tail's), or of the
 * class's frames key k can match (a later entry's own guard: it does not
 * stand in the way of other entries, the tail's copies above all).
 */
static int
place_class_guard(struct plan_state *st, const struct ofl_port_plan *pp,
		  unsigned int c, const struct ofl_key *k, uint32_t minlvl, bool *ok)
{
	struct nclass *nc = &st->cls[c];
	const struct ofl_rule_plan *rp = &pp->rules[nc->minq];
	struct ofl_entry t;
	struct ofl_key gk;
	int ret;

	*ok = false;
	if (k == NULL && nc->failed)
		return 0;
	class_key(c, true, &gk);
	if (k != NULL && !ofl_key_and(&gk, &gk, k)) {
		*ok = true;	/* disjoint: nothing to guard */
		return 0;
	}
	memset(&t, 0, sizeof(t));
	t.rule = OFL_ENTRY_GUARD;
	t.fate = OFL_FATE_SOFT;
	if (pp->cfg.caps.mark) {
		ret = add_mark(st, OFL_MARK_PUNT, rp->ref.hook_idx, rp->ref.rule_idx,
			       &t.mark);
		if (ret < 0)
			return ret;
	}
	ret = place(st, pp, &gk, 1, &t, OUTCOME_CLASS | c, nc->minq,
		    (uint8_t)(class_depth(c) | (k != NULL ? WEAK_OWN : 0)), minlvl, false,
		    ok);
	if (ret < 0 || k != NULL)
		return ret;
	if (*ok)
		nc->placed = true;
	else
		nc->failed = true;
	return 0;
}

/*
 * Before an entry (key k, depth, pos) goes in: a guard of every active class
 * of a rule before pos whose frames it can match. Its own guard (k AND the
 * class) while there is room to spare, else the class's. With copies (an
 * exact decision), first a copy of the entry that carries the item the
 * class lacks, above the guard: well-formed frames keep the hardware
 * decision. *ok false when a guard cannot be placed (then neither can the
 * entry).
 */
static int
ensure_guards(struct plan_state *st, const struct ofl_port_plan *pp,
	      const struct ofl_key *k, uint32_t pos, const struct ofl_entry *tmpl,
	      uint64_t outcome, bool copies, bool *ok)
{
	unsigned int depth = ofl_key_depth(k);

	*ok = true;
	for (unsigned int c = 0; c < N_CLASS; c++) {
		uint32_t minlvl = 0, lk;
		int ret;

		if (!triggers(st, c, k, depth, pos))
			continue;
		if (st->spare == 0) {
			if (st->cls[c].failed) {
				*ok = false;
				return 0;
			}
			ret = place_class_guard(st, pp, c, NULL, 0, ok);
			if (ret < 0 || !*ok)
				return ret;
			continue;
		}
		st->spare--;
		/* a copy costs its entry two levels: only where no later rule
		 * can run out of levels because of it */
		if (copies && st->spare > 0 &&
		    st->max_level + 3 * (pp->nrules - pos) + 2 < pp->cfg.caps.n_prio) {
			struct ofl_key cp;
			bool cok;

			class_key(c, true, &cp);
			if (ofl_key_and(&cp, &cp, k)) {
				cp.flags |= OFL_KF_L3 | (class_kind(c) ? OFL_KF_L4 : 0);
				st->spare--;
				ret = place(st, pp, &cp, 1, tmpl, outcome, pos, NOT_WEAK, 0,
					    true, &cok);
				if (ret < 0)
					return ret;
				if (cok)
					minlvl = st->el.e[st->el.n - 1].prio + 1;
				else
					st->spare++;
			}
		}
		/* right above where the entry would go anyway: no level lost,
		 * no frame taken from the entries above */
		lk = level_for(st, k, depth, outcome, pos, NOT_WEAK, LV_STRICT);
		if (lk != UINT32_MAX && lk > 0 && lk - 1 > minlvl)
			minlvl = lk - 1;
		ret = place_class_guard(st, pp, c, k, minlvl, ok);
		if (ret == 0 && !*ok && minlvl > 0)	/* no level there */
			ret = place_class_guard(st, pp, c, k, 0, ok);
		if (ret < 0 || !*ok)
			return ret;
	}
	return 0;
}

/*
 * Try to place keys as one group (same outcome, same pos). All or nothing:
 * on failure (a level past n_prio, no room, a blocked overlap, a class
 * guard that cannot go in) nothing is added, neither the keys nor the
 * guards and copies placed for them (a copy of a rule left in software
 * would count what the rule's counter never gets). copies: an exact
 * decision (see ensure_guards()).
 */
static int
place(struct plan_state *st, const struct ofl_port_plan *pp, const struct ofl_key *k,
      uint32_t n, const struct ofl_entry *tmpl, uint64_t outcome, uint32_t pos,
      uint8_t weak, uint32_t minlvl, bool copies, bool *ok)
{
	uint32_t nprio = pp->cfg.caps.n_prio ? pp->cfg.caps.n_prio : 1;
	uint32_t from = st->el.n, spare = st->spare, max_level = st->max_level;
	struct nclass cls[N_CLASS];
	bool any = st->any, own = false;
	int ret;

	*ok = false;
	memcpy(cls, st->cls, sizeof(cls));
	for (uint32_t i = 0; i < n; i++) {
		ret = ensure_guards(st, pp, &k[i], pos, tmpl, outcome, copies, ok);
		if (ret < 0)
			return ret;
		if (!*ok)
			goto undo;
	}
	*ok = false;
	if (st->el.n + n > st->budget)
		goto undo;
	if (weak != NOT_WEAK && (weak & WEAK_OWN)) {
		own = true;
		weak &= (uint8_t)~WEAK_OWN;
	}
	for (uint32_t i = 0; i < n; i++) {
		unsigned int depth = ofl_key_depth(&k[i]);
		uint32_t lvl = level_for(st, &k[i], depth, outcome, pos, weak,
					 own ? LV_OWN : LV_STRICT);
		struct ofl_entry e = *tmpl;

		/*
		 * The class-wide guard goes below the later rules' entries that
		 * cannot match its class, so that they keep their frames, when
		 * there is a level left for what it guards; else level with them
		 * (either winning is right). An entry's own guard (only that
		 * entry's frames of the class) goes right above the entry
		 * (minlvl: ensure_guards()), or as high as it must.
		 */
		if (weak != NOT_WEAK && !own && lvl != UINT32_MAX && lvl + 1 >= nprio)
			lvl = level_for(st, &k[i], depth, outcome, pos, weak, LV_LOOSE);
		if (lvl != UINT32_MAX && lvl < minlvl)
			lvl = minlvl;
		if (lvl == UINT32_MAX || lvl >= nprio)
			goto undo;
		e.key = k[i];
		e.prio = lvl;
		ret = el_push(&st->el, &e, outcome, pos, weak);
		if (ret < 0)
			return ret;
		if (lvl > st->max_level)
			st->max_level = lvl;
		st->any = true;
	}
	*ok = true;
	return 0;
undo:
	/* their MARK ids, if any, stay unused */
	st->el.n = from;
	st->spare = spare;
	st->max_level = max_level;
	st->any = any;
	memcpy(st->cls, cls, sizeof(cls));
	*ok = false;
	return 0;
}

/*
 * Before the tail (a match-all, so it triggers every active class): for
 * each class, a copy of the tail that carries the item the class lacks
 * (so it cannot match the class's frames), then the class's guard below
 * it: well-formed frames still get the tail's decision in hardware, only
 * the class's frames go to software. D classes first (the A copies carry
 * the L3 item and can match D frames: their guards go in before them).
 */
static int
tail_copies(struct plan_state *st, const struct ofl_port_plan *pp,
	    const struct ofl_entry *tail, uint32_t pos)
{
	for (int pass = 1; pass >= 0; pass--)
		for (unsigned int c = 0; c < N_CLASS; c++) {
			struct nclass *nc = &st->cls[c];
			uint32_t minlvl = 0;
			struct ofl_key ck;
			bool ok;
			int ret;

			if (!nc->active || nc->placed || nc->failed || nc->minq >= pos ||
			    (class_kind(c) != 0) != (pass == 1))
				continue;
			class_key(c, true, &ck);
			ck.flags = OFL_KF_L3 | (class_kind(c) ? OFL_KF_L4 : 0);
			ret = place(st, pp, &ck, 1, tail, OUTCOME_TAIL, pos, NOT_WEAK, 0,
				    false, &ok);
			if (ret < 0)
				return ret;
			if (ok)
				minlvl = st->el.e[st->el.n - 1].prio + 1;
			ret = place_class_guard(st, pp, c, NULL, minlvl, &ok);
			if (ret < 0)
				return ret;
			if (!ok && minlvl > 0) {
				/* no level below the copy: the guard alone */
				nc->failed = false;
				ret = place_class_guard(st, pp, c, NULL, 0, &ok);
				if (ret < 0)
					return ret;
			}
		}
	return 0;
}

static uint64_t
prev_hits(const struct ofl_plan *prev, const struct ofl_port_plan *pp,
	  uint32_t idx, const struct ofl_rule_plan *rp)
{
	const struct ofl_port_plan *pv = NULL;

	if (prev == NULL)
		return 0;
	for (unsigned int p = 0; p < prev->n_ports; p++)
		if (prev->ports[p].cfg.port_idx == pp->cfg.port_idx)
			pv = &prev->ports[p];
	if (pv == NULL || pv->nrules == 0)
		return 0;
	/* same position first (unchanged rulesets), then a scan */
	for (uint32_t k = 0; k <= pv->nrules; k++) {
		uint32_t j = k == 0 ? idx : k - 1;
		const struct ofl_rule_plan *o;

		if (j >= pv->nrules || (k > 0 && j == idx))
			continue;
		o = &pv->rules[j];
		if (o->ref.rule->handle == rp->ref.rule->handle &&
		    strcmp(o->chain->name, rp->chain->name) == 0 &&
		    strcmp(o->table->name, rp->table->name) == 0)
			return o->hw_pkts + o->hits;
	}
	return 0;
}

struct hot {
	uint64_t hits;
	uint32_t idx;
};

static int
hot_cmp(const void *a, const void *b)
{
	const struct hot *x = a, *y = b;

	if (x->hits != y->hits)
		return x->hits > y->hits ? -1 : 1;
	return x->idx < y->idx ? -1 : (x->idx > y->idx);
}

static void
set_why(struct ofl_rule_plan *rp, const char *fmt, const char *arg)
{
	snprintf(rp->why, sizeof(rp->why), fmt, arg);
}

static int
plan_port(struct ofl_ctx *c, const struct ofl_plan *plan, struct ofl_port_plan *pp,
	  const struct ofl_plan *prev, ofl_hits_fn hits, void *hits_arg,
	  struct plan_state *st)
{
	const struct fp_ruleset *fp = plan->fp;
	const struct fp_port *fport = &fp->ports[pp->cfg.port_idx];
	const struct ofl_caps *caps = &pp->cfg.caps;
	struct ofl_xlate_cfg xc;
	struct cand *cd = NULL;
	struct hot *hot = NULL;
	uint32_t budget, limit, cut, total, drop_hook = UINT32_MAX;
	uint32_t classes = 0;
	unsigned int guards = 0, guards_placed = 0;
	char cut_why[OFL_WHY_LEN] = "";
	int ret = 0;

	pp->n_hooks = fport->n_hooks;
	for (uint32_t h = 0; h < fport->n_hooks; h++)
		pp->nrules += fport->hooks[h]->ir->nrules;
	if (pp->nrules > 0) {
		pp->rules = calloc(pp->nrules, sizeof(*pp->rules));
		cd = calloc(pp->nrules, sizeof(*cd));
		hot = calloc(pp->nrules, sizeof(*hot));
		if (pp->rules == NULL || cd == NULL || hot == NULL) {
			ret = -ENOMEM;
			goto out;
		}
	}
	/* rules in execution order; the first drop policy ends what hardware
	 * can reach */
	limit = pp->nrules;
	{
		uint32_t i = 0;

		for (uint32_t h = 0; h < fport->n_hooks; h++) {
			const struct fp_chain *ch = fport->hooks[h];

			for (uint32_t r = 0; r < ch->ir->nrules; r++, i++) {
				struct ofl_rule_plan *rp = &pp->rules[i];

				rp->ref.table_idx = ch->table_idx;
				rp->ref.chain_idx = ch->chain_idx;
				rp->ref.rule_idx = r;
				rp->ref.hook_idx = (uint16_t)h;
				rp->ref.rule = &ch->ir->rules[r];
				rp->table = &plan->ir->tables[ch->table_idx];
				rp->chain = ch->ir;
				rp->form = OFL_FORM_SW;
				rp->where = OFL_WHERE_SW;
			}
			if (ch->ir->policy == IR_POLICY_DROP && drop_hook == UINT32_MAX) {
				drop_hook = h;
				limit = i;
			}
		}
	}
	if (c->opts.mode == OFL_MODE_OFF) {
		for (uint32_t i = 0; i < pp->nrules; i++)
			set_why(&pp->rules[i], "%s", "--offload off");
		goto out;
	}
	memset(&xc, 0, sizeof(xc));
	memcpy(xc.ifname, fport->name, IR_IFNAMSIZ);
	xc.iif_id = fport->iif_id;
	xc.max_keys = c->opts.max_expand ? c->opts.max_expand : OFL_DEFAULT_EXPAND;
	xc.has_last = caps->last;

	/* 1. what each rule could be */
	cut = limit;
	for (uint32_t i = 0; i < limit; i++) {
		ret = classify(c, pp, &xc, &pp->rules[i], &cd[i]);
		if (ret < 0)
			goto out;
		pp->rules[i].hits = (hits ? hits(hits_arg, pp->cfg.port_idx,
						 &pp->rules[i].ref) : 0) +
				    prev_hits(prev, pp, i, &pp->rules[i]);
		if (cd[i].cut && i < cut) {
			cut = i;
			snprintf(cut_why, sizeof(cut_why), "%s", cd[i].why);
		}
	}
	/* 2. budget: cheap punts for all, then the hot rules in full */
	budget = c->opts.budget ? c->opts.budget : OFL_DEFAULT_BUDGET;
	if (caps->budget && caps->budget < budget)
		budget = caps->budget;
	st->budget = budget;
	total = 1;	/* the tail */
	for (uint32_t i = 0; i < cut; i++) {
		uint32_t cc = cost_cheap(&cd[i]);
		const struct ofl_xlate *k = keys_of(&cd[i], false);
		uint32_t nc = cc == INF_COST ? 0 :
			      class_cost(keys_classes(k) & ~classes) +
			      (uint32_t)guard_cost(xlate_guards(k) & ~guards);

		if (cc == INF_COST || total + cc + nc > budget) {
			cut = i;
			break;
		}
		total += cc + nc;
		classes |= keys_classes(k);
		guards |= xlate_guards(k);
	}
	{
		uint32_t nh = 0;

		for (uint32_t i = 0; i < cut; i++)
			hot[nh++] = (struct hot){ pp->rules[i].hits, i };
		/* hot is NULL on a port without rules: qsort(NULL, 0) is UB */
		if (nh > 1)
			qsort(hot, nh, sizeof(*hot), hot_cmp);
		for (uint32_t j = 0; j < nh; j++) {
			struct cand *x = &cd[hot[j].idx];
			uint32_t cf = cost_full(x), cc = cost_cheap(x);
			unsigned int g;
			uint32_t extra;

			if (cf == INF_COST)
				continue;
			x->use_full = true;
			g = cand_guards(x);
			extra = (uint32_t)guard_cost(g & ~guards) +
				class_cost(keys_classes(&x->full) & ~classes);
			if (total - cc + cf + extra > budget) {
				x->use_full = false;
				continue;
			}
			total = total - cc + cf + extra;
			guards |= g;
			classes |= keys_classes(&x->full);
		}
	}
	if (cut < limit && cut_why[0] == '\0')
		snprintf(cut_why, sizeof(cut_why),
			 "rule budget (%u hardware rules) reached", budget);
	/* trailing punts save nothing: one match-all punt instead */
	{
		uint32_t last_gain = 0;
		bool gain = false;

		for (uint32_t i = 0; i < cut; i++)
			if (cd[i].use_full && cd[i].intent != OFL_FORM_PUNT &&
			    cd[i].intent != OFL_FORM_NEVER && cd[i].intent != OFL_FORM_NOOP) {
				last_gain = i;
				gain = true;
			}
		for (uint32_t i = gain ? last_gain + 1 : 0; i < cut; i++)
			if (cd[i].intent != OFL_FORM_NEVER && cd[i].intent != OFL_FORM_NOOP) {
				cut = i;
				snprintf(cut_why, sizeof(cut_why), "punt: %.150s",
					 cd[i].intent == OFL_FORM_PUNT ? cd[i].why :
					 "no hardware rule after it");
				break;
			}
	}

	/* 3. place in order (what the budget's plan leaves: own guards, copies) */
	st->spare = budget > total ? budget - total : 0;
	for (uint32_t i = 0; i < cut; i++) {
		struct ofl_rule_plan *rp = &pp->rules[i];
		struct cand *x = &cd[i];
		const struct ofl_xlate *keys = keys_of(x, x->use_full);
		uint8_t form = x->use_full ? x->intent : OFL_FORM_PUNT;
		struct ofl_entry t;
		uint64_t outcome;
		bool ok;
		unsigned int g;

		if (x->intent == OFL_FORM_NEVER || x->intent == OFL_FORM_NOOP) {
			rp->form = x->intent;
			rp->where = OFL_WHERE_NONE;
			snprintf(rp->why, sizeof(rp->why), "%s",
				 x->intent == OFL_FORM_NEVER ?
				 "never matches on this port before software runs" :
				 "no statement and no verdict");
			continue;
		}
		/* guards go right before the first rule that needs them */
		g = cand_guards(x) & ~guards_placed;
		for (unsigned int w = GUARD_V6; w <= GUARD_V4; w <<= 1) {
			struct ofl_key gk[2 * 14];
			unsigned int ng;
			uint32_t local;

			if (!(g & w))
				continue;
			ng = guard_keys(w, gk);
			memset(&t, 0, sizeof(t));
			t.rule = OFL_ENTRY_GUARD;
			t.fate = OFL_FATE_SOFT;
			if (caps->mark) {
				ret = add_mark(st, OFL_MARK_PUNT, rp->ref.hook_idx,
					       rp->ref.rule_idx, &local);
				if (ret < 0)
					goto out;
				t.mark = local;
			}
			outcome = OUTCOME_GUARD | w;
			ret = place(st, pp, gk, ng, &t, outcome, i, NOT_WEAK, 0, false, &ok);
			if (ret < 0)
				goto out;
			if (!ok) {
				/* no level for the guard: the keys that need it stay
				 * out; the widened ones (which never do) go in */
				g = 0;
				x->use_full = false;
				form = OFL_FORM_PUNT;
				keys = &x->cheap;
				if (!x->cheap_ok)
					goto unplaced;
				break;
			}
			guards_placed |= w;
		}
		memset(&t, 0, sizeof(t));
		t.rule = i;
		switch (form) {
		case OFL_FORM_DROP:
			t.fate = OFL_FATE_DROP;
			t.count = x->count;
			outcome = x->count ? OUTCOME_RULE | i : OUTCOME_DROP;
			break;
		case OFL_FORM_ACCEPT:
			t.fate = OFL_FATE_SOFT;
			t.count = x->count;
			outcome = OUTCOME_RULE | i;
			break;
		default:
			t.fate = OFL_FATE_SOFT;
			t.count = caps->count;
			outcome = OUTCOME_RULE | i;
			break;
		}
		if (caps->mark && t.fate == OFL_FATE_SOFT) {
			uint32_t local;

			if (form == OFL_FORM_ACCEPT)
				ret = add_mark(st, OFL_MARK_ACCEPT, rp->ref.hook_idx + 1, 0,
					       &local);
			else
				ret = add_mark(st, form == OFL_FORM_PARTIAL ? OFL_MARK_PARTIAL :
					       OFL_MARK_PUNT, rp->ref.hook_idx,
					       rp->ref.rule_idx, &local);
			if (ret < 0)
				goto out;
			t.mark = local;
		}
		ret = place(st, pp, keys->keys, keys->n, &t, outcome, i, NOT_WEAK, 0,
			    form == OFL_FORM_DROP || form == OFL_FORM_ACCEPT, &ok);
		if (ret < 0)
			goto out;
		if (ok) {
			activate(st, keys_classes(keys), i);
			rp->form = form;
			/* only an exact rule's COUNT is the rule's: a punt or a
			 * partial resumes software at the rule, which counts */
			rp->count = t.count && x->count &&
				    (form == OFL_FORM_DROP || form == OFL_FORM_ACCEPT);
			rp->mark = t.mark;
			if (form == OFL_FORM_DROP || form == OFL_FORM_ACCEPT) {
				rp->where = OFL_WHERE_HW;
				rp->why[0] = '\0';
			} else if (form == OFL_FORM_PARTIAL) {
				rp->where = caps->mark ? OFL_WHERE_PARTIAL : OFL_WHERE_SW;
				snprintf(rp->why, sizeof(rp->why), "%s", x->why);
			} else {
				rp->where = OFL_WHERE_SW;
				if (!x->use_full && x->intent != OFL_FORM_PUNT)
					snprintf(rp->why, sizeof(rp->why),
						 "punt: rule budget (%u) for colder rules", budget);
				else
					snprintf(rp->why, sizeof(rp->why), "punt: %.150s", x->why);
			}
			if (!caps->mark && t.fate == OFL_FATE_SOFT)
				snprintf(rp->why + strlen(rp->why),
					 sizeof(rp->why) - strlen(rp->why),
					 "%sthe port delivers no MARK: software runs from the first rule",
					 rp->why[0] ? "; " : "");
			continue;
		}
unplaced:
		/* no level left: stays in software and blocks what it could shadow
		 * (its mark id, if any, stays unused) */
		rp->form = OFL_FORM_SW;
		rp->where = OFL_WHERE_SW;
		snprintf(rp->why, sizeof(rp->why),
			 "overlaps earlier rules and the port has %u priority level(s)",
			 caps->n_prio);
		{
			const struct ofl_xlate *w = x->cheap_ok ? &x->cheap : NULL;
			struct ofl_key all;

			if (w == NULL || (x->intent == OFL_FORM_PUNT && !x->cheap_ok)) {
				memset(&all, 0, sizeof(all));
				ret = add_blocked(st, &all, 1, i);
			} else {
				ret = add_blocked(st, w->keys, w->n, i);
				activate(st, keys_classes(w), i);
			}
			if (ret < 0)
				goto out;
		}
	}
	/* 4. the tail: policy drop, all accepted, or a match-all punt */
	{
		struct ofl_entry t;
		struct ofl_key all;
		bool ok = false;
		uint32_t local = 0;

		memset(&t, 0, sizeof(t));
		memset(&all, 0, sizeof(all));
		t.rule = OFL_ENTRY_TAIL;
		if (cut == limit && drop_hook != UINT32_MAX) {
			t.fate = OFL_FATE_DROP;
		} else {
			t.fate = OFL_FATE_SOFT;
			if (caps->mark) {
				if (cut == pp->nrules)
					ret = add_mark(st, OFL_MARK_ACCEPT,
						       (uint16_t)pp->n_hooks, 0, &local);
				else
					ret = add_mark(st, OFL_MARK_PUNT,
						       pp->rules[cut].ref.hook_idx,
						       pp->rules[cut].ref.rule_idx, &local);
				if (ret < 0)
					goto out;
			}
			t.mark = local;
		}
		/* a tail that only says "run everything" is the default anyway */
		if (t.fate == OFL_FATE_DROP || t.mark != 0) {
			ret = tail_copies(st, pp, &t, cut);
			if (ret < 0)
				goto out;
			ret = place(st, pp, &all, 1, &t, OUTCOME_TAIL, cut, NOT_WEAK, 0, false,
				    &ok);
			if (ret < 0)
				goto out;
		}
		if (cut < pp->nrules) {
			struct ofl_rule_plan *rp = &pp->rules[cut];

			if (cut < limit) {
				rp->form = ok ? OFL_FORM_CUT : OFL_FORM_SW;
				rp->where = OFL_WHERE_SW;
				if (cd[cut].cut)
					snprintf(rp->why, sizeof(rp->why), "%s", cd[cut].why);
				else
					snprintf(rp->why, sizeof(rp->why), "%s", cut_why);
			}
			for (uint32_t i = cut + (cut < limit); i < pp->nrules; i++) {
				if (pp->rules[i].why[0] != '\0')
					continue;
				if (i >= limit)
					snprintf(pp->rules[i].why, sizeof(pp->rules[i].why),
						 "after the drop policy of base chain %s",
						 fport->hooks[drop_hook]->ir->name);
				else if (cd[i].intent == OFL_FORM_NEVER)
					snprintf(pp->rules[i].why, sizeof(pp->rules[i].why),
						 "after the first software rule (never matches before it)");
				else
					snprintf(pp->rules[i].why, sizeof(pp->rules[i].why),
						 "after the first software rule");
			}
		}
	}
	pp->entries = st->el.e;
	pp->nentries = dedup_entries(st->el.e, st->el.n);
	pp->levels = st->any ? st->max_level + 1 : 0;
	st->el.e = NULL;
	st->el.n = st->el.cap = 0;
	/* entry and rule indexes of the placed entries */
	for (uint32_t i = 0; i < pp->nentries; i++) {
		uint32_t r = pp->entries[i].rule;

		if (r >= pp->nrules)
			continue;
		if (pp->rules[r].n == 0)
			pp->rules[r].first = i;
		pp->rules[r].n++;
	}
out:
	if (cd != NULL)
		for (uint32_t i = 0; i < pp->nrules; i++) {
			ofl_xlate_free(&cd[i].full);
			ofl_xlate_free(&cd[i].cheap);
		}
	free(cd);
	free(hot);
	return ret;
}

int
ofl_plan_build(struct ofl_ctx *c, const struct ir_ruleset *ir,
	       const struct fp_ruleset *fp, const struct ofl_plan *prev,
	       ofl_hits_fn hits, void *hits_arg, struct ofl_plan **out)
{
	struct ofl_plan *plan;
	struct plan_state st;
	uint32_t base = 0;
	int ret = 0;

	*out = NULL;
	plan = calloc(1, sizeof(*plan));
	if (plan == NULL)
		return -ENOMEM;
	plan->ir = ir;
	plan->fp = fp;
	plan->n_ports = c->n_ports;
	plan->ports = calloc(c->n_ports ? c->n_ports : 1, sizeof(*plan->ports));
	if (plan->ports == NULL) {
		free(plan);
		return -ENOMEM;
	}
	memset(&st, 0, sizeof(st));
	for (unsigned int p = 0; p < c->n_ports; p++) {
		struct ofl_port_plan *pp = &plan->ports[p];
		uint32_t first_mark = st.nmarks;

		pp->cfg = c->ports[p];
		if (pp->cfg.port_idx >= fp->n_ports) {
			snprintf(pp->note, sizeof(pp->note),
				 "port index %u is not in the ruleset", pp->cfg.port_idx);
			continue;
		}
		st.el.n = 0;
		st.nblocked = 0;
		st.max_level = 0;
		st.any = false;
		memset(st.cls, 0, sizeof(st.cls));
		ret = plan_port(c, plan, pp, prev, hits, hits_arg, &st);
		if (ret < 0)
			break;
		/* port-local mark numbers are plan-wide already (st.nmarks) */
		(void)first_mark;
	}
	if (ret == 0 && st.nmarks > 0) {
		base = ofl_mark_alloc(&c->marks, st.nmarks);
		if (base == 0) {
			ret = -ENOSPC;
		} else {
			plan->marks = calloc(1, sizeof(*plan->marks) +
					     st.nmarks * sizeof(plan->marks->ent[0]));
			if (plan->marks == NULL) {
				ofl_mark_release(&c->marks, base);
				ret = -ENOMEM;
			} else {
				plan->marks->base = base;
				plan->marks->n = st.nmarks;
			}
		}
	}
	if (ret == 0 && plan->marks != NULL) {
		/* rebase local ids (1..n) to the block, fill the table */
		for (unsigned int p = 0; p < plan->n_ports; p++) {
			struct ofl_port_plan *pp = &plan->ports[p];

			for (uint32_t i = 0; i < pp->nentries; i++) {
				uint32_t m = pp->entries[i].mark;

				if (m == 0)
					continue;
				plan->marks->ent[m - 1] = (struct ofl_mark_ent){
					st.marks[m - 1].rule, st.marks[m - 1].hook,
					st.marks[m - 1].kind, (uint8_t)pp->cfg.port_idx };
				pp->entries[i].mark = base + m - 1;
			}
			for (uint32_t i = 0; i < pp->nrules; i++)
				if (pp->rules[i].mark != 0)
					pp->rules[i].mark = base + pp->rules[i].mark - 1;
		}
	}
	el_free(&st.el);
	free(st.blocked);
	free(st.blocked_pos);
	free(st.marks);
	c->last_ir = ir;
	c->last_fp = fp;
	if (ret < 0) {
		ofl_plan_free(c, plan);
		return ret;
	}
	*out = plan;
	return 0;
}

const struct ofl_marktab *
ofl_plan_marks(const struct ofl_plan *plan)
{
	return plan != NULL ? plan->marks : NULL;
}

void
ofl_plan_free(struct ofl_ctx *c, struct ofl_plan *plan)
{
	if (plan == NULL)
		return;
	if (plan->marks != NULL)
		ofl_mark_release(&c->marks, plan->marks->base);
	for (unsigned int p = 0; p < plan->n_ports; p++) {
		free(plan->ports[p].rules);
		free(plan->ports[p].entries);
	}
	free(plan->ports);
	free(plan->marks);
	free(plan);
}

/* same decisions: same entries (keys, levels, fates) per port */
static bool
plan_same(const struct ofl_plan *a, const struct ofl_plan *b)
{
	if (a->n_ports != b->n_ports)
		return false;
	for (unsigned int p = 0; p < a->n_ports; p++) {
		const struct ofl_port_plan *x = &a->ports[p], *y = &b->ports[p];

		if (x->nentries != y->nentries)
			return false;
		for (uint32_t i = 0; i < x->nentries; i++) {
			const struct ofl_entry *e = &x->entries[i], *f = &y->entries[i];

			if (e->rule != f->rule || e->prio != f->prio || e->fate != f->fate ||
			    e->count != f->count || memcmp(&e->key, &f->key, sizeof(e->key)))
				return false;
		}
	}
	return true;
}

int
ofl_replan(struct ofl_ctx *c, struct ofl_plan *cur, ofl_hits_fn hits,
	   void *hits_arg, struct ofl_plan **out)
{
	struct ofl_plan *n;
	int ret;

	*out = NULL;
	if (cur == NULL)
		return -EINVAL;
	ret = ofl_plan_build(c, cur->ir, cur->fp, cur, hits, hits_arg, &n);
	if (ret < 0)
		return ret;
	if (plan_same(cur, n)) {
		ofl_plan_free(c, n);
		return 0;
	}
	*out = n;
	return 1;
}
