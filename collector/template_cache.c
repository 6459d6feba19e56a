/*
 * template_cache.c -- hash table of templates and announced sampling rates (see template_cache.h).
 *
 * One chained hash table holds both kinds of entry: templates under their id (>= 256) and the
 * sampling interval of an exporter's domain under template id 0, which no template can have.
 * A small open-addressed table counts templates per exporter to enforce the per-exporter limit.
 * Samplers and interface descriptions from options data live in a second chained table of the
 * same shape, keyed by (exporter, version, domain, kind, id), with their own limits.
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

typedef enum option_kind
{
	OPTION_SAMPLER,
	OPTION_INTERFACE
} option_kind;

typedef struct option_key
{
	kf_addr		exporter;
	uint64_t	id;				/* sampler id or ifIndex */
	uint32_t	domain;
	uint8_t		version;
	uint8_t		kind;			/* option_kind */
} option_key;

typedef struct option_entry
{
	option_key	key;
	uint64_t	rate;			/* samplers */
	char	   *description;	/* interfaces; malloc'd */
	struct option_entry *next;
} option_entry;

typedef struct exporter_slot
{
	kf_addr		exporter;
	uint32_t	templates;
	uint32_t	options;		/* option entries */
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
	option_entry **option_buckets;
	size_t		noption_buckets;	/* power of two */
	size_t		option_bytes;	/* sum of option_size() of all option entries */
	kf_options_stats option_stats;
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
	tc->noption_buckets = 256;
	tc->option_buckets = calloc(tc->noption_buckets, sizeof(*tc->option_buckets));
	if (!tc->buckets || !tc->option_buckets)
	{
		kf_template_cache_free(tc);
		return NULL;
	}
	return tc;
}

