/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The installer: context and ports, capability probes, make-before-break
 * install with per-port rollback, removal, hardware counters.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>

#include "rte_flow/ofl_int.h"

RTE_LOG_REGISTER_SUFFIX(ofl_logtype, offload, INFO);

static const struct ofl_flow_ops ofl_rte_ops = {
	.validate = rte_flow_validate,
	.create = rte_flow_create,
	.destroy = rte_flow_destroy,
	.query = rte_flow_query,
};

int
ofl_mode_parse(const char *s, enum ofl_mode *out)
{
	if (strcmp(s, "off") == 0)
		*out = OFL_MODE_OFF;
	else if (strcmp(s, "auto") == 0)
		*out = OFL_MODE_AUTO;
	else if (strcmp(s, "require") == 0)
		*out = OFL_MODE_REQUIRE;
	else
		return -EINVAL;
	return 0;
}

const char *
ofl_mode_name(enum ofl_mode m)
{
	switch (m) {
	case OFL_MODE_OFF: return "off";
	case OFL_MODE_AUTO: return "auto";
	case OFL_MODE_REQUIRE: return "require";
	}
	return "?";
}

int
ofl_ctx_create(const struct ofl_opts *o, const struct ofl_port_cfg *ports,
	       unsigned int n_ports, struct ofl_ctx **out)
{
	struct ofl_ctx *c = calloc(1, sizeof(*c));

	*out = NULL;
	if (c == NULL)
		return -ENOMEM;
	c->opts = *o;
	c->ops = o->ops != NULL ? *o->ops : ofl_rte_ops;
	if (c->ops.validate == NULL)
		c->ops.validate = rte_flow_validate;
	if (c->ops.create == NULL)
		c->ops.create = rte_flow_create;
	if (c->ops.destroy == NULL)
		c->ops.destroy = rte_flow_destroy;
	if (c->ops.query == NULL)
		c->ops.query = rte_flow_query;
	ofl_mark_alloc_init(&c->marks);
	c->n_ports = n_ports;
	c->ports = calloc(n_ports ? n_ports : 1, sizeof(*c->ports));
	if (c->ports == NULL) {
		free(c);
		return -ENOMEM;
	}
	if (n_ports > 0)	/* ports may be NULL then */
		memcpy(c->ports, ports, n_ports * sizeof(*ports));
	for (unsigned int i = 0; i < n_ports; i++) {
		if (c->ports[i].caps.n_prio == 0)
			c->ports[i].caps.n_prio = 1;
		if (c->ports[i].n_rxq == 0)
			c->ports[i].n_rxq = 1;
	}
	*out = c;
	return 0;
}

void
ofl_ctx_free(struct ofl_ctx *c)
{
	if (c == NULL)
		return;
	free(c->ports);
	free(c);
}

const struct ofl_caps *
ofl_port_caps(const struct ofl_ctx *c, unsigned int i)
{
	return i < c->n_ports ? &c->ports[i].caps : NULL;
}

int
ofl_negotiate(uint16_t port_id)
{
	uint64_t f = RTE_ETH_RX_METADATA_USER_MARK | RTE_ETH_RX_METADATA_USER_FLAG;
	int ret = rte_eth_rx_metadata_negotiate(port_id, &f);

	if (ret == -ENOTSUP)
		return 1;	/* the PMD has no negotiation: it delivers */
	if (ret < 0)
		return ret;
	return (f & RTE_ETH_RX_METADATA_USER_MARK) ? 1 : 0;
}

void
ofl_flow_errmsg(const struct rte_flow_error *err, int ret, char *buf, size_t len)
{
	int e = ret < 0 ? -ret : rte_errno;

	snprintf(buf, len, "%s (%s)",
		 err->message != NULL ? err->message : "no message",
		 rte_strerror(e));
}

