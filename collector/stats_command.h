/*
 * stats_command.h -- `kflowd --stats ADDRESS:PORT`: asks a running kflowd's metrics endpoint
 * (--metrics) for its counters and prints them as a summary an operator reads at a glance: one
 * line per exporter (packets, flows, rejected packets, decode errors, data without a template,
 * clock-skewed packets), the totals, what the store took and dropped, the kernel's drops per
 * socket and the receive thread's queue drops.  The Prometheus text is the only interface between the two processes, so the summary
 * shows exactly what a scraper sees.
 */
#ifndef KF_STATS_COMMAND_H
#define KF_STATS_COMMAND_H

#include <stddef.h>
#include <stdio.h>

#include "store/store.h"

/*
 * Fetches the metrics text from the endpoint at address ("host:port", "[v6]:port") with an HTTP
 * GET, waiting at most timeout_ms for each step.  *body is malloc'd and NUL-terminated.
 */
int			kf_stats_fetch(const char *address, int timeout_ms, char **body, size_t *len, kf_error *err);

/*
 * Prints the summary of a kflowd metrics text to out; `now` (epoch seconds) gives the uptime.
 * -1 with a message when the text holds no kflowd counters.
 */
int			kf_stats_print(const char *metrics, double now, FILE *out, kf_error *err);

#endif							/* KF_STATS_COMMAND_H */
