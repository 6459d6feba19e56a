/*
 * tags.c -- tag file parsing and address -> tag string lookup (see tags.h).
 *
 * Prefixes live in two binary tries, one over the 32 bits of IPv4 addresses and one over the 128
 * bits of IPv6 addresses: like PostgreSQL's inet, an IPv6 prefix (even ::/0) never contains an
 * IPv4 address.  The set of tags containing an address is decided by the deepest tagged trie node
 * on the address's path, so every tagged node gets its complete tag string (its own tags plus all
 * its ancestors', sorted and de-duplicated) once at load time; a lookup is then one walk down a
 * trie and no allocation.
 */
#include "collector/tags.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/addr_text.h"
#include "collector/text_file.h"

#define V6_ROOT 0
#define V4_ROOT 1
#define NO_NODE 0				/* the roots are nobody's child, so 0 can mean "no child" */
#define NO_LABEL UINT32_MAX
#define V4_FIRST_BIT 96			/* IPv4 bits inside an IPv4-mapped kf_addr */

typedef struct trie_node
{
	uint32_t	child[2];
	uint32_t	label;			/* index into labels, or NO_LABEL */
} trie_node;

/* One "TAGNAME CIDR" line. */
typedef struct tag_entry
{
	char	   *name;
	uint32_t	name_id;		/* rank of name in strcmp order */
	kf_addr		prefix;			/* IPv4 prefixes IPv4-mapped */
	bool		v4;
	uint8_t		len;			/* 0..32 for IPv4, 0..128 for IPv6 */
	uint32_t	node;
} tag_entry;

struct kf_tags
{
	trie_node  *nodes;
	size_t		nnodes,
				cap_nodes;
	char	  **labels;
	size_t		nlabels;
	char	  **names;			/* distinct names, sorted */
	size_t		nnames;
};

static int
address_bit(kf_addr a, unsigned i)
{
	return i < 64 ? (int) ((a.hi >> (63 - i)) & 1) : (int) ((a.lo >> (127 - i)) & 1);
}

static uint32_t
new_node(kf_tags *t)
{
	if (t->nnodes == t->cap_nodes)
	{
		size_t		cap = t->cap_nodes ? t->cap_nodes * 2 : 256;
		trie_node  *n = realloc(t->nodes, cap * sizeof(*n));

		if (!n)
			return NO_NODE;
		t->nodes = n;
		t->cap_nodes = cap;
	}
	t->nodes[t->nnodes] = (trie_node) {{NO_NODE, NO_NODE}, NO_LABEL};
	return (uint32_t) t->nnodes++;
}

/* Returns the node of a prefix, creating the path; NO_NODE when out of memory. */
static uint32_t
insert_prefix(kf_tags *t, const tag_entry *e)
{
	uint32_t	node = e->v4 ? V4_ROOT : V6_ROOT;
	unsigned	first = e->v4 ? V4_FIRST_BIT : 0;

	for (unsigned i = first; i < first + e->len; i++)
	{
		int			bit = address_bit(e->prefix, i);

		if (t->nodes[node].child[bit] == NO_NODE)
		{
			uint32_t	child = new_node(t);

			if (child == NO_NODE)
				return NO_NODE;
			t->nodes[node].child[bit] = child;
		}
		node = t->nodes[node].child[bit];
	}
	return node;
}

/* Parses "ADDR[/LEN]" into entry's prefix; false when invalid. */
static bool
parse_cidr(const char *cidr, tag_entry *entry)
{
	char		text[128];

	if (strlen(cidr) >= sizeof(text))
		return false;
	strcpy(text, cidr);
	char	   *slash = strchr(text, '/');
	long		bits = -1;

	if (slash)
	{
		char	   *end;

		*slash = '\0';
		errno = 0;
		bits = strtol(slash + 1, &end, 10);
		if (slash[1] == '\0' || *end != '\0' || errno || bits < 0 || bits > 128)
			return false;
	}
	if (!kf_addr_parse(text, &entry->prefix))
		return false;
	entry->v4 = strchr(text, ':') == NULL;
	if (bits < 0)
		bits = entry->v4 ? 32 : 128;
	if (entry->v4 && bits > 32)
		return false;
	entry->len = (uint8_t) bits;
	return true;
}

