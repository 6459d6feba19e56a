/*
 * udp_listener.c -- UDP socket setup, batched receive and the receive thread (see udp_listener.h).
 *
 * The receive thread's queue is a byte ring with one producer (the thread) and one consumer (the
 * decoding thread).  Each datagram is a header (source, length) followed by its bytes, 8-byte
 * aligned; a datagram that does not fit before the end of the ring starts again at offset 0.  The
 * positions only grow (offset = position % capacity); both sides work outside the lock and only
 * publish their position under it, once per batch, so locking costs nothing per datagram.
 */
#include "collector/udp_listener.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
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

/* The receive thread waits this long on the sockets before it checks whether it must stop. */
#define RECEIVER_POLL_MS 100
/*
 * After reading something, the receive thread naps this long before it looks again, so datagrams
 * are read in batches instead of one wakeup (and, on a shared core, one preemption of the decoding
 * thread) per datagram.  The kernel buffer covers far more: 8 MB hold ~70 ms of 1M flows/s.
 */
#define RECEIVER_NAP_NS 1000000
/* The consumer hands over at most this many datagrams per kf_udp_receiver_poll call. */
#define MAX_DATAGRAMS_PER_CONSUMER_POLL (BATCH * MAX_BATCHES_PER_POLL)
/* A header whose length is this means "the next datagram starts at offset 0". */
#define WRAP_MARK UINT32_MAX

typedef struct queued_header
{
	kf_addr		source;
	uint32_t	len;
	uint32_t	unused;			/* keeps the header a multiple of 8 bytes */
} queued_header;

struct kf_udp_receiver
{
	kf_udp_listener *listeners[KF_UDP_MAX_LISTENERS];
	size_t		nlisteners;
	uint8_t    *ring;
	size_t		capacity;		/* a multiple of 8 */
	pthread_t	thread;
	atomic_bool stop;
	bool		joined;			/* kf_udp_receiver_stop was called (owner thread only) */

	pthread_mutex_t lock;
	pthread_cond_t not_empty;
	uint64_t	head;			/* published end of the queued datagrams (lock) */
	uint64_t	tail;			/* published start: what the consumer has not finished (lock) */
	bool		consumer_waiting;	/* (lock) */
	bool		failed;			/* the thread stopped on a socket error (lock) */
	kf_error	error;			/* (lock) */
	uint64_t	queue_drops;	/* (lock) */

	/* the producer's own view, outside the lock */
	uint64_t	write_pos;
	uint64_t	known_tail;
	uint64_t	unpublished_drops;
	unsigned	unpublished;
};

static size_t
align8(size_t n)
{
	return (n + 7) & ~(size_t) 7;
}

/* Makes what the producer wrote visible to the consumer and learns how far the consumer got. */
static void
publish(kf_udp_receiver *r)
{
	pthread_mutex_lock(&r->lock);
	r->head = r->write_pos;
	r->queue_drops += r->unpublished_drops;
	if (r->consumer_waiting && r->head != r->tail)
		pthread_cond_signal(&r->not_empty);
	r->known_tail = r->tail;
	pthread_mutex_unlock(&r->lock);
	r->unpublished = 0;
	r->unpublished_drops = 0;
}

/* Bytes of ring the datagram at pos takes, including the unusable end of the ring it may skip. */
static size_t
space_needed(const kf_udp_receiver *r, uint64_t pos, size_t record)
{
	size_t		to_end = r->capacity - (size_t) (pos % r->capacity);

	return record <= to_end ? record : to_end + record;
}

/* kf_datagram_fn of the receive thread: copies one datagram into the queue, or counts a drop. */
static void
enqueue(void *ctx, kf_addr source, const uint8_t *data, size_t len)
{
	kf_udp_receiver *r = ctx;
	size_t		record = sizeof(queued_header) + align8(len);
	size_t		needed = space_needed(r, r->write_pos, record);

	if (r->write_pos + needed - r->known_tail > r->capacity)
		publish(r);				/* the consumer may have made room since we last looked */
	if (r->write_pos + needed - r->known_tail > r->capacity)
	{
		r->unpublished_drops++;
		return;
	}
	size_t		off = (size_t) (r->write_pos % r->capacity);

	if (needed != record)
	{
		/* too little room before the end: mark the skip if a header fits there, start over at 0 */
		if (r->capacity - off >= sizeof(queued_header))
			((queued_header *) (r->ring + off))->len = WRAP_MARK;
		r->write_pos += r->capacity - off;
		off = 0;
	}
	queued_header *h = (queued_header *) (r->ring + off);

	h->source = source;
	h->len = (uint32_t) len;
	memcpy(r->ring + off + sizeof(queued_header), data, len);
	r->write_pos += record;
	if (++r->unpublished >= BATCH)
		publish(r);
}

static void *
receive_thread(void *arg)
{
	kf_udp_receiver *r = arg;
	kf_error	err;

	while (!atomic_load(&r->stop))
	{
		int			got = kf_udp_listeners_poll(r->listeners, r->nlisteners, RECEIVER_POLL_MS, enqueue, r, &err);

		publish(r);
		if (got > 0)
			nanosleep(&(struct timespec) {0, RECEIVER_NAP_NS}, NULL);
		if (got < 0)
		{
			pthread_mutex_lock(&r->lock);
			r->failed = true;
			r->error = err;
			pthread_cond_signal(&r->not_empty);
			pthread_mutex_unlock(&r->lock);
			break;
		}
	}
	return NULL;
}

