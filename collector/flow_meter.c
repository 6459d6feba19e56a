/*
 * flow_meter.c -- the flow table of kflowd's packet meter (semantics in flow_meter.h).
 *
 * Layout: a pool of max_flows entries that never move, an open-addressing hash index of entry
 * numbers (linear probing, at most half full, deletion by backward shift so there are no
 * tombstones to rot the probe chains), and two intrusive lists over the entries:
 *   - recency: ordered by last packet, so idle expiry and eviction look only at the head;
 *   - age: ordered by first packet, so active expiry looks only at its head.
 * Every packet is O(1) work however large the table is, and memory is allocated once, up front
 * (calloc: pages are touched only as flows arrive).  The hash is seeded per process, so traffic
 * cannot be crafted to collide; the order of exports never depends on it.
 */
#include "collector/flow_meter.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "collector/collector_log.h"
#include "collector/packet_headers.h"
#include "collector/pcap_reader.h"

#define NIL UINT32_MAX
#define PROTO_ICMP 1
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_ICMPV6 58
#define TCP_FIN 0x01
#define TCP_RST 0x04
#define IPV4_MIN_HEADER_LEN 20
#define IPV6_HEADER_LEN 40
#define MICROS 1000000
/* Capture times are clamped to [0, MAX_TIME_US] so that time arithmetic cannot overflow. */
#define MAX_TIME_US ((int64_t) 1 << 60)

/* Compared and hashed as bytes: always built from a zeroed value. */
typedef struct meter_key
{
	kf_addr		src;
	kf_addr		dst;
	uint16_t	src_port;
	uint16_t	dst_port;
	uint16_t	vlan;
	uint8_t		protocol;
	uint8_t		zero;			/* explicit padding */
} meter_key;

typedef struct list_links
{
	uint32_t	prev;
	uint32_t	next;
} list_links;

typedef struct meter_entry
{
	meter_key	key;
	uint64_t	hash;
	int64_t		first_us;
	int64_t		last_us;
	uint64_t	bytes;
	uint64_t	packets;
	uint8_t		tcp_flags;
	uint8_t		tos;
	list_links	recency;
	list_links	age;
} meter_entry;

typedef struct entry_list
{
	uint32_t	head;
	uint32_t	tail;
} entry_list;

struct kf_flow_meter
{
	kf_meter_config cfg;
	int64_t		idle_us;
	int64_t		active_us;
	kf_addr		exporter;
	kf_flow_emit_fn emit;
	void	   *emit_ctx;
	uint64_t	seed;
	meter_entry *entries;		/* max_flows */
	uint32_t	unused_from;	/* entries[unused_from..] were never used */
	uint32_t	free_head;		/* released entries, chained through recency.next */
	uint32_t   *slots;			/* entry number + 1, 0 = empty */
	uint64_t	slot_mask;
	entry_list	recency;
	entry_list	age;
	int64_t		clock_us;		/* latest capture time seen */
	kf_meter_stats stats;
};

/* ------------------------------------------------------------------ lists */

/* The two lists share code: which links an entry uses is picked by the list's offset. */
static list_links *
links_of(kf_flow_meter *m, uint32_t e, size_t offset)
{
	return (list_links *) ((char *) &m->entries[e] + offset);
}

static void
list_append(kf_flow_meter *m, entry_list *l, size_t offset, uint32_t e)
{
	list_links *link = links_of(m, e, offset);

	link->prev = l->tail;
	link->next = NIL;
	if (l->tail == NIL)
		l->head = e;
	else
		links_of(m, l->tail, offset)->next = e;
	l->tail = e;
}

static void
list_remove(kf_flow_meter *m, entry_list *l, size_t offset, uint32_t e)
{
	list_links *link = links_of(m, e, offset);

	if (link->prev == NIL)
		l->head = link->next;
	else
		links_of(m, link->prev, offset)->next = link->next;
	if (link->next == NIL)
		l->tail = link->prev;
	else
		links_of(m, link->next, offset)->prev = link->prev;
}

#define RECENCY offsetof(meter_entry, recency)
#define AGE offsetof(meter_entry, age)

/* ------------------------------------------------------------------ hash index */

