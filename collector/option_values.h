/*
 * option_values.h -- parsing kflowd's durations ("90", "30m", "30d") and sizes ("1048576", "500G").
 */
#ifndef KF_OPTION_VALUES_H
#define KF_OPTION_VALUES_H

#include <stdbool.h>
#include <stdint.h>

/* Whole seconds with an optional unit: s, m (minutes), h, d or w.  Rejects negatives, junk and
 * values that overflow. */
bool		kf_parse_duration(const char *text, int64_t *seconds);

/* Bytes with an optional binary unit: K, M, G or T (powers of 1024), upper or lower case. */
bool		kf_parse_size(const char *text, uint64_t *bytes);

/* A plain positive integer no larger than max. */
bool		kf_parse_count(const char *text, uint64_t max, uint64_t *value);

#endif							/* KF_OPTION_VALUES_H */
