/*
 * pcap_reader.c -- link layer and IP parsing of captured frames (see pcap_reader.h).
 *
 * libpcap reads the file (pcap or pcapng); everything after that is our own bounds-checked
 * parsing, since capture files are untrusted input.  The UDP payload is cut to what was captured
 * and to the UDP length, whichever is shorter: decoders then reject what is missing.
 */
#include "collector/pcap_reader.h"

#include <pcap/pcap.h>
#include <string.h>

#include "collector/addr_text.h"
#include "collector/flow_decode.h"

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8
#define ETHERTYPE_QINQ_OLD 0x9100
#define IPPROTO_UDP_NUMBER 17
#define MAX_VLAN_TAGS 4
#define MAX_IPV6_EXT_HEADERS 8

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

static kf_frame_result
parse_udp(const uint8_t *p, size_t len, kf_addr src, kf_udp_payload *out)
{
	if (len < 8)
		return KF_FRAME_MALFORMED;
	size_t		udp_len = (size_t) kf_read_be(p + 4, 2);

	if (udp_len < 8)
		return KF_FRAME_MALFORMED;
	out->src = src;
	out->src_port = (uint16_t) kf_read_be(p, 2);
	out->dst_port = (uint16_t) kf_read_be(p + 2, 2);
	out->data = p + 8;
	out->len = (udp_len < len ? udp_len : len) - 8;
	out->captured = 0;
	return KF_FRAME_UDP;
}

static kf_frame_result
parse_ipv4(const uint8_t *p, size_t len, kf_udp_payload *out)
{
	if (len < 20 || (p[0] >> 4) != 4)
		return KF_FRAME_MALFORMED;
	size_t		ihl = (size_t) (p[0] & 0x0f) * 4;
	size_t		total = (size_t) kf_read_be(p + 2, 2);

	if (ihl < 20 || ihl > len || total < ihl)
		return KF_FRAME_MALFORMED;
	if (total < len)
		len = total;			/* drop Ethernet trailer padding */
	if ((kf_read_be(p + 6, 2) & 0x1fff) != 0)
		return KF_FRAME_FRAGMENT;
	if (p[9] != IPPROTO_UDP_NUMBER)
		return KF_FRAME_NOT_UDP;
	return parse_udp(p + ihl, len - ihl, kf_addr_from_v4((uint32_t) kf_read_be(p + 12, 4)), out);
}

/* Walks the IPv6 extension header chain to the UDP header. */
static kf_frame_result
parse_ipv6(const uint8_t *p, size_t len, kf_udp_payload *out)
{
	if (len < 40 || (p[0] >> 4) != 6)
		return KF_FRAME_MALFORMED;
	size_t		payload = (size_t) kf_read_be(p + 4, 2);

	if (payload > 0 && 40 + payload < len)
		len = 40 + payload;
	kf_addr		src = kf_addr_from_bytes16(p + 8);
	uint8_t		next = p[6];
	size_t		off = 40;

	for (int i = 0; i < MAX_IPV6_EXT_HEADERS; i++)
	{
		if (next == IPPROTO_UDP_NUMBER)
			return parse_udp(p + off, len - off, src, out);
		if (next != 0 && next != 43 && next != 44 && next != 60)
			return KF_FRAME_NOT_UDP;
		if (len - off < 8)
			return KF_FRAME_MALFORMED;
		if (next == 44)
		{
			if ((kf_read_be(p + off + 2, 2) & 0xfff8) != 0)
				return KF_FRAME_FRAGMENT;
			next = p[off];
			off += 8;
			continue;
		}
		size_t		ext_len = ((size_t) p[off + 1] + 1) * 8;

		if (ext_len > len - off)
			return KF_FRAME_MALFORMED;
		next = p[off];
		off += ext_len;
	}
	return KF_FRAME_NOT_UDP;
}

/* An ethertype (Ethernet, SLL, SLL2) that says IPv4 or IPv6 gives the IP header's position. */
static kf_link_result
ip_by_ethertype(uint16_t type, const uint8_t *p, size_t len, uint32_t vlan, kf_link_ip *out)
{
	if (type != ETHERTYPE_IPV4 && type != ETHERTYPE_IPV6)
		return KF_LINK_NOT_IP;
	out->ip = p;
	out->len = len;
	out->version = type == ETHERTYPE_IPV4 ? 4 : 6;
	out->vlan = vlan;
	return KF_LINK_IP;
}

static kf_link_result
find_ip_ethernet(const uint8_t *p, size_t len, kf_link_ip *out)
{
	if (len < 14)
		return KF_LINK_MALFORMED;
	uint16_t	type = (uint16_t) kf_read_be(p + 12, 2);
	size_t		off = 14;
	uint32_t	vlan = 0;

	for (int tags = 0; type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ || type == ETHERTYPE_QINQ_OLD; tags++)
	{
		if (tags == MAX_VLAN_TAGS || len - off < 4)
			return KF_LINK_MALFORMED;
		if (tags == 0)
			vlan = (uint32_t) (kf_read_be(p + off, 2) & 0x0fff);
		type = (uint16_t) kf_read_be(p + off + 2, 2);
		off += 4;
	}
	return ip_by_ethertype(type, p + off, len - off, vlan, out);
}

