/*
 * test_dialect_columns.c -- unit tests of Kentik's dialect columns in the engine: i_protocol_name
 * (a fixed dictionary), inet_family, and the query constants i_duration and i_fast_dataset, in
 * projections, WHERE clauses, zone-map pruning and pushed aggregation.
 *
 * The data is one device with two hours: hour A holds IPv4 TCP/UDP flows only, hour B IPv6
 * ICMPv6 flows plus one IPv4 ICMP flow and one flow with the unassigned protocol 200, so the
 * zone maps of the two parts can tell the columns apart.  Its Fast dataseries holds hour A's
 * two slice rows, stamped with the slice start as kflowd writes them.
 */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/aggregate.h"
#include "engine/block_columns.h"
#include "engine/engine.h"
#include "engine/logical_columns.h"
#include "tests/unit/unit.h"

#define HOUR_A (1700000000 / 3600 * 3600)
#define HOUR_B (HOUR_A + 3600)

static char data_dir[256];

typedef struct row_spec
{
	int64_t		ctimestamp;
	bool		v6;
	uint32_t	protocol;
	uint32_t	dst_port;
	int64_t		bytes;
} row_spec;

static const row_spec rows[] = {
	{HOUR_A + 10, false, 6, 443, 100},
	{HOUR_A + 70, false, 17, 53, 200},
	{HOUR_A + 75, false, 6, 80, 300},
	{HOUR_B + 5, true, 58, 128 * 256 + 0, 40},	/* ICMPv6 echo request: type*256+code */
	{HOUR_B + 6, true, 58, 1 * 256 + 4, 50},	/* ICMPv6 port unreachable */
	{HOUR_B + 65, false, 1, 3 * 256 + 3, 60},	/* ICMP port unreachable */
	{HOUR_B + 66, true, 200, 0, 70},
};

#define NROWS (sizeof(rows) / sizeof(rows[0]))

/* Hour A in the Fast dataseries: TCP and UDP summed over the hour, at the slice start. */
static int
write_fast_rows(kf_error *err)
{
	kf_writer  *w = kf_writer_open_series(data_dir, KF_DATASERIES_FAST, 3, err);

	if (w == NULL)
		return -1;
	for (int i = 0; i < 2; i++)
	{
		kf_flow		f = {0};

		f.ctimestamp = HOUR_A;
		f.src_addr = kf_addr_from_v4(0x0a000001);
		f.dst_addr = kf_addr_from_v4(0xc0000201);
		f.protocol = i == 0 ? 6 : 17;
		f.in_bytes = i == 0 ? 400 : 200;
		f.in_pkts = 1;
		f.sample_rate = 1;
		if (kf_writer_add(w, &f, err) != 0)
		{
			kf_writer_close(w);
			return -1;
		}
	}
	int			rc = kf_writer_flush(w, err);

	kf_writer_close(w);
	return rc;
}

static int
build_data_dir(kf_error *err)
{
	snprintf(data_dir, sizeof(data_dir), "/tmp/kf_test_dialect.%d", (int) getpid());
	if (mkdir(data_dir, 0755) != 0)
		return kf_error_set(err, "cannot create %s", data_dir);
	kf_writer  *w = kf_writer_open(data_dir, 3, err);

	if (w == NULL)
		return -1;
	for (size_t i = 0; i < NROWS; i++)
	{
		kf_flow		f = {0};

		f.ctimestamp = rows[i].ctimestamp;
		f.src_addr = rows[i].v6 ? (kf_addr) {UINT64_C(0x20010db800000000), i} : kf_addr_from_v4(0x0a000001 + i);
		f.dst_addr = kf_addr_from_v4(0xc0000201);
		f.protocol = rows[i].protocol;
		f.l4_dst_port = rows[i].dst_port;
		f.in_bytes = rows[i].bytes;
		f.in_pkts = 1;
		f.sample_rate = 1;
		if (kf_writer_add(w, &f, err) != 0)
		{
			kf_writer_close(w);
			return -1;
		}
	}
	int			rc = kf_writer_flush(w, err);

	kf_writer_close(w);
	return rc != 0 ? rc : write_fast_rows(err);
}

