/*
 * part_writer.c -- kf_writer: buffers one device's flows by column and publishes them as parts.
 *
 * A flush sorts the buffered rows by ctimestamp (ties keep arrival order), cuts them by time
 * directory (an hour for Full, a day for Fast: kf_dataseries_dir_seconds) and builds one part per
 * directory under a dot-name in it.  Only when every part is
 * complete and fsync'd are they renamed into place (the publish point) and their directories
 * fsync'd; if anything fails, the dot-files and any part already renamed are removed, so a failed
 * flush publishes nothing durable and keeps its rows.
 *
 * kf_writer_flush_replacing publishes one directory's rows as a merged part with a manifest
 * instead, which the listing rule (part_coverage.h) uses to swap it for the parts it replaces in one
 * rename; the Fast dataseries is rebuilt this way (collector/fast_dataseries.c), with
 * kf_writer_add_part_rows carrying over the rows of the part it replaces.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/durable_io.h"
#include "store/part_build.h"
#include "store/part_coverage.h"
#include "store/part_format.h"
#include "store/string_intern.h"

struct kf_writer
{
	char	   *data_dir;
	kf_dataseries series;
	uint32_t	device_id;
	size_t		rows;
	size_t		cap;
	int64_t    *ints[KF_NUM_COLUMNS];
	kf_addr    *addrs[KF_NUM_COLUMNS];
	uint32_t   *dict_ids[KF_NUM_COLUMNS];
	kf_string_intern strings;
	uint32_t	empty_string_id;	/* id of "" in strings, UINT32_MAX until interned: most rows
									 * have no tags or descriptions, and this skips their hashing */
	kf_part_build_scratch scratch;
	/* The id each DICT column interned last: consecutive flows mostly carry the same tags and
	 * interface descriptions, and comparing with it is cheaper than hashing.  Valid while
	 * last_tag_valid; strings are forgotten at each flush. */
	uint32_t	last_tag_id[KF_NUM_COLUMNS];
	bool		last_tag_valid[KF_NUM_COLUMNS];
	/* Counting-sort buckets reused across flushes (see sorted_rows). */
	uint32_t   *sort_counts;
	size_t		sort_counts_cap;
};

/* A part built under its dot-name, waiting to be renamed. */
typedef struct staged_part
{
	char		dir[PATH_MAX];
	char		tmp[PATH_MAX];
	char		final[PATH_MAX];
	bool		renamed;
} staged_part;

kf_writer *
kf_writer_open(const char *data_dir, uint32_t device_id, kf_error *err)
{
	return kf_writer_open_series(data_dir, KF_DATASERIES_FULL, device_id, err);
}

kf_writer *
kf_writer_open_series(const char *data_dir, kf_dataseries series, uint32_t device_id, kf_error *err)
{
	if (device_id == 0)
	{
		kf_error_set(err, "%s: device id 0 is reserved", data_dir);
		return NULL;
	}

	kf_writer  *w = calloc(1, sizeof(*w));

	if (w == NULL || (w->data_dir = strdup(data_dir)) == NULL)
	{
		free(w);
		kf_error_set(err, "%s: out of memory opening a writer", data_dir);
		return NULL;
	}
	w->device_id = device_id;
	w->series = series;
	w->empty_string_id = UINT32_MAX;
	return w;
}

/* Grows every column array of the buffer to hold at least one more row. */
static int
grow_buffer(kf_writer *w)
{
	size_t		cap = w->cap ? w->cap * 2 : 4096;

	for (int col = 0; col < KF_NUM_COLUMNS; col++)
	{
		void	  **array;
		size_t		elem;

		switch (kf_column_describe((kf_column_id) col)->kind)
		{
			case KF_KIND_INT:
				array = (void **) &w->ints[col];
				elem = sizeof(int64_t);
				break;
			case KF_KIND_ADDR:
				array = (void **) &w->addrs[col];
				elem = sizeof(kf_addr);
				break;
			default:
				array = (void **) &w->dict_ids[col];
				elem = sizeof(uint32_t);
				break;
		}

		void	   *grown = realloc(*array, cap * elem);

		if (grown == NULL)
			return -1;
		*array = grown;
	}
	w->cap = cap;
	return 0;
}

