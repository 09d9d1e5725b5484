/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cls_dump.c - the compiled programs as text, for debugging and tests.
 */
#include <inttypes.h>
#include <stdio.h>

#include "fastpath/cls_int.h"

static const char *
cls_act_str(const struct cls_act *a, char *buf, size_t n)
{
	switch (a->kind) {
	case CLS_ACT_ACCEPT: return "accept";
	case CLS_ACT_DROP: return "drop";
	case CLS_ACT_POLICY: return "policy";
	default:
		snprintf(buf, n, "goto %u", a->target);
		return buf;
	}
}

static const char *const cls_kind_names[] = {
	[CLS_E_RULE] = "rule", [CLS_E_VMAP] = "vmap",
	[CLS_E_SYNTH] = "synth", [CLS_E_HANDOFF] = "handoff",
};

static void
cls_dump_prog(FILE *f, const struct cls_prog *p)
{
	fprintf(f, "  program for %s: %s%u entries, %u segments, %u fields, key %u "
		"bytes, %u sources, %u ACL rules\n", p->base->ir->name,
		p->interp_only ? "INTERPRETER ONLY, " : "", p->n_entries,
		p->n_segs, p->n_fields, p->key_size, p->n_src, p->n_acl_rules);
	for (uint32_t g = 0; g < p->n_segs; g++)
		fprintf(f, "    segment %u: [%u, %u) %s, %u context(s)\n", g,
			p->segs[g].start, p->segs[g].end,
			p->segs[g].linear ? "checked in turn" : "rte_acl",
			p->segs[g].n_ctx);
	for (uint16_t s = 0; s < p->n_src; s++) {
		const struct cls_src *x = &p->src[s];

		fprintf(f, "    src %u: kind %u base %u off %u len %u swap %u copies",
			s, x->kind, x->base, x->offset, x->len, x->swap);
		for (unsigned int k = 0; k < x->n_copy; k++)
			fprintf(f, " [%u->%u:%u]", x->copy[k].from, x->copy[k].to,
				x->copy[k].size);
		fputc('\n', f);
	}
	for (uint8_t k = 0; k < p->n_vcls; k++)
		fprintf(f, "    valid %u/%#x: base %u end %u%s\n", p->vcls[k].vidx,
			p->vcls[k].vbit, p->vcls[k].base, p->vcls[k].end,
			p->vcls[k].fast ? " (fast)" : "");
	for (uint32_t i = 0; i < p->n_entries; i++) {
		const struct cls_entry *e = &p->entries[i];
		char b[32];

		fprintf(f, "    %4u %-7s %s#%u", i, cls_kind_names[e->kind],
			e->chain->ir->name, e->rule_idx);
		if (e->kind == CLS_E_RULE || e->kind == CLS_E_SYNTH)
			fprintf(f, " act %s", cls_act_str(&e->act, b, sizeof(b)));
		if (e->kind == CLS_E_VMAP)
			fprintf(f, " vmap(%u elems)", e->vm_lookup->set->nelems);
		if (e->kind != CLS_E_HANDOFF && e->kind != CLS_E_SYNTH)
			fprintf(f, " fail %u", e->fail);
		if (e->vm_lookup != NULL && e->kind == CLS_E_RULE)
			fprintf(f, " elem %u%s next %u", e->vm_elem,
				e->vm_check ? " checked" : "", e->elem_next);
		if (e->n_run) {
			fprintf(f, " run");
			for (unsigned int k = 0; k < e->n_run; k++)
				fprintf(f, " %u", e->run[k]);
		}
		fputc('\n', f);
	}
}

void
cls_dump(FILE *f, const struct cls *c)
{
	fprintf(f, "cls: %u programs, alg %s\n", c->n_progs,
		cls_alg_name(c->stats.alg));
	for (uint32_t k = 0; k < c->n_progs; k++)
		cls_dump_prog(f, c->progs[k]);
	for (uint32_t p = 0; p < c->n_ports; p++) {
		fprintf(f, "  port %u:", p);
		for (uint32_t h = 0; h < c->ports[p].n_hooks; h++)
			fprintf(f, " %s", c->ports[p].hook[h]->base->ir->name);
		fputc('\n', f);
	}
}
