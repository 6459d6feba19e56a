/*
 * kflowd_main.c -- kflowd, the flow collector: options, the two modes and signal handling.
 *
 *   kflowd --data-dir DIR --listen 127.0.0.1:2055 [--tags FILE] [--devices FILE]
 *       receives NetFlow v5 / v9 / IPFIX on one UDP port until SIGTERM or SIGINT;
 *   kflowd --data-dir DIR [--listen ADDRESS:PORT] --sflow-listen 0.0.0.0:6343 ...
 *       receives sFlow v5 on a second port (alone or beside --listen), in the same loop;
 *   kflowd --data-dir DIR --read-pcap FILE [--tags FILE] [--devices FILE] [--build-fast]
 *       ingests the flow exports in a capture file and exits once everything is flushed;
 *   kflowd --data-dir DIR --build-fast
 *       runs one maintenance pass in the foreground (retention when limits are given, compaction,
 *       then every missing or outdated Fast dataseries hour) and exits; also after --read-pcap.
 *   kflowd --data-dir DIR --meter IFACE [--listen ...]
 *       meters the packets of an interface into flows (flow_meter.h), beside or instead of --listen;
 *   kflowd --data-dir DIR --meter-pcap FILE
 *       meters the packets of a capture file into flows and exits once everything is flushed.
 *
 * sFlow counter samples (generic interface counters) of every received or read datagram go to
 * DIR/counters through the counter sink, flushed on the flow sink's cadence and at exit.
 *
 * Exit status: 0 on success, 1 on a runtime error (nothing partial is published by the store),
 * 2 on bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "collector/addr_text.h"
#include "collector/collector_log.h"
#include "collector/collector_status.h"
#include "collector/counter_sink.h"
#include "collector/device_registry.h"
#include "collector/enrich_options.h"
#include "collector/flow_packet.h"
#include "collector/flow_sink.h"
#include "collector/listen_options.h"
#include "collector/maintenance_options.h"
#include "collector/meter_options.h"
#include "collector/meter_source.h"
#include "collector/pcap_reader.h"
#include "collector/stats_command.h"
#include "collector/template_store.h"
#include "collector/udp_listener.h"

#define POLL_TIMEOUT_MS 500
/* With both sockets and a live meter, each waits this long in turn: the meter's kernel buffer
 * holds far more than this of traffic, and datagrams queue in the socket buffers meanwhile. */
#define SHARED_POLL_TIMEOUT_MS 100
/* How often a live meter checks libpcap's drop counters and logs when they grew. */
#define METER_DROPS_CHECK_SECONDS 10

typedef struct options
{
	const char *data_dir;
	const char *listen;
	const char *sflow_listen;
	const char *read_pcap;
	const char *tags;
	const char *devices;
	bool		build_fast;		/* one maintenance pass, then exit */
	kf_maintenance_config maintenance;	/* compaction, retention and Fast while listening */
	kf_listen_config listening;	/* receive buffer, metrics, statistics line */
	kf_enrich_config enrich;	/* --asn, --interfaces */
	kf_meter_options meter;		/* --meter, --meter-pcap and the flow table */
} options;

/* Everything both modes share. */
typedef struct collector
{
	kf_enrichment enrichment;	/* tags, AS numbers, interface descriptions */
	kf_device_registry *registry;
	kf_flow_sink *sink;
	kf_flow_decoder *decoder;
	kf_flow_meter *meter;		/* NULL unless --meter or --meter-pcap */
	kf_counter_sink *counters;	/* interface counters of sFlow counter samples */
	kf_counter_decode_counts counter_counts;
	uint64_t	other_udp;		/* UDP payloads that are not v5/v9/IPFIX/sFlow (the pcap summary shows it) */
} collector;

static volatile sig_atomic_t stop_requested;

static void
on_stop_signal(int sig)
{
	(void) sig;
	stop_requested = 1;
}

static void
usage(FILE *out)
{
	fprintf(out,
			"usage: kflowd --data-dir DIR --listen ADDRESS:PORT [--tags FILE] [--devices FILE]\n"
			"       kflowd --data-dir DIR --read-pcap FILE [--tags FILE] [--devices FILE] [--build-fast]\n"
			"       kflowd --data-dir DIR --build-fast\n"
			"       kflowd --data-dir DIR --meter IFACE [--listen ADDRESS:PORT] [--tags FILE] [--devices FILE]\n"
			"       kflowd --data-dir DIR --meter-pcap FILE [--tags FILE] [--devices FILE]\n"
			"       kflowd --stats ADDRESS:PORT\n"
			"  --build-fast                 run one maintenance pass (retention if limits are given,\n"
			"                               compaction, the Fast dataseries of every complete hour) and exit\n"
			"  --sflow-listen ADDRESS:PORT  receive sFlow v5 on this UDP port too (usually 6343; default\n"
			"                               none); may replace --listen.  Every port takes every format\n"
			"                               (recognised by content), and --read-pcap finds sFlow on any port\n");
	kf_enrich_usage(out);
	kf_maintenance_usage(out);
	kf_listen_usage(out);
	kf_meter_usage(out);
}

