/*
 * store_maintenance.h -- kflowd's background thread for compaction, retention and the Fast
 * dataseries.
 *
 * Every interval_seconds the thread runs one retention pass, then one compaction pass, then one
 * Fast dataseries pass (fast_dataseries.h: complete hours, after their compaction), while it
 * holds an exclusive flock on DIR/maintenance.lock: a second kflowd on the same data directory
 * (a pcap import next to a listener, say) keeps writing parts but leaves merging to the first,
 * because two compactors merging the same parts would publish their rows twice.
 */
#ifndef KF_STORE_MAINTENANCE_H
#define KF_STORE_MAINTENANCE_H

#include <stdbool.h>

#include "collector/fast_dataseries.h"
#include "collector/part_compactor.h"
#include "collector/retention.h"

typedef struct kf_maintenance_config
{
	bool		compact;		/* merge parts (retention runs whenever a limit is set) */
	kf_compact_config compaction;
	kf_retention_config retention;
	bool		fast;			/* build the Fast dataseries */
	kf_fast_config fast_build;
	double		interval_seconds;
} kf_maintenance_config;

typedef struct kf_maintenance kf_maintenance;

/* Starts the thread; returns NULL with *err when it cannot.  data_dir must outlive it. */
kf_maintenance *kf_maintenance_start(const char *data_dir, const kf_maintenance_config *cfg, kf_error *err);

/* Stops the thread, waiting for a merge in progress to finish, logs a summary and frees. */
void		kf_maintenance_stop(kf_maintenance *m);

/*
 * One pass in the caller's thread (kflowd --build-fast): takes the lock (an error when another
 * kflowd holds it), runs retention, compaction and the Fast build once, logs a summary.
 * Returns -1 when the lock is busy or any hour failed.
 */
int			kf_maintenance_run_once(const char *data_dir, const kf_maintenance_config *cfg, kf_error *err);

#endif							/* KF_STORE_MAINTENANCE_H */
