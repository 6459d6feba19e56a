/*
 * packet_headers.h -- decodes the first bytes of a captured frame or packet (what sFlow's raw
 * packet header records carry, and what libpcap metering will hand over) into kf_flow fields:
 * Ethernet II with 802.1Q / QinQ tags, MPLS label stacks, IPv4 (options, fragments), IPv6
 * (common extension headers), TCP / UDP ports and TCP flags, ICMP / ICMPv6 type and code, GRE.
 *
 * Captured prefixes are usually truncated (sFlow agents cut at 128 bytes by default), so the
 * decoder keeps every layer that was complete and reports which ones those were; it never reads
 * beyond len.  It knows nothing about sFlow.
 */
#ifndef KF_PACKET_HEADERS_H
#define KF_PACKET_HEADERS_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* What the first byte of the buffer is. */
typedef enum kf_header_start
{
	KF_HEADER_ETHERNET,			/* Ethernet II destination MAC */
	KF_HEADER_IPV4,
	KF_HEADER_IPV6,
	KF_HEADER_MPLS				/* the top label stack entry */
} kf_header_start;

/* Bits of kf_packet_headers_decode's result: the layers found complete. */
#define KF_HEADERS_VLAN 1u		/* an 802.1Q / QinQ tag: vlan_in */
#define KF_HEADERS_IP 2u		/* IPv4 / IPv6 fixed header: addresses, tos */
#define KF_HEADERS_PROTOCOL 4u	/* the upper-layer protocol: protocol */
#define KF_HEADERS_PORTS 8u		/* TCP / UDP ports, or ICMP type * 256 + code in l4_dst_port */
#define KF_HEADERS_TCP_FLAGS 16u	/* TCP flags */

/*
 * Decodes the headers at p (len captured bytes) into flow and returns the KF_HEADERS_* bits of
 * what it set; fields of missing layers are left untouched.  vlan_in is the VLAN id of the
 * outermost tag.  Ports are read only from first fragments; GRE (and every protocol other than
 * TCP, UDP, SCTP, ICMP, ICMPv6) sets just the protocol.
 */
unsigned	kf_packet_headers_decode(kf_header_start start, const uint8_t *p, size_t len, kf_flow *flow);

#endif							/* KF_PACKET_HEADERS_H */
