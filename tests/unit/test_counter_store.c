/*
 * test_counter_store.c -- the interface counter files (store/counter_file.h): round trips across
 * hours, listing and pruning by device and time, and the reader's rejection of damaged, truncated,
 * misplaced and unknown-version files, each with a message naming the file; and retention, which
 * drops counter hours with the flows' age limit.
 *
 * Everything is written under a fresh mkdtemp directory that is removed at the end.
 */
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collector/retention.h"
#include "store/counter_file.h"
#include "store/crc32c.h"
#include "tests/unit/unit.h"

static char test_root[64];

static int
remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void) st;
	(void) flag;
	(void) ftw;
	return remove(path);
}

/* out = dir + suffix; a path that does not fit is reported (and the test then fails). */
static void
path_join(char *out, size_t size, const char *dir, const char *suffix)
{
	if (snprintf(out, size, "%s%s", dir, suffix) >= (int) size)
		printf("# path too long: %s%s\n", dir, suffix);
}

/* A row whose every field derives from (t, if_index), so any mix-up shows. */
static kf_counter_row
row_of(int64_t t, uint32_t if_index)
{
	kf_counter_row r = {
		.ctimestamp = t, .if_index = if_index, .if_type = 6, .if_speed = UINT64_C(100000000000),
		.if_direction = 1, .if_status = 3, .in_octets = UINT64_C(0xfedcba9876543210) + (uint64_t) t,
		.in_ucast_pkts = (uint32_t) t, .in_mcast_pkts = if_index + 1, .in_bcast_pkts = if_index + 2,
		.in_discards = 3, .in_errors = 4, .in_unknown_protos = 0xffffffffu,
		.out_octets = (uint64_t) t * 1000 + if_index, .out_ucast_pkts = if_index * 7,
		.out_mcast_pkts = 8, .out_bcast_pkts = 9, .out_discards = 10, .out_errors = 11, .promiscuous = 2
	};

	return r;
}

static bool
rows_equal(const kf_counter_row *a, const kf_counter_row *b)
{
	kf_counter_row x = *a;
	kf_counter_row y = *b;

	return x.ctimestamp == y.ctimestamp && x.if_index == y.if_index && x.if_type == y.if_type &&
		x.if_speed == y.if_speed && x.if_direction == y.if_direction && x.if_status == y.if_status &&
		x.in_octets == y.in_octets && x.in_ucast_pkts == y.in_ucast_pkts && x.in_mcast_pkts == y.in_mcast_pkts &&
		x.in_bcast_pkts == y.in_bcast_pkts && x.in_discards == y.in_discards && x.in_errors == y.in_errors &&
		x.in_unknown_protos == y.in_unknown_protos && x.out_octets == y.out_octets &&
		x.out_ucast_pkts == y.out_ucast_pkts && x.out_mcast_pkts == y.out_mcast_pkts &&
		x.out_bcast_pkts == y.out_bcast_pkts && x.out_discards == y.out_discards &&
		x.out_errors == y.out_errors && x.promiscuous == y.promiscuous;
}

