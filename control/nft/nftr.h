/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nftr.h - nft reader: ruleset ingestion into the IR (control/ir/ir.h).
 *
 * We never parse nft syntax: nft and the kernel parse and validate, and we
 * read the kernel's rule bytecode back with libnftnl + libmnl.
 *
 * Contract
 * - Threading: every function is for the control thread. A struct
 *   nftr_mirror is used by one thread at a time. nftr_load_file() touches
 *   only the calling thread's network namespace, and restores it.
 * - Privileges: CAP_NET_ADMIN and CAP_SYS_ADMIN (run as root).
 * - Ownership: a returned struct ir_ruleset belongs to the caller
 *   (ir_ruleset_free()). struct nftr_diag strings belong to the caller
 *   (nftr_diag_free()).
 * - Errors: 0 or -errno, never exit(); the IR is all or nothing: on error
 *   *out is left untouched and the caller's previous IR stays valid.
 *   diag->msg says what went wrong (table, chain, rule handle, the rule as
 *   nft prints it, and the expression for unsupported rules).
 *	-EINVAL		nft rejected the file (diag->nft_stderr: verbatim)
 *	-EOPNOTSUPP	a rule, chain or set the IR cannot express
 *	-EAFNOSUPPORT	a table that is not in the netdev family
 *	-ENODEV		a base chain on a device that is not a port
 *	-ENOENT		mirror: the table does not exist
 *	-EAGAIN		the ruleset kept changing during the dump
 *	other		system errors (-ENOMEM, -EPERM, ...)
 * - nft: the nft binary is taken from $NFTR_NFT, else "nft" in $PATH.
 */
#ifndef NFTFWD_NFTR_H
#define NFTFWD_NFTR_H

#include "control/ir/ir.h"

#ifdef __cplusplus
extern "C" {
#endif

struct nftr_diag {
	char *msg;		/* our explanation, NULL if none */
	char *nft_stderr;	/* nft's stderr, verbatim; NULL if none */
	int nft_status;		/* nft's exit status, -1 if it did not run */
};

/* Initialise (all empty). */
void nftr_diag_init(struct nftr_diag *d);
/* Free the strings and re-initialise. */
void nftr_diag_free(struct nftr_diag *d);

/*
 * Load an nft file: in a private network namespace with one placeholder
 * interface per port name, run `nft -f path`, dump every table, build the
 * IR of its netdev tables, destroy the namespace. Any non-netdev table is
 * an error. Every base chain device must be one of ports[].
 * iif/fwd/dup/base-chain device names are the port names.
 */
int nftr_load_file(const char *path, const char *const *ports,
		   unsigned int nports, struct ir_ruleset **out,
		   struct nftr_diag *diag);

/*
 * Dump one netdev table (or every netdev table when table is NULL) of the
 * calling thread's network namespace; ifindexes are resolved with
 * if_indextoname(). Non-netdev tables are ignored. A missing or dormant
 * table gives an IR with no tables.
 */
int nftr_dump(const char *table, struct ir_ruleset **out,
	      struct nftr_diag *diag);

/* ---- mirror of a live host table --------------------------------------- */

struct nftr_mirror;

/*
 * Subscribe to nftables events in the calling thread's network namespace,
 * then dump netdev table `table` (consistent: between two equal generation
 * reads). *first receives the initial IR. -ENOENT if the table is absent.
 */
int nftr_mirror_open(const char *table, struct nftr_mirror **m,
		     struct ir_ruleset **first, struct nftr_diag *diag);

/* The event socket: poll it for POLLIN, then call nftr_mirror_process(). */
int nftr_mirror_fd(const struct nftr_mirror *m);

/*
 * Consume pending events without blocking. Events touching the table mark
 * the mirror dirty; at the end of a transaction (NFT_MSG_NEWGEN), or after
 * an event overrun (ENOBUFS), the table is dumped again.
 * Returns 1 and sets *out when the IR changed (ignoring counter and quota
 * values, which traffic moves), 0 when nothing changed, -errno on failure:
 * then *out is untouched, the caller keeps its IR, and the mirror stays
 * dirty so that the next call retries. A deleted or dormant table gives an
 * IR with no tables.
 */
int nftr_mirror_process(struct nftr_mirror *m, struct ir_ruleset **out,
			struct nftr_diag *diag);

/* Force a dump now (as after ENOBUFS); same results as process. */
int nftr_mirror_resync(struct nftr_mirror *m, struct ir_ruleset **out,
		       struct nftr_diag *diag);

/* Close the sockets. NULL is a no-op. */
void nftr_mirror_close(struct nftr_mirror *m);

#ifdef __cplusplus
}
#endif

#endif /* NFTFWD_NFTR_H */
