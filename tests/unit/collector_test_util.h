/*
 * collector_test_util.h -- helpers shared by the collector unit tests: reading the UDP payloads
 * of a test capture into memory, collecting the flows a decoder emits, and building packets byte
 * by byte.  Header-only (static functions) because the build links each tests/unit/test_*.c on
 * its own.  Captures are read relative to the repository root, where tests/run_all.sh runs tests.
 */
#ifndef KF_COLLECTOR_TEST_UTIL_H
#define KF_COLLECTOR_TEST_UTIL_H

#include <stdlib.h>
#include <string.h>

#include "collector/addr_text.h"
#include "collector/flow_packet.h"
#include "collector/pcap_reader.h"

#define TEST_CAPTURES "tests/data/captures/"
#define MAX_TEST_PACKETS 256
#define MAX_TEST_FLOWS 4096

typedef struct test_packet
{
	kf_addr		src;
	uint8_t    *data;
	size_t		len;
} test_packet;

typedef struct test_capture
{
	test_packet packets[MAX_TEST_PACKETS];
	size_t		count;
} test_capture;

typedef struct test_flows
{
	kf_flow		flows[MAX_TEST_FLOWS];
	kf_addr		exporters[MAX_TEST_FLOWS];
	size_t		count;
} test_flows;

static inline void
test_capture_add(void *ctx, const kf_udp_payload *p)
{
	test_capture *c = ctx;

	if (c->count == MAX_TEST_PACKETS)
		return;
	test_packet *t = &c->packets[c->count++];

	t->src = p->src;
	t->len = p->len;
	t->data = malloc(p->len ? p->len : 1);
	memcpy(t->data, p->data, p->len);
}

/* Reads the UDP payloads of tests/data/captures/name; returns the packet count (0 on error). */
static inline size_t
test_capture_load(test_capture *c, const char *name)
{
	char		path[512];
	kf_pcap_stats stats;
	kf_error	err;

	memset(&stats, 0, sizeof(stats));
	c->count = 0;
	snprintf(path, sizeof(path), TEST_CAPTURES "%s", name);
	if (kf_pcap_read(path, test_capture_add, c, &stats, &err) < 0)
	{
		printf("# %s\n", err.msg);
		return 0;
	}
	return c->count;
}

static inline void
test_capture_free(test_capture *c)
{
	for (size_t i = 0; i < c->count; i++)
		free(c->packets[i].data);
	c->count = 0;
}

static inline void
test_flows_emit(void *ctx, kf_addr exporter, const kf_flow *flow)
{
	test_flows *f = ctx;

	if (f->count == MAX_TEST_FLOWS)
		return;
	f->exporters[f->count] = exporter;
	f->flows[f->count++] = *flow;
}

/* Decodes every packet of a capture with a fresh decoder into flows; returns the decoder. */
static inline kf_flow_decoder *
test_decode_capture(const char *name, test_flows *flows)
{
	test_capture *c = calloc(1, sizeof(*c));
	kf_flow_decoder *d = kf_flow_decoder_new(test_flows_emit, flows);

	flows->count = 0;
	test_capture_load(c, name);
	for (size_t i = 0; i < c->count; i++)
		kf_flow_decoder_packet(d, c->packets[i].src, c->packets[i].data, c->packets[i].len, 0);
	test_capture_free(c);
	free(c);
	return d;
}

/* The text form of an address, for CHECK_STR_EQ (rotates through a few buffers). */
static inline const char *
test_addr(kf_addr a)
{
	static char bufs[4][KF_ADDR_TEXT_MAX];
	static int	next;
	char	   *b = bufs[next++ % 4];

	return kf_addr_format(a, b, KF_ADDR_TEXT_MAX);
}

static inline kf_addr
test_parse_addr(const char *text)
{
	kf_addr		a = {0, 0};

	kf_addr_parse(text, &a);
	return a;
}

