/*
 * test_collector_decode.c -- the flow decoders (NetFlow v5, v9, IPFIX) on real captures from
 * tests/data/captures/, with every expected value read from tshark 4.0:
 *     tshark -r tests/data/captures/FILE -V -d udp.port==PORT,cflow
 * (PORT 2055 for the NetFlow files, 4739 for the IPFIX ones, 9996 for python3-ipfix_export).
 * The comment above each block names the tshark record the values come from.
 *
 * Options data in depth: the interface descriptions of the ASR 9000 capture, and IPFIX samplers
 * and interfaces in datagrams built byte by byte (rates from samplingPacketInterval/Space and
 * samplingSize/Population, interfaceName when interfaceDescription is empty, text cleaning, the
 * table limits, kflowd's DIR/templates file keeping them across restarts).
 */
#include "tests/unit/unit.h"
#include "tests/unit/collector_test_util.h"

#include "collector/template_store.h"
#include "store/crc32c.h"
#include "store/part_format.h"

static test_flows flows;

static void
test_v5_juniper(void)
{
	kf_flow_decoder *d = test_decode_capture("netflow5_juniper_mx80.pcap", &flows);

	/* tshark: Count: 29, CurrentSecs: 1469109172, SamplingMode 0 with SampleRate: 1000 */
	CHECK_INT_EQ("v5 flow count", flows.count, 29);
	const kf_flow *f = &flows.flows[0];

	/* tshark "pdu 1/29" */
	CHECK_INT_EQ("v5 ctimestamp", f->ctimestamp, 1469109172);
	CHECK_STR_EQ("v5 src", test_addr(f->src_addr), "10.0.0.1");
	CHECK_STR_EQ("v5 dst", test_addr(f->dst_addr), "192.168.0.2");
	CHECK_STR_EQ("v5 next hop", test_addr(f->next_hop), "192.168.0.2");
	CHECK_INT_EQ("v5 input", f->input_port, 542);
	CHECK_INT_EQ("v5 output", f->output_port, 536);
	CHECK_INT_EQ("v5 packets", f->in_pkts, 1);
	CHECK_INT_EQ("v5 octets", f->in_bytes, 1500);
	CHECK_INT_EQ("v5 src port", f->l4_src_port, 443);
	CHECK_INT_EQ("v5 dst port", f->l4_dst_port, 61608);
	CHECK_INT_EQ("v5 tcp flags", f->tcp_flags, 0x10);
	CHECK_INT_EQ("v5 protocol", f->protocol, 6);
	CHECK_INT_EQ("v5 src as", f->src_as, 64497);
	CHECK_INT_EQ("v5 dst as", f->dst_as, 64496);
	CHECK_INT_EQ("v5 header sample rate", f->sample_rate, 1000);
	/* tshark: SysUptime 190649.064 s, StartTime = EndTime 190632.000 s: 17.064 s before export */
	CHECK_INT_EQ("v5 flow end", f->flow_end_ms, INT64_C(1469109154936));
	CHECK_INT_EQ("v5 flow duration", f->flow_duration_ms, 0);
	/* tshark "pdu 2/29": Octets 48, TCP Flags 0xc2, IP ToS 0x02, SrcPort 6525 */
	f = &flows.flows[1];
	CHECK_INT_EQ("v5 pdu2 octets", f->in_bytes, 48);
	CHECK_INT_EQ("v5 pdu2 flags", f->tcp_flags, 0xc2);
	CHECK_INT_EQ("v5 pdu2 tos", f->tos, 2);
	CHECK_INT_EQ("v5 pdu2 src port", f->l4_src_port, 6525);
	CHECK_STR_EQ("v5 pdu2 src", test_addr(f->src_addr), "10.0.1.1");
	kf_exporter_stats t = kf_flow_decoder_totals(d);

	CHECK_INT_EQ("v5 no decode errors", t.counts.decode_errors, 0);
	kf_flow_decoder_free(d);
}

