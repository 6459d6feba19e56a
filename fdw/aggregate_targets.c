/*-------------------------------------------------------------------------
 *
 * aggregate_targets.c
 *		  Decides whether the grouping, aggregates, HAVING and ORDER BY of a query over one kentik
 *		  table can run in the engine, and describes them as a KfAggPlan.
 *
 * Like qual_pushdown.c this is a whitelist: every key, aggregate and condition is recognised
 * here with the exact PostgreSQL semantics the engine reproduces, or the whole aggregation stays
 * in PostgreSQL.  Recognised:
 *	- keys: a column; (col / w) * w on an integer column (C truncation, as int8/int4 division);
 *	  date_bin(fixed interval of whole seconds, i_start_time, origin of whole seconds);
 *	  network(set_masklen(ipv4 column, n)) (a prefix of the IPv4 address); set_masklen(col, n) for
 *	  n <= 32 (the address itself, returned with mask length n);
 *	- aggregates: count(*), count(col), count(DISTINCT col), sum/avg of integer columns, min/max of
 *	  integer, inet, timestamptz and (C collation) text columns; no FILTER, ORDER BY, other DISTINCT;
 *	  Kentik's f_ aggregates of this extension (kentik_fdw--1.0.sql): f_sum, f_avg, f_min, f_max,
 *	  f_count as their built-in twins, f_countdistinct as count(DISTINCT), and f_hll,
 *	  f_percentile, f_percentile_rate as the engine's HLL / PERCENTILE / PERCENTILE_RATE with
 *	  constant parameters (invalid ones stay in PostgreSQL, which reports them);
 *	- HAVING: "output op integer constant" conjuncts go to the engine; the others stay local as
 *	  the scan's own qual, provided the aggregates they use are pushed too;
 *	- ORDER BY: keys and aggregates under their type's default btree ordering (text only in the C
 *	  collation), ascending or descending, NULLS FIRST or LAST.
 *
 * The scan's target list (fdw_scan_tlist) is the keys followed by the aggregate outputs; an avg
 * is one output made of two engine aggregates (sum and count).  The parameters of the f_ engine
 * aggregates (precision, rank, slice column and length) are not part of the flattened plan in
 * fdw_private: kf_restore_agg_params reads them again from the Aggrefs of fdw_scan_tlist, with
 * the same code that recognised them.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fdw/kentik_fdw.h"

#include "access/htup_details.h"
#include "access/stratnum.h"
#include "catalog/dependency.h"
#include "catalog/pg_am.h"
#include "catalog/pg_aggregate.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "engine/hll.h"
#include "engine/percentile.h"
#include "parser/parse_func.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "optimizer/tlist.h"
#include "utils/builtins.h"
#include "utils/catcache.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/pg_locale.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

/* What kf_grouping_ok collects before it is flattened into the KfAggPlan. */
typedef struct GroupingContext
{
	KfColumnMap *columns;
	List	   *key_tles;		/* TargetEntry per key */
	List	   *keys;			/* kf_group_key * */
	List	   *key_masklens;	/* int */
	List	   *out_tles;		/* TargetEntry per aggregate output */
	List	   *outs;			/* KfAggOutput * */
	List	   *aggs;			/* kf_agg_item * */
	List	   *having;			/* kf_having_item * */
} GroupingContext;

/* ---------------------------------------------------------------- helpers */

/* default_btree_family is the opfamily of typid's default btree opclass, or InvalidOid. */
static Oid
default_btree_family(Oid typid)
{
	Oid			opclass = GetDefaultOpClass(typid, BTREE_AM_OID);

	return OidIsValid(opclass) ? get_opclass_family(opclass) : InvalidOid;
}

static bool
collation_is_deterministic(Oid collid)
{
	return !OidIsValid(collid) || get_collation_isdeterministic(collid);
}

/* const_int64 reads a non-NULL int2/int4/int8 constant. */
static bool
const_int64(Node *node, int64 *value)
{
	Const	   *c = (Const *) node;

	if (!IsA(node, Const) || c->constisnull)
		return false;
	switch (c->consttype)
	{
		case INT2OID:
			*value = DatumGetInt16(c->constvalue);
			return true;
		case INT4OID:
			*value = DatumGetInt32(c->constvalue);
			return true;
		case INT8OID:
			*value = DatumGetInt64(c->constvalue);
			return true;
		default:
			return false;
	}
}

/* const_numeric_int64 reads a non-NULL numeric constant that is a whole number in int64 range. */
static bool
const_numeric_int64(Node *node, int64 *value)
{
	Const	   *c = (Const *) node;
	char	   *text;
	char	   *end;

	if (!IsA(node, Const) || c->constisnull || c->consttype != NUMERICOID)
		return false;
	text = DatumGetCString(DirectFunctionCall1(numeric_out, c->constvalue));
	errno = 0;
	*value = strtoll(text, &end, 10);
	return errno == 0 && end != text && *end == '\0';
}

