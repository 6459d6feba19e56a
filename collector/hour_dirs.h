/*
 * hour_dirs.h -- the device-hour directories of a data directory (DIR/data/dev-<ID>/<HOUR>, and
 * the device-day directories DIR/fast/dev-<ID>/<DAY> of the Fast dataseries), the unit that
 * compaction merges within, retention drops and the Fast builder summarises.
 */
#ifndef KF_HOUR_DIRS_H
#define KF_HOUR_DIRS_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

typedef struct kf_hour_dir
{
	uint32_t	device_id;
	int64_t		hour;			/* epoch seconds of the hour's start (of the day's, for Fast) */
	char	   *device_path;	/* DIR/data/dev-<ID>, malloc'd */
	char	   *path;			/* DIR/data/dev-<ID>/<HOUR>, malloc'd */
} kf_hour_dir;

typedef struct kf_hour_dir_list
{
	kf_hour_dir *dirs;			/* sorted by (hour, device_id): oldest first */
	size_t		count;
} kf_hour_dir_list;

/* Lists every device-hour directory; a missing DIR/data is an empty list. */
int			kf_hour_dirs_list(const char *data_dir, kf_hour_dir_list *out, kf_error *err);
/* The same for either dataseries (DIR/data or DIR/fast). */
int			kf_hour_dirs_list_series(const char *data_dir, kf_dataseries series, kf_hour_dir_list *out,
									 kf_error *err);
void		kf_hour_dir_list_free(kf_hour_dir_list *list);

/* Parses a name made only of decimal digits (1..18 of them). */
int			kf_parse_decimal_name(const char *name, uint64_t *value);

#endif							/* KF_HOUR_DIRS_H */
