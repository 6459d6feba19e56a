/*
 * dict_codec.c -- encoding and bounds-checked decoding of DICT chunks (layout in dict_codec.h).
 */
#include <stdlib.h>
#include <string.h>

#include "store/bitpack.h"
#include "store/dict_codec.h"
#include "store/part_format.h"

static size_t
round_up8(size_t v)
{
	return (v + 7) & ~(size_t) 7;
}

static unsigned
code_width(uint32_t count)
{
	return kf_bitpack_width(count - 1);
}

size_t
kf_dict_encoded_size(uint32_t count, size_t total_string_bytes, size_t n)
{
	return round_up8(4 + (size_t) count * 4 + total_string_bytes) + kf_bitpack_bytes(n, code_width(count));
}

size_t
kf_dict_encode(uint32_t count, const char *const *strings, const uint32_t *lengths,
			   const uint32_t *codes, size_t n, uint64_t *scratch, uint8_t *out)
{
	uint8_t    *p = out;

	kf_put_u32(p, count);
	p += 4;
	for (uint32_t i = 0; i < count; i++, p += 4)
		kf_put_u32(p, lengths[i]);
	for (uint32_t i = 0; i < count; i++)
	{
		memcpy(p, strings[i], lengths[i]);
		p += lengths[i];
	}

	size_t		header = round_up8((size_t) (p - out));

	memset(p, 0, header - (size_t) (p - out));
	for (size_t i = 0; i < n; i++)
		scratch[i] = codes[i];
	kf_bitpack_pack(scratch, n, code_width(count), out + header);
	return header + kf_bitpack_bytes(n, code_width(count));
}

/* Makes room for count entries and string_bytes bytes (plus terminators) in storage. */
static int
reserve_storage(kf_dict_storage *storage, uint32_t count, size_t string_bytes)
{
	if (count > storage->entries_cap)
	{
		const char **strings = realloc(storage->strings, count * sizeof(*strings));

		if (strings == NULL)
			return -1;
		storage->strings = strings;

		uint32_t   *lengths = realloc(storage->lengths, count * sizeof(*lengths));

		if (lengths == NULL)
			return -1;
		storage->lengths = lengths;
		storage->entries_cap = count;
	}
	if (string_bytes + count > storage->bytes_cap)
	{
		char	   *bytes = realloc(storage->bytes, string_bytes + count);

		if (bytes == NULL)
			return -1;
		storage->bytes = bytes;
		storage->bytes_cap = string_bytes + count;
	}
	return 0;
}

/* Checks count and lengths against avail; returns the total string bytes or SIZE_MAX. */
static size_t
checked_string_bytes(const uint8_t *in, size_t avail, size_t n, uint32_t count, const char **why)
{
	if (count == 0 || count > n)
	{
		*why = "dictionary size is zero or larger than the block's row count";
		return SIZE_MAX;
	}
	if ((avail - 4) / 4 < count)
	{
		*why = "dictionary lengths run past the end of the chunk";
		return SIZE_MAX;
	}

	size_t		total = 0;

	for (uint32_t i = 0; i < count; i++)
	{
		uint32_t	len = kf_get_u32(in + 4 + (size_t) i * 4);

		if (len > KF_DICT_STRING_MAX)
		{
			*why = "dictionary string longer than the format allows";
			return SIZE_MAX;
		}
		total += len;
	}
	if (kf_dict_encoded_size(count, total, n) != avail)
	{
		*why = "dictionary chunk length does not match its contents";
		return SIZE_MAX;
	}
	return total;
}

int
kf_dict_decode(const uint8_t *in, size_t avail, size_t n, kf_dict_storage *storage,
			   uint32_t *codes, kf_dict *out, const char **why)
{
	if (avail < 4)
	{
		*why = "dictionary chunk is truncated";
		return -1;
	}

	uint32_t	count = kf_get_u32(in);
	size_t		total = checked_string_bytes(in, avail, n, count, why);

	if (total == SIZE_MAX)
		return -1;
	if (reserve_storage(storage, count, total) != 0)
	{
		*why = "out of memory for a dictionary";
		return -1;
	}

	const uint8_t *src = in + 4 + (size_t) count * 4;
	char	   *dst = storage->bytes;

	for (uint32_t i = 0; i < count; i++)
	{
		uint32_t	len = kf_get_u32(in + 4 + (size_t) i * 4);

		memcpy(dst, src, len);
		dst[len] = '\0';
		storage->strings[i] = dst;
		storage->lengths[i] = len;
		src += len;
		dst += len + 1;
	}

	size_t		header = round_up8(4 + (size_t) count * 4 + total);
	uint32_t	max_code = kf_bitpack_unpack_u32(in + header, n, code_width(count), codes);

	if (max_code >= count)
	{
		*why = "dictionary code out of range";
		return -1;
	}
	out->count = count;
	out->strings = storage->strings;
	out->lengths = storage->lengths;
	return 0;
}

void
kf_dict_storage_free(kf_dict_storage *storage)
{
	free(storage->bytes);
	free(storage->strings);
	free(storage->lengths);
	memset(storage, 0, sizeof(*storage));
}
