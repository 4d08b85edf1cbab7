// SPDX-License-Identifier: GPL-2.0
/*
 * hsmon flows: dump the namespace's flow table, optionally filtered by the
 * kernel, as aligned columns (those of /proc/hsmon) or a JSON array.
 * hsmon flush: empty it.
 *
 * A dump that raced with changes to the table comes back flagged
 * NLM_F_DUMP_INTR: it may have missed or repeated flows. We start over, a
 * few times; if the table never holds still long enough, we print the last
 * attempt, say so on stderr and exit with HSMON_EXIT_INTR.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>

#include "format.h"
#include "hsmon.h"
#include "nl.h"

#define HSMON_DUMP_TRIES	5

/* For naming the attribute an extended ack points at. */
static const char *const flow_filter_names[HSMON_A_FLOW_MAX + 1] = {
	[HSMON_A_FLOW_FAMILY]		= "family",
	[HSMON_A_FLOW_DIRECTION]	= "direction",
	[HSMON_A_FLOW_STATE]		= "state",
	[HSMON_A_FLOW_ADDR]		= "addr",
	[HSMON_A_FLOW_PREFIX_LEN]	= "addr prefix length",
	[HSMON_A_FLOW_PORT]		= "port",
};

struct flow_filter {
	int state;		/* -1: any */
	int family;		/* 0: any */
	int direction;		/* -1: any */
	long port;		/* -1: any */
	int addr_family;	/* 0: no addr filter */
	uint8_t addr[16];
	int prefix_len;		/* -1: the whole address */
};

/*
 * The dumped flows: parsed, for JSON; for the table, formatted once as they
 * come, each column a length byte and its text, so that the column widths
 * are known when the last one is in and nothing is formatted twice.
 */
#define ROWS_BLOCK	(1 << 20)	/* bytes of rows per block */

struct rows_block {
	struct rows_block *next;
	size_t len;			/* bytes of data used */
	char data[ROWS_BLOCK];
};

struct flow_list {
	bool table;
	struct hsmon_flow *v;		/* JSON: the flows, cap of them */
	size_t n, cap;
	/* table: the rows, in blocks never moved once written */
	struct rows_block *first, *last;
	int width[HSMON_NCOLS];
	bool malformed;		/* some message was skipped */
};

static void rows_free(struct flow_list *fl)
{
	struct rows_block *b, *next;

	for (b = fl->first; b; b = next) {
		next = b->next;
		free(b);
	}
	fl->first = NULL;
	fl->last = NULL;
}

/* Room for a row of at most n bytes at the end of the rows; NULL if none. */
static char *rows_room(struct flow_list *fl, size_t n)
{
	struct rows_block *b = fl->last;

	if (!b || b->len + n > ROWS_BLOCK) {
		b = malloc(sizeof(*b));
		if (!b)
			return NULL;
		b->next = NULL;
		b->len = 0;
		if (fl->last)
			fl->last->next = b;
		else
			fl->first = b;
		fl->last = b;
	}
	return b->data + b->len;
}

static void flow_list_reset(struct flow_list *fl)
{
	int c;

	fl->n = 0;
	rows_free(fl);
	fl->malformed = false;
	for (c = 0; c < HSMON_NCOLS; c++)
		fl->width[c] = strlen(hsmon_col_names[c]);
}

static bool parse_ulong(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	*v = strtoul(s, &end, 10);
	return !errno && !*end && *v <= max;
}

static void parse_addr(struct flow_filter *ff, const char *arg)
{
	char buf[INET6_ADDRSTRLEN + 8];
	unsigned long len;
	char *slash;

	if (strlen(arg) >= sizeof(buf))
		hsmon_usage_error("flows: bad address '%s'", arg);
	strcpy(buf, arg);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	if (inet_pton(AF_INET, buf, ff->addr) == 1)
		ff->addr_family = AF_INET;
	else if (inet_pton(AF_INET6, buf, ff->addr) == 1)
		ff->addr_family = AF_INET6;
	else
		hsmon_usage_error("flows: bad address '%s'", arg);
	if (slash) {
		if (!parse_ulong(slash, ff->addr_family == AF_INET ? 32 : 128,
				 &len))
			hsmon_usage_error("flows: bad prefix length in '%s'", arg);
		ff->prefix_len = len;
	}
}

