/*-------------------------------------------------------------------------
 *
 * kentik_fdw.h
 *		  Private declarations shared by the files of the kentik_fdw extension.
 *
 * The extension is split by concern: kentik_fdw.c (handler, GUCs), options.c, import_schema.c,
 * kentik_time.c (the time dialect), column_map.c (table columns -> engine columns),
 * qual_pushdown.c (WHERE clauses -> kf_pred), planner.c and estimates.c (planning),
 * dataseries_choice.c (Full or Fast, and the value of i_duration), scan.c
 * (executor callbacks), datum_conversion.c (engine values -> Datums) and explain.c.  Pushed
 * aggregation: upper_paths.c (GROUP BY / ORDER BY / LIMIT paths and their plan),
 * aggregate_targets.c (what the engine can compute), agg_plan_list.c (the plan in fdw_private),
 * aggregate_scan.c (executor) and aggregate_datums.c (result rows -> Datums).
 *
 * Planner state lives in one KfRelInfo per base relation (baserel->fdw_private).  What the
 * executor needs is passed through ForeignScan.fdw_private as a List indexed by
 * KfScanPrivateIndex (so it survives copyObject), and the pushed clauses themselves travel in
 * ForeignScan.fdw_exprs so that setrefs fixes their Vars and Params like any other expression;
 * they are translated again into a kf_pred tree when the scan starts.  A pushed aggregation
 * (a ForeignScan without scan relation) keeps its WHERE clauses in fdw_private instead, because
 * their Vars are not in its fdw_scan_tlist; only their Params go to fdw_exprs.
 *
 * A foreign table with OPTIONS (table 'interface_counters') reads the sFlow interface counters
 * (store/counter_file.h) instead of flows: counters_scan.c plans, runs and explains it, and
 * kentik_fdw.c dispatches every callback on the table kind (KfTableOptions.table), which both
 * relation infos (KfRelKind first) and every scan state (KfTableOptions first) carry.
 *
 *-------------------------------------------------------------------------
 */
#ifndef KENTIK_FDW_H
#define KENTIK_FDW_H

#include "postgres.h"

#include "engine/aggregate.h"
#include "engine/engine.h"
#include "commands/explain.h"
#include "nodes/execnodes.h"
#include "nodes/parsenodes.h"
#include "nodes/pathnodes.h"
#include "utils/relcache.h"

/* Below this, an integer compared with a kentik_time is "seconds before the reference time". */
#define KF_RELATIVE_TIME_LIMIT INT64CONST(1000000000)

/* Seconds from the Unix epoch to the PostgreSQL epoch (2000-01-01). */
#define KF_UNIX_TO_PG_EPOCH_SECS INT64CONST(946684800)

/* GUCs (kentik_fdw.c) */
extern bool kf_enable_pushdown;
extern bool kf_enable_aggregate_pushdown;
extern bool kf_enable_order_pushdown;
extern int	kf_max_group_memory_mb;

/* ---------------------------------------------------------------- options.c */

/* What a foreign table reads: flows (the default) or interface counters (option table). */
typedef enum KfTableKind
{
	KF_TABLE_FLOWS = 0,
	KF_TABLE_INTERFACE_COUNTERS
} KfTableKind;

/* The options of one foreign table, merged from its server and itself. */
typedef struct KfTableOptions
{
	KfTableKind table;			/* first: scan states start with their options, see above */
	char	   *data_dir;		/* absolute path */
	uint32		device_id;		/* 0 = all devices */
} KfTableOptions;

extern void kf_get_table_options(Oid foreigntableid, KfTableOptions *opts);
extern KfTableKind kf_parse_table_kind(const char *value);
extern char *kf_get_server_data_dir(Oid serverid);
extern uint32 kf_parse_device_id(const char *value);

/* ---------------------------------------------------------------- kentik_time.c */

extern int64 kf_reference_time(void);
extern int64 kf_resolve_time_constant(int64 c);
extern Oid	kf_extension_oid(void);
extern bool kf_is_kentik_time_type(Oid typid);
extern void kf_define_reference_time_guc(void);

/* ---------------------------------------------------------------- column mapping */

/*
 * How the attributes of a foreign table map to engine columns: ecol_of_attno[attno - 1] is the
 * kf_ecol of each (non-dropped) attribute, -1 for dropped ones.
 */
typedef struct KfColumnMap
{
	int			natts;
	int		   *ecol_of_attno;
	Oid		   *type_of_attno;
} KfColumnMap;

extern KfColumnMap *kf_build_column_map(Relation rel);

