/*
 * test_store.c -- unit tests of the column store: codecs, writer/reader round trips, hour
 * partitioning, part listing and pruning, zone maps, the devices registry, and the reader's
 * rejection of corrupt, truncated and unknown-version files.
 *
 * Every test writes into its own directory under a fresh mkdtemp dir that is removed at the end.
 */
#include <fcntl.h>
#include <ftw.h>
#include <lz4.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/bitpack.h"
#include "store/crc32c.h"
#include "store/int_codec.h"
#include "store/part_format.h"
#include "store/store.h"
#include "tests/unit/unit.h"

static char test_root[64];

/* Deterministic pseudo-random numbers (splitmix64) so every run checks the same values. */
static uint64_t rng_state = 0x1234567;

static uint64_t
rng_next(void)
{
	uint64_t	z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static int
remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void) st;
	(void) flag;
	(void) ftw;
	return remove(path);
}

/* Returns a new empty directory under the test root. */
static const char *
fresh_dir(const char *name)
{
	static char path[256];

	snprintf(path, sizeof(path), "%s/%s", test_root, name);
	mkdir(path, 0755);
	return path;
}

/* ------------------------------------------------------------------ rows */

/* A flow plus owned copies of its strings, as read back from a part. */
typedef struct row
{
	kf_flow		f;
	char	   *src_tags;
	char	   *dst_tags;
	char	   *input_description;
	char	   *output_description;
} row;

/* Where read_part keeps the string of DICT column col of a row. */
static char **
string_slot(row *r, kf_column_id col)
{
	switch (col)
	{
		case KF_COL_SRC_FLOW_TAGS: return &r->src_tags;
		case KF_COL_DST_FLOW_TAGS: return &r->dst_tags;
		case KF_COL_INPUT_INTERFACE_DESCRIPTION: return &r->input_description;
		default: return &r->output_description;
	}
}

static void
set_int_field(kf_flow *f, kf_column_id col, int64_t v)
{
	switch (col)
	{
		case KF_COL_CTIMESTAMP: f->ctimestamp = v; break;
		case KF_COL_L4_SRC_PORT: f->l4_src_port = (uint32_t) v; break;
		case KF_COL_L4_DST_PORT: f->l4_dst_port = (uint32_t) v; break;
		case KF_COL_PROTOCOL: f->protocol = (uint32_t) v; break;
		case KF_COL_TCP_FLAGS: f->tcp_flags = (uint32_t) v; break;
		case KF_COL_TOS: f->tos = (uint32_t) v; break;
		case KF_COL_IN_BYTES: f->in_bytes = v; break;
		case KF_COL_IN_PKTS: f->in_pkts = v; break;
		case KF_COL_OUT_BYTES: f->out_bytes = v; break;
		case KF_COL_OUT_PKTS: f->out_pkts = v; break;
		case KF_COL_INPUT_PORT: f->input_port = (uint32_t) v; break;
		case KF_COL_OUTPUT_PORT: f->output_port = (uint32_t) v; break;
		case KF_COL_SRC_AS: f->src_as = (uint32_t) v; break;
		case KF_COL_DST_AS: f->dst_as = (uint32_t) v; break;
		case KF_COL_VLAN_IN: f->vlan_in = (uint32_t) v; break;
		case KF_COL_VLAN_OUT: f->vlan_out = (uint32_t) v; break;
		case KF_COL_SAMPLE_RATE: f->sample_rate = (uint32_t) v; break;
		case KF_COL_FLOW_END_MS: f->flow_end_ms = v; break;
		case KF_COL_FLOW_DURATION_MS: f->flow_duration_ms = v; break;
		case KF_COL_MPLS_LABEL: f->mpls_label = (uint32_t) v; break;
		case KF_COL_MPLS_EXP: f->mpls_exp = (uint32_t) v; break;
		case KF_COL_MPLS_LABELED: f->mpls_labeled = v != 0; break;
		default: break;
	}
}

static kf_addr *
addr_field(kf_flow *f, kf_column_id col)
{
	return col == KF_COL_SRC_ADDR ? &f->src_addr : col == KF_COL_DST_ADDR ? &f->dst_addr : &f->next_hop;
}

/* Reads every column of every block of path into rows (malloc'd); returns the row count or -1. */
static long
read_part(const char *path, row **rows_out, kf_error *err)
{
	kf_part_reader *r = kf_part_open(path, err);

	if (r == NULL)
		return -1;

	size_t		total = kf_part_num_rows(r);
	row		   *rows = calloc(total, sizeof(*rows));
	int64_t    *ints = malloc(KF_BLOCK_MAX_ROWS * sizeof(int64_t));
	kf_addr    *addrs = malloc(KF_BLOCK_MAX_ROWS * sizeof(kf_addr));
	uint32_t   *codes = malloc(KF_BLOCK_MAX_ROWS * sizeof(uint32_t));
	size_t		base = 0;
	int			rc = 0;

	for (uint32_t b = 0; rc == 0 && b < kf_part_num_blocks(r); b++)
	{
		uint32_t	n = kf_part_block_rows(r, b);

		for (int col = 0; rc == 0 && col < KF_NUM_COLUMNS; col++)
		{
			kf_dict		dict;

			switch (kf_column_describe(col)->kind)
			{
				case KF_KIND_INT:
					rc = kf_part_read_int(r, b, col, ints, err);
					for (uint32_t i = 0; rc == 0 && i < n; i++)
						set_int_field(&rows[base + i].f, col, ints[i]);
					break;
				case KF_KIND_ADDR:
					rc = kf_part_read_addr(r, b, col, addrs, err);
					for (uint32_t i = 0; rc == 0 && i < n; i++)
						*addr_field(&rows[base + i].f, col) = addrs[i];
					break;
				case KF_KIND_DICT:
					rc = kf_part_read_dict(r, b, col, codes, &dict, err);
					for (uint32_t i = 0; rc == 0 && i < n; i++)
						*string_slot(&rows[base + i], col) = strdup(dict.strings[codes[i]]);
					break;
			}
		}
		base += n;
	}
	free(ints);
	free(addrs);
	free(codes);
	kf_part_close(r);
	*rows_out = rows;
	return rc == 0 ? (long) total : -1;
}

static void
free_rows(row *rows, size_t n)
{
	for (size_t i = 0; rows && i < n; i++)
	{
		free(rows[i].src_tags);
		free(rows[i].dst_tags);
		free(rows[i].input_description);
		free(rows[i].output_description);
	}
	free(rows);
}

static bool
addr_eq(kf_addr a, kf_addr b)
{
	return a.hi == b.hi && a.lo == b.lo;
}

