/*
 * spam_pattern.c -- planting the spam-reflection pattern (see spam_pattern.h).
 *
 * Planted slot j sits at flow first_window_flow + floor(j * window_flows / planted) and plays role
 * slot j % 4K: reflector receives sport-25 TCP, reflector sends GRE, smtp-only decoy receives,
 * gre-only decoy sends.  About 1% of the window's flows are planted, at least two rounds of roles.
 */
#include "tools/flowgen/spam_pattern.h"

#define GRE_PEERS_PER_HOST 3

int
spam_plan_init(spam_plan *p, const flowgen_config *cfg, fg_error *err)
{
	uint64_t	roles = 4 * (uint64_t) cfg->reflectors;

	p->hosts_per_role = cfg->reflectors;
	p->first_window_flow = flowgen_first_flow_of_second(cfg, cfg->span - cfg->plant_window);
	p->window_flows = cfg->flows - p->first_window_flow;
	p->planted = p->window_flows / 100 > 2 * roles ? p->window_flows / 100 : 2 * roles;
	if (p->planted > p->window_flows)
		p->planted = p->window_flows;
	if (roles == 0)
		p->planted = 0;
	if (p->planted < roles)
		return fg_error_set(err, "the last %u s hold only %llu flows, fewer than the %llu the planted "
							"pattern needs; raise --flows or --plant-window, or lower --reflectors",
							cfg->plant_window, (unsigned long long) p->window_flows, (unsigned long long) roles);
	p->next_slot = 0;
	p->slot_offset = 0;
	p->slot_offset_remainder = 0;
	p->next_slot_flow = p->planted > 0 ? p->first_window_flow : UINT64_MAX;
	return 0;
}

/* Reserved host number of the i-th host of a role: beyond every background host. */
static endpoint
planted_host(uint32_t hosts_per_role, spam_role role, uint32_t i)
{
	endpoint	e = {true, TRAFFIC_INTERNAL_HOSTS + (uint32_t) role * hosts_per_role + i};

	return e;
}

uint32_t
spam_host_v4(const traffic_model *m, spam_role role, uint32_t i)
{
	return address_plan_v4(&m->addresses, planted_host(m->cfg->reflectors, role, i));
}

/* The planted host receives TCP from an external host's source port 25. */
static void
plant_smtp_reception(const traffic_model *m, rng *r, endpoint receiver, gen_flow *f)
{
	f->protocol = PROTO_TCP;
	f->src_port = 25;
	f->dst_port = traffic_ephemeral_port(r);
	traffic_complete_flow(m, r, traffic_pick_external(m, r), receiver, f);
}

/* The planted host tunnels GRE to one of its few fixed external peers. */
static void
plant_gre_emission(const traffic_model *m, rng *r, endpoint sender, gen_flow *f)
{
	uint32_t	peer_slot = rng_below(r, GRE_PEERS_PER_HOST);
	endpoint	peer = {false, (uint32_t) (mix64((uint64_t) sender.host * GRE_PEERS_PER_HOST + peer_slot)
										   % TRAFFIC_EXTERNAL_HOSTS)};

	f->protocol = PROTO_GRE;
	f->src_port = f->dst_port = 0;
	traffic_complete_flow(m, r, sender, peer, f);
}

/* Moves to the next slot: offset += window_flows / planted, carrying the remainder (exact floor
 * of next_slot * window_flows / planted without a product that could overflow 64 bits). */
static void
advance_slot(spam_plan *p)
{
	p->next_slot++;
	p->slot_offset += p->window_flows / p->planted;
	p->slot_offset_remainder += p->window_flows % p->planted;
	if (p->slot_offset_remainder >= p->planted)
	{
		p->slot_offset_remainder -= p->planted;
		p->slot_offset++;
	}
	p->next_slot_flow = p->next_slot < p->planted ? p->first_window_flow + p->slot_offset : UINT64_MAX;
}

bool
spam_plan_take(spam_plan *p, const traffic_model *m, rng *r, uint64_t flow_index, gen_flow *f)
{
	if (flow_index != p->next_slot_flow)
		return false;

	uint32_t	k = p->hosts_per_role;
	uint32_t	role_slot = (uint32_t) (p->next_slot % (4 * (uint64_t) k));
	uint32_t	i = role_slot % k;

	f->is_ipv6 = false;
	switch (role_slot / k)
	{
		case 0:
			plant_smtp_reception(m, r, planted_host(k, SPAM_REFLECTOR, i), f);
			break;
		case 1:
			plant_gre_emission(m, r, planted_host(k, SPAM_REFLECTOR, i), f);
			break;
		case 2:
			plant_smtp_reception(m, r, planted_host(k, SPAM_DECOY_SMTP_ONLY, i), f);
			break;
		default:
			plant_gre_emission(m, r, planted_host(k, SPAM_DECOY_GRE_ONLY, i), f);
			break;
	}
	advance_slot(p);
	return true;
}
