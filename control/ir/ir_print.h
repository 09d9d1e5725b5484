/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ir_print.h - the IR as nft-like text (for --check and tests).
 *
 * Contract
 * - Read-only on the ruleset.
 * - Known header fields print with nft's names and types (`ip saddr
 *   10.0.0.0/8`, `tcp dport 1000-2000`), nft's implicit dependencies
 *   (`meta protocol ip` before `ip saddr`) are hidden as nft hides them;
 *   anything else prints in nft's raw syntax (`@nh,96,32 0x01020304`,
 *   `meta mark & 0x... == 0x...`). The goal is the same text as
 *   `nft list ruleset` for the same rules; IR_PRINT_HANDLES adds
 *   `# handle N` like `nft -a`.
 * - Functions return 0 or -errno (write errors).
 */
#ifndef NFTFWD_IR_PRINT_H
#define NFTFWD_IR_PRINT_H

#include <stdio.h>

#include "ir.h"

#ifdef __cplusplus
extern "C" {
#endif

enum ir_print_flags {
	IR_PRINT_HANDLES = 1u << 0,
	/* counters and quotas without what they have counted: the text of a
	 * rule's definition, to tell whether two rules are the same rule */
	IR_PRINT_NO_STATE = 1u << 1,
};

int ir_print(FILE *f, const struct ir_ruleset *rs, unsigned int flags);
/* One rule on one line, no newline, no handle; malloc'ed or NULL. */
char *ir_rule_str(const struct ir_ruleset *rs, const struct ir_table *t,
		  const struct ir_rule *r);
/* The same with IR_PRINT_NO_STATE (the only flag it reads). */
char *ir_rule_str_flags(const struct ir_ruleset *rs, const struct ir_table *t,
			const struct ir_rule *r, unsigned int flags);

#ifdef __cplusplus
}
#endif

#endif /* NFTFWD_IR_PRINT_H */
