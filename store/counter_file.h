/*
 * counter_file.h -- the interface counter store: sFlow counter samples (generic interface
 * counters) kept per device and hour, beside the flow parts (docs/format.md section 9).
 *
 *   DIR/counters/dev-<ID>/<HOUR>/c-<MINTS>-<MAXTS>-<UNIQUE>.kfc   an immutable counter file
 *
 * Counter samples are low volume (one row per interface every 20-30 seconds), so a counter file
 * is a fixed header, fixed-width little-endian rows sorted by ctimestamp, and a CRC32C of
 * everything before it; no column encoding, no compression.  Each flush publishes one file per
 * hour it holds rows of, atomically (dot-file, fsync, rename, fsync of the directory), exactly as
 * flow parts are published; names starting with '.' are never read.  Readers reject unknown
 * versions and damaged files with a message naming the file.
 *
 * Same conventions as store.h: 0 on success, -1 with a message in *err; no PostgreSQL.
 */
#ifndef KF_COUNTER_FILE_H
#define KF_COUNTER_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define KF_COUNTER_FORMAT_VERSION 1
#define KF_COUNTER_SUFFIX ".kfc"
#define KF_COUNTERS_DIR_NAME "counters"
#define KF_COUNTER_HEADER_SIZE 32
#define KF_COUNTER_RECORD_SIZE 96
#define KF_COUNTER_TRAILER_SIZE 4
/* Larger files are refused before anything is allocated: an hour of one device never comes close
 * (a million interfaces sampled every 20 seconds would be 180M rows; real devices have < 10k). */
#define KF_COUNTER_MAX_ROWS (1u << 22)

/* ifStatus bits of the sFlow generic interface counters record. */
#define KF_IF_STATUS_ADMIN_UP 1u
#define KF_IF_STATUS_OPER_UP 2u

/*
 * One generic interface counters record (sFlow enterprise 0, format 1) as received: the counters
 * are the agent's running totals, never multiplied by anything.
 */
typedef struct kf_counter_row
{
	int64_t		ctimestamp;		/* when the datagram arrived, epoch seconds (as its flows get) */
	uint32_t	if_index;
	uint32_t	if_type;		/* IANA ifType, e.g. 6 = ethernetCsmacd */
	uint64_t	if_speed;		/* bits per second */
	uint32_t	if_direction;	/* 0 unknown, 1 full-duplex, 2 half-duplex, 3 in, 4 out */
	uint32_t	if_status;		/* KF_IF_STATUS_* bits */
	uint64_t	in_octets;
	uint32_t	in_ucast_pkts;
	uint32_t	in_mcast_pkts;
	uint32_t	in_bcast_pkts;
	uint32_t	in_discards;
	uint32_t	in_errors;
	uint32_t	in_unknown_protos;
	uint64_t	out_octets;
	uint32_t	out_ucast_pkts;
	uint32_t	out_mcast_pkts;
	uint32_t	out_bcast_pkts;
	uint32_t	out_discards;
	uint32_t	out_errors;
	uint32_t	promiscuous;	/* ifPromiscuousMode: 1 = true, 2 = false (SNMP TruthValue), 0 = unknown */
} kf_counter_row;

/* The contents of one counter file. */
typedef struct kf_counter_file
{
	uint32_t	device_id;
	int64_t		hour;			/* epoch seconds of the hour start; every row lies in [hour, hour + 3600) */
	size_t		count;
	kf_counter_row *rows;		/* malloc'd, sorted by ctimestamp */
} kf_counter_file;

void		kf_counter_file_free(kf_counter_file *file);

/*
 * Publishes rows[0..n) of device_id: sorts them in place by (ctimestamp, if_index) and writes one
 * file per hour, oldest hour first.  *published is set to the number of leading rows (in the
 * sorted order) that are now durable, all n on success; on failure the rest were not published,
 * so a caller keeping rows[*published..n) for a retry never stores a row twice.
 */
int			kf_counters_write(const char *data_dir, uint32_t device_id, kf_counter_row *rows, size_t n,
							  size_t *published, kf_error *err);

/*
 * Checks and decodes the bytes of a counter file; path only names it in messages.  Rejects a
 * wrong magic, an unknown version or record size, a length that does not match the row count, a
 * CRC mismatch, rows outside the hour or out of order.
 */
int			kf_counter_file_parse(const uint8_t *buf, size_t len, const char *path, kf_counter_file *out,
								  kf_error *err);

/* Reads and parses one counter file (see kf_counter_file_parse). */
int			kf_counter_file_read(const char *path, kf_counter_file *out, kf_error *err);

/* A published counter file, from its path alone. */
typedef struct kf_counter_file_info
{
	char	   *path;			/* malloc'd */
	uint32_t	device_id;
	int64_t		hour;
	int64_t		min_ts;
	int64_t		max_ts;
} kf_counter_file_info;

typedef struct kf_counter_file_list
{
	kf_counter_file_info *files;	/* sorted by (device_id, min_ts, path) */
	size_t		count;
} kf_counter_file_list;

/*
 * Lists the counter files that may hold rows with min_ts <= ctimestamp <= max_ts of the devices
 * devices[0..ndevices) (ndevices 0: every device).  Device and hour directories and file names
 * outside the range are not opened; a missing DIR/counters is an empty list.  Like the flow part
 * listing it is a snapshot: files are immutable.
 */
int			kf_counter_files_list(const char *data_dir, const uint32_t *devices, size_t ndevices,
								  int64_t min_ts, int64_t max_ts, kf_counter_file_list *out, kf_error *err);
void		kf_counter_file_list_free(kf_counter_file_list *list);

/* Reads a listed file and checks that its header agrees with its place (device and hour). */
int			kf_counter_file_read_listed(const kf_counter_file_info *info, kf_counter_file *out, kf_error *err);

#endif							/* KF_COUNTER_FILE_H */
