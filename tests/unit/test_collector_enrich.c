/*
 * test_collector_enrich.c -- enrichment at ingest: the shared config-file reader (lines, fields,
 * numbers, prefixes), the prefix -> ASN table (longest prefix, IPv4 and IPv6, checked against a
 * brute-force search), the interfaces file, the flow sink applying AS numbers then tags (an
 * exporter's AS number kept), kflowd's --asn / --interfaces / --tags end to end, and file errors
 * with their line numbers.  NetFlow v9 options data through decoder, sink and store: per-sampler
 * rates (a flow's own rate first, then its sampler's, then the exporter-wide one; the devices
 * file above all) and interface descriptions (the exporter's, else the interfaces file's).
 *
 * It also measures (lines starting with "BENCH", not counted as checks; rates per second of
 * this thread's CPU time): tag matching and sink ingest in flows/s with 1,000 CIDR lines with and
 * without 50 port/protocol rules, and loading and looking up a prefix -> ASN table.  KF_BENCH_FULL=1 runs the full sizes (2M flows, a 1M-line
 * AS table); the default sizes keep the sanitizer run short.
 */
#include <libgen.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tests/unit/unit.h"
#include "tests/unit/collector_test_util.h"

#include "collector/asn_table.h"
#include "collector/collector_log.h"
#include "collector/flow_sink.h"
#include "collector/interface_names.h"
#include "collector/tags.h"
#include "collector/text_file.h"

static char kflowd[1024];
static char dir[] = "/tmp/kf_test_collector_enrich.XXXXXX";

/* ---------------------------------------------------------------- helpers */

static uint64_t rng_state = 88172645463325252ULL;

static uint64_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* CPU time of this thread: on a shared machine wall time measures the neighbours too. */
static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
write_file(const char *name, const char *text)
{
	char		path[600];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE	   *f = fopen(path, "w");

	if (f)
	{
		fputs(text, f);
		fclose(f);
	}
}

static uint32_t
asn_of(const kf_asn_table *t, const char *addr)
{
	return kf_asn_lookup(t, test_parse_addr(addr));
}

/* The columns these tests look at, of one stored row. */
typedef struct stored_row
{
	kf_addr		src,
				dst;
	int64_t		src_as,
				dst_as;
	char		src_tags[128],
				dst_tags[128];
} stored_row;

/* Reads the tag strings of one block's rows into rows[at..]. */
static int
read_tags(kf_part_reader *r, uint32_t b, stored_row *rows, size_t at, kf_error *err)
{
	uint32_t	n = kf_part_block_rows(r, b);
	uint32_t   *codes = malloc((n ? n : 1) * sizeof(uint32_t));
	kf_dict		dict;
	int			rc = codes ? 0 : -1;

	for (int side = 0; side < 2 && rc == 0; side++)
	{
		rc = kf_part_read_dict(r, b, side == 0 ? KF_COL_SRC_FLOW_TAGS : KF_COL_DST_FLOW_TAGS, codes, &dict, err);
		for (uint32_t i = 0; rc == 0 && i < n; i++)
			snprintf(side == 0 ? rows[at + i].src_tags : rows[at + i].dst_tags, sizeof(rows->src_tags), "%s",
					 codes[i] < dict.count ? dict.strings[codes[i]] : "?");
	}
	free(codes);
	return rc;
}

/* Reads every stored row of device_id under data_dir (at most cap); returns the count, -1 on error. */
static long
read_rows(const char *data_dir, uint32_t device_id, stored_row *rows, size_t cap)
{
	kf_part_list parts;
	kf_error	err;
	size_t		count = 0;
	int			rc = 0;

	if (kf_parts_list(data_dir, device_id, INT64_MIN, INT64_MAX, &parts, &err) < 0)
		return -1;
	for (size_t p = 0; p < parts.count && rc == 0; p++)
	{
		kf_part_reader *r = kf_part_open(parts.parts[p].path, &err);

		for (uint32_t b = 0; r && rc == 0 && b < kf_part_num_blocks(r); b++)
		{
			uint32_t	n = kf_part_block_rows(r, b);
			kf_addr    *addrs = malloc(2 * (n ? n : 1) * sizeof(kf_addr));
			int64_t    *ases = malloc(2 * (n ? n : 1) * sizeof(int64_t));

			if (!addrs || !ases || count + n > cap ||
				kf_part_read_addr(r, b, KF_COL_SRC_ADDR, addrs, &err) < 0 ||
				kf_part_read_addr(r, b, KF_COL_DST_ADDR, addrs + n, &err) < 0 ||
				kf_part_read_int(r, b, KF_COL_SRC_AS, ases, &err) < 0 ||
				kf_part_read_int(r, b, KF_COL_DST_AS, ases + n, &err) < 0 ||
				read_tags(r, b, rows, count, &err) < 0)
				rc = -1;
			for (uint32_t i = 0; rc == 0 && i < n; i++)
			{
				rows[count + i].src = addrs[i];
				rows[count + i].dst = addrs[n + i];
				rows[count + i].src_as = ases[i];
				rows[count + i].dst_as = ases[n + i];
			}
			free(addrs);
			free(ases);
			count += rc == 0 ? n : 0;
		}
		if (!r)
			rc = -1;
		kf_part_close(r);
	}
	kf_part_list_free(&parts);
	return rc < 0 ? -1 : (long) count;
}

static const stored_row *
find_stored(const stored_row *rows, long n, const char *src, const char *dst)
{
	for (long i = 0; i < n; i++)
		if (kf_addr_cmp(rows[i].src, test_parse_addr(src)) == 0 && kf_addr_cmp(rows[i].dst, test_parse_addr(dst)) == 0)
			return &rows[i];
	return NULL;
}

/* The sampling and interface columns of one stored row. */
typedef struct described_row
{
	kf_addr		src;
	int64_t		in_bytes,
				sample_rate,
				input_port;
	char		input_description[64],
				output_description[64];
} described_row;

/* Reads one block's input / output interface descriptions into rows[0..n). */
static int
read_descriptions(kf_part_reader *r, uint32_t b, described_row *rows, kf_error *err)
{
	uint32_t	n = kf_part_block_rows(r, b);
	uint32_t   *codes = malloc((n ? n : 1) * sizeof(uint32_t));
	kf_dict		dict;
	int			rc = codes ? 0 : -1;

	for (int side = 0; side < 2 && rc == 0; side++)
	{
		rc = kf_part_read_dict(r, b, side == 0 ? KF_COL_INPUT_INTERFACE_DESCRIPTION : KF_COL_OUTPUT_INTERFACE_DESCRIPTION,
							   codes, &dict, err);
		for (uint32_t i = 0; rc == 0 && i < n; i++)
			snprintf(side == 0 ? rows[i].input_description : rows[i].output_description,
					 sizeof(rows->input_description), "%s", codes[i] < dict.count ? dict.strings[codes[i]] : "?");
	}
	free(codes);
	return rc;
}

