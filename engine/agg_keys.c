/*
 * agg_keys.c -- group keys of selected rows: integer buckets (truncating like PostgreSQL int8
 * division, or flooring from an origin like date_bin), address prefixes with the ipv4_* NULLs,
 * and strings as query-wide ids taken from the block's dictionary.
 */
#include "engine/agg_keys.h"

/* The bucket of v for an INT_*_BUCKET or COLUMN key; false when it does not fit in 64 bits. */
static bool
int_key(const kf_group_key *key, int64_t v, int64_t *bucket)
{
	if (key->kind == KF_KEY_INT_TRUNC_BUCKET)
	{
		*bucket = v / key->width * key->width;	/* |result| <= |v|: cannot overflow */
		return true;
	}
	if (key->kind != KF_KEY_INT_FLOOR_BUCKET)
	{
		*bucket = v;
		return true;
	}
	__int128	d = (__int128) v - key->origin;
	__int128	q = d / key->width;

	if (d % key->width < 0)
		q--;
	__int128	r = (__int128) key->origin + q * key->width;

	if (r < INT64_MIN || r > INT64_MAX)
		return false;
	*bucket = (int64_t) r;
	return true;
}

static int
int_keys(const agg_key_plan *k, uint32_t stride, block_columns *bc, const uint32_t *sel, uint32_t n,
		 uint64_t *out, kf_error *err)
{
	const int64_t *v = block_ints(bc, k->key.col, err);

	if (v == NULL)
		return -1;
	if (k->key.kind == KF_KEY_COLUMN)
	{
		for (uint32_t r = 0; r < n; r++)
			out[(size_t) r * stride] = (uint64_t) v[sel[r]];
		return 0;
	}
	for (uint32_t r = 0; r < n; r++)
	{
		int64_t		bucket;

		if (!int_key(&k->key, v[sel[r]], &bucket))
			return kf_error_set(err, "the bucket of %s = %lld lies outside the 64-bit range",
								kf_ecol_describe(k->key.col)->name, (long long) v[sel[r]]);
		out[(size_t) r * stride] = (uint64_t) bucket;
	}
	return 0;
}

static int
addr_keys(const agg_key_plan *k, bool v4_word, uint32_t stride, block_columns *bc, const uint32_t *sel, uint32_t n,
		  uint64_t *out, kf_error *err)
{
	const kf_addr *a = block_addrs(bc, k->key.col, err);

	if (a == NULL)
		return -1;
	if (v4_word)
	{
		for (uint32_t r = 0; r < n; r++)
		{
			kf_addr		v = a[sel[r]];

			out[(size_t) r * stride] = kf_addr_is_v4(v) ? (uint32_t) (v.lo & k->prefix_mask.lo) : AGG_V4_NULL_WORD;
		}
		return 0;
	}
	for (uint32_t r = 0; r < n; r++)
	{
		kf_addr		v = a[sel[r]];
		uint64_t   *o = &out[(size_t) r * stride];

		if (k->nullable && !kf_addr_is_v4(v))
		{
			o[0] = AGG_NULL_WORD;
			o[1] = AGG_NULL_WORD;
			continue;
		}
		o[0] = v.hi & k->prefix_mask.hi;
		o[1] = v.lo & k->prefix_mask.lo;
	}
	return 0;
}

static int
str_keys(const agg_key_plan *k, uint32_t stride, block_columns *bc, agg_block_strings *bs, const uint32_t *sel,
		 uint32_t n, uint64_t *out, kf_error *err)
{
	const uint32_t *ids;
	const uint32_t *codes = agg_block_string_codes(bs, bc, k->key.col, &ids, err);

	if (codes == NULL)
		return -1;
	for (uint32_t r = 0; r < n; r++)
		out[(size_t) r * stride] = ids[codes[sel[r]]];
	return 0;
}

void
agg_key_layout_build(const agg_plan *plan, agg_key_layout *layout)
{
	uint32_t	word = 0;

	for (uint32_t i = 0; i < plan->nkeys; i++)
	{
		const agg_key_plan *k = &plan->keys[i];

		/* an IPv4 prefix of /0../31 bits would cut into the IPv4-mapped marker */
		layout->v4_word[i] = k->kind == KF_V_ADDR && k->nullable &&
			(k->key.kind != KF_KEY_ADDR_PREFIX || k->key.prefix_len >= 96);
		layout->word[i] = word;
		word += k->kind == KF_V_ADDR && !layout->v4_word[i] ? 2 : 1;
	}
	layout->words = word;
}

int
agg_keys_build(const agg_plan *plan, const agg_key_layout *layout, block_columns *bc, agg_block_strings *bs,
			   const uint32_t *sel, uint32_t n, uint64_t *out, kf_error *err)
{
	for (uint32_t i = 0; i < plan->nkeys; i++)
	{
		const agg_key_plan *k = &plan->keys[i];
		uint64_t   *dst = out + layout->word[i];
		int			rc;

		if (k->kind == KF_V_INT)
			rc = int_keys(k, layout->words, bc, sel, n, dst, err);
		else if (k->kind == KF_V_ADDR)
			rc = addr_keys(k, layout->v4_word[i], layout->words, bc, sel, n, dst, err);
		else
			rc = str_keys(k, layout->words, bc, bs, sel, n, dst, err);
		if (rc != 0)
			return -1;
	}
	return 0;
}
