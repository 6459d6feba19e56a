/*
 * interface_names.c -- parsing the --interfaces file (see interface_names.h).
 *
 * The parsed text is kept: descriptions and device names point into it, so a large file costs its
 * size plus one small entry per line.
 */
#include "collector/interface_names.h"

#include <stdlib.h>
#include <string.h>

#include "collector/text_file.h"

struct kf_interface_names
{
	char	   *text;			/* the file, cut into NUL-terminated fields */
	kf_interface_name *entries; /* file order */
	size_t	   *linenos;		/* line of each entry */
	size_t		count;
};

bool
kf_device_ref_parse(const char *text, kf_device_ref *out)
{
	uint64_t	id;

	if (text[0] >= '0' && text[0] <= '9' && text[strspn(text, "0123456789")] == '\0')
	{
		if (!kf_text_number(text, UINT32_MAX, &id) || id == 0)
			return false;
		*out = (kf_device_ref) {(uint32_t) id, NULL};
		return true;
	}
	if (text[0] == '\0' || strlen(text) >= KF_DEVICE_NAME_MAX)
		return false;
	*out = (kf_device_ref) {0, text};
	return true;
}

bool
kf_device_ref_matches(const kf_device_ref *ref, const kf_device *device)
{
	return ref->name ? strcmp(ref->name, device->name) == 0 : ref->id == device->id;
}

/* Parses one non-blank line into e. */
static int
parse_line(char *line, const char *source, size_t lineno, kf_interface_name *e, kf_error *err)
{
	char	   *device = NULL,
			   *ifindex = NULL;
	uint64_t	index;

	if (kf_text_next_field(&line, &device) != KF_FIELD_FOUND ||
		kf_text_next_field(&line, &ifindex) != KF_FIELD_FOUND)
		return kf_error_set(err, "%s:%zu: expected \"DEVICE IFINDEX DESCRIPTION\"", source, lineno);
	if (!kf_device_ref_parse(device, &e->device))
		return kf_error_set(err, "%s:%zu: \"%s\" is neither a device id from 1 to 4294967295 nor a device name",
							source, lineno, device);
	if (!kf_text_number(ifindex, UINT32_MAX, &index))
		return kf_error_set(err, "%s:%zu: interface index \"%s\" is not a number from 0 to 4294967295",
							source, lineno, ifindex);
	e->ifindex = (uint32_t) index;
	e->description = kf_text_rest(&line);
	if (e->description[0] == '\0')
		return kf_error_set(err, "%s:%zu: interface %u has no description", source, lineno, e->ifindex);
	if (strlen(e->description) >= KF_INTERFACE_DESCRIPTION_MAX)
		return kf_error_set(err, "%s:%zu: description is longer than %d bytes", source, lineno,
							KF_INTERFACE_DESCRIPTION_MAX - 1);
	return 0;
}

/* Orders entries by (device, ifindex), then by line, for finding duplicates. */
static int
compare_by_interface(const void *a, const void *b, void *ctx)
{
	const kf_interface_names *n = ctx;
	size_t		i = *(const size_t *) a,
				j = *(const size_t *) b;
	const kf_interface_name *x = &n->entries[i],
			   *y = &n->entries[j];

	if (x->device.id != y->device.id)
		return x->device.id < y->device.id ? -1 : 1;
	int			c = strcmp(x->device.name ? x->device.name : "", y->device.name ? y->device.name : "");

	if (c != 0)
		return c;
	if (x->ifindex != y->ifindex)
		return x->ifindex < y->ifindex ? -1 : 1;
	return i < j ? -1 : i > j;
}

static bool
same_interface(const kf_interface_name *x, const kf_interface_name *y)
{
	if (x->ifindex != y->ifindex || x->device.id != y->device.id)
		return false;
	return x->device.name == NULL || strcmp(x->device.name, y->device.name) == 0;
}

/* Fails on the first line (in file order) that describes an interface an earlier line described. */
static int
check_unique(kf_interface_names *n, const char *source, kf_error *err)
{
	size_t	   *order = malloc((n->count ? n->count : 1) * sizeof(size_t));
	size_t		dup = SIZE_MAX,
				first = 0,
				group = 0;

	if (!order)
		return kf_error_set(err, "%s: out of memory", source);
	for (size_t i = 0; i < n->count; i++)
		order[i] = i;
	qsort_r(order, n->count, sizeof(size_t), compare_by_interface, n);
	/* equal interfaces are adjacent, the earliest line first */
	for (size_t k = 1; k < n->count; k++)
	{
		if (!same_interface(&n->entries[order[group]], &n->entries[order[k]]))
			group = k;
		else if (dup == SIZE_MAX || order[k] < dup)
		{
			dup = order[k];
			first = order[group];
		}
	}
	free(order);
	if (dup == SIZE_MAX)
		return 0;
	const kf_interface_name *e = &n->entries[dup];

	if (e->device.name)
		return kf_error_set(err, "%s:%zu: interface %u of device %s is already described on line %zu",
							source, n->linenos[dup], e->ifindex, e->device.name, n->linenos[first]);
	return kf_error_set(err, "%s:%zu: interface %u of device %u is already described on line %zu",
						source, n->linenos[dup], e->ifindex, e->device.id, n->linenos[first]);
}

