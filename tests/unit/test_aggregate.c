/*
 * test_aggregate.c -- unit tests of grouped aggregation (engine/aggregate.h).
 *
 * Builds a data directory with the store writer (three devices, one unregistered, two hours, a
 * part of more than one block, IPv4 and IPv6 addresses, absent next hops, tags, a few huge and a
 * few negative byte counts), then runs many kf_agg specs on one and on two threads and compares
 * every result with a brute-force reference in this file: group the input rows by sorting them
 * on their keys, compute each aggregate directly, apply HAVING, ORDER BY and OFFSET/LIMIT.  Also
 * checks the grand total over no rows, memory limit and corrupt-part errors reported by
 * kf_agg_wait, cancellation, spec validation and kf_agg_format.
 */
#include <arpa/inet.h>
#include <math.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/aggregate.h"
#include "engine/hll.h"
#include "engine/percentile.h"
#include "tests/unit/unit.h"

/* ------------------------------------------------------------------ input rows */

#define HOUR0 INT64_C(1700002800)
#define BIG_PART_ROWS 70000
#define SMALL_PART_ROWS 1500
#define MAX_ROWS (BIG_PART_ROWS + 6 * SMALL_PART_ROWS)
#define MAX_COLS 8

static const char *const tags[] = {"", "MYNETWORK", "alpha,MYNETWORK", "zeta", "caf\xc3\xa9", "Zeta", "a"};
#define NUM_TAGS (sizeof(tags) / sizeof(tags[0]))

typedef struct test_row
{
	uint32_t	device_id;
	kf_flow		flow;
} test_row;

static test_row rows[MAX_ROWS];
static size_t nrows;
static char data_dir[256];
static uint64_t rng_state = 0x2545F4914F6CDD1DULL;

static uint64_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static kf_addr
v4(uint32_t a)
{
	return kf_addr_from_v4(a);
}

static kf_addr
v6(uint64_t hi, uint64_t lo)
{
	return (kf_addr) {hi, lo};
}

/* An address from a pool: mostly IPv4, some IPv6. */
static kf_addr
pool_addr(uint32_t v4_pool, uint32_t v6_pool)
{
	if (rng() % 10 < 7)
		return v4(0x0a000000u + (uint32_t) (rng() % v4_pool) * 37u);
	return v6(UINT64_C(0x20010db800000000) + rng() % 3, rng() % v6_pool);
}

static uint32_t
skewed_port(void)
{
	static const uint32_t common[] = {25, 53, 80, 443};

	return rng() % 2 ? common[rng() % 4] : (uint32_t) (rng() % 65536);
}

static int64_t
bytes_value(void)
{
	uint64_t	r = rng() % 1000;

	if (r == 0)
		return INT64_MAX / 3;	/* a few of these overflow a 64-bit sum */
	if (r < 5)
		return -(int64_t) (rng() % 1000);
	return (int64_t) (rng() % 100000);
}

static void
make_row(uint32_t device, int hour)
{
	static const uint32_t protocols[] = {6, 6, 6, 17, 17, 47, 1};
	test_row   *t = &rows[nrows++];
	kf_flow    *f = &t->flow;

	memset(t, 0, sizeof(*t));
	t->device_id = device;
	f->ctimestamp = HOUR0 + hour * 3600 + (int64_t) (rng() % 3600);
	f->src_addr = pool_addr(300, 40);
	f->dst_addr = pool_addr(150, 20);
	f->next_hop = rng() % 2 ? (kf_addr) {0, 0} : pool_addr(3, 2);
	f->l4_src_port = skewed_port();
	f->l4_dst_port = skewed_port();
	f->protocol = protocols[rng() % 7];
	f->tcp_flags = (uint32_t) (rng() % 64);
	f->tos = (uint32_t) (rng() % 4);
	f->in_bytes = bytes_value();
	f->in_pkts = (int64_t) (rng() % 100);
	f->out_bytes = (int64_t) (rng() % 5000);
	f->out_pkts = (int64_t) (rng() % 10);
	f->input_port = (uint32_t) (rng() % 8);
	f->output_port = (uint32_t) (rng() % 8);
	f->src_as = (uint32_t) (rng() % 5);
	f->dst_as = (uint32_t) (rng() % 5);
	f->sample_rate = 1 + (uint32_t) (rng() % 4);
	f->src_flow_tags = tags[rng() % NUM_TAGS];
	f->dst_flow_tags = tags[rng() % NUM_TAGS];
}

static int
write_rows(const char *dir, uint32_t device, size_t first, size_t end, kf_error *err)
{
	kf_writer  *w = kf_writer_open(dir, device, err);
	int			rc = w ? 0 : -1;

	for (size_t i = first; rc == 0 && i < end; i++)
		rc = kf_writer_add(w, &rows[i].flow, err);
	if (rc == 0)
		rc = kf_writer_flush(w, err);
	kf_writer_close(w);
	return rc;
}

/* Devices 1 ("edge-1") and 2 ("core-2") are registered, 3 is not. */
static int
build_data_dir(kf_error *err)
{
	snprintf(data_dir, sizeof(data_dir), "/tmp/kf_test_aggregate.%d", (int) getpid());
	if (mkdir(data_dir, 0755) != 0)
		return kf_error_set(err, "cannot create %s", data_dir);
	for (uint32_t d = 1; d <= 3; d++)
	{
		size_t		first = nrows;

		for (int hour = 0; hour < 2; hour++)
		{
			size_t		n = d == 1 && hour == 0 ? BIG_PART_ROWS : SMALL_PART_ROWS;

			for (size_t i = 0; i < n; i++)
				make_row(d, hour);
		}
		if (write_rows(data_dir, d, first, nrows, err) != 0)
			return -1;
	}
	kf_device	registered[2] = {{.id = 1, .name = "edge-1"}, {.id = 2, .name = "core-2"}};
	kf_device_list list = {registered, 2};

	return kf_devices_save(data_dir, &list, err);
}

/* ------------------------------------------------------------------ values */

/* A value of any output or input column. */
typedef struct tval
{
	bool		null;
	kf_value_kind kind;
	__int128	i;
	kf_addr		a;
	const char *s;
	uint32_t	len;
} tval;

static const char *
device_name(uint32_t id)
{
	return id == 1 ? "edge-1" : id == 2 ? "core-2" : "3";
}

static int64_t
row_int(const test_row *t, kf_ecol col)
{
	const kf_flow *f = &t->flow;

	switch (col)
	{
		case KF_E_CTIMESTAMP: return f->ctimestamp;
		case KF_E_START_TIME: return f->ctimestamp - f->ctimestamp % 60;
		case KF_E_DEVICE_ID: return t->device_id;
		case KF_E_L4_SRC_PORT: return f->l4_src_port;
		case KF_E_L4_DST_PORT: return f->l4_dst_port;
		case KF_E_PROTOCOL: return f->protocol;
		case KF_E_TCP_FLAGS: return f->tcp_flags;
		case KF_E_TOS: return f->tos;
		case KF_E_IN_BYTES: return f->in_bytes;
		case KF_E_IN_PKTS: return f->in_pkts;
		case KF_E_OUT_BYTES: return f->out_bytes;
		case KF_E_OUT_PKTS: return f->out_pkts;
		case KF_E_BOTH_BYTES: return f->in_bytes + f->out_bytes;
		case KF_E_BOTH_PKTS: return f->in_pkts + f->out_pkts;
		case KF_E_INPUT_PORT: return f->input_port;
		case KF_E_OUTPUT_PORT: return f->output_port;
		case KF_E_SRC_AS: return f->src_as;
		case KF_E_DST_AS: return f->dst_as;
		case KF_E_SAMPLE_RATE: return f->sample_rate;
		default: return 0;
	}
}

static tval
row_value(const test_row *t, kf_ecol col)
{
	tval		v = {.kind = kf_ecol_describe(col)->kind};
	const kf_flow *f = &t->flow;

	if (v.kind == KF_V_INT)
		v.i = row_int(t, col);
	else if (v.kind == KF_V_STR)
	{
		v.s = col == KF_E_DEVICE_NAME ? device_name(t->device_id) :
			col == KF_E_SRC_FLOW_TAGS ? f->src_flow_tags : f->dst_flow_tags;
		v.len = (uint32_t) strlen(v.s);
	}
	else
	{
		v.a = col == KF_E_INET_SRC_ADDR || col == KF_E_IPV4_SRC_ADDR ? f->src_addr :
			col == KF_E_INET_DST_ADDR || col == KF_E_IPV4_DST_ADDR ? f->dst_addr : f->next_hop;
		v.null = kf_ecol_describe(col)->nullable && !kf_addr_is_v4(v.a);
	}
	return v;
}

static int
inet_cmp(kf_addr a, kf_addr b)
{
	int			fa = !kf_addr_is_v4(a),
				fb = !kf_addr_is_v4(b);

	if (fa != fb)
		return fa - fb;
	return kf_addr_cmp(a, b);
}

/* Compares two non-NULL values of one kind. */
static int
tval_cmp(const tval *a, const tval *b)
{
	if (a->kind == KF_V_INT)
		return (a->i > b->i) - (a->i < b->i);
	if (a->kind == KF_V_ADDR)
		return inet_cmp(a->a, b->a);
	int			c = memcmp(a->s, b->s, a->len < b->len ? a->len : b->len);

	return c ? (c > 0) - (c < 0) : (a->len > b->len) - (a->len < b->len);
}

/* Total order with NULLs first, for grouping and distinct counting. */
static int
tval_cmp_nulls(const tval *a, const tval *b)
{
	if (a->null || b->null)
		return b->null - a->null;
	return tval_cmp(a, b);
}

static __int128
floor_div(__int128 a, __int128 b)
{
	__int128	q = a / b;

	return a % b < 0 ? q - 1 : q;
}

static tval
key_value(const test_row *t, const kf_group_key *k)
{
	tval		v = row_value(t, k->col);

	if (k->kind == KF_KEY_INT_TRUNC_BUCKET)
		v.i = v.i / k->width * k->width;
	else if (k->kind == KF_KEY_INT_FLOOR_BUCKET)
		v.i = k->origin + floor_div(v.i - k->origin, k->width) * k->width;
	else if (k->kind == KF_KEY_ADDR_PREFIX && !v.null)
	{
		unsigned __int128 bits = (unsigned __int128) v.a.hi << 64 | v.a.lo;

		bits = k->prefix_len == 0 ? 0 : bits & ~(((unsigned __int128) 1 << (128 - k->prefix_len)) - 1);
		if (k->prefix_len == 128)
			bits = (unsigned __int128) v.a.hi << 64 | v.a.lo;
		v.a = (kf_addr) {(uint64_t) (bits >> 64), (uint64_t) bits};
	}
	return v;
}

