/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cls_run.c - the burst path of the compiled classifier.
 *
 * Per burst (at most CLS_BURST_MAX packets) and base chain: build the keys
 * of the packets the hook sees, one rte_acl_classify() on them (context 0:
 * the first 16 continuation points), prefetch. Classification is pure (the
 * packet and its mark, 0 on this path, do not change before a rule that
 * would change them hands over), so it is done for a base chain when the
 * first packet reaches it; then every packet walks its base chains in
 * order, one packet after the other, exactly like interp_run() in a loop:
 * stateful statements (counters, limits, quotas) see packets in the same
 * order as the interpreter would.
 */
#include <string.h>

#include <rte_acl.h>
#include <rte_hash_crc.h>
#include <rte_prefetch.h>

#include "fastpath/cls_int.h"

/* Base chains whose burst results are kept; later ones classify per packet. */
#define CLS_RUN_HOOKS	2

enum cls_out {
	CLS_OUT_ACCEPT = 0,	/* the base chain accepts: next one */
	CLS_OUT_DROP,
	CLS_OUT_HANDOFF,	/* interp_run_from() from rule *ho_rule */
};

/* A base chain's classification of the burst, made when first needed. */
struct cls_hook_res {
	bool keyed;
	uint32_t done;			/* segments classified (bit) */
	const uint8_t *data[CLS_BURST_MAX];
	uint32_t r[CLS_MAX_SEGS][CLS_BURST_MAX];
	uint8_t keys[CLS_BURST_MAX][CLS_KEY_ROW] __rte_aligned(16);
};

struct cls_walk {
	const struct cls *c;
	const struct fp_ruleset *rs;
	unsigned int lcore;
	uint16_t in_port;
	struct cls_pkt pkt;
	uint32_t skb_len;
	bool have_now;
	uint64_t now;
	/* the burst */
	struct rte_mbuf *const *m;
	const struct pkt_view *v;
	uint16_t n;
	uint16_t i;			/* packet being walked */
	struct cls_hook_res *hr;	/* NULL: this chain per packet */
	/* per packet and chain: segments classified for it alone */
	uint32_t p_done;
	uint32_t p_res[CLS_MAX_SEGS];
	bool p_keyed;
	uint8_t p_key[CLS_KEY_ROW] __rte_aligned(16);
};

static inline void
cls_key_copy(uint8_t *key, const struct cls_src *s, const uint8_t *src)
{
	for (unsigned int k = 0; k < s->n_copy; k++) {
		const struct cls_copy *cp = &s->copy[k];

		switch (cp->size) {
		case 4:
			memcpy(key + cp->to, src + cp->from, 4);
			break;
		case 2:
			memcpy(key + cp->to, src + cp->from, 2);
			break;
		case 1:
			key[cp->to] = src[cp->from];
			break;
		default:	/* pieces copied together (cls_acl.c) */
			memcpy(key + cp->to, src + cp->from, cp->size);
			break;
		}
	}
}

/* A meta or byte-swapped source, through its register image. */
static void
cls_key_src_slow(const struct cls_src *s, const struct rte_mbuf *m,
		 const struct pkt_view *v, uint8_t *key)
{
	uint8_t img[CLS_SRC_MAX_LEN] __rte_aligned(8);
	uint32_t u32;
	bool ok = true;

	memset(img, 0, sizeof(img));
	switch (s->kind) {
	case CLS_SRC_PAYLOAD:
		ok = pkt_view_load_payload(m, v, (enum pkt_view_base)s->base,
					   s->offset, s->len, img);
		break;
	case CLS_SRC_LEN:
		u32 = pkt_view_meta_len(v);
		memcpy(img, &u32, 4);
		break;
	case CLS_SRC_PROTOCOL:
		memcpy(img, &v->protocol, 2);
		break;
	case CLS_SRC_PKTTYPE:
		img[0] = v->pkttype;
		break;
	case CLS_SRC_L4PROTO:
		ok = pkt_view_meta_l4proto(v, &img[0]);
		break;
	default:
		ok = false;
		break;
	}
	if (!ok)
		return;
	if (s->swap)
		interp_swap_img(img, s->len);
	cls_key_copy(key, s, img);
}

/* A piece that is not all in the first segment (or a tagged frame's link
 * header): the bytes that load, one by one (a piece may run past the end of
 * the loads on it, and those bytes are wild). */
