/*
 * crc32c.c -- software CRC32C, slice-by-8.
 *
 * Portable C (no SSE4.2 dependency) so every build checks chunks the same way; slice-by-8 runs at
 * roughly a byte per cycle, well above what lz4 decompression delivers.  The tables are built once,
 * on first use, with pthread_once so concurrent readers are safe.
 */
#include <pthread.h>

#include "store/crc32c.h"

#define CRC32C_POLY_REFLECTED 0x82f63b78u

static uint32_t crc_table[8][256];
static pthread_once_t crc_table_once = PTHREAD_ONCE_INIT;

/* Fills crc_table: table[0] is the classic byte table, table[k] advances k more zero bytes. */
static void
build_crc_table(void)
{
	for (uint32_t byte = 0; byte < 256; byte++)
	{
		uint32_t	crc = byte;

		for (int bit = 0; bit < 8; bit++)
			crc = (crc >> 1) ^ (CRC32C_POLY_REFLECTED & (0u - (crc & 1)));
		crc_table[0][byte] = crc;
	}
	for (uint32_t byte = 0; byte < 256; byte++)
		for (int k = 1; k < 8; k++)
			crc_table[k][byte] = (crc_table[k - 1][byte] >> 8) ^ crc_table[0][crc_table[k - 1][byte] & 0xff];
}

uint32_t
kf_crc32c(const void *data, size_t len)
{
	pthread_once(&crc_table_once, build_crc_table);

	const uint8_t *p = data;
	uint32_t	crc = 0xffffffffu;

	while (len >= 8)
	{
		uint32_t	lo = crc ^ ((uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24);
		uint32_t	hi = (uint32_t) p[4] | (uint32_t) p[5] << 8 | (uint32_t) p[6] << 16 | (uint32_t) p[7] << 24;

		crc = crc_table[7][lo & 0xff] ^ crc_table[6][(lo >> 8) & 0xff] ^
			crc_table[5][(lo >> 16) & 0xff] ^ crc_table[4][lo >> 24] ^
			crc_table[3][hi & 0xff] ^ crc_table[2][(hi >> 8) & 0xff] ^
			crc_table[1][(hi >> 16) & 0xff] ^ crc_table[0][hi >> 24];
		p += 8;
		len -= 8;
	}
	while (len-- > 0)
		crc = (crc >> 8) ^ crc_table[0][(crc ^ *p++) & 0xff];
	return crc ^ 0xffffffffu;
}
