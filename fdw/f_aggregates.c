/*-------------------------------------------------------------------------
 *
 * f_aggregates.c
 *		  The C support functions of Kentik's subquery functions as SQL aggregates: f_countdistinct,
 *		  f_hll, f_percentile and f_percentile_rate.  (f_sum, f_avg, f_min, f_max and f_count reuse
 *		  PostgreSQL's own support functions; see kentik_fdw--1.0.sql.)
 *
 * Every state here is an "internal" state allocated in the aggregate's memory context, so an
 * error frees it with the query.  Each aggregate has a combine function and serialize /
 * deserialize functions (state <-> bytea), so it also runs in parallel plans: partial states in
 * the workers, combined in the leader.  The combine functions are not strict: they copy a state
 * into the aggregate's context themselves when the leader has none yet, because deserialized
 * states live in a short-lived context.
 *
 * f_hll and f_percentile* use engine/hll.h and engine/percentile.h, the very code the engine runs
 * when the FDW pushes the same aggregate down, so pushed and local results are bit-identical.
 *
 * The parameter arguments (f_hll's relative error, the percentile rank, the slice length) must be
 * constants: the state is built for them on the first row, and the engine needs them at plan time.
 * A non-constant one is an error rather than a silently row-dependent meaning.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/socket.h>

#include "fdw/kentik_fdw.h"

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "engine/hll.h"
#include "engine/percentile.h"
#include "fmgr.h"
#include "libpq/pqformat.h"
#include "nodes/primnodes.h"
#include "utils/builtins.h"
#include "utils/inet.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

PG_FUNCTION_INFO_V1(f_countdistinct_trans);
PG_FUNCTION_INFO_V1(f_countdistinct_combine);
PG_FUNCTION_INFO_V1(f_countdistinct_serialize);
PG_FUNCTION_INFO_V1(f_countdistinct_deserialize);
PG_FUNCTION_INFO_V1(f_countdistinct_final);
PG_FUNCTION_INFO_V1(f_hll_trans);
PG_FUNCTION_INFO_V1(f_hll_combine);
PG_FUNCTION_INFO_V1(f_hll_serialize);
PG_FUNCTION_INFO_V1(f_hll_deserialize);
PG_FUNCTION_INFO_V1(f_hll_final);
PG_FUNCTION_INFO_V1(f_percentile_trans);
PG_FUNCTION_INFO_V1(f_percentile_combine);
PG_FUNCTION_INFO_V1(f_percentile_serialize);
PG_FUNCTION_INFO_V1(f_percentile_deserialize);
PG_FUNCTION_INFO_V1(f_percentile_final);
PG_FUNCTION_INFO_V1(f_percentile_rate_trans);
PG_FUNCTION_INFO_V1(f_percentile_rate_combine);
PG_FUNCTION_INFO_V1(f_percentile_rate_serialize);
PG_FUNCTION_INFO_V1(f_percentile_rate_deserialize);
PG_FUNCTION_INFO_V1(f_percentile_rate_final);

/* ---------------------------------------------------------------- shared helpers */

