// SPDX-License-Identifier: GPL-2.0
/*
 * hsmon stats: the namespace's counters, as /proc/hsmon's first part
 * ("name value", same names, same order, plus events_dropped), as a JSON
 * object, or in the Prometheus text exposition format.
 */

#include <inttypes.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "format.h"
#include "hsmon.h"
#include "nl.h"

struct stat_desc {
	const char *name;	/* as in /proc/hsmon */
	bool gauge;		/* u32 gauge, else u64 counter */
	const char *state;	/* flows_<state>: the Prometheus label */
	const char *help;
};

#define COUNTER(a, n, h)	[HSMON_A_STATS_##a] = { n, false, NULL, h }
#define GAUGE(a, n, h)		[HSMON_A_STATS_##a] = { n, true, NULL, h }
#define IN_STATE(a, s)		[HSMON_A_STATS_##a] = { "flows_" s, true, s, NULL }

/*
 * What we know of each attribute. The kernel sends them in /proc/hsmon's
 * order (the uapi header promises it) and we print them in the order they
 * come, so the two agree without a second list to keep in step.
 */
static const struct stat_desc stat_descs[HSMON_A_STATS_MAX + 1] = {
	COUNTER(SEGMENTS, "segments", "TCP segments inspected."),
	COUNTER(SYN, "syn", "SYN segments seen."),
	COUNTER(SYNACK, "synack", "SYN/ACK segments seen."),
	COUNTER(ACK_COMPLETE, "ack_complete", "ACKs that completed a handshake."),
	COUNTER(ESTABLISHED, "established", "Handshakes completed."),
	COUNTER(REFUSED, "refused", "SYNs answered by RST."),
	COUNTER(RESET, "reset", "Handshakes ended by RST after the SYN/ACK, or aborted."),
	COUNTER(ABORTED, "aborted", "Handshakes the initiator reset before any reply (part of reset)."),
	COUNTER(TIMED_OUT, "timed_out", "Handshakes not completed within syn_timeout."),
	COUNTER(UNANSWERED, "unanswered", "Handshakes timed out with no reply at all (part of timed_out)."),
	COUNTER(CLOSED, "closed", "Established flows ended by FIN or RST."),
	COUNTER(BAD_ACK, "bad_ack", "SYN/ACKs or final ACKs acking the wrong sequence number."),
	COUNTER(SYN_RETRANS, "syn_retrans", "SYNs retransmitted (same ISN)."),
	COUNTER(SYNACK_RETRANS, "synack_retrans", "SYN/ACKs retransmitted (same ISN)."),
	COUNTER(SYN_DATA, "syn_data", "SYNs carrying data."),
	COUNTER(SYN_DATA_ACKED, "syn_data_acked", "SYNs whose data (TCP Fast Open) the SYN/ACK acked."),
	COUNTER(SYNACK_DATA, "synack_data", "SYN/ACKs carrying data."),
	COUNTER(ACK_DATA, "ack_data", "Completing ACKs carrying data."),
	COUNTER(PORT_REUSE, "port_reuse", "New SYNs with another ISN on a known 5-tuple."),
	COUNTER(SIMULTANEOUS_OPEN, "simultaneous_open", "Handshakes where both ends sent a SYN."),
	COUNTER(MALFORMED, "malformed", "Segments with unparsable IP or TCP headers."),
	COUNTER(FRAGMENTS, "fragments", "Non-first fragments skipped."),
	COUNTER(BAD_FLAGS, "bad_flags", "Segments with invalid TCP flag combinations."),
	COUNTER(UNTRACKED, "untracked", "Segments of connections whose SYN was not seen."),
	COUNTER(MIDSTREAM, "midstream", "Flows picked up after their handshake (track_midstream)."),
	COUNTER(EVICTED, "evicted", "Flows evicted because the table was at max_flows."),
	COUNTER(EXPIRED, "expired", "Flows removed by the idle and linger timeouts."),
	COUNTER(TABLE_FULL, "table_full", "SYNs not tracked because the table was full."),
	COUNTER(ALLOC_FAILED, "alloc_failed", "SYNs not tracked because memory allocation failed."),
	COUNTER(EVENTS_DROPPED, "events_dropped", "Flow-event notifications that reached no listener."),
	GAUGE(FLOWS, "flows", "Flows in the table."),
	IN_STATE(FLOWS_SYN_SENT, "syn_sent"),
	IN_STATE(FLOWS_SYN_RCVD, "syn_rcvd"),
	IN_STATE(FLOWS_ESTABLISHED, "established"),
	IN_STATE(FLOWS_CLOSED, "closed"),
	IN_STATE(FLOWS_REFUSED, "refused"),
	IN_STATE(FLOWS_RESET, "reset"),
	IN_STATE(FLOWS_TIMED_OUT, "timed_out"),
	IN_STATE(FLOWS_MIDSTREAM, "midstream"),
	GAUGE(MAX_FLOWS, "max_flows", "Maximum number of flows tracked in this namespace."),
	GAUGE(ENTRY_SIZE, "entry_size", "Bytes per flow entry."),
};