/* Rows of two hours given out of order; the writer sorts them and writes one file per hour. */
static void
test_round_trip(const char *dir)
{
	kf_counter_row rows[5] = {
		row_of(1700003605, 2), row_of(1700000000, 7), row_of(1700003605, 1), row_of(1700001000, 7),
		row_of(1700002799, 3)
	};
	kf_counter_row want[5] = {
		row_of(1700000000, 7), row_of(1700001000, 7), row_of(1700002799, 3), row_of(1700003605, 1),
		row_of(1700003605, 2)
	};
	size_t		published = 99;
	kf_error	err;
	kf_counter_file_list list;

	CHECK_INT_EQ("round trip: write", kf_counters_write(dir, 4, rows, 5, &published, &err), 0);
	CHECK_INT_EQ("round trip: every row published", published, 5);
	CHECK_INT_EQ("round trip: list", kf_counter_files_list(dir, NULL, 0, INT64_MIN, INT64_MAX, &list, &err), 0);
	CHECK_INT_EQ("round trip: one file per hour", list.count, 2);

	size_t		next = 0;
	bool		same = true;

	for (size_t i = 0; i < list.count; i++)
	{
		kf_counter_file f;

		if (kf_counter_file_read_listed(&list.files[i], &f, &err) != 0)
		{
			printf("# %s\n", err.msg);
			same = false;
			continue;
		}
		same = same && f.device_id == 4 && f.hour == (i == 0 ? 1699999200 : 1700002800);
		for (size_t j = 0; j < f.count; j++)
			same = same && next < 5 && rows_equal(&f.rows[j], &want[next++]);
		kf_counter_file_free(&f);
	}
	CHECK("round trip: rows come back sorted by time, every field exact", same && next == 5);
	CHECK_INT_EQ("round trip: the last second of an hour stays in that hour", list.count ? list.files[0].max_ts : 0, 1700002799);
	CHECK_INT_EQ("round trip: second file's hour", list.count > 1 ? list.files[1].hour : 0, 1700002800);
	kf_counter_file_list_free(&list);
}

/* Pruning by time and device uses names only; dot-files and strangers are never listed. */
static void
test_listing(const char *dir)
{
	kf_counter_row a[2] = {row_of(1700000100, 1), row_of(1700000200, 1)};
	kf_counter_row b[1] = {row_of(1700000150, 1)};
	size_t		published;
	kf_error	err;
	kf_counter_file_list list;
	char		junk[PATH_MAX];
	uint32_t	only9[1] = {9};
	uint32_t	both[2] = {9, 8};

	kf_counters_write(dir, 8, a, 2, &published, &err);
	kf_counters_write(dir, 9, b, 1, &published, &err);
	path_join(junk, sizeof(junk), dir, "/counters/dev-8/1699999200/.c-1700000100-1700000100-x.kfc.tmp-1");
	close(open(junk, O_CREAT | O_WRONLY, 0644));
	path_join(junk, sizeof(junk), dir, "/counters/dev-8/1699999200/c-1700000300-1700000100-x.kfc");
	close(open(junk, O_CREAT | O_WRONLY, 0644));

	kf_counter_files_list(dir, NULL, 0, INT64_MIN, INT64_MAX, &list, &err);
	CHECK_INT_EQ("listing: two files, the dot-file and the inverted range ignored", list.count, 2);
	CHECK_INT_EQ("listing: sorted by device", list.count == 2 ? list.files[0].device_id : 0, 8);
	kf_counter_file_list_free(&list);
	kf_counter_files_list(dir, only9, 1, INT64_MIN, INT64_MAX, &list, &err);
	CHECK_INT_EQ("listing: device 9 only", list.count == 1 ? list.files[0].device_id : 0, 9);
	kf_counter_file_list_free(&list);
	kf_counter_files_list(dir, both, 2, 1700000160, 1700000190, &list, &err);
	CHECK_INT_EQ("listing: a window between device 9's row and device 8's range keeps only device 8's file",
				 list.count == 1 ? list.files[0].device_id : 0, 8);
	kf_counter_file_list_free(&list);
	kf_counter_files_list(dir, NULL, 0, 1700000201, 1700003000, &list, &err);
	CHECK_INT_EQ("listing: a window after every row lists nothing", list.count, 0);
	kf_counter_file_list_free(&list);
	kf_counter_files_list(dir, NULL, 0, 5, 4, &list, &err);
	CHECK_INT_EQ("listing: an empty window lists nothing", list.count, 0);
	kf_counter_file_list_free(&list);
	CHECK_INT_EQ("listing: a data directory without counters is empty",
				 kf_counter_files_list("/nonexistent-kf-dir", NULL, 0, 0, 10, &list, &err) == 0 ? (long long) list.count : -1, 0);
}