/* ------------------------------------------------------------------ the dictionary */

static void
test_protocol_names(void)
{
	const kf_dict *dict = protocol_name_dict();
	int			lengths_ok = 0,
				numbers_ok = 0;

	CHECK_INT_EQ("protocol names: 256 numbers and one out-of-range entry", dict->count, 257);
	CHECK_STR_EQ("protocol names: 6", dict->strings[6], "TCP (6)");
	CHECK_STR_EQ("protocol names: 17", dict->strings[17], "UDP (17)");
	CHECK_STR_EQ("protocol names: 1", dict->strings[1], "ICMP (1)");
	CHECK_STR_EQ("protocol names: 47", dict->strings[47], "GRE (47)");
	CHECK_STR_EQ("protocol names: 50", dict->strings[50], "ESP (50)");
	CHECK_STR_EQ("protocol names: 58", dict->strings[58], "IPv6-ICMP (58)");
	CHECK_STR_EQ("protocol names: 0", dict->strings[0], "HOPOPT (0)");
	CHECK_STR_EQ("protocol names: 132", dict->strings[132], "SCTP (132)");
	CHECK_STR_EQ("protocol names: 145, the last keyword", dict->strings[145], "NSH (145)");
	CHECK_STR_EQ("protocol names: 61 has no keyword", dict->strings[61], "(61)");
	CHECK_STR_EQ("protocol names: 146 is unassigned", dict->strings[146], "(146)");
	CHECK_STR_EQ("protocol names: 255", dict->strings[255], "(255)");
	CHECK_STR_EQ("protocol names: out of range", dict->strings[256], "(out of range)");
	for (uint32_t c = 0; c < dict->count; c++)
	{
		char		suffix[16];
		size_t		len = strlen(dict->strings[c]);

		lengths_ok += dict->lengths[c] == len;
		snprintf(suffix, sizeof(suffix), "(%u)", c);
		numbers_ok += c < 256 && len >= strlen(suffix) && strcmp(dict->strings[c] + len - strlen(suffix), suffix) == 0;
	}
	CHECK_INT_EQ("protocol names: lengths match the strings", lengths_ok, 257);
	CHECK_INT_EQ("protocol names: each ends with its number", numbers_ok, 256);
	CHECK_INT_EQ("protocol code: 300", protocol_name_code(300), 256);
	CHECK_INT_EQ("protocol code: -1", protocol_name_code(-1), 256);
	CHECK_INT_EQ("protocol code: 255", protocol_name_code(255), 255);
}

static void
test_column_table(void)
{
	CHECK_INT_EQ("columns: i_protocol_name", kf_ecol_by_name("i_protocol_name"), KF_E_PROTOCOL_NAME);
	CHECK_INT_EQ("columns: inet_family", kf_ecol_by_name("inet_family"), KF_E_INET_FAMILY);
	CHECK_INT_EQ("columns: i_duration", kf_ecol_by_name("i_duration"), KF_E_DURATION);
	CHECK_INT_EQ("columns: i_fast_dataset", kf_ecol_by_name("i_fast_dataset"), KF_E_FAST_DATASET);
	CHECK("columns: kinds of the dialect columns",
		  kf_ecol_describe(KF_E_PROTOCOL_NAME)->kind == KF_V_STR &&
		  kf_ecol_describe(KF_E_INET_FAMILY)->kind == KF_V_INT &&
		  kf_ecol_describe(KF_E_DURATION)->kind == KF_V_INT &&
		  kf_ecol_describe(KF_E_FAST_DATASET)->kind == KF_V_INT &&
		  !kf_ecol_describe(KF_E_DURATION)->nullable);
}

/* ------------------------------------------------------------------ block_columns directly */

