/*
 * test_collector_packet_headers.c -- kf_packet_headers_decode on hand-built frames: 802.1Q and
 * QinQ tags, MPLS stacks, IPv4 options and fragments, IPv6 extension headers, ICMP / ICMPv6, GRE,
 * non-IP frames, and every truncation of a few frames (each decoded from a heap copy of exactly the
 * truncated length, so that an over-read is a real out-of-bounds access).
 */
#include "tests/unit/unit.h"
#include "tests/unit/collector_test_util.h"

#include "collector/packet_headers.h"

#define SENTINEL 0xdeadu		/* fields the decoder must leave alone keep this value */

static void
put_mac_pair(test_buf *t)
{
	put32(t, 0x02000000);
	put16(t, 0x0002);
	put32(t, 0x02000000);
	put16(t, 0x0001);
}

/* An IPv4 header without options; total = header + payload bytes that will follow. */
static void
put_ipv4(test_buf *t, uint8_t tos, size_t payload, uint16_t frag, uint8_t protocol, uint32_t src, uint32_t dst)
{
	put8(t, 0x45);
	put8(t, tos);
	put16(t, 20 + payload);
	put16(t, 0x1234);			/* identification */
	put16(t, frag);
	put8(t, 64);
	put8(t, protocol);
	put16(t, 0);				/* checksum: not checked */
	put32(t, src);
	put32(t, dst);
}

static void
put_ipv6(test_buf *t, uint8_t traffic_class, size_t payload, uint8_t next, const char *src, const char *dst)
{
	kf_addr		s = test_parse_addr(src),
				d = test_parse_addr(dst);

	put32(t, 0x60000000u | (uint32_t) traffic_class << 20 | 0x12345);
	put16(t, payload);
	put8(t, next);
	put8(t, 64);
	put_be(t, s.hi, 8);
	put_be(t, s.lo, 8);
	put_be(t, d.hi, 8);
	put_be(t, d.lo, 8);
}

/* A 20-byte TCP header. */
static void
put_tcp(test_buf *t, uint16_t sport, uint16_t dport, uint8_t flags)
{
	put16(t, sport);
	put16(t, dport);
	put32(t, 1000);				/* sequence */
	put32(t, 0);				/* acknowledgment */
	put8(t, 0x50);				/* data offset 5 */
	put8(t, flags);
	put16(t, 8192);
	put32(t, 0);				/* checksum, urgent pointer */
}

static void
put_udp(test_buf *t, uint16_t sport, uint16_t dport, uint16_t payload)
{
	put16(t, sport);
	put16(t, dport);
	put16(t, 8 + payload);
	put16(t, 0);
}

static void
reset_flow(kf_flow *f)
{
	memset(f, 0, sizeof(*f));
	f->l4_src_port = f->l4_dst_port = f->protocol = f->tcp_flags = f->tos = f->vlan_in = SENTINEL;
}

/* Decodes the first len bytes of t from a heap buffer of exactly that size. */
static unsigned
decode_prefix(kf_header_start start, const test_buf *t, size_t len, kf_flow *f)
{
	uint8_t    *copy = malloc(len ? len : 1);

	memcpy(copy, t->b, len);
	reset_flow(f);
	unsigned	bits = kf_packet_headers_decode(start, copy, len, f);

	free(copy);
	return bits;
}