/* Returns 0, 1 for --help, or -1 for bad usage. */
static int
parse_options(int argc, char **argv, options *o)
{
	static const struct option longopts[] = {
		{"data-dir", required_argument, NULL, 'd'},
		{"listen", required_argument, NULL, 'l'},
		{"sflow-listen", required_argument, NULL, 'S'},
		{"read-pcap", required_argument, NULL, 'r'},
		{"tags", required_argument, NULL, 't'},
		{"devices", required_argument, NULL, 'D'},
		{"help", no_argument, NULL, 'h'},
		{"build-fast", no_argument, NULL, 'B'},
		KF_MAINTENANCE_LONGOPTS,
		KF_LISTEN_LONGOPTS,
		KF_ENRICH_LONGOPTS,
		KF_METER_LONGOPTS,
		{NULL, 0, NULL, 0}
	};
	int			c;

	memset(o, 0, sizeof(*o));
	kf_maintenance_defaults(&o->maintenance);
	kf_listen_defaults(&o->listening);
	kf_enrich_defaults(&o->enrich);
	kf_meter_defaults(&o->meter);
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1)
	{
		switch (c)
		{
			case 'd': o->data_dir = optarg; break;
			case 'l': o->listen = optarg; break;
			case 'S': o->sflow_listen = optarg; break;
			case 'r': o->read_pcap = optarg; break;
			case 't': o->tags = optarg; break;
			case 'D': o->devices = optarg; break;
			case 'h': return 1;
			case 'B': o->build_fast = true; break;
			default:
				{
					int			applied = kf_maintenance_option(c, optarg, &o->maintenance);

					if (applied == 0)
						applied = kf_listen_option(c, optarg, &o->listening);
					if (applied == 0)
						applied = kf_enrich_option(c, optarg, &o->enrich);
					if (applied == 0)
						applied = kf_meter_option(c, optarg, &o->meter);
					if (applied <= 0)
						return -1;
					break;
				}
		}
	}
	/* exactly one mode: live (any of the sockets and the interface), one capture file, or
	 * --build-fast alone; --build-fast may also follow --read-pcap; --stats stands alone */
	int			live = o->listen || o->sflow_listen || o->meter.interface;
	int			modes = live + !!o->read_pcap + !!o->meter.pcap;

	if (o->listening.stats_address)
		return optind == argc && !o->data_dir && modes == 0 && !o->build_fast ? 0 : -1;

	if (optind != argc || !o->data_dir || modes > 1 || (modes == 0 && !o->build_fast) ||
		(o->build_fast && (live || o->meter.pcap)))
		return -1;
	return 0;
}

static double
monotonic_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Loads the configuration and opens the store side; the enrichment files are checked before
 * anything is created on disk. */
static int
collector_open(collector *c, const options *o, kf_error *err)
{
	memset(c, 0, sizeof(*c));
	if (kf_enrichment_load(&c->enrichment, o->tags, &o->enrich, err) < 0)
		return -1;
	if (mkdir(o->data_dir, 0755) < 0 && errno != EEXIST)
		return kf_error_set(err, "cannot create data directory \"%s\": %s", o->data_dir, strerror(errno));
	if (!(c->registry = kf_device_registry_open(o->data_dir, o->devices, err)))
		return -1;
	if (!(c->sink = kf_flow_sink_new(o->data_dir, c->registry, c->enrichment.tags, err)))
		return -1;
	kf_flow_sink_set_asn(c->sink, c->enrichment.asn);
	kf_flow_sink_set_interfaces(c->sink, c->enrichment.interfaces);
	if (!(c->counters = kf_counter_sink_new(o->data_dir, c->registry, err)))
		return -1;
	if (!(c->decoder = kf_flow_decoder_new(kf_flow_sink_emit, c->sink)))
		return kf_error_set(err, "out of memory");
	kf_flow_decoder_set_retime_skewed(c->decoder, o->listening.retime_skewed);
	if ((o->meter.interface || o->meter.pcap) &&
		!(c->meter = kf_flow_meter_new(&o->meter.table, o->meter.exporter, kf_flow_sink_emit, c->sink, err)))
		return -1;
	return 0;
}