/* The constants and derived values of the one block of hour B's part. */
static void
test_block_values(void)
{
	kf_error	err = {{0}};
	kf_part_list parts = {0};

	if (kf_parts_list(data_dir, 3, HOUR_B, HOUR_B + 3599, &parts, &err) != 0 || parts.count != 1)
	{
		printf("FAIL block values: cannot list hour B: %s\n", err.msg);
		unit_failures++;
		kf_part_list_free(&parts);
		return;
	}
	kf_part_reader *r = kf_part_open(parts.parts[0].path, &err);
	block_columns bc = {0};

	CHECK("block values: part opens", r != NULL);
	if (r != NULL)
	{
		block_columns_start(&bc, r, 0, kf_part_block_rows(r, 0), 3, 0);
		CHECK("block values: i_duration before the query's constants is an error",
			  block_ints(&bc, KF_E_DURATION, &err) == NULL &&
			  strstr(err.msg, "i_duration is not known") != NULL);
		block_columns_set_query(&bc, KF_DATASERIES_FAST, 86400);
		block_columns_start(&bc, r, 0, kf_part_block_rows(r, 0), 3, 0);
		const int64_t *duration = block_ints(&bc, KF_E_DURATION, &err);
		const int64_t *fast = block_ints(&bc, KF_E_FAST_DATASET, &err);
		const int64_t *family = block_ints(&bc, KF_E_INET_FAMILY, &err);
		const kf_dict *dict = NULL;
		const uint32_t *codes = block_codes(&bc, KF_E_PROTOCOL_NAME, &dict, &err);

		CHECK("block values: all columns read", duration && fast && family && codes && dict);
		if (duration && fast && family && codes && dict)
		{
			CHECK_INT_EQ("block values: 4 rows", bc.nrows, 4);
			CHECK("block values: i_duration 86400 on every row",
				  duration[0] == 86400 && duration[1] == 86400 && duration[2] == 86400 && duration[3] == 86400);
			CHECK("block values: i_fast_dataset 1 on every row", fast[0] == 1 && fast[3] == 1);
			CHECK("block values: inet_family 6 6 4 6",
				  family[0] == 6 && family[1] == 6 && family[2] == 4 && family[3] == 6);
			CHECK_STR_EQ("block values: protocol name row 0", dict->strings[codes[0]], "IPv6-ICMP (58)");
			CHECK_STR_EQ("block values: protocol name row 2", dict->strings[codes[2]], "ICMP (1)");
			CHECK_STR_EQ("block values: protocol name row 3", dict->strings[codes[3]], "(200)");
		}
		block_columns_set_query(&bc, KF_DATASERIES_FULL, 60);
		block_columns_start(&bc, r, 0, kf_part_block_rows(r, 0), 3, 0);
		fast = block_ints(&bc, KF_E_FAST_DATASET, &err);
		duration = block_ints(&bc, KF_E_DURATION, &err);
		CHECK("block values: Full and 60 after a new query", fast && duration && fast[1] == 0 && duration[1] == 60);
		block_columns_free(&bc);
		kf_part_close(r);
	}
	kf_part_list_free(&parts);
}

/* ------------------------------------------------------------------ scans */

typedef struct scan_result
{
	int64_t		rows;
	int64_t		sum;			/* of the first projected INT column, or of the string lengths */
	char		first_str[64];
	uint64_t	blocks_skipped;
} scan_result;

