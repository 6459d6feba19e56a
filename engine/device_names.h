/*
 * device_names.h -- the i_device_name dictionary of a scan: one entry per device whose parts the
 * scan lists, named from DIR/devices, or the id in decimal when the device is unlisted.  Codes
 * are stable for the whole scan, so batches from different parts share one dictionary.
 */
#ifndef KF_DEVICE_NAMES_H
#define KF_DEVICE_NAMES_H

#include "store/store.h"

typedef struct device_names
{
	uint32_t	count;
	uint32_t   *ids;			/* sorted ascending; code = index */
	char	  **names;
	uint32_t   *lengths;
	kf_dict		dict;
} device_names;

/* Builds the dictionary for the devices of parts (sorted by device id), reading DIR/devices. */
int			device_names_build(device_names *dn, const char *data_dir, const kf_part_list *parts, kf_error *err);

/* The code of device id, or -1 when the scan listed no part of it. */
int64_t		device_names_code(const device_names *dn, uint32_t id);

void		device_names_free(device_names *dn);

#endif							/* KF_DEVICE_NAMES_H */
