/*
 * block_columns.h -- lazily decoded columns of the block being scanned.
 *
 * The predicate evaluator and the projection ask for a logical column's values; the stored
 * columns behind it are read from the part the first time they are needed in a block and then
 * reused, so a column read by both the WHERE clause and the projection is decoded once.  Buffers
 * hold KF_BLOCK_MAX_ROWS entries, are allocated on first use and reused for every later block.
 */
#ifndef KF_BLOCK_COLUMNS_H
#define KF_BLOCK_COLUMNS_H

#include "engine/engine.h"

typedef struct block_columns
{
	kf_part_reader *reader;
	uint32_t	block;
	uint32_t	nrows;
	uint64_t	generation;		/* bumped per block; a buffer is current when its stamp equals it */
	int64_t		device_id;		/* of the part */
	uint32_t	device_code;	/* its code in device_dict */
	const kf_dict *device_dict; /* one entry per device of the scan */

	uint64_t	stored_stamp[KF_NUM_COLUMNS];
	int64_t    *stored_ints[KF_NUM_COLUMNS];
	kf_addr    *stored_addrs[KF_NUM_COLUMNS];
	uint32_t   *stored_codes[KF_NUM_COLUMNS];
	kf_dict		stored_dicts[KF_NUM_COLUMNS];

	uint64_t	derived_stamp[KF_E_NUM_COLUMNS];
	int64_t    *derived_ints[KF_E_NUM_COLUMNS];
	uint32_t   *device_codes;	/* device_code repeated */
	uint64_t	device_codes_stamp;
	uint32_t   *protocol_codes; /* i_protocol_name: codes of protocol_name_dict() */
	uint64_t	protocol_codes_stamp;

	/* Constants of the query (i_duration, i_fast_dataset), from block_columns_set_query. */
	bool		query_known;
	int64_t		duration_seconds;
	int64_t		fast_dataset;
} block_columns;

/*
 * Gives the per-query constants their values: the scan's dataseries (i_fast_dataset) and its
 * duration_seconds (i_duration).  Called once when a scan or aggregation worker is set up;
 * until then reading either column is an error rather than a made-up value.
 */
void		block_columns_set_query(block_columns *bc, kf_dataseries dataseries, int64_t duration_seconds);

/* Makes block `block` of reader the current one; nothing is read until asked for. */
void		block_columns_start(block_columns *bc, kf_part_reader *reader, uint32_t block, uint32_t nrows,
								int64_t device_id, uint32_t device_code);

/* Values of an INT logical column for the current block, or NULL with *err set. */
const int64_t *block_ints(block_columns *bc, kf_ecol col, kf_error *err);

/* Stored addresses behind an ADDR logical column (the ipv4_* views are NULL where not IPv4). */
const kf_addr *block_addrs(block_columns *bc, kf_ecol col, kf_error *err);

/* Codes and dictionary of a STR logical column. */
const uint32_t *block_codes(block_columns *bc, kf_ecol col, const kf_dict **dict, kf_error *err);

void		block_columns_free(block_columns *bc);

#endif							/* KF_BLOCK_COLUMNS_H */
