/*
 * test_collector_sflow.c -- the sFlow v5 decoder on real datagrams and on hand-built ones.
 *
 * Expected values come from TShark 4.0.17: `tshark -r tests/data/captures/FILE -V` (the sFlow
 * dissector runs on port 6343 by default; the captures' UDP port is 6343 or is decoded as sFlow
 * by heuristics, see tests/data/captures/README.md).  Each block below names the frame and the
 * sample it checks.  Flows are decoded with the capture time as the received time.
 *
 * Interface counters (kf_sflow_v5_decode_counters): frame 1's generic interface counters record
 * as tshark shows it; in frames 9 and 12 tshark stops at the port name record (1005) that comes
 * first, so their generic records' values are the XDR words of `tshark -r FILE -Y frame.number==N
 * -T fields -e udp.payload`, read by hand (each is spelled out below).
 */
#include "tests/unit/unit.h"
#include "tests/unit/collector_test_util.h"

#include "collector/collector_log.h"
#include "collector/sflow_v5.h"

/* The UDP payloads of a capture with their capture times. */
typedef struct timed_capture
{
	test_capture payloads;
	int64_t		captured[MAX_TEST_PACKETS];
} timed_capture;

static void
timed_capture_add(void *ctx, const kf_udp_payload *p)
{
	timed_capture *c = ctx;

	if (c->payloads.count < MAX_TEST_PACKETS)
		c->captured[c->payloads.count] = p->captured;
	test_capture_add(&c->payloads, p);
}

static size_t
timed_capture_load(timed_capture *c, const char *name)
{
	char		path[512];
	kf_pcap_stats stats;
	kf_error	err;

	memset(&stats, 0, sizeof(stats));
	c->payloads.count = 0;
	snprintf(path, sizeof(path), TEST_CAPTURES "%s", name);
	if (kf_pcap_read(path, timed_capture_add, c, &stats, &err) < 0)
		printf("# %s\n", err.msg);
	return c->payloads.count;
}

/* Decodes a capture into flows with capture times; returns the decoder's totals. */
static kf_exporter_stats
decode_capture(const char *name, test_flows *flows)
{
	timed_capture *c = calloc(1, sizeof(*c));
	kf_flow_decoder *d = kf_flow_decoder_new(test_flows_emit, flows);

	flows->count = 0;
	timed_capture_load(c, name);
	for (size_t i = 0; i < c->payloads.count; i++)
		kf_flow_decoder_packet_at(d, c->payloads.packets[i].src, c->payloads.packets[i].data,
								  c->payloads.packets[i].len, 0, c->captured[i]);
	kf_exporter_stats totals = kf_flow_decoder_totals(d);

	kf_flow_decoder_free(d);
	test_capture_free(&c->payloads);
	free(c);
	return totals;
}

/* A flow as the tests spell it out. */
static kf_flow
flow_of(int64_t ts, const char *src, const char *dst, uint32_t protocol, uint32_t sport, uint32_t dport,
		uint32_t flags, uint32_t tos, int64_t bytes, uint32_t in, uint32_t out, uint32_t rate)
{
	kf_flow		f;

	memset(&f, 0, sizeof(f));
	f.ctimestamp = ts;
	f.src_addr = test_parse_addr(src);
	f.dst_addr = test_parse_addr(dst);
	f.protocol = protocol;
	f.l4_src_port = sport;
	f.l4_dst_port = dport;
	f.tcp_flags = flags;
	f.tos = tos;
	f.in_bytes = bytes;
	f.in_pkts = 1;
	f.input_port = in;
	f.output_port = out;
	f.sample_rate = rate;
	return f;
}

static void
check_flow(const char *name, const test_flows *flows, size_t i, const kf_flow *want)
{
	bool		same = i < flows->count && test_flow_equal(&flows->flows[i], want);

	if (!same && i < flows->count)
	{
		const kf_flow *g = &flows->flows[i];

		printf("# got ts %lld %s -> %s proto %u ports %u/%u flags %u tos %u bytes %lld pkts %lld if %u/%u rate %u vlan %u/%u nh %s as %u/%u\n",
			   (long long) g->ctimestamp, test_addr(g->src_addr), test_addr(g->dst_addr), g->protocol,
			   g->l4_src_port, g->l4_dst_port, g->tcp_flags, g->tos, (long long) g->in_bytes,
			   (long long) g->in_pkts, g->input_port, g->output_port, g->sample_rate, g->vlan_in, g->vlan_out,
			   test_addr(g->next_hop), g->src_as, g->dst_as);
	}
	CHECK(name, same);
}

