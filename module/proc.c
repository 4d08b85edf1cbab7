// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/net/hsmon, one per namespace, and /proc/hsmon pointing at the
 * reader's own (as /proc/mounts points into /proc/self). The format is
 * documented in the README: counters as "name value" lines, an empty line,
 * a header row, then one line per flow.
 *
 * The walk is lock free under RCU. Between two reads it remembers where it
 * stopped (bucket and entries skipped in it) so that a large table is
 * dumped in one pass rather than re-walked from the start for every page.
 */

#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/ktime.h>
#include <net/tcp.h>

#include "flow.h"
#include "fsm.h"
#include "pernet.h"
#include "proc.h"
#include "stats.h"

#define HSMON_PROC_NAME	"hsmon"
#define HSMON_PROC_HEADER \
	"family initiator responder direction state isn_j isn_k syn_rtx synack_rtx " \
	"orig_flags reply_flags notes age_ms outcome zeek syn_synack_us synack_ack_us " \
	"handshake_us ack_expected ack_seen"

struct hsmon_seq_iter {
	struct seq_net_private p;	/* must be first: seq_file_net() */
	u32 bucket;			/* where the next flow is looked for */
	u32 skip;			/* entries of that bucket already shown */
	loff_t pos;			/* the position that (bucket, skip) is */
	u64 now_ns;			/* ages are taken against this, per read */
};

static const char * const hsmon_dir_names[__HSMON_DIR_MAX] = {
	[HSMON_DIR_OUTBOUND]	= "outbound",
	[HSMON_DIR_INBOUND]	= "inbound",
	[HSMON_DIR_FORWARDED]	= "forwarded",
	[HSMON_DIR_LOCAL]	= "local",
};

static const char * const hsmon_note_names[__HSMON_NOTE_MAX] = {
	[HSMON_NOTE_BAD_ACK]		= "bad_ack",
	[HSMON_NOTE_SYN_DATA]		= "syn_data",
	[HSMON_NOTE_SYNACK_DATA]	= "synack_data",
	[HSMON_NOTE_ACK_DATA]		= "ack_data",
	[HSMON_NOTE_PORT_REUSE]		= "port_reuse",
	[HSMON_NOTE_SIMULTANEOUS_OPEN]	= "simultaneous_open",
	[HSMON_NOTE_SYN_DATA_ACKED]	= "syn_data_acked",
	[HSMON_NOTE_MIDSTREAM]		= "midstream",
};

static const struct {
	u8 bit;
	char letter;
} hsmon_flag_letters[] = {
	{ TCPHDR_SYN, 'S' }, { TCPHDR_ACK, 'A' }, { TCPHDR_FIN, 'F' },
	{ TCPHDR_RST, 'R' }, { TCPHDR_PSH, 'P' }, { TCPHDR_URG, 'U' },
	{ TCPHDR_ECE, 'E' }, { TCPHDR_CWR, 'C' },
};

/* The flow at (it->bucket, it->skip) or the first one after it. */
static struct hsmon_flow *hsmon_seq_at(struct hsmon_seq_iter *it,
				       struct hsmon_table *t)
{
	struct hsmon_flow *f;
	u32 n;

	for (; it->bucket <= t->mask; it->bucket++, it->skip = 0) {
		n = 0;
		hlist_for_each_entry_rcu(f, &t->buckets[it->bucket], node)
			if (n++ == it->skip)
				return f;
	}
	return NULL;
}

static void *hsmon_seq_start(struct seq_file *seq, loff_t *pos)
	__acquires(RCU)
{
	struct hsmon_seq_iter *it = seq->private;
	struct hsmon_table *t = &hsmon_pernet(seq_file_net(seq))->table;
	struct hsmon_flow *f;

	rcu_read_lock();
	it->now_ns = ktime_get_ns();
	if (*pos == 0)
		return SEQ_START_TOKEN;
	if (*pos != it->pos) {		/* not where the last read stopped */
		it->bucket = 0;
		it->skip = 0;
		for (it->pos = 1; it->pos < *pos; it->pos++, it->skip++)
			if (!hsmon_seq_at(it, t))
				return NULL;
	}
	f = hsmon_seq_at(it, t);
	return f;
}

static void *hsmon_seq_next(struct seq_file *seq, void *v, loff_t *pos)
{
	struct hsmon_seq_iter *it = seq->private;
	struct hsmon_table *t = &hsmon_pernet(seq_file_net(seq))->table;

	if (v == SEQ_START_TOKEN) {
		it->bucket = 0;
		it->skip = 0;
	} else {
		it->skip++;
	}
	it->pos = ++*pos;
	return hsmon_seq_at(it, t);
}

static void hsmon_seq_stop(struct seq_file *seq, void *v)
	__releases(RCU)
{
	rcu_read_unlock();
}

static void hsmon_seq_endpoint(struct seq_file *seq, u8 family,
			       const struct in6_addr *a, __be16 port)
{
	if (family == AF_INET)
		seq_printf(seq, " %pI4:%u", &a->s6_addr32[0], ntohs(port));
	else
		seq_printf(seq, " [%pI6c]:%u", a, ntohs(port));
}

