/*
 * flow_templates.c -- field lists of the v9 and IPFIX templates and the record writer.
 *
 * v9 uses the classic widths (4-byte counters, 2-byte interfaces, sysUptime-relative
 * FIRST/LAST_SWITCHED); IPFIX uses 8-byte counters, 4-byte interfaces and flowStart/EndSeconds,
 * so the collector's decoders meet both reduced and full-size encodings.  Every template carries
 * samplingInterval (34): the device's rate, 1 when unsampled.  IPv6 templates export no next hop
 * (the stored next hop column is IPv4-only for them).
 */
#include "tools/flowgen/flow_templates.h"

enum field_type
{
	F_IN_BYTES = 1, F_IN_PKTS = 2, F_PROTOCOL = 4, F_TOS = 5, F_TCP_FLAGS = 6, F_SRC_PORT = 7,
	F_SRC_V4 = 8, F_INPUT = 10, F_DST_PORT = 11, F_DST_V4 = 12, F_OUTPUT = 14, F_NEXT_HOP_V4 = 15,
	F_SRC_AS = 16, F_DST_AS = 17, F_LAST_SWITCHED = 21, F_FIRST_SWITCHED = 22, F_OUT_BYTES = 23,
	F_OUT_PKTS = 24, F_SRC_V6 = 27, F_DST_V6 = 28, F_SAMPLING_INTERVAL = 34, F_VLAN_IN = 58,
	F_VLAN_OUT = 59, F_FLOW_START_SECONDS = 150, F_FLOW_END_SECONDS = 151
};

#define COMMON_V9_FIELDS \
	{F_SRC_PORT, 2}, {F_DST_PORT, 2}, {F_PROTOCOL, 1}, {F_TOS, 1}, {F_TCP_FLAGS, 1}, \
	{F_IN_BYTES, 4}, {F_IN_PKTS, 4}, {F_OUT_BYTES, 4}, {F_OUT_PKTS, 4}, {F_INPUT, 2}, {F_OUTPUT, 2}, \
	{F_SRC_AS, 4}, {F_DST_AS, 4}, {F_VLAN_IN, 2}, {F_VLAN_OUT, 2}, {F_FIRST_SWITCHED, 4}, \
	{F_LAST_SWITCHED, 4}, {F_SAMPLING_INTERVAL, 4}

#define COMMON_IPFIX_FIELDS \
	{F_SRC_PORT, 2}, {F_DST_PORT, 2}, {F_PROTOCOL, 1}, {F_TOS, 1}, {F_TCP_FLAGS, 1}, \
	{F_IN_BYTES, 8}, {F_IN_PKTS, 8}, {F_OUT_BYTES, 8}, {F_OUT_PKTS, 8}, {F_INPUT, 4}, {F_OUTPUT, 4}, \
	{F_SRC_AS, 4}, {F_DST_AS, 4}, {F_VLAN_IN, 2}, {F_VLAN_OUT, 2}, {F_FLOW_START_SECONDS, 4}, \
	{F_FLOW_END_SECONDS, 4}, {F_SAMPLING_INTERVAL, 4}

static const template_field v9_v4_fields[] = {{F_SRC_V4, 4}, {F_DST_V4, 4}, {F_NEXT_HOP_V4, 4}, COMMON_V9_FIELDS};
static const template_field v9_v6_fields[] = {{F_SRC_V6, 16}, {F_DST_V6, 16}, COMMON_V9_FIELDS};
static const template_field ipfix_v4_fields[] = {{F_SRC_V4, 4}, {F_DST_V4, 4}, {F_NEXT_HOP_V4, 4}, COMMON_IPFIX_FIELDS};
static const template_field ipfix_v6_fields[] = {{F_SRC_V6, 16}, {F_DST_V6, 16}, COMMON_IPFIX_FIELDS};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const record_template templates[2][2] = {
	{{TEMPLATE_ID_IPV4, v9_v4_fields, COUNT(v9_v4_fields)}, {TEMPLATE_ID_IPV6, v9_v6_fields, COUNT(v9_v6_fields)}},
	{{TEMPLATE_ID_IPV4, ipfix_v4_fields, COUNT(ipfix_v4_fields)}, {TEMPLATE_ID_IPV6, ipfix_v6_fields, COUNT(ipfix_v6_fields)}},
};

const record_template *
flow_template(int version, bool ipv6)
{
	return &templates[version == 10][ipv6];
}

size_t
flow_template_record_length(const record_template *t)
{
	size_t		length = 0;

	for (size_t i = 0; i < t->field_count; i++)
		length += t->fields[i].length;
	return length;
}

void
flow_template_write(byte_writer *w, const record_template *t)
{
	bw_u16(w, t->id);
	bw_u16(w, (uint32_t) t->field_count);
	for (size_t i = 0; i < t->field_count; i++)
	{
		bw_u16(w, t->fields[i].type);
		bw_u16(w, t->fields[i].length);
	}
}