static void
format_tval(const tval *v, char *buf, size_t size)
{
	if (v->null)
		snprintf(buf, size, "NULL");
	else if (v->kind == KF_V_INT)
		snprintf(buf, size, "%lld:%llu", (long long) (int64_t) (v->i >> 64), (unsigned long long) (uint64_t) v->i);
	else if (v->kind == KF_V_ADDR)
		snprintf(buf, size, "%016llx%016llx", (unsigned long long) v->a.hi, (unsigned long long) v->a.lo);
	else
		snprintf(buf, size, "'%.*s'", (int) v->len, v->s);
}

/* ------------------------------------------------------------------ result tables */

typedef struct ttable
{
	size_t		nrows;
	uint32_t	ncols;
	tval	   *vals;			/* nrows * ncols */
} ttable;

static tval *
cell(const ttable *t, size_t r, uint32_t c)
{
	return &t->vals[r * t->ncols + c];
}

static void
ttable_add_row(ttable *t, size_t *cap)
{
	if (t->nrows == *cap)
	{
		*cap = *cap ? *cap * 2 : 64;
		t->vals = realloc(t->vals, sizeof(tval) * *cap * (t->ncols + 1));
	}
	memset(cell(t, t->nrows, 0), 0, sizeof(tval) * t->ncols);
	t->nrows++;
}

/* ------------------------------------------------------------------ reference */

typedef struct where_leaf
{
	kf_ecol		col;
	int64_t		value;			/* col = value */
} where_leaf;

typedef struct test_spec
{
	const char *name;
	uint32_t	device_id;
	uint32_t	nwhere;
	where_leaf	where[2];
	uint32_t	nkeys;
	kf_group_key keys[4];
	uint32_t	naggs;
	kf_agg_item aggs[MAX_COLS];
	uint32_t	nhaving;
	kf_having_item having[2];
	uint32_t	norder;
	kf_order_item order[3];
	bool		has_limit;
	uint64_t	limit;
	uint64_t	offset;
} test_spec;

static bool
row_matches(const test_spec *s, const test_row *t)
{
	if (s->device_id && t->device_id != s->device_id)
		return false;
	for (uint32_t i = 0; i < s->nwhere; i++)
		if (row_int(t, s->where[i].col) != s->where[i].value)
			return false;
	return true;
}

static const test_spec *sort_spec;

static int
cmp_rows_by_keys(const void *pa, const void *pb)
{
	const test_row *a = &rows[*(const uint32_t *) pa],
			   *b = &rows[*(const uint32_t *) pb];

	for (uint32_t k = 0; k < sort_spec->nkeys; k++)
	{
		tval		va = key_value(a, &sort_spec->keys[k]),
					vb = key_value(b, &sort_spec->keys[k]);
		int			c = tval_cmp_nulls(&va, &vb);

		if (c)
			return c;
	}
	return 0;
}

static int
cmp_tvals(const void *a, const void *b)
{
	return tval_cmp_nulls(a, b);
}

/* The aggregate over rows idx[0..n). */
static tval
reference_agg(const kf_agg_item *a, const uint32_t *idx, size_t n)
{
	tval		out = {.kind = KF_V_INT};
	tval	   *vals = malloc(sizeof(tval) * (n + 1));
	size_t		nv = 0;

	for (size_t i = 0; i < n; i++)
	{
		tval		v = a->func == KF_AGG_COUNT_STAR ? (tval) {.kind = KF_V_INT} : row_value(&rows[idx[i]], a->col);

		if (!v.null)
			vals[nv++] = v;
	}
	if (a->func == KF_AGG_COUNT_STAR || a->func == KF_AGG_COUNT)
		out.i = (__int128) nv;
	else if (a->func == KF_AGG_COUNT_DISTINCT)
	{
		qsort(vals, nv, sizeof(tval), cmp_tvals);
		for (size_t i = 0; i < nv; i++)
			out.i += i == 0 || tval_cmp(&vals[i], &vals[i - 1]) != 0;
	}
	else if (nv == 0)
	{
		out.null = true;
		out.kind = a->func == KF_AGG_SUM ? KF_V_INT : kf_ecol_describe(a->col)->kind;
	}
	else if (a->func == KF_AGG_SUM)
		for (size_t i = 0; i < nv; i++)
			out.i += vals[i].i;
	else
	{
		out = vals[0];
		for (size_t i = 1; i < nv; i++)
		{
			int			c = tval_cmp(&vals[i], &out);

			if (a->func == KF_AGG_MIN ? c < 0 : c > 0)
				out = vals[i];
		}
	}
	free(vals);
	return out;
}

static tval *
output_of(const test_spec *s, const ttable *t, size_t r, kf_output_ref ref)
{
	return cell(t, r, ref.is_agg ? s->nkeys + ref.index : ref.index);
}

static bool
having_passes(const test_spec *s, const ttable *t, size_t r)
{
	for (uint32_t h = 0; h < s->nhaving; h++)
	{
		const tval *v = output_of(s, t, r, s->having[h].ref);
		__int128	c = s->having[h].value;
		bool		ok;

		switch (s->having[h].op)
		{
			case KF_OP_EQ: ok = v->i == c; break;
			case KF_OP_NE: ok = v->i != c; break;
			case KF_OP_LT: ok = v->i < c; break;
			case KF_OP_LE: ok = v->i <= c; break;
			case KF_OP_GT: ok = v->i > c; break;
			default: ok = v->i >= c; break;
		}
		if (v->null || !ok)
			return false;
	}
	return true;
}

/* Every group of the spec, after HAVING, in no particular order. */
static ttable
reference(const test_spec *s)
{
	ttable		t = {0, s->nkeys + s->naggs, NULL};
	size_t		cap = 0;
	uint32_t   *idx = malloc(sizeof(uint32_t) * (nrows + 1));
	size_t		n = 0;

	for (size_t i = 0; i < nrows; i++)
		if (row_matches(s, &rows[i]))
			idx[n++] = (uint32_t) i;
	sort_spec = s;
	qsort(idx, n, sizeof(uint32_t), cmp_rows_by_keys);
	for (size_t start = 0; start < n || (start == 0 && s->nkeys == 0);)
	{
		size_t		end = start + 1;

		while (end < n && cmp_rows_by_keys(&idx[start], &idx[end]) == 0)
			end++;
		if (s->nkeys == 0)
			end = n;
		ttable_add_row(&t, &cap);
		for (uint32_t k = 0; k < s->nkeys; k++)
			*cell(&t, t.nrows - 1, k) = key_value(&rows[idx[start]], &s->keys[k]);
		for (uint32_t a = 0; a < s->naggs; a++)
			*cell(&t, t.nrows - 1, s->nkeys + a) = reference_agg(&s->aggs[a], &idx[start], end - start);
		if (!having_passes(s, &t, t.nrows - 1))
			t.nrows--;
		start = end;
		if (n == 0)
			break;
	}
	free(idx);
	return t;
}

/* ------------------------------------------------------------------ running the engine */

static void
build_where(const test_spec *s, kf_pred *leaves, const kf_pred **children, kf_pred *and_node)
{
	for (uint32_t i = 0; i < s->nwhere; i++)
	{
		leaves[i] = (kf_pred) {.type = KF_P_INT_CMP, .col = s->where[i].col, .op = KF_OP_EQ};
		leaves[i].value.i = s->where[i].value;
		children[i] = &leaves[i];
	}
	*and_node = (kf_pred) {.type = KF_P_AND, .nchildren = s->nwhere, .children = children};
}

static kf_agg_spec
engine_spec(const test_spec *s, const kf_pred *where, uint32_t threads)
{
	kf_agg_spec spec = {
		.data_dir = data_dir, .device_id = s->device_id, .where = s->nwhere ? where : NULL,
		.nkeys = s->nkeys, .keys = s->keys, .naggs = s->naggs, .aggs = s->aggs,
		.nhaving = s->nhaving, .having = s->having, .norder = s->norder, .order = s->order,
		.has_limit = s->has_limit, .limit = s->limit, .offset = s->offset,
		.memory_limit = (size_t) 512 << 20, .threads = threads,
	};

	return spec;
}

static tval
engine_value(const kf_agg_column *c, uint32_t r)
{
	tval		v = {.kind = c->kind, .null = c->nulls && c->nulls[r]};

	if (v.null)
		return v;
	if (c->sums)
		v.i = c->sums[r];
	else if (c->ints)
		v.i = c->ints[r];
	else if (c->addrs)
		v.a = c->addrs[r];
	else
	{
		v.s = c->strs[r];
		v.len = c->lens[r];
	}
	return v;
}

/* Runs the spec; returns the rows in output order, or nrows = SIZE_MAX with err on failure. */
static ttable
run_engine(const kf_agg_spec *spec, kf_error *err, kf_agg_stats *stats)
{
	ttable		t = {SIZE_MAX, spec->nkeys + spec->naggs, NULL};
	size_t		cap = 0;
	kf_agg	   *agg = kf_agg_begin(spec, err);
	int			rc = agg ? 0 : -1;

	while (rc == 0)
		rc = kf_agg_wait(agg, 50, err);
	if (rc == 1)
	{
		kf_agg_batch batch;

		t.nrows = 0;
		while (kf_agg_next(agg, &batch) == 1)
			for (uint32_t r = 0; r < batch.nrows; r++)
			{
				ttable_add_row(&t, &cap);
				for (uint32_t c = 0; c < batch.ncols; c++)
					*cell(&t, t.nrows - 1, c) = engine_value(&batch.cols[c], r);
			}
		if (stats)
			*stats = *kf_agg_get_stats(agg);
	}
	/* strings point into the aggregation: copy them before it ends */
	for (size_t r = 0; rc == 1 && r < t.nrows; r++)
		for (uint32_t c = 0; c < t.ncols; c++)
			if (cell(&t, r, c)->s && !cell(&t, r, c)->null)
			{
				char	   *copy = malloc(cell(&t, r, c)->len + 1);

				memcpy(copy, cell(&t, r, c)->s, cell(&t, r, c)->len);
				copy[cell(&t, r, c)->len] = '\0';
				cell(&t, r, c)->s = copy;
			}
	kf_agg_end(agg);
	return t;
}

static void
ttable_free(ttable *t, bool owns_strings)
{
	for (size_t r = 0; owns_strings && t->nrows != SIZE_MAX && r < t->nrows; r++)
		for (uint32_t c = 0; c < t->ncols; c++)
			if (cell(t, r, c)->kind == KF_V_STR && !cell(t, r, c)->null)
				free((char *) cell(t, r, c)->s);
	free(t->vals);
}

/* ------------------------------------------------------------------ comparing */

static char *
row_text(const ttable *t, size_t r)
{
	char	   *text = calloc(1, 64 * (t->ncols + 1) + 256);

	for (uint32_t c = 0; c < t->ncols; c++)
	{
		char		v[200];

		format_tval(cell(t, r, c), v, sizeof(v));
		strcat(text, v);
		strcat(text, "|");
	}
	return text;
}

