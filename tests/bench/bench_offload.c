/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_offload - what the forwarder's worker saves per packet when the NIC
 * decides.  Not a test: numbers.
 *
 *   bench_offload RULESET.nft FRAMES.pcap [--profile rich] [--in wan]
 *                 [--out lan] [--burst 32] [--rounds 9] [--ms 100] [--no-cls]
 *
 * Two net_null ports named --in and --out (the names the ruleset's base
 * chains use) carry the forwarder's own pipeline: the compiled ruleset
 * (fp_ruleset + the compiled classifier unless --no-cls), the offload
 * planner's plan installed on the --in port of an emulated rte_flow NIC
 * (tests/flowemu, profile --profile, linked in), and the worker's per-burst
 * function pipeline_burst() with its tx to net_null.  The frames of the
 * pcap all arrive on --in.  Each frame is put in one class by what the
 * emulated NIC does with it once (flowemu_apply()): dropped in hardware,
 * marked ACCEPT (a base chain, or all of them, accepted in hardware),
 * marked PARTIAL (the rule matched in hardware, software runs its
 * statements), marked PUNT (software resumes at a rule), or unmarked.
 *
 * Measured, TSC cycles per offered frame, in rounds (arms interleaved,
 * their order rotated each round), median and range over the rounds:
 *   base  no ruleset: pipeline_burst() accepts everything (the floor)
 *   sw    the ruleset, every frame delivered unmarked: software classifies
 *   hw    the ruleset, the frames as the NIC delivers them: dropped ones
 *         never arrive (0 cycles), marked ones resume from their mark
 *   emu   flowemu_apply() alone: what the emulated NIC costs on the worker
 *         core in an end-to-end run (LD_PRELOAD); a real NIC costs 0 here
 * for the whole pcap and for each class alone.  Every arm takes a
 * reference on each mbuf before the call (so that frees only drop it and
 * the frames are reused), one atomic add per frame in every arm.
 * The last line is the same numbers as one JSON object.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_bus_vdev.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "control/ir/ir.h"
#include "control/nft/nftr.h"
#include "fastpath/cls.h"
#include "fastpath/fp_ruleset.h"
#include "fastpath/fwd.h"
#include "fastpath/pipeline.h"
#include "rte_flow/ofl.h"
#include "rte_flow/ofl_marks.h"
#include "tests/flowemu/flowemu.h"

#define MAX_FRAMES	(1 << 14)
#define MAX_ROUNDS	99

enum cls_kind { K_DROP, K_ACCEPT, K_PARTIAL, K_PUNT, K_NONE, K_ALL, K_N };
static const char *const kind_name[K_N] = {
	[K_DROP] = "hw-drop", [K_ACCEPT] = "hw-accept", [K_PARTIAL] = "partial",
	[K_PUNT] = "punt", [K_NONE] = "unmarked", [K_ALL] = "all",
};

enum arm { A_BASE, A_SW, A_HW, A_EMU, A_N };
static const char *const arm_name[A_N] = {
	[A_BASE] = "base", [A_SW] = "sw", [A_HW] = "hw", [A_EMU] = "emu",
};

/* One set of frames for one arm and class. */
struct fset {
	struct rte_mbuf **m;
	unsigned int n;
};

static struct fwd_lcore lc;
static unsigned int burst = 32;
static uint16_t in_pid;

static int
read_pcap(const char *path, struct rte_mempool *mp, struct rte_mbuf **out,
	  unsigned int max)
{
	uint8_t gh[24], ph[16], buf[2048];
	FILE *f = fopen(path, "rb");
	unsigned int n = 0;
	bool swap;

	if (f == NULL)
		return -errno;
	if (fread(gh, 1, sizeof(gh), f) != sizeof(gh)) {
		fclose(f);
		return -EINVAL;
	}
	swap = gh[0] == 0xa1;	/* written big-endian */
	while (n < max && fread(ph, 1, sizeof(ph), f) == sizeof(ph)) {
		uint32_t caplen;
		struct rte_mbuf *m;
		char *p;

		memcpy(&caplen, ph + 8, 4);
		if (swap)
			caplen = __builtin_bswap32(caplen);
		if (caplen > sizeof(buf) || fread(buf, 1, caplen, f) != caplen)
			break;
		m = rte_pktmbuf_alloc(mp);
		if (m == NULL)
			break;
		p = rte_pktmbuf_append(m, (uint16_t)caplen);
		if (p == NULL) {
			rte_pktmbuf_free(m);
			continue;
		}
		memcpy(p, buf, caplen);
		m->port = in_pid;
		out[n++] = m;
	}
	fclose(f);
	return (int)n;
}

