/*-------------------------------------------------------------------------
 *
 * aggregate_scan.c
 *		  Executor callbacks of a pushed aggregation: runs a kf_agg in the engine and returns its
 *		  result rows (keys, then aggregate outputs, as the plan's fdw_scan_tlist).
 *
 * The engine aggregates on its own threads.  The backend starts it at the first fetch (when the
 * Params of the WHERE clauses have values and relative times can be resolved), then waits in
 * slices of KF_AGG_WAIT_MS, checking for interrupts between them, so a cancel or
 * statement_timeout stops the query promptly.  The aggregation belongs to scan_cxt, whose reset
 * callback calls kf_agg_end: an ERROR (including a cancel) that frees the query's memory also
 * cancels and joins the engine's threads.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fdw/kentik_fdw.h"

#include "access/table.h"
#include "miscadmin.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#define KF_AGG_WAIT_MS 100

/* add_stats adds the counters of a finished run to the totals kept for EXPLAIN ANALYZE. */
static void
add_stats(kf_agg_stats *total, const kf_agg_stats *run)
{
	total->scan.parts_listed += run->scan.parts_listed;
	total->scan.parts_skipped += run->scan.parts_skipped;
	total->scan.blocks_total += run->scan.blocks_total;
	total->scan.blocks_skipped += run->scan.blocks_skipped;
	total->scan.rows_scanned += run->scan.rows_scanned;
	total->scan.rows_returned += run->scan.rows_returned;
	total->groups += run->groups;
	total->rows_out += run->rows_out;
	total->threads_used = Max(total->threads_used, run->threads_used);
	total->peak_memory = Max(total->peak_memory, run->peak_memory);
}

/* end_aggregation ends the engine's run, keeping its counters. */
static void
end_aggregation(KfAggScanState *state)
{
	if (state->agg == NULL)
		return;
	add_stats(&state->last_stats, kf_agg_get_stats(state->agg));
	kf_agg_end(state->agg);
	state->agg = NULL;
}

/* agg_context_reset, a memory-context callback, never lets engine threads outlive the query. */
static void
agg_context_reset(void *arg)
{
	KfAggScanState *state = (KfAggScanState *) arg;

	if (state->agg != NULL)
	{
		kf_agg_end(state->agg);
		state->agg = NULL;
	}
}

/* kf_begin_aggregate_scan reads the plan and prepares the memory contexts. */
void
kf_begin_aggregate_scan(ForeignScanState *node, int eflags)
{
	ForeignScan *plan = (ForeignScan *) node->ss.ps.plan;
	KfAggScanState *state = palloc0(sizeof(KfAggScanState));
	Oid			relid = linitial_oid((List *) list_nth(plan->fdw_private, KF_AGG_PRIVATE_TABLE));
	Relation	rel;
	MemoryContextCallback *callback;

	node->fdw_state = state;
	kf_get_table_options(relid, &state->options);
	rel = table_open(relid, AccessShareLock);
	state->columns = kf_build_column_map(rel);
	state->relname = pstrdup(RelationGetRelationName(rel));
	table_close(rel, AccessShareLock);
	state->where_clauses = (List *) list_nth(plan->fdw_private, KF_AGG_PRIVATE_WHERE);
	kf_agg_plan_from_list((List *) list_nth(plan->fdw_private, KF_AGG_PRIVATE_PLAN), &state->plan);
	kf_restore_agg_params(&state->plan, plan->fdw_scan_tlist, state->columns);

	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;
	state->scan_cxt = AllocSetContextCreate(node->ss.ps.state->es_query_cxt,
											"kentik_fdw aggregation", ALLOCSET_DEFAULT_SIZES);
	state->spec_cxt = AllocSetContextCreate(state->scan_cxt,
											"kentik_fdw aggregation spec", ALLOCSET_DEFAULT_SIZES);
	state->row_cxt = AllocSetContextCreate(state->scan_cxt,
										   "kentik_fdw aggregation row", ALLOCSET_DEFAULT_SIZES);
	callback = MemoryContextAlloc(state->scan_cxt, sizeof(MemoryContextCallback));
	callback->func = agg_context_reset;
	callback->arg = state;
	MemoryContextRegisterResetCallback(state->scan_cxt, callback);
}

/*
 * kf_build_agg_spec fills spec from the plan (everything but the WHERE tree, the data directory
 * and the memory limit are static); the arrays belong to the plan state.  The dataseries and
 * i_duration are decided from the WHERE clauses and the keys (dataseries_choice.c).
 */
