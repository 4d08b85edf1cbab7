// SPDX-License-Identifier: GPL-2.0
/*
 * nlfuzz: random and mutated requests to the "hsmon" generic netlink family,
 * for the hsmon selftests (hsmon_stress_nl_fuzz.sh).
 *
 *   nlfuzz fuzz [-s SEED] [-n PER_OP] [-t TIMEOUT_MS] [-v]
 *   nlfuzz cancel [-s SEED] [-n DUMPS] [-m MIN_FLOWS] [-t TIMEOUT_MS] [-v]
 *
 * fuzz: messages built from a valid template of each of seven kinds
 * (stats-get, flow-get, config-get, config-set, flush, the notification
 * flow-event sent as a request, an unknown command 0 or 7..255), 85% of them
 * then mutated: flags (NLM_F_DUMP on do ops, not or half of it on the dump,
 * NLM_F_ACK or not, ambiguous bits, no NLM_F_REQUEST), the genetlink
 * version, command and reserved bytes, attributes (unknown types, type 0,
 * types of another set, nested garbage, NLA_F_NESTED and NLA_F_NET_BYTEORDER
 * set or cleared, values at and next to the policy's bounds or random,
 * duplicates, nla_len short, long, past the end, below 4, trailing bytes),
 * nlmsg_len (cut, with or without the bytes after it; longer than the
 * message), control message types, random bytes; 1 to 8 messages per
 * sendmsg(), 1 to 4 datagrams at a time, sometimes junk after the last
 * message. It goes on until the kernel has read PER_OP messages (default
 * 100000) of each kind. Everything sent is a function of SEED (what comes
 * back depends on the table, which the fuzzing flushes and caps while
 * whatever traffic there is fills it).
 *
 * Each datagram is first walked the way netlink_rcv_skb() will walk it, so
 * the tool knows which headers the kernel reads (a truncated nlmsg_len makes
 * it read a header in the middle of a message: such "phantom" headers get a
 * sequence number of their own and the hsmon family's type, so nothing else
 * than hsmon is ever addressed) and where it stops (a header with nlmsg_len
 * below 16 or past the end of the datagram: the rest is dropped without a
 * reply). For each header read, a model of the genetlink core (6.1 and
 * 6.12), of the strict policy validation of lib/nlattr.c and of the family's
 * policies and checks predicts the answer:
 *   - not a request, or a control type: an ACK (error 0) if NLM_F_ACK asked
 *     for one, else nothing;
 *   - genetlink header cut: EINVAL; reserved byte or flags the core refuses
 *     (commands >= 1): EINVAL; no such command, or do/dump not supported:
 *     EOPNOTSUPP; an admin operation without CAP_NET_ADMIN over the
 *     namespace: EPERM (6.1 checks the permission before do/dump, 6.12
 *     after, so a wrong do/dump of an admin op is either);
 *   - attributes: the first bad one decides, EINVAL (unknown or unsupported
 *     type, wrong length of a fixed-size type, NLA_F_NESTED, trailing bytes,
 *     the family's validation functions) or ERANGE (out of range, binary
 *     too long), with the extack offset pointing at that attribute;
 *   - the dump's filter cross-checks: EINVAL, in NLMSG_ERROR (6.12) or in
 *     the NLMSG_DONE that ends the dump (6.1);
 *   - a dump request while an earlier one of the same datagrams may still
 *     run on the socket: EBUSY, or what it would get otherwise;
 *   - otherwise the answer: the reply of stats-get and config-get, then an
 *     ACK if asked; an ACK if asked for config-set and flush; the dump's
 *     messages ending with NLMSG_DONE (never an ACK).
 * After the datagrams, an NLMSG_NOOP asking for an ACK is sent: replies to
 * do requests are queued while sendmsg() runs, so once its ACK is read
 * every reply that is due has come; dumps are read to their end.
 *
 * Every reply is checked: an NLMSG_ERROR must echo the request exactly (its
 * header, and its payload unless capped), carry an errno of the allowed
 * set (EINVAL, ERANGE, EOPNOTSUPP, EPERM, EBUSY) equal to the model's and
 * well-formed extack TLVs; an answer must have the family's type, the request's sequence number
 * and command, consistent lengths, and attributes that parse to the end
 * with the types, lengths and values of the uapi header (every counter,
 * every knob, every field of a flow, flows that match the dump's filters).
 * Anything else, a reply to a request the kernel never read, a reply
 * missing after TIMEOUT_MS, or a reply that is not the model's prediction is
 * a failure. A socket subscribed to the events group (when allowed: else
 * joining must fail with EPERM) is drained and its notifications checked;
 * at the end, with notifications on, a few loopback handshakes (refused,
 * established, closed) make sure some are. The namespace's knobs are then
 * set back to what they were (and without CAP_NET_ADMIN must not have
 * changed).
 *
 * cancel: DUMPS (default 5000) flow-get dumps of a table of at least MIN_FLOWS flows, each
 * on a new socket with a small or large receive buffer, read for 0, 1 or 2
 * messages, then the socket is closed in the middle of the dump; some ask
 * for a second dump while the first runs (EBUSY). A complete dump before
 * and after must return every flow once.
 *
 * Prints a summary (lines starting "nlfuzz: "), and each failure on a line
 * starting "FAIL: " (the first 20 in detail, with the request in hex).
 * Exits 0 if nothing failed, 1 otherwise, 2 on a usage or setup error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <poll.h>
#include <arpa/inet.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "tools.h"

#include "../../include/uapi/linux/hsmon.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK		11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK		10
#endif
#ifndef NLM_F_CAPPED
#define NLM_F_CAPPED		0x100
#endif
#ifndef NLM_F_ACK_TLVS
#define NLM_F_ACK_TLVS		0x200
#endif
#ifndef NLM_F_DUMP_FILTERED
#define NLM_F_DUMP_FILTERED	0x20
#endif

#define AF_INET_		2
#define AF_INET6_		10

#define MSG_MAX		1024	/* one generated message */
#define DGRAM_MAX	(8 * MSG_MAX + 64)
#define RECV_MAX	65536
#define BATCH_MAX	8	/* messages per datagram */
#define GROUP_MAX	4	/* datagrams per NOOP */
#define RECS_MAX	(GROUP_MAX * (DGRAM_MAX / 16 + 2))
#define NATTRS_MAX	64
#define FAILS_SHOWN	20

/* The template kinds: the operations, and what is not one. */
enum {
	CAT_STATS_GET,
	CAT_FLOW_GET,
	CAT_CONFIG_GET,
	CAT_CONFIG_SET,
	CAT_FLUSH,
	CAT_FLOW_EVENT,
	CAT_UNKNOWN,
	NCATS,
	CAT_PHANTOM = NCATS,	/* a header read inside a mutated message */
	NCATS_ALL,
};

static const char *const cat_names[NCATS_ALL] = {
	"stats-get", "flow-get", "config-get", "config-set", "flush",
	"flow-event", "unknown-cmd", "phantom",
};

/*
 * The errnos a reply may carry. From the genetlink core: EINVAL (header
 * cut, reserved bits, attribute validation), EOPNOTSUPP (no such command,
 * do/dump not supported), EPERM (GENL_UNS_ADMIN_PERM), EBUSY (a dump
 * already running on the socket, __netlink_dump_start()); from the strict
 * policies: EINVAL and ERANGE; from hsmon's own checks: EINVAL. Not
 * allowed: ENOENT (no such family: we only ever address hsmon), ENOBUFS
 * (netlink_dump() with a full receive buffer: ours are drained before each
 * request), EMSGSIZE and ENOMEM (hsmon's replies fit and the guest has
 * memory), E2BIG and anything else.
 */
static const int allowed_errnos[] = { EINVAL, ERANGE, EOPNOTSUPP, EPERM, EBUSY };
#define NERRNOS		((int)(sizeof(allowed_errnos) / sizeof(allowed_errnos[0])))
#define ERR_OTHER	NERRNOS

/* What the kernel answers to one header it reads. */
enum {
	K_ACK0,		/* not a request or a control type: an ACK if asked */
	K_ERR,		/* an NLMSG_ERROR */
	K_DO,		/* a do operation that succeeds */
	K_DUMP,		/* a dump that starts */
};

struct filter {
	uint8_t has;		/* F_* */
	uint8_t family;
	uint8_t direction;
	uint8_t prefix_len;
	uint16_t port;
	uint8_t addr[16];
};

#define F_FAMILY	0x01
#define F_DIR		0x02
#define F_PORT		0x04
#define F_ADDR		0x08

/* One header the kernel reads, the model's prediction and what came. */
struct rec {
	uint32_t seq;
	int off;		/* in the batch's datagrams */
	uint32_t len;		/* its nlmsg_len */
	uint16_t type, flags;
	int cat;
	uint8_t cmd;
	int kind;
	int err, err2;		/* K_ERR: the errno, and another one allowed */
	bool cross;		/* K_ERR from the dump's cross-checks (may be in DONE) */
	bool may_busy;		/* a dump request after a started dump */
	int bad_off;		/* K_ERR: the extack offset due, -1 none */
	struct filter flt;	/* K_DUMP */
	/* seen */
	int n_data, n_ack, n_err, n_done;
	bool finished;
};

struct stats {
	unsigned long sent[NCATS_ALL];		/* messages (phantoms: headers read) */
	unsigned long dropped[NCATS_ALL];	/* not read by the kernel */
	unsigned long answers[NCATS_ALL];	/* valid replies / complete dumps */
	unsigned long acks[NCATS_ALL];
	unsigned long silent[NCATS_ALL];	/* read, and rightly no reply */
	unsigned long errs[NCATS_ALL][NERRNOS + 1];
	unsigned long dgrams, sentinels, dump_parts, dump_intr, dump_flows;
	unsigned long wrong_version, mutated, events, event_overruns;
	unsigned long cancelled, busy;
	unsigned long failures;
};

static struct stats st;
const char *prog = "nlfuzz";
static bool verbose;
static uint16_t fam_id;
static uint32_t mcgrp_id;
static int timeout_ms = 10000;
static bool admin;

/* ---------------------------------------------------------------- helpers */

static uint64_t rnd_state;

static uint64_t rnd(void)
{
	return rnd_next(&rnd_state);
}

static void rnd_seed(uint64_t seed)
{
	/* splitmix64 once: any seed, 0 included, gives a good state */
	uint64_t z = seed + 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	rnd_state = (z ^ (z >> 31)) | 1;
}

static unsigned int rn(unsigned int n)
{
	return n ? (unsigned int)(rnd() % n) : 0;
}

static bool chance(unsigned int percent)
{
	return rn(100) < percent;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static uint16_t get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static int errno_idx(int e)
{
	int i;

	for (i = 0; i < NERRNOS; i++)
		if (allowed_errnos[i] == e)
			return i;
	return ERR_OTHER;
}

static const char *errname(int e)
{
	static char buf[16];

	switch (e) {
	case 0: return "0";
	case EINVAL: return "EINVAL";
	case ERANGE: return "ERANGE";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EPERM: return "EPERM";
	case EBUSY: return "EBUSY";
	case ENOBUFS: return "ENOBUFS";
	case ENOENT: return "ENOENT";
	case EMSGSIZE: return "EMSGSIZE";
	case ENOMEM: return "ENOMEM";
	case E2BIG: return "E2BIG";
	case EAGAIN: return "EAGAIN";
	}
	snprintf(buf, sizeof(buf), "errno %d", e);
	return buf;
}

static void hex(FILE *f, const uint8_t *p, int len)
{
	int i;

	for (i = 0; i < len && i < 256; i++)
		fprintf(f, "%02x", p[i]);
	if (len > 256)
		fprintf(f, "...");
}

/*
 * A failure: counted, and the first ones printed with the request that
 * caused them (the datagram's bytes from its offset).
 */
static void fail(const struct rec *r, const uint8_t *dgram, const char *fmt, ...)
{
	va_list ap;

	st.failures++;
	if (st.failures > FAILS_SHOWN && !verbose)
		return;
	printf("FAIL: ");
	if (r)
		printf("[%s seq %u len %u type %#x flags %#x cmd %u] ",
		       cat_names[r->cat], r->seq, r->len, r->type, r->flags, r->cmd);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (r && dgram) {
		printf(" request: ");
		hex(stdout, dgram + r->off, r->len < 16 ? 16 : (int)r->len);
	}
	printf("\n");
	fflush(stdout);
}

/* ---------------------------------------------------------------- sockets */

/* A generic netlink socket; rcvbuf 0 keeps the default. */
static int nl_open(int rcvbuf, uint32_t *portid)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = timeout_ms / 1000,
			      .tv_usec = (timeout_ms % 1000) * 1000 };
	socklen_t salen = sizeof(sa);
	int one = 1, fd;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		die("socket(NETLINK_GENERIC): %s", strerror(errno));
	if (rcvbuf > 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)))
		die("SO_RCVBUF: %s", strerror(errno));
	if (setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)))
		die("NETLINK_EXT_ACK: %s", strerror(errno));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		die("SO_RCVTIMEO: %s", strerror(errno));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		die("bind: %s", strerror(errno));
	if (getsockname(fd, (struct sockaddr *)&sa, &salen))
		die("getsockname: %s", strerror(errno));
	if (portid)
		*portid = sa.nl_pid;
	return fd;
}

