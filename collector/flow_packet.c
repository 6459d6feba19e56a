/*
 * flow_packet.c -- version dispatch and per-exporter counters (see flow_packet.h).
 *
 * NetFlow and IPFIX start with a 16-bit version (5, 9, 10); sFlow v5 with a 32-bit version 5, so
 * its first two bytes are 0 and it can never be taken for NetFlow v5.
 *
 * Exporter counters live in a fixed array found through a small open-addressed index; when it is
 * full, further exporters share the last slot (shown as "other exporters"), so hostile traffic
 * from many source addresses cannot grow memory.
 *
 * The clock check lives here, not in the decoders: NetFlow v5, v9 and IPFIX stamp their flows with
 * the header's export time, so a packet whose export time is far from its receive time is
 * recognised from the header alone, and moving its flows is a change of ctimestamp on the way out.
 */
#include "collector/flow_packet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/addr_text.h"
#include "collector/collector_log.h"
#include "collector/ipfix.h"
#include "collector/netflow_v5.h"
#include "collector/netflow_v9.h"
#include "collector/sflow_v5.h"

#define INDEX_SLOTS (KF_MAX_EXPORTER_STATS * 2)
#define OVERFLOW_SLOT (KF_MAX_EXPORTER_STATS - 1)
#define REJECT_LOG_INTERVAL 60
#define CLOCK_LOG_INTERVAL 600

struct kf_flow_decoder
{
	kf_flow_emit_fn emit;
	void	   *emit_ctx;
	kf_template_cache *templates;
	kf_exporter_stats stats[KF_MAX_EXPORTER_STATS];
	size_t		nstats;
	int32_t		index[INDEX_SLOTS]; /* stats position + 1; 0 = empty */
	size_t		last_hit;		/* most packets come from the exporter of the previous packet */
	bool		retime_skewed;	/* see kf_flow_decoder_set_retime_skewed */
};

/* The sink of one clock-skewed packet's flows when they are moved to the receive time. */
typedef struct retimed_emit
{
	kf_flow_emit_fn emit;
	void	   *emit_ctx;
	int64_t		offset;			/* receive time - export time */
} retimed_emit;

kf_flow_decoder *
kf_flow_decoder_new(kf_flow_emit_fn emit, void *emit_ctx)
{
	kf_flow_decoder *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->templates = kf_template_cache_new();
	if (!d->templates)
	{
		free(d);
		return NULL;
	}
	d->emit = emit;
	d->emit_ctx = emit_ctx;
	return d;
}

void
kf_flow_decoder_set_retime_skewed(kf_flow_decoder *d, bool on)
{
	d->retime_skewed = on;
}

void
kf_flow_decoder_free(kf_flow_decoder *d)
{
	if (!d)
		return;
	kf_template_cache_free(d->templates);
	free(d);
}

/* The counters of exporter; the shared overflow slot once the table is full. */
static kf_exporter_stats *
stats_for(kf_flow_decoder *d, kf_addr exporter)
{
	if (d->nstats > 0 && kf_addr_cmp(d->stats[d->last_hit].exporter, exporter) == 0)
		return &d->stats[d->last_hit];
	uint64_t	h = (exporter.hi ^ exporter.lo) * UINT64_C(0x9E3779B97F4A7C15);
	size_t		i = (size_t) (h >> 40) % INDEX_SLOTS;

	/* The index holds at most OVERFLOW_SLOT of its INDEX_SLOTS entries, so probing ends. */
	for (; d->index[i] != 0; i = (i + 1) % INDEX_SLOTS)
	{
		size_t		pos = (size_t) d->index[i] - 1;

		if (kf_addr_cmp(d->stats[pos].exporter, exporter) == 0)
		{
			d->last_hit = pos;
			return &d->stats[pos];
		}
	}
	if (d->nstats >= OVERFLOW_SLOT)
	{
		d->nstats = KF_MAX_EXPORTER_STATS;
		return &d->stats[OVERFLOW_SLOT];
	}
	d->stats[d->nstats].exporter = exporter;
	d->index[i] = (int32_t) d->nstats + 1;
	d->last_hit = d->nstats++;
	return &d->stats[d->last_hit];
}