static void
cls_key_piece_slow(const struct cls_src *s, const struct rte_mbuf *m,
		   const struct pkt_view *v, uint8_t *key)
{
	uint8_t img[CLS_SRC_MAX_LEN] = { 0 };

	for (unsigned int b = 0; b < s->len && b < sizeof(img); b++)
		if (!pkt_view_load_payload(m, v, (enum pkt_view_base)s->base,
					   s->offset + b, 1, &img[b]))
			break;
	cls_key_copy(key, s, img);
}

/*
 * Keys of a burst (see cls_acl.c for the layout), source by source over the
 * packets so that each loop is short and predictable. Payload pieces in
 * the first segment are copied straight from the frame; everything else
 * takes a slow path. The validity flags say which loads work: they are
 * computed per class with the bounds pkt_view_load_payload() checks, apart
 * from the data, and written last. Bytes that do not load are left as they
 * are (whatever the buffer held): every box on them requires a validity
 * bit that is then clear.
 */
struct cls_kb {
	struct rte_mbuf *const *m;
	const struct pkt_view *v;
	uint16_t n;
	uint8_t (*keys)[CLS_KEY_ROW];
};

/*
 * One piece over the burst, for a base and a copy size known at compile
 * time. Everything the loop reads is in locals first: the copies are char
 * stores, which may alias anything, and would make the compiler reload the
 * source and the views after each of them.
 */
static __rte_always_inline void
cls_kb_piece_n(const struct cls_kb *kb, const struct cls_src *s,
	       unsigned int base, unsigned int size)
{
	struct rte_mbuf *const *m = kb->m;
	const struct pkt_view *const vv = kb->v;
	uint8_t (*const keys)[CLS_KEY_ROW] = kb->keys;
	const uint32_t soff = s->offset, to = s->copy[0].to;
	const uint16_t n = kb->n;

	for (uint16_t i = 0; i < n; i++) {
		const struct pkt_view *v = &vv[i];
		const uint8_t *data = v->data;
		uint32_t off, seg = v->seg_len;
		uint8_t fl = v->flags;

		if (base == PKT_BASE_NH) {
			off = (uint32_t)v->nh_off + soff;
		} else if (base == PKT_BASE_TH) {
			if (!(fl & PKT_VIEW_F_L4PROTO))
				continue;
			off = (uint32_t)v->nh_off + v->thoff + soff;
		} else {
			off = soff;
			if (unlikely(fl & PKT_VIEW_F_VLAN))
				seg = 0;	/* bytes 16-17 are rebuilt */
		}
		if (likely(off + size <= seg))
			memcpy(keys[i] + to, data + off, size);
		else
			cls_key_piece_slow(s, m[i], v, keys[i]);
	}
}

static void
cls_kb_piece(const struct cls_kb *kb, const struct cls_src *s)
{
	unsigned int base = s->fast == CLS_FAST_NH ? PKT_BASE_NH :
			    s->fast == CLS_FAST_TH ? PKT_BASE_TH : PKT_BASE_LL;

	if (unlikely(s->n_copy != 1)) {
		/* two views of the piece: the copies one by one */
		for (uint16_t i = 0; i < kb->n; i++)
			cls_key_piece_slow(s, kb->m[i], &kb->v[i], kb->keys[i]);
		return;
	}
#define CLS_KB_CASE(B, N) \
	if (base == (B) && s->len == (N)) { \
		cls_kb_piece_n(kb, s, (B), (N)); \
		return; \
	}
	CLS_KB_CASE(PKT_BASE_NH, 8)
	CLS_KB_CASE(PKT_BASE_NH, 4)
	CLS_KB_CASE(PKT_BASE_NH, 2)
	CLS_KB_CASE(PKT_BASE_NH, 1)
	CLS_KB_CASE(PKT_BASE_TH, 4)
	CLS_KB_CASE(PKT_BASE_TH, 2)
	CLS_KB_CASE(PKT_BASE_TH, 1)
	CLS_KB_CASE(PKT_BASE_LL, 4)
	CLS_KB_CASE(PKT_BASE_LL, 2)
	CLS_KB_CASE(PKT_BASE_LL, 1)
#undef CLS_KB_CASE
	/* other run lengths */
	for (uint16_t i = 0; i < kb->n; i++)
		cls_key_piece_slow(s, kb->m[i], &kb->v[i], kb->keys[i]);
}

