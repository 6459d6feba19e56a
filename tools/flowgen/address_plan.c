/*
 * address_plan.c -- host numbers to addresses and ASNs (see address_plan.h for the plan).
 *
 * External IPv4 addresses use "cycle walking": a bijection of 32-bit values is applied until the
 * result is public.  Starting from a public value, that walk is itself a bijection of the public
 * set, so distinct hosts get distinct addresses without any table.
 */
#include "tools/flowgen/address_plan.h"

#include <string.h>

#include "tools/flowgen/rng.h"

#define V4(a, b, c, d) (((uint32_t) (a) << 24) | ((uint32_t) (b) << 16) | ((uint32_t) (c) << 8) | (uint32_t) (d))

void
address_plan_init(address_plan *p, uint64_t seed)
{
	p->key = (uint32_t) mix64(seed ^ UINT64_C(0xadd7e55));
}

/* A bijection of 32-bit values (Wellons' lowbias32). */
static uint32_t
permute32(uint32_t x)
{
	x ^= x >> 16;
	x *= UINT32_C(0x7feb352d);
	x ^= x >> 15;
	x *= UINT32_C(0x846ca68b);
	x ^= x >> 16;
	return x;
}

static bool
in_prefix(uint32_t addr, uint32_t prefix, unsigned len)
{
	return (addr >> (32 - len)) == (prefix >> (32 - len));
}

/* Whether an IPv4 address (host order) is public unicast and not a .0/.255 host. */
static bool
is_public_v4(uint32_t addr)
{
	static const struct
	{
		uint32_t	prefix;
		unsigned	len;
	}			special[] = {
		{V4(0, 0, 0, 0), 8}, {V4(10, 0, 0, 0), 8}, {V4(100, 64, 0, 0), 10}, {V4(127, 0, 0, 0), 8},
		{V4(169, 254, 0, 0), 16}, {V4(172, 16, 0, 0), 12}, {V4(192, 0, 0, 0), 24}, {V4(192, 0, 2, 0), 24},
		{V4(192, 88, 99, 0), 24}, {V4(192, 168, 0, 0), 16}, {V4(198, 18, 0, 0), 15},
		{V4(198, 51, 100, 0), 24}, {V4(203, 0, 113, 0), 24}, {V4(224, 0, 0, 0), 3},
	};
	uint32_t	last_octet = addr & 0xff;

	if (last_octet == 0 || last_octet == 255)
		return false;
	for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++)
		if (in_prefix(addr, special[i].prefix, special[i].len))
			return false;
	return true;
}

static uint32_t
internal_v4(uint32_t host)
{
	if (host % 8 == 0)
	{
		uint32_t	j = host / 8;

		return V4(10, 1, j / 250, 1 + j % 250);
	}
	return V4(10, 16 + host / 62500, (host / 250) % 250, 1 + host % 250);
}

/* Host n starts its walk at a distinct public address in 64.0.0.0/12 (n < 2^20 * 254/256). */
static uint32_t
external_v4(const address_plan *p, uint32_t host)
{
	uint32_t	addr = V4(64, 0, 0, 0) + (host / 254) * 256 + 1 + host % 254;

	do
		addr = permute32(addr ^ p->key);
	while (!is_public_v4(addr));
	return addr;
}

uint32_t
address_plan_v4(const address_plan *p, endpoint e)
{
	return e.internal ? internal_v4(e.host) : external_v4(p, e.host);
}

static void
put_be32(uint8_t *out, uint32_t v)
{
	out[0] = (uint8_t) (v >> 24);
	out[1] = (uint8_t) (v >> 16);
	out[2] = (uint8_t) (v >> 8);
	out[3] = (uint8_t) v;
}

void
address_plan_v6(const address_plan *p, endpoint e, uint8_t out[16])
{
	memset(out, 0, 16);
	if (e.internal)
	{
		out[0] = 0xfd;
		out[7] = (uint8_t) (e.host % 16);
		put_be32(out + 12, e.host + 1);
		return;
	}
	uint32_t	spread = (uint32_t) mix64(e.host ^ ((uint64_t) p->key << 32));

	out[0] = 0x2a;
	out[1] = (uint8_t) (spread & 0x0f);
	put_be32(out + 2, permute32(e.host ^ p->key));	/* distinct per host */
	out[6] = (uint8_t) (spread >> 8);
	out[7] = (uint8_t) (spread >> 16);
	out[15] = (uint8_t) (1 + (spread >> 24) % 254);
}

/* External ASNs: the host's hash picks a rank skewed towards 0 (cube of a uniform), ranks map to
 * public 16-bit ASNs, avoiding 0, AS_TRANS (23456) and the reserved/private range. */
uint16_t
address_plan_asn(const address_plan *p, endpoint e)
{
	if (e.internal)
		return INTERNAL_ASN;
	double		u = (double) (mix64(e.host ^ ((uint64_t) p->key << 17)) >> 11) * 0x1.0p-53;
	uint32_t	rank = (uint32_t) (u * u * u * 4000);
	uint32_t	asn = 1 + (rank * 7919u) % 64000;

	return (uint16_t) (asn == 23456 ? 23457 : asn);
}
