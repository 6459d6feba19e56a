/*
 * tags.c -- tag file parsing and flow side -> tag string matching (see tags.h).
 *
 * Prefixes live in two binary tries, one over the 32 bits of IPv4 addresses and one over the 128
 * bits of IPv6 addresses: like PostgreSQL's inet, an IPv6 prefix (even ::/0) never contains an
 * IPv4 address.  What an address gets from the prefixes is decided by the deepest labelled trie
 * node on its path, so every node that carries a line gets a complete label at load time: the
 * tag string of the prefix-only lines of it and all its ancestors, and the list of rules whose
 * cidr contains it.  A side of a flow is then one walk down a trie; only when rules exist are the
 * label's rules, the rules indexed under the side's port and the remaining rules without a prefix
 * evaluated, and only when one of them adds a name is a new string assembled (into the caller's
 * buffer).
 */
#include "collector/tags.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "collector/text_file.h"

#define V6_ROOT 0
#define V4_ROOT 1
#define NO_NODE 0				/* the roots are nobody's child, so 0 can mean "no child" */
#define NO_LABEL 0				/* label 0 is the empty one: no names, no rules */
#define NO_RULE UINT32_MAX
#define V4_FIRST_BIT 96			/* IPv4 bits inside an IPv4-mapped kf_addr */
#define PORT_COUNT 65536
#define PORT_INDEX_MAX_SPAN 256 /* rules with at most this many ports are indexed by port */
#define RANGE_TEXT_MAX 32

/* The conditions a rule has (a bit mask). */
enum
{
	COND_CIDR = 1 << 0,
	COND_PORT = 1 << 1,
	COND_PROTOCOL = 1 << 2,
	COND_DEVICE = 1 << 3,
	COND_IFINDEX = 1 << 4,
	COND_IFDESC = 1 << 5,		/* interface=NAME */
	COND_AS = 1 << 6
};

typedef struct trie_node
{
	uint32_t	child[2];
	uint32_t	label;			/* index into labels, NO_LABEL when no line ends here */
} trie_node;

/* A line with conditions beyond one prefix (its prefix, if any, is in the trie). */
typedef struct tag_rule
{
	uint32_t	name_id;
	uint32_t	conditions;
	uint32_t	protocol;
	uint32_t	port_lo,
				port_hi;
	uint32_t	as_lo,
				as_hi;
	uint32_t	ifindex;
	uint32_t	first_described,	/* COND_IFDESC: the interfaces with that description */
				ndescribed;
	kf_device_ref device;		/* name points into kf_tags.text */
} tag_rule;

/* What a trie node (and every address below it without a deeper label) gets. */
typedef struct tag_label
{
	char	   *text;			/* the prefix-only lines' names, joined */
	uint32_t	first_id,		/* the same as sorted name ids, in label_ids */
				nids;
	uint32_t	first_rule,		/* rules whose cidr contains the node, in label_rules */
				nrules;
} tag_label;

struct kf_tags
{
	char	   *text;			/* the parsed file: names and device names point into it */
	const kf_interface_names *interfaces;	/* borrowed for interface=NAME */
	trie_node  *nodes;
	size_t		nnodes,
				cap_nodes;
	tag_label  *labels;
	size_t		nlabels,
				cap_labels;
	uint32_t   *label_ids;
	size_t		nlabel_ids,
				cap_label_ids;
	uint32_t   *label_rules;
	size_t		nlabel_rules,
				cap_label_rules;
	const char **names;			/* distinct names, sorted */
	size_t		nnames;
	size_t		joined_max;		/* bytes of every name joined, with the NUL */
	tag_rule   *rules;
	size_t		nrules,
				cap_rules;
	const kf_interface_name **described;
	size_t		ndescribed,
				cap_described;
	uint32_t   *port_first;		/* PORT_COUNT + 1 offsets into port_rules; NULL when none */
	uint32_t   *port_rules;
	uint64_t   *port_used;		/* bit per port: has indexed rules (8 KB, stays in cache) */
	uint32_t   *other_rules;	/* rules without a prefix that are not indexed by port */
	size_t		nother;
};