static void
test_datagram_headers(void)
{
	timed_capture *c = calloc(1, sizeof(*c));
	kf_sflow_header h;

	/* tshark gopacket_sflow.pcap frame 1: agent 10.1.248.22, sub-agent 17, seq 40443,
	 * SysUptime 1078576845 ms, NumSamples 7 */
	timed_capture_load(c, "gopacket_sflow.pcap");
	CHECK_INT_EQ("gopacket: 14 payloads", c->payloads.count, 14);
	CHECK_INT_EQ("gopacket 1: header parses", kf_sflow_v5_parse_header(c->payloads.packets[0].data, c->payloads.packets[0].len, &h), 0);
	CHECK_STR_EQ("gopacket 1: agent", test_addr(h.agent), "10.1.248.22");
	CHECK_INT_EQ("gopacket 1: sub-agent", h.sub_agent_id, 17);
	CHECK_INT_EQ("gopacket 1: sequence", h.sequence, 40443);
	CHECK_INT_EQ("gopacket 1: uptime", h.uptime_ms, 1078576845);
	CHECK_INT_EQ("gopacket 1: samples", h.samples, 7);
	CHECK_INT_EQ("gopacket 1: IPv4 agent header is 28 bytes", h.header_len, 28);
	CHECK_INT_EQ("gopacket 1: recognised", kf_flow_export_kind(c->payloads.packets[0].data, c->payloads.packets[0].len),
				 KF_EXPORT_SFLOW_V5);
	test_capture_free(&c->payloads);

	/* tshark goflow2_sflow.pcap frame 2: agent 1.2.3.4, sub-agent 0, seq 262632130, 259421000 ms, 5 samples */
	timed_capture_load(c, "goflow2_sflow.pcap");
	CHECK_INT_EQ("goflow2 2: header parses", kf_sflow_v5_parse_header(c->payloads.packets[1].data, c->payloads.packets[1].len, &h), 0);
	CHECK_STR_EQ("goflow2 2: agent", test_addr(h.agent), "1.2.3.4");
	CHECK_INT_EQ("goflow2 2: sequence", h.sequence, 262632130);
	CHECK_INT_EQ("goflow2 2: uptime", h.uptime_ms, 259421000);
	CHECK_INT_EQ("goflow2 2: samples", h.samples, 5);
	CHECK_INT_EQ("goflow2: capture time", c->captured[1], 1500000001);
	test_capture_free(&c->payloads);
	free(c);
}

static void
test_cloudflare_goflow(void)
{
	test_flows *flows = calloc(1, sizeof(*flows));
	kf_exporter_stats st = decode_capture("cloudflare_goflow_sflow.pcap", flows);

	/* tshark frame 1: flow sample seq 6, rate 2048, input 1194, output 1043; raw header: frame
	 * length 82, Ethernet, 802.1Q ID 32, IPv4 172.16.32.254 -> 172.16.32.241, ICMP type 8 code 0,
	 * DSCP 0; no extended records.  Capture time 1500000000 (set when wrapping). */
	kf_flow		want = flow_of(1500000000, "172.16.32.254", "172.16.32.241", 1, 0, 8 * 256, 0, 0, 82, 1194, 1043, 2048);

	want.vlan_in = 32;
	CHECK_INT_EQ("cloudflare: one flow", flows->count, 1);
	check_flow("cloudflare: flow as tshark shows it", flows, 0, &want);
	CHECK("cloudflare: exporter is the UDP source", kf_addr_cmp(flows->exporters[0], test_parse_addr("127.0.0.2")) == 0);
	CHECK_INT_EQ("cloudflare: packet accepted", st.packets, 1);
	CHECK_INT_EQ("cloudflare: no errors", st.counts.decode_errors, 0);
	free(flows);
}

static void
test_gopacket(void)
{
	test_flows *flows = calloc(1, sizeof(*flows));
	kf_exporter_stats st = decode_capture("gopacket_sflow.pcap", flows);

	/* tshark: 9 raw packet header records (frame 1: 6 flow samples and 1 counter sample;
	 * frame 2: 3 flow samples); frames 5 and 8 have sample length 52 while their router record
	 * needs 56 / 68 bytes, and frame 11's sample length 116 runs past the datagram (tshark:
	 * Malformed); counter samples in frames 1, 3, 9, 10, 12, 13 (6) plus frame 11's. */
	CHECK_INT_EQ("gopacket: all payloads accepted", st.packets, 14);
	CHECK_INT_EQ("gopacket: flows", flows->count, 9);
	CHECK_INT_EQ("gopacket: decode errors (frames 5, 8, 11)", st.counts.decode_errors, 3);
	CHECK_INT_EQ("gopacket: counter samples", st.counts.counter_samples, 6);
	/* frames 4, 6, 7: one flow sample each, frame 14: seven, none with a header or IP record */
	CHECK_INT_EQ("gopacket: flow samples without packet data", st.counts.non_flow_records, 10);

	/* frame 1, first flow sample: rate 16000, input 531, output 0; extended switch VLAN in 514
	 * out 0; frame length 1490; 10.1.14.22:30461 -> 54.240.235.69:80 TCP flags 0x010, DSCP 0 */
	kf_flow		want = flow_of(1500000000, "10.1.14.22", "54.240.235.69", 6, 30461, 80, 0x10, 0, 1490, 531, 0, 16000);

	want.vlan_in = 514;
	check_flow("gopacket 1 sample 1", flows, 0, &want);
	/* frame 1, sample 6 (after the counter sample): input 597, output 599, VLANs 514 / 514 */
	want = flow_of(1500000000, "10.1.14.17", "10.1.14.16", 6, 9092, 64041, 0x10, 0, 1518, 597, 599, 2000);
	want.vlan_in = 514;
	want.vlan_out = 514;
	check_flow("gopacket 1 sample 6", flows, 4, &want);
	/* frame 2, sample 2: rate 1, input 0x3fffffff ("no interface": stored as 0), output 3, frame length 390,
	 * 192.168.91.17:22 -> 192.168.91.1:54237 flags 0x018, DS field 0x10; extended gateway:
	 * next hop 13.12.11.10, AS source 123, last AS Destination of the last segment 999
	 * (the communities tshark lists after it are not AS numbers); no router record */
	want = flow_of(1500000001, "192.168.91.17", "192.168.91.1", 6, 22, 54237, 0x18, 0x10, 390, 0, 3, 1);
	want.next_hop = test_parse_addr("13.12.11.10");
	want.src_as = 123;
	want.dst_as = 999;
	check_flow("gopacket 2 sample 2 (gateway)", flows, 7, &want);
	free(flows);
}

