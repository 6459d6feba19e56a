/*
 * aggregate.h -- grouped aggregation, ordering and top-N inside the engine, on several threads.
 *
 * The FDW pushes "SELECT keys, aggregates ... WHERE ... GROUP BY keys [HAVING ...] [ORDER BY ...]
 * [LIMIT n OFFSET m]" down as one kf_agg_spec.  The engine scans the parts that the filter can
 * touch on KF_AGG_THREADS worker threads (each with its own hash table, parts handed out through an
 * atomic counter), merges the tables, applies HAVING, orders, cuts to LIMIT/OFFSET with a top-N heap,
 * and hands back only result rows.  No grouping query ever moves a flow row to PostgreSQL.
 *
 * Threads touch only engine memory; they never call back into the caller.  The caller's own thread
 * starts the work with kf_agg_begin, waits with kf_agg_wait (which returns at least every
 * timeout_ms so a PostgreSQL backend can CHECK_FOR_INTERRUPTS), and may kf_agg_end at any time:
 * that cancels and joins the workers.  Errors found on a worker thread (corrupt part, group table
 * over its memory limit) are reported by kf_agg_wait on the caller's thread.
 *
 * Semantics are PostgreSQL's, so the FDW can return the engine's answer as is:
 *   - NULL keys (the ipv4_* columns of IPv6 flows) form one group.
 *   - COUNT_STAR counts rows, COUNT counts non-NULL values, COUNT_DISTINCT counts distinct non-NULL
 *     values; a group always has a count (0 only for a grand total over no rows).
 *   - SUM over INT returns a 128-bit sum (the FDW turns it into int8 or numeric as PostgreSQL would);
 *     SUM, MIN and MAX of no non-NULL values are NULL.
 *   - MIN/MAX of ADDR use inet order (IPv4 before IPv6, then address); of STR, byte order (the FDW
 *     only pushes them under the C collation).
 *   - With no keys the result is exactly one row, even over no input rows (a grand total).
 *   - Ordering: per item ascending or descending, NULLs first or last, exactly as requested; ties
 *     beyond the ordering items are broken arbitrarily (as PostgreSQL may).
 */
#ifndef KF_ENGINE_AGGREGATE_H
#define KF_ENGINE_AGGREGATE_H

#include "engine/engine.h"

#define KF_AGG_THREADS 2

/* How a group key is computed from its column. */
typedef enum kf_key_kind
{
	KF_KEY_COLUMN,				/* the column's value (any kind) */
	KF_KEY_INT_TRUNC_BUCKET,	/* INT: (v / width) * width with C (= PostgreSQL int8) truncating division,
								 * e.g. ctimestamp / 60 * 60 */
	KF_KEY_INT_FLOOR_BUCKET,	/* INT: origin + floor((v - origin) / width) * width, e.g. date_bin on
								 * i_start_time (epoch seconds; the FDW converts units) */
	KF_KEY_ADDR_PREFIX			/* ADDR: the first prefix_len bits of the 128-bit kf_addr (IPv4 /n is 96+n),
								 * the rest zeroed, e.g. network(set_masklen(ipv4_src_addr, 24)) */
} kf_key_kind;

typedef struct kf_group_key
{
	kf_key_kind kind;
	kf_ecol		col;
	int64_t		width;			/* buckets: > 0 */
	int64_t		origin;			/* FLOOR_BUCKET */
	uint8_t		prefix_len;		/* ADDR_PREFIX: 0..128 */
} kf_group_key;

typedef enum kf_agg_func
{
	KF_AGG_COUNT_STAR,			/* col ignored */
	KF_AGG_COUNT,
	KF_AGG_COUNT_DISTINCT,
	KF_AGG_SUM,					/* INT columns only */
	KF_AGG_MIN,
	KF_AGG_MAX,
	KF_AGG_HLL,					/* HyperLogLog estimate of the distinct non-NULL values (INT, ADDR or STR
								 * column) at hll_precision (engine/hll.h); INT result; 0 over no
								 * values.  Bit-identical to the SQL aggregate f_hll over the same
								 * values, whatever the order or the threads. */
	KF_AGG_PERCENTILE,			/* INT column: the nearest-rank percentile `rank` of the non-NULL values
								 * (engine/percentile.h); INT result, NULL over no values */
	KF_AGG_PERCENTILE_RATE		/* INT column summed per slice (slice_col, an INT epoch-seconds column,
								 * floored to slice_seconds); the nearest-rank percentile `rank` of those
								 * per-slice sums, slices from the first to the last one seen, missing
								 * slices counting as 0 (engine/percentile.h); result in sums (the slice
								 * sum itself: the caller divides by slice_seconds for a rate), NULL
								 * over no rows */
} kf_agg_func;

