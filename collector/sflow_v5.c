/*
 * sflow_v5.c -- sFlow v5 decoding (see sflow_v5.h).
 *
 * sFlow is XDR: big-endian 32-bit words, opaque data padded to a multiple of 4.  A datagram is
 * a header (version, agent address, sub-agent id, sequence, uptime, sample count) followed by
 * samples (data format, length, body); a flow sample's body ends with records of the same
 * (format, length, body) shape.  data format = enterprise << 12 | format.  Every length is checked
 * against what encloses it before anything inside is read.
 */
#include "collector/sflow_v5.h"

#include <string.h>

#include "collector/addr_text.h"
#include "collector/packet_headers.h"

#define ADDRESS_IPV4 1
#define ADDRESS_IPV6 2

#define SAMPLE_FLOW 1
#define SAMPLE_COUNTERS 2
#define SAMPLE_FLOW_EXPANDED 3
#define SAMPLE_COUNTERS_EXPANDED 4

#define RECORD_RAW_HEADER 1
#define RECORD_SAMPLED_IPV4 3
#define RECORD_SAMPLED_IPV6 4
#define RECORD_EXT_SWITCH 1001
#define RECORD_EXT_ROUTER 1002
#define RECORD_EXT_GATEWAY 1003

/* Counter records (enterprise 0) used: the generic interface counters and their fixed length. */
#define COUNTERS_GENERIC_INTERFACE 1
#define COUNTERS_GENERIC_INTERFACE_LENGTH 88

/* Raw header protocols (sFlow header_protocol) that packet_headers.h understands. */
#define HEADER_PROTO_ETHERNET 1
#define HEADER_PROTO_IPV4 11
#define HEADER_PROTO_IPV6 12
#define HEADER_PROTO_MPLS 13

/* The interface format in a compact sample's top two bits: 0 = ifIndex, 1 = discarded, 2 = several. */
#define INTERFACE_FORMAT_SHIFT 30
#define INTERFACE_VALUE_MASK 0x3fffffffu

/* A bounds-checked reader over one enclosing structure. */
typedef struct xdr
{
	const uint8_t *p;
	size_t		len;
	size_t		off;
	bool		failed;			/* something did not fit; every later read yields 0 */
} xdr;

static uint32_t
xdr_u32(xdr *x)
{
	if (x->failed || x->len - x->off < 4)
	{
		x->failed = true;
		return 0;
	}
	uint32_t	v = (uint32_t) kf_read_be(x->p + x->off, 4);

	x->off += 4;
	return v;
}

/*
 * Returns the next n bytes (padded to 4 in the stream), or NULL when they are not all there.
 * Padding missing at the very end is tolerated: some agents omit it after the last item.
 */
static const uint8_t *
xdr_opaque(xdr *x, size_t n)
{
	size_t		left = x->len - x->off;
	size_t		padded = (n + 3) & ~(size_t) 3;

	if (x->failed || n > left)
	{
		x->failed = true;
		return NULL;
	}
	const uint8_t *p = x->p + x->off;

	x->off += padded < left ? padded : left;
	return p;
}

/* An address (type, then 4 or 16 bytes); false on an unknown type or when it does not fit. */
static bool
xdr_address(xdr *x, kf_addr *out)
{
	uint32_t	type = xdr_u32(x);
	const uint8_t *p;

	if (type == ADDRESS_IPV4 && (p = xdr_opaque(x, 4)))
		*out = kf_addr_from_v4((uint32_t) kf_read_be(p, 4));
	else if (type == ADDRESS_IPV6 && (p = xdr_opaque(x, 16)))
		*out = kf_addr_from_bytes16(p);
	else
	{
		x->failed = true;
		return false;
	}
	return true;
}

bool
kf_sflow_v5_recognised(const uint8_t *buf, size_t len)
{
	if (len < 8 || kf_read_be(buf, 4) != KF_SFLOW_V5_VERSION)
		return false;
	uint64_t	type = kf_read_be(buf + 4, 4);

	return type == ADDRESS_IPV4 || type == ADDRESS_IPV6;
}

