/*
 * collector_status.h -- what a listening kflowd tells its operator about itself while it runs: the
 * Prometheus endpoint (--metrics) and a periodic statistics line in the log (--stats-interval)
 * with packets, flows and drops per second, including datagrams the kernel dropped because a
 * receive buffer was full.  Everything runs on kflowd's main thread, between receives.
 */
#ifndef KF_COLLECTOR_STATUS_H
#define KF_COLLECTOR_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include "collector/flow_packet.h"
#include "collector/flow_sink.h"
#include "collector/listen_options.h"
#include "collector/metrics_endpoint.h"
#include "collector/udp_listener.h"

#define KF_STATUS_MAX_LISTENERS KF_UDP_MAX_LISTENERS

typedef struct kf_collector_status
{
	kf_flow_decoder *decoder;		/* read only (its counters and template count) */
	const kf_flow_sink *sink;
	size_t		nlisteners;
	const kf_udp_listener *listeners[KF_STATUS_MAX_LISTENERS];
	char		listener_names[KF_STATUS_MAX_LISTENERS][80];
	kf_metrics_endpoint *metrics;	/* NULL without --metrics */
	kf_udp_receiver *receiver;	/* NULL until kf_collector_status_set_receiver (its queue drops) */
	double		start_time;		/* epoch seconds */
	double		stats_interval;
	double		last_stats;		/* monotonic seconds */
	kf_exporter_stats last_totals;
	kf_sink_stats last_sink;
	uint64_t	last_kernel_drops;
	uint64_t	last_queue_drops;
} kf_collector_status;

/* Opens the metrics endpoint if configured.  names[i] labels listeners[i]. */
int			kf_collector_status_open(kf_collector_status *st, const kf_listen_config *cfg, kf_flow_decoder *decoder,
									 const kf_flow_sink *sink, const kf_udp_listener *const *listeners,
									 const char *const *names, size_t nlisteners, double now, kf_error *err);

/* The receive thread whose queue-full drops the metrics and the statistics line report. */
void		kf_collector_status_set_receiver(kf_collector_status *st, kf_udp_receiver *receiver);

/* Answers scrapes and logs the statistics line when due; now is monotonic seconds. */
void		kf_collector_status_tick(kf_collector_status *st, double now);

/* The sum of the kernel drop counters of every listener that reports one. */
uint64_t	kf_collector_status_kernel_drops(const kf_collector_status *st);

void		kf_collector_status_close(kf_collector_status *st);

#endif							/* KF_COLLECTOR_STATUS_H */
