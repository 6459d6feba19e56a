--
-- 01_options: option validation and IMPORT FOREIGN SCHEMA errors.
--
\getenv fixture_dir KF_FIXTURE_DATA_DIR

-- unknown options, with the valid ones as a hint
CREATE SERVER bad1 FOREIGN DATA WRAPPER kentik_fdw OPTIONS (datadir '/tmp');
CREATE SERVER bad2 FOREIGN DATA WRAPPER kentik_fdw OPTIONS (device_id '1');
CREATE FOREIGN TABLE bad_table (ctimestamp kentik_time) SERVER kde OPTIONS (data_dir '/tmp');
ALTER FOREIGN DATA WRAPPER kentik_fdw OPTIONS (ADD data_dir '/tmp');
CREATE USER MAPPING FOR CURRENT_USER SERVER kde OPTIONS (password 'x');

-- data_dir must be absolute
CREATE SERVER bad3 FOREIGN DATA WRAPPER kentik_fdw OPTIONS (data_dir 'relative/dir');

-- device_id must be a positive integer
CREATE FOREIGN TABLE bad_table (ctimestamp kentik_time) SERVER kde OPTIONS (device_id '0');
CREATE FOREIGN TABLE bad_table (ctimestamp kentik_time) SERVER kde OPTIONS (device_id '-3');
CREATE FOREIGN TABLE bad_table (ctimestamp kentik_time) SERVER kde OPTIONS (device_id 'x1');
CREATE FOREIGN TABLE bad_table (ctimestamp kentik_time) SERVER kde OPTIONS (device_id '4294967296');
CREATE FOREIGN TABLE ok_table (ctimestamp kentik_time) SERVER kde OPTIONS (device_id '4294967295');
DROP FOREIGN TABLE ok_table;

-- only superusers and pg_read_server_files members may set data_dir
CREATE ROLE kf_plain_user;
GRANT USAGE ON FOREIGN DATA WRAPPER kentik_fdw TO kf_plain_user;
SET ROLE kf_plain_user;
CREATE SERVER bad4 FOREIGN DATA WRAPPER kentik_fdw OPTIONS (data_dir '/etc');
RESET ROLE;
GRANT pg_read_server_files TO kf_plain_user;
SET ROLE kf_plain_user;
CREATE SERVER kf_user_server FOREIGN DATA WRAPPER kentik_fdw OPTIONS (data_dir '/etc');
DROP SERVER kf_user_server;
RESET ROLE;
REVOKE USAGE ON FOREIGN DATA WRAPPER kentik_fdw FROM kf_plain_user;
DROP ROLE kf_plain_user;

-- IMPORT FOREIGN SCHEMA: only the remote schema "kentik"; LIMIT TO and EXCEPT
CREATE SCHEMA import_test;
IMPORT FOREIGN SCHEMA public FROM SERVER kde INTO import_test;
IMPORT FOREIGN SCHEMA kentik LIMIT TO (all_devices) FROM SERVER kde INTO import_test;
SELECT relname FROM pg_class WHERE relnamespace = 'import_test'::regnamespace ORDER BY relname COLLATE "C";
IMPORT FOREIGN SCHEMA kentik EXCEPT (all_devices) FROM SERVER kde INTO import_test;
SELECT relname FROM pg_class WHERE relnamespace = 'import_test'::regnamespace ORDER BY relname COLLATE "C";
DROP SCHEMA import_test CASCADE;

-- a server without data_dir, and one whose directory does not exist
CREATE SERVER no_dir FOREIGN DATA WRAPPER kentik_fdw;
IMPORT FOREIGN SCHEMA kentik FROM SERVER no_dir INTO public;
CREATE FOREIGN TABLE no_dir_table (ctimestamp kentik_time) SERVER no_dir;
SELECT * FROM no_dir_table;
DROP SERVER no_dir CASCADE;
CREATE SERVER missing_dir FOREIGN DATA WRAPPER kentik_fdw OPTIONS (data_dir '/nonexistent/kentik');
CREATE FOREIGN TABLE missing_dir_table (ctimestamp kentik_time) SERVER missing_dir;
SELECT count(*) FROM missing_dir_table;
DROP SERVER missing_dir CASCADE;

-- user-defined tables: any subset of the columns in any order; unknown columns and wrong types
CREATE FOREIGN TABLE subset (protocol int, l4_src_port bigint, ctimestamp bigint) SERVER kde;
SELECT count(*), sum(protocol), min(ctimestamp), max(ctimestamp) FROM subset;
SELECT count(*), sum(protocol), min(ctimestamp), max(ctimestamp) FROM all_devices;
SELECT count(*) FROM subset WHERE l4_src_port = 25 AND ctimestamp >= 1699998200;
SELECT count(*) FROM all_devices WHERE l4_src_port = 25 AND ctimestamp >= 1699998200;
CREATE FOREIGN TABLE unknown_column (protocol int, no_such_column int) SERVER kde;
SELECT protocol FROM unknown_column;
CREATE FOREIGN TABLE wrong_type (protocol text) SERVER kde;
SELECT * FROM wrong_type;
DROP FOREIGN TABLE subset, unknown_column, wrong_type;
