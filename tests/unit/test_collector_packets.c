/*
 * test_collector_packets.c -- decoder behaviour on packets built byte by byte, for cases the real
 * captures do not isolate: data before its template, two exporters sharing a template id,
 * sampling from options data / the record / the v5 header, ICMP type and code, enterprise
 * elements, template withdrawal, malformed sets, the link layers of the pcap reader,
 * exporters whose clocks are off, and flow start/end times in every representation (v5 First/Last,
 * v9 FIRST/LAST_SWITCHED across a sysUptime wrap, IPFIX absolute, delta, NTP, duration and
 * sysUptime with systemInitTimeMilliseconds from options data) and the top MPLS label.
 */
#include "tests/unit/unit.h"
#include "tests/unit/collector_test_util.h"

#include "collector/collector_log.h"
#include "collector/flow_sink.h"

static test_flows flows;

static kf_flow_decoder *
new_decoder(void)
{
	flows.count = 0;
	return kf_flow_decoder_new(test_flows_emit, &flows);
}

static void
test_data_before_template(void)
{
	kf_flow_decoder *d = new_decoder();
	kf_addr		exporter = test_parse_addr("192.0.2.1");
	test_buf	t;

	v9_header(&t, 1700000000, 7);
	v9_data_300(&t, 0x0a000001, 0x0a000002, 500, 6);
	CHECK_INT_EQ("data before template: packet accepted", kf_flow_decoder_packet(d, exporter, t.b, t.len, 0), 0);
	CHECK_INT_EQ("data before template: nothing emitted", flows.count, 0);
	CHECK_INT_EQ("data before template: drop counted", kf_flow_decoder_totals(d).counts.no_template_drops, 1);

	v9_header(&t, 1700000001, 7);
	v9_template_300_src_first(&t);
	v9_data_300(&t, 0x0a000001, 0x0a000002, 500, 6);
	kf_flow_decoder_packet(d, exporter, t.b, t.len, 0);
	CHECK_INT_EQ("after template: flow decoded", flows.count, 1);
	CHECK_STR_EQ("after template: src", test_addr(flows.flows[0].src_addr), "10.0.0.1");
	CHECK_INT_EQ("after template: bytes", flows.flows[0].in_bytes, 500);
	CHECK_INT_EQ("after template: padding is not a record", kf_flow_decoder_totals(d).counts.decode_errors, 0);

	/* Same exporter, other source id: the template is not shared. */
	v9_header(&t, 1700000002, 8);
	v9_data_300(&t, 0x0a000001, 0x0a000002, 500, 6);
	kf_flow_decoder_packet(d, exporter, t.b, t.len, 0);
	CHECK_INT_EQ("other source id: dropped", kf_flow_decoder_totals(d).counts.no_template_drops, 2);
	kf_flow_decoder_free(d);
}

static void
test_two_exporters_same_template_id(void)
{
	kf_flow_decoder *d = new_decoder();
	kf_addr		a = test_parse_addr("192.0.2.1"),
				b = test_parse_addr("2001:db8::9");
	test_buf	t;

	v9_header(&t, 1700000000, 0);
	v9_template_300_src_first(&t);
	kf_flow_decoder_packet(d, a, t.b, t.len, 0);
	v9_header(&t, 1700000000, 0);
	v9_template_300_dst_first(&t);
	kf_flow_decoder_packet(d, b, t.b, t.len, 0);

	v9_header(&t, 1700000005, 0);
	v9_data_300(&t, 0x01010101, 0x02020202, 77, 17);
	kf_flow_decoder_packet(d, a, t.b, t.len, 0);
	kf_flow_decoder_packet(d, b, t.b, t.len, 0);
	CHECK_INT_EQ("two exporters: two flows", flows.count, 2);
	CHECK_STR_EQ("exporter A: src first", test_addr(flows.flows[0].src_addr), "1.1.1.1");
	CHECK_INT_EQ("exporter A: bytes", flows.flows[0].in_bytes, 77);
	CHECK_INT_EQ("exporter A: packets", flows.flows[0].in_pkts, 0);
	CHECK_STR_EQ("exporter B: dst first", test_addr(flows.flows[1].src_addr), "2.2.2.2");
	CHECK_STR_EQ("exporter B: dst", test_addr(flows.flows[1].dst_addr), "1.1.1.1");
	CHECK_INT_EQ("exporter B: packets", flows.flows[1].in_pkts, 77);
	CHECK_STR_EQ("exporter B: identity", test_addr(flows.exporters[1]), "2001:db8::9");
	CHECK_INT_EQ("two exporters: counted apart", kf_flow_decoder_exporter_count(d), 2);
	kf_flow_decoder_free(d);
}

