/*
 * fg_error.h -- explicit error reporting for flowgen: failing functions return -1 and leave a
 * human-readable message here, which main() prints once.
 */
#ifndef FLOWGEN_FG_ERROR_H
#define FLOWGEN_FG_ERROR_H

typedef struct fg_error
{
	char		msg[512];
} fg_error;

/* Formats the message (printf-style) and returns -1, so callers can `return fg_error_set(...)`. */
int			fg_error_set(fg_error *err, const char *fmt,...) __attribute__((format(printf, 2, 3)));

#endif
