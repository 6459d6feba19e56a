/*
 * part_list.c -- kf_parts_list: a snapshot of the published parts that a scan may need.
 *
 * Walks DIR/data/dev-<ID>/<HOUR>/ (or DIR/fast/dev-<ID>/<DAY>/) and prunes by device and time
 * using names alone: a time directory covers [START, START + span - 1] (kf_dataseries_dir_seconds)
 * and a part name carries its min and max ctimestamp, so nothing outside the range is opened.  Names that do not match the patterns exactly, which
 * includes every dot-file (parts still being written, hour directories dropped by retention), are
 * ignored.  A directory that vanishes during the walk is skipped, not an error.  Within an hour
 * directory, parts covered by a merged part are left out (the listing rule of part_coverage.h), so
 * a snapshot taken while the compactor merges holds every row exactly once.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/part_coverage.h"
#include "store/part_format.h"

/* "dev-<ID>" with 1 <= ID <= UINT32_MAX. */
static bool
parse_device_dir(const char *name, uint32_t *id)
{
	uint64_t	v;

	if (strncmp(name, "dev-", 4) != 0 || !kf_parse_decimal(name + 4, strlen(name + 4), &v) ||
		v == 0 || v > UINT32_MAX)
		return false;
	*id = (uint32_t) v;
	return true;
}

static int
append_part(kf_part_list *out, size_t *cap, const char *path, uint32_t device_id, int64_t min_ts,
			int64_t max_ts)
{
	if (out->count == *cap)
	{
		size_t		grown_cap = *cap ? *cap * 2 : 16;
		kf_part_info *grown = realloc(out->parts, grown_cap * sizeof(*grown));

		if (grown == NULL)
			return -1;
		out->parts = grown;
		*cap = grown_cap;
	}

	char	   *copy = strdup(path);

	if (copy == NULL)
		return -1;
	out->parts[out->count++] = (kf_part_info) {copy, device_id, min_ts, max_ts};
	return 0;
}

/* Opens a directory; *dir is NULL without error when it has vanished or is not a directory. */
static int
open_dir(const char *path, DIR **dir, kf_error *err)
{
	*dir = opendir(path);
	if (*dir == NULL && errno != ENOENT && errno != ENOTDIR)
		return kf_error_set(err, "%s: cannot list: %s", path, strerror(errno));
	return 0;
}

/* The range filter that every scan applies; shared by hour directories and part names. */
typedef struct list_filter
{
	kf_dataseries series;
	uint32_t	device_id;
	int64_t		min_ts;
	int64_t		max_ts;
} list_filter;

/* Appends the visible parts of one hour directory that overlap the range. */
static int
list_hour_dir(const char *hour_path, uint32_t device_id, const list_filter *filter, kf_part_list *out,
			  size_t *cap, kf_error *err)
{
	kf_hour_state state;

	if (kf_hour_state_read(hour_path, false, &state, err) != 0)
		return -1;

	int			rc = 0;

	for (size_t i = 0; rc == 0 && i < state.count; i++)
	{
		const kf_hour_part *p = &state.parts[i];
		char		path[PATH_MAX];

		if (p->hidden || p->max_ts < filter->min_ts || p->min_ts > filter->max_ts)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", hour_path, p->name) >= (int) sizeof(path))
			rc = kf_error_set(err, "%s/%s: path too long", hour_path, p->name);
		else if (append_part(out, cap, path, device_id, p->min_ts, p->max_ts) != 0)
			rc = kf_error_set(err, "%s: out of memory listing parts", hour_path);
	}
	kf_hour_state_free(&state);
	return rc;
}

