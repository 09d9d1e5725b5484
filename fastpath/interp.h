/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NFTFWD_INTERP_H
#define NFTFWD_INTERP_H

/*
 * interp - the reference interpreter: the executable semantics of the IR,
 * evaluating a packet exactly as the kernel's nft_do_chain() does on the
 * netdev ingress hook of its input port.
 *
 * Contract
 * - Threading: interp_run() may run on any number of lcores at once on the
 *   same fp_ruleset, each with its own lcore_idx (< rs->n_lcores, one thread
 *   per index). It reads the ruleset and updates only its runtime state
 *   (counters per lcore, limits under their spinlocks, quotas atomically).
 * - No syscalls; no allocation except the dup and reject mbufs, taken from
 *   the packet's own mempool. `log` writes at most rs->log_per_sec lines a
 *   second per lcore through rte_log (which itself writes to its stream);
 *   the rest are counted in fp_lcore_state.log_suppressed.
 * - Never fails: whatever the kernel would answer with NFT_BREAK (short
 *   packet, no transport header, no set element, ...) means "this rule does
 *   not match" here too.
 * - Ownership: m stays the caller's whatever the result: the caller sends
 *   it (ACCEPT, FWD) or frees it (DROP). payload statements modify m in
 *   place. res->extra[] are new mbufs the caller now owns and must send (or
 *   free): dup copies and reject replies, in the order the kernel emits
 *   them (all before the original packet).
 * - Byte order: see ir.h (register images); the mark is host order.
 *
 * Semantics (kernel 6.x, net/netfilter/nf_tables_core.c nft_do_chain()):
 * - The port's base chains run in order (fp_ruleset.h). In a chain, rules
 *   run in order; a rule's items run in order: a failing match, limit or
 *   quota, or a map without the key, ends the rule (next rule); statements
 *   run when reached. Then the rule's verdict: accept ends this base chain
 *   (the next base chain runs); drop is final; continue or none goes to the
 *   next rule; jump pushes the next rule and enters the chain; goto enters
 *   it without pushing; return (or the end of a regular chain) pops; with
 *   nothing to pop, the base chain's policy applies.
 * - A jump with FP_JUMP_STACK_SIZE (16) frames pushed drops the packet, as
 *   the kernel does (return NF_DROP after DEBUG_NET_WARN_ON_ONCE). It cannot
 *   happen with a ruleset the kernel accepted: its nft_chain_validate()
 *   refuses jumps 16 deep (-EMLINK), and so does fp_ruleset_build().
 * - fwd to: the packet leaves through that port (NF_STOLEN: no later rule
 *   or base chain runs). dup to: a copy leaves; evaluation goes on. reject:
 *   the reply (if the kernel would build one) leaves through the input
 *   port, the packet is dropped.
 * - meta: mark (res->mark, starts at 0 like skb->mark on ingress; `meta
 *   mark set` changes it for the rest of the packet's evaluation, later base
 *   chains included), iif (the port's device id), iifname (the port name,
 *   NUL-padded to 16), iiftype 1 (ARPHRD_ETHER), len (from the network
 *   header), protocol, l4proto, pkttype, nfproto (NFPROTO_NETDEV).
 * - A base chain that mangled the packet makes the next base chain see it
 *   parsed again (the kernel rebuilds nft_pktinfo for every hook), keeping
 *   pkttype. (skb->protocol is not re-derived by the kernel: a rule that
 *   rewrites the ethertype therefore diverges; not supported.)
 */

#include <stdint.h>

#include <rte_mbuf.h>

#include "fastpath/fp_ruleset.h"
#include "fastpath/pkt_view.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Frames a result carries besides the packet itself. More are counted in
 * fp_lcore_state.extra_lost and not produced. */
#define INTERP_MAX_EXTRA	8

enum interp_disp {
	INTERP_ACCEPT = 0,	/* every base chain accepted: out_port */
	INTERP_DROP,		/* drop, reject, or a dropping policy */
	INTERP_FWD,		/* `fwd to`: out_port */
	INTERP_STOLEN,		/* the interpreter kept the packet (unused) */
};

