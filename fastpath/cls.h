/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NFTFWD_CLS_H
#define NFTFWD_CLS_H

/*
 * cls - the compiled classifier: each port's base chains compiled into
 * rte_acl contexts, so that finding the rule that decides a packet does not
 * cost one evaluation per rule. The reference interpreter (interp.h) stays
 * the specification; cls gives the same result for every packet.
 *
 * How (details in cls_int.h and in the comments of each cls_*.c):
 * - Every base chain a port runs is flattened into a program: its rules in
 *   order, with the chains it jumps or goes to inlined (their rules guarded
 *   by the jump rule's matches), verdict maps expanded per element. Each
 *   program entry gets the conjunction of its rule's leading matches (and of
 *   the jump rules above it) as a union of boxes over packet fields; the
 *   boxes become rte_acl rules whose priority is the entry's position.
 * - The program is cut into segments at the positions it can continue at
 *   (after a rule that does not end the chain, or whose check, limit or
 *   quota fails). rte_acl_classify() runs once per burst and segment, when
 *   the first packet reaches the segment, and answers per packet "the
 *   first entry of the segment whose boxes hold the packet". A segment's
 *   boxes are split by the fields they use into a few contexts (rte_acl
 *   builds mixed rule shapes slowly); tiny segments are not classified,
 *   their entries' boxes are tested on the key one by one.
 * - The candidate entry then runs exactly: matches the boxes do not encode
 *   exactly are checked, counters counted, limits and quotas evaluated, and
 *   its verdict taken; when the rule does not match after all or does not
 *   end the chain, the search resumes after it (same segment: its entries
 *   from there are tested in turn; else the next segment's answer).
 * - Rules whose statements cls does not run itself (mark/payload set, fwd,
 *   dup, reject, log, maps in statements) hand the packet to
 *   interp_run_from() at that rule; so do jumps into chains containing such
 *   rules, at the base-chain rule that jumps. (The mark is therefore always
 *   0 while cls decides, and `meta mark` matches are constants there.)
 * - Matches on the input port (iif, iifname), nfproto, iiftype are
 *   constants per port: a chain that reads iif/iifname is compiled per port.

 * Contract
 * - Build/free on the control thread. cls_build() only reads the
 *   fp_ruleset; the cls keeps a pointer to it and to its IR: both must
 *   outlive the cls. The cls is immutable after build.
 * - cls_run_burst() runs on any number of lcores at once (one thread per
 *   lcore_idx, as for interp_run()): lock-free, no allocation, no syscalls;
 *   it updates the fp_ruleset's runtime state (counters, limits, quotas)
 *   exactly as interp_run() would, packet by packet in burst order.
 * - Semantics: for every packet, cls_run_burst() produces what interp_run()
 *   would on the same fp_ruleset, state and clock: disp, reason, out_port,
 *   mark, hook_idx, chain, rule_idx, extra frames, packet changes, and the
 *   same runtime state changes.
 * - Byte order: rte_acl fields hold the register images of ir.h (memcmp
 *   order = the big-endian numbers rte_acl compares); nothing is converted
 *   per packet beyond what interp would do (byteorder operands).
 * - SIMD: rte_acl's classify method is chosen at build: AVX512X32, then
 *   AVX512X16, AVX2, SSE, scalar, the first the CPU and the EAL's maximum
 *   SIMD width allow. DPDK 22.11 caps that width at 256 bits unless told
 *   otherwise, which rules AVX512X32 out: with opts->simd_512, cls_build()
 *   raises it to 512 bits (rte_vect_set_max_simd_bitwidth()) when the CPU
 *   has AVX512F/VL/CD/BW, unless the user fixed it with
 *   --force-max-simd-bitwidth. cls_alg_name() says what was chosen.
 * - Result cache: unless opts->no_cache, each lcore keeps rte_acl's
 *   answers for the keys it has seen (cls_int.h: 16k entries, 512 KiB per
 *   lcore of the fp_ruleset, for programs whose key fits 24 bytes), so a
 *   packet of a known flow costs a hash lookup instead of a trie walk. The
 *   answer is a function of the key bytes alone, so hits change nothing.
 * - Memory: rte_acl's build memory is not bounded by rte_acl; each build
 *   runs under opts->build_mem_mb (cls_acl.c: the process's address-space
 *   limit is lowered for its duration). A segment that rte_acl cannot
 *   build is cut smaller, then, failing that, has its entries tested one
 *   by one: slower, still exact.
 * - Errors: cls_build() returns 0 or -errno (-ENOMEM, -EINVAL) with a
 *   message in opts->err; a failed build leaves nothing allocated.
 *   cls_run_burst() never fails.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_mbuf.h>

#include "fastpath/fp_ruleset.h"
#include "fastpath/interp.h"
#include "fastpath/pkt_view.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Packets cls_run_burst() classifies at once (larger bursts are split). */
#define CLS_BURST_MAX	64

