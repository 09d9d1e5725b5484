/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port statistics: collection, the table operators read, the JSON tests read.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "control/stats.h"

void
stats_collect(struct stats_port *out)
{
	unsigned int p, w;

	memset(out, 0, sizeof(*out) * fwd_ctx.n_ports);
	for (p = 0; p < fwd_ctx.n_ports; p++) {
		struct stats_port *s = &out[p];
		struct rte_eth_stats hw;

		if (rte_eth_dev_get_name_by_port(fwd_ctx.port[p].port_id,
						 s->device) != 0)
			snprintf(s->device, sizeof(s->device), "?");

		for (w = 0; w < fwd_ctx.n_workers; w++) {
			const struct fwd_counters *c = &fwd_ctx.worker[w]->cnt[p];

			s->rx_pkts += fwd_counter_read(&c->rx_pkts);
			s->rx_bytes += fwd_counter_read(&c->rx_bytes);
			s->tx_pkts += fwd_counter_read(&c->tx_pkts);
			s->tx_bytes += fwd_counter_read(&c->tx_bytes);
			s->drop_rule += fwd_counter_read(&c->drop_rule);
			s->drop_tx += fwd_counter_read(&c->drop_tx);
		}
		if (rte_eth_stats_get(fwd_ctx.port[p].port_id, &hw) == 0) {
			s->hw_imissed = hw.imissed;
			s->hw_nombuf = hw.rx_nombuf;
			s->hw_ierrors = hw.ierrors;
			s->hw_oerrors = hw.oerrors;
		}
	}
}

void
stats_print(FILE *f, const char *title, const struct stats_port *cur,
	    const struct stats_port *prev, double secs)
{
	const bool rates = prev != NULL && secs > 0;
	unsigned int p;

	fprintf(f, "%s\n", title);
	fprintf(f, "%-15s %12s %14s %12s %14s %10s %10s %9s %9s",
		"port", "rx-pkts", "rx-bytes", "tx-pkts", "tx-bytes",
		"dropped", "tx-failed", "imissed", "nombuf");
	if (rates)
		fprintf(f, " %12s %12s", "rx-pps", "tx-pps");
	fputc('\n', f);
	for (p = 0; p < fwd_ctx.n_ports; p++) {
		const struct stats_port *s = &cur[p];

		fprintf(f, "%-15s %12" PRIu64 " %14" PRIu64 " %12" PRIu64
			" %14" PRIu64 " %10" PRIu64 " %10" PRIu64 " %9" PRIu64
			" %9" PRIu64, fwd_ctx.port[p].name, s->rx_pkts,
			s->rx_bytes, s->tx_pkts, s->tx_bytes, s->drop_rule,
			s->drop_tx, s->hw_imissed, s->hw_nombuf);
		if (rates)
			fprintf(f, " %12.0f %12.0f",
				(double)(s->rx_pkts - prev[p].rx_pkts) / secs,
				(double)(s->tx_pkts - prev[p].tx_pkts) / secs);
		fputc('\n', f);
	}
	fflush(f);
}

int
stats_write_json(const char *path, const struct stats_port *cur,
		 double elapsed_s, unsigned int mbufs_in_use, json_t *ruleset)
{
	json_t *root, *ports;
	unsigned int p;
	int ret = 0;

	root = json_object();
	ports = json_object();
	if (root == NULL || ports == NULL) {
		json_decref(root);
		json_decref(ports);
		json_decref(ruleset);
		return -ENOMEM;
	}
	if (ruleset != NULL)
		json_object_set_new(root, "ruleset", ruleset);
	json_object_set_new(root, "elapsed_s", json_real(elapsed_s));
	json_object_set_new(root, "mbufs_in_use", json_integer(mbufs_in_use));
	json_object_set_new(root, "tsc_hz", json_integer((json_int_t)rte_get_tsc_hz()));
	json_object_set_new(root, "ports", ports);
	for (p = 0; p < fwd_ctx.n_ports; p++) {
		const struct stats_port *s = &cur[p];
		json_t *o;

		o = json_pack("{s:s, s:i, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			"device", s->device,
			"port_id", (int)fwd_ctx.port[p].port_id,
			"peer", fwd_ctx.port[fwd_ctx.port[p].peer].name,
			"rx_pkts", (json_int_t)s->rx_pkts,
			"rx_bytes", (json_int_t)s->rx_bytes,
			"tx_pkts", (json_int_t)s->tx_pkts,
			"tx_bytes", (json_int_t)s->tx_bytes,
			"dropped", (json_int_t)s->drop_rule,
			"tx_failed", (json_int_t)s->drop_tx,
			"imissed", (json_int_t)s->hw_imissed,
			"nombuf", (json_int_t)s->hw_nombuf,
			"ierrors", (json_int_t)s->hw_ierrors,
			"oerrors", (json_int_t)s->hw_oerrors);
		if (o == NULL || json_object_set_new(ports, fwd_ctx.port[p].name, o) != 0) {
			ret = -ENOMEM;
			break;
		}
	}
	if (ret == 0 && json_dump_file(root, path, JSON_INDENT(2) | JSON_SORT_KEYS) != 0)
		ret = -EIO;
	json_decref(root);
	return ret;
}
