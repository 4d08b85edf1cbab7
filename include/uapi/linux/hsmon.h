/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * hsmon: TCP three-way handshake monitor, user-visible definitions.
 *
 * The values below appear in /proc/hsmon (as names) and in the attributes
 * of the "hsmon" generic netlink family. They are ABI: only ever append.
 */
#ifndef _UAPI_LINUX_HSMON_H
#define _UAPI_LINUX_HSMON_H

#define HSMON_GENL_NAME		"hsmon"
#define HSMON_GENL_VERSION	1

/**
 * enum hsmon_state - where a flow's handshake stands
 * @HSMON_STATE_NONE: no SYN seen yet (never visible in a table)
 * @HSMON_STATE_SYN_SENT: the initiator's SYN (seq J) was seen
 * @HSMON_STATE_SYN_RCVD: a SYN/ACK with ack == J+1 (seq K) was seen
 * @HSMON_STATE_ESTABLISHED: the initiator's ACK with ack == K+1 was seen
 * @HSMON_STATE_CLOSED: an established flow ended with FIN or RST
 * @HSMON_STATE_REFUSED: the responder answered the SYN with RST
 * @HSMON_STATE_RESET: a RST ended the handshake after the SYN/ACK, or the
 *	initiator aborted it before any answer
 * @HSMON_STATE_TIMED_OUT: the handshake did not complete within syn_timeout
 * @HSMON_STATE_MIDSTREAM: tracked from a segment after the handshake (its
 *	SYN was never seen; only when track_midstream is on)
 */
enum hsmon_state {
	HSMON_STATE_NONE,
	HSMON_STATE_SYN_SENT,
	HSMON_STATE_SYN_RCVD,
	HSMON_STATE_ESTABLISHED,
	HSMON_STATE_CLOSED,
	HSMON_STATE_REFUSED,
	HSMON_STATE_RESET,
	HSMON_STATE_TIMED_OUT,
	HSMON_STATE_MIDSTREAM,

	__HSMON_STATE_MAX
};

/**
 * enum hsmon_direction - who initiated a flow, relative to the namespace
 * @HSMON_DIR_OUTBOUND: a local socket sent the SYN out of the namespace
 * @HSMON_DIR_INBOUND: the SYN came in from outside to a local socket
 * @HSMON_DIR_FORWARDED: the namespace routed the SYN through
 * @HSMON_DIR_LOCAL: both ends are local (the SYN went over loopback)
 */
enum hsmon_direction {
	HSMON_DIR_OUTBOUND,
	HSMON_DIR_INBOUND,
	HSMON_DIR_FORWARDED,
	HSMON_DIR_LOCAL,

	__HSMON_DIR_MAX
};

/**
 * enum hsmon_note - facts noted on a flow (bit numbers)
 * @HSMON_NOTE_BAD_ACK: a SYN/ACK acked other than J+1, or the final ACK
 *	acked other than K+1
 * @HSMON_NOTE_SYN_DATA: the SYN carried data (TCP Fast Open)
 * @HSMON_NOTE_SYNACK_DATA: the SYN/ACK carried data
 * @HSMON_NOTE_ACK_DATA: the ACK completing the handshake carried data
 * @HSMON_NOTE_PORT_REUSE: this attempt replaced an earlier one on the same
 *	5-tuple (a new SYN with a different ISN)
 * @HSMON_NOTE_SIMULTANEOUS_OPEN: both ends sent a SYN (RFC 9293 3.5); the
 *	flow is established once each side's SYN was acked
 * @HSMON_NOTE_SYN_DATA_ACKED: the SYN/ACK acked the SYN's data too (Fast Open
 *	accepted: ack == J+1+length)
 * @HSMON_NOTE_MIDSTREAM: the flow was picked up after its handshake
 */
enum hsmon_note {
	HSMON_NOTE_BAD_ACK,
	HSMON_NOTE_SYN_DATA,
	HSMON_NOTE_SYNACK_DATA,
	HSMON_NOTE_ACK_DATA,
	HSMON_NOTE_PORT_REUSE,
	HSMON_NOTE_SIMULTANEOUS_OPEN,
	HSMON_NOTE_SYN_DATA_ACKED,
	HSMON_NOTE_MIDSTREAM,

	__HSMON_NOTE_MAX
};

