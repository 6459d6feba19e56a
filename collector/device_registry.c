/*
 * device_registry.c -- the device registry (see device_registry.h) on top of the store's kf_devices_* files.
 */
#include "collector/device_registry.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/addr_text.h"
#include "collector/collector_log.h"
#include "collector/text_file.h"

struct kf_device_registry
{
	char	   *data_dir;
	kf_device_list list;
	bool		dirty;
};

static bool
parse_uint32(const char *text, uint32_t *out)
{
	char	   *end;

	if (*text < '0' || *text > '9')
		return false;
	errno = 0;
	unsigned long long v = strtoull(text, &end, 10);

	if (*end != '\0' || errno || v > UINT32_MAX)
		return false;
	*out = (uint32_t) v;
	return true;
}

static int
append_device(kf_device_list *list, const kf_device *d)
{
	kf_device  *grown = realloc(list->devices, (list->count + 1) * sizeof(*grown));

	if (!grown)
		return -1;
	list->devices = grown;
	list->devices[list->count++] = *d;
	return 0;
}

/* Parses the fields of one non-blank line into d. */
static int
parse_device_line(char *line, const char *source, size_t lineno, kf_device *d, kf_error *err)
{
	char	   *save;
	char	   *fields[5];
	int			n = 0;

	for (char *tok = strtok_r(line, " \t\r", &save); tok; tok = strtok_r(NULL, " \t\r", &save))
		fields[n < 5 ? n++ : 4] = tok;
	if (n < 3 || n > 4)
		return kf_error_set(err, "%s:%zu: expected \"ID NAME EXPORTER_ADDRESS [SAMPLE_RATE]\"", source, lineno);
	memset(d, 0, sizeof(*d));
	if (!parse_uint32(fields[0], &d->id) || d->id == 0)
		return kf_error_set(err, "%s:%zu: device id \"%s\" is not a number from 1 to 4294967295",
							source, lineno, fields[0]);
	if (strlen(fields[1]) >= KF_DEVICE_NAME_MAX)
		return kf_error_set(err, "%s:%zu: device name is longer than %d bytes", source, lineno,
							KF_DEVICE_NAME_MAX - 1);
	strcpy(d->name, fields[1]);
	if (!kf_addr_parse(fields[2], &d->exporter))
		return kf_error_set(err, "%s:%zu: \"%s\" is not an IPv4 or IPv6 address", source, lineno, fields[2]);
	if (n == 4 && (!parse_uint32(fields[3], &d->sample_rate) || d->sample_rate == 0))
		return kf_error_set(err, "%s:%zu: sample rate \"%s\" is not a number from 1 to 4294967295",
							source, lineno, fields[3]);
	return 0;
}

/* Rejects a device whose id or exporter an earlier line of the same file already used. */
static int
check_unique(const kf_device_list *list, const kf_device *d, const char *source, size_t lineno, kf_error *err)
{
	for (size_t i = 0; i < list->count; i++)
	{
		if (list->devices[i].id == d->id)
			return kf_error_set(err, "%s:%zu: device id %u is listed twice", source, lineno, d->id);
		if (kf_addr_cmp(list->devices[i].exporter, d->exporter) == 0)
			return kf_error_set(err, "%s:%zu: exporter address of device %u is already device %u's",
								source, lineno, d->id, list->devices[i].id);
	}
	return 0;
}

