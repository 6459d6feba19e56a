/*
 * block_columns.c -- reads the stored columns of the current block on demand and computes the
 * derived logical columns (i_start_time, both_*, i_device_id, i_device_name, i_protocol_name,
 * inet_family, and the query constants i_duration and i_fast_dataset) from them.
 */
#include "engine/block_columns.h"

#include <stdlib.h>

#include "engine/logical_columns.h"

/* Per-row loops are meant to vectorize; see predicate_eval.c for why GCC needs this at -O2. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("vect-cost-model=dynamic")
#endif

void
block_columns_set_query(block_columns *bc, kf_dataseries dataseries, int64_t duration_seconds)
{
	bc->query_known = true;
	bc->duration_seconds = duration_seconds;
	bc->fast_dataset = dataseries == KF_DATASERIES_FAST;
}

void
block_columns_start(block_columns *bc, kf_part_reader *reader, uint32_t block, uint32_t nrows,
					int64_t device_id, uint32_t device_code)
{
	bc->reader = reader;
	bc->block = block;
	bc->nrows = nrows;
	bc->device_id = device_id;
	bc->device_code = device_code;
	bc->generation++;
}

/* Allocates *buf for a whole block on first use. */
static int
ensure_buffer(void **buf, size_t elem_size, kf_error *err)
{
	if (*buf == NULL && (*buf = malloc(elem_size * KF_BLOCK_MAX_ROWS)) == NULL)
		return kf_error_set(err, "out of memory for a column buffer");
	return 0;
}

static const int64_t *
stored_ints(block_columns *bc, kf_column_id col, kf_error *err)
{
	if (bc->stored_stamp[col] == bc->generation)
		return bc->stored_ints[col];
	if (ensure_buffer((void **) &bc->stored_ints[col], sizeof(int64_t), err) != 0 ||
		kf_part_read_int(bc->reader, bc->block, col, bc->stored_ints[col], err) != 0)
		return NULL;
	bc->stored_stamp[col] = bc->generation;
	return bc->stored_ints[col];
}

static void
fill_constant(int64_t *out, uint32_t n, int64_t value)
{
	for (uint32_t i = 0; i < n; i++)
		out[i] = value;
}

static int
compute_derived(block_columns *bc, kf_ecol col, int64_t *out, kf_error *err)
{
	const ecol_source *src = ecol_source_of(col);
	uint32_t	n = bc->nrows;

	switch (src->how)
	{
		case ECOL_PART_DEVICE_ID:
			fill_constant(out, n, bc->device_id);
			return 0;
		case ECOL_QUERY_DURATION:
		case ECOL_QUERY_FAST_DATASET:
			if (!bc->query_known)
				return kf_error_set(err, "%s is not known to this scan: its executor did not pass the "
									"query's dataseries and duration", kf_ecol_describe(col)->name);
			fill_constant(out, n, src->how == ECOL_QUERY_DURATION ? bc->duration_seconds : bc->fast_dataset);
			return 0;
		case ECOL_FAMILY_OF:
			{
				const kf_addr *addrs = block_addrs(bc, col, err);

				if (addrs == NULL)
					return -1;
				for (uint32_t i = 0; i < n; i++)
					out[i] = address_family(addrs[i]);
				return 0;
			}
		default:
			break;
	}
	const int64_t *a = stored_ints(bc, src->stored[0], err);

	if (a == NULL)
		return -1;
	if (src->how == ECOL_MINUTE_OF)
	{
		for (uint32_t i = 0; i < n; i++)
			out[i] = minute_floor(a[i]);
		return 0;
	}
	const int64_t *b = stored_ints(bc, src->stored[1], err);

	if (b == NULL)
		return -1;
	/* unsigned addition: wraps instead of being undefined on absurd counters from a corrupt part */
	for (uint32_t i = 0; i < n; i++)
		out[i] = (int64_t) ((uint64_t) a[i] + (uint64_t) b[i]);
	return 0;
}

const int64_t *
block_ints(block_columns *bc, kf_ecol col, kf_error *err)
{
	const ecol_source *src = ecol_source_of(col);

	if (src->how == ECOL_STORED)
		return stored_ints(bc, src->stored[0], err);
	if (bc->derived_stamp[col] == bc->generation)
		return bc->derived_ints[col];
	if (ensure_buffer((void **) &bc->derived_ints[col], sizeof(int64_t), err) != 0 ||
		compute_derived(bc, col, bc->derived_ints[col], err) != 0)
		return NULL;
	bc->derived_stamp[col] = bc->generation;
	return bc->derived_ints[col];
}

