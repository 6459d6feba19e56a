/*
 * scan_executor.c -- kf_scan_begin / next / end: lists the parts the device and time range can
 * touch, opens them one at a time, and per block: tests the zone maps, evaluates the predicate
 * over the lazily decoded columns into a mask, and gathers the selected rows of the projected
 * columns into the scan's batch buffers (decoding only those rows when they are few).  One batch
 * per block; all buffers are allocated once.
 */
#include "engine/engine.h"

#include <stdlib.h>
#include <string.h>

#include "engine/block_columns.h"
#include "engine/device_names.h"
#include "engine/predicate_eval.h"
#include "engine/time_range.h"
#include "engine/zone_map.h"

/*
 * When at most 1/LATE_MATERIALISE_DIVISOR of a block's rows pass the filter, the projected columns
 * are decoded at those rows only (kf_part_restrict_rows).  Random access costs more per value than
 * a sequential unpack; measured on 65536 values of 8, 16 and 32 bits, it breaks even near 1/2 of
 * the rows and takes about a quarter of the time of a full unpack at 1/8.
 */
#define LATE_MATERIALISE_DIVISOR 8

/* Output buffers of one projected column. */
typedef struct output_column
{
	kf_ecol		col;
	int64_t    *ints;
	kf_addr    *addrs;
	uint8_t    *nulls;
	uint32_t   *codes;
} output_column;

struct kf_scan
{
	cpred	   *where;
	pred_evaluator evaluator;
	kf_part_list parts;
	size_t		next_part;
	device_names devices;

	kf_part_reader *reader;		/* the open part, or NULL */
	uint32_t	next_block;
	uint32_t	nblocks;
	bool		part_had_candidate; /* some block of the open part passed the zone maps */
	part_constants part;

	block_columns columns;
	uint8_t    *mask;
	uint32_t   *selection;

	uint32_t	ncols;
	output_column *outputs;
	kf_batch_column *batch_cols;

	bool		names_needed;	/* i_device_name is projected or filtered on */
	kf_scan_stats stats;
	bool		failed;
	kf_error	failure;		/* repeated by every kf_scan_next after an error */
};

/* ------------------------------------------------------------------ begin */

static int
validate_spec(const kf_scan_spec *spec, kf_error *err)
{
	if (spec == NULL || spec->data_dir == NULL)
		return kf_error_set(err, "scan spec has no data directory");
	if (spec->ncols > 0 && spec->cols == NULL)
		return kf_error_set(err, "scan spec projects %u columns but gives no column array", spec->ncols);
	for (uint32_t j = 0; j < spec->ncols; j++)
		if (kf_ecol_describe(spec->cols[j]) == NULL)
			return kf_error_set(err, "scan spec projects unknown column number %d", (int) spec->cols[j]);
	return 0;
}

static bool
uses_device_names(const kf_scan_spec *spec, const cpred *where)
{
	bool		used[KF_E_NUM_COLUMNS] = {false};

	pred_columns_used(where, used);
	for (uint32_t j = 0; j < spec->ncols; j++)
		used[spec->cols[j]] = true;
	return used[KF_E_DEVICE_NAME];
}

static void *
alloc_block_array(size_t elem_size, bool *ok)
{
	void	   *p = malloc(elem_size * KF_BLOCK_MAX_ROWS);

	*ok = *ok && p != NULL;
	return p;
}

static int
alloc_outputs(kf_scan *scan, const kf_scan_spec *spec, kf_error *err)
{
	bool		ok = true;

	scan->ncols = spec->ncols;
	scan->outputs = calloc(spec->ncols + 1, sizeof(output_column));
	scan->batch_cols = calloc(spec->ncols + 1, sizeof(kf_batch_column));
	scan->mask = alloc_block_array(1, &ok);
	scan->selection = alloc_block_array(sizeof(uint32_t), &ok);
	ok = ok && scan->outputs && scan->batch_cols;
	for (uint32_t j = 0; ok && j < spec->ncols; j++)
	{
		output_column *o = &scan->outputs[j];
		const kf_ecol_desc *desc = kf_ecol_describe(spec->cols[j]);

		o->col = spec->cols[j];
		if (desc->kind == KF_V_INT)
			o->ints = alloc_block_array(sizeof(int64_t), &ok);
		else if (desc->kind == KF_V_STR)
			o->codes = alloc_block_array(sizeof(uint32_t), &ok);
		else
		{
			o->addrs = alloc_block_array(sizeof(kf_addr), &ok);
			if (desc->nullable)
				o->nulls = alloc_block_array(1, &ok);
		}
	}
	return ok ? 0 : kf_error_set(err, "out of memory for scan buffers");
}

