// SPDX-License-Identifier: GPL-2.0
/*
 * hsmon(8): one flow, from its netlink attributes to the columns of
 * /proc/hsmon (same order, same spellings) or to a JSON object whose keys
 * are the column names.
 */

#include <inttypes.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "format.h"
#include "hsmon.h"

const char *const hsmon_col_names[HSMON_NCOLS] = {
	[HSMON_COL_FAMILY]		= "family",
	[HSMON_COL_INITIATOR]		= "initiator",
	[HSMON_COL_RESPONDER]		= "responder",
	[HSMON_COL_DIRECTION]		= "direction",
	[HSMON_COL_STATE]		= "state",
	[HSMON_COL_ISN_J]		= "isn_j",
	[HSMON_COL_ISN_K]		= "isn_k",
	[HSMON_COL_SYN_RTX]		= "syn_rtx",
	[HSMON_COL_SYNACK_RTX]		= "synack_rtx",
	[HSMON_COL_ORIG_FLAGS]		= "orig_flags",
	[HSMON_COL_REPLY_FLAGS]		= "reply_flags",
	[HSMON_COL_NOTES]		= "notes",
	[HSMON_COL_AGE_MS]		= "age_ms",
	[HSMON_COL_OUTCOME]		= "outcome",
	[HSMON_COL_ZEEK]		= "zeek",
	[HSMON_COL_SYN_SYNACK_US]	= "syn_synack_us",
	[HSMON_COL_SYNACK_ACK_US]	= "synack_ack_us",
	[HSMON_COL_HANDSHAKE_US]	= "handshake_us",
	[HSMON_COL_ACK_EXPECTED]	= "ack_expected",
	[HSMON_COL_ACK_SEEN]		= "ack_seen",
};

/* Right-aligned in the table, bare numbers (or null) in JSON. */
const bool hsmon_col_numeric[HSMON_NCOLS] = {
	[HSMON_COL_ISN_J]		= true,
	[HSMON_COL_ISN_K]		= true,
	[HSMON_COL_SYN_RTX]		= true,
	[HSMON_COL_SYNACK_RTX]		= true,
	[HSMON_COL_AGE_MS]		= true,
	[HSMON_COL_SYN_SYNACK_US]	= true,
	[HSMON_COL_SYNACK_ACK_US]	= true,
	[HSMON_COL_HANDSHAKE_US]	= true,
	[HSMON_COL_ACK_EXPECTED]	= true,
	[HSMON_COL_ACK_SEEN]		= true,
};

/* The attributes behind hsmon_flow.opt[], in column order. */
static const uint16_t opt_attrs[] = {
	HSMON_A_FLOW_SYN_SYNACK_US,
	HSMON_A_FLOW_SYNACK_ACK_US,
	HSMON_A_FLOW_HANDSHAKE_US,
	HSMON_A_FLOW_ACK_EXPECTED,
	HSMON_A_FLOW_ACK_SEEN,
};

static const enum mnl_attr_data_type flow_attr_types[HSMON_A_FLOW_MAX + 1] = {
	[HSMON_A_FLOW_FAMILY]		= MNL_TYPE_U8,
	[HSMON_A_FLOW_INITIATOR_ADDR]	= MNL_TYPE_BINARY,
	[HSMON_A_FLOW_RESPONDER_ADDR]	= MNL_TYPE_BINARY,
	[HSMON_A_FLOW_INITIATOR_PORT]	= MNL_TYPE_U16,
	[HSMON_A_FLOW_RESPONDER_PORT]	= MNL_TYPE_U16,
	[HSMON_A_FLOW_DIRECTION]	= MNL_TYPE_U8,
	[HSMON_A_FLOW_STATE]		= MNL_TYPE_U8,
	[HSMON_A_FLOW_ISN_J]		= MNL_TYPE_U32,
	[HSMON_A_FLOW_ISN_K]		= MNL_TYPE_U32,
	[HSMON_A_FLOW_SYN_RTX]		= MNL_TYPE_U32,
	[HSMON_A_FLOW_SYNACK_RTX]	= MNL_TYPE_U32,
	[HSMON_A_FLOW_ORIG_FLAGS]	= MNL_TYPE_U8,
	[HSMON_A_FLOW_REPLY_FLAGS]	= MNL_TYPE_U8,
	[HSMON_A_FLOW_NOTES]		= MNL_TYPE_U32,
	[HSMON_A_FLOW_AGE_MS]		= MNL_TYPE_U64,
	[HSMON_A_FLOW_OUTCOME]		= MNL_TYPE_U8,
	[HSMON_A_FLOW_SYN_SYNACK_US]	= MNL_TYPE_U32,
	[HSMON_A_FLOW_SYNACK_ACK_US]	= MNL_TYPE_U32,
	[HSMON_A_FLOW_HANDSHAKE_US]	= MNL_TYPE_U32,
	[HSMON_A_FLOW_ACK_EXPECTED]	= MNL_TYPE_U32,
	[HSMON_A_FLOW_ACK_SEEN]		= MNL_TYPE_U32,
	[HSMON_A_FLOW_ZEEK_STATE]	= MNL_TYPE_NUL_STRING,
};