static bool
is_int_type(Oid typid)
{
	return typid == INT2OID || typid == INT4OID || typid == INT8OID;
}

static bool
is_int_column(kf_ecol ecol)
{
	return kf_ecol_describe(ecol)->kind == KF_V_INT;
}

/* strip_collation removes a COLLATE clause: a RelabelType that changes only the collation. */
static Node *
strip_collation(Node *node)
{
	while (IsA(node, RelabelType) &&
		   ((RelabelType *) node)->resulttype == exprType((Node *) ((RelabelType *) node)->arg))
		node = (Node *) ((RelabelType *) node)->arg;
	return node;
}

/* const_float8 reads a non-NULL float8 constant (rank 95 is folded to one by the planner). */
static bool
const_float8(Node *node, double *value)
{
	Const	   *c = (Const *) node;

	if (!IsA(node, Const) || c->constisnull || c->consttype != FLOAT8OID)
		return false;
	*value = DatumGetFloat8(c->constvalue);
	return true;
}

/* strip_int_widening removes a cast of a smaller integer to bigint, which keeps the value. */
static Node *
strip_int_widening(Node *node)
{
	FuncExpr   *func = (FuncExpr *) node;

	if (IsA(node, FuncExpr) && (func->funcid == F_INT8_INT4 || func->funcid == F_INT8_INT2))
		return (Node *) linitial(func->args);
	return node;
}

/* ---------------------------------------------------------------- group keys */

/* trunc_bucket_key: (col / w) * w on an integer column, w > 0 the same constant twice. */
static bool
trunc_bucket_key(GroupingContext *cx, OpExpr *mul, kf_group_key *key)
{
	OpExpr	   *div = (OpExpr *) linitial(mul->args);
	int64		width;
	int64		factor;
	kf_ecol		ecol;

	if (mul->opfuncid != F_INT4MUL && mul->opfuncid != F_INT8MUL && mul->opfuncid != F_INT84MUL &&
		mul->opfuncid != F_INT48MUL)
		return false;
	if (!IsA(div, OpExpr) ||
		(div->opfuncid != F_INT4DIV && div->opfuncid != F_INT8DIV && div->opfuncid != F_INT84DIV &&
		 div->opfuncid != F_INT48DIV))
		return false;
	if (!kf_plain_column(cx->columns, linitial(div->args), &ecol) || !is_int_column(ecol))
		return false;
	if (!const_int64(lsecond(div->args), &width) || !const_int64(lsecond(mul->args), &factor) ||
		width <= 0 || width != factor)
		return false;
	key->kind = KF_KEY_INT_TRUNC_BUCKET;
	key->col = ecol;
	key->width = width;
	return true;
}

/*
 * date_bin_key: date_bin(stride, i_start_time, origin) with a stride of days and time only (no
 * months) in whole seconds and an origin on a whole second: a floor bucket in epoch seconds.
 */
static bool
date_bin_key(GroupingContext *cx, FuncExpr *func, kf_group_key *key)
{
	Const	   *stride = (Const *) linitial(func->args);
	Const	   *origin = (Const *) lthird(func->args);
	Interval   *interval;
	TimestampTz origin_usecs;
	int64		stride_usecs;
	kf_ecol		ecol;

	if (!IsA(stride, Const) || stride->constisnull || !IsA(origin, Const) || origin->constisnull)
		return false;
	if (!kf_plain_column(cx->columns, lsecond(func->args), &ecol) || ecol != KF_E_START_TIME)
		return false;
	interval = DatumGetIntervalP(stride->constvalue);
	if (interval->month != 0 || interval->day < 0 || interval->day > 1000000)
		return false;
	stride_usecs = interval->day * USECS_PER_DAY + interval->time;
	origin_usecs = DatumGetTimestampTz(origin->constvalue);
	if (stride_usecs <= 0 || stride_usecs % USECS_PER_SEC != 0 || TIMESTAMP_NOT_FINITE(origin_usecs) ||
		origin_usecs % USECS_PER_SEC != 0)
		return false;
	key->kind = KF_KEY_INT_FLOOR_BUCKET;
	key->col = ecol;
	key->width = stride_usecs / USECS_PER_SEC;
	key->origin = origin_usecs / USECS_PER_SEC + KF_UNIX_TO_PG_EPOCH_SECS;
	return true;
}