static void
collector_close(collector *c)
{
	kf_flow_meter_free(c->meter);
	kf_flow_decoder_free(c->decoder);
	kf_counter_sink_free(c->counters);
	kf_flow_sink_free(c->sink);
	kf_device_registry_free(c->registry);
	kf_enrichment_free(&c->enrichment);
}

/* Flushes everything and logs the summary; returns 0 when everything is durable. */
static int
collector_finish(collector *c)
{
	kf_error	err;
	int			rc = kf_flow_sink_flush_all(c->sink, &err);

	if (rc < 0)
		kf_log("final flush failed, unflushed flows are lost: %s", err.msg);
	if (kf_counter_sink_flush_all(c->counters, &err) < 0)
	{
		kf_log("final flush failed, unflushed interface counters are lost: %s", err.msg);
		rc = -1;
	}
	kf_flow_decoder_log_summary(c->decoder);
	const kf_sink_stats *st = kf_flow_sink_stats(c->sink);
	const kf_counter_sink_stats *cs = kf_counter_sink_stats_get(c->counters);

	kf_log("summary, store: %llu flows stored, %llu flows dropped, %llu flushes, %llu flush errors",
		   (unsigned long long) st->flows_stored, (unsigned long long) st->flows_dropped,
		   (unsigned long long) st->flushes, (unsigned long long) st->flush_errors);
	kf_log("summary, interface counters: %llu rows decoded, %llu malformed counter samples, %llu rows stored, %llu rows dropped, %llu flush errors",
		   (unsigned long long) c->counter_counts.interface_records,
		   (unsigned long long) c->counter_counts.decode_errors, (unsigned long long) cs->rows_stored,
		   (unsigned long long) cs->rows_dropped, (unsigned long long) cs->flush_errors);
	return rc;
}

/* Decodes one payload's flows and, for sFlow, its counter samples, both stamped with received. */
static void
decode_payload(collector *c, kf_addr source, const uint8_t *data, size_t len, int64_t received)
{
	kf_export_kind kind = kf_flow_export_kind(data, len);

	if (kind == KF_EXPORT_UNKNOWN)
	{
		c->other_udp++;
		return;
	}
	kf_flow_decoder_packet_at(c->decoder, source, data, len, (int64_t) time(NULL), received);
	if (kind == KF_EXPORT_SFLOW_V5)
	{
		kf_counter_decode_out out = {source, received, kf_counter_sink_emit, c->counters, &c->counter_counts};

		kf_sflow_v5_decode_counters(data, len, &out);
	}
}

static void
on_pcap_payload(void *ctx, const kf_udp_payload *p)
{
	decode_payload(ctx, p->src, p->data, p->len, p->captured);
}

static int
run_pcap(collector *c, const char *path)
{
	kf_pcap_stats stats;
	kf_error	err;

	memset(&stats, 0, sizeof(stats));
	int			rc = kf_pcap_read(path, on_pcap_payload, c, &stats, &err);

	if (rc < 0)
		kf_log("%s", err.msg);
	kf_log("summary, capture %s: %llu frames, %llu UDP, %llu UDP but not NetFlow/IPFIX/sFlow, %llu non-UDP, %llu non-first fragments skipped, %llu malformed",
		   path, (unsigned long long) stats.frames, (unsigned long long) stats.udp,
		   (unsigned long long) c->other_udp, (unsigned long long) stats.not_udp,
		   (unsigned long long) stats.fragments, (unsigned long long) stats.malformed);
	if (collector_finish(c) < 0)
		rc = -1;
	return rc;
}

/* --meter-pcap: every frame of the file through the meter, then everything flushed. */
static int
run_meter_pcap(collector *c, const char *path)
{
	kf_error	err;
	int			rc = kf_meter_read_pcap(path, c->meter, &err);

	if (rc < 0)
		kf_log("%s", err.msg);
	kf_flow_meter_log_summary(c->meter, path);
	if (collector_finish(c) < 0)
		rc = -1;
	return rc;
}

static void
on_datagram(void *ctx, kf_addr source, const uint8_t *data, size_t len)
{
	decode_payload(ctx, source, data, len, (int64_t) time(NULL));
}

/* The sockets of listen mode: --listen and --sflow-listen, each optional. */
typedef struct listeners
{
	kf_udp_listener *sockets[2];
	const char *addresses[2];
	size_t		count;
} listeners;

static void
listeners_close(listeners *ls)
{
	for (size_t i = 0; i < ls->count; i++)
		kf_udp_listener_close(ls->sockets[i]);
	ls->count = 0;
}