/* ---------------------------------------------------------------- qual_pushdown.c */

/*
 * Translation context.  At plan time (build_values = false) it only decides pushability and
 * leaves placeholder values; at scan start it evaluates non-constant operands and resolves
 * relative times.  For EXPLAIN it also records, per leaf, a stable display text.
 */
typedef struct KfTranslateContext
{
	KfColumnMap *columns;
	bool		build_values;	/* evaluate operands and resolve relative times */
	ExprContext *econtext;		/* for evaluating non-Const operands (build_values only) */
	PlanState  *parent;			/* for ExecInitExpr of those operands */
	List	   *deparse_cxt;	/* EXPLAIN's deparse context for showing evaluated operands */
	List	   *display_leaves; /* (kf_pred *, char *) pairs for leaves kf_pred_format cannot show */
} KfTranslateContext;

extern kf_pred *kf_translate_clause(KfTranslateContext *ctx, Expr *clause);
extern bool kf_plain_column(KfColumnMap *columns, Node *node, kf_ecol *ecol);
extern kf_pred *kf_pred_and(List *preds);
extern char *kf_format_pred_for_display(KfTranslateContext *ctx, const kf_pred *pred);

/* ---------------------------------------------------------------- planning */

/* What a RelOptInfo's fdw_private holds: a base relation's KfRelInfo or an upper KfUpperInfo. */
typedef enum KfRelKind
{
	KF_REL_BASE,
	KF_REL_UPPER,
	KF_REL_COUNTERS				/* a base relation of an interface_counters table (counters_scan.c) */
} KfRelKind;

/* Planner state of one foreign base relation (baserel->fdw_private). */
typedef struct KfRelInfo
{
	KfRelKind	kind;			/* KF_REL_BASE */
	Oid			foreigntableid;
	KfTableOptions options;
	KfColumnMap *columns;
	List	   *pushed_conds;	/* RestrictInfos translated into the kf_pred tree */
	List	   *local_conds;	/* RestrictInfos PostgreSQL evaluates */
	Bitmapset  *attrs_used;		/* attnos (offset by FirstLowInvalidHeapAttributeNumber) */
	double		stored_rows;	/* estimated rows in the parts the scan may read */
	double		stored_pages;	/* their size in blocks */
	double		engine_rows;	/* estimated rows the pushed conditions keep */
	Cost		startup_cost;
	Cost		total_cost;
	bool		sliced;			/* the query groups by this table's i_start_time */
	kf_dataseries dataseries;	/* the planner's choice (dataseries_choice.c) */
} KfRelInfo;

/* Indexes into ForeignScan.fdw_private. */
typedef enum KfScanPrivateIndex
{
	KF_PRIVATE_RETRIEVED_ATTRS, /* IntList of attnos the engine returns, in order */
	KF_PRIVATE_SLICED,			/* Integer: 1 when the query groups by i_start_time */
	KF_PRIVATE_DATASERIES,		/* Integer: the planner's kf_dataseries */
	KF_PRIVATE_COUNT
} KfScanPrivateIndex;

/* ---------------------------------------------------------------- dataseries_choice.c */

/* What one execution reads: its dataseries, and the value of i_duration. */
typedef struct KfDataseriesChoice
{
	kf_dataseries dataseries;
	int64		duration_seconds;
} KfDataseriesChoice;

extern bool kf_enable_fast_dataseries;
extern void kf_define_dataseries_guc(void);
extern const char *kf_dataseries_name(kf_dataseries series);
extern kf_pred *kf_pred_for_planning(List *clauses, KfColumnMap *columns);
extern bool kf_groups_by_start_time(PlannerInfo *root, RelOptInfo *baserel, KfColumnMap *columns);
extern void kf_choose_dataseries(const KfTableOptions *opts, const kf_pred *where, bool sliced,
								 KfDataseriesChoice *choice);
extern void kf_time_window(const kf_pred *where, int64 *first, int64 *last);
extern double kf_stored_bytes(const KfTableOptions *opts, kf_dataseries series, int64 first, int64 last);
struct KfAggScanState;
extern void kf_choose_agg_dataseries(struct KfAggScanState *state, kf_agg_spec *spec);

/* Cost of opening an engine scan, and of the engine filtering a row (share of cpu_tuple_cost). */
#define KF_SCAN_STARTUP_COST 10.0
#define KF_ENGINE_ROW_COST_FACTOR 0.05

extern void kf_estimate_rel_size(PlannerInfo *root, RelOptInfo *baserel, KfRelInfo *info,
								 const kf_pred *conditions);
