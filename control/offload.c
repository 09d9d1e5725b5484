/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The forwarder's side of rte_flow offload: capability probes at start,
 * a plan per ruleset generation, counters, reports.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_log.h>

#include "control/offload.h"
#include "fastpath/fwd.h"
#include "rte_flow/ofl.h"

RTE_LOG_REGISTER_SUFFIX(offload_logtype, offload, INFO);
#define OFF_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, offload_logtype, "offload: " fmt "\n", ##__VA_ARGS__)

static struct {
	const struct cfg *cfg;
	struct ofl_ctx *ctx;
	int marks[FWD_MAX_PORTS];	/* ofl_negotiate() per port index */
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
	ret = ofl_plan_build(off.ctx, ir, fp, prev, NULL, NULL, &plan);
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
	ofl_ctx_free(off.ctx);
	off.ctx = NULL;
}
