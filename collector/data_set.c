/*
 * data_set.c -- record-by-record decoding of a data set (see data_set.h).
 *
 * Records are read field by field with every length checked against what is left of the set.
 * Bytes after the last record that are too few to hold another record are padding.  A record
 * that starts but does not fit (possible only with variable-length fields) is a decode error and
 * ends the set: nothing of it is emitted.
 */
#include "collector/data_set.h"

#include "collector/addr_text.h"
#include "collector/collector_log.h"
#include "collector/flow_fields.h"

#define NO_TEMPLATE_LOG_INTERVAL 60

/*
 * Finds the length of a field at p (left bytes remain): fixed, or IPFIX variable length (one
 * byte, or 255 followed by two bytes).  Sets *header to the bytes of length prefix.  Returns false
 * when the field does not fit.
 */
static bool
field_extent(const kf_template_field *f, const uint8_t *p, size_t left, size_t *header, size_t *len)
{
	*header = 0;
	*len = f->length;
	if (f->length == KF_TEMPLATE_VARLEN)
	{
		if (left < 1)
			return false;
		*header = 1;
		*len = p[0];
		if (p[0] == 255)
		{
			if (left < 3)
				return false;
			*header = 3;
			*len = (size_t) kf_read_be(p + 1, 2);
		}
	}
	return *header + *len <= left;
}

/* Reads the sampling interval out of one options record, if it carries one. */
static void
read_options_record(const kf_set_context *ctx, const kf_template *t, const uint8_t *rec, size_t used_len)
{
	size_t		off = 0;

	for (uint16_t i = 0; i < t->nfields; i++)
	{
		const kf_template_field *f = &t->fields[i];
		size_t		header,
					len;

		if (!field_extent(f, rec + off, used_len - off, &header, &len))
			return;
		const uint8_t *value = rec + off + header;

		off += header + len;
		if (i >= t->nscope && f->enterprise == 0 && kf_ie_is_sampling(f->ie) && len >= 1 && len <= 8)
		{
			uint64_t	interval = kf_read_be(value, len);

			if (interval > 0)
				kf_template_cache_set_sampling(ctx->templates, ctx->out->exporter, ctx->version,
											   ctx->domain, interval);
		}
	}
}

/*
 * Decodes one flow record at rec (left >= t->min_record_len bytes remain) into r.  Returns the
 * record's length, or 0 when it does not fit.
 */
static size_t
read_flow_record(const kf_template *t, const uint8_t *rec, size_t left, kf_flow_fields *r)
{
	size_t		off = 0;

	if (!t->has_varlen)
	{
		/* Fixed layout: the caller checked that min_record_len bytes are left. */
		for (uint16_t i = 0; i < t->nfields; i++)
		{
			const kf_template_field *f = &t->fields[i];

			if (f->enterprise == 0)
				kf_flow_fields_set(r, f->ie, rec + off, f->length);
			off += f->length;
		}
		return off;
	}
	for (uint16_t i = 0; i < t->nfields; i++)
	{
		const kf_template_field *f = &t->fields[i];
		size_t		header,
					len;

		if (!field_extent(f, rec + off, left - off, &header, &len))
			return 0;
		if (f->enterprise == 0)
			kf_flow_fields_set(r, f->ie, rec + off + header, len);
		off += header + len;
	}
	return off;
}

/* Length of the record at rec without interpreting it; 0 when it does not fit. */
static size_t
record_length(const kf_template *t, const uint8_t *rec, size_t left)
{
	if (!t->has_varlen)
		return t->min_record_len <= left ? t->min_record_len : 0;
	size_t		off = 0;

	for (uint16_t i = 0; i < t->nfields; i++)
	{
		size_t		header,
					len;

		if (!field_extent(&t->fields[i], rec + off, left - off, &header, &len))
			return 0;
		off += header + len;
	}
	return off;
}

/* Counts a data set without template and logs it at most once a minute per exporter+template. */
static void
note_missing_template(const kf_set_context *ctx, uint16_t set_id)
{
	const kf_decode_out *out = ctx->out;

	out->counts->no_template_drops++;
	uint64_t	key = kf_log_key(out->exporter.hi ^ out->exporter.lo,
								 ((uint64_t) ctx->domain << 16) | set_id, ctx->version);

	if (kf_log_allowed(key, out->now, NO_TEMPLATE_LOG_INTERVAL))
	{
		char		addr[KF_ADDR_TEXT_MAX];

		kf_log("exporter %s: data set for unknown template %u (%s domain %u) dropped (more such drops are counted, not logged, for a minute)",
			   kf_addr_format(out->exporter, addr, sizeof(addr)), set_id,
			   ctx->version == 9 ? "NetFlow v9 source id" : "IPFIX observation", ctx->domain);
	}
}

/* Reads one record of an options template or a template without addresses; returns its length,
 * 0 when it does not fit. */
static size_t
decode_other_record(const kf_set_context *ctx, const kf_template *t, const uint8_t *rec, size_t left)
{
	size_t		rec_len = record_length(t, rec, left);

	if (rec_len == 0)
		return 0;
	if (t->is_options)
	{
		read_options_record(ctx, t, rec, rec_len);
		ctx->out->counts->options_records++;
	}
	else
		ctx->out->counts->non_flow_records++;
	return rec_len;
}

/* Decodes and emits one flow record; returns its length, 0 when it does not fit. */
static size_t
decode_flow_record(const kf_set_context *ctx, const kf_template *t, const uint8_t *rec, size_t left,
				   uint64_t announced_rate)
{
	kf_flow_fields r;

	kf_flow_fields_reset(&r, ctx->export_time);
	size_t		rec_len = read_flow_record(t, rec, left, &r);

	if (rec_len == 0)
		return 0;
	kf_flow_fields_finish(&r, announced_rate);
	ctx->out->counts->flows++;
	ctx->out->emit(ctx->out->emit_ctx, ctx->out->exporter, &r.flow);
	return rec_len;
}

void
kf_data_set_decode(const kf_set_context *ctx, uint16_t set_id, const uint8_t *body, size_t len)
{
	kf_template_key key = {ctx->out->exporter, ctx->domain, set_id, ctx->version};
	const kf_template *t = kf_template_cache_get(ctx->templates, &key);

	if (!t)
	{
		note_missing_template(ctx, set_id);
		return;
	}
	if (t->min_record_len == 0)
	{
		/* Records of zero bytes cannot be delimited. */
		ctx->out->counts->decode_errors++;
		return;
	}
	uint64_t	announced_rate = kf_template_cache_sampling(ctx->templates, ctx->out->exporter,
															ctx->version, ctx->domain);
	bool		is_flow = t->is_flow;	/* never true for options templates */

	for (size_t off = 0; len - off >= t->min_record_len;)
	{
		size_t		rec_len = is_flow ? decode_flow_record(ctx, t, body + off, len - off, announced_rate)
			: decode_other_record(ctx, t, body + off, len - off);

		if (rec_len == 0)
		{
			ctx->out->counts->decode_errors++;
			return;
		}
		off += rec_len;
	}
}