static uint64_t
mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t
key_hash(const kf_flow_meter *m, const meter_key *k)
{
	uint64_t	h = m->seed;

	h = mix64(h ^ k->src.hi);
	h = mix64(h ^ k->src.lo);
	h = mix64(h ^ k->dst.hi);
	h = mix64(h ^ k->dst.lo);
	return mix64(h ^ ((uint64_t) k->src_port << 40 | (uint64_t) k->dst_port << 24 | (uint64_t) k->vlan << 8 |
					  k->protocol));
}

/* Probes for key k: returns the slot holding it (*entry = its entry number), or the empty slot
 * where it would go (*entry = NIL).  The index is at most half full, so an empty slot exists. */
static uint64_t
find_slot(const kf_flow_meter *m, const meter_key *k, uint64_t hash, uint32_t *entry)
{
	uint64_t	s = hash & m->slot_mask;

	for (;; s = (s + 1) & m->slot_mask)
	{
		uint32_t	v = m->slots[s];

		if (v == 0)
		{
			*entry = NIL;
			return s;
		}
		const meter_entry *e = &m->entries[v - 1];

		if (e->hash == hash && memcmp(&e->key, k, sizeof(*k)) == 0)
		{
			*entry = v - 1;
			return s;
		}
	}
}

/* Backward-shift deletion: moves later members of the probe chain into the hole. */
static void
slot_delete(kf_flow_meter *m, uint64_t hole)
{
	uint64_t	s = hole;

	for (;;)
	{
		s = (s + 1) & m->slot_mask;
		uint32_t	v = m->slots[s];

		if (v == 0)
			break;
		uint64_t	home = m->entries[v - 1].hash & m->slot_mask;

		/* v may fill the hole when its home is not cyclically within (hole, s] */
		bool		stays = hole <= s ? (hole < home && home <= s) : (hole < home || home <= s);

		if (!stays)
		{
			m->slots[hole] = v;
			hole = s;
		}
	}
	m->slots[hole] = 0;
}

/* ------------------------------------------------------------------ exporting */

static kf_meter_class
class_of(uint8_t protocol)
{
	switch (protocol)
	{
		case PROTO_TCP: return KF_METER_CLASS_TCP;
		case PROTO_UDP: return KF_METER_CLASS_UDP;
		case PROTO_ICMP:
		case PROTO_ICMPV6: return KF_METER_CLASS_ICMP;
		default: return KF_METER_CLASS_OTHER;
	}
}

/* Emits entry e, removes it from the table and the lists and releases it. */
static void
export_entry(kf_flow_meter *m, uint32_t e, kf_meter_end reason)
{
	meter_entry *en = &m->entries[e];
	kf_flow		f;

	memset(&f, 0, sizeof(f));
	f.ctimestamp = en->last_us / MICROS;
	f.src_addr = en->key.src;
	f.dst_addr = en->key.dst;
	f.l4_src_port = en->key.src_port;
	f.l4_dst_port = en->key.dst_port;
	f.protocol = en->key.protocol;
	f.tcp_flags = en->tcp_flags;
	f.tos = en->tos;
	f.in_bytes = (int64_t) en->bytes;
	f.in_pkts = (int64_t) en->packets;
	f.vlan_in = en->key.vlan;
	f.sample_rate = 1;

	kf_meter_totals *t = &m->stats.exported[class_of(en->key.protocol)];

	t->flows++;
	t->packets += en->packets;
	t->bytes += en->bytes;
	m->stats.ended[reason]++;
	m->stats.active_flows--;

	uint32_t	found;
	uint64_t	slot = find_slot(m, &en->key, en->hash, &found);

	slot_delete(m, slot);
	list_remove(m, &m->recency, RECENCY, e);
	list_remove(m, &m->age, AGE, e);
	en->recency.next = m->free_head;
	m->free_head = e;
	m->emit(m->emit_ctx, m->exporter, &f);
}

/* Exports the flows idle for longer than the idle timeout or as old as the active timeout. */
static void
expire(kf_flow_meter *m)
{
	while (m->recency.head != NIL && m->clock_us - m->entries[m->recency.head].last_us > m->idle_us)
		export_entry(m, m->recency.head, KF_METER_END_IDLE);
	while (m->age.head != NIL && m->clock_us - m->entries[m->age.head].first_us >= m->active_us)
		export_entry(m, m->age.head, KF_METER_END_ACTIVE);
}

static void
advance_clock(kf_flow_meter *m, int64_t time_us)
{
	if (time_us > MAX_TIME_US)
		time_us = MAX_TIME_US;
	if (time_us > m->clock_us)
		m->clock_us = time_us;
}

