/*
 * interface_names.h -- interface descriptions per device, from the --interfaces file: lines
 * "DEVICE IFINDEX DESCRIPTION..." where DEVICE is a device id (digits) or a device name, IFINDEX
 * the SNMP interface index the exporter reports (0 to 4294967295) and DESCRIPTION the rest of the
 * line (spaces allowed, at most KF_INTERFACE_DESCRIPTION_MAX - 1 bytes; '#' still starts a comment).
 *
 * Descriptions fill i_input_interface_description / i_output_interface_description of the
 * flows whose exporter did not announce one in options data (flow_sink.h), and tag rules use
 * them (`interface=NAME` in the tag file, see tags.h and docs/enrichment.md).
 */
#ifndef KF_INTERFACE_NAMES_H
#define KF_INTERFACE_NAMES_H

#include <stdbool.h>
#include <stddef.h>

#include "store/store.h"

#define KF_INTERFACE_DESCRIPTION_MAX 256

/* A device as configuration files name it: by id, or by name when the text is not all digits. */
typedef struct kf_device_ref
{
	uint32_t	id;				/* 0 when named */
	const char *name;			/* NULL when by id; else points into the text that was parsed */
} kf_device_ref;

/* Parses a device id (1 to 4294967295) or name (below KF_DEVICE_NAME_MAX bytes); out->name points
 * at text.  False when it is neither. */
bool		kf_device_ref_parse(const char *text, kf_device_ref *out);

/* Whether ref names device (its id, or its registry name). */
bool		kf_device_ref_matches(const kf_device_ref *ref, const kf_device *device);

/* One line of the file. */
typedef struct kf_interface_name
{
	kf_device_ref device;
	uint32_t	ifindex;
	const char *description;	/* owned by the kf_interface_names */
} kf_interface_name;

typedef struct kf_interface_names kf_interface_names;

/* Loads an interfaces file.  A bad line, or a (DEVICE, IFINDEX) given twice, is an error naming
 * the file and line. */
kf_interface_names *kf_interface_names_load(const char *path, kf_error *err);

/* Same from text in memory; source names the text in error messages. */
kf_interface_names *kf_interface_names_parse(const char *text, const char *source, kf_error *err);

/* The entries in file order. */
size_t		kf_interface_names_count(const kf_interface_names *names);
const kf_interface_name *kf_interface_names_at(const kf_interface_names *names, size_t i);

void		kf_interface_names_free(kf_interface_names *names);

/* The descriptions of one device's interfaces, sorted by ifindex for lookups per flow. */
typedef struct kf_interface_table
{
	uint32_t   *ifindexes;		/* ascending, unique */
	const char **descriptions;	/* borrowed from the kf_interface_names */
	size_t		count;
} kf_interface_table;

/* Collects the entries naming device (by id or name; the first line wins when a device's
 * interface is given once by id and once by name).  Returns 0, or -1 on out of memory. */
int			kf_interface_table_build(const kf_interface_names *names, const kf_device *device,
									 kf_interface_table *out);

/* The description of ifindex, or NULL. */
const char *kf_interface_table_find(const kf_interface_table *table, uint32_t ifindex);

void		kf_interface_table_free(kf_interface_table *table);

#endif							/* KF_INTERFACE_NAMES_H */
