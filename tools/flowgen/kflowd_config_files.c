/*
 * kflowd_config_files.c -- the tags and devices files for kflowd (see kflowd_config_files.h).
 */
#include "tools/flowgen/kflowd_config_files.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tools/flowgen/device_names.h"
#include "tools/flowgen/network_tags.h"

/* Closes f, turning any earlier or closing write failure into an error naming path. */
static int
finish_file(FILE *f, const char *path, fg_error *err)
{
	int			failed = ferror(f);

	if (fclose(f) != 0 || failed)
		return fg_error_set(err, "cannot write %s: %s", path, strerror(errno));
	return 0;
}

int
write_tags_file(const char *path, fg_error *err)
{
	FILE	   *f = fopen(path, "w");

	if (!f)
		return fg_error_set(err, "cannot create %s: %s", path, strerror(errno));
	network_tags_write(f);
	return finish_file(f, path, err);
}

int
write_devices_file(const char *path, const flowgen_config *cfg, fg_error *err)
{
	FILE	   *f = fopen(path, "w");

	if (!f)
		return fg_error_set(err, "cannot create %s: %s", path, strerror(errno));
	fputs("# ID NAME EXPORTER_ADDRESS (sampling rates are exported in-band)\n", f);
	for (uint32_t d = 1; d <= cfg->devices; d++)
	{
		char		name[64];
		uint32_t	exporter = flowgen_device_exporter_v4(d);

		*device_name_put(name, d) = '\0';
		fprintf(f, "%u %s %u.%u.%u.%u\n", d, name, exporter >> 24, (exporter >> 16) & 0xff,
				(exporter >> 8) & 0xff, exporter & 0xff);
	}
	return finish_file(f, path, err);
}
