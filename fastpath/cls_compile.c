/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cls_compile.c - base chains into programs (cls_int.h), programs onto
 * ports.
 *
 * A rule becomes one entry whose boxes are those of its leading matches
 * (the items before its first statement: a statement runs whether or not a
 * later match holds, so only the leading matches say whether the rule is
 * reached at all), ANDed with the boxes of the jump rules it is inlined
 * under. Then, by verdict:
 *   accept, drop          the entry's action
 *   none, continue        goto the next position
 *   return                the enclosing return action: at the base chain
 *                         the policy, in a jumped-to chain the position
 *                         after its block, in a gone-to chain whatever the
 *                         chain that went there returns to
 *   jump C, goto C        the entry's action is "goto the next position",
 *                         where C's rules follow, inlined under the entry's
 *                         boxes; a goto block ends with a SYNTH entry
 *                         (same boxes) that does the return action
 *   vmap                  one entry per element (its boxes ANDed with the
 *                         element's), each with the element's verdict as
 *                         above, when the rule has no statement and the key
 *                         is encodable; else one VMAP entry that looks the
 *                         key up at run time (accept/drop/continue/return
 *                         elements only)
 * A rule cls does not run (a statement other than counter, limit, quota,
 * named counter/limit/quota) becomes a HANDOFF entry at the base chain; in a
 * jumped-to chain it fails the block, and the base-chain rule that jumped
 * there becomes the HANDOFF entry.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cpuflags.h>
#include <rte_vect.h>

#include "fastpath/cls_int.h"

#define CC_FAILED	1	/* the block cannot be compiled: hand over */

#define CLS_DEF_MAX_SET_BOXES	(1u << 18)
#define CLS_DEF_MAX_ACL_RULES	(1u << 20)

struct cls_mem {
	struct cls_mem *next;
	max_align_t data[];
};

void *
cls_zalloc(struct cls *c, size_t n, size_t size)
{
	struct cls_mem *m;

	if (size != 0 && n > (SIZE_MAX - sizeof(*m)) / size)
		return NULL;
	m = calloc(1, sizeof(*m) + (n * size != 0 ? n * size : 1));
	if (m == NULL)
		return NULL;
	m->next = c->mem;
	c->mem = m;
	return m->data;
}

static int __rte_format_printf(3, 4)
cls_err(const struct cls_opts *o, int err, const char *fmt, ...)
{
	va_list ap;

	if (o != NULL && o->err != NULL && o->err_len > 0) {
		va_start(ap, fmt);
		vsnprintf(o->err, o->err_len, fmt, ap);
		va_end(ap);
	}
	return err;
}

/* ---- entries and labels ------------------------------------------------------- */

static uint32_t
cc_label(struct cc *c)
{
	uint32_t n = c->cap_labels ? c->cap_labels : 256;

	if (c->n_labels >= c->cap_labels) {
		uint32_t *p;

		while (n <= c->n_labels)
			n *= 2;
		p = realloc(c->labels, n * sizeof(*p));
		if (p == NULL) {
			c->err = -ENOMEM;
			return 0;
		}
		c->labels = p;
		c->cap_labels = n;
	}
	c->labels[c->n_labels] = CLS_NO_LABEL;
	return c->n_labels++;
}

static void
cc_label_here(struct cc *c, uint32_t l)
{
	if (c->err == 0)
		c->labels[l] = c->n_ents;
}

/* A new entry (index), or UINT32_MAX on allocation failure. */
static uint32_t
cc_add(struct cc *c, uint8_t kind, const struct fp_chain *ch, uint32_t ri,
       struct cc_dnf d)
{
	struct cc_ent *x;

	if (c->err)
		return UINT32_MAX;
	if (c->n_ents >= c->cap_ents) {
		uint32_t n = c->cap_ents ? c->cap_ents * 2 : 256;
		struct cc_ent *p = realloc(c->ents, n * sizeof(*p));

		if (p == NULL) {
			c->err = -ENOMEM;
			return UINT32_MAX;
		}
		c->ents = p;
		c->cap_ents = n;
	}
	x = &c->ents[c->n_ents];
	memset(x, 0, sizeof(*x));
	x->e.kind = kind;
	x->e.chain = ch;
	x->e.rule_idx = ri;
	x->e.fr = ri < ch->ir->nrules ? &ch->rules[ri] : NULL;
	x->e.chain_ir = ch->ir;
	x->e.fail = CLS_NO_LABEL;
	x->e.elem_next = CLS_NO_LABEL;
	x->e.act.kind = CLS_ACT_GOTO;
	x->e.act.target = CLS_NO_LABEL;
	x->dnf = d;
	c->acl_rules += d.n;
	return c->n_ents++;
}

/* Drop the entries from n0 on (a block or vmap that did not compile). */
static void
cc_truncate(struct cc *c, uint32_t n0, uint64_t rules0)
{
	for (uint32_t i = n0; i < c->n_ents; i++) {
		free(c->ents[i].vm_act);
		c->ents[i].vm_act = NULL;
	}
	if (n0 < c->n_ents)
		c->n_ents = n0;
	c->acl_rules = rules0;
}

static inline struct cls_act
cc_goto(uint32_t label)
{
	return (struct cls_act){ .kind = CLS_ACT_GOTO, .target = label };
}

/* ---- rules ----------------------------------------------------------------------- */

static bool
cc_stmt_runs(const struct ir_stmt *st)
{
	switch (st->kind) {
	case IR_STMT_COUNTER:
	case IR_STMT_LIMIT:
	case IR_STMT_QUOTA:
	case IR_STMT_OBJREF:
		return true;
	default:
		return false;
	}
}

static bool
cc_dnf_is_true(const struct cc *c, struct cc_dnf d)
{
	return d.n == 1 && c->boxes[d.off].n == 0;
}

/* a x b, sharing a side that is "everything". */
static int
cc_and2(struct cc *c, struct cc_dnf a, struct cc_dnf b, struct cc_dnf *out)
{
	if (cc_dnf_is_true(c, a)) {
		*out = b;
		return 0;
	}
	if (cc_dnf_is_true(c, b)) {
		*out = a;
		return 0;
	}
	return cc_and(c, a, b, out);
}

struct cc_prefix {
	struct cc_dnf p;	/* boxes of the leading matches */
	uint16_t n;		/* leading matches */
	uint64_t inexact;	/* bit i: leading match i checked at run time */
	bool check_all;
};

/*
 * The leading matches of r, ANDed. Too many boxes: the largest unions are
 * widened to "everything" (checked at run time) until the product fits.
 * p.n == 0: the rule is never reached.
 */
static int
cc_prefix(struct cc *c, const struct ir_rule *r, uint64_t budget,
	  struct cc_prefix *out)
{
	uint32_t b0 = c->n_boxes, a0 = c->n_atoms;
	struct cc_dnf *d = NULL, acc;
	bool *ex = NULL;
	uint16_t n = 0;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	while (n < r->nitems && r->items[n].kind == IR_ITEM_MATCH)
		n++;
	out->n = n;
	if (n > 0) {
		d = calloc(n, sizeof(*d));
		ex = calloc(n, sizeof(*ex));
		if (d == NULL || ex == NULL) {
			rc = -ENOMEM;
			goto out;
		}
	}
	for (uint16_t i = 0; i < n; i++) {
		rc = cc_match(c, &r->items[i].match, &d[i], &ex[i]);
		if (rc)
			goto out;
		if (d[i].n == 0) {
			/* never holds: the rule is never reached */
			c->n_boxes = b0;
			c->n_atoms = a0;
			out->p.off = b0;
			out->p.n = 0;
			goto out;
		}
	}
	for (;;) {
		uint64_t size = 1;
		uint16_t big = 0;

		for (uint16_t i = 0; i < n; i++) {
			size *= d[i].n;
			if (size > budget)
				size = budget + 1;
			if (d[i].n > d[big].n)
				big = i;
		}
		if (size <= budget || n == 0 || d[big].n <= 1)
			break;
		/* widen the largest union */
		rc = cc_true(c, &d[big]);
		if (rc)
			goto out;
		ex[big] = false;
	}
	rc = cc_true(c, &acc);
	for (uint16_t i = 0; i < n && rc == 0; i++) {
		struct cc_dnf t;

		if (!ex[i]) {
			if (i < 64)
				out->inexact |= 1ull << i;
			else
				out->check_all = true;
		}
		if (cc_dnf_is_true(c, d[i]))
			continue;
		rc = cc_and2(c, acc, d[i], &t);
		acc = t;
		if (acc.n == 0)
			break;
	}
	if (rc)
		goto out;
	for (uint16_t i = 64; i < n; i++)
		out->check_all = true;	/* not tracked: checked */
	if (acc.n == 0) {
		c->n_boxes = b0;
		c->n_atoms = a0;
		out->p.off = b0;
		out->p.n = 0;
		goto out;
	}
	out->p = cc_keep(c, b0, a0, acc);
out:
	free(d);
	free(ex);
	return rc;
}

static int cc_chain(struct cc *c, const struct fp_chain *ch,
		    const struct cc_dnf *path, unsigned int depth,
		    struct cls_act ret);

static const struct fp_chain *
cc_target(const struct cc *c, const struct fp_chain *ch,
	  const struct ir_chain *target)
{
	const struct fp_table *t = &c->rs->tables[ch->table_idx];

	return &t->chains[target - t->ir->chains];
}

/* The entry x gets the rule's leading-match facts. */
static void
cc_ent_prefix(struct cc *c, uint32_t x, const struct cc_prefix *pf)
{
	if (x == UINT32_MAX)
		return;
	c->ents[x].n_prefix = pf->n;
	c->ents[x].inexact = pf->inexact;
	c->ents[x].check_all = pf->check_all;
}

/*
 * Entry x (already added) becomes "goto the block", and the chain tgt
 * follows, inlined under boxes d. Returning from a jumped-to chain goes to
 * l_after (the position after the block); a goto block returns where the
 * enclosing chain does (`ret`) and ends with a SYNTH entry doing that; a
 * vmap element's jump block (synth) ends with one going to l_after, since
 * the next element's entries follow it. Returns 0, CC_FAILED or -errno; on
 * failure nothing after x remains.
 */
static int
cc_block(struct cc *c, uint32_t x, const struct fp_chain *ch, uint32_t ri,
	 struct cc_dnf d, const struct fp_chain *tgt, bool is_goto,
	 struct cls_act ret, uint32_t l_after, bool synth, unsigned int depth)
{
	uint32_t l_start = cc_label(c);
	uint64_t rules0 = c->acl_rules;
	uint32_t n0 = c->n_ents;
	int rc;

	if (c->err)
		return c->err;
	c->ents[x].e.act = cc_goto(l_start);
	cc_label_here(c, l_start);
	rc = cc_chain(c, tgt, &d, depth + 1, is_goto ? ret : cc_goto(l_after));
	if (rc == 0 && (is_goto || synth)) {
		uint32_t y = cc_add(c, CLS_E_SYNTH, ch, ri, d);

		if (y != UINT32_MAX)
			c->ents[y].e.act = is_goto ? ret : cc_goto(l_after);
	}
	if (rc == 0)
		rc = c->err;
	if (rc)
		cc_truncate(c, n0, rules0);
	return rc;
}

/* Hand the packet over at this rule (base chain only). */
static int
cc_handoff(struct cc *c, const struct fp_chain *ch, uint32_t ri,
	   struct cc_dnf p, unsigned int depth)
{
	if (depth > 0)
		return CC_FAILED;
	if (cc_add(c, CLS_E_HANDOFF, ch, ri, p) == UINT32_MAX)
		return c->err;
	return 0;
}

static bool
cc_vmap_runtime_ok(const struct ir_set *s)
{
	for (uint32_t i = 0; i < s->nelems; i++)
		switch (s->elems[i].verdict.kind) {
		case IR_VERDICT_ACCEPT:
		case IR_VERDICT_DROP:
		case IR_VERDICT_CONTINUE:
		case IR_VERDICT_NONE:
		case IR_VERDICT_RETURN:
			break;
		default:
			return false;
		}
	return true;
}

/* One entry per element of the rule's verdict map (see file). */
static int
cc_vmap_expand(struct cc *c, const struct fp_chain *ch, uint32_t ri,
	       const struct cc_prefix *pf, struct cc_dnf e,
	       const struct cc_dnf *el, struct cls_act ret, unsigned int depth)
{
	const struct ir_rule *r = ch->rules[ri].ir;
	const struct ir_set *s = r->verdict.vmap.set;
	uint32_t l_after = cc_label(c);
	uint32_t prev = UINT32_MAX;

	for (uint32_t i = 0; i < s->nelems && c->err == 0; i++) {
		const struct ir_verdict_val *v = &s->elems[i].verdict;
		struct cc_dnf d;
		uint32_t x;
		int rc;

		if (el[i].n == 0)
			continue;
		rc = cc_and2(c, e, el[i], &d);
		if (rc)
			return rc;
		if (d.n == 0)
			continue;
		if (prev != UINT32_MAX) {
			uint32_t l = cc_label(c);

			cc_label_here(c, l);
			c->ents[prev].e.elem_next = l;
		}
		x = cc_add(c, CLS_E_RULE, ch, ri, d);
		if (x == UINT32_MAX)
			return c->err;
		cc_ent_prefix(c, x, pf);
		c->ents[x].e.fail = l_after;
		c->ents[x].e.vm_elem = i;
		c->ents[x].e.vm_lookup = &r->verdict.vmap;
		prev = x;
		switch (v->kind) {
		case IR_VERDICT_ACCEPT:
			c->ents[x].e.act.kind = CLS_ACT_ACCEPT;
			break;
		case IR_VERDICT_DROP:
			c->ents[x].e.act.kind = CLS_ACT_DROP;
			break;
		case IR_VERDICT_RETURN:
			c->ents[x].e.act = ret;
			break;
		case IR_VERDICT_JUMP:
		case IR_VERDICT_GOTO:
			if (v->target == NULL)
				return CC_FAILED;
			rc = cc_block(c, x, ch, ri, d, cc_target(c, ch, v->target),
				      v->kind == IR_VERDICT_GOTO, ret, l_after,
				      true, depth);
			if (rc)
				return rc;
			break;
		default:	/* continue */
			c->ents[x].e.act = cc_goto(l_after);
			break;
		}
	}
	if (prev != UINT32_MAX)
		c->ents[prev].e.elem_next = l_after;
	cc_label_here(c, l_after);
	return c->err;
}

/* The entries of rule ri of chain ch. 0, CC_FAILED or -errno. */
static int
cc_rule(struct cc *c, const struct fp_chain *ch, uint32_t ri,
	const struct cc_dnf *path, unsigned int depth, struct cls_act ret)
{
	const struct ir_rule *r = ch->rules[ri].ir;
	const struct ir_verdict_val *v = &r->verdict.v;
	uint32_t path_n = path != NULL ? path->n : 1;
	uint64_t room = c->max_acl_rules > c->acl_rules ?
			c->max_acl_rules - c->acl_rules : 0;
	uint32_t n0 = c->n_ents, l_next, x;
	uint64_t rules0 = c->acl_rules;
	bool simple = true;
	struct cc_prefix pf;
	struct cc_dnf e;
	int rc;

	for (uint32_t i = 0; i < r->nitems; i++)
		if (r->items[i].kind == IR_ITEM_STMT &&
		    !cc_stmt_runs(&r->items[i].stmt))
			simple = false;
	rc = cc_prefix(c, r, RTE_MIN((uint64_t)c->max_set_boxes,
				     RTE_MAX(room / path_n, 1ull)), &pf);
	if (rc)
		return rc;
	if (pf.p.n == 0)
		return 0;	/* never reached: no entry */
	if (!simple)
		return cc_handoff(c, ch, ri, pf.p, depth);
	if ((uint64_t)path_n * pf.p.n > room && pf.p.n > 1) {
		/* over the ACL budget: everything, checked at run time */
		rc = cc_true(c, &pf.p);
		if (rc)
			return rc;
		pf.check_all = true;
	}
	if (path != NULL && (uint64_t)path_n > room && depth > 0)
		return CC_FAILED;
	e = pf.p;
	if (path != NULL) {
		rc = cc_and2(c, *path, pf.p, &e);
		if (rc)
			return rc;
		if (e.n == 0)
			return 0;
	}

	if (v->kind == IR_VERDICT_VMAP) {
		const struct ir_set *s = r->verdict.vmap.set;

		if (s == NULL)
			return cc_handoff(c, ch, ri, pf.p, depth);
		if (pf.n == r->nitems && s->nelems > 0) {
			struct cc_dnf *el = calloc(s->nelems, sizeof(*el));
			uint64_t total = 0;

			if (el == NULL)
				return -ENOMEM;
			rc = cc_lookup_elems(c, &r->verdict.vmap, el);
			if (rc == 1) {
				for (uint32_t i = 0; i < s->nelems; i++)
					total += cc_and_size(e, el[i]);
				rc = 0;
				if (total <= room) {
					rc = cc_vmap_expand(c, ch, ri, &pf, e, el,
							    ret, depth);
					if (rc == 0)
						rc = c->err;
					if (rc == 0) {
						free(el);
						return 0;
					}
					cc_truncate(c, n0, rules0);
				}
			}
			free(el);
			if (rc < 0)
				return rc;
		}
		if (!cc_vmap_runtime_ok(s))
			return cc_handoff(c, ch, ri, pf.p, depth);
		/* looked up at run time */
		l_next = cc_label(c);
		x = cc_add(c, CLS_E_VMAP, ch, ri, e);
		if (x == UINT32_MAX)
			return c->err;
		cc_ent_prefix(c, x, &pf);
		c->ents[x].e.fail = l_next;
		c->ents[x].e.vm_lookup = &r->verdict.vmap;
		c->ents[x].vm_act = calloc(RTE_MAX(s->nelems, 1u),
					   sizeof(struct cls_act));
		if (c->ents[x].vm_act == NULL)
			return -ENOMEM;
		for (uint32_t i = 0; i < s->nelems; i++) {
			struct cls_act *a = &c->ents[x].vm_act[i];

			switch (s->elems[i].verdict.kind) {
			case IR_VERDICT_ACCEPT:
				a->kind = CLS_ACT_ACCEPT;
				break;
			case IR_VERDICT_DROP:
				a->kind = CLS_ACT_DROP;
				break;
			case IR_VERDICT_RETURN:
				*a = ret;
				break;
			default:
				*a = cc_goto(l_next);
				break;
			}
		}
		cc_label_here(c, l_next);
		return c->err;
	}

	l_next = cc_label(c);
	x = cc_add(c, CLS_E_RULE, ch, ri, e);
	if (x == UINT32_MAX)
		return c->err;
	cc_ent_prefix(c, x, &pf);
	c->ents[x].e.fail = l_next;
	switch (v->kind) {
	case IR_VERDICT_ACCEPT:
		c->ents[x].e.act.kind = CLS_ACT_ACCEPT;
		break;
	case IR_VERDICT_DROP:
		c->ents[x].e.act.kind = CLS_ACT_DROP;
		break;
	case IR_VERDICT_RETURN:
		c->ents[x].e.act = ret;
		break;
	case IR_VERDICT_JUMP:
	case IR_VERDICT_GOTO:
		if (v->target == NULL) {
			rc = CC_FAILED;
		} else {
			rc = cc_block(c, x, ch, ri, e, cc_target(c, ch, v->target),
				      v->kind == IR_VERDICT_GOTO, ret, l_next,
				      false, depth);
		}
		if (rc) {
			cc_truncate(c, n0, rules0);
			if (rc == CC_FAILED)
				return cc_handoff(c, ch, ri, pf.p, depth);
			return rc;
		}
		break;
	case IR_VERDICT_NONE:
	case IR_VERDICT_CONTINUE:
		c->ents[x].e.act = cc_goto(l_next);
		break;
	default:
		cc_truncate(c, n0, rules0);
		return cc_handoff(c, ch, ri, pf.p, depth);
	}
	cc_label_here(c, l_next);
	return c->err;
}

static int
cc_chain(struct cc *c, const struct fp_chain *ch, const struct cc_dnf *path,
	 unsigned int depth, struct cls_act ret)
{
	if (depth > FP_JUMP_STACK_SIZE)
		return CC_FAILED;
	for (uint32_t ri = 0; ri < ch->ir->nrules; ri++) {
		int rc = cc_rule(c, ch, ri, path, depth, ret);

		if (rc)
			return rc;
	}
	return c->err;
}

/* ---- programs -------------------------------------------------------------------- */

static uint32_t
cc_resolve(const struct cc *c, uint32_t label)
{
	if (label == CLS_NO_LABEL || label >= c->n_labels)
		return c->n_ents;	/* unused */
	return c->labels[label] == CLS_NO_LABEL ? c->n_ents : c->labels[label];
}

static void
cc_resolve_act(const struct cc *c, struct cls_act *a)
{
	if (a->kind == CLS_ACT_GOTO)
		a->target = cc_resolve(c, a->target);
}

/*
 * The resume table of a finished program: for base rule r, the position
 * the walk is at when base rules 0..r-1 have all fallen through with an
 * empty call stack. Base rules are compiled in order (cc_chain at depth
 * 0), and the first entry cc_rule() adds for a rule is always the base
 * rule's own (RULE, VMAP, a vmap element, HANDOFF); the entries a rule
 * adds after it (inlined blocks, SYNTH ends, other elements) come before
 * the next base rule's. So that position (the label l_next of rule r-1)
 * is the first entry that belongs to the base chain with a rule index of
 * at least r, or the end (the policy) when there is none: a rule with no
 * entry (its matches never hold) runs nothing in interp either.
 */
static int
cls_resume_build(struct cls *cls, struct cls_prog *p)
{
	const struct ir_chain *b = p->base->ir;
	uint32_t *pos = cls_zalloc(cls, (size_t)b->nrules + 1, sizeof(*pos));
	uint32_t r = 0;

	if (pos == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < p->n_entries && r <= b->nrules; i++) {
		const struct cls_entry *e = &p->entries[i];

		if (e->chain_ir != b)
			continue;
		while (r <= e->rule_idx && r <= b->nrules)
			pos[r++] = i;
	}
	while (r <= b->nrules)
		pos[r++] = p->n_entries;
	p->resume_pos = pos;
	return 0;
}

/* Compile base chain ch for port; *out (allocated in cls). */
static int
cls_prog_build(struct cls *cls, const struct cls_opts *o, uint16_t port,
	       const struct fp_chain *ch, struct cls_prog **out)
{
	struct cls_prog *p = cls_zalloc(cls, 1, sizeof(*p));
	struct cc *c;
	int rc;

	if (p == NULL)
		return -ENOMEM;
	p->base = ch;
	*out = p;
	if (o->interp_only) {
		p->interp_only = true;
		return 0;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	cc_init(c);
	c->cls = cls;
	c->rs = cls->rs;
	c->opts = o;
	c->port = port;
	c->kpkt.port = &cls->rs->ports[port];
	c->kpkt.mark = 0;
	c->max_set_boxes = o->max_set_boxes ? o->max_set_boxes :
			   CLS_DEF_MAX_SET_BOXES;
	c->max_acl_rules = o->max_acl_rules ? o->max_acl_rules :
			   CLS_DEF_MAX_ACL_RULES;
	rc = cc_chain(c, ch, NULL, 0, (struct cls_act){ .kind = CLS_ACT_POLICY });
	if (rc == CC_FAILED)
		rc = -EINVAL;	/* cannot happen at depth 0 */
	if (rc == 0) {
		for (uint32_t i = 0; i < c->n_ents; i++) {
			struct cls_entry *e = &c->ents[i].e;

			cc_resolve_act(c, &e->act);
			e->fail = cc_resolve(c, e->fail);
			e->elem_next = cc_resolve(c, e->elem_next);
			if (c->ents[i].vm_act != NULL)
				for (uint32_t k = 0; k < e->vm_lookup->set->nelems; k++)
					cc_resolve_act(c, &c->ents[i].vm_act[k]);
		}
		rc = cc_acl_build(c, p);
		if (rc == -ENOMEM || rc == -ENOSPC || rc == -E2BIG) {
			/* still correct: this chain runs in the interpreter */
			p->interp_only = true;
			rc = 0;
		}
		if (rc == 0 && !p->interp_only)
			rc = cls_resume_build(cls, p);
	}
	for (uint32_t i = 0; i < c->n_ents; i++)
		free(c->ents[i].vm_act);
	cc_fini(c);
	free(c);
	return rc;
}

/* ---- ports ------------------------------------------------------------------------ */

/* Whether ch (or a chain it reaches) reads iif or iifname. */
static bool
cls_op_port_dep(const struct ir_operand *op)
{
	return op->field.kind == IR_FIELD_META &&
	       (op->field.meta == IR_META_IIF || op->field.meta == IR_META_IIFNAME);
}

static bool
cls_lookup_port_dep(const struct ir_lookup *l)
{
	for (unsigned int i = 0; i < l->nfields; i++)
		if (cls_op_port_dep(&l->fields[i]))
			return true;
	return false;
}

static bool
cls_chain_port_dep(const struct fp_ruleset *rs, const struct fp_chain *ch,
		   unsigned int depth)
{
	const struct fp_table *t = &rs->tables[ch->table_idx];

	if (depth > FP_JUMP_STACK_SIZE)
		return true;
	for (uint32_t ri = 0; ri < ch->ir->nrules; ri++) {
		const struct ir_rule *r = &ch->ir->rules[ri];
		const struct ir_verdict_val *v = &r->verdict.v;

		for (uint32_t i = 0; i < r->nitems; i++) {
			const struct ir_match *m = &r->items[i].match;

			if (r->items[i].kind != IR_ITEM_MATCH)
				continue;
			if (m->kind == IR_MATCH_LOOKUP ? cls_lookup_port_dep(&m->lookup) :
			    cls_op_port_dep(&m->arg))
				return true;
		}
		if (v->kind == IR_VERDICT_JUMP || v->kind == IR_VERDICT_GOTO) {
			if (v->target != NULL &&
			    cls_chain_port_dep(rs, &t->chains[v->target - t->ir->chains],
					       depth + 1))
				return true;
		}
		if (v->kind == IR_VERDICT_VMAP && r->verdict.vmap.set != NULL) {
			const struct ir_set *s = r->verdict.vmap.set;

			if (cls_lookup_port_dep(&r->verdict.vmap))
				return true;
			for (uint32_t i = 0; i < s->nelems; i++) {
				const struct ir_verdict_val *ev = &s->elems[i].verdict;

				if ((ev->kind == IR_VERDICT_JUMP ||
				     ev->kind == IR_VERDICT_GOTO) && ev->target &&
				    cls_chain_port_dep(rs,
					&t->chains[ev->target - t->ir->chains],
					depth + 1))
					return true;
			}
		}
	}
	return false;
}

/* ---- SIMD --------------------------------------------------------------------------- */

static bool
cls_cpu_avx512(void)
{
#ifdef RTE_ARCH_X86
	return rte_cpu_get_flag_enabled(RTE_CPUFLAG_AVX512F) > 0 &&
	       rte_cpu_get_flag_enabled(RTE_CPUFLAG_AVX512VL) > 0 &&
	       rte_cpu_get_flag_enabled(RTE_CPUFLAG_AVX512CD) > 0 &&
	       rte_cpu_get_flag_enabled(RTE_CPUFLAG_AVX512BW) > 0;
#else
	return false;
#endif
}

const char *
cls_alg_name(int alg)
{
	switch (alg) {
	case RTE_ACL_CLASSIFY_SCALAR: return "scalar";
	case RTE_ACL_CLASSIFY_SSE: return "sse";
	case RTE_ACL_CLASSIFY_AVX2: return "avx2";
	case RTE_ACL_CLASSIFY_NEON: return "neon";
	case RTE_ACL_CLASSIFY_ALTIVEC: return "altivec";
	case RTE_ACL_CLASSIFY_AVX512X16: return "avx512x16";
	case RTE_ACL_CLASSIFY_AVX512X32: return "avx512x32";
	default: return "default";
	}
}

/* ---- build -------------------------------------------------------------------------- */

/* The result cache (cls_int.h): ids per program, one table per lcore. */
static int
cls_cache_init(struct cls *c, const struct cls_opts *o)
{
	size_t bytes;
	void *mem;

	for (uint32_t k = 0; k < c->n_progs; k++) {
		struct cls_prog *p = c->progs[k];

		p->cache_id = k * CLS_MAX_SEGS + 1;
		if (p->interp_only || p->n_segs == 0)
			p->cached = false;
		c->stats.n_cached_progs += p->cached;
	}
	if (o->no_cache || c->stats.n_cached_progs == 0 || c->rs->n_lcores == 0) {
		for (uint32_t k = 0; k < c->n_progs; k++)
			c->progs[k]->cached = false;
		c->stats.n_cached_progs = 0;
		return 0;
	}
	bytes = (size_t)c->rs->n_lcores * CLS_CACHE_BUCKETS *
		sizeof(struct cls_cache_bkt);
	if (posix_memalign(&mem, alignof(struct cls_cache_bkt), bytes) != 0)
		return -ENOMEM;
	memset(mem, 0, bytes);
	c->cache = mem;
	c->n_cache_lcores = c->rs->n_lcores;
	c->stats.cache_bytes = bytes;
	return 0;
}

int
cls_build(const struct fp_ruleset *rs, const struct cls_opts *opts,
	  struct cls **out)
{
	static const struct cls_opts defaults;
	const struct cls_opts *o = opts != NULL ? opts : &defaults;
	struct timespec t0, t1;
	struct cls *c;
	int rc = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	*out = NULL;
	if (rs == NULL)
		return cls_err(o, -EINVAL, "no ruleset");
	if (o->simd_512 && cls_cpu_avx512() &&
	    rte_vect_get_max_simd_bitwidth() < RTE_VECT_SIMD_512)
		(void)rte_vect_set_max_simd_bitwidth(RTE_VECT_SIMD_512);
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return cls_err(o, -ENOMEM, "out of memory");
	c->rs = rs;
	c->n_ports = rs->n_ports;
	c->stats.alg = cls_acl_alg(o);
	c->ports = cls_zalloc(c, RTE_MAX(rs->n_ports, 1u), sizeof(*c->ports));
	c->progs = cls_zalloc(c, 1, sizeof(*c->progs));
	if (c->ports == NULL)
		goto nomem;
	for (uint32_t p = 0; p < rs->n_ports; p++) {
		const struct fp_port *fp = &rs->ports[p];
		struct cls_prog **hooks;

		hooks = cls_zalloc(c, RTE_MAX(fp->n_hooks, 1u), sizeof(*hooks));
		if (hooks == NULL)
			goto nomem;
		c->ports[p].n_hooks = fp->n_hooks;
		c->ports[p].hook = hooks;
		for (uint32_t h = 0; h < fp->n_hooks; h++) {
			const struct fp_chain *ch = fp->hooks[h];
			bool dep = cls_chain_port_dep(rs, ch, 0);
			struct cls_prog *prog = NULL;

			/* share one program between ports when no rule reads
			 * the input port */
			for (uint32_t k = 0; k < c->n_progs && !dep; k++)
				if (c->progs[k]->base == ch &&
				    !cls_chain_port_dep(rs, ch, 0))
					prog = c->progs[k];
			if (prog == NULL) {
				struct cls_prog **np;

				rc = cls_prog_build(c, o, (uint16_t)p, ch, &prog);
				if (rc)
					goto fail;
				np = cls_zalloc(c, c->n_progs + 1, sizeof(*np));
				if (np == NULL)
					goto nomem;
				memcpy(np, c->progs, c->n_progs * sizeof(*np));
				np[c->n_progs++] = prog;
				c->progs = np;
			}
			hooks[h] = prog;
		}
	}
	for (uint32_t k = 0; k < c->n_progs; k++) {
		const struct cls_prog *p = c->progs[k];

		c->stats.n_progs++;
		if (p->interp_only) {
			c->stats.n_interp_progs++;
			continue;
		}
		c->stats.n_entries += p->n_entries;
		c->stats.n_acl_rules += p->n_acl_rules;
		for (uint32_t g = 0; g < p->n_segs; g++)
			c->stats.n_contexts += p->segs[g].n_ctx;
		for (uint32_t i = 0; i < p->n_entries; i++) {
			const struct cls_entry *e = &p->entries[i];
			bool checked = e->vm_check || e->kind == CLS_E_VMAP;

			for (uint16_t k = 0; k < e->n_run && !checked; k++)
				checked = e->fr->ir->items[e->run[k]].kind ==
					  IR_ITEM_MATCH;
			c->stats.n_handoff += e->kind == CLS_E_HANDOFF;
			c->stats.n_checked += checked;
		}
		c->stats.max_fields = RTE_MAX(c->stats.max_fields, p->n_fields);
		c->stats.max_segments = RTE_MAX(c->stats.max_segments, p->n_segs);
	}
	rc = cls_cache_init(c, o);
	if (rc)
		goto fail;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	c->stats.build_ns = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000000ull +
			    (uint64_t)(t1.tv_nsec - t0.tv_nsec);
	*out = c;
	return 0;
nomem:
	rc = -ENOMEM;
fail:
	cls_free(c);
	return cls_err(o, rc, "classifier: %s", strerror(-rc));
}

void
cls_free(struct cls *c)
{
	struct cls_mem *m, *next;

	if (c == NULL)
		return;
	for (uint32_t k = 0; k < c->n_progs; k++)
		for (uint32_t g = 0; g < c->progs[k]->n_segs; g++)
			for (uint32_t q = 0; q < c->progs[k]->segs[g].n_ctx; q++)
				rte_acl_free(c->progs[k]->segs[g].ctx[q]);
	free(c->cache);
	for (m = c->mem; m != NULL; m = next) {
		next = m->next;
		free(m);
	}
	free(c);
}

void
cls_free_opaque(void *c)
{
	cls_free(c);
}

void
cls_get_stats(const struct cls *c, struct cls_stats *st)
{
	*st = c->stats;
}