static void nl_send(int fd, const void *buf, size_t len)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	ssize_t n;

	n = sendto(fd, buf, len, 0, (struct sockaddr *)&sa, sizeof(sa));
	if (n < 0)
		die("sendto (%zu bytes): %s", len, strerror(errno));
	if ((size_t)n != len)
		die("sendto: %zd of %zu bytes sent", n, len);
}

/* A request of our own, not fuzzed: header, genetlink header, attributes. */
struct msg {
	uint8_t b[MSG_MAX];
	int len;
	bool unpadded;			/* the next message follows at once */
	int attr_off[NATTRS_MAX];	/* top-level attributes, from the start */
	int nattrs;
};

static void msg_init(struct msg *m, uint16_t type, uint16_t flags, uint32_t seq,
		     uint8_t cmd, uint8_t version)
{
	memset(m->b, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	put16(m->b + 4, type);
	put16(m->b + 6, flags);
	put32(m->b + 8, seq);
	put32(m->b + 12, 0);
	m->b[16] = cmd;
	m->b[17] = version;
	m->len = NLMSG_HDRLEN + GENL_HDRLEN;
	m->nattrs = 0;
	m->unpadded = false;
	put32(m->b, m->len);
}

/* Append an attribute; its nla_len is 4 + len, padding zeroed. */
static void msg_attr(struct msg *m, uint16_t type, const void *data, int len)
{
	int total = NLA_ALIGN(NLA_HDRLEN + len);

	if (m->len + total > MSG_MAX)
		return;
	if (m->nattrs < NATTRS_MAX)
		m->attr_off[m->nattrs++] = m->len;
	put16(m->b + m->len, NLA_HDRLEN + len);
	put16(m->b + m->len + 2, type);
	memset(m->b + m->len + NLA_HDRLEN, 0, total - NLA_HDRLEN);
	if (len)
		memcpy(m->b + m->len + NLA_HDRLEN, data, len);
	m->len += total;
	put32(m->b, m->len);
}

static void msg_u8(struct msg *m, uint16_t type, uint8_t v)
{
	msg_attr(m, type, &v, 1);
}

static void msg_u16(struct msg *m, uint16_t type, uint16_t v)
{
	msg_attr(m, type, &v, 2);
}

static void msg_u32(struct msg *m, uint16_t type, uint32_t v)
{
	msg_attr(m, type, &v, 4);
}

/* Walk the attributes of [p, p + len) like nla_for_each_attr(). */
#define for_each_nla(a, p, len, rem)					\
	for ((a) = (p), (rem) = (len);					\
	     (rem) >= NLA_HDRLEN && get16(a) >= NLA_HDRLEN && get16(a) <= (rem); \
	     (rem) -= NLA_ALIGN(get16(a)), (a) += NLA_ALIGN(get16(a)))

/* ---------------------------------------------------------------- family */

/* Resolve the family: CTRL_CMD_GETFAMILY, its id, version and events group. */
static void resolve_family(int fd)
{
	uint8_t buf[RECV_MAX];
	struct msg m;
	const uint8_t *a, *g, *gg;
	int rem, grem, ggrem;
	uint32_t version = 0;
	ssize_t n;
	int off;

	msg_init(&m, GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_ACK, 1, CTRL_CMD_GETFAMILY, 1);
	msg_attr(&m, CTRL_ATTR_FAMILY_NAME, HSMON_GENL_NAME, sizeof(HSMON_GENL_NAME));
	nl_send(fd, m.b, m.len);
	for (;;) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0)
			die("resolving %s: recv: %s", HSMON_GENL_NAME, strerror(errno));
		for (off = 0; off + NLMSG_HDRLEN <= n; off += NLMSG_ALIGN(get32(buf + off))) {
			uint32_t len = get32(buf + off);
			uint16_t type = get16(buf + off + 4);

			if (len < NLMSG_HDRLEN || off + len > (uint32_t)n)
				die("resolving %s: bad reply", HSMON_GENL_NAME);
			if (type == NLMSG_ERROR) {
				int err = -(int)get32(buf + off + 16);

				if (err)
					die("family %s not found: %s", HSMON_GENL_NAME,
					    strerror(err));
				if (!fam_id)
					die("family %s: no id in the reply", HSMON_GENL_NAME);
				if (version != HSMON_GENL_VERSION)
					die("family %s: version %u", HSMON_GENL_NAME, version);
				return;
			}
			if (type != GENL_ID_CTRL || len < NLMSG_HDRLEN + GENL_HDRLEN)
				continue;
			for_each_nla(a, buf + off + 20, (int)len - 20, rem) {
				switch (get16(a + 2) & NLA_TYPE_MASK) {
				case CTRL_ATTR_FAMILY_ID:
					fam_id = get16(a + 4);
					break;
				case CTRL_ATTR_VERSION:
					version = get32(a + 4);
					break;
				case CTRL_ATTR_MCAST_GROUPS:
					for_each_nla(g, a + 4, get16(a) - 4, grem) {
						const char *name = NULL;
						uint32_t id = 0;

						for_each_nla(gg, g + 4, get16(g) - 4, ggrem) {
							if ((get16(gg + 2) & NLA_TYPE_MASK) ==
							    CTRL_ATTR_MCAST_GRP_NAME)
								name = (const char *)gg + 4;
							else if ((get16(gg + 2) & NLA_TYPE_MASK) ==
								 CTRL_ATTR_MCAST_GRP_ID)
								id = get32(gg + 4);
						}
						if (name && !strcmp(name, HSMON_MCGRP_EVENTS))
							mcgrp_id = id;
					}
					break;
				}
			}
		}
	}
}

/* ---------------------------------------------------------------- model */

/* The family's policies, as module/netlink.c declares them. */
enum { P_UNSPEC, P_U8, P_U16, P_U32, P_FAMILY, P_ADDR };

struct pol {
	uint8_t kind;
	bool ranged;
	uint32_t min, max;
};

static const struct pol flow_get_pol[HSMON_A_FLOW_MAX + 1] = {
	[HSMON_A_FLOW_STATE]	  = { P_U8, true, HSMON_STATE_SYN_SENT, __HSMON_STATE_MAX - 1 },
	[HSMON_A_FLOW_FAMILY]	  = { P_FAMILY, false, 0, 0 },
	[HSMON_A_FLOW_DIRECTION]  = { P_U8, true, 0, __HSMON_DIR_MAX - 1 },
	[HSMON_A_FLOW_PORT]	  = { P_U16, false, 0, 0 },
	[HSMON_A_FLOW_ADDR]	  = { P_ADDR, false, 0, 0 },
	[HSMON_A_FLOW_PREFIX_LEN] = { P_U8, true, 0, 128 },
};

static const struct pol config_set_pol[HSMON_A_CONFIG_MAX + 1] = {
	[HSMON_A_CONFIG_MAX_FLOWS]	= { P_U32, true, 16, 16777216 },
	[HSMON_A_CONFIG_SYN_TIMEOUT]	= { P_U32, true, 1, 3600 },
	[HSMON_A_CONFIG_EST_TIMEOUT]	= { P_U32, true, 1, 2592000 },
	[HSMON_A_CONFIG_LINGER_TIMEOUT]	= { P_U32, true, 1, 3600 },
	[HSMON_A_CONFIG_EVENTS]		= { P_U8, true, 0, 1 },
	[HSMON_A_CONFIG_TRACK_MIDSTREAM] = { P_U8, true, 0, 1 },
};

/* Every attribute of these sets is NLA_UNSPEC: strict validation refuses it. */
static const struct pol none_pol[HSMON_A_STATS_MAX + 1];

static bool op_exists(uint8_t cmd)
{
	return cmd >= HSMON_CMD_STATS_GET && cmd <= HSMON_CMD_FLUSH;
}

static bool op_admin(uint8_t cmd)
{
	return cmd == HSMON_CMD_FLOW_GET || cmd == HSMON_CMD_CONFIG_SET ||
	       cmd == HSMON_CMD_FLUSH;
}

static void op_policy(uint8_t cmd, const struct pol **pol, int *maxtype)
{
	switch (cmd) {
	case HSMON_CMD_STATS_GET:
		*pol = none_pol;
		*maxtype = HSMON_A_STATS_MAX;
		break;
	case HSMON_CMD_FLOW_GET:
		*pol = flow_get_pol;
		*maxtype = HSMON_A_FLOW_MAX;
		break;
	case HSMON_CMD_CONFIG_GET:
		*pol = none_pol;
		*maxtype = HSMON_A_CONFIG_MAX;
		break;
	case HSMON_CMD_CONFIG_SET:
		*pol = config_set_pol;
		*maxtype = HSMON_A_CONFIG_MAX;
		break;
	default:	/* flush */
		*pol = none_pol;
		*maxtype = HSMON_A_FLOW_MAX;
		break;
	}
}

/*
 * One attribute against its policy entry, as validate_nla() does in strict
 * mode: 0, -EINVAL or -ERANGE.
 */
static int model_attr(const uint8_t *a, const struct pol *pt)
{
	int alen = get16(a) - NLA_HDRLEN;
	const uint8_t *d = a + NLA_HDRLEN;
	uint32_t v = 0;
	int size = 0;

	if (pt->kind == P_UNSPEC)
		return -EINVAL;			/* "Unsupported attribute" */
	switch (pt->kind) {
	case P_U8: size = 1; break;
	case P_U16: size = 2; break;
	case P_U32: size = 4; break;
	}
	if (size && alen != size)
		return -EINVAL;			/* "invalid attribute length" */
	if (get16(a + 2) & NLA_F_NESTED)
		return -EINVAL;			/* "NLA_F_NESTED not expected" */
	switch (pt->kind) {
	case P_U8:
		v = d[0];
		break;
	case P_U16:
		v = get16(d);
		break;
	case P_U32:
		v = get32(d);
		break;
	case P_FAMILY:
		if (alen > 1)
			return -ERANGE;		/* NLA_BINARY longer than its len */
		v = alen == 1 ? d[0] : 0;
		return v == AF_INET_ || v == AF_INET6_ ? 0 : -EINVAL;
	case P_ADDR:
		if (alen > 16)
			return -ERANGE;
		return alen == 4 || alen == 16 ? 0 : -EINVAL;
	}
	if (pt->ranged && (v < pt->min || v > pt->max))
		return -ERANGE;			/* "integer out of range" */
	return 0;
}

/*
 * The attributes of a request (len bytes at p, which sits at offset base of
 * the message) as __nla_validate_parse() sees them in strict mode. Returns
 * 0 or the errno, with *bad the offset of the attribute at fault (-1 for
 * trailing bytes); fills tb with the last attribute of each type.
 */
static int model_attrs(uint8_t cmd, const uint8_t *p, int len, int base,
		       const uint8_t **tb, int *bad)
{
	const struct pol *pol;
	const uint8_t *a;
	int maxtype, rem, err, type;

	op_policy(cmd, &pol, &maxtype);
	for_each_nla(a, p, len, rem) {
		type = get16(a + 2) & NLA_TYPE_MASK;
		*bad = base + (int)(a - p);
		if (type == 0 || type > maxtype)
			return -EINVAL;		/* "Unknown attribute type" */
		err = model_attr(a, &pol[type]);
		if (err)
			return err;
		if (tb)
			tb[type] = a;
	}
	if (rem > 0) {
		*bad = -1;			/* "bytes leftover after parsing" */
		return -EINVAL;
	}
	return 0;
}

/*
 * hsmon_filter_parse(): the checks across the filters (*bad: the attribute
 * at fault), and the filter.
 */
