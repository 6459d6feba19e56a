/*
 * test_collector_meter.c -- unit tests of kflowd's packet meter (collector/flow_meter.c,
 * collector/meter_source.c): frames built byte by byte go through kf_flow_meter_frame and must
 * come out as exactly the expected flows -- TCP FIN and RST, idle and active expiry at their exact
 * boundaries, IPv6, VLAN and QinQ, ICMP type/code, fragments, table-full eviction, clock
 * rules and counters -- and the test capture tests/data/captures/meter_mix.pcap (made by
 * make_meter_capture.py there) gives exactly the 22 flows listed in mix_flows, worked out by hand
 * from that script.
 */
#include <stdlib.h>
#include <string.h>

#include "collector/flow_meter.h"
#include "collector/meter_options.h"
#include "collector/meter_source.h"
#include "tests/unit/collector_test_util.h"
#include "tests/unit/unit.h"

#define DLT_ETHERNET 1
#define DLT_RAW_IP 12
#define SEC 1000000LL
#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10

/* ------------------------------------------------------------------ frames byte by byte */

/* Ethernet header with optional 802.1Q tags (0 = none). */
static void
put_ethernet(test_buf *t, uint16_t outer_vlan, uint16_t inner_vlan, uint16_t ethertype)
{
	put32(t, 0x02000000);
	put16(t, 0x0002);
	put32(t, 0x02000000);
	put16(t, 0x0001);
	if (outer_vlan)
	{
		put16(t, inner_vlan ? 0x88a8 : 0x8100);
		put16(t, outer_vlan);
	}
	if (inner_vlan)
	{
		put16(t, 0x8100);
		put16(t, inner_vlan);
	}
	put16(t, ethertype);
}

/* IPv4 header (no options) followed by l4; total_len 0 = the real length. */
static void
put_ipv4(test_buf *t, uint32_t src, uint32_t dst, uint8_t proto, uint8_t tos, uint16_t frag, const test_buf *l4)
{
	put8(t, 0x45);
	put8(t, tos);
	put16(t, 20 + l4->len);
	put16(t, 1);
	put16(t, frag);
	put8(t, 64);
	put8(t, proto);
	put16(t, 0);
	put32(t, src);
	put32(t, dst);
	memcpy(t->b + t->len, l4->b, l4->len);
	t->len += l4->len;
}

/* IPv6 header (2001:db8::<src_low> to 2001:db8::<dst_low>, traffic class tc) followed by l4. */
static void
put_ipv6(test_buf *t, uint16_t src_low, uint16_t dst_low, uint8_t next, uint8_t tc, const test_buf *l4)
{
	put32(t, 6u << 28 | (uint32_t) tc << 20);
	put16(t, l4->len);
	put8(t, next);
	put8(t, 64);
	for (int a = 0; a < 2; a++)
	{
		put32(t, 0x20010db8);
		put32(t, 0);
		put32(t, 0);
		put32(t, a == 0 ? src_low : dst_low);
	}
	memcpy(t->b + t->len, l4->b, l4->len);
	t->len += l4->len;
}

static test_buf
tcp_segment(uint16_t sport, uint16_t dport, uint8_t flags, size_t payload)
{
	test_buf	t = {.len = 0};

	put16(&t, sport);
	put16(&t, dport);
	put32(&t, 1000);
	put32(&t, 2000);
	put8(&t, 5 << 4);
	put8(&t, flags);
	put16(&t, 65535);
	put32(&t, 0);
	memset(t.b + t.len, 'd', payload);
	t.len += payload;
	return t;
}

static test_buf
udp_datagram(uint16_t sport, uint16_t dport, size_t payload)
{
	test_buf	t = {.len = 0};

	put16(&t, sport);
	put16(&t, dport);
	put16(&t, 8 + payload);
	put16(&t, 0);
	memset(t.b + t.len, 'u', payload);
	t.len += payload;
	return t;
}

static test_buf
icmp_message(uint8_t type, uint8_t code)
{
	test_buf	t = {.len = 0};

	put8(&t, type);
	put8(&t, code);
	put16(&t, 0);
	put32(&t, 0x00010001);
	return t;
}

#define HOST_A 0x0a000001u		/* 10.0.0.1 */
#define HOST_B 0x0a000002u		/* 10.0.0.2 */