/* The integer value of a non-address field. */
static uint64_t
field_value(uint16_t type, const export_device *dev, const gen_flow *f)
{
	switch (type)
	{
		case F_IN_BYTES: return f->in_bytes;
		case F_IN_PKTS: return f->in_pkts;
		case F_PROTOCOL: return f->protocol;
		case F_TOS: return f->tos;
		case F_TCP_FLAGS: return f->tcp_flags;
		case F_SRC_PORT: return f->src_port;
		case F_DST_PORT: return f->dst_port;
		case F_INPUT: return f->input_port;
		case F_OUTPUT: return f->output_port;
		case F_SRC_AS: return f->src_as;
		case F_DST_AS: return f->dst_as;
		case F_OUT_BYTES: return f->out_bytes;
		case F_OUT_PKTS: return f->out_pkts;
		case F_VLAN_IN: return f->vlan_in;
		case F_VLAN_OUT: return f->vlan_out;
		case F_FIRST_SWITCHED: return export_uptime_ms(dev, f->first_switched);
		case F_LAST_SWITCHED: return export_uptime_ms(dev, f->last_switched);
		case F_FLOW_START_SECONDS: return f->first_switched;
		case F_FLOW_END_SECONDS: return f->last_switched;
		case F_SAMPLING_INTERVAL: return dev->sample_rate;
		case F_SRC_V4: return f->src_v4;
		case F_DST_V4: return f->dst_v4;
		case F_NEXT_HOP_V4: return f->next_hop_v4;
		default: return 0;		/* unreachable: every template field is listed above */
	}
}

void
flow_template_write_record(byte_writer *w, const record_template *t, const export_device *dev, const gen_flow *f)
{
	for (size_t i = 0; i < t->field_count; i++)
	{
		const template_field *field = &t->fields[i];

		if (field->type == F_SRC_V6)
			bw_bytes(w, f->src_v6, 16);
		else if (field->type == F_DST_V6)
			bw_bytes(w, f->dst_v6, 16);
		else if (field->length == 1)
			bw_u8(w, (uint32_t) field_value(field->type, dev, f));
		else if (field->length == 2)
			bw_u16(w, (uint32_t) field_value(field->type, dev, f));
		else if (field->length == 4)
			bw_u32(w, (uint32_t) field_value(field->type, dev, f));
		else
			bw_uint(w, field_value(field->type, dev, f), field->length);
	}
}

/* v9 calls them flowsets and uses set id 0 for templates; IPFIX uses 2. */
static uint16_t
template_set_id(int version)
{
	return version == 10 ? 2 : 0;
}

static size_t
data_set_size(int version, const record_template *t, size_t n)
{
	size_t		size = 4 + n * flow_template_record_length(t);

	return version == 9 ? (size + 3) & ~(size_t) 3 : size;
}

size_t
flow_sets_template_count(const export_device *dev, const export_batch *batch)
{
	return batch->with_templates ? 1 + (size_t) dev->ipv6_template : 0;
}

size_t
flow_sets_size(int version, const export_device *dev, const export_batch *batch)
{
	size_t		size = 0;

	if (batch->with_templates)
	{
		size += 4 + flow_template_wire_size(flow_template(version, false));
		if (dev->ipv6_template)
			size += flow_template_wire_size(flow_template(version, true));
	}
	if (batch->n_v4 > 0)
		size += data_set_size(version, flow_template(version, false), batch->n_v4);
	if (batch->n_v6 > 0)
		size += data_set_size(version, flow_template(version, true), batch->n_v6);
	return size;
}

static void
write_template_set(byte_writer *w, int version, const export_device *dev)
{
	size_t		set_start = bw_length(w);

	bw_u16(w, template_set_id(version));
	bw_u16(w, 0);				/* length, patched below */
	flow_template_write(w, flow_template(version, false));
	if (dev->ipv6_template)
		flow_template_write(w, flow_template(version, true));
	bw_patch_u16(w, set_start + 2, (uint32_t) (bw_length(w) - set_start));
}

static void
write_data_set(byte_writer *w, int version, const record_template *t, const export_device *dev,
			   const gen_flow *flows, size_t n)
{
	size_t		set_start = bw_length(w);

	bw_u16(w, t->id);
	bw_u16(w, 0);				/* length, patched below */
	for (size_t i = 0; i < n; i++)
		flow_template_write_record(w, t, dev, &flows[i]);
	while (version == 9 && (bw_length(w) - set_start) % 4 != 0)
		bw_u8(w, 0);
	bw_patch_u16(w, set_start + 2, (uint32_t) (bw_length(w) - set_start));
}

void
flow_sets_write(byte_writer *w, int version, const export_device *dev, const export_batch *batch)
{
	if (batch->with_templates)
		write_template_set(w, version, dev);
	if (batch->n_v4 > 0)
		write_data_set(w, version, flow_template(version, false), dev, batch->v4, batch->n_v4);
	if (batch->n_v6 > 0)
		write_data_set(w, version, flow_template(version, true), dev, batch->v6, batch->n_v6);
}