/*
 * The handshake-time histograms: 32 log2 slots of microseconds (slot 0
 * counts 0 us, slot i in 1..30 counts [2^(i-1), 2^i) us, slot 31 the rest)
 * and the sum of the values. Printed after the counters and gauges, in this
 * order, as /proc/hsmon does: <name>_count, <name>_sum, <name>_hist.
 */
#define HIST_SLOTS	32

static const struct hist_desc {
	const char *name;	/* as in /proc/hsmon */
	const char *prom;	/* the Prometheus histogram, in seconds */
	uint16_t attr_hist;
	uint16_t attr_sum;
	const char *help;
} hist_descs[] = {
	{ "syn_synack_us", "syn_synack_seconds",
	  HSMON_A_STATS_SYN_SYNACK_HIST, HSMON_A_STATS_SYN_SYNACK_SUM,
	  "Time from the first SYN to the SYN/ACK." },
	{ "synack_ack_us", "synack_ack_seconds",
	  HSMON_A_STATS_SYNACK_ACK_HIST, HSMON_A_STATS_SYNACK_ACK_SUM,
	  "Time from the SYN/ACK to the ACK completing the handshake." },
	{ "handshake_us", "handshake_seconds",
	  HSMON_A_STATS_HANDSHAKE_HIST, HSMON_A_STATS_HANDSHAKE_SUM,
	  "Time from the first SYN to the ACK completing the handshake." },
};
#define NHISTS (sizeof(hist_descs) / sizeof(hist_descs[0]))

struct hist {
	bool have;		/* both attributes came */
	bool have_slots, have_sum;
	uint64_t slot[HIST_SLOTS];
	uint64_t sum;
};

struct stats {
	uint64_t val[HSMON_A_STATS_MAX + 1];
	uint16_t order[HSMON_A_STATS_MAX + 1];	/* attributes as they came */
	unsigned int n;
	struct hist hist[NHISTS];
};

/* A histogram's attribute: 1 if it was one (and taken), 0 if not, -1 bad. */
static int hist_attr(const struct nlattr *attr, struct stats *st)
{
	uint16_t type = mnl_attr_get_type(attr);
	struct hist *h;
	unsigned int i;

	for (i = 0; i < NHISTS; i++) {
		h = &st->hist[i];
		if (type == hist_descs[i].attr_hist) {
			if (mnl_attr_get_payload_len(attr) != sizeof(h->slot))
				return -1;
			memcpy(h->slot, mnl_attr_get_payload(attr),
			       sizeof(h->slot));
			h->have_slots = true;
		} else if (type == hist_descs[i].attr_sum) {
			if (mnl_attr_validate(attr, MNL_TYPE_U64) < 0)
				return -1;
			h->sum = mnl_attr_get_u64(attr);
			h->have_sum = true;
		} else {
			continue;
		}
		h->have = h->have_slots && h->have_sum;
		return 1;
	}
	return 0;
}

