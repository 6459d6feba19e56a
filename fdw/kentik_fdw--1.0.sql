-- kentik_fdw--1.0.sql -- SQL objects of the kentik_fdw extension.
--
-- The foreign data wrapper (handler + option validator), the kentik_time type and Kentik's
-- subquery functions as aggregates (f_sum ... f_percentile_rate, at the end).  Everything lives in
-- pg_catalog (kentik_fdw.control), so no search_path can hide an operator or an aggregate.
--
-- kentik_time is a bigint (epoch seconds) with Kentik's time dialect: compared with an integer c, a
-- constant below 10^9 means "reference time - c" (ctimestamp > 3600 = the last hour), larger ones
-- are absolute.
-- kentik_time compared with kentik_time is plain int8 ordering, so sorting, grouping, hashing and
-- joins behave like bigint; arithmetic goes through the implicit cast to bigint.

\echo Use "CREATE EXTENSION kentik_fdw" to load this file. \quit

-- ------------------------------------------------------------------ the wrapper

CREATE FUNCTION kentik_fdw_handler()
RETURNS fdw_handler
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT;

CREATE FUNCTION kentik_fdw_validator(text[], oid)
RETURNS void
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT;

CREATE FOREIGN DATA WRAPPER kentik_fdw
  HANDLER kentik_fdw_handler
  VALIDATOR kentik_fdw_validator;

-- ------------------------------------------------------------------ kentik_time: the type

CREATE TYPE kentik_time;

-- The representation is exactly int8's, so int8's own I/O routines serve.
CREATE FUNCTION kentik_time_in(cstring) RETURNS kentik_time
  AS 'int8in' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION kentik_time_out(kentik_time) RETURNS cstring
  AS 'int8out' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION kentik_time_recv(internal) RETURNS kentik_time
  AS 'int8recv' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION kentik_time_send(kentik_time) RETURNS bytea
  AS 'int8send' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE kentik_time (
  INPUT = kentik_time_in,
  OUTPUT = kentik_time_out,
  RECEIVE = kentik_time_recv,
  SEND = kentik_time_send,
  INTERNALLENGTH = 8,
  PASSEDBYVALUE,
  ALIGNMENT = double
);

CREATE CAST (kentik_time AS bigint) WITHOUT FUNCTION AS IMPLICIT;
CREATE CAST (bigint AS kentik_time) WITHOUT FUNCTION AS ASSIGNMENT;
-- int4 needs a conversion (int48 widens it); assignment only, so operator resolution is unchanged.
CREATE FUNCTION kentik_time(integer) RETURNS kentik_time
  AS 'int48' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE;
CREATE CAST (integer AS kentik_time) WITH FUNCTION kentik_time(integer) AS ASSIGNMENT;

-- ------------------------------------------------------------------ kentik_time vs kentik_time: int8 ordering

CREATE FUNCTION kentik_time_eq(kentik_time, kentik_time) RETURNS boolean
  AS 'int8eq' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION kentik_time_ne(kentik_time, kentik_time) RETURNS boolean
  AS 'int8ne' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION kentik_time_lt(kentik_time, kentik_time) RETURNS boolean
  AS 'int8lt' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION kentik_time_le(kentik_time, kentik_time) RETURNS boolean
  AS 'int8le' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION kentik_time_gt(kentik_time, kentik_time) RETURNS boolean
  AS 'int8gt' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION kentik_time_ge(kentik_time, kentik_time) RETURNS boolean
  AS 'int8ge' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION kentik_time_cmp(kentik_time, kentik_time) RETURNS integer
  AS 'btint8cmp' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION kentik_time_hash(kentik_time) RETURNS integer
  AS 'hashint8' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION kentik_time_hash_extended(kentik_time, bigint) RETURNS bigint
  AS 'hashint8extended' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE;

