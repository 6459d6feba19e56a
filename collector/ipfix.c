/*
 * ipfix.c -- IPFIX decoding (see ipfix.h).
 *
 * Message: 16-byte header (version 10, length, export time, sequence, observation domain), then
 * sets of (id, length).  Set 2 holds template records (id, field count, fields), set 3 options
 * template records (id, field count, scope field count, fields), ids >= 256 data.  A field
 * specifier is (element id, length) plus a 4-byte enterprise number when the id's top bit is set.
 * A template record with a field count of 0 withdraws the template.  Bytes at the end of a set too
 * short for another record are padding.
 */
#include "collector/ipfix.h"

#include "collector/data_set.h"

#define SET_TEMPLATE 2
#define SET_OPTIONS_TEMPLATE 3
#define ENTERPRISE_BIT 0x8000

/*
 * Reads n field specifiers starting at p (left bytes remain).  Returns the bytes consumed, or 0
 * when they do not fit.
 */
static size_t
read_fields(const uint8_t *p, size_t left, uint16_t n, kf_template_field *fields)
{
	size_t		off = 0;

	for (uint16_t i = 0; i < n; i++)
	{
		if (left - off < 4)
			return 0;
		uint16_t	id = (uint16_t) kf_read_be(p + off, 2);

		fields[i].ie = id & (uint16_t) ~ENTERPRISE_BIT;
		fields[i].length = (uint16_t) kf_read_be(p + off + 2, 2);
		fields[i].enterprise = 0;
		off += 4;
		if (id & ENTERPRISE_BIT)
		{
			if (left - off < 4)
				return 0;
			fields[i].enterprise = (uint32_t) kf_read_be(p + off, 4);
			off += 4;
		}
	}
	return off;
}

/*
 * Decodes the records of a template set or options template set.  Header sizes differ: 4 bytes
 * (id, count) for templates, 6 (id, count, scope count) for options templates.
 */
static void
decode_template_set(const kf_set_context *ctx, const uint8_t *p, size_t len, bool is_options)
{
	kf_template_field fields[KF_TEMPLATE_MAX_FIELDS];
	size_t		header = is_options ? 6 : 4;
	size_t		off = 0;

	while (len - off >= 4)
	{
		uint16_t	id = (uint16_t) kf_read_be(p + off, 2);
		uint16_t	n = (uint16_t) kf_read_be(p + off + 2, 2);
		kf_template_key key = {ctx->out->exporter, ctx->domain, id, 10};

		if (n == 0)
		{
			/* Withdrawal: just the id and a zero count, no scope count.  Zero padding reads as
			 * the withdrawal of template 0, which does not exist. */
			kf_template_cache_remove(ctx->templates, &key);
			off += 4;
			continue;
		}
		if (len - off < header)
			break;				/* padding */
		uint16_t	nscope = is_options ? (uint16_t) kf_read_be(p + off + 4, 2) : 0;

		off += header;
		size_t		used = n <= KF_TEMPLATE_MAX_FIELDS ? read_fields(p + off, len - off, n, fields) : 0;

		if (used == 0 || (is_options && (nscope == 0 || nscope > n)))
		{
			ctx->out->counts->decode_errors++;
			return;
		}
		if (kf_template_cache_put(ctx->templates, &key, fields, n, nscope, is_options) == 0)
			ctx->out->counts->templates++;
		else
			ctx->out->counts->decode_errors++;
		off += used;
	}
}

int
kf_ipfix_decode(kf_template_cache *tc, const uint8_t *buf, size_t len, const kf_decode_out *out)
{
	if (len < KF_IPFIX_HEADER_LEN || kf_read_be(buf, 2) != 10)
	{
		out->counts->decode_errors++;
		return -1;
	}
	size_t		msg_len = (size_t) kf_read_be(buf + 2, 2);

	if (msg_len < KF_IPFIX_HEADER_LEN || msg_len > len)
	{
		out->counts->decode_errors++;
		return -1;
	}
	int64_t		export_time = (int64_t) kf_read_be(buf + 4, 4);
	/* IPFIX headers carry no sysUptime: flowStart/EndSysUpTime need options data (data_set.c). */
	kf_time_base time_base = {.export_ms = export_time * 1000};
	kf_set_context ctx = {
		.templates = tc,
		.out = out,
		.version = 10,
		.domain = (uint32_t) kf_read_be(buf + 12, 4),
		.export_time = export_time,
		.time_base = &time_base,
	};
	size_t		off = KF_IPFIX_HEADER_LEN;

	while (msg_len - off >= 4)
	{
		uint16_t	id = (uint16_t) kf_read_be(buf + off, 2);
		size_t		set_len = (size_t) kf_read_be(buf + off + 2, 2);

		if (set_len < 4 || set_len > msg_len - off)
		{
			out->counts->decode_errors++;
			break;
		}
		const uint8_t *body = buf + off + 4;
		size_t		body_len = set_len - 4;

		if (id == SET_TEMPLATE || id == SET_OPTIONS_TEMPLATE)
			decode_template_set(&ctx, body, body_len, id == SET_OPTIONS_TEMPLATE);
		else if (id >= KF_TEMPLATE_MIN_DATA_ID)
			kf_data_set_decode(&ctx, id, body, body_len);
		off += set_len;
	}
	return 0;
}
