--
-- 11_interface_descriptions: NetFlow v9 options data end to end, through kflowd, the store, the
-- Fast dataseries and the FDW.  The capture (base64 below, 2 datagrams, made by a few lines of
-- Python for this test) holds:
--   192.0.2.50 (device "edge"): options announcing sampler 7 at 1 in 100 and the descriptions of
--     interfaces 3 "uplink-to-core", 4 "Transit: NTT 10G" and 5 "peering-IX"; five flows: three of
--     sampler 7, one of sampler 9 (never announced: no rate), one with its own rate 10;
--   192.0.2.51 (device "override", devices-file rate 1000): sampler 7 at 1 in 100, one flow.
-- Filters on the description columns are checked pushed, not pushed and against the rows as
-- written here; GROUP BY and count(DISTINCT) pushed and in PostgreSQL.
--
\getenv fixture_dir KF_FIXTURE_DATA_DIR
SELECT regexp_replace(:'fixture_dir', '/[^/]*$', '') || '/descriptions' AS desc_dir,
  regexp_replace(:'fixture_dir', '/[^/]*$', '') || '/descriptions/data' AS desc_data_dir,
  '1MOyoQIABAAAAAAAAAAAAP//AABlAAAAAPFTZQAAAACUAQAAlAEAAEUAAZQAAAAAQBE4JsAAAjJ/AAABnEAIBwGAAAAACQAF'
  'AAAD6GVT8QAAAAABAAAAAQABACQBBAAEAAgAAQAEADAAAQAyAAQBBQAEAAQAAgAEAFMAIAAAAEgBDgAHAAgABAAMAAQAAQAE'
  'AAIABAAKAAIADgACADAAAQEPAAgACAAEAAwABAABAAQAAgAEAAoAAgAOAAIAMAABACIABAEEABAAAAAABwAAAGQAAAABBQBw'
  'AAAAA3VwbGluay10by1jb3JlAAAAAAAAAAAAAAAAAAAAAAAAAAAABFRyYW5zaXQ6IE5UVCAxMEcAAAAAAAAAAAAAAAAAAAAA'
  'AAAABXBlZXJpbmctSVgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAQ4AWAoBAAEKCQABAAAF3AAAAAEAAwAEBwoBAAIKCQACAAAD'
  '6AAAAAEABAADBwoBAAMKCQADAAAB9AAAAAEABQADBwoBAAQKCQAEAAAAZAAAAAEABgAECQEPACAKAQAFCgkABQAAAMgAAAAB'
  'AAMABQcAAAAKAAAAAPFTZQAAAADIAAAAyAAAAEUAAMgAAAAAQBE48cAAAjN/AAABnEAIBwC0AAAACQADAAAD6GVT8QAAAAAB'
  'AAAAAQABACQBBAAEAAgAAQAEADAAAQAyAAQBBQAEAAQAAgAEAFMAIAAAAEgBDgAHAAgABAAMAAQAAQAEAAIABAAKAAIADgAC'
  'ADAAAQEPAAgACAAEAAwABAABAAQAAgAEAAoAAgAOAAIAMAABACIABAEEABAAAAAABwAAAGQAAAABDgAcCgIAAQoJAAEAAAAo'
  'AAAAAQADAAQHAAAA' AS pcap_base64 \gset
\setenv KF_DESCRIPTIONS_DIR :desc_dir
\setenv KF_DESCRIPTIONS_PCAP :pcap_base64
\! d="$KF_DESCRIPTIONS_DIR"; rm -rf "$d" && mkdir -p "$d" && printf '1 edge 192.0.2.50\n2 override 192.0.2.51 1000\n' >"$d/devices.conf" && echo "$KF_DESCRIPTIONS_PCAP" | base64 -d >"$d/flows.pcap" && build/kflowd --data-dir "$d/data" --read-pcap "$d/flows.pcap" --devices "$d/devices.conf" >"$d/kflowd.log" 2>&1 && build/kflowd --data-dir "$d/data" --build-fast >>"$d/kflowd.log" 2>&1 && chmod -R a+rX "$d" || echo "kflowd failed, see $d/kflowd.log"

