/*
 * part_coverage.c -- part names, merge manifests and the listing rule for one hour directory
 * (see part_coverage.h and docs/format.md).
 *
 * A manifest is a small text file, written atomically before its merged part is published:
 *   kentik_fdw merged part 1
 *   level <L>
 *   covers <part name>        (one line per covered part, in the same directory)
 *   end
 * The trailing "end" line makes a truncated manifest detectable even though the atomic
 * publish should never produce one.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store/part_coverage.h"

#define MANIFEST_HEADER "kentik_fdw merged part 1"
/* Far more than a merge ever covers; bounds what a corrupt manifest can make us allocate. */
#define MANIFEST_MAX_BYTES (16u << 20)

/* Parses exactly len decimal digits (1..18 of them) into *out. */
bool
kf_parse_decimal(const char *s, size_t len, uint64_t *out)
{
	if (len == 0 || len > 18)
		return false;

	uint64_t	v = 0;

	for (size_t i = 0; i < len; i++)
	{
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t) (s[i] - '0');
	}
	*out = v;
	return true;
}

static bool
has_suffix(const char *name, size_t len, const char *suffix)
{
	size_t		suffix_len = strlen(suffix);

	return len >= suffix_len && strcmp(name + len - suffix_len, suffix) == 0;
}

/* "<p|m>-<MINTS>-<MAXTS>-<hex token><suffix>" with MINTS <= MAXTS. */
static bool
parse_name_with_suffix(const char *name, const char *suffix, bool *merged, int64_t *min_ts, int64_t *max_ts)
{
	size_t		len = strlen(name);

	if (len < 2 + strlen(suffix) || (name[0] != 'p' && name[0] != 'm') || name[1] != '-' ||
		!has_suffix(name, len, suffix))
		return false;

	const char *p = name + 2;
	const char *end = name + len - strlen(suffix);
	const char *dash1 = memchr(p, '-', (size_t) (end - p));
	const char *dash2 = dash1 ? memchr(dash1 + 1, '-', (size_t) (end - dash1 - 1)) : NULL;
	uint64_t	lo,
				hi;

	if (dash2 == NULL || dash2 + 1 == end ||
		!kf_parse_decimal(p, (size_t) (dash1 - p), &lo) ||
		!kf_parse_decimal(dash1 + 1, (size_t) (dash2 - dash1 - 1), &hi) || lo > hi)
		return false;
	for (const char *t = dash2 + 1; t < end; t++)
	{
		if (!((*t >= '0' && *t <= '9') || (*t >= 'a' && *t <= 'f')))
			return false;
	}
	*merged = name[0] == 'm';
	*min_ts = (int64_t) lo;
	*max_ts = (int64_t) hi;
	return true;
}

bool
kf_part_name_parse(const char *name, bool *merged, int64_t *min_ts, int64_t *max_ts)
{
	return parse_name_with_suffix(name, KF_PART_SUFFIX, merged, min_ts, max_ts);
}

/* A growable array of malloc'd strings. */
static int
push_name(char ***names, size_t *count, size_t *cap, const char *name)
{
	if (*count == *cap)
	{
		size_t		grown_cap = *cap ? *cap * 2 : 16;
		char	  **grown = realloc(*names, grown_cap * sizeof(*grown));

		if (grown == NULL)
			return -1;
		*names = grown;
		*cap = grown_cap;
	}
	if (((*names)[*count] = strdup(name)) == NULL)
		return -1;
	(*count)++;
	return 0;
}

static void
free_names(char **names, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(names[i]);
	free(names);
}

static int
compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Directory entries sorted into parts, manifests and stale merge outputs. */
typedef struct dir_names
{
	char	  **parts;
	size_t		part_count,
				part_cap;
	char	  **manifests;
	size_t		manifest_count,
				manifest_cap;
	char	  **stale;
	size_t		stale_count,
				stale_cap;
} dir_names;

static void
dir_names_free(dir_names *d)
{
	free_names(d->parts, d->part_count);
	free_names(d->manifests, d->manifest_count);
	free_names(d->stale, d->stale_count);
}

static int
classify_entry(dir_names *d, const char *name)
{
	bool		merged;
	int64_t		lo,
				hi;

	if (kf_part_name_parse(name, &merged, &lo, &hi))
		return push_name(&d->parts, &d->part_count, &d->part_cap, name);
	if (parse_name_with_suffix(name, KF_MANIFEST_SUFFIX, &merged, &lo, &hi) && merged)
		return push_name(&d->manifests, &d->manifest_count, &d->manifest_cap, name);
	if (strncmp(name, KF_MERGE_TMP_PREFIX, strlen(KF_MERGE_TMP_PREFIX)) == 0)
		return push_name(&d->stale, &d->stale_count, &d->stale_cap, name);
	return 0;
}