static void
test_goflow2_expanded(void)
{
	test_flows *flows = calloc(1, sizeof(*flows));
	kf_exporter_stats st = decode_capture("goflow2_sflow.pcap", flows);

	/* tshark: frame 1 one flow sample, frame 2 five expanded flow samples, frames 3-5 one
	 * sample of type 5 each (discards: skipped; frame 5's sample length 50 is not padded) */
	CHECK_INT_EQ("goflow2: flows", flows->count, 6);
	CHECK_INT_EQ("goflow2: no decode errors", st.counts.decode_errors, 0);
	CHECK_INT_EQ("goflow2: discards are not flow samples", st.counts.non_flow_records, 0);

	/* frame 2, expanded sample seq 546345766: rate 16383, input 1000100, output 1000018 (format 0);
	 * switch VLAN 30 / 30; frame length 1514; 185.59.220.147:443 -> 88.238.78.19:53206 flags 0x010 */
	kf_flow		want = flow_of(1500000001, "185.59.220.147", "88.238.78.19", 6, 443, 53206, 0x10, 0, 1514,
							   1000100, 1000018, 16383);

	want.vlan_in = want.vlan_out = 30;
	check_flow("goflow2 2 expanded sample 1", flows, 1, &want);
	/* frame 2, third expanded sample: input 1000104, output 1000100, DS field 0x18, VLAN 1337 */
	want = flow_of(1500000001, "137.74.204.213", "89.187.169.85", 6, 1935, 44508, 0x10, 0x18, 1522, 1000104,
				   1000100, 16383);
	want.vlan_in = want.vlan_out = 1337;
	check_flow("goflow2 2 expanded sample 3", flows, 3, &want);
	free(flows);
}

static void
test_vflow_router(void)
{
	test_flows *flows = calloc(1, sizeof(*flows));

	decode_capture("vflow_sflow_raw.pcap", flows);
	CHECK_INT_EQ("vflow: flows", flows->count, 5);
	/* tshark frame 1 sample 1: rate 4096, input 561, output 707, switch VLANs 0 / 0, router next
	 * hop 206.72.210.70, frame length 1518, 152.195.33.40:443 -> 69.42.22.51:54482 flags 0x010 */
	kf_flow		want = flow_of(1500000000, "152.195.33.40", "69.42.22.51", 6, 443, 54482, 0x10, 0, 1518, 561, 707, 4096);

	want.next_hop = test_parse_addr("206.72.210.70");
	check_flow("vflow sample 1", flows, 0, &want);
	/* sample 4: input 707, output 561, next hop 152.195.77.131, 70 bytes, to port 443 */
	want = flow_of(1500000000, "104.220.197.6", "93.184.215.178", 6, 38296, 443, 0x10, 0, 70, 707, 561, 4096);
	want.next_hop = test_parse_addr("152.195.77.131");
	check_flow("vflow sample 4", flows, 3, &want);
	free(flows);
}

static void
test_pmacct_sfprobe(void)
{
	test_flows *flows = calloc(1, sizeof(*flows));
	kf_exporter_stats st = decode_capture("pmacctd_sfprobe_head.pcap", flows);

	/* tshark: 10 datagrams with 6,6,6,6,4,6,6,6,6,6 flow samples, all rate 1; the frame lengths
	 * sum to 26962; every frame was captured at 1795311869.36.. */
	CHECK_INT_EQ("pmacct: flows", flows->count, 58);
	CHECK_INT_EQ("pmacct: no errors", st.counts.decode_errors, 0);
	int64_t		bytes = 0;
	bool		times_right = true;

	for (size_t i = 0; i < flows->count; i++)
	{
		bytes += flows->flows[i].in_bytes;
		times_right = times_right && flows->flows[i].ctimestamp == 1795311869;
	}
	CHECK_INT_EQ("pmacct: bytes = sum of frame lengths", bytes, 26962);
	CHECK("pmacct: flow time = capture time", times_right);
	/* frame 1 sample 4: switch VLANs 0, frame length 632, IPv6 2001:db8::106:2879 ->
	 * 2001:db8:ff::13:80, TCP flags 0x002, interfaces 0x3fffffff ("no interface": stored as 0) */
	kf_flow		want = flow_of(1795311869, "2001:db8::106", "2001:db8:ff::13", 6, 2879, 80, 0x02, 0, 632, 0, 0, 1);

	check_flow("pmacct 1 sample 4 (IPv6)", flows, 3, &want);
	/* frame 2 sample 2: 10.0.0.89 -> 198.51.100.90 ICMP Echo request (type 8, code 0), 903 bytes */
	want = flow_of(1795311869, "10.0.0.89", "198.51.100.90", 1, 0, 8 * 256, 0, 0, 903, 0, 0, 1);
	check_flow("pmacct 2 sample 2 (ICMP)", flows, 7, &want);
	free(flows);
}

