/*
 * pcap_reader.h -- reads a pcap / pcapng file and hands over the UDP payloads it carries, with the
 * exporter (IP source) address.  Link layers: Ethernet (with 802.1Q / QinQ tags), Linux cooked
 * (SLL, SLL2), raw IP and BSD loopback; IPv4 and IPv6 (extension headers skipped).  The link layer
 * parser is shared with the flow meter (kf_link_find_ip), so kflowd has one.
 */
#ifndef KF_PCAP_READER_H
#define KF_PCAP_READER_H

#include <stddef.h>
#include <stdint.h>

#include <pcap/pcap.h>

#include "store/store.h"

typedef struct kf_udp_payload
{
	kf_addr		src;			/* IP source address: the exporter */
	uint16_t	src_port;
	uint16_t	dst_port;
	const uint8_t *data;
	size_t		len;
	int64_t		captured;		/* capture time, epoch seconds (kf_pcap_read; 0 from kf_link_extract_udp) */
} kf_udp_payload;

/* What kf_link_extract_udp found in a frame. */
typedef enum kf_frame_result
{
	KF_FRAME_UDP,				/* out is filled */
	KF_FRAME_NOT_UDP,			/* not IP, or IP but not UDP */
	KF_FRAME_FRAGMENT,			/* a non-first IP fragment: no UDP header to read */
	KF_FRAME_MALFORMED			/* headers do not fit the captured bytes */
} kf_frame_result;

typedef struct kf_pcap_stats
{
	uint64_t	frames;
	uint64_t	udp;
	uint64_t	not_udp;
	uint64_t	fragments;
	uint64_t	malformed;
} kf_pcap_stats;

typedef void (*kf_udp_payload_fn) (void *ctx, const kf_udp_payload *payload);

/* Where the IP packet of a frame starts, as kf_link_find_ip finds it. */
typedef struct kf_link_ip
{
	const uint8_t *ip;			/* the IP header */
	size_t		len;			/* captured bytes from ip on (may be less than the packet) */
	int			version;		/* 4 or 6, from the link layer's protocol field (or the first nibble
								 * for raw IP); the header itself is not checked */
	uint32_t	vlan;			/* the outermost 802.1Q / QinQ tag's VLAN id, 0 without a tag */
} kf_link_ip;

/* What kf_link_find_ip found. */
typedef enum kf_link_result
{
	KF_LINK_IP,					/* out is filled */
	KF_LINK_NOT_IP,				/* ARP, LLDP, an unknown link type ... */
	KF_LINK_MALFORMED			/* the link header does not fit the captured bytes */
} kf_link_result;

/* Pure parser: finds the IP header of one captured frame of link type dlt (a DLT_* value). */
kf_link_result kf_link_find_ip(int dlt, const uint8_t *frame, size_t caplen, kf_link_ip *out);

/* Pure parser: finds the UDP payload of one captured frame of link type dlt (a DLT_* value). */
kf_frame_result kf_link_extract_udp(int dlt, const uint8_t *frame, size_t caplen, kf_udp_payload *out);

/* True when kf_link_extract_udp understands link type dlt. */
int			kf_link_supported(int dlt);

/* Opens a pcap / pcapng file whose link type is supported and tells it (*dlt); NULL with a
 * message naming the file otherwise.  The caller pcap_close()s it. */
pcap_t	   *kf_pcap_open_capture(const char *path, int *dlt, kf_error *err);

/*
 * Calls fn for every UDP payload in the file, in file order.  Returns 0, or -1 with a message
 * naming the file when it cannot be opened / read or has an unsupported link type.
 */
int			kf_pcap_read(const char *path, kf_udp_payload_fn fn, void *ctx, kf_pcap_stats *stats,
						 kf_error *err);

#endif							/* KF_PCAP_READER_H */
