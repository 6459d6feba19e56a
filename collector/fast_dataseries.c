/*
 * fast_dataseries.c -- the Fast dataseries builder of fast_dataseries.h: reads one device-hour of
 * Full parts block by block, sums counters per folded key in bounded group tables, cuts the
 * result to the row budget without losing a byte, and publishes it as a replacing merged part.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "collector/collector_log.h"
#include "collector/fast_dataseries.h"
#include "collector/hour_dirs.h"
#include "collector/part_compactor.h"
#include "store/durable_io.h"
#include "store/part_coverage.h"
#include "store/string_intern.h"

#define HOUR_SECONDS 3600
#define HIGHEST_PORT_KEPT 32767
#define FOLDED_PORT 65535
#define PROTOCOL_ICMP 1
#define PROTOCOL_ICMPV6 58
#define SOURCE_HEADER "kentik_fdw fast source 2"
/* A source file: header, part name, 24 hour lines of < 100 bytes, "end". */
#define SOURCE_TEXT_MAX 4096

/* The key levels, finest first. */
enum
{
	LEVEL_KEPT,					/* every stored column but ctimestamp, ports folded */
	LEVEL_MASKED,				/* the same with addresses masked to /24 or /48 */
	LEVEL_PROTOCOL,				/* the protocol alone */
	NUM_LEVELS
};

/* A group key: every stored column but ctimestamp and the counters.  Always memset to zero before
 * filling, so padding-free comparisons with memcmp and hashing of the raw bytes are exact. */
typedef struct fast_key
{
	kf_addr		src_addr;
	kf_addr		dst_addr;
	kf_addr		next_hop;
	uint32_t	l4_src_port;
	uint32_t	l4_dst_port;
	uint32_t	protocol;
	uint32_t	tcp_flags;
	uint32_t	tos;
	uint32_t	input_port;
	uint32_t	output_port;
	uint32_t	src_as;
	uint32_t	dst_as;
	uint32_t	vlan_in;
	uint32_t	vlan_out;
	uint32_t	sample_rate;	/* 0 at the protocol level (the group keeps the largest rate) */
	uint32_t	src_tags;		/* ids in the builder's string table */
	uint32_t	dst_tags;
	uint32_t	input_description;	/* ids in the builder's string table too; they follow the device
									 * and interface, so in practice they split no group */
	uint32_t	output_description;
	uint32_t	mpls_label;		/* the top MPLS label is kept (it names a path, like next_hop) */
	uint32_t	mpls_exp_labeled;	/* mpls_exp | mpls_labeled << 3; the flow times are not kept */
} fast_key;

_Static_assert(sizeof(fast_key) == 120, "fast_key must have no padding: it is hashed and compared as bytes");

typedef struct fast_counters
{
	int64_t		in_bytes;
	int64_t		in_pkts;
	int64_t		out_bytes;
	int64_t		out_pkts;
} fast_counters;

typedef struct fast_group
{
	fast_key	key;
	fast_counters sums;
	uint32_t	max_sample_rate;
} fast_group;

/* Groups of one level: a dense array plus an open-addressing index (slot = group number + 1). */
typedef struct group_table
{
	fast_group *groups;
	size_t		count;
	size_t		cap;
	uint32_t   *slots;
	size_t		nslots;			/* a power of two */
	uint64_t	limit;			/* groups at most; a new key beyond it goes one level coarser */
} group_table;

typedef struct fast_builder
{
	group_table levels[NUM_LEVELS];
	kf_string_intern strings;
	uint32_t   *string_ids[4];	/* per dict_columns[i]: string id per dictionary entry of the block being read */
	size_t		string_ids_cap[4];
	int64_t    *ints[KF_NUM_COLUMNS];	/* one block of each column */
	kf_addr    *addrs[KF_NUM_COLUMNS];
	uint32_t   *codes[KF_NUM_COLUMNS];
} fast_builder;

static const kf_column_id int_columns[] = {
	KF_COL_CTIMESTAMP, KF_COL_L4_SRC_PORT, KF_COL_L4_DST_PORT, KF_COL_PROTOCOL, KF_COL_TCP_FLAGS, KF_COL_TOS,
	KF_COL_IN_BYTES, KF_COL_IN_PKTS, KF_COL_OUT_BYTES, KF_COL_OUT_PKTS, KF_COL_INPUT_PORT,
	KF_COL_OUTPUT_PORT, KF_COL_SRC_AS, KF_COL_DST_AS, KF_COL_VLAN_IN, KF_COL_VLAN_OUT, KF_COL_SAMPLE_RATE,
	KF_COL_MPLS_LABEL, KF_COL_MPLS_EXP, KF_COL_MPLS_LABELED
};
static const kf_column_id addr_columns[] = {KF_COL_SRC_ADDR, KF_COL_DST_ADDR, KF_COL_NEXT_HOP};
static const kf_column_id dict_columns[] = {
	KF_COL_SRC_FLOW_TAGS, KF_COL_DST_FLOW_TAGS, KF_COL_INPUT_INTERFACE_DESCRIPTION, KF_COL_OUTPUT_INTERFACE_DESCRIPTION
};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

static uint64_t
hash_key(const fast_key *key)
{
	uint64_t	words[sizeof(fast_key) / 8];
	uint64_t	h = UINT64_C(0x9e3779b97f4a7c15);

	memcpy(words, key, sizeof(words));
	for (size_t i = 0; i < COUNT_OF(words); i++)
	{
		h ^= words[i];
		h *= UINT64_C(0xff51afd7ed558ccd);
		h ^= h >> 32;
	}
	return h;
}

/* Rebuilds the index with twice the slots. */
static int
grow_index(group_table *t)
{
	size_t		nslots = t->nslots ? t->nslots * 2 : 1024;
	uint32_t   *slots = calloc(nslots, sizeof(*slots));

	if (slots == NULL)
		return -1;
	for (size_t g = 0; g < t->count; g++)
	{
		size_t		s = (size_t) hash_key(&t->groups[g].key) & (nslots - 1);

		while (slots[s] != 0)
			s = (s + 1) & (nslots - 1);
		slots[s] = (uint32_t) g + 1;
	}
	free(t->slots);
	t->slots = slots;
	t->nslots = nslots;
	return 0;
}

