/*
 * counter_file.c -- the interface counter files of counter_file.h: encoding, atomic publication,
 * checked reading and listing.
 *
 * Byte layout (all integers little-endian, docs/format.md section 9):
 *   header  0 magic "KFCOUNTR", 8 u32 version, 12 u32 record size (96), 16 u32 device id,
 *           20 u32 row count, 24 i64 hour
 *   rows    row count records of KF_COUNTER_RECORD_SIZE bytes (offsets in the ROW_* constants)
 *   trailer u32 CRC32C of every byte before it
 */
#include "store/counter_file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/crc32c.h"
#include "store/durable_io.h"
#include "store/part_coverage.h"

#define HOUR_SECONDS 3600
static const char counter_magic[8] = {'K', 'F', 'C', 'O', 'U', 'N', 'T', 'R'};

/* Offsets of the fields inside one record. */
enum
{
	ROW_CTIMESTAMP = 0,			/* i64 */
	ROW_IF_INDEX = 8,			/* u32 */
	ROW_IF_TYPE = 12,			/* u32 */
	ROW_IF_SPEED = 16,			/* u64 */
	ROW_IF_DIRECTION = 24,		/* u32 */
	ROW_IF_STATUS = 28,			/* u32 */
	ROW_IN_OCTETS = 32,			/* u64 */
	ROW_IN_UCAST = 40,			/* u32 x 6: ucast, mcast, bcast, discards, errors, unknown protos */
	ROW_OUT_OCTETS = 64,		/* u64 */
	ROW_OUT_UCAST = 72,			/* u32 x 5: ucast, mcast, bcast, discards, errors */
	ROW_PROMISCUOUS = 92		/* u32 */
};

static void
put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t) (v >> (8 * i));
}

static void
put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t) (v >> (8 * i));
}

