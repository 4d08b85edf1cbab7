// SPDX-License-Identifier: GPL-2.0
/*
 * nschurn: create and destroy many network namespaces, each with live TCP
 * flows and open listeners, for the hsmon selftests.
 *
 * Namespace i (0 .. N-1) is made by a forked child that unshares its
 * network namespace, brings lo up and, on ports P = BASE + 4 * i:
 *   - listens on 127.0.0.1:P and [::1]:P and makes CONNS connections to
 *     them, alternately IPv4 and IPv6, and accepts them (ESTABLISHED);
 *   - listens on 127.0.0.1:P+1 with a backlog of 1 and connects to it twice
 *     without accepting (ESTABLISHED, left in the accept queue), then once
 *     more without blocking: the accept queue is full, the listener drops
 *     that SYN and the connection stays half-open (SYN_SENT);
 *   - connects to 127.0.0.1:P+2 and [::1]:P+2, where nothing listens
 *     (REFUSED).
 * It then reads its /proc/self/net/hsmon until every one of those flows is
 * there, in its state, as a local flow, with no flow it did not make
 * (isolation: every namespace uses its own ports), and the counters
 * established and refused agree; and dumps its table over the hsmon
 * generic netlink family, which must return as many flows, all its own.
 * Every second namespace then puts its accepted connections and their
 * clients into TCP_REPAIR mode, so that they vanish without a FIN or RST
 * and their flows are still ESTABLISHED when the namespace is dismantled;
 * the others leave their sockets to the kernel, which closes them on exit.
 * The child reports to the parent and exits with every socket open: the
 * namespace dies with live flows and listeners (cleanup_net, later, in a
 * kernel worker).
 *
 * The parent keeps at most WINDOW namespaces in the making at once. With -p
 * PIN, it holds the network namespace of every PIN-th one open (an fd on
 * /proc/PID/ns/net) until PIN more namespaces have reported, so some
 * namespaces outlive the processes that were in them and the teardowns
 * interleave in another order. With -r, each namespace also gets a reader
 * process that holds /proc/self/net/hsmon open half-read and a flow dump
 * requested but not read, and reads the file and dumps the table in a loop;
 * the parent kills it (SIGKILL) once the namespace's maker has exited, so
 * the namespace goes down with a read and a dump in flight (the reader also
 * holds copies of the maker's sockets: they close when it dies). After each
 * report the parent also checks that the initial namespace's /proc/hsmon
 * shows none of the churned namespaces' flows.
 *
 * Prints one line per namespace that failed ("ns I: FAIL: ..."), one line
 * the first time the initial namespace shows churned flows, and a summary
 * line ("namespaces N, ok N, failed N, flows seen N, ..."). Exits 0 if
 * every namespace passed and the initial namespace never showed their
 * flows, 1 otherwise, 2 on a usage error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tools.h"

#include "../../include/uapi/linux/hsmon.h"

#ifndef TCP_REPAIR
#define TCP_REPAIR	19
#endif

#define MAX_CONNS	64
#define MAX_FLOWS	(MAX_CONNS + 5)	/* + 2 queued, 1 half-open, 2 refused */
#define MAX_WINDOW	256
#define NS_TIMEOUT_MS	120000	/* one namespace's set-up and checks */
#define CHECK_MS	5000	/* how long the expected flows may take to show */
#define PROC_HSMON	"/proc/self/net/hsmon"

const char *prog = "nschurn";

struct opts {
	unsigned int count;	/* namespaces */
	unsigned int window;	/* in the making at once */
	unsigned int conns;	/* accepted connections per namespace */
	unsigned int pin;	/* pin every pin-th namespace, 0: none */
	unsigned int base;	/* first port */
	bool readers;
	bool verbose;
};

/* What a child tells the parent: one write, atomic on a pipe. */
struct report {
	int idx;
	pid_t reader;		/* the reader process, 0 if none */
	int ok;
	int flows;		/* flow lines in /proc/hsmon */
	int established;	/* of those, expected ESTABLISHED and seen so */
	int refused;
	int syn_sent;
	int dumped;		/* flows in the netlink dump */
	int repaired;		/* sockets left in TCP_REPAIR mode */
	char err[256];
};

_Static_assert(sizeof(struct report) <= PIPE_BUF, "a report must be one atomic write");

/* A flow the child made, as /proc/hsmon should show it. */
struct want {
	int family;
	uint16_t iport, rport;
	const char *state;
	bool seen;
};

