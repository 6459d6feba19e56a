/*
 * udp_listener.h -- the UDP sockets kflowd listens on: batched receives (recvmmsg), a large receive
 * buffer, and a poll timeout so the caller regains control (to flush) even when no packet comes.
 * kf_udp_receiver runs those receives on a thread of their own that queues the datagrams in memory,
 * so the sockets keep being drained while the decoding thread flushes parts (compression, fsync).
 */
#ifndef KF_UDP_LISTENER_H
#define KF_UDP_LISTENER_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

typedef struct kf_udp_listener kf_udp_listener;

typedef void (*kf_datagram_fn) (void *ctx, kf_addr source, const uint8_t *data, size_t len);

/* The receive buffer kflowd asks for unless --receive-buffer says otherwise. */
#define KF_UDP_DEFAULT_RECEIVE_BUFFER (32u * 1024 * 1024)

/* Binds "A.B.C.D:PORT" or "[IPV6]:PORT" and asks for a receive buffer of that many bytes (best
 * effort: privileged, kflowd gets it whatever net.core.rmem_max says; otherwise at most rmem_max). */
kf_udp_listener *kf_udp_listener_open(const char *address, uint32_t receive_buffer_bytes, kf_error *err);
void		kf_udp_listener_close(kf_udp_listener *l);

/*
 * Waits up to timeout_ms for datagrams on any of the n sockets (kflowd's NetFlow and sFlow ports;
 * 1 to KF_UDP_MAX_LISTENERS), then reads what is queued on each ready one (a bounded number of
 * batches) and calls fn for each datagram.  Returns the number of datagrams read (0 on timeout or
 * when a signal interrupted the wait), or -1 with a message on a socket error.
 */
#define KF_UDP_MAX_LISTENERS 4
int			kf_udp_listeners_poll(kf_udp_listener *const *ls, size_t n, int timeout_ms, kf_datagram_fn fn,
								  void *ctx, kf_error *err);

/* The port actually bound (useful with port 0). */
uint16_t	kf_udp_listener_port(const kf_udp_listener *l);

/* The receive buffer the kernel granted, in bytes (0 if unknown). */
uint32_t	kf_udp_listener_receive_buffer(const kf_udp_listener *l);

/* Datagrams the kernel dropped on this socket because its buffer was full (the "drops" column of
 * /proc/net/udp or udp6).  0, or -1 when the kernel does not tell. */
int			kf_udp_listener_kernel_drops(const kf_udp_listener *l, uint64_t *drops);

/*
 * The receive thread.  It reads every socket of ls (which must outlive it and are not used by
 * anyone else meanwhile, but for kf_udp_listener_port / _receive_buffer / _kernel_drops) and
 * appends each datagram to an in-memory queue of queue_bytes; a datagram that finds the queue full
 * is dropped and counted (kf_udp_receiver_queue_drops).  The queue only fills when decoding falls
 * behind for longer than it covers, like the kernel buffer it extends.
 */
typedef struct kf_udp_receiver kf_udp_receiver;

/* Room for this many bytes of datagrams unless the receive buffer asked for is larger: about a
 * second of 1M flows/s of NetFlow v9, and 3x what a kernel buffer of the same size holds (the kernel
 * charges ~2.3 KB per 1.4 KB datagram, the queue 24 bytes). */
#define KF_UDP_MIN_QUEUE_BYTES (64u * 1024 * 1024)

kf_udp_receiver *kf_udp_receiver_start(kf_udp_listener *const *ls, size_t n, size_t queue_bytes, kf_error *err);

/*
 * Waits up to timeout_ms for queued datagrams, then calls fn for each queued one (at most a bounded
 * number per call, so the caller keeps flushing on time under full load).  Returns the number
 * handled (0 on timeout), or -1 with the receive thread's message when a socket failed.
 */
int			kf_udp_receiver_poll(kf_udp_receiver *r, int timeout_ms, kf_datagram_fn fn, void *ctx, kf_error *err);

/* Datagrams dropped because the queue was full. */
uint64_t	kf_udp_receiver_queue_drops(kf_udp_receiver *r);

/* Stops and joins the thread: nothing more is received, and what is queued can still be handed
 * over with kf_udp_receiver_poll (timeout 0 until it returns 0). */
void		kf_udp_receiver_stop(kf_udp_receiver *r);

/* Stops the thread if needed and frees everything; datagrams still queued are lost (NULL is allowed). */
void		kf_udp_receiver_free(kf_udp_receiver *r);

#endif							/* KF_UDP_LISTENER_H */
