/*
 * enrich_options.c -- parsing and usage text of kflowd's enrichment options, and loading the
 * enrichment files (enrich_options.h).
 */
#include "collector/enrich_options.h"

#include <string.h>
#include <time.h>

#include "collector/collector_log.h"

void
kf_enrich_defaults(kf_enrich_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
}

int
kf_enrich_option(int c, const char *value, kf_enrich_config *cfg)
{
	switch (c)
	{
		case KF_OPT_ASN:
			cfg->asn_file = value;
			return 1;
		case KF_OPT_INTERFACES:
			cfg->interfaces_file = value;
			return 1;
		default:
			return 0;
	}
}

void
kf_enrich_usage(FILE *out)
{
	fprintf(out,
			"Enrichment at ingest (files: '#' comments; see docs/enrichment.md):\n"
			"  --tags FILE         lines \"TAGNAME CIDR\" or tag rules \"TAGNAME KEY=VALUE ...\" (cidr, port,\n"
			"                      protocol, device, interface, as; ANDed) -> src_flow_tags / dst_flow_tags\n"
			"  --asn FILE          lines \"PREFIX ASN\": fills src_as / dst_as where the exporter sent 0\n"
			"                      (longest prefix wins, IPv4 and IPv6)\n"
			"  --interfaces FILE   lines \"DEVICE IFINDEX DESCRIPTION...\" (DEVICE: id or name): the stored\n"
			"                      i_input/output_interface_description where the exporter sent none,\n"
			"                      and tag rules \"interface=DESCRIPTION\"\n");
}

static double
seconds_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double) (now.tv_sec - start->tv_sec) + (now.tv_nsec - start->tv_nsec) / 1e9;
}

int
kf_enrichment_load(kf_enrichment *e, const char *tags_file, const kf_enrich_config *cfg, kf_error *err)
{
	struct timespec start;

	memset(e, 0, sizeof(*e));
	if (cfg->interfaces_file)
	{
		if (!(e->interfaces = kf_interface_names_load(cfg->interfaces_file, err)))
			return -1;
		kf_log("%zu interface descriptions loaded from %s", kf_interface_names_count(e->interfaces),
			   cfg->interfaces_file);
	}
	if (tags_file)
	{
		if (!(e->tags = kf_tags_load(tags_file, e->interfaces, err)))
			return -1;
		kf_log("%zu tags loaded from %s (%zu lines are rules beyond one prefix)", kf_tags_count(e->tags),
			   tags_file, kf_tags_rule_count(e->tags));
	}
	if (cfg->asn_file)
	{
		clock_gettime(CLOCK_MONOTONIC, &start);
		if (!(e->asn = kf_asn_table_load(cfg->asn_file, err)))
			return -1;
		kf_log("%zu prefixes with AS numbers loaded from %s in %.2f s", kf_asn_table_count(e->asn),
			   cfg->asn_file, seconds_since(&start));
	}
	return 0;
}

void
kf_enrichment_free(kf_enrichment *e)
{
	kf_tags_free(e->tags);
	kf_interface_names_free(e->interfaces);
	kf_asn_table_free(e->asn);
	memset(e, 0, sizeof(*e));
}
