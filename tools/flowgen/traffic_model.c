/*
 * traffic_model.c -- the shape of ordinary traffic (see traffic_model.h).
 *
 * Rough mix: 45% inbound, 45% outbound, 10% internal-to-internal; TCP 80%, UDP 16%, ICMP 2%,
 * GRE 0.5%, other protocols 1.5%; service ports weighted like an enterprise edge, the other side
 * ephemeral; packet counts log-normal (median ~4, heavy tail); bytes per packet plausible per
 * protocol.  Popularity is Zipf-Mandelbrot (P(rank k) ~ 1/(k+q)), sampled in O(1) by inverting
 * its continuous approximation.
 */
#include "tools/flowgen/traffic_model.h"

#include <math.h>

/* Zipf-Mandelbrot flattening: the larger q, the less the top hosts dominate. */
#define INTERNAL_ZIPF_Q 2.0
#define EXTERNAL_ZIPF_Q 10.0

typedef struct weighted_port
{
	uint16_t	port;
	uint16_t	weight;			/* per mille */
} weighted_port;

/* The rest of each table's 1000 per mille is the long tail of registered ports. */
static const weighted_port tcp_services[] = {
	{443, 420}, {80, 180}, {25, 60}, {22, 40}, {993, 30}, {587, 25}, {8080, 25}, {3389, 20},
	{8443, 20}, {3306, 15}, {445, 15}, {5432, 10}, {143, 10}, {110, 10}, {21, 10}, {179, 5}, {853, 5},
};
static const weighted_port udp_services[] = {
	{53, 350}, {443, 200}, {123, 80}, {3478, 40}, {161, 30}, {514, 30}, {4500, 30}, {51820, 30},
	{500, 20}, {5060, 20}, {1194, 20}, {19302, 20}, {67, 10}, {137, 10}, {1900, 10},
};

/* Protocols beyond TCP/UDP/ICMP/GRE: ESP, OSPF, SCTP, IPv6-in-IPv4, PIM. */
static const uint8_t other_protocols[] = {50, 89, 132, 41, 103};

void
traffic_model_init(traffic_model *m, const flowgen_config *cfg)
{
	m->cfg = cfg;
	address_plan_init(&m->addresses, cfg->seed);
	m->popularity_offset = (uint32_t) mix64(cfg->seed ^ UINT64_C(0x5eed));
	m->device_weight_total = cfg->devices * (cfg->devices + 1) / 2;
}

uint32_t
traffic_pick_device(const traffic_model *m, rng *r)
{
	uint32_t	x = rng_below(r, m->device_weight_total);

	for (uint32_t d = 1;; d++)
	{
		uint32_t	weight = m->cfg->devices + 1 - d;

		if (x < weight)
			return d;
		x -= weight;
	}
}

/* A Zipf-Mandelbrot rank in [0, hosts), scrambled into a host number by an affine bijection
 * (7919 is prime and divides neither population size). */
static uint32_t
zipf_host(const traffic_model *m, rng *r, uint32_t hosts, double q)
{
	double		x = q * pow((hosts + q) / q, rng_unit(r)) - q;
	uint32_t	rank = x >= hosts ? hosts - 1 : (uint32_t) x;

	return (uint32_t) (((uint64_t) rank * 7919 + m->popularity_offset) % hosts);
}

endpoint
traffic_pick_external(const traffic_model *m, rng *r)
{
	endpoint	e = {false, zipf_host(m, r, TRAFFIC_EXTERNAL_HOSTS, EXTERNAL_ZIPF_Q)};

	return e;
}

static endpoint
pick_internal(const traffic_model *m, rng *r)
{
	endpoint	e = {true, zipf_host(m, r, TRAFFIC_INTERNAL_HOSTS, INTERNAL_ZIPF_Q)};

	return e;
}

uint16_t
traffic_ephemeral_port(rng *r)
{
	if (rng_below(r, 2) == 0)
		return (uint16_t) (32768 + rng_below(r, 28232));	/* Linux */
	return (uint16_t) (49152 + rng_below(r, 16384));	/* Windows, BSD */
}

static uint16_t
pick_service(rng *r, const weighted_port *table, size_t n)
{
	uint32_t	x = rng_below(r, 1000);

	for (size_t i = 0; i < n; i++)
	{
		if (x < table[i].weight)
			return table[i].port;
		x -= table[i].weight;
	}
	return (uint16_t) (1024 + rng_below(r, 48128));
}

/* Ports of a client/server conversation seen in either direction. */
static void
pick_service_ports(rng *r, const weighted_port *table, size_t n, gen_flow *f)
{
	uint16_t	service = pick_service(r, table, n);
	uint16_t	ephemeral = traffic_ephemeral_port(r);
	bool		client_to_server = rng_below(r, 2) == 0;

	f->src_port = client_to_server ? ephemeral : service;
	f->dst_port = client_to_server ? service : ephemeral;
}

