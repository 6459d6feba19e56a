/*
 * data_set.c -- record-by-record decoding of a data set (see data_set.h).
 *
 * Records are read field by field with every length checked against what is left of the set.
 * Bytes after the last record that are too few to hold another record are padding.  A record
 * that starts but does not fit (possible only with variable-length fields) is a decode error and
 * ends the set: nothing of it is emitted.
 *
 * Options records announce what flows refer to: the exporter-wide sampling interval, a
 * sampler's rate, an interface's name or description.  Flow records then take their sampling
 * rate from their own elements, else from the sampler they name, else the exporter-wide rate,
 * and their interface descriptions from what the exporter announced for their ifIndexes.
 */
#include "collector/data_set.h"

#include <string.h>

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

#define V9_SCOPE_INTERFACE 2	/* NetFlow v9 scope field type "Interface": the value is an ifIndex */

/* What one options record announces. */
typedef struct options_record
{
	kf_sampling_fields sampling;
	bool		has_sampler_id;
	uint64_t	sampler_id;
	bool		has_ifindex;
	uint32_t	ifindex;
	const uint8_t *name;		/* interfaceName (82), len bytes */
	size_t		name_len;
	const uint8_t *description; /* interfaceDescription (83) */
	size_t		description_len;
	uint64_t	system_init_ms; /* systemInitTimeMilliseconds (160), 0 = not in the record */
} options_record;

/* True when an exporter's text field holds something besides NULs and spaces. */
static bool
has_text(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len && p[i] != 0; i++)
		if (p[i] != ' ')
			return true;
	return false;
}

/*
 * Applies one field of an options record.  NetFlow v9 scope fields carry a scope type, not an
 * element id: only "Interface" means something here.  IPFIX scope fields and all option fields
 * are elements; an interface may be named by a scope (IPFIX ingressInterface / egressInterface)
 * or by an option field (Cisco ASR 9000: scope System, then INPUT_SNMP and IF_DESC).
 */
static void
read_options_field(options_record *o, uint8_t version, bool is_scope, uint16_t ie, const uint8_t *value,
				   size_t len)
{
	if (version == 9 && is_scope)
	{
		if (ie == V9_SCOPE_INTERFACE && len >= 1 && len <= 4 && !o->has_ifindex)
		{
			o->has_ifindex = true;
			o->ifindex = (uint32_t) kf_read_be(value, len);
		}
		return;
	}
	if (ie == KF_IE_INTERFACE_NAME || ie == KF_IE_INTERFACE_DESCRIPTION)
	{
		if (ie == KF_IE_INTERFACE_NAME)
		{
			o->name = value;
			o->name_len = len;
		}
		else
		{
			o->description = value;
			o->description_len = len;
		}
		return;
	}
	if (len < 1 || len > 8)
		return;
	uint64_t	v = kf_read_be(value, len);

	switch (ie)
	{
		case KF_IE_INGRESS_INTERFACE:
		case KF_IE_EGRESS_INTERFACE:
			if (!o->has_ifindex && len <= 4)
			{
				o->has_ifindex = true;
				o->ifindex = (uint32_t) v;
			}
			break;
		case KF_IE_SAMPLER_ID:
		case KF_IE_SELECTOR_ID:
			o->has_sampler_id = true;
			o->sampler_id = v;
			break;
		case KF_IE_SYSTEM_INIT_TIME_MS:
			o->system_init_ms = v;
			break;
		default:
			kf_sampling_fields_set(&o->sampling, ie, v);
			break;
	}
}

/*
 * Reads one options record and remembers what it announces: a sampling rate for its sampler (or
 * exporter-wide when it names none), and the description of its interface (interfaceDescription
 * when not empty, else interfaceName).
 */
