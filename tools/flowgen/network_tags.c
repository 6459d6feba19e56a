/*
 * network_tags.c -- the tag table: internal hosts are MYNETWORK (10.0.0.0/8 and fd00::/8),
 * 10.1.0.0/16 is also DC_EAST.  The lookup answers from the same table the tags file is written
 * from, so the CSV and the collector's tags cannot drift apart.
 */
#include "tools/flowgen/network_tags.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef struct tag_prefix
{
	const char *name;
	bool		is_ipv6;
	uint8_t		addr[16];		/* network order; IPv4 in the first 4 bytes */
	unsigned	prefix_len;
	const char *text;
} tag_prefix;

static const tag_prefix tag_table[] = {
	{"MYNETWORK", false, {10}, 8, "10.0.0.0/8"},
	{"DC_EAST", false, {10, 1}, 16, "10.1.0.0/16"},
	{"MYNETWORK", true, {0xfd}, 8, "fd00::/8"},
};

#define TAG_ROWS (sizeof(tag_table) / sizeof(tag_table[0]))

/* The joined tag string for every subset of table rows (bit i = row i matched), built once. */
static char tag_strings[1u << TAG_ROWS][64];
static bool tag_strings_built;

static int
compare_names(const void *a, const void *b)
{
	return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* Builds the collector's canonical form of each subset: distinct names, sorted, comma-joined. */
static void
build_tag_strings(void)
{
	for (unsigned mask = 0; mask < (1u << TAG_ROWS); mask++)
	{
		const char *names[TAG_ROWS];
		size_t		n = 0;

		for (size_t i = 0; i < TAG_ROWS; i++)
			if (mask & (1u << i))
				names[n++] = tag_table[i].name;
		qsort(names, n, sizeof(names[0]), compare_names);
		for (size_t i = 0; i < n; i++)
		{
			if (i > 0 && strcmp(names[i], names[i - 1]) == 0)
				continue;
			if (tag_strings[mask][0] != '\0')
				strcat(tag_strings[mask], ",");
			strcat(tag_strings[mask], names[i]);
		}
	}
	tag_strings_built = true;
}

void
network_tags_write(FILE *f)
{
	fputs("# flowgen's address plan: NAME PREFIX\n", f);
	for (size_t i = 0; i < sizeof(tag_table) / sizeof(tag_table[0]); i++)
		fprintf(f, "%s %s\n", tag_table[i].name, tag_table[i].text);
}

static bool
prefix_matches(const uint8_t *addr, const tag_prefix *p)
{
	unsigned	full = p->prefix_len / 8;
	unsigned	rest = p->prefix_len % 8;

	if (memcmp(addr, p->addr, full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t		mask = (uint8_t) (0xff << (8 - rest));

	return (addr[full] & mask) == (p->addr[full] & mask);
}

static const char *
tags_for(const uint8_t *addr, bool is_ipv6)
{
	unsigned	mask = 0;

	if (!tag_strings_built)
		build_tag_strings();
	for (size_t i = 0; i < TAG_ROWS; i++)
		if (tag_table[i].is_ipv6 == is_ipv6 && prefix_matches(addr, &tag_table[i]))
			mask |= 1u << i;
	return tag_strings[mask];
}

const char *
network_tags_for_v4(uint32_t addr)
{
	uint8_t		bytes[4] = {(uint8_t) (addr >> 24), (uint8_t) (addr >> 16), (uint8_t) (addr >> 8), (uint8_t) addr};

	return tags_for(bytes, false);
}

const char *
network_tags_for_v6(const uint8_t addr[16])
{
	return tags_for(addr, true);
}