static void
test_pmacct_ipv6_agent_malformed(void)
{
	test_flows *flows = calloc(1, sizeof(*flows));
	kf_exporter_stats st = decode_capture("pmacctd_sfprobe_ipv6agent_malformed_head.pcap", flows);

	/* tshark: Malformed.  pmacct wrote address type 2 but not the layout of an IPv6 agent, so
	 * the header we read is agent ::1:0:0 (::2:0:0, ::3:0:0), sub-agent 6, sequence 1, uptime
	 * 208, and sample counts 1, 7, 13; the first "sample" is then a flow sample of length 1
	 * (malformed: an error in every datagram), and in datagrams 2 and 3 the walk over the rest
	 * fails once more.  Nothing may be emitted from such datagrams. */
	CHECK_INT_EQ("pmacct ipv6 agent: headers parse", st.packets, 3);
	CHECK_INT_EQ("pmacct ipv6 agent: no flows", flows->count, 0);
	CHECK_INT_EQ("pmacct ipv6 agent: decode errors", st.counts.decode_errors, 5);
	free(flows);
}

/* ------------------------------------------------------------ hand-built datagrams */

#define RECEIVED 1700000000

static void
patch32(test_buf *t, size_t off, uint32_t v)
{
	patch16(t, off, v >> 16);
	patch16(t, off + 2, v & 0xffff);
}

/* Starts an XDR (format, length) item; returns where its length goes. */
static size_t
begin_item(test_buf *t, uint32_t enterprise, uint32_t format)
{
	put32(t, enterprise << 12 | format);
	put32(t, 0);
	return t->len - 4;
}

static void
end_item(test_buf *t, size_t length_at)
{
	patch32(t, length_at, (uint32_t) (t->len - length_at - 4));
}

static void
put_v6(test_buf *t, const char *text)
{
	kf_addr		a = test_parse_addr(text);

	put_be(t, a.hi, 8);
	put_be(t, a.lo, 8);
}

/* A raw header record with a 20-byte IPv4 + 8-byte UDP packet (header protocol 11). */
static void
put_raw_ipv4_udp(test_buf *t, uint32_t frame_length)
{
	size_t		at = begin_item(t, 0, 1);

	put32(t, 11);
	put32(t, frame_length);
	put32(t, 0);				/* stripped */
	put32(t, 28);
	put32(t, 0x45000000 | 28);
	put32(t, 0);
	put32(t, 0x40110000);		/* TTL 64, UDP */
	put32(t, 0xc0000201);		/* 192.0.2.1 */
	put32(t, 0xc6336402);		/* 198.51.100.2 */
	put32(t, 123u << 16 | 123);
	put32(t, 8u << 16);
	end_item(t, at);
}

/*
 * A datagram with an IPv6 agent and five samples:
 *  1. expanded flow sample, input format 0 value 7, output format 2 ("several") value 3,
 *     rate 100, one sampled IPv4 record (3) and nothing else;
 *  2. compact flow sample, input 5, output 0x40000001 (format 1: discarded), rate 10: sampled
 *     IPv6 record, raw IPv4 header (wins), extended router, extended gateway with an empty path;
 *  3. counter sample;
 *  4. a sample of enterprise 4413 (skipped);
 *  5. compact flow sample with an unknown record and a PPP raw header (7): a flow with just
 *     the frame length.
 */
static void
build_datagram(test_buf *t)
{
	t->len = 0;
	put32(t, 5);
	put32(t, 2);
	put_v6(t, "2001:db8::99");
	put32(t, 3);				/* sub-agent */
	put32(t, 77);				/* sequence */
	put32(t, 123456);			/* uptime */
	put32(t, 5);

	size_t		s1 = begin_item(t, 0, 3);

	put32(t, 1);				/* sequence */
	put32(t, 0);				/* source id type */
	put32(t, 7);				/* source id index */
	put32(t, 100);				/* rate */
	put32(t, 1000);				/* pool */
	put32(t, 0);				/* drops */
	put32(t, 0);
	put32(t, 7);
	put32(t, 2);
	put32(t, 3);
	put32(t, 1);				/* records */
	size_t		r = begin_item(t, 0, 3);

	put32(t, 1400);				/* IP length */
	put32(t, 6);
	put32(t, 0x0a000001);
	put32(t, 0x0a000002);
	put32(t, 25);
	put32(t, 40000);
	put32(t, 0x18);
	put32(t, 0x20);
	end_item(t, r);
	end_item(t, s1);

	size_t		s2 = begin_item(t, 0, 1);

	put32(t, 2);
	put32(t, 5);				/* source id */
	put32(t, 10);
	put32(t, 500);
	put32(t, 0);
	put32(t, 5);
	put32(t, 0x40000001);
	put32(t, 4);
	r = begin_item(t, 0, 4);
	put32(t, 99);
	put32(t, 17);
	put_v6(t, "2001:db8::1");
	put_v6(t, "2001:db8::2");
	put32(t, 1);
	put32(t, 2);
	put32(t, 0);
	put32(t, 0);
	end_item(t, r);
	put_raw_ipv4_udp(t, 64);
	r = begin_item(t, 0, 1002);
	put32(t, 1);
	put32(t, 0xc0000263);		/* router next hop 192.0.2.99 */
	put32(t, 24);
	put32(t, 16);
	end_item(t, r);
	r = begin_item(t, 0, 1003);
	put32(t, 1);
	put32(t, 0xc00002fe);		/* BGP next hop 192.0.2.254: the router's wins */
	put32(t, 64512);			/* own AS */
	put32(t, 65000);			/* src AS */
	put32(t, 65001);			/* src peer AS */
	put32(t, 0);				/* no destination path */
	put32(t, 0);				/* communities */
	put32(t, 100);				/* local pref */
	end_item(t, r);
	end_item(t, s2);

	size_t		s3 = begin_item(t, 0, 2);

	put32(t, 9);
	put32(t, 5);
	put32(t, 0);				/* no counter records */
	end_item(t, s3);

	size_t		s4 = begin_item(t, 4413, 1);

	put32(t, 0xffffffff);
	end_item(t, s4);

	size_t		s5 = begin_item(t, 0, 1);

	put32(t, 3);
	put32(t, 5);
	put32(t, 1);
	put32(t, 1);
	put32(t, 0);
	put32(t, 6);
	put32(t, 0x80000002);		/* format 2: two output interfaces */
	put32(t, 2);
	r = begin_item(t, 0, 2000);
	put32(t, 42);
	end_item(t, r);
	r = begin_item(t, 0, 1);
	put32(t, 7);				/* PPP */
	put32(t, 300);
	put32(t, 0);
	put32(t, 3);
	put32(t, 0xff030000);		/* 3 header bytes, padded */
	end_item(t, r);
	end_item(t, s5);
}

