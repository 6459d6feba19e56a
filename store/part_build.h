/*
 * part_build.h -- writes one part file from rows the writer has buffered (private to store/).
 *
 * The writer keeps rows column by column in arrival order; the builder takes a permutation
 * (`order`, already sorted by ctimestamp and confined to one hour) and writes header, chunks,
 * footer and trailer to an open file.  Publishing (fsync, rename) is the writer's job.
 */
#ifndef KF_PART_BUILD_H
#define KF_PART_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "store/string_intern.h"

/* The buffered rows: per column exactly one of ints/addrs/dict_ids is set, by the column's kind. */
typedef struct kf_part_rows
{
	uint32_t	device_id;
	const uint32_t *order;		/* row indices in file order */
	size_t		count;
	const int64_t *ints[KF_NUM_COLUMNS];
	const kf_addr *addrs[KF_NUM_COLUMNS];
	const uint32_t *dict_ids[KF_NUM_COLUMNS];	/* ids into strings */
	const kf_string_intern *strings;
} kf_part_rows;

/* Buffers reused from part to part; zero-initialise, release with kf_part_build_scratch_free. */
typedef struct kf_part_build_scratch
{
	int64_t    *ints;			/* KF_BLOCK_MAX_ROWS each */
	int64_t    *ints2;
	uint64_t   *packed;
	uint32_t   *codes;
	uint32_t   *global_of_local;
	const char **local_strings;
	uint32_t   *local_lengths;
	uint32_t   *local_of_global;	/* grows with the intern table; UINT32_MAX = not in this block */
	size_t		local_of_global_cap;
	uint8_t    *encoded;
	size_t		encoded_cap;
	uint8_t    *stored;
	size_t		stored_cap;
	uint8_t    *footer;
	size_t		footer_cap;
} kf_part_build_scratch;

/* Writes the part for rows to fd (an empty file); path is for messages. */
int			kf_part_build(int fd, const char *path, const kf_part_rows *rows, kf_part_build_scratch *scratch,
						  kf_error *err);

void		kf_part_build_scratch_free(kf_part_build_scratch *scratch);

/*
 * Sorts order[0..n) (row numbers) by timestamps[row], or, when protocols is not NULL, by minute,
 * then protocol, then timestamp.  Ties keep row order, so equal inputs give equal parts.
 */
void		kf_part_sort_rows(uint32_t *order, size_t n, const int64_t *timestamps, const int64_t *protocols);

#endif							/* KF_PART_BUILD_H */
