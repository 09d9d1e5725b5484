/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nftr_util.c - growable pointer vectors and diagnostics.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nftr_int.h"

int
nftr_vec_push(struct nftr_vec *vec, void *p)
{
	if (vec->n == vec->cap) {
		size_t cap = vec->cap ? vec->cap * 2 : 16;
		void **v = realloc(vec->v, cap * sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		vec->v = v;
		vec->cap = cap;
	}
	vec->v[vec->n++] = p;
	return 0;
}

void
nftr_vec_fini(struct nftr_vec *vec)
{
	free(vec->v);
	memset(vec, 0, sizeof(*vec));
}

void
nftr_diag_init(struct nftr_diag *d)
{
	d->msg = NULL;
	d->nft_stderr = NULL;
	d->nft_status = -1;
}

void
nftr_diag_free(struct nftr_diag *d)
{
	if (d == NULL)
		return;
	free(d->msg);
	free(d->nft_stderr);
	nftr_diag_init(d);
}

static void
nftr_diag_vappend(struct nftr_diag *d, bool replace, const char *fmt,
		  va_list ap)
{
	char *line = NULL, *msg;

	if (d == NULL)
		return;
	if (vasprintf(&line, fmt, ap) < 0)
		return;
	if (replace || d->msg == NULL) {
		free(d->msg);
		d->msg = line;
		return;
	}
	if (asprintf(&msg, "%s\n%s", d->msg, line) >= 0) {
		free(d->msg);
		d->msg = msg;
	}
	free(line);
}

int
nftr_diag_set(struct nftr_diag *d, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	nftr_diag_vappend(d, true, fmt, ap);
	va_end(ap);
	return err;
}

void
nftr_diag_append(struct nftr_diag *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	nftr_diag_vappend(d, false, fmt, ap);
	va_end(ap);
}
