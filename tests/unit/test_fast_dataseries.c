/*
 * test_fast_dataseries.c -- unit tests of the Fast dataseries builder (collector/fast_dataseries.c):
 * exact Fast rows for exact Full rows (port folding, ICMP, grouping), the row bound with exact
 * totals (also when the group tables overflow), rebuilds that replace the old part, a corrupt
 * Full part, the maintenance pass, retention and the one-shot pass of kflowd --build-fast, and an
 * engine query over Fast vs Full.
 *
 * Every test works in its own directory under a fresh mkdtemp dir that is removed at the end.
 */
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <sys/file.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collector/fast_dataseries.h"
#include "collector/maintenance_options.h"
#include "collector/retention.h"
#include "engine/aggregate.h"
#include "store/part_coverage.h"
#include "store/part_merge.h"
#include "store/store.h"
#include "tests/unit/unit.h"

#define HOUR INT64_C(1699999200)	/* an hour start: 22:00 UTC */
#define DAY (HOUR - HOUR % KF_FAST_DIR_SECONDS)	/* the start of its UTC day */

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

static kf_fast_config
config(uint32_t rows_per_hour, uint64_t max_groups)
{
	kf_fast_config c = {.rows_per_hour = rows_per_hour, .max_groups = max_groups, .settle_seconds = 120};

	return c;
}

/* Writes the flows as one flush of device 1 (one part per hour). */
static int
write_flows(const char *dir, const kf_flow *flows, size_t n)
{
	kf_error	err;
	kf_writer  *w = kf_writer_open(dir, 1, &err);
	int			rc = w ? 0 : -1;

	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = kf_writer_add(w, &flows[i], &err);
	if (rc == 0)
		rc = kf_writer_flush(w, &err);
	if (rc != 0)
		printf("# write_flows: %s\n", err.msg);
	kf_writer_close(w);
	return rc;
}

/* One stored row as read back, with its tags copied. */
typedef struct row
{
	int64_t		ts;
	kf_addr		src,
				dst;
	int64_t		sport,
				dport,
				proto,
				sample_rate;
	int64_t		in_bytes,
				in_pkts,
				out_bytes,
				out_pkts;
	char		src_tags[32];
} row;

typedef struct rows
{
	row		   *r;
	size_t		n;
	size_t		parts;
} rows;

/* Reads every visible row of device 1 in the series within [min_ts, max_ts]; -1 on error. */
static int
read_rows(const char *dir, kf_dataseries series, int64_t min_ts, int64_t max_ts, rows *out)
{
	static int64_t ints[KF_NUM_COLUMNS][KF_BLOCK_MAX_ROWS];
	static kf_addr addrs[2][KF_BLOCK_MAX_ROWS];
	static uint32_t codes[KF_BLOCK_MAX_ROWS];
	kf_part_list list;
	kf_error	err;
	int			rc = kf_parts_list_series(dir, series, 1, min_ts, max_ts, &list, &err);

	memset(out, 0, sizeof(*out));
	for (size_t p = 0; rc == 0 && p < list.count; p++)
	{
		kf_part_reader *r = kf_part_open(list.parts[p].path, &err);

		if (r == NULL)
		{
			rc = -1;
			break;
		}
		out->parts++;
		out->r = realloc(out->r, (out->n + kf_part_num_rows(r)) * sizeof(row));
		for (uint32_t b = 0; rc == 0 && b < kf_part_num_blocks(r); b++)
		{
			const kf_column_id ic[] = {KF_COL_CTIMESTAMP, KF_COL_L4_SRC_PORT, KF_COL_L4_DST_PORT, KF_COL_PROTOCOL,
				KF_COL_SAMPLE_RATE, KF_COL_IN_BYTES, KF_COL_IN_PKTS, KF_COL_OUT_BYTES, KF_COL_OUT_PKTS};
			kf_dict		dict;

			for (size_t c = 0; rc == 0 && c < sizeof(ic) / sizeof(ic[0]); c++)
				rc = kf_part_read_int(r, b, ic[c], ints[ic[c]], &err);
			if (rc == 0)
				rc = kf_part_read_addr(r, b, KF_COL_SRC_ADDR, addrs[0], &err);
			if (rc == 0)
				rc = kf_part_read_addr(r, b, KF_COL_DST_ADDR, addrs[1], &err);
			if (rc == 0)
				rc = kf_part_read_dict(r, b, KF_COL_SRC_FLOW_TAGS, codes, &dict, &err);
			for (uint32_t i = 0; rc == 0 && i < kf_part_block_rows(r, b); i++)
			{
				row		   *o = &out->r[out->n++];

				*o = (row) {ints[KF_COL_CTIMESTAMP][i], addrs[0][i], addrs[1][i], ints[KF_COL_L4_SRC_PORT][i],
					ints[KF_COL_L4_DST_PORT][i], ints[KF_COL_PROTOCOL][i], ints[KF_COL_SAMPLE_RATE][i],
					ints[KF_COL_IN_BYTES][i], ints[KF_COL_IN_PKTS][i], ints[KF_COL_OUT_BYTES][i],
				ints[KF_COL_OUT_PKTS][i], ""};
				snprintf(o->src_tags, sizeof(o->src_tags), "%s", dict.strings[codes[i]]);
			}
		}
		kf_part_close(r);
	}
	kf_part_list_free(&list);
	if (rc != 0)
		printf("# read_rows: %s\n", err.msg);
	return rc;
}

