/*
 * listen_options.c -- defaults, parsing and usage text of kflowd's listening options
 * (listen_options.h).
 */
#include "collector/listen_options.h"

#include <stdbool.h>
#include <string.h>

#include "collector/option_values.h"
#include "collector/udp_listener.h"

/* Linux caps a socket buffer at INT_MAX / 2; asking for more would only be refused. */
#define MAX_RECEIVE_BUFFER (1024u * 1024 * 1024)

void
kf_listen_defaults(kf_listen_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->receive_buffer_bytes = KF_UDP_DEFAULT_RECEIVE_BUFFER;
}

int
kf_listen_option(int c, const char *value, kf_listen_config *cfg)
{
	uint64_t	bytes = 0;
	bool		ok;

	switch (c)
	{
		case KF_OPT_RECEIVE_BUFFER:
			ok = kf_parse_size(value, &bytes) && bytes >= 4096 && bytes <= MAX_RECEIVE_BUFFER;
			cfg->receive_buffer_bytes = (uint32_t) bytes;
			break;
		case KF_OPT_METRICS:
			cfg->metrics_address = value;
			return 1;
		case KF_OPT_STATS_INTERVAL:
			ok = kf_parse_duration(value, &cfg->stats_interval_seconds) && cfg->stats_interval_seconds > 0;
			break;
		case KF_OPT_RETIME_SKEWED:
			cfg->retime_skewed = true;
			return 1;
		case KF_OPT_STATS:
			cfg->stats_address = value;
			return 1;
		default:
			return 0;
	}
	if (!ok)
		fprintf(stderr, "kflowd: bad value \"%s\" for --%s\n", value,
				c == KF_OPT_RECEIVE_BUFFER ? "receive-buffer (4K to 1G)" : "stats-interval");
	return ok ? 1 : -1;
}

void
kf_listen_usage(FILE *out)
{
	fprintf(out,
			"Operating a listening kflowd:\n"
			"  --receive-buffer SIZE       UDP receive buffer per socket (default 32M; a burst larger than\n"
			"                              this is dropped by the kernel and counted in the metrics)\n"
			"  --metrics ADDRESS:PORT      serve Prometheus metrics over HTTP (e.g. 127.0.0.1:9437)\n"
			"  --stats-interval DURATION   log packets, flows and drops per second this often (default off)\n"
			"  --retime-skewed             store the flows of NetFlow/IPFIX packets whose export time is more\n"
			"                              than 10 minutes off their receive time at the receive time\n"
			"                              (default: keep the exporter's time; such packets are always\n"
			"                              counted in the metrics and logged)\n"
			"  kflowd --stats ADDRESS:PORT print the counters of the kflowd running with --metrics ADDRESS:PORT\n"
			"                              (per exporter, the store's, the kernel's drops) and exit\n");
}
