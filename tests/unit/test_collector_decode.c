/*
 * test_collector_decode.c -- the flow decoders (NetFlow v5, v9, IPFIX) on real captures from
 * tests/data/captures/, with every expected value read from tshark 4.0:
 *     tshark -r tests/data/captures/FILE -V -d udp.port==PORT,cflow
 * (PORT 2055 for the NetFlow files, 4739 for the IPFIX ones, 9996 for python3-ipfix_export).
 * The comment above each block names the tshark record the values come from.
 */
#include "tests/unit/unit.h"
#include "tests/unit/collector_test_util.h"

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
	test_missing_templates();
	test_truncated_v5_rejected();
	check_prefixes("netflow_9_cisco_asr1001_x.pcap");
	check_prefixes("goflow2_nfv9_tpl_data.pcap");
	check_prefixes("ipfix_procera.pcap");
	check_prefixes("python3-ipfix_export.pcapng");
	check_prefixes("ipfix_logstash_softflowd.pcap");
	UNIT_EXIT();
}
