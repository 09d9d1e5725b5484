/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpdk-nft-fwd: options, EAL, ports, workers; the main lcore then does
 * control work only (stats, idle exit, signals, ruleset reloads) until told
 * to stop.
 */

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>

#include "control/cfg.h"
#include "control/offload.h"
#include "control/ports.h"
#include "control/ruleset.h"
#include "control/stats.h"
#include "fastpath/fwd.h"

RTE_LOG_REGISTER_SUFFIX(main_logtype, main, INFO);
#define MAIN_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, main_logtype, "main: " fmt "\n", ##__VA_ARGS__)

#define EXIT_USAGE 2
#define MAIN_TICK_US 10000

static volatile sig_atomic_t main_signal;
/* SIGHUP: set here, acted on (and cleared) by the control loop, because a
 * reload runs nft, allocates and waits for an RCU grace period: nothing a
 * signal handler may do. */
static volatile sig_atomic_t main_reload;

static void
main_on_signal(int sig)
{
	main_signal = sig;
}

static void
main_on_sighup(int sig)
{
	(void)sig;
	main_reload = 1;
}

static void
main_die_usage(const char *msg)
{
	fprintf(stderr, "dpdk-nft-fwd: %s\n", msg);
	exit(EXIT_USAGE);
}

/*
 * Application options, then the JSON file under them; exits 2 with one
 * line on any error, 0 after --help.
 */
static void
main_parse_config(int argc, char **argv, struct cfg *c)
{
	char err[CFG_ERR_LEN];
	struct cfg cli;
	bool help;

	cfg_init(&cli);
	if (cfg_parse_args(&cli, argc, argv, &help, err, sizeof(err)) < 0)
		main_die_usage(err);
	if (help) {
		cfg_usage("dpdk-nft-fwd");
		exit(0);
	}
	cfg_init(c);
	if (cli.config_path != NULL &&
	    cfg_load_json(c, cli.config_path, err, sizeof(err)) < 0)
		main_die_usage(err);
	cfg_merge(c, &cli);
	if (cfg_validate(c, err, sizeof(err)) < 0)
		main_die_usage(err);
}

static int
main_setup_workers(const struct cfg *c)
{
	unsigned int lcore, w = 0, p, q, k = 0;

	RTE_LCORE_FOREACH_WORKER(lcore) {
		struct fwd_lcore *lc;

		lc = rte_zmalloc_socket("fwd_lcore", sizeof(*lc),
			RTE_CACHE_LINE_SIZE, (int)rte_lcore_to_socket_id(lcore));
		if (lc == NULL)
			return -ENOMEM;
		lc->lcore_id = lcore;
		lc->worker_idx = w;
		lc->burst = (uint16_t)c->burst;
		fwd_ctx.worker[w++] = lc;
	}
	fwd_ctx.n_workers = w;

	/* Round-robin over the (port, queue) pairs, port-major: every
	 * worker gets its share and a port's queues go to different workers. */
	for (p = 0; p < fwd_ctx.n_ports; p++) {
		for (q = 0; q < c->queues; q++) {
			struct fwd_lcore *lc = fwd_ctx.worker[k++ % w];
			struct fwd_rxq *rxq;

			if (lc->n_rxq == FWD_MAX_RXQ_PER_LCORE)
				return -E2BIG;
			rxq = &lc->rxq[lc->n_rxq++];
			rxq->port_idx = (uint16_t)p;
			rxq->port_id = fwd_ctx.port[p].port_id;
			rxq->queue = (uint16_t)q;
		}
	}
	for (w = 0; w < fwd_ctx.n_workers; w++) {
		struct fwd_lcore *lc = fwd_ctx.worker[w];

		for (p = 0; p < fwd_ctx.n_ports; p++) {
			struct fwd_port *port = &fwd_ctx.port[p];
			struct fwd_txbuf *tb = &lc->tx[p];

			tb->port_id = port->port_id;
			tb->queue = (uint16_t)(w % port->n_txq);
			tb->lock = port->tx_shared ? &port->txq_lock[tb->queue] : NULL;
		}
	}
	fwd_ctx.drain_tsc = (rte_get_tsc_hz() + US_PER_S - 1) / US_PER_S *
		FWD_DRAIN_US;
	return fwd_rcu_init();
}