/* Adds counters (exactly, or an error on int64 overflow) into a group. */
static int
add_counters(fast_group *g, const fast_counters *c, uint32_t sample_rate, kf_error *err)
{
	if (__builtin_add_overflow(g->sums.in_bytes, c->in_bytes, &g->sums.in_bytes) ||
		__builtin_add_overflow(g->sums.in_pkts, c->in_pkts, &g->sums.in_pkts) ||
		__builtin_add_overflow(g->sums.out_bytes, c->out_bytes, &g->sums.out_bytes) ||
		__builtin_add_overflow(g->sums.out_pkts, c->out_pkts, &g->sums.out_pkts))
		return kf_error_set(err, "a counter's sum over the hour overflows 64 bits");
	g->max_sample_rate = sample_rate > g->max_sample_rate ? sample_rate : g->max_sample_rate;
	return 0;
}

/*
 * Sums c into the group of key: 1 when done, 0 when the key is new and the table is at its limit
 * (nothing changed), -1 on error.
 */
static int
table_add(group_table *t, const fast_key *key, const fast_counters *c, uint32_t sample_rate, kf_error *err)
{
	if (t->count * 2 >= t->nslots && grow_index(t) != 0)
		return kf_error_set(err, "out of memory for %zu Fast groups", t->count);

	size_t		s = (size_t) hash_key(key) & (t->nslots - 1);

	while (t->slots[s] != 0)
	{
		fast_group *g = &t->groups[t->slots[s] - 1];

		if (memcmp(&g->key, key, sizeof(*key)) == 0)
			return add_counters(g, c, sample_rate, err) == 0 ? 1 : -1;
		s = (s + 1) & (t->nslots - 1);
	}
	if (t->count >= t->limit)
		return 0;
	if (t->count == t->cap)
	{
		size_t		cap = t->cap ? t->cap * 2 : 1024;
		fast_group *grown = realloc(t->groups, cap * sizeof(*grown));

		if (grown == NULL)
			return kf_error_set(err, "out of memory for %zu Fast groups", t->count);
		t->groups = grown;
		t->cap = cap;
	}

	fast_group *g = &t->groups[t->count];

	memset(g, 0, sizeof(*g));
	g->key = *key;
	t->slots[s] = (uint32_t) ++t->count;
	return add_counters(g, c, sample_rate, err) == 0 ? 1 : -1;
}

/* An address with everything after its /24 (IPv4) or /48 (IPv6) zeroed; "::" stays "::". */
static kf_addr
mask_addr(kf_addr a)
{
	if (kf_addr_is_v4(a))
		a.lo &= ~UINT64_C(0xff);
	else
	{
		a.hi &= ~UINT64_C(0xffff);
		a.lo = 0;
	}
	return a;
}

/* The key one level coarser than level-1, i.e. the key of `level`. */
static fast_key
coarsen(const fast_key *key, int level)
{
	fast_key	k;

	if (level == LEVEL_MASKED)
	{
		k = *key;
		k.src_addr = mask_addr(k.src_addr);
		k.dst_addr = mask_addr(k.dst_addr);
		k.next_hop = mask_addr(k.next_hop);
		return k;
	}
	memset(&k, 0, sizeof(k));
	k.protocol = key->protocol;
	return k;
}

/* Sums one input row (or a folded group) into the finest level that has room for its key. */
static int
builder_add(fast_builder *b, int level, const fast_key *key, const fast_counters *c, uint32_t sample_rate,
			kf_error *err)
{
	fast_key	k = *key;

	for (;;)
	{
		int			rc = table_add(&b->levels[level], &k, c, sample_rate, err);

		if (rc != 0)
			return rc < 0 ? -1 : 0;
		level++;
		k = coarsen(&k, level);
	}
}

static uint32_t
fold_port(int64_t port, int64_t protocol)
{
	if (protocol == PROTOCOL_ICMP || protocol == PROTOCOL_ICMPV6 || port <= HIGHEST_PORT_KEPT)
		return (uint32_t) port;
	return FOLDED_PORT;
}

/* Maps the codes of one block's dictionary of dict_columns[which] to ids in the builder's string
 * table. */
static int
intern_dict(fast_builder *b, kf_part_reader *r, uint32_t block, size_t which, kf_error *err)
{
	kf_column_id col = dict_columns[which];
	kf_dict		dict;

	if (kf_part_read_dict(r, block, col, b->codes[col], &dict, err) != 0)
		return -1;
	if (dict.count > b->string_ids_cap[which])
	{
		uint32_t   *grown = realloc(b->string_ids[which], dict.count * sizeof(*grown));

		if (grown == NULL)
			return kf_error_set(err, "%s: out of memory reading %s", kf_part_path(r), kf_column_describe(col)->name);
		b->string_ids[which] = grown;
		b->string_ids_cap[which] = dict.count;
	}
	for (uint32_t i = 0; i < dict.count; i++)
	{
		if (kf_intern(&b->strings, dict.strings[i], dict.lengths[i], &b->string_ids[which][i]) != 0)
			return kf_error_set(err, "%s: out of memory reading %s", kf_part_path(r), kf_column_describe(col)->name);
	}
	for (uint32_t i = 0; i < kf_part_block_rows(r, block); i++)
	{
		if (b->codes[col][i] >= dict.count)
			return kf_error_set(err, "%s: block %u column %s: code %u outside its dictionary", kf_part_path(r),
								block, kf_column_describe(col)->name, b->codes[col][i]);
	}
	return 0;
}