/* What loads of a validity slot's kind can reach (-1: none). */
static __rte_always_inline int32_t
cls_avail(const struct pkt_view *pv, unsigned int slot)
{
	bool l4 = (pv->flags & PKT_VIEW_F_L4PROTO) != 0;
	int32_t th = (int32_t)pv->frame_len - pv->nh_off - pv->thoff;

	switch (slot) {
	case CLS_VSLOT_LL:
		return (int32_t)pv->frame_len;
	case CLS_VSLOT_NH:
		return (int32_t)pv->frame_len - pv->nh_off;
	case CLS_VSLOT_TH_FAST:
		return l4 ? th : -1;
	case CLS_VSLOT_TH:
		return l4 && pv->fragoff == 0 ? th : -1;
	default:	/* CLS_VSLOT_L4PROTO */
		return l4 ? 0 : -1;
	}
}

/* One slot's table over the burst, for a slot known at compile time. */
static __rte_always_inline void
cls_vtab_n(const struct pkt_view *v, uint16_t n, unsigned int slot,
	   int32_t mx, const uint64_t *t, uint64_t *fl)
{
	for (uint16_t i = 0; i < n; i++) {
		int32_t a = cls_avail(&v[i], slot);

		if (a >= 0)
			fl[i] |= t[a < mx ? a : mx];
	}
}

/*
 * The validity flags of a burst's keys: slot by slot over the packets (the
 * slot's kind is then a constant of the inner loop), written last.
 */
static void
cls_keys_flags(const struct cls_prog *p, const struct pkt_view *v, uint16_t n,
	       uint8_t (*keys)[CLS_KEY_ROW])
{
	const unsigned int nv = p->n_vcls, nf = p->n_flag;
	const struct cls_vcls *vc = p->vcls;
	const uint8_t *fo = p->flag_off;
	uint64_t fl[CLS_BURST_MAX];

	for (uint16_t i = 0; i < n; i++)
		fl[i] = 0;
	if (likely(p->n_vtab != 0)) {
		for (unsigned int t = 0; t < p->n_vtab; t++) {
			const uint64_t *tt = p->vtab[t].t;
			int32_t mx = p->vtab[t].max;

			switch (p->vtab[t].slot) {
			case CLS_VSLOT_LL:
				cls_vtab_n(v, n, CLS_VSLOT_LL, mx, tt, fl);
				break;
			case CLS_VSLOT_NH:
				cls_vtab_n(v, n, CLS_VSLOT_NH, mx, tt, fl);
				break;
			case CLS_VSLOT_TH_FAST:
				cls_vtab_n(v, n, CLS_VSLOT_TH_FAST, mx, tt, fl);
				break;
			case CLS_VSLOT_TH:
				cls_vtab_n(v, n, CLS_VSLOT_TH, mx, tt, fl);
				break;
			default:
				cls_vtab_n(v, n, CLS_VSLOT_L4PROTO, mx, tt, fl);
				break;
			}
		}
	} else {
		for (uint16_t i = 0; i < n; i++)
			for (unsigned int c = 0; c < nv; c++)
				fl[i] |= (uint64_t)((int32_t)vc[c].end <=
						    cls_avail(&v[i], vc[c].slot))
					 << vc[c].shift;
	}
	for (uint16_t i = 0; i < n; i++)
		for (unsigned int f = 0; f < nf; f++)
			keys[i][fo[f]] = (uint8_t)(fl[i] >> (8 * f));
}

static void
cls_keys_burst(const struct cls_prog *p, struct rte_mbuf *const *m,
	       const struct pkt_view *v, uint16_t n,
	       uint8_t (*keys)[CLS_KEY_ROW])
{
	const uint16_t *k = p->src_kind_end;
	struct cls_kb kb;
	unsigned int s;

	kb.m = m;
	kb.v = v;
	kb.n = n;
	kb.keys = keys;
	for (s = 0; s < k[CLS_FAST_NONE]; s++)
		for (uint16_t i = 0; i < n; i++)
			cls_key_src_slow(&p->src[s], m[i], &v[i], keys[i]);
	for (; s < k[CLS_FAST_LL]; s++)
		cls_kb_piece(&kb, &p->src[s]);
	for (; s < k[CLS_FAST_PROTOCOL]; s++) {
		uint8_t to = p->src[s].copy[0].to;

		for (uint16_t i = 0; i < n; i++)
			memcpy(keys[i] + to, &v[i].protocol, 2);
	}
	for (; s < k[CLS_FAST_L4PROTO]; s++) {
		uint8_t to = p->src[s].copy[0].to;

		for (uint16_t i = 0; i < n; i++)
			keys[i][to] = v[i].l4proto;
	}
	cls_keys_flags(p, v, n, keys);
}

