/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nftr_live.c - nftr_dump(): one consistent IR of the calling thread's
 * namespace, ifindexes resolved by if_indextoname().
 */
#include <errno.h>
#include <string.h>

#include "nftr_int.h"

int
nftr_host_ifname(void *arg, uint32_t ifindex, char name[IF_NAMESIZE])
{
	(void)arg;
	return if_indextoname(ifindex, name) != NULL ? 0 : -ENOENT;
}

int
nftr_dump_with(struct nftr_nl *nl, const char *table, struct ir_ruleset **out,
	       struct nftr_diag *diag)
{
	struct nftr_build_opts o = { .table = table, .strict_family = false,
				     .ifname = nftr_host_ifname };
	struct nftr_dump d;
	struct nftr_build_err where;
	int ret;

	ret = nftr_dump_snapshot(nl, table, &d);
	if (ret < 0)
		return nftr_diag_set(diag, ret, "cannot dump the ruleset: %s",
				     strerror(-ret));
	ret = nftr_build(&d, &o, out, diag, &where);
	nftr_dump_fini(&d);
	if (ret < 0)
		nftr_explain_rule(-1, &where, diag);
	return ret;
}

int
nftr_dump(const char *table, struct ir_ruleset **out, struct nftr_diag *diag)
{
	struct nftr_nl nl;
	int ret = nftr_nl_open(&nl, 0);

	if (ret < 0)
		return nftr_diag_set(diag, ret, "cannot open a netlink socket: %s",
				     strerror(-ret));
	ret = nftr_dump_with(&nl, table, out, diag);
	nftr_nl_close(&nl);
	return ret;
}
