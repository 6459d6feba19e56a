/*
 * bitpack.c -- packing and the width-specialised unpacking loops (see bitpack.h for the layout).
 *
 * Decoding speed matters most: the engine decodes whole blocks per query.  Each unpack loop is an
 * always-inlined template instantiated once per width by a switch, so the shift amounts and masks
 * are compile-time constants and the loop body is branch-free: for widths up to 56 one unaligned
 * 8-byte load at the value's first byte holds the whole value; wider values combine two words.
 */
#include <string.h>

#include "store/bitpack.h"

#define ALWAYS_INLINE inline __attribute__((always_inline))

static ALWAYS_INLINE uint64_t
load_le64(const uint8_t *p)
{
	uint64_t	v;

	memcpy(&v, p, sizeof(v));
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

static ALWAYS_INLINE void
store_le64(uint8_t *p, uint64_t v)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	memcpy(p, &v, sizeof(v));
}

/* Extracts packed value i; width is a constant after inlining, so one of the two paths vanishes. */
static ALWAYS_INLINE uint64_t
extract(const uint8_t *in, size_t i, unsigned width)
{
	const uint64_t mask = width == 64 ? ~UINT64_C(0) : (UINT64_C(1) << width) - 1;
	size_t		bit = i * width;

	if (width <= 56)
		return (load_le64(in + (bit >> 3)) >> (bit & 7)) & mask;

	const uint8_t *word = in + (bit >> 6) * 8;
	unsigned	shift = bit & 63;

	/* The double shift keeps the shift count below 64 when shift == 0. */
	return ((load_le64(word) >> shift) | ((load_le64(word + 8) << 1) << (63 - shift))) & mask;
}

void
kf_bitpack_pack(const uint64_t *values, size_t n, unsigned width, uint8_t *out)
{
	if (width == 0)
		return;

	uint64_t	acc = 0;
	unsigned	used = 0;		/* bits of acc already filled, always < 64 */

	for (size_t i = 0; i < n; i++)
	{
		uint64_t	v = values[i];

		acc |= v << used;
		if (used + width >= 64)
		{
			store_le64(out, acc);
			out += 8;
			acc = used == 0 ? 0 : v >> (64 - used);
			used = used + width - 64;
		}
		else
			used += width;
	}
	if (used > 0)
		store_le64(out, acc);
}

static ALWAYS_INLINE void
unpack_for_width(const uint8_t *in, size_t n, unsigned width, uint64_t base, int64_t *out)
{
	for (size_t i = 0; i < n; i++)
		out[i] = (int64_t) (base + extract(in, i, width));
}

static ALWAYS_INLINE void
unpack_delta_width(const uint8_t *in, size_t n, unsigned width, uint64_t acc, int64_t *out)
{
	for (size_t i = 0; i < n; i++)
	{
		uint64_t	zigzag = extract(in, i, width);

		acc += (zigzag >> 1) ^ (0 - (zigzag & 1));
		out[i] = (int64_t) acc;
	}
}

static ALWAYS_INLINE void
match_for_width(const uint8_t *in, size_t n, unsigned width, uint64_t base, uint64_t lo, uint64_t span,
				uint8_t *out)
{
	for (size_t i = 0; i < n; i++)
		out[i] = base + extract(in, i, width) - lo <= span;
}

static ALWAYS_INLINE uint32_t
unpack_u32_width(const uint8_t *in, size_t n, unsigned width, uint32_t *out)
{
	uint32_t	max = 0;

	for (size_t i = 0; i < n; i++)
	{
		uint32_t	v = (uint32_t) extract(in, i, width);

		out[i] = v;
		max = v > max ? v : max;
	}
	return max;
}

/* Instantiates CASE(w) for w = 1..64 inside a switch on width. */
#define CASES8(b) CASE((b) + 1) CASE((b) + 2) CASE((b) + 3) CASE((b) + 4) \
	CASE((b) + 5) CASE((b) + 6) CASE((b) + 7) CASE((b) + 8)
#define CASES32 CASES8(0) CASES8(8) CASES8(16) CASES8(24)
#define CASES64 CASES32 CASES8(32) CASES8(40) CASES8(48) CASES8(56)

void
kf_bitpack_unpack_for(const uint8_t *in, size_t n, unsigned width, uint64_t base, int64_t *out)
{
	switch (width)
	{
#define CASE(w) case w: unpack_for_width(in, n, w, base, out); return;
			CASES64
#undef CASE
		default:
			for (size_t i = 0; i < n; i++)
				out[i] = (int64_t) base;
	}
}

void
kf_bitpack_unpack_delta(const uint8_t *in, size_t n, unsigned width, uint64_t first, int64_t *out)
{
	switch (width)
	{
#define CASE(w) case w: unpack_delta_width(in, n, w, first, out); return;
			CASES64
#undef CASE
		default:
			for (size_t i = 0; i < n; i++)
				out[i] = (int64_t) first;
	}
}

void
kf_bitpack_match_for(const uint8_t *in, size_t n, unsigned width, uint64_t base, uint64_t lo, uint64_t span,
					 uint8_t *out)
{
	switch (width)
	{
#define CASE(w) case w: match_for_width(in, n, w, base, lo, span, out); return;
			CASES64
#undef CASE
		default:
			memset(out, base - lo <= span, n);
	}
}

uint32_t
kf_bitpack_unpack_u32(const uint8_t *in, size_t n, unsigned width, uint32_t *out)
{
	switch (width)
	{
#define CASE(w) case w: return unpack_u32_width(in, n, w, out);
			CASES32
#undef CASE
		default:
			memset(out, 0, n * sizeof(*out));
			return 0;
	}
}
