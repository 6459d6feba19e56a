/*
 * test_collector_store.c -- end to end: runs the kflowd binary built beside this test
 * (BUILD/kflowd for BUILD/tests/test_collector_store) in --read-pcap mode on test captures into a
 * temporary data directory, then reads the published parts back with the store's reader and checks
 * device ids, sampling, tags and values that tshark shows for the captures.
 */
#include <libgen.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/unit/unit.h"
#include "tests/unit/collector_test_util.h"

#include "collector/collector_log.h"
#include "collector/flow_sink.h"

/* The columns of all rows of one device, gathered from every part. */
typedef struct rows
{
	size_t		count;
	int64_t    *ints[KF_NUM_COLUMNS];
	kf_addr    *addrs[KF_NUM_COLUMNS];
	char	  **strs[KF_NUM_COLUMNS];
} rows;

static char kflowd[1024];
static char dir[] = "/tmp/kf_test_collector_store.XXXXXX";

static int
run(const char *args)
{
	char		cmd[4096];

	snprintf(cmd, sizeof(cmd), "%s --data-dir %s %s 2>%s/kflowd.log", kflowd, dir, args, dir);
	return system(cmd);
}

static void
write_file(const char *name, const char *text)
{
	char		path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE	   *f = fopen(path, "w");

	if (f)
	{
		fputs(text, f);
		fclose(f);
	}
}

static int
read_block(kf_part_reader *r, uint32_t b, rows *out, size_t at, kf_error *err)
{
	uint32_t	n = kf_part_block_rows(r, b);
	uint32_t   *codes = malloc((n ? n : 1) * sizeof(uint32_t));
	int			rc = 0;

	for (int c = 0; c < KF_NUM_COLUMNS && rc == 0 && codes; c++)
	{
		kf_column_kind kind = kf_column_describe((kf_column_id) c)->kind;

		if (kind == KF_KIND_INT)
			rc = kf_part_read_int(r, b, (kf_column_id) c, out->ints[c] + at, err);
		else if (kind == KF_KIND_ADDR)
			rc = kf_part_read_addr(r, b, (kf_column_id) c, out->addrs[c] + at, err);
		else
		{
			kf_dict		dict;

			rc = kf_part_read_dict(r, b, (kf_column_id) c, codes, &dict, err);
			for (uint32_t i = 0; rc == 0 && i < n; i++)
				out->strs[c][at + i] = strdup(codes[i] < dict.count ? dict.strings[codes[i]] : "?");
		}
	}
	free(codes);
	return codes ? rc : -1;
}

/* Reads every row of device_id; returns -1 (with a message printed) on any store error. */
static int
read_device(uint32_t device_id, rows *out)
{
	kf_part_list parts;
	kf_error	err;
	const size_t cap = 100000;

	memset(out, 0, sizeof(*out));
	for (int c = 0; c < KF_NUM_COLUMNS; c++)
	{
		out->ints[c] = calloc(cap, sizeof(int64_t));
		out->addrs[c] = calloc(cap, sizeof(kf_addr));
		out->strs[c] = calloc(cap, sizeof(char *));
	}
	if (kf_parts_list(dir, device_id, INT64_MIN, INT64_MAX, &parts, &err) < 0)
	{
		printf("# %s\n", err.msg);
		return -1;
	}
	int			rc = 0;

	for (size_t p = 0; p < parts.count && rc == 0; p++)
	{
		kf_part_reader *r = kf_part_open(parts.parts[p].path, &err);

		if (!r || kf_part_device_id(r) != device_id)
		{
			rc = -1;
			break;
		}
		for (uint32_t b = 0; b < kf_part_num_blocks(r) && rc == 0; b++)
		{
			if (out->count + kf_part_block_rows(r, b) > cap)
				rc = -1;
			else if ((rc = read_block(r, b, out, out->count, &err)) == 0)
				out->count += kf_part_block_rows(r, b);
		}
		kf_part_close(r);
	}
	if (rc < 0)
		printf("# reading device %u: %s\n", device_id, err.msg);
	kf_part_list_free(&parts);
	return rc;
}

static void
free_rows(rows *r)
{
	for (int c = 0; c < KF_NUM_COLUMNS; c++)
	{
		for (size_t i = 0; i < r->count; i++)
			free(r->strs[c][i]);
		free(r->ints[c]);
		free(r->addrs[c]);
		free(r->strs[c]);
	}
}

