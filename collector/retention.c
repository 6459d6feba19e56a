/*
 * retention.c -- the age and size limits of retention.h.
 *
 * Sizes are the sum of the regular files in each live hour directory (parts, manifests and
 * merged-away parts still in their grace period alike: they all occupy the disk); expired
 * directories no longer count, they are on their way out.  The Fast dataseries is dropped by the
 * same rename, after the Full pass: by its own age limit, or else when its Full hour is gone.
 * Interface counter hours (DIR/counters, store/counter_file.h) follow the Full age limit, by the
 * same rename and grace period; they are small and not part of the size limit.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collector/hour_dirs.h"
#include "collector/retention.h"
#include "store/counter_file.h"
#include "store/durable_io.h"

#define HOUR_SECONDS 3600
#define EXPIRED_PREFIX ".expired-"

/* Sum of the sizes of the regular files directly inside dir (0 when it vanished). */
static uint64_t
dir_bytes(const char *dir_path)
{
	DIR		   *dir = opendir(dir_path);
	uint64_t	total = 0;
	struct dirent *de;

	if (dir == NULL)
		return 0;
	while ((de = readdir(dir)) != NULL)
	{
		struct stat st;

		if (fstatat(dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
			total += (uint64_t) st.st_size;
	}
	closedir(dir);
	return total;
}

/* Deletes a directory holding only files (an hour directory). */
static int
remove_flat_dir(const char *dir_path, kf_error *err)
{
	DIR		   *dir = opendir(dir_path);
	struct dirent *de;
	int			rc = 0;

	if (dir == NULL)
		return errno == ENOENT ? 0 : kf_error_set(err, "%s: cannot list: %s", dir_path, strerror(errno));
	while (rc == 0 && (de = readdir(dir)) != NULL)
	{
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (unlinkat(dirfd(dir), de->d_name, 0) != 0 && errno != ENOENT)
			rc = kf_error_set(err, "%s/%s: cannot delete: %s", dir_path, de->d_name, strerror(errno));
	}
	closedir(dir);
	if (rc == 0 && rmdir(dir_path) != 0 && errno != ENOENT)
		rc = kf_error_set(err, "%s: cannot delete: %s", dir_path, strerror(errno));
	return rc;
}

/* Hides an hour from new listings by renaming it to ".expired-<HOUR>-<NOW>" (deleted right away
 * when there is no grace period). */
static int
drop_hour(const kf_hour_dir *d, int64_t now, const kf_retention_config *cfg, kf_error *err)
{
	char		expired[PATH_MAX];

	if (snprintf(expired, sizeof(expired), "%s/%s%lld-%lld", d->device_path, EXPIRED_PREFIX,
				 (long long) d->hour, (long long) now) >= (int) sizeof(expired))
		return kf_error_set(err, "%s: path too long", d->device_path);
	if (rename(d->path, expired) != 0)
		return errno == ENOENT ? 0 : kf_error_set(err, "%s: cannot drop: %s", d->path, strerror(errno));
	if (kf_fsync_dir(d->device_path, err) != 0)
		return -1;
	return cfg->grace_seconds == 0 ? remove_flat_dir(expired, err) : 0;
}

/* Parses ".expired-<HOUR>-<WHEN>" and returns WHEN, or -1. */
static int64_t
expired_since(const char *name)
{
	long long	hour,
				when;
	int			used = 0;

	if (strncmp(name, EXPIRED_PREFIX, strlen(EXPIRED_PREFIX)) != 0 ||
		sscanf(name + strlen(EXPIRED_PREFIX), "%lld-%lld%n", &hour, &when, &used) != 2 ||
		name[strlen(EXPIRED_PREFIX) + (size_t) used] != '\0' || when < 0)
		return -1;
	return (int64_t) when;
}

/* Deletes the expired hour directories of every device of one tree (DIR/data, DIR/fast or
 * DIR/counters) whose grace period is over. */
static int
delete_expired_hours(const char *data_dir, const char *tree, int64_t now, const kf_retention_config *cfg,
					 kf_retention_stats *stats, kf_error *err)
{
	char		data_path[PATH_MAX];

	if (snprintf(data_path, sizeof(data_path), "%s/%s", data_dir, tree) >= (int) sizeof(data_path))
		return kf_error_set(err, "%s: path too long", data_dir);

	DIR		   *data = opendir(data_path);
	struct dirent *dev;
	int			rc = 0;

	if (data == NULL)
		return 0;
	while (rc == 0 && (dev = readdir(data)) != NULL)
	{
		char		dev_path[PATH_MAX];
		DIR		   *hours;
		struct dirent *de;

		if (strncmp(dev->d_name, "dev-", 4) != 0 ||
			snprintf(dev_path, sizeof(dev_path), "%s/%s", data_path, dev->d_name) >= (int) sizeof(dev_path) ||
			(hours = opendir(dev_path)) == NULL)
			continue;
		while (rc == 0 && (de = readdir(hours)) != NULL)
		{
			int64_t		since = expired_since(de->d_name);
			char		path[PATH_MAX];

			if (since < 0 || now - since < cfg->grace_seconds ||
				snprintf(path, sizeof(path), "%s/%s", dev_path, de->d_name) >= (int) sizeof(path))
				continue;
			rc = remove_flat_dir(path, err);
			stats->hours_deleted += rc == 0;
		}
		closedir(hours);
	}
	closedir(data);
	return rc;
}

/* Whether any Full hour directory of a Fast day still exists (an error counts as existing). */
static bool
full_day_exists(const char *data_dir, const kf_hour_dir *fast)
{
	for (int64_t hour = fast->hour; hour < fast->hour + KF_FAST_DIR_SECONDS; hour += HOUR_SECONDS)
	{
		char		path[PATH_MAX];
		struct stat st;

		if (snprintf(path, sizeof(path), "%s/data/dev-%u/%lld", data_dir, fast->device_id, (long long) hour) >=
			(int) sizeof(path) || stat(path, &st) == 0 || errno != ENOENT)
			return true;
	}
	return false;
}

/*
 * Drops the Fast days that ended longer ago than the Fast age limit, or, without one, of which no
 * Full hour is left; and every Fast directory not named by a day start (the hour directories of
 * the layout before day directories, which readers already skip and the builder replaces).
 */
static int
apply_fast(const char *data_dir, int64_t now, const kf_retention_config *cfg, kf_retention_stats *stats,
		   kf_error *err)
{
	kf_hour_dir_list dirs;

	if (delete_expired_hours(data_dir, kf_dataseries_dir_name(KF_DATASERIES_FAST), now, cfg, stats, err) != 0 ||
		kf_hour_dirs_list_series(data_dir, KF_DATASERIES_FAST, &dirs, err) != 0)
		return -1;

	int			rc = 0;

	for (size_t i = 0; rc == 0 && i < dirs.count; i++)
	{
		const kf_hour_dir *d = &dirs.dirs[i];
		bool		drop = !kf_dataseries_dir_start_valid(KF_DATASERIES_FAST, (uint64_t) d->hour) ||
			(cfg->fast_max_age_seconds > 0 ? d->hour + KF_FAST_DIR_SECONDS <= now - cfg->fast_max_age_seconds :
			 !full_day_exists(data_dir, d));

		if (drop && (rc = drop_hour(d, now, cfg, err)) == 0)
			stats->fast_days_dropped++;
	}
	kf_hour_dir_list_free(&dirs);
	return rc;
}

/* Drops one counter hour directory DIR/counters/<device>/<hour> when it ended before `before`. */
static int
drop_counter_hour(const char *device_path, const char *hour_name, int64_t before, int64_t now,
				  const kf_retention_config *cfg, kf_error *err)
{
	uint64_t	hour;
	char		path[PATH_MAX];

	if (!kf_parse_decimal_name(hour_name, &hour) || (int64_t) hour + HOUR_SECONDS > before)
		return 0;
	if (snprintf(path, sizeof(path), "%s/%s", device_path, hour_name) >= (int) sizeof(path))
		return kf_error_set(err, "%s/%s: path too long", device_path, hour_name);

	kf_hour_dir d = {0, (int64_t) hour, (char *) device_path, path};

	return drop_hour(&d, now, cfg, err);
}

/* The counter pass: expired counter hours past their grace are deleted, and with an age limit,
 * hours that ended longer ago are dropped like Full hours. */
static int
apply_counters(const char *data_dir, int64_t now, const kf_retention_config *cfg, kf_retention_stats *stats,
			   kf_error *err)
{
	char		root[PATH_MAX];
	DIR		   *devices;
	struct dirent *dev;
	int			rc = 0;

	if (delete_expired_hours(data_dir, KF_COUNTERS_DIR_NAME, now, cfg, stats, err) != 0)
		return -1;
	if (cfg->max_age_seconds <= 0)
		return 0;
	if (snprintf(root, sizeof(root), "%s/%s", data_dir, KF_COUNTERS_DIR_NAME) >= (int) sizeof(root))
		return kf_error_set(err, "%s: path too long", data_dir);
	if ((devices = opendir(root)) == NULL)
		return 0;
	while (rc == 0 && (dev = readdir(devices)) != NULL)
	{
		char		dev_path[PATH_MAX];
		DIR		   *hours;
		struct dirent *de;

		if (strncmp(dev->d_name, "dev-", 4) != 0 ||
			snprintf(dev_path, sizeof(dev_path), "%s/%s", root, dev->d_name) >= (int) sizeof(dev_path) ||
			(hours = opendir(dev_path)) == NULL)
			continue;
		/* renaming entries while reading the directory is safe: a renamed hour gets a dot-name,
		 * which the loop skips if it meets it again */
		while (rc == 0 && (de = readdir(hours)) != NULL)
			rc = drop_counter_hour(dev_path, de->d_name, now - cfg->max_age_seconds, now, cfg, err);
		closedir(hours);
	}
	closedir(devices);
	return rc;
}

int
kf_retention_apply(const char *data_dir, int64_t now, const kf_retention_config *cfg,
				   kf_retention_stats *stats, kf_error *err)
{
	kf_hour_dir_list dirs;

	if (delete_expired_hours(data_dir, kf_dataseries_dir_name(KF_DATASERIES_FULL), now, cfg, stats, err) != 0 ||
		kf_hour_dirs_list(data_dir, &dirs, err) != 0)
		return -1;

	uint64_t   *bytes = calloc(dirs.count ? dirs.count : 1, sizeof(*bytes));
	uint64_t	total = 0;
	int			rc = 0;

	if (bytes == NULL)
		rc = kf_error_set(err, "%s: out of memory applying retention", data_dir);
	for (size_t i = 0; rc == 0 && i < dirs.count; i++)
		total += bytes[i] = dir_bytes(dirs.dirs[i].path);
	/* Oldest first (the list is sorted by hour): the age limit, then the size limit. */
	for (size_t i = 0; rc == 0 && i < dirs.count; i++)
	{
		const kf_hour_dir *d = &dirs.dirs[i];
		int64_t		hour_end = d->hour + HOUR_SECONDS;
		bool		too_old = cfg->max_age_seconds > 0 && hour_end <= now - cfg->max_age_seconds;
		bool		too_big = cfg->max_bytes > 0 && total > cfg->max_bytes && hour_end <= now;

		if (!too_old && !too_big)
			continue;
		rc = drop_hour(d, now, cfg, err);
		if (rc == 0)
		{
			stats->hours_dropped++;
			stats->bytes_dropped += bytes[i];
			total -= bytes[i];
		}
	}
	stats->live_bytes = total;
	free(bytes);
	kf_hour_dir_list_free(&dirs);
	if (rc == 0)
		rc = apply_fast(data_dir, now, cfg, stats, err);
	return rc == 0 ? apply_counters(data_dir, now, cfg, stats, err) : rc;
}
