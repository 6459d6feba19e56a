/*
 * part_build.c -- encodes, compresses, checksums and writes one part file (layout: part_format.h).
 *
 * Blocks are written one after another; for each block every column is gathered through the
 * row permutation into a contiguous array, its zone map computed, encoded for its kind, and
 * lz4-compressed when that saves at least 1/KF_LZ4_MIN_SAVING_DIVISOR of its bytes.  The footer is assembled in memory and written last,
 * followed by the trailer that lets a reader find it from the end of the file.
 */
#include <lz4.h>
#include <stdlib.h>
#include <string.h>

#include "store/crc32c.h"
#include "store/dict_codec.h"
#include "store/durable_io.h"
#include "store/int_codec.h"
#include "store/part_build.h"
#include "store/part_format.h"

/*
 * lz4 must save at least 1/8 of a chunk's bytes to be used.  Bit-packed addresses, ports and
 * byte counters are close to random and lz4 saves 1-6% on them, while decompressing them is a
 * sizeable share of a scan's time (and needs a second copy); stored raw, a chunk is read straight
 * into the buffer it is decoded from.  Measured on the 10M-flow benchmark: +0.6 bytes/flow.
 */
#define KF_LZ4_MIN_SAVING_DIVISOR 8

/* One encoded chunk ready for compression, plus its zone map bytes. */
typedef struct encoded_chunk
{
	size_t		len;
	uint8_t		zone[32];
} encoded_chunk;

static int
alloc_block_buffers(kf_part_build_scratch *s)
{
	if (s->ints != NULL)
		return 0;
	s->ints = malloc(KF_BLOCK_MAX_ROWS * sizeof(int64_t));
	s->ints2 = malloc(KF_BLOCK_MAX_ROWS * sizeof(int64_t));
	s->packed = malloc(KF_BLOCK_MAX_ROWS * sizeof(uint64_t));
	s->codes = malloc(KF_BLOCK_MAX_ROWS * sizeof(uint32_t));
	s->global_of_local = malloc(KF_BLOCK_MAX_ROWS * sizeof(uint32_t));
	s->local_strings = malloc(KF_BLOCK_MAX_ROWS * sizeof(char *));
	s->local_lengths = malloc(KF_BLOCK_MAX_ROWS * sizeof(uint32_t));
	if (!s->ints || !s->ints2 || !s->packed || !s->codes || !s->global_of_local ||
		!s->local_strings || !s->local_lengths)
		return -1;
	return 0;
}

static void
put_int_zone(uint8_t *zone, int64_t min, int64_t max)
{
	memset(zone, 0, 32);
	kf_put_u64(zone, (uint64_t) min);
	kf_put_u64(zone + 8, (uint64_t) max);
}

static int
encode_int_column(const int64_t *src, const uint32_t *order, size_t n, kf_part_build_scratch *s,
				  encoded_chunk *chunk)
{
	int64_t		min = INT64_MAX,
				max = INT64_MIN;

	for (size_t i = 0; i < n; i++)
	{
		int64_t		v = src[order[i]];

		s->ints[i] = v;
		min = v < min ? v : min;
		max = v > max ? v : max;
	}
	put_int_zone(chunk->zone, min, max);
	if (kf_grow_bytes(&s->encoded, &s->encoded_cap, kf_int_stream_max_size(n)) != 0)
		return -1;
	chunk->len = kf_int_encode(s->ints, n, s->packed, s->encoded);
	return 0;
}