/* IPFIX message header; the length is patched by ipfix_finish. */
static void
ipfix_header(test_buf *t, uint32_t export_time, uint32_t domain)
{
	t->len = 0;
	put16(t, 10);
	put16(t, 0);
	put32(t, export_time);
	put32(t, 1);
	put32(t, domain);
}

static void
ipfix_finish(test_buf *t)
{
	patch16(t, 2, t->len);
}

static void
test_ipfix_sampling_from_options(void)
{
	kf_flow_decoder *d = new_decoder();
	kf_addr		exporter = test_parse_addr("198.51.100.1");
	test_buf	t;

	ipfix_header(&t, 1700000000, 5);
	/* options template 400: scope observationDomainId (149, 4), samplingPacketInterval (305, 4) */
	size_t		set = t.len;

	put16(&t, 3); put16(&t, 0);
	put16(&t, 400); put16(&t, 2); put16(&t, 1);
	put16(&t, 149); put16(&t, 4);
	put16(&t, 305); put16(&t, 4);
	put16(&t, 0);				/* 2 bytes of set padding */
	patch16(&t, set + 2, t.len - set);
	/* template 401: src (8), dst (12), octetDeltaCount (1, 8 bytes), packets (2, 2 bytes: reduced
	 * size), enterprise element 1 of PEN 9 (4 bytes), sourceTransportPort (7), icmpTypeCodeIPv4 (32),
	 * samplingInterval (34, 1 byte) */
	set = t.len;
	put16(&t, 2); put16(&t, 0);
	put16(&t, 401); put16(&t, 8);
	put16(&t, 8); put16(&t, 4);
	put16(&t, 12); put16(&t, 4);
	put16(&t, 1); put16(&t, 8);
	put16(&t, 2); put16(&t, 2);
	put16(&t, 0x8000 | 1); put16(&t, 4); put32(&t, 9);
	put16(&t, 7); put16(&t, 2);
	put16(&t, 32); put16(&t, 2);
	put16(&t, 34); put16(&t, 1);
	patch16(&t, set + 2, t.len - set);
	/* options data: domain 5 samples 1 in 64 */
	set = t.len;
	put16(&t, 400); put16(&t, 0);
	put32(&t, 5); put32(&t, 64);
	patch16(&t, set + 2, t.len - set);
	/* data 401: an ICMP echo request without a record sampling rate, then a record with rate 10 */
	set = t.len;
	put16(&t, 401); put16(&t, 0);
	put32(&t, 0xc0000201); put32(&t, 0xc0000202); put_be(&t, 1234, 8); put16(&t, 3);
	put32(&t, 0xdeadbeef); put16(&t, 0); put16(&t, 0x0800); put8(&t, 0);
	put32(&t, 0xc0000203); put32(&t, 0xc0000204); put_be(&t, 99, 8); put16(&t, 1);
	put32(&t, 0); put16(&t, 53); put16(&t, 0); put8(&t, 10);
	patch16(&t, set + 2, t.len - set);
	ipfix_finish(&t);

	CHECK_INT_EQ("ipfix synthetic: accepted", kf_flow_decoder_packet(d, exporter, t.b, t.len, 0), 0);
	CHECK_INT_EQ("ipfix synthetic: two flows", flows.count, 2);
	CHECK_INT_EQ("ipfix synthetic: no errors", kf_flow_decoder_totals(d).counts.decode_errors, 0);
	CHECK_INT_EQ("options sampling applies", flows.flows[0].sample_rate, 64);
	CHECK_INT_EQ("icmp type/code into dst port", flows.flows[0].l4_dst_port, 8 * 256 + 0);
	CHECK_INT_EQ("8-byte octets", flows.flows[0].in_bytes, 1234);
	CHECK_INT_EQ("2-byte packets", flows.flows[0].in_pkts, 3);
	CHECK_INT_EQ("enterprise element ignored", flows.flows[0].l4_src_port, 0);
	CHECK_INT_EQ("record sampling wins", flows.flows[1].sample_rate, 10);
	CHECK_INT_EQ("port kept when icmp is zero", flows.flows[1].l4_src_port, 53);
	CHECK_INT_EQ("ctimestamp is export time", flows.flows[1].ctimestamp, 1700000000);

	/* Withdraw template 401, then its data is a no-template drop. */
	ipfix_header(&t, 1700000001, 5);
	set = t.len;
	put16(&t, 2); put16(&t, 8); put16(&t, 401); put16(&t, 0);
	set = t.len;
	put16(&t, 401); put16(&t, 0);
	put32(&t, 0xc0000201); put32(&t, 0xc0000202); put_be(&t, 1, 8); put16(&t, 1);
	put32(&t, 0); put16(&t, 0); put16(&t, 0); put8(&t, 0);
	patch16(&t, set + 2, t.len - set);
	ipfix_finish(&t);
	flows.count = 0;
	kf_flow_decoder_packet(d, exporter, t.b, t.len, 0);
	CHECK_INT_EQ("withdrawn template: no flow", flows.count, 0);
	CHECK_INT_EQ("withdrawn template: drop counted", kf_flow_decoder_totals(d).counts.no_template_drops, 1);
	kf_flow_decoder_free(d);
}

