/*
 * string_intern.c -- open-addressing hash table of distinct strings (see string_intern.h).
 */
#include <stdlib.h>
#include <string.h>

#include "store/string_intern.h"

static uint64_t
hash_bytes(const char *s, uint32_t len)
{
	uint64_t	h = UINT64_C(0xcbf29ce484222325);	/* FNV-1a */

	for (uint32_t i = 0; i < len; i++)
		h = (h ^ (uint8_t) s[i]) * UINT64_C(0x100000001b3);
	return h;
}

/* Returns the slot holding s, or the empty slot where it belongs. */
static size_t
find_slot(const kf_string_intern *t, const char *s, uint32_t len)
{
	size_t		mask = t->nslots - 1;
	size_t		i = (size_t) hash_bytes(s, len) & mask;

	while (t->slots[i] != 0)
	{
		uint32_t	id = t->slots[i] - 1;

		if (t->lengths[id] == len && memcmp(t->strings[id], s, len) == 0)
			return i;
		i = (i + 1) & mask;
	}
	return i;
}

/* Doubles the slot array (keeping the load factor under 1/2) and re-inserts every id. */
static int
grow_slots(kf_string_intern *t)
{
	size_t		nslots = t->nslots ? t->nslots * 2 : 64;
	uint32_t   *slots = calloc(nslots, sizeof(*slots));

	if (slots == NULL)
		return -1;
	free(t->slots);
	t->slots = slots;
	t->nslots = nslots;
	for (size_t id = 0; id < t->count; id++)
		t->slots[find_slot(t, t->strings[id], t->lengths[id])] = (uint32_t) id + 1;
	return 0;
}

static int
grow_entries(kf_string_intern *t)
{
	size_t		cap = t->cap ? t->cap * 2 : 16;
	char	  **strings = realloc(t->strings, cap * sizeof(*strings));

	if (strings == NULL)
		return -1;
	t->strings = strings;

	uint32_t   *lengths = realloc(t->lengths, cap * sizeof(*lengths));

	if (lengths == NULL)
		return -1;
	t->lengths = lengths;
	t->cap = cap;
	return 0;
}

int
kf_intern(kf_string_intern *t, const char *s, uint32_t len, uint32_t *id)
{
	if ((t->count + 1) * 2 > t->nslots && grow_slots(t) != 0)
		return -1;

	size_t		slot = find_slot(t, s, len);

	if (t->slots[slot] != 0)
	{
		*id = t->slots[slot] - 1;
		return 0;
	}
	if (t->count == t->cap && grow_entries(t) != 0)
		return -1;

	char	   *copy = malloc((size_t) len + 1);

	if (copy == NULL)
		return -1;
	memcpy(copy, s, len);
	copy[len] = '\0';
	t->strings[t->count] = copy;
	t->lengths[t->count] = len;
	t->slots[slot] = (uint32_t) t->count + 1;
	*id = (uint32_t) t->count++;
	return 0;
}

void
kf_intern_reset(kf_string_intern *t)
{
	for (size_t i = 0; i < t->count; i++)
		free(t->strings[i]);
	t->count = 0;
	if (t->slots)
		memset(t->slots, 0, t->nslots * sizeof(*t->slots));
}

void
kf_intern_free(kf_string_intern *t)
{
	kf_intern_reset(t);
	free(t->strings);
	free(t->lengths);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}
