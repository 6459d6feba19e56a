/*
 * agg_distinct.c -- hash sets of distinct values.  Sets start at 8 slots because most groups of a
 * GROUP BY see few distinct values; they double at 3/4 load.
 */
#include "engine/agg_distinct.h"

#define MIN_BITS 3

/* Puts a value known to be absent (and nonzero) into a set with room for it. */
static void
insert_new(agg_distinct_set *s, uint32_t words, uint64_t hi, uint64_t lo)
{
	uint64_t	mask = ((uint64_t) 1 << s->bits) - 1;

	for (uint64_t i = agg_hash_slot(agg_distinct_hash(words, hi, lo), s->bits);; i = (i + 1) & mask)
	{
		uint64_t   *slot = &s->slots[i * words];

		if (slot[0] == 0 && (words == 1 || slot[1] == 0))
		{
			slot[0] = lo;
			if (words == 2)
				slot[1] = hi;
			s->count++;
			return;
		}
	}
}

static int
grow(agg_distinct_set *s, uint32_t words, agg_memory *m, kf_error *err)
{
	uint32_t	bits = s->bits ? s->bits + 1 : MIN_BITS;
	size_t		bytes = ((size_t) words * sizeof(uint64_t)) << bits;

	if (bits > 31)
		return kf_error_set(err, "a distinct set holds more than 2^30 values");
	uint64_t   *slots = agg_mem_resize(m, NULL, 0, bytes, err);

	if (slots == NULL)
		return -1;
	agg_distinct_set old = *s;

	s->slots = slots;
	s->bits = bits;
	s->count = 0;
	for (size_t i = 0; old.bits && i < ((size_t) 1 << old.bits); i++)
	{
		const uint64_t *v = &old.slots[i * words];

		if (v[0] != 0 || (words == 2 && v[1] != 0))
			insert_new(s, words, words == 2 ? v[1] : 0, v[0]);
	}
	agg_mem_free(m, old.slots, ((size_t) words * sizeof(uint64_t)) << old.bits);
	return 0;
}

int
agg_distinct_add(agg_distinct_set *s, uint32_t words, uint64_t hi, uint64_t lo, agg_memory *m, kf_error *err)
{
	if (lo == 0 && hi == 0)
	{
		s->has_zero = true;
		return 0;
	}
	uint64_t	mask = ((uint64_t) 1 << s->bits) - 1;

	if (s->bits)
		for (uint64_t i = agg_hash_slot(agg_distinct_hash(words, hi, lo), s->bits);; i = (i + 1) & mask)
		{
			const uint64_t *slot = &s->slots[i * words];

			if (slot[0] == lo && (words == 1 || slot[1] == hi))
				return 0;
			if (slot[0] == 0 && (words == 1 || slot[1] == 0))
				break;
		}
	if ((uint64_t) (s->count + 1) * 4 > (uint64_t) 3 << s->bits && grow(s, words, m, err) != 0)
		return -1;
	insert_new(s, words, hi, lo);
	return 0;
}

int
agg_distinct_merge(agg_distinct_set *into, const agg_distinct_set *from, uint32_t words, agg_memory *m,
				   kf_error *err)
{
	into->has_zero |= from->has_zero;
	for (size_t i = 0; from->bits && i < ((size_t) 1 << from->bits); i++)
	{
		const uint64_t *v = &from->slots[i * words];

		if ((v[0] != 0 || (words == 2 && v[1] != 0)) &&
			agg_distinct_add(into, words, words == 2 ? v[1] : 0, v[0], m, err) != 0)
			return -1;
	}
	return 0;
}

void
agg_distinct_free(agg_distinct_set *s, uint32_t words, agg_memory *m)
{
	if (s->bits)
		agg_mem_free(m, s->slots, ((size_t) words * sizeof(uint64_t)) << s->bits);
	s->slots = NULL;
	s->bits = 0;
	s->count = 0;
}