static int
cmp_strptr(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Sorted text of every row: equal multisets of rows give equal lists. */
static char **
row_texts(const ttable *t)
{
	char	  **texts = malloc(sizeof(char *) * (t->nrows + 1));

	for (size_t r = 0; r < t->nrows; r++)
		texts[r] = row_text(t, r);
	qsort(texts, t->nrows, sizeof(char *), cmp_strptr);
	return texts;
}

static void
free_texts(char **texts, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(texts[i]);
	free(texts);
}

/* The requested order between rows a and b of t: <0 when a must come first. */
static int
order_cmp(const test_spec *s, const ttable *t, size_t a, size_t b)
{
	for (uint32_t o = 0; o < s->norder; o++)
	{
		const tval *va = output_of(s, t, a, s->order[o].ref),
				   *vb = output_of(s, t, b, s->order[o].ref);

		if (va->null || vb->null)
		{
			if (va->null && vb->null)
				continue;
			return va->null == s->order[o].nulls_first ? -1 : 1;
		}
		int			c = tval_cmp(va, vb);

		if (c)
			return s->order[o].descending ? -c : c;
	}
	return 0;
}

static const test_spec *order_spec;
static const ttable *order_table;

static int
cmp_ordered(const void *a, const void *b)
{
	return order_cmp(order_spec, order_table, *(const size_t *) a, *(const size_t *) b);
}

/* Text of the ORDER BY values of row r (what must match position by position). */
static void
order_text(const test_spec *s, const ttable *t, size_t r, char *buf, size_t size)
{
	buf[0] = '\0';
	for (uint32_t o = 0; o < s->norder; o++)
	{
		char		v[200];

		format_tval(output_of(s, t, r, s->order[o].ref), v, sizeof(v));
		strncat(buf, v, size - strlen(buf) - 1);
	}
}

/*
 * The engine's rows must be: as many as the reference's window, each one a reference group, and
 * with ORDER BY, the same sequence of ordering values as the ordered reference (ties among
 * groups equal in every ordering item may come in any order, as in PostgreSQL).
 */
static bool
same_result(const test_spec *s, const ttable *want_all, const ttable *got, char *why, size_t why_size)
{
	size_t		n = want_all->nrows;
	size_t	   *order = malloc(sizeof(size_t) * (n + 1));

	for (size_t i = 0; i < n; i++)
		order[i] = i;
	order_spec = s;
	order_table = want_all;
	if (s->norder)
		qsort(order, n, sizeof(size_t), cmp_ordered);
	size_t		first = s->offset < n ? s->offset : n;
	size_t		count = n - first;

	if (s->has_limit && s->limit < count)
		count = s->limit;
	bool		ok = got->nrows == count;

	if (!ok)
		snprintf(why, why_size, "%zu rows, want %zu", got->nrows, count);
	char	  **all = row_texts(want_all);

	for (size_t r = 0; ok && r < got->nrows; r++)
	{
		char	   *text = row_text(got, r);

		ok = bsearch(&text, all, n, sizeof(char *), cmp_strptr) != NULL;
		if (!ok)
			snprintf(why, why_size, "row %zu is no reference group: %.300s", r, text);
		free(text);
	}
	for (size_t r = 0; ok && s->norder && r < got->nrows; r++)
	{
		char		a[600],
					b[600];

		order_text(s, got, r, a, sizeof(a));
		order_text(s, want_all, order[first + r], b, sizeof(b));
		ok = strcmp(a, b) == 0;
		if (!ok)
			snprintf(why, why_size, "row %zu orders as %.200s, want %.200s", r, a, b);
	}
	if (ok && s->norder == 0 && !s->has_limit && s->offset == 0)
	{
		char	  **mine = row_texts(got);

		for (size_t r = 0; ok && r < n; r++)
			ok = strcmp(mine[r], all[r]) == 0;
		free_texts(mine, got->nrows);
	}
	free_texts(all, n);
	free(order);
	return ok;
}

static void
check_spec(const test_spec *s)
{
	ttable		want = reference(s);
	kf_pred		leaves[2],
				and_node;
	const kf_pred *children[2];

	build_where(s, leaves, children, &and_node);
	for (uint32_t threads = 1; threads <= 2; threads++)
	{
		kf_error	err = {{0}};
		kf_agg_spec spec = engine_spec(s, &and_node, threads);
		kf_agg_stats stats;
		ttable		got = run_engine(&spec, &err, &stats);
		char		name[200],
					why[800] = "";

		snprintf(name, sizeof(name), "%s (%u thread%s, %zu groups)", s->name, threads, threads > 1 ? "s" : "",
				 want.nrows);
		if (got.nrows == SIZE_MAX)
		{
			printf("FAIL %s: engine error: %s\n", name, err.msg);
			unit_failures++;
		}
		else if (!same_result(s, &want, &got, why, sizeof(why)))
		{
			printf("FAIL %s: %s\n", name, why);
			unit_failures++;
		}
		else
			printf("PASS %s\n", name);
		ttable_free(&got, true);
	}
	ttable_free(&want, false);
}

/* ------------------------------------------------------------------ specs */

#define KEY(c) {KF_KEY_COLUMN, (c), 0, 0, 0}
#define TRUNC(c, w) {KF_KEY_INT_TRUNC_BUCKET, (c), (w), 0, 0}
#define FLOOR(c, w, o) {KF_KEY_INT_FLOOR_BUCKET, (c), (w), (o), 0}
#define PREFIX(c, n) {KF_KEY_ADDR_PREFIX, (c), 0, 0, (n)}
#define AGG(f, c) {.func = (f), .col = (c)}
#define KREF(i) {false, (i)}
#define AREF(i) {true, (i)}

static void
test_key_kinds(void)
{
	static const test_spec specs[] = {
		{.name = "key l4_dst_port", .nkeys = 1, .keys = {KEY(KF_E_L4_DST_PORT)}, .naggs = 2,
		 .aggs = {AGG(KF_AGG_COUNT_STAR, 0), AGG(KF_AGG_SUM, KF_E_BOTH_BYTES)}},
		{.name = "key protocol", .nkeys = 1, .keys = {KEY(KF_E_PROTOCOL)}, .naggs = 1,
		 .aggs = {AGG(KF_AGG_SUM, KF_E_IN_BYTES)}},
		{.name = "key ipv4_dst_addr (NULL group)", .nkeys = 1, .keys = {KEY(KF_E_IPV4_DST_ADDR)}, .naggs = 2,
		 .aggs = {AGG(KF_AGG_COUNT_STAR, 0), AGG(KF_AGG_SUM, KF_E_BOTH_BYTES)}},
		{.name = "key inet_src_addr", .nkeys = 1, .keys = {KEY(KF_E_INET_SRC_ADDR)}, .naggs = 1,
		 .aggs = {AGG(KF_AGG_COUNT_STAR, 0)}},
		{.name = "key ipv4_next_hop", .nkeys = 1, .keys = {KEY(KF_E_IPV4_NEXT_HOP)}, .naggs = 1,
		 .aggs = {AGG(KF_AGG_COUNT_STAR, 0)}},
		{.name = "key dst_flow_tags", .nkeys = 1, .keys = {KEY(KF_E_DST_FLOW_TAGS)}, .naggs = 2,
		 .aggs = {AGG(KF_AGG_COUNT_STAR, 0), AGG(KF_AGG_MAX, KF_E_IN_BYTES)}},
		{.name = "key i_device_name", .nkeys = 1, .keys = {KEY(KF_E_DEVICE_NAME)}, .naggs = 1,
		 .aggs = {AGG(KF_AGG_COUNT_STAR, 0)}},
		{.name = "key i_device_id", .nkeys = 1, .keys = {KEY(KF_E_DEVICE_ID)}, .naggs = 1,
		 .aggs = {AGG(KF_AGG_SUM, KF_E_OUT_PKTS)}},
		{.name = "key ctimestamp / 60 * 60", .nkeys = 1, .keys = {TRUNC(KF_E_CTIMESTAMP, 60)}, .naggs = 1,
		 .aggs = {AGG(KF_AGG_SUM, KF_E_BOTH_BYTES)}},
		{.name = "key in_bytes / 7 * 7 (negatives truncate)", .nkeys = 1, .keys = {TRUNC(KF_E_IN_BYTES, 7)},
		 .naggs = 1, .aggs = {AGG(KF_AGG_COUNT_STAR, 0)}},
		{.name = "key floor(in_bytes, 7, origin -3)", .nkeys = 1, .keys = {FLOOR(KF_E_IN_BYTES, 7, -3)},
		 .naggs = 1, .aggs = {AGG(KF_AGG_COUNT_STAR, 0)}},
		{.name = "key floor(i_start_time, 300, origin 17)", .nkeys = 1, .keys = {FLOOR(KF_E_START_TIME, 300, 17)},
		 .naggs = 1, .aggs = {AGG(KF_AGG_SUM, KF_E_BOTH_PKTS)}},
		{.name = "key prefix(ipv4_src_addr, 120)", .nkeys = 1, .keys = {PREFIX(KF_E_IPV4_SRC_ADDR, 120)},
		 .naggs = 1, .aggs = {AGG(KF_AGG_COUNT_STAR, 0)}},
		{.name = "key prefix(inet_dst_addr, 64)", .nkeys = 1, .keys = {PREFIX(KF_E_INET_DST_ADDR, 64)},
		 .naggs = 1, .aggs = {AGG(KF_AGG_COUNT_STAR, 0)}},
		{.name = "key prefix(inet_src_addr, 0)", .nkeys = 1, .keys = {PREFIX(KF_E_INET_SRC_ADDR, 0)},
		 .naggs = 1, .aggs = {AGG(KF_AGG_COUNT_STAR, 0)}},
		{.name = "key prefix(inet_src_addr, 127)", .nkeys = 1, .keys = {PREFIX(KF_E_INET_SRC_ADDR, 127)},
		 .naggs = 1, .aggs = {AGG(KF_AGG_COUNT_STAR, 0)}},
		{.name = "keys protocol, l4_dst_port", .nkeys = 2, .keys = {KEY(KF_E_PROTOCOL), KEY(KF_E_L4_DST_PORT)},
		 .naggs = 1, .aggs = {AGG(KF_AGG_SUM, KF_E_BOTH_BYTES)}},
		{.name = "keys ipv4_dst_addr, dst_flow_tags", .nkeys = 2,
		 .keys = {KEY(KF_E_IPV4_DST_ADDR), KEY(KF_E_DST_FLOW_TAGS)}, .naggs = 1, .aggs = {AGG(KF_AGG_COUNT_STAR, 0)}},
		{.name = "keys device name, hour, inet_src_addr, tos", .nkeys = 4,
		 .keys = {KEY(KF_E_DEVICE_NAME), TRUNC(KF_E_CTIMESTAMP, 3600), KEY(KF_E_INET_SRC_ADDR), KEY(KF_E_TOS)},
		 .naggs = 2, .aggs = {AGG(KF_AGG_COUNT_STAR, 0), AGG(KF_AGG_MIN, KF_E_SRC_FLOW_TAGS)}},
		{.name = "keys only (no aggregates)", .nkeys = 1, .keys = {KEY(KF_E_SRC_AS)}},
	};

	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++)
		check_spec(&specs[i]);
}