static void
store_ints(kf_writer *w, const kf_flow *f)
{
	size_t		r = w->rows;

	w->ints[KF_COL_CTIMESTAMP][r] = f->ctimestamp;
	w->ints[KF_COL_L4_SRC_PORT][r] = f->l4_src_port;
	w->ints[KF_COL_L4_DST_PORT][r] = f->l4_dst_port;
	w->ints[KF_COL_PROTOCOL][r] = f->protocol;
	w->ints[KF_COL_TCP_FLAGS][r] = f->tcp_flags;
	w->ints[KF_COL_TOS][r] = f->tos;
	w->ints[KF_COL_IN_BYTES][r] = f->in_bytes;
	w->ints[KF_COL_IN_PKTS][r] = f->in_pkts;
	w->ints[KF_COL_OUT_BYTES][r] = f->out_bytes;
	w->ints[KF_COL_OUT_PKTS][r] = f->out_pkts;
	w->ints[KF_COL_INPUT_PORT][r] = f->input_port;
	w->ints[KF_COL_OUTPUT_PORT][r] = f->output_port;
	w->ints[KF_COL_SRC_AS][r] = f->src_as;
	w->ints[KF_COL_DST_AS][r] = f->dst_as;
	w->ints[KF_COL_VLAN_IN][r] = f->vlan_in;
	w->ints[KF_COL_VLAN_OUT][r] = f->vlan_out;
	w->ints[KF_COL_SAMPLE_RATE][r] = f->sample_rate;
	w->ints[KF_COL_FLOW_END_MS][r] = f->flow_end_ms;
	w->ints[KF_COL_FLOW_DURATION_MS][r] = f->flow_duration_ms;
	w->ints[KF_COL_MPLS_LABEL][r] = f->mpls_label;
	w->ints[KF_COL_MPLS_EXP][r] = f->mpls_exp;
	w->ints[KF_COL_MPLS_LABELED][r] = f->mpls_labeled;
	w->addrs[KF_COL_SRC_ADDR][r] = f->src_addr;
	w->addrs[KF_COL_DST_ADDR][r] = f->dst_addr;
	w->addrs[KF_COL_NEXT_HOP][r] = f->next_hop;
}

/* Interns the string of a DICT column (NULL = ""); the error names the column. */
static int
intern_string(kf_writer *w, kf_column_id col, const char *text, kf_error *err)
{
	size_t		len = text ? strlen(text) : 0;

	if (len == 0 && w->empty_string_id != UINT32_MAX)
	{
		w->dict_ids[col][w->rows] = w->empty_string_id;
		return 0;
	}
	if (len > KF_DICT_STRING_MAX)
		return kf_error_set(err, "device %u: %s of %zu bytes exceeds the limit of %d", w->device_id,
							kf_column_describe(col)->name, len, KF_DICT_STRING_MAX);
	uint32_t	last = w->last_tag_id[col];

	if (w->last_tag_valid[col] && w->strings.lengths[last] == len &&
		memcmp(w->strings.strings[last], text ? text : "", len) == 0)
	{
		w->dict_ids[col][w->rows] = last;
		return 0;
	}
	if (kf_intern(&w->strings, text ? text : "", (uint32_t) len, &w->dict_ids[col][w->rows]) != 0)
		return kf_error_set(err, "device %u: out of memory buffering %s", w->device_id,
							kf_column_describe(col)->name);
	if (len == 0)
		w->empty_string_id = w->dict_ids[col][w->rows];
	w->last_tag_id[col] = w->dict_ids[col][w->rows];
	w->last_tag_valid[col] = true;
	return 0;
}

int
kf_writer_add(kf_writer *w, const kf_flow *flow, kf_error *err)
{
	if (flow->ctimestamp < 0 || flow->ctimestamp > KF_CTIMESTAMP_MAX)
		return kf_error_set(err, "device %u: ctimestamp %lld is outside 0..%lld", w->device_id,
							(long long) flow->ctimestamp, (long long) KF_CTIMESTAMP_MAX);
	if (w->rows == w->cap && grow_buffer(w) != 0)
		return kf_error_set(err, "device %u: out of memory buffering %zu rows", w->device_id, w->rows);
	if (intern_string(w, KF_COL_SRC_FLOW_TAGS, flow->src_flow_tags, err) != 0 ||
		intern_string(w, KF_COL_DST_FLOW_TAGS, flow->dst_flow_tags, err) != 0 ||
		intern_string(w, KF_COL_INPUT_INTERFACE_DESCRIPTION, flow->input_interface_description, err) != 0 ||
		intern_string(w, KF_COL_OUTPUT_INTERFACE_DESCRIPTION, flow->output_interface_description, err) != 0)
		return -1;
	store_ints(w, flow);
	w->rows++;
	return 0;
}