struct kf_tag_buffer
{
	char	   *text;
	uint32_t   *ids;			/* names matched by rules, sorted, distinct */
	uint32_t   *merged;			/* ids plus the label's */
};

/* One line of the file. */
typedef struct tag_entry
{
	const char *name;
	uint32_t	name_id;		/* rank of name in strcmp order */
	bool		has_prefix;
	kf_prefix	prefix;
	uint32_t	node;
	uint32_t	rule;			/* index into rules, NO_RULE for a prefix-only line */
} tag_entry;

typedef struct parser
{
	kf_tags    *t;
	const char *source;
	size_t		lineno;
	tag_entry  *entries;
	size_t		nentries,
				cap_entries;
} parser;

/* Makes room for `more` elements in a growable array; false when out of memory. */
static bool
reserve(void **array, size_t *cap, size_t count, size_t more, size_t elem)
{
	if (count + more <= *cap)
		return true;
	size_t		cap2 = *cap ? *cap : 16;

	while (cap2 < count + more)
		cap2 *= 2;
	void	   *grown = realloc(*array, cap2 * elem);

	if (!grown)
		return false;
	*array = grown;
	*cap = cap2;
	return true;
}

#define RESERVE(arr, cap, count, more) reserve((void **) &(arr), &(cap), (count), (more), sizeof(*(arr)))

static int
address_bit(kf_addr a, unsigned i)
{
	return i < 64 ? (int) ((a.hi >> (63 - i)) & 1) : (int) ((a.lo >> (127 - i)) & 1);
}

static uint32_t
new_node(kf_tags *t)
{
	if (!RESERVE(t->nodes, t->cap_nodes, t->nnodes, 1))
		return NO_NODE;
	t->nodes[t->nnodes] = (trie_node) {{NO_NODE, NO_NODE}, NO_LABEL};
	return (uint32_t) t->nnodes++;
}

