/*
 * text_file.h -- the shared reader of kflowd's small line-oriented configuration files (tags,
 * devices, AS numbers, interface descriptions): reading a file into memory, walking its lines with
 * their numbers, splitting fields, and the field values several files share (numbers, prefixes).
 *
 * Common syntax: '#' starts a comment that runs to the end of the line (anywhere, even inside
 * quotes); blank lines are ignored; fields are separated by spaces and tabs.
 */
#ifndef KF_TEXT_FILE_H
#define KF_TEXT_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/*
 * Returns the whole file as a malloc'd NUL-terminated string, or NULL with a message that names
 * the file as `what` (e.g. "tag file") and says why.
 */
char	   *kf_read_text_file(const char *path, const char *what, kf_error *err);

/* Walks the lines of a text that it modifies in place (see kf_text_next_line). */
typedef struct kf_text_lines
{
	char	   *next;			/* start of the next line, NULL at the end */
	size_t		lineno;			/* 1-based number of the line last returned */
} kf_text_lines;

void		kf_text_lines_init(kf_text_lines *lines, char *text);

/* The next line that is not blank once its comment is cut off, NUL-terminated in place and
 * without the comment; NULL at the end.  lines->lineno is its number. */
char	   *kf_text_next_line(kf_text_lines *lines);

/* Whether kf_text_next_field found a field. */
typedef enum kf_text_field_result
{
	KF_FIELD_NONE = 0,			/* nothing but whitespace left */
	KF_FIELD_FOUND,
	KF_FIELD_UNCLOSED_QUOTE		/* a '"' without its closing '"' */
} kf_text_field_result;

/*
 * Cuts the next whitespace-separated field off *cursor (NUL-terminating it in place) into *field.
 * A part of a field between double quotes may contain spaces and tabs; the quotes are removed
 * (`interface="to NTT"` is the field `interface=to NTT`).
 */
kf_text_field_result kf_text_next_field(char **cursor, char **field);

/* The rest of the line after *cursor without its leading and trailing whitespace ("" if none). */
char	   *kf_text_rest(char **cursor);

/* A decimal number from 0 to max, digits only (no sign, no spaces). */
bool		kf_text_number(const char *text, uint64_t max, uint64_t *value);

/* An address prefix "ADDR[/LEN]": IPv4 (len 0..32, IPv4-mapped in addr) or IPv6 (len 0..128). */
typedef struct kf_prefix
{
	kf_addr		addr;			/* host bits beyond len are cleared */
	uint8_t		len;			/* counted from the family's first bit */
	bool		v4;
} kf_prefix;

/* Parses "ADDR[/LEN]"; a bare address is a host prefix.  False when it is not a prefix. */
bool		kf_text_prefix(const char *text, kf_prefix *out);

#endif							/* KF_TEXT_FILE_H */
