/*
 * flowgen_options.c -- command-line parsing and validation for flowgen.
 *
 * Every option takes its value as the next argument ("--flows 1000").  Values are range-checked
 * here so the generator itself can trust the configuration.
 */
#include "tools/flowgen/flowgen_config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
"usage: flowgen [--flows N] [--seed S] [--end EPOCH (default now)] [--span SECS (default 3600)]\n"
"        [--devices N (default 4)] [--reflectors K (default 3)] [--plant-window SECS (default 45)]\n"
"        [--ipv6-share PCT (default 2, only for v9/IPFIX)] [--sample-rate-device4 R (default 1)]\n"
"        [--proto 5|9|10 | --proto mixed (default)]   (mixed: device d exports v9 if d%3==1, IPFIX if d%3==2, v5 if 0)\n"
"        [--pcap FILE] [--send HOST:PORT [--pps N]] [--csv FILE] [--truth FILE]\n"
"        [--tags-out FILE] [--devices-out FILE] [--quiet]\n"
"\n"
"Generates N deterministic NetFlow/IPFIX flows (default 100000) spread over (end-span, end] from\n"
"devices 1..N (exporters 127.0.0.(10+d)), with a planted spam-reflection pattern in the last\n"
"--plant-window seconds.  Same arguments give the same flows in every output mode.\n"
"  --pcap FILE        write the export packets as Ethernet/IPv4/UDP to the destination (default 127.0.0.1:2055)\n"
"  --send HOST:PORT   send them live (127.0.0.0/8 or ::1 only), paced at --pps packets/s (default 20000)\n"
"  --csv FILE         one row per flow as the collector must store it ('-' for stdout)\n"
"  --truth FILE       reflectors, decoys, flow and byte totals\n"
"  --tags-out FILE    the tags file for kflowd; --devices-out FILE: kflowd's devices file\n";

void
flowgen_print_usage(FILE *f)
{
	fputs(usage_text, f);
}

/* Parses an unsigned decimal integer within [min, max]. */
static int
parse_u64(const char *option, const char *text, uint64_t min, uint64_t max, uint64_t *out, fg_error *err)
{
	char	   *end;

	errno = 0;
	unsigned long long v = strtoull(text, &end, 10);

	if (text[0] == '-' || text[0] == '\0' || *end != '\0' || errno != 0 || v < min || v > max)
		return fg_error_set(err, "%s: \"%s\" is not an integer in [%llu, %llu]", option, text,
							(unsigned long long) min, (unsigned long long) max);
	*out = v;
	return 0;
}

static int
parse_u32(const char *option, const char *text, uint32_t min, uint32_t max, uint32_t *out, fg_error *err)
{
	uint64_t	v;

	if (parse_u64(option, text, min, max, &v, err) < 0)
		return -1;
	*out = (uint32_t) v;
	return 0;
}

static int
parse_percent(const char *option, const char *text, double *out, fg_error *err)
{
	char	   *end;

	errno = 0;
	double		v = strtod(text, &end);

	if (text[0] == '\0' || *end != '\0' || errno != 0 || !(v >= 0 && v <= 100))
		return fg_error_set(err, "%s: \"%s\" is not a percentage in [0, 100]", option, text);
	*out = v;
	return 0;
}

static int
parse_proto(const char *text, int *out, fg_error *err)
{
	if (strcmp(text, "5") == 0 || strcmp(text, "9") == 0 || strcmp(text, "10") == 0)
		*out = atoi(text);
	else if (strcmp(text, "mixed") == 0)
		*out = FLOWGEN_PROTO_MIXED;
	else
		return fg_error_set(err, "--proto: \"%s\" is not 5, 9, 10 or mixed", text);
	return 0;
}

