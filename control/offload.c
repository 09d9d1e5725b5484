/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The forwarder's side of rte_flow offload: capability probes at start,
 * a plan per ruleset generation, counters, reports.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_log.h>
#include <rte_rcu_qsbr.h>

#include "control/offload.h"
#include "fastpath/fwd.h"
#include "rte_flow/ofl.h"

RTE_LOG_REGISTER_SUFFIX(offload_logtype, offload, INFO);
#define OFF_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, offload_logtype, "offload: " fmt "\n", ##__VA_ARGS__)

/*
 * Hotness for re-plans: per rule of the active generation, its first
 * counter's packets when its plan was made (base) and the hardware counts
 * folded into it since (hw), so that what the software counted since is
 * counter - base - hw (the hardware part reaches the planner as the plan's
 * own hw_pkts).
 */
struct offload_hits {
	const struct fp_ruleset *fp;
	const struct ir_ruleset *ir;
	uint32_t *chain_off;	/* first rule index of (table, chain), flattened */
	uint32_t *table_off;	/* first chain_off index of each table */
	uint64_t *base;
	uint64_t *hw;
	uint32_t n;
};

static struct {
	const struct cfg *cfg;
	struct ofl_ctx *ctx;
	int marks[FWD_MAX_PORTS];	/* ofl_negotiate() per port index */
	struct offload_hits hits;
} off;

static enum ofl_mode
offload_mode(const struct cfg *c)
{
	switch (c->offload) {
	case CFG_OFFLOAD_OFF:
		return OFL_MODE_OFF;
	case CFG_OFFLOAD_REQUIRE:
		return OFL_MODE_REQUIRE;
	case CFG_OFFLOAD_AUTO:
	default:
		return OFL_MODE_AUTO;
	}
}

void
offload_negotiate(const struct cfg *c, unsigned int port_idx, uint16_t port_id)
{
	int ret;

	if (c->offload == CFG_OFFLOAD_OFF || port_idx >= FWD_MAX_PORTS)
		return;
	ret = ofl_negotiate(port_id);
	off.marks[port_idx] = ret > 0;
	if (ret <= 0)
		OFF_LOG(INFO, "port %u: MARK ids are not delivered (%s): no rule will resume in software from a mark",
			port_id, ret < 0 ? strerror(-ret) : "refused");
}

int
offload_start(const struct cfg *c)
{
	struct ofl_port_cfg pc[FWD_MAX_PORTS];
	struct ofl_opts o;
	unsigned int i;
	int ret;

	off.cfg = c;
	if (c->offload == CFG_OFFLOAD_OFF)
		return 0;
	memset(pc, 0, sizeof(pc));
	for (i = 0; i < fwd_ctx.n_ports; i++) {
		pc[i].port_id = fwd_ctx.port[i].port_id;
		pc[i].port_idx = (uint16_t)i;
		memcpy(pc[i].name, fwd_ctx.port[i].name, IR_IFNAMSIZ);
		pc[i].n_rxq = (uint16_t)c->queues;
	}
	memset(&o, 0, sizeof(o));
	o.mode = offload_mode(c);
	o.budget = c->offload_budget;
	ret = ofl_ctx_create(&o, pc, fwd_ctx.n_ports, &off.ctx);
	if (ret < 0) {
		fprintf(stderr, "dpdk-nft-fwd: offload: %s\n", strerror(-ret));
		return ret;
	}
	for (i = 0; i < fwd_ctx.n_ports; i++) {
		const struct ofl_caps *caps;

		ofl_port_probe(off.ctx, i, off.marks[i]);
		caps = ofl_port_caps(off.ctx, i);
		OFF_LOG(INFO, "port %s: %u priority level(s), budget %u, mark %s, count %s, ranges %s",
			fwd_ctx.port[i].name, caps->n_prio, caps->budget,
			caps->mark ? "yes" : "no", caps->count ? "yes" : "no",
			caps->last ? "yes" : "no");
	}
	return 0;
}

static uint64_t offload_hits_cb(void *arg, uint16_t port_idx,
			       const struct ofl_rule_ref *r);
static void offload_hits_free(struct offload_hits *h);