/* Reads one block of a Full part of the hour starting at `hour` and sums its rows into the groups. */
static int
add_block(fast_builder *b, kf_part_reader *r, uint32_t block, int64_t hour, kf_error *err)
{
	for (size_t i = 0; i < COUNT_OF(int_columns); i++)
		if (kf_part_read_int(r, block, int_columns[i], b->ints[int_columns[i]], err) != 0)
			return -1;
	for (size_t i = 0; i < COUNT_OF(addr_columns); i++)
		if (kf_part_read_addr(r, block, addr_columns[i], b->addrs[addr_columns[i]], err) != 0)
			return -1;

	for (size_t i = 0; i < COUNT_OF(dict_columns); i++)
		if (intern_dict(b, r, block, i, err) != 0)
			return -1;

	int64_t   **v = b->ints;
	uint32_t  **codes = b->codes;
	uint32_t  **ids = b->string_ids;

	for (uint32_t i = 0; i < kf_part_block_rows(r, block); i++)
	{
		fast_key	key;
		int64_t		protocol = v[KF_COL_PROTOCOL][i];

		if (v[KF_COL_CTIMESTAMP][i] < hour || v[KF_COL_CTIMESTAMP][i] >= hour + HOUR_SECONDS)
			return kf_error_set(err, "%s: block %u: ctimestamp %lld lies outside its hour directory %lld",
								kf_part_path(r), block, (long long) v[KF_COL_CTIMESTAMP][i], (long long) hour);

		memset(&key, 0, sizeof(key));
		key.src_addr = b->addrs[KF_COL_SRC_ADDR][i];
		key.dst_addr = b->addrs[KF_COL_DST_ADDR][i];
		key.next_hop = b->addrs[KF_COL_NEXT_HOP][i];
		key.l4_src_port = fold_port(v[KF_COL_L4_SRC_PORT][i], protocol);
		key.l4_dst_port = fold_port(v[KF_COL_L4_DST_PORT][i], protocol);
		key.protocol = (uint32_t) protocol;
		key.tcp_flags = (uint32_t) v[KF_COL_TCP_FLAGS][i];
		key.tos = (uint32_t) v[KF_COL_TOS][i];
		key.input_port = (uint32_t) v[KF_COL_INPUT_PORT][i];
		key.output_port = (uint32_t) v[KF_COL_OUTPUT_PORT][i];
		key.src_as = (uint32_t) v[KF_COL_SRC_AS][i];
		key.dst_as = (uint32_t) v[KF_COL_DST_AS][i];
		key.vlan_in = (uint32_t) v[KF_COL_VLAN_IN][i];
		key.vlan_out = (uint32_t) v[KF_COL_VLAN_OUT][i];
		key.sample_rate = (uint32_t) v[KF_COL_SAMPLE_RATE][i];
		key.src_tags = ids[0][codes[KF_COL_SRC_FLOW_TAGS][i]];
		key.dst_tags = ids[1][codes[KF_COL_DST_FLOW_TAGS][i]];
		key.input_description = ids[2][codes[KF_COL_INPUT_INTERFACE_DESCRIPTION][i]];
		key.output_description = ids[3][codes[KF_COL_OUTPUT_INTERFACE_DESCRIPTION][i]];
		key.mpls_label = (uint32_t) v[KF_COL_MPLS_LABEL][i];
		key.mpls_exp_labeled = (uint32_t) (v[KF_COL_MPLS_EXP][i] & 7) | (v[KF_COL_MPLS_LABELED][i] != 0) << 3;

		fast_counters c = {v[KF_COL_IN_BYTES][i], v[KF_COL_IN_PKTS][i], v[KF_COL_OUT_BYTES][i],
		v[KF_COL_OUT_PKTS][i]};

		if (builder_add(b, LEVEL_KEPT, &key, &c, key.sample_rate, err) != 0)
		{
			kf_error	cause = *err;

			return kf_error_set(err, "%s: block %u: %s", kf_part_path(r), block, cause.msg);
		}
	}
	return 0;
}

static int
builder_init(fast_builder *b, const kf_fast_config *cfg, kf_error *err)
{
	memset(b, 0, sizeof(*b));
	b->levels[LEVEL_KEPT].limit = cfg->max_groups;
	b->levels[LEVEL_MASKED].limit = cfg->max_groups;
	b->levels[LEVEL_PROTOCOL].limit = UINT64_MAX;	/* one group per protocol value */
	for (size_t i = 0; i < COUNT_OF(int_columns); i++)
		if ((b->ints[int_columns[i]] = malloc(KF_BLOCK_MAX_ROWS * sizeof(int64_t))) == NULL)
			return kf_error_set(err, "out of memory for a block of Full rows");
	for (size_t i = 0; i < COUNT_OF(addr_columns); i++)
		if ((b->addrs[addr_columns[i]] = malloc(KF_BLOCK_MAX_ROWS * sizeof(kf_addr))) == NULL)
			return kf_error_set(err, "out of memory for a block of Full rows");
	for (size_t i = 0; i < COUNT_OF(dict_columns); i++)
		if ((b->codes[dict_columns[i]] = malloc(KF_BLOCK_MAX_ROWS * sizeof(uint32_t))) == NULL)
			return kf_error_set(err, "out of memory for a block of Full rows");
	return 0;
}

static void
builder_free(fast_builder *b)
{
	for (int l = 0; l < NUM_LEVELS; l++)
	{
		free(b->levels[l].groups);
		free(b->levels[l].slots);
	}
	for (int c = 0; c < KF_NUM_COLUMNS; c++)
	{
		free(b->ints[c]);
		free(b->addrs[c]);
		free(b->codes[c]);
	}
	for (size_t i = 0; i < COUNT_OF(dict_columns); i++)
		free(b->string_ids[i]);
	kf_intern_free(&b->strings);
}

/* Heaviest first (in + out bytes), ties by key bytes, so the same input keeps the same keys. */
static int
compare_by_weight(const void *a, const void *b)
{
	const fast_group *ga = a,
			   *gb = b;
	__int128	wa = (__int128) ga->sums.in_bytes + ga->sums.out_bytes;
	__int128	wb = (__int128) gb->sums.in_bytes + gb->sums.out_bytes;

	if (wa != wb)
		return wa > wb ? -1 : 1;
	return memcmp(&ga->key, &gb->key, sizeof(ga->key));
}