/* The Fast row with this source address and protocol, or NULL. */
static const row *
find_row(const rows *rs, kf_addr src, int64_t proto, int64_t sport)
{
	for (size_t i = 0; i < rs->n; i++)
		if (kf_addr_cmp(rs->r[i].src, src) == 0 && rs->r[i].proto == proto && rs->r[i].sport == sport)
			return &rs->r[i];
	return NULL;
}

typedef struct totals
{
	int64_t		in_bytes,
				in_pkts,
				out_bytes,
				out_pkts;
} totals;

/* Counter totals of the rows with this protocol (-1 = all). */
static totals
sum_rows(const rows *rs, int64_t proto)
{
	totals		t = {0, 0, 0, 0};

	for (size_t i = 0; i < rs->n; i++)
	{
		if (proto >= 0 && rs->r[i].proto != proto)
			continue;
		t.in_bytes += rs->r[i].in_bytes;
		t.in_pkts += rs->r[i].in_pkts;
		t.out_bytes += rs->r[i].out_bytes;
		t.out_pkts += rs->r[i].out_pkts;
	}
	return t;
}

static bool
totals_equal(totals a, totals b)
{
	return a.in_bytes == b.in_bytes && a.in_pkts == b.in_pkts && a.out_bytes == b.out_bytes &&
		a.out_pkts == b.out_pkts;
}

static kf_flow
flow(int64_t ts, uint32_t src_v4, uint32_t sport, uint32_t dport, uint32_t proto, int64_t bytes)
{
	kf_flow		f = {
		.ctimestamp = ts, .src_addr = kf_addr_from_v4(src_v4), .dst_addr = kf_addr_from_v4(0xc0a80101u),
		.l4_src_port = sport, .l4_dst_port = dport, .protocol = proto, .in_bytes = bytes, .in_pkts = bytes / 100,
		.out_bytes = bytes / 2, .out_pkts = 1, .sample_rate = 1, .src_flow_tags = "", .dst_flow_tags = "",
	};

	return f;
}

/* Folding and grouping: exact Fast rows for exact Full rows. */
static void
test_folding_and_grouping(void)
{
	const char *dir = fresh_dir("fold");
	kf_flow		flows[] = {
		flow(HOUR + 10, 0x0a000001u, 40000, 80, 6, 1000),	/* A: sport folds to 65535 */
		flow(HOUR + 20, 0x0a000001u, 50000, 80, 6, 2000),	/* B: folds too, same key as A */
		flow(HOUR + 30, 0x0a000001u, 32767, 80, 6, 500),	/* C: 32767 is kept */
		flow(HOUR + 40, 0x0a000002u, 0, 200 * 256 + 1, 1, 300),	/* D: ICMP type 200 code 1 is not folded */
		flow(HOUR + 50, 0x0a000002u, 0, 200 * 256 + 1, 1, 700),	/* E: same key as D */
		flow(HOUR + 60, 0x0a000001u, 40000, 80, 6, 400),	/* F: like A but tagged */
		flow(HOUR + 70, 0x0a000003u, 33000, 40000, 17, 600),	/* G: UDP, both ports fold */
	};

	flows[5].src_flow_tags = "MYNETWORK";
	if (write_flows(dir, flows, sizeof(flows) / sizeof(flows[0])) != 0)
	{
		CHECK("fold: write Full rows", false);
		return;
	}

	kf_fast_config cfg = config(3600, 1000000);
	kf_fast_hour_result res;
	kf_error	err;
	int			rc = kf_fast_build_hour(dir, 1, HOUR, &cfg, &res, &err);

	CHECK("fold: build succeeds", rc == 0);
	CHECK_INT_EQ("fold: Full rows read", res.full_rows, 7);
	CHECK_INT_EQ("fold: Fast rows written", res.fast_rows, 5);
	CHECK_INT_EQ("fold: all rows keep their key (no bounding)", res.kept_rows, 5);
	CHECK("fold: nothing replaced", !res.replaced);

	rows		fast;

	if (read_rows(dir, KF_DATASERIES_FAST, 0, INT64_MAX, &fast) != 0)
	{
		CHECK("fold: read Fast rows", false);
		return;
	}
	CHECK_INT_EQ("fold: one Fast part", fast.parts, 1);
	CHECK_INT_EQ("fold: five Fast rows", fast.n, 5);

	bool		all_at_hour = true;

	for (size_t i = 0; i < fast.n; i++)
		all_at_hour = all_at_hour && fast.r[i].ts == HOUR;
	CHECK("fold: every ctimestamp is the hour start", all_at_hour);

	const row  *ab = NULL;

	for (size_t i = 0; i < fast.n; i++)
		if (fast.r[i].sport == 65535 && fast.r[i].proto == 6 && fast.r[i].src_tags[0] == '\0')
			ab = &fast.r[i];
	CHECK("fold: A and B share one row with sport 65535", ab != NULL);
	if (ab)
	{
		CHECK_INT_EQ("fold: A+B in_bytes", ab->in_bytes, 3000);
		CHECK_INT_EQ("fold: A+B in_pkts", ab->in_pkts, 30);
		CHECK_INT_EQ("fold: A+B out_bytes", ab->out_bytes, 1500);
		CHECK_INT_EQ("fold: A+B out_pkts", ab->out_pkts, 2);
		CHECK_INT_EQ("fold: A+B dport kept", ab->dport, 80);
	}

	const row  *c = find_row(&fast, kf_addr_from_v4(0x0a000001u), 6, 32767);

	CHECK("fold: C keeps sport 32767 and its bytes", c && c->in_bytes == 500);

	const row  *de = find_row(&fast, kf_addr_from_v4(0x0a000002u), 1, 0);

	CHECK("fold: D+E are one ICMP row with dport 51201 and 1000 bytes",
		  de && de->dport == 200 * 256 + 1 && de->in_bytes == 1000 && de->out_pkts == 2);

	const row  *g = find_row(&fast, kf_addr_from_v4(0x0a000003u), 17, 65535);

	CHECK("fold: G has both UDP ports folded", g && g->dport == 65535 && g->in_bytes == 600);

	bool		tagged = false;

	for (size_t i = 0; i < fast.n; i++)
		tagged = tagged || (strcmp(fast.r[i].src_tags, "MYNETWORK") == 0 && fast.r[i].in_bytes == 400 &&
							fast.r[i].sport == 65535);
	CHECK("fold: F (other tags) is its own row", tagged);
	free(fast.r);
}

