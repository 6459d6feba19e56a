/*-------------------------------------------------------------------------
 *
 * counters_scan.c
 *		  The interface_counters table: planning, scanning and EXPLAIN of a foreign table with
 *		  OPTIONS (table 'interface_counters'), which reads the sFlow interface counter files
 *		  (store/counter_file.h) instead of flows.
 *
 * Counter rows are few (one per interface every 20-30 seconds), so the scan is simple: the
 * conditions on ctimestamp and i_device_id that the flow pushdown can translate (the same time
 * dialect: ctimestamp > 3600 is the last hour) choose the device and hour directories and the
 * files to read, and rows outside the time window are skipped.  Every WHERE clause, these
 * included, stays in the plan's qual for PostgreSQL to evaluate, so results never depend on the
 * pruning being exact; nothing above the scan (grouping, sorting, limits) is pushed
 * (kentik_fdw.c declines the upper paths).
 *
 * Column types: the 32-bit counters and codes are bigint (unsigned values do not fit integer),
 * the 64-bit ones (if_speed, in_octets, out_octets) numeric (they may exceed bigint); a
 * user-defined table may declare either for either, and a value that does not fit its column is
 * an error naming the column.  if_admin_up and if_oper_up are the ifStatus bits as booleans.
 *
 * The memory a scan gets from the store (file lists, rows, the device list) is malloc'd and
 * released by a reset callback of the scan's context, so an ERROR or a cancel cannot leak it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <time.h>

#include "fdw/kentik_fdw.h"

#include "access/sysattr.h"
#include "access/table.h"
#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/planmain.h"
#include "optimizer/restrictinfo.h"
#include "store/counter_file.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/rel.h"

/* The columns of an interface_counters table. */
typedef enum KfCounterCol
{
	KF_CC_CTIMESTAMP,
	KF_CC_DEVICE_ID,
	KF_CC_DEVICE_NAME,
	KF_CC_IF_INDEX,
	KF_CC_IF_TYPE,
	KF_CC_IF_SPEED,
	KF_CC_IF_DIRECTION,
	KF_CC_IF_ADMIN_UP,
	KF_CC_IF_OPER_UP,
	KF_CC_IN_OCTETS,
	KF_CC_IN_UCAST_PKTS,
	KF_CC_IN_MCAST_PKTS,
	KF_CC_IN_BCAST_PKTS,
	KF_CC_IN_DISCARDS,
	KF_CC_IN_ERRORS,
	KF_CC_IN_UNKNOWN_PROTOS,
	KF_CC_OUT_OCTETS,
	KF_CC_OUT_UCAST_PKTS,
	KF_CC_OUT_MCAST_PKTS,
	KF_CC_OUT_BCAST_PKTS,
	KF_CC_OUT_DISCARDS,
	KF_CC_OUT_ERRORS,
	KF_CC_PROMISCUOUS,
	KF_CC_COUNT
} KfCounterCol;

/* How a column's values look, which decides the types it may be declared with. */
typedef enum KfCounterValue
{
	KF_CV_TIME,					/* kentik_time or bigint */
	KF_CV_DEVICE_ID,			/* integer or bigint */
	KF_CV_TEXT,					/* text */
	KF_CV_U32,					/* bigint (default) or numeric */
	KF_CV_U64,					/* numeric (default) or bigint */
	KF_CV_BOOL					/* boolean */
} KfCounterValue;

typedef struct KfCounterColumnDesc
{
	const char *name;
	KfCounterValue value;
	const char *import_type;	/* the type IMPORT FOREIGN SCHEMA declares; NULL = kentik_time */
} KfCounterColumnDesc;

