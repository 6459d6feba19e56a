/*
 * listen_options.h -- kflowd's options for operating a listening collector: the receive buffer,
 * the Prometheus metrics endpoint, the periodic statistics line and what to do with exporters
 * whose clocks are wrong.  Kept out of kflowd_main.c
 * like maintenance_options.h.
 */
#ifndef KF_LISTEN_OPTIONS_H
#define KF_LISTEN_OPTIONS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* getopt_long values: above the maintenance options' range. */
enum
{
	KF_OPT_RECEIVE_BUFFER = 0x200,
	KF_OPT_METRICS,
	KF_OPT_STATS_INTERVAL,
	KF_OPT_RETIME_SKEWED,
	KF_OPT_STATS
};

#define KF_LISTEN_LONGOPTS \
	{"receive-buffer", required_argument, NULL, KF_OPT_RECEIVE_BUFFER}, \
	{"metrics", required_argument, NULL, KF_OPT_METRICS}, \
	{"stats-interval", required_argument, NULL, KF_OPT_STATS_INTERVAL}, \
	{"retime-skewed", no_argument, NULL, KF_OPT_RETIME_SKEWED}, \
	{"stats", required_argument, NULL, KF_OPT_STATS}

typedef struct kf_listen_config
{
	uint32_t	receive_buffer_bytes;
	const char *metrics_address;	/* NULL = no endpoint */
	int64_t		stats_interval_seconds; /* 0 = no periodic line */
	bool		retime_skewed;	/* store flows of clock-skewed packets at their receive time */
	const char *stats_address;	/* kflowd --stats ADDRESS:PORT: print a running kflowd's summary */
} kf_listen_config;

void		kf_listen_defaults(kf_listen_config *cfg);

/* 1 when applied, 0 when c is not one of these options, -1 (after printing why) on a bad value. */
int			kf_listen_option(int c, const char *value, kf_listen_config *cfg);

void		kf_listen_usage(FILE *out);

#endif							/* KF_LISTEN_OPTIONS_H */
