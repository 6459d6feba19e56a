/*
 * asn_table.c -- the prefix -> AS number table (see asn_table.h).
 *
 * Loading sorts the prefixes of a family by (start, length) and sweeps them once with a stack of
 * the prefixes that contain the current position (prefixes either nest or are disjoint), writing a
 * boundary wherever the innermost prefix changes: "from this address on, AS n (0 = none)".  A lookup
 * is then a binary search for the last boundary at or before the address (for IPv4 only among the
 * boundaries of the address's /16, found in a 256 KB index).
 */
#include "collector/asn_table.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "collector/addr_text.h"
#include "collector/text_file.h"

#define V4_FIRST_BIT 96
#define MAX_STACK 129			/* prefix lengths 0..128 nest at most this deep */
#define V4_BLOCKS 65536			/* /16 blocks of the IPv4 lookup index */

/* One line of the file. */
typedef struct asn_entry
{
	kf_addr		start;			/* host bits cleared */
	uint32_t	asn;
	uint32_t	lineno;
	uint8_t		len;
	bool		v4;
} asn_entry;

/* Boundaries of one family while building, as 128-bit addresses. */
typedef struct boundary_list
{
	kf_addr    *starts;
	uint32_t   *asns;
	size_t		count;
} boundary_list;

/* An IPv4 boundary: start and AS side by side, so the last probe of a lookup brings its AS. */
typedef struct v4_boundary
{
	uint32_t	start;			/* host order */
	uint32_t	asn;
} v4_boundary;

struct kf_asn_table
{
	v4_boundary *v4;			/* ascending */
	size_t		v4_count;
	uint32_t   *v4_first;		/* [k]: first boundary at or after k.0.0 (k = the top 16 bits) */
	kf_addr    *v6_starts;
	uint32_t   *v6_asns;
	size_t		v6_count;
	size_t		prefixes;
};

/* The last address of a prefix: its start with every host bit set. */
static kf_addr
prefix_end(const asn_entry *e)
{
	unsigned	keep = (e->v4 ? V4_FIRST_BIT : 0) + e->len;
	kf_addr		end = e->start;

	if (keep < 64)
		end.hi |= UINT64_MAX >> keep;
	if (keep < 128)
		end.lo |= keep <= 64 ? UINT64_MAX : UINT64_MAX >> (keep - 64);
	return end;
}

static kf_addr
addr_next(kf_addr a)
{
	a.lo++;
	if (a.lo == 0)
		a.hi++;
	return a;
}

static int
compare_entries(const void *a, const void *b)
{
	const asn_entry *x = a,
			   *y = b;

	if (x->v4 != y->v4)
		return x->v4 ? -1 : 1;
	int			c = kf_addr_cmp(x->start, y->start);

	if (c != 0)
		return c;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;	/* the enclosing prefix first */
	return x->lineno < y->lineno ? -1 : x->lineno > y->lineno;
}

static bool
same_prefix(const asn_entry *x, const asn_entry *y)
{
	return x->v4 == y->v4 && x->len == y->len && kf_addr_cmp(x->start, y->start) == 0;
}

/* Records "from point on, asn"; a later boundary at the same point replaces the earlier one, and
 * boundaries that change nothing are left out.  The arrays have room for every boundary. */
static void
add_boundary(boundary_list *b, kf_addr point, uint32_t asn)
{
	if (b->count > 0 && kf_addr_cmp(b->starts[b->count - 1], point) == 0)
		b->count--;
	uint32_t	before = b->count > 0 ? b->asns[b->count - 1] : 0;

	if (asn == before)
		return;
	b->starts[b->count] = point;
	b->asns[b->count++] = asn;
}

