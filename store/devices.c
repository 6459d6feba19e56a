/*
 * devices.c -- the device registry DIR/devices.
 *
 * A text file, one device per line: "ID NAME EXPORTER SAMPLE_RATE", fields separated by blanks,
 * '#' starting a comment that runs to the end of the line, blank lines ignored.  EXPORTER is an
 * IPv4 dotted quad, IPv6 text, or '-' when unknown; SAMPLE_RATE 0 means "use what the exporter
 * says".  Saving rewrites the whole file atomically (durable_io.c: kf_replace_file).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/durable_io.h"

#define DEVICES_FILE "devices"

static bool
parse_u32(const char *s, uint32_t *out)
{
	uint64_t	v = 0;

	if (*s == '\0' || strlen(s) > 10)
		return false;
	for (; *s; s++)
	{
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (uint64_t) (*s - '0');
	}
	if (v > UINT32_MAX)
		return false;
	*out = (uint32_t) v;
	return true;
}

/* Parses "-", an IPv4 dotted quad (stored v4-mapped) or IPv6 text. */
static bool
parse_exporter(const char *s, kf_addr *out)
{
	unsigned char bytes[16];

	*out = (kf_addr) {0, 0};
	if (strcmp(s, "-") == 0)
		return true;
	if (inet_pton(AF_INET, s, bytes) == 1)
	{
		*out = kf_addr_from_v4((uint32_t) bytes[0] << 24 | (uint32_t) bytes[1] << 16 |
							   (uint32_t) bytes[2] << 8 | bytes[3]);
		return true;
	}
	if (inet_pton(AF_INET6, s, bytes) != 1)
		return false;
	for (int i = 0; i < 8; i++)
	{
		out->hi = out->hi << 8 | bytes[i];
		out->lo = out->lo << 8 | bytes[8 + i];
	}
	return true;
}

/* Formats an exporter the way parse_exporter reads it back. */
static void
format_exporter(kf_addr a, char *buf, size_t size)
{
	if (kf_addr_is_absent(a))
	{
		snprintf(buf, size, "-");
		return;
	}
	if (kf_addr_is_v4(a))
	{
		snprintf(buf, size, "%u.%u.%u.%u", (unsigned) (a.lo >> 24) & 0xff, (unsigned) (a.lo >> 16) & 0xff,
				 (unsigned) (a.lo >> 8) & 0xff, (unsigned) a.lo & 0xff);
		return;
	}

	unsigned char bytes[16];

	for (int i = 0; i < 8; i++)
	{
		bytes[i] = (unsigned char) (a.hi >> (56 - 8 * i));
		bytes[8 + i] = (unsigned char) (a.lo >> (56 - 8 * i));
	}
	inet_ntop(AF_INET6, bytes, buf, (socklen_t) size);
}

static bool
valid_name(const char *name)
{
	size_t		len = strnlen(name, KF_DEVICE_NAME_MAX);

	if (len == 0 || len >= KF_DEVICE_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) name[i];

		if (c <= ' ' || c == '#' || c == 0x7f)
			return false;
	}
	return true;
}

/* Parses one line into *dev; returns false (with *blank true for comment-only lines) when none. */
static bool
parse_line(char *line, kf_device *dev, bool *blank)
{
	char	   *hash = strchr(line, '#');
	char	   *fields[5] = {NULL};
	int			nfields = 0;
	char	   *save = NULL;

	if (hash)
		*hash = '\0';
	for (char *tok = strtok_r(line, " \t\r\n", &save); tok && nfields < 5; tok = strtok_r(NULL, " \t\r\n", &save))
		fields[nfields++] = tok;
	*blank = nfields == 0;
	if (nfields != 4 || !parse_u32(fields[0], &dev->id) || dev->id == 0 || !valid_name(fields[1]) ||
		!parse_exporter(fields[2], &dev->exporter) || !parse_u32(fields[3], &dev->sample_rate))
		return false;
	snprintf(dev->name, sizeof(dev->name), "%s", fields[1]);
	return true;
}

static int
compare_devices(const void *a, const void *b)
{
	uint32_t	ia = ((const kf_device *) a)->id,
				ib = ((const kf_device *) b)->id;

	return ia < ib ? -1 : ia > ib;
}

/* Sorts the list and rejects a repeated id; path is for the message. */
static int
sort_and_check_unique(kf_device *devices, size_t count, const char *path, kf_error *err)
{
	qsort(devices, count, sizeof(*devices), compare_devices);
	for (size_t i = 1; i < count; i++)
	{
		if (devices[i].id == devices[i - 1].id)
			return kf_error_set(err, "%s: device id %u is listed twice", path, devices[i].id);
	}
	return 0;
}