/* Reads every stored row of device_id under data_dir (at most cap) in ctimestamp order; returns
 * the count, -1 on error. */
static long
read_described_rows(const char *data_dir, uint32_t device_id, described_row *rows, size_t cap)
{
	kf_part_list parts;
	kf_error	err;
	size_t		count = 0;
	int			rc = 0;

	if (kf_parts_list(data_dir, device_id, INT64_MIN, INT64_MAX, &parts, &err) < 0)
		return -1;
	for (size_t p = 0; p < parts.count && rc == 0; p++)
	{
		kf_part_reader *r = kf_part_open(parts.parts[p].path, &err);

		for (uint32_t b = 0; r && rc == 0 && b < kf_part_num_blocks(r); b++)
		{
			uint32_t	n = kf_part_block_rows(r, b);
			kf_addr    *addrs = malloc((n ? n : 1) * sizeof(kf_addr));
			int64_t    *ints = malloc(3 * (n ? n : 1) * sizeof(int64_t));

			if (!addrs || !ints || count + n > cap ||
				kf_part_read_addr(r, b, KF_COL_SRC_ADDR, addrs, &err) < 0 ||
				kf_part_read_int(r, b, KF_COL_IN_BYTES, ints, &err) < 0 ||
				kf_part_read_int(r, b, KF_COL_SAMPLE_RATE, ints + n, &err) < 0 ||
				kf_part_read_int(r, b, KF_COL_INPUT_PORT, ints + 2 * n, &err) < 0 ||
				read_descriptions(r, b, rows + count, &err) < 0)
				rc = -1;
			for (uint32_t i = 0; rc == 0 && i < n; i++)
			{
				rows[count + i].src = addrs[i];
				rows[count + i].in_bytes = ints[i];
				rows[count + i].sample_rate = ints[n + i];
				rows[count + i].input_port = ints[2 * n + i];
			}
			free(addrs);
			free(ints);
			count += rc == 0 ? n : 0;
		}
		if (!r)
			rc = -1;
		kf_part_close(r);
	}
	kf_part_list_free(&parts);
	return rc < 0 ? -1 : (long) count;
}

static const described_row *
find_described(const described_row *rows, long n, const char *src)
{
	for (long i = 0; i < n; i++)
		if (kf_addr_cmp(rows[i].src, test_parse_addr(src)) == 0)
			return &rows[i];
	return NULL;
}

/* ---------------------------------------------------------------- the shared reader */

static void
test_text_file(void)
{
	char		text[] = "# header\n\nfirst line # comment\n   \t\n\"quoted field\" x=\"a b\"c  rest of  it  \r\nlast";
	kf_text_lines lines;
	char	   *line,
			   *field = NULL;

	kf_text_lines_init(&lines, text);
	line = kf_text_next_line(&lines);
	CHECK_STR_EQ("first non-blank line, comment cut", line, "first line ");
	CHECK_INT_EQ("its number", lines.lineno, 3);
	line = kf_text_next_line(&lines);
	CHECK_INT_EQ("blank lines skipped", lines.lineno, 5);
	CHECK_INT_EQ("quoted field", kf_text_next_field(&line, &field), KF_FIELD_FOUND);
	CHECK_STR_EQ("quotes removed", field, "quoted field");
	kf_text_next_field(&line, &field);
	CHECK_STR_EQ("quotes inside a field", field, "x=a bc");
	CHECK_STR_EQ("rest trimmed, inner spaces kept", kf_text_rest(&line), "rest of  it");
	CHECK_INT_EQ("nothing after the rest", kf_text_next_field(&line, &field), KF_FIELD_NONE);
	CHECK_STR_EQ("last line without newline", kf_text_next_line(&lines), "last");
	CHECK_INT_EQ("last line number", lines.lineno, 6);
	CHECK("end", kf_text_next_line(&lines) == NULL);

	char		open_quote[] = "a \"b c";
	char	   *cursor = open_quote;

	kf_text_next_field(&cursor, &field);
	CHECK_INT_EQ("unclosed quote", kf_text_next_field(&cursor, &field), KF_FIELD_UNCLOSED_QUOTE);

	uint64_t	v = 0;

	CHECK("number at max", kf_text_number("65535", 65535, &v) && v == 65535);
	CHECK("number above max", !kf_text_number("65536", 65535, &v));
	CHECK("zero", kf_text_number("0", 5, &v) && v == 0);
	CHECK("single digit above max", !kf_text_number("9", 5, &v));
	CHECK("uint64 max", kf_text_number("18446744073709551615", UINT64_MAX, &v) && v == UINT64_MAX);
	CHECK("uint64 overflow", !kf_text_number("18446744073709551616", UINT64_MAX, &v));
	CHECK("no sign", !kf_text_number("-1", 5, &v) && !kf_text_number("+1", 5, &v));
	CHECK("no empty", !kf_text_number("", 5, &v));
	CHECK("no junk", !kf_text_number("1x", 5, &v));

	kf_prefix	p;

	CHECK("v4 prefix", kf_text_prefix("10.1.2.77/24", &p) && p.v4 && p.len == 24);
	CHECK_STR_EQ("v4 host bits cleared", test_addr(p.addr), "10.1.2.0");
	CHECK("v4 /0", kf_text_prefix("1.2.3.4/0", &p) && p.len == 0);
	CHECK_STR_EQ("v4 /0 is 0.0.0.0", test_addr(p.addr), "0.0.0.0");
	CHECK("v4 host", kf_text_prefix("1.2.3.4", &p) && p.len == 32);
	CHECK("v6 prefix", kf_text_prefix("2001:db8:ffff::1/33", &p) && !p.v4 && p.len == 33);
	CHECK_STR_EQ("v6 host bits cleared", test_addr(p.addr), "2001:db8:8000::");
	CHECK("v6 /127", kf_text_prefix("2001:db8::ff/127", &p) && p.len == 127);
	CHECK_STR_EQ("v6 last bit cleared", test_addr(p.addr), "2001:db8::fe");
	CHECK("v4 /33 rejected", !kf_text_prefix("1.2.3.4/33", &p));
	CHECK("v6 /129 rejected", !kf_text_prefix("::/129", &p));
	CHECK("empty length rejected", !kf_text_prefix("1.2.3.4/", &p));
	CHECK("name rejected", !kf_text_prefix("example.com", &p));
}

/* ---------------------------------------------------------------- prefix -> ASN */

