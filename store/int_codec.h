/*
 * int_codec.h -- the encoded form of a stream of int64 values (INT chunks, and the two halves of
 * ADDR chunks).
 *
 * A stream is a 16-byte header { encoding:u8, width:u8, reserved:u8[6] = 0, base:u64 } followed by
 * kf_bitpack_bytes(n, width) bytes of packed values (see bitpack.h).  The value count n is not
 * stored: it is the block's row count.
 *   KF_INT_FOR:   value[i] = base + packed[i]                          (base = the minimum)
 *   KF_INT_DELTA: value[i] = value[i-1] + unzigzag(packed[i]), value[-1] = base, packed[0] = 0
 * All arithmetic wraps modulo 2^64, so INT64_MIN..INT64_MAX round-trip.  The encoder picks the
 * encoding with the smaller width (frame of reference on a tie: it decodes faster); width 0 means
 * every value equals base.
 */
#ifndef KF_INT_CODEC_H
#define KF_INT_CODEC_H

#include <stddef.h>
#include <stdint.h>

#define KF_INT_STREAM_HEADER 16

enum kf_int_encoding
{
	KF_INT_FOR = 0,
	KF_INT_DELTA = 1
};

/* Upper bound of the encoded size of n values. */
static inline size_t
kf_int_stream_max_size(size_t n)
{
	return KF_INT_STREAM_HEADER + n * 8;
}

/* Encodes n >= 1 values into out (kf_int_stream_max_size(n) bytes); scratch holds n uint64.
 * Returns the bytes written. */
size_t		kf_int_encode(const int64_t *values, size_t n, uint64_t *scratch, uint8_t *out);

/* A validated stream: its header fields and where its packed values start. */
typedef struct kf_int_stream
{
	uint8_t		encoding;		/* KF_INT_FOR or KF_INT_DELTA */
	unsigned	width;			/* 0..64 */
	uint64_t	base;
	const uint8_t *packed;		/* kf_bitpack_bytes(n, width) bytes, KF_BITPACK_SLACK more readable */
} kf_int_stream;

/*
 * Checks the header of the stream at in (avail valid bytes) for n values and that the packed values
 * fit; fills *out.  Returns the bytes the stream takes, or 0 with *why set.  For readers that work on
 * the packed values (random access, predicates) instead of decoding the whole stream.
 */
size_t		kf_int_stream_open(const uint8_t *in, size_t avail, size_t n, kf_int_stream *out, const char **why);

/* Decodes all n values of an opened stream. */
void		kf_int_stream_decode(const kf_int_stream *s, size_t n, int64_t *out);

/*
 * Decodes the stream at in, of which avail bytes are valid (and KF_BITPACK_SLACK more readable),
 * into n values.  Returns the bytes the stream took, or 0 with *why set when the stream is malformed.
 */
size_t		kf_int_decode(const uint8_t *in, size_t avail, size_t n, int64_t *out, const char **why);

#endif							/* KF_INT_CODEC_H */
