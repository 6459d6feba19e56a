/*
 * part_format.h -- the byte layout of a part file, private to store/.
 *
 * docs/format.md is the prose version of this file; keep the two in sync.  Every integer is
 * little-endian and fields are written one by one with the put/get helpers below (never by
 * copying C structs), so the layout does not depend on the compiler's padding.
 *
 *   header  (KF_HEADER_SIZE bytes)      magic, version, device id, row count, block count, CRC32C
 *   chunks  (stored bytes, back to back) block 0 column 0, block 0 column 1, ..., block 1 column 0, ...
 *   footer                               column directory, per block: rows + one descriptor per column,
 *                                        CRC32C of the footer
 *   trailer (KF_TRAILER_SIZE bytes)      footer offset, footer length, magic
 */
#ifndef KF_PART_FORMAT_H
#define KF_PART_FORMAT_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

/* "KFPART" + CR LF: the CR LF pair makes text-mode transfers corrupt the magic visibly. */
#define KF_PART_MAGIC "KFPART\r\n"
#define KF_PART_MAGIC_LEN 8

/* Header: magic[8] version:u32 device_id:u32 rows:u64 blocks:u32 crc32c(bytes 0..27):u32 */
#define KF_HEADER_SIZE 32
#define KF_HDR_OFF_VERSION 8
#define KF_HDR_OFF_DEVICE 12
#define KF_HDR_OFF_ROWS 16
#define KF_HDR_OFF_BLOCKS 24
#define KF_HDR_OFF_CRC 28

/* Trailer: footer_offset:u64 footer_length:u64 magic[8] */
#define KF_TRAILER_SIZE 24

/* Footer: ncols:u32, ncols column entries, then per block a block entry followed by ncols chunk
 * descriptors, then crc32c of everything before it in the footer:u32. */
#define KF_FOOTER_COLUMN_ENTRY 4	/* column_id:u16 kind:u8 reserved:u8 */
#define KF_FOOTER_BLOCK_ENTRY 8		/* rows:u32 reserved:u32 */
#define KF_FOOTER_CHUNK_ENTRY 56	/* see the KF_CHUNK_OFF_* offsets */
#define KF_CHUNK_OFF_OFFSET 0		/* u64 file offset of the stored bytes */
#define KF_CHUNK_OFF_STORED_LEN 8	/* u32 */
#define KF_CHUNK_OFF_DECODED_LEN 12 /* u32 */
#define KF_CHUNK_OFF_CRC 16			/* u32 crc32c of the stored bytes */
#define KF_CHUNK_OFF_COMPRESSION 20 /* u8, then 3 reserved zero bytes */
#define KF_CHUNK_OFF_ZONE 24		/* 32 bytes: INT min:i64 max:i64 0[16]; ADDR min.hi min.lo max.hi max.lo */

/* How the stored bytes of a chunk relate to its encoded bytes. */
enum kf_compression
{
	KF_COMPRESSION_NONE = 0,	/* stored == encoded */
	KF_COMPRESSION_LZ4 = 1		/* one LZ4 block (LZ4_compress_default format) */
};

/* The most a footer may claim: bounds allocations made before its CRC could be checked. */
#define KF_MAX_COLUMNS_IN_PART 1024
#define KF_MAX_BLOCKS_IN_PART (1u << 20)

/* The largest string a dictionary accepts; flow tags are far shorter. */
#define KF_DICT_STRING_MAX 4096

/* Timestamps a part can hold: 0 .. 9999-12-31T23:59:59Z, so hour arithmetic never overflows. */
#define KF_CTIMESTAMP_MAX INT64_C(253402300799)

#define KF_HOUR_SECONDS 3600

static inline void
kf_put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t) v;
	p[1] = (uint8_t) (v >> 8);
}

static inline void
kf_put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t) (v >> (8 * i));
}

static inline void
kf_put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t) (v >> (8 * i));
}

static inline uint16_t
kf_get_u16(const uint8_t *p)
{
	return (uint16_t) (p[0] | (p[1] << 8));
}

static inline uint32_t
kf_get_u32(const uint8_t *p)
{
	uint32_t	v = 0;

	for (int i = 3; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static inline uint64_t
kf_get_u64(const uint8_t *p)
{
	uint64_t	v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

/*
 * Grows the scratch buffer *buf (capacity *cap) to hold need bytes, keeping its contents.
 * Returns -1 when memory runs out (the buffer is then unchanged).
 * Writer and reader reuse such buffers across chunks so the hot path does not allocate.
 */
static inline int
kf_grow_bytes(uint8_t **buf, size_t *cap, size_t need)
{
	if (need <= *cap)
		return 0;

	uint8_t    *grown = realloc(*buf, need);

	if (grown == NULL)
		return -1;
	*buf = grown;
	*cap = need;
	return 0;
}

#endif							/* KF_PART_FORMAT_H */