static int model_filter(const uint8_t **tb, struct filter *flt, const uint8_t **bad)
{
	const uint8_t *a;

	memset(flt, 0, sizeof(*flt));
	if (tb[HSMON_A_FLOW_FAMILY]) {
		flt->family = tb[HSMON_A_FLOW_FAMILY][4];
		flt->has |= F_FAMILY;
	}
	if (tb[HSMON_A_FLOW_DIRECTION]) {
		flt->direction = tb[HSMON_A_FLOW_DIRECTION][4];
		flt->has |= F_DIR;
	}
	if (tb[HSMON_A_FLOW_PORT]) {
		flt->port = get16(tb[HSMON_A_FLOW_PORT] + 4);
		flt->has |= F_PORT;
	}
	a = tb[HSMON_A_FLOW_ADDR];
	if (a) {
		int alen = get16(a) - NLA_HDRLEN;
		uint8_t fam = alen == 4 ? AF_INET_ : AF_INET6_;

		if ((flt->has & F_FAMILY) && flt->family != fam) {
			*bad = a;
			return -EINVAL;
		}
		flt->family = fam;
		flt->has |= F_FAMILY | F_ADDR;
		memcpy(flt->addr, a + 4, alen);
		flt->prefix_len = alen * 8;
	}
	a = tb[HSMON_A_FLOW_PREFIX_LEN];
	if (a) {
		if (!(flt->has & F_ADDR) || a[4] > flt->prefix_len) {
			*bad = a;
			return -EINVAL;
		}
		flt->prefix_len = a[4];
	}
	return 0;
}

/*
 * What the kernel answers to the header at m (r->len bytes, all present):
 * fills r's kind, err, err2, cross, bad_off and flt. dump_started: an
 * earlier request of the datagram started a dump (so this one may find the
 * socket busy).
 */
static void model(struct rec *r, const uint8_t *m, bool dump_started)
{
	const uint8_t *tb[HSMON_A_STATS_MAX + 1] = { NULL };
	uint16_t flags = r->flags, rest;
	bool dump, supported;
	int err, bad = -1;

	r->kind = K_ERR;
	r->err2 = 0;
	r->cross = false;
	r->may_busy = false;
	r->bad_off = -1;
	if (!(flags & NLM_F_REQUEST) || r->type < NLMSG_MIN_TYPE) {
		r->kind = K_ACK0;
		return;
	}
	/* genl_family_rcv_msg() */
	if (r->len < NLMSG_HDRLEN + GENL_HDRLEN) {
		r->err = EINVAL;
		return;
	}
	r->cmd = m[16];
	dump = (flags & NLM_F_DUMP) == NLM_F_DUMP;
	if (r->cmd >= HSMON_CMD_STATS_GET) {	/* genl_header_check(): resv_start_op */
		rest = flags;
		if (dump)
			rest &= ~NLM_F_DUMP;
		if (get16(m + 18) || (rest & ~(NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO))) {
			r->err = EINVAL;
			return;
		}
	}
	if (!op_exists(r->cmd)) {
		r->err = EOPNOTSUPP;
		return;
	}
	supported = dump == (r->cmd == HSMON_CMD_FLOW_GET);
	if (op_admin(r->cmd) && !admin) {
		/* 6.1: permission, then do/dump; 6.12: the other way round */
		r->err = EPERM;
		if (!supported)
			r->err2 = EOPNOTSUPP;
		return;
	}
	if (!supported) {
		r->err = EOPNOTSUPP;
		return;
	}
	/* __netlink_dump_start(): busy before .start parses anything */
	r->may_busy = dump && dump_started;
	err = model_attrs(r->cmd, m + 20, (int)r->len - 20, 20, tb, &bad);
	if (err) {
		r->err = -err;
		r->bad_off = bad;
		return;
	}
	if (dump) {
		const uint8_t *at = NULL;

		err = model_filter(tb, &r->flt, &at);
		if (err) {
			/* 6.12: in NLMSG_ERROR with the offset; 6.1: in NLMSG_DONE */
			r->err = -err;
			r->cross = true;
			r->bad_off = (int)(at - m);
			return;
		}
		r->kind = K_DUMP;
		return;
	}
	r->kind = K_DO;
}

/* ---------------------------------------------------------------- checks */

static const char *const zeek_states[] = {
	"S0", "S1", "SF", "S2", "S3", "REJ", "RSTO", "RSTR", "RSTOS0", "OTH",
};

static bool prefix_eq(const uint8_t *a, const uint8_t *b, int bits)
{
	int bytes = bits / 8, rest = bits % 8;

	if (memcmp(a, b, bytes))
		return false;
	if (rest && ((a[bytes] ^ b[bytes]) & (0xff00 >> rest) & 0xff))
		return false;
	return true;
}

/*
 * A flow's attributes (a dump message or a notification): every type known,
 * each once, with its size and a sane value; what a flow always carries
 * present; the filters of the dump matched. Returns NULL or why not.
 */
static const char *check_flow(const uint8_t *p, int len, const struct filter *flt,
			      bool event, char *why, size_t whylen)
{
	static const int8_t size[HSMON_A_FLOW_MAX + 1] = {
		[HSMON_A_FLOW_PAD] = -1,
		[HSMON_A_FLOW_FAMILY] = 1,
		[HSMON_A_FLOW_INITIATOR_ADDR] = -2,
		[HSMON_A_FLOW_RESPONDER_ADDR] = -2,
		[HSMON_A_FLOW_INITIATOR_PORT] = 2,
		[HSMON_A_FLOW_RESPONDER_PORT] = 2,
		[HSMON_A_FLOW_DIRECTION] = 1,
		[HSMON_A_FLOW_STATE] = 1,
		[HSMON_A_FLOW_ISN_J] = 4,
		[HSMON_A_FLOW_ISN_K] = 4,
		[HSMON_A_FLOW_SYN_RTX] = 4,
		[HSMON_A_FLOW_SYNACK_RTX] = 4,
		[HSMON_A_FLOW_ORIG_FLAGS] = 1,
		[HSMON_A_FLOW_REPLY_FLAGS] = 1,
		[HSMON_A_FLOW_NOTES] = 4,
		[HSMON_A_FLOW_AGE_MS] = 8,
		[HSMON_A_FLOW_OUTCOME] = 1,
		[HSMON_A_FLOW_ADDR] = 0,	/* filters: never in a reply */
		[HSMON_A_FLOW_PREFIX_LEN] = 0,
		[HSMON_A_FLOW_PORT] = 0,
		[HSMON_A_FLOW_SYN_SYNACK_US] = 4,
		[HSMON_A_FLOW_SYNACK_ACK_US] = 4,
		[HSMON_A_FLOW_HANDSHAKE_US] = 4,
		[HSMON_A_FLOW_ACK_EXPECTED] = 4,
		[HSMON_A_FLOW_ACK_SEEN] = 4,
		[HSMON_A_FLOW_ZEEK_STATE] = -3,
	};
	static const int required[] = {
		HSMON_A_FLOW_FAMILY, HSMON_A_FLOW_INITIATOR_ADDR,
		HSMON_A_FLOW_RESPONDER_ADDR, HSMON_A_FLOW_INITIATOR_PORT,
		HSMON_A_FLOW_RESPONDER_PORT, HSMON_A_FLOW_DIRECTION,
		HSMON_A_FLOW_STATE, HSMON_A_FLOW_ISN_J, HSMON_A_FLOW_SYN_RTX,
		HSMON_A_FLOW_SYNACK_RTX, HSMON_A_FLOW_ORIG_FLAGS,
		HSMON_A_FLOW_REPLY_FLAGS, HSMON_A_FLOW_NOTES, HSMON_A_FLOW_AGE_MS,
		HSMON_A_FLOW_ZEEK_STATE,
	};
	const uint8_t *tb[HSMON_A_FLOW_MAX + 1] = { NULL };
	const uint8_t *a;
	int rem, type, alen, i, addrlen;
	uint8_t family;
	uint16_t iport, rport;

	for_each_nla(a, p, len, rem) {
		type = get16(a + 2);
		alen = get16(a) - NLA_HDRLEN;
		if (type < 1 || type > HSMON_A_FLOW_MAX || !size[type]) {
			snprintf(why, whylen, "flow: attribute type %#x", type);
			return why;
		}
		if (type == HSMON_A_FLOW_PAD)
			continue;
		if (tb[type]) {
			snprintf(why, whylen, "flow: attribute %d twice", type);
			return why;
		}
		tb[type] = a;
		if ((size[type] > 0 && alen != size[type]) ||
		    (size[type] == -2 && alen != 4 && alen != 16)) {
			snprintf(why, whylen, "flow: attribute %d of %d bytes", type, alen);
			return why;
		}
		if (size[type] == -3) {
			bool known = false;

			if (alen < 1 || a[NLA_HDRLEN + alen - 1] ||
			    strlen((const char *)a + NLA_HDRLEN) != (size_t)alen - 1) {
				snprintf(why, whylen, "flow: zeek state not one string");
				return why;
			}
			for (i = 0; i < (int)(sizeof(zeek_states) / sizeof(zeek_states[0])); i++)
				known |= !strcmp((const char *)a + NLA_HDRLEN, zeek_states[i]);
			if (!known) {
				snprintf(why, whylen, "flow: zeek state '%.16s'",
					 (const char *)a + NLA_HDRLEN);
				return why;
			}
		}
	}
	if (rem) {
		snprintf(why, whylen, "flow: %d bytes after the attributes", rem);
		return why;
	}
	for (i = 0; i < (int)(sizeof(required) / sizeof(required[0])); i++) {
		if (!tb[required[i]]) {
			snprintf(why, whylen, "flow: attribute %d missing", required[i]);
			return why;
		}
	}
	if (event && !tb[HSMON_A_FLOW_OUTCOME]) {
		snprintf(why, whylen, "event without an outcome");
		return why;
	}
	family = tb[HSMON_A_FLOW_FAMILY][4];
	addrlen = family == AF_INET_ ? 4 : 16;
	if ((family != AF_INET_ && family != AF_INET6_) ||
	    get16(tb[HSMON_A_FLOW_INITIATOR_ADDR]) - NLA_HDRLEN != addrlen ||
	    get16(tb[HSMON_A_FLOW_RESPONDER_ADDR]) - NLA_HDRLEN != addrlen) {
		snprintf(why, whylen, "flow: family %u with addresses of %d and %d bytes",
			 family, get16(tb[HSMON_A_FLOW_INITIATOR_ADDR]) - NLA_HDRLEN,
			 get16(tb[HSMON_A_FLOW_RESPONDER_ADDR]) - NLA_HDRLEN);
		return why;
	}
	if (tb[HSMON_A_FLOW_DIRECTION][4] >= __HSMON_DIR_MAX ||
	    tb[HSMON_A_FLOW_STATE][4] == HSMON_STATE_NONE ||
	    tb[HSMON_A_FLOW_STATE][4] >= __HSMON_STATE_MAX ||
	    (tb[HSMON_A_FLOW_OUTCOME] && tb[HSMON_A_FLOW_OUTCOME][4] >= __HSMON_OUTCOME_MAX) ||
	    get32(tb[HSMON_A_FLOW_NOTES] + 4) >= (1u << __HSMON_NOTE_MAX)) {
		snprintf(why, whylen, "flow: direction %u, state %u, outcome %d or notes %#x",
			 tb[HSMON_A_FLOW_DIRECTION][4], tb[HSMON_A_FLOW_STATE][4],
			 tb[HSMON_A_FLOW_OUTCOME] ? tb[HSMON_A_FLOW_OUTCOME][4] : -1,
			 get32(tb[HSMON_A_FLOW_NOTES] + 4));
		return why;
	}
	if (!flt)
		return NULL;
	/* The filters (the state one aside: a flow may change state meanwhile). */
	iport = get16(tb[HSMON_A_FLOW_INITIATOR_PORT] + 4);
	rport = get16(tb[HSMON_A_FLOW_RESPONDER_PORT] + 4);
	if (((flt->has & F_FAMILY) && family != flt->family) ||
	    ((flt->has & F_DIR) && tb[HSMON_A_FLOW_DIRECTION][4] != flt->direction) ||
	    ((flt->has & F_PORT) && iport != flt->port && rport != flt->port) ||
	    ((flt->has & F_ADDR) &&
	     !prefix_eq(tb[HSMON_A_FLOW_INITIATOR_ADDR] + 4, flt->addr, flt->prefix_len) &&
	     !prefix_eq(tb[HSMON_A_FLOW_RESPONDER_ADDR] + 4, flt->addr, flt->prefix_len))) {
		snprintf(why, whylen, "flow does not match the dump's filters "
			 "(family %u direction %u ports %u %u)", family,
			 tb[HSMON_A_FLOW_DIRECTION][4], iport, rport);
		return why;
	}
	return NULL;
}

