/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The interposed DPDK symbols.  This file defines rte_flow_validate,
 * rte_flow_create, rte_flow_destroy, rte_flow_flush, rte_flow_query,
 * rte_flow_isolate, rte_eth_rx_metadata_negotiate, rte_eth_dev_start and
 * rte_eth_dev_close with DPDK's signatures.  Linked into an executable (or
 * preloaded), these definitions are the ones the program's calls bind to;
 * attached ports go to the emulator, every other port to DPDK's own
 * function, found once with dlsym(RTLD_NEXT).
 *
 * Thread safety: the real-function pointers are resolved lazily with
 * atomic loads/stores (two threads may both resolve; same value).
 */

#include <dlfcn.h>
#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_flow.h>

#include "tests/flowemu/flowemu_int.h"

static void *
real_sym(void **slot, const char *name)
{
	void *f = __atomic_load_n(slot, __ATOMIC_ACQUIRE);

	if (f == NULL) {
		f = dlsym(RTLD_NEXT, name);
		__atomic_store_n(slot, f, __ATOMIC_RELEASE);
	}
	return f;
}

#define REAL(name) \
	static void *real_ ## name ## _slot; \
	typeof(&name) real_ ## name = (typeof(&name))real_sym(&real_ ## name ## _slot, #name)

static int
no_real(struct rte_flow_error *error, const char *name)
{
	return rte_flow_error_set(error, ENOSYS, RTE_FLOW_ERROR_TYPE_UNSPECIFIED, NULL,
		flowemu_msg("flowemu: %s not found after the interposer", name));
}

int
rte_flow_validate(uint16_t port_id, const struct rte_flow_attr *attr,
		  const struct rte_flow_item pattern[],
		  const struct rte_flow_action actions[], struct rte_flow_error *error)
{
	struct flowemu_port *fp = flowemu_port_get(port_id);
	REAL(rte_flow_validate);

	if (fp != NULL)
		return flowemu_port_validate(fp, attr, pattern, actions, error);
	if (real_rte_flow_validate == NULL)
		return no_real(error, __func__);
	return real_rte_flow_validate(port_id, attr, pattern, actions, error);
}

struct rte_flow *
rte_flow_create(uint16_t port_id, const struct rte_flow_attr *attr,
		const struct rte_flow_item pattern[],
		const struct rte_flow_action actions[], struct rte_flow_error *error)
{
	struct flowemu_port *fp = flowemu_port_get(port_id);
	REAL(rte_flow_create);

	if (fp != NULL)
		return flowemu_port_create(fp, attr, pattern, actions, error);
	if (real_rte_flow_create == NULL) {
		no_real(error, __func__);
		return NULL;
	}
	return real_rte_flow_create(port_id, attr, pattern, actions, error);
}

int
rte_flow_destroy(uint16_t port_id, struct rte_flow *flow, struct rte_flow_error *error)
{
	struct flowemu_port *fp = flowemu_port_get(port_id);
	REAL(rte_flow_destroy);

	if (fp != NULL)
		return flowemu_port_destroy(fp, flow, error);
	if (real_rte_flow_destroy == NULL)
		return no_real(error, __func__);
	return real_rte_flow_destroy(port_id, flow, error);
}

int
rte_flow_flush(uint16_t port_id, struct rte_flow_error *error)
{
	struct flowemu_port *fp = flowemu_port_get(port_id);
	REAL(rte_flow_flush);

	if (fp != NULL)
		return flowemu_port_flush(fp, error);
	if (real_rte_flow_flush == NULL)
		return no_real(error, __func__);
	return real_rte_flow_flush(port_id, error);
}

int
rte_flow_query(uint16_t port_id, struct rte_flow *flow,
	       const struct rte_flow_action *action, void *data,
	       struct rte_flow_error *error)
{
	struct flowemu_port *fp = flowemu_port_get(port_id);
	REAL(rte_flow_query);

	if (fp != NULL)
		return flowemu_port_query(fp, flow, action, data, error);
	if (real_rte_flow_query == NULL)
		return no_real(error, __func__);
	return real_rte_flow_query(port_id, flow, action, data, error);
}

int
rte_flow_isolate(uint16_t port_id, int set, struct rte_flow_error *error)
{
	struct flowemu_port *fp = flowemu_port_get(port_id);
	REAL(rte_flow_isolate);

	if (fp != NULL)
		return flowemu_port_isolate(fp, set, error);
	if (real_rte_flow_isolate == NULL)
		return no_real(error, __func__);
	return real_rte_flow_isolate(port_id, set, error);
}

int
rte_eth_rx_metadata_negotiate(uint16_t port_id, uint64_t *features)
{
	REAL(rte_eth_rx_metadata_negotiate);
	int ret = flowemu_port_metadata(port_id, features);

	if (ret <= 0)
		return ret;
	if (real_rte_eth_rx_metadata_negotiate == NULL)
		return -ENOSYS;
	return real_rte_eth_rx_metadata_negotiate(port_id, features);
}

int
rte_eth_dev_start(uint16_t port_id)
{
	REAL(rte_eth_dev_start);
	int ret;

	if (real_rte_eth_dev_start == NULL)
		return -ENOSYS;
	ret = real_rte_eth_dev_start(port_id);
	if (ret != 0)
		return ret;
	ret = flowemu_port_started(port_id);
	return ret < 0 ? ret : 0;
}

int
rte_eth_dev_close(uint16_t port_id)
{
	REAL(rte_eth_dev_close);

	flowemu_port_closing(port_id);
	if (real_rte_eth_dev_close == NULL)
		return -ENOSYS;
	return real_rte_eth_dev_close(port_id);
}