static void parse_filter(struct hsmon_args *a, struct flow_filter *ff)
{
	unsigned long v;
	const char *key, *val;
	int i;

	*ff = (struct flow_filter){ .state = -1, .direction = -1, .port = -1,
				    .prefix_len = -1 };
	for (i = 0; i < a->argc; i += 2) {
		key = a->argv[i];
		if (i + 1 >= a->argc)
			hsmon_usage_error("flows: '%s' needs a value", key);
		val = a->argv[i + 1];
		if (!strcmp(key, "state")) {
			if (ff->state >= 0)
				hsmon_usage_error("flows: state given twice");
			ff->state = hsmon_state_parse(val);
			if (ff->state < 0)
				hsmon_usage_error("flows: unknown state '%s'", val);
		} else if (!strcmp(key, "family")) {
			if (ff->family)
				hsmon_usage_error("flows: family given twice");
			if (!strcmp(val, "4") || !strcmp(val, "ipv4") ||
			    !strcmp(val, "inet"))
				ff->family = AF_INET;
			else if (!strcmp(val, "6") || !strcmp(val, "ipv6") ||
				 !strcmp(val, "inet6"))
				ff->family = AF_INET6;
			else
				hsmon_usage_error("flows: family must be 4 or 6, not '%s'", val);
		} else if (!strcmp(key, "port")) {
			if (ff->port >= 0)
				hsmon_usage_error("flows: port given twice");
			if (!parse_ulong(val, 65535, &v))
				hsmon_usage_error("flows: bad port '%s'", val);
			ff->port = v;
		} else if (!strcmp(key, "addr")) {
			if (ff->addr_family)
				hsmon_usage_error("flows: addr given twice");
			parse_addr(ff, val);
		} else if (!strcmp(key, "direction")) {
			if (ff->direction >= 0)
				hsmon_usage_error("flows: direction given twice");
			ff->direction = hsmon_dir_parse(val);
			if (ff->direction < 0)
				hsmon_usage_error("flows: unknown direction '%s'", val);
		} else {
			hsmon_usage_error("flows: unknown filter '%s'", key);
		}
	}
	if (ff->family && ff->addr_family && ff->family != ff->addr_family)
		hsmon_usage_error("flows: addr is not of family %d",
				  ff->family == AF_INET ? 4 : 6);
}

static void put_filter(struct nlmsghdr *nlh, const struct flow_filter *ff)
{
	if (ff->state >= 0)
		mnl_attr_put_u8(nlh, HSMON_A_FLOW_STATE, ff->state);
	if (ff->family)
		mnl_attr_put_u8(nlh, HSMON_A_FLOW_FAMILY, ff->family);
	if (ff->direction >= 0)
		mnl_attr_put_u8(nlh, HSMON_A_FLOW_DIRECTION, ff->direction);
	if (ff->port >= 0)
		mnl_attr_put_u16(nlh, HSMON_A_FLOW_PORT, ff->port);
	if (ff->addr_family) {
		mnl_attr_put(nlh, HSMON_A_FLOW_ADDR,
			     ff->addr_family == AF_INET ? 4 : 16, ff->addr);
		if (ff->prefix_len >= 0)
			mnl_attr_put_u8(nlh, HSMON_A_FLOW_PREFIX_LEN,
					ff->prefix_len);
	}
}

static int flow_add_row(struct flow_list *fl, const struct hsmon_flow *f)
{
	char cols[HSMON_NCOLS][HSMON_COL_MAX];
	char *p, *row;
	size_t l;
	int c;

	row = rows_room(fl, HSMON_NCOLS * HSMON_COL_MAX);
	if (!row)
		return -1;
	hsmon_flow_columns(f, cols);
	p = row;
	for (c = 0; c < HSMON_NCOLS; c++) {
		l = strlen(cols[c]);	/* < HSMON_COL_MAX: fits its byte */
		*p++ = (char)l;
		memcpy(p, cols[c], l);
		p += l;
		if ((int)l > fl->width[c])
			fl->width[c] = l;
	}
	fl->last->len += p - row;
	return 0;
}

/* JSON: keep the parsed flow; 0, or -1 out of memory. */
static int flow_keep(struct flow_list *fl, const struct hsmon_flow *f)
{
	struct hsmon_flow *v;

	if (fl->n == fl->cap) {
		fl->cap = fl->cap ? 2 * fl->cap : 64;
		v = realloc(fl->v, fl->cap * sizeof(*v));
		if (!v)
			return -1;
		fl->v = v;
	}
	fl->v[fl->n] = *f;
	return 0;
}

static int flow_cb(const struct nlmsghdr *nlh, void *data)
{
	struct flow_list *fl = data;
	struct hsmon_flow f;

	if (hsmon_flow_parse(nlh, &f) < 0) {
		fl->malformed = true;
		return HSMON_EXIT_OK;
	}
	if ((fl->table ? flow_add_row(fl, &f) : flow_keep(fl, &f)) < 0) {
		fprintf(stderr, "hsmon: flows: out of memory\n");
		return HSMON_EXIT_FAIL;
	}
	fl->n++;
	return HSMON_EXIT_OK;
}

