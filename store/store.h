/*
 * store.h -- the on-disk flow column store, shared by the writer (kflowd) and the reader (engine/).
 *
 * This header is the only definition of what a stored flow is.  The byte layout lives in
 * the store/ sources and is documented in docs/format.md; nothing outside store/ knows it.
 *
 * Layout of a data directory (see docs/format.md for the bytes):
 *
 *   DIR/devices                     device registry, one line per device (written atomically)
 *   DIR/data/dev-<ID>/<HOUR>/       one directory per device and hour (HOUR = epoch seconds of the hour start)
 *   DIR/fast/dev-<ID>/<DAY>/        the Fast dataseries: one directory per device and UTC day (see below)
 *   DIR/data/dev-<ID>/<HOUR>/p-<MINTS>-<MAXTS>-<UNIQUE>.kfp   an immutable part file
 *
 * A part file holds rows of one device and one hour, sorted by ctimestamp, in blocks of at most
 * KF_BLOCK_MAX_ROWS rows.  Each block stores every column as its own chunk: encoded for its kind
 * (frame-of-reference bit packing or delta for integers, two such streams for addresses,
 * a dictionary for strings), then lz4-compressed, with a CRC32C of the stored bytes and a zone map
 * (min/max).  Parts are written to a dot-file, fsync'd, renamed into place and the directory
 * fsync'd, so a reader never sees a torn part; file names starting with '.' are never read.
 *
 * Conventions: functions return 0 on success and -1 on failure with a message in *err that names
 * the file concerned.  Nothing here uses PostgreSQL; everything is safe to call from any thread as
 * long as one object is used by one thread at a time.
 */
#ifndef KF_STORE_H
#define KF_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define KF_STORE_FORMAT_VERSION 1
#define KF_BLOCK_MAX_ROWS 65536
#define KF_PART_SUFFIX ".kfp"

/* A human-readable error; always NUL-terminated. */
typedef struct kf_error
{
	char		msg[512];
} kf_error;

/* Formats an error message into err (printf-style). Always returns -1 so callers can
 * write `return kf_error_set(err, ...)`. */
int			kf_error_set(kf_error *err, const char *fmt,...) __attribute__((format(printf, 2, 3)));

/*
 * An IP address as 128 bits in network order split into two host-order halves.
 * IPv4 a.b.c.d is stored IPv4-mapped (::ffff:a.b.c.d, i.e. hi = 0, lo = 0x0000ffff00000000 | v4).
 * The all-zero address "::" means "absent" (e.g. no next hop was exported).
 */
typedef struct kf_addr
{
	uint64_t	hi;
	uint64_t	lo;
} kf_addr;

#define KF_ADDR_V4_MAPPED_PREFIX UINT64_C(0x0000ffff00000000)

static inline kf_addr
kf_addr_from_v4(uint32_t v4_host_order)
{
	kf_addr		a = {0, KF_ADDR_V4_MAPPED_PREFIX | v4_host_order};

	return a;
}

static inline bool
kf_addr_is_v4(kf_addr a)
{
	return a.hi == 0 && (a.lo >> 32) == 0xffff;
}

static inline bool
kf_addr_is_absent(kf_addr a)
{
	return a.hi == 0 && a.lo == 0;
}

/* Lexicographic (hi, lo) comparison: -1, 0 or 1. */
static inline int
kf_addr_cmp(kf_addr a, kf_addr b)
{
	if (a.hi != b.hi)
		return a.hi < b.hi ? -1 : 1;
	if (a.lo != b.lo)
		return a.lo < b.lo ? -1 : 1;
	return 0;
}

/* How a column's values look once decoded. */
typedef enum kf_column_kind
{
	KF_KIND_INT,				/* int64_t per row */
	KF_KIND_ADDR,				/* kf_addr per row */
	KF_KIND_DICT				/* uint32_t code per row into a per-block dictionary of strings */
} kf_column_kind;

/*
 * The stored columns.  Values are append-only: a new column gets the next number and older
 * parts without it read as the column's default (0, "::" or "").  Never renumber.
 */
