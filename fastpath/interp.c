/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * interp.c - the reference interpreter (see interp.h for the semantics).
 *
 * Correctness first: it walks the IR directly, one rule at a time, the way
 * nft_do_chain() walks its rule blob. Per packet it keeps a small context
 * on the stack (the view, the mark, the jump stack); nothing is allocated
 * except dup/reject mbufs.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_log.h>

#include "fastpath/fp_act.h"
#include "fastpath/interp.h"

RTE_LOG_REGISTER_SUFFIX(interp_logtype, interp, INFO);

struct interp_ctx {
	const struct fp_ruleset *rs;
	unsigned int lcore;
	uint16_t in_port;
	struct rte_mbuf *m;
	struct pkt_view view;		/* re-parsed after mangling */
	uint32_t skb_len;		/* skb->len: from the network header */
	uint32_t mark;
	bool mangled;			/* payload written in this base chain */
	bool have_now;
	uint64_t now;
	struct interp_result *res;
};

/* What one rule asks for. */
enum interp_step {
	STEP_NEXT = 0,		/* NFT_BREAK / NFT_CONTINUE: next rule */
	STEP_VERDICT,		/* a verdict value (accept, drop, jump, ...) */
	STEP_FWD,		/* NF_STOLEN by fwd */
	STEP_DROP,		/* NF_DROP by reject */
};

const char *
interp_disp_name(enum interp_disp d)
{
	switch (d) {
	case INTERP_ACCEPT: return "accept";
	case INTERP_DROP: return "drop";
	case INTERP_FWD: return "fwd";
	case INTERP_STOLEN: return "stolen";
	}
	return "?";
}

static inline uint64_t
interp_now(struct interp_ctx *c)
{
	if (!c->have_now) {
		c->now = c->rs->clock(c->rs->clock_arg);
		c->have_now = true;
	}
	return c->now;
}

static struct fp_lcore_state *
interp_lcore(const struct interp_ctx *c)
{
	return c->lcore < c->rs->n_lcores ? &c->rs->lcore[c->lcore] : NULL;
}

static void
interp_stat_inc(struct interp_ctx *c, size_t off)
{
	struct fp_lcore_state *ls = interp_lcore(c);
	uint64_t *p;

	if (ls == NULL)
		return;
	p = (uint64_t *)((char *)ls + off);
	__atomic_store_n(p, *p + 1, __ATOMIC_RELAXED);
}

/* ---- register images ------------------------------------------------------ */

/* nft_meta_get_eval() for the netdev ingress hook. */
static bool
interp_load_meta(struct interp_ctx *c, enum ir_meta_key key, uint8_t *reg)
{
	const struct fp_port *port = &c->rs->ports[c->in_port];
	uint32_t u32;
	uint16_t u16;
	rte_be16_t be16;

	switch (key) {
	case IR_META_LEN:
		u32 = c->skb_len;
		memcpy(reg, &u32, 4);
		return true;
	case IR_META_PROTOCOL:
		be16 = pkt_view_meta_protocol(&c->view);
		memcpy(reg, &be16, 2);
		return true;
	case IR_META_NFPROTO:
		reg[0] = PKT_VIEW_NFPROTO;
		return true;
	case IR_META_L4PROTO:
		return pkt_view_meta_l4proto(&c->view, &reg[0]);
	case IR_META_MARK:
		memcpy(reg, &c->mark, 4);
		return true;
	case IR_META_IIF:
		memcpy(reg, &port->iif_id, 4);
		return true;
	case IR_META_IIFNAME:
		memcpy(reg, port->name, IR_IFNAMSIZ);
		return true;
	case IR_META_IIFTYPE:
		u16 = PKT_VIEW_IIFTYPE;
		memcpy(reg, &u16, 2);
		return true;
	case IR_META_PKTTYPE:
		reg[0] = pkt_view_meta_pkttype(&c->view);
		return true;
	default:
		return false;
	}
}

