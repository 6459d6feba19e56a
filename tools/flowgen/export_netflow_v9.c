/*
 * export_netflow_v9.c -- NetFlow v9 encoder (RFC 3954): 20-byte header, then the template and
 * data flowsets of flow_templates.c.  The header count covers template and data records; the
 * sequence number counts export packets of this source id.
 */
#include "tools/flowgen/byte_writer.h"
#include "tools/flowgen/export_device.h"
#include "tools/flowgen/flow_templates.h"

#define V9_HEADER_LENGTH 20

static size_t
v9_payload_size(const export_device *dev, const export_batch *batch)
{
	return V9_HEADER_LENGTH + flow_sets_size(9, dev, batch);
}

static size_t
v9_encode(const export_device *dev, const export_batch *batch, uint8_t *out)
{
	byte_writer w = bw_begin(out);
	uint32_t	t = (uint32_t) batch->export_time;
	size_t		records = flow_sets_template_count(dev, batch) + batch->n_v4 + batch->n_v6;

	bw_u16(&w, 9);
	bw_u16(&w, (uint32_t) records);
	bw_u32(&w, export_uptime_ms(dev, t));
	bw_u32(&w, t);
	bw_u32(&w, dev->packets_sent);
	bw_u32(&w, dev->id);
	flow_sets_write(&w, 9, dev, batch);
	return bw_length(&w);
}

const export_encoder netflow_v9_encoder = {v9_payload_size, v9_encode};