typedef enum kf_column_id
{
	KF_COL_CTIMESTAMP = 0,		/* INT: export time, epoch seconds */
	KF_COL_SRC_ADDR,			/* ADDR */
	KF_COL_DST_ADDR,			/* ADDR */
	KF_COL_NEXT_HOP,			/* ADDR ("::" when not exported) */
	KF_COL_L4_SRC_PORT,			/* INT */
	KF_COL_L4_DST_PORT,			/* INT */
	KF_COL_PROTOCOL,			/* INT */
	KF_COL_TCP_FLAGS,			/* INT */
	KF_COL_TOS,					/* INT */
	KF_COL_IN_BYTES,			/* INT, already multiplied by sample_rate */
	KF_COL_IN_PKTS,				/* INT, already multiplied by sample_rate */
	KF_COL_OUT_BYTES,			/* INT, already multiplied by sample_rate */
	KF_COL_OUT_PKTS,			/* INT, already multiplied by sample_rate */
	KF_COL_INPUT_PORT,			/* INT: input interface index */
	KF_COL_OUTPUT_PORT,			/* INT: output interface index */
	KF_COL_SRC_AS,				/* INT */
	KF_COL_DST_AS,				/* INT */
	KF_COL_VLAN_IN,				/* INT */
	KF_COL_VLAN_OUT,			/* INT */
	KF_COL_SAMPLE_RATE,			/* INT: the rate the counters were multiplied by (>= 1) */
	KF_COL_SRC_FLOW_TAGS,		/* DICT: sorted, comma-separated tag names, "" when none */
	KF_COL_DST_FLOW_TAGS,		/* DICT */
	KF_COL_INPUT_INTERFACE_DESCRIPTION, /* DICT: the input interface's description, "" when unknown */
	KF_COL_OUTPUT_INTERFACE_DESCRIPTION,	/* DICT: the output interface's description */
	KF_COL_FLOW_END_MS,			/* INT: when the flow's last packet was seen, epoch ms; 0 = absent */
	KF_COL_FLOW_DURATION_MS,	/* INT: last minus first packet, ms; 0 also when flow_end_ms is absent */
	KF_COL_MPLS_LABEL,			/* INT: the top MPLS label (20 bits); 0 when none, see mpls_labeled */
	KF_COL_MPLS_EXP,			/* INT: the top label's EXP (traffic class) bits 0..7; 0 when none */
	KF_COL_MPLS_LABELED,		/* INT: 1 when the flow carried an MPLS label (label 0 is IPv4 explicit
								 * null, a real label), 0 otherwise and in parts older than the column */
	KF_NUM_COLUMNS
} kf_column_id;

/* Static description of a stored column. */
typedef struct kf_column_desc
{
	kf_column_id id;
	const char *name;			/* e.g. "l4_src_port"; stable, used in docs and error messages */
	kf_column_kind kind;
} kf_column_desc;

const kf_column_desc *kf_column_describe(kf_column_id id);

/*
 * One flow as the collector hands it to the writer.  Strings are borrowed for the duration of
 * the kf_writer_add call only (the writer copies them into its dictionary).
 */
typedef struct kf_flow
{
	int64_t		ctimestamp;
	kf_addr		src_addr;
	kf_addr		dst_addr;
	kf_addr		next_hop;
	uint32_t	l4_src_port;
	uint32_t	l4_dst_port;
	uint32_t	protocol;
	uint32_t	tcp_flags;
	uint32_t	tos;
	int64_t		in_bytes;
	int64_t		in_pkts;
	int64_t		out_bytes;
	int64_t		out_pkts;
	uint32_t	input_port;
	uint32_t	output_port;
	uint32_t	src_as;
	uint32_t	dst_as;
	uint32_t	vlan_in;
	uint32_t	vlan_out;
	uint32_t	sample_rate;
	const char *src_flow_tags;	/* NULL is stored as "" */
	const char *dst_flow_tags;
	/* What the exporter (options data) or the --interfaces file calls input_port / output_port;
	 * NULL is stored as "". */
	const char *input_interface_description;
	const char *output_interface_description;
	/* The flow's own end (not the export time), epoch milliseconds, and its duration: it started at
	 * flow_end_ms - flow_duration_ms.  flow_end_ms 0 = absent (not exported, or implausible:
	 * docs/format.md), and then flow_duration_ms is 0 too.  End + duration is the cheapest
	 * encoding measured (docs/format.md). */
	int64_t		flow_end_ms;
	int64_t		flow_duration_ms;
	uint32_t	mpls_label;		/* top label number, when mpls_labeled */
	uint32_t	mpls_exp;		/* its EXP bits, when mpls_labeled */
	bool		mpls_labeled;
} kf_flow;

/* ------------------------------------------------------------------ devices registry */

#define KF_DEVICE_NAME_MAX 128

typedef struct kf_device
{
	uint32_t	id;				/* >= 1 */
	char		name[KF_DEVICE_NAME_MAX];	/* no whitespace */
	kf_addr		exporter;		/* exporter address ("::" when unknown) */
	uint32_t	sample_rate;	/* configured override, 0 = use what the exporter says */
} kf_device;

typedef struct kf_device_list
{
	kf_device  *devices;		/* malloc'd, sorted by id */
	size_t		count;
} kf_device_list;

/* Reads DIR/devices.  A missing file is an empty list, not an error. */
int			kf_devices_load(const char *data_dir, kf_device_list *out, kf_error *err);