/* Parses text, which the result takes over. */
static kf_interface_names *
parse_owned(char *text, const char *source, kf_error *err)
{
	kf_interface_names *n = calloc(1, sizeof(*n));
	size_t		cap = 0;
	kf_text_lines lines;

	if (!n)
	{
		free(text);
		kf_error_set(err, "%s: out of memory", source);
		return NULL;
	}
	n->text = text;
	kf_text_lines_init(&lines, text);
	for (char *line; (line = kf_text_next_line(&lines)) != NULL;)
	{
		if (n->count == cap)
		{
			cap = cap ? cap * 2 : 64;
			kf_interface_name *entries = realloc(n->entries, cap * sizeof(*entries));
			size_t	   *linenos = entries ? realloc(n->linenos, cap * sizeof(*linenos)) : NULL;

			if (entries)
				n->entries = entries;
			if (!linenos)
			{
				kf_error_set(err, "%s: out of memory", source);
				goto fail;
			}
			n->linenos = linenos;
		}
		if (parse_line(line, source, lines.lineno, &n->entries[n->count], err) < 0)
			goto fail;
		n->linenos[n->count++] = lines.lineno;
	}
	if (check_unique(n, source, err) < 0)
		goto fail;
	return n;
fail:
	kf_interface_names_free(n);
	return NULL;
}

kf_interface_names *
kf_interface_names_parse(const char *text, const char *source, kf_error *err)
{
	char	   *copy = strdup(text);

	if (!copy)
	{
		kf_error_set(err, "%s: out of memory", source);
		return NULL;
	}
	return parse_owned(copy, source, err);
}

kf_interface_names *
kf_interface_names_load(const char *path, kf_error *err)
{
	char	   *text = kf_read_text_file(path, "interfaces file", err);

	return text ? parse_owned(text, path, err) : NULL;
}

size_t
kf_interface_names_count(const kf_interface_names *names)
{
	return names->count;
}

const kf_interface_name *
kf_interface_names_at(const kf_interface_names *names, size_t i)
{
	return &names->entries[i];
}

void
kf_interface_names_free(kf_interface_names *names)
{
	if (!names)
		return;
	free(names->entries);
	free(names->linenos);
	free(names->text);
	free(names);
}

/* Orders (ifindex, file position) pairs packed into one uint64_t. */
static int
compare_u64(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *) a,
				y = *(const uint64_t *) b;

	return x < y ? -1 : x > y;
}

int
kf_interface_table_build(const kf_interface_names *names, const kf_device *device, kf_interface_table *out)
{
	uint64_t   *order = malloc((names->count ? names->count : 1) * sizeof(*order));
	size_t		n = 0;

	memset(out, 0, sizeof(*out));
	if (!order)
		return -1;
	/* an interfaces file has far fewer than 2^32 lines */
	for (size_t i = 0; i < names->count; i++)
		if (kf_device_ref_matches(&names->entries[i].device, device))
			order[n++] = ((uint64_t) names->entries[i].ifindex << 32) | (uint32_t) i;
	qsort(order, n, sizeof(*order), compare_u64);
	out->ifindexes = malloc((n ? n : 1) * sizeof(*out->ifindexes));
	out->descriptions = malloc((n ? n : 1) * sizeof(*out->descriptions));
	if (!out->ifindexes || !out->descriptions)
	{
		free(order);
		kf_interface_table_free(out);
		return -1;
	}
	for (size_t k = 0; k < n; k++)
	{
		uint32_t	ifindex = (uint32_t) (order[k] >> 32);

		if (out->count > 0 && out->ifindexes[out->count - 1] == ifindex)
			continue;
		out->ifindexes[out->count] = ifindex;
		out->descriptions[out->count++] = names->entries[(uint32_t) order[k]].description;
	}
	free(order);
	return 0;
}

const char *
kf_interface_table_find(const kf_interface_table *table, uint32_t ifindex)
{
	size_t		lo = 0,
				hi = table->count;

	while (lo < hi)
	{
		size_t		mid = lo + (hi - lo) / 2;

		if (table->ifindexes[mid] < ifindex)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < table->count && table->ifindexes[lo] == ifindex ? table->descriptions[lo] : NULL;
}

void
kf_interface_table_free(kf_interface_table *table)
{
	free(table->ifindexes);
	free(table->descriptions);
	memset(table, 0, sizeof(*table));
}