/* An Ethernet frame carrying IPv4 from a to b. */
static test_buf
frame_v4(uint32_t a, uint32_t b, uint8_t proto, const test_buf *l4)
{
	test_buf	t = {.len = 0};

	put_ethernet(&t, 0, 0, 0x0800);
	put_ipv4(&t, a, b, proto, 0, 0, l4);
	return t;
}

/* ------------------------------------------------------------------ a meter that records */

typedef struct meter_run
{
	test_flows	out;
	kf_flow_meter *m;
} meter_run;

static meter_run *
run_new(int64_t idle, int64_t active, uint32_t max_flows)
{
	meter_run  *r = calloc(1, sizeof(*r));
	kf_meter_config cfg = {idle, active, max_flows};
	kf_error	err;

	r->m = kf_flow_meter_new(&cfg, test_parse_addr("192.0.2.9"), test_flows_emit, &r->out, &err);
	if (!r->m)
		printf("# %s\n", err.msg);
	return r;
}

static void
run_free(meter_run *r)
{
	kf_flow_meter_free(r->m);
	free(r);
}

static void
feed(meter_run *r, const test_buf *frame, int64_t time_us)
{
	kf_flow_meter_frame(r->m, DLT_ETHERNET, frame->b, frame->len, time_us);
}

/* ------------------------------------------------------------------ tests */

static void
test_tcp_fin(void)
{
	meter_run  *r = run_new(15, 60, 100);
	test_buf	syn = tcp_segment(40000, 80, TCP_SYN, 0),
				data = tcp_segment(40000, 80, TCP_PSH | TCP_ACK, 100),
				fin = tcp_segment(40000, 80, TCP_FIN | TCP_ACK, 0),
				ack = tcp_segment(40000, 80, TCP_ACK, 0);
	test_buf	f1 = frame_v4(HOST_A, HOST_B, 6, &syn),
				f2 = frame_v4(HOST_A, HOST_B, 6, &data),
				f3 = frame_v4(HOST_A, HOST_B, 6, &fin),
				f4 = frame_v4(HOST_A, HOST_B, 6, &ack);

	feed(r, &f1, 1700000100 * SEC);
	feed(r, &f2, 1700000100 * SEC + 500000);
	CHECK_INT_EQ("fin: nothing exported before the FIN", r->out.count, 0);
	feed(r, &f3, 1700000101 * SEC + 200000);
	CHECK_INT_EQ("fin: exported at the FIN", r->out.count, 1);

	kf_flow		want;

	memset(&want, 0, sizeof(want));
	want.ctimestamp = 1700000101;
	want.src_addr = kf_addr_from_v4(HOST_A);
	want.dst_addr = kf_addr_from_v4(HOST_B);
	want.l4_src_port = 40000;
	want.l4_dst_port = 80;
	want.protocol = 6;
	want.tcp_flags = TCP_SYN | TCP_PSH | TCP_ACK | TCP_FIN;
	want.in_bytes = 40 + 140 + 40;
	want.in_pkts = 3;
	want.sample_rate = 1;
	CHECK("fin: every field of the flow", test_flow_equal(&r->out.flows[0], &want));
	CHECK_STR_EQ("fin: the meter's exporter address", test_addr(r->out.exporters[0]), "192.0.2.9");
	CHECK_INT_EQ("fin: table empty after the FIN", kf_flow_meter_stats(r->m)->active_flows, 0);

	/* the last ACK after the FIN starts a flow of its own, as on Cisco routers */
	feed(r, &f4, 1700000101 * SEC + 300000);
	CHECK_INT_EQ("fin: the last ACK waits in the table", r->out.count, 1);
	kf_flow_meter_flush(r->m);
	CHECK_INT_EQ("fin: flush exports the ACK flow", r->out.count, 2);
	CHECK_INT_EQ("fin: ACK flow packets", r->out.flows[1].in_pkts, 1);
	CHECK_INT_EQ("fin: ACK flow bytes", r->out.flows[1].in_bytes, 40);
	CHECK_INT_EQ("fin: ACK flow flags", r->out.flows[1].tcp_flags, TCP_ACK);

	const kf_meter_stats *s = kf_flow_meter_stats(r->m);

	CHECK_INT_EQ("fin: ended by FIN/RST", s->ended[KF_METER_END_TCP], 1);
	CHECK_INT_EQ("fin: ended by flush", s->ended[KF_METER_END_FLUSH], 1);
	CHECK_INT_EQ("fin: tcp class flows", s->exported[KF_METER_CLASS_TCP].flows, 2);
	CHECK_INT_EQ("fin: tcp class packets", s->exported[KF_METER_CLASS_TCP].packets, 4);
	CHECK_INT_EQ("fin: tcp class bytes", s->exported[KF_METER_CLASS_TCP].bytes, 260);
	run_free(r);
}

