/*-------------------------------------------------------------------------
 *
 * column_map.c
 *		  Maps the columns of a foreign table to the engine's logical columns.
 *
 * Columns are matched by SQL name (kf_ecol_by_name), so a user-defined foreign table may hold any
 * subset of the columns in any order.  Each column's PostgreSQL type must be one the value can be
 * converted to (datum_conversion.c); anything else is an error at plan time that names the column.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fdw/kentik_fdw.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

/* column_type_is_compatible tells whether values of ecol can be returned as typid. */
static bool
column_type_is_compatible(kf_ecol ecol, Oid typid)
{
	const kf_ecol_desc *desc = kf_ecol_describe(ecol);

	if (ecol == KF_E_CTIMESTAMP)
		return kf_is_kentik_time_type(typid) || typid == INT8OID;
	if (ecol == KF_E_START_TIME)
		return typid == TIMESTAMPTZOID;
	/* 0 / 1 flags in the engine; boolean is how they are imported */
	if (ecol == KF_E_FAST_DATASET || ecol == KF_E_MPLS_LABELED)
		return typid == BOOLOID || typid == INT4OID || typid == INT8OID;
	switch (desc->kind)
	{
		case KF_V_INT:
			return typid == INT4OID || typid == INT8OID;
		case KF_V_ADDR:
			return typid == INETOID;
		case KF_V_STR:
			return typid == TEXTOID;
	}
	return false;
}

/*
 * kf_build_column_map maps every live attribute of rel to its engine column, raising an error
 * for a column the engine does not know or whose type does not fit.
 */
KfColumnMap *
kf_build_column_map(Relation rel)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	KfColumnMap *map = palloc(sizeof(KfColumnMap));

	map->natts = tupdesc->natts;
	map->ecol_of_attno = palloc(sizeof(int) * Max(tupdesc->natts, 1));
	map->type_of_attno = palloc(sizeof(Oid) * Max(tupdesc->natts, 1));
	for (int i = 0; i < tupdesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, i);
		int			ecol;

		map->type_of_attno[i] = att->atttypid;
		map->ecol_of_attno[i] = -1;
		if (att->attisdropped)
			continue;
		ecol = kf_ecol_by_name(NameStr(att->attname));
		if (ecol < 0)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_COLUMN_NAME),
					 errmsg("column \"%s\" of foreign table \"%s\" is not a kentik flow column",
							NameStr(att->attname), RelationGetRelationName(rel)),
					 errhint("IMPORT FOREIGN SCHEMA kentik creates tables with every known column.")));
		if (!column_type_is_compatible((kf_ecol) ecol, att->atttypid))
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
					 errmsg("column \"%s\" of foreign table \"%s\" cannot have type %s",
							NameStr(att->attname), RelationGetRelationName(rel),
							format_type_be(att->atttypid))));
		map->ecol_of_attno[i] = ecol;
	}
	return map;
}
