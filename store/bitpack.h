/*
 * bitpack.h -- fixed-width bit packing, the inner loop of every integer and dictionary-code chunk.
 *
 * n values of `width` bits (0..64) are laid out LSB first, back to back, in little-endian 64-bit
 * words: value i occupies bits [i*width, (i+1)*width) of the word stream.  Width 0 takes no bytes.
 * Unpacking loads 8 bytes at a time without per-value bounds checks, so the input buffer must be
 * readable for KF_BITPACK_SLACK bytes past the packed data (the reader allocates that much extra).
 * Widths are trusted here: callers reject widths above 64 (above 32 for codes) before unpacking.
 */
#ifndef KF_BITPACK_H
#define KF_BITPACK_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define KF_BITPACK_SLACK 8

/* Bytes taken by n values of width bits: whole 64-bit words. */
static inline size_t
kf_bitpack_bytes(size_t n, unsigned width)
{
	return ((n * width + 63) / 64) * 8;
}

/* Bits needed to hold v (0 for v == 0). */
static inline unsigned
kf_bitpack_width(uint64_t v)
{
	return v == 0 ? 0 : 64 - (unsigned) __builtin_clzll(v);
}

/* Packs values (each < 2^width) into kf_bitpack_bytes(n, width) bytes at out. */
void		kf_bitpack_pack(const uint64_t *values, size_t n, unsigned width, uint8_t *out);

/* out[i] = base + packed[i] (wrapping): frame-of-reference decoding. */
void		kf_bitpack_unpack_for(const uint8_t *in, size_t n, unsigned width, uint64_t base, int64_t *out);

/* out[i] = out[i-1] + unzigzag(packed[i]) with out[-1] = first (wrapping): delta decoding. */
void		kf_bitpack_unpack_delta(const uint8_t *in, size_t n, unsigned width, uint64_t first, int64_t *out);

/* out[i] = packed[i] for width <= 32; returns the largest value so callers can bounds-check codes. */
uint32_t	kf_bitpack_unpack_u32(const uint8_t *in, size_t n, unsigned width, uint32_t *out);

/*
 * out[i] = 1 when lo <= base + packed[i] <= lo + span (wrapping arithmetic, compared as unsigned
 * offsets from lo), else 0: a frame-of-reference stream tested against a range of int64 values
 * without materialising them.  Every comparison operator is such a range (x < c is [INT64_MIN, c-1]).
 */
void		kf_bitpack_match_for(const uint8_t *in, size_t n, unsigned width, uint64_t base, uint64_t lo,
								 uint64_t span, uint8_t *out);

/*
 * Packed value i alone (random access), for reading a few selected rows of a block.  Reads only
 * the words that hold the value, so it needs no slack.
 */
static inline uint64_t
kf_bitpack_get(const uint8_t *in, size_t i, unsigned width)
{
	if (width == 0)
		return 0;

	uint64_t	mask = width == 64 ? ~UINT64_C(0) : (UINT64_C(1) << width) - 1;
	size_t		bit = i * width;
	const uint8_t *word = in + (bit / 64) * 8;
	unsigned	shift = (unsigned) (bit % 64);
	uint64_t	lo,
				hi;

	memcpy(&lo, word, sizeof(lo));
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	lo = __builtin_bswap64(lo);
#endif
	if (shift + width <= 64)
		return (lo >> shift) & mask;
	memcpy(&hi, word + 8, sizeof(hi));
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	hi = __builtin_bswap64(hi);
#endif
	return ((lo >> shift) | (hi << (64 - shift))) & mask;
}

#endif							/* KF_BITPACK_H */