int
kf_sflow_v5_parse_header(const uint8_t *buf, size_t len, kf_sflow_header *h)
{
	xdr			x = {buf, len, 0, false};

	memset(h, 0, sizeof(*h));
	if (xdr_u32(&x) != KF_SFLOW_V5_VERSION || !xdr_address(&x, &h->agent))
		return -1;
	h->sub_agent_id = xdr_u32(&x);
	h->sequence = xdr_u32(&x);
	h->uptime_ms = xdr_u32(&x);
	h->samples = xdr_u32(&x);
	h->header_len = x.off;
	return x.failed ? -1 : 0;
}

/* What one flow sample's records said, merged into a flow once all are read. */
typedef struct sample_info
{
	kf_flow		flow;			/* raw header, router and gateway fields */
	unsigned	header_layers;	/* KF_HEADERS_* found in the raw header */
	bool		has_frame;		/* a raw header record gave the frame length */
	bool		has_switch;		/* the switch record's VLANs replace a tag seen in the header */
	uint32_t	switch_vlan_in;
	uint32_t	switch_vlan_out;
	bool		has_ip_record;
	kf_flow		ip_record;		/* a sampled IPv4 / IPv6 record's fields */
	kf_addr		bgp_next_hop;	/* the gateway record's, used when no router record came */
} sample_info;

static bool
read_raw_header(xdr *x, sample_info *s)
{
	uint32_t	protocol = xdr_u32(x);
	uint32_t	frame_length = xdr_u32(x);

	xdr_u32(x);					/* stripped: bytes removed before the header was taken */
	uint32_t	header_length = xdr_u32(x);
	const uint8_t *header = xdr_opaque(x, header_length);

	if (!header)
		return false;
	s->flow.in_bytes = frame_length;
	s->has_frame = true;
	switch (protocol)
	{
		case HEADER_PROTO_ETHERNET:
			s->header_layers = kf_packet_headers_decode(KF_HEADER_ETHERNET, header, header_length, &s->flow);
			break;
		case HEADER_PROTO_IPV4:
			s->header_layers = kf_packet_headers_decode(KF_HEADER_IPV4, header, header_length, &s->flow);
			break;
		case HEADER_PROTO_IPV6:
			s->header_layers = kf_packet_headers_decode(KF_HEADER_IPV6, header, header_length, &s->flow);
			break;
		case HEADER_PROTO_MPLS:
			s->header_layers = kf_packet_headers_decode(KF_HEADER_MPLS, header, header_length, &s->flow);
			break;
		default:
			break;				/* other link layers: counted by length only */
	}
	return true;
}

/* Sampled IPv4 (3) and IPv6 (4) records: length, protocol, addresses, ports, flags, tos. */
static bool
read_sampled_ip(xdr *x, bool v6, sample_info *s)
{
	kf_flow    *f = &s->ip_record;

	f->in_bytes = xdr_u32(x);
	f->protocol = xdr_u32(x);
	const uint8_t *src = xdr_opaque(x, v6 ? 16 : 4);
	const uint8_t *dst = xdr_opaque(x, v6 ? 16 : 4);

	f->l4_src_port = xdr_u32(x);
	f->l4_dst_port = xdr_u32(x);
	f->tcp_flags = xdr_u32(x);
	f->tos = xdr_u32(x);
	if (x->failed)
		return false;
	f->src_addr = v6 ? kf_addr_from_bytes16(src) : kf_addr_from_v4((uint32_t) kf_read_be(src, 4));
	f->dst_addr = v6 ? kf_addr_from_bytes16(dst) : kf_addr_from_v4((uint32_t) kf_read_be(dst, 4));
	s->has_ip_record = true;
	return true;
}

