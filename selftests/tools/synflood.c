// SPDX-License-Identifier: GPL-2.0
/*
 * synflood: send many TCP SYNs (or other bare segments) fast, for the hsmon
 * selftests.
 *
 * The segments leave through a raw socket that writes its own IP header
 * (IPv4: IPPROTO_RAW, which implies IP_HDRINCL; IPv6: IPPROTO_RAW with
 * IPV6_HDRINCL), so they cross the sending namespace's LOCAL_OUT hooks like
 * any locally generated segment (its hsmon sees them outbound) and may carry
 * any source address. The kernel routes them by destination only.
 *
 * Segment i (i = 0 .. COUNT-1) goes from (saddr + a, sport + p) with, by
 * default, p = i % NPORTS and a = (i / NPORTS) % NADDRS: the first COUNT
 * 5-tuples in that order, all distinct while COUNT <= NADDRS * NPORTS. With
 * -a or -o the address or port is drawn at random from its range instead.
 *
 * Prints "sent N" (segments the kernel accepted) on stdout; exits 0 if every
 * segment was sent, 1 otherwise, 2 on a usage error. With -t it stops after
 * that many seconds (its own clock, from the first segment: the time it took
 * to start does not count) and prints "sent N seconds S" whatever -q says.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "tools.h"

#ifndef IPV6_HDRINCL
#define IPV6_HDRINCL 36
#endif

#define MAX_BATCH	1024
#define IP4_HLEN	20
#define IP6_HLEN	40
#define TCP_HLEN	24	/* 20 + one MSS option */
#define PKT_MAX		(IP6_HLEN + TCP_HLEN)

enum { TH_FIN = 0x01, TH_SYN = 0x02, TH_RST = 0x04, TH_PSH = 0x08, TH_ACK = 0x10 };

struct opts {
	int family;
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} dst, src;
	uint16_t dport;
	unsigned long count;
	double seconds;		/* -t: stop after this long; 0: no limit */
	unsigned long naddrs;
	unsigned int sport;
	unsigned long nports;
	bool rand_addr;
	bool rand_port;
	double rate;
	bool fixed_seq;
	uint32_t seq;
	uint32_t ack;
	uint8_t flags;
	unsigned int batch;
	uint64_t seed;
	bool quiet;
};

const char *prog = "synflood";

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
"usage: %s [-4|-6] -d DST -p DPORT -n COUNT [options]\n"
"  -4, -6        address family (default: the form of DST)\n"
"  -d ADDR       destination address\n"
"  -p PORT       destination port\n"
"  -n COUNT      segments to send\n"
"  -t SECONDS    stop after SECONDS (then print \"sent N seconds S\")\n"
"  -s ADDR       first source address (default: the one the kernel would\n"
"                pick to reach DST)\n"
"  -S N          number of source addresses, ADDR, ADDR+1, ... (default 1)\n"
"  -P PORT       first source port (default 1024)\n"
"  -R N          number of source ports (default 65536 - PORT)\n"
"  -a            random source address in the range (default: sequential)\n"
"  -o            random source port in the range (default: sequential)\n"
"  -r PPS        at most PPS segments per second (default: no limit)\n"
"  -j SEQ        sequence number of every segment (default: random each)\n"
"  -k ACK        acknowledgment number (with the A flag; default 0)\n"
"  -f FLAGS      TCP flags among S A F R P (default S)\n"
"  -b N          segments per sendmmsg() (default 64, at most %d)\n"
"  -z SEED       seed of the random numbers (default: time and pid)\n"
"  -q            print nothing on success\n"
"Segment i uses source port PORT + i %% N and address ADDR + (i / N) %% S.\n",
		prog, MAX_BATCH);
	exit(status);
}

static uint64_t rnd_state;

/* xorshift64*: fast, and plenty for picking ports and ISNs. */
static uint64_t rnd(void)
{
	return rnd_next(&rnd_state);
}

static uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len > 1) {
		sum += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		len -= 2;
	}
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

/* Add n to an address in network order (IPv4: all 32 bits; IPv6: with carry). */
static void addr_add(uint8_t *addr, size_t len, unsigned long n)
{
	size_t i = len;

	while (n && i--) {
		unsigned long v = addr[i] + (n & 0xff);

		addr[i] = v & 0xff;
		n = (n >> 8) + (v >> 8);
	}
}

static uint8_t parse_flags(const char *s)
{
	uint8_t f = 0;

	for (; *s; s++) {
		switch (*s) {
		case 'S': f |= TH_SYN; break;
		case 'A': f |= TH_ACK; break;
		case 'F': f |= TH_FIN; break;
		case 'R': f |= TH_RST; break;
		case 'P': f |= TH_PSH; break;
		default:
			fprintf(stderr, "%s: bad flag '%c' in -f (want S A F R P)\n", prog, *s);
			exit(2);
		}
	}
	return f;
}