static int stats_attr_cb(const struct nlattr *attr, void *data)
{
	struct stats *st = data;
	uint16_t type = mnl_attr_get_type(attr);
	const struct stat_desc *d;
	int ret;

	ret = hist_attr(attr, st);
	if (ret)
		return ret < 0 ? MNL_CB_ERROR : MNL_CB_OK;
	/* Padding, and what a newer module sends that we cannot name. */
	if (type > HSMON_A_STATS_MAX || !stat_descs[type].name)
		return MNL_CB_OK;
	d = &stat_descs[type];
	if (mnl_attr_validate(attr, d->gauge ? MNL_TYPE_U32 : MNL_TYPE_U64) < 0)
		return MNL_CB_ERROR;
	st->val[type] = d->gauge ? mnl_attr_get_u32(attr) :
				   mnl_attr_get_u64(attr);
	if (st->n < HSMON_A_STATS_MAX + 1)
		st->order[st->n++] = type;
	return MNL_CB_OK;
}

static int stats_cb(const struct nlmsghdr *nlh, void *data)
{
	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), stats_attr_cb,
			   data) < 0) {
		fprintf(stderr, "hsmon: stats: malformed reply from the kernel\n");
		return HSMON_EXIT_FAIL;
	}
	return HSMON_EXIT_OK;
}

static uint64_t hist_count(const struct hist *h)
{
	uint64_t n = 0;
	unsigned int i;

	for (i = 0; i < HIST_SLOTS; i++)
		n += h->slot[i];
	return n;
}

static void print_text(const struct stats *st)
{
	const struct hist *h;
	unsigned int i, j;

	for (i = 0; i < st->n; i++)
		printf("%s %" PRIu64 "\n", stat_descs[st->order[i]].name,
		       st->val[st->order[i]]);
	for (i = 0; i < NHISTS; i++) {
		h = &st->hist[i];
		if (!h->have)
			continue;
		printf("%s_count %" PRIu64 "\n%s_sum %" PRIu64 "\n%s_hist",
		       hist_descs[i].name, hist_count(h), hist_descs[i].name,
		       h->sum, hist_descs[i].name);
		for (j = 0; j < HIST_SLOTS; j++)
			printf(" %" PRIu64, h->slot[j]);
		putchar('\n');
	}
}

static void print_json(const struct stats *st)
{
	bool first = true;
	unsigned int i, j;

	putchar('{');
	for (i = 0; i < st->n; i++) {
		hsmon_json_key(stdout, &first, stat_descs[st->order[i]].name);
		printf("%" PRIu64, st->val[st->order[i]]);
	}
	for (i = 0; i < NHISTS; i++) {
		const struct hist *h = &st->hist[i];
		char key[64];

		if (!h->have)
			continue;
		snprintf(key, sizeof(key), "%s_count", hist_descs[i].name);
		hsmon_json_key(stdout, &first, key);
		printf("%" PRIu64, hist_count(h));
		snprintf(key, sizeof(key), "%s_sum", hist_descs[i].name);
		hsmon_json_key(stdout, &first, key);
		printf("%" PRIu64, h->sum);
		snprintf(key, sizeof(key), "%s_hist", hist_descs[i].name);
		hsmon_json_key(stdout, &first, key);
		for (j = 0; j < HIST_SLOTS; j++)
			printf("%c%" PRIu64, j ? ',' : '[', h->slot[j]);
		putchar(']');
	}
	printf("}\n");
}

/* The largest value slot i can hold, in microseconds (slot 31: unbounded). */
static uint64_t slot_max(unsigned int i)
{
	return i ? ((uint64_t)1 << i) - 1 : 0;
}

/*
 * The p-th percentile (p in 1..99) as the upper bound of the slot the
 * ceil(p% of count)-th value falls in: the true value is at most this.
 * Returns -1 for slot 31 (more than 2^30 us), 0 when empty.
 */
