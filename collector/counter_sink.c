/*
 * counter_sink.c -- per-device buffers of interface counter rows and their flushing (see
 * counter_sink.h).
 *
 * Exporters are looked up in an open-addressed table (exporter -> device and buffer), the last hit
 * first, as flow_sink.c does: counter samples of one agent usually come in runs.
 */
#include "collector/counter_sink.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collector/collector_log.h"
#include "collector/flow_sink.h"

#define ERROR_LOG_INTERVAL 60

typedef struct device_rows
{
	kf_addr		exporter;
	uint32_t	device_id;
	kf_counter_row *rows;		/* buffered, not yet published */
	size_t		count;
	size_t		capacity;
	bool		used;
} device_rows;

struct kf_counter_sink
{
	char	   *data_dir;
	kf_device_registry *registry;
	device_rows *devices;		/* open-addressed, power-of-two capacity */
	size_t		capacity;
	size_t		count;
	device_rows *last;
	double		last_flush;
	kf_counter_sink_stats stats;
};

static uint64_t
addr_hash(kf_addr a)
{
	uint64_t	h = (a.hi * UINT64_C(0x9E3779B97F4A7C15)) ^ a.lo;

	h ^= h >> 31;
	h *= UINT64_C(0xbf58476d1ce4e5b9);
	return h ^ (h >> 29);
}

kf_counter_sink *
kf_counter_sink_new(const char *data_dir, kf_device_registry *registry, kf_error *err)
{
	kf_counter_sink *sink = calloc(1, sizeof(*sink));

	if (sink)
	{
		sink->capacity = 16;
		sink->devices = calloc(sink->capacity, sizeof(device_rows));
		sink->data_dir = strdup(data_dir);
	}
	if (!sink || !sink->devices || !sink->data_dir)
	{
		kf_counter_sink_free(sink);
		kf_error_set(err, "out of memory");
		return NULL;
	}
	sink->registry = registry;
	return sink;
}

void
kf_counter_sink_free(kf_counter_sink *sink)
{
	if (!sink)
		return;
	for (size_t i = 0; sink->devices && i < sink->capacity; i++)
		free(sink->devices[i].rows);
	free(sink->devices);
	free(sink->data_dir);
	free(sink);
}

/* Logs an error at most once a minute per (what, device). */
static void
log_error_limited(const char *what, uint32_t device_id, const kf_error *err)
{
	if (kf_log_allowed(kf_log_key((uint64_t) (uintptr_t) what, device_id, 1), (int64_t) time(NULL),
					   ERROR_LOG_INTERVAL))
		kf_log("device %u: %s: %s (repeats are not logged for a minute)", device_id, what, err->msg);
}

static device_rows *
probe(device_rows *devices, size_t capacity, kf_addr exporter)
{
	size_t		i = addr_hash(exporter) & (capacity - 1);

	while (devices[i].used && kf_addr_cmp(devices[i].exporter, exporter) != 0)
		i = (i + 1) & (capacity - 1);
	return &devices[i];
}

static bool
grow_devices(kf_counter_sink *sink)
{
	size_t		capacity = sink->capacity * 2;
	device_rows *devices = calloc(capacity, sizeof(device_rows));

	if (!devices)
		return false;
	for (size_t i = 0; i < sink->capacity; i++)
		if (sink->devices[i].used)
			*probe(devices, capacity, sink->devices[i].exporter) = sink->devices[i];
	free(sink->devices);
	sink->devices = devices;
	sink->capacity = capacity;
	sink->last = NULL;
	return true;
}

/* The buffer of exporter's device, resolving (and if need be assigning) the device; NULL on failure. */
static device_rows *
device_for(kf_counter_sink *sink, kf_addr exporter)
{
	if (sink->last && kf_addr_cmp(sink->last->exporter, exporter) == 0)
		return sink->last;
	device_rows *d = probe(sink->devices, sink->capacity, exporter);

	if (!d->used)
	{
		if ((sink->count + 1) * 2 > sink->capacity)
		{
			if (!grow_devices(sink))
				return NULL;
			d = probe(sink->devices, sink->capacity, exporter);
		}
		kf_error	err;
		kf_device	device;

		memset(&device, 0, sizeof(device));
		/* A failed save still assigns the device; flushing waits until it is saved. */
		if (kf_device_registry_resolve(sink->registry, exporter, &device, &err) < 0)
			log_error_limited("saving the device registry", device.id, &err);
		if (device.id == 0)
			return NULL;
		d->used = true;
		d->exporter = exporter;
		d->device_id = device.id;
		sink->count++;
	}
	sink->last = d;
	return d;
}

void
kf_counter_sink_emit(void *ctx, kf_addr exporter, const kf_counter_row *row)
{
	kf_counter_sink *sink = ctx;
	device_rows *d = row->ctimestamp >= 0 ? device_for(sink, exporter) : NULL;

	if (!d || d->count >= KF_COUNTER_SINK_MAX_BUFFERED_ROWS)
	{
		sink->stats.rows_dropped++;
		return;
	}
	if (d->count == d->capacity)
	{
		size_t		capacity = d->capacity ? d->capacity * 2 : 64;
		kf_counter_row *rows = realloc(d->rows, capacity * sizeof(*rows));

		if (!rows)
		{
			sink->stats.rows_dropped++;
			return;
		}
		d->rows = rows;
		d->capacity = capacity;
	}
	d->rows[d->count++] = *row;
	sink->stats.rows_stored++;
}

/* Publishes one device's rows once the registry is saved; what failed stays buffered. */
static int
flush_device(kf_counter_sink *sink, device_rows *d, kf_error *err)
{
	size_t		published = 0;

	if (d->count == 0)
		return 0;
	int			rc = kf_device_registry_save_pending(sink->registry, err);

	if (rc == 0)
		rc = kf_counters_write(sink->data_dir, d->device_id, d->rows, d->count, &published, err);
	memmove(d->rows, d->rows + published, (d->count - published) * sizeof(*d->rows));
	d->count -= published;
	if (rc != 0)
	{
		sink->stats.flush_errors++;
		log_error_limited("counter flush failed, rows kept", d->device_id, err);
		return -1;
	}
	sink->stats.flushes++;
	return 0;
}

void
kf_counter_sink_tick(kf_counter_sink *sink, double now)
{
	if (now - sink->last_flush < KF_SINK_FLUSH_SECONDS)
		return;
	sink->last_flush = now;
	kf_error	err;

	for (size_t i = 0; i < sink->capacity; i++)
		if (sink->devices[i].used)
			flush_device(sink, &sink->devices[i], &err);
}

int
kf_counter_sink_flush_all(kf_counter_sink *sink, kf_error *err)
{
	int			rc = 0;
	kf_error	one;

	for (size_t i = 0; i < sink->capacity; i++)
		if (sink->devices[i].used && flush_device(sink, &sink->devices[i], &one) < 0 && rc == 0)
		{
			*err = one;
			rc = -1;
		}
	return rc;
}

const kf_counter_sink_stats *
kf_counter_sink_stats_get(const kf_counter_sink *sink)
{
	return &sink->stats;
}
