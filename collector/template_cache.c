/*
 * template_cache.c -- hash table of templates and announced sampling rates (see template_cache.h).
 *
 * One chained hash table holds both kinds of entry: templates under their id (>= 256) and the
 * sampling interval of an exporter's domain under template id 0, which no template can have.
 * A small open-addressed table counts templates per exporter to enforce the per-exporter limit.
 */
#include "collector/template_cache.h"

#include <stdlib.h>
#include <string.h>

#include "collector/flow_fields.h"

#define SAMPLING_ENTRY_ID 0

typedef struct cache_entry
{
	kf_template_key key;
	kf_template *tpl;			/* NULL for a sampling entry */
	uint64_t	sampling;
	struct cache_entry *next;
} cache_entry;

typedef struct exporter_slot
{
	kf_addr		exporter;
	uint32_t	templates;
	bool		used;
} exporter_slot;

struct kf_template_cache
{
	cache_entry **buckets;
	size_t		nbuckets;		/* power of two */
	size_t		nentries;
	size_t		ntemplates;
	size_t		template_bytes; /* sum of template_size() of all templates */
	uint64_t	generation;		/* see kf_template_cache_generation */
	exporter_slot exporters[KF_TEMPLATE_MAX_EXPORTERS];
};

static uint64_t
mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= UINT64_C(0xff51afd7ed558ccd);
	h ^= h >> 33;
	h *= UINT64_C(0xc4ceb9fe1a85ec53);
	h ^= h >> 33;
	return h;
}

static uint64_t
hash_addr(kf_addr a)
{
	return mix64(a.hi ^ mix64(a.lo));
}

static uint64_t
hash_key(const kf_template_key *k)
{
	uint64_t	rest = ((uint64_t) k->domain << 32) | ((uint64_t) k->template_id << 8) | k->version;

	return mix64(hash_addr(k->exporter) ^ rest);
}

static bool
key_equal(const kf_template_key *a, const kf_template_key *b)
{
	return a->domain == b->domain && a->template_id == b->template_id &&
		a->version == b->version && kf_addr_cmp(a->exporter, b->exporter) == 0;
}

kf_template_cache *
kf_template_cache_new(void)
{
	kf_template_cache *tc = calloc(1, sizeof(*tc));

	if (!tc)
		return NULL;
	tc->nbuckets = 1024;
	tc->buckets = calloc(tc->nbuckets, sizeof(*tc->buckets));
	if (!tc->buckets)
	{
		free(tc);
		return NULL;
	}
	return tc;
}

void
kf_template_cache_free(kf_template_cache *tc)
{
	if (!tc)
		return;
	for (size_t b = 0; b < tc->nbuckets; b++)
	{
		cache_entry *e = tc->buckets[b];

		while (e)
		{
			cache_entry *next = e->next;

			free(e->tpl);
			free(e);
			e = next;
		}
	}
	free(tc->buckets);
	free(tc);
}

/* The slot counting this exporter's templates; NULL when the table is full. */
static exporter_slot *
exporter_slot_for(kf_template_cache *tc, kf_addr exporter, bool create)
{
	size_t		i = hash_addr(exporter) % KF_TEMPLATE_MAX_EXPORTERS;

	for (size_t probes = 0; probes < KF_TEMPLATE_MAX_EXPORTERS; probes++)
	{
		exporter_slot *s = &tc->exporters[(i + probes) % KF_TEMPLATE_MAX_EXPORTERS];

		if (s->used && kf_addr_cmp(s->exporter, exporter) == 0)
			return s;
		if (!s->used)
		{
			if (!create)
				return NULL;
			s->used = true;
			s->exporter = exporter;
			return s;
		}
	}
	return NULL;
}

static cache_entry **
find_link(const kf_template_cache *tc, const kf_template_key *key)
{
	cache_entry **link = &tc->buckets[hash_key(key) & (tc->nbuckets - 1)];

	while (*link && !key_equal(&(*link)->key, key))
		link = &(*link)->next;
	return link;
}

/* Doubles the bucket array when chains get long; on allocation failure keeps the old one. */
static void
maybe_grow(kf_template_cache *tc)
{
	if (tc->nentries < tc->nbuckets * 2)
		return;
	size_t		nbuckets = tc->nbuckets * 2;
	cache_entry **buckets = calloc(nbuckets, sizeof(*buckets));

	if (!buckets)
		return;
	for (size_t b = 0; b < tc->nbuckets; b++)
	{
		cache_entry *e = tc->buckets[b];

		while (e)
		{
			cache_entry *next = e->next;
			size_t		nb = hash_key(&e->key) & (nbuckets - 1);

			e->next = buckets[nb];
			buckets[nb] = e;
			e = next;
		}
	}
	free(tc->buckets);
	tc->buckets = buckets;
	tc->nbuckets = nbuckets;
}

static size_t
template_size(uint16_t nfields)
{
	return sizeof(kf_template) + nfields * sizeof(kf_template_field);
}