int
offload_plan(const struct ir_ruleset *ir, struct fp_ruleset *fp,
	     struct ofl_plan *prev, struct ofl_plan **out)
{
	unsigned int hw = 0, partial = 0, sw = 0, entries = 0;
	struct ofl_plan *plan = NULL;
	char err[1024];
	int ret;

	*out = NULL;
	fp->ofl_marks = NULL;
	if (off.ctx == NULL)
		return 0;
	/* hot rules first: prev's hardware counts, and what the software
	 * counted since prev was made (the same rules in the old generation) */
	ret = ofl_plan_build(off.ctx, ir, fp, prev,
		prev != NULL ? offload_hits_cb : NULL, (void *)ir, &plan);
	if (ret < 0) {
		OFF_LOG(WARNING, "no plan (%s): every rule runs in software", strerror(-ret));
		return 0;
	}
	if (off.cfg->offload == CFG_OFFLOAD_REQUIRE &&
	    ofl_plan_require(plan, err, sizeof(err)) < 0) {
		fprintf(stderr, "dpdk-nft-fwd: --offload require: %s\n", err);
		ofl_plan_free(off.ctx, plan);
		return -EINVAL;
	}
	ret = ofl_plan_install(off.ctx, plan, prev);
	if (ret < 0)
		OFF_LOG(WARNING, "install failed on some port(s) (%s): they run in software",
			strerror(-ret));
	if (off.cfg->offload == CFG_OFFLOAD_REQUIRE &&
	    ofl_plan_require(plan, err, sizeof(err)) < 0) {
		fprintf(stderr, "dpdk-nft-fwd: --offload require: %s\n", err);
		ofl_plan_remove(off.ctx, plan);
		ofl_plan_free(off.ctx, plan);
		return -EINVAL;
	}
	ofl_plan_summary(plan, &hw, &partial, &sw, &entries);
	OFF_LOG(INFO, "%u rule(s) in hardware, %u partial, %u in software; %u hardware rule(s)",
		hw, partial, sw, entries);
	if (off.cfg->offload_plan)
		ofl_plan_print(stdout, plan, true);
	fp->ofl_marks = ofl_plan_marks(plan);
	*out = plan;
	return 0;
}

static void
offload_count_cb(void *arg, uint16_t port_idx, const struct ofl_rule_ref *r,
		 uint64_t packets, uint64_t bytes)
{
	struct fp_counter delta = { .packets = packets, .bytes = bytes };

	(void)port_idx;
	fp_ruleset_rule_counter_add(arg, r->table_idx, r->chain_idx, r->rule_idx,
		&delta);
	if (arg == off.hits.fp && off.hits.hw != NULL &&
	    r->table_idx < off.hits.ir->ntables)
		off.hits.hw[off.hits.chain_off[off.hits.table_off[r->table_idx] +
			r->chain_idx] + r->rule_idx] += packets;
}

void
offload_fold_counters(struct ofl_plan *plan, struct fp_ruleset *fp)
{
	if (off.ctx != NULL && plan != NULL && fp != NULL)
		ofl_plan_counters(off.ctx, plan, offload_count_cb, fp);
}

void
offload_retire(struct ofl_plan *plan, struct fp_ruleset *old_fp)
{
	if (off.ctx == NULL || plan == NULL)
		return;
	/* Final counts are read as the rules go. */
	ofl_plan_remove(off.ctx, plan);
	offload_fold_counters(plan, old_fp);
	ofl_plan_free(off.ctx, plan);
}

void
offload_print(FILE *f, const struct ofl_plan *plan)
{
	if (plan != NULL)
		ofl_plan_print(f, plan, true);
}

static uint64_t
offload_zero_clock(void *arg)
{
	(void)arg;
	return 0;
}