static void
test_v9_asr1001(void)
{
	kf_flow_decoder *d = test_decode_capture("netflow_9_cisco_asr1001_x.pcap", &flows);

	/* tshark: Count: 26 = template 259 + 25 data records; CurrentSecs: 1507580555 */
	CHECK_INT_EQ("v9 asr1001 flow count", flows.count, 25);
	const kf_flow *f = &flows.flows[0];

	/* tshark "Flow 1" */
	CHECK_INT_EQ("v9 ctimestamp", f->ctimestamp, 1507580555);
	CHECK_STR_EQ("v9 src", test_addr(f->src_addr), "10.111.111.242");
	CHECK_STR_EQ("v9 dst", test_addr(f->dst_addr), "10.12.100.13");
	CHECK_STR_EQ("v9 next hop", test_addr(f->next_hop), "10.10.5.100");
	CHECK_INT_EQ("v9 protocol", f->protocol, 6);
	CHECK_INT_EQ("v9 src port", f->l4_src_port, 52444);
	CHECK_INT_EQ("v9 dst port", f->l4_dst_port, 53218);
	CHECK_INT_EQ("v9 input", f->input_port, 4);
	CHECK_INT_EQ("v9 output", f->output_port, 16);
	CHECK_INT_EQ("v9 octets", f->in_bytes, 965);
	CHECK_INT_EQ("v9 packets", f->in_pkts, 7);
	/* tshark: StartTime Oct  9, 2017 20:22:20.637, EndTime 20:22:20.731 UTC */
	CHECK_INT_EQ("v9 flow end", f->flow_end_ms, INT64_C(1507580540731));
	CHECK_INT_EQ("v9 flow duration", f->flow_duration_ms, 94);
	CHECK("v9 no MPLS label in this template", !f->mpls_labeled);
	kf_exporter_stats t = kf_flow_decoder_totals(d);

	CHECK_INT_EQ("v9 asr1001 templates", t.counts.templates, 1);
	CHECK_INT_EQ("v9 asr1001 no errors", t.counts.decode_errors, 0);
	kf_flow_decoder_free(d);
}

static void
test_v9_goflow2(void)
{
	kf_flow_decoder *d = test_decode_capture("goflow2_nfv9_tpl_data.pcap", &flows);

	/* tshark: records 21 in packet 2; CurrentSecs: 1636475816 */
	CHECK_INT_EQ("v9 goflow2 flow count", flows.count, 21);
	const kf_flow *f = &flows.flows[0];

	/* tshark "Flow 1" (only a BGPNextHop, which is not the IP next hop) */
	CHECK_INT_EQ("v9 goflow2 ctimestamp", f->ctimestamp, 1636475816);
	CHECK_STR_EQ("v9 goflow2 src", test_addr(f->src_addr), "198.38.120.222");
	CHECK_STR_EQ("v9 goflow2 dst", test_addr(f->dst_addr), "88.121.217.208");
	CHECK_INT_EQ("v9 goflow2 packets", f->in_pkts, 1);
	CHECK_INT_EQ("v9 goflow2 octets", f->in_bytes, 1500);
	CHECK_INT_EQ("v9 goflow2 input", f->input_port, 354);
	CHECK_INT_EQ("v9 goflow2 output", f->output_port, 304);
	CHECK_INT_EQ("v9 goflow2 dst port", f->l4_dst_port, 15184);
	CHECK_INT_EQ("v9 goflow2 flags", f->tcp_flags, 0x10);
	CHECK("v9 goflow2 next hop absent", kf_addr_is_absent(f->next_hop));
	kf_flow_decoder_free(d);
}

static void
test_ipfix_openbsd(void)
{
	kf_flow_decoder *d = test_decode_capture("ipfix_openbsd_pflow.pcap", &flows);

	/* tshark: records 26, all in packet 2 (ExportTime 1469107837; packet 1, the templates, 1469107836) */
	CHECK_INT_EQ("ipfix pflow flow count", flows.count, 26);
	const kf_flow *f = &flows.flows[0];

	/* tshark "Flow 1" (8-byte PKTS / BYTES) */
	CHECK_INT_EQ("ipfix ctimestamp", f->ctimestamp, 1469107837);
	CHECK_STR_EQ("ipfix src", test_addr(f->src_addr), "192.168.0.17");
	CHECK_STR_EQ("ipfix dst", test_addr(f->dst_addr), "192.168.0.1");
	CHECK_INT_EQ("ipfix packets", f->in_pkts, 7);
	CHECK_INT_EQ("ipfix octets", f->in_bytes, 373);
	CHECK_INT_EQ("ipfix src port", f->l4_src_port, 64020);
	CHECK_INT_EQ("ipfix dst port", f->l4_dst_port, 80);
	CHECK_INT_EQ("ipfix input", f->input_port, 1);
	CHECK_INT_EQ("ipfix protocol", f->protocol, 6);
	kf_flow_decoder_free(d);
}

