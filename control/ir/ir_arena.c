/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ir_arena.c - one arena per ruleset: bump allocation in chunks, freed at
 * once by ir_ruleset_free().
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ir_build.h"

#define IR_ARENA_CHUNK	(64u * 1024u)
#define IR_ARENA_ALIGN	16u

struct ir_chunk {
	struct ir_chunk *next;
	size_t size;	/* usable bytes in data[] */
	size_t used;
	_Alignas(16) unsigned char data[];
};

struct ir_arena {
	struct ir_chunk *head;
	size_t total;
};

static struct ir_chunk *
ir_chunk_new(size_t size)
{
	struct ir_chunk *c = calloc(1, sizeof(*c) + size);

	if (c == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	c->size = size;
	return c;
}

struct ir_ruleset *
ir_ruleset_new(void)
{
	struct ir_arena *a = calloc(1, sizeof(*a));
	struct ir_ruleset *rs;

	if (a == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	a->head = ir_chunk_new(IR_ARENA_CHUNK);
	if (a->head == NULL) {
		free(a);
		return NULL;
	}
	rs = (struct ir_ruleset *)a->head->data;
	a->head->used = (sizeof(*rs) + IR_ARENA_ALIGN - 1) & ~(size_t)(IR_ARENA_ALIGN - 1);
	a->total = a->head->used;
	rs->arena = a;
	return rs;
}

void *
ir_alloc(struct ir_ruleset *rs, size_t size)
{
	struct ir_arena *a = rs->arena;
	struct ir_chunk *c = a->head;
	size_t need = (size + IR_ARENA_ALIGN - 1) & ~(size_t)(IR_ARENA_ALIGN - 1);
	void *p;

	if (need == 0)
		need = IR_ARENA_ALIGN;
	if (c->size - c->used < need) {
		size_t sz = need > IR_ARENA_CHUNK / 4 ? need : IR_ARENA_CHUNK;
		struct ir_chunk *n = ir_chunk_new(sz);

		if (n == NULL)
			return NULL;
		if (sz == need) {
			/* big block: keep filling the current chunk */
			n->next = c->next;
			c->next = n;
		} else {
			n->next = c;
			a->head = n;
		}
		c = n;
	}
	p = c->data + c->used;
	c->used += need;
	a->total += need;
	return p;	/* chunks are calloc'ed: already zero */
}

void *
ir_calloc(struct ir_ruleset *rs, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	return ir_alloc(rs, n * size);
}

void *
ir_memdup(struct ir_ruleset *rs, const void *p, size_t size)
{
	void *d = ir_alloc(rs, size);

	if (d != NULL && size != 0)
		memcpy(d, p, size);
	return d;
}

char *
ir_strdup(struct ir_ruleset *rs, const char *s)
{
	return ir_memdup(rs, s, strlen(s) + 1);
}

size_t
ir_ruleset_mem(const struct ir_ruleset *rs)
{
	return rs->arena->total;
}

void
ir_ruleset_free(struct ir_ruleset *rs)
{
	struct ir_chunk *c, *next;

	if (rs == NULL)
		return;
	/* rs itself lives in the first chunk: read the arena first */
	struct ir_arena *a = rs->arena;

	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
}