/* The stats-get reply: every attribute once, counters u64, gauges u32. */
static const char *check_stats(const uint8_t *p, int len, char *why, size_t whylen)
{
	bool seen[HSMON_A_STATS_MAX + 1] = { false };
	const uint8_t *a;
	int rem, type, alen, want, i;

	for_each_nla(a, p, len, rem) {
		type = get16(a + 2);
		alen = get16(a) - NLA_HDRLEN;
		if (type < 1 || type > HSMON_A_STATS_MAX) {
			snprintf(why, whylen, "stats: attribute type %#x", type);
			return why;
		}
		if (type == HSMON_A_STATS_PAD)
			continue;
		if (seen[type]) {
			snprintf(why, whylen, "stats: attribute %d twice", type);
			return why;
		}
		seen[type] = true;
		switch (type) {
		case HSMON_A_STATS_FLOWS ... HSMON_A_STATS_ENTRY_SIZE:
		case HSMON_A_STATS_FLOWS_MIDSTREAM:
			want = 4;
			break;
		case HSMON_A_STATS_SYN_SYNACK_HIST ... HSMON_A_STATS_HANDSHAKE_HIST:
			want = 32 * 8;
			break;
		default:
			want = 8;
		}
		if (alen != want) {
			snprintf(why, whylen, "stats: attribute %d of %d bytes", type, alen);
			return why;
		}
		if (type == HSMON_A_STATS_MAX_FLOWS &&
		    (get32(a + 4) < 16 || get32(a + 4) > 16777216)) {
			snprintf(why, whylen, "stats: max_flows %u", get32(a + 4));
			return why;
		}
		if (type == HSMON_A_STATS_ENTRY_SIZE && !get32(a + 4)) {
			snprintf(why, whylen, "stats: entry_size 0");
			return why;
		}
	}
	if (rem) {
		snprintf(why, whylen, "stats: %d bytes after the attributes", rem);
		return why;
	}
	for (i = HSMON_A_STATS_PAD + 1; i <= HSMON_A_STATS_MAX; i++) {
		if (!seen[i]) {
			snprintf(why, whylen, "stats: attribute %d missing", i);
			return why;
		}
	}
	return NULL;
}

struct config {
	uint32_t v[HSMON_A_CONFIG_MAX + 1];
};

/* The config-get reply: the six knobs once each, in their ranges. */
static const char *check_config(const uint8_t *p, int len, struct config *cfg,
				char *why, size_t whylen)
{
	bool seen[HSMON_A_CONFIG_MAX + 1] = { false };
	const uint8_t *a;
	int rem, type, alen, i;
	uint32_t v;

	for_each_nla(a, p, len, rem) {
		type = get16(a + 2);
		alen = get16(a) - NLA_HDRLEN;
		if (type < 1 || type > HSMON_A_CONFIG_MAX || seen[type]) {
			snprintf(why, whylen, "config: attribute type %#x (again?)", type);
			return why;
		}
		seen[type] = true;
		if (alen != (config_set_pol[type].kind == P_U8 ? 1 : 4)) {
			snprintf(why, whylen, "config: attribute %d of %d bytes", type, alen);
			return why;
		}
		v = alen == 1 ? a[4] : get32(a + 4);
		if (v < config_set_pol[type].min || v > config_set_pol[type].max) {
			snprintf(why, whylen, "config: attribute %d = %u out of range", type, v);
			return why;
		}
		if (cfg)
			cfg->v[type] = v;
	}
	if (rem) {
		snprintf(why, whylen, "config: %d bytes after the attributes", rem);
		return why;
	}
	for (i = 1; i <= HSMON_A_CONFIG_MAX; i++) {
		if (!seen[i]) {
			snprintf(why, whylen, "config: attribute %d missing", i);
			return why;
		}
	}
	return NULL;
}

/* Extended ack TLVs: well formed; the offset inside the request. */
static const char *check_tlvs(const uint8_t *p, int len, uint32_t req_len, int *offs,
			      char *why, size_t whylen)
{
	const uint8_t *a;
	int rem, alen;

	*offs = -1;
	for_each_nla(a, p, len, rem) {
		alen = get16(a) - NLA_HDRLEN;
		switch (get16(a + 2) & NLA_TYPE_MASK) {
		case NLMSGERR_ATTR_MSG:
			if (alen < 1 || a[NLA_HDRLEN + alen - 1] ||
			    strlen((const char *)a + NLA_HDRLEN) != (size_t)alen - 1) {
				snprintf(why, whylen, "extack message not one string");
				return why;
			}
			break;
		case NLMSGERR_ATTR_OFFS:
			if (alen != 4) {
				snprintf(why, whylen, "extack offset of %d bytes", alen);
				return why;
			}
			*offs = (int)get32(a + 4);
			if (*offs < NLMSG_HDRLEN || (uint32_t)*offs >= req_len) {
				snprintf(why, whylen, "extack offset %d outside the request (%u)",
					 *offs, req_len);
				return why;
			}
			break;
		case NLMSGERR_ATTR_MISS_TYPE:
		case NLMSGERR_ATTR_MISS_NEST:
			if (alen != 4) {
				snprintf(why, whylen, "extack miss attribute of %d bytes", alen);
				return why;
			}
			break;
		default:	/* cookie, policy, later ones: shape only */
			break;
		}
	}
	if (rem) {
		snprintf(why, whylen, "%d bytes after the extack TLVs", rem);
		return why;
	}
	return NULL;
}

/* ---------------------------------------------------------------- replies */

/* The datagrams sent before one NOOP, end to end, and their requests. */
struct batch {
	uint8_t dgram[GROUP_MAX * (DGRAM_MAX + 64)];
	int len;
	uint32_t portid;		/* the socket's */
	struct rec recs[RECS_MAX];
	int nrecs;
	uint32_t dropped_seq[GROUP_MAX * BATCH_MAX];	/* never read by the kernel */
	int ndropped;
	uint32_t sentinel;
	bool sentinel_seen;
	int open_dumps;			/* requests whose NLMSG_DONE may come */
};

static struct rec *find_rec(struct batch *b, uint32_t seq)
{
	int i;

	for (i = 0; i < b->nrecs; i++)
		if (b->recs[i].seq == seq)
			return &b->recs[i];
	return NULL;
}

static bool is_dropped(const struct batch *b, uint32_t seq)
{
	int i;

	for (i = 0; i < b->ndropped; i++)
		if (b->dropped_seq[i] == seq)
			return true;
	return false;
}

/* A request is answered: nothing more may come for it. */
static void finish(struct batch *b, struct rec *r)
{
	if (r->finished)
		return;
	r->finished = true;
	if (r->kind == K_DUMP || r->cross)
		b->open_dumps--;
}

static const char *model_text(const struct rec *r)
{
	static char buf[64];

	switch (r->kind) {
	case K_ACK0:
		return "an ACK at most";
	case K_DO:
		return "success";
	case K_DUMP:
		return "a dump";
	}
	snprintf(buf, sizeof(buf), "%s%s%s%s", errname(r->err), r->err2 ? " or " : "",
		 r->err2 ? errname(r->err2) : "", r->may_busy ? " or EBUSY" : "");
	return buf;
}

/* An NLMSG_ERROR: the request echoed, the errno predicted, the TLVs sane. */
static void on_error(struct batch *b, struct rec *r, const uint8_t *h, uint32_t len,
		     uint16_t flags)
{
	char why[160];
	const char *bad;
	uint32_t echo_len, tlv_off;
	int err, offs, ei = 0;

	if (len < NLMSG_HDRLEN + 4 + NLMSG_HDRLEN) {
		fail(r, b->dgram, "NLMSG_ERROR of %u bytes", len);
		finish(b, r);
		return;
	}
	err = -(int)get32(h + 16);
	if (err) {
		ei = errno_idx(err);
		st.errs[r->cat][ei]++;
		r->n_err++;
	} else {
		st.acks[r->cat]++;
		r->n_ack++;
	}
	if (memcmp(h + 20, b->dgram + r->off, NLMSG_HDRLEN)) {
		fail(r, b->dgram, "NLMSG_ERROR %s does not echo the request's header",
		     errname(err));
		finish(b, r);
		return;
	}
	tlv_off = NLMSG_HDRLEN + 4 + NLMSG_HDRLEN;
	if (!(flags & NLM_F_CAPPED)) {
		echo_len = r->len - NLMSG_HDRLEN;
		tlv_off += NLMSG_ALIGN(echo_len);
		if (!err || len < tlv_off ||
		    memcmp(h + 36, b->dgram + r->off + NLMSG_HDRLEN, echo_len)) {
			fail(r, b->dgram, "NLMSG_ERROR %s: the request not echoed as sent",
			     errname(err));
			finish(b, r);
			return;
		}
	}
	if (tlv_off > len || (!(flags & NLM_F_ACK_TLVS) && tlv_off != len)) {
		fail(r, b->dgram, "NLMSG_ERROR %s of %u bytes, flags %#x", errname(err), len,
		     flags);
		finish(b, r);
		return;
	}
	bad = check_tlvs(h + tlv_off, (int)(len - tlv_off), r->len, &offs, why, sizeof(why));
	if (bad) {
		fail(r, b->dgram, "NLMSG_ERROR %s: %s", errname(err), bad);
		finish(b, r);
		return;
	}

	if (!err) {
		if (!(r->flags & NLM_F_ACK) || r->n_ack > 1 ||
		    (r->kind != K_ACK0 && r->kind != K_DO))
			fail(r, b->dgram, "an ACK, the model says %s", model_text(r));
		else if (r->kind == K_DO && (r->cmd == HSMON_CMD_STATS_GET ||
					     r->cmd == HSMON_CMD_CONFIG_GET) && r->n_data != 1)
			fail(r, b->dgram, "an ACK without the answer before it");
		finish(b, r);
		return;
	}
	finish(b, r);
	if (ei == ERR_OTHER) {
		fail(r, b->dgram, "NLMSG_ERROR %s: not an errno the kernel may answer "
		     "(the model says %s)", errname(err), model_text(r));
		return;
	}
	if (r->n_err > 1 || r->n_data || r->n_done) {
		fail(r, b->dgram, "NLMSG_ERROR %s after another reply", errname(err));
		return;
	}
	if (err == EBUSY && r->may_busy) {
		st.busy++;
		return;
	}
	if (r->kind != K_ERR || (err != r->err && err != r->err2)) {
		fail(r, b->dgram, "NLMSG_ERROR %s, the model says %s", errname(err),
		     model_text(r));
		return;
	}
	if (offs >= 0 && offs != r->bad_off) {
		fail(r, b->dgram, "NLMSG_ERROR %s: extack offset %d, the model says %d",
		     errname(err), offs, r->bad_off);
		return;
	}
	if (offs < 0 && r->bad_off >= 0 && (flags & NLM_F_ACK_TLVS) && !r->cross)
		fail(r, b->dgram, "NLMSG_ERROR %s: no extack offset (the attribute at %d)",
		     errname(err), r->bad_off);
}

/* NLMSG_DONE: the end of a dump, or on 6.1 the error of its first step. */
static void on_done(struct batch *b, struct rec *r, const uint8_t *h, uint32_t len,
		    uint16_t flags)
{
	char why[160];
	const char *bad;
	int err, offs;

	finish(b, r);
	if (len < NLMSG_HDRLEN + 4) {
		fail(r, b->dgram, "NLMSG_DONE of %u bytes", len);
		return;
	}
	err = -(int)get32(h + 16);
	if (err)
		st.errs[r->cat][errno_idx(err)]++;
	if (flags & NLM_F_ACK_TLVS) {
		bad = check_tlvs(h + 20, (int)len - 20, r->len, &offs, why, sizeof(why));
		if (bad) {
			fail(r, b->dgram, "NLMSG_DONE: %s", bad);
			return;
		}
	} else if (len != NLMSG_HDRLEN + 4) {
		fail(r, b->dgram, "NLMSG_DONE of %u bytes", len);
		return;
	}
	if (!(flags & NLM_F_MULTI) || r->n_done++ || r->n_err || r->n_ack) {
		fail(r, b->dgram, "NLMSG_DONE flags %#x, or after another end", flags);
		return;
	}
	if (err) {
		if (!r->cross || err != r->err || r->n_data)
			fail(r, b->dgram, "NLMSG_DONE with %s, the model says %s", errname(err),
			     model_text(r));
		return;
	}
	if (r->kind != K_DUMP) {
		fail(r, b->dgram, "NLMSG_DONE, the model says %s", model_text(r));
		return;
	}
	st.answers[r->cat]++;
}