CREATE SERVER kde_descriptions FOREIGN DATA WRAPPER kentik_fdw OPTIONS (data_dir :'desc_data_dir');
CREATE SCHEMA descriptions;
IMPORT FOREIGN SCHEMA kentik FROM SERVER kde_descriptions INTO descriptions;
SET kentik_fdw.reference_time = 1700000000;

-- Every row: sample_rate is the sampler's rate (the flow's own one first, the devices file above
-- all), counters are multiplied by it, descriptions are what the flow's exporter announced.
SELECT i_device_name, inet_src_addr, input_port, output_port, sample_rate, in_bytes,
       i_input_interface_description, i_output_interface_description
FROM descriptions.all_devices ORDER BY inet_src_addr;

-- The same rows, written down independently.
CREATE TABLE descriptions_ref (inet_src_addr inet, sample_rate int, in_bytes bigint,
  i_input_interface_description text, i_output_interface_description text);
INSERT INTO descriptions_ref VALUES
  ('10.1.0.1', 100, 150000, 'uplink-to-core', 'Transit: NTT 10G'),
  ('10.1.0.2', 100, 100000, 'Transit: NTT 10G', 'uplink-to-core'),
  ('10.1.0.3', 100, 50000, 'peering-IX', 'uplink-to-core'),
  ('10.1.0.4', 1, 100, '', 'Transit: NTT 10G'),
  ('10.1.0.5', 10, 2000, 'uplink-to-core', 'peering-IX'),
  ('10.2.0.1', 1000, 40000, '', '');