/* Index of the first row with this source, destination and source port, or -1. */
static long
find_row(const rows *r, const char *src, const char *dst, int64_t src_port)
{
	kf_addr		s = test_parse_addr(src),
				d = test_parse_addr(dst);

	for (size_t i = 0; i < r->count; i++)
		if (kf_addr_cmp(r->addrs[KF_COL_SRC_ADDR][i], s) == 0 && kf_addr_cmp(r->addrs[KF_COL_DST_ADDR][i], d) == 0 &&
			r->ints[KF_COL_L4_SRC_PORT][i] == src_port)
			return (long) i;
	return -1;
}

static void
test_ipfix_with_devices_and_tags(void)
{
	write_file("tags.txt", "LAB 10.0.0.0/8\nALL 0.0.0.0/0\nDOCNET 198.51.100.0/24\nDOC6 2001:db8::/32\nALL 10.0.0.0/24\n");
	write_file("devices.txt", "3 lab-exporter 127.0.0.1 10\n");
	char		args[1024];

	snprintf(args, sizeof(args), "--read-pcap " TEST_CAPTURES "python3-ipfix_export.pcapng --tags %s/tags.txt --devices %s/devices.txt", dir, dir);
	CHECK_INT_EQ("kflowd --read-pcap exits 0", run(args), 0);

	rows		r;

	CHECK_INT_EQ("device 3 readable", read_device(3, &r), 0);
	/* tshark: 120 records in python3-ipfix_export.pcapng */
	CHECK_INT_EQ("all flows stored", r.count, 120);
	/* tshark packet 1 "Flow 1": 10.0.0.1:1024 -> 198.51.100.7:443, 10 packets, 1000 octets; ExportTime 1795311996 */
	long		i = find_row(&r, "10.0.0.1", "198.51.100.7", 1024);

	CHECK("v4 flow found", i >= 0);
	if (i >= 0)
	{
		CHECK_INT_EQ("ctimestamp", r.ints[KF_COL_CTIMESTAMP][i], 1795311996);
		CHECK_INT_EQ("bytes times the device rate", r.ints[KF_COL_IN_BYTES][i], 10000);
		CHECK_INT_EQ("packets times the device rate", r.ints[KF_COL_IN_PKTS][i], 100);
		CHECK_INT_EQ("sample rate stored", r.ints[KF_COL_SAMPLE_RATE][i], 10);
		CHECK_INT_EQ("dst port", r.ints[KF_COL_L4_DST_PORT][i], 443);
		CHECK_STR_EQ("src tags sorted, de-duplicated", r.strs[KF_COL_SRC_FLOW_TAGS][i], "ALL,LAB");
		CHECK_STR_EQ("dst tags", r.strs[KF_COL_DST_FLOW_TAGS][i], "ALL,DOCNET");
		CHECK("next hop absent", kf_addr_is_absent(r.addrs[KF_COL_NEXT_HOP][i]));
	}
	/* tshark: 2001:db8::1:5000 -> 2001:db8:1::1:53 UDP, 1 packet, 80 octets */
	i = find_row(&r, "2001:db8::1", "2001:db8:1::1", 5000);
	CHECK("v6 flow found", i >= 0);
	if (i >= 0)
	{
		CHECK_INT_EQ("v6 bytes", r.ints[KF_COL_IN_BYTES][i], 800);
		CHECK_INT_EQ("v6 protocol", r.ints[KF_COL_PROTOCOL][i], 17);
		CHECK_STR_EQ("v6 tags", r.strs[KF_COL_SRC_FLOW_TAGS][i], "DOC6");
	}
	free_rows(&r);
}

static void
test_unlisted_exporter(void)
{
	CHECK_INT_EQ("second run exits 0", run("--read-pcap " TEST_CAPTURES "goflow2_nfv9_tpl_data.pcap"), 0);
	kf_device_list list;
	kf_error	err;

	CHECK_INT_EQ("devices readable", kf_devices_load(dir, &list, &err), 0);
	CHECK_INT_EQ("two devices known", list.count, 2);
	const kf_device *d = kf_device_list_find(&list, 4);

	CHECK("unlisted exporter got the next id", d != NULL);
	CHECK_STR_EQ("named after its address", d ? d->name : NULL, "127.0.0.2");
	CHECK_STR_EQ("file device kept", kf_device_list_find(&list, 3) ? kf_device_list_find(&list, 3)->name : NULL,
				 "lab-exporter");
	kf_device_list_free(&list);

	rows		r;

	CHECK_INT_EQ("device 4 readable", read_device(4, &r), 0);
	/* tshark: 21 records; "Flow 1": 198.38.120.222:443 -> 88.121.217.208, 1500 octets, no sampling interval */
	CHECK_INT_EQ("device 4 rows", r.count, 21);
	long		i = find_row(&r, "198.38.120.222", "88.121.217.208", 443);

	CHECK("goflow2 flow found", i >= 0);
	if (i >= 0)
	{
		CHECK_INT_EQ("unsampled bytes", r.ints[KF_COL_IN_BYTES][i], 1500);
		CHECK_INT_EQ("sample rate 1 when nothing is known", r.ints[KF_COL_SAMPLE_RATE][i], 1);
		CHECK_STR_EQ("no tags file: empty tags", r.strs[KF_COL_DST_FLOW_TAGS][i], "");
	}
	free_rows(&r);
}