static const char *asn_text =
	"; IP-ASN32-DAT file (pyasn style comment)\n"
	"10.0.0.0/8\t100\n"
	"10.1.0.0/16 101\n"
	"10.1.2.0/24 102   # nested three deep\n"
	"10.1.2.128/25 103\n"
	"10.2.0.0/16 100\n"					/* the same AS as the enclosing prefix */
	"10.1.0.0/16 101\n"					/* a repeated line with the same AS is fine */
	"0.0.0.0/0 1\n"
	"192.0.2.7 7\n"
	"255.255.255.0/24 255\n"
	"2001:db8::/32 600\n"
	"2001:db8:1::/48 601\n"
	"2001:db8:1::/64 4294967295\n"
	"ffff::/16 65535\n";

static void
test_asn_table(void)
{
	kf_error	err;
	kf_asn_table *t = kf_asn_table_parse(asn_text, "asn.txt", &err);

	CHECK("AS table parses", t != NULL);
	if (!t)
	{
		printf("# %s\n", err.msg);
		return;
	}
	CHECK_INT_EQ("distinct prefixes", kf_asn_table_count(t), 12);
	CHECK_INT_EQ("/25 inside /24 inside /16 inside /8", asn_of(t, "10.1.2.200"), 103);
	CHECK_INT_EQ("/25 first address", asn_of(t, "10.1.2.128"), 103);
	CHECK_INT_EQ("/24 below its /25", asn_of(t, "10.1.2.127"), 102);
	CHECK_INT_EQ("/24 first address", asn_of(t, "10.1.2.0"), 102);
	CHECK_INT_EQ("/16 after its /24", asn_of(t, "10.1.3.0"), 101);
	CHECK_INT_EQ("/16 before its /24", asn_of(t, "10.1.1.255"), 101);
	CHECK_INT_EQ("/8 between /16s", asn_of(t, "10.3.0.0"), 100);
	CHECK_INT_EQ("/16 with the /8's AS", asn_of(t, "10.2.9.9"), 100);
	CHECK_INT_EQ("/8 last address", asn_of(t, "10.255.255.255"), 100);
	CHECK_INT_EQ("/0 after the /8", asn_of(t, "11.0.0.0"), 1);
	CHECK_INT_EQ("/0 before the /8", asn_of(t, "9.255.255.255"), 1);
	CHECK_INT_EQ("/0 first address", asn_of(t, "0.0.0.0"), 1);
	CHECK_INT_EQ("host prefix", asn_of(t, "192.0.2.7"), 7);
	CHECK_INT_EQ("next to the host prefix", asn_of(t, "192.0.2.8"), 1);
	CHECK_INT_EQ("prefix at the top of IPv4", asn_of(t, "255.255.255.255"), 255);
	CHECK_INT_EQ("v6 /64 inside /48 inside /32", asn_of(t, "2001:db8:1::5"), 4294967295u);
	CHECK_INT_EQ("v6 /48 after its /64", asn_of(t, "2001:db8:1:1::"), 601);
	CHECK_INT_EQ("v6 /32 after its /48", asn_of(t, "2001:db8:2::"), 600);
	CHECK_INT_EQ("v6 outside every prefix", asn_of(t, "2001:db9::"), 0);
	CHECK_INT_EQ("v6 top of the address space", asn_of(t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), 65535);
	CHECK_INT_EQ("v6 :: (IPv4 /0 does not cover it)", asn_of(t, "::"), 0);
	kf_asn_table_free(t);

	t = kf_asn_table_parse("::/0 6\n", "asn6.txt", &err);
	CHECK_INT_EQ("v6 ::/0 covers v6", t ? asn_of(t, "2001:db8::1") : 0, 6);
	CHECK_INT_EQ("v6 ::/0 does not cover IPv4", t ? asn_of(t, "10.0.0.1") : 99, 0);
	kf_asn_table_free(t);

	t = kf_asn_table_parse("# nothing\n", "empty.txt", &err);
	CHECK_INT_EQ("empty table: v4", t ? asn_of(t, "10.0.0.1") : 99, 0);
	CHECK_INT_EQ("empty table: v6", t ? asn_of(t, "2001:db8::1") : 99, 0);
	kf_asn_table_free(t);
}

/* Whether a is inside p: their first (family offset + length) bits agree. */
static bool
prefix_contains(const kf_prefix *p, kf_addr a)
{
	unsigned	bits = (p->v4 ? 96 : 0) + p->len;
	uint64_t	hi_mask = bits >= 64 ? UINT64_MAX : bits == 0 ? 0 : ~(UINT64_MAX >> bits);
	uint64_t	lo_mask = bits >= 128 ? UINT64_MAX : bits <= 64 ? 0 : ~(UINT64_MAX >> (bits - 64));

	return ((a.hi ^ p->addr.hi) & hi_mask) == 0 && ((a.lo ^ p->addr.lo) & lo_mask) == 0;
}

/* Longest-prefix match by brute force over random nested prefixes, IPv4 and IPv6. */
static void
test_asn_random(void)
{
	enum
	{
		NPREFIX = 3000, NLOOKUP = 10000
	};
	kf_prefix  *prefixes = malloc(NPREFIX * sizeof(kf_prefix));
	uint32_t   *asns = malloc(NPREFIX * sizeof(uint32_t));
	char	   *text = malloc(NPREFIX * 64);
	size_t		len = 0,
				mismatches = 0;
	char		addr[KF_ADDR_TEXT_MAX];

	for (int i = 0; i < NPREFIX; i++)
	{
		bool		v4 = i % 3 != 0;
		kf_addr		a = v4 ? kf_addr_from_v4(0x0a000000u | (uint32_t) (rng() & 0x3fffff))
			: (kf_addr) {0x20010db800000000ULL | (rng() & 0xff00ff), rng()};
		unsigned	bits = v4 ? 8 + (unsigned) (rng() % 25) : 32 + (unsigned) (rng() % 97);
		char		cidr[80];

		snprintf(cidr, sizeof(cidr), "%s/%u", kf_addr_format(a, addr, sizeof(addr)), bits);
		kf_text_prefix(cidr, &prefixes[i]);
		/* the AS depends on the prefix only, so a prefix drawn twice repeats its AS */
		asns[i] = (uint32_t) ((prefixes[i].addr.hi * 31 + prefixes[i].addr.lo * 7 + bits) % 4000000000u) + 1;
		len += (size_t) sprintf(text + len, "%s %u\n", cidr, asns[i]);
	}
	kf_error	err;
	kf_asn_table *t = kf_asn_table_parse(text, "random.txt", &err);

	CHECK("random table parses", t != NULL);
	for (int i = 0; t && i < NLOOKUP; i++)
	{
		bool		v4 = i % 2 == 0;
		kf_addr		a = v4 ? kf_addr_from_v4(0x0a000000u | (uint32_t) (rng() & 0x3fffff))
			: (kf_addr) {0x20010db800000000ULL | (rng() & 0xff00ff), rng() & (i % 4 == 1 ? 0xff : UINT64_MAX)};
		int			best = -1;

		for (int p = 0; p < NPREFIX; p++)
			if (prefixes[p].v4 == v4 && (best < 0 || prefixes[p].len > prefixes[best].len) &&
				prefix_contains(&prefixes[p], a))
				best = p;
		if (kf_asn_lookup(t, a) != (best >= 0 ? asns[best] : 0))
			mismatches++;
	}
	CHECK_INT_EQ("random lookups agree with brute force", mismatches, 0);
	kf_asn_table_free(t);
	free(prefixes);
	free(asns);
	free(text);
}

