/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pkt_view_dump: print what fastpath/pkt_view makes of each frame of a pcap
 * file, for kernel_view_diff.py to compare with the kernel.
 *
 *   pkt_view_dump [--seg N] PORT_MAC FRAMES.pcap PROBES
 *
 * PROBES has one payload load per line: "ll|nh|th|ih OFFSET LEN" (bytes).
 * Output, per frame i:
 *   F i hook=0|1 len=N proto=XXXX l4=N|- pkttype=N vlan=0|1 thoff=N fragoff=N
 *   P i BASE OFFSET LEN HEX|-        ("-": the load fails, NFT_BREAK)
 * --seg N splits each frame into N-byte mbuf segments.
 * Exit status: 0, or 2 on bad input. No EAL: mbufs are built by hand.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fastpath/pkt_view.h"
#include "tests/unit/fake_mbuf.h"

#define MAX_PROBES 1024
#define MAX_FRAME 65535

struct probe {
	enum pkt_view_base base;
	uint32_t off, len;
	const char *name;
};

static const char *const base_names[] = {
	[PKT_BASE_LL] = "ll", [PKT_BASE_NH] = "nh",
	[PKT_BASE_TH] = "th", [PKT_BASE_IH] = "ih",
};

static uint32_t
rd32(const uint8_t *p, int swap)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return swap ? __builtin_bswap32(v) : v;
}

static int
read_probes(const char *path, struct probe *p, unsigned int *n)
{
	char base[8];
	unsigned int off, len, i;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return -errno;
	*n = 0;
	while (*n < MAX_PROBES &&
	       fscanf(f, "%7s %u %u", base, &off, &len) == 3) {
		for (i = 0; i < RTE_DIM(base_names); i++)
			if (strcmp(base, base_names[i]) == 0)
				break;
		if (i == RTE_DIM(base_names) || len == 0 || len > 255) {
			fclose(f);
			return -EINVAL;
		}
		p[*n] = (struct probe){ .base = i, .off = off, .len = len,
			.name = base_names[i] };
		(*n)++;
	}
	fclose(f);
	return 0;
}

int
main(int argc, char **argv)
{
	static struct probe probes[MAX_PROBES];
	static uint8_t frame[MAX_FRAME];
	struct rte_ether_addr mac;
	unsigned int n_probes = 0, i, seg = 0, idx = 0;
	uint8_t gh[24], rh[16];
	int swap;
	FILE *pcap;

	if (argc > 2 && strcmp(argv[1], "--seg") == 0) {
		seg = (unsigned int)strtoul(argv[2], NULL, 0);
		argc -= 2;
		argv += 2;
	}
	if (argc != 4 || rte_ether_unformat_addr(argv[1], &mac) != 0) {
		fprintf(stderr, "usage: pkt_view_dump [--seg N] PORT_MAC "
			"FRAMES.pcap PROBES\n");
		return 2;
	}
	if (read_probes(argv[3], probes, &n_probes) < 0) {
		fprintf(stderr, "bad probe file %s\n", argv[3]);
		return 2;
	}
	pcap = fopen(argv[2], "rb");
	if (pcap == NULL || fread(gh, sizeof(gh), 1, pcap) != 1) {
		fprintf(stderr, "cannot read %s\n", argv[2]);
		return 2;
	}
	if (rd32(gh, 0) == 0xa1b2c3d4 || rd32(gh, 0) == 0xa1b23c4d)
		swap = 0;
	else if (rd32(gh, 1) == 0xa1b2c3d4 || rd32(gh, 1) == 0xa1b23c4d)
		swap = 1;
	else {
		fprintf(stderr, "%s: not a pcap file\n", argv[2]);
		return 2;
	}

	while (fread(rh, sizeof(rh), 1, pcap) == 1) {
		uint32_t caplen = rd32(rh + 8, swap), seglen[FAKE_MBUF_MAX_SEGS];
		struct fake_mbuf fm;
		struct rte_mbuf *m;
		struct pkt_view v;
		uint8_t l4, out[256];
		unsigned int nseg = 0;
		bool hook;

		if (caplen > MAX_FRAME ||
		    (caplen > 0 && fread(frame, caplen, 1, pcap) != 1)) {
			fprintf(stderr, "truncated pcap record %u\n", idx);
			return 2;
		}
		if (seg > 0) {
			for (nseg = 0; nseg < FAKE_MBUF_MAX_SEGS - 1 &&
			     nseg * seg < caplen; nseg++)
				seglen[nseg] = seg;
		}
		m = fake_mbuf_build(&fm, frame, caplen, seglen, nseg);
		if (m == NULL) {
			fprintf(stderr, "out of memory\n");
			return 2;
		}
		hook = pkt_view_parse(m, &mac, &v);
		printf("F %u hook=%d len=%u proto=%04x ", idx, hook,
		       hook ? pkt_view_meta_len(&v) : 0,
		       rte_be_to_cpu_16(pkt_view_meta_protocol(&v)));
		if (pkt_view_meta_l4proto(&v, &l4))
			printf("l4=%u", l4);
		else
			printf("l4=-");
		printf(" pkttype=%u vlan=%d thoff=%u fragoff=%u\n",
		       pkt_view_meta_pkttype(&v), !!(v.flags & PKT_VIEW_F_VLAN),
		       v.thoff, v.fragoff);
		for (i = 0; i < n_probes; i++) {
			const struct probe *p = &probes[i];
			uint32_t k;

			printf("P %u %s %u %u ", idx, p->name, p->off, p->len);
			if (pkt_view_load_payload(m, &v, p->base, p->off,
						  p->len, out)) {
				for (k = 0; k < p->len; k++)
					printf("%02x", out[k]);
				printf("\n");
			} else {
				printf("-\n");
			}
		}
		fake_mbuf_free(&fm);
		idx++;
	}
	fclose(pcap);
	return 0;
}