static int
compare_device_ids(const void *a, const void *b)
{
	const kf_device *x = a,
			   *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

int
kf_devices_file_parse(const char *text, const char *source, kf_device_list *out, kf_error *err)
{
	char	   *copy = strdup(text);
	size_t		lineno = 0;

	out->devices = NULL;
	out->count = 0;
	if (!copy)
		return kf_error_set(err, "%s: out of memory", source);
	char	   *next;

	for (char *line = copy; line; line = next)
	{
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		char	   *hash = strchr(line, '#');

		if (hash)
			*hash = '\0';
		if (strspn(line, " \t\r") == strlen(line))
			continue;
		kf_device	d;

		if (parse_device_line(line, source, lineno, &d, err) < 0 ||
			check_unique(out, &d, source, lineno, err) < 0)
			goto fail;
		if (append_device(out, &d) < 0)
		{
			kf_error_set(err, "%s: out of memory", source);
			goto fail;
		}
	}
	free(copy);
	qsort(out->devices, out->count, sizeof(kf_device), compare_device_ids);
	return 0;
fail:
	free(copy);
	kf_device_list_free(out);
	return -1;
}

static bool
same_device(const kf_device *a, const kf_device *b)
{
	return a->id == b->id && strcmp(a->name, b->name) == 0 &&
		kf_addr_cmp(a->exporter, b->exporter) == 0 && a->sample_rate == b->sample_rate;
}

int
kf_devices_apply(kf_device_list *known, const kf_device_list *file, bool *changed, kf_error *err)
{
	*changed = false;
	for (size_t f = 0; f < file->count; f++)
	{
		const kf_device *fd = &file->devices[f];
		bool		found = false;

		for (size_t k = 0; k < known->count; k++)
		{
			kf_device  *kd = &known->devices[k];

			if (kd->id == fd->id)
			{
				found = true;
				if (!same_device(kd, fd))
				{
					*kd = *fd;
					*changed = true;
				}
			}
			else if (kf_addr_cmp(kd->exporter, fd->exporter) == 0)
			{
				/* the address now belongs to the file's device; keep the old one for its data */
				kd->exporter = (kf_addr) {0, 0};
				*changed = true;
			}
		}
		if (!found)
		{
			if (append_device(known, fd) < 0)
				return kf_error_set(err, "out of memory applying the devices file");
			*changed = true;
		}
	}
	qsort(known->devices, known->count, sizeof(kf_device), compare_device_ids);
	return 0;
}

/* Reads and applies the --devices file onto reg's list. */
static int
apply_devices_file(kf_device_registry *reg, const char *path, kf_error *err)
{
	char	   *text = kf_read_text_file(path, "devices file", err);

	if (!text)
		return -1;
	kf_device_list file;
	int			rc = kf_devices_file_parse(text, path, &file, err);

	free(text);
	if (rc < 0)
		return -1;
	bool		changed;

	rc = kf_devices_apply(&reg->list, &file, &changed, err);
	kf_device_list_free(&file);
	if (changed)
		reg->dirty = true;
	return rc;
}

kf_device_registry *
kf_device_registry_open(const char *data_dir, const char *devices_file, kf_error *err)
{
	kf_device_registry *reg = calloc(1, sizeof(*reg));

	if (!reg || !(reg->data_dir = strdup(data_dir)))
	{
		free(reg);
		kf_error_set(err, "out of memory");
		return NULL;
	}
	if (kf_devices_load(data_dir, &reg->list, err) < 0 ||
		(devices_file && apply_devices_file(reg, devices_file, err) < 0) ||
		kf_device_registry_save_pending(reg, err) < 0)
	{
		kf_device_registry_free(reg);
		return NULL;
	}
	return reg;
}

void
kf_device_registry_free(kf_device_registry *reg)
{
	if (!reg)
		return;
	kf_device_list_free(&reg->list);
	free(reg->data_dir);
	free(reg);
}

/* Assigns the next free id to a new exporter, named after its address. */
static int
assign_device(kf_device_registry *reg, kf_addr exporter, kf_device *out, kf_error *err)
{
	uint32_t	highest = reg->list.count ? reg->list.devices[reg->list.count - 1].id : 0;
	kf_device	d;

	if (highest == UINT32_MAX)
		return kf_error_set(err, "no device id left for a new exporter");
	memset(&d, 0, sizeof(d));
	d.id = highest + 1;
	d.exporter = exporter;
	kf_addr_format(exporter, d.name, sizeof(d.name));
	if (append_device(&reg->list, &d) < 0)
		return kf_error_set(err, "out of memory adding a device");
	reg->dirty = true;
	kf_log("new exporter %s: assigned device id %u", d.name, d.id);
	*out = d;
	return kf_device_registry_save_pending(reg, err);
}

int
kf_device_registry_resolve(kf_device_registry *reg, kf_addr exporter, kf_device *out, kf_error *err)
{
	for (size_t i = 0; i < reg->list.count; i++)
		if (kf_addr_cmp(reg->list.devices[i].exporter, exporter) == 0 && !kf_addr_is_absent(exporter))
		{
			*out = reg->list.devices[i];
			return 0;
		}
	return assign_device(reg, exporter, out, err);
}

bool
kf_device_registry_dirty(const kf_device_registry *reg)
{
	return reg->dirty;
}

int
kf_device_registry_save_pending(kf_device_registry *reg, kf_error *err)
{
	if (!reg->dirty)
		return 0;
	if (kf_devices_save(reg->data_dir, &reg->list, err) < 0)
		return -1;
	reg->dirty = false;
	return 0;
}

const kf_device_list *
kf_device_registry_list(const kf_device_registry *reg)
{
	return &reg->list;
}
