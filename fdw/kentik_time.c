/*-------------------------------------------------------------------------
 *
 * kentik_time.c
 *		  Kentik's time dialect: the reference time and the kentik_time vs integer operators.
 *
 * kentik_time is an int8 of epoch seconds (its I/O, ordering and hashing are int8's own
 * functions, declared in kentik_fdw--1.0.sql).  Compared with an integer c, c < 10^9 means
 * "reference time - c" and larger values are absolute epoch seconds; the reference time is the
 * transaction start time rounded down to the second, unless kentik_fdw.reference_time is set.
 *
 * The pushdown code resolves constants with kf_resolve_time_constant, the same function the
 * operators use, so a condition gives the same answer whether the engine or PostgreSQL
 * evaluates it, and the same on an ordinary table with a kentik_time column.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fdw/kentik_fdw.h"

#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "fmgr.h"
#include "utils/guc.h"

/* kentik_fdw.reference_time as text (a GUC cannot be int8 in PostgreSQL 15) and as a number. */
static char *reference_time_setting = NULL;
static int64 reference_time_override = 0;

/*
 * check_reference_time accepts a non-negative integer of epoch seconds (0 = unset) and hands the
 * parsed value to the assign hook through *extra.
 */
static bool
check_reference_time(char **newval, void **extra, GucSource source)
{
	char	   *end;
	long long	value;
	int64	   *parsed;

	errno = 0;
	value = strtoll(*newval, &end, 10);
	if (errno != 0 || end == *newval || *end != '\0' || value < 0)
	{
		GUC_check_errdetail("kentik_fdw.reference_time must be epoch seconds (0 = the transaction start time).");
		return false;
	}
	parsed = (int64 *) malloc(sizeof(int64));
	if (parsed == NULL)
		return false;
	*parsed = (int64) value;
	*extra = parsed;
	return true;
}

static void
assign_reference_time(const char *newval, void *extra)
{
	reference_time_override = *(int64 *) extra;
}

/* kf_define_reference_time_guc registers kentik_fdw.reference_time (called from _PG_init). */
void
kf_define_reference_time_guc(void)
{
	DefineCustomStringVariable("kentik_fdw.reference_time",
							   "Epoch seconds that relative kentik_time constants count back from.",
							   "0 means the start time of the current transaction.",
							   &reference_time_setting,
							   "0",
							   PGC_USERSET,
							   0,
							   check_reference_time, assign_reference_time, NULL);
}

/* kf_reference_time returns "now" for relative time constants, in epoch seconds. */
int64
kf_reference_time(void)
{
	TimestampTz start;

	if (reference_time_override != 0)
		return reference_time_override;
	start = GetCurrentTransactionStartTimestamp();
	/* floor division: the timestamp is microseconds since 2000 and may be negative in theory */
	if (start < 0)
		return (start - (USECS_PER_SEC - 1)) / USECS_PER_SEC + KF_UNIX_TO_PG_EPOCH_SECS;
	return start / USECS_PER_SEC + KF_UNIX_TO_PG_EPOCH_SECS;
}

/* kf_resolve_time_constant turns an integer compared with a kentik_time into epoch seconds. */
int64
kf_resolve_time_constant(int64 c)
{
	if (c < KF_RELATIVE_TIME_LIMIT)
		return kf_reference_time() - c;
	return c;
}

/* kf_extension_oid returns the OID of the installed kentik_fdw extension (InvalidOid if none). */
Oid
kf_extension_oid(void)
{
	return get_extension_oid("kentik_fdw", true);
}

/* kf_is_kentik_time_type tells whether typid is this extension's kentik_time. */
bool
kf_is_kentik_time_type(Oid typid)
{
	Oid			ext = kf_extension_oid();

	if (!OidIsValid(ext) || typid < FirstNormalObjectId)
		return false;
	return getExtensionOfObject(TypeRelationId, typid) == ext;
}

/*
 * The comparison functions.  KF_TIME_VS_INT defines kentik_time <op> intN (time on the left)
 * and intN <op> kentik_time (time on the right); both resolve the integer the same way.
 */
#define KF_TIME_VS_INT(opname, op, inttype, getint) \
PG_FUNCTION_INFO_V1(kentik_time_##opname##_##inttype); \
Datum \
kentik_time_##opname##_##inttype(PG_FUNCTION_ARGS) \
{ \
	int64		t = PG_GETARG_INT64(0); \
	int64		c = kf_resolve_time_constant((int64) getint(1)); \
	PG_RETURN_BOOL(t op c); \
} \
PG_FUNCTION_INFO_V1(inttype##_##opname##_kentik_time); \
Datum \
inttype##_##opname##_kentik_time(PG_FUNCTION_ARGS) \
{ \
	int64		c = kf_resolve_time_constant((int64) getint(0)); \
	int64		t = PG_GETARG_INT64(1); \
	PG_RETURN_BOOL(c op t); \
}

/* Each function gets a prototype from PG_FUNCTION_INFO_V1; these macro lines define 24 of them. */
KF_TIME_VS_INT(eq, ==, int4, PG_GETARG_INT32)
KF_TIME_VS_INT(ne, !=, int4, PG_GETARG_INT32)
KF_TIME_VS_INT(lt, <, int4, PG_GETARG_INT32)
KF_TIME_VS_INT(le, <=, int4, PG_GETARG_INT32)
KF_TIME_VS_INT(gt, >, int4, PG_GETARG_INT32)
KF_TIME_VS_INT(ge, >=, int4, PG_GETARG_INT32)
KF_TIME_VS_INT(eq, ==, int8, PG_GETARG_INT64)
KF_TIME_VS_INT(ne, !=, int8, PG_GETARG_INT64)
KF_TIME_VS_INT(lt, <, int8, PG_GETARG_INT64)
KF_TIME_VS_INT(le, <=, int8, PG_GETARG_INT64)
KF_TIME_VS_INT(gt, >, int8, PG_GETARG_INT64)
KF_TIME_VS_INT(ge, >=, int8, PG_GETARG_INT64)
