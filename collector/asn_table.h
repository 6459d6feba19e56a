/*
 * asn_table.h -- AS numbers of addresses from the --asn file: lines "PREFIX ASN" (IPv4 or IPv6
 * prefix, AS number 1 to 4294967295).  The longest prefix containing an address gives its AS
 * number; as for tags, IPv6 prefixes (even ::/0) never contain IPv4 addresses.  Lines starting
 * with ';' are comments too, so pyasn's "ipasn" files load unchanged.
 *
 * The prefixes are flattened at load time into sorted, non-overlapping address ranges, one array
 * per family, so memory is bounded (at most two ranges per prefix, KF_ASN_MAX_PREFIXES prefixes)
 * and a lookup is a binary search without allocation (IPv4: within its /16).
 */
#ifndef KF_ASN_TABLE_H
#define KF_ASN_TABLE_H

#include <stddef.h>

#include "store/store.h"

/* Bounds the memory of a table: ~32 bytes per prefix while loading (plus the file), then at most 16
 * (IPv4) or 40 (IPv6) bytes per prefix plus a 256 KB index. */
#define KF_ASN_MAX_PREFIXES (4u << 20)

typedef struct kf_asn_table kf_asn_table;

/* Loads a prefix -> ASN file.  A bad line, or one prefix given two AS numbers, is an error naming
 * the file and line. */
kf_asn_table *kf_asn_table_load(const char *path, kf_error *err);

/* Same from text in memory; source names the text in error messages. */
kf_asn_table *kf_asn_table_parse(const char *text, const char *source, kf_error *err);

/* The AS number of the longest prefix containing a, 0 when none does. */
uint32_t	kf_asn_lookup(const kf_asn_table *t, kf_addr a);

/* Number of distinct prefixes loaded. */
size_t		kf_asn_table_count(const kf_asn_table *t);

void		kf_asn_table_free(kf_asn_table *t);

#endif							/* KF_ASN_TABLE_H */
