/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ir_json.c - the IR as JSON (jansson).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir_json.h"

static json_t *
ir_json_hex(const uint8_t *p, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	char buf[2 * 256 + 1];
	json_t *j;

	if (p == NULL)
		return json_null();
	if (len > 256)
		len = 256;
	for (size_t i = 0; i < len; i++) {
		buf[2 * i] = digits[p[i] >> 4];
		buf[2 * i + 1] = digits[p[i] & 15];
	}
	buf[2 * len] = '\0';
	j = json_string(buf);
	return j;
}

static json_t *
ir_json_field(const struct ir_field *f)
{
	if (f->kind == IR_FIELD_PAYLOAD)
		return json_pack("{s:s, s:s, s:i, s:i}", "kind", "payload",
				 "base", ir_payload_base_name(f->base),
				 "offset", (json_int_t)f->offset,
				 "len", (json_int_t)f->len);
	return json_pack("{s:s, s:s, s:i}", "kind", "meta",
			 "key", ir_meta_key_info(f->meta)->name,
			 "len", (json_int_t)f->len);
}

static json_t *
ir_json_operand(const struct ir_operand *op)
{
	json_t *j = json_pack("{s:o, s:s}", "field", ir_json_field(&op->field),
			      "order", op->order == IR_BO_NET ? "net" : "host");

	if (j != NULL && op->mask != NULL)
		json_object_set_new(j, "mask", ir_json_hex(op->mask, op->field.len));
	return j;
}

static json_t *
ir_json_lookup(const struct ir_lookup *lk)
{
	json_t *fields = json_array();

	for (uint8_t i = 0; i < lk->nfields; i++)
		json_array_append_new(fields, ir_json_operand(&lk->fields[i]));
	return json_pack("{s:s, s:o}", "set", lk->set->name, "key", fields);
}

static json_t *
ir_json_verdict_val(const struct ir_verdict_val *v)
{
	json_t *j = json_pack("{s:s}", "verdict", ir_verdict_name(v->kind));

	if (j != NULL && v->chain != NULL)
		json_object_set_new(j, "chain", json_string(v->chain));
	return j;
}

static json_t *
ir_json_value(const struct ir_value *v)
{
	switch (v->kind) {
	case IR_VALUE_IMM:
		return json_pack("{s:s, s:o}", "imm", "", "data",
				 ir_json_hex(v->data, v->len));
	case IR_VALUE_FIELD: {
		json_t *j = json_pack("{s:o}", "field", ir_json_operand(&v->field));

		if (j != NULL && v->xor != NULL)
			json_object_set_new(j, "xor", ir_json_hex(v->xor, v->len));
		return j;
	}
	case IR_VALUE_MAP:
		return json_pack("{s:o}", "map", ir_json_lookup(&v->map));
	}
	return json_null();
}

static json_t *
ir_json_limit(const struct ir_limit *l)
{
	return json_pack("{s:I, s:I, s:I, s:s, s:b}",
			 "rate", (json_int_t)l->rate, "unit", (json_int_t)l->unit,
			 "burst", (json_int_t)l->burst,
			 "type", l->type == IR_LIMIT_BYTES ? "bytes" : "packets",
			 "over", l->invert);
}

static json_t *
ir_json_quota(const struct ir_quota *q, unsigned int flags)
{
	json_t *j = json_pack("{s:I, s:b}", "bytes", (json_int_t)q->bytes,
			      "over", q->invert);

	if (j != NULL && !(flags & IR_JSON_NO_STATE))
		json_object_set_new(j, "consumed", json_integer((json_int_t)q->consumed));
	return j;
}

static json_t *
ir_json_counter(const struct ir_counter *c, unsigned int flags)
{
	if (flags & IR_JSON_NO_STATE)
		return json_object();
	return json_pack("{s:I, s:I}", "packets", (json_int_t)c->packets,
			 "bytes", (json_int_t)c->bytes);
}

