/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * hsmon: TCP three-way handshake monitor, user-visible definitions.
 *
 * The values below appear in /proc/hsmon (as names) and will be the values
 * of the attributes of the "hsmon" generic netlink family. They are ABI:
 * only ever append.
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

#endif /* _UAPI_LINUX_HSMON_H */