static void
test_malformed_sets(void)
{
	kf_flow_decoder *d = new_decoder();
	kf_addr		exporter = test_parse_addr("192.0.2.50");
	test_buf	t;

	/* A set claiming more bytes than the message holds. */
	ipfix_header(&t, 1700000000, 0);
	put16(&t, 2); put16(&t, 400);
	put16(&t, 500); put16(&t, 1); put16(&t, 8); put16(&t, 4);
	ipfix_finish(&t);
	kf_flow_decoder_packet(d, exporter, t.b, t.len, 0);
	CHECK_INT_EQ("oversized set: error counted", kf_flow_decoder_totals(d).counts.decode_errors, 1);
	CHECK_INT_EQ("oversized set: template not learnt", kf_template_cache_count(kf_flow_decoder_templates(d)), 0);

	/* A template with more field specifiers than its set holds. */
	ipfix_header(&t, 1700000000, 0);
	put16(&t, 2); put16(&t, 12);
	put16(&t, 500); put16(&t, 3); put16(&t, 8); put16(&t, 4);
	ipfix_finish(&t);
	kf_flow_decoder_packet(d, exporter, t.b, t.len, 0);
	CHECK_INT_EQ("short template: error counted", kf_flow_decoder_totals(d).counts.decode_errors, 2);

	/* A message length beyond the datagram: rejected. */
	ipfix_header(&t, 1700000000, 0);
	ipfix_finish(&t);
	patch16(&t, 2, 100);
	CHECK_INT_EQ("ipfix length beyond datagram rejected", kf_flow_decoder_packet(d, exporter, t.b, t.len, 0), -1);

	/* Unknown version. */
	test_buf	v1 = {{0, 1, 0, 0}, 24};

	CHECK_INT_EQ("version 1 rejected", kf_flow_decoder_packet(d, exporter, v1.b, v1.len, 0), -1);

	/* Variable-length field whose length runs past the set: the record is dropped. */
	ipfix_header(&t, 1700000000, 0);
	size_t		set = t.len;

	put16(&t, 2); put16(&t, 0);
	put16(&t, 600); put16(&t, 2); put16(&t, 8); put16(&t, 4); put16(&t, 82); put16(&t, 0xffff);
	patch16(&t, set + 2, t.len - set);
	set = t.len;
	put16(&t, 600); put16(&t, 0);
	put32(&t, 0x0a000001); put8(&t, 3); put8(&t, 'e'); put8(&t, 't'); put8(&t, 'h');
	put32(&t, 0x0a000002); put8(&t, 200); put8(&t, 'x');
	patch16(&t, set + 2, t.len - set);
	ipfix_finish(&t);
	flows.count = 0;
	kf_flow_decoder_packet(d, exporter, t.b, t.len, 0);
	CHECK_INT_EQ("varlen overrun: first record kept", flows.count, 1);
	/* errors so far: oversized set, short template, message length beyond the datagram, and this */
	CHECK_INT_EQ("varlen overrun: error counted", kf_flow_decoder_totals(d).counts.decode_errors, 4);
	kf_flow_decoder_free(d);
}