/* Returns the node of a prefix, creating the path; NO_NODE when out of memory. */
static uint32_t
insert_prefix(kf_tags *t, const kf_prefix *p)
{
	uint32_t	node = p->v4 ? V4_ROOT : V6_ROOT;
	unsigned	first = p->v4 ? V4_FIRST_BIT : 0;

	for (unsigned i = first; i < first + p->len; i++)
	{
		int			bit = address_bit(p->addr, i);

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

/* ---------------------------------------------------------------- parsing */

/* "N" or "N-M" with N <= M <= max. */
static bool
parse_range(const char *value, uint64_t max, uint32_t *lo, uint32_t *hi)
{
	char		text[RANGE_TEXT_MAX];
	uint64_t	a,
				b;

	if (strlen(value) >= sizeof(text))
		return false;
	strcpy(text, value);
	char	   *dash = strchr(text, '-');

	if (dash)
		*dash = '\0';
	if (!kf_text_number(text, max, &a))
		return false;
	b = a;
	if (dash && (!kf_text_number(dash + 1, max, &b) || b < a))
		return false;
	*lo = (uint32_t) a;
	*hi = (uint32_t) b;
	return true;
}

/* A protocol number or one of the common names (case-insensitive). */
static bool
parse_protocol(const char *value, uint32_t *protocol)
{
	static const struct
	{
		const char *name;
		uint32_t	number;
	}			names[] = {
		{"icmp", 1}, {"igmp", 2}, {"tcp", 6}, {"udp", 17}, {"gre", 47}, {"esp", 50}, {"ah", 51},
		{"icmpv6", 58}, {"ipv6-icmp", 58}, {"ospf", 89}, {"pim", 103}, {"vrrp", 112}, {"sctp", 132}
	};
	uint64_t	number;

	if (kf_text_number(value, 255, &number))
	{
		*protocol = (uint32_t) number;
		return true;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(value, names[i].name) == 0)
		{
			*protocol = names[i].number;
			return true;
		}
	return false;
}

/* interface=N (an SNMP index) or interface=NAME (every interface the --interfaces file describes
 * so). */
static int
parse_interface(parser *p, const char *value, tag_rule *r, kf_error *err)
{
	kf_tags    *t = p->t;
	uint64_t	ifindex;

	if (kf_text_number(value, UINT32_MAX, &ifindex))
	{
		r->conditions |= COND_IFINDEX;
		r->ifindex = (uint32_t) ifindex;
		return 0;
	}
	if (!t->interfaces)
		return kf_error_set(err, "%s:%zu: interface \"%s\" is not an interface index, and no interfaces file "
							"(--interfaces) describes interfaces", p->source, p->lineno, value);
	r->conditions |= COND_IFDESC;
	r->first_described = (uint32_t) t->ndescribed;
	for (size_t i = 0; i < kf_interface_names_count(t->interfaces); i++)
	{
		const kf_interface_name *n = kf_interface_names_at(t->interfaces, i);

		if (strcmp(n->description, value) != 0)
			continue;
		if (!RESERVE(t->described, t->cap_described, t->ndescribed, 1))
			return kf_error_set(err, "%s: out of memory", p->source);
		t->described[t->ndescribed++] = n;
	}
	r->ndescribed = (uint32_t) (t->ndescribed - r->first_described);
	if (r->ndescribed == 0)
		return kf_error_set(err, "%s:%zu: no interface in the interfaces file is described \"%s\"",
							p->source, p->lineno, value);
	return 0;
}

/* Applies one KEY=VALUE field of a rule line; *seen collects the keys already given. */
static int
parse_condition(parser *p, char *field, tag_entry *e, tag_rule *r, uint32_t *seen, kf_error *err)
{
	static const struct
	{
		const char *key;
		uint32_t	condition;
	}			keys[] = {
		{"cidr", COND_CIDR}, {"port", COND_PORT}, {"protocol", COND_PROTOCOL}, {"device", COND_DEVICE},
		{"interface", COND_IFINDEX | COND_IFDESC}, {"as", COND_AS}
	};
	char	   *eq = strchr(field, '=');
	size_t		k = 0;

	if (!eq)
		return kf_error_set(err, "%s:%zu: \"%s\" is not KEY=VALUE", p->source, p->lineno, field);
	*eq = '\0';
	const char *value = eq + 1;

	while (k < sizeof(keys) / sizeof(keys[0]) && strcmp(field, keys[k].key) != 0)
		k++;
	if (k == sizeof(keys) / sizeof(keys[0]))
		return kf_error_set(err, "%s:%zu: unknown condition \"%s\" (expected cidr, port, protocol, device, "
							"interface or as)", p->source, p->lineno, field);
	if (*seen & keys[k].condition)
		return kf_error_set(err, "%s:%zu: condition \"%s\" is given twice", p->source, p->lineno, field);
	*seen |= keys[k].condition;
	switch (keys[k].condition)
	{
		case COND_CIDR:
			if (!kf_text_prefix(value, &e->prefix))
				return kf_error_set(err, "%s:%zu: \"%s\" is not an IPv4 or IPv6 prefix", p->source, p->lineno, value);
			e->has_prefix = true;
			return 0;
		case COND_PORT:
			if (!parse_range(value, 65535, &r->port_lo, &r->port_hi))
				return kf_error_set(err, "%s:%zu: port \"%s\" is not a port or a range of ports "
									"(N or N-M, 0 to 65535)", p->source, p->lineno, value);
			break;
		case COND_PROTOCOL:
			if (!parse_protocol(value, &r->protocol))
				return kf_error_set(err, "%s:%zu: protocol \"%s\" is neither a number from 0 to 255 nor "
									"one of icmp, igmp, tcp, udp, gre, esp, ah, icmpv6, ospf, pim, vrrp, sctp",
									p->source, p->lineno, value);
			break;
		case COND_DEVICE:
			if (!kf_device_ref_parse(value, &r->device))
				return kf_error_set(err, "%s:%zu: device \"%s\" is neither a device id from 1 to 4294967295 "
									"nor a device name", p->source, p->lineno, value);
			break;
		case COND_AS:
			if (!parse_range(value, UINT32_MAX, &r->as_lo, &r->as_hi))
				return kf_error_set(err, "%s:%zu: as \"%s\" is not an AS number or a range of them "
									"(N or N-M, 0 to 4294967295)", p->source, p->lineno, value);
			break;
		default:
			return parse_interface(p, value, r, err);
	}
	r->conditions |= keys[k].condition;
	return 0;
}

/* Parses the KEY=VALUE fields of a rule line into e (and a rule when there is more than a cidr). */
static int
parse_rule(parser *p, char *cursor, char *first, tag_entry *e, kf_error *err)
{
	kf_tags    *t = p->t;
	tag_rule	r;
	uint32_t	seen = 0;
	char	   *field = first;

	memset(&r, 0, sizeof(r));
	if (strchr(e->name, '='))
		return kf_error_set(err, "%s:%zu: tag name \"%s\" contains '=' (is the name missing?)",
							p->source, p->lineno, e->name);
	for (;;)
	{
		if (parse_condition(p, field, e, &r, &seen, err) < 0)
			return -1;
		kf_text_field_result got = kf_text_next_field(&cursor, &field);

		if (got == KF_FIELD_NONE)
			break;
		if (got == KF_FIELD_UNCLOSED_QUOTE)
			return kf_error_set(err, "%s:%zu: a '\"' is not closed", p->source, p->lineno);
	}
	if (r.conditions == 0)
		return 0;				/* cidr=PREFIX alone: the same as the original form */
	if (!RESERVE(t->rules, t->cap_rules, t->nrules, 1))
		return kf_error_set(err, "%s: out of memory", p->source);
	e->rule = (uint32_t) t->nrules;
	t->rules[t->nrules++] = r;
	return 0;
}

/* Parses one non-blank line into a new entry. */
static int
parse_line(parser *p, char *line, kf_error *err)
{
	char	   *name = NULL,
			   *second = NULL,
			   *third = NULL;
	kf_text_field_result got[3];

	got[0] = kf_text_next_field(&line, &name);
	got[1] = kf_text_next_field(&line, &second);
	if (got[0] == KF_FIELD_UNCLOSED_QUOTE || got[1] == KF_FIELD_UNCLOSED_QUOTE)
		return kf_error_set(err, "%s:%zu: a '\"' is not closed", p->source, p->lineno);
	if (got[1] != KF_FIELD_FOUND)
		return kf_error_set(err, "%s:%zu: expected \"TAGNAME CIDR\" or \"TAGNAME KEY=VALUE ...\"",
							p->source, p->lineno);
	if (strchr(name, ','))
		return kf_error_set(err, "%s:%zu: tag name \"%s\" contains ','", p->source, p->lineno, name);
	if (name[0] == '\0')
		return kf_error_set(err, "%s:%zu: tag name is empty", p->source, p->lineno);
	if (!RESERVE(p->entries, p->cap_entries, p->nentries, 1))
		return kf_error_set(err, "%s: out of memory", p->source);
	tag_entry  *e = &p->entries[p->nentries];

	memset(e, 0, sizeof(*e));
	e->name = name;
	e->rule = NO_RULE;
	if (strchr(second, '='))
	{
		if (parse_rule(p, line, second, e, err) < 0)
			return -1;
	}
	else
	{
		got[2] = kf_text_next_field(&line, &third);
		if (got[2] != KF_FIELD_NONE)
			return kf_error_set(err, "%s:%zu: expected \"TAGNAME CIDR\" or \"TAGNAME KEY=VALUE ...\"",
								p->source, p->lineno);
		if (!kf_text_prefix(second, &e->prefix))
			return kf_error_set(err, "%s:%zu: \"%s\" is not an IPv4 or IPv6 prefix", p->source, p->lineno, second);
		e->has_prefix = true;
	}
	p->nentries++;
	return 0;
}

/* ---------------------------------------------------------------- building */

static int
compare_strings(const void *a, const void *b)
{
	return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* Lines with a prefix first, by node then name; then the rules without a prefix. */
static int
compare_entries(const void *a, const void *b)
{
	const tag_entry *x = a,
			   *y = b;

	if (x->has_prefix != y->has_prefix)
		return x->has_prefix ? -1 : 1;
	if (x->has_prefix && x->node != y->node)
		return x->node < y->node ? -1 : 1;
	return x->name_id < y->name_id ? -1 : x->name_id > y->name_id;
}

/* Gives every entry and rule the rank of its name among the distinct names. */
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
	t->joined_max = 1;
	for (size_t i = 0; i < t->nnames; i++)
		t->joined_max += strlen(t->names[i]) + 1;
	for (size_t i = 0; i < n; i++)
	{
		const char **found = bsearch(&entries[i].name, t->names, t->nnames, sizeof(char *), compare_strings);

		entries[i].name_id = (uint32_t) (found - t->names);
		if (entries[i].rule != NO_RULE)
			t->rules[entries[i].rule].name_id = entries[i].name_id;
	}
	return 0;
}

/* Joins the names of sorted, distinct ids with ',' into out (which has room for them). */
static void
join_names(const kf_tags *t, const uint32_t *ids, size_t n, char *out)
{
	char	   *p = out;

	for (size_t i = 0; i < n; i++)
	{
		if (i > 0)
			*p++ = ',';
		size_t		l = strlen(t->names[ids[i]]);

		memcpy(p, t->names[ids[i]], l);
		p += l;
	}
	*p = '\0';
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

/* The prefix entries, sorted by node, found by binary search. */
typedef struct label_builder
{
	kf_tags    *t;
	const tag_entry *entries;
	size_t		nentries;
	uint32_t   *scratch;		/* room for every name id */
} label_builder;

/* Index of the first entry of node; *count gets how many there are. */
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

/* Gives node a label: its parent label's names and rules plus its own lines'.  Returns the label,
 * or NO_LABEL when out of memory. */
static uint32_t
add_label(label_builder *b, uint32_t node, uint32_t parent, size_t first, size_t count)
{
	kf_tags    *t = b->t;
	size_t		nown = 0;

	if (!RESERVE(t->labels, t->cap_labels, t->nlabels, 1) ||
		!RESERVE(t->label_ids, t->cap_label_ids, t->nlabel_ids, t->labels[parent].nids + count) ||
		!RESERVE(t->label_rules, t->cap_label_rules, t->nlabel_rules, t->labels[parent].nrules + count))
		return NO_LABEL;
	const tag_label *up = &t->labels[parent];
	tag_label  *l = &t->labels[t->nlabels];

	/* own prefix-only names are sorted already (entries are sorted by node, then name); a name
	 * given twice for the prefix is kept once */
	for (size_t i = first; i < first + count; i++)
		if (b->entries[i].rule == NO_RULE && (nown == 0 || b->scratch[nown - 1] != b->entries[i].name_id))
			b->scratch[nown++] = b->entries[i].name_id;
	l->first_id = (uint32_t) t->nlabel_ids;
	l->nids = (uint32_t) merge_ids(t->label_ids + up->first_id, up->nids, b->scratch, nown,
								   t->label_ids + t->nlabel_ids);
	t->nlabel_ids += l->nids;
	l->first_rule = (uint32_t) t->nlabel_rules;
	memcpy(t->label_rules + t->nlabel_rules, t->label_rules + up->first_rule, up->nrules * sizeof(uint32_t));
	t->nlabel_rules += up->nrules;
	for (size_t i = first; i < first + count; i++)
		if (b->entries[i].rule != NO_RULE)
			t->label_rules[t->nlabel_rules++] = b->entries[i].rule;
	l->nrules = (uint32_t) (t->nlabel_rules - l->first_rule);
	size_t		len = 1;

	for (uint32_t i = 0; i < l->nids; i++)
		len += strlen(t->names[t->label_ids[l->first_id + i]]) + 1;
	l->text = malloc(len);
	if (!l->text)
		return NO_LABEL;
	join_names(t, t->label_ids + l->first_id, l->nids, l->text);
	t->nodes[node].label = (uint32_t) t->nlabels;
	return (uint32_t) t->nlabels++;
}

/* Depth-first: gives every node that carries lines the label of its own and its ancestors' lines. */
static int
build_labels(label_builder *b, uint32_t node, uint32_t parent)
{
	kf_tags    *t = b->t;
	size_t		count;
	size_t		first = node_entries(b, node, &count);

	if (count > 0 && (parent = add_label(b, node, parent, first, count)) == NO_LABEL)
		return -1;
	for (int bit = 0; bit < 2; bit++)
		if (t->nodes[node].child[bit] != NO_NODE && build_labels(b, t->nodes[node].child[bit], parent) < 0)
			return -1;
	return 0;
}

/* Splits the rules without a prefix into those indexed by port and the others. */
static int
index_rules(kf_tags *t, const tag_entry *entries, size_t n)
{
	uint32_t   *cursor = NULL;
	size_t		nindexed = 0;

	t->other_rules = malloc((n ? n : 1) * sizeof(uint32_t));
	if (!t->other_rules)
		return -1;
	for (size_t i = 0; i < n; i++)
	{
		const tag_rule *r = &t->rules[entries[i].rule];

		if ((r->conditions & COND_PORT) && r->port_hi - r->port_lo < PORT_INDEX_MAX_SPAN)
			nindexed += r->port_hi - r->port_lo + 1;
		else
			t->other_rules[t->nother++] = entries[i].rule;
	}
	if (nindexed == 0)
		return 0;
	t->port_first = calloc(PORT_COUNT + 1, sizeof(uint32_t));
	t->port_rules = malloc(nindexed * sizeof(uint32_t));
	t->port_used = calloc(PORT_COUNT / 64, sizeof(uint64_t));
	cursor = malloc((PORT_COUNT + 1) * sizeof(uint32_t));
	if (!t->port_first || !t->port_rules || !t->port_used || !cursor)
	{
		free(cursor);
		return -1;
	}
	/* count the rules of every port, turn the counts into offsets, then place the rules */
	for (size_t i = 0; i < n; i++)
	{
		const tag_rule *r = &t->rules[entries[i].rule];

		if ((r->conditions & COND_PORT) && r->port_hi - r->port_lo < PORT_INDEX_MAX_SPAN)
			for (uint32_t port = r->port_lo; port <= r->port_hi; port++)
			{
				t->port_first[port + 1]++;
				t->port_used[port / 64] |= UINT64_C(1) << (port % 64);
			}
	}
	for (size_t port = 0; port < PORT_COUNT; port++)
		t->port_first[port + 1] += t->port_first[port];
	memcpy(cursor, t->port_first, (PORT_COUNT + 1) * sizeof(uint32_t));
	for (size_t i = 0; i < n; i++)
	{
		const tag_rule *r = &t->rules[entries[i].rule];

		if ((r->conditions & COND_PORT) && r->port_hi - r->port_lo < PORT_INDEX_MAX_SPAN)
			for (uint32_t port = r->port_lo; port <= r->port_hi; port++)
				t->port_rules[cursor[port]++] = entries[i].rule;
	}
	free(cursor);
	return 0;
}

/* Builds the tries, labels and rule indexes from the parsed entries (sorted here). */
static int
build(kf_tags *t, tag_entry *entries, size_t n)
{
	size_t		nprefix = 0;

	if (new_node(t) != V6_ROOT || new_node(t) != V4_ROOT || rank_names(t, entries, n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (entries[i].has_prefix)
		{
			entries[i].node = insert_prefix(t, &entries[i].prefix);
			if (entries[i].node == NO_NODE && entries[i].prefix.len > 0)
				return -1;
			nprefix++;
		}
	qsort(entries, n, sizeof(*entries), compare_entries);
	label_builder b = {t, entries, nprefix, malloc((t->nnames ? t->nnames : 1) * sizeof(uint32_t))};

	/* the label arrays exist even when empty: matching offsets into them */
	if (!b.scratch || !RESERVE(t->labels, t->cap_labels, 0, 1) || !RESERVE(t->label_ids, t->cap_label_ids, 0, 1) ||
		!RESERVE(t->label_rules, t->cap_label_rules, 0, 1))
	{
		free(b.scratch);
		return -1;
	}
	t->labels[0] = (tag_label) {NULL, 0, 0, 0, 0};
	t->nlabels = 1;
	int			rc = -1;

	if ((t->labels[0].text = calloc(1, 1)) != NULL &&
		build_labels(&b, V6_ROOT, NO_LABEL) == 0 && build_labels(&b, V4_ROOT, NO_LABEL) == 0)
		rc = 0;
	free(b.scratch);
	if (rc < 0)
		return -1;
	/* the entries after the prefix ones are the rules without a prefix */
	return index_rules(t, entries + nprefix, n - nprefix);
}

/* Parses text, which the result takes over. */
static kf_tags *
parse_owned(char *text, const char *source, const kf_interface_names *interfaces, kf_error *err)
{
	kf_tags    *t = calloc(1, sizeof(*t));
	parser		p = {t, source, 0, NULL, 0, 0};
	kf_text_lines lines;

	if (!t)
	{
		free(text);
		kf_error_set(err, "%s: out of memory", source);
		return NULL;
	}
	t->text = text;
	t->interfaces = interfaces;
	/* entries exist even for an empty file: building sorts and offsets into them */
	if (!RESERVE(p.entries, p.cap_entries, 0, 1))
	{
		kf_error_set(err, "%s: out of memory", source);
		goto fail;
	}
	kf_text_lines_init(&lines, text);
	for (char *line; (line = kf_text_next_line(&lines)) != NULL;)
	{
		p.lineno = lines.lineno;
		if (parse_line(&p, line, err) < 0)
			goto fail;
	}
	if (build(t, p.entries, p.nentries) < 0)
	{
		kf_error_set(err, "%s: out of memory building the tag table", source);
		goto fail;
	}
	free(p.entries);
	return t;
fail:
	free(p.entries);
	kf_tags_free(t);
	return NULL;
}

kf_tags *
kf_tags_parse(const char *text, const char *source, const kf_interface_names *interfaces, kf_error *err)
{
	char	   *copy = strdup(text);

	if (!copy)
	{
		kf_error_set(err, "%s: out of memory", source);
		return NULL;
	}
	return parse_owned(copy, source, interfaces, err);
}

kf_tags *
kf_tags_load(const char *path, const kf_interface_names *interfaces, kf_error *err)
{
	char	   *text = kf_read_text_file(path, "tag file", err);

	return text ? parse_owned(text, path, interfaces, err) : NULL;
}

/* ---------------------------------------------------------------- matching */

kf_tag_buffer *
kf_tag_buffer_new(const kf_tags *t)
{
	kf_tag_buffer *buf = calloc(1, sizeof(*buf));
	size_t		ids = t->nnames ? t->nnames : 1;

	if (!buf)
		return NULL;
	buf->text = malloc(t->joined_max);
	buf->ids = malloc(ids * sizeof(uint32_t));
	buf->merged = malloc(ids * sizeof(uint32_t));
	if (!buf->text || !buf->ids || !buf->merged)
	{
		kf_tag_buffer_free(buf);
		return NULL;
	}
	return buf;
}

void
kf_tag_buffer_free(kf_tag_buffer *buf)
{
	if (!buf)
		return;
	free(buf->text);
	free(buf->ids);
	free(buf->merged);
	free(buf);
}

/* The values a rule's side conditions look at. */
typedef struct side_values
{
	uint32_t	port;
	uint32_t	ifindex;
	uint32_t	as;
} side_values;

static bool
rule_matches(const kf_tags *t, const tag_rule *r, const kf_flow *flow, const kf_device *device,
			 const side_values *s)
{
	uint32_t	c = r->conditions;

	if ((c & COND_PROTOCOL) && flow->protocol != r->protocol)
		return false;
	if ((c & COND_PORT) && (s->port < r->port_lo || s->port > r->port_hi))
		return false;
	if ((c & COND_AS) && (s->as < r->as_lo || s->as > r->as_hi))
		return false;
	if ((c & COND_IFINDEX) && s->ifindex != r->ifindex)
		return false;
	if ((c & COND_DEVICE) && !kf_device_ref_matches(&r->device, device))
		return false;
	if (c & COND_IFDESC)
	{
		for (uint32_t i = r->first_described; i < r->first_described + r->ndescribed; i++)
			if (t->described[i]->ifindex == s->ifindex && kf_device_ref_matches(&t->described[i]->device, device))
				return true;
		return false;
	}
	return true;
}

/* Evaluates rules and inserts the names of those that match into the sorted, distinct ids. */
static size_t
match_rules(const kf_tags *t, const uint32_t *rules, size_t nrules, const kf_flow *flow, const kf_device *device,
			const side_values *s, uint32_t *ids, size_t nids)
{
	for (size_t i = 0; i < nrules; i++)
	{
		const tag_rule *r = &t->rules[rules[i]];

		if (!rule_matches(t, r, flow, device, s))
			continue;
		size_t		at = nids;

		while (at > 0 && ids[at - 1] > r->name_id)
			at--;
		if (at > 0 && ids[at - 1] == r->name_id)
			continue;
		memmove(ids + at + 1, ids + at, (nids - at) * sizeof(uint32_t));
		ids[at] = r->name_id;
		nids++;
	}
	return nids;
}

/* The label of the deepest labelled node on a's path. */
static const tag_label *
address_label(const kf_tags *t, kf_addr a)
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
	return &t->labels[label];
}

const char *
kf_tags_match(const kf_tags *t, const kf_flow *flow, const kf_device *device, kf_flow_side side,
			  kf_tag_buffer *buf)
{
	const tag_label *label = address_label(t, side == KF_SIDE_SRC ? flow->src_addr : flow->dst_addr);

	if (t->nrules == 0)
		return label->text;
	side_values s = side == KF_SIDE_SRC
		? (side_values) {flow->l4_src_port, flow->input_port, flow->src_as}
		: (side_values) {flow->l4_dst_port, flow->output_port, flow->dst_as};
	size_t		n = match_rules(t, t->label_rules + label->first_rule, label->nrules, flow, device, &s, buf->ids, 0);

	if (t->port_used && s.port < PORT_COUNT && (t->port_used[s.port / 64] >> (s.port % 64) & 1))
		n = match_rules(t, t->port_rules + t->port_first[s.port], t->port_first[s.port + 1] - t->port_first[s.port],
						flow, device, &s, buf->ids, n);
	n = match_rules(t, t->other_rules, t->nother, flow, device, &s, buf->ids, n);
	if (n == 0)
		return label->text;
	size_t		merged = merge_ids(t->label_ids + label->first_id, label->nids, buf->ids, n, buf->merged);

	if (merged == label->nids)
		return label->text;		/* the rules only matched names the prefixes gave already */
	join_names(t, buf->merged, merged, buf->text);
	return buf->text;
}

size_t
kf_tags_count(const kf_tags *t)
{
	return t->nnames;
}

size_t
kf_tags_rule_count(const kf_tags *t)
{
	return t->nrules;
}

void
kf_tags_free(kf_tags *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nlabels; i++)
		free(t->labels[i].text);
	free(t->labels);
	free(t->label_ids);
	free(t->label_rules);
	free(t->names);
	free(t->nodes);
	free(t->rules);
	free(t->described);
	free(t->port_first);
	free(t->port_rules);
	free(t->port_used);
	free(t->other_rules);
	free(t->text);
	free(t);
}
