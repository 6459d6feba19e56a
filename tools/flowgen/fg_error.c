/*
 * fg_error.c -- formatting of flowgen's error messages.
 */
#include "tools/flowgen/fg_error.h"

#include <stdarg.h>
#include <stdio.h>

int
fg_error_set(fg_error *err, const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}
