/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <stdlib.h>

#include "control/ir/ir_build.h"
#include "irb.h"

const struct irb_caps irb_default_caps = {
	.tables = 4, .chains = 24, .sets = 64, .objects = 8,
	.rules = 16, .items = 12, .elems = 64,
};

static struct ir_ruleset *irb_rs;
static struct irb_caps irb_cap;
static uint64_t irb_next_handle;

/* Tests size their arrays up front; running past them is a test bug. */
static void
irb_room(unsigned int used, unsigned int cap, const char *what)
{
	if (used >= cap) {
		fprintf(stderr, "irb: more %s than the %u the test sized for\n",
			what, cap);
		abort();
	}
}

struct ir_ruleset *
irb_new(const char *const *devs, unsigned int ndevs,
	const struct irb_caps *caps)
{
	const char **d;

	irb_rs = ir_ruleset_new();
	if (irb_rs == NULL)
		abort();
	irb_cap = caps ? *caps : irb_default_caps;
	d = ir_calloc(irb_rs, ndevs ? ndevs : 1, sizeof(*d));
	for (unsigned int i = 0; i < ndevs; i++)
		d[i] = ir_strdup(irb_rs, devs[i]);
	irb_rs->devices = d;
	irb_rs->ndevices = ndevs;
	irb_rs->tables = ir_calloc(irb_rs, irb_cap.tables, sizeof(struct ir_table));
	irb_next_handle = 0;
	return irb_rs;
}

struct ir_ruleset *
irb_current(void)
{
	return irb_rs;
}

const uint8_t *
irb_bytes(const void *p, size_t n)
{
	return ir_memdup(irb_rs, p, n);
}

struct ir_table *
irb_table(const char *name)
{
	struct ir_table *t;

	irb_room(irb_rs->ntables, irb_cap.tables, "tables");
	t = (struct ir_table *)&irb_rs->tables[irb_rs->ntables++];
	t->name = ir_strdup(irb_rs, name);
	t->handle = irb_rs->ntables;
	t->chains = ir_calloc(irb_rs, irb_cap.chains, sizeof(struct ir_chain));
	t->sets = ir_calloc(irb_rs, irb_cap.sets, sizeof(struct ir_set));
	t->objects = ir_calloc(irb_rs, irb_cap.objects, sizeof(struct ir_object));
	return t;
}

struct ir_chain *
irb_chain_n(struct ir_table *t, const char *name, unsigned int max_rules)
{
	struct ir_chain *c;

	irb_room(t->nchains, irb_cap.chains, "chains");
	c = (struct ir_chain *)&t->chains[t->nchains++];
	c->name = ir_strdup(irb_rs, name);
	c->handle = ++irb_next_handle;
	c->rules = ir_calloc(irb_rs, max_rules ? max_rules : irb_cap.rules,
			     sizeof(struct ir_rule));
	return c;
}

struct ir_chain *
irb_chain(struct ir_table *t, const char *name)
{
	return irb_chain_n(t, name, 0);
}

struct ir_chain *
irb_base(struct ir_table *t, const char *name, int32_t prio,
	 enum ir_policy policy, const char *dev, unsigned int max_rules)
{
	struct ir_chain *c = irb_chain_n(t, name, max_rules);
	const char **d = ir_calloc(irb_rs, 1, sizeof(*d));

	d[0] = ir_strdup(irb_rs, dev);
	c->flags = IR_CHAIN_F_BASE;
	c->priority = prio;
	c->policy = policy;
	c->devices = d;
	c->ndevices = 1;
	return c;
}

struct ir_rule *
irb_rule(struct ir_chain *c)
{
	struct ir_rule *r = (struct ir_rule *)&c->rules[c->nrules++];

	r->handle = ++irb_next_handle;
	r->items = ir_calloc(irb_rs, irb_cap.items, sizeof(struct ir_item));
	return r;
}

struct ir_item *
irb_item(struct ir_rule *r, enum ir_item_kind kind)
{
	struct ir_item *it;

	irb_room(r->nitems, irb_cap.items, "items in a rule");
	it = (struct ir_item *)&r->items[r->nitems++];
	it->kind = kind;
	return it;
}

struct ir_operand
irb_payload(enum ir_payload_base base, uint16_t off, uint8_t len)
{
	struct ir_operand o = { 0 };

	o.field.kind = IR_FIELD_PAYLOAD;
	o.field.base = base;
	o.field.offset = off;
	o.field.len = len;
	o.order = IR_BO_NET;
	return o;
}

struct ir_operand
irb_meta(enum ir_meta_key k)
{
	struct ir_operand o = { 0 };

	o.field.kind = IR_FIELD_META;
	o.field.meta = k;
	o.field.len = ir_meta_key_info(k)->len;
	o.order = ir_meta_key_info(k)->order;
	return o;
}

struct ir_operand
irb_masked(struct ir_operand o, const void *mask)
{
	o.mask = irb_bytes(mask, o.field.len);
	return o;
}

void
irb_cmp(struct ir_rule *r, struct ir_operand op, enum ir_cmp_op cop,
	const void *val, uint8_t len)
{
	struct ir_match *m = &irb_item(r, IR_ITEM_MATCH)->match;

	m->kind = IR_MATCH_CMP;
	m->op = cop;
	m->len = len;
	m->arg = op;
	m->value = irb_bytes(val, len);
}