/* Reads the single file of a one-file store into memory. */
static size_t
load_single(const char *dir, char *path, size_t path_size, uint8_t *buf, size_t cap)
{
	kf_counter_file_list list;
	kf_error	err;
	size_t		len = 0;

	if (kf_counter_files_list(dir, NULL, 0, INT64_MIN, INT64_MAX, &list, &err) == 0 && list.count == 1)
	{
		int			fd = open(list.files[0].path, O_RDONLY);

		snprintf(path, path_size, "%s", list.files[0].path);
		len = (size_t) read(fd, buf, cap);
		close(fd);
	}
	kf_counter_file_list_free(&list);
	return len;
}

static void
rewrite(const char *path, const uint8_t *buf, size_t len)
{
	int			fd = open(path, O_WRONLY | O_TRUNC);

	if (write(fd, buf, len) != (ssize_t) len)
		printf("# short write to %s\n", path);
	close(fd);
}

/* Expects reading path to fail with a message containing the path and `what`. */
static void
check_rejected(const char *name, const char *path, const char *what)
{
	kf_counter_file f;
	kf_error	err;
	int			rc = kf_counter_file_read(path, &f, &err);

	if (rc == 0)
		kf_counter_file_free(&f);
	else if (strstr(err.msg, path) == NULL || strstr(err.msg, what) == NULL)
		printf("# message: %s\n", err.msg);
	CHECK(name, rc == -1 && strstr(err.msg, path) != NULL && strstr(err.msg, what) != NULL);
}

static void
test_rejections(const char *dir)
{
	kf_counter_row rows[3] = {row_of(1700000100, 1), row_of(1700000200, 2), row_of(1700000300, 3)};
	size_t		published;
	kf_error	err;
	char		path[PATH_MAX];
	uint8_t		good[1024];
	uint8_t		bad[1024];

	kf_counters_write(dir, 3, rows, 3, &published, &err);
	size_t		len = load_single(dir, path, sizeof(path), good, sizeof(good));

	CHECK_INT_EQ("file size: header, 3 rows of 96 bytes, CRC", len, 32 + 3 * 96 + 4);

	memcpy(bad, good, len);
	bad[32 + 96 + 40] ^= 1;		/* a bit of row 2's in_ucast_pkts */
	rewrite(path, bad, len);
	check_rejected("flipped bit: checksum mismatch names the file", path, "checksum mismatch");

	memcpy(bad, good, len);
	bad[8] = 2;					/* version 2, with a valid CRC: a newer format, not damage */
	uint32_t	crc = kf_crc32c(bad, len - 4);

	memcpy(bad + len - 4, &crc, 4);	/* the test machines are little-endian, as the format */
	rewrite(path, bad, len);
	check_rejected("version 2: rejected as unsupported, naming the file", path, "unsupported counter file version 2");

	rewrite(path, good, len - 50);
	check_rejected("truncated: rows do not fit", path, "do not hold the 3 rows");

	rewrite(path, good, 20);
	check_rejected("shorter than a header: rejected by its size", path, "size 20 is impossible");

	memcpy(bad, good, len);
	memcpy(bad + 32 + 96, bad + 32 + 2 * 96, 8);	/* row 2 gets row 3's time: out of order */
	memcpy(bad + 32 + 2 * 96, good + 32, 8);
	crc = kf_crc32c(bad, len - 4);
	memcpy(bad + len - 4, &crc, 4);
	rewrite(path, bad, len);
	check_rejected("rows out of order: rejected", path, "out of order");

	/* a good file moved to another hour directory does not match its place */
	char		moved_dir[PATH_MAX];
	char		moved[PATH_MAX];
	kf_counter_file_list list;
	kf_counter_file f;

	rewrite(path, good, len);
	path_join(moved_dir, sizeof(moved_dir), dir, "/counters/dev-3/1700002800");
	mkdir(moved_dir, 0755);
	path_join(moved, sizeof(moved), moved_dir, strrchr(path, '/'));
	rename(path, moved);
	kf_counter_files_list(dir, NULL, 0, INT64_MIN, INT64_MAX, &list, &err);
	int			rc = list.count == 1 ? kf_counter_file_read_listed(&list.files[0], &f, &err) : 0;

	CHECK("misplaced file: rejected, naming it", rc == -1 && strstr(err.msg, moved) && strstr(err.msg, "do not match"));
	kf_counter_file_list_free(&list);
}