static const KfCounterColumnDesc counter_columns[KF_CC_COUNT] = {
	[KF_CC_CTIMESTAMP] = {"ctimestamp", KF_CV_TIME, NULL},
	[KF_CC_DEVICE_ID] = {"i_device_id", KF_CV_DEVICE_ID, "integer"},
	[KF_CC_DEVICE_NAME] = {"i_device_name", KF_CV_TEXT, "text"},
	[KF_CC_IF_INDEX] = {"if_index", KF_CV_U32, "bigint"},
	[KF_CC_IF_TYPE] = {"if_type", KF_CV_U32, "bigint"},
	[KF_CC_IF_SPEED] = {"if_speed", KF_CV_U64, "numeric"},
	[KF_CC_IF_DIRECTION] = {"if_direction", KF_CV_U32, "bigint"},
	[KF_CC_IF_ADMIN_UP] = {"if_admin_up", KF_CV_BOOL, "boolean"},
	[KF_CC_IF_OPER_UP] = {"if_oper_up", KF_CV_BOOL, "boolean"},
	[KF_CC_IN_OCTETS] = {"in_octets", KF_CV_U64, "numeric"},
	[KF_CC_IN_UCAST_PKTS] = {"in_ucast_pkts", KF_CV_U32, "bigint"},
	[KF_CC_IN_MCAST_PKTS] = {"in_mcast_pkts", KF_CV_U32, "bigint"},
	[KF_CC_IN_BCAST_PKTS] = {"in_bcast_pkts", KF_CV_U32, "bigint"},
	[KF_CC_IN_DISCARDS] = {"in_discards", KF_CV_U32, "bigint"},
	[KF_CC_IN_ERRORS] = {"in_errors", KF_CV_U32, "bigint"},
	[KF_CC_IN_UNKNOWN_PROTOS] = {"in_unknown_protos", KF_CV_U32, "bigint"},
	[KF_CC_OUT_OCTETS] = {"out_octets", KF_CV_U64, "numeric"},
	[KF_CC_OUT_UCAST_PKTS] = {"out_ucast_pkts", KF_CV_U32, "bigint"},
	[KF_CC_OUT_MCAST_PKTS] = {"out_mcast_pkts", KF_CV_U32, "bigint"},
	[KF_CC_OUT_BCAST_PKTS] = {"out_bcast_pkts", KF_CV_U32, "bigint"},
	[KF_CC_OUT_DISCARDS] = {"out_discards", KF_CV_U32, "bigint"},
	[KF_CC_OUT_ERRORS] = {"out_errors", KF_CV_U32, "bigint"},
	[KF_CC_PROMISCUOUS] = {"promiscuous", KF_CV_U32, "bigint"},
};

/* How the attributes of an interface_counters table map to its columns. */
typedef struct KfCounterColumns
{
	int			natts;
	int		   *col_of_attno;	/* KfCounterCol of each attribute, -1 for dropped ones */
	Oid		   *type_of_attno;
	KfColumnMap *prune_map;		/* ctimestamp and i_device_id as engine columns, for translation */
} KfCounterColumns;

/* Planner state of an interface_counters relation (baserel->fdw_private). */
typedef struct KfCountersRelInfo
{
	KfRelKind	kind;			/* KF_REL_COUNTERS */
	KfTableOptions options;
	KfCounterColumns *columns;
	List	   *prune_conds;	/* RestrictInfos on ctimestamp / i_device_id that choose files */
	Bitmapset  *attrs_used;		/* attnos (offset by FirstLowInvalidHeapAttributeNumber) the query reads */
	double		stored_rows;	/* rows in the files the time window admits */
	double		stored_pages;
} KfCountersRelInfo;

/* Executor state of an interface_counters scan. */
typedef struct KfCountersScanState
{
	KfTableOptions options;		/* first, for kentik_fdw.c's dispatch */
	KfCounterColumns *columns;
	List	   *prune_clauses;	/* from fdw_exprs */
	bool	   *wanted;			/* per attribute: the query reads it (others are returned as NULL) */
	MemoryContext scan_cxt;		/* lives as long as the node; its reset callback frees store memory */
	MemoryContext row_cxt;		/* Datums of the current row */
	bool		started;
	bool		finished;
	int64		first;			/* the time window of this execution */
	int64		last;
	kf_counter_file_list files; /* malloc'd by the store */
	size_t		next_file;
	kf_counter_file current;	/* malloc'd by the store; rows of files[next_file - 1] */
	size_t		next_row;
	kf_device_list devices;		/* DIR/devices, for i_device_name */
	uint64		files_read;		/* for EXPLAIN ANALYZE, summed over rescans */
	uint64		rows_read;
} KfCountersScanState;

/* ---------------------------------------------------------------- columns */