static void
read_options_record(const kf_set_context *ctx, const kf_template *t, const uint8_t *rec, size_t used_len)
{
	options_record o;
	size_t		off = 0;

	memset(&o, 0, sizeof(o));
	for (uint16_t i = 0; i < t->nfields; i++)
	{
		const kf_template_field *f = &t->fields[i];
		size_t		header,
					len;

		if (!field_extent(f, rec + off, used_len - off, &header, &len))
			return;
		if (f->enterprise == 0)
			read_options_field(&o, ctx->version, i < t->nscope, f->ie, rec + off + header, len);
		off += header + len;
	}

	kf_addr		exporter = ctx->out->exporter;
	uint64_t	rate = kf_sampling_fields_rate(&o.sampling);

	if (o.system_init_ms > 0 && o.system_init_ms <= (uint64_t) ctx->time_base->export_ms)
		ctx->time_base->system_init_ms = (int64_t) o.system_init_ms;

	if (rate > 0 && o.has_sampler_id)
		kf_template_cache_set_sampler(ctx->templates, exporter, ctx->version, ctx->domain, o.sampler_id, rate);
	else if (rate > 0)
		kf_template_cache_set_sampling(ctx->templates, exporter, ctx->version, ctx->domain, rate);
	if (o.has_ifindex)
	{
		bool		use_description = o.description && has_text(o.description, o.description_len);
		const uint8_t *text = use_description ? o.description : o.name;
		size_t		len = use_description ? o.description_len : o.name_len;

		if (text)
			kf_template_cache_set_interface(ctx->templates, exporter, ctx->version, ctx->domain, o.ifindex,
											text, len);
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

#define INTERFACE_MEMO_SLOTS 16	/* a power of two */

/*
 * What the flow records of one data set look up in the option tables.  They share exporter and
 * domain, and nothing changes the tables until the set is decoded (options records come in
 * other sets), so answers are remembered: consecutive records mostly name the same sampler and
 * a few interfaces (measured: the lookups were an eighth of kflowd's ingest time without this).
 */
typedef struct set_lookups
{
	uint64_t	announced_rate; /* the exporter-wide rate */
	bool		has_sampler;
	uint64_t	sampler_id;
	uint64_t	sampler_rate;	/* 0 = not announced */
	bool		interface_known[INTERFACE_MEMO_SLOTS];
	uint32_t	interface_index[INTERFACE_MEMO_SLOTS];
	const char *interface_description[INTERFACE_MEMO_SLOTS];	/* NULL = not announced */
} set_lookups;

/*
 * The rate options data gives a flow: its sampler's when it names an announced one, else the
 * exporter-wide rate (a sampler not announced yet is counted).  Not needed, nor counted, when the
 * record carries its own rate.
 */
static uint64_t
options_rate(const kf_set_context *ctx, set_lookups *memo, const kf_flow_fields *r)
{
	if (!r->has_sampler_id || kf_sampling_fields_rate(&r->sampling) != 0)
		return memo->announced_rate;
	if (!memo->has_sampler || memo->sampler_id != r->sampler_id)
	{
		memo->has_sampler = true;
		memo->sampler_id = r->sampler_id;
		memo->sampler_rate = kf_template_cache_sampler(ctx->templates, ctx->out->exporter, ctx->version,
													   ctx->domain, r->sampler_id);
	}
	if (memo->sampler_rate == 0)
		kf_template_cache_note_unknown_sampler(ctx->templates);
	return memo->sampler_rate ? memo->sampler_rate : memo->announced_rate;
}

/* The description the exporter announced for ifindex, or NULL; points into the template cache. */
static const char *
interface_description(const kf_set_context *ctx, set_lookups *memo, uint32_t ifindex)
{
	size_t		slot = ifindex & (INTERFACE_MEMO_SLOTS - 1);

	if (!memo->interface_known[slot] || memo->interface_index[slot] != ifindex)
	{
		memo->interface_known[slot] = true;
		memo->interface_index[slot] = ifindex;
		memo->interface_description[slot] = kf_template_cache_interface(ctx->templates, ctx->out->exporter,
																		ctx->version, ctx->domain, ifindex);
	}
	return memo->interface_description[slot];
}

/* Decodes and emits one flow record; returns its length, 0 when it does not fit. */
static size_t
decode_flow_record(const kf_set_context *ctx, const kf_template *t, const uint8_t *rec, size_t left,
				   set_lookups *memo)
{
	kf_flow_fields r;

	kf_flow_fields_reset(&r, ctx->export_time);
	size_t		rec_len = read_flow_record(t, rec, left, &r);

	if (rec_len == 0)
		return 0;
	kf_flow_fields_finish(&r, options_rate(ctx, memo, &r), ctx->time_base);
	r.flow.input_interface_description = interface_description(ctx, memo, r.flow.input_port);
	r.flow.output_interface_description = interface_description(ctx, memo, r.flow.output_port);
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
	set_lookups memo;
	bool		is_flow = t->is_flow;	/* never true for options templates */

	memset(&memo, 0, sizeof(memo));
	memo.announced_rate = kf_template_cache_sampling(ctx->templates, ctx->out->exporter, ctx->version, ctx->domain);
	for (size_t off = 0; len - off >= t->min_record_len;)
	{
		size_t		rec_len = is_flow ? decode_flow_record(ctx, t, body + off, len - off, &memo)
			: decode_other_record(ctx, t, body + off, len - off);

		if (rec_len == 0)
		{
			ctx->out->counts->decode_errors++;
			return;
		}
		off += rec_len;
	}
}
