/*
 * metrics_text.c -- renders kflowd's counters as Prometheus text (see metrics_text.h).
 */
#include "collector/metrics_text.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/addr_text.h"

typedef struct text_buffer
{
	char	   *data;
	size_t		len;
	size_t		cap;
	bool		failed;
} text_buffer;

static void
append(text_buffer *b, const char *fmt,...) __attribute__((format(printf, 2, 3)));

static void
append(text_buffer *b, const char *fmt,...)
{
	va_list		ap;

	for (int attempt = 0; attempt < 2 && !b->failed; attempt++)
	{
		va_start(ap, fmt);
		int			n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);

		va_end(ap);
		if (n < 0)
		{
			b->failed = true;
			return;
		}
		if ((size_t) n < b->cap - b->len)
		{
			b->len += (size_t) n;
			return;
		}
		size_t		cap = (b->cap + (size_t) n + 1) * 2;
		char	   *grown = realloc(b->data, cap);

		if (!grown)
		{
			b->failed = true;
			return;
		}
		b->data = grown;
		b->cap = cap;
	}
}

/* What each per-exporter counter is called and where it lives. */
typedef struct exporter_counter
{
	const char *name;
	const char *help;
	size_t		offset;			/* in kf_exporter_stats */
} exporter_counter;

#define STAT(field) offsetof(kf_exporter_stats, field)
static const exporter_counter exporter_counters[] = {
	{"kflowd_packets_total", "Export packets accepted (NetFlow v5/v9, IPFIX, sFlow v5).", STAT(packets)},
	{"kflowd_rejected_packets_total", "Payloads that were not a valid export packet.", STAT(rejected)},
	{"kflowd_flows_total", "Flow records decoded.", STAT(counts.flows)},
	{"kflowd_decode_errors_total", "Packets, sets or records dropped as malformed.", STAT(counts.decode_errors)},
	{"kflowd_no_template_drops_total", "Data sets dropped because their template was unknown.", STAT(counts.no_template_drops)},
	{"kflowd_clock_skewed_packets_total", "Packets whose export time was more than 10 minutes from their receive time.", STAT(clock_skewed)},
	{"kflowd_template_records_total", "Template records accepted (incl. options templates).", STAT(counts.templates)},
	{"kflowd_options_records_total", "Options data records read (sampling information).", STAT(counts.options_records)},
	{"kflowd_non_flow_records_total", "Data records that describe no flow.", STAT(counts.non_flow_records)},
	{"kflowd_sflow_counter_samples_total", "sFlow counter samples received.", STAT(counts.counter_samples)},
};

static uint64_t
counter_of(const kf_exporter_stats *s, size_t offset)
{
	uint64_t	v;

	memcpy(&v, (const char *) s + offset, sizeof(v));
	return v;
}

static void
render_exporters(text_buffer *b, const kf_flow_decoder *d)
{
	size_t		n = kf_flow_decoder_exporter_count(d);
	char		addr[64];

	for (size_t c = 0; c < sizeof(exporter_counters) / sizeof(exporter_counters[0]); c++)
	{
		const exporter_counter *ec = &exporter_counters[c];

		append(b, "# HELP %s %s\n# TYPE %s counter\n", ec->name, ec->help, ec->name);
		for (size_t i = 0; i < n; i++)
		{
			const kf_exporter_stats *s = kf_flow_decoder_exporter(d, i);

			append(b, "%s{exporter=\"%s\"} %llu\n", ec->name, kf_addr_format(s->exporter, addr, sizeof(addr)),
				   (unsigned long long) counter_of(s, ec->offset));
		}
	}
}

static void
render_counter(text_buffer *b, const char *name, const char *help, uint64_t value)
{
	append(b, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", name, help, name, name, (unsigned long long) value);
}

char *
kf_metrics_render(const kf_metrics_source *src, size_t *len)
{
	text_buffer b = {.cap = 4096};

	if (!(b.data = malloc(b.cap)))
		return NULL;
	render_exporters(&b, src->decoder);
	render_counter(&b, "kflowd_flows_stored_total", "Flows handed to the store.", src->sink->flows_stored);
	render_counter(&b, "kflowd_flows_dropped_total", "Flows lost: no device, write failure or buffer limit.",
				   src->sink->flows_dropped);
	render_counter(&b, "kflowd_store_flushes_total", "Store flushes that published rows.", src->sink->flushes);
	render_counter(&b, "kflowd_store_flush_errors_total", "Store flushes that failed (rows kept for a retry).",
				   src->sink->flush_errors);
	append(&b, "# HELP kflowd_socket_kernel_drops_total Datagrams the kernel dropped: receive buffer full.\n"
		   "# TYPE kflowd_socket_kernel_drops_total counter\n");
	for (size_t i = 0; i < src->nlisteners; i++)
		if (src->listeners[i].known)
			append(&b, "kflowd_socket_kernel_drops_total{listener=\"%s\"} %llu\n", src->listeners[i].name,
				   (unsigned long long) src->listeners[i].drops);
	render_counter(&b, "kflowd_receive_queue_drops_total",
				   "Datagrams dropped by kflowd's receive thread: its queue was full (decoding fell behind).",
				   src->queue_drops);
	append(&b, "# HELP kflowd_templates_cached NetFlow v9 / IPFIX templates held.\n# TYPE kflowd_templates_cached gauge\n"
		   "kflowd_templates_cached %zu\n", src->templates_cached);
	append(&b, "# HELP kflowd_samplers_cached Samplers whose rate exporters announced in options data.\n"
		   "# TYPE kflowd_samplers_cached gauge\nkflowd_samplers_cached %llu\n",
		   (unsigned long long) src->options->samplers);
	append(&b, "# HELP kflowd_interface_names_cached Interface names exporters announced in options data.\n"
		   "# TYPE kflowd_interface_names_cached gauge\nkflowd_interface_names_cached %llu\n",
		   (unsigned long long) src->options->interfaces);
	render_counter(&b, "kflowd_options_refused_total",
				   "Sampler or interface announcements dropped by the per-exporter limits.", src->options->refused);
	render_counter(&b, "kflowd_unknown_sampler_flows_total",
				   "Flows naming a sampler not announced yet (the exporter-wide rate was used).",
				   src->options->unknown_sampler_flows);
	append(&b, "# HELP kflowd_start_time_seconds When kflowd started, epoch seconds.\n"
		   "# TYPE kflowd_start_time_seconds gauge\nkflowd_start_time_seconds %.0f\n", src->start_time);
	if (b.failed)
	{
		free(b.data);
		return NULL;
	}
	*len = b.len;
	return b.data;
}