static int64_t hist_percentile(const struct hist *h, unsigned int p)
{
	uint64_t n = hist_count(h), want, seen = 0;
	unsigned int i;

	if (!n)
		return 0;
	want = (n * p + 99) / 100;
	for (i = 0; i < HIST_SLOTS; i++) {
		seen += h->slot[i];
		if (seen >= want)
			return i == HIST_SLOTS - 1 ? -1 : (int64_t)slot_max(i);
	}
	return -1;
}

static const unsigned int percentiles[] = { 50, 90, 99 };

/* bcc's log2 histogram, with the count, mean and percentiles above it. */
static void print_hist_text(const struct stats *st)
{
	unsigned int i, j, k, first, last;
	const struct hist *h;
	uint64_t n, max;
	int64_t pv;

	for (i = 0; i < NHISTS; i++) {
		h = &st->hist[i];
		if (!h->have)
			continue;
		n = hist_count(h);
		printf("%s%s: %s\n", i ? "\n" : "", hist_descs[i].name, hist_descs[i].help);
		printf("  count %" PRIu64, n);
		if (n)
			printf("  mean %" PRIu64 " us", h->sum / n);
		for (k = 0; k < sizeof(percentiles) / sizeof(percentiles[0]); k++) {
			pv = hist_percentile(h, percentiles[k]);
			if (!n)
				printf("  p%u -", percentiles[k]);
			else if (pv < 0)
				printf("  p%u > %" PRIu64 " us", percentiles[k],
				       slot_max(HIST_SLOTS - 2));
			else
				printf("  p%u <= %" PRId64 " us", percentiles[k], pv);
		}
		putchar('\n');
		if (!n)
			continue;
		first = HIST_SLOTS;
		last = 0;
		max = 0;
		for (j = 0; j < HIST_SLOTS; j++) {
			if (!h->slot[j])
				continue;
			if (first == HIST_SLOTS)
				first = j;
			last = j;
			if (h->slot[j] > max)
				max = h->slot[j];
		}
		printf("  %21s : %-10s %s\n", "usecs", "count", "distribution");
		for (j = first; j <= last; j++) {
			unsigned int bar = (unsigned int)(h->slot[j] * 40 / max);
			char lo[24], hi[24];

			snprintf(lo, sizeof(lo), "%" PRIu64, j ? (uint64_t)1 << (j - 1) : (uint64_t)0);
			if (j == HIST_SLOTS - 1)
				snprintf(hi, sizeof(hi), "...");
			else
				snprintf(hi, sizeof(hi), "%" PRIu64, slot_max(j));
			printf("  %10s -> %-7s : %-10" PRIu64 " |", lo, hi, h->slot[j]);
			for (k = 0; k < 40; k++)
				putchar(k < bar ? '*' : ' ');
			printf("|\n");
		}
	}
}

/* The same as one JSON object: per histogram its count, sum, slots, percentiles. */
static void print_hist_json(const struct stats *st)
{
	bool first = true, f2;
	unsigned int i, j, k;
	const struct hist *h;
	char key[16];
	int64_t pv;

	putchar('{');
	for (i = 0; i < NHISTS; i++) {
		h = &st->hist[i];
		if (!h->have)
			continue;
		hsmon_json_key(stdout, &first, hist_descs[i].name);
		f2 = true;
		putchar('{');
		hsmon_json_key(stdout, &f2, "count");
		printf("%" PRIu64, hist_count(h));
		hsmon_json_key(stdout, &f2, "sum");
		printf("%" PRIu64, h->sum);
		for (k = 0; k < sizeof(percentiles) / sizeof(percentiles[0]); k++) {
			snprintf(key, sizeof(key), "p%u", percentiles[k]);
			hsmon_json_key(stdout, &f2, key);
			pv = hist_percentile(h, percentiles[k]);
			if (!hist_count(h) || pv < 0)
				printf("null");
			else
				printf("%" PRId64, pv);
		}
		hsmon_json_key(stdout, &f2, "slots");
		for (j = 0; j < HIST_SLOTS; j++)
			printf("%c%" PRIu64, j ? ',' : '[', h->slot[j]);
		printf("]}");
	}
	printf("}\n");
}

