/*
 * part_compactor.c -- the merge policy of part_compactor.h: deletes expired merged-away parts,
 * levels open hours and merges closed hours into one part.
 *
 * Every decision is taken from what is on disk (names, manifests, ctimes), never from memory, so
 * a kflowd restarted after kill -9 simply carries on: a merge that was cut short left only inert
 * dot-files and orphan manifests, which the next pass removes.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "collector/collector_log.h"
#include "collector/hour_dirs.h"
#include "collector/part_compactor.h"
#include "store/durable_io.h"
#include "store/part_coverage.h"

#define HOUR_SECONDS 3600

static double
monotonic_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Unlinks hour_dir/name; a name already gone is fine. */
static int
remove_name(const char *hour_dir, const char *name, kf_error *err)
{
	char		path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%s", hour_dir, name) >= (int) sizeof(path))
		return kf_error_set(err, "%s/%s: path too long", hour_dir, name);
	if (unlink(path) != 0 && errno != ENOENT)
		return kf_error_set(err, "%s: cannot delete: %s", path, strerror(errno));
	return 0;
}

/* Removes what interrupted merges left: dot-files and manifests without their part.  Safe because
 * this compactor is the only one publishing merges in the data directory. */
static int
remove_leftovers(const char *hour_dir, const kf_hour_state *s, kf_error *err)
{
	for (size_t i = 0; i < s->stale_count; i++)
	{
		if (remove_name(hour_dir, s->stale_merges[i], err) != 0)
			return -1;
	}
	for (size_t i = 0; i < s->orphan_count; i++)
	{
		if (remove_name(hour_dir, s->orphan_manifests[i], err) != 0)
			return -1;
	}
	return 0;
}

/* Deletes one merged-away part; a merged part's manifest goes after its part, so the parts it
 * covered (already deleted, being of lower level) can never reappear. */
static int
delete_part(const char *hour_dir, const kf_hour_part *p, kf_error *err)
{
	if (remove_name(hour_dir, p->name, err) != 0)
		return -1;
	if (!p->merged)
		return 0;

	char		manifest[NAME_MAX + 1];
	size_t		stem = strlen(p->name) - strlen(KF_PART_SUFFIX);

	snprintf(manifest, sizeof(manifest), "%.*s%s", (int) stem, p->name, KF_MANIFEST_SUFFIX);
	return remove_name(hour_dir, manifest, err);
}

/* Deletes the parts hidden for at least the grace period, lowest level first. */
static int
delete_expired(const char *hour_dir, const kf_hour_state *s, int64_t now, int64_t grace_seconds,
			   uint64_t *parts_deleted, kf_error *err)
{
	uint32_t	max_level = 0;
	bool		deleted = false;

	bool		any = false;

	for (size_t i = 0; i < s->count; i++)
	{
		max_level = s->parts[i].level > max_level ? s->parts[i].level : max_level;
		any = any || (s->parts[i].hidden && now - s->parts[i].hidden_since >= grace_seconds);
	}
	/* The covering parts' renames must be durable before what they cover goes. */
	if (!any || kf_fsync_dir(hour_dir, err) != 0)
		return any ? -1 : 0;
	for (uint32_t level = 0; level <= max_level; level++)
	{
		for (size_t i = 0; i < s->count; i++)
		{
			const kf_hour_part *p = &s->parts[i];

			if (!p->hidden || p->level != level || now - p->hidden_since < grace_seconds)
				continue;
			if (delete_part(hour_dir, p, err) != 0)
				return -1;
			(*parts_deleted)++;
			deleted = true;
		}
	}
	return deleted ? kf_fsync_dir(hour_dir, err) : 0;
}

/* Rows of a part, from its header and footer. */
static int
part_rows(const char *hour_dir, const char *name, uint64_t *rows, kf_error *err)
{
	char		path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%s", hour_dir, name) >= (int) sizeof(path))
		return kf_error_set(err, "%s/%s: path too long", hour_dir, name);

	kf_part_reader *r = kf_part_open(path, err);

	if (r == NULL)
		return -1;
	*rows = kf_part_num_rows(r);
	kf_part_close(r);
	return 0;
}

/* A planned merge: names borrowed from the hour state. */
typedef struct merge_plan
{
	const char **names;
	size_t		count;
	uint32_t	level;
} merge_plan;

/*
 * Takes candidates (visible parts, in order) into the plan while they fit into max_rows, at most
 * limit of them.  Parts too large to join anything are skipped when nothing was taken yet.
 */
static int
take_group(const char *hour_dir, const kf_hour_part *const *candidates, size_t n, size_t limit,
		   const kf_compact_config *cfg, merge_plan *plan, kf_error *err)
{
	uint64_t	total = 0;

	plan->count = 0;
	plan->level = 0;
	for (size_t i = 0; i < n && plan->count < limit; i++)
	{
		uint64_t	rows;

		if (part_rows(hour_dir, candidates[i]->name, &rows, err) != 0)
			return -1;
		if (total + rows > cfg->max_rows)
		{
			if (plan->count >= 2)
				break;
			/* Start over from this part: what was taken cannot grow into a merge with it. */
			plan->count = 0;
			plan->level = 0;
			total = 0;
			if (rows > cfg->max_rows / 2)
				continue;
		}
		plan->names[plan->count++] = candidates[i]->name;
		total += rows;
		plan->level = candidates[i]->level + 1 > plan->level ? candidates[i]->level + 1 : plan->level;
	}
	if (plan->count < 2)
		plan->count = 0;
	return 0;
}