/* The source address the kernel would use towards dst (a UDP "connect"). */
static void default_src(struct opts *o)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int fd;

	fd = socket(o->family, SOCK_DGRAM, 0);
	if (fd < 0)
		die_errno("socket(SOCK_DGRAM)");
	if (o->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(o->dport);
		sin->sin_addr = o->dst.v4;
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(o->dport);
		sin6->sin6_addr = o->dst.v6;
		len = sizeof(*sin6);
	}
	if (connect(fd, (struct sockaddr *)&ss, len))
		die_errno("no route to the destination (connect)");
	len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		die_errno("getsockname");
	if (o->family == AF_INET)
		o->src.v4 = ((struct sockaddr_in *)&ss)->sin_addr;
	else
		o->src.v6 = ((struct sockaddr_in6 *)&ss)->sin6_addr;
	close(fd);
}

/*
 * Build segment i into buf; returns its length. Layout: IP header, then a
 * TCP header with one option (MSS 1460), no payload.
 */
static size_t build(const struct opts *o, unsigned long i, uint8_t *buf)
{
	unsigned long ai, pi;
	uint8_t *tcp, src[16];
	size_t alen = o->family == AF_INET ? 4 : 16;
	size_t hlen = o->family == AF_INET ? IP4_HLEN : IP6_HLEN;
	uint32_t seq, sum;
	uint16_t sport;
	uint8_t pseudo[8];

	if (o->rand_port)
		pi = rnd() % o->nports;
	else
		pi = i % o->nports;
	if (o->rand_addr)
		ai = rnd() % o->naddrs;
	else
		ai = (i / o->nports) % o->naddrs;
	sport = (uint16_t)(o->sport + pi);
	seq = o->fixed_seq ? o->seq : (uint32_t)rnd();
	memcpy(src, &o->src, alen);
	addr_add(src, alen, ai);

	memset(buf, 0, hlen + TCP_HLEN);
	if (o->family == AF_INET) {
		buf[0] = 0x45;
		/* tot_len, id and the header checksum: the kernel fills them in. */
		buf[6] = 0x40;			/* DF */
		buf[8] = 64;			/* TTL */
		buf[9] = IPPROTO_TCP;
		memcpy(buf + 12, src, 4);
		memcpy(buf + 16, &o->dst.v4, 4);
	} else {
		buf[0] = 0x60;
		buf[4] = 0;
		buf[5] = TCP_HLEN;		/* payload length */
		buf[6] = IPPROTO_TCP;
		buf[7] = 64;			/* hop limit */
		memcpy(buf + 8, src, 16);
		memcpy(buf + 24, &o->dst.v6, 16);
	}

	tcp = buf + hlen;
	tcp[0] = sport >> 8;
	tcp[1] = sport & 0xff;
	tcp[2] = o->dport >> 8;
	tcp[3] = o->dport & 0xff;
	tcp[4] = seq >> 24;
	tcp[5] = seq >> 16;
	tcp[6] = seq >> 8;
	tcp[7] = seq;
	if (o->flags & TH_ACK) {
		tcp[8] = o->ack >> 24;
		tcp[9] = o->ack >> 16;
		tcp[10] = o->ack >> 8;
		tcp[11] = o->ack;
	}
	tcp[12] = (TCP_HLEN / 4) << 4;
	tcp[13] = o->flags;
	tcp[14] = 0xff;				/* window 65535 */
	tcp[15] = 0xff;
	tcp[20] = 2;				/* MSS */
	tcp[21] = 4;
	tcp[22] = 1460 >> 8;
	tcp[23] = 1460 & 0xff;

	/* The pseudo-header: addresses, then zero, protocol, TCP length. */
	sum = csum_add(0, src, alen);
	sum = csum_add(sum, &o->dst, alen);
	memset(pseudo, 0, sizeof(pseudo));
	pseudo[5] = IPPROTO_TCP;
	pseudo[7] = TCP_HLEN;
	sum = csum_add(sum, pseudo, sizeof(pseudo));
	sum = csum_add(sum, tcp, TCP_HLEN);
	memcpy(tcp + 16, &(uint16_t){ csum_fold(sum) }, 2);

	return hlen + TCP_HLEN;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_until(double t)
{
	double d = t - now_s();
	struct timespec ts;

	if (d <= 0)
		return;
	ts.tv_sec = (time_t)d;
	ts.tv_nsec = (long)((d - ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
	static uint8_t bufs[MAX_BATCH][PKT_MAX];
	static struct mmsghdr msgs[MAX_BATCH];
	static struct iovec iovs[MAX_BATCH];
	struct sockaddr_storage dst = { 0 };
	socklen_t dstlen;
	struct opts o = {
		.sport = 1024, .naddrs = 1, .flags = TH_SYN, .batch = 64,
	};
	const char *dst_s = NULL, *src_s = NULL;
	bool have_nports = false, have_dport = false, have_count = false;
	unsigned long sent = 0, retries = 0;
	double t0;
	int fd, c;

	prog = argv[0];
	o.seed = (uint64_t)time(NULL) << 20 ^ (uint64_t)getpid();
	while ((c = getopt(argc, argv, "46d:p:n:t:s:S:P:R:aor:j:k:f:b:z:qh")) != -1) {
		switch (c) {
		case '4': o.family = AF_INET; break;
		case '6': o.family = AF_INET6; break;
		case 'd': dst_s = optarg; break;
		case 'p':
			o.dport = parse_ul(optarg, "destination port", 1, 65535);
			have_dport = true;
			break;
		case 'n':
			o.count = parse_ul(optarg, "count", 0, ~0UL);
			have_count = true;
			break;
		case 't':
			o.seconds = (double)parse_ul(optarg, "seconds", 1, 86400);
			break;
		case 's': src_s = optarg; break;
		case 'S': o.naddrs = parse_ul(optarg, "number of addresses", 1, ~0UL); break;
		case 'P': o.sport = parse_ul(optarg, "source port", 1, 65535); break;
		case 'R':
			o.nports = parse_ul(optarg, "number of ports", 1, 65535);
			have_nports = true;
			break;
		case 'a': o.rand_addr = true; break;
		case 'o': o.rand_port = true; break;
		case 'r':
			o.rate = (double)parse_ul(optarg, "rate", 1, 100000000);
			break;
		case 'j':
			o.seq = parse_ul(optarg, "sequence number", 0, 0xffffffffUL);
			o.fixed_seq = true;
			break;
		case 'k': o.ack = parse_ul(optarg, "ack number", 0, 0xffffffffUL); break;
		case 'f': o.flags = parse_flags(optarg); break;
		case 'b': o.batch = parse_ul(optarg, "batch", 1, MAX_BATCH); break;
		case 'z': o.seed = parse_ul(optarg, "seed", 0, ~0UL); break;
		case 'q': o.quiet = true; break;
		case 'h': usage(0); break;
		default: usage(2);
		}
	}
	if (optind != argc || !dst_s || !have_dport || !have_count)
		usage(2);
	if (!o.family)
		o.family = strchr(dst_s, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(o.family, dst_s, &o.dst) != 1) {
		fprintf(stderr, "%s: bad destination address '%s'\n", prog, dst_s);
		return 2;
	}
	if (src_s && inet_pton(o.family, src_s, &o.src) != 1) {
		fprintf(stderr, "%s: bad source address '%s'\n", prog, src_s);
		return 2;
	}
	if (!have_nports)
		o.nports = 65536 - o.sport;
	if (o.sport + o.nports > 65536) {
		fprintf(stderr, "%s: source ports %u + %lu go past 65535\n",
			prog, o.sport, o.nports);
		return 2;
	}
	rnd_state = o.seed ? o.seed : 1;
	if (!src_s)
		default_src(&o);

	fd = socket(o.family, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0)
		die_errno("socket(SOCK_RAW, IPPROTO_RAW) (needs CAP_NET_RAW)");
	if (o.family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&dst;

		/* IPPROTO_RAW implies it; say so anyway. */
		if (setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &(int){ 1 }, sizeof(int)))
			die_errno("IP_HDRINCL");
		sin->sin_family = AF_INET;
		sin->sin_addr = o.dst.v4;
		dstlen = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&dst;

		if (setsockopt(fd, IPPROTO_IPV6, IPV6_HDRINCL, &(int){ 1 }, sizeof(int)))
			die_errno("IPV6_HDRINCL");
		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = o.dst.v6;	/* sin6_port stays 0: IPPROTO_RAW */
		dstlen = sizeof(*sin6);
	}
	/* The segments are small; a big buffer keeps sendmmsg from blocking. */
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &(int){ 4 << 20 }, sizeof(int));

	if (o.rate && o.batch > o.rate / 100 + 1)
		o.batch = (unsigned int)(o.rate / 100) + 1;

	t0 = now_s();
	while (sent < o.count) {
		unsigned int n = o.batch, k;
		int r;

		if (o.count - sent < n)
			n = (unsigned int)(o.count - sent);
		for (k = 0; k < n; k++) {
			iovs[k].iov_base = bufs[k];
			iovs[k].iov_len = build(&o, sent + k, bufs[k]);
			memset(&msgs[k], 0, sizeof(msgs[k]));
			msgs[k].msg_hdr.msg_name = &dst;
			msgs[k].msg_hdr.msg_namelen = dstlen;
			msgs[k].msg_hdr.msg_iov = &iovs[k];
			msgs[k].msg_hdr.msg_iovlen = 1;
		}
		k = 0;
		while (k < n) {
			r = sendmmsg(fd, msgs + k, n - k, 0);
			if (r < 0) {
				/* A full queue somewhere: back off briefly. */
				if ((errno == ENOBUFS || errno == EAGAIN ||
				     errno == EINTR) && retries < 100000) {
					retries++;
					usleep(1000);
					continue;
				}
				fprintf(stderr, "%s: sendmmsg after %lu: %s\n",
					prog, sent + k, strerror(errno));
				printf("sent %lu\n", sent + k);
				return 1;
			}
			k += (unsigned int)r;
		}
		sent += n;
		if (o.rate)
			sleep_until(t0 + sent / o.rate);
		if (o.seconds && now_s() - t0 >= o.seconds)
			break;
	}
	if (o.seconds)
		printf("sent %lu seconds %.3f\n", sent, now_s() - t0);
	else if (!o.quiet)
		printf("sent %lu\n", sent);
	close(fd);
	return 0;
}
