--
-- 02_kentik_time: the kentik_time type and Kentik's time dialect on ordinary values.
--
SET kentik_fdw.reference_time = 1700000000;
SHOW kentik_fdw.reference_time;

-- input/output like int8; casts
SELECT '1699999999'::kentik_time, 42::bigint::kentik_time, '1700000000'::kentik_time::bigint + 1;
SELECT 'x'::kentik_time;
SELECT pg_typeof(1700000000::bigint::kentik_time / 60 * 60), 1700000059::bigint::kentik_time / 60 * 60;

-- relative constants (< 10^9) count back from the reference time; larger ones are absolute
SELECT t, t > 3600 AS last_hour, t < 60 AS older_than_minute, t >= 1699996400 AS abs_ge,
       t = 0 AS is_now, 3600 < t AS commuted, t <> 3600::bigint AS ne_int8, t <= -5 AS future
FROM (VALUES (1699996399::kentik_time), (1699996400::kentik_time), (1699996401::kentik_time),
             (1699999940::kentik_time), (1699999941::kentik_time), (1700000000::kentik_time),
             (1700000005::kentik_time)) v(t);
SELECT t > 999999999 AS relative_limit, t > 1000000000 AS absolute_limit
FROM (VALUES ('1000000000'::kentik_time)) v(t);

-- kentik_time vs kentik_time is plain ordering: sort, group, distinct, hash and merge joins
CREATE TEMP TABLE kt (t kentik_time, n int);
INSERT INTO kt VALUES (30, 1), (10, 2), (20, 3), (10, 4), (1700000000, 5);
INSERT INTO kt SELECT 5::bigint, 6;
SELECT t FROM kt ORDER BY t DESC;
SELECT t, count(*) FROM kt GROUP BY t ORDER BY t;
SELECT DISTINCT t FROM kt ORDER BY 1;
SET enable_mergejoin = off;
SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT a.n, b.n FROM kt a JOIN kt b ON a.t = b.t;
SELECT a.n, b.n FROM kt a JOIN kt b ON a.t = b.t ORDER BY 1, 2;
RESET enable_mergejoin;
RESET enable_nestloop;
SELECT t = '10'::kentik_time AS eq_kt, t < '20'::kentik_time AS lt_kt FROM kt ORDER BY n;

-- the GUC: any integer of seconds, 0 = transaction start time
SET kentik_fdw.reference_time = 'soon';
SET kentik_fdw.reference_time = -1;
SET kentik_fdw.reference_time = 0;
BEGIN;
SELECT (extract(epoch FROM now())::bigint - 10)::kentik_time > 60 AS no_override_older,
       (floor(extract(epoch FROM now()))::bigint - 10)::kentik_time > 11 AS no_override_newer;
COMMIT;
RESET kentik_fdw.reference_time;

-- selectivity estimators make plans on ordinary tables sane: the estimates are near the truth
CREATE FUNCTION kf_estimated_rows(q text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE plan json;
BEGIN
  EXECUTE 'EXPLAIN (FORMAT JSON) ' || q INTO plan;
  RETURN (plan -> 0 -> 'Plan' ->> 'Plan Rows')::bigint;
END $$;
CREATE TEMP TABLE kt_big AS SELECT (1700000000 - g)::bigint::kentik_time AS t FROM generate_series(0, 9999) g;
ANALYZE kt_big;
SET kentik_fdw.reference_time = 1700000000;
SELECT count(*) AS actual, kf_estimated_rows('SELECT * FROM kt_big WHERE t > 100') BETWEEN 50 AND 200 AS estimate_ok
FROM kt_big WHERE t > 100;
SELECT count(*) AS actual, kf_estimated_rows('SELECT * FROM kt_big WHERE t < 100') BETWEEN 9800 AND 10000 AS estimate_ok
FROM kt_big WHERE t < 100;
SELECT count(*) AS actual, kf_estimated_rows('SELECT * FROM kt_big WHERE t = 100') BETWEEN 1 AND 10 AS estimate_ok
FROM kt_big WHERE t = 100;
RESET kentik_fdw.reference_time;