static bool
counter_type_is_compatible(KfCounterValue value, Oid typid)
{
	switch (value)
	{
		case KF_CV_TIME:
			return kf_is_kentik_time_type(typid) || typid == INT8OID;
		case KF_CV_DEVICE_ID:
			return typid == INT4OID || typid == INT8OID;
		case KF_CV_TEXT:
			return typid == TEXTOID;
		case KF_CV_U32:
		case KF_CV_U64:
			return typid == INT8OID || typid == NUMERICOID;
		case KF_CV_BOOL:
			return typid == BOOLOID;
	}
	return false;
}

/*
 * build_counter_columns maps every live attribute of rel to its counter column, raising an error
 * for an unknown column or a type its values cannot be returned as.
 */
static KfCounterColumns *
build_counter_columns(Relation rel)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	KfCounterColumns *cols = palloc(sizeof(KfCounterColumns));
	KfColumnMap *map = palloc(sizeof(KfColumnMap));

	cols->natts = tupdesc->natts;
	cols->col_of_attno = palloc(sizeof(int) * Max(tupdesc->natts, 1));
	cols->type_of_attno = palloc(sizeof(Oid) * Max(tupdesc->natts, 1));
	map->natts = tupdesc->natts;
	map->ecol_of_attno = palloc(sizeof(int) * Max(tupdesc->natts, 1));
	map->type_of_attno = cols->type_of_attno;
	cols->prune_map = map;
	for (int i = 0; i < tupdesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, i);
		int			col = -1;

		cols->type_of_attno[i] = att->atttypid;
		cols->col_of_attno[i] = -1;
		map->ecol_of_attno[i] = -1;
		if (att->attisdropped)
			continue;
		for (int c = 0; c < KF_CC_COUNT; c++)
			if (strcmp(NameStr(att->attname), counter_columns[c].name) == 0)
				col = c;
		if (col < 0)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_COLUMN_NAME),
					 errmsg("column \"%s\" of foreign table \"%s\" is not an interface counters column",
							NameStr(att->attname), RelationGetRelationName(rel)),
					 errhint("IMPORT FOREIGN SCHEMA kentik creates interface_counters with every column.")));
		if (!counter_type_is_compatible(counter_columns[col].value, att->atttypid))
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
					 errmsg("column \"%s\" of foreign table \"%s\" cannot have type %s",
							NameStr(att->attname), RelationGetRelationName(rel),
							format_type_be(att->atttypid))));
		cols->col_of_attno[i] = col;
		if (col == KF_CC_CTIMESTAMP)
			map->ecol_of_attno[i] = KF_E_CTIMESTAMP;
		else if (col == KF_CC_DEVICE_ID)
			map->ecol_of_attno[i] = KF_E_DEVICE_ID;
	}
	return cols;
}

static KfCounterColumns *
counter_columns_of(Oid foreigntableid)
{
	Relation	rel = table_open(foreigntableid, NoLock);
	KfCounterColumns *cols = build_counter_columns(rel);

	table_close(rel, NoLock);
	return cols;
}

/* kf_counters_column_list returns the column list IMPORT FOREIGN SCHEMA declares. */
char *
kf_counters_column_list(const char *time_type)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int c = 0; c < KF_CC_COUNT; c++)
		appendStringInfo(&buf, "%s  %s %s", c > 0 ? ",\n" : "", counter_columns[c].name,
						 counter_columns[c].import_type ? counter_columns[c].import_type : time_type);
	return buf.data;
}

/* ---------------------------------------------------------------- the window and the devices */

/* The devices a table and its conditions admit: every one, or devices[0..count). */
typedef struct KfDeviceChoice
{
	bool		restricted;
	uint32	   *devices;
	size_t		count;
} KfDeviceChoice;

/* Keeps in choice only the devices that are also among values[0..n). */
static void
intersect_devices(KfDeviceChoice *choice, const int64 *values, uint32 n)
{
	size_t		kept = 0;

	if (!choice->restricted)
	{
		choice->devices = palloc(sizeof(uint32) * Max(n, 1));
		for (uint32 i = 0; i < n; i++)
			if (values[i] > 0 && values[i] <= PG_UINT32_MAX)
				choice->devices[kept++] = (uint32) values[i];
		choice->restricted = true;
		choice->count = kept;
		return;
	}
	for (size_t i = 0; i < choice->count; i++)
	{
		bool		listed = false;

		for (uint32 j = 0; j < n && !listed; j++)
			listed = values[j] == (int64) choice->devices[i];
		if (listed)
			choice->devices[kept++] = choice->devices[i];
	}
	choice->count = kept;
}