/*
 * The register image of an operand (ir.h, struct ir_operand) in reg, which
 * must hold IR_DATA_MAX bytes; bytes past the field are zero (the kernel
 * zeroes the last register word). false: NFT_BREAK.
 */
static bool
interp_load(struct interp_ctx *c, const struct ir_operand *op, uint8_t *reg)
{
	const struct ir_field *f = &op->field;
	enum ir_byteorder natural = IR_BO_NET;
	unsigned int len = f->len;

	memset(reg, 0, IR_DATA_MAX);
	if (len == 0 || len > IR_DATA_MAX)
		return false;
	if (f->kind == IR_FIELD_PAYLOAD) {
		if (!pkt_view_load_payload(c->m, &c->view,
					   (enum pkt_view_base)f->base,
					   f->offset, len, reg))
			return false;
	} else {
		const struct ir_meta_key_info *ki = ir_meta_key_info(f->meta);
		uint8_t tmp[IR_DATA_MAX] = { 0 };

		if (ki == NULL || !interp_load_meta(c, f->meta, tmp))
			return false;
		natural = ki->order;
		memcpy(reg, tmp, len < ki->len ? len : ki->len);
	}
	if (op->order != natural)
		interp_swap_img(reg, len);
	if (op->mask != NULL)
		for (unsigned int i = 0; i < len; i++)
			reg[i] &= op->mask[i];
	return true;
}

/* ---- sets ----------------------------------------------------------------- */

/* The key of a lookup (ir_lookup): operands concatenated, each padded to 4
 * bytes when there are several. */
static bool
interp_key(struct interp_ctx *c, const struct ir_lookup *l, uint8_t *key)
{
	const struct ir_set *s = l->set;
	uint8_t reg[IR_DATA_MAX];

	memset(key, 0, IR_DATA_MAX);
	for (unsigned int i = 0; i < l->nfields; i++) {
		unsigned int off = ir_set_field_offset(s, i);
		unsigned int flen = s->field_len[i];

		if (s->nfields == 1)
			flen = s->key_len;
		if (!interp_load(c, &l->fields[i], reg))
			return false;
		if (off + flen > IR_DATA_MAX)
			return false;
		memcpy(key + off, reg, flen);
	}
	return true;
}

