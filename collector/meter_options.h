/*
 * meter_options.h -- kflowd's packet metering options (--meter IFACE, --meter-pcap FILE and the
 * flow table's settings), kept out of kflowd_main.c like listen_options.h.
 */
#ifndef KF_METER_OPTIONS_H
#define KF_METER_OPTIONS_H

#include <getopt.h>
#include <stdio.h>

#include "collector/flow_meter.h"
#include "store/store.h"

/* getopt_long values: above the listening options' range. */
enum
{
	KF_OPT_METER = 0x300,
	KF_OPT_METER_PCAP,
	KF_OPT_METER_EXPORTER,
	KF_OPT_METER_IDLE_TIMEOUT,
	KF_OPT_METER_ACTIVE_TIMEOUT,
	KF_OPT_METER_MAX_FLOWS
};

#define KF_METER_LONGOPTS \
	{"meter", required_argument, NULL, KF_OPT_METER}, \
	{"meter-pcap", required_argument, NULL, KF_OPT_METER_PCAP}, \
	{"meter-exporter", required_argument, NULL, KF_OPT_METER_EXPORTER}, \
	{"meter-idle-timeout", required_argument, NULL, KF_OPT_METER_IDLE_TIMEOUT}, \
	{"meter-active-timeout", required_argument, NULL, KF_OPT_METER_ACTIVE_TIMEOUT}, \
	{"meter-max-flows", required_argument, NULL, KF_OPT_METER_MAX_FLOWS}

typedef struct kf_meter_options
{
	const char *interface;		/* --meter: live capture, NULL = none */
	const char *pcap;			/* --meter-pcap: offline, NULL = none */
	kf_addr		exporter;		/* the device address the meter's flows are stored under */
	kf_meter_config table;
} kf_meter_options;

void		kf_meter_defaults(kf_meter_options *o);

/* 1 when applied, 0 when c is not one of these options, -1 (after printing why) on a bad value. */
int			kf_meter_option(int c, const char *value, kf_meter_options *o);

void		kf_meter_usage(FILE *out);

#endif							/* KF_METER_OPTIONS_H */
