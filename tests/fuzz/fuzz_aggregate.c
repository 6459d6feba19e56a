/*
 * fuzz_aggregate.c -- libFuzzer harness for grouped aggregation (engine/aggregate.h).
 *
 * The input bytes are read as a kf_agg_spec: up to 4 group keys of any kind (with arbitrary
 * columns, widths, origins and prefix lengths), up to 4 aggregates (including unknown functions, and
 * the HLL precision, percentile rank and slice parameters, valid or not),
 * HAVING, ORDER BY, LIMIT/OFFSET, a thread count and a memory limit.  Every spec must be rejected
 * with a message or run to completion over a small data directory written once at start-up; the
 * result is read completely and formatted.  A run on one thread and on two must give the same
 * number of rows (which groups survive a LIMIT may differ, how many may not).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/aggregate.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HOUR0 INT64_C(1700002800)

static char data_dir[64];

/* ------------------------------------------------------------------ the data directory */

static void
remove_data_dir(void)
{
	char		cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", data_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", data_dir);
}

/* Two devices, two hours, IPv4 and IPv6, a few tags: small enough to aggregate per input. */
static void
make_data_dir(void)
{
	static const char *const tags[] = {"", "MYNETWORK", "b,c", "zeta"};
	kf_error	err;
	uint64_t	x = 12345;

	snprintf(data_dir, sizeof(data_dir), "/tmp/kf_fuzz_aggregate.%d", (int) getpid());
	mkdir(data_dir, 0755);
	atexit(remove_data_dir);
	for (uint32_t device = 1; device <= 2; device++)
	{
		kf_writer  *w = kf_writer_open(data_dir, device, &err);

		for (int i = 0; w && i < 1500; i++)
		{
			kf_flow		f = {0};

			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			f.ctimestamp = HOUR0 + (int64_t) (x >> 33) % 7200;
			f.src_addr = x % 3 ? kf_addr_from_v4(0x0a000000u + (uint32_t) (x >> 40) % 50) :
				(kf_addr) {0x20010db800000000ULL, (x >> 20) % 9};
			f.dst_addr = kf_addr_from_v4(0xc0a80000u + (uint32_t) (x >> 44) % 30);
			f.l4_src_port = (uint32_t) (x >> 50) % 4 == 0 ? 25 : (uint32_t) (x >> 24) % 70000;
			f.protocol = (uint32_t) (x >> 36) % 2 ? 6 : 17;
			f.in_bytes = (int64_t) (x >> 30) % 100000 - 10;
			f.out_bytes = (int64_t) (x >> 45);
			f.dst_flow_tags = tags[(x >> 52) % 4];
			f.src_flow_tags = tags[(x >> 56) % 4];
			kf_writer_add(w, &f, &err);
		}
		if (w)
			kf_writer_flush(w, &err);
		kf_writer_close(w);
	}
}

/* ------------------------------------------------------------------ reading the input */

typedef struct reader
{
	const uint8_t *p;
	size_t		left;
} reader;

static uint8_t
byte(reader *r)
{
	if (r->left == 0)
		return 0;
	r->left--;
	return *r->p++;
}

static int64_t
int64_of(reader *r)
{
	uint64_t	v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | byte(r);
	return (int64_t) v;
}

/* Small widths and origins mostly, any 64-bit value sometimes. */
static int64_t
number(reader *r)
{
	uint8_t		b = byte(r);

	return b & 0x80 ? int64_of(r) : (int64_t) (b & 0x3f) - 8;
}

typedef struct fuzz_spec
{
	kf_group_key keys[4];
	kf_agg_item aggs[4];
	kf_having_item having[2];
	kf_order_item order[3];
	kf_pred		where;
	kf_agg_spec spec;
} fuzz_spec;

static kf_output_ref
output_ref(reader *r)
{
	uint8_t		b = byte(r);

	return (kf_output_ref) {(b & 1) != 0, (uint32_t) (b >> 1) % 6};
}