void
kf_build_agg_spec(KfAggScanState *state, kf_agg_spec *spec)
{
	memset(spec, 0, sizeof(*spec));
	spec->data_dir = state->options.data_dir;
	spec->device_id = state->options.device_id;
	spec->nkeys = (uint32) state->plan.nkeys;
	spec->keys = state->plan.keys;
	spec->naggs = (uint32) state->plan.naggs;
	spec->aggs = state->plan.aggs;
	spec->nhaving = (uint32) state->plan.nhaving;
	spec->having = state->plan.having;
	spec->norder = (uint32) state->plan.norder;
	spec->order = state->plan.order;
	spec->has_limit = state->plan.has_limit;
	spec->limit = state->plan.limit;
	spec->offset = state->plan.offset;
	spec->memory_limit = (size_t) kf_max_group_memory_mb * 1024 * 1024;
	kf_choose_agg_dataseries(state, spec);
}

/*
 * report_failure raises the engine's error.  The engine has no error codes, so its message tells
 * the cases apart: a group table over spec.memory_limit names the GUC that sets the limit.
 */
static void
report_failure(KfAggScanState *state, const kf_error *err)
{
	end_aggregation(state);
	if (strstr(err->msg, "memory limit") != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("kentik aggregation exceeded its memory limit: %s", err->msg),
				 errhint("Raise kentik_fdw.max_group_memory (now %d MB) or group by fewer distinct values.",
						 kf_max_group_memory_mb)));
	if (strstr(err->msg, "out of memory") != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("kentik aggregation ran out of memory: %s", err->msg)));
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("could not aggregate kentik flow data: %s", err->msg)));
}

/* start_aggregation builds the spec with this run's values, starts the engine and waits for it. */
static void
start_aggregation(KfAggScanState *state, ForeignScanState *node)
{
	MemoryContext old;
	KfTranslateContext ctx = {0};
	kf_agg_spec spec;
	kf_error	err;
	int			rc;

	kf_check_data_dir(state->options.data_dir);
	MemoryContextReset(state->spec_cxt);
	old = MemoryContextSwitchTo(state->spec_cxt);
	ctx.build_values = true;
	ctx.econtext = node->ss.ps.ps_ExprContext;
	ctx.parent = &node->ss.ps;
	kf_build_agg_spec(state, &spec);
	spec.where = kf_build_pushed_pred(state->where_clauses, state->columns, &ctx);
	MemoryContextSwitchTo(old);
	state->agg = kf_agg_begin(&spec, &err);
	if (state->agg == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_ERROR),
				 errmsg("could not start kentik aggregation: %s", err.msg)));
	do
	{
		CHECK_FOR_INTERRUPTS();
		rc = kf_agg_wait(state->agg, KF_AGG_WAIT_MS, &err);
	} while (rc == 0);
	if (rc < 0)
		report_failure(state, &err);
	state->batch.nrows = 0;
	state->next_row = 0;
}

/* kf_iterate_aggregate_scan returns the next result row, or an empty slot at the end. */
TupleTableSlot *
kf_iterate_aggregate_scan(ForeignScanState *node)
{
	KfAggScanState *state = (KfAggScanState *) node->fdw_state;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;
	MemoryContext old;

	if (state->agg == NULL && !state->finished)
		start_aggregation(state, node);
	while (!state->finished && state->next_row >= state->batch.nrows)
	{
		if (kf_agg_next(state->agg, &state->batch) == 0)
		{
			end_aggregation(state);
			state->finished = true;
		}
		state->next_row = 0;
	}
	if (state->finished)
		return ExecClearTuple(slot);
	MemoryContextReset(state->row_cxt);
	old = MemoryContextSwitchTo(state->row_cxt);
	kf_store_agg_row(state, slot, state->next_row++);
	MemoryContextSwitchTo(old);
	return slot;
}

/* kf_rescan_aggregate_scan ends the run; the next fetch starts a new one. */
void
kf_rescan_aggregate_scan(ForeignScanState *node)
{
	KfAggScanState *state = (KfAggScanState *) node->fdw_state;

	end_aggregation(state);
	state->finished = false;
	state->batch.nrows = 0;
	state->next_row = 0;
}

/* kf_end_aggregate_scan ends the run and frees the scan's memory. */
void
kf_end_aggregate_scan(ForeignScanState *node)
{
	KfAggScanState *state = (KfAggScanState *) node->fdw_state;

	if (state == NULL || state->scan_cxt == NULL)
		return;					/* EXPLAIN without ANALYZE */
	end_aggregation(state);
	MemoryContextDelete(state->scan_cxt);
	state->scan_cxt = NULL;
}