/*
 * Attribute access inline: a dump of a million flows reads some twenty
 * million attributes, and libmnl's accessors are a library call each.
 */
#define ATTR_HDRLEN	MNL_ALIGN(sizeof(struct nlattr))

static inline uint16_t attr_len(const struct nlattr *attr)
{
	return attr->nla_len - ATTR_HDRLEN;
}

static inline const void *attr_data(const struct nlattr *attr)
{
	return (const char *)attr + ATTR_HDRLEN;
}

/* libmnl's checks for these types (mnl_attr_validate()'s). */
static bool attr_ok(const struct nlattr *attr, enum mnl_attr_data_type type)
{
	uint16_t len = attr_len(attr);
	const char *s = attr_data(attr);

	switch (type) {
	case MNL_TYPE_U8:
		return len >= sizeof(uint8_t);
	case MNL_TYPE_U16:
		return len >= sizeof(uint16_t);
	case MNL_TYPE_U32:
		return len >= sizeof(uint32_t);
	case MNL_TYPE_U64:
		return len >= sizeof(uint64_t);
	case MNL_TYPE_NUL_STRING:
		return len && !s[len - 1];
	default:
		return true;
	}
}

/*
 * The flow's attributes into tb; -1 if one of ours is malformed. The walk
 * is mnl_attr_for_each()'s: it stops at the first attribute that does not
 * fit what is left of the message.
 */
static int flow_attrs(const struct nlmsghdr *nlh, const struct nlattr **tb)
{
	const char *p = (const char *)mnl_nlmsg_get_payload_offset(nlh,
					sizeof(struct genlmsghdr));
	const char *end = (const char *)nlh + nlh->nlmsg_len;
	const struct nlattr *attr;
	uint16_t type;

	while (end - p >= (ptrdiff_t)sizeof(struct nlattr)) {
		attr = (const struct nlattr *)p;
		if (attr->nla_len < sizeof(struct nlattr) || attr->nla_len > end - p)
			break;
		p += MNL_ALIGN(attr->nla_len);
		type = attr->nla_type & NLA_TYPE_MASK;
		/* Attributes from a newer module, or the padding: not ours to show. */
		if (type > HSMON_A_FLOW_MAX || !flow_attr_types[type])
			continue;
		if (!attr_ok(attr, flow_attr_types[type]))
			return -1;
		tb[type] = attr;
	}
	return 0;
}

static bool get_addr(const struct nlattr *attr, size_t len, uint8_t *addr)
{
	if (!attr || attr_len(attr) != len)
		return false;
	memcpy(addr, attr_data(attr), len);
	return true;
}

/* Validated by attr_ok(): at least as long as their type. */
static uint64_t get_u64(const struct nlattr *attr)
{
	uint64_t v = 0;

	if (attr)
		memcpy(&v, attr_data(attr), sizeof(v));
	return v;
}

static uint32_t get_u32(const struct nlattr *attr)
{
	uint32_t v = 0;

	if (attr)
		memcpy(&v, attr_data(attr), sizeof(v));
	return v;
}

static uint16_t get_u16(const struct nlattr *attr)
{
	uint16_t v = 0;

	if (attr)
		memcpy(&v, attr_data(attr), sizeof(v));
	return v;
}

