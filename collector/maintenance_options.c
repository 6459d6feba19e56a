/*
 * maintenance_options.c -- defaults, parsing and usage text of kflowd's compaction and retention
 * options (maintenance_options.h).
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
		fprintf(stderr, "kflowd: bad value \"%s\" for a compaction or retention option\n", value);
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
			"  --compact-order time|minute-protocol  row order inside merged parts (default time)\n");
}
