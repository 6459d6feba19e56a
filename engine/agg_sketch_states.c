/*
 * agg_sketch_states.c -- growth, merging, results and freeing of the f_hll, f_percentile and
 * f_percentile_rate per-group states (engine/agg_sketch_states.h).
 */
#include "engine/agg_sketch_states.h"

#include <string.h>

#include "engine/agg_hash_table.h"
#include "engine/percentile.h"

#define HLL_SPARSE_MIN_BITS 3
#define PCT_MIN_CAPACITY 4
#define RATE_MIN_BITS 2

/* ------------------------------------------------------------------ HLL */

static inline uint32_t
sparse_entry(uint32_t index, uint8_t rank)
{
	return index << 8 | rank;
}

/* Puts (index, rank) into a sparse table with room, keeping the larger rank of an index. */
static void
sparse_put(uint32_t *slots, uint8_t bits, uint32_t *count, uint32_t index, uint8_t rank)
{
	uint32_t	mask = ((uint32_t) 1 << bits) - 1;

	/* the index is the top bits of a well-mixed hash, so its low bits spread the slots evenly */
	for (uint32_t i = index & mask;; i = (i + 1) & mask)
	{
		if (slots[i] == 0)
		{
			slots[i] = sparse_entry(index, rank);
			(*count)++;
			return;
		}
		if (slots[i] >> 8 == index)
		{
			if ((slots[i] & 0xff) < rank)
				slots[i] = sparse_entry(index, rank);
			return;
		}
	}
}

/* Replaces the sparse table by the dense registers it stands for. */
static int
make_dense(agg_hll_state *s, int precision, agg_memory *m, kf_error *err)
{
	uint8_t    *dense = agg_mem_resize(m, NULL, 0, (size_t) 1 << precision, err);

	if (dense == NULL)
		return -1;
	for (uint32_t i = 0; s->sparse && i < ((uint32_t) 1 << s->sparse_bits); i++)
		if (s->sparse[i] != 0)
			dense[s->sparse[i] >> 8] = (uint8_t) (s->sparse[i] & 0xff);
	agg_mem_free(m, s->sparse, sizeof(uint32_t) << s->sparse_bits);
	s->sparse = NULL;
	s->sparse_bits = 0;
	s->nsparse = 0;
	s->dense = dense;
	return 0;
}

/*
 * Doubles the sparse table (at 3/4 load), or goes dense when the doubled table would take as
 * many bytes as the registers.
 */
static int
grow_sparse(agg_hll_state *s, int precision, agg_memory *m, kf_error *err)
{
	uint8_t		bits = s->sparse ? (uint8_t) (s->sparse_bits + 1) : HLL_SPARSE_MIN_BITS;

	if ((sizeof(uint32_t) << bits) >= ((size_t) 1 << precision))
		return make_dense(s, precision, m, err);
	uint32_t   *slots = agg_mem_resize(m, NULL, 0, sizeof(uint32_t) << bits, err);

	if (slots == NULL)
		return -1;
	uint32_t	count = 0;

	for (uint32_t i = 0; s->sparse && i < ((uint32_t) 1 << s->sparse_bits); i++)
		if (s->sparse[i] != 0)
			sparse_put(slots, bits, &count, s->sparse[i] >> 8, (uint8_t) (s->sparse[i] & 0xff));
	agg_mem_free(m, s->sparse, s->sparse ? sizeof(uint32_t) << s->sparse_bits : 0);
	s->sparse = slots;
	s->sparse_bits = bits;
	s->nsparse = count;
	return 0;
}

int
agg_hll_put(agg_hll_state *s, int precision, uint32_t index, uint8_t rank, agg_memory *m, kf_error *err)
{
	if (s->dense == NULL && (s->sparse == NULL || (uint64_t) (s->nsparse + 1) * 4 > (uint64_t) 3 << s->sparse_bits) &&
		grow_sparse(s, precision, m, err) != 0)
		return -1;
	if (s->dense)
	{
		if (s->dense[index] < rank)
			s->dense[index] = rank;
		return 0;
	}
	sparse_put(s->sparse, s->sparse_bits, &s->nsparse, index, rank);
	return 0;
}

int
agg_hll_merge(agg_hll_state *into, const agg_hll_state *from, int precision, agg_memory *m, kf_error *err)
{
	if (from->dense)
	{
		if (into->dense == NULL && make_dense(into, precision, m, err) != 0)
			return -1;
		for (uint32_t i = 0; i < ((uint32_t) 1 << precision); i++)
			if (into->dense[i] < from->dense[i])
				into->dense[i] = from->dense[i];
		return 0;
	}
	for (uint32_t i = 0; from->sparse && i < ((uint32_t) 1 << from->sparse_bits); i++)
		if (from->sparse[i] != 0 &&
			agg_hll_put(into, precision, from->sparse[i] >> 8, (uint8_t) (from->sparse[i] & 0xff), m, err) != 0)
			return -1;
	return 0;
}

