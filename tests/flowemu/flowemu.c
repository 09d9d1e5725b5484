/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * flowemu: profiles, attached ports, the rule table, actions and the rx
 * hook.  Items and matching are in flowemu_match.c, the interposed rte_flow
 * symbols in flowemu_interpose.c.
 *
 * Thread safety: ports[] and everything but the rule table and the rx-path
 * counters are touched by the control thread only.  The rule table (sorted
 * array of rule pointers) is written under the port's write lock; the rx
 * hook holds the read lock for one burst.  Rule and port counters are
 * updated with relaxed atomics and read or reset atomically.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_flow.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_rwlock.h>

#include "tests/flowemu/flowemu_int.h"

RTE_LOG_REGISTER(flowemu_logtype, nftfwd.flowemu, INFO);
#define FE_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, flowemu_logtype, "flowemu: " fmt "\n", ## __VA_ARGS__)

#define FLOWEMU_RULE_MAGIC 0x666c6f77u	/* "flow" */
#define FLOWEMU_STEER_RING 1024
#define FLOWEMU_MAX_JUMPS 32
#define FLOWEMU_PEEK 256		/* frame bytes the parser looks at */

#define ALL_ACTIONS (FLOWEMU_ACT(RTE_FLOW_ACTION_TYPE_DROP) | \
	FLOWEMU_ACT(RTE_FLOW_ACTION_TYPE_QUEUE) | FLOWEMU_ACT(RTE_FLOW_ACTION_TYPE_RSS) | \
	FLOWEMU_ACT(RTE_FLOW_ACTION_TYPE_MARK) | FLOWEMU_ACT(RTE_FLOW_ACTION_TYPE_FLAG) | \
	FLOWEMU_ACT(RTE_FLOW_ACTION_TYPE_COUNT) | FLOWEMU_ACT(RTE_FLOW_ACTION_TYPE_PASSTHRU))

const struct flowemu_profile flowemu_profile_rich = {
	.name = "rich",
	.max_rules = 4096,
	.max_group = 15,
	.max_priority = 15,
	.max_mark = 0xffffff,
	.actions = ALL_ACTIONS | FLOWEMU_ACT(RTE_FLOW_ACTION_TYPE_JUMP),
	.mask_mode = FLOWEMU_MASK_ANY,
	.tie = FLOWEMU_TIE_NEWEST,
	.ranges = true,
	.l2_optional = true,
	.vlan_transparent = true,
	.l4_first_frag = true,
	.no_fate_ok = true,
};

const struct flowemu_profile flowemu_profile_nopriority = {
	.name = "nopriority",
	.max_rules = 1024,
	.max_group = 0,
	.max_priority = 0,
	.max_mark = 0x1fff,
	.actions = ALL_ACTIONS,
	.mask_mode = FLOWEMU_MASK_ANY,
	.tie = FLOWEMU_TIE_NEWEST,
};

const struct flowemu_profile flowemu_profile_smalltable = {
	.name = "smalltable",
	.max_rules = 64,
	.max_group = 0,
	.max_priority = 3,
	.max_mark = 0xffff,
	.actions = ALL_ACTIONS & ~FLOWEMU_ACT(RTE_FLOW_ACTION_TYPE_RSS),
	.mask_mode = FLOWEMU_MASK_FULL,
	.tie = FLOWEMU_TIE_NEWEST,
	.refuse_duplicate = true,
	.common_fields_only = true,
};

const struct flowemu_profile flowemu_profile_none = {
	.name = "none",
	.refuse_all = "flowemu(none): flow rules are not supported by this device",
};

static const struct flowemu_profile *const builtin[] = {
	&flowemu_profile_rich, &flowemu_profile_nopriority,
	&flowemu_profile_smalltable, &flowemu_profile_none,
};

enum flowemu_fate {
	FATE_NONE,
	FATE_DROP,
	FATE_QUEUE,
	FATE_RSS,
	FATE_PASSTHRU,
	FATE_JUMP,
};

struct flowemu_rule {
	uint32_t magic;
	uint16_t port_id;
	uint8_t fate;
	bool has_mark, has_flag, has_count;
	uint32_t group, priority, mark, jump;
	uint16_t queue;		/* QUEUE, or the first RSS queue */
	uint64_t rss_set;	/* RSS queues (< 64) */
	uint64_t seq;
	uint64_t hits, bytes;	/* atomics */
	struct flowemu_pattern pat;
};

struct flowemu_port {
	uint16_t port_id;
	uint16_t nb_rxq;
	struct flowemu_profile prof;
	char name[32];
	rte_rwlock_t lock;
	struct flowemu_rule **rules;	/* sorted: group, priority, tie */
	uint32_t n_rules, cap;
	uint64_t seq;
	unsigned int fail_nth;
	int fail_err;
	const struct rte_eth_rxtx_callback **cb;
	struct rte_ring **steer;	/* per queue, nb_rxq > 1 only */
	struct flowemu_stats st;	/* rx-path fields updated atomically */
};