/* Parses one line; *entry->name is NULL for a blank or comment line.  Returns -1 on error. */
static int
parse_line(char *line, const char *source, size_t lineno, tag_entry *entry, kf_error *err)
{
	char	   *hash = strchr(line, '#');

	if (hash)
		*hash = '\0';
	char	   *save;
	char	   *name = strtok_r(line, " \t\r\n", &save);
	char	   *cidr = name ? strtok_r(NULL, " \t\r\n", &save) : NULL;

	entry->name = NULL;
	if (!name)
		return 0;
	if (!cidr || strtok_r(NULL, " \t\r\n", &save))
		return kf_error_set(err, "%s:%zu: expected \"TAGNAME CIDR\"", source, lineno);
	if (strchr(name, ','))
		return kf_error_set(err, "%s:%zu: tag name \"%s\" contains ','", source, lineno, name);
	if (!parse_cidr(cidr, entry))
		return kf_error_set(err, "%s:%zu: \"%s\" is not an IPv4 or IPv6 prefix", source, lineno, cidr);
	entry->name = strdup(name);
	if (!entry->name)
		return kf_error_set(err, "%s:%zu: out of memory", source, lineno);
	return 0;
}

static int
compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

static int
compare_entries_by_node_then_name(const void *a, const void *b)
{
	const tag_entry *x = a,
			   *y = b;

	if (x->node != y->node)
		return x->node < y->node ? -1 : 1;
	return x->name_id < y->name_id ? -1 : x->name_id > y->name_id;
}

/* Gives every entry the rank of its name among the distinct names, moving the names into t. */
static int
rank_names(kf_tags *t, tag_entry *entries, size_t n)
{
	t->names = malloc((n ? n : 1) * sizeof(char *));
	if (!t->names)
		return -1;
	for (size_t i = 0; i < n; i++)
		t->names[i] = entries[i].name;
	qsort(t->names, n, sizeof(char *), compare_strings);
	for (size_t i = 0; i < n; i++)
		if (t->nnames == 0 || strcmp(t->names[t->nnames - 1], t->names[i]) != 0)
			t->names[t->nnames++] = t->names[i];
	for (size_t i = 0; i < n; i++)
	{
		char	  **found = bsearch(&entries[i].name, t->names, t->nnames, sizeof(char *), compare_strings);

		entries[i].name_id = (uint32_t) (found - t->names);
		/* names[] keeps one copy of each name and owns it; entries only need the id now */
		if (*found != entries[i].name)
			free(entries[i].name);
		entries[i].name = NULL;
	}
	return 0;
}

/* Joins the names of sorted, distinct ids with ','. */
static char *
join_names(const kf_tags *t, const uint32_t *ids, size_t n)
{
	size_t		len = 1;

	for (size_t i = 0; i < n; i++)
		len += strlen(t->names[ids[i]]) + 1;
	char	   *s = malloc(len);

	if (!s)
		return NULL;
	char	   *p = s;

	for (size_t i = 0; i < n; i++)
	{
		if (i > 0)
			*p++ = ',';
		size_t		l = strlen(t->names[ids[i]]);

		memcpy(p, t->names[ids[i]], l);
		p += l;
	}
	*p = '\0';
	return s;
}

/* Merges sorted distinct lists a and b into out (sorted, distinct); returns out's length. */
static size_t
merge_ids(const uint32_t *a, size_t na, const uint32_t *b, size_t nb, uint32_t *out)
{
	size_t		i = 0,
				j = 0,
				n = 0;

	while (i < na || j < nb)
	{
		uint32_t	v;

		if (j >= nb || (i < na && a[i] <= b[j]))
			v = a[i++];
		else
			v = b[j++];
		if (n == 0 || out[n - 1] != v)
			out[n++] = v;
	}
	return n;
}

/* The entries of one node, found by binary search in entries sorted by node. */
typedef struct label_builder
{
	kf_tags    *t;
	const tag_entry *entries;
	size_t		nentries;
} label_builder;

/* Index of the first entry of node (entries sorted by node); *count gets how many there are. */
static size_t
node_entries(const label_builder *b, uint32_t node, size_t *count)
{
	size_t		lo = 0,
				hi = b->nentries;

	while (lo < hi)
	{
		size_t		mid = (lo + hi) / 2;

		if (b->entries[mid].node < node)
			lo = mid + 1;
		else
			hi = mid;
	}
	*count = 0;
	while (lo + *count < b->nentries && b->entries[lo + *count].node == node)
		(*count)++;
	return lo;
}

/* Adds the label of (inherited + own tags) for a node that has tags; returns the merged ids
 * (malloc'd) in *merged. */
static int
add_label(label_builder *b, uint32_t node, const uint32_t *inherited, size_t ninherited,
		  uint32_t **merged, size_t *nmerged)
{
	kf_tags    *t = b->t;
	size_t		nown;
	size_t		first = node_entries(b, node, &nown);
	uint32_t   *own = malloc(nown * sizeof(uint32_t));
	char	  **labels = realloc(t->labels, (t->nlabels + 1) * sizeof(char *));

	*merged = malloc((ninherited + nown) * sizeof(uint32_t));
	if (labels)
		t->labels = labels;
	if (!own || !labels || !*merged)
	{
		free(own);
		return -1;
	}
	for (size_t i = 0; i < nown; i++)
		own[i] = b->entries[first + i].name_id;
	*nmerged = merge_ids(inherited, ninherited, own, nown, *merged);
	free(own);
	t->labels[t->nlabels] = join_names(t, *merged, *nmerged);
	if (!t->labels[t->nlabels])
		return -1;
	t->nodes[node].label = (uint32_t) t->nlabels++;
	return 0;
}