struct child_ctx {
	const struct opts *o;
	int idx;
	pid_t keeper;		/* the parent, our subreaper */
	uint16_t port;		/* P */
	struct want want[MAX_FLOWS];
	int nwant;
	int est_fds[2 * MAX_CONNS];	/* accepted connections and their clients */
	int nest;
	struct report r;
};

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
"usage: %s [-n COUNT] [-w WINDOW] [-c CONNS] [-p PIN] [-b PORT] [-r] [-v]\n"
"  -n COUNT   network namespaces to create and destroy (default 200)\n"
"  -w WINDOW  namespaces in the making at once (default 16, at most %d)\n"
"  -c CONNS   accepted connections per namespace, alternately IPv4 and IPv6\n"
"             (default 4, at most %d)\n"
"  -p PIN     hold every PIN-th namespace open from the parent until PIN\n"
"             more have reported (default 0: none)\n"
"  -b PORT    ports of namespace i: PORT + 4i .. PORT + 4i + 2 (default 20000)\n"
"  -r         a reader in each namespace, killed while it reads /proc/hsmon\n"
"             and dumps the flows\n"
"  -v         one line per namespace\n",
		prog, MAX_WINDOW, MAX_CONNS);
	exit(status);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void nap_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Record the first failure of a namespace; later ones add nothing. */
static void __attribute__((format(printf, 2, 3)))
ns_fail(struct child_ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->r.ok)
		return;
	c->r.ok = 0;
	va_start(ap, fmt);
	vsnprintf(c->r.err, sizeof(c->r.err), fmt, ap);
	va_end(ap);
}

/* ---------------------------------------------------------------- sockets */

static socklen_t sockaddr_of(int family, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		sin6->sin6_addr = in6addr_loopback;
		return sizeof(*sin6);
	}
}

static const char *fam_name(int family)
{
	return family == AF_INET ? "ipv4" : "ipv6";
}

