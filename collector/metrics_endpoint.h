/*
 * metrics_endpoint.h -- the HTTP endpoint of `kflowd --metrics ADDRESS:PORT`, for Prometheus.
 *
 * Served from kflowd's main loop, never from another thread, so the counters it reads need no
 * locking: kf_metrics_endpoint_serve accepts waiting connections and answers every complete
 * request without blocking (a client that sends nothing for 2 seconds is dropped; at most 16 are
 * served at once).  Any GET (e.g. GET /metrics) gets the metrics; anything else gets 405.  Answers
 * lag by at most the main loop's poll timeout (half a second), plenty for a scrape.
 */
#ifndef KF_METRICS_ENDPOINT_H
#define KF_METRICS_ENDPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

typedef struct kf_metrics_endpoint kf_metrics_endpoint;

/* Produces the body of an answer (malloc'd, *len bytes) or NULL when memory runs out. */
typedef char *(*kf_metrics_render_fn) (void *ctx, size_t *len);

kf_metrics_endpoint *kf_metrics_endpoint_open(const char *address, kf_error *err);
void		kf_metrics_endpoint_close(kf_metrics_endpoint *m);

/* The TCP port bound (useful with port 0). */
uint16_t	kf_metrics_endpoint_port(const kf_metrics_endpoint *m);

/* Accepts and answers what is ready; now is monotonic seconds.  Never blocks. */
void		kf_metrics_endpoint_serve(kf_metrics_endpoint *m, double now, kf_metrics_render_fn render, void *ctx);

#endif							/* KF_METRICS_ENDPOINT_H */