int64_t
agg_hll_result(agg_hll_state *s, int precision)
{
	if (s->finished)
		return s->estimate;
	if (s->dense)
		s->estimate = (int64_t) kf_hll_estimate(s->dense, precision);
	else
	{
		/* the histogram of the dense registers this table stands for: absent registers are 0 */
		uint32_t	histogram[KF_HLL_HISTOGRAM_SIZE] = {0};

		histogram[0] = ((uint32_t) 1 << precision) - s->nsparse;
		for (uint32_t i = 0; s->sparse && i < ((uint32_t) 1 << s->sparse_bits); i++)
			if (s->sparse[i] != 0)
				histogram[s->sparse[i] & 0xff]++;
		s->estimate = (int64_t) kf_hll_estimate_histogram(histogram, precision);
	}
	s->finished = true;
	return s->estimate;
}

void
agg_hll_free(agg_hll_state *s, int precision, agg_memory *m)
{
	agg_mem_free(m, s->sparse, s->sparse ? sizeof(uint32_t) << s->sparse_bits : 0);
	agg_mem_free(m, s->dense, (size_t) 1 << precision);
	memset(s, 0, sizeof(*s));
}

/* ------------------------------------------------------------------ percentile */

int
agg_pct_grow(agg_pct_state *s, uint64_t needed, agg_memory *m, kf_error *err)
{
	if (needed > UINT32_MAX)
		return kf_error_set(err, "a percentile group holds more than %u values", UINT32_MAX);
	uint64_t	capacity = s->capacity ? s->capacity : PCT_MIN_CAPACITY;

	while (capacity < needed)
		capacity *= 2;
	if (capacity > UINT32_MAX)
		capacity = UINT32_MAX;
	int64_t    *values = agg_mem_resize(m, s->values, sizeof(int64_t) * s->capacity, sizeof(int64_t) * capacity, err);

	if (values == NULL)
		return -1;
	s->values = values;
	s->capacity = (uint32_t) capacity;
	return 0;
}

int
agg_pct_merge(agg_pct_state *into, const agg_pct_state *from, agg_memory *m, kf_error *err)
{
	if (from->count == 0)
		return 0;
	uint64_t	needed = (uint64_t) into->count + from->count;

	if (needed > into->capacity && agg_pct_grow(into, needed, m, err) != 0)
		return -1;
	memcpy(into->values + into->count, from->values, sizeof(int64_t) * from->count);
	into->count = (uint32_t) needed;
	return 0;
}

bool
agg_pct_result(agg_pct_state *s, double rank, int64_t *out)
{
	if (!s->finished && s->count > 0)
		s->result = kf_percentile_select_int(s->values, s->count, rank);
	s->finished = true;
	*out = s->result;
	return s->count > 0;
}

void
agg_pct_free(agg_pct_state *s, agg_memory *m)
{
	agg_mem_free(m, s->values, sizeof(int64_t) * s->capacity);
	memset(s, 0, sizeof(*s));
}

/* ------------------------------------------------------------------ percentile rate */

/* Bytes of a rate table of 1 << bits slots: a sum, a slice number and a used flag each. */
static size_t
rate_bytes(uint8_t bits)
{
	return (sizeof(__int128) + sizeof(int64_t) + 1) << bits;
}

static int64_t *
rate_slices(__int128 *sums, uint8_t bits)
{
	return (int64_t *) (sums + ((size_t) 1 << bits));
}

static uint8_t *
rate_used(__int128 *sums, uint8_t bits)
{
	return (uint8_t *) (rate_slices(sums, bits) + ((size_t) 1 << bits));
}

/* Adds value to slice in a table with room; returns the slot. */
static uint32_t
rate_put(__int128 *sums, uint8_t bits, uint32_t *count, int64_t slice, __int128 value)
{
	int64_t    *slices = rate_slices(sums, bits);
	uint8_t    *used = rate_used(sums, bits);
	uint32_t	mask = ((uint32_t) 1 << bits) - 1;

	for (uint32_t i = agg_rate_home(slice, bits);; i = (i + 1) & mask)
	{
		if (!used[i])
		{
			used[i] = 1;
			slices[i] = slice;
			sums[i] = value;
			(*count)++;
			return i;
		}
		if (slices[i] == slice)
		{
			sums[i] += value;
			return i;
		}
	}
}

