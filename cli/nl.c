// SPDX-License-Identifier: GPL-2.0
/*
 * hsmon(8): the generic netlink plumbing. Looks the family and its
 * multicast group up through the controller (CTRL_CMD_GETFAMILY, as
 * iproute2 and conntrack-tools do), sends requests and reads their replies
 * to the final ack or NLMSG_DONE, turning kernel errors and their extended
 * acks into messages a user can act on.
 *
 * We run the receive loop ourselves rather than mnl_cb_run(): that one
 * stops at the first message flagged NLM_F_DUMP_INTR, leaving the rest of
 * the dump in the socket, where we want to read the dump to its end and
 * then decide whether to start over.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "hsmon.h"
#include "nl.h"

#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK		10
#endif
#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK		11
#endif
#ifndef NLM_F_CAPPED
#define NLM_F_CAPPED		0x100
#endif
#ifndef NLM_F_ACK_TLVS
#define NLM_F_ACK_TLVS		0x200
#endif

/* A family as the controller describes it, and the one group we want. */
struct family_info {
	const char *group;		/* in: group name to look up, or NULL */
	uint16_t id;
	uint32_t version;
	uint32_t group_id;		/* out: 0 if the family has no such group */
};

struct extack {
	const char *msg;
	uint32_t offset;		/* of the bad attribute, 0 if none */
};

static struct nlmsghdr *msg_start(struct hsmon_nl *nl, char *buf,
				  uint16_t type, uint8_t cmd, uint8_t version,
				  uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++nl->seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = version;
	return nlh;
}

struct nlmsghdr *hsmon_nl_msg(struct hsmon_nl *nl, char *buf, uint8_t cmd,
			      uint16_t flags)
{
	return msg_start(nl, buf, nl->family, cmd, HSMON_GENL_VERSION, flags);
}

uint8_t hsmon_nl_cmd(const struct nlmsghdr *nlh)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*genl))
		return 0;
	return genl->cmd;
}

/* The name of the attribute of our request at offset, if we know it. */
static const char *bad_attr_name(const struct hsmon_req *req, uint32_t offset)
{
	const struct nlattr *attr;
	uint16_t type;

	if (!offset || !req->nlh || !req->attr_names)
		return NULL;
	mnl_attr_for_each(attr, req->nlh, sizeof(struct genlmsghdr)) {
		if ((const char *)attr - (const char *)req->nlh != (long)offset)
			continue;
		type = mnl_attr_get_type(attr);
		if (type < req->nattr_names && req->attr_names[type])
			return req->attr_names[type];
	}
	return NULL;
}

void hsmon_nl_perror(const struct hsmon_req *req, int err, const char *msg,
		     uint32_t bad_offset)
{
	const char *attr = bad_attr_name(req, bad_offset);

	if (err == EPERM) {
		fprintf(stderr, "hsmon: permission denied (CAP_NET_ADMIN needed): %s\n",
			req->op);
		return;
	}
	fprintf(stderr, "hsmon: %s: %s%s%s\n", req->op,
		attr ? attr : "", attr ? ": " : "",
		msg && *msg ? msg : strerror(err));
}

static int extack_attr_cb(const struct nlattr *attr, void *data)
{
	struct extack *ea = data;

	switch (mnl_attr_get_type(attr)) {
	case NLMSGERR_ATTR_MSG:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0)
			ea->msg = mnl_attr_get_str(attr);
		break;
	case NLMSGERR_ATTR_OFFS:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) >= 0)
			ea->offset = mnl_attr_get_u32(attr);
		break;
	}
	return MNL_CB_OK;
}

/* The TLVs after the first off bytes of an ack's or a DONE's payload. */
static void extack_parse(const struct nlmsghdr *nlh, size_t off,
			 struct extack *ea)
{
	memset(ea, 0, sizeof(*ea));
	off = MNL_ALIGN(off);
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) ||
	    off >= mnl_nlmsg_get_payload_len(nlh))
		return;
	mnl_attr_parse(nlh, off, extack_attr_cb, ea);
}

/* NLMSG_ERROR: the ack (error 0) or the failure of our request. */
static int handle_ack(struct hsmon_req *req, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	struct extack ea;
	size_t off;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e)) {
		fprintf(stderr, "hsmon: %s: truncated netlink error message\n",
			req->op);
		return HSMON_EXIT_FAIL;
	}
	off = sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED) &&
	    e->msg.nlmsg_len > sizeof(struct nlmsghdr))
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	extack_parse(nlh, off, &ea);

	req->err = -e->error;
	if (!e->error) {
		if (ea.msg)	/* a warning that came with a success */
			fprintf(stderr, "hsmon: %s: warning: %s\n", req->op,
				ea.msg);
		return HSMON_EXIT_OK;
	}
	if (req->err != req->quiet_err)
		hsmon_nl_perror(req, req->err, ea.msg, ea.offset);
	return HSMON_EXIT_FAIL;
}

/* NLMSG_DONE ends a dump; it carries the dump's error, if it failed. */
static int handle_done(struct hsmon_req *req, const struct nlmsghdr *nlh)
{
	struct extack ea;
	int err = 0;

	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int))
		memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(int));
	if (!err)
		return HSMON_EXIT_OK;
	extack_parse(nlh, sizeof(int), &ea);
	req->err = -err;
	if (req->err != req->quiet_err)
		hsmon_nl_perror(req, req->err, ea.msg, ea.offset);
	return HSMON_EXIT_FAIL;
}

