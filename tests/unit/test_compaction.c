/*
 * test_compaction.c -- unit tests of part merging, the snapshot listing rule, crash leftovers,
 * the compactor's policy and retention.
 *
 * Rows are compared as multisets of 64-bit fingerprints of every column, so "the merge equals the
 * union of its inputs" is checked row by row, not just by totals.  Every test works in its own
 * directory under a fresh mkdtemp dir that is removed at the end.
 */
#include <dirent.h>
#include <ftw.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "collector/option_values.h"
#include "collector/part_compactor.h"
#include "collector/retention.h"
#include "store/part_coverage.h"
#include "store/part_merge.h"
#include "store/store.h"
#include "tests/unit/unit.h"

static char test_root[64];
static const atomic_bool no_stop = false;

static int
remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void) st;
	(void) flag;
	(void) ftw;
	return remove(path);
}

static const char *
fresh_dir(const char *name)
{
	static char path[256];

	snprintf(path, sizeof(path), "%s/%s", test_root, name);
	mkdir(path, 0755);
	return path;
}

static uint64_t
mix(uint64_t h, uint64_t v)
{
	h ^= v + UINT64_C(0x9e3779b97f4a7c15) + (h << 6) + (h >> 2);
	return h * UINT64_C(0xff51afd7ed558ccd);
}

static const char *const tag_values[] = {"", "MYNETWORK", "DC_EAST,MYNETWORK", "TRANSIT"};

/* Writes `flushes` parts of rows_per_flush rows each for device 1 at timestamps from first_ts on. */
static int
write_flushes(const char *dir, int64_t first_ts, int flushes, int rows_per_flush, uint32_t seed)
{
	kf_error	err;
	kf_writer  *w = kf_writer_open(dir, 1, &err);

	if (w == NULL)
		return -1;
	for (int f = 0; f < flushes; f++)
	{
		for (int r = 0; r < rows_per_flush; r++)
		{
			uint32_t	k = seed * 7919u + (uint32_t) (f * rows_per_flush + r);
			kf_flow		flow = {
				.ctimestamp = first_ts + (k * 37u) % 3000u,
				.src_addr = kf_addr_from_v4(0x0a000000u + k % 251u),
				.dst_addr = k % 5 ? kf_addr_from_v4(0xc0a80000u + k % 17u) : (kf_addr) {0x20010db8ull << 32, k},
				.l4_src_port = k % 3 ? 25 : 1024 + k % 50, .l4_dst_port = 80 + k % 7,
				.protocol = k % 4 ? 6 : 47, .in_bytes = 100 + k, .in_pkts = 1 + k % 9,
				.out_bytes = k % 11, .sample_rate = 1, .src_as = k % 13,
				.src_flow_tags = tag_values[k % 4], .dst_flow_tags = tag_values[(k / 4) % 4],
			};

			if (kf_writer_add(w, &flow, &err) != 0)
				return -1;
		}
		if (kf_writer_flush(w, &err) != 0)
			return -1;
	}
	kf_writer_close(w);
	return 0;
}

/* Fingerprints of every row of the listed parts; NULL and *error set when a part fails. */
typedef struct fingerprints
{
	uint64_t   *values;
	size_t		count;
	char		error[512];
} fingerprints;

static int
compare_u64(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *) a,
				y = *(const uint64_t *) b;

	return x < y ? -1 : x > y;
}

static int
fingerprint_part(const char *path, fingerprints *out, kf_error *err)
{
	kf_part_reader *r = kf_part_open(path, err);

	if (r == NULL)
		return -1;

	static int64_t ints[KF_BLOCK_MAX_ROWS];
	static kf_addr addrs[KF_BLOCK_MAX_ROWS];
	static uint32_t codes[KF_BLOCK_MAX_ROWS];
	int			rc = 0;

	out->values = realloc(out->values, (out->count + kf_part_num_rows(r) + 1) * sizeof(uint64_t));
	for (uint32_t b = 0; rc == 0 && b < kf_part_num_blocks(r); b++)
	{
		uint32_t	n = kf_part_block_rows(r, b);
		uint64_t   *h = out->values + out->count;

		memset(h, 0, n * sizeof(*h));
		for (int c = 0; rc == 0 && c < KF_NUM_COLUMNS; c++)
		{
			kf_dict		dict;

			switch (kf_column_describe((kf_column_id) c)->kind)
			{
				case KF_KIND_INT:
					rc = kf_part_read_int(r, b, (kf_column_id) c, ints, err);
					for (uint32_t i = 0; rc == 0 && i < n; i++)
						h[i] = mix(h[i], (uint64_t) ints[i]);
					break;
				case KF_KIND_ADDR:
					rc = kf_part_read_addr(r, b, (kf_column_id) c, addrs, err);
					for (uint32_t i = 0; rc == 0 && i < n; i++)
						h[i] = mix(mix(h[i], addrs[i].hi), addrs[i].lo);
					break;
				case KF_KIND_DICT:
					rc = kf_part_read_dict(r, b, (kf_column_id) c, codes, &dict, err);
					for (uint32_t i = 0; rc == 0 && i < n; i++)
						for (const char *s = dict.strings[codes[i]]; *s; s++)
							h[i] = mix(h[i], (uint8_t) *s);
					break;
			}
		}
		out->count += n;
	}
	kf_part_close(r);
	return rc;
}

