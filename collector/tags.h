/*
 * tags.h -- flow tags: named address prefixes (IPv4 and IPv6) loaded from a file of lines
 * "TAGNAME CIDR" ('#' starts a comment, blank lines ignored).
 *
 * The tags of an address are the names of every prefix that contains it, sorted (strcmp),
 * de-duplicated and joined with ',' ("" when none); kflowd stores them as src_flow_tags and
 * dst_flow_tags.  As with PostgreSQL's inet, IPv6 prefixes (even ::/0) never contain IPv4
 * addresses.  A bare address is a host prefix; host bits beyond the prefix length are ignored.
 */
#ifndef KF_TAGS_H
#define KF_TAGS_H

#include "store/store.h"

typedef struct kf_tags kf_tags;

/* Loads a tag file.  A bad line is an error naming the file and line. */
kf_tags    *kf_tags_load(const char *path, kf_error *err);

/* Same from text in memory; source names the text in error messages. */
kf_tags    *kf_tags_parse(const char *text, const char *source, kf_error *err);

/* The tag string of address a; never NULL, owned by t. */
const char *kf_tags_lookup(const kf_tags *t, kf_addr a);

/* Number of distinct tag names. */
size_t		kf_tags_count(const kf_tags *t);

void		kf_tags_free(kf_tags *t);

#endif							/* KF_TAGS_H */
