/*
 * agg_hash_table.c -- group lookup and growth of group tables.  The probe loops are specialised
 * for one-word and two-word keys (the common GROUP BY port / GROUP BY address), with a generic
 * loop for packed composite keys.
 */
#include "engine/agg_hash_table.h"

#include <string.h>

#include "engine/agg_hash.h"

#define INITIAL_SLOT_BITS 10
#define INITIAL_GROUPS 256

/* ------------------------------------------------------------------ growth */

/* Resizes one state array from t->capacity to capacity elements (when it exists). */
static int
resize_array(agg_table *t, void **array, size_t elem, uint32_t capacity, kf_error *err)
{
	if (*array == NULL)
		return 0;
	void	   *p = agg_mem_resize(t->memory, *array, elem * t->capacity, elem * capacity, err);

	if (p == NULL)
		return -1;
	*array = p;
	return 0;
}

static int
grow_groups(agg_table *t, uint32_t capacity, kf_error *err)
{
	if (resize_array(t, (void **) &t->keys, sizeof(uint64_t) * t->key_words, capacity, err) != 0)
		return -1;
	for (uint32_t a = 0; a < t->plan->naggs; a++)
	{
		agg_states *s = &t->states[a];

		if (resize_array(t, (void **) &s->counts, sizeof(int64_t), capacity, err) != 0 ||
			resize_array(t, (void **) &s->partials, sizeof(int64_t), capacity, err) != 0 ||
			resize_array(t, (void **) &s->sums, sizeof(__int128), capacity, err) != 0 ||
			resize_array(t, (void **) &s->ints, sizeof(int64_t), capacity, err) != 0 ||
			resize_array(t, (void **) &s->addrs, sizeof(kf_addr), capacity, err) != 0 ||
			resize_array(t, (void **) &s->sets, sizeof(agg_distinct_set), capacity, err) != 0 ||
			resize_array(t, (void **) &s->hlls, sizeof(agg_hll_state), capacity, err) != 0 ||
			resize_array(t, (void **) &s->pcts, sizeof(agg_pct_state), capacity, err) != 0 ||
			resize_array(t, (void **) &s->rates, sizeof(agg_rate_state), capacity, err) != 0)
			return -1;
	}
	t->capacity = capacity;
	return 0;
}

/* Allocates (with one element) the state arrays each aggregate needs; the others stay NULL. */
static int
alloc_states(agg_table *t, kf_error *err)
{
	if ((t->states = agg_mem_resize(t->memory, NULL, 0, sizeof(agg_states) * (t->plan->naggs + 1), err)) == NULL)
		return -1;
	for (uint32_t a = 0; a < t->plan->naggs; a++)
	{
		const agg_item_plan *p = &t->plan->aggs[a];
		agg_states *s = &t->states[a];
		void	  **extra = NULL;
		size_t		elem = 0;

		if (p->func == KF_AGG_SUM)
			extra = (void **) &s->sums, elem = sizeof(__int128);
		else if (p->func == KF_AGG_COUNT_DISTINCT)
			extra = (void **) &s->sets, elem = sizeof(agg_distinct_set);
		else if ((p->func == KF_AGG_MIN || p->func == KF_AGG_MAX) && p->kind == KF_V_ADDR)
			extra = (void **) &s->addrs, elem = sizeof(kf_addr);
		else if (p->func == KF_AGG_MIN || p->func == KF_AGG_MAX)
			extra = (void **) &s->ints, elem = sizeof(int64_t);
		else if (p->func == KF_AGG_HLL)
			extra = (void **) &s->hlls, elem = sizeof(agg_hll_state);
		else if (p->func == KF_AGG_PERCENTILE)
			extra = (void **) &s->pcts, elem = sizeof(agg_pct_state);
		else if (p->func == KF_AGG_PERCENTILE_RATE)
			extra = (void **) &s->rates, elem = sizeof(agg_rate_state);
		/* a SUM needs no count: its column is never NULL (agg_update.c) */
		if ((p->func != KF_AGG_SUM && (s->counts = agg_mem_resize(t->memory, NULL, 0, sizeof(int64_t), err)) == NULL) ||
			(extra && (*extra = agg_mem_resize(t->memory, NULL, 0, elem, err)) == NULL) ||
			(p->func == KF_AGG_SUM && (s->partials = agg_mem_resize(t->memory, NULL, 0, sizeof(int64_t), err)) == NULL))
			return -1;
	}
	return 0;
}

int
agg_table_init(agg_table *t, const agg_plan *plan, agg_memory *memory, kf_error *err)
{
	memset(t, 0, sizeof(*t));
	t->plan = plan;
	t->memory = memory;
	agg_key_layout_build(plan, &t->layout);
	t->key_words = t->layout.words;
	t->capacity = 1;
	if ((t->keys = agg_mem_resize(memory, NULL, 0, sizeof(uint64_t) * (t->key_words ? t->key_words : 1), err)) == NULL ||
		alloc_states(t, err) != 0)
		return -1;
	if (t->key_words == 0)
	{
		t->ngroups = 1;			/* the grand total */
		return 0;
	}
	if (grow_groups(t, INITIAL_GROUPS, err) != 0 ||
		(t->slots = agg_mem_resize(memory, NULL, 0, sizeof(uint64_t) << INITIAL_SLOT_BITS, err)) == NULL)
		return -1;
	t->slot_bits = INITIAL_SLOT_BITS;
	return 0;
}