/* Sweeps the sorted entries of one family into boundaries (see the file comment). */
static int
sweep(const asn_entry *entries, size_t n, kf_addr family_last, boundary_list *out, const char *source,
	  kf_error *err)
{
	const asn_entry *stack[MAX_STACK];
	size_t		depth = 0;

	out->starts = malloc((2 * n + 1) * sizeof(kf_addr));
	out->asns = malloc((2 * n + 1) * sizeof(uint32_t));
	out->count = 0;
	if (!out->starts || !out->asns)
		return kf_error_set(err, "%s: out of memory building the AS table", source);
	for (size_t i = 0; i <= n; i++)
	{
		const asn_entry *e = i < n ? &entries[i] : NULL;

		if (e && i > 0 && same_prefix(e, &entries[i - 1]))
		{
			char		text[KF_ADDR_TEXT_MAX];

			if (e->asn == entries[i - 1].asn)
				continue;
			return kf_error_set(err, "%s:%u: prefix %s/%u is already on line %u with AS %u", source,
								e->lineno, kf_addr_format(e->start, text, sizeof(text)), e->len,
								entries[i - 1].lineno, entries[i - 1].asn);
		}
		/* close the prefixes that end before e (all of them at the end) */
		while (depth > 0 && (!e || kf_addr_cmp(prefix_end(stack[depth - 1]), e->start) < 0))
		{
			kf_addr		end = prefix_end(stack[--depth]);

			if (kf_addr_cmp(end, family_last) != 0)
				add_boundary(out, addr_next(end), depth > 0 ? stack[depth - 1]->asn : 0);
		}
		if (e)
		{
			add_boundary(out, e->start, e->asn);
			stack[depth++] = e;
		}
	}
	return 0;
}

/* Parses one non-blank line into e. */
static int
parse_line(char *line, const char *source, size_t lineno, asn_entry *e, kf_error *err)
{
	char	   *prefix = NULL,
			   *asn = NULL,
			   *extra = NULL;
	kf_prefix	p;
	uint64_t	number;

	if (kf_text_next_field(&line, &prefix) != KF_FIELD_FOUND ||
		kf_text_next_field(&line, &asn) != KF_FIELD_FOUND ||
		kf_text_next_field(&line, &extra) != KF_FIELD_NONE)
		return kf_error_set(err, "%s:%zu: expected \"PREFIX ASN\"", source, lineno);
	if (!kf_text_prefix(prefix, &p))
		return kf_error_set(err, "%s:%zu: \"%s\" is not an IPv4 or IPv6 prefix", source, lineno, prefix);
	if (!kf_text_number(asn, UINT32_MAX, &number) || number == 0)
		return kf_error_set(err, "%s:%zu: AS number \"%s\" is not a number from 1 to 4294967295",
							source, lineno, asn);
	*e = (asn_entry) {p.addr, (uint32_t) number, (uint32_t) lineno, p.len, p.v4};
	return 0;
}

/* Reads every prefix of text (modified in place) into *entries. */
static int
parse_entries(char *text, const char *source, asn_entry **entries, size_t *count, kf_error *err)
{
	kf_text_lines lines;
	size_t		cap = 1024;

	/* allocated even for an empty file: building sorts and offsets into it */
	*entries = malloc(cap * sizeof(asn_entry));
	*count = 0;
	if (!*entries)
		return kf_error_set(err, "%s: out of memory", source);
	kf_text_lines_init(&lines, text);
	for (char *line; (line = kf_text_next_line(&lines)) != NULL;)
	{
		if (line[strspn(line, " \t\r")] == ';')
			continue;
		if (*count == KF_ASN_MAX_PREFIXES)
			return kf_error_set(err, "%s:%zu: more than %u prefixes", source, lines.lineno, KF_ASN_MAX_PREFIXES);
		if (lines.lineno > UINT32_MAX)
			return kf_error_set(err, "%s:%zu: too many lines", source, lines.lineno);
		if (*count == cap)
		{
			cap *= 2;
			asn_entry  *grown = realloc(*entries, cap * sizeof(asn_entry));

			if (!grown)
				return kf_error_set(err, "%s: out of memory", source);
			*entries = grown;
		}
		if (parse_line(line, source, lines.lineno, &(*entries)[*count], err) < 0)
			return -1;
		(*count)++;
	}
	return 0;
}

/* Moves the IPv4 boundaries (IPv4-mapped) into t's 32-bit array and indexes them by their top
 * 16 bits, so a lookup only searches the boundaries of its own /16 (and the one before). */