/* Narrows choice by the i_device_id = N and i_device_id IN (...) conjuncts of where. */
static void
read_device_conditions(const kf_pred *where, KfDeviceChoice *choice)
{
	if (where == NULL)
		return;
	if (where->type == KF_P_AND)
	{
		for (uint32 i = 0; i < where->nchildren; i++)
			read_device_conditions(where->children[i], choice);
		return;
	}
	if (where->type == KF_P_INT_CMP && where->col == KF_E_DEVICE_ID && where->op == KF_OP_EQ)
		intersect_devices(choice, &where->value.i, 1);
	else if (where->type == KF_P_INT_IN && where->col == KF_E_DEVICE_ID)
		intersect_devices(choice, where->values.ints, where->nvalues);
}

/* The devices of a table (its device_id option) and of its conditions. */
static KfDeviceChoice
choose_devices(const KfTableOptions *opts, const kf_pred *where)
{
	KfDeviceChoice choice = {false, NULL, 0};

	if (opts->device_id != 0)
	{
		int64		id = opts->device_id;

		intersect_devices(&choice, &id, 1);
	}
	read_device_conditions(where, &choice);
	return choice;
}

/*
 * list_counter_files lists the files a window and device choice admit; first > last or an empty
 * device choice lists nothing.  Errors name the data directory.
 */
static void
list_counter_files(const KfTableOptions *opts, const KfDeviceChoice *devices, int64 first, int64 last,
				   kf_counter_file_list *files)
{
	kf_error	err;

	files->files = NULL;
	files->count = 0;
	if (devices->restricted && devices->count == 0)
		return;
	if (kf_counter_files_list(opts->data_dir, devices->devices, devices->restricted ? devices->count : 0,
							  first, last, files, &err) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_IO_ERROR),
				 errmsg("could not list kentik interface counters: %s", err.msg)));
}

/* ---------------------------------------------------------------- planning */

/*
 * kf_counters_get_rel_size checks the table's columns, picks the conditions that choose files and
 * estimates the rows from the files of the window those conditions admit at plan time.
 */
void
kf_counters_get_rel_size(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid,
						 const KfTableOptions *options)
{
	KfCountersRelInfo *info = palloc0(sizeof(KfCountersRelInfo));
	KfTranslateContext ctx = {0};
	ListCell   *lc;
	kf_pred    *conditions;
	KfDeviceChoice devices;
	kf_counter_file_list files;
	int64		first,
				last;

	info->kind = KF_REL_COUNTERS;
	info->options = *options;
	info->columns = counter_columns_of(foreigntableid);
	baserel->fdw_private = info;

	ctx.columns = info->columns->prune_map;
	foreach(lc, baserel->baserestrictinfo)
	{
		RestrictInfo *rinfo = lfirst_node(RestrictInfo, lc);

		if (kf_enable_pushdown && !rinfo->pseudoconstant && kf_translate_clause(&ctx, rinfo->clause) != NULL)
			info->prune_conds = lappend(info->prune_conds, rinfo);
	}

	/* the columns to fill: those of the target list and of the conditions (all evaluated locally) */
	pull_varattnos((Node *) baserel->reltarget->exprs, baserel->relid, &info->attrs_used);
	foreach(lc, baserel->baserestrictinfo)
		pull_varattnos((Node *) lfirst_node(RestrictInfo, lc)->clause, baserel->relid, &info->attrs_used);

	conditions = kf_pred_for_planning(info->prune_conds, info->columns->prune_map);
	kf_time_window(conditions, &first, &last);
	devices = choose_devices(&info->options, conditions);
	list_counter_files(&info->options, &devices, first, last, &files);
	for (size_t i = 0; i < files.count; i++)
	{
		/* a file spans its name's seconds; rows are spread over about one per 20 s and interface */
		double		span = (double) (files.files[i].max_ts - files.files[i].min_ts + 1);

		info->stored_rows += Max(span / 20.0, 1.0);
	}
	kf_counter_file_list_free(&files);
	info->stored_pages = Max(info->stored_rows * KF_COUNTER_RECORD_SIZE / BLCKSZ, 1.0);
	baserel->tuples = info->stored_rows;
	baserel->rows = clamp_row_est(info->stored_rows *
								  clauselist_selectivity(root, baserel->baserestrictinfo, baserel->relid,
														 JOIN_INNER, NULL));
}

