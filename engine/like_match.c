/*
 * like_match.c -- PostgreSQL LIKE semantics: compiling a pattern into literal bytes, one-character
 * wildcards and any-run wildcards, and matching it with the classic greedy algorithm that
 * backtracks only to the last '%' (exact for patterns made of these three items).
 */
#include "engine/like_match.h"

#include <stdlib.h>

/* Pattern items: a literal byte 0..255, or one of these. */
#define ITEM_ANY_CHAR 256		/* '_' */
#define ITEM_ANY_RUN 257		/* '%' */

struct like_pattern
{
	bool		case_insensitive;
	size_t		nitems;
	uint16_t	items[];
};

static inline unsigned char
fold_ascii(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char) (c + ('a' - 'A')) : c;
}

like_pattern *
like_compile(const char *pattern, size_t len, bool case_insensitive, kf_error *err)
{
	like_pattern *p = malloc(sizeof(like_pattern) + (len + 1) * sizeof(uint16_t));

	if (p == NULL)
	{
		kf_error_set(err, "out of memory compiling LIKE pattern");
		return NULL;
	}
	p->case_insensitive = case_insensitive;
	p->nitems = 0;
	for (size_t i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) pattern[i];

		if (c == '%')
		{
			/* "%%" means the same as "%"; keeping one makes backtracking cheaper */
			if (p->nitems == 0 || p->items[p->nitems - 1] != ITEM_ANY_RUN)
				p->items[p->nitems++] = ITEM_ANY_RUN;
			continue;
		}
		if (c == '_')
		{
			p->items[p->nitems++] = ITEM_ANY_CHAR;
			continue;
		}
		if (c == '\\')
		{
			if (++i == len)
			{
				free(p);
				kf_error_set(err, "LIKE pattern must not end with escape character");
				return NULL;
			}
			c = (unsigned char) pattern[i];
		}
		p->items[p->nitems++] = case_insensitive ? fold_ascii(c) : c;
	}
	return p;
}

/* Index just past the UTF-8 character starting at i (continuation bytes are 10xxxxxx). */
static inline size_t
next_char(const unsigned char *s, size_t len, size_t i)
{
	i++;
	while (i < len && (s[i] & 0xC0) == 0x80)
		i++;
	return i;
}

bool
like_match(const like_pattern *p, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *) str;
	size_t		si = 0,
				pi = 0;
	size_t		run_pi = SIZE_MAX,	/* item after the last '%' seen */
				run_si = 0;		/* where that '%' currently ends in s */

	while (si < len)
	{
		if (pi < p->nitems)
		{
			uint16_t	item = p->items[pi];

			if (item == ITEM_ANY_RUN)
			{
				run_pi = ++pi;
				run_si = si;
				continue;
			}
			if (item == ITEM_ANY_CHAR)
			{
				si = next_char(s, len, si);
				pi++;
				continue;
			}
			unsigned char c = p->case_insensitive ? fold_ascii(s[si]) : s[si];

			if (c == item)
			{
				si++;
				pi++;
				continue;
			}
		}
		/* mismatch: let the last '%' swallow one more character, or fail */
		if (run_pi == SIZE_MAX)
			return false;
		run_si = next_char(s, len, run_si);
		si = run_si;
		pi = run_pi;
	}
	while (pi < p->nitems && p->items[pi] == ITEM_ANY_RUN)
		pi++;
	return pi == p->nitems;
}

void
like_free(like_pattern *p)
{
	free(p);
}