static void
read_spec(reader *r, fuzz_spec *f)
{
	kf_agg_spec *s = &f->spec;

	memset(f, 0, sizeof(*f));
	s->data_dir = data_dir;
	s->nkeys = byte(r) % 5;
	for (uint32_t i = 0; i < s->nkeys; i++)
	{
		f->keys[i].kind = (kf_key_kind) (byte(r) % 4);
		f->keys[i].col = (kf_ecol) (byte(r) % (KF_E_NUM_COLUMNS + 1));
		f->keys[i].width = number(r);
		f->keys[i].origin = number(r);
		f->keys[i].prefix_len = byte(r) % 140;
	}
	s->naggs = byte(r) % 5;
	for (uint32_t i = 0; i < s->naggs; i++)
	{
		/* one past the last function, to reach the "unknown function" error too */
		f->aggs[i].func = (kf_agg_func) (byte(r) % (KF_AGG_PERCENTILE_RATE + 2));
		f->aggs[i].col = (kf_ecol) (byte(r) % (KF_E_NUM_COLUMNS + 1));
		f->aggs[i].hll_precision = byte(r) % 17;
		f->aggs[i].rank = (double) (byte(r) % 120) - 5.0 + (double) byte(r) / 256.0;
		f->aggs[i].slice_col = (kf_ecol) (byte(r) % (KF_E_NUM_COLUMNS + 1));
		f->aggs[i].slice_seconds = byte(r) % 4 == 0 ? number(r) : 60 * (int64_t) (byte(r) % 8);
	}
	s->nhaving = byte(r) % 3;
	for (uint32_t i = 0; i < s->nhaving; i++)
		f->having[i] = (kf_having_item) {output_ref(r), (kf_cmp_op) (byte(r) % 7), number(r)};
	s->norder = byte(r) % 4;
	for (uint32_t i = 0; i < s->norder; i++)
	{
		uint8_t		b = byte(r);

		f->order[i] = (kf_order_item) {output_ref(r), (b & 1) != 0, (b & 2) != 0};
	}
	uint8_t		flags = byte(r);

	s->has_limit = flags & 1;
	s->limit = (uint64_t) number(r);
	s->offset = flags & 2 ? (uint64_t) number(r) : 0;
	s->memory_limit = flags & 4 ? (size_t) byte(r) << 12 : 0;
	s->device_id = (flags >> 3) % 3;
	if (flags & 0x20)
	{
		f->where = (kf_pred) {.type = KF_P_INT_CMP, .col = KF_E_PROTOCOL, .op = KF_OP_EQ};
		f->where.value.i = byte(r) % 2 ? 6 : 17;
		s->where = &f->where;
	}
	s->keys = f->keys;
	s->aggs = f->aggs;
	s->having = f->having;
	s->order = f->order;
}

/* ------------------------------------------------------------------ running */

/* Runs the spec; returns the number of result rows, or -1 when it was rejected or failed. */
static int64_t
run(const kf_agg_spec *spec)
{
	kf_error	err;
	kf_agg	   *agg = kf_agg_begin(spec, &err);

	if (agg == NULL)
		return -1;
	int			rc;

	while ((rc = kf_agg_wait(agg, 100, &err)) == 0)
		;
	int64_t		rows = rc == 1 ? 0 : -1;
	kf_agg_batch batch;
	volatile uint64_t sink = 0;

	while (rc == 1 && kf_agg_next(agg, &batch) == 1)
	{
		rows += batch.nrows;
		for (uint32_t c = 0; c < batch.ncols; c++)
			for (uint32_t i = 0; i < batch.nrows; i++)
			{
				const kf_agg_column *col = &batch.cols[c];

				sink += col->nulls ? col->nulls[i] : 0;
				sink += col->ints ? (uint64_t) col->ints[i] : 0;
				sink += col->sums ? (uint64_t) col->sums[i] : 0;
				sink += col->addrs ? col->addrs[i].lo : 0;
				sink += col->strs ? (uint64_t) strlen(col->strs[i]) + col->lens[i] : 0;
			}
	}
	kf_agg_end(agg);
	return rows;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	fuzz_spec	f;
	reader		r = {data, size};
	char		text[256];

	if (!ready)
	{
		make_data_dir();
		ready = true;
	}
	read_spec(&r, &f);
	kf_agg_format(&f.spec, text, sizeof(text));
	f.spec.threads = 1;
	int64_t		one = run(&f.spec);

	f.spec.threads = 2;
	int64_t		two = run(&f.spec);

	/* a memory limit may be hit on one thread count and not the other */
	if (one >= 0 && two >= 0 && one != two)
	{
		fprintf(stderr, "1 thread gave %lld rows, 2 threads %lld: %s\n", (long long) one, (long long) two, text);
		abort();
	}
	return 0;
}