static void
test_aggregates(void)
{
	static const test_spec specs[] = {
		{.name = "aggs on INT columns", .nkeys = 1, .keys = {KEY(KF_E_PROTOCOL)}, .naggs = 7,
		 .aggs = {AGG(KF_AGG_COUNT_STAR, 0), AGG(KF_AGG_COUNT, KF_E_IN_BYTES), AGG(KF_AGG_COUNT_DISTINCT, KF_E_L4_SRC_PORT),
			 AGG(KF_AGG_SUM, KF_E_IN_BYTES), AGG(KF_AGG_MIN, KF_E_IN_BYTES), AGG(KF_AGG_MAX, KF_E_CTIMESTAMP),
		 AGG(KF_AGG_SUM, KF_E_DEVICE_ID)}},
		{.name = "aggs on ADDR columns", .nkeys = 1, .keys = {KEY(KF_E_DEVICE_ID)}, .naggs = 8,
		 .aggs = {AGG(KF_AGG_COUNT, KF_E_IPV4_SRC_ADDR), AGG(KF_AGG_COUNT, KF_E_INET_SRC_ADDR),
			 AGG(KF_AGG_COUNT_DISTINCT, KF_E_INET_SRC_ADDR), AGG(KF_AGG_COUNT_DISTINCT, KF_E_IPV4_DST_ADDR),
			 AGG(KF_AGG_MIN, KF_E_IPV4_SRC_ADDR), AGG(KF_AGG_MAX, KF_E_IPV4_SRC_ADDR),
		 AGG(KF_AGG_MIN, KF_E_INET_DST_ADDR), AGG(KF_AGG_MAX, KF_E_INET_DST_ADDR)}},
		{.name = "aggs on STR columns", .nkeys = 1, .keys = {KEY(KF_E_TOS)}, .naggs = 6,
		 .aggs = {AGG(KF_AGG_COUNT, KF_E_DST_FLOW_TAGS), AGG(KF_AGG_COUNT_DISTINCT, KF_E_SRC_FLOW_TAGS),
			 AGG(KF_AGG_MIN, KF_E_DST_FLOW_TAGS), AGG(KF_AGG_MAX, KF_E_DST_FLOW_TAGS),
		 AGG(KF_AGG_MIN, KF_E_DEVICE_NAME), AGG(KF_AGG_COUNT_DISTINCT, KF_E_DEVICE_NAME)}},
		{.name = "min/max of ipv4_next_hop (all-NULL groups)", .nkeys = 1, .keys = {KEY(KF_E_IPV4_NEXT_HOP)},
		 .naggs = 3, .aggs = {AGG(KF_AGG_MIN, KF_E_IPV4_NEXT_HOP), AGG(KF_AGG_COUNT, KF_E_IPV4_NEXT_HOP),
		 AGG(KF_AGG_COUNT_DISTINCT, KF_E_IPV4_NEXT_HOP)}},
		{.name = "grand total of everything", .naggs = 8,
		 .aggs = {AGG(KF_AGG_COUNT_STAR, 0), AGG(KF_AGG_SUM, KF_E_IN_BYTES), AGG(KF_AGG_SUM, KF_E_BOTH_BYTES),
			 AGG(KF_AGG_COUNT_DISTINCT, KF_E_INET_SRC_ADDR), AGG(KF_AGG_COUNT_DISTINCT, KF_E_L4_DST_PORT),
		 AGG(KF_AGG_MIN, KF_E_INET_SRC_ADDR), AGG(KF_AGG_MAX, KF_E_SRC_FLOW_TAGS), AGG(KF_AGG_MIN, KF_E_CTIMESTAMP)}},
		{.name = "grand total with WHERE protocol = 17", .nwhere = 1, .where = {{KF_E_PROTOCOL, 17}}, .naggs = 2,
		 .aggs = {AGG(KF_AGG_COUNT_DISTINCT, KF_E_INET_SRC_ADDR), AGG(KF_AGG_COUNT_STAR, 0)}},
		{.name = "grand total over no rows", .nwhere = 1, .where = {{KF_E_PROTOCOL, 99}}, .naggs = 6,
		 .aggs = {AGG(KF_AGG_COUNT_STAR, 0), AGG(KF_AGG_COUNT, KF_E_IPV4_SRC_ADDR), AGG(KF_AGG_SUM, KF_E_IN_BYTES),
		 AGG(KF_AGG_MIN, KF_E_IN_BYTES), AGG(KF_AGG_MAX, KF_E_DST_FLOW_TAGS), AGG(KF_AGG_COUNT_DISTINCT, KF_E_TOS)}},
		{.name = "grand total of device 9 (no parts)", .device_id = 9, .naggs = 2,
		 .aggs = {AGG(KF_AGG_COUNT_STAR, 0), AGG(KF_AGG_SUM, KF_E_IN_BYTES)}},
		{.name = "groups over no rows", .nwhere = 1, .where = {{KF_E_PROTOCOL, 99}}, .nkeys = 1,
		 .keys = {KEY(KF_E_L4_DST_PORT)}, .naggs = 1, .aggs = {AGG(KF_AGG_COUNT_STAR, 0)}},
		{.name = "spam query: WHERE protocol = 6 AND l4_src_port = 25 on device 1", .device_id = 1, .nwhere = 2,
		 .where = {{KF_E_PROTOCOL, 6}, {KF_E_L4_SRC_PORT, 25}}, .nkeys = 1, .keys = {KEY(KF_E_IPV4_DST_ADDR)},
		 .naggs = 1, .aggs = {AGG(KF_AGG_SUM, KF_E_BOTH_BYTES)}, .norder = 1, .order = {{AREF(0), true, true}},
		 .has_limit = true, .limit = 10000},
	};

	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++)
		check_spec(&specs[i]);
}

static void
test_having_order_limit(void)
{
	static const test_spec specs[] = {
		{.name = "HAVING count(*) > 150", .nkeys = 1, .keys = {KEY(KF_E_INET_SRC_ADDR)}, .naggs = 2,
		 .aggs = {AGG(KF_AGG_COUNT_STAR, 0), AGG(KF_AGG_SUM, KF_E_IN_BYTES)}, .nhaving = 1,
		 .having = {{AREF(0), KF_OP_GT, 150}}},
		{.name = "HAVING sum >= 2^62 AND key <> 6", .nkeys = 1, .keys = {KEY(KF_E_PROTOCOL)}, .naggs = 1,
		 .aggs = {AGG(KF_AGG_SUM, KF_E_IN_BYTES)}, .nhaving = 2,
		 .having = {{AREF(0), KF_OP_GE, (__int128) 1 << 62}, {KREF(0), KF_OP_NE, 6}}},
		{.name = "HAVING min(in_bytes) < 0", .nkeys = 1, .keys = {KEY(KF_E_L4_DST_PORT)}, .naggs = 1,
		 .aggs = {AGG(KF_AGG_MIN, KF_E_IN_BYTES)}, .nhaving = 1, .having = {{AREF(0), KF_OP_LT, 0}}},
		{.name = "ORDER BY sum DESC LIMIT 20 (top ports)", .nkeys = 1, .keys = {KEY(KF_E_L4_DST_PORT)}, .naggs = 1,
		 .aggs = {AGG(KF_AGG_SUM, KF_E_BOTH_BYTES)}, .norder = 1, .order = {{AREF(0), true, false}},
		 .has_limit = true, .limit = 20},
		{.name = "ORDER BY ipv4 key ASC NULLS FIRST", .nkeys = 1, .keys = {KEY(KF_E_IPV4_SRC_ADDR)}, .naggs = 1,
		 .aggs = {AGG(KF_AGG_COUNT_STAR, 0)}, .norder = 1, .order = {{KREF(0), false, true}}},
		{.name = "ORDER BY ipv4 key ASC NULLS LAST LIMIT 5", .nkeys = 1, .keys = {KEY(KF_E_IPV4_SRC_ADDR)},
		 .naggs = 1, .aggs = {AGG(KF_AGG_COUNT_STAR, 0)}, .norder = 1, .order = {{KREF(0), false, false}},
		 .has_limit = true, .limit = 5, .offset = 297},
		{.name = "ORDER BY ipv4 key DESC NULLS LAST", .nkeys = 1, .keys = {KEY(KF_E_IPV4_DST_ADDR)}, .naggs = 1,
		 .aggs = {AGG(KF_AGG_COUNT_STAR, 0)}, .norder = 1, .order = {{KREF(0), true, false}}},
		{.name = "ORDER BY inet key DESC NULLS FIRST LIMIT 7 OFFSET 3", .nkeys = 1,
		 .keys = {KEY(KF_E_INET_DST_ADDR)}, .naggs = 1, .aggs = {AGG(KF_AGG_COUNT_STAR, 0)}, .norder = 1,
		 .order = {{KREF(0), true, true}}, .has_limit = true, .limit = 7, .offset = 3},
		{.name = "ORDER BY max(ipv4_next_hop) NULLS FIRST, tags DESC", .nkeys = 1, .keys = {KEY(KF_E_SRC_FLOW_TAGS)},
		 .naggs = 1, .aggs = {AGG(KF_AGG_MAX, KF_E_IPV4_NEXT_HOP)}, .norder = 2,
		 .order = {{AREF(0), false, true}, {KREF(0), true, false}}},
		{.name = "ORDER BY tags, count DESC, port LIMIT 30", .nkeys = 2,
		 .keys = {KEY(KF_E_DST_FLOW_TAGS), KEY(KF_E_L4_SRC_PORT)}, .naggs = 1, .aggs = {AGG(KF_AGG_COUNT_STAR, 0)},
		 .norder = 3, .order = {{KREF(0), false, false}, {AREF(0), true, true}, {KREF(1), false, false}},
		 .has_limit = true, .limit = 30},
		{.name = "ORDER BY min(tags) DESC LIMIT 4", .nkeys = 1, .keys = {KEY(KF_E_INET_DST_ADDR)}, .naggs = 1,
		 .aggs = {AGG(KF_AGG_MIN, KF_E_DST_FLOW_TAGS)}, .norder = 1, .order = {{AREF(0), true, true}},
		 .has_limit = true, .limit = 4},
		{.name = "LIMIT without ORDER BY", .nkeys = 1, .keys = {KEY(KF_E_L4_DST_PORT)}, .naggs = 1,
		 .aggs = {AGG(KF_AGG_COUNT_STAR, 0)}, .has_limit = true, .limit = 10, .offset = 5},
		{.name = "OFFSET beyond the end", .nkeys = 1, .keys = {KEY(KF_E_PROTOCOL)}, .naggs = 1,
		 .aggs = {AGG(KF_AGG_COUNT_STAR, 0)}, .norder = 1, .order = {{KREF(0), false, false}}, .offset = 100},
		{.name = "LIMIT 0", .nkeys = 1, .keys = {KEY(KF_E_PROTOCOL)}, .naggs = 1,
		 .aggs = {AGG(KF_AGG_COUNT_STAR, 0)}, .norder = 1, .order = {{KREF(0), false, false}}, .has_limit = true},
		{.name = "huge LIMIT and OFFSET", .nkeys = 1, .keys = {KEY(KF_E_PROTOCOL)}, .naggs = 1,
		 .aggs = {AGG(KF_AGG_COUNT_STAR, 0)}, .norder = 1, .order = {{AREF(0), false, false}}, .has_limit = true,
		 .limit = UINT64_MAX, .offset = 2},
		{.name = "HAVING on a grand total", .nwhere = 1, .where = {{KF_E_TOS, 3}}, .naggs = 1,
		 .aggs = {AGG(KF_AGG_COUNT_STAR, 0)}, .nhaving = 1, .having = {{AREF(0), KF_OP_LT, 5}}},
	};

	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++)
		check_spec(&specs[i]);
}

