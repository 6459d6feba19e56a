/*
 * agg_executor.c -- kf_agg_begin / wait / next / end: the threads of a grouped aggregation.
 *
 * kf_agg_begin lists the parts the time range and device can touch (as the scan does) and starts
 * the workers.  Each worker takes the next part from an atomic counter and runs the scan's block
 * pipeline on it -- zone maps, lazily decoded columns, predicate into a selection -- then computes
 * the selected rows' group keys and folds them into its own group table.  The cancel flag is
 * checked per block and per merged partition.  The caller's thread only ever waits, and reads the
 * result.
 *
 * With several workers and packed keys of two words or more (GROUP BY two IPv4 addresses, an
 * address and a port, ...), which can make hundreds of thousands of groups, each worker's table is
 * split into AGG_PARTITIONS tables by hash bits (radix partitioning).  When every worker has
 * scanned, the workers merge partition by partition in parallel -- partition p of every worker
 * into that of the first -- and keep of each partition only the groups that can be output rows
 * (HAVING, and the first LIMIT + OFFSET under ORDER BY).  The last one gathers those into one
 * table, orders it, cuts to OFFSET/LIMIT and builds the result columns, then wakes kf_agg_wait.
 * Other plans keep one table per worker, all merged into the first by one worker once all have
 * scanned: one-word keys keep the direct array of small values (ports, protocols, tags), and a
 * grand total has a single group.
 */
#include "engine/aggregate.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/agg_keys.h"
#include "engine/agg_merge.h"
#include "engine/agg_order.h"
#include "engine/agg_result.h"
#include "engine/agg_update.h"
#include "engine/device_names.h"
#include "engine/predicate_eval.h"
#include "engine/time_range.h"
#include "engine/zone_map.h"

#define AGG_MAX_THREADS 64
#define AGG_PARTITION_BITS 4
#define AGG_PARTITIONS (1u << AGG_PARTITION_BITS)

typedef struct agg_worker
{
	kf_agg	   *agg;
	pthread_t	thread;
	bool		started;
	block_columns columns;
	pred_evaluator evaluator;
	agg_block_strings strings;
	agg_table  *tables;			/* kf_agg.npartitions, each over its share of the keys */
	uint8_t    *mask;
	uint32_t   *selection;
	uint32_t   *all_rows;		/* 0, 1, 2, ...: the selection when every row passes */
	uint64_t   *keys;			/* packed keys of a block's selected rows */
	uint64_t   *hashes;			/* their hashes */
	uint32_t   *groups;			/* their group numbers */
	/* partitioned plans: the block's rows regrouped by partition */
	uint32_t   *part_sel;
	uint64_t   *part_keys;
	uint64_t   *part_hashes;
	kf_scan_stats stats;
} agg_worker;

struct kf_agg
{
	agg_plan	plan;
	cpred	   *where;
	kf_part_list parts;
	device_names devices;
	bool		names_needed;
	atomic_size_t next_part;
	atomic_bool cancel;

	uint32_t	nworkers;
	agg_worker *workers;
	uint32_t	npartitions;	/* 1, or AGG_PARTITIONS */
	atomic_uint next_partition; /* the next partition to merge */
	atomic_uint_fast64_t groups;	/* after the merge, summed over partitions */
	uint32_t  **candidates;		/* per partition: its groups that can be output rows */
	uint32_t   *ncandidates;
	agg_table	gathered;		/* partitioned plans: the candidates of all partitions */

	bool		sync_ready;
	pthread_mutex_t lock;
	pthread_cond_t done_cond;
	pthread_cond_t scanned_cond;
	uint32_t	scanned;		/* workers that left their part loop */
	uint32_t	finished;		/* workers that also left the partition merge */
	bool		done;			/* the result (or the failure) is final */
	bool		failed;
	kf_error	failure;

	agg_result	result;
	kf_agg_stats stats;
};

