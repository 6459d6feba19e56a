/*
 * counter_sink.h -- where decoded sFlow counter rows go: buffered per device (the device resolved
 * from the exporter exactly as flow_sink.h resolves it for flows, through the same registry) and
 * published as counter files (store/counter_file.h) on the flow sink's cadence:
 *   - kf_counter_sink_tick flushes every device holding rows, at most every KF_SINK_FLUSH_SECONDS;
 *   - kf_counter_sink_flush_all flushes everything (exit, end of a pcap).
 * A device's registry entry is saved before any of its counter files is published.
 */
#ifndef KF_COUNTER_SINK_H
#define KF_COUNTER_SINK_H

#include "collector/device_registry.h"
#include "collector/sflow_v5.h"
#include "store/counter_file.h"

/* While flushing keeps failing, a device buffers at most this many rows, then drops new ones. */
#define KF_COUNTER_SINK_MAX_BUFFERED_ROWS (1u << 20)

typedef struct kf_counter_sink_stats
{
	uint64_t	rows_stored;	/* handed to a device buffer */
	uint64_t	rows_dropped;	/* lost: no device, negative time, buffer limit or out of memory */
	uint64_t	flushes;		/* successful publications of a device's buffer */
	uint64_t	flush_errors;
} kf_counter_sink_stats;

typedef struct kf_counter_sink kf_counter_sink;

/* The sink borrows registry (the flow sink's). */
kf_counter_sink *kf_counter_sink_new(const char *data_dir, kf_device_registry *registry, kf_error *err);

/* Frees the sink; anything not flushed is lost (call kf_counter_sink_flush_all first). */
void		kf_counter_sink_free(kf_counter_sink *sink);

/* A kf_counter_emit_fn: ctx is the sink. */
void		kf_counter_sink_emit(void *ctx, kf_addr exporter, const kf_counter_row *row);

/* Periodic work; now is a monotonic clock in seconds. */
void		kf_counter_sink_tick(kf_counter_sink *sink, double now);

/* Flushes every device.  Returns 0, or -1 with the first error when any flush failed. */
int			kf_counter_sink_flush_all(kf_counter_sink *sink, kf_error *err);

const kf_counter_sink_stats *kf_counter_sink_stats_get(const kf_counter_sink *sink);

#endif							/* KF_COUNTER_SINK_H */
