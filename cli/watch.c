// SPDX-License-Identifier: GPL-2.0
/*
 * hsmon watch: join the family's "events" multicast group and print one
 * line (or JSON object) per handshake outcome until SIGINT or SIGTERM.
 *
 * Signals stay blocked except inside ppoll(), so one arriving between two
 * reads cannot be lost and we never sleep through it. We also listen to the
 * controller's "notify" group, to stop when the module goes away rather
 * than wait forever for events that cannot come.
 */

#define _GNU_SOURCE		/* ppoll */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "hsmon.h"
#include "nl.h"

/* Room for bursts of events while we are descheduled. */
#define HSMON_WATCH_SOCKBUF	(4 << 20)

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/*
 * Text: the event's outcome, then the flow's columns as "hsmon flows" has
 * them but for the outcome column, which would only repeat it (a
 * notification carries the event's outcome, not the flow's own). Returns
 * an exit status, or -1 to go on.
 */
static int print_event(const struct hsmon_opts *o, const struct hsmon_flow *f)
{
	char cols[HSMON_NCOLS][HSMON_COL_MAX];
	int c;

	if (o->json) {
		hsmon_flow_json(stdout, f);
		putchar('\n');
	} else {
		hsmon_flow_columns(f, cols);
		fputs(cols[HSMON_COL_OUTCOME], stdout);
		for (c = 0; c < HSMON_NCOLS; c++)
			if (c != HSMON_COL_OUTCOME)
				printf(" %s", cols[c]);
		putchar('\n');
	}
	/* One event at a time into pipes; stop when nobody can read us. */
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "hsmon: watch: writing the output: %s\n",
			strerror(errno));
		return HSMON_EXIT_FAIL;
	}
	return -1;
}

static int ctrl_name_cb(const struct nlattr *attr, void *data)
{
	const char **name = data;

	if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_NAME &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0)
		*name = mnl_attr_get_str(attr);
	return MNL_CB_OK;
}

/* Is this the controller announcing that our family is gone? */
static bool family_removed(const struct nlmsghdr *nlh)
{
	const char *name = NULL;

	if (nlh->nlmsg_type != GENL_ID_CTRL ||
	    hsmon_nl_cmd(nlh) != CTRL_CMD_DELFAMILY)
		return false;
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), ctrl_name_cb, &name);
	return name && !strcmp(name, HSMON_GENL_NAME);
}

/* Handle what one read brought; an exit status, or -1 to go on. */
static int handle_events(const struct hsmon_opts *o, struct hsmon_nl *nl,
			 int len)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)nl->buf;
	struct hsmon_flow f;
	int ret;

	for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		if (family_removed(nlh)) {
			fprintf(stderr, "hsmon: watch: the kernel module was unloaded\n");
			return HSMON_EXIT_FAIL;
		}
		if (nlh->nlmsg_type != nl->family ||
		    hsmon_nl_cmd(nlh) != HSMON_CMD_FLOW_EVENT)
			continue;
		if (hsmon_flow_parse(nlh, &f) < 0) {
			fprintf(stderr, "hsmon: watch: skipped a malformed event\n");
			continue;
		}
		ret = print_event(o, &f);
		if (ret >= 0)
			return ret;
	}
	return -1;
}

static int join(struct hsmon_nl *nl, uint32_t group)
{
	return mnl_socket_setsockopt(nl->sock, NETLINK_ADD_MEMBERSHIP, &group,
				     sizeof(group));
}

static int watch(const struct hsmon_opts *o, struct hsmon_nl *nl)
{
	struct hsmon_req req = { .op = "watch" };
	struct sigaction sa = { .sa_handler = on_signal };
	int fd = mnl_socket_get_fd(nl->sock);
	int size = HSMON_WATCH_SOCKBUF;
	uint32_t notify;
	sigset_t block, orig;
	struct pollfd pfd;
	int len, ret;

	if (!nl->grp_events) {
		fprintf(stderr, "hsmon: watch: the kernel module has no '%s' multicast group\n",
			HSMON_MCGRP_EVENTS);
		return HSMON_EXIT_FAIL;
	}
	/* Before joining anything: this request's reply must not mix with events. */
	notify = hsmon_nl_ctrl_notify_group(nl);

	/* FORCE goes past rmem_max, with CAP_NET_ADMIN; else take what we get. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));

	if (join(nl, nl->grp_events) < 0) {
		hsmon_nl_perror(&req, errno, NULL, 0);
		return HSMON_EXIT_FAIL;
	}
	if (notify)
		join(nl, notify);

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &orig);
	sigdelset(&orig, SIGINT);
	sigdelset(&orig, SIGTERM);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);

	pfd.fd = fd;
	pfd.events = POLLIN;
	while (!stop) {
		if (ppoll(&pfd, 1, NULL, &orig) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "hsmon: watch: poll: %s\n", strerror(errno));
			return HSMON_EXIT_FAIL;
		}
		len = mnl_socket_recvfrom(nl->sock, nl->buf, HSMON_NL_RCVBUF);
		if (len < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				/* The kernel counts these too: events_dropped. */
				fprintf(stderr, "hsmon: watch: events lost, the socket receive buffer overflowed\n");
				continue;
			}
			fprintf(stderr, "hsmon: watch: reading events: %s\n",
				strerror(errno));
			return HSMON_EXIT_FAIL;
		}
		ret = handle_events(o, nl, len);
		if (ret >= 0)
			return ret;
	}
	return HSMON_EXIT_OK;
}

int hsmon_cmd_watch(const struct hsmon_opts *o, struct hsmon_args *a)
{
	struct hsmon_nl nl;
	int ret;

	if (a->argc)
		hsmon_usage_error("watch: unexpected argument '%s'", a->argv[0]);
	ret = hsmon_nl_open(&nl);
	if (!ret)
		ret = watch(o, &nl);
	hsmon_nl_close(&nl);
	return ret;
}
