/*
 * part_coverage.h -- which parts of a device-hour directory are visible, now that merged parts
 * replace the parts they were merged from (docs/format.md, "Merged parts and snapshots").
 *
 * Two kinds of part share an hour directory:
 *   p-<MINTS>-<MAXTS>-<TOKEN>.kfp   a flushed part, written by kf_writer (level 0)
 *   m-<MINTS>-<MAXTS>-<TOKEN>.kfp   a merged part, written by kf_part_merge
 *   m-<MINTS>-<MAXTS>-<TOKEN>.kfm   its manifest: the level and the names of the parts it covers
 * The listing rule: a part is hidden when the manifest of a merged part whose .kfp exists names
 * it.  The manifest is durable before the merged part is renamed into place, and covered parts
 * are deleted only a grace period after that, so a scan that listed either side of the publish
 * sees every row exactly once.  Everything here works on names; no part file is opened.
 */
#ifndef KF_PART_COVERAGE_H
#define KF_PART_COVERAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define KF_MANIFEST_SUFFIX ".kfm"
/* Dot-prefix of a merged part being written: never listed, removed by the compactor when stale. */
#define KF_MERGE_TMP_PREFIX ".tmp-m-"

/* One part file of an hour directory. */
typedef struct kf_hour_part
{
	char	   *name;			/* malloc'd file name (no directory) */
	int64_t		min_ts;
	int64_t		max_ts;
	bool		merged;			/* an m- part */
	uint32_t	level;			/* 0 for p- parts, from the manifest for m- parts */
	bool		hidden;			/* covered by an existing merged part */
	int64_t		hidden_since;	/* when hidden: ctime (epoch s) of the newest covering part */
} kf_hour_part;

/* What an hour directory holds, by the listing rule. */
typedef struct kf_hour_state
{
	kf_hour_part *parts;		/* sorted by (min_ts, name) */
	size_t		count;
	char	  **orphan_manifests;	/* .kfm names whose .kfp does not exist */
	size_t		orphan_count;
	char	  **stale_merges;	/* KF_MERGE_TMP_PREFIX dot-files */
	size_t		stale_count;
} kf_hour_state;

/* Parses exactly len decimal digits (1..18 of them) into *out; the numbers in directory and part names. */
bool		kf_parse_decimal(const char *s, size_t len, uint64_t *out);

/*
 * Parses a part file name (p- or m-, suffix .kfp).  Returns false for anything else, including
 * dot-files, so half-written parts are never listed.
 */
bool		kf_part_name_parse(const char *name, bool *merged, int64_t *min_ts, int64_t *max_ts);

/*
 * Reads the hour directory and applies the listing rule.  A vanished directory is an empty
 * state.  with_times fills hidden_since (one stat per merged part); the listing does not need it.
 * A manifest that exists but cannot be parsed is an error naming it.
 */
int			kf_hour_state_read(const char *hour_dir, bool with_times, kf_hour_state *out, kf_error *err);
void		kf_hour_state_free(kf_hour_state *state);

/* The manifest text for a merged part of this level covering these part names (malloc'd,
 * NUL-terminated), or NULL when out of memory. */
char	   *kf_manifest_format(uint32_t level, const char *const *covered, size_t count);

#endif							/* KF_PART_COVERAGE_H */