/* ------------------------------------------------------------------ failures */

/* Keeps the first error and stops every worker. */
static void
record_failure(kf_agg *agg, const kf_error *err)
{
	pthread_mutex_lock(&agg->lock);
	if (!agg->failed)
	{
		agg->failed = true;
		agg->failure = *err;
	}
	pthread_mutex_unlock(&agg->lock);
	atomic_store(&agg->cancel, true);
}

/* ------------------------------------------------------------------ one block */

/* Indices of the rows the mask selects; branch-free. */
static uint32_t
build_selection(const uint8_t *mask, uint32_t nrows, uint32_t *selection)
{
	uint32_t	k = 0;

	for (uint32_t i = 0; i < nrows; i++)
	{
		selection[k] = i;
		k += mask[i];
	}
	return k;
}

/* Rows of the current block that pass WHERE; *sel points at their indices.  -1 on error. */
static int64_t
filter_block(agg_worker *w, uint32_t nrows, const uint32_t **sel, kf_error *err)
{
	*sel = w->all_rows;
	if (w->agg->where->type == KF_P_TRUE)
	{
		w->stats.rows_scanned += nrows;
		return nrows;
	}
	int64_t		count = pred_evaluate(&w->evaluator, &w->columns, w->mask, err);

	if (count < 0)
		return -1;
	if (w->evaluator.ruled_out_by_dict)
		w->stats.blocks_skipped++;
	else
		w->stats.rows_scanned += nrows;
	if (count > 0 && count < nrows)
	{
		build_selection(w->mask, nrows, w->selection);
		*sel = w->selection;
		/* aggregation reads the block's columns through sel only: decode just those rows when few */
		if ((uint64_t) count * 8 <= nrows)
			kf_part_restrict_rows(w->columns.reader, w->columns.block, w->selection, (uint32_t) count);
	}
	return count;
}

/* Folds rows into the one table of an unpartitioned plan. */
static int
aggregate_unpartitioned(agg_worker *w, const uint32_t *sel, uint32_t n, kf_error *err)
{
	agg_table  *t = &w->tables[0];

	if (t->key_words > 1)
		agg_table_hash_keys(t, w->keys, n, w->hashes);
	if (t->key_words > 0 && agg_table_find(t, w->keys, w->hashes, n, w->groups, err) != 0)
		return -1;
	return agg_update_block(t, &w->columns, &w->strings, sel, n, w->groups, err);
}

/*
 * Regroups the rows by the partition of their key's hash (a counting sort that keeps the rows'
 * order within a partition), then looks up and updates each partition's table with its rows.
 */
static int
aggregate_partitioned(agg_worker *w, const uint32_t *sel, uint32_t n, kf_error *err)
{
	uint32_t	words = w->tables[0].key_words;
	uint32_t	start[AGG_PARTITIONS + 1] = {0};
	uint32_t	next[AGG_PARTITIONS];

	agg_table_hash_keys(&w->tables[0], w->keys, n, w->hashes);
	for (uint32_t k = 0; k < n; k++)
		start[agg_partition_of(w->hashes[k], AGG_PARTITION_BITS) + 1]++;
	for (uint32_t p = 0; p < AGG_PARTITIONS; p++)
	{
		start[p + 1] += start[p];
		next[p] = start[p];
	}
	for (uint32_t k = 0; k < n; k++)
	{
		uint32_t	i = next[agg_partition_of(w->hashes[k], AGG_PARTITION_BITS)]++;

		w->part_sel[i] = sel[k];
		w->part_hashes[i] = w->hashes[k];
		if (words == 2)			/* two IPv4 addresses, an address and a port: no memcpy call */
		{
			w->part_keys[(size_t) i * 2] = w->keys[(size_t) k * 2];
			w->part_keys[(size_t) i * 2 + 1] = w->keys[(size_t) k * 2 + 1];
		}
		else
			memcpy(&w->part_keys[(size_t) i * words], &w->keys[(size_t) k * words], sizeof(uint64_t) * words);
	}
	for (uint32_t p = 0; p < AGG_PARTITIONS; p++)
	{
		uint32_t	first = start[p],
					count = start[p + 1] - first;

		if (count > 0 &&
			(agg_table_find(&w->tables[p], &w->part_keys[(size_t) first * words], &w->part_hashes[first], count,
							&w->groups[first], err) != 0 ||
			 agg_update_block(&w->tables[p], &w->columns, &w->strings, &w->part_sel[first], count, &w->groups[first],
							  err) != 0))
			return -1;
	}
	return 0;
}

