/*
 * store_maintenance.c -- the maintenance thread of store_maintenance.h: lock, schedule, logging,
 * and the same pass run once in the foreground for kflowd --build-fast.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "collector/collector_log.h"
#include "collector/store_maintenance.h"

struct kf_maintenance
{
	const char *data_dir;
	kf_maintenance_config cfg;
	pthread_t	thread;
	pthread_mutex_t mutex;
	pthread_cond_t wake;
	atomic_bool stop;
	int			lock_fd;		/* -1 until the lock is held */
	bool		lock_busy_logged;
	kf_compact_stats compaction;
	kf_retention_stats retention;
	kf_fast_stats fast;
};

/* Takes the data directory's maintenance lock if nobody holds it; true once held. */
static bool
hold_lock(kf_maintenance *m)
{
	if (m->lock_fd >= 0)
		return true;

	char		path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/maintenance.lock", m->data_dir);

	int			fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) != 0)
	{
		if (!m->lock_busy_logged)
			kf_log("maintenance: %s: %s; compaction, retention and the Fast dataseries are left to the kflowd "
				   "holding it", path, fd < 0 ? strerror(errno) : "held by another process");
		m->lock_busy_logged = true;
		if (fd >= 0)
			close(fd);
		return false;
	}
	m->lock_fd = fd;
	return true;
}

/* One Fast dataseries pass, logged when it built something. */
static void
run_fast_pass(kf_maintenance *m, int64_t now)
{
	kf_fast_stats before = m->fast;

	kf_fast_build_data_dir(m->data_dir, now, &m->cfg.fast_build, m->cfg.compaction.grace_seconds, &m->stop,
						   &m->fast);
	if (m->fast.hours_built > before.hours_built)
	{
		double		secs = m->fast.seconds - before.seconds;
		uint64_t	rows = m->fast.full_rows - before.full_rows;

		kf_log("fast dataseries: built %llu device-hours (%llu replacing older ones), %llu Full rows -> %llu Fast rows, %.0f rows/s",
			   (unsigned long long) (m->fast.hours_built - before.hours_built),
			   (unsigned long long) (m->fast.hours_rebuilt - before.hours_rebuilt), (unsigned long long) rows,
			   (unsigned long long) (m->fast.fast_rows - before.fast_rows), secs > 0 ? (double) rows / secs : 0.0);
	}
}

/* One retention pass, one compaction pass and one Fast pass, each logged when it did something. */
static void
run_pass(kf_maintenance *m)
{
	int64_t		now = (int64_t) time(NULL);
	const kf_retention_config *rc = &m->cfg.retention;

	if (rc->max_age_seconds > 0 || rc->max_bytes > 0 || rc->fast_max_age_seconds > 0)
	{
		kf_retention_stats before = m->retention;
		kf_error	err;

		if (kf_retention_apply(m->data_dir, now, rc, &m->retention, &err) != 0)
			kf_log("retention: %s", err.msg);
		if (m->retention.hours_dropped > before.hours_dropped)
			kf_log("retention: dropped %llu device-hours (%llu bytes), %llu bytes remain",
				   (unsigned long long) (m->retention.hours_dropped - before.hours_dropped),
				   (unsigned long long) (m->retention.bytes_dropped - before.bytes_dropped),
				   (unsigned long long) m->retention.live_bytes);
		if (m->retention.fast_days_dropped > before.fast_days_dropped)
			kf_log("retention: dropped %llu Fast dataseries device-days",
				   (unsigned long long) (m->retention.fast_days_dropped - before.fast_days_dropped));
	}
	if (m->cfg.compact)
	{
		kf_compact_stats before = m->compaction;

		kf_compact_data_dir(m->data_dir, now, &m->cfg.compaction, &m->stop, &m->compaction);
		if (m->compaction.merges > before.merges)
		{
			double		secs = m->compaction.merge_seconds - before.merge_seconds;
			uint64_t	rows = m->compaction.rows_merged - before.rows_merged;

			kf_log("compaction: %llu merges of %llu parts, %llu rows, %llu -> %llu bytes, %.0f rows/s",
				   (unsigned long long) (m->compaction.merges - before.merges),
				   (unsigned long long) (m->compaction.parts_merged - before.parts_merged),
				   (unsigned long long) rows,
				   (unsigned long long) (m->compaction.bytes_in - before.bytes_in),
				   (unsigned long long) (m->compaction.bytes_out - before.bytes_out),
				   secs > 0 ? (double) rows / secs : 0.0);
		}
	}
	if (m->cfg.fast && !atomic_load(&m->stop))
		run_fast_pass(m, now);
}

