/*
 * export_device.h -- one simulated exporter's protocol state, and the interface every export
 * encoder (NetFlow v5, v9, IPFIX) implements.
 *
 * A packet carries flows of one device and one export second; IPv4 and IPv6 flows go in separate
 * arrays because v9/IPFIX put them in different data sets (v5 has IPv4 only).
 */
#ifndef FLOWGEN_EXPORT_DEVICE_H
#define FLOWGEN_EXPORT_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tools/flowgen/flow_record.h"

#define EXPORT_MAX_PAYLOAD 1400
#define TEMPLATE_REFRESH_PACKETS 20
#define TEMPLATE_ID_IPV4 256
#define TEMPLATE_ID_IPV6 257

typedef struct export_device
{
	uint32_t	id;				/* source id / observation domain / v5 engine id */
	int			version;		/* 5, 9 or 10 */
	uint32_t	sample_rate;	/* 1 = unsampled */
	bool		ipv6_template;	/* v9/IPFIX also announce the IPv6 template */
	uint32_t	boot_time;		/* epoch seconds when sysUptime was 0 */
	uint32_t	packets_sent;	/* v9 sequence */
	uint32_t	flows_sent;		/* v5 flow_sequence / IPFIX sequence (wraps, as on the wire) */
} export_device;

/* What one packet holds. */
typedef struct export_batch
{
	int64_t		export_time;
	bool		with_templates;
	const gen_flow *v4;
	size_t		n_v4;
	const gen_flow *v6;
	size_t		n_v6;
} export_batch;

typedef struct export_encoder
{
	/* UDP payload length the batch would encode to. */
	size_t		(*payload_size) (const export_device *dev, const export_batch *batch);
	/* Encodes the batch into out (payload_size bytes) and returns the length. */
	size_t		(*encode) (const export_device *dev, const export_batch *batch, uint8_t *out);
} export_encoder;

extern const export_encoder netflow_v5_encoder;
extern const export_encoder netflow_v9_encoder;
extern const export_encoder ipfix_encoder;

/* sysUptime in milliseconds at epoch second t (32 bits, as NetFlow carries it). */
static inline uint32_t
export_uptime_ms(const export_device *dev, uint32_t t)
{
	return (t - dev->boot_time) * 1000u;
}

#endif
