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

/*
 * mplsTopLabelStackSection (70): one 3-byte label stack entry, label << 4 | EXP << 1 | bottom of
 * stack.  Exporters send zeros when a flow has no label, so an all-zero entry means none; label 0
 * (IPv4 explicit null) comes with its bottom-of-stack bit set and is stored as a label.
 */
static void
set_mpls_top_label(kf_flow *f, uint64_t entry, size_t len)
{
	if (len != 3 || entry == 0)
		return;
	f->mpls_labeled = true;
	f->mpls_label = (uint32_t) (entry >> 4);
	f->mpls_exp = (uint32_t) ((entry >> 1) & 7);
}

#define NTP_TO_UNIX_SECONDS INT64_C(2208988800)	/* 1900-01-01 to 1970-01-01 */

/* An NTP timestamp (seconds since 1900 . 32-bit fraction) in epoch ms, rounded down. */
static int64_t
ntp_to_epoch_ms(uint64_t ntp)
{
	int64_t		seconds = (int64_t) (ntp >> 32) - NTP_TO_UNIX_SECONDS;

	return seconds * 1000 + (int64_t) (((ntp & UINT32_MAX) * 1000) >> 32);
}

/* Records a time element of the record (see kf_flow_times); returns false for any other element. */
static bool
set_time_element(kf_flow_times *t, uint16_t ie, uint64_t v, size_t len)
{
	switch (ie)
	{
		case 150: t->has_start_ms = true; t->start_ms = (int64_t) (v & UINT32_MAX) * 1000; break;
		case 151: t->has_end_ms = true; t->end_ms = (int64_t) (v & UINT32_MAX) * 1000; break;
		case 152: t->has_start_ms = true; t->start_ms = clamp_to_int64(v); break;
		case 153: t->has_end_ms = true; t->end_ms = clamp_to_int64(v); break;
		case 154: case 156:
			if (len == 8)
			{
				t->has_start_ms = true;
				t->start_ms = ntp_to_epoch_ms(v);
			}
			break;
		case 155: case 157:
			if (len == 8)
			{
				t->has_end_ms = true;
				t->end_ms = ntp_to_epoch_ms(v);
			}
			break;
		case 22: t->has_start_uptime = true; t->start_uptime_ms = (uint32_t) v; break;
		case 21: t->has_end_uptime = true; t->end_uptime_ms = (uint32_t) v; break;
		case 158: t->has_start_delta = true; t->start_delta_us = v; break;
		case 159: t->has_end_delta = true; t->end_delta_us = v; break;
		case 161: t->has_duration = true; t->duration_us = v > UINT64_MAX / 1000 ? UINT64_MAX : v * 1000; break;
		case 162: t->has_duration = true; t->duration_us = v; break;
		default: return false;
	}
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
		case 70:
			set_mpls_top_label(f, v, len);
			break;
		default:
			if (!set_time_element(&r->times, ie, v, len))
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

bool
kf_flow_fields_finish(kf_flow_fields *r, uint64_t default_rate, const kf_time_base *base)
{
	if (r->has_icmp && r->flow.l4_dst_port == 0)
		r->flow.l4_dst_port = r->icmp_type_code;
	uint64_t	rate = kf_sampling_fields_rate(&r->sampling);

	r->flow.sample_rate = clamp_to_uint32(rate ? rate : default_rate);
	return kf_flow_times_resolve(&r->times, base, &r->flow);
}

bool
kf_flow_times_present(const kf_flow_times *t)
{
	return t->has_start_ms || t->has_end_ms || t->has_start_uptime || t->has_end_uptime ||
		t->has_start_delta || t->has_end_delta || t->has_duration;
}

#define UPTIME_WRAP (INT64_C(1) << 32)

/*
 * Epoch ms of a sysUptime value.  Against the header's sysUptime the age is taken modulo 2^32 as a
 * signed 32-bit number, so a value from before a wrap-around (FIRST = 0xfffff000 with the header at
 * 1000) is 5096 ms old, and one slightly above the header's (the exporter's clock read between
 * record and header) lies slightly after the export time, which plausibility then judges.
 * Against the system init time (IPFIX), the value is the latest wrap of it not after the export
 * time plus the slack.  Returns false when neither base is known.
 */
static bool
uptime_to_epoch_ms(uint32_t uptime_ms, const kf_time_base *base, int64_t *out)
{
	if (base->has_sys_uptime)
	{
		int32_t		age = (int32_t) (base->sys_uptime_ms - uptime_ms);

		*out = base->export_ms - age;
		return true;
	}
	if (base->system_init_ms <= 0 || base->system_init_ms > base->export_ms)
		return false;
	int64_t		t = base->system_init_ms + uptime_ms;
	int64_t		latest = base->export_ms + KF_FLOW_END_SLACK_MS;

	if (latest > t)
		t += (latest - t) / UPTIME_WRAP * UPTIME_WRAP;
	*out = t;
	return true;
}

/* Epoch ms of a delta before the export time (158/159), saturating far in the past. */
static int64_t
delta_to_epoch_ms(uint64_t delta_us, int64_t export_ms)
{
	uint64_t	delta_ms = delta_us / 1000;

	return delta_ms > (uint64_t) export_ms ? 0 : export_ms - (int64_t) delta_ms;
}

/* One end of the flow from its most direct element; false when the record has none usable. */
static bool
resolve_one_end(bool has_abs, int64_t abs_ms, bool has_delta, uint64_t delta_us, bool has_uptime,
				uint32_t uptime_ms, const kf_time_base *base, int64_t *out)
{
	if (has_abs)
	{
		*out = abs_ms;
		return true;
	}
	if (has_delta)
	{
		*out = delta_to_epoch_ms(delta_us, base->export_ms);
		return true;
	}
	return has_uptime && uptime_to_epoch_ms(uptime_ms, base, out);
}

bool
kf_flow_times_resolve(const kf_flow_times *t, const kf_time_base *base, kf_flow *f)
{
	int64_t		start = 0,
				end = 0;
	bool		has_start = resolve_one_end(t->has_start_ms, t->start_ms, t->has_start_delta, t->start_delta_us,
											t->has_start_uptime, t->start_uptime_ms, base, &start);
	bool		has_end = resolve_one_end(t->has_end_ms, t->end_ms, t->has_end_delta, t->end_delta_us,
										  t->has_end_uptime, t->end_uptime_ms, base, &end);
	int64_t		duration_ms = t->duration_us / 1000 > (uint64_t) KF_FLOW_MAX_DURATION_MS
		? KF_FLOW_MAX_DURATION_MS + 1 : (int64_t) (t->duration_us / 1000);

	if (has_start && !has_end && t->has_duration && start <= base->export_ms)
	{
		end = start + duration_ms;
		has_end = true;
	}
	else if (has_end && !has_start && t->has_duration)
	{
		start = end - duration_ms;
		has_start = true;
	}
	f->flow_end_ms = 0;
	f->flow_duration_ms = 0;
	if (!has_start || !has_end || start <= 0 || start > end || end - start > KF_FLOW_MAX_DURATION_MS ||
		end > base->export_ms + KF_FLOW_END_SLACK_MS)
		return !kf_flow_times_present(t);
	f->flow_end_ms = end;
	f->flow_duration_ms = end - start;
	return true;
}

bool
kf_ie_is_flow_key(uint16_t ie)
{
	return ie == KF_IE_IPV4_SRC_ADDR || ie == KF_IE_IPV4_DST_ADDR ||
		ie == KF_IE_IPV6_SRC_ADDR || ie == KF_IE_IPV6_DST_ADDR;
}