/* ICMP carries type * 256 + code in the destination port: echo, echo reply, unreachables,
 * time exceeded (and their ICMPv6 counterparts). */
static void
pick_icmp(rng *r, gen_flow *f)
{
	static const uint16_t v4_types[] = {8 << 8, 0, 8 << 8, 0, (3 << 8) | 3, (3 << 8) | 1, 11 << 8, 8 << 8};
	static const uint16_t v6_types[] = {128 << 8, 129 << 8, 128 << 8, 129 << 8, (1 << 8) | 4, 3 << 8, 135 << 8, 136 << 8};
	uint32_t	i = rng_below(r, 8);

	f->protocol = f->is_ipv6 ? PROTO_ICMPV6 : PROTO_ICMP;
	f->src_port = 0;
	f->dst_port = f->is_ipv6 ? v6_types[i] : v4_types[i];
}

static void
pick_protocol_and_ports(rng *r, gen_flow *f)
{
	uint32_t	x = rng_below(r, 1000);

	f->src_port = f->dst_port = 0;
	if (x < 800)
	{
		f->protocol = PROTO_TCP;
		pick_service_ports(r, tcp_services, sizeof(tcp_services) / sizeof(tcp_services[0]), f);
	}
	else if (x < 960)
	{
		f->protocol = PROTO_UDP;
		pick_service_ports(r, udp_services, sizeof(udp_services) / sizeof(udp_services[0]), f);
	}
	else if (x < 980)
		pick_icmp(r, f);
	else if (x < 985)
		f->protocol = PROTO_GRE;
	else
	{
		f->protocol = other_protocols[rng_below(r, sizeof(other_protocols))];
		if (f->protocol == 41 && f->is_ipv6)
			f->protocol = 50;	/* IPv6-in-IPv4 only makes sense over IPv4 */
		if (f->protocol == 132)
		{
			f->src_port = traffic_ephemeral_port(r);
			f->dst_port = 3868;	/* Diameter over SCTP */
		}
	}
}

/*
 * Keeps GRE and SMTP flows on IPv4.  The spam-reflection queries group by ipv4_src_addr /
 * ipv4_dst_addr, which are NULL for IPv6 flows, so IPv6 GRE senders and IPv6 SMTP receivers would
 * form one NULL group that passes both HAVING conditions.  Deciding after the protocol is drawn
 * leaves the random stream unchanged.
 */
static void
keep_gre_and_smtp_on_ipv4(gen_flow *f)
{
	if (f->protocol == PROTO_GRE || (f->protocol == PROTO_TCP && (f->src_port == 25 || f->dst_port == 25)))
		f->is_ipv6 = false;
}

/* Keeps background hosts from ever both receiving sport-25 TCP and sending GRE (see header). */
static void
separate_smtp_receivers_from_gre_senders(gen_flow *f, endpoint *src, endpoint *dst)
{
	if (f->protocol == PROTO_TCP && f->src_port == 25 && dst->internal && dst->host % 16 == 3)
		dst->host += 1;
	if (f->protocol == PROTO_GRE && src->internal)
		src->host = src->host - src->host % 16 + 3;
}

void
traffic_background_flow(const traffic_model *m, rng *r, int64_t ts, uint32_t device, gen_flow *f)
{
	bool		wants_ipv6 = rng_unit(r) * 100 < m->cfg->ipv6_share_pct;
	uint32_t	direction = rng_below(r, 100);
	endpoint	internal = pick_internal(m, r);
	endpoint	other = direction < 90 ? traffic_pick_external(m, r) : pick_internal(m, r);
	bool		inbound = direction < 45;

	f->ctimestamp = ts;
	f->device_id = device;
	f->is_ipv6 = wants_ipv6 && flowgen_device_has_ipv6(m->cfg, device);
	pick_protocol_and_ports(r, f);
	keep_gre_and_smtp_on_ipv4(f);

	endpoint	src = inbound ? other : internal;
	endpoint	dst = inbound ? internal : other;

	separate_smtp_receivers_from_gre_senders(f, &src, &dst);
	traffic_complete_flow(m, r, src, dst, f);
}

/* Log-normal count: median e^mu, capped so bytes still fit 32 bits (NetFlow v5). */
static uint32_t
lognormal_count(rng *r, double mu, double sigma)
{
	double		x = exp(mu + sigma * rng_normal(r));

	return x >= 2000000 ? 2000000 : 1 + (uint32_t) x;
}

