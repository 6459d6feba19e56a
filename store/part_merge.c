/*
 * part_merge.c -- kf_part_merge: reads parts with the part reader, sorts the union of their rows
 * and publishes them as one merged part plus manifest (protocol: part_merge.h).
 *
 * All rows of the inputs are held in memory column by column, the same buffered form the writer
 * uses, so the part builder writes merged parts exactly like flushed ones.  Flow-tag strings are
 * re-interned across inputs, which also lets blocks of the merged part share dictionaries' worth
 * of strings instead of repeating them per small part.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/durable_io.h"
#include "store/part_build.h"
#include "store/part_coverage.h"
#include "store/part_format.h"
#include "store/part_merge.h"
#include "store/string_intern.h"

/* The union of the inputs' rows, by column, in input order. */
typedef struct merge_rows
{
	uint32_t	device_id;
	size_t		count;
	size_t		capacity;
	int64_t    *ints[KF_NUM_COLUMNS];
	kf_addr    *addrs[KF_NUM_COLUMNS];
	uint32_t   *dict_ids[KF_NUM_COLUMNS];
	kf_string_intern strings;
	uint32_t   *codes;			/* one block of dictionary codes being translated */
	uint32_t   *global_of_code; /* per dictionary entry of that block */
	size_t		global_of_code_cap;
} merge_rows;

static void
merge_rows_free(merge_rows *m)
{
	for (int col = 0; col < KF_NUM_COLUMNS; col++)
	{
		free(m->ints[col]);
		free(m->addrs[col]);
		free(m->dict_ids[col]);
	}
	kf_intern_free(&m->strings);
	free(m->codes);
	free(m->global_of_code);
}

static int
merge_rows_alloc(merge_rows *m, size_t rows)
{
	size_t		n = rows ? rows : 1;

	m->count = 0;
	m->capacity = rows;
	if ((m->codes = malloc(KF_BLOCK_MAX_ROWS * sizeof(uint32_t))) == NULL)
		return -1;
	for (int col = 0; col < KF_NUM_COLUMNS; col++)
	{
		switch (kf_column_describe((kf_column_id) col)->kind)
		{
			case KF_KIND_INT:
				m->ints[col] = malloc(n * sizeof(int64_t));
				if (m->ints[col] == NULL)
					return -1;
				break;
			case KF_KIND_ADDR:
				m->addrs[col] = malloc(n * sizeof(kf_addr));
				if (m->addrs[col] == NULL)
					return -1;
				break;
			case KF_KIND_DICT:
				m->dict_ids[col] = malloc(n * sizeof(uint32_t));
				if (m->dict_ids[col] == NULL)
					return -1;
				break;
		}
	}
	return 0;
}

/* Appends one block's dictionary column, translating block codes into interned ids. */
static int
append_dict_block(merge_rows *m, kf_part_reader *r, uint32_t block, kf_column_id col, uint32_t n,
				  kf_error *err)
{
	kf_dict		dict;

	if (kf_part_read_dict(r, block, col, m->codes, &dict, err) != 0)
		return -1;
	if (dict.count > m->global_of_code_cap)
	{
		uint32_t   *grown = realloc(m->global_of_code, dict.count * sizeof(uint32_t));

		if (grown == NULL)
			return kf_error_set(err, "%s: out of memory merging", kf_part_path(r));
		m->global_of_code = grown;
		m->global_of_code_cap = dict.count;
	}
	for (uint32_t i = 0; i < dict.count; i++)
	{
		if (kf_intern(&m->strings, dict.strings[i], dict.lengths[i], &m->global_of_code[i]) != 0)
			return kf_error_set(err, "%s: out of memory merging", kf_part_path(r));
	}
	for (uint32_t i = 0; i < n; i++)
	{
		if (m->codes[i] >= dict.count)
			return kf_error_set(err, "%s: block %u column %s: code %u outside its dictionary", kf_part_path(r),
								block, kf_column_describe(col)->name, m->codes[i]);
		m->dict_ids[col][m->count + i] = m->global_of_code[m->codes[i]];
	}
	return 0;
}

