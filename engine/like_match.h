/*
 * like_match.h -- PostgreSQL LIKE / ILIKE pattern matching over UTF-8 byte strings.
 *
 * A pattern is compiled once (per scan) and then matched against each dictionary entry of a
 * block, never per row.  '%' matches any run of characters, '_' exactly one character (a whole
 * UTF-8 sequence), '\' makes the next character literal.  ILIKE folds ASCII letters only.
 */
#ifndef KF_LIKE_MATCH_H
#define KF_LIKE_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

typedef struct like_pattern like_pattern;

/* Compiles pattern; fails (e.g. on a trailing escape character) with a message in *err. */
like_pattern *like_compile(const char *pattern, size_t len, bool case_insensitive, kf_error *err);

/* Does str[0..len) match? */
bool		like_match(const like_pattern *p, const char *str, size_t len);

void		like_free(like_pattern *p);

#endif							/* KF_LIKE_MATCH_H */