/* ADDR: the hi halves as one int stream, then the lo halves as another. */
static int
encode_addr_column(const kf_addr *src, const uint32_t *order, size_t n, kf_part_build_scratch *s,
				   encoded_chunk *chunk)
{
	kf_addr		min = src[order[0]],
				max = src[order[0]];

	for (size_t i = 0; i < n; i++)
	{
		kf_addr		a = src[order[i]];

		s->ints[i] = (int64_t) a.hi;
		s->ints2[i] = (int64_t) a.lo;
		min = kf_addr_cmp(a, min) < 0 ? a : min;
		max = kf_addr_cmp(a, max) > 0 ? a : max;
	}
	kf_put_u64(chunk->zone, min.hi);
	kf_put_u64(chunk->zone + 8, min.lo);
	kf_put_u64(chunk->zone + 16, max.hi);
	kf_put_u64(chunk->zone + 24, max.lo);
	if (kf_grow_bytes(&s->encoded, &s->encoded_cap, 2 * kf_int_stream_max_size(n)) != 0)
		return -1;

	size_t		hi_len = kf_int_encode(s->ints, n, s->packed, s->encoded);

	chunk->len = hi_len + kf_int_encode(s->ints2, n, s->packed, s->encoded + hi_len);
	return 0;
}

/* DICT: a block-local dictionary in order of first appearance, then one code per row. */
static int
encode_dict_column(const uint32_t *ids, const kf_string_intern *strings, const uint32_t *order, size_t n,
				   kf_part_build_scratch *s, encoded_chunk *chunk)
{
	if (strings->count > s->local_of_global_cap)
	{
		uint32_t   *grown = realloc(s->local_of_global, strings->count * sizeof(uint32_t));

		if (grown == NULL)
			return -1;
		memset(grown + s->local_of_global_cap, 0xff,
			   (strings->count - s->local_of_global_cap) * sizeof(uint32_t));
		s->local_of_global = grown;
		s->local_of_global_cap = strings->count;
	}

	uint32_t	count = 0;
	size_t		total_bytes = 0;

	for (size_t i = 0; i < n; i++)
	{
		uint32_t	id = ids[order[i]];

		if (s->local_of_global[id] == UINT32_MAX)
		{
			s->local_of_global[id] = count;
			s->global_of_local[count] = id;
			s->local_strings[count] = strings->strings[id];
			s->local_lengths[count] = strings->lengths[id];
			total_bytes += strings->lengths[id];
			count++;
		}
		s->codes[i] = s->local_of_global[id];
	}
	for (uint32_t c = 0; c < count; c++)
		s->local_of_global[s->global_of_local[c]] = UINT32_MAX;

	memset(chunk->zone, 0, sizeof(chunk->zone));
	if (kf_grow_bytes(&s->encoded, &s->encoded_cap, kf_dict_encoded_size(count, total_bytes, n)) != 0)
		return -1;
	chunk->len = kf_dict_encode(count, s->local_strings, s->local_lengths, s->codes, n, s->packed, s->encoded);
	return 0;
}

static int
encode_column(const kf_part_rows *rows, kf_column_id col, const uint32_t *order, size_t n,
			  kf_part_build_scratch *s, encoded_chunk *chunk)
{
	switch (kf_column_describe(col)->kind)
	{
		case KF_KIND_INT:
			return encode_int_column(rows->ints[col], order, n, s, chunk);
		case KF_KIND_ADDR:
			return encode_addr_column(rows->addrs[col], order, n, s, chunk);
		case KF_KIND_DICT:
			return encode_dict_column(rows->dict_ids[col], rows->strings, order, n, s, chunk);
	}
	return -1;
}

/*
 * Compresses the encoded chunk (keeping it raw unless lz4 pays, see above), writes the stored bytes at
 * *offset and fills the footer descriptor desc.
 */