/* Microseconds as seconds, exactly: "0.000127". */
static void print_seconds(uint64_t us)
{
	printf("%" PRIu64 ".%06" PRIu64, us / 1000000, us % 1000000);
}

/*
 * A Prometheus histogram in seconds, cumulative. Times are whole
 * microseconds, so slot i's upper bound [.., 2^i) is le=2^i-1 us exactly.
 */
static void print_prometheus_hist(const struct hist_desc *d,
				  const struct hist *h)
{
	uint64_t n = 0;
	unsigned int i;

	printf("# HELP hsmon_%s %s\n# TYPE hsmon_%s histogram\n",
	       d->prom, d->help, d->prom);
	for (i = 0; i < HIST_SLOTS - 1; i++) {
		n += h->slot[i];
		printf("hsmon_%s_bucket{le=\"", d->prom);
		print_seconds((UINT64_C(1) << i) - 1);
		printf("\"} %" PRIu64 "\n", n);
	}
	n += h->slot[HIST_SLOTS - 1];
	printf("hsmon_%s_bucket{le=\"+Inf\"} %" PRIu64 "\n", d->prom, n);
	printf("hsmon_%s_sum ", d->prom);
	print_seconds(h->sum);
	printf("\nhsmon_%s_count %" PRIu64 "\n", d->prom, n);
}

/*
 * Counters as hsmon_<name>_total, gauges as hsmon_<name>, and the
 * flows_<state> gauges as one family, hsmon_flows{state="<state>"}, whose
 * samples must be printed together. The total "flows" is left out: it
 * would break sum(hsmon_flows), which gives it.
 */
static void print_prometheus(const struct stats *st)
{
	const struct stat_desc *d;
	bool states_done = false;
	unsigned int i, j;

	for (i = 0; i < st->n; i++) {
		d = &stat_descs[st->order[i]];
		if (st->order[i] == HSMON_A_STATS_FLOWS)
			continue;
		if (d->state) {
			if (states_done)
				continue;
			states_done = true;
			printf("# HELP hsmon_flows Flows in the table, by handshake state.\n"
			       "# TYPE hsmon_flows gauge\n");
			for (j = i; j < st->n; j++)
				if (stat_descs[st->order[j]].state)
					printf("hsmon_flows{state=\"%s\"} %" PRIu64 "\n",
					       stat_descs[st->order[j]].state,
					       st->val[st->order[j]]);
			continue;
		}
		printf("# HELP hsmon_%s%s %s\n# TYPE hsmon_%s%s %s\n"
		       "hsmon_%s%s %" PRIu64 "\n",
		       d->name, d->gauge ? "" : "_total", d->help,
		       d->name, d->gauge ? "" : "_total",
		       d->gauge ? "gauge" : "counter",
		       d->name, d->gauge ? "" : "_total", st->val[st->order[i]]);
	}
	for (i = 0; i < NHISTS; i++)
		if (st->hist[i].have)
			print_prometheus_hist(&hist_descs[i], &st->hist[i]);
}

int hsmon_cmd_stats(const struct hsmon_opts *o, struct hsmon_args *a)
{
	char buf[HSMON_NL_SNDBUF];
	struct stats st = {};
	struct hsmon_req req = {
		.op = "stats",
		.cb = stats_cb,
		.data = &st,
	};
	struct hsmon_nl nl;
	int ret;

	if (a->argc)
		hsmon_usage_error("stats: unexpected argument '%s'", a->argv[0]);

	ret = hsmon_nl_open(&nl);
	if (!ret) {
		req.nlh = hsmon_nl_msg(&nl, buf, HSMON_CMD_STATS_GET, NLM_F_ACK);
		ret = hsmon_nl_talk(&nl, &req);
	}
	hsmon_nl_close(&nl);
	if (ret)
		return ret;

	if (o->prometheus)
		print_prometheus(&st);
	else if (o->hist && o->json)
		print_hist_json(&st);
	else if (o->hist)
		print_hist_text(&st);
	else if (o->json)
		print_json(&st);
	else
		print_text(&st);
	return HSMON_EXIT_OK;
}