static int
aggregate_rows(agg_worker *w, const uint32_t *sel, uint32_t n, kf_error *err)
{
	const agg_plan *plan = &w->agg->plan;

	w->stats.rows_returned += n;
	if (plan->key_words > 0 &&
		agg_keys_build(plan, &w->tables[0].layout, &w->columns, &w->strings, sel, n, w->keys, err) != 0)
		return -1;
	if (w->agg->npartitions > 1)
		return aggregate_partitioned(w, sel, n, err);
	return aggregate_unpartitioned(w, sel, n, err);
}

/* Runs block `block` of the open part through the pipeline; *candidate is set when not pruned. */
static int
scan_block(agg_worker *w, kf_part_reader *reader, uint32_t block, const part_constants *part,
		   uint32_t device_code, bool *candidate, kf_error *err)
{
	uint32_t	nrows = kf_part_block_rows(reader, block);

	if (nrows > KF_BLOCK_MAX_ROWS)
		return kf_error_set(err, "%s: block %u claims %u rows (at most %u)", kf_part_path(reader), block, nrows,
							KF_BLOCK_MAX_ROWS);
	w->stats.blocks_total++;
	if (!zone_map_may_match(w->agg->where, reader, block, part))
	{
		w->stats.blocks_skipped++;
		return 0;
	}
	*candidate = true;
	zone_map_mark_proven(w->agg->where, reader, block, part, w->evaluator.proven);
	block_columns_start(&w->columns, reader, block, nrows, part->device_id, device_code);
	const uint32_t *sel;
	int64_t		count = filter_block(w, nrows, &sel, err);

	if (count <= 0)
		return (int) count;
	return aggregate_rows(w, sel, (uint32_t) count, err);
}

/* ------------------------------------------------------------------ one part */

static int
part_device(kf_agg *agg, kf_part_reader *reader, const kf_part_info *info, part_constants *part,
			uint32_t *device_code, kf_error *err)
{
	uint32_t	device_id = kf_part_device_id(reader);

	if (device_id != info->device_id)
		return kf_error_set(err, "%s: part holds device %u but is filed under device %u", info->path, device_id,
							info->device_id);
	part->device_id = device_id;
	part->device_name = "";
	*device_code = 0;
	if (agg->names_needed)
	{
		int64_t		code = device_names_code(&agg->devices, device_id);

		if (code < 0)
			return kf_error_set(err, "%s: device %u was not in the part list", info->path, device_id);
		*device_code = (uint32_t) code;
		part->device_name = agg->devices.names[code];
	}
	return 0;
}

static int
scan_part(agg_worker *w, const kf_part_info *info, kf_error *err)
{
	kf_agg	   *agg = w->agg;
	kf_part_reader *reader = kf_part_open(info->path, err);
	part_constants part;
	uint32_t	device_code = 0;
	bool		candidate = false;
	int			rc;

	if (reader == NULL)
		return -1;
	rc = part_device(agg, reader, info, &part, &device_code, err);
	uint32_t	nblocks = kf_part_num_blocks(reader);

	for (uint32_t b = 0; rc == 0 && b < nblocks && !atomic_load(&agg->cancel); b++)
		rc = scan_block(w, reader, b, &part, device_code, &candidate, err);
	if (nblocks > 0 && !candidate)
		w->stats.parts_skipped++;
	kf_part_close(reader);
	return rc;
}

