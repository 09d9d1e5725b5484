/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fp_ruleset.c - bind an IR to ports, validate it like the kernel, and
 * allocate its runtime state.
 *
 * Control thread only (see fp_ruleset.h). Memory: every allocation of a
 * ruleset is chained on rs->mem and freed at once by fp_ruleset_free(),
 * except the state arrays, which have their own free functions.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/ir/ir_print.h"
#include "fastpath/fp_ruleset.h"

struct fp_mem {
	struct fp_mem *next;
	max_align_t data[];
};

struct fp_build {
	struct fp_ruleset *rs;
	const struct ir_ruleset *ir;
	const struct fp_ruleset_opts *opts;
	uint32_t n_counters;
	uint32_t n_limits;
	uint32_t n_quotas;
	uint8_t **vlevel;	/* [table][chain]: deepest level validated + 1 */
};

static void *
fp_zalloc(struct fp_ruleset *rs, size_t n, size_t size)
{
	struct fp_mem *m;

	if (size != 0 && n > (SIZE_MAX - sizeof(*m)) / size)
		return NULL;
	m = calloc(1, sizeof(*m) + (n * size != 0 ? n * size : 1));
	if (m == NULL)
		return NULL;
	m->next = rs->mem;
	rs->mem = m;
	return m->data;
}

static int __rte_format_printf(3, 4)
fp_err(const struct fp_ruleset_opts *o, int err, const char *fmt, ...)
{
	va_list ap;

	if (o->err != NULL && o->err_len > 0) {
		va_start(ap, fmt);
		vsnprintf(o->err, o->err_len, fmt, ap);
		va_end(ap);
	}
	return err;
}

#define RULE_FMT "table %s chain %s handle %" PRIu64
#define RULE_ARGS(t, c, r) (t)->name, (c)->name, (r)->handle

static bool
fp_name_eq(const char *a, const char *b)
{
	return strncmp(a, b, IR_IFNAMSIZ) == 0;
}

/* Index of a resolved chain pointer in its table, or -1. */
static int64_t
fp_chain_index(const struct ir_table *t, const struct ir_chain *c)
{
	if (c == NULL || c < t->chains || c >= t->chains + t->nchains)
		return -1;
	return c - t->chains;
}

static int64_t
fp_obj_index(const struct ir_table *t, const struct ir_object *o)
{
	if (o == NULL || o < t->objects || o >= t->objects + t->nobjects)
		return -1;
	return o - t->objects;
}

static int
fp_check_verdict(struct fp_build *b, const struct ir_table *t,
		 const struct ir_chain *c, const struct ir_rule *r,
		 const struct ir_verdict_val *v, bool allow_vmap)
{
	int64_t ti;

	switch (v->kind) {
	case IR_VERDICT_JUMP:
	case IR_VERDICT_GOTO:
		ti = fp_chain_index(t, v->target);
		if (ti < 0)
			return fp_err(b->opts, -EINVAL, RULE_FMT
				      ": %s to unresolved chain %s",
				      RULE_ARGS(t, c, r), ir_verdict_name(v->kind),
				      v->chain ? v->chain : "?");
		if (ir_chain_is_base(v->target))
			return fp_err(b->opts, -ELOOP, RULE_FMT
				      ": %s to base chain %s",
				      RULE_ARGS(t, c, r), ir_verdict_name(v->kind),
				      v->target->name);
		return 0;
	case IR_VERDICT_VMAP:
		if (allow_vmap)
			return 0;
		break;
	case IR_VERDICT_NONE:
	case IR_VERDICT_ACCEPT:
	case IR_VERDICT_DROP:
	case IR_VERDICT_CONTINUE:
	case IR_VERDICT_RETURN:
		return 0;
	default:
		break;
	}
	return fp_err(b->opts, -EOPNOTSUPP, RULE_FMT ": verdict %d",
		      RULE_ARGS(t, c, r), (int)v->kind);
}

static int
fp_check_lookup(struct fp_build *b, const struct ir_table *t,
		const struct ir_chain *c, const struct ir_rule *r,
		const struct ir_lookup *l, const char *what)
{
	const struct ir_set *s = l->set;

	if (s == NULL || l->fields == NULL || l->nfields == 0 ||
	    l->nfields != s->nfields || s->nfields > IR_CONCAT_MAX ||
	    s->key_len > IR_DATA_MAX)
		return fp_err(b->opts, -EINVAL, RULE_FMT ": malformed %s",
			      RULE_ARGS(t, c, r), what);
	if (s->flags & IR_SET_F_OBJECT)
		return fp_err(b->opts, -EOPNOTSUPP, RULE_FMT
			      ": object map %s not supported",
			      RULE_ARGS(t, c, r), s->name);
	for (unsigned int i = 0; i < l->nfields; i++) {
		unsigned int off = ir_set_field_offset(s, i);

		if (off + s->field_len[i] > s->key_len ||
		    l->fields[i].field.len > IR_DATA_MAX)
			return fp_err(b->opts, -EINVAL, RULE_FMT
				      ": %s key layout of set %s",
				      RULE_ARGS(t, c, r), what, s->name);
	}
	return 0;
}

