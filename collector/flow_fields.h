/*
 * flow_fields.h -- maps NetFlow v9 / IPFIX information elements onto kf_flow fields.
 *
 * Shared by the v9 and IPFIX decoders: both describe a record as a list of (element id, length)
 * and this file knows what each element means.  Elements we do not store, enterprise-specific
 * elements and elements of unexpected length are ignored, never misread.
 */
#ifndef KF_FLOW_FIELDS_H
#define KF_FLOW_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* IE numbers that the decoders themselves care about (beyond filling kf_flow). */
#define KF_IE_IPV4_SRC_ADDR 8
#define KF_IE_IPV4_DST_ADDR 12
#define KF_IE_IPV6_SRC_ADDR 27
#define KF_IE_IPV6_DST_ADDR 28
#define KF_IE_SAMPLING_INTERVAL 34
#define KF_IE_SAMPLER_RANDOM_INTERVAL 50
#define KF_IE_SAMPLING_PACKET_INTERVAL 305

/* One record being decoded: the flow plus what must be resolved once all fields are seen. */
typedef struct kf_flow_fields
{
	kf_flow		flow;
	bool		has_icmp;
	uint32_t	icmp_type_code; /* type * 256 + code */
	uint64_t	sampling_interval;	/* from the record itself; 0 = none */
} kf_flow_fields;

/* Starts a record exported at ctimestamp. */
void		kf_flow_fields_reset(kf_flow_fields *r, int64_t ctimestamp);

/* Applies one non-enterprise element of len bytes at p. */
void		kf_flow_fields_set(kf_flow_fields *r, uint16_t ie, const uint8_t *p, size_t len);

/* Resolves ICMP type/code into l4_dst_port and the record's sampling rate.  default_rate is what
 * the exporter said outside the record (options data), 0 when nothing. */
void		kf_flow_fields_finish(kf_flow_fields *r, uint64_t default_rate);

/* True for elements whose presence makes a template a flow template (any address). */
bool		kf_ie_is_flow_key(uint16_t ie);

/* True for the elements that carry a sampling interval in options data. */
bool		kf_ie_is_sampling(uint16_t ie);

#endif							/* KF_FLOW_FIELDS_H */
