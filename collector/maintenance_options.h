/*
 * maintenance_options.h -- kflowd's compaction, retention and Fast dataseries options, kept out of kflowd_main.c so
 * the main file only splices them into its getopt table, its usage text and its switch.
 */
#ifndef KF_MAINTENANCE_OPTIONS_H
#define KF_MAINTENANCE_OPTIONS_H

#include <getopt.h>
#include <stdio.h>

#include "collector/store_maintenance.h"

/* getopt_long values of these options: above every single-character option. */
enum
{
	KF_OPT_RETENTION_AGE = 0x100,
	KF_OPT_RETENTION_SIZE,
	KF_OPT_NO_COMPACT,
	KF_OPT_COMPACT_AFTER,
	KF_OPT_COMPACT_FANIN,
	KF_OPT_COMPACT_MAX_ROWS,
	KF_OPT_COMPACT_GRACE,
	KF_OPT_COMPACT_INTERVAL,
	KF_OPT_COMPACT_ORDER,
	KF_OPT_RETENTION_FAST_AGE,
	KF_OPT_NO_FAST,
	KF_OPT_FAST_ROWS_PER_HOUR,
	KF_OPT_FAST_MAX_GROUPS
};

/* Entries for the struct option table of getopt_long. */
#define KF_MAINTENANCE_LONGOPTS \
	{"retention-age", required_argument, NULL, KF_OPT_RETENTION_AGE}, \
	{"retention-size", required_argument, NULL, KF_OPT_RETENTION_SIZE}, \
	{"no-compact", no_argument, NULL, KF_OPT_NO_COMPACT}, \
	{"compact-after", required_argument, NULL, KF_OPT_COMPACT_AFTER}, \
	{"compact-fanin", required_argument, NULL, KF_OPT_COMPACT_FANIN}, \
	{"compact-max-rows", required_argument, NULL, KF_OPT_COMPACT_MAX_ROWS}, \
	{"compact-grace", required_argument, NULL, KF_OPT_COMPACT_GRACE}, \
	{"compact-interval", required_argument, NULL, KF_OPT_COMPACT_INTERVAL}, \
	{"compact-order", required_argument, NULL, KF_OPT_COMPACT_ORDER}, \
	{"retention-fast-age", required_argument, NULL, KF_OPT_RETENTION_FAST_AGE}, \
	{"no-fast", no_argument, NULL, KF_OPT_NO_FAST}, \
	{"fast-rows-per-hour", required_argument, NULL, KF_OPT_FAST_ROWS_PER_HOUR}, \
	{"fast-max-groups", required_argument, NULL, KF_OPT_FAST_MAX_GROUPS}

/* The defaults documented in the usage text. */
void		kf_maintenance_defaults(kf_maintenance_config *cfg);

/* Applies option c (one of KF_OPT_*) with its value.  Returns 1 when applied, 0 when c is not a
 * maintenance option, -1 (after printing why to stderr) when the value is bad. */
int			kf_maintenance_option(int c, const char *value, kf_maintenance_config *cfg);

/* Prints the options' usage lines. */
void		kf_maintenance_usage(FILE *out);

#endif							/* KF_MAINTENANCE_OPTIONS_H */