/*
 * The table layouts and the partitioned merge (agg_keys.h, agg_executor.c): nullable IPv4 keys in
 * one word (plain, /n prefixes; a prefix of fewer than 96 bits keeps two), two-word keys whose
 * tables are split into partitions on two threads and merged partition by partition (with and
 * without a top-N, HAVING and OFFSET), and distinct sets that start narrow and widen for IPv6.
 */
static void
test_layouts_and_partitions(void)
{
	static const test_spec specs[] = {
		{.name = "keys ipv4_src_addr, ipv4_dst_addr ORDER BY sum DESC LIMIT 50", .nkeys = 2,
		 .keys = {KEY(KF_E_IPV4_SRC_ADDR), KEY(KF_E_IPV4_DST_ADDR)}, .naggs = 1,
		 .aggs = {AGG(KF_AGG_SUM, KF_E_BOTH_BYTES)}, .norder = 1, .order = {{AREF(0), true, true}},
		 .has_limit = true, .limit = 50},
		{.name = "keys ipv4_src_addr, ipv4_dst_addr, all groups", .nkeys = 2,
		 .keys = {KEY(KF_E_IPV4_SRC_ADDR), KEY(KF_E_IPV4_DST_ADDR)}, .naggs = 3,
		 .aggs = {AGG(KF_AGG_COUNT_STAR, 0), AGG(KF_AGG_MIN, KF_E_IN_BYTES), AGG(KF_AGG_MAX, KF_E_DST_FLOW_TAGS)}},
		{.name = "keys ipv4_dst_addr, ipv4_next_hop HAVING count(*) > 1 ORDER BY count, keys LIMIT 9 OFFSET 4",
		 .nkeys = 2, .keys = {KEY(KF_E_IPV4_DST_ADDR), KEY(KF_E_IPV4_NEXT_HOP)}, .naggs = 1,
		 .aggs = {AGG(KF_AGG_COUNT_STAR, 0)}, .nhaving = 1, .having = {{AREF(0), KF_OP_GT, 1}}, .norder = 3,
		 .order = {{AREF(0), true, false}, {KREF(0), false, true}, {KREF(1), true, false}}, .has_limit = true,
		 .limit = 9, .offset = 4},
		{.name = "key prefix(ipv4_src_addr, 80) (two words)", .nkeys = 1, .keys = {PREFIX(KF_E_IPV4_SRC_ADDR, 80)},
		 .naggs = 1, .aggs = {AGG(KF_AGG_COUNT_STAR, 0)}},
		{.name = "keys prefix(ipv4_src_addr, 100), prefix(ipv4_dst_addr, 96) ORDER BY keys DESC NULLS FIRST",
		 .nkeys = 2, .keys = {PREFIX(KF_E_IPV4_SRC_ADDR, 100), PREFIX(KF_E_IPV4_DST_ADDR, 96)}, .naggs = 1,
		 .aggs = {AGG(KF_AGG_SUM, KF_E_IN_PKTS)}, .norder = 2, .order = {{KREF(0), true, true}, {KREF(1), true, true}}},
		{.name = "keys protocol, l4_src_port: distinct sets narrow and wide", .nkeys = 2,
		 .keys = {KEY(KF_E_PROTOCOL), KEY(KF_E_L4_SRC_PORT)}, .naggs = 3,
		 .aggs = {AGG(KF_AGG_COUNT_DISTINCT, KF_E_INET_SRC_ADDR), AGG(KF_AGG_COUNT_DISTINCT, KF_E_IPV4_DST_ADDR),
		 AGG(KF_AGG_COUNT_DISTINCT, KF_E_CTIMESTAMP)}},
		{.name = "grand total: distinct inet_dst_addr, ipv4_src_addr, in_bytes", .naggs = 3,
		 .aggs = {AGG(KF_AGG_COUNT_DISTINCT, KF_E_INET_DST_ADDR), AGG(KF_AGG_COUNT_DISTINCT, KF_E_IPV4_SRC_ADDR),
		 AGG(KF_AGG_COUNT_DISTINCT, KF_E_IN_BYTES)}},
		{.name = "keys inet_src_addr, ctimestamp ORDER BY ctimestamp, addr LIMIT 1000 OFFSET 20000", .nkeys = 2,
		 .keys = {KEY(KF_E_INET_SRC_ADDR), KEY(KF_E_CTIMESTAMP)}, .naggs = 1, .aggs = {AGG(KF_AGG_COUNT_STAR, 0)},
		 .norder = 2, .order = {{KREF(1), false, false}, {KREF(0), false, false}}, .has_limit = true, .limit = 1000,
		 .offset = 20000},
	};

	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++)
		check_spec(&specs[i]);
}

/* ------------------------------------------------------------------ errors, cancel, format */

static void
test_grand_total_values(void)
{
	kf_group_key none[1];
	kf_agg_item aggs[] = {AGG(KF_AGG_COUNT_STAR, 0), AGG(KF_AGG_SUM, KF_E_IN_BYTES), AGG(KF_AGG_MIN, KF_E_TOS)};
	kf_pred		nothing = {.type = KF_P_FALSE};
	kf_agg_spec spec = {.data_dir = data_dir, .where = &nothing, .keys = none, .naggs = 3, .aggs = aggs};
	kf_error	err = {{0}};
	ttable		t = run_engine(&spec, &err, NULL);

	CHECK_INT_EQ("grand total over no rows: one row", t.nrows, 1);
	if (t.nrows == 1)
	{
		CHECK("grand total over no rows: count 0", !cell(&t, 0, 0)->null && cell(&t, 0, 0)->i == 0);
		CHECK("grand total over no rows: sum NULL", cell(&t, 0, 1)->null);
		CHECK("grand total over no rows: min NULL", cell(&t, 0, 2)->null);
	}
	ttable_free(&t, true);

	/* a sum beyond 64 bits comes back whole */
	__int128	want = 0;

	for (size_t i = 0; i < nrows; i++)
		want += rows[i].flow.in_bytes;
	spec.where = NULL;
	t = run_engine(&spec, &err, NULL);
	CHECK("sum beyond int64", t.nrows == 1 && cell(&t, 0, 1)->i == want && want > INT64_MAX);
	ttable_free(&t, true);
}

static void
test_memory_limit(void)
{
	kf_group_key keys[] = {KEY(KF_E_INET_SRC_ADDR), KEY(KF_E_CTIMESTAMP)};
	kf_agg_item aggs[] = {AGG(KF_AGG_COUNT_STAR, 0)};
	kf_agg_spec spec = {.data_dir = data_dir, .nkeys = 2, .keys = keys, .naggs = 1, .aggs = aggs,
	.memory_limit = (size_t) 1 << 20};
	kf_error	err = {{0}};
	ttable		t = run_engine(&spec, &err, NULL);

	printf("  memory limit: \"%s\"\n", err.msg);
	CHECK("memory limit: error from kf_agg_wait", t.nrows == SIZE_MAX &&
		  strstr(err.msg, "group table needs more than 1 MB") != NULL);
	ttable_free(&t, true);

	kf_agg_item distinct[] = {AGG(KF_AGG_COUNT_DISTINCT, KF_E_CTIMESTAMP)};

	spec.nkeys = 0;
	spec.aggs = distinct;
	spec.memory_limit = 100000;
	t = run_engine(&spec, &err, NULL);
	CHECK("memory limit: distinct sets count", t.nrows == SIZE_MAX && strstr(err.msg, "needs more than 100000 bytes"));
	ttable_free(&t, true);

	kf_agg_stats stats;

	spec.memory_limit = (size_t) 64 << 20;
	t = run_engine(&spec, &err, &stats);
	CHECK("memory limit: enough memory succeeds", t.nrows == 1 && stats.peak_memory > 100000 &&
		  stats.peak_memory <= spec.memory_limit);
	ttable_free(&t, true);
}

static void
test_cancel(void)
{
	kf_group_key keys[] = {KEY(KF_E_INET_SRC_ADDR), KEY(KF_E_CTIMESTAMP)};
	kf_agg_item aggs[] = {AGG(KF_AGG_COUNT_DISTINCT, KF_E_INET_DST_ADDR)};
	kf_agg_spec spec = {.data_dir = data_dir, .nkeys = 2, .keys = keys, .naggs = 1, .aggs = aggs, .threads = 2};
	kf_error	err = {{0}};

	for (int round = 0; round < 20; round++)
	{
		kf_agg	   *agg = kf_agg_begin(&spec, &err);

		if (agg == NULL)
			break;
		if (round % 2)
			kf_agg_wait(agg, 1, &err);
		kf_agg_end(agg);		/* while the workers are (most likely) still scanning */
	}
	CHECK("cancel: kf_agg_end while running", err.msg[0] == '\0');

	kf_agg	   *agg = kf_agg_begin(&spec, &err);
	int			first = agg ? kf_agg_wait(agg, 0, &err) : -1;

	CHECK("cancel: kf_agg_wait(0) returns at once", first == 0 || first == 1);
	kf_agg_end(agg);
}

static void
flip_middle_bytes(const char *path)
{
	FILE	   *f = fopen(path, "r+b");

	if (f == NULL)
		return;
	fseek(f, 0, SEEK_END);
	long		size = ftell(f);

	for (long pos = size / 4; pos < size * 3 / 4; pos += 97)
	{
		fseek(f, pos, SEEK_SET);
		int			c = fgetc(f);

		fseek(f, pos, SEEK_SET);
		fputc(c ^ 0x5a, f);
	}
	fclose(f);
}