/* masklen_arg reads set_masklen(col, n) with 0 <= n <= 32 (valid for both families). */
static bool
masklen_arg(GroupingContext *cx, Node *node, kf_ecol *ecol, int *masklen)
{
	FuncExpr   *func = (FuncExpr *) node;
	int64		n;

	if (!IsA(node, FuncExpr) || func->funcid != F_SET_MASKLEN_INET_INT4)
		return false;
	if (!kf_plain_column(cx->columns, linitial(func->args), ecol) ||
		kf_ecol_describe(*ecol)->kind != KF_V_ADDR)
		return false;
	if (!const_int64(lsecond(func->args), &n) || n < 0 || n > 32)
		return false;
	*masklen = (int) n;
	return true;
}

/*
 * group_key_of_expr recognises a GROUP BY expression.  network(set_masklen(col, n)) is an address
 * prefix only on the ipv4_* columns: on columns holding both families the prefix length in the
 * engine's 128-bit addresses would differ by family.
 */
static bool
group_key_of_expr(GroupingContext *cx, Expr *expr, kf_group_key *key, int *masklen)
{
	kf_ecol		ecol;

	memset(key, 0, sizeof(*key));
	*masklen = -1;
	if (kf_plain_column(cx->columns, strip_collation((Node *) expr), &ecol))
	{
		key->kind = KF_KEY_COLUMN;
		key->col = ecol;
		return true;
	}
	if (IsA(expr, OpExpr) && list_length(((OpExpr *) expr)->args) == 2)
		return trunc_bucket_key(cx, (OpExpr *) expr, key);
	if (!IsA(expr, FuncExpr))
		return false;
	switch (((FuncExpr *) expr)->funcid)
	{
		case F_DATE_BIN_INTERVAL_TIMESTAMPTZ_TIMESTAMPTZ:
			return date_bin_key(cx, (FuncExpr *) expr, key);
		case F_SET_MASKLEN_INET_INT4:
			if (!masklen_arg(cx, (Node *) expr, &ecol, masklen))
				return false;
			key->kind = KF_KEY_COLUMN;
			key->col = ecol;
			return true;
		case F_NETWORK:
			if (!masklen_arg(cx, linitial(((FuncExpr *) expr)->args), &ecol, masklen))
				return false;
			if (ecol != KF_E_IPV4_SRC_ADDR && ecol != KF_E_IPV4_DST_ADDR && ecol != KF_E_IPV4_NEXT_HOP)
				return false;
			key->kind = KF_KEY_ADDR_PREFIX;
			key->col = ecol;
			key->prefix_len = (uint8_t) (96 + *masklen);
			return true;
		default:
			return false;
	}
}

/* add_group_key adds a GROUP BY expression as a key whose grouping equality is the engine's. */
static bool
add_group_key(GroupingContext *cx, Expr *expr, SortGroupClause *sgc, Index sgref)
{
	kf_group_key *key = palloc(sizeof(kf_group_key));
	int			masklen;
	Oid			family = default_btree_family(exprType((Node *) expr));
	TargetEntry *tle;

	if (!OidIsValid(family) || get_op_opfamily_strategy(sgc->eqop, family) != BTEqualStrategyNumber)
		return false;
	if (!collation_is_deterministic(exprCollation((Node *) expr)))
		return false;
	if (!group_key_of_expr(cx, expr, key, &masklen))
		return false;
	tle = makeTargetEntry(expr, 0, NULL, false);
	tle->ressortgroupref = sgref;
	cx->key_tles = lappend(cx->key_tles, tle);
	cx->keys = lappend(cx->keys, key);
	cx->key_masklens = lappend_int(cx->key_masklens, masklen);
	return true;
}

/* ---------------------------------------------------------------- aggregates */

static void
add_engine_agg(GroupingContext *cx, kf_agg_func func, kf_ecol col)
{
	kf_agg_item *item = palloc0(sizeof(kf_agg_item));

	item->func = func;
	item->col = col;
	cx->aggs = lappend(cx->aggs, item);
}

/* output_index finds an aggregate already among the outputs; -1 if it is not. */
static int
output_index(GroupingContext *cx, Expr *expr)
{
	int			j = 0;
	ListCell   *lc;

	foreach(lc, cx->out_tles)
	{
		if (equal(((TargetEntry *) lfirst(lc))->expr, expr))
			return j;
		j++;
	}
	return -1;
}