static uint64_t
main_last_rx_tsc(uint64_t since)
{
	uint64_t last = since;
	unsigned int w;

	for (w = 0; w < fwd_ctx.n_workers; w++) {
		uint64_t t = __atomic_load_n(&fwd_ctx.worker[w]->last_rx_tsc,
			__ATOMIC_RELAXED);

		if (t > last)
			last = t;
	}
	return last;
}

/* The control loop of the main lcore; returns when the workers must stop. */
static void
main_control_loop(const struct cfg *c, uint64_t start_tsc)
{
	const uint64_t hz = rte_get_tsc_hz();
	const uint64_t idle_tsc = hz / 1000 * c->idle_exit_ms;
	const uint64_t stats_tsc = hz * c->stats_interval_s;
	const uint64_t replan_tsc = c->offload == CFG_OFFLOAD_OFF ? 0 :
		hz * c->offload_replan_s;
	struct stats_port cur[FWD_MAX_PORTS], prev[FWD_MAX_PORTS];
	uint64_t prev_stats_tsc = start_tsc, prev_replan_tsc = start_tsc;

	memset(prev, 0, sizeof(prev));
	for (;;) {
		struct pollfd pfd = { .fd = ruleset_mirror_fd(), .events = POLLIN };
		uint64_t now;

		/* Mirror events wake us at once; otherwise one tick. */
		if (pfd.fd >= 0) {
			if (poll(&pfd, 1, MAIN_TICK_US / 1000) > 0)
				ruleset_mirror_process();
		} else {
			rte_delay_us_sleep(MAIN_TICK_US);
		}
		if (main_reload != 0) {
			/* Cleared first: a SIGHUP that arrives during the
			 * reload asks for one more. */
			main_reload = 0;
			ruleset_reload();
		}
		now = rte_rdtsc();
		if (main_signal != 0) {
			MAIN_LOG(INFO, "signal %d (%s): stopping", (int)main_signal,
				strsignal(main_signal));
			return;
		}
		if (c->idle_exit_ms > 0 &&
		    now - main_last_rx_tsc(start_tsc) > idle_tsc) {
			MAIN_LOG(INFO, "no packet received for %u ms: stopping",
				c->idle_exit_ms);
			return;
		}
		/* Hot rules into hardware when the budget is short: only
		 * the active generation's plan changes (offload.h). */
		if (replan_tsc > 0 && now - prev_replan_tsc >= replan_tsc) {
			ruleset_offload_replan();
			prev_replan_tsc = rte_rdtsc();
		}
		if (stats_tsc > 0 && now - prev_stats_tsc >= stats_tsc) {
			char title[64];
			double secs = (double)(now - prev_stats_tsc) / hz;

			stats_collect(cur);
			snprintf(title, sizeof(title), "stats at %.1f s:",
				(double)(now - start_tsc) / hz);
			stats_print(stdout, title, cur, prev, secs);
			memcpy(prev, cur, sizeof(prev));
			prev_stats_tsc = now;
		}
	}
}

/* Final stats: counted before the ports close, leak check after. */
static void
main_final_stats(const struct cfg *c, uint64_t start_tsc)
{
	struct stats_port cur[FWD_MAX_PORTS];
	double elapsed = (double)(rte_rdtsc() - start_tsc) / rte_get_tsc_hz();
	unsigned int in_use;
	char title[64];
	int ret;

	stats_collect(cur);
	ruleset_release_hardware();
	ports_close();
	in_use = ports_mbufs_in_use();
	snprintf(title, sizeof(title), "final stats after %.1f s:", elapsed);
	stats_print(stdout, title, cur, NULL, 0);
	ruleset_print_counters(stdout);
	printf("mbufs still in use after closing the ports: %u\n", in_use);
	if (c->stats_file != NULL) {
		ret = stats_write_json(c->stats_file, cur, elapsed, in_use,
			ruleset_stats_json());
		if (ret < 0)
			MAIN_LOG(ERR, "cannot write stats to %s: %s", c->stats_file,
				strerror(-ret));
	}
}

