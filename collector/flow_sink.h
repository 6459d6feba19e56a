/*
 * flow_sink.h -- where decoded flows go: one kf_writer per device, with the device's sample rate
 * applied to the counters, the enrichment applied (AS numbers the exporter did not send, from the
 * --asn table; interface descriptions the exporter did not send, from the --interfaces file; then
 * the flow tags, so tag rules see the filled AS numbers), and the flush policy
 * that makes flows visible to queries within seconds:
 *   - kf_flow_sink_tick flushes every writer that holds rows, at most every KF_SINK_FLUSH_SECONDS;
 *   - a writer holding KF_SINK_FLUSH_ROWS rows is flushed at once;
 *   - kf_flow_sink_flush_all flushes everything (exit, end of a pcap).
 * A device's registry entry is saved before any of its parts is published.
 */
#ifndef KF_FLOW_SINK_H
#define KF_FLOW_SINK_H

#include "collector/asn_table.h"
#include "collector/device_registry.h"
#include "collector/interface_names.h"
#include "collector/tags.h"
#include "store/store.h"

#define KF_SINK_FLUSH_SECONDS 2
#define KF_SINK_FLUSH_ROWS (1u << 20)
/* While flushing keeps failing, a device buffers at most this many rows, then drops flows. */
#define KF_SINK_MAX_BUFFERED_ROWS (8u << 20)

typedef struct kf_sink_stats
{
	uint64_t	flows_stored;	/* handed to a writer */
	uint64_t	flows_dropped;	/* lost: no device, writer failure or buffer limit */
	uint64_t	flushes;		/* successful kf_writer_flush calls with rows */
	uint64_t	flush_errors;
} kf_sink_stats;

typedef struct kf_flow_sink kf_flow_sink;

/* tags may be NULL (every flow gets ""); the sink borrows registry and tags. */
kf_flow_sink *kf_flow_sink_new(const char *data_dir, kf_device_registry *registry, const kf_tags *tags,
							   kf_error *err);

/* From now on, src_as / dst_as that the exporter sent as 0 get the AS number of the flow's source /
 * destination address from asn (borrowed; NULL turns it off).  An exporter's AS number is never
 * replaced, and an absent address ("::") gets none. */
void		kf_flow_sink_set_asn(kf_flow_sink *sink, const kf_asn_table *asn);

/* From now on, a flow whose exporter announced no description for its input / output interface
 * (NULL or "") gets the one interfaces (borrowed; NULL turns it off) gives its device and ifIndex,
 * else "".  Call it before the first flow. */
void		kf_flow_sink_set_interfaces(kf_flow_sink *sink, const kf_interface_names *interfaces);

/* Frees the sink; anything not flushed is lost (call kf_flow_sink_flush_all first). */
void		kf_flow_sink_free(kf_flow_sink *sink);

/* A kf_flow_emit_fn: ctx is the sink. */
void		kf_flow_sink_emit(void *ctx, kf_addr exporter, const kf_flow *flow);

/* Periodic work; now is a monotonic clock in seconds. */
void		kf_flow_sink_tick(kf_flow_sink *sink, double now);

/* Flushes every writer.  Returns 0, or -1 with the first error when any flush failed. */
int			kf_flow_sink_flush_all(kf_flow_sink *sink, kf_error *err);

const kf_sink_stats *kf_flow_sink_stats(const kf_flow_sink *sink);

/* Multiplies a counter by a sample rate, clamping at INT64_MAX. */
int64_t		kf_sample_scale(int64_t value, uint32_t rate);

#endif							/* KF_FLOW_SINK_H */
