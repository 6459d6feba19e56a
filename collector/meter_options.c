/*
 * meter_options.c -- defaults, parsing and usage text of kflowd's metering options
 * (meter_options.h).
 */
#include "collector/meter_options.h"

#include <stdbool.h>
#include <string.h>

#include "collector/addr_text.h"
#include "collector/option_values.h"

#define DEFAULT_EXPORTER 0x7f000001u	/* 127.0.0.1 */

void
kf_meter_defaults(kf_meter_options *o)
{
	memset(o, 0, sizeof(*o));
	o->exporter = kf_addr_from_v4(DEFAULT_EXPORTER);
	o->table.idle_timeout_seconds = KF_METER_DEFAULT_IDLE_SECONDS;
	o->table.active_timeout_seconds = KF_METER_DEFAULT_ACTIVE_SECONDS;
	o->table.max_flows = KF_METER_DEFAULT_MAX_FLOWS;
}

/* A timeout option: a duration of 1 second up to KF_METER_MAX_TIMEOUT_SECONDS. */
static bool
parse_timeout(const char *value, int64_t *seconds)
{
	return kf_parse_duration(value, seconds) && *seconds >= 1 && *seconds <= KF_METER_MAX_TIMEOUT_SECONDS;
}

int
kf_meter_option(int c, const char *value, kf_meter_options *o)
{
	uint64_t	count = 0;
	const char *what;
	bool		ok;

	switch (c)
	{
		case KF_OPT_METER:
			o->interface = value;
			return 1;
		case KF_OPT_METER_PCAP:
			o->pcap = value;
			return 1;
		case KF_OPT_METER_EXPORTER:
			ok = kf_addr_parse(value, &o->exporter);
			what = "meter-exporter (an IPv4 or IPv6 address)";
			break;
		case KF_OPT_METER_IDLE_TIMEOUT:
			ok = parse_timeout(value, &o->table.idle_timeout_seconds);
			what = "meter-idle-timeout (1s to 366d)";
			break;
		case KF_OPT_METER_ACTIVE_TIMEOUT:
			ok = parse_timeout(value, &o->table.active_timeout_seconds);
			what = "meter-active-timeout (1s to 366d)";
			break;
		case KF_OPT_METER_MAX_FLOWS:
			ok = kf_parse_count(value, KF_METER_MAX_FLOWS, &count);
			o->table.max_flows = (uint32_t) count;
			what = "meter-max-flows (1 to 268435456)";
			break;
		default:
			return 0;
	}
	if (!ok)
		fprintf(stderr, "kflowd: bad value \"%s\" for --%s\n", value, what);
	return ok ? 1 : -1;
}

void
kf_meter_usage(FILE *out)
{
	fprintf(out,
			"Metering packets into flows (docs/metering.md):\n"
			"  --meter IFACE               capture IFACE with libpcap (promiscuous; needs CAP_NET_RAW) and\n"
			"                              store its flows; runs until SIGTERM, alone or beside --listen\n"
			"  --meter-pcap FILE           meter a capture file, then exit (instead of --read-pcap)\n"
			"  --meter-exporter ADDRESS    the device address of the meter's flows, to name it in --devices\n"
			"                              (default 127.0.0.1)\n"
			"  --meter-idle-timeout D      export a flow idle for longer than this (default 15s)\n"
			"  --meter-active-timeout D    export a flow this old and start a new one (default 60s)\n"
			"  --meter-max-flows N         flow table size; when full the least recently seen flow is\n"
			"                              exported early (default 1000000)\n");
}
