/*-------------------------------------------------------------------------
 *
 * scan.c
 *		  Executor callbacks: begin, iterate, rescan and end a kentik_fdw scan.
 *
 * The engine scan is started at the first fetch, not in BeginForeignScan, because the pushed
 * clauses may contain Params whose values (initplans) are only available once execution has
 * begun; relative times are resolved then too, against the transaction's reference time, which
 * is the same all transaction long.
 *
 * Memory: the scan has its own context (scan_cxt) holding the engine's predicate tree and
 * state; a reset callback on it calls kf_scan_end, so an ERROR or a cancel that throws away the
 * query's memory also closes the engine scan and its files.  Datums of the current batch live
 * in batch_cxt, which is reset before the next batch is fetched.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fdw/kentik_fdw.h"

#include <sys/stat.h>

#include "miscadmin.h"
#include "utils/memutils.h"
#include "utils/rel.h"

/* end_engine_scan closes the engine scan, keeping its counters for EXPLAIN ANALYZE. */
static void
end_engine_scan(KfScanState *state)
{
	const kf_scan_stats *stats;

	if (state->scan == NULL)
		return;
	stats = kf_scan_get_stats(state->scan);
	state->last_stats.parts_listed += stats->parts_listed;
	state->last_stats.parts_skipped += stats->parts_skipped;
	state->last_stats.blocks_total += stats->blocks_total;
	state->last_stats.blocks_skipped += stats->blocks_skipped;
	state->last_stats.rows_scanned += stats->rows_scanned;
	state->last_stats.rows_returned += stats->rows_returned;
	kf_scan_end(state->scan);
	state->scan = NULL;
}

/* scan_context_reset is the memory-context callback that never lets an engine scan leak. */
static void
scan_context_reset(void *arg)
{
	KfScanState *state = (KfScanState *) arg;

	if (state->scan != NULL)
	{
		kf_scan_end(state->scan);
		state->scan = NULL;
	}
}

/*
 * kf_begin_foreign_scan prepares the scan state: options, column mapping and memory contexts.
 * A plan without a scan relation is a pushed aggregation (aggregate_scan.c).
 */
void
kf_begin_foreign_scan(ForeignScanState *node, int eflags)
{
	ForeignScan *plan = (ForeignScan *) node->ss.ps.plan;
	Relation	rel = node->ss.ss_currentRelation;
	KfScanState *state;
	MemoryContextCallback *callback;
	ListCell   *lc;
	int			j = 0;

	if (plan->scan.scanrelid == 0)
	{
		kf_begin_aggregate_scan(node, eflags);
		return;
	}
	state = palloc0(sizeof(KfScanState));
	node->fdw_state = state;
	kf_get_table_options(RelationGetRelid(rel), &state->options);
	state->columns = kf_build_column_map(rel);
	state->retrieved_attrs = (List *) list_nth(plan->fdw_private, KF_PRIVATE_RETRIEVED_ATTRS);
	state->pushed_clauses = plan->fdw_exprs;
	state->local_clauses = plan->scan.plan.qual;
	state->sliced = intVal(list_nth(plan->fdw_private, KF_PRIVATE_SLICED)) != 0;
	state->choice.dataseries = (kf_dataseries) intVal(list_nth(plan->fdw_private, KF_PRIVATE_DATASERIES));
	state->ncols = list_length(state->retrieved_attrs);
	state->cols = palloc(sizeof(kf_ecol) * Max(state->ncols, 1));
	foreach(lc, state->retrieved_attrs)
		state->cols[j++] = (kf_ecol) state->columns->ecol_of_attno[lfirst_int(lc) - 1];
	state->text_cache = palloc0(sizeof(Datum *) * Max(state->ncols, 1));
	state->text_cached = palloc0(sizeof(bool *) * Max(state->ncols, 1));

	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;

	state->scan_cxt = AllocSetContextCreate(node->ss.ps.state->es_query_cxt,
											"kentik_fdw scan", ALLOCSET_DEFAULT_SIZES);
	state->batch_cxt = AllocSetContextCreate(state->scan_cxt,
											 "kentik_fdw batch", ALLOCSET_DEFAULT_SIZES);
	callback = MemoryContextAlloc(state->scan_cxt, sizeof(MemoryContextCallback));
	callback->func = scan_context_reset;
	callback->arg = state;
	MemoryContextRegisterResetCallback(state->scan_cxt, callback);
}

/*
 * kf_build_pushed_pred translates the pushed WHERE clauses with their values for this execution
 * (or for display, when ctx does not build values).
 */
kf_pred *
kf_build_pushed_pred(List *clauses, KfColumnMap *columns, KfTranslateContext *ctx)
{
	List	   *preds = NIL;
	ListCell   *lc;

	ctx->columns = columns;
	foreach(lc, clauses)
	{
		kf_pred    *pred = kf_translate_clause(ctx, (Expr *) lfirst(lc));

		if (pred == NULL)
			elog(ERROR, "kentik_fdw: a clause pushed at plan time cannot be translated");
		preds = lappend(preds, pred);
	}
	return kf_pred_and(preds);
}