static struct flowemu_port *ports[RTE_MAX_ETHPORTS];

/* rte_eth_rx_metadata_negotiate() happens before configure, before attach. */
static struct {
	bool negotiated;
	uint64_t features;
} meta[RTE_MAX_ETHPORTS];

int
flowemu_err(struct rte_flow_error *error, int code, enum rte_flow_error_type type,
	    const void *cause, const char *msg)
{
	FE_LOG(DEBUG, "refused: %s (%s)", msg, strerror(code));
	return rte_flow_error_set(error, code, type, cause, msg);
}

const struct flowemu_profile *
flowemu_profile_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(builtin); i++)
		if (strcmp(builtin[i]->name, name) == 0)
			return builtin[i];
	return NULL;
}

struct flowemu_port *
flowemu_port_get(uint16_t port_id)
{
	return port_id < RTE_MAX_ETHPORTS ? ports[port_id] : NULL;
}

bool
flowemu_attached(uint16_t port_id)
{
	return flowemu_port_get(port_id) != NULL;
}

/* -------------------------------------------------------------------------
 * The packet path
 */

static uint32_t
group_start(const struct flowemu_port *fp, uint32_t group)
{
	uint32_t i;

	for (i = 0; i < fp->n_rules && fp->rules[i]->group < group; i++)
		;
	return i;
}

/* The rx queue a packet goes to, or -1 when it is dropped (and freed). */
static int
classify(struct flowemu_port *fp, struct rte_mbuf *m, uint16_t queue)
{
	uint8_t buf[FLOWEMU_PEEK];
	struct flowemu_frame f;
	const uint8_t *d;
	uint32_t len = RTE_MIN(rte_pktmbuf_pkt_len(m), (uint32_t)FLOWEMU_PEEK);
	uint32_t group = 0, i, mark = 0, jumps = 0;
	bool have_mark = false, flag = false;
	int target = queue;

	d = rte_pktmbuf_read(m, 0, len, buf);
	flowemu_frame_parse(&fp->prof, d != NULL ? d : buf, d != NULL ? len : 0, &f);
	m->ol_flags &= ~(RTE_MBUF_F_RX_FDIR | RTE_MBUF_F_RX_FDIR_ID);

	i = group_start(fp, 0);
	while (i < fp->n_rules && fp->rules[i]->group == group) {
		struct flowemu_rule *r = fp->rules[i];

		if (!flowemu_pattern_match(&fp->prof, &r->pat, &f)) {
			i++;
			continue;
		}
		if (r->has_count) {
			__atomic_fetch_add(&r->hits, 1, __ATOMIC_RELAXED);
			__atomic_fetch_add(&r->bytes, rte_pktmbuf_pkt_len(m), __ATOMIC_RELAXED);
		}
		if (r->has_mark) {
			mark = r->mark;
			have_mark = true;
		}
		flag |= r->has_flag;
		if (r->fate == FATE_PASSTHRU) {
			i++;
			continue;
		}
		if (r->fate == FATE_JUMP && ++jumps <= FLOWEMU_MAX_JUMPS) {
			group = r->jump;
			i = group_start(fp, group);
			continue;
		}
		if (r->fate == FATE_DROP) {
			__atomic_fetch_add(&fp->st.dropped, 1, __ATOMIC_RELAXED);
			rte_pktmbuf_free(m);
			return -1;
		}
		if (r->fate == FATE_QUEUE)
			target = r->queue;
		else if (r->fate == FATE_RSS && !(queue < 64 && (r->rss_set >> queue) & 1))
			target = r->queue;
		break;
	}
	if (have_mark) {
		m->hash.fdir.hi = mark;
		m->ol_flags |= RTE_MBUF_F_RX_FDIR | RTE_MBUF_F_RX_FDIR_ID;
		__atomic_fetch_add(&fp->st.marked, 1, __ATOMIC_RELAXED);
	} else if (flag) {
		m->ol_flags |= RTE_MBUF_F_RX_FDIR;
		__atomic_fetch_add(&fp->st.flagged, 1, __ATOMIC_RELAXED);
	}
	return target;
}

static uint16_t
apply(struct flowemu_port *fp, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t i, kept = 0;

	if (n == 0)
		return 0;
	__atomic_fetch_add(&fp->st.rx, n, __ATOMIC_RELAXED);
	rte_rwlock_read_lock(&fp->lock);
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		int q = classify(fp, m, queue);

		if (q < 0)
			continue;
		if (q == queue || fp->steer == NULL) {
			pkts[kept++] = m;
			continue;
		}
		if (rte_ring_mp_enqueue(fp->steer[q], m) == 0) {
			__atomic_fetch_add(&fp->st.steered, 1, __ATOMIC_RELAXED);
		} else {
			__atomic_fetch_add(&fp->st.steer_full, 1, __ATOMIC_RELAXED);
			rte_pktmbuf_free(m);
		}
	}
	rte_rwlock_read_unlock(&fp->lock);
	return kept;
}

