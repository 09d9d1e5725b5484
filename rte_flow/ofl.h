/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NFTFWD_OFL_H
#define NFTFWD_OFL_H

/*
 * ofl - the rte_flow offload planner: a ruleset IR, bound to the ports by an
 * fp_ruleset (base-chain order per port), becomes per port an ordered list
 * of rte_flow rules that never changes a verdict (DESIGN.md section 4):
 *
 *   exact    hardware decides: DROP (+COUNT), or accept: MARK(ACCEPT) and
 *            software resumes at the next base chain (skipping the rest of
 *            this one); every bit of the match is translated.
 *   partial  the match is exact in hardware; MARK(PARTIAL) and software
 *            runs the rule from its matches on (statements, verdict, jumps).
 *   punt     the match could not be translated: an over-approximation with
 *            MARK(PUNT) at the rule's priority, so that no later hardware
 *            rule shadows it; software resumes at that rule.
 *   cut      the budget or the priority levels ran out: one match-all punt
 *            at that rule, everything from there runs in software.
 *   A packet that hits no hardware rule arrives unmarked: software runs the
 *   whole ruleset. Unknown marks mean the same. So every hardware rule
 *   only ever saves work; none can make software skip a rule that would
 *   have decided otherwise (see ofl_plan.c for the argument).
 *
 * Contract
 * - Threading: every function here runs on the control thread (one at a
 *   time). The one datapath function is ofl_mark_resolve() (ofl_marks.h)
 *   on the table ofl_plan_marks() returns.
 * - Ownership: a plan keeps pointers into the IR and the fp_ruleset it was
 *   built from: both must outlive it. ofl_plan_free() frees it; its MARK
 *   ids are recycled from then on, so call it only after a grace period
 *   that follows unpublishing its mark table.
 * - Errors: 0 or -errno, never exit; reasons and PMD messages are kept per
 *   rule and printed by ofl_plan_print().
 * - Logging: rte_log type nftfwd.offload; every refused hardware rule is
 *   logged at DEBUG in testpmd `flow create` syntax with the PMD's message,
 *   at most log_per_sec lines a second.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_flow.h>

#include "control/ir/ir.h"
#include "fastpath/fp_ruleset.h"
#include "rte_flow/ofl_items.h"
#include "rte_flow/ofl_key.h"
#include "rte_flow/ofl_marks.h"

#ifdef __cplusplus
extern "C" {
#endif

enum ofl_mode {
	OFL_MODE_OFF = 0,	/* no hardware rules at all */
	OFL_MODE_AUTO,		/* offload what can be, software for the rest */
	OFL_MODE_REQUIRE,	/* auto, and fail when a rule of a chain with
				 * `flags offload` cannot run fully in hardware */
};

/* Parse "off", "auto", "require": 0 or -EINVAL. */
int ofl_mode_parse(const char *s, enum ofl_mode *out);
const char *ofl_mode_name(enum ofl_mode m);

/* rte_flow entry points; tests substitute their own (fault injection). */
struct ofl_flow_ops {
	int (*validate)(uint16_t port_id, const struct rte_flow_attr *attr,
			const struct rte_flow_item pattern[],
			const struct rte_flow_action actions[],
			struct rte_flow_error *error);
	struct rte_flow *(*create)(uint16_t port_id,
				   const struct rte_flow_attr *attr,
				   const struct rte_flow_item pattern[],
				   const struct rte_flow_action actions[],
				   struct rte_flow_error *error);
	int (*destroy)(uint16_t port_id, struct rte_flow *flow,
		       struct rte_flow_error *error);
	int (*query)(uint16_t port_id, struct rte_flow *flow,
		     const struct rte_flow_action *action, void *data,
		     struct rte_flow_error *error);
};