static uint32_t
get_u32(const uint8_t *p)
{
	return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

static uint64_t
get_u64(const uint8_t *p)
{
	return (uint64_t) get_u32(p) | (uint64_t) get_u32(p + 4) << 32;
}

static void
encode_row(uint8_t *p, const kf_counter_row *r)
{
	const uint32_t in[6] = {r->in_ucast_pkts, r->in_mcast_pkts, r->in_bcast_pkts, r->in_discards,
	r->in_errors, r->in_unknown_protos};
	const uint32_t out[5] = {r->out_ucast_pkts, r->out_mcast_pkts, r->out_bcast_pkts, r->out_discards,
	r->out_errors};

	put_u64(p + ROW_CTIMESTAMP, (uint64_t) r->ctimestamp);
	put_u32(p + ROW_IF_INDEX, r->if_index);
	put_u32(p + ROW_IF_TYPE, r->if_type);
	put_u64(p + ROW_IF_SPEED, r->if_speed);
	put_u32(p + ROW_IF_DIRECTION, r->if_direction);
	put_u32(p + ROW_IF_STATUS, r->if_status);
	put_u64(p + ROW_IN_OCTETS, r->in_octets);
	for (int i = 0; i < 6; i++)
		put_u32(p + ROW_IN_UCAST + 4 * i, in[i]);
	put_u64(p + ROW_OUT_OCTETS, r->out_octets);
	for (int i = 0; i < 5; i++)
		put_u32(p + ROW_OUT_UCAST + 4 * i, out[i]);
	put_u32(p + ROW_PROMISCUOUS, r->promiscuous);
}

static void
decode_row(const uint8_t *p, kf_counter_row *r)
{
	r->ctimestamp = (int64_t) get_u64(p + ROW_CTIMESTAMP);
	r->if_index = get_u32(p + ROW_IF_INDEX);
	r->if_type = get_u32(p + ROW_IF_TYPE);
	r->if_speed = get_u64(p + ROW_IF_SPEED);
	r->if_direction = get_u32(p + ROW_IF_DIRECTION);
	r->if_status = get_u32(p + ROW_IF_STATUS);
	r->in_octets = get_u64(p + ROW_IN_OCTETS);
	r->in_ucast_pkts = get_u32(p + ROW_IN_UCAST);
	r->in_mcast_pkts = get_u32(p + ROW_IN_UCAST + 4);
	r->in_bcast_pkts = get_u32(p + ROW_IN_UCAST + 8);
	r->in_discards = get_u32(p + ROW_IN_UCAST + 12);
	r->in_errors = get_u32(p + ROW_IN_UCAST + 16);
	r->in_unknown_protos = get_u32(p + ROW_IN_UCAST + 20);
	r->out_octets = get_u64(p + ROW_OUT_OCTETS);
	r->out_ucast_pkts = get_u32(p + ROW_OUT_UCAST);
	r->out_mcast_pkts = get_u32(p + ROW_OUT_UCAST + 4);
	r->out_bcast_pkts = get_u32(p + ROW_OUT_UCAST + 8);
	r->out_discards = get_u32(p + ROW_OUT_UCAST + 12);
	r->out_errors = get_u32(p + ROW_OUT_UCAST + 16);
	r->promiscuous = get_u32(p + ROW_PROMISCUOUS);
}

/* Floor of t to its hour (correct for times before 1970 too). */
static int64_t
hour_of(int64_t t)
{
	int64_t		r = t % HOUR_SECONDS;

	return r < 0 ? t - r - HOUR_SECONDS : t - r;
}

static int
compare_rows(const void *a, const void *b)
{
	const kf_counter_row *x = a;
	const kf_counter_row *y = b;

	if (x->ctimestamp != y->ctimestamp)
		return x->ctimestamp < y->ctimestamp ? -1 : 1;
	return x->if_index < y->if_index ? -1 : x->if_index > y->if_index;
}

/* Writes rows[0..n), which all lie in one hour, as one new file of that hour. */
static int
write_hour(const char *data_dir, uint32_t device_id, const kf_counter_row *rows, size_t n, kf_error *err)
{
	int64_t		hour = hour_of(rows[0].ctimestamp);
	char		dir[PATH_MAX];
	char		name[NAME_MAX + 1];
	char		token[KF_UNIQUE_TOKEN_SIZE];

	if (n > KF_COUNTER_MAX_ROWS)
		return kf_error_set(err, "%s: %zu counter rows of device %u in one hour exceed the limit of %u",
							data_dir, n, device_id, KF_COUNTER_MAX_ROWS);
	kf_unique_token(token, sizeof(token));
	if (snprintf(dir, sizeof(dir), "%s/%s/dev-%u/%lld", data_dir, KF_COUNTERS_DIR_NAME, device_id,
				 (long long) hour) >= (int) sizeof(dir) ||
		snprintf(name, sizeof(name), "c-%lld-%lld-%s%s", (long long) rows[0].ctimestamp,
				 (long long) rows[n - 1].ctimestamp, token, KF_COUNTER_SUFFIX) >= (int) sizeof(name))
		return kf_error_set(err, "%s: counter file path too long", data_dir);

	size_t		len = KF_COUNTER_HEADER_SIZE + n * KF_COUNTER_RECORD_SIZE + KF_COUNTER_TRAILER_SIZE;
	uint8_t    *buf = calloc(1, len);

	if (buf == NULL)
		return kf_error_set(err, "%s: out of memory for a counter file of %zu rows", dir, n);
	memcpy(buf, counter_magic, sizeof(counter_magic));
	put_u32(buf + 8, KF_COUNTER_FORMAT_VERSION);
	put_u32(buf + 12, KF_COUNTER_RECORD_SIZE);
	put_u32(buf + 16, device_id);
	put_u32(buf + 20, (uint32_t) n);
	put_u64(buf + 24, (uint64_t) hour);
	for (size_t i = 0; i < n; i++)
		encode_row(buf + KF_COUNTER_HEADER_SIZE + i * KF_COUNTER_RECORD_SIZE, &rows[i]);
	put_u32(buf + len - KF_COUNTER_TRAILER_SIZE, kf_crc32c(buf, len - KF_COUNTER_TRAILER_SIZE));

	int			rc = kf_mkdir_p(dir, err) == 0 ? kf_replace_file(dir, name, buf, len, err) : -1;

	free(buf);
	return rc;
}

int
kf_counters_write(const char *data_dir, uint32_t device_id, kf_counter_row *rows, size_t n,
				  size_t *published, kf_error *err)
{
	*published = 0;
	if (n == 0)
		return 0;
	qsort(rows, n, sizeof(*rows), compare_rows);
	while (*published < n)
	{
		size_t		start = *published;
		size_t		end = start + 1;
		int64_t		hour = hour_of(rows[start].ctimestamp);

		while (end < n && hour_of(rows[end].ctimestamp) == hour)
			end++;
		if (write_hour(data_dir, device_id, rows + start, end - start, err) != 0)
			return -1;
		*published = end;
	}
	return 0;
}

void
kf_counter_file_free(kf_counter_file *file)
{
	free(file->rows);
	file->rows = NULL;
	file->count = 0;
}

int
kf_counter_file_parse(const uint8_t *buf, size_t len, const char *path, kf_counter_file *out, kf_error *err)
{
	memset(out, 0, sizeof(*out));
	if (len < KF_COUNTER_HEADER_SIZE + KF_COUNTER_TRAILER_SIZE || memcmp(buf, counter_magic, sizeof(counter_magic)) != 0)
		return kf_error_set(err, "%s: not a kentik counter file (bad magic or shorter than a header)", path);

	uint32_t	version = get_u32(buf + 8);
	uint32_t	record_size = get_u32(buf + 12);
	uint32_t	rows = get_u32(buf + 20);
	int64_t		hour = (int64_t) get_u64(buf + 24);

	if (version != KF_COUNTER_FORMAT_VERSION)
		return kf_error_set(err, "%s: unsupported counter file version %u (this build reads version %d)",
							path, version, KF_COUNTER_FORMAT_VERSION);
	if (record_size != KF_COUNTER_RECORD_SIZE)
		return kf_error_set(err, "%s: corrupt counter file: record size %u, expected %d", path, record_size,
							KF_COUNTER_RECORD_SIZE);
	if (rows == 0 || rows > KF_COUNTER_MAX_ROWS ||
		len != KF_COUNTER_HEADER_SIZE + (size_t) rows * KF_COUNTER_RECORD_SIZE + KF_COUNTER_TRAILER_SIZE)
		return kf_error_set(err, "%s: corrupt counter file: %zu bytes do not hold the %u rows its header announces",
							path, len, rows);
	if (kf_crc32c(buf, len - KF_COUNTER_TRAILER_SIZE) != get_u32(buf + len - KF_COUNTER_TRAILER_SIZE))
		return kf_error_set(err, "%s: corrupt counter file: checksum mismatch", path);
	if (hour < INT64_MIN / 2 || hour > INT64_MAX / 2 || hour_of(hour) != hour)
		return kf_error_set(err, "%s: corrupt counter file: hour %lld is not an hour start", path, (long long) hour);

	kf_counter_row *decoded = malloc((size_t) rows * sizeof(*decoded));

	if (decoded == NULL)
		return kf_error_set(err, "%s: out of memory reading %u counter rows", path, rows);
	for (uint32_t i = 0; i < rows; i++)
	{
		decode_row(buf + KF_COUNTER_HEADER_SIZE + (size_t) i * KF_COUNTER_RECORD_SIZE, &decoded[i]);
		if (decoded[i].ctimestamp < hour || decoded[i].ctimestamp >= hour + HOUR_SECONDS ||
			(i > 0 && decoded[i].ctimestamp < decoded[i - 1].ctimestamp))
		{
			long long	bad_time = (long long) decoded[i].ctimestamp;

			free(decoded);
			return kf_error_set(err, "%s: corrupt counter file: row %u (time %lld) is outside hour %lld or out of order",
								path, i, bad_time, (long long) hour);
		}
	}
	out->device_id = get_u32(buf + 16);
	out->hour = hour;
	out->count = rows;
	out->rows = decoded;
	return 0;
}

int
kf_counter_file_read(const char *path, kf_counter_file *out, kf_error *err)
{
	int			fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;

	memset(out, 0, sizeof(*out));
	if (fd < 0)
		return kf_error_set(err, "%s: cannot open counter file: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0)
	{
		kf_error_set(err, "%s: cannot stat counter file: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (st.st_size < KF_COUNTER_HEADER_SIZE + KF_COUNTER_TRAILER_SIZE ||
		(uint64_t) st.st_size > KF_COUNTER_HEADER_SIZE + (uint64_t) KF_COUNTER_MAX_ROWS * KF_COUNTER_RECORD_SIZE +
		KF_COUNTER_TRAILER_SIZE)
	{
		close(fd);
		return kf_error_set(err, "%s: corrupt counter file: size %lld is impossible", path, (long long) st.st_size);
	}

	size_t		len = (size_t) st.st_size;
	uint8_t    *buf = malloc(len);
	int			rc;

	if (buf == NULL)
	{
		close(fd);
		return kf_error_set(err, "%s: out of memory reading a counter file", path);
	}
	rc = kf_pread_exact(fd, buf, len, 0, path, err);
	close(fd);
	if (rc == 0)
		rc = kf_counter_file_parse(buf, len, path, out, err);
	free(buf);
	return rc;
}

int
kf_counter_file_read_listed(const kf_counter_file_info *info, kf_counter_file *out, kf_error *err)
{
	if (kf_counter_file_read(info->path, out, err) != 0)
		return -1;
	if (out->device_id != info->device_id || out->hour != info->hour ||
		out->rows[0].ctimestamp != info->min_ts || out->rows[out->count - 1].ctimestamp != info->max_ts)
	{
		kf_counter_file_free(out);
		return kf_error_set(err, "%s: corrupt counter file: its header or rows do not match its device, hour or name",
							info->path);
	}
	return 0;
}

/* ---------------------------------------------------------------- listing */

/* Parses a decimal name component of exactly len characters. */
static bool
parse_number(const char *s, size_t len, uint64_t *v)
{
	return len > 0 && kf_parse_decimal(s, len, v);
}

/* "c-<MIN>-<MAX>-<TOKEN>.kfc" with MIN <= MAX (times are never negative in practice: epoch seconds). */
static bool
parse_counter_name(const char *name, int64_t *min_ts, int64_t *max_ts)
{
	size_t		len = strlen(name);
	size_t		suffix = strlen(KF_COUNTER_SUFFIX);
	const char *p = name + 2;
	const char *dash;
	uint64_t	lo,
				hi;

	if (len <= 2 + suffix || strncmp(name, "c-", 2) != 0 || strcmp(name + len - suffix, KF_COUNTER_SUFFIX) != 0)
		return false;
	if ((dash = strchr(p, '-')) == NULL || !parse_number(p, (size_t) (dash - p), &lo))
		return false;
	p = dash + 1;
	if ((dash = strchr(p, '-')) == NULL || !parse_number(p, (size_t) (dash - p), &hi) || lo > hi ||
		hi > (uint64_t) INT64_MAX)
		return false;
	*min_ts = (int64_t) lo;
	*max_ts = (int64_t) hi;
	return true;
}

static bool
device_wanted(uint32_t id, const uint32_t *devices, size_t ndevices)
{
	if (ndevices == 0)
		return true;
	for (size_t i = 0; i < ndevices; i++)
		if (devices[i] == id)
			return true;
	return false;
}

static int
append_file(kf_counter_file_list *out, size_t *cap, const kf_counter_file_info *info)
{
	if (out->count == *cap)
	{
		size_t		grown_cap = *cap ? *cap * 2 : 16;
		kf_counter_file_info *grown = realloc(out->files, grown_cap * sizeof(*grown));

		if (grown == NULL)
			return -1;
		out->files = grown;
		*cap = grown_cap;
	}
	out->files[out->count] = *info;
	if ((out->files[out->count].path = strdup(info->path)) == NULL)
		return -1;
	out->count++;
	return 0;
}

/* Opens a directory; *dir is NULL without error when it vanished or is not a directory. */
static int
open_dir(const char *path, DIR **dir, kf_error *err)
{
	*dir = opendir(path);
	if (*dir == NULL && errno != ENOENT && errno != ENOTDIR)
		return kf_error_set(err, "%s: cannot list: %s", path, strerror(errno));
	return 0;
}

/* Lists the files of one hour directory that overlap [min_ts, max_ts]. */
static int
list_hour(const char *hour_path, uint32_t device_id, int64_t hour, int64_t min_ts, int64_t max_ts,
		  kf_counter_file_list *out, size_t *cap, kf_error *err)
{
	DIR		   *dir;
	struct dirent *de;
	int			rc = 0;

	if (open_dir(hour_path, &dir, err) != 0)
		return -1;
	while (dir != NULL && rc == 0 && (de = readdir(dir)) != NULL)
	{
		kf_counter_file_info info = {NULL, device_id, hour, 0, 0};
		char		path[PATH_MAX];

		if (!parse_counter_name(de->d_name, &info.min_ts, &info.max_ts) || info.max_ts < min_ts ||
			info.min_ts > max_ts)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", hour_path, de->d_name) >= (int) sizeof(path))
			rc = kf_error_set(err, "%s/%s: path too long", hour_path, de->d_name);
		else
		{
			info.path = path;
			if (append_file(out, cap, &info) != 0)
				rc = kf_error_set(err, "%s: out of memory listing counter files", hour_path);
		}
	}
	if (dir != NULL)
		closedir(dir);
	return rc;
}

/* Lists the hour directories of one device directory that overlap [min_ts, max_ts]. */
static int
list_device(const char *dev_path, uint32_t device_id, int64_t min_ts, int64_t max_ts,
			kf_counter_file_list *out, size_t *cap, kf_error *err)
{
	DIR		   *dir;
	struct dirent *de;
	int			rc = 0;

	if (open_dir(dev_path, &dir, err) != 0)
		return -1;
	while (dir != NULL && rc == 0 && (de = readdir(dir)) != NULL)
	{
		uint64_t	hour;
		char		path[PATH_MAX];

		if (!parse_number(de->d_name, strlen(de->d_name), &hour) || hour > (uint64_t) INT64_MAX / 2 ||
			(int64_t) hour + HOUR_SECONDS - 1 < min_ts || (int64_t) hour > max_ts)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dev_path, de->d_name) >= (int) sizeof(path))
			rc = kf_error_set(err, "%s/%s: path too long", dev_path, de->d_name);
		else
			rc = list_hour(path, device_id, (int64_t) hour, min_ts, max_ts, out, cap, err);
	}
	if (dir != NULL)
		closedir(dir);
	return rc;
}

static int
compare_infos(const void *a, const void *b)
{
	const kf_counter_file_info *x = a;
	const kf_counter_file_info *y = b;

	if (x->device_id != y->device_id)
		return x->device_id < y->device_id ? -1 : 1;
	if (x->min_ts != y->min_ts)
		return x->min_ts < y->min_ts ? -1 : 1;
	return strcmp(x->path, y->path);
}

int
kf_counter_files_list(const char *data_dir, const uint32_t *devices, size_t ndevices, int64_t min_ts,
					  int64_t max_ts, kf_counter_file_list *out, kf_error *err)
{
	char		root[PATH_MAX];
	DIR		   *dir;
	struct dirent *de;
	size_t		cap = 0;
	int			rc = 0;

	out->files = NULL;
	out->count = 0;
	if (snprintf(root, sizeof(root), "%s/%s", data_dir, KF_COUNTERS_DIR_NAME) >= (int) sizeof(root))
		return kf_error_set(err, "%s: path too long", data_dir);
	if (min_ts > max_ts || open_dir(root, &dir, err) != 0)
		return min_ts > max_ts ? 0 : -1;
	while (dir != NULL && rc == 0 && (de = readdir(dir)) != NULL)
	{
		uint64_t	id;
		char		path[PATH_MAX];

		if (strncmp(de->d_name, "dev-", 4) != 0 || !parse_number(de->d_name + 4, strlen(de->d_name + 4), &id) ||
			id == 0 || id > UINT32_MAX || !device_wanted((uint32_t) id, devices, ndevices))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", root, de->d_name) >= (int) sizeof(path))
			rc = kf_error_set(err, "%s/%s: path too long", root, de->d_name);
		else
			rc = list_device(path, (uint32_t) id, min_ts, max_ts, out, &cap, err);
	}
	if (dir != NULL)
		closedir(dir);
	if (rc != 0)
	{
		kf_counter_file_list_free(out);
		return -1;
	}
	if (out->count > 1)
		qsort(out->files, out->count, sizeof(*out->files), compare_infos);
	return 0;
}

void
kf_counter_file_list_free(kf_counter_file_list *list)
{
	for (size_t i = 0; i < list->count; i++)
		free(list->files[i].path);
	free(list->files);
	list->files = NULL;
	list->count = 0;
}
