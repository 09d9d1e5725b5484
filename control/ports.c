/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port resolution and set-up.
 */

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#include "control/offload.h"
#include "control/ports.h"
#include "fastpath/fwd.h"

RTE_LOG_REGISTER_SUFFIX(ports_logtype, port, INFO);
#define PORT_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, ports_logtype, "port: " fmt "\n", ##__VA_ARGS__)

#define PORTS_RXD 1024
#define PORTS_TXD 1024
#define PORTS_MBUF_CACHE 256

static struct rte_mempool *ports_pool[RTE_MAX_NUMA_NODES];
static bool ports_started[FWD_MAX_PORTS];

static int
ports_err(char *err, size_t len, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return ret;
}

static bool
ports_is_number(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static void
ports_list_available(char *buf, size_t len)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	uint16_t pid;
	size_t off = 0;

	buf[0] = '\0';
	RTE_ETH_FOREACH_DEV(pid) {
		if (rte_eth_dev_get_name_by_port(pid, name) != 0)
			continue;
		off += snprintf(buf + off, off < len ? len - off : 0, "%s%s",
			off == 0 ? "" : ", ", name);
	}
	if (off == 0)
		snprintf(buf, len, "none");
}

/* DEVICE is a port id, an ethdev name, or vdev arguments to hot-plug. */
static int
ports_find(const char *pname, const char *device, uint16_t *port_id,
	   char *err, size_t len)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	char avail[256];
	const char *comma;
	size_t n;
	int ret;

	if (ports_is_number(device)) {
		unsigned long id = strtoul(device, NULL, 10);

		if (id >= RTE_MAX_ETHPORTS || !rte_eth_dev_is_valid_port(id))
			goto missing;
		*port_id = (uint16_t)id;
		return 0;
	}
	comma = strchr(device, ',');
	n = comma != NULL ? (size_t)(comma - device) : strlen(device);
	if (n >= sizeof(name))
		return ports_err(err, len, -EINVAL,
			"port %s: device name '%.*s' is too long", pname,
			(int)n, device);
	memcpy(name, device, n);
	name[n] = '\0';
	if (rte_eth_dev_get_port_by_name(name, port_id) == 0) {
		if (comma != NULL)
			return ports_err(err, len, -EINVAL,
				"port %s: device %s already exists, its arguments '%s' cannot apply",
				pname, name, comma + 1);
		return 0;
	}
	/* Not probed yet: vdevs can be created from their arguments. */
	if (strncmp(name, "net_", 4) == 0) {
		ret = rte_dev_probe(device);
		if (ret < 0 && comma == NULL)
			goto missing;	/* a bare name: most likely a typo */
		if (ret < 0)
			return ports_err(err, len, -EINVAL,
				"port %s: cannot create device '%s': %s", pname,
				device, rte_strerror(-ret));
		if (rte_eth_dev_get_port_by_name(name, port_id) == 0) {
			PORT_LOG(INFO, "%s: created device %s", pname, device);
			return 0;
		}
	}
missing:
	ports_list_available(avail, sizeof(avail));
	return ports_err(err, len, -EINVAL,
		"port %s: no DPDK port '%s' (available: %s)", pname, device,
		avail);
}

int
ports_resolve(const struct cfg *c, char *err, size_t len)
{
	char names[FWD_MAX_PORTS][IFNAMSIZ];
	uint16_t ids[FWD_MAX_PORTS], peer[FWD_MAX_PORTS];
	unsigned int n = 0, i, j;
	uint16_t pid;
	int ret;

	if (c->n_ports > 0) {
		for (i = 0; i < c->n_ports; i++) {
			ret = ports_find(c->ports[i].name, c->ports[i].device,
				&ids[i], err, len);
			if (ret < 0)
				return ret;
			for (j = 0; j < i; j++)
				if (ids[j] == ids[i])
					return ports_err(err, len, -EINVAL,
						"ports %s and %s are the same DPDK port (%s)",
						c->ports[j].name, c->ports[i].name,
						c->ports[i].device);
			memcpy(names[i], c->ports[i].name, IFNAMSIZ);
		}
		n = c->n_ports;
	} else {
		RTE_ETH_FOREACH_DEV(pid) {
			if (n == FWD_MAX_PORTS)
				return ports_err(err, len, -EINVAL,
					"more than %d DPDK ports: name the ones to use with --port",
					FWD_MAX_PORTS);
			ids[n] = pid;
			snprintf(names[n], IFNAMSIZ, "port%u", pid);
			n++;
		}
		if (n == 0)
			return ports_err(err, len, -EINVAL,
				"no DPDK ports: give --port NAME=DEVICE or EAL --vdev/-a options");
	}
	ret = cfg_peers(c, (const char (*)[IFNAMSIZ])names, n, peer, err, len);
	if (ret < 0)
		return ret;

	fwd_ctx.n_ports = n;
	for (i = 0; i < n; i++) {
		struct fwd_port *p = &fwd_ctx.port[i];

		p->port_id = ids[i];
		p->peer = peer[i];
		memcpy(p->name, names[i], IFNAMSIZ);
	}
	return 0;
}

