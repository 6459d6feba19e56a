/*
 * fast_dataseries.h -- builds the Fast dataseries (DIR/fast) from the Full one (DIR/data), one
 * device-hour at a time, as kflowd's maintenance does after compaction (docs/format.md section 8).
 *
 * For one complete device-hour the builder reads the visible Full parts (the listing rule of
 * part_coverage.h), folds ports above 32767 to 65535 (not for ICMP and ICMPv6, whose l4_dst_port
 * is type * 256 + code), sets ctimestamp to the hour start, sums in/out bytes/pkts per key (every
 * other stored column) and bounds the result to rows_per_hour rows: when there are more keys, the
 * heaviest by bytes are kept as they are, the rest are folded into rows with addresses masked to
 * /24 (IPv4) or /48 (IPv6), and what still does not fit into one row per protocol.  Every row's
 * counters land in exactly one output row, so every counter's sum over the hour, and over any
 * protocol, is exact.
 *
 * Memory is bounded: each of the two key levels holds at most max_groups groups (~150 bytes
 * each); a key that does not find room at its level goes one level coarser at once (the protocol
 * level has at most one group per protocol).  Input is read one block at a time.
 *
 * The result goes into the device's Fast day directory (DIR/fast/dev-<ID>/<DAY>, store.h), where
 * one part holds every built hour of the day: a build writes a new merged part with the hour's rows
 * and the rows of the day's other hours copied from the part it replaces, whose manifest covers
 * that part, so a rebuild swaps old for new in one rename.  The day's "source" file then records,
 * for each built hour, the Full rows it summarised, so later passes can tell when late flows made
 * an hour outdated.  One part per day rather than per hour is what makes Fast fast: a 30-day query
 * opens 30 parts per device instead of 720.
 */
#ifndef KF_FAST_DATASERIES_H
#define KF_FAST_DATASERIES_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

/* Smallest --fast-rows-per-hour: room for one row per protocol (at most 256) and as many kept keys. */
#define KF_FAST_MIN_ROWS_PER_HOUR 512
/* Default rows per device-hour (docs/format.md section 8 says why). */
#define KF_FAST_DEFAULT_ROWS_PER_HOUR 1000
/* Default groups in memory per key level: 1M groups of ~150 bytes, so ~300 MB at most for both. */
#define KF_FAST_DEFAULT_MAX_GROUPS 1000000
/* The file of a Fast day directory naming its part and the Full rows each built hour summarises. */
#define KF_FAST_SOURCE_FILE "source"

typedef struct kf_fast_config
{
	uint32_t	rows_per_hour;	/* rows of one device-hour at most, >= KF_FAST_MIN_ROWS_PER_HOUR */
	uint64_t	max_groups;		/* groups held in memory per key level */
	int64_t		settle_seconds; /* an hour is complete (built) this long after it ends */
	int64_t		max_age_seconds;	/* 0, or --retention-fast-age: older hours are not built */
} kf_fast_config;

/* What one build did. */
typedef struct kf_fast_hour_result
{
	uint64_t	full_rows;		/* rows read from Full */
	uint64_t	fast_rows;		/* rows written */
	uint64_t	kept_rows;		/* of those, rows with their exact (folded-port) key */
	uint64_t	masked_rows;	/* rows with masked addresses */
	uint64_t	protocol_rows;	/* one-per-protocol rows */
	bool		replaced;		/* rows of the hour built earlier were replaced */
} kf_fast_hour_result;

typedef struct kf_fast_stats
{
	uint64_t	hours_built;
	uint64_t	hours_rebuilt;	/* of those, replacing outdated Fast rows of the hour */
	uint64_t	full_rows;
	uint64_t	fast_rows;
	double		seconds;
	uint64_t	errors;
} kf_fast_stats;

/*
 * Builds the Fast rows of one device-hour from its Full parts and publishes them in the day's
 * part, replacing what the day held for that hour.  A Full hour without parts publishes nothing (result all zero).  On error
 * (a corrupt Full part, say) nothing is published and the message names the file.
 */
int			kf_fast_build_hour(const char *data_dir, uint32_t device_id, int64_t hour, const kf_fast_config *cfg,
							   kf_fast_hour_result *out, kf_error *err);

/*
 * The same for hours[0..count) of one device and one UTC day (hour starts, ascending, 1 to 24 of
 * them) in one publish of the day's part, as kflowd's pass does; results[i] is hours[i]'s.  On
 * error nothing is published.
 */
int			kf_fast_build_hours(const char *data_dir, uint32_t device_id, const int64_t *hours, size_t count,
								const kf_fast_config *cfg, kf_fast_hour_result *results, kf_error *err);

/*
 * Whether the Fast hour is missing or outdated: *outdated is false only when the day's source file
 * names the one visible Fast part of the day, has an entry for the hour, and the visible Full parts
 * of the hour hold the number of rows it says.
 */
int			kf_fast_hour_outdated(const char *data_dir, uint32_t device_id, int64_t hour, bool *outdated,
								  kf_error *err);

/*
 * One pass at wall-clock time now: removes leftovers and expired replaced parts of every Fast
 * day (after grace_seconds), then builds every complete Full hour whose Fast hour is missing or
 * outdated, the hours of one device and day in one publish.  Errors are logged and counted per
 * hour and do not stop the others.
 */
void		kf_fast_build_data_dir(const char *data_dir, int64_t now, const kf_fast_config *cfg,
								   int64_t grace_seconds, const atomic_bool *stop, kf_fast_stats *stats);

#endif							/* KF_FAST_DATASERIES_H */
