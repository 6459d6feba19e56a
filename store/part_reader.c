/*
 * part_reader.c -- opens, verifies and decodes part files (layout: part_format.h, docs/format.md).
 *
 * Everything read from the file is distrusted: kf_part_open checks the magic, the version, the
 * header and footer checksums and every offset, length and count in the footer before anything
 * is allocated from it; each chunk read checks its CRC32C before decompressing it, lz4 runs in its
 * bounds-checked mode, and the decoders check widths, lengths and dictionary codes.  Files are
 * read with pread, never mapped, so a truncated file is an error rather than a SIGBUS.
 *
 * Chunk bytes go through two scratch buffers owned by the reader and reused block after block,
 * so the decode path does not allocate once they have grown to the largest chunk.
 *
 * Scans that keep few rows of a block need not decode it whole: kf_part_match_int tests a range on
 * the packed values (or at listed rows only), and after kf_part_restrict_rows the INT and ADDR
 * reads of that block fetch only the listed rows from frame-of-reference streams (value i sits at
 * bit i*width, so it is read where it lies).  The checks on the chunk are the same either way.
 */
#include <errno.h>
#include <fcntl.h>
#include <lz4.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/bitpack.h"
#include "store/crc32c.h"
#include "store/dict_codec.h"
#include "store/durable_io.h"
#include "store/int_codec.h"
#include "store/part_format.h"

/* Where one column chunk of one block is stored. */
typedef struct chunk_desc
{
	uint64_t	offset;
	uint32_t	stored_len;
	uint32_t	decoded_len;
	uint32_t	crc;
	uint8_t		compression;
	bool		present;		/* false: an older part without this column; reads as the default */
} chunk_desc;

struct kf_part_reader
{
	char	   *path;
	int			fd;
	uint32_t	device_id;
	uint64_t	rows;
	uint32_t	blocks;
	uint64_t	footer_offset;
	uint32_t   *block_rows;		/* [blocks] */
	chunk_desc *chunks;			/* [blocks][KF_NUM_COLUMNS] */
	kf_zone    *zones;			/* [blocks][KF_NUM_COLUMNS] */
	uint8_t    *stored;			/* scratch: lz4 bytes of the current chunk */
	size_t		stored_cap;
	uint8_t    *decoded;		/* scratch: encoded bytes + KF_BITPACK_SLACK */
	size_t		decoded_cap;
	int64_t    *addr_hi;		/* scratch for ADDR halves and delta streams, KF_BLOCK_MAX_ROWS each */
	int64_t    *addr_lo;
	kf_dict_storage dicts[KF_NUM_COLUMNS];
	uint32_t	restricted_block;	/* kf_part_restrict_rows: the block, when restricted_count > 0 */
	uint32_t	restricted_count;
	uint32_t   *restricted_rows;	/* KF_BLOCK_MAX_ROWS entries, allocated on first use */
};

/* The dictionary a missing DICT column reads as: the single string "". */
static const char *const empty_dict_strings[1] = {""};
static const uint32_t empty_dict_lengths[1] = {0};
static const kf_zone default_zone;

/* ------------------------------------------------------------------ opening */

static int
check_header(kf_part_reader *r, const uint8_t *h, kf_error *err)
{
	if (memcmp(h, KF_PART_MAGIC, KF_PART_MAGIC_LEN) != 0)
		return kf_error_set(err, "%s: not a part file (bad magic)", r->path);

	uint32_t	version = kf_get_u32(h + KF_HDR_OFF_VERSION);

	if (version != KF_STORE_FORMAT_VERSION)
		return kf_error_set(err, "%s: unsupported part format version %u (this build reads version %d)",
							r->path, version, KF_STORE_FORMAT_VERSION);
	if (kf_get_u32(h + KF_HDR_OFF_CRC) != kf_crc32c(h, KF_HDR_OFF_CRC))
		return kf_error_set(err, "%s: header checksum mismatch", r->path);
	r->device_id = kf_get_u32(h + KF_HDR_OFF_DEVICE);
	r->rows = kf_get_u64(h + KF_HDR_OFF_ROWS);
	r->blocks = kf_get_u32(h + KF_HDR_OFF_BLOCKS);
	if (r->blocks == 0 || r->blocks > KF_MAX_BLOCKS_IN_PART)
		return kf_error_set(err, "%s: implausible block count %u", r->path, r->blocks);
	if (r->rows < r->blocks || r->rows > (uint64_t) r->blocks * KF_BLOCK_MAX_ROWS)
		return kf_error_set(err, "%s: row count %llu does not fit %u blocks", r->path,
							(unsigned long long) r->rows, r->blocks);
	return 0;
}