/* Full rows for the bound tests: n distinct keys over two protocols, 3 very heavy ones. */
static int
write_many(const char *dir, int n, int64_t hour)
{
	kf_flow    *flows = calloc((size_t) n, sizeof(*flows));

	for (int i = 0; i < n; i++)
	{
		flows[i] = flow(hour + i % 3600, 0x0a000000u + (uint32_t) i * 7u, 1000 + (uint32_t) i % 20000, 443,
						i % 3 ? 6 : 17, 100 + i);
		flows[i].out_pkts = i % 5;
	}
	for (int h = 0; h < 3; h++)
		flows[h * 101].in_bytes = INT64_C(1000000000) + h;
	int			rc = write_flows(dir, flows, (size_t) n);

	free(flows);
	return rc;
}

/* Bounding: at most rows_per_hour rows, heaviest keys kept, every counter's total exact. */
static void
test_bound(const char *name, uint64_t max_groups)
{
	char		label[160];
	const char *dir = fresh_dir(name);
	rows		full,
				fast;

	if (write_many(dir, 3000, HOUR) != 0 || read_rows(dir, KF_DATASERIES_FULL, 0, INT64_MAX, &full) != 0)
	{
		CHECK("bound: write Full rows", false);
		return;
	}

	kf_fast_config cfg = config(512, max_groups);
	kf_fast_hour_result res;
	kf_error	err;
	int			rc = kf_fast_build_hour(dir, 1, HOUR, &cfg, &res, &err);

	snprintf(label, sizeof(label), "%s: build succeeds", name);
	CHECK(label, rc == 0);
	if (rc != 0 || read_rows(dir, KF_DATASERIES_FAST, 0, INT64_MAX, &fast) != 0)
		return;
	snprintf(label, sizeof(label), "%s: rows within the bound of 512", name);
	CHECK(label, fast.n <= 512 && fast.n == res.fast_rows);
	snprintf(label, sizeof(label), "%s: kept rows = (512 - 2 protocols) / 2", name);
	CHECK_INT_EQ(label, res.kept_rows, max_groups >= 3000 ? 255 : (int64_t) max_groups);
	snprintf(label, sizeof(label), "%s: totals of every counter exact", name);
	CHECK(label, totals_equal(sum_rows(&full, -1), sum_rows(&fast, -1)));
	snprintf(label, sizeof(label), "%s: TCP totals exact", name);
	CHECK(label, totals_equal(sum_rows(&full, 6), sum_rows(&fast, 6)));
	snprintf(label, sizeof(label), "%s: UDP totals exact", name);
	CHECK(label, totals_equal(sum_rows(&full, 17), sum_rows(&fast, 17)));
	snprintf(label, sizeof(label), "%s: one row per protocol at the coarsest level", name);
	CHECK_INT_EQ(label, res.protocol_rows, 2);

	/* The three heavy keys are the heaviest: kept with their exact key.  With 100 groups per level
	 * only the first 100 keys (the first heavy one among them) ever reach the finest level. */
	bool		heavy_kept = true;

	for (int h = 0; h < (max_groups >= 3000 ? 3 : 1); h++)
	{
		const row  *r = find_row(&fast, kf_addr_from_v4(0x0a000000u + (uint32_t) (h * 101) * 7u),
								 h * 101 % 3 ? 6 : 17, 1000 + (uint32_t) (h * 101) % 20000);

		heavy_kept = heavy_kept && r && r->in_bytes == INT64_C(1000000000) + h;
	}
	snprintf(label, sizeof(label), "%s: the heavy keys are kept exactly", name);
	CHECK(label, heavy_kept);
	if (max_groups >= 3000)
	{
		/* 255 kept (3 heavy + i = 2999..2748); of the rest, the 255 heaviest masked rows stay:
		 * i = 2747 is the heaviest of them, its source 10.0.75.29 masked to 10.0.75.0/24. */
		const row  *m = find_row(&fast, kf_addr_from_v4(0x0a004b00u), 6, 1000 + 2747);

		CHECK("bound: flow 2747 is a masked row with its /24 source", m && m->in_bytes == 100 + 2747);
		CHECK("bound: flow 2747's exact source is gone", !find_row(&fast, kf_addr_from_v4(0x0a004b1du), 6, 3747));
	}
	free(full.r);
	free(fast.r);
}