/* Chooses the next merge for the hour, or none (plan->count == 0). */
static int
plan_merge(const char *hour_dir, const kf_hour_state *s, bool closed, const kf_compact_config *cfg,
		   merge_plan *plan, const kf_hour_part **candidates, kf_error *err)
{
	plan->count = 0;
	if (closed)
	{
		size_t		n = 0;

		for (size_t i = 0; i < s->count; i++)
			if (!s->parts[i].hidden)
				candidates[n++] = &s->parts[i];
		return n >= 2 ? take_group(hour_dir, candidates, n, n, cfg, plan, err) : 0;
	}
	for (uint32_t level = 0; level < 1000; level++)
	{
		size_t		n = 0;
		bool		higher = false;

		for (size_t i = 0; i < s->count; i++)
		{
			if (s->parts[i].hidden)
				continue;
			if (s->parts[i].level == level)
				candidates[n++] = &s->parts[i];
			higher = higher || s->parts[i].level > level;
		}
		if (n >= cfg->fanin)
		{
			if (take_group(hour_dir, candidates, n, cfg->fanin, cfg, plan, err) != 0)
				return -1;
			if (plan->count > 0)
				return 0;
		}
		if (!higher)
			break;
	}
	return 0;
}

static int
run_merge(const char *hour_dir, const merge_plan *plan, const kf_compact_config *cfg, kf_compact_stats *stats,
		  kf_error *err)
{
	kf_merge_result result;
	double		started = monotonic_now();

	if (kf_part_merge(hour_dir, plan->names, plan->count, plan->level, cfg->order, &result, err) != 0)
		return -1;
	stats->merges++;
	stats->parts_merged += plan->count;
	stats->rows_merged += result.rows;
	stats->bytes_in += result.input_bytes;
	stats->bytes_out += result.output_bytes;
	stats->merge_seconds += monotonic_now() - started;
	return 0;
}

int
kf_compact_hour_dir(const char *hour_dir, int64_t hour, int64_t now, const kf_compact_config *cfg,
					const atomic_bool *stop, kf_compact_stats *stats, kf_error *err)
{
	bool		closed = now >= hour + HOUR_SECONDS + cfg->settle_seconds;
	kf_hour_state s;
	int			rc = kf_hour_state_read(hour_dir, true, &s, err);

	if (rc == 0)
		rc = remove_leftovers(hour_dir, &s, err);
	if (rc == 0)
		rc = delete_expired(hour_dir, &s, now, cfg->grace_seconds, &stats->parts_deleted, err);
	while (rc == 0 && !atomic_load(stop))
	{
		const char **names = malloc((s.count ? s.count : 1) * sizeof(*names));
		const kf_hour_part **candidates = malloc((s.count ? s.count : 1) * sizeof(*candidates));
		merge_plan	plan = {names, 0, 0};

		if (names == NULL || candidates == NULL)
			rc = kf_error_set(err, "%s: out of memory planning merges", hour_dir);
		else
			rc = plan_merge(hour_dir, &s, closed, cfg, &plan, candidates, err);
		if (rc == 0 && plan.count > 0)
			rc = run_merge(hour_dir, &plan, cfg, stats, err);
		free(names);
		free(candidates);
		if (rc != 0 || plan.count == 0)
			break;
		kf_hour_state_free(&s);
		rc = kf_hour_state_read(hour_dir, true, &s, err);
	}
	kf_hour_state_free(&s);
	return rc;
}

int
kf_compact_cleanup_hour_dir(const char *hour_dir, int64_t now, int64_t grace_seconds, uint64_t *parts_deleted,
							kf_error *err)
{
	kf_hour_state s;
	int			rc = kf_hour_state_read(hour_dir, true, &s, err);

	if (rc == 0)
		rc = remove_leftovers(hour_dir, &s, err);
	if (rc == 0)
		rc = delete_expired(hour_dir, &s, now, grace_seconds, parts_deleted, err);
	kf_hour_state_free(&s);
	return rc;
}

void
kf_compact_data_dir(const char *data_dir, int64_t now, const kf_compact_config *cfg, const atomic_bool *stop,
					kf_compact_stats *stats)
{
	kf_hour_dir_list dirs;
	kf_error	err;

	if (kf_hour_dirs_list(data_dir, &dirs, &err) != 0)
	{
		kf_log("compaction: %s", err.msg);
		stats->errors++;
		return;
	}
	for (size_t i = 0; i < dirs.count && !atomic_load(stop); i++)
	{
		if (kf_compact_hour_dir(dirs.dirs[i].path, dirs.dirs[i].hour, now, cfg, stop, stats, &err) != 0)
		{
			kf_log("compaction: %s", err.msg);
			stats->errors++;
		}
	}
	kf_hour_dir_list_free(&dirs);
}