static void
test_tcp_rst(void)
{
	meter_run  *r = run_new(15, 60, 100);
	test_buf	syn = tcp_segment(40001, 81, TCP_SYN, 0),
				rst = tcp_segment(81, 40001, TCP_RST | TCP_ACK, 0);
	test_buf	f1 = frame_v4(HOST_A, HOST_B, 6, &syn),
				f2 = frame_v4(HOST_B, HOST_A, 6, &rst);

	feed(r, &f1, 1000 * SEC);
	feed(r, &f2, 1000 * SEC + 1000);
	CHECK_INT_EQ("rst: the RST's flow exported at once", r->out.count, 1);
	CHECK_STR_EQ("rst: it is the reverse direction", test_addr(r->out.flows[0].src_addr), "10.0.0.2");
	CHECK_INT_EQ("rst: its flags", r->out.flows[0].tcp_flags, TCP_RST | TCP_ACK);
	CHECK_INT_EQ("rst: its source port", r->out.flows[0].l4_src_port, 81);
	CHECK_INT_EQ("rst: the SYN's flow still open", kf_flow_meter_stats(r->m)->active_flows, 1);
	run_free(r);
}

static void
test_idle_expiry(void)
{
	meter_run  *r = run_new(15, 60, 100);
	test_buf	u1 = udp_datagram(7000, 8000, 10),
				u2 = udp_datagram(7001, 8000, 10);
	test_buf	a = frame_v4(HOST_A, HOST_B, 17, &u1),
				b = frame_v4(HOST_A, HOST_B, 17, &u2);

	feed(r, &a, 1000 * SEC);
	feed(r, &a, 1010 * SEC);
	feed(r, &b, 1025 * SEC);
	CHECK_INT_EQ("idle: exactly the timeout is not idle yet", r->out.count, 0);
	feed(r, &b, 1025 * SEC + 1);
	CHECK_INT_EQ("idle: one microsecond more expires it", r->out.count, 1);
	CHECK_INT_EQ("idle: packets", r->out.flows[0].in_pkts, 2);
	CHECK_INT_EQ("idle: bytes", r->out.flows[0].in_bytes, 2 * 38);
	CHECK_INT_EQ("idle: ctimestamp is the last packet's", r->out.flows[0].ctimestamp, 1010);
	kf_flow_meter_advance(r->m, 1040 * SEC + 1);
	CHECK_INT_EQ("idle: advance to exactly the timeout keeps it", r->out.count, 1);
	kf_flow_meter_advance(r->m, 1040 * SEC + 2);
	CHECK_INT_EQ("idle: advance alone expires the other flow", r->out.count, 2);
	CHECK_INT_EQ("idle: its source port", r->out.flows[1].l4_src_port, 7001);
	CHECK_INT_EQ("idle: counted as idle", kf_flow_meter_stats(r->m)->ended[KF_METER_END_IDLE], 2);
	run_free(r);
}

static void
test_active_expiry(void)
{
	meter_run  *r = run_new(15, 60, 100);
	test_buf	u = udp_datagram(5000, 6000, 72);
	test_buf	f = frame_v4(HOST_A, HOST_B, 17, &u);

	for (int64_t t = 2000; t <= 2130; t += 10)
		feed(r, &f, t * SEC);
	kf_flow_meter_flush(r->m);
	CHECK_INT_EQ("active: a 130 s flow becomes three records", r->out.count, 3);
	if (r->out.count == 3)
	{
		CHECK_INT_EQ("active: first slice packets (2000..2050)", r->out.flows[0].in_pkts, 6);
		CHECK_INT_EQ("active: first slice ctimestamp", r->out.flows[0].ctimestamp, 2050);
		CHECK_INT_EQ("active: second slice packets (2060..2110)", r->out.flows[1].in_pkts, 6);
		CHECK_INT_EQ("active: second slice ctimestamp", r->out.flows[1].ctimestamp, 2110);
		CHECK_INT_EQ("active: rest at the end (2120, 2130)", r->out.flows[2].in_pkts, 2);
		CHECK_INT_EQ("active: bytes of a slice", r->out.flows[1].in_bytes, 6 * 100);
	}
	CHECK_INT_EQ("active: counted", kf_flow_meter_stats(r->m)->ended[KF_METER_END_ACTIVE], 2);
	run_free(r);
}

