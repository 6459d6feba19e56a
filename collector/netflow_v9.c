/*
 * netflow_v9.c -- NetFlow v9 decoding (see netflow_v9.h).
 *
 * Packet: 20-byte header (version, count, sysUptime, unix_secs, sequence, source id), then
 * flowsets of (id, length).  Flowset 0 holds templates (id, field count, (type, length)...),
 * flowset 1 options templates (id, scope bytes, option bytes, scope fields, option fields),
 * ids >= 256 data.  The header's count is advisory (exporters disagree on what it counts), so
 * flowsets are walked by their lengths.  Trailing bytes too short for a flowset header, or an
 * all-zero flowset header, are padding.
 */
#include "collector/netflow_v9.h"

#include "collector/data_set.h"

#define FLOWSET_TEMPLATE 0
#define FLOWSET_OPTIONS_TEMPLATE 1

/*
 * Reads n (type, length) pairs at p into fields.  RFC 3954 has no variable-length fields, but
 * some exporters (H3C NetStream) send length 65535 with IPFIX's variable-length encoding in the
 * data, so 65535 is read the IPFIX way.
 */
static void
read_fields(const uint8_t *p, uint16_t n, kf_template_field *fields)
{
	for (uint16_t i = 0; i < n; i++)
	{
		fields[i].ie = (uint16_t) kf_read_be(p + 4 * i, 2);
		fields[i].length = (uint16_t) kf_read_be(p + 4 * i + 2, 2);
		fields[i].enterprise = 0;
	}
}

/* Stores one template; refusals (limits, invalid ids) are decode errors. */
static void
store_template(const kf_set_context *ctx, uint16_t id, const kf_template_field *fields, uint16_t n,
			   uint16_t nscope, bool is_options)
{
	kf_template_key key = {ctx->out->exporter, ctx->domain, id, 9};

	if (kf_template_cache_put(ctx->templates, &key, fields, n, nscope, is_options) == 0)
		ctx->out->counts->templates++;
	else
		ctx->out->counts->decode_errors++;
}

static void
decode_template_flowset(const kf_set_context *ctx, const uint8_t *p, size_t len)
{
	kf_template_field fields[KF_TEMPLATE_MAX_FIELDS];
	size_t		off = 0;

	while (len - off >= 4)
	{
		uint16_t	id = (uint16_t) kf_read_be(p + off, 2);
		uint16_t	n = (uint16_t) kf_read_be(p + off + 2, 2);

		off += 4;
		if (n == 0 || n > KF_TEMPLATE_MAX_FIELDS || (size_t) n * 4 > len - off)
		{
			ctx->out->counts->decode_errors++;
			return;
		}
		read_fields(p + off, n, fields);
		store_template(ctx, id, fields, n, 0, false);
		off += (size_t) n * 4;
	}
}

static void
decode_options_template_flowset(const kf_set_context *ctx, const uint8_t *p, size_t len)
{
	kf_template_field fields[KF_TEMPLATE_MAX_FIELDS];
	size_t		off = 0;

	/* The smallest options template: 6 header bytes and one 4-byte field. */
	while (len - off >= 10)
	{
		uint16_t	id = (uint16_t) kf_read_be(p + off, 2);
		size_t		scope_bytes = (size_t) kf_read_be(p + off + 2, 2);
		size_t		option_bytes = (size_t) kf_read_be(p + off + 4, 2);

		off += 6;
		size_t		n = (scope_bytes + option_bytes) / 4;

		if (scope_bytes % 4 || option_bytes % 4 || n == 0 || n > KF_TEMPLATE_MAX_FIELDS ||
			scope_bytes + option_bytes > len - off)
		{
			ctx->out->counts->decode_errors++;
			return;
		}
		read_fields(p + off, (uint16_t) n, fields);
		store_template(ctx, id, fields, (uint16_t) n, (uint16_t) (scope_bytes / 4), true);
		off += scope_bytes + option_bytes;
	}
}

int
kf_netflow_v9_decode(kf_template_cache *tc, const uint8_t *buf, size_t len, const kf_decode_out *out)
{
	if (len < KF_NFV9_HEADER_LEN || kf_read_be(buf, 2) != 9)
	{
		out->counts->decode_errors++;
		return -1;
	}
	int64_t		export_time = (int64_t) kf_read_be(buf + 8, 4);
	kf_time_base time_base = {
		.export_ms = export_time * 1000,
		.has_sys_uptime = true,
		.sys_uptime_ms = (uint32_t) kf_read_be(buf + 4, 4),
	};
	kf_set_context ctx = {
		.templates = tc,
		.out = out,
		.version = 9,
		.domain = (uint32_t) kf_read_be(buf + 16, 4),
		.export_time = export_time,
		.time_base = &time_base,
	};
	size_t		off = KF_NFV9_HEADER_LEN;

	while (len - off >= 4)
	{
		uint16_t	id = (uint16_t) kf_read_be(buf + off, 2);
		size_t		set_len = (size_t) kf_read_be(buf + off + 2, 2);

		if (id == 0 && set_len == 0)
			break;				/* zero padding after the last flowset */
		if (set_len < 4 || set_len > len - off)
		{
			out->counts->decode_errors++;
			break;
		}
		const uint8_t *body = buf + off + 4;
		size_t		body_len = set_len - 4;

		if (id == FLOWSET_TEMPLATE)
			decode_template_flowset(&ctx, body, body_len);
		else if (id == FLOWSET_OPTIONS_TEMPLATE)
			decode_options_template_flowset(&ctx, body, body_len);
		else if (id >= KF_TEMPLATE_MIN_DATA_ID)
			kf_data_set_decode(&ctx, id, body, body_len);
		/* ids 2..255 are reserved: skipped */
		off += set_len;
	}
	return 0;
}