/* Late flows make the hour outdated; the rebuild replaces the old part in one step. */
static void
test_rebuild(void)
{
	const char *dir = fresh_dir("rebuild");
	kf_flow		first = flow(HOUR + 5, 0x0a000001u, 40000, 80, 6, 1000);
	kf_flow		late = flow(HOUR + 3599, 0x0a000009u, 40000, 80, 6, 77);
	kf_fast_config cfg = config(3600, 1000000);
	kf_fast_hour_result res;
	kf_error	err;
	bool		outdated = false;
	rows		fast;

	write_flows(dir, &first, 1);
	CHECK("rebuild: missing Fast hour is outdated",
		  kf_fast_hour_outdated(dir, 1, HOUR, &outdated, &err) == 0 && outdated);
	CHECK("rebuild: first build", kf_fast_build_hour(dir, 1, HOUR, &cfg, &res, &err) == 0 && !res.replaced);
	CHECK("rebuild: up to date after the build",
		  kf_fast_hour_outdated(dir, 1, HOUR, &outdated, &err) == 0 && !outdated);

	write_flows(dir, &late, 1);
	CHECK("rebuild: a late Full part makes it outdated",
		  kf_fast_hour_outdated(dir, 1, HOUR, &outdated, &err) == 0 && outdated);
	CHECK("rebuild: second build replaces", kf_fast_build_hour(dir, 1, HOUR, &cfg, &res, &err) == 0 && res.replaced);
	read_rows(dir, KF_DATASERIES_FAST, 0, INT64_MAX, &fast);
	CHECK_INT_EQ("rebuild: one visible Fast part", fast.parts, 1);
	CHECK_INT_EQ("rebuild: both flows in it", sum_rows(&fast, -1).in_bytes, 1077);
	free(fast.r);

	char		fast_dir[256];
	kf_hour_state s;

	snprintf(fast_dir, sizeof(fast_dir), "%s/fast/dev-1/%lld", dir, (long long) DAY);
	CHECK("rebuild: old part still on disk, hidden by the new manifest",
		  kf_hour_state_read(fast_dir, false, &s, &err) == 0 && s.count == 2 &&
		  s.parts[0].hidden + s.parts[1].hidden == 1);
	kf_hour_state_free(&s);

	/* A merge of the Full parts changes the directory but not the rows: still up to date. */
	char		full_dir[256];
	kf_hour_state fs;
	kf_merge_result mr;

	snprintf(full_dir, sizeof(full_dir), "%s/data/dev-1/%lld", dir, (long long) HOUR);
	kf_hour_state_read(full_dir, false, &fs, &err);

	const char *names[2] = {fs.count > 0 ? fs.parts[0].name : "", fs.count > 1 ? fs.parts[1].name : ""};

	CHECK("rebuild: Full parts merged", fs.count == 2 &&
		  kf_part_merge(full_dir, names, 2, 1, KF_MERGE_ORDER_TIME, &mr, &err) == 0);
	kf_hour_state_free(&fs);
	CHECK("rebuild: a merge of Full does not make Fast outdated",
		  kf_fast_hour_outdated(dir, 1, HOUR, &outdated, &err) == 0 && !outdated);

	/* The maintenance pass deletes the replaced part once its grace period is over. */
	kf_fast_stats stats = {0};

	kf_fast_build_data_dir(dir, (int64_t) time(NULL) + 10, &cfg, 0, &no_stop, &stats);
	CHECK("rebuild: pass with grace 0 deletes the replaced part",
		  kf_hour_state_read(fast_dir, false, &s, &err) == 0 && s.count == 1 && !s.parts[0].hidden);
	kf_hour_state_free(&s);
	CHECK_INT_EQ("rebuild: nothing to build in that pass", stats.hours_built, 0);
}