static void
check_asn_error(const char *text, const char *want)
{
	kf_error	err;
	kf_asn_table *t = kf_asn_table_parse(text, "asn.txt", &err);

	CHECK_STR_EQ(want, t ? "(parsed)" : err.msg, want);
	kf_asn_table_free(t);
}

static void
test_asn_errors(void)
{
	check_asn_error("10.0.0.0/8 1\n\n10.0.0.0/8\n", "asn.txt:3: expected \"PREFIX ASN\"");
	check_asn_error("10.0.0.0/8 1 2\n", "asn.txt:1: expected \"PREFIX ASN\"");
	check_asn_error("10.0.0.0/8 0\n", "asn.txt:1: AS number \"0\" is not a number from 1 to 4294967295");
	check_asn_error("10.0.0.0/8 4294967296\n",
					"asn.txt:1: AS number \"4294967296\" is not a number from 1 to 4294967295");
	check_asn_error("10.0.0.0/8 AS5\n", "asn.txt:1: AS number \"AS5\" is not a number from 1 to 4294967295");
	check_asn_error("# x\n10.0.0.0/33 5\n", "asn.txt:2: \"10.0.0.0/33\" is not an IPv4 or IPv6 prefix");
	check_asn_error("10.0.0.0/8 5\n11.0.0.0/8 6\n10.0.0.0/8 7\n",
					"asn.txt:3: prefix 10.0.0.0/8 is already on line 1 with AS 5");
	check_asn_error("2001:db8::/32 5\n2001:db8::1/32 7\n",
					"asn.txt:2: prefix 2001:db8::/32 is already on line 1 with AS 5");

	kf_error	err;

	CHECK("missing AS file is an error", kf_asn_table_load("/nonexistent/asn.txt", &err) == NULL &&
		  strstr(err.msg, "/nonexistent/asn.txt") != NULL);
}

/* ---------------------------------------------------------------- interfaces */

static void
check_interfaces_error(const char *text, const char *want)
{
	kf_error	err;
	kf_interface_names *n = kf_interface_names_parse(text, "if.txt", &err);

	CHECK_STR_EQ(want, n ? "(parsed)" : err.msg, want);
	kf_interface_names_free(n);
}

static void
test_interface_names(void)
{
	kf_error	err;
	kf_interface_names *n = kf_interface_names_parse("# device ifindex description\n"
													 "7 1 Transit: NTT 10G   \n"
													 "edge8\t0\tnot exported\n"
													 "7 2 core\n", "if.txt", &err);

	CHECK("interfaces parse", n != NULL);
	if (!n)
		return;
	CHECK_INT_EQ("three interfaces", kf_interface_names_count(n), 3);
	const kf_interface_name *a = kf_interface_names_at(n, 0),
			   *b = kf_interface_names_at(n, 1);

	CHECK("by device id", a->device.id == 7 && a->device.name == NULL && a->ifindex == 1);
	CHECK_STR_EQ("description keeps inner spaces, loses trailing ones", a->description, "Transit: NTT 10G");
	CHECK("by device name", b->device.id == 0 && b->device.name && strcmp(b->device.name, "edge8") == 0);
	CHECK_INT_EQ("ifindex 0", b->ifindex, 0);
	CHECK_STR_EQ("tab-separated description", b->description, "not exported");
	kf_interface_names_free(n);

	check_interfaces_error("7 1\n", "if.txt:1: interface 1 has no description");
	check_interfaces_error("\n7\n", "if.txt:2: expected \"DEVICE IFINDEX DESCRIPTION\"");
	check_interfaces_error("7 x uplink\n", "if.txt:1: interface index \"x\" is not a number from 0 to 4294967295");
	check_interfaces_error("0 1 uplink\n",
						   "if.txt:1: \"0\" is neither a device id from 1 to 4294967295 nor a device name");
	check_interfaces_error("7 1 a\n7 2 b\nedge 1 c\n7 1 d\n7 1 e\n",
						   "if.txt:4: interface 1 of device 7 is already described on line 1");
	check_interfaces_error("edge 1 a\nedge 2 b\nedge 1 c\n",
						   "if.txt:3: interface 1 of device edge is already described on line 1");

	char		longer[400];

	snprintf(longer, sizeof(longer), "7 1 %0300d\n", 0);
	check_interfaces_error(longer, "if.txt:1: description is longer than 255 bytes");
}

/* ---------------------------------------------------------------- the sink and kflowd */

/* The sink fills AS numbers the exporter did not send, keeps those it sent, then tags (so tag
 * rules see the filled AS numbers). */
static void
test_sink_enrichment(void)
{
	char		sub[600];
	kf_error	err;
	kf_asn_table *asn = kf_asn_table_parse("10.0.0.0/8 64512\n198.51.100.0/24 64496\n::/0 6\n", "asn", &err);
	kf_tags    *tags = kf_tags_parse("PRIVATE as=64512\nDOC as=64496\nNET 10.0.0.0/8\n", "tags", NULL, &err);

	snprintf(sub, sizeof(sub), "%s/sink", dir);
	kf_device_registry *reg = mkdir(sub, 0755) == 0 ? kf_device_registry_open(sub, NULL, &err) : NULL;
	kf_flow_sink *sink = reg && tags ? kf_flow_sink_new(sub, reg, tags, &err) : NULL;

	CHECK("sink with enrichment opens", sink != NULL && asn != NULL);
	if (!sink || !asn)
	{
		kf_flow_sink_free(sink);
		kf_device_registry_free(reg);
		kf_tags_free(tags);
		kf_asn_table_free(asn);
		return;
	}
	kf_flow_sink_set_asn(sink, asn);
	kf_flow		f;

	memset(&f, 0, sizeof(f));
	f.ctimestamp = 1700000000;
	f.src_addr = test_parse_addr("10.0.0.1");
	f.dst_addr = test_parse_addr("198.51.100.7");
	kf_flow_sink_emit(sink, test_parse_addr("192.0.2.99"), &f);
	f.src_addr = test_parse_addr("10.0.0.2");
	f.src_as = 777;				/* the exporter's AS number is kept */
	kf_flow_sink_emit(sink, test_parse_addr("192.0.2.99"), &f);
	f.src_addr = test_parse_addr("::");
	f.dst_addr = test_parse_addr("2001:db8::1");
	f.src_as = 0;
	kf_flow_sink_emit(sink, test_parse_addr("192.0.2.99"), &f);
	CHECK_INT_EQ("flush", kf_flow_sink_flush_all(sink, &err), 0);

	stored_row	rows[8];
	long		n = read_rows(sub, 1, rows, 8);
	const stored_row *r;

	CHECK_INT_EQ("three rows stored", n, 3);
	r = find_stored(rows, n, "10.0.0.1", "198.51.100.7");
	CHECK_INT_EQ("src AS filled", r ? r->src_as : -1, 64512);
	CHECK_INT_EQ("dst AS filled", r ? r->dst_as : -1, 64496);
	CHECK_STR_EQ("src tags see the filled AS", r ? r->src_tags : NULL, "NET,PRIVATE");
	CHECK_STR_EQ("dst tags see the filled AS", r ? r->dst_tags : NULL, "DOC");
	r = find_stored(rows, n, "10.0.0.2", "198.51.100.7");
	CHECK_INT_EQ("exporter's src AS kept", r ? r->src_as : -1, 777);
	CHECK_STR_EQ("no AS rule for the kept AS", r ? r->src_tags : NULL, "NET");
	r = find_stored(rows, n, "::", "2001:db8::1");
	CHECK_INT_EQ("absent address gets no AS", r ? r->src_as : -1, 0);
	CHECK_INT_EQ("v6 address from ::/0", r ? r->dst_as : -1, 6);
	kf_flow_sink_free(sink);
	kf_device_registry_free(reg);
	kf_tags_free(tags);
	kf_asn_table_free(asn);
}