/* Compares a row read back with the flow written (NULL strings read back as ""). */
static bool
row_matches(const row *r, const kf_flow *f)
{
	const kf_flow *g = &r->f;

	return g->ctimestamp == f->ctimestamp && addr_eq(g->src_addr, f->src_addr) &&
		addr_eq(g->dst_addr, f->dst_addr) && addr_eq(g->next_hop, f->next_hop) &&
		g->l4_src_port == f->l4_src_port && g->l4_dst_port == f->l4_dst_port &&
		g->protocol == f->protocol && g->tcp_flags == f->tcp_flags && g->tos == f->tos &&
		g->in_bytes == f->in_bytes && g->in_pkts == f->in_pkts && g->out_bytes == f->out_bytes &&
		g->out_pkts == f->out_pkts && g->input_port == f->input_port && g->output_port == f->output_port &&
		g->src_as == f->src_as && g->dst_as == f->dst_as && g->vlan_in == f->vlan_in &&
		g->vlan_out == f->vlan_out && g->sample_rate == f->sample_rate &&
		g->flow_end_ms == f->flow_end_ms && g->flow_duration_ms == f->flow_duration_ms &&
		g->mpls_label == f->mpls_label && g->mpls_exp == f->mpls_exp && g->mpls_labeled == f->mpls_labeled &&
		strcmp(r->src_tags, f->src_flow_tags ? f->src_flow_tags : "") == 0 &&
		strcmp(r->dst_tags, f->dst_flow_tags ? f->dst_flow_tags : "") == 0 &&
		strcmp(r->input_description, f->input_interface_description ? f->input_interface_description : "") == 0 &&
		strcmp(r->output_description, f->output_interface_description ? f->output_interface_description : "") == 0;
}

static char long_tag[4001];
static char distinct_tags[5000][16];

/*
 * Flow number i of a mix full of edge cases: extreme and negative counters, a constant protocol,
 * IPv4 and IPv6 addresses, absent next hops, NULL, empty, long and many distinct tags.  in_pkts = i
 * identifies the flow after sorting.
 */
static kf_flow
tricky_flow(size_t i, int64_t ts)
{
	static const int64_t extremes[] = {INT64_MIN, INT64_MAX, -1, 0, 1, INT64_MIN + 1, -1234567890123};
	kf_flow		f = {0};

	f.ctimestamp = ts;
	f.src_addr = i % 3 == 0 ? (kf_addr) {UINT64_C(0x20010db800000000) | i, rng_next()} :
		kf_addr_from_v4((uint32_t) rng_next());
	f.dst_addr = kf_addr_from_v4(0x0a000000u | (uint32_t) (i % 1000));
	f.next_hop = i % 2 ? (kf_addr) {0, 0} : (kf_addr) {UINT64_MAX, UINT64_MAX - i};
	f.l4_src_port = (uint32_t) (rng_next() % 65536);
	f.l4_dst_port = i % 7 == 0 ? 25 : 443;
	f.protocol = 6;
	f.tcp_flags = (uint32_t) (i & 0xff);
	f.tos = 0;
	f.in_bytes = extremes[i % 7];
	f.in_pkts = (int64_t) i;
	f.out_bytes = (int64_t) rng_next();
	f.out_pkts = -(int64_t) i;
	f.input_port = UINT32_MAX;
	f.output_port = (uint32_t) i * 2654435761u;
	f.src_as = 65000;
	f.dst_as = (uint32_t) (i % 4);
	f.vlan_in = 4095;
	f.vlan_out = 0;
	f.sample_rate = 1;
	f.src_flow_tags = i % 5 == 0 ? NULL : i % 5 == 1 ? "" : i % 5 == 2 ? long_tag : "MYNETWORK";
	f.dst_flow_tags = distinct_tags[i % 5000];
	f.input_interface_description = i % 3 == 0 ? NULL : i % 3 == 1 ? "uplink-to-core" : "Transit: NTT 10G";
	f.output_interface_description = i % 4 == 0 ? "" : distinct_tags[(i * 7) % 5000];
	/* flow times absent on every sixth flow; label 0 (explicit null) and no label both occur */
	f.flow_end_ms = i % 6 == 0 ? 0 : ts * 1000 - (int64_t) (i % 30000);
	f.flow_duration_ms = i % 6 == 0 ? 0 : (int64_t) (i % 86400001);
	f.mpls_labeled = i % 4 != 3;
	f.mpls_label = f.mpls_labeled ? (uint32_t) (i % 3 ? i % 1048576 : 0) : 0;
	f.mpls_exp = f.mpls_labeled ? (uint32_t) (i % 8) : 0;
	return f;
}

static int
write_flows(const char *dir, uint32_t device, const kf_flow *flows, size_t n, kf_error *err)
{
	kf_writer  *w = kf_writer_open(dir, device, err);

	if (w == NULL)
		return -1;

	int			rc = 0;

	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = kf_writer_add(w, &flows[i], err);
	if (rc == 0)
		rc = kf_writer_flush(w, err);
	kf_writer_close(w);
	return rc;
}

/* ------------------------------------------------------------------ codec tests */

static void
test_crc32c(void)
{
	CHECK_INT_EQ("crc32c check value", kf_crc32c("123456789", 9), 0xe3069283u);
	CHECK_INT_EQ("crc32c empty", kf_crc32c("", 0), 0);
}

/* Encodes values and decodes them back; returns true when identical and stores the width used. */
static bool
int_round_trip(const int64_t *values, size_t n, unsigned *width, unsigned *encoding)
{
	uint64_t   *scratch = malloc(n * sizeof(uint64_t));
	uint8_t    *buf = calloc(kf_int_stream_max_size(n) + KF_BITPACK_SLACK, 1);
	int64_t    *back = malloc(n * sizeof(int64_t));
	size_t		len = kf_int_encode(values, n, scratch, buf);
	const char *why = NULL;
	bool		ok = kf_int_decode(buf, len, n, back, &why) == len && memcmp(back, values, n * sizeof(int64_t)) == 0;

	*width = buf[1];
	*encoding = buf[0];
	free(scratch);
	free(buf);
	free(back);
	return ok;
}

static void
test_int_codec_widths(void)
{
	enum {N = 1000};
	int64_t		values[N];
	int			bad_widths = 0;

	for (unsigned w = 0; w <= 64; w++)
	{
		uint64_t	mask = w == 64 ? UINT64_MAX : (UINT64_C(1) << w) - 1;

		/* Random order so delta never wins; values[1] pins the span to exactly w bits. */
		for (int i = 0; i < N; i++)
			values[i] = (int64_t) (UINT64_C(0x8000000000000000) + (rng_next() & mask));
		values[0] = INT64_MIN;
		values[1] = (int64_t) (UINT64_C(0x8000000000000000) + mask);

		unsigned	width,
					encoding;

		if (!int_round_trip(values, N, &width, &encoding) || width != w || encoding != KF_INT_FOR)
			bad_widths++;
	}
	CHECK_INT_EQ("int codec: FOR round trip at every width 0..64", bad_widths, 0);

	int64_t		extremes[] = {INT64_MIN, INT64_MAX, 0, -1, INT64_MAX, INT64_MIN, 1};
	unsigned	width,
				encoding;

	CHECK("int codec: INT64_MIN/MAX round trip", int_round_trip(extremes, 7, &width, &encoding));
	CHECK_INT_EQ("int codec: INT64_MIN..MAX span needs 64 bits", width, 64);

	for (int i = 0; i < N; i++)
		values[i] = 1700000000 + i / 3;
	CHECK("int codec: sorted timestamps round trip", int_round_trip(values, N, &width, &encoding));
	CHECK_INT_EQ("int codec: sorted timestamps use delta", encoding, KF_INT_DELTA);
	CHECK_INT_EQ("int codec: sorted timestamps delta width", width, 2);

	int64_t		one = -42;

	CHECK("int codec: one value round trip", int_round_trip(&one, 1, &width, &encoding));
	CHECK_INT_EQ("int codec: one value is width 0", width, 0);
}

