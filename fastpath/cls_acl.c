/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cls_acl.c - a compiled program's key layout and rte_acl contexts.
 *
 * Layout, chosen per program from the fields its boxes use:
 * - key byte 0 is validity flag byte 0 (rte_acl reads the first field as
 *   one byte); the other fields are packed into 4-byte input groups (a
 *   4-byte field, two 2-byte, 2+1+1, four 1-byte; 1-byte wildcard pads fill
 *   the last one), most used first; at most CLS_MAX_GROUPS groups and
 *   RTE_ACL_MAX_FIELDS fields: beyond that the least used fields are left
 *   out and the entries that used them check their matches at run time;
 * - a chunk seen both as a range and as a bitmask keeps one field when every
 *   range on it is an aligned power-of-two block (then a bitmask);
 * - segments (cls_int.h): cut at the positions the program continues at,
 *   at most CLS_MAX_SEGS classified ones; one category per context;
 * - partitions and build levels: below.
 * Priorities: entry i is RTE_ACL_MAX_PRIORITY - i (first wins), userdata
 * i + 1 (0: no candidate).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_cycles.h>

#include "fastpath/cls_int.h"

#define CLS_ACL_ADD_BATCH	1024

static uint32_t cls_acl_seq;

int
cls_acl_alg(const struct cls_opts *o)
{
	static const int order[] = {
		RTE_ACL_CLASSIFY_AVX512X32, RTE_ACL_CLASSIFY_AVX512X16,
		RTE_ACL_CLASSIFY_AVX2, RTE_ACL_CLASSIFY_SSE,
		RTE_ACL_CLASSIFY_SCALAR,
	};
	struct rte_acl_param prm = {
		.name = "cls_probe", .socket_id = SOCKET_ID_ANY,
		.rule_size = RTE_ACL_RULE_SZ(1), .max_rule_num = 1,
	};
	struct rte_acl_ctx *ctx;
	char name[RTE_ACL_NAMESIZE];
	int alg = RTE_ACL_CLASSIFY_SCALAR;

	snprintf(name, sizeof(name), "clsp%u",
		 __atomic_fetch_add(&cls_acl_seq, 1, __ATOMIC_RELAXED));
	prm.name = name;
	ctx = rte_acl_create(&prm);
	if (ctx == NULL)
		return o->alg ? o->alg : alg;
	if (o->alg && rte_acl_set_ctx_classify(ctx, o->alg) == 0) {
		alg = o->alg;
	} else {
		for (unsigned int i = 0; i < RTE_DIM(order); i++)
			if (rte_acl_set_ctx_classify(ctx, order[i]) == 0) {
				alg = order[i];
				break;
			}
	}
	rte_acl_free(ctx);
	return alg;
}

/* ---- layout ---------------------------------------------------------------------- */

struct cl_part {
	uint32_t sig;			/* input groups (bit 0: first byte) */
	uint32_t chunk;			/* boxes per context */
	struct rte_acl_config cfg;	/* its definitions */
	int8_t map[RTE_ACL_MAX_FIELDS];	/* layout def -> partition def */
};

struct cl_layout {
	struct rte_acl_config cfg;
	uint16_t key_size;
	unsigned int n_groups;
	int16_t redirect[CC_MAX_FLD];	/* RANGE field -> MASK field */
	uint8_t used_bits[CC_MAX_FLD];	/* flag fields: bits referenced */
};

static bool
cl_block(uint32_t a, uint32_t b, unsigned int size, uint32_t *v, uint32_t *m)
{
	uint32_t full = size >= 4 ? UINT32_MAX : (1u << (8 * size)) - 1;
	uint32_t span = b - a;

	if ((span & (span + 1)) != 0 || (a & span) != 0)
		return false;
	*v = a;
	*m = ~span & full;
	return true;
}

/* Count uses, pick views, note the flag bits used. */
static void
cl_usage(struct cc *c, struct cl_layout *L)
{
	bool *convertible = calloc(c->n_fld, sizeof(bool));

	for (unsigned int f = 0; f < c->n_fld; f++) {
		c->fld[f].uses = 0;
		L->redirect[f] = -1;
		if (convertible)
			convertible[f] = true;
	}
	for (uint32_t i = 0; i < c->n_ents; i++) {
		struct cc_dnf d = c->ents[i].dnf;

		for (uint32_t b = 0; b < d.n; b++) {
			struct cc_box x = c->boxes[d.off + b];

			for (uint32_t k = 0; k < x.n; k++) {
				const struct cc_atom *a = &c->atoms[x.off + k];
				struct cc_fld *f = &c->fld[a->fld];
				uint32_t v, m;

				f->uses++;
				if (f->kind == CC_FLD_FLAG)
					L->used_bits[a->fld] |= (uint8_t)a->b;
				else if (f->view == CLS_VIEW_RANGE && convertible &&
					 !cl_block(a->a, a->b, f->size, &v, &m))
					convertible[a->fld] = false;
			}
		}
	}
	/*
	 * A chunk whose ranges are all aligned power-of-two blocks (prefixes,
	 * exact values: the usual case) becomes a bitmask field: rte_acl
	 * builds mask tries far faster than range tries (10k prefix rules:
	 * seconds -> a tenth). With a bitmask field of its own, the range one
	 * merges into it.
	 */
	for (unsigned int s = 0; s < c->n_src && convertible; s++)
		for (unsigned int j = 0; j < CLS_SRC_MAX_CHUNKS; j++) {
			int r = c->src[s].fld[j][CLS_VIEW_RANGE];
			int m = c->src[s].fld[j][CLS_VIEW_MASK];

			if (r < 0 || c->fld[r].uses == 0 || !convertible[r])
				continue;
			if (m < 0) {
				if (c->n_fld >= CC_MAX_FLD)
					continue;
				m = (int)c->n_fld++;
				c->fld[m] = c->fld[r];
				c->fld[m].view = CLS_VIEW_MASK;
				c->fld[m].uses = 0;
				c->src[s].fld[j][CLS_VIEW_MASK] = (int16_t)m;
				L->redirect[m] = -1;
			}
			L->redirect[r] = (int16_t)m;
			c->fld[m].uses += c->fld[r].uses;
			c->fld[r].uses = 0;
		}
	free(convertible);
}

/* Field order in the key: data by (kind, base, offset, view), then flags. */
static bool
cl_fld_before(const struct cc *c, int a, int b)
{
	const struct cc_fld *x = &c->fld[a], *y = &c->fld[b];
	const struct cc_src *sx, *sy;

	if (x->kind != y->kind)
		return x->kind == CC_FLD_DATA;
	if (x->kind == CC_FLD_FLAG)
		return x->flag_byte < y->flag_byte;
	sx = &c->src[x->src];
	sy = &c->src[y->src];
	if (sx->kind != sy->kind)
		return sx->kind < sy->kind;
	if (sx->base != sy->base)
		return sx->base < sy->base;
	if (sx->offset + x->chunk_off != sy->offset + y->chunk_off)
		return sx->offset + x->chunk_off < sy->offset + y->chunk_off;
	return x->view < y->view;
}

