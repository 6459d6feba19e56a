/*
 * fuzz_template_store.c -- libFuzzer harness for the saved-template file kflowd restores at start
 * (collector/template_store.c).
 *
 * The input is a whole file.  Decoding must either refuse it with a message and leave the cache
 * empty, or restore templates that survive a save/restore round trip unchanged.  The checksum is
 * recomputed over the input half of the time, so the fuzzer also reaches the entry parser.
 */
#include <stdlib.h>
#include <string.h>

#include "collector/collector_log.h"
#include "collector/template_store.h"
#include "store/crc32c.h"
#include "store/part_format.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t    *file = malloc(size ? size : 1);
	kf_template_cache *tc = kf_template_cache_new();
	kf_error	err;
	size_t		restored,
				refused;

	kf_log_set_quiet(true);
	memcpy(file, data, size);
	if (size >= 20 && (data[0] & 1))
		kf_put_u32(file + size - 4, kf_crc32c(file, size - 4));
	if (kf_template_store_decode(file, size, tc, &restored, &refused, &err) != 0)
	{
		if (kf_template_cache_count(tc) != 0 || err.msg[0] == '\0')
			abort();
	}
	else
	{
		uint8_t    *again;
		size_t		len;
		kf_template_cache *copy = kf_template_cache_new();

		if (kf_template_store_encode(tc, &again, &len, &err) != 0 ||
			kf_template_store_decode(again, len, copy, &restored, &refused, &err) != 0 ||
			kf_template_cache_count(copy) != kf_template_cache_count(tc))
			abort();
		free(again);
		kf_template_cache_free(copy);
	}
	kf_template_cache_free(tc);
	free(file);
	return 0;
}
