/*
 * udp_replay.c -- replays the NetFlow v5 / v9 / IPFIX payloads of pcap files to a UDP receiver at a
 * paced flow rate (or flat out) for a number of seconds, from the exporters' own source addresses,
 * and reports exactly how many packets and flows it sent.  bench/ingest_vs_nfcapd.sh drives it to
 * feed kflowd and nfcapd the same stream.
 *
 *   udp_replay --to 127.0.0.1:2055 [--rate FLOWS_PER_S] [--seconds N] [--batch PACKETS]
 *              [--single-source] FILE.pcap...
 *
 * The flows of each packet are counted here with an independent minimal template parser (not
 * kflowd's decoders), so "sent" is a count the receivers can be checked against.  Each exporter's
 * packets are sent in capture order starting at its first packet that carries templates, so a
 * receiver started before the replay decodes everything; the capture's own periodic template
 * packets (flowgen: every 20 packets per exporter) keep being re-sent as the stream loops.
 * Exporters take turns, one sendmmsg batch each; with --rate the sender sleeps after each batch
 * until the flows sent so far are due, so the rate is smooth at the scale of a batch.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "collector/pcap_reader.h"

#define MAX_EXPORTERS 64
#define MAX_TEMPLATES 4096
#define MAX_BATCH 1024

/* One replayed payload and the flow records it carries. */
typedef struct replay_packet
{
	uint8_t    *data;
	uint16_t	len;
	uint16_t	flows;
	bool		has_templates;
} replay_packet;

/* The packets of one exporter (IP source), in capture order, and the socket that sends them. */
typedef struct exporter_stream
{
	uint32_t	address;		/* IPv4, host order */
	replay_packet *packets;
	size_t		count;
	size_t		capacity;
	size_t		next;			/* the packet the next batch starts with */
	int			fd;
} exporter_stream;

/* A data record layout learnt from a template set: its fixed length, and whether its records are
 * flows (template sets) or options data (options template sets, not counted as flows). */
typedef struct template_layout
{
	uint32_t	exporter;
	uint32_t	domain;			/* v9 source id / IPFIX observation domain */
	uint16_t	id;
	uint16_t	record_length;
	bool		options;
} template_layout;

