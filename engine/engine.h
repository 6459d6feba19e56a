/*
 * engine.h -- query execution over the column store, in plain C (no PostgreSQL headers).
 *
 * The FDW (or a unit test, or a benchmark) describes a scan as a kf_scan_spec: which columns to
 * return and a predicate tree with every constant already resolved (Kentik's relative times are
 * turned into absolute epoch seconds by the caller).  The engine lists the parts of the snapshot
 * that the time range and device can touch, skips blocks whose zone maps or dictionaries cannot
 * match, decodes only the needed columns a block at a time, evaluates the predicate into a
 * selection vector and hands back batches holding only the selected rows of the projected
 * columns.  No per-row call ever crosses this interface.
 *
 * The scan is built so that aggregation can later hang off the same loop: everything between
 * "block decoded" and "batch returned" is a per-block operator pipeline.
 *
 * Predicate semantics are SQL WHERE semantics: a row is returned iff the predicate is TRUE under
 * three-valued logic.  The only NULLs the engine knows are the ipv4_* views of non-IPv4 (or absent)
 * addresses; a leaf over a NULL is neither true nor false, and NOT of it stays unknown.  (The
 * engine pushes NOT down to the leaves by De Morgan and operator negation and then treats
 * "unknown" as false, which is exact for formulas made of AND/OR over leaves.)
 *
 * Functions return 0 / a count on success and -1 with a message in *err on failure.
 */
#ifndef KF_ENGINE_H
#define KF_ENGINE_H

#include "store/store.h"

/*
 * Logical columns: what a query can name.  Several map to one stored column (ipv4_src_addr and
 * inet_src_addr both read KF_COL_SRC_ADDR) or to none (i_device_id comes from the part,
 * both_bytes is in_bytes + out_bytes, i_start_time is ctimestamp rounded down to the minute).
 * Kentik's dialect columns are derived too: i_protocol_name names the protocol number,
 * inet_family is the family of the source address, and i_duration / i_fast_dataset are constants
 * of the query (its spec's duration_seconds and dataseries).  docs/dialect.md describes each.
 */
typedef enum kf_ecol
{
	KF_E_CTIMESTAMP = 0,		/* INT epoch seconds */
	KF_E_START_TIME,			/* INT epoch seconds: ctimestamp - ctimestamp % 60 */
	KF_E_DEVICE_ID,				/* INT */
	KF_E_DEVICE_NAME,			/* STR, from DIR/devices (the id in decimal when unlisted) */
	KF_E_INET_SRC_ADDR,			/* ADDR, never NULL */
	KF_E_INET_DST_ADDR,			/* ADDR, never NULL */
	KF_E_IPV4_SRC_ADDR,			/* ADDR, NULL unless IPv4 */
	KF_E_IPV4_DST_ADDR,			/* ADDR, NULL unless IPv4 */
	KF_E_L4_SRC_PORT,			/* INT ... */
	KF_E_L4_DST_PORT,
	KF_E_PROTOCOL,
	KF_E_TCP_FLAGS,
	KF_E_TOS,
	KF_E_IN_BYTES,
	KF_E_IN_PKTS,
	KF_E_OUT_BYTES,
	KF_E_OUT_PKTS,
	KF_E_BOTH_BYTES,			/* INT in_bytes + out_bytes */
	KF_E_BOTH_PKTS,				/* INT in_pkts + out_pkts */
	KF_E_INPUT_PORT,
	KF_E_OUTPUT_PORT,
	KF_E_SRC_AS,
	KF_E_DST_AS,
	KF_E_IPV4_NEXT_HOP,			/* ADDR, NULL unless an IPv4 next hop was exported */
	KF_E_VLAN_IN,
	KF_E_VLAN_OUT,
	KF_E_SAMPLE_RATE,
	KF_E_SRC_FLOW_TAGS,			/* STR, never NULL ("" when no tag) */
	KF_E_DST_FLOW_TAGS,			/* STR */
	KF_E_PROTOCOL_NAME,			/* STR i_protocol_name: "TCP (6)", from a fixed dictionary (code = protocol) */
	KF_E_INET_FAMILY,			/* INT inet_family: 4 or 6, the family of inet_src_addr */
	KF_E_DURATION,				/* INT i_duration: the scan's duration_seconds, the same on every row */
	KF_E_FAST_DATASET,			/* INT i_fast_dataset: 1 when the scan reads the Fast dataseries, else 0 */
	KF_E_INPUT_INTERFACE_DESCRIPTION,	/* STR i_input_interface_description, never NULL ("" when unknown) */
	KF_E_OUTPUT_INTERFACE_DESCRIPTION,	/* STR i_output_interface_description */
	KF_E_FLOW_END_MS,			/* INT i_flow_end_ms: the flow's last packet, epoch ms, 0 = absent */
	KF_E_FLOW_DURATION_MS,		/* INT i_flow_duration_ms: last minus first packet, ms (0 when absent) */
	KF_E_MPLS_LABEL,			/* INT i_mpls_label: the top MPLS label, 0 when none (see i_mpls_labeled) */
	KF_E_MPLS_EXP,				/* INT i_mpls_exp: its EXP bits, 0 when none */
	KF_E_MPLS_LABELED,			/* INT i_mpls_labeled: 1 when the flow carried an MPLS label, else 0 */
	KF_E_NUM_COLUMNS
} kf_ecol;