/* Raw IP has no protocol field: the version nibble decides. */
static kf_link_result
find_ip_raw(const uint8_t *p, size_t len, kf_link_ip *out)
{
	if (len < 1)
		return KF_LINK_MALFORMED;
	if ((p[0] >> 4) == 4)
		return ip_by_ethertype(ETHERTYPE_IPV4, p, len, 0, out);
	if ((p[0] >> 4) == 6)
		return ip_by_ethertype(ETHERTYPE_IPV6, p, len, 0, out);
	return KF_LINK_NOT_IP;
}

/* BSD loopback: a 4-byte address family in the capturing host's byte order. */
static kf_link_result
find_ip_null(const uint8_t *p, size_t len, kf_link_ip *out)
{
	if (len < 4)
		return KF_LINK_MALFORMED;
	uint32_t	family_le = (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
	uint32_t	family_be = (uint32_t) kf_read_be(p, 4);
	uint32_t	family = family_le < 256 ? family_le : family_be;

	if (family == 2)
		return ip_by_ethertype(ETHERTYPE_IPV4, p + 4, len - 4, 0, out);
	if (family == 24 || family == 28 || family == 30 || family == 10)
		return ip_by_ethertype(ETHERTYPE_IPV6, p + 4, len - 4, 0, out);
	return KF_LINK_NOT_IP;
}

int
kf_link_supported(int dlt)
{
	switch (dlt)
	{
		case DLT_EN10MB:
		case DLT_LINUX_SLL:
		case DLT_LINUX_SLL2:
		case DLT_RAW:
		case DLT_IPV4:
		case DLT_IPV6:
		case DLT_NULL:
		case DLT_LOOP:
			return 1;
		default:
			return 0;
	}
}

kf_link_result
kf_link_find_ip(int dlt, const uint8_t *frame, size_t caplen, kf_link_ip *out)
{
	switch (dlt)
	{
		case DLT_EN10MB:
			return find_ip_ethernet(frame, caplen, out);
		case DLT_LINUX_SLL:
			/* 16-byte header, protocol (ethertype) in its last two bytes */
			if (caplen < 16)
				return KF_LINK_MALFORMED;
			return ip_by_ethertype((uint16_t) kf_read_be(frame + 14, 2), frame + 16, caplen - 16, 0, out);
		case DLT_LINUX_SLL2:
			/* 20-byte header, protocol (ethertype) first */
			if (caplen < 20)
				return KF_LINK_MALFORMED;
			return ip_by_ethertype((uint16_t) kf_read_be(frame, 2), frame + 20, caplen - 20, 0, out);
		case DLT_RAW:
		case DLT_IPV4:
		case DLT_IPV6:
			return find_ip_raw(frame, caplen, out);
		case DLT_NULL:
		case DLT_LOOP:			/* OpenBSD's loopback: same header, always network byte order */
			return find_ip_null(frame, caplen, out);
		default:
			return KF_LINK_NOT_IP;
	}
}

kf_frame_result
kf_link_extract_udp(int dlt, const uint8_t *frame, size_t caplen, kf_udp_payload *out)
{
	kf_link_ip	ip;

	switch (kf_link_find_ip(dlt, frame, caplen, &ip))
	{
		case KF_LINK_IP:
			break;
		case KF_LINK_NOT_IP:
			return KF_FRAME_NOT_UDP;
		case KF_LINK_MALFORMED:
			return KF_FRAME_MALFORMED;
	}
	return ip.version == 4 ? parse_ipv4(ip.ip, ip.len, out) : parse_ipv6(ip.ip, ip.len, out);
}

static void
count_frame(kf_pcap_stats *stats, kf_frame_result r)
{
	stats->frames++;
	switch (r)
	{
		case KF_FRAME_UDP: stats->udp++; break;
		case KF_FRAME_NOT_UDP: stats->not_udp++; break;
		case KF_FRAME_FRAGMENT: stats->fragments++; break;
		case KF_FRAME_MALFORMED: stats->malformed++; break;
	}
}

pcap_t *
kf_pcap_open_capture(const char *path, int *dlt, kf_error *err)
{
	char		errbuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t	   *pc = pcap_open_offline(path, errbuf);

	if (!pc)
	{
		kf_error_set(err, "cannot read capture \"%s\": %s", path, errbuf);
		return NULL;
	}
	*dlt = pcap_datalink(pc);
	if (!kf_link_supported(*dlt))
	{
		kf_error_set(err, "capture \"%s\": unsupported link type %d", path, *dlt);
		pcap_close(pc);
		return NULL;
	}
	return pc;
}

int
kf_pcap_read(const char *path, kf_udp_payload_fn fn, void *ctx, kf_pcap_stats *stats, kf_error *err)
{
	int			dlt;
	pcap_t	   *pc = kf_pcap_open_capture(path, &dlt, err);

	if (!pc)
		return -1;
	struct pcap_pkthdr *hdr;
	const u_char *frame;
	int			rc;

	while ((rc = pcap_next_ex(pc, &hdr, &frame)) == 1)
	{
		kf_udp_payload payload;
		kf_frame_result r = kf_link_extract_udp(dlt, frame, hdr->caplen, &payload);

		count_frame(stats, r);
		if (r == KF_FRAME_UDP)
		{
			payload.captured = (int64_t) hdr->ts.tv_sec;
			fn(ctx, &payload);
		}
	}
	if (rc == PCAP_ERROR)
	{
		kf_error_set(err, "capture \"%s\": %s", path, pcap_geterr(pc));
		pcap_close(pc);
		return -1;
	}
	pcap_close(pc);
	return 0;
}
