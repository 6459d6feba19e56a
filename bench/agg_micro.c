/*
 * agg_micro.c -- micro-benchmark of the engine's grouped aggregation without PostgreSQL: runs one of
 * the bench/queries.js queries through kf_agg_begin/wait/next against a store and prints, per run,
 * the wall and CPU milliseconds (CPU summed over all threads), the peak group memory and a checksum
 * of the result rows, so
 * two builds of the engine can be timed side by side and checked for identical answers.
 *
 *   cc -std=c11 -O2 -D_GNU_SOURCE -I. -o agg_micro bench/agg_micro.c build/libkfengine.a -llz4 -lpthread -lm
 *   agg_micro STORE_DIR QUERY RUNS
 *   QUERY: top_pairs | top_pairs_table | top_pairs_all | distinct_udp | spam1_24h | top_dst_ports
 *
 * Times are relative to the data set's end, 1700000000 (bench/README.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "engine/aggregate.h"

#define DATA_END 1700000000

static double
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double
cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

/* FNV-1a over n bytes. */
static uint64_t
mix(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * UINT64_C(0x100000001b3);
	return h;
}

/* Folds each row's FNV-1a hash into h: in sequence when the order is defined, else as a sum (any order). */
static uint64_t
checksum_batch(uint64_t h, const kf_agg_batch *b, bool ordered)
{
	for (uint32_t r = 0; r < b->nrows; r++)
	{
		uint64_t	row = UINT64_C(0xcbf29ce484222325);

		for (uint32_t c = 0; c < b->ncols; c++)
		{
			const kf_agg_column *col = &b->cols[c];
			uint8_t		null = col->nulls ? col->nulls[r] : 0;

			row = mix(row, &null, 1);
			if (null)
				continue;
			if (col->sums)
				row = mix(row, &col->sums[r], sizeof(__int128));
			else if (col->ints)
				row = mix(row, &col->ints[r], sizeof(int64_t));
			else if (col->addrs)
				row = mix(row, &col->addrs[r], sizeof(kf_addr));
			else
				row = mix(row, col->strs[r], col->lens[r]);
		}
		h = ordered ? mix(h, &row, sizeof(row)) : h + row;
	}
	return h;
}

