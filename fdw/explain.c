/*-------------------------------------------------------------------------
 *
 * explain.c
 *		  EXPLAIN output of a kentik_fdw scan.
 *
 * Under VERBOSE it shows what the engine does, the way postgres_fdw shows its Remote SQL: the
 * device read, the pushed filter and the columns returned.  The filter is the pushed clauses
 * translated again in display mode, so relative times read "ctimestamp > now - 3600" rather than
 * an epoch that changes every run.  ANALYZE adds the engine's counters.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fdw/kentik_fdw.h"

#include "lib/stringinfo.h"

/* explain_filter shows the pushed clauses, or nothing when everything is evaluated locally. */
static void
explain_filter(KfScanState *state, ExplainState *es)
{
	KfTranslateContext ctx = {0};
	kf_pred    *pred;

	ctx.deparse_cxt = es->deparse_cxt;
	pred = kf_build_pushed_pred(state->pushed_clauses, state->columns, &ctx);
	if (pred != NULL)
		ExplainPropertyText("Kentik Filter", kf_format_pred_for_display(&ctx, pred), es);
}

/* explain_columns lists the columns the engine returns. */
static void
explain_columns(KfScanState *state, ExplainState *es)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int j = 0; j < state->ncols; j++)
		appendStringInfo(&buf, "%s%s", j > 0 ? ", " : "", kf_ecol_describe(state->cols[j])->name);
	ExplainPropertyText("Kentik Columns", state->ncols > 0 ? buf.data : "(none)", es);
}

/* explain_stats shows the engine's counters after EXPLAIN ANALYZE. */
static void
explain_stats(KfScanState *state, ExplainState *es)
{
	kf_scan_stats total = state->last_stats;

	if (state->scan != NULL)
	{
		const kf_scan_stats *current = kf_scan_get_stats(state->scan);

		total.parts_listed += current->parts_listed;
		total.parts_skipped += current->parts_skipped;
		total.blocks_total += current->blocks_total;
		total.blocks_skipped += current->blocks_skipped;
		total.rows_scanned += current->rows_scanned;
		total.rows_returned += current->rows_returned;
	}
	ExplainPropertyInteger("Kentik Parts", NULL, (int64) total.parts_listed, es);
	ExplainPropertyInteger("Kentik Parts Skipped", NULL, (int64) total.parts_skipped, es);
	ExplainPropertyInteger("Kentik Blocks", NULL, (int64) total.blocks_total, es);
	ExplainPropertyInteger("Kentik Blocks Skipped", NULL, (int64) total.blocks_skipped, es);
	ExplainPropertyInteger("Kentik Rows Scanned", NULL, (int64) total.rows_scanned, es);
}

/* kf_explain_foreign_scan adds kentik_fdw's lines to the scan node's EXPLAIN output. */
void
kf_explain_foreign_scan(ForeignScanState *node, ExplainState *es)
{
	KfScanState *state = (KfScanState *) node->fdw_state;

	if (((ForeignScan *) node->ss.ps.plan)->scan.scanrelid == 0)
	{
		kf_explain_aggregate_scan(node, es);
		return;
	}
	ExplainPropertyText("Kentik Dataseries", kf_dataseries_name(state->choice.dataseries), es);
	if (es->verbose)
	{
		if (state->options.device_id == 0)
			ExplainPropertyText("Kentik Device", "all", es);
		else
			ExplainPropertyInteger("Kentik Device", NULL, state->options.device_id, es);
		explain_filter(state, es);
		explain_columns(state, es);
	}
	if (es->analyze)
		explain_stats(state, es);
}

/* explain_aggregate_stats shows the engine's counters of a pushed aggregation. */
static void
explain_aggregate_stats(KfAggScanState *state, ExplainState *es)
{
	kf_agg_stats total = state->last_stats;

	if (state->agg != NULL)
	{
		const kf_agg_stats *current = kf_agg_get_stats(state->agg);

		total.scan.parts_listed += current->scan.parts_listed;
		total.scan.parts_skipped += current->scan.parts_skipped;
		total.scan.blocks_total += current->scan.blocks_total;
		total.scan.blocks_skipped += current->scan.blocks_skipped;
		total.scan.rows_scanned += current->scan.rows_scanned;
		total.groups += current->groups;
		total.threads_used = Max(total.threads_used, current->threads_used);
	}
	ExplainPropertyInteger("Kentik Parts", NULL, (int64) total.scan.parts_listed, es);
	ExplainPropertyInteger("Kentik Parts Skipped", NULL, (int64) total.scan.parts_skipped, es);
	ExplainPropertyInteger("Kentik Blocks", NULL, (int64) total.scan.blocks_total, es);
	ExplainPropertyInteger("Kentik Blocks Skipped", NULL, (int64) total.scan.blocks_skipped, es);
	ExplainPropertyInteger("Kentik Rows Scanned", NULL, (int64) total.scan.rows_scanned, es);
	ExplainPropertyInteger("Kentik Groups", NULL, (int64) total.groups, es);
	ExplainPropertyInteger("Kentik Threads", NULL, (int64) total.threads_used, es);
}

/*
 * kf_explain_aggregate_scan shows a pushed aggregation: the relation, and under VERBOSE the
 * engine's filter and native plan (keys, aggregates, having, order, limit) from kf_agg_format.
 */
void
kf_explain_aggregate_scan(ForeignScanState *node, ExplainState *es)
{
	KfAggScanState *state = (KfAggScanState *) node->fdw_state;
	kf_agg_spec spec;

	ExplainPropertyText("Relations", psprintf("Aggregate on (%s)", state->relname), es);
	kf_build_agg_spec(state, &spec);
	ExplainPropertyText("Kentik Dataseries", kf_dataseries_name(spec.dataseries), es);
	if (es->verbose)
	{
		KfTranslateContext ctx = {0};
		kf_pred    *pred;
		char		small[1024];
		size_t		len;
		char	   *text = small;

		if (state->options.device_id == 0)
			ExplainPropertyText("Kentik Device", "all", es);
		else
			ExplainPropertyInteger("Kentik Device", NULL, state->options.device_id, es);
		ctx.deparse_cxt = es->deparse_cxt;
		pred = kf_build_pushed_pred(state->where_clauses, state->columns, &ctx);
		if (pred != NULL)
			ExplainPropertyText("Kentik Filter", kf_format_pred_for_display(&ctx, pred), es);
		len = kf_agg_format(&spec, small, sizeof(small));
		if (len >= sizeof(small))
		{
			text = palloc(len + 1);
			kf_agg_format(&spec, text, len + 1);
		}
		ExplainPropertyText("Kentik Aggregation", text, es);
	}
	if (es->analyze)
		explain_aggregate_stats(state, es);
}