int
main(int argc, char **argv)
{
	char err[CFG_ERR_LEN];
	struct sigaction sa;
	struct cfg c;
	int sep, eal_argc, ret, rc = 0;
	uint64_t start_tsc;
	unsigned int lcore;

	/* DPDK convention: EAL options, then `--`, then ours. */
	for (sep = 1; sep < argc; sep++)
		if (strcmp(argv[sep], "--") == 0)
			break;
	if (sep == argc && argc == 2 &&
	    (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		cfg_usage("dpdk-nft-fwd");
		return 0;
	}
	eal_argc = sep;
	if (sep < argc) {
		argv[sep] = argv[0];	/* our getopt wants a program name */
		main_parse_config(argc - sep, argv + sep, &c);
		argv[sep] = (char *)"--";
	} else {
		char *prog[] = { argv[0], NULL };

		main_parse_config(1, prog, &c);
	}

	/* --check needs no DPDK: the rules name ports by --port name only. */
	if (c.check) {
		rc = ruleset_check(&c);
		cfg_free(&c);
		return rc;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = main_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* A SIGHUP during a reload must not fail that reload's own reads
	 * (nft's pipes, netlink dumps) with EINTR: restart them. */
	sa.sa_handler = main_on_sighup;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGHUP, &sa, NULL);

	ret = rte_eal_init(eal_argc, argv);
	if (ret < 0) {
		fprintf(stderr, "dpdk-nft-fwd: EAL initialisation failed: %s\n",
			rte_strerror(rte_errno));
		return rte_errno == EINVAL ? EXIT_USAGE : 1;
	}

	if (rte_lcore_count() < 2) {
		fprintf(stderr, "dpdk-nft-fwd: no worker lcore: the main lcore does control work only, give at least two (e.g. -l 0,1)\n");
		rc = EXIT_USAGE;
		goto out_eal;
	}
	ret = ports_resolve(&c, err, sizeof(err));
	if (ret < 0) {
		fprintf(stderr, "dpdk-nft-fwd: %s\n", err);
		rc = EXIT_USAGE;
		goto out_eal;
	}
	RTE_LCORE_FOREACH_WORKER(lcore)
		fwd_ctx.n_workers++;
	ret = ports_start(&c, fwd_ctx.n_workers, err, sizeof(err));
	if (ret < 0) {
		fprintf(stderr, "dpdk-nft-fwd: %s\n", err);
		rc = ret == -EINVAL ? EXIT_USAGE : 1;
		goto out_ports;
	}
	ret = main_setup_workers(&c);
	if (ret < 0) {
		fprintf(stderr, "dpdk-nft-fwd: cannot set up the workers: %s\n",
			strerror(-ret));
		rc = 1;
		goto out_ports;
	}
	ret = offload_start(&c);
	if (ret == 0)
		ret = ruleset_start(&c);
	if (ret < 0) {
		rc = ret == -ENOMEM ? 1 : EXIT_USAGE;
		goto out_ports;
	}

	MAIN_LOG(INFO, "forwarding: %u port(s), %u worker lcore(s), %u rx queue(s) per port, burst %u",
		fwd_ctx.n_ports, fwd_ctx.n_workers, c.queues, c.burst);
	start_tsc = rte_rdtsc();
	RTE_LCORE_FOREACH_WORKER(lcore) {
		unsigned int w;

		for (w = 0; w < fwd_ctx.n_workers; w++)
			if (fwd_ctx.worker[w]->lcore_id == lcore)
				rte_eal_remote_launch(fwd_lcore_main,
					fwd_ctx.worker[w], lcore);
	}

	main_control_loop(&c, start_tsc);

	fwd_request_quit();
	rte_eal_mp_wait_lcore();
	main_final_stats(&c, start_tsc);

out_ports:
	ruleset_release_hardware();
	ports_close();
	ruleset_stop();
out_eal:
	rte_eal_cleanup();
	cfg_free(&c);
	return rc;
}
