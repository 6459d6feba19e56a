/*
 * time_range.h -- the ctimestamp range a predicate confines a scan to, so that kf_parts_list can
 * leave whole hours and parts unopened.
 */
#ifndef KF_TIME_RANGE_H
#define KF_TIME_RANGE_H

#include "engine/predicate.h"

/*
 * Narrows [*min_ts, *max_ts] (start it at INT64_MIN..INT64_MAX) by the top-level AND conjuncts on
 * ctimestamp and i_start_time.  Leaves min > max when no row can match.
 */
void		time_range_of(const cpred *p, int64_t *min_ts, int64_t *max_ts);

#endif							/* KF_TIME_RANGE_H */
