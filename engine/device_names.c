/*
 * device_names.c -- builds the per-scan i_device_name dictionary from the listed parts' device
 * ids and the devices registry.
 */
#include "engine/device_names.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t
count_distinct_devices(const kf_part_list *parts)
{
	uint32_t	n = 0;

	for (size_t i = 0; i < parts->count; i++)
		if (i == 0 || parts->parts[i].device_id != parts->parts[i - 1].device_id)
			n++;
	return n;
}

static int
name_device(device_names *dn, uint32_t code, uint32_t id, const kf_device_list *registry, kf_error *err)
{
	const kf_device *dev = kf_device_list_find(registry, id);
	char		decimal[16];

	snprintf(decimal, sizeof(decimal), "%" PRIu32, id);
	dn->ids[code] = id;
	if ((dn->names[code] = strdup(dev ? dev->name : decimal)) == NULL)
		return kf_error_set(err, "out of memory for device names");
	dn->lengths[code] = (uint32_t) strlen(dn->names[code]);
	return 0;
}

int
device_names_build(device_names *dn, const char *data_dir, const kf_part_list *parts, kf_error *err)
{
	kf_device_list registry = {0};

	memset(dn, 0, sizeof(*dn));
	if (kf_devices_load(data_dir, &registry, err) != 0)
		return -1;
	uint32_t	n = count_distinct_devices(parts);
	int			rc = 0;

	dn->ids = calloc(n + 1, sizeof(uint32_t));
	dn->names = calloc(n + 1, sizeof(char *));
	dn->lengths = calloc(n + 1, sizeof(uint32_t));
	if (dn->ids == NULL || dn->names == NULL || dn->lengths == NULL)
		rc = kf_error_set(err, "out of memory for device names");
	for (size_t i = 0; rc == 0 && i < parts->count; i++)
		if (i == 0 || parts->parts[i].device_id != parts->parts[i - 1].device_id)
			rc = name_device(dn, dn->count++, parts->parts[i].device_id, &registry, err);
	kf_device_list_free(&registry);
	dn->dict.count = dn->count;
	dn->dict.strings = (const char *const *) dn->names;
	dn->dict.lengths = dn->lengths;
	return rc;
}

int64_t
device_names_code(const device_names *dn, uint32_t id)
{
	uint32_t	lo = 0,
				hi = dn->count;

	while (lo < hi)
	{
		uint32_t	mid = lo + (hi - lo) / 2;

		if (dn->ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < dn->count && dn->ids[lo] == id ? (int64_t) lo : -1;
}

void
device_names_free(device_names *dn)
{
	if (dn->names)
		for (uint32_t i = 0; i < dn->count; i++)
			free(dn->names[i]);
	free(dn->names);
	free(dn->ids);
	free(dn->lengths);
	memset(dn, 0, sizeof(*dn));
}