/* Lists the whole store (as a scan does) and fingerprints it, sorted. */
static fingerprints
scan_list(const kf_part_list *list)
{
	fingerprints fp = {NULL, 0, ""};
	kf_error	err;

	for (size_t i = 0; i < list->count; i++)
	{
		if (fingerprint_part(list->parts[i].path, &fp, &err) != 0)
		{
			snprintf(fp.error, sizeof(fp.error), "%s", err.msg);
			break;
		}
	}
	if (fp.count > 1)
		qsort(fp.values, fp.count, sizeof(uint64_t), compare_u64);
	return fp;
}

static fingerprints
scan_store(const char *dir, size_t *parts)
{
	kf_part_list list;
	kf_error	err;
	fingerprints fp = {NULL, 0, ""};

	if (kf_parts_list(dir, 0, 0, INT64_MAX, &list, &err) != 0)
	{
		snprintf(fp.error, sizeof(fp.error), "%s", err.msg);
		return fp;
	}
	fp = scan_list(&list);
	if (parts)
		*parts = list.count;
	kf_part_list_free(&list);
	return fp;
}

static bool
same_rows(const fingerprints *a, const fingerprints *b)
{
	return a->count == b->count && a->error[0] == '\0' && b->error[0] == '\0' &&
		(a->count == 0 || memcmp(a->values, b->values, a->count * sizeof(uint64_t)) == 0);
}

/* Counts files in dir whose name starts with prefix. */
static int
count_files(const char *dir, const char *prefix)
{
	DIR		   *d = opendir(dir);
	struct dirent *de;
	int			n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		n += strncmp(de->d_name, prefix, strlen(prefix)) == 0;
	closedir(d);
	return n;
}

static kf_compact_config
test_config(int64_t grace)
{
	kf_compact_config cfg = {.settle_seconds = 0, .grace_seconds = grace, .fanin = 4, .max_rows = 1000000,
	.order = KF_MERGE_ORDER_TIME};

	return cfg;
}

#define HOUR INT64_C(1700000000 - 1700000000 % 3600)

/* A closed hour: everything merges into one part; snapshots before and after see the same rows. */
static void
test_closed_hour_merge(void)
{
	const char *dir = fresh_dir("closed");
	char		hour_dir[300];
	kf_error	err;

	snprintf(hour_dir, sizeof(hour_dir), "%s/data/dev-1/%lld", dir, (long long) HOUR);
	CHECK("closed: write 10 flushes", write_flushes(dir, HOUR, 10, 500, 1) == 0);

	size_t		parts_before = 0,
				parts_after = 0;
	fingerprints before = scan_store(dir, &parts_before);
	kf_part_list old_snapshot;

	kf_parts_list(dir, 0, 0, INT64_MAX, &old_snapshot, &err);

	kf_compact_config cfg = test_config(3600);
	kf_compact_stats stats = {0};
	int			rc = kf_compact_hour_dir(hour_dir, HOUR, HOUR + 7200, &cfg, &no_stop, &stats, &err);

	CHECK("closed: compaction pass succeeds", rc == 0);
	fingerprints after = scan_store(dir, &parts_after);

	CHECK_INT_EQ("closed: 10 parts before", parts_before, 10);
	CHECK_INT_EQ("closed: one visible part after", parts_after, 1);
	CHECK_INT_EQ("closed: 5000 rows before", before.count, 5000);
	CHECK("closed: merged part holds exactly the union of the inputs", same_rows(&before, &after));
	CHECK_INT_EQ("closed: one merge of 10 parts", stats.parts_merged, 10);
	CHECK_INT_EQ("closed: inputs kept during the grace period", count_files(hour_dir, "p-"), 10);

	fingerprints old = scan_list(&old_snapshot);

	CHECK("closed: a snapshot listed before the merge still reads every row once", same_rows(&before, &old));

	/* The grace period is over: the inputs go, the old snapshot fails with a clear error. */
	cfg.grace_seconds = 0;
	/* Publish times are real ctimes, so this pass runs at the real clock. */
	CHECK("closed: pass after the grace period", kf_compact_hour_dir(hour_dir, HOUR, (int64_t) time(NULL), &cfg,
																	 &no_stop, &stats, &err) == 0);
	CHECK_INT_EQ("closed: inputs deleted", count_files(hour_dir, "p-"), 0);
	CHECK_INT_EQ("closed: 10 deletions counted", stats.parts_deleted, 10);
	fingerprints late = scan_list(&old_snapshot);

	CHECK("closed: a too-old snapshot gets a clear error", strstr(late.error, "data changed under a long-running query") != NULL);
	fingerprints final = scan_store(dir, NULL);

	CHECK("closed: rows unchanged after the deletions", same_rows(&before, &final));
	kf_part_list_free(&old_snapshot);
	free(before.values);
	free(after.values);
	free(old.values);
	free(late.values);
	free(final.values);
}