typedef enum kf_value_kind
{
	KF_V_INT,					/* int64_t */
	KF_V_ADDR,					/* kf_addr, plus a null flag for the ipv4_* columns */
	KF_V_STR					/* dictionary code + dictionary */
} kf_value_kind;

typedef struct kf_ecol_desc
{
	kf_ecol		id;
	const char *name;			/* the SQL column name, e.g. "ipv4_src_addr" */
	kf_value_kind kind;
	bool		nullable;		/* only the ipv4_* views */
} kf_ecol_desc;

/* Static description of column id; never NULL for id < KF_E_NUM_COLUMNS. */
const kf_ecol_desc *kf_ecol_describe(kf_ecol id);

/* The column with this SQL name, or -1. */
int			kf_ecol_by_name(const char *name);

/* ------------------------------------------------------------------ predicates */

typedef enum kf_pred_type
{
	KF_P_TRUE,					/* matches every row (e.g. an empty IN list negated) */
	KF_P_FALSE,
	KF_P_AND,					/* children[0..nchildren) */
	KF_P_OR,
	KF_P_NOT,					/* children[0] */
	KF_P_INT_CMP,				/* col op value.i                 (INT columns) */
	KF_P_INT_IN,				/* col IN (values.ints[0..nvalues)) */
	KF_P_ADDR_CMP,				/* col op value.addr (inet ordering: see kf_addr_cmp; v4 < v6 by family) */
	KF_P_ADDR_IN,				/* col IN (values.addrs) */
	KF_P_ADDR_WITHIN,			/* col <<= value.addr/prefix_len  (inside the network, bits beyond prefix ignored) */
	KF_P_ADDR_CONTAINS,			/* col >>= value.addr/prefix_len  (a host address contains only itself) */
	KF_P_IS_NULL,				/* col IS NULL (only nullable columns can be NULL) */
	KF_P_STR_CMP,				/* col op value.str  (only EQ/NE: byte equality) */
	KF_P_STR_IN,				/* col IN (values.strs) */
	KF_P_STR_LIKE,				/* col LIKE value.str (PostgreSQL LIKE with '\' escape) */
	KF_P_STR_ILIKE				/* col ILIKE value.str (ASCII case folding; the FDW only sends ASCII patterns) */
} kf_pred_type;

typedef enum kf_cmp_op
{
	KF_OP_EQ,
	KF_OP_NE,
	KF_OP_LT,
	KF_OP_LE,
	KF_OP_GT,
	KF_OP_GE
} kf_cmp_op;