/* Keeps the `keep` heaviest groups of a level and folds the others into the next level.  The
 * level's index is dropped: nothing is added to it afterwards. */
static int
keep_heaviest(fast_builder *b, int level, size_t keep, kf_error *err)
{
	group_table *t = &b->levels[level];

	qsort(t->groups, t->count, sizeof(*t->groups), compare_by_weight);
	free(t->slots);
	t->slots = NULL;
	t->nslots = 0;
	for (size_t g = keep; g < t->count; g++)
	{
		fast_key	k = coarsen(&t->groups[g].key, level + 1);

		if (builder_add(b, level + 1, &k, &t->groups[g].sums, t->groups[g].max_sample_rate, err) != 0)
			return -1;
	}
	t->count = keep < t->count ? keep : t->count;
	return 0;
}

static int
compare_u32(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *) a,
				y = *(const uint32_t *) b;

	return x < y ? -1 : x > y;
}

/* The number of distinct protocols among all groups: the most rows the protocol level can need. */
static int
count_protocols(const fast_builder *b, size_t *out, kf_error *err)
{
	size_t		total = 0,
				n = 0;

	for (int l = 0; l < NUM_LEVELS; l++)
		total += b->levels[l].count;

	uint32_t   *protocols = malloc((total ? total : 1) * sizeof(*protocols));

	if (protocols == NULL)
		return kf_error_set(err, "out of memory counting protocols");
	for (int l = 0; l < NUM_LEVELS; l++)
		for (size_t g = 0; g < b->levels[l].count; g++)
			protocols[n++] = b->levels[l].groups[g].key.protocol;
	qsort(protocols, n, sizeof(*protocols), compare_u32);
	*out = 0;
	for (size_t i = 0; i < n; i++)
		*out += i == 0 || protocols[i] != protocols[i - 1];
	free(protocols);
	return 0;
}

/*
 * Cuts the groups to at most rows rows.  With P distinct protocols and B = rows - P: the B/2
 * heaviest kept keys stay, the rest fold into masked keys; if that is still too many, the
 * heaviest B - kept masked keys stay and the rest fold into one row per protocol (<= P rows).
 */
static int
bound_rows(fast_builder *b, uint32_t rows, kf_error *err)
{
	group_table *t = b->levels;
	size_t		protocols = 0;

	if (t[0].count + t[1].count + t[2].count <= rows)
		return 0;
	if (count_protocols(b, &protocols, err) != 0)
		return -1;
	if (protocols + 2 > rows)
		return kf_error_set(err, "%zu distinct protocols do not fit into %u rows per hour", protocols, rows);

	size_t		budget = rows - protocols;
	size_t		kept = t[LEVEL_KEPT].count < budget / 2 ? t[LEVEL_KEPT].count : budget / 2;

	if (keep_heaviest(b, LEVEL_KEPT, kept, err) != 0)
		return -1;
	if (t[0].count + t[1].count + t[2].count <= rows)
		return 0;
	return keep_heaviest(b, LEVEL_MASKED, budget - kept, err);
}

/* Hands every group to the writer as a row stamped with the hour start. */
static int
add_groups(const fast_builder *b, kf_writer *w, int64_t hour, kf_error *err)
{
	for (int l = 0; l < NUM_LEVELS; l++)
	{
		for (size_t i = 0; i < b->levels[l].count; i++)
		{
			const fast_group *g = &b->levels[l].groups[i];
			const fast_key *k = &g->key;
			kf_flow		f = {
				.ctimestamp = hour, .src_addr = k->src_addr, .dst_addr = k->dst_addr, .next_hop = k->next_hop,
				.l4_src_port = k->l4_src_port, .l4_dst_port = k->l4_dst_port, .protocol = k->protocol,
				.tcp_flags = k->tcp_flags, .tos = k->tos, .in_bytes = g->sums.in_bytes,
				.in_pkts = g->sums.in_pkts, .out_bytes = g->sums.out_bytes, .out_pkts = g->sums.out_pkts,
				.input_port = k->input_port, .output_port = k->output_port, .src_as = k->src_as,
				.dst_as = k->dst_as, .vlan_in = k->vlan_in, .vlan_out = k->vlan_out,
				.sample_rate = l == LEVEL_PROTOCOL ? g->max_sample_rate : k->sample_rate,
				.src_flow_tags = b->strings.count ? b->strings.strings[k->src_tags] : "",
				.dst_flow_tags = b->strings.count ? b->strings.strings[k->dst_tags] : "",
				.input_interface_description = b->strings.count ? b->strings.strings[k->input_description] : "",
				.output_interface_description = b->strings.count ? b->strings.strings[k->output_description] : "",
				.mpls_label = k->mpls_label, .mpls_exp = k->mpls_exp_labeled & 7,
				.mpls_labeled = (k->mpls_exp_labeled >> 3) != 0,
			};

			if (l == LEVEL_PROTOCOL)
				f.src_flow_tags = f.dst_flow_tags = f.input_interface_description = f.output_interface_description = "";
			if (kf_writer_add(w, &f, err) != 0)
				return -1;
		}
	}
	return 0;
}

/* DIR/<series>/dev-<ID>/<START>: an hour directory of Full, a day directory of Fast. */
static int
series_dir_path(char *buf, size_t size, const char *data_dir, kf_dataseries series, uint32_t device_id,
				int64_t start, kf_error *err)
{
	if (snprintf(buf, size, "%s/%s/dev-%u/%lld", data_dir, kf_dataseries_dir_name(series), device_id,
				 (long long) start) >= (int) size)
		return kf_error_set(err, "%s: path too long", data_dir);
	return 0;
}

/* The Fast day directory that holds the slice of `hour`. */
static int
fast_day_path(char *buf, size_t size, const char *data_dir, uint32_t device_id, int64_t hour, kf_error *err)
{
	return series_dir_path(buf, size, data_dir, KF_DATASERIES_FAST, device_id, hour - hour % KF_FAST_DIR_SECONDS,
						   err);
}