/* Emit the definitions for fields order[0..n) after field `first`. */
static void
cl_emit_defs(struct cc *c, struct cl_layout *L, unsigned int first,
	     const int *order, unsigned int n)
{
	struct rte_acl_config *cfg = &L->cfg;
	int ones[CC_MAX_FLD], twos[CC_MAX_FLD];
	unsigned int n1 = 0, n2 = 0, nd = 0, g = 0, i1 = 0;

	memset(cfg, 0, sizeof(*cfg));
	for (unsigned int i = 0; i < n; i++) {
		if (c->fld[order[i]].size == 1)
			ones[n1++] = order[i];
		else if (c->fld[order[i]].size == 2)
			twos[n2++] = order[i];
	}
	c->fld[first].key_off = 0;
	c->fld[first].input_index = 0;
	c->fld[first].acl_index = 0;
	cfg->defs[nd++] = (struct rte_acl_field_def){
		.type = RTE_ACL_FIELD_TYPE_BITMASK, .size = 1,
		.field_index = 0, .input_index = 0, .offset = 0 };

#define CL_DEF(fid, off) do { \
		struct cc_fld *F = &c->fld[fid]; \
		if (nd < RTE_ACL_MAX_FIELDS) { \
			F->key_off = (uint8_t)(off); \
			F->input_index = (uint8_t)g; \
			F->acl_index = (uint8_t)nd; \
			cfg->defs[nd] = (struct rte_acl_field_def){ \
				.type = F->view == CLS_VIEW_RANGE ? \
					RTE_ACL_FIELD_TYPE_RANGE : \
					RTE_ACL_FIELD_TYPE_BITMASK, \
				.size = F->size, .field_index = (uint8_t)nd, \
				.input_index = (uint8_t)g, .offset = (off) }; \
		} \
		nd++; \
	} while (0)
#define CL_PAD(off) do { \
		if (nd < RTE_ACL_MAX_FIELDS) \
			cfg->defs[nd] = (struct rte_acl_field_def){ \
				.type = RTE_ACL_FIELD_TYPE_BITMASK, .size = 1, \
				.field_index = (uint8_t)nd, \
				.input_index = (uint8_t)g, .offset = (off) }; \
		nd++; \
	} while (0)

	for (unsigned int i = 0; i < n; i++) {
		if (c->fld[order[i]].size != 4)
			continue;
		g++;
		CL_DEF(order[i], 4 * g);
	}
	for (unsigned int i = 0; i < n2; i += 2) {
		g++;
		CL_DEF(twos[i], 4 * g);
		if (i + 1 < n2) {
			CL_DEF(twos[i + 1], 4 * g + 2);
		} else if (i1 < n1) {
			CL_DEF(ones[i1], 4 * g + 2);
			i1++;
			if (i1 < n1) {
				CL_DEF(ones[i1], 4 * g + 3);
				i1++;
			} else {
				CL_PAD(4 * g + 3);
			}
		} else {
			CL_PAD(4 * g + 2);
			CL_PAD(4 * g + 3);
		}
	}
	while (i1 < n1) {
		g++;
		for (unsigned int k = 0; k < 4; k++) {
			if (i1 < n1) {
				CL_DEF(ones[i1], 4 * g + k);
				i1++;
			} else {
				CL_PAD(4 * g + k);
			}
		}
	}
#undef CL_DEF
#undef CL_PAD
	cfg->num_fields = nd;
	L->n_groups = g;
	L->key_size = (uint16_t)(4 * (g + 1));
}

/* Fields in the key: flag byte 0 first, then groups. 0 or -E2BIG. */
static int
cl_place(struct cc *c, struct cl_layout *L)
{
	int order[CC_MAX_FLD];
	unsigned int first = UINT32_MAX;

	for (unsigned int f = 0; f < c->n_fld; f++)
		if (c->fld[f].kind == CC_FLD_FLAG && c->fld[f].flag_byte == 0)
			first = f;
	if (first == UINT32_MAX) {
		/* flag byte 0 as an always-wild first field */
		if (c->n_fld >= CC_MAX_FLD)
			return -E2BIG;
		c->fld[c->n_fld] = (struct cc_fld){ .kind = CC_FLD_FLAG,
			.view = CLS_VIEW_MASK, .size = 1, .flag_byte = 0 };
		first = c->n_fld++;
	}
	for (;;) {
		unsigned int n = 0;
		int worst = -1;

		for (unsigned int f = 0; f < c->n_fld; f++) {
			if (f == first || c->fld[f].dropped || c->fld[f].uses == 0)
				continue;
			order[n++] = (int)f;
		}
		/* in header order: a source's neighbouring pieces land next
		 * to each other in the key, and are copied in one go */
		for (unsigned int i = 1; i < n; i++) {
			int x = order[i];
			unsigned int k = i;

			while (k > 0 && cl_fld_before(c, x, order[k - 1])) {
				order[k] = order[k - 1];
				k--;
			}
			order[k] = x;
		}
		cl_emit_defs(c, L, first, order, n);
		if (L->n_groups <= CLS_MAX_GROUPS &&
		    L->cfg.num_fields <= RTE_ACL_MAX_FIELDS)
			return 0;
		/* leave out the least used field and try again */
		for (unsigned int i = 0; i < n; i++)
			if (worst < 0 || c->fld[order[i]].uses <= c->fld[worst].uses)
				worst = order[i];
		if (worst < 0)
			return -E2BIG;
		c->fld[worst].dropped = true;
	}
}

/* Whether entry i has an atom on a field left out of the key. */
static bool
cl_ent_lost(const struct cc *c, const struct cl_layout *L, uint32_t i)
{
	struct cc_dnf d = c->ents[i].dnf;

	for (uint32_t b = 0; b < d.n; b++) {
		struct cc_box x = c->boxes[d.off + b];

		for (uint32_t k = 0; k < x.n; k++) {
			uint16_t f = c->atoms[x.off + k].fld;

			if (L->redirect[f] >= 0)
				f = (uint16_t)L->redirect[f];
			if (c->fld[f].dropped ||
			    (c->fld[f].uses == 0 && c->fld[f].kind != CC_FLD_FLAG))
				return true;
		}
	}
	return false;
}

/* ---- rules ------------------------------------------------------------------------- */

static inline uint32_t
cl_full(unsigned int size)
{
	return size >= 4 ? UINT32_MAX : (1u << (8 * size)) - 1;
}

