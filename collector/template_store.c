/*
 * template_store.c -- saves and restores the template cache (see template_store.h).
 *
 * Layout (little-endian; docs/format.md, "Collector state"):
 *   header   "KFTEMPL\0", u32 version, u32 entry count
 *   entry    u8 kind (1 template, 2 sampling, 3 sampler, 4 interface), u8 export version (9 or
 *            10), u16 template id (0 unless a template), u32 domain, u64 exporter hi, u64
 *            exporter lo, then
 *            template: u16 field count, u16 scope field count, u8 options flag, u8 zero,
 *                      per field u16 element id, u16 length, u32 enterprise number
 *            sampling: u64 interval
 *            sampler: u64 sampler id, u64 rate
 *            interface: u32 ifIndex, u16 description length, the description's bytes
 *   trailer  u32 CRC32C of everything before it
 * Version 1 files (kinds 1 and 2 only) are still read.
 */
#include "collector/template_store.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collector/collector_log.h"
#include "store/crc32c.h"
#include "store/durable_io.h"
#include "store/part_format.h"

#define MAGIC "KFTEMPL"			/* with its NUL: 8 bytes */
#define MAGIC_LEN 8
#define HEADER_LEN (MAGIC_LEN + 8)
#define ENTRY_COMMON_LEN 24
#define TEMPLATE_HEAD_LEN 6
#define FIELD_LEN 8
#define SAMPLING_LEN 8
#define SAMPLER_LEN 16
#define INTERFACE_HEAD_LEN 6
#define KIND_TEMPLATE 1
#define KIND_SAMPLING 2
#define KIND_SAMPLER 3			/* since version 2 */
#define KIND_INTERFACE 4		/* since version 2 */
#define OLDEST_READABLE_VERSION 1

/* Larger than any cache the limits of template_cache.h allow, so a sane file always fits. */
#define MAX_FILE_BYTES ((size_t) 256 << 20)

typedef struct encoder
{
	uint8_t    *buf;
	size_t		len;
	size_t		cap;
	uint32_t	count;
	bool		failed;
} encoder;

static uint8_t *
reserve(encoder *e, size_t n)
{
	if (e->failed || kf_grow_bytes(&e->buf, &e->cap, e->len + n) != 0)
	{
		e->failed = true;
		return NULL;
	}
	uint8_t    *p = e->buf + e->len;

	e->len += n;
	return p;
}

/* Writes the 24 bytes every entry starts with. */
static void
put_entry_common(uint8_t *p, uint8_t kind, uint8_t version, uint16_t template_id, uint32_t domain, kf_addr exporter)
{
	p[0] = kind;
	p[1] = version;
	kf_put_u16(p + 2, template_id);
	kf_put_u32(p + 4, domain);
	kf_put_u64(p + 8, exporter.hi);
	kf_put_u64(p + 16, exporter.lo);
}

static void
encode_entry(void *arg, const kf_template_key *key, const kf_template *tpl, uint64_t sampling)
{
	encoder    *e = arg;
	size_t		body = tpl ? TEMPLATE_HEAD_LEN + (size_t) FIELD_LEN * tpl->nfields : SAMPLING_LEN;
	uint8_t    *p = reserve(e, ENTRY_COMMON_LEN + body);

	if (!p)
		return;
	put_entry_common(p, tpl ? KIND_TEMPLATE : KIND_SAMPLING, key->version, key->template_id, key->domain,
					 key->exporter);
	p += ENTRY_COMMON_LEN;
	if (tpl)
	{
		kf_put_u16(p, tpl->nfields);
		kf_put_u16(p + 2, tpl->nscope);
		p[4] = tpl->is_options ? 1 : 0;
		p[5] = 0;
		p += TEMPLATE_HEAD_LEN;
		for (uint16_t i = 0; i < tpl->nfields; i++, p += FIELD_LEN)
		{
			kf_put_u16(p, tpl->fields[i].ie);
			kf_put_u16(p + 2, tpl->fields[i].length);
			kf_put_u32(p + 4, tpl->fields[i].enterprise);
		}
	}
	else
		kf_put_u64(p, sampling);
	e->count++;
}

