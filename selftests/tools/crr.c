// SPDX-License-Identifier: GPL-2.0
/*
 * crr: TCP connect / request / response / close, as fast as it goes, for the
 * hsmon benchmarks (a TCP_CRR-like workload).
 *
 *   crr -l ADDR -p PORT [-q BYTES] [-r BYTES]          server
 *   crr -c ADDR -p PORT -n CLIENTS -t SECONDS [-q BYTES] [-r BYTES]
 *
 * The server accepts, reads a request of -q bytes, writes a response of -r
 * bytes and waits for the client to close. A client keeps CLIENTS
 * connections in flight (one event loop, non-blocking sockets): each
 * connects, sends its request, reads the whole response and closes with a
 * reset (SO_LINGER 0: no TIME_WAIT, so the source ports never run out), then
 * the slot starts over, for SECONDS. It prints
 *   "connections N seconds S rate R errors E"
 * Exits 0, or 1 if no connection completed, 2 on a usage error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tools.h"

#define MAX_CLIENTS	1024
#define MAX_MSG		65536

const char *prog = "crr";

struct slot {
	int fd;
	size_t done;		/* request bytes sent, then response bytes read */
	bool sending;
};

static struct sockaddr_storage addr;
static socklen_t addrlen;
static size_t req_len = 64, resp_len = 64;
static char buf[MAX_MSG];

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
"usage: %s -l ADDR -p PORT [-q BYTES] [-r BYTES]\n"
"       %s -c ADDR -p PORT -n CLIENTS -t SECONDS [-q BYTES] [-r BYTES]\n",
		prog, prog);
	exit(status);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void parse_addr(const char *s, unsigned long port)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)&addr;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&addr;

	memset(&addr, 0, sizeof(addr));
	if (inet_pton(AF_INET, s, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(port);
		addrlen = sizeof(*a4);
	} else if (inet_pton(AF_INET6, s, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		addrlen = sizeof(*a6);
	} else {
		fprintf(stderr, "%s: bad address '%s'\n", prog, s);
		exit(2);
	}
}

static void epoll_set(int ep, int op, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };

	if (epoll_ctl(ep, op, fd, &ev) < 0)
		die_errno("epoll_ctl");
}

/* The server: one event loop; data.u64 is the fd, bit 32 set once answered. */
static __attribute__((noreturn)) void serve(void)
{
	int one = 1, ep, lfd, fd, n, i;
	struct epoll_event ev[256];
	ssize_t r;

	lfd = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (lfd < 0)
		die_errno("socket");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&addr, addrlen) < 0)
		die_errno("bind");
	if (listen(lfd, 4096) < 0)
		die_errno("listen");
	ep = epoll_create1(0);
	if (ep < 0)
		die_errno("epoll_create1");
	epoll_set(ep, EPOLL_CTL_ADD, lfd, EPOLLIN, (uint64_t)lfd);
	printf("listening\n");
	fflush(stdout);
	for (;;) {
		n = epoll_wait(ep, ev, 256, -1);
		if (n < 0 && errno != EINTR)
			die_errno("epoll_wait");
		for (i = 0; i < n; i++) {
			fd = (int)(ev[i].data.u64 & 0xffffffff);
			if (fd == lfd) {
				while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0)
					epoll_set(ep, EPOLL_CTL_ADD, fd, EPOLLIN, (uint64_t)fd);
				continue;
			}
			r = read(fd, buf, sizeof(buf));
			if (r > 0 && !(ev[i].data.u64 >> 32)) {
				/* The request fits a read at these sizes: answer it. */
				if (write(fd, buf, resp_len) == (ssize_t)resp_len)
					epoll_set(ep, EPOLL_CTL_MOD, fd, EPOLLIN,
						  (uint64_t)fd | 1ULL << 32);
				else
					close(fd);
			} else if (r == 0 || (r < 0 && errno != EAGAIN)) {
				close(fd);	/* the client closed (or reset) */
			}
		}
	}
}