/* Fill rule r from box x; false when the box is empty after merging. */
/* The field an atom lands on (merged views), or -1 when left out. */
static inline int
cl_atom_fld(const struct cc *c, const struct cl_layout *L, struct cc_atom *a)
{
	if (L->redirect[a->fld] >= 0) {
		uint32_t v = 0, m = 0;

		cl_block(a->a, a->b, c->fld[a->fld].size, &v, &m);
		a->fld = (uint16_t)L->redirect[a->fld];
		a->a = v;
		a->b = m;
	}
	return c->fld[a->fld].dropped ? -1 : a->fld;
}

/* Input groups a box constrains (bit 0: the first byte, always). */
static uint32_t
cl_box_sig(const struct cc *c, const struct cl_layout *L, struct cc_box x)
{
	uint32_t sig = 1;

	for (uint32_t k = 0; k < x.n; k++) {
		struct cc_atom a = c->atoms[x.off + k];
		int f = cl_atom_fld(c, L, &a);

		if (f >= 0)
			sig |= 1u << c->fld[f].input_index;
	}
	return sig;
}

/* Fill rule r (partition layout) from box x; false when it is empty. */
static bool
cl_rule(const struct cc *c, const struct cl_layout *L, const struct cl_part *P,
	struct cc_box x, struct rte_acl_rule *r)
{
	const struct rte_acl_config *cfg = &P->cfg;
	uint8_t set[RTE_ACL_MAX_FIELDS] = { 0 };

	for (unsigned int k = 0; k < cfg->num_fields; k++) {
		struct rte_acl_field *fv = &r->field[k];

		fv->value.u64 = 0;
		fv->mask_range.u64 = cfg->defs[k].type == RTE_ACL_FIELD_TYPE_RANGE ?
				     cl_full(cfg->defs[k].size) : 0;
	}
	for (uint32_t k = 0; k < x.n; k++) {
		struct cc_atom a = c->atoms[x.off + k];
		struct rte_acl_field *fv;
		int f = cl_atom_fld(c, L, &a), ai;

		if (f < 0)
			continue;
		ai = P->map[c->fld[f].acl_index];
		if (ai < 0)
			return false;	/* cannot happen: sig within P */
		fv = &r->field[ai];
		if (cfg->defs[ai].type == RTE_ACL_FIELD_TYPE_RANGE) {
			uint32_t lo = a.a, hi = a.b;

			if (set[ai]) {
				lo = RTE_MAX(lo, (uint32_t)fv->value.u64);
				hi = RTE_MIN(hi, (uint32_t)fv->mask_range.u64);
				if (lo > hi)
					return false;
			}
			fv->value.u64 = lo;
			fv->mask_range.u64 = hi;
		} else {
			uint32_t v = a.a & a.b, m = a.b;

			if (set[ai]) {
				uint32_t ov = (uint32_t)fv->value.u64;
				uint32_t om = (uint32_t)fv->mask_range.u64;

				if ((ov ^ v) & om & m)
					return false;
				v |= ov;
				m |= om;
			}
			fv->value.u64 = v;
			fv->mask_range.u64 = m;
		}
		set[ai] = 1;
	}
	return true;
}

/* ---- building ----------------------------------------------------------------------- */

/* Address space of this process (bytes), 0 when unknown. */
static uint64_t
cl_vm_size(void)
{
	unsigned long long pages = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f == NULL)
		return 0;
	if (fscanf(f, "%llu", &pages) != 1)
		pages = 0;
	fclose(f);
	return (uint64_t)pages * (uint64_t)sysconf(_SC_PAGESIZE);
}

/*
 * rte_acl_build() under a memory budget. Its build memory (calloc, freed
 * at the end) is not bounded by rte_acl, and some rule sets make it grow
 * without limit; so the process's address-space limit is lowered to what
 * it uses now plus the budget while the build runs (control thread), and
 * a build that would pass it fails with -ENOMEM (rte_acl's allocator
 * handles that) instead of taking the host's memory. Other threads that
 * allocate during such a build may see an allocation fail too; the
 * datapath does not allocate.
 */
static int
cl_acl_build_guarded(struct rte_acl_ctx *ctx, const struct rte_acl_config *cfg,
		     const struct cls_opts *o)
{
	uint64_t budget = o->build_mem_mb == UINT32_MAX ? 0 :
			  (uint64_t)(o->build_mem_mb ? o->build_mem_mb :
				     CLS_DEF_BUILD_MEM_MB) << 20;
	uint64_t vm = budget ? cl_vm_size() : 0;
	struct rlimit old, lim;
	bool guard = false;
	int rc;

	if (vm != 0 && getrlimit(RLIMIT_AS, &old) == 0 &&
	    (old.rlim_cur == RLIM_INFINITY || old.rlim_cur > vm + budget)) {
		lim = old;
		lim.rlim_cur = vm + budget;
		guard = setrlimit(RLIMIT_AS, &lim) == 0;
	}
	rc = rte_acl_build(ctx, cfg);
	if (guard)
		(void)setrlimit(RLIMIT_AS, &old);
	return rc;
}

/* ---- partitions --------------------------------------------------------------------- */

struct cl_sig {
	uint32_t sig;
	uint32_t n;		/* boxes */
	uint32_t part;
};

/*
 * A segment's boxes by the input groups they constrain: the largest
 * signatures get a partition (context) each, the rest share one. rte_acl
 * builds a trie of rules wild in different fields slowly and big (10k
 * mixed realistic rules: 1 s; partitioned: 0.25 s), and each partition
 * walks only its own fields. The shared partition, when it spans many
 * fields, is cut into small contexts by entry order: a trie of boxes with
 * ranges on many different fields can grow exponentially.
 */
/*
 * How a segment's boxes go into contexts, tried in turn until rte_acl builds
 * them (a build that passes the memory budget fails):
 *   0  one context: the fastest to classify (one trie walk, or a few when
 *      rte_acl splits it), tried up to CLS_SINGLE_MAX_BOXES boxes: beyond,
 *      building it takes longer than the rest of the compile (10k mixed
 *      realistic rules: 0.6 s)
 *   1  partitions by signature (below): faster to build, one classify call
 *      per partition
 *   2  as 1, every context cut at CLS_LEVEL2_CHUNK boxes
 * and when even that fails, the segment's entries are checked one by one.
 */
#define CLS_SINGLE_MAX_BOXES	512
#define CLS_PART_SMALL		512	/* boxes: merged into another partition */
#define CLS_LEVEL2_CHUNK	2048
#define CLS_MIXED_GROUPS	6	/* a mixed partition spanning more... */
#define CLS_MIXED_CHUNK		32	/* ...is cut into contexts this big */

