/*
 * traffic_model.h -- what ordinary traffic looks like: the host populations and their addresses,
 * popularity, protocols, ports, sizes, TCP flags, interfaces, ASNs and timing of a flow.
 *
 * Hosts are numbered (address_plan.h turns numbers into addresses).  Background traffic picks
 * internal hosts 0..TRAFFIC_INTERNAL_HOSTS-1 only; higher numbers are reserved for the planted
 * pattern.
 *
 * Spam-reflection hygiene: only "GRE-capable" internal hosts (number % 16 == 3) ever send GRE,
 * and those never receive TCP from source port 25, so no background host does both.
 */
#ifndef FLOWGEN_TRAFFIC_MODEL_H
#define FLOWGEN_TRAFFIC_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "tools/flowgen/address_plan.h"
#include "tools/flowgen/flow_record.h"
#include "tools/flowgen/flowgen_config.h"
#include "tools/flowgen/rng.h"

#define TRAFFIC_INTERNAL_HOSTS 50000	/* a multiple of 16 (GRE-capable classes) */
#define TRAFFIC_EXTERNAL_HOSTS 1000000

#define PROTO_ICMP 1
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_GRE 47
#define PROTO_ICMPV6 58

typedef struct traffic_model
{
	const flowgen_config *cfg;
	address_plan addresses;
	uint32_t	popularity_offset;	/* seed-derived: which hosts are popular */
	uint32_t	device_weight_total;
} traffic_model;

void		traffic_model_init(traffic_model *m, const flowgen_config *cfg);

/* Picks the exporting device; device d has weight (devices + 1 - d), so 40/30/20/10 for 4. */
uint32_t	traffic_pick_device(const traffic_model *m, rng *r);

/* Fills f with one ordinary flow exported by device at second ts. */
void		traffic_background_flow(const traffic_model *m, rng *r, int64_t ts, uint32_t device, gen_flow *f);

/* A Zipf-popular external host. */
endpoint	traffic_pick_external(const traffic_model *m, rng *r);

/* Completes f, which already holds ctimestamp, device_id, is_ipv6, protocol and ports, for the
 * given endpoints: addresses, sizes, flags, ToS, interfaces, ASNs, next hop, VLANs, outbound
 * counters (only where the device's format carries them) and timing. */
void		traffic_complete_flow(const traffic_model *m, rng *r, endpoint src, endpoint dst, gen_flow *f);

/* An ephemeral (client) port as Linux or Windows would pick it. */
uint16_t	traffic_ephemeral_port(rng *r);

#endif