static int lo_up(void)
{
	struct ifreq ifr = { 0 };
	int fd, ret;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	strcpy(ifr.ifr_name, "lo");
	ret = ioctl(fd, SIOCGIFFLAGS, &ifr);
	if (!ret) {
		ifr.ifr_flags |= IFF_UP;
		ret = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
	return ret;
}

/* A listener on the loopback address of family, or -1 (errno set). */
static int listener(int family, uint16_t port, int backlog)
{
	struct sockaddr_storage ss;
	socklen_t len = sockaddr_of(family, port, &ss);
	int fd, one = 1, tries;

	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	/* ::1 comes with lo up; give it a moment all the same. */
	for (tries = 0; bind(fd, (struct sockaddr *)&ss, len); tries++) {
		if (errno != EADDRNOTAVAIL || tries >= 100)
			goto err;
		nap_ms(10);
	}
	if (listen(fd, backlog))
		goto err;
	return fd;
err:
	tries = errno;
	close(fd);
	errno = tries;
	return -1;
}

/*
 * A client bound to a port of its own before it connects, so that the
 * port is known even when the connection fails (a refused socket loses its
 * automatic port). Returns the fd (and the port in *sport), or -1.
 */
static int client(int family, uint16_t *sport)
{
	struct sockaddr_storage ss;
	socklen_t len = sockaddr_of(family, 0, &ss);
	int fd, e;

	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&ss, len))
		goto err;
	len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		goto err;
	*sport = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port :
				((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
err:
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

static int connect_to(int fd, int family, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t len = sockaddr_of(family, port, &ss);

	return connect(fd, (struct sockaddr *)&ss, len);
}

/* A connect that must fail with want (the socket stays open either way). */
static bool expect_errno(struct child_ctx *c, int fd, int family, uint16_t port, int want)
{
	if (!connect_to(fd, family, port)) {
		ns_fail(c, "%s connection to port %u: connected, expected %s",
			fam_name(family), port, strerrorname_np(want));
		return false;
	}
	if (errno != want) {
		ns_fail(c, "%s connection to port %u: %s, expected %s",
			fam_name(family), port, strerror(errno), strerrorname_np(want));
		return false;
	}
	return true;
}

static void want_flow(struct child_ctx *c, int family, uint16_t iport,
		      uint16_t rport, const char *state)
{
	struct want *w = &c->want[c->nwant++];

	w->family = family;
	w->iport = iport;
	w->rport = rport;
	w->state = state;
	w->seen = false;
}

/* Make the namespace's flows; false (and c->r.err) on a failure. */
static bool make_flows(struct child_ctx *c)
{
	uint16_t p = c->port, sport;
	int l[2], lq, fd, a, fam;
	unsigned int i;

	l[0] = listener(AF_INET, p, 64);
	l[1] = listener(AF_INET6, p, 64);
	if (l[0] < 0 || l[1] < 0) {
		ns_fail(c, "listen on port %u: %s", p, strerror(errno));
		return false;
	}
	for (i = 0; i < c->o->conns; i++) {
		fam = i % 2 ? AF_INET6 : AF_INET;
		fd = client(fam, &sport);
		if (fd < 0 || connect_to(fd, fam, p)) {
			ns_fail(c, "%s connection %u to port %u: %s",
				fam_name(fam), i, p, strerror(errno));
			return false;
		}
		a = accept4(l[i % 2], NULL, NULL, SOCK_CLOEXEC);
		if (a < 0) {
			ns_fail(c, "accept on port %u: %s", p, strerror(errno));
			return false;
		}
		c->est_fds[c->nest++] = fd;
		c->est_fds[c->nest++] = a;
		want_flow(c, fam, sport, p, "ESTABLISHED");
	}

	/* Backlog 1: two connections fit in the accept queue, a third does not. */
	lq = listener(AF_INET, p + 1, 1);
	if (lq < 0) {
		ns_fail(c, "listen on port %u: %s", p + 1, strerror(errno));
		return false;
	}
	for (i = 0; i < 2; i++) {
		fd = client(AF_INET, &sport);
		if (fd < 0 || connect_to(fd, AF_INET, p + 1)) {
			ns_fail(c, "connection %u to the queue on port %u: %s",
				i, p + 1, strerror(errno));
			return false;
		}
		want_flow(c, AF_INET, sport, p + 1, "ESTABLISHED");
	}
	fd = client(AF_INET, &sport);
	if (fd < 0 || fcntl(fd, F_SETFL, O_NONBLOCK)) {
		ns_fail(c, "half-open connection: %s", strerror(errno));
		return false;
	}
	if (!expect_errno(c, fd, AF_INET, p + 1, EINPROGRESS))
		return false;
	want_flow(c, AF_INET, sport, p + 1, "SYN_SENT");

	for (fam = 0; fam < 2; fam++) {
		int f = fam ? AF_INET6 : AF_INET;

		fd = client(f, &sport);
		if (fd < 0) {
			ns_fail(c, "%s client: %s", fam_name(f), strerror(errno));
			return false;
		}
		if (!expect_errno(c, fd, f, p + 2, ECONNREFUSED))
			return false;
		want_flow(c, f, sport, p + 2, "REFUSED");
	}
	return true;
}

/* ---------------------------------------------------------------- /proc/hsmon */

/* The whole of a file, NUL-terminated, in a malloc()ed buffer; NULL on error. */
static char *slurp(const char *path, size_t *lenp)
{
	size_t len = 0, cap = 16384;
	char *buf = malloc(cap);
	ssize_t n;
	int fd;

	if (!buf)
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(buf);
		return NULL;
	}
	for (;;) {
		if (cap - len < 4096) {
			char *nb = realloc(buf, cap * 2);

			if (!nb)
				goto err;
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto err;
		}
		if (!n)
			break;
		len += n;
	}
	close(fd);
	buf[len] = 0;
	if (lenp)
		*lenp = len;
	return buf;
err:
	n = errno;
	close(fd);
	free(buf);
	errno = n;
	return NULL;
}

/* "127.0.0.1:80" or "[::1]:80": the family, the address text and the port. */
static bool parse_endpoint(const char *s, int *family, char *addr, size_t alen,
			   unsigned int *port)
{
	const char *colon;
	size_t n;

	if (s[0] == '[') {
		const char *end = strchr(s, ']');

		if (!end || end[1] != ':')
			return false;
		n = end - s - 1;
		colon = end + 1;
		*family = AF_INET6;
		s++;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return false;
		n = colon - s;
		*family = AF_INET;
	}
	if (n >= alen)
		return false;
	memcpy(addr, s, n);
	addr[n] = 0;
	return sscanf(colon + 1, "%u", port) == 1;
}

/* A counter of the first part of a /proc/hsmon text; -1 if absent. */
static long long proc_counter(const char *text, const char *name)
{
	size_t nl = strlen(name);
	const char *p = text;

	while (*p && *p != '\n') {
		if (!strncmp(p, name, nl) && p[nl] == ' ')
			return strtoll(p + nl + 1, NULL, 10);
		p = strchr(p, '\n');
		if (!p)
			break;
		p++;
	}
	return -1;
}

/*
 * The flow lines of a /proc/hsmon text, in turn: returns a pointer to the
 * next line (NUL-terminated in place) or NULL. *cursor starts at NULL.
 */
static char *next_flow_line(char *text, char **cursor)
{
	char *p = *cursor, *eol;

	if (!p) {
		p = strstr(text, "\n\n");	/* counters, empty line, header */
		if (!p)
			return NULL;
		p = strchr(p + 2, '\n');	/* past the header */
		if (!p)
			return NULL;
		p++;
	}
	if (!*p)
		return NULL;
	eol = strchr(p, '\n');
	if (eol) {
		*eol = 0;
		*cursor = eol + 1;
	} else {
		*cursor = p + strlen(p);
	}
	return p;
}

/*
 * Check the namespace's /proc/hsmon against what it made: one pass, whose
 * verdict goes into c->r (ok, err, the figures). Returns whether it passed.
 */
static bool check_proc_once(struct child_ctx *c)
{
	char fam[8], ini[64], res[64], dir[16], state[16];
	char ia[48], ra[48], *text, *line, *cur = NULL;
	unsigned int ip, rp;
	int f1, f2, i, n_est = 0;
	long long v;

	c->r.ok = 1;
	c->r.err[0] = 0;
	c->r.flows = c->r.established = c->r.refused = c->r.syn_sent = 0;
	for (i = 0; i < c->nwant; i++) {
		c->want[i].seen = false;
		n_est += !strcmp(c->want[i].state, "ESTABLISHED");
	}

	text = slurp(PROC_HSMON, NULL);
	if (!text) {
		ns_fail(c, "read %s: %s", PROC_HSMON, strerror(errno));
		return false;
	}
	v = proc_counter(text, "established");
	if (v != n_est)
		ns_fail(c, "counter established: expected %d, seen %lld", n_est, v);
	v = proc_counter(text, "refused");
	if (v != 2)
		ns_fail(c, "counter refused: expected 2, seen %lld", v);

	while ((line = next_flow_line(text, &cur))) {
		char copy[512];

		c->r.flows++;
		snprintf(copy, sizeof(copy), "%s", line);
		if (sscanf(line, "%7s %63s %63s %15s %15s", fam, ini, res, dir, state) != 5 ||
		    !parse_endpoint(ini, &f1, ia, sizeof(ia), &ip) ||
		    !parse_endpoint(res, &f2, ra, sizeof(ra), &rp)) {
			ns_fail(c, "unparsable flow line '%s'", copy);
			continue;
		}
		for (i = 0; i < c->nwant; i++) {
			struct want *w = &c->want[i];

			if (w->family == f1 && w->iport == ip && w->rport == rp)
				break;
		}
		if (i == c->nwant) {
			ns_fail(c, "a flow this namespace did not make: '%s'", copy);
			continue;
		}
		c->want[i].seen = true;
		if (f1 != f2 || strcmp(fam, fam_name(f1)) ||
		    strcmp(ia, f1 == AF_INET ? "127.0.0.1" : "::1") ||
		    strcmp(ra, ia) || strcmp(dir, "local") ||
		    strcmp(state, c->want[i].state)) {
			ns_fail(c, "flow '%s': expected %s %s local %s", copy,
				fam_name(f1), f1 == AF_INET ? "127.0.0.1" : "[::1]",
				c->want[i].state);
			continue;
		}
		if (!strcmp(state, "ESTABLISHED"))
			c->r.established++;
		else if (!strcmp(state, "REFUSED"))
			c->r.refused++;
		else
			c->r.syn_sent++;
	}
	for (i = 0; i < c->nwant; i++) {
		struct want *w = &c->want[i];

		if (!w->seen)
			ns_fail(c, "no flow %s port %u -> %u (%s); %d flow lines",
				fam_name(w->family), w->iport, w->rport, w->state,
				c->r.flows);
	}
	free(text);
	return c->r.ok;
}

/* The flows are in place once the syscalls returned; allow some slack. */
static bool check_proc(struct child_ctx *c)
{
	long long deadline = now_ms() + CHECK_MS;

	while (!check_proc_once(c) && now_ms() < deadline)
		nap_ms(20);
	return c->r.ok;
}

/* ---------------------------------------------------------------- netlink */

struct nlreq {
	struct nlmsghdr n;
	struct genlmsghdr g;
	char buf[64];
};

static int genl_socket(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

static int genl_send(int fd, uint16_t type, uint16_t flags, uint8_t cmd,
		     uint16_t attr, const char *str)
{
	struct nlreq req = { 0 };
	struct nlattr *a;

	req.n.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	req.n.nlmsg_type = type;
	req.n.nlmsg_flags = NLM_F_REQUEST | flags;
	req.n.nlmsg_seq = 1;
	req.g.cmd = cmd;
	req.g.version = type == GENL_ID_CTRL ? 2 : HSMON_GENL_VERSION;
	if (str) {
		a = (struct nlattr *)((char *)&req + NLMSG_ALIGN(req.n.nlmsg_len));
		a->nla_type = attr;
		a->nla_len = NLA_HDRLEN + strlen(str) + 1;
		memcpy((char *)a + NLA_HDRLEN, str, strlen(str) + 1);
		req.n.nlmsg_len = NLMSG_ALIGN(req.n.nlmsg_len) + NLA_ALIGN(a->nla_len);
	}
	return send(fd, &req, req.n.nlmsg_len, 0) == (ssize_t)req.n.nlmsg_len ? 0 : -1;
}

/* The id of the generic netlink family "hsmon", or -1 (errno set). */
static int hsmon_family(int fd)
{
	char buf[8192];
	struct nlmsghdr *n;
	ssize_t len;

	if (genl_send(fd, GENL_ID_CTRL, 0, CTRL_CMD_GETFAMILY,
		      CTRL_ATTR_FAMILY_NAME, HSMON_GENL_NAME))
		return -1;
	len = recv(fd, buf, sizeof(buf), 0);
	if (len < 0)
		return -1;
	for (n = (struct nlmsghdr *)buf; NLMSG_OK(n, len); n = NLMSG_NEXT(n, len)) {
		struct nlattr *a;
		int rem;

		if (n->nlmsg_type == NLMSG_ERROR) {
			errno = -((struct nlmsgerr *)NLMSG_DATA(n))->error;
			return -1;
		}
		a = (struct nlattr *)((char *)NLMSG_DATA(n) + GENL_HDRLEN);
		rem = n->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
		while (rem >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= rem) {
			if ((a->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_FAMILY_ID)
				return *(uint16_t *)((char *)a + NLA_HDRLEN);
			rem -= NLA_ALIGN(a->nla_len);
			a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len));
		}
	}
	errno = ENOENT;
	return -1;
}

/*
 * Dump the namespace's flows; count them in *count and, when rports is not
 * NULL, check that each responder port is one of rports[0..2]. Returns 0,
 * 1 if the dump was interrupted (NLM_F_DUMP_INTR: try again), -1 on error
 * (errno set; EBADMSG for a foreign port, with the port in *bad).
 */
static int flow_dump(int fd, int family, int *count, const uint16_t *rports,
		     unsigned int *bad)
{
	static char buf[65536];
	bool intr = false, foreign = false;
	struct nlmsghdr *n;
	ssize_t len;

	*count = 0;
	if (genl_send(fd, family, NLM_F_DUMP, HSMON_CMD_FLOW_GET, 0, NULL))
		return -1;
	for (;;) {
		len = recv(fd, buf, sizeof(buf), 0);
		if (len < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (n = (struct nlmsghdr *)buf; NLMSG_OK(n, len);
		     n = NLMSG_NEXT(n, len)) {
			struct nlattr *a;
			int rem;

			if (n->nlmsg_flags & NLM_F_DUMP_INTR)
				intr = true;
			if (n->nlmsg_type == NLMSG_DONE) {
				if (foreign) {
					errno = EBADMSG;
					return -1;
				}
				return intr;
			}
			if (n->nlmsg_type == NLMSG_ERROR) {
				errno = -((struct nlmsgerr *)NLMSG_DATA(n))->error;
				return -1;
			}
			if (n->nlmsg_type != family)
				continue;
			(*count)++;
			if (!rports)
				continue;
			a = (struct nlattr *)((char *)NLMSG_DATA(n) + GENL_HDRLEN);
			rem = n->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
			while (rem >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
			       a->nla_len <= rem) {
				if (a->nla_type == HSMON_A_FLOW_RESPONDER_PORT) {
					uint16_t p = *(uint16_t *)((char *)a + NLA_HDRLEN);

					if (p != rports[0] && p != rports[1] && p != rports[2]) {
						foreign = true;
						*bad = p;
					}
				}
				rem -= NLA_ALIGN(a->nla_len);
				a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len));
			}
		}
	}
}