CREATE OPERATOR = (
  LEFTARG = kentik_time, RIGHTARG = kentik_time, FUNCTION = kentik_time_eq,
  COMMUTATOR = =, NEGATOR = <>,
  RESTRICT = eqsel, JOIN = eqjoinsel,
  HASHES, MERGES
);
CREATE OPERATOR <> (
  LEFTARG = kentik_time, RIGHTARG = kentik_time, FUNCTION = kentik_time_ne,
  COMMUTATOR = <>, NEGATOR = =,
  RESTRICT = neqsel, JOIN = neqjoinsel
);
CREATE OPERATOR < (
  LEFTARG = kentik_time, RIGHTARG = kentik_time, FUNCTION = kentik_time_lt,
  COMMUTATOR = >, NEGATOR = >=,
  RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);
CREATE OPERATOR <= (
  LEFTARG = kentik_time, RIGHTARG = kentik_time, FUNCTION = kentik_time_le,
  COMMUTATOR = >=, NEGATOR = >,
  RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);
CREATE OPERATOR > (
  LEFTARG = kentik_time, RIGHTARG = kentik_time, FUNCTION = kentik_time_gt,
  COMMUTATOR = <, NEGATOR = <=,
  RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);
CREATE OPERATOR >= (
  LEFTARG = kentik_time, RIGHTARG = kentik_time, FUNCTION = kentik_time_ge,
  COMMUTATOR = <=, NEGATOR = <,
  RESTRICT = scalargesel, JOIN = scalargejoinsel
);

CREATE OPERATOR CLASS kentik_time_ops DEFAULT FOR TYPE kentik_time USING btree AS
  OPERATOR 1 <, OPERATOR 2 <=, OPERATOR 3 =, OPERATOR 4 >=, OPERATOR 5 >,
  FUNCTION 1 kentik_time_cmp(kentik_time, kentik_time);

CREATE OPERATOR CLASS kentik_time_hash_ops DEFAULT FOR TYPE kentik_time USING hash AS
  OPERATOR 1 =,
  FUNCTION 1 kentik_time_hash(kentik_time),
  FUNCTION 2 kentik_time_hash_extended(kentik_time, bigint);

-- ------------------------------------------------------------------ kentik_time vs integer: the time dialect
-- c < 10^9 means reference_time - c (see kentik_fdw.reference_time); the functions are STABLE
-- because the reference time is the transaction start time.  Both argument orders exist so that
-- "3600 < ctimestamp" means the same as "ctimestamp > 3600".

CREATE FUNCTION kentik_time_eq_int4(kentik_time, integer) RETURNS boolean
  AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION int4_eq_kentik_time(integer, kentik_time) RETURNS boolean
  AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION kentik_time_ne_int4(kentik_time, integer) RETURNS boolean
  AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION int4_ne_kentik_time(integer, kentik_time) RETURNS boolean
  AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION kentik_time_lt_int4(kentik_time, integer) RETURNS boolean
  AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION int4_lt_kentik_time(integer, kentik_time) RETURNS boolean
  AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION kentik_time_le_int4(kentik_time, integer) RETURNS boolean
  AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION int4_le_kentik_time(integer, kentik_time) RETURNS boolean
  AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION kentik_time_gt_int4(kentik_time, integer) RETURNS boolean
  AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION int4_gt_kentik_time(integer, kentik_time) RETURNS boolean
  AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION kentik_time_ge_int4(kentik_time, integer) RETURNS boolean
  AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION int4_ge_kentik_time(integer, kentik_time) RETURNS boolean
  AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE OPERATOR = (
  LEFTARG = kentik_time, RIGHTARG = integer, FUNCTION = kentik_time_eq_int4,
  COMMUTATOR = =, NEGATOR = <>, RESTRICT = eqsel, JOIN = eqjoinsel
);
CREATE OPERATOR = (
  LEFTARG = integer, RIGHTARG = kentik_time, FUNCTION = int4_eq_kentik_time,
  COMMUTATOR = =, NEGATOR = <>, RESTRICT = eqsel, JOIN = eqjoinsel
);
CREATE OPERATOR <> (
  LEFTARG = kentik_time, RIGHTARG = integer, FUNCTION = kentik_time_ne_int4,
  COMMUTATOR = <>, NEGATOR = =, RESTRICT = neqsel, JOIN = neqjoinsel
);
CREATE OPERATOR <> (
  LEFTARG = integer, RIGHTARG = kentik_time, FUNCTION = int4_ne_kentik_time,
  COMMUTATOR = <>, NEGATOR = =, RESTRICT = neqsel, JOIN = neqjoinsel
);
CREATE OPERATOR < (
  LEFTARG = kentik_time, RIGHTARG = integer, FUNCTION = kentik_time_lt_int4,
  COMMUTATOR = >, NEGATOR = >=, RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);