/* One packet's key. */
static inline void
cls_key_build(const struct cls_prog *p, struct rte_mbuf *m,
	      const struct pkt_view *v, uint8_t *key)
{
	cls_keys_burst(p, &m, v, 1, (uint8_t (*)[CLS_KEY_ROW])key);
}

static inline uint64_t
cls_now(struct cls_walk *w)
{
	if (!w->have_now) {
		w->now = w->rs->clock(w->rs->clock_arg);
		w->have_now = true;
	}
	return w->now;
}

/* The entry's items that the boxes do not settle, in rule order. */
static bool
cls_exec(struct cls_walk *w, const struct cls_entry *e)
{
	const struct fp_ruleset *rs = w->rs;

	for (unsigned int k = 0; k < e->n_run; k++) {
		const struct cls_op *op = &e->ops[k];

		switch (op->kind) {
		case CLS_OP_MATCH:
			if (!cls_match(&w->pkt, op->match))
				return false;
			break;
		case CLS_OP_COUNTER:
			fp_counters_add(&rs->counters, w->lcore, op->slot,
					w->skb_len);
			break;
		case CLS_OP_LIMIT:
			if (!fp_limit_eval(&rs->limits[op->slot], cls_now(w),
					   w->skb_len))
				return false;
			break;
		case CLS_OP_QUOTA:
			if (!fp_quota_eval(&rs->quotas[op->slot], w->skb_len))
				return false;
			break;
		default:
			return false;
		}
	}
	return true;
}

/* First candidate of seg among n keys: res[i] (entry + 1, 0: none). */
static inline void
cls_classify_seg(const struct cls_seg *sg, const uint8_t **data, uint32_t n,
		 uint32_t *res)
{
	uint32_t tmp[CLS_BURST_MAX];

	memset(res, 0, n * sizeof(*res));
	if (sg->n_ctx == 0)
		return;
	rte_acl_classify(sg->ctx[0], data, res, n, 1);
	for (uint32_t q = 1; q < sg->n_ctx; q++) {
		memset(tmp, 0, n * sizeof(*tmp));
		rte_acl_classify(sg->ctx[q], data, tmp, n, 1);
		for (uint32_t i = 0; i < n; i++) {
			uint32_t t = tmp[i], r = res[i];

			/* 0 (none) is the largest as unsigned t - 1 */
			res[i] = t - 1 < r - 1 ? t : r;
		}
	}
}

/*
 * cls_classify_seg() through the lcore's result cache (cls_int.h): the
 * masked keys are hashed and looked up first, the misses classified
 * together and remembered.
 */