/* kf_counters_get_paths offers the one access path: a scan of the admitted files. */
void
kf_counters_get_paths(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	KfCountersRelInfo *info = (KfCountersRelInfo *) baserel->fdw_private;
	QualCost	qual_cost;
	Cost		startup,
				total;

	cost_qual_eval(&qual_cost, baserel->baserestrictinfo, root);
	startup = KF_SCAN_STARTUP_COST + qual_cost.startup + baserel->reltarget->cost.startup;
	total = startup + seq_page_cost * info->stored_pages +
		(cpu_tuple_cost + qual_cost.per_tuple) * info->stored_rows +
		baserel->reltarget->cost.per_tuple * baserel->rows;
	add_path(baserel, (Path *) create_foreignscan_path(root, baserel, NULL, baserel->rows, startup, total,
													   NIL, NULL, NULL, NIL));
}

/* wanted_attrs lists the attnos the scan fills: the used ones, or all for a whole-row Var. */
static List *
wanted_attrs(KfCountersRelInfo *info)
{
	bool		whole_row = bms_is_member(0 - FirstLowInvalidHeapAttributeNumber, info->attrs_used);
	List	   *attrs = NIL;

	for (int attno = 1; attno <= info->columns->natts; attno++)
		if (whole_row || bms_is_member(attno - FirstLowInvalidHeapAttributeNumber, info->attrs_used))
			attrs = lappend_int(attrs, attno);
	return attrs;
}

/*
 * kf_counters_get_plan builds the ForeignScan: every clause is the node's qual; the ones that
 * choose files are also its fdw_exprs (setrefs fixes them there too).  fdw_private is the IntList
 * of the attnos the scan fills.
 */
ForeignScan *
kf_counters_get_plan(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid, ForeignPath *best_path,
					 List *tlist, List *scan_clauses, Plan *outer_plan)
{
	KfCountersRelInfo *info = (KfCountersRelInfo *) baserel->fdw_private;
	List	   *prune_exprs = NIL;
	ListCell   *lc;

	foreach(lc, info->prune_conds)
		prune_exprs = lappend(prune_exprs, lfirst_node(RestrictInfo, lc)->clause);
	return make_foreignscan(tlist, extract_actual_clauses(scan_clauses, false), baserel->relid, prune_exprs,
							list_make1(wanted_attrs(info)), NIL, NIL, outer_plan);
}

/* ---------------------------------------------------------------- execution */

/* Frees what the store allocated for the scan; the context's reset callback, also on ERROR. */
static void
release_store_memory(void *arg)
{
	KfCountersScanState *state = (KfCountersScanState *) arg;

	kf_counter_file_free(&state->current);
	kf_counter_file_list_free(&state->files);
	kf_device_list_free(&state->devices);
}

/* kf_counters_begin_scan prepares the state; files are listed at the first fetch (Params). */
void
kf_counters_begin_scan(ForeignScanState *node, int eflags)
{
	ForeignScan *plan = (ForeignScan *) node->ss.ps.plan;
	KfCountersScanState *state = palloc0(sizeof(KfCountersScanState));
	MemoryContextCallback *callback;
	ListCell   *lc;

	node->fdw_state = state;
	kf_get_table_options(RelationGetRelid(node->ss.ss_currentRelation), &state->options);
	state->columns = build_counter_columns(node->ss.ss_currentRelation);
	state->prune_clauses = plan->fdw_exprs;
	state->wanted = palloc0(sizeof(bool) * Max(state->columns->natts, 1));
	foreach(lc, (List *) linitial(plan->fdw_private))
		state->wanted[lfirst_int(lc) - 1] = true;
	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;
	state->scan_cxt = AllocSetContextCreate(node->ss.ps.state->es_query_cxt, "kentik_fdw counters",
											ALLOCSET_SMALL_SIZES);
	state->row_cxt = AllocSetContextCreate(state->scan_cxt, "kentik_fdw counters row", ALLOCSET_SMALL_SIZES);
	callback = MemoryContextAlloc(state->scan_cxt, sizeof(MemoryContextCallback));
	callback->func = release_store_memory;
	callback->arg = state;
	MemoryContextRegisterResetCallback(state->scan_cxt, callback);
}