CREATE OPERATOR < (
  LEFTARG = integer, RIGHTARG = kentik_time, FUNCTION = int4_lt_kentik_time,
  COMMUTATOR = >, NEGATOR = >=, RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);
CREATE OPERATOR <= (
  LEFTARG = kentik_time, RIGHTARG = integer, FUNCTION = kentik_time_le_int4,
  COMMUTATOR = >=, NEGATOR = >, RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);
CREATE OPERATOR <= (
  LEFTARG = integer, RIGHTARG = kentik_time, FUNCTION = int4_le_kentik_time,
  COMMUTATOR = >=, NEGATOR = >, RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);
CREATE OPERATOR > (
  LEFTARG = kentik_time, RIGHTARG = integer, FUNCTION = kentik_time_gt_int4,
  COMMUTATOR = <, NEGATOR = <=, RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);
CREATE OPERATOR > (
  LEFTARG = integer, RIGHTARG = kentik_time, FUNCTION = int4_gt_kentik_time,
  COMMUTATOR = <, NEGATOR = <=, RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);
CREATE OPERATOR >= (
  LEFTARG = kentik_time, RIGHTARG = integer, FUNCTION = kentik_time_ge_int4,
  COMMUTATOR = <=, NEGATOR = <, RESTRICT = scalargesel, JOIN = scalargejoinsel
);
CREATE OPERATOR >= (
  LEFTARG = integer, RIGHTARG = kentik_time, FUNCTION = int4_ge_kentik_time,
  COMMUTATOR = <=, NEGATOR = <, RESTRICT = scalargesel, JOIN = scalargejoinsel
);

CREATE FUNCTION kentik_time_eq_int8(kentik_time, bigint) RETURNS boolean
  AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION int8_eq_kentik_time(bigint, kentik_time) RETURNS boolean
  AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION kentik_time_ne_int8(kentik_time, bigint) RETURNS boolean
  AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION int8_ne_kentik_time(bigint, kentik_time) RETURNS boolean
  AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION kentik_time_lt_int8(kentik_time, bigint) RETURNS boolean
  AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION int8_lt_kentik_time(bigint, kentik_time) RETURNS boolean
  AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION kentik_time_le_int8(kentik_time, bigint) RETURNS boolean
  AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION int8_le_kentik_time(bigint, kentik_time) RETURNS boolean
  AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION kentik_time_gt_int8(kentik_time, bigint) RETURNS boolean
  AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION int8_gt_kentik_time(bigint, kentik_time) RETURNS boolean
  AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION kentik_time_ge_int8(kentik_time, bigint) RETURNS boolean
  AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION int8_ge_kentik_time(bigint, kentik_time) RETURNS boolean
  AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE OPERATOR = (
  LEFTARG = kentik_time, RIGHTARG = bigint, FUNCTION = kentik_time_eq_int8,
  COMMUTATOR = =, NEGATOR = <>, RESTRICT = eqsel, JOIN = eqjoinsel
);
CREATE OPERATOR = (
  LEFTARG = bigint, RIGHTARG = kentik_time, FUNCTION = int8_eq_kentik_time,
  COMMUTATOR = =, NEGATOR = <>, RESTRICT = eqsel, JOIN = eqjoinsel
);
CREATE OPERATOR <> (
  LEFTARG = kentik_time, RIGHTARG = bigint, FUNCTION = kentik_time_ne_int8,
  COMMUTATOR = <>, NEGATOR = =, RESTRICT = neqsel, JOIN = neqjoinsel
);
CREATE OPERATOR <> (
  LEFTARG = bigint, RIGHTARG = kentik_time, FUNCTION = int8_ne_kentik_time,
  COMMUTATOR = <>, NEGATOR = =, RESTRICT = neqsel, JOIN = neqjoinsel
);
CREATE OPERATOR < (
  LEFTARG = kentik_time, RIGHTARG = bigint, FUNCTION = kentik_time_lt_int8,
  COMMUTATOR = >, NEGATOR = >=, RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);