/* The merged part is sorted by ctimestamp, or by minute then protocol. */
static void
test_merge_order(kf_merge_order order, const char *label)
{
	char		name[64],
				hour_dir[300];
	kf_error	err;

	snprintf(name, sizeof(name), "order-%d", (int) order);
	const char *dir = fresh_dir(name);

	snprintf(hour_dir, sizeof(hour_dir), "%s/data/dev-1/%lld", dir, (long long) HOUR);
	write_flushes(dir, HOUR, 3, 2000, 9);

	kf_hour_state s;

	kf_hour_state_read(hour_dir, false, &s, &err);
	const char *names[3] = {s.parts[0].name, s.parts[1].name, s.parts[2].name};
	fingerprints before = scan_store(dir, NULL);
	kf_merge_result result;
	int			rc = kf_part_merge(hour_dir, names, 3, 1, order, &result, &err);

	kf_hour_state_free(&s);
	CHECK(label, rc == 0 && result.rows == 6000);

	fingerprints after = scan_store(dir, NULL);

	CHECK("order: union preserved", same_rows(&before, &after));

	char		path[600];

	snprintf(path, sizeof(path), "%s/%s", hour_dir, result.name);
	kf_part_reader *r = kf_part_open(path, &err);
	static int64_t ts[KF_BLOCK_MAX_ROWS],
				proto[KF_BLOCK_MAX_ROWS];
	bool		sorted = r != NULL;
	int64_t		prev_key = INT64_MIN;

	for (uint32_t b = 0; sorted && b < kf_part_num_blocks(r); b++)
	{
		kf_part_read_int(r, b, KF_COL_CTIMESTAMP, ts, &err);
		kf_part_read_int(r, b, KF_COL_PROTOCOL, proto, &err);
		for (uint32_t i = 0; i < kf_part_block_rows(r, b); i++)
		{
			int64_t		key = order == KF_MERGE_ORDER_TIME ? ts[i] : (ts[i] / 60) * 1000000 + proto[i] * 10000 + ts[i] % 60;

			sorted = sorted && key >= prev_key;
			prev_key = key;
		}
	}
	kf_part_close(r);
	CHECK("order: rows in the promised order", sorted);
	free(before.values);
	free(after.values);
}

