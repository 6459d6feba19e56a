/*
 * address_plan.h -- turns host numbers into addresses and ASNs.
 *
 * Internal host n: IPv4 10.1.x.y (DC_EAST) when n % 8 == 0, else 10.(16+).x.y; IPv6
 * fd00:0:0:(n%16)::(n+1).  Every number gives a distinct address, so reserved numbers (the
 * planted hosts) never collide with background hosts.  External host n: a public unicast IPv4
 * address chosen by a seed-keyed permutation (distinct for distinct n), and an IPv6 address in
 * 2a00::/12; its ASN is fixed per host and Zipf-skewed over 4000 ASNs.
 */
#ifndef FLOWGEN_ADDRESS_PLAN_H
#define FLOWGEN_ADDRESS_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#define INTERNAL_ASN 64512

typedef struct endpoint
{
	bool		internal;
	uint32_t	host;			/* host number within its population */
} endpoint;

typedef struct address_plan
{
	uint32_t	key;			/* seed-derived permutation key */
} address_plan;

void		address_plan_init(address_plan *p, uint64_t seed);

/* IPv4 address, host byte order. */
uint32_t	address_plan_v4(const address_plan *p, endpoint e);

/* IPv6 address, network byte order. */
void		address_plan_v6(const address_plan *p, endpoint e, uint8_t out[16]);

/* Origin AS of the host (INTERNAL_ASN for internal hosts); fits 16 bits. */
uint16_t	address_plan_asn(const address_plan *p, endpoint e);

#endif