/**
 * enum hsmon_outcome - how a handshake ended (Zeek's conn_state in brackets)
 * @HSMON_OUTCOME_ESTABLISHED: the handshake completed: ack == K+1 seen, or
 *	both SYNs acked in a simultaneous open (S1)
 * @HSMON_OUTCOME_REFUSED: the responder answered the SYN with RST (REJ)
 * @HSMON_OUTCOME_RESET: a RST ended the handshake after the SYN/ACK (RSTO
 *	from the initiator, RSTR from the responder)
 * @HSMON_OUTCOME_TIMED_OUT: a SYN/ACK was seen but no completion within
 *	syn_timeout (S1)
 * @HSMON_OUTCOME_BAD_ACK: a SYN/ACK or final ACK acked the wrong number (an
 *	event; a flow that then times out keeps this outcome)
 * @HSMON_OUTCOME_CLOSED: an established flow ended with FIN or RST (an
 *	event; the flow keeps its handshake's outcome)
 * @HSMON_OUTCOME_UNANSWERED: SYN(s) with no reply within syn_timeout (S0)
 * @HSMON_OUTCOME_ABORTED: the initiator sent RST before any reply (RSTOS0)
 * @HSMON_OUTCOME_MIDSTREAM: picked up after the handshake (OTH)
 */
enum hsmon_outcome {
	HSMON_OUTCOME_ESTABLISHED,
	HSMON_OUTCOME_REFUSED,
	HSMON_OUTCOME_RESET,
	HSMON_OUTCOME_TIMED_OUT,
	HSMON_OUTCOME_BAD_ACK,
	HSMON_OUTCOME_CLOSED,
	HSMON_OUTCOME_UNANSWERED,
	HSMON_OUTCOME_ABORTED,
	HSMON_OUTCOME_MIDSTREAM,

	__HSMON_OUTCOME_MAX
};

/*
 * The generic netlink family "hsmon", version 1. netlink/hsmon.yaml is the
 * source of truth for what follows; `make spec-check` compares the two.
 *
 * Every operation acts on the caller's network namespace only. Messages are
 * flat: the attributes of one set, no nesting. u64 attributes are padded
 * with the set's PAD attribute. Invalid requests (unknown attribute, wrong
 * length, value out of range) are rejected with an extended ack message
 * naming the attribute.
 *
 * HSMON_CMD_STATS_GET (do, anyone): replies with every HSMON_A_STATS_*
 *	attribute. u64 counters, summed over CPUs when read; u32 gauges (flows
 *	now in the table, by state), the cap and the entry size.
 *	EVENTS_DROPPED counts notifications that reached no listener although
 *	one was subscribed (every listener's buffer was full) or could not be
 *	built; a listener that misses some while others get them learns it by
 *	ENOBUFS on its socket. The *_HIST attributes are log2 histograms of
 *	handshake times in microseconds, 32 u64 slots: slot 0 counts 0 us, slot
 *	i (1..30) counts [2^(i-1), 2^i) us, slot 31 everything longer; *_SUM
 *	is the sum of the values (us). SYN_SYNACK: first SYN to SYN/ACK (the
 *	responder's network and accept time as seen from here); SYNACK_ACK:
 *	SYN/ACK to the completing ACK (the initiator's side); HANDSHAKE: first
 *	SYN to the completing ACK (Wireshark's iRTT). Times are measured from
 *	the first SYN of an attempt: retransmissions do not reset it.
 *
 * HSMON_CMD_FLOW_GET (dump, CAP_NET_ADMIN over the namespace): one message
 *	per flow, with HSMON_A_FLOW_* attributes FAMILY .. AGE_MS (ISN_K only
 *	once a valid SYN/ACK was seen), OUTCOME once the handshake ended, the
 *	times SYN_SYNACK_US, SYNACK_ACK_US, HANDSHAKE_US once measured,
 *	ACK_EXPECTED and ACK_SEEN after a bad ack, and ZEEK_STATE. The
 *	request may carry filters, all of which must match: STATE, FAMILY,
 *	DIRECTION, PORT (either end) and ADDR
 *	(either end; 4 or 16 bytes) with PREFIX_LEN (default: the whole
 *	address). A dump never returns a flow twice. When a flow it had just
 *	returned was removed before the next message was filled (so another
 *	flow may have been skipped), the rest of the dump is flagged
 *	NLM_F_DUMP_INTR; flows added during a dump may or may not appear.
 *
 * HSMON_CMD_CONFIG_GET (do, anyone): replies with every HSMON_A_CONFIG_*.
 * HSMON_CMD_CONFIG_SET (do, CAP_NET_ADMIN over the namespace): sets the
 *	knobs present in the request (MAX_FLOWS [16, 16777216], SYN_TIMEOUT
 *	[1, 3600] s, EST_TIMEOUT [1, 2592000] s, LINGER_TIMEOUT [1, 3600] s,
 *	EVENTS 0 or 1, TRACK_MIDSTREAM 0 or 1). Lowering MAX_FLOWS below the number of flows evicts
 *	down to it at once (counted as evicted).
 * HSMON_CMD_FLUSH (do, CAP_NET_ADMIN over the namespace): removes every
 *	flow; the counters stay.
 * HSMON_CMD_FLOW_EVENT (notification on HSMON_MCGRP_EVENTS, joining it needs
 *	CAP_NET_ADMIN over the namespace): one per handshake outcome, with
 *	HSMON_A_FLOW_OUTCOME and the flow's attributes. Sent only while events
 *	are enabled (the default) and somebody listens.
 */