int
offload_check(const struct cfg *c, const struct ir_ruleset *ir,
	      const char *const *port_names, unsigned int n_ports)
{
	struct ofl_port_cfg pc[CFG_MAX_PORTS];
	struct fp_ruleset_opts fo;
	struct fp_ruleset *fp = NULL;
	struct ofl_plan *plan = NULL;
	struct ofl_ctx *ctx = NULL;
	struct ofl_opts o;
	char err[1024] = "";
	unsigned int i;
	int ret;

	memset(&fo, 0, sizeof(fo));
	fo.port_names = port_names;
	fo.n_ports = n_ports;
	fo.n_lcores = 1;
	fo.clock = offload_zero_clock;
	fo.err = err;
	fo.err_len = sizeof(err);
	ret = fp_ruleset_build(ir, &fo, &fp);
	if (ret < 0) {
		fprintf(stderr, "dpdk-nft-fwd: %s\n", err[0] != '\0' ? err : strerror(-ret));
		return ret;
	}
	memset(pc, 0, sizeof(pc));
	for (i = 0; i < n_ports; i++) {
		pc[i].port_id = (uint16_t)i;
		pc[i].port_idx = (uint16_t)i;
		snprintf(pc[i].name, IR_IFNAMSIZ, "%s", port_names[i]);
		pc[i].n_rxq = (uint16_t)c->queues;
		/* Assumed: a capable NIC (the output says so). */
		pc[i].caps.n_prio = 64;
		pc[i].caps.budget = c->offload_budget != 0 ? c->offload_budget : 512;
		pc[i].caps.mark = true;
		pc[i].caps.count = true;
		pc[i].caps.rss = true;
	}
	memset(&o, 0, sizeof(o));
	o.mode = offload_mode(c) == OFL_MODE_OFF ? OFL_MODE_AUTO : offload_mode(c);
	o.budget = c->offload_budget;
	o.no_validate = true;
	ret = ofl_ctx_create(&o, pc, n_ports, &ctx);
	if (ret == 0)
		ret = ofl_plan_build(ctx, ir, fp, NULL, NULL, NULL, &plan);
	if (ret == 0) {
		printf("offload plan against assumed capabilities (64 priority levels, MARK, COUNT, budget %u per port; no rte_flow_validate):\n",
			pc[0].caps.budget);
		ofl_plan_print(stdout, plan, true);
		if (c->offload == CFG_OFFLOAD_REQUIRE &&
		    ofl_plan_require(plan, err, sizeof(err)) < 0) {
			fprintf(stderr, "dpdk-nft-fwd: --offload require: %s\n", err);
			ret = -EINVAL;
		}
	} else {
		fprintf(stderr, "dpdk-nft-fwd: offload plan: %s\n", strerror(-ret));
	}
	ofl_plan_free(ctx, plan);
	ofl_ctx_free(ctx);
	fp_ruleset_free(fp);
	return ret;
}

void
offload_stop(void)
{
	offload_hits_free(&off.hits);
	ofl_ctx_free(off.ctx);
	off.ctx = NULL;
}

/* ---- hotness and the periodic re-plan ------------------------------------- */

static void
offload_hits_free(struct offload_hits *h)
{
	free(h->chain_off);
	free(h->table_off);
	free(h->base);
	free(h->hw);
	memset(h, 0, sizeof(*h));
}

/* packets of the rule's first counter, 0 when it has none */
static uint64_t
offload_rule_packets(const struct fp_ruleset *fp, const struct ir_table *tb,
		     const struct ir_chain *ch, const struct ir_rule *rule)
{
	struct fp_counter cnt;

	if (fp_ruleset_rule_counter(fp, tb->name, ch->name, rule->handle, 0,
			&cnt) != 0)
		return 0;
	return cnt.packets;
}

/* base = every rule's counter now, hw = 0 (a plan was just made) */
static void
offload_hits_commit(struct offload_hits *h)
{
	uint32_t t, c, r, i = 0;

	if (h->base == NULL)
		return;
	for (t = 0; t < h->ir->ntables; t++) {
		const struct ir_table *tb = &h->ir->tables[t];

		for (c = 0; c < tb->nchains; c++)
			for (r = 0; r < tb->chains[c].nrules; r++, i++) {
				h->base[i] = offload_rule_packets(h->fp, tb,
					&tb->chains[c], &tb->chains[c].rules[r]);
				h->hw[i] = 0;
			}
	}
}