/* Appends every column of one block to the merged rows. */
static int
append_block(merge_rows *m, kf_part_reader *r, uint32_t block, kf_error *err)
{
	uint32_t	n = kf_part_block_rows(r, block);

	if (n > m->capacity - m->count)
		return kf_error_set(err, "%s: its blocks hold more rows than its header says", kf_part_path(r));
	for (int c = 0; c < KF_NUM_COLUMNS; c++)
	{
		kf_column_id col = (kf_column_id) c;
		int			rc;

		switch (kf_column_describe(col)->kind)
		{
			case KF_KIND_INT:
				rc = kf_part_read_int(r, block, col, m->ints[col] + m->count, err);
				break;
			case KF_KIND_ADDR:
				rc = kf_part_read_addr(r, block, col, m->addrs[col] + m->count, err);
				break;
			default:
				rc = append_dict_block(m, r, block, col, n, err);
				break;
		}
		if (rc != 0)
			return -1;
	}
	m->count += n;
	return 0;
}

/* Opens every input, checks they share one device and counts rows and bytes. */
static int
open_inputs(const char *hour_dir, const char *const *inputs, size_t count, kf_part_reader **readers,
			kf_merge_result *out, kf_error *err)
{
	for (size_t i = 0; i < count; i++)
	{
		char		path[PATH_MAX];
		struct stat st;

		if (snprintf(path, sizeof(path), "%s/%s", hour_dir, inputs[i]) >= (int) sizeof(path))
			return kf_error_set(err, "%s/%s: path too long", hour_dir, inputs[i]);
		if ((readers[i] = kf_part_open(path, err)) == NULL)
			return -1;
		if (kf_part_device_id(readers[i]) != kf_part_device_id(readers[0]))
			return kf_error_set(err, "%s: device %u, but %s holds device %u; cannot merge", path,
								kf_part_device_id(readers[i]), inputs[0], kf_part_device_id(readers[0]));
		if (stat(path, &st) == 0)
			out->input_bytes += (uint64_t) st.st_size;
		out->rows += kf_part_num_rows(readers[i]);
	}
	if (out->rows > UINT32_MAX)
		return kf_error_set(err, "%s: %llu rows are too many for one merged part", hour_dir,
							(unsigned long long) out->rows);
	return 0;
}

static uint32_t *
sorted_order(const merge_rows *m, kf_merge_order order)
{
	uint32_t   *perm = malloc((m->count ? m->count : 1) * sizeof(*perm));

	if (perm == NULL)
		return NULL;
	for (size_t i = 0; i < m->count; i++)
		perm[i] = (uint32_t) i;
	kf_part_sort_rows(perm, m->count, m->ints[KF_COL_CTIMESTAMP],
					  order == KF_MERGE_ORDER_MINUTE_PROTOCOL ? m->ints[KF_COL_PROTOCOL] : NULL);
	return perm;
}

