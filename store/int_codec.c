/*
 * int_codec.c -- frame-of-reference or delta+zigzag encoding of int64 streams (see int_codec.h).
 */
#include <string.h>

#include "store/bitpack.h"
#include "store/int_codec.h"
#include "store/part_format.h"

static inline uint64_t
zigzag(uint64_t delta)
{
	return (delta << 1) ^ (0 - (delta >> 63));
}

/*
 * Both candidate widths in one pass over the values (the writer encodes every column of every
 * block, so passes count): frame of reference needs the span max - min (computed without signed
 * overflow), delta the OR of the zigzagged differences.
 */
static void
candidate_widths(const int64_t *values, size_t n, int64_t *min_out, unsigned *width_for, unsigned *width_delta)
{
	int64_t		min = values[0],
				max = values[0];
	uint64_t	delta_bits = 0;

	for (size_t i = 1; i < n; i++)
	{
		min = values[i] < min ? values[i] : min;
		max = values[i] > max ? values[i] : max;
		delta_bits |= zigzag((uint64_t) values[i] - (uint64_t) values[i - 1]);
	}
	*min_out = min;
	*width_for = kf_bitpack_width((uint64_t) max - (uint64_t) min);
	*width_delta = kf_bitpack_width(delta_bits);
}

size_t
kf_int_encode(const int64_t *values, size_t n, uint64_t *scratch, uint8_t *out)
{
	int64_t		min;
	unsigned	width_for,
				width_delta;

	candidate_widths(values, n, &min, &width_for, &width_delta);

	uint8_t		encoding = width_delta < width_for ? KF_INT_DELTA : KF_INT_FOR;
	unsigned	width = encoding == KF_INT_DELTA ? width_delta : width_for;
	uint64_t	base = encoding == KF_INT_DELTA ? (uint64_t) values[0] : (uint64_t) min;

	memset(out, 0, KF_INT_STREAM_HEADER);
	out[0] = encoding;
	out[1] = (uint8_t) width;
	kf_put_u64(out + 8, base);

	if (width == 0)
		return KF_INT_STREAM_HEADER;	/* a constant stream: nothing to pack */
	if (encoding == KF_INT_DELTA)
	{
		scratch[0] = 0;
		for (size_t i = 1; i < n; i++)
			scratch[i] = zigzag((uint64_t) values[i] - (uint64_t) values[i - 1]);
	}
	else
	{
		for (size_t i = 0; i < n; i++)
			scratch[i] = (uint64_t) values[i] - base;
	}
	kf_bitpack_pack(scratch, n, width, out + KF_INT_STREAM_HEADER);
	return KF_INT_STREAM_HEADER + kf_bitpack_bytes(n, width);
}

size_t
kf_int_stream_open(const uint8_t *in, size_t avail, size_t n, kf_int_stream *out, const char **why)
{
	if (avail < KF_INT_STREAM_HEADER)
	{
		*why = "integer stream header is truncated";
		return 0;
	}
	out->encoding = in[0];
	out->width = in[1];
	out->base = kf_get_u64(in + 8);
	out->packed = in + KF_INT_STREAM_HEADER;
	if (out->encoding != KF_INT_FOR && out->encoding != KF_INT_DELTA)
	{
		*why = "unknown integer encoding";
		return 0;
	}
	if (out->width > 64)
	{
		*why = "integer bit width above 64";
		return 0;
	}
	for (int i = 2; i < 8; i++)
	{
		if (in[i] != 0)
		{
			*why = "reserved bytes of an integer stream are not zero";
			return 0;
		}
	}

	size_t		packed = kf_bitpack_bytes(n, out->width);

	if (avail - KF_INT_STREAM_HEADER < packed)
	{
		*why = "integer stream is shorter than its width and row count need";
		return 0;
	}
	return KF_INT_STREAM_HEADER + packed;
}

void
kf_int_stream_decode(const kf_int_stream *s, size_t n, int64_t *out)
{
	if (s->encoding == KF_INT_DELTA)
		kf_bitpack_unpack_delta(s->packed, n, s->width, s->base, out);
	else
		kf_bitpack_unpack_for(s->packed, n, s->width, s->base, out);
}

size_t
kf_int_decode(const uint8_t *in, size_t avail, size_t n, int64_t *out, const char **why)
{
	kf_int_stream s;
	size_t		used = kf_int_stream_open(in, avail, n, &s, why);

	if (used != 0)
		kf_int_stream_decode(&s, n, out);
	return used;
}
