/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NFTFWD_OFL_INT_H
#define NFTFWD_OFL_INT_H

/*
 * Internals shared by the planner (ofl_plan.c), the installer
 * (ofl_install.c) and the printer (ofl_print.c). Control thread only.
 */

#include <rte_log.h>

#include "rte_flow/ofl.h"
#include "rte_flow/ofl_items.h"

extern int ofl_logtype;
#define OFL_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, ofl_logtype, "offload: " fmt "\n", ##__VA_ARGS__)

#define OFL_DEFAULT_BUDGET	512
#define OFL_DEFAULT_EXPAND	64
/* keys of the cheap punt a cold rule gets when the budget is short */
#define OFL_CHEAP_PUNT_KEYS	4

struct ofl_ctx {
	struct ofl_opts opts;
	struct ofl_flow_ops ops;
	struct ofl_mark_alloc marks;
	uint64_t log_window;		/* TSC second of the log window */
	uint32_t log_lines;
	uint64_t log_suppressed;
	const struct ir_ruleset *last_ir;	/* for ofl_replan() */
	const struct fp_ruleset *last_fp;
	unsigned int n_ports;
	struct ofl_port_cfg *ports;
};

/* Log a refused rule in testpmd syntax (rate-limited). */
void ofl_log_refused(struct ofl_ctx *c, const struct ofl_port_plan *pp,
		     const struct rte_flow_attr *attr, const struct ofl_pattern *pat,
		     const struct ofl_actions *act, const char *what,
		     const char *msg);

/* "PMD message (rte_errno text)" from an rte_flow_error. */
void ofl_flow_errmsg(const struct rte_flow_error *err, int ret, char *buf,
		     size_t len);

#endif /* NFTFWD_OFL_INT_H */
