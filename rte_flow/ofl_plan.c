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
validate_keys(struct ofl_ctx *c, struct ofl_port_plan *pp, const struct ofl_xlate *x,
	      uint8_t fate, bool count, char *why, size_t why_len)
{
	for (uint32_t i = 0; i < x->n; i++) {
		struct ofl_entry e;
		struct rte_flow_attr attr;
		struct ofl_pattern pat;
		struct ofl_actions act;
		struct rte_flow_error err;
		int ret;

		memset(&e, 0, sizeof(e));
		e.key = x->keys[i];
		e.fate = fate;
		e.count = count;
		e.mark = fate == OFL_FATE_SOFT && pp->cfg.caps.mark ? 1 : 0;
		ret = ofl_entry_flow(pp, &e, &attr, &pat, &act, why, why_len);
		if (ret < 0)
			return ret;
		if (c->opts.no_validate)
			continue;
		memset(&err, 0, sizeof(err));
		ret = c->ops.validate(pp->cfg.port_id, &attr, pat.items, act.a, &err);
		if (ret != 0) {
			char msg[OFL_WHY_LEN];

			ofl_flow_errmsg(&err, ret, msg, sizeof(msg));
			snprintf(why, why_len, "PMD: %.150s", msg);
			ofl_log_refused(c, pp, &attr, &pat, &act, "validate", msg);
			return ret < 0 ? ret : -EINVAL;
		}
	}
	return 0;
}

/* ---- classification ------------------------------------------------------------- */

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

		ret = validate_keys(c, pp, &cd->full, OFL_FATE_SOFT, caps->count,
				    why, sizeof(why));
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

		cd->cheap_ok = validate_keys(c, pp, &cd->cheap, OFL_FATE_SOFT,
					     caps->count, why, sizeof(why)) == 0;
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

static uint32_t
cost_cheap(const struct cand *cd)
{
	if (cd->intent == OFL_FORM_NEVER || cd->intent == OFL_FORM_NOOP)
		return 0;
	if (cd->cut)
		return INF_COST;
	if (!cd->cheap_ok || cd->cheap.n >= cd->full.n)
		return cost_full(cd);
	return cd->cheap.n;
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

static unsigned int
cand_guards(const struct cand *cd)
{
	if (!cd->use_full || cd->intent == OFL_FORM_PUNT)
		return 0;
	return (cd->full.v6_guard ? GUARD_V6 : 0) | (cd->full.v4_frag_guard ? GUARD_V4 : 0);
}

/* ---- building the entry list ------------------------------------------------------ */

struct elist {
	struct ofl_entry *e;
	uint32_t n, cap;
	uint64_t *outcome;	/* parallel: entries with equal outcomes may overlap */
};

static int
el_push(struct elist *l, const struct ofl_entry *e, uint64_t outcome)
{
	if (l->n == l->cap) {
		uint32_t cap = l->cap ? l->cap * 2 : 64;
		struct ofl_entry *ne = realloc(l->e, cap * sizeof(*ne));
		uint64_t *no;

		if (ne == NULL)
			return -ENOMEM;
		l->e = ne;
		no = realloc(l->outcome, cap * sizeof(*no));
		if (no == NULL)
			return -ENOMEM;
		l->outcome = no;
		l->cap = cap;
	}
	l->outcome[l->n] = outcome;
	l->e[l->n++] = *e;
	return 0;
}

#define OUTCOME_DROP 0

/* the lowest level entry e can take after l's entries; UINT32_MAX: blocked */
static uint32_t
level_for(const struct elist *l, uint32_t from, const struct ofl_key *k,
	  uint64_t outcome, const struct ofl_key *blocked, uint32_t nblocked)
{
	uint32_t lvl = 0;

	for (uint32_t b = 0; b < nblocked; b++)
		if (ofl_key_overlap(&blocked[b], k))
			return UINT32_MAX;
	for (uint32_t j = 0; j < from; j++)
		if (l->outcome[j] != outcome && l->e[j].prio + 1 > lvl &&
		    ofl_key_overlap(&l->e[j].key, k))
			lvl = l->e[j].prio + 1;
	return lvl;
}

struct mark_req {
	uint8_t kind;
	uint16_t hook;
	uint32_t rule;
};

struct plan_state {
	struct elist el;
	struct ofl_key *blocked;
	uint32_t nblocked, blocked_cap;
	struct mark_req *marks;
	uint32_t nmarks, marks_cap;
	uint32_t max_level;
	bool any;
};

static int
add_blocked(struct plan_state *st, const struct ofl_key *k, uint32_t n)
{
	if (st->nblocked + n > st->blocked_cap) {
		uint32_t cap = (st->nblocked + n) * 2;
		struct ofl_key *nb = realloc(st->blocked, cap * sizeof(*nb));

		if (nb == NULL)
			return -ENOMEM;
		st->blocked = nb;
		st->blocked_cap = cap;
	}
	memcpy(st->blocked + st->nblocked, k, n * sizeof(*k));
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
		struct mark_req *nm = realloc(st->marks, cap * sizeof(*nm));

		if (nm == NULL)
			return -ENOMEM;
		st->marks = nm;
		st->marks_cap = cap;
	}
	st->marks[st->nmarks] = (struct mark_req){ kind, hook, rule };
	*local = ++st->nmarks;	/* local ids from 1; rebased later */
	return 0;
}

