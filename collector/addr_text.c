/*
 * addr_text.c -- conversions between kf_addr and text, via inet_pton/inet_ntop.
 */
#include "collector/addr_text.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

kf_addr
kf_addr_from_bytes16(const unsigned char *bytes)
{
	kf_addr		a = {0, 0};

	for (int i = 0; i < 8; i++)
	{
		a.hi = (a.hi << 8) | bytes[i];
		a.lo = (a.lo << 8) | bytes[8 + i];
	}
	return a;
}

bool
kf_addr_parse(const char *text, kf_addr *out)
{
	struct in_addr v4;
	struct in6_addr v6;

	if (inet_pton(AF_INET, text, &v4) == 1)
	{
		*out = kf_addr_from_v4(ntohl(v4.s_addr));
		return true;
	}
	if (inet_pton(AF_INET6, text, &v6) == 1)
	{
		*out = kf_addr_from_bytes16(v6.s6_addr);
		return true;
	}
	return false;
}

const char *
kf_addr_format(kf_addr a, char *buf, size_t bufsize)
{
	if (kf_addr_is_v4(a))
	{
		uint32_t	v4 = (uint32_t) a.lo;

		snprintf(buf, bufsize, "%u.%u.%u.%u", v4 >> 24, (v4 >> 16) & 0xff, (v4 >> 8) & 0xff, v4 & 0xff);
		return buf;
	}
	unsigned char bytes[16];

	for (int i = 0; i < 8; i++)
	{
		bytes[i] = (unsigned char) (a.hi >> (56 - 8 * i));
		bytes[8 + i] = (unsigned char) (a.lo >> (56 - 8 * i));
	}
	if (!inet_ntop(AF_INET6, bytes, buf, (socklen_t) bufsize))
		snprintf(buf, bufsize, "?");
	return buf;
}
