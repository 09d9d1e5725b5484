/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_cls - in-process cost of the classifier: TSC cycles per packet of
 * pkt_view_parse_burst() + cls_run_burst() (and of interp_run(), the
 * reference, for comparison) on the frames of a pcap, for an nft ruleset
 * loaded through the nft reader (root + netns), with the ruleset's compile
 * time. Not a test: numbers.
 *
 *   bench_cls RULESET.nft FRAMES.pcap [--device NAME] [--burst 32]
 *             [--seconds 2] [--no-interp] [--alg N (enum rte_acl_classify_alg)]
 *
 * The ruleset's base chains must be on device NAME (default "src", the
 * benchmark's port name). Frames are replayed in order, bursts of --burst.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "control/ir/ir.h"
#include "control/nft/nftr.h"
#include "fastpath/cls.h"
#include "fastpath/fp_ruleset.h"
#include "fastpath/interp.h"
#include "fastpath/pkt_view.h"

#define MAX_FRAMES	(1 << 16)

/* The benchmark's frames are sent to 02:00:00:00:00:02. */
static const struct rte_ether_addr port_mac = {
	.addr_bytes = { 0x02, 0, 0, 0, 0, 0x02 } };

static struct rte_mbuf *frames[MAX_FRAMES];
static unsigned int n_frames;