static void
test_corrupt_part(void)
{
	char		dir[300];
	kf_error	err = {{0}};
	kf_part_list parts = {0};

	snprintf(dir, sizeof(dir), "%s-corrupt", data_dir);
	mkdir(dir, 0755);
	if (write_rows(dir, 1, 0, 5000, &err) != 0 || write_rows(dir, 2, BIG_PART_ROWS, BIG_PART_ROWS + 500, &err) != 0 ||
		kf_parts_list(dir, 2, INT64_MIN, INT64_MAX, &parts, &err) != 0 || parts.count != 1)
	{
		printf("FAIL corrupt part: cannot prepare: %s\n", err.msg);
		unit_failures++;
		return;
	}
	flip_middle_bytes(parts.parts[0].path);
	kf_group_key keys[] = {KEY(KF_E_L4_DST_PORT)};
	kf_agg_item aggs[] = {AGG(KF_AGG_SUM, KF_E_BOTH_BYTES), AGG(KF_AGG_MAX, KF_E_DST_FLOW_TAGS)};

	for (uint32_t threads = 1; threads <= 2; threads++)
	{
		kf_agg_spec spec = {.data_dir = dir, .nkeys = 1, .keys = keys, .naggs = 2, .aggs = aggs, .threads = threads};
		ttable		t = run_engine(&spec, &err, NULL);

		printf("  corrupt part: \"%s\"\n", err.msg);
		CHECK(threads == 1 ? "corrupt part: error names the file (1 thread)" :
			  "corrupt part: error names the file (2 threads)",
			  t.nrows == SIZE_MAX && strstr(err.msg, parts.parts[0].path) != NULL);
		ttable_free(&t, true);
	}
	kf_part_list_free(&parts);
}

static void
check_invalid(const char *name, const kf_agg_spec *spec, const char *want)
{
	kf_error	err = {{0}};
	kf_agg	   *agg = kf_agg_begin(spec, &err);

	CHECK(name, agg == NULL && strstr(err.msg, want) != NULL);
	if (agg == NULL && strstr(err.msg, want) == NULL)
		printf("  got \"%s\"\n", err.msg);
	kf_agg_end(agg);
}

static void
test_invalid_specs(void)
{
	kf_group_key bad_width[] = {TRUNC(KF_E_CTIMESTAMP, 0)};
	kf_group_key neg_width[] = {FLOOR(KF_E_CTIMESTAMP, -60, 0)};
	kf_group_key bucket_addr[] = {TRUNC(KF_E_INET_SRC_ADDR, 60)};
	kf_group_key prefix_int[] = {PREFIX(KF_E_TOS, 8)};
	kf_group_key long_prefix[] = {PREFIX(KF_E_INET_SRC_ADDR, 129)};
	kf_group_key addr_key[] = {KEY(KF_E_INET_SRC_ADDR)};
	kf_agg_item sum_addr[] = {AGG(KF_AGG_SUM, KF_E_INET_SRC_ADDR)};
	kf_agg_item count[] = {AGG(KF_AGG_COUNT_STAR, 0)};
	kf_having_item having_addr[] = {{KREF(0), KF_OP_GT, 1}};
	kf_order_item order_bad[] = {{AREF(3), false, false}};
	kf_agg_spec s = {.data_dir = data_dir, .nkeys = 1, .keys = bad_width, .naggs = 1, .aggs = count};

	check_invalid("invalid: bucket width 0", &s, "width must be positive");
	s.keys = neg_width;
	check_invalid("invalid: negative bucket width", &s, "width must be positive");
	s.keys = bucket_addr;
	check_invalid("invalid: bucket of an address", &s, "buckets need an integer column");
	s.keys = prefix_int;
	check_invalid("invalid: prefix of an integer", &s, "prefix needs an address column");
	s.keys = long_prefix;
	check_invalid("invalid: prefix length 129", &s, "prefix length 129");
	s.keys = addr_key;
	s.aggs = sum_addr;
	check_invalid("invalid: sum of an address", &s, "sum needs an integer column");
	s.aggs = count;
	s.nhaving = 1;
	s.having = having_addr;
	check_invalid("invalid: HAVING on an address", &s, "not an integer");
	s.nhaving = 0;
	s.norder = 1;
	s.order = order_bad;
	check_invalid("invalid: ORDER BY a missing output", &s, "refers to no output");
	s.norder = 0;
	s.data_dir = NULL;
	check_invalid("invalid: no data directory", &s, "no data directory");
}

static void
test_format(void)
{
	kf_group_key keys[] = {KEY(KF_E_IPV4_DST_ADDR), TRUNC(KF_E_CTIMESTAMP, 60), FLOOR(KF_E_START_TIME, 300, 17),
	PREFIX(KF_E_IPV4_SRC_ADDR, 120)};
	kf_agg_item aggs[] = {AGG(KF_AGG_SUM, KF_E_BOTH_BYTES), AGG(KF_AGG_COUNT_STAR, 0),
	AGG(KF_AGG_COUNT_DISTINCT, KF_E_INET_SRC_ADDR)};
	kf_having_item having[] = {{AREF(1), KF_OP_GT, -((__int128) 1 << 70)}};
	kf_order_item order[] = {{AREF(0), true, true}, {KREF(0), false, true}};
	kf_agg_spec spec = {.data_dir = data_dir, .nkeys = 1, .keys = keys, .naggs = 1, .aggs = aggs, .norder = 1,
	.order = order, .has_limit = true, .limit = 10000};
	char		buf[512];

	kf_agg_format(&spec, buf, sizeof(buf));
	CHECK_STR_EQ("format: spam query", buf, "GROUP BY ipv4_dst_addr; AGG sum(both_bytes); ORDER BY 2 DESC; LIMIT 10000");
	spec.nkeys = 4;
	spec.naggs = 3;
	spec.nhaving = 1;
	spec.having = having;
	spec.norder = 2;
	spec.offset = 5;
	size_t		need = kf_agg_format(&spec, buf, sizeof(buf));

	CHECK_STR_EQ("format: everything", buf,
				 "GROUP BY ipv4_dst_addr, ctimestamp / 60 * 60, floor_bucket(i_start_time, 300, origin 17), "
				 "prefix(ipv4_src_addr, 120); AGG sum(both_bytes), count(*), count(distinct inet_src_addr); "
				 "HAVING 6 > -1180591620717411303424; ORDER BY 5 DESC, 1 NULLS FIRST; LIMIT 10000; OFFSET 5");
	CHECK_INT_EQ("format: length", need, strlen(buf));
	kf_agg_format(&spec, buf, 10);
	CHECK_STR_EQ("format: truncated", buf, "GROUP BY ");
}

static void
test_stats(void)
{
	kf_group_key keys[] = {KEY(KF_E_PROTOCOL)};
	kf_agg_item aggs[] = {AGG(KF_AGG_COUNT_STAR, 0)};
	kf_pred		leaf = {.type = KF_P_INT_CMP, .col = KF_E_CTIMESTAMP, .op = KF_OP_GE};
	kf_agg_spec spec = {.data_dir = data_dir, .where = &leaf, .nkeys = 1, .keys = keys, .naggs = 1, .aggs = aggs,
	.has_limit = true, .limit = 2};
	kf_error	err = {{0}};
	kf_agg_stats stats;

	leaf.value.i = HOUR0 + 3600;
	ttable		t = run_engine(&spec, &err, &stats);

	CHECK_INT_EQ("stats: rows out", stats.rows_out, 2);
	CHECK_INT_EQ("stats: groups", stats.groups, 4);
	CHECK_INT_EQ("stats: parts listed (second hour only)", stats.scan.parts_listed, 3);
	CHECK_INT_EQ("stats: rows aggregated", stats.scan.rows_returned, 3 * SMALL_PART_ROWS);
	CHECK_INT_EQ("stats: threads", stats.threads_used, KF_AGG_THREADS);
	ttable_free(&t, true);
}

/* ------------------------------------------------------------------ sketch aggregates */

#define HLL(c, p) {.func = KF_AGG_HLL, .col = (c), .hll_precision = (p)}
#define PCT(c, r) {.func = KF_AGG_PERCENTILE, .col = (c), .rank = (r)}
#define RATE(c, r, t, w) {.func = KF_AGG_PERCENTILE_RATE, .col = (c), .rank = (r), .slice_col = (t), .slice_seconds = (w)}

static bool
is_sketch(kf_agg_func f)
{
	return f == KF_AGG_HLL || f == KF_AGG_PERCENTILE || f == KF_AGG_PERCENTILE_RATE;
}

/* The hash engine/hll.h prescribes for a value of any kind. */
static uint64_t
hll_hash_of(const tval *v)
{
	if (v->kind == KF_V_INT)
		return kf_hll_hash_int((int64_t) v->i);
	if (v->kind == KF_V_ADDR)
		return kf_hll_hash_addr(&v->a);
	return kf_hll_hash_bytes(v->s, v->len);
}

static int
cmp_int128(const void *a, const void *b)
{
	__int128	x = *(const __int128 *) a,
				y = *(const __int128 *) b;

	return (x > y) - (x < y);
}

/*
 * The sketch aggregate over rows idx[0..n), computed the slow, obvious way: dense registers built
 * here, a full sort for percentiles, every slice from the first to the last spelled out.
 */
static tval
reference_sketch(const kf_agg_item *a, const uint32_t *idx, size_t n)
{
	tval		out = {.kind = KF_V_INT};
	__int128   *vals = malloc(sizeof(__int128) * (n + 1));
	size_t		nv = 0;

	if (a->func == KF_AGG_HLL)
	{
		uint8_t    *registers = calloc((size_t) 1 << a->hll_precision, 1);

		for (size_t i = 0; i < n; i++)
		{
			tval		v = row_value(&rows[idx[i]], a->col);
			uint64_t	h = hll_hash_of(&v);
			uint32_t	r = kf_hll_index(h, a->hll_precision);

			if (!v.null && registers[r] < kf_hll_rank(h, a->hll_precision))
				registers[r] = kf_hll_rank(h, a->hll_precision);
		}
		out.i = (__int128) kf_hll_estimate(registers, a->hll_precision);
		free(registers);
	}
	else if (a->func == KF_AGG_PERCENTILE)
	{
		for (size_t i = 0; i < n; i++)
			vals[nv++] = row_int(&rows[idx[i]], a->col);
		qsort(vals, nv, sizeof(__int128), cmp_int128);
		out.null = nv == 0;
		out.i = nv ? vals[kf_percentile_index(nv, a->rank)] : 0;
	}
	else
	{
		int64_t		first = INT64_MAX,
					last = INT64_MIN;

		for (size_t i = 0; i < n; i++)
		{
			int64_t		s = (int64_t) floor_div(row_int(&rows[idx[i]], a->slice_col), a->slice_seconds);

			first = s < first ? s : first;
			last = s > last ? s : last;
		}
		size_t		nslices = n ? (size_t) (last - first + 1) : 0;
		__int128   *sums = calloc(nslices + 1, sizeof(__int128));

		for (size_t i = 0; i < n; i++)
			sums[floor_div(row_int(&rows[idx[i]], a->slice_col), a->slice_seconds) - first] +=
				row_int(&rows[idx[i]], a->col);
		qsort(sums, nslices, sizeof(__int128), cmp_int128);
		out.null = n == 0;
		out.i = n ? sums[kf_percentile_index(nslices, a->rank)] : 0;
		free(sums);
	}
	free(vals);
	return out;
}