CREATE OPERATOR < (
  LEFTARG = bigint, RIGHTARG = kentik_time, FUNCTION = int8_lt_kentik_time,
  COMMUTATOR = >, NEGATOR = >=, RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);
CREATE OPERATOR <= (
  LEFTARG = kentik_time, RIGHTARG = bigint, FUNCTION = kentik_time_le_int8,
  COMMUTATOR = >=, NEGATOR = >, RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);
CREATE OPERATOR <= (
  LEFTARG = bigint, RIGHTARG = kentik_time, FUNCTION = int8_le_kentik_time,
  COMMUTATOR = >=, NEGATOR = >, RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);
CREATE OPERATOR > (
  LEFTARG = kentik_time, RIGHTARG = bigint, FUNCTION = kentik_time_gt_int8,
  COMMUTATOR = <, NEGATOR = <=, RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);
CREATE OPERATOR > (
  LEFTARG = bigint, RIGHTARG = kentik_time, FUNCTION = int8_gt_kentik_time,
  COMMUTATOR = <, NEGATOR = <=, RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);
CREATE OPERATOR >= (
  LEFTARG = kentik_time, RIGHTARG = bigint, FUNCTION = kentik_time_ge_int8,
  COMMUTATOR = <=, NEGATOR = <, RESTRICT = scalargesel, JOIN = scalargejoinsel
);
CREATE OPERATOR >= (
  LEFTARG = bigint, RIGHTARG = kentik_time, FUNCTION = int8_ge_kentik_time,
  COMMUTATOR = <=, NEGATOR = <, RESTRICT = scalargesel, JOIN = scalargejoinsel
);
-- ------------------------------------------------------------------ Kentik's subquery functions (f_*)
-- f_sum, f_avg, f_min, f_max and f_count are sum, avg, min, max and count under Kentik's names:
-- the same types, results and NULL rules, built from PostgreSQL's own support functions (copied
-- from pg_aggregate), parallel safe with the same combine / serialize functions.  The FDW
-- recognises every f_ aggregate below and computes it in the engine when it can (docs/dialect.md).