static void
test_ipfix_enterprise_varlen(void)
{
	kf_flow_decoder *d = test_decode_capture("ipfix_procera.pcap", &flows);

	/* tshark: records 8; template 52935 has Sandvine (PEN 15397) fields, five of them
	 * variable-length, and both IPv4 and IPv6 address fields; data in packet 2, ExportTime 1523763000 */
	CHECK_INT_EQ("ipfix procera flow count", flows.count, 8);
	const kf_flow *f = &flows.flows[0];

	/* tshark "Flow 1": SrcAddr 181.214.87.71 and SrcAddr :: */
	CHECK_INT_EQ("procera ctimestamp", f->ctimestamp, 1523763000);
	CHECK_STR_EQ("procera v4 src kept over zero v6", test_addr(f->src_addr), "181.214.87.71");
	CHECK_STR_EQ("procera v4 dst", test_addr(f->dst_addr), "138.44.161.14");
	CHECK_INT_EQ("procera src port", f->l4_src_port, 53787);
	CHECK_INT_EQ("procera dst port", f->l4_dst_port, 47838);
	CHECK_INT_EQ("procera src as", f->src_as, 7575);
	CHECK_INT_EQ("procera protocol", f->protocol, 6);
	/* tshark "Flow 2": SrcAddr 0.0.0.0 and 2001:388:cf0a:6::1, ICMPv6, ports 136 / 135 */
	f = &flows.flows[1];
	CHECK_STR_EQ("procera v6 src over zero v4", test_addr(f->src_addr), "2001:388:cf0a:6::1");
	CHECK_STR_EQ("procera v6 dst", test_addr(f->dst_addr), "2001:388:cf0a:6::2");
	CHECK_INT_EQ("procera icmpv6 protocol", f->protocol, 58);
	CHECK_INT_EQ("procera flow2 dst port", f->l4_dst_port, 135);
	kf_exporter_stats t = kf_flow_decoder_totals(d);

	CHECK_INT_EQ("procera no decode errors", t.counts.decode_errors, 0);
	kf_flow_decoder_free(d);
}

static void
test_ipfix_varlen_python(void)
{
	kf_flow_decoder *d = test_decode_capture("python3-ipfix_export.pcapng", &flows);

	/* tshark: records 120 (templates 256 with a variable-length IF_NAME, 257 IPv6) */
	CHECK_INT_EQ("python-ipfix flow count", flows.count, 120);
	const kf_flow *f = &flows.flows[0];

	/* tshark packet 1 "Flow 1": 10.0.0.1:1024 -> 198.51.100.7:443 TCP, 10 packets, 1000 octets,
	 * IfName ge-0/0/0; ExportTime 1795311996 */
	CHECK_INT_EQ("python-ipfix ctimestamp", f->ctimestamp, 1795311996);
	CHECK_STR_EQ("python-ipfix src", test_addr(f->src_addr), "10.0.0.1");
	CHECK_STR_EQ("python-ipfix dst", test_addr(f->dst_addr), "198.51.100.7");
	CHECK_INT_EQ("python-ipfix packets", f->in_pkts, 10);
	CHECK_INT_EQ("python-ipfix octets", f->in_bytes, 1000);
	size_t		v6 = 0;

	while (v6 < flows.count && kf_addr_is_v4(flows.flows[v6].src_addr))
		v6++;
	/* tshark: packets 1-4 hold 23 flows of template 256 each, packet 5 another 8, then the first
	 * flow of template 257: 2001:db8::1:5000 -> 2001:db8:1::1:53 UDP, 1 packet, 80 octets */
	CHECK_INT_EQ("python-ipfix first v6 flow index", v6, 100);
	if (v6 < flows.count)
	{
		f = &flows.flows[v6];
		CHECK_STR_EQ("python-ipfix v6 src", test_addr(f->src_addr), "2001:db8::1");
		CHECK_STR_EQ("python-ipfix v6 dst", test_addr(f->dst_addr), "2001:db8:1::1");
		CHECK_INT_EQ("python-ipfix v6 src port", f->l4_src_port, 5000);
		CHECK_INT_EQ("python-ipfix v6 protocol", f->protocol, 17);
		CHECK_INT_EQ("python-ipfix v6 octets", f->in_bytes, 80);
	}
	kf_flow_decoder_free(d);
}