/* What a port can do (ofl_port_probe(), or set by hand). */
struct ofl_caps {
	uint32_t n_prio;	/* priority levels in group 0 (1: none) */
	uint32_t budget;	/* hardware rules this planner may use */
	bool mark;		/* MARK delivered to software */
	bool count;		/* COUNT + query */
	bool last;		/* `last` ranges on L4 ports */
	bool rss;		/* RSS action (else QUEUE 0 only) */
	/*
	 * The PMD refuses ETH has_vlan (net_tap): untagged keys rely on the
	 * masked ETH type alone (strict rte_flow: the outer type is not a
	 * TPID), tagged keys on the VLAN item.
	 */
	bool no_has_vlan;
};

struct ofl_port_cfg {
	uint16_t port_id;	/* DPDK port id */
	uint16_t port_idx;	/* forwarder port index (fp_ruleset ports[]) */
	char name[IR_IFNAMSIZ];
	uint16_t n_rxq;		/* software rx queues (RSS targets) */
	struct ofl_caps caps;
};

struct ofl_opts {
	enum ofl_mode mode;
	uint32_t budget;	/* per port; 0: 512 (also capped by caps) */
	uint32_t max_expand;	/* hardware rules per IR rule; 0: 64 */
	bool no_validate;	/* plan without rte_flow_validate (--check) */
	uint32_t log_per_sec;	/* refused-rule log lines a second; 0: 10 */
	const struct ofl_flow_ops *ops;	/* NULL: rte_flow_* */
};

struct ofl_ctx;

int ofl_ctx_create(const struct ofl_opts *o, const struct ofl_port_cfg *ports,
		   unsigned int n_ports, struct ofl_ctx **out);
void ofl_ctx_free(struct ofl_ctx *c);

/*
 * Before rte_eth_dev_configure(): ask the PMD to deliver MARK ids
 * (RTE_ETH_RX_METADATA_USER_MARK | USER_FLAG). 1: delivered; 0: the PMD
 * does not deliver them (then no rule relies on a mark); -ENOTSUP from a
 * PMD without the negotiation is taken as delivered (1), as DPDK documents.
 */
int ofl_negotiate(uint16_t port_id);

/*
 * After the port is configured (and started): fill ports[i].caps with
 * rte_flow_validate probes (priority levels, MARK, COUNT, RSS, `last`).
 * marks_delivered: what ofl_negotiate() returned. The budget comes from
 * opts (the hardware does not tell). 0 or -errno.
 */
int ofl_port_probe(struct ofl_ctx *c, unsigned int i, int marks_delivered);
const struct ofl_caps *ofl_port_caps(const struct ofl_ctx *c, unsigned int i);

/* ---- plans ------------------------------------------------------------- */

enum ofl_where {
	OFL_WHERE_HW = 0,	/* decided in hardware */
	OFL_WHERE_PARTIAL,	/* classified in hardware, finished in software */
	OFL_WHERE_SW,		/* software */
	/*
	 * No hardware rule needed: it never matches where hardware decides
	 * (a folded meta is false there) or has no effect; software runs it
	 * for what reaches software. Not "in hardware".
	 */
	OFL_WHERE_NONE,
};

enum ofl_form {
	OFL_FORM_SW = 0,	/* no entry of its own (after a cut) */
	OFL_FORM_DROP,		/* exact: DROP */
	OFL_FORM_ACCEPT,	/* exact: MARK(ACCEPT) */
	OFL_FORM_PARTIAL,	/* MARK(PARTIAL) */
	OFL_FORM_PUNT,		/* MARK(PUNT), over-approximating */
	OFL_FORM_CUT,		/* match-all MARK(PUNT): first software rule */
	OFL_FORM_NEVER,		/* cannot match in the hardware path */
	OFL_FORM_NOOP,		/* matches change nothing (no stmt, no verdict) */
};

struct ofl_rule_ref {
	uint32_t table_idx;	/* ir->tables[] */
	uint32_t chain_idx;	/* table->chains[] */
	uint32_t rule_idx;	/* chain->rules[] */
	uint16_t hook_idx;	/* the port's base-chain index */
	const struct ir_rule *rule;
};