static size_t
count_parts(const char *data_dir)
{
	kf_part_list parts;
	kf_error	err;

	if (kf_parts_list(data_dir, 0, INT64_MIN, INT64_MAX, &parts, &err) < 0)
		return 0;
	size_t		n = parts.count;

	kf_part_list_free(&parts);
	return n;
}

/* The sink publishes every KF_SINK_FLUSH_SECONDS of its clock, not before, and saves a new
 * device before its first part. */
static void
test_flush_policy(void)
{
	char		sub[600];
	kf_error	err;

	snprintf(sub, sizeof(sub), "%s/flush", dir);
	kf_device_registry *reg = mkdir(sub, 0755) == 0 ? kf_device_registry_open(sub, NULL, &err) : NULL;
	kf_flow_sink *sink = reg ? kf_flow_sink_new(sub, reg, NULL, &err) : NULL;

	CHECK("sink opens", sink != NULL);
	if (!sink)
	{
		kf_device_registry_free(reg);
		return;
	}
	kf_flow		f;

	memset(&f, 0, sizeof(f));
	f.ctimestamp = 1700000000;
	f.src_addr = test_parse_addr("10.0.0.1");
	f.in_bytes = 5;
	kf_flow_sink_emit(sink, test_parse_addr("192.0.2.99"), &f);
	kf_device_list list;

	CHECK_INT_EQ("new device saved before any part", kf_devices_load(sub, &list, &err) == 0 ? list.count : 0, 1);
	kf_device_list_free(&list);
	kf_flow_sink_tick(sink, 1.0);
	CHECK_INT_EQ("nothing published before 2 s", count_parts(sub), 0);
	kf_flow_sink_tick(sink, 2.5);
	CHECK_INT_EQ("published at the first tick after 2 s", count_parts(sub), 1);
	f.ctimestamp++;
	kf_flow_sink_emit(sink, test_parse_addr("192.0.2.99"), &f);
	kf_flow_sink_tick(sink, 4.0);
	CHECK_INT_EQ("next flush waits 2 s", count_parts(sub), 1);
	kf_flow_sink_tick(sink, 4.6);
	CHECK_INT_EQ("second part published", count_parts(sub), 2);
	kf_flow_sink_tick(sink, 7.0);
	CHECK_INT_EQ("an empty writer publishes nothing", count_parts(sub), 2);
	CHECK_INT_EQ("flush count", kf_flow_sink_stats(sink)->flushes, 2);
	kf_flow_sink_free(sink);
	kf_device_registry_free(reg);
}

static void
test_errors(void)
{
	CHECK("missing capture fails", run("--read-pcap /nonexistent.pcap") != 0);
	write_file("badtags.txt", "X 10.0.0.0/40\n");
	char		args[1024];

	snprintf(args, sizeof(args), "--read-pcap " TEST_CAPTURES "goflow2_nfv9_tpl_data.pcap --tags %s/badtags.txt", dir);
	CHECK("bad tag file fails", run(args) != 0);
	CHECK("no mode is a usage error", run("") != 0);
}

int
main(int argc, char **argv)
{
	(void) argc;
	char	   *self = strdup(argv[0]);

	/* BUILD/tests/test_collector_store -> BUILD/kflowd */
	snprintf(kflowd, sizeof(kflowd), "%s/../kflowd", dirname(self));
	free(self);
	kf_log_set_quiet(true);
	if (!mkdtemp(dir))
	{
		CHECK("temp dir", false);
		UNIT_EXIT();
	}
	test_ipfix_with_devices_and_tags();
	test_unlisted_exporter();
	test_flush_policy();
	test_errors();
	char		cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK_INT_EQ("cleanup", system(cmd), 0);
	UNIT_EXIT();
}