/* Replaces DIR/devices atomically (write dot-file, fsync, rename, fsync dir). */
int			kf_devices_save(const char *data_dir, const kf_device_list *list, kf_error *err);

void		kf_device_list_free(kf_device_list *list);

/* Returns the device with this id, or NULL. */
const kf_device *kf_device_list_find(const kf_device_list *list, uint32_t id);

/* ------------------------------------------------------------------ writing */

/*
 * A writer buffers rows of one device in memory.  kf_writer_flush publishes everything buffered
 * as one part per time directory the rows fall in (an hour; a day for Fast), rows sorted by
 * ctimestamp, atomically and durably, and empties the buffer.  On failure nothing is published and the rows stay buffered.
 */
typedef struct kf_writer kf_writer;

kf_writer  *kf_writer_open(const char *data_dir, uint32_t device_id, kf_error *err);
int			kf_writer_add(kf_writer *w, const kf_flow *flow, kf_error *err);
size_t		kf_writer_buffered_rows(const kf_writer *w);
int			kf_writer_flush(kf_writer *w, kf_error *err);
void		kf_writer_close(kf_writer *w);	/* drops anything not flushed */

/* ------------------------------------------------------------------ dataseries */

/*
 * A store holds two dataseries of the same flows, each its own tree of parts in the same format:
 *   Full  DIR/data/dev-<ID>/<HOUR>/...  every flow as exported;
 *   Fast  DIR/fast/dev-<ID>/<DAY>/...   built by kflowd from Full once an hour is complete: ports
 *         above 32767 folded to 65535, flows with the same key summed per hour slice (ctimestamp =
 *         the slice start), at most a bounded number of rows per device and hour (docs/format.md);
 *         one directory, and normally one part, per device and UTC day, because Fast is read for
 *         long windows, where opening one small part per hour would cost more than its rows.
 * Sums of counters over a whole slice are exact in both.
 */
typedef enum kf_dataseries
{
	KF_DATASERIES_FULL = 0,
	KF_DATASERIES_FAST = 1
} kf_dataseries;

#define KF_FAST_SLICE_SECONDS 3600
#define KF_FAST_DIR_SECONDS 86400

/* The directory name of a dataseries under DIR ("data" or "fast"). */
const char *kf_dataseries_dir_name(kf_dataseries series);

/*
 * Seconds one time directory of a dataseries covers: 3600 for Full, KF_FAST_DIR_SECONDS for Fast.
 * A directory is named by the epoch second its span starts at, a multiple of the span; a
 * directory whose name is not (a Fast hour directory of the layout before day directories) is
 * not read.
 */
int64_t		kf_dataseries_dir_seconds(kf_dataseries series);

/* Whether `start` names a time directory of the series: a multiple of its span. */
bool		kf_dataseries_dir_start_valid(kf_dataseries series, uint64_t start);

/* ------------------------------------------------------------------ listing (snapshots) */

typedef struct kf_part_info
{
	char	   *path;			/* malloc'd absolute or data_dir-relative path */
	uint32_t	device_id;
	int64_t		min_ts;			/* from the file name: no need to open the file to prune it */
	int64_t		max_ts;
} kf_part_info;

typedef struct kf_part_list
{
	kf_part_info *parts;		/* sorted by (device_id, min_ts, path) */
	size_t		count;
} kf_part_list;

/*
 * Lists the published parts that may hold rows of device_id (0 = every device) with
 * min_ts <= ctimestamp <= max_ts.  Hour directories and part names outside the range are not
 * opened.  The list is a snapshot: parts are immutable, so it stays readable while the collector
 * keeps publishing.
 */
int			kf_parts_list(const char *data_dir, uint32_t device_id, int64_t min_ts, int64_t max_ts,
						  kf_part_list *out, kf_error *err);
/* The same for either dataseries (kf_parts_list is the Full one). */
int			kf_parts_list_series(const char *data_dir, kf_dataseries series, uint32_t device_id,
								 int64_t min_ts, int64_t max_ts, kf_part_list *out, kf_error *err);
void		kf_part_list_free(kf_part_list *list);

/* ------------------------------------------------------------------ reading */

typedef struct kf_part_reader kf_part_reader;

/* Zone map of one column in one block.  For DICT columns min/max are not kept (the dictionary
 * itself is the zone map); for ADDR columns they compare with kf_addr_cmp. */
typedef struct kf_zone
{
	union
	{
		struct
		{
			int64_t		min,
						max;
		}			i;
		struct
		{
			kf_addr		min,
						max;
		}			a;
	};
} kf_zone;

/* A dictionary as decoded for one block: strings[code] for code < count.  Owned by the reader and
 * valid until the next kf_part_read_dict on the same column or kf_part_close. */
