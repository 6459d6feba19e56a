--
-- 12_interface_counters: the sFlow interface counters as a foreign table.  The fixture
-- (tests/run_all.sh) is kflowd --read-pcap of gopacket_sflow.pcap (three generic interface
-- counters records, devices 1 and 3) and then of the generated sflow_counters.pcap (devices 4
-- and 5: samples every 30 s across the hour that starts at 1700002800, rates of exactly 1, 2 and
-- 10 Mbit/s; tests/data/captures/make_sflow_counters_capture.py).
--
\getenv counters_dir KF_COUNTERS_DATA_DIR
\getenv counters_corrupt_dir KF_COUNTERS_CORRUPT_DIR

CREATE SERVER counters FOREIGN DATA WRAPPER kentik_fdw OPTIONS (data_dir :'counters_dir');
CREATE SCHEMA counters;
IMPORT FOREIGN SCHEMA kentik FROM SERVER counters INTO counters;
SELECT c.relname, ft.ftoptions
FROM pg_foreign_table ft JOIN pg_class c ON c.oid = ft.ftrelid
WHERE c.relnamespace = 'counters'::regnamespace
ORDER BY c.relname COLLATE "C";
\d counters.interface_counters
-- importing again leaves the table alone
IMPORT FOREIGN SCHEMA kentik LIMIT TO (interface_counters) FROM SERVER counters INTO counters;
SET search_path = counters, public;

-- gopacket's three records, every column (frame 1 as tshark shows it; frames 9 and 12: the
-- 0xffffffff "unknown" values stay as the agent sent them)
\x on
SELECT * FROM interface_counters WHERE i_device_id IN (1, 3) ORDER BY ctimestamp;
\x off

-- the generated rows: time, device and the counters
SELECT ctimestamp, i_device_id, i_device_name, if_index, if_speed, if_admin_up, if_oper_up,
       in_octets, in_ucast_pkts, out_octets, out_ucast_pkts, in_bcast_pkts, out_mcast_pkts, promiscuous
FROM interface_counters WHERE i_device_id >= 4 ORDER BY i_device_id, if_index, ctimestamp;

-- Per-interface bits/s from consecutive samples: the query of docs/interface_counters.md (with
-- the reference time at the last sample, so "ctimestamp > 3600" holds every generated sample):
-- exactly 1, 2 and 10 Mbit/s
SET kentik_fdw.reference_time = 1700002830;
SELECT i_device_name, if_index, ctimestamp,
       CASE WHEN in_octets >= lag(in_octets) OVER w
            THEN round((in_octets - lag(in_octets) OVER w) * 8
                       / nullif(ctimestamp - lag(ctimestamp) OVER w, 0)) END AS in_bps,
       CASE WHEN out_octets >= lag(out_octets) OVER w
            THEN round((out_octets - lag(out_octets) OVER w) * 8
                       / nullif(ctimestamp - lag(ctimestamp) OVER w, 0)) END AS out_bps
FROM interface_counters
WHERE ctimestamp > 3600 AND if_oper_up
WINDOW w AS (PARTITION BY i_device_id, if_index ORDER BY ctimestamp)
ORDER BY i_device_name, if_index, ctimestamp;
RESET kentik_fdw.reference_time;

