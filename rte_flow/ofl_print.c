/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reports: the per-port plan (--offload-plan), the --offload require check,
 * summaries.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/ir/ir_print.h"

#include "rte_flow/ofl_int.h"

const char *
ofl_where_name(enum ofl_where w)
{
	switch (w) {
	case OFL_WHERE_HW: return "hardware";
	case OFL_WHERE_PARTIAL: return "partial";
	case OFL_WHERE_SW: return "software";
	case OFL_WHERE_NONE: return "none";
	}
	return "?";
}

const char *
ofl_form_name(enum ofl_form f)
{
	static const char *const names[] = {
		[OFL_FORM_SW] = "-",
		[OFL_FORM_DROP] = "drop",
		[OFL_FORM_ACCEPT] = "accept",
		[OFL_FORM_PARTIAL] = "partial",
		[OFL_FORM_PUNT] = "punt",
		[OFL_FORM_CUT] = "cut",
		[OFL_FORM_NEVER] = "never",
		[OFL_FORM_NOOP] = "noop",
	};

	return (unsigned int)f < RTE_DIM(names) ? names[f] : "?";
}

static const char *
mark_kind_name(uint8_t k)
{
	switch (k) {
	case OFL_MARK_ACCEPT: return "accept";
	case OFL_MARK_PUNT: return "punt";
	case OFL_MARK_PARTIAL: return "partial";
	default: return "none";
	}
}

void
ofl_plan_print(FILE *f, const struct ofl_plan *plan, bool entries)
{
	for (unsigned int p = 0; p < plan->n_ports; p++) {
		const struct ofl_port_plan *pp = &plan->ports[p];
		const struct ofl_caps *cp = &pp->cfg.caps;
		unsigned int hw = 0, part = 0, sw = 0, none = 0;

		for (uint32_t r = 0; r < pp->nrules; r++) {
			hw += pp->rules[r].where == OFL_WHERE_HW;
			part += pp->rules[r].where == OFL_WHERE_PARTIAL;
			sw += pp->rules[r].where == OFL_WHERE_SW;
			none += pp->rules[r].where == OFL_WHERE_NONE;
		}
		fprintf(f, "port %s (dpdk port %u): %u hardware rule(s) on %u priority level(s); rules: %u hardware, %u partial, %u software, %u need none%s\n",
			pp->cfg.name, pp->cfg.port_id, pp->nentries, pp->levels, hw,
			part, sw, none, pp->install_err ? " [install failed]" : "");
		fprintf(f, "  capabilities: %u priority level(s), budget %u, mark %s, count %s, rss %s, ranges %s\n",
			cp->n_prio, cp->budget, cp->mark ? "yes" : "no",
			cp->count ? "yes" : "no", cp->rss ? "yes" : "no",
			cp->last ? "yes" : "no");
		if (pp->note[0] != '\0')
			fprintf(f, "  note: %s\n", pp->note);
		for (uint32_t r = 0; r < pp->nrules; r++) {
			const struct ofl_rule_plan *rp = &pp->rules[r];

			fprintf(f, "  %s/%s #%" PRIu64 ": %-8s %-7s", rp->table->name,
				rp->chain->name, rp->ref.rule->handle,
				ofl_where_name(rp->where), ofl_form_name(rp->form));
			if (rp->n > 0)
				fprintf(f, " %u hw rule(s)", rp->n);
			if (rp->mark != 0)
				fprintf(f, " mark %u", rp->mark);
			if (rp->count)
				fprintf(f, " count");
			if (rp->why[0] != '\0')
				fprintf(f, " (%s)", rp->why);
			fputc('\n', f);
		}
		if (!entries)
			continue;
		for (uint32_t i = 0; i < pp->nentries; i++) {
			const struct ofl_entry *e = &pp->entries[i];
			struct rte_flow_attr attr;
			struct ofl_pattern pat;
			struct ofl_actions act;
			char why[OFL_WHY_LEN], line[1024];
			const char *who = e->rule == OFL_ENTRY_GUARD ? "guard" :
					  e->rule == OFL_ENTRY_TAIL ? "tail" : "rule";

			if (ofl_entry_flow(pp, e, &attr, &pat, &act, why, sizeof(why)) < 0) {
				fprintf(f, "    [%u] %s: %s\n", i, who, why);
				continue;
			}
			ofl_testpmd(line, sizeof(line), pp->cfg.port_id, &attr, pat.items,
				    act.a);
			if (e->rule < pp->nrules)
				fprintf(f, "    [%u] #%" PRIu64 " %s\n", i,
					pp->rules[e->rule].ref.rule->handle, line);
			else
				fprintf(f, "    [%u] %s %s\n", i, who, line);
		}
	}
	if (entries && plan->marks != NULL) {
		fprintf(f, "marks %u..%u:\n", plan->marks->base,
			plan->marks->base + plan->marks->n - 1);
		for (uint32_t i = 0; i < plan->marks->n; i++) {
			const struct ofl_mark_ent *m = &plan->marks->ent[i];

			if (m->kind == OFL_MARK_NONE)
				continue;
			fprintf(f, "  %u: port %u %s hook %u rule %u\n",
				plan->marks->base + i, m->port_idx,
				mark_kind_name(m->kind), m->hook_idx, m->rule_idx);
		}
	}
}