/* The visible parts of a Full hour, opened; *count readers; their rows in *rows. */
static int
open_full_parts(const char *full_dir, uint32_t device_id, kf_part_reader ***readers, size_t *count,
				uint64_t *rows, kf_error *err)
{
	kf_hour_state s;

	*readers = NULL;
	*count = 0;
	*rows = 0;
	if (kf_hour_state_read(full_dir, false, &s, err) != 0)
		return -1;

	int			rc = 0;

	if (s.count > 0 && (*readers = calloc(s.count, sizeof(**readers))) == NULL)
		rc = kf_error_set(err, "%s: out of memory", full_dir);
	for (size_t i = 0; rc == 0 && i < s.count; i++)
	{
		char		path[PATH_MAX];
		kf_part_reader *r;

		if (s.parts[i].hidden)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", full_dir, s.parts[i].name) >= (int) sizeof(path))
			rc = kf_error_set(err, "%s/%s: path too long", full_dir, s.parts[i].name);
		else if ((r = kf_part_open(path, err)) == NULL)
			rc = -1;
		else
		{
			(*readers)[(*count)++] = r;
			*rows += kf_part_num_rows(r);
			if (kf_part_device_id(r) != device_id)
				rc = kf_error_set(err, "%s: holds device %u, not %u", path, kf_part_device_id(r), device_id);
		}
	}
	kf_hour_state_free(&s);
	return rc;
}

static void
close_parts(kf_part_reader **readers, size_t count)
{
	for (size_t i = 0; i < count; i++)
		kf_part_close(readers[i]);
	free(readers);
}

/* What the source file says of one hour of a Fast day. */
typedef struct fast_hour_source
{
	int64_t		hour;
	uint64_t	full_rows;		/* rows of the Full hour the build read */
	int64_t		full_dir_mtime_ns;	/* the Full hour directory's mtime before that read */
} fast_hour_source;

/* A Fast day's source file: the part it describes and its built hours, ascending. */
typedef struct fast_source
{
	char		part[NAME_MAX + 1];
	size_t		count;
	fast_hour_source hours[KF_FAST_DIR_SECONDS / HOUR_SECONDS];
} fast_source;

/* The modification time of a directory in nanoseconds, -1 when it cannot be read. */
static int64_t
dir_mtime_ns(const char *dir)
{
	struct stat st;

	if (stat(dir, &st) != 0)
		return -1;
	return (int64_t) st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
}

/* The entry of `hour`, or NULL. */
static fast_hour_source *
source_find(fast_source *src, int64_t hour)
{
	for (size_t i = 0; i < src->count; i++)
		if (src->hours[i].hour == hour)
			return &src->hours[i];
	return NULL;
}

/* Sets the entry of e->hour, keeping the entries ascending (a day has room for all its hours). */
static void
source_set(fast_source *src, const fast_hour_source *e)
{
	fast_hour_source *found = source_find(src, e->hour);
	size_t		at = 0;

	if (found != NULL)
	{
		*found = *e;
		return;
	}
	while (at < src->count && src->hours[at].hour < e->hour)
		at++;
	memmove(&src->hours[at + 1], &src->hours[at], (src->count - at) * sizeof(src->hours[0]));
	src->hours[at] = *e;
	src->count++;
}

/*
 * Replaces the source file (dot-file, rename) without fsync: it only saves work, so when a crash
 * loses or truncates it the day's hours are merely rebuilt, and a build saves two fsyncs.
 */