static void
encode_option(void *arg, kf_addr exporter, uint8_t version, uint32_t domain, uint64_t id, uint64_t rate,
			  const char *description)
{
	encoder    *e = arg;
	size_t		text_len = description ? strlen(description) : 0;
	uint8_t    *p = reserve(e, ENTRY_COMMON_LEN + (description ? INTERFACE_HEAD_LEN + text_len : SAMPLER_LEN));

	if (!p)
		return;
	put_entry_common(p, description ? KIND_INTERFACE : KIND_SAMPLER, version, 0, domain, exporter);
	p += ENTRY_COMMON_LEN;
	if (description)
	{
		kf_put_u32(p, (uint32_t) id);
		kf_put_u16(p + 4, (uint16_t) text_len);
		memcpy(p + INTERFACE_HEAD_LEN, description, text_len);
	}
	else
	{
		kf_put_u64(p, id);
		kf_put_u64(p + 8, rate);
	}
	e->count++;
}

int
kf_template_store_encode(const kf_template_cache *tc, uint8_t **out, size_t *len, kf_error *err)
{
	encoder		e = {0};
	uint8_t    *header = reserve(&e, HEADER_LEN);

	if (header)
		memcpy(header, MAGIC, MAGIC_LEN);
	kf_template_cache_foreach(tc, encode_entry, &e);
	kf_template_cache_foreach_option(tc, encode_option, &e);
	uint8_t    *trailer = reserve(&e, 4);

	if (e.failed)
	{
		free(e.buf);
		return kf_error_set(err, "out of memory while saving templates");
	}
	kf_put_u32(e.buf + MAGIC_LEN, KF_TEMPLATE_STORE_VERSION);
	kf_put_u32(e.buf + MAGIC_LEN + 4, e.count);
	kf_put_u32(trailer, kf_crc32c(e.buf, e.len - 4));
	*out = e.buf;
	*len = e.len;
	return 0;
}

/*
 * Checks (and with tc, restores) the sampler or interface entry at data + *pos, moving *pos past
 * it.  Returns 0 or -1 with the reason in err.
 */
static int
walk_option(const uint8_t *data, size_t *pos, size_t end, uint32_t n, uint8_t kind, const kf_template_key *key,
			kf_template_cache *tc, kf_error *err)
{
	if (key->template_id != 0)
		return kf_error_set(err, "entry %u (kind %u) has template id %u", n, kind, key->template_id);
	if (kind == KIND_SAMPLER)
	{
		if (end - *pos < SAMPLER_LEN)
			return kf_error_set(err, "entry %u is cut short", n);
		uint64_t	rate = kf_get_u64(data + *pos + 8);

		if (rate == 0)
			return kf_error_set(err, "entry %u is a sampler of rate 0", n);
		if (tc)
			kf_template_cache_set_sampler(tc, key->exporter, key->version, key->domain, kf_get_u64(data + *pos),
										  rate);
		*pos += SAMPLER_LEN;
		return 0;
	}
	if (end - *pos < INTERFACE_HEAD_LEN)
		return kf_error_set(err, "entry %u is cut short", n);
	uint16_t	text_len = kf_get_u16(data + *pos + 4);

	if (text_len == 0 || text_len > KF_OPTION_DESCRIPTION_MAX)
		return kf_error_set(err, "entry %u is an interface description of %u bytes", n, text_len);
	if (end - *pos - INTERFACE_HEAD_LEN < text_len)
		return kf_error_set(err, "entry %u is cut short", n);
	if (tc)
		kf_template_cache_set_interface(tc, key->exporter, key->version, key->domain, kf_get_u32(data + *pos),
										data + *pos + INTERFACE_HEAD_LEN, text_len);
	*pos += INTERFACE_HEAD_LEN + text_len;
	return 0;
}