/* The cache refuses what exceeds its per-exporter and total limits, and still replaces. */
static void
test_template_limits(void)
{
	kf_template_cache *tc = kf_template_cache_new();
	static kf_template_field fields[KF_TEMPLATE_MAX_FIELDS];
	kf_template_key key = {test_parse_addr("192.0.2.1"), 0, 0, 10};
	int			refused = 0;

	for (int i = 0; i < KF_TEMPLATE_MAX_FIELDS; i++)
		fields[i] = (kf_template_field) {8, 4, 0};
	for (uint32_t id = 256; id < 256 + KF_TEMPLATES_PER_EXPORTER + 10; id++)
	{
		key.template_id = (uint16_t) id;
		refused += kf_template_cache_put(tc, &key, fields, 1, 0, false) < 0;
	}
	CHECK_INT_EQ("per-exporter limit", refused, 10);
	key.template_id = 300;
	CHECK_INT_EQ("replacing within the limit", kf_template_cache_put(tc, &key, fields, 2, 0, false), 0);
	CHECK_INT_EQ("too many fields refused", kf_template_cache_put(tc, &key, fields, KF_TEMPLATE_MAX_FIELDS + 1, 0, false), -1);
	key.template_id = 255;
	CHECK_INT_EQ("id below 256 refused", kf_template_cache_put(tc, &key, fields, 1, 0, false), -1);

	/* 512-field templates from many exporters hit the total byte limit. */
	size_t		stored = 0;

	for (uint32_t e = 0; e < 10; e++)
	{
		key.exporter = kf_addr_from_v4(0x0a000000 + e);
		for (uint32_t id = 256; id < 256 + KF_TEMPLATES_PER_EXPORTER; id++)
		{
			key.template_id = (uint16_t) id;
			stored += kf_template_cache_put(tc, &key, fields, KF_TEMPLATE_MAX_FIELDS, 0, false) == 0;
		}
	}
	size_t		per_template = sizeof(kf_template) + KF_TEMPLATE_MAX_FIELDS * sizeof(kf_template_field);

	CHECK("total bytes bounded", stored * per_template <= KF_TEMPLATE_MAX_BYTES && stored > 0 &&
		  stored < 10 * KF_TEMPLATES_PER_EXPORTER);
	kf_template_cache_free(tc);
}

static void
test_sample_scale(void)
{
	CHECK_INT_EQ("scale by 100", kf_sample_scale(1500, 100), 150000);
	CHECK_INT_EQ("scale by 1", kf_sample_scale(1500, 1), 1500);
	CHECK_INT_EQ("scale clamps", kf_sample_scale(INT64_MAX / 2 + 1, 2), INT64_MAX);
	CHECK_INT_EQ("scale at the limit", kf_sample_scale(INT64_MAX / 4, 4), INT64_MAX / 4 * 4);
}

/* IPv4 + UDP header (20 + 8 bytes) from 203.0.113.9:777 with payload "\0\x05". */
static void
ipv4_udp(test_buf *t, uint16_t frag_field)
{
	put8(t, 0x45); put8(t, 0); put16(t, 20 + 8 + 2);
	put16(t, 0); put16(t, frag_field);
	put8(t, 64); put8(t, 17); put16(t, 0);
	put32(t, 0xcb007109); put32(t, 0x7f000001);
	put16(t, 777); put16(t, 2055); put16(t, 10); put16(t, 0);
	put8(t, 0); put8(t, 5);
}

static void
test_link_layers(void)
{
	test_buf	t;
	kf_udp_payload p;

	/* Ethernet with an 802.1ad outer and an 802.1Q inner tag, and trailer padding */
	t.len = 0;
	for (int i = 0; i < 12; i++)
		put8(&t, 0);
	put16(&t, 0x88a8); put16(&t, 100); put16(&t, 0x8100); put16(&t, 200); put16(&t, 0x0800);
	ipv4_udp(&t, 0);
	put32(&t, 0);
	CHECK_INT_EQ("qinq ethernet: udp", kf_link_extract_udp(1, t.b, t.len, &p), KF_FRAME_UDP);
	CHECK_STR_EQ("qinq ethernet: exporter", test_addr(p.src), "203.0.113.9");
	CHECK_INT_EQ("qinq ethernet: payload cut at udp length", p.len, 2);
	CHECK_INT_EQ("qinq ethernet: payload", p.data[1], 5);

	/* Linux cooked v1 (DLT 113): protocol in bytes 14-15 */
	t.len = 0;
	for (int i = 0; i < 14; i++)
		put8(&t, 0);
	put16(&t, 0x0800);
	ipv4_udp(&t, 0);
	CHECK_INT_EQ("sll: udp", kf_link_extract_udp(113, t.b, t.len, &p), KF_FRAME_UDP);

	/* Linux cooked v2 (DLT 276): protocol first, 20-byte header */
	t.len = 0;
	put16(&t, 0x0800);
	for (int i = 0; i < 18; i++)
		put8(&t, 0);
	ipv4_udp(&t, 0);
	CHECK_INT_EQ("sll2: udp", kf_link_extract_udp(276, t.b, t.len, &p), KF_FRAME_UDP);

	/* BSD loopback (DLT 0): AF_INET in little-endian host order */
	t.len = 0;
	put8(&t, 2); put8(&t, 0); put8(&t, 0); put8(&t, 0);
	ipv4_udp(&t, 0);
	CHECK_INT_EQ("null: udp", kf_link_extract_udp(0, t.b, t.len, &p), KF_FRAME_UDP);

	/* Raw IP (DLT 12), a non-first fragment (offset 185 * 8) */
	t.len = 0;
	ipv4_udp(&t, 185);
	CHECK_INT_EQ("raw: non-first fragment", kf_link_extract_udp(12, t.b, t.len, &p), KF_FRAME_FRAGMENT);

	/* Raw IPv6 with a hop-by-hop header before UDP */
	t.len = 0;
	put32(&t, 0x60000000); put16(&t, 8 + 8 + 2); put8(&t, 0); put8(&t, 64);
	put32(&t, 0x20010db8); put32(&t, 0); put32(&t, 0); put32(&t, 7);
	put32(&t, 0); put32(&t, 0); put32(&t, 0); put32(&t, 1);
	put8(&t, 17); put8(&t, 0); put16(&t, 0); put32(&t, 0);
	put16(&t, 777); put16(&t, 4739); put16(&t, 10); put16(&t, 0);
	put8(&t, 0); put8(&t, 10);
	CHECK_INT_EQ("ipv6 ext header: udp", kf_link_extract_udp(12, t.b, t.len, &p), KF_FRAME_UDP);
	CHECK_STR_EQ("ipv6 ext header: exporter", test_addr(p.src), "2001:db8::7");
	CHECK_INT_EQ("ipv6 ext header: payload", p.len == 2 ? p.data[1] : -1, 10);

	/* Every prefix of the QinQ frame parses without reading past it */
	t.len = 0;
	for (int i = 0; i < 12; i++)
		put8(&t, 0);
	put16(&t, 0x8100); put16(&t, 1); put16(&t, 0x0800);
	ipv4_udp(&t, 0);
	int			udp = 0;

	for (size_t len = 0; len < t.len; len++)
	{
		kf_frame_result r = kf_link_extract_udp(1, t.b, len, &p);

		udp += r == KF_FRAME_UDP && p.data + p.len <= t.b + len;
	}
	/* only the prefixes cutting into the 2-byte payload still hold a (shortened) UDP payload */
	CHECK_INT_EQ("frame prefixes: only complete headers parse", udp, 2);
}