/* kill -9 at each step of a merge leaves a store that lists every row exactly once. */
static void
test_crash_points(void)
{
	const char *dir = fresh_dir("crash");
	char		hour_dir[300],
				from[700],
				to[700];
	kf_error	err;

	snprintf(hour_dir, sizeof(hour_dir), "%s/data/dev-1/%lld", dir, (long long) HOUR);
	write_flushes(dir, HOUR, 5, 300, 3);
	fingerprints truth = scan_store(dir, NULL);

	kf_hour_state s;
	kf_merge_result result;

	kf_hour_state_read(hour_dir, false, &s, &err);
	const char *names[5];

	for (int i = 0; i < 5; i++)
		names[i] = s.parts[i].name;
	CHECK("crash: merge", kf_part_merge(hour_dir, names, 5, 1, KF_MERGE_ORDER_TIME, &result, &err) == 0);

	/* Crash after the manifest, before the rename: put the part back under its dot-name. */
	snprintf(from, sizeof(from), "%s/%s", hour_dir, result.name);
	snprintf(to, sizeof(to), "%s/.tmp-%s", hour_dir, result.name);
	rename(from, to);
	fingerprints unpublished = scan_store(dir, NULL);

	CHECK("crash before publish: inputs visible, no duplicates", same_rows(&truth, &unpublished));

	/* Restarted compactor cleans up and merges again. */
	kf_compact_config cfg = test_config(0);
	kf_compact_stats stats = {0};

	CHECK("crash before publish: next pass succeeds",
		  kf_compact_hour_dir(hour_dir, HOUR, (int64_t) time(NULL), &cfg, &no_stop, &stats, &err) == 0);
	CHECK_INT_EQ("crash before publish: dot-file removed", count_files(hour_dir, ".tmp-m-"), 0);
	CHECK_INT_EQ("crash before publish: orphan manifest removed, one manifest left", count_files(hour_dir, "m-"), 2);
	fingerprints redone = scan_store(dir, NULL);

	CHECK("crash before publish: rows once after the redo", same_rows(&truth, &redone));

	/* Crash between deletions: the merged part is published and only some inputs are gone. */
	for (int i = 0; i < 2; i++)
	{
		snprintf(from, sizeof(from), "%s/%s", hour_dir, names[i]);
		unlink(from);
	}
	fingerprints partial = scan_store(dir, NULL);

	CHECK("crash mid-deletion: rows once", same_rows(&truth, &partial));
	kf_hour_state_free(&s);
	free(truth.values);
	free(unpublished.values);
	free(redone.values);
	free(partial.values);
}

/* The current hour is levelled: at most about fanin parts per level stay visible. */
static void
test_open_hour_levels(void)
{
	const char *dir = fresh_dir("open");
	char		hour_dir[300];
	kf_error	err;

	snprintf(hour_dir, sizeof(hour_dir), "%s/data/dev-1/%lld", dir, (long long) HOUR);
	write_flushes(dir, HOUR, 23, 100, 5);
	fingerprints before = scan_store(dir, NULL);
	kf_compact_config cfg = test_config(3600);
	kf_compact_stats stats = {0};

	CHECK("open hour: pass succeeds", kf_compact_hour_dir(hour_dir, HOUR, HOUR + 600, &cfg, &no_stop, &stats, &err) == 0);

	size_t		visible = 0;
	fingerprints after = scan_store(dir, &visible);

	/* 23 parts, fanin 4: five level-1 merges take 20 (3 left), one level-2 merge takes 4 of them. */
	CHECK_INT_EQ("open hour: 3 + 1 + 1 visible parts", visible, 5);
	CHECK_INT_EQ("open hour: 6 merges", stats.merges, 6);
	CHECK("open hour: rows unchanged", same_rows(&before, &after));
	free(before.values);
	free(after.values);
}

/* A corrupt manifest is an error naming it, not a silent duplicate. */
static void
test_corrupt_manifest(void)
{
	const char *dir = fresh_dir("manifest");
	char		hour_dir[300],
				path[400];
	kf_error	err;
	kf_part_list list;

	snprintf(hour_dir, sizeof(hour_dir), "%s/data/dev-1/%lld", dir, (long long) HOUR);
	write_flushes(dir, HOUR, 1, 10, 4);
	snprintf(path, sizeof(path), "%s/m-%lld-%lld-ab.kfp", hour_dir, (long long) HOUR, (long long) HOUR);
	fclose(fopen(path, "w"));
	snprintf(path, sizeof(path), "%s/m-%lld-%lld-ab.kfm", hour_dir, (long long) HOUR, (long long) HOUR);
	FILE	   *f = fopen(path, "w");

	fputs("kentik_fdw merged part 1\nlevel 1\ncovers ../../x\nend\n", f);
	fclose(f);
	int			rc = kf_parts_list(dir, 0, 0, INT64_MAX, &list, &err);

	CHECK("corrupt manifest: listing fails", rc == -1);
	CHECK("corrupt manifest: error names the manifest", rc == -1 && strstr(err.msg, "corrupt merge manifest") != NULL);
}