static int
port_setup(uint16_t pid, struct rte_mempool *mp, int *marks)
{
	struct rte_eth_conf conf;
	int ret;

	*marks = ofl_negotiate(pid) > 0;
	memset(&conf, 0, sizeof(conf));
	ret = rte_eth_dev_configure(pid, 1, 1, &conf);
	if (ret == 0)
		ret = rte_eth_rx_queue_setup(pid, 0, 512, SOCKET_ID_ANY, NULL, mp);
	if (ret == 0)
		ret = rte_eth_tx_queue_setup(pid, 0, 512, SOCKET_ID_ANY, NULL);
	if (ret == 0)
		ret = rte_eth_dev_start(pid);
	return ret;
}

/* Frames through pipeline_burst() (or the emulator) until ms elapsed. */
static double
run_arm(enum arm a, const struct fset *s, unsigned int offered, uint64_t min_cycles)
{
	struct rte_mbuf *tmp[FWD_MAX_BURST];
	uint64_t t0, t1, reps = 0;

	if (offered == 0)
		return 0.0;
	t0 = rte_rdtsc_precise();
	do {
		for (unsigned int off = 0; off < s->n; off += burst) {
			uint16_t k = (uint16_t)RTE_MIN(burst, s->n - off);

			uint64_t bytes = 0;

			for (uint16_t i = 0; i < k; i++) {
				tmp[i] = s->m[off + i];
				rte_mbuf_refcnt_update(tmp[i], 1);
				bytes += rte_pktmbuf_pkt_len(tmp[i]);
			}
			if (a == A_EMU) {
				uint16_t left = flowemu_apply(in_pid, 0, tmp, k);

				for (uint16_t i = 0; i < left; i++)
					rte_mbuf_refcnt_update(tmp[i], -1);
			} else {
				pipeline_burst(&lc, 0, tmp, k, bytes);
			}
		}
		fwd_tx_flush(&lc, 0);
		fwd_tx_flush(&lc, 1);
		reps++;
		t1 = rte_rdtsc_precise();
	} while (t1 - t0 < min_cycles);
	return (double)(t1 - t0) / ((double)reps * offered);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
stats(double *v, unsigned int n, double *med, double *lo, double *hi)
{
	qsort(v, n, sizeof(*v), cmp_double);
	*med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	*lo = v[0];
	*hi = v[n - 1];
}

static struct rte_mbuf *
copy_frame(struct rte_mempool *mp, const struct rte_mbuf *src)
{
	struct rte_mbuf *m = rte_pktmbuf_copy(src, mp, 0, UINT32_MAX);

	if (m != NULL)
		m->port = src->port;
	return m;
}

int
main(int argc, char **argv)
{
	char prefix[64];
	char *eal_argv[] = {
		argv[0], "--no-huge", "-m", "512", "--no-pci", "-l", "0",
		"--file-prefix", prefix, "--log-level", "lib.*:error",
		"--vdev", "net_null0", "--vdev", "net_null1", NULL,
	};
	const char *profile = "rich", *in_name = "wan", *out_name = "lan";
	unsigned int rounds = 9, ms = 100;
	bool use_cls = true;
	static struct rte_mbuf *orig[MAX_FRAMES], *hw_all[MAX_FRAMES];
	static enum cls_kind kind[MAX_FRAMES];
	struct fset set[A_N][K_N];
	unsigned int offered[K_N] = { 0 };
	static double res[A_N][K_N][MAX_ROUNDS];
	const char *names[2];
	uint16_t peers[2] = { 1, 0 }, pid[2];
	int marks[2];
	struct ir_ruleset *ir = NULL;
	struct fp_ruleset_opts fo;
	struct fp_ruleset *fp = NULL;
	struct ofl_port_cfg pc[2];
	struct ofl_opts oo;
	struct ofl_ctx *octx = NULL;
	struct ofl_plan *plan = NULL;
	struct nftr_diag d;
	struct rte_mempool *mp;
	char err[512] = "", summary[512];
	int n, ret;

	if (argc < 3) {
		fprintf(stderr, "usage: %s RULESET.nft FRAMES.pcap [--profile rich|nopriority|smalltable|none] "
			"[--in wan] [--out lan] [--burst 32] [--rounds 9] [--ms 100] [--no-cls]\n", argv[0]);
		return 2;
	}
	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--profile") == 0 && i + 1 < argc)
			profile = argv[++i];
		else if (strcmp(argv[i], "--in") == 0 && i + 1 < argc)
			in_name = argv[++i];
		else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
			out_name = argv[++i];
		else if (strcmp(argv[i], "--burst") == 0 && i + 1 < argc)
			burst = (unsigned int)atoi(argv[++i]);
		else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
			rounds = (unsigned int)atoi(argv[++i]);
		else if (strcmp(argv[i], "--ms") == 0 && i + 1 < argc)
			ms = (unsigned int)atoi(argv[++i]);
		else if (strcmp(argv[i], "--no-cls") == 0)
			use_cls = false;
		else {
			fprintf(stderr, "bench_offload: bad argument '%s'\n", argv[i]);
			return 2;
		}
	}
	if (burst == 0 || burst > FWD_MAX_BURST || rounds == 0 || rounds > MAX_ROUNDS ||
	    flowemu_profile_find(profile) == NULL) {
		fprintf(stderr, "bench_offload: bad --burst, --rounds or --profile\n");
		return 2;
	}

	snprintf(prefix, sizeof(prefix), "bench_offload_%d", (int)getpid());
	if (rte_eal_init((int)RTE_DIM(eal_argv) - 1, eal_argv) < 0) {
		fprintf(stderr, "bench_offload: EAL init failed\n");
		return 1;
	}
	mp = rte_pktmbuf_pool_create("bench", 3 * MAX_FRAMES + 8192, 256, 0,
				     RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (mp == NULL ||
	    rte_eth_dev_get_port_by_name("net_null0", &pid[0]) != 0 ||
	    rte_eth_dev_get_port_by_name("net_null1", &pid[1]) != 0) {
		fprintf(stderr, "bench_offload: mempool or net_null ports missing\n");
		return 1;
	}
	in_pid = pid[0];
	for (int i = 0; i < 2; i++) {
		if (port_setup(pid[i], mp, &marks[i]) != 0 ||
		    flowemu_attach(pid[i], flowemu_profile_find(profile)) != 0) {
			fprintf(stderr, "bench_offload: port %u set-up failed\n", pid[i]);
			return 1;
		}
	}

	/* The worker's view: two ports, each the other's peer, one worker. */
	names[0] = in_name;
	names[1] = out_name;
	fwd_ctx.n_ports = 2;
	fwd_ctx.n_workers = 1;
	for (int i = 0; i < 2; i++) {
		fwd_ctx.port[i].port_id = pid[i];
		fwd_ctx.port[i].peer = peers[i];
		fwd_ctx.port[i].n_txq = 1;
		snprintf(fwd_ctx.port[i].name, IFNAMSIZ, "%s", names[i]);
		rte_eth_macaddr_get(pid[i], &fwd_ctx.port[i].mac);
		lc.tx[i].port_id = pid[i];
		lc.tx[i].queue = 0;
	}
	lc.worker_idx = 0;
	lc.burst = (uint16_t)burst;

	nftr_diag_init(&d);
	ret = nftr_load_file(argv[1], names, 2, &ir, &d);
	if (ret != 0) {
		fprintf(stderr, "bench_offload: %s: %s\n", argv[1],
			d.msg != NULL ? d.msg : strerror(-ret));
		return 1;
	}
	nftr_diag_free(&d);
	memset(&fo, 0, sizeof(fo));
	fo.port_names = names;
	fo.n_ports = 2;
	fo.peers = peers;
	fo.n_lcores = 1;
	fo.err = err;
	fo.err_len = sizeof(err);
	if (fp_ruleset_build(ir, &fo, &fp) != 0) {
		fprintf(stderr, "bench_offload: %s\n", err);
		return 1;
	}
	if (use_cls) {
		struct cls_opts co;
		struct cls *c = NULL;

		memset(&co, 0, sizeof(co));
		co.simd_512 = true;
		co.err = err;
		co.err_len = sizeof(err);
		if (cls_build(fp, &co, &c) == 0) {
			fp->cls = c;
			fp->cls_free = cls_free_opaque;
		} else {
			fprintf(stderr, "bench_offload: classifier not built (%s): interpreter\n", err);
		}
	}

	memset(pc, 0, sizeof(pc));
	for (int i = 0; i < 2; i++) {
		pc[i].port_id = pid[i];
		pc[i].port_idx = (uint16_t)i;
		snprintf(pc[i].name, IR_IFNAMSIZ, "%s", names[i]);
		pc[i].n_rxq = 1;
	}
	memset(&oo, 0, sizeof(oo));
	oo.mode = OFL_MODE_AUTO;
	if (ofl_ctx_create(&oo, pc, 2, &octx) != 0) {
		fprintf(stderr, "bench_offload: ofl_ctx_create failed\n");
		return 1;
	}
	for (int i = 0; i < 2; i++)
		ofl_port_probe(octx, (unsigned int)i, marks[i]);
	ret = ofl_plan_build(octx, ir, fp, NULL, NULL, NULL, &plan);
	if (ret == 0)
		ret = ofl_plan_install(octx, plan, NULL);
	if (plan == NULL) {
		fprintf(stderr, "bench_offload: no plan (%s)\n", strerror(-ret));
		return 1;
	}
	ofl_plan_summary_str(plan, summary, sizeof(summary));
	fp->ofl_marks = ofl_plan_marks(plan);

	in_pid = pid[0];
	n = read_pcap(argv[2], mp, orig, MAX_FRAMES);
	if (n <= 0) {
		fprintf(stderr, "bench_offload: %s: no frames\n", argv[2]);
		return 1;
	}

	/* The NIC's treatment of each frame, once, on copies. */
	for (int off = 0; off < n; off += (int)burst) {
		uint16_t k = (uint16_t)RTE_MIN((int)burst, n - off), left, j = 0;
		struct rte_mbuf *b[FWD_MAX_BURST];

		for (uint16_t i = 0; i < k; i++)
			b[i] = hw_all[off + i] = copy_frame(mp, orig[off + i]);
		left = flowemu_apply(in_pid, 0, b, k);
		for (uint16_t i = 0; i < k; i++) {
			struct rte_mbuf *m = hw_all[off + i];

			if (j >= left || b[j] != m) {
				kind[off + i] = K_DROP;
				hw_all[off + i] = NULL;	/* freed by the NIC */
				continue;
			}
			j++;
			if (!(m->ol_flags & RTE_MBUF_F_RX_FDIR_ID)) {
				kind[off + i] = K_NONE;
				continue;
			}
			switch (ofl_mark_resolve(fp->ofl_marks, m->hash.fdir.hi).kind) {
			case OFL_MARK_ACCEPT: kind[off + i] = K_ACCEPT; break;
			case OFL_MARK_PARTIAL: kind[off + i] = K_PARTIAL; break;
			case OFL_MARK_PUNT: kind[off + i] = K_PUNT; break;
			default: kind[off + i] = K_NONE; break;
			}
		}
	}

	/* Sets per arm and class. */
	for (int a = 0; a < A_N; a++)
		for (int k = 0; k < K_N; k++) {
			set[a][k].m = calloc((size_t)n, sizeof(struct rte_mbuf *));
			set[a][k].n = 0;
			if (set[a][k].m == NULL)
				return 1;
		}
	for (int i = 0; i < n; i++) {
		struct rte_mbuf *sw = orig[i], *emu = copy_frame(mp, orig[i]);

		if (emu == NULL)
			return 1;
		for (int k = 0; k < K_N; k++) {
			if (k != K_ALL && k != (int)kind[i])
				continue;
			offered[k]++;
			set[A_BASE][k].m[set[A_BASE][k].n++] = sw;
			set[A_SW][k].m[set[A_SW][k].n++] = sw;
			set[A_EMU][k].m[set[A_EMU][k].n++] = emu;
			if (hw_all[i] != NULL)
				set[A_HW][k].m[set[A_HW][k].n++] = hw_all[i];
		}
	}

	printf("bench_offload: %s, %d frames on %s, profile %s, classifier %s, burst %u, %u rounds x %u ms per arm\n",
	       argv[1], n, in_name, profile, fp->cls != NULL ? "compiled" : "interpreter",
	       burst, rounds, ms);
	printf("plan: %s\n", summary);
	printf("classes:");
	for (int k = 0; k < K_N; k++)
		printf(" %s %u", kind_name[k], offered[k]);
	printf("\n");

	{
		uint64_t min_cycles = rte_get_tsc_hz() / 1000 * ms;
		const struct fp_ruleset *rs_on = fp;

		for (unsigned int r = 0; r < rounds; r++)
			for (int k = 0; k < K_N; k++) {
				if (offered[k] == 0)
					continue;
				for (int j = 0; j < A_N; j++) {
					enum arm a = (enum arm)((j + r) % A_N);

					fwd_ctx.ruleset = a == A_BASE ? NULL :
						(struct fp_ruleset *)(uintptr_t)rs_on;
					res[a][k][r] = run_arm(a, &set[a][k], offered[k],
						min_cycles / (k == K_ALL ? 1 : 2));
				}
			}
	}

	printf("%-10s %8s %18s %18s %18s %18s %10s\n", "class", "frames",
	       "base c/p", "sw c/p", "hw c/p", "emu c/p", "saved");
	{
		char json[8192];
		size_t jl = 0;
		bool first = true;

		json[0] = '\0';
		for (int k = 0; k < K_N; k++) {
			double med[A_N], lo[A_N], hi[A_N];

			if (offered[k] == 0)
				continue;
			for (int a = 0; a < A_N; a++)
				stats(res[a][k], rounds, &med[a], &lo[a], &hi[a]);
			printf("%-10s %8u %6.1f [%4.0f-%4.0f] %6.1f [%4.0f-%4.0f] %6.1f [%4.0f-%4.0f] %6.1f [%4.0f-%4.0f] %10.1f\n",
			       kind_name[k], offered[k], med[A_BASE], lo[A_BASE], hi[A_BASE],
			       med[A_SW], lo[A_SW], hi[A_SW], med[A_HW], lo[A_HW], hi[A_HW],
			       med[A_EMU], lo[A_EMU], hi[A_EMU], med[A_SW] - med[A_HW]);
			jl += (size_t)snprintf(json + jl, sizeof(json) - jl,
				"%s\"%s\": {\"frames\": %u", first ? "" : ", ",
				kind_name[k], offered[k]);
			for (int a = 0; a < A_N; a++)
				jl += (size_t)snprintf(json + jl, sizeof(json) - jl,
					", \"%s\": [%.2f, %.2f, %.2f]", arm_name[a],
					med[a], lo[a], hi[a]);
			jl += (size_t)snprintf(json + jl, sizeof(json) - jl, "}");
			first = false;
		}
		printf("JSON {\"ruleset\": \"%s\", \"profile\": \"%s\", \"frames\": %d, \"classifier\": \"%s\", \"plan\": \"%s\", \"classes\": {%s}}\n",
		       argv[1], profile, n, fp->cls != NULL ? "compiled" : "interpreter",
		       summary, json);
	}

	fwd_ctx.ruleset = NULL;
	ofl_plan_remove(octx, plan);
	ofl_plan_free(octx, plan);
	ofl_ctx_free(octx);
	fp_ruleset_free(fp);
	ir_ruleset_free(ir);
	for (int i = 0; i < 2; i++) {
		rte_eth_dev_stop(pid[i]);
		rte_eth_dev_close(pid[i]);
	}
	rte_eal_cleanup();
	return 0;
}
