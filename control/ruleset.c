/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ruleset life cycle: nft reader -> IR -> fp_ruleset -> RCU publication.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_log.h>

#include "control/ir/ir.h"
#include "control/ir/ir_json.h"
#include "control/ir/ir_print.h"
#include "control/nft/nftr.h"
#include "control/offload.h"
#include "control/ruleset.h"
#include "fastpath/cls.h"
#include "fastpath/fp_ruleset.h"
#include "fastpath/fwd.h"

RTE_LOG_REGISTER_SUFFIX(ruleset_logtype, ruleset, INFO);
#define RS_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, ruleset_logtype, "ruleset: " fmt "\n", ##__VA_ARGS__)

static struct {
	const struct cfg *cfg;
	struct ir_ruleset *ir;		/* the IR the published ruleset uses */
	struct fp_ruleset *fp;		/* published */
	struct ofl_plan *plan;		/* its hardware rules, NULL: none */
	struct nftr_mirror *mirror;
	unsigned int generation;	/* loads published */
} rs;

static const char *
ruleset_source(const struct cfg *c)
{
	return c->ruleset_path != NULL ? c->ruleset_path : c->mirror_table;
}

/* nft's own words first, verbatim; then ours, on one line. */
static void
ruleset_report(const struct cfg *c, int ret, const struct nftr_diag *d)
{
	if (d->nft_stderr != NULL && d->nft_stderr[0] != '\0') {
		fputs(d->nft_stderr, stderr);
		if (d->nft_stderr[strlen(d->nft_stderr) - 1] != '\n')
			fputc('\n', stderr);
	}
	fprintf(stderr, "dpdk-nft-fwd: %s %s: %s\n",
		c->ruleset_path != NULL ? "ruleset" : "mirror of table",
		ruleset_source(c), d->msg != NULL ? d->msg : strerror(-ret));
	if (ret == -ENODEV && c->n_ports == 0)
		fprintf(stderr, "dpdk-nft-fwd: (name the ports with --port NAME=DEVICE)\n");
}

static void
ruleset_summary(FILE *f, const struct ir_ruleset *ir, const char *what)
{
	unsigned int t, ch, chains = 0, base = 0, rules = 0, sets = 0;

	for (t = 0; t < ir->ntables; t++) {
		const struct ir_table *tb = &ir->tables[t];

		sets += tb->nsets;
		for (ch = 0; ch < tb->nchains; ch++) {
			chains++;
			base += ir_chain_is_base(&tb->chains[ch]);
			rules += tb->chains[ch].nrules;
		}
	}
	fprintf(f, "%s: %u table(s), %u chain(s) (%u base), %u rule(s), %u set(s)\n",
		what, ir->ntables, chains, base, rules, sets);
}

/* --dump-ir: the IR as JSON; 0, or -errno with the error printed. */
static int
ruleset_dump_ir(const struct cfg *c, const struct ir_ruleset *ir)
{
	int ret;

	if (c->dump_ir_path == NULL)
		return 0;
	ret = ir_json_write(ir, c->dump_ir_path, 0);
	if (ret < 0)
		fprintf(stderr, "dpdk-nft-fwd: --dump-ir %s: %s\n", c->dump_ir_path,
			strerror(-ret));
	return ret;
}

/* Port names of the configuration (for --check) or of fwd_ctx. */
static unsigned int
ruleset_port_names(const struct cfg *c, const char **names)
{
	unsigned int i;

	if (c->check) {
		for (i = 0; i < c->n_ports; i++)
			names[i] = c->ports[i].name;
		return c->n_ports;
	}
	for (i = 0; i < fwd_ctx.n_ports; i++)
		names[i] = fwd_ctx.port[i].name;
	return fwd_ctx.n_ports;
}

/* Read the IR: the file in a private namespace, or the host table. */
static int
ruleset_read(const struct cfg *c, const char *const *names, unsigned int n,
	     struct ir_ruleset **out)
{
	struct nftr_diag d;
	int ret;

	nftr_diag_init(&d);
	if (c->ruleset_path != NULL)
		ret = nftr_load_file(c->ruleset_path, names, n, out, &d);
	else
		ret = nftr_mirror_open(c->mirror_table, &rs.mirror, out, &d);
	if (ret < 0)
		ruleset_report(c, ret, &d);
	nftr_diag_free(&d);
	return ret;
}