static void
test_ipv6(void)
{
	meter_run  *r = run_new(15, 60, 100);
	test_buf	seg = tcp_segment(40002, 443, TCP_ACK, 20),
				echo = icmp_message(128, 0),
				f = {.len = 0},
				g = {.len = 0};

	put_ethernet(&f, 0, 0, 0x86dd);
	put_ipv6(&f, 1, 2, 6, 0x28, &seg);
	put_ethernet(&g, 0, 0, 0x86dd);
	put_ipv6(&g, 1, 2, 58, 0, &echo);
	feed(r, &f, 10 * SEC);
	feed(r, &f, 11 * SEC);
	feed(r, &g, 12 * SEC);
	kf_flow_meter_flush(r->m);
	CHECK_INT_EQ("ipv6: two flows", r->out.count, 2);
	CHECK_STR_EQ("ipv6: source", test_addr(r->out.flows[0].src_addr), "2001:db8::1");
	CHECK_STR_EQ("ipv6: destination", test_addr(r->out.flows[0].dst_addr), "2001:db8::2");
	CHECK_INT_EQ("ipv6: bytes are 40 + payload length", r->out.flows[0].in_bytes, 2 * (40 + 40));
	CHECK_INT_EQ("ipv6: traffic class as tos", r->out.flows[0].tos, 0x28);
	CHECK_INT_EQ("ipv6: destination port", r->out.flows[0].l4_dst_port, 443);
	CHECK_INT_EQ("icmpv6: protocol", r->out.flows[1].protocol, 58);
	CHECK_INT_EQ("icmpv6: echo request is 128 * 256", r->out.flows[1].l4_dst_port, 32768);
	CHECK_INT_EQ("icmpv6: counted as icmp", kf_flow_meter_stats(r->m)->exported[KF_METER_CLASS_ICMP].flows, 1);
	run_free(r);
}

static void
test_vlan(void)
{
	meter_run  *r = run_new(15, 60, 100);
	test_buf	u = udp_datagram(1000, 2000, 50);
	test_buf	v100 = {.len = 0},
				v200 = {.len = 0},
				qinq = {.len = 0};

	put_ethernet(&v100, 100, 0, 0x0800);
	put_ipv4(&v100, HOST_A, HOST_B, 17, 0, 0, &u);
	put_ethernet(&v200, 200, 0, 0x0800);
	put_ipv4(&v200, HOST_A, HOST_B, 17, 0, 0, &u);
	put_ethernet(&qinq, 300, 5, 0x0800);
	put_ipv4(&qinq, HOST_A, HOST_B, 17, 0, 0, &u);
	feed(r, &v100, 1 * SEC);
	feed(r, &v200, 2 * SEC);
	feed(r, &v100, 3 * SEC);
	feed(r, &qinq, 4 * SEC);
	kf_flow_meter_flush(r->m);
	CHECK_INT_EQ("vlan: one flow per VLAN", r->out.count, 3);
	if (r->out.count == 3)
	{
		CHECK_INT_EQ("vlan: first is VLAN 100", r->out.flows[0].vlan_in, 100);
		CHECK_INT_EQ("vlan: VLAN 100 has both packets", r->out.flows[0].in_pkts, 2);
		CHECK_INT_EQ("vlan: bytes exclude the tag", r->out.flows[0].in_bytes, 2 * 78);
		CHECK_INT_EQ("vlan: second is VLAN 200", r->out.flows[1].vlan_in, 200);
		CHECK_INT_EQ("qinq: the outer tag's VLAN", r->out.flows[2].vlan_in, 300);
	}
	run_free(r);
}