static bool check_dump(struct child_ctx *c)
{
	uint16_t rports[3] = { c->port, c->port + 1, c->port + 2 };
	unsigned int bad = 0;
	int fd, fam, ret, tries;

	fd = genl_socket();
	if (fd < 0) {
		ns_fail(c, "generic netlink socket: %s", strerror(errno));
		return false;
	}
	fam = hsmon_family(fd);
	if (fam < 0) {
		ns_fail(c, "generic netlink family %s: %s", HSMON_GENL_NAME, strerror(errno));
		close(fd);
		return false;
	}
	for (tries = 0; tries < 5; tries++) {
		ret = flow_dump(fd, fam, &c->r.dumped, rports, &bad);
		if (ret <= 0)
			break;
	}
	close(fd);
	if (ret < 0 && errno == EBADMSG)
		ns_fail(c, "the flow dump has a flow of another namespace (responder port %u)",
			bad);
	else if (ret < 0)
		ns_fail(c, "flow dump: %s", strerror(errno));
	else if (ret > 0)
		ns_fail(c, "flow dump interrupted %d times", tries);
	else if (c->r.dumped != c->r.flows)
		ns_fail(c, "flow dump: %d flows, /proc/hsmon: %d", c->r.dumped, c->r.flows);
	return c->r.ok;
}