int
ruleset_check(const struct cfg *c)
{
	const char *names[CFG_MAX_PORTS];
	struct ir_ruleset *ir = NULL;
	unsigned int n = ruleset_port_names(c, names);

	if (ruleset_read(c, names, n, &ir) < 0)
		return 2;
	ruleset_summary(stdout, ir, ruleset_source(c));
	ir_print(stdout, ir, IR_PRINT_HANDLES);
	if (c->offload_plan &&
	    offload_check(c, ir, names, n) < 0) {
		ir_ruleset_free(ir);
		return 2;
	}
	if (ruleset_dump_ir(c, ir) < 0) {
		ir_ruleset_free(ir);
		return 2;
	}
	ir_ruleset_free(ir);
	nftr_mirror_close(rs.mirror);
	rs.mirror = NULL;
	return 0;
}

/*
 * The compiled classifier next to the interpreter (fastpath/cls.h): the
 * same verdicts, found without a rule-by-rule walk. Without it (build
 * failure, or NFTFWD_CLS=off in the environment for comparisons) every
 * packet runs the interpreter; NFTFWD_CLS=nocache leaves out its result
 * cache (benchmarks of the trie walk itself).
 */
static void
ruleset_compile_cls(struct fp_ruleset *fp)
{
	struct cls_opts co;
	struct cls_stats st;
	struct cls *c = NULL;
	const char *env = getenv("NFTFWD_CLS");
	char err[256] = "";
	int ret;

	if (env != NULL && strcmp(env, "off") == 0) {
		RS_LOG(INFO, "classifier: off (NFTFWD_CLS=off): the interpreter runs every packet");
		return;
	}
	memset(&co, 0, sizeof(co));
	co.simd_512 = true;
	co.no_cache = env != NULL && strcmp(env, "nocache") == 0;
	co.err = err;
	co.err_len = sizeof(err);
	ret = cls_build(fp, &co, &c);
	if (ret < 0) {
		RS_LOG(WARNING, "classifier not built (%s): the interpreter runs every packet",
			err[0] != '\0' ? err : strerror(-ret));
		return;
	}
	cls_get_stats(c, &st);
	RS_LOG(INFO, "classifier: %u program(s), %u entries, %u ACL rules in %u context(s), "
		"%u handed to the interpreter, %u checked at run time, %s, built in %.1f ms, "
		"result cache %" PRIu64 " KiB",
		st.n_progs, st.n_entries, st.n_acl_rules, st.n_contexts, st.n_handoff,
		st.n_checked, cls_alg_name(st.alg), st.build_ns / 1e6,
		st.cache_bytes >> 10);
	fp->cls = c;
	fp->cls_free = cls_free_opaque;
}

static int
ruleset_compile(const struct ir_ruleset *ir, struct fp_ruleset **out)
{
	const char *names[FWD_MAX_PORTS];
	uint16_t peers[FWD_MAX_PORTS];
	struct fp_ruleset_opts o;
	char err[512] = "";
	unsigned int i;
	int ret;

	for (i = 0; i < fwd_ctx.n_ports; i++) {
		names[i] = fwd_ctx.port[i].name;
		peers[i] = fwd_ctx.port[i].peer;
	}
	memset(&o, 0, sizeof(o));
	o.port_names = names;
	o.n_ports = fwd_ctx.n_ports;
	o.peers = peers;
	o.n_lcores = fwd_ctx.n_workers;
	o.err = err;
	o.err_len = sizeof(err);
	ret = fp_ruleset_build(ir, &o, out);
	if (ret < 0) {
		fprintf(stderr, "dpdk-nft-fwd: %s %s: %s\n",
			rs.cfg->ruleset_path != NULL ? "ruleset" : "mirror of table",
			ruleset_source(rs.cfg), err[0] != '\0' ? err : strerror(-ret));
		return ret;
	}
	ruleset_compile_cls(*out);
	return ret;
}

/*
 * Make `ir` the active ruleset: compile, publish, wait out the readers of
 * the old one, carry its counters over, free it.  On failure nothing
 * changes and ir is freed.  `cause` ends the generation's log line (what
 * made it: start, SIGHUP, a mirrored change).
 */
