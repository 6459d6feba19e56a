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
 * Counter samples (2, 4) are counted and skipped; other samples and records (other formats or
 * enterprises) are skipped by their length.  A flow sample with a malformed record is dropped
 * as a whole and counted as a decode error.
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

#endif							/* KF_SFLOW_V5_H */
