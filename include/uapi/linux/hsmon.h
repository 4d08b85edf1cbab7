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
 */
enum hsmon_note {
	HSMON_NOTE_BAD_ACK,
	HSMON_NOTE_SYN_DATA,
	HSMON_NOTE_SYNACK_DATA,
	HSMON_NOTE_ACK_DATA,
	HSMON_NOTE_PORT_REUSE,

	__HSMON_NOTE_MAX
};

/**
 * enum hsmon_outcome - what a flow-event notification reports
 * @HSMON_OUTCOME_ESTABLISHED: the handshake completed (ack == K+1 seen)
 * @HSMON_OUTCOME_REFUSED: the responder answered the SYN with RST
 * @HSMON_OUTCOME_RESET: a RST ended the handshake before completion
 * @HSMON_OUTCOME_TIMED_OUT: no completion within syn_timeout
 * @HSMON_OUTCOME_BAD_ACK: a SYN/ACK or final ACK acked the wrong number
 * @HSMON_OUTCOME_CLOSED: an established flow ended with FIN or RST
 */
enum hsmon_outcome {
	HSMON_OUTCOME_ESTABLISHED,
	HSMON_OUTCOME_REFUSED,
	HSMON_OUTCOME_RESET,
	HSMON_OUTCOME_TIMED_OUT,
	HSMON_OUTCOME_BAD_ACK,
	HSMON_OUTCOME_CLOSED,

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
 *	EVENTS_DROPPED counts notifications that were built but could not be
 *	delivered to some listener (its socket buffer was full).
 *
 * HSMON_CMD_FLOW_GET (dump, CAP_NET_ADMIN over the namespace): one message
 *	per flow, with HSMON_A_FLOW_* attributes FAMILY .. AGE_MS (ISN_K only
 *	once a valid SYN/ACK was seen). The request may carry filters, all of
 *	which must match: STATE, FAMILY, DIRECTION, PORT (either end) and ADDR
 *	(either end; 4 or 16 bytes) with PREFIX_LEN (default: the whole
 *	address). A dump that raced with changes to the table is flagged
 *	NLM_F_DUMP_INTR; a dump of a quiet table returns each flow once.
 *
 * HSMON_CMD_CONFIG_GET (do, anyone): replies with every HSMON_A_CONFIG_*.
 * HSMON_CMD_CONFIG_SET (do, CAP_NET_ADMIN over the namespace): sets the
 *	knobs present in the request (MAX_FLOWS [16, 16777216], SYN_TIMEOUT
 *	[1, 3600] s, EST_TIMEOUT [1, 2592000] s, LINGER_TIMEOUT [1, 3600] s,
 *	EVENTS 0 or 1). Lowering MAX_FLOWS below the number of flows evicts
 *	down to it at once (counted as evicted).
 * HSMON_CMD_FLUSH (do, CAP_NET_ADMIN over the namespace): removes every
 *	flow; the counters stay.
 * HSMON_CMD_FLOW_EVENT (notification on HSMON_MCGRP_EVENTS, joining it needs
 *	CAP_NET_ADMIN over the namespace): one per handshake outcome, with
 *	HSMON_A_FLOW_OUTCOME and the flow's attributes. Sent only while events
 *	are enabled (the default) and somebody listens.
 */
#define HSMON_MCGRP_EVENTS	"events"

/* HSMON_CMD_STATS_GET reply: one attribute per counter, in /proc order. */
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
	HSMON_A_FLOW_OUTCOME,		/* u8: enum hsmon_outcome (events only) */
	HSMON_A_FLOW_ADDR,		/* binary: filter, either end's address */
	HSMON_A_FLOW_PREFIX_LEN,	/* u8: filter, bits of ADDR to compare */
	HSMON_A_FLOW_PORT,		/* u16: filter, either end's port */

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
