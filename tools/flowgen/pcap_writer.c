/*
 * pcap_writer.c -- classic pcap (microsecond, link type Ethernet) output with correct IPv4 header
 * and UDP checksums, buffered in large blocks because the benchmark writes gigabytes.
 */
#include "tools/flowgen/pcap_writer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/flowgen/byte_writer.h"

#define PCAP_MAGIC_USEC 0xa1b2c3d4
#define LINKTYPE_ETHERNET 1
#define ETH_HEADER 14
#define IPV4_HEADER 20
#define UDP_HEADER 8
#define OUTPUT_BUFFER (4 << 20)

struct pcap_writer
{
	FILE	   *file;
	char	   *path;
	char	   *buffer;
	uint32_t	dst_v4;
	uint16_t	dst_port;
	uint16_t	ip_id;
	int64_t		current_second;
	uint32_t	packets_this_second;
};

/* pcap file and record headers are in the writer's byte order; we write little-endian. */
static void
put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t) v;
	p[1] = (uint8_t) (v >> 8);
	p[2] = (uint8_t) (v >> 16);
	p[3] = (uint8_t) (v >> 24);
}

static void
put_le16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t) v;
	p[1] = (uint8_t) (v >> 8);
}

pcap_writer *
pcap_writer_open(const char *path, uint32_t dst_v4, uint16_t dst_port, fg_error *err)
{
	pcap_writer *w = calloc(1, sizeof(*w));
	uint8_t		header[24];

	if (!w || !(w->path = strdup(path)) || !(w->buffer = malloc(OUTPUT_BUFFER)))
	{
		if (w)
			free(w->path);
		free(w);
		fg_error_set(err, "out of memory opening %s", path);
		return NULL;
	}
	if (!(w->file = fopen(path, "wb")))
	{
		fg_error_set(err, "cannot create %s: %s", path, strerror(errno));
		free(w->buffer);
		free(w->path);
		free(w);
		return NULL;
	}
	setvbuf(w->file, w->buffer, _IOFBF, OUTPUT_BUFFER);
	w->dst_v4 = dst_v4;
	w->dst_port = dst_port;
	w->current_second = -1;
	put_le32(header, PCAP_MAGIC_USEC);
	put_le16(header + 4, 2);
	put_le16(header + 6, 4);
	put_le32(header + 8, 0);	/* thiszone */
	put_le32(header + 12, 0);	/* sigfigs */
	put_le32(header + 16, 65535);	/* snaplen */
	put_le32(header + 20, LINKTYPE_ETHERNET);
	fwrite(header, 1, sizeof(header), w->file);
	return w;
}

/* One's-complement sum of 16-bit big-endian words (odd trailing byte padded with zero). */
static uint32_t
ones_sum(const uint8_t *p, size_t n, uint32_t sum)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t) p[i] << 8 | p[i + 1];
	if (n % 2)
		sum += (uint32_t) p[n - 1] << 8;
	return sum;
}

static uint16_t
fold_checksum(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t) ~sum;
}

static void
write_ipv4_header(byte_writer *w, pcap_writer *pw, uint32_t src_v4, size_t udp_length)
{
	uint8_t    *start = w->pos;

	bw_u8(w, 0x45);
	bw_u8(w, 0);
	bw_u16(w, (uint32_t) (IPV4_HEADER + udp_length));
	bw_u16(w, pw->ip_id++);
	bw_u16(w, 0x4000);			/* don't fragment */
	bw_u8(w, 64);
	bw_u8(w, 17);
	bw_u16(w, 0);				/* checksum, filled below */
	bw_u32(w, src_v4);
	bw_u32(w, pw->dst_v4);

	uint16_t	checksum = fold_checksum(ones_sum(start, IPV4_HEADER, 0));

	start[10] = (uint8_t) (checksum >> 8);
	start[11] = (uint8_t) checksum;
}

/* UDP checksum over the pseudo header, UDP header and payload; 0 is sent as 0xffff. */
static void
write_udp_header(byte_writer *w, uint32_t src_v4, uint16_t src_port, uint32_t dst_v4, uint16_t dst_port,
				 const uint8_t *payload, size_t length)
{
	uint8_t    *start = w->pos;
	uint32_t	udp_length = (uint32_t) (UDP_HEADER + length);

	bw_u16(w, src_port);
	bw_u16(w, dst_port);
	bw_u16(w, udp_length);
	bw_u16(w, 0);

	uint32_t	sum = (src_v4 >> 16) + (src_v4 & 0xffff) + (dst_v4 >> 16) + (dst_v4 & 0xffff) + 17 + udp_length;
	uint16_t	checksum = fold_checksum(ones_sum(payload, length, ones_sum(start, UDP_HEADER, sum)));

	if (checksum == 0)
		checksum = 0xffff;
	start[6] = (uint8_t) (checksum >> 8);
	start[7] = (uint8_t) checksum;
}

int
pcap_writer_add(pcap_writer *w, uint32_t src_v4, uint16_t src_port, int64_t second,
				const uint8_t *payload, size_t length, fg_error *err)
{
	uint8_t		frame[16 + ETH_HEADER + IPV4_HEADER + UDP_HEADER];
	static const uint8_t macs[12] = {0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02};
	size_t		wire_length = ETH_HEADER + IPV4_HEADER + UDP_HEADER + length;

	if (second != w->current_second)
	{
		w->current_second = second;
		w->packets_this_second = 0;
	}

	/* record header, then the frame headers; the payload follows as is */
	put_le32(frame, (uint32_t) second);
	put_le32(frame + 4, w->packets_this_second++ % 1000000);
	put_le32(frame + 8, (uint32_t) wire_length);
	put_le32(frame + 12, (uint32_t) wire_length);

	byte_writer bw = bw_begin(frame + 16);

	bw_bytes(&bw, macs, sizeof(macs));
	bw_u16(&bw, 0x0800);
	write_ipv4_header(&bw, w, src_v4, UDP_HEADER + length);
	write_udp_header(&bw, src_v4, src_port, w->dst_v4, w->dst_port, payload, length);
	if (fwrite(frame, 1, sizeof(frame), w->file) != sizeof(frame) || fwrite(payload, 1, length, w->file) != length)
		return fg_error_set(err, "cannot write %s: %s", w->path, strerror(errno));
	return 0;
}

int
pcap_writer_close(pcap_writer *w, fg_error *err)
{
	int			failed = ferror(w->file);
	int			rc = 0;

	if (fclose(w->file) != 0 || failed)
		rc = fg_error_set(err, "cannot write %s: %s", w->path, strerror(errno));
	free(w->buffer);
	free(w->path);
	free(w);
	return rc;
}