/* Runs a scan of device 3 projecting col and sums it (INT) or the name lengths (STR). */
static scan_result
run_scan(const kf_pred *where, kf_ecol col, kf_dataseries series, int64_t duration)
{
	kf_scan_spec spec = {.data_dir = data_dir, .dataseries = series, .duration_seconds = duration,
	.device_id = 3, .where = where, .ncols = 1, .cols = &col};
	kf_error	err = {{0}};
	scan_result res = {0};
	kf_scan    *scan = kf_scan_begin(&spec, &err);
	kf_batch	batch;
	int			rc;

	if (scan == NULL)
	{
		res.rows = -1;
		printf("  scan failed: %s\n", err.msg);
		return res;
	}
	while ((rc = kf_scan_next(scan, &batch, &err)) == 1)
		for (uint32_t i = 0; i < batch.nrows; i++)
		{
			if (kf_ecol_describe(col)->kind == KF_V_STR)
			{
				const kf_dict *d = batch.cols[0].dict;
				uint32_t	c = batch.cols[0].codes[i];

				if (res.rows == 0)
					snprintf(res.first_str, sizeof(res.first_str), "%s", d->strings[c]);
				res.sum += d->lengths[c];
			}
			else
				res.sum += batch.cols[0].ints[i];
			res.rows++;
		}
	if (rc < 0)
	{
		res.rows = -1;
		printf("  scan failed: %s\n", err.msg);
	}
	res.blocks_skipped = kf_scan_get_stats(scan)->blocks_skipped;
	kf_scan_end(scan);
	return res;
}

static void
test_scans(void)
{
	kf_pred		icmp = {.type = KF_P_STR_CMP, .col = KF_E_PROTOCOL_NAME, .op = KF_OP_EQ, .value.str = "ICMP (1)"};
	kf_pred		like = {.type = KF_P_STR_LIKE, .col = KF_E_PROTOCOL_NAME, .value.str = "%ICMP%"};
	kf_pred		v4 = {.type = KF_P_INT_CMP, .col = KF_E_INET_FAMILY, .op = KF_OP_EQ, .value.i = 4};
	kf_pred		v6 = {.type = KF_P_INT_CMP, .col = KF_E_INET_FAMILY, .op = KF_OP_EQ, .value.i = 6};
	kf_pred		fast = {.type = KF_P_INT_CMP, .col = KF_E_FAST_DATASET, .op = KF_OP_EQ, .value.i = 1};
	kf_pred		long_window = {.type = KF_P_INT_CMP, .col = KF_E_DURATION, .op = KF_OP_GE, .value.i = 3600};
	scan_result r;

	r = run_scan(&icmp, KF_E_L4_DST_PORT, KF_DATASERIES_FULL, 0);
	CHECK("scan: i_protocol_name = 'ICMP (1)': one row, type 3 code 3",
		  r.rows == 1 && r.sum == 3 * 256 + 3);
	CHECK_INT_EQ("scan: hour A's block is pruned by the protocol zone map", r.blocks_skipped, 1);
	r = run_scan(&like, KF_E_PROTOCOL_NAME, KF_DATASERIES_FULL, 0);
	CHECK("scan: LIKE '%ICMP%' gives the ICMP and ICMPv6 rows",
		  r.rows == 3 && r.sum == 2 * (long) strlen("IPv6-ICMP (58)") + (long) strlen("ICMP (1)") &&
		  strcmp(r.first_str, "IPv6-ICMP (58)") == 0);
	r = run_scan(&v4, KF_E_IN_BYTES, KF_DATASERIES_FULL, 0);
	CHECK("scan: inet_family = 4: four rows, 660 bytes", r.rows == 4 && r.sum == 660);
	r = run_scan(&v6, KF_E_INET_FAMILY, KF_DATASERIES_FULL, 0);
	CHECK("scan: inet_family = 6: three rows", r.rows == 3 && r.sum == 18);
	CHECK_INT_EQ("scan: hour A's all-IPv4 block is pruned for inet_family = 6", r.blocks_skipped, 1);
	r = run_scan(NULL, KF_E_DURATION, KF_DATASERIES_FULL, 7200);
	CHECK("scan: i_duration is the spec's duration on every row", r.rows == 7 && r.sum == 7 * 7200);
	r = run_scan(&long_window, KF_E_DURATION, KF_DATASERIES_FULL, 60);
	CHECK_INT_EQ("scan: i_duration >= 3600 over a 60-second query: no row", r.rows, 0);
	r = run_scan(&fast, KF_E_FAST_DATASET, KF_DATASERIES_FULL, 60);
	CHECK_INT_EQ("scan: i_fast_dataset = 1 reading Full: no row", r.rows, 0);
	r = run_scan(NULL, KF_E_FAST_DATASET, KF_DATASERIES_FAST, 3600);
	CHECK("scan: Fast reads its two rows, i_fast_dataset 1", r.rows == 2 && r.sum == 2);
	r = run_scan(NULL, KF_E_START_TIME, KF_DATASERIES_FAST, 3600);
	CHECK("scan: in Fast, i_start_time is the hour slice start", r.rows == 2 && r.sum == 2 * (int64_t) HOUR_A);
	r = run_scan(&fast, KF_E_IN_BYTES, KF_DATASERIES_FAST, 3600);
	CHECK("scan: i_fast_dataset = 1 reading Fast: both rows, 600 bytes", r.rows == 2 && r.sum == 600);
	r = run_scan(&icmp, KF_E_IN_BYTES, KF_DATASERIES_FAST, 3600);
	CHECK_INT_EQ("scan: Fast has no ICMP row", r.rows, 0);
}