/* An exporter whose clock is off: flagged and logged; its flows keep their time unless retimed. */
static void
test_clock_skew(void)
{
	kf_flow_decoder *d = new_decoder();
	kf_addr		exporter = test_parse_addr("192.0.2.7");
	const int64_t received = 1700000000;
	test_buf	t;

	v9_header(&t, (uint32_t) (received - 599), 1);
	v9_template_300_src_first(&t);
	v9_data_300(&t, 0x0a000001, 0x0a000002, 500, 6);
	kf_flow_decoder_packet_at(d, exporter, t.b, t.len, received, received);
	CHECK("clock 599 s behind: not flagged, export time kept", flows.count == 1 &&
		  flows.flows[0].ctimestamp == received - 599 && kf_flow_decoder_totals(d).clock_skewed == 0);

	v9_header(&t, 0, 1);		/* a clock that never got set */
	v9_data_300(&t, 0x0a000001, 0x0a000002, 500, 6);
	kf_flow_decoder_packet_at(d, exporter, t.b, t.len, received, received);
	CHECK("clock at 1970: flagged, export time kept by default", flows.count == 2 &&
		  flows.flows[1].ctimestamp == 0 && kf_flow_decoder_totals(d).clock_skewed == 1 &&
		  kf_flow_decoder_exporter(d, 0)->last_clock_skew == -received);

	kf_flow_decoder_set_retime_skewed(d, true);
	kf_flow_decoder_packet_at(d, exporter, t.b, t.len, received, received);
	CHECK("clock at 1970, --retime-skewed: stored at the receive time", flows.count == 3 &&
		  flows.flows[2].ctimestamp == received && flows.flows[2].in_bytes == 500);

	v9_header(&t, (uint32_t) (received + 3600), 1);
	v9_data_300(&t, 0x0a000001, 0x0a000002, 500, 6);
	kf_flow_decoder_packet_at(d, exporter, t.b, t.len, received, received);
	CHECK("clock an hour ahead, --retime-skewed: moved back", flows.count == 4 &&
		  flows.flows[3].ctimestamp == received && kf_flow_decoder_totals(d).clock_skewed == 3);

	kf_flow_decoder_free(d);
}

/* NetFlow v5 header for count records: sysUptime, unix_secs, unix_nsecs, sampling 0. */
static void
v5_header(test_buf *t, uint16_t count, uint32_t sys_uptime, uint32_t unix_secs, uint32_t unix_nsecs)
{
	t->len = 0;
	put16(t, 5);
	put16(t, count);
	put32(t, sys_uptime);
	put32(t, unix_secs);
	put32(t, unix_nsecs);
	put32(t, 1);				/* flow_sequence */
	put8(t, 0);
	put8(t, 0);
	put16(t, 0);
}

