-- kentik_fdw--1.0.sql -- SQL objects of the kentik_fdw extension.
--
-- The foreign data wrapper (handler + option validator) and the kentik_time type.  kentik_time is
-- a bigint (epoch seconds) with Kentik's time dialect: compared with an integer c, a constant below
-- 10^9 means "reference time - c" (ctimestamp > 3600 = the last hour), larger ones are absolute.
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
