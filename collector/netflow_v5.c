/*
 * netflow_v5.c -- NetFlow v5 decoding (see netflow_v5.h).
 *
 * Record layout (offsets in bytes): 0 srcaddr, 4 dstaddr, 8 nexthop, 12 input, 14 output,
 * 16 dPkts, 20 dOctets, 24 First, 28 Last, 32 srcport, 34 dstport, 36 pad, 37 tcp_flags, 38 prot,
 * 39 tos, 40 src_as, 42 dst_as, 44 src_mask, 45 dst_mask, 46 pad.
 * The header's sampling_interval keeps the mode in its top two bits and the interval in the low 14.
 */
#include "collector/netflow_v5.h"

#include <string.h>

#include "collector/flow_fields.h"

/* Decodes one record; First and Last (sysUptime ms) are resolved against the header's time base. */
static void
decode_record(const uint8_t *r, int64_t ctimestamp, uint32_t sample_rate, const kf_time_base *base, kf_flow *f)
{
	kf_flow_times times = {
		.has_start_uptime = true,
		.start_uptime_ms = (uint32_t) kf_read_be(r + 24, 4),
		.has_end_uptime = true,
		.end_uptime_ms = (uint32_t) kf_read_be(r + 28, 4),
	};

	memset(f, 0, sizeof(*f));
	f->ctimestamp = ctimestamp;
	f->src_addr = kf_addr_from_v4((uint32_t) kf_read_be(r + 0, 4));
	f->dst_addr = kf_addr_from_v4((uint32_t) kf_read_be(r + 4, 4));
	f->next_hop = kf_addr_from_v4((uint32_t) kf_read_be(r + 8, 4));
	f->input_port = (uint32_t) kf_read_be(r + 12, 2);
	f->output_port = (uint32_t) kf_read_be(r + 14, 2);
	f->in_pkts = (int64_t) kf_read_be(r + 16, 4);
	f->in_bytes = (int64_t) kf_read_be(r + 20, 4);
	f->l4_src_port = (uint32_t) kf_read_be(r + 32, 2);
	f->l4_dst_port = (uint32_t) kf_read_be(r + 34, 2);
	f->tcp_flags = r[37];
	f->protocol = r[38];
	f->tos = r[39];
	f->src_as = (uint32_t) kf_read_be(r + 40, 2);
	f->dst_as = (uint32_t) kf_read_be(r + 42, 2);
	f->sample_rate = sample_rate;
	kf_flow_times_resolve(&times, base, f);
}

int
kf_netflow_v5_decode(const uint8_t *buf, size_t len, const kf_decode_out *out)
{
	if (len < KF_NFV5_HEADER_LEN || kf_read_be(buf, 2) != 5)
	{
		out->counts->decode_errors++;
		return -1;
	}
	size_t		count = (size_t) kf_read_be(buf + 2, 2);

	if (len < KF_NFV5_HEADER_LEN + count * KF_NFV5_RECORD_LEN)
	{
		out->counts->decode_errors++;
		return -1;
	}
	int64_t		ctimestamp = (int64_t) kf_read_be(buf + 8, 4);
	uint32_t	sample_rate = (uint32_t) (kf_read_be(buf + 22, 2) & 0x3fff);
	kf_time_base base = {
		.export_ms = ctimestamp * 1000 + (int64_t) (kf_read_be(buf + 12, 4) % 1000000000) / 1000000,
		.has_sys_uptime = true,
		.sys_uptime_ms = (uint32_t) kf_read_be(buf + 4, 4),
	};

	for (size_t i = 0; i < count; i++)
	{
		kf_flow		f;

		decode_record(buf + KF_NFV5_HEADER_LEN + i * KF_NFV5_RECORD_LEN, ctimestamp, sample_rate, &base, &f);
		out->counts->flows++;
		out->emit(out->emit_ctx, out->exporter, &f);
	}
	return 0;
}