static int
fp_check_operand(struct fp_build *b, const struct ir_table *t,
		 const struct ir_chain *c, const struct ir_rule *r,
		 const struct ir_operand *op)
{
	if (op->field.len == 0 || op->field.len > IR_DATA_MAX)
		return fp_err(b->opts, -EINVAL, RULE_FMT ": field length %u",
			      RULE_ARGS(t, c, r), op->field.len);
	if (op->field.kind == IR_FIELD_META &&
	    (unsigned int)op->field.meta >= IR_META__COUNT)
		return fp_err(b->opts, -EOPNOTSUPP, RULE_FMT ": meta key %d",
			      RULE_ARGS(t, c, r), (int)op->field.meta);
	if (op->field.kind == IR_FIELD_PAYLOAD &&
	    (unsigned int)op->field.base >= IR_BASE__COUNT)
		return fp_err(b->opts, -EOPNOTSUPP, RULE_FMT ": payload base %d",
			      RULE_ARGS(t, c, r), (int)op->field.base);
	return 0;
}

static int
fp_check_value(struct fp_build *b, const struct ir_table *t,
	       const struct ir_chain *c, const struct ir_rule *r,
	       const struct ir_value *v)
{
	if (v->len == 0 || v->len > IR_DATA_MAX)
		return fp_err(b->opts, -EINVAL, RULE_FMT ": value length %u",
			      RULE_ARGS(t, c, r), v->len);
	switch (v->kind) {
	case IR_VALUE_IMM:
		return v->data != NULL ? 0 :
			fp_err(b->opts, -EINVAL, RULE_FMT ": no value",
			       RULE_ARGS(t, c, r));
	case IR_VALUE_FIELD:
		return fp_check_operand(b, t, c, r, &v->field);
	case IR_VALUE_MAP:
		return fp_check_lookup(b, t, c, r, &v->map, "map");
	}
	return fp_err(b->opts, -EOPNOTSUPP, RULE_FMT ": value kind %d",
		      RULE_ARGS(t, c, r), (int)v->kind);
}