/* min_max_fits: min/max over this column kind, with text only under the C collation. */
static bool
min_max_fits(Oid aggfnoid, Oid inputcollid, kf_ecol ecol)
{
	switch (aggfnoid)
	{
		case F_MIN_INT2:
		case F_MIN_INT4:
		case F_MIN_INT8:
		case F_MAX_INT2:
		case F_MAX_INT4:
		case F_MAX_INT8:
		case F_MIN_TIMESTAMPTZ:
		case F_MAX_TIMESTAMPTZ:
			return is_int_column(ecol);
		case F_MIN_INET:
		case F_MAX_INET:
			return kf_ecol_describe(ecol)->kind == KF_V_ADDR;
		case F_MIN_TEXT:
		case F_MAX_TEXT:
			return kf_ecol_describe(ecol)->kind == KF_V_STR && lc_collate_is_c(inputcollid);
		default:
			return false;
	}
}

static bool
is_min(Oid aggfnoid)
{
	return aggfnoid == F_MIN_INT2 || aggfnoid == F_MIN_INT4 || aggfnoid == F_MIN_INT8 ||
		aggfnoid == F_MIN_TIMESTAMPTZ || aggfnoid == F_MIN_INET || aggfnoid == F_MIN_TEXT;
}

/* ---------------------------------------------------------------- Kentik's f_ aggregates */

/* What the engine computes for one of the extension's f_ aggregates. */
typedef enum KfFKind
{
	KF_F_LIKE_BUILTIN,			/* f_sum, f_avg, f_min, f_max, f_count: as the built-in twin */
	KF_F_COUNT_DISTINCT,		/* f_countdistinct: count(DISTINCT) */
	KF_F_HLL,
	KF_F_PERCENTILE,
	KF_F_PERCENTILE_RATE
} KfFKind;

typedef struct KfFAggregate
{
	Oid			oid;
	KfFKind		kind;
	Oid			builtin;		/* the built-in aggregate of the same semantics (LIKE_BUILTIN and
								 * COUNT_DISTINCT: count(any)) */
} KfFAggregate;

static const struct
{
	const char *name;
	KfFKind		kind;
	const char *builtin;
}			f_aggregate_names[] =
{
	{"f_sum", KF_F_LIKE_BUILTIN, "sum"},
	{"f_avg", KF_F_LIKE_BUILTIN, "avg"},
	{"f_min", KF_F_LIKE_BUILTIN, "min"},
	{"f_max", KF_F_LIKE_BUILTIN, "max"},
	{"f_count", KF_F_LIKE_BUILTIN, "count"},
	{"f_countdistinct", KF_F_COUNT_DISTINCT, NULL},
	{"f_hll", KF_F_HLL, NULL},
	{"f_percentile", KF_F_PERCENTILE, NULL},
	{"f_percentile_rate", KF_F_PERCENTILE_RATE, NULL},
};

/*
 * The f_ aggregates of the installed extension, looked up once per backend (in TopMemoryContext)
 * and again when the extension's OID changes (dropped and created again).
 */
static Oid	f_cache_extension = InvalidOid;
static int	f_cache_count = 0;
static KfFAggregate *f_cache = NULL;

/* builtin_twin finds pg_catalog.name with exactly the given argument types. */
static Oid
builtin_twin(const char *name, Form_pg_proc proc)
{
	return LookupFuncName(list_make2(makeString("pg_catalog"), makeString(pstrdup(name))),
						  proc->pronargs, proc->proargtypes.values, true);
}

/* load_f_aggregates fills the cache: every aggregate of the extension named in f_aggregate_names. */
static void
load_f_aggregates(Oid extension)
{
	int			capacity = 64;
	int			count = 0;
	KfFAggregate *found = MemoryContextAlloc(TopMemoryContext, sizeof(KfFAggregate) * capacity);

	for (int i = 0; i < lengthof(f_aggregate_names); i++)
	{
		CatCList   *list = SearchSysCacheList1(PROCNAMEARGSNSP,
											   CStringGetDatum(f_aggregate_names[i].name));

		for (int m = 0; m < list->n_members; m++)
		{
			Form_pg_proc proc = (Form_pg_proc) GETSTRUCT(&list->members[m]->tuple);

			if (proc->pronamespace != PG_CATALOG_NAMESPACE || proc->prokind != PROKIND_AGGREGATE ||
				getExtensionOfObject(ProcedureRelationId, proc->oid) != extension)
				continue;
			if (count == capacity)
			{
				capacity *= 2;
				found = repalloc(found, sizeof(KfFAggregate) * capacity);
			}
			found[count].oid = proc->oid;
			found[count].kind = f_aggregate_names[i].kind;
			found[count].builtin = f_aggregate_names[i].kind == KF_F_COUNT_DISTINCT ? F_COUNT_ANY :
				f_aggregate_names[i].builtin != NULL ? builtin_twin(f_aggregate_names[i].builtin, proc) :
				InvalidOid;
			count++;
		}
		ReleaseSysCacheList(list);
	}
	if (f_cache != NULL)
		pfree(f_cache);
	f_cache = found;
	f_cache_count = count;
	f_cache_extension = extension;
}