/*
 * Try to place keys as one group (same outcome). All or nothing: on
 * failure (a level past n_prio, or a blocked overlap) nothing is added.
 */
static int
place(struct plan_state *st, const struct ofl_port_plan *pp, const struct ofl_key *k,
      uint32_t n, const struct ofl_entry *tmpl, uint64_t outcome, bool *ok)
{
	uint32_t from = st->el.n;
	uint32_t nprio = pp->cfg.caps.n_prio ? pp->cfg.caps.n_prio : 1;

	*ok = false;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t lvl = level_for(&st->el, from, &k[i], outcome, st->blocked,
					 st->nblocked);
		struct ofl_entry e = *tmpl;
		int ret;

		if (lvl == UINT32_MAX || lvl >= nprio) {
			st->el.n = from;
			return 0;
		}
		e.key = k[i];
		e.prio = lvl;
		ret = el_push(&st->el, &e, outcome);
		if (ret < 0)
			return ret;
	}
	for (uint32_t i = from; i < st->el.n; i++) {
		if (st->el.e[i].prio > st->max_level)
			st->max_level = st->el.e[i].prio;
		st->any = true;
	}
	*ok = true;
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
	total = 1;	/* the tail */
	for (uint32_t i = 0; i < cut; i++) {
		uint32_t cc = cost_cheap(&cd[i]);

		if (cc == INF_COST || total + cc > budget) {
			cut = i;
			break;
		}
		total += cc;
	}
	{
		uint32_t nh = 0;

		for (uint32_t i = 0; i < cut; i++)
			hot[nh++] = (struct hot){ pp->rules[i].hits, i };
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
			extra = (uint32_t)guard_cost(g & ~guards);
			if (total - cc + cf + extra > budget) {
				x->use_full = false;
				continue;
			}
			total = total - cc + cf + extra;
			guards |= g;
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

	/* 3. place in order */
	for (uint32_t i = 0; i < cut; i++) {
		struct ofl_rule_plan *rp = &pp->rules[i];
		struct cand *x = &cd[i];
		const struct ofl_xlate *keys = x->use_full ? &x->full : &x->cheap;
		uint8_t form = x->use_full ? x->intent : OFL_FORM_PUNT;
		struct ofl_entry t;
		uint64_t outcome;
		bool ok;
		unsigned int g;

		if (x->intent == OFL_FORM_NEVER || x->intent == OFL_FORM_NOOP) {
			rp->form = x->intent;
			rp->where = OFL_WHERE_HW;
			snprintf(rp->why, sizeof(rp->why), "%s",
				 x->intent == OFL_FORM_NEVER ?
				 "never matches on this port before software runs" :
				 "no statement and no verdict");
			continue;
		}
		if (!x->use_full && !(x->cheap_ok && x->cheap.n < x->full.n))
			keys = &x->full;
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
			outcome = ((uint64_t)2 << 32) | w;
			ret = place(st, pp, gk, ng, &t, outcome, &ok);
			if (ret < 0)
				goto out;
			if (!ok) {
				/* no level for the guard: what needs it stays out */
				g = 0;
				x->use_full = false;
				keys = x->cheap_ok && x->cheap.n < x->full.n ? &x->cheap : &x->full;
				form = OFL_FORM_PUNT;
				if (x->intent != OFL_FORM_PUNT) {
					/* its exact keys need the guard: widen */
					keys = &x->cheap;
					if (!x->cheap_ok)
						goto unplaced;
				}
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
			outcome = x->count ? ((uint64_t)1 << 32) | i : OUTCOME_DROP;
			break;
		case OFL_FORM_ACCEPT:
			t.fate = OFL_FATE_SOFT;
			t.count = x->count;
			outcome = ((uint64_t)1 << 32) | i;
			break;
		default:
			t.fate = OFL_FATE_SOFT;
			t.count = caps->count;
			outcome = ((uint64_t)1 << 32) | i;
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
		ret = place(st, pp, keys->keys, keys->n, &t, outcome, &ok);
		if (ret < 0)
			goto out;
		if (ok) {
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
		/* no level left: stays in software and blocks what it could shadow */
		st->nmarks -= (t.mark != 0);
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
				ret = add_blocked(st, &all, 1);
			} else {
				ret = add_blocked(st, w->keys, w->n);
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
			ret = place(st, pp, &all, 1, &t, (uint64_t)3 << 32, &ok);
			if (ret < 0)
				goto out;
		}
		if (!ok && local != 0)
			st->nmarks--;
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
	pp->nentries = st->el.n;
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
	free(st.el.e);
	free(st.el.outcome);
	free(st.blocked);
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
