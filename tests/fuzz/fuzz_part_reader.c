/*
 * fuzz_part_reader.c -- libFuzzer harness for the part reader (store/part_reader.c).
 *
 * The input is written to a temporary file, opened with kf_part_open, and every column of every
 * block is read.  Checksums would stop almost every mutation at the first CRC, hiding the
 * decoders from the fuzzer, so each input is tried twice: as is, and with its header, chunk and
 * footer checksums recomputed wherever the layout allows, so that corrupt lengths, widths,
 * dictionaries and lz4 streams reach the code that must reject them.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/crc32c.h"
#include "store/part_format.h"
#include "store/store.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * A tiny file can legitimately describe millions of values (a constant column is 16 bytes per
 * 65536 rows, and columns a part lacks cost nothing), so decoding is capped per input to keep the
 * fuzzer fast; the cap still covers several full blocks.
 */
#define VALUES_BUDGET (UINT64_C(1) << 22)

static char part_path[64];
static int64_t ints[KF_BLOCK_MAX_ROWS];
static kf_addr addrs[KF_BLOCK_MAX_ROWS];
static uint32_t codes[KF_BLOCK_MAX_ROWS];

/* Recomputes every checksum whose position can be found, in place. */
static void
repair_checksums(uint8_t *p, size_t size)
{
	if (size < KF_HEADER_SIZE + KF_TRAILER_SIZE)
		return;
	kf_put_u32(p + KF_HDR_OFF_CRC, kf_crc32c(p, KF_HDR_OFF_CRC));

	uint64_t	foff = kf_get_u64(p + size - KF_TRAILER_SIZE);
	uint64_t	flen = kf_get_u64(p + size - KF_TRAILER_SIZE + 8);

	if (foff < KF_HEADER_SIZE || foff > size - KF_TRAILER_SIZE || flen != size - KF_TRAILER_SIZE - foff || flen < 8)
		return;

	uint8_t    *footer = p + foff;
	uint64_t	ncols = kf_get_u32(footer);
	uint64_t	blocks = kf_get_u32(p + KF_HDR_OFF_BLOCKS);
	uint64_t	chunk_bytes = 4 + ncols * KF_FOOTER_COLUMN_ENTRY;

	for (uint64_t b = 0; b < blocks && ncols <= KF_MAX_COLUMNS_IN_PART && chunk_bytes < flen; b++)
	{
		chunk_bytes += KF_FOOTER_BLOCK_ENTRY;
		for (uint64_t c = 0; c < ncols && chunk_bytes + KF_FOOTER_CHUNK_ENTRY + 4 <= flen; c++)
		{
			uint8_t    *d = footer + chunk_bytes;
			uint64_t	off = kf_get_u64(d + KF_CHUNK_OFF_OFFSET);
			uint64_t	len = kf_get_u32(d + KF_CHUNK_OFF_STORED_LEN);

			if (off <= foff && len <= foff - off)
				kf_put_u32(d + KF_CHUNK_OFF_CRC, kf_crc32c(p + off, len));
			chunk_bytes += KF_FOOTER_CHUNK_ENTRY;
		}
	}
	kf_put_u32(footer + flen - 4, kf_crc32c(footer, flen - 4));
}

static void
read_whole_part(const uint8_t *data, size_t size)
{
	int			fd = open(part_path, O_WRONLY | O_TRUNC | O_CREAT, 0600);

	if (fd < 0 || write(fd, data, size) != (ssize_t) size)
		abort();				/* the harness itself is broken, not the input */
	close(fd);

	kf_error	err;
	kf_part_reader *r = kf_part_open(part_path, &err);

	if (r == NULL)
		return;
	uint64_t	values_read = 0;

	for (uint32_t b = 0; b < kf_part_num_blocks(r) && values_read < VALUES_BUDGET; b++)
	{
		values_read += (uint64_t) kf_part_block_rows(r, b) * KF_NUM_COLUMNS;
		for (int col = 0; col < KF_NUM_COLUMNS; col++)
		{
			kf_dict		dict;
			const kf_zone *zone = kf_part_zone(r, b, (kf_column_id) col);

			if (zone == NULL)
				abort();
			switch (kf_column_describe((kf_column_id) col)->kind)
			{
				case KF_KIND_INT:
					kf_part_read_int(r, b, (kf_column_id) col, ints, &err);
					break;
				case KF_KIND_ADDR:
					kf_part_read_addr(r, b, (kf_column_id) col, addrs, &err);
					break;
				case KF_KIND_DICT:
					if (kf_part_read_dict(r, b, (kf_column_id) col, codes, &dict, &err) == 0)
					{
						/* Touch every string a code points at, as a scan would; each must end in NUL. */
						for (uint32_t i = 0; i < kf_part_block_rows(r, b); i++)
							if (dict.strings[codes[i]][dict.lengths[codes[i]]] != '\0')
								abort();
					}
					break;
			}
		}
	}
	kf_part_close(r);
}

static void
remove_part_file(void)
{
	unlink(part_path);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (part_path[0] == '\0')
	{
		snprintf(part_path, sizeof(part_path), "/dev/shm/fuzz-part-%d.kfp", (int) getpid());
		atexit(remove_part_file);
	}
	read_whole_part(data, size);

	uint8_t    *repaired = malloc(size ? size : 1);

	if (repaired == NULL)
		return 0;
	memcpy(repaired, data, size);
	repair_checksums(repaired, size);
	read_whole_part(repaired, size);
	free(repaired);
	return 0;
}