/* find_f_aggregate tells whether aggfnoid is one of the extension's f_ aggregates. */
static const KfFAggregate *
find_f_aggregate(Oid aggfnoid)
{
	Oid			extension;

	if (aggfnoid < FirstNormalObjectId)
		return NULL;
	extension = kf_extension_oid();
	if (!OidIsValid(extension))
		return NULL;
	if (extension != f_cache_extension)
		load_f_aggregates(extension);
	for (int i = 0; i < f_cache_count; i++)
		if (f_cache[i].oid == aggfnoid)
			return &f_cache[i];
	return NULL;
}

/*
 * f_engine_item recognises f_hll(col, error), f_percentile(col, rank) and f_percentile_rate(col,
 * slice_col, rank [, slice_seconds]) over engine columns with valid constant parameters, and
 * describes the engine aggregate.  Invalid parameters are not pushed: PostgreSQL then raises the
 * aggregate's own error (or returns its result over no rows), as it does on an ordinary table.
 */
static bool
f_engine_item(KfColumnMap *columns, Aggref *agg, KfFKind kind, kf_agg_item *item)
{
	List	   *args = NIL;
	ListCell   *lc;
	double		value;
	int64		slice_seconds = KF_DEFAULT_SLICE_SECONDS;

	memset(item, 0, sizeof(*item));
	foreach(lc, agg->args)
		args = lappend(args, lfirst_node(TargetEntry, lc)->expr);
	if (agg->aggdistinct != NIL || list_length(args) < 2 ||
		!kf_plain_column(columns, strip_collation(strip_int_widening(linitial(args))), &item->col))
		return false;
	switch (kind)
	{
		case KF_F_HLL:
			if (!const_float8(lsecond(args), &value) || kf_hll_precision_for_error(value) < 0)
				return false;
			item->func = KF_AGG_HLL;
			item->hll_precision = (uint8_t) kf_hll_precision_for_error(value);
			return true;
		case KF_F_PERCENTILE:
			if (!is_int_column(item->col) || !const_float8(lsecond(args), &value) ||
				!kf_percentile_rank_valid(value))
				return false;
			item->func = KF_AGG_PERCENTILE;
			item->rank = value;
			return true;
		case KF_F_PERCENTILE_RATE:
			if (!is_int_column(item->col) ||
				!kf_plain_column(columns, strip_int_widening(lsecond(args)), &item->slice_col) ||
				!is_int_column(item->slice_col) || !const_float8(lthird(args), &value) ||
				!kf_percentile_rank_valid(value))
				return false;
			if (list_length(args) > 3 && (!const_int64(lfourth(args), &slice_seconds) || slice_seconds <= 0))
				return false;
			item->func = KF_AGG_PERCENTILE_RATE;
			item->rank = value;
			item->slice_seconds = slice_seconds;
			return true;
		default:
			return false;
	}
}

/* f_engine_output adds f_hll, f_percentile or f_percentile_rate as one engine aggregate. */
static bool
f_engine_output(GroupingContext *cx, Aggref *agg, KfFKind kind, KfAggOutput *out)
{
	kf_agg_item *item = palloc(sizeof(kf_agg_item));

	if (!f_engine_item(cx->columns, agg, kind, item))
		return false;
	out->kind = kind == KF_F_HLL ? KF_OUT_HLL :
		kind == KF_F_PERCENTILE ? KF_OUT_PERCENTILE : KF_OUT_PERCENTILE_RATE;
	out->agg = list_length(cx->aggs);
	cx->aggs = lappend(cx->aggs, item);
	return true;
}

/*
 * kf_restore_agg_params sets the parameters of the plan's f_ engine aggregates (which the
 * flattened plan does not carry) from the Aggrefs of the scan's target list (keys, then outputs).
 */
void
kf_restore_agg_params(KfAggPlan *plan, List *scan_tlist, KfColumnMap *columns)
{
	for (int j = 0; j < plan->nouts; j++)
	{
		KfAggOutput *out = &plan->outs[j];
		Expr	   *expr = list_nth_node(TargetEntry, scan_tlist, plan->nkeys + j)->expr;
		const KfFAggregate *f;

		if (out->kind != KF_OUT_HLL && out->kind != KF_OUT_PERCENTILE &&
			out->kind != KF_OUT_PERCENTILE_RATE)
			continue;
		f = IsA(expr, Aggref) ? find_f_aggregate(((Aggref *) expr)->aggfnoid) : NULL;
		if (f == NULL || !f_engine_item(columns, (Aggref *) expr, f->kind, &plan->aggs[out->agg]))
			elog(ERROR, "kentik_fdw: cannot rebuild pushed aggregate %d", j + 1);
	}
}