struct cls;

struct cls_opts {
	/* Boxes one set lookup may expand to before it is checked at run time
	 * instead (binary search). 0: 1 << 18. */
	uint32_t max_set_boxes;
	/* ACL rules of one program (all its contexts). 0: 1 << 20. */
	uint32_t max_acl_rules;
	/* Memory one rte_acl build may take (MiB; see cls_acl.c): a build
	 * that needs more fails, and its entries are checked one by one.
	 * 0: 1024; UINT32_MAX: no limit. */
	uint32_t build_mem_mb;
	/* enum rte_acl_classify_alg; 0: the best the CPU allows. */
	int alg;
	/* Raise the EAL's max SIMD width to 512 bits when the CPU has AVX512
	 * (see the contract). */
	bool simd_512;
	/* Compile every base chain to "interpreter from rule 0" (tests). */
	bool interp_only;
	/* No result cache (see the contract): every burst classifies. */
	bool no_cache;
	char *err;		/* optional message buffer */
	size_t err_len;
};

struct cls_stats {
	uint32_t n_progs;	/* compiled base-chain programs */
	uint32_t n_entries;	/* program entries (rules, vmap elements, ...) */
	uint32_t n_acl_rules;	/* rte_acl rules, all contexts */
	uint32_t n_contexts;	/* rte_acl contexts */
	uint32_t n_handoff;	/* entries handing over to the interpreter */
	uint32_t n_checked;	/* entries with matches checked at run time
				 * (not encoded exactly, run-time vmaps) */
	uint32_t n_interp_progs;	/* programs run by the interpreter */
	uint32_t max_fields;	/* ACL fields of the widest program */
	uint32_t max_segments;	/* segments of one program */
	uint32_t n_linear_fallback;	/* segments rte_acl could not build */
	uint32_t n_cached_progs;	/* programs using the result cache */
	uint64_t cache_bytes;	/* result cache, all lcores */
	int alg;		/* enum rte_acl_classify_alg used */
	uint64_t build_ns;	/* wall time of cls_build() */
	uint64_t acl_ns;	/* of which in rte_acl_add_rules/build */
};

/* Compile rs (see the contract). *out on success. */
int cls_build(const struct fp_ruleset *rs, const struct cls_opts *opts,
	      struct cls **out);

/* Free (NULL is a no-op). No lcore may still be running it. */
void cls_free(struct cls *c);

/* cls_free() for a void pointer (struct fp_ruleset.cls_free). */
void cls_free_opaque(void *c);

void cls_get_stats(const struct cls *c, struct cls_stats *st);

/* The compiled programs as text (debugging, tests). */
void cls_dump(FILE *f, const struct cls *c);

/* "avx512x32", "avx2", ... */
const char *cls_alg_name(int alg);

/*
 * Classify and evaluate n packets received on in_port, parsed into v[]
 * (pkt_view_parse_burst() with in_port's MAC), on lcore lcore_idx: res[i]
 * receives what interp_run() would give m[i] (see the contract). Frames the
 * hook does not see are dropped (INTERP_R_NOT_SEEN) as interp_run() does.
 * Ownership as for interp_run(): m[i] stays the caller's; res[i].extra[]
 * frames are the caller's to send.
 */
void cls_run_burst(const struct cls *c, unsigned int lcore_idx,
		   uint16_t in_port, struct rte_mbuf *const *m,
		   const struct pkt_view *v, uint16_t n,
		   struct interp_result *res);

/*
 * Resume: interp_run_from(rs, lcore_idx, in_port, m, v, hook_idx, rule_idx,
 * 0, res) (interp.h), the same results and runtime state changes: the
 * port's base chains before hook_idx and the rules of base chain hook_idx
 * before rule_idx are skipped and their state left alone, the mark is 0.
 * Compiled positions are resumed per packet (no burst classification);
 * base chains the interpreter runs, and rules cls hands over, go to
 * interp_run_from() as in cls_run_burst(). m is parsed into v as there.
 * Held to interp_run_from() by tests/cls; the pipeline does not use it yet
 * (one packet per call is slower than the interpreter's short tail: see
 * pipeline_resume()).
 */
void cls_run_from(const struct cls *c, unsigned int lcore_idx,
		  uint16_t in_port, struct rte_mbuf *m,
		  const struct pkt_view *v, uint32_t hook_idx,
		  uint32_t rule_idx, struct interp_result *res);

#ifdef __cplusplus
}
#endif

#endif /* NFTFWD_CLS_H */