static json_t *
ir_json_match(const struct ir_match *m)
{
	switch (m->kind) {
	case IR_MATCH_CMP:
		return json_pack("{s:s, s:o, s:s, s:o}", "match", "cmp",
				 "arg", ir_json_operand(&m->arg),
				 "op", ir_cmp_op_name(m->op),
				 "value", ir_json_hex(m->value, m->len));
	case IR_MATCH_RANGE:
		return json_pack("{s:s, s:o, s:b, s:o, s:o}", "match", "range",
				 "arg", ir_json_operand(&m->arg), "invert", m->invert,
				 "lo", ir_json_hex(m->lo, m->len),
				 "hi", ir_json_hex(m->hi, m->len));
	case IR_MATCH_LOOKUP:
		return json_pack("{s:s, s:o, s:b}", "match", "lookup",
				 "lookup", ir_json_lookup(&m->lookup),
				 "invert", m->invert);
	default:
		return json_null();
	}
}

static json_t *
ir_json_stmt(const struct ir_stmt *s, unsigned int flags)
{
	json_t *j = json_pack("{s:s}", "stmt", ir_stmt_kind_name(s->kind));

	if (j == NULL)
		return NULL;
	switch (s->kind) {
	case IR_STMT_COUNTER: {
		json_t *c = ir_json_counter(&s->counter, flags);

		json_object_update(j, c);
		json_decref(c);
		break;
	}
	case IR_STMT_OBJREF:
		json_object_set_new(j, "type", json_string(ir_obj_type_name(s->objref.type)));
		json_object_set_new(j, "name", json_string(s->objref.name));
		break;
	case IR_STMT_LIMIT:
		json_object_set_new(j, "limit", ir_json_limit(&s->limit));
		break;
	case IR_STMT_QUOTA:
		json_object_set_new(j, "quota", ir_json_quota(&s->quota, flags));
		break;
	case IR_STMT_META_SET:
		json_object_set_new(j, "key", json_string(ir_meta_key_info(s->meta.key)->name));
		json_object_set_new(j, "value", ir_json_value(&s->meta.value));
		break;
	case IR_STMT_PAYLOAD_SET:
		json_object_set_new(j, "base", json_string(ir_payload_base_name(s->payload.base)));
		json_object_set_new(j, "offset", json_integer(s->payload.offset));
		json_object_set_new(j, "len", json_integer(s->payload.len));
		json_object_set_new(j, "value", ir_json_value(&s->payload.value));
		json_object_set_new(j, "csum_type", json_integer(s->payload.csum_type));
		json_object_set_new(j, "csum_offset", json_integer(s->payload.csum_offset));
		json_object_set_new(j, "csum_flags", json_integer(s->payload.csum_flags));
		break;
	case IR_STMT_FWD:
	case IR_STMT_DUP:
		json_object_set_new(j, "dev", json_string(s->dev.dev));
		json_object_set_new(j, "dev_id", json_integer(s->dev.dev_id));
		break;
	case IR_STMT_REJECT:
		json_object_set_new(j, "type", json_integer(s->reject.type));
		json_object_set_new(j, "code", json_integer(s->reject.code));
		break;
	case IR_STMT_LOG:
		if (s->log.present & IR_LOG_F_PREFIX)
			json_object_set_new(j, "prefix", json_string(s->log.prefix));
		if (s->log.present & IR_LOG_F_GROUP)
			json_object_set_new(j, "group", json_integer(s->log.group));
		if (s->log.present & IR_LOG_F_LEVEL)
			json_object_set_new(j, "level", json_integer(s->log.level));
		if (s->log.present & IR_LOG_F_SNAPLEN)
			json_object_set_new(j, "snaplen", json_integer(s->log.snaplen));
		if (s->log.present & IR_LOG_F_QTHRESHOLD)
			json_object_set_new(j, "qthreshold", json_integer(s->log.qthreshold));
		if (s->log.flags != 0)
			json_object_set_new(j, "flags", json_integer(s->log.flags));
		break;
	default:
		break;
	}
	return j;
}