/* ------------------------------------------------------------------ aggregation */

/* GROUP BY i_protocol_name, inet_family, i_duration: sum(in_bytes), ordered by the name. */
static void
test_aggregation(void)
{
	kf_group_key keys[] = {{.kind = KF_KEY_COLUMN, .col = KF_E_PROTOCOL_NAME},
	{.kind = KF_KEY_COLUMN, .col = KF_E_INET_FAMILY},
	{.kind = KF_KEY_COLUMN, .col = KF_E_DURATION}};
	kf_agg_item aggs[] = {{.func = KF_AGG_SUM, .col = KF_E_IN_BYTES}, {.func = KF_AGG_MAX, .col = KF_E_FAST_DATASET}};
	kf_order_item order[] = {{.ref = {false, 0}}};
	kf_agg_spec spec = {.data_dir = data_dir, .duration_seconds = 3600, .device_id = 3, .nkeys = 3, .keys = keys,
	.naggs = 2, .aggs = aggs, .norder = 1, .order = order, .memory_limit = 1 << 24};
	static const char *const want[] = {
		"(200)|6|3600|70|0", "ICMP (1)|4|3600|60|0", "IPv6-ICMP (58)|6|3600|90|0", "TCP (6)|4|3600|400|0",
	"UDP (17)|4|3600|200|0"};
	kf_error	err = {{0}};
	kf_agg	   *agg = kf_agg_begin(&spec, &err);
	kf_agg_batch batch;
	int			rc = agg ? 0 : -1;
	uint32_t	row = 0,
				matching = 0;

	while (rc == 0)
		rc = kf_agg_wait(agg, 50, &err);
	if (rc < 0)
		printf("  aggregation failed: %s\n", err.msg);
	while (rc == 1 && kf_agg_next(agg, &batch) == 1)
		for (uint32_t i = 0; i < batch.nrows; i++, row++)
		{
			char		line[128];

			snprintf(line, sizeof(line), "%.*s|%lld|%lld|%lld|%lld", (int) batch.cols[0].lens[i],
					 batch.cols[0].strs[i], (long long) batch.cols[1].ints[i], (long long) batch.cols[2].ints[i],
					 (long long) batch.cols[3].sums[i], (long long) batch.cols[4].ints[i]);
			if (row < 5 && strcmp(line, want[row]) == 0)
				matching++;
			else
				printf("  row %u: %s\n", row, line);
		}
	CHECK_INT_EQ("aggregation: five groups", row, 5);
	CHECK_INT_EQ("aggregation: keys, sums and constants as expected", matching, 5);
	if (agg)
		kf_agg_end(agg);
}

int
main(void)
{
	kf_error	err = {{0}};
	char		cmd[600];

	if (build_data_dir(&err) != 0)
	{
		printf("FAIL dialect test data: %s\n", err.msg);
		return 1;
	}
	test_column_table();
	test_protocol_names();
	test_block_values();
	test_scans();
	test_aggregation();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", data_dir);
	if (system(cmd) != 0)
		printf("  could not remove %s\n", data_dir);
	UNIT_EXIT();
}