extern void kf_estimate_costs(PlannerInfo *root, RelOptInfo *baserel, KfRelInfo *info);

extern void kf_get_foreign_rel_size(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid);
extern void kf_get_foreign_paths(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid);
extern ForeignScan *kf_get_foreign_plan(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid,
										ForeignPath *best_path, List *tlist, List *scan_clauses,
										Plan *outer_plan);

/* ---------------------------------------------------------------- upper-path pushdown */

/* How one aggregate output of a pushed aggregation is made from the engine's aggregates. */
typedef enum KfOutputKind
{
	KF_OUT_COUNT,				/* count(*), count(col), count(DISTINCT col): bigint */
	KF_OUT_SUM_INT8,			/* sum(int4): bigint */
	KF_OUT_SUM_NUMERIC,			/* sum(int8): numeric */
	KF_OUT_AVG,					/* avg(int): numeric_div(sum, count), engine aggregates agg and agg + 1 */
	KF_OUT_VALUE,				/* min/max: the column's own type */
	KF_OUT_HLL,					/* f_hll: bigint estimate */
	KF_OUT_PERCENTILE,			/* f_percentile: the argument's integer type */
	KF_OUT_PERCENTILE_RATE		/* f_percentile_rate: float8, the chosen slice sum / slice_seconds */
} KfOutputKind;

typedef struct KfAggOutput
{
	KfOutputKind kind;
	int			agg;			/* (first) engine aggregate */
	Oid			typid;			/* result type */
} KfAggOutput;

/*
 * Everything a pushed aggregation needs besides the WHERE clauses: the engine's keys, aggregates,
 * HAVING, order and limit, and how the scan tuple (keys, then outputs) is made from the result.
 */
typedef struct KfAggPlan
{
	int			nkeys;
	kf_group_key *keys;
	Oid		   *key_types;		/* result type of each key */
	int		   *key_masklens;	/* ADDR keys: mask length of the returned inet, -1 = host */
	int			nouts;
	KfAggOutput *outs;
	int			naggs;
	kf_agg_item *aggs;
	int			nhaving;
	kf_having_item *having;
	int			norder;
	kf_order_item *order;
	bool		has_limit;
	uint64		limit;
	uint64		offset;
} KfAggPlan;

/* Planner state of a grouped, ordered or final relation pushed to the engine. */
typedef struct KfUpperInfo
{
	KfRelKind	kind;			/* KF_REL_UPPER */
	UpperRelationKind stage;
	RelOptInfo *baserel;
	KfRelInfo  *base;
	List	   *tlist;			/* fdw_scan_tlist: keys, then aggregate outputs */
	List	   *local_having;	/* HAVING conjuncts PostgreSQL evaluates on the scan's rows */
	KfAggPlan	plan;
	double		groups;			/* estimated groups before HAVING */
	double		rows;			/* estimated rows of this stage's result */
} KfUpperInfo;

/* Indexes into ForeignScan.fdw_private of a pushed aggregation (scanrelid 0). */
typedef enum KfAggPrivateIndex
{
	KF_AGG_PRIVATE_TABLE,		/* OidList: the foreign table */
	KF_AGG_PRIVATE_WHERE,		/* List of the pushed WHERE clauses */
	KF_AGG_PRIVATE_PLAN,		/* KfAggPlan flattened by kf_agg_plan_to_list */
	KF_AGG_PRIVATE_COUNT
} KfAggPrivateIndex;

extern void kf_get_foreign_upper_paths(PlannerInfo *root, UpperRelationKind stage,
									   RelOptInfo *input_rel, RelOptInfo *output_rel, void *extra);
extern bool kf_grouping_ok(PlannerInfo *root, KfUpperInfo *info, PathTarget *target,
						   Node *having_qual);
extern bool kf_order_item_for_expr(KfUpperInfo *info, Expr *expr, Oid opfamily, Oid collation,
								   kf_output_ref *ref);
extern ForeignScan *kf_get_upper_plan(PlannerInfo *root, RelOptInfo *upperrel, List *tlist,
									  Plan *outer_plan);
extern kf_having_item *kf_alloc_having_items(int n);
/* f_percentile_rate's slice length when the call gives none (per-minute rates). */
#define KF_DEFAULT_SLICE_SECONDS 60

extern void kf_restore_agg_params(KfAggPlan *plan, List *scan_tlist, KfColumnMap *columns);
extern double kf_slice_rate(__int128 sum, int64 slice_seconds);
extern List *kf_agg_plan_to_list(const KfAggPlan *plan);
extern void kf_agg_plan_from_list(List *list, KfAggPlan *plan);