CREATE AGGREGATE f_sum(smallint) (
  SFUNC = int2_sum, STYPE = bigint, COMBINEFUNC = int8pl,
  PARALLEL = SAFE
);
CREATE AGGREGATE f_sum(integer) (
  SFUNC = int4_sum, STYPE = bigint, COMBINEFUNC = int8pl,
  PARALLEL = SAFE
);
CREATE AGGREGATE f_sum(bigint) (
  SFUNC = int8_avg_accum, STYPE = internal, SSPACE = 48, FINALFUNC = numeric_poly_sum,
  COMBINEFUNC = int8_avg_combine, SERIALFUNC = int8_avg_serialize, DESERIALFUNC = int8_avg_deserialize,
  PARALLEL = SAFE
);
CREATE AGGREGATE f_sum(numeric) (
  SFUNC = numeric_avg_accum, STYPE = internal, SSPACE = 128, FINALFUNC = numeric_sum,
  COMBINEFUNC = numeric_avg_combine, SERIALFUNC = numeric_avg_serialize, DESERIALFUNC = numeric_avg_deserialize,
  PARALLEL = SAFE
);
CREATE AGGREGATE f_sum(real) (
  SFUNC = float4pl, STYPE = real, COMBINEFUNC = float4pl,
  PARALLEL = SAFE
);
CREATE AGGREGATE f_sum(double precision) (
  SFUNC = float8pl, STYPE = double precision, COMBINEFUNC = float8pl,
  PARALLEL = SAFE
);
CREATE AGGREGATE f_avg(smallint) (
  SFUNC = int2_avg_accum, STYPE = bigint[], INITCOND = '{0,0}', FINALFUNC = int8_avg,
  COMBINEFUNC = int4_avg_combine,
  PARALLEL = SAFE
);
CREATE AGGREGATE f_avg(integer) (
  SFUNC = int4_avg_accum, STYPE = bigint[], INITCOND = '{0,0}', FINALFUNC = int8_avg,
  COMBINEFUNC = int4_avg_combine,
  PARALLEL = SAFE
);
CREATE AGGREGATE f_avg(bigint) (
  SFUNC = int8_avg_accum, STYPE = internal, SSPACE = 48, FINALFUNC = numeric_poly_avg,
  COMBINEFUNC = int8_avg_combine, SERIALFUNC = int8_avg_serialize, DESERIALFUNC = int8_avg_deserialize,
  PARALLEL = SAFE
);
CREATE AGGREGATE f_avg(numeric) (
  SFUNC = numeric_avg_accum, STYPE = internal, SSPACE = 128, FINALFUNC = numeric_avg,
  COMBINEFUNC = numeric_avg_combine, SERIALFUNC = numeric_avg_serialize, DESERIALFUNC = numeric_avg_deserialize,
  PARALLEL = SAFE
);
CREATE AGGREGATE f_avg(real) (
  SFUNC = float4_accum, STYPE = double precision[], INITCOND = '{0,0,0}', FINALFUNC = float8_avg,
  COMBINEFUNC = float8_combine,
  PARALLEL = SAFE
);
CREATE AGGREGATE f_avg(double precision) (
  SFUNC = float8_accum, STYPE = double precision[], INITCOND = '{0,0,0}', FINALFUNC = float8_avg,
  COMBINEFUNC = float8_combine,
  PARALLEL = SAFE
);
CREATE AGGREGATE f_min(smallint) (
  SFUNC = int2smaller, STYPE = smallint, COMBINEFUNC = int2smaller, SORTOP = <,
  PARALLEL = SAFE
);
CREATE AGGREGATE f_max(smallint) (
  SFUNC = int2larger, STYPE = smallint, COMBINEFUNC = int2larger, SORTOP = >,
  PARALLEL = SAFE
);
CREATE AGGREGATE f_min(integer) (
  SFUNC = int4smaller, STYPE = integer, COMBINEFUNC = int4smaller, SORTOP = <,
  PARALLEL = SAFE
);
CREATE AGGREGATE f_max(integer) (
  SFUNC = int4larger, STYPE = integer, COMBINEFUNC = int4larger, SORTOP = >,
  PARALLEL = SAFE
);
CREATE AGGREGATE f_min(bigint) (
  SFUNC = int8smaller, STYPE = bigint, COMBINEFUNC = int8smaller, SORTOP = <,
  PARALLEL = SAFE
);
CREATE AGGREGATE f_max(bigint) (
  SFUNC = int8larger, STYPE = bigint, COMBINEFUNC = int8larger, SORTOP = >,
  PARALLEL = SAFE
);
CREATE AGGREGATE f_min(numeric) (
  SFUNC = numeric_smaller, STYPE = numeric, COMBINEFUNC = numeric_smaller, SORTOP = <,
  PARALLEL = SAFE
);
CREATE AGGREGATE f_max(numeric) (
  SFUNC = numeric_larger, STYPE = numeric, COMBINEFUNC = numeric_larger, SORTOP = >,
  PARALLEL = SAFE
);
CREATE AGGREGATE f_min(real) (
  SFUNC = float4smaller, STYPE = real, COMBINEFUNC = float4smaller, SORTOP = <,
  PARALLEL = SAFE
);
CREATE AGGREGATE f_max(real) (
  SFUNC = float4larger, STYPE = real, COMBINEFUNC = float4larger, SORTOP = >,
  PARALLEL = SAFE
);
CREATE AGGREGATE f_min(double precision) (
  SFUNC = float8smaller, STYPE = double precision, COMBINEFUNC = float8smaller, SORTOP = <,
  PARALLEL = SAFE
);
CREATE AGGREGATE f_max(double precision) (
  SFUNC = float8larger, STYPE = double precision, COMBINEFUNC = float8larger, SORTOP = >,
  PARALLEL = SAFE
);
CREATE AGGREGATE f_min(inet) (
  SFUNC = network_smaller, STYPE = inet, COMBINEFUNC = network_smaller, SORTOP = <,
  PARALLEL = SAFE
);
CREATE AGGREGATE f_max(inet) (
  SFUNC = network_larger, STYPE = inet, COMBINEFUNC = network_larger, SORTOP = >,
  PARALLEL = SAFE
);
CREATE AGGREGATE f_min(timestamp with time zone) (
  SFUNC = timestamptz_smaller, STYPE = timestamp with time zone, COMBINEFUNC = timestamptz_smaller, SORTOP = <,
  PARALLEL = SAFE
);
CREATE AGGREGATE f_max(timestamp with time zone) (
  SFUNC = timestamptz_larger, STYPE = timestamp with time zone, COMBINEFUNC = timestamptz_larger, SORTOP = >,
  PARALLEL = SAFE
);
CREATE AGGREGATE f_min(text) (
  SFUNC = text_smaller, STYPE = text, COMBINEFUNC = text_smaller, SORTOP = <,
  PARALLEL = SAFE
);
CREATE AGGREGATE f_max(text) (
  SFUNC = text_larger, STYPE = text, COMBINEFUNC = text_larger, SORTOP = >,
  PARALLEL = SAFE
);
CREATE AGGREGATE f_count("any") (
  SFUNC = int8inc_any, STYPE = bigint, INITCOND = '0', COMBINEFUNC = int8pl,
  PARALLEL = SAFE
);
CREATE AGGREGATE f_count(*) (
  SFUNC = int8inc, STYPE = bigint, INITCOND = '0', COMBINEFUNC = int8pl,
  PARALLEL = SAFE
);