struct cl_seg_build {
	uint32_t start, end;
	struct cl_sig *sigs;
	uint32_t n_sigs;
	uint32_t n_parts;
	struct cl_part part[CLS_MAX_PARTS];
};

static uint32_t
cl_sig_part(const struct cl_seg_build *S, uint32_t sig)
{
	for (uint32_t k = 0; k < S->n_sigs; k++)
		if (S->sigs[k].sig == sig)
			return S->sigs[k].part;
	return 0;
}

static void
cl_part_defs(const struct cl_layout *L, struct cl_part *P)
{
	uint32_t nd = 0;

	memset(P->map, 0xff, sizeof(P->map));
	P->cfg = L->cfg;
	for (uint32_t k = 0; k < L->cfg.num_fields; k++) {
		const struct rte_acl_field_def *d = &L->cfg.defs[k];

		if (!(P->sig & (1u << d->input_index)))
			continue;
		P->cfg.defs[nd] = *d;
		P->cfg.defs[nd].field_index = (uint8_t)nd;
		P->map[k] = (int8_t)nd;
		nd++;
	}
	P->cfg.num_fields = nd;
	P->cfg.num_categories = 1;
	P->cfg.max_size = 0;
}

static int
cl_partition(struct cc *c, const struct cl_layout *L, struct cl_seg_build *S,
	     unsigned int level)
{
	uint32_t cap = 0, total = 0;
	struct cl_sig *sg = NULL;

	S->n_sigs = 0;
	for (uint32_t i = S->start; i < S->end; i++) {
		struct cc_dnf d = c->ents[i].dnf;

		for (uint32_t b = 0; b < d.n; b++) {
			uint32_t sig = cl_box_sig(c, L, c->boxes[d.off + b]);
			uint32_t k;

			total++;
			for (k = 0; k < S->n_sigs && sg[k].sig != sig; k++)
				;
			if (k == S->n_sigs) {
				if (S->n_sigs == cap) {
					struct cl_sig *t;

					cap = cap ? cap * 2 : 16;
					t = realloc(sg, cap * sizeof(*sg));
					if (t == NULL) {
						free(sg);
						return -ENOMEM;
					}
					sg = t;
				}
				sg[S->n_sigs++] = (struct cl_sig){ .sig = sig };
			}
			sg[k].n++;
		}
	}
	S->sigs = sg;
	if (level == 0 || S->n_sigs <= 1) {
		S->part[0].sig = 1;
		for (uint32_t k = 0; k < S->n_sigs; k++) {
			S->part[0].sig |= sg[k].sig;
			sg[k].part = 0;
		}
		S->n_parts = 1;
	} else {
		/*
		 * Each signature a partition, then merges: small ones (a
		 * classify call for a handful of boxes costs more than the
		 * groups they add elsewhere) into the partition they add the
		 * fewest input groups to; then, while there are too many, the
		 * pair whose union adds the fewest group walks.
		 */
		uint32_t np = S->n_sigs, sig[64], cnt[64], map[64];
		bool live[64];

		if (np > 64) {
			/* the smallest beyond 64 go with the 64th */
			for (uint32_t i = 1; i < S->n_sigs; i++)
				for (uint32_t k = i; k > 0 && sg[k - 1].n < sg[k].n; k--) {
					struct cl_sig t = sg[k];

					sg[k] = sg[k - 1];
					sg[k - 1] = t;
				}
			np = 64;
		}
		for (uint32_t q = 0; q < np; q++) {
			sig[q] = 1;
			cnt[q] = 0;
			live[q] = true;
			map[q] = q;
		}
		for (uint32_t k = 0; k < S->n_sigs; k++) {
			uint32_t q = RTE_MIN(k, np - 1);

			sg[k].part = q;
			sig[q] |= sg[k].sig;
			cnt[q] += sg[k].n;
		}
		for (uint32_t live_n = np; live_n > 1;) {
			uint32_t ba = UINT32_MAX, bb = 0;
			int64_t best = INT64_MAX;

			for (uint32_t a = 0; a < np; a++) {
				if (!live[a])
					continue;
				for (uint32_t b = 0; b < np; b++) {
					int64_t add;

					if (a == b || !live[b])
						continue;
					/* cost: groups b's boxes now walk in a,
					 * against a call saved */
					add = (int64_t)__builtin_popcount(sig[a] | sig[b]) -
					      __builtin_popcount(sig[a]);
					if ((cnt[b] < CLS_PART_SMALL ||
					     live_n > CLS_MAX_PARTS) && add < best) {
						best = add;
						ba = a;
						bb = b;
					}
				}
			}
			if (ba == UINT32_MAX)
				break;
			sig[ba] |= sig[bb];
			cnt[ba] += cnt[bb];
			live[bb] = false;
			live_n--;
			for (uint32_t q = 0; q < np; q++)
				if (map[q] == bb)
					map[q] = ba;
		}
		S->n_parts = 0;
		for (uint32_t q = 0; q < np; q++) {
			if (!live[q])
				continue;
			for (uint32_t k = 0; k < np; k++)
				if (map[k] == q)
					map[k] = S->n_parts + 64;	/* renumbered */
			S->part[S->n_parts++].sig = sig[q];
		}
		for (uint32_t k = 0; k < S->n_sigs; k++)
			sg[k].part = map[sg[k].part] - 64;
	}
	for (uint32_t q = 0; q < S->n_parts; q++) {
		uint32_t groups = __builtin_popcount(S->part[q].sig) - 1;

		cl_part_defs(L, &S->part[q]);
		S->part[q].chunk = level >= 2 ? CLS_LEVEL2_CHUNK :
				   groups > CLS_MIXED_GROUPS ? CLS_MIXED_CHUNK :
				   UINT32_MAX;
	}
	(void)total;
	return 0;
}

/* Contexts of partition P for the boxes of entries [from, to). */
static int
cl_ctx(struct cc *c, const struct cl_layout *L, const struct cl_seg_build *S,
       uint32_t q, uint32_t from, uint32_t to, uint32_t n_rules,
       struct rte_acl_ctx **out, struct cls_prog *p, int alg)
{
	const struct cl_part *P = &S->part[q];
	size_t rsz = RTE_ACL_RULE_SZ(P->cfg.num_fields);
	struct rte_acl_param prm;
	struct rte_acl_ctx *ctx;
	char name[RTE_ACL_NAMESIZE];
	uint32_t nb = 0, added = 0;
	uint8_t *buf;
	int rc = 0;