/*
 * One node of a predicate tree.  Trees are built by the caller (usually in one arena) and only
 * read by the engine; the engine copies what it keeps, so the tree may be freed after
 * kf_scan_begin returns.
 */
typedef struct kf_pred
{
	kf_pred_type type;
	kf_ecol		col;			/* leaves */
	kf_cmp_op	op;				/* *_CMP leaves */
	union
	{
		int64_t		i;
		kf_addr		addr;
		const char *str;
	}			value;
	uint8_t		prefix_len;		/* ADDR_WITHIN/CONTAINS: bits of value.addr that count (0..128; IPv4 /n is 96+n) */
	uint32_t	nvalues;		/* *_IN leaves */
	union
	{
		const int64_t *ints;
		const kf_addr *addrs;
		const char *const *strs;
	}			values;
	uint32_t	nchildren;		/* AND / OR / NOT */
	const struct kf_pred *const *children;
} kf_pred;

/* Writes a readable form of the tree (for EXPLAIN and tests), e.g.
 * "(protocol = 6 AND l4_src_port = 25 AND dst_flow_tags ILIKE '%MYNETWORK%')".  Returns the
 * length it needed (like snprintf). */
size_t		kf_pred_format(const kf_pred *pred, char *buf, size_t bufsize);

/* ------------------------------------------------------------------ scans */

typedef struct kf_scan_spec
{
	const char *data_dir;
	kf_dataseries dataseries;	/* which tree of parts to read (FULL = 0, the default) */
	int64_t		duration_seconds;	/* the value of the i_duration column (the FDW computes it per query) */
	uint32_t	device_id;		/* 0 = all devices (all_devices); else one device's table */
	const kf_pred *where;		/* NULL = every row */
	uint32_t	ncols;			/* projected columns, in output order (may be 0: count rows only) */
	const kf_ecol *cols;
} kf_scan_spec;

/* Counters a scan keeps, for EXPLAIN ANALYZE and tests of pruning. */
typedef struct kf_scan_stats
{
	uint64_t	parts_listed;	/* parts in range after name-based time/device pruning */
	uint64_t	parts_skipped;	/* parts whose zone maps ruled them out after opening */
	uint64_t	blocks_total;
	uint64_t	blocks_skipped; /* by zone maps or dictionaries */
	uint64_t	rows_scanned;	/* rows of blocks actually decoded */
	uint64_t	rows_returned;
} kf_scan_stats;

/*
 * A batch of selected rows.  Column j of the spec's cols is in vals[j]: ints for INT, addrs (+ nulls
 * for nullable columns, 1 = NULL) for ADDR, codes + dict for STR.  Arrays are owned by the scan and
 * valid until the next kf_scan_next or kf_scan_end.
 */
typedef struct kf_batch_column
{
	const int64_t *ints;
	const kf_addr *addrs;
	const uint8_t *nulls;		/* NULL pointer when the column cannot be NULL */
	const uint32_t *codes;
	const kf_dict *dict;
} kf_batch_column;

typedef struct kf_batch
{
	uint32_t	nrows;
	uint32_t	ncols;
	const kf_batch_column *cols;
} kf_batch;

typedef struct kf_scan kf_scan;

/* Validates the spec (unknown column, bad operator for the kind, ...) and lists the parts. */
kf_scan    *kf_scan_begin(const kf_scan_spec *spec, kf_error *err);

/*
 * Produces the next batch: returns 1 with *out filled (nrows may be 0 when a whole block was
 * filtered or skipped, so the caller gets control back at least once per block and can check for
 * cancellation), 0 at the end, -1 on error (corrupt part, I/O error) with a message naming the file.
 */
int			kf_scan_next(kf_scan *scan, kf_batch *out, kf_error *err);

const kf_scan_stats *kf_scan_get_stats(const kf_scan *scan);

/* Frees everything; safe on a scan that failed or was not finished. */
void		kf_scan_end(kf_scan *scan);

#endif							/* KF_ENGINE_H */