-- f_countdistinct(x) = count(DISTINCT x): a set of the values' canonical bytes (f_aggregates.c).
CREATE FUNCTION f_countdistinct_combine(internal, internal) RETURNS internal
  AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION f_countdistinct_serialize(internal) RETURNS bytea
  AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION f_countdistinct_deserialize(bytea, internal) RETURNS internal
  AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION f_countdistinct_final(internal) RETURNS bigint
  AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION f_countdistinct_trans(internal, smallint) RETURNS internal
  AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE f_countdistinct(smallint) (
  SFUNC = f_countdistinct_trans, STYPE = internal, FINALFUNC = f_countdistinct_final,
  COMBINEFUNC = f_countdistinct_combine, SERIALFUNC = f_countdistinct_serialize,
  DESERIALFUNC = f_countdistinct_deserialize, PARALLEL = SAFE
);
CREATE FUNCTION f_countdistinct_trans(internal, integer) RETURNS internal
  AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE f_countdistinct(integer) (
  SFUNC = f_countdistinct_trans, STYPE = internal, FINALFUNC = f_countdistinct_final,
  COMBINEFUNC = f_countdistinct_combine, SERIALFUNC = f_countdistinct_serialize,
  DESERIALFUNC = f_countdistinct_deserialize, PARALLEL = SAFE
);
CREATE FUNCTION f_countdistinct_trans(internal, bigint) RETURNS internal
  AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE f_countdistinct(bigint) (
  SFUNC = f_countdistinct_trans, STYPE = internal, FINALFUNC = f_countdistinct_final,
  COMBINEFUNC = f_countdistinct_combine, SERIALFUNC = f_countdistinct_serialize,
  DESERIALFUNC = f_countdistinct_deserialize, PARALLEL = SAFE
);
CREATE FUNCTION f_countdistinct_trans(internal, numeric) RETURNS internal
  AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE f_countdistinct(numeric) (
  SFUNC = f_countdistinct_trans, STYPE = internal, FINALFUNC = f_countdistinct_final,
  COMBINEFUNC = f_countdistinct_combine, SERIALFUNC = f_countdistinct_serialize,
  DESERIALFUNC = f_countdistinct_deserialize, PARALLEL = SAFE
);
CREATE FUNCTION f_countdistinct_trans(internal, inet) RETURNS internal
  AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE f_countdistinct(inet) (
  SFUNC = f_countdistinct_trans, STYPE = internal, FINALFUNC = f_countdistinct_final,
  COMBINEFUNC = f_countdistinct_combine, SERIALFUNC = f_countdistinct_serialize,
  DESERIALFUNC = f_countdistinct_deserialize, PARALLEL = SAFE
);
CREATE FUNCTION f_countdistinct_trans(internal, text) RETURNS internal
  AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE f_countdistinct(text) (
  SFUNC = f_countdistinct_trans, STYPE = internal, FINALFUNC = f_countdistinct_final,
  COMBINEFUNC = f_countdistinct_combine, SERIALFUNC = f_countdistinct_serialize,
  DESERIALFUNC = f_countdistinct_deserialize, PARALLEL = SAFE
);
CREATE FUNCTION f_countdistinct_trans(internal, timestamp with time zone) RETURNS internal
  AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE f_countdistinct(timestamp with time zone) (
  SFUNC = f_countdistinct_trans, STYPE = internal, FINALFUNC = f_countdistinct_final,
  COMBINEFUNC = f_countdistinct_combine, SERIALFUNC = f_countdistinct_serialize,
  DESERIALFUNC = f_countdistinct_deserialize, PARALLEL = SAFE
);