static void
test_vlan_ipv4_tcp(void)
{
	test_buf	t = {.len = 0};
	kf_flow		f;

	put_mac_pair(&t);
	put16(&t, 0x8100);
	put16(&t, 0x2064);			/* priority 1, VLAN 100 */
	put16(&t, 0x0800);
	put_ipv4(&t, 0x28, 20, 0x4000, 6, 0x0a000001, 0x0a000002);
	put_tcp(&t, 1234, 80, 0x12);
	unsigned	bits = decode_prefix(KF_HEADER_ETHERNET, &t, t.len, &f);

	CHECK_INT_EQ("vlan tcp: all layers", bits,
				 KF_HEADERS_VLAN | KF_HEADERS_IP | KF_HEADERS_PROTOCOL | KF_HEADERS_PORTS | KF_HEADERS_TCP_FLAGS);
	CHECK_INT_EQ("vlan tcp: vlan id without priority bits", f.vlan_in, 100);
	CHECK_STR_EQ("vlan tcp: src", test_addr(f.src_addr), "10.0.0.1");
	CHECK_STR_EQ("vlan tcp: dst", test_addr(f.dst_addr), "10.0.0.2");
	CHECK_INT_EQ("vlan tcp: protocol", f.protocol, 6);
	CHECK_INT_EQ("vlan tcp: tos", f.tos, 0x28);
	CHECK_INT_EQ("vlan tcp: src port", f.l4_src_port, 1234);
	CHECK_INT_EQ("vlan tcp: dst port", f.l4_dst_port, 80);
	CHECK_INT_EQ("vlan tcp: flags", f.tcp_flags, 0x12);

	/* Every truncation keeps exactly the complete layers: Ethernet 14, tag 18, IP 38, ports 42, flags 52. */
	bool		all_right = true;

	for (size_t len = 0; len <= t.len; len++)
	{
		unsigned	want = 0;

		if (len >= 18)
			want |= KF_HEADERS_VLAN;
		if (len >= 38)
			want |= KF_HEADERS_IP | KF_HEADERS_PROTOCOL;
		if (len >= 42)
			want |= KF_HEADERS_PORTS;
		if (len >= 52)
			want |= KF_HEADERS_TCP_FLAGS;
		bits = decode_prefix(KF_HEADER_ETHERNET, &t, len, &f);
		bool		fields_right = (len >= 42 ? f.l4_dst_port == 80 : f.l4_dst_port == SENTINEL) &&
			(len >= 52 ? f.tcp_flags == 0x12 : f.tcp_flags == SENTINEL) &&
			(len >= 38 ? f.protocol == 6 : f.protocol == SENTINEL) &&
			(len >= 18 ? f.vlan_in == 100 : f.vlan_in == SENTINEL);

		if (bits != want || !fields_right)
		{
			printf("# vlan tcp cut at %zu: bits %u, want %u\n", len, bits, want);
			all_right = false;
		}
	}
	CHECK("vlan tcp: every truncation keeps exactly the complete layers", all_right);
}

static void
test_qinq(void)
{
	test_buf	t = {.len = 0};
	kf_flow		f;

	put_mac_pair(&t);
	put16(&t, 0x88a8);
	put16(&t, 200);				/* service tag */
	put16(&t, 0x8100);
	put16(&t, 300);				/* customer tag */
	put16(&t, 0x0800);
	put_ipv4(&t, 0, 8, 0, 17, 0xc0000201, 0xc6336401);
	put_udp(&t, 5353, 53, 0);
	unsigned	bits = decode_prefix(KF_HEADER_ETHERNET, &t, t.len, &f);

	CHECK_INT_EQ("qinq: layers", bits, KF_HEADERS_VLAN | KF_HEADERS_IP | KF_HEADERS_PROTOCOL | KF_HEADERS_PORTS);
	CHECK_INT_EQ("qinq: outer (service) tag is vlan_in", f.vlan_in, 200);
	CHECK_STR_EQ("qinq: dst", test_addr(f.dst_addr), "198.51.100.1");
	CHECK_INT_EQ("qinq: udp dst port", f.l4_dst_port, 53);
	CHECK_INT_EQ("qinq: udp has no flags", f.tcp_flags, SENTINEL);
}

