/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nftr_netns.c - private network namespaces held by an fd, and placeholder
 * interfaces (ifb, else veth) created over rtnetlink.
 *
 * The calling thread enters a namespace only briefly (to open sockets and
 * create links) and always comes back; other threads never move.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>

#include "nftr_int.h"

static int
nftr_netns_self(void)
{
	int fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int
nftr_netns_new(int *nsfd)
{
	int saved, fd, err;

	saved = nftr_netns_self();
	if (saved < 0)
		return saved;
	if (unshare(CLONE_NEWNET) < 0) {
		err = -errno;
		close(saved);
		return err;
	}
	fd = nftr_netns_self();
	/* back home before anything else can fail */
	if (setns(saved, CLONE_NEWNET) < 0) {
		err = -errno;
		close(saved);
		if (fd >= 0)
			close(fd);
		return err;
	}
	close(saved);
	if (fd < 0)
		return fd;
	*nsfd = fd;
	return 0;
}

int
nftr_netns_enter(int nsfd, int *saved)
{
	int fd = nftr_netns_self();

	if (fd < 0)
		return fd;
	if (setns(nsfd, CLONE_NEWNET) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	*saved = fd;
	return 0;
}

int
nftr_netns_leave(int saved)
{
	int ret = setns(saved, CLONE_NEWNET) < 0 ? -errno : 0;

	close(saved);
	return ret;
}

static int
nftr_rtnl_newlink(struct mnl_socket *nl, const char *name, const char *kind,
		  const char *peer)
{
	char buf[1024];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifm;
	struct nlattr *linkinfo, *data, *pinfo;
	uint32_t seq = (uint32_t)time(NULL), portid = mnl_socket_get_portid(nl);
	ssize_t n;
	int ret;

	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
	if (peer != NULL) {
		data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
		pinfo = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
		ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
		ifm->ifi_family = AF_UNSPEC;
		mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
		mnl_attr_nest_end(nlh, pinfo);
		mnl_attr_nest_end(nlh, data);
	}
	mnl_attr_nest_end(nlh, linkinfo);

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (n < 0)
		return -errno;
	ret = mnl_cb_run(buf, (size_t)n, seq, portid, NULL, NULL);
	return ret < 0 ? -errno : 0;
}

int
nftr_link_add(const char *name, unsigned int idx)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	char peer[IF_NAMESIZE];
	int ret;

	if (nl == NULL)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto out;
	}
	ret = nftr_rtnl_newlink(nl, name, "ifb", NULL);
	if (ret == -EEXIST || ret == 0)
		goto out;
	/* no ifb on this kernel: a veth pair, the peer named apart */
	snprintf(peer, sizeof(peer), "nftrpeer%u", idx);
	ret = nftr_rtnl_newlink(nl, name, "veth", peer);
out:
	mnl_socket_close(nl);
	return ret;
}

int
nftr_link_index(const char *name, uint32_t *ifindex)
{
	unsigned int i = if_nametoindex(name);

	if (i == 0)
		return -errno;
	*ifindex = i;
	return 0;
}