/* start_scan evaluates the file-choosing clauses for this execution and lists the files. */
static void
start_scan(KfCountersScanState *state, ForeignScanState *node)
{
	MemoryContext old = MemoryContextSwitchTo(state->row_cxt);
	KfTranslateContext ctx = {0};
	kf_pred    *pred;
	KfDeviceChoice devices;
	kf_error	err;

	kf_check_data_dir(state->options.data_dir);
	ctx.build_values = true;
	ctx.econtext = node->ss.ps.ps_ExprContext;
	ctx.parent = &node->ss.ps;
	pred = kf_build_pushed_pred(state->prune_clauses, state->columns->prune_map, &ctx);
	kf_time_window(pred, &state->first, &state->last);
	devices = choose_devices(&state->options, pred);
	list_counter_files(&state->options, &devices, state->first, state->last, &state->files);
	if (kf_devices_load(state->options.data_dir, &state->devices, &err) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_IO_ERROR),
				 errmsg("could not read the device list: %s", err.msg)));
	MemoryContextSwitchTo(old);
	MemoryContextReset(state->row_cxt);
	state->started = true;
	state->next_file = 0;
	state->next_row = 0;
}

/* next_file reads the next listed file into state->current; false when none is left. */
static bool
next_file(KfCountersScanState *state)
{
	kf_error	err;

	kf_counter_file_free(&state->current);
	state->next_row = 0;
	if (state->next_file >= state->files.count)
		return false;
	CHECK_FOR_INTERRUPTS();
	if (kf_counter_file_read_listed(&state->files.files[state->next_file++], &state->current, &err) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("could not read kentik interface counters: %s", err.msg)));
	state->files_read++;
	state->rows_read += state->current.count;
	return true;
}

/* A 64-bit counter as numeric, or as bigint when it fits; column names it in errors. */
static Datum
u64_datum(uint64 value, Oid typid, const char *column)
{
	char		text[24];

	if (typid == INT8OID)
	{
		if (value > (uint64) PG_INT64_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("value " UINT64_FORMAT " of column \"%s\" is out of range for type bigint",
							value, column),
					 errhint("Declare the column as numeric.")));
		return Int64GetDatum((int64) value);
	}
	if (value <= (uint64) PG_INT64_MAX)
		return DirectFunctionCall1(int8_numeric, Int64GetDatum((int64) value));
	snprintf(text, sizeof(text), UINT64_FORMAT, value);
	return DirectFunctionCall3(numeric_in, CStringGetDatum(text), ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
}

/* The name of a device: its registry name, or its id in decimal when it is not listed. */
static Datum
device_name_datum(const KfCountersScanState *state, uint32 device_id)
{
	const kf_device *device = kf_device_list_find(&state->devices, device_id);

	return device ? CStringGetTextDatum(device->name) : CStringGetTextDatum(psprintf("%u", device_id));
}

/* The raw value of one of the 32-bit columns of row r. */
static uint32
u32_field(KfCounterCol col, const kf_counter_row *r)
{
	switch (col)
	{
		case KF_CC_IF_INDEX: return r->if_index;
		case KF_CC_IF_TYPE: return r->if_type;
		case KF_CC_IF_DIRECTION: return r->if_direction;
		case KF_CC_IN_UCAST_PKTS: return r->in_ucast_pkts;
		case KF_CC_IN_MCAST_PKTS: return r->in_mcast_pkts;
		case KF_CC_IN_BCAST_PKTS: return r->in_bcast_pkts;
		case KF_CC_IN_DISCARDS: return r->in_discards;
		case KF_CC_IN_ERRORS: return r->in_errors;
		case KF_CC_IN_UNKNOWN_PROTOS: return r->in_unknown_protos;
		case KF_CC_OUT_UCAST_PKTS: return r->out_ucast_pkts;
		case KF_CC_OUT_MCAST_PKTS: return r->out_mcast_pkts;
		case KF_CC_OUT_BCAST_PKTS: return r->out_bcast_pkts;
		case KF_CC_OUT_DISCARDS: return r->out_discards;
		case KF_CC_OUT_ERRORS: return r->out_errors;
		case KF_CC_PROMISCUOUS: return r->promiscuous;
		default:
			elog(ERROR, "kentik_fdw: interface counters column %d is not a 32-bit counter", (int) col);
	}
	return 0;					/* keep the compiler quiet */
}