/* ---------------------------------------------------------------- reader */

/*
 * Holds /proc/hsmon open after a partial read and a dump requested but not
 * read, then reads and dumps in a loop until it is killed. Never returns.
 */
static void __attribute__((noreturn)) reader(int ready_fd, pid_t maker, pid_t keeper)
{
	static char buf[4096];
	int held, nl_held, nl, fam, count;
	char one = 1;
	pid_t pp;

	held = open(PROC_HSMON, O_RDONLY | O_CLOEXEC);
	nl_held = genl_socket();
	nl = genl_socket();
	if (held < 0 || nl_held < 0 || nl < 0)
		_exit(1);
	fam = hsmon_family(nl);
	if (fam < 0 || read(held, buf, 256) < 0 ||
	    genl_send(nl_held, fam, NLM_F_DUMP, HSMON_CMD_FLOW_GET, 0, NULL))
		_exit(1);
	if (write(ready_fd, &one, 1) != 1)
		_exit(1);
	close(ready_fd);
	for (;;) {
		int fd;

		/* Orphaned (nschurn died): nobody will kill us. */
		pp = getppid();
		if (pp != maker && pp != keeper)
			_exit(0);
		fd = open(PROC_HSMON, O_RDONLY | O_CLOEXEC);

		if (fd >= 0) {
			while (read(fd, buf, 512) > 0)
				;
			close(fd);
		}
		flow_dump(nl, fam, &count, NULL, NULL);
		nap_ms(2);	/* leave the CPUs to the namespaces in the making */
	}
}