static void
cls_classify_seg_cached(const struct cls *c, unsigned int lcore,
			const struct cls_prog *p, const struct cls_seg *sg,
			const uint8_t **data, uint32_t n, uint32_t *res)
{
	struct cls_cache_bkt *tab = c->cache + (size_t)lcore * CLS_CACHE_BUCKETS;
	const uint32_t id = p->cache_id + sg->acl_idx;
	uint64_t k[CLS_BURST_MAX][CLS_CACHE_KEY / 8];
	struct cls_cache_bkt *b[CLS_BURST_MAX];
	const uint8_t *mdata[CLS_BURST_MAX];
	uint32_t mres[CLS_BURST_MAX];
	uint8_t miss[CLS_BURST_MAX];
	uint32_t nm = 0;

	RTE_BUILD_BUG_ON(CLS_CACHE_KEY / 8 != 3);
	RTE_BUILD_BUG_ON(CLS_KEY_ROW < CLS_CACHE_KEY);
	RTE_BUILD_BUG_ON((CLS_CACHE_BUCKETS & (CLS_CACHE_BUCKETS - 1)) != 0);
	/* hash all, prefetch the buckets, then compare: the loads overlap */
	for (uint32_t i = 0; i < n; i++) {
		uint32_t h;

		memcpy(k[i], data[i], CLS_CACHE_KEY);
		k[i][0] &= p->cache_mask[0];
		k[i][1] &= p->cache_mask[1];
		k[i][2] &= p->cache_mask[2];
		h = rte_hash_crc_8byte(k[i][0], id);
		h = rte_hash_crc_8byte(k[i][1], h);
		h = rte_hash_crc_8byte(k[i][2], h);
		b[i] = &tab[h & (CLS_CACHE_BUCKETS - 1)];
		rte_prefetch0(b[i]);
		rte_prefetch0((const uint8_t *)b[i] + RTE_CACHE_LINE_SIZE);
	}
	for (uint32_t i = 0; i < n; i++) {
		const struct cls_cache_ent *e = b[i]->e;
		uint32_t w;

		for (w = 0; w < CLS_CACHE_WAYS; w++)
			if (e[w].id == id && e[w].k[0] == k[i][0] &&
			    e[w].k[1] == k[i][1] && e[w].k[2] == k[i][2])
				break;
		if (likely(w < CLS_CACHE_WAYS)) {
			res[i] = e[w].res;
			continue;
		}
		miss[nm] = (uint8_t)i;
		mdata[nm++] = data[i];
	}
	if (nm == 0)
		return;
	cls_classify_seg(sg, mdata, nm, mres);
	for (uint32_t j = 0; j < nm; j++) {
		uint32_t i = miss[j];
		struct cls_cache_ent *e = b[i]->e;

		res[i] = mres[j];
		memmove(&e[1], &e[0], (CLS_CACHE_WAYS - 1) * sizeof(*e));
		memcpy(e[0].k, k[i], sizeof(e[0].k));
		e[0].id = id;
		e[0].res = mres[j];
	}
}

static inline const uint8_t *cls_key_of(struct cls_walk *w,
					const struct cls_prog *p);

/* Segment j's first candidate for the packet being walked. */
static inline uint32_t
cls_seg_res(struct cls_walk *w, const struct cls_prog *p, uint32_t j)
{
	const struct cls_seg *sg = &p->segs[j];
	uint32_t bit = 1u << sg->acl_idx;
	struct cls_hook_res *hr = w->hr;

	if (likely(hr != NULL)) {
		if (unlikely(!(hr->done & bit))) {
			/* frames the hook does not see are never walked:
			 * their keys do not matter */
			(void)cls_key_of(w, p);
			if (p->cached && w->lcore < w->c->n_cache_lcores &&
			    sg->n_ctx > 0)
				cls_classify_seg_cached(w->c, w->lcore, p, sg,
							hr->data, w->n,
							hr->r[sg->acl_idx]);
			else
				cls_classify_seg(sg, hr->data, w->n,
						 hr->r[sg->acl_idx]);
			hr->done |= bit;
		}
		return hr->r[sg->acl_idx][w->i];
	}
	if (!(w->p_done & bit)) {
		const uint8_t *data[1];

		data[0] = cls_key_of(w, p);
		cls_classify_seg(sg, data, 1, &w->p_res[sg->acl_idx]);
		w->p_done |= bit;
	}
	return w->p_res[sg->acl_idx];
}

/* The packet's key for this program (built once per chain). */
static inline const uint8_t *
cls_key_of(struct cls_walk *w, const struct cls_prog *p)
{
	struct cls_hook_res *hr = w->hr;

	if (likely(hr != NULL)) {
		if (!hr->keyed) {
			cls_keys_burst(p, w->m, w->v, w->n, hr->keys);
			for (uint16_t i = 0; i < w->n; i++)
				hr->data[i] = hr->keys[i];
			hr->keyed = true;
		}
		return hr->keys[w->i];
	}
	if (!w->p_keyed) {
		cls_key_build(p, (struct rte_mbuf *)(uintptr_t)w->pkt.m, w->pkt.v,
			      w->p_key);
		w->p_keyed = true;
	}
	return w->p_key;
}

