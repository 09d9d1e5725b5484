/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NFTFWD_CFG_H
#define NFTFWD_CFG_H

/*
 * Configuration: the application options after `--` and the JSON config
 * file given with -c, merged into one struct cfg.  The command line wins
 * over the file, key by key (a --port on the command line replaces the
 * file's whole "ports" list, a --pair the whole "pairs" list).
 *
 * Threading: control thread only, before the workers start.
 * Errors: every function returns 0 or -EINVAL/-ENOMEM and, on error, leaves
 * one line naming the option or key in the caller's buffer; it never exits.
 * Ownership: strings inside struct cfg are owned by it; cfg_free() releases
 * them.  Nothing here touches DPDK: ports are resolved later by ports_*.
 */

#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>

#define CFG_MAX_PORTS 32	/* RTE_MAX_ETHPORTS in Debian's build */
#define CFG_MAX_QUEUES 128
#define CFG_MAX_BURST 512
#define CFG_DEFAULT_BURST 32
#define CFG_DEFAULT_OFFLOAD_REPLAN 10	/* seconds */
#define CFG_ERR_LEN 512

struct cfg_port {
	char name[IFNAMSIZ];	/* the interface name nft rules use */
	char *device;		/* DPDK device name, devargs or port id */
};

struct cfg_pair {
	char a[IFNAMSIZ];
	char b[IFNAMSIZ];
};

enum cfg_key {
	CFG_KEY_RULESET,
	CFG_KEY_PORTS,
	CFG_KEY_PAIRS,
	CFG_KEY_QUEUES,
	CFG_KEY_BURST,
	CFG_KEY_STATS_INTERVAL,
	CFG_KEY_IDLE_EXIT,
	CFG_KEY_STATS_FILE,
	CFG_KEY_CHECK,
	CFG_KEY_DUMP_IR,
	CFG_KEY_MIRROR,
	CFG_KEY_OFFLOAD,
	CFG_KEY_OFFLOAD_BUDGET,
	CFG_KEY_OFFLOAD_PLAN,
	CFG_KEY_OFFLOAD_REPLAN,
	CFG_KEY__COUNT
};

/* --offload: where rules may run. */
enum cfg_offload {
	CFG_OFFLOAD_AUTO = 0,	/* hardware where exact, software for the rest */
	CFG_OFFLOAD_OFF,	/* never call rte_flow */
	CFG_OFFLOAD_REQUIRE,	/* chains with `flags offload` must fit fully */
};

struct cfg {
	char *ruleset_path;	/* -f: nft file, NULL for none */
	char *config_path;	/* -c: JSON config */
	char *stats_file;	/* --stats-file: final stats as JSON */
	char *dump_ir_path;	/* --dump-ir: the IR as JSON */
	char *mirror_table;	/* --mirror: host netdev table to follow */
	bool check;		/* --check: load, print, exit */
	bool offload_plan;	/* --offload-plan: print the offload plan */
	enum cfg_offload offload;
	unsigned int offload_budget;	/* hardware rules per port, 0: default */
	unsigned int offload_replan_s;	/* re-plan by hits every S s, 0: never */

	struct cfg_port ports[CFG_MAX_PORTS];
	unsigned int n_ports;
	struct cfg_pair pairs[CFG_MAX_PORTS];
	unsigned int n_pairs;

	unsigned int queues;		/* rx queues per port */
	unsigned int burst;		/* rx/tx burst size */
	unsigned int stats_interval_s;	/* 0: only at exit */
	unsigned int idle_exit_ms;	/* 0: never */

	bool set[CFG_KEY__COUNT];	/* which keys were given explicitly */
};

/* Defaults, nothing set. */
void cfg_init(struct cfg *c);
void cfg_free(struct cfg *c);

/*
 * Parse the application arguments (argv[0] is the program name, the rest
 * are what follows `--`).  Sets *want_help when -h/--help was given.
 */
int cfg_parse_args(struct cfg *c, int argc, char **argv, bool *want_help,
		   char *err, size_t err_len);

/* Read a JSON config file into c; unknown keys and wrong types are errors. */
int cfg_load_json(struct cfg *c, const char *path, char *err, size_t err_len);

/* Copy every key that `over` set explicitly onto `base`; `over` is emptied. */
void cfg_merge(struct cfg *base, struct cfg *over);

/* Cross-key checks after merging: names unique, pairs refer to ports, ... */
int cfg_validate(const struct cfg *c, char *err, size_t err_len);

/*
 * Peers from the pairs: peer[i] for each of the n ports named names[i].
 * Without pairs, ports 0-1, 2-3, ... are paired; every port needs a peer.
 */
int cfg_peers(const struct cfg *c, const char (*names)[IFNAMSIZ],
	      unsigned int n, uint16_t *peer, char *err, size_t err_len);

/* Usage text for --help. */
void cfg_usage(const char *prog);

/* Index of the port named `name`, or -1. */
int cfg_port_index(const struct cfg *c, const char *name);

#endif /* NFTFWD_CFG_H */