	*out = NULL;
	snprintf(name, sizeof(name), "cls%u",
		 __atomic_fetch_add(&cls_acl_seq, 1, __ATOMIC_RELAXED));
	prm = (struct rte_acl_param){ .name = name, .socket_id = SOCKET_ID_ANY,
		.rule_size = (uint32_t)rsz, .max_rule_num = n_rules };
	ctx = rte_acl_create(&prm);
	if (ctx == NULL)
		return -ENOMEM;
	buf = calloc(CLS_ACL_ADD_BATCH, rsz);
	if (buf == NULL) {
		rte_acl_free(ctx);
		return -ENOMEM;
	}
	for (uint32_t i = from; i < to && rc == 0; i++) {
		struct cc_dnf d = c->ents[i].dnf;

		for (uint32_t b = 0; b < d.n && rc == 0; b++) {
			struct cc_box x = c->boxes[d.off + b];
			struct rte_acl_rule *r = (struct rte_acl_rule *)(buf + nb * rsz);

			if (cl_sig_part(S, cl_box_sig(c, L, x)) != q ||
			    !cl_rule(c, L, P, x, r))
				continue;
			r->data.category_mask = 1;
			r->data.priority = (int32_t)(RTE_ACL_MAX_PRIORITY - i);
			r->data.userdata = i + 1;
			nb++;
			added++;
			if (nb == CLS_ACL_ADD_BATCH) {
				rc = rte_acl_add_rules(ctx, (void *)buf, nb);
				nb = 0;
			}
		}
	}
	if (rc == 0 && nb > 0)
		rc = rte_acl_add_rules(ctx, (void *)buf, nb);
	free(buf);
	if (rc == 0 && added > 0)
		rc = cl_acl_build_guarded(ctx, &P->cfg, c->opts);
	if (rc != 0 || added == 0) {
		rte_acl_free(ctx);
		return rc;
	}
	if (rte_acl_set_ctx_classify(ctx, alg) != 0)
		(void)rte_acl_set_ctx_classify(ctx, RTE_ACL_CLASSIFY_DEFAULT);
	p->n_acl_rules += added;
	*out = ctx;
	return 0;
}

static uint64_t cl_boxes(const struct cc *c, uint32_t a, uint32_t b);

/* The contexts of one segment at one level (see above). */
static int
cl_segment_level(struct cc *c, const struct cl_layout *L, struct cls *cls,
		 struct cls_prog *p, struct cls_seg *seg, unsigned int level)
{
	struct cl_seg_build S = { .start = seg->start, .end = seg->end };
	struct rte_acl_ctx *list[CLS_MAX_PARTS * 64];
	uint32_t n = 0, rules0 = p->n_acl_rules;
	int rc;

	rc = cl_partition(c, L, &S, level);
	for (uint32_t q = 0; q < S.n_parts && rc == 0; q++) {
		uint32_t from = seg->start, cnt = 0;

		for (uint32_t i = seg->start; i <= seg->end && rc == 0; i++) {
			struct rte_acl_ctx *ctx;
			uint32_t k = 0;

			if (i < seg->end) {
				struct cc_dnf d = c->ents[i].dnf;

				for (uint32_t b = 0; b < d.n; b++)
					k += cl_sig_part(&S, cl_box_sig(c, L,
						c->boxes[d.off + b])) == q;
			}
			/* cut before this entry, or at the end */
			if (i < seg->end &&
			    (cnt == 0 || cnt + k <= S.part[q].chunk)) {
				cnt += k;
				continue;
			}
			if (cnt > 0) {
				if (n == RTE_DIM(list)) {
					rc = -E2BIG;
					break;
				}
				rc = cl_ctx(c, L, &S, q, from, i, cnt, &ctx, p,
					    cls->stats.alg);
				if (rc == 0 && ctx != NULL)
					list[n++] = ctx;
			}
			from = i;
			cnt = k;
		}
	}
	free(S.sigs);
	if (rc == 0) {
		seg->ctx = cls_zalloc(cls, RTE_MAX(n, 1u), sizeof(*seg->ctx));
		if (seg->ctx == NULL)
			rc = -ENOMEM;
	}
	if (rc != 0) {
		for (uint32_t k = 0; k < n; k++)
			rte_acl_free(list[k]);
		p->n_acl_rules = rules0;
		seg->n_ctx = 0;
		return rc;
	}
	seg->n_ctx = n;
	memcpy(seg->ctx, list, n * sizeof(*list));
	return 0;
}

/* The contexts of one segment: the fastest level rte_acl can build. */
static int
cl_segment(struct cc *c, const struct cl_layout *L, struct cls *cls,
	   struct cls_prog *p, struct cls_seg *seg)
{
	uint64_t boxes = cl_boxes(c, seg->start, seg->end);
	int rc = -ENOMEM;

	for (unsigned int level = boxes <= CLS_SINGLE_MAX_BOXES ? 0 : 1;
	     level <= 2; level++) {
		rc = cl_segment_level(c, L, cls, p, seg, level);
		if (rc != -ENOMEM && rc != -E2BIG && rc != -ERANGE &&
		    rc != -EINVAL)
			return rc;
	}
	return rc;
}

/* ---- program ------------------------------------------------------------------------ */

/* Whether running the entry's items can stop the rule (a match, a limit,
 * a quota): then its fail position is a continuation point. */
static bool
cl_can_fail(const struct cls_entry *e)
{
	const struct ir_rule *r = e->fr != NULL ? e->fr->ir : NULL;

	for (unsigned int k = 0; r != NULL && k < e->n_run; k++) {
		const struct ir_item *it = &r->items[e->run[k]];

		if (it->kind == IR_ITEM_MATCH)
			return true;
		switch (it->stmt.kind) {
		case IR_STMT_COUNTER:
			break;
		case IR_STMT_OBJREF:
			if (it->stmt.objref.type != IR_OBJ_COUNTER)
				return true;
			break;
		default:
			return true;
		}
	}
	return false;
}

static int
cl_cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Boxes of entries [a, b). */
static uint64_t
cl_boxes(const struct cc *c, uint32_t a, uint32_t b)
{
	uint64_t n = 0;

	for (uint32_t i = a; i < b; i++)
		n += c->ents[i].dnf.n;
	return n;
}

/*
 * Segment starts: every continuation position, then, while there are more
 * than the segments worth a context each, the start whose removal merges
 * the two smallest neighbours goes (positions inside a segment are found
 * by checking its entries from there: see cls_run.c).
 */