/* Decodes buf[0..len) from a heap copy of exactly len bytes. */
static int
decode_bytes(const uint8_t *buf, size_t len, test_flows *flows, kf_decode_counts *counts)
{
	uint8_t    *copy = malloc(len ? len : 1);

	memcpy(copy, buf, len);
	memset(counts, 0, sizeof(*counts));
	flows->count = 0;
	kf_decode_out out = {test_parse_addr("192.0.2.7"), test_flows_emit, flows, 0, counts, RECEIVED};
	int			rc = kf_sflow_v5_decode(copy, len, &out);

	free(copy);
	return rc;
}

static void
test_handbuilt_datagram(void)
{
	test_buf	t;
	test_flows *flows = calloc(1, sizeof(*flows));
	kf_decode_counts counts;
	kf_sflow_header h;

	build_datagram(&t);
	CHECK_INT_EQ("built: header parses", kf_sflow_v5_parse_header(t.b, t.len, &h), 0);
	CHECK_STR_EQ("built: IPv6 agent", test_addr(h.agent), "2001:db8::99");
	CHECK_INT_EQ("built: IPv6 agent header is 40 bytes", h.header_len, 40);
	CHECK_INT_EQ("built: decodes", decode_bytes(t.b, t.len, flows, &counts), 0);
	CHECK_INT_EQ("built: three flows", flows->count, 3);
	CHECK_INT_EQ("built: one counter sample", counts.counter_samples, 1);
	CHECK_INT_EQ("built: no errors", counts.decode_errors, 0);

	kf_flow		want = flow_of(RECEIVED, "10.0.0.1", "10.0.0.2", 6, 25, 40000, 0x18, 0x20, 1400, 7, 0, 100);

	check_flow("built 1: expanded sample from a sampled IPv4 record, 'several' output is 0", flows, 0, &want);
	want = flow_of(RECEIVED, "192.0.2.1", "198.51.100.2", 17, 123, 123, 0, 0, 64, 5, 0, 10);
	want.next_hop = test_parse_addr("192.0.2.99");
	want.src_as = 65000;
	check_flow("built 2: raw header beats the IPv6 record, router next hop, empty path dst_as 0", flows, 1, &want);
	want = flow_of(RECEIVED, "::", "::", 0, 0, 0, 0, 0, 300, 6, 0, 1);
	check_flow("built 5: PPP header gives just the frame length", flows, 2, &want);

	/* Every truncation: never a crash or an over-read; a cut header is rejected; each complete
	 * flow sample before the cut still gives its flow. */
	bool		all_right = true;

	for (size_t len = 0; len < t.len; len++)
	{
		int			rc = decode_bytes(t.b, len, flows, &counts);
		bool		ok = len < 40 ? rc == -1 && flows->count == 0 : rc == 0 && flows->count <= 2;

		if (!ok || (len >= 40 && counts.decode_errors != 1))
		{
			printf("# cut at %zu: rc %d, %zu flows, %llu errors\n", len, rc, flows->count,
				   (unsigned long long) counts.decode_errors);
			all_right = false;
		}
	}
	CHECK("built: every truncation handled (one error, at most the earlier flows)", all_right);
	free(flows);
}

/* A record shorter than its type needs spoils its sample, and only that sample. */
static void
test_malformed_record(void)
{
	test_buf	t;
	test_flows *flows = calloc(1, sizeof(*flows));
	kf_decode_counts counts;

	t.len = 0;
	put32(&t, 5);
	put32(&t, 1);
	put32(&t, 0xc0000207);
	put32(&t, 0);
	put32(&t, 1);
	put32(&t, 1);
	put32(&t, 2);
	for (int sample = 0; sample < 2; sample++)
	{
		size_t		s = begin_item(&t, 0, 1);

		for (int i = 0; i < 7; i++)
			put32(&t, i == 2 ? 256 : 1);
		put32(&t, 2);
		put_raw_ipv4_udp(&t, 100);
		size_t		r = begin_item(&t, 0, 1001);

		put32(&t, 10);
		put32(&t, 0);
		if (sample == 1)
		{
			put32(&t, 20);
			put32(&t, 0);
		}
		end_item(&t, r);
		end_item(&t, s);
	}
	CHECK_INT_EQ("short switch record: datagram accepted", decode_bytes(t.b, t.len, flows, &counts), 0);
	CHECK_INT_EQ("short switch record: only the good sample's flow", flows->count, 1);
	CHECK_INT_EQ("short switch record: one error", counts.decode_errors, 1);
	CHECK_INT_EQ("good sample: VLANs from the switch record", flows->count ? flows->flows[0].vlan_out : 0, 20);
	free(flows);
}