static uint8_t get_u8(const struct nlattr *attr)
{
	return attr ? *(const uint8_t *)attr_data(attr) : 0;
}

/* 0, or -1 if the message lacks what every flow has (or is malformed). */
int hsmon_flow_parse(const struct nlmsghdr *nlh, struct hsmon_flow *f)
{
	const struct nlattr *tb[HSMON_A_FLOW_MAX + 1] = {};
	size_t alen, i;

	memset(f, 0, sizeof(*f));
	if (flow_attrs(nlh, tb) < 0)
		return -1;
	if (!tb[HSMON_A_FLOW_FAMILY] || !tb[HSMON_A_FLOW_STATE] ||
	    !tb[HSMON_A_FLOW_INITIATOR_PORT] || !tb[HSMON_A_FLOW_RESPONDER_PORT])
		return -1;
	f->family = get_u8(tb[HSMON_A_FLOW_FAMILY]);
	if (f->family != AF_INET && f->family != AF_INET6)
		return -1;
	alen = f->family == AF_INET ? 4 : 16;
	if (!get_addr(tb[HSMON_A_FLOW_INITIATOR_ADDR], alen, f->addr[0]) ||
	    !get_addr(tb[HSMON_A_FLOW_RESPONDER_ADDR], alen, f->addr[1]))
		return -1;
	f->port[0] = get_u16(tb[HSMON_A_FLOW_INITIATOR_PORT]);
	f->port[1] = get_u16(tb[HSMON_A_FLOW_RESPONDER_PORT]);
	f->state = get_u8(tb[HSMON_A_FLOW_STATE]);
	f->direction = get_u8(tb[HSMON_A_FLOW_DIRECTION]);
	f->isn_j = get_u32(tb[HSMON_A_FLOW_ISN_J]);
	f->has_isn_k = tb[HSMON_A_FLOW_ISN_K];
	f->isn_k = get_u32(tb[HSMON_A_FLOW_ISN_K]);
	f->syn_rtx = get_u32(tb[HSMON_A_FLOW_SYN_RTX]);
	f->synack_rtx = get_u32(tb[HSMON_A_FLOW_SYNACK_RTX]);
	f->flags[0] = get_u8(tb[HSMON_A_FLOW_ORIG_FLAGS]);
	f->flags[1] = get_u8(tb[HSMON_A_FLOW_REPLY_FLAGS]);
	f->notes = get_u32(tb[HSMON_A_FLOW_NOTES]);
	f->age_ms = get_u64(tb[HSMON_A_FLOW_AGE_MS]);
	f->has_outcome = tb[HSMON_A_FLOW_OUTCOME];
	f->outcome = get_u8(tb[HSMON_A_FLOW_OUTCOME]);
	if (tb[HSMON_A_FLOW_ZEEK_STATE]) {
		const char *z = attr_data(tb[HSMON_A_FLOW_ZEEK_STATE]);
		size_t zl = strnlen(z, sizeof(f->zeek) - 1);

		memcpy(f->zeek, z, zl);		/* f was zeroed: terminated */
	}
	for (i = 0; i < sizeof(opt_attrs) / sizeof(opt_attrs[0]); i++) {
		f->has_opt[i] = tb[opt_attrs[i]];
		f->opt[i] = get_u32(tb[opt_attrs[i]]);
	}
	return 0;
}

/* "bad_ack,syn_data" in bit order, "" if none (unknown bits left out). */
static void fmt_notes(char *buf, size_t len, uint32_t notes)
{
	size_t n = 0, l;
	unsigned int i;
	const char *name;

	for (i = 0; i < __HSMON_NOTE_MAX; i++) {
		if (!(notes & (1U << i)))
			continue;
		name = hsmon_note_name(i);
		l = strlen(name);
		if (n + !!n + l + 1 > len)
			break;
		if (n)
			buf[n++] = ',';
		memcpy(buf + n, name, l);
		n += l;
	}
	buf[n] = '\0';
}

static void fmt_u64(char *col, uint64_t v)
{
	*hsmon_put_u64(col, v) = '\0';
}