static int
list_device_dir(const char *dev_path, uint32_t device_id, const list_filter *filter, kf_part_list *out,
				size_t *cap, kf_error *err)
{
	DIR		   *dir;

	if (open_dir(dev_path, &dir, err) != 0)
		return -1;
	if (dir == NULL)
		return 0;

	int			rc = 0;
	struct dirent *de;

	while (rc == 0 && (de = readdir(dir)) != NULL)
	{
		uint64_t	start;
		char		path[PATH_MAX];

		if (!kf_parse_decimal(de->d_name, strlen(de->d_name), &start) ||
			!kf_dataseries_dir_start_valid(filter->series, start) ||
			(int64_t) start + kf_dataseries_dir_seconds(filter->series) - 1 < filter->min_ts ||
			(int64_t) start > filter->max_ts)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dev_path, de->d_name) >= (int) sizeof(path))
			rc = kf_error_set(err, "%s/%s: path too long", dev_path, de->d_name);
		else
			rc = list_hour_dir(path, device_id, filter, out, cap, err);
	}
	closedir(dir);
	return rc;
}

static int
compare_parts(const void *a, const void *b)
{
	const kf_part_info *pa = a,
			   *pb = b;

	if (pa->device_id != pb->device_id)
		return pa->device_id < pb->device_id ? -1 : 1;
	if (pa->min_ts != pb->min_ts)
		return pa->min_ts < pb->min_ts ? -1 : 1;
	return strcmp(pa->path, pb->path);
}

static int
list_data_dir(const char *data_path, const list_filter *filter, kf_part_list *out, size_t *cap, kf_error *err)
{
	DIR		   *dir;

	if (open_dir(data_path, &dir, err) != 0)
		return -1;
	if (dir == NULL)
		return 0;

	int			rc = 0;
	struct dirent *de;

	while (rc == 0 && (de = readdir(dir)) != NULL)
	{
		uint32_t	id;
		char		path[PATH_MAX];

		if (!parse_device_dir(de->d_name, &id) || (filter->device_id != 0 && id != filter->device_id))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", data_path, de->d_name) >= (int) sizeof(path))
			rc = kf_error_set(err, "%s/%s: path too long", data_path, de->d_name);
		else
			rc = list_device_dir(path, id, filter, out, cap, err);
	}
	closedir(dir);
	return rc;
}

const char *
kf_dataseries_dir_name(kf_dataseries series)
{
	return series == KF_DATASERIES_FAST ? "fast" : "data";
}

int64_t
kf_dataseries_dir_seconds(kf_dataseries series)
{
	return series == KF_DATASERIES_FAST ? KF_FAST_DIR_SECONDS : KF_HOUR_SECONDS;
}

bool
kf_dataseries_dir_start_valid(kf_dataseries series, uint64_t start)
{
	return start <= (uint64_t) KF_CTIMESTAMP_MAX && start % (uint64_t) kf_dataseries_dir_seconds(series) == 0;
}

int
kf_parts_list(const char *data_dir, uint32_t device_id, int64_t min_ts, int64_t max_ts,
			  kf_part_list *out, kf_error *err)
{
	return kf_parts_list_series(data_dir, KF_DATASERIES_FULL, device_id, min_ts, max_ts, out, err);
}

int
kf_parts_list_series(const char *data_dir, kf_dataseries series, uint32_t device_id, int64_t min_ts,
					 int64_t max_ts, kf_part_list *out, kf_error *err)
{
	list_filter filter = {series, device_id, min_ts, max_ts};
	char		data_path[PATH_MAX];
	size_t		cap = 0;

	out->parts = NULL;
	out->count = 0;
	if (snprintf(data_path, sizeof(data_path), "%s/%s", data_dir, kf_dataseries_dir_name(series)) >=
		(int) sizeof(data_path))
		return kf_error_set(err, "%s: path too long", data_dir);
	if (min_ts > max_ts)
		return 0;
	if (list_data_dir(data_path, &filter, out, &cap, err) != 0)
	{
		kf_part_list_free(out);
		return -1;
	}
	if (out->count > 1)
		qsort(out->parts, out->count, sizeof(*out->parts), compare_parts);
	return 0;
}

void
kf_part_list_free(kf_part_list *list)
{
	for (size_t i = 0; i < list->count; i++)
		free(list->parts[i].path);
	free(list->parts);
	list->parts = NULL;
	list->count = 0;
}