/* Builds a template with its derived facts (record length, varlen, flow or not). */
static kf_template *
build_template(uint16_t id, const kf_template_field *fields, uint16_t nfields, uint16_t nscope,
			   bool is_options)
{
	kf_template *t = malloc(template_size(nfields));

	if (!t)
		return NULL;
	t->id = id;
	t->nfields = nfields;
	t->nscope = nscope;
	t->is_options = is_options;
	t->has_varlen = false;
	t->is_flow = false;
	t->min_record_len = 0;
	memcpy(t->fields, fields, nfields * sizeof(kf_template_field));
	for (uint16_t i = 0; i < nfields; i++)
	{
		const kf_template_field *f = &fields[i];

		if (f->length == KF_TEMPLATE_VARLEN)
		{
			t->has_varlen = true;
			t->min_record_len += 1;
		}
		else
			t->min_record_len += f->length;
		if (!is_options && f->enterprise == 0 && kf_ie_is_flow_key(f->ie))
			t->is_flow = true;
	}
	return t;
}

/* Whether two templates describe the same record layout. */
static bool
same_template(const kf_template *a, const kf_template *b)
{
	return a->nfields == b->nfields && a->nscope == b->nscope && a->is_options == b->is_options &&
		memcmp(a->fields, b->fields, sizeof(kf_template_field) * a->nfields) == 0;
}

int
kf_template_cache_put(kf_template_cache *tc, const kf_template_key *key,
					  const kf_template_field *fields, uint16_t nfields, uint16_t nscope, bool is_options)
{
	if (key->template_id < KF_TEMPLATE_MIN_DATA_ID || nfields == 0 ||
		nfields > KF_TEMPLATE_MAX_FIELDS || nscope > nfields)
		return -1;
	cache_entry **link = find_link(tc, key);
	exporter_slot *slot = exporter_slot_for(tc, key->exporter, true);

	if (!slot)
		return -1;
	size_t		replaced = *link ? template_size((*link)->tpl->nfields) : 0;

	if (!*link && slot->templates >= KF_TEMPLATES_PER_EXPORTER)
		return -1;
	if (tc->template_bytes - replaced + template_size(nfields) > KF_TEMPLATE_MAX_BYTES)
		return -1;
	kf_template *t = build_template(key->template_id, fields, nfields, nscope, is_options);

	if (!t)
		return -1;
	tc->template_bytes += template_size(nfields) - replaced;
	if (*link)
	{
		if (!same_template((*link)->tpl, t))
			tc->generation++;
		free((*link)->tpl);
		(*link)->tpl = t;
		return 0;
	}
	cache_entry *e = calloc(1, sizeof(*e));

	if (!e)
	{
		free(t);
		return -1;
	}
	e->key = *key;
	e->tpl = t;
	*link = e;
	tc->generation++;
	tc->nentries++;
	tc->ntemplates++;
	slot->templates++;
	maybe_grow(tc);
	return 0;
}

const kf_template *
kf_template_cache_get(const kf_template_cache *tc, const kf_template_key *key)
{
	cache_entry *e = *find_link(tc, key);

	return e ? e->tpl : NULL;
}

void
kf_template_cache_remove(kf_template_cache *tc, const kf_template_key *key)
{
	if (key->template_id < KF_TEMPLATE_MIN_DATA_ID)
		return;
	cache_entry **link = find_link(tc, key);
	cache_entry *e = *link;

	if (!e)
		return;
	*link = e->next;
	tc->generation++;
	tc->template_bytes -= template_size(e->tpl->nfields);
	free(e->tpl);
	free(e);
	tc->nentries--;
	tc->ntemplates--;
	exporter_slot *slot = exporter_slot_for(tc, key->exporter, false);

	if (slot && slot->templates > 0)
		slot->templates--;
}

void
kf_template_cache_set_sampling(kf_template_cache *tc, kf_addr exporter, uint8_t version,
							   uint32_t domain, uint64_t interval)
{
	kf_template_key key = {exporter, domain, SAMPLING_ENTRY_ID, version};
	cache_entry **link = find_link(tc, &key);

	if (*link)
	{
		if ((*link)->sampling != interval)
			tc->generation++;
		(*link)->sampling = interval;
		return;
	}
	/* A sampling entry only exists for exporters that already have templates, so the exporter
	 * table bounds these entries too. */
	exporter_slot *slot = exporter_slot_for(tc, exporter, false);

	if (!slot || slot->templates >= KF_TEMPLATES_PER_EXPORTER)
		return;
	cache_entry *e = calloc(1, sizeof(*e));

	if (!e)
		return;
	e->key = key;
	e->sampling = interval;
	*link = e;
	tc->generation++;
	tc->nentries++;
	slot->templates++;
	maybe_grow(tc);
}

uint64_t
kf_template_cache_sampling(const kf_template_cache *tc, kf_addr exporter, uint8_t version,
						   uint32_t domain)
{
	kf_template_key key = {exporter, domain, SAMPLING_ENTRY_ID, version};
	cache_entry *e = *find_link(tc, &key);

	return e ? e->sampling : 0;
}

size_t
kf_template_cache_count(const kf_template_cache *tc)
{
	return tc->ntemplates;
}

uint64_t
kf_template_cache_generation(const kf_template_cache *tc)
{
	return tc->generation;
}

void
kf_template_cache_foreach(const kf_template_cache *tc, kf_template_visit_fn fn, void *arg)
{
	for (int pass = 0; pass < 2; pass++)
		for (size_t b = 0; b < tc->nbuckets; b++)
			for (const cache_entry *e = tc->buckets[b]; e; e = e->next)
				if ((pass == 0) == (e->tpl != NULL))
					fn(arg, &e->key, e->tpl, e->sampling);
}