static void hsmon_seq_flags(struct seq_file *seq, u8 flags)
{
	unsigned int i;

	seq_putc(seq, ' ');
	if (!flags) {
		seq_putc(seq, '-');
		return;
	}
	for (i = 0; i < ARRAY_SIZE(hsmon_flag_letters); i++)
		if (flags & hsmon_flag_letters[i].bit)
			seq_putc(seq, hsmon_flag_letters[i].letter);
}

static void hsmon_seq_notes(struct seq_file *seq, u32 notes)
{
	bool first = true;
	unsigned int i;

	seq_putc(seq, ' ');
	for (i = 0; i < __HSMON_NOTE_MAX; i++) {
		if (!(notes & BIT(i)))
			continue;
		if (!first)
			seq_putc(seq, ',');
		seq_puts(seq, hsmon_note_names[i]);
		first = false;
	}
	if (first)
		seq_putc(seq, '-');
}

/* A value, or "-" when it is not known (yet). */
static void hsmon_seq_u32(struct seq_file *seq, bool known, u32 v)
{
	if (known)
		seq_printf(seq, " %u", v);
	else
		seq_puts(seq, " -");
}

static int hsmon_seq_show(struct seq_file *seq, void *v)
{
	struct hsmon_net *hn = hsmon_pernet(seq_file_net(seq));
	struct hsmon_seq_iter *it = seq->private;
	const struct hsmon_flow *f = v;
	struct hsmon_stats *sum;
	u8 state, dir;
	u32 notes;

	if (v == SEQ_START_TOKEN) {
		sum = kmalloc(sizeof(*sum), GFP_ATOMIC);	/* under RCU */
		if (!sum)
			return -ENOMEM;
		hsmon_stats_read(hn->stats, sum);
		hsmon_stats_show(seq, sum, hsmon_flow_count(hn),
				 READ_ONCE(hn->cfg.max_flows),
				 hsmon_flow_entry_size());
		kfree(sum);
		seq_puts(seq, "\n" HSMON_PROC_HEADER "\n");
		return 0;
	}

	/* Fields change under us without the lock: show a consistent-enough snapshot. */
	state = READ_ONCE(f->state);
	if (state == HSMON_STATE_NONE)
		return SEQ_SKIP;	/* still being created */
	dir = READ_ONCE(f->direction);
	notes = READ_ONCE(f->notes);

	seq_puts(seq, f->family == AF_INET ? "ipv4" : "ipv6");
	hsmon_seq_endpoint(seq, f->family, &f->addr[HSMON_ORIG], f->port[HSMON_ORIG]);
	hsmon_seq_endpoint(seq, f->family, &f->addr[HSMON_REPLY], f->port[HSMON_REPLY]);
	seq_printf(seq, " %s %s %u",
		   dir < __HSMON_DIR_MAX ? hsmon_dir_names[dir] : "?",
		   hsmon_state_name(state), READ_ONCE(f->isn_j));
	if (notes & HSMON_FLOW_HAVE_K)
		seq_printf(seq, " %u", READ_ONCE(f->isn_k));
	else
		seq_puts(seq, " -");
	seq_printf(seq, " %u %u", READ_ONCE(f->syn_rtx), READ_ONCE(f->synack_rtx));
	hsmon_seq_flags(seq, READ_ONCE(f->seen[HSMON_ORIG]));
	hsmon_seq_flags(seq, READ_ONCE(f->seen[HSMON_REPLY]));
	hsmon_seq_notes(seq, notes);
	seq_printf(seq, " %llu %s %s",
		   hsmon_flow_age_ms(f, it->now_ns),
		   hsmon_outcome_name(READ_ONCE(f->outcome)), hsmon_fsm_zeek(f));
	hsmon_seq_u32(seq, notes & HSMON_FLOW_HAVE_K, READ_ONCE(f->us_synack));
	hsmon_seq_u32(seq, hsmon_flow_has_synack_ack(notes),
		      READ_ONCE(f->us_ack) - READ_ONCE(f->us_synack));
	hsmon_seq_u32(seq, notes & HSMON_FLOW_HAVE_ACK, READ_ONCE(f->us_ack));
	hsmon_seq_u32(seq, notes & HSMON_FLOW_BAD_ACK_SEEN, READ_ONCE(f->ack_expected));
	hsmon_seq_u32(seq, notes & HSMON_FLOW_BAD_ACK_SEEN, READ_ONCE(f->ack_seen));
	seq_putc(seq, '\n');
	return 0;
}

static const struct seq_operations hsmon_seq_ops = {
	.start	= hsmon_seq_start,
	.next	= hsmon_seq_next,
	.stop	= hsmon_seq_stop,
	.show	= hsmon_seq_show,
};

int hsmon_proc_net_init(struct net *net)
{
	if (!proc_create_net(HSMON_PROC_NAME, 0400, net->proc_net, &hsmon_seq_ops,
			     sizeof(struct hsmon_seq_iter)))
		return -ENOMEM;
	return 0;
}

void hsmon_proc_net_uninit(struct net *net)
{
	remove_proc_entry(HSMON_PROC_NAME, net->proc_net);
}

int hsmon_proc_init(void)
{
	if (!proc_symlink(HSMON_PROC_NAME, NULL, "self/net/" HSMON_PROC_NAME))
		return -ENOMEM;
	return 0;
}

void hsmon_proc_uninit(void)
{
	remove_proc_entry(HSMON_PROC_NAME, NULL);
}