uint16_t
flowemu_apply(uint16_t port_id, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
	struct flowemu_port *fp = flowemu_port_get(port_id);

	if (fp == NULL || queue >= fp->nb_rxq)
		return n;
	return apply(fp, queue, pkts, n);
}

static uint16_t
rx_hook(uint16_t port_id __rte_unused, uint16_t queue, struct rte_mbuf *pkts[],
	uint16_t n, uint16_t max, void *arg)
{
	struct flowemu_port *fp = arg;

	n = apply(fp, queue, pkts, n);
	if (fp->steer != NULL && n < max)
		n = (uint16_t)(n + rte_ring_sc_dequeue_burst(fp->steer[queue],
			(void **)&pkts[n], max - n, NULL));
	return n;
}

/* -------------------------------------------------------------------------
 * Rules
 */

static int
attr_check(const struct flowemu_profile *p, const struct rte_flow_attr *attr,
	   struct rte_flow_error *error)
{
	if (attr == NULL)
		return flowemu_err(error, EINVAL, RTE_FLOW_ERROR_TYPE_ATTR, NULL,
			flowemu_msg("flowemu(%s): NULL attributes", p->name));
	if (attr->transfer)
		return flowemu_err(error, ENOTSUP, RTE_FLOW_ERROR_TYPE_ATTR_TRANSFER, attr,
			flowemu_msg("flowemu(%s): transfer is not supported", p->name));
	if (attr->egress)
		return flowemu_err(error, ENOTSUP, RTE_FLOW_ERROR_TYPE_ATTR_EGRESS, attr,
			flowemu_msg("flowemu(%s): egress is not supported", p->name));
	if (!attr->ingress)
		return flowemu_err(error, EINVAL, RTE_FLOW_ERROR_TYPE_ATTR_INGRESS, attr,
			flowemu_msg("flowemu(%s): ingress must be set", p->name));
	if (attr->group > p->max_group)
		return flowemu_err(error, ENOTSUP, RTE_FLOW_ERROR_TYPE_ATTR_GROUP, attr,
			p->max_group == 0 ?
			flowemu_msg("flowemu(%s): group %u: only group 0 is supported",
				p->name, attr->group) :
			flowemu_msg("flowemu(%s): group %u: groups 0-%u are supported",
				p->name, attr->group, p->max_group));
	if (attr->priority > p->max_priority)
		return flowemu_err(error, ENOTSUP, RTE_FLOW_ERROR_TYPE_ATTR_PRIORITY, attr,
			p->max_priority == 0 ?
			flowemu_msg("flowemu(%s): priority %u: only priority 0 is supported",
				p->name, attr->priority) :
			flowemu_msg("flowemu(%s): priority %u: priorities 0-%u are supported",
				p->name, attr->priority, p->max_priority));
	return 0;
}

static const char *
action_name(enum rte_flow_action_type t)
{
	const char *name = NULL;

	if (rte_flow_conv(RTE_FLOW_CONV_OP_ACTION_NAME_PTR, &name, sizeof(name),
			  (void *)(uintptr_t)t, NULL) < 0 || name == NULL)
		return "unknown";
	return name;
}

static int
actions_parse(const struct flowemu_port *fp, const struct rte_flow_attr *attr,
	      const struct rte_flow_action actions[], struct flowemu_rule *r,
	      struct rte_flow_error *error)
{
	const struct flowemu_profile *p = &fp->prof;
	const struct rte_flow_action *a;
	bool fate = false;