-- kf_descriptions_compare(condition): the rows matching it with pushdown, without pushdown and
-- in descriptions_ref (differences must all be 0), and whether the scan pushed it.
CREATE FUNCTION kf_descriptions_compare(cond text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  q text := 'SELECT inet_src_addr, sample_rate, in_bytes, i_input_interface_description,'
         || ' i_output_interface_description FROM @table@ WHERE ' || cond;
  line text;
  pushed bool := false;
  local bool := false;
  n bigint;
  d1 bigint; d2 bigint; d3 bigint; d4 bigint;
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (VERBOSE, COSTS OFF) ' || replace(q, '@table@', 'descriptions.all_devices') LOOP
    pushed := pushed OR line ~ 'Kentik Filter:';
    local := local OR line ~ '^\s*Filter:';
  END LOOP;
  EXECUTE 'CREATE TEMP TABLE kf_pushed AS ' || replace(q, '@table@', 'descriptions.all_devices');
  PERFORM set_config('kentik_fdw.enable_pushdown', 'off', true);
  EXECUTE 'CREATE TEMP TABLE kf_local AS ' || replace(q, '@table@', 'descriptions.all_devices');
  PERFORM set_config('kentik_fdw.enable_pushdown', 'on', true);
  EXECUTE 'CREATE TEMP TABLE kf_ref AS ' || replace(q, '@table@', 'descriptions_ref');
  SELECT count(*) INTO n FROM kf_ref;
  SELECT count(*) INTO d1 FROM (TABLE kf_pushed EXCEPT ALL TABLE kf_ref) x;
  SELECT count(*) INTO d2 FROM (TABLE kf_ref EXCEPT ALL TABLE kf_pushed) x;
  SELECT count(*) INTO d3 FROM (TABLE kf_local EXCEPT ALL TABLE kf_ref) x;
  SELECT count(*) INTO d4 FROM (TABLE kf_ref EXCEPT ALL TABLE kf_local) x;
  DROP TABLE kf_pushed, kf_local, kf_ref;
  RETURN format('%s rows, differences %s %s %s %s, %s', n, d1, d2, d3, d4,
                CASE WHEN pushed AND local THEN 'partly' WHEN pushed THEN 'pushed' ELSE 'local' END);
END $$;

SELECT c, kf_descriptions_compare(c) FROM (VALUES
  ('true'), ('i_input_interface_description = ''uplink-to-core'''),
  ('i_output_interface_description <> '''''), ('i_input_interface_description = '''''),
  ('i_input_interface_description LIKE ''Transit:%'''), ('i_output_interface_description ILIKE ''%ntt%'''),
  ('i_input_interface_description NOT ILIKE ''%CORE%'''),
  ('i_input_interface_description IN (''peering-IX'', '''', ''no such interface'')'),
  ('i_output_interface_description NOT IN (''uplink-to-core'', ''peering-IX'')'),
  ('i_input_interface_description LIKE ''%-%'' AND sample_rate = 100'),
  ('i_input_interface_description = ''uplink-to-core'' OR i_output_interface_description = ''uplink-to-core'''),
  ('i_output_interface_description = i_input_interface_description'),
  ('lower(i_input_interface_description) = ''peering-ix''')
) v(c);

EXPLAIN (VERBOSE, COSTS OFF)
SELECT inet_src_addr FROM descriptions.all_devices WHERE i_output_interface_description ILIKE '%ntt%';

-- kf_descriptions_query(query): its result with aggregate pushdown, without it and without any
-- pushdown (all three must agree), and whether the aggregation was pushed.
CREATE FUNCTION kf_descriptions_query(q text) RETURNS TABLE (setting text, result text) LANGUAGE plpgsql AS $$
DECLARE
  line text;
  pushed bool := false;
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (VERBOSE, COSTS OFF) ' || q LOOP
    pushed := pushed OR line ~ 'Kentik Aggregation:';
  END LOOP;
  setting := CASE WHEN pushed THEN 'aggregation pushed' ELSE 'aggregation local' END;
  EXECUTE 'SELECT string_agg(r::text, '' '') FROM (' || q || ') r' INTO result;
  RETURN NEXT;
  PERFORM set_config('kentik_fdw.enable_aggregate_pushdown', 'off', true);
  setting := 'aggregate pushdown off';
  EXECUTE 'SELECT string_agg(r::text, '' '') FROM (' || q || ') r' INTO result;
  RETURN NEXT;
  PERFORM set_config('kentik_fdw.enable_pushdown', 'off', true);
  setting := 'pushdown off';
  EXECUTE 'SELECT string_agg(r::text, '' '') FROM (' || q || ') r' INTO result;
  RETURN NEXT;
  PERFORM set_config('kentik_fdw.enable_pushdown', 'on', true);
  PERFORM set_config('kentik_fdw.enable_aggregate_pushdown', 'on', true);
END $$;

SELECT * FROM kf_descriptions_query('SELECT i_input_interface_description, count(*), sum(in_bytes)
  FROM descriptions.all_devices GROUP BY 1 ORDER BY 1');
SELECT * FROM kf_descriptions_query('SELECT i_device_name, count(DISTINCT i_input_interface_description),
  count(DISTINCT i_output_interface_description) FROM descriptions.all_devices GROUP BY 1 ORDER BY 1');
SELECT * FROM kf_descriptions_query('SELECT i_output_interface_description, sum(in_bytes)
  FROM descriptions.all_devices WHERE i_input_interface_description ILIKE ''%core%'' GROUP BY 1 ORDER BY 1');
-- A window of two days reads the Fast dataseries, which keeps the descriptions (they follow the
-- device and interface, so they split no Fast row).
SELECT * FROM kf_descriptions_query('SELECT i_fast_dataset, i_input_interface_description,
  i_output_interface_description, sum(in_bytes) FROM descriptions.all_devices
  WHERE ctimestamp > 172800 GROUP BY 1, 2, 3 ORDER BY 2, 3');

DROP SCHEMA descriptions CASCADE;
DROP SERVER kde_descriptions;
DROP TABLE descriptions_ref;
DROP FUNCTION kf_descriptions_compare(text), kf_descriptions_query(text);
RESET kentik_fdw.reference_time;
\! rm -rf "$KF_DESCRIPTIONS_DIR"