static void
set_defaults(flowgen_config *cfg, int64_t now)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->flows = 100000;
	cfg->seed = 1;
	cfg->end = now;
	cfg->span = 3600;
	cfg->devices = 4;
	cfg->reflectors = 3;
	cfg->plant_window = 45;
	cfg->ipv6_share_pct = 2;
	cfg->sample_rate_device4 = 1;
	cfg->proto = FLOWGEN_PROTO_MIXED;
	cfg->pps = 20000;
}

/* Applies one "--name value" option. */
static int
apply_valued_option(flowgen_config *cfg, const char *name, const char *value, fg_error *err)
{
	uint64_t	end;

	if (strcmp(name, "--flows") == 0)
		return parse_u64(name, value, 0, FLOWGEN_MAX_FLOWS, &cfg->flows, err);
	if (strcmp(name, "--seed") == 0)
		return parse_u64(name, value, 0, UINT64_MAX, &cfg->seed, err);
	if (strcmp(name, "--end") == 0)
	{
		if (parse_u64(name, value, FLOWGEN_MAX_SPAN + 86400, UINT32_MAX, &end, err) < 0)
			return -1;
		cfg->end = (int64_t) end;
		return 0;
	}
	if (strcmp(name, "--span") == 0)
		return parse_u32(name, value, 1, FLOWGEN_MAX_SPAN, &cfg->span, err);
	if (strcmp(name, "--devices") == 0)
		return parse_u32(name, value, 1, FLOWGEN_MAX_DEVICES, &cfg->devices, err);
	if (strcmp(name, "--reflectors") == 0)
		return parse_u32(name, value, 0, 1000, &cfg->reflectors, err);
	if (strcmp(name, "--plant-window") == 0)
		return parse_u32(name, value, 1, FLOWGEN_MAX_SPAN, &cfg->plant_window, err);
	if (strcmp(name, "--ipv6-share") == 0)
		return parse_percent(name, value, &cfg->ipv6_share_pct, err);
	if (strcmp(name, "--sample-rate-device4") == 0)	/* v5 carries the rate in 14 bits */
		return parse_u32(name, value, 1, 16383, &cfg->sample_rate_device4, err);
	if (strcmp(name, "--proto") == 0)
		return parse_proto(value, &cfg->proto, err);
	if (strcmp(name, "--pps") == 0)
		return parse_u32(name, value, 1, 10000000, &cfg->pps, err);
	if (strcmp(name, "--pcap") == 0)
		cfg->pcap_path = value;
	else if (strcmp(name, "--send") == 0)
		cfg->send_target = value;
	else if (strcmp(name, "--csv") == 0)
		cfg->csv_path = value;
	else if (strcmp(name, "--truth") == 0)
		cfg->truth_path = value;
	else if (strcmp(name, "--tags-out") == 0)
		cfg->tags_out = value;
	else if (strcmp(name, "--devices-out") == 0)
		cfg->devices_out = value;
	else
		return fg_error_set(err, "unknown option %s (see --help)", name);
	return 0;
}

int
flowgen_parse_options(int argc, char **argv, int64_t now, flowgen_config *cfg, fg_error *err)
{
	set_defaults(cfg, now);
	for (int i = 1; i < argc; i++)
	{
		const char *name = argv[i];

		if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0)
		{
			flowgen_print_usage(stdout);
			return 1;
		}
		if (strcmp(name, "--quiet") == 0)
		{
			cfg->quiet = true;
			continue;
		}
		if (strncmp(name, "--", 2) != 0)
			return fg_error_set(err, "unexpected argument \"%s\" (see --help)", name);
		if (i + 1 >= argc)
			return fg_error_set(err, "%s needs a value (see --help)", name);
		if (apply_valued_option(cfg, name, argv[++i], err) < 0)
			return -1;
	}
	if (cfg->plant_window > cfg->span)
		return fg_error_set(err, "--plant-window (%u) must not exceed --span (%u)", cfg->plant_window, cfg->span);
	if (cfg->sample_rate_device4 > 1 && cfg->devices < 4)
		return fg_error_set(err, "--sample-rate-device4 needs at least 4 devices");
	return 0;
}
