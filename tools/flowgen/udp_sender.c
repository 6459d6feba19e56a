/*
 * udp_sender.c -- live UDP export (see udp_sender.h).
 *
 * IPv4: device d's socket is bound to 127.0.0.(10+d) (any port), so the collector sees one
 * exporter address per device, as in the pcap.  IPv6 (::1): there is one loopback address, so
 * all devices share it and the collector tells them apart by source id / engine id.  Pacing
 * sleeps until packet k's slot start + k / pps on the monotonic clock, so the long-run rate is
 * exact even though single sleeps overshoot.
 */
#include "tools/flowgen/udp_sender.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tools/flowgen/flowgen_config.h"

struct udp_sender
{
	int		   *sockets;		/* index device_id - 1 */
	char		target_text[80];
	uint32_t	devices;
	struct sockaddr_storage target;
	socklen_t	target_length;
	uint64_t	interval_ns;
	uint64_t	sent;
	struct timespec start;
};

/* Splits HOST:PORT (or [V6]:PORT) into host text and port number. */
static int
split_target(const char *target, char *host, size_t host_size, uint16_t *port, fg_error *err)
{
	const char *colon = strrchr(target, ':');
	const char *host_start = target;
	size_t		host_length;

	if (!colon)
		return fg_error_set(err, "--send: \"%s\" is not HOST:PORT", target);
	host_length = (size_t) (colon - target);
	if (target[0] == '[' && host_length >= 2 && colon[-1] == ']')
	{
		host_start++;
		host_length -= 2;
	}
	char	   *end;
	long		p = strtol(colon + 1, &end, 10);

	if (host_length == 0 || host_length >= host_size || *end != '\0' || colon[1] == '\0' || p < 1 || p > 65535)
		return fg_error_set(err, "--send: \"%s\" is not HOST:PORT", target);
	memcpy(host, host_start, host_length);
	host[host_length] = '\0';
	*port = (uint16_t) p;
	return 0;
}

int
udp_target_parse(const char *target, uint32_t *v4_out, uint16_t *port_out, fg_error *err)
{
	char		host[64];
	struct in_addr v4;
	struct in6_addr v6;

	if (split_target(target, host, sizeof(host), port_out, err) < 0)
		return -1;
	if (strcmp(host, "localhost") == 0)
		strcpy(host, "127.0.0.1");
	if (inet_pton(AF_INET, host, &v4) == 1 && (ntohl(v4.s_addr) >> 24) == 127)
	{
		*v4_out = ntohl(v4.s_addr);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6))
	{
		*v4_out = 0;
		return 0;
	}
	return fg_error_set(err, "--send: only 127.0.0.0/8, ::1 or localhost destinations are allowed, not \"%s\"", host);
}

/* Opens device d's socket; IPv4 ones are bound to the device's exporter address. */
static int
open_device_socket(int family, uint32_t device_id, fg_error *err)
{
	int			fd = socket(family, SOCK_DGRAM, 0);

	if (fd < 0)
		return fg_error_set(err, "cannot create a UDP socket: %s", strerror(errno));
	if (family == AF_INET)
	{
		struct sockaddr_in local = {.sin_family = AF_INET};

		local.sin_addr.s_addr = htonl(flowgen_device_exporter_v4(device_id));
		if (bind(fd, (struct sockaddr *) &local, sizeof(local)) < 0)
		{
			fg_error_set(err, "cannot bind to 127.0.0.%u: %s", 10 + device_id, strerror(errno));
			close(fd);
			return -1;
		}
	}
	return fd;
}

static void
set_target(udp_sender *s, uint32_t v4, uint16_t port)
{
	memset(&s->target, 0, sizeof(s->target));
	if (v4 != 0)
	{
		struct sockaddr_in *sin = (struct sockaddr_in *) &s->target;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sin->sin_addr.s_addr = htonl(v4);
		s->target_length = sizeof(*sin);
		return;
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) &s->target;

	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	sin6->sin6_addr = in6addr_loopback;
	s->target_length = sizeof(*sin6);
}

udp_sender *
udp_sender_open(const char *target, uint32_t devices, uint32_t packets_per_second, fg_error *err)
{
	uint32_t	v4;
	uint16_t	port;

	if (udp_target_parse(target, &v4, &port, err) < 0)
		return NULL;

	udp_sender *s = calloc(1, sizeof(*s));

	if (!s || !(s->sockets = malloc(devices * sizeof(int))))
	{
		free(s);
		fg_error_set(err, "out of memory for %u sockets", devices);
		return NULL;
	}
	set_target(s, v4, port);
	snprintf(s->target_text, sizeof(s->target_text), "%s", target);
	for (uint32_t d = 1; d <= devices; d++)
	{
		s->sockets[d - 1] = open_device_socket(v4 != 0 ? AF_INET : AF_INET6, d, err);
		if (s->sockets[d - 1] < 0)
		{
			s->devices = d - 1;
			udp_sender_close(s);
			return NULL;
		}
	}
	s->devices = devices;
	s->interval_ns = 1000000000ull / packets_per_second;
	clock_gettime(CLOCK_MONOTONIC, &s->start);
	return s;
}

/* Sleeps until the start of packet number `sent`'s slot. */
static void
wait_for_slot(const udp_sender *s)
{
	uint64_t	offset = s->sent * s->interval_ns;
	struct timespec due = s->start;

	due.tv_sec += (time_t) (offset / 1000000000ull);
	due.tv_nsec += (long) (offset % 1000000000ull);
	if (due.tv_nsec >= 1000000000L)
	{
		due.tv_sec++;
		due.tv_nsec -= 1000000000L;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due, NULL) == EINTR)
		;
}

int
udp_sender_send(udp_sender *s, uint32_t device_id, const uint8_t *payload, size_t length, fg_error *err)
{
	wait_for_slot(s);
	s->sent++;
	if (sendto(s->sockets[device_id - 1], payload, length, 0, (const struct sockaddr *) &s->target,
			   s->target_length) < 0)
		return fg_error_set(err, "cannot send to %s: %s", s->target_text, strerror(errno));
	return 0;
}

void
udp_sender_close(udp_sender *s)
{
	if (!s)
		return;
	for (uint32_t d = 0; d < s->devices; d++)
		close(s->sockets[d]);
	free(s->sockets);
	free(s);
}