/* aggregate_context returns the memory context of the calling aggregate's states. */
static MemoryContext
aggregate_context(FunctionCallInfo fcinfo, const char *fname)
{
	MemoryContext cxt;

	if (!AggCheckCallContext(fcinfo, &cxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s support function called outside an aggregate", fname)));
	return cxt;
}

/*
 * constant_arg returns the aggregate's argument argno (0-based; the transition function receives
 * it as argument argno + 1) after checking that the call passes a non-NULL constant there.
 */
static Datum
constant_arg(FunctionCallInfo fcinfo, int argno, const char *fname, const char *what)
{
	Aggref	   *aggref = AggGetAggref(fcinfo);
	TargetEntry *tle;

	if (aggref == NULL || argno >= list_length(aggref->args))
		elog(ERROR, "%s: cannot see the aggregate call", fname);
	tle = list_nth_node(TargetEntry, aggref->args, argno);
	if (!IsA(tle->expr, Const))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the %s of %s must be a constant", what, fname)));
	if (PG_ARGISNULL(argno + 1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the %s of %s must not be NULL", what, fname)));
	return PG_GETARG_DATUM(argno + 1);
}

/* bad_state reports a serialized state that our own serialize function cannot have written. */
static void
bad_state(const char *fname)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid serialized state of %s", fname)));
}

/* begin_state_read copies a serialized state into a StringInfo to read it with pq_getmsg*. */
static void
begin_state_read(StringInfo buf, bytea *serialized)
{
	initStringInfo(buf);
	appendBinaryStringInfo(buf, VARDATA_ANY(serialized), VARSIZE_ANY_EXHDR(serialized));
}

/*
 * inet_to_kf_addr converts an inet value to the engine's address as the store holds it (IPv4 as
 * IPv4-mapped IPv6); the mask length is dropped, as the engine sees only addresses.
 */
static kf_addr
inet_to_kf_addr(inet *value)
{
	unsigned char *bytes = ip_addr(value);
	kf_addr		addr = {0, 0};

	if (ip_family(value) == PGSQL_AF_INET)
		return kf_addr_from_v4(((uint32) bytes[0] << 24) | ((uint32) bytes[1] << 16) |
							   ((uint32) bytes[2] << 8) | (uint32) bytes[3]);
	for (int i = 0; i < 8; i++)
	{
		addr.hi = (addr.hi << 8) | bytes[i];
		addr.lo = (addr.lo << 8) | bytes[8 + i];
	}
	return addr;
}

/* kf_slice_rate turns a slice sum into a per-second rate; the pushed f_percentile_rate uses it too. */
double
kf_slice_rate(__int128 sum, int64 slice_seconds)
{
	return (double) sum / (double) slice_seconds;
}

/* ---------------------------------------------------------------- f_countdistinct: a set of keys */

/*
 * Integer and timestamp values are int64 keys in a table of bare int64 (an empty slot holds
 * PG_INT64_MIN, whose own presence is a flag), so a probe costs one cache miss once the set
 * outgrows the caches; the other types are byte-string keys in DistinctSlots.  Both are
 * open-addressing tables with linear probing, doubled at half full.
 */

#define DISTINCT_EMPTY PG_INT64_MIN

/* Byte-string keys up to this length (IPv4 inets, short texts) are kept in the slot itself. */
#define DISTINCT_INLINE_BYTES 16

typedef struct DistinctSlot
{
	uint64		hash;
	uint32		len;
	bool		used;
	union
	{
		char		inline_bytes[DISTINCT_INLINE_BYTES];
		char	   *heap_bytes;
	}			key;
} DistinctSlot;

typedef struct DistinctState
{
	Oid			typid;			/* the argument type (fixes how values become keys) */
	bool		int_keys;		/* int64 keys in ints, else byte strings in slots */
	bool		has_empty_value;	/* int_keys: DISTINCT_EMPTY itself was added */
	uint64		count;
	uint64		capacity;		/* a power of two, at least twice count */
	int64	   *ints;
	DistinctSlot *slots;
} DistinctState;

#define DISTINCT_INITIAL_CAPACITY 64

static bool
is_int64_key_type(Oid typid)
{
	return typid == INT2OID || typid == INT4OID || typid == INT8OID || typid == TIMESTAMPTZOID;
}

static const char *
slot_bytes(const DistinctSlot *slot)
{
	return slot->len <= DISTINCT_INLINE_BYTES ? slot->key.inline_bytes : slot->key.heap_bytes;
}

/* distinct_alloc_table gives state an empty table of capacity slots of its kind. */
static void
distinct_alloc_table(DistinctState *state, MemoryContext cxt, uint64 capacity)
{
	state->capacity = capacity;
	if (state->int_keys)
	{
		state->ints = MemoryContextAllocHuge(cxt, sizeof(int64) * capacity);
		for (uint64 i = 0; i < capacity; i++)
			state->ints[i] = DISTINCT_EMPTY;
	}
	else
	{
		state->slots = MemoryContextAllocHuge(cxt, sizeof(DistinctSlot) * capacity);
		memset(state->slots, 0, sizeof(DistinctSlot) * capacity);
	}
}

static DistinctState *
distinct_new(MemoryContext cxt, Oid typid)
{
	DistinctState *state = MemoryContextAllocZero(cxt, sizeof(DistinctState));

	state->typid = typid;
	state->int_keys = is_int64_key_type(typid);
	distinct_alloc_table(state, cxt, DISTINCT_INITIAL_CAPACITY);
	return state;
}

/* int_hash mixes an int64 key (the SplitMix64 finaliser) so that runs of values spread out. */
static uint64
int_hash(int64 value)
{
	uint64		z = (uint64) value;

	z = (z ^ (z >> 30)) * UINT64CONST(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64CONST(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* int_slot finds the slot of value, or the free slot where it belongs. */
static uint64
int_slot(const DistinctState *state, int64 value)
{
	uint64		i = int_hash(value) & (state->capacity - 1);

	while (state->ints[i] != DISTINCT_EMPTY && state->ints[i] != value)
		i = (i + 1) & (state->capacity - 1);
	return i;
}

/* bytes_slot finds the slot of a byte-string key, or the free slot where it belongs. */
static uint64
bytes_slot(const DistinctState *state, uint64 hash, const char *bytes, uint32 len)
{
	uint64		i = hash & (state->capacity - 1);

	for (; state->slots[i].used; i = (i + 1) & (state->capacity - 1))
	{
		const DistinctSlot *other = &state->slots[i];

		if (other->hash == hash && other->len == len && memcmp(slot_bytes(other), bytes, len) == 0)
			break;
	}
	return i;
}

/* distinct_grow doubles the table, moving every key (long byte strings stay where they are). */
static void
distinct_grow(DistinctState *state, MemoryContext cxt)
{
	DistinctState old = *state;

	distinct_alloc_table(state, cxt, old.capacity * 2);
	for (uint64 j = 0; j < old.capacity; j++)
	{
		if (state->int_keys && old.ints[j] != DISTINCT_EMPTY)
			state->ints[int_slot(state, old.ints[j])] = old.ints[j];
		else if (!state->int_keys && old.slots[j].used)
			state->slots[bytes_slot(state, old.slots[j].hash, slot_bytes(&old.slots[j]),
									old.slots[j].len)] = old.slots[j];
	}
	if (state->int_keys)
		pfree(old.ints);
	else
		pfree(old.slots);
}

/* distinct_add adds a key if new: an int64 (int_keys) or a byte string copied into cxt. */
static void
distinct_add(DistinctState *state, MemoryContext cxt, int64 int_value, const char *bytes, uint32 len)
{
	uint64		hash = 0;
	uint64		i;
	DistinctSlot *slot;

	if (state->int_keys && int_value == DISTINCT_EMPTY)
	{
		state->count += state->has_empty_value ? 0 : 1;
		state->has_empty_value = true;
		return;
	}
	if (state->int_keys)
	{
		i = int_slot(state, int_value);
		if (state->ints[i] == int_value)
			return;
	}
	else
	{
		hash = hash_bytes_extended((const unsigned char *) bytes, (int) len, 0);
		i = bytes_slot(state, hash, bytes, len);
		if (state->slots[i].used)
			return;
	}
	if ((state->count + 1) * 2 > state->capacity)
	{
		distinct_grow(state, cxt);
		i = state->int_keys ? int_slot(state, int_value) : bytes_slot(state, hash, bytes, len);
	}
	state->count++;
	if (state->int_keys)
	{
		state->ints[i] = int_value;
		return;
	}
	slot = &state->slots[i];
	slot->hash = hash;
	slot->len = len;
	slot->used = true;
	if (len <= DISTINCT_INLINE_BYTES)
		memcpy(slot->key.inline_bytes, bytes, len);
	else
	{
		slot->key.heap_bytes = MemoryContextAlloc(cxt, len);
		memcpy(slot->key.heap_bytes, bytes, len);
	}
}

/* distinct_add_slot adds key j of another state of the same type. */
static void
distinct_add_slot(DistinctState *state, MemoryContext cxt, const DistinctState *src, uint64 j)
{
	if (src->int_keys)
		distinct_add(state, cxt, src->ints[j], NULL, 0);
	else
		distinct_add(state, cxt, 0, slot_bytes(&src->slots[j]), src->slots[j].len);
}

static bool
distinct_slot_used(const DistinctState *state, uint64 j)
{
	return state->int_keys ? state->ints[j] != DISTINCT_EMPTY : state->slots[j].used;
}

/*
 * byte_key turns a non-integer value into bytes that are equal exactly when the values are equal
 * under the type's default equality (the one count(DISTINCT) uses): numerics without insignificant
 * zeros (1.0 = 1.00), inet as family, mask length and address (1.2.3.4/32 <> 1.2.3.4/24, as in
 * PostgreSQL), text as its bytes (deterministic collations only).  The bytes are in *buf, the
 * value or palloc'd memory.
 */
static const char *
byte_key(Oid typid, Datum value, char *buf, uint32 *len)
{
	switch (typid)
	{
		case NUMERICOID:
			{
				char	   *normalized = numeric_normalize(DatumGetNumeric(value));

				*len = (uint32) strlen(normalized);
				return normalized;
			}
		case INETOID:
			{
				inet	   *ip = DatumGetInetPP(value);
				int			size = ip_addrsize(ip);

				buf[0] = (char) ip_family(ip);
				buf[1] = (char) ip_bits(ip);
				memcpy(buf + 2, ip_addr(ip), size);
				*len = (uint32) (2 + size);
				return buf;
			}
		case TEXTOID:
			{
				text	   *t = DatumGetTextPP(value);

				*len = (uint32) VARSIZE_ANY_EXHDR(t);
				return VARDATA_ANY(t);
			}
	}
	ereport(ERROR,
			(errcode(ERRCODE_DATATYPE_MISMATCH),
			 errmsg("f_countdistinct does not support type %s", format_type_be(typid))));
	return NULL;
}

/* int_key reads an integer or timestamp value as int64. */
static int64
int_key(Oid typid, Datum value)
{
	if (typid == INT2OID)
		return DatumGetInt16(value);
	if (typid == INT4OID)
		return DatumGetInt32(value);
	return DatumGetInt64(value);
}

/* f_countdistinct_trans(internal, value): adds a non-NULL value to the set. */
Datum
f_countdistinct_trans(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = aggregate_context(fcinfo, "f_countdistinct");
	DistinctState *state = PG_ARGISNULL(0) ? NULL : (DistinctState *) PG_GETARG_POINTER(0);
	char		buf[2 + 16];		/* family, mask length, up to 16 address bytes */
	const char *key;
	uint32		len;
	Datum		value;

	if (state == NULL)
	{
		Oid			typid = get_fn_expr_argtype(fcinfo->flinfo, 1);

		if (typid == TEXTOID && OidIsValid(PG_GET_COLLATION()) &&
			!get_collation_isdeterministic(PG_GET_COLLATION()))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("f_countdistinct does not support nondeterministic collations"),
					 errhint("Use count(DISTINCT ...) instead.")));
		state = distinct_new(cxt, typid);
	}
	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(state);
	value = PG_GETARG_DATUM(1);
	if (state->int_keys)
		distinct_add(state, cxt, int_key(state->typid, value), NULL, 0);
	else
	{
		key = byte_key(state->typid, value, buf, &len);
		distinct_add(state, cxt, 0, key, len);
	}
	PG_RETURN_POINTER(state);
}

/* f_countdistinct_combine(internal, internal): the union of two sets, in the first. */
Datum
f_countdistinct_combine(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = aggregate_context(fcinfo, "f_countdistinct");
	DistinctState *state1 = PG_ARGISNULL(0) ? NULL : (DistinctState *) PG_GETARG_POINTER(0);
	DistinctState *state2 = PG_ARGISNULL(1) ? NULL : (DistinctState *) PG_GETARG_POINTER(1);

	if (state2 == NULL)
		PG_RETURN_POINTER(state1);
	if (state1 == NULL)
		state1 = distinct_new(cxt, state2->typid);
	for (uint64 j = 0; j < state2->capacity; j++)
		if (distinct_slot_used(state2, j))
			distinct_add_slot(state1, cxt, state2, j);
	if (state2->has_empty_value)
		distinct_add(state1, cxt, DISTINCT_EMPTY, NULL, 0);
	PG_RETURN_POINTER(state1);
}

/* f_countdistinct_serialize(internal): type, count, then the int64 or (length, bytes) of each key. */
Datum
f_countdistinct_serialize(PG_FUNCTION_ARGS)
{
	DistinctState *state = (DistinctState *) PG_GETARG_POINTER(0);
	StringInfoData buf;

	aggregate_context(fcinfo, "f_countdistinct");
	pq_begintypsend(&buf);
	pq_sendint32(&buf, state->typid);
	pq_sendint64(&buf, state->count);
	if (state->has_empty_value)
		pq_sendint64(&buf, DISTINCT_EMPTY);
	for (uint64 j = 0; j < state->capacity; j++)
	{
		if (!distinct_slot_used(state, j))
			continue;
		if (state->int_keys)
		{
			pq_sendint64(&buf, state->ints[j]);
			continue;
		}
		pq_sendint32(&buf, state->slots[j].len);
		pq_sendbytes(&buf, slot_bytes(&state->slots[j]), state->slots[j].len);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* f_countdistinct_deserialize(bytea, internal) */
Datum
f_countdistinct_deserialize(PG_FUNCTION_ARGS)
{
	StringInfoData buf;
	DistinctState *state;
	uint64		count;

	aggregate_context(fcinfo, "f_countdistinct");
	begin_state_read(&buf, PG_GETARG_BYTEA_PP(0));
	state = distinct_new(CurrentMemoryContext, (Oid) pq_getmsgint(&buf, 4));
	count = (uint64) pq_getmsgint64(&buf);
	for (uint64 i = 0; i < count; i++)
	{
		uint32		len;

		if (state->int_keys)
		{
			distinct_add(state, CurrentMemoryContext, pq_getmsgint64(&buf), NULL, 0);
			continue;
		}
		len = (uint32) pq_getmsgint(&buf, 4);
		distinct_add(state, CurrentMemoryContext, 0, pq_getmsgbytes(&buf, (int) len), len);
	}
	pq_getmsgend(&buf);
	PG_RETURN_POINTER(state);
}

/* f_countdistinct_final(internal) -> bigint: the number of distinct non-NULL values, 0 over none. */
Datum
f_countdistinct_final(PG_FUNCTION_ARGS)
{
	DistinctState *state = PG_ARGISNULL(0) ? NULL : (DistinctState *) PG_GETARG_POINTER(0);

	PG_RETURN_INT64(state == NULL ? 0 : (int64) state->count);
}

/* ---------------------------------------------------------------- f_hll: HyperLogLog sketches */

/*
 * A sketch of 2^precision registers.  Small sets keep a sparse list of (index << 8 | rank)
 * entries instead (unsorted, with repeats until compacted), so a GROUP BY with many small groups
 * does not pay 16 kB per group; past a quarter of the dense size in entries it becomes dense.
 * The estimate only depends on the registers the entries describe.
 */
typedef struct HllState
{
	int			precision;
	uint8	   *registers;		/* dense registers, NULL while sparse */
	uint32	   *entries;		/* sparse entries */
	uint32		nentries;
	uint32		capacity;
} HllState;

#define HLL_SPARSE_INITIAL 16

static uint32
hll_register_count(const HllState *state)
{
	return (uint32) 1 << state->precision;
}

/* The most sparse entries a sketch keeps: their size then equals the dense registers'. */
static uint32
hll_sparse_limit(const HllState *state)
{
	return Max(hll_register_count(state) / 4, 4);
}

static HllState *
hll_new(MemoryContext cxt, int precision)
{
	HllState   *state = MemoryContextAllocZero(cxt, sizeof(HllState));

	state->precision = precision;
	state->capacity = Min(HLL_SPARSE_INITIAL, hll_sparse_limit(state));
	state->entries = MemoryContextAlloc(cxt, sizeof(uint32) * state->capacity);
	return state;
}

static int
compare_uint32(const void *a, const void *b)
{
	uint32		x = *(const uint32 *) a;
	uint32		y = *(const uint32 *) b;

	return x < y ? -1 : x > y;
}

/* hll_compact sorts the sparse entries and keeps one per register, the one of highest rank. */
static void
hll_compact(HllState *state)
{
	uint32		n = 0;

	qsort(state->entries, state->nentries, sizeof(uint32), compare_uint32);
	for (uint32 i = 0; i < state->nentries; i++)
	{
		/* sorted by (index, rank): the last entry of an index has its highest rank */
		if (n > 0 && (state->entries[n - 1] >> 8) == (state->entries[i] >> 8))
			n--;
		state->entries[n++] = state->entries[i];
	}
	state->nentries = n;
}

/* hll_fill sets the registers from the sparse entries (register-wise maximum). */
static void
hll_fill(const HllState *state, uint8 *registers)
{
	for (uint32 i = 0; i < state->nentries; i++)
	{
		uint32		index = state->entries[i] >> 8;
		uint8		rank = (uint8) (state->entries[i] & 0xff);

		if (rank > registers[index])
			registers[index] = rank;
	}
}

static void
hll_make_dense(HllState *state, MemoryContext cxt)
{
	state->registers = MemoryContextAllocZero(cxt, hll_register_count(state));
	hll_fill(state, state->registers);
	pfree(state->entries);
	state->entries = NULL;
	state->nentries = 0;
	state->capacity = 0;
}

/* hll_add_entry raises register index to rank (if lower). */
static void
hll_add_entry(HllState *state, MemoryContext cxt, uint32 index, uint8 rank)
{
	if (state->registers == NULL && state->nentries == state->capacity)
	{
		hll_compact(state);
		if (state->nentries >= state->capacity / 2)
		{
			if (state->capacity * 2 > hll_sparse_limit(state))
				hll_make_dense(state, cxt);
			else
			{
				state->capacity *= 2;
				state->entries = repalloc(state->entries, sizeof(uint32) * state->capacity);
			}
		}
	}
	if (state->registers != NULL)
	{
		if (rank > state->registers[index])
			state->registers[index] = rank;
		return;
	}
	state->entries[state->nentries++] = (index << 8) | rank;
}

static void
hll_add_hash(HllState *state, MemoryContext cxt, uint64 hash)
{
	hll_add_entry(state, cxt, kf_hll_index(hash, state->precision),
				  kf_hll_rank(hash, state->precision));
}

/* hll_value_hash hashes a value as the engine hashes the column holding it. */
static uint64
hll_value_hash(Oid typid, Datum value)
{
	switch (typid)
	{
		case INT2OID:
			return kf_hll_hash_int(DatumGetInt16(value));
		case INT4OID:
			return kf_hll_hash_int(DatumGetInt32(value));
		case INT8OID:
			return kf_hll_hash_int(DatumGetInt64(value));
		case INETOID:
			{
				kf_addr		addr = inet_to_kf_addr(DatumGetInetPP(value));

				return kf_hll_hash_addr(&addr);
			}
		case TEXTOID:
			{
				text	   *t = DatumGetTextPP(value);

				return kf_hll_hash_bytes(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
			}
	}
	ereport(ERROR,
			(errcode(ERRCODE_DATATYPE_MISMATCH),
			 errmsg("f_hll does not support type %s", format_type_be(typid))));
	return 0;
}

/* f_hll_trans(internal, value, rel_error float8): adds a non-NULL value to the sketch. */
Datum
f_hll_trans(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = aggregate_context(fcinfo, "f_hll");
	HllState   *state = PG_ARGISNULL(0) ? NULL : (HllState *) PG_GETARG_POINTER(0);

	if (state == NULL)
	{
		double		rel_error = DatumGetFloat8(constant_arg(fcinfo, 1, "f_hll", "relative error"));
		int			precision = kf_hll_precision_for_error(rel_error);

		if (precision < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the relative error of f_hll must be a number greater than 0, not %g",
							rel_error),
					 errhint("Kentik's usual value is 0.0001.")));
		state = hll_new(cxt, precision);
	}
	if (!PG_ARGISNULL(1))
		hll_add_hash(state, cxt, hll_value_hash(get_fn_expr_argtype(fcinfo->flinfo, 1),
												PG_GETARG_DATUM(1)));
	PG_RETURN_POINTER(state);
}

/* hll_merge adds the registers of src to state (same precision). */
static void
hll_merge(HllState *state, MemoryContext cxt, const HllState *src)
{
	if (state->precision != src->precision)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot merge f_hll sketches of precisions %d and %d",
						state->precision, src->precision)));
	if (src->registers != NULL)
	{
		if (state->registers == NULL)
			hll_make_dense(state, cxt);
		for (uint32 i = 0; i < hll_register_count(state); i++)
			if (src->registers[i] > state->registers[i])
				state->registers[i] = src->registers[i];
		return;
	}
	for (uint32 i = 0; i < src->nentries; i++)
		hll_add_entry(state, cxt, src->entries[i] >> 8, (uint8) (src->entries[i] & 0xff));
}

/* f_hll_combine(internal, internal) */
Datum
f_hll_combine(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = aggregate_context(fcinfo, "f_hll");
	HllState   *state1 = PG_ARGISNULL(0) ? NULL : (HllState *) PG_GETARG_POINTER(0);
	HllState   *state2 = PG_ARGISNULL(1) ? NULL : (HllState *) PG_GETARG_POINTER(1);

	if (state2 == NULL)
		PG_RETURN_POINTER(state1);
	if (state1 == NULL)
		state1 = hll_new(cxt, state2->precision);
	hll_merge(state1, cxt, state2);
	PG_RETURN_POINTER(state1);
}

/* f_hll_serialize(internal): precision, then 0 + sparse entries or 1 + the dense registers. */
Datum
f_hll_serialize(PG_FUNCTION_ARGS)
{
	HllState   *state = (HllState *) PG_GETARG_POINTER(0);
	StringInfoData buf;

	aggregate_context(fcinfo, "f_hll");
	pq_begintypsend(&buf);
	pq_sendbyte(&buf, (uint8) state->precision);
	if (state->registers != NULL)
	{
		pq_sendbyte(&buf, 1);
		pq_sendbytes(&buf, (const char *) state->registers, (int) hll_register_count(state));
	}
	else
	{
		pq_sendbyte(&buf, 0);
		pq_sendint32(&buf, state->nentries);
		for (uint32 i = 0; i < state->nentries; i++)
			pq_sendint32(&buf, state->entries[i]);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* f_hll_deserialize(bytea, internal): checks every register index and rank it reads. */
Datum
f_hll_deserialize(PG_FUNCTION_ARGS)
{
	StringInfoData buf;
	HllState   *state;
	int			precision;
	uint8		max_rank;

	aggregate_context(fcinfo, "f_hll");
	begin_state_read(&buf, PG_GETARG_BYTEA_PP(0));
	precision = pq_getmsgbyte(&buf);
	if (precision < KF_HLL_MIN_PRECISION || precision > KF_HLL_MAX_PRECISION)
		bad_state("f_hll");
	max_rank = (uint8) (65 - precision);
	state = hll_new(CurrentMemoryContext, precision);
	if (pq_getmsgbyte(&buf) == 1)
	{
		const char *registers = pq_getmsgbytes(&buf, (int) hll_register_count(state));

		hll_make_dense(state, CurrentMemoryContext);
		memcpy(state->registers, registers, hll_register_count(state));
		for (uint32 i = 0; i < hll_register_count(state); i++)
			if (state->registers[i] > max_rank)
				bad_state("f_hll");
	}
	else
	{
		uint32		n = (uint32) pq_getmsgint(&buf, 4);

		for (uint32 i = 0; i < n; i++)
		{
			uint32		entry = (uint32) pq_getmsgint(&buf, 4);
			uint8		rank = (uint8) (entry & 0xff);

			if ((entry >> 8) >= hll_register_count(state) || rank == 0 || rank > max_rank)
				bad_state("f_hll");
			hll_add_entry(state, CurrentMemoryContext, entry >> 8, rank);
		}
	}
	pq_getmsgend(&buf);
	PG_RETURN_POINTER(state);
}

/* f_hll_final(internal) -> bigint: the estimate (kf_hll_estimate of the dense registers), 0 over none. */
Datum
f_hll_final(PG_FUNCTION_ARGS)
{
	HllState   *state = PG_ARGISNULL(0) ? NULL : (HllState *) PG_GETARG_POINTER(0);
	uint8	   *registers;
	uint64		estimate;

	if (state == NULL)
		PG_RETURN_INT64(0);
	if (state->registers != NULL)
		PG_RETURN_INT64((int64) kf_hll_estimate(state->registers, state->precision));
	registers = palloc0(hll_register_count(state));
	hll_fill(state, registers);
	estimate = kf_hll_estimate(registers, state->precision);
	pfree(registers);
	PG_RETURN_INT64((int64) estimate);
}

/* ---------------------------------------------------------------- f_percentile: nearest rank of integers */

typedef struct PercentileState
{
	double		rank;
	uint64		count;
	uint64		capacity;
	int64	   *values;
} PercentileState;

#define PERCENTILE_INITIAL_CAPACITY 64

/* percentile_rank reads and checks the constant rank argument (aggregate argument argno). */
static double
percentile_rank(FunctionCallInfo fcinfo, int argno, const char *fname)
{
	double		rank = DatumGetFloat8(constant_arg(fcinfo, argno, fname, "rank"));

	if (!kf_percentile_rank_valid(rank))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the rank of %s must be greater than 0 and at most 100, not %g", fname, rank)));
	return rank;
}

static PercentileState *
percentile_new(MemoryContext cxt, double rank)
{
	PercentileState *state = MemoryContextAllocZero(cxt, sizeof(PercentileState));

	state->rank = rank;
	state->capacity = PERCENTILE_INITIAL_CAPACITY;
	state->values = MemoryContextAlloc(cxt, sizeof(int64) * state->capacity);
	return state;
}

static void
percentile_add(PercentileState *state, int64 value)
{
	if (state->count == state->capacity)
	{
		state->capacity *= 2;
		state->values = repalloc_huge(state->values, sizeof(int64) * state->capacity);
	}
	state->values[state->count++] = value;
}

/* f_percentile_trans(internal, value, rank float8): keeps the non-NULL values. */
Datum
f_percentile_trans(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = aggregate_context(fcinfo, "f_percentile");
	PercentileState *state = PG_ARGISNULL(0) ? NULL : (PercentileState *) PG_GETARG_POINTER(0);
	Oid			typid = get_fn_expr_argtype(fcinfo->flinfo, 1);

	if (state == NULL)
		state = percentile_new(cxt, percentile_rank(fcinfo, 1, "f_percentile"));
	if (!PG_ARGISNULL(1))
		percentile_add(state, typid == INT2OID ? DatumGetInt16(PG_GETARG_DATUM(1)) :
					   typid == INT4OID ? DatumGetInt32(PG_GETARG_DATUM(1)) :
					   DatumGetInt64(PG_GETARG_DATUM(1)));
	PG_RETURN_POINTER(state);
}

/* f_percentile_combine(internal, internal) */
Datum
f_percentile_combine(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = aggregate_context(fcinfo, "f_percentile");
	PercentileState *state1 = PG_ARGISNULL(0) ? NULL : (PercentileState *) PG_GETARG_POINTER(0);
	PercentileState *state2 = PG_ARGISNULL(1) ? NULL : (PercentileState *) PG_GETARG_POINTER(1);

	if (state2 == NULL)
		PG_RETURN_POINTER(state1);
	if (state1 == NULL)
		state1 = percentile_new(cxt, state2->rank);
	for (uint64 i = 0; i < state2->count; i++)
		percentile_add(state1, state2->values[i]);
	PG_RETURN_POINTER(state1);
}

/* f_percentile_serialize(internal): rank, count, values. */
Datum
f_percentile_serialize(PG_FUNCTION_ARGS)
{
	PercentileState *state = (PercentileState *) PG_GETARG_POINTER(0);
	StringInfoData buf;

	aggregate_context(fcinfo, "f_percentile");
	pq_begintypsend(&buf);
	pq_sendfloat8(&buf, state->rank);
	pq_sendint64(&buf, state->count);
	for (uint64 i = 0; i < state->count; i++)
		pq_sendint64(&buf, state->values[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* f_percentile_deserialize(bytea, internal) */
Datum
f_percentile_deserialize(PG_FUNCTION_ARGS)
{
	StringInfoData buf;
	PercentileState *state;
	uint64		count;

	aggregate_context(fcinfo, "f_percentile");
	begin_state_read(&buf, PG_GETARG_BYTEA_PP(0));
	state = percentile_new(CurrentMemoryContext, pq_getmsgfloat8(&buf));
	count = (uint64) pq_getmsgint64(&buf);
	if (!kf_percentile_rank_valid(state->rank) || count > (uint64) (buf.len - buf.cursor) / 8)
		bad_state("f_percentile");
	for (uint64 i = 0; i < count; i++)
		percentile_add(state, pq_getmsgint64(&buf));
	pq_getmsgend(&buf);
	PG_RETURN_POINTER(state);
}

/*
 * f_percentile_final(internal) -> the argument's integer type: the nearest-rank percentile, NULL
 * over no values.  Selection reorders the values, which later transitions do not mind.
 */
Datum
f_percentile_final(PG_FUNCTION_ARGS)
{
	PercentileState *state = PG_ARGISNULL(0) ? NULL : (PercentileState *) PG_GETARG_POINTER(0);
	Aggref	   *aggref = AggGetAggref(fcinfo);
	int64		value;

	if (state == NULL || state->count == 0)
		PG_RETURN_NULL();
	value = kf_percentile_select_int(state->values, state->count, state->rank);
	if (aggref != NULL && aggref->aggtype == INT2OID)
		PG_RETURN_INT16((int16) value);
	if (aggref != NULL && aggref->aggtype == INT4OID)
		PG_RETURN_INT32((int32) value);
	PG_RETURN_INT64(value);
}

/* ---------------------------------------------------------------- f_percentile_rate: per-slice sums */

/* Sums per slice (slice start in epoch seconds), in an open-addressing table. */
typedef struct RateState
{
	double		rank;
	int64		slice_seconds;
	uint64		count;
	uint64		capacity;		/* a power of two, at least twice count */
	bool	   *used;
	int64	   *slices;
	int128	   *sums;
} RateState;

#define RATE_INITIAL_CAPACITY 128

static RateState *
rate_new(MemoryContext cxt, double rank, int64 slice_seconds, uint64 capacity)
{
	RateState  *state = MemoryContextAllocZero(cxt, sizeof(RateState));

	state->rank = rank;
	state->slice_seconds = slice_seconds;
	state->capacity = capacity;
	state->used = MemoryContextAllocZero(cxt, sizeof(bool) * capacity);
	state->slices = MemoryContextAlloc(cxt, sizeof(int64) * capacity);
	state->sums = MemoryContextAlloc(cxt, sizeof(int128) * capacity);
	return state;
}

/* rate_slot finds the slot of a slice, or the free slot where it belongs. */
static uint64
rate_slot(const RateState *state, int64 slice)
{
	uint64		i = hash_bytes_uint32((uint32) slice ^ (uint32) ((uint64) slice >> 32)) &
		(state->capacity - 1);

	while (state->used[i] && state->slices[i] != slice)
		i = (i + 1) & (state->capacity - 1);
	return i;
}

/* rate_add adds sum to the slice starting at slice; the table doubles at half full. */
static void
rate_add(RateState **statep, MemoryContext cxt, int64 slice, int128 sum)
{
	RateState  *state = *statep;
	uint64		i = rate_slot(state, slice);

	if (!state->used[i] && (state->count + 1) * 2 > state->capacity)
	{
		RateState  *bigger = rate_new(cxt, state->rank, state->slice_seconds, state->capacity * 2);

		for (uint64 j = 0; j < state->capacity; j++)
			if (state->used[j])
				rate_add(&bigger, cxt, state->slices[j], state->sums[j]);
		pfree(state->used);
		pfree(state->slices);
		pfree(state->sums);
		pfree(state);
		*statep = state = bigger;
		i = rate_slot(state, slice);
	}
	if (!state->used[i])
	{
		state->used[i] = true;
		state->slices[i] = slice;
		state->sums[i] = 0;
		state->count++;
	}
	state->sums[i] += sum;
}

/* slice_start floors epoch seconds to a multiple of slice_seconds (as the engine does). */
static int64
slice_start(int64 seconds, int64 slice_seconds)
{
	int64		q = seconds / slice_seconds;

	if (seconds % slice_seconds != 0 && seconds < 0)
		q--;
	return q * slice_seconds;
}

/* epoch_seconds reads the slice time argument: an integer of epoch seconds or a timestamptz. */
static int64
epoch_seconds(FunctionCallInfo fcinfo, int argno)
{
	TimestampTz ts;

	if (get_fn_expr_argtype(fcinfo->flinfo, argno) != TIMESTAMPTZOID)
		return PG_GETARG_INT64(argno);
	ts = PG_GETARG_TIMESTAMPTZ(argno);
	if (TIMESTAMP_NOT_FINITE(ts))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("the slice time of f_percentile_rate must be finite")));
	/* floor to the second, then move from the PostgreSQL epoch (2000) to the Unix epoch */
	return (ts - (ts < 0 ? USECS_PER_SEC - 1 : 0)) / USECS_PER_SEC + KF_UNIX_TO_PG_EPOCH_SECS;
}

/*
 * f_percentile_rate_trans(internal, value int8, slice_time int8|timestamptz, rank float8
 * [, slice_seconds int8]): adds value to its time's slice.  Rows with a NULL value or time are
 * skipped, as sum skips NULLs.
 */
Datum
f_percentile_rate_trans(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = aggregate_context(fcinfo, "f_percentile_rate");
	RateState  *state = PG_ARGISNULL(0) ? NULL : (RateState *) PG_GETARG_POINTER(0);

	if (state == NULL)
	{
		double		rank = percentile_rank(fcinfo, 2, "f_percentile_rate");
		int64		slice_seconds = KF_DEFAULT_SLICE_SECONDS;

		if (PG_NARGS() > 4)
			slice_seconds = DatumGetInt64(constant_arg(fcinfo, 3, "f_percentile_rate",
													   "slice length"));
		if (slice_seconds <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the slice length of f_percentile_rate must be a positive number of seconds, not "
							INT64_FORMAT, slice_seconds)));
		state = rate_new(cxt, rank, slice_seconds, RATE_INITIAL_CAPACITY);
	}
	if (!PG_ARGISNULL(1) && !PG_ARGISNULL(2))
		rate_add(&state, cxt, slice_start(epoch_seconds(fcinfo, 2), state->slice_seconds),
				 PG_GETARG_INT64(1));
	PG_RETURN_POINTER(state);
}

/* f_percentile_rate_combine(internal, internal) */
Datum
f_percentile_rate_combine(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = aggregate_context(fcinfo, "f_percentile_rate");
	RateState  *state1 = PG_ARGISNULL(0) ? NULL : (RateState *) PG_GETARG_POINTER(0);
	RateState  *state2 = PG_ARGISNULL(1) ? NULL : (RateState *) PG_GETARG_POINTER(1);

	if (state2 == NULL)
		PG_RETURN_POINTER(state1);
	if (state1 == NULL)
		state1 = rate_new(cxt, state2->rank, state2->slice_seconds, RATE_INITIAL_CAPACITY);
	for (uint64 i = 0; i < state2->capacity; i++)
		if (state2->used[i])
			rate_add(&state1, cxt, state2->slices[i], state2->sums[i]);
	PG_RETURN_POINTER(state1);
}

/* f_percentile_rate_serialize(internal): rank, slice length, count, (slice, sum high, sum low) per slice. */
Datum
f_percentile_rate_serialize(PG_FUNCTION_ARGS)
{
	RateState  *state = (RateState *) PG_GETARG_POINTER(0);
	StringInfoData buf;

	aggregate_context(fcinfo, "f_percentile_rate");
	pq_begintypsend(&buf);
	pq_sendfloat8(&buf, state->rank);
	pq_sendint64(&buf, state->slice_seconds);
	pq_sendint64(&buf, state->count);
	for (uint64 i = 0; i < state->capacity; i++)
	{
		if (!state->used[i])
			continue;
		pq_sendint64(&buf, state->slices[i]);
		pq_sendint64(&buf, (int64) (state->sums[i] >> 64));
		pq_sendint64(&buf, (int64) (uint64) state->sums[i]);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* f_percentile_rate_deserialize(bytea, internal) */
Datum
f_percentile_rate_deserialize(PG_FUNCTION_ARGS)
{
	StringInfoData buf;
	RateState  *state;
	double		rank;
	int64		slice_seconds;
	uint64		count;

	aggregate_context(fcinfo, "f_percentile_rate");
	begin_state_read(&buf, PG_GETARG_BYTEA_PP(0));
	rank = pq_getmsgfloat8(&buf);
	slice_seconds = pq_getmsgint64(&buf);
	count = (uint64) pq_getmsgint64(&buf);
	if (!kf_percentile_rank_valid(rank) || slice_seconds <= 0 ||
		count > (uint64) (buf.len - buf.cursor) / 24)
		bad_state("f_percentile_rate");
	state = rate_new(CurrentMemoryContext, rank, slice_seconds, RATE_INITIAL_CAPACITY);
	for (uint64 i = 0; i < count; i++)
	{
		int64		slice = pq_getmsgint64(&buf);
		int128		high = pq_getmsgint64(&buf);
		uint64		low = (uint64) pq_getmsgint64(&buf);

		rate_add(&state, CurrentMemoryContext, slice, (int128) ((uint128) high << 64 | low));
	}
	pq_getmsgend(&buf);
	PG_RETURN_POINTER(state);
}

/*
 * f_percentile_rate_final(internal) -> float8: the nearest-rank percentile of the slice sums,
 * counting the slices from the first to the last one seen (missing ones are 0), divided by the
 * slice length; NULL over no rows.
 */
Datum
f_percentile_rate_final(PG_FUNCTION_ARGS)
{
	RateState  *state = PG_ARGISNULL(0) ? NULL : (RateState *) PG_GETARG_POINTER(0);
	__int128   *sums;
	uint64		n = 0;
	int64		first = PG_INT64_MAX;
	int64		last = PG_INT64_MIN;
	uint64		total;
	__int128	chosen;

	if (state == NULL || state->count == 0)
		PG_RETURN_NULL();
	/* the engine's selection wants 16-byte aligned __int128, more than palloc promises */
	sums = (__int128 *) TYPEALIGN(16, palloc(sizeof(__int128) * state->count + 15));
	for (uint64 i = 0; i < state->capacity; i++)
	{
		if (!state->used[i])
			continue;
		sums[n++] = state->sums[i];
		first = Min(first, state->slices[i]);
		last = Max(last, state->slices[i]);
	}
	total = ((uint64) last - (uint64) first) / (uint64) state->slice_seconds + 1;
	chosen = kf_percentile_select_slices(sums, n, total, state->rank);
	PG_RETURN_FLOAT8(kf_slice_rate(chosen, state->slice_seconds));
}