/* Row numbers of block rows whose ctimestamp lies in none of skip[0..nskip); returns their count. */
static uint32_t
rows_outside(const int64_t *ts, uint32_t n, const kf_ts_range *skip, size_t nskip, uint32_t *rows)
{
	uint32_t	count = 0;

	for (uint32_t i = 0; i < n; i++)
	{
		bool		skipped = false;

		for (size_t k = 0; k < nskip && !skipped; k++)
			skipped = ts[i] >= skip[k].min_ts && ts[i] <= skip[k].max_ts;
		if (!skipped)
			rows[count++] = i;
	}
	return count;
}

/* Appends column col of the selected block rows to the buffer after its w->rows rows. */
static int
copy_block_column(kf_writer *w, kf_part_reader *r, uint32_t block, kf_column_id col, const uint32_t *rows,
				  uint32_t count, int64_t *ints, kf_addr *addrs, uint32_t *codes, kf_error *err)
{
	size_t		base = w->rows;

	switch (kf_column_describe(col)->kind)
	{
		case KF_KIND_INT:
			if (kf_part_read_int(r, block, col, ints, err) != 0)
				return -1;
			for (uint32_t k = 0; k < count; k++)
				w->ints[col][base + k] = ints[rows[k]];
			return 0;
		case KF_KIND_ADDR:
			if (kf_part_read_addr(r, block, col, addrs, err) != 0)
				return -1;
			for (uint32_t k = 0; k < count; k++)
				w->addrs[col][base + k] = addrs[rows[k]];
			return 0;
		case KF_KIND_DICT:
			break;
	}

	kf_dict		dict;

	if (kf_part_read_dict(r, block, col, codes, &dict, err) != 0)
		return -1;
	for (uint32_t k = 0; k < count; k++)
	{
		uint32_t	code = codes[rows[k]];

		if (code >= dict.count)
			return kf_error_set(err, "%s: block %u: %s code %u outside its dictionary of %u", kf_part_path(r),
								block, kf_column_describe(col)->name, code, dict.count);
		if (kf_intern(&w->strings, dict.strings[code], dict.lengths[code], &w->dict_ids[col][base + k]) != 0)
			return kf_error_set(err, "device %u: out of memory buffering %s", w->device_id,
								kf_column_describe(col)->name);
	}
	return 0;
}

int
kf_writer_add_part_rows(kf_writer *w, kf_part_reader *r, const kf_ts_range *skip, size_t nskip, kf_error *err)
{
	if (kf_part_device_id(r) != w->device_id)
		return kf_error_set(err, "%s: holds device %u, not %u", kf_part_path(r), kf_part_device_id(r),
							w->device_id);

	int64_t    *ints = malloc(KF_BLOCK_MAX_ROWS * sizeof(*ints));
	kf_addr    *addrs = malloc(KF_BLOCK_MAX_ROWS * sizeof(*addrs));
	uint32_t   *codes = malloc(KF_BLOCK_MAX_ROWS * sizeof(*codes));
	uint32_t   *rows = malloc(KF_BLOCK_MAX_ROWS * sizeof(*rows));
	int			rc = 0;

	if (ints == NULL || addrs == NULL || codes == NULL || rows == NULL)
		rc = kf_error_set(err, "%s: out of memory copying rows", kf_part_path(r));
	for (uint32_t b = 0; rc == 0 && b < kf_part_num_blocks(r); b++)
	{
		uint32_t	count;

		if (kf_part_read_int(r, b, KF_COL_CTIMESTAMP, ints, err) != 0)
		{
			rc = -1;
			break;
		}
		count = rows_outside(ints, kf_part_block_rows(r, b), skip, nskip, rows);
		while (rc == 0 && w->cap - w->rows < count)
			if (grow_buffer(w) != 0)
				rc = kf_error_set(err, "device %u: out of memory buffering %zu rows", w->device_id, w->rows);
		for (int col = 0; rc == 0 && count > 0 && col < KF_NUM_COLUMNS; col++)
			rc = copy_block_column(w, r, b, (kf_column_id) col, rows, count, ints, addrs, codes, err);
		if (rc == 0)
			w->rows += count;
	}
	free(ints);
	free(addrs);
	free(codes);
	free(rows);
	return rc;
}