/*
 * One line of the table. Text to the left, numbers to the right, no
 * trailing blanks; built in one buffer and written at once, as a dump may
 * print a million of them.
 */
static void print_row(const char *const *col, const int *len, const int *width)
{
	char line[HSMON_NCOLS * (HSMON_COL_MAX + 1)], *p = line;
	int c, pad;

	for (c = 0; c < HSMON_NCOLS; c++) {
		bool last = c == HSMON_NCOLS - 1;

		pad = width[c] > len[c] ? width[c] - len[c] : 0;
		if (hsmon_col_numeric[c]) {
			memset(p, ' ', pad);
			p += pad;
		}
		memcpy(p, col[c], len[c]);
		p += len[c];
		if (!hsmon_col_numeric[c] && !last) {
			memset(p, ' ', pad);
			p += pad;
		}
		*p++ = last ? '\n' : ' ';
	}
	fwrite(line, 1, p - line, stdout);
}

static void print_table(const struct flow_list *fl)
{
	static char obuf[1 << 18];
	const char *col[HSMON_NCOLS];
	int len[HSMON_NCOLS], c;
	const struct rows_block *b;
	const char *p;

	/* Fewer, larger writes: a million rows are some 150 MB of text. */
	setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
	for (c = 0; c < HSMON_NCOLS; c++) {
		col[c] = hsmon_col_names[c];
		len[c] = strlen(col[c]);
	}
	print_row(col, len, fl->width);
	for (b = fl->first; b; b = b->next) {
		for (p = b->data; p < b->data + b->len;) {
			for (c = 0; c < HSMON_NCOLS; c++) {
				len[c] = (unsigned char)*p++;
				col[c] = p;
				p += len[c];
			}
			print_row(col, len, fl->width);
		}
	}
}

static void print_json(const struct flow_list *fl)
{
	size_t r;

	putchar('[');
	for (r = 0; r < fl->n; r++) {
		if (r)
			putchar(',');
		hsmon_flow_json(stdout, &fl->v[r]);
	}
	printf("]\n");
}

int hsmon_cmd_flows(const struct hsmon_opts *o, struct hsmon_args *a)
{
	char buf[HSMON_NL_SNDBUF];
	struct flow_list fl = { .table = !o->json };
	struct hsmon_req req = {
		.op = "flows",
		.attr_names = flow_filter_names,
		.nattr_names = HSMON_A_FLOW_MAX + 1,
		.cb = flow_cb,
		.data = &fl,
	};
	struct flow_filter ff;
	struct hsmon_nl nl;
	int ret, tries = 0;

	parse_filter(a, &ff);
	ret = hsmon_nl_open(&nl);
	while (!ret && tries++ < HSMON_DUMP_TRIES) {
		flow_list_reset(&fl);
		req.nlh = hsmon_nl_msg(&nl, buf, HSMON_CMD_FLOW_GET, NLM_F_DUMP);
		put_filter(req.nlh, &ff);
		ret = hsmon_nl_talk(&nl, &req);
		if (!req.dump_intr)
			break;
	}
	hsmon_nl_close(&nl);
	if (ret) {
		free(fl.v);
		rows_free(&fl);
		return ret;
	}

	if (o->json)
		print_json(&fl);
	else
		print_table(&fl);
	free(fl.v);
	rows_free(&fl);
	fflush(stdout);		/* the data before the warnings */
	if (fl.malformed)
		fprintf(stderr, "hsmon: flows: skipped malformed flow messages\n");
	if (req.dump_intr) {
		fprintf(stderr, "hsmon: dump interrupted by concurrent changes (%d tries); the list may miss or repeat flows\n",
			HSMON_DUMP_TRIES);
		return HSMON_EXIT_INTR;
	}
	return HSMON_EXIT_OK;
}

int hsmon_cmd_flush(const struct hsmon_opts *o, struct hsmon_args *a)
{
	char buf[HSMON_NL_SNDBUF];
	struct hsmon_req req = { .op = "flush" };
	struct hsmon_nl nl;
	int ret;

	if (a->argc)
		hsmon_usage_error("flush: unexpected argument '%s'", a->argv[0]);
	ret = hsmon_nl_open(&nl);
	if (!ret) {
		req.nlh = hsmon_nl_msg(&nl, buf, HSMON_CMD_FLUSH, NLM_F_ACK);
		ret = hsmon_nl_talk(&nl, &req);
	}
	hsmon_nl_close(&nl);
	/* Nothing to say on success; JSON readers still get a document. */
	if (!ret && o->json)
		printf("{}\n");
	return ret;
}
