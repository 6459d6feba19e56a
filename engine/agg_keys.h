/*
 * agg_keys.h -- the packed group keys of a block's selected rows, and how they are laid out.
 */
#ifndef KF_AGG_KEYS_H
#define KF_AGG_KEYS_H

#include "engine/agg_plan.h"

/* A NULL IPv4 key in its one-word form; the addresses themselves take the low 32 bits. */
#define AGG_V4_NULL_WORD (UINT64_C(1) << 32)

/*
 * Where each key lives in a packed key.  An INT or a string id takes one word, an address two,
 * except a nullable ipv4_* key whose prefix keeps the IPv4-mapped part (a plain column or a /n
 * prefix): it is NULL or an IPv4 address, so one word holds it (the 32 address bits, or
 * AGG_V4_NULL_WORD).  Fewer words mean smaller tables and cheaper hashing, e.g. 2 instead of 4
 * for GROUP BY ipv4_src_addr, ipv4_dst_addr.
 */
typedef struct agg_key_layout
{
	uint32_t	words;			/* per packed key; at most plan->key_words */
	uint32_t	word[AGG_MAX_KEYS]; /* first word of key i */
	bool		v4_word[AGG_MAX_KEYS];	/* key i in the one-word IPv4 form */
} agg_key_layout;

void		agg_key_layout_build(const agg_plan *plan, agg_key_layout *layout);

/*
 * out[k * layout->words ...] = the packed key of row sel[k] of the current block, k < n: INT
 * values (after bucketing) and string ids as one word, addresses (after the prefix mask) as two
 * words, or a NULL address as two AGG_NULL_WORDs, or IPv4 keys as one word.  -1 with *err on a
 * corrupt column or a bucket overflow.
 */
int			agg_keys_build(const agg_plan *plan, const agg_key_layout *layout, block_columns *bc,
						   agg_block_strings *bs, const uint32_t *sel, uint32_t n, uint64_t *out, kf_error *err);

/* The address (or NULL, returned as false) that key i of a packed key stands for. */
static inline bool
agg_key_addr(const agg_plan *plan, const agg_key_layout *layout, uint32_t i, const uint64_t *key, kf_addr *addr)
{
	const uint64_t *w = &key[layout->word[i]];

	if (layout->v4_word[i])
	{
		*addr = (kf_addr) {0, KF_ADDR_V4_MAPPED_PREFIX | w[0]};
		return w[0] != AGG_V4_NULL_WORD;
	}
	*addr = (kf_addr) {w[0], w[1]};
	return !(plan->keys[i].nullable && w[0] == AGG_NULL_WORD && w[1] == AGG_NULL_WORD);
}

#endif							/* KF_AGG_KEYS_H */
