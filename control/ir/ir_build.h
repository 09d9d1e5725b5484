/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ir_build.h - allocation API for IR producers (control/nft, tests).
 *
 * Contract
 * - A producer calls ir_ruleset_new(), fills the ruleset with memory taken
 *   from its arena (ir_alloc & co.), and hands it over. On any error it
 *   calls ir_ruleset_free(): there is never a partially built IR in use.
 * - Not thread-safe: one builder per ruleset.
 * - Allocations are zeroed, 16-byte aligned, and live until
 *   ir_ruleset_free(); there is no per-object free.
 * - Functions return NULL on allocation failure (errno = ENOMEM).
 */
#ifndef NFTFWD_IR_BUILD_H
#define NFTFWD_IR_BUILD_H

#include "ir.h"

#ifdef __cplusplus
extern "C" {
#endif

struct ir_ruleset *ir_ruleset_new(void);

void *ir_alloc(struct ir_ruleset *rs, size_t size);
void *ir_calloc(struct ir_ruleset *rs, size_t n, size_t size);
void *ir_memdup(struct ir_ruleset *rs, const void *p, size_t size);
char *ir_strdup(struct ir_ruleset *rs, const char *s);

/* Bytes allocated so far (arena footprint, for reporting). */
size_t ir_ruleset_mem(const struct ir_ruleset *rs);

#ifdef __cplusplus
}
#endif

#endif /* NFTFWD_IR_BUILD_H */
