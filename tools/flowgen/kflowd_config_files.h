/*
 * kflowd_config_files.h -- writes the configuration kflowd needs to collect flowgen's traffic:
 * the tags file (--tags-out) and the devices file (--devices-out).
 */
#ifndef FLOWGEN_KFLOWD_CONFIG_FILES_H
#define FLOWGEN_KFLOWD_CONFIG_FILES_H

#include "tools/flowgen/fg_error.h"
#include "tools/flowgen/flowgen_config.h"

/* "NAME PREFIX" per line: MYNETWORK 10.0.0.0/8, DC_EAST 10.1.0.0/16, MYNETWORK fd00::/8. */
int			write_tags_file(const char *path, fg_error *err);

/* "ID NAME EXPORTER_ADDRESS" per device; the sampling rate is exported in-band, so no rate column. */
int			write_devices_file(const char *path, const flowgen_config *cfg, fg_error *err);

#endif