/* A message of the family: an answer to r. */
static void on_answer(struct batch *b, struct rec *r, const uint8_t *h, uint32_t len,
		      uint16_t flags)
{
	char why[160];
	const char *bad = NULL;
	uint8_t cmd;

	if (len < NLMSG_HDRLEN + GENL_HDRLEN) {
		fail(r, b->dgram, "answer of %u bytes", len);
		return;
	}
	cmd = h[16];
	if (h[17] != HSMON_GENL_VERSION || get16(h + 18)) {
		fail(r, b->dgram, "answer with version %u, reserved %#x", h[17],
		     get16(h + 18));
		return;
	}
	if (r->kind == K_DUMP) {
		if (r->finished || cmd != HSMON_CMD_FLOW_GET || !(flags & NLM_F_MULTI) ||
		    (flags & ~(NLM_F_MULTI | NLM_F_DUMP_INTR))) {
			fail(r, b->dgram, "dump message cmd %u flags %#x%s", cmd, flags,
			     r->finished ? " after the end" : "");
			return;
		}
		if (flags & NLM_F_DUMP_INTR)
			st.dump_intr++;
		st.dump_flows++;
		r->n_data++;
		bad = check_flow(h + 20, (int)len - 20, &r->flt, false, why, sizeof(why));
		if (bad)
			fail(r, b->dgram, "%s", bad);
		return;
	}
	if (r->kind != K_DO || r->finished || r->n_data || flags ||
	    (r->cmd != HSMON_CMD_STATS_GET && r->cmd != HSMON_CMD_CONFIG_GET) ||
	    cmd != r->cmd) {
		fail(r, b->dgram, "an answer (cmd %u flags %#x), the model says %s", cmd,
		     flags, model_text(r));
		return;
	}
	r->n_data++;
	if (cmd == HSMON_CMD_STATS_GET)
		bad = check_stats(h + 20, (int)len - 20, why, sizeof(why));
	else
		bad = check_config(h + 20, (int)len - 20, NULL, why, sizeof(why));
	if (bad) {
		fail(r, b->dgram, "%s", bad);
		return;
	}
	st.answers[r->cat]++;
	if (!(r->flags & NLM_F_ACK))
		finish(b, r);
}

/* One datagram from the socket: each message to its request. */
static void on_datagram(struct batch *b, const uint8_t *buf, ssize_t n, int msg_flags)
{
	uint32_t len, seq;
	uint16_t type, flags;
	struct rec *r;
	int off;

	if (msg_flags & MSG_TRUNC) {
		fail(NULL, NULL, "a reply datagram was truncated (%zd bytes read)", n);
		return;
	}
	for (off = 0; off < n; off += NLMSG_ALIGN(len)) {
		if (n - off < NLMSG_HDRLEN) {
			fail(NULL, NULL, "%zd bytes after the last reply", n - off);
			return;
		}
		len = get32(buf + off);
		type = get16(buf + off + 4);
		flags = get16(buf + off + 6);
		seq = get32(buf + off + 8);
		if (len < NLMSG_HDRLEN || len > (uint32_t)(n - off)) {
			fail(NULL, NULL, "reply nlmsg_len %u with %zd bytes left", len, n - off);
			return;
		}
		if (get32(buf + off + 12) != b->portid) {
			fail(NULL, NULL, "reply to port id %u, not %u", get32(buf + off + 12),
			     b->portid);
			continue;
		}
		if (b->sentinel && seq == b->sentinel) {
			if (type != NLMSG_ERROR || len < 36 || get32(buf + off + 16))
				fail(NULL, NULL, "the NOOP's reply is not an ACK");
			b->sentinel_seen = true;
			continue;
		}
		r = find_rec(b, seq);
		if (!r) {
			fail(NULL, NULL, "reply type %#x seq %u: %s", type, seq,
			     is_dropped(b, seq) ? "to a request the kernel must have dropped"
						: "to no request");
			continue;
		}
		if (type == NLMSG_ERROR)
			on_error(b, r, buf + off, len, flags);
		else if (type == NLMSG_DONE)
			on_done(b, r, buf + off, len, flags);
		else if (type == fam_id)
			on_answer(b, r, buf + off, len, flags);
		else
			fail(r, b->dgram, "reply of type %#x", type);
	}
}

/* Replies until the sentinel's ACK and the end of every dump, or a timeout. */
static void read_replies(int fd, struct batch *b, uint8_t *buf)
{
	struct iovec iov = { buf, RECV_MAX };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	while (!b->sentinel_seen || b->open_dumps > 0) {
		n = recvmsg(fd, &mh, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fail(NULL, NULL, "recv: %s after %d ms (NOOP's ACK %s, %d dumps open)",
			     strerror(errno), timeout_ms, b->sentinel_seen ? "read" : "missing",
			     b->open_dumps);
			return;
		}
		on_datagram(b, buf, n, mh.msg_flags);
	}
}

/* Once every reply is in: what no reply means for the rest. */
static void judge_silence(struct batch *b)
{
	struct rec *r;
	int i;

	for (i = 0; i < b->nrecs; i++) {
		r = &b->recs[i];
		if (r->finished)
			continue;
		switch (r->kind) {
		case K_ACK0:
			if (r->flags & NLM_F_ACK)
				fail(r, b->dgram, "no ACK");
			else
				st.silent[r->cat]++;
			break;
		case K_DO:
			if (r->flags & NLM_F_ACK)
				fail(r, b->dgram, "no ACK after %s",
				     r->n_data ? "the answer" : "success");
			else if (r->cmd == HSMON_CMD_STATS_GET ||
				 r->cmd == HSMON_CMD_CONFIG_GET)
				fail(r, b->dgram, "no answer");
			else
				st.silent[r->cat]++;
			break;
		case K_ERR:
			fail(r, b->dgram, "no reply, the model says %s", model_text(r));
			break;
		case K_DUMP:
			fail(r, b->dgram, "the dump did not end (%d messages)", r->n_data);
			break;
		}
	}
}

/* ---------------------------------------------------------------- events */

/* The notifications queued so far: each a flow with its outcome. */
static void drain_events(int efd, uint8_t *buf)
{
	char why[160];
	const char *bad;
	uint32_t len;
	ssize_t n;
	int off;

	if (efd < 0)
		return;
	for (;;) {
		n = recv(efd, buf, RECV_MAX, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == ENOBUFS) {	/* it lost some: allowed */
				st.event_overruns++;
				continue;
			}
			if (errno != EAGAIN)
				fail(NULL, NULL, "events: recv: %s", strerror(errno));
			return;
		}
		for (off = 0; off + NLMSG_HDRLEN <= n; off += NLMSG_ALIGN(len)) {
			len = get32(buf + off);
			if (len < NLMSG_HDRLEN + GENL_HDRLEN || len > (uint32_t)(n - off) ||
			    get16(buf + off + 4) != fam_id ||
			    buf[off + 16] != HSMON_CMD_FLOW_EVENT) {
				fail(NULL, NULL, "events: message of %u bytes, type %#x", len,
				     get16(buf + off + 4));
				return;
			}
			bad = check_flow(buf + off + 20, (int)len - 20, NULL, true, why,
					 sizeof(why));
			if (bad)
				fail(NULL, NULL, "events: %s", bad);
			st.events++;
		}
	}
}

/* Notifications for a while: wait for them, check each. */
static void watch_events(int efd, uint8_t *buf, double seconds)
{
	struct pollfd pfd = { .fd = efd, .events = POLLIN };
	double end = now_s() + seconds;

	while (now_s() < end) {
		poll(&pfd, 1, 100);
		drain_events(efd, buf);
	}
}

/*
 * Handshakes with an outcome, over loopback: one to a closed port (refused),
 * one completed and closed.
 */
static void loopback_handshakes(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	int l, c, a;

	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&sin, sizeof(sin)) ||
	    getsockname(l, (struct sockaddr *)&sin, &len))
		die("a loopback socket: %s", strerror(errno));
	/* not listening yet: refused */
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c < 0 || !connect(c, (struct sockaddr *)&sin, sizeof(sin)) ||
	    errno != ECONNREFUSED)
		die("connect to a closed loopback port: %s", strerror(errno));
	close(c);
	if (listen(l, 1))
		die("listen: %s", strerror(errno));
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&sin, sizeof(sin)))
		die("connect over loopback: %s", strerror(errno));
	a = accept(l, NULL, NULL);
	if (a < 0)
		die("accept: %s", strerror(errno));
	close(c);
	close(a);
	close(l);
}

/* ---------------------------------------------------------------- requests */

static const uint8_t addr4[][4] = {
	{ 10, 98, 0, 1 }, { 192, 0, 2, 1 }, { 192, 0, 2, 2 }, { 127, 0, 0, 1 },
};

static const uint8_t addr6[][16] = {
	{ 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 1 },
	{ [15] = 1 },
};

static uint16_t some_port(void)
{
	switch (rn(4)) {
	case 0: return 20000 + rn(32);		/* the test's background SYNs */
	case 1: return 9;
	case 2: return 30000 + rn(4000);	/* its big table */
	}
	return (uint16_t)rnd();
}

/* Valid filters of a flow-get dump. */
static void tmpl_filters(struct msg *m)
{
	int fam = chance(50) ? AF_INET_ : AF_INET6_;
	bool addr = chance(25);

	if (chance(20))
		msg_u8(m, HSMON_A_FLOW_STATE, 1 + rn(__HSMON_STATE_MAX - 1));
	if (chance(25) || (addr && chance(30)))
		msg_u8(m, HSMON_A_FLOW_FAMILY, fam);
	if (chance(20))
		msg_u8(m, HSMON_A_FLOW_DIRECTION, rn(__HSMON_DIR_MAX));
	if (chance(25))
		msg_u16(m, HSMON_A_FLOW_PORT, some_port());
	if (addr) {
		if (fam == AF_INET_)
			msg_attr(m, HSMON_A_FLOW_ADDR, addr4[rn(4)], 4);
		else
			msg_attr(m, HSMON_A_FLOW_ADDR, addr6[rn(2)], 16);
		if (chance(50))
			msg_u8(m, HSMON_A_FLOW_PREFIX_LEN, rn(fam == AF_INET_ ? 33 : 129));
	}
}

/* Valid knobs of a config-set. */
static void tmpl_config(struct msg *m)
{
	static const uint32_t max_flows[] = { 16, 64, 1024, 65536, 16777216 };

	if (chance(30))
		msg_u32(m, HSMON_A_CONFIG_MAX_FLOWS,
			chance(50) ? max_flows[rn(5)] : 16 + rn(16777216 - 15));
	/* short timeouts half of the time: flows time out, notifications go */
	if (chance(30))
		msg_u32(m, HSMON_A_CONFIG_SYN_TIMEOUT, 1 + rn(chance(50) ? 3 : 3600));
	if (chance(30))
		msg_u32(m, HSMON_A_CONFIG_EST_TIMEOUT, 1 + rn(chance(50) ? 3 : 2592000));
	if (chance(30))
		msg_u32(m, HSMON_A_CONFIG_LINGER_TIMEOUT, 1 + rn(chance(50) ? 3 : 3600));
	if (chance(30))
		msg_u8(m, HSMON_A_CONFIG_EVENTS, rn(2));
	if (chance(30))
		msg_u8(m, HSMON_A_CONFIG_TRACK_MIDSTREAM, rn(2));
}

/* A flow as in a notification. */
static void tmpl_flow(struct msg *m)
{
	bool v4 = chance(50);
	int alen = v4 ? 4 : 16;

	msg_u8(m, HSMON_A_FLOW_OUTCOME, rn(__HSMON_OUTCOME_MAX));
	msg_u8(m, HSMON_A_FLOW_FAMILY, v4 ? AF_INET_ : AF_INET6_);
	msg_attr(m, HSMON_A_FLOW_INITIATOR_ADDR, v4 ? addr4[0] : addr6[0], alen);
	msg_attr(m, HSMON_A_FLOW_RESPONDER_ADDR, v4 ? addr4[1] : addr6[1], alen);
	msg_u16(m, HSMON_A_FLOW_INITIATOR_PORT, some_port());
	msg_u16(m, HSMON_A_FLOW_RESPONDER_PORT, 9);
	msg_u8(m, HSMON_A_FLOW_STATE, 1 + rn(__HSMON_STATE_MAX - 1));
	if (chance(50))
		msg_u32(m, HSMON_A_FLOW_ISN_J, (uint32_t)rnd());
	if (chance(30))
		msg_attr(m, HSMON_A_FLOW_ZEEK_STATE, "S0", 3);
}