void
offload_generation(const struct ir_ruleset *ir, const struct fp_ruleset *fp)
{
	struct offload_hits *h = &off.hits;
	uint32_t t, c, nchains = 0, n = 0;

	offload_hits_free(h);
	if (off.ctx == NULL || ir == NULL || fp == NULL)
		return;
	for (t = 0; t < ir->ntables; t++) {
		nchains += ir->tables[t].nchains;
		for (c = 0; c < ir->tables[t].nchains; c++)
			n += ir->tables[t].chains[c].nrules;
	}
	h->table_off = calloc(ir->ntables + 1, sizeof(*h->table_off));
	h->chain_off = calloc(nchains + 1, sizeof(*h->chain_off));
	h->base = calloc(n + 1, sizeof(*h->base));
	h->hw = calloc(n + 1, sizeof(*h->hw));
	if (h->table_off == NULL || h->chain_off == NULL || h->base == NULL ||
	    h->hw == NULL) {
		/* no software hotness: the plans' hardware counts only */
		offload_hits_free(h);
		return;
	}
	nchains = 0;
	n = 0;
	for (t = 0; t < ir->ntables; t++) {
		h->table_off[t] = nchains;
		for (c = 0; c < ir->tables[t].nchains; c++) {
			h->chain_off[nchains++] = n;
			n += ir->tables[t].chains[c].nrules;
		}
	}
	h->ir = ir;
	h->fp = fp;
	h->n = n;
	offload_hits_commit(h);
}

/* the tracked index of rule r of ir (same ruleset or a reload's), or -1 */
static int64_t
offload_hits_index(const struct offload_hits *h, const struct ir_ruleset *ir,
		   const struct ofl_rule_ref *r)
{
	const struct ir_table *tb = &ir->tables[r->table_idx];
	const struct ir_chain *ch = &tb->chains[r->chain_idx];
	uint32_t t, c, k;

	if (ir == h->ir)
		return h->chain_off[h->table_off[r->table_idx] + r->chain_idx] +
			r->rule_idx;
	for (t = 0; t < h->ir->ntables; t++) {
		const struct ir_table *ot = &h->ir->tables[t];

		if (strcmp(ot->name, tb->name) != 0)
			continue;
		for (c = 0; c < ot->nchains; c++) {
			const struct ir_chain *oc = &ot->chains[c];

			if (strcmp(oc->name, ch->name) != 0)
				continue;
			/* same position first: most rules did not move */
			for (k = 0; k <= oc->nrules; k++) {
				uint32_t j = k == 0 ? r->rule_idx : k - 1;

				if (j < oc->nrules &&
				    oc->rules[j].handle == r->rule->handle)
					return h->chain_off[h->table_off[t] + c] + j;
			}
			return -1;
		}
	}
	return -1;
}

/*
 * ofl_hits_fn: what the software counted for the rule since its plan was
 * made (its first counter, hardware folds left out: the plan's own COUNTs
 * give those). arg: the ir the refs point into.
 */
static uint64_t
offload_hits_cb(void *arg, uint16_t port_idx, const struct ofl_rule_ref *r)
{
	const struct ir_ruleset *ir = arg;
	const struct offload_hits *h = &off.hits;
	uint64_t now, used;
	int64_t i;

	(void)port_idx;
	if (h->base == NULL || ir == NULL)
		return 0;
	i = offload_hits_index(h, ir, r);
	if (i < 0)
		return 0;
	/* on a reload, the counter of the same rule in the old generation */
	now = offload_rule_packets(h->fp, &ir->tables[r->table_idx],
		&ir->tables[r->table_idx].chains[r->chain_idx], r->rule);
	used = h->base[i] + h->hw[i];
	return now > used ? now - used : 0;
}

/* some rule of the plan is not in hardware for want of room */
static bool
offload_budget_short(const struct ofl_plan *plan)
{
	unsigned int p;
	uint32_t i;

	for (p = 0; p < plan->n_ports; p++) {
		const struct ofl_port_plan *pp = &plan->ports[p];

		for (i = 0; i < pp->nrules; i++)
			if (strstr(pp->rules[i].why, "budget") != NULL)
				return true;
	}
	return false;
}

static bool
offload_in_hw(const struct ofl_port_plan *pp, uint32_t i)
{
	return pp->installed &&
		(pp->rules[i].where == OFL_WHERE_HW ||
		 pp->rules[i].where == OFL_WHERE_PARTIAL);
}

static bool
offload_planned_hw(const struct ofl_port_plan *pp, uint32_t i)
{
	return pp->nentries > 0 &&
		(pp->rules[i].where == OFL_WHERE_HW ||
		 pp->rules[i].where == OFL_WHERE_PARTIAL);
}

