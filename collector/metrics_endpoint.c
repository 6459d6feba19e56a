/*
 * metrics_endpoint.c -- a minimal non-blocking HTTP/1.0 responder for Prometheus scrapes (see
 * metrics_endpoint.h).  It reads a request up to its blank line, answers, and closes.
 */
#include "collector/metrics_endpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "collector/socket_address.h"

#define MAX_CLIENTS 16
#define REQUEST_MAX 2048
#define CLIENT_TIMEOUT_SECONDS 2.0

typedef struct client
{
	int			fd;				/* -1 = free */
	double		since;
	size_t		len;
	char		request[REQUEST_MAX + 1];
} client;

struct kf_metrics_endpoint
{
	int			fd;
	uint16_t	port;
	client		clients[MAX_CLIENTS];
};

kf_metrics_endpoint *
kf_metrics_endpoint_open(const char *address, kf_error *err)
{
	struct sockaddr_storage ss;
	socklen_t	sslen;
	int			one = 1;

	if (kf_parse_socket_address(address, "metrics address", &ss, &sslen, err) != 0)
		return NULL;
	kf_metrics_endpoint *m = calloc(1, sizeof(*m));

	if (!m)
	{
		kf_error_set(err, "out of memory");
		return NULL;
	}
	for (int i = 0; i < MAX_CLIENTS; i++)
		m->clients[i].fd = -1;
	m->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (m->fd < 0 || setsockopt(m->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
		bind(m->fd, (struct sockaddr *) &ss, sslen) != 0 || listen(m->fd, MAX_CLIENTS) != 0)
	{
		kf_error_set(err, "cannot serve metrics on %s: %s", address, strerror(errno));
		kf_metrics_endpoint_close(m);
		return NULL;
	}
	getsockname(m->fd, (struct sockaddr *) &ss, &sslen);
	m->port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *) &ss)->sin_port
					: ((struct sockaddr_in6 *) &ss)->sin6_port);
	return m;
}

static void
drop_client(client *c)
{
	close(c->fd);
	c->fd = -1;
}

void
kf_metrics_endpoint_close(kf_metrics_endpoint *m)
{
	if (!m)
		return;
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (m->clients[i].fd >= 0)
			drop_client(&m->clients[i]);
	if (m->fd >= 0)
		close(m->fd);
	free(m);
}

uint16_t
kf_metrics_endpoint_port(const kf_metrics_endpoint *m)
{
	return m->port;
}

/* Writes as much of an answer as the socket takes now; the answer is small, so that is all of it
 * unless the client is not reading, and such a client only loses its answer. */
static void
answer(client *c, const char *status, const char *type, const char *body, size_t len)
{
	char		head[256];
	int			n = snprintf(head, sizeof(head),
							 "HTTP/1.0 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
							 status, type, len);

	if (send(c->fd, head, (size_t) n, MSG_NOSIGNAL | MSG_DONTWAIT) == n && len > 0)
		(void) send(c->fd, body, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	drop_client(c);
}

/* Reads what the client sent; answers once the request's blank line arrived. */
static void
serve_client(client *c, double now, kf_metrics_render_fn render, void *ctx)
{
	ssize_t		n = recv(c->fd, c->request + c->len, REQUEST_MAX - c->len, MSG_DONTWAIT);

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
	{
		drop_client(c);
		return;
	}
	if (n > 0)
		c->len += (size_t) n;
	c->request[c->len] = '\0';
	bool		complete = strstr(c->request, "\r\n\r\n") || strstr(c->request, "\n\n");

	if (!complete)
	{
		if (c->len == REQUEST_MAX)
			answer(c, "431 Request Header Fields Too Large", "text/plain", "", 0);
		else if (now - c->since > CLIENT_TIMEOUT_SECONDS)
			drop_client(c);
		return;
	}
	if (strncmp(c->request, "GET ", 4) != 0)
	{
		answer(c, "405 Method Not Allowed", "text/plain", "only GET\n", 9);
		return;
	}
	size_t		len;
	char	   *body = render(ctx, &len);

	if (!body)
		answer(c, "503 Service Unavailable", "text/plain", "out of memory\n", 14);
	else
		answer(c, "200 OK", "text/plain; version=0.0.4; charset=utf-8", body, len);
	free(body);
}

void
kf_metrics_endpoint_serve(kf_metrics_endpoint *m, double now, kf_metrics_render_fn render, void *ctx)
{
	for (;;)
	{
		int			slot = -1;

		for (int i = 0; i < MAX_CLIENTS && slot < 0; i++)
			if (m->clients[i].fd < 0)
				slot = i;
		if (slot < 0)
			break;
		int			fd = accept4(m->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0)
			break;
		m->clients[slot] = (client) {.fd = fd, .since = now, .len = 0};
	}
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (m->clients[i].fd >= 0)
			serve_client(&m->clients[i], now, render, ctx);
}
