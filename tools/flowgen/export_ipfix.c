/*
 * export_ipfix.c -- IPFIX encoder (RFC 7011): 16-byte message header, then the template and data
 * sets of flow_templates.c.  The sequence number counts data records sent before this message in
 * the observation domain (= device id).
 */
#include "tools/flowgen/byte_writer.h"
#include "tools/flowgen/export_device.h"
#include "tools/flowgen/flow_templates.h"

#define IPFIX_HEADER_LENGTH 16

static size_t
ipfix_payload_size(const export_device *dev, const export_batch *batch)
{
	return IPFIX_HEADER_LENGTH + flow_sets_size(10, dev, batch);
}

static size_t
ipfix_encode(const export_device *dev, const export_batch *batch, uint8_t *out)
{
	byte_writer w = bw_begin(out);

	bw_u16(&w, 10);
	bw_u16(&w, (uint32_t) ipfix_payload_size(dev, batch));
	bw_u32(&w, (uint32_t) batch->export_time);
	bw_u32(&w, dev->flows_sent);
	bw_u32(&w, dev->id);
	flow_sets_write(&w, 10, dev, batch);
	return bw_length(&w);
}

const export_encoder ipfix_encoder = {ipfix_payload_size, ipfix_encode};
