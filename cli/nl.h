/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hsmon(8): talking to the "hsmon" generic netlink family.
 */
#ifndef HSMON_NL_H
#define HSMON_NL_H

#include <stdbool.h>
#include <stdint.h>

#include <libmnl/libmnl.h>

/*
 * Big enough for the largest message the kernel sends a dump reader (it
 * sizes dump skbs after our receive buffer, up to 32 KiB).
 */
#define HSMON_NL_RCVBUF	65536
/* Request messages are small: a header and a handful of attributes. */
#define HSMON_NL_SNDBUF	1024

struct hsmon_nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
	uint16_t family;		/* the family's id, from the controller */
	uint32_t version;		/* the family's version */
	uint32_t grp_events;		/* "events" group id, 0 if none */
	char *buf;			/* HSMON_NL_RCVBUF bytes */
};

/* Called for each message of the family in a reply; returns an exit status. */
typedef int (*hsmon_nl_cb)(const struct nlmsghdr *nlh, void *data);

/* A request in flight: what to call, and how to name it in errors. */
struct hsmon_req {
	const char *op;			/* "config set": for error messages */
	struct nlmsghdr *nlh;		/* the request, kept to name bad attrs */
	const char *const *attr_names;	/* by attribute type, or NULL */
	unsigned int nattr_names;
	hsmon_nl_cb cb;
	void *data;
	int quiet_err;			/* an errno the caller reports itself */
	bool dump_intr;			/* out: NLM_F_DUMP_INTR was seen */
	int err;			/* out: the kernel's errno, 0 if none */
};

/* Open a socket and look the family up; prints why and returns 1 if not. */
int hsmon_nl_open(struct hsmon_nl *nl);
void hsmon_nl_close(struct hsmon_nl *nl);

/* The controller's "notify" group (family changes), 0 if unknown. */
uint32_t hsmon_nl_ctrl_notify_group(struct hsmon_nl *nl);

/* Start a request of the family in buf (HSMON_NL_SNDBUF bytes). */
struct nlmsghdr *hsmon_nl_msg(struct hsmon_nl *nl, char *buf, uint8_t cmd,
			      uint16_t flags);

/* Send req->nlh and read the replies to the end; returns an exit status. */
int hsmon_nl_talk(struct hsmon_nl *nl, struct hsmon_req *req);

/* Report a kernel error for op, with its extended ack if any. */
void hsmon_nl_perror(const struct hsmon_req *req, int err, const char *msg,
		     uint32_t bad_offset);

/* The genetlink command of a message. */
uint8_t hsmon_nl_cmd(const struct nlmsghdr *nlh);

#endif /* HSMON_NL_H */
