/*
 * flow_record.h -- one generated flow, with its counters as the exporter puts them on the wire
 * (before sampling is undone).  The CSV multiplies the counters by sample_rate, exactly as the
 * collector must.
 */
#ifndef FLOWGEN_FLOW_RECORD_H
#define FLOWGEN_FLOW_RECORD_H

#include <stdbool.h>
#include <stdint.h>

typedef struct gen_flow
{
	int64_t		ctimestamp;		/* export second = packet header time */
	uint32_t	device_id;
	bool		is_ipv6;
	uint32_t	src_v4;			/* host byte order; used when !is_ipv6 */
	uint32_t	dst_v4;
	uint32_t	next_hop_v4;	/* never 0 for IPv4 flows; IPv6 flows export no next hop */
	uint8_t		src_v6[16];		/* network order; used when is_ipv6 */
	uint8_t		dst_v6[16];
	uint16_t	src_port;
	uint16_t	dst_port;		/* ICMP: type * 256 + code */
	uint8_t		protocol;
	uint8_t		tos;
	uint8_t		tcp_flags;
	uint32_t	in_bytes;		/* raw, as exported */
	uint32_t	in_pkts;
	uint32_t	out_bytes;		/* 0 unless the export format carries it */
	uint32_t	out_pkts;
	uint16_t	input_port;
	uint16_t	output_port;
	uint16_t	src_as;
	uint16_t	dst_as;
	uint16_t	vlan_in;		/* 0 on NetFlow v5 */
	uint16_t	vlan_out;
	uint32_t	first_switched;	/* epoch seconds */
	uint32_t	last_switched;
	uint32_t	sample_rate;	/* the device's in-band rate, >= 1 */
} gen_flow;

#endif
