/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Options and JSON config.  Each key has one parser for its value, shared by
 * the command line and the file, so both accept and refuse the same things.
 */

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "control/cfg.h"

static int
cfg_err(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

void
cfg_init(struct cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->queues = 1;
	c->burst = CFG_DEFAULT_BURST;
	c->offload_replan_s = CFG_DEFAULT_OFFLOAD_REPLAN;
}

void
cfg_free(struct cfg *c)
{
	unsigned int i;

	free(c->ruleset_path);
	free(c->config_path);
	free(c->stats_file);
	free(c->dump_ir_path);
	free(c->mirror_table);
	for (i = 0; i < c->n_ports; i++)
		free(c->ports[i].device);
	cfg_init(c);
}

/* The kernel's dev_valid_name(): nft rules and placeholder devices use it. */
static int
cfg_check_ifname(const char *what, const char *name, char *err, size_t len)
{
	const char *p;

	if (name[0] == '\0')
		return cfg_err(err, len, "%s: empty interface name", what);
	if (strlen(name) >= IFNAMSIZ)
		return cfg_err(err, len,
			"%s: interface name '%s' is longer than %d characters",
			what, name, IFNAMSIZ - 1);
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return cfg_err(err, len, "%s: '%s' is not a valid interface name",
			what, name);
	for (p = name; *p != '\0'; p++) {
		if (*p == '/' || *p == ':' || *p == '=' ||
		    isspace((unsigned char)*p))
			return cfg_err(err, len,
				"%s: interface name '%s' contains '%c'",
				what, name, *p);
	}
	return 0;
}

static int
cfg_set_uint(const char *what, const char *s, unsigned int min,
	     unsigned int max, unsigned int *out, char *err, size_t len)
{
	unsigned long v;
	char *end;

	errno = 0;
	if (s[0] == '\0' || !isdigit((unsigned char)s[0]))
		goto bad;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		goto bad;
	*out = (unsigned int)v;
	return 0;
bad:
	return cfg_err(err, len, "%s: expected an integer from %u to %u, got '%s'",
		what, min, max, s);
}

static int
cfg_check_range(const char *what, json_int_t v, unsigned int min,
		unsigned int max, unsigned int *out, char *err, size_t len)
{
	if (v < (json_int_t)min || v > (json_int_t)max)
		return cfg_err(err, len,
			"%s: expected an integer from %u to %u, got %lld",
			what, min, max, (long long)v);
	*out = (unsigned int)v;
	return 0;
}

static int
cfg_set_str(char **dst, const char *s)
{
	char *dup = strdup(s);

	if (dup == NULL)
		return -ENOMEM;
	free(*dst);
	*dst = dup;
	return 0;
}

static int
cfg_add_port(struct cfg *c, const char *what, const char *name,
	     const char *device, char *err, size_t len)
{
	struct cfg_port *p;
	int ret;

	ret = cfg_check_ifname(what, name, err, len);
	if (ret < 0)
		return ret;
	if (device[0] == '\0')
		return cfg_err(err, len, "%s: port '%s' has an empty device",
			what, name);
	if (c->n_ports == CFG_MAX_PORTS)
		return cfg_err(err, len, "%s: more than %d ports", what,
			CFG_MAX_PORTS);
	if (cfg_port_index(c, name) >= 0)
		return cfg_err(err, len, "%s: port name '%s' given twice",
			what, name);
	p = &c->ports[c->n_ports];
	p->device = strdup(device);
	if (p->device == NULL)
		return -ENOMEM;
	snprintf(p->name, sizeof(p->name), "%s", name);
	c->n_ports++;
	return 0;
}

static int
cfg_set_offload(const char *what, const char *s, enum cfg_offload *out,
		char *err, size_t len)
{
	if (strcmp(s, "auto") == 0)
		*out = CFG_OFFLOAD_AUTO;
	else if (strcmp(s, "off") == 0)
		*out = CFG_OFFLOAD_OFF;
	else if (strcmp(s, "require") == 0)
		*out = CFG_OFFLOAD_REQUIRE;
	else
		return cfg_err(err, len, "%s: expected off, auto or require, got '%s'",
			what, s);
	return 0;
}

/* "--port NAME=DEVICE" */
static int
cfg_parse_port_arg(struct cfg *c, const char *arg, char *err, size_t len)
{
	char name[IFNAMSIZ + 1];
	const char *eq = strchr(arg, '=');
	size_t n;

	if (eq == NULL)
		return cfg_err(err, len,
			"--port: expected NAME=DEVICE (e.g. eth0=net_pcap0), got '%s'",
			arg);
	n = (size_t)(eq - arg);
	if (n >= sizeof(name))
		n = sizeof(name) - 1;	/* cfg_check_ifname reports the length */
	memcpy(name, arg, n);
	name[n] = '\0';
	if ((size_t)(eq - arg) >= sizeof(name))
		return cfg_err(err, len,
			"--port: interface name in '%s' is longer than %d characters",
			arg, IFNAMSIZ - 1);
	return cfg_add_port(c, "--port", name, eq + 1, err, len);
}

static int
cfg_add_pair(struct cfg *c, const char *what, const char *a, const char *b,
	     char *err, size_t len)
{
	int ret;

	ret = cfg_check_ifname(what, a, err, len);
	if (ret == 0)
		ret = cfg_check_ifname(what, b, err, len);
	if (ret < 0)
		return ret;
	if (c->n_pairs == CFG_MAX_PORTS)
		return cfg_err(err, len, "%s: more than %d pairs", what,
			CFG_MAX_PORTS);
	snprintf(c->pairs[c->n_pairs].a, IFNAMSIZ, "%s", a);
	snprintf(c->pairs[c->n_pairs].b, IFNAMSIZ, "%s", b);
	c->n_pairs++;
	return 0;
}

/* "--pair A:B" (also the string form in the JSON file) */
static int
cfg_parse_pair_str(struct cfg *c, const char *what, const char *arg,
		   char *err, size_t len)
{
	char buf[2 * IFNAMSIZ + 2];
	char *colon;

	if (strlen(arg) >= sizeof(buf) || (colon = strchr(arg, ':')) == NULL)
		return cfg_err(err, len, "%s: expected A:B (two port names), got '%s'",
			what, arg);
	snprintf(buf, sizeof(buf), "%s", arg);
	colon = buf + (colon - arg);
	*colon = '\0';
	return cfg_add_pair(c, what, buf, colon + 1, err, len);
}

enum {
	OPT_PORT = 256,
	OPT_PAIR,
	OPT_QUEUES,
	OPT_BURST,
	OPT_STATS_INTERVAL,
	OPT_IDLE_EXIT,
	OPT_STATS_FILE,
	OPT_CHECK,
	OPT_DUMP_IR,
	OPT_MIRROR,
	OPT_OFFLOAD,
	OPT_OFFLOAD_BUDGET,
	OPT_OFFLOAD_PLAN,
	OPT_OFFLOAD_REPLAN,
};

static const struct option cfg_long_opts[] = {
	{ "ruleset", required_argument, NULL, 'f' },
	{ "config", required_argument, NULL, 'c' },
	{ "port", required_argument, NULL, OPT_PORT },
	{ "pair", required_argument, NULL, OPT_PAIR },
	{ "queues", required_argument, NULL, OPT_QUEUES },
	{ "burst", required_argument, NULL, OPT_BURST },
	{ "stats-interval", required_argument, NULL, OPT_STATS_INTERVAL },
	{ "idle-exit", required_argument, NULL, OPT_IDLE_EXIT },
	{ "stats-file", required_argument, NULL, OPT_STATS_FILE },
	{ "check", no_argument, NULL, OPT_CHECK },
	{ "dump-ir", required_argument, NULL, OPT_DUMP_IR },
	{ "mirror", required_argument, NULL, OPT_MIRROR },
	{ "offload", required_argument, NULL, OPT_OFFLOAD },
	{ "offload-budget", required_argument, NULL, OPT_OFFLOAD_BUDGET },
	{ "offload-plan", no_argument, NULL, OPT_OFFLOAD_PLAN },
	{ "offload-replan", required_argument, NULL, OPT_OFFLOAD_REPLAN },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int
cfg_parse_args(struct cfg *c, int argc, char **argv, bool *want_help,
	       char *err, size_t len)
{
	int opt, ret = 0;

	*want_help = false;
	optind = 1;
	opterr = 0;	/* we print one line of our own */
	while (ret == 0 &&
	       (opt = getopt_long(argc, argv, ":f:c:h", cfg_long_opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			ret = cfg_set_str(&c->ruleset_path, optarg);
			c->set[CFG_KEY_RULESET] = true;
			break;
		case 'c':
			ret = cfg_set_str(&c->config_path, optarg);
			break;
		case OPT_PORT:
			ret = cfg_parse_port_arg(c, optarg, err, len);
			c->set[CFG_KEY_PORTS] = true;
			break;
		case OPT_PAIR:
			ret = cfg_parse_pair_str(c, "--pair", optarg, err, len);
			c->set[CFG_KEY_PAIRS] = true;
			break;
		case OPT_QUEUES:
			ret = cfg_set_uint("--queues", optarg, 1, CFG_MAX_QUEUES,
				&c->queues, err, len);
			c->set[CFG_KEY_QUEUES] = true;
			break;
		case OPT_BURST:
			ret = cfg_set_uint("--burst", optarg, 1, CFG_MAX_BURST,
				&c->burst, err, len);
			c->set[CFG_KEY_BURST] = true;
			break;
		case OPT_STATS_INTERVAL:
			ret = cfg_set_uint("--stats-interval", optarg, 0, 86400,
				&c->stats_interval_s, err, len);
			c->set[CFG_KEY_STATS_INTERVAL] = true;
			break;
		case OPT_IDLE_EXIT:
			ret = cfg_set_uint("--idle-exit", optarg, 0, 86400000,
				&c->idle_exit_ms, err, len);
			c->set[CFG_KEY_IDLE_EXIT] = true;
			break;
		case OPT_STATS_FILE:
			ret = cfg_set_str(&c->stats_file, optarg);
			c->set[CFG_KEY_STATS_FILE] = true;
			break;
		case OPT_CHECK:
			c->check = true;
			c->set[CFG_KEY_CHECK] = true;
			break;
		case OPT_DUMP_IR:
			ret = cfg_set_str(&c->dump_ir_path, optarg);
			c->set[CFG_KEY_DUMP_IR] = true;
			break;
		case OPT_MIRROR:
			ret = cfg_set_str(&c->mirror_table, optarg);
			c->set[CFG_KEY_MIRROR] = true;
			break;
		case OPT_OFFLOAD:
			ret = cfg_set_offload("--offload", optarg, &c->offload,
				err, len);
			c->set[CFG_KEY_OFFLOAD] = true;
			break;
		case OPT_OFFLOAD_BUDGET:
			ret = cfg_set_uint("--offload-budget", optarg, 1, 1000000,
				&c->offload_budget, err, len);
			c->set[CFG_KEY_OFFLOAD_BUDGET] = true;
			break;
		case OPT_OFFLOAD_PLAN:
			c->offload_plan = true;
			c->set[CFG_KEY_OFFLOAD_PLAN] = true;
			break;
		case OPT_OFFLOAD_REPLAN:
			ret = cfg_set_uint("--offload-replan", optarg, 0, 86400,
				&c->offload_replan_s, err, len);
			c->set[CFG_KEY_OFFLOAD_REPLAN] = true;
			break;
		case 'h':
			*want_help = true;
			break;
		case ':':
			ret = cfg_err(err, len, "%s: missing argument",
				argv[optind - 1]);
			break;
		default:
			ret = cfg_err(err, len, "unknown option '%s' (see --help)",
				argv[optind - 1]);
			break;
		}
	}
	if (ret == 0 && optind < argc)
		ret = cfg_err(err, len, "unexpected argument '%s' (see --help)",
			argv[optind]);
	if (ret == -ENOMEM)
		cfg_err(err, len, "out of memory");
	optind = 1;
	return ret;
}

/* JSON: one function per key, indexed like enum cfg_key. */

typedef int (*cfg_json_fn)(struct cfg *c, const char *key, json_t *v,
			   const char *dir, char *err, size_t len);

static int
cfg_json_path(char **dst, const char *key, json_t *v, const char *dir,
	      char *err, size_t len)
{
	const char *s;
	char *full;

	if (!json_is_string(v) || json_string_length(v) == 0)
		return cfg_err(err, len, "key '%s': expected a non-empty string",
			key);
	s = json_string_value(v);
	/* Relative paths in a config file are relative to that file. */
	if (s[0] == '/' || dir == NULL)
		return cfg_set_str(dst, s);
	if (asprintf(&full, "%s/%s", dir, s) < 0)
		return -ENOMEM;
	free(*dst);
	*dst = full;
	return 0;
}

static int
cfg_json_ruleset(struct cfg *c, const char *key, json_t *v, const char *dir,
		 char *err, size_t len)
{
	return cfg_json_path(&c->ruleset_path, key, v, dir, err, len);
}

static int
cfg_json_stats_file(struct cfg *c, const char *key, json_t *v, const char *dir,
		    char *err, size_t len)
{
	return cfg_json_path(&c->stats_file, key, v, dir, err, len);
}

static int
cfg_json_mirror(struct cfg *c, const char *key, json_t *v, const char *dir,
		char *err, size_t len)
{
	(void)dir;
	if (!json_is_string(v) || json_string_length(v) == 0)
		return cfg_err(err, len, "key '%s': expected a table name", key);
	return cfg_set_str(&c->mirror_table, json_string_value(v));
}

static int
cfg_json_ports(struct cfg *c, const char *key, json_t *v, const char *dir,
	       char *err, size_t len)
{
	char what[64];
	size_t i;
	json_t *p;

	(void)dir;
	if (!json_is_array(v))
		return cfg_err(err, len,
			"key '%s': expected an array of {\"name\": ..., \"device\": ...}",
			key);
	json_array_foreach(v, i, p) {
		json_t *name, *dev;
		const char *k;
		json_t *unused;
		int ret;

		snprintf(what, sizeof(what), "key '%s[%zu]'", key, i);
		if (!json_is_object(p))
			return cfg_err(err, len,
				"%s: expected {\"name\": ..., \"device\": ...}", what);
		json_object_foreach(p, k, unused) {
			if (strcmp(k, "name") != 0 && strcmp(k, "device") != 0)
				return cfg_err(err, len, "%s: unknown key '%s'",
					what, k);
		}
		name = json_object_get(p, "name");
		dev = json_object_get(p, "device");
		if (!json_is_string(name))
			return cfg_err(err, len, "%s.name: expected a string", what);
		if (!json_is_string(dev))
			return cfg_err(err, len, "%s.device: expected a string", what);
		ret = cfg_add_port(c, what, json_string_value(name),
			json_string_value(dev), err, len);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int
cfg_json_pairs(struct cfg *c, const char *key, json_t *v, const char *dir,
	       char *err, size_t len)
{
	char what[64];
	size_t i;
	json_t *p;
	int ret;

	(void)dir;
	if (!json_is_array(v))
		return cfg_err(err, len,
			"key '%s': expected an array of \"A:B\" or [\"A\", \"B\"]", key);
	json_array_foreach(v, i, p) {
		snprintf(what, sizeof(what), "key '%s[%zu]'", key, i);
		if (json_is_string(p)) {
			ret = cfg_parse_pair_str(c, what, json_string_value(p),
				err, len);
		} else if (json_is_array(p) && json_array_size(p) == 2 &&
			   json_is_string(json_array_get(p, 0)) &&
			   json_is_string(json_array_get(p, 1))) {
			ret = cfg_add_pair(c, what,
				json_string_value(json_array_get(p, 0)),
				json_string_value(json_array_get(p, 1)), err, len);
		} else {
			ret = cfg_err(err, len,
				"%s: expected \"A:B\" or [\"A\", \"B\"]", what);
		}
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int
cfg_json_uint(const char *key, json_t *v, unsigned int min, unsigned int max,
	      unsigned int *out, char *err, size_t len)
{
	char what[64];

	snprintf(what, sizeof(what), "key '%s'", key);
	if (!json_is_integer(v))
		return cfg_err(err, len, "%s: expected an integer from %u to %u",
			what, min, max);
	return cfg_check_range(what, json_integer_value(v), min, max, out,
		err, len);
}

static int
cfg_json_queues(struct cfg *c, const char *key, json_t *v, const char *dir,
		char *err, size_t len)
{
	(void)dir;
	return cfg_json_uint(key, v, 1, CFG_MAX_QUEUES, &c->queues, err, len);
}

static int
cfg_json_burst(struct cfg *c, const char *key, json_t *v, const char *dir,
	       char *err, size_t len)
{
	(void)dir;
	return cfg_json_uint(key, v, 1, CFG_MAX_BURST, &c->burst, err, len);
}

static int
cfg_json_stats_interval(struct cfg *c, const char *key, json_t *v,
			const char *dir, char *err, size_t len)
{
	(void)dir;
	return cfg_json_uint(key, v, 0, 86400, &c->stats_interval_s, err, len);
}

static int
cfg_json_idle_exit(struct cfg *c, const char *key, json_t *v, const char *dir,
		   char *err, size_t len)
{
	(void)dir;
	return cfg_json_uint(key, v, 0, 86400000, &c->idle_exit_ms, err, len);
}

static int
cfg_json_offload(struct cfg *c, const char *key, json_t *v, const char *dir,
		 char *err, size_t len)
{
	char what[64];

	(void)dir;
	snprintf(what, sizeof(what), "key '%s'", key);
	if (!json_is_string(v))
		return cfg_err(err, len, "%s: expected \"off\", \"auto\" or \"require\"",
			what);
	return cfg_set_offload(what, json_string_value(v), &c->offload, err, len);
}

static int
cfg_json_offload_budget(struct cfg *c, const char *key, json_t *v,
			const char *dir, char *err, size_t len)
{
	(void)dir;
	return cfg_json_uint(key, v, 1, 1000000, &c->offload_budget, err, len);
}

static int
cfg_json_offload_replan(struct cfg *c, const char *key, json_t *v,
			const char *dir, char *err, size_t len)
{
	(void)dir;
	return cfg_json_uint(key, v, 0, 86400, &c->offload_replan_s, err, len);
}

static const struct {
	const char *name;
	cfg_json_fn parse;
} cfg_json_keys[CFG_KEY__COUNT] = {
	[CFG_KEY_RULESET] = { "ruleset", cfg_json_ruleset },
	[CFG_KEY_PORTS] = { "ports", cfg_json_ports },
	[CFG_KEY_PAIRS] = { "pairs", cfg_json_pairs },
	[CFG_KEY_QUEUES] = { "queues", cfg_json_queues },
	[CFG_KEY_BURST] = { "burst", cfg_json_burst },
	[CFG_KEY_STATS_INTERVAL] = { "stats_interval", cfg_json_stats_interval },
	[CFG_KEY_IDLE_EXIT] = { "idle_exit", cfg_json_idle_exit },
	[CFG_KEY_STATS_FILE] = { "stats_file", cfg_json_stats_file },
	[CFG_KEY_MIRROR] = { "mirror", cfg_json_mirror },
	[CFG_KEY_OFFLOAD] = { "offload", cfg_json_offload },
	[CFG_KEY_OFFLOAD_BUDGET] = { "offload_budget", cfg_json_offload_budget },
	[CFG_KEY_OFFLOAD_PLAN] = { NULL, NULL },
	[CFG_KEY_OFFLOAD_REPLAN] = { "offload_replan", cfg_json_offload_replan },
	/* --check and --dump-ir are actions, not configuration. */
	[CFG_KEY_CHECK] = { NULL, NULL },
	[CFG_KEY_DUMP_IR] = { NULL, NULL },
};

int
cfg_load_json(struct cfg *c, const char *path, char *err, size_t len)
{
	json_error_t jerr;
	json_t *root, *v;
	const char *key;
	char *pathcopy, *dir;
	int ret = 0;

	root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		if (jerr.line < 0)
			return cfg_err(err, len, "config %s: %s", path, jerr.text);
		return cfg_err(err, len, "config %s:%d:%d: %s", path, jerr.line,
			jerr.column, jerr.text);
	}
	if (!json_is_object(root)) {
		json_decref(root);
		return cfg_err(err, len, "config %s: expected a JSON object", path);
	}
	pathcopy = strdup(path);
	if (pathcopy == NULL) {
		json_decref(root);
		return -ENOMEM;
	}
	dir = dirname(pathcopy);

	json_object_foreach(root, key, v) {
		char kerr[CFG_ERR_LEN];
		unsigned int k;

		for (k = 0; k < CFG_KEY__COUNT; k++)
			if (cfg_json_keys[k].name != NULL &&
			    strcmp(cfg_json_keys[k].name, key) == 0)
				break;
		if (k == CFG_KEY__COUNT) {
			ret = cfg_err(kerr, sizeof(kerr), "unknown key '%s'", key);
		} else {
			ret = cfg_json_keys[k].parse(c, key, v, dir, kerr,
				sizeof(kerr));
			c->set[k] = true;
		}
		if (ret == -ENOMEM)
			snprintf(kerr, sizeof(kerr), "out of memory");
		if (ret < 0) {
			snprintf(err, len, "config %s: %s", path, kerr);
			break;
		}
	}
	free(pathcopy);
	json_decref(root);
	return ret;
}

void
cfg_merge(struct cfg *base, struct cfg *over)
{
	unsigned int i;

#define CFG_TAKE_STR(key, field) do {			\
		if (over->set[key]) {			\
			free(base->field);		\
			base->field = over->field;	\
			over->field = NULL;		\
			base->set[key] = true;		\
		}					\
	} while (0)
#define CFG_TAKE_VAL(key, field) do {			\
		if (over->set[key]) {			\
			base->field = over->field;	\
			base->set[key] = true;		\
		}					\
	} while (0)

	CFG_TAKE_STR(CFG_KEY_RULESET, ruleset_path);
	CFG_TAKE_STR(CFG_KEY_STATS_FILE, stats_file);
	CFG_TAKE_STR(CFG_KEY_DUMP_IR, dump_ir_path);
	CFG_TAKE_STR(CFG_KEY_MIRROR, mirror_table);
	CFG_TAKE_VAL(CFG_KEY_CHECK, check);
	CFG_TAKE_VAL(CFG_KEY_OFFLOAD, offload);
	CFG_TAKE_VAL(CFG_KEY_OFFLOAD_BUDGET, offload_budget);
	CFG_TAKE_VAL(CFG_KEY_OFFLOAD_PLAN, offload_plan);
	CFG_TAKE_VAL(CFG_KEY_OFFLOAD_REPLAN, offload_replan_s);
	CFG_TAKE_VAL(CFG_KEY_QUEUES, queues);
	CFG_TAKE_VAL(CFG_KEY_BURST, burst);
	CFG_TAKE_VAL(CFG_KEY_STATS_INTERVAL, stats_interval_s);
	CFG_TAKE_VAL(CFG_KEY_IDLE_EXIT, idle_exit_ms);
#undef CFG_TAKE_STR
#undef CFG_TAKE_VAL

	if (over->set[CFG_KEY_PORTS]) {
		for (i = 0; i < base->n_ports; i++)
			free(base->ports[i].device);
		memcpy(base->ports, over->ports, sizeof(base->ports));
		base->n_ports = over->n_ports;
		over->n_ports = 0;	/* devices now belong to base */
		base->set[CFG_KEY_PORTS] = true;
	}
	if (over->set[CFG_KEY_PAIRS]) {
		memcpy(base->pairs, over->pairs, sizeof(base->pairs));
		base->n_pairs = over->n_pairs;
		base->set[CFG_KEY_PAIRS] = true;
	}
	if (over->config_path != NULL && base->config_path == NULL) {
		base->config_path = over->config_path;
		over->config_path = NULL;
	}
	cfg_free(over);
}

int
cfg_port_index(const struct cfg *c, const char *name)
{
	unsigned int i;

	for (i = 0; i < c->n_ports; i++)
		if (strcmp(c->ports[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int
cfg_name_index(const char (*names)[IFNAMSIZ], unsigned int n, const char *name)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return (int)i;
	return -1;
}

int
cfg_peers(const struct cfg *c, const char (*names)[IFNAMSIZ], unsigned int n,
	  uint16_t *peer, char *err, size_t len)
{
	bool paired[CFG_MAX_PORTS] = { false };
	unsigned int i;

	if (c->n_pairs == 0) {
		for (i = 0; i + 1 < n; i += 2) {
			peer[i] = (uint16_t)(i + 1);
			peer[i + 1] = (uint16_t)i;
		}
		if (n % 2 != 0)
			return cfg_err(err, len,
				"port '%s' has no peer: pair it with --pair (%s:%s sends packets back out of it)",
				names[n - 1], names[n - 1], names[n - 1]);
		return 0;
	}
	for (i = 0; i < c->n_pairs; i++) {
		const struct cfg_pair *p = &c->pairs[i];
		int a = cfg_name_index(names, n, p->a);
		int b = cfg_name_index(names, n, p->b);

		if (a < 0 || b < 0)
			return cfg_err(err, len, "pair %s:%s: no port named '%s'",
				p->a, p->b, a < 0 ? p->a : p->b);
		if (paired[a] || paired[b])
			return cfg_err(err, len,
				"pair %s:%s: port '%s' is already paired",
				p->a, p->b, paired[a] ? p->a : p->b);
		paired[a] = true;
		paired[b] = true;
		peer[a] = (uint16_t)b;
		peer[b] = (uint16_t)a;
	}
	for (i = 0; i < n; i++)
		if (!paired[i])
			return cfg_err(err, len,
				"port '%s' is in no --pair: every port needs a peer",
				names[i]);
	return 0;
}

int
cfg_validate(const struct cfg *c, char *err, size_t len)
{
	char names[CFG_MAX_PORTS][IFNAMSIZ];
	uint16_t peer[CFG_MAX_PORTS];
	unsigned int i;

	if (c->ruleset_path != NULL && c->mirror_table != NULL)
		return cfg_err(err, len,
			"--ruleset and --mirror exclude each other: give one");
	if ((c->check || c->dump_ir_path != NULL) &&
	    c->ruleset_path == NULL && c->mirror_table == NULL)
		return cfg_err(err, len,
			"%s needs a ruleset (-f FILE or --mirror TABLE)",
			c->check ? "--check" : "--dump-ir");
	/* Without --port, pairs are checked once the DPDK ports are known. */
	if (c->n_ports == 0)
		return 0;
	for (i = 0; i < c->n_ports; i++)
		memcpy(names[i], c->ports[i].name, IFNAMSIZ);
	return cfg_peers(c, (const char (*)[IFNAMSIZ])names, c->n_ports, peer,
		err, len);
}

void
cfg_usage(const char *prog)
{
	printf(
"Usage: %s [EAL options] -- [options]\n"
"\n"
"A DPDK forwarder that filters every packet with the semantics of the\n"
"nftables netdev ingress hook.  Accepted packets leave through the peer\n"
"of the port they arrived on.\n"
"\n"
"Options (after --):\n"
"  -f, --ruleset FILE      nft ruleset to load (netdev tables)\n"
"      --mirror TABLE      follow the host's live netdev table TABLE\n"
"  -c, --config FILE       JSON config; the command line wins key by key\n"
"      --port NAME=DEVICE  give DPDK port DEVICE (device name such as\n"
"                          0000:3b:00.0 or net_pcap0, vdev args, or a port\n"
"                          id) the interface name NAME used by the rules;\n"
"                          repeatable; default: every DPDK port, named\n"
"                          port0, port1, ...\n"
"      --pair A:B          forward what A accepts to B and B's to A;\n"
"                          repeatable; default pairs ports 0-1, 2-3, ...\n"
"                          A:A sends accepted packets back out of A\n"
"      --queues N          rx queues per port (default 1, RSS across them)\n"
"      --burst N           rx/tx burst size (default %d, max %d)\n"
"      --stats-interval S  print port stats every S seconds (0: only at exit)\n"
"      --idle-exit MS      exit once no port has received anything for MS ms\n"
"      --stats-file FILE   write the final stats as JSON to FILE\n"
"      --check             load the ruleset, print it as understood, exit\n"
"      --offload MODE      off, auto (default: rules run in the NIC where it\n"
"                          can run them exactly, the rest in software) or\n"
"                          require (chains with `flags offload` must run\n"
"                          fully in hardware, else refuse to start)\n"
"      --offload-budget N  hardware rules per port (default 512)\n"
"      --offload-replan S  when a port's budget is short, choose its hardware\n"
"                          rules again by hits every S seconds (default 10,\n"
"                          0: only on reload)\n"
"      --offload-plan      print each port's offload plan (with --check:\n"
"                          against assumed capabilities)\n"
"      --dump-ir FILE      write the ruleset IR as JSON to FILE\n"
"  -h, --help              this text\n"
"\n"
"Exit codes: 0 clean stop (SIGINT, SIGTERM, --idle-exit), 1 runtime\n"
"failure, 2 bad options, config or ruleset.\n"
"\n"
"Signals: SIGINT/SIGTERM stop cleanly.  SIGHUP reloads the ruleset: -f\n"
"reads FILE again and swaps it in without stopping traffic (counters of\n"
"rules with the same table, chain and handle carry over); a file that\n"
"fails to load or compile is reported and the running ruleset stays.\n"
"With --mirror, SIGHUP forces a full re-read of the table.\n"
"\n"
"Example:\n"
"  %s -l 0,1 --no-pci --vdev net_pcap0,rx_pcap=in.pcap,tx_pcap=out0.pcap \\\n"
"      --vdev net_pcap1,rx_pcap=empty.pcap,tx_pcap=out1.pcap -- \\\n"
"      --port eth0=net_pcap0 --port eth1=net_pcap1 -f conf/example.nft \\\n"
"      --idle-exit 500\n"
"\n"
"Logging: --log-level=nftfwd.*:debug (EAL option).\n",
		prog, CFG_DEFAULT_BURST, CFG_MAX_BURST, prog);
}