/* An attribute of any type, flags and size. */
static void random_attr(struct msg *m, int maxtype)
{
	uint8_t data[40];
	uint16_t type;
	int len, i;

	switch (rn(5)) {
	case 0: type = 1 + rn(maxtype); break;			/* known number */
	case 1: type = 0; break;
	case 2: type = maxtype + 1 + rn(8); break;		/* just past */
	case 3: type = 1 + rn(HSMON_A_STATS_MAX); break;	/* another set's */
	default: type = (uint16_t)rnd(); break;			/* anything, flags too */
	}
	if (chance(15))
		type |= NLA_F_NESTED;
	if (chance(10))
		type |= NLA_F_NET_BYTEORDER;
	switch (rn(4)) {
	case 0: len = 1 << rn(4); break;			/* 1, 2, 4, 8 */
	case 1: len = 0; break;
	case 2: len = chance(50) ? 4 : 16; break;		/* addresses */
	default: len = rn(sizeof(data)); break;
	}
	for (i = 0; i < len; i++)
		data[i] = chance(50) ? (uint8_t)rnd() : (uint8_t)rn(3);
	msg_attr(m, type, data, len);
}

/* Nested garbage: attributes in attributes, some with NLA_F_NESTED. */
static int nest_garbage(uint8_t *p, int room, int depth)
{
	int used = 0, len, n = 1 + rn(3), i, j;
	uint16_t type;

	for (i = 0; i < n && room - used >= 8; i++) {
		uint8_t *a = p + used;

		type = chance(50) ? 1 + rn(8) : (uint16_t)rnd();
		if (depth < 4 && chance(40)) {
			len = nest_garbage(a + 4, room - used - 4, depth + 1);
			type |= NLA_F_NESTED;
		} else {
			len = rn(9);
			if (len > room - used - 4)
				len = room - used - 4;
			for (j = 0; j < len; j++)
				a[4 + j] = (uint8_t)rnd();
		}
		put16(a, 4 + len);
		if (chance(10))			/* a bad length inside */
			put16(a, chance(50) ? rn(4) : 4 + len + 1 + rn(16));
		put16(a + 2, type);
		len = NLA_ALIGN(4 + len);
		if (used + len > room)
			len = room - used;
		used += len;
	}
	return used;
}

static int maxtype_of(int cat)
{
	switch (cat) {
	case CAT_STATS_GET: return HSMON_A_STATS_MAX;
	case CAT_CONFIG_GET:
	case CAT_CONFIG_SET: return HSMON_A_CONFIG_MAX;
	default: return HSMON_A_FLOW_MAX;
	}
}

/* The template of a kind: valid, as a well-behaved client sends it. */
static void build_template(struct msg *m, int cat, uint32_t seq)
{
	uint16_t flags = NLM_F_REQUEST | (chance(50) ? NLM_F_ACK : 0);
	int i, n;

	switch (cat) {
	case CAT_STATS_GET:
		msg_init(m, fam_id, flags, seq, HSMON_CMD_STATS_GET, 1);
		break;
	case CAT_FLOW_GET:
		/* mostly a dump; else as a do, or with half of NLM_F_DUMP */
		if (chance(80))
			flags |= NLM_F_DUMP;
		else if (chance(50))
			flags |= chance(50) ? NLM_F_ROOT : NLM_F_MATCH;
		msg_init(m, fam_id, flags, seq, HSMON_CMD_FLOW_GET, 1);
		tmpl_filters(m);
		break;
	case CAT_CONFIG_GET:
		msg_init(m, fam_id, flags, seq, HSMON_CMD_CONFIG_GET, 1);
		break;
	case CAT_CONFIG_SET:
		msg_init(m, fam_id, flags, seq, HSMON_CMD_CONFIG_SET, 1);
		tmpl_config(m);
		break;
	case CAT_FLUSH:
		msg_init(m, fam_id, flags, seq, HSMON_CMD_FLUSH, 1);
		break;
	case CAT_FLOW_EVENT:
		msg_init(m, fam_id, flags, seq, HSMON_CMD_FLOW_EVENT, 1);
		tmpl_flow(m);
		break;
	default:
		msg_init(m, fam_id, flags | (chance(20) ? NLM_F_DUMP : 0), seq,
			 chance(10) ? 0 : 7 + rn(249), 1);
		n = rn(3);
		for (i = 0; i < n; i++)
			random_attr(m, HSMON_A_FLOW_MAX);
		break;
	}
}

/* Mutations of a message in place; m->len is what is sent of it. */
/*
 * The attribute at offset a gets a value at or next to a bound of its
 * policy (min - 1, min, max, max + 1, 0, all ones); false if it has none.
 */
static bool bound_value(struct msg *m, int a, int cat)
{
	static const uint8_t families[] = { 0, 1, AF_INET_, AF_INET6_, 11, 255 };
	int type = get16(m->b + a + 2) & NLA_TYPE_MASK, alen = get16(m->b + a) - NLA_HDRLEN;
	const struct pol *pol, *pt;
	int maxtype, size;
	uint32_t v;

	if (cat == CAT_FLOW_GET) {
		pol = flow_get_pol;
		maxtype = HSMON_A_FLOW_MAX;
	} else if (cat == CAT_CONFIG_SET) {
		pol = config_set_pol;
		maxtype = HSMON_A_CONFIG_MAX;
	} else {
		return false;
	}
	if (type < 1 || type > maxtype || a + NLA_HDRLEN + alen > m->len)
		return false;
	pt = &pol[type];
	if (pt->kind == P_FAMILY && alen == 1) {
		m->b[a + NLA_HDRLEN] = families[rn(6)];
		return true;
	}
	size = pt->kind == P_U8 ? 1 : pt->kind == P_U16 ? 2 : pt->kind == P_U32 ? 4 : 0;
	if (!size || alen != size)
		return false;
	switch (rn(6)) {
	case 0: v = pt->min - 1; break;
	case 1: v = pt->min; break;
	case 2: v = pt->max; break;
	case 3: v = pt->max + 1; break;
	case 4: v = 0; break;
	default: v = ~0u; break;
	}
	if (size == 1)
		m->b[a + NLA_HDRLEN] = (uint8_t)v;
	else if (size == 2)
		put16(m->b + a + NLA_HDRLEN, (uint16_t)v);
	else
		put32(m->b + a + NLA_HDRLEN, v);
	return true;
}

/* Mutations of the content: m->len grows or stays, nlmsg_len follows. */
static void mutate_content(struct msg *m, int cat)
{
	static const uint16_t odd_flags[] = {
		NLM_F_ROOT, NLM_F_MATCH, NLM_F_ATOMIC, NLM_F_MULTI, NLM_F_ECHO,
		NLM_F_DUMP_INTR, NLM_F_DUMP_FILTERED, NLM_F_CAPPED | NLM_F_ACK_TLVS,
	};
	uint16_t flags = get16(m->b + 6);
	int k, a, alen, len;
	uint8_t *p;

	switch (rn(14)) {
	case 0:		/* flags */
		switch (rn(6)) {
		case 0: flags ^= NLM_F_ACK; break;
		case 1: flags |= NLM_F_DUMP; break;
		case 2: flags &= ~(chance(50) ? NLM_F_DUMP : NLM_F_ROOT); break;
		case 3: flags |= odd_flags[rn(8)]; break;
		case 4: flags = (uint16_t)rnd() | NLM_F_REQUEST; break;
		default: flags &= ~NLM_F_REQUEST; break;
		}
		put16(m->b + 6, flags);
		break;
	case 1:		/* the genetlink version */
		m->b[17] = chance(50) ? 0 : 2 + rn(254);
		st.wrong_version++;
		break;
	case 2:		/* reserved */
		put16(m->b + 18, 1 + rn(0xffff));
		break;
	case 3:		/* another command */
		m->b[16] = chance(50) ? rn(HSMON_CMD_MAX + 2) : (uint8_t)rnd();
		break;
	case 4:		/* an attribute of any kind */
	case 5:
		random_attr(m, maxtype_of(cat));
		break;
	case 6:		/* nested garbage */
		if (m->len + 64 > MSG_MAX)
			break;
		p = m->b + m->len;
		len = nest_garbage(p + NLA_HDRLEN, 56, 1);
		put16(p, NLA_HDRLEN + len);
		put16(p + 2, (chance(70) ? NLA_F_NESTED : 0) |
		      (chance(50) ? 1 + rn(maxtype_of(cat)) : (uint16_t)rnd()));
		if (m->nattrs < NATTRS_MAX)
			m->attr_off[m->nattrs++] = m->len;
		m->len += NLA_ALIGN(NLA_HDRLEN + len);
		break;
	case 7:		/* NLA_F_NESTED, NLA_F_NET_BYTEORDER */
		if (!m->nattrs)
			break;
		a = m->attr_off[rn(m->nattrs)];
		put16(m->b + a + 2, get16(m->b + a + 2) ^
		      (chance(70) ? NLA_F_NESTED : NLA_F_NET_BYTEORDER));
		break;
	case 8:		/* nla_len */
		if (!m->nattrs)
			break;
		a = m->attr_off[rn(m->nattrs)];
		alen = get16(m->b + a);
		switch (rn(4)) {
		case 0: alen = rn(NLA_HDRLEN); break;			/* below its header */
		case 1: alen = alen > 4 ? 4 + rn(alen - 4) : 4; break;	/* short */
		case 2: alen += 1 + rn(8); break;			/* long */
		default: alen = m->len - a + 1 + rn(64); break;		/* past the end */
		}
		put16(m->b + a, alen);
		break;
	case 9:		/* an attribute's value: at a bound of its policy, or any */
		if (!m->nattrs)
			break;
		a = m->attr_off[rn(m->nattrs)];
		if (chance(60) && bound_value(m, a, cat))
			break;
		alen = get16(m->b + a);
		for (k = NLA_HDRLEN; k < alen && a + k < m->len; k++)
			m->b[a + k] = chance(50) ? (uint8_t)rnd() : chance(50) ? 0 : 0xff;
		break;
	case 10:	/* an attribute twice */
		if (!m->nattrs)
			break;
		a = m->attr_off[rn(m->nattrs)];
		alen = NLA_ALIGN(get16(m->b + a));
		if (alen >= NLA_HDRLEN && a + alen <= m->len && m->len + alen <= MSG_MAX) {
			memmove(m->b + m->len, m->b + a, alen);
			if (m->nattrs < NATTRS_MAX)
				m->attr_off[m->nattrs++] = m->len;
			m->len += alen;
		}
		break;
	case 11:	/* bytes after the attributes */
		len = 1 + rn(7);
		for (k = 0; k < len && m->len < MSG_MAX; k++)
			m->b[m->len++] = (uint8_t)rnd();
		break;
	case 12:	/* random bytes after the netlink header */
		len = 1 + rn(4);
		for (k = 0; k < len; k++)
			m->b[NLMSG_HDRLEN + rn(m->len - NLMSG_HDRLEN)] = (uint8_t)rnd();
		break;
	default:	/* a control message type */
		put16(m->b + 4, rn(NLMSG_MIN_TYPE));
		break;
	}
}

/*
 * nlmsg_len below the message (the bytes after it sent or not: then the
 * next message starts early) or above it (into the next message, or past
 * the datagram).
 */
static void mutate_length(struct msg *m)
{
	uint32_t len = m->len, nlen;

	switch (rn(5)) {
	case 0: nlen = rn(NLMSG_HDRLEN); break;
	case 1: nlen = NLMSG_HDRLEN + rn(GENL_HDRLEN); break;
	case 2: nlen = len > 20 ? 20 + rn(len - 20) : NLMSG_HDRLEN + rn(GENL_HDRLEN); break;
	case 3: nlen = len + 1 + rn(64); break;
	default: nlen = len + 1 + rn(70000); break;
	}
	put32(m->b, nlen);
	if (nlen < len && chance(50)) {
		m->len = nlen < 4 ? 4 : nlen;
		m->unpadded = chance(50);
	}
}

/*
 * A wrong nlmsg_len makes the kernel drop what follows in the datagram: it
 * is mostly the last message's.
 */
static void mutate(struct msg *m, int cat, bool last)
{
	int n = 1 + rn(3), i;

	for (i = 0; i < n; i++)
		mutate_content(m, cat);
	put32(m->b, m->len);
	if (chance(last ? 20 : 3))
		mutate_length(m);
}

/* ---------------------------------------------------------------- fuzz */

static uint32_t next_seq = 1000;

/*
 * Walk the datagram at base (to the end of b) as netlink_rcv_skb() will
 * and model each header it reads; a header that is not one of ours
 * (starts[], seqs[]) is inside a mutated message: it gets a sequence number
 * of its own and, unless a control type, hsmon's type. *dump_started: a
 * dump may be running on the socket.
 */