/* A raw header record with an Ethernet frame tagged VLAN 99 around a bare IPv4 header. */
static void
put_raw_tagged_frame(test_buf *t)
{
	size_t		at = begin_item(t, 0, 1);

	put32(t, 1);				/* Ethernet */
	put32(t, 1518);
	put32(t, 4);
	put32(t, 38);
	put32(t, 0x02000000);
	put32(t, 0x00020200);
	put32(t, 0x00000001);
	put32(t, 0x81000063);		/* 802.1Q, VLAN 99 */
	put32(t, 0x08004500);
	put32(t, 0x00140000);		/* IPv4 total length 20 */
	put32(t, 0x00004006);		/* TTL 64, TCP */
	put32(t, 0x00000a00);
	put32(t, 0x00010a00);
	put16(t, 0x0002);			/* 10.0.0.1 -> 10.0.0.2, then 2 bytes of padding */
	put16(t, 0);
	end_item(t, at);
}

/* The switch record's VLANs replace the frame's tag whichever record comes first. */
static void
test_switch_vlans_win(void)
{
	test_buf	t;
	test_flows *flows = calloc(1, sizeof(*flows));
	kf_decode_counts counts;

	t.len = 0;
	put32(&t, 5);
	put32(&t, 1);
	put32(&t, 0xc0000207);
	put32(&t, 0);
	put32(&t, 1);
	put32(&t, 1);
	put32(&t, 2);
	for (int sample = 0; sample < 2; sample++)
	{
		size_t		s = begin_item(&t, 0, 1);

		for (int i = 0; i < 7; i++)
			put32(&t, i == 2 ? 512 : 1);
		put32(&t, sample == 0 ? 2 : 1);
		if (sample == 0)
		{
			size_t		r = begin_item(&t, 0, 1001);

			put32(&t, 10);
			put32(&t, 0);
			put32(&t, 20);
			put32(&t, 0);
			end_item(&t, r);
		}
		put_raw_tagged_frame(&t);
		end_item(&t, s);
	}
	CHECK_INT_EQ("tagged frames: decoded", decode_bytes(t.b, t.len, flows, &counts), 0);
	CHECK_INT_EQ("tagged frames: two flows", flows->count, 2);
	if (flows->count == 2)
	{
		CHECK_INT_EQ("switch before header: vlan_in from the record", flows->flows[0].vlan_in, 10);
		CHECK_INT_EQ("switch before header: vlan_out from the record", flows->flows[0].vlan_out, 20);
		CHECK_INT_EQ("header alone: vlan_in from the tag", flows->flows[1].vlan_in, 99);
		CHECK_STR_EQ("header alone: addresses", test_addr(flows->flows[1].dst_addr), "10.0.0.2");
		CHECK_INT_EQ("header alone: frame length", flows->flows[1].in_bytes, 1518);
	}
	free(flows);
}

/* ---------------------------------------------------------------- interface counters */

#define MAX_TEST_COUNTER_ROWS 16

/* The counter rows a decode emitted, with their exporters. */
typedef struct test_counters
{
	size_t		count;
	kf_counter_row rows[MAX_TEST_COUNTER_ROWS];
	kf_addr		exporters[MAX_TEST_COUNTER_ROWS];
} test_counters;

static void
test_counters_emit(void *ctx, kf_addr exporter, const kf_counter_row *row)
{
	test_counters *c = ctx;

	if (c->count < MAX_TEST_COUNTER_ROWS)
	{
		c->exporters[c->count] = exporter;
		c->rows[c->count] = *row;
	}
	c->count++;
}

/* Compares every field of a decoded counter row with the expected one, one check per row. */
static void
check_counter_row(const char *name, const test_counters *c, size_t i, const kf_counter_row *want)
{
	const kf_counter_row *got = i < c->count ? &c->rows[i] : NULL;
	bool		same = got && got->ctimestamp == want->ctimestamp && got->if_index == want->if_index &&
		got->if_type == want->if_type && got->if_speed == want->if_speed &&
		got->if_direction == want->if_direction && got->if_status == want->if_status &&
		got->in_octets == want->in_octets && got->in_ucast_pkts == want->in_ucast_pkts &&
		got->in_mcast_pkts == want->in_mcast_pkts && got->in_bcast_pkts == want->in_bcast_pkts &&
		got->in_discards == want->in_discards && got->in_errors == want->in_errors &&
		got->in_unknown_protos == want->in_unknown_protos && got->out_octets == want->out_octets &&
		got->out_ucast_pkts == want->out_ucast_pkts && got->out_mcast_pkts == want->out_mcast_pkts &&
		got->out_bcast_pkts == want->out_bcast_pkts && got->out_discards == want->out_discards &&
		got->out_errors == want->out_errors && got->promiscuous == want->promiscuous;

	if (!same && got)
		printf("# got if_index %u speed %llu in_octets %llu out_octets %llu at %lld\n", got->if_index,
			   (unsigned long long) got->if_speed, (unsigned long long) got->in_octets,
			   (unsigned long long) got->out_octets, (long long) got->ctimestamp);
	CHECK(name, same);
}