static void
test_int_codec_rejects(void)
{
	int64_t		values[4] = {1, 2, 3, 400};
	uint64_t	scratch[4];
	uint8_t		buf[64 + KF_BITPACK_SLACK] = {0};
	int64_t		back[4];
	size_t		len = kf_int_encode(values, 4, scratch, buf);
	const char *why = NULL;

	CHECK_INT_EQ("int codec: stream length", len, 16 + 8);
	CHECK_INT_EQ("int codec: truncated stream rejected", kf_int_decode(buf, len - 1, 4, back, &why), 0);
	buf[1] = 65;
	CHECK_INT_EQ("int codec: width 65 rejected", kf_int_decode(buf, len, 4, back, &why), 0);
	CHECK_STR_EQ("int codec: width error text", why, "integer bit width above 64");
	buf[1] = 9;
	buf[0] = 7;
	CHECK_INT_EQ("int codec: unknown encoding rejected", kf_int_decode(buf, len, 4, back, &why), 0);
}

/* ------------------------------------------------------------------ round trips */

/* Writes n tricky flows with shuffled timestamps in one hour and checks they read back sorted. */
/*
 * Random access and the range test on packed values must agree with unpacking, at every width:
 * values straddling words, width 64, width 0, ranges that wrap below zero.
 */
