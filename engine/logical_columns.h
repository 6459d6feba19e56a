/*
 * logical_columns.h -- engine-internal view of the logical columns: which stored column(s) each
 * one is computed from.  The public half (names, kinds, nullability) is in engine.h.
 */
#ifndef KF_LOGICAL_COLUMNS_H
#define KF_LOGICAL_COLUMNS_H

#include "engine/engine.h"

/* How a logical column's values are obtained for one block. */
typedef enum ecol_source_kind
{
	ECOL_STORED,				/* one stored column, as is */
	ECOL_IPV4_VIEW,				/* one stored ADDR column, NULL unless IPv4 */
	ECOL_MINUTE_OF,				/* stored ctimestamp rounded down to the minute */
	ECOL_SUM_OF_TWO,			/* stored[0] + stored[1] */
	ECOL_PART_DEVICE_ID,		/* constant per part */
	ECOL_PART_DEVICE_NAME		/* constant per part, from DIR/devices */
} ecol_source_kind;

typedef struct ecol_source
{
	ecol_source_kind how;
	uint32_t	nstored;		/* 0..2 */
	kf_column_id stored[2];
} ecol_source;

/* Where column id's values come from; id must be < KF_E_NUM_COLUMNS. */
const ecol_source *ecol_source_of(kf_ecol id);

/*
 * i_start_time of ctimestamp t: t rounded down to the minute (floor, so -1 becomes -60).  Saturates
 * at INT64_MIN for the few values whose minute starts below it, instead of overflowing.
 */
static inline int64_t
minute_floor(int64_t t)
{
	int64_t		r = t % 60;

	if (r < 0)
		return t < INT64_MIN + 60 ? INT64_MIN : t - r - 60;
	return t - r;
}

#endif							/* KF_LOGICAL_COLUMNS_H */