static void
test_icmp_udp_raw(void)
{
	meter_run  *r = run_new(15, 60, 100);
	test_buf	unreach = icmp_message(3, 1),
				u = udp_datagram(53000, 53, 30),
				icmp = frame_v4(HOST_B, HOST_A, 1, &unreach),
				raw = {.len = 0};

	put_ipv4(&raw, HOST_A, 0x0a030001, 17, 0x10, 0, &u);
	feed(r, &icmp, 5 * SEC);
	kf_flow_meter_frame(r->m, DLT_RAW_IP, raw.b, raw.len, 6 * SEC);
	kf_flow_meter_flush(r->m);
	CHECK_INT_EQ("icmp/udp: two flows", r->out.count, 2);
	CHECK_INT_EQ("icmp: source port 0", r->out.flows[0].l4_src_port, 0);
	CHECK_INT_EQ("icmp: type 3 code 1 is 769", r->out.flows[0].l4_dst_port, 3 * 256 + 1);
	CHECK_INT_EQ("icmp: bytes", r->out.flows[0].in_bytes, 28);
	CHECK_STR_EQ("udp over raw IP: destination", test_addr(r->out.flows[1].dst_addr), "10.3.0.1");
	CHECK_INT_EQ("udp over raw IP: source port", r->out.flows[1].l4_src_port, 53000);
	CHECK_INT_EQ("udp over raw IP: destination port", r->out.flows[1].l4_dst_port, 53);
	CHECK_INT_EQ("udp over raw IP: tos", r->out.flows[1].tos, 0x10);
	CHECK_INT_EQ("udp over raw IP: flags stay 0", r->out.flows[1].tcp_flags, 0);
	run_free(r);
}

static void
test_fragments(void)
{
	meter_run  *r = run_new(15, 60, 100);
	test_buf	first = udp_datagram(9000, 9001, 1472),
				rest = {.len = 500};
	test_buf	f1 = {.len = 0},
				f2 = {.len = 0};

	memset(rest.b, 'f', rest.len);
	patch16(&first, 4, 8 + 1972);	/* the UDP length covers both fragments */
	put_ethernet(&f1, 0, 0, 0x0800);
	put_ipv4(&f1, HOST_A, HOST_B, 17, 0, 0x2000, &first);	/* more fragments, offset 0 */
	put_ethernet(&f2, 0, 0, 0x0800);
	put_ipv4(&f2, HOST_A, HOST_B, 17, 0, 1480 / 8, &rest);
	feed(r, &f1, 7 * SEC);
	feed(r, &f2, 7 * SEC);
	kf_flow_meter_flush(r->m);
	CHECK_INT_EQ("fragments: two flows", r->out.count, 2);
	CHECK_INT_EQ("fragments: the first has the ports", r->out.flows[0].l4_dst_port, 9001);
	CHECK_INT_EQ("fragments: the first's bytes", r->out.flows[0].in_bytes, 1500);
	CHECK_INT_EQ("fragments: later ones have port 0", r->out.flows[1].l4_src_port + r->out.flows[1].l4_dst_port, 0);
	CHECK_INT_EQ("fragments: later ones' bytes", r->out.flows[1].in_bytes, 520);
	CHECK_INT_EQ("fragments: all bytes counted", kf_flow_meter_stats(r->m)->bytes, 2020);
	run_free(r);
}

static void
test_table_full(void)
{
	meter_run  *r = run_new(15, 60, 2);
	test_buf	ua = udp_datagram(1, 10, 0),
				ub = udp_datagram(2, 10, 0),
				uc = udp_datagram(3, 10, 0);
	test_buf	a = frame_v4(HOST_A, HOST_B, 17, &ua),
				b = frame_v4(HOST_A, HOST_B, 17, &ub),
				c = frame_v4(HOST_A, HOST_B, 17, &uc);

	feed(r, &a, 1 * SEC);
	feed(r, &b, 2 * SEC);
	feed(r, &a, 3 * SEC);
	feed(r, &c, 4 * SEC);
	CHECK_INT_EQ("full: one flow evicted", r->out.count, 1);
	CHECK_INT_EQ("full: the least recently seen (b)", r->out.flows[0].l4_src_port, 2);
	CHECK_INT_EQ("full: eviction counted", kf_flow_meter_stats(r->m)->ended[KF_METER_END_EVICTED], 1);
	kf_flow_meter_flush(r->m);
	CHECK_INT_EQ("full: flush exports the rest", r->out.count, 3);
	CHECK_INT_EQ("full: oldest first (a)", r->out.flows[1].l4_src_port, 1);
	CHECK_INT_EQ("full: a kept both packets", r->out.flows[1].in_pkts, 2);
	CHECK_INT_EQ("full: then c", r->out.flows[2].l4_src_port, 3);
	run_free(r);
}