static void
test_mpls(void)
{
	test_buf	t = {.len = 0};
	kf_flow		f;

	put_mac_pair(&t);
	put16(&t, 0x8847);
	put32(&t, (uint32_t) 16 << 12 | 0x40);	/* label 16, not bottom */
	put32(&t, (uint32_t) 17 << 12 | 0x100 | 0x40);	/* label 17, bottom of stack */
	put_ipv6(&t, 0xb8, 8, 17, "2001:db8::1", "2001:db8::2");
	put_udp(&t, 4000, 4789, 0);
	unsigned	bits = decode_prefix(KF_HEADER_ETHERNET, &t, t.len, &f);

	CHECK_INT_EQ("mpls ipv6: layers", bits, KF_HEADERS_IP | KF_HEADERS_PROTOCOL | KF_HEADERS_PORTS);
	CHECK_STR_EQ("mpls ipv6: src", test_addr(f.src_addr), "2001:db8::1");
	CHECK_INT_EQ("mpls ipv6: traffic class", f.tos, 0xb8);
	CHECK_INT_EQ("mpls ipv6: dst port", f.l4_dst_port, 4789);
	CHECK_INT_EQ("mpls: no vlan", f.vlan_in, SENTINEL);

	/* Starting at the label stack (sFlow header protocol 13), an IPv4 payload guessed by nibble. */
	test_buf	m = {.len = 0};

	put32(&m, (uint32_t) 300 << 12 | 0x100 | 0xff);
	put_ipv4(&m, 0, 20, 0, 6, 0x0a000001, 0x0a000002);
	put_tcp(&m, 179, 40000, 0x18);
	bits = decode_prefix(KF_HEADER_MPLS, &m, m.len, &f);
	CHECK_INT_EQ("mpls ipv4: tcp flags reached", bits & KF_HEADERS_TCP_FLAGS, KF_HEADERS_TCP_FLAGS);
	CHECK_INT_EQ("mpls ipv4: src port", f.l4_src_port, 179);
	m.b[4] = 0x55;				/* neither 4 nor 6 after the bottom label */
	CHECK_INT_EQ("mpls: unknown payload decodes nothing", decode_prefix(KF_HEADER_MPLS, &m, m.len, &f), 0);

	bool		all_right = true;

	for (size_t len = 0; len < t.len; len++)
	{
		unsigned	want = len >= 62 ? KF_HEADERS_IP | KF_HEADERS_PROTOCOL : 0;

		if (len >= 66)
			want |= KF_HEADERS_PORTS;
		if (decode_prefix(KF_HEADER_ETHERNET, &t, len, &f) != want)
			all_right = false;
	}
	CHECK("mpls ipv6: every truncation keeps exactly the complete layers", all_right);
}

