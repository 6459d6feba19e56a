/*
 * flow_templates.h -- the NetFlow v9 and IPFIX record templates flowgen exports, and the one
 * record writer both use: a record is written by walking its template's field list, so a record
 * can never disagree with the template announced for it.
 */
#ifndef FLOWGEN_FLOW_TEMPLATES_H
#define FLOWGEN_FLOW_TEMPLATES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tools/flowgen/byte_writer.h"
#include "tools/flowgen/export_device.h"

typedef struct template_field
{
	uint16_t	type;			/* v9 field type = IPFIX information element id */
	uint16_t	length;
} template_field;

typedef struct record_template
{
	uint16_t	id;
	const template_field *fields;
	size_t		field_count;
} record_template;

/* The IPv4 or IPv6 template of version 9 or 10. */
const record_template *flow_template(int version, bool ipv6);

/* Bytes of one data record: the sum of the field lengths. */
size_t		flow_template_record_length(const record_template *t);

/* Bytes the template itself takes in a template set/flowset: id, count, then type/length pairs. */
static inline size_t
flow_template_wire_size(const record_template *t)
{
	return 4 + 4 * t->field_count;
}

/* Writes the template's definition (without the set header). */
void		flow_template_write(byte_writer *w, const record_template *t);

/* Writes one data record of flow f in template t, as exported by dev (counters raw). */
void		flow_template_write_record(byte_writer *w, const record_template *t, const export_device *dev,
									   const gen_flow *f);

/*
 * The sets of a v9/IPFIX message after its header: a template set (when batch->with_templates)
 * announcing the IPv4 template and, if dev->ipv6_template, the IPv6 one, then one data set per
 * address family present.  v9 pads data sets to 4 bytes; IPFIX needs no padding.
 */
size_t		flow_sets_size(int version, const export_device *dev, const export_batch *batch);
void		flow_sets_write(byte_writer *w, int version, const export_device *dev, const export_batch *batch);

/* Number of template records flow_sets_write announces for the batch. */
size_t		flow_sets_template_count(const export_device *dev, const export_batch *batch);

#endif