static void
test_options_skipped(void)
{
	/* tshark: options template 256 and 19 options data records, no flow template */
	kf_flow_decoder *d = test_decode_capture("netflow_9_cisco_asr_9000_series_options_template_256.pcap", &flows);
	kf_exporter_stats t = kf_flow_decoder_totals(d);

	CHECK_INT_EQ("v9 options: no flows", flows.count, 0);
	CHECK_INT_EQ("v9 options: records read", t.counts.options_records, 19);
	CHECK_INT_EQ("v9 options: no errors", t.counts.decode_errors, 0);
	kf_flow_decoder_free(d);

	/* tshark: IPFIX options template 256 + data 256 (1 record), templates 1024/2048, 6 flows of 1024 */
	d = test_decode_capture("ipfix_logstash_softflowd.pcap", &flows);
	t = kf_flow_decoder_totals(d);
	CHECK_INT_EQ("ipfix options: flows", flows.count, 6);
	CHECK_INT_EQ("ipfix options: options record", t.counts.options_records, 1);
	kf_flow_decoder_free(d);

	/* tshark: IPFIX template + options template + data ending in set padding: 2 flows + 1 options record */
	d = test_decode_capture("bitkeks_ipfix_padding.pcap", &flows);
	t = kf_flow_decoder_totals(d);
	CHECK_INT_EQ("ipfix padding: flows", flows.count, 2);
	CHECK_INT_EQ("ipfix padding: no errors", t.counts.decode_errors, 0);
	kf_flow_decoder_free(d);

	/* Cisco WLC template 261 has no address field: its 19 records are not flows */
	d = test_decode_capture("netflow_9_cisco_wlc.pcap", &flows);
	t = kf_flow_decoder_totals(d);
	CHECK_INT_EQ("wlc: no flows", flows.count, 0);
	CHECK_INT_EQ("wlc: non-flow records", t.counts.non_flow_records, 19);
	kf_flow_decoder_free(d);
}

/* tshark -V: the 19 records of options template 256 (scope System, INPUT_SNMP 4 bytes, IF_DESC 64
 * bytes) from 127.0.0.2, SourceId 2177, as (InputInt, IfDescr). */
static const struct
{
	uint32_t	ifindex;
	const char *description;
}			asr9000_interfaces[19] = {
	{74, "TenGigE0_0_1_0"}, {75, "TenGigE0_0_1_1"}, {76, "TenGigE0_0_1_2"},
	{54, "GigabitEthernet0_0_0_0"}, {55, "GigabitEthernet0_0_0_1"}, {56, "GigabitEthernet0_0_0_2"},
	{58, "GigabitEthernet0_0_0_4"}, {59, "GigabitEthernet0_0_0_5"}, {60, "GigabitEthernet0_0_0_6"},
	{66, "GigabitEthernet0_0_0_12"}, {86, "TenGigE0_1_0_0"}, {87, "TenGigE0_1_0_1"},
	{88, "TenGigE0_1_0_2"}, {162, "Bundle-Ether2"}, {110, "TenGigE0_6_1_0"},
	{111, "TenGigE0_6_1_1"}, {102, "TenGigE0_6_0_0"}, {103, "TenGigE0_6_0_1"},
	{104, "TenGigE0_6_0_2"},
};

static void
test_asr9000_interface_descriptions(void)
{
	kf_flow_decoder *d = test_decode_capture("netflow_9_cisco_asr_9000_series_options_template_256.pcap", &flows);
	const kf_template_cache *tc = kf_flow_decoder_templates(d);
	kf_addr		exporter = test_parse_addr("127.0.0.2");
	int			matching = 0;

	for (size_t i = 0; i < 19; i++)
	{
		const char *got = kf_template_cache_interface(tc, exporter, 9, 2177, asr9000_interfaces[i].ifindex);

		matching += got && strcmp(got, asr9000_interfaces[i].description) == 0;
	}
	CHECK_INT_EQ("asr9000: all 19 IF_DESC values, NUL padding cut", matching, 19);
	CHECK_STR_EQ("asr9000: ifIndex 162", kf_template_cache_interface(tc, exporter, 9, 2177, 162), "Bundle-Ether2");
	CHECK_INT_EQ("asr9000: 19 interfaces held", kf_template_cache_options_stats(tc)->interfaces, 19);
	CHECK("asr9000: ifIndex 57 was not announced", kf_template_cache_interface(tc, exporter, 9, 2177, 57) == NULL);
	CHECK("asr9000: other source id", kf_template_cache_interface(tc, exporter, 9, 2178, 74) == NULL);
	CHECK("asr9000: other exporter", kf_template_cache_interface(tc, test_parse_addr("127.0.0.3"), 9, 2177, 74) == NULL);
	CHECK_INT_EQ("asr9000: the System scope sets no sampling", kf_template_cache_sampling(tc, exporter, 9, 2177), 0);
	kf_flow_decoder_free(d);
}

static void
ipfix_start(test_buf *t, uint32_t export_time, uint32_t domain)
{
	t->len = 0;
	put16(t, 10);
	put16(t, 0);
	put32(t, export_time);
	put32(t, 1);
	put32(t, domain);
}

