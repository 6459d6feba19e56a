/*-------------------------------------------------------------------------
 *
 * estimates.c
 *		  Row count and cost estimates for a kentik_fdw scan.
 *
 * The store keeps no statistics, so the row count comes from the size of the part files the
 * scan may read divided by a typical compressed row size (KF_EST_BYTES_PER_ROW; flows compress
 * to a few bytes per column), times the selectivity PostgreSQL computes for all conditions.  The
 * parts counted are those of the dataseries the scan reads (dataseries_choice.c) in the hours its
 * time conditions admit, so `ctimestamp > 60` is not costed like the whole store (which also kept
 * PostgreSQL from JIT-compiling small queries over large stores).
 * Listing the parts only reads directories and stats files; it never opens a part, and the sizes
 * are cached per backend and directory (see StoreSizeCache), so a planning normally only stats the
 * store's directories.
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

#include <dirent.h>
#include <math.h>
#include <sys/stat.h>
#include <time.h>

#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "store/part_coverage.h"
#include "utils/memutils.h"

#define KF_EST_BYTES_PER_ROW 16.0
#define KF_DEFAULT_STORED_ROWS 1000.0

/*
 * Directory timestamps are coarse on some file systems (one clock tick), so a directory changed
 * again within the same tick as the listing could keep its mtime.  A directory modified less than
 * this long before it was listed is "racy": its listing is not trusted on the next planning.
 */
#define KF_RACY_DIR_NS (INT64CONST(2) * 1000 * 1000 * 1000)

/*
 * Per-backend cache of the stored bytes, so that planning does not list and stat every part of
 * the store for every foreign relation of every query.  Each directory the total depends on is
 * remembered with what changes whenever an entry is added, removed or renamed in it (publishing
 * a part, writing a manifest, compaction's deletions, retention, a new hour or device): inode,
 * mtime and ctime in nanoseconds.  Only hour directories whose stamp changed are listed again;
 * a changed data or device directory rebuilds the whole entry.  The result is exactly what a fresh
 * listing gives; a stale estimate would only cost plan quality, never a wrong answer, because the
 * scan always lists the store itself.
 */
typedef struct DirStamp
{
	bool		valid;			/* false: racy or unreadable, list again next time */
	ino_t		ino;
	struct timespec mtime;
	struct timespec ctime;
} DirStamp;

typedef struct HourDirSize
{
	int64		hour;			/* epoch seconds of its start: it holds [hour, last_ts] */
	int64		last_ts;		/* hour + 3599 (Full), or the last second of a Fast day */
	char	   *path;
	DirStamp	stamp;
	double		bytes;			/* sizes of the directory's visible parts */
} HourDirSize;

typedef struct DeviceDirSize
{
	uint32		device_id;
	char	   *path;
	DirStamp	stamp;
	int			nhours;
	HourDirSize *hours;
} DeviceDirSize;

typedef struct StoreSizeCache
{
	char	   *data_dir;
	kf_dataseries series;
	MemoryContext context;		/* holds everything below */
	DirStamp	stamp;			/* of DIR/data or DIR/fast */
	int			ndevices;
	DeviceDirSize *devices;
	struct StoreSizeCache *next;
} StoreSizeCache;

static StoreSizeCache *size_caches = NULL;

static int64
timespec_ns(struct timespec t)
{
	return (int64) t.tv_sec * 1000000000 + t.tv_nsec;
}

/* Remembers the directory's identity and timestamps; invalid when racy or unreadable. */
static void
take_stamp(const char *path, DirStamp *stamp)
{
	struct stat st;
	struct timespec now;

	stamp->valid = stat(path, &st) == 0 && clock_gettime(CLOCK_REALTIME, &now) == 0;
	if (!stamp->valid)
		return;
	stamp->ino = st.st_ino;
	stamp->mtime = st.st_mtim;
	stamp->ctime = st.st_ctim;
	stamp->valid = timespec_ns(now) - Max(timespec_ns(st.st_mtim), timespec_ns(st.st_ctim)) >= KF_RACY_DIR_NS;
}

/* Is the directory unchanged since stamp was taken? */
static bool
stamp_holds(const char *path, const DirStamp *stamp)
{
	struct stat st;

	return stamp->valid && stat(path, &st) == 0 && st.st_ino == stamp->ino &&
		st.st_mtim.tv_sec == stamp->mtime.tv_sec && st.st_mtim.tv_nsec == stamp->mtime.tv_nsec &&
		st.st_ctim.tv_sec == stamp->ctime.tv_sec && st.st_ctim.tv_nsec == stamp->ctime.tv_nsec;
}

/* Sizes the visible parts of one hour directory, stamping it first so a later change is seen. */
static bool
measure_hour_dir(HourDirSize *hour)
{
	kf_hour_state state;
	kf_error	err;

	take_stamp(hour->path, &hour->stamp);
	if (kf_hour_state_read(hour->path, false, &state, &err) != 0)
		return false;
	hour->bytes = 0;
	for (size_t i = 0; i < state.count; i++)
	{
		struct stat st;
		char	   *path;

		if (state.parts[i].hidden)
			continue;
		path = psprintf("%s/%s", hour->path, state.parts[i].name);
		if (stat(path, &st) == 0)
			hour->bytes += (double) st.st_size;
		pfree(path);
	}
	kf_hour_state_free(&state);
	return true;
}

/* Names of the entries of a directory (an empty list when it cannot be read, as the listing does). */
static List *
read_names(const char *path)
{
	List	   *names = NIL;
	DIR		   *dir = opendir(path);
	struct dirent *de;

	if (dir == NULL)
		return NIL;
	while ((de = readdir(dir)) != NULL)
		names = lappend(names, pstrdup(de->d_name));
	closedir(dir);
	return names;
}