int
ofl_plan_require(const struct ofl_plan *plan, char *err, size_t err_len)
{
	for (unsigned int p = 0; p < plan->n_ports; p++) {
		const struct ofl_port_plan *pp = &plan->ports[p];

		for (uint32_t r = 0; r < pp->nrules; r++) {
			const struct ofl_rule_plan *rp = &pp->rules[r];
			char *text;

			if (!(rp->chain->flags & IR_CHAIN_F_OFFLOAD))
				continue;
			if ((rp->where == OFL_WHERE_HW || rp->where == OFL_WHERE_NONE) &&
			    pp->install_err == 0)
				continue;
			/* like the kernel's refusal: the rule as nft prints it */
			text = ir_rule_str(plan->ir, rp->table, rp->ref.rule);
			snprintf(err, err_len,
				 "port %s: rule \"%s\" (table netdev %s chain %s handle %" PRIu64 ", flags offload) cannot run fully in hardware: %s: %s",
				 pp->cfg.name, text != NULL ? text : "?", rp->table->name,
				 rp->chain->name, rp->ref.rule->handle,
				 !pp->install_err && rp->where == OFL_WHERE_PARTIAL ?
				 "it would be finished in software" : "it would run in software",
				 pp->install_err ? pp->note : rp->why);
			free(text);
			return -EOPNOTSUPP;
		}
	}
	return 0;
}

void
ofl_plan_summary_ex(const struct ofl_plan *plan, struct ofl_summary *s)
{
	memset(s, 0, sizeof(*s));
	for (unsigned int p = 0; p < plan->n_ports; p++) {
		const struct ofl_port_plan *pp = &plan->ports[p];

		if (pp->install_err != 0) {
			/* rolled back: everything on it runs in software */
			s->sw += pp->nrules;
			continue;
		}
		s->entries += pp->nentries;
		for (uint32_t r = 0; r < pp->nrules; r++) {
			s->hw += pp->rules[r].where == OFL_WHERE_HW;
			s->partial += pp->rules[r].where == OFL_WHERE_PARTIAL;
			s->sw += pp->rules[r].where == OFL_WHERE_SW;
			s->none += pp->rules[r].where == OFL_WHERE_NONE;
		}
	}
}

void
ofl_plan_summary(const struct ofl_plan *plan, unsigned int *hw,
		 unsigned int *partial, unsigned int *sw, unsigned int *entries)
{
	struct ofl_summary s;

	ofl_plan_summary_ex(plan, &s);
	*hw = s.hw;
	*partial = s.partial;
	*sw = s.sw + s.none;
	*entries = s.entries;
}

int
ofl_plan_summary_str(const struct ofl_plan *plan, char *buf, size_t len)
{
	struct ofl_summary s;

	ofl_plan_summary_ex(plan, &s);
	if (s.none == 0)
		return snprintf(buf, len,
				"%u rule(s) in hardware, %u partial, %u in software; %u hardware rule(s)",
				s.hw, s.partial, s.sw, s.entries);
	return snprintf(buf, len,
			"%u rule(s) in hardware, %u partial, %u in software; %u hardware rule(s); %u rule(s) need no hardware rule (never match where hardware decides, or no effect)",
			s.hw, s.partial, s.sw, s.entries, s.none);
}
