// SPDX-License-Identifier: GPL-2.0
/*
 * hsmon(8): the command-line client of the hsmon kernel module's generic
 * netlink family. This file parses the command line and dispatches; each
 * command lives in the file named for it.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hsmon.h"

/* cli/Makefile passes it: ../scripts/version.sh, the one source of it. */
#ifndef HSMON_VERSION
#error "HSMON_VERSION is not defined: build through cli/Makefile"
#endif

static const char synopsis[] =
"Usage: hsmon [-j] stats [--prometheus | --hist]\n"
"       hsmon [-j] flows [state S] [family 4|6] [port N] [addr A[/LEN]]\n"
"                        [direction D]\n"
"       hsmon [-j] watch\n"
"       hsmon [-j] config [set KEY VALUE...]\n"
"       hsmon [-j] flush\n"
"       hsmon --help | --version\n";

static const char help_text[] =
"\n"
"Commands (all act on the caller's network namespace):\n"
"  stats [--prometheus]     the counters\n"
"  stats --hist             the handshake-time histograms, with p50, p90, p99\n"
"  flows [FILTER...]        the flow table; filters, all of which must match:\n"
"                             state S          SYN_SENT, SYN_RCVD, ESTABLISHED,\n"
"                                              CLOSED, REFUSED, RESET, TIMED_OUT,\n"
"                                              MIDSTREAM\n"
"                             family 4|6\n"
"                             port N           either end's port\n"
"                             addr A[/LEN]     either end's address (or prefix)\n"
"                             direction D      outbound, inbound, forwarded, local\n"
"  watch                    print handshake outcomes as they happen, until\n"
"                           SIGINT or SIGTERM\n"
"  config                   the runtime settings\n"
"  config set KEY VALUE...  change some; KEY is max_flows, syn_timeout,\n"
"                           est_timeout, linger_timeout, events or\n"
"                           track_midstream\n"
"  flush                    remove every flow (the counters stay)\n"
"\n"
"Options:\n"
"  -j, --json               JSON output (watch: one object per line)\n"
"      --prometheus         stats in the Prometheus text format\n"
"      --hist               stats as histograms with percentiles\n"
"  -h, --help               this help\n"
"  -V, --version            the version\n"
"\n"
"flows, watch, config set and flush need CAP_NET_ADMIN. See hsmon(8).\n";

void hsmon_usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("hsmon: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n", stderr);
	fputs(synopsis, stderr);
	exit(HSMON_EXIT_USAGE);
}

static const struct {
	const char *name;
	int (*fn)(const struct hsmon_opts *o, struct hsmon_args *a);
} commands[] = {
	{ "stats", hsmon_cmd_stats },
	{ "flows", hsmon_cmd_flows },
	{ "watch", hsmon_cmd_watch },
	{ "config", hsmon_cmd_config },
	{ "flush", hsmon_cmd_flush },
};

/* A full disk must not pass for an empty table. */
static int finish(int ret)
{
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "hsmon: writing the output: %s\n", strerror(errno));
		return HSMON_EXIT_FAIL;
	}
	return ret;
}

int main(int argc, char **argv)
{
	struct hsmon_opts o = {};
	struct hsmon_args a;
	bool options_done = false;
	char **words;
	int i, n = 0;
	size_t c;

	/* Options may come anywhere, as in "hsmon flows -j": keep the rest. */
	words = calloc(argc, sizeof(*words));
	if (!words)
		return HSMON_EXIT_FAIL;
	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (options_done || arg[0] != '-' || !arg[1]) {
			words[n++] = argv[i];
		} else if (!strcmp(arg, "--")) {
			options_done = true;
		} else if (!strcmp(arg, "-j") || !strcmp(arg, "--json")) {
			o.json = true;
		} else if (!strcmp(arg, "--prometheus")) {
			o.prometheus = true;
		} else if (!strcmp(arg, "--hist")) {
			o.hist = true;
		} else if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
			fputs(synopsis, stdout);
			fputs(help_text, stdout);
			return finish(HSMON_EXIT_OK);
		} else if (!strcmp(arg, "-V") || !strcmp(arg, "--version")) {
			printf("hsmon %s\n", HSMON_VERSION);
			return finish(HSMON_EXIT_OK);
		} else {
			hsmon_usage_error("unknown option '%s'", arg);
		}
	}
	if (!n)
		hsmon_usage_error("no command given");

	for (c = 0; c < sizeof(commands) / sizeof(commands[0]); c++) {
		if (strcmp(words[0], commands[c].name))
			continue;
		if (o.prometheus && commands[c].fn != hsmon_cmd_stats)
			hsmon_usage_error("--prometheus is for the stats command only");
		if (o.prometheus && o.json)
			hsmon_usage_error("--prometheus and --json exclude each other");
		if (o.hist && commands[c].fn != hsmon_cmd_stats)
			hsmon_usage_error("--hist is for the stats command only");
		if (o.hist && o.prometheus)
			hsmon_usage_error("--hist and --prometheus exclude each other");
		a.argc = n - 1;
		a.argv = words + 1;
		return finish(commands[c].fn(&o, &a));
	}
	hsmon_usage_error("unknown command '%s'", words[0]);
}