static pid_t start_reader(struct child_ctx *c)
{
	int p[2];
	pid_t pid;
	char b;

	if (pipe2(p, O_CLOEXEC)) {
		ns_fail(c, "pipe: %s", strerror(errno));
		return 0;
	}
	pid = fork();
	if (pid < 0) {
		ns_fail(c, "fork the reader: %s", strerror(errno));
		return 0;
	}
	if (!pid) {
		close(p[0]);
		reader(p[1], getppid(), c->keeper);
	}
	close(p[1]);
	if (read(p[0], &b, 1) != 1)
		ns_fail(c, "the reader did not start");
	close(p[0]);
	return pid;
}

/* ---------------------------------------------------------------- child */

/* Established sockets leave silently: their flows stay ESTABLISHED. */
static void repair_mode(struct child_ctx *c)
{
	int i, on = 1;

	for (i = 0; i < c->nest; i++)
		if (!setsockopt(c->est_fds[i], IPPROTO_TCP, TCP_REPAIR, &on, sizeof(on)))
			c->r.repaired++;
	if (c->r.repaired != c->nest)
		ns_fail(c, "TCP_REPAIR: %d of %d sockets", c->r.repaired, c->nest);
}

static void __attribute__((noreturn))
child(const struct opts *o, int idx, int report_fd, int go_fd)
{
	static struct child_ctx c;
	char b;

	c.o = o;
	c.idx = idx;
	c.keeper = getppid();
	c.port = o->base + 4 * idx;
	c.r.idx = idx;
	c.r.ok = 1;

	if (unshare(CLONE_NEWNET))
		ns_fail(&c, "unshare(CLONE_NEWNET): %s", strerror(errno));
	else if (lo_up())
		ns_fail(&c, "lo up: %s", strerror(errno));
	else if (make_flows(&c) && check_proc(&c) && check_dump(&c)) {
		if (o->readers)
			c.r.reader = start_reader(&c);
		if (idx % 2)
			repair_mode(&c);
	}
	if (write(report_fd, &c.r, sizeof(c.r)) != sizeof(c.r))
		_exit(3);
	/* The parent closes its end when it has done what it does before we go. */
	while (read(go_fd, &b, 1) < 0 && errno == EINTR)
		;
	_exit(c.r.ok ? 0 : 1);	/* with every socket still open */
}

