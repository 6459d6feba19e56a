/*-------------------------------------------------------------------------
 *
 * estimates.c
 *		  Row count and cost estimates for a kentik_fdw scan.
 *
 * The store keeps no statistics, so the row count comes from the size of the part files the
 * scan may read divided by a typical compressed row size (KF_EST_BYTES_PER_ROW; flows compress
 * to a few bytes per column), times the selectivity PostgreSQL computes for all conditions.
 * Listing the parts only reads directories and stats files; it never opens a part.
 *
 * Costs: reading the parts costs like a sequential scan of their pages; the engine filters rows
 * far more cheaply than PostgreSQL evaluates a qual (KF_ENGINE_ROW_COST_FACTOR of a tuple), and
 * only the rows the pushed filters keep pay for conversion to Datums and for local quals.  So a
 * plan with more pushed conditions is cheaper, as it is.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fdw/kentik_fdw.h"

#include <math.h>
#include <sys/stat.h>

#include "optimizer/cost.h"
#include "optimizer/optimizer.h"

#define KF_EST_BYTES_PER_ROW 16.0
#define KF_DEFAULT_STORED_ROWS 1000.0

/* stored_bytes sums the sizes of the parts of the table; -1 if they cannot be listed. */
static double
stored_bytes(const KfTableOptions *opts)
{
	kf_part_list parts;
	kf_error	err;
	double		total = 0;

	if (kf_parts_list(opts->data_dir, opts->device_id, PG_INT64_MIN, PG_INT64_MAX, &parts, &err) != 0)
		return -1;
	for (size_t i = 0; i < parts.count; i++)
	{
		struct stat st;
		char	   *path = parts.parts[i].path;

		if (!is_absolute_path(path))
			path = psprintf("%s/%s", opts->data_dir, path);
		if (stat(path, &st) == 0)
			total += (double) st.st_size;
	}
	kf_part_list_free(&parts);
	return total;
}

/*
 * kf_estimate_rel_size sets baserel->tuples and baserel->rows.  A data directory that cannot be
 * listed gets a default size here; the scan itself reports the error.
 */
void
kf_estimate_rel_size(PlannerInfo *root, RelOptInfo *baserel, KfRelInfo *info)
{
	double		bytes = stored_bytes(&info->options);
	Selectivity sel;

	if (bytes < 0)
	{
		info->stored_rows = KF_DEFAULT_STORED_ROWS;
		info->stored_pages = 10;
	}
	else
	{
		info->stored_rows = Max(bytes / KF_EST_BYTES_PER_ROW, 1.0);
		info->stored_pages = Max(ceil(bytes / BLCKSZ), 1.0);
	}
	baserel->tuples = info->stored_rows;
	sel = clauselist_selectivity(root, baserel->baserestrictinfo, baserel->relid, JOIN_INNER, NULL);
	baserel->rows = clamp_row_est(info->stored_rows * sel);
}

/* kf_estimate_costs fills info->startup_cost and info->total_cost (see the file header). */
void
kf_estimate_costs(PlannerInfo *root, RelOptInfo *baserel, KfRelInfo *info)
{
	double		engine_rows;
	QualCost	local_cost;
	Cost		run_cost;

	info->engine_rows = engine_rows = clamp_row_est(info->stored_rows *
								clauselist_selectivity(root, info->pushed_conds, baserel->relid,
													   JOIN_INNER, NULL));
	cost_qual_eval(&local_cost, info->local_conds, root);

	info->startup_cost = KF_SCAN_STARTUP_COST + local_cost.startup +
		baserel->reltarget->cost.startup;
	run_cost = seq_page_cost * info->stored_pages;
	run_cost += cpu_tuple_cost * KF_ENGINE_ROW_COST_FACTOR * info->stored_rows;
	run_cost += (cpu_tuple_cost + local_cost.per_tuple) * engine_rows;
	run_cost += baserel->reltarget->cost.per_tuple * baserel->rows;
	info->total_cost = info->startup_cost + run_cost;
}