/* Writes the merged part to tmp_path and fsyncs it; removes it on failure. */
static int
build_file(const char *tmp_path, const merge_rows *m, const uint32_t *perm, kf_merge_result *out, kf_error *err)
{
	int			fd = open(tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	if (fd < 0)
		return kf_error_set(err, "%s: cannot create: %s", tmp_path, strerror(errno));

	kf_part_rows rows = {.device_id = m->device_id, .order = perm, .count = m->count, .strings = &m->strings};
	kf_part_build_scratch scratch;
	struct stat st;

	memset(&scratch, 0, sizeof(scratch));
	memcpy(rows.ints, m->ints, sizeof(rows.ints));
	memcpy(rows.addrs, m->addrs, sizeof(rows.addrs));
	memcpy(rows.dict_ids, m->dict_ids, sizeof(rows.dict_ids));

	int			rc = kf_part_build(fd, tmp_path, &rows, &scratch, err);

	kf_part_build_scratch_free(&scratch);
	if (rc == 0 && fsync(fd) != 0)
		rc = kf_error_set(err, "%s: fsync failed: %s", tmp_path, strerror(errno));
	if (rc == 0 && fstat(fd, &st) == 0)
		out->output_bytes = (uint64_t) st.st_size;
	close(fd);
	if (rc != 0)
		unlink(tmp_path);
	return rc;
}

/* Steps 2 and 3 of the protocol: manifest, then the rename that publishes the part. */
static int
publish(const char *hour_dir, const char *tmp_path, const char *stem, const char *const *inputs, size_t count,
		uint32_t level, kf_error *err)
{
	char		manifest_name[NAME_MAX + 1],
				final_path[PATH_MAX],
				manifest_path[PATH_MAX];
	char	   *text = kf_manifest_format(level, inputs, count);

	if (text == NULL)
		return kf_error_set(err, "%s: out of memory writing a manifest", hour_dir);
	snprintf(manifest_name, sizeof(manifest_name), "%s%s", stem, KF_MANIFEST_SUFFIX);
	snprintf(final_path, sizeof(final_path), "%s/%s%s", hour_dir, stem, KF_PART_SUFFIX);
	snprintf(manifest_path, sizeof(manifest_path), "%s/%s", hour_dir, manifest_name);

	int			rc = kf_replace_file(hour_dir, manifest_name, text, strlen(text), err);

	free(text);
	if (rc != 0)
		return -1;
	if (rename(tmp_path, final_path) != 0)
	{
		rc = kf_error_set(err, "%s: cannot rename into place: %s", final_path, strerror(errno));
		unlink(manifest_path);
		return rc;
	}
	/* The part is visible now; a failed fsync only means it might not survive a power loss, and the
	 * compactor fsyncs the directory again before it deletes any input. */
	return kf_fsync_dir(hour_dir, err);
}

/* Sorts and writes the rows, then publishes them with their manifest. */
static int
write_merged(const char *hour_dir, const char *const *inputs, size_t count, uint32_t level, kf_merge_order order,
			 const merge_rows *m, kf_merge_result *out, kf_error *err)
{
	uint32_t   *perm = sorted_order(m, order);

	if (perm == NULL)
		return kf_error_set(err, "%s: out of memory sorting %zu rows", hour_dir, m->count);

	const int64_t *ts = m->ints[KF_COL_CTIMESTAMP];
	int64_t		min_ts = ts[0],
				max_ts = ts[0];

	for (size_t i = 1; i < m->count; i++)
	{
		min_ts = ts[i] < min_ts ? ts[i] : min_ts;
		max_ts = ts[i] > max_ts ? ts[i] : max_ts;
	}

	char		token[KF_UNIQUE_TOKEN_SIZE],
				stem[128],
				tmp_path[PATH_MAX];

	kf_unique_token(token, sizeof(token));
	snprintf(stem, sizeof(stem), "m-%lld-%lld-%s", (long long) min_ts, (long long) max_ts, token);

	int			rc;

	if (snprintf(tmp_path, sizeof(tmp_path), "%s/%s%s%s", hour_dir, KF_MERGE_TMP_PREFIX, stem + 2,
				 KF_PART_SUFFIX) >= (int) sizeof(tmp_path))
		rc = kf_error_set(err, "%s: path too long", hour_dir);
	else
		rc = build_file(tmp_path, m, perm, out, err);
	free(perm);
	if (rc == 0)
		rc = publish(hour_dir, tmp_path, stem, inputs, count, level, err);
	if (rc == 0)
		snprintf(out->name, sizeof(out->name), "%s%s", stem, KF_PART_SUFFIX);
	return rc;
}

int
kf_part_merge(const char *hour_dir, const char *const *inputs, size_t count, uint32_t level,
			  kf_merge_order order, kf_merge_result *out, kf_error *err)
{
	memset(out, 0, sizeof(*out));
	if (count == 0 || level == 0)
		return kf_error_set(err, "%s: a merge needs at least one input and a level >= 1", hour_dir);

	kf_part_reader **readers = calloc(count, sizeof(*readers));
	merge_rows	m;
	int			rc;

	memset(&m, 0, sizeof(m));
	if (readers == NULL)
		return kf_error_set(err, "%s: out of memory merging", hour_dir);
	rc = open_inputs(hour_dir, inputs, count, readers, out, err);
	if (rc == 0 && out->rows == 0)
		rc = kf_error_set(err, "%s: the parts to merge hold no rows", hour_dir);
	if (rc == 0 && merge_rows_alloc(&m, out->rows) != 0)
		rc = kf_error_set(err, "%s: out of memory for %llu rows", hour_dir, (unsigned long long) out->rows);
	for (size_t i = 0; rc == 0 && i < count; i++)
	{
		m.device_id = kf_part_device_id(readers[i]);
		for (uint32_t b = 0; rc == 0 && b < kf_part_num_blocks(readers[i]); b++)
			rc = append_block(&m, readers[i], b, err);
	}
	for (size_t i = 0; i < count; i++)
		kf_part_close(readers[i]);
	free(readers);
	if (rc == 0)
		rc = write_merged(hour_dir, inputs, count, level, order, &m, out, err);
	merge_rows_free(&m);
	return rc;
}