static inline uint32_t
cls_key_field(const uint8_t *key, const struct cls_ratom *a)
{
	switch (a->size) {
	case 4:
		return (uint32_t)key[a->off] << 24 | (uint32_t)key[a->off + 1] << 16 |
		       (uint32_t)key[a->off + 2] << 8 | key[a->off + 3];
	case 2:
		return (uint32_t)key[a->off] << 8 | key[a->off + 1];
	default:
		return key[a->off];
	}
}

/* Whether one of entry e's boxes holds the key (what rte_acl answers). */
static inline bool
cls_boxes_hold(const struct cls_prog *p, const struct cls_entry *e,
	       const uint8_t *key)
{
	for (uint32_t b = 0; b < e->n_box; b++) {
		const struct cls_rbox *x = &p->rbox[e->box_off + b];
		bool in = true;

		for (uint32_t k = 0; k < x->n && in; k++) {
			const struct cls_ratom *a = &p->ratom[x->off + k];
			uint32_t v = cls_key_field(key, a);

			in = a->mask ? (v & a->b) == a->a : v >= a->a && v <= a->b;
		}
		if (in)
			return true;
	}
	return false;
}

/*
 * Entries from *pos to end tested in turn on the key, as rte_acl would
 * (the boxes carry the jump rules' matches too): the first that may match,
 * as index + 1; 0 with *pos at end.
 */
static inline uint32_t
cls_scan(struct cls_walk *w, const struct cls_prog *p, uint32_t *pos,
	 uint32_t end)
{
	const uint8_t *key = cls_key_of(w, p);

	for (; *pos < end; (*pos)++)
		if (cls_boxes_hold(p, &p->entries[*pos], key))
			return *pos + 1;
	return 0;
}

/* First entry at or after pos that may match (its index + 1), 0: none. */
static inline uint32_t
cls_cand(struct cls_walk *w, const struct cls_prog *p, uint32_t pos)
{
	while (pos < p->n_entries) {
		uint32_t j = p->seg_of[pos];
		const struct cls_seg *sg = &p->segs[j];
		uint32_t r;

		if (!sg->linear) {
			r = cls_seg_res(w, p, j);
			if (r == 0) {
				pos = sg->end;
				continue;
			}
			if (r - 1 >= pos)
				return r;
		}
		r = cls_scan(w, p, &pos, sg->end);
		if (r != 0)
			return r;
	}
	return 0;
}

static inline void
cls_decided(struct interp_result *res, uint32_t h, const struct ir_chain *ch,
	    uint32_t rule, enum interp_reason why)
{
	res->hook_idx = (int32_t)h;
	res->chain = ch;
	res->rule_idx = rule;
	res->reason = why;
}

/* One base chain for one packet, from position start (0: the chain). */
static enum cls_out
cls_walk_chain(struct cls_walk *w, const struct cls_prog *p, uint32_t h,
	       uint32_t start, struct interp_result *res, uint32_t *ho_rule)
{
	uint32_t cand, pos;

	w->p_done = 0;
	w->p_keyed = false;
	cand = cls_cand(w, p, start);
	for (;;) {
		const struct cls_entry *e;
		struct cls_act act;

		if (cand == 0) {
			const struct ir_chain *b = p->base->ir;

			cls_decided(res, h, b, b->nrules, INTERP_R_POLICY);
			return b->policy == IR_POLICY_DROP ? CLS_OUT_DROP :
							    CLS_OUT_ACCEPT;
		}
		e = &p->entries[cand - 1];
		if (unlikely(e->kind == CLS_E_HANDOFF)) {
			*ho_rule = e->rule_idx;
			return CLS_OUT_HANDOFF;
		}
		if (e->n_run != 0 && !cls_exec(w, e)) {
			pos = e->fail;
			goto next;
		}
		if (unlikely(e->vm_check) &&
		    cls_lookup(&w->pkt, e->vm_lookup) !=
		    &e->vm_lookup->set->elems[e->vm_elem]) {
			pos = e->elem_next;
			goto next;
		}
		act = e->act;
		if (e->kind == CLS_E_VMAP) {
			const struct ir_set_elem *el = cls_lookup(&w->pkt,
								  e->vm_lookup);

			if (el == NULL) {
				pos = e->fail;
				goto next;
			}
			act = e->vm_act[el - e->vm_lookup->set->elems];
		}
		switch (act.kind) {
		case CLS_ACT_ACCEPT:
			cls_decided(res, h, e->chain_ir, e->rule_idx,
				    INTERP_R_RULE);
			return CLS_OUT_ACCEPT;
		case CLS_ACT_DROP:
			cls_decided(res, h, e->chain_ir, e->rule_idx,
				    INTERP_R_RULE);
			return CLS_OUT_DROP;
		case CLS_ACT_POLICY: {
			const struct ir_chain *b = p->base->ir;

			cls_decided(res, h, b, b->nrules, INTERP_R_POLICY);
			return b->policy == IR_POLICY_DROP ? CLS_OUT_DROP :
							    CLS_OUT_ACCEPT;
		}
		default:
			pos = act.target;
			break;
		}
next:
		cand = cls_cand(w, p, pos);
	}
}