static void
test_ipv6_extension_headers(void)
{
	test_buf	t = {.len = 0};
	kf_flow		f;

	put_ipv6(&t, 0, 8 + 16 + 20, 0, "2001:db8::a", "2001:db8::b");	/* hop-by-hop first */
	put8(&t, 60);				/* next: destination options */
	put8(&t, 0);				/* 8 bytes */
	put_be(&t, 0x010400000000, 6);
	put8(&t, 6);				/* next: TCP */
	put8(&t, 1);				/* 16 bytes */
	put_be(&t, 0, 8);			/* options padding: 14 bytes */
	put_be(&t, 0, 6);
	put_tcp(&t, 443, 50000, 0x11);
	unsigned	bits = decode_prefix(KF_HEADER_IPV6, &t, t.len, &f);

	CHECK_INT_EQ("ipv6 ext: layers", bits, KF_HEADERS_IP | KF_HEADERS_PROTOCOL | KF_HEADERS_PORTS | KF_HEADERS_TCP_FLAGS);
	CHECK_INT_EQ("ipv6 ext: protocol after the chain", f.protocol, 6);
	CHECK_INT_EQ("ipv6 ext: src port", f.l4_src_port, 443);
	CHECK_INT_EQ("ipv6 ext: flags", f.tcp_flags, 0x11);

	bool		all_right = true;

	for (size_t len = 0; len < t.len; len++)
	{
		unsigned	want = len >= 40 ? KF_HEADERS_IP : 0;

		if (len >= 64)
			want |= KF_HEADERS_PROTOCOL;
		if (len >= 68)
			want |= KF_HEADERS_PORTS;
		if (len >= 78)
			want |= KF_HEADERS_TCP_FLAGS;
		if (decode_prefix(KF_HEADER_IPV6, &t, len, &f) != want)
		{
			printf("# ipv6 ext cut at %zu: bits %u, want %u\n", len, decode_prefix(KF_HEADER_IPV6, &t, len, &f), want);
			all_right = false;
		}
	}
	CHECK("ipv6 ext: every truncation keeps exactly the complete layers", all_right);

	/* A later fragment (offset 1480): the protocol is known, the bytes after are not ports. */
	test_buf	g = {.len = 0};

	put_ipv6(&g, 0, 8 + 8, 44, "2001:db8::a", "2001:db8::b");
	put8(&g, 17);
	put8(&g, 0);
	put16(&g, 1480);			/* offset 185 * 8, M = 0 */
	put32(&g, 0xabcd);
	put_udp(&g, 1, 2, 0);
	bits = decode_prefix(KF_HEADER_IPV6, &g, g.len, &f);
	CHECK_INT_EQ("ipv6 later fragment: no ports", bits, KF_HEADERS_IP | KF_HEADERS_PROTOCOL);
	CHECK_INT_EQ("ipv6 later fragment: protocol", f.protocol, 17);
	g.b[42] = 0;
	g.b[43] = 1;				/* offset 0, M = 1: the first fragment has the header */
	bits = decode_prefix(KF_HEADER_IPV6, &g, g.len, &f);
	CHECK_INT_EQ("ipv6 first fragment: ports", bits & KF_HEADERS_PORTS, KF_HEADERS_PORTS);
}

static void
test_ipv4_fragments_and_options(void)
{
	test_buf	t = {.len = 0};
	kf_flow		f;

	put_ipv4(&t, 0, 8, 0x2000, 17, 0x0a000001, 0x0a000002);	/* MF, offset 0 */
	put_udp(&t, 1111, 2222, 1000);
	CHECK_INT_EQ("ipv4 first fragment: ports", decode_prefix(KF_HEADER_IPV4, &t, t.len, &f),
				 KF_HEADERS_IP | KF_HEADERS_PROTOCOL | KF_HEADERS_PORTS);
	t.b[6] = 0x00;
	t.b[7] = 0xb9;				/* offset 185, MF clear */
	CHECK_INT_EQ("ipv4 later fragment: no ports", decode_prefix(KF_HEADER_IPV4, &t, t.len, &f),
				 KF_HEADERS_IP | KF_HEADERS_PROTOCOL);
	CHECK_INT_EQ("ipv4 later fragment: ports untouched", f.l4_src_port, SENTINEL);

	test_buf	o = {.len = 0};

	put_ipv4(&o, 0, 4 + 8, 0, 17, 0x0a000001, 0x0a000002);
	o.b[0] = 0x46;				/* IHL 6: one option word */
	put32(&o, 0x01010100);		/* NOP NOP NOP EOL */
	put_udp(&o, 7, 9, 0);
	CHECK_INT_EQ("ipv4 options: ports after them", decode_prefix(KF_HEADER_IPV4, &o, o.len, &f) & KF_HEADERS_PORTS,
				 KF_HEADERS_PORTS);
	CHECK_INT_EQ("ipv4 options: src port", f.l4_src_port, 7);
	CHECK_INT_EQ("ipv4 options cut: addresses kept, no ports", decode_prefix(KF_HEADER_IPV4, &o, 22, &f),
				 KF_HEADERS_IP | KF_HEADERS_PROTOCOL);
	o.b[0] = 0x65;				/* version 6 in an IPv4 start */
	CHECK_INT_EQ("ipv4: wrong version decodes nothing", decode_prefix(KF_HEADER_IPV4, &o, o.len, &f), 0);
}

