/*
 * error.c -- kf_error_set, the one way store/, engine/ and the collector report failures.
 */
#include <stdarg.h>
#include <stdio.h>

#include "store/store.h"

int
kf_error_set(kf_error *err, const char *fmt,...)
{
	if (err == NULL)
		return -1;

	va_list		args;

	va_start(args, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, args);
	va_end(args);
	return -1;
}