#define HSMON_MCGRP_EVENTS	"events"

/*
 * HSMON_CMD_STATS_GET reply: one attribute per counter. The reply carries
 * the counters in /proc/hsmon's order (which is not the order of the
 * attribute numbers: new counters are appended here, but printed where
 * they belong), then the gauges, MAX_FLOWS, ENTRY_SIZE, and each
 * histogram followed by its sum.
 */
enum {
	HSMON_A_STATS_PAD = 1,
	HSMON_A_STATS_SEGMENTS,		/* u64: TCP segments inspected */
	HSMON_A_STATS_SYN,		/* u64: SYN segments */
	HSMON_A_STATS_SYNACK,		/* u64: SYN/ACK segments */
	HSMON_A_STATS_ACK_COMPLETE,	/* u64: ACKs completing a handshake */
	HSMON_A_STATS_ESTABLISHED,	/* u64: handshakes completed */
	HSMON_A_STATS_REFUSED,		/* u64: SYNs answered by RST */
	HSMON_A_STATS_RESET,		/* u64: handshakes ended by RST */
	HSMON_A_STATS_TIMED_OUT,	/* u64: handshakes timed out */
	HSMON_A_STATS_CLOSED,		/* u64: established flows closed */
	HSMON_A_STATS_BAD_ACK,		/* u64: SYN/ACKs or ACKs acking wrong */
	HSMON_A_STATS_SYN_RETRANS,	/* u64: SYNs retransmitted (same J) */
	HSMON_A_STATS_SYNACK_RETRANS,	/* u64: SYN/ACKs retransmitted (same K) */
	HSMON_A_STATS_SYN_DATA,		/* u64: SYNs carrying data */
	HSMON_A_STATS_SYNACK_DATA,	/* u64: SYN/ACKs carrying data */
	HSMON_A_STATS_ACK_DATA,		/* u64: completing ACKs carrying data */
	HSMON_A_STATS_PORT_REUSE,	/* u64: new SYNs with another ISN */
	HSMON_A_STATS_MALFORMED,	/* u64: unparsable headers */
	HSMON_A_STATS_FRAGMENTS,	/* u64: non-first fragments skipped */
	HSMON_A_STATS_BAD_FLAGS,	/* u64: invalid flag combinations */
	HSMON_A_STATS_UNTRACKED,	/* u64: segments of unknown flows */
	HSMON_A_STATS_EVICTED,		/* u64: flows evicted at the cap */
	HSMON_A_STATS_EXPIRED,		/* u64: flows removed by timeouts */
	HSMON_A_STATS_TABLE_FULL,	/* u64: SYNs not tracked, table full */
	HSMON_A_STATS_ALLOC_FAILED,	/* u64: SYNs not tracked, no memory */
	HSMON_A_STATS_EVENTS_DROPPED,	/* u64: notifications not delivered */
	HSMON_A_STATS_FLOWS,		/* u32: flows in the table */
	HSMON_A_STATS_FLOWS_SYN_SENT,	/* u32: ... in SYN_SENT */
	HSMON_A_STATS_FLOWS_SYN_RCVD,	/* u32: ... in SYN_RCVD */
	HSMON_A_STATS_FLOWS_ESTABLISHED,	/* u32: ... in ESTABLISHED */
	HSMON_A_STATS_FLOWS_CLOSED,	/* u32: ... in CLOSED */
	HSMON_A_STATS_FLOWS_REFUSED,	/* u32: ... in REFUSED */
	HSMON_A_STATS_FLOWS_RESET,	/* u32: ... in RESET */
	HSMON_A_STATS_FLOWS_TIMED_OUT,	/* u32: ... in TIMED_OUT */
	HSMON_A_STATS_MAX_FLOWS,	/* u32: the namespace's cap */
	HSMON_A_STATS_ENTRY_SIZE,	/* u32: bytes per flow entry */
	HSMON_A_STATS_ABORTED,		/* u64: resets by the initiator before any reply */
	HSMON_A_STATS_UNANSWERED,	/* u64: timeouts with no reply at all */
	HSMON_A_STATS_SIMULTANEOUS_OPEN,	/* u64: both ends sent a SYN */
	HSMON_A_STATS_SYN_DATA_ACKED,	/* u64: SYN data acked by the SYN/ACK */
	HSMON_A_STATS_MIDSTREAM,	/* u64: flows picked up midstream */
	HSMON_A_STATS_FLOWS_MIDSTREAM,	/* u32: flows now in MIDSTREAM */
	HSMON_A_STATS_SYN_SYNACK_HIST,	/* binary: u64[32], log2 us histogram */
	HSMON_A_STATS_SYNACK_ACK_HIST,	/* binary: u64[32], log2 us histogram */
	HSMON_A_STATS_HANDSHAKE_HIST,	/* binary: u64[32], log2 us histogram */
	HSMON_A_STATS_SYN_SYNACK_SUM,	/* u64: us, sum of the histogram's values */
	HSMON_A_STATS_SYNACK_ACK_SUM,	/* u64: us */
	HSMON_A_STATS_HANDSHAKE_SUM,	/* u64: us */