/*
 * Walks the entries of a checked file of format `version`.  With tc NULL it only validates;
 * otherwise it adds every entry.  Returns 0 or -1 with the reason in err (only in the validating
 * pass).
 */
static int
walk_entries(const uint8_t *data, size_t len, uint32_t version, uint32_t count, kf_template_cache *tc,
			 size_t *restored, size_t *refused, kf_error *err)
{
	uint8_t		last_kind = version >= 2 ? KIND_INTERFACE : KIND_SAMPLING;

	size_t		pos = HEADER_LEN;
	size_t		end = len - 4;
	kf_template_field *fields = tc ? malloc(sizeof(kf_template_field) * KF_TEMPLATE_MAX_FIELDS) : NULL;

	if (tc && !fields)
		return kf_error_set(err, "out of memory while restoring templates");
	for (uint32_t n = 0; n < count; n++)
	{
		if (end - pos < ENTRY_COMMON_LEN)
			return kf_error_set(err, "entry %u is cut short", n);
		const uint8_t *p = data + pos;
		kf_template_key key = {{kf_get_u64(p + 8), kf_get_u64(p + 16)}, kf_get_u32(p + 4), kf_get_u16(p + 2), p[1]};
		uint8_t		kind = p[0];

		pos += ENTRY_COMMON_LEN;
		if ((key.version != 9 && key.version != 10) || kind < KIND_TEMPLATE || kind > last_kind)
			return kf_error_set(err, "entry %u has kind %u and export version %u", n, kind, key.version);
		if (kind == KIND_SAMPLER || kind == KIND_INTERFACE)
		{
			/* errors only happen in the validating pass, which has no fields to free */
			if (walk_option(data, &pos, end, n, kind, &key, tc, err) != 0)
				return -1;
			continue;
		}
		if (kind == KIND_SAMPLING)
		{
			if (end - pos < SAMPLING_LEN)
				return kf_error_set(err, "entry %u is cut short", n);
			if (tc)
				kf_template_cache_set_sampling(tc, key.exporter, key.version, key.domain, kf_get_u64(data + pos));
			pos += SAMPLING_LEN;
			continue;
		}
		if (end - pos < TEMPLATE_HEAD_LEN)
			return kf_error_set(err, "entry %u is cut short", n);
		uint16_t	nfields = kf_get_u16(data + pos);
		uint16_t	nscope = kf_get_u16(data + pos + 2);
		uint8_t		is_options = data[pos + 4];

		pos += TEMPLATE_HEAD_LEN;
		if (key.template_id < KF_TEMPLATE_MIN_DATA_ID || nfields == 0 || nfields > KF_TEMPLATE_MAX_FIELDS ||
			nscope > nfields || is_options > 1 || (nscope > 0 && !is_options))
			return kf_error_set(err, "entry %u is not a valid template (id %u, %u fields, %u scope fields)",
								n, key.template_id, nfields, nscope);
		if ((end - pos) / FIELD_LEN < nfields)
			return kf_error_set(err, "entry %u is cut short", n);
		if (tc)
		{
			for (uint16_t i = 0; i < nfields; i++)
			{
				const uint8_t *f = data + pos + (size_t) FIELD_LEN * i;

				fields[i] = (kf_template_field) {kf_get_u16(f), kf_get_u16(f + 2), kf_get_u32(f + 4)};
			}
			if (kf_template_cache_put(tc, &key, fields, nfields, nscope, is_options) == 0)
				(*restored)++;
			else
				(*refused)++;
		}
		pos += (size_t) FIELD_LEN * nfields;
	}
	free(fields);
	if (pos != end)
		return kf_error_set(err, "%zu bytes after the last entry", end - pos);
	return 0;
}

