/*
 * export_batcher.h -- groups generated flows into export packets: per device, one export second
 * per packet, at most EXPORT_MAX_PAYLOAD bytes, templates in each device's first packet and every
 * TEMPLATE_REFRESH_PACKETS packets after, sequence numbers kept per device.  Finished packets go
 * to a sink (pcap file, UDP socket, or both).
 */
#ifndef FLOWGEN_EXPORT_BATCHER_H
#define FLOWGEN_EXPORT_BATCHER_H

#include <stdint.h>

#include "tools/flowgen/export_device.h"
#include "tools/flowgen/fg_error.h"
#include "tools/flowgen/flowgen_config.h"

/* Receives one finished UDP payload from device_id. Returns 0 or -1 with err set. */
typedef int (*packet_sink_fn) (void *ctx, uint32_t device_id, int64_t export_time,
							   const uint8_t *payload, size_t length, fg_error *err);

typedef struct device_queue device_queue;

typedef struct export_batcher
{
	device_queue *queues;		/* one per device, index device_id - 1 */
	uint32_t	device_count;
	packet_sink_fn sink;
	void	   *sink_ctx;
	uint64_t	packets;		/* sent so far, all devices */
	size_t		max_payload;	/* largest payload sent */
} export_batcher;

int			export_batcher_init(export_batcher *b, const flowgen_config *cfg, packet_sink_fn sink, void *sink_ctx,
								fg_error *err);

/* Queues one flow; sends its device's packet first if the flow belongs to a later second or
 * would not fit. */
int			export_batcher_add(export_batcher *b, const gen_flow *f, fg_error *err);

/* Sends every partly filled packet (call at the end of each export second and at the end). */
int			export_batcher_flush_all(export_batcher *b, fg_error *err);

void		export_batcher_free(export_batcher *b);

#endif
