/*
 * agg_executor.c -- kf_agg_begin / wait / next / end: the threads of a grouped aggregation.
 *
 * kf_agg_begin lists the parts the time range and device can touch (as the scan does) and starts
 * the workers.  Each worker takes the next part from an atomic counter and runs the scan's block
 * pipeline on it -- zone maps, lazily decoded columns, predicate into a selection -- then computes
 * the selected rows' group keys and folds them into its own group table.  The cancel flag is
 * checked per block.  The last worker to finish merges the tables, applies HAVING, ORDER BY and
 * LIMIT and builds the result columns, then wakes kf_agg_wait; so the caller's thread only ever
 * waits, and reads the result.
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
#include "engine/agg_result.h"
#include "engine/agg_update.h"
#include "engine/device_names.h"
#include "engine/predicate_eval.h"
#include "engine/time_range.h"
#include "engine/zone_map.h"

#define AGG_MAX_THREADS 64

typedef struct agg_worker
{
	kf_agg	   *agg;
	pthread_t	thread;
	bool		started;
	block_columns columns;
	pred_evaluator evaluator;
	agg_block_strings strings;
	agg_table	table;
	uint8_t    *mask;
	uint32_t   *selection;
	uint32_t   *all_rows;		/* 0, 1, 2, ...: the selection when every row passes */
	uint64_t   *keys;			/* packed keys of a block's selected rows */
	uint32_t   *groups;			/* their group numbers */
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

	bool		sync_ready;
	pthread_mutex_t lock;
	pthread_cond_t done_cond;
	uint32_t	finished;		/* workers that left their part loop */
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
	}
	return count;
}

static int
aggregate_rows(agg_worker *w, const uint32_t *sel, uint32_t n, kf_error *err)
{
	const agg_plan *plan = &w->agg->plan;

	w->stats.rows_returned += n;
	if (plan->key_words > 0 &&
		(agg_keys_build(plan, &w->columns, &w->strings, sel, n, w->keys, err) != 0 ||
		 agg_table_find(&w->table, w->keys, n, w->groups, err) != 0))
		return -1;
	return agg_update_block(&w->table, &w->columns, &w->strings, sel, n, w->groups, err);
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

/* Merges the workers' tables into the first, orders and builds the result. */
static int
finalize(kf_agg *agg, kf_error *err)
{
	agg_table  *total = &agg->workers[0].table;
	uint32_t   *rows = NULL;
	uint32_t	nrows;

	agg->stats.scan.parts_listed = agg->parts.count;
	for (uint32_t i = 0; i < agg->nworkers; i++)
		add_stats(&agg->stats.scan, &agg->workers[i].stats);
	for (uint32_t i = 1; i < agg->nworkers; i++)
	{
		if (atomic_load(&agg->cancel))
			return 0;
		if (agg_table_merge(total, &agg->workers[i].table, err) != 0)
			return -1;
		agg_table_free(&agg->workers[i].table);
	}
	agg->stats.groups = total->ngroups;
	if (agg_order_rows(total, &rows, &nrows, err) != 0)
		return -1;
	int			rc = agg_result_build(&agg->result, total, rows, nrows, err);

	free(rows);
	agg->stats.rows_out = nrows;
	agg->stats.peak_memory = atomic_load(&agg->plan.memory.peak);
	return rc;
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
	if (pred_evaluator_init(&w->evaluator, agg->where, err) != 0 ||
		agg_table_init(&w->table, &agg->plan, &agg->plan.memory, err) != 0)
		return -1;
	w->mask = malloc(KF_BLOCK_MAX_ROWS);
	w->selection = malloc(sizeof(uint32_t) * KF_BLOCK_MAX_ROWS);
	w->all_rows = malloc(sizeof(uint32_t) * KF_BLOCK_MAX_ROWS);
	w->keys = malloc(sizeof(uint64_t) * key_words * KF_BLOCK_MAX_ROWS);
	w->groups = calloc(KF_BLOCK_MAX_ROWS, sizeof(uint32_t));	/* stays all 0 for a grand total */
	if (!w->mask || !w->selection || !w->all_rows || !w->keys || !w->groups)
		return kf_error_set(err, "out of memory for aggregation buffers");
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
free_worker(agg_worker *w)
{
	block_columns_free(&w->columns);
	pred_evaluator_free(&w->evaluator);
	agg_block_strings_free(&w->strings);
	agg_table_free(&w->table);
	free(w->mask);
	free(w->selection);
	free(w->all_rows);
	free(w->keys);
	free(w->groups);
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
		free_worker(&agg->workers[i]);
	free(agg->workers);
	agg_result_free(&agg->result);
	device_names_free(&agg->devices);
	kf_part_list_free(&agg->parts);
	pred_free(agg->where);
	if (agg->sync_ready)
	{
		pthread_mutex_destroy(&agg->lock);
		pthread_cond_destroy(&agg->done_cond);
	}
	agg_plan_free(&agg->plan);
	free(agg);
}
