/*
 * agg_distinct.c -- hash sets of distinct values.  Sets start at 8 slots because most groups of a
 * GROUP BY see few distinct values; they double at 3/4 load.  A lookup that misses inserts into
 * the empty slot it stopped at, so a new value costs one probe sequence.
 */
#include "engine/agg_distinct.h"

#define MIN_BITS 3
#define MERGE_PREFETCH_DISTANCE 16

static size_t
set_bytes(const agg_distinct_set *s, uint32_t bits)
{
	return (sizeof(uint64_t) << s->wide) << bits;
}

static inline bool
slot_empty(const uint64_t *slot, bool wide)
{
	return slot[0] == 0 && (!wide || slot[1] == 0);
}

/* Puts a value known to be absent (and nonzero) into a set with room for it. */
static void
insert_new(agg_distinct_set *s, uint64_t hi, uint64_t lo)
{
	uint64_t	mask = ((uint64_t) 1 << s->bits) - 1;

	for (uint64_t i = agg_hash_slot(agg_distinct_hash(s->wide, hi, lo), s->bits);; i = (i + 1) & mask)
	{
		uint64_t   *slot = &s->slots[i << s->wide];

		if (slot_empty(slot, s->wide))
		{
			slot[0] = lo;
			if (s->wide)
				slot[1] = hi;
			s->count++;
			return;
		}
	}
}

/* Rebuilds the set with 1 << bits slots, two words each when wide. */
static int
rebuild(agg_distinct_set *s, uint32_t bits, bool wide, agg_memory *m, kf_error *err)
{
	if (bits > 31)
		return kf_error_set(err, "a distinct set holds more than 2^30 values");
	agg_distinct_set old = *s;

	s->wide = wide;
	if ((s->slots = agg_mem_resize(m, NULL, 0, set_bytes(s, bits), err)) == NULL)
	{
		*s = old;
		return -1;
	}
	s->bits = bits;
	s->count = 0;
	for (size_t i = 0; old.bits && i < ((size_t) 1 << old.bits); i++)
	{
		const uint64_t *v = &old.slots[i << old.wide];

		if (!slot_empty(v, old.wide))
			insert_new(s, old.wide ? v[1] : 0, v[0]);
	}
	if (old.bits)
		agg_mem_free(m, old.slots, set_bytes(&old, old.bits));
	return 0;
}

/* Grows (or first allocates) the set so that it holds values values under 3/4 load. */
static int
make_room(agg_distinct_set *s, uint64_t values, agg_memory *m, kf_error *err)
{
	uint32_t	bits = s->bits ? s->bits : MIN_BITS;

	while (values * 4 > (uint64_t) 3 << bits)
		bits++;
	return bits == s->bits ? 0 : rebuild(s, bits, s->wide, m, err);
}

/* Known: the value is absent, or zero, or needs a wider set, or the set is empty or full. */
int
agg_distinct_add_slow(agg_distinct_set *s, uint64_t hi, uint64_t lo, agg_memory *m, kf_error *err)
{
	if (lo == 0 && hi == 0)
	{
		s->has_zero = true;
		return 0;
	}
	if (hi != 0 && !s->wide)
	{
		if (rebuild(s, s->bits ? s->bits : MIN_BITS, true, m, err) != 0)
			return -1;
		return agg_distinct_add(s, 2, hi, lo, m, err);
	}
	if (make_room(s, (uint64_t) s->count + 1, m, err) != 0)
		return -1;
	return agg_distinct_add(s, 2, hi, lo, m, err);
}

int
agg_distinct_merge(agg_distinct_set *into, agg_distinct_set *from, agg_memory *m, kf_error *err)
{
	if (from->count > into->count)
	{
		agg_distinct_set smaller = *into;

		*into = *from;
		*from = smaller;
	}
	into->has_zero |= from->has_zero;
	if (from->bits == 0)
		return 0;
	if (from->wide && !into->wide && rebuild(into, into->bits ? into->bits : MIN_BITS, true, m, err) != 0)
		return -1;
	size_t		capacity = (size_t) 1 << from->bits;

	for (size_t i = 0; i < capacity; i++)
	{
		const uint64_t *v = &from->slots[i << from->wide];

		if (i + MERGE_PREFETCH_DISTANCE < capacity)
		{
			const uint64_t *ahead = &from->slots[(i + MERGE_PREFETCH_DISTANCE) << from->wide];

			agg_distinct_prefetch(into, 2, from->wide ? ahead[1] : 0, ahead[0]);
		}
		if (!slot_empty(v, from->wide) && agg_distinct_add(into, 2, from->wide ? v[1] : 0, v[0], m, err) != 0)
			return -1;
	}
	return 0;
}

void
agg_distinct_free(agg_distinct_set *s, agg_memory *m)
{
	if (s->bits)
		agg_mem_free(m, s->slots, set_bytes(s, s->bits));
	s->slots = NULL;
	s->bits = 0;
	s->count = 0;
	s->wide = false;
}