-- The time range and the device choose hour directories and files; EXPLAIN names the hours.
EXPLAIN (COSTS OFF) SELECT * FROM interface_counters WHERE ctimestamp >= 1700002800;
SELECT count(*) FROM interface_counters WHERE ctimestamp >= 1700002800;
EXPLAIN (VERBOSE, COSTS OFF)
SELECT if_index, in_octets FROM interface_counters WHERE i_device_id = 4 AND ctimestamp < 1700002800;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT * FROM interface_counters WHERE i_device_id IN (3, 5) AND ctimestamp BETWEEN 1500000000 AND 1700002799;
SELECT i_device_id, count(*) FROM interface_counters
WHERE i_device_id IN (3, 5) AND ctimestamp BETWEEN 1500000000 AND 1700002799 GROUP BY 1 ORDER BY 1;
EXPLAIN (COSTS OFF) SELECT * FROM interface_counters WHERE ctimestamp > 1800000000;
SELECT count(*) FROM interface_counters WHERE ctimestamp > 1800000000;
-- other conditions are PostgreSQL's; they agree with pruning off
SELECT count(*) FROM interface_counters WHERE if_index = 1 OR i_device_id = 1;
SET kentik_fdw.enable_pushdown = off;
SELECT count(*) FROM interface_counters WHERE i_device_id = 4 AND ctimestamp < 1700002800;
RESET kentik_fdw.enable_pushdown;
SELECT count(*) FROM interface_counters WHERE i_device_id = 4 AND ctimestamp < 1700002800;

-- Kentik's relative times: ctimestamp > 120 is "the last two minutes" before the reference time
SET kentik_fdw.reference_time = 1700002900;
SELECT i_device_id, count(*), min(ctimestamp), max(ctimestamp)
FROM interface_counters WHERE ctimestamp > 120 GROUP BY 1 ORDER BY 1;
RESET kentik_fdw.reference_time;

-- nothing above the scan is pushed: PostgreSQL aggregates and sorts
EXPLAIN (COSTS OFF)
SELECT if_index, max(in_octets) FROM interface_counters GROUP BY if_index ORDER BY if_index LIMIT 2;
SELECT if_index, max(in_octets) FROM interface_counters GROUP BY if_index ORDER BY if_index LIMIT 2;

-- a table of one device, with a subset of the columns and other accepted types
CREATE FOREIGN TABLE dev5_counters (
  ctimestamp bigint, if_index numeric, in_octets bigint, i_device_name text
) SERVER counters OPTIONS (table 'interface_counters', device_id '5');
SELECT * FROM dev5_counters ORDER BY ctimestamp;
SELECT count(*) FROM dev5_counters WHERE i_device_name = '192.0.2.20';

-- flow tables of the same server are unaffected (gopacket's flows)
SELECT count(*) FROM all_devices;

-- wrong options and columns are clear errors
CREATE FOREIGN TABLE bad_kind (ctimestamp kentik_time) SERVER counters OPTIONS (table 'counters');
CREATE FOREIGN TABLE bad_column (ctimestamp kentik_time, protocol integer)
  SERVER counters OPTIONS (table 'interface_counters');
SELECT * FROM bad_column;
CREATE FOREIGN TABLE bad_type (in_octets integer) SERVER counters OPTIONS (table 'interface_counters');
SELECT * FROM bad_type;
ALTER SERVER counters OPTIONS (ADD table 'interface_counters');

-- a damaged counter file is an ERROR naming the file, and the session goes on
CREATE SERVER counters_corrupt FOREIGN DATA WRAPPER kentik_fdw OPTIONS (data_dir :'counters_corrupt_dir');
CREATE FOREIGN TABLE corrupt_counters (ctimestamp kentik_time, i_device_id integer, if_index bigint)
  SERVER counters_corrupt OPTIONS (table 'interface_counters');
CREATE FUNCTION kf_counter_error() RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  PERFORM count(*) FROM corrupt_counters;
  RETURN 'no error';
EXCEPTION WHEN data_corrupted THEN
  RETURN format('data_corrupted, names a counter file: %s, %s',
                SQLERRM ~ '/counters/dev-1/1499997600/c-[0-9]+-[0-9]+-[0-9a-f]+\.kfc: ',
                regexp_replace(SQLERRM, '^.*\.kfc: ', ''));
END $$;
SELECT kf_counter_error();
SELECT count(*) FROM corrupt_counters WHERE i_device_id = 5;
SELECT count(*) FROM interface_counters;

DROP FUNCTION kf_counter_error();
DROP SERVER counters_corrupt CASCADE;
DROP SCHEMA counters CASCADE;
DROP SERVER counters;
RESET search_path;
