/*
 * udp_sender.h -- sends export packets live to a local collector, one socket per device bound to
 * the device's exporter address, paced to a packet rate.  Only loopback destinations
 * (127.0.0.0/8, ::1, localhost) are accepted: this is a test tool, not a traffic cannon.
 */
#ifndef FLOWGEN_UDP_SENDER_H
#define FLOWGEN_UDP_SENDER_H

#include <stddef.h>
#include <stdint.h>

#include "tools/flowgen/fg_error.h"

typedef struct udp_sender udp_sender;

/* Parses HOST:PORT (IPv6 as [::1]:PORT) into an IPv4 address (host order, 0 for ::1) and port,
 * refusing non-loopback hosts. */
int			udp_target_parse(const char *target, uint32_t *v4_out, uint16_t *port_out, fg_error *err);

udp_sender *udp_sender_open(const char *target, uint32_t devices, uint32_t packets_per_second, fg_error *err);

/* Sends one payload from device_id's socket, first sleeping as needed to keep the rate. */
int			udp_sender_send(udp_sender *s, uint32_t device_id, const uint8_t *payload, size_t length, fg_error *err);

void		udp_sender_close(udp_sender *s);

#endif