/* A variable-length IPFIX string (one length byte). */
static void
put_varlen(test_buf *t, const char *text)
{
	put8(t, strlen(text));
	for (size_t i = 0; text[i]; i++)
		put8(t, (uint8_t) text[i]);
}

/*
 * IPFIX domain 9 of 198.51.100.9: selector 7 samples 1 packet then skips 99 (1 in 100), sampler 8
 * takes 2 of every 101 (1 in 50.5, rounded 51), interface 3 is described, interface 4 only named.
 * Flows of selector 7 and 8 on those interfaces, then one of selector 5 (never announced).
 */
static void
test_ipfix_samplers_and_interfaces(void)
{
	kf_flow_decoder *d = kf_flow_decoder_new(test_flows_emit, &flows);
	kf_template_cache *tc = kf_flow_decoder_templates(d);
	kf_addr		exporter = test_parse_addr("198.51.100.9");
	test_buf	t;
	size_t		set;

	flows.count = 0;
	ipfix_start(&t, 1700000000, 9);
	set = t.len;
	put16(&t, 3); put16(&t, 0);
	/* 500: scope selectorId (302, 8); samplingPacketInterval (305, 4), samplingPacketSpace (306, 4) */
	put16(&t, 500); put16(&t, 3); put16(&t, 1);
	put16(&t, 302); put16(&t, 8);
	put16(&t, 305); put16(&t, 4);
	put16(&t, 306); put16(&t, 4);
	/* 501: scope samplerId (48, 2); samplingSize (309, 4), samplingPopulation (310, 4) */
	put16(&t, 501); put16(&t, 3); put16(&t, 1);
	put16(&t, 48); put16(&t, 2);
	put16(&t, 309); put16(&t, 4);
	put16(&t, 310); put16(&t, 4);
	/* 502: scope ingressInterface (10, 4); interfaceName (82, varlen), interfaceDescription (83, varlen) */
	put16(&t, 502); put16(&t, 3); put16(&t, 1);
	put16(&t, 10); put16(&t, 4);
	put16(&t, 82); put16(&t, 0xffff);
	put16(&t, 83); put16(&t, 0xffff);
	patch16(&t, set + 2, t.len - set);
	/* 503: src, dst, octetDeltaCount (8), ingressInterface (4), egressInterface (4), selectorId (8) */
	set = t.len;
	put16(&t, 2); put16(&t, 0);
	put16(&t, 503); put16(&t, 6);
	put16(&t, 8); put16(&t, 4);
	put16(&t, 12); put16(&t, 4);
	put16(&t, 1); put16(&t, 8);
	put16(&t, 10); put16(&t, 4);
	put16(&t, 14); put16(&t, 4);
	put16(&t, 302); put16(&t, 8);
	patch16(&t, set + 2, t.len - set);
	set = t.len;
	put16(&t, 500); put16(&t, 0);
	put_be(&t, 7, 8); put32(&t, 1); put32(&t, 99);
	patch16(&t, set + 2, t.len - set);
	set = t.len;
	put16(&t, 501); put16(&t, 0);
	put16(&t, 8); put32(&t, 2); put32(&t, 101);
	patch16(&t, set + 2, t.len - set);
	set = t.len;
	put16(&t, 502); put16(&t, 0);
	put32(&t, 3); put_varlen(&t, "et-0/0/3"); put_varlen(&t, "uplink-to-core");
	put32(&t, 4); put_varlen(&t, "xe-0/0/4"); put_varlen(&t, "");
	patch16(&t, set + 2, t.len - set);
	set = t.len;
	put16(&t, 503); put16(&t, 0);
	put32(&t, 0xc0000201); put32(&t, 0xc0000202); put_be(&t, 1000, 8); put32(&t, 3); put32(&t, 4); put_be(&t, 7, 8);
	put32(&t, 0xc0000203); put32(&t, 0xc0000204); put_be(&t, 1000, 8); put32(&t, 4); put32(&t, 9); put_be(&t, 8, 8);
	put32(&t, 0xc0000205); put32(&t, 0xc0000206); put_be(&t, 1000, 8); put32(&t, 9); put32(&t, 3); put_be(&t, 5, 8);
	patch16(&t, set + 2, t.len - set);
	patch16(&t, 2, t.len);

	CHECK_INT_EQ("ipfix options: accepted", kf_flow_decoder_packet(d, exporter, t.b, t.len, 0), 0);
	CHECK_INT_EQ("ipfix options: no errors", kf_flow_decoder_totals(d).counts.decode_errors, 0);
	CHECK_INT_EQ("ipfix options: four options records", kf_flow_decoder_totals(d).counts.options_records, 4);
	CHECK_INT_EQ("ipfix options: three flows", flows.count, 3);
	CHECK_INT_EQ("selector 7: (1 + 99) / 1", kf_template_cache_sampler(tc, exporter, 10, 9, 7), 100);
	CHECK_INT_EQ("sampler 8: 101 / 2 rounded", kf_template_cache_sampler(tc, exporter, 10, 9, 8), 51);
	CHECK_INT_EQ("sampler rates are not exporter-wide", kf_template_cache_sampling(tc, exporter, 10, 9), 0);
	if (flows.count == 3)
	{
		CHECK_INT_EQ("flow of selector 7: rate 100", flows.flows[0].sample_rate, 100);
		CHECK_INT_EQ("flow counters stay raw in the decoder", flows.flows[0].in_bytes, 1000);
		CHECK_STR_EQ("flow input 3: its description", flows.flows[0].input_interface_description, "uplink-to-core");
		CHECK_STR_EQ("flow output 4: its name, the description being empty",
					 flows.flows[0].output_interface_description, "xe-0/0/4");
		CHECK_INT_EQ("flow of sampler 8: rate 51", flows.flows[1].sample_rate, 51);
		CHECK("flow output 9: not announced", flows.flows[1].output_interface_description == NULL);
		CHECK_INT_EQ("flow of unknown selector 5: no rate", flows.flows[2].sample_rate, 0);
	}
	CHECK_INT_EQ("unknown selector counted", kf_template_cache_options_stats(tc)->unknown_sampler_flows, 1);
	kf_flow_decoder_free(d);
}

