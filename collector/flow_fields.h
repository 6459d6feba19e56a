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
#define KF_IE_INGRESS_INTERFACE 10
#define KF_IE_EGRESS_INTERFACE 14
#define KF_IE_SAMPLING_INTERVAL 34
#define KF_IE_SAMPLER_ID 48		/* v9 FLOW_SAMPLER_ID, IPFIX samplerId */
#define KF_IE_SAMPLER_RANDOM_INTERVAL 50
#define KF_IE_INTERFACE_NAME 82
#define KF_IE_INTERFACE_DESCRIPTION 83
#define KF_IE_SELECTOR_ID 302
#define KF_IE_SAMPLING_PACKET_INTERVAL 305
#define KF_IE_SAMPLING_PACKET_SPACE 306
#define KF_IE_SAMPLING_SIZE 309
#define KF_IE_SAMPLING_POPULATION 310
#define KF_IE_SYSTEM_INIT_TIME_MS 160	/* systemInitTimeMilliseconds: the base of IPFIX 21/22 */

/*
 * The sampling elements of one record (a flow or options data), gathered before a rate can be
 * computed because some come in pairs: samplingPacketInterval + samplingPacketSpace (select I
 * packets, skip S: 1 in (I + S) / I) and samplingSize + samplingPopulation (n of N: 1 in N / n).
 */
typedef struct kf_sampling_fields
{
	uint64_t	interval;		/* samplingInterval (34) or samplerRandomInterval (50) */
	uint64_t	packet_interval;	/* 305 */
	uint64_t	packet_space;	/* 306 */
	uint64_t	size;			/* 309 */
	uint64_t	population;		/* 310 */
	bool		has_packet_space;
} kf_sampling_fields;

/* Records element ie of value v when it is a sampling element; ignores any other. */
void		kf_sampling_fields_set(kf_sampling_fields *s, uint16_t ie, uint64_t v);

/*
 * The rate the fields describe, 0 when they describe none: 34/50 first, then 305 with 306
 * ((I + S) / I rounded; 305 alone is taken as the interval, as exporters that send it alone
 * mean), then 309/310 (N / n rounded).  Clamped to UINT32_MAX.
 */
uint64_t	kf_sampling_fields_rate(const kf_sampling_fields *s);

/*
 * What the packet a record came in says about time.  sysUptime-relative flow times (v5 First/Last,
 * v9 FIRST/LAST_SWITCHED, IPFIX flowStart/EndSysUpTime) are resolved against the header's sysUptime
 * when there is one (v5, v9), else against the exporter's system init time (IPFIX options data).
 */
typedef struct kf_time_base
{
	int64_t		export_ms;		/* export time from the header, epoch ms */
	bool		has_sys_uptime;
	uint32_t	sys_uptime_ms;	/* header sysUptime at export_ms (v5, v9) */
	int64_t		system_init_ms; /* systemInitTimeMilliseconds (160), epoch ms; 0 = not announced */
} kf_time_base;

/* The time elements of one record as exported, before they are resolved to epoch ms. */
typedef struct kf_flow_times
{
	bool		has_start_ms,
				has_end_ms;
	int64_t		start_ms,		/* absolute: 150/151 seconds, 152/153 ms, 154-157 NTP, in ms */
				end_ms;
	bool		has_start_uptime,
				has_end_uptime;
	uint32_t	start_uptime_ms,	/* sysUptime-relative: 22/21 */
				end_uptime_ms;
	bool		has_start_delta,
				has_end_delta;
	uint64_t	start_delta_us, /* before the export time: 158/159 */
				end_delta_us;
	bool		has_duration;
	uint64_t	duration_us;	/* 161 (ms) or 162 (us) */
} kf_flow_times;

/* True when the record carried any time element. */
bool		kf_flow_times_present(const kf_flow_times *t);

/*
 * Sets f->flow_end_ms and f->flow_duration_ms from t: each end from its most direct element
 * (absolute, then delta, then sysUptime-relative), a missing end or start from the other and the
 * duration element.  Both stay 0 when either cannot be resolved or the pair is implausible: start
 * not after the epoch or after the end, end more than KF_FLOW_END_SLACK_MS after the export time,
 * or longer than KF_FLOW_MAX_DURATION_MS.  Returns false in those cases when t carried some time
 * element, for the caller to count; true otherwise (also for a record without times).
 */
bool		kf_flow_times_resolve(const kf_flow_times *t, const kf_time_base *base, kf_flow *f);

#define KF_FLOW_END_SLACK_MS 1000
#define KF_FLOW_MAX_DURATION_MS INT64_C(86400000)

/* One record being decoded: the flow plus what must be resolved once all fields are seen. */
typedef struct kf_flow_fields
{
	kf_flow		flow;
	bool		has_icmp;
	uint32_t	icmp_type_code; /* type * 256 + code */
	kf_sampling_fields sampling;	/* from the record itself */
	bool		has_sampler_id;
	uint64_t	sampler_id;		/* samplerId (48) or selectorId (302) of the record */
	kf_flow_times times;
} kf_flow_fields;

/* Starts a record exported at ctimestamp. */
void		kf_flow_fields_reset(kf_flow_fields *r, int64_t ctimestamp);

/* Applies one non-enterprise element of len bytes at p. */
void		kf_flow_fields_set(kf_flow_fields *r, uint16_t ie, const uint8_t *p, size_t len);

/* Resolves ICMP type/code into l4_dst_port, the record's sampling rate (its own sampling
 * elements, else default_rate, what the exporter said outside the record (its sampler's or the
 * exporter-wide rate from options data), 0 when nothing) and its flow times against base.
 * Returns false when the record's time elements gave no plausible times (kf_flow_times_resolve). */
bool		kf_flow_fields_finish(kf_flow_fields *r, uint64_t default_rate, const kf_time_base *base);

/* True for elements whose presence makes a template a flow template (any address). */
bool		kf_ie_is_flow_key(uint16_t ie);


#endif							/* KF_FLOW_FIELDS_H */
