/*
 * metrics_text.h -- kflowd's counters in the Prometheus text exposition format (version 0.0.4),
 * served by --metrics (metrics_endpoint.h) and summarised in the log by --stats-interval.
 *
 * Counters per exporter (label exporter="address"): packets, rejected packets, flows, decode
 * errors, data dropped for want of a template, template and options records, non-flow records,
 * sFlow counter samples.  Store counters: flows stored and dropped, flushes, flush errors.  Per
 * listening socket (label listener="address:port"): datagrams the kernel dropped because the
 * receive buffer was full.  Gauges: templates cached, start time.
 */
#ifndef KF_METRICS_TEXT_H
#define KF_METRICS_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "collector/flow_packet.h"
#include "collector/flow_sink.h"

/* One listening socket's kernel drop counter (known = 0 when the kernel did not say). */
typedef struct kf_listener_drops
{
	const char *name;
	int			known;
	uint64_t	drops;
} kf_listener_drops;

typedef struct kf_metrics_source
{
	const kf_flow_decoder *decoder;
	const kf_sink_stats *sink;
	size_t		templates_cached;
	const kf_options_stats *options;	/* samplers, interface names, limits (template_cache.h) */
	uint64_t	queue_drops;	/* datagrams the receive thread dropped: its queue was full */
	size_t		nlisteners;
	const kf_listener_drops *listeners;
	double		start_time;		/* epoch seconds */
} kf_metrics_source;

/* Renders every metric into a malloc'd, NUL-terminated text; NULL when memory runs out. */
char	   *kf_metrics_render(const kf_metrics_source *src, size_t *len);

#endif							/* KF_METRICS_TEXT_H */