void
agg_table_free(agg_table *t)
{
	agg_memory *m = t->memory;

	if (m == NULL)
		return;
	for (uint32_t a = 0; t->states && a < t->plan->naggs; a++)
	{
		agg_states *s = &t->states[a];

		for (uint32_t g = 0; s->sets && g < t->ngroups; g++)
			agg_distinct_free(&s->sets[g], m);
		agg_sketch_states_free(s, t->plan->aggs[a].hll_precision, t->ngroups, t->capacity, m);
		agg_mem_free(m, s->counts, sizeof(int64_t) * t->capacity);
		agg_mem_free(m, s->partials, sizeof(int64_t) * t->capacity);
		agg_mem_free(m, s->sums, sizeof(__int128) * t->capacity);
		agg_mem_free(m, s->ints, sizeof(int64_t) * t->capacity);
		agg_mem_free(m, s->addrs, sizeof(kf_addr) * t->capacity);
		agg_mem_free(m, s->sets, sizeof(agg_distinct_set) * t->capacity);
	}
	if (t->states)
		agg_mem_free(m, t->states, sizeof(agg_states) * (t->plan->naggs + 1));
	agg_mem_free(m, t->keys, sizeof(uint64_t) * (t->key_words ? t->key_words : 1) * t->capacity);
	agg_mem_free(m, t->slots, sizeof(uint64_t) << t->slot_bits);
	agg_mem_free(m, t->direct, sizeof(int32_t) * AGG_DIRECT_RANGE);
	memset(t, 0, sizeof(*t));
}

/* ------------------------------------------------------------------ lookup */

#define PREFETCH_DISTANCE 16
#define SLOT_GROUP_MASK UINT64_C(0xffffffff)

/*
 * The mixed hash of a key.  Its top 32 bits are the slot's tag and its top slot_bits bits the home
 * slot, so a slot holds everything a rehash needs and probing rejects almost every other key
 * without reading the key array.
 */
static inline uint64_t
key_hash(const uint64_t *key, uint32_t words)
{
	uint64_t	h = 0;

	for (uint32_t w = 0; w < words; w++)
		h = agg_hash_word(h, key[w]);
	return h * UINT64_C(0xbf58476d1ce4e5b9);
}

static inline uint64_t
home_slot(uint64_t hash, uint32_t bits)
{
	return hash >> (64 - bits);
}

static inline bool
key_equal(const uint64_t *a, const uint64_t *b, uint32_t words)
{
	uint64_t	diff = 0;

	for (uint32_t w = 0; w < words; w++)
		diff |= a[w] ^ b[w];
	return diff == 0;
}

/* Moves every slot into a fresh array of 1 << bits slots; the tags say where each one goes. */
static int
rehash(agg_table *t, uint32_t bits, kf_error *err)
{
	uint64_t   *slots = agg_mem_resize(t->memory, NULL, 0, sizeof(uint64_t) << bits, err);

	if (slots == NULL)
		return -1;
	uint64_t	mask = ((uint64_t) 1 << bits) - 1;

	for (uint64_t old = 0; old < ((uint64_t) 1 << t->slot_bits); old++)
	{
		uint64_t	s = t->slots[old];

		if (s == 0)
			continue;
		uint64_t	i = home_slot(s, bits);

		while (slots[i] != 0)
			i = (i + 1) & mask;
		slots[i] = s;
	}
	agg_mem_free(t->memory, t->slots, sizeof(uint64_t) << t->slot_bits);
	t->slots = slots;
	t->slot_bits = bits;
	return 0;
}

/*
 * Slots are at most 3/4 full: with tags, a longer probe mostly stays in its cache line, and fewer
 * slots mean fewer pages to fault in and less to move on a rehash (measured: 0.83-0.92x the CPU
 * time of at most 1/2 full on GROUP BY two addresses, bench/agg_micro.c).
 */
static bool
over_full(uint64_t groups, uint32_t bits)
{
	return groups * 4 > (uint64_t) 3 << bits;
}

/* Slot bits that hold groups groups without a rehash. */
static uint32_t
slot_bits_for(uint64_t groups)
{
	uint32_t	bits = INITIAL_SLOT_BITS;

	while (over_full(groups, bits))
		bits++;
	return bits;
}

int
agg_table_reserve(agg_table *t, uint64_t groups, kf_error *err)
{
	if (t->key_words == 0 || groups <= t->capacity)
		return 0;
	if (groups > AGG_MAX_GROUPS)
		groups = AGG_MAX_GROUPS;
	uint32_t	bits = slot_bits_for(groups);

	if (grow_groups(t, (uint32_t) groups, err) != 0)
		return -1;
	return bits > t->slot_bits ? rehash(t, bits, err) : 0;
}

