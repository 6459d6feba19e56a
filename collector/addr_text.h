/*
 * addr_text.h -- kf_addr to and from text (IPv4 dotted quad for IPv4-mapped addresses, else IPv6).
 */
#ifndef KF_ADDR_TEXT_H
#define KF_ADDR_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "store/store.h"

#define KF_ADDR_TEXT_MAX 46		/* INET6_ADDRSTRLEN */

/* Parses "a.b.c.d" or an IPv6 address; false when it is neither. */
bool		kf_addr_parse(const char *text, kf_addr *out);

/* Formats into buf (at least KF_ADDR_TEXT_MAX bytes) and returns buf. */
const char *kf_addr_format(kf_addr a, char *buf, size_t bufsize);

/* Converts 16 network-order bytes. */
kf_addr		kf_addr_from_bytes16(const unsigned char *bytes);

#endif							/* KF_ADDR_TEXT_H */