/*
 * One table naming both plans' ids (they are disjoint blocks, same
 * ruleset), for the time both plans' rules can mark packets: a packet
 * marked by either resumes where its rule says, so that nothing the
 * hardware counted is counted again by a full software run. NULL when
 * one side has no table or the blocks are too far apart (after the
 * allocator wrapped): then only the new one is published, which is still
 * correct (unknown ids run everything).
 */
static struct ofl_marktab *
offload_marks_merge(const struct ofl_marktab *a, const struct ofl_marktab *b)
{
	struct ofl_marktab *m;
	uint32_t lo, hi, i;

	if (a == NULL || b == NULL)
		return NULL;
	lo = a->base < b->base ? a->base : b->base;
	hi = a->base + a->n > b->base + b->n ? a->base + a->n : b->base + b->n;
	if (hi - lo > (1u << 16))
		return NULL;
	m = calloc(1, sizeof(*m) + (size_t)(hi - lo) * sizeof(m->ent[0]));
	if (m == NULL)
		return NULL;
	m->base = lo;
	m->n = hi - lo;
	for (i = 0; i < a->n; i++)
		m->ent[a->base - lo + i] = a->ent[i];
	for (i = 0; i < b->n; i++)
		m->ent[b->base - lo + i] = b->ent[i];
	return m;
}

/* publish t in fp and wait until no worker can use what was there */
static void
offload_publish_marks(struct fp_ruleset *fp, const struct ofl_marktab *t)
{
	__atomic_store_n(&fp->ofl_marks, t, __ATOMIC_RELEASE);
	if (fwd_ctx.rcu != NULL)
		rte_rcu_qsbr_synchronize(fwd_ctx.rcu, RTE_QSBR_THRID_INVALID);
}

int
offload_replan(const struct ir_ruleset *ir, struct fp_ruleset *fp,
	       struct ofl_plan **planp)
{
	struct ofl_plan *cur = *planp, *next = NULL;
	struct ofl_marktab *both;
	unsigned int in = 0, out = 0, p;
	char sum[256];
	int ret;

	if (off.ctx == NULL || cur == NULL || fp == NULL ||
	    !offload_budget_short(cur))
		return 0;
	if (off.hits.fp != fp)
		offload_generation(ir, fp);
	/* the hardware's hits first: they rank the rules too */
	offload_fold_counters(cur, fp);
	ret = ofl_replan(off.ctx, cur, offload_hits_cb, (void *)ir, &next);
	if (ret < 0) {
		OFF_LOG(WARNING, "re-plan by hits: no plan (%s): the current one stays",
			strerror(-ret));
		return ret;
	}
	if (ret == 0)
		return 0;
	for (p = 0; p < cur->n_ports && p < next->n_ports; p++) {
		const struct ofl_port_plan *a = &cur->ports[p], *b = &next->ports[p];
		uint32_t i;

		for (i = 0; i < a->nrules && i < b->nrules; i++) {
			in += !offload_in_hw(a, i) && offload_planned_hw(b, i);
			out += offload_in_hw(a, i) && !offload_planned_hw(b, i);
		}
	}
	/* make before break: old and new rules side by side, both ids known */
	both = offload_marks_merge(ofl_plan_marks(cur), ofl_plan_marks(next));
	if (both != NULL)
		offload_publish_marks(fp, both);
	ret = ofl_plan_install(off.ctx, next, cur);
	if (ret < 0) {
		OFF_LOG(WARNING, "re-plan by hits: install failed (%s): the previous plan stays",
			strerror(-ret));
		ofl_plan_remove(off.ctx, next);
		offload_fold_counters(next, fp);
		offload_publish_marks(fp, ofl_plan_marks(cur));
		free(both);
		ofl_plan_free(off.ctx, next);
		return ret;
	}
	/* break: the old rules go (their last counts read), then its ids */
	ofl_plan_remove(off.ctx, cur);
	offload_publish_marks(fp, ofl_plan_marks(next));
	offload_fold_counters(cur, fp);
	free(both);
	ofl_plan_free(off.ctx, cur);
	*planp = next;
	offload_hits_commit(&off.hits);
	ofl_plan_summary_str(next, sum, sizeof(sum));
	OFF_LOG(INFO, "re-plan by hits: %u rule(s) moved into hardware, %u out of it; %s",
		in, out, sum);
	if (off.cfg->offload_plan)
		ofl_plan_print(stdout, next, true);
	return 1;
}
