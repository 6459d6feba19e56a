/*-------------------------------------------------------------------------
 *
 * aggregate_datums.c
 *		  Turns a row of the engine's aggregation result into the scan tuple: keys, then outputs.
 *
 * Types and NULLs are PostgreSQL's: count is bigint; sum(int4) is bigint (an error beyond its
 * range, as PostgreSQL's int8 accumulator raises) and sum(int8) numeric, both NULL over no
 * values; avg is numeric_div(sum, count) on numerics, exactly the final function of PostgreSQL's
 * integer averages (int8_avg, numeric_poly_avg), so the scale is the same; min/max and keys keep
 * their column's type.  f_hll is bigint (0 over no values), f_percentile the argument's integer
 * type (NULL over no values) and f_percentile_rate the engine's chosen slice sum divided by the
 * slice length with kf_slice_rate, the final step of the SQL aggregate, so both give the same float8.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fdw/kentik_fdw.h"

#include "catalog/pg_type.h"
#include "executor/tuptable.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/numeric.h"

static bool
is_null(const kf_agg_column *col, uint32 row)
{
	return col->nulls != NULL && col->nulls[row];
}

/* int128_to_numeric converts an engine sum to numeric, through text beyond int64. */
static Datum
int128_to_numeric(__int128 value)
{
	char		digits[48];
	char	   *p = digits + sizeof(digits) - 1;
	unsigned __int128 magnitude = value < 0 ? -(unsigned __int128) value : (unsigned __int128) value;

	if (value >= PG_INT64_MIN && value <= PG_INT64_MAX)
		return NumericGetDatum(int64_to_numeric((int64) value));
	*p = '\0';
	do
	{
		*--p = (char) ('0' + (int) (magnitude % 10));
		magnitude /= 10;
	} while (magnitude != 0);
	if (value < 0)
		*--p = '-';
	return DirectFunctionCall3(numeric_in, CStringGetDatum(p), ObjectIdGetDatum(InvalidOid),
							   Int32GetDatum(-1));
}

/* value_datum converts one value of a result column that has the engine kind of its column. */
static Datum
value_datum(const kf_agg_column *col, uint32 row, Oid typid, int masklen, const char *name)
{
	switch (col->kind)
	{
		case KF_V_INT:
			return kf_int_to_datum(col->ints[row], typid, name);
		case KF_V_ADDR:
			return kf_addr_to_inet(col->addrs[row], masklen);
		case KF_V_STR:
			return PointerGetDatum(cstring_to_text_with_len(col->strs[row], (int) col->lens[row]));
	}
	elog(ERROR, "kentik_fdw: unknown value kind %d", (int) col->kind);
	return (Datum) 0;
}

/* output_datum computes an aggregate output from its engine aggregate(s). */
static Datum
output_datum(KfAggScanState *state, const KfAggOutput *out, uint32 row, bool *isnull)
{
	const kf_agg_column *col = &state->batch.cols[state->plan.nkeys + out->agg];
	const char *name = kf_ecol_describe(state->plan.aggs[out->agg].col)->name;

	*isnull = is_null(col, row);
	if (*isnull)
		return (Datum) 0;
	switch (out->kind)
	{
		case KF_OUT_COUNT:
			return Int64GetDatum(col->ints[row]);
		case KF_OUT_SUM_INT8:
			if (col->sums[row] < PG_INT64_MIN || col->sums[row] > PG_INT64_MAX)
				ereport(ERROR,
						(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						 errmsg("bigint out of range")));
			return Int64GetDatum((int64) col->sums[row]);
		case KF_OUT_SUM_NUMERIC:
			return int128_to_numeric(col->sums[row]);
		case KF_OUT_AVG:
			{
				const kf_agg_column *count = col + 1;

				return DirectFunctionCall2(numeric_div, int128_to_numeric(col->sums[row]),
										   NumericGetDatum(int64_to_numeric(count->ints[row])));
			}
		case KF_OUT_VALUE:
			return value_datum(col, row, out->typid, -1, name);
		case KF_OUT_HLL:
			return Int64GetDatum(col->ints[row]);
		case KF_OUT_PERCENTILE:
			/* a percentile is one of the column's values, so it fits the argument's type */
			if (out->typid == INT2OID)
				return Int16GetDatum((int16) col->ints[row]);
			if (out->typid == INT4OID)
				return Int32GetDatum((int32) col->ints[row]);
			return Int64GetDatum(col->ints[row]);
		case KF_OUT_PERCENTILE_RATE:
			return Float8GetDatum(kf_slice_rate(col->sums[row],
												state->plan.aggs[out->agg].slice_seconds));
	}
	elog(ERROR, "kentik_fdw: unknown aggregate output %d", (int) out->kind);
	return (Datum) 0;
}

/* kf_store_agg_row stores result row `row` of the current batch into slot as a virtual tuple. */
void
kf_store_agg_row(KfAggScanState *state, TupleTableSlot *slot, uint32 row)
{
	Datum	   *values = slot->tts_values;
	bool	   *isnull = slot->tts_isnull;
	int			nkeys = state->plan.nkeys;

	ExecClearTuple(slot);
	for (int k = 0; k < nkeys; k++)
	{
		const kf_agg_column *col = &state->batch.cols[k];

		isnull[k] = is_null(col, row);
		if (!isnull[k])
			values[k] = value_datum(col, row, state->plan.key_types[k], state->plan.key_masklens[k],
									kf_ecol_describe(state->plan.keys[k].col)->name);
	}
	for (int j = 0; j < state->plan.nouts; j++)
		values[nkeys + j] = output_datum(state, &state->plan.outs[j], row, &isnull[nkeys + j]);
	ExecStoreVirtualTuple(slot);
}