void
kf_template_cache_free(kf_template_cache *tc)
{
	if (!tc)
		return;
	for (size_t b = 0; tc->buckets && b < tc->nbuckets; b++)
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
	for (size_t b = 0; tc->option_buckets && b < tc->noption_buckets; b++)
	{
		option_entry *e = tc->option_buckets[b];

		while (e)
		{
			option_entry *next = e->next;

			free(e->description);
			free(e);
			e = next;
		}
	}
	free(tc->buckets);
	free(tc->option_buckets);
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

/* ------------------------------------------------------------------ samplers and interfaces */

static uint64_t
hash_option_key(const option_key *k)
{
	uint64_t	rest = ((uint64_t) k->domain << 16) | ((uint64_t) k->version << 8) | k->kind;

	return mix64(hash_addr(k->exporter) ^ mix64(k->id) ^ rest);
}

static bool
option_key_equal(const option_key *a, const option_key *b)
{
	return a->id == b->id && a->domain == b->domain && a->version == b->version && a->kind == b->kind &&
		kf_addr_cmp(a->exporter, b->exporter) == 0;
}

static option_key
make_option_key(kf_addr exporter, uint8_t version, uint32_t domain, option_kind kind, uint64_t id)
{
	option_key	k;

	memset(&k, 0, sizeof(k));
	k.exporter = exporter;
	k.version = version;
	k.domain = domain;
	k.kind = (uint8_t) kind;
	k.id = id;
	return k;
}

static option_entry **
find_option_link(const kf_template_cache *tc, const option_key *key)
{
	option_entry **link = &tc->option_buckets[hash_option_key(key) & (tc->noption_buckets - 1)];

	while (*link && !option_key_equal(&(*link)->key, key))
		link = &(*link)->next;
	return link;
}

/* Doubles the option buckets when chains get long; on allocation failure keeps the old ones. */
static void
maybe_grow_options(kf_template_cache *tc)
{
	size_t		count = tc->option_stats.samplers + tc->option_stats.interfaces;

	if (count < tc->noption_buckets * 2)
		return;
	size_t		nbuckets = tc->noption_buckets * 2;
	option_entry **buckets = calloc(nbuckets, sizeof(*buckets));

	if (!buckets)
		return;
	for (size_t b = 0; b < tc->noption_buckets; b++)
	{
		option_entry *e = tc->option_buckets[b];

		while (e)
		{
			option_entry *next = e->next;
			size_t		nb = hash_option_key(&e->key) & (nbuckets - 1);

			e->next = buckets[nb];
			buckets[nb] = e;
			e = next;
		}
	}
	free(tc->option_buckets);
	tc->option_buckets = buckets;
	tc->noption_buckets = nbuckets;
}

static size_t
option_size(size_t description_len)
{
	return sizeof(option_entry) + (description_len ? description_len + 1 : 0);
}

/*
 * The entry for key, created (and counted against the limits for extra_bytes of description) when
 * missing; NULL when the exporter has no templates, a limit refuses it or memory runs out.
 */
static option_entry *
option_entry_for(kf_template_cache *tc, const option_key *key, size_t extra_bytes)
{
	option_entry **link = find_option_link(tc, key);

	if (*link)
		return *link;
	exporter_slot *slot = exporter_slot_for(tc, key->exporter, false);

	if (!slot || slot->options >= KF_OPTION_ENTRIES_PER_EXPORTER ||
		tc->option_bytes + option_size(extra_bytes) > KF_OPTION_MAX_BYTES)
	{
		tc->option_stats.refused++;
		return NULL;
	}
	option_entry *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->key = *key;
	*link = e;
	tc->option_bytes += option_size(0);
	slot->options++;
	if (key->kind == OPTION_SAMPLER)
		tc->option_stats.samplers++;
	else
		tc->option_stats.interfaces++;
	maybe_grow_options(tc);
	return e;
}

void
kf_template_cache_set_sampler(kf_template_cache *tc, kf_addr exporter, uint8_t version, uint32_t domain,
							  uint64_t sampler_id, uint64_t rate)
{
	if (rate == 0)
		return;
	option_key	key = make_option_key(exporter, version, domain, OPTION_SAMPLER, sampler_id);
	option_entry *e = option_entry_for(tc, &key, 0);

	if (e && e->rate != rate)
	{
		e->rate = rate;
		tc->generation++;
	}
}

uint64_t
kf_template_cache_sampler(const kf_template_cache *tc, kf_addr exporter, uint8_t version, uint32_t domain,
						  uint64_t sampler_id)
{
	option_key	key = make_option_key(exporter, version, domain, OPTION_SAMPLER, sampler_id);
	const option_entry *e = *find_option_link(tc, &key);

	return e ? e->rate : 0;
}

void
kf_template_cache_note_unknown_sampler(kf_template_cache *tc)
{
	tc->option_stats.unknown_sampler_flows++;
}

/* Length of the valid UTF-8 sequence of 2 to 4 bytes at p (left bytes remain), 0 when there is
 * none: the ranges PostgreSQL accepts (no overlong forms, no surrogates, nothing above U+10FFFF). */
static size_t
utf8_sequence_length(const uint8_t *p, size_t left)
{
	size_t		n;
	uint8_t		lo = 0x80,
				hi = 0xbf;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
	{
		n = 3;
		if (p[0] == 0xe0)
			lo = 0xa0;
		else if (p[0] == 0xed)
			hi = 0x9f;
	}
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
	{
		n = 4;
		if (p[0] == 0xf0)
			lo = 0x90;
		else if (p[0] == 0xf4)
			hi = 0x8f;
	}
	else
		return 0;
	if (left < n || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

/* Copies an exporter's description text into out (KF_OPTION_DESCRIPTION_MAX + 1 bytes) as
 * kf_template_cache_set_interface describes; returns its length. */
static size_t
clean_description(const uint8_t *text, size_t len, char *out)
{
	size_t		n = 0;

	for (size_t i = 0; i < len && text[i] != 0;)
	{
		size_t		seq = text[i] >= 0x20 && text[i] < 0x7f ? 1 : utf8_sequence_length(text + i, len - i);
		size_t		take = seq ? seq : 1;

		if (n + take > KF_OPTION_DESCRIPTION_MAX)
			break;
		if (seq)
			memcpy(out + n, text + i, seq);
		else
			out[n] = '?';
		n += take;
		i += seq ? seq : 1;
	}
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
	return n;
}

void
kf_template_cache_set_interface(kf_template_cache *tc, kf_addr exporter, uint8_t version, uint32_t domain,
								uint32_t ifindex, const uint8_t *text, size_t len)
{
	char		clean[KF_OPTION_DESCRIPTION_MAX + 1];
	size_t		n = clean_description(text, len, clean);

	if (n == 0)
		return;
	option_key	key = make_option_key(exporter, version, domain, OPTION_INTERFACE, ifindex);
	option_entry *e = option_entry_for(tc, &key, n);

	if (!e || (e->description && strcmp(e->description, clean) == 0))
		return;
	size_t		old = e->description ? strlen(e->description) : 0;

	if (tc->option_bytes - option_size(old) + option_size(n) > KF_OPTION_MAX_BYTES)
	{
		tc->option_stats.refused++;
		return;
	}
	char	   *copy = strdup(clean);

	if (!copy)
		return;
	free(e->description);
	e->description = copy;
	tc->option_bytes += option_size(n) - option_size(old);
	tc->generation++;
}

const char *
kf_template_cache_interface(const kf_template_cache *tc, kf_addr exporter, uint8_t version, uint32_t domain,
							uint32_t ifindex)
{
	if (tc->option_stats.interfaces == 0)
		return NULL;
	option_key	key = make_option_key(exporter, version, domain, OPTION_INTERFACE, ifindex);
	const option_entry *e = *find_option_link(tc, &key);

	return e ? e->description : NULL;
}

void
kf_template_cache_foreach_option(const kf_template_cache *tc, kf_option_visit_fn fn, void *arg)
{
	for (size_t b = 0; b < tc->noption_buckets; b++)
		for (const option_entry *e = tc->option_buckets[b]; e; e = e->next)
		{
			const option_key *k = &e->key;

			/* an interface whose description could not be copied has nothing to save */
			if (k->kind == OPTION_SAMPLER && e->rate > 0)
				fn(arg, k->exporter, k->version, k->domain, k->id, e->rate, NULL);
			else if (k->kind == OPTION_INTERFACE && e->description)
				fn(arg, k->exporter, k->version, k->domain, k->id, 0, e->description);
		}
}

const kf_options_stats *
kf_template_cache_options_stats(const kf_template_cache *tc)
{
	return &tc->option_stats;
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