typedef struct replay
{
	exporter_stream exporters[MAX_EXPORTERS];
	size_t		exporter_count;
	template_layout templates[MAX_TEMPLATES];
	size_t		template_count;
	uint64_t	skipped_payloads;	/* not v5/v9/IPFIX, or not from an IPv4 source */
	uint64_t	uncounted_sets;	/* data sets whose template never appeared in the capture */
	const char *failure;		/* set when a payload cannot be counted exactly */
} replay;

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t) (p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

static template_layout *
find_template(replay *r, uint32_t exporter, uint32_t domain, uint16_t id)
{
	for (size_t i = 0; i < r->template_count; i++)
	{
		template_layout *t = &r->templates[i];

		if (t->exporter == exporter && t->domain == domain && t->id == id)
			return t;
	}
	return NULL;
}

static void
remember_template(replay *r, uint32_t exporter, uint32_t domain, uint16_t id, uint32_t length, bool options)
{
	template_layout *t = find_template(r, exporter, domain, id);

	if (length == 0 || length > UINT16_MAX)
	{
		r->failure = "a template with an empty or oversized record";
		return;
	}
	if (!t)
	{
		if (r->template_count == MAX_TEMPLATES)
		{
			r->failure = "more templates than udp_replay keeps";
			return;
		}
		t = &r->templates[r->template_count++];
	}
	*t = (template_layout) {exporter, domain, id, (uint16_t) length, options};
}

/*
 * Sums the field lengths of the template records of one template or options template set, from
 * field_count fields at p; IPFIX fields may carry an enterprise number.  Returns the bytes the
 * record's fields used, or 0 when they do not fit or a field has variable length (the record count
 * of its data sets could not be derived from the set length alone).
 */
static size_t
template_fields(const uint8_t *p, size_t avail, unsigned field_count, bool ipfix, uint32_t *record_length)
{
	size_t		off = 0;

	*record_length = 0;
	for (unsigned f = 0; f < field_count; f++)
	{
		if (off + 4 > avail)
			return 0;
		uint16_t	type = get16(p + off);
		uint16_t	length = get16(p + off + 2);

		off += 4;
		if (ipfix && (type & 0x8000))
			off += 4;
		if (off > avail || (ipfix && length == 0xffff))
			return 0;
		*record_length += length;
	}
	return off;
}

/* Learns the templates of one v9 (set id 0 / 1) or IPFIX (2 / 3) template set. */
static void
learn_template_set(replay *r, uint32_t exporter, uint32_t domain, bool ipfix, bool options,
				   const uint8_t *p, size_t len)
{
	size_t		off = 0;

	while (off + 4 <= len && !r->failure)
	{
		uint16_t	id = get16(p + off);
		uint32_t	record_length;
		size_t		used;

		if (options && !ipfix)
		{
			/* v9 options template: id, scope bytes, option bytes, then (type, length) pairs */
			if (off + 6 > len)
				break;
			unsigned	fields = (unsigned) (get16(p + off + 2) + get16(p + off + 4)) / 4;

			off += 6;
			used = template_fields(p + off, len - off, fields, false, &record_length);
		}
		else
		{
			unsigned	fields = get16(p + off + 2);

			off += options ? 6 : 4;		/* IPFIX options templates add a scope field count */
			if (off > len)
				break;
			if (fields == 0)
				continue;		/* a template withdrawal */
			used = template_fields(p + off, len - off, fields, ipfix, &record_length);
		}
		if (used == 0)
		{
			r->failure = "a template udp_replay cannot size (truncated or with variable-length fields)";
			return;
		}
		off += used;
		remember_template(r, exporter, domain, id, record_length, options);
	}
}

/*
 * Walks the sets of one v9 / IPFIX payload: learn = true records its templates; otherwise it counts
 * the flow records of its data sets into *flows and tells whether it carries templates.
 */
static void
walk_sets(replay *r, uint32_t exporter, const uint8_t *buf, size_t len, bool learn, uint32_t *flows,
		  bool *has_templates)
{
	bool		ipfix = get16(buf) == 10;
	size_t		off = ipfix ? 16 : 20;
	uint32_t	domain = get32(buf + (ipfix ? 12 : 16));

	while (off + 4 <= len)
	{
		uint16_t	set_id = get16(buf + off);
		uint16_t	set_len = get16(buf + off + 2);

		if (set_len < 4 || off + set_len > len)
		{
			r->failure = "a truncated flowset";
			return;
		}
		const uint8_t *body = buf + off + 4;
		size_t		body_len = (size_t) set_len - 4;
		bool		is_template = ipfix ? (set_id == 2 || set_id == 3) : (set_id == 0 || set_id == 1);

		if (is_template)
		{
			*has_templates = true;
			if (learn)
				learn_template_set(r, exporter, domain, ipfix, set_id == (ipfix ? 3 : 1), body, body_len);
		}
		else if (set_id >= 256 && !learn)
		{
			const template_layout *t = find_template(r, exporter, domain, set_id);

			if (!t)
				r->uncounted_sets++;
			else if (!t->options)
				*flows += (uint32_t) (body_len / t->record_length);		/* the rest is padding */
		}
		off += set_len;
	}
}

/* The flow records in one payload (v5: the header's count), 0 for what is not v5/v9/IPFIX. */
static uint32_t
count_flows(replay *r, uint32_t exporter, const uint8_t *buf, size_t len, bool *has_templates)
{
	uint32_t	flows = 0;

	*has_templates = false;
	if (len < 24)
		return 0;
	switch (get16(buf))
	{
		case 5:
			return get16(buf + 2);
		case 9:
		case 10:
			walk_sets(r, exporter, buf, len, false, &flows, has_templates);
			return flows;
		default:
			return 0;
	}
}

static exporter_stream *
stream_for(replay *r, uint32_t address)
{
	for (size_t i = 0; i < r->exporter_count; i++)
		if (r->exporters[i].address == address)
			return &r->exporters[i];
	if (r->exporter_count == MAX_EXPORTERS)
		return NULL;
	exporter_stream *s = &r->exporters[r->exporter_count++];

	*s = (exporter_stream) {.address = address, .fd = -1};
	return s;
}

/* kf_pcap_read callback of the first pass: keeps the flow-export payloads of IPv4 exporters. */
static void
on_payload(void *ctx, const kf_udp_payload *p)
{
	replay	   *r = ctx;
	uint16_t	version = p->len >= 2 ? get16(p->data) : 0;
	exporter_stream *s;

	if (!kf_addr_is_v4(p->src) || p->len < 24 || p->len > UINT16_MAX ||
		(version != 5 && version != 9 && version != 10) || !(s = stream_for(r, (uint32_t) p->src.lo)))
	{
		r->skipped_payloads++;
		return;
	}
	if (s->count == s->capacity)
	{
		size_t		capacity = s->capacity ? s->capacity * 2 : 1024;
		replay_packet *grown = realloc(s->packets, capacity * sizeof(*grown));

		if (!grown)
		{
			r->failure = "out of memory";
			return;
		}
		s->packets = grown;
		s->capacity = capacity;
	}
	uint8_t    *copy = malloc(p->len);

	if (!copy)
	{
		r->failure = "out of memory";
		return;
	}
	memcpy(copy, p->data, p->len);
	s->packets[s->count++] = (replay_packet) {copy, (uint16_t) p->len, 0, false};
	if (version != 5)
	{
		uint32_t	unused;
		bool		has_templates;

		walk_sets(r, s->address, copy, p->len, true, &unused, &has_templates);
	}
}

/* Second pass, once every template is known: the flows of each packet, and each exporter's stream
 * rotated to start at its first template packet. */
static int
count_and_rotate(replay *r)
{
	for (size_t e = 0; e < r->exporter_count; e++)
	{
		exporter_stream *s = &r->exporters[e];
		bool		seen_template = false;

		for (size_t i = 0; i < s->count; i++)
		{
			bool		has_templates;
			uint32_t	flows = count_flows(r, s->address, s->packets[i].data, s->packets[i].len, &has_templates);

			if (flows > UINT16_MAX)
				r->failure = "a packet with more flows than its size allows";
			s->packets[i].flows = (uint16_t) flows;
			s->packets[i].has_templates = has_templates;
			if (has_templates && !seen_template)
			{
				s->next = i;
				seen_template = true;
			}
		}
	}
	return r->failure ? -1 : 0;
}

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
sleep_until(double when)
{
	struct timespec ts = {(time_t) when, (long) ((when - (double) (time_t) when) * 1e9)};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* One UDP socket per exporter bound to its address (loopback 127.x.y.z needs no setup), or one
 * shared unbound socket with --single-source or when binding fails. */
static int
open_sockets(replay *r, bool single_source)
{
	int			shared = -1;

	for (size_t e = 0; e < r->exporter_count; e++)
	{
		exporter_stream *s = &r->exporters[e];

		if (!single_source)
		{
			struct sockaddr_in src = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(s->address)};

			s->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
			if (s->fd >= 0 && bind(s->fd, (struct sockaddr *) &src, sizeof(src)) == 0)
				continue;
			fprintf(stderr, "udp_replay: cannot send from %s (%s), using one source address\n",
					inet_ntoa(src.sin_addr), strerror(errno));
			if (s->fd >= 0)
				close(s->fd);
			single_source = true;
		}
		if (shared < 0 && (shared = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		{
			perror("udp_replay: socket");
			return -1;
		}
		s->fd = shared;
	}
	return 0;
}

typedef struct send_totals
{
	uint64_t	packets;
	uint64_t	flows;
	uint64_t	template_packets;
	uint64_t	send_errors;	/* failed sendmmsg calls (e.g. ECONNREFUSED with nobody listening) */
} send_totals;

/*
 * Sends the next batch of packets of one exporter (wrapping at the end of its capture); the counts
 * cover the datagrams the kernel accepted.  A failed call is counted and its packets skipped, so a
 * missing receiver costs flows instead of stalling the replay.
 */
static void
send_batch(exporter_stream *s, const struct sockaddr_in *to, size_t batch, send_totals *t)
{
	struct mmsghdr msgs[MAX_BATCH];
	struct iovec iovs[MAX_BATCH];
	size_t		first = s->next;

	for (size_t i = 0; i < batch; i++)
	{
		const replay_packet *p = &s->packets[(first + i) % s->count];

		iovs[i] = (struct iovec) {p->data, p->len};
		msgs[i] = (struct mmsghdr) {.msg_hdr = {.msg_name = (void *) to, .msg_namelen = sizeof(*to),
		.msg_iov = &iovs[i], .msg_iovlen = 1}};
	}
	size_t		done = 0;

	while (done < batch)
	{
		int			n = sendmmsg(s->fd, msgs + done, (unsigned) (batch - done), 0);

		if (n <= 0)
		{
			t->send_errors++;
			done++;
			continue;
		}
		for (int i = 0; i < n; i++)
		{
			const replay_packet *p = &s->packets[(first + done + (size_t) i) % s->count];

			t->packets++;
			t->flows += p->flows;
			t->template_packets += p->has_templates;
		}
		done += (size_t) n;
	}
	s->next = (first + batch) % s->count;
}

static void
usage(FILE *out)
{
	fprintf(out,
			"usage: udp_replay --to A.B.C.D:PORT [--rate FLOWS_PER_S] [--seconds N] [--batch PACKETS]\n"
			"                  [--single-source] FILE.pcap...\n"
			"  --rate N          flows per second, paced per batch (default 0: as fast as possible)\n"
			"  --seconds N       how long to send (default 10)\n"
			"  --batch N         packets per sendmmsg call, per exporter in turn (default 32, at most %d)\n"
			"  --single-source   send everything from one socket instead of each exporter's address\n"
			"Prints the packets and flows sent; the last line is 'packets=P flows=F seconds=S'.\n",
			MAX_BATCH);
}

static int
parse_destination(const char *text, struct sockaddr_in *to)
{
	char		host[64];
	const char *colon = strrchr(text, ':');
	char	   *end;

	if (!colon || (size_t) (colon - text) >= sizeof(host))
		return -1;
	memcpy(host, text, (size_t) (colon - text));
	host[colon - text] = '\0';
	long		port = strtol(colon + 1, &end, 10);

	*to = (struct sockaddr_in) {.sin_family = AF_INET, .sin_port = htons((uint16_t) port)};
	return (*end || port <= 0 || port > 65535 || inet_pton(AF_INET, host, &to->sin_addr) != 1) ? -1 : 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"to", required_argument, NULL, 't'},
		{"rate", required_argument, NULL, 'r'},
		{"seconds", required_argument, NULL, 's'},
		{"batch", required_argument, NULL, 'b'},
		{"single-source", no_argument, NULL, '1'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	struct sockaddr_in to;
	bool		have_to = false,
				single_source = false;
	double		rate = 0,
				seconds = 10;
	long		batch = 32;
	int			c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1)
	{
		switch (c)
		{
			case 't': have_to = parse_destination(optarg, &to) == 0; if (!have_to) goto bad_usage; break;
			case 'r': rate = atof(optarg); break;
			case 's': seconds = atof(optarg); break;
			case 'b': batch = atol(optarg); break;
			case '1': single_source = true; break;
			case 'h': usage(stdout); return 0;
			default: goto bad_usage;
		}
	}
	if (!have_to || optind == argc || rate < 0 || seconds <= 0 || batch < 1 || batch > MAX_BATCH)
		goto bad_usage;

	replay	   *r = calloc(1, sizeof(*r));

	if (!r)
	{
		fprintf(stderr, "udp_replay: out of memory\n");
		return 1;
	}
	for (int i = optind; i < argc; i++)
	{
		kf_pcap_stats stats = {0};
		kf_error	err;

		if (kf_pcap_read(argv[i], on_payload, r, &stats, &err) < 0)
		{
			fprintf(stderr, "udp_replay: %s\n", err.msg);
			return 1;
		}
	}
	if (r->failure || count_and_rotate(r) < 0)
	{
		fprintf(stderr, "udp_replay: cannot count the flows of the capture: %s\n", r->failure);
		return 1;
	}
	if (r->exporter_count == 0)
	{
		fprintf(stderr, "udp_replay: no NetFlow v5/v9/IPFIX payload from an IPv4 exporter in the capture\n");
		return 1;
	}
	uint64_t	loop_packets = 0,
				loop_flows = 0;

	for (size_t e = 0; e < r->exporter_count; e++)
		for (size_t i = 0; i < r->exporters[e].count; i++)
		{
			loop_packets++;
			loop_flows += r->exporters[e].packets[i].flows;
		}
	printf("udp_replay: %zu exporters, %llu packets with %llu flows per loop (%.1f flows/packet); "
		   "%llu payloads skipped, %llu data sets without a template\n",
		   r->exporter_count, (unsigned long long) loop_packets, (unsigned long long) loop_flows,
		   (double) loop_flows / (double) loop_packets, (unsigned long long) r->skipped_payloads,
		   (unsigned long long) r->uncounted_sets);
	if (open_sockets(r, single_source) < 0)
		return 1;

	send_totals t = {0};
	double		start = now_seconds(),
				stop = start + seconds,
				now = start;

	while (now < stop)
	{
		for (size_t e = 0; e < r->exporter_count; e++)
		{
			exporter_stream *s = &r->exporters[e];

			send_batch(s, &to, (size_t) batch < s->count ? (size_t) batch : s->count, &t);
			if (rate > 0)
				sleep_until(start + (double) t.flows / rate);
		}
		now = now_seconds();
	}
	double		elapsed = now - start;

	printf("udp_replay: sent %llu packets (%llu with templates), %llu flows in %.2f s: %.0f flows/s, "
		   "%.0f packets/s, %llu failed sends\n",
		   (unsigned long long) t.packets, (unsigned long long) t.template_packets,
		   (unsigned long long) t.flows, elapsed, (double) t.flows / elapsed, (double) t.packets / elapsed,
		   (unsigned long long) t.send_errors);
	printf("packets=%llu flows=%llu seconds=%.3f\n", (unsigned long long) t.packets,
		   (unsigned long long) t.flows, elapsed);
	return 0;

bad_usage:
	usage(stderr);
	return 2;
}
