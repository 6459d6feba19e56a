/*
 * maintenance_options.c -- defaults, parsing and usage text of kflowd's compaction, retention and
 * Fast dataseries options (maintenance_options.h).
 */
#include <string.h>

#include "collector/maintenance_options.h"
#include "collector/option_values.h"

void
kf_maintenance_defaults(kf_maintenance_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->compact = true;
	cfg->compaction.settle_seconds = 120;
	cfg->compaction.grace_seconds = 300;
	cfg->compaction.fanin = 16;
	cfg->compaction.max_rows = 2000000;
	cfg->compaction.order = KF_MERGE_ORDER_TIME;
	cfg->retention.grace_seconds = 300;
	cfg->interval_seconds = 10;
	cfg->fast = true;
	cfg->fast_build.rows_per_hour = KF_FAST_DEFAULT_ROWS_PER_HOUR;
	cfg->fast_build.max_groups = KF_FAST_DEFAULT_MAX_GROUPS;
	cfg->fast_build.settle_seconds = cfg->compaction.settle_seconds;
}

static bool
parse_order(const char *value, kf_merge_order *order)
{
	if (strcmp(value, "time") == 0)
		*order = KF_MERGE_ORDER_TIME;
	else if (strcmp(value, "minute-protocol") == 0)
		*order = KF_MERGE_ORDER_MINUTE_PROTOCOL;
	else
		return false;
	return true;
}

int
kf_maintenance_option(int c, const char *value, kf_maintenance_config *cfg)
{
	int64_t		seconds = 0;
	uint64_t	count = 0;
	bool		ok;

	switch (c)
	{
		case KF_OPT_RETENTION_AGE:
			ok = kf_parse_duration(value, &cfg->retention.max_age_seconds) && cfg->retention.max_age_seconds > 0;
			break;
		case KF_OPT_RETENTION_SIZE:
			ok = kf_parse_size(value, &cfg->retention.max_bytes) && cfg->retention.max_bytes > 0;
			break;
		case KF_OPT_NO_COMPACT:
			cfg->compact = false;
			return 1;
		case KF_OPT_COMPACT_AFTER:
			ok = kf_parse_duration(value, &cfg->compaction.settle_seconds);
			cfg->fast_build.settle_seconds = cfg->compaction.settle_seconds;
			break;
		case KF_OPT_RETENTION_FAST_AGE:
			ok = kf_parse_duration(value, &cfg->retention.fast_max_age_seconds) &&
				cfg->retention.fast_max_age_seconds > 0;
			cfg->fast_build.max_age_seconds = cfg->retention.fast_max_age_seconds;
			break;
		case KF_OPT_NO_FAST:
			cfg->fast = false;
			return 1;
		case KF_OPT_FAST_ROWS_PER_HOUR:
			ok = kf_parse_count(value, UINT32_MAX, &count) && count >= KF_FAST_MIN_ROWS_PER_HOUR;
			cfg->fast_build.rows_per_hour = (uint32_t) count;
			break;
		case KF_OPT_FAST_MAX_GROUPS:
			ok = kf_parse_count(value, UINT32_MAX - 1, &cfg->fast_build.max_groups) &&
				cfg->fast_build.max_groups >= 1;
			break;
		case KF_OPT_COMPACT_FANIN:
			ok = kf_parse_count(value, 1024, &count) && count >= 2;
			cfg->compaction.fanin = (uint32_t) count;
			break;
		case KF_OPT_COMPACT_MAX_ROWS:
			ok = kf_parse_count(value, UINT32_MAX, &cfg->compaction.max_rows);
			break;
		case KF_OPT_COMPACT_GRACE:
			ok = kf_parse_duration(value, &seconds);
			cfg->compaction.grace_seconds = cfg->retention.grace_seconds = seconds;
			break;
		case KF_OPT_COMPACT_INTERVAL:
			ok = kf_parse_duration(value, &seconds) && seconds >= 1;
			cfg->interval_seconds = (double) seconds;
			break;
		case KF_OPT_COMPACT_ORDER:
			ok = parse_order(value, &cfg->compaction.order);
			break;
		default:
			return 0;
	}
	if (!ok)
		fprintf(stderr, "kflowd: bad value \"%s\" for a compaction, retention or Fast dataseries option\n", value);
	return ok ? 1 : -1;
}

void
kf_maintenance_usage(FILE *out)
{
	fprintf(out,
			"While listening, a background thread merges small parts and applies retention\n"
			"(DURATION: seconds, or with a unit: 90s, 30m, 12h, 30d, 2w; SIZE: bytes, or 512M, 500G, 2T):\n"
			"  --retention-age DURATION    drop device-hours that ended longer ago than this (default: keep all)\n"
			"  --retention-size SIZE       drop the oldest ended device-hours while the store is larger\n"
			"  --no-compact                do not merge parts\n"
			"  --compact-after DURATION    merge an hour into one part this long after it ends (default 2m)\n"
			"  --compact-fanin N           in the current hour, merge every N parts of a level (default 16)\n"
			"  --compact-max-rows N        rows in one merged part at most, ~200 bytes of memory each\n"
			"                              while merging (default 2000000)\n"
			"  --compact-grace DURATION    merged-away and dropped parts stay readable this long for\n"
			"                              queries already running (default 5m)\n"
			"  --compact-interval DURATION how often compaction and retention run (default 10s)\n"
			"  --compact-order time|minute-protocol  row order inside merged parts (default time)\n"
			"  --retention-fast-age DURATION  keep Fast dataseries hours this long instead of dropping\n"
			"                              them with their Full hours (Fast is small: keep it longer)\n"
			"The same thread builds the Fast dataseries (DIR/fast) of every device-hour that ended\n"
			"--compact-after ago, and rebuilds it when late flows arrive:\n"
			"  --no-fast                   do not build the Fast dataseries\n"
			"  --fast-rows-per-hour N      rows per device and hour at most (default %d, minimum %d)\n"
			"  --fast-max-groups N         distinct keys held in memory per key level while building,\n"
			"                              ~150 bytes each (default %d)\n",
			KF_FAST_DEFAULT_ROWS_PER_HOUR, KF_FAST_MIN_ROWS_PER_HOUR, KF_FAST_DEFAULT_MAX_GROUPS);
}
