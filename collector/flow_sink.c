/*
 * flow_sink.c -- per-device writers, sampling, enrichment (AS numbers, tags) and flushing (see
 * flow_sink.h).
 *
 * Exporters are looked up in an open-addressed table (exporter -> device state); consecutive
 * flows almost always come from the same exporter, so the last hit is tried first.
 */
#include "collector/flow_sink.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collector/collector_log.h"

#define ERROR_LOG_INTERVAL 60

typedef struct device_state
{
	kf_addr		exporter;
	kf_device	device;
	kf_writer  *writer;			/* NULL until opened (or when opening failed) */
	kf_interface_table interfaces;	/* the device's lines of the --interfaces file */
	bool		interfaces_built;
	bool		used;
} device_state;

struct kf_flow_sink
{
	char	   *data_dir;
	kf_device_registry *registry;
	const kf_tags *tags;
	kf_tag_buffer *src_tags;	/* room for the tag strings rules assemble */
	kf_tag_buffer *dst_tags;
	const kf_asn_table *asn;
	const kf_interface_names *interfaces;
	device_state *states;		/* open-addressed, power-of-two capacity */
	size_t		capacity;
	size_t		count;
	device_state *last;
	double		last_flush;
	kf_sink_stats stats;
};

static uint64_t
addr_hash(kf_addr a)
{
	uint64_t	h = (a.hi * UINT64_C(0x9E3779B97F4A7C15)) ^ a.lo;

	h ^= h >> 31;
	h *= UINT64_C(0xbf58476d1ce4e5b9);
	return h ^ (h >> 29);
}

kf_flow_sink *
kf_flow_sink_new(const char *data_dir, kf_device_registry *registry, const kf_tags *tags, kf_error *err)
{
	kf_flow_sink *sink = calloc(1, sizeof(*sink));

	if (sink)
	{
		sink->capacity = 64;
		sink->states = calloc(sink->capacity, sizeof(device_state));
		sink->data_dir = strdup(data_dir);
		if (tags)
		{
			sink->src_tags = kf_tag_buffer_new(tags);
			sink->dst_tags = kf_tag_buffer_new(tags);
		}
	}
	if (!sink || !sink->states || !sink->data_dir || (tags && (!sink->src_tags || !sink->dst_tags)))
	{
		kf_flow_sink_free(sink);
		kf_error_set(err, "out of memory");
		return NULL;
	}
	sink->registry = registry;
	sink->tags = tags;
	return sink;
}

void
kf_flow_sink_set_asn(kf_flow_sink *sink, const kf_asn_table *asn)
{
	sink->asn = asn;
}

void
kf_flow_sink_set_interfaces(kf_flow_sink *sink, const kf_interface_names *interfaces)
{
	sink->interfaces = interfaces;
}

void
kf_flow_sink_free(kf_flow_sink *sink)
{
	if (!sink)
		return;
	for (size_t i = 0; sink->states && i < sink->capacity; i++)
		if (sink->states[i].used)
		{
			kf_writer_close(sink->states[i].writer);
			kf_interface_table_free(&sink->states[i].interfaces);
		}
	free(sink->states);
	free(sink->data_dir);
	kf_tag_buffer_free(sink->src_tags);
	kf_tag_buffer_free(sink->dst_tags);
	free(sink);
}

static int64_t
wall_seconds(void)
{
	return (int64_t) time(NULL);
}

/* Logs an error at most once a minute per (what, device). */
static void
log_error_limited(const char *what, uint32_t device_id, const kf_error *err)
{
	if (kf_log_allowed(kf_log_key((uint64_t) (uintptr_t) what, device_id, 0), wall_seconds(), ERROR_LOG_INTERVAL))
		kf_log("device %u: %s: %s (repeats are not logged for a minute)", device_id, what, err->msg);
}

static device_state *
probe(device_state *states, size_t capacity, kf_addr exporter)
{
	size_t		i = addr_hash(exporter) & (capacity - 1);

	while (states[i].used && kf_addr_cmp(states[i].exporter, exporter) != 0)
		i = (i + 1) & (capacity - 1);
	return &states[i];
}

static bool
grow_states(kf_flow_sink *sink)
{
	size_t		capacity = sink->capacity * 2;
	device_state *states = calloc(capacity, sizeof(device_state));

	if (!states)
		return false;
	for (size_t i = 0; i < sink->capacity; i++)
		if (sink->states[i].used)
			*probe(states, capacity, sink->states[i].exporter) = sink->states[i];
	free(sink->states);
	sink->states = states;
	sink->capacity = capacity;
	sink->last = NULL;
	return true;
}

/* The state of exporter's device, resolving (and if need be assigning) the device; NULL on failure. */
static device_state *
state_for(kf_flow_sink *sink, kf_addr exporter)
{
	if (sink->last && kf_addr_cmp(sink->last->exporter, exporter) == 0)
		return sink->last;
	device_state *s = probe(sink->states, sink->capacity, exporter);

	if (!s->used)
	{
		if ((sink->count + 1) * 2 > sink->capacity)
		{
			if (!grow_states(sink))
				return NULL;
			s = probe(sink->states, sink->capacity, exporter);
		}
		kf_error	err;
		kf_device	device;

		memset(&device, 0, sizeof(device));
		/* A failed save still assigns the device; flushing waits until it is saved. */
		if (kf_device_registry_resolve(sink->registry, exporter, &device, &err) < 0)
			log_error_limited("saving the device registry", device.id, &err);
		if (device.id == 0)
			return NULL;
		s->used = true;
		s->exporter = exporter;
		s->device = device;
		sink->count++;
	}
	sink->last = s;
	return s;
}

