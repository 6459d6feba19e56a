/*
 * sflow_v5.h -- decoder for sFlow version 5 datagrams (sflow.org "sFlow Version 5", 2004).
 *
 * One kf_flow per flow sample (compact, format 1, or expanded, format 3) that describes a packet
 * (has a raw packet header or a sampled IPv4 / IPv6 record; others, e.g. only extended records,
 * count as non-flow records): in_pkts = 1 and
 * in_bytes = the sampled frame's original length as the agent reports it (the raw packet header
 * record's frame_length, which for Ethernet includes the FCS, as pmacct and Kentik count it; the
 * IP length of a sampled IPv4 / IPv6 record when no raw header came), sample_rate = the sample's
 * sampling rate (the sink multiplies), input / output ports = the ifIndex values (0 when the
 * sample says "discarded" or "several interfaces"), ctimestamp = out->received, because sFlow
 * carries only the agent's uptime.
 *
 * Records used: raw packet header (1, decoded by packet_headers.h: Ethernet, IPv4, IPv6, MPLS),
 * sampled IPv4 (3) and IPv6 (4) (only when no raw header gave addresses), extended switch (1001:
 * vlan_in / vlan_out, replacing a VLAN tag seen in the header), extended router (1002: next_hop),
 * extended gateway (1003: src_as, dst_as = the last AS of the destination path, 0 without one;
 * its BGP next hop becomes next_hop when no router record gave one).
 * kf_sflow_v5_decode counts counter samples (2, 4) and skips them; kf_sflow_v5_decode_counters
 * reads them (below).  Other samples and records (other formats or enterprises) are skipped by
 * their length.  A flow sample with a malformed record is dropped as a whole and counted as a
 * decode error.
 *
 * The exporter of the flows is out->exporter (the UDP source address), as for NetFlow: the
 * devices file maps it to a device.  The agent address in the datagram is parsed and checked but
 * does not pick the device; it normally equals the UDP source, and where it does not (NAT, an
 * sFlow relay) the UDP source is what the devices file must name.
 */
#ifndef KF_SFLOW_V5_H
#define KF_SFLOW_V5_H

#include <stdbool.h>

#include "collector/flow_decode.h"
#include "store/counter_file.h"

#define KF_SFLOW_V5_VERSION 5

/* The datagram header. */
typedef struct kf_sflow_header
{
	kf_addr		agent;
	uint32_t	sub_agent_id;
	uint32_t	sequence;
	uint32_t	uptime_ms;
	uint32_t	samples;		/* the number of samples the header announces */
	size_t		header_len;		/* where the first sample starts */
} kf_sflow_header;

/* True when buf starts like an sFlow v5 datagram: version 5 as 32 bits, address type 1 or 2. */
bool		kf_sflow_v5_recognised(const uint8_t *buf, size_t len);

/* Parses the datagram header; returns 0, or -1 when it is not a complete sFlow v5 header. */
int			kf_sflow_v5_parse_header(const uint8_t *buf, size_t len, kf_sflow_header *h);

/*
 * Decodes one datagram and emits a flow per flow sample.  Returns 0 when the header was valid
 * (samples or records that do not fit are counted as decode errors and skipped or, when their
 * length leaves the datagram, end it), or -1 (a decode error, nothing emitted) when it was not.
 */
int			kf_sflow_v5_decode(const uint8_t *buf, size_t len, const kf_decode_out *out);

/* ---------------------------------------------------------------- counter samples */

typedef void (*kf_counter_emit_fn) (void *ctx, kf_addr exporter, const kf_counter_row *row);

/* What decoding counter samples produced; the decoder only ever adds to these. */
typedef struct kf_counter_decode_counts
{
	uint64_t	interface_records;	/* generic interface counters records emitted as rows */
	uint64_t	decode_errors;	/* counter samples dropped because they (or a record) were malformed */
} kf_counter_decode_counts;

/* Where one datagram's counter rows go. */
typedef struct kf_counter_decode_out
{
	kf_addr		exporter;		/* the UDP source address: the device, exactly as for the flows */
	int64_t		received;		/* the rows' ctimestamp: the time the flows of the datagram get */
	kf_counter_emit_fn emit;
	void	   *emit_ctx;
	kf_counter_decode_counts *counts;
} kf_counter_decode_out;

/*
 * Emits one row per generic interface counters record (enterprise 0, format 1) of the counter
 * samples (2) and expanded counter samples (4) of a datagram; every other sample and record is
 * skipped by its length.  A counter sample whose records do not fit it, or whose generic record
 * is shorter than the 88 bytes the format defines, is dropped as a whole (no row of it is emitted)
 * and counted in decode_errors.  Returns 0, or -1 (nothing emitted) when the datagram header is
 * not valid sFlow v5; that is not counted here (kf_sflow_v5_decode counts it for the packet).
 */
int			kf_sflow_v5_decode_counters(const uint8_t *buf, size_t len, const kf_counter_decode_out *out);

#endif							/* KF_SFLOW_V5_H */