	if (actions == NULL)
		return flowemu_err(error, EINVAL, RTE_FLOW_ERROR_TYPE_ACTION_NUM, NULL,
			flowemu_msg("flowemu(%s): NULL actions", p->name));
	for (a = actions; a->type != RTE_FLOW_ACTION_TYPE_END; a++) {
		if (a->type == RTE_FLOW_ACTION_TYPE_VOID)
			continue;
		if ((unsigned int)a->type >= 64 || !(p->actions & FLOWEMU_ACT(a->type)))
			return flowemu_err(error, ENOTSUP, RTE_FLOW_ERROR_TYPE_ACTION, a,
				flowemu_msg("flowemu(%s): action %s is not supported",
					p->name, action_name(a->type)));
		switch (a->type) {
		case RTE_FLOW_ACTION_TYPE_PASSTHRU:
		case RTE_FLOW_ACTION_TYPE_DROP:
		case RTE_FLOW_ACTION_TYPE_QUEUE:
		case RTE_FLOW_ACTION_TYPE_RSS:
		case RTE_FLOW_ACTION_TYPE_JUMP:
			if (fate)
				return flowemu_err(error, EINVAL, RTE_FLOW_ERROR_TYPE_ACTION, a,
					flowemu_msg("flowemu(%s): %s: more than one fate action",
						p->name, action_name(a->type)));
			fate = true;
			break;
		default:
			break;
		}
		switch (a->type) {
		case RTE_FLOW_ACTION_TYPE_PASSTHRU:
			r->fate = FATE_PASSTHRU;
			break;
		case RTE_FLOW_ACTION_TYPE_DROP:
			r->fate = FATE_DROP;
			break;
		case RTE_FLOW_ACTION_TYPE_QUEUE: {
			const struct rte_flow_action_queue *q = a->conf;

			if (q == NULL || q->index >= fp->nb_rxq)
				return flowemu_err(error, EINVAL, RTE_FLOW_ERROR_TYPE_ACTION_CONF, a,
					flowemu_msg("flowemu(%s): QUEUE: queue index %u out of range (%u rx queues)",
						p->name, q != NULL ? q->index : 0, fp->nb_rxq));
			r->fate = FATE_QUEUE;
			r->queue = q->index;
			break;
		}
		case RTE_FLOW_ACTION_TYPE_RSS: {
			const struct rte_flow_action_rss *rss = a->conf;
			uint32_t k;

			if (rss == NULL || rss->queue_num == 0 || rss->queue == NULL)
				return flowemu_err(error, EINVAL, RTE_FLOW_ERROR_TYPE_ACTION_CONF, a,
					flowemu_msg("flowemu(%s): RSS: no queues", p->name));
			if (rss->level > 1)
				return flowemu_err(error, ENOTSUP, RTE_FLOW_ERROR_TYPE_ACTION_CONF, a,
					flowemu_msg("flowemu(%s): RSS: inner level %u is not supported",
						p->name, rss->level));
			for (k = 0; k < rss->queue_num; k++) {
				if (rss->queue[k] >= fp->nb_rxq || rss->queue[k] >= 64)
					return flowemu_err(error, EINVAL,
						RTE_FLOW_ERROR_TYPE_ACTION_CONF, a,
						flowemu_msg("flowemu(%s): RSS: queue index %u out of range (%u rx queues)",
							p->name, rss->queue[k], fp->nb_rxq));
				r->rss_set |= UINT64_C(1) << rss->queue[k];
			}
			r->fate = FATE_RSS;
			r->queue = rss->queue[0];
			break;
		}
		case RTE_FLOW_ACTION_TYPE_JUMP: {
			const struct rte_flow_action_jump *j = a->conf;

			if (j == NULL)
				return flowemu_err(error, EINVAL, RTE_FLOW_ERROR_TYPE_ACTION_CONF, a,
					flowemu_msg("flowemu(%s): JUMP without a group", p->name));
			if (j->group > p->max_group)
				return flowemu_err(error, ENOTSUP, RTE_FLOW_ERROR_TYPE_ACTION_CONF, a,
					flowemu_msg("flowemu(%s): JUMP to group %u: groups 0-%u are supported",
						p->name, j->group, p->max_group));
			if (j->group <= attr->group)
				return flowemu_err(error, ENOTSUP, RTE_FLOW_ERROR_TYPE_ACTION_CONF, a,
					flowemu_msg("flowemu(%s): JUMP from group %u to group %u: only to a higher group",
						p->name, attr->group, j->group));
			r->fate = FATE_JUMP;
			r->jump = j->group;
			break;
		}
		case RTE_FLOW_ACTION_TYPE_MARK: {
			const struct rte_flow_action_mark *mk = a->conf;

			if (r->has_mark || r->has_flag)
				return flowemu_err(error, EINVAL, RTE_FLOW_ERROR_TYPE_ACTION, a,
					flowemu_msg("flowemu(%s): MARK: only one MARK or FLAG per rule",
						p->name));
			if (mk == NULL || mk->id > p->max_mark)
				return flowemu_err(error, EINVAL, RTE_FLOW_ERROR_TYPE_ACTION_CONF, a,
					flowemu_msg("flowemu(%s): MARK: id %u out of range (0-%u)",
						p->name, mk != NULL ? mk->id : 0, p->max_mark));
			r->has_mark = true;
			r->mark = mk->id;
			break;
		}
		case RTE_FLOW_ACTION_TYPE_FLAG:
			if (r->has_mark || r->has_flag)
				return flowemu_err(error, EINVAL, RTE_FLOW_ERROR_TYPE_ACTION, a,
					flowemu_msg("flowemu(%s): FLAG: only one MARK or FLAG per rule",
						p->name));
			r->has_flag = true;
			break;
		case RTE_FLOW_ACTION_TYPE_COUNT: {
			const struct rte_flow_action_count *c = a->conf;

			if (r->has_count)
				return flowemu_err(error, ENOTSUP, RTE_FLOW_ERROR_TYPE_ACTION, a,
					flowemu_msg("flowemu(%s): COUNT: only one counter per rule",
						p->name));
			if (c != NULL && c->id != 0)
				return flowemu_err(error, ENOTSUP, RTE_FLOW_ERROR_TYPE_ACTION_CONF, a,
					flowemu_msg("flowemu(%s): COUNT: shared counter ids are not supported",
						p->name));
			r->has_count = true;
			break;
		}
		default:
			return flowemu_err(error, ENOTSUP, RTE_FLOW_ERROR_TYPE_ACTION, a,
				flowemu_msg("flowemu(%s): action %s is not supported",
					p->name, action_name(a->type)));
		}
	}
	if (!fate && !p->no_fate_ok)
		return flowemu_err(error, ENOTSUP, RTE_FLOW_ERROR_TYPE_ACTION, actions,
			flowemu_msg("flowemu(%s): no fate action (DROP, QUEUE, RSS, PASSTHRU%s)",
				p->name, p->max_group > 0 ? ", JUMP" : ""));
	return 0;
}

