/*
 * flow_packet.h -- the entry point for one received flow-export payload: dispatches on the version
 * field (NetFlow 5, 9, IPFIX 10, sFlow 5) to the decoders, owns the template cache, and keeps
 * per-exporter counters for the exit summary.  Used identically by the UDP listener, the pcap
 * reader, the tests and the fuzz harness.
 */
#ifndef KF_FLOW_PACKET_H
#define KF_FLOW_PACKET_H

#include <stdbool.h>

#include "collector/flow_decode.h"
#include "collector/template_cache.h"

/* Counters of one exporter (or, for exporters beyond the table's capacity, of all of them). */
typedef struct kf_exporter_stats
{
	kf_addr		exporter;
	uint64_t	packets;		/* payloads accepted as flow exports */
	uint64_t	rejected;		/* payloads that were not a valid v5/v9/IPFIX/sFlow packet */
	uint64_t	clock_skewed;	/* accepted NetFlow/IPFIX packets whose export time was more than
								 * KF_CLOCK_SKEW_FLAG_SECONDS away from their receive time */
	int64_t		last_clock_skew;	/* export time - receive time of the last such packet */
	kf_decode_counts counts;
} kf_exporter_stats;

/*
 * An exporter whose header time is further than this from the time its packet arrived has a
 * wrong clock (no NTP, a clock at 1970): its packets are counted and logged, and with
 * kf_flow_decoder_set_retime_skewed their flows are stored at the receive time instead.
 */
#define KF_CLOCK_SKEW_FLAG_SECONDS 600

#define KF_MAX_EXPORTER_STATS 1024

typedef struct kf_flow_decoder kf_flow_decoder;

kf_flow_decoder *kf_flow_decoder_new(kf_flow_emit_fn emit, void *emit_ctx);
void		kf_flow_decoder_free(kf_flow_decoder *d);

/*
 * Off (the default): flows keep their exporter's time even when its clock is flagged as skewed.
 * On: the flows of a flagged packet are moved by (receive time - export time), so they land at
 * the time they arrived and live queries see them.
 */
void		kf_flow_decoder_set_retime_skewed(kf_flow_decoder *d, bool on);

/* The export formats kflowd decodes, as recognised by a payload's first bytes. */
typedef enum kf_export_kind
{
	KF_EXPORT_UNKNOWN,
	KF_EXPORT_NETFLOW_V5,
	KF_EXPORT_NETFLOW_V9,
	KF_EXPORT_IPFIX,
	KF_EXPORT_SFLOW_V5
} kf_export_kind;

/* What buf looks like (header bytes only; the decoders check the rest). */
kf_export_kind kf_flow_export_kind(const uint8_t *buf, size_t len);

/*
 * Decodes one UDP payload from exporter.  Returns 0 when it was a NetFlow v5/v9/IPFIX or sFlow v5
 * packet with a valid header (its flows were emitted, malformed parts counted), -1 when it was
 * not (counted as rejected).  now is wall-clock seconds, used for rate-limited logging only.
 */
int			kf_flow_decoder_packet(kf_flow_decoder *d, kf_addr exporter, const uint8_t *buf, size_t len,
								   int64_t now);

/*
 * The same with the time the payload was received (pcaps: its capture time), in epoch seconds:
 * the flow time of exports that carry none (sFlow).  kf_flow_decoder_packet uses now for it.
 */
int			kf_flow_decoder_packet_at(kf_flow_decoder *d, kf_addr exporter, const uint8_t *buf, size_t len,
									  int64_t now, int64_t received);

/* Sums of all exporters' counters. */
kf_exporter_stats kf_flow_decoder_totals(const kf_flow_decoder *d);

/* Per-exporter counters: index 0 .. count-1, in no particular order. */
size_t		kf_flow_decoder_exporter_count(const kf_flow_decoder *d);
const kf_exporter_stats *kf_flow_decoder_exporter(const kf_flow_decoder *d, size_t i);

/* The template cache (tests inspect it). */
kf_template_cache *kf_flow_decoder_templates(kf_flow_decoder *d);

/* Logs one summary line for all exporters, then one per exporter. */
void		kf_flow_decoder_log_summary(const kf_flow_decoder *d);

#endif							/* KF_FLOW_PACKET_H */