static int
cl_segments(struct cc *c, struct cls *cls, struct cls_prog *p,
	    const struct cls_entry *ents)
{
	uint32_t *pos, n_pos = 0, k;
	uint8_t *seg_of;

	pos = malloc((3 * (size_t)c->n_ents + 2) * sizeof(*pos));
	if (pos == NULL)
		return -ENOMEM;
	pos[n_pos++] = 0;
	for (uint32_t i = 0; i < c->n_ents; i++) {
		const struct cls_entry *e = &ents[i];

		if (e->kind == CLS_E_HANDOFF)
			continue;
		if (e->act.kind == CLS_ACT_GOTO && e->kind != CLS_E_VMAP)
			pos[n_pos++] = e->act.target;
		if (cl_can_fail(e) || e->kind == CLS_E_VMAP)
			pos[n_pos++] = e->fail;
		if (e->vm_check)
			pos[n_pos++] = e->elem_next;
		if (e->kind == CLS_E_VMAP) {
			uint32_t ne = e->vm_lookup->set->nelems;
			uint32_t *np = realloc(pos, (n_pos + ne +
					3 * (size_t)c->n_ents + 2) * sizeof(*pos));

			if (np == NULL) {
				free(pos);
				return -ENOMEM;
			}
			pos = np;
			for (uint32_t q = 0; q < ne; q++)
				if (e->vm_act[q].kind == CLS_ACT_GOTO)
					pos[n_pos++] = e->vm_act[q].target;
		}
	}
	qsort(pos, n_pos, sizeof(*pos), cl_cmp_u32);
	k = 0;
	for (uint32_t i = 0; i < n_pos; i++)
		if (pos[i] < c->n_ents && (k == 0 || pos[k - 1] != pos[i]))
			pos[k++] = pos[i];
	n_pos = k;
	if (n_pos == 0)
		pos[n_pos++] = 0;	/* no entry: one empty segment */
	/* at most CLS_MAX_SEGS segments with more than CLS_LINEAR_MAX entries;
	 * small ones cost nothing to keep */
	for (;;) {
		uint32_t big = 0, worst = 0;
		uint64_t best = UINT64_MAX;

		for (uint32_t i = 0; i < n_pos; i++) {
			uint32_t end = i + 1 < n_pos ? pos[i + 1] : c->n_ents;

			big += end - pos[i] > CLS_LINEAR_MAX;
		}
		if (big <= CLS_MAX_SEGS || n_pos == 1)
			break;
		for (uint32_t i = 1; i < n_pos; i++) {
			uint32_t end = i + 1 < n_pos ? pos[i + 1] : c->n_ents;
			uint64_t merged = cl_boxes(c, pos[i - 1], end);

			if (merged < best) {
				best = merged;
				worst = i;
			}
		}
		memmove(&pos[worst], &pos[worst + 1],
			(n_pos - worst - 1) * sizeof(*pos));
		n_pos--;
	}
	if (n_pos > UINT8_MAX) {
		/* many tiny segments: merge the smallest pairs of them */
		while (n_pos > UINT8_MAX) {
			uint32_t worst = 1;
			uint32_t best = UINT32_MAX;

			for (uint32_t i = 1; i < n_pos; i++) {
				uint32_t end = i + 1 < n_pos ? pos[i + 1] : c->n_ents;

				if (end - pos[i - 1] < best) {
					best = end - pos[i - 1];
					worst = i;
				}
			}
			memmove(&pos[worst], &pos[worst + 1],
				(n_pos - worst - 1) * sizeof(*pos));
			n_pos--;
		}
	}
	p->n_segs = n_pos;
	p->segs = cls_zalloc(cls, n_pos, sizeof(*p->segs));
	seg_of = cls_zalloc(cls, c->n_ents + 1, sizeof(*seg_of));
	if (p->segs == NULL || seg_of == NULL) {
		free(pos);
		return -ENOMEM;
	}
	for (uint32_t i = 0, acl = 0; i < n_pos; i++) {
		struct cls_seg *sg = &p->segs[i];

		sg->start = pos[i];
		sg->end = i + 1 < n_pos ? pos[i + 1] : c->n_ents;
		sg->linear = sg->end - sg->start <= CLS_LINEAR_MAX ||
			     acl >= CLS_MAX_SEGS;
		if (!sg->linear)
			sg->acl_idx = (uint8_t)acl++;
		for (uint32_t e = sg->start; e < sg->end; e++)
			seg_of[e] = (uint8_t)i;
	}
	seg_of[c->n_ents] = (uint8_t)(n_pos - 1);
	p->seg_of = seg_of;
	free(pos);
	return 0;
}

/* The op that runs item it (interp_rule()'s cases). */
static void
cl_op(const struct ir_item *it, uint32_t slot, struct cls_op *op)
{
	const struct ir_stmt *st = &it->stmt;

	op->slot = slot;
	op->match = NULL;
	if (it->kind == IR_ITEM_MATCH) {
		op->kind = CLS_OP_MATCH;
		op->match = &it->match;
		return;
	}
	switch (st->kind) {
	case IR_STMT_COUNTER:
		op->kind = CLS_OP_COUNTER;
		break;
	case IR_STMT_LIMIT:
		op->kind = CLS_OP_LIMIT;
		break;
	case IR_STMT_QUOTA:
		op->kind = CLS_OP_QUOTA;
		break;
	case IR_STMT_OBJREF:
		op->kind = st->objref.type == IR_OBJ_COUNTER ? CLS_OP_COUNTER :
			   st->objref.type == IR_OBJ_QUOTA ? CLS_OP_QUOTA :
			   st->objref.type == IR_OBJ_LIMIT ? CLS_OP_LIMIT :
			   CLS_OP_STOP;
		break;
	default:
		op->kind = CLS_OP_STOP;	/* not compiled: cannot happen */
		break;
	}
}

/* Every entry's boxes in the key's terms (cls_run.c tests them when it
 * checks a segment's entries in turn). */
static int
cl_rboxes(struct cc *c, const struct cl_layout *L, struct cls *cls,
	  struct cls_prog *p, struct cls_entry *ents)
{
	uint64_t nb = 0, na = 0;
	struct cls_rbox *rb;
	struct cls_ratom *ra;

