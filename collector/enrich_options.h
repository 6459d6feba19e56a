/*
 * enrich_options.h -- kflowd's enrichment-at-ingest options (--asn, --interfaces) and the loading
 * of every enrichment file (with --tags, which kflowd_main.c parses), kept out of kflowd_main.c
 * like maintenance_options.h so the main file only splices them in.  docs/enrichment.md
 * describes the files.
 */
#ifndef KF_ENRICH_OPTIONS_H
#define KF_ENRICH_OPTIONS_H

#include <getopt.h>
#include <stdio.h>

#include "collector/asn_table.h"
#include "collector/interface_names.h"
#include "collector/tags.h"

/* getopt_long values: above the maintenance (0x100) and listen (0x200) options' ranges. */
enum
{
	KF_OPT_ASN = 0x400,
	KF_OPT_INTERFACES
};

#define KF_ENRICH_LONGOPTS \
	{"asn", required_argument, NULL, KF_OPT_ASN}, \
	{"interfaces", required_argument, NULL, KF_OPT_INTERFACES}

typedef struct kf_enrich_config
{
	const char *asn_file;		/* NULL = no prefix -> ASN table */
	const char *interfaces_file;	/* NULL = no interface descriptions */
} kf_enrich_config;

void		kf_enrich_defaults(kf_enrich_config *cfg);

/* 1 when applied, 0 when c is not one of these options (a value cannot be bad: files are read by
 * kf_enrichment_load). */
int			kf_enrich_option(int c, const char *value, kf_enrich_config *cfg);

void		kf_enrich_usage(FILE *out);

/* What the enrichment files give the flow sink; every member may be NULL. */
typedef struct kf_enrichment
{
	kf_interface_names *interfaces;
	kf_tags    *tags;			/* borrows interfaces */
	kf_asn_table *asn;
} kf_enrichment;

/*
 * Loads the interfaces file, then the tag file (tags_file, from --tags; may be NULL: its rules can
 * name interfaces), then the AS number file, and logs what each gave.  On failure err names the
 * file and line, and e holds what was loaded (kf_enrichment_free it either way).
 */
int			kf_enrichment_load(kf_enrichment *e, const char *tags_file, const kf_enrich_config *cfg,
							   kf_error *err);

void		kf_enrichment_free(kf_enrichment *e);

#endif							/* KF_ENRICH_OPTIONS_H */