static int
read_pcap(const char *path, struct rte_mempool *mp)
{
	FILE *f = fopen(path, "rb");
	uint8_t gh[24], ph[16], buf[65536];
	bool swap;

	if (f == NULL)
		return -errno;
	if (fread(gh, 1, sizeof(gh), f) != sizeof(gh)) {
		fclose(f);
		return -EINVAL;
	}
	swap = gh[0] == 0xa1;	/* written big-endian */
	while (n_frames < MAX_FRAMES && fread(ph, 1, sizeof(ph), f) == sizeof(ph)) {
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
		p = rte_pktmbuf_append(m, (uint16_t)RTE_MIN(caplen, 2000u));
		if (p == NULL) {
			rte_pktmbuf_free(m);
			continue;
		}
		memcpy(p, buf, rte_pktmbuf_data_len(m));
		frames[n_frames++] = m;
	}
	fclose(f);
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static uint64_t
fake_clock(void *arg)
{
	(void)arg;
	return rte_get_tsc_cycles();
}

int
main(int argc, char **argv)
{
	char prefix[64];
	char *eal_argv[] = {
		argv[0], "--no-huge", "-m", "1024", "--no-pci", "-l", "0",
		"--file-prefix", prefix, "--log-level", "lib.eal:error", NULL,
	};
	const char *dev = "src", *names[2];
	unsigned int burst = 32, seconds = 2;
	bool run_interp = true, dump = false;
	struct ir_ruleset *ir = NULL;
	struct fp_ruleset_opts fo;
	struct fp_ruleset *rs = NULL;
	struct cls_opts co = { .simd_512 = true };
	struct cls_stats st;
	struct cls *c = NULL;
	struct nftr_diag d;
	struct rte_mempool *mp;
	char err[256] = "";
	int rc;

	if (argc < 3) {
		fprintf(stderr, "usage: %s RULESET.nft FRAMES.pcap [--device NAME] "
			"[--burst N] [--seconds N] [--no-interp] [--alg N] [--dump] [--no-cache]\n",
			argv[0]);
		return 2;
	}
	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--device") == 0 && i + 1 < argc)
			dev = argv[++i];
		else if (strcmp(argv[i], "--burst") == 0 && i + 1 < argc)
			burst = (unsigned int)atoi(argv[++i]);
		else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
			seconds = (unsigned int)atoi(argv[++i]);
		else if (strcmp(argv[i], "--no-interp") == 0)
			run_interp = false;
		else if (strcmp(argv[i], "--alg") == 0 && i + 1 < argc)
			co.alg = atoi(argv[++i]);
		else if (strcmp(argv[i], "--dump") == 0)
			dump = true;
		else if (strcmp(argv[i], "--no-cache") == 0)
			co.no_cache = true;
	}
	if (burst == 0 || burst > CLS_BURST_MAX)
		burst = 32;
	snprintf(prefix, sizeof(prefix), "bench_cls_%d", (int)getpid());
	if (rte_eal_init((int)RTE_DIM(eal_argv) - 1, eal_argv) < 0)
		return 1;
	mp = rte_pktmbuf_pool_create("bench", MAX_FRAMES + 1023, 256, 0,
				     RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (mp == NULL || read_pcap(argv[2], mp) != 0 || n_frames < burst) {
		fprintf(stderr, "bench_cls: cannot read frames from %s\n", argv[2]);
		return 1;
	}
	names[0] = dev;
	names[1] = "sink";
	nftr_diag_init(&d);
	rc = nftr_load_file(argv[1], names, 2, &ir, &d);
	if (rc < 0) {
		fprintf(stderr, "bench_cls: %s: %d %s %s\n", argv[1], rc,
			d.msg ? d.msg : "", d.nft_stderr ? d.nft_stderr : "");
		return 1;
	}
	nftr_diag_free(&d);
	memset(&fo, 0, sizeof(fo));
	fo.port_names = names;
	fo.n_ports = 2;
	fo.n_lcores = 1;
	fo.clock = fake_clock;
	fo.err = err;
	fo.err_len = sizeof(err);
	if (fp_ruleset_build(ir, &fo, &rs) != 0) {
		fprintf(stderr, "bench_cls: build: %s\n", err);
		return 1;
	}
	co.err = err;
	co.err_len = sizeof(err);
	if (cls_build(rs, &co, &c) != 0) {
		fprintf(stderr, "bench_cls: cls_build: %s\n", err);
		return 1;
	}
	cls_get_stats(c, &st);
	printf("bench_cls: %s: %u entries, %u ACL rules in %u context(s), %u fields, "
	       "%u segment(s), %u handoff, %u checked, %s, compiled in %.1f ms "
	       "(rte_acl %.1f ms)\n", argv[1], st.n_entries, st.n_acl_rules,
	       st.n_contexts, st.max_fields, st.max_segments, st.n_handoff,
	       st.n_checked, cls_alg_name(st.alg), st.build_ns / 1e6,
	       st.acl_ns / 1e6);
	if (dump)
		cls_dump(stdout, c);

	/*
	 * Rounds of 64 bursts, each timed: the busiest machine still leaves
	 * some rounds alone, so the fastest round is the cost; the median says
	 * how noisy the machine was.
	 */
	for (int mode = 0; mode < (run_interp ? 2 : 1); mode++) {
		static struct pkt_view v[CLS_BURST_MAX];
		static struct interp_result res[CLS_BURST_MAX];
		static double rnd_cls[1 << 16], rnd_parse[1 << 16];
		uint64_t hz = rte_get_tsc_hz(), t0 = rte_rdtsc(), n = 0;
		uint64_t verdict[4] = { 0 };
		unsigned int pos = 0, nr = 0;

		do {
			uint64_t tp = 0, tc = 0;

			for (int rep = 0; rep < 64; rep++) {
				struct rte_mbuf **m;
				uint64_t a, b, e;

				if (pos + burst > n_frames)
					pos = 0;
				m = &frames[pos];
				a = rte_rdtsc();
				pkt_view_parse_burst(m, (uint16_t)burst, &port_mac, v);
				b = rte_rdtsc();
				if (mode == 0) {
					cls_run_burst(c, 0, 0, m, v, (uint16_t)burst, res);
				} else {
					for (unsigned int i = 0; i < burst; i++)
						interp_run(rs, 0, 0, m[i], &v[i], &res[i]);
				}
				e = rte_rdtsc();
				tp += b - a;
				tc += e - b;
				for (unsigned int i = 0; i < burst; i++) {
					verdict[res[i].disp & 3]++;
					for (unsigned int x = 0; x < res[i].n_extra; x++)
						rte_pktmbuf_free(res[i].extra[x].m);
				}
				pos += burst;
				n += burst;
			}
			rnd_parse[nr] = (double)tp / (64.0 * burst);
			rnd_cls[nr] = (double)tc / (64.0 * burst);
			nr++;
		} while (rte_rdtsc() - t0 < seconds * hz && nr < (1 << 16));
		qsort(rnd_cls, nr, sizeof(double), cmp_double);
		qsort(rnd_parse, nr, sizeof(double), cmp_double);
		printf("bench_cls: %-6s %s %.1f cycles/packet (best round; median %.1f), "
		       "parse %.1f (median %.1f); accept %.1f%% drop %.1f%% fwd %.1f%%\n",
		       mode == 0 ? "cls" : "interp",
		       mode == 0 ? "classify+act" : "evaluate",
		       rnd_cls[0], rnd_cls[nr / 2], rnd_parse[0], rnd_parse[nr / 2],
		       100.0 * verdict[INTERP_ACCEPT] / n,
		       100.0 * verdict[INTERP_DROP] / n,
		       100.0 * verdict[INTERP_FWD] / n);
	}
	cls_free(c);
	fp_ruleset_free(rs);
	ir_ruleset_free(ir);
	rte_eal_cleanup();
	return 0;
}
