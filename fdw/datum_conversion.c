/*-------------------------------------------------------------------------
 *
 * datum_conversion.c
 *		  Turns rows of an engine batch into PostgreSQL Datums.
 *
 * Integers become int4/int8/kentik_time Datums directly (int4 columns are range-checked),
 * i_start_time becomes a timestamptz, i_fast_dataset a boolean, addresses become host inet values (/32 for IPv4, /128 for
 * IPv6) and strings become text.  A batch's strings come from small per-block dictionaries, so
 * each dictionary entry's text Datum is built at most once per batch and shared by the rows.
 * Everything is allocated in the current memory context, the scan's per-batch context.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/socket.h>

#include "fdw/kentik_fdw.h"

#include "catalog/pg_type.h"
#include "executor/tuptable.h"
#include "utils/builtins.h"
#include "utils/inet.h"
#include "utils/timestamp.h"

/* kf_batch_prepare_text_cache gives each string column of the new batch an empty Datum cache. */
void
kf_batch_prepare_text_cache(KfScanState *state)
{
	for (int j = 0; j < state->ncols; j++)
	{
		const kf_dict *dict = state->batch.cols[j].dict;

		state->text_cache[j] = NULL;
		state->text_cached[j] = NULL;
		if (kf_ecol_describe(state->cols[j])->kind != KF_V_STR || dict == NULL)
			continue;
		state->text_cache[j] = MemoryContextAlloc(state->batch_cxt,
												  sizeof(Datum) * Max(dict->count, 1));
		state->text_cached[j] = MemoryContextAllocZero(state->batch_cxt,
													   sizeof(bool) * Max(dict->count, 1));
	}
}

/*
 * kf_addr_to_inet builds an inet value from a kf_addr: a host address (masklen -1) or the
 * address with the given mask length (the bits are kept as they are).
 */
Datum
kf_addr_to_inet(kf_addr addr, int masklen)
{
	inet	   *result = (inet *) palloc0(sizeof(inet));
	unsigned char *bytes = ip_addr(result);

	if (kf_addr_is_v4(addr))
	{
		uint32		v4 = (uint32) addr.lo;

		ip_family(result) = PGSQL_AF_INET;
		ip_bits(result) = masklen < 0 ? 32 : masklen;
		bytes[0] = (v4 >> 24) & 0xff;
		bytes[1] = (v4 >> 16) & 0xff;
		bytes[2] = (v4 >> 8) & 0xff;
		bytes[3] = v4 & 0xff;
	}
	else
	{
		ip_family(result) = PGSQL_AF_INET6;
		ip_bits(result) = masklen < 0 ? 128 : masklen;
		for (int i = 0; i < 8; i++)
		{
			bytes[i] = (addr.hi >> (56 - 8 * i)) & 0xff;
			bytes[8 + i] = (addr.lo >> (56 - 8 * i)) & 0xff;
		}
	}
	SET_INET_VARSIZE(result);
	return InetPGetDatum(result);
}

/* kf_int_to_datum converts an engine integer to type typid; column names it in errors. */
Datum
kf_int_to_datum(int64 value, Oid typid, const char *column)
{
	if (typid == TIMESTAMPTZOID)
		return TimestampTzGetDatum((value - KF_UNIX_TO_PG_EPOCH_SECS) * USECS_PER_SEC);
	if (typid == BOOLOID)
		return BoolGetDatum(value != 0);	/* i_fast_dataset: 0 / 1 in the engine */
	if (typid == INT4OID)
	{
		if (value < PG_INT32_MIN || value > PG_INT32_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("value " INT64_FORMAT " of column \"%s\" is out of range for type integer",
							value, column),
					 errhint("Declare the column as bigint.")));
		return Int32GetDatum((int32) value);
	}
	return Int64GetDatum(value);	/* int8 and kentik_time */
}

/* text_datum returns the text Datum of a dictionary code, building it once per batch. */
static Datum
text_datum(KfScanState *state, int j, uint32 code)
{
	const kf_dict *dict = state->batch.cols[j].dict;

	if (code >= dict->count)
		elog(ERROR, "kentik_fdw: dictionary code %u out of range (%u entries)", code, dict->count);
	if (!state->text_cached[j][code])
	{
		state->text_cache[j][code] =
			PointerGetDatum(cstring_to_text_with_len(dict->strings[code], (int) dict->lengths[code]));
		state->text_cached[j][code] = true;
	}
	return state->text_cache[j][code];
}

/*
 * kf_store_batch_row stores row `row` of the current batch into slot as a virtual tuple.
 * Columns the scan does not retrieve are NULL.
 */
void
kf_store_batch_row(KfScanState *state, TupleTableSlot *slot, uint32 row)
{
	Datum	   *values = slot->tts_values;
	bool	   *isnull = slot->tts_isnull;
	ListCell   *lc;
	int			j = 0;

	ExecClearTuple(slot);
	memset(isnull, true, sizeof(bool) * slot->tts_tupleDescriptor->natts);
	foreach(lc, state->retrieved_attrs)
	{
		int			attno = lfirst_int(lc);
		const kf_batch_column *col = &state->batch.cols[j];

		isnull[attno - 1] = false;
		switch (kf_ecol_describe(state->cols[j])->kind)
		{
			case KF_V_INT:
				values[attno - 1] = kf_int_to_datum(col->ints[row],
													state->columns->type_of_attno[attno - 1],
													kf_ecol_describe(state->cols[j])->name);
				break;
			case KF_V_ADDR:
				if (col->nulls != NULL && col->nulls[row])
					isnull[attno - 1] = true;
				else
					values[attno - 1] = kf_addr_to_inet(col->addrs[row], -1);
				break;
			case KF_V_STR:
				values[attno - 1] = text_datum(state, j, col->codes[row]);
				break;
		}
		j++;
	}
	ExecStoreVirtualTuple(slot);
}