/* The value of column col of row r, of device device_id, as type typid. */
static Datum
counter_datum(const KfCountersScanState *state, KfCounterCol col, const kf_counter_row *r, uint32 device_id,
			  Oid typid)
{
	const char *name = counter_columns[col].name;

	switch (col)
	{
		case KF_CC_CTIMESTAMP:
			return Int64GetDatum(r->ctimestamp);
		case KF_CC_DEVICE_ID:
			return kf_int_to_datum(device_id, typid, name);
		case KF_CC_DEVICE_NAME:
			return device_name_datum(state, device_id);
		case KF_CC_IF_ADMIN_UP:
			return BoolGetDatum((r->if_status & KF_IF_STATUS_ADMIN_UP) != 0);
		case KF_CC_IF_OPER_UP:
			return BoolGetDatum((r->if_status & KF_IF_STATUS_OPER_UP) != 0);
		case KF_CC_IF_SPEED:
			return u64_datum(r->if_speed, typid, name);
		case KF_CC_IN_OCTETS:
			return u64_datum(r->in_octets, typid, name);
		case KF_CC_OUT_OCTETS:
			return u64_datum(r->out_octets, typid, name);
		default:
			break;
	}
	if (typid == NUMERICOID)
		return DirectFunctionCall1(int8_numeric, Int64GetDatum(u32_field(col, r)));
	return Int64GetDatum(u32_field(col, r));
}

/* store_row fills the slot with row r of the current file. */
static void
store_row(KfCountersScanState *state, TupleTableSlot *slot, const kf_counter_row *r)
{
	Datum	   *values = slot->tts_values;
	bool	   *nulls = slot->tts_isnull;

	ExecClearTuple(slot);
	for (int attno = 1; attno <= state->columns->natts; attno++)
	{
		int			col = state->columns->col_of_attno[attno - 1];

		nulls[attno - 1] = col < 0 || !state->wanted[attno - 1];
		if (!nulls[attno - 1])
			values[attno - 1] = counter_datum(state, (KfCounterCol) col, r, state->current.device_id,
											  state->columns->type_of_attno[attno - 1]);
	}
	ExecStoreVirtualTuple(slot);
}

/* kf_counters_iterate_scan returns the next row inside the time window, or an empty slot at the end. */
TupleTableSlot *
kf_counters_iterate_scan(ForeignScanState *node)
{
	KfCountersScanState *state = (KfCountersScanState *) node->fdw_state;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;
	const kf_counter_row *r;
	MemoryContext old;

	if (!state->started)
		start_scan(state, node);
	MemoryContextReset(state->row_cxt);
	while (!state->finished)
	{
		if (state->next_row >= state->current.count)
		{
			if (!next_file(state))
				state->finished = true;
			continue;
		}
		r = &state->current.rows[state->next_row++];
		if (r->ctimestamp < state->first || r->ctimestamp > state->last)
			continue;
		old = MemoryContextSwitchTo(state->row_cxt);
		store_row(state, slot, r);
		MemoryContextSwitchTo(old);
		return slot;
	}
	return ExecClearTuple(slot);
}

/* kf_counters_rescan forgets the listing; the next fetch lists again (Params may have changed). */
void
kf_counters_rescan(ForeignScanState *node)
{
	KfCountersScanState *state = (KfCountersScanState *) node->fdw_state;

	release_store_memory(state);
	MemoryContextReset(state->row_cxt);
	state->started = false;
	state->finished = false;
	state->next_file = 0;
	state->next_row = 0;
}

/* kf_counters_end_scan frees the scan's memory (and, through the callback, the store's). */
void
kf_counters_end_scan(ForeignScanState *node)
{
	KfCountersScanState *state = (KfCountersScanState *) node->fdw_state;

	if (state == NULL || state->scan_cxt == NULL)
		return;					/* EXPLAIN without ANALYZE */
	MemoryContextDelete(state->scan_cxt);
	state->scan_cxt = NULL;
	state->row_cxt = NULL;
}

/* ---------------------------------------------------------------- EXPLAIN */

