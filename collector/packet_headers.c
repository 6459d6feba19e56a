/*
 * packet_headers.c -- bounds-checked decoding of captured frame prefixes (see packet_headers.h).
 *
 * Each layer function receives the bytes from its header to the end of the capture and hands
 * the rest to the next layer only when its own header was complete.  An IP header's length
 * fields cut the capture further (Ethernet trailer padding is not payload).
 */
#include "collector/packet_headers.h"

#include "collector/addr_text.h"
#include "collector/flow_decode.h"

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8
#define ETHERTYPE_QINQ_OLD 0x9100
#define ETHERTYPE_MPLS 0x8847
#define ETHERTYPE_MPLS_MULTICAST 0x8848
#define ETHERNET_HEADER_LEN 14
#define VLAN_TAG_LEN 4
#define MAX_VLAN_TAGS 4
#define MPLS_ENTRY_LEN 4
#define IPV4_MIN_HEADER_LEN 20
#define IPV6_HEADER_LEN 40
#define MAX_IPV6_EXT_HEADERS 8

#define PROTO_HOP_BY_HOP 0
#define PROTO_ICMP 1
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_ROUTING 43
#define PROTO_FRAGMENT 44
#define PROTO_AH 51
#define PROTO_ICMPV6 58
#define PROTO_DEST_OPTIONS 60
#define PROTO_SCTP 132

/* Ports, TCP flags or ICMP type and code of an unfragmented (or first-fragment) payload. */
static unsigned
decode_transport(uint8_t protocol, const uint8_t *p, size_t len, kf_flow *flow)
{
	if (protocol == PROTO_ICMP || protocol == PROTO_ICMPV6)
	{
		if (len < 2)
			return 0;
		flow->l4_src_port = 0;
		flow->l4_dst_port = (uint32_t) p[0] * 256 + p[1];
		return KF_HEADERS_PORTS;
	}
	if (protocol != PROTO_TCP && protocol != PROTO_UDP && protocol != PROTO_SCTP)
		return 0;
	if (len < 4)
		return 0;
	flow->l4_src_port = (uint32_t) kf_read_be(p, 2);
	flow->l4_dst_port = (uint32_t) kf_read_be(p + 2, 2);
	if (protocol != PROTO_TCP || len < 14)
		return KF_HEADERS_PORTS;
	flow->tcp_flags = p[13];
	return KF_HEADERS_PORTS | KF_HEADERS_TCP_FLAGS;
}

static unsigned
decode_ipv4(const uint8_t *p, size_t len, kf_flow *flow)
{
	if (len < IPV4_MIN_HEADER_LEN || (p[0] >> 4) != 4)
		return 0;
	flow->src_addr = kf_addr_from_v4((uint32_t) kf_read_be(p + 12, 4));
	flow->dst_addr = kf_addr_from_v4((uint32_t) kf_read_be(p + 16, 4));
	flow->tos = p[1];
	flow->protocol = p[9];
	unsigned	found = KF_HEADERS_IP | KF_HEADERS_PROTOCOL;
	size_t		ihl = (size_t) (p[0] & 0x0f) * 4;
	size_t		total = (size_t) kf_read_be(p + 2, 2);
	bool		later_fragment = (kf_read_be(p + 6, 2) & 0x1fff) != 0;

	if (ihl < IPV4_MIN_HEADER_LEN || ihl > len || later_fragment)
		return found;
	if (total >= ihl && total < len)
		len = total;
	return found | decode_transport(p[9], p + ihl, len - ihl, flow);
}