/* One 48-byte v5 record with First and Last (sysUptime ms); other fields fixed. */
static void
v5_record(test_buf *t, uint32_t first, uint32_t last)
{
	put32(t, 0x0a000001);
	put32(t, 0x0a000002);
	put32(t, 0);
	put16(t, 1); put16(t, 2);
	put32(t, 3);				/* dPkts */
	put32(t, 300);				/* dOctets */
	put32(t, first);
	put32(t, last);
	put16(t, 1234); put16(t, 80);
	put8(t, 0); put8(t, 0x18); put8(t, 6); put8(t, 0);
	put16(t, 0); put16(t, 0);
	put8(t, 24); put8(t, 24);
	put16(t, 0);
}

static void
test_v5_flow_times(void)
{
	kf_flow_decoder *d = new_decoder();
	test_buf	t;

	/* export time 1700000000.250 s at sysUptime 3600000 ms */
	v5_header(&t, 2, 3600000, 1700000000, 250000000);
	v5_record(&t, 3590000, 3598000);
	v5_record(&t, 3599000, 3598000);	/* First after Last */
	kf_flow_decoder_packet(d, test_parse_addr("192.0.2.5"), t.b, t.len, 0);
	CHECK_INT_EQ("v5 times: two flows", flows.count, 2);
	CHECK_INT_EQ("v5 times: end = export ms - (sysUptime - Last)", flows.flows[0].flow_end_ms, INT64_C(1699999998250));
	CHECK_INT_EQ("v5 times: duration = Last - First", flows.flows[0].flow_duration_ms, 8000);
	CHECK_INT_EQ("v5 times: ctimestamp stays the export second", flows.flows[0].ctimestamp, 1700000000);
	CHECK("v5 times: First after Last is absent, the flow kept",
		  flows.flows[1].flow_end_ms == 0 && flows.flows[1].flow_duration_ms == 0 && flows.flows[1].in_bytes == 300);
	kf_flow_decoder_free(d);
}

/* NetFlow v9 header with a chosen sysUptime. */
static void
v9_header_uptime(test_buf *t, uint32_t sys_uptime, uint32_t unix_secs)
{
	t->len = 0;
	put16(t, 9);
	put16(t, 1);
	put32(t, sys_uptime);
	put32(t, unix_secs);
	put32(t, 1);
	put32(t, 0);
}

#define MPLS_ENTRY(label, exp, bos) (((uint32_t) (label) << 4) | ((uint32_t) (exp) << 1) | (bos))

/* Template 310: src (8), dst (12), FIRST_SWITCHED (22), LAST_SWITCHED (21), MPLS_LABEL_1 (70, 3). */
static void
v9_template_310(test_buf *t)
{
	size_t		start = t->len;

	put16(t, 0); put16(t, 0);
	put16(t, 310); put16(t, 5);
	put16(t, 8); put16(t, 4);
	put16(t, 12); put16(t, 4);
	put16(t, 22); put16(t, 4);
	put16(t, 21); put16(t, 4);
	put16(t, 70); put16(t, 3);
	patch16(t, start + 2, t->len - start);
}

/* A data flowset 310 of n records {first, last, mpls entry}. */
static void
v9_data_310(test_buf *t, const uint32_t (*records)[3], size_t n)
{
	size_t		start = t->len;

	put16(t, 310); put16(t, 0);
	for (size_t i = 0; i < n; i++)
	{
		put32(t, 0x0a000001);
		put32(t, 0x0a000002);
		put32(t, records[i][0]);
		put32(t, records[i][1]);
		put_be(t, records[i][2], 3);
	}
	while ((t->len - start) % 4)
		put8(t, 0);
	patch16(t, start + 2, t->len - start);
}

