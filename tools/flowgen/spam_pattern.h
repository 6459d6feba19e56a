/*
 * spam_pattern.h -- the planted spam-reflection pattern.
 *
 * K reflectors (internal hosts) receive TCP from external source port 25 AND send GRE to a few
 * fixed external peers; K "smtp-only" decoys only receive the sport-25 TCP and K "gre-only"
 * decoys only send GRE.  All of it happens in the last --plant-window seconds, in flows that
 * replace ordinary ones at evenly spaced positions, roles taken round-robin so each of the 4K
 * roles gets flows.  The planted hosts use reserved host numbers that background traffic never
 * picks, so Kentik's combined query returns exactly the K reflectors.
 */
#ifndef FLOWGEN_SPAM_PATTERN_H
#define FLOWGEN_SPAM_PATTERN_H

#include <stdbool.h>
#include <stdint.h>

#include "tools/flowgen/fg_error.h"
#include "tools/flowgen/traffic_model.h"

typedef enum spam_role
{
	SPAM_REFLECTOR,
	SPAM_DECOY_SMTP_ONLY,
	SPAM_DECOY_GRE_ONLY
} spam_role;

typedef struct spam_plan
{
	uint32_t	hosts_per_role;	/* K */
	uint64_t	first_window_flow;	/* index of the first flow inside the plant window */
	uint64_t	window_flows;
	uint64_t	planted;		/* how many window flows are replaced */
	uint64_t	next_slot;		/* next planted slot to hand out */
	uint64_t	next_slot_flow;	/* flow index of that slot (UINT64_MAX when none is left) */
	uint64_t	slot_offset;	/* floor(next_slot * window_flows / planted), kept incrementally */
	uint64_t	slot_offset_remainder;	/* (next_slot * window_flows) mod planted */
} spam_plan;

/* Plans the planting for cfg; fails when the window holds fewer flows than the 4K roles need. */
int			spam_plan_init(spam_plan *p, const flowgen_config *cfg, fg_error *err);

/* Whether flow number flow_index (0-based, in time order) is planted; if so fills f (whose
 * ctimestamp and device_id the caller already set) and advances the plan. */
bool		spam_plan_take(spam_plan *p, const traffic_model *m, rng *r, uint64_t flow_index, gen_flow *f);

/* IPv4 address (host order) of the i-th host (i < K) playing role. */
uint32_t	spam_host_v4(const traffic_model *m, spam_role role, uint32_t i);

#endif
