/*
 * flow_fields.c -- the information element -> kf_flow mapping (see flow_fields.h).
 *
 * Integers may come in any length from 1 to 8 bytes (exporters use "reduced size encoding");
 * longer integers are ignored because they cannot be what the element means.  Addresses must have
 * exactly their natural length.
 */
#include "collector/flow_fields.h"

#include <string.h>

#include "collector/flow_decode.h"

void
kf_flow_fields_reset(kf_flow_fields *r, int64_t ctimestamp)
{
	memset(r, 0, sizeof(*r));
	r->flow.ctimestamp = ctimestamp;
}

static int64_t
clamp_to_int64(uint64_t v)
{
	return v > (uint64_t) INT64_MAX ? INT64_MAX : (int64_t) v;
}

static uint32_t
clamp_to_uint32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t) v;
}

static kf_addr
read_v6(const uint8_t *p)
{
	kf_addr		a = {kf_read_be(p, 8), kf_read_be(p + 8, 8)};

	return a;
}

/*
 * Elements holding an address: only their exact length is meaningful, and an all-zero value never
 * replaces an address already read from another field of the record.
 */
static bool
set_address(kf_flow *f, uint16_t ie, const uint8_t *p, size_t len)
{
	kf_addr    *dst;
	size_t		want;

	switch (ie)
	{
		case 8: dst = &f->src_addr; want = 4; break;
		case 12: dst = &f->dst_addr; want = 4; break;
		case 15: dst = &f->next_hop; want = 4; break;
		case 27: dst = &f->src_addr; want = 16; break;
		case 28: dst = &f->dst_addr; want = 16; break;
		case 62: dst = &f->next_hop; want = 16; break;
		default: return false;
	}
	if (len != want)
		return true;
	kf_addr		value = want == 4 ? kf_addr_from_v4((uint32_t) kf_read_be(p, 4)) : read_v6(p);
	bool		value_is_zero = want == 4 ? (uint32_t) value.lo == 0 : kf_addr_is_absent(value);

	/* Templates with both an IPv4 and an IPv6 field fill the unused one with zeros. */
	if (!value_is_zero || kf_addr_is_absent(*dst))
		*dst = value;
	return true;
}

void
kf_flow_fields_set(kf_flow_fields *r, uint16_t ie, const uint8_t *p, size_t len)
{
	kf_flow    *f = &r->flow;

	if (set_address(f, ie, p, len))
		return;
	if (len == 0 || len > 8)
		return;
	uint64_t	v = kf_read_be(p, len);

	switch (ie)
	{
		case 1: case 85: f->in_bytes = clamp_to_int64(v); break;
		case 2: case 86: f->in_pkts = clamp_to_int64(v); break;
		case 23: f->out_bytes = clamp_to_int64(v); break;
		case 24: f->out_pkts = clamp_to_int64(v); break;
		case 4: f->protocol = clamp_to_uint32(v); break;
		case 5: f->tos = clamp_to_uint32(v); break;
		case 6: f->tcp_flags = clamp_to_uint32(v); break;
		case 7: f->l4_src_port = clamp_to_uint32(v); break;
		case 11: f->l4_dst_port = clamp_to_uint32(v); break;
		case 10: f->input_port = clamp_to_uint32(v); break;
		case 14: f->output_port = clamp_to_uint32(v); break;
		case 16: f->src_as = clamp_to_uint32(v); break;
		case 17: f->dst_as = clamp_to_uint32(v); break;
		case 58: f->vlan_in = clamp_to_uint32(v); break;
		case 59: f->vlan_out = clamp_to_uint32(v); break;
		/* dot1q VLAN ids only fill what the plain VLAN elements left empty. */
		case 243: if (f->vlan_in == 0) f->vlan_in = clamp_to_uint32(v); break;
		case 254: if (f->vlan_out == 0) f->vlan_out = clamp_to_uint32(v); break;
		case 32: case 139:
			r->has_icmp = true;
			r->icmp_type_code = (uint32_t) (v & 0xffff);
			break;
		case 176: case 178:
			r->has_icmp = true;
			r->icmp_type_code = (r->icmp_type_code & 0xff) | (uint32_t) ((v & 0xff) << 8);
			break;
		case 177: case 179:
			r->has_icmp = true;
			r->icmp_type_code = (r->icmp_type_code & 0xff00) | (uint32_t) (v & 0xff);
			break;
		case KF_IE_SAMPLER_ID:
		case KF_IE_SELECTOR_ID:
			r->has_sampler_id = true;
			r->sampler_id = v;
			break;
		default:
			kf_sampling_fields_set(&r->sampling, ie, v);
			break;
	}
}

void
kf_sampling_fields_set(kf_sampling_fields *s, uint16_t ie, uint64_t v)
{
	switch (ie)
	{
		case KF_IE_SAMPLING_INTERVAL:
		case KF_IE_SAMPLER_RANDOM_INTERVAL:
			s->interval = v;
			break;
		case KF_IE_SAMPLING_PACKET_INTERVAL:
			s->packet_interval = v;
			break;
		case KF_IE_SAMPLING_PACKET_SPACE:
			s->packet_space = v;
			s->has_packet_space = true;
			break;
		case KF_IE_SAMPLING_SIZE:
			s->size = v;
			break;
		case KF_IE_SAMPLING_POPULATION:
			s->population = v;
			break;
		default:
			break;
	}
}

/* round(numerator / denominator) without overflow, for denominator > 0. */
static uint64_t
rounded_ratio(uint64_t numerator, uint64_t denominator)
{
	uint64_t	q = numerator / denominator;
	uint64_t	r = numerator % denominator;

	return r >= denominator - r ? q + 1 : q;
}

uint64_t
kf_sampling_fields_rate(const kf_sampling_fields *s)
{
	uint64_t	rate = 0;

	if (s->interval)
		rate = s->interval;
	else if (s->packet_interval && s->has_packet_space)
	{
		/* (I + S) / I = 1 + S / I, which cannot overflow */
		rate = 1 + rounded_ratio(s->packet_space, s->packet_interval);
	}
	else if (s->packet_interval)
		rate = s->packet_interval;
	else if (s->size && s->population)
		rate = rounded_ratio(s->population, s->size);
	return clamp_to_uint32(rate);
}

void
kf_flow_fields_finish(kf_flow_fields *r, uint64_t default_rate)
{
	if (r->has_icmp && r->flow.l4_dst_port == 0)
		r->flow.l4_dst_port = r->icmp_type_code;
	uint64_t	rate = kf_sampling_fields_rate(&r->sampling);

	r->flow.sample_rate = clamp_to_uint32(rate ? rate : default_rate);
}

bool
kf_ie_is_flow_key(uint16_t ie)
{
	return ie == KF_IE_IPV4_SRC_ADDR || ie == KF_IE_IPV4_DST_ADDR ||
		ie == KF_IE_IPV6_SRC_ADDR || ie == KF_IE_IPV6_DST_ADDR;
}
