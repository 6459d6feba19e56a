/*
 * test_sketches.c -- unit tests of the shared HyperLogLog core (engine/hll.c) and nearest-rank
 * percentiles (engine/percentile.c): frozen hash values, the estimator on exact inputs, the
 * precision rule, exact percentile positions and selection against a full sort; and of the
 * engine's per-group states built on them (engine/agg_sketch_states.c): sparse and dense HLL
 * sketches and their merges against dense registers built by hand, percentile and per-slice
 * states against brute force, and their memory accounting.
 *
 * `test_sketches --accuracy` instead prints the HLL error table quoted in engine/hll.h (mean and
 * maximum relative error over several seeds per cardinality and precision).
 */
#include <math.h>
#include <stdlib.h>

#include "engine/agg_sketch_states.h"
#include "engine/hll.h"
#include "engine/percentile.h"
#include "tests/unit/unit.h"

/* A deterministic generator for test data (SplitMix64), independent of the hash under test. */
static uint64_t
next_random(uint64_t *state)
{
	uint64_t	z = (*state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* Adds a hash to dense registers, as every caller of engine/hll.h does. */
static void
hll_add(uint8_t *registers, int precision, uint64_t hash)
{
	uint32_t	i = kf_hll_index(hash, precision);
	uint8_t		r = kf_hll_rank(hash, precision);

	if (registers[i] < r)
		registers[i] = r;
}

/* The estimate of the distinct integers first..first+count-1 at a precision. */
static uint64_t
estimate_range(int64_t first, uint64_t count, int precision)
{
	uint8_t    *registers = calloc((size_t) 1 << precision, 1);

	for (uint64_t i = 0; i < count; i++)
		hll_add(registers, precision, kf_hll_hash_int(first + (int64_t) i));

	uint64_t	estimate = kf_hll_estimate(registers, precision);

	free(registers);
	return estimate;
}

static void
test_hashes(void)
{
	/*
	 * Frozen (and cross-checked with an independent Python transcription of the algorithm): these
	 * values are part of what a sketch means, so they must never change.
	 */
	CHECK("hash int 0 frozen", kf_hll_hash_int(0) == UINT64_C(0x2764fa75694f5668));
	CHECK("hash int 1 frozen", kf_hll_hash_int(1) == UINT64_C(0xb1325f07e91a8126));
	CHECK("hash int -1 frozen", kf_hll_hash_int(-1) == UINT64_C(0x0c930db29030c5f0));
	CHECK("hash empty bytes frozen", kf_hll_hash_bytes("", 0) == UINT64_C(0x6cab6722c5f8e26d));
	CHECK("hash bytes abc frozen", kf_hll_hash_bytes("abc", 3) == UINT64_C(0x7d64e70cb6bad4c2));

	kf_addr		v4 = kf_addr_from_v4(0x0a000001);	/* 10.0.0.1 */

	CHECK("hash addr 10.0.0.1 frozen", kf_hll_hash_addr(&v4) == UINT64_C(0xb7cf04c8acff4182));

	/* An INT is its 8 little-endian bytes, an address its 16 network-order bytes. */
	int64_t		values[] = {0, 1, -1, 1234567890123, INT64_MIN, INT64_MAX};
	int			same = 1;

	for (size_t v = 0; v < sizeof values / sizeof values[0]; v++)
	{
		uint8_t		le[8];

		for (int b = 0; b < 8; b++)
			le[b] = (uint8_t) ((uint64_t) values[v] >> (8 * b));
		same &= kf_hll_hash_int(values[v]) == kf_hll_hash_bytes(le, 8);
	}
	CHECK("hash int equals hash of its little-endian bytes", same);

	uint8_t		mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1};

	CHECK("hash addr equals hash of its network bytes", kf_hll_hash_addr(&v4) == kf_hll_hash_bytes(mapped, 16));

	kf_addr		v6 = {UINT64_C(0x20010db800000000), 1};	/* 2001:db8::1 */
	uint8_t		v6_bytes[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

	CHECK("hash v6 addr equals hash of its network bytes", kf_hll_hash_addr(&v6) == kf_hll_hash_bytes(v6_bytes, 16));

	/* Trailing zero bytes change the hash (the length is mixed in). */
	CHECK("hash bytes length matters", kf_hll_hash_bytes("a\0", 2) != kf_hll_hash_bytes("a", 1));
	CHECK("hash bytes 9 vs 8", kf_hll_hash_bytes("abcdefgh\0", 9) != kf_hll_hash_bytes("abcdefgh", 8));

	/* Top bits of consecutive integers are spread: 4096 values fill most of 16 registers * 256. */
	int			buckets[256] = {0};
	int			empty = 0;

	for (int64_t i = 0; i < 4096; i++)
		buckets[kf_hll_index(kf_hll_hash_int(i), 8)]++;
	for (int b = 0; b < 256; b++)
		empty += buckets[b] == 0;
	CHECK_INT_EQ("4096 consecutive ints leave no empty register of 256", empty, 0);
}

static void
test_index_and_rank(void)
{
	uint64_t	h = UINT64_C(0xabc0000000000000);

	CHECK_INT_EQ("index p=12", kf_hll_index(h, 12), 0xabc);
	CHECK_INT_EQ("rank of zero rest p=12", kf_hll_rank(h, 12), 53);
	CHECK_INT_EQ("rank of zero rest p=4", kf_hll_rank(0, 4), 61);
	CHECK_INT_EQ("rank first bit set", kf_hll_rank(UINT64_C(0xabc8000000000000), 12), 1);
	CHECK_INT_EQ("rank third bit set", kf_hll_rank(UINT64_C(0xabc2000000000000), 12), 3);
	CHECK_INT_EQ("rank last bit set", kf_hll_rank(UINT64_C(0xabc0000000000001), 12), 52);
}

static void
test_estimate(void)
{
	uint8_t    *registers = calloc((size_t) 1 << KF_HLL_MAX_PRECISION, 1);

	CHECK_INT_EQ("estimate of empty sketch", kf_hll_estimate(registers, 14), 0);
	hll_add(registers, 14, kf_hll_hash_int(42));
	CHECK_INT_EQ("estimate of one value", kf_hll_estimate(registers, 14), 1);
	hll_add(registers, 14, kf_hll_hash_int(42));
	CHECK_INT_EQ("estimate of one value twice", kf_hll_estimate(registers, 14), 1);
	free(registers);

	CHECK_INT_EQ("estimate of 10 values p=14", estimate_range(0, 10, 14), 10);
	CHECK_INT_EQ("estimate of 100 values p=14", estimate_range(0, 100, 14), 100);
	CHECK_INT_EQ("estimate of 10 values p=10", estimate_range(1000, 10, 10), 10);

	uint64_t	e = estimate_range(0, 100000, 14);

	CHECK("estimate of 100000 values p=14 within 3%", e > 97000 && e < 103000);
	e = estimate_range(0, 100000, 4);
	CHECK("estimate of 100000 values p=4 within 100%", e > 50000 && e < 200000);

	/* All registers at the largest rank: the estimator stays finite and huge. */
	uint8_t		full[16];

	memset(full, 61, sizeof full);
	CHECK("estimate of saturated p=4 sketch is huge", kf_hll_estimate(full, 4) > UINT64_C(1) << 62);

	/* Order independence and merging: register-wise max of two halves equals the whole. */
	uint8_t    *a = calloc(1024, 1), *b = calloc(1024, 1), *whole = calloc(1024, 1);

	for (int64_t i = 0; i < 5000; i++)
	{
		hll_add(i % 3 ? a : b, 10, kf_hll_hash_int(i * 7));
		hll_add(whole, 10, kf_hll_hash_int((4999 - i) * 7));
	}
	for (int i = 0; i < 1024; i++)
		a[i] = a[i] > b[i] ? a[i] : b[i];
	CHECK("merged registers equal the registers of the union", memcmp(a, whole, 1024) == 0);
	CHECK_INT_EQ("merged estimate equals estimate of the union", kf_hll_estimate(a, 10), kf_hll_estimate(whole, 10));

	uint32_t	histogram[KF_HLL_HISTOGRAM_SIZE] = {0};

	for (int i = 0; i < 1024; i++)
		histogram[whole[i]]++;
	CHECK_INT_EQ("histogram estimate equals register estimate", kf_hll_estimate_histogram(histogram, 10),
				 kf_hll_estimate(whole, 10));
	CHECK("estimate of 5000 values p=10 within 10%", kf_hll_estimate(whole, 10) > 4500 && kf_hll_estimate(whole, 10) < 5500);
	free(a);
	free(b);
	free(whole);
}

static void
test_precision_for_error(void)
{
	CHECK_INT_EQ("precision for 0.0001", kf_hll_precision_for_error(0.0001), 14);
	CHECK_INT_EQ("precision for 0.02", kf_hll_precision_for_error(0.02), 12);
	CHECK_INT_EQ("precision for 0.0325", kf_hll_precision_for_error(0.0325), 10);
	CHECK_INT_EQ("precision for 0.26", kf_hll_precision_for_error(0.26), 4);
	CHECK_INT_EQ("precision for 5", kf_hll_precision_for_error(5), 4);
	CHECK_INT_EQ("precision for 0", kf_hll_precision_for_error(0), -1);
	CHECK_INT_EQ("precision for -0.1", kf_hll_precision_for_error(-0.1), -1);
	CHECK_INT_EQ("precision for NaN", kf_hll_precision_for_error(NAN), -1);
	CHECK_INT_EQ("precision for infinity", kf_hll_precision_for_error(INFINITY), -1);
}

static void
test_percentile_index(void)
{
	CHECK("rank 100 valid", kf_percentile_rank_valid(100));
	CHECK("rank 0.001 valid", kf_percentile_rank_valid(0.001));
	CHECK("rank 0 invalid", !kf_percentile_rank_valid(0));
	CHECK("rank 100.5 invalid", !kf_percentile_rank_valid(100.5));
	CHECK("rank -5 invalid", !kf_percentile_rank_valid(-5));
	CHECK("rank NaN invalid", !kf_percentile_rank_valid(NAN));
	CHECK("rank infinity invalid", !kf_percentile_rank_valid(INFINITY));

	CHECK_INT_EQ("95 of 20 is position 19", kf_percentile_index(20, 95), 18);
	CHECK_INT_EQ("50 of 2 is position 1", kf_percentile_index(2, 50), 0);
	CHECK_INT_EQ("50 of 3 is position 2", kf_percentile_index(3, 50), 1);
	CHECK_INT_EQ("50 of 4 is position 2", kf_percentile_index(4, 50), 1);
	CHECK_INT_EQ("99.9 of 1000 is position 999", kf_percentile_index(1000, 99.9), 998);
	CHECK_INT_EQ("99.99 of 10000 is position 9999", kf_percentile_index(10000, 99.99), 9998);
	CHECK_INT_EQ("0.1 of 1000 is position 1", kf_percentile_index(1000, 0.1), 0);
	CHECK_INT_EQ("0.1 of 1001 is position 2", kf_percentile_index(1001, 0.1), 1);
	CHECK_INT_EQ("100 of 7 is position 7", kf_percentile_index(7, 100), 6);
	CHECK_INT_EQ("tiny rank is position 1", kf_percentile_index(1000, 1e-12), 0);
	CHECK_INT_EQ("any rank of 1 is position 1", kf_percentile_index(1, 37.5), 0);
	CHECK_INT_EQ("33.3 of 3 is position 1", kf_percentile_index(3, 33.3), 0);
	CHECK_INT_EQ("33.4 of 3 is position 2", kf_percentile_index(3, 33.4), 1);
	CHECK_INT_EQ("95 of 2^62 exact", kf_percentile_index(UINT64_C(1) << 62, 95),
				 (uint64_t) ((((unsigned __int128) 95 << 62) + 99) / 100) - 1);
	CHECK("50 of 2^64-1", kf_percentile_index(UINT64_MAX, 50) == UINT64_C(0x7fffffffffffffff));
}

static int
compare_int64(const void *a, const void *b)
{
	int64_t		x = *(const int64_t *) a, y = *(const int64_t *) b;

	return (x > y) - (x < y);
}

static int
compare_int128(const void *a, const void *b)
{
	__int128	x = *(const __int128 *) a, y = *(const __int128 *) b;

	return (x > y) - (x < y);
}

/* Selection of every listed rank over values[0..n) equals the same position of a full sort. */
static int
select_matches_sort(const int64_t *values, uint64_t n)
{
	static const double ranks[] = {0.5, 1, 10, 25, 50, 75, 90, 95, 99, 99.9, 100};
	int64_t    *sorted = malloc(n * sizeof *sorted);
	int64_t    *work = malloc(n * sizeof *work);
	int			ok = 1;

	memcpy(sorted, values, n * sizeof *sorted);
	qsort(sorted, n, sizeof *sorted, compare_int64);
	for (size_t r = 0; r < sizeof ranks / sizeof ranks[0]; r++)
	{
		memcpy(work, values, n * sizeof *work);
		ok &= kf_percentile_select_int(work, n, ranks[r]) == sorted[kf_percentile_index(n, ranks[r])];
	}
	free(sorted);
	free(work);
	return ok;
}

static void
test_percentile_select_int(void)
{
	int64_t		one[] = {-7};

	CHECK_INT_EQ("percentile of one value", kf_percentile_select_int(one, 1, 95), -7);

	int64_t		twenty[20];

	for (int i = 0; i < 20; i++)
		twenty[i] = (i * 7) % 20 * 10;	/* 0, 10, ..., 190 shuffled */
	CHECK_INT_EQ("95 of 0..190 step 10", kf_percentile_select_int(twenty, 20, 95), 180);
	CHECK_INT_EQ("50 of 0..190 step 10", kf_percentile_select_int(twenty, 20, 50), 90);
	CHECK_INT_EQ("100 of 0..190 step 10", kf_percentile_select_int(twenty, 20, 100), 190);
	CHECK_INT_EQ("5 of 0..190 step 10", kf_percentile_select_int(twenty, 20, 5), 0);

	int64_t		ties[] = {5, 1, 5, 5, 9, 1, 5};	/* 1 1 5 5 5 5 9 */

	CHECK_INT_EQ("ties 30 -> position 3", kf_percentile_select_int(ties, 7, 30), 5);
	CHECK_INT_EQ("ties 28 -> position 2", kf_percentile_select_int(ties, 7, 28), 1);
	CHECK_INT_EQ("ties 90 -> position 7", kf_percentile_select_int(ties, 7, 90), 9);

	int64_t		extremes[] = {INT64_MAX, INT64_MIN, 0};

	CHECK_INT_EQ("extremes 50", kf_percentile_select_int(extremes, 3, 50), 0);
	CHECK("extremes 100", kf_percentile_select_int(extremes, 3, 100) == INT64_MAX);
	CHECK("extremes 1", kf_percentile_select_int(extremes, 3, 1) == INT64_MIN);

	/* Shapes that defeat naive quickselect, and random data, against a full sort. */
	enum {N = 100001};
	int64_t    *v = malloc(N * sizeof *v);
	uint64_t	state = 1;
	const char *names[] = {"random", "sorted", "reversed", "all equal", "organ pipe", "few distinct"};

	for (int shape = 0; shape < 6; shape++)
	{
		for (int64_t i = 0; i < N; i++)
			v[i] = shape == 0 ? (int64_t) next_random(&state) :
				shape == 1 ? i :
				shape == 2 ? N - i :
				shape == 3 ? 42 :
				shape == 4 ? (i < N / 2 ? i : N - i) :
				(int64_t) (next_random(&state) % 3);
		char		name[64];

		snprintf(name, sizeof name, "select equals sort: %s", names[shape]);
		CHECK(name, select_matches_sort(v, N));
	}
	free(v);
}

static void
test_percentile_slices(void)
{
	__int128	s[4];

	/* slices 5 and 3 present, 3 more missing: sorted 0 0 0 3 5 */
	s[0] = 5, s[1] = 3;
	CHECK_INT_EQ("slices 50 -> missing 0", (int64_t) kf_percentile_select_slices(s, 2, 5, 50), 0);
	s[0] = 5, s[1] = 3;
	CHECK_INT_EQ("slices 80 -> 3", (int64_t) kf_percentile_select_slices(s, 2, 5, 80), 3);
	s[0] = 5, s[1] = 3;
	CHECK_INT_EQ("slices 100 -> 5", (int64_t) kf_percentile_select_slices(s, 2, 5, 100), 5);
	s[0] = 5, s[1] = 3;
	CHECK_INT_EQ("slices no missing 50 -> 3", (int64_t) kf_percentile_select_slices(s, 2, 2, 50), 3);

	/* a negative present slice sorts before the missing zeros: -2 0 0 7 */
	s[0] = 7, s[1] = -2;
	CHECK_INT_EQ("slices negative 25", (int64_t) kf_percentile_select_slices(s, 2, 4, 25), -2);
	s[0] = 7, s[1] = -2;
	CHECK_INT_EQ("slices negative 50", (int64_t) kf_percentile_select_slices(s, 2, 4, 50), 0);
	s[0] = 7, s[1] = -2;
	CHECK_INT_EQ("slices negative 100", (int64_t) kf_percentile_select_slices(s, 2, 4, 100), 7);

	/* present zero among missing ones, and sums beyond int64 */
	__int128	big = (__int128) INT64_MAX * 4;

	s[0] = big, s[1] = 0, s[2] = 1;
	CHECK("slices beyond int64 100", kf_percentile_select_slices(s, 3, 6, 100) == big);
	s[0] = big, s[1] = 0, s[2] = 1;
	CHECK_INT_EQ("slices with present zero 66", (int64_t) kf_percentile_select_slices(s, 3, 6, 66), 0);
	s[0] = big, s[1] = 0, s[2] = 1;
	CHECK_INT_EQ("slices with present zero 83.3", (int64_t) kf_percentile_select_slices(s, 3, 6, 83.3), 1);
	s[0] = big, s[1] = 0, s[2] = 1;
	CHECK("slices with present zero 83.4 -> largest", kf_percentile_select_slices(s, 3, 6, 83.4) == big);
	CHECK_INT_EQ("all slices missing", (int64_t) kf_percentile_select_slices(s, 0, 3, 95), 0);
}

/* The hash of test value i: distinct values for distinct i. */
static uint64_t
value_hash(uint64_t i)
{
	return kf_hll_hash_int((int64_t) i * 7919);
}

/* kf_hll_estimate of dense registers built by hand from the hashes of values [first, end). */
static int64_t
reference_estimate(uint64_t first, uint64_t end, int precision)
{
	uint8_t    *registers = calloc((size_t) 1 << precision, 1);

	for (uint64_t i = first; i < end; i++)
		hll_add(registers, precision, value_hash(i));

	int64_t		estimate = (int64_t) kf_hll_estimate(registers, precision);

	free(registers);
	return estimate;
}

/* Adds values [first, end) twice each (duplicates must not matter) to a state. */
static int
state_add_range(agg_hll_state *s, uint64_t first, uint64_t end, int precision, agg_memory *m, kf_error *err)
{
	for (int round = 0; round < 2; round++)
		for (uint64_t i = first; i < end; i++)
			if (agg_hll_add(s, precision, value_hash(i), m, err) != 0)
				return -1;
	return 0;
}

static void
test_hll_states(void)
{
	static const uint64_t sizes[] = {0, 1, 7, 100, 1000, 1500, 1600, 5000, 100000};
	agg_memory	m = {0};
	kf_error	err = {{0}};
	char		name[120];

	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
	{
		agg_hll_state s = {0};
		int			rc = state_add_range(&s, 0, sizes[i], 14, &m, &err);

		snprintf(name, sizeof name, "hll state of %" PRIu64 " values equals dense registers", sizes[i]);
		CHECK(name, rc == 0 && agg_hll_result(&s, 14) == reference_estimate(0, sizes[i], 14));
		if (sizes[i] == 1000)
			CHECK("hll state of 1000 values at p=14 is sparse (4 KB table)",
				  s.dense == NULL && m.used == sizeof(uint32_t) << 11);
		if (sizes[i] == 5000)
			CHECK("hll state of 5000 values at p=14 is dense", s.dense != NULL && s.sparse == NULL && m.used == 16384);
		agg_hll_free(&s, 14, &m);
	}
	CHECK_INT_EQ("hll states: all memory returned", m.used, 0);

	agg_hll_state tiny = {0};

	agg_hll_add(&tiny, 4, value_hash(1), &m, &err);
	CHECK("hll state at p=4 is dense at once (16 bytes beat a sparse table)", tiny.dense != NULL && m.used == 16);
	agg_hll_free(&tiny, 4, &m);

	/* merges of every combination of empty, sparse and dense, against the union */
	static const uint64_t splits[][3] = {
		{0, 0, 50}, {0, 50, 50}, {0, 30, 60}, {0, 40, 4000}, {0, 4000, 4040}, {0, 3000, 9000}, {0, 1000, 1700},
	};

	for (size_t i = 0; i < sizeof splits / sizeof splits[0]; i++)
	{
		agg_hll_state a = {0},
					b = {0};
		int			rc = state_add_range(&a, splits[i][0], splits[i][1], 12, &m, &err);

		rc |= state_add_range(&b, splits[i][1] - splits[i][1] / 3, splits[i][2], 12, &m, &err);
		rc |= agg_hll_merge(&a, &b, 12, &m, &err);
		snprintf(name, sizeof name, "hll merge of [%" PRIu64 ", %" PRIu64 ") and [.., %" PRIu64 ") equals the union",
				 splits[i][0], splits[i][1], splits[i][2]);
		CHECK(name, rc == 0 && agg_hll_result(&a, 12) == reference_estimate(0, splits[i][2], 12));
		agg_hll_free(&a, 12, &m);
		agg_hll_free(&b, 12, &m);
	}
	CHECK_INT_EQ("hll merges: all memory returned", m.used, 0);

	agg_memory	small = {.limit = 1000};
	agg_hll_state s = {0};

	CHECK("hll state over the memory limit fails", state_add_range(&s, 0, 5000, 14, &small, &err) != 0 &&
		  strstr(err.msg, "needs more than 1000 bytes") != NULL);
	agg_hll_free(&s, 14, &small);
	CHECK_INT_EQ("hll state over the limit: memory returned", small.used, 0);
}

static void
test_percentile_states(void)
{
	agg_memory	m = {0};
	kf_error	err = {{0}};
	agg_pct_state a = {0},
				b = {0},
				empty = {0};
	int64_t		out = -1;
	int			rc = 0;

	CHECK("percentile of no values is NULL", !agg_pct_result(&empty, 50, &out));
	/* a: 0..99 odd numbers reversed, b: even numbers, so the union is 0..99 */
	for (int64_t i = 99; i >= 0; i -= 2)
		rc |= agg_pct_add(&a, i, &m, &err);
	for (int64_t i = 0; i < 100; i += 2)
		rc |= agg_pct_add(&b, i, &m, &err);
	rc |= agg_pct_merge(&a, &b, &m, &err);
	rc |= agg_pct_merge(&a, &empty, &m, &err);
	CHECK("percentile merge: 100 values", rc == 0 && a.count == 100);
	CHECK("percentile 95 of 0..99 is 94", agg_pct_result(&a, 95, &out) && out == 94);
	CHECK("percentile result is kept", agg_pct_result(&a, 10, &out) && out == 94);
	agg_pct_free(&a, &m);
	agg_pct_free(&b, &m);
	CHECK_INT_EQ("percentile states: all memory returned", m.used, 0);

	agg_memory	small = {.limit = 1000};

	for (int64_t i = 0; rc == 0 && i < 1000; i++)
		rc = agg_pct_add(&a, i, &small, &err);
	CHECK("percentile state over the memory limit fails", rc != 0 && strstr(err.msg, "1000 bytes") != NULL);
	agg_pct_free(&a, &small);
	CHECK_INT_EQ("percentile state over the limit: memory returned", small.used, 0);
}

static void
test_rate_states(void)
{
	CHECK_INT_EQ("slice of 59 per 60", agg_rate_slice_of(59, 60), 0);
	CHECK_INT_EQ("slice of 60 per 60", agg_rate_slice_of(60, 60), 1);
	CHECK_INT_EQ("slice of -1 per 60", agg_rate_slice_of(-1, 60), -1);
	CHECK_INT_EQ("slice of -60 per 60", agg_rate_slice_of(-60, 60), -1);
	CHECK_INT_EQ("slice of -61 per 60", agg_rate_slice_of(-61, 60), -2);
	CHECK("slice of INT64_MIN per 1", agg_rate_slice_of(INT64_MIN, 1) == INT64_MIN);

	agg_memory	m = {0};
	kf_error	err = {{0}};
	agg_rate_state a = {0},
				b = {0},
				empty = {0};
	__int128	out = -1;
	int			rc = 0;

	CHECK("rate of no rows is NULL", !agg_rate_result(&empty, 50, &out));

	/* one slice lives in the state itself; a second slice (here from a merge) creates the table */
	rc |= agg_rate_add(&a, 7, 5, &m, &err);
	rc |= agg_rate_add(&a, 7, 6, &m, &err);
	rc |= agg_rate_add(&b, 7, 1, &m, &err);
	rc |= agg_rate_merge(&a, &b, &m, &err);
	CHECK("rate of one slice allocates nothing", rc == 0 && a.sums == NULL && a.count == 1 && m.used == 0);
	CHECK("rate of one slice is its sum", agg_rate_result(&a, 1, &out) && out == 12);
	agg_rate_free(&a, &m);
	agg_rate_free(&b, &m);
	rc |= agg_rate_add(&a, 7, 5, &m, &err);
	rc |= agg_rate_add(&b, 9, -2, &m, &err);
	rc |= agg_rate_merge(&a, &b, &m, &err);
	CHECK("rate merge of two single slices: 7..9 is 3 slices, sorted -2 0 5", rc == 0 && a.count == 2 &&
		  a.sums != NULL && a.first == 7 && a.last == 9 && agg_rate_result(&a, 34, &out) && out == 0);
	CHECK("rate result is kept: rank 34 of -2 0 5", agg_rate_result(&a, 100, &out) && out == 0);
	agg_rate_free(&a, &m);
	agg_rate_free(&b, &m);
	/* slices 10 (sum 7), 12 (3 + 4), 15 (100): 10..15 is 6 slices, sorted 0 0 0 7 7 100 */
	rc |= agg_rate_add(&a, 10, 3, &m, &err);
	rc |= agg_rate_add(&a, 12, 3, &m, &err);
	rc |= agg_rate_add(&b, 15, 100, &m, &err);
	rc |= agg_rate_add(&b, 10, 4, &m, &err);
	rc |= agg_rate_add(&b, 12, 4, &m, &err);
	rc |= agg_rate_merge(&a, &b, &m, &err);
	rc |= agg_rate_merge(&a, &empty, &m, &err);
	CHECK("rate merge: 3 slices from 10 to 15", rc == 0 && a.count == 3 && a.first == 10 && a.last == 15);
	CHECK("rate 50 of 0 0 0 7 7 100 is a missing slice", agg_rate_result(&a, 50, &out) && out == 0);
	agg_rate_free(&a, &m);
	agg_rate_free(&b, &m);

	/* many slices with every third one missing, in a scrambled order, against brute force */
	enum {SLICES = 3000};
	__int128   *want = calloc(SLICES, sizeof(__int128));

	for (uint64_t k = 0; rc == 0 && k < 3 * SLICES; k++)
	{
		int64_t		slice = (int64_t) ((k * 1103) % SLICES) - 1000;
		int64_t		value = slice * 1000003 % 977;

		if ((slice + 1000) % 3 == 1 && slice != 1999)
			continue;
		want[slice + 1000] += value;
		rc = agg_rate_add(&a, slice, value, &m, &err);
	}
	qsort(want, SLICES, sizeof(__int128), compare_int128);
	CHECK("rate of 3000 slices with gaps: 99th equals brute force",
		  rc == 0 && agg_rate_result(&a, 99, &out) && out == want[kf_percentile_index(SLICES, 99)]);
	agg_rate_free(&a, &m);
	free(want);
	CHECK_INT_EQ("rate states: all memory returned", m.used, 0);

	agg_memory	small = {.limit = 1000};

	for (int64_t i = 0; rc == 0 && i < 1000; i++)
		rc = agg_rate_add(&a, i, 1, &small, &err);
	CHECK("rate state over the memory limit fails", rc != 0 && strstr(err.msg, "1000 bytes") != NULL);
	agg_rate_free(&a, &small);
	CHECK_INT_EQ("rate state over the limit: memory returned", small.used, 0);
}

/* Prints mean and maximum relative error per precision and cardinality over 20 seeds. */
static void
print_accuracy(void)
{
	static const uint64_t cardinalities[] = {10, 100, 1000, 10000, 100000, 1000000};
	static const int precisions[] = {14, 10};
	enum {SEEDS = 20};

	for (size_t pi = 0; pi < 2; pi++)
		for (size_t ci = 0; ci < 6; ci++)
		{
			double		sum = 0, max = 0;

			for (int seed = 0; seed < SEEDS; seed++)
			{
				/* each seed is a disjoint block of integers */
				int64_t		first = (int64_t) (seed + 1) << 40;
				double		estimate = (double) estimate_range(first, cardinalities[ci], precisions[pi]);
				double		error = fabs(estimate - (double) cardinalities[ci]) / (double) cardinalities[ci];

				sum += error;
				if (error > max)
					max = error;
			}
			printf("p=%d n=%" PRIu64 " mean %.3f%% max %.3f%%\n", precisions[pi], cardinalities[ci],
				   100 * sum / SEEDS, 100 * max);
		}
}

int
main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--accuracy") == 0)
	{
		print_accuracy();
		return 0;
	}
	test_hashes();
	test_index_and_rank();
	test_estimate();
	test_precision_for_error();
	test_percentile_index();
	test_percentile_select_int();
	test_percentile_slices();
	test_hll_states();
	test_percentile_states();
	test_rate_states();
	UNIT_EXIT();
}