/* A corrupt Full part: a clear error naming it, and nothing published. */
static void
test_corrupt(void)
{
	const char *dir = fresh_dir("corrupt");
	char		full_dir[256],
				fast_dir[256],
				path[600];
	kf_hour_state s;
	kf_error	err;

	write_many(dir, 2000, HOUR);
	snprintf(full_dir, sizeof(full_dir), "%s/data/dev-1/%lld", dir, (long long) HOUR);
	snprintf(fast_dir, sizeof(fast_dir), "%s/fast/dev-1/%lld", dir, (long long) DAY);
	kf_hour_state_read(full_dir, false, &s, &err);
	snprintf(path, sizeof(path), "%s/%s", full_dir, s.count ? s.parts[0].name : "missing");
	kf_hour_state_free(&s);

	FILE	   *f = fopen(path, "r+b");
	int			c;

	if (f == NULL)
	{
		CHECK("corrupt: open the Full part", false);
		return;
	}
	fseek(f, 0, SEEK_END);

	long		middle = ftell(f) / 2;

	fseek(f, middle, SEEK_SET);
	c = fgetc(f);
	fseek(f, middle, SEEK_SET);
	fputc(c ^ 0x5a, f);
	fclose(f);

	kf_fast_config cfg = config(3600, 1000000);
	kf_fast_hour_result res;
	int			rc = kf_fast_build_hour(dir, 1, HOUR, &cfg, &res, &err);

	CHECK("corrupt: build fails", rc == -1);
	CHECK("corrupt: the error names the part", strstr(err.msg, path) != NULL);
	printf("# corrupt: %s\n", err.msg);

	struct stat st;

	CHECK("corrupt: no Fast day directory was published", stat(fast_dir, &st) != 0 ||
		  (kf_hour_state_read(fast_dir, false, &s, &err) == 0 && s.count == 0 && s.stale_count == 0));

	/* In a pass, the corrupt hour does not hold back another hour of its day. */
	kf_flow		earlier = flow(HOUR - 3600, 0x0a000001u, 1, 2, 6, 10);
	kf_fast_stats stats = {0};
	rows		fast;

	write_flows(dir, &earlier, 1);
	kf_fast_build_data_dir(dir, HOUR + 2 * 3600, &cfg, 300, &no_stop, &stats);
	CHECK("corrupt: the pass counts one error", stats.errors == 1 && stats.hours_built == 1);
	read_rows(dir, KF_DATASERIES_FAST, 0, INT64_MAX, &fast);
	CHECK("corrupt: the other hour of the day is built", fast.n == 1 && sum_rows(&fast, -1).in_bytes == 10);
	free(fast.r);
}

/* Per-hour in_bytes of the rows (hours HOUR - 3600 .. HOUR + 7200 -> out[0..3]); false for any other hour. */
static bool
hour_bytes(const rows *rs, int64_t out[4])
{
	memset(out, 0, 4 * sizeof(out[0]));
	for (size_t i = 0; i < rs->n; i++)
	{
		int64_t		slot = (rs->r[i].ts - (HOUR - 3600)) / 3600;

		if (rs->r[i].ts % 3600 != 0 || slot < 0 || slot > 3)
			return false;
		out[slot] += rs->r[i].in_bytes;
	}
	return true;
}

