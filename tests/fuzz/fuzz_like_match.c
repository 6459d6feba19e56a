/*
 * fuzz_like_match.c -- libFuzzer harness for engine/like_match.c.
 *
 * Input: one flag byte (bit 0: ILIKE), one byte giving the pattern length, the pattern, then the
 * string.  Any bytes must compile (or be rejected with a message) and match without crashing;
 * when pattern and string are valid UTF-8 the greedy matcher must agree with a memoized
 * dynamic-programming matcher written here from the definition.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/like_match.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_LEN 200

enum
{
	ITEM_ANY_CHAR = 256,
	ITEM_ANY_RUN = 257
};

static bool
valid_utf8(const uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n;)
	{
		size_t		extra = s[i] < 0x80 ? 0 : (s[i] & 0xE0) == 0xC0 ? 1 : (s[i] & 0xF0) == 0xE0 ? 2
			: (s[i] & 0xF8) == 0xF0 ? 3 : 4;

		if (extra == 4 || i + extra >= n)
			return false;
		for (size_t k = 1; k <= extra; k++)
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
		i += extra + 1;
	}
	return true;
}

static size_t
next_char(const uint8_t *s, size_t n, size_t i)
{
	for (i++; i < n && (s[i] & 0xC0) == 0x80; i++)
		;
	return i;
}

static uint8_t
fold(uint8_t c, bool ci)
{
	return ci && c >= 'A' && c <= 'Z' ? (uint8_t) (c + 32) : c;
}

/* memo[pi][si]: 0 unknown, 1 no match, 2 match */
static uint8_t memo[MAX_LEN + 1][MAX_LEN + 1];

static bool
dp_match(const int *items, size_t nitems, size_t pi, const uint8_t *s, size_t n, size_t si, bool ci)
{
	if (memo[pi][si])
		return memo[pi][si] == 2;
	bool		m;

	if (pi == nitems)
		m = si == n;
	else if (items[pi] == ITEM_ANY_RUN)
		m = dp_match(items, nitems, pi + 1, s, n, si, ci) ||
			(si < n && dp_match(items, nitems, pi, s, n, next_char(s, n, si), ci));
	else if (si == n)
		m = false;
	else if (items[pi] == ITEM_ANY_CHAR)
		m = dp_match(items, nitems, pi + 1, s, n, next_char(s, n, si), ci);
	else
		m = fold(s[si], ci) == fold((uint8_t) items[pi], ci) && dp_match(items, nitems, pi + 1, s, n, si + 1, ci);
	memo[pi][si] = m ? 2 : 1;
	return m;
}

/* The definition: returns false when the pattern ends with an escape. */
static bool
reference_match(const uint8_t *p, size_t pn, const uint8_t *s, size_t n, bool ci, bool *matched)
{
	int			items[MAX_LEN];
	size_t		nitems = 0;

	for (size_t i = 0; i < pn; i++)
	{
		if (p[i] == '\\')
		{
			if (++i == pn)
				return false;
			items[nitems++] = p[i];
		}
		else if (p[i] == '%')
			items[nitems++] = ITEM_ANY_RUN;
		else if (p[i] == '_')
			items[nitems++] = ITEM_ANY_CHAR;
		else
			items[nitems++] = p[i];
	}
	memset(memo, 0, sizeof(memo));
	*matched = dp_match(items, nitems, 0, s, n, 0, ci);
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	bool		ci = data[0] & 1;
	size_t		pn = data[1] <= size - 2 ? data[1] : size - 2;
	const uint8_t *p = data + 2;
	const uint8_t *s = p + pn;
	size_t		sn = size - 2 - pn;
	kf_error	err;

	if (pn > MAX_LEN || sn > MAX_LEN)
		return 0;
	like_pattern *compiled = like_compile((const char *) p, pn, ci, &err);
	bool		ref_matched = false;
	bool		ref_ok = reference_match(p, pn, s, sn, ci, &ref_matched);

	if ((compiled != NULL) != ref_ok)
	{
		fprintf(stderr, "compile disagrees with the reference\n");
		abort();
	}
	if (compiled == NULL)
		return 0;
	bool		matched = like_match(compiled, (const char *) s, sn);

	like_free(compiled);
	if (valid_utf8(p, pn) && valid_utf8(s, sn) && matched != ref_matched)
	{
		fprintf(stderr, "like_match says %d, the reference %d\n", matched, ref_matched);
		abort();
	}
	return 0;
}
