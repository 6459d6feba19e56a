/*
 * text_file.c -- reads a small configuration file into memory (see text_file.h).
 */
#include "collector/text_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *
kf_read_text_file(const char *path, const char *what, kf_error *err)
{
	FILE	   *f = fopen(path, "r");

	if (!f)
	{
		kf_error_set(err, "cannot open %s \"%s\": %s", what, path, strerror(errno));
		return NULL;
	}
	char	   *text = NULL;
	size_t		size = 0;
	FILE	   *mem = open_memstream(&text, &size);
	char		buf[65536];
	size_t		got;

	while (mem && (got = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, got, mem);
	bool		read_error = ferror(f);

	fclose(f);
	if (!mem || fclose(mem) != 0 || read_error)
	{
		free(text);
		kf_error_set(err, "cannot read %s \"%s\"", what, path);
		return NULL;
	}
	return text;
}