/* Lists the time directories of one device directory (the names kf_parts_list reads) and sizes them. */
static bool
build_device(DeviceDirSize *dev, kf_dataseries series)
{
	List	   *names;
	ListCell   *lc;

	take_stamp(dev->path, &dev->stamp);
	names = read_names(dev->path);
	dev->hours = palloc0(sizeof(HourDirSize) * Max(list_length(names), 1));
	dev->nhours = 0;
	foreach(lc, names)
	{
		const char *name = lfirst(lc);
		uint64_t	hour;
		HourDirSize *h;

		if (!kf_parse_decimal(name, strlen(name), &hour) || !kf_dataseries_dir_start_valid(series, hour))
			continue;
		h = &dev->hours[dev->nhours++];
		h->hour = (int64) hour;
		h->last_ts = h->hour + kf_dataseries_dir_seconds(series) - 1;
		h->path = psprintf("%s/%s", dev->path, name);
		if (!measure_hour_dir(h))
			return false;
	}
	return true;
}

/* (Re)builds the cache entry from scratch: device directories, hour directories, part sizes. */
static bool
build_store(StoreSizeCache *cache)
{
	char	   *data_path = psprintf("%s/%s", cache->data_dir, kf_dataseries_dir_name(cache->series));
	List	   *names;
	ListCell   *lc;

	take_stamp(data_path, &cache->stamp);
	names = read_names(data_path);
	cache->devices = palloc0(sizeof(DeviceDirSize) * Max(list_length(names), 1));
	cache->ndevices = 0;
	foreach(lc, names)
	{
		const char *name = lfirst(lc);
		uint64_t	id;
		DeviceDirSize *dev;

		if (strncmp(name, "dev-", 4) != 0 || !kf_parse_decimal(name + 4, strlen(name + 4), &id) ||
			id == 0 || id > PG_UINT32_MAX)
			continue;
		dev = &cache->devices[cache->ndevices++];
		dev->device_id = (uint32) id;
		dev->path = psprintf("%s/%s", data_path, name);
		if (!build_device(dev, cache->series))
			return false;
	}
	return true;
}

/* Is the set of device and hour directories what the entry was built from? */
static bool
structure_holds(StoreSizeCache *cache)
{
	char	   *data_path = psprintf("%s/%s", cache->data_dir, kf_dataseries_dir_name(cache->series));
	bool		holds = stamp_holds(data_path, &cache->stamp);

	pfree(data_path);
	for (int d = 0; holds && d < cache->ndevices; d++)
		holds = stamp_holds(cache->devices[d].path, &cache->devices[d].stamp);
	return holds;
}

static StoreSizeCache *
size_cache_for(const char *data_dir, kf_dataseries series)
{
	StoreSizeCache *cache;

	for (cache = size_caches; cache != NULL; cache = cache->next)
		if (strcmp(cache->data_dir, data_dir) == 0 && cache->series == series)
			return cache;
	cache = MemoryContextAllocZero(TopMemoryContext, sizeof(StoreSizeCache));
	cache->data_dir = MemoryContextStrdup(TopMemoryContext, data_dir);
	cache->series = series;
	cache->context = AllocSetContextCreate(TopMemoryContext, "kentik_fdw stored size cache",
										   ALLOCSET_SMALL_SIZES);
	cache->next = size_caches;
	size_caches = cache;
	return cache;
}

/*
 * kf_stored_bytes sums the sizes of the visible parts of the table (one device or all) in a
 * dataseries whose time directories overlap [first, last]; -1 if they cannot be listed.
 */
double
kf_stored_bytes(const KfTableOptions *opts, kf_dataseries series, int64 first, int64 last)
{
	StoreSizeCache *cache = size_cache_for(opts->data_dir, series);
	MemoryContext old = MemoryContextSwitchTo(cache->context);
	bool		ok = true;
	double		total = 0;

	if (cache->devices == NULL || !structure_holds(cache))
	{
		MemoryContextReset(cache->context);
		cache->devices = NULL;
		ok = build_store(cache);
	}
	for (int d = 0; ok && d < cache->ndevices; d++)
	{
		DeviceDirSize *dev = &cache->devices[d];

		if (opts->device_id != 0 && dev->device_id != opts->device_id)
			continue;
		for (int h = 0; ok && h < dev->nhours; h++)
		{
			HourDirSize *hour = &dev->hours[h];

			if (hour->hour > last || hour->last_ts < first)
				continue;

			if (!stamp_holds(hour->path, &hour->stamp))
				ok = measure_hour_dir(hour);
			total += hour->bytes;
		}
	}
	if (!ok)
	{
		/* e.g. a corrupt manifest: forget everything and let the scan report it */
		MemoryContextReset(cache->context);
		cache->devices = NULL;
	}
	MemoryContextSwitchTo(old);
	return ok ? total : -1;
}

/*
 * kf_estimate_rel_size sets baserel->tuples and baserel->rows; conditions are the restriction
 * clauses as kf_pred_for_planning translated them (their time window limits the parts counted).
 * A data directory that cannot be listed gets a default size here; the scan itself reports the
 * error.
 */
void
kf_estimate_rel_size(PlannerInfo *root, RelOptInfo *baserel, KfRelInfo *info, const kf_pred *conditions)
{
	int64		first,
				last;
	double		bytes;
	Selectivity sel;

	kf_time_window(conditions, &first, &last);
	bytes = kf_stored_bytes(&info->options, info->dataseries, first, last);

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
