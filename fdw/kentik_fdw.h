/*-------------------------------------------------------------------------
 *
 * kentik_fdw.h
 *		  Private declarations shared by the files of the kentik_fdw extension.
 *
 * The extension is split by concern: kentik_fdw.c (handler, GUCs), options.c, import_schema.c,
 * kentik_time.c (the time dialect), column_map.c (table columns -> engine columns),
 * qual_pushdown.c (WHERE clauses -> kf_pred), planner.c and estimates.c (planning), scan.c
 * (executor callbacks), datum_conversion.c (engine values -> Datums) and explain.c.
 *
 * Planner state lives in one KfRelInfo per base relation (baserel->fdw_private).  What the
 * executor needs is passed through ForeignScan.fdw_private as a List indexed by
 * KfScanPrivateIndex (so it survives copyObject), and the pushed clauses themselves travel in
 * ForeignScan.fdw_exprs so that setrefs fixes their Vars and Params like any other expression;
 * they are translated again into a kf_pred tree when the scan starts.
 *
 *-------------------------------------------------------------------------
 */
#ifndef KENTIK_FDW_H
#define KENTIK_FDW_H

#include "postgres.h"

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

/* ---------------------------------------------------------------- options.c */

/* The options of one foreign table, merged from its server and itself. */
typedef struct KfTableOptions
{
	char	   *data_dir;		/* absolute path */
	uint32		device_id;		/* 0 = all devices */
} KfTableOptions;

extern void kf_get_table_options(Oid foreigntableid, KfTableOptions *opts);
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
extern kf_pred *kf_pred_and(List *preds);
extern char *kf_format_pred_for_display(KfTranslateContext *ctx, const kf_pred *pred);

/* ---------------------------------------------------------------- planning */

/* Planner state of one foreign base relation (baserel->fdw_private). */
typedef struct KfRelInfo
{
	KfTableOptions options;
	KfColumnMap *columns;
	List	   *pushed_conds;	/* RestrictInfos translated into the kf_pred tree */
	List	   *local_conds;	/* RestrictInfos PostgreSQL evaluates */
	Bitmapset  *attrs_used;		/* attnos (offset by FirstLowInvalidHeapAttributeNumber) */
	double		stored_rows;	/* estimated rows in the parts the scan may read */
	double		stored_pages;	/* their size in blocks */
	Cost		startup_cost;
	Cost		total_cost;
} KfRelInfo;

/* Indexes into ForeignScan.fdw_private. */
typedef enum KfScanPrivateIndex
{
	KF_PRIVATE_RETRIEVED_ATTRS, /* IntList of attnos the engine returns, in order */
	KF_PRIVATE_COUNT
} KfScanPrivateIndex;

extern void kf_estimate_rel_size(PlannerInfo *root, RelOptInfo *baserel, KfRelInfo *info);
extern void kf_estimate_costs(PlannerInfo *root, RelOptInfo *baserel, KfRelInfo *info);

extern void kf_get_foreign_rel_size(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid);
extern void kf_get_foreign_paths(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid);
extern ForeignScan *kf_get_foreign_plan(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid,
										ForeignPath *best_path, List *tlist, List *scan_clauses,
										Plan *outer_plan);

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
extern kf_pred *kf_build_scan_pred(KfScanState *state, KfTranslateContext *ctx);

extern void kf_batch_prepare_text_cache(KfScanState *state);
extern void kf_store_batch_row(KfScanState *state, TupleTableSlot *slot, uint32 row);

extern void kf_explain_foreign_scan(ForeignScanState *node, ExplainState *es);

/* ---------------------------------------------------------------- import_schema.c */

extern List *kf_import_foreign_schema(ImportForeignSchemaStmt *stmt, Oid serverOid);

#endif							/* KENTIK_FDW_H */