/* What the cache keeps of an exporter's text, and that a hostile exporter cannot grow it without end. */
static void
test_option_tables(void)
{
	kf_template_cache *tc = kf_template_cache_new();
	kf_addr		exporter = test_parse_addr("203.0.113.1");
	kf_template_key key = {exporter, 1, 256, 9};
	kf_template_field field = {8, 4, 0};
	const uint8_t messy[] = "bad\x01" "byte \xc3\xa9t\xc3\xa9 \xed\xa0\x80 \xff   ";
	char		longer[400];

	kf_template_cache_set_sampler(tc, exporter, 9, 1, 7, 100);
	CHECK_INT_EQ("no sampler kept for an exporter without templates", kf_template_cache_sampler(tc, exporter, 9, 1, 7), 0);
	CHECK_INT_EQ("template", kf_template_cache_put(tc, &key, &field, 1, 0, false), 0);
	kf_template_cache_set_interface(tc, exporter, 9, 1, 1, messy, sizeof(messy) - 1);
	CHECK_STR_EQ("control bytes and invalid UTF-8 replaced, valid UTF-8 kept, trailing spaces cut",
				 kf_template_cache_interface(tc, exporter, 9, 1, 1), "bad?byte \xc3\xa9t\xc3\xa9 ??? ?");
	memset(longer, 'x', sizeof(longer));
	kf_template_cache_set_interface(tc, exporter, 9, 1, 2, (const uint8_t *) longer, sizeof(longer));
	CHECK_INT_EQ("long descriptions cut", strlen(kf_template_cache_interface(tc, exporter, 9, 1, 2)), KF_OPTION_DESCRIPTION_MAX);
	kf_template_cache_set_interface(tc, exporter, 9, 1, 2, (const uint8_t *) "core", 4);
	CHECK_STR_EQ("a new description replaces the old", kf_template_cache_interface(tc, exporter, 9, 1, 2), "core");
	kf_template_cache_set_interface(tc, exporter, 9, 1, 5, (const uint8_t *) "\0\0  ", 4);
	CHECK("an empty description is not stored", kf_template_cache_interface(tc, exporter, 9, 1, 5) == NULL);
	for (uint64_t id = 0; id < KF_OPTION_ENTRIES_PER_EXPORTER + 10; id++)
		kf_template_cache_set_sampler(tc, exporter, 9, 1, id, 2);
	const kf_options_stats *st = kf_template_cache_options_stats(tc);

	CHECK_INT_EQ("entries per exporter bounded", st->samplers + st->interfaces, KF_OPTION_ENTRIES_PER_EXPORTER);
	/* the sampler before the template, and 12 of the 65546 (2 interfaces held) */
	CHECK_INT_EQ("refusals counted", st->refused, 13);
	CHECK_INT_EQ("a known sampler can still change", (kf_template_cache_set_sampler(tc, exporter, 9, 1, 3, 9),
													  kf_template_cache_sampler(tc, exporter, 9, 1, 3)), 9);
	kf_template_cache_free(tc);
}