size_t
kf_writer_buffered_rows(const kf_writer *w)
{
	return w->rows;
}

/* The start of the time directory holding ts (ts >= 0, checked by kf_writer_add). */
static int64_t
dir_start_of(const kf_writer *w, int64_t ts)
{
	return ts - ts % kf_dataseries_dir_seconds(w->series);
}

/* Builds the part for order[0..n) (one time directory) under a dot-name and fills *staged; kind is 'p' for
 * a flushed part, 'm' for a merged one (published with a manifest). */
static int
stage_part(kf_writer *w, const uint32_t *order, size_t n, char kind, staged_part *staged, kf_error *err)
{
	const int64_t *ts = w->ints[KF_COL_CTIMESTAMP];
	int64_t		min_ts = ts[order[0]],
				max_ts = ts[order[n - 1]];
	char		token[KF_UNIQUE_TOKEN_SIZE];

	kf_unique_token(token, sizeof(token));
	staged->renamed = false;
	if (snprintf(staged->dir, PATH_MAX, "%s/%s/dev-%u/%lld", w->data_dir, kf_dataseries_dir_name(w->series),
				 w->device_id, (long long) dir_start_of(w, min_ts)) >= PATH_MAX ||
		snprintf(staged->tmp, PATH_MAX, "%s/.tmp-%c-%lld-%lld-%s%s", staged->dir, kind, (long long) min_ts,
				 (long long) max_ts, token, KF_PART_SUFFIX) >= PATH_MAX ||
		snprintf(staged->final, PATH_MAX, "%s/%c-%lld-%lld-%s%s", staged->dir, kind, (long long) min_ts,
				 (long long) max_ts, token, KF_PART_SUFFIX) >= PATH_MAX)
		return kf_error_set(err, "%s: path too long", w->data_dir);
	if (kf_mkdir_p(staged->dir, err) != 0)
		return -1;

	int			fd = open(staged->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	if (fd < 0)
		return kf_error_set(err, "%s: cannot create: %s", staged->tmp, strerror(errno));

	kf_part_rows rows = {.device_id = w->device_id, .order = order, .count = n, .strings = &w->strings};

	memcpy(rows.ints, w->ints, sizeof(rows.ints));
	memcpy(rows.addrs, w->addrs, sizeof(rows.addrs));
	memcpy(rows.dict_ids, w->dict_ids, sizeof(rows.dict_ids));

	int			rc = kf_part_build(fd, staged->tmp, &rows, &w->scratch, err);

	if (rc == 0 && fsync(fd) != 0)
		rc = kf_error_set(err, "%s: fsync failed: %s", staged->tmp, strerror(errno));
	close(fd);
	if (rc != 0)
		unlink(staged->tmp);
	return rc;
}

/* Renames every staged part into place and fsyncs the directories (the publish point). */
static int
publish_parts(staged_part *staged, size_t count, kf_error *err)
{
	for (size_t i = 0; i < count; i++)
	{
		if (rename(staged[i].tmp, staged[i].final) != 0)
			return kf_error_set(err, "%s: cannot rename into place: %s", staged[i].final, strerror(errno));
		staged[i].renamed = true;
	}
	for (size_t i = 0; i < count; i++)
	{
		if (kf_fsync_dir(staged[i].dir, err) != 0)
			return -1;
	}
	return 0;
}

/* Removes what a failed flush left behind: dot-files and parts already renamed. */
static void
discard_parts(const staged_part *staged, size_t count)
{
	for (size_t i = 0; i < count; i++)
		unlink(staged[i].renamed ? staged[i].final : staged[i].tmp);
}

/* Stages one part per time directory of the sorted order; *staged_count says how many were staged. */
static int
stage_dirs(kf_writer *w, const uint32_t *order, staged_part *staged, size_t *staged_count, kf_error *err)
{
	const int64_t *ts = w->ints[KF_COL_CTIMESTAMP];
	size_t		start = 0;

	*staged_count = 0;
	while (start < w->rows)
	{
		int64_t		dir_start = dir_start_of(w, ts[order[start]]);
		size_t		end = start + 1;

		while (end < w->rows && dir_start_of(w, ts[order[end]]) == dir_start)
			end++;
		if (stage_part(w, order + start, end - start, 'p', &staged[*staged_count], err) != 0)
			return -1;
		(*staged_count)++;
		start = end;
	}
	return 0;
}

/* Counts the distinct time directories of the sorted order. */
static size_t
count_dirs(const kf_writer *w, const uint32_t *order, size_t n)
{
	const int64_t *ts = w->ints[KF_COL_CTIMESTAMP];
	size_t		dirs = 1;

	for (size_t i = 1; i < n; i++)
		dirs += dir_start_of(w, ts[order[i]]) != dir_start_of(w, ts[order[i - 1]]);
	return dirs;
}

/*
 * Live flows span a few seconds to an hour of timestamps, far fewer distinct values than rows, so a
 * stable counting sort (one bucket per second) replaces qsort's n log n comparisons through a
 * callback; wider spans (a capture of days) use qsort.
 */
#define MAX_COUNTING_SORT_SPAN (2u * KF_HOUR_SECONDS)

/* Fills order with the rows by timestamp, ties in arrival order; -1 when out of memory. */
static int
counting_sort(kf_writer *w, int64_t min, size_t span, uint32_t *order)
{
	const int64_t *ts = w->ints[KF_COL_CTIMESTAMP];

	if (span > w->sort_counts_cap)
	{
		uint32_t   *grown = realloc(w->sort_counts, span * sizeof(*grown));

		if (grown == NULL)
			return -1;
		w->sort_counts = grown;
		w->sort_counts_cap = span;
	}
	uint32_t   *counts = w->sort_counts;

	memset(counts, 0, span * sizeof(*counts));
	for (size_t i = 0; i < w->rows; i++)
		counts[ts[i] - min]++;
	uint32_t	start = 0;

	for (size_t b = 0; b < span; b++)
	{
		uint32_t	c = counts[b];

		counts[b] = start;
		start += c;
	}
	for (size_t i = 0; i < w->rows; i++)
		order[counts[ts[i] - min]++] = (uint32_t) i;
	return 0;
}

/* The buffered rows' numbers sorted by ctimestamp (ties in arrival order), or NULL (error set). */
static uint32_t *
sorted_rows(kf_writer *w, kf_error *err)
{
	if (w->rows > UINT32_MAX)
	{
		kf_error_set(err, "device %u: too many buffered rows to flush at once", w->device_id);
		return NULL;
	}

	uint32_t   *order = malloc(w->rows * sizeof(*order));

	if (order == NULL)
	{
		kf_error_set(err, "device %u: out of memory sorting %zu rows", w->device_id, w->rows);
		return NULL;
	}
	const int64_t *ts = w->ints[KF_COL_CTIMESTAMP];
	int64_t		min = ts[0],
				max = ts[0];
	bool		sorted = true;

	for (size_t i = 1; i < w->rows; i++)
	{
		sorted &= ts[i] >= ts[i - 1];
		min = ts[i] < min ? ts[i] : min;
		max = ts[i] > max ? ts[i] : max;
	}
	if (!sorted && (uint64_t) max - (uint64_t) min < MAX_COUNTING_SORT_SPAN &&
		counting_sort(w, min, (size_t) (max - min) + 1, order) == 0)
		return order;
	for (size_t i = 0; i < w->rows; i++)
		order[i] = (uint32_t) i;
	if (!sorted)
		kf_part_sort_rows(order, w->rows, ts, NULL);
	return order;
}

/* Empties the buffer after a successful publish. */
static void
reset_buffer(kf_writer *w)
{
	w->rows = 0;
	kf_intern_reset(&w->strings);
	w->empty_string_id = UINT32_MAX;
	memset(w->last_tag_valid, 0, sizeof(w->last_tag_valid));
}

int
kf_writer_flush(kf_writer *w, kf_error *err)
{
	if (w->rows == 0)
		return 0;

	uint32_t   *order = sorted_rows(w, err);

	if (order == NULL)
		return -1;

	size_t		dirs = count_dirs(w, order, w->rows);
	staged_part *staged = malloc(dirs * sizeof(*staged));
	size_t		staged_count = 0;
	int			rc;

	if (staged == NULL)
		rc = kf_error_set(err, "device %u: out of memory staging %zu parts", w->device_id, dirs);
	else
		rc = stage_dirs(w, order, staged, &staged_count, err);
	if (rc == 0)
		rc = publish_parts(staged, staged_count, err);
	if (rc != 0 && staged != NULL)
		discard_parts(staged, staged_count);
	else if (rc == 0)
		reset_buffer(w);
	free(staged);
	free(order);
	return rc;
}

/* Manifest, then the rename that publishes the staged merged part (docs/format.md 2.1).  With
 * nothing to cover the manifest would hide nothing, and a merged part without one reads as level 1,
 * so a first build skips it (two fsyncs fewer). */
static int
publish_replacing(const staged_part *staged, const char *const *covered, size_t ncovered, uint32_t level,
				  kf_error *err)
{
	if (ncovered == 0)
	{
		if (rename(staged->tmp, staged->final) != 0)
			return kf_error_set(err, "%s: cannot rename into place: %s", staged->final, strerror(errno));
		return kf_fsync_dir(staged->dir, err);
	}

	const char *name = strrchr(staged->final, '/') + 1;
	size_t		stem = strlen(name) - strlen(KF_PART_SUFFIX);
	char		manifest_name[NAME_MAX + 1],
				manifest_path[PATH_MAX];
	char	   *text = kf_manifest_format(level, covered, ncovered);

	if (text == NULL)
		return kf_error_set(err, "%s: out of memory writing a manifest", staged->dir);
	snprintf(manifest_name, sizeof(manifest_name), "%.*s%s", (int) stem, name, KF_MANIFEST_SUFFIX);
	if (snprintf(manifest_path, sizeof(manifest_path), "%s/%s", staged->dir, manifest_name) >=
		(int) sizeof(manifest_path))
	{
		free(text);
		return kf_error_set(err, "%s: path too long", staged->dir);
	}

	int			rc = kf_replace_file(staged->dir, manifest_name, text, strlen(text), err);

	free(text);
	if (rc != 0)
		return -1;
	if (rename(staged->tmp, staged->final) != 0)
	{
		rc = kf_error_set(err, "%s: cannot rename into place: %s", staged->final, strerror(errno));
		unlink(manifest_path);
		return rc;
	}
	return kf_fsync_dir(staged->dir, err);
}

int
kf_writer_flush_replacing(kf_writer *w, const char *const *covered, size_t ncovered, uint32_t level,
						  char *name_out, size_t name_size, kf_error *err)
{
	if (w->rows == 0)
		return kf_error_set(err, "device %u: no rows to publish as a replacing part", w->device_id);
	if (level == 0 || level > 1000)
		return kf_error_set(err, "device %u: merge level %u is outside 1..1000", w->device_id, level);

	uint32_t   *order = sorted_rows(w, err);

	if (order == NULL)
		return -1;

	const int64_t *ts = w->ints[KF_COL_CTIMESTAMP];
	staged_part staged;
	int			rc;

	if (dir_start_of(w, ts[order[0]]) != dir_start_of(w, ts[order[w->rows - 1]]))
		rc = kf_error_set(err, "device %u: a replacing part must lie in one %s directory, the rows span %lld..%lld",
						  w->device_id, w->series == KF_DATASERIES_FAST ? "day" : "hour", (long long) ts[order[0]], (long long) ts[order[w->rows - 1]]);
	else
		rc = stage_part(w, order, w->rows, 'm', &staged, err);
	free(order);
	if (rc != 0)
		return -1;
	if (publish_replacing(&staged, covered, ncovered, level, err) != 0)
	{
		unlink(staged.tmp);
		return -1;
	}
	snprintf(name_out, name_size, "%s", strrchr(staged.final, '/') + 1);
	reset_buffer(w);
	return 0;
}

void
kf_writer_close(kf_writer *w)
{
	if (w == NULL)
		return;
	for (int col = 0; col < KF_NUM_COLUMNS; col++)
	{
		free(w->ints[col]);
		free(w->addrs[col]);
		free(w->dict_ids[col]);
	}
	kf_intern_free(&w->strings);
	kf_part_build_scratch_free(&w->scratch);
	free(w->sort_counts);
	free(w->data_dir);
	free(w);
}