/* Formats an hour start as "YYYY-MM-DD HH:00" (UTC). */
static char *
hour_text(int64 hour)
{
	time_t		t = (time_t) hour;
	struct tm	tm;
	char		buf[32];

	if (gmtime_r(&t, &tm) == NULL || strftime(buf, sizeof(buf), "%Y-%m-%d %H:00", &tm) == 0)
		return psprintf(INT64_FORMAT, hour);
	return pstrdup(buf);
}

/*
 * explain_hours shows the hours the scan reads, from the conditions that can be evaluated now
 * (the same as the plan-time estimate): up to four hours by name, else the first and the last;
 * then how many device-hours and files that is.
 */
static void
explain_hours(KfCountersScanState *state, ExplainState *es)
{
	kf_pred    *conditions = kf_pred_for_planning(state->prune_clauses, state->columns->prune_map);
	KfDeviceChoice devices = choose_devices(&state->options, conditions);
	kf_counter_file_list files;
	StringInfoData buf;
	int64		first,
				last;
	int64		previous_hour = PG_INT64_MIN;
	uint32		previous_device = 0;
	size_t		device_hours = 0;
	List	   *hours = NIL;

	kf_time_window(conditions, &first, &last);
	list_counter_files(&state->options, &devices, first, last, &files);
	for (size_t i = 0; i < files.count; i++)
	{
		const kf_counter_file_info *f = &files.files[i];
		ListCell   *lc;
		bool		known = false;

		if (f->hour != previous_hour || f->device_id != previous_device)
			device_hours++;
		previous_hour = f->hour;
		previous_device = f->device_id;
		foreach(lc, hours)
			known = known || *(int64 *) lfirst(lc) == f->hour;
		if (!known)
		{
			int64	   *h = palloc(sizeof(int64));

			*h = f->hour;
			hours = lappend(hours, h);
		}
	}
	initStringInfo(&buf);
	if (hours == NIL)
		appendStringInfoString(&buf, "none");
	else
	{
		int64		lo = PG_INT64_MAX,
					hi = PG_INT64_MIN;
		ListCell   *lc;

		foreach(lc, hours)
		{
			lo = Min(lo, *(int64 *) lfirst(lc));
			hi = Max(hi, *(int64 *) lfirst(lc));
		}
		if (list_length(hours) <= 4)
		{
			/* in time order: at most four, so a selection pass each is fine */
			int64		next = lo;

			for (int n = 0; n < list_length(hours); n++)
			{
				int64		after = PG_INT64_MAX;

				appendStringInfo(&buf, "%s%s", n > 0 ? ", " : "", hour_text(next));
				foreach(lc, hours)
					if (*(int64 *) lfirst(lc) > next)
						after = Min(after, *(int64 *) lfirst(lc));
				next = after;
			}
		}
		else
			appendStringInfo(&buf, "%s .. %s (%d hours)", hour_text(lo), hour_text(hi), list_length(hours));
		appendStringInfo(&buf, " UTC, %zu device-hour%s, %zu file%s", device_hours, device_hours == 1 ? "" : "s",
						 files.count, files.count == 1 ? "" : "s");
	}
	kf_counter_file_list_free(&files);
	ExplainPropertyText("Kentik Counter Hours", buf.data, es);
}

/* kf_counters_explain_scan shows that the scan reads interface counters, and which hours. */
void
kf_counters_explain_scan(ForeignScanState *node, ExplainState *es)
{
	KfCountersScanState *state = (KfCountersScanState *) node->fdw_state;

	ExplainPropertyText("Kentik Table", "interface_counters", es);
	if (es->verbose)
	{
		KfTranslateContext ctx = {0};
		kf_pred    *pred;

		if (state->options.device_id == 0)
			ExplainPropertyText("Kentik Device", "all", es);
		else
			ExplainPropertyInteger("Kentik Device", NULL, state->options.device_id, es);
		ctx.deparse_cxt = es->deparse_cxt;
		pred = kf_build_pushed_pred(state->prune_clauses, state->columns->prune_map, &ctx);
		if (pred != NULL)
			ExplainPropertyText("Kentik Counter Files By", kf_format_pred_for_display(&ctx, pred), es);
	}
	explain_hours(state, es);
	if (es->analyze)
	{
		ExplainPropertyInteger("Kentik Counter Files Read", NULL, (int64) state->files_read, es);
		ExplainPropertyInteger("Kentik Counter Rows Read", NULL, (int64) state->rows_read, es);
	}
}