/* ---------------------------------------------------------------- options data end to end */

#define V9_SAMPLER_TEMPLATE 260		/* scope System; FLOW_SAMPLER_ID (1 byte), FLOW_SAMPLER_RANDOM_INTERVAL (4) */
#define V9_INTERFACE_TEMPLATE 261	/* scope Interface (4); IF_DESC (32, NUL-padded) */
#define V9_EXPORTER_RATE_TEMPLATE 262	/* scope System; SAMPLING_INTERVAL (4) */
#define V9_FLOW_TEMPLATE 270		/* src, dst, bytes (4), pkts (4), input (2), output (2), FLOW_SAMPLER_ID (1) */
#define V9_OWN_RATE_TEMPLATE 271	/* the same plus SAMPLING_INTERVAL (4) */

/* The options templates and flow templates above, as two flowsets. */
static void
v9_sampling_templates(test_buf *t)
{
	size_t		start = t->len;

	put16(t, 1); put16(t, 0);
	put16(t, V9_SAMPLER_TEMPLATE); put16(t, 4); put16(t, 8);
	put16(t, 1); put16(t, 4);
	put16(t, 48); put16(t, 1);
	put16(t, 50); put16(t, 4);
	put16(t, V9_INTERFACE_TEMPLATE); put16(t, 4); put16(t, 4);
	put16(t, 2); put16(t, 4);
	put16(t, 83); put16(t, 32);
	put16(t, V9_EXPORTER_RATE_TEMPLATE); put16(t, 4); put16(t, 4);
	put16(t, 1); put16(t, 4);
	put16(t, 34); put16(t, 4);
	patch16(t, start + 2, t->len - start);

	start = t->len;
	put16(t, 0); put16(t, 0);
	for (int own_rate = 0; own_rate < 2; own_rate++)
	{
		put16(t, own_rate ? V9_OWN_RATE_TEMPLATE : V9_FLOW_TEMPLATE); put16(t, own_rate ? 8 : 7);
		put16(t, 8); put16(t, 4);
		put16(t, 12); put16(t, 4);
		put16(t, 1); put16(t, 4);
		put16(t, 2); put16(t, 4);
		put16(t, 10); put16(t, 2);
		put16(t, 14); put16(t, 2);
		put16(t, 48); put16(t, 1);
		if (own_rate)
		{
			put16(t, 34); put16(t, 4);
		}
	}
	patch16(t, start + 2, t->len - start);
}

/* Starts a data flowset; v9_set_end pads it to 4 bytes and writes its length. */
static size_t
v9_set_start(test_buf *t, uint16_t id)
{
	size_t		start = t->len;

	put16(t, id); put16(t, 0);
	return start;
}

static void
v9_set_end(test_buf *t, size_t start)
{
	while ((t->len - start) % 4)
		put8(t, 0);
	patch16(t, start + 2, t->len - start);
}

/* One record of V9_FLOW_TEMPLATE (own_rate 0) or V9_OWN_RATE_TEMPLATE. */
static void
v9_sampled_flow(test_buf *t, const char *src, uint32_t bytes, uint16_t in, uint16_t out, uint8_t sampler,
				uint32_t own_rate)
{
	put32(t, (uint32_t) test_parse_addr(src).lo);
	put32(t, 0x0a000063);		/* 10.0.0.99 */
	put32(t, bytes);
	put32(t, 1);
	put16(t, in);
	put16(t, out);
	put8(t, sampler);
	if (own_rate)
		put32(t, own_rate);
}

/* An IF_DESC record: ifIndex, then the text NUL-padded to 32 bytes. */
static void
v9_interface_record(test_buf *t, uint32_t ifindex, const char *text)
{
	put32(t, ifindex);
	for (size_t i = 0; i < 32; i++)
		put8(t, i < strlen(text) ? (uint8_t) text[i] : 0);
}

/*
 * Exporter 192.0.2.50 (device "edge" in the devices file, no configured rate) announces sampler 7
 * at 1 in 100 and interface 3 "uplink-to-core"; the interfaces file describes edge's interfaces 3
 * and 4.  Then 192.0.2.51, whose devices-file rate 1000 overrides whatever it says.
 */