static void fmt_opt_u32(char *col, bool has, uint32_t v)
{
	if (has)
		fmt_u64(col, v);
	else
		strcpy(col, "-");
}

static void or_dash(char *col)
{
	if (!*col)
		strcpy(col, "-");
}

void hsmon_flow_columns(const struct hsmon_flow *f,
			char cols[HSMON_NCOLS][HSMON_COL_MAX])
{
	unsigned int i;

	strcpy(cols[HSMON_COL_FAMILY], f->family == AF_INET ? "ipv4" : "ipv6");
	for (i = 0; i < 2; i++)
		hsmon_fmt_endpoint(cols[HSMON_COL_INITIATOR + i], HSMON_COL_MAX,
				   f->family, f->addr[i], f->port[i]);
	strcpy(cols[HSMON_COL_DIRECTION], hsmon_dir_name(f->direction));
	strcpy(cols[HSMON_COL_STATE], hsmon_state_name(f->state));
	fmt_u64(cols[HSMON_COL_ISN_J], f->isn_j);
	fmt_opt_u32(cols[HSMON_COL_ISN_K], f->has_isn_k, f->isn_k);
	fmt_u64(cols[HSMON_COL_SYN_RTX], f->syn_rtx);
	fmt_u64(cols[HSMON_COL_SYNACK_RTX], f->synack_rtx);
	for (i = 0; i < 2; i++) {
		hsmon_fmt_flags(cols[HSMON_COL_ORIG_FLAGS + i], HSMON_COL_MAX,
				f->flags[i]);
		or_dash(cols[HSMON_COL_ORIG_FLAGS + i]);
	}
	fmt_notes(cols[HSMON_COL_NOTES], HSMON_COL_MAX, f->notes);
	or_dash(cols[HSMON_COL_NOTES]);
	fmt_u64(cols[HSMON_COL_AGE_MS], f->age_ms);
	strcpy(cols[HSMON_COL_OUTCOME],
	       f->has_outcome ? hsmon_outcome_name(f->outcome) : "-");
	strcpy(cols[HSMON_COL_ZEEK], f->zeek);
	or_dash(cols[HSMON_COL_ZEEK]);
	for (i = 0; i < 5; i++)
		fmt_opt_u32(cols[HSMON_COL_SYN_SYNACK_US + i], f->has_opt[i],
			    f->opt[i]);
}

/*
 * Keys are the column names. Values are JSON's own where the text has a
 * placeholder: null for a value not known (isn_k before a valid SYN/ACK,
 * the outcome while in progress, times not measured), flags "" when none,
 * notes an array of names.
 */
void hsmon_flow_json(FILE *out, const struct hsmon_flow *f)
{
	char cols[HSMON_NCOLS][HSMON_COL_MAX], flags[16];
	bool first = true;
	unsigned int i, b;

	hsmon_flow_columns(f, cols);
	putc('{', out);
	for (i = 0; i < HSMON_NCOLS; i++) {
		hsmon_json_key(out, &first, hsmon_col_names[i]);
		switch (i) {
		case HSMON_COL_ORIG_FLAGS:
		case HSMON_COL_REPLY_FLAGS:
			hsmon_fmt_flags(flags, sizeof(flags),
					f->flags[i - HSMON_COL_ORIG_FLAGS]);
			hsmon_json_str(out, flags);
			break;
		case HSMON_COL_NOTES:
			putc('[', out);
			for (b = 0; b < __HSMON_NOTE_MAX; b++) {
				if (!(f->notes & (1U << b)))
					continue;
				if (f->notes & ((1U << b) - 1))
					putc(',', out);
				hsmon_json_str(out, hsmon_note_name(b));
			}
			putc(']', out);
			break;
		case HSMON_COL_OUTCOME:
		case HSMON_COL_ZEEK:
			if (!strcmp(cols[i], "-"))
				fputs("null", out);
			else
				hsmon_json_str(out, cols[i]);
			break;
		default:
			if (!hsmon_col_numeric[i])
				hsmon_json_str(out, cols[i]);
			else if (!strcmp(cols[i], "-"))
				fputs("null", out);
			else
				fputs(cols[i], out);
		}
	}
	putc('}', out);
}
