/*
 * retention.h -- drops whole device-hour directories, oldest first, by age and/or total size.
 *
 * A dropped hour is first renamed to the dot-name ".expired-<HOUR>-<NOW>" inside its device
 * directory, which hides it from every new listing at once (one atomic rename), and deleted once
 * grace_seconds have passed, so scans that listed it before keep reading it.  The hour being
 * written (not yet ended) is never dropped for size.
 *
 * The Fast dataseries (DIR/fast, one directory per device and day) follows: a Fast day is dropped
 * once no Full hour of it is left, or, with fast_max_age_seconds, once it ended that long ago
 * (Kentik keeps Fast longer than Full).  The size limit counts Full hours only.
 */
#ifndef KF_RETENTION_H
#define KF_RETENTION_H

#include <stdint.h>

#include "store/store.h"

typedef struct kf_retention_config
{
	int64_t		max_age_seconds;	/* 0 = no age limit: hours that ended longer ago are dropped */
	uint64_t	max_bytes;		/* 0 = no size limit on the live hour directories together */
	int64_t		grace_seconds;	/* dropped hours stay readable this long */
	int64_t		fast_max_age_seconds;	/* 0 = a Fast day goes when its Full hours are gone; else by this age */
} kf_retention_config;

typedef struct kf_retention_stats
{
	uint64_t	hours_dropped;
	uint64_t	bytes_dropped;
	uint64_t	hours_deleted;	/* expired directories removed after the grace period */
	uint64_t	live_bytes;		/* bytes in live Full hour directories after the pass */
	uint64_t	fast_days_dropped;
} kf_retention_stats;

/* One retention pass at wall-clock time now.  Adds to *stats; returns -1 with the first error. */
int			kf_retention_apply(const char *data_dir, int64_t now, const kf_retention_config *cfg,
							   kf_retention_stats *stats, kf_error *err);

#endif							/* KF_RETENTION_H */