/* ------------------------------------------------------------------ finishing */

static void
add_stats(kf_scan_stats *sum, const kf_scan_stats *s)
{
	sum->parts_skipped += s->parts_skipped;
	sum->blocks_total += s->blocks_total;
	sum->blocks_skipped += s->blocks_skipped;
	sum->rows_scanned += s->rows_scanned;
	sum->rows_returned += s->rows_returned;
}

/*
 * Merges partition p of every worker into that of the first worker and, when the plan is
 * partitioned, lists the groups of it that can be output rows.
 */
static int
merge_partition(kf_agg *agg, uint32_t p, kf_error *err)
{
	agg_table  *into = &agg->workers[0].tables[p];

	for (uint32_t i = 1; i < agg->nworkers; i++)
	{
		if (atomic_load(&agg->cancel))
			return 0;
		if (agg_table_merge(into, &agg->workers[i].tables[p], err) != 0)
			return -1;
		agg_table_free(&agg->workers[i].tables[p]);
	}
	atomic_fetch_add(&agg->groups, into->ngroups);
	if (agg->npartitions == 1)
		return 0;
	return agg_order_candidates(into, &agg->candidates[p], &agg->ncandidates[p], err);
}

/* Each worker merges the partitions it takes from the counter until none is left. */
static void
merge_partitions(kf_agg *agg)
{
	kf_error	err;

	while (!atomic_load(&agg->cancel))
	{
		uint32_t	p = atomic_fetch_add(&agg->next_partition, 1);

		if (p >= agg->npartitions)
			return;
		if (merge_partition(agg, p, &err) != 0)
		{
			record_failure(agg, &err);
			return;
		}
	}
}

/* The candidates of every partition, in one table (each partition is freed once copied). */
static int
gather_candidates(kf_agg *agg, kf_error *err)
{
	agg_table  *total = &agg->gathered;
	uint64_t	count = 0;

	for (uint32_t p = 0; p < agg->npartitions; p++)
		count += agg->ncandidates[p];
	if (agg_table_init(total, &agg->plan, &agg->plan.memory, err) != 0 || agg_table_reserve(total, count, err) != 0)
		return -1;
	for (uint32_t p = 0; p < agg->npartitions; p++)
	{
		if (atomic_load(&agg->cancel))
			return 0;
		if (agg_table_merge_some(total, &agg->workers[0].tables[p], agg->candidates[p], agg->ncandidates[p],
								 err) != 0)
			return -1;
		agg_table_free(&agg->workers[0].tables[p]);
	}
	return 0;
}

/* After the merge: orders the groups, cuts to OFFSET/LIMIT and builds the result. */
static int
finalize(kf_agg *agg, kf_error *err)
{
	agg_table  *total = &agg->workers[0].tables[0];
	uint32_t   *rows = NULL;
	uint32_t	nrows;

	agg->stats.scan.parts_listed = agg->parts.count;
	for (uint32_t i = 0; i < agg->nworkers; i++)
		add_stats(&agg->stats.scan, &agg->workers[i].stats);
	agg->stats.groups = atomic_load(&agg->groups);
	if (agg->npartitions > 1)
	{
		if (gather_candidates(agg, err) != 0)
			return -1;
		total = &agg->gathered;
	}
	if (atomic_load(&agg->cancel))
		return 0;
	if (agg_order_rows(total, &rows, &nrows, err) != 0)
		return -1;
	int			rc = agg_result_build(&agg->result, total, rows, nrows, err);

	free(rows);
	agg->stats.rows_out = nrows;
	agg->stats.peak_memory = atomic_load(&agg->plan.memory.peak);
	return rc;
}