/* Thousands of flows through a small table: every deletion path of the hash index (eviction,
 * FIN in the middle of probe chains) while counts must stay exact. */
static void
test_table_churn(void)
{
	meter_run  *r = run_new(15, 60, 64);
	int			ok = 1;

	for (uint32_t i = 0; i < 3000; i++)
	{
		test_buf	u = udp_datagram((uint16_t) (i * 7919 % 65536), 80, 0);
		test_buf	f = frame_v4(HOST_A + i / 256, HOST_B, 17, &u);

		feed(r, &f, 100 * SEC + i);
		feed(r, &f, 100 * SEC + i);
		if (i % 3 == 0)
		{
			test_buf	s = tcp_segment((uint16_t) i, 22, TCP_SYN, 0),
						e = tcp_segment((uint16_t) i, 22, TCP_FIN, 0);
			test_buf	fs = frame_v4(HOST_B, HOST_A + i, 6, &s),
						fe = frame_v4(HOST_B, HOST_A + i, 6, &e);

			feed(r, &fs, 100 * SEC + i);
			feed(r, &fe, 100 * SEC + i);
		}
	}
	kf_flow_meter_flush(r->m);
	for (size_t i = 0; i < r->out.count; i++)
		ok &= r->out.flows[i].in_pkts == 2;
	CHECK_INT_EQ("churn: 3000 UDP + 1000 TCP flows", r->out.count, 4000);
	CHECK("churn: every flow kept both its packets", ok);
	CHECK_INT_EQ("churn: TCP flows ended by FIN", kf_flow_meter_stats(r->m)->ended[KF_METER_END_TCP], 1000);
	CHECK_INT_EQ("churn: table empty", kf_flow_meter_stats(r->m)->active_flows, 0);
	run_free(r);
}

static void
test_counters_and_clock(void)
{
	meter_run  *r = run_new(15, 60, 100);
	test_buf	arp = {.len = 0},
				short_ip = {.len = 0},
				bad_len = {.len = 0},
				u = udp_datagram(1, 2, 0);
	test_buf	good = frame_v4(HOST_A, HOST_B, 17, &u);

	put_ethernet(&arp, 0, 0, 0x0806);
	memset(arp.b + arp.len, 0, 28);
	arp.len += 28;
	put_ethernet(&short_ip, 0, 0, 0x0800);
	put32(&short_ip, 0x45000030);
	put_ethernet(&bad_len, 0, 0, 0x0800);
	put_ipv4(&bad_len, HOST_A, HOST_B, 17, 0, 0, &u);
	patch16(&bad_len, 14 + 2, 12);	/* total length below the header's */
	feed(r, &arp, 1 * SEC);
	feed(r, &short_ip, 1 * SEC);
	feed(r, &bad_len, 1 * SEC);
	kf_flow_meter_frame(r->m, DLT_ETHERNET, good.b, 10, 1 * SEC);	/* cut inside Ethernet */
	feed(r, &good, 5000 * SEC);
	feed(r, &good, 4990 * SEC);	/* earlier than the packet before */

	const kf_meter_stats *s = kf_flow_meter_stats(r->m);

	CHECK_INT_EQ("counters: frames", s->frames, 6);
	CHECK_INT_EQ("counters: not IP", s->not_ip, 1);
	CHECK_INT_EQ("counters: malformed", s->malformed, 3);
	CHECK_INT_EQ("counters: packets", s->packets, 2);
	CHECK_INT_EQ("counters: bytes", s->bytes, 56);
	kf_flow_meter_flush(r->m);
	CHECK_INT_EQ("clock: one flow", r->out.count, 1);
	CHECK_INT_EQ("clock: a late stamp counts at the latest time", r->out.flows[0].ctimestamp, 5000);
	run_free(r);

	kf_meter_config bad = {0, 60, 10};
	kf_error	err;

	CHECK("config: idle timeout 0 refused", kf_flow_meter_new(&bad, kf_addr_from_v4(1), test_flows_emit, NULL, &err) == NULL);
	bad.idle_timeout_seconds = 15;
	bad.max_flows = 0;
	CHECK("config: zero flows refused", kf_flow_meter_new(&bad, kf_addr_from_v4(1), test_flows_emit, NULL, &err) == NULL);
	CHECK("config: the message says why", strstr(err.msg, "table size") != NULL);
}