/* A new entry for key, evicting the least recently seen flow when the table is full. */
static uint32_t
insert_entry(kf_flow_meter *m, const meter_key *k, uint64_t hash)
{
	if (m->stats.active_flows == m->cfg.max_flows)
		export_entry(m, m->recency.head, KF_METER_END_EVICTED);

	uint32_t	e;

	if (m->free_head != NIL)
	{
		e = m->free_head;
		m->free_head = m->entries[e].recency.next;
	}
	else
		e = m->unused_from++;

	uint32_t	found;
	uint64_t	slot = find_slot(m, k, hash, &found);
	meter_entry *en = &m->entries[e];

	memset(en, 0, sizeof(*en));
	en->key = *k;
	en->hash = hash;
	en->first_us = m->clock_us;
	m->slots[slot] = e + 1;
	list_append(m, &m->recency, RECENCY, e);
	list_append(m, &m->age, AGE, e);
	m->stats.active_flows++;
	return e;
}

/* ------------------------------------------------------------------ packets */

/* The IP length field: IPv4 total length, IPv6 payload length + 40 (0 when nonsensical). */
static uint64_t
ip_packet_bytes(const kf_link_ip *ip)
{
	if (ip->version == 4)
	{
		uint64_t	total = kf_read_be(ip->ip + 2, 2);

		return total >= IPV4_MIN_HEADER_LEN ? total : 0;
	}
	/* a jumbogram says 0 here: count what was captured, the best we know */
	uint64_t	payload = kf_read_be(ip->ip + 4, 2);

	return payload > 0 ? IPV6_HEADER_LEN + payload : ip->len;
}

void
kf_flow_meter_frame(kf_flow_meter *m, int dlt, const uint8_t *frame, size_t caplen, int64_t time_us)
{
	kf_link_ip	ip;

	m->stats.frames++;
	switch (kf_link_find_ip(dlt, frame, caplen, &ip))
	{
		case KF_LINK_IP:
			break;
		case KF_LINK_NOT_IP:
			m->stats.not_ip++;
			return;
		case KF_LINK_MALFORMED:
			m->stats.malformed++;
			return;
	}
	kf_flow		f;

	memset(&f, 0, sizeof(f));
	unsigned	found = kf_packet_headers_decode(ip.version == 4 ? KF_HEADER_IPV4 : KF_HEADER_IPV6, ip.ip, ip.len, &f);
	uint64_t	bytes = (found & KF_HEADERS_PROTOCOL) ? ip_packet_bytes(&ip) : 0;

	if (bytes == 0)
	{
		m->stats.malformed++;
		return;
	}
	advance_clock(m, time_us);
	expire(m);

	meter_key	k;

	memset(&k, 0, sizeof(k));
	k.src = f.src_addr;
	k.dst = f.dst_addr;
	k.src_port = (uint16_t) f.l4_src_port;
	k.dst_port = (uint16_t) f.l4_dst_port;
	k.vlan = (uint16_t) ip.vlan;
	k.protocol = (uint8_t) f.protocol;

	uint64_t	hash = key_hash(m, &k);
	uint32_t	e;

	find_slot(m, &k, hash, &e);
	if (e == NIL)
	{
		e = insert_entry(m, &k, hash);
		m->entries[e].tos = (uint8_t) f.tos;
	}
	else
	{
		list_remove(m, &m->recency, RECENCY, e);
		list_append(m, &m->recency, RECENCY, e);
	}
	meter_entry *en = &m->entries[e];

	en->last_us = m->clock_us;
	en->bytes += bytes;
	en->packets++;
	en->tcp_flags |= (uint8_t) f.tcp_flags;
	m->stats.packets++;
	m->stats.bytes += bytes;
	if (k.protocol == PROTO_TCP && (f.tcp_flags & (TCP_FIN | TCP_RST)) != 0)
		export_entry(m, e, KF_METER_END_TCP);
}

void
kf_flow_meter_advance(kf_flow_meter *m, int64_t time_us)
{
	advance_clock(m, time_us);
	expire(m);
}

void
kf_flow_meter_flush(kf_flow_meter *m)
{
	while (m->age.head != NIL)
		export_entry(m, m->age.head, KF_METER_END_FLUSH);
}

/* ------------------------------------------------------------------ life cycle */