static int
ruleset_install(struct ir_ruleset *ir, const char *cause)
{
	struct fp_ruleset *fp, *old;
	struct ofl_plan *plan;
	uint64_t t0 = rte_rdtsc();
	unsigned int carried = 0;
	struct timespec now;
	int ret;

	ret = ruleset_compile(ir, &fp);
	if (ret < 0) {
		ir_ruleset_free(ir);
		return ret;
	}
	/* Make before break: the new hardware rules go in next to the old. */
	ret = offload_plan(ir, fp, rs.plan, &plan);
	if (ret < 0) {
		fp_ruleset_free(fp);
		ir_ruleset_free(ir);
		return ret;
	}
	old = fwd_ruleset_swap(fp);
	/* No worker uses `old` any more: its counts are final once its
	 * hardware rules are gone and their counts folded in. */
	offload_retire(rs.plan, old);
	if (old != NULL) {
		carried = fp_ruleset_carry_state(fp, old);
		fp_ruleset_free(old);
	}
	ir_ruleset_free(rs.ir);
	rs.ir = ir;
	rs.fp = fp;
	rs.plan = plan;
	rs.generation++;
	offload_generation(ir, fp);
	/* The wall clock lets a test or an operator line this up with the
	 * `nft` command that caused it. */
	clock_gettime(CLOCK_REALTIME, &now);
	RS_LOG(INFO, "generation %u active (kernel generation %u) at %lld.%06ld, compiled and swapped in %.2f ms, %u state slot(s) carried over: %s",
		rs.generation, ir->generation, (long long)now.tv_sec,
		now.tv_nsec / 1000, (double)(rte_rdtsc() - t0) * 1e3 / rte_get_tsc_hz(),
		carried, cause);
	return 0;
}

int
ruleset_start(const struct cfg *c)
{
	const char *names[FWD_MAX_PORTS];
	struct ir_ruleset *ir = NULL;
	unsigned int n;
	int ret;

	rs.cfg = c;
	if (ruleset_source(c) == NULL)
		return 0;
	n = ruleset_port_names(c, names);
	ret = ruleset_read(c, names, n, &ir);
	if (ret < 0)
		return ret;
	if (ruleset_dump_ir(c, ir) < 0) {
		ir_ruleset_free(ir);
		return -EINVAL;
	}
	ruleset_summary(stderr, ir, ruleset_source(c));
	return ruleset_install(ir, c->ruleset_path != NULL ?
		"loaded at start" : "mirrored at start");
}

int
ruleset_reload(void)
{
	const struct cfg *c = rs.cfg;
	const char *names[FWD_MAX_PORTS];
	struct ir_ruleset *ir = NULL;
	struct nftr_diag d;
	unsigned int n;
	int ret;

	if (c == NULL || ruleset_source(c) == NULL) {
		RS_LOG(NOTICE, "SIGHUP: no ruleset to reload (neither -f nor --mirror)");
		return 0;
	}
	if (c->mirror_table != NULL) {
		/* The mirror follows every commit already; SIGHUP forces the
		 * full dump a lost event would otherwise need. */
		nftr_diag_init(&d);
		ret = nftr_mirror_resync(rs.mirror, &ir, &d);
		if (ret < 0)
			RS_LOG(ERR, "SIGHUP: mirror of %s: dump refused, generation %u stays active: %s",
				c->mirror_table, rs.generation,
				d.msg != NULL ? d.msg : strerror(-ret));
		nftr_diag_free(&d);
		if (ret == 0)
			RS_LOG(INFO, "SIGHUP: mirror of %s re-read: no change, generation %u stays active",
				c->mirror_table, rs.generation);
		if (ret <= 0)
			return ret;
		ret = ruleset_install(ir, "mirror re-read on SIGHUP");
		if (ret < 0) {
			RS_LOG(ERR, "SIGHUP: mirror of %s: new ruleset does not compile, generation %u stays active",
				c->mirror_table, rs.generation);
			return ret;
		}
		return 1;
	}
	/* -f: the file again, through nft in a fresh namespace, exactly as
	 * at start; its errors are printed verbatim by ruleset_read(). */
	n = ruleset_port_names(c, names);
	ret = ruleset_read(c, names, n, &ir);
	if (ret == 0) {
		ruleset_summary(stderr, ir, c->ruleset_path);
		ret = ruleset_install(ir, "reloaded on SIGHUP");
	}
	if (ret < 0) {
		RS_LOG(ERR, "SIGHUP: reload of %s refused, generation %u stays active",
			c->ruleset_path, rs.generation);
		return ret;
	}
	return 1;
}