/* Reads the trailer and returns the footer's position; the footer must end where the trailer starts. */
static int
read_trailer(kf_part_reader *r, uint64_t file_size, uint64_t *footer_len, kf_error *err)
{
	uint8_t		t[KF_TRAILER_SIZE];

	if (kf_pread_exact(r->fd, t, sizeof(t), (off_t) (file_size - KF_TRAILER_SIZE), r->path, err) != 0)
		return -1;
	if (memcmp(t + 16, KF_PART_MAGIC, KF_PART_MAGIC_LEN) != 0)
		return kf_error_set(err, "%s: trailer magic missing (file truncated or not a part)", r->path);
	r->footer_offset = kf_get_u64(t);
	*footer_len = kf_get_u64(t + 8);

	uint64_t	footer_end = file_size - KF_TRAILER_SIZE;

	if (r->footer_offset < KF_HEADER_SIZE || r->footer_offset > footer_end ||
		*footer_len != footer_end - r->footer_offset || *footer_len < 8)
		return kf_error_set(err, "%s: footer position %llu+%llu does not fit the file size %llu", r->path,
							(unsigned long long) r->footer_offset, (unsigned long long) *footer_len,
							(unsigned long long) file_size);
	return 0;
}

/* Largest encoded size a chunk of this kind may have for n rows: caps allocations. */
static uint64_t
max_decoded_len(kf_column_kind kind, uint32_t n)
{
	switch (kind)
	{
		case KF_KIND_INT:
			return kf_int_stream_max_size(n);
		case KF_KIND_ADDR:
			return 2 * kf_int_stream_max_size(n);
		case KF_KIND_DICT:
			return kf_dict_encoded_size(n, (size_t) n * KF_DICT_STRING_MAX, n);
	}
	return 0;
}

static void
parse_zone(kf_column_kind kind, const uint8_t *z, kf_zone *zone)
{
	memset(zone, 0, sizeof(*zone));
	if (kind == KF_KIND_INT)
	{
		zone->i.min = (int64_t) kf_get_u64(z);
		zone->i.max = (int64_t) kf_get_u64(z + 8);
	}
	else if (kind == KF_KIND_ADDR)
	{
		zone->a.min.hi = kf_get_u64(z);
		zone->a.min.lo = kf_get_u64(z + 8);
		zone->a.max.hi = kf_get_u64(z + 16);
		zone->a.max.lo = kf_get_u64(z + 24);
	}
}

/* Validates one chunk descriptor of block b and stores it. */
static int
parse_chunk(kf_part_reader *r, uint32_t b, kf_column_id col, const uint8_t *d, kf_error *err)
{
	const kf_column_desc *desc = kf_column_describe(col);
	chunk_desc *c = &r->chunks[(size_t) b * KF_NUM_COLUMNS + col];

	c->offset = kf_get_u64(d + KF_CHUNK_OFF_OFFSET);
	c->stored_len = kf_get_u32(d + KF_CHUNK_OFF_STORED_LEN);
	c->decoded_len = kf_get_u32(d + KF_CHUNK_OFF_DECODED_LEN);
	c->crc = kf_get_u32(d + KF_CHUNK_OFF_CRC);
	c->compression = d[KF_CHUNK_OFF_COMPRESSION];
	c->present = true;

	const char *why = NULL;

	if (c->offset < KF_HEADER_SIZE || c->offset > r->footer_offset ||
		c->stored_len > r->footer_offset - c->offset)
		why = "stored bytes lie outside the data area";
	else if (c->compression != KF_COMPRESSION_NONE && c->compression != KF_COMPRESSION_LZ4)
		why = "unknown compression";
	else if (d[KF_CHUNK_OFF_COMPRESSION + 1] | d[KF_CHUNK_OFF_COMPRESSION + 2] | d[KF_CHUNK_OFF_COMPRESSION + 3])
		why = "reserved descriptor bytes are not zero";
	else if (c->compression == KF_COMPRESSION_NONE && c->decoded_len != c->stored_len)
		why = "uncompressed chunk with different stored and decoded lengths";
	else if (c->compression == KF_COMPRESSION_LZ4 && c->stored_len > LZ4_COMPRESSBOUND((uint64_t) c->decoded_len))
		why = "lz4 chunk larger than lz4 can produce";
	else if (c->decoded_len > max_decoded_len(desc->kind, r->block_rows[b]) ||
			 (uint64_t) c->decoded_len > (uint64_t) c->stored_len * 256 + 64)
		why = "implausible decoded length";
	if (why != NULL)
		return kf_error_set(err, "%s: block %u column %s: %s", r->path, b, desc->name, why);
	parse_zone(desc->kind, d + KF_CHUNK_OFF_ZONE, &r->zones[(size_t) b * KF_NUM_COLUMNS + col]);
	return 0;
}

