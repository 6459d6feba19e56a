/*
 * fast_vs_full_query.c -- the query side of bench/fast_vs_full.sh: runs the same aggregation
 * queries through the engine (engine/aggregate.h, both threads) from the Full and from the Fast
 * dataseries, times them (runs alternating between the two), and checks that per-hour, per-protocol sums of every counter agree.
 *
 *   fast_vs_full_query DATA_DIR FIRST_TS LAST_TS RUNS
 *
 * Calls the engine directly rather than through SQL so the numbers are the engine's alone (no
 * planning, no libpq); the FDW adds the same fixed cost to both.  Prints one line per query and
 * dataseries ("query ID SERIES median_ms M rows_scanned N parts P result_rows R"), then
 * "hourly_check identical|different ROWS" and "top_dst_ports_overlap K of 20".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/aggregate.h"

#define MAX_RESULT_ROWS 100000
#define TOP_N 20

/* One result row: up to 2 keys and 4 sums. */
typedef struct result_row
{
	int64_t		key_int[2];
	kf_addr		key_addr;
	__int128	sums[4];
} result_row;

typedef struct query_result
{
	result_row *rows;
	size_t		count;
	kf_agg_stats stats;
} query_result;

typedef struct bench_query
{
	const char *id;
	uint32_t	nkeys;
	kf_group_key keys[2];
	uint32_t	naggs;
	kf_agg_item aggs[4];
	uint32_t	norder;
	kf_order_item order[2];
	bool		has_limit;
} bench_query;

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Runs a query to the end, copying its rows; exits on an engine error. */
static void
run_query(const bench_query *q, const char *dir, kf_dataseries series, const kf_pred *where, query_result *out)
{
	kf_agg_spec spec = {
		.data_dir = dir, .dataseries = series, .where = where, .nkeys = q->nkeys, .keys = q->keys,
		.naggs = q->naggs, .aggs = q->aggs, .norder = q->norder, .order = q->order,
		.has_limit = q->has_limit, .limit = TOP_N, .memory_limit = (size_t) 1 << 30,
	};
	kf_error	err;
	kf_agg	   *agg = kf_agg_begin(&spec, &err);
	int			rc = agg ? 0 : -1;

	while (rc == 0)
		rc = kf_agg_wait(agg, 100, &err);
	if (rc < 0)
	{
		fprintf(stderr, "fast_vs_full_query: %s: %s\n", q->id, err.msg);
		exit(1);
	}

	kf_agg_batch b;

	out->count = 0;
	while (kf_agg_next(agg, &b) == 1)
	{
		for (uint32_t r = 0; r < b.nrows && out->count < MAX_RESULT_ROWS; r++)
		{
			result_row *row = &out->rows[out->count++];

			memset(row, 0, sizeof(*row));
			for (uint32_t k = 0; k < q->nkeys; k++)
			{
				if (b.cols[k].kind == KF_V_ADDR)
					row->key_addr = b.cols[k].nulls && b.cols[k].nulls[r] ? (kf_addr) {0, 0} : b.cols[k].addrs[r];
				else
					row->key_int[k] = b.cols[k].ints[r];
			}
			for (uint32_t a = 0; a < q->naggs; a++)
				row->sums[a] = b.cols[q->nkeys + a].sums[r];
		}
	}
	out->stats = *kf_agg_get_stats(agg);
	kf_agg_end(agg);
}

static int
compare_double(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return x < y ? -1 : x > y;
}

/* Prints the median of ms[0..runs) and the last run's counters. */
static void
report(const char *id, kf_dataseries series, double *ms, int runs, const query_result *res)
{
	qsort(ms, (size_t) runs, sizeof(*ms), compare_double);
	printf("query %s %s median_ms %.1f rows_scanned %llu parts %llu result_rows %zu\n", id,
		   series == KF_DATASERIES_FAST ? "fast" : "full",
		   runs % 2 ? ms[runs / 2] : (ms[runs / 2 - 1] + ms[runs / 2]) / 2,
		   (unsigned long long) res->stats.scan.rows_scanned, (unsigned long long) res->stats.scan.parts_listed,
		   res->count);
}

/*
 * 1 warm-up of each, then runs timed runs alternating Full and Fast, so a burst of load from other
 * processes on the shared machine hits both sides alike rather than one of them.
 */