/* The hours of a day share one Fast part; rebuilding one hour keeps the others' rows exactly once. */
static void
test_day_part(void)
{
	const char *dir = fresh_dir("day");
	kf_flow		flows[3] = {
		flow(HOUR - 3600, 0x0a000001u, 1, 2, 6, 10),
		flow(HOUR, 0x0a000001u, 1, 2, 6, 20),
		flow(HOUR + 3600, 0x0a000001u, 1, 2, 6, 40),
	};
	kf_flow		late = flow(HOUR + 60, 0x0a000002u, 1, 2, 17, 5);
	kf_fast_config cfg = config(3600, 1000000);
	kf_fast_hour_result res;
	kf_error	err;
	bool		outdated;
	rows		fast;
	int64_t		bytes[4];
	char		fast_dir[256],
				source[300];
	int			built = 0;

	const int64_t three[3] = {HOUR - 3600, HOUR, HOUR + 3600};
	const int64_t other_days[2] = {HOUR, HOUR + 7200};
	kf_fast_hour_result results[3];
	kf_hour_state s;

	write_flows(dir, flows, 3);
	CHECK("day: hours of two days are refused", kf_fast_build_hours(dir, 1, other_days, 2, &cfg, results, &err) != 0 &&
		  strstr(err.msg, "in the day") != NULL);
	CHECK("day: three hours built in one go", kf_fast_build_hours(dir, 1, three, 3, &cfg, results, &err) == 0);
	for (int i = 0; i < 3; i++)
		built += results[i].full_rows == 1 && results[i].fast_rows == 1 && !results[i].replaced;
	CHECK_INT_EQ("day: three first builds", built, 3);
	snprintf(fast_dir, sizeof(fast_dir), "%s/fast/dev-1/%lld", dir, (long long) DAY);
	CHECK("day: one part on disk, nothing merged away",
		  kf_hour_state_read(fast_dir, false, &s, &err) == 0 && s.count == 1 && !s.parts[0].hidden);
	kf_hour_state_free(&s);
	read_rows(dir, KF_DATASERIES_FAST, 0, INT64_MAX, &fast);
	CHECK_INT_EQ("day: one visible part holds the three hours", fast.parts, 1);
	CHECK("day: each hour's bytes in its slice", hour_bytes(&fast, bytes) && bytes[0] == 10 && bytes[1] == 20 &&
		  bytes[2] == 40 && bytes[3] == 0);
	free(fast.r);

	write_flows(dir, &late, 1);
	CHECK("day: the late flow's hour is outdated", kf_fast_hour_outdated(dir, 1, HOUR, &outdated, &err) == 0 && outdated);
	CHECK("day: the hour before is not", kf_fast_hour_outdated(dir, 1, HOUR - 3600, &outdated, &err) == 0 && !outdated);
	CHECK("day: rebuild replaces the hour's rows", kf_fast_build_hour(dir, 1, HOUR, &cfg, &res, &err) == 0 && res.replaced);
	read_rows(dir, KF_DATASERIES_FAST, 0, INT64_MAX, &fast);
	CHECK_INT_EQ("day: still one visible part", fast.parts, 1);
	CHECK("day: the other hours kept once, the rebuilt one updated", hour_bytes(&fast, bytes) && bytes[0] == 10 &&
		  bytes[1] == 25 && bytes[2] == 40);
	free(fast.r);
	CHECK("day: every hour up to date after the rebuild",
		  kf_fast_hour_outdated(dir, 1, HOUR - 3600, &outdated, &err) == 0 && !outdated &&
		  kf_fast_hour_outdated(dir, 1, HOUR, &outdated, &err) == 0 && !outdated &&
		  kf_fast_hour_outdated(dir, 1, HOUR + 3600, &outdated, &err) == 0 && !outdated);

	/* A damaged source file makes every hour outdated; rebuilding one still counts each row once. */
	snprintf(source, sizeof(source), "%s/source", fast_dir);

	FILE	   *f = fopen(source, "w");

	if (f != NULL)
	{
		fputs("kentik_fdw fast source 2\npart x\nhour 12 full_rows 1 full_dir_mtime_ns 1\nend\n", f);
		fclose(f);
	}
	CHECK("day: a damaged source file makes the hours outdated",
		  kf_fast_hour_outdated(dir, 1, HOUR + 3600, &outdated, &err) == 0 && outdated);
	CHECK("day: rebuild after it", kf_fast_build_hour(dir, 1, HOUR + 3600, &cfg, &res, &err) == 0 && res.replaced);
	read_rows(dir, KF_DATASERIES_FAST, 0, INT64_MAX, &fast);
	CHECK("day: no hour counted twice", hour_bytes(&fast, bytes) && bytes[0] == 10 && bytes[1] == 25 && bytes[2] == 40);
	free(fast.r);
	CHECK("day: the rebuilt hour is up to date, the others wait for their rebuild",
		  kf_fast_hour_outdated(dir, 1, HOUR + 3600, &outdated, &err) == 0 && !outdated &&
		  kf_fast_hour_outdated(dir, 1, HOUR, &outdated, &err) == 0 && outdated);

	CHECK("day: a time that is not an hour start is refused",
		  kf_fast_build_hour(dir, 1, HOUR + 60, &cfg, &res, &err) != 0 && strstr(err.msg, "start of an hour") != NULL);
}