/* Waits until every worker has left its part loop, so that all tables are complete. */
static void
wait_all_scanned(kf_agg *agg)
{
	pthread_mutex_lock(&agg->lock);
	if (++agg->scanned == agg->nworkers)
		pthread_cond_broadcast(&agg->scanned_cond);
	while (agg->scanned < agg->nworkers)
		pthread_cond_wait(&agg->scanned_cond, &agg->lock);
	pthread_mutex_unlock(&agg->lock);
}

/* Called by each worker as it stops; the last one finalizes and wakes the caller. */
static void
worker_finished(kf_agg *agg)
{
	pthread_mutex_lock(&agg->lock);
	bool		last = ++agg->finished == agg->nworkers;
	bool		go_on = !agg->failed;

	pthread_mutex_unlock(&agg->lock);
	if (!last)
		return;
	kf_error	err;

	if (go_on && !atomic_load(&agg->cancel) && finalize(agg, &err) != 0)
		record_failure(agg, &err);
	pthread_mutex_lock(&agg->lock);
	agg->done = true;
	pthread_cond_broadcast(&agg->done_cond);
	pthread_mutex_unlock(&agg->lock);
}

static void *
worker_main(void *arg)
{
	agg_worker *w = arg;
	kf_agg	   *agg = w->agg;
	kf_error	err;

	while (!atomic_load(&agg->cancel))
	{
		size_t		i = atomic_fetch_add(&agg->next_part, 1);

		if (i >= agg->parts.count)
			break;
		if (scan_part(w, &agg->parts.parts[i], &err) != 0)
		{
			record_failure(agg, &err);
			break;
		}
	}
	wait_all_scanned(agg);
	merge_partitions(agg);
	worker_finished(agg);
	return NULL;
}

/* ------------------------------------------------------------------ begin */

static bool
uses_device_names(const kf_agg_spec *spec, const cpred *where)
{
	bool		used[KF_E_NUM_COLUMNS] = {false};

	pred_columns_used(where, used);
	for (uint32_t i = 0; i < spec->nkeys; i++)
		used[spec->keys[i].col] = true;
	for (uint32_t i = 0; i < spec->naggs; i++)
		if (spec->aggs[i].func != KF_AGG_COUNT_STAR)
			used[spec->aggs[i].col] = true;
	return used[KF_E_DEVICE_NAME];
}

static int
list_parts(kf_agg *agg, const kf_agg_spec *spec, kf_error *err)
{
	int64_t		min_ts = INT64_MIN,
				max_ts = INT64_MAX;

	time_range_of(agg->where, &min_ts, &max_ts);
	if (min_ts > max_ts)
		return 0;
	return kf_parts_list_series(spec->data_dir, spec->dataseries, spec->device_id, min_ts, max_ts, &agg->parts, err);
}

static int
init_worker(kf_agg *agg, agg_worker *w, kf_error *err)
{
	size_t		key_words = agg->plan.key_words ? agg->plan.key_words : 1;

	w->agg = agg;
	w->strings.ids = &agg->plan.strings;
	w->columns.device_dict = &agg->devices.dict;
	if (pred_evaluator_init(&w->evaluator, agg->where, err) != 0)
		return -1;
	if ((w->tables = calloc(agg->npartitions, sizeof(agg_table))) == NULL)
		return kf_error_set(err, "out of memory for aggregation buffers");
	for (uint32_t p = 0; p < agg->npartitions; p++)
		if (agg_table_init(&w->tables[p], &agg->plan, &agg->plan.memory, err) != 0)
			return -1;
	w->mask = malloc(KF_BLOCK_MAX_ROWS);
	w->selection = malloc(sizeof(uint32_t) * KF_BLOCK_MAX_ROWS);
	w->all_rows = malloc(sizeof(uint32_t) * KF_BLOCK_MAX_ROWS);
	w->keys = malloc(sizeof(uint64_t) * key_words * KF_BLOCK_MAX_ROWS);
	w->hashes = malloc(sizeof(uint64_t) * KF_BLOCK_MAX_ROWS);
	w->groups = calloc(KF_BLOCK_MAX_ROWS, sizeof(uint32_t));	/* stays all 0 for a grand total */
	if (!w->mask || !w->selection || !w->all_rows || !w->keys || !w->hashes || !w->groups)
		return kf_error_set(err, "out of memory for aggregation buffers");
	if (agg->npartitions > 1)
	{
		w->part_sel = malloc(sizeof(uint32_t) * KF_BLOCK_MAX_ROWS);
		w->part_keys = malloc(sizeof(uint64_t) * key_words * KF_BLOCK_MAX_ROWS);
		w->part_hashes = malloc(sizeof(uint64_t) * KF_BLOCK_MAX_ROWS);
		if (!w->part_sel || !w->part_keys || !w->part_hashes)
			return kf_error_set(err, "out of memory for aggregation buffers");
	}
	for (uint32_t i = 0; i < KF_BLOCK_MAX_ROWS; i++)
		w->all_rows[i] = i;
	return 0;
}

