/*
 * fuzz_counter_file.c -- libFuzzer harness for the interface counter file reader
 * (store/counter_file.c: kf_counter_file_parse, the code kf_counter_file_read runs on a file's
 * bytes).
 *
 * The CRC would stop almost every mutation, so each input is parsed twice: as is, and with its
 * trailing CRC recomputed, so that wrong row counts, record sizes, hours and row times reach the
 * checks that must reject them.  Whatever is accepted must satisfy the reader's promises: rows
 * inside the hour and sorted by time.
 */
#include <stdlib.h>
#include <string.h>

#include "store/counter_file.h"
#include "store/crc32c.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Parses one input and checks what an accepted file promises; aborts when a promise is broken. */
static void
parse_and_check(const uint8_t *buf, size_t len)
{
	kf_counter_file f;
	kf_error	err;

	if (kf_counter_file_parse(buf, len, "fuzz-input", &f, &err) != 0)
	{
		if (strstr(err.msg, "fuzz-input") == NULL)
			abort();			/* every message names the file */
		return;
	}
	for (size_t i = 0; i < f.count; i++)
		if (f.rows[i].ctimestamp < f.hour || f.rows[i].ctimestamp >= f.hour + 3600 ||
			(i > 0 && f.rows[i].ctimestamp < f.rows[i - 1].ctimestamp))
			abort();
	kf_counter_file_free(&f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t    *copy = malloc(size ? size : 1);

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	parse_and_check(copy, size);
	if (size >= KF_COUNTER_HEADER_SIZE + KF_COUNTER_TRAILER_SIZE)
	{
		uint32_t	crc = kf_crc32c(copy, size - KF_COUNTER_TRAILER_SIZE);

		for (int i = 0; i < 4; i++)
			copy[size - KF_COUNTER_TRAILER_SIZE + i] = (uint8_t) (crc >> (8 * i));
		parse_and_check(copy, size);
	}
	free(copy);
	return 0;
}
