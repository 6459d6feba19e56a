/*
 * network_tags.h -- the tag prefixes flowgen's address plan uses, written as kflowd's tags file,
 * and the tag string the collector must compute for an address from that file (matching tag
 * names, sorted, comma-separated; "" when none).
 */
#ifndef FLOWGEN_NETWORK_TAGS_H
#define FLOWGEN_NETWORK_TAGS_H

#include <stdint.h>
#include <stdio.h>

/* Writes "NAME PREFIX" lines to f (the caller checks ferror). */
void		network_tags_write(FILE *f);

/* Tags of an IPv4 address (host order) / an IPv6 address (network order).  Static strings. */
const char *network_tags_for_v4(uint32_t addr);
const char *network_tags_for_v6(const uint8_t addr[16]);

#endif