void
ofl_log_refused(struct ofl_ctx *c, const struct ofl_port_plan *pp,
		const struct rte_flow_attr *attr, const struct ofl_pattern *pat,
		const struct ofl_actions *act, const char *what, const char *msg)
{
	uint32_t per_sec = c->opts.log_per_sec ? c->opts.log_per_sec : 10;
	uint64_t now = rte_get_tsc_cycles(), hz = rte_get_tsc_hz();
	char line[1024];

	if (!rte_log_can_log(ofl_logtype, RTE_LOG_DEBUG))
		return;
	if (hz == 0)
		hz = 1;
	if (now - c->log_window >= hz) {
		if (c->log_suppressed > 0)
			OFL_LOG(DEBUG, "%" PRIu64 " refused rule(s) not logged",
				c->log_suppressed);
		c->log_window = now;
		c->log_lines = 0;
		c->log_suppressed = 0;
	}
	if (c->log_lines >= per_sec) {
		c->log_suppressed++;
		return;
	}
	c->log_lines++;
	ofl_testpmd(line, sizeof(line), pp->cfg.port_id, attr, pat->items, act->a);
	OFL_LOG(DEBUG, "port %s: %s refused: %s: %s", pp->cfg.name, what, msg, line);
}

int
ofl_entry_flow(const struct ofl_port_plan *pp, const struct ofl_entry *e,
	       struct rte_flow_attr *attr, struct ofl_pattern *pat,
	       struct ofl_actions *act, char *why, size_t why_len)
{
	struct ofl_act_cfg ac;
	int ret;

	memset(attr, 0, sizeof(*attr));
	attr->group = 0;
	attr->priority = e->prio;
	attr->ingress = 1;
	ret = ofl_pattern_build(&e->key, pat, why, why_len);
	if (ret < 0)
		return ret;
	if (pp->cfg.caps.no_has_vlan && e->key.tag != OFL_TAG_ANY) {
		/* untagged: ETH type is masked to a non-TPID; tagged: the VLAN
		 * item follows */
		pat->eth[0].has_vlan = 0;
		pat->eth[1].has_vlan = 0;
	}
	memset(&ac, 0, sizeof(ac));
	ac.fate = e->fate;
	ac.count = e->count;
	ac.mark = e->mark != 0;
	ac.mark_id = e->mark;
	ac.n_queues = pp->cfg.caps.rss ? pp->cfg.n_rxq : 1;
	ofl_actions_build(&ac, act);
	return 0;
}

/* ---- probes -------------------------------------------------------------------- */

static int
probe_one(struct ofl_ctx *c, struct ofl_port_plan *pp, const struct ofl_key *k,
	  uint32_t prio, const struct ofl_act_cfg *ac)
{
	struct ofl_entry e;
	struct rte_flow_attr attr;
	struct ofl_pattern pat;
	struct ofl_actions act;
	struct rte_flow_error err;
	char why[OFL_WHY_LEN];

	memset(&e, 0, sizeof(e));
	e.key = *k;
	e.prio = prio;
	if (ofl_entry_flow(pp, &e, &attr, &pat, &act, why, sizeof(why)) < 0)
		return -EINVAL;
	ofl_actions_build(ac, &act);
	memset(&err, 0, sizeof(err));
	return c->ops.validate(pp->cfg.port_id, &attr, pat.items, act.a, &err);
}

