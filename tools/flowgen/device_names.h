/*
 * device_names.h -- the names of the simulated devices ("edge-router-<id>"), shared by the CSV
 * and the devices file so both always agree.
 */
#ifndef FLOWGEN_DEVICE_NAMES_H
#define FLOWGEN_DEVICE_NAMES_H

#include <stdint.h>

/* Writes device id's name at p (no terminator) and returns the end. */
char	   *device_name_put(char *p, uint32_t device_id);

#endif
