/*
 * flow_meter.h -- turns captured packets into flow records, the way softflowd or a router's
 * NetFlow cache does, for `kflowd --meter IFACE` and `kflowd --meter-pcap FILE`.
 *
 * A flow is one direction of traffic with the same key: source and destination address, source
 * and destination port (ICMP / ICMPv6: 0 and type * 256 + code; non-first IP fragments: 0 and 0),
 * IP protocol and the outer VLAN id.  That is softflowd's key at its tracking level "vlan"; the
 * ToS is not part of it (a flow keeps its first packet's ToS).  A flow counts layer-3 bytes (the IP
 * length field, as NetFlow does), packets and the OR of its TCP flags.
 *
 * A flow is exported -- emitted as a kf_flow through a kf_flow_emit_fn, exactly like the decoders
 * emit exported flows -- when
 *   - a TCP packet with FIN or RST was added to it (that packet included; a later packet of the
 *     same connection, e.g. the last ACK, starts a new flow, as on Cisco routers);
 *   - no packet came for longer than the idle timeout;
 *   - its first packet is the active timeout old when a packet arrives or time advances (the
 *     packet then starts the next flow): long flows become one record per active timeout;
 *   - the table holds max_flows flows and a new one arrives: the least recently seen is evicted;
 *   - kf_flow_meter_flush is called (end of a capture file, SIGTERM).
 * Time is the packets' capture time, never the wall clock, so reading a file is deterministic.
 * The meter's clock never goes backwards: a packet stamped earlier than one before it counts as
 * arriving at the latest time seen.  An exported flow's ctimestamp is the capture time (whole
 * seconds) of its last packet: when an ideal exporter would send it, and what keeps a record's
 * bytes within one active timeout of when they crossed the wire.
 */
#ifndef KF_FLOW_METER_H
#define KF_FLOW_METER_H

#include <stddef.h>
#include <stdint.h>

#include "collector/flow_decode.h"
#include "store/store.h"

#define KF_METER_DEFAULT_IDLE_SECONDS 15
#define KF_METER_DEFAULT_ACTIVE_SECONDS 60
#define KF_METER_DEFAULT_MAX_FLOWS 1000000u
#define KF_METER_MAX_TIMEOUT_SECONDS (366 * 86400)
#define KF_METER_MAX_FLOWS (1u << 28)

typedef struct kf_meter_config
{
	int64_t		idle_timeout_seconds;	/* 1 .. KF_METER_MAX_TIMEOUT_SECONDS */
	int64_t		active_timeout_seconds; /* 1 .. KF_METER_MAX_TIMEOUT_SECONDS */
	uint32_t	max_flows;		/* 1 .. KF_METER_MAX_FLOWS */
} kf_meter_config;

/* Why a flow was exported. */
typedef enum kf_meter_end
{
	KF_METER_END_TCP,			/* FIN or RST */
	KF_METER_END_IDLE,
	KF_METER_END_ACTIVE,
	KF_METER_END_EVICTED,		/* table full */
	KF_METER_END_FLUSH,			/* end of the capture / shutdown */
	KF_METER_END_COUNT
} kf_meter_end;

/* Exported totals per protocol class, for the summary an operator compares with other meters. */
typedef enum kf_meter_class
{
	KF_METER_CLASS_TCP,
	KF_METER_CLASS_UDP,
	KF_METER_CLASS_ICMP,		/* ICMP and ICMPv6 */
	KF_METER_CLASS_OTHER,
	KF_METER_CLASS_COUNT
} kf_meter_class;

typedef struct kf_meter_totals
{
	uint64_t	flows;
	uint64_t	packets;
	uint64_t	bytes;
} kf_meter_totals;

typedef struct kf_meter_stats
{
	uint64_t	frames;			/* offered to kf_flow_meter_frame */
	uint64_t	not_ip;			/* frames without IPv4 / IPv6 (ARP, LLDP, ...) */
	uint64_t	malformed;		/* IP frames whose headers do not fit the captured bytes */
	uint64_t	packets;		/* IP packets counted into flows */
	uint64_t	bytes;			/* their layer-3 bytes */
	uint64_t	ended[KF_METER_END_COUNT];	/* flows exported, by reason */
	kf_meter_totals exported[KF_METER_CLASS_COUNT]; /* flows exported, by protocol */
	uint64_t	active_flows;	/* in the table now */
} kf_meter_stats;

typedef struct kf_flow_meter kf_flow_meter;

/*
 * A meter exporting as exporter (the address the operator names in --devices) through emit.
 * Returns NULL with a message for a bad configuration or when memory is short.
 */
kf_flow_meter *kf_flow_meter_new(const kf_meter_config *cfg, kf_addr exporter, kf_flow_emit_fn emit,
								 void *emit_ctx, kf_error *err);
void		kf_flow_meter_free(kf_flow_meter *m);

/* Accounts one captured frame of link type dlt (a DLT_* value) captured at time_us (epoch
 * microseconds); frames that are not IP or are malformed are only counted. */
void		kf_flow_meter_frame(kf_flow_meter *m, int dlt, const uint8_t *frame, size_t caplen, int64_t time_us);

/* Exports what has timed out by time_us (live capture: the wall clock when no packet comes). */
void		kf_flow_meter_advance(kf_flow_meter *m, int64_t time_us);

/* Exports every flow still in the table, oldest first. */
void		kf_flow_meter_flush(kf_flow_meter *m);

const kf_meter_stats *kf_flow_meter_stats(const kf_flow_meter *m);

/* Logs the summary line of kf_flow_meter_stats, naming the source (interface or file). */
void		kf_flow_meter_log_summary(const kf_flow_meter *m, const char *source);

#endif							/* KF_FLOW_METER_H */