/* Binds every address given; returns 0, or -1 with nothing left open. */
static int
listeners_open(listeners *ls, const options *o, kf_error *err)
{
	const char *wanted[2] = {o->listen, o->sflow_listen};

	memset(ls, 0, sizeof(*ls));
	for (size_t i = 0; i < 2; i++)
	{
		if (!wanted[i])
			continue;
		if (!(ls->sockets[ls->count] = kf_udp_listener_open(wanted[i], o->listening.receive_buffer_bytes, err)))
		{
			listeners_close(ls);
			return -1;
		}
		ls->addresses[ls->count++] = wanted[i];
	}
	return 0;
}

/* A live meter's capture and the drop counts last logged. */
typedef struct live_meter
{
	kf_meter_capture *capture;	/* NULL without --meter */
	const char *interface;
	uint64_t	kernel_drops;
	uint64_t	interface_drops;
	double		next_drops_check;
} live_meter;

/* Logs libpcap's drop counters when they grew since the last call (always when final). */
static void
live_meter_log_drops(live_meter *lm, bool final)
{
	uint64_t	kernel,
				interface;

	if (kf_meter_capture_drops(lm->capture, &kernel, &interface) < 0)
		return;
	if (final || kernel != lm->kernel_drops || interface != lm->interface_drops)
		kf_log("%smeter %s: %llu packets dropped by the kernel (capture buffer full), %llu by the interface",
			   final ? "summary, " : "", lm->interface, (unsigned long long) kernel, (unsigned long long) interface);
	lm->kernel_drops = kernel;
	lm->interface_drops = interface;
}

/* Reads what a live meter captured (waiting up to timeout_ms) and checks its drops now and then. */
static int
live_meter_poll(live_meter *lm, kf_flow_meter *meter, int timeout_ms, kf_error *err)
{
	if (kf_meter_capture_poll(lm->capture, meter, timeout_ms, err) < 0)
		return -1;
	if (monotonic_seconds() >= lm->next_drops_check)
	{
		live_meter_log_drops(lm, false);
		lm->next_drops_check = monotonic_seconds() + METER_DROPS_CHECK_SECONDS;
	}
	return 0;
}

/* Receives until SIGTERM / SIGINT, flushing on the way and keeping data_dir/templates up to date;
 * takes ownership of ls and of lm's capture. */