/*
 * column_aggregate maps an aggregate over one column to engine aggregates and an output; aggfnoid
 * is the aggregate or, for an f_ aggregate, its built-in twin.
 */
static bool
column_aggregate(GroupingContext *cx, Aggref *agg, Oid aggfnoid, bool distinct, KfAggOutput *out)
{
	TargetEntry *arg = linitial_node(TargetEntry, agg->args);
	kf_ecol		ecol;

	if (!kf_plain_column(cx->columns, strip_collation((Node *) arg->expr), &ecol) ||
		!collation_is_deterministic(agg->inputcollid))
		return false;
	if (distinct && aggfnoid != F_COUNT_ANY)
		return false;
	out->agg = list_length(cx->aggs);
	switch (aggfnoid)
	{
		case F_COUNT_ANY:
			out->kind = KF_OUT_COUNT;
			add_engine_agg(cx, distinct ? KF_AGG_COUNT_DISTINCT : KF_AGG_COUNT, ecol);
			return true;
		case F_SUM_INT2:
		case F_SUM_INT4:
		case F_SUM_INT8:
			if (!is_int_column(ecol))
				return false;
			out->kind = aggfnoid == F_SUM_INT8 ? KF_OUT_SUM_NUMERIC : KF_OUT_SUM_INT8;
			add_engine_agg(cx, KF_AGG_SUM, ecol);
			return true;
		case F_AVG_INT2:
		case F_AVG_INT4:
		case F_AVG_INT8:
			if (!is_int_column(ecol))
				return false;
			out->kind = KF_OUT_AVG;
			add_engine_agg(cx, KF_AGG_SUM, ecol);
			add_engine_agg(cx, KF_AGG_COUNT, ecol);
			return true;
		default:
			if (!min_max_fits(aggfnoid, agg->inputcollid, ecol))
				return false;
			out->kind = KF_OUT_VALUE;
			add_engine_agg(cx, is_min(aggfnoid) ? KF_AGG_MIN : KF_AGG_MAX, ecol);
			return true;
	}
}

/*
 * add_aggregate adds an aggregate to the outputs (once), or returns false when the engine cannot
 * compute it exactly.
 */
static bool
add_aggregate(GroupingContext *cx, Aggref *agg)
{
	KfAggOutput *out;
	const KfFAggregate *f;
	Oid			aggfnoid;

	if (output_index(cx, (Expr *) agg) >= 0)
		return true;
	if (agg->aggsplit != AGGSPLIT_SIMPLE || agg->aggorder != NIL || agg->aggfilter != NULL ||
		agg->agglevelsup != 0 || agg->aggkind != AGGKIND_NORMAL || agg->aggvariadic ||
		agg->aggdirectargs != NIL)
		return false;
	out = palloc0(sizeof(KfAggOutput));
	out->typid = agg->aggtype;
	f = find_f_aggregate(agg->aggfnoid);
	aggfnoid = f != NULL ? f->builtin : agg->aggfnoid;
	if (f != NULL && (f->kind == KF_F_HLL || f->kind == KF_F_PERCENTILE || f->kind == KF_F_PERCENTILE_RATE))
	{
		if (!f_engine_output(cx, agg, f->kind, out))
			return false;
	}
	else if (agg->aggstar)
	{
		if (aggfnoid != F_COUNT_)
			return false;
		out->kind = KF_OUT_COUNT;
		out->agg = list_length(cx->aggs);
		add_engine_agg(cx, KF_AGG_COUNT_STAR, KF_E_CTIMESTAMP);
	}
	else if (list_length(agg->args) != 1 ||
			 !column_aggregate(cx, agg, aggfnoid,
							   agg->aggdistinct != NIL || (f != NULL && f->kind == KF_F_COUNT_DISTINCT),
							   out))
		return false;
	cx->outs = lappend(cx->outs, out);
	cx->out_tles = lappend(cx->out_tles, makeTargetEntry((Expr *) agg, 0, NULL, false));
	return true;
}

/*
 * add_computed_expr handles a target or HAVING expression that is not a key: its aggregates are
 * pushed and PostgreSQL computes the rest from them; any column outside an aggregate must be a
 * key as it is.
 */
static bool
add_computed_expr(GroupingContext *cx, Node *expr)
{
	List	   *vars = pull_var_clause(expr, PVC_INCLUDE_AGGREGATES | PVC_INCLUDE_PLACEHOLDERS);
	ListCell   *lc;

	foreach(lc, vars)
	{
		Node	   *node = lfirst(lc);

		if (IsA(node, Aggref))
		{
			if (!add_aggregate(cx, (Aggref *) node))
				return false;
		}
		else if (!IsA(node, Var) || tlist_member((Expr *) node, cx->key_tles) == NULL)
			return false;
	}
	return true;
}