/* Retention by age and by size drops whole hours, oldest first, and deletes them after the grace. */
static void
test_retention(void)
{
	const char *dir = fresh_dir("retention");
	kf_error	err;
	int64_t		now = HOUR + 10 * 3600 + 100;
	char		path[300];

	for (int h = 0; h < 4; h++)
		write_flushes(dir, HOUR + h * 3600, 1, 200, (uint32_t) (10 + h));

	kf_retention_config cfg = {.max_age_seconds = 8 * 3600, .max_bytes = 0, .grace_seconds = 60};
	kf_retention_stats stats = {0};
	size_t		parts;

	CHECK("retention age: pass", kf_retention_apply(dir, now, &cfg, &stats, &err) == 0);
	/* Hours end at HOUR+1h..HOUR+4h; now - 8h = HOUR + 2h + 100: the first two are dropped. */
	CHECK_INT_EQ("retention age: two hours dropped", stats.hours_dropped, 2);
	fingerprints left = scan_store(dir, &parts);

	CHECK_INT_EQ("retention age: two hours listed", parts, 2);
	CHECK_INT_EQ("retention age: their rows", left.count, 400);
	snprintf(path, sizeof(path), "%s/data/dev-1", dir);
	CHECK_INT_EQ("retention age: dropped hours wait for the grace period", count_files(path, ".expired-"), 2);

	cfg.max_age_seconds = 0;
	cfg.max_bytes = stats.live_bytes - 1;
	CHECK("retention size: pass after the grace period", kf_retention_apply(dir, now + 61, &cfg, &stats, &err) == 0);
	CHECK_INT_EQ("retention size: expired hours deleted", stats.hours_deleted, 2);
	CHECK_INT_EQ("retention size: the oldest remaining hour dropped", stats.hours_dropped, 3);
	fingerprints last = scan_store(dir, &parts);

	CHECK_INT_EQ("retention size: one hour listed", parts, 1);
	CHECK_INT_EQ("retention size: its rows", last.count, 200);
	free(left.values);
	free(last.values);
}

/* --retention-age / --retention-size values. */
static void
test_option_values(void)
{
	int64_t		secs = -1;
	uint64_t	bytes = 0;

	CHECK("duration 30d", kf_parse_duration("30d", &secs) && secs == 2592000);
	CHECK("duration 90", kf_parse_duration("90", &secs) && secs == 90);
	CHECK("duration 2w", kf_parse_duration("2w", &secs) && secs == 1209600);
	CHECK("duration junk rejected", !kf_parse_duration("5x", &secs) && !kf_parse_duration("", &secs) &&
		  !kf_parse_duration("-5", &secs) && !kf_parse_duration("5dd", &secs));
	CHECK("duration overflow rejected", !kf_parse_duration("99999999999999999w", &secs));
	CHECK("size 500G", kf_parse_size("500G", &bytes) && bytes == UINT64_C(500) << 30);
	CHECK("size 1k", kf_parse_size("1k", &bytes) && bytes == 1024);
	CHECK("size plain bytes", kf_parse_size("123", &bytes) && bytes == 123);
	CHECK("size overflow rejected", !kf_parse_size("99999999999T", &bytes) && !kf_parse_size("1P", &bytes));
}

/* A manifest naming its own part would hide the merged rows: rejected as corrupt. */
static void
test_self_covering_manifest(void)
{
	const char *dir = fresh_dir("selfcover");
	char		hour_dir[300],
				path[400];
	kf_error	err;
	kf_part_list list;

	snprintf(hour_dir, sizeof(hour_dir), "%s/data/dev-1/%lld", dir, (long long) HOUR);
	write_flushes(dir, HOUR, 1, 10, 4);
	snprintf(path, sizeof(path), "%s/m-1-2-cd.kfp", hour_dir);
	fclose(fopen(path, "w"));
	snprintf(path, sizeof(path), "%s/m-1-2-cd.kfm", hour_dir);
	FILE	   *f = fopen(path, "w");

	fputs("kentik_fdw merged part 1\nlevel 1\ncovers m-1-2-cd.kfp\nend\n", f);
	fclose(f);
	int			rc = kf_parts_list(dir, 0, 0, INT64_MAX, &list, &err);

	CHECK("self-covering manifest: listing fails clearly", rc == -1 && strstr(err.msg, "covers itself") != NULL);
}

int
main(void)
{
	strcpy(test_root, "/tmp/kf_compaction_XXXXXX");
	if (mkdtemp(test_root) == NULL)
		return 1;
	test_closed_hour_merge();
	test_merge_order(KF_MERGE_ORDER_TIME, "order: merge by time");
	test_merge_order(KF_MERGE_ORDER_MINUTE_PROTOCOL, "order: merge by minute and protocol");
	test_crash_points();
	test_open_hour_levels();
	test_corrupt_manifest();
	test_retention();
	test_option_values();
	test_self_covering_manifest();
	nftw(test_root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	UNIT_EXIT();
}