/*
 * Reads the column directory: dir_cols[i] = the known column of directory entry i, or
 * KF_NUM_COLUMNS for a column this build does not know (written by a newer writer; skipped).
 */
static int
parse_column_directory(kf_part_reader *r, const uint8_t *p, uint32_t ncols, kf_column_id *dir_cols,
					   kf_error *err)
{
	bool		seen[KF_NUM_COLUMNS] = {false};

	for (uint32_t i = 0; i < ncols; i++, p += KF_FOOTER_COLUMN_ENTRY)
	{
		uint16_t	id = kf_get_u16(p);

		dir_cols[i] = KF_NUM_COLUMNS;
		if (id >= KF_NUM_COLUMNS)
			continue;
		if (seen[id])
			return kf_error_set(err, "%s: column %s listed twice", r->path, kf_column_describe(id)->name);
		if (p[2] != (uint8_t) kf_column_describe(id)->kind)
			return kf_error_set(err, "%s: column %s has kind %u, expected %u", r->path,
								kf_column_describe(id)->name, p[2], (unsigned) kf_column_describe(id)->kind);
		seen[id] = true;
		dir_cols[i] = (kf_column_id) id;
	}
	if (!seen[KF_COL_CTIMESTAMP])
		return kf_error_set(err, "%s: column ctimestamp is missing", r->path);
	return 0;
}

/* Parses the per-block part of the footer at p. */
static int
parse_blocks(kf_part_reader *r, const uint8_t *p, uint32_t ncols, const kf_column_id *dir_cols, kf_error *err)
{
	uint64_t	total = 0;

	for (uint32_t b = 0; b < r->blocks; b++)
	{
		uint32_t	n = kf_get_u32(p);

		if (n == 0 || n > KF_BLOCK_MAX_ROWS || kf_get_u32(p + 4) != 0)
			return kf_error_set(err, "%s: block %u has an invalid row count %u", r->path, b, n);
		r->block_rows[b] = n;
		total += n;
		p += KF_FOOTER_BLOCK_ENTRY;
		for (uint32_t i = 0; i < ncols; i++, p += KF_FOOTER_CHUNK_ENTRY)
		{
			if (dir_cols[i] != KF_NUM_COLUMNS && parse_chunk(r, b, dir_cols[i], p, err) != 0)
				return -1;
		}
	}
	if (total != r->rows)
		return kf_error_set(err, "%s: blocks hold %llu rows but the header says %llu", r->path,
							(unsigned long long) total, (unsigned long long) r->rows);
	return 0;
}