/* A failed hour keeps its rows and every later one unpublished: a retry never duplicates. */
static void
test_partial_failure(const char *dir)
{
	kf_counter_row rows[3] = {row_of(1700000100, 1), row_of(1700003700, 1), row_of(1700007300, 1)};
	char		blocker[PATH_MAX];
	size_t		published = 99;
	kf_error	err;

	/* a plain file where the second hour's directory should be */
	mkdir(dir, 0755);
	path_join(blocker, sizeof(blocker), dir, "/counters");
	mkdir(blocker, 0755);
	path_join(blocker, sizeof(blocker), dir, "/counters/dev-5");
	mkdir(blocker, 0755);
	path_join(blocker, sizeof(blocker), dir, "/counters/dev-5/1700002800");
	close(open(blocker, O_CREAT | O_WRONLY, 0644));
	CHECK_INT_EQ("blocked hour: write fails", kf_counters_write(dir, 5, rows, 3, &published, &err), -1);
	CHECK_INT_EQ("blocked hour: only the first hour's row is published", published, 1);
	CHECK("blocked hour: the message names the directory", strstr(err.msg, "1700002800") != NULL);
}

/* Counter hours that ended longer ago than the age limit go; with a grace period they are hidden first. */
static void
test_retention(const char *dir)
{
	kf_counter_row rows[3] = {row_of(1700000100, 1), row_of(1700003700, 1), row_of(1700007300, 1)};
	size_t		published;
	kf_error	err;
	kf_counter_file_list list;
	kf_retention_stats stats;
	kf_retention_config cfg = {.max_age_seconds = 3600, .grace_seconds = 60};
	char		hidden[PATH_MAX];
	struct stat st;

	memset(&stats, 0, sizeof(stats));
	kf_counters_write(dir, 2, rows, 3, &published, &err);
	/* now = the end of the second hour + 1 hour: the first two hours ended an hour ago or more */
	CHECK_INT_EQ("retention: applies", kf_retention_apply(dir, 1700006400 + 3600, &cfg, &stats, &err), 0);
	kf_counter_files_list(dir, NULL, 0, INT64_MIN, INT64_MAX, &list, &err);
	CHECK_INT_EQ("retention: only the last hour is still listed", list.count == 1 ? list.files[0].hour : 0, 1700006400);
	kf_counter_file_list_free(&list);
	path_join(hidden, sizeof(hidden), dir, "/counters/dev-2/.expired-1699999200-1700010000");
	CHECK("retention: a dropped hour stays on disk for the grace period", stat(hidden, &st) == 0);
	CHECK_INT_EQ("retention: after the grace period", kf_retention_apply(dir, 1700010000 + 60, &cfg, &stats, &err), 0);
	CHECK("retention: the dropped hour is deleted", stat(hidden, &st) != 0);
	cfg.max_age_seconds = 0;
	CHECK_INT_EQ("retention: without an age limit", kf_retention_apply(dir, 1800000000, &cfg, &stats, &err), 0);
	kf_counter_files_list(dir, NULL, 0, INT64_MIN, INT64_MAX, &list, &err);
	CHECK_INT_EQ("retention: nothing is dropped without an age limit", list.count, 1);
	kf_counter_file_list_free(&list);
}

int
main(void)
{
	char		dir[PATH_MAX];

	snprintf(test_root, sizeof(test_root), "/tmp/kf-test-counters-XXXXXX");
	if (mkdtemp(test_root) == NULL)
	{
		printf("FAIL mkdtemp\n");
		return 1;
	}
	path_join(dir, sizeof(dir), test_root, "/round");
	test_round_trip(dir);
	path_join(dir, sizeof(dir), test_root, "/listing");
	test_listing(dir);
	path_join(dir, sizeof(dir), test_root, "/rejections");
	test_rejections(dir);
	path_join(dir, sizeof(dir), test_root, "/partial");
	test_partial_failure(dir);
	path_join(dir, sizeof(dir), test_root, "/retention");
	test_retention(dir);
	nftw(test_root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	UNIT_EXIT();
}