struct ofl_rule_plan {
	struct ofl_rule_ref ref;
	const struct ir_table *table;
	const struct ir_chain *chain;
	uint8_t where;		/* enum ofl_where */
	uint8_t form;		/* enum ofl_form */
	bool count;		/* its hardware COUNT feeds the rule's counters */
	uint32_t mark;		/* MARK id, 0: none */
	uint32_t first, n;	/* n entries, the first at entries[first]
				 * (not always adjacent: copies) */
	uint64_t hits;		/* hotness used for this plan */
	uint64_t hw_pkts;	/* hardware hits in this plan (all COUNTs) */
	char why[OFL_WHY_LEN];	/* why not hardware; "" when it is */
};

/* entry.rule for entries that belong to no rule */
#define OFL_ENTRY_GUARD	UINT32_MAX		/* IPv6 ext. hdr / IPv4 fragment guard */
#define OFL_ENTRY_TAIL	(UINT32_MAX - 1)	/* policy / all-accepted / cut */

struct ofl_entry {
	struct ofl_key key;
	uint32_t rule;		/* index in rules[], or OFL_ENTRY_* */
	uint32_t prio;		/* rte_flow priority (0: first) */
	uint32_t mark;		/* MARK id, 0: none */
	uint8_t fate;		/* enum ofl_fate (ofl_items.h) */
	bool count;
	struct rte_flow *flow;	/* installed rule, NULL otherwise */
	uint64_t pkts, bytes;	/* COUNT totals read so far */
};

struct ofl_port_plan {
	struct ofl_port_cfg cfg;
	uint32_t n_hooks;
	struct ofl_rule_plan *rules;	/* base-chain rules in hook order */
	uint32_t nrules;
	struct ofl_entry *entries;	/* in priority order */
	uint32_t nentries;
	uint32_t levels;		/* priority levels used */
	bool installed;
	int install_err;		/* 0, or -errno of the failed create */
	char note[256];			/* plan-level notes and errors */
};

struct ofl_plan {
	unsigned int n_ports;
	struct ofl_port_plan *ports;
	struct ofl_marktab *marks;	/* NULL when no id is used */
	const struct ir_ruleset *ir;
	const struct fp_ruleset *fp;
};

/*
 * Hotness of a rule (e.g. its software counter); NULL: only what the
 * previous plan's hardware COUNTs saw.
 */
typedef uint64_t (*ofl_hits_fn)(void *arg, uint16_t port_idx,
				const struct ofl_rule_ref *r);

/*
 * Plan every port of the context for ir/fp. prev (may be NULL): the plan
 * now installed; its hardware hit counts rank the rules (hot first) when a
 * port's budget is short. Validates each hardware rule on its port unless
 * opts.no_validate. *out on success.
 */
int ofl_plan_build(struct ofl_ctx *c, const struct ir_ruleset *ir,
		   const struct fp_ruleset *fp, const struct ofl_plan *prev,
		   ofl_hits_fn hits, void *hits_arg, struct ofl_plan **out);

/*
 * Make-before-break, step 1: create every rule of plan (old, the plan now
 * installed, stays). A port whose create fails is rolled back (every rule
 * this plan created on it destroyed; if the table was full and old is
 * given, old's rules on that port are destroyed first and the port tried
 * once more): that port then runs in software, which is always correct.
 * Returns 0, or the first -errno (the plan is still usable: publish it).
 */
int ofl_plan_install(struct ofl_ctx *c, struct ofl_plan *plan,
		     struct ofl_plan *old);

/* The mark table to publish with the plan's fp_ruleset (may be NULL). */
const struct ofl_marktab *ofl_plan_marks(const struct ofl_plan *plan);