static int
parse_footer(kf_part_reader *r, const uint8_t *f, uint64_t len, kf_error *err)
{
	if (kf_get_u32(f + len - 4) != kf_crc32c(f, len - 4))
		return kf_error_set(err, "%s: footer checksum mismatch", r->path);

	uint32_t	ncols = kf_get_u32(f);
	uint64_t	want = 4 + (uint64_t) ncols * KF_FOOTER_COLUMN_ENTRY +
		(uint64_t) r->blocks * (KF_FOOTER_BLOCK_ENTRY + (uint64_t) ncols * KF_FOOTER_CHUNK_ENTRY) + 4;

	if (ncols > KF_MAX_COLUMNS_IN_PART || want != len)
		return kf_error_set(err, "%s: footer of %llu bytes does not match %u columns and %u blocks", r->path,
							(unsigned long long) len, ncols, r->blocks);

	kf_column_id *dir_cols = malloc((ncols ? ncols : 1) * sizeof(*dir_cols));

	r->block_rows = calloc(r->blocks, sizeof(*r->block_rows));
	r->chunks = calloc((size_t) r->blocks * KF_NUM_COLUMNS, sizeof(*r->chunks));
	r->zones = calloc((size_t) r->blocks * KF_NUM_COLUMNS, sizeof(*r->zones));

	int			rc;

	if (!dir_cols || !r->block_rows || !r->chunks || !r->zones)
		rc = kf_error_set(err, "%s: out of memory reading the footer", r->path);
	else if (parse_column_directory(r, f + 4, ncols, dir_cols, err) != 0)
		rc = -1;
	else
		rc = parse_blocks(r, f + 4 + (size_t) ncols * KF_FOOTER_COLUMN_ENTRY, ncols, dir_cols, err);
	free(dir_cols);
	return rc;
}

static int
open_and_verify(kf_part_reader *r, kf_error *err)
{
	struct stat st;
	uint8_t		header[KF_HEADER_SIZE];
	uint64_t	footer_len = 0;

	/* Compaction and retention delete parts only a grace period after hiding them from new
	 * listings, so a part listed but gone means the query outlived that period. */
	if ((r->fd = open(r->path, O_RDONLY | O_CLOEXEC)) < 0 && errno == ENOENT)
		return kf_error_set(err, "%s: the part no longer exists: the data changed under a long-running "
							"query (parts are merged and dropped while it ran); run it again", r->path);
	if (r->fd < 0)
		return kf_error_set(err, "%s: cannot open: %s", r->path, strerror(errno));
	if (fstat(r->fd, &st) != 0)
		return kf_error_set(err, "%s: cannot stat: %s", r->path, strerror(errno));
	if ((uint64_t) st.st_size < KF_HEADER_SIZE + KF_TRAILER_SIZE)
		return kf_error_set(err, "%s: %lld bytes is too small to be a part", r->path, (long long) st.st_size);
	if (kf_pread_exact(r->fd, header, sizeof(header), 0, r->path, err) != 0 ||
		check_header(r, header, err) != 0 ||
		read_trailer(r, (uint64_t) st.st_size, &footer_len, err) != 0)
		return -1;

	uint8_t    *footer = malloc(footer_len);

	if (footer == NULL)
		return kf_error_set(err, "%s: out of memory reading a %llu-byte footer", r->path,
							(unsigned long long) footer_len);

	int			rc = kf_pread_exact(r->fd, footer, footer_len, (off_t) r->footer_offset, r->path, err);

	if (rc == 0)
		rc = parse_footer(r, footer, footer_len, err);
	free(footer);
	return rc;
}

kf_part_reader *
kf_part_open(const char *path, kf_error *err)
{
	kf_part_reader *r = calloc(1, sizeof(*r));

	if (r == NULL || (r->path = strdup(path)) == NULL)
	{
		free(r);
		kf_error_set(err, "%s: out of memory opening a part", path);
		return NULL;
	}
	r->fd = -1;
	if (open_and_verify(r, err) != 0)
	{
		kf_part_close(r);
		return NULL;
	}
	return r;
}

void
kf_part_close(kf_part_reader *r)
{
	if (r == NULL)
		return;
	if (r->fd >= 0)
		close(r->fd);
	for (int col = 0; col < KF_NUM_COLUMNS; col++)
		kf_dict_storage_free(&r->dicts[col]);
	free(r->block_rows);
	free(r->chunks);
	free(r->zones);
	free(r->stored);
	free(r->decoded);
	free(r->addr_hi);
	free(r->addr_lo);
	free(r->restricted_rows);
	free(r->path);
	free(r);
}

/* ------------------------------------------------------------------ metadata */

uint32_t
kf_part_device_id(const kf_part_reader *r)
{
	return r->device_id;
}