/* Reads the directory's names; a vanished directory gives no names. */
static int
read_dir_names(const char *hour_dir, dir_names *d, kf_error *err)
{
	memset(d, 0, sizeof(*d));

	DIR		   *dir = opendir(hour_dir);

	if (dir == NULL)
	{
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		return kf_error_set(err, "%s: cannot list: %s", hour_dir, strerror(errno));
	}

	struct dirent *de;
	int			rc = 0;

	while (rc == 0 && (de = readdir(dir)) != NULL)
	{
		if (classify_entry(d, de->d_name) != 0)
			rc = kf_error_set(err, "%s: out of memory listing parts", hour_dir);
	}
	closedir(dir);
	if (d->part_count > 1)
		qsort(d->parts, d->part_count, sizeof(*d->parts), compare_names);
	return rc;
}

/* Reads a whole small file into a NUL-terminated buffer; *data is NULL when it does not exist. */
static int
read_small_file(const char *path, char **data, kf_error *err)
{
	*data = NULL;

	FILE	   *f = fopen(path, "rb");
	struct stat st;

	if (f == NULL)
		return errno == ENOENT ? 0 : kf_error_set(err, "%s: cannot open: %s", path, strerror(errno));
	if (fstat(fileno(f), &st) != 0 || st.st_size > (off_t) MANIFEST_MAX_BYTES)
	{
		fclose(f);
		return kf_error_set(err, "%s: %s", path, st.st_size > (off_t) MANIFEST_MAX_BYTES ?
							"manifest too large" : "cannot stat");
	}

	size_t		want = (size_t) st.st_size;
	char	   *buf = malloc(want + 1);
	size_t		len = buf ? fread(buf, 1, want, f) : 0;

	fclose(f);
	if (buf == NULL)
		return kf_error_set(err, "%s: out of memory", path);
	if (len != want)
	{
		free(buf);
		return kf_error_set(err, "%s: short read", path);
	}
	buf[len] = '\0';
	*data = buf;
	return 0;
}

/* What one manifest says. */
typedef struct manifest
{
	uint32_t	level;
	char	  **covered;
	size_t		count,
				cap;
} manifest;

/* Parses manifest text strictly: header, level, covers lines naming parts, end. */
static int
parse_manifest(char *text, const char *path, manifest *m, kf_error *err)
{
	char	   *save = NULL;
	char	   *line = strtok_r(text, "\n", &save);
	uint64_t	level;

	memset(m, 0, sizeof(*m));
	if (line == NULL || strcmp(line, MANIFEST_HEADER) != 0)
		return kf_error_set(err, "%s: corrupt merge manifest: bad header", path);
	line = strtok_r(NULL, "\n", &save);
	if (line == NULL || strncmp(line, "level ", 6) != 0 ||
		!kf_parse_decimal(line + 6, strlen(line + 6), &level) || level == 0 || level > 1000)
		return kf_error_set(err, "%s: corrupt merge manifest: bad level line", path);
	m->level = (uint32_t) level;
	while ((line = strtok_r(NULL, "\n", &save)) != NULL && strncmp(line, "covers ", 7) == 0)
	{
		bool		merged;
		int64_t		lo,
					hi;

		if (!kf_part_name_parse(line + 7, &merged, &lo, &hi))
			return kf_error_set(err, "%s: corrupt merge manifest: bad part name \"%.100s\"", path, line + 7);
		if (push_name(&m->covered, &m->count, &m->cap, line + 7) != 0)
			return kf_error_set(err, "%s: out of memory", path);
	}
	if (line == NULL || strcmp(line, "end") != 0 || strtok_r(NULL, "\n", &save) != NULL)
		return kf_error_set(err, "%s: corrupt merge manifest: missing end line", path);
	return 0;
}

/* Reads the manifest of merged part name; *found is false when it does not exist. */
static int
read_manifest(const char *hour_dir, const char *part_name, manifest *m, bool *found, kf_error *err)
{
	char		path[PATH_MAX];
	size_t		stem = strlen(part_name) - strlen(KF_PART_SUFFIX);
	char	   *text;

	memset(m, 0, sizeof(*m));
	*found = false;
	if (snprintf(path, sizeof(path), "%s/%.*s%s", hour_dir, (int) stem, part_name,
				 KF_MANIFEST_SUFFIX) >= (int) sizeof(path))
		return kf_error_set(err, "%s/%s: path too long", hour_dir, part_name);
	if (read_small_file(path, &text, err) != 0)
		return -1;
	if (text == NULL)
		return 0;

	int			rc = parse_manifest(text, path, m, err);

	free(text);
	if (rc != 0)
		free_names(m->covered, m->count);
	else
		*found = true;
	return rc;
}

/* The time a merged part was published: its inode change time, which the rename sets.  When it
 * cannot be read, INT64_MAX: "just now", so nothing it covers is deleted on that account. */
static int64_t
publish_time(const char *hour_dir, const char *part_name)
{
	char		path[PATH_MAX];
	struct stat st;

	if (snprintf(path, sizeof(path), "%s/%s", hour_dir, part_name) >= (int) sizeof(path) ||
		stat(path, &st) != 0)
		return INT64_MAX;
	return (int64_t) st.st_ctim.tv_sec;
}

static int
compare_part_to_name(const void *key, const void *elem)
{
	return strcmp((const char *) key, ((const kf_hour_part *) elem)->name);
}

