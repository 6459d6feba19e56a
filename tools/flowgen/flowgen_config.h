/*
 * flowgen_config.h -- the generator's parsed command line, and the per-device facts derived from
 * it (export protocol, sampling rate, exporter address, time layout) that every part must agree on.
 */
#ifndef FLOWGEN_CONFIG_H
#define FLOWGEN_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "tools/flowgen/fg_error.h"

#define FLOWGEN_PROTO_MIXED 0
#define FLOWGEN_MAX_DEVICES 245		/* exporters are 127.0.0.(10+d) */
#define FLOWGEN_MAX_SPAN (30 * 86400)	/* keeps NetFlow sysUptime (ms) inside 32 bits */
#define FLOWGEN_MAX_FLOWS (UINT64_C(1) << 40)

typedef struct flowgen_config
{
	uint64_t	flows;
	uint64_t	seed;
	int64_t		end;			/* epoch seconds; flows lie in (end - span, end] */
	uint32_t	span;
	uint32_t	devices;
	uint32_t	reflectors;
	uint32_t	plant_window;
	double		ipv6_share_pct;
	uint32_t	sample_rate_device4;
	int			proto;			/* 5, 9, 10 or FLOWGEN_PROTO_MIXED */
	const char *pcap_path;
	const char *send_target;	/* HOST:PORT or NULL */
	uint32_t	pps;
	const char *csv_path;
	const char *truth_path;
	const char *tags_out;
	const char *devices_out;
	bool		quiet;
} flowgen_config;

/* The NetFlow/IPFIX version device d (1-based) exports: mixed gives v9 if d%3==1, IPFIX if
 * d%3==2, v5 if d%3==0. */
static inline int
flowgen_device_proto(const flowgen_config *cfg, uint32_t device_id)
{
	static const int mixed_by_remainder[3] = {5, 9, 10};

	if (cfg->proto != FLOWGEN_PROTO_MIXED)
		return cfg->proto;
	return mixed_by_remainder[device_id % 3];
}

/* The sampling rate device d reports in-band (1 = unsampled). */
static inline uint32_t
flowgen_device_sample_rate(const flowgen_config *cfg, uint32_t device_id)
{
	return device_id == 4 ? cfg->sample_rate_device4 : 1;
}

/* Exporter address 127.0.0.(10+d), host byte order. */
static inline uint32_t
flowgen_device_exporter_v4(uint32_t device_id)
{
	return (UINT32_C(127) << 24) | (10 + device_id);
}

/* Whether device d's export carries IPv6 flows (v5 cannot). */
static inline bool
flowgen_device_has_ipv6(const flowgen_config *cfg, uint32_t device_id)
{
	return cfg->ipv6_share_pct > 0 && flowgen_device_proto(cfg, device_id) != 5;
}

/* Flows are spread uniformly over the span in time order: second s (0-based, ctimestamp
 * end - span + 1 + s) holds flows [first(s), first(s + 1)) with first(s) = floor(s * flows / span).
 * The product fits 64 bits: s <= FLOWGEN_MAX_SPAN < 2^22 and flows <= FLOWGEN_MAX_FLOWS. */
static inline uint64_t
flowgen_first_flow_of_second(const flowgen_config *cfg, uint64_t second)
{
	return second * cfg->flows / cfg->span;
}

/* Parses argv into cfg (defaults applied).  Returns 0, 1 when --help was printed, or -1 with a
 * message in err.  `now` is the default --end. */
int			flowgen_parse_options(int argc, char **argv, int64_t now, flowgen_config *cfg, fg_error *err);

/* Prints the usage text to f. */
void		flowgen_print_usage(FILE *f);

#endif
