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
	ECOL_PART_DEVICE_NAME,		/* constant per part, from DIR/devices */
	ECOL_PROTOCOL_NAME,			/* stored protocol number as a code of protocol_name_dict() */
	ECOL_FAMILY_OF,				/* stored ADDR column: 4 when IPv4, else 6 */
	ECOL_QUERY_DURATION,		/* constant per query: the spec's duration_seconds */
	ECOL_QUERY_FAST_DATASET		/* constant per query: 1 when the spec reads the Fast dataseries */
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

/*
 * i_protocol_name: a fixed dictionary, the same for every block, whose code c < 256 names
 * protocol number c ("TCP (6)", "(146)" for numbers without an IANA keyword) and whose last
 * code names every value outside 0..255, which only a corrupt part can hold.
 */
#define PROTOCOL_NAME_CODES 257
#define PROTOCOL_NAME_OUT_OF_RANGE 256

const kf_dict *protocol_name_dict(void);

static inline uint32_t
protocol_name_code(int64_t protocol)
{
	return protocol >= 0 && protocol < 256 ? (uint32_t) protocol : PROTOCOL_NAME_OUT_OF_RANGE;
}

/* inet_family of an address: 4 for IPv4 (IPv4-mapped in the store), 6 for everything else. */
static inline int64_t
address_family(kf_addr a)
{
	return kf_addr_is_v4(a) ? 4 : 6;
}

#endif							/* KF_LOGICAL_COLUMNS_H */