int
ofl_port_probe(struct ofl_ctx *c, unsigned int i, int marks_delivered)
{
	struct ofl_port_plan pp;
	struct ofl_act_cfg ac;
	struct ofl_caps *caps;
	struct ofl_key k;
	uint32_t lo, hi;

	if (i >= c->n_ports)
		return -EINVAL;
	caps = &c->ports[i].caps;
	memset(&pp, 0, sizeof(pp));
	pp.cfg = c->ports[i];
	pp.cfg.caps.rss = false;
	pp.cfg.caps.no_has_vlan = false;
	/* eth type ipv4, untagged */
	memset(&k, 0, sizeof(k));
	k.tag = OFL_TAG_NONE;
	k.v[OFL_K_LL + 12] = k.v[OFL_K_PROTO] = 0x08;
	k.m[OFL_K_LL + 12] = k.m[OFL_K_LL + 13] = 0xff;
	k.m[OFL_K_PROTO] = k.m[OFL_K_PROTO + 1] = 0xff;
	memset(&ac, 0, sizeof(ac));
	ac.fate = OFL_FATE_DROP;
	caps->no_has_vlan = false;
	if (probe_one(c, &pp, &k, 0, &ac) != 0) {
		pp.cfg.caps.no_has_vlan = true;
		caps->no_has_vlan = probe_one(c, &pp, &k, 0, &ac) == 0;
	}
	if (probe_one(c, &pp, &k, 0, &ac) != 0) {
		/* nothing validates: no offload on this port */
		memset(caps, 0, sizeof(*caps));
		caps->n_prio = 1;
		return 0;
	}
	/* priority levels: the highest priority value accepted + 1 */
	lo = 0;
	hi = 1u << 16;
	while (lo + 1 < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (probe_one(c, &pp, &k, mid, &ac) == 0)
			lo = mid;
		else
			hi = mid;
	}
	caps->n_prio = lo + 1;
	ac.count = true;
	caps->count = probe_one(c, &pp, &k, 0, &ac) == 0;
	ac.count = false;
	ac.fate = OFL_FATE_SOFT;
	ac.mark = true;
	ac.mark_id = 1;
	ac.n_queues = 1;
	caps->mark = marks_delivered > 0 && probe_one(c, &pp, &k, 0, &ac) == 0;
	ac.mark = false;
	ac.n_queues = c->ports[i].n_rxq;
	caps->rss = ac.n_queues > 1 && probe_one(c, &pp, &k, 0, &ac) == 0;
	/* tcp dport 1000-2000 with `last` */
	ac.fate = OFL_FATE_DROP;
	k.v[OFL_K_NH + 9] = k.v[OFL_K_L4P] = 6;
	k.m[OFL_K_NH + 9] = k.m[OFL_K_L4P] = 0xff;
	k.m[OFL_K_NH + 6] = 0x3f;
	k.m[OFL_K_NH + 7] = 0xff;
	k.range = OFL_RANGE_DPORT;
	k.rlo = 1000;
	k.rhi = 2000;
	caps->last = probe_one(c, &pp, &k, 0, &ac) == 0;
	if (caps->budget == 0)
		caps->budget = c->opts.budget ? c->opts.budget : OFL_DEFAULT_BUDGET;
	OFL_LOG(INFO, "port %s: %u priority level(s), mark %s, count %s, rss %s, ranges %s, has_vlan %s, budget %u",
		c->ports[i].name, caps->n_prio, caps->mark ? "yes" : "no",
		caps->count ? "yes" : "no", caps->rss ? "yes" : "no",
		caps->last ? "yes" : "no", caps->no_has_vlan ? "no" : "yes",
		caps->budget);
	return 0;
}

/* ---- install / remove ------------------------------------------------------------ */

static void
port_destroy(struct ofl_ctx *c, struct ofl_port_plan *pp, bool read_counts)
{
	for (uint32_t i = pp->nentries; i-- > 0;) {
		struct ofl_entry *e = &pp->entries[i];
		struct rte_flow_error err;

		if (e->flow == NULL)
			continue;
		if (read_counts && e->count) {
			struct rte_flow_action qa[2] = {
				{ .type = RTE_FLOW_ACTION_TYPE_COUNT },
				{ .type = RTE_FLOW_ACTION_TYPE_END },
			};
			struct rte_flow_query_count q = { .reset = 1 };

			memset(&err, 0, sizeof(err));
			if (c->ops.query(pp->cfg.port_id, e->flow, qa, &q, &err) == 0) {
				e->pkts += q.hits_set ? q.hits : 0;
				e->bytes += q.bytes_set ? q.bytes : 0;
			}
		}
		memset(&err, 0, sizeof(err));
		if (c->ops.destroy(pp->cfg.port_id, e->flow, &err) != 0) {
			char msg[OFL_WHY_LEN];

			ofl_flow_errmsg(&err, -rte_errno, msg, sizeof(msg));
			OFL_LOG(ERR, "port %s: destroy failed: %s", pp->cfg.name, msg);
		}
		e->flow = NULL;
	}
	pp->installed = false;
}

static struct ofl_port_plan *
old_port(struct ofl_plan *old, const struct ofl_port_plan *pp)
{
	if (old == NULL)
		return NULL;
	for (unsigned int p = 0; p < old->n_ports; p++)
		if (old->ports[p].cfg.port_id == pp->cfg.port_id)
			return &old->ports[p];
	return NULL;
}