static bool
read_ext_switch(xdr *x, sample_info *s)
{
	uint32_t	src_vlan = xdr_u32(x);

	xdr_u32(x);					/* src_priority */
	uint32_t	dst_vlan = xdr_u32(x);

	xdr_u32(x);					/* dst_priority */
	if (x->failed)
		return false;
	s->switch_vlan_in = src_vlan;
	s->switch_vlan_out = dst_vlan;
	s->has_switch = true;
	return true;
}

static bool
read_ext_router(xdr *x, sample_info *s)
{
	kf_addr		next_hop;

	if (!xdr_address(x, &next_hop))
		return false;
	xdr_u32(x);					/* src_mask_len */
	xdr_u32(x);					/* dst_mask_len */
	if (x->failed)
		return false;
	s->flow.next_hop = next_hop;
	return true;
}

/* Gateway: next hop, own AS, src AS, src peer AS, then the destination AS path as segments. */
static bool
read_ext_gateway(xdr *x, sample_info *s)
{
	if (!xdr_address(x, &s->bgp_next_hop))
		return false;
	xdr_u32(x);					/* the router's own AS */
	uint32_t	src_as = xdr_u32(x);

	xdr_u32(x);					/* src_peer_as */
	uint32_t	segments = xdr_u32(x);
	uint32_t	dst_as = 0;

	for (uint32_t i = 0; i < segments && !x->failed; i++)
	{
		xdr_u32(x);				/* segment type: AS_SET or AS_SEQUENCE */
		uint32_t	count = xdr_u32(x);
		const uint8_t *ases = xdr_opaque(x, (size_t) count * 4);

		if (!ases)
			return false;
		if (count > 0)
			dst_as = (uint32_t) kf_read_be(ases + (size_t) (count - 1) * 4, 4);
	}
	if (x->failed)
		return false;
	s->flow.src_as = src_as;
	s->flow.dst_as = dst_as;
	return true;
}

/* Reads one record body; false when it is malformed.  Unknown records are fine (skipped). */
static bool
read_record(uint32_t format, const uint8_t *body, size_t len, sample_info *s)
{
	xdr			x = {body, len, 0, false};

	switch (format)
	{
		case RECORD_RAW_HEADER:
			return read_raw_header(&x, s);
		case RECORD_SAMPLED_IPV4:
			return read_sampled_ip(&x, false, s);
		case RECORD_SAMPLED_IPV6:
			return read_sampled_ip(&x, true, s);
		case RECORD_EXT_SWITCH:
			return read_ext_switch(&x, s);
		case RECORD_EXT_ROUTER:
			return read_ext_router(&x, s);
		case RECORD_EXT_GATEWAY:
			return read_ext_gateway(&x, s);
		default:
			return true;
	}
}

/* Walks n records; a record that leaves the sample ends the walk.  Returns false on any error. */
static bool
read_records(xdr *x, uint32_t n, sample_info *s)
{
	bool		ok = true;

	for (uint32_t i = 0; i < n; i++)
	{
		uint32_t	data_format = xdr_u32(x);
		uint32_t	length = xdr_u32(x);
		const uint8_t *body = xdr_opaque(x, length);

		if (!body)
			return false;
		if (data_format >> 12 == 0 && !read_record(data_format & 0xfff, body, length, s))
			ok = false;
	}
	return ok;
}

/*
 * An interface of an expanded sample: the ifIndex, or 0 for "discarded" / "several interfaces"
 * (formats 1 and 2) and for 0x3FFFFFFF, which sFlow uses for "no interface": traffic that starts
 * or ends in the device itself.  0 is what NetFlow exporters send for it.
 */
static uint32_t
expanded_interface(uint32_t format, uint32_t value)
{
	return format == 0 && value != INTERFACE_VALUE_MASK ? value : 0;
}

/* The same for a compact sample, whose format is the value's top two bits. */
static uint32_t
compact_interface(uint32_t value)
{
	return expanded_interface(value >> INTERFACE_FORMAT_SHIFT, value & INTERFACE_VALUE_MASK);
}