static void
test_gopacket_counters(void)
{
	timed_capture *c = calloc(1, sizeof(*c));
	test_counters *rows = calloc(1, sizeof(*rows));
	kf_counter_decode_counts counts;

	memset(&counts, 0, sizeof(counts));
	timed_capture_load(c, "gopacket_sflow.pcap");
	for (size_t i = 0; i < c->payloads.count; i++)
	{
		kf_counter_decode_out out = {c->payloads.packets[i].src, c->captured[i], test_counters_emit, rows, &counts};

		kf_sflow_v5_decode_counters(c->payloads.packets[i].data, c->payloads.packets[i].len, &out);
	}
	/* Generic records in frames 1, 9 and 12; frame 3 has processor information (1001), frame 10
	 * VLAN counters (5), frame 13 formats 2203 and 2207: skipped.  Frame 11's sample runs past
	 * the datagram (its framing is lost, which kf_sflow_v5_decode counts for the packet). */
	CHECK_INT_EQ("gopacket counters: three rows", rows->count, 3);
	CHECK_INT_EQ("gopacket counters: counted", counts.interface_records, 3);
	CHECK_INT_EQ("gopacket counters: no malformed counter sample", counts.decode_errors, 0);

	/* frame 1, counter sample seq 8434: tshark "Generic interface counters" */
	kf_counter_row want = {
		.ctimestamp = 1500000000, .if_index = 522, .if_type = 6, .if_speed = UINT64_C(10000000000),
		.if_direction = 1, .if_status = 3, .in_octets = UINT64_C(327115139476491),
		.in_ucast_pkts = 3406683542u, .in_mcast_pkts = 436422, .in_bcast_pkts = 123,
		.out_octets = UINT64_C(57184089570462), .out_ucast_pkts = 1449403761, .out_mcast_pkts = 7363268,
		.out_bcast_pkts = 592113
	};

	check_counter_row("gopacket counters: frame 1 as tshark shows it", rows, 0, &want);
	CHECK("gopacket counters: frame 1 exporter is the UDP source",
		  kf_addr_cmp(rows->exporters[0], test_parse_addr("10.1.255.14")) == 0);
	/* frame 9, record 4 (after 2, 1004, 1005): 0000000e 00000006 00000002 540be400 00000001
	 * 00000003 00000000 00004749 000000b5 00000000 ffffffff 00000000 00000000 ffffffff
	 * 00000000 00008a0b 000001d2 ffffffff ffffffff 00000000 00000000 00000000 */
	want = (kf_counter_row) {
		.ctimestamp = 1500000008, .if_index = 14, .if_type = 6, .if_speed = UINT64_C(10000000000),
		.if_direction = 1, .if_status = 3, .in_octets = 18249, .in_ucast_pkts = 181,
		.in_bcast_pkts = 0xffffffffu, .in_unknown_protos = 0xffffffffu, .out_octets = 35339,
		.out_ucast_pkts = 466, .out_mcast_pkts = 0xffffffffu, .out_bcast_pkts = 0xffffffffu
	};
	check_counter_row("gopacket counters: frame 9 (words read by hand)", rows, 1, &want);
	/* frame 12, record 4: 0000000b 00000006 00000000 05f5e100, then zeros except the
	 * 0xffffffff "unknown" values of in_bcast, in_unknown_protos, out_mcast and out_bcast */
	want = (kf_counter_row) {
		.ctimestamp = 1500000011, .if_index = 11, .if_type = 6, .if_speed = 100000000,
		.in_bcast_pkts = 0xffffffffu, .in_unknown_protos = 0xffffffffu,
		.out_mcast_pkts = 0xffffffffu, .out_bcast_pkts = 0xffffffffu
	};
	check_counter_row("gopacket counters: frame 12 (words read by hand)", rows, 2, &want);
	CHECK("gopacket counters: frame 12 exporter is the UDP source",
		  kf_addr_cmp(rows->exporters[2], test_parse_addr("127.0.0.2")) == 0);
	test_capture_free(&c->payloads);
	free(c);
	free(rows);
}

/* A generic interface counters record whose 22 words are base + their position. */
static void
put_generic_interface(test_buf *t, uint32_t base, uint32_t length)
{
	size_t		r = begin_item(t, 0, 1);

	for (uint32_t i = 0; i < length / 4; i++)
		put32(t, base + i);
	end_item(t, r);
}

/* An sFlow datagram (IPv4 agent) with a counter sample and an expanded counter sample. */
static void
build_counter_datagram(test_buf *t, uint32_t second_generic_length)
{
	t->len = 0;
	put32(t, 5);
	put32(t, 1);
	put32(t, 0xc0000207);
	put32(t, 0);
	put32(t, 1);
	put32(t, 1);
	put32(t, 2);				/* samples */

	size_t		s = begin_item(t, 0, 2);

	put32(t, 1);				/* sequence */
	put32(t, 3);				/* source id */
	put32(t, 3);				/* records: ethernet counters, an enterprise record, generic */
	size_t		r = begin_item(t, 0, 2);

	for (int i = 0; i < 13; i++)
		put32(t, 0);
	end_item(t, r);
	r = begin_item(t, 4413, 1);
	put32(t, 7);
	end_item(t, r);
	put_generic_interface(t, 100, 88);
	end_item(t, s);

	s = begin_item(t, 0, 4);
	put32(t, 2);				/* sequence */
	put32(t, 0);				/* source id type */
	put32(t, 9);				/* source id index */
	put32(t, 1);
	put_generic_interface(t, 200, second_generic_length);
	end_item(t, s);
}

/* Decodes the counter samples of buf[0..len) from a heap copy of exactly len bytes. */
static int
decode_counter_bytes(const uint8_t *buf, size_t len, test_counters *rows, kf_counter_decode_counts *counts)
{
	uint8_t    *copy = malloc(len ? len : 1);

	memcpy(copy, buf, len);
	memset(counts, 0, sizeof(*counts));
	rows->count = 0;
	kf_counter_decode_out out = {test_parse_addr("192.0.2.7"), RECEIVED, test_counters_emit, rows, counts};
	int			rc = kf_sflow_v5_decode_counters(copy, len, &out);

	free(copy);
	return rc;
}