void
irb_range(struct ir_rule *r, struct ir_operand op, const void *lo,
	  const void *hi, uint8_t len, bool invert)
{
	struct ir_match *m = &irb_item(r, IR_ITEM_MATCH)->match;

	m->kind = IR_MATCH_RANGE;
	m->len = len;
	m->arg = op;
	m->lo = irb_bytes(lo, len);
	m->hi = irb_bytes(hi, len);
	m->invert = invert;
}

struct ir_lookup
irb_lk(const struct ir_set *s, unsigned int n, const struct ir_operand *ops)
{
	struct ir_lookup l = { .set = s, .nfields = (uint8_t)n };

	l.fields = ir_memdup(irb_rs, ops, n * sizeof(*ops));
	return l;
}

void
irb_lookup(struct ir_rule *r, const struct ir_set *s, unsigned int n,
	   const struct ir_operand *ops, bool invert)
{
	struct ir_match *m = &irb_item(r, IR_ITEM_MATCH)->match;

	m->kind = IR_MATCH_LOOKUP;
	m->lookup = irb_lk(s, n, ops);
	m->invert = invert;
}

struct ir_set *
irb_set_n(struct ir_table *t, const char *name, uint32_t flags,
	  unsigned int nfields, const uint8_t *flen, uint8_t data_len,
	  unsigned int max_elems)
{
	struct ir_set *s;
	char anon[24];

	irb_room(t->nsets, irb_cap.sets, "sets");
	s = (struct ir_set *)&t->sets[t->nsets];
	if (name == NULL) {
		snprintf(anon, sizeof(anon), "__set%u", t->nsets);
		name = anon;
		flags |= IR_SET_F_ANONYMOUS | IR_SET_F_CONSTANT;
	}
	s->id = t->nsets++;
	s->name = ir_strdup(irb_rs, name);
	s->flags = flags | (nfields > 1 ? IR_SET_F_CONCAT : 0);
	s->nfields = (uint8_t)nfields;
	/* concatenated fields take whole 32-bit registers, as in the kernel */
	for (unsigned int i = 0; i < nfields; i++) {
		s->field_len[i] = flen[i];
		s->key_len += nfields > 1 ? (flen[i] + 3) & ~3 : flen[i];
	}
	s->data_len = data_len;
	if (max_elems == 0)
		max_elems = irb_cap.elems;
	if (max_elems != 0)
		s->elems = ir_calloc(irb_rs, max_elems, sizeof(struct ir_set_elem));
	return s;
}

struct ir_set *
irb_set(struct ir_table *t, const char *name, uint32_t flags,
	unsigned int nfields, const uint8_t *flen, uint8_t data_len)
{
	return irb_set_n(t, name, flags, nfields, flen, data_len, 0);
}

struct ir_set_elem *
irb_elem(struct ir_set *s, const void *key, const void *key_end)
{
	struct ir_set_elem *e = (struct ir_set_elem *)&s->elems[s->nelems++];

	e->key = irb_bytes(key, s->key_len);
	e->key_end = key_end ? irb_bytes(key_end, s->key_len) : e->key;
	return e;
}

struct ir_stmt *
irb_stmt(struct ir_rule *r, enum ir_stmt_kind k)
{
	struct ir_stmt *s = &irb_item(r, IR_ITEM_STMT)->stmt;

	s->kind = k;
	return s;
}

void
irb_verdict(struct ir_rule *r, enum ir_verdict_kind k, const struct ir_chain *to)
{
	r->verdict.v.kind = k;
	r->verdict.v.target = to;
	r->verdict.v.chain = to ? to->name : NULL;
}

struct ir_object *
irb_object(struct ir_table *t, enum ir_obj_type type, const char *name)
{
	struct ir_object *o;

	irb_room(t->nobjects, irb_cap.objects, "objects");
	o = (struct ir_object *)&t->objects[t->nobjects++];
	o->type = type;
	o->name = ir_strdup(irb_rs, name);
	o->handle = ++irb_next_handle;
	return o;
}

void
irb_objref(struct ir_rule *r, const struct ir_object *o)
{
	struct ir_stmt *s = irb_stmt(r, IR_STMT_OBJREF);

	s->objref.type = o->type;
	s->objref.name = o->name;
	s->objref.obj = o;
}

void
irb_mark_set(struct ir_rule *r, uint32_t mark)
{
	struct ir_stmt *s = irb_stmt(r, IR_STMT_META_SET);

	s->meta.key = IR_META_MARK;
	s->meta.value.kind = IR_VALUE_IMM;
	s->meta.value.len = 4;
	s->meta.value.data = irb_bytes(&mark, 4);
}

void
irb_limit(struct ir_rule *r, uint64_t rate, uint64_t unit, uint32_t burst,
	  enum ir_limit_type type, bool invert)
{
	struct ir_stmt *s = irb_stmt(r, IR_STMT_LIMIT);

	s->limit = (struct ir_limit){ rate, unit, burst, type, invert };
}

void
irb_quota(struct ir_rule *r, uint64_t bytes, bool invert)
{
	struct ir_stmt *s = irb_stmt(r, IR_STMT_QUOTA);

	s->quota = (struct ir_quota){ bytes, 0, invert };
}

void
irb_ip(struct ir_rule *r)
{
	static const uint8_t ip[2] = { 0x08, 0x00 };

	irb_cmp(r, irb_meta(IR_META_PROTOCOL), IR_CMP_EQ, ip, 2);
}

void
irb_l4(struct ir_rule *r, uint8_t proto)
{
	irb_cmp(r, irb_meta(IR_META_L4PROTO), IR_CMP_EQ, &proto, 1);
}