static void
cls_run_chunk(const struct cls *c, unsigned int lcore, uint16_t in_port,
	      struct rte_mbuf *const *m, const struct pkt_view *v, uint16_t n,
	      struct interp_result *res)
{
	const struct fp_ruleset *rs = c->rs;
	struct cls_hook_res hr[CLS_RUN_HOOKS];
	const struct cls_port *port;
	const struct fp_port *fpp;
	struct cls_walk w;

	for (unsigned int h = 0; h < CLS_RUN_HOOKS; h++) {
		hr[h].keyed = false;
		hr[h].done = 0;
	}
	w.c = c;
	w.rs = rs;
	w.hr = NULL;
	w.i = 0;
	w.p_done = 0;
	w.p_keyed = false;
	w.pkt.m = NULL;
	w.pkt.v = NULL;
	w.skb_len = 0;
	w.have_now = false;
	w.lcore = lcore;
	w.in_port = in_port;
	w.pkt.mark = 0;
	w.m = m;
	w.v = v;
	w.n = n;
	port = in_port < c->n_ports ? &c->ports[in_port] : NULL;
	fpp = in_port < rs->n_ports ? &rs->ports[in_port] : NULL;
	w.pkt.port = fpp;

	/* the first base chain's first segment, for the whole burst */
	if (port != NULL && port->n_hooks > 0 && !port->hook[0]->interp_only &&
	    port->hook[0]->n_segs > 0 && !port->hook[0]->segs[0].linear) {
		const struct cls_prog *p0 = port->hook[0];

		w.hr = &hr[0];
		w.i = 0;
		(void)cls_seg_res(&w, p0, 0);
		for (uint16_t i = 0; i < n; i++) {
			uint32_t c0 = hr[0].r[p0->segs[0].acl_idx][i];

			if (c0 != 0)
				rte_prefetch0(&p0->entries[c0 - 1]);
		}
		/* then what those candidates run first: a counter is the
		 * usual first item (the entries' loads overlap here, the
		 * walk below would take them one after the other) */
		for (uint16_t i = 0; i < n; i++) {
			uint32_t c0 = hr[0].r[p0->segs[0].acl_idx][i];
			const struct cls_entry *e;

			if (c0 == 0)
				continue;
			e = &p0->entries[c0 - 1];
			if (e->n_run != 0 && e->ops[0].kind == CLS_OP_COUNTER &&
			    lcore < rs->counters.n_lcores &&
			    e->ops[0].slot < rs->counters.n_slots)
				rte_prefetch0(&rs->counters.lcore[lcore][e->ops[0].slot]);
		}
	}

	for (uint16_t i = 0; i < n; i++) {
		struct interp_result *r = &res[i];
		uint32_t h;

		r->disp = INTERP_ACCEPT;
		r->reason = INTERP_R_NO_CHAIN;
		r->out_port = FP_PORT_PEER;
		r->n_extra = 0;
		r->mark = 0;
		r->hook_idx = -1;
		r->chain = NULL;
		r->rule_idx = 0;
		if (unlikely(port == NULL || !(v[i].flags & PKT_VIEW_F_HOOK))) {
			r->disp = INTERP_DROP;
			r->reason = INTERP_R_NOT_SEEN;
			continue;
		}
		w.i = i;
		w.pkt.m = m[i];
		w.pkt.v = &v[i];
		w.skb_len = pkt_view_meta_len(&v[i]);
		w.have_now = false;
		for (h = 0; h < port->n_hooks; h++) {
			const struct cls_prog *p = port->hook[h];
			uint32_t ho_rule = 0;
			enum cls_out out;

			if (unlikely(p->interp_only)) {
				interp_run_from(rs, lcore, in_port, m[i], &v[i], h, 0,
						0, r);
				goto next_pkt;
			}
			w.hr = likely(h < CLS_RUN_HOOKS) ? &hr[h] : NULL;
			out = cls_walk_chain(&w, p, h, 0, r, &ho_rule);
			if (out == CLS_OUT_ACCEPT)
				continue;
			if (out == CLS_OUT_DROP) {
				r->disp = INTERP_DROP;
				goto next_pkt;
			}
			interp_run_from(rs, lcore, in_port, m[i], &v[i], h, ho_rule,
					0, r);
			goto next_pkt;
		}
		r->disp = INTERP_ACCEPT;
		r->out_port = fpp->peer;
next_pkt:;
	}
}

