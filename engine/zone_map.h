/*
 * zone_map.h -- can a block hold a row matching the predicate, judging only by the min/max of its
 * columns (and the per-part constants)?  "No" must be certain; "maybe" is always safe.
 */
#ifndef KF_ZONE_MAP_H
#define KF_ZONE_MAP_H

#include "engine/predicate.h"

/* The per-part constants the derived device columns take. */
typedef struct part_constants
{
	int64_t		device_id;
	const char *device_name;
} part_constants;

bool		zone_map_may_match(const cpred *p, const kf_part_reader *r, uint32_t block, const part_constants *part);

/* Can some v in [min, max] satisfy INT leaf p? */
bool		int_zone_may_match(const cpred *p, int64_t min, int64_t max);

#endif							/* KF_ZONE_MAP_H */