static void plan(struct batch *b, int base, const int *starts, const uint32_t *seqs,
		 const int *cats, int nmsgs, bool *dump_started)
{
	int off = base, rem = b->len - base, i, mine;
	uint32_t len, msglen;
	uint16_t type;
	struct rec *r;
	uint8_t *h;

	while (rem >= NLMSG_HDRLEN && b->nrecs < RECS_MAX) {
		h = b->dgram + off;
		len = get32(h);
		if (len < NLMSG_HDRLEN || (uint32_t)rem < len)
			break;		/* the kernel drops the rest */
		mine = -1;
		for (i = 0; i < nmsgs; i++)
			if (starts[i] == off && get32(h + 8) == seqs[i])
				mine = i;
		r = &b->recs[b->nrecs++];
		memset(r, 0, sizeof(*r));
		r->off = off;
		r->len = len;
		if (mine >= 0) {
			r->cat = cats[mine];
			r->seq = seqs[mine];
		} else {
			r->cat = CAT_PHANTOM;
			r->seq = next_seq++;
			put32(h + 8, r->seq);
			type = get16(h + 4);
			if (type >= NLMSG_MIN_TYPE && type != fam_id)
				put16(h + 4, fam_id);
			st.sent[CAT_PHANTOM]++;
		}
		r->type = get16(h + 4);
		r->flags = get16(h + 6);
		model(r, h, *dump_started);
		if (r->kind == K_DUMP) {
			*dump_started = true;
			b->open_dumps++;
		} else if (r->cross) {
			b->open_dumps++;	/* its error may come in NLMSG_DONE */
		}
		msglen = NLMSG_ALIGN(len);
		if (msglen > (uint32_t)rem)
			msglen = rem;
		off += msglen;
		rem -= msglen;
	}
	for (i = 0; i < nmsgs; i++) {
		if (!find_rec(b, seqs[i])) {
			st.dropped[cats[i]]++;
			b->dropped_seq[b->ndropped++] = seqs[i];
		}
	}
}

/* One do request and its replies: 0 or the errno; the answer in answer. */
static int transact(int fd, struct msg *m, uint8_t *buf, uint8_t *answer, int *alen)
{
	uint32_t seq = get32(m->b + 8), len;
	ssize_t n;
	int off;

	put16(m->b + 6, NLM_F_REQUEST | NLM_F_ACK);
	nl_send(fd, m->b, m->len);
	for (;;) {
		n = recv(fd, buf, RECV_MAX, 0);
		if (n < 0)
			return errno;
		for (off = 0; off + NLMSG_HDRLEN <= n; off += NLMSG_ALIGN(len)) {
			len = get32(buf + off);
			if (len < NLMSG_HDRLEN || len > (uint32_t)(n - off))
				return EPROTO;
			if (get32(buf + off + 8) != seq)
				continue;
			if (get16(buf + off + 4) == NLMSG_ERROR)
				return -(int)get32(buf + off + 16);
			if (answer) {
				memcpy(answer, buf + off, len);
				*alen = len;
			}
		}
	}
}

static int config_get(int fd, struct config *cfg, uint8_t *buf)
{
	static uint8_t answer[RECV_MAX];
	char why[160];
	struct msg m;
	int alen = 0, err;

	msg_init(&m, fam_id, 0, next_seq++, HSMON_CMD_CONFIG_GET, 1);
	memset(cfg, 0, sizeof(*cfg));
	err = transact(fd, &m, buf, answer, &alen);
	if (err || alen < (int)(NLMSG_HDRLEN + GENL_HDRLEN))
		return err ? err : EPROTO;
	if (check_config(answer + 20, alen - 20, cfg, why, sizeof(why))) {
		fail(NULL, NULL, "%s", why);
		return EPROTO;
	}
	return 0;
}

static void config_set(int fd, const struct config *cfg, uint8_t *buf)
{
	struct msg m;
	int i, err;

	msg_init(&m, fam_id, 0, next_seq++, HSMON_CMD_CONFIG_SET, 1);
	for (i = 1; i <= HSMON_A_CONFIG_MAX; i++) {
		if (config_set_pol[i].kind == P_U8)
			msg_u8(&m, i, cfg->v[i]);
		else
			msg_u32(&m, i, cfg->v[i]);
	}
	err = transact(fd, &m, buf, NULL, NULL);
	if (err)
		fail(NULL, NULL, "config-set to restore the knobs: %s", errname(err));
}

/* Whether we may run admin operations: a dump says EPERM or not. */
static bool probe_admin(int fd, uint8_t *buf)
{
	uint32_t seq = next_seq++, len;
	bool end = false, perm = false;
	struct msg m;
	ssize_t n;
	int off;

	msg_init(&m, fam_id, NLM_F_REQUEST | NLM_F_DUMP, seq, HSMON_CMD_FLOW_GET, 1);
	nl_send(fd, m.b, m.len);
	while (!end) {
		n = recv(fd, buf, RECV_MAX, 0);
		if (n < 0)
			die("probe dump: recv: %s", strerror(errno));
		for (off = 0; off + NLMSG_HDRLEN <= n; off += NLMSG_ALIGN(len)) {
			len = get32(buf + off);
			if (len < NLMSG_HDRLEN)
				die("probe dump: nlmsg_len %u", len);
			if (get32(buf + off + 8) != seq)
				continue;
			if (get16(buf + off + 4) == NLMSG_ERROR) {
				perm = (int)get32(buf + off + 16) == -EPERM;
				if (!perm)
					die("probe dump: %s", errname(-(int)get32(buf + off + 16)));
				end = true;
			}
			end |= get16(buf + off + 4) == NLMSG_DONE;
		}
	}
	return !perm;
}

static void run_fuzz(uint64_t seed, unsigned long per_op)
{
	static struct batch b;
	static uint8_t buf[RECV_MAX];
	int starts[BATCH_MAX], cats[BATCH_MAX], nmsgs, i, k, g, ngroup, base, first;
	unsigned long left[NCATS], total = 0, todo = per_op * NCATS;
	int fd, efd = -1, cap;
	bool dump_started;
	uint32_t seqs[BATCH_MAX];
	struct config cfg0, cfg1;
	struct msg m;
	double t0 = now_s();

	rnd_seed(seed);
	fd = nl_open(8 << 20, &b.portid);
	resolve_family(fd);
	if (config_get(fd, &cfg0, buf))
		die("config-get failed");
	admin = probe_admin(fd, buf);

	/* The events group: joining it needs CAP_NET_ADMIN over the namespace. */
	if (mcgrp_id) {
		efd = nl_open(1 << 20, NULL);
		if (setsockopt(efd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &mcgrp_id,
			       sizeof(mcgrp_id))) {
			if (errno != EPERM || admin)
				fail(NULL, NULL, "joining the events group: %s (admin: %s)",
				     strerror(errno), admin ? "yes" : "no");
			close(efd);
			efd = -1;
		} else if (!admin) {
			fail(NULL, NULL, "joined the events group without CAP_NET_ADMIN");
		}
	}

	/* Until the kernel has read per_op messages of each kind. */
	for (i = 0; i < NCATS; i++)
		left[i] = per_op;
	while (todo) {
		b.len = 0;
		b.nrecs = 0;
		b.ndropped = 0;
		b.open_dumps = 0;
		dump_started = false;
		ngroup = 1 + rn(GROUP_MAX);
		for (g = 0; g < ngroup && todo; g++) {
			nmsgs = chance(60) ? 1 : 2 + rn(BATCH_MAX - 1);
			base = b.len;
			for (i = 0; i < nmsgs; i++) {
				int cat = rn(NCATS);

				while (!left[cat])
					cat = (cat + 1) % NCATS;
				seqs[i] = next_seq++;
				build_template(&m, cat, seqs[i]);
				if (chance(85)) {
					mutate(&m, cat, i + 1 == nmsgs);
					st.mutated++;
				}
				starts[i] = b.len;
				cats[i] = cat;
				memcpy(b.dgram + b.len, m.b, m.len);
				b.len += m.len;
				/* where the kernel looks for the next one, unless cut short */
				while (!m.unpadded && b.len % NLMSG_ALIGNTO)
					b.dgram[b.len++] = 0;
				st.sent[cat]++;
				total++;
			}
			if (chance(5)) {	/* junk after the last message */
				int len = chance(50) ? 1 + rn(15) : 16 + rn(40);

				for (k = 0; k < len; k++)
					b.dgram[b.len++] = (uint8_t)rnd();
			}
			first = b.nrecs;
			plan(&b, base, starts, seqs, cats, nmsgs, &dump_started);
			for (i = first; i < b.nrecs; i++) {
				int cat = b.recs[i].cat;

				if (cat < NCATS && left[cat]) {
					left[cat]--;
					todo--;
				}
			}
			if (chance(10)) {
				cap = chance(50);
				setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &cap, sizeof(cap));
			}
			nl_send(fd, b.dgram + base, b.len - base);
			st.dgrams++;
		}

		b.sentinel = next_seq++;
		b.sentinel_seen = false;
		msg_init(&m, NLMSG_NOOP, NLM_F_REQUEST | NLM_F_ACK, b.sentinel, 0, 0);
		put32(m.b, NLMSG_HDRLEN);
		nl_send(fd, m.b, NLMSG_HDRLEN);
		st.sentinels++;
		read_replies(fd, &b, buf);
		judge_silence(&b);
		drain_events(efd, buf);
		if (verbose && st.sentinels % 10000 == 0)
			fprintf(stderr, "%s: %lu messages, %.1f s\n", prog, total, now_s() - t0);
	}
	cap = 0;
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &cap, sizeof(cap));

	/*
	 * The fuzzing flushes the table too often for a handshake to end:
	 * with notifications on, a few of our own over loopback (refused,
	 * established, closed), each notified.
	 */
	if (admin && efd >= 0) {
		struct config on = cfg0;

		on.v[HSMON_A_CONFIG_EVENTS] = 1;
		config_set(fd, &on, buf);
		for (i = 0; i < 5; i++)
			loopback_handshakes();
		watch_events(efd, buf, 2);
	}

	/* Leave the namespace's knobs as they were, and check they stuck. */
	if (admin) {
		config_set(fd, &cfg0, buf);
		if (config_get(fd, &cfg1, buf) || memcmp(&cfg0, &cfg1, sizeof(cfg0)))
			fail(NULL, NULL, "config not restored after the fuzzing");
	} else if (config_get(fd, &cfg1, buf) || memcmp(&cfg0, &cfg1, sizeof(cfg0))) {
		fail(NULL, NULL, "config changed by requests without CAP_NET_ADMIN");
	}
	drain_events(efd, buf);

	printf("nlfuzz: seed %llu, %lu messages sent in %lu datagrams (%lu mutated, %lu "
	       "with a wrong genetlink version), at least %lu of each kind read by the "
	       "kernel, %.1f s, CAP_NET_ADMIN %s\n", (unsigned long long)seed, total,
	       st.dgrams, st.mutated, st.wrong_version, per_op, now_s() - t0,
	       admin ? "yes" : "no");
	if (efd >= 0)
		close(efd);
	close(fd);
}

static void summary_fuzz(void)
{
	unsigned long errs[NERRNOS + 1] = { 0 };
	int c, e;

	for (c = 0; c < NCATS_ALL; c++) {
		unsigned long nerr = 0;

		for (e = 0; e <= NERRNOS; e++) {
			nerr += st.errs[c][e];
			errs[e] += st.errs[c][e];
		}
		printf("nlfuzz: %-11s %7lu sent, %7lu read by the kernel: %6lu answers, "
		       "%6lu ACKs, %6lu errors, %6lu rightly silent\n", cat_names[c],
		       st.sent[c], st.sent[c] - st.dropped[c], st.answers[c], st.acks[c],
		       nerr, st.silent[c]);
	}
	printf("nlfuzz: errors:");
	for (e = 0; e < NERRNOS; e++)
		printf(" %s %lu", errname(allowed_errnos[e]), errs[e]);
	printf(", other %lu\n", errs[ERR_OTHER]);
	printf("nlfuzz: dumps: %lu flows in %lu complete dumps, %lu flagged NLM_F_DUMP_INTR; "
	       "%lu notifications checked (%lu overruns)\n", st.dump_flows,
	       st.answers[CAT_FLOW_GET] + st.answers[CAT_PHANTOM], st.dump_intr, st.events,
	       st.event_overruns);
}

/* ---------------------------------------------------------------- cancel */