int64_t
kf_sample_scale(int64_t value, uint32_t rate)
{
	if (value <= 0 || rate <= 1)
		return value;
	if (value > INT64_MAX / (int64_t) rate)
		return INT64_MAX;
	return value * (int64_t) rate;
}

/* Flushes one writer if the device is saved; failures are logged and the rows kept. */
static int
flush_state(kf_flow_sink *sink, device_state *s, kf_error *err)
{
	if (!s->writer || kf_writer_buffered_rows(s->writer) == 0)
		return 0;
	if (kf_device_registry_save_pending(sink->registry, err) < 0 || kf_writer_flush(s->writer, err) < 0)
	{
		sink->stats.flush_errors++;
		log_error_limited("flush failed, rows kept", s->device.id, err);
		return -1;
	}
	sink->stats.flushes++;
	return 0;
}

static kf_writer *
writer_for(kf_flow_sink *sink, device_state *s)
{
	if (!s->writer)
	{
		kf_error	err;

		s->writer = kf_writer_open(sink->data_dir, s->device.id, &err);
		if (!s->writer)
			log_error_limited("cannot open a writer", s->device.id, &err);
	}
	return s->writer;
}

/* The exporter's description if it sent one, else the --interfaces file's, else "". */
static const char *
interface_description(kf_flow_sink *sink, device_state *s, const char *from_exporter, uint32_t ifindex)
{
	if (from_exporter && from_exporter[0] != '\0')
		return from_exporter;
	if (!sink->interfaces)
		return "";
	if (!s->interfaces_built)
	{
		if (kf_interface_table_build(sink->interfaces, &s->device, &s->interfaces) < 0)
		{
			kf_error	err;

			kf_error_set(&err, "out of memory");
			log_error_limited("cannot index the interfaces file", s->device.id, &err);
			return "";
		}
		s->interfaces_built = true;
	}
	const char *from_file = kf_interface_table_find(&s->interfaces, ifindex);

	return from_file ? from_file : "";
}

void
kf_flow_sink_emit(void *ctx, kf_addr exporter, const kf_flow *flow)
{
	kf_flow_sink *sink = ctx;
	device_state *s = state_for(sink, exporter);
	kf_writer  *w = s ? writer_for(sink, s) : NULL;

	if (!w || kf_writer_buffered_rows(w) >= KF_SINK_MAX_BUFFERED_ROWS)
	{
		sink->stats.flows_dropped++;
		return;
	}
	kf_flow		f = *flow;
	uint32_t	rate = s->device.sample_rate ? s->device.sample_rate : (flow->sample_rate ? flow->sample_rate : 1);

	f.sample_rate = rate;
	f.in_bytes = kf_sample_scale(f.in_bytes, rate);
	f.in_pkts = kf_sample_scale(f.in_pkts, rate);
	f.out_bytes = kf_sample_scale(f.out_bytes, rate);
	f.out_pkts = kf_sample_scale(f.out_pkts, rate);
	if (sink->asn)
	{
		if (f.src_as == 0 && !kf_addr_is_absent(f.src_addr))
			f.src_as = kf_asn_lookup(sink->asn, f.src_addr);
		if (f.dst_as == 0 && !kf_addr_is_absent(f.dst_addr))
			f.dst_as = kf_asn_lookup(sink->asn, f.dst_addr);
	}
	f.input_interface_description = interface_description(sink, s, flow->input_interface_description, f.input_port);
	f.output_interface_description = interface_description(sink, s, flow->output_interface_description,
														   f.output_port);
	if (sink->tags)
	{
		f.src_flow_tags = kf_tags_match(sink->tags, &f, &s->device, KF_SIDE_SRC, sink->src_tags);
		f.dst_flow_tags = kf_tags_match(sink->tags, &f, &s->device, KF_SIDE_DST, sink->dst_tags);
	}
	else
		f.src_flow_tags = f.dst_flow_tags = "";
	kf_error	err;

	if (kf_writer_add(w, &f, &err) < 0)
	{
		sink->stats.flows_dropped++;
		log_error_limited("cannot buffer a flow", s->device.id, &err);
		return;
	}
	sink->stats.flows_stored++;
	if (kf_writer_buffered_rows(w) >= KF_SINK_FLUSH_ROWS)
		flush_state(sink, s, &err);
}

void
kf_flow_sink_tick(kf_flow_sink *sink, double now)
{
	if (now - sink->last_flush < KF_SINK_FLUSH_SECONDS)
		return;
	sink->last_flush = now;
	kf_error	err;

	for (size_t i = 0; i < sink->capacity; i++)
		if (sink->states[i].used)
			flush_state(sink, &sink->states[i], &err);
}

int
kf_flow_sink_flush_all(kf_flow_sink *sink, kf_error *err)
{
	int			rc = 0;
	kf_error	one;

	for (size_t i = 0; i < sink->capacity; i++)
		if (sink->states[i].used && flush_state(sink, &sink->states[i], &one) < 0 && rc == 0)
		{
			*err = one;
			rc = -1;
		}
	return rc;
}

const kf_sink_stats *
kf_flow_sink_stats(const kf_flow_sink *sink)
{
	return &sink->stats;
}
