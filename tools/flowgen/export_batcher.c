/*
 * export_batcher.c -- per-device packet assembly (see export_batcher.h).
 *
 * Fitting is decided by asking the device's encoder for the payload size with the new flow
 * included, so the 1400-byte limit holds for every format and template schedule without
 * per-format record counts.
 */
#include "tools/flowgen/export_batcher.h"

#include <stdlib.h>

/* More than any format fits in 1400 bytes (v5: 28 records of 48 bytes). */
#define QUEUE_CAPACITY 32

struct device_queue
{
	export_device dev;
	const export_encoder *encoder;
	int64_t		export_time;
	gen_flow	v4[QUEUE_CAPACITY];
	size_t		n_v4;
	gen_flow	v6[QUEUE_CAPACITY];
	size_t		n_v6;
};

static const export_encoder *
encoder_for(int version)
{
	return version == 5 ? &netflow_v5_encoder : version == 9 ? &netflow_v9_encoder : &ipfix_encoder;
}

int
export_batcher_init(export_batcher *b, const flowgen_config *cfg, packet_sink_fn sink, void *sink_ctx,
					fg_error *err)
{
	b->queues = calloc(cfg->devices, sizeof(device_queue));
	if (!b->queues)
		return fg_error_set(err, "out of memory for %u device queues", cfg->devices);
	b->device_count = cfg->devices;
	b->sink = sink;
	b->sink_ctx = sink_ctx;
	b->packets = 0;
	b->max_payload = 0;
	for (uint32_t d = 1; d <= cfg->devices; d++)
	{
		export_device *dev = &b->queues[d - 1].dev;

		dev->id = d;
		dev->version = flowgen_device_proto(cfg, d);
		dev->sample_rate = flowgen_device_sample_rate(cfg, d);
		dev->ipv6_template = flowgen_device_has_ipv6(cfg, d);
		/* booted before the first flow could start (30 s lag + 600 s duration) */
		dev->boot_time = (uint32_t) (cfg->end - cfg->span) - 3600 - 60 * d;
		b->queues[d - 1].encoder = encoder_for(dev->version);
	}
	return 0;
}

static export_batch
queued_batch(const device_queue *q)
{
	export_batch batch = {
		.export_time = q->export_time,
		.with_templates = q->dev.version != 5 && q->dev.packets_sent % TEMPLATE_REFRESH_PACKETS == 0,
		.v4 = q->v4, .n_v4 = q->n_v4, .v6 = q->v6, .n_v6 = q->n_v6,
	};

	return batch;
}

static int
send_queue(export_batcher *b, device_queue *q, fg_error *err)
{
	uint8_t		payload[EXPORT_MAX_PAYLOAD];

	if (q->n_v4 + q->n_v6 == 0)
		return 0;

	export_batch batch = queued_batch(q);
	size_t		length = q->encoder->encode(&q->dev, &batch, payload);

	if (b->sink(b->sink_ctx, q->dev.id, q->export_time, payload, length, err) < 0)
		return -1;
	q->dev.packets_sent++;
	q->dev.flows_sent += (uint32_t) (q->n_v4 + q->n_v6);
	q->n_v4 = q->n_v6 = 0;
	b->packets++;
	if (length > b->max_payload)
		b->max_payload = length;
	return 0;
}

/* Whether the queue's packet stays within the payload limit with f added. */
static bool
fits_with(const device_queue *q, const gen_flow *f)
{
	export_batch batch = queued_batch(q);

	if (q->n_v4 + q->n_v6 + 1 > QUEUE_CAPACITY)
		return false;
	if (f->is_ipv6)
		batch.n_v6++;
	else
		batch.n_v4++;
	return q->encoder->payload_size(&q->dev, &batch) <= EXPORT_MAX_PAYLOAD;
}

int
export_batcher_add(export_batcher *b, const gen_flow *f, fg_error *err)
{
	device_queue *q = &b->queues[f->device_id - 1];

	if (q->n_v4 + q->n_v6 > 0 && (q->export_time != f->ctimestamp || !fits_with(q, f)))
	{
		if (send_queue(b, q, err) < 0)
			return -1;
	}
	q->export_time = f->ctimestamp;
	if (f->is_ipv6)
		q->v6[q->n_v6++] = *f;
	else
		q->v4[q->n_v4++] = *f;
	return 0;
}

int
export_batcher_flush_all(export_batcher *b, fg_error *err)
{
	for (uint32_t d = 0; d < b->device_count; d++)
		if (send_queue(b, &b->queues[d], err) < 0)
			return -1;
	return 0;
}

void
export_batcher_free(export_batcher *b)
{
	free(b->queues);
	b->queues = NULL;
}