static unsigned int
ports_socket(uint16_t port_id)
{
	int s = rte_eth_dev_socket_id(port_id);

	return s < 0 ? 0 : (unsigned int)s;
}

static int
ports_create_pools(unsigned int n_rxq, unsigned int n_workers,
		   unsigned int burst, char *err, size_t len)
{
	unsigned int need[RTE_MAX_NUMA_NODES] = { 0 };
	unsigned int i, s;

	for (i = 0; i < fwd_ctx.n_ports; i++) {
		s = ports_socket(fwd_ctx.port[i].port_id);
		need[s] += n_rxq * PORTS_RXD + n_workers * PORTS_TXD;
	}
	for (s = 0; s < RTE_MAX_NUMA_NODES; s++) {
		char name[RTE_MEMPOOL_NAMESIZE];
		unsigned int n;

		if (need[s] == 0 || ports_pool[s] != NULL)
			continue;
		/* Descriptors, plus each worker's rx burst, tx buffers and
		 * mempool cache. */
		n = need[s] + n_workers *
			(burst * (fwd_ctx.n_ports + 1) + PORTS_MBUF_CACHE) + 1024;
		n = RTE_MAX(n, 8192u);
		snprintf(name, sizeof(name), "nftfwd_mbuf_%u", s);
		ports_pool[s] = rte_pktmbuf_pool_create(name, n,
			PORTS_MBUF_CACHE, 0, RTE_MBUF_DEFAULT_BUF_SIZE, (int)s);
		if (ports_pool[s] == NULL)
			return ports_err(err, len, -rte_errno,
				"cannot create a pool of %u mbufs on socket %u: %s",
				n, s, rte_strerror(rte_errno));
		PORT_LOG(INFO, "mbuf pool %s: %u mbufs", name, n);
	}
	return 0;
}