int hsmon_nl_talk(struct hsmon_nl *nl, struct hsmon_req *req)
{
	const struct nlmsghdr *nlh;
	int status = HSMON_EXIT_OK;
	int len, ret;

	req->dump_intr = false;
	req->err = 0;
	if (mnl_socket_sendto(nl->sock, req->nlh, req->nlh->nlmsg_len) < 0) {
		fprintf(stderr, "hsmon: %s: sending the request: %s\n",
			req->op, strerror(errno));
		return HSMON_EXIT_FAIL;
	}
	for (;;) {
		len = mnl_socket_recvfrom(nl->sock, nl->buf, HSMON_NL_RCVBUF);
		if (len < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "hsmon: %s: reading the reply: %s\n",
				req->op, strerror(errno));
			return HSMON_EXIT_FAIL;
		}
		nlh = (const struct nlmsghdr *)nl->buf;
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			/* Left over from an earlier request: not ours. */
			if (nlh->nlmsg_seq != req->nlh->nlmsg_seq ||
			    nlh->nlmsg_pid != nl->portid)
				continue;
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				req->dump_intr = true;
			switch (nlh->nlmsg_type) {
			case NLMSG_ERROR:
				ret = handle_ack(req, nlh);
				return status ? status : ret;
			case NLMSG_DONE:
				ret = handle_done(req, nlh);
				return status ? status : ret;
			}
			/* After a callback failed, read on to the end quietly. */
			if (nlh->nlmsg_type == req->nlh->nlmsg_type &&
			    req->cb && !status)
				status = req->cb(nlh, req->data);
		}
	}
}

static int group_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type == CTRL_ATTR_MCAST_GRP_NAME &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
		return MNL_CB_OK;
	if (type == CTRL_ATTR_MCAST_GRP_ID &&
	    mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
		return MNL_CB_OK;
	if (type <= CTRL_ATTR_MCAST_GRP_MAX)
		tb[type] = attr;
	return MNL_CB_OK;
}

static void family_groups(const struct nlattr *groups, struct family_info *fi)
{
	const struct nlattr *grp;

	mnl_attr_for_each_nested(grp, groups) {
		const struct nlattr *tb[CTRL_ATTR_MCAST_GRP_MAX + 1] = {};

		mnl_attr_parse_nested(grp, group_attr_cb, tb);
		if (tb[CTRL_ATTR_MCAST_GRP_NAME] && tb[CTRL_ATTR_MCAST_GRP_ID] &&
		    !strcmp(mnl_attr_get_str(tb[CTRL_ATTR_MCAST_GRP_NAME]),
			    fi->group))
			fi->group_id = mnl_attr_get_u32(tb[CTRL_ATTR_MCAST_GRP_ID]);
	}
}

static int family_attr_cb(const struct nlattr *attr, void *data)
{
	struct family_info *fi = data;

	switch (mnl_attr_get_type(attr)) {
	case CTRL_ATTR_FAMILY_ID:
		if (mnl_attr_validate(attr, MNL_TYPE_U16) >= 0)
			fi->id = mnl_attr_get_u16(attr);
		break;
	case CTRL_ATTR_VERSION:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) >= 0)
			fi->version = mnl_attr_get_u32(attr);
		break;
	case CTRL_ATTR_MCAST_GROUPS:
		if (fi->group && mnl_attr_validate(attr, MNL_TYPE_NESTED) >= 0)
			family_groups(attr, fi);
		break;
	}
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_attr_cb, data);
	return HSMON_EXIT_OK;
}

/* CTRL_CMD_GETFAMILY name; the controller answers ENOENT if there is none. */
static int get_family(struct hsmon_nl *nl, const char *name,
		      struct family_info *fi, int *err)
{
	char buf[HSMON_NL_SNDBUF];
	struct hsmon_req req = {
		.op = "looking up the generic netlink family",
		.cb = family_cb,
		.data = fi,
		.quiet_err = ENOENT,
	};
	int ret;

	req.nlh = msg_start(nl, buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1,
			    NLM_F_ACK);
	mnl_attr_put_strz(req.nlh, CTRL_ATTR_FAMILY_NAME, name);
	ret = hsmon_nl_talk(nl, &req);
	*err = req.err;
	if (!ret && !fi->id) {
		fprintf(stderr, "hsmon: the controller gave no id for family '%s'\n",
			name);
		return HSMON_EXIT_FAIL;
	}
	return ret;
}

int hsmon_nl_open(struct hsmon_nl *nl)
{
	struct family_info fi = { .group = HSMON_MCGRP_EVENTS };
	int one = 1, err, ret;

	memset(nl, 0, sizeof(*nl));
	nl->seq = time(NULL);
	nl->buf = malloc(HSMON_NL_RCVBUF);
	if (!nl->buf) {
		fprintf(stderr, "hsmon: out of memory\n");
		return HSMON_EXIT_FAIL;
	}
	nl->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sock || mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		fprintf(stderr, "hsmon: cannot open a generic netlink socket: %s\n",
			strerror(errno));
		return HSMON_EXIT_FAIL;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	/* Error messages from the kernel, without our request echoed back;
	 * kernels without them just give the bare errno. */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));

	ret = get_family(nl, HSMON_GENL_NAME, &fi, &err);
	if (ret && err == ENOENT)
		fprintf(stderr, "hsmon: kernel module not loaded: generic netlink family '%s' not found\n",
			HSMON_GENL_NAME);
	if (ret)
		return ret;
	nl->family = fi.id;
	nl->version = fi.version;
	nl->grp_events = fi.group_id;
	return HSMON_EXIT_OK;
}

uint32_t hsmon_nl_ctrl_notify_group(struct hsmon_nl *nl)
{
	struct family_info ctrl = { .group = "notify" };
	int err;

	if (get_family(nl, "nlctrl", &ctrl, &err))
		return 0;
	return ctrl.group_id;
}

void hsmon_nl_close(struct hsmon_nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl->buf);
	memset(nl, 0, sizeof(*nl));
}