uint64_t
kf_part_num_rows(const kf_part_reader *r)
{
	return r->rows;
}

uint32_t
kf_part_num_blocks(const kf_part_reader *r)
{
	return r->blocks;
}

uint32_t
kf_part_block_rows(const kf_part_reader *r, uint32_t block)
{
	return block < r->blocks ? r->block_rows[block] : 0;
}

const char *
kf_part_path(const kf_part_reader *r)
{
	return r->path;
}

const kf_zone *
kf_part_zone(const kf_part_reader *r, uint32_t block, kf_column_id col)
{
	if (block >= r->blocks || (unsigned) col >= KF_NUM_COLUMNS)
		return &default_zone;
	return &r->zones[(size_t) block * KF_NUM_COLUMNS + col];
}

/* ------------------------------------------------------------------ chunks */

/* Checks the arguments of a kf_part_read_* call; *chunk is NULL for a column the part lacks. */
static int
locate_chunk(kf_part_reader *r, uint32_t block, kf_column_id col, kf_column_kind kind,
			 const chunk_desc **chunk, kf_error *err)
{
	if (block >= r->blocks)
		return kf_error_set(err, "%s: block %u does not exist (%u blocks)", r->path, block, r->blocks);
	if ((unsigned) col >= KF_NUM_COLUMNS)
		return kf_error_set(err, "%s: unknown column %d", r->path, (int) col);
	if (kf_column_describe(col)->kind != kind)
		return kf_error_set(err, "%s: column %s read as the wrong kind", r->path, kf_column_describe(col)->name);

	const chunk_desc *c = &r->chunks[(size_t) block * KF_NUM_COLUMNS + col];

	*chunk = c->present ? c : NULL;
	return 0;
}

/* Reads, verifies and decompresses a chunk into r->decoded (followed by zeroed slack). */
static int
load_chunk(kf_part_reader *r, uint32_t block, kf_column_id col, const chunk_desc *c, kf_error *err)
{
	const char *name = kf_column_describe(col)->name;
	bool		lz4 = c->compression == KF_COMPRESSION_LZ4;

	if (kf_grow_bytes(&r->decoded, &r->decoded_cap, (size_t) c->decoded_len + KF_BITPACK_SLACK) != 0 ||
		(lz4 && kf_grow_bytes(&r->stored, &r->stored_cap, c->stored_len) != 0))
		return kf_error_set(err, "%s: block %u column %s: out of memory", r->path, block, name);

	uint8_t    *stored = lz4 ? r->stored : r->decoded;

	if (kf_pread_exact(r->fd, stored, c->stored_len, (off_t) c->offset, r->path, err) != 0)
		return -1;
	if (kf_crc32c(stored, c->stored_len) != c->crc)
		return kf_error_set(err, "%s: block %u column %s: checksum mismatch (corrupt chunk)", r->path, block, name);
	if (lz4 && LZ4_decompress_safe((const char *) stored, (char *) r->decoded, (int) c->stored_len,
								   (int) c->decoded_len) != (int) c->decoded_len)
		return kf_error_set(err, "%s: block %u column %s: lz4 data is corrupt", r->path, block, name);
	memset(r->decoded + c->decoded_len, 0, KF_BITPACK_SLACK);
	return 0;
}

static int
decode_error(kf_part_reader *r, uint32_t block, kf_column_id col, const char *why, kf_error *err)
{
	return kf_error_set(err, "%s: block %u column %s: %s", r->path, block, kf_column_describe(col)->name, why);
}

/* Loads an INT chunk and opens its stream; the chunk must be exactly the stream. */
static int
open_int_stream(kf_part_reader *r, uint32_t block, kf_column_id col, const chunk_desc *c, kf_int_stream *s,
				kf_error *err)
{
	if (load_chunk(r, block, col, c, err) != 0)
		return -1;

	const char *why = "trailing bytes after the integer stream";
	size_t		used = kf_int_stream_open(r->decoded, c->decoded_len, r->block_rows[block], s, &why);

	/* 0 is a failure even for an (impossible, corrupt) empty chunk */
	if (used == 0 || used != c->decoded_len)
		return decode_error(r, block, col, why, err);
	return 0;
}