static void
test_options_end_to_end(void)
{
	char		sub[600],
				devices[700],
				interfaces_path[700];
	kf_error	err;

	snprintf(sub, sizeof(sub), "%s/options", dir);
	snprintf(devices, sizeof(devices), "%s/options.devices", dir);
	snprintf(interfaces_path, sizeof(interfaces_path), "%s/options.interfaces", dir);
	write_file("options.devices", "1 edge 192.0.2.50\n2 override 192.0.2.51 1000\n");
	write_file("options.interfaces", "edge 3 file-uplink\nedge 4 file-downlink\n2 3 override-file-3\n");
	kf_interface_names *names = kf_interface_names_load(interfaces_path, &err);
	kf_device_registry *reg = mkdir(sub, 0755) == 0 ? kf_device_registry_open(sub, devices, &err) : NULL;
	kf_flow_sink *sink = reg && names ? kf_flow_sink_new(sub, reg, NULL, &err) : NULL;
	kf_flow_decoder *d = sink ? kf_flow_decoder_new(kf_flow_sink_emit, sink) : NULL;

	CHECK("options: sink and decoder open", d != NULL);
	if (!d)
	{
		kf_flow_sink_free(sink);
		kf_device_registry_free(reg);
		kf_interface_names_free(names);
		return;
	}
	kf_flow_sink_set_interfaces(sink, names);
	kf_template_cache *tc = kf_flow_decoder_templates(d);
	test_buf	t;
	size_t		set;

	/* packet 1: templates, sampler 7 = 100, interface 3; a flow of sampler 7 and one of sampler 9 */
	v9_header(&t, 1700000000, 1);
	v9_sampling_templates(&t);
	set = v9_set_start(&t, V9_SAMPLER_TEMPLATE);
	put32(&t, 0); put8(&t, 7); put32(&t, 100);
	v9_set_end(&t, set);
	set = v9_set_start(&t, V9_INTERFACE_TEMPLATE);
	v9_interface_record(&t, 3, "uplink-to-core");
	v9_set_end(&t, set);
	set = v9_set_start(&t, V9_FLOW_TEMPLATE);
	v9_sampled_flow(&t, "10.0.0.1", 1500, 3, 4, 7, 0);
	v9_sampled_flow(&t, "10.0.0.2", 40, 5, 3, 9, 0);
	v9_set_end(&t, set);
	CHECK_INT_EQ("options: packet 1 accepted", kf_flow_decoder_packet(d, test_parse_addr("192.0.2.50"), t.b, t.len, 0), 0);
	CHECK_INT_EQ("options: sampler 7 announced", kf_template_cache_sampler(tc, test_parse_addr("192.0.2.50"), 9, 1, 7), 100);
	CHECK_INT_EQ("options: sampler 9 unknown, counted", kf_template_cache_options_stats(tc)->unknown_sampler_flows, 1);

	/* packet 2: the exporter-wide rate 10, then sampler 9 (still unknown) and a flow with its own rate */
	v9_header(&t, 1700000001, 1);
	set = v9_set_start(&t, V9_EXPORTER_RATE_TEMPLATE);
	put32(&t, 0); put32(&t, 10);
	v9_set_end(&t, set);
	set = v9_set_start(&t, V9_FLOW_TEMPLATE);
	v9_sampled_flow(&t, "10.0.0.3", 40, 6, 0, 9, 0);
	v9_set_end(&t, set);
	set = v9_set_start(&t, V9_OWN_RATE_TEMPLATE);
	v9_sampled_flow(&t, "10.0.0.4", 40, 3, 3, 7, 5);
	v9_sampled_flow(&t, "10.0.0.6", 40, 3, 3, 9, 2);
	v9_set_end(&t, set);
	CHECK_INT_EQ("options: packet 2 accepted", kf_flow_decoder_packet(d, test_parse_addr("192.0.2.50"), t.b, t.len, 0), 0);

	/* packet 3 from the exporter with a devices-file rate: the same templates and announcements */
	v9_header(&t, 1700000002, 1);
	v9_sampling_templates(&t);
	set = v9_set_start(&t, V9_SAMPLER_TEMPLATE);
	put32(&t, 0); put8(&t, 7); put32(&t, 100);
	v9_set_end(&t, set);
	set = v9_set_start(&t, V9_OWN_RATE_TEMPLATE);
	v9_sampled_flow(&t, "10.0.0.5", 40, 3, 8, 7, 5);
	v9_set_end(&t, set);
	CHECK_INT_EQ("options: packet 3 accepted", kf_flow_decoder_packet(d, test_parse_addr("192.0.2.51"), t.b, t.len, 0), 0);
	CHECK_INT_EQ("options: flush", kf_flow_sink_flush_all(sink, &err), 0);

	described_row rows[8];
	long		n = read_described_rows(sub, 1, rows, 8);
	const described_row *r;

	CHECK_INT_EQ("options: five rows of edge", n, 5);
	r = find_described(rows, n, "10.0.0.1");
	CHECK_INT_EQ("sampler 7: stored sample_rate 100", r ? r->sample_rate : -1, 100);
	CHECK_INT_EQ("sampler 7: bytes scaled x100", r ? r->in_bytes : -1, 150000);
	CHECK_STR_EQ("exporter's description beats the file", r ? r->input_description : NULL, "uplink-to-core");
	CHECK_STR_EQ("file description when the exporter sent none", r ? r->output_description : NULL, "file-downlink");
	r = find_described(rows, n, "10.0.0.2");
	CHECK_INT_EQ("unknown sampler, no exporter-wide rate: 1", r ? r->sample_rate : -1, 1);
	CHECK_INT_EQ("unknown sampler: bytes unscaled", r ? r->in_bytes : -1, 40);
	CHECK_STR_EQ("no description anywhere: empty", r ? r->input_description : NULL, "");
	CHECK_STR_EQ("output interface 3 described by the exporter", r ? r->output_description : NULL, "uplink-to-core");
	r = find_described(rows, n, "10.0.0.3");
	CHECK_INT_EQ("unknown sampler takes the exporter-wide rate", r ? r->sample_rate : -1, 10);
	CHECK_INT_EQ("exporter-wide rate scales bytes", r ? r->in_bytes : -1, 400);
	CHECK_STR_EQ("output ifIndex 0 undescribed", r ? r->output_description : NULL, "");
	r = find_described(rows, n, "10.0.0.4");
	CHECK_INT_EQ("the flow's own rate beats its sampler's", r ? r->sample_rate : -1, 5);
	r = find_described(rows, n, "10.0.0.6");
	CHECK_INT_EQ("own rate with an unknown sampler", r ? r->sample_rate : -1, 2);
	CHECK_INT_EQ("unknown sampler flows counted twice (not the one with its own rate)",
				 kf_template_cache_options_stats(tc)->unknown_sampler_flows, 2);

	n = read_described_rows(sub, 2, rows, 8);
	r = find_described(rows, n, "10.0.0.5");
	CHECK_INT_EQ("override: one row", n, 1);
	CHECK_INT_EQ("devices-file rate beats the flow's own and its sampler's", r ? r->sample_rate : -1, 1000);
	CHECK_INT_EQ("devices-file rate scales bytes", r ? r->in_bytes : -1, 40000);
	CHECK_STR_EQ("file description by device id", r ? r->input_description : NULL, "override-file-3");
	CHECK_STR_EQ("another device's file lines do not apply", r ? r->output_description : NULL, "");
	kf_flow_decoder_free(d);
	kf_flow_sink_free(sink);
	kf_device_registry_free(reg);
	kf_interface_names_free(names);
}

static int
run_kflowd(const char *data_dir, const char *args, const char *log)
{
	char		cmd[4096];

	snprintf(cmd, sizeof(cmd), "%s --data-dir %s/%s %s 2>%s/%s", kflowd, dir, data_dir, args, dir, log);
	return system(cmd);
}

static bool
log_contains(const char *log, const char *what)
{
	char		path[600];

	snprintf(path, sizeof(path), "%s/%s", dir, log);
	char	   *text = kf_read_text_file(path, "log", &(kf_error) {{0}});
	bool		found = text && strstr(text, what);

	if (!found)
		printf("# %s has no \"%s\"\n", log, what);
	free(text);
	return found;
}