/* The flow of a sample: the raw header's fields, else a sampled IP record's; records may come in
 * any order, so precedence is settled here. */
static void
finish_flow(sample_info *s, const kf_decode_out *out)
{
	kf_flow    *f = &s->flow;

	if (!(s->header_layers & KF_HEADERS_IP) && s->has_ip_record)
	{
		f->src_addr = s->ip_record.src_addr;
		f->dst_addr = s->ip_record.dst_addr;
		f->protocol = s->ip_record.protocol;
		f->l4_src_port = s->ip_record.l4_src_port;
		f->l4_dst_port = s->ip_record.l4_dst_port;
		f->tcp_flags = s->ip_record.tcp_flags;
		f->tos = s->ip_record.tos;
		if (!s->has_frame)
			f->in_bytes = s->ip_record.in_bytes;
	}
	if (s->has_switch)
	{
		f->vlan_in = s->switch_vlan_in;
		f->vlan_out = s->switch_vlan_out;
	}
	if (kf_addr_is_absent(f->next_hop))
		f->next_hop = s->bgp_next_hop;
	f->in_pkts = 1;
	f->ctimestamp = out->received;
	out->counts->flows++;
	out->emit(out->emit_ctx, out->exporter, f);
}

/* A flow sample (compact or expanded) body; returns false when it is malformed. */
static bool
decode_flow_sample(const uint8_t *body, size_t len, bool expanded, const kf_decode_out *out)
{
	xdr			x = {body, len, 0, false};
	sample_info s;

	memset(&s, 0, sizeof(s));
	xdr_u32(&x);				/* sequence number */
	xdr_u32(&x);				/* source id (expanded: type and index) */
	if (expanded)
		xdr_u32(&x);
	s.flow.sample_rate = xdr_u32(&x);
	xdr_u32(&x);				/* sample pool */
	xdr_u32(&x);				/* drops */
	if (expanded)
	{
		uint32_t	in_format = xdr_u32(&x);
		uint32_t	in_value = xdr_u32(&x);
		uint32_t	out_format = xdr_u32(&x);
		uint32_t	out_value = xdr_u32(&x);

		s.flow.input_port = expanded_interface(in_format, in_value);
		s.flow.output_port = expanded_interface(out_format, out_value);
	}
	else
	{
		s.flow.input_port = compact_interface(xdr_u32(&x));
		s.flow.output_port = compact_interface(xdr_u32(&x));
	}
	uint32_t	records = xdr_u32(&x);

	if (x.failed || !read_records(&x, records, &s))
		return false;
	if (s.has_frame || s.has_ip_record)
		finish_flow(&s, out);
	else
		out->counts->non_flow_records++;
	return true;
}

int
kf_sflow_v5_decode(const uint8_t *buf, size_t len, const kf_decode_out *out)
{
	kf_sflow_header h;

	if (kf_sflow_v5_parse_header(buf, len, &h) < 0)
	{
		out->counts->decode_errors++;
		return -1;
	}
	xdr			x = {buf, len, h.header_len, false};

	for (uint32_t i = 0; i < h.samples; i++)
	{
		uint32_t	data_format = xdr_u32(&x);
		uint32_t	length = xdr_u32(&x);
		const uint8_t *body = xdr_opaque(&x, length);

		if (!body)
		{
			out->counts->decode_errors++;	/* the rest of the datagram cannot be framed */
			break;
		}
		uint32_t	format = data_format >> 12 == 0 ? data_format & 0xfff : 0;

		if (format == SAMPLE_FLOW || format == SAMPLE_FLOW_EXPANDED)
		{
			if (!decode_flow_sample(body, length, format == SAMPLE_FLOW_EXPANDED, out))
				out->counts->decode_errors++;
		}
		else if (format == SAMPLE_COUNTERS || format == SAMPLE_COUNTERS_EXPANDED)
			out->counts->counter_samples++;
	}
	return 0;
}

/* ---------------------------------------------------------------- counter samples */

