/*
 * dict_codec.h -- the encoded form of a DICT chunk: a block-local dictionary plus one code per row.
 *
 * Layout: count:u32, lengths:u32[count], the strings' bytes back to back (no terminators), zero
 * bytes up to a multiple of 8 from the chunk start, then the row codes bit-packed (bitpack.h) with
 * width kf_bitpack_width(count - 1).  count >= 1 and count <= rows; every code < count; every
 * length <= KF_DICT_STRING_MAX.  The encoded length is exactly kf_dict_encoded_size().
 */
#ifndef KF_DICT_CODEC_H
#define KF_DICT_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

size_t		kf_dict_encoded_size(uint32_t count, size_t total_string_bytes, size_t n);

/* Encodes a dictionary and n codes into out (kf_dict_encoded_size bytes); scratch holds n uint64.
 * Returns the bytes written. */
size_t		kf_dict_encode(uint32_t count, const char *const *strings, const uint32_t *lengths,
						   const uint32_t *codes, size_t n, uint64_t *scratch, uint8_t *out);

/* Memory a decoded dictionary lives in; reused from block to block, grown on demand. */
typedef struct kf_dict_storage
{
	char	   *bytes;			/* strings, each NUL-terminated */
	size_t		bytes_cap;
	const char **strings;
	uint32_t   *lengths;
	size_t		entries_cap;
} kf_dict_storage;

/*
 * Decodes the chunk at in (exactly avail bytes, KF_BITPACK_SLACK more readable) holding n rows:
 * codes into codes[n], the dictionary into *out pointing into *storage.  Returns 0, or -1 with
 * *why set when the chunk is malformed or memory runs out.
 */
int			kf_dict_decode(const uint8_t *in, size_t avail, size_t n, kf_dict_storage *storage,
						   uint32_t *codes, kf_dict *out, const char **why);

void		kf_dict_storage_free(kf_dict_storage *storage);

#endif							/* KF_DICT_CODEC_H */