const kf_addr *
block_addrs(block_columns *bc, kf_ecol col, kf_error *err)
{
	kf_column_id stored = ecol_source_of(col)->stored[0];

	if (bc->stored_stamp[stored] == bc->generation)
		return bc->stored_addrs[stored];
	if (ensure_buffer((void **) &bc->stored_addrs[stored], sizeof(kf_addr), err) != 0 ||
		kf_part_read_addr(bc->reader, bc->block, stored, bc->stored_addrs[stored], err) != 0)
		return NULL;
	bc->stored_stamp[stored] = bc->generation;
	return bc->stored_addrs[stored];
}

/* Every code must index the dictionary, or lookups through it would read out of bounds. */
static int
check_codes(const block_columns *bc, kf_column_id col, kf_error *err)
{
	const uint32_t *codes = bc->stored_codes[col];
	uint32_t	count = bc->stored_dicts[col].count;
	uint32_t	out_of_range = 0;

	for (uint32_t i = 0; i < bc->nrows; i++)
		out_of_range |= codes[i] >= count;
	if (out_of_range)
		return kf_error_set(err, "%s: block %u column %s: a code lies outside its dictionary of %u entries",
							kf_part_path(bc->reader), bc->block, kf_column_describe(col)->name, count);
	return 0;
}

static const uint32_t *
device_name_codes(block_columns *bc, kf_error *err)
{
	if (bc->device_codes_stamp != bc->generation)
	{
		if (ensure_buffer((void **) &bc->device_codes, sizeof(uint32_t), err) != 0)
			return NULL;
		for (uint32_t i = 0; i < bc->nrows; i++)
			bc->device_codes[i] = bc->device_code;
		bc->device_codes_stamp = bc->generation;
	}
	return bc->device_codes;
}

/* i_protocol_name: the stored protocol numbers as codes of the fixed protocol dictionary. */
static const uint32_t *
protocol_name_codes(block_columns *bc, kf_error *err)
{
	if (bc->protocol_codes_stamp == bc->generation)
		return bc->protocol_codes;
	const int64_t *protocols = stored_ints(bc, KF_COL_PROTOCOL, err);

	if (protocols == NULL || ensure_buffer((void **) &bc->protocol_codes, sizeof(uint32_t), err) != 0)
		return NULL;
	for (uint32_t i = 0; i < bc->nrows; i++)
		bc->protocol_codes[i] = protocol_name_code(protocols[i]);
	bc->protocol_codes_stamp = bc->generation;
	return bc->protocol_codes;
}

const uint32_t *
block_codes(block_columns *bc, kf_ecol col, const kf_dict **dict, kf_error *err)
{
	const ecol_source *src = ecol_source_of(col);

	if (src->how == ECOL_PART_DEVICE_NAME)
	{
		*dict = bc->device_dict;
		return device_name_codes(bc, err);
	}
	if (src->how == ECOL_PROTOCOL_NAME)
	{
		*dict = protocol_name_dict();
		return protocol_name_codes(bc, err);
	}
	kf_column_id stored = src->stored[0];

	*dict = &bc->stored_dicts[stored];
	if (bc->stored_stamp[stored] == bc->generation)
		return bc->stored_codes[stored];
	if (ensure_buffer((void **) &bc->stored_codes[stored], sizeof(uint32_t), err) != 0 ||
		kf_part_read_dict(bc->reader, bc->block, stored, bc->stored_codes[stored], &bc->stored_dicts[stored],
						  err) != 0 ||
		check_codes(bc, stored, err) != 0)
		return NULL;
	bc->stored_stamp[stored] = bc->generation;
	return bc->stored_codes[stored];
}

void
block_columns_free(block_columns *bc)
{
	for (int i = 0; i < KF_NUM_COLUMNS; i++)
	{
		free(bc->stored_ints[i]);
		free(bc->stored_addrs[i]);
		free(bc->stored_codes[i]);
	}
	for (int i = 0; i < KF_E_NUM_COLUMNS; i++)
		free(bc->derived_ints[i]);
	free(bc->device_codes);
	free(bc->protocol_codes);
}