/* kflowd --asn --interfaces --tags on a capture whose flows carry no AS numbers and interface 0. */
static void
test_kflowd_options(void)
{
	char		args[2048];

	write_file("asn.txt", "10.0.0.0/8 64512\n10.0.0.1 64513\n198.51.100.0/24 64496\n");
	write_file("interfaces.txt", "lab 0 not exported\n");
	write_file("devices.txt", "3 lab 127.0.0.1\n");
	write_file("tags.txt", "LAB 10.0.0.0/8\nHOST as=64513\nDOC as=64496 port=443 protocol=tcp\n"
			   "NOIF interface=\"not exported\" device=lab\n");
	snprintf(args, sizeof(args), "--read-pcap " TEST_CAPTURES "python3-ipfix_export.pcapng --devices %s/devices.txt "
			 "--tags %s/tags.txt --asn %s/asn.txt --interfaces %s/interfaces.txt", dir, dir, dir, dir);
	CHECK_INT_EQ("kflowd with enrichment exits 0", run_kflowd("store", args, "good.log"), 0);
	CHECK("loaded files are logged", log_contains("good.log", "3 prefixes with AS numbers loaded from") &&
		  log_contains("good.log", "1 interface descriptions loaded from") &&
		  log_contains("good.log", "4 tags loaded from"));

	char		data_dir[600];
	static stored_row rows[256];

	snprintf(data_dir, sizeof(data_dir), "%s/store", dir);
	long		n = read_rows(data_dir, 3, rows, 256);

	/* tshark: 120 records; "Flow 1": 10.0.0.1:1024 -> 198.51.100.7:443 TCP, no AS, interfaces 0 */
	CHECK_INT_EQ("every flow stored", n, 120);
	const stored_row *r = find_stored(rows, n, "10.0.0.1", "198.51.100.7");

	CHECK_INT_EQ("host prefix wins", r ? r->src_as : -1, 64513);
	CHECK_INT_EQ("dst AS from its /24", r ? r->dst_as : -1, 64496);
	CHECK_STR_EQ("src: prefix, AS rule, interface description rule", r ? r->src_tags : NULL, "HOST,LAB,NOIF");
	CHECK_STR_EQ("dst: AS + port + protocol rule, interface rule", r ? r->dst_tags : NULL, "DOC,NOIF");
	r = find_stored(rows, n, "10.0.0.2", "198.51.100.7");
	CHECK_INT_EQ("the /8 for the next address", r ? r->src_as : -1, 64512);

	write_file("bad_asn.txt", "10.0.0.0/8 64512\n10.0.0.0/40 1\n");
	snprintf(args, sizeof(args), "--read-pcap " TEST_CAPTURES "python3-ipfix_export.pcapng --asn %s/bad_asn.txt", dir);
	CHECK("bad AS file fails", run_kflowd("bad1", args, "bad_asn.log") != 0);
	CHECK("bad AS file: file and line logged", log_contains("bad_asn.log", "bad_asn.txt:2: \"10.0.0.0/40\""));
	snprintf(args, sizeof(args), "--read-pcap " TEST_CAPTURES "python3-ipfix_export.pcapng --tags %s/tags.txt", dir);
	CHECK("interface=NAME without --interfaces fails", run_kflowd("bad2", args, "bad_tags.log") != 0);
	CHECK("... naming the line", log_contains("bad_tags.log", "tags.txt:4: interface \"not exported\""));
	write_file("bad_if.txt", "lab x y\n");
	snprintf(args, sizeof(args), "--read-pcap " TEST_CAPTURES "python3-ipfix_export.pcapng --interfaces %s/bad_if.txt", dir);
	CHECK("bad interfaces file fails", run_kflowd("bad3", args, "bad_if.log") != 0);
	CHECK("... naming the line", log_contains("bad_if.log", "bad_if.txt:1: interface index \"x\""));
	struct stat st;
	char		bad_dir[600];

	snprintf(bad_dir, sizeof(bad_dir), "%s/bad1", dir);
	CHECK("nothing created on disk for a bad file", stat(bad_dir, &st) != 0);
}

/* ---------------------------------------------------------------- measurements */

static const kf_device edge_bench = {1, "bench", {0, 0}, 0};

/* 1,000 CIDR lines inside 10.0.0.0/8 with 100 names, plus nrules port/protocol rules. */
static char *
bench_tag_text(int nrules)
{
	char	   *text = malloc(1000 * 40 + (size_t) nrules * 48 + 1);
	size_t		len = 0;

	for (int i = 0; i < 1000; i++)
	{
		unsigned	bits = 16 + (unsigned) (rng() % 9);
		uint32_t	a = 0x0a000000u | ((uint32_t) rng() & 0xffffff);

		len += (size_t) sprintf(text + len, "NET%02d %u.%u.%u.%u/%u\n", i % 100, a >> 24, (a >> 16) & 255,
								(a >> 8) & 255, a & 255, bits);
	}
	for (int i = 0; i < nrules; i++)
		len += (size_t) sprintf(text + len, "SVC%02d port=%u protocol=%s\n", i, 1 + (unsigned) (rng() % 1024),
								i % 2 ? "tcp" : "udp");
	text[len] = '\0';
	return text;
}

/* Flows with half their addresses in 10.0.0.0/8 and half their ports below 1024. */
static kf_flow *
bench_flows(size_t n)
{
	kf_flow    *flows = calloc(n, sizeof(kf_flow));

	for (size_t i = 0; flows && i < n; i++)
	{
		uint64_t	r = rng();

		flows[i].ctimestamp = 1700000000 + (int64_t) (i % 3600);
		flows[i].src_addr = kf_addr_from_v4((r & 1 ? 0x0a000000u : 0) | ((uint32_t) (r >> 8) & (r & 1 ? 0xffffff : 0xffffffff)));
		flows[i].dst_addr = kf_addr_from_v4((r & 2 ? 0x0a000000u : 0) | ((uint32_t) (r >> 24) & (r & 2 ? 0xffffff : 0xffffffff)));
		flows[i].l4_src_port = r & 4 ? (uint32_t) (r >> 40) % 1024 : 1024 + (uint32_t) (r >> 40) % 64512;
		flows[i].l4_dst_port = r & 8 ? (uint32_t) (r >> 50) % 1024 : 1024 + (uint32_t) (r >> 50) % 64512;
		flows[i].protocol = r & 16 ? 6 : 17;
		flows[i].in_bytes = 1000;
		flows[i].in_pkts = 1;
	}
	return flows;
}