static void
test_v9_flow_times_and_mpls(void)
{
	kf_flow_decoder *d = new_decoder();
	kf_addr		exporter = test_parse_addr("192.0.2.9");
	test_buf	t;
	const uint32_t before_wrap[][3] = {{4990000, 4999500, MPLS_ENTRY(16010, 5, 1)}};
	const uint32_t after_wrap[][3] = {
		{0xfffff000, 500, MPLS_ENTRY(0, 0, 1)}, /* FIRST before the wrap, LAST after it */
		{900, 1400, 0},			/* LAST 400 ms above the header's sysUptime */
		{900, 100000, 0},		/* LAST 99 s above it: implausible */
		{900, 800, MPLS_ENTRY(1048575, 7, 0)},	/* FIRST after LAST */
	};

	v9_header_uptime(&t, 5000000, 1700000000);
	v9_template_310(&t);
	v9_data_310(&t, before_wrap, 1);
	kf_flow_decoder_packet(d, exporter, t.b, t.len, 0);
	v9_header_uptime(&t, 1000, 1700000000);
	v9_data_310(&t, after_wrap, 4);
	kf_flow_decoder_packet(d, exporter, t.b, t.len, 0);
	CHECK_INT_EQ("v9 times: five flows", flows.count, 5);
	const kf_flow *f = flows.flows;

	CHECK_INT_EQ("v9 times: end", f[0].flow_end_ms, INT64_C(1699999999500));
	CHECK_INT_EQ("v9 times: duration", f[0].flow_duration_ms, 9500);
	CHECK("v9 mpls: label 16010 exp 5", f[0].mpls_labeled && f[0].mpls_label == 16010 && f[0].mpls_exp == 5);
	CHECK_INT_EQ("v9 wrap: end 500 ms before export", f[1].flow_end_ms, INT64_C(1699999999500));
	CHECK_INT_EQ("v9 wrap: FIRST 4096 ms before the wrap, 5096 ms before export", f[1].flow_duration_ms, 4596);
	CHECK("v9 mpls: label 0 (explicit null) is a label", f[1].mpls_labeled && f[1].mpls_label == 0);
	CHECK_INT_EQ("v9 LAST slightly ahead of sysUptime: within the slack", f[2].flow_end_ms, INT64_C(1700000000400));
	CHECK_INT_EQ("v9 LAST slightly ahead: duration", f[2].flow_duration_ms, 500);
	CHECK("v9 mpls: an all-zero entry is no label", !f[2].mpls_labeled && f[2].mpls_label == 0);
	CHECK("v9 LAST far ahead: absent", f[3].flow_end_ms == 0 && f[3].flow_duration_ms == 0);
	CHECK("v9 FIRST after LAST: absent", f[4].flow_end_ms == 0 && f[4].flow_duration_ms == 0);
	CHECK("v9 mpls: top label of the 20 bits", f[4].mpls_labeled && f[4].mpls_label == 1048575 && f[4].mpls_exp == 7);
	kf_flow_decoder_free(d);
}

/* An IPFIX template set of one template: id, then (element, length) pairs. */
static void
ipfix_template(test_buf *t, uint16_t id, const uint16_t (*fields)[2], uint16_t n)
{
	size_t		set = t->len;

	put16(t, 2); put16(t, 0);
	put16(t, id); put16(t, n);
	for (uint16_t i = 0; i < n; i++)
	{
		put16(t, fields[i][0]);
		put16(t, fields[i][1]);
	}
	patch16(t, set + 2, t->len - set);
}

/* Starts a data set; ipfix_set_end patches its length. */
static size_t
ipfix_set_begin(test_buf *t, uint16_t id)
{
	size_t		set = t->len;

	put16(t, id); put16(t, 0);
	put32(t, 0x0a000001);
	put32(t, 0x0a000002);
	return set;
}

static void
ipfix_set_end(test_buf *t, size_t set)
{
	patch16(t, set + 2, t->len - set);
}

#define NTP_OF_UNIX(s) ((uint64_t) ((s) + UINT64_C(2208988800)) << 32)