/* Counts a payload that is not a valid export packet; logs at most once a minute per exporter. */
static void
note_rejected(kf_exporter_stats *st, uint64_t version, size_t len, int64_t now)
{
	st->rejected++;
	if (kf_log_allowed(kf_log_key(st->exporter.hi, st->exporter.lo, UINT64_C(0x72656a)), now, REJECT_LOG_INTERVAL))
	{
		char		addr[KF_ADDR_TEXT_MAX];

		kf_log("exporter %s: %zu-byte packet with version field %llu rejected (not a valid NetFlow v5/v9/IPFIX or sFlow v5 packet; further rejects are counted, not logged, for a minute)",
			   kf_addr_format(st->exporter, addr, sizeof(addr)), len, (unsigned long long) version);
	}
}

/* The export time in a NetFlow v5/v9 or IPFIX header; false for sFlow (none) and short packets. */
static bool
header_export_time(kf_export_kind kind, const uint8_t *buf, size_t len, int64_t *export_time)
{
	switch (kind)
	{
		case KF_EXPORT_NETFLOW_V5:
		case KF_EXPORT_NETFLOW_V9:
			if (len < 12)
				return false;
			*export_time = (int64_t) kf_read_be(buf + 8, 4);
			return true;
		case KF_EXPORT_IPFIX:
			if (len < 8)
				return false;
			*export_time = (int64_t) kf_read_be(buf + 4, 4);
			return true;
		default:
			return false;
	}
}

static void
emit_retimed(void *ctx, kf_addr exporter, const kf_flow *flow)
{
	const retimed_emit *r = ctx;
	kf_flow		moved = *flow;

	moved.ctimestamp = flow->ctimestamp + r->offset < 0 ? 0 : flow->ctimestamp + r->offset;
	r->emit(r->emit_ctx, exporter, &moved);
}

/* Counts and logs (once per CLOCK_LOG_INTERVAL per exporter) a packet of a skewed clock. */
static void
note_clock_skew(const kf_flow_decoder *d, kf_exporter_stats *st, int64_t skew, int64_t now)
{
	st->clock_skewed++;
	st->last_clock_skew = skew;
	if (kf_log_allowed(kf_log_key(st->exporter.hi, st->exporter.lo, UINT64_C(0x636c6b)), now, CLOCK_LOG_INTERVAL))
	{
		char		addr[KF_ADDR_TEXT_MAX];

		kf_log("exporter %s: its export time is %+lld s from the time its packets arrive (clock not synchronised?); %s (counted in kflowd_clock_skewed_packets_total; logged again in 10 minutes)",
			   kf_addr_format(st->exporter, addr, sizeof(addr)), (long long) skew,
			   d->retime_skewed ? "its flows are stored at the receive time" :
			   "its flows keep the exporter's time (--retime-skewed stores them at the receive time)");
	}
}

kf_export_kind
kf_flow_export_kind(const uint8_t *buf, size_t len)
{
	switch (len >= 2 ? kf_read_be(buf, 2) : UINT64_MAX)
	{
		case 5:
			return KF_EXPORT_NETFLOW_V5;
		case 9:
			return KF_EXPORT_NETFLOW_V9;
		case 10:
			return KF_EXPORT_IPFIX;
		case 0:
			return kf_sflow_v5_recognised(buf, len) ? KF_EXPORT_SFLOW_V5 : KF_EXPORT_UNKNOWN;
		default:
			return KF_EXPORT_UNKNOWN;
	}
}

int
kf_flow_decoder_packet(kf_flow_decoder *d, kf_addr exporter, const uint8_t *buf, size_t len, int64_t now)
{
	return kf_flow_decoder_packet_at(d, exporter, buf, len, now, now);
}

