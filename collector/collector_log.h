/*
 * collector_log.h -- kflowd's logging: one line per event on stderr, with a rate limiter so that
 * a flood of identical events (e.g. data sets for a template we never saw) logs at most one line
 * per key and interval.
 */
#ifndef KF_COLLECTOR_LOG_H
#define KF_COLLECTOR_LOG_H

#include <stdbool.h>
#include <stdint.h>

/* Writes "kflowd: <message>\n" to stderr as a single write. */
void		kf_log(const char *fmt,...) __attribute__((format(printf, 1, 2)));

/*
 * Returns true when an event with this key may be logged now (the key was not logged within the
 * last interval_seconds) and records that it was.  Memory is bounded: keys share a fixed table,
 * so under heavy key churn an event may occasionally log more often than the interval, never less.
 */
bool		kf_log_allowed(uint64_t key, int64_t now, int64_t interval_seconds);

/* Mixes a few integers into one rate-limiter key. */
uint64_t	kf_log_key(uint64_t a, uint64_t b, uint64_t c);

/* Silences kf_log (for benchmarks and fuzzing, where logs are noise). */
void		kf_log_set_quiet(bool quiet);

#endif							/* KF_COLLECTOR_LOG_H */
