/*
 * collector_status.c -- metrics endpoint and statistics line of a listening kflowd (see
 * collector_status.h).
 */
#include "collector/collector_status.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "collector/collector_log.h"
#include "collector/metrics_text.h"

int
kf_collector_status_open(kf_collector_status *st, const kf_listen_config *cfg, kf_flow_decoder *decoder,
						 const kf_flow_sink *sink, const kf_udp_listener *const *listeners,
						 const char *const *names, size_t nlisteners, double now, kf_error *err)
{
	memset(st, 0, sizeof(*st));
	if (nlisteners > KF_STATUS_MAX_LISTENERS)
		return kf_error_set(err, "too many listeners (%zu)", nlisteners);
	st->decoder = decoder;
	st->sink = sink;
	st->nlisteners = nlisteners;
	for (size_t i = 0; i < nlisteners; i++)
	{
		st->listeners[i] = listeners[i];
		snprintf(st->listener_names[i], sizeof(st->listener_names[i]), "%s", names[i]);
	}
	st->start_time = (double) time(NULL);
	st->stats_interval = (double) cfg->stats_interval_seconds;
	st->last_stats = now;
	st->last_totals = kf_flow_decoder_totals(decoder);
	st->last_sink = *kf_flow_sink_stats(sink);
	st->last_kernel_drops = kf_collector_status_kernel_drops(st);
	if (cfg->metrics_address)
	{
		if (!(st->metrics = kf_metrics_endpoint_open(cfg->metrics_address, err)))
			return -1;
		kf_log("serving metrics on http://%s/metrics (TCP port %u)", cfg->metrics_address,
			   kf_metrics_endpoint_port(st->metrics));
	}
	return 0;
}

uint64_t
kf_collector_status_kernel_drops(const kf_collector_status *st)
{
	uint64_t	total = 0;

	for (size_t i = 0; i < st->nlisteners; i++)
	{
		uint64_t	drops;

		if (kf_udp_listener_kernel_drops(st->listeners[i], &drops) == 0)
			total += drops;
	}
	return total;
}

static char *
render_metrics(void *ctx, size_t *len)
{
	kf_collector_status *st = ctx;
	kf_listener_drops drops[KF_STATUS_MAX_LISTENERS];

	for (size_t i = 0; i < st->nlisteners; i++)
	{
		drops[i].name = st->listener_names[i];
		drops[i].known = kf_udp_listener_kernel_drops(st->listeners[i], &drops[i].drops) == 0;
	}
	kf_metrics_source src = {
		.decoder = st->decoder,
		.sink = kf_flow_sink_stats(st->sink),
		.templates_cached = kf_template_cache_count(kf_flow_decoder_templates(st->decoder)),
		.options = kf_template_cache_options_stats(kf_flow_decoder_templates(st->decoder)),
		.queue_drops = st->receiver ? kf_udp_receiver_queue_drops(st->receiver) : 0,
		.nlisteners = st->nlisteners,
		.listeners = drops,
		.start_time = st->start_time,
	};

	return kf_metrics_render(&src, len);
}

/* Logs rates since the last line: packets, flows, stored, and every kind of loss. */
static void
log_stats_line(kf_collector_status *st, double now)
{
	kf_exporter_stats t = kf_flow_decoder_totals(st->decoder);
	kf_sink_stats s = *kf_flow_sink_stats(st->sink);
	uint64_t	kernel = kf_collector_status_kernel_drops(st);
	double		dt = now - st->last_stats;

	uint64_t	queue = st->receiver ? kf_udp_receiver_queue_drops(st->receiver) : 0;

	kf_log("stats: %.0f packets/s, %.0f flows/s, %.0f stored/s; last %.0f s: %llu kernel drops, %llu receive queue drops, "
		   "%llu decode errors, %llu no-template drops, %llu store drops, %llu flush errors",
		   (double) (t.packets - st->last_totals.packets) / dt, (double) (t.counts.flows - st->last_totals.counts.flows) / dt,
		   (double) (s.flows_stored - st->last_sink.flows_stored) / dt, dt,
		   (unsigned long long) (kernel - st->last_kernel_drops),
		   (unsigned long long) (queue - st->last_queue_drops),
		   (unsigned long long) (t.counts.decode_errors - st->last_totals.counts.decode_errors),
		   (unsigned long long) (t.counts.no_template_drops - st->last_totals.counts.no_template_drops),
		   (unsigned long long) (s.flows_dropped - st->last_sink.flows_dropped),
		   (unsigned long long) (s.flush_errors - st->last_sink.flush_errors));
	st->last_totals = t;
	st->last_sink = s;
	st->last_kernel_drops = kernel;
	st->last_queue_drops = queue;
	st->last_stats = now;
}

void
kf_collector_status_set_receiver(kf_collector_status *st, kf_udp_receiver *receiver)
{
	st->receiver = receiver;
}

void
kf_collector_status_tick(kf_collector_status *st, double now)
{
	if (st->metrics)
		kf_metrics_endpoint_serve(st->metrics, now, render_metrics, st);
	if (st->stats_interval > 0 && now - st->last_stats >= st->stats_interval)
		log_stats_line(st, now);
}

void
kf_collector_status_close(kf_collector_status *st)
{
	kf_metrics_endpoint_close(st->metrics);
	st->metrics = NULL;
}
