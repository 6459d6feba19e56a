/*
 * part_merge.h -- merging parts of one device-hour directory into one larger, sorted part.
 *
 * The compactor in kflowd calls this; it knows nothing of the byte layout.  A merge reads every
 * input with the part reader, sorts the union of their rows and publishes the result in the same
 * directory as "m-<MINTS>-<MAXTS>-<TOKEN>.kfp" together with its manifest (part_coverage.h):
 *
 *   1. build ".tmp-m-...kfp" and fsync it;
 *   2. write the manifest "m-...kfm" atomically (dot-file, fsync, rename, fsync directory);
 *   3. rename the part into place and fsync the directory: the publish point.
 *
 * A crash before 3 leaves a dot-file and possibly an orphan manifest, both inert for readers.
 * The inputs are left in place: the listing rule hides them from then on, and the caller deletes
 * them once no scan that listed them can still be running (the grace period).
 */
#ifndef KF_PART_MERGE_H
#define KF_PART_MERGE_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* The row order of a merged part. */
typedef enum kf_merge_order
{
	KF_MERGE_ORDER_TIME,		/* by ctimestamp, ties in input order (the writer's order) */
	KF_MERGE_ORDER_MINUTE_PROTOCOL	/* by minute of ctimestamp, then protocol, then ctimestamp */
} kf_merge_order;

typedef struct kf_merge_result
{
	char		name[NAME_MAX + 1]; /* file name of the published merged part */
	uint64_t	rows;
	uint64_t	input_bytes;	/* sum of the inputs' file sizes */
	uint64_t	output_bytes;	/* size of the merged part */
} kf_merge_result;

/*
 * Merges the parts named inputs[0..count) of hour_dir (file names, all of one device) into one
 * merged part of the given level (>= 1, one more than the highest input level) and publishes it
 * as described above.  On failure nothing is published and the inputs stay visible.
 */
int			kf_part_merge(const char *hour_dir, const char *const *inputs, size_t count, uint32_t level,
						  kf_merge_order order, kf_merge_result *out, kf_error *err);

#endif							/* KF_PART_MERGE_H */