/* Depth-first: gives every tagged node the label of its own and all its ancestors' tags. */
static int
build_labels(label_builder *b, uint32_t node, const uint32_t *inherited, size_t ninherited)
{
	kf_tags    *t = b->t;
	uint32_t   *merged = NULL;
	size_t		nmerged = ninherited;
	size_t		nown;
	int			rc = 0;

	node_entries(b, node, &nown);
	if (nown > 0)
	{
		rc = add_label(b, node, inherited, ninherited, &merged, &nmerged);
		inherited = merged;
	}
	for (int bit = 0; bit < 2 && rc == 0; bit++)
		if (t->nodes[node].child[bit] != NO_NODE)
			rc = build_labels(b, t->nodes[node].child[bit], inherited, nmerged);
	free(merged);
	return rc;
}

/* Builds the trie from parsed entries; the names move into the result (entries' become NULL). */
static kf_tags *
build(tag_entry *entries, size_t n, const char *source, kf_error *err)
{
	kf_tags    *t = calloc(1, sizeof(*t));

	if (!t || new_node(t) != V6_ROOT || new_node(t) != V4_ROOT || rank_names(t, entries, n) < 0)
		goto oom;
	for (size_t i = 0; i < n; i++)
	{
		entries[i].node = insert_prefix(t, &entries[i]);
		if (entries[i].node == NO_NODE && entries[i].len > 0)
			goto oom;
	}
	qsort(entries, n, sizeof(*entries), compare_entries_by_node_then_name);
	label_builder b = {t, entries, n};

	if (build_labels(&b, V6_ROOT, NULL, 0) < 0 || build_labels(&b, V4_ROOT, NULL, 0) < 0)
		goto oom;
	return t;
oom:
	kf_tags_free(t);
	kf_error_set(err, "%s: out of memory building the tag table", source);
	return NULL;
}

kf_tags *
kf_tags_parse(const char *text, const char *source, kf_error *err)
{
	char	   *copy = strdup(text);
	tag_entry  *entries = NULL;
	size_t		n = 0,
				cap = 0,
				lineno = 0;
	kf_tags    *t = NULL;

	if (!copy)
	{
		kf_error_set(err, "%s: out of memory", source);
		return NULL;
	}
	char	   *save;

	/* strtok_r would merge empty lines and lose the count; walk lines by hand instead. */
	for (char *line = copy; line; line = save)
	{
		save = strchr(line, '\n');
		if (save)
			*save++ = '\0';
		lineno++;
		if (n == cap)
		{
			cap = cap ? cap * 2 : 64;
			tag_entry  *grown = realloc(entries, cap * sizeof(*entries));

			if (!grown)
			{
				kf_error_set(err, "%s: out of memory", source);
				goto fail;
			}
			entries = grown;
		}
		if (parse_line(line, source, lineno, &entries[n], err) < 0)
			goto fail;
		if (entries[n].name)
			n++;
	}
	t = build(entries, n, source, err);
fail:
	for (size_t i = 0; i < n; i++)
		free(entries[i].name);
	free(entries);
	free(copy);
	return t;
}

kf_tags *
kf_tags_load(const char *path, kf_error *err)
{
	char	   *text = kf_read_text_file(path, "tag file", err);

	if (!text)
		return NULL;
	kf_tags    *t = kf_tags_parse(text, path, err);

	free(text);
	return t;
}

const char *
kf_tags_lookup(const kf_tags *t, kf_addr a)
{
	bool		v4 = kf_addr_is_v4(a);
	uint32_t	node = v4 ? V4_ROOT : V6_ROOT;
	uint32_t	label = t->nodes[node].label;

	for (unsigned depth = v4 ? V4_FIRST_BIT : 0; depth < 128; depth++)
	{
		node = t->nodes[node].child[address_bit(a, depth)];
		if (node == NO_NODE)
			break;
		if (t->nodes[node].label != NO_LABEL)
			label = t->nodes[node].label;
	}
	return label == NO_LABEL ? "" : t->labels[label];
}

size_t
kf_tags_count(const kf_tags *t)
{
	return t->nnames;
}

void
kf_tags_free(kf_tags *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nlabels; i++)
		free(t->labels[i]);
	for (size_t i = 0; i < t->nnames; i++)
		free(t->names[i]);
	free(t->labels);
	free(t->names);
	free(t->nodes);
	free(t);
}