/* Reads a generic interface counters record (sFlow v5 "if_counters", 88 bytes). */
static void
read_generic_interface(const uint8_t *body, size_t len, int64_t received, kf_counter_row *row)
{
	xdr			x = {body, len, 0, false};

	memset(row, 0, sizeof(*row));
	row->ctimestamp = received;
	row->if_index = xdr_u32(&x);
	row->if_type = xdr_u32(&x);
	row->if_speed = (uint64_t) xdr_u32(&x) << 32;
	row->if_speed |= xdr_u32(&x);
	row->if_direction = xdr_u32(&x);
	row->if_status = xdr_u32(&x);
	row->in_octets = (uint64_t) xdr_u32(&x) << 32;
	row->in_octets |= xdr_u32(&x);
	row->in_ucast_pkts = xdr_u32(&x);
	row->in_mcast_pkts = xdr_u32(&x);
	row->in_bcast_pkts = xdr_u32(&x);
	row->in_discards = xdr_u32(&x);
	row->in_errors = xdr_u32(&x);
	row->in_unknown_protos = xdr_u32(&x);
	row->out_octets = (uint64_t) xdr_u32(&x) << 32;
	row->out_octets |= xdr_u32(&x);
	row->out_ucast_pkts = xdr_u32(&x);
	row->out_mcast_pkts = xdr_u32(&x);
	row->out_bcast_pkts = xdr_u32(&x);
	row->out_discards = xdr_u32(&x);
	row->out_errors = xdr_u32(&x);
	row->promiscuous = xdr_u32(&x);
}

/*
 * Walks the records of one counter sample body.  With emit false it only checks them (framing,
 * the generic record's length); with emit true it emits a row per generic record.  Two passes, so
 * a sample that turns out malformed half-way emits nothing.
 */
static bool
walk_counter_records(const uint8_t *body, size_t len, bool expanded, bool emit, const kf_counter_decode_out *out)
{
	xdr			x = {body, len, 0, false};

	xdr_u32(&x);				/* sequence number */
	xdr_u32(&x);				/* source id (expanded: type, then index) */
	if (expanded)
		xdr_u32(&x);
	uint32_t	records = xdr_u32(&x);

	for (uint32_t i = 0; i < records && !x.failed; i++)
	{
		uint32_t	data_format = xdr_u32(&x);
		uint32_t	length = xdr_u32(&x);
		const uint8_t *record = xdr_opaque(&x, length);

		if (record == NULL || data_format != COUNTERS_GENERIC_INTERFACE)
			continue;			/* other enterprises and formats: skipped by their length */
		if (length < COUNTERS_GENERIC_INTERFACE_LENGTH)
			return false;
		if (emit)
		{
			kf_counter_row row;

			read_generic_interface(record, length, out->received, &row);
			out->counts->interface_records++;
			out->emit(out->emit_ctx, out->exporter, &row);
		}
	}
	return !x.failed;
}

int
kf_sflow_v5_decode_counters(const uint8_t *buf, size_t len, const kf_counter_decode_out *out)
{
	kf_sflow_header h;

	if (kf_sflow_v5_parse_header(buf, len, &h) < 0)
		return -1;
	xdr			x = {buf, len, h.header_len, false};

	for (uint32_t i = 0; i < h.samples; i++)
	{
		uint32_t	data_format = xdr_u32(&x);
		uint32_t	length = xdr_u32(&x);
		const uint8_t *body = xdr_opaque(&x, length);

		if (body == NULL)
			break;				/* framing lost: kf_sflow_v5_decode counts it for the packet */
		if (data_format != SAMPLE_COUNTERS && data_format != SAMPLE_COUNTERS_EXPANDED)
			continue;
		bool		expanded = data_format == SAMPLE_COUNTERS_EXPANDED;

		if (walk_counter_records(body, length, expanded, false, out))
			walk_counter_records(body, length, expanded, true, out);
		else
			out->counts->decode_errors++;
	}
	return 0;
}