/*
 * kf_check_data_dir raises an error when the data directory is missing: the engine would list no
 * parts and the table would silently look empty.
 */
void
kf_check_data_dir(const char *data_dir)
{
	struct stat st;

	if (stat(data_dir, &st) != 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not access kentik data directory \"%s\": %m", data_dir)));
	if (!S_ISDIR(st.st_mode))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("kentik data directory \"%s\" is not a directory", data_dir)));
}

/*
 * start_engine_scan evaluates the pushed clauses, decides the dataseries and i_duration of this
 * execution (from the pushed and the local conditions, now that Params have values) and opens
 * the engine scan.
 */
static void
start_engine_scan(KfScanState *state, ForeignScanState *node)
{
	MemoryContext old = MemoryContextSwitchTo(state->batch_cxt);
	KfTranslateContext ctx = {0};
	kf_scan_spec spec = {0};
	kf_pred    *pushed_pred;
	kf_pred    *local_pred;
	kf_error	err;

	kf_check_data_dir(state->options.data_dir);
	ctx.build_values = true;
	ctx.econtext = node->ss.ps.ps_ExprContext;
	ctx.parent = &node->ss.ps;
	spec.data_dir = state->options.data_dir;
	spec.device_id = state->options.device_id;
	pushed_pred = kf_build_pushed_pred(state->pushed_clauses, state->columns, &ctx);
	local_pred = kf_pred_for_planning(state->local_clauses, state->columns);
	kf_choose_dataseries(&state->options,
						 kf_pred_and(list_concat(pushed_pred ? list_make1(pushed_pred) : NIL,
												 local_pred ? list_make1(local_pred) : NIL)),
						 state->sliced, &state->choice);
	spec.where = pushed_pred;
	spec.dataseries = state->choice.dataseries;
	spec.duration_seconds = state->choice.duration_seconds;
	spec.ncols = (uint32) state->ncols;
	spec.cols = state->cols;
	state->scan = kf_scan_begin(&spec, &err);
	MemoryContextSwitchTo(old);
	/* the engine copied what it keeps; the tree and the evaluated operands can go */
	MemoryContextReset(state->batch_cxt);
	if (state->scan == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_IO_ERROR),
				 errmsg("could not start kentik flow scan: %s", err.msg)));
	state->batch.nrows = 0;
	state->next_row = 0;
}

/*
 * fetch_batch gets the next batch from the engine into state->batch.  Returns false at the end
 * of the data (the engine scan is then closed).
 */
static bool
fetch_batch(KfScanState *state)
{
	kf_error	err;
	int			rc;

	MemoryContextReset(state->batch_cxt);
	CHECK_FOR_INTERRUPTS();
	rc = kf_scan_next(state->scan, &state->batch, &err);
	if (rc < 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("could not read kentik flow data: %s", err.msg)));
	state->next_row = 0;
	if (rc == 0)
	{
		state->batch.nrows = 0;
		end_engine_scan(state);
		state->finished = true;
		return false;
	}
	kf_batch_prepare_text_cache(state);
	return true;
}

/* kf_iterate_foreign_scan returns the next row, or an empty slot at the end. */
TupleTableSlot *
kf_iterate_foreign_scan(ForeignScanState *node)
{
	KfScanState *state = (KfScanState *) node->fdw_state;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;
	MemoryContext old;

	if (((ForeignScan *) node->ss.ps.plan)->scan.scanrelid == 0)
		return kf_iterate_aggregate_scan(node);
	if (state->scan == NULL && !state->finished)
		start_engine_scan(state, node);
	while (!state->finished && state->next_row >= state->batch.nrows)
	{
		if (!fetch_batch(state))
			break;
	}
	if (state->finished)
		return ExecClearTuple(slot);

	old = MemoryContextSwitchTo(state->batch_cxt);
	kf_store_batch_row(state, slot, state->next_row++);
	MemoryContextSwitchTo(old);
	return slot;
}

/* kf_rescan_foreign_scan closes the engine scan; the next fetch starts a new one. */
void
kf_rescan_foreign_scan(ForeignScanState *node)
{
	KfScanState *state = (KfScanState *) node->fdw_state;

	if (((ForeignScan *) node->ss.ps.plan)->scan.scanrelid == 0)
	{
		kf_rescan_aggregate_scan(node);
		return;
	}
	end_engine_scan(state);
	MemoryContextReset(state->batch_cxt);
	state->finished = false;
	state->batch.nrows = 0;
	state->next_row = 0;
}

/* kf_end_foreign_scan releases the engine scan and the scan's memory. */
void
kf_end_foreign_scan(ForeignScanState *node)
{
	KfScanState *state = (KfScanState *) node->fdw_state;

	if (((ForeignScan *) node->ss.ps.plan)->scan.scanrelid == 0)
	{
		kf_end_aggregate_scan(node);
		return;
	}
	if (state == NULL || state->scan_cxt == NULL)
		return;					/* EXPLAIN without ANALYZE */
	end_engine_scan(state);
	MemoryContextDelete(state->scan_cxt);
	state->scan_cxt = NULL;
	state->batch_cxt = NULL;
}