kf_flow_meter *
kf_flow_meter_new(const kf_meter_config *cfg, kf_addr exporter, kf_flow_emit_fn emit, void *emit_ctx,
				  kf_error *err)
{
	if (cfg->idle_timeout_seconds < 1 || cfg->idle_timeout_seconds > KF_METER_MAX_TIMEOUT_SECONDS ||
		cfg->active_timeout_seconds < 1 || cfg->active_timeout_seconds > KF_METER_MAX_TIMEOUT_SECONDS)
	{
		kf_error_set(err, "meter timeouts must be 1 second to %d days", KF_METER_MAX_TIMEOUT_SECONDS / 86400);
		return NULL;
	}
	if (cfg->max_flows < 1 || cfg->max_flows > KF_METER_MAX_FLOWS)
	{
		kf_error_set(err, "meter table size must be 1 to %u flows", KF_METER_MAX_FLOWS);
		return NULL;
	}
	kf_flow_meter *m = calloc(1, sizeof(*m));
	uint64_t	slot_count = 2;

	while (slot_count < 2 * (uint64_t) cfg->max_flows)
		slot_count *= 2;
	if (m)
	{
		m->entries = calloc(cfg->max_flows, sizeof(meter_entry));
		m->slots = calloc(slot_count, sizeof(uint32_t));
	}
	if (!m || !m->entries || !m->slots)
	{
		kf_flow_meter_free(m);
		kf_error_set(err, "out of memory for a meter table of %u flows", cfg->max_flows);
		return NULL;
	}
	m->cfg = *cfg;
	m->idle_us = cfg->idle_timeout_seconds * MICROS;
	m->active_us = cfg->active_timeout_seconds * MICROS;
	m->exporter = exporter;
	m->emit = emit;
	m->emit_ctx = emit_ctx;
	if (getrandom(&m->seed, sizeof(m->seed), GRND_NONBLOCK) != (ssize_t) sizeof(m->seed))
		m->seed = (uint64_t) (uintptr_t) m;	/* ASLR still varies it */
	m->free_head = NIL;
	m->slot_mask = slot_count - 1;
	m->recency.head = m->recency.tail = NIL;
	m->age.head = m->age.tail = NIL;
	return m;
}

void
kf_flow_meter_free(kf_flow_meter *m)
{
	if (!m)
		return;
	free(m->entries);
	free(m->slots);
	free(m);
}

const kf_meter_stats *
kf_flow_meter_stats(const kf_flow_meter *m)
{
	return &m->stats;
}

void
kf_flow_meter_log_summary(const kf_flow_meter *m, const char *source)
{
	const kf_meter_stats *s = &m->stats;
	const kf_meter_totals *t = s->exported;

	kf_log("summary, meter %s: %llu frames, %llu IP packets, %llu bytes, %llu not IP, %llu malformed; "
		   "%llu flows exported (%llu TCP FIN/RST, %llu idle, %llu active timeout, %llu evicted, %llu at the end)",
		   source, (unsigned long long) s->frames, (unsigned long long) s->packets,
		   (unsigned long long) s->bytes, (unsigned long long) s->not_ip, (unsigned long long) s->malformed,
		   (unsigned long long) (t[0].flows + t[1].flows + t[2].flows + t[3].flows),
		   (unsigned long long) s->ended[KF_METER_END_TCP], (unsigned long long) s->ended[KF_METER_END_IDLE],
		   (unsigned long long) s->ended[KF_METER_END_ACTIVE], (unsigned long long) s->ended[KF_METER_END_EVICTED],
		   (unsigned long long) s->ended[KF_METER_END_FLUSH]);
	kf_log("summary, meter %s by protocol (flows/packets/bytes): tcp %llu/%llu/%llu, udp %llu/%llu/%llu, "
		   "icmp %llu/%llu/%llu, other %llu/%llu/%llu", source,
		   (unsigned long long) t[0].flows, (unsigned long long) t[0].packets, (unsigned long long) t[0].bytes,
		   (unsigned long long) t[1].flows, (unsigned long long) t[1].packets, (unsigned long long) t[1].bytes,
		   (unsigned long long) t[2].flows, (unsigned long long) t[2].packets, (unsigned long long) t[2].bytes,
		   (unsigned long long) t[3].flows, (unsigned long long) t[3].packets, (unsigned long long) t[3].bytes);
}