/* Finds a part by name; s->parts is still in name order while manifests are applied. */
static kf_hour_part *
find_part(kf_hour_state *s, const char *name)
{
	return s->count ? bsearch(name, s->parts, s->count, sizeof(*s->parts), compare_part_to_name) : NULL;
}

/* Applies the manifest of every existing merged part: sets levels and hides what they cover. */
static int
apply_manifests(const char *hour_dir, bool with_times, kf_hour_state *s, kf_error *err)
{
	for (size_t i = 0; i < s->count; i++)
	{
		kf_hour_part *mp = &s->parts[i];
		manifest	m;
		bool		found;

		if (!mp->merged)
			continue;
		if (read_manifest(hour_dir, mp->name, &m, &found, err) != 0)
			return -1;
		if (!found)
			continue;
		mp->level = m.level;

		int64_t		since = with_times ? publish_time(hour_dir, mp->name) : 0;

		for (size_t c = 0; c < m.count; c++)
		{
			kf_hour_part *covered = find_part(s, m.covered[c]);

			if (covered == mp)
			{
				free_names(m.covered, m.count);
				return kf_error_set(err, "%s/%s: corrupt merge manifest: the part covers itself", hour_dir, mp->name);
			}
			if (covered == NULL)
				continue;
			if (!covered->hidden || since > covered->hidden_since)
				covered->hidden_since = since;
			covered->hidden = true;
		}
		free_names(m.covered, m.count);
	}
	return 0;
}

static int
compare_hour_parts(const void *a, const void *b)
{
	const kf_hour_part *pa = a,
			   *pb = b;

	if (pa->min_ts != pb->min_ts)
		return pa->min_ts < pb->min_ts ? -1 : 1;
	return strcmp(pa->name, pb->name);
}

/* Moves the parsed parts out of d into s (names change owner). */
static int
take_parts(dir_names *d, kf_hour_state *s)
{
	if (d->part_count == 0)
		return 0;
	if ((s->parts = calloc(d->part_count, sizeof(*s->parts))) == NULL)
		return -1;
	for (size_t i = 0; i < d->part_count; i++)
	{
		kf_hour_part *p = &s->parts[i];

		kf_part_name_parse(d->parts[i], &p->merged, &p->min_ts, &p->max_ts);
		p->level = p->merged ? 1 : 0;
		p->name = d->parts[i];
	}
	s->count = d->part_count;
	d->part_count = 0;
	return 0;
}

/* Moves the manifests without a part into s->orphan_manifests, and the stale names. */
static int
take_orphans(dir_names *d, kf_hour_state *s)
{
	size_t		cap = 0;

	for (size_t i = 0; i < d->manifest_count; i++)
	{
		char		part_name[NAME_MAX + 1];
		size_t		stem = strlen(d->manifests[i]) - strlen(KF_MANIFEST_SUFFIX);

		snprintf(part_name, sizeof(part_name), "%.*s%s", (int) stem, d->manifests[i], KF_PART_SUFFIX);
		if (!find_part(s, part_name) &&
			push_name(&s->orphan_manifests, &s->orphan_count, &cap, d->manifests[i]) != 0)
			return -1;
	}
	s->stale_merges = d->stale;
	s->stale_count = d->stale_count;
	d->stale = NULL;
	d->stale_count = 0;
	return 0;
}

int
kf_hour_state_read(const char *hour_dir, bool with_times, kf_hour_state *out, kf_error *err)
{
	dir_names	d;

	memset(out, 0, sizeof(*out));
	if (read_dir_names(hour_dir, &d, err) != 0)
	{
		dir_names_free(&d);
		return -1;
	}

	int			rc = 0;

	if (take_parts(&d, out) != 0 || take_orphans(&d, out) != 0)
		rc = kf_error_set(err, "%s: out of memory listing parts", hour_dir);
	else
		rc = apply_manifests(hour_dir, with_times, out, err);
	dir_names_free(&d);
	if (rc != 0)
		kf_hour_state_free(out);
	else if (out->count > 1)
		qsort(out->parts, out->count, sizeof(*out->parts), compare_hour_parts);
	return rc;
}

void
kf_hour_state_free(kf_hour_state *state)
{
	for (size_t i = 0; i < state->count; i++)
		free(state->parts[i].name);
	free(state->parts);
	free_names(state->orphan_manifests, state->orphan_count);
	free_names(state->stale_merges, state->stale_count);
	memset(state, 0, sizeof(*state));
}

char *
kf_manifest_format(uint32_t level, const char *const *covered, size_t count)
{
	size_t		len = strlen(MANIFEST_HEADER) + 32;

	for (size_t i = 0; i < count; i++)
		len += strlen(covered[i]) + 8;

	char	   *text = malloc(len);

	if (text == NULL)
		return NULL;

	size_t		used = (size_t) snprintf(text, len, "%s\nlevel %u\n", MANIFEST_HEADER, level);

	for (size_t i = 0; i < count; i++)
		used += (size_t) snprintf(text + used, len - used, "covers %s\n", covered[i]);
	snprintf(text + used, len - used, "end\n");
	return text;
}