static int
store_chunk(int fd, const char *path, kf_part_build_scratch *s, const encoded_chunk *chunk,
			uint64_t *offset, uint8_t *desc, kf_error *err)
{
	int			bound = LZ4_compressBound((int) chunk->len);

	if (bound <= 0 || kf_grow_bytes(&s->stored, &s->stored_cap, (size_t) bound) != 0)
		return kf_error_set(err, "%s: out of memory compressing a chunk", path);

	int			compressed = LZ4_compress_default((const char *) s->encoded, (char *) s->stored,
												  (int) chunk->len, bound);
	bool		use_lz4 = compressed > 0 &&
		(size_t) compressed <= chunk->len - chunk->len / KF_LZ4_MIN_SAVING_DIVISOR;
	const uint8_t *bytes = use_lz4 ? s->stored : s->encoded;
	size_t		stored_len = use_lz4 ? (size_t) compressed : chunk->len;

	memset(desc, 0, KF_FOOTER_CHUNK_ENTRY);
	kf_put_u64(desc + KF_CHUNK_OFF_OFFSET, *offset);
	kf_put_u32(desc + KF_CHUNK_OFF_STORED_LEN, (uint32_t) stored_len);
	kf_put_u32(desc + KF_CHUNK_OFF_DECODED_LEN, (uint32_t) chunk->len);
	kf_put_u32(desc + KF_CHUNK_OFF_CRC, kf_crc32c(bytes, stored_len));
	desc[KF_CHUNK_OFF_COMPRESSION] = use_lz4 ? KF_COMPRESSION_LZ4 : KF_COMPRESSION_NONE;
	memcpy(desc + KF_CHUNK_OFF_ZONE, chunk->zone, sizeof(chunk->zone));
	if (kf_pwrite_all(fd, bytes, stored_len, (off_t) *offset, path, err) != 0)
		return -1;
	*offset += stored_len;
	return 0;
}

static void
build_header(uint8_t *header, uint32_t device_id, uint64_t rows, uint32_t blocks)
{
	memcpy(header, KF_PART_MAGIC, KF_PART_MAGIC_LEN);
	kf_put_u32(header + KF_HDR_OFF_VERSION, KF_STORE_FORMAT_VERSION);
	kf_put_u32(header + KF_HDR_OFF_DEVICE, device_id);
	kf_put_u64(header + KF_HDR_OFF_ROWS, rows);
	kf_put_u32(header + KF_HDR_OFF_BLOCKS, blocks);
	kf_put_u32(header + KF_HDR_OFF_CRC, kf_crc32c(header, KF_HDR_OFF_CRC));
}

static size_t
footer_size(uint32_t blocks)
{
	return 4 + (size_t) KF_NUM_COLUMNS * KF_FOOTER_COLUMN_ENTRY +
		(size_t) blocks * (KF_FOOTER_BLOCK_ENTRY + (size_t) KF_NUM_COLUMNS * KF_FOOTER_CHUNK_ENTRY) + 4;
}

/* Writes the column directory at the start of the footer; returns the bytes used. */
static size_t
put_column_directory(uint8_t *p)
{
	kf_put_u32(p, KF_NUM_COLUMNS);
	for (int col = 0; col < KF_NUM_COLUMNS; col++)
	{
		uint8_t    *entry = p + 4 + (size_t) col * KF_FOOTER_COLUMN_ENTRY;

		kf_put_u16(entry, (uint16_t) col);
		entry[2] = (uint8_t) kf_column_describe((kf_column_id) col)->kind;
		entry[3] = 0;
	}
	return 4 + (size_t) KF_NUM_COLUMNS * KF_FOOTER_COLUMN_ENTRY;
}

/* Writes every block's chunks and fills the per-block part of the footer starting at p. */
static int
write_blocks(int fd, const char *path, const kf_part_rows *rows, kf_part_build_scratch *s, uint32_t blocks,
			 uint8_t *p, uint64_t *offset, kf_error *err)
{
	for (uint32_t b = 0; b < blocks; b++)
	{
		size_t		first = (size_t) b * KF_BLOCK_MAX_ROWS;
		size_t		n = rows->count - first < KF_BLOCK_MAX_ROWS ? rows->count - first : KF_BLOCK_MAX_ROWS;

		kf_put_u32(p, (uint32_t) n);
		kf_put_u32(p + 4, 0);
		p += KF_FOOTER_BLOCK_ENTRY;
		for (int col = 0; col < KF_NUM_COLUMNS; col++, p += KF_FOOTER_CHUNK_ENTRY)
		{
			encoded_chunk chunk;

			if (encode_column(rows, (kf_column_id) col, rows->order + first, n, s, &chunk) != 0)
				return kf_error_set(err, "%s: out of memory encoding column %s", path,
									kf_column_describe((kf_column_id) col)->name);
			if (store_chunk(fd, path, s, &chunk, offset, p, err) != 0)
				return -1;
		}
	}
	return 0;
}