/* Decodes a template file into a fresh cache; returns the cache (NULL when refused, with err). */
static kf_template_cache *
restore(const uint8_t *data, size_t len, kf_error *err)
{
	kf_template_cache *tc = kf_template_cache_new();
	size_t		restored,
				refused;

	if (kf_template_store_decode(data, len, tc, &restored, &refused, err) != 0)
	{
		kf_template_cache_free(tc);
		return NULL;
	}
	return tc;
}

/* Samplers and interface descriptions survive a save and a restore; version 1 files still load. */
static void
test_option_tables_saved(void)
{
	kf_template_cache *tc = kf_template_cache_new();
	kf_addr		exporter = test_parse_addr("2001:db8::9");
	kf_template_key key = {exporter, 4, 256, 10};
	kf_template_field field = {8, 4, 0};
	uint8_t    *file;
	size_t		len;
	kf_error	err = {{0}};

	kf_template_cache_put(tc, &key, &field, 1, 0, false);
	kf_template_cache_set_sampling(tc, exporter, 10, 4, 64);
	uint64_t	before = kf_template_cache_generation(tc);

	kf_template_cache_set_sampler(tc, exporter, 10, 4, UINT64_C(0x123456789a), 100);
	CHECK("a new sampler moves the generation (kflowd saves)", kf_template_cache_generation(tc) != before);
	before = kf_template_cache_generation(tc);
	kf_template_cache_set_sampler(tc, exporter, 10, 4, UINT64_C(0x123456789a), 100);
	kf_template_cache_set_interface(tc, exporter, 10, 4, 3, (const uint8_t *) "uplink-to-core", 14);
	CHECK("a new description moves it", kf_template_cache_generation(tc) != before);
	before = kf_template_cache_generation(tc);
	kf_template_cache_set_interface(tc, exporter, 10, 4, 3, (const uint8_t *) "uplink-to-core\0\0", 16);
	CHECK("the same announcements again do not", kf_template_cache_generation(tc) == before);
	kf_template_cache_set_interface(tc, exporter, 10, 4, UINT32_MAX, (const uint8_t *) "\xc3\xa9", 2);
	CHECK_INT_EQ("encode", kf_template_store_encode(tc, &file, &len, &err), 0);
	kf_template_cache_free(tc);

	tc = restore(file, len, &err);
	CHECK("version 2 file with options restores", tc != NULL);
	if (tc)
	{
		CHECK_INT_EQ("restored sampler", kf_template_cache_sampler(tc, exporter, 10, 4, UINT64_C(0x123456789a)), 100);
		CHECK_STR_EQ("restored description", kf_template_cache_interface(tc, exporter, 10, 4, 3), "uplink-to-core");
		CHECK_STR_EQ("restored UTF-8 description of ifIndex 2^32-1",
					 kf_template_cache_interface(tc, exporter, 10, 4, UINT32_MAX), "\xc3\xa9");
		CHECK_INT_EQ("restored exporter-wide rate", kf_template_cache_sampling(tc, exporter, 10, 4), 64);
		CHECK("nothing for another domain", kf_template_cache_sampler(tc, exporter, 10, 5, UINT64_C(0x123456789a)) == 0);
		kf_template_cache_free(tc);
	}

	/* the same file claiming version 1, which had no sampler or interface entries: refused */
	kf_put_u32(file + 8, 1);
	kf_put_u32(file + len - 4, kf_crc32c(file, len - 4));
	tc = restore(file, len, &err);
	CHECK("version 1 file with sampler and interface entries refused", tc == NULL && strstr(err.msg, "has kind") != NULL);
	kf_template_cache_free(tc);
	free(file);

	/* a version 1 file as earlier kflowd wrote it (a template and a sampling entry) still loads */
	tc = kf_template_cache_new();
	kf_template_cache_put(tc, &key, &field, 1, 0, false);
	kf_template_cache_set_sampling(tc, exporter, 10, 4, 64);
	CHECK_INT_EQ("encode without options", kf_template_store_encode(tc, &file, &len, &err), 0);
	kf_template_cache_free(tc);
	kf_put_u32(file + 8, 1);
	kf_put_u32(file + len - 4, kf_crc32c(file, len - 4));
	tc = restore(file, len, &err);
	CHECK_INT_EQ("version 1 file restores its sampling rate", tc ? kf_template_cache_sampling(tc, exporter, 10, 4) : 0, 64);
	kf_template_cache_free(tc);
	kf_put_u32(file + 8, 3);
	kf_put_u32(file + len - 4, kf_crc32c(file, len - 4));
	CHECK("version 3 refused naming the versions read",
		  restore(file, len, &err) == NULL && strstr(err.msg, "version 3 is not supported (this kflowd reads versions 1 to 2)"));
	free(file);
}