	for (uint32_t i = 0; i < c->n_ents; i++) {
		struct cc_dnf d = c->ents[i].dnf;

		nb += d.n;
		for (uint32_t b = 0; b < d.n; b++)
			na += c->boxes[d.off + b].n;
	}
	rb = cls_zalloc(cls, RTE_MAX(nb, 1ull), sizeof(*rb));
	ra = cls_zalloc(cls, RTE_MAX(na, 1ull), sizeof(*ra));
	if (rb == NULL || ra == NULL)
		return -ENOMEM;
	nb = 0;
	na = 0;
	for (uint32_t i = 0; i < c->n_ents; i++) {
		struct cc_dnf d = c->ents[i].dnf;

		ents[i].box_off = (uint32_t)nb;
		for (uint32_t b = 0; b < d.n; b++) {
			struct cc_box x = c->boxes[d.off + b];
			uint64_t a0 = na;
			bool empty = false;

			for (uint32_t k = 0; k < x.n && !empty; k++) {
				struct cc_atom a = c->atoms[x.off + k];
				int f = cl_atom_fld(c, L, &a);
				struct cls_ratom *r;

				if (f < 0)
					continue;	/* left out: wild */
				r = NULL;
				for (uint64_t q = a0; q < na; q++)
					if (ra[q].off == c->fld[f].key_off &&
					    ra[q].mask == (c->fld[f].view == CLS_VIEW_MASK))
						r = &ra[q];
				if (r == NULL) {
					r = &ra[na++];
					r->off = c->fld[f].key_off;
					r->size = c->fld[f].size;
					r->mask = c->fld[f].view == CLS_VIEW_MASK;
					r->a = r->mask ? a.a & a.b : a.a;
					r->b = a.b;
					continue;
				}
				/* a second atom on the field: intersect */
				if (r->mask) {
					if ((r->a ^ a.a) & r->b & a.b)
						empty = true;
					r->a |= a.a & a.b;
					r->b |= a.b;
				} else {
					r->a = RTE_MAX(r->a, a.a);
					r->b = RTE_MIN(r->b, a.b);
					empty = r->a > r->b;
				}
			}
			if (empty) {
				na = a0;
				continue;
			}
			rb[nb].off = (uint32_t)a0;
			rb[nb].n = (uint32_t)(na - a0);
			nb++;
		}
		ents[i].n_box = (uint32_t)nb - ents[i].box_off;
	}
	p->rbox = rb;
	p->ratom = ra;
	return 0;
}

/*
 * The key bytes rte_acl's answer depends on (cls_int.h, result cache):
 * byte 0 and the fields placed in the layout, not the pad bytes (wildcards
 * in every rule, and never written by the key builder). A program whose
 * fields reach past CLS_CACHE_KEY is not cached.
 */
static void
cl_cache_mask(const struct cc *c, struct cls_prog *p)
{
	uint8_t m[CLS_CACHE_KEY] = { 0xff };

	p->cached = true;
	for (unsigned int f = 0; f < c->n_fld; f++) {
		const struct cc_fld *F = &c->fld[f];

		if (F->dropped || F->uses == 0)
			continue;
		if (F->key_off + F->size > CLS_CACHE_KEY) {
			p->cached = false;
			return;
		}
		memset(&m[F->key_off], 0xff, F->size);
	}
	memcpy(p->cache_mask, m, sizeof(p->cache_mask));
}

/* The validity flags as one table per slot (cls_int.h): 0 or -ENOMEM. */
static int
cl_vtab(struct cc *c, struct cls_prog *p)
{
	uint16_t max[CLS_VSLOT__COUNT] = { 0 };
	bool used[CLS_VSLOT__COUNT] = { false };

	p->n_vtab = 0;
	for (unsigned int k = 0; k < p->n_vcls; k++) {
		const struct cls_vcls *v = &p->vcls[k];

		if (v->end > CLS_VTAB_MAX_END)
			return 0;	/* the loop */
		used[v->slot] = true;
		max[v->slot] = RTE_MAX(max[v->slot], v->end);
	}
	for (unsigned int s = 0; s < CLS_VSLOT__COUNT; s++) {
		uint64_t *t;

		if (!used[s])
			continue;
		t = cls_zalloc(c->cls, max[s] + 1u, sizeof(*t));
		if (t == NULL)
			return -ENOMEM;
		for (unsigned int a = 0; a <= max[s]; a++)
			for (unsigned int k = 0; k < p->n_vcls; k++)
				if (p->vcls[k].slot == s && p->vcls[k].end <= a)
					t[a] |= 1ull << p->vcls[k].shift;
		p->vtab[p->n_vtab].slot = (uint8_t)s;
		p->vtab[p->n_vtab].max = max[s];
		p->vtab[p->n_vtab].t = t;
		p->n_vtab++;
	}
	return 0;
}