/* The pass builds complete hours only; retention drops Fast with Full, or keeps it by its own age. */
static void
test_pass_and_retention(void)
{
	const char *dir = fresh_dir("pass");
	kf_flow		flows[4] = {
		flow(HOUR - 3600, 0x0a000001u, 1, 2, 6, 10),
		flow(HOUR, 0x0a000001u, 1, 2, 6, 20),
		flow(HOUR + 3600, 0x0a000001u, 1, 2, 6, 40),
		flow(HOUR + 7200, 0x0a000001u, 1, 2, 6, 80),	/* 00:00, the next day */
	};
	kf_fast_config cfg = config(3600, 1000000);
	kf_fast_stats stats = {0};
	rows		fast;
	int64_t		bytes[4];

	write_flows(dir, flows, 4);
	/* Now = 100 s after the second hour ended: its settle period (120 s) is not over. */
	kf_fast_build_data_dir(dir, HOUR + 3600 + 100, &cfg, 300, &no_stop, &stats);
	CHECK_INT_EQ("pass: only the hour past its settle period is built", stats.hours_built, 1);
	read_rows(dir, KF_DATASERIES_FAST, 0, INT64_MAX, &fast);
	CHECK_INT_EQ("pass: it holds the first hour's bytes", sum_rows(&fast, -1).in_bytes, 10);
	free(fast.r);
	kf_fast_build_data_dir(dir, HOUR + 4 * 3600 + 200, &cfg, 300, &no_stop, &stats);
	CHECK_INT_EQ("pass: later, all four hours are built", stats.hours_built, 4);
	kf_fast_build_data_dir(dir, HOUR + 4 * 3600 + 300, &cfg, 300, &no_stop, &stats);
	CHECK_INT_EQ("pass: and nothing is rebuilt", stats.hours_built, 4);
	read_rows(dir, KF_DATASERIES_FAST, 0, INT64_MAX, &fast);
	CHECK_INT_EQ("pass: one Fast part per day", fast.parts, 2);
	CHECK("pass: every hour in its slice", hour_bytes(&fast, bytes) && bytes[0] == 10 && bytes[1] == 20 &&
		  bytes[2] == 40 && bytes[3] == 80);
	free(fast.r);

	kf_retention_config keep_fast = {.max_age_seconds = 3600, .grace_seconds = 0, .fast_max_age_seconds = 2 * 3600};
	kf_retention_stats rs = {0};
	kf_error	err;
	int64_t		now = HOUR + 3 * 3600 + 10;	/* the first day ended an hour ago, the next day's first hour just now */

	CHECK("retention: with a Fast age", kf_retention_apply(dir, now, &keep_fast, &rs, &err) == 0);
	CHECK_INT_EQ("retention: three Full hours dropped", rs.hours_dropped, 3);
	read_rows(dir, KF_DATASERIES_FAST, 0, INT64_MAX, &fast);
	CHECK_INT_EQ("retention: Fast keeps the days younger than its age", fast.n, 4);
	free(fast.r);

	kf_retention_config follow = {.max_age_seconds = 3600, .grace_seconds = 0};

	CHECK("retention: without a Fast age", kf_retention_apply(dir, now, &follow, &rs, &err) == 0);
	CHECK_INT_EQ("retention: the day without Full hours dropped", rs.fast_days_dropped, 1);
	read_rows(dir, KF_DATASERIES_FAST, 0, INT64_MAX, &fast);
	CHECK_INT_EQ("retention: Fast days follow their dropped Full hours", fast.n, 1);
	CHECK_INT_EQ("retention: the one left is the live day's", sum_rows(&fast, -1).in_bytes, 80);
	free(fast.r);
	kf_fast_build_data_dir(dir, now + 3600, &cfg, 0, &no_stop, &stats);
	CHECK_INT_EQ("retention: dropped hours are not rebuilt", stats.hours_built, 4);

	/* A Fast hour directory of the layout before day directories: never listed, dropped by retention. */
	char		legacy[300],
				legacy_part[600],
				day_dir[300];
	kf_hour_state s;

	snprintf(day_dir, sizeof(day_dir), "%s/fast/dev-1/%lld", dir, (long long) (DAY + KF_FAST_DIR_SECONDS));
	snprintf(legacy, sizeof(legacy), "%s/fast/dev-1/%lld", dir, (long long) (HOUR + 7200 + 3600));
	mkdir(legacy, 0755);
	if (kf_hour_state_read(day_dir, false, &s, &err) == 0 && s.count == 1)
	{
		char		from[600];

		snprintf(from, sizeof(from), "%s/%s", day_dir, s.parts[0].name);
		snprintf(legacy_part, sizeof(legacy_part), "%s/%s", legacy, s.parts[0].name);
		link(from, legacy_part);
	}
	kf_hour_state_free(&s);
	read_rows(dir, KF_DATASERIES_FAST, 0, INT64_MAX, &fast);
	CHECK_INT_EQ("legacy: a Fast hour directory is not read", fast.n, 1);
	free(fast.r);
	rs.fast_days_dropped = 0;
	CHECK("legacy: retention", kf_retention_apply(dir, now, &follow, &rs, &err) == 0);
	CHECK("legacy: the hour directory is dropped", rs.fast_days_dropped == 1 && access(legacy, F_OK) != 0);
}