/*
 * Make-before-break, step 3 (after the software side was swapped and a
 * grace period passed): read the final counters (kept for
 * ofl_plan_counters()) and destroy the plan's rules.
 */
void ofl_plan_remove(struct ofl_ctx *c, struct ofl_plan *plan);

/* Free (NULL is a no-op); releases the plan's MARK ids (see contract). */
void ofl_plan_free(struct ofl_ctx *c, struct ofl_plan *plan);

/*
 * Hardware counters: query every COUNT with reset (installed rules) and
 * add what was read since the last call (removal included) per rule:
 * fn(arg, port_idx, rule, packets, bytes) for each rule whose hardware
 * decisions the software never saw (exact rules with counters), with
 * bytes as the kernel counts them (from the network header on). Returns
 * the number of calls, or -errno.
 */
typedef void (*ofl_count_fn)(void *arg, uint16_t port_idx,
			     const struct ofl_rule_ref *r, uint64_t packets,
			     uint64_t bytes);
int ofl_plan_counters(struct ofl_ctx *c, struct ofl_plan *plan,
		      ofl_count_fn fn, void *arg);

/*
 * Periodic re-plan (same ruleset): build a plan ranked by the hits seen so
 * far. 1 and *out when it differs from cur (install it, publish its table,
 * remove and free cur as on a reload), 0 when it would be the same (*out
 * NULL), -errno.
 */
int ofl_replan(struct ofl_ctx *c, struct ofl_plan *cur, ofl_hits_fn hits,
	       void *hits_arg, struct ofl_plan **out);

/* The rte_flow attribute, pattern and actions of entry e of port plan pp
 * (what ofl_plan_install() creates). 0, or -ENOTSUP with why. */
int ofl_entry_flow(const struct ofl_port_plan *pp, const struct ofl_entry *e,
		   struct rte_flow_attr *attr, struct ofl_pattern *pat,
		   struct ofl_actions *act, char *why, size_t why_len);

/* ---- reports ------------------------------------------------------------- */

/* --offload-plan: per port, every hardware rule and every IR rule's place. */
void ofl_plan_print(FILE *f, const struct ofl_plan *plan, bool entries);

/*
 * --offload require: -EOPNOTSUPP when a rule of a chain with `flags
 * offload` does not run fully in hardware on some port (err names the
 * port, the rule as nft prints it, table, chain, handle and why); 0
 * otherwise.
 */
int ofl_plan_require(const struct ofl_plan *plan, char *err, size_t err_len);

/*
 * Counts of rules per place over all ports (for a one-line summary): rules
 * decided in hardware, partial, in software (rules that need no hardware
 * rule, OFL_WHERE_NONE, count as software here: they are not in hardware),
 * and the hardware rules. A port whose install failed counts as all
 * software with no hardware rule.
 */
void ofl_plan_summary(const struct ofl_plan *plan, unsigned int *hw,
		      unsigned int *partial, unsigned int *sw,
		      unsigned int *entries);

struct ofl_summary {
	unsigned int hw;	/* decided in hardware */
	unsigned int partial;
	unsigned int sw;	/* software, OFL_WHERE_NONE excluded */
	unsigned int none;	/* OFL_WHERE_NONE */
	unsigned int entries;	/* hardware rules (installed ports only, once installed) */
};

void ofl_plan_summary_ex(const struct ofl_plan *plan, struct ofl_summary *s);

/*
 * The summary as one line: "N rule(s) in hardware, M partial, K in software;
 * E hardware rule(s)" and, when there are any, "; J rule(s) need no hardware
 * rule (never match where hardware decides, or no effect)". Returns the
 * length (snprintf).
 */
int ofl_plan_summary_str(const struct ofl_plan *plan, char *buf, size_t len);

const char *ofl_where_name(enum ofl_where w);
const char *ofl_form_name(enum ofl_form f);

#ifdef __cplusplus
}
#endif

#endif /* NFTFWD_OFL_H */