-- f_hll(x, relative_error) -> bigint: a HyperLogLog estimate of count(DISTINCT x), the error
-- mapped to a precision by kf_hll_precision_for_error (engine/hll.h).
CREATE FUNCTION f_hll_combine(internal, internal) RETURNS internal
  AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION f_hll_serialize(internal) RETURNS bytea
  AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION f_hll_deserialize(bytea, internal) RETURNS internal
  AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION f_hll_final(internal) RETURNS bigint
  AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION f_hll_trans(internal, smallint, double precision) RETURNS internal
  AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE f_hll(smallint, double precision) (
  SFUNC = f_hll_trans, STYPE = internal, FINALFUNC = f_hll_final,
  COMBINEFUNC = f_hll_combine, SERIALFUNC = f_hll_serialize, DESERIALFUNC = f_hll_deserialize,
  PARALLEL = SAFE
);
CREATE FUNCTION f_hll_trans(internal, integer, double precision) RETURNS internal
  AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE f_hll(integer, double precision) (
  SFUNC = f_hll_trans, STYPE = internal, FINALFUNC = f_hll_final,
  COMBINEFUNC = f_hll_combine, SERIALFUNC = f_hll_serialize, DESERIALFUNC = f_hll_deserialize,
  PARALLEL = SAFE
);
CREATE FUNCTION f_hll_trans(internal, bigint, double precision) RETURNS internal
  AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE f_hll(bigint, double precision) (
  SFUNC = f_hll_trans, STYPE = internal, FINALFUNC = f_hll_final,
  COMBINEFUNC = f_hll_combine, SERIALFUNC = f_hll_serialize, DESERIALFUNC = f_hll_deserialize,
  PARALLEL = SAFE
);
CREATE FUNCTION f_hll_trans(internal, inet, double precision) RETURNS internal
  AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE f_hll(inet, double precision) (
  SFUNC = f_hll_trans, STYPE = internal, FINALFUNC = f_hll_final,
  COMBINEFUNC = f_hll_combine, SERIALFUNC = f_hll_serialize, DESERIALFUNC = f_hll_deserialize,
  PARALLEL = SAFE
);
CREATE FUNCTION f_hll_trans(internal, text, double precision) RETURNS internal
  AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE f_hll(text, double precision) (
  SFUNC = f_hll_trans, STYPE = internal, FINALFUNC = f_hll_final,
  COMBINEFUNC = f_hll_combine, SERIALFUNC = f_hll_serialize, DESERIALFUNC = f_hll_deserialize,
  PARALLEL = SAFE
);