static void
test_ipfix_flow_times(void)
{
	kf_flow_decoder *d = new_decoder();
	kf_addr		exporter = test_parse_addr("198.51.100.9");
	test_buf	t;
	const uint16_t absolute_ms[][2] = {{8, 4}, {12, 4}, {152, 8}, {153, 8}};
	const uint16_t deltas[][2] = {{8, 4}, {12, 4}, {158, 4}, {159, 4}};
	const uint16_t end_seconds_duration[][2] = {{8, 4}, {12, 4}, {151, 4}, {161, 4}};
	const uint16_t ntp[][2] = {{8, 4}, {12, 4}, {156, 8}, {157, 8}};
	const uint16_t uptime[][2] = {{8, 4}, {12, 4}, {22, 4}, {21, 4}};
	size_t		set;

	ipfix_header(&t, 1700000000, 3);
	ipfix_template(&t, 410, absolute_ms, 4);
	ipfix_template(&t, 411, deltas, 4);
	ipfix_template(&t, 412, end_seconds_duration, 4);
	ipfix_template(&t, 413, ntp, 4);
	ipfix_template(&t, 414, uptime, 4);
	/* options template 415: scope observationDomainId (149), systemInitTimeMilliseconds (160) */
	set = t.len;
	put16(&t, 3); put16(&t, 0);
	put16(&t, 415); put16(&t, 2); put16(&t, 1);
	put16(&t, 149); put16(&t, 4);
	put16(&t, 160); put16(&t, 8);
	put16(&t, 0);
	patch16(&t, set + 2, t.len - set);
	set = ipfix_set_begin(&t, 410);
	put_be(&t, UINT64_C(1699999990123), 8);
	put_be(&t, UINT64_C(1699999999456), 8);
	ipfix_set_end(&t, set);
	set = ipfix_set_begin(&t, 411);
	put32(&t, 10500000);		/* started 10.5 s before the export time */
	put32(&t, 250000);			/* ended 0.25 s before it */
	ipfix_set_end(&t, set);
	set = ipfix_set_begin(&t, 412);
	put32(&t, 1699999999);
	put32(&t, 1234);
	ipfix_set_end(&t, set);
	set = ipfix_set_begin(&t, 413);
	put_be(&t, NTP_OF_UNIX(1699999990) | 0x80000000u, 8);	/* .5 s */
	put_be(&t, NTP_OF_UNIX(1699999995), 8);
	ipfix_set_end(&t, set);
	set = ipfix_set_begin(&t, 414);	/* before any system init time: unusable */
	put32(&t, 5000);
	put32(&t, 9000);
	ipfix_set_end(&t, set);
	set = t.len;
	put16(&t, 415); put16(&t, 0);
	put32(&t, 3);
	put_be(&t, UINT64_C(1699990000000), 8);
	ipfix_set_end(&t, set);
	set = ipfix_set_begin(&t, 414);
	put32(&t, 5000);
	put32(&t, 9000);
	ipfix_set_end(&t, set);
	/* the plausibility limits: a day long exactly, one ms longer, ending 1 s and 1.001 s after export */
	const int64_t limits[][2] = {
		{INT64_C(1699999999000) - 86400000, INT64_C(1699999999000)},
		{INT64_C(1699999999000) - 86400001, INT64_C(1699999999000)},
		{INT64_C(1699999999000), INT64_C(1700000001000)},
		{INT64_C(1699999999000), INT64_C(1700000001001)},
	};

	for (size_t i = 0; i < 4; i++)
	{
		set = ipfix_set_begin(&t, 410);
		put_be(&t, (uint64_t) limits[i][0], 8);
		put_be(&t, (uint64_t) limits[i][1], 8);
		ipfix_set_end(&t, set);
	}
	ipfix_finish(&t);
	kf_flow_decoder_packet(d, exporter, t.b, t.len, 0);

	CHECK_INT_EQ("ipfix times: ten flows", flows.count, 10);
	const kf_flow *f = flows.flows;

	CHECK_INT_EQ("ipfix 152/153: end", f[0].flow_end_ms, INT64_C(1699999999456));
	CHECK_INT_EQ("ipfix 152/153: duration", f[0].flow_duration_ms, 9333);
	CHECK_INT_EQ("ipfix 158/159: end", f[1].flow_end_ms, INT64_C(1699999999750));
	CHECK_INT_EQ("ipfix 158/159: duration", f[1].flow_duration_ms, 10250);
	CHECK_INT_EQ("ipfix 151 + 161: end", f[2].flow_end_ms, INT64_C(1699999999000));
	CHECK_INT_EQ("ipfix 151 + 161: duration", f[2].flow_duration_ms, 1234);
	CHECK_INT_EQ("ipfix 156/157 NTP: end", f[3].flow_end_ms, INT64_C(1699999995000));
	CHECK_INT_EQ("ipfix 156/157 NTP: duration", f[3].flow_duration_ms, 4500);
	CHECK("ipfix 22/21 without system init time: absent", f[4].flow_end_ms == 0 && f[4].flow_duration_ms == 0);
	CHECK_INT_EQ("ipfix 22/21 after 160: end = init + LAST", f[5].flow_end_ms, INT64_C(1699990009000));
	CHECK_INT_EQ("ipfix 22/21 after 160: duration", f[5].flow_duration_ms, 4000);
	CHECK_INT_EQ("ipfix: a flow of exactly a day is kept", f[6].flow_duration_ms, 86400000);
	CHECK("ipfix: a flow longer than a day is absent", f[7].flow_end_ms == 0 && f[7].flow_duration_ms == 0);
	CHECK_INT_EQ("ipfix: ending 1 s after the export time is kept", f[8].flow_end_ms, INT64_C(1700000001000));
	CHECK("ipfix: ending later is absent", f[9].flow_end_ms == 0 && f[9].flow_duration_ms == 0);
	kf_flow_decoder_free(d);
}

int
main(void)
{
	kf_log_set_quiet(true);
	test_data_before_template();
	test_two_exporters_same_template_id();
	test_ipfix_sampling_from_options();
	test_malformed_sets();
	test_template_limits();
	test_sample_scale();
	test_link_layers();
	test_clock_skew();
	test_v5_flow_times();
	test_v9_flow_times_and_mpls();
	test_ipfix_flow_times();
	UNIT_EXIT();
}