/* Appends a new group with this key (and hash) into empty slot i; returns its number or -1. */
static int64_t
add_group(agg_table *t, const uint64_t *key, uint64_t hash, uint64_t slot, kf_error *err)
{
	if (t->ngroups == t->capacity)
	{
		if (t->capacity >= AGG_MAX_GROUPS)
			return kf_error_set(err, "a group table holds more than 2^30 groups");
		if (grow_groups(t, t->capacity * 2, err) != 0)
			return -1;
	}
	uint32_t	g = t->ngroups++;

	memcpy(&t->keys[(size_t) g * t->key_words], key, sizeof(uint64_t) * t->key_words);
	t->slots[slot] = (hash & ~SLOT_GROUP_MASK) | ((uint64_t) g + 1);
	if (over_full(t->ngroups, t->slot_bits) && rehash(t, t->slot_bits + 1, err) != 0)
		return -1;
	return g;
}

/* The group of key (with hash), added when new; words is a constant in the specialised callers. */
static inline int64_t
find_one(agg_table *t, const uint64_t *key, uint64_t hash, uint32_t words, kf_error *err)
{
	uint64_t	mask = ((uint64_t) 1 << t->slot_bits) - 1;
	uint64_t	tag = hash & ~SLOT_GROUP_MASK;

	for (uint64_t i = home_slot(hash, t->slot_bits);; i = (i + 1) & mask)
	{
		uint64_t	s = t->slots[i];

		if (s == 0)
			return add_group(t, key, hash, i, err);
		if ((s & ~SLOT_GROUP_MASK) == tag &&
			key_equal(&t->keys[((s & SLOT_GROUP_MASK) - 1) * words], key, words))
			return (int64_t) (s & SLOT_GROUP_MASK) - 1;
	}
}

/* One-word keys: the direct array for small values, the hash table for the rest. */
static int
find_one_word(agg_table *t, const uint64_t *keys, uint32_t n, uint32_t *groups, kf_error *err)
{
	for (uint32_t k = 0; k < n; k++)
	{
		uint64_t	v = keys[k];

		if (v < AGG_DIRECT_RANGE && t->direct && t->direct[v] >= 0)
		{
			groups[k] = (uint32_t) t->direct[v];
			continue;
		}
		if (k > 0 && v == keys[k - 1])	/* runs of equal keys: time buckets of sorted rows */
		{
			groups[k] = groups[k - 1];
			continue;
		}
		int64_t		g = find_one(t, &keys[k], key_hash(&keys[k], 1), 1, err);

		if (g < 0)
			return -1;
		groups[k] = (uint32_t) g;
		if (v < AGG_DIRECT_RANGE)
		{
			if (t->direct == NULL)
			{
				if ((t->direct = agg_mem_resize(t->memory, NULL, 0, sizeof(int32_t) * AGG_DIRECT_RANGE, err)) == NULL)
					return -1;
				memset(t->direct, 0xff, sizeof(int32_t) * AGG_DIRECT_RANGE);
			}
			t->direct[v] = (int32_t) g;
		}
	}
	return 0;
}

void
agg_table_hash_keys(const agg_table *t, const uint64_t *keys, uint32_t n, uint64_t *hashes)
{
	uint32_t	words = t->key_words;

	if (words == 2)				/* GROUP BY two IPv4 addresses, or an address and a port */
		for (uint32_t k = 0; k < n; k++)
			hashes[k] = key_hash(&keys[(size_t) k * 2], 2);
	else
		for (uint32_t k = 0; k < n; k++)
			hashes[k] = key_hash(&keys[(size_t) k * words], words);
}

/*
 * Wider keys, hashed beforehand: probe with the slot of a row a few ahead already on its way into
 * the cache, which hides most misses of a table larger than the caches.
 */
static inline int
find_prefetched(agg_table *t, const uint64_t *keys, const uint64_t *hashes, uint32_t n, uint32_t *groups,
				uint32_t words, kf_error *err)
{
	for (uint32_t k = 0; k < n; k++)
	{
		if (k + PREFETCH_DISTANCE < n)
			__builtin_prefetch(&t->slots[home_slot(hashes[k + PREFETCH_DISTANCE], t->slot_bits)]);
		int64_t		g = find_one(t, &keys[(size_t) k * words], hashes[k], words, err);

		if (g < 0)
			return -1;
		groups[k] = (uint32_t) g;
	}
	return 0;
}

int
agg_table_find(agg_table *t, const uint64_t *keys, const uint64_t *hashes, uint32_t n, uint32_t *groups,
			   kf_error *err)
{
	switch (t->key_words)
	{
		case 0:
			memset(groups, 0, sizeof(uint32_t) * n);
			return 0;
		case 1:
			return find_one_word(t, keys, n, groups, err);
		case 2:
			return find_prefetched(t, keys, hashes, n, groups, 2, err);
		default:
			return find_prefetched(t, keys, hashes, n, groups, t->key_words, err);
	}
}