void
cls_run_burst(const struct cls *c, unsigned int lcore_idx, uint16_t in_port,
	      struct rte_mbuf *const *m, const struct pkt_view *v, uint16_t n,
	      struct interp_result *res)
{
	for (uint16_t off = 0; off < n; off += CLS_BURST_MAX)
		cls_run_chunk(c, lcore_idx, in_port, m + off, v + off,
			      (uint16_t)RTE_MIN(n - off, CLS_BURST_MAX),
			      res + off);
}

void
cls_run_from(const struct cls *c, unsigned int lcore_idx, uint16_t in_port,
	     struct rte_mbuf *m, const struct pkt_view *v, uint32_t hook_idx,
	     uint32_t rule_idx, struct interp_result *res)
{
	const struct fp_ruleset *rs = c->rs;
	const struct cls_port *port;
	const struct fp_port *fpp;
	const struct cls_prog *p;
	struct cls_walk w;
	uint32_t h, start;

	res->disp = INTERP_ACCEPT;
	res->reason = INTERP_R_NO_CHAIN;
	res->out_port = FP_PORT_PEER;
	res->n_extra = 0;
	res->mark = 0;
	res->hook_idx = -1;
	res->chain = NULL;
	res->rule_idx = 0;
	if (unlikely(in_port >= c->n_ports || in_port >= rs->n_ports ||
		     !(v->flags & PKT_VIEW_F_HOOK))) {
		res->disp = INTERP_DROP;
		res->reason = INTERP_R_NOT_SEEN;
		return;
	}
	port = &c->ports[in_port];
	fpp = &rs->ports[in_port];
	if (hook_idx >= port->n_hooks) {
		res->out_port = fpp->peer;
		return;
	}
	p = port->hook[hook_idx];
	if (unlikely(p->interp_only || p->resume_pos == NULL)) {
		interp_run_from(rs, lcore_idx, in_port, m, v, hook_idx,
				rule_idx, 0, res);
		return;
	}
	w.c = c;
	w.rs = rs;
	w.lcore = lcore_idx;
	w.in_port = in_port;
	w.pkt.port = fpp;
	w.pkt.m = m;
	w.pkt.v = v;
	w.pkt.mark = 0;
	w.skb_len = pkt_view_meta_len(v);
	w.have_now = false;
	w.m = &m;
	w.v = v;
	w.n = 1;
	w.i = 0;
	w.hr = NULL;
	w.p_done = 0;
	w.p_keyed = false;
	/* rule_idx > nrules: the policy, as interp_run_from() */
	start = p->resume_pos[RTE_MIN(rule_idx, p->base->ir->nrules)];
	for (h = hook_idx; h < port->n_hooks; h++, start = 0) {
		uint32_t ho_rule = 0;
		enum cls_out out;

		p = port->hook[h];
		if (unlikely(p->interp_only)) {
			interp_run_from(rs, lcore_idx, in_port, m, v, h, 0, 0,
					res);
			return;
		}
		out = cls_walk_chain(&w, p, h, start, res, &ho_rule);
		if (out == CLS_OUT_ACCEPT)
			continue;
		if (out == CLS_OUT_DROP) {
			res->disp = INTERP_DROP;
			return;
		}
		interp_run_from(rs, lcore_idx, in_port, m, v, h, ho_rule, 0,
				res);
		return;
	}
	res->disp = INTERP_ACCEPT;
	res->out_port = fpp->peer;
}