static int
init_sync(kf_agg *agg, kf_error *err)
{
	pthread_condattr_t attr;

	if (pthread_condattr_init(&attr) != 0)
		return kf_error_set(err, "cannot set up aggregation threads");
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	bool		ok = pthread_mutex_init(&agg->lock, NULL) == 0;

	if (ok && pthread_cond_init(&agg->done_cond, &attr) != 0)
	{
		pthread_mutex_destroy(&agg->lock);
		ok = false;
	}
	if (ok && pthread_cond_init(&agg->scanned_cond, NULL) != 0)
	{
		pthread_cond_destroy(&agg->done_cond);
		pthread_mutex_destroy(&agg->lock);
		ok = false;
	}
	pthread_condattr_destroy(&attr);
	agg->sync_ready = ok;
	return ok ? 0 : kf_error_set(err, "cannot set up aggregation threads");
}

static int
prepare(kf_agg *agg, const kf_agg_spec *spec, kf_error *err)
{
	if (agg_plan_build(&agg->plan, spec, err) != 0 || init_sync(agg, err) != 0 ||
		(agg->where = pred_compile(spec->where, err)) == NULL || list_parts(agg, spec, err) != 0)
		return -1;
	agg->names_needed = uses_device_names(spec, agg->where);
	if (agg->names_needed && device_names_build(&agg->devices, spec->data_dir, &agg->parts, err) != 0)
		return -1;
	uint32_t	n = spec->threads ? spec->threads : KF_AGG_THREADS;

	if (n > AGG_MAX_THREADS)
		n = AGG_MAX_THREADS;
	if (n > agg->parts.count)
		n = agg->parts.count ? (uint32_t) agg->parts.count : 1;
	if ((agg->workers = calloc(n, sizeof(agg_worker))) == NULL)
		return kf_error_set(err, "out of memory for aggregation workers");
	agg->nworkers = n;
	agg_key_layout layout;

	agg_key_layout_build(&agg->plan, &layout);
	agg->npartitions = n > 1 && layout.words >= 2 ? AGG_PARTITIONS : 1;
	agg->candidates = calloc(agg->npartitions, sizeof(uint32_t *));
	agg->ncandidates = calloc(agg->npartitions, sizeof(uint32_t));
	if (agg->candidates == NULL || agg->ncandidates == NULL)
		return kf_error_set(err, "out of memory for aggregation workers");
	agg->stats.threads_used = n;
	for (uint32_t i = 0; i < n; i++)
	{
		if (init_worker(agg, &agg->workers[i], err) != 0)
			return -1;
		block_columns_set_query(&agg->workers[i].columns, spec->dataseries, spec->duration_seconds);
	}
	return 0;
}

