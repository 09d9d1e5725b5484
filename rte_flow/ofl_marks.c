/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MARK id blocks: rotating, never overlapping a live plan's block.
 */

#include <string.h>

#include "rte_flow/ofl_marks.h"

void
ofl_mark_alloc_init(struct ofl_mark_alloc *a)
{
	memset(a, 0, sizeof(*a));
	a->cursor = 1;
}

static bool
overlaps(const struct ofl_mark_alloc *a, uint32_t base, uint32_t n,
	 uint32_t *end)
{
	for (uint32_t i = 0; i < a->n_live; i++) {
		uint32_t lb = a->live_base[i], ln = a->live_n[i];

		if (base < lb + ln && lb < base + n) {
			*end = lb + ln;
			return true;
		}
	}
	return false;
}

uint32_t
ofl_mark_alloc(struct ofl_mark_alloc *a, uint32_t n)
{
	uint32_t base, end;
	unsigned int tries;

	if (n == 0)
		n = 1;
	if (a->n_live == OFL_MARK_LIVE_MAX || n >= OFL_MARK_MAX - 1)
		return 0;
	if (a->cursor == 0)
		a->cursor = 1;
	base = a->cursor;
	for (tries = 0; tries < 2 * OFL_MARK_LIVE_MAX + 2; tries++) {
		if (base + n > OFL_MARK_MAX)
			base = 1;
		if (!overlaps(a, base, n, &end)) {
			a->live_base[a->n_live] = base;
			a->live_n[a->n_live] = n;
			a->n_live++;
			a->cursor = base + n;
			return base;
		}
		base = end;
	}
	return 0;
}

void
ofl_mark_release(struct ofl_mark_alloc *a, uint32_t base)
{
	for (uint32_t i = 0; i < a->n_live; i++) {
		if (a->live_base[i] != base)
			continue;
		a->n_live--;
		a->live_base[i] = a->live_base[a->n_live];
		a->live_n[i] = a->live_n[a->n_live];
		return;
	}
}