int
kf_flow_decoder_packet_at(kf_flow_decoder *d, kf_addr exporter, const uint8_t *buf, size_t len, int64_t now,
						  int64_t received)
{
	kf_exporter_stats *st = stats_for(d, exporter);
	kf_decode_out out = {exporter, d->emit, d->emit_ctx, now, &st->counts, received};
	kf_export_kind kind = kf_flow_export_kind(buf, len);
	int64_t		export_time = received;
	bool		skewed = header_export_time(kind, buf, len, &export_time) &&
		(export_time - received > KF_CLOCK_SKEW_FLAG_SECONDS || received - export_time > KF_CLOCK_SKEW_FLAG_SECONDS);
	retimed_emit retimed = {d->emit, d->emit_ctx, skewed ? received - export_time : 0};
	int			rc;

	if (skewed && d->retime_skewed)
	{
		out.emit = emit_retimed;
		out.emit_ctx = &retimed;
	}
	switch (kind)
	{
		case KF_EXPORT_NETFLOW_V5:
			rc = kf_netflow_v5_decode(buf, len, &out);
			break;
		case KF_EXPORT_NETFLOW_V9:
			rc = kf_netflow_v9_decode(d->templates, buf, len, &out);
			break;
		case KF_EXPORT_IPFIX:
			rc = kf_ipfix_decode(d->templates, buf, len, &out);
			break;
		case KF_EXPORT_SFLOW_V5:
			rc = kf_sflow_v5_decode(buf, len, &out);
			break;
		default:
			rc = -1;
			break;
	}
	if (rc == 0)
	{
		st->packets++;
		if (skewed)
			note_clock_skew(d, st, export_time - received, now);
	}
	else
		note_rejected(st, len >= 2 ? kf_read_be(buf, 2) : 0, len, now);
	return rc;
}

static void
add_counts(kf_exporter_stats *sum, const kf_exporter_stats *s)
{
	sum->packets += s->packets;
	sum->rejected += s->rejected;
	sum->clock_skewed += s->clock_skewed;
	sum->counts.flows += s->counts.flows;
	sum->counts.decode_errors += s->counts.decode_errors;
	sum->counts.no_template_drops += s->counts.no_template_drops;
	sum->counts.templates += s->counts.templates;
	sum->counts.options_records += s->counts.options_records;
	sum->counts.non_flow_records += s->counts.non_flow_records;
	sum->counts.counter_samples += s->counts.counter_samples;
}

kf_exporter_stats
kf_flow_decoder_totals(const kf_flow_decoder *d)
{
	kf_exporter_stats sum;

	memset(&sum, 0, sizeof(sum));
	for (size_t i = 0; i < d->nstats; i++)
		add_counts(&sum, &d->stats[i]);
	return sum;
}

size_t
kf_flow_decoder_exporter_count(const kf_flow_decoder *d)
{
	return d->nstats;
}

const kf_exporter_stats *
kf_flow_decoder_exporter(const kf_flow_decoder *d, size_t i)
{
	return i < d->nstats ? &d->stats[i] : NULL;
}

kf_template_cache *
kf_flow_decoder_templates(kf_flow_decoder *d)
{
	return d->templates;
}

static void
log_stats(const char *who, const kf_exporter_stats *s)
{
	kf_log("%s: %llu packets, %llu flows, %llu rejected packets, %llu decode errors, %llu no-template drops, %llu templates, %llu options records, %llu non-flow records, %llu sFlow counter samples",
		   who, (unsigned long long) s->packets, (unsigned long long) s->counts.flows,
		   (unsigned long long) s->rejected, (unsigned long long) s->counts.decode_errors,
		   (unsigned long long) s->counts.no_template_drops, (unsigned long long) s->counts.templates,
		   (unsigned long long) s->counts.options_records, (unsigned long long) s->counts.non_flow_records,
		   (unsigned long long) s->counts.counter_samples);
	if (s->clock_skewed > 0)
		kf_log("%s: %llu packets with an export time more than %d s from their receive time (the last %+lld s)",
			   who, (unsigned long long) s->clock_skewed, KF_CLOCK_SKEW_FLAG_SECONDS, (long long) s->last_clock_skew);
}

void
kf_flow_decoder_log_summary(const kf_flow_decoder *d)
{
	kf_exporter_stats total = kf_flow_decoder_totals(d);

	log_stats("summary, all exporters", &total);
	for (size_t i = 0; i < d->nstats; i++)
	{
		char		addr[KF_ADDR_TEXT_MAX];
		char		who[KF_ADDR_TEXT_MAX + 32];

		if (i == OVERFLOW_SLOT)
			snprintf(who, sizeof(who), "summary, other exporters");
		else
			snprintf(who, sizeof(who), "summary, exporter %s",
					 kf_addr_format(d->stats[i].exporter, addr, sizeof(addr)));
		log_stats(who, &d->stats[i]);
	}
}