kf_udp_receiver *
kf_udp_receiver_start(kf_udp_listener *const *ls, size_t n, size_t queue_bytes, kf_error *err)
{
	if (n == 0 || n > KF_UDP_MAX_LISTENERS)
	{
		kf_error_set(err, "cannot receive on %zu sockets (1 to %d)", n, KF_UDP_MAX_LISTENERS);
		return NULL;
	}
	kf_udp_receiver *r = calloc(1, sizeof(*r));

	queue_bytes = align8(queue_bytes > KF_UDP_MIN_QUEUE_BYTES ? queue_bytes : KF_UDP_MIN_QUEUE_BYTES);
	if (!r || !(r->ring = malloc(queue_bytes)))
	{
		free(r);
		kf_error_set(err, "out of memory for a receive queue of %zu bytes", queue_bytes);
		return NULL;
	}
	memcpy(r->listeners, ls, n * sizeof(*ls));
	r->nlisteners = n;
	r->capacity = queue_bytes;
	atomic_init(&r->stop, false);
	pthread_mutex_init(&r->lock, NULL);
	pthread_condattr_t attr;

	/* timed waits against the monotonic clock, immune to wall-clock steps */
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&r->not_empty, &attr);
	pthread_condattr_destroy(&attr);

	/* SIGTERM / SIGINT stay with the main thread, whose handler and loop stop kflowd */
	sigset_t	block,
				previous;

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	pthread_sigmask(SIG_BLOCK, &block, &previous);
	int			rc = pthread_create(&r->thread, NULL, receive_thread, r);

	pthread_sigmask(SIG_SETMASK, &previous, NULL);
	if (rc != 0)
	{
		kf_error_set(err, "cannot start the receive thread: %s", strerror(rc));
		pthread_cond_destroy(&r->not_empty);
		pthread_mutex_destroy(&r->lock);
		free(r->ring);
		free(r);
		return NULL;
	}
	return r;
}

/* Waits until something is queued, the thread failed, or timeout_ms passed; returns the head. */
static uint64_t
wait_for_datagrams(kf_udp_receiver *r, int timeout_ms, bool *failed, kf_error *err)
{
	struct timespec deadline;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (long) (timeout_ms % 1000) * 1000000;
	if (deadline.tv_nsec >= 1000000000)
	{
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&r->lock);
	r->consumer_waiting = true;
	while (r->head == r->tail && !r->failed &&
		   pthread_cond_timedwait(&r->not_empty, &r->lock, &deadline) == 0)
		;
	r->consumer_waiting = false;
	uint64_t	head = r->head;

	*failed = r->failed && head == r->tail;
	if (*failed)
		*err = r->error;
	pthread_mutex_unlock(&r->lock);
	return head;
}

/* Hands the space of the datagrams handled back to the producer. */
static void
release(kf_udp_receiver *r, uint64_t tail)
{
	pthread_mutex_lock(&r->lock);
	r->tail = tail;
	pthread_mutex_unlock(&r->lock);
}

int
kf_udp_receiver_poll(kf_udp_receiver *r, int timeout_ms, kf_datagram_fn fn, void *ctx, kf_error *err)
{
	bool		failed;
	uint64_t	head = wait_for_datagrams(r, timeout_ms, &failed, err);

	if (failed)
		return -1;
	uint64_t	pos = r->tail;	/* only this thread writes the tail */
	int			handled = 0;

	while (pos != head && handled < MAX_DATAGRAMS_PER_CONSUMER_POLL)
	{
		size_t		off = (size_t) (pos % r->capacity);
		const queued_header *h = (const queued_header *) (r->ring + off);

		if (r->capacity - off < sizeof(queued_header) || h->len == WRAP_MARK)
		{
			pos += r->capacity - off;
			continue;
		}
		fn(ctx, h->source, r->ring + off + sizeof(queued_header), h->len);
		pos += sizeof(queued_header) + align8(h->len);
		if (++handled % BATCH == 0)
			release(r, pos);
	}
	release(r, pos);
	return handled;
}

uint64_t
kf_udp_receiver_queue_drops(kf_udp_receiver *r)
{
	pthread_mutex_lock(&r->lock);
	uint64_t	drops = r->queue_drops;

	pthread_mutex_unlock(&r->lock);
	return drops;
}

void
kf_udp_receiver_stop(kf_udp_receiver *r)
{
	if (r->joined)
		return;
	atomic_store(&r->stop, true);
	pthread_join(r->thread, NULL);
	r->joined = true;
}

void
kf_udp_receiver_free(kf_udp_receiver *r)
{
	if (!r)
		return;
	kf_udp_receiver_stop(r);
	pthread_cond_destroy(&r->not_empty);
	pthread_mutex_destroy(&r->lock);
	free(r->ring);
	free(r);
}