/* reference() for specs that may hold sketch aggregates. */
static ttable
reference_with_sketches(const test_spec *s)
{
	ttable		t = {0, s->nkeys + s->naggs, NULL};
	size_t		cap = 0;
	uint32_t   *idx = malloc(sizeof(uint32_t) * (nrows + 1));
	size_t		n = 0;

	for (size_t i = 0; i < nrows; i++)
		if (row_matches(s, &rows[i]))
			idx[n++] = (uint32_t) i;
	sort_spec = s;
	qsort(idx, n, sizeof(uint32_t), cmp_rows_by_keys);
	for (size_t start = 0; start < n || (start == 0 && s->nkeys == 0);)
	{
		size_t		end = start + 1;

		while (end < n && cmp_rows_by_keys(&idx[start], &idx[end]) == 0)
			end++;
		if (s->nkeys == 0)
			end = n;
		ttable_add_row(&t, &cap);
		for (uint32_t k = 0; k < s->nkeys; k++)
			*cell(&t, t.nrows - 1, k) = key_value(&rows[idx[start]], &s->keys[k]);
		for (uint32_t a = 0; a < s->naggs; a++)
			*cell(&t, t.nrows - 1, s->nkeys + a) = is_sketch(s->aggs[a].func) ?
				reference_sketch(&s->aggs[a], &idx[start], end - start) :
				reference_agg(&s->aggs[a], &idx[start], end - start);
		if (!having_passes(s, &t, t.nrows - 1))
			t.nrows--;
		start = end;
		if (n == 0)
			break;
	}
	free(idx);
	return t;
}

/* check_spec with the sketch-aware reference: one thread and two threads must both equal it. */
static void
check_sketch_spec(const test_spec *s)
{
	ttable		want = reference_with_sketches(s);
	kf_pred		leaves[2],
				and_node;
	const kf_pred *children[2];

	build_where(s, leaves, children, &and_node);
	for (uint32_t threads = 1; threads <= 2; threads++)
	{
		kf_error	err = {{0}};
		kf_agg_spec spec = engine_spec(s, &and_node, threads);
		ttable		got = run_engine(&spec, &err, NULL);
		char		name[200],
					why[800] = "";

		snprintf(name, sizeof(name), "%s (%u thread%s, %zu groups)", s->name, threads, threads > 1 ? "s" : "",
				 want.nrows);
		if (got.nrows == SIZE_MAX)
		{
			printf("FAIL %s: engine error: %s\n", name, err.msg);
			unit_failures++;
		}
		else if (!same_result(s, &want, &got, why, sizeof(why)))
		{
			printf("FAIL %s: %s\n", name, why);
			unit_failures++;
		}
		else
			printf("PASS %s\n", name);
		ttable_free(&got, true);
	}
	ttable_free(&want, false);
}

static void
test_sketch_aggregates(void)
{
	static const test_spec specs[] = {
		{.name = "f_hll of INT, ADDR, NULL-able ADDR and STR columns", .nkeys = 1, .keys = {KEY(KF_E_PROTOCOL)},
		 .naggs = 6, .aggs = {HLL(KF_E_L4_SRC_PORT, 14), HLL(KF_E_INET_SRC_ADDR, 14), HLL(KF_E_IPV4_DST_ADDR, 12),
			 HLL(KF_E_SRC_FLOW_TAGS, 10), HLL(KF_E_DEVICE_NAME, 4), HLL(KF_E_IPV4_NEXT_HOP, 14)}},
		{.name = "f_hll grand total (dense sketches merged)", .naggs = 4,
		 .aggs = {HLL(KF_E_CTIMESTAMP, 14), HLL(KF_E_IN_BYTES, 10), HLL(KF_E_INET_DST_ADDR, 14), AGG(KF_AGG_COUNT_STAR, 0)}},
		{.name = "f_hll of many small groups (sparse sketches)", .nkeys = 1, .keys = {KEY(KF_E_INET_SRC_ADDR)},
		 .naggs = 2, .aggs = {HLL(KF_E_CTIMESTAMP, 14), HLL(KF_E_L4_DST_PORT, 6)}},
		{.name = "f_hll of ipv4_next_hop: all-NULL group is 0", .nkeys = 1, .keys = {KEY(KF_E_IPV4_NEXT_HOP)},
		 .naggs = 1, .aggs = {HLL(KF_E_IPV4_NEXT_HOP, 14)}},
		{.name = "f_percentile of INT columns (ties, negatives, huge values)", .nkeys = 1, .keys = {KEY(KF_E_TOS)},
		 .naggs = 5, .aggs = {PCT(KF_E_IN_BYTES, 95), PCT(KF_E_IN_BYTES, 50), PCT(KF_E_IN_BYTES, 0.1),
			 PCT(KF_E_PROTOCOL, 99.9), PCT(KF_E_OUT_PKTS, 100)}},
		{.name = "f_percentile of small groups", .nkeys = 1, .keys = {KEY(KF_E_INET_DST_ADDR)},
		 .naggs = 2, .aggs = {PCT(KF_E_BOTH_BYTES, 95), PCT(KF_E_L4_SRC_PORT, 50)}},
		{.name = "f_percentile_rate per 60 s of ctimestamp", .nkeys = 1, .keys = {KEY(KF_E_DEVICE_ID)},
		 .naggs = 3, .aggs = {RATE(KF_E_BOTH_BYTES, 95, KF_E_CTIMESTAMP, 60), RATE(KF_E_BOTH_BYTES, 50, KF_E_CTIMESTAMP, 60),
			 RATE(KF_E_IN_PKTS, 99, KF_E_START_TIME, 300)}},
		{.name = "f_percentile_rate with gaps between slices", .nwhere = 1, .where = {{KF_E_L4_SRC_PORT, 25}},
		 .nkeys = 1, .keys = {KEY(KF_E_PROTOCOL)}, .naggs = 3,
		 .aggs = {RATE(KF_E_BOTH_BYTES, 50, KF_E_CTIMESTAMP, 10), RATE(KF_E_BOTH_BYTES, 90, KF_E_CTIMESTAMP, 10),
			 RATE(KF_E_OUT_BYTES, 99.5, KF_E_CTIMESTAMP, 7)}},
		{.name = "sketches over no rows: HLL 0, percentiles NULL", .nwhere = 1, .where = {{KF_E_PROTOCOL, 99}},
		 .naggs = 3, .aggs = {HLL(KF_E_INET_SRC_ADDR, 14), PCT(KF_E_IN_BYTES, 95),
		 RATE(KF_E_BOTH_BYTES, 95, KF_E_CTIMESTAMP, 60)}},
		{.name = "ORDER BY f_hll DESC LIMIT 10", .nkeys = 1, .keys = {KEY(KF_E_L4_DST_PORT)}, .naggs = 2,
		 .aggs = {HLL(KF_E_INET_SRC_ADDR, 14), AGG(KF_AGG_COUNT_STAR, 0)}, .norder = 2,
		 .order = {{AREF(0), true, false}, {KREF(0), false, false}}, .has_limit = true, .limit = 10},
		{.name = "HAVING f_hll >= 40 ORDER BY f_percentile", .nkeys = 1, .keys = {KEY(KF_E_INET_SRC_ADDR)}, .naggs = 2,
		 .aggs = {HLL(KF_E_CTIMESTAMP, 12), PCT(KF_E_OUT_BYTES, 90)}, .nhaving = 1,
		 .having = {{AREF(0), KF_OP_GE, 40}}, .norder = 2, .order = {{AREF(1), false, false}, {KREF(0), false, false}}},
		{.name = "HAVING f_percentile_rate > 0 ORDER BY it DESC", .nkeys = 1, .keys = {KEY(KF_E_DST_FLOW_TAGS)},
		 .naggs = 1, .aggs = {RATE(KF_E_IN_BYTES, 95, KF_E_CTIMESTAMP, 60)}, .nhaving = 1,
		 .having = {{AREF(0), KF_OP_GT, 0}}, .norder = 1, .order = {{AREF(0), true, true}}},
	};

	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++)
		check_sketch_spec(&specs[i]);
}

/* A flow of the hand-made data set: time, source address, in_bytes. */
static kf_flow
hand_flow(int64_t t, kf_addr src, int64_t bytes)
{
	kf_flow		f = {.ctimestamp = t, .src_addr = src, .dst_addr = src, .in_bytes = bytes, .protocol = 6};

	return f;
}