static int
list_parts(kf_scan *scan, const kf_scan_spec *spec, kf_error *err)
{
	int64_t		min_ts = INT64_MIN,
				max_ts = INT64_MAX;

	time_range_of(scan->where, &min_ts, &max_ts);
	if (min_ts > max_ts)
		return 0;				/* no row can match: list nothing */
	if (kf_parts_list_series(spec->data_dir, spec->dataseries, spec->device_id, min_ts, max_ts, &scan->parts, err) != 0)
		return -1;
	scan->stats.parts_listed = scan->parts.count;
	return 0;
}

kf_scan *
kf_scan_begin(const kf_scan_spec *spec, kf_error *err)
{
	if (validate_spec(spec, err) != 0)
		return NULL;
	kf_scan    *scan = calloc(1, sizeof(kf_scan));

	if (scan == NULL)
	{
		kf_error_set(err, "out of memory for a scan");
		return NULL;
	}
	if ((scan->where = pred_compile(spec->where, err)) == NULL ||
		pred_evaluator_init(&scan->evaluator, scan->where, err) != 0 ||
		alloc_outputs(scan, spec, err) != 0 ||
		list_parts(scan, spec, err) != 0 ||
		((scan->names_needed = uses_device_names(spec, scan->where)) &&
		 device_names_build(&scan->devices, spec->data_dir, &scan->parts, err) != 0))
	{
		kf_scan_end(scan);
		return NULL;
	}
	scan->columns.device_dict = &scan->devices.dict;
	block_columns_set_query(&scan->columns, spec->dataseries, spec->duration_seconds);
	return scan;
}

/* ------------------------------------------------------------------ parts */

static int
open_next_part(kf_scan *scan, kf_error *err)
{
	const kf_part_info *info = &scan->parts.parts[scan->next_part++];

	if ((scan->reader = kf_part_open(info->path, err)) == NULL)
		return -1;
	uint32_t	device_id = kf_part_device_id(scan->reader);

	if (device_id != info->device_id)
		return kf_error_set(err, "%s: part holds device %u but is filed under device %u", info->path,
							device_id, info->device_id);
	scan->nblocks = kf_part_num_blocks(scan->reader);
	scan->next_block = 0;
	scan->part_had_candidate = false;
	scan->part.device_id = device_id;
	scan->part.device_name = "";
	scan->columns.device_code = 0;
	if (scan->names_needed)
	{
		int64_t		code = device_names_code(&scan->devices, device_id);

		if (code < 0)
			return kf_error_set(err, "%s: device %u was not in the scan's part list", info->path, device_id);
		scan->columns.device_code = (uint32_t) code;
		scan->part.device_name = scan->devices.names[code];
	}
	return 0;
}

static void
close_part(kf_scan *scan)
{
	if (scan->reader == NULL)
		return;
	if (scan->nblocks > 0 && !scan->part_had_candidate)
		scan->stats.parts_skipped++;
	kf_part_close(scan->reader);
	scan->reader = NULL;
}

/* ------------------------------------------------------------------ blocks */

/* Indices of the rows the mask selects; branch-free. */
static void
build_selection(const uint8_t *mask, uint32_t nrows, uint32_t *selection)
{
	uint32_t	k = 0;

	for (uint32_t i = 0; i < nrows; i++)
	{
		selection[k] = i;
		k += mask[i];
	}
}

/* Points out_col at the selected values: the decoded block itself when every row is selected. */
static int
project_ints(kf_scan *scan, output_column *o, kf_batch_column *out_col, bool all_rows, uint32_t count,
			 kf_error *err)
{
	const int64_t *src = block_ints(&scan->columns, o->col, err);

	if (src == NULL)
		return -1;
	for (uint32_t k = 0; !all_rows && k < count; k++)
		o->ints[k] = src[scan->selection[k]];
	out_col->ints = all_rows ? src : o->ints;
	return 0;
}

static int
project_codes(kf_scan *scan, output_column *o, kf_batch_column *out_col, bool all_rows, uint32_t count,
			  kf_error *err)
{
	const uint32_t *src = block_codes(&scan->columns, o->col, &out_col->dict, err);

	if (src == NULL)
		return -1;
	for (uint32_t k = 0; !all_rows && k < count; k++)
		o->codes[k] = src[scan->selection[k]];
	out_col->codes = all_rows ? src : o->codes;
	return 0;
}

/* Addresses, plus the NULL flags of the ipv4_* views (NULL unless IPv4). */
static int
project_addrs(kf_scan *scan, output_column *o, kf_batch_column *out_col, bool all_rows, uint32_t count,
			  kf_error *err)
{
	const kf_addr *src = block_addrs(&scan->columns, o->col, err);

	if (src == NULL)
		return -1;
	for (uint32_t k = 0; !all_rows && k < count; k++)
		o->addrs[k] = src[scan->selection[k]];
	out_col->addrs = all_rows ? src : o->addrs;
	for (uint32_t k = 0; o->nulls && k < count; k++)
		o->nulls[k] = !kf_addr_is_v4(out_col->addrs[k]);
	out_col->nulls = o->nulls;
	return 0;
}