/* ---------------------------------------------------------------- parent */

struct slot {
	pid_t pid;		/* 0: free */
	int idx;
	int go_fd;
	long long started;
};

struct pinned {
	int fd;
	int release_after;	/* reports */
};

struct totals {
	unsigned int ok, failed, flows, established, refused, syn_sent, dumped;
	unsigned int repaired, pinned, readers;
	unsigned int init_foreign;	/* the most seen in one read */
};

/* Flows of the churned namespaces (their ports) seen in the initial one. */
static unsigned int init_foreign(const struct opts *o, char *example, size_t elen)
{
	char *text, *line, *cur = NULL, fam[8], ini[64], res[64], a[48];
	unsigned int n = 0, port, first = o->base, last = o->base + 4 * o->count;
	int f;

	text = slurp(PROC_HSMON, NULL);
	if (!text)
		return 0;
	while ((line = next_flow_line(text, &cur))) {
		if (sscanf(line, "%7s %63s %63s", fam, ini, res) != 3 ||
		    !parse_endpoint(res, &f, a, sizeof(a), &port))
			continue;
		if ((!strcmp(a, "127.0.0.1") || !strcmp(a, "::1")) &&
		    port >= first && port < last) {
			if (!n)
				snprintf(example, elen, "%s", line);
			n++;
		}
	}
	free(text);
	return n;
}

static void account(const struct opts *o, const struct report *r, struct totals *t)
{
	t->flows += r->flows;
	t->established += r->established;
	t->refused += r->refused;
	t->syn_sent += r->syn_sent;
	t->dumped += r->dumped;
	t->repaired += r->repaired;
	t->readers += r->reader > 0;
	if (r->ok) {
		t->ok++;
		if (o->verbose)
			printf("ns %d: ok: flows %d, dumped %d%s\n", r->idx, r->flows,
			       r->dumped, r->repaired ? ", repaired" : "");
	} else {
		t->failed++;
		printf("ns %d: FAIL: %s\n", r->idx, r->err);
	}
	fflush(stdout);
}

/* Reap a namespace's maker (it exits once its go pipe closes) and reader. */
static void finish(struct slot *s, pid_t reader)
{
	close(s->go_fd);
	waitpid(s->pid, NULL, 0);
	if (reader > 0) {
		/* Its namespace's last process: the table goes with it. */
		kill(reader, SIGKILL);
		waitpid(reader, NULL, 0);	/* ours: we are the subreaper */
	}
	s->pid = 0;
}