typedef struct kf_dict
{
	uint32_t	count;
	const char *const *strings; /* NUL-terminated */
	const uint32_t *lengths;
} kf_dict;

/* Opens a part and verifies its header, footer and footer checksum.  Rejects unknown format
 * versions.  Never maps the file: a truncated or corrupt file is an error, not a crash. */
kf_part_reader *kf_part_open(const char *path, kf_error *err);
void		kf_part_close(kf_part_reader *r);

uint32_t	kf_part_device_id(const kf_part_reader *r);
uint64_t	kf_part_num_rows(const kf_part_reader *r);
uint32_t	kf_part_num_blocks(const kf_part_reader *r);
uint32_t	kf_part_block_rows(const kf_part_reader *r, uint32_t block);
const char *kf_part_path(const kf_part_reader *r);

/* Zone map of column col in block; never NULL. */
const kf_zone *kf_part_zone(const kf_part_reader *r, uint32_t block, kf_column_id col);

/*
 * Read, verify (CRC32C), decompress and decode one column chunk of one block into caller memory
 * holding kf_part_block_rows() entries.  Each returns -1 with a message naming the file, block
 * and column when the bytes are corrupt.
 */
int			kf_part_read_int(kf_part_reader *r, uint32_t block, kf_column_id col, int64_t *out, kf_error *err);
int			kf_part_read_addr(kf_part_reader *r, uint32_t block, kf_column_id col, kf_addr *out, kf_error *err);
int			kf_part_read_dict(kf_part_reader *r, uint32_t block, kf_column_id col, uint32_t *codes_out,
							  kf_dict *dict_out, kf_error *err);

/* ------------------------------------------------------------------ writing a dataseries */

/* A writer like kf_writer_open whose parts go to the tree of `series` (DIR/data or DIR/fast). */
kf_writer  *kf_writer_open_series(const char *data_dir, kf_dataseries series, uint32_t device_id, kf_error *err);

/* A closed range of ctimestamp values. */
typedef struct kf_ts_range
{
	int64_t		min_ts;
	int64_t		max_ts;
} kf_ts_range;

/*
 * Appends every row of the part read by r whose ctimestamp lies in none of skip[0..nskip) to the
 * writer's buffer, every stored column as it is (the part's dictionary strings are interned
 * again).  Used to rewrite a Fast day part with some of its hours replaced.  On failure the rows of
 * the block being copied may be partly buffered; callers then close the writer without flushing.
 */
int			kf_writer_add_part_rows(kf_writer *w, kf_part_reader *r, const kf_ts_range *skip, size_t nskip,
									kf_error *err);

/*
 * Publishes everything buffered, which must lie in one time directory, as one merged part of that
 * directory replacing the parts named covered[0..ncovered) there: the part under a ".tmp-m-"
 * dot-name, then its manifest at `level` (one more than the highest covered level, 1..1000), then
 * the rename (docs/format.md 2.1), so a listing sees either the covered parts or the new one, never
 * both and never neither.  With ncovered 0 there is nothing to hide and no manifest is written.  The new part's file name goes to
 * name_out (name_size >= NAME_MAX + 1).  On failure nothing is published and the rows stay buffered.
 */
int			kf_writer_flush_replacing(kf_writer *w, const char *const *covered, size_t ncovered, uint32_t level,
									  char *name_out, size_t name_size, kf_error *err);

/* ------------------------------------------------------------------ selective reading */

/*
 * Tests lo <= value <= hi for the rows of an INT column without materialising the values (on
 * frame-of-reference streams the test runs on the packed values).  rows == NULL: every row,
 * match[i] for i < kf_part_block_rows(); otherwise match[rows[k]] for k < count, other entries
 * untouched.  Writes 1 or 0.
 */
int			kf_part_match_int(kf_part_reader *r, uint32_t block, kf_column_id col, int64_t lo, int64_t hi,
							  const uint32_t *rows, uint32_t count, uint8_t *match, kf_error *err);

/*
 * Late materialisation: declares that of block `block` only rows[0..count) (ascending, each <
 * kf_part_block_rows()) will be looked at, until the next call.  kf_part_read_int and
 * kf_part_read_addr of that block then decode only those rows where the stream allows random
 * access (frame of reference); the other entries of their output hold unspecified values.  The
 * rows are copied.  count == 0 or another block number lifts the restriction; reads of other
 * blocks and kf_part_read_dict are never restricted.  Only for callers that, after filtering a
 * block, read its columns at the selected rows alone.
 */
void		kf_part_restrict_rows(kf_part_reader *r, uint32_t block, const uint32_t *rows, uint32_t count);

#endif							/* KF_STORE_H */
