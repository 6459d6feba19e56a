/*
 * template_cache.h -- NetFlow v9 / IPFIX templates, shared by both decoders.
 *
 * A template is known per (exporter address, export protocol version, source id / observation
 * domain, template id): two exporters using the same template id never see each other's layout.
 * The cache also remembers what an exporter announced in options data, per (exporter, version,
 * domain): the exporter-wide sampling interval (options records without a sampler id), the rate
 * of each sampler (samplerId / selectorId) and the description of each interface (ifIndex).
 *
 * Memory is bounded: at most KF_TEMPLATE_MAX_FIELDS fields per template, KF_TEMPLATES_PER_EXPORTER
 * templates per exporter, KF_TEMPLATE_MAX_EXPORTERS exporters and KF_TEMPLATE_MAX_BYTES of
 * templates in all; at most KF_OPTION_ENTRIES_PER_EXPORTER samplers and interfaces per exporter
 * and KF_OPTION_MAX_BYTES of them in all.  What exceeds a limit is refused (the caller counts
 * it) instead of growing without end under hostile input (e.g. spoofed source addresses).
 */
#ifndef KF_TEMPLATE_CACHE_H
#define KF_TEMPLATE_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define KF_TEMPLATE_MAX_FIELDS 512
#define KF_TEMPLATES_PER_EXPORTER 2048
#define KF_TEMPLATE_MAX_EXPORTERS 4096
#define KF_TEMPLATE_MAX_BYTES (64u << 20)
#define KF_OPTION_ENTRIES_PER_EXPORTER 65536
#define KF_OPTION_MAX_BYTES (32u << 20)
#define KF_OPTION_DESCRIPTION_MAX 255	/* longer interface descriptions are cut (at a character) */
#define KF_TEMPLATE_VARLEN 0xffff	/* IPFIX variable-length field */
#define KF_TEMPLATE_MIN_DATA_ID 256 /* data sets / template ids start here in v9 and IPFIX */

typedef struct kf_template_field
{
	uint16_t	ie;				/* element id without the IPFIX enterprise bit */
	uint16_t	length;			/* bytes, or KF_TEMPLATE_VARLEN */
	uint32_t	enterprise;		/* 0 = IANA element */
} kf_template_field;

typedef struct kf_template
{
	uint16_t	id;
	uint16_t	nfields;
	uint16_t	nscope;			/* options templates: the first nscope fields are scope fields */
	bool		is_options;
	bool		has_varlen;
	bool		is_flow;		/* has an address field: its records are flows */
	uint32_t	min_record_len; /* fixed lengths + 1 byte per variable-length field */
	kf_template_field fields[];
} kf_template;

typedef struct kf_template_key
{
	kf_addr		exporter;
	uint32_t	domain;			/* v9 source id / IPFIX observation domain id */
	uint16_t	template_id;
	uint8_t		version;		/* 9 or 10 */
} kf_template_key;

typedef struct kf_template_cache kf_template_cache;

kf_template_cache *kf_template_cache_new(void);
void		kf_template_cache_free(kf_template_cache *tc);

/*
 * Stores (or replaces) the template for key.  Returns 0, or -1 when the template is invalid
 * (id below 256, no fields, too many fields) or a memory limit refuses it.
 */
int			kf_template_cache_put(kf_template_cache *tc, const kf_template_key *key,
								  const kf_template_field *fields, uint16_t nfields, uint16_t nscope,
								  bool is_options);

/* The template for key, or NULL.  Valid until the next put/remove of that key. */
const kf_template *kf_template_cache_get(const kf_template_cache *tc, const kf_template_key *key);

/* Forgets one template (IPFIX template withdrawal). */
void		kf_template_cache_remove(kf_template_cache *tc, const kf_template_key *key);

/* Sampling interval announced by options data for (exporter, version, domain); 0 = none. */
void		kf_template_cache_set_sampling(kf_template_cache *tc, kf_addr exporter, uint8_t version,
										   uint32_t domain, uint64_t interval);
uint64_t	kf_template_cache_sampling(const kf_template_cache *tc, kf_addr exporter, uint8_t version,
									   uint32_t domain);

/*
 * The rate of one sampler (v9 FLOW_SAMPLER_ID / IPFIX samplerId or selectorId) of (exporter,
 * version, domain), announced in options data; rate 0 forgets nothing and stores nothing.  Only
 * for exporters that have templates; refused silently beyond the limits (see
 * kf_template_cache_options_stats).
 */
void		kf_template_cache_set_sampler(kf_template_cache *tc, kf_addr exporter, uint8_t version,
										  uint32_t domain, uint64_t sampler_id, uint64_t rate);

/* The announced rate of that sampler; 0 when it was never announced. */
uint64_t	kf_template_cache_sampler(const kf_template_cache *tc, kf_addr exporter, uint8_t version,
									  uint32_t domain, uint64_t sampler_id);

/* Counts a flow that named a sampler the exporter has not announced (yet). */
void		kf_template_cache_note_unknown_sampler(kf_template_cache *tc);

/*
 * Sets the description of interface ifindex of (exporter, version, domain) from options data:
 * len bytes at text, cut at the first NUL, trailing spaces dropped, bytes that are not printable
 * ASCII or valid UTF-8 replaced by '?', at most KF_OPTION_DESCRIPTION_MAX bytes.  An empty result
 * stores nothing.  Same limits as samplers.
 */
void		kf_template_cache_set_interface(kf_template_cache *tc, kf_addr exporter, uint8_t version,
											uint32_t domain, uint32_t ifindex, const uint8_t *text, size_t len);

/* The description of that interface, or NULL.  Valid until the next set_interface of that
 * interface or kf_template_cache_free. */
const char *kf_template_cache_interface(const kf_template_cache *tc, kf_addr exporter, uint8_t version,
										uint32_t domain, uint32_t ifindex);

typedef struct kf_options_stats
{
	uint64_t	samplers;		/* sampler entries held */
	uint64_t	interfaces;		/* interface entries held */
	uint64_t	refused;		/* announcements dropped by the limits */
	uint64_t	unknown_sampler_flows;	/* flows whose sampler was not announced: exporter-wide rate */
} kf_options_stats;

const kf_options_stats *kf_template_cache_options_stats(const kf_template_cache *tc);

/* Number of templates held (all exporters). */
size_t		kf_template_cache_count(const kf_template_cache *tc);

/*
 * A counter that changes whenever what the cache holds changes (a new or different template, a
 * withdrawal, a new sampling interval, sampler rate or interface description); an exporter
 * re-sending the same template or announcement does not change it.  kflowd saves the cache when
 * it moved (template_store.h).
 */
uint64_t	kf_template_cache_generation(const kf_template_cache *tc);

/* Called for every template (tpl set, sampling 0) or sampling entry (tpl NULL). */
typedef void (*kf_template_visit_fn) (void *arg, const kf_template_key *key, const kf_template *tpl,
									  uint64_t sampling);

/* Visits every template first, then every sampling entry (the order a restore needs: a sampling
 * entry is only kept for an exporter that has templates). */
void		kf_template_cache_foreach(const kf_template_cache *tc, kf_template_visit_fn fn, void *arg);

/* Called for every sampler (description NULL, rate > 0) and interface (rate 0, description set). */
typedef void (*kf_option_visit_fn) (void *arg, kf_addr exporter, uint8_t version, uint32_t domain, uint64_t id,
									uint64_t rate, const char *description);

/* Visits every sampler and interface entry. */
void		kf_template_cache_foreach_option(const kf_template_cache *tc, kf_option_visit_fn fn, void *arg);

#endif							/* KF_TEMPLATE_CACHE_H */