/* Why: for stats and tests. */
enum interp_reason {
	INTERP_R_RULE = 0,	/* a rule's verdict or statement decided */
	INTERP_R_POLICY,	/* a base chain's policy */
	INTERP_R_NO_CHAIN,	/* accept: no base chain on the port */
	INTERP_R_JUMPSTACK,	/* drop: jump stack overflow */
	INTERP_R_NOT_SEEN,	/* drop: the hook never sees the frame */
};

struct interp_out {
	uint16_t port;
	struct rte_mbuf *m;
};

struct interp_result {
	enum interp_disp disp;
	enum interp_reason reason;
	uint16_t out_port;	/* ACCEPT: the input port's peer (FP_PORT_PEER
				 * when the ruleset has no peers); FWD: port */
	uint16_t n_extra;
	uint32_t mark;		/* the packet's mark at the end */
	/* where the last decision was taken: hook index (-1: none), chain,
	 * rule index in that chain (nrules: the policy) */
	int32_t hook_idx;
	const struct ir_chain *chain;
	uint32_t rule_idx;
	struct interp_out extra[INTERP_MAX_EXTRA];
};

/*
 * Evaluate packet m received on in_port, parsed into v (pkt_view_parse()
 * on in_port's MAC). A frame the hook does not see (v->flags without
 * PKT_VIEW_F_HOOK) is dropped without running anything
 * (INTERP_R_NOT_SEEN: the kernel frees it before the hook).
 */
void interp_run(const struct fp_ruleset *rs, unsigned int lcore_idx,
		uint16_t in_port, struct rte_mbuf *m, const struct pkt_view *v,
		struct interp_result *res);

/*
 * Resume: evaluate as if the port's base chains before hook_idx had all
 * accepted, and base chain hook_idx (fp_ruleset_hook_index()) had run up
 * to rule rule_idx, not included, with each of those rules falling through
 * (no verdict, call stack empty) and leaving the packet with `mark`. So:
 * rules rule_idx.. of that chain run (rule_idx == nrules: its policy
 * applies), then the later base chains, exactly as interp_run() would.
 * State of the skipped rules (counters, quotas, limits) is not touched:
 * whoever decided them accounts for them. Only base-chain positions can be
 * resumed (not a position inside a jumped-to chain). hook_idx out of range:
 * accept like a port without chains; rule_idx > nrules: the policy.
 */
void interp_run_from(const struct fp_ruleset *rs, unsigned int lcore_idx,
		     uint16_t in_port, struct rte_mbuf *m,
		     const struct pkt_view *v, uint32_t hook_idx,
		     uint32_t rule_idx, uint32_t mark,
		     struct interp_result *res);

/* Name for logs ("accept", "drop", "fwd", "stolen"). */
const char *interp_disp_name(enum interp_disp d);

/*
 * nft_byteorder on a register image in place: len 2 or 8, or not a
 * multiple of 4, is one integer (all bytes reversed); otherwise len / 4
 * 32-bit registers, each reversed (nft_byteorder size 4). Shared by the
 * interpreter and the classifier's key builder so both see the same bytes.
 */
static inline void
interp_swap_img(uint8_t *r, unsigned int len)
{
	uint8_t t;

	if (len == 2 || len == 8 || len % 4 != 0) {
		for (unsigned int i = 0; i < len / 2; i++) {
			t = r[i];
			r[i] = r[len - 1 - i];
			r[len - 1 - i] = t;
		}
		return;
	}
	for (unsigned int w = 0; w < len; w += 4) {
		t = r[w]; r[w] = r[w + 3]; r[w + 3] = t;
		t = r[w + 1]; r[w + 1] = r[w + 2]; r[w + 2] = t;
	}
}

#ifdef __cplusplus
}
#endif

#endif /* NFTFWD_INTERP_H */