static json_t *
ir_json_rule(const struct ir_rule *r, unsigned int flags)
{
	json_t *items = json_array(), *j;

	for (uint32_t i = 0; i < r->nitems; i++) {
		const struct ir_item *it = &r->items[i];

		json_array_append_new(items, it->kind == IR_ITEM_MATCH ?
				      ir_json_match(&it->match) :
				      ir_json_stmt(&it->stmt, flags));
	}
	j = json_pack("{s:I, s:o}", "handle", (json_int_t)r->handle, "items", items);
	if (j == NULL)
		return NULL;
	if (r->comment != NULL)
		json_object_set_new(j, "comment", json_string(r->comment));
	if (r->verdict.v.kind == IR_VERDICT_VMAP)
		json_object_set_new(j, "verdict",
				    json_pack("{s:s, s:o}", "verdict", "vmap",
					      "vmap", ir_json_lookup(&r->verdict.vmap)));
	else if (r->verdict.v.kind != IR_VERDICT_NONE)
		json_object_set_new(j, "verdict", ir_json_verdict_val(&r->verdict.v));
	return j;
}

static json_t *
ir_json_chain(const struct ir_chain *c, unsigned int flags)
{
	json_t *rules = json_array(), *j;

	for (uint32_t i = 0; i < c->nrules; i++)
		json_array_append_new(rules, ir_json_rule(&c->rules[i], flags));
	j = json_pack("{s:s, s:I, s:o}", "name", c->name,
		      "handle", (json_int_t)c->handle, "rules", rules);
	if (j != NULL && ir_chain_is_base(c)) {
		json_t *devs = json_array();

		for (uint32_t i = 0; i < c->ndevices; i++)
			json_array_append_new(devs, json_string(c->devices[i]));
		json_object_set_new(j, "hook", json_string("ingress"));
		json_object_set_new(j, "devices", devs);
		json_object_set_new(j, "priority", json_integer(c->priority));
		json_object_set_new(j, "policy", json_string(c->policy == IR_POLICY_DROP ?
							     "drop" : "accept"));
		json_object_set_new(j, "offload",
				    json_boolean(c->flags & IR_CHAIN_F_OFFLOAD));
	}
	return j;
}

static json_t *
ir_json_set(const struct ir_set *s)
{
	static const char *const fnames[] = {
		"anonymous", "constant", "interval", "map", "timeout", "eval",
		"concat", "object", "vmap",
	};
	json_t *flags = json_array(), *fields = json_array(), *elems = json_array();
	json_t *j;

	for (unsigned int i = 0; i < sizeof(fnames) / sizeof(fnames[0]); i++)
		if (s->flags & (1u << i))
			json_array_append_new(flags, json_string(fnames[i]));
	for (uint8_t i = 0; i < s->nfields; i++)
		json_array_append_new(fields, json_pack("{s:i, s:b}", "len",
							(json_int_t)s->field_len[i],
							"dev", s->field_is_dev[i]));
	for (uint32_t i = 0; i < s->nelems; i++) {
		const struct ir_set_elem *e = &s->elems[i];
		json_t *je = json_pack("{s:o}", "key", ir_json_hex(e->key, s->key_len));

		if (s->flags & IR_SET_F_INTERVAL)
			json_object_set_new(je, "key_end", ir_json_hex(e->key_end, s->key_len));
		if (s->flags & IR_SET_F_VMAP)
			json_object_set_new(je, "verdict", ir_json_verdict_val(&e->verdict));
		else if (s->flags & IR_SET_F_MAP)
			json_object_set_new(je, "data", ir_json_hex(e->data, s->data_len));
		json_array_append_new(elems, je);
	}
	j = json_pack("{s:s, s:I, s:o, s:I, s:i, s:o, s:o}", "name", s->name,
		      "handle", (json_int_t)s->handle, "flags", flags,
		      "key_type", (json_int_t)s->key_type,
		      "key_len", (json_int_t)s->key_len, "fields", fields,
		      "elements", elems);
	if (j != NULL && (s->flags & IR_SET_F_MAP)) {
		json_object_set_new(j, "data_type", json_integer(s->data_type));
		json_object_set_new(j, "data_len", json_integer(s->data_len));
	}
	return j;
}