static void
test_bitpack_random_access(void)
{
	enum
	{
		N = 333
	};
	uint64_t	values[N];
	uint8_t		packed[N * 8 + KF_BITPACK_SLACK];
	int64_t		unpacked[N];
	uint8_t		match[N];
	size_t		get_wrong = 0,
				match_wrong = 0,
				matched = 0;

	for (unsigned w = 0; w <= 64; w++)
	{
		uint64_t	mask = w == 64 ? ~UINT64_C(0) : (UINT64_C(1) << w) - 1;
		uint64_t	base = w % 2 ? (uint64_t) INT64_MIN + 7 : UINT64_C(1000);

		for (size_t i = 0; i < N; i++)
			values[i] = rng_next() & mask;
		memset(packed, 0, sizeof(packed));
		kf_bitpack_pack(values, N, w, packed);
		kf_bitpack_unpack_for(packed, N, w, base, unpacked);
		for (size_t i = 0; i < N; i++)
			get_wrong += kf_bitpack_get(packed, i, w) != values[i];

		/* the range [value of row 5, value of row 5 + a third of the span] */
		uint64_t	lo = (uint64_t) unpacked[5],
					span = mask / 3;

		kf_bitpack_match_for(packed, N, w, base, lo, span, match);
		for (size_t i = 0; i < N; i++)
		{
			match_wrong += match[i] != ((uint64_t) unpacked[i] - lo <= span);
			matched += match[i];
		}
	}
	CHECK_INT_EQ("bitpack: random access equals unpacking, widths 0..64", get_wrong, 0);
	CHECK_INT_EQ("bitpack: range test on packed values equals testing unpacked ones", match_wrong, 0);
	CHECK("bitpack: the range tests matched rows", matched >= 65);

	static const uint64_t small[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
	static const uint8_t want[10] = {0, 0, 0, 1, 1, 1, 0, 0, 0, 0};

	memset(packed, 0, sizeof(packed));
	kf_bitpack_pack(small, 10, 4, packed);
	kf_bitpack_match_for(packed, 10, 4, 100, 103, 2, match);
	CHECK("bitpack: 100 + {0..9} in [103, 105]", memcmp(match, want, 10) == 0);
}

/*
 * The selective reads of a part: kf_part_match_int (whole block and listed rows, every kind of
 * range, frame-of-reference and delta streams) and kf_part_restrict_rows must give exactly what
 * full decoding gives, on the tricky rows (extreme and negative values).
 */
static void
test_selective_reads(void)
{
	enum
	{
		N = 65536 + 3000
	};
	static const kf_column_id int_cols[] = {KF_COL_CTIMESTAMP, KF_COL_IN_BYTES, KF_COL_OUT_BYTES, KF_COL_OUT_PKTS,
	KF_COL_L4_SRC_PORT, KF_COL_PROTOCOL, KF_COL_INPUT_PORT};
	static const kf_column_id addr_cols[] = {KF_COL_SRC_ADDR, KF_COL_DST_ADDR, KF_COL_NEXT_HOP};
	const char *dir = fresh_dir("selective");
	kf_error	err = {{0}};
	kf_flow    *flows = malloc(N * sizeof(*flows));
	int64_t		hour = 1700000000 - 1700000000 % 3600;
	kf_part_list list = {0};

	for (size_t i = 0; i < N; i++)
		flows[i] = tricky_flow(i, hour + (int64_t) (rng_next() % 3600));
	CHECK("selective: write", write_flows(dir, 3, flows, N, &err) == 0);
	free(flows);
	CHECK("selective: listed", kf_parts_list(dir, 3, 0, INT64_MAX, &list, &err) == 0 && list.count == 1);

	kf_part_reader *r = list.count == 1 ? kf_part_open(list.parts[0].path, &err) : NULL;
	int64_t    *full = malloc(KF_BLOCK_MAX_ROWS * sizeof(int64_t));
	int64_t    *got = malloc(KF_BLOCK_MAX_ROWS * sizeof(int64_t));
	kf_addr    *full_addrs = malloc(KF_BLOCK_MAX_ROWS * sizeof(kf_addr));
	kf_addr    *got_addrs = malloc(KF_BLOCK_MAX_ROWS * sizeof(kf_addr));
	uint8_t    *match = malloc(KF_BLOCK_MAX_ROWS);
	uint32_t   *rows = malloc(KF_BLOCK_MAX_ROWS * sizeof(uint32_t));
	size_t		errors = 0,
				wrong_full = 0,
				wrong_rows = 0,
				touched = 0,
				matched = 0,
				wrong_restricted = 0,
				wrong_other_block = 0;

	CHECK("selective: opened", r != NULL && kf_part_num_blocks(r) == 2);
	for (uint32_t b = 0; r != NULL && b < 2; b++)
	{
		uint32_t	n = kf_part_block_rows(r, b),
					count = 0;

		for (uint32_t i = b; i < n; i += 7)
			rows[count++] = i;
		for (size_t c = 0; c < sizeof(int_cols) / sizeof(int_cols[0]); c++)
		{
			errors += kf_part_read_int(r, b, int_cols[c], full, &err) != 0;

			int64_t		pivot = full[n / 2];
			const int64_t ranges[][2] = {{pivot, pivot}, {INT64_MIN, pivot}, {pivot, INT64_MAX},
			{INT64_MIN, INT64_MAX}, {1, 0}, {pivot / 2 - 1000, pivot / 2 + 1000}, {INT64_MIN, -1}};

			for (size_t k = 0; k < sizeof(ranges) / sizeof(ranges[0]); k++)
			{
				int64_t		lo = ranges[k][0],
							hi = ranges[k][1];

				errors += kf_part_match_int(r, b, int_cols[c], lo, hi, NULL, 0, match, &err) != 0;
				for (uint32_t i = 0; i < n; i++)
				{
					wrong_full += match[i] != (full[i] >= lo && full[i] <= hi);
					matched += match[i];
				}
				memset(match, 2, n);
				errors += kf_part_match_int(r, b, int_cols[c], lo, hi, rows, count, match, &err) != 0;
				for (uint32_t i = 0, k2 = 0; i < n; i++)
				{
					bool		listed = k2 < count && rows[k2] == i;

					k2 += listed;
					touched += match[i] != 2;
					wrong_rows += listed ? match[i] != (full[i] >= lo && full[i] <= hi) : match[i] != 2;
				}
			}
			kf_part_restrict_rows(r, b, rows, count);
			errors += kf_part_read_int(r, b, int_cols[c], got, &err) != 0;
			for (uint32_t k = 0; k < count; k++)
				wrong_restricted += got[rows[k]] != full[rows[k]];
			/* the other block reads whole while this one is restricted */
			errors += kf_part_read_int(r, 1 - b, int_cols[c], got, &err) != 0;
			kf_part_restrict_rows(r, b, NULL, 0);
			errors += kf_part_read_int(r, 1 - b, int_cols[c], full, &err) != 0;
			for (uint32_t i = 0; i < kf_part_block_rows(r, 1 - b); i++)
				wrong_other_block += got[i] != full[i];
		}
		for (size_t c = 0; c < sizeof(addr_cols) / sizeof(addr_cols[0]); c++)
		{
			errors += kf_part_read_addr(r, b, addr_cols[c], full_addrs, &err) != 0;
			kf_part_restrict_rows(r, b, rows, count);
			errors += kf_part_read_addr(r, b, addr_cols[c], got_addrs, &err) != 0;
			kf_part_restrict_rows(r, b, NULL, 0);
			for (uint32_t k = 0; k < count; k++)
				wrong_restricted += !addr_eq(got_addrs[rows[k]], full_addrs[rows[k]]);
		}
	}
	CHECK_INT_EQ("selective: no read failed", errors, 0);
	CHECK_INT_EQ("selective: whole-block range tests equal testing decoded values", wrong_full, 0);
	CHECK_INT_EQ("selective: listed-row range tests equal testing decoded values, others untouched", wrong_rows, 0);
	CHECK("selective: the listed rows were written", touched > 10000);
	CHECK("selective: ranges matched rows", matched > 100000);
	CHECK_INT_EQ("selective: restricted INT and ADDR reads equal full reads at the rows", wrong_restricted, 0);
	CHECK_INT_EQ("selective: a restriction leaves other blocks whole", wrong_other_block, 0);
	free(full);
	free(got);
	free(full_addrs);
	free(got_addrs);
	free(match);
	free(rows);
	kf_part_close(r);
	kf_part_list_free(&list);
}

static void
check_round_trip(const char *label, size_t n, uint32_t expect_blocks, uint32_t expect_last_block_rows)
{
	char		name[64],
				msg[160];
	const char *dir;
	kf_error	err = {{0}};
	kf_flow    *flows = malloc(n * sizeof(*flows));
	int64_t		hour = 1700000000 - 1700000000 % 3600;

	snprintf(name, sizeof(name), "rt-%zu", n);
	dir = fresh_dir(name);
	for (size_t i = 0; i < n; i++)
		flows[i] = tricky_flow(i, hour + (int64_t) (rng_next() % 3600));

	snprintf(msg, sizeof(msg), "%s: write", label);
	CHECK(msg, write_flows(dir, 7, flows, n, &err) == 0);

	kf_part_list list;

	snprintf(msg, sizeof(msg), "%s: one part listed", label);
	CHECK(msg, kf_parts_list(dir, 7, 0, INT64_MAX, &list, &err) == 0 && list.count == 1);
	if (list.count != 1)
	{
		free(flows);
		return;
	}

	kf_part_reader *r = kf_part_open(list.parts[0].path, &err);

	snprintf(msg, sizeof(msg), "%s: block count", label);
	CHECK_INT_EQ(msg, r ? kf_part_num_blocks(r) : 0, expect_blocks);
	snprintf(msg, sizeof(msg), "%s: last block rows", label);
	CHECK_INT_EQ(msg, r ? kf_part_block_rows(r, expect_blocks - 1) : 0, expect_last_block_rows);
	snprintf(msg, sizeof(msg), "%s: device id in header", label);
	CHECK_INT_EQ(msg, r ? kf_part_device_id(r) : 0, 7);
	kf_part_close(r);

	row		   *rows = NULL;
	long		got = read_part(list.parts[0].path, &rows, &err);
	size_t		mismatches = 0,
				unsorted = 0;

	snprintf(msg, sizeof(msg), "%s: row count", label);
	CHECK_INT_EQ(msg, got, (long) n);
	for (long i = 0; i < got; i++)
	{
		int64_t		id = rows[i].f.in_pkts;

		if (id < 0 || (size_t) id >= n || !row_matches(&rows[i], &flows[id]))
			mismatches++;
		if (i > 0 && (rows[i].f.ctimestamp < rows[i - 1].f.ctimestamp ||
					  (rows[i].f.ctimestamp == rows[i - 1].f.ctimestamp && rows[i].f.in_pkts < rows[i - 1].f.in_pkts)))
			unsorted++;
	}
	snprintf(msg, sizeof(msg), "%s: every value round-trips", label);
	CHECK_INT_EQ(msg, mismatches, 0);
	snprintf(msg, sizeof(msg), "%s: sorted by ctimestamp, ties in arrival order", label);
	CHECK_INT_EQ(msg, unsorted, 0);
	free_rows(rows, got > 0 ? (size_t) got : 0);
	kf_part_list_free(&list);
	free(flows);
}

static void
test_round_trips(void)
{
	check_round_trip("1 row", 1, 1, 1);
	check_round_trip("1000 rows", 1000, 1, 1000);
	check_round_trip("65536 rows", 65536, 1, 65536);
	check_round_trip("65537 rows", 65537, 2, 1);
}

/* ------------------------------------------------------------------ hours, listing, zones */

static kf_flow
simple_flow(int64_t ts, uint32_t v4_dst)
{
	kf_flow		f = {0};

	f.ctimestamp = ts;
	f.src_addr = kf_addr_from_v4(0xc0000201);
	f.dst_addr = kf_addr_from_v4(v4_dst);
	f.protocol = 17;
	f.sample_rate = 1;
	f.dst_flow_tags = "A,B";
	return f;
}

static void
test_hours_and_listing(void)
{
	const char *dir = fresh_dir("hours");
	kf_error	err = {{0}};
	const int64_t h0 = 1700002800;	/* an hour boundary */
	kf_flow		flows[] = {
		simple_flow(h0 + 3600 + 5, 0x0a000003), simple_flow(h0 + 10, 0x0a000001),
		simple_flow(h0 + 3599, 0x0a000002), simple_flow(h0 + 3600 + 900, 0x0a000004),
	};

	CHECK_INT_EQ("hours: boundary is an hour start", h0 % 3600, 0);
	CHECK("hours: write device 1", write_flows(dir, 1, flows, 4, &err) == 0);
	CHECK("hours: write device 2", write_flows(dir, 2, flows + 1, 1, &err) == 0);

	kf_part_list list;
	char		want[256];

	CHECK("hours: list device 1", kf_parts_list(dir, 1, 0, INT64_MAX, &list, &err) == 0);
	CHECK_INT_EQ("hours: two parts for two hours", list.count, 2);
	if (list.count == 2)
	{
		CHECK_INT_EQ("hours: first part min_ts", list.parts[0].min_ts, h0 + 10);
		CHECK_INT_EQ("hours: first part max_ts", list.parts[0].max_ts, h0 + 3599);
		CHECK_INT_EQ("hours: second part min_ts", list.parts[1].min_ts, h0 + 3605);
		CHECK_INT_EQ("hours: second part max_ts", list.parts[1].max_ts, h0 + 4500);
		snprintf(want, sizeof(want), "%s/data/dev-1/%lld/p-%lld-%lld-", dir, (long long) h0,
				 (long long) h0 + 10, (long long) h0 + 3599);
		CHECK("hours: first part in its hour directory", strncmp(list.parts[0].path, want, strlen(want)) == 0);
		snprintf(want, sizeof(want), "%s/data/dev-1/%lld/", dir, (long long) h0 + 3600);
		CHECK("hours: second part in the next hour directory", strncmp(list.parts[1].path, want, strlen(want)) == 0);

		kf_part_reader *r = kf_part_open(list.parts[1].path, &err);

		CHECK_INT_EQ("hours: second part holds 2 rows", r ? kf_part_num_rows(r) : 0, 2);
		if (r)
		{
			const kf_zone *z = kf_part_zone(r, 0, KF_COL_CTIMESTAMP);

			CHECK_INT_EQ("zone: ctimestamp min", z->i.min, h0 + 3605);
			CHECK_INT_EQ("zone: ctimestamp max", z->i.max, h0 + 4500);
			z = kf_part_zone(r, 0, KF_COL_DST_ADDR);
			CHECK("zone: dst_addr min", addr_eq(z->a.min, kf_addr_from_v4(0x0a000003)));
			CHECK("zone: dst_addr max", addr_eq(z->a.max, kf_addr_from_v4(0x0a000004)));
			z = kf_part_zone(r, 0, KF_COL_PROTOCOL);
			CHECK("zone: constant protocol", z->i.min == 17 && z->i.max == 17);
			z = kf_part_zone(r, 0, KF_COL_DST_FLOW_TAGS);
			CHECK("zone: dict zone is zero", z->i.min == 0 && z->i.max == 0);
			z = kf_part_zone(r, 5, KF_COL_PROTOCOL);
			CHECK("zone: missing block gives a zero zone", z != NULL && z->i.min == 0);
			kf_part_close(r);
		}
	}
	kf_part_list_free(&list);

	CHECK("list: everything", kf_parts_list(dir, 0, 0, INT64_MAX, &list, &err) == 0 && list.count == 3);
	CHECK("list: sorted by device", list.count == 3 && list.parts[2].device_id == 2 && list.parts[0].device_id == 1);
	kf_part_list_free(&list);
	CHECK("list: device 2 only", kf_parts_list(dir, 2, 0, INT64_MAX, &list, &err) == 0 && list.count == 1);
	kf_part_list_free(&list);
	CHECK("list: device 3 has nothing", kf_parts_list(dir, 3, 0, INT64_MAX, &list, &err) == 0 && list.count == 0);
	kf_part_list_free(&list);
	CHECK("list: first hour only", kf_parts_list(dir, 1, h0, h0 + 3600, &list, &err) == 0 && list.count == 1 &&
		  list.parts[0].min_ts == h0 + 10);
	kf_part_list_free(&list);
	CHECK("list: range touching the second part's max", kf_parts_list(dir, 1, h0 + 4500, h0 + 9999, &list, &err) == 0 &&
		  list.count == 1 && list.parts[0].min_ts == h0 + 3605);
	kf_part_list_free(&list);
	CHECK("list: gap inside the second hour before its rows", kf_parts_list(dir, 1, h0 + 3600, h0 + 3604, &list, &err) == 0 &&
		  list.count == 0);
	kf_part_list_free(&list);
	CHECK("list: range before everything", kf_parts_list(dir, 0, 0, h0, &list, &err) == 0 && list.count == 0);
	kf_part_list_free(&list);
	CHECK("list: missing data dir is empty",
		  kf_parts_list("/nonexistent-kf-dir", 0, 0, INT64_MAX, &list, &err) == 0 && list.count == 0);
	kf_part_list_free(&list);
}

static void
test_dot_files_ignored(void)
{
	const char *dir = fresh_dir("dots");
	kf_error	err = {{0}};
	kf_flow		f = simple_flow(1700002800 + 1, 1);
	char		path[512];

	CHECK("dots: write", write_flows(dir, 4, &f, 1, &err) == 0);

	const char *junk[] = {".tmp-p-1700002801-1700002801-abc.kfp", "p-1700002801-1700002801-abc.kfp.tmp",
		"p-x-1-abc.kfp", "p-5-4-abc.kfp", "p-1700002801-1700002801-.kfp", "p-1700002801-1700002801-XYZ.kfp",
		"notes.txt"};

	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
	{
		snprintf(path, sizeof(path), "%s/data/dev-4/1700002800/%s", dir, junk[i]);
		close(open(path, O_CREAT | O_WRONLY, 0644));
	}
	snprintf(path, sizeof(path), "%s/data/dev-4/.1700002800", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/data/.dev-4", dir);
	mkdir(path, 0755);

	kf_part_list list;

	CHECK("dots: only the published part is listed",
		  kf_parts_list(dir, 0, 0, INT64_MAX, &list, &err) == 0 && list.count == 1 &&
		  strstr(list.parts[0].path, "/.") == NULL);
	kf_part_list_free(&list);
}

/* A flush that cannot publish keeps its rows and leaves no part behind. */
static void
test_failed_flush_keeps_rows(void)
{
	const char *dir = fresh_dir("failflush");
	char		path[512];
	kf_error	err = {{0}};
	kf_flow		f = simple_flow(1700002800 + 1, 1);

	snprintf(path, sizeof(path), "%s/data", dir);
	close(open(path, O_CREAT | O_WRONLY, 0644));	/* a file where the data directory should be */

	kf_writer  *w = kf_writer_open(dir, 9, &err);

	CHECK("failed flush: add", w && kf_writer_add(w, &f, &err) == 0);
	CHECK("failed flush: flush reports an error", w && kf_writer_flush(w, &err) == -1 && strstr(err.msg, dir) != NULL);
	CHECK_INT_EQ("failed flush: rows stay buffered", w ? kf_writer_buffered_rows(w) : 0, 1);
	unlink(path);
	CHECK("failed flush: retry succeeds", w && kf_writer_flush(w, &err) == 0);
	CHECK_INT_EQ("failed flush: buffer empty after success", w ? kf_writer_buffered_rows(w) : 1, 0);
	kf_writer_close(w);

	kf_flow		bad = f;

	bad.ctimestamp = -1;
	w = kf_writer_open(dir, 9, &err);
	CHECK("writer: negative ctimestamp rejected", w && kf_writer_add(w, &bad, &err) == -1);
	CHECK_INT_EQ("writer: rejected row not buffered", w ? kf_writer_buffered_rows(w) : 1, 0);
	kf_writer_close(w);
	CHECK("writer: device 0 rejected", kf_writer_open(dir, 0, &err) == NULL);
}

/* Opens every listed part and reads its first ctimestamp chunk; returns the failures. */
static int
open_all_listed(const char *dir, size_t *listed)
{
	kf_part_list list;
	kf_error	err;
	int			failures = 0;
	static int64_t ts[KF_BLOCK_MAX_ROWS];

	if (kf_parts_list(dir, 0, 0, INT64_MAX, &list, &err) != 0)
		return 1;
	for (size_t i = 0; i < list.count; i++)
	{
		kf_part_reader *r = kf_part_open(list.parts[i].path, &err);

		if (r == NULL || kf_part_read_int(r, 0, KF_COL_CTIMESTAMP, ts, &err) != 0 || ts[0] != list.parts[i].min_ts)
		{
			printf("# %s\n", err.msg);
			failures++;
		}
		kf_part_close(r);
	}
	*listed = list.count;
	kf_part_list_free(&list);
	return failures;
}

/* A reader listing and opening parts while another process publishes never sees a partial part. */
static void
test_concurrent_publish(void)
{
	enum {FLUSHES = 12, ROWS = 3000};
	const char *dir = fresh_dir("concurrent");
	pid_t		child = fork();

	if (child == 0)
	{
		static kf_flow flows[ROWS];
		kf_error	err;

		for (int flush = 0; flush < FLUSHES; flush++)
		{
			for (int i = 0; i < ROWS; i++)
				flows[i] = tricky_flow((size_t) i, 1700002800 + 3000 + (int64_t) ((i * 7 + flush) % 1200));
			if (write_flows(dir, 5, flows, ROWS, &err) != 0)
				_exit(1);
		}
		_exit(0);
	}

	int			failures = 0,
				status = 0,
				rounds = 0;
	size_t		listed = 0;

	while (waitpid(child, &status, WNOHANG) == 0)
	{
		failures += open_all_listed(dir, &listed);
		rounds++;
	}
	failures += open_all_listed(dir, &listed);
	CHECK("concurrent: writer process succeeded", WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK("concurrent: reader polled while publishing", rounds > 1);
	CHECK_INT_EQ("concurrent: no listed part failed to open or read", failures, 0);
	CHECK_INT_EQ("concurrent: two parts per flush in the end", listed, 2 * FLUSHES);
}

/* ------------------------------------------------------------------ corruption */

/* Writes a small part and returns its path (static buffer). */
static const char *
small_part(const char *dirname, size_t n)
{
	static char path[512];
	const char *dir = fresh_dir(dirname);
	kf_error	err = {{0}};
	kf_flow    *flows = malloc(n * sizeof(*flows));
	kf_part_list list = {0};

	for (size_t i = 0; i < n; i++)
		flows[i] = tricky_flow(i, 1700002800 + (int64_t) i);
	path[0] = '\0';
	if (write_flows(dir, 3, flows, n, &err) == 0 && kf_parts_list(dir, 3, 0, INT64_MAX, &list, &err) == 0 &&
		list.count == 1)
		snprintf(path, sizeof(path), "%s", list.parts[0].path);
	kf_part_list_free(&list);
	free(flows);
	return path;
}

static void
patch_file(const char *path, long offset, const void *bytes, size_t len)
{
	int			fd = open(path, O_WRONLY);

	if (pwrite(fd, bytes, len, offset) != (ssize_t) len)
		printf("FAIL patch %s\n", path);
	close(fd);
}

static long
file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long) st.st_size : -1;
}

/* Reads every chunk; returns 0 when all succeed, -1 at the first error. */
static int
read_everything(const char *path, kf_error *err)
{
	row		   *rows = NULL;
	long		n = read_part(path, &rows, err);

	free_rows(rows, n > 0 ? (size_t) n : 0);
	return n < 0 ? -1 : 0;
}

static void
test_corrupt_chunk(void)
{
	const char *path = small_part("corrupt", 300);
	kf_error	err = {{0}};
	uint8_t		byte;
	int			fd = open(path, O_RDONLY);

	CHECK("corrupt: the clean file reads", read_everything(path, &err) == 0);
	CHECK("corrupt: read first data byte", pread(fd, &byte, 1, KF_HEADER_SIZE) == 1);
	close(fd);
	byte ^= 0x40;
	patch_file(path, KF_HEADER_SIZE, &byte, 1);

	kf_part_reader *r = kf_part_open(path, &err);
	int64_t		out[300];

	CHECK("corrupt chunk: open still works (footer intact)", r != NULL);
	CHECK("corrupt chunk: reading it fails", r && kf_part_read_int(r, 0, KF_COL_CTIMESTAMP, out, &err) == -1);
	CHECK("corrupt chunk: error names the file", strstr(err.msg, path) != NULL);
	CHECK("corrupt chunk: error names the column and checksum",
		  strstr(err.msg, "ctimestamp") != NULL && strstr(err.msg, "checksum") != NULL);
	CHECK("corrupt chunk: other columns still read", r && kf_part_read_int(r, 0, KF_COL_PROTOCOL, out, &err) == 0 &&
		  out[0] == 6);
	kf_part_close(r);

	long		size = file_size(path);

	fd = open(path, O_RDONLY);
	CHECK("corrupt footer: read a footer byte", pread(fd, &byte, 1, size - KF_TRAILER_SIZE - 10) == 1);
	close(fd);
	byte ^= 1;
	patch_file(path, size - KF_TRAILER_SIZE - 10, &byte, 1);
	r = kf_part_open(path, &err);
	CHECK("corrupt footer: open fails", r == NULL);
	CHECK("corrupt footer: says checksum", strstr(err.msg, "footer checksum") != NULL && strstr(err.msg, path) != NULL);
	kf_part_close(r);
}

static void
test_truncation(void)
{
	const char *path = small_part("truncate", 50);
	char		copy[600];
	long		size = file_size(path);
	int			undetected = 0;
	kf_error	err = {{0}};

	snprintf(copy, sizeof(copy), "%s.cut", path);
	CHECK("truncate: part has a plausible size", size > KF_HEADER_SIZE + KF_TRAILER_SIZE);

	char	   *bytes = malloc((size_t) size);
	int			fd = open(path, O_RDONLY);

	CHECK("truncate: read whole part", pread(fd, bytes, (size_t) size, 0) == size);
	close(fd);
	for (long len = 0; len < size; len++)
	{
		fd = open(copy, O_CREAT | O_TRUNC | O_WRONLY, 0644);
		if (write(fd, bytes, (size_t) len) != len)
			undetected++;
		close(fd);
		if (read_everything(copy, &err) == 0)
			undetected++;
	}
	CHECK_INT_EQ("truncate: every shorter length is an error", undetected, 0);
	CHECK("truncate: error names the file", strstr(err.msg, copy) != NULL);
	free(bytes);
}

static void
test_unknown_version(void)
{
	const char *path = small_part("version", 10);
	uint8_t		v2[4] = {2, 0, 0, 0};
	kf_error	err = {{0}};

	patch_file(path, KF_HDR_OFF_VERSION, v2, 4);

	kf_part_reader *r = kf_part_open(path, &err);

	CHECK("version: unknown version rejected", r == NULL);
	CHECK("version: message names both versions and the file",
		  strstr(err.msg, "version 2") != NULL && strstr(err.msg, "version 1") != NULL && strstr(err.msg, path) != NULL);
	kf_part_close(r);
}

/*
 * Rewrites the column directory entries of protocol, src_flow_tags, next_hop and the interface
 * descriptions to ids this build does not know, as if written by an older writer that lacked
 * them: they must read as defaults.
 */
static void
test_missing_columns_read_as_default(void)
{
	const char *path = small_part("missingcol", 20);
	long		size = file_size(path);
	uint8_t		trailer[KF_TRAILER_SIZE];
	kf_error	err = {{0}};
	int			fd = open(path, O_RDWR);

	CHECK("missing col: read trailer", pread(fd, trailer, sizeof(trailer), size - KF_TRAILER_SIZE) == KF_TRAILER_SIZE);

	uint64_t	foff = kf_get_u64(trailer),
				flen = kf_get_u64(trailer + 8);
	uint8_t    *footer = malloc(flen);

	CHECK("missing col: read footer", pread(fd, footer, flen, (off_t) foff) == (ssize_t) flen);
	kf_put_u16(footer + 4 + KF_COL_PROTOCOL * KF_FOOTER_COLUMN_ENTRY, 900);
	kf_put_u16(footer + 4 + KF_COL_SRC_FLOW_TAGS * KF_FOOTER_COLUMN_ENTRY, 901);
	kf_put_u16(footer + 4 + KF_COL_NEXT_HOP * KF_FOOTER_COLUMN_ENTRY, 902);
	kf_put_u16(footer + 4 + KF_COL_INPUT_INTERFACE_DESCRIPTION * KF_FOOTER_COLUMN_ENTRY, 904);
	kf_put_u16(footer + 4 + KF_COL_OUTPUT_INTERFACE_DESCRIPTION * KF_FOOTER_COLUMN_ENTRY, 905);
	kf_put_u16(footer + 4 + KF_COL_FLOW_END_MS * KF_FOOTER_COLUMN_ENTRY, 906);
	kf_put_u16(footer + 4 + KF_COL_MPLS_LABELED * KF_FOOTER_COLUMN_ENTRY, 907);
	kf_put_u32(footer + flen - 4, kf_crc32c(footer, flen - 4));
	CHECK("missing col: write footer", pwrite(fd, footer, flen, (off_t) foff) == (ssize_t) flen);
	close(fd);
	free(footer);

	kf_part_reader *r = kf_part_open(path, &err);
	int64_t		ints[20];
	kf_addr		addrs[20];
	uint32_t	codes[20];
	kf_dict		dict;

	CHECK("missing col: part with unknown columns opens", r != NULL);
	if (r == NULL)
		return;
	CHECK("missing col: INT reads as 0", kf_part_read_int(r, 0, KF_COL_PROTOCOL, ints, &err) == 0 &&
		  ints[0] == 0 && ints[19] == 0);
	CHECK("missing col: INT zone is 0..0", kf_part_zone(r, 0, KF_COL_PROTOCOL)->i.min == 0 &&
		  kf_part_zone(r, 0, KF_COL_PROTOCOL)->i.max == 0);
	CHECK("missing col: ADDR reads as ::", kf_part_read_addr(r, 0, KF_COL_NEXT_HOP, addrs, &err) == 0 &&
		  kf_addr_is_absent(addrs[0]) && kf_addr_is_absent(addrs[19]));
	CHECK("missing col: DICT reads as \"\"", kf_part_read_dict(r, 0, KF_COL_SRC_FLOW_TAGS, codes, &dict, &err) == 0 &&
		  dict.count == 1 && strcmp(dict.strings[codes[19]], "") == 0);
	CHECK("missing col: a part without interface descriptions reads them as \"\"",
		  kf_part_read_dict(r, 0, KF_COL_INPUT_INTERFACE_DESCRIPTION, codes, &dict, &err) == 0 &&
		  dict.count == 1 && strcmp(dict.strings[codes[0]], "") == 0 && strcmp(dict.strings[codes[19]], "") == 0 &&
		  kf_part_read_dict(r, 0, KF_COL_OUTPUT_INTERFACE_DESCRIPTION, codes, &dict, &err) == 0 &&
		  dict.count == 1 && strcmp(dict.strings[codes[7]], "") == 0);
	CHECK("missing col: a part without flow times reads flow_end_ms 0 (absent)",
		  kf_part_read_int(r, 0, KF_COL_FLOW_END_MS, ints, &err) == 0 && ints[1] == 0 && ints[19] == 0);
	CHECK("missing col: a part without MPLS reads mpls_labeled 0 (no label)",
		  kf_part_read_int(r, 0, KF_COL_MPLS_LABELED, ints, &err) == 0 && ints[1] == 0 && ints[18] == 0);
	CHECK("missing col: present columns unaffected", kf_part_read_int(r, 0, KF_COL_L4_DST_PORT, ints, &err) == 0 &&
		  ints[0] == 25 && ints[1] == 443);
	uint8_t		match[20];

	CHECK("missing col: INT matches a range holding 0", kf_part_match_int(r, 0, KF_COL_PROTOCOL, -1, 0, NULL, 0, match,
																		  &err) == 0 && match[0] == 1 && match[19] == 1);
	CHECK("missing col: INT does not match a range without 0",
		  kf_part_match_int(r, 0, KF_COL_PROTOCOL, 1, 47, (const uint32_t[]) {3}, 1, match, &err) == 0 &&
		  match[3] == 0 && match[4] == 1);
	CHECK("reader: wrong kind is an error", kf_part_read_int(r, 0, KF_COL_SRC_ADDR, ints, &err) == -1);
	CHECK("reader: match on the wrong kind is an error",
		  kf_part_match_int(r, 0, KF_COL_SRC_ADDR, 0, 1, NULL, 0, match, &err) == -1);
	CHECK("reader: block out of range is an error", kf_part_read_int(r, 1, KF_COL_TOS, ints, &err) == -1);
	kf_part_close(r);

	/* Without ctimestamp a part cannot be pruned or scanned: refused. */
	fd = open(path, O_RDWR);
	footer = malloc(flen);
	CHECK("missing ctimestamp: read footer", pread(fd, footer, flen, (off_t) foff) == (ssize_t) flen);
	kf_put_u16(footer + 4 + KF_COL_CTIMESTAMP * KF_FOOTER_COLUMN_ENTRY, 903);
	kf_put_u32(footer + flen - 4, kf_crc32c(footer, flen - 4));
	CHECK("missing ctimestamp: write footer", pwrite(fd, footer, flen, (off_t) foff) == (ssize_t) flen);
	close(fd);
	free(footer);
	CHECK("missing ctimestamp: open fails", kf_part_open(path, &err) == NULL &&
		  strstr(err.msg, "ctimestamp is missing") != NULL);
}

static void
test_not_a_part(void)
{
	const char *dir = fresh_dir("notpart");
	char		path[512];
	kf_error	err = {{0}};

	snprintf(path, sizeof(path), "%s/zeros.kfp", dir);

	int			fd = open(path, O_CREAT | O_WRONLY, 0644);
	char		zeros[200] = {0};

	CHECK("not a part: write zeros", write(fd, zeros, sizeof(zeros)) == (ssize_t) sizeof(zeros));
	close(fd);
	CHECK("not a part: rejected", kf_part_open(path, &err) == NULL && strstr(err.msg, "bad magic") != NULL);
	snprintf(path, sizeof(path), "%s/absent.kfp", dir);
	CHECK("not a part: missing file names it", kf_part_open(path, &err) == NULL && strstr(err.msg, path) != NULL);
}

/* ------------------------------------------------------------------ devices */

static void
test_devices(void)
{
	const char *dir = fresh_dir("devices");
	kf_error	err = {{0}};
	kf_device_list list = {0};

	CHECK("devices: missing file is an empty list", kf_devices_load(dir, &list, &err) == 0 && list.count == 0);

	kf_device	devs[3] = {
		{.id = 12, .name = "edge-2", .exporter = {UINT64_C(0x20010db800000000), 1}, .sample_rate = 0},
		{.id = 3, .name = "core_1", .exporter = kf_addr_from_v4(0xc0a80001), .sample_rate = 1000},
		{.id = 4000000000u, .name = "lab", .exporter = {0, 0}, .sample_rate = 1},
	};
	kf_device_list in = {devs, 3};

	CHECK("devices: save", kf_devices_save(dir, &in, &err) == 0);

	char		path[512],
				text[1024] = {0};

	snprintf(path, sizeof(path), "%s/devices", dir);

	int			fd = open(path, O_RDONLY);

	CHECK("devices: file readable", fd >= 0 && read(fd, text, sizeof(text) - 1) > 0);
	close(fd);
	CHECK("devices: text format", strstr(text, "\n3 core_1 192.168.0.1 1000\n12 edge-2 2001:db8::1 0\n"
										 "4000000000 lab - 1\n") != NULL);
	CHECK("devices: load", kf_devices_load(dir, &list, &err) == 0 && list.count == 3);
	if (list.count == 3)
	{
		CHECK("devices: sorted by id", list.devices[0].id == 3 && list.devices[1].id == 12);
		CHECK_STR_EQ("devices: name", list.devices[1].name, "edge-2");
		CHECK("devices: v6 exporter", addr_eq(list.devices[1].exporter, devs[0].exporter));
		CHECK("devices: v4 exporter", addr_eq(list.devices[0].exporter, devs[1].exporter));
		CHECK("devices: absent exporter", kf_addr_is_absent(list.devices[2].exporter));
		CHECK_INT_EQ("devices: sample rate", list.devices[0].sample_rate, 1000);
		CHECK("devices: find", kf_device_list_find(&list, 12) == &list.devices[1] &&
			  kf_device_list_find(&list, 5) == NULL);
	}
	kf_device_list_free(&list);

	fd = open(path, O_WRONLY | O_TRUNC);
	const char *edited = "# hand edited\n\n  7 r7 ::ffff:10.0.0.1 10  # trailing comment\n8 r8 fe80::2 0\n";

	CHECK("devices: hand edit", write(fd, edited, strlen(edited)) == (ssize_t) strlen(edited));
	close(fd);
	CHECK("devices: comments and blanks", kf_devices_load(dir, &list, &err) == 0 && list.count == 2 &&
		  kf_addr_is_v4(list.devices[0].exporter) && list.devices[0].sample_rate == 10);
	kf_device_list_free(&list);

	fd = open(path, O_WRONLY | O_TRUNC);
	const char *bad = "1 a 1.2.3.4 0\n2 b not-an-address 0\n";

	CHECK("devices: bad edit", write(fd, bad, strlen(bad)) == (ssize_t) strlen(bad));
	close(fd);
	CHECK("devices: bad line rejected with its number", kf_devices_load(dir, &list, &err) == -1 &&
		  strstr(err.msg, "devices:2:") != NULL && list.count == 0);

	kf_device	dup[2] = {{.id = 1, .name = "a"}, {.id = 1, .name = "b"}};
	kf_device_list dups = {dup, 2};

	CHECK("devices: duplicate ids refused", kf_devices_save(dir, &dups, &err) == -1);
	dup[1] = (kf_device) {.id = 2, .name = "has space"};
	CHECK("devices: name with a blank refused", kf_devices_save(dir, &dups, &err) == -1);
}

/*
 * The writer stores a chunk lz4-compressed exactly when lz4 saves at least 1/8 of its bytes; the
 * tricky rows hold both kinds (random 64-bit counters, repetitive addresses).
 */
static void
test_compression_choice(void)
{
	const char *path = small_part("lz4choice", 3000);
	int			fd = open(path, O_RDONLY);

	CHECK("lz4 choice: part written", fd >= 0);
	if (fd < 0)
		return;
	long		size = file_size(path);
	uint8_t		trailer[KF_TRAILER_SIZE];
	size_t		raw = 0,
				lz4 = 0,
				wrong = 0;

	CHECK("lz4 choice: read trailer", pread(fd, trailer, sizeof(trailer), size - KF_TRAILER_SIZE) == KF_TRAILER_SIZE);

	uint64_t	foff = kf_get_u64(trailer),
				flen = kf_get_u64(trailer + 8);
	uint8_t    *footer = malloc(flen);

	CHECK("lz4 choice: read footer", pread(fd, footer, flen, (off_t) foff) == (ssize_t) flen);
	for (uint32_t c = 0; c < KF_NUM_COLUMNS; c++)
	{
		const uint8_t *d = footer + 4 + KF_NUM_COLUMNS * KF_FOOTER_COLUMN_ENTRY + KF_FOOTER_BLOCK_ENTRY +
			(size_t) c * KF_FOOTER_CHUNK_ENTRY;
		uint32_t	stored = kf_get_u32(d + KF_CHUNK_OFF_STORED_LEN),
					decoded = kf_get_u32(d + KF_CHUNK_OFF_DECODED_LEN);
		uint8_t    *bytes = malloc(stored),
				   *scratch = malloc((size_t) LZ4_compressBound((int) decoded));

		if (pread(fd, bytes, stored, (off_t) kf_get_u64(d + KF_CHUNK_OFF_OFFSET)) != (ssize_t) stored)
			wrong++;
		if (d[KF_CHUNK_OFF_COMPRESSION] == KF_COMPRESSION_LZ4)
		{
			lz4++;
			wrong += stored > decoded - decoded / 8;
		}
		else
		{
			int			would = LZ4_compress_default((const char *) bytes, (char *) scratch, (int) stored,
													 LZ4_compressBound((int) stored));

			raw++;
			wrong += would > 0 && (uint32_t) would <= stored - stored / 8;
		}
		free(bytes);
		free(scratch);
	}
	close(fd);
	free(footer);
	CHECK_INT_EQ("lz4 choice: lz4 exactly where it saves 1/8 or more", wrong, 0);
	CHECK("lz4 choice: the part has raw and lz4 chunks", raw > 0 && lz4 > 0);
}

int
main(void)
{
	snprintf(test_root, sizeof(test_root), "/tmp/kf-test-store-XXXXXX");
	if (mkdtemp(test_root) == NULL)
	{
		printf("FAIL mkdtemp\n");
		return 1;
	}
	memset(long_tag, 'x', sizeof(long_tag) - 1);
	for (int i = 0; i < 5000; i++)
		snprintf(distinct_tags[i], sizeof(distinct_tags[i]), "T%d", i);

	test_crc32c();
	test_int_codec_widths();
	test_int_codec_rejects();
	test_round_trips();
	test_bitpack_random_access();
	test_selective_reads();
	test_hours_and_listing();
	test_dot_files_ignored();
	test_failed_flush_keeps_rows();
	test_concurrent_publish();
	test_corrupt_chunk();
	test_truncation();
	test_unknown_version();
	test_missing_columns_read_as_default();
	test_compression_choice();
	test_not_a_part();
	test_devices();

	nftw(test_root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	UNIT_EXIT();
}