static void
test_missing_templates(void)
{
	/* tshark: "no template" for all 4 data sets of this message */
	kf_flow_decoder *d = test_decode_capture("ipfix_netscaler_with_variable_length_fields_missing_templates.pcap", &flows);
	kf_exporter_stats t = kf_flow_decoder_totals(d);

	CHECK_INT_EQ("missing templates: no flows", flows.count, 0);
	CHECK_INT_EQ("missing templates: drops counted", t.counts.no_template_drops, 4);
	CHECK_INT_EQ("missing templates: packet accepted", t.packets, 1);
	kf_flow_decoder_free(d);
}

/* Every prefix of every packet of a capture: never more flows than the whole packet, and every
 * flow emitted equal to the whole packet's flow at the same position (no misread). */
static void
check_prefixes(const char *capture_name)
{
	test_capture *c = calloc(1, sizeof(*c));
	test_flows *whole = calloc(1, sizeof(*whole));
	test_flows *part = calloc(1, sizeof(*part));
	kf_flow_decoder *full = kf_flow_decoder_new(test_flows_emit, whole);
	kf_flow_decoder *cut = kf_flow_decoder_new(test_flows_emit, part);
	size_t		bad = 0,
				prefixes = 0;

	test_capture_load(c, capture_name);
	for (size_t i = 0; i < c->count; i++)
	{
		test_packet *p = &c->packets[i];

		for (size_t len = 0; len < p->len; len++)
		{
			part->count = 0;
			kf_flow_decoder_packet(cut, p->src, p->data, len, 0);
			whole->count = 0;
			kf_flow_decoder_packet(full, p->src, p->data, p->len, 0);
			prefixes++;
			bad += part->count > whole->count;
			for (size_t k = 0; k < part->count && k < whole->count; k++)
				bad += !test_flow_equal(&part->flows[k], &whole->flows[k]);
		}
		/* the templates of the complete packet, for the next packet's data */
		kf_flow_decoder_packet(cut, p->src, p->data, p->len, 0);
	}
	char		name[256];

	snprintf(name, sizeof(name), "every prefix of %s decodes without misread flows", capture_name);
	CHECK(name, prefixes > 100 && bad == 0);
	kf_flow_decoder_free(full);
	kf_flow_decoder_free(cut);
	test_capture_free(c);
	free(c);
	free(whole);
	free(part);
}

static void
test_truncated_v5_rejected(void)
{
	test_capture *c = calloc(1, sizeof(*c));
	size_t		accepted = 0,
				emitted = 0;

	test_capture_load(c, "netflow5_juniper_mx80.pcap");
	kf_flow_decoder *d = kf_flow_decoder_new(test_flows_emit, &flows);

	flows.count = 0;
	for (size_t len = 0; c->count == 1 && len < c->packets[0].len; len++)
		accepted += kf_flow_decoder_packet(d, c->packets[0].src, c->packets[0].data, len, 0) == 0;
	emitted = flows.count;
	CHECK_INT_EQ("v5: every truncated prefix rejected", accepted, 0);
	CHECK_INT_EQ("v5: truncated prefixes emit nothing", emitted, 0);
	CHECK_INT_EQ("v5: rejects counted", kf_flow_decoder_totals(d).rejected, c->count ? c->packets[0].len : 0);
	kf_flow_decoder_free(d);
	test_capture_free(c);
	free(c);
}

int
main(void)
{
	test_v5_juniper();
	test_v9_asr1001();
	test_v9_goflow2();
	test_ipfix_openbsd();
	test_ipfix_enterprise_varlen();
	test_ipfix_varlen_python();
	test_options_skipped();
	test_asr9000_interface_descriptions();
	test_ipfix_samplers_and_interfaces();
	test_option_tables();
	test_option_tables_saved();
	test_missing_templates();
	test_truncated_v5_rejected();
	check_prefixes("netflow_9_cisco_asr1001_x.pcap");
	check_prefixes("goflow2_nfv9_tpl_data.pcap");
	check_prefixes("ipfix_procera.pcap");
	check_prefixes("python3-ipfix_export.pcapng");
	check_prefixes("ipfix_logstash_softflowd.pcap");
	UNIT_EXIT();
}