static int
ports_start_one(const struct cfg *c, struct fwd_port *p, unsigned int n_workers,
		char *err, size_t len)
{
	const unsigned int n_rxq = c->queues;
	const uint64_t rss_want = RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP;
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_dev_info info;
	struct rte_eth_txconf txconf;
	struct rte_eth_link link;
	struct rte_ether_addr mac;
	char devname[RTE_ETH_NAME_MAX_LEN];
	char linkstr[RTE_ETH_LINK_MAX_STR_LEN];
	uint16_t nb_rxd = PORTS_RXD, nb_txd = PORTS_TXD;
	uint16_t pid = p->port_id, q, n_txq;
	unsigned int s = ports_socket(pid);
	int ret;

	rte_eth_dev_get_name_by_port(pid, devname);
	ret = rte_eth_dev_info_get(pid, &info);
	if (ret != 0)
		return ports_err(err, len, -EIO, "port %s (%s): cannot get device info: %s",
			p->name, devname, rte_strerror(-ret));
	if (n_rxq > info.max_rx_queues)
		return ports_err(err, len, -EINVAL,
			"port %s (%s, %s): --queues %u but the device has at most %u rx queues",
			p->name, devname, info.driver_name, n_rxq, info.max_rx_queues);
	n_txq = (uint16_t)RTE_MIN(RTE_MIN(n_workers, (unsigned int)info.max_tx_queues),
		(unsigned int)FWD_MAX_TXQ);
	if (n_txq == 0)
		return ports_err(err, len, -EINVAL, "port %s (%s): the device has no tx queue",
			p->name, devname);
	p->n_txq = n_txq;
	p->tx_shared = n_txq < n_workers;
	for (q = 0; q < n_txq; q++)
		rte_spinlock_init(&p->txq_lock[q]);

	/* VLAN stripping stays off: the rules see tags as the kernel does. */
	conf.rxmode.offloads = 0;
	if (n_rxq > 1 && (info.flow_type_rss_offloads & rss_want) != 0) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = info.flow_type_rss_offloads & rss_want;
	} else if (n_rxq > 1) {
		PORT_LOG(WARNING, "%s (%s): no RSS in %s: queues other than 0 get only what the device puts there",
			p->name, devname, info.driver_name);
	}
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE;
	/* Rx metadata must be negotiated before the port is configured. */
	offload_negotiate(c, (unsigned int)(p - fwd_ctx.port), pid);

	ret = rte_eth_dev_configure(pid, (uint16_t)n_rxq, n_txq, &conf);
	if (ret != 0)
		return ports_err(err, len, -EIO, "port %s (%s): configure with %u rx / %u tx queues failed: %s",
			p->name, devname, n_rxq, n_txq, rte_strerror(-ret));
	ret = rte_eth_dev_adjust_nb_rx_tx_desc(pid, &nb_rxd, &nb_txd);
	if (ret != 0)
		return ports_err(err, len, -EIO, "port %s (%s): descriptor counts refused: %s",
			p->name, devname, rte_strerror(-ret));
	for (q = 0; q < n_rxq; q++) {
		ret = rte_eth_rx_queue_setup(pid, q, nb_rxd, s, NULL, ports_pool[s]);
		if (ret != 0)
			return ports_err(err, len, -EIO, "port %s (%s): rx queue %u: %s",
				p->name, devname, q, rte_strerror(-ret));
	}
	txconf = info.default_txconf;
	txconf.offloads = conf.txmode.offloads;
	for (q = 0; q < n_txq; q++) {
		ret = rte_eth_tx_queue_setup(pid, q, nb_txd, s, &txconf);
		if (ret != 0)
			return ports_err(err, len, -EIO, "port %s (%s): tx queue %u: %s",
				p->name, devname, q, rte_strerror(-ret));
	}
	ret = rte_eth_dev_start(pid);
	if (ret != 0)
		return ports_err(err, len, -EIO, "port %s (%s): start failed: %s",
			p->name, devname, rte_strerror(-ret));
	ports_started[p - fwd_ctx.port] = true;

	ret = rte_eth_promiscuous_enable(pid);
	if (ret != 0)
		PORT_LOG(NOTICE, "%s (%s): promiscuous mode not available: %s",
			p->name, devname, rte_strerror(-ret));
	if (rte_eth_macaddr_get(pid, &mac) != 0)
		memset(&mac, 0, sizeof(mac));
	p->mac = mac;
	if (rte_eth_link_get_nowait(pid, &link) == 0)
		rte_eth_link_to_str(linkstr, sizeof(linkstr), &link);
	else
		snprintf(linkstr, sizeof(linkstr), "Link status unknown");
	PORT_LOG(INFO, "%s = %s (port %u, %s, socket %u): mac " RTE_ETHER_ADDR_PRT_FMT
		", %u rx queue(s)%s, %u tx queue(s)%s, peer %s; %s",
		p->name, devname, pid, info.driver_name, s, RTE_ETHER_ADDR_BYTES(&mac),
		n_rxq, conf.rxmode.mq_mode == RTE_ETH_MQ_RX_RSS ? " with RSS" : "",
		n_txq, p->tx_shared ? " shared by the workers" : "",
		fwd_ctx.port[p->peer].name, linkstr);
	return 0;
}

int
ports_start(const struct cfg *c, unsigned int n_workers, char *err, size_t len)
{
	unsigned int i;
	int ret;

	ret = ports_create_pools(c->queues, n_workers, c->burst, err, len);
	if (ret < 0)
		return ret;
	for (i = 0; i < fwd_ctx.n_ports; i++) {
		ret = ports_start_one(c, &fwd_ctx.port[i], n_workers, err, len);
		if (ret < 0)
			return ret;
	}
	return 0;
}

void
ports_close(void)
{
	unsigned int i;
	int ret;

	for (i = 0; i < fwd_ctx.n_ports; i++) {
		uint16_t pid = fwd_ctx.port[i].port_id;

		if (!ports_started[i])
			continue;
		ret = rte_eth_dev_stop(pid);
		if (ret != 0)
			PORT_LOG(WARNING, "%s: stop failed: %s",
				fwd_ctx.port[i].name, rte_strerror(-ret));
		rte_eth_dev_close(pid);
		ports_started[i] = false;
	}
}

unsigned int
ports_mbufs_in_use(void)
{
	unsigned int s, n = 0;

	for (s = 0; s < RTE_MAX_NUMA_NODES; s++)
		if (ports_pool[s] != NULL)
			n += rte_mempool_in_use_count(ports_pool[s]);
	return n;
}