/* Exact results for a handful of hand-made rows. */
static void
test_sketch_exact_values(void)
{
	char		dir[300];
	kf_error	err = {{0}};
	kf_addr		a = v4(0x0a000001), b = v4(0x0a000002), c = v4(0x0a000003), six = v6(UINT64_C(0x20010db800000000), 9);
	/* device 1: slices of 60 s from HOUR0: 100 | 25 + 50 | - | - | 10, so sorted 0 0 10 75 100 */
	kf_flow		dev1[] = {hand_flow(HOUR0 + 5, a, 100), hand_flow(HOUR0 + 65, b, 50), hand_flow(HOUR0 + 70, a, 25),
	hand_flow(HOUR0 + 250, six, 10)};
	/* device 2: in_bytes 5 1 5 5 9 1 5 (sorted 1 1 5 5 5 5 9), addresses a b c c six six a */
	kf_flow		dev2[] = {hand_flow(HOUR0, a, 5), hand_flow(HOUR0 + 1, b, 1), hand_flow(HOUR0 + 2, c, 5),
		hand_flow(HOUR0 + 3, c, 5), hand_flow(HOUR0 + 4, six, 9), hand_flow(HOUR0 + 5, six, 1),
	hand_flow(HOUR0 + 6, a, 5)};
	/* device 3: one IPv6 row */
	kf_flow		dev3[] = {hand_flow(HOUR0 + 30, six, 42)};
	const kf_flow *flows[] = {dev1, dev2, dev3};
	size_t		counts[] = {4, 7, 1};

	snprintf(dir, sizeof(dir), "%s-sketch", data_dir);
	mkdir(dir, 0755);
	for (uint32_t d = 0; d < 3; d++)
	{
		kf_writer  *w = kf_writer_open(dir, d + 1, &err);

		for (size_t i = 0; w && i < counts[d]; i++)
			kf_writer_add(w, &flows[d][i], &err);
		if (w)
			kf_writer_flush(w, &err);
		kf_writer_close(w);
	}
	kf_group_key keys[] = {KEY(KF_E_DEVICE_ID)};
	kf_agg_item aggs[] = {
		HLL(KF_E_IPV4_SRC_ADDR, 14), HLL(KF_E_INET_SRC_ADDR, 14), PCT(KF_E_IN_BYTES, 30), PCT(KF_E_IN_BYTES, 28),
		PCT(KF_E_IN_BYTES, 90), RATE(KF_E_IN_BYTES, 40, KF_E_CTIMESTAMP, 60), RATE(KF_E_IN_BYTES, 60, KF_E_CTIMESTAMP, 60),
		RATE(KF_E_IN_BYTES, 80, KF_E_CTIMESTAMP, 60), RATE(KF_E_IN_BYTES, 95, KF_E_CTIMESTAMP, 60),
	};
	kf_order_item order[] = {{KREF(0), false, false}};
	/* per device: hll(ipv4), hll(inet), p30, p28, p90, rate p40, p60, p80, p95 */
	static const int64_t want[3][9] = {
		{2, 3, 25, 25, 100, 0, 10, 75, 100},
		{3, 4, 5, 1, 9, 31, 31, 31, 31},
		{0, 1, 42, 42, 42, 42, 42, 42, 42},
	};

	for (uint32_t threads = 1; threads <= 2; threads++)
	{
		kf_agg_spec spec = {.data_dir = dir, .nkeys = 1, .keys = keys, .naggs = 9, .aggs = aggs, .norder = 1,
		.order = order, .threads = threads};
		ttable		t = run_engine(&spec, &err, NULL);
		char		name[120];

		snprintf(name, sizeof(name), "sketch exact values: 3 devices (%u thread%s)", threads, threads > 1 ? "s" : "");
		CHECK_INT_EQ(name, t.nrows, 3);
		for (size_t r = 0; t.nrows == 3 && r < 3; r++)
			for (uint32_t col = 0; col < 9; col++)
			{
				const tval *v = cell(&t, r, 1 + col);

				snprintf(name, sizeof(name), "sketch exact values: device %zu, %s (%u thread%s)", r + 1,
						 (const char *[]) {"f_hll(ipv4_src_addr)", "f_hll(inet_src_addr)", "f_percentile 30",
							 "f_percentile 28", "f_percentile 90", "rate 40", "rate 60", "rate 80", "rate 95"}[col],
						 threads, threads > 1 ? "s" : "");
				CHECK_INT_EQ(name, v->null ? -999 : (int64_t) v->i, want[r][col]);
			}
		ttable_free(&t, true);
	}

	/* the ipv4_src_addr sketch of device 2 equals kf_hll_estimate of registers built by hand */
	uint8_t    *registers = calloc((size_t) 1 << 14, 1);
	kf_addr		v4s[] = {a, b, c};

	for (int i = 0; i < 3; i++)
	{
		uint64_t	h = kf_hll_hash_addr(&v4s[i]);

		if (registers[kf_hll_index(h, 14)] < kf_hll_rank(h, 14))
			registers[kf_hll_index(h, 14)] = kf_hll_rank(h, 14);
	}
	CHECK_INT_EQ("sketch exact values: hand-built registers estimate 3", kf_hll_estimate(registers, 14), 3);
	free(registers);

	/* a grand total over no rows: HLL 0, percentile and rate NULL */
	kf_pred		nothing = {.type = KF_P_FALSE};
	kf_agg_item none_aggs[] = {HLL(KF_E_INET_SRC_ADDR, 14), PCT(KF_E_IN_BYTES, 50),
	RATE(KF_E_IN_BYTES, 50, KF_E_CTIMESTAMP, 60)};
	kf_agg_spec spec = {.data_dir = dir, .where = &nothing, .keys = keys, .naggs = 3, .aggs = none_aggs};
	ttable		t = run_engine(&spec, &err, NULL);

	CHECK("sketches over no rows: one row, 0, NULL, NULL", t.nrows == 1 && !cell(&t, 0, 0)->null &&
		  cell(&t, 0, 0)->i == 0 && cell(&t, 0, 1)->null && cell(&t, 0, 2)->null);
	ttable_free(&t, true);
}

/*
 * Each sketch state is charged against memory_limit: a grand total that fits in 100000 bytes with
 * count(*) fails with the sketch instead.
 */
static void
test_sketch_memory_limit(void)
{
	static const struct
	{
		const char *name;
		kf_agg_item item;
		uint32_t	copies;
	}			cases[] = {
		{"f_hll dense registers (8 x 16 KB)", HLL(KF_E_CTIMESTAMP, 14), 8},
		{"f_percentile values", PCT(KF_E_CTIMESTAMP, 50), 1},
		{"f_percentile_rate slices", RATE(KF_E_IN_BYTES, 50, KF_E_CTIMESTAMP, 1), 1},
	};
	kf_agg_item aggs[8];
	kf_agg_spec spec = {.data_dir = data_dir, .aggs = aggs, .memory_limit = 100000};
	kf_error	err = {{0}};
	char		name[160];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		spec.naggs = cases[i].copies;
		for (uint32_t a = 0; a < cases[i].copies; a++)
			aggs[a] = (kf_agg_item) AGG(KF_AGG_COUNT_STAR, 0);
		ttable		t = run_engine(&spec, &err, NULL);

		snprintf(name, sizeof(name), "memory limit: count(*) instead of %s fits", cases[i].name);
		CHECK(name, t.nrows == 1);
		ttable_free(&t, true);
		for (uint32_t a = 0; a < cases[i].copies; a++)
			aggs[a] = cases[i].item;
		t = run_engine(&spec, &err, NULL);
		snprintf(name, sizeof(name), "memory limit: %s count", cases[i].name);
		CHECK(name, t.nrows == SIZE_MAX && strstr(err.msg, "group table needs more than 100000 bytes") != NULL);
		ttable_free(&t, true);
	}

	kf_agg_stats stats;

	spec.naggs = 1;
	aggs[0] = (kf_agg_item) PCT(KF_E_CTIMESTAMP, 50);
	spec.memory_limit = (size_t) 64 << 20;
	ttable		t = run_engine(&spec, &err, &stats);

	CHECK("memory limit: f_percentile with enough memory accounts every value", t.nrows == 1 &&
		  stats.peak_memory >= sizeof(int64_t) * nrows);
	ttable_free(&t, true);
}

static void
test_sketch_invalid_and_format(void)
{
	kf_group_key keys[] = {KEY(KF_E_INET_SRC_ADDR)};
	kf_agg_item item[1];
	kf_agg_spec s = {.data_dir = data_dir, .nkeys = 1, .keys = keys, .naggs = 1, .aggs = item};
	static const struct
	{
		const char *name;
		kf_agg_item item;
		const char *want;
	}			cases[] = {
		{"invalid: f_hll precision 3", HLL(KF_E_INET_SRC_ADDR, 3), "f_hll precision 3 is outside 4..14"},
		{"invalid: f_hll precision 15", HLL(KF_E_INET_SRC_ADDR, 15), "f_hll precision 15 is outside 4..14"},
		{"invalid: f_percentile rank 0", PCT(KF_E_IN_BYTES, 0), "percentile rank 0 is not in (0, 100]"},
		{"invalid: f_percentile rank 100.5", PCT(KF_E_IN_BYTES, 100.5), "percentile rank 100.5 is not in (0, 100]"},
		{"invalid: f_percentile rank NaN", PCT(KF_E_IN_BYTES, NAN), "is not in (0, 100]"},
		{"invalid: f_percentile of an address", PCT(KF_E_INET_DST_ADDR, 50),
		"f_percentile needs an integer column, not inet_dst_addr"},
		{"invalid: f_percentile_rate of a string", RATE(KF_E_SRC_FLOW_TAGS, 50, KF_E_CTIMESTAMP, 60),
		"f_percentile_rate needs an integer column, not src_flow_tags"},
		{"invalid: f_percentile_rate rank -1", RATE(KF_E_IN_BYTES, -1, KF_E_CTIMESTAMP, 60), "percentile rank -1"},
		{"invalid: f_percentile_rate sliced by an address", RATE(KF_E_IN_BYTES, 50, KF_E_INET_SRC_ADDR, 60),
		"slices need an integer time column, not inet_src_addr"},
		{"invalid: f_percentile_rate unknown slice column", RATE(KF_E_IN_BYTES, 50, KF_E_NUM_COLUMNS, 60),
		"unknown slice column"},
		{"invalid: f_percentile_rate slice 0 s", RATE(KF_E_IN_BYTES, 50, KF_E_CTIMESTAMP, 0),
		"slice length must be positive, not 0"},
		{"invalid: unknown aggregate function", {.func = (kf_agg_func) (KF_AGG_PERCENTILE_RATE + 1)},
		"unknown function"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		item[0] = cases[i].item;
		check_invalid(cases[i].name, &s, cases[i].want);
	}

	kf_agg_item aggs[] = {HLL(KF_E_INET_SRC_ADDR, 14), PCT(KF_E_BOTH_BYTES, 95),
	RATE(KF_E_BOTH_BYTES, 99.9, KF_E_START_TIME, 60)};
	kf_order_item order[] = {{AREF(0), true, true}};
	kf_having_item having[] = {{AREF(1), KF_OP_GT, 1000}};
	kf_agg_spec spec = {.data_dir = data_dir, .nkeys = 1, .keys = keys, .naggs = 3, .aggs = aggs, .nhaving = 1,
	.having = having, .norder = 1, .order = order};
	char		buf[512];

	kf_agg_format(&spec, buf, sizeof(buf));
	CHECK_STR_EQ("format: sketch aggregates", buf,
				 "GROUP BY inet_src_addr; AGG f_hll(inet_src_addr, p=14), f_percentile(both_bytes, 95), "
				 "f_percentile_rate(both_bytes per 60 s of i_start_time, 99.9); HAVING 3 > 1000; ORDER BY 2 DESC");
}

/* ------------------------------------------------------------------ main */

static void
remove_tree(const char *dir)
{
	char		cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'-*", dir, dir);
	if (system(cmd) != 0)
		printf("  could not remove %s\n", dir);
}

int
main(void)
{
	kf_error	err = {{0}};

	if (build_data_dir(&err) != 0)
	{
		printf("FAIL aggregate test data: %s\n", err.msg);
		return 1;
	}
	test_key_kinds();
	test_aggregates();
	test_having_order_limit();
	test_layouts_and_partitions();
	test_grand_total_values();
	test_memory_limit();
	test_cancel();
	test_corrupt_part();
	test_invalid_specs();
	test_format();
	test_stats();
	test_sketch_aggregates();
	test_sketch_exact_values();
	test_sketch_memory_limit();
	test_sketch_invalid_and_format();
	remove_tree(data_dir);
	UNIT_EXIT();
}
