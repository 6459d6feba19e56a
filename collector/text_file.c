/*
 * text_file.c -- the shared configuration-file reader: files into memory, lines, fields, numbers
 * and prefixes (see text_file.h).
 */
#include "collector/text_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/addr_text.h"

#define FIELD_SPACE " \t\r"

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

void
kf_text_lines_init(kf_text_lines *lines, char *text)
{
	lines->next = text;
	lines->lineno = 0;
}

char *
kf_text_next_line(kf_text_lines *lines)
{
	while (lines->next)
	{
		char	   *line = lines->next;
		char	   *newline = strchr(line, '\n');

		if (newline)
		{
			*newline = '\0';
			lines->next = newline + 1;
		}
		else
			lines->next = NULL;
		lines->lineno++;
		char	   *hash = strchr(line, '#');

		if (hash)
			*hash = '\0';
		if (line[strspn(line, FIELD_SPACE)] != '\0')
			return line;
	}
	return NULL;
}

kf_text_field_result
kf_text_next_field(char **cursor, char **field)
{
	char	   *read = *cursor + strspn(*cursor, FIELD_SPACE);

	if (*read == '\0')
	{
		*cursor = read;
		return KF_FIELD_NONE;
	}
	/* Unquoting shifts the field left in place: write never passes read. */
	char	   *write = read;
	bool		quoted = false;

	*field = read;
	for (; *read != '\0' && (quoted || strchr(FIELD_SPACE, *read) == NULL); read++)
	{
		if (*read == '"')
			quoted = !quoted;
		else
			*write++ = *read;
	}
	*cursor = *read != '\0' ? read + 1 : read;
	*write = '\0';
	return quoted ? KF_FIELD_UNCLOSED_QUOTE : KF_FIELD_FOUND;
}

char *
kf_text_rest(char **cursor)
{
	char	   *rest = *cursor + strspn(*cursor, FIELD_SPACE);
	size_t		len = strlen(rest);

	while (len > 0 && strchr(FIELD_SPACE, rest[len - 1]) != NULL)
		rest[--len] = '\0';
	*cursor = rest + len;
	return rest;
}

bool
kf_text_number(const char *text, uint64_t max, uint64_t *value)
{
	uint64_t	v = 0;
	const char *p = text;

	for (; *p >= '0' && *p <= '9'; p++)
	{
		uint64_t	digit = (uint64_t) (*p - '0');

		if (digit > max || v > (max - digit) / 10)
			return false;
		v = v * 10 + digit;
	}
	if (p == text || *p != '\0')
		return false;
	*value = v;
	return true;
}

/* Clears the bits of a after its first `keep` bits (of 128). */
static kf_addr
clear_host_bits(kf_addr a, unsigned keep)
{
	if (keep == 0)
		return (kf_addr) {0, 0};
	if (keep < 64)
		return (kf_addr) {a.hi & ~(UINT64_MAX >> keep), 0};
	if (keep < 128)
		a.lo &= ~(UINT64_MAX >> (keep - 64));
	return a;
}

bool
kf_text_prefix(const char *text, kf_prefix *out)
{
	char		address[64];
	const char *slash = strchr(text, '/');
	size_t		address_len = slash ? (size_t) (slash - text) : strlen(text);
	uint64_t	bits = 0;

	if (address_len >= sizeof(address))
		return false;
	memcpy(address, text, address_len);
	address[address_len] = '\0';
	if (!kf_addr_parse(address, &out->addr))
		return false;
	out->v4 = strchr(address, ':') == NULL;
	unsigned	family_bits = out->v4 ? 32 : 128;

	if (slash && !kf_text_number(slash + 1, family_bits, &bits))
		return false;
	out->len = (uint8_t) (slash ? bits : family_bits);
	out->addr = clear_host_bits(out->addr, (128 - family_bits) + out->len);
	return true;
}