-- f_percentile(x, rank) -> x's type: the nearest-rank percentile (engine/percentile.h).
CREATE FUNCTION f_percentile_combine(internal, internal) RETURNS internal
  AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION f_percentile_serialize(internal) RETURNS bytea
  AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION f_percentile_deserialize(bytea, internal) RETURNS internal
  AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION f_percentile_trans(internal, smallint, double precision) RETURNS internal
  AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION f_percentile_final_smallint(internal) RETURNS smallint
  AS 'MODULE_PATHNAME', 'f_percentile_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE f_percentile(smallint, double precision) (
  SFUNC = f_percentile_trans, STYPE = internal, FINALFUNC = f_percentile_final_smallint,
  COMBINEFUNC = f_percentile_combine, SERIALFUNC = f_percentile_serialize,
  DESERIALFUNC = f_percentile_deserialize, PARALLEL = SAFE
);
CREATE FUNCTION f_percentile_trans(internal, integer, double precision) RETURNS internal
  AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION f_percentile_final_integer(internal) RETURNS integer
  AS 'MODULE_PATHNAME', 'f_percentile_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE f_percentile(integer, double precision) (
  SFUNC = f_percentile_trans, STYPE = internal, FINALFUNC = f_percentile_final_integer,
  COMBINEFUNC = f_percentile_combine, SERIALFUNC = f_percentile_serialize,
  DESERIALFUNC = f_percentile_deserialize, PARALLEL = SAFE
);
CREATE FUNCTION f_percentile_trans(internal, bigint, double precision) RETURNS internal
  AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION f_percentile_final_bigint(internal) RETURNS bigint
  AS 'MODULE_PATHNAME', 'f_percentile_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE f_percentile(bigint, double precision) (
  SFUNC = f_percentile_trans, STYPE = internal, FINALFUNC = f_percentile_final_bigint,
  COMBINEFUNC = f_percentile_combine, SERIALFUNC = f_percentile_serialize,
  DESERIALFUNC = f_percentile_deserialize, PARALLEL = SAFE
);

-- f_percentile_rate(value, slice_time, rank [, slice_seconds]) -> float8: the nearest-rank
-- percentile of the per-slice sums of value / slice_seconds (default 60: per-minute rates), over
-- the slices from the first to the last one seen, missing ones counting as 0.  slice_time is
-- epoch seconds (ctimestamp) or a timestamptz (i_start_time).  Aggregates take no defaults, so the
-- three-argument form is its own aggregate.
CREATE FUNCTION f_percentile_rate_combine(internal, internal) RETURNS internal
  AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION f_percentile_rate_serialize(internal) RETURNS bytea
  AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION f_percentile_rate_deserialize(bytea, internal) RETURNS internal
  AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION f_percentile_rate_final(internal) RETURNS double precision
  AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION f_percentile_rate_trans(internal, bigint, bigint, double precision) RETURNS internal
  AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE f_percentile_rate(bigint, bigint, double precision) (
  SFUNC = f_percentile_rate_trans, STYPE = internal, FINALFUNC = f_percentile_rate_final,
  COMBINEFUNC = f_percentile_rate_combine, SERIALFUNC = f_percentile_rate_serialize,
  DESERIALFUNC = f_percentile_rate_deserialize, PARALLEL = SAFE
);
CREATE FUNCTION f_percentile_rate_trans(internal, bigint, bigint, double precision, bigint) RETURNS internal
  AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE f_percentile_rate(bigint, bigint, double precision, bigint) (
  SFUNC = f_percentile_rate_trans, STYPE = internal, FINALFUNC = f_percentile_rate_final,
  COMBINEFUNC = f_percentile_rate_combine, SERIALFUNC = f_percentile_rate_serialize,
  DESERIALFUNC = f_percentile_rate_deserialize, PARALLEL = SAFE
);
CREATE FUNCTION f_percentile_rate_trans(internal, bigint, timestamp with time zone, double precision) RETURNS internal
  AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE f_percentile_rate(bigint, timestamp with time zone, double precision) (
  SFUNC = f_percentile_rate_trans, STYPE = internal, FINALFUNC = f_percentile_rate_final,
  COMBINEFUNC = f_percentile_rate_combine, SERIALFUNC = f_percentile_rate_serialize,
  DESERIALFUNC = f_percentile_rate_deserialize, PARALLEL = SAFE
);
CREATE FUNCTION f_percentile_rate_trans(internal, bigint, timestamp with time zone, double precision, bigint) RETURNS internal
  AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE f_percentile_rate(bigint, timestamp with time zone, double precision, bigint) (
  SFUNC = f_percentile_rate_trans, STYPE = internal, FINALFUNC = f_percentile_rate_final,
  COMBINEFUNC = f_percentile_rate_combine, SERIALFUNC = f_percentile_rate_serialize,
  DESERIALFUNC = f_percentile_rate_deserialize, PARALLEL = SAFE
);