static void
test_options(void)
{
	kf_meter_options o;

	kf_meter_defaults(&o);
	CHECK_STR_EQ("options: default exporter", test_addr(o.exporter), "127.0.0.1");
	CHECK_INT_EQ("options: default idle", o.table.idle_timeout_seconds, 15);
	CHECK_INT_EQ("options: default active", o.table.active_timeout_seconds, 60);
	CHECK_INT_EQ("options: default table", o.table.max_flows, 1000000);
	CHECK_INT_EQ("options: exporter applied", kf_meter_option(KF_OPT_METER_EXPORTER, "2001:db8::7", &o), 1);
	CHECK_STR_EQ("options: exporter value", test_addr(o.exporter), "2001:db8::7");
	CHECK_INT_EQ("options: active 2m", kf_meter_option(KF_OPT_METER_ACTIVE_TIMEOUT, "2m", &o), 1);
	CHECK_INT_EQ("options: active value", o.table.active_timeout_seconds, 120);
	CHECK_INT_EQ("options: idle 0 refused", kf_meter_option(KF_OPT_METER_IDLE_TIMEOUT, "0", &o), -1);
	CHECK_INT_EQ("options: bad exporter refused", kf_meter_option(KF_OPT_METER_EXPORTER, "router1", &o), -1);
	CHECK_INT_EQ("options: table 0 refused", kf_meter_option(KF_OPT_METER_MAX_FLOWS, "0", &o), -1);
	CHECK_INT_EQ("options: not ours", kf_meter_option('d', "x", &o), 0);
}

/* One expected flow of meter_mix.pcap (make_meter_capture.py), in export order. */
typedef struct mix_flow
{
	const char *src;
	const char *dst;
	uint32_t	sport;
	uint32_t	dport;
	uint32_t	protocol;
	uint32_t	vlan;
	int64_t		pkts;
	int64_t		bytes;
	uint32_t	flags;
	int64_t		ctimestamp;		/* minus 1700000000 */
} mix_flow;

static const mix_flow mix_flows[] = {
	{"10.1.0.1", "10.2.0.1", 40000, 80, 6, 0, 4, 260, 0x1b, 0},		/* FIN */
	{"10.2.0.1", "10.1.0.1", 80, 40000, 6, 0, 3, 1120, 0x1b, 0},	/* FIN */
	{"10.2.0.1", "10.1.0.1", 81, 40001, 6, 0, 1, 40, 0x14, 1},		/* RST */
	/* idle expiry, in order of last packet, as the clock passes last + 15 s */
	{"10.1.0.1", "10.2.0.1", 40000, 80, 6, 0, 1, 40, 0x10, 0},
	{"10.1.0.1", "10.2.0.1", 40001, 81, 6, 0, 1, 40, 0x02, 1},
	{"10.1.0.1", "10.3.0.1", 53000, 53, 17, 0, 1, 58, 0, 2},
	{"10.3.0.1", "10.1.0.1", 53, 53000, 17, 0, 1, 118, 0, 2},
	{"10.1.0.1", "10.4.0.1", 0, 2048, 1, 0, 2, 64, 0, 4},
	{"10.4.0.1", "10.1.0.1", 0, 0, 1, 0, 2, 64, 0, 4},
	{"2001:db8::1", "2001:db8::2", 40002, 443, 6, 0, 3, 240, 0x10, 7},
	{"2001:db8::2", "2001:db8::1", 443, 40002, 6, 0, 3, 780, 0x10, 7},
	{"2001:db8::1", "2001:db8::2", 0, 32768, 58, 0, 1, 52, 0, 8},
	{"10.5.0.1", "10.5.0.2", 1000, 2000, 17, 100, 2, 156, 0, 9},
	{"10.5.0.1", "10.5.0.2", 1000, 2000, 17, 200, 1, 78, 0, 9},
	{"10.7.0.1", "10.7.0.2", 7000, 8000, 17, 0, 2, 76, 0, 11},
	{"10.8.0.1", "10.8.0.2", 9000, 9001, 17, 0, 1, 1500, 0, 12},
	{"10.8.0.1", "10.8.0.2", 0, 0, 17, 0, 1, 520, 0, 12},
	{"10.9.0.1", "10.9.0.2", 0, 0, 47, 0, 1, 84, 0, 14},
	{"10.7.0.1", "10.7.0.2", 7000, 8000, 17, 0, 1, 38, 0, 39},
	/* the long flow: one packet every 5 s from +15 s, cut by the 60 s active timeout */
	{"10.6.0.1", "10.6.0.2", 5000, 6000, 17, 0, 12, 1200, 0, 70},
	{"10.6.0.1", "10.6.0.2", 5000, 6000, 17, 0, 12, 1200, 0, 130},
	{"10.6.0.1", "10.6.0.2", 5000, 6000, 17, 0, 6, 600, 0, 160},
};

