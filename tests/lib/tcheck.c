/* SPDX-License-Identifier: BSD-3-Clause */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>

#include "tcheck.h"

unsigned int tc_pass, tc_fail, tc_skip;
unsigned int tc_fail_print = UINT_MAX;

bool
tc_check(bool ok, const char *file, int line, const char *expr,
	 const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		tc_pass++;
		return true;
	}
	tc_fail++;
	if (tc_fail_print == 0)
		return false;
	tc_fail_print--;
	fprintf(stderr, "FAIL %s:%d: %s: ", file, line, expr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return false;
}

void
tc_skip_(const char *fmt, ...)
{
	va_list ap;

	tc_skip++;
	fprintf(stderr, "SKIP ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
tc_finish(const char *name)
{
	printf("%s: %u checks passed, %u failed", name, tc_pass, tc_fail);
	if (tc_skip)
		printf(", %u skipped", tc_skip);
	printf("\n");
	if (tc_fail)
		return 1;
	return tc_pass == 0 && tc_skip ? 77 : 0;
}
