/*
 * byte_writer.h -- appends big-endian (network order) integers and raw bytes to a buffer; shared
 * by the NetFlow v5, v9 and IPFIX encoders and the pcap framing.  Callers size the buffer first
 * (every encoder computes its packet length before writing), so there are no bounds checks here.
 */
#ifndef FLOWGEN_BYTE_WRITER_H
#define FLOWGEN_BYTE_WRITER_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct byte_writer
{
	uint8_t    *start;
	uint8_t    *pos;
} byte_writer;

static inline byte_writer
bw_begin(uint8_t *buf)
{
	byte_writer w = {buf, buf};

	return w;
}

static inline size_t
bw_length(const byte_writer *w)
{
	return (size_t) (w->pos - w->start);
}

static inline void
bw_u8(byte_writer *w, uint32_t v)
{
	*w->pos++ = (uint8_t) v;
}

static inline void
bw_u16(byte_writer *w, uint32_t v)
{
	w->pos[0] = (uint8_t) (v >> 8);
	w->pos[1] = (uint8_t) v;
	w->pos += 2;
}

static inline void
bw_u32(byte_writer *w, uint32_t v)
{
	w->pos[0] = (uint8_t) (v >> 24);
	w->pos[1] = (uint8_t) (v >> 16);
	w->pos[2] = (uint8_t) (v >> 8);
	w->pos[3] = (uint8_t) v;
	w->pos += 4;
}

/* An unsigned value in `length` bytes (1, 2, 4 or 8), truncated to fit. */
static inline void
bw_uint(byte_writer *w, uint64_t v, unsigned length)
{
	for (unsigned i = length; i > 0; i--)
		*w->pos++ = (uint8_t) (v >> (8 * (i - 1)));
}

static inline void
bw_bytes(byte_writer *w, const void *src, size_t n)
{
	memcpy(w->pos, src, n);
	w->pos += n;
}

/* Writes a 16-bit big-endian value at an earlier position (lengths known only at the end). */
static inline void
bw_patch_u16(byte_writer *w, size_t offset, uint32_t v)
{
	w->start[offset] = (uint8_t) (v >> 8);
	w->start[offset + 1] = (uint8_t) v;
}

#endif
