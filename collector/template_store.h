/*
 * template_store.h -- keeps NetFlow v9 / IPFIX templates and announced sampling intervals across
 * kflowd restarts, in DIR/templates.
 *
 * Exporters send a template once and then only data for minutes (IPFIX over UDP: every few
 * minutes by default; some v9 exporters every 20 packets or 30 minutes).  A collector that
 * forgets its templates on restart drops all data until they come again, so kflowd saves the
 * template cache whenever it changed (at most every few seconds) and at shutdown, and loads it at
 * start, as pmacct and goflow2 do.  A re-sent template simply replaces the restored one.
 *
 * The file (format in docs/format.md, "Collector state") is written atomically (temporary file,
 * fsync, rename) and checked on load (magic, version, lengths, CRC32C): a damaged or unknown file
 * is reported and ignored, it never stops kflowd or feeds it a bad template.
 */
#ifndef KF_TEMPLATE_STORE_H
#define KF_TEMPLATE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collector/template_cache.h"

#define KF_TEMPLATE_STORE_NAME "templates"
#define KF_TEMPLATE_STORE_VERSION 2	/* 2 added samplers and interfaces; 1 is still read */

/* Serialises every template, sampling, sampler and interface entry of tc; *out is malloc'd.  0 or
 * -1 (out of memory). */
int			kf_template_store_encode(const kf_template_cache *tc, uint8_t **out, size_t *len, kf_error *err);

/*
 * Adds the entries of an encoded file to tc (which may already hold some: those are replaced).
 * Checks everything before adding anything: on error tc is unchanged.  *restored counts the
 * templates added.  Entries the cache's limits refuse are skipped and counted in *refused.
 */
int			kf_template_store_decode(const uint8_t *data, size_t len, kf_template_cache *tc,
									 size_t *restored, size_t *refused, kf_error *err);

/* Saves tc to data_dir/templates, durably.  0 or -1. */
int			kf_template_store_save(const char *data_dir, const kf_template_cache *tc, kf_error *err);

/* Loads data_dir/templates into tc; a missing file restores nothing and is not an error. */
int			kf_template_store_load(const char *data_dir, kf_template_cache *tc, size_t *restored,
								   size_t *refused, kf_error *err);

/* How often kflowd saves a cache that changed, at most. */
#define KF_TEMPLATE_SAVE_SECONDS 5.0

/* Saving the cache of a listening kflowd when it changed. */
typedef struct kf_template_saver
{
	const char *data_dir;
	uint64_t	saved_generation;
	double		last_attempt;	/* monotonic seconds */
} kf_template_saver;

/* Loads data_dir/templates into tc (logging what it restored or why it could not) and starts
 * watching tc for changes. */
void		kf_template_saver_start(kf_template_saver *s, const char *data_dir, kf_template_cache *tc, double now);

/* Saves tc if it changed since the last save and KF_TEMPLATE_SAVE_SECONDS passed (or final is
 * set: at shutdown); a failure is logged and retried later. */
void		kf_template_saver_tick(kf_template_saver *s, const kf_template_cache *tc, double now, bool final);

#endif							/* KF_TEMPLATE_STORE_H */