static int start(int ep, struct slot *s, unsigned int idx, unsigned long *errors)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	int one = 1;

	for (;;) {
		s->fd = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (s->fd < 0)
			die_errno("socket");
		setsockopt(s->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		s->done = 0;
		s->sending = true;
		if (connect(s->fd, (struct sockaddr *)&addr, addrlen) == 0 ||
		    errno == EINPROGRESS) {
			epoll_set(ep, EPOLL_CTL_ADD, s->fd, EPOLLOUT, idx);
			return 0;
		}
		(*errors)++;
		close(s->fd);
	}
}

static int client(unsigned int clients, double seconds)
{
	unsigned long conns = 0, errors = 0;
	struct slot slots[MAX_CLIENTS];
	struct epoll_event ev[MAX_CLIENTS];
	double t0, t1 = 0;
	unsigned int i;
	int ep, n, j;
	ssize_t r;

	ep = epoll_create1(0);
	if (ep < 0)
		die_errno("epoll_create1");
	memset(buf, 'q', sizeof(buf));
	t0 = now();
	for (i = 0; i < clients; i++)
		start(ep, &slots[i], i, &errors);
	while ((t1 = now()) - t0 < seconds) {
		n = epoll_wait(ep, ev, MAX_CLIENTS, 100);
		if (n < 0 && errno != EINTR)
			die_errno("epoll_wait");
		for (j = 0; j < n; j++) {
			struct slot *s = &slots[ev[j].data.u64];
			bool restart = false;

			if (ev[j].events & (EPOLLERR | EPOLLHUP) && s->sending) {
				errors++;
				restart = true;
			} else if (s->sending) {
				r = write(s->fd, buf, req_len - s->done);
				if (r < 0 && errno != EAGAIN) {
					errors++;
					restart = true;
				} else if (r > 0 && (s->done += r) == req_len) {
					s->sending = false;
					s->done = 0;
					epoll_set(ep, EPOLL_CTL_MOD, s->fd, EPOLLIN,
						  ev[j].data.u64);
				}
			} else {
				r = read(s->fd, buf, sizeof(buf));
				if (r > 0 && (s->done += r) >= resp_len) {
					conns++;
					restart = true;
				} else if (r == 0 || (r < 0 && errno != EAGAIN)) {
					errors++;
					restart = true;
				}
			}
			if (restart) {
				close(s->fd);	/* a reset: SO_LINGER 0 */
				start(ep, s, ev[j].data.u64, &errors);
			}
		}
	}
	printf("connections %lu seconds %.3f rate %.1f errors %lu\n",
	       conns, t1 - t0, conns / (t1 - t0), errors);
	return conns ? 0 : 1;
}

int main(int argc, char **argv)
{
	const char *listen_at = NULL, *connect_to = NULL;
	unsigned long port = 0, clients = 1;
	double seconds = 10;
	int c;

	while ((c = getopt(argc, argv, "l:c:p:n:t:q:r:h")) != -1) {
		switch (c) {
		case 'l': listen_at = optarg; break;
		case 'c': connect_to = optarg; break;
		case 'p': port = parse_ul(optarg, "port", 1, 65535); break;
		case 'n': clients = parse_ul(optarg, "clients", 1, MAX_CLIENTS); break;
		case 't': seconds = parse_ul(optarg, "seconds", 1, 86400); break;
		case 'q': req_len = parse_ul(optarg, "request size", 1, MAX_MSG); break;
		case 'r': resp_len = parse_ul(optarg, "response size", 1, MAX_MSG); break;
		case 'h': usage(0); break;
		default: usage(2);
		}
	}
	if (!port || !!listen_at == !!connect_to || optind != argc)
		usage(2);
	parse_addr(listen_at ? listen_at : connect_to, port);
	if (listen_at)
		serve();
	return client(clients, seconds);
}