int
cc_acl_build(struct cc *c, struct cls_prog *p)
{
	struct cls *cls = c->cls;
	struct cl_layout *L = calloc(1, sizeof(*L));
	struct cls_entry *ents;
	struct cls_src *src;
	unsigned int ns = 0;
	int rc = 0;

	if (L == NULL)
		return -ENOMEM;
	if (c->err) {
		rc = c->err;
		goto out;
	}
	cl_usage(c, L);
	rc = cl_place(c, L);
	if (rc)
		goto out;

	/* entries and their run lists */
	ents = cls_zalloc(cls, RTE_MAX(c->n_ents, 1u), sizeof(*ents));
	if (ents == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < c->n_ents; i++) {
		struct cc_ent *x = &c->ents[i];
		struct cls_entry *e = &ents[i];
		const struct ir_rule *r = x->e.fr != NULL ? x->e.fr->ir : NULL;
		uint16_t *run;
		uint16_t n = 0;

		*e = x->e;
		e->n_prefix = x->n_prefix;
		if (cl_ent_lost(c, L, i)) {
			x->check_all = true;
			if (e->vm_lookup != NULL && e->kind == CLS_E_RULE)
				e->vm_check = 1;
		}
		e->n_run = 0;
		e->run = NULL;
		if (x->vm_act != NULL) {
			uint32_t ne = e->vm_lookup->set->nelems;
			struct cls_act *va = cls_zalloc(cls, RTE_MAX(ne, 1u),
							sizeof(*va));

			if (va == NULL) {
				rc = -ENOMEM;
				goto out;
			}
			memcpy(va, x->vm_act, ne * sizeof(*va));
			e->vm_act = va;
		}
		if (r == NULL || (e->kind != CLS_E_RULE && e->kind != CLS_E_VMAP))
			continue;
		run = cls_zalloc(cls, RTE_MAX(r->nitems, 1u), sizeof(*run));
		if (run == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		for (uint32_t k = 0; k < r->nitems; k++) {
			bool need = r->items[k].kind == IR_ITEM_STMT ||
				    k >= x->n_prefix || x->check_all ||
				    (k < 64 && (x->inexact >> k) & 1);

			if (need)
				run[n++] = (uint16_t)k;
		}
		e->run = run;
		e->n_run = n;
		if (n > 0) {
			struct cls_op *ops = cls_zalloc(cls, n, sizeof(*ops));

			if (ops == NULL) {
				rc = -ENOMEM;
				goto out;
			}
			for (uint16_t k = 0; k < n; k++)
				cl_op(&r->items[run[k]], x->e.fr->slot[run[k]], &ops[k]);
			e->ops = ops;
		}
	}

	rc = cl_rboxes(c, L, cls, p, ents);
	if (rc)
		goto out;
	rc = cl_segments(c, cls, p, ents);
	if (rc)
		goto out;
	{
		uint64_t t0 = rte_get_timer_cycles();

		for (uint32_t g = 0; g < p->n_segs && rc == 0; g++) {
			struct cls_seg *sg = &p->segs[g];

			if (sg->linear)
				continue;
			rc = cl_segment(c, L, cls, p, sg);
			if (rc == -ENOMEM || rc == -E2BIG || rc == -ERANGE ||
			    rc == -EINVAL) {
				/* rte_acl could not build it (memory budget):
				 * its entries are checked one by one */
				for (uint32_t k = 0; k < sg->n_ctx; k++)
					rte_acl_free(sg->ctx[k]);
				sg->n_ctx = 0;
				sg->linear = true;
				cls->stats.n_linear_fallback++;
				rc = 0;
			}
		}
		cls->stats.acl_ns += (rte_get_timer_cycles() - t0) * 1000000000ull /
				     rte_get_timer_hz();
	}
	if (rc)
		goto out;

	/* sources the key loads */
	src = cls_zalloc(cls, RTE_MAX(c->n_src, 1u), sizeof(*src));
	if (src == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (unsigned int s = 0; s < c->n_src; s++) {
		const struct cc_src *cs = &c->src[s];
		struct cls_src *d = &src[ns];
		bool need = false;

		memset(d, 0, sizeof(*d));
		d->kind = cs->kind;
		d->base = cs->base;
		d->offset = cs->offset;
		d->len = cs->len;
		d->swap = cs->swap;
		for (unsigned int j = 0; j < CLS_SRC_MAX_CHUNKS; j++)
			for (unsigned int v = 0; v < 2; v++) {
				int fi = cs->fld[j][v];
				const struct cc_fld *f;

				if (fi < 0)
					continue;
				f = &c->fld[fi];
				if (f->dropped || f->uses == 0 ||
				    d->n_copy >= CLS_SRC_MAX_COPY)
					continue;
				d->copy[d->n_copy++] = (struct cls_copy){
					.from = f->chunk_off, .to = f->key_off,
					.size = f->size };
				need = true;
			}
		if (!need)
			continue;
		d->fast = CLS_FAST_NONE;
		if (d->kind == CLS_SRC_PAYLOAD && !d->swap)
			d->fast = d->base == PKT_BASE_NH ? CLS_FAST_NH :
				  d->base == PKT_BASE_TH ? CLS_FAST_TH :
				  d->base == PKT_BASE_LL ? CLS_FAST_LL : CLS_FAST_NONE;
		else if (d->kind == CLS_SRC_PROTOCOL && !d->swap && d->len == 2 &&
			 d->n_copy == 1 && d->copy[0].size == 2)
			d->fast = CLS_FAST_PROTOCOL;
		else if (d->kind == CLS_SRC_L4PROTO && !d->swap && d->len == 1 &&
			 d->n_copy == 1 && d->copy[0].size == 1)
			d->fast = CLS_FAST_L4PROTO;
		ns++;
	}

	/* by kind (the key builder's loops), pieces by offset */
	for (unsigned int i = 1; i < ns; i++)
		for (unsigned int k = i; k > 0 &&
		     (src[k - 1].fast > src[k].fast ||
		      (src[k - 1].fast == src[k].fast &&
		       src[k - 1].offset > src[k].offset)); k--) {
			struct cls_src t = src[k];

			src[k] = src[k - 1];
			src[k - 1] = t;
		}
	/* pieces next to each other in the frame and in the key: one copy */
	for (unsigned int i = 1; i < ns;) {
		struct cls_src *a = &src[i - 1], *b = &src[i];

		if (a->fast == b->fast && (a->fast == CLS_FAST_NH ||
		    a->fast == CLS_FAST_TH || a->fast == CLS_FAST_LL) &&
		    a->n_copy == 1 && b->n_copy == 1 &&
		    a->offset + a->len == b->offset &&
		    a->copy[0].to + a->copy[0].size == b->copy[0].to &&
		    a->len + b->len <= CLS_SRC_MAX_LEN) {
			a->len = (uint8_t)(a->len + b->len);
			a->copy[0].size = a->len;
			memmove(b, b + 1, (ns - i - 1) * sizeof(*b));
			ns--;
			continue;
		}
		i++;
	}
	for (unsigned int f = 0; f < CLS_FAST__COUNT; f++) {
		uint16_t e = 0;

		for (unsigned int i = 0; i < ns; i++)
			if (src[i].fast <= f)
				e = (uint16_t)(i + 1);
		p->src_kind_end[f] = f == 0 ? e : RTE_MAX(e, p->src_kind_end[f - 1]);
	}
	/* validity classes whose bits a box reads */
	p->n_vcls = 0;
	for (unsigned int i = 0; i < c->n_vclass && i < CC_MAX_VCLASS_RT; i++) {
		const struct cc_vclass *vc = &c->vclass[i];
		const struct cc_fld *f = &c->fld[vc->fld];

		if (!(L->used_bits[vc->fld] & vc->bit) || f->dropped ||
		    (f->uses == 0 && f->flag_byte != 0))
			continue;
		p->vcls[p->n_vcls++] = (struct cls_vcls){ .base = vc->base,
			.fast = vc->fast, .end = vc->end, .vidx = f->flag_byte,
			.vbit = vc->bit,
			.shift = (uint8_t)(8 * f->flag_byte +
					   __builtin_ctz(vc->bit)),
			.slot = vc->base == PKT_BASE_LL ? CLS_VSLOT_LL :
				vc->base == PKT_BASE_NH ? CLS_VSLOT_NH :
				vc->base == PKT_BASE_TH ?
				(vc->fast ? CLS_VSLOT_TH_FAST : CLS_VSLOT_TH) :
				CLS_VSLOT_L4PROTO };
	}
	rc = cl_vtab(c, p);
	if (rc)
		goto out;
	/* the flag bytes the key builder writes (byte 0 always: the first
	 * field; the others when placed) */
	p->n_flag = 0;
	for (unsigned int f = 0; f < c->n_fld; f++) {
		const struct cc_fld *F = &c->fld[f];

		if (F->kind != CC_FLD_FLAG || F->flag_byte >= CLS_MAX_FLAG_BYTES)
			continue;
		if (F->flag_byte == 0 || (!F->dropped && F->uses > 0)) {
			p->flag_off[F->flag_byte] = F->key_off;
			p->n_flag = (uint8_t)RTE_MAX(p->n_flag, F->flag_byte + 1u);
		} else {
			/* not in the key: written to a byte no field reads */
			p->flag_off[F->flag_byte] = CLS_KEY_MAX;
		}
	}
	if (p->n_flag == 0)
		p->n_flag = 1;
	cl_cache_mask(c, p);
	p->key_size = L->key_size;
	p->n_src = (uint16_t)ns;
	p->src = src;
	p->entries = ents;
	p->n_entries = c->n_ents;
	p->n_fields = L->cfg.num_fields;
out:
	free(L);
	return rc;
}