static void
test_capture_file(void)
{
	meter_run  *r = run_new(15, 60, 1000);
	kf_error	err;
	size_t		n = sizeof(mix_flows) / sizeof(mix_flows[0]);

	CHECK_INT_EQ("pcap: reads", kf_meter_read_pcap(TEST_CAPTURES "meter_mix.pcap", r->m, &err), 0);
	CHECK_INT_EQ("pcap: 22 flows", r->out.count, n);
	for (size_t i = 0; i < n && i < r->out.count; i++)
	{
		const mix_flow *w = &mix_flows[i];
		const kf_flow *g = &r->out.flows[i];
		char		name[64];
		bool		same = strcmp(test_addr(g->src_addr), w->src) == 0 && strcmp(test_addr(g->dst_addr), w->dst) == 0 &&
			g->l4_src_port == w->sport && g->l4_dst_port == w->dport && g->protocol == w->protocol &&
			g->vlan_in == w->vlan && g->in_pkts == w->pkts && g->in_bytes == w->bytes &&
			g->tcp_flags == w->flags && g->ctimestamp == 1700000000 + w->ctimestamp && g->sample_rate == 1;

		snprintf(name, sizeof(name), "pcap: flow %zu", i + 1);
		CHECK(name, same);
		if (!same)
			printf("#   got %s -> %s %u/%u proto %u vlan %u: %lld pkts %lld bytes flags 0x%x at +%lld\n",
				   test_addr(g->src_addr), test_addr(g->dst_addr), g->l4_src_port, g->l4_dst_port, g->protocol,
				   g->vlan_in, (long long) g->in_pkts, (long long) g->in_bytes, g->tcp_flags,
				   (long long) (g->ctimestamp - 1700000000));
	}
	const kf_meter_stats *s = kf_flow_meter_stats(r->m);

	CHECK_INT_EQ("pcap: frames", s->frames, 63);
	CHECK_INT_EQ("pcap: ARP is not IP", s->not_ip, 1);
	CHECK_INT_EQ("pcap: packets", s->packets, 62);
	CHECK_INT_EQ("pcap: bytes", s->bytes, 8328);
	CHECK_INT_EQ("pcap: active timeouts", s->ended[KF_METER_END_ACTIVE], 2);
	run_free(r);

	r = run_new(15, 60, 1000);
	CHECK_INT_EQ("pcap: a missing file fails", kf_meter_read_pcap(TEST_CAPTURES "no_such.pcap", r->m, &err), -1);
	CHECK("pcap: the message names the file", strstr(err.msg, "no_such.pcap") != NULL);
	run_free(r);
}

int
main(void)
{
	test_tcp_fin();
	test_tcp_rst();
	test_idle_expiry();
	test_active_expiry();
	test_ipv6();
	test_vlan();
	test_icmp_udp_raw();
	test_fragments();
	test_table_full();
	test_table_churn();
	test_counters_and_clock();
	test_options();
	test_capture_file();
	UNIT_EXIT();
}