/* Check one rule and assign its state slots. */
static int
fp_build_rule(struct fp_build *b, const struct ir_table *t,
	      const struct ir_chain *c, const struct ir_rule *r,
	      const uint32_t *obj_slot, struct fp_rule *fr)
{
	uint32_t *slot;
	int rc;

	fr->ir = r;
	slot = fp_zalloc(b->rs, r->nitems, sizeof(*slot));
	if (slot == NULL)
		return -ENOMEM;
	fr->slot = slot;
	if (r->nitems != 0 && r->items == NULL)
		return fp_err(b->opts, -EINVAL, RULE_FMT ": no items",
			      RULE_ARGS(t, c, r));
	for (uint32_t i = 0; i < r->nitems; i++) {
		const struct ir_item *it = &r->items[i];
		const struct ir_stmt *st = &it->stmt;
		int64_t oi;

		slot[i] = FP_NO_SLOT;
		if (it->kind == IR_ITEM_MATCH) {
			const struct ir_match *m = &it->match;

			switch (m->kind) {
			case IR_MATCH_CMP:
			case IR_MATCH_RANGE:
				rc = fp_check_operand(b, t, c, r, &m->arg);
				if (rc < 0)
					return rc;
				if (m->len == 0 || m->len > m->arg.field.len ||
				    (m->kind == IR_MATCH_CMP && m->value == NULL) ||
				    (m->kind == IR_MATCH_RANGE &&
				     (m->lo == NULL || m->hi == NULL)) ||
				    (unsigned int)m->op >= IR_CMP__COUNT)
					return fp_err(b->opts, -EINVAL, RULE_FMT
						      ": malformed match %u",
						      RULE_ARGS(t, c, r), i);
				break;
			case IR_MATCH_LOOKUP:
				rc = fp_check_lookup(b, t, c, r, &m->lookup,
						     "lookup");
				if (rc < 0)
					return rc;
				break;
			default:
				return fp_err(b->opts, -EOPNOTSUPP, RULE_FMT
					      ": match kind %d",
					      RULE_ARGS(t, c, r), (int)m->kind);
			}
			continue;
		}
		if (it->kind != IR_ITEM_STMT)
			return fp_err(b->opts, -EINVAL, RULE_FMT ": item kind %d",
				      RULE_ARGS(t, c, r), (int)it->kind);
		switch (st->kind) {
		case IR_STMT_COUNTER:
			slot[i] = b->n_counters++;
			break;
		case IR_STMT_LIMIT:
			slot[i] = b->n_limits++;
			break;
		case IR_STMT_QUOTA:
			slot[i] = b->n_quotas++;
			break;
		case IR_STMT_OBJREF:
			oi = fp_obj_index(t, st->objref.obj);
			if (oi < 0 || st->objref.obj->type != st->objref.type)
				return fp_err(b->opts, -ENOENT, RULE_FMT
					      ": unresolved %s \"%s\"",
					      RULE_ARGS(t, c, r),
					      ir_obj_type_name(st->objref.type),
					      st->objref.name ? st->objref.name : "?");
			slot[i] = obj_slot[oi];
			break;
		case IR_STMT_META_SET:
			if (st->meta.key != IR_META_MARK)
				return fp_err(b->opts, -EOPNOTSUPP, RULE_FMT
					      ": meta %s set",
					      RULE_ARGS(t, c, r),
					      ir_meta_key_info(st->meta.key) ?
					      ir_meta_key_info(st->meta.key)->name : "?");
			rc = fp_check_value(b, t, c, r, &st->meta.value);
			if (rc < 0)
				return rc;
			break;
		case IR_STMT_PAYLOAD_SET:
			if ((unsigned int)st->payload.base >= IR_BASE__COUNT ||
			    st->payload.len == 0 ||
			    st->payload.len > IR_DATA_MAX ||
			    st->payload.value.len < st->payload.len)
				return fp_err(b->opts, -EINVAL, RULE_FMT
					      ": malformed payload set",
					      RULE_ARGS(t, c, r));
			if (st->payload.csum_type == IR_CSUM_SCTP &&
			    (st->payload.base != IR_BASE_TRANSPORT ||
			     st->payload.csum_offset != 8))
				return fp_err(b->opts, -EINVAL, RULE_FMT
					      ": sctp checksum not at th 8",
					      RULE_ARGS(t, c, r));
			if (st->payload.csum_type > IR_CSUM_SCTP ||
			    (st->payload.csum_flags & ~1u))
				return fp_err(b->opts, -EOPNOTSUPP, RULE_FMT
					      ": checksum type %d flags %#x",
					      RULE_ARGS(t, c, r),
					      (int)st->payload.csum_type,
					      st->payload.csum_flags);
			rc = fp_check_value(b, t, c, r, &st->payload.value);
			if (rc < 0)
				return rc;
			break;
		case IR_STMT_FWD:
		case IR_STMT_DUP:
			if (st->dev.dev_id >= b->ir->ndevices ||
			    b->rs->dev_port[st->dev.dev_id] < 0)
				return fp_err(b->opts, -ENODEV, RULE_FMT
					      ": %s to \"%s\": device is not a port",
					      RULE_ARGS(t, c, r),
					      ir_stmt_kind_name(st->kind),
					      st->dev.dev ? st->dev.dev : "?");
			break;
		case IR_STMT_REJECT:
			if (st->reject.type > IR_REJECT_ICMPX_UNREACH)
				return fp_err(b->opts, -EOPNOTSUPP, RULE_FMT
					      ": reject type %d",
					      RULE_ARGS(t, c, r),
					      (int)st->reject.type);
			break;
		case IR_STMT_LOG:
			break;
		default:
			return fp_err(b->opts, -EOPNOTSUPP, RULE_FMT
				      ": statement kind %d",
				      RULE_ARGS(t, c, r), (int)st->kind);
		}
	}
	rc = fp_check_verdict(b, t, c, r, &r->verdict.v, true);
	if (rc < 0)
		return rc;
	if (r->verdict.v.kind == IR_VERDICT_VMAP) {
		const struct ir_set *s = r->verdict.vmap.set;

		rc = fp_check_lookup(b, t, c, r, &r->verdict.vmap, "vmap");
		if (rc < 0)
			return rc;
		if (!(s->flags & IR_SET_F_VMAP))
			return fp_err(b->opts, -EINVAL, RULE_FMT
				      ": vmap on set %s that is no verdict map",
				      RULE_ARGS(t, c, r), s->name);
		for (uint32_t e = 0; e < s->nelems; e++) {
			rc = fp_check_verdict(b, t, c, r, &s->elems[e].verdict,
					      false);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

/*
 * nft_chain_validate(): every chain reachable from a base chain through
 * jump/goto (rule verdicts and vmap elements) must sit fewer than
 * NFT_JUMP_STACK_SIZE levels deep (-EMLINK). Memoised on the deepest level
 * a chain was validated at, as the kernel does.
 */
static int
fp_validate_depth(struct fp_build *b, uint32_t ti, const struct ir_chain *c,
		  unsigned int level)
{
	const struct ir_table *t = &b->ir->tables[ti];
	uint32_t ci = (uint32_t)fp_chain_index(t, c);
	int rc;

	if (level == FP_JUMP_STACK_SIZE)
		return fp_err(b->opts, -EMLINK,
			      "table %s chain %s: jumps nest %d levels deep or loop",
			      t->name, c->name, FP_JUMP_STACK_SIZE);
	if (level > 0 && b->vlevel[ti][ci] >= level + 1)
		return 0;
	b->vlevel[ti][ci] = (uint8_t)(level + 1);
	for (uint32_t r = 0; r < c->nrules; r++) {
		const struct ir_verdict *v = &c->rules[r].verdict;

		if (v->v.kind == IR_VERDICT_JUMP || v->v.kind == IR_VERDICT_GOTO) {
			rc = fp_validate_depth(b, ti, v->v.target, level + 1);
			if (rc < 0)
				return rc;
		} else if (v->v.kind == IR_VERDICT_VMAP) {
			const struct ir_set *s = v->vmap.set;

			for (uint32_t e = 0; e < s->nelems; e++) {
				const struct ir_verdict_val *ev = &s->elems[e].verdict;

				if (ev->kind != IR_VERDICT_JUMP &&
				    ev->kind != IR_VERDICT_GOTO)
					continue;
				rc = fp_validate_depth(b, ti, ev->target,
						       level + 1);
				if (rc < 0)
					return rc;
			}
		}
	}
	return 0;
}

struct fp_hook_sort {
	const struct fp_chain *chain;
	int32_t priority;
	uint32_t order;		/* registration order */
};

static int
fp_hook_cmp(const void *pa, const void *pb)
{
	const struct fp_hook_sort *a = pa, *b = pb;

	if (a->priority != b->priority)
		return a->priority < b->priority ? -1 : 1;
	/* equal priority: registered last runs first */
	return a->order > b->order ? -1 : (a->order < b->order ? 1 : 0);
}

static int
fp_build_ports(struct fp_build *b)
{
	struct fp_ruleset *rs = b->rs;
	const struct ir_ruleset *ir = b->ir;
	uint32_t n_base = 0;
	struct fp_hook_sort *tmp;

	for (uint32_t t = 0; t < ir->ntables; t++)
		for (uint32_t c = 0; c < ir->tables[t].nchains; c++)
			if (ir_chain_is_base(&ir->tables[t].chains[c]))
				n_base++;
	tmp = calloc(n_base ? n_base : 1, sizeof(*tmp));
	if (tmp == NULL)
		return -ENOMEM;
	for (unsigned int p = 0; p < rs->n_ports; p++) {
		struct fp_port *port = &rs->ports[p];
		const struct fp_chain **hooks;
		uint32_t n = 0, order = 0;

		for (uint32_t t = 0; t < ir->ntables; t++) {
			const struct ir_table *it = &ir->tables[t];

			for (uint32_t c = 0; c < it->nchains; c++) {
				const struct ir_chain *ch = &it->chains[c];
				bool on = false;

				if (!ir_chain_is_base(ch))
					continue;
				order++;
				for (uint32_t d = 0; d < ch->ndevices; d++)
					if (fp_name_eq(ch->devices[d],
						       b->opts->port_names[p]))
						on = true;
				if (!on)
					continue;
				tmp[n].chain = &rs->tables[t].chains[c];
				tmp[n].priority = ch->priority;
				tmp[n].order = order;
				n++;
			}
		}
		qsort(tmp, n, sizeof(*tmp), fp_hook_cmp);
		hooks = fp_zalloc(rs, n, sizeof(*hooks));
		if (hooks == NULL) {
			free(tmp);
			return -ENOMEM;
		}
		for (uint32_t i = 0; i < n; i++)
			hooks[i] = tmp[i].chain;
		port->hooks = hooks;
		port->n_hooks = n;
	}
	free(tmp);
	return 0;
}

static int
fp_build_state(struct fp_build *b)
{
	struct fp_ruleset *rs = b->rs;
	const struct ir_ruleset *ir = b->ir;
	uint64_t now = rs->clock(rs->clock_arg);
	int rc;

	rc = fp_counters_init(&rs->counters, b->n_counters, rs->n_lcores);
	if (rc < 0)
		return rc;
	if (b->n_limits != 0 &&
	    posix_memalign((void **)&rs->limits, RTE_CACHE_LINE_SIZE,
			   (size_t)b->n_limits * sizeof(*rs->limits)) != 0)
		return -ENOMEM;
	rs->n_limits = b->n_limits;
	if (b->n_quotas != 0 &&
	    posix_memalign((void **)&rs->quotas, RTE_CACHE_LINE_SIZE,
			   (size_t)b->n_quotas * sizeof(*rs->quotas)) != 0)
		return -ENOMEM;
	rs->n_quotas = b->n_quotas;

	for (uint32_t ti = 0; ti < ir->ntables; ti++) {
		const struct ir_table *t = &ir->tables[ti];
		const struct fp_table *ft = &rs->tables[ti];

		for (uint32_t o = 0; o < t->nobjects; o++) {
			const struct ir_object *obj = &t->objects[o];
			uint32_t s = ft->obj_slot[o];

			switch (obj->type) {
			case IR_OBJ_COUNTER:
				rs->counters.init[s].packets = obj->counter.packets;
				rs->counters.init[s].bytes = obj->counter.bytes;
				rs->counters.base[s] = rs->counters.init[s];
				break;
			case IR_OBJ_QUOTA:
				fp_quota_init(&rs->quotas[s], &obj->quota);
				break;
			case IR_OBJ_LIMIT:
				rc = fp_limit_init(&rs->limits[s], &obj->limit, now);
				if (rc < 0)
					return fp_err(b->opts, rc,
						      "table %s limit \"%s\": invalid rate (%s)",
						      t->name, obj->name,
						      rc == -EINVAL ? "rate 0" :
						      "overflow");
				break;
			default:
				break;
			}
		}
		for (uint32_t ci = 0; ci < t->nchains; ci++) {
			const struct ir_chain *c = &t->chains[ci];

			for (uint32_t ri = 0; ri < c->nrules; ri++) {
				const struct ir_rule *r = &c->rules[ri];
				const uint32_t *slot = ft->chains[ci].rules[ri].slot;

				for (uint32_t i = 0; i < r->nitems; i++) {
					const struct ir_stmt *st = &r->items[i].stmt;

					if (r->items[i].kind != IR_ITEM_STMT)
						continue;
					switch (st->kind) {
					case IR_STMT_COUNTER:
						rs->counters.init[slot[i]] = (struct fp_counter){
							st->counter.packets,
							st->counter.bytes };
						rs->counters.base[slot[i]] =
							rs->counters.init[slot[i]];
						break;
					case IR_STMT_QUOTA:
						fp_quota_init(&rs->quotas[slot[i]],
							      &st->quota);
						break;
					case IR_STMT_LIMIT:
						rc = fp_limit_init(&rs->limits[slot[i]],
								   &st->limit, now);
						if (rc < 0)
							return fp_err(b->opts, rc,
								      RULE_FMT ": limit: invalid rate (%s)",
								      RULE_ARGS(t, c, r),
								      rc == -EINVAL ? "rate 0" :
								      "overflow");
						break;
					default:
						break;
					}
				}
			}
		}
	}
	return 0;
}

int
fp_ruleset_build(const struct ir_ruleset *ir, const struct fp_ruleset_opts *opts,
		 struct fp_ruleset **out)
{
	struct fp_build b = { .ir = ir, .opts = opts };
	struct fp_ruleset *rs;
	int rc = -ENOMEM;

	if (opts->err != NULL && opts->err_len > 0)
		opts->err[0] = '\0';
	if (ir == NULL || out == NULL || opts->n_lcores == 0 ||
	    opts->n_ports > UINT16_MAX ||
	    (opts->n_ports != 0 && opts->port_names == NULL))
		return fp_err(opts, -EINVAL, "invalid arguments");
	rs = calloc(1, sizeof(*rs));
	if (rs == NULL)
		return -ENOMEM;
	b.rs = rs;
	rs->ir = ir;
	rs->n_ports = opts->n_ports;
	rs->n_lcores = opts->n_lcores;
	rs->clock = opts->clock != NULL ? opts->clock : fp_clock_tsc_ns;
	rs->clock_arg = opts->clock_arg;
	rs->reject_ttl = opts->reject_ttl ? opts->reject_ttl : 64;
	rs->reject_hoplimit = opts->reject_hoplimit ? opts->reject_hoplimit : 64;
	rs->log_per_sec = opts->log_per_sec ? opts->log_per_sec : 10;
	rs->reject_flags = opts->reject_flags;

	if (posix_memalign((void **)&rs->lcore, RTE_CACHE_LINE_SIZE,
			   opts->n_lcores * sizeof(*rs->lcore)) != 0) {
		rs->lcore = NULL;
		goto fail;
	}
	memset(rs->lcore, 0, opts->n_lcores * sizeof(*rs->lcore));

	/* devices <-> ports */
	rs->dev_port = fp_zalloc(rs, ir->ndevices, sizeof(*rs->dev_port));
	rs->ports = fp_zalloc(rs, rs->n_ports, sizeof(*rs->ports));
	rs->tables = fp_zalloc(rs, ir->ntables, sizeof(*rs->tables));
	b.vlevel = fp_zalloc(rs, ir->ntables, sizeof(*b.vlevel));
	if (rs->dev_port == NULL || rs->ports == NULL || rs->tables == NULL ||
	    b.vlevel == NULL)
		goto fail;
	for (uint32_t d = 0; d < ir->ndevices; d++) {
		rs->dev_port[d] = -1;
		for (unsigned int p = 0; p < rs->n_ports; p++)
			if (fp_name_eq(ir->devices[d], opts->port_names[p])) {
				rs->dev_port[d] = (int32_t)p;
				break;
			}
	}
	for (unsigned int p = 0; p < rs->n_ports; p++) {
		struct fp_port *port = &rs->ports[p];

		/* strncpy() semantics: NUL-padded, as the kernel's ifname */
		memcpy(port->name, opts->port_names[p],
		       strnlen(opts->port_names[p], IR_IFNAMSIZ - 1));
		port->iif_id = ir->ndevices + p;
		for (uint32_t d = 0; d < ir->ndevices; d++)
			if (rs->dev_port[d] == (int32_t)p) {
				port->iif_id = d;
				break;
			}
		port->peer = opts->peers ? opts->peers[p] : FP_PORT_PEER;
	}

	/* tables, chains, rules, slots */
	for (uint32_t ti = 0; ti < ir->ntables; ti++) {
		const struct ir_table *t = &ir->tables[ti];
		struct fp_table *ft = &rs->tables[ti];
		struct fp_chain *chains;
		uint32_t *obj_slot;

		ft->ir = t;
		chains = fp_zalloc(rs, t->nchains, sizeof(*chains));
		obj_slot = fp_zalloc(rs, t->nobjects, sizeof(*obj_slot));
		b.vlevel[ti] = fp_zalloc(rs, t->nchains, 1);
		if (chains == NULL || obj_slot == NULL || b.vlevel[ti] == NULL)
			goto fail;
		ft->chains = chains;
		ft->obj_slot = obj_slot;
		for (uint32_t o = 0; o < t->nobjects; o++) {
			switch (t->objects[o].type) {
			case IR_OBJ_COUNTER:
				obj_slot[o] = b.n_counters++;
				break;
			case IR_OBJ_QUOTA:
				obj_slot[o] = b.n_quotas++;
				break;
			case IR_OBJ_LIMIT:
				obj_slot[o] = b.n_limits++;
				break;
			default:
				rc = fp_err(opts, -EOPNOTSUPP,
					    "table %s object \"%s\": type %d",
					    t->name, t->objects[o].name,
					    (int)t->objects[o].type);
				goto fail;
			}
		}
		for (uint32_t ci = 0; ci < t->nchains; ci++) {
			const struct ir_chain *c = &t->chains[ci];
			struct fp_rule *rules;

			chains[ci].ir = c;
			chains[ci].table_idx = ti;
			chains[ci].chain_idx = ci;
			rules = fp_zalloc(rs, c->nrules, sizeof(*rules));
			if (rules == NULL) {
				rc = -ENOMEM;
				goto fail;
			}
			chains[ci].rules = rules;
			for (uint32_t ri = 0; ri < c->nrules; ri++) {
				rc = fp_build_rule(&b, t, c, &c->rules[ri],
						   obj_slot, &rules[ri]);
				if (rc < 0)
					goto fail;
			}
		}
	}
	/* the kernel's loop and depth check, from every base chain */
	for (uint32_t ti = 0; ti < ir->ntables; ti++)
		for (uint32_t ci = 0; ci < ir->tables[ti].nchains; ci++)
			if (ir_chain_is_base(&ir->tables[ti].chains[ci])) {
				rc = fp_validate_depth(&b, ti,
						       &ir->tables[ti].chains[ci], 0);
				if (rc < 0)
					goto fail;
			}
	rc = fp_build_ports(&b);
	if (rc < 0)
		goto fail;
	rc = fp_build_state(&b);
	if (rc < 0)
		goto fail;
	*out = rs;
	return 0;
fail:
	if (rc == -ENOMEM)
		fp_err(opts, rc, "out of memory");
	fp_ruleset_free(rs);
	return rc;
}

void
fp_ruleset_free(struct fp_ruleset *rs)
{
	struct fp_mem *m, *next;

	if (rs == NULL)
		return;
	if (rs->cls != NULL && rs->cls_free != NULL)
		rs->cls_free(rs->cls);
	fp_counters_free(&rs->counters);
	free(rs->limits);
	free(rs->quotas);
	free(rs->lcore);
	for (m = rs->mem; m != NULL; m = next) {
		next = m->next;
		free(m);
	}
	free(rs);
}

int
fp_ruleset_hook_index(const struct fp_ruleset *rs, uint16_t port,
		      const char *table, const char *chain)
{
	if (port >= rs->n_ports)
		return -ENOENT;
	for (uint32_t i = 0; i < rs->ports[port].n_hooks; i++) {
		const struct fp_chain *c = rs->ports[port].hooks[i];

		if (strcmp(c->ir->name, chain) == 0 &&
		    strcmp(rs->tables[c->table_idx].ir->name, table) == 0)
			return (int)i;
	}
	return -ENOENT;
}

static const struct fp_table *
fp_find_table(const struct fp_ruleset *rs, const char *name)
{
	for (uint32_t t = 0; t < rs->ir->ntables; t++)
		if (strcmp(rs->tables[t].ir->name, name) == 0)
			return &rs->tables[t];
	return NULL;
}

static const struct fp_chain *
fp_find_chain(const struct fp_table *t, const char *name)
{
	for (uint32_t c = 0; c < t->ir->nchains; c++)
		if (strcmp(t->chains[c].ir->name, name) == 0)
			return &t->chains[c];
	return NULL;
}

static const struct fp_rule *
fp_find_rule(const struct fp_chain *c, uint64_t handle)
{
	for (uint32_t r = 0; r < c->ir->nrules; r++)
		if (c->rules[r].ir->handle == handle)
			return &c->rules[r];
	return NULL;
}

/* Slot of the nth statement of `kind` in rule; FP_NO_SLOT when absent. */
static uint32_t
fp_rule_nth_slot(const struct fp_rule *r, enum ir_stmt_kind kind,
		 unsigned int nth)
{
	for (uint32_t i = 0; i < r->ir->nitems; i++) {
		const struct ir_item *it = &r->ir->items[i];

		if (it->kind != IR_ITEM_STMT || it->stmt.kind != kind)
			continue;
		if (nth-- == 0)
			return r->slot[i];
	}
	return FP_NO_SLOT;
}

static const struct fp_rule *
fp_lookup_rule(const struct fp_ruleset *rs, const char *table,
	       const char *chain, uint64_t handle)
{
	const struct fp_table *t = fp_find_table(rs, table);
	const struct fp_chain *c = t ? fp_find_chain(t, chain) : NULL;

	return c ? fp_find_rule(c, handle) : NULL;
}

int
fp_ruleset_rule_counter(const struct fp_ruleset *rs, const char *table,
			const char *chain, uint64_t handle, unsigned int nth,
			struct fp_counter *out)
{
	const struct fp_rule *r = fp_lookup_rule(rs, table, chain, handle);
	uint32_t s = r ? fp_rule_nth_slot(r, IR_STMT_COUNTER, nth) : FP_NO_SLOT;

	if (s == FP_NO_SLOT)
		return -ENOENT;
	fp_counters_read(&rs->counters, s, out);
	return 0;
}

void
fp_ruleset_rule_counter_add(struct fp_ruleset *rs, uint32_t table_idx,
			    uint32_t chain_idx, uint32_t rule_idx,
			    const struct fp_counter *delta)
{
	const struct fp_rule *r;

	if (table_idx >= rs->ir->ntables ||
	    chain_idx >= rs->ir->tables[table_idx].nchains ||
	    rule_idx >= rs->ir->tables[table_idx].chains[chain_idx].nrules)
		return;
	r = &rs->tables[table_idx].chains[chain_idx].rules[rule_idx];
	for (uint32_t i = 0; i < r->ir->nitems; i++) {
		const struct ir_item *it = &r->ir->items[i];

		if (it->kind != IR_ITEM_STMT || r->slot[i] == FP_NO_SLOT)
			continue;
		if (it->stmt.kind == IR_STMT_COUNTER ||
		    (it->stmt.kind == IR_STMT_OBJREF &&
		     it->stmt.objref.type == IR_OBJ_COUNTER))
			fp_counters_base_add(&rs->counters, r->slot[i], delta);
	}
}

int
fp_ruleset_rule_quota(const struct fp_ruleset *rs, const char *table,
		      const char *chain, uint64_t handle, unsigned int nth,
		      uint64_t *consumed)
{
	const struct fp_rule *r = fp_lookup_rule(rs, table, chain, handle);
	uint32_t s = r ? fp_rule_nth_slot(r, IR_STMT_QUOTA, nth) : FP_NO_SLOT;

	if (s == FP_NO_SLOT)
		return -ENOENT;
	*consumed = fp_quota_consumed(&rs->quotas[s]);
	return 0;
}

static int64_t
fp_find_obj(const struct fp_table *t, enum ir_obj_type type, const char *name)
{
	for (uint32_t o = 0; o < t->ir->nobjects; o++)
		if (t->ir->objects[o].type == type &&
		    strcmp(t->ir->objects[o].name, name) == 0)
			return o;
	return -1;
}

int
fp_ruleset_obj_counter(const struct fp_ruleset *rs, const char *table,
		       const char *name, struct fp_counter *out)
{
	const struct fp_table *t = fp_find_table(rs, table);
	int64_t o = t ? fp_find_obj(t, IR_OBJ_COUNTER, name) : -1;

	if (o < 0)
		return -ENOENT;
	fp_counters_read(&rs->counters, t->obj_slot[o], out);
	return 0;
}

int
fp_ruleset_obj_quota(const struct fp_ruleset *rs, const char *table,
		     const char *name, uint64_t *consumed)
{
	const struct fp_table *t = fp_find_table(rs, table);
	int64_t o = t ? fp_find_obj(t, IR_OBJ_QUOTA, name) : -1;

	if (o < 0)
		return -ENOENT;
	*consumed = fp_quota_consumed(&rs->quotas[t->obj_slot[o]]);
	return 0;
}

/* ---- reload --------------------------------------------------------------- */

static void
fp_carry_counter(struct fp_ruleset *to, uint32_t ts,
		 const struct fp_ruleset *from, uint32_t fs)
{
	struct fp_counter tot, add;

	fp_counters_read(&from->counters, fs, &tot);
	add.packets = tot.packets - from->counters.init[fs].packets;
	add.bytes = tot.bytes - from->counters.init[fs].bytes;
	fp_counters_base_add(&to->counters, ts, &add);
}

static void
fp_carry_quota(struct fp_quota *to, const struct fp_quota *from)
{
	uint64_t used = fp_quota_consumed(from) - from->init_consumed;

	__atomic_fetch_add(&to->consumed, used, __ATOMIC_RELAXED);
}

static void
fp_carry_limit(struct fp_limit *to, struct fp_limit *from)
{
	uint64_t tokens, last;

	if (!fp_limit_same_config(to, from))
		return;
	rte_spinlock_lock(&from->lock);
	tokens = from->tokens;
	last = from->last;
	rte_spinlock_unlock(&from->lock);
	rte_spinlock_lock(&to->lock);
	to->tokens = tokens;
	to->last = last;
	rte_spinlock_unlock(&to->lock);
}

static unsigned int
fp_carry_slot(struct fp_ruleset *to, uint32_t ts, const struct fp_ruleset *from,
	      uint32_t fs, enum ir_stmt_kind kind)
{
	if (ts == FP_NO_SLOT || fs == FP_NO_SLOT)
		return 0;
	switch (kind) {
	case IR_STMT_COUNTER:
		fp_carry_counter(to, ts, from, fs);
		return 1;
	case IR_STMT_QUOTA:
		fp_carry_quota(&to->quotas[ts], &from->quotas[fs]);
		return 1;
	case IR_STMT_LIMIT:
		/* the limit's lock makes the source mutable state */
		fp_carry_limit(&to->limits[ts], (struct fp_limit *)&from->limits[fs]);
		return 1;
	default:
		return 0;
	}
}

/*
 * The same rule: same handle (the caller's lookup) and the same definition.
 * Handles alone are not enough: a reloaded file numbers its rules in file
 * order, so a rule inserted above shifts every handle below it, and `nft
 * replace rule` keeps the handle while the kernel starts the new rule's
 * counters from zero.
 */
static bool
fp_rule_same(const struct fp_ruleset *to, const struct fp_table *tt,
	     const struct fp_rule *tr, const struct fp_ruleset *from,
	     const struct fp_table *ft, const struct fp_rule *fr)
{
	char *a = ir_rule_str_flags(to->ir, tt->ir, tr->ir, IR_PRINT_NO_STATE);
	char *b = ir_rule_str_flags(from->ir, ft->ir, fr->ir, IR_PRINT_NO_STATE);
	bool same = a != NULL && b != NULL && strcmp(a, b) == 0;

	free(a);
	free(b);
	return same;
}

unsigned int
fp_ruleset_carry_state(struct fp_ruleset *to, const struct fp_ruleset *from)
{
	static const enum ir_stmt_kind kinds[] = {
		IR_STMT_COUNTER, IR_STMT_LIMIT, IR_STMT_QUOTA,
	};
	static const enum ir_stmt_kind obj_kind[IR_OBJ__COUNT] = {
		[IR_OBJ_COUNTER] = IR_STMT_COUNTER,
		[IR_OBJ_QUOTA] = IR_STMT_QUOTA,
		[IR_OBJ_LIMIT] = IR_STMT_LIMIT,
	};
	unsigned int n = 0;

	for (uint32_t ti = 0; ti < to->ir->ntables; ti++) {
		const struct fp_table *tt = &to->tables[ti];
		const struct fp_table *ft = fp_find_table(from, tt->ir->name);

		if (ft == NULL)
			continue;
		for (uint32_t o = 0; o < tt->ir->nobjects; o++) {
			const struct ir_object *obj = &tt->ir->objects[o];
			int64_t fo = fp_find_obj(ft, obj->type, obj->name);

			if (fo >= 0)
				n += fp_carry_slot(to, tt->obj_slot[o], from,
						   ft->obj_slot[fo],
						   obj_kind[obj->type]);
		}
		for (uint32_t ci = 0; ci < tt->ir->nchains; ci++) {
			const struct fp_chain *tc = &tt->chains[ci];
			const struct fp_chain *fc = fp_find_chain(ft, tc->ir->name);

			if (fc == NULL)
				continue;
			for (uint32_t ri = 0; ri < tc->ir->nrules; ri++) {
				const struct fp_rule *tr = &tc->rules[ri];
				const struct fp_rule *fr = fp_find_rule(fc, tr->ir->handle);

				if (fr == NULL || !fp_rule_same(to, tt, tr, from, ft, fr))
					continue;
				for (unsigned int k = 0; k < RTE_DIM(kinds); k++)
					for (unsigned int nth = 0;; nth++) {
						uint32_t ts = fp_rule_nth_slot(tr, kinds[k], nth);
						uint32_t fs = fp_rule_nth_slot(fr, kinds[k], nth);

						if (ts == FP_NO_SLOT || fs == FP_NO_SLOT)
							break;
						n += fp_carry_slot(to, ts, from, fs, kinds[k]);
					}
			}
		}
	}
	return n;
}

uint64_t
fp_ruleset_lcore_stat(const struct fp_ruleset *rs, size_t offset)
{
	uint64_t sum = 0;

	if (offset + sizeof(uint64_t) > sizeof(struct fp_lcore_state))
		return 0;
	for (unsigned int i = 0; i < rs->n_lcores; i++)
		sum += __atomic_load_n((const uint64_t *)
				       ((const char *)&rs->lcore[i] + offset),
				       __ATOMIC_RELAXED);
	return sum;
}