int
ruleset_mirror_fd(void)
{
	return rs.mirror != NULL ? nftr_mirror_fd(rs.mirror) : -1;
}

void
ruleset_mirror_process(void)
{
	struct ir_ruleset *ir = NULL;
	struct nftr_diag d;
	int ret;

	if (rs.mirror == NULL)
		return;
	nftr_diag_init(&d);
	ret = nftr_mirror_process(rs.mirror, &ir, &d);
	if (ret < 0) {
		RS_LOG(ERR, "mirror of %s: update refused, generation %u stays active: %s",
			rs.cfg->mirror_table, rs.generation,
			d.msg != NULL ? d.msg : strerror(-ret));
	} else if (ret > 0 && ruleset_install(ir, "mirrored kernel change") < 0) {
		RS_LOG(ERR, "mirror of %s: new ruleset does not compile, generation %u stays active",
			rs.cfg->mirror_table, rs.generation);
	}
	nftr_diag_free(&d);
}

/* The nth inline quota statement of a rule (its limit in bytes), or NULL. */
static const struct ir_quota *
ruleset_nth_quota(const struct ir_rule *rule, unsigned int nth)
{
	unsigned int i;

	for (i = 0; i < rule->nitems; i++) {
		const struct ir_item *it = &rule->items[i];

		if (it->kind == IR_ITEM_STMT && it->stmt.kind == IR_STMT_QUOTA &&
		    nth-- == 0)
			return &it->stmt.quota;
	}
	return NULL;
}

/* Quotas are shown as the kernel dumps them: consumed, capped at the quota. */
static uint64_t
ruleset_quota_shown(uint64_t consumed, uint64_t bytes)
{
	return consumed < bytes ? consumed : bytes;
}

/*
 * "rules": every rule with an inline counter (its first one);
 * "rule_quotas": every rule with inline quotas, their `used` values.
 */
static void
ruleset_rules_json(json_t *rules, json_t *rule_quotas)
{
	unsigned int t, ch, r, nth;

	for (t = 0; t < rs.ir->ntables; t++) {
		const struct ir_table *tb = &rs.ir->tables[t];

		for (ch = 0; ch < tb->nchains; ch++) {
			const struct ir_chain *c = &tb->chains[ch];

			for (r = 0; r < c->nrules; r++) {
				const struct ir_rule *rule = &c->rules[r];
				const struct ir_quota *q;
				struct fp_counter cnt;
				json_t *used = json_array();
				uint64_t consumed;

				if (fp_ruleset_rule_counter(rs.fp, tb->name, c->name,
						rule->handle, 0, &cnt) == 0)
					json_array_append_new(rules, json_pack(
						"{s:s, s:s, s:I, s:I, s:I}",
						"table", tb->name, "chain", c->name,
						"handle", (json_int_t)rule->handle,
						"packets", (json_int_t)cnt.packets,
						"bytes", (json_int_t)cnt.bytes));
				for (nth = 0; (q = ruleset_nth_quota(rule, nth)) != NULL &&
				     fp_ruleset_rule_quota(rs.fp, tb->name, c->name,
						rule->handle, nth, &consumed) == 0; nth++)
					json_array_append_new(used, json_integer((json_int_t)
						ruleset_quota_shown(consumed, q->bytes)));
				if (json_array_size(used) == 0) {
					json_decref(used);
					continue;
				}
				json_array_append_new(rule_quotas, json_pack(
					"{s:s, s:s, s:I, s:o}",
					"table", tb->name, "chain", c->name,
					"handle", (json_int_t)rule->handle, "used", used));
			}
		}
	}
}

