/*
 * data_set.h -- decodes the data records of one NetFlow v9 / IPFIX data set with its template.
 *
 * Shared by netflow_v9.c and ipfix.c, which differ only in headers and template syntax.  Data sets
 * whose template is unknown are counted as no-template drops (logged at most once a minute per
 * exporter and template) and never guessed at.
 */
#ifndef KF_DATA_SET_H
#define KF_DATA_SET_H

#include "collector/flow_decode.h"
#include "collector/flow_fields.h"
#include "collector/template_cache.h"

/* What a data set needs to know about the packet it came in. */
typedef struct kf_set_context
{
	kf_template_cache *templates;
	const kf_decode_out *out;
	uint8_t		version;		/* 9 or 10 */
	uint32_t	domain;
	int64_t		export_time;
	/* The packet's time base for flow start/end; options records of the packet that announce the
	 * exporter's systemInitTimeMilliseconds set its system_init_ms for the records after them. */
	kf_time_base *time_base;
} kf_set_context;

/* Decodes the body (after the 4-byte set header) of data set set_id. */
void		kf_data_set_decode(const kf_set_context *ctx, uint16_t set_id, const uint8_t *body, size_t len);

#endif							/* KF_DATA_SET_H */
