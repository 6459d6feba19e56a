/*
 * meter_source.h -- where the flow meter's frames come from: a capture file (--meter-pcap) or a
 * live interface (--meter) through libpcap.  Only capture plumbing lives here; the link layer is
 * parsed by the meter (kf_link_find_ip), the flows are kept by flow_meter.c.
 */
#ifndef KF_METER_SOURCE_H
#define KF_METER_SOURCE_H

#include <stdint.h>

#include "collector/flow_meter.h"
#include "store/store.h"

/* Headers are all the meter reads: 256 bytes hold Ethernet, two VLAN tags, IPv6 with extension
 * headers and TCP with options. */
#define KF_METER_SNAPLEN 256

/*
 * Feeds every frame of the file at path to m, with its capture time, then exports the flows
 * still in the table.  Returns 0, or -1 with a message when the file cannot be opened or read
 * or its link type is not supported (what was read before a read error is still metered).
 */
int			kf_meter_read_pcap(const char *path, kf_flow_meter *m, kf_error *err);

typedef struct kf_meter_capture kf_meter_capture;

/*
 * Opens interface for live capture: promiscuous, KF_METER_SNAPLEN bytes, non-blocking, a 32 MB
 * kernel buffer.  Needs CAP_NET_RAW (and CAP_NET_ADMIN for promiscuous mode on some systems).
 */
kf_meter_capture *kf_meter_capture_open(const char *interface, kf_error *err);
void		kf_meter_capture_close(kf_meter_capture *c);

/*
 * Waits up to timeout_ms (0: not at all) for frames, feeds what the kernel has to m, and then
 * lets m expire flows by the wall clock (so idle flows leave when no packet comes).  Returns the
 * number of frames read, or -1 with a message when the capture failed.
 */
int			kf_meter_capture_poll(kf_meter_capture *c, kf_flow_meter *m, int timeout_ms, kf_error *err);

/* Frames the kernel dropped (its buffer was full) and the interface dropped, since the start;
 * -1 when libpcap cannot tell. */
int			kf_meter_capture_drops(kf_meter_capture *c, uint64_t *kernel, uint64_t *interface);

#endif							/* KF_METER_SOURCE_H */