int main(int argc, char **argv)
{
	struct opts o = { .count = 200, .window = 16, .conns = 4, .base = 20000 };
	static struct slot slots[MAX_WINDOW];
	static struct pinned pins[4096];
	unsigned int next = 0, done = 0, live = 0, npins = 0, i;
	struct totals t = { 0 };
	int rep[2], c, status;
	long long t0;

	while ((c = getopt(argc, argv, "n:w:c:p:b:rvh")) != -1) {
		switch (c) {
		case 'n': o.count = parse_ul(optarg, "count", 1, 16000); break;
		case 'w': o.window = parse_ul(optarg, "window", 1, MAX_WINDOW); break;
		case 'c': o.conns = parse_ul(optarg, "connections", 0, MAX_CONNS); break;
		case 'p': o.pin = parse_ul(optarg, "pin interval", 0, 4096); break;
		case 'b': o.base = parse_ul(optarg, "port", 1, 65535); break;
		case 'r': o.readers = true; break;
		case 'v': o.verbose = true; break;
		case 'h': usage(0); break;
		default: usage(2);
		}
	}
	if (optind != argc)
		usage(2);
	if (o.base + 4UL * o.count > 65536) {
		fprintf(stderr, "%s: ports %u + 4 * %u do not fit\n", prog, o.base, o.count);
		exit(2);
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) || pipe2(rep, O_CLOEXEC)) {
		fprintf(stderr, "%s: set-up: %s\n", prog, strerror(errno));
		exit(1);
	}
	signal(SIGPIPE, SIG_IGN);
	t0 = now_ms();

	while (done < o.count) {
		struct pollfd pfd = { .fd = rep[0], .events = POLLIN };
		struct report r;
		char example[512] = "";
		unsigned int foreign;

		while (live < o.window && next < o.count) {
			struct slot *s = NULL;
			int go[2];
			pid_t pid;

			for (i = 0; i < o.window && !s; i++)
				if (!slots[i].pid)
					s = &slots[i];
			if (pipe2(go, O_CLOEXEC)) {
				fprintf(stderr, "%s: pipe: %s\n", prog, strerror(errno));
				exit(1);
			}
			fflush(stdout);
			pid = fork();
			if (pid < 0) {
				fprintf(stderr, "%s: fork: %s\n", prog, strerror(errno));
				exit(1);
			}
			if (!pid) {
				/* Another maker's go pipe or a pin must not live on here. */
				close(go[1]);
				close(rep[0]);
				for (i = 0; i < o.window; i++)
					if (slots[i].pid > 0)
						close(slots[i].go_fd);
				for (i = 0; i < npins; i++)
					close(pins[i].fd);
				child(&o, next, rep[1], go[0]);
			}
			close(go[0]);
			s->pid = pid;
			s->idx = next++;
			s->go_fd = go[1];
			s->started = now_ms();
			live++;
		}

		if (poll(&pfd, 1, 200) <= 0) {
			/* A maker that died or hangs without a report. */
			for (i = 0; i < o.window; i++) {
				struct slot *s = &slots[i];
				pid_t w;

				if (!s->pid)
					continue;
				w = waitpid(s->pid, &status, WNOHANG);
				if (w != s->pid && now_ms() - s->started <= NS_TIMEOUT_MS)
					continue;
				memset(&r, 0, sizeof(r));
				r.idx = s->idx;
				if (w == s->pid) {
					snprintf(r.err, sizeof(r.err),
						 "its maker exited without a report (status 0x%x)",
						 status);
				} else {
					snprintf(r.err, sizeof(r.err), "no report after %d ms",
						 NS_TIMEOUT_MS);
					kill(s->pid, SIGKILL);
					waitpid(s->pid, NULL, 0);
				}
				account(&o, &r, &t);
				close(s->go_fd);
				s->pid = 0;
				live--;
				done++;
			}
			continue;
		}
		if (read(rep[0], &r, sizeof(r)) != sizeof(r)) {
			fprintf(stderr, "%s: short report: %s\n", prog, strerror(errno));
			exit(1);
		}
		for (i = 0; i < o.window; i++)
			if (slots[i].pid > 0 && slots[i].idx == r.idx)
				break;
		if (i == o.window) {
			fprintf(stderr, "%s: report from unknown namespace %d\n", prog, r.idx);
			exit(1);
		}

		foreign = init_foreign(&o, example, sizeof(example));
		if (foreign && !t.init_foreign)
			printf("initial namespace: FAIL: %u flows of churned namespaces, as '%s'\n",
			       foreign, example);
		if (foreign > t.init_foreign)
			t.init_foreign = foreign;

		if (o.pin && r.idx % o.pin == 0) {
			char path[64];
			int fd;

			snprintf(path, sizeof(path), "/proc/%d/ns/net", slots[i].pid);
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0) {
				r.ok = 0;
				snprintf(r.err, sizeof(r.err), "open %s: %s", path, strerror(errno));
			} else {
				pins[npins].fd = fd;
				pins[npins].release_after = done + o.pin;
				npins++;
				t.pinned++;
			}
		}
		account(&o, &r, &t);
		finish(&slots[i], r.reader);
		live--;
		done++;

		/* Let go of the pinned namespaces whose time has come. */
		for (i = 0; i < npins; ) {
			if ((int)done >= pins[i].release_after) {
				close(pins[i].fd);
				pins[i] = pins[--npins];
			} else {
				i++;
			}
		}
	}
	for (i = 0; i < npins; i++)
		close(pins[i].fd);

	printf("namespaces %u, ok %u, failed %u, flows seen %u, established %u, "
	       "refused %u, half-open %u, dumped %u, repaired sockets %u, pinned %u, "
	       "readers %u, most foreign flows in the initial namespace %u, %lld ms\n",
	       o.count, t.ok, t.failed, t.flows, t.established, t.refused, t.syn_sent,
	       t.dumped, t.repaired, t.pinned, t.readers, t.init_foreign, now_ms() - t0);
	return t.failed || t.init_foreign ? 1 : 0;
}