static int
rule_parse(const struct flowemu_port *fp, const struct rte_flow_attr *attr,
	   const struct rte_flow_item pattern[], const struct rte_flow_action actions[],
	   struct flowemu_rule *r, struct rte_flow_error *error)
{
	const struct flowemu_profile *p = &fp->prof;
	int ret;

	if (p->refuse_all != NULL)
		return flowemu_err(error, ENOTSUP, RTE_FLOW_ERROR_TYPE_UNSPECIFIED, NULL,
			p->refuse_all);
	ret = attr_check(p, attr, error);
	if (ret < 0)
		return ret;
	ret = flowemu_pattern_parse(p, pattern, &r->pat, error);
	if (ret < 0)
		return ret;
	r->group = attr->group;
	r->priority = attr->priority;
	return actions_parse(fp, attr, actions, r, error);
}

int
flowemu_port_validate(struct flowemu_port *fp, const struct rte_flow_attr *attr,
		      const struct rte_flow_item pattern[],
		      const struct rte_flow_action actions[], struct rte_flow_error *error)
{
	struct flowemu_rule r;

	memset(&r, 0, sizeof(r));
	return rule_parse(fp, attr, pattern, actions, &r, error);
}

/* Does a sort before b? */
static bool
rule_before(const struct flowemu_port *fp, const struct flowemu_rule *a,
	    const struct flowemu_rule *b)
{
	if (a->group != b->group)
		return a->group < b->group;
	if (a->priority != b->priority)
		return a->priority < b->priority;
	return fp->prof.tie == FLOWEMU_TIE_NEWEST ? a->seq > b->seq : a->seq < b->seq;
}

static bool
same_match(const struct flowemu_rule *a, const struct flowemu_rule *b)
{
	return a->group == b->group && a->priority == b->priority &&
		a->pat.n == b->pat.n &&
		memcmp(a->pat.item, b->pat.item, a->pat.n * sizeof(a->pat.item[0])) == 0;
}

struct rte_flow *
flowemu_port_create(struct flowemu_port *fp, const struct rte_flow_attr *attr,
		    const struct rte_flow_item pattern[],
		    const struct rte_flow_action actions[], struct rte_flow_error *error)
{
	struct flowemu_rule *r;
	uint32_t i, pos;

	if (fp->fail_nth > 0 && --fp->fail_nth == 0) {
		fp->st.create_failed++;
		fp->st.injected++;
		flowemu_err(error, fp->fail_err, RTE_FLOW_ERROR_TYPE_UNSPECIFIED, NULL,
			"flowemu: injected failure");
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		fp->st.create_failed++;
		flowemu_err(error, ENOMEM, RTE_FLOW_ERROR_TYPE_UNSPECIFIED, NULL,
			"flowemu: out of memory");
		return NULL;
	}
	if (rule_parse(fp, attr, pattern, actions, r, error) < 0)
		goto fail;
	if (fp->n_rules >= fp->prof.max_rules) {
		flowemu_err(error, ENOSPC, RTE_FLOW_ERROR_TYPE_UNSPECIFIED, NULL,
			flowemu_msg("flowemu(%s): flow table full (%u rules)",
				fp->prof.name, fp->prof.max_rules));
		goto fail;
	}
	if (fp->prof.refuse_duplicate) {
		for (i = 0; i < fp->n_rules; i++) {
			if (same_match(fp->rules[i], r)) {
				flowemu_err(error, EEXIST, RTE_FLOW_ERROR_TYPE_HANDLE, NULL,
					flowemu_msg("flowemu(%s): conflicts with an existing rule with the same pattern",
						fp->prof.name));
				goto fail;
			}
		}
	}
	r->magic = FLOWEMU_RULE_MAGIC;
	r->port_id = fp->port_id;
	r->seq = ++fp->seq;

	rte_rwlock_write_lock(&fp->lock);
	for (pos = 0; pos < fp->n_rules && rule_before(fp, fp->rules[pos], r); pos++)
		;
	memmove(&fp->rules[pos + 1], &fp->rules[pos],
		(fp->n_rules - pos) * sizeof(fp->rules[0]));
	fp->rules[pos] = r;
	fp->n_rules++;
	rte_rwlock_write_unlock(&fp->lock);
	fp->st.created++;
	FE_LOG(DEBUG, "port %u: rule %p created (group %u priority %u, %u rules)",
		fp->port_id, (void *)r, r->group, r->priority, fp->n_rules);
	return (struct rte_flow *)r;
fail:
	fp->st.create_failed++;
	free(r);
	return NULL;
}