/* Walks the extension header chain to the upper-layer protocol (RFC 8200 section 4). */
static unsigned
decode_ipv6(const uint8_t *p, size_t len, kf_flow *flow)
{
	if (len < IPV6_HEADER_LEN || (p[0] >> 4) != 6)
		return 0;
	flow->src_addr = kf_addr_from_bytes16(p + 8);
	flow->dst_addr = kf_addr_from_bytes16(p + 24);
	flow->tos = (uint32_t) ((kf_read_be(p, 2) >> 4) & 0xff);
	unsigned	found = KF_HEADERS_IP;
	size_t		payload = (size_t) kf_read_be(p + 4, 2);
	uint8_t		next = p[6];
	size_t		off = IPV6_HEADER_LEN;
	bool		later_fragment = false;

	if (payload > 0 && IPV6_HEADER_LEN + payload < len)
		len = IPV6_HEADER_LEN + payload;
	for (int i = 0; i < MAX_IPV6_EXT_HEADERS; i++)
	{
		bool		is_extension = next == PROTO_HOP_BY_HOP || next == PROTO_ROUTING ||
			next == PROTO_FRAGMENT || next == PROTO_AH || next == PROTO_DEST_OPTIONS;

		if (!is_extension)
			break;
		if (len - off < 8)
			return found;
		size_t		ext_len;

		if (next == PROTO_FRAGMENT)
		{
			later_fragment = (kf_read_be(p + off + 2, 2) & 0xfff8) != 0;
			ext_len = 8;
		}
		else if (next == PROTO_AH)
			ext_len = ((size_t) p[off + 1] + 2) * 4;
		else
			ext_len = ((size_t) p[off + 1] + 1) * 8;
		if (ext_len > len - off)
			return found;
		next = p[off];
		off += ext_len;
	}
	flow->protocol = next;
	found |= KF_HEADERS_PROTOCOL;
	if (later_fragment)
		return found;
	return found | decode_transport(next, p + off, len - off, flow);
}

/* An IP packet after an MPLS stack: RFC 4385 has no type field, so go by the version nibble. */
static unsigned
decode_mpls(const uint8_t *p, size_t len, kf_flow *flow)
{
	size_t		off = 0;

	for (;;)
	{
		if (len - off < MPLS_ENTRY_LEN)
			return 0;
		bool		bottom = (p[off + 2] & 1) != 0;

		off += MPLS_ENTRY_LEN;
		if (bottom)
			break;
	}
	if (len - off < 1)
		return 0;
	if ((p[off] >> 4) == 4)
		return decode_ipv4(p + off, len - off, flow);
	if ((p[off] >> 4) == 6)
		return decode_ipv6(p + off, len - off, flow);
	return 0;
}

static unsigned
decode_ethertype(uint16_t type, const uint8_t *p, size_t len, kf_flow *flow)
{
	switch (type)
	{
		case ETHERTYPE_IPV4:
			return decode_ipv4(p, len, flow);
		case ETHERTYPE_IPV6:
			return decode_ipv6(p, len, flow);
		case ETHERTYPE_MPLS:
		case ETHERTYPE_MPLS_MULTICAST:
			return decode_mpls(p, len, flow);
		default:
			return 0;
	}
}

static unsigned
decode_ethernet(const uint8_t *p, size_t len, kf_flow *flow)
{
	if (len < ETHERNET_HEADER_LEN)
		return 0;
	uint16_t	type = (uint16_t) kf_read_be(p + 12, 2);
	size_t		off = ETHERNET_HEADER_LEN;
	unsigned	found = 0;

	for (int tags = 0; type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ || type == ETHERTYPE_QINQ_OLD; tags++)
	{
		if (tags == MAX_VLAN_TAGS || len - off < VLAN_TAG_LEN)
			return found;
		if (tags == 0)
		{
			flow->vlan_in = (uint32_t) (kf_read_be(p + off, 2) & 0x0fff);
			found = KF_HEADERS_VLAN;
		}
		type = (uint16_t) kf_read_be(p + off + 2, 2);
		off += VLAN_TAG_LEN;
	}
	return found | decode_ethertype(type, p + off, len - off, flow);
}

unsigned
kf_packet_headers_decode(kf_header_start start, const uint8_t *p, size_t len, kf_flow *flow)
{
	switch (start)
	{
		case KF_HEADER_ETHERNET:
			return decode_ethernet(p, len, flow);
		case KF_HEADER_IPV4:
			return decode_ipv4(p, len, flow);
		case KF_HEADER_IPV6:
			return decode_ipv6(p, len, flow);
		case KF_HEADER_MPLS:
			return decode_mpls(p, len, flow);
	}
	return 0;
}