static int
run_listener(collector *c, listeners *ls, live_meter *lm, const options *o)
{
	kf_error	err;
	struct sigaction sa;
	kf_collector_status status;

	if (kf_collector_status_open(&status, &o->listening, c->decoder, c->sink,
								 (const kf_udp_listener *const *) ls->sockets, ls->addresses, ls->count,
								 monotonic_seconds(), &err) != 0)
	{
		kf_log("%s", err.msg);
		listeners_close(ls);
		kf_meter_capture_close(lm->capture);
		collector_finish(c);
		return -1;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;		/* no SA_RESTART: poll returns at once */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	kf_template_cache *templates = kf_flow_decoder_templates(c->decoder);
	kf_template_saver saver;
	char		exporter_text[KF_ADDR_TEXT_MAX];

	kf_template_saver_start(&saver, o->data_dir, templates, monotonic_seconds());
	for (size_t i = 0; i < ls->count; i++)
		kf_log("listening on %s (UDP port %u, receive buffer %u KB)", ls->addresses[i],
			   kf_udp_listener_port(ls->sockets[i]), kf_udp_listener_receive_buffer(ls->sockets[i]) / 1024);
	if (lm->capture)
		kf_log("metering packets on %s as exporter %s", lm->interface,
			   kf_addr_format(o->meter.exporter, exporter_text, sizeof(exporter_text)));
	int			rc = 0;
	kf_udp_receiver *receiver = NULL;

	/* The sockets are read on a thread of their own, so a flush (compression, fsync) on this thread
	 * never leaves them undrained; its queue is at least as large as the receive buffer asked for. */
	if (ls->count > 0 && !(receiver = kf_udp_receiver_start(ls->sockets, ls->count,
															o->listening.receive_buffer_bytes, &err)))
	{
		kf_log("%s", err.msg);
		stop_requested = 1;
		rc = -1;
	}
	kf_collector_status_set_receiver(&status, receiver);
	while (!stop_requested)
	{
		int			udp_timeout = lm->capture ? SHARED_POLL_TIMEOUT_MS : POLL_TIMEOUT_MS;

		if ((receiver && kf_udp_receiver_poll(receiver, udp_timeout, on_datagram, c, &err) < 0) ||
			(lm->capture && live_meter_poll(lm, c->meter, ls->count > 0 ? 0 : POLL_TIMEOUT_MS, &err) < 0))
		{
			kf_log("%s", err.msg);
			rc = -1;
			break;
		}
		kf_flow_sink_tick(c->sink, monotonic_seconds());
		kf_counter_sink_tick(c->counters, monotonic_seconds());
		kf_template_saver_tick(&saver, templates, monotonic_seconds(), false);
		kf_collector_status_tick(&status, monotonic_seconds());
	}
	if (receiver)
	{
		/* what was received before the signal is stored, like what a flush had buffered */
		kf_udp_receiver_stop(receiver);
		while (rc == 0 && kf_udp_receiver_poll(receiver, 0, on_datagram, c, &err) > 0)
			;
	}
	kf_log("summary, sockets: %llu datagrams dropped by the kernel (receive buffer full), %llu by kflowd (receive queue full)",
		   (unsigned long long) kf_collector_status_kernel_drops(&status),
		   (unsigned long long) (receiver ? kf_udp_receiver_queue_drops(receiver) : 0));
	kf_udp_receiver_free(receiver);
	kf_collector_status_close(&status);
	listeners_close(ls);
	if (lm->capture)
	{
		live_meter_log_drops(lm, true);
		kf_meter_capture_close(lm->capture);
		kf_flow_meter_flush(c->meter);
		kf_flow_meter_log_summary(c->meter, lm->interface);
	}
	kf_log("stopping");
	kf_template_saver_tick(&saver, templates, monotonic_seconds(), true);
	if (collector_finish(c) < 0)
		rc = -1;
	return rc;
}

/* kflowd --build-fast: one maintenance pass over an existing data directory. */
/* kflowd --stats ADDRESS:PORT: 0 when the summary was printed, 1 otherwise. */
static int
run_stats(const char *address)
{
	kf_error	err;
	char	   *metrics;
	size_t		len;
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	if (kf_stats_fetch(address, 5000, &metrics, &len, &err) != 0 ||
		kf_stats_print(metrics, (double) now.tv_sec, stdout, &err) != 0)
	{
		fprintf(stderr, "kflowd: %s\n", err.msg);
		return 1;
	}
	free(metrics);
	return 0;
}

static int
run_build_fast(const options *o)
{
	struct stat st;
	kf_error	err;

	if (stat(o->data_dir, &st) != 0 || !S_ISDIR(st.st_mode))
	{
		kf_log("%s: not a data directory", o->data_dir);
		return 1;
	}
	if (kf_maintenance_run_once(o->data_dir, &o->maintenance, &err) != 0)
	{
		kf_log("%s", err.msg);
		return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	options		o;
	int			parsed = parse_options(argc, argv, &o);

	if (parsed != 0)
	{
		usage(parsed > 0 ? stdout : stderr);
		return parsed > 0 ? 0 : 2;
	}
	if (o.listening.stats_address)
		return run_stats(o.listening.stats_address);
	if (o.build_fast && !o.read_pcap)
		return run_build_fast(&o);

	collector	c;
	kf_error	err;
	listeners	ls;
	live_meter	lm = {.interface = o.meter.interface};

	/* Bind and open the interface first: a bad or busy address should fail before anything is
	 * created on disk. */
	if (listeners_open(&ls, &o, &err) < 0)
	{
		kf_log("%s", err.msg);
		return 1;
	}
	if (o.meter.interface && !(lm.capture = kf_meter_capture_open(o.meter.interface, &err)))
	{
		kf_log("%s", err.msg);
		listeners_close(&ls);
		return 1;
	}
	if (collector_open(&c, &o, &err) < 0)
	{
		kf_log("%s", err.msg);
		collector_close(&c);
		listeners_close(&ls);
		kf_meter_capture_close(lm.capture);
		return 1;
	}
	kf_maintenance *maintenance = NULL;

	bool		offline = o.read_pcap || o.meter.pcap;

	if (!offline && !(maintenance = kf_maintenance_start(o.data_dir, &o.maintenance, &err)))
	{
		kf_log("%s", err.msg);
		collector_close(&c);
		listeners_close(&ls);
		kf_meter_capture_close(lm.capture);
		return 1;
	}

	int			rc = o.read_pcap ? run_pcap(&c, o.read_pcap) :
		o.meter.pcap ? run_meter_pcap(&c, o.meter.pcap) : run_listener(&c, &ls, &lm, &o);

	kf_maintenance_stop(maintenance);
	collector_close(&c);
	if (rc == 0 && o.build_fast)
		return run_build_fast(&o);
	return rc == 0 ? 0 : 1;
}