static void
time_query(const bench_query *q, const char *dir, const kf_pred *where, int runs, query_result *full,
		   query_result *fast)
{
	double	   *ms_full = calloc((size_t) runs, sizeof(double));
	double	   *ms_fast = calloc((size_t) runs, sizeof(double));

	run_query(q, dir, KF_DATASERIES_FULL, where, full);
	run_query(q, dir, KF_DATASERIES_FAST, where, fast);
	for (int i = 0; i < runs; i++)
	{
		double		started = now_ms();

		run_query(q, dir, KF_DATASERIES_FULL, where, full);
		ms_full[i] = now_ms() - started;
		started = now_ms();
		run_query(q, dir, KF_DATASERIES_FAST, where, fast);
		ms_fast[i] = now_ms() - started;
	}
	report(q->id, KF_DATASERIES_FULL, ms_full, runs, full);
	report(q->id, KF_DATASERIES_FAST, ms_fast, runs, fast);
	fflush(stdout);
	free(ms_full);
	free(ms_fast);
}

int
main(int argc, char **argv)
{
	if (argc != 5)
	{
		fprintf(stderr, "usage: fast_vs_full_query DATA_DIR FIRST_TS LAST_TS RUNS\n");
		return 2;
	}

	const char *dir = argv[1];
	int			runs = atoi(argv[4]);
	kf_pred		ge = {.type = KF_P_INT_CMP, .col = KF_E_CTIMESTAMP, .op = KF_OP_GE, .value.i = atoll(argv[2])};
	kf_pred		le = {.type = KF_P_INT_CMP, .col = KF_E_CTIMESTAMP, .op = KF_OP_LE, .value.i = atoll(argv[3])};
	const kf_pred *both[2] = {&ge, &le};
	kf_pred		window = {.type = KF_P_AND, .nchildren = 2, .children = both};
	const kf_order_item by_sum_desc = {{true, 0}, true, false};
	const kf_order_item by_key[2] = {{{false, 0}, false, false}, {{false, 1}, false, false}};
	bench_query queries[3] = {
		{.id = "top_dst_ports", .nkeys = 1, .keys = {{.kind = KF_KEY_COLUMN, .col = KF_E_L4_DST_PORT}},
			.naggs = 1, .aggs = {{.func = KF_AGG_SUM, .col = KF_E_BOTH_BYTES}}, .norder = 1,
		.order = {by_sum_desc}, .has_limit = true},
		{.id = "bytes_per_hour_protocol", .nkeys = 2,
			.keys = {{.kind = KF_KEY_INT_TRUNC_BUCKET, .col = KF_E_CTIMESTAMP, .width = 3600},
			{.kind = KF_KEY_COLUMN, .col = KF_E_PROTOCOL}},
			.naggs = 4, .aggs = {{.func = KF_AGG_SUM, .col = KF_E_IN_BYTES}, {.func = KF_AGG_SUM, .col = KF_E_OUT_BYTES},
			{.func = KF_AGG_SUM, .col = KF_E_IN_PKTS}, {.func = KF_AGG_SUM, .col = KF_E_OUT_PKTS}},
		.norder = 2, .order = {by_key[0], by_key[1]}},
		{.id = "top_src_addrs", .nkeys = 1, .keys = {{.kind = KF_KEY_COLUMN, .col = KF_E_IPV4_SRC_ADDR}},
			.naggs = 1, .aggs = {{.func = KF_AGG_SUM, .col = KF_E_BOTH_BYTES}}, .norder = 1,
		.order = {by_sum_desc}, .has_limit = true},
	};
	query_result full = {.rows = calloc(MAX_RESULT_ROWS, sizeof(result_row))};
	query_result fast = {.rows = calloc(MAX_RESULT_ROWS, sizeof(result_row))};

	for (int q = 0; q < 3; q++)
	{
		time_query(&queries[q], dir, &window, runs, &full, &fast);
		if (q == 0)
		{
			size_t		overlap = 0;

			for (size_t i = 0; i < full.count; i++)
				for (size_t j = 0; j < fast.count; j++)
					overlap += full.rows[i].key_int[0] == fast.rows[j].key_int[0];
			printf("top_dst_ports_overlap %zu of %zu\n", overlap, full.count);
		}
		if (q == 1)
			printf("hourly_check %s %zu\n", full.count == fast.count && full.count > 0 &&
				   memcmp(full.rows, fast.rows, full.count * sizeof(result_row)) == 0 ? "identical" : "different",
				   full.count);
	}
	free(full.rows);
	free(fast.rows);
	return 0;
}