static void *
maintenance_main(void *arg)
{
	kf_maintenance *m = arg;

	pthread_mutex_lock(&m->mutex);
	while (!atomic_load(&m->stop))
	{
		pthread_mutex_unlock(&m->mutex);
		if (hold_lock(m))
			run_pass(m);
		pthread_mutex_lock(&m->mutex);

		struct timespec until;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += (time_t) m->cfg.interval_seconds;
		until.tv_nsec += (long) ((m->cfg.interval_seconds - (double) (time_t) m->cfg.interval_seconds) * 1e9);
		if (until.tv_nsec >= 1000000000L)
		{
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		while (!atomic_load(&m->stop) && pthread_cond_timedwait(&m->wake, &m->mutex, &until) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&m->mutex);
	return NULL;
}

/* Logs what the maintenance did over its lifetime. */
static void
log_summary(const kf_maintenance *m)
{
	if (m->cfg.compact)
		kf_log("summary, compaction: %llu merges of %llu parts (%llu rows), %llu parts deleted, %llu errors",
			   (unsigned long long) m->compaction.merges, (unsigned long long) m->compaction.parts_merged,
			   (unsigned long long) m->compaction.rows_merged, (unsigned long long) m->compaction.parts_deleted,
			   (unsigned long long) m->compaction.errors);
	if (m->cfg.fast)
		kf_log("summary, fast dataseries: %llu device-hours built (%llu rebuilt), %llu Full rows -> %llu Fast rows, %llu errors",
			   (unsigned long long) m->fast.hours_built, (unsigned long long) m->fast.hours_rebuilt,
			   (unsigned long long) m->fast.full_rows, (unsigned long long) m->fast.fast_rows,
			   (unsigned long long) m->fast.errors);
}

int
kf_maintenance_run_once(const char *data_dir, const kf_maintenance_config *cfg, kf_error *err)
{
	kf_maintenance m;

	memset(&m, 0, sizeof(m));
	m.data_dir = data_dir;
	m.cfg = *cfg;
	m.lock_fd = -1;
	atomic_init(&m.stop, false);
	if (!hold_lock(&m))
		return kf_error_set(err, "%s: cannot take the maintenance lock (logged above)", data_dir);
	run_pass(&m);
	log_summary(&m);
	close(m.lock_fd);
	if (m.compaction.errors > 0 || m.fast.errors > 0)
		return kf_error_set(err, "%llu compaction and %llu Fast dataseries errors (logged above)",
							(unsigned long long) m.compaction.errors, (unsigned long long) m.fast.errors);
	return 0;
}

kf_maintenance *
kf_maintenance_start(const char *data_dir, const kf_maintenance_config *cfg, kf_error *err)
{
	kf_maintenance *m = calloc(1, sizeof(*m));

	if (m == NULL)
	{
		kf_error_set(err, "out of memory starting the maintenance thread");
		return NULL;
	}
	m->data_dir = data_dir;
	m->cfg = *cfg;
	m->lock_fd = -1;
	atomic_init(&m->stop, false);
	pthread_mutex_init(&m->mutex, NULL);
	pthread_cond_init(&m->wake, NULL);
	if (pthread_create(&m->thread, NULL, maintenance_main, m) != 0)
	{
		kf_error_set(err, "cannot start the maintenance thread");
		pthread_mutex_destroy(&m->mutex);
		pthread_cond_destroy(&m->wake);
		free(m);
		return NULL;
	}
	return m;
}

void
kf_maintenance_stop(kf_maintenance *m)
{
	if (m == NULL)
		return;
	pthread_mutex_lock(&m->mutex);
	atomic_store(&m->stop, true);
	pthread_cond_signal(&m->wake);
	pthread_mutex_unlock(&m->mutex);
	pthread_join(m->thread, NULL);
	log_summary(m);
	if (m->lock_fd >= 0)
		close(m->lock_fd);
	pthread_mutex_destroy(&m->mutex);
	pthread_cond_destroy(&m->wake);
	free(m);
}
