/*
 * export_netflow_v5.c -- NetFlow v5 encoder: 24-byte header, fixed 48-byte IPv4 records.
 *
 * flow_sequence counts flows sent before this packet; engine_id is the device id; the header's
 * sampling_interval holds mode 01 (packet interval) and the rate in its low 14 bits when the
 * device samples, 0 otherwise.  v5 has no IPv6, VLANs or outbound counters.
 */
#include "tools/flowgen/byte_writer.h"
#include "tools/flowgen/export_device.h"

#define V5_HEADER_LENGTH 24
#define V5_RECORD_LENGTH 48

static size_t
v5_payload_size(const export_device *dev, const export_batch *batch)
{
	(void) dev;
	return V5_HEADER_LENGTH + V5_RECORD_LENGTH * batch->n_v4;
}

static void
v5_write_header(byte_writer *w, const export_device *dev, const export_batch *batch)
{
	uint32_t	t = (uint32_t) batch->export_time;

	bw_u16(w, 5);
	bw_u16(w, (uint32_t) batch->n_v4);
	bw_u32(w, export_uptime_ms(dev, t));
	bw_u32(w, t);
	bw_u32(w, 0);				/* unix_nsecs */
	bw_u32(w, dev->flows_sent);
	bw_u8(w, 0);				/* engine_type */
	bw_u8(w, dev->id);
	bw_u16(w, dev->sample_rate > 1 ? (UINT32_C(1) << 14) | dev->sample_rate : 0);
}

static void
v5_write_record(byte_writer *w, const export_device *dev, const gen_flow *f)
{
	bw_u32(w, f->src_v4);
	bw_u32(w, f->dst_v4);
	bw_u32(w, f->next_hop_v4);
	bw_u16(w, f->input_port);
	bw_u16(w, f->output_port);
	bw_u32(w, f->in_pkts);
	bw_u32(w, f->in_bytes);
	bw_u32(w, export_uptime_ms(dev, f->first_switched));
	bw_u32(w, export_uptime_ms(dev, f->last_switched));
	bw_u16(w, f->src_port);
	bw_u16(w, f->dst_port);
	bw_u8(w, 0);				/* pad1 */
	bw_u8(w, f->tcp_flags);
	bw_u8(w, f->protocol);
	bw_u8(w, f->tos);
	bw_u16(w, f->src_as);
	bw_u16(w, f->dst_as);
	bw_u8(w, 0);				/* src_mask, dst_mask: not modelled */
	bw_u8(w, 0);
	bw_u16(w, 0);				/* pad2 */
}

static size_t
v5_encode(const export_device *dev, const export_batch *batch, uint8_t *out)
{
	byte_writer w = bw_begin(out);

	v5_write_header(&w, dev, batch);
	for (size_t i = 0; i < batch->n_v4; i++)
		v5_write_record(&w, dev, &batch->v4[i]);
	return bw_length(&w);
}

const export_encoder netflow_v5_encoder = {v5_payload_size, v5_encode};