typedef struct kf_agg_item
{
	kf_agg_func func;
	kf_ecol		col;
	uint8_t		hll_precision;	/* HLL: KF_HLL_MIN_PRECISION..KF_HLL_MAX_PRECISION */
	double		rank;			/* PERCENTILE*: 0 < rank <= 100 */
	kf_ecol		slice_col;		/* PERCENTILE_RATE */
	int64_t		slice_seconds;	/* PERCENTILE_RATE: > 0 */
} kf_agg_item;

/* An output column: key i (is_agg false) or aggregate i (is_agg true). */
typedef struct kf_output_ref
{
	bool		is_agg;
	uint32_t	index;
} kf_output_ref;

typedef struct kf_order_item
{
	kf_output_ref ref;
	bool		descending;
	bool		nulls_first;
} kf_order_item;

/*
 * A pushed HAVING conjunct: output op constant, compared as integers (COUNT*, SUM, MIN/MAX of INT, INT
 * keys).  A NULL output never passes.  The conjuncts are ANDed.
 */
typedef struct kf_having_item
{
	kf_output_ref ref;
	kf_cmp_op	op;
	__int128	value;
} kf_having_item;

typedef struct kf_agg_spec
{
	const char *data_dir;
	kf_dataseries dataseries;	/* which tree of parts to read (FULL = 0, the default) */
	int64_t		duration_seconds;	/* the value of the i_duration column (the FDW computes it per query) */
	uint32_t	device_id;		/* 0 = all devices */
	const kf_pred *where;		/* NULL = every row */

	uint32_t	nkeys;
	const kf_group_key *keys;
	uint32_t	naggs;
	const kf_agg_item *aggs;

	uint32_t	nhaving;
	const kf_having_item *having;

	uint32_t	norder;			/* 0 = any order */
	const kf_order_item *order;
	bool		has_limit;
	uint64_t	limit;			/* rows after offset; with norder = 0 any such rows */
	uint64_t	offset;

	size_t		memory_limit;	/* bytes for group tables and distinct sets; exceeded = an error */
	uint32_t	threads;		/* 0 = KF_AGG_THREADS */
} kf_agg_spec;

/*
 * One output column of a result batch.  Keys have the key's kind (ADDR_PREFIX keys are ADDR);
 * COUNT*, HLL and PERCENTILE are INT; SUM and PERCENTILE_RATE are in sums; MIN/MAX have the
 * column's kind.  STR values are strs/lens (valid
 * until kf_agg_end).  nulls is NULL when the column cannot be NULL.
 */
typedef struct kf_agg_column
{
	kf_value_kind kind;
	const int64_t *ints;
	const __int128 *sums;
	const kf_addr *addrs;
	const char *const *strs;
	const uint32_t *lens;
	const uint8_t *nulls;
} kf_agg_column;

/* Result rows, keys first (spec order) then aggregates (spec order). */
typedef struct kf_agg_batch
{
	uint32_t	nrows;
	uint32_t	ncols;
	const kf_agg_column *cols;
} kf_agg_batch;

/* Counters for EXPLAIN ANALYZE. */
typedef struct kf_agg_stats
{
	kf_scan_stats scan;			/* summed over threads */
	uint64_t	groups;			/* before HAVING / LIMIT */
	uint64_t	rows_out;
	uint32_t	threads_used;
	size_t		peak_memory;
} kf_agg_stats;

typedef struct kf_agg kf_agg;

/* Validates the spec and starts the workers. */
kf_agg	   *kf_agg_begin(const kf_agg_spec *spec, kf_error *err);

/* Waits up to timeout_ms: 1 = results ready, 0 = still working, -1 = failed (message in err). */
int			kf_agg_wait(kf_agg *agg, int timeout_ms, kf_error *err);

/* After kf_agg_wait returned 1: the next batch of result rows; 1 = batch, 0 = no more rows. */
int			kf_agg_next(kf_agg *agg, kf_agg_batch *out);

const kf_agg_stats *kf_agg_get_stats(const kf_agg *agg);

/* Writes a readable form of the native plan (keys, aggregates, having, order, limit) for EXPLAIN. */
size_t		kf_agg_format(const kf_agg_spec *spec, char *buf, size_t bufsize);

/* Cancels if still running, joins the workers and frees everything. */
void		kf_agg_end(kf_agg *agg);

#endif							/* KF_ENGINE_AGGREGATE_H */