/* Starts the workers; if one cannot start, the started ones are cancelled. */
static int
start_workers(kf_agg *agg, kf_error *err)
{
	int			rc = 0;

	pthread_mutex_lock(&agg->lock);
	for (uint32_t i = 0; i < agg->nworkers; i++)
	{
		if (pthread_create(&agg->workers[i].thread, NULL, worker_main, &agg->workers[i]) != 0)
		{
			rc = kf_error_set(err, "cannot start aggregation thread %u", i);
			atomic_store(&agg->cancel, true);
			agg->nworkers = i;
			break;
		}
		agg->workers[i].started = true;
	}
	pthread_mutex_unlock(&agg->lock);
	return rc;
}

kf_agg *
kf_agg_begin(const kf_agg_spec *spec, kf_error *err)
{
	kf_agg	   *agg = calloc(1, sizeof(kf_agg));

	if (agg == NULL)
	{
		kf_error_set(err, "out of memory for an aggregation");
		return NULL;
	}
	if (prepare(agg, spec, err) != 0 || start_workers(agg, err) != 0)
	{
		kf_agg_end(agg);
		return NULL;
	}
	return agg;
}

/* ------------------------------------------------------------------ wait / next / end */

int
kf_agg_wait(kf_agg *agg, int timeout_ms, kf_error *err)
{
	struct timespec deadline;

	if (timeout_ms < 0)
		timeout_ms = 0;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (long) (timeout_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L)
	{
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&agg->lock);
	while (!agg->done && pthread_cond_timedwait(&agg->done_cond, &agg->lock, &deadline) != ETIMEDOUT)
		;
	int			rc = agg->done ? (agg->failed ? -1 : 1) : 0;

	if (rc == -1)
		*err = agg->failure;
	pthread_mutex_unlock(&agg->lock);
	return rc;
}

int
kf_agg_next(kf_agg *agg, kf_agg_batch *out)
{
	pthread_mutex_lock(&agg->lock);
	bool		ready = agg->done && !agg->failed;

	pthread_mutex_unlock(&agg->lock);
	memset(out, 0, sizeof(*out));
	return ready ? agg_result_next(&agg->result, out) : 0;
}

const kf_agg_stats *
kf_agg_get_stats(const kf_agg *agg)
{
	return &agg->stats;
}

static void
free_worker(kf_agg *agg, agg_worker *w)
{
	block_columns_free(&w->columns);
	pred_evaluator_free(&w->evaluator);
	agg_block_strings_free(&w->strings);
	for (uint32_t p = 0; w->tables && p < agg->npartitions; p++)
		agg_table_free(&w->tables[p]);
	free(w->tables);
	free(w->mask);
	free(w->selection);
	free(w->all_rows);
	free(w->keys);
	free(w->hashes);
	free(w->groups);
	free(w->part_sel);
	free(w->part_keys);
	free(w->part_hashes);
}

void
kf_agg_end(kf_agg *agg)
{
	if (agg == NULL)
		return;
	atomic_store(&agg->cancel, true);
	for (uint32_t i = 0; agg->workers && i < agg->nworkers; i++)
		if (agg->workers[i].started)
			pthread_join(agg->workers[i].thread, NULL);
	for (uint32_t i = 0; agg->workers && i < agg->stats.threads_used; i++)
		free_worker(agg, &agg->workers[i]);
	free(agg->workers);
	for (uint32_t p = 0; agg->candidates && p < agg->npartitions; p++)
		free(agg->candidates[p]);
	free(agg->candidates);
	free(agg->ncandidates);
	agg_table_free(&agg->gathered);
	agg_result_free(&agg->result);
	device_names_free(&agg->devices);
	kf_part_list_free(&agg->parts);
	pred_free(agg->where);
	if (agg->sync_ready)
	{
		pthread_mutex_destroy(&agg->lock);
		pthread_cond_destroy(&agg->done_cond);
		pthread_cond_destroy(&agg->scanned_cond);
	}
	agg_plan_free(&agg->plan);
	free(agg);
}