static int
write_source(const char *fast_dir, const fast_source *src, kf_error *err)
{
	char		text[SOURCE_TEXT_MAX],
				token[KF_UNIQUE_TOKEN_SIZE],
				tmp[PATH_MAX],
				final[PATH_MAX];
	size_t		len = (size_t) snprintf(text, sizeof(text), "%s\npart %s\n", SOURCE_HEADER, src->part);

	for (size_t i = 0; i < src->count; i++)
		len += (size_t) snprintf(text + len, sizeof(text) - len, "hour %lld full_rows %llu full_dir_mtime_ns %lld\n",
								 (long long) src->hours[i].hour, (unsigned long long) src->hours[i].full_rows,
								 (long long) src->hours[i].full_dir_mtime_ns);
	len += (size_t) snprintf(text + len, sizeof(text) - len, "end\n");

	kf_unique_token(token, sizeof(token));
	if (snprintf(tmp, sizeof(tmp), "%s/.%s.tmp-%s", fast_dir, KF_FAST_SOURCE_FILE, token) >= (int) sizeof(tmp) ||
		snprintf(final, sizeof(final), "%s/%s", fast_dir, KF_FAST_SOURCE_FILE) >= (int) sizeof(final))
		return kf_error_set(err, "%s: path too long", fast_dir);

	FILE	   *f = fopen(tmp, "wx");

	if (f == NULL)
		return kf_error_set(err, "%s: cannot create: %s", tmp, strerror(errno));

	bool		written = fwrite(text, 1, len, f) == len;

	if (fclose(f) != 0 || !written || rename(tmp, final) != 0)
	{
		kf_error_set(err, "%s: cannot write: %s", final, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/*
 * Parses a source file: the header, "part NAME", one "hour ..." line per built hour of the day
 * starting at `day` (ascending, hour-aligned), "end".  False when any of it does not hold.
 */
static bool
parse_source(const char *text, int64_t day, fast_source *src)
{
	int			used = 0;
	const char *p = text;

	memset(src, 0, sizeof(*src));
	if (sscanf(p, SOURCE_HEADER "\npart %255s\n%n", src->part, &used) != 1 || used == 0)
		return false;
	p += used;
	while (strncmp(p, "hour ", 5) == 0)
	{
		long long	hour,
					mtime;
		unsigned long long rows;
		fast_hour_source *e;

		used = 0;
		if (src->count == COUNT_OF(src->hours) ||
			sscanf(p, "hour %lld full_rows %llu full_dir_mtime_ns %lld\n%n", &hour, &rows, &mtime, &used) != 3 ||
			used == 0 || hour < day || hour >= day + KF_FAST_DIR_SECONDS || hour % HOUR_SECONDS != 0 ||
			(src->count > 0 && hour <= src->hours[src->count - 1].hour))
			return false;
		e = &src->hours[src->count++];
		e->hour = hour;
		e->full_rows = rows;
		e->full_dir_mtime_ns = mtime;
		p += used;
	}
	return strcmp(p, "end\n") == 0;
}

/* Reads the source file of the Fast day starting at `day`; false when it is missing or does not
 * parse (then every hour of the day counts as outdated). */
static bool
read_source(const char *fast_dir, int64_t day, fast_source *src)
{
	char		path[PATH_MAX],
				text[SOURCE_TEXT_MAX];

	if (snprintf(path, sizeof(path), "%s/%s", fast_dir, KF_FAST_SOURCE_FILE) >= (int) sizeof(path))
		return false;

	FILE	   *f = fopen(path, "r");

	if (f == NULL)
		return false;

	size_t		len = fread(text, 1, sizeof(text) - 1, f);

	fclose(f);
	text[len] = '\0';
	return strlen(text) == len && parse_source(text, day, src);
}

/* Names of the visible parts of a Fast day and their highest level. */
typedef struct visible_parts
{
	kf_hour_state state;
	const char **names;
	size_t		count;
	uint32_t	max_level;
} visible_parts;

static int
read_visible(const char *dir, visible_parts *v, kf_error *err)
{
	memset(v, 0, sizeof(*v));
	if (kf_hour_state_read(dir, false, &v->state, err) != 0)
		return -1;
	if ((v->names = malloc((v->state.count ? v->state.count : 1) * sizeof(*v->names))) == NULL)
	{
		kf_hour_state_free(&v->state);
		return kf_error_set(err, "%s: out of memory", dir);
	}
	for (size_t i = 0; i < v->state.count; i++)
	{
		if (v->state.parts[i].hidden)
			continue;
		v->names[v->count++] = v->state.parts[i].name;
		v->max_level = v->state.parts[i].level > v->max_level ? v->state.parts[i].level : v->max_level;
	}
	return 0;
}

static void
free_visible(visible_parts *v)
{
	free(v->names);
	kf_hour_state_free(&v->state);
}

/*
 * Buffers the rows of the day's visible parts that lie in none of the rebuilt hours, the other
 * hours' slices the new day part keeps; *skipped counts the rows left out.
 */
static int
carry_other_hours(kf_writer *w, const char *fast_dir, const visible_parts *v, const kf_ts_range *rebuilt,
				  size_t nrebuilt, uint64_t *skipped, kf_error *err)
{
	*skipped = 0;
	for (size_t i = 0; i < v->count; i++)
	{
		char		path[PATH_MAX];
		kf_part_reader *r;
		size_t		before = kf_writer_buffered_rows(w);

		if (snprintf(path, sizeof(path), "%s/%s", fast_dir, v->names[i]) >= (int) sizeof(path))
			return kf_error_set(err, "%s/%s: path too long", fast_dir, v->names[i]);
		if ((r = kf_part_open(path, err)) == NULL)
			return -1;

		int			rc = kf_writer_add_part_rows(w, r, rebuilt, nrebuilt, err);

		if (rc == 0)
			*skipped += kf_part_num_rows(r) - (kf_writer_buffered_rows(w) - before);
		kf_part_close(r);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/*
 * Publishes what w holds (the new rows of the built hours) in a new part of the Fast day together
 * with the rows of the day's visible parts outside those hours, replacing those parts in one
 * rename, then the day's source file with the built hours' entries.  results[i] belongs to
 * built[i].
 */
static int
publish_day(const char *data_dir, uint32_t device_id, int64_t day, kf_writer *w, const fast_hour_source *built,
			size_t nbuilt, kf_fast_hour_result *results, kf_error *err)
{
	char		fast_dir[PATH_MAX];
	kf_ts_range rebuilt[KF_FAST_DIR_SECONDS / HOUR_SECONDS];
	visible_parts v;
	fast_source src;
	bool		source_holds;
	uint64_t	skipped = 0;

	if (series_dir_path(fast_dir, sizeof(fast_dir), data_dir, KF_DATASERIES_FAST, device_id, day, err) != 0 ||
		read_visible(fast_dir, &v, err) != 0)
		return -1;
	/* The other hours' entries stay valid only while the part they describe is the visible one. */
	source_holds = read_source(fast_dir, day, &src) && v.count == 1 && strcmp(v.names[0], src.part) == 0;
	if (!source_holds)
		memset(&src, 0, sizeof(src));
	for (size_t i = 0; i < nbuilt; i++)
		rebuilt[i] = (kf_ts_range) {built[i].hour, built[i].hour + HOUR_SECONDS - 1};

	int			rc = 0;

	if (v.max_level >= 1000)
		rc = kf_error_set(err, "%s: rebuilt too often (merge level %u); remove the Fast day directory to start over",
						  fast_dir, v.max_level);
	if (rc == 0)
		rc = carry_other_hours(w, fast_dir, &v, rebuilt, nbuilt, &skipped, err);
	if (rc == 0)
		rc = kf_writer_flush_replacing(w, v.names, v.count, v.max_level + 1, src.part, sizeof(src.part), err);
	free_visible(&v);
	if (rc != 0)
		return -1;
	for (size_t i = 0; i < nbuilt; i++)
	{
		results[i].replaced = source_holds ? source_find(&src, built[i].hour) != NULL : skipped > 0;
		source_set(&src, &built[i]);
	}
	/* A crash before the source file is written only means the day's hours are rebuilt once more. */
	return write_source(fast_dir, &src, err);
}

/*
 * Reads the Full parts of one device-hour, groups and bounds them, and hands the rows to w.
 * *built gets the hour's source entry; an hour without Full rows adds nothing (full_rows 0).
 */
static int
build_hour_rows(const char *data_dir, uint32_t device_id, int64_t hour, const kf_fast_config *cfg, kf_writer *w,
				fast_hour_source *built, kf_fast_hour_result *out, kf_error *err)
{
	char		full_dir[PATH_MAX];

	memset(out, 0, sizeof(*out));
	memset(built, 0, sizeof(*built));
	built->hour = hour;
	if (series_dir_path(full_dir, sizeof(full_dir), data_dir, KF_DATASERIES_FULL, device_id, hour, err) != 0)
		return -1;
	/* Taken before listing: a part published while we read changes it, so the hour is checked again. */
	built->full_dir_mtime_ns = dir_mtime_ns(full_dir);

	kf_part_reader **readers;
	size_t		nreaders;
	fast_builder b;
	int			rc = open_full_parts(full_dir, device_id, &readers, &nreaders, &built->full_rows, err);

	if (rc == 0)
		rc = builder_init(&b, cfg, err);
	else
		memset(&b, 0, sizeof(b));
	for (size_t i = 0; rc == 0 && i < nreaders; i++)
		for (uint32_t blk = 0; rc == 0 && blk < kf_part_num_blocks(readers[i]); blk++)
			rc = add_block(&b, readers[i], blk, hour, err);
	close_parts(readers, nreaders);
	if (rc == 0 && built->full_rows > 0)
	{
		rc = bound_rows(&b, cfg->rows_per_hour, err);
		if (rc == 0)
			rc = add_groups(&b, w, hour, err);
		out->full_rows = built->full_rows;
		out->kept_rows = b.levels[LEVEL_KEPT].count;
		out->masked_rows = b.levels[LEVEL_MASKED].count;
		out->protocol_rows = b.levels[LEVEL_PROTOCOL].count;
		out->fast_rows = out->kept_rows + out->masked_rows + out->protocol_rows;
	}
	builder_free(&b);
	return rc;
}

int
kf_fast_build_hours(const char *data_dir, uint32_t device_id, const int64_t *hours, size_t count,
					const kf_fast_config *cfg, kf_fast_hour_result *results, kf_error *err)
{
	fast_hour_source built[KF_FAST_DIR_SECONDS / HOUR_SECONDS];
	kf_fast_hour_result built_results[KF_FAST_DIR_SECONDS / HOUR_SECONDS];
	size_t		nbuilt = 0;
	int64_t		day = count > 0 ? hours[0] - hours[0] % KF_FAST_DIR_SECONDS : 0;

	memset(results, 0, count * sizeof(*results));
	if (cfg->rows_per_hour < KF_FAST_MIN_ROWS_PER_HOUR)
		return kf_error_set(err, "rows per hour %u is below the minimum %d", cfg->rows_per_hour,
							KF_FAST_MIN_ROWS_PER_HOUR);
	if (count == 0 || count > COUNT_OF(built))
		return kf_error_set(err, "%zu hours to build: between 1 and %zu hours of one day", count, COUNT_OF(built));
	for (size_t i = 0; i < count; i++)
		if (hours[i] < 0 || hours[i] % HOUR_SECONDS != 0 || hours[i] - hours[i] % KF_FAST_DIR_SECONDS != day ||
			(i > 0 && hours[i] <= hours[i - 1]))
			return kf_error_set(err, "%lld is not the start of an hour after the previous one in the day %lld",
								(long long) hours[i], (long long) day);

	kf_writer  *w = kf_writer_open_series(data_dir, KF_DATASERIES_FAST, device_id, err);
	int			rc = w ? 0 : -1;

	for (size_t i = 0; rc == 0 && i < count; i++)
	{
		rc = build_hour_rows(data_dir, device_id, hours[i], cfg, w, &built[nbuilt], &results[i], err);
		if (rc == 0 && results[i].full_rows > 0)
			nbuilt++;
	}
	if (rc == 0 && nbuilt > 0)
		rc = publish_day(data_dir, device_id, day, w, built, nbuilt, built_results, err);
	kf_writer_close(w);
	if (rc != 0)
	{
		memset(results, 0, count * sizeof(*results));
		return -1;
	}
	for (size_t i = 0, b = 0; i < count && b < nbuilt; i++)
		if (hours[i] == built[b].hour)
			results[i].replaced = built_results[b++].replaced;
	return 0;
}

int
kf_fast_build_hour(const char *data_dir, uint32_t device_id, int64_t hour, const kf_fast_config *cfg,
				   kf_fast_hour_result *out, kf_error *err)
{
	return kf_fast_build_hours(data_dir, device_id, &hour, 1, cfg, out, err);
}

int
kf_fast_hour_outdated(const char *data_dir, uint32_t device_id, int64_t hour, bool *outdated, kf_error *err)
{
	char		full_dir[PATH_MAX],
				fast_dir[PATH_MAX];
	fast_source src;
	fast_hour_source *entry;
	visible_parts v;

	*outdated = true;
	if (series_dir_path(full_dir, sizeof(full_dir), data_dir, KF_DATASERIES_FULL, device_id, hour, err) != 0 ||
		fast_day_path(fast_dir, sizeof(fast_dir), data_dir, device_id, hour, err) != 0)
		return -1;
	if (!read_source(fast_dir, hour - hour % KF_FAST_DIR_SECONDS, &src) || (entry = source_find(&src, hour)) == NULL)
		return 0;
	if (read_visible(fast_dir, &v, err) != 0)
		return -1;

	bool		same_part = v.count == 1 && strcmp(v.names[0], src.part) == 0;

	free_visible(&v);
	if (!same_part)
		return 0;

	/* Nothing was added, merged or deleted in the Full hour since the build listed it. */
	int64_t		mtime = dir_mtime_ns(full_dir);

	if (mtime == entry->full_dir_mtime_ns)
	{
		*outdated = false;
		return 0;
	}

	kf_part_reader **readers;
	size_t		nreaders;
	uint64_t	rows;
	int			rc = open_full_parts(full_dir, device_id, &readers, &nreaders, &rows, err);

	close_parts(readers, nreaders);
	if (rc != 0)
		return -1;
	*outdated = rows != entry->full_rows;
	/* Same rows (a merge or a deletion changed the directory): remember that, to skip the count next time. */
	entry->full_dir_mtime_ns = mtime;
	return *outdated ? 0 : write_source(fast_dir, &src, err);
}

static double
monotonic_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Removes leftovers of interrupted builds and replaced parts whose grace period is over. */
static void
clean_fast_hours(const char *data_dir, int64_t now, int64_t grace_seconds, const atomic_bool *stop,
				 kf_fast_stats *stats)
{
	kf_hour_dir_list dirs;
	kf_error	err;

	if (kf_hour_dirs_list_series(data_dir, KF_DATASERIES_FAST, &dirs, &err) != 0)
	{
		kf_log("fast dataseries: %s", err.msg);
		stats->errors++;
		return;
	}
	for (size_t i = 0; i < dirs.count && !atomic_load(stop); i++)
	{
		uint64_t	deleted = 0;

		if (kf_compact_cleanup_hour_dir(dirs.dirs[i].path, now, grace_seconds, &deleted, &err) != 0)
		{
			kf_log("fast dataseries: %s", err.msg);
			stats->errors++;
		}
	}
	kf_hour_dir_list_free(&dirs);
}

/* Adds one hour's build to the pass's counters. */
static void
count_built_hour(kf_fast_stats *stats, const kf_fast_hour_result *result)
{
	if (result->full_rows == 0)
		return;
	stats->hours_built++;
	stats->hours_rebuilt += result->replaced;
	stats->full_rows += result->full_rows;
	stats->fast_rows += result->fast_rows;
}

/*
 * Builds the outdated hours among hours[0..count) (complete hours of one device and day, ascending)
 * in one publish of the day's part.  If that fails, each hour is built alone, so that one hour
 * that cannot be built (a corrupt Full part) does not hold back the rest of its day.
 */
static void
build_day(const char *data_dir, uint32_t device_id, const int64_t *hours, size_t count, const kf_fast_config *cfg,
		  kf_fast_stats *stats)
{
	int64_t		outdated_hours[KF_FAST_DIR_SECONDS / HOUR_SECONDS];
	kf_fast_hour_result results[KF_FAST_DIR_SECONDS / HOUR_SECONDS];
	size_t		noutdated = 0;
	double		started = monotonic_now();
	kf_error	err;

	for (size_t i = 0; i < count; i++)
	{
		bool		outdated;

		if (kf_fast_hour_outdated(data_dir, device_id, hours[i], &outdated, &err) != 0)
		{
			kf_log("fast dataseries: device %u hour %lld: %s", device_id, (long long) hours[i], err.msg);
			stats->errors++;
		}
		else if (outdated)
			outdated_hours[noutdated++] = hours[i];
	}
	if (noutdated == 0)
		return;
	if (kf_fast_build_hours(data_dir, device_id, outdated_hours, noutdated, cfg, results, &err) == 0)
	{
		for (size_t i = 0; i < noutdated; i++)
			count_built_hour(stats, &results[i]);
		stats->seconds += monotonic_now() - started;
		return;
	}
	if (noutdated == 1)
	{
		kf_log("fast dataseries: device %u hour %lld: %s", device_id, (long long) outdated_hours[0], err.msg);
		stats->errors++;
		return;
	}
	for (size_t i = 0; i < noutdated; i++)
	{
		if (kf_fast_build_hour(data_dir, device_id, outdated_hours[i], cfg, &results[0], &err) != 0)
		{
			kf_log("fast dataseries: device %u hour %lld: %s", device_id, (long long) outdated_hours[i], err.msg);
			stats->errors++;
			continue;
		}
		count_built_hour(stats, &results[0]);
	}
	stats->seconds += monotonic_now() - started;
}

/* Orders hour directories by device, then hour. */
static int
compare_device_hour(const void *a, const void *b)
{
	const kf_hour_dir *x = a,
			   *y = b;

	if (x->device_id != y->device_id)
		return x->device_id < y->device_id ? -1 : 1;
	return (x->hour > y->hour) - (x->hour < y->hour);
}

void
kf_fast_build_data_dir(const char *data_dir, int64_t now, const kf_fast_config *cfg, int64_t grace_seconds,
					   const atomic_bool *stop, kf_fast_stats *stats)
{
	kf_hour_dir_list dirs;
	kf_error	err;

	clean_fast_hours(data_dir, now, grace_seconds, stop, stats);
	if (kf_hour_dirs_list(data_dir, &dirs, &err) != 0)
	{
		kf_log("fast dataseries: %s", err.msg);
		stats->errors++;
		return;
	}
	if (dirs.count > 1)
		qsort(dirs.dirs, dirs.count, sizeof(dirs.dirs[0]), compare_device_hour);

	/* Complete hours, gathered per device and day, so a day's part is written once per pass. */
	int64_t		hours[KF_FAST_DIR_SECONDS / HOUR_SECONDS];
	size_t		nhours = 0;

	for (size_t i = 0; i < dirs.count && !atomic_load(stop); i++)
	{
		const kf_hour_dir *d = &dirs.dirs[i];
		int64_t		end = d->hour + HOUR_SECONDS;

		if (d->hour % HOUR_SECONDS == 0 && now >= end + cfg->settle_seconds &&
			(cfg->max_age_seconds <= 0 || end > now - cfg->max_age_seconds))
			hours[nhours++] = d->hour;

		const kf_hour_dir *next = i + 1 < dirs.count ? &dirs.dirs[i + 1] : NULL;
		bool		day_ends = next == NULL || next->device_id != d->device_id ||
			next->hour - next->hour % KF_FAST_DIR_SECONDS != d->hour - d->hour % KF_FAST_DIR_SECONDS;

		if (day_ends && nhours > 0)
		{
			build_day(data_dir, d->device_id, hours, nhours, cfg, stats);
			nhours = 0;
		}
	}
	kf_hour_dir_list_free(&dirs);
}