int
kf_part_build(int fd, const char *path, const kf_part_rows *rows, kf_part_build_scratch *s, kf_error *err)
{
	uint32_t	blocks = (uint32_t) ((rows->count + KF_BLOCK_MAX_ROWS - 1) / KF_BLOCK_MAX_ROWS);
	size_t		flen = footer_size(blocks);
	uint8_t		header[KF_HEADER_SIZE];

	if (rows->count == 0 || blocks > KF_MAX_BLOCKS_IN_PART)
		return kf_error_set(err, "%s: a part holds 1 to %u blocks, not %zu rows", path,
							KF_MAX_BLOCKS_IN_PART, rows->count);
	if (alloc_block_buffers(s) != 0 || kf_grow_bytes(&s->footer, &s->footer_cap, flen) != 0)
		return kf_error_set(err, "%s: out of memory", path);

	build_header(header, rows->device_id, rows->count, blocks);
	if (kf_pwrite_all(fd, header, sizeof(header), 0, path, err) != 0)
		return -1;

	uint64_t	offset = KF_HEADER_SIZE;
	size_t		dir_len = put_column_directory(s->footer);

	if (write_blocks(fd, path, rows, s, blocks, s->footer + dir_len, &offset, err) != 0)
		return -1;
	kf_put_u32(s->footer + flen - 4, kf_crc32c(s->footer, flen - 4));
	if (kf_pwrite_all(fd, s->footer, flen, (off_t) offset, path, err) != 0)
		return -1;

	uint8_t		trailer[KF_TRAILER_SIZE];

	kf_put_u64(trailer, offset);
	kf_put_u64(trailer + 8, flen);
	memcpy(trailer + 16, KF_PART_MAGIC, KF_PART_MAGIC_LEN);
	return kf_pwrite_all(fd, trailer, sizeof(trailer), (off_t) (offset + flen), path, err);
}

void
kf_part_build_scratch_free(kf_part_build_scratch *s)
{
	free(s->ints);
	free(s->ints2);
	free(s->packed);
	free(s->codes);
	free(s->global_of_local);
	free(s->local_strings);
	free(s->local_lengths);
	free(s->local_of_global);
	free(s->encoded);
	free(s->stored);
	free(s->footer);
	memset(s, 0, sizeof(*s));
}

/* qsort has no context argument in C11, so the comparators read the keys through these. */
static _Thread_local const int64_t *sort_timestamps;
static _Thread_local const int64_t *sort_protocols;

static int
compare_by_time(const void *a, const void *b)
{
	uint32_t	ra = *(const uint32_t *) a,
				rb = *(const uint32_t *) b;
	int64_t		ta = sort_timestamps[ra],
				tb = sort_timestamps[rb];

	if (ta != tb)
		return ta < tb ? -1 : 1;
	return ra < rb ? -1 : ra > rb;
}

static int
compare_by_minute_protocol(const void *a, const void *b)
{
	uint32_t	ra = *(const uint32_t *) a,
				rb = *(const uint32_t *) b;
	int64_t		ma = sort_timestamps[ra] / 60,
				mb = sort_timestamps[rb] / 60;

	if (ma != mb)
		return ma < mb ? -1 : 1;
	if (sort_protocols[ra] != sort_protocols[rb])
		return sort_protocols[ra] < sort_protocols[rb] ? -1 : 1;
	return compare_by_time(a, b);
}

void
kf_part_sort_rows(uint32_t *order, size_t n, const int64_t *timestamps, const int64_t *protocols)
{
	sort_timestamps = timestamps;
	sort_protocols = protocols;
	qsort(order, n, sizeof(*order), protocols ? compare_by_minute_protocol : compare_by_time);
}