static int
run(const kf_agg_spec *spec, uint64_t *sum, uint64_t *rows, uint64_t *groups, size_t *peak)
{
	kf_error	err;
	kf_agg	   *agg = kf_agg_begin(spec, &err);
	int			rc = agg ? 0 : -1;

	while (rc == 0)
		rc = kf_agg_wait(agg, 100, &err);
	if (rc != 1)
	{
		fprintf(stderr, "agg_micro: %s\n", err.msg);
		kf_agg_end(agg);
		return -1;
	}
	kf_agg_batch b;

	*sum = UINT64_C(0xcbf29ce484222325);
	*rows = 0;
	while (kf_agg_next(agg, &b) == 1)
	{
		*sum = checksum_batch(*sum, &b, spec->norder > 0);
		*rows += b.nrows;
	}
	*groups = kf_agg_get_stats(agg)->groups;
	*peak = kf_agg_get_stats(agg)->peak_memory;
	kf_agg_end(agg);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc != 4)
	{
		fprintf(stderr, "usage: agg_micro STORE_DIR top_pairs|top_pairs_table|top_pairs_all|distinct_udp|spam1_24h|top_dst_ports "
				"RUNS\n");
		return 2;
	}
	const char *query = argv[2];
	int			runs = atoi(argv[3]);
	kf_agg_spec spec = {.data_dir = argv[1], .memory_limit = (size_t) 1024 << 20};
	kf_pred		leaf[4] = {{0}};
	const kf_pred *children[4] = {&leaf[0], &leaf[1], &leaf[2], &leaf[3]};
	kf_pred		and_node = {.type = KF_P_AND, .children = children};
	kf_group_key keys[2] = {{0}};
	kf_agg_item aggs[1] = {{0}};
	/* the key breaks the ties of the sum so that the rows under a LIMIT, and the checksum, are unique */
	kf_order_item order[2] = {{.ref = {.is_agg = true, .index = 0}, .descending = true, .nulls_first = true},
							  {.ref = {.is_agg = false, .index = 0}}};

	spec.where = &and_node;
	spec.keys = keys;
	spec.aggs = aggs;
	spec.naggs = 1;
	aggs[0] = (kf_agg_item) {.func = KF_AGG_SUM, .col = KF_E_BOTH_BYTES};
	if (strncmp(query, "top_pairs", 9) == 0)
	{
		if (strcmp(query, "top_pairs_table") == 0)	/* FROM the device's own table: 7 parts, not 28 */
			spec.device_id = 2;
		leaf[0] = (kf_pred) {.type = KF_P_INT_CMP, .col = KF_E_DEVICE_ID, .op = KF_OP_EQ, .value.i = 2};
		leaf[1] = (kf_pred) {.type = KF_P_INT_CMP, .col = KF_E_CTIMESTAMP, .op = KF_OP_GT, .value.i = DATA_END - 21600};
		and_node.nchildren = 2;
		spec.nkeys = 2;
		keys[0] = (kf_group_key) {.kind = KF_KEY_COLUMN, .col = KF_E_IPV4_SRC_ADDR};
		keys[1] = (kf_group_key) {.kind = KF_KEY_COLUMN, .col = KF_E_IPV4_DST_ADDR};
		spec.norder = 2, spec.order = order, spec.has_limit = true, spec.limit = 100;
		if (strcmp(query, "top_pairs_all") == 0)	/* every group comes out: no top-N */
			spec.norder = 0, spec.has_limit = false;
	}
	else if (strcmp(query, "distinct_udp") == 0)
	{
		leaf[0] = (kf_pred) {.type = KF_P_INT_CMP, .col = KF_E_PROTOCOL, .op = KF_OP_EQ, .value.i = 17};
		and_node.nchildren = 1;
		aggs[0] = (kf_agg_item) {.func = KF_AGG_COUNT_DISTINCT, .col = KF_E_IPV4_SRC_ADDR};
	}
	else if (strcmp(query, "spam1_24h") == 0)
	{
		leaf[0] = (kf_pred) {.type = KF_P_INT_CMP, .col = KF_E_CTIMESTAMP, .op = KF_OP_GT, .value.i = DATA_END - 86400};
		leaf[1] = (kf_pred) {.type = KF_P_INT_CMP, .col = KF_E_PROTOCOL, .op = KF_OP_EQ, .value.i = 6};
		leaf[2] = (kf_pred) {.type = KF_P_INT_CMP, .col = KF_E_L4_SRC_PORT, .op = KF_OP_EQ, .value.i = 25};
		leaf[3] = (kf_pred) {.type = KF_P_STR_ILIKE, .col = KF_E_DST_FLOW_TAGS, .value.str = "%MYNETWORK%"};
		and_node.nchildren = 4;
		spec.nkeys = 1;
		keys[0] = (kf_group_key) {.kind = KF_KEY_COLUMN, .col = KF_E_IPV4_DST_ADDR};
		spec.norder = 2, spec.order = order, spec.has_limit = true, spec.limit = 10000;
	}
	else if (strcmp(query, "top_dst_ports") == 0)
	{
		spec.where = NULL;
		spec.nkeys = 1;
		keys[0] = (kf_group_key) {.kind = KF_KEY_COLUMN, .col = KF_E_L4_DST_PORT};
		spec.norder = 2, spec.order = order, spec.has_limit = true, spec.limit = 20;
	}
	else
	{
		fprintf(stderr, "agg_micro: unknown query %s\n", query);
		return 2;
	}
	for (int i = 0; i < runs; i++)
	{
		uint64_t	sum,
					rows,
					groups;
		size_t		peak;
		double		w0 = wall_ms(),
					c0 = cpu_ms();

		if (run(&spec, &sum, &rows, &groups, &peak) != 0)
			return 1;
		printf("%s wall_ms %.1f cpu_ms %.1f rows %llu groups %llu peak_mb %.1f checksum %016llx\n", query,
			   wall_ms() - w0, cpu_ms() - c0, (unsigned long long) rows, (unsigned long long) groups, peak / 1048576.0,
			   (unsigned long long) sum);
	}
	return 0;
}
