/*
 * agg_string_ids.c -- query-wide string ids: a locked intern table from string to id plus
 * lock-free paged slots from id to string, and the per-block mapping of dictionary codes to ids.
 */
#include "engine/agg_string_ids.h"

#include <stdlib.h>
#include <string.h>

int
agg_string_ids_init(agg_string_ids *ids, kf_error *err)
{
	memset(ids, 0, sizeof(*ids));
	if (pthread_mutex_init(&ids->lock, NULL) != 0)
		return kf_error_set(err, "cannot create a mutex for group strings");
	return 0;
}

void
agg_string_ids_free(agg_string_ids *ids)
{
	for (int i = 0; i < AGG_STRING_PAGES; i++)
		free(ids->pages[i]);
	kf_intern_free(&ids->intern);
	pthread_mutex_destroy(&ids->lock);
}

int
agg_string_cmp(agg_string_ref a, agg_string_ref b)
{
	int			c = memcmp(a.str, b.str, a.len < b.len ? a.len : b.len);

	if (c != 0)
		return c < 0 ? -1 : 1;
	return (a.len > b.len) - (a.len < b.len);
}

/* Publishes the slot of a newly interned id; the caller holds the lock. */
static int
publish(agg_string_ids *ids, uint32_t id, kf_error *err)
{
	uint32_t	page = id >> AGG_STRING_PAGE_BITS;

	if (page >= AGG_STRING_PAGES)
		return kf_error_set(err, "too many distinct strings in one aggregation");
	if (ids->pages[page] == NULL &&
		(ids->pages[page] = calloc((size_t) 1 << AGG_STRING_PAGE_BITS, sizeof(agg_string_ref))) == NULL)
		return kf_error_set(err, "out of memory for group strings");
	agg_string_ref *slot = &ids->pages[page][id & ((1u << AGG_STRING_PAGE_BITS) - 1)];

	slot->str = ids->intern.strings[id];
	slot->len = ids->intern.lengths[id];
	return 0;
}

/* ids_out[code] = id of dict->strings[code], interning new strings. */
static int
map_dict(agg_string_ids *ids, const kf_dict *dict, uint32_t *ids_out, kf_error *err)
{
	int			rc = 0;

	pthread_mutex_lock(&ids->lock);
	for (uint32_t code = 0; rc == 0 && code < dict->count; code++)
	{
		size_t		before = ids->intern.count;

		if (kf_intern(&ids->intern, dict->strings[code], dict->lengths[code], &ids_out[code]) != 0)
			rc = kf_error_set(err, "out of memory for group strings");
		else if (ids->intern.count != before)
			rc = publish(ids, ids_out[code], err);
	}
	pthread_mutex_unlock(&ids->lock);
	return rc;
}

const uint32_t *
agg_block_string_codes(agg_block_strings *bs, block_columns *bc, kf_ecol col, const uint32_t **ids_of_code,
					   kf_error *err)
{
	const kf_dict *dict;
	const uint32_t *codes = block_codes(bc, col, &dict, err);

	if (codes == NULL)
		return NULL;
	if (bs->stamp[col] != bc->generation)
	{
		if (dict->count > bs->capacity[col])
		{
			uint32_t   *grown = realloc(bs->ids_of_code[col], sizeof(uint32_t) * dict->count);

			if (grown == NULL)
			{
				kf_error_set(err, "out of memory for group strings");
				return NULL;
			}
			bs->ids_of_code[col] = grown;
			bs->capacity[col] = dict->count;
		}
		if (map_dict(bs->ids, dict, bs->ids_of_code[col], err) != 0)
			return NULL;
		bs->stamp[col] = bc->generation;
	}
	*ids_of_code = bs->ids_of_code[col];
	return codes;
}

void
agg_block_strings_free(agg_block_strings *bs)
{
	for (int i = 0; i < KF_E_NUM_COLUMNS; i++)
		free(bs->ids_of_code[i]);
}