static int
rule_index(const struct flowemu_port *fp, const struct rte_flow *flow)
{
	uint32_t i;

	for (i = 0; i < fp->n_rules; i++)
		if ((const void *)fp->rules[i] == (const void *)flow)
			return (int)i;
	return -1;
}

int
flowemu_port_destroy(struct flowemu_port *fp, struct rte_flow *flow,
		     struct rte_flow_error *error)
{
	struct flowemu_rule *r;
	int i = rule_index(fp, flow);

	if (i < 0)
		return flowemu_err(error, EINVAL, RTE_FLOW_ERROR_TYPE_HANDLE, flow,
			flowemu_msg("flowemu(%s): no such flow on port %u",
				fp->prof.name, fp->port_id));
	rte_rwlock_write_lock(&fp->lock);
	r = fp->rules[i];
	memmove(&fp->rules[i], &fp->rules[i + 1],
		(fp->n_rules - (uint32_t)i - 1) * sizeof(fp->rules[0]));
	fp->n_rules--;
	rte_rwlock_write_unlock(&fp->lock);
	r->magic = 0;
	free(r);
	fp->st.destroyed++;
	return 0;
}

int
flowemu_port_flush(struct flowemu_port *fp, struct rte_flow_error *error __rte_unused)
{
	uint32_t i, n;

	rte_rwlock_write_lock(&fp->lock);
	n = fp->n_rules;
	for (i = 0; i < n; i++) {
		fp->rules[i]->magic = 0;
		free(fp->rules[i]);
	}
	fp->n_rules = 0;
	rte_rwlock_write_unlock(&fp->lock);
	fp->st.destroyed += n;
	return 0;
}

int
flowemu_port_query(struct flowemu_port *fp, struct rte_flow *flow,
		   const struct rte_flow_action *action, void *data,
		   struct rte_flow_error *error)
{
	struct rte_flow_query_count *qc = data;
	struct flowemu_rule *r;
	int i = rule_index(fp, flow);

	if (i < 0)
		return flowemu_err(error, EINVAL, RTE_FLOW_ERROR_TYPE_HANDLE, flow,
			flowemu_msg("flowemu(%s): no such flow on port %u",
				fp->prof.name, fp->port_id));
	r = fp->rules[i];
	if (action == NULL || action->type != RTE_FLOW_ACTION_TYPE_COUNT)
		return flowemu_err(error, ENOTSUP, RTE_FLOW_ERROR_TYPE_ACTION, action,
			flowemu_msg("flowemu(%s): only COUNT can be queried", fp->prof.name));
	if (!r->has_count)
		return flowemu_err(error, EINVAL, RTE_FLOW_ERROR_TYPE_ACTION, action,
			flowemu_msg("flowemu(%s): the flow has no COUNT action", fp->prof.name));
	if (qc == NULL)
		return flowemu_err(error, EINVAL, RTE_FLOW_ERROR_TYPE_UNSPECIFIED, NULL,
			flowemu_msg("flowemu(%s): NULL query data", fp->prof.name));
	if (qc->reset) {
		qc->hits = __atomic_exchange_n(&r->hits, 0, __ATOMIC_RELAXED);
		qc->bytes = __atomic_exchange_n(&r->bytes, 0, __ATOMIC_RELAXED);
	} else {
		qc->hits = __atomic_load_n(&r->hits, __ATOMIC_RELAXED);
		qc->bytes = __atomic_load_n(&r->bytes, __ATOMIC_RELAXED);
	}
	qc->hits_set = 1;
	qc->bytes_set = 1;
	return 0;
}

int
flowemu_port_isolate(struct flowemu_port *fp, int set __rte_unused,
		     struct rte_flow_error *error)
{
	return flowemu_err(error, ENOTSUP, RTE_FLOW_ERROR_TYPE_UNSPECIFIED, NULL,
		flowemu_msg("flowemu(%s): isolated mode is not supported", fp->prof.name));
}

/* -------------------------------------------------------------------------
 * Ports
 */

static void
port_free(struct flowemu_port *fp)
{
	uint16_t q;

	if (fp->steer != NULL) {
		for (q = 0; q < fp->nb_rxq; q++) {
			struct rte_mbuf *m;

			if (fp->steer[q] == NULL)
				continue;
			while (rte_ring_sc_dequeue(fp->steer[q], (void **)&m) == 0)
				rte_pktmbuf_free(m);
			rte_ring_free(fp->steer[q]);
		}
	}
	free(fp->steer);
	free(fp->cb);
	free(fp->rules);
	free(fp);
}