/* ---------------------------------------------------------------- HAVING */

/* having_ref finds the integer output a HAVING comparison can test in the engine. */
static bool
having_ref(GroupingContext *cx, Expr *expr, kf_output_ref *ref)
{
	int			j = output_index(cx, expr);
	int			k = 0;
	ListCell   *lc;

	if (j >= 0)
	{
		KfAggOutput *out = list_nth(cx->outs, j);

		/* a rate is a float8 the engine does not have: it only knows the slice sum */
		if (out->kind == KF_OUT_AVG || out->kind == KF_OUT_PERCENTILE_RATE ||
			(out->kind == KF_OUT_VALUE && !is_int_type(out->typid)))
			return false;
		ref->is_agg = true;
		ref->index = (uint32) out->agg;
		return true;
	}
	foreach(lc, cx->key_tles)
	{
		TargetEntry *tle = lfirst(lc);
		kf_group_key *key = list_nth(cx->keys, k);

		if (equal(tle->expr, expr) && is_int_type(exprType((Node *) expr)) &&
			is_int_column(key->col) && key->kind != KF_KEY_INT_FLOOR_BUCKET)
		{
			ref->is_agg = false;
			ref->index = (uint32) k;
			return true;
		}
		k++;
	}
	return false;
}

/* commute gives the operator with its arguments swapped. */
static kf_cmp_op
commute(kf_cmp_op op)
{
	static const kf_cmp_op swapped[] = {KF_OP_EQ, KF_OP_NE, KF_OP_GT, KF_OP_GE, KF_OP_LT, KF_OP_LE};

	return swapped[op];
}

/* btree_op maps an operator of the opfamily (or the negator of its =) to kf_cmp_op. */
static bool
btree_op(Oid opno, Oid family, kf_cmp_op *op)
{
	static const kf_cmp_op by_strategy[] = {KF_OP_LT, KF_OP_LE, KF_OP_EQ, KF_OP_GE, KF_OP_GT};
	int			strategy = get_op_opfamily_strategy(opno, family);
	Oid			negator;

	if (strategy >= BTLessStrategyNumber && strategy <= BTGreaterStrategyNumber)
	{
		*op = by_strategy[strategy - 1];
		return true;
	}
	negator = get_negator(opno);
	if (OidIsValid(negator) && get_op_opfamily_strategy(negator, family) == BTEqualStrategyNumber)
	{
		*op = KF_OP_NE;
		return true;
	}
	return false;
}

/*
 * having_item recognises "output op constant" (either order) on an integer output: count, sum,
 * min/max of integers, integer keys.  sum(int8) is numeric, so its constants are numeric; only
 * whole numbers are pushed.
 */
static bool
having_item(GroupingContext *cx, Expr *clause, kf_having_item *item)
{
	OpExpr	   *expr = (OpExpr *) clause;
	Node	   *left;
	Node	   *right;
	bool		commuted;
	int64		value;
	Oid			type;

	if (!IsA(clause, OpExpr) || list_length(expr->args) != 2)
		return false;
	left = linitial(expr->args);
	right = lsecond(expr->args);
	commuted = IsA(left, Const);
	if (commuted)
	{
		Node	   *tmp = left;

		left = right;
		right = tmp;
	}
	type = exprType(left);
	if (!having_ref(cx, (Expr *) left, &item->ref))
		return false;
	if (!(is_int_type(type) ? const_int64(right, &value) :
		  type == NUMERICOID && const_numeric_int64(right, &value)))
		return false;
	if (!btree_op(expr->opno, default_btree_family(type), &item->op))
		return false;
	if (commuted)
		item->op = commute(item->op);
	item->value = value;
	return true;
}

/*
 * add_having splits the HAVING conjuncts: the engine's, and local ones whose aggregates and keys
 * become scan outputs.  Aggregates a pushed conjunct tests are outputs too (kept simple: the
 * engine needs them anyway).
 */
static bool
add_having(GroupingContext *cx, KfUpperInfo *info, List *conjuncts)
{
	ListCell   *lc;

	foreach(lc, conjuncts)
	{
		Expr	   *clause = lfirst(lc);
		kf_having_item *item = kf_alloc_having_items(1);

		if (!add_computed_expr(cx, (Node *) clause))
			return false;
		if (having_item(cx, clause, item))
			cx->having = lappend(cx->having, item);
		else
			info->local_having = lappend(info->local_having, clause);
	}
	return true;
}

