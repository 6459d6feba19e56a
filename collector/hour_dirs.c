/*
 * hour_dirs.c -- enumerates DIR/data/dev-<ID>/<HOUR> directories (and those of the Fast
 * dataseries, DIR/fast/...) for compaction, retention and the Fast builder.
 * Names that are not exactly "dev-<ID>" or a decimal hour (dot-names included) are skipped, as the
 * part listing skips them.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/hour_dirs.h"

int
kf_parse_decimal_name(const char *name, uint64_t *value)
{
	size_t		len = strlen(name);
	uint64_t	v = 0;

	if (len == 0 || len > 18)
		return 0;
	for (size_t i = 0; i < len; i++)
	{
		if (name[i] < '0' || name[i] > '9')
			return 0;
		v = v * 10 + (uint64_t) (name[i] - '0');
	}
	*value = v;
	return 1;
}

static int
append_dir(kf_hour_dir_list *out, size_t *cap, uint32_t device_id, int64_t hour, const char *device_path)
{
	if (out->count == *cap)
	{
		size_t		grown_cap = *cap ? *cap * 2 : 64;
		kf_hour_dir *grown = realloc(out->dirs, grown_cap * sizeof(*grown));

		if (grown == NULL)
			return -1;
		out->dirs = grown;
		*cap = grown_cap;
	}

	char		path[PATH_MAX];
	kf_hour_dir *d = &out->dirs[out->count];

	if (snprintf(path, sizeof(path), "%s/%lld", device_path, (long long) hour) >= (int) sizeof(path))
		return -1;
	d->device_id = device_id;
	d->hour = hour;
	d->device_path = strdup(device_path);
	d->path = strdup(path);
	if (!d->device_path || !d->path)
	{
		free(d->device_path);
		free(d->path);
		return -1;
	}
	out->count++;
	return 0;
}

/* Appends the hour directories of one device directory. */
static int
list_device(const char *device_path, uint32_t device_id, kf_hour_dir_list *out, size_t *cap, kf_error *err)
{
	DIR		   *dir = opendir(device_path);

	if (dir == NULL)
		return errno == ENOENT || errno == ENOTDIR ? 0 :
			kf_error_set(err, "%s: cannot list: %s", device_path, strerror(errno));

	struct dirent *de;
	int			rc = 0;

	while (rc == 0 && (de = readdir(dir)) != NULL)
	{
		uint64_t	hour;

		if (kf_parse_decimal_name(de->d_name, &hour) &&
			append_dir(out, cap, device_id, (int64_t) hour, device_path) != 0)
			rc = kf_error_set(err, "%s: out of memory or path too long listing hours", device_path);
	}
	closedir(dir);
	return rc;
}

static int
compare_hour_dirs(const void *a, const void *b)
{
	const kf_hour_dir *da = a,
			   *db = b;

	if (da->hour != db->hour)
		return da->hour < db->hour ? -1 : 1;
	return da->device_id < db->device_id ? -1 : da->device_id > db->device_id;
}

int
kf_hour_dirs_list(const char *data_dir, kf_hour_dir_list *out, kf_error *err)
{
	return kf_hour_dirs_list_series(data_dir, KF_DATASERIES_FULL, out, err);
}

int
kf_hour_dirs_list_series(const char *data_dir, kf_dataseries series, kf_hour_dir_list *out, kf_error *err)
{
	char		data_path[PATH_MAX];

	memset(out, 0, sizeof(*out));
	if (snprintf(data_path, sizeof(data_path), "%s/%s", data_dir, kf_dataseries_dir_name(series)) >=
		(int) sizeof(data_path))
		return kf_error_set(err, "%s: path too long", data_dir);

	DIR		   *dir = opendir(data_path);

	if (dir == NULL)
		return errno == ENOENT ? 0 : kf_error_set(err, "%s: cannot list: %s", data_path, strerror(errno));

	struct dirent *de;
	size_t		cap = 0;
	int			rc = 0;

	while (rc == 0 && (de = readdir(dir)) != NULL)
	{
		uint64_t	id;
		char		device_path[PATH_MAX];

		if (strncmp(de->d_name, "dev-", 4) != 0 || !kf_parse_decimal_name(de->d_name + 4, &id) ||
			id == 0 || id > UINT32_MAX)
			continue;
		if (snprintf(device_path, sizeof(device_path), "%s/%s", data_path, de->d_name) >= (int) sizeof(device_path))
			rc = kf_error_set(err, "%s/%s: path too long", data_path, de->d_name);
		else
			rc = list_device(device_path, (uint32_t) id, out, &cap, err);
	}
	closedir(dir);
	if (rc != 0)
		kf_hour_dir_list_free(out);
	else if (out->count > 1)
		qsort(out->dirs, out->count, sizeof(*out->dirs), compare_hour_dirs);
	return rc;
}

void
kf_hour_dir_list_free(kf_hour_dir_list *list)
{
	for (size_t i = 0; i < list->count; i++)
	{
		free(list->dirs[i].device_path);
		free(list->dirs[i].path);
	}
	free(list->dirs);
	memset(list, 0, sizeof(*list));
}
