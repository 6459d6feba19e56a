/*
 * socket_address.c -- parses ADDRESS:PORT for kflowd's listening options (see socket_address.h).
 */
#include "collector/socket_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

int
kf_parse_socket_address(const char *address, const char *what, struct sockaddr_storage *ss, socklen_t *sslen,
						kf_error *err)
{
	char		host[128];
	const char *colon = strrchr(address, ':');
	const char *host_start = address;
	size_t		host_len = colon ? (size_t) (colon - address) : 0;

	if (address[0] == '[' && colon && colon > address && colon[-1] == ']')
	{
		host_start = address + 1;
		host_len = (size_t) (colon - address) - 2;
	}
	char	   *end;
	long		port = colon ? strtol(colon + 1, &end, 10) : -1;

	if (!colon || host_len == 0 || host_len >= sizeof(host) || colon[1] == '\0' || *end || port < 0 || port > 65535)
		return kf_error_set(err, "%s \"%s\": expected ADDRESS:PORT, e.g. 127.0.0.1:2055 or [::1]:2055", what, address);
	memcpy(host, host_start, host_len);
	host[host_len] = '\0';
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *v4 = (struct sockaddr_in *) ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *) ss;

	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1)
	{
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t) port);
		*sslen = sizeof(*v4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1)
	{
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t) port);
		*sslen = sizeof(*v6);
		return 0;
	}
	return kf_error_set(err, "%s \"%s\": \"%s\" is not an IPv4 or IPv6 address", what, address, host);
}