json_t *
ruleset_stats_json(void)
{
	json_t *root, *counters, *quotas, *rules, *rule_quotas;
	unsigned int t, o;

	if (rs.fp == NULL)
		return NULL;
	offload_fold_counters(rs.plan, rs.fp);
	counters = json_array();
	quotas = json_array();
	for (t = 0; t < rs.ir->ntables; t++) {
		const struct ir_table *tb = &rs.ir->tables[t];

		for (o = 0; o < tb->nobjects; o++) {
			const struct ir_object *obj = &tb->objects[o];
			struct fp_counter cnt;
			uint64_t used;

			if (obj->type == IR_OBJ_COUNTER &&
			    fp_ruleset_obj_counter(rs.fp, tb->name, obj->name, &cnt) == 0)
				json_array_append_new(counters, json_pack("{s:s, s:s, s:I, s:I}",
					"table", tb->name, "name", obj->name,
					"packets", (json_int_t)cnt.packets,
					"bytes", (json_int_t)cnt.bytes));
			if (obj->type == IR_OBJ_QUOTA &&
			    fp_ruleset_obj_quota(rs.fp, tb->name, obj->name, &used) == 0)
				json_array_append_new(quotas, json_pack("{s:s, s:s, s:I}",
					"table", tb->name, "name", obj->name,
					"used", (json_int_t)ruleset_quota_shown(used,
						obj->quota.bytes)));
		}
	}
	rules = json_array();
	rule_quotas = json_array();
	ruleset_rules_json(rules, rule_quotas);
	root = json_pack("{s:i, s:i, s:o, s:o, s:o, s:o}",
		"generation", (int)rs.generation,
		"kernel_generation", (int)rs.ir->generation,
		"rules", rules, "rule_quotas", rule_quotas,
		"counters", counters, "quotas", quotas);
	return root;
}

void
ruleset_print_counters(FILE *f)
{
	unsigned int t, ch, r, o;

	if (rs.fp == NULL)
		return;
	offload_fold_counters(rs.plan, rs.fp);
	fprintf(f, "rule counters (generation %u):\n", rs.generation);
	for (t = 0; t < rs.ir->ntables; t++) {
		const struct ir_table *tb = &rs.ir->tables[t];

		for (ch = 0; ch < tb->nchains; ch++) {
			const struct ir_chain *c = &tb->chains[ch];

			for (r = 0; r < c->nrules; r++) {
				struct fp_counter cnt;
				char *text;

				if (fp_ruleset_rule_counter(rs.fp, tb->name, c->name,
						c->rules[r].handle, 0, &cnt) != 0)
					continue;
				text = ir_rule_str(rs.ir, tb, &c->rules[r]);
				fprintf(f, "  %s/%s #%" PRIu64 ": %10" PRIu64 " pkts %12" PRIu64
					" bytes  %s\n", tb->name, c->name, c->rules[r].handle,
					cnt.packets, cnt.bytes, text != NULL ? text : "");
				free(text);
			}
		}
		for (o = 0; o < tb->nobjects; o++) {
			struct fp_counter cnt;

			if (tb->objects[o].type == IR_OBJ_COUNTER &&
			    fp_ruleset_obj_counter(rs.fp, tb->name, tb->objects[o].name, &cnt) == 0)
				fprintf(f, "  %s counter %s: %10" PRIu64 " pkts %12" PRIu64 " bytes\n",
					tb->name, tb->objects[o].name, cnt.packets, cnt.bytes);
		}
	}
}

int
ruleset_offload_replan(void)
{
	if (rs.fp == NULL || rs.plan == NULL)
		return 0;
	return offload_replan(rs.ir, rs.fp, &rs.plan);
}

void
ruleset_release_hardware(void)
{
	/* Final hardware counts go into the active ruleset's counters. */
	offload_retire(rs.plan, rs.fp);
	rs.plan = NULL;
	offload_stop();
}

void
ruleset_stop(void)
{
	struct fp_ruleset *old;

	ruleset_release_hardware();
	old = fwd_ruleset_swap(NULL);
	fp_ruleset_free(old);
	ir_ruleset_free(rs.ir);
	rs.ir = NULL;
	rs.fp = NULL;
	nftr_mirror_close(rs.mirror);
	rs.mirror = NULL;
}