/* Flows per second of matching both sides of every flow; *checksum keeps the work observable. */
static double
bench_match(const kf_tags *t, const kf_flow *flows, size_t n, size_t *checksum)
{
	kf_tag_buffer *src = kf_tag_buffer_new(t),
			   *dst = kf_tag_buffer_new(t);
	double		start = now_seconds();

	for (size_t i = 0; i < n; i++)
		*checksum += strlen(kf_tags_match(t, &flows[i], &edge_bench, KF_SIDE_SRC, src)) +
			strlen(kf_tags_match(t, &flows[i], &edge_bench, KF_SIDE_DST, dst));
	double		rate = (double) n / (now_seconds() - start);

	kf_tag_buffer_free(src);
	kf_tag_buffer_free(dst);
	return rate;
}

/* Flows per second through kf_flow_sink_emit (sampling, enrichment, buffering; n stays below
 * KF_SINK_FLUSH_ROWS so nothing is written to disk). */
static double
bench_sink(const char *name, const kf_tags *tags, const kf_asn_table *asn, const kf_flow *flows, size_t n)
{
	char		sub[600];
	kf_error	err;
	double		rate = 0;

	snprintf(sub, sizeof(sub), "%s/bench-%s", dir, name);
	kf_device_registry *reg = mkdir(sub, 0755) == 0 ? kf_device_registry_open(sub, NULL, &err) : NULL;
	kf_flow_sink *sink = reg ? kf_flow_sink_new(sub, reg, tags, &err) : NULL;

	if (sink)
	{
		kf_flow_sink_set_asn(sink, asn);
		double		start = now_seconds();

		for (size_t i = 0; i < n; i++)
			kf_flow_sink_emit(sink, test_parse_addr("192.0.2.1"), &flows[i]);
		rate = (double) n / (now_seconds() - start);
		if (kf_flow_sink_stats(sink)->flows_stored != n)
			rate = 0;
	}
	kf_flow_sink_free(sink);
	kf_device_registry_free(reg);
	return rate;
}

/* A prefix -> ASN file of n lines: 90% IPv4 /8../24, 10% IPv6 /32../64. */
static char *
bench_asn_text(size_t n)
{
	char	   *text = malloc(n * 48 + 1);
	size_t		len = 0;
	char		addr[KF_ADDR_TEXT_MAX];

	for (size_t i = 0; text && i < n; i++)
	{
		kf_prefix	p;
		char		cidr[80];
		bool		v4 = i % 10 != 0;
		kf_addr		a = v4 ? kf_addr_from_v4((uint32_t) rng()) : (kf_addr) {0x2000000000000000ULL | (rng() >> 4), 0};
		unsigned	bits = v4 ? 8 + (unsigned) (rng() % 17) : 32 + (unsigned) (rng() % 33);

		snprintf(cidr, sizeof(cidr), "%s/%u", kf_addr_format(a, addr, sizeof(addr)), bits);
		kf_text_prefix(cidr, &p);
		/* the AS depends on the prefix only, so a prefix drawn twice repeats its AS */
		len += (size_t) sprintf(text + len, "%s %u\n", cidr,
								(uint32_t) ((p.addr.hi ^ p.addr.lo ^ bits) % 400000) + 1);
	}
	if (text)
		text[len] = '\0';
	return text;
}

static void
bench(void)
{
	bool		full = getenv("KF_BENCH_FULL") != NULL;
	size_t		nflows = full ? 2000000 : 200000;
	size_t		nsink = full ? 1000000 : 100000;
	size_t		nasn = full ? 1000000 : 100000;
	size_t		checksum = 0;
	char	   *cidr_text = bench_tag_text(0);
	char	   *rules_text = bench_tag_text(50);
	kf_error	err;
	kf_tags    *cidr = kf_tags_parse(cidr_text, "bench-cidr", NULL, &err);
	kf_tags    *rules = kf_tags_parse(rules_text, "bench-rules", NULL, &err);
	kf_flow    *flows = bench_flows(nflows);
	char	   *asn_text = bench_asn_text(nasn);
	double		start = now_seconds();
	kf_asn_table *asn = asn_text ? kf_asn_table_parse(asn_text, "bench-asn", &err) : NULL;
	double		asn_load = now_seconds() - start;

	if (!cidr || !rules || !flows || !asn)
	{
		printf("# benchmark setup failed: %s\n", err.msg);
		goto done;
	}
	double		match_cidr = bench_match(cidr, flows, nflows, &checksum);
	double		match_rules = bench_match(rules, flows, nflows, &checksum);

	printf("BENCH tag matching, both sides, %zu flows: 1000 CIDR lines %.2fM flows/s; + 50 port/protocol rules "
		   "%.2fM flows/s (%.2fx)\n", nflows, match_cidr / 1e6, match_rules / 1e6, match_rules / match_cidr);
	double		sink_plain = bench_sink("plain", NULL, NULL, flows, nsink);
	double		sink_cidr = bench_sink("cidr", cidr, NULL, flows, nsink);
	double		sink_rules = bench_sink("rules", rules, NULL, flows, nsink);
	double		sink_all = bench_sink("all", rules, asn, flows, nsink);

	printf("BENCH sink ingest, %zu flows: no tags %.2fM flows/s; 1000 CIDR lines %.2fM (%.2fx); + 50 rules %.2fM "
		   "(%.2fx); + AS table %.2fM (%.2fx)\n", nsink, sink_plain / 1e6, sink_cidr / 1e6, sink_cidr / sink_plain,
		   sink_rules / 1e6, sink_rules / sink_plain, sink_all / 1e6, sink_all / sink_plain);
	start = now_seconds();
	for (size_t i = 0; i < nflows; i++)
		checksum += kf_asn_lookup(asn, flows[i].src_addr) + kf_asn_lookup(asn, flows[i].dst_addr);
	double		lookups = 2.0 * (double) nflows / (now_seconds() - start);

	printf("BENCH AS table: %zu lines (%zu distinct prefixes) loaded in %.2f s; %.2fM lookups/s (checksum %zu)\n",
		   nasn, kf_asn_table_count(asn), asn_load, lookups / 1e6, checksum);
done:
	kf_tags_free(cidr);
	kf_tags_free(rules);
	kf_asn_table_free(asn);
	free(cidr_text);
	free(rules_text);
	free(asn_text);
	free(flows);
}

int
main(int argc, char **argv)
{
	(void) argc;
	char	   *self = strdup(argv[0]);

	/* BUILD/tests/test_collector_enrich -> BUILD/kflowd */
	snprintf(kflowd, sizeof(kflowd), "%s/../kflowd", dirname(self));
	free(self);
	kf_log_set_quiet(true);
	if (!mkdtemp(dir))
	{
		CHECK("temp dir", false);
		UNIT_EXIT();
	}
	test_text_file();
	test_asn_table();
	test_asn_random();
	test_asn_errors();
	test_interface_names();
	test_sink_enrichment();
	test_options_end_to_end();
	test_kflowd_options();
	bench();
	char		cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK_INT_EQ("cleanup", system(cmd), 0);
	UNIT_EXIT();
}