/* Field-by-field equality of two decoded flows (tags are not set by decoders). */
static inline bool
test_flow_equal(const kf_flow *a, const kf_flow *b)
{
	return a->ctimestamp == b->ctimestamp && kf_addr_cmp(a->src_addr, b->src_addr) == 0 &&
		kf_addr_cmp(a->dst_addr, b->dst_addr) == 0 && kf_addr_cmp(a->next_hop, b->next_hop) == 0 &&
		a->l4_src_port == b->l4_src_port && a->l4_dst_port == b->l4_dst_port &&
		a->protocol == b->protocol && a->tcp_flags == b->tcp_flags && a->tos == b->tos &&
		a->in_bytes == b->in_bytes && a->in_pkts == b->in_pkts && a->out_bytes == b->out_bytes &&
		a->out_pkts == b->out_pkts && a->input_port == b->input_port &&
		a->output_port == b->output_port && a->src_as == b->src_as && a->dst_as == b->dst_as &&
		a->vlan_in == b->vlan_in && a->vlan_out == b->vlan_out && a->sample_rate == b->sample_rate;
}

/* A packet under construction: big-endian writers that append. */
typedef struct test_buf
{
	uint8_t		b[4096];
	size_t		len;
} test_buf;

static inline void
put_be(test_buf *t, uint64_t v, size_t bytes)
{
	for (size_t i = 0; i < bytes; i++)
		t->b[t->len + i] = (uint8_t) (v >> (8 * (bytes - 1 - i)));
	t->len += bytes;
}

static inline void
put8(test_buf *t, uint64_t v)
{
	put_be(t, v, 1);
}

static inline void
put16(test_buf *t, uint64_t v)
{
	put_be(t, v, 2);
}

static inline void
put32(test_buf *t, uint64_t v)
{
	put_be(t, v, 4);
}

/* Overwrites a 16-bit value at off (lengths known only at the end). */
static inline void
patch16(test_buf *t, size_t off, uint64_t v)
{
	t->b[off] = (uint8_t) (v >> 8);
	t->b[off + 1] = (uint8_t) v;
}

/* ---- NetFlow v9 packets built byte by byte (shared by the packet and template tests) */

/* NetFlow v9 header with the given source id; returns the buffer. */
static inline void
v9_header(test_buf *t, uint32_t unix_secs, uint32_t source_id)
{
	t->len = 0;
	put16(t, 9);
	put16(t, 1);
	put32(t, 1000);				/* sysUptime */
	put32(t, unix_secs);
	put32(t, 1);				/* sequence */
	put32(t, source_id);
}

/* Template 300: IPv4 src (8), IPv4 dst (12), bytes (1, 4 bytes), protocol (4, 1 byte). */
static inline void
v9_template_300_src_first(test_buf *t)
{
	size_t		start = t->len;

	put16(t, 0);
	put16(t, 0);
	put16(t, 300);
	put16(t, 4);
	put16(t, 8); put16(t, 4);
	put16(t, 12); put16(t, 4);
	put16(t, 1); put16(t, 4);
	put16(t, 4); put16(t, 1);
	patch16(t, start + 2, t->len - start);
}

/* Template 300 of another exporter: IPv4 dst first, then src, packets (2) instead of bytes. */
static inline void
v9_template_300_dst_first(test_buf *t)
{
	size_t		start = t->len;

	put16(t, 0);
	put16(t, 0);
	put16(t, 300);
	put16(t, 4);
	put16(t, 12); put16(t, 4);
	put16(t, 8); put16(t, 4);
	put16(t, 2); put16(t, 4);
	put16(t, 4); put16(t, 1);
	patch16(t, start + 2, t->len - start);
}

/* One data flowset 300 with one 13-byte record (3 bytes of padding to a 4-byte boundary). */
static inline void
v9_data_300(test_buf *t, uint32_t a, uint32_t b, uint32_t counter, uint8_t proto)
{
	size_t		start = t->len;

	put16(t, 300);
	put16(t, 0);
	put32(t, a);
	put32(t, b);
	put32(t, counter);
	put8(t, proto);
	put8(t, 0); put8(t, 0); put8(t, 0);
	patch16(t, start + 2, t->len - start);
}

#endif							/* KF_COLLECTOR_TEST_UTIL_H */