int
kf_template_store_decode(const uint8_t *data, size_t len, kf_template_cache *tc, size_t *restored,
						 size_t *refused, kf_error *err)
{
	*restored = 0;
	*refused = 0;
	if (len < HEADER_LEN + 4 || memcmp(data, MAGIC, MAGIC_LEN) != 0)
		return kf_error_set(err, "not a kflowd template file");
	uint32_t	version = kf_get_u32(data + MAGIC_LEN);

	if (version < OLDEST_READABLE_VERSION || version > KF_TEMPLATE_STORE_VERSION)
		return kf_error_set(err, "template file version %u is not supported (this kflowd reads versions %u to %u)",
							version, OLDEST_READABLE_VERSION, KF_TEMPLATE_STORE_VERSION);
	if (kf_get_u32(data + len - 4) != kf_crc32c(data, len - 4))
		return kf_error_set(err, "template file checksum mismatch (damaged file)");
	uint32_t	count = kf_get_u32(data + MAGIC_LEN + 4);

	if (walk_entries(data, len, version, count, NULL, NULL, NULL, err) != 0)
		return -1;
	return walk_entries(data, len, version, count, tc, restored, refused, err);
}

int
kf_template_store_save(const char *data_dir, const kf_template_cache *tc, kf_error *err)
{
	uint8_t    *buf;
	size_t		len;

	if (kf_template_store_encode(tc, &buf, &len, err) != 0)
		return -1;
	int			rc = kf_replace_file(data_dir, KF_TEMPLATE_STORE_NAME, buf, len, err);

	free(buf);
	return rc;
}

int
kf_template_store_load(const char *data_dir, kf_template_cache *tc, size_t *restored, size_t *refused,
					   kf_error *err)
{
	char		path[PATH_MAX];
	struct stat st;

	*restored = 0;
	*refused = 0;
	if (snprintf(path, sizeof(path), "%s/%s", data_dir, KF_TEMPLATE_STORE_NAME) >= (int) sizeof(path))
		return kf_error_set(err, "%s: path too long", data_dir);
	int			fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errno == ENOENT ? 0 : kf_error_set(err, "%s: cannot open: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (size_t) st.st_size > MAX_FILE_BYTES)
	{
		close(fd);
		return kf_error_set(err, "%s: not a regular file of a sane size", path);
	}
	size_t		len = (size_t) st.st_size;
	uint8_t    *buf = malloc(len ? len : 1);
	int			rc;

	if (!buf)
		rc = kf_error_set(err, "%s: out of memory", path);
	else if ((rc = kf_pread_exact(fd, buf, len, 0, path, err)) == 0 &&
			 (rc = kf_template_store_decode(buf, len, tc, restored, refused, err)) != 0)
	{
		kf_error	inner = *err;

		rc = kf_error_set(err, "%s: %s", path, inner.msg);
	}
	free(buf);
	close(fd);
	return rc;
}

void
kf_template_saver_start(kf_template_saver *s, const char *data_dir, kf_template_cache *tc, double now)
{
	size_t		restored,
				refused;
	kf_error	err;

	s->data_dir = data_dir;
	s->last_attempt = now;
	if (kf_template_store_load(data_dir, tc, &restored, &refused, &err) != 0)
		kf_log("templates not restored, waiting for exporters to send them again: %s", err.msg);
	else if (restored > 0 || refused > 0)
		kf_log("restored %zu templates from %s/%s (%zu refused by the cache's limits)", restored, data_dir,
			   KF_TEMPLATE_STORE_NAME, refused);
	s->saved_generation = kf_template_cache_generation(tc);
}

void
kf_template_saver_tick(kf_template_saver *s, const kf_template_cache *tc, double now, bool final)
{
	uint64_t	generation = kf_template_cache_generation(tc);
	kf_error	err;

	if (generation == s->saved_generation || (!final && now - s->last_attempt < KF_TEMPLATE_SAVE_SECONDS))
		return;
	s->last_attempt = now;
	if (kf_template_store_save(s->data_dir, tc, &err) != 0)
	{
		kf_log("saving templates failed (retrying in %.0f s): %s", KF_TEMPLATE_SAVE_SECONDS, err.msg);
		return;
	}
	s->saved_generation = generation;
}