static void
test_handbuilt_counters(void)
{
	test_buf	t;
	test_counters *rows = calloc(1, sizeof(*rows));
	kf_counter_decode_counts counts;

	build_counter_datagram(&t, 88);
	CHECK_INT_EQ("built counters: decodes", decode_counter_bytes(t.b, t.len, rows, &counts), 0);
	CHECK_INT_EQ("built counters: two rows (compact and expanded samples)", rows->count, 2);
	CHECK_INT_EQ("built counters: no errors", counts.decode_errors, 0);

	/* words 100..121: speed and the octet counters are two words, high first */
	kf_counter_row want = {
		.ctimestamp = RECEIVED, .if_index = 100, .if_type = 101,
		.if_speed = (uint64_t) 102 << 32 | 103, .if_direction = 104, .if_status = 105,
		.in_octets = (uint64_t) 106 << 32 | 107, .in_ucast_pkts = 108, .in_mcast_pkts = 109,
		.in_bcast_pkts = 110, .in_discards = 111, .in_errors = 112, .in_unknown_protos = 113,
		.out_octets = (uint64_t) 114 << 32 | 115, .out_ucast_pkts = 116, .out_mcast_pkts = 117,
		.out_bcast_pkts = 118, .out_discards = 119, .out_errors = 120, .promiscuous = 121
	};

	check_counter_row("built counters: every field of the compact sample's record in place", rows, 0, &want);
	CHECK_INT_EQ("built counters: expanded sample's ifIndex", rows->count > 1 ? rows->rows[1].if_index : 0, 200);
	CHECK_INT_EQ("built counters: expanded sample's promiscuous mode",
				 rows->count > 1 ? rows->rows[1].promiscuous : 0, 221);

	/* A generic record of 84 bytes spoils its sample only. */
	build_counter_datagram(&t, 84);
	CHECK_INT_EQ("short generic record: datagram accepted", decode_counter_bytes(t.b, t.len, rows, &counts), 0);
	CHECK_INT_EQ("short generic record: only the good sample's row", rows->count, 1);
	CHECK_INT_EQ("short generic record: one malformed sample", counts.decode_errors, 1);

	/* Every truncation: never a crash or an over-read; rows only from complete samples. */
	bool		all_right = true;

	build_counter_datagram(&t, 88);
	for (size_t len = 0; len < t.len; len++)
	{
		int			rc = decode_counter_bytes(t.b, len, rows, &counts);
		bool		ok = len < 28 ? rc == -1 && rows->count == 0 : rc == 0 && rows->count <= 1;

		if (!ok)
		{
			printf("# cut at %zu: rc %d, %zu rows\n", len, rc, rows->count);
			all_right = false;
		}
	}
	CHECK("built counters: every truncation handled (at most the complete first sample's row)", all_right);
	free(rows);
}

/* sFlow's 32-bit version starts with two zero bytes, NetFlow's 16-bit one does not. */
static void
test_dispatch(void)
{
	static const uint8_t sflow_v4_agent[] = {0, 0, 0, 5, 0, 0, 0, 1};
	static const uint8_t sflow_bad_type[] = {0, 0, 0, 5, 0, 0, 0, 3};
	static const uint8_t sflow_v4_version[] = {0, 0, 0, 4, 0, 0, 0, 1};
	static const uint8_t netflow_v5[] = {0, 5, 0, 0, 0, 0, 0, 1};

	CHECK_INT_EQ("dispatch: sFlow", kf_flow_export_kind(sflow_v4_agent, sizeof(sflow_v4_agent)), KF_EXPORT_SFLOW_V5);
	CHECK_INT_EQ("dispatch: sFlow with address type 3 is nothing", kf_flow_export_kind(sflow_bad_type, 8), KF_EXPORT_UNKNOWN);
	CHECK_INT_EQ("dispatch: sFlow v4 is nothing", kf_flow_export_kind(sflow_v4_version, 8), KF_EXPORT_UNKNOWN);
	CHECK_INT_EQ("dispatch: NetFlow v5", kf_flow_export_kind(netflow_v5, 8), KF_EXPORT_NETFLOW_V5);
	CHECK_INT_EQ("dispatch: 7 bytes are no sFlow", kf_flow_export_kind(sflow_v4_agent, 7), KF_EXPORT_UNKNOWN);

	test_flows *flows = calloc(1, sizeof(*flows));
	kf_flow_decoder *d = kf_flow_decoder_new(test_flows_emit, flows);

	CHECK_INT_EQ("dispatch: a bare sFlow prefix is rejected",
				 kf_flow_decoder_packet(d, test_parse_addr("192.0.2.1"), sflow_v4_agent, 8, 0), -1);
	CHECK_INT_EQ("dispatch: and counted", kf_flow_decoder_totals(d).rejected, 1);
	kf_flow_decoder_free(d);
	free(flows);
}

int
main(void)
{
	kf_log_set_quiet(true);
	test_datagram_headers();
	test_cloudflare_goflow();
	test_gopacket();
	test_goflow2_expanded();
	test_vflow_router();
	test_pmacct_sfprobe();
	test_pmacct_ipv6_agent_malformed();
	test_handbuilt_datagram();
	test_malformed_record();
	test_switch_vlans_win();
	test_dispatch();
	test_gopacket_counters();
	test_handbuilt_counters();
	UNIT_EXIT();
}