static unsigned long flows_now(int fd, uint8_t *buf)
{
	static uint8_t answer[RECV_MAX];
	const uint8_t *a;
	struct msg m;
	int alen = 0, rem;

	msg_init(&m, fam_id, 0, next_seq++, HSMON_CMD_STATS_GET, 1);
	if (transact(fd, &m, buf, answer, &alen) || alen < (int)(NLMSG_HDRLEN + GENL_HDRLEN))
		die("stats-get failed");
	for_each_nla(a, answer + 20, alen - 20, rem)
		if (get16(a + 2) == HSMON_A_STATS_FLOWS)
			return get32(a + 4);
	die("stats-get: no flows gauge");
	return 0;
}

struct tuple {
	uint8_t key[40];
};

static int tuple_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct tuple));
}

/* The 5-tuple of a flow message, to find one returned twice. */
static void flow_tuple(const uint8_t *p, int len, struct tuple *t)
{
	const uint8_t *a;
	int rem, type, alen, k = 0;

	memset(t, 0, sizeof(*t));
	for_each_nla(a, p, len, rem) {
		type = get16(a + 2);
		alen = get16(a) - NLA_HDRLEN;
		if ((type == HSMON_A_FLOW_FAMILY || type == HSMON_A_FLOW_INITIATOR_ADDR ||
		     type == HSMON_A_FLOW_RESPONDER_ADDR ||
		     type == HSMON_A_FLOW_INITIATOR_PORT ||
		     type == HSMON_A_FLOW_RESPONDER_PORT) &&
		    k + alen <= (int)sizeof(t->key)) {
			memcpy(t->key + k, a + NLA_HDRLEN, alen);
			k += alen;
		}
	}
}

/*
 * A complete dump, every message checked: returns the number of flows;
 * none may come twice.
 */
static unsigned long full_dump(uint8_t *buf, bool *intr)
{
	static struct batch b;
	static struct tuple *tuples;
	static unsigned long cap;
	unsigned long nflows = 0, i, dups = 0;
	uint32_t len;
	struct msg m;
	ssize_t n;
	int fd, off;

	fd = nl_open(1 << 20, &b.portid);
	msg_init(&m, fam_id, NLM_F_REQUEST | NLM_F_DUMP, next_seq++, HSMON_CMD_FLOW_GET, 1);
	memcpy(b.dgram, m.b, m.len);
	b.len = m.len;
	b.nrecs = 1;
	b.ndropped = 0;
	memset(&b.recs[0], 0, sizeof(b.recs[0]));
	b.recs[0].seq = get32(m.b + 8);
	b.recs[0].len = m.len;
	b.recs[0].type = fam_id;
	b.recs[0].flags = NLM_F_REQUEST | NLM_F_DUMP;
	b.recs[0].cat = CAT_FLOW_GET;
	b.recs[0].cmd = HSMON_CMD_FLOW_GET;
	b.recs[0].kind = K_DUMP;
	b.open_dumps = 1;
	b.sentinel = 0;
	b.sentinel_seen = true;
	*intr = false;
	nl_send(fd, m.b, m.len);
	while (b.open_dumps) {
		n = recv(fd, buf, RECV_MAX, 0);
		if (n < 0) {
			fail(NULL, NULL, "complete dump: recv: %s", strerror(errno));
			break;
		}
		for (off = 0; off + NLMSG_HDRLEN <= n; off += NLMSG_ALIGN(len)) {
			len = get32(buf + off);
			if (len < NLMSG_HDRLEN + GENL_HDRLEN || len > (uint32_t)(n - off))
				break;
			if (get16(buf + off + 4) != fam_id)
				continue;
			*intr |= !!(get16(buf + off + 6) & NLM_F_DUMP_INTR);
			if (nflows >= cap) {
				cap = cap ? 2 * cap : 4096;
				tuples = realloc(tuples, cap * sizeof(*tuples));
				if (!tuples)
					die("out of memory");
			}
			flow_tuple(buf + off + 20, (int)len - 20, &tuples[nflows++]);
		}
		on_datagram(&b, buf, n, 0);
	}
	close(fd);
	if (nflows)
		qsort(tuples, nflows, sizeof(*tuples), tuple_cmp);
	for (i = 1; i < nflows; i++)
		dups += !memcmp(&tuples[i - 1], &tuples[i], sizeof(*tuples));
	if (dups)
		fail(NULL, NULL, "complete dump: %lu flows returned twice (NLM_F_DUMP_INTR %s)",
		     dups, *intr ? "set" : "not set");
	return nflows;
}

/*
 * One datagram of a dump about to be cancelled: the dump's messages (seq),
 * its end, and the answer to a second dump request (seq2).
 */
static void cancel_datagram(const uint8_t *buf, ssize_t n, uint32_t portid, uint32_t seq,
			    uint32_t seq2, bool *done, bool *busy_seen)
{
	char why[160];
	uint32_t len, s;
	uint16_t type;
	int off, err;

	for (off = 0; off + NLMSG_HDRLEN <= n; off += NLMSG_ALIGN(len)) {
		len = get32(buf + off);
		type = get16(buf + off + 4);
		s = get32(buf + off + 8);
		if (len < NLMSG_HDRLEN || len > (uint32_t)(n - off)) {
			fail(NULL, NULL, "cancel: reply nlmsg_len %u with %zd bytes left", len,
			     n - off);
			return;
		}
		if (get32(buf + off + 12) != portid) {
			fail(NULL, NULL, "cancel: reply to port id %u", get32(buf + off + 12));
			continue;
		}
		err = type == NLMSG_ERROR || type == NLMSG_DONE ?
		      (len >= 20 ? -(int)get32(buf + off + 16) : -1) : 0;
		if (seq2 && s == seq2) {
			if (type == NLMSG_ERROR && err == EBUSY) {
				*busy_seen = true;
				st.busy++;
			} else {
				fail(NULL, NULL, "cancel: a dump while one runs: type %#x, %s",
				     type, errname(err));
			}
			continue;
		}
		if (s != seq) {
			fail(NULL, NULL, "cancel: reply type %#x seq %u: to no request", type, s);
			continue;
		}
		if (type == NLMSG_DONE && !err) {
			*done = true;
			continue;
		}
		if (type != fam_id || len < NLMSG_HDRLEN + GENL_HDRLEN ||
		    buf[off + 16] != HSMON_CMD_FLOW_GET || *done) {
			fail(NULL, NULL, "cancel: reply type %#x, %s%s", type, errname(err),
			     *done ? ", after the end" : "");
			continue;
		}
		st.dump_flows++;
		if (check_flow(buf + off + 20, (int)len - 20, NULL, false, why, sizeof(why)))
			fail(NULL, NULL, "cancel: %s", why);
	}
}

static void run_cancel(uint64_t seed, unsigned long ndumps, unsigned long min_flows)
{
	static const int rcvbufs[] = { 0, 1024, 2048, 4096, 8192, 16384, 1 << 20 };
	static const int bufsizes[] = { 4096, 8192, 16384, 32768, 65536 };
	static uint8_t buf[RECV_MAX];
	unsigned long i, flows0, flows1, dumped0, dumped1;
	double t0 = now_s();
	bool intr0, intr1;
	int fd;

	rnd_seed(seed);
	fd = nl_open(1 << 20, NULL);
	resolve_family(fd);
	flows0 = flows_now(fd, buf);
	if (flows0 < min_flows)
		die("only %lu flows in the table, %lu wanted", flows0, min_flows);
	dumped0 = full_dump(buf, &intr0);

	for (i = 0; i < ndumps; i++) {
		int rcvbuf = rcvbufs[rn(7)], bufsize = bufsizes[rn(5)];
		int parts = rn(3), got, dfd, k;
		bool busy = rcvbuf == (1 << 20) && chance(50), done = false, busy_seen = false;
		uint32_t seq = next_seq++, portid;
		struct msg m;
		ssize_t n;

		dfd = nl_open(rcvbuf, &portid);
		msg_init(&m, fam_id, NLM_F_REQUEST | NLM_F_DUMP | (chance(50) ? NLM_F_ACK : 0),
			 seq, HSMON_CMD_FLOW_GET, 1);
		if (chance(20))
			msg_u8(&m, HSMON_A_FLOW_FAMILY, AF_INET_);
		nl_send(dfd, m.b, m.len);
		for (got = 0; got < parts && !done; got++) {
			n = recv(dfd, buf, bufsize, MSG_TRUNC);
			if (n < 0) {
				fail(NULL, NULL, "cancel: recv: %s", strerror(errno));
				break;
			}
			if (n > bufsize) {
				fail(NULL, NULL, "cancel: a dump message of %zd bytes for a "
				     "buffer of %d", n, bufsize);
				break;
			}
			st.dump_parts++;
			cancel_datagram(buf, n, portid, seq, 0, &done, &busy_seen);
		}
		if (busy && !done) {
			/* A second dump while this one runs: EBUSY, behind what is queued. */
			uint32_t seq2 = next_seq++;

			msg_init(&m, fam_id, NLM_F_REQUEST | NLM_F_DUMP, seq2,
				 HSMON_CMD_FLOW_GET, 1);
			nl_send(dfd, m.b, m.len);
			for (k = 0; k < 64 && !busy_seen; k++) {
				n = recv(dfd, buf, RECV_MAX, 0);
				if (n < 0) {
					fail(NULL, NULL, "cancel: recv: %s", strerror(errno));
					break;
				}
				st.dump_parts++;
				cancel_datagram(buf, n, portid, seq, seq2, &done, &busy_seen);
			}
			if (!busy_seen)
				fail(NULL, NULL, "cancel: no EBUSY for a dump while one runs");
		}
		close(dfd);
		st.cancelled += !done;
		if (verbose && i % 500 == 0)
			fprintf(stderr, "%s: %lu dumps, %.1f s\n", prog, i, now_s() - t0);
	}

	flows1 = flows_now(fd, buf);
	dumped1 = full_dump(buf, &intr1);
	if (dumped0 != flows0 || dumped1 != flows1 || flows1 != flows0 || intr0 || intr1)
		fail(NULL, NULL, "complete dumps: %lu flows before (gauge %lu%s), %lu after "
		     "(gauge %lu%s)", dumped0, flows0, intr0 ? ", NLM_F_DUMP_INTR" : "",
		     dumped1, flows1, intr1 ? ", NLM_F_DUMP_INTR" : "");
	printf("nlfuzz: seed %llu, %lu dumps of %lu flows, %lu cancelled midway, %lu EBUSY "
	       "for a dump while one ran (%lu datagrams, %lu flows read), %.1f s\n",
	       (unsigned long long)seed, ndumps, flows0, st.cancelled, st.busy, st.dump_parts,
	       st.dump_flows, now_s() - t0);
	printf("nlfuzz: complete dumps before and after: %lu and %lu flows\n", dumped0,
	       dumped1);
	close(fd);
}

/* ---------------------------------------------------------------- main */

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
"usage: %s fuzz [-s SEED] [-n PER_OP] [-t TIMEOUT_MS] [-v]\n"
"       %s cancel [-s SEED] [-n DUMPS] [-m MIN_FLOWS] [-t TIMEOUT_MS] [-v]\n",
		prog, prog);
	exit(status);
}

int main(int argc, char **argv)
{
	unsigned long count = 0, min_flows = 1000;
	uint64_t seed = 1;
	const char *mode;
	int c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		usage(2);
	mode = argv[1];
	if (!strcmp(mode, "-h") || !strcmp(mode, "--help"))
		usage(0);
	optind = 2;
	while ((c = getopt(argc, argv, "s:n:m:t:vh")) != -1) {
		switch (c) {
		case 's': seed = parse_ul(optarg, "seed", 0, ULONG_MAX); break;
		case 'n': count = parse_ul(optarg, "count", 0, ULONG_MAX); break;
		case 'm': min_flows = parse_ul(optarg, "number of flows", 0, ULONG_MAX); break;
		case 't': timeout_ms = parse_ul(optarg, "timeout", 1, INT_MAX); break;
		case 'v': verbose = true; break;
		case 'h': usage(0); break;
		default: usage(2);
		}
	}
	if (optind != argc || timeout_ms < 1)
		usage(2);
	if (!strcmp(mode, "fuzz")) {
		run_fuzz(seed, count ? count : 100000);
		summary_fuzz();
	} else if (!strcmp(mode, "cancel")) {
		run_cancel(seed, count ? count : 5000, min_flows);
	} else {
		usage(2);
	}
	printf("nlfuzz: %lu failures\n", st.failures);
	return st.failures ? 1 : 0;
}
