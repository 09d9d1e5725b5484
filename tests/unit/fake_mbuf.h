/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NFTFWD_FAKE_MBUF_H
#define NFTFWD_FAKE_MBUF_H

/*
 * Hand-made mbuf chains for tools and fuzzers that must not start the EAL.
 * Each segment's data lives in its own malloc() of exactly its length, so a
 * sanitizer catches any read past a segment. Only the fields the mbuf read
 * paths use are set (buf_addr, data_off, data_len, pkt_len, nb_segs, next);
 * never hand these to a PMD or rte_pktmbuf_free().
 *
 * Threading: caller-owned structs only.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mbuf.h>

#define FAKE_MBUF_MAX_SEGS 64

struct fake_mbuf {
	struct rte_mbuf seg[FAKE_MBUF_MAX_SEGS];
	unsigned int n;
};

/*
 * Build data[0, len) as a chain: segment i has seglen[i] bytes (0 allowed),
 * the last segment takes whatever is left. Returns NULL on allocation
 * failure or too many segments.
 */
static inline struct rte_mbuf *
fake_mbuf_build(struct fake_mbuf *fm, const uint8_t *data, uint32_t len,
		const uint32_t *seglen, unsigned int nseg)
{
	uint32_t done = 0;
	unsigned int i = 0;

	memset(fm->seg, 0, sizeof(fm->seg));
	fm->n = 0;
	do {
		struct rte_mbuf *m = &fm->seg[i];
		uint32_t n = len - done;
		uint8_t *buf;

		if (i == FAKE_MBUF_MAX_SEGS || n > UINT16_MAX)
			goto fail;
		if (i < nseg && seglen[i] < n)
			n = seglen[i];
		/* malloc(0) may return NULL; keep a unique pointer. */
		buf = malloc(n > 0 ? n : 1);
		if (buf == NULL)
			goto fail;
		if (n > 0)
			memcpy(buf, data + done, n);
		m->buf_addr = buf;
		m->data_off = 0;
		m->buf_len = n;
		m->data_len = n;
		m->nb_segs = 1;
		m->next = NULL;
		if (i > 0)
			fm->seg[i - 1].next = m;
		fm->n = ++i;
		done += n;
	} while (done < len || i < nseg);
	fm->seg[0].pkt_len = len;
	fm->seg[0].nb_segs = fm->n;
	return &fm->seg[0];
fail:
	while (fm->n > 0)
		free(fm->seg[--fm->n].buf_addr);
	return NULL;
}

static inline void
fake_mbuf_free(struct fake_mbuf *fm)
{
	while (fm->n > 0)
		free(fm->seg[--fm->n].buf_addr);
}

#endif /* NFTFWD_FAKE_MBUF_H */
