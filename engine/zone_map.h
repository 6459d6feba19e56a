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

/*
 * Marks in proven[] the top-level conjuncts that every row of the block satisfies, judging by the
 * zone map alone (INT comparisons and IN lists whose whole [min, max] passes, e.g. a time window
 * that covers the block): proven[i] for child i of a top-level AND, proven[0] for a lone leaf.
 * Those need neither decoding nor evaluation.  Returns how many were proven; proven must hold
 * pred_conjunct_count(p) entries.
 */
uint32_t	zone_map_mark_proven(const cpred *p, const kf_part_reader *r, uint32_t block, const part_constants *part,
								 uint8_t *proven);

/* Can some v in [min, max] satisfy INT leaf p? */
bool		int_zone_may_match(const cpred *p, int64_t min, int64_t max);

#endif							/* KF_ZONE_MAP_H */
