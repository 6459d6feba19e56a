/*
 * crc32c.c -- CRC32C: the SSE4.2 crc32 instruction when the CPU has it, else software slice-by-8.
 *
 * Every column chunk a scan decodes is checksummed first, so on a full scan the checksum is a
 * visible share of the time.  The instruction does 8 bytes per cycle or so, several times the
 * software loop; both compute the same function, the choice is made once at run time (cpuid), and
 * builds for other CPUs or compilers keep the portable loop.  The tables and the choice are set
 * up on first use with pthread_once so concurrent readers are safe.
 */
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define KF_CRC32C_HAVE_SSE42 1
#include <nmmintrin.h>
#endif

#include "store/crc32c.h"

#define CRC32C_POLY_REFLECTED 0x82f63b78u

static uint32_t crc_table[8][256];
static pthread_once_t crc_setup_once = PTHREAD_ONCE_INIT;
static bool use_sse42;

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

/* Portable slice-by-8 over the running (inverted) crc. */
static uint32_t
crc32c_software(uint32_t crc, const uint8_t *p, size_t len)
{
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
	return crc;
}

#ifdef KF_CRC32C_HAVE_SSE42
/* The same function with the SSE4.2 instruction (little-endian loads, as the software loop). */
__attribute__((target("sse4.2")))
static uint32_t
crc32c_sse42(uint32_t crc, const uint8_t *p, size_t len)
{
	uint64_t	c = crc;

	while (len >= 8)
	{
		uint64_t	word;

		memcpy(&word, p, 8);
		c = _mm_crc32_u64(c, word);
		p += 8;
		len -= 8;
	}
	crc = (uint32_t) c;
	while (len-- > 0)
		crc = _mm_crc32_u8(crc, *p++);
	return crc;
}
#endif

static void
setup(void)
{
	build_crc_table();
#ifdef KF_CRC32C_HAVE_SSE42
	__builtin_cpu_init();
	use_sse42 = __builtin_cpu_supports("sse4.2");
#endif
}

uint32_t
kf_crc32c(const void *data, size_t len)
{
	pthread_once(&crc_setup_once, setup);
#ifdef KF_CRC32C_HAVE_SSE42
	if (use_sse42)
		return crc32c_sse42(0xffffffffu, data, len) ^ 0xffffffffu;
#endif
	return crc32c_software(0xffffffffu, data, len) ^ 0xffffffffu;
}