static json_t *
ir_json_object(const struct ir_object *o, unsigned int flags)
{
	json_t *j = json_pack("{s:s, s:I, s:s}", "name", o->name,
			      "handle", (json_int_t)o->handle,
			      "type", ir_obj_type_name(o->type));

	if (j == NULL)
		return NULL;
	switch (o->type) {
	case IR_OBJ_COUNTER:
		json_object_set_new(j, "counter", ir_json_counter(&o->counter, flags));
		break;
	case IR_OBJ_QUOTA:
		json_object_set_new(j, "quota", ir_json_quota(&o->quota, flags));
		break;
	case IR_OBJ_LIMIT:
		json_object_set_new(j, "limit", ir_json_limit(&o->limit));
		break;
	default:
		break;
	}
	return j;
}

json_t *
ir_json(const struct ir_ruleset *rs, unsigned int flags)
{
	json_t *tables = json_array(), *devs = json_array(), *j;

	if (tables == NULL || devs == NULL)
		goto nomem;
	for (uint32_t i = 0; i < rs->ndevices; i++)
		json_array_append_new(devs, json_string(rs->devices[i]));
	for (uint32_t t = 0; t < rs->ntables; t++) {
		const struct ir_table *tb = &rs->tables[t];
		json_t *chains = json_array(), *sets = json_array(), *objs = json_array();

		for (uint32_t i = 0; i < tb->nobjects; i++)
			json_array_append_new(objs, ir_json_object(&tb->objects[i], flags));
		for (uint32_t i = 0; i < tb->nsets; i++)
			json_array_append_new(sets, ir_json_set(&tb->sets[i]));
		for (uint32_t i = 0; i < tb->nchains; i++)
			json_array_append_new(chains, ir_json_chain(&tb->chains[i], flags));
		json_array_append_new(tables,
				      json_pack("{s:s, s:s, s:I, s:o, s:o, s:o}",
						"family", "netdev", "name", tb->name,
						"handle", (json_int_t)tb->handle,
						"objects", objs, "sets", sets,
						"chains", chains));
	}
	j = json_pack("{s:o, s:o}", "devices", devs, "tables", tables);
	if (j != NULL && !(flags & IR_JSON_NO_STATE))
		json_object_set_new(j, "generation", json_integer(rs->generation));
	return j;
nomem:
	json_decref(tables);
	json_decref(devs);
	return NULL;
}

char *
ir_json_dumps(const struct ir_ruleset *rs, unsigned int flags)
{
	json_t *j = ir_json(rs, flags);
	char *s, *out = NULL;

	if (j == NULL)
		return NULL;
	s = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(j);
	if (s != NULL && asprintf(&out, "%s\n", s) < 0)
		out = NULL;
	free(s);
	return out;
}

int
ir_json_write(const struct ir_ruleset *rs, const char *path, unsigned int flags)
{
	char *s = ir_json_dumps(rs, flags);
	FILE *f;
	int ret = 0;

	if (s == NULL)
		return -ENOMEM;
	f = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
	if (f == NULL) {
		ret = -errno;
		free(s);
		return ret;
	}
	if (fputs(s, f) < 0)
		ret = -EIO;
	if (f != stdout) {
		if (fclose(f) != 0 && ret == 0)
			ret = -errno;
	} else {
		fflush(f);
	}
	free(s);
	return ret;
}

bool
ir_ruleset_equal(const struct ir_ruleset *a, const struct ir_ruleset *b)
{
	char *sa = ir_json_dumps(a, IR_JSON_NO_STATE);
	char *sb = ir_json_dumps(b, IR_JSON_NO_STATE);
	bool eq = sa != NULL && sb != NULL && strcmp(sa, sb) == 0;

	free(sa);
	free(sb);
	return eq;
}