/* kflowd --build-fast's pass: builds what is missing, and refuses while another kflowd holds the lock. */
static void
test_run_once(void)
{
	const char *dir = fresh_dir("once");
	kf_flow		f = flow(HOUR, 0x0a000001u, 1, 2, 6, 10);
	kf_maintenance_config cfg;
	kf_error	err;
	char		lock_path[300];
	rows		fast;

	write_flows(dir, &f, 1);
	kf_maintenance_defaults(&cfg);
	snprintf(lock_path, sizeof(lock_path), "%s/maintenance.lock", dir);

	int			fd = open(lock_path, O_RDWR | O_CREAT, 0644);

	CHECK("once: lock taken by the test", fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0);
	CHECK("once: refused while the lock is held", kf_maintenance_run_once(dir, &cfg, &err) == -1 &&
		  strstr(err.msg, "maintenance lock") != NULL);
	close(fd);
	CHECK("once: runs once the lock is free", kf_maintenance_run_once(dir, &cfg, &err) == 0);
	read_rows(dir, KF_DATASERIES_FAST, 0, INT64_MAX, &fast);
	CHECK_INT_EQ("once: the complete hour was built", sum_rows(&fast, -1).in_bytes, 10);
	free(fast.r);
	cfg.fast = false;
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	mkdir(dir, 0755);
	write_flows(dir, &f, 1);
	CHECK("once: --no-fast builds nothing", kf_maintenance_run_once(dir, &cfg, &err) == 0 &&
		  read_rows(dir, KF_DATASERIES_FAST, 0, INT64_MAX, &fast) == 0 && fast.n == 0);
	free(fast.r);
}

/* Per-hour, per-protocol sums of every counter through the engine, from one dataseries. */
static int
engine_hour_sums(const char *dir, kf_dataseries series, __int128 (*out)[6], size_t max_rows, size_t *n)
{
	kf_group_key keys[2] = {
		{.kind = KF_KEY_INT_TRUNC_BUCKET, .col = KF_E_CTIMESTAMP, .width = 3600},
		{.kind = KF_KEY_COLUMN, .col = KF_E_PROTOCOL},
	};
	kf_agg_item aggs[4] = {
		{.func = KF_AGG_SUM, .col = KF_E_IN_BYTES}, {.func = KF_AGG_SUM, .col = KF_E_IN_PKTS},
		{.func = KF_AGG_SUM, .col = KF_E_OUT_BYTES}, {.func = KF_AGG_SUM, .col = KF_E_OUT_PKTS},
	};
	kf_order_item order[2] = {{{false, 0}, false, false}, {{false, 1}, false, false}};
	kf_agg_spec spec = {.data_dir = dir, .dataseries = series, .nkeys = 2, .keys = keys, .naggs = 4,
	.aggs = aggs, .norder = 2, .order = order, .memory_limit = 64 << 20};
	kf_error	err;
	kf_agg	   *agg = kf_agg_begin(&spec, &err);
	int			rc = agg ? 0 : -1;

	while (rc == 0)
		rc = kf_agg_wait(agg, 50, &err);
	*n = 0;
	if (rc == 1)
	{
		kf_agg_batch b;

		while (kf_agg_next(agg, &b) == 1)
			for (uint32_t r = 0; r < b.nrows && *n < max_rows; r++, (*n)++)
			{
				out[*n][0] = b.cols[0].ints[r];
				out[*n][1] = b.cols[1].ints[r];
				for (int a = 0; a < 4; a++)
					out[*n][2 + a] = b.cols[2 + a].sums[r];
			}
	}
	else
		printf("# engine: %s\n", err.msg);
	kf_agg_end(agg);
	return rc == 1 ? 0 : -1;
}

/* Fast vs Full through the engine: identical per-hour sums of every counter, with bounding active. */
static void
test_engine_fast_vs_full(void)
{
	const char *dir = fresh_dir("engine");
	static __int128 full[64][6],
				fast[64][6];
	size_t		nfull,
				nfast;
	kf_fast_config cfg = config(512, 1000000);
	kf_fast_stats stats = {0};

	write_many(dir, 5000, HOUR);
	write_many(dir, 1500, HOUR + 3600);
	write_many(dir, 700, HOUR + 7200);
	kf_fast_build_data_dir(dir, HOUR + 4 * 3600, &cfg, 300, &no_stop, &stats);
	CHECK_INT_EQ("engine: three hours built", stats.hours_built, 3);
	CHECK("engine: Fast has fewer rows than Full", stats.fast_rows <= 3 * 512 && stats.full_rows == 7200);

	int			rc = engine_hour_sums(dir, KF_DATASERIES_FULL, full, 64, &nfull);

	rc |= engine_hour_sums(dir, KF_DATASERIES_FAST, fast, 64, &nfast);
	CHECK("engine: both queries succeed", rc == 0);
	CHECK_INT_EQ("engine: 3 hours x 2 protocols from Full", nfull, 6);
	CHECK_INT_EQ("engine: the same groups from Fast", nfast, nfull);
	CHECK("engine: per-hour, per-protocol sums of every counter identical",
		  nfast == nfull && memcmp(full, fast, nfull * sizeof(full[0])) == 0);
}

int
main(void)
{
	snprintf(test_root, sizeof(test_root), "/tmp/kf_fast_test.XXXXXX");
	if (mkdtemp(test_root) == NULL)
	{
		printf("FAIL mkdtemp\n");
		return 1;
	}
	test_folding_and_grouping();
	test_bound("bound", 1000000);
	test_bound("bound-overflow", 100);
	test_rebuild();
	test_corrupt();
	test_day_part();
	test_pass_and_retention();
	test_run_once();
	test_engine_fast_vs_full();
	nftw(test_root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	UNIT_EXIT();
}
