/*
 * collector_log.c -- stderr logging and the rate limiter described in collector_log.h.
 */
#include "collector/collector_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define KF_LOG_SLOTS 1024

typedef struct kf_log_slot
{
	uint64_t	key;
	int64_t		last;
	bool		used;
} kf_log_slot;

static kf_log_slot log_slots[KF_LOG_SLOTS];
static bool log_quiet;

void
kf_log_set_quiet(bool quiet)
{
	log_quiet = quiet;
}

void
kf_log(const char *fmt,...)
{
	if (log_quiet)
		return;

	char		line[1024] = "kflowd: ";
	size_t		prefix = strlen(line);
	va_list		ap;

	va_start(ap, fmt);
	int			n = vsnprintf(line + prefix, sizeof(line) - prefix - 1, fmt, ap);

	va_end(ap);
	if (n < 0)
		return;
	size_t		len = strlen(line);

	line[len++] = '\n';
	/* One write() per line keeps lines whole even when several processes share stderr. */
	ssize_t		ignored = write(STDERR_FILENO, line, len);

	(void) ignored;
}

uint64_t
kf_log_key(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t	h = a * UINT64_C(0x9E3779B97F4A7C15);

	h ^= b + UINT64_C(0x632BE59BD9B4E019) + (h << 6) + (h >> 2);
	h ^= c + UINT64_C(0x8CB92BA72F3D8DD7) + (h << 6) + (h >> 2);
	return h;
}

bool
kf_log_allowed(uint64_t key, int64_t now, int64_t interval_seconds)
{
	kf_log_slot *slot = &log_slots[(key ^ (key >> 29)) % KF_LOG_SLOTS];

	if (slot->used && slot->key == key && now - slot->last < interval_seconds && now >= slot->last)
		return false;
	slot->used = true;
	slot->key = key;
	slot->last = now;
	return true;
}