/* create every entry of pp; on failure destroy what was created */
static int
port_install(struct ofl_ctx *c, struct ofl_port_plan *pp)
{
	for (uint32_t i = 0; i < pp->nentries; i++) {
		struct ofl_entry *e = &pp->entries[i];
		struct rte_flow_attr attr;
		struct ofl_pattern pat;
		struct ofl_actions act;
		struct rte_flow_error err;
		char why[OFL_WHY_LEN];
		int ret;

		ret = ofl_entry_flow(pp, e, &attr, &pat, &act, why, sizeof(why));
		if (ret < 0) {
			snprintf(pp->note, sizeof(pp->note), "entry %u: %s", i, why);
			port_destroy(c, pp, false);
			return ret;
		}
		memset(&err, 0, sizeof(err));
		rte_errno = 0;
		e->flow = c->ops.create(pp->cfg.port_id, &attr, pat.items, act.a, &err);
		if (e->flow == NULL) {
			char msg[OFL_WHY_LEN];
			int e_no = rte_errno ? rte_errno : EINVAL;

			ofl_flow_errmsg(&err, -e_no, msg, sizeof(msg));
			snprintf(pp->note, sizeof(pp->note),
				 "create of hardware rule %u/%u failed: %s; rolled back, the port runs in software",
				 i + 1, pp->nentries, msg);
			ofl_log_refused(c, pp, &attr, &pat, &act, "create", msg);
			port_destroy(c, pp, false);
			return -e_no;
		}
	}
	pp->installed = true;
	return 0;
}

int
ofl_plan_install(struct ofl_ctx *c, struct ofl_plan *plan, struct ofl_plan *old)
{
	int first = 0;

	for (unsigned int p = 0; p < plan->n_ports; p++) {
		struct ofl_port_plan *pp = &plan->ports[p];
		struct ofl_port_plan *op = old_port(old, pp);
		int ret;

		pp->install_err = 0;
		if (pp->nentries == 0)
			continue;
		ret = port_install(c, pp);
		if ((ret == -ENOSPC || ret == -ENOMEM) && op != NULL && op->installed) {
			/* the table cannot hold both: break before make (the
			 * software path covers everything meanwhile) */
			OFL_LOG(INFO, "port %s: no room for both plans: old rules removed first",
				pp->cfg.name);
			port_destroy(c, op, true);
			ret = port_install(c, pp);
			if (ret == 0)
				snprintf(pp->note, sizeof(pp->note),
					 "installed after removing the previous plan first (table full)");
		}
		if (ret < 0) {
			pp->install_err = ret;
			OFL_LOG(ERR, "port %s: %s", pp->cfg.name, pp->note);
			if (first == 0)
				first = ret;
		}
	}
	return first;
}

void
ofl_plan_remove(struct ofl_ctx *c, struct ofl_plan *plan)
{
	if (plan == NULL)
		return;
	for (unsigned int p = 0; p < plan->n_ports; p++)
		port_destroy(c, &plan->ports[p], true);
}

/* ---- counters -------------------------------------------------------------------- */

int
ofl_plan_counters(struct ofl_ctx *c, struct ofl_plan *plan, ofl_count_fn fn,
		  void *arg)
{
	int calls = 0;

	if (plan == NULL)
		return 0;
	for (unsigned int p = 0; p < plan->n_ports; p++) {
		struct ofl_port_plan *pp = &plan->ports[p];

		for (uint32_t r = 0; r < pp->nrules; r++) {
			struct ofl_rule_plan *rp = &pp->rules[r];
			uint64_t pkts = 0, bytes = 0;

			/* a rule's entries need not be adjacent (copies) */
			for (uint32_t i = rp->first; rp->n > 0 && i < pp->nentries; i++) {
				struct ofl_entry *e = &pp->entries[i];
				uint64_t hdr;

				if (e->rule != r || !e->count)
					continue;
				if (e->flow != NULL) {
					struct rte_flow_action qa[2] = {
						{ .type = RTE_FLOW_ACTION_TYPE_COUNT },
						{ .type = RTE_FLOW_ACTION_TYPE_END },
					};
					struct rte_flow_query_count q = { .reset = 1 };
					struct rte_flow_error err;

					memset(&err, 0, sizeof(err));
					if (c->ops.query(pp->cfg.port_id, e->flow, qa, &q,
							 &err) == 0) {
						e->pkts += q.hits_set ? q.hits : 0;
						e->bytes += q.bytes_set ? q.bytes : 0;
					}
				}
				/* the kernel counts from the network header */
				hdr = e->key.tag == OFL_TAG_ONE ? 18 : 14;
				pkts += e->pkts;
				bytes += e->bytes > e->pkts * hdr ? e->bytes - e->pkts * hdr : 0;
				e->pkts = e->bytes = 0;
			}
			if (pkts == 0)
				continue;
			rp->hw_pkts += pkts;
			if (rp->count && fn != NULL) {
				fn(arg, pp->cfg.port_idx, &rp->ref, pkts, bytes);
				calls++;
			}
		}
	}
	return calls;
}