static int
append_device(kf_device_list *out, size_t *cap, const kf_device *dev)
{
	if (out->count == *cap)
	{
		size_t		grown_cap = *cap ? *cap * 2 : 16;
		kf_device  *grown = realloc(out->devices, grown_cap * sizeof(*grown));

		if (grown == NULL)
			return -1;
		out->devices = grown;
		*cap = grown_cap;
	}
	out->devices[out->count++] = *dev;
	return 0;
}

static int
read_devices(FILE *f, const char *path, kf_device_list *out, kf_error *err)
{
	char	   *line = NULL;
	size_t		line_cap = 0;
	size_t		cap = 0;
	int			rc = 0;

	for (unsigned lineno = 1; rc == 0 && getline(&line, &line_cap, f) >= 0; lineno++)
	{
		kf_device	dev;
		bool		blank;

		if (parse_line(line, &dev, &blank))
		{
			if (append_device(out, &cap, &dev) != 0)
				rc = kf_error_set(err, "%s: out of memory", path);
		}
		else if (!blank)
			rc = kf_error_set(err, "%s:%u: expected \"ID NAME EXPORTER SAMPLE_RATE\" (ID >= 1, NAME without "
							  "blanks or '#', EXPORTER an address or '-')", path, lineno);
	}
	if (rc == 0 && ferror(f))
		rc = kf_error_set(err, "%s: read failed: %s", path, strerror(errno));
	free(line);
	if (rc == 0)
		rc = sort_and_check_unique(out->devices, out->count, path, err);
	return rc;
}

int
kf_devices_load(const char *data_dir, kf_device_list *out, kf_error *err)
{
	char		path[4096];

	out->devices = NULL;
	out->count = 0;
	if (snprintf(path, sizeof(path), "%s/%s", data_dir, DEVICES_FILE) >= (int) sizeof(path))
		return kf_error_set(err, "%s: path too long", data_dir);

	FILE	   *f = fopen(path, "re");

	if (f == NULL)
		return errno == ENOENT ? 0 : kf_error_set(err, "%s: cannot open: %s", path, strerror(errno));

	int			rc = read_devices(f, path, out, err);

	fclose(f);
	if (rc != 0)
		kf_device_list_free(out);
	return rc;
}

/* Renders the list as the file's text into a malloc'd buffer. */
static int
render_devices(const kf_device *sorted, size_t count, char **text, size_t *len)
{
	FILE	   *f = open_memstream(text, len);

	if (f == NULL)
		return -1;
	fprintf(f, "# kflowd device registry: ID NAME EXPORTER SAMPLE_RATE (0 = as exported)\n");
	for (size_t i = 0; i < count; i++)
	{
		char		exporter[64];

		format_exporter(sorted[i].exporter, exporter, sizeof(exporter));
		fprintf(f, "%u %s %s %u\n", sorted[i].id, sorted[i].name, exporter, sorted[i].sample_rate);
	}
	return fclose(f) == 0 ? 0 : -1;
}

int
kf_devices_save(const char *data_dir, const kf_device_list *list, kf_error *err)
{
	char		path[4096];
	kf_device  *sorted = malloc((list->count ? list->count : 1) * sizeof(*sorted));

	snprintf(path, sizeof(path), "%s/%s", data_dir, DEVICES_FILE);
	if (sorted == NULL)
		return kf_error_set(err, "%s: out of memory", path);
	if (list->count)
		memcpy(sorted, list->devices, list->count * sizeof(*sorted));

	int			rc = 0;

	for (size_t i = 0; rc == 0 && i < list->count; i++)
	{
		if (sorted[i].id == 0 || !valid_name(sorted[i].name))
			rc = kf_error_set(err, "%s: device %u has an invalid id or name", path, sorted[i].id);
	}
	if (rc == 0)
		rc = sort_and_check_unique(sorted, list->count, path, err);

	char	   *text = NULL;
	size_t		len = 0;

	if (rc == 0 && render_devices(sorted, list->count, &text, &len) != 0)
		rc = kf_error_set(err, "%s: out of memory", path);
	if (rc == 0)
		rc = kf_replace_file(data_dir, DEVICES_FILE, text, len, err);
	free(text);
	free(sorted);
	return rc;
}

void
kf_device_list_free(kf_device_list *list)
{
	free(list->devices);
	list->devices = NULL;
	list->count = 0;
}

const kf_device *
kf_device_list_find(const kf_device_list *list, uint32_t id)
{
	for (size_t i = 0; i < list->count; i++)
	{
		if (list->devices[i].id == id)
			return &list->devices[i];
	}
	return NULL;
}
