/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ir_json.h - JSON rendering of the IR (for --dump-ir, tests, and change
 * detection in the mirror).
 *
 * Contract
 * - Read-only on the ruleset; thread-safe as far as jansson is.
 * - Bytes (values, masks, keys) are lower-case hex strings, in the order
 *   the IR stores them (see ir.h). Keys are sorted: the text of two equal
 *   rulesets is byte-identical.
 * - IR_JSON_NO_STATE leaves out what traffic changes (counter values,
 *   quota consumption) and the generation id: two dumps of an unchanged
 *   ruleset compare equal.
 * - Functions return NULL / -errno on failure.
 */
#ifndef NFTFWD_IR_JSON_H
#define NFTFWD_IR_JSON_H

#include <stdbool.h>

#include <jansson.h>

#include "ir.h"

#ifdef __cplusplus
extern "C" {
#endif

enum ir_json_flags {
	IR_JSON_NO_STATE = 1u << 0,
};

/* New reference, or NULL. */
json_t *ir_json(const struct ir_ruleset *rs, unsigned int flags);
/* malloc'ed text (indented, keys sorted, trailing newline), or NULL. */
char *ir_json_dumps(const struct ir_ruleset *rs, unsigned int flags);
/* Write to path ("-" = stdout). */
int ir_json_write(const struct ir_ruleset *rs, const char *path,
		  unsigned int flags);
/* Same rules, sets, objects and devices (state ignored). */
bool ir_ruleset_equal(const struct ir_ruleset *a, const struct ir_ruleset *b);

#ifdef __cplusplus
}
#endif

#endif /* NFTFWD_IR_JSON_H */
