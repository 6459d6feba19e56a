/*
 * udp_listener.c -- UDP socket setup and batched receive (see udp_listener.h).
 */
#include "collector/udp_listener.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collector/addr_text.h"
#include "collector/collector_log.h"
#include "collector/socket_address.h"

#define BATCH 64
#define DATAGRAM_MAX 65536
#define MAX_BATCHES_PER_POLL 64

struct kf_udp_listener
{
	int			fd;
	uint16_t	port;
	struct mmsghdr msgs[BATCH];
	struct iovec iovs[BATCH];
	struct sockaddr_storage sources[BATCH];
	uint8_t    *buffers;		/* BATCH * DATAGRAM_MAX */
};

static void
set_receive_buffer(int fd, uint32_t bytes)
{
	int			size = (int) (bytes > INT32_MAX / 2 ? INT32_MAX / 2 : bytes);

	/* SO_RCVBUFFORCE passes rmem_max when we are privileged; else take what SO_RCVBUF gives. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) == 0)
		return;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) < 0)
		kf_log("could not enlarge the socket receive buffer: %s", strerror(errno));
}

kf_udp_listener *
kf_udp_listener_open(const char *address, uint32_t receive_buffer_bytes, kf_error *err)
{
	struct sockaddr_storage ss;
	socklen_t	sslen;

	if (kf_parse_socket_address(address, "listen address", &ss, &sslen, err) < 0)
		return NULL;
	kf_udp_listener *l = calloc(1, sizeof(*l));

	if (!l || !(l->buffers = malloc((size_t) BATCH * DATAGRAM_MAX)))
	{
		free(l);
		kf_error_set(err, "out of memory");
		return NULL;
	}
	l->fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (l->fd < 0 || bind(l->fd, (struct sockaddr *) &ss, sslen) < 0)
	{
		kf_error_set(err, "cannot listen on %s: %s", address, strerror(errno));
		kf_udp_listener_close(l);
		return NULL;
	}
	set_receive_buffer(l->fd, receive_buffer_bytes);
	getsockname(l->fd, (struct sockaddr *) &ss, &sslen);
	l->port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *) &ss)->sin_port
					: ((struct sockaddr_in6 *) &ss)->sin6_port);
	return l;
}

void
kf_udp_listener_close(kf_udp_listener *l)
{
	if (!l)
		return;
	if (l->fd >= 0)
		close(l->fd);
	free(l->buffers);
	free(l);
}

uint16_t
kf_udp_listener_port(const kf_udp_listener *l)
{
	return l->port;
}

uint32_t
kf_udp_listener_receive_buffer(const kf_udp_listener *l)
{
	int			size = 0;
	socklen_t	len = sizeof(size);

	/* Linux reports twice the size asked for (the other half is its bookkeeping allowance). */
	if (getsockopt(l->fd, SOL_SOCKET, SO_RCVBUF, &size, &len) != 0 || size < 0)
		return 0;
	return (uint32_t) size / 2;
}

/* Looks for the socket with this inode in one /proc/net/udp-style table; 1 = found. */
static int
drops_in_table(const char *table, unsigned long inode, uint64_t *drops)
{
	FILE	   *f = fopen(table, "r");
	char		line[512];
	int			found = 0;

	if (!f)
		return 0;
	if (!fgets(line, sizeof(line), f))	/* the header line */
	{
		fclose(f);
		return 0;
	}
	while (!found && fgets(line, sizeof(line), f))
	{
		/* sl local rem st tx:rx tr:when retrnsmt uid timeout inode ref pointer drops */
		unsigned long line_inode;
		unsigned long long line_drops;

		if (sscanf(line, "%*s %*s %*s %*s %*s %*s %*s %*s %*s %lu %*s %*s %llu", &line_inode, &line_drops) == 2 &&
			line_inode == inode)
		{
			*drops = line_drops;
			found = 1;
		}
	}
	fclose(f);
	return found;
}

int
kf_udp_listener_kernel_drops(const kf_udp_listener *l, uint64_t *drops)
{
	struct stat st;

	if (fstat(l->fd, &st) != 0)
		return -1;
	if (drops_in_table("/proc/net/udp", (unsigned long) st.st_ino, drops) ||
		drops_in_table("/proc/net/udp6", (unsigned long) st.st_ino, drops))
		return 0;
	return -1;
}

static kf_addr
source_address(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return kf_addr_from_v4(ntohl(((const struct sockaddr_in *) ss)->sin_addr.s_addr));
	if (ss->ss_family == AF_INET6)
		return kf_addr_from_bytes16(((const struct sockaddr_in6 *) ss)->sin6_addr.s6_addr);
	return (kf_addr) {0, 0};
}

/* Reads one batch without blocking; returns the count, 0 when nothing is queued, -1 on error. */
static int
receive_batch(kf_udp_listener *l, kf_datagram_fn fn, void *ctx, kf_error *err)
{
	for (int i = 0; i < BATCH; i++)
	{
		l->iovs[i] = (struct iovec) {l->buffers + (size_t) i * DATAGRAM_MAX, DATAGRAM_MAX};
		memset(&l->msgs[i], 0, sizeof(l->msgs[i]));
		l->msgs[i].msg_hdr.msg_iov = &l->iovs[i];
		l->msgs[i].msg_hdr.msg_iovlen = 1;
		l->msgs[i].msg_hdr.msg_name = &l->sources[i];
		l->msgs[i].msg_hdr.msg_namelen = sizeof(l->sources[i]);
	}
	int			n = recvmmsg(l->fd, l->msgs, BATCH, MSG_DONTWAIT, NULL);

	if (n < 0)
	{
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return 0;
		return kf_error_set(err, "receiving datagrams: %s", strerror(errno));
	}
	for (int i = 0; i < n; i++)
		fn(ctx, source_address(&l->sources[i]), l->iovs[i].iov_base, l->msgs[i].msg_len);
	return n;
}

/* Reads what is queued on one socket, a bounded number of batches. */
static int
drain(kf_udp_listener *l, kf_datagram_fn fn, void *ctx, kf_error *err)
{
	int			total = 0;

	for (int b = 0; b < MAX_BATCHES_PER_POLL; b++)
	{
		int			n = receive_batch(l, fn, ctx, err);

		if (n < 0)
			return -1;
		total += n;
		if (n < BATCH)
			break;
	}
	return total;
}

int
kf_udp_listeners_poll(kf_udp_listener *const *ls, size_t n, int timeout_ms, kf_datagram_fn fn, void *ctx,
					  kf_error *err)
{
	struct pollfd pfds[KF_UDP_MAX_LISTENERS];

	if (n == 0 || n > KF_UDP_MAX_LISTENERS)
		return kf_error_set(err, "cannot wait on %zu sockets (1 to %d)", n, KF_UDP_MAX_LISTENERS);
	for (size_t i = 0; i < n; i++)
		pfds[i] = (struct pollfd) {ls[i]->fd, POLLIN, 0};
	int			ready = poll(pfds, (nfds_t) n, timeout_ms);

	if (ready < 0)
		return errno == EINTR ? 0 : kf_error_set(err, "waiting for datagrams: %s", strerror(errno));
	int			total = 0;

	for (size_t i = 0; i < n && ready > 0; i++)
	{
		if (pfds[i].revents == 0)
			continue;
		int			got = drain(ls[i], fn, ctx, err);

		if (got < 0)
			return -1;
		total += got;
	}
	return total;
}