static int
take_v4(kf_asn_table *t, boundary_list *b)
{
	t->v4 = malloc((b->count ? b->count : 1) * sizeof(v4_boundary));
	t->v4_first = malloc((V4_BLOCKS + 1) * sizeof(uint32_t));
	if (!t->v4 || !t->v4_first)
		return -1;
	for (size_t i = 0; i < b->count; i++)
		t->v4[i] = (v4_boundary) {(uint32_t) b->starts[i].lo, b->asns[i]};
	t->v4_count = b->count;
	free(b->starts);
	free(b->asns);
	b->starts = NULL;
	b->asns = NULL;
	size_t		i = 0;

	for (uint32_t block = 0; block <= V4_BLOCKS; block++)
	{
		while (i < t->v4_count && (t->v4[i].start >> 16) < block)
			i++;
		t->v4_first[block] = (uint32_t) i;
	}
	return 0;
}

/* Builds the table from parsed entries (sorted here). */
static kf_asn_table *
build(asn_entry *entries, size_t n, const char *source, kf_error *err)
{
	kf_asn_table *t = calloc(1, sizeof(*t));
	boundary_list v4 = {NULL, NULL, 0},
				v6 = {NULL, NULL, 0};
	size_t		n4 = 0;

	if (!t)
	{
		kf_error_set(err, "%s: out of memory", source);
		return NULL;
	}
	qsort(entries, n, sizeof(asn_entry), compare_entries);
	while (n4 < n && entries[n4].v4)
		n4++;
	if (sweep(entries, n4, kf_addr_from_v4(UINT32_MAX), &v4, source, err) < 0 ||
		sweep(entries + n4, n - n4, (kf_addr) {UINT64_MAX, UINT64_MAX}, &v6, source, err) < 0)
		goto fail;
	if (take_v4(t, &v4) < 0)
	{
		kf_error_set(err, "%s: out of memory", source);
		goto fail;
	}
	t->v6_starts = v6.starts;
	t->v6_asns = v6.asns;
	t->v6_count = v6.count;
	for (size_t i = 0; i < n; i++)
		if (i == 0 || !same_prefix(&entries[i - 1], &entries[i]))
			t->prefixes++;
	return t;
fail:
	free(v4.starts);
	free(v4.asns);
	free(v6.starts);
	free(v6.asns);
	kf_asn_table_free(t);
	return NULL;
}

/* Parses text (modified in place, still the caller's). */
static kf_asn_table *
parse_in_place(char *text, const char *source, kf_error *err)
{
	asn_entry  *entries;
	size_t		n;
	kf_asn_table *t = NULL;

	if (parse_entries(text, source, &entries, &n, err) == 0)
		t = build(entries, n, source, err);
	free(entries);
	return t;
}

kf_asn_table *
kf_asn_table_parse(const char *text, const char *source, kf_error *err)
{
	char	   *copy = strdup(text);

	if (!copy)
	{
		kf_error_set(err, "%s: out of memory", source);
		return NULL;
	}
	kf_asn_table *t = parse_in_place(copy, source, err);

	free(copy);
	return t;
}

kf_asn_table *
kf_asn_table_load(const char *path, kf_error *err)
{
	char	   *text = kf_read_text_file(path, "AS number file", err);

	if (!text)
		return NULL;
	kf_asn_table *t = parse_in_place(text, path, err);

	free(text);
	return t;
}

uint32_t
kf_asn_lookup(const kf_asn_table *t, kf_addr a)
{
	size_t		lo = 0,
				hi;

	/* find the first boundary after a; the one before it applies */
	if (kf_addr_is_v4(a))
	{
		uint32_t	v4 = (uint32_t) a.lo;

		lo = t->v4_first[v4 >> 16];
		hi = t->v4_first[(v4 >> 16) + 1];
		while (lo < hi)
		{
			size_t		mid = (lo + hi) / 2;

			if (t->v4[mid].start <= v4)
				lo = mid + 1;
			else
				hi = mid;
		}
		return lo > 0 ? t->v4[lo - 1].asn : 0;
	}
	hi = t->v6_count;
	while (lo < hi)
	{
		size_t		mid = (lo + hi) / 2;

		if (kf_addr_cmp(t->v6_starts[mid], a) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 ? t->v6_asns[lo - 1] : 0;
}

size_t
kf_asn_table_count(const kf_asn_table *t)
{
	return t->prefixes;
}

void
kf_asn_table_free(kf_asn_table *t)
{
	if (!t)
		return;
	free(t->v4);
	free(t->v4_first);
	free(t->v6_starts);
	free(t->v6_asns);
	free(t);
}