	__HSMON_A_STATS_MAX,
	HSMON_A_STATS_MAX = (__HSMON_A_STATS_MAX - 1)
};

/* A flow (dump replies, notifications) and the filters of a dump request. */
enum {
	HSMON_A_FLOW_PAD = 1,
	HSMON_A_FLOW_FAMILY,		/* u8: AF_INET or AF_INET6 */
	HSMON_A_FLOW_INITIATOR_ADDR,	/* binary: 4 or 16 bytes, network order */
	HSMON_A_FLOW_RESPONDER_ADDR,	/* binary: 4 or 16 bytes, network order */
	HSMON_A_FLOW_INITIATOR_PORT,	/* u16: host order */
	HSMON_A_FLOW_RESPONDER_PORT,	/* u16: host order */
	HSMON_A_FLOW_DIRECTION,		/* u8: enum hsmon_direction */
	HSMON_A_FLOW_STATE,		/* u8: enum hsmon_state */
	HSMON_A_FLOW_ISN_J,		/* u32: the initiator's ISN */
	HSMON_A_FLOW_ISN_K,		/* u32: the responder's ISN, once valid */
	HSMON_A_FLOW_SYN_RTX,		/* u32: SYN retransmissions */
	HSMON_A_FLOW_SYNACK_RTX,	/* u32: SYN/ACK retransmissions */
	HSMON_A_FLOW_ORIG_FLAGS,	/* u8: TCP flags seen from the initiator */
	HSMON_A_FLOW_REPLY_FLAGS,	/* u8: TCP flags seen from the responder */
	HSMON_A_FLOW_NOTES,		/* u32: mask of BIT(enum hsmon_note) */
	HSMON_A_FLOW_AGE_MS,		/* u64: ms since the first SYN */
	HSMON_A_FLOW_OUTCOME,		/* u8: enum hsmon_outcome (an event's own) */
	HSMON_A_FLOW_ADDR,		/* binary: filter, either end's address */
	HSMON_A_FLOW_PREFIX_LEN,	/* u8: filter, bits of ADDR to compare */
	HSMON_A_FLOW_PORT,		/* u16: filter, either end's port */
	HSMON_A_FLOW_SYN_SYNACK_US,	/* u32: first SYN to SYN/ACK, once seen */
	HSMON_A_FLOW_SYNACK_ACK_US,	/* u32: SYN/ACK to the completing ACK */
	HSMON_A_FLOW_HANDSHAKE_US,	/* u32: first SYN to the completing ACK */
	HSMON_A_FLOW_ACK_EXPECTED,	/* u32: the last bad ack: the due value */
	HSMON_A_FLOW_ACK_SEEN,		/* u32: ... and the value seen */
	HSMON_A_FLOW_ZEEK_STATE,	/* string: Zeek's conn_state for the flow */

	__HSMON_A_FLOW_MAX,
	HSMON_A_FLOW_MAX = (__HSMON_A_FLOW_MAX - 1)
};

/* The runtime knobs of a namespace. */
enum {
	HSMON_A_CONFIG_MAX_FLOWS = 1,	/* u32: flows tracked at most */
	HSMON_A_CONFIG_SYN_TIMEOUT,	/* u32: s before a handshake times out */
	HSMON_A_CONFIG_EST_TIMEOUT,	/* u32: s an established flow may idle */
	HSMON_A_CONFIG_LINGER_TIMEOUT,	/* u32: s a finished flow stays shown */
	HSMON_A_CONFIG_EVENTS,		/* u8: 1 to send notifications */
	HSMON_A_CONFIG_TRACK_MIDSTREAM,	/* u8: 1 to track flows whose SYN was not seen */

	__HSMON_A_CONFIG_MAX,
	HSMON_A_CONFIG_MAX = (__HSMON_A_CONFIG_MAX - 1)
};

enum {
	HSMON_CMD_STATS_GET = 1,
	HSMON_CMD_FLOW_GET,
	HSMON_CMD_CONFIG_GET,
	HSMON_CMD_CONFIG_SET,
	HSMON_CMD_FLUSH,
	HSMON_CMD_FLOW_EVENT,

	__HSMON_CMD_MAX,
	HSMON_CMD_MAX = (__HSMON_CMD_MAX - 1)
};

#endif /* _UAPI_LINUX_HSMON_H */