/* The element whose closed range holds key, or NULL. */
static const struct ir_set_elem *
interp_set_find(const struct ir_set *s, const uint8_t *key)
{
	const struct ir_set_elem *e = s->elems;
	uint32_t lo = 0, hi = s->nelems;

	if (s->nelems == 0)
		return NULL;
	if ((s->flags & IR_SET_F_INTERVAL) && s->nfields > 1) {
		/* concatenated ranges: per-field box; first one wins */
		for (uint32_t i = 0; i < s->nelems; i++) {
			bool in = true;

			for (unsigned int f = 0; f < s->nfields && in; f++) {
				unsigned int off = ir_set_field_offset(s, f);
				unsigned int fl = s->field_len[f];

				in = memcmp(key + off, e[i].key + off, fl) >= 0 &&
				     memcmp(key + off, e[i].key_end + off, fl) <= 0;
			}
			if (in)
				return &e[i];
		}
		return NULL;
	}
	/* sorted, disjoint: the last element starting at or below key */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (memcmp(e[mid].key, key, s->key_len) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	if (memcmp(key, e[lo - 1].key_end, s->key_len) <= 0)
		return &e[lo - 1];
	return NULL;
}

static const struct ir_set_elem *
interp_lookup(struct interp_ctx *c, const struct ir_lookup *l)
{
	uint8_t key[IR_DATA_MAX];

	if (!interp_key(c, l, key))
		return NULL;
	return interp_set_find(l->set, key);
}

/* ---- matches -------------------------------------------------------------- */

static bool
interp_cmp(enum ir_cmp_op op, int d)
{
	switch (op) {
	case IR_CMP_EQ: return d == 0;
	case IR_CMP_NEQ: return d != 0;
	case IR_CMP_LT: return d < 0;
	case IR_CMP_LTE: return d <= 0;
	case IR_CMP_GT: return d > 0;
	case IR_CMP_GTE: return d >= 0;
	default: return false;
	}
}

static bool
interp_match(struct interp_ctx *c, const struct ir_match *mt)
{
	uint8_t reg[IR_DATA_MAX];
	bool in;

	switch (mt->kind) {
	case IR_MATCH_CMP:
		/* nft_cmp_eval(): memcmp over len bytes */
		if (!interp_load(c, &mt->arg, reg))
			return false;
		return interp_cmp(mt->op, memcmp(reg, mt->value, mt->len));
	case IR_MATCH_RANGE:
		/* nft_range_eval() */
		if (!interp_load(c, &mt->arg, reg))
			return false;
		in = memcmp(reg, mt->lo, mt->len) >= 0 &&
		     memcmp(reg, mt->hi, mt->len) <= 0;
		return in != mt->invert;
	case IR_MATCH_LOOKUP: {
		/* nft_lookup_eval(): a key that cannot be loaded breaks,
		 * inverted or not */
		uint8_t key[IR_DATA_MAX];

		if (!interp_key(c, &mt->lookup, key))
			return false;
		in = interp_set_find(mt->lookup.set, key) != NULL;
		return in != mt->invert;
	}
	default:
		return false;
	}
}

/* ---- statements ----------------------------------------------------------- */

/* The bytes a statement writes (ir_value); false: the rule stops. */
static bool
interp_value(struct interp_ctx *c, const struct ir_value *val, uint8_t *out)
{
	const struct ir_set_elem *e;

	memset(out, 0, IR_DATA_MAX);
	if (val->len == 0 || val->len > IR_DATA_MAX)
		return false;
	switch (val->kind) {
	case IR_VALUE_IMM:
		memcpy(out, val->data, val->len);
		return true;
	case IR_VALUE_FIELD:
		if (!interp_load(c, &val->field, out))
			return false;
		if (val->xor != NULL)
			for (unsigned int i = 0; i < val->len; i++)
				out[i] ^= val->xor[i];
		return true;
	case IR_VALUE_MAP:
		e = interp_lookup(c, &val->map);
		if (e == NULL || e->data == NULL)
			return false;
		memcpy(out, e->data, RTE_MIN((unsigned int)val->len,
					     (unsigned int)val->map.set->data_len));
		return true;
	}
	return false;
}

static void
interp_extra(struct interp_ctx *c, uint16_t port, struct rte_mbuf *x)
{
	struct interp_result *res = c->res;

	if (x == NULL) {
		interp_stat_inc(c, offsetof(struct fp_lcore_state, alloc_failed));
		return;
	}
	if (res->n_extra >= INTERP_MAX_EXTRA) {
		interp_stat_inc(c, offsetof(struct fp_lcore_state, extra_lost));
		rte_pktmbuf_free(x);
		return;
	}
	res->extra[res->n_extra].port = port;
	res->extra[res->n_extra].m = x;
	res->n_extra++;
}

/*
 * `log`: the kernel's nf_log_packet() writes a line per packet (its own
 * printk rate limit aside). Here: at most rs->log_per_sec lines a second
 * per lcore through rte_log, the rest counted.
 */
static void
interp_log(struct interp_ctx *c, const struct fp_chain *ch,
	   const struct ir_rule *r, const struct ir_stmt *st)
{
	struct fp_lcore_state *ls = interp_lcore(c);
	const struct pkt_view *v = &c->view;
	uint64_t now = interp_now(c);
	char l3[128] = "";
	uint8_t b[40];

	if (ls == NULL)
		return;
	if (now - ls->log_window >= 1000000000ull) {
		ls->log_window = now;
		ls->log_lines = 0;
	}
	if (ls->log_lines >= c->rs->log_per_sec) {
		__atomic_store_n(&ls->log_suppressed, ls->log_suppressed + 1,
				 __ATOMIC_RELAXED);
		return;
	}
	ls->log_lines++;
	if (v->protocol == RTE_BE16(RTE_ETHER_TYPE_IPV4) &&
	    fp_act_read(c->m, v->nh_off, 20, b))
		snprintf(l3, sizeof(l3), " SRC=%u.%u.%u.%u DST=%u.%u.%u.%u PROTO=%u",
			 b[12], b[13], b[14], b[15], b[16], b[17], b[18], b[19],
			 b[9]);
	else if (v->protocol == RTE_BE16(RTE_ETHER_TYPE_IPV6) &&
		 fp_act_read(c->m, v->nh_off, 40, b))
		snprintf(l3, sizeof(l3), " SRC=%02x%02x:%02x%02x:..:%02x%02x"
			 " DST=%02x%02x:%02x%02x:..:%02x%02x NEXTHDR=%u",
			 b[8], b[9], b[10], b[11], b[22], b[23],
			 b[24], b[25], b[26], b[27], b[38], b[39], b[6]);
	rte_log(RTE_LOG_INFO, interp_logtype,
		"%s IN=%s table %s chain %s handle %" PRIu64
		" PROTO=0x%04x LEN=%u MARK=0x%x%s\n",
		st->log.prefix ? st->log.prefix : "", c->rs->ports[c->in_port].name,
		c->rs->tables[ch->table_idx].ir->name, ch->ir->name, r->handle,
		rte_be_to_cpu_16(v->protocol), c->skb_len, c->mark, l3);
}

/* Count on a counter slot (inline or named). */
static inline void
interp_count(struct interp_ctx *c, uint32_t slot)
{
	fp_counters_add(&c->rs->counters, c->lcore, slot, c->skb_len);
}

/* Run rule r of chain ch; *v receives the verdict for STEP_VERDICT. */
static enum interp_step
interp_rule(struct interp_ctx *c, const struct fp_chain *ch,
	    const struct fp_rule *fr, struct ir_verdict_val *v)
{
	const struct ir_rule *r = fr->ir;
	const struct fp_ruleset *rs = c->rs;
	uint8_t val[IR_DATA_MAX];

	for (uint32_t i = 0; i < r->nitems; i++) {
		const struct ir_item *it = &r->items[i];
		const struct ir_stmt *st = &it->stmt;
		uint32_t slot = fr->slot[i];

		if (it->kind == IR_ITEM_MATCH) {
			if (!interp_match(c, &it->match))
				return STEP_NEXT;
			continue;
		}
		switch (st->kind) {
		case IR_STMT_COUNTER:
			interp_count(c, slot);
			break;
		case IR_STMT_LIMIT:
			if (!fp_limit_eval(&rs->limits[slot], interp_now(c),
					   c->skb_len))
				return STEP_NEXT;
			break;
		case IR_STMT_QUOTA:
			if (!fp_quota_eval(&rs->quotas[slot], c->skb_len))
				return STEP_NEXT;
			break;
		case IR_STMT_OBJREF:
			switch (st->objref.type) {
			case IR_OBJ_COUNTER:
				interp_count(c, slot);
				break;
			case IR_OBJ_QUOTA:
				if (!fp_quota_eval(&rs->quotas[slot], c->skb_len))
					return STEP_NEXT;
				break;
			case IR_OBJ_LIMIT:
				if (!fp_limit_eval(&rs->limits[slot],
						   interp_now(c), c->skb_len))
					return STEP_NEXT;
				break;
			default:
				return STEP_NEXT;
			}
			break;
		case IR_STMT_META_SET:
			/* nft_meta_set_eval(): skb->mark = *sreg */
			if (!interp_value(c, &st->meta.value, val))
				return STEP_NEXT;
			memcpy(&c->mark, val, 4);
			break;
		case IR_STMT_PAYLOAD_SET:
			if (!interp_value(c, &st->payload.value, val))
				return STEP_NEXT;
			c->mangled = true;
			if (!fp_act_payload_set(c->m, &c->view, st->payload.base,
						st->payload.offset,
						st->payload.len, val,
						st->payload.csum_type,
						st->payload.csum_offset,
						st->payload.csum_flags))
				return STEP_NEXT;
			break;
		case IR_STMT_FWD:
			/* nft_fwd_netdev_eval(): NF_STOLEN */
			c->res->out_port = (uint16_t)rs->dev_port[st->dev.dev_id];
			return STEP_FWD;
		case IR_STMT_DUP:
			interp_extra(c, (uint16_t)rs->dev_port[st->dev.dev_id],
				     fp_act_dup(c->m));
			break;
		case IR_STMT_REJECT: {
			struct rte_mbuf *x;

			x = fp_act_reject(c->m, &c->view, st->reject.type,
					  st->reject.code, rs->reject_ttl,
					  rs->reject_hoplimit, rs->reject_flags);
			if (x != NULL)
				interp_extra(c, c->in_port, x);
			return STEP_DROP;
		}
		case IR_STMT_LOG:
			interp_log(c, ch, r, st);
			break;
		default:
			return STEP_NEXT;
		}
	}
	switch (r->verdict.v.kind) {
	case IR_VERDICT_NONE:
	case IR_VERDICT_CONTINUE:
		return STEP_NEXT;
	case IR_VERDICT_VMAP: {
		const struct ir_set_elem *e = interp_lookup(c, &r->verdict.vmap);

		if (e == NULL)
			return STEP_NEXT;
		*v = e->verdict;
		return v->kind == IR_VERDICT_CONTINUE || v->kind == IR_VERDICT_NONE ?
		       STEP_NEXT : STEP_VERDICT;
	}
	default:
		*v = r->verdict.v;
		return STEP_VERDICT;
	}
}

static inline void
interp_decided(struct interp_ctx *c, int32_t hook, const struct fp_chain *ch,
	       uint32_t rule, enum interp_reason why)
{
	c->res->hook_idx = hook;
	c->res->chain = ch->ir;
	c->res->rule_idx = rule;
	c->res->reason = why;
}

/*
 * nft_do_chain() for one base chain, from rule `start`: INTERP_ACCEPT (next
 * base chain), INTERP_DROP or INTERP_FWD.
 */
static enum interp_disp
interp_chain(struct interp_ctx *c, uint32_t hook, uint32_t start)
{
	const struct fp_chain *base = c->rs->ports[c->in_port].hooks[hook];
	const struct fp_table *t = &c->rs->tables[base->table_idx];
	struct {
		const struct fp_chain *chain;
		uint32_t rule;
	} stack[FP_JUMP_STACK_SIZE];
	const struct fp_chain *ch = base;
	unsigned int sp = 0;
	uint32_t ri = start;

	for (;;) {
		struct ir_verdict_val v = { 0 };
		enum interp_step step;

		if (ri >= ch->ir->nrules)
			goto do_return;	/* end of chain: NFT_CONTINUE */
		step = interp_rule(c, ch, &ch->rules[ri], &v);
		switch (step) {
		case STEP_NEXT:
			ri++;
			continue;
		case STEP_FWD:
			interp_decided(c, (int32_t)hook, ch, ri, INTERP_R_RULE);
			return INTERP_FWD;
		case STEP_DROP:
			interp_decided(c, (int32_t)hook, ch, ri, INTERP_R_RULE);
			return INTERP_DROP;
		case STEP_VERDICT:
			break;
		}
		switch (v.kind) {
		case IR_VERDICT_ACCEPT:
			interp_decided(c, (int32_t)hook, ch, ri, INTERP_R_RULE);
			return INTERP_ACCEPT;
		case IR_VERDICT_DROP:
			interp_decided(c, (int32_t)hook, ch, ri, INTERP_R_RULE);
			return INTERP_DROP;
		case IR_VERDICT_JUMP:
			if (unlikely(sp >= FP_JUMP_STACK_SIZE)) {
				interp_stat_inc(c, offsetof(struct fp_lcore_state,
							    jumpstack_drops));
				interp_decided(c, (int32_t)hook, ch, ri,
					       INTERP_R_JUMPSTACK);
				return INTERP_DROP;
			}
			stack[sp].chain = ch;
			stack[sp].rule = ri + 1;
			sp++;
			/* fall through */
		case IR_VERDICT_GOTO:
			ch = &t->chains[v.target - t->ir->chains];
			ri = 0;
			continue;
		case IR_VERDICT_RETURN:
			goto do_return;
		default:
			/* the kernel WARNs and pops; cannot happen after build */
			goto do_return;
		}
do_return:
		if (sp > 0) {
			sp--;
			ch = stack[sp].chain;
			ri = stack[sp].rule;
			continue;
		}
		interp_decided(c, (int32_t)hook, base, base->ir->nrules,
			       INTERP_R_POLICY);
		return base->ir->policy == IR_POLICY_DROP ? INTERP_DROP :
							   INTERP_ACCEPT;
	}
}

static void
interp_hooks(struct interp_ctx *c, uint32_t hook, uint32_t start)
{
	const struct fp_port *port = &c->rs->ports[c->in_port];
	struct interp_result *res = c->res;

	for (; hook < port->n_hooks; hook++, start = 0) {
		enum interp_disp d;

		if (c->mangled) {
			/* nft_do_chain_netdev() rebuilds pktinfo per hook */
			static const struct rte_ether_addr any;
			uint8_t pkttype = c->view.pkttype;

			pkt_view_parse(c->m, &any, &c->view);
			c->view.pkttype = pkttype;
			c->mangled = false;
		}
		d = interp_chain(c, hook, start);
		if (d != INTERP_ACCEPT) {
			res->disp = d;
			res->mark = c->mark;
			return;
		}
	}
	res->disp = INTERP_ACCEPT;
	res->out_port = port->peer;
	res->mark = c->mark;
}

static void
interp_init(struct interp_ctx *c, const struct fp_ruleset *rs,
	    unsigned int lcore_idx, uint16_t in_port, struct rte_mbuf *m,
	    const struct pkt_view *v, uint32_t mark, struct interp_result *res)
{
	c->rs = rs;
	c->lcore = lcore_idx;
	c->in_port = in_port;
	c->m = m;
	c->view = *v;
	c->mark = mark;
	c->mangled = false;
	c->have_now = false;
	c->res = res;
	c->skb_len = (v->flags & PKT_VIEW_F_HOOK) ? pkt_view_meta_len(v) : 0;
	res->disp = INTERP_ACCEPT;
	res->reason = INTERP_R_NO_CHAIN;
	res->out_port = FP_PORT_PEER;
	res->n_extra = 0;
	res->mark = mark;
	res->hook_idx = -1;
	res->chain = NULL;
	res->rule_idx = 0;
}

static bool
interp_seen(const struct fp_ruleset *rs, uint16_t in_port,
	    const struct pkt_view *v, struct interp_result *res)
{
	if (in_port >= rs->n_ports || !(v->flags & PKT_VIEW_F_HOOK)) {
		res->disp = INTERP_DROP;
		res->reason = INTERP_R_NOT_SEEN;
		return false;
	}
	return true;
}

void
interp_run(const struct fp_ruleset *rs, unsigned int lcore_idx,
	   uint16_t in_port, struct rte_mbuf *m, const struct pkt_view *v,
	   struct interp_result *res)
{
	struct interp_ctx c;

	interp_init(&c, rs, lcore_idx, in_port, m, v, 0, res);
	if (!interp_seen(rs, in_port, v, res))
		return;
	interp_hooks(&c, 0, 0);
}

void
interp_run_from(const struct fp_ruleset *rs, unsigned int lcore_idx,
		uint16_t in_port, struct rte_mbuf *m, const struct pkt_view *v,
		uint32_t hook_idx, uint32_t rule_idx, uint32_t mark,
		struct interp_result *res)
{
	struct interp_ctx c;

	interp_init(&c, rs, lcore_idx, in_port, m, v, mark, res);
	if (!interp_seen(rs, in_port, v, res))
		return;
	if (hook_idx >= rs->ports[in_port].n_hooks) {
		res->out_port = rs->ports[in_port].peer;
		return;
	}
	interp_hooks(&c, hook_idx, rule_idx);
}
