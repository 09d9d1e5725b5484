/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NFTFWD_TESTS_TCHECK_H
#define NFTFWD_TESTS_TCHECK_H
/*
 * tcheck - the pass/fail bookkeeping of the C tests.
 *
 * CHECK(cond, fmt, ...) counts a pass, or counts a failure and prints
 * "FAIL file:line: cond: message" to stderr; it returns cond. SKIP() counts
 * a check that could not run here. tc_finish() prints
 * "NAME: N checks passed, M failed[, K skipped]" and returns the exit
 * status (0 only without failures; 77 when every check was skipped).
 */
#include <stdbool.h>

#include <rte_common.h>

extern unsigned int tc_pass, tc_fail, tc_skip;
/* failures still to print (a test that can fail by the million sets a
 * cap; 0: count silently) */
extern unsigned int tc_fail_print;

#define CHECK(cond, ...) tc_check((cond), __FILE__, __LINE__, #cond, __VA_ARGS__)

bool tc_check(bool ok, const char *file, int line, const char *expr,
	      const char *fmt, ...) __rte_format_printf(5, 6);

void tc_skip_(const char *fmt, ...) __rte_format_printf(1, 2);
#define SKIP(...) tc_skip_(__VA_ARGS__)

int tc_finish(const char *name);

#endif