int
flowemu_attach(uint16_t port_id, const struct flowemu_profile *p)
{
	struct rte_eth_dev_info info;
	struct flowemu_port *fp;
	uint16_t q;
	int ret;

	if (p == NULL)
		return -EINVAL;
	if (!rte_eth_dev_is_valid_port(port_id))
		return -ENODEV;
	if (ports[port_id] != NULL)
		return -EEXIST;
	ret = rte_eth_dev_info_get(port_id, &info);
	if (ret != 0)
		return ret;
	if (info.nb_rx_queues == 0)
		return -EINVAL;

	fp = calloc(1, sizeof(*fp));
	if (fp == NULL)
		return -ENOMEM;
	fp->port_id = port_id;
	fp->nb_rxq = info.nb_rx_queues;
	fp->prof = *p;
	snprintf(fp->name, sizeof(fp->name), "%s", p->name != NULL ? p->name : "custom");
	fp->prof.name = fp->name;
	rte_rwlock_init(&fp->lock);
	fp->cap = RTE_MAX(p->max_rules, 1u);
	fp->rules = calloc(fp->cap, sizeof(fp->rules[0]));
	fp->cb = calloc(fp->nb_rxq, sizeof(fp->cb[0]));
	if (fp->rules == NULL || fp->cb == NULL) {
		port_free(fp);
		return -ENOMEM;
	}
	if (fp->nb_rxq > 1) {
		fp->steer = calloc(fp->nb_rxq, sizeof(fp->steer[0]));
		if (fp->steer == NULL) {
			port_free(fp);
			return -ENOMEM;
		}
		for (q = 0; q < fp->nb_rxq; q++) {
			char name[RTE_RING_NAMESIZE];

			snprintf(name, sizeof(name), "flowemu_%u_%u", port_id, q);
			fp->steer[q] = rte_ring_create(name, FLOWEMU_STEER_RING,
				rte_eth_dev_socket_id(port_id) < 0 ? SOCKET_ID_ANY :
				rte_eth_dev_socket_id(port_id), RING_F_SC_DEQ);
			if (fp->steer[q] == NULL) {
				ret = -rte_errno;
				port_free(fp);
				return ret;
			}
		}
	}
	for (q = 0; q < fp->nb_rxq; q++) {
		fp->cb[q] = rte_eth_add_first_rx_callback(port_id, q, rx_hook, fp);
		if (fp->cb[q] == NULL) {
			ret = -rte_errno;
			while (q-- > 0) {
				rte_eth_remove_rx_callback(port_id, q, fp->cb[q]);
				rte_free((void *)(uintptr_t)fp->cb[q]);
			}
			port_free(fp);
			return ret != 0 ? ret : -ENOTSUP;
		}
	}
	ports[port_id] = fp;
	FE_LOG(INFO, "port %u attached as %s (%u rules, groups 0-%u, priorities 0-%u, %u rx queue(s))",
		port_id, fp->name, p->max_rules, p->max_group, p->max_priority, fp->nb_rxq);
	return 0;
}

int
flowemu_detach(uint16_t port_id)
{
	struct flowemu_port *fp = flowemu_port_get(port_id);
	uint16_t q;

	if (fp == NULL)
		return -ENOENT;
	for (q = 0; q < fp->nb_rxq; q++) {
		if (rte_eth_remove_rx_callback(port_id, q, fp->cb[q]) == 0)
			rte_free((void *)(uintptr_t)fp->cb[q]);
	}
	ports[port_id] = NULL;
	FE_LOG(INFO, "port %u detached: rx %" PRIu64 ", dropped %" PRIu64 ", marked %" PRIu64
		", flagged %" PRIu64 ", steered %" PRIu64 ", rules created %" PRIu64
		", refused %" PRIu64 " (injected %" PRIu64 "), %u left",
		port_id, fp->st.rx, fp->st.dropped, fp->st.marked, fp->st.flagged, fp->st.steered,
		fp->st.created, fp->st.create_failed, fp->st.injected, fp->n_rules);
	flowemu_port_flush(fp, NULL);
	port_free(fp);
	return 0;
}

int
flowemu_fail_create(uint16_t port_id, unsigned int nth, int err)
{
	struct flowemu_port *fp = flowemu_port_get(port_id);

	if (fp == NULL)
		return -ENOENT;
	if (nth > 0 && err <= 0)
		return -EINVAL;
	fp->fail_nth = nth;
	fp->fail_err = err;
	return 0;
}

