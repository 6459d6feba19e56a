/*
 * device_names.c -- "edge-router-<id>" naming of the simulated devices.
 */
#include "tools/flowgen/device_names.h"

#include <string.h>

#define DEVICE_NAME_PREFIX "edge-router-"

char *
device_name_put(char *p, uint32_t device_id)
{
	memcpy(p, DEVICE_NAME_PREFIX, sizeof(DEVICE_NAME_PREFIX) - 1);
	p += sizeof(DEVICE_NAME_PREFIX) - 1;

	char		digits[10];
	int			n = 0;

	do
		digits[n++] = (char) ('0' + device_id % 10);
	while ((device_id /= 10) != 0);
	while (n > 0)
		*p++ = digits[--n];
	return p;
}