/* Does kf_part_restrict_rows limit reads of this block? */
static bool
restricted(const kf_part_reader *r, uint32_t block)
{
	return r->restricted_count > 0 && r->restricted_block == block;
}

/* Value of row i of a frame-of-reference stream, by random access. */
static inline uint64_t
for_value(const kf_int_stream *s, uint32_t i)
{
	return s->base + kf_bitpack_get(s->packed, i, s->width);
}

void
kf_part_restrict_rows(kf_part_reader *r, uint32_t block, const uint32_t *rows, uint32_t count)
{
	r->restricted_count = 0;
	if (count == 0 || count > KF_BLOCK_MAX_ROWS)
		return;
	if (r->restricted_rows == NULL && (r->restricted_rows = malloc(KF_BLOCK_MAX_ROWS * sizeof(uint32_t))) == NULL)
		return;					/* without memory the reads simply stay whole */
	memcpy(r->restricted_rows, rows, count * sizeof(uint32_t));
	r->restricted_block = block;
	r->restricted_count = count;
}

int
kf_part_read_int(kf_part_reader *r, uint32_t block, kf_column_id col, int64_t *out, kf_error *err)
{
	const chunk_desc *c;

	if (locate_chunk(r, block, col, KF_KIND_INT, &c, err) != 0)
		return -1;

	uint32_t	n = r->block_rows[block];

	if (c == NULL)
	{
		memset(out, 0, n * sizeof(*out));
		return 0;
	}
	kf_int_stream s;

	if (open_int_stream(r, block, col, c, &s, err) != 0)
		return -1;
	if (restricted(r, block) && s.encoding == KF_INT_FOR)
		for (uint32_t k = 0; k < r->restricted_count; k++)
			out[r->restricted_rows[k]] = (int64_t) for_value(&s, r->restricted_rows[k]);
	else
		kf_int_stream_decode(&s, n, out);
	return 0;
}

/* Allocates the two block-sized int64 scratch arrays on first use. */
static int
ensure_int_scratch(kf_part_reader *r, uint32_t block, kf_column_id col, kf_error *err)
{
	if (r->addr_hi == NULL)
	{
		r->addr_hi = malloc(KF_BLOCK_MAX_ROWS * sizeof(int64_t));
		r->addr_lo = malloc(KF_BLOCK_MAX_ROWS * sizeof(int64_t));
	}
	if (r->addr_hi == NULL || r->addr_lo == NULL)
		return decode_error(r, block, col, "out of memory", err);
	return 0;
}

/* Loads an ADDR chunk and opens its two streams; the chunk must be exactly the two of them. */
static int
open_addr_streams(kf_part_reader *r, uint32_t block, kf_column_id col, const chunk_desc *c,
				  kf_int_stream *hi, kf_int_stream *lo, kf_error *err)
{
	uint32_t	n = r->block_rows[block];

	if (load_chunk(r, block, col, c, err) != 0)
		return -1;

	const char *why = "trailing bytes after the address streams";
	size_t		hi_len = kf_int_stream_open(r->decoded, c->decoded_len, n, hi, &why);
	size_t		lo_len = hi_len ? kf_int_stream_open(r->decoded + hi_len, c->decoded_len - hi_len, n, lo, &why) : 0;

	if (hi_len == 0 || lo_len == 0 || hi_len + lo_len != c->decoded_len)
		return decode_error(r, block, col, why, err);
	return 0;
}

int
kf_part_read_addr(kf_part_reader *r, uint32_t block, kf_column_id col, kf_addr *out, kf_error *err)
{
	const chunk_desc *c;
	kf_int_stream hi,
				lo;

	if (locate_chunk(r, block, col, KF_KIND_ADDR, &c, err) != 0)
		return -1;

	uint32_t	n = r->block_rows[block];

	if (c == NULL)
	{
		memset(out, 0, n * sizeof(*out));
		return 0;
	}
	if (ensure_int_scratch(r, block, col, err) != 0 || open_addr_streams(r, block, col, c, &hi, &lo, err) != 0)
		return -1;
	if (restricted(r, block) && hi.encoding == KF_INT_FOR && lo.encoding == KF_INT_FOR)
	{
		for (uint32_t k = 0; k < r->restricted_count; k++)
		{
			uint32_t	i = r->restricted_rows[k];

			out[i].hi = for_value(&hi, i);
			out[i].lo = for_value(&lo, i);
		}
		return 0;
	}
	kf_int_stream_decode(&hi, n, r->addr_hi);
	kf_int_stream_decode(&lo, n, r->addr_lo);
	for (uint32_t i = 0; i < n; i++)
	{
		out[i].hi = (uint64_t) r->addr_hi[i];
		out[i].lo = (uint64_t) r->addr_lo[i];
	}
	return 0;
}

