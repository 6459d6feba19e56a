/*
 * part_compactor.h -- kflowd's merge policy: turns the many small parts of each device-hour
 * directory into a few large sorted ones, and deletes merged-away parts after a grace period.
 *
 * Per hour directory and pass:
 *   - parts hidden by a merged part (part_coverage.h) for at least grace_seconds are deleted,
 *     lowest level first, so a merged part never disappears before the parts it covers;
 *   - an open hour is levelled: whenever fanin visible parts share a level they are merged into
 *     one part of the next level, so the hour holds at most about fanin files per level;
 *   - once the hour has ended settle_seconds ago, all its visible parts are merged into one
 *     (several when they hold more than max_rows rows together).
 * Only one compactor may work on a data directory at a time (store_maintenance.c holds the lock).
 */
#ifndef KF_PART_COMPACTOR_H
#define KF_PART_COMPACTOR_H

#include <stdatomic.h>
#include <stdint.h>

#include "store/part_merge.h"
#include "store/store.h"

typedef struct kf_compact_config
{
	int64_t		settle_seconds; /* a closed hour is merged into one part this long after it ends */
	int64_t		grace_seconds;	/* merged-away parts stay readable this long */
	uint32_t	fanin;			/* parts of one level merged at once in an open hour (>= 2) */
	uint64_t	max_rows;		/* rows in one merged part at most (memory: ~200 bytes per row) */
	kf_merge_order order;
} kf_compact_config;

typedef struct kf_compact_stats
{
	uint64_t	merges;
	uint64_t	parts_merged;	/* inputs of those merges */
	uint64_t	rows_merged;
	uint64_t	bytes_in;
	uint64_t	bytes_out;
	double		merge_seconds;	/* wall time spent in kf_part_merge */
	uint64_t	parts_deleted;	/* merged-away parts removed after the grace period */
	uint64_t	errors;
} kf_compact_stats;

/*
 * One pass over one hour directory (hour = epoch seconds of its start) at wall-clock time now.
 * Stops early when *stop becomes true.  Adds to *stats; returns -1 with the first error.
 */
int			kf_compact_hour_dir(const char *hour_dir, int64_t hour, int64_t now, const kf_compact_config *cfg,
								const atomic_bool *stop, kf_compact_stats *stats, kf_error *err);

/*
 * Only the housekeeping steps of a pass over one hour directory, without merging: removes what
 * interrupted merges left and deletes parts hidden for at least grace_seconds (counted in
 * *parts_deleted).  The Fast dataseries, whose rebuilds replace parts the same way, uses this.
 */
int			kf_compact_cleanup_hour_dir(const char *hour_dir, int64_t now, int64_t grace_seconds,
										uint64_t *parts_deleted, kf_error *err);

/* One pass over every device-hour directory of DIR/data.  Errors in one hour directory are logged
 * and counted and do not stop the others. */
void		kf_compact_data_dir(const char *data_dir, int64_t now, const kf_compact_config *cfg,
								const atomic_bool *stop, kf_compact_stats *stats);

#endif							/* KF_PART_COMPACTOR_H */