int
flowemu_stats_get(uint16_t port_id, struct flowemu_stats *st)
{
	struct flowemu_port *fp = flowemu_port_get(port_id);

	if (fp == NULL)
		return -ENOENT;
	st->rx = __atomic_load_n(&fp->st.rx, __ATOMIC_RELAXED);
	st->dropped = __atomic_load_n(&fp->st.dropped, __ATOMIC_RELAXED);
	st->marked = __atomic_load_n(&fp->st.marked, __ATOMIC_RELAXED);
	st->flagged = __atomic_load_n(&fp->st.flagged, __ATOMIC_RELAXED);
	st->steered = __atomic_load_n(&fp->st.steered, __ATOMIC_RELAXED);
	st->steer_full = __atomic_load_n(&fp->st.steer_full, __ATOMIC_RELAXED);
	st->created = fp->st.created;
	st->destroyed = fp->st.destroyed;
	st->create_failed = fp->st.create_failed;
	st->injected = fp->st.injected;
	st->rules = fp->n_rules;
	st->negotiated = meta[port_id].negotiated;
	st->rx_metadata = meta[port_id].features;
	return 0;
}

/* -------------------------------------------------------------------------
 * NFTFWD_FLOWEMU
 */

struct env_entry {
	char dev[RTE_ETH_NAME_MAX_LEN];
	const struct flowemu_profile *prof;
	unsigned int fail_nth;
};

/*
 * The entry of NFTFWD_FLOWEMU for a port: 1 found, 0 none, -EINVAL bad
 * variable (logged).  A device name or port id wins over '*'.
 */
static int
env_lookup(uint16_t port_id, struct env_entry *out)
{
	const char *env = getenv("NFTFWD_FLOWEMU");
	char name[RTE_ETH_NAME_MAX_LEN], idstr[8], *copy, *save = NULL, *tok;
	int found = 0;

	if (env == NULL || env[0] == '\0')
		return 0;
	if (rte_eth_dev_get_name_by_port(port_id, name) != 0)
		name[0] = '\0';
	snprintf(idstr, sizeof(idstr), "%u", port_id);
	copy = strdup(env);
	if (copy == NULL)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '='), *opt;
		struct env_entry e = { 0 };

		if (eq == NULL || eq == tok)
			goto bad;
		*eq = '\0';
		opt = strchr(eq + 1, ':');
		if (opt != NULL) {
			char *end;

			*opt++ = '\0';
			if (strncmp(opt, "fail_create=", 12) != 0)
				goto bad;
			e.fail_nth = (unsigned int)strtoul(opt + 12, &end, 10);
			if (*end != '\0' || end == opt + 12)
				goto bad;
		}
		e.prof = flowemu_profile_find(eq + 1);
		if (e.prof == NULL)
			goto bad;
		snprintf(e.dev, sizeof(e.dev), "%s", tok);
		if (strcmp(tok, name) == 0 || strcmp(tok, idstr) == 0) {
			*out = e;
			found = 2;
		} else if (strcmp(tok, "*") == 0 && found < 2) {
			*out = e;
			found = 1;
		}
	}
	free(copy);
	return found > 0;
bad:
	free(copy);
	FE_LOG(ERR, "NFTFWD_FLOWEMU=\"%s\": expected DEV=PROFILE[:fail_create=N],... with PROFILE one of rich, nopriority, smalltable, none",
		env);
	return -EINVAL;
}

int
flowemu_port_started(uint16_t port_id)
{
	struct env_entry e;
	int ret;

	if (flowemu_attached(port_id))
		return 0;
	ret = env_lookup(port_id, &e);
	if (ret <= 0)
		return ret;
	ret = flowemu_attach(port_id, e.prof);
	if (ret < 0) {
		FE_LOG(ERR, "port %u: cannot attach as %s: %s", port_id, e.prof->name,
			strerror(-ret));
		return ret;
	}
	if (e.fail_nth > 0)
		flowemu_fail_create(port_id, e.fail_nth, EIO);
	return 1;
}

void
flowemu_port_closing(uint16_t port_id)
{
	if (flowemu_attached(port_id))
		flowemu_detach(port_id);
}

int
flowemu_attach_from_env(void)
{
	uint16_t pid;
	int ret, n = 0;

	RTE_ETH_FOREACH_DEV(pid) {
		ret = flowemu_port_started(pid);
		if (ret < 0)
			return ret;
		n += ret;
	}
	return n;
}

int
flowemu_port_metadata(uint16_t port_id, uint64_t *features)
{
	struct flowemu_port *fp = flowemu_port_get(port_id);
	const struct flowemu_profile *p = fp != NULL ? &fp->prof : NULL;
	struct env_entry e;
	uint64_t have = 0;

	if (p == NULL) {
		if (env_lookup(port_id, &e) <= 0)
			return 1;	/* not ours: the real function answers */
		p = e.prof;
	}
	if (features == NULL)
		return -EINVAL;
	if (p->actions & FLOWEMU_ACT(RTE_FLOW_ACTION_TYPE_MARK))
		have |= RTE_ETH_RX_METADATA_USER_MARK;
	if (p->actions & FLOWEMU_ACT(RTE_FLOW_ACTION_TYPE_FLAG))
		have |= RTE_ETH_RX_METADATA_USER_FLAG;
	*features &= have;
	meta[port_id].negotiated = true;
	meta[port_id].features = *features;
	return 0;
}