/* ---------------------------------------------------------------- execution */

/* Executor state of one foreign scan. */
typedef struct KfScanState
{
	KfTableOptions options;
	KfColumnMap *columns;
	List	   *retrieved_attrs;	/* attnos, parallel to the engine's cols */
	int			ncols;
	kf_ecol    *cols;
	List	   *pushed_clauses; /* from fdw_exprs */
	List	   *local_clauses;	/* the plan's qual: they narrow the time window too */
	bool		sliced;			/* the query groups by i_start_time */
	KfDataseriesChoice choice;	/* the planner's, then this execution's (start_engine_scan) */
	MemoryContext scan_cxt;		/* lives as long as the scan node; owns the engine scan */
	MemoryContext batch_cxt;	/* reset for every batch */
	kf_scan    *scan;			/* NULL until the first fetch and after the end */
	bool		finished;
	kf_batch	batch;
	uint32		next_row;
	Datum	  **text_cache;		/* per STR column: one Datum per dictionary code of the batch */
	bool	  **text_cached;
	kf_scan_stats last_stats;	/* counters of scans already ended (rescans add up) */
} KfScanState;

extern void kf_begin_foreign_scan(ForeignScanState *node, int eflags);
extern TupleTableSlot *kf_iterate_foreign_scan(ForeignScanState *node);
extern void kf_rescan_foreign_scan(ForeignScanState *node);
extern void kf_end_foreign_scan(ForeignScanState *node);
extern kf_pred *kf_build_pushed_pred(List *clauses, KfColumnMap *columns, KfTranslateContext *ctx);
extern void kf_check_data_dir(const char *data_dir);

extern void kf_batch_prepare_text_cache(KfScanState *state);
extern void kf_store_batch_row(KfScanState *state, TupleTableSlot *slot, uint32 row);

extern Datum kf_int_to_datum(int64 value, Oid typid, const char *column);
extern Datum kf_addr_to_inet(kf_addr addr, int masklen);

extern void kf_explain_foreign_scan(ForeignScanState *node, ExplainState *es);

/* Executor state of a pushed aggregation. */
typedef struct KfAggScanState
{
	KfTableOptions options;
	KfColumnMap *columns;
	char	   *relname;
	List	   *where_clauses;
	KfAggPlan	plan;
	MemoryContext scan_cxt;		/* owns the engine aggregation (reset callback ends it) */
	MemoryContext spec_cxt;		/* the spec of the current run */
	MemoryContext row_cxt;		/* Datums of the current row */
	kf_agg	   *agg;			/* NULL before the first fetch and after the end */
	bool		finished;
	kf_agg_batch batch;
	uint32		next_row;
	kf_agg_stats last_stats;	/* counters of runs already ended (rescans add up) */
} KfAggScanState;

extern void kf_begin_aggregate_scan(ForeignScanState *node, int eflags);
extern TupleTableSlot *kf_iterate_aggregate_scan(ForeignScanState *node);
extern void kf_rescan_aggregate_scan(ForeignScanState *node);
extern void kf_end_aggregate_scan(ForeignScanState *node);
extern void kf_explain_aggregate_scan(ForeignScanState *node, ExplainState *es);
extern void kf_build_agg_spec(KfAggScanState *state, kf_agg_spec *spec);
extern void kf_store_agg_row(KfAggScanState *state, TupleTableSlot *slot, uint32 row);

/* ---------------------------------------------------------------- counters_scan.c */

extern void kf_counters_get_rel_size(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid,
									 const KfTableOptions *options);
extern void kf_counters_get_paths(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid);
extern ForeignScan *kf_counters_get_plan(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid,
										 ForeignPath *best_path, List *tlist, List *scan_clauses,
										 Plan *outer_plan);
extern void kf_counters_begin_scan(ForeignScanState *node, int eflags);
extern TupleTableSlot *kf_counters_iterate_scan(ForeignScanState *node);
extern void kf_counters_rescan(ForeignScanState *node);
extern void kf_counters_end_scan(ForeignScanState *node);
extern void kf_counters_explain_scan(ForeignScanState *node, ExplainState *es);
extern char *kf_counters_column_list(const char *time_type);

/* ---------------------------------------------------------------- import_schema.c */

extern List *kf_import_foreign_schema(ImportForeignSchemaStmt *stmt, Oid serverOid);

#endif							/* KENTIK_FDW_H */