static int
project_column(kf_scan *scan, uint32_t j, bool all_rows, uint32_t count, kf_error *err)
{
	output_column *o = &scan->outputs[j];
	kf_batch_column *out_col = &scan->batch_cols[j];

	if (o->ints)
		return project_ints(scan, o, out_col, all_rows, count, err);
	if (o->codes)
		return project_codes(scan, o, out_col, all_rows, count, err);
	return project_addrs(scan, o, out_col, all_rows, count, err);
}

/* Selects the rows of the current block that satisfy the predicate; returns how many, or -1. */
static int64_t
filter_block(kf_scan *scan, uint32_t nrows, kf_error *err)
{
	if (scan->where->type == KF_P_TRUE)
	{
		scan->stats.rows_scanned += nrows;
		return nrows;
	}
	int64_t		count = pred_evaluate(&scan->evaluator, &scan->columns, scan->mask, err);

	if (count < 0)
		return -1;
	if (scan->evaluator.ruled_out_by_dict)
		scan->stats.blocks_skipped++;
	else
		scan->stats.rows_scanned += nrows;
	return count;
}

static int
scan_block(kf_scan *scan, kf_batch *out, kf_error *err)
{
	uint32_t	block = scan->next_block++;
	uint32_t	nrows = kf_part_block_rows(scan->reader, block);

	if (nrows > KF_BLOCK_MAX_ROWS)
		return kf_error_set(err, "%s: block %u claims %u rows (at most %u)", kf_part_path(scan->reader), block,
							nrows, KF_BLOCK_MAX_ROWS);
	scan->stats.blocks_total++;
	if (!zone_map_may_match(scan->where, scan->reader, block, &scan->part))
	{
		scan->stats.blocks_skipped++;
		return 0;
	}
	scan->part_had_candidate = true;
	zone_map_mark_proven(scan->where, scan->reader, block, &scan->part, scan->evaluator.proven);
	block_columns_start(&scan->columns, scan->reader, block, nrows, scan->part.device_id,
						scan->columns.device_code);
	int64_t		count = filter_block(scan, nrows, err);

	if (count <= 0)
		return (int) count;
	bool		all_rows = count == nrows;

	if (!all_rows && scan->ncols > 0)
	{
		build_selection(scan->mask, nrows, scan->selection);
		if ((uint64_t) count * LATE_MATERIALISE_DIVISOR <= nrows)
			kf_part_restrict_rows(scan->reader, block, scan->selection, (uint32_t) count);
	}
	for (uint32_t j = 0; j < scan->ncols; j++)
		if (project_column(scan, j, all_rows, (uint32_t) count, err) != 0)
			return -1;
	out->nrows = (uint32_t) count;
	scan->stats.rows_returned += (uint64_t) count;
	return 0;
}

/* ------------------------------------------------------------------ next / end */

/* Moves to the next block to scan, opening parts as needed; false at the end of the scan. */
static int
advance(kf_scan *scan, kf_error *err)
{
	while (scan->reader == NULL || scan->next_block >= scan->nblocks)
	{
		close_part(scan);
		if (scan->next_part >= scan->parts.count)
			return 0;
		if (open_next_part(scan, err) != 0)
			return -1;
	}
	return 1;
}

int
kf_scan_next(kf_scan *scan, kf_batch *out, kf_error *err)
{
	if (scan->failed)
	{
		*err = scan->failure;
		return -1;
	}
	int			rc = advance(scan, err);

	/* an empty batch must not hand out pointers into a block (or part) already left behind */
	memset(scan->batch_cols, 0, sizeof(kf_batch_column) * scan->ncols);
	out->nrows = 0;
	out->ncols = scan->ncols;
	out->cols = scan->batch_cols;
	if (rc == 1 && scan_block(scan, out, err) != 0)
		rc = -1;
	if (rc == -1)
	{
		out->nrows = 0;
		scan->failed = true;
		scan->failure = *err;
	}
	return rc;
}

const kf_scan_stats *
kf_scan_get_stats(const kf_scan *scan)
{
	return &scan->stats;
}

void
kf_scan_end(kf_scan *scan)
{
	if (scan == NULL)
		return;
	close_part(scan);
	pred_free(scan->where);
	pred_evaluator_free(&scan->evaluator);
	kf_part_list_free(&scan->parts);
	device_names_free(&scan->devices);
	block_columns_free(&scan->columns);
	for (uint32_t j = 0; scan->outputs && j < scan->ncols; j++)
	{
		free(scan->outputs[j].ints);
		free(scan->outputs[j].addrs);
		free(scan->outputs[j].nulls);
		free(scan->outputs[j].codes);
	}
	free(scan->outputs);
	free(scan->batch_cols);
	free(scan->mask);
	free(scan->selection);
	free(scan);
}
