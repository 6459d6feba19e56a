--
-- 06_corrupt_data: a part with a flipped byte and a truncated part give an ERROR that names
-- the file (never a crash), and the session keeps working afterwards.
--
\getenv corrupt_dir KF_CORRUPT_DATA_DIR
\getenv truncated_dir KF_TRUNCATED_DATA_DIR

CREATE SERVER corrupt FOREIGN DATA WRAPPER kentik_fdw OPTIONS (data_dir :'corrupt_dir');
CREATE SERVER truncated FOREIGN DATA WRAPPER kentik_fdw OPTIONS (data_dir :'truncated_dir');
CREATE SCHEMA corrupt;
CREATE SCHEMA truncated;
IMPORT FOREIGN SCHEMA kentik LIMIT TO (all_devices) FROM SERVER corrupt INTO corrupt;
IMPORT FOREIGN SCHEMA kentik LIMIT TO (all_devices) FROM SERVER truncated INTO truncated;

-- The messages hold machine-specific paths and the damaged block and column depend on which
-- byte was flipped, so the function shows the SQLSTATE, whether the message names a part file,
-- and the message up to the path.  Whole-row references make the scan read every column.
CREATE FUNCTION kf_scan_error(tab text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE 'SELECT sum(length(t::text)) FROM ' || tab || ' t';
  RETURN 'no error';
EXCEPTION WHEN data_corrupted OR io_error THEN
  RETURN format('%s, names a part file: %s, %s',
                CASE SQLSTATE WHEN 'XX001' THEN 'data_corrupted' ELSE 'io_error' END,
                SQLERRM ~ '/data/dev-[0-9]+/[0-9]+/p-[^ ]*\.kfp',
                split_part(SQLERRM, ':', 1));
END $$;
SELECT kf_scan_error('corrupt.all_devices');
SELECT kf_scan_error('truncated.all_devices');

-- the session still works, and so do the good tables; the errors repeat
SELECT count(*) FROM all_devices;
SELECT kf_scan_error('truncated.all_devices') = kf_scan_error('truncated.all_devices') AS same_error;
SELECT count(*) FROM all_devices WHERE protocol = 6;
SELECT count(*) FROM flows_ref WHERE protocol = 6;

DROP SCHEMA corrupt CASCADE;
DROP SCHEMA truncated CASCADE;
DROP SERVER corrupt, truncated;
