/*
 * pcap_writer.h -- writes export packets as a classic pcap file (Ethernet / IPv4 / UDP), as a
 * capture on the collector's interface would show them.
 */
#ifndef FLOWGEN_PCAP_WRITER_H
#define FLOWGEN_PCAP_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "tools/flowgen/fg_error.h"

typedef struct pcap_writer pcap_writer;

/* Creates path and writes the file header; destination address (host order) and port of every
 * packet. */
pcap_writer *pcap_writer_open(const char *path, uint32_t dst_v4, uint16_t dst_port, fg_error *err);

/* Appends one UDP datagram from src_v4:src_port, captured at epoch second `second` (packets of
 * the same second get increasing microseconds so the capture stays in order). */
int			pcap_writer_add(pcap_writer *w, uint32_t src_v4, uint16_t src_port, int64_t second,
							const uint8_t *payload, size_t length, fg_error *err);

/* Flushes and closes; reports a write error that happened at any point. Frees w either way. */
int			pcap_writer_close(pcap_writer *w, fg_error *err);

#endif