/* ---------------------------------------------------------------- result */

/* flatten_plan turns the collected lists into info's KfAggPlan and fdw_scan_tlist. */
static void
flatten_plan(GroupingContext *cx, KfUpperInfo *info)
{
	KfAggPlan  *plan = &info->plan;
	ListCell   *lc;
	int			i = 0;

	memset(plan, 0, sizeof(*plan));
	plan->nkeys = list_length(cx->keys);
	plan->keys = palloc0(sizeof(kf_group_key) * Max(plan->nkeys, 1));
	plan->key_types = palloc0(sizeof(Oid) * Max(plan->nkeys, 1));
	plan->key_masklens = palloc0(sizeof(int) * Max(plan->nkeys, 1));
	foreach(lc, cx->keys)
	{
		plan->keys[i] = *(kf_group_key *) lfirst(lc);
		plan->key_types[i] = exprType((Node *) ((TargetEntry *) list_nth(cx->key_tles, i))->expr);
		plan->key_masklens[i] = list_nth_int(cx->key_masklens, i);
		i++;
	}
	plan->nouts = list_length(cx->outs);
	plan->outs = palloc0(sizeof(KfAggOutput) * Max(plan->nouts, 1));
	i = 0;
	foreach(lc, cx->outs)
		plan->outs[i++] = *(KfAggOutput *) lfirst(lc);
	plan->naggs = list_length(cx->aggs);
	plan->aggs = palloc0(sizeof(kf_agg_item) * Max(plan->naggs, 1));
	i = 0;
	foreach(lc, cx->aggs)
		plan->aggs[i++] = *(kf_agg_item *) lfirst(lc);
	plan->nhaving = list_length(cx->having);
	plan->having = kf_alloc_having_items(plan->nhaving);
	i = 0;
	foreach(lc, cx->having)
		plan->having[i++] = *(kf_having_item *) lfirst(lc);

	info->tlist = list_concat(cx->key_tles, cx->out_tles);
	i = 1;
	foreach(lc, info->tlist)
		((TargetEntry *) lfirst(lc))->resno = (AttrNumber) i++;
}

/*
 * kf_grouping_ok decides whether the grouping target and HAVING of the query can run in the
 * engine and fills info (plan, fdw_scan_tlist, local HAVING conjuncts).
 */
bool
kf_grouping_ok(PlannerInfo *root, KfUpperInfo *info, PathTarget *target, Node *having_qual)
{
	Query	   *parse = root->parse;
	GroupingContext cx = {0};
	ListCell   *lc;
	int			i = 0;

	if (parse->groupingSets != NIL || contain_volatile_functions((Node *) target->exprs) ||
		contain_volatile_functions(having_qual))
		return false;
	cx.columns = info->base->columns;
	foreach(lc, target->exprs)
	{
		Expr	   *expr = (Expr *) lfirst(lc);
		Index		sgref = get_pathtarget_sortgroupref(target, i++);
		SortGroupClause *sgc = sgref ? get_sortgroupref_clause_noerr(sgref, parse->groupClause) : NULL;

		if (sgc != NULL)
		{
			if (!add_group_key(&cx, expr, sgc, sgref))
				return false;
		}
		else if (!add_computed_expr(&cx, (Node *) expr))
			return false;
	}
	if (list_length(cx.keys) != list_length(parse->groupClause))
		return false;
	if (!add_having(&cx, info, (List *) having_qual))
		return false;
	flatten_plan(&cx, info);
	return true;
}

/*
 * kf_order_item_for_expr finds the scan output that ORDER BY expr (under opfamily and collation)
 * sorts, if the engine sorts it the same way: the type's default btree order, text only under the
 * C collation; an avg cannot be ordered in the engine.
 */
bool
kf_order_item_for_expr(KfUpperInfo *info, Expr *expr, Oid opfamily, Oid collation,
					   kf_output_ref *ref)
{
	int			j = 0;
	ListCell   *lc;

	if (opfamily != default_btree_family(exprType((Node *) expr)))
		return false;
	if (exprType((Node *) expr) == TEXTOID && !lc_collate_is_c(collation))
		return false;
	foreach(lc, info->tlist)
	{
		TargetEntry *tle = lfirst(lc);

		if (equal(tle->expr, expr))
		{
			if (j < info->plan.nkeys)
			{
				ref->is_agg = false;
				ref->index = (uint32) j;
				return true;
			}
			if (info->plan.outs[j - info->plan.nkeys].kind == KF_OUT_AVG)
				return false;
			ref->is_agg = true;
			ref->index = (uint32) info->plan.outs[j - info->plan.nkeys].agg;
			return true;
		}
		j++;
	}
	return false;
}