/* Mean IP packet size of a flow; at least the protocol's header size. */
static uint32_t
mean_packet_size(rng *r, const gen_flow *f, uint32_t pkts)
{
	static const uint32_t tcp_control_sizes[] = {40, 44, 52, 60};
	static const uint32_t icmp_sizes[] = {28, 56, 84, 84};

	switch (f->protocol)
	{
		case PROTO_TCP:
			if (pkts == 1)
				return tcp_control_sizes[rng_below(r, 4)];
			return rng_below(r, 10) < 3 ? 40 + rng_below(r, 60) : 500 + rng_below(r, 1001);
		case PROTO_UDP:
			if (f->src_port == 53 || f->dst_port == 53)
				return 60 + rng_below(r, 452);
			return 28 + rng_below(r, 1373);
		case PROTO_ICMP:
		case PROTO_ICMPV6:
			return icmp_sizes[rng_below(r, 4)];
		case PROTO_GRE:
			return 24 + rng_below(r, 1453);
		default:
			return 40 + rng_below(r, 1401);
	}
}

/* Cumulative TCP flags: lone SYN/RST/ACK for 1-packet flows, handshakes and FIN/PSH later. */
static uint8_t
tcp_flags_for(rng *r, uint32_t pkts)
{
	static const uint8_t single[] = {0x02, 0x02, 0x04, 0x14, 0x10, 0x12};
	static const uint8_t few[] = {0x12, 0x18, 0x11, 0x02, 0x10, 0x1a};
	static const uint8_t many[] = {0x1b, 0x1b, 0x1a, 0x18, 0x19, 0x1f, 0x1e, 0x10};

	if (pkts == 1)
		return single[rng_below(r, sizeof(single))];
	if (pkts <= 3)
		return few[rng_below(r, sizeof(few))];
	return many[rng_below(r, sizeof(many))];
}

static uint8_t
pick_tos(rng *r)
{
	static const uint8_t marked[] = {0x28, 0xb8, 0x20, 0x48};
	uint32_t	x = rng_below(r, 100);

	return x < 85 ? 0 : marked[x % 4];
}

/* Uplinks 1..4 face the internet, 10..57 face internal networks. */
static uint16_t
interface_of(endpoint e)
{
	return (uint16_t) (e.internal ? 10 + e.host % 48 : 1 + e.host % 4);
}

static void
fill_addresses(const traffic_model *m, endpoint src, endpoint dst, gen_flow *f)
{
	if (f->is_ipv6)
	{
		address_plan_v6(&m->addresses, src, f->src_v6);
		address_plan_v6(&m->addresses, dst, f->dst_v6);
		f->src_v4 = f->dst_v4 = f->next_hop_v4 = 0;
		return;
	}
	f->src_v4 = address_plan_v4(&m->addresses, src);
	f->dst_v4 = address_plan_v4(&m->addresses, dst);
	/* the router's neighbour on the egress side: 10.254.dev.uplink or 10.253.dev.ifindex */
	f->next_hop_v4 = (UINT32_C(10) << 24) | (uint32_t) (dst.internal ? 253 : 254) << 16
		| (f->device_id & 0xff) << 8 | interface_of(dst);
}

static void
fill_counters(const traffic_model *m, rng *r, gen_flow *f)
{
	bool		carries_out = flowgen_device_proto(m->cfg, f->device_id) != 5;
	bool		bidirectional = rng_below(r, 5) == 0;
	uint32_t	out_pkts = lognormal_count(r, 0.8, 1.4);
	uint32_t	out_size = mean_packet_size(r, f, out_pkts);

	f->in_pkts = lognormal_count(r, 1.0, 1.5);
	f->in_bytes = f->in_pkts * mean_packet_size(r, f, f->in_pkts);
	f->out_pkts = carries_out && bidirectional ? out_pkts : 0;
	f->out_bytes = f->out_pkts * out_size;
	f->tcp_flags = f->protocol == PROTO_TCP ? tcp_flags_for(r, f->in_pkts) : 0;
	f->sample_rate = flowgen_device_sample_rate(m->cfg, f->device_id);
}

/* Flows end up to 30 s before their export; duration grows with the packet count. */
static void
fill_timing(rng *r, gen_flow *f)
{
	uint32_t	lag = rng_below(r, 31);
	uint32_t	longest = f->in_pkts > 600 ? 600 : f->in_pkts - 1;

	f->last_switched = (uint32_t) f->ctimestamp - lag;
	f->first_switched = f->last_switched - (longest ? rng_below(r, longest + 1) : 0);
}

void
traffic_complete_flow(const traffic_model *m, rng *r, endpoint src, endpoint dst, gen_flow *f)
{
	bool		tagged_vlans = rng_below(r, 10) < 3;

	fill_addresses(m, src, dst, f);
	fill_counters(m, r, f);
	fill_timing(r, f);
	f->tos = pick_tos(r);
	f->input_port = interface_of(src);
	f->output_port = interface_of(dst);
	f->src_as = address_plan_asn(&m->addresses, src);
	f->dst_as = address_plan_asn(&m->addresses, dst);
	f->vlan_in = f->vlan_out = 0;
	if (tagged_vlans && flowgen_device_proto(m->cfg, f->device_id) != 5)
	{
		f->vlan_in = (uint16_t) (100 + f->input_port % 40);
		f->vlan_out = (uint16_t) (100 + f->output_port % 40);
	}
}
