/*-------------------------------------------------------------------------
 *
 * agg_plan_list.c
 *		  Flattens a KfAggPlan into a List of int8 Consts for ForeignScan.fdw_private, and back.
 *
 * fdw_private must survive copyObject (plan caching, parallel query), so the planner's C arrays
 * travel as a flat list of numbers: counts followed by the fields of each element, in the order
 * below.  Writer and reader are kept side by side so they cannot drift apart.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fdw/kentik_fdw.h"

#include "catalog/pg_type.h"
#include "nodes/makefuncs.h"

/*
 * kf_alloc_having_items allocates n zeroed HAVING items.  They hold an __int128, which needs
 * 16-byte alignment, more than palloc guarantees.
 */
kf_having_item *
kf_alloc_having_items(int n)
{
	char	   *raw = palloc0(sizeof(kf_having_item) * Max(n, 1) + 15);

	return (kf_having_item *) TYPEALIGN(16, raw);
}

static List *
put(List *list, int64 value)
{
	return lappend(list, makeConst(INT8OID, -1, InvalidOid, sizeof(int64), Int64GetDatum(value),
								   false, true));
}

/* kf_agg_plan_to_list flattens plan. */
List *
kf_agg_plan_to_list(const KfAggPlan *plan)
{
	List	   *list = NIL;

	list = put(list, plan->nkeys);
	for (int i = 0; i < plan->nkeys; i++)
	{
		list = put(list, plan->keys[i].kind);
		list = put(list, plan->keys[i].col);
		list = put(list, plan->keys[i].width);
		list = put(list, plan->keys[i].origin);
		list = put(list, plan->keys[i].prefix_len);
		list = put(list, plan->key_types[i]);
		list = put(list, plan->key_masklens[i]);
	}
	list = put(list, plan->nouts);
	for (int i = 0; i < plan->nouts; i++)
	{
		list = put(list, plan->outs[i].kind);
		list = put(list, plan->outs[i].agg);
		list = put(list, plan->outs[i].typid);
	}
	list = put(list, plan->naggs);
	for (int i = 0; i < plan->naggs; i++)
	{
		list = put(list, plan->aggs[i].func);
		list = put(list, plan->aggs[i].col);
	}
	list = put(list, plan->nhaving);
	for (int i = 0; i < plan->nhaving; i++)
	{
		list = put(list, plan->having[i].ref.is_agg);
		list = put(list, plan->having[i].ref.index);
		list = put(list, plan->having[i].op);
		list = put(list, (int64) plan->having[i].value);
	}
	list = put(list, plan->norder);
	for (int i = 0; i < plan->norder; i++)
	{
		list = put(list, plan->order[i].ref.is_agg);
		list = put(list, plan->order[i].ref.index);
		list = put(list, plan->order[i].descending);
		list = put(list, plan->order[i].nulls_first);
	}
	list = put(list, plan->has_limit);
	list = put(list, (int64) plan->limit);
	list = put(list, (int64) plan->offset);
	return list;
}

/* A reading position in a flattened plan. */
typedef struct Reader
{
	List	   *list;
	int			pos;
} Reader;

static int64
get(Reader *reader)
{
	return DatumGetInt64(((Const *) list_nth(reader->list, reader->pos++))->constvalue);
}

/* get_array reads an element count and allocates that many elements of size bytes. */
static void *
get_array(Reader *reader, int *count, size_t size)
{
	*count = (int) get(reader);
	return palloc0(size * Max(*count, 1));
}

/* kf_agg_plan_from_list rebuilds a plan flattened by kf_agg_plan_to_list. */
void
kf_agg_plan_from_list(List *list, KfAggPlan *plan)
{
	Reader		reader = {list, 0};
	Reader	   *r = &reader;

	plan->keys = get_array(r, &plan->nkeys, sizeof(kf_group_key));
	plan->key_types = palloc0(sizeof(Oid) * Max(plan->nkeys, 1));
	plan->key_masklens = palloc0(sizeof(int) * Max(plan->nkeys, 1));
	for (int i = 0; i < plan->nkeys; i++)
	{
		plan->keys[i].kind = (kf_key_kind) get(r);
		plan->keys[i].col = (kf_ecol) get(r);
		plan->keys[i].width = get(r);
		plan->keys[i].origin = get(r);
		plan->keys[i].prefix_len = (uint8_t) get(r);
		plan->key_types[i] = (Oid) get(r);
		plan->key_masklens[i] = (int) get(r);
	}
	plan->outs = get_array(r, &plan->nouts, sizeof(KfAggOutput));
	for (int i = 0; i < plan->nouts; i++)
	{
		plan->outs[i].kind = (KfOutputKind) get(r);
		plan->outs[i].agg = (int) get(r);
		plan->outs[i].typid = (Oid) get(r);
	}
	plan->aggs = get_array(r, &plan->naggs, sizeof(kf_agg_item));
	for (int i = 0; i < plan->naggs; i++)
	{
		plan->aggs[i].func = (kf_agg_func) get(r);
		plan->aggs[i].col = (kf_ecol) get(r);
	}
	plan->nhaving = (int) get(r);
	plan->having = kf_alloc_having_items(plan->nhaving);
	for (int i = 0; i < plan->nhaving; i++)
	{
		plan->having[i].ref.is_agg = get(r) != 0;
		plan->having[i].ref.index = (uint32) get(r);
		plan->having[i].op = (kf_cmp_op) get(r);
		plan->having[i].value = get(r);
	}
	plan->order = get_array(r, &plan->norder, sizeof(kf_order_item));
	for (int i = 0; i < plan->norder; i++)
	{
		plan->order[i].ref.is_agg = get(r) != 0;
		plan->order[i].ref.index = (uint32) get(r);
		plan->order[i].descending = get(r) != 0;
		plan->order[i].nulls_first = get(r) != 0;
	}
	plan->has_limit = get(r) != 0;
	plan->limit = (uint64) get(r);
	plan->offset = (uint64) get(r);
}