int
kf_part_read_dict(kf_part_reader *r, uint32_t block, kf_column_id col, uint32_t *codes_out,
				  kf_dict *dict_out, kf_error *err)
{
	const chunk_desc *c;

	if (locate_chunk(r, block, col, KF_KIND_DICT, &c, err) != 0)
		return -1;

	uint32_t	n = r->block_rows[block];

	if (c == NULL)
	{
		memset(codes_out, 0, n * sizeof(*codes_out));
		dict_out->count = 1;
		dict_out->strings = empty_dict_strings;
		dict_out->lengths = empty_dict_lengths;
		return 0;
	}
	if (load_chunk(r, block, col, c, err) != 0)
		return -1;

	const char *why;

	if (kf_dict_decode(r->decoded, c->decoded_len, n, &r->dicts[col], codes_out, dict_out, &why) != 0)
		return decode_error(r, block, col, why, err);
	return 0;
}

/* ------------------------------------------------------------------ selective reads */

/*
 * Values of rows[0..count) of an opened stream into out[k] (as uint64).  Frame of reference reads
 * each value where it lies; a delta stream has to be summed from its start, so it is decoded whole
 * into scratch (KF_BLOCK_MAX_ROWS entries) first.
 */
static void
gather_stream(const kf_int_stream *s, uint32_t n, const uint32_t *rows, uint32_t count, int64_t *scratch,
			  uint64_t *out)
{
	if (s->encoding == KF_INT_FOR)
	{
		for (uint32_t k = 0; k < count; k++)
			out[k] = for_value(s, rows[k]);
		return;
	}
	kf_int_stream_decode(s, n, scratch);
	for (uint32_t k = 0; k < count; k++)
		out[k] = (uint64_t) scratch[rows[k]];
}

int
kf_part_match_int(kf_part_reader *r, uint32_t block, kf_column_id col, int64_t lo, int64_t hi,
				  const uint32_t *rows, uint32_t count, uint8_t *match, kf_error *err)
{
	const chunk_desc *c;
	kf_int_stream s;

	if (locate_chunk(r, block, col, KF_KIND_INT, &c, err) != 0)
		return -1;

	uint32_t	n = r->block_rows[block];

	if (c == NULL || lo > hi)
	{
		/* a column the part lacks reads as 0 everywhere; an empty range matches nothing */
		uint8_t		constant = c == NULL && lo <= 0 && 0 <= hi;

		if (rows == NULL)
			memset(match, constant, n);
		for (uint32_t k = 0; rows != NULL && k < count; k++)
			match[rows[k]] = constant;
		return 0;
	}
	if (ensure_int_scratch(r, block, col, err) != 0 || open_int_stream(r, block, col, c, &s, err) != 0)
		return -1;
	if (rows == NULL && s.encoding == KF_INT_FOR)
	{
		kf_bitpack_match_for(s.packed, n, s.width, s.base, (uint64_t) lo, (uint64_t) hi - (uint64_t) lo, match);
		return 0;
	}
	if (rows == NULL)
	{
		kf_int_stream_decode(&s, n, r->addr_hi);
		for (uint32_t i = 0; i < n; i++)
			match[i] = r->addr_hi[i] >= lo && r->addr_hi[i] <= hi;
		return 0;
	}

	uint64_t   *values = (uint64_t *) r->addr_lo;

	gather_stream(&s, n, rows, count, r->addr_hi, values);
	for (uint32_t k = 0; k < count; k++)
		match[rows[k]] = (int64_t) values[k] >= lo && (int64_t) values[k] <= hi;
	return 0;
}
