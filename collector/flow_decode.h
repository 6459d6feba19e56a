/*
 * flow_decode.h -- what every flow-export decoder (NetFlow v5, v9, IPFIX, sFlow v5) hands back.
 *
 * Decoders are functions of the packet bytes (plus, for v9 and IPFIX, the template cache): they
 * emit kf_flow values through a callback and add to counters, and never touch sockets, files or
 * the store; their only side effect is rate-limited logging.  Counters in the emitted flows are raw (not multiplied by any sample rate);
 * flow->sample_rate carries the rate the exporter reported (0 = it said nothing) and tags are left
 * NULL: the sink applies device configuration, sampling and tags.
 */
#ifndef KF_FLOW_DECODE_H
#define KF_FLOW_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

typedef void (*kf_flow_emit_fn) (void *ctx, kf_addr exporter, const kf_flow *flow);

/* What decoding one or more packets produced; decoders only ever add to these. */
typedef struct kf_decode_counts
{
	uint64_t	flows;			/* flows emitted */
	uint64_t	decode_errors;	/* packets, sets or records dropped because they were malformed */
	uint64_t	no_template_drops;	/* data sets dropped because their template was unknown */
	uint64_t	templates;		/* template records accepted (incl. options templates) */
	uint64_t	options_records;	/* options data records read (sampling information) */
	uint64_t	non_flow_records;	/* data records of templates without any address field, sFlow
									 * flow samples without a packet header or IP record */
	uint64_t	counter_samples;	/* sFlow counter samples (read later into interface counters) */
} kf_decode_counts;

/* Where one packet's results go. */
typedef struct kf_decode_out
{
	kf_addr		exporter;		/* the UDP source address of the packet */
	kf_flow_emit_fn emit;
	void	   *emit_ctx;
	int64_t		now;			/* wall-clock seconds, only for log rate limiting */
	kf_decode_counts *counts;
	int64_t		received;		/* when the packet arrived (capture time for pcaps), epoch seconds:
								 * the flow time of exports that carry none (sFlow) */
} kf_decode_out;

/* Reads a big-endian unsigned integer of 1..8 bytes (the usual widths without a loop). */
static inline uint64_t
kf_read_be(const uint8_t *p, size_t len)
{
	switch (len)
	{
		case 1:
			return p[0];
		case 2:
			return (uint64_t) p[0] << 8 | p[1];
		case 4:
			return (uint64_t) p[0] << 24 | (uint64_t) p[1] << 16 | (uint64_t) p[2] << 8 | p[3];
		default:
			{
				uint64_t	v = 0;

				for (size_t i = 0; i < len; i++)
					v = (v << 8) | p[i];
				return v;
			}
	}
}

#endif							/* KF_FLOW_DECODE_H */
