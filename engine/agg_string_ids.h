/*
 * agg_string_ids.h -- ids for the strings an aggregation meets, shared by all worker threads.
 *
 * Dictionary codes are per block, so a STR group key or distinct value cannot be a code.  Each
 * block's dictionary is mapped once (per entry, not per row) to ids that are the same for the
 * whole query on every thread; rows then carry 64-bit ids and the hash tables never see a string.
 * Reading a string by id needs no lock: strings and their slots never move once published.
 */
#ifndef KF_AGG_STRING_IDS_H
#define KF_AGG_STRING_IDS_H

#include <pthread.h>

#include "engine/block_columns.h"
#include "store/string_intern.h"

#define AGG_STRING_PAGE_BITS 16
#define AGG_STRING_PAGES 4096

typedef struct agg_string_ref
{
	const char *str;
	uint32_t	len;
} agg_string_ref;

typedef struct agg_string_ids
{
	pthread_mutex_t lock;
	kf_string_intern intern;	/* string -> id, under lock */
	agg_string_ref *pages[AGG_STRING_PAGES];	/* id -> string, pages never move */
} agg_string_ids;

int			agg_string_ids_init(agg_string_ids *ids, kf_error *err);
void		agg_string_ids_free(agg_string_ids *ids);

/* The string with id id (which some thread already obtained from this table). */
static inline agg_string_ref
agg_string_get(const agg_string_ids *ids, uint64_t id)
{
	return ids->pages[id >> AGG_STRING_PAGE_BITS][id & ((1u << AGG_STRING_PAGE_BITS) - 1)];
}

/* Byte order of two strings, as PostgreSQL's C collation. */
int			agg_string_cmp(agg_string_ref a, agg_string_ref b);

/*
 * A worker's per-block cache: the string ids of each STR logical column's rows in the current
 * block, computed from the dictionary once per block.
 */
typedef struct agg_block_strings
{
	agg_string_ids *ids;
	uint64_t	stamp[KF_E_NUM_COLUMNS];	/* block_columns generation the map belongs to */
	uint32_t   *ids_of_code[KF_E_NUM_COLUMNS];
	uint32_t	capacity[KF_E_NUM_COLUMNS];
} agg_block_strings;

/*
 * The column's codes for the current block (all rows) and, through *ids_of_code, the id of each
 * code.  NULL with *err set on a corrupt column or no memory.
 */
const uint32_t *agg_block_string_codes(agg_block_strings *bs, block_columns *bc, kf_ecol col,
									   const uint32_t **ids_of_code, kf_error *err);

void		agg_block_strings_free(agg_block_strings *bs);

#endif							/* KF_AGG_STRING_IDS_H */