static void
test_icmp_and_gre(void)
{
	test_buf	t = {.len = 0};
	kf_flow		f;

	put_ipv4(&t, 0, 8, 0, 1, 0x0a000001, 0x0a000002);
	put32(&t, 0x03010000);		/* destination unreachable, host unreachable */
	put32(&t, 0);
	CHECK_INT_EQ("icmp: layers", decode_prefix(KF_HEADER_IPV4, &t, t.len, &f),
				 KF_HEADERS_IP | KF_HEADERS_PROTOCOL | KF_HEADERS_PORTS);
	CHECK_INT_EQ("icmp: type 3 code 1 in the dst port", f.l4_dst_port, 3 * 256 + 1);
	CHECK_INT_EQ("icmp: src port 0", f.l4_src_port, 0);

	test_buf	v6 = {.len = 0};

	put_ipv6(&v6, 0, 8, 58, "2001:db8::1", "2001:db8::2");
	put32(&v6, 0x80000000);		/* echo request */
	put32(&v6, 0);
	decode_prefix(KF_HEADER_IPV6, &v6, v6.len, &f);
	CHECK_INT_EQ("icmpv6: echo request 128/0", f.l4_dst_port, 128 * 256);

	test_buf	g = {.len = 0};

	put_mac_pair(&g);
	put16(&g, 0x0800);
	put_ipv4(&g, 0, 4 + 20 + 20, 0, 47, 0xc0000201, 0xc0000202);
	put32(&g, 0x00000800);		/* GRE carrying IPv4 */
	put_ipv4(&g, 0, 20, 0, 6, 0x0a000001, 0x0a000002);
	put_tcp(&g, 25, 1025, 0x02);
	CHECK_INT_EQ("gre: protocol only", decode_prefix(KF_HEADER_ETHERNET, &g, g.len, &f),
				 KF_HEADERS_IP | KF_HEADERS_PROTOCOL);
	CHECK_INT_EQ("gre: protocol 47", f.protocol, 47);
	CHECK_STR_EQ("gre: outer addresses", test_addr(f.dst_addr), "192.0.2.2");
	CHECK_INT_EQ("gre: not descended into", f.l4_src_port, SENTINEL);
}

static void
test_not_ip(void)
{
	test_buf	t = {.len = 0};
	kf_flow		f;

	put_mac_pair(&t);
	put16(&t, 0x0806);			/* ARP */
	for (int i = 0; i < 7; i++)
		put32(&t, 0);			/* the 28-byte ARP body */
	CHECK_INT_EQ("arp: nothing", decode_prefix(KF_HEADER_ETHERNET, &t, t.len, &f), 0);
	t.b[12] = 0x00;
	t.b[13] = 0x2e;				/* an 802.3 length field */
	CHECK_INT_EQ("802.3 length: nothing", decode_prefix(KF_HEADER_ETHERNET, &t, t.len, &f), 0);

	test_buf	tags = {.len = 0};

	put_mac_pair(&tags);
	for (int i = 0; i < 6; i++)
	{
		put16(&tags, 0x8100);
		put16(&tags, 10 + i);
	}
	put16(&tags, 0x0800);
	put_ipv4(&tags, 0, 0, 0, 6, 1, 2);
	CHECK_INT_EQ("more than 4 tags: only the first tag", decode_prefix(KF_HEADER_ETHERNET, &tags, tags.len, &f),
				 KF_HEADERS_VLAN);
	CHECK_INT_EQ("more than 4 tags: outer vlan", f.vlan_in, 10);
}

int
main(void)
{
	test_vlan_ipv4_tcp();
	test_qinq();
	test_mpls();
	test_ipv6_extension_headers();
	test_ipv4_fragments_and_options();
	test_icmp_and_gre();
	test_not_ip();
	UNIT_EXIT();
}