/* Doubles the table (at 3/4 load), or creates it for a group's second slice. */
static int
rate_grow(agg_rate_state *s, agg_memory *m, kf_error *err)
{
	uint8_t		bits = s->sums ? (uint8_t) (s->bits + 1) : RATE_MIN_BITS;

	if (bits > 31)
		return kf_error_set(err, "a percentile rate group holds more than 2^30 slices");
	__int128   *sums = agg_mem_resize(m, NULL, 0, rate_bytes(bits), err);

	if (sums == NULL)
		return -1;
	uint32_t	count = 0;

	if (s->sums)
	{
		const int64_t *slices = rate_slices(s->sums, s->bits);
		const uint8_t *used = rate_used(s->sums, s->bits);

		for (uint32_t i = 0; i < ((uint32_t) 1 << s->bits); i++)
			if (used[i])
				rate_put(sums, bits, &count, slices[i], s->sums[i]);
		agg_mem_free(m, s->sums, rate_bytes(s->bits));
	}
	else if (s->count == 1)
		rate_put(sums, bits, &count, s->first, s->value);
	s->sums = sums;
	s->bits = bits;
	s->count = count;
	s->hint = 0;
	return 0;
}

int
agg_rate_add(agg_rate_state *s, int64_t slice, __int128 value, agg_memory *m, kf_error *err)
{
	if (s->sums == NULL)
	{
		if (s->count == 0)
		{
			s->first = s->last = slice;
			s->value = value;
			s->count = 1;
			return 0;
		}
		if (slice == s->first)
		{
			s->value += value;
			return 0;
		}
	}
	else if (rate_used(s->sums, s->bits)[s->hint] && rate_slices(s->sums, s->bits)[s->hint] == slice)
	{
		s->sums[s->hint] += value;
		return 0;
	}
	if ((s->sums == NULL || (uint64_t) (s->count + 1) * 4 > (uint64_t) 3 << s->bits) && rate_grow(s, m, err) != 0)
		return -1;
	if (slice < s->first)
		s->first = slice;
	else if (slice > s->last)
		s->last = slice;
	s->hint = rate_put(s->sums, s->bits, &s->count, slice, value);
	return 0;
}

int
agg_rate_merge(agg_rate_state *into, const agg_rate_state *from, agg_memory *m, kf_error *err)
{
	if (from->sums == NULL)
		return from->count == 0 ? 0 : agg_rate_add(into, from->first, from->value, m, err);

	const int64_t *slices = rate_slices(from->sums, from->bits);
	const uint8_t *used = rate_used(from->sums, from->bits);

	for (uint32_t i = 0; i < ((uint32_t) 1 << from->bits); i++)
		if (used[i] && agg_rate_add(into, slices[i], from->sums[i], m, err) != 0)
			return -1;
	return 0;
}

bool
agg_rate_result(agg_rate_state *s, double rank, __int128 *out)
{
	if (!s->finished && s->sums)
	{
		const uint8_t *used = rate_used(s->sums, s->bits);
		uint32_t	n = 0;

		/* the present sums to the front (n <= i, so nothing is overwritten before it is read) */
		for (uint32_t i = 0; i < ((uint32_t) 1 << s->bits); i++)
			if (used[i])
				s->sums[n++] = s->sums[i];
		/* wraps to 0 only if every int64 is a slice, which the table size rules out */
		uint64_t	total = (uint64_t) s->last - (uint64_t) s->first + 1;

		s->value = kf_percentile_select_slices(s->sums, n, total, rank);
	}
	/* a single slice (or none) is its own percentile: s->value already holds it */
	s->finished = true;
	*out = s->value;
	return s->count > 0;
}

void
agg_rate_free(agg_rate_state *s, agg_memory *m)
{
	agg_mem_free(m, s->sums, s->sums ? rate_bytes(s->bits) : 0);
	memset(s, 0, sizeof(*s));
}

/* ------------------------------------------------------------------ a table's arrays */

void
agg_sketch_states_free(struct agg_states *s, int precision, uint32_t ngroups, uint32_t capacity, agg_memory *m)
{
	for (uint32_t g = 0; g < ngroups; g++)
	{
		if (s->hlls)
			agg_hll_free(&s->hlls[g], precision, m);
		if (s->pcts)
			agg_pct_free(&s->pcts[g], m);
		if (s->rates)
			agg_rate_free(&s->rates[g], m);
	}
	agg_mem_free(m, s->hlls, sizeof(agg_hll_state) * capacity);
	agg_mem_free(m, s->pcts, sizeof(agg_pct_state) * capacity);
	agg_mem_free(m, s->rates, sizeof(agg_rate_state) * capacity);
}
