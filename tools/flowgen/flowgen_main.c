/*
 * flowgen_main.c -- flowgen's entry point: parses options, writes the kflowd config files, then
 * generates the flows second by second and hands each to every requested output (CSV, export
 * packets to pcap and/or live UDP) and to the truth totals.
 *
 * Determinism: one PRNG stream seeded by --seed drives every choice, and no output feeds back into
 * generation, so the same arguments give the same flows whichever outputs are requested.  The only
 * floating-point library calls are libm's pow, exp, log and cos (traffic shapes); glibc gives the
 * same results for optimised and sanitizer builds (tests/unit/test_flowgen.c regenerates the
 * checked-in fixture with whichever build runs it), but another libm could move a rare value.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tools/flowgen/csv_writer.h"
#include "tools/flowgen/export_batcher.h"
#include "tools/flowgen/flowgen_config.h"
#include "tools/flowgen/kflowd_config_files.h"
#include "tools/flowgen/pcap_writer.h"
#include "tools/flowgen/spam_pattern.h"
#include "tools/flowgen/traffic_model.h"
#include "tools/flowgen/truth_writer.h"
#include "tools/flowgen/udp_sender.h"

#define DEFAULT_COLLECTOR_V4 ((UINT32_C(127) << 24) | 1)
#define DEFAULT_COLLECTOR_PORT 2055
#define EXPORTER_BASE_PORT 50000

typedef struct outputs
{
	pcap_writer *pcap;
	udp_sender *udp;
	csv_writer *csv;
	export_batcher batcher;
	bool		exporting;		/* pcap or udp requested */
} outputs;

typedef struct run_totals
{
	uint64_t	flows;
	uint64_t	bytes;			/* in + out after sampling */
} run_totals;

/* packet_sink_fn: one export packet to the pcap and/or the live collector. */
static int
emit_packet(void *ctx, uint32_t device_id, int64_t export_time, const uint8_t *payload, size_t length,
			fg_error *err)
{
	outputs    *o = ctx;

	if (o->pcap && pcap_writer_add(o->pcap, flowgen_device_exporter_v4(device_id),
								   (uint16_t) (EXPORTER_BASE_PORT + device_id), export_time, payload, length,
								   err) < 0)
		return -1;
	if (o->udp && udp_sender_send(o->udp, device_id, payload, length, err) < 0)
		return -1;
	return 0;
}

/* The pcap's destination: the --send target when given (IPv4 only; ::1 maps to 127.0.0.1). */
static int
pcap_destination(const flowgen_config *cfg, uint32_t *v4, uint16_t *port, fg_error *err)
{
	*v4 = DEFAULT_COLLECTOR_V4;
	*port = DEFAULT_COLLECTOR_PORT;
	if (!cfg->send_target)
		return 0;
	if (udp_target_parse(cfg->send_target, v4, port, err) < 0)
		return -1;
	if (*v4 == 0)
		*v4 = DEFAULT_COLLECTOR_V4;
	return 0;
}

static int
open_outputs(const flowgen_config *cfg, outputs *o, fg_error *err)
{
	uint32_t	dst_v4;
	uint16_t	dst_port;

	memset(o, 0, sizeof(*o));
	if (cfg->pcap_path)
	{
		if (pcap_destination(cfg, &dst_v4, &dst_port, err) < 0 ||
			!(o->pcap = pcap_writer_open(cfg->pcap_path, dst_v4, dst_port, err)))
			return -1;
	}
	if (cfg->send_target && !(o->udp = udp_sender_open(cfg->send_target, cfg->devices, cfg->pps, err)))
		return -1;
	if (cfg->csv_path && !(o->csv = csv_writer_open(cfg->csv_path, err)))
		return -1;
	o->exporting = o->pcap || o->udp;
	return export_batcher_init(&o->batcher, cfg, emit_packet, o, err);
}

/* Closes everything; the first failure wins, but every output is closed. */
static int
close_outputs(outputs *o, int rc, fg_error *err)
{
	fg_error	close_err;

	if (o->pcap && pcap_writer_close(o->pcap, &close_err) < 0 && rc == 0)
		rc = -1, *err = close_err;
	if (o->csv && csv_writer_close(o->csv, &close_err) < 0 && rc == 0)
		rc = -1, *err = close_err;
	udp_sender_close(o->udp);
	export_batcher_free(&o->batcher);
	return rc;
}

static int
emit_flow(outputs *o, const gen_flow *f, run_totals *totals, fg_error *err)
{
	totals->flows++;
	totals->bytes += ((uint64_t) f->in_bytes + f->out_bytes) * f->sample_rate;
	if (o->csv && csv_writer_add(o->csv, f, err) < 0)
		return -1;
	if (o->exporting && export_batcher_add(&o->batcher, f, err) < 0)
		return -1;
	return 0;
}

/* Generates all flows in time order; planted flows replace background ones at planned slots. */
static int
generate(const flowgen_config *cfg, const traffic_model *m, outputs *o, run_totals *totals, fg_error *err)
{
	rng			r;
	spam_plan	plan;
	uint64_t	flow_index = 0;

	rng_seed(&r, cfg->seed);
	if (spam_plan_init(&plan, cfg, err) < 0)
		return -1;
	for (uint64_t second = 0; second < cfg->span; second++)
	{
		int64_t		ts = cfg->end - cfg->span + 1 + (int64_t) second;
		uint64_t	next_second_first = flowgen_first_flow_of_second(cfg, second + 1);

		for (; flow_index < next_second_first; flow_index++)
		{
			gen_flow	f;

			memset(&f, 0, sizeof(f));
			f.ctimestamp = ts;
			f.device_id = traffic_pick_device(m, &r);
			if (!spam_plan_take(&plan, m, &r, flow_index, &f))
				traffic_background_flow(m, &r, ts, f.device_id, &f);
			if (emit_flow(o, &f, totals, err) < 0)
				return -1;
		}
		if (o->exporting && export_batcher_flush_all(&o->batcher, err) < 0)
			return -1;
	}
	return 0;
}

static int
write_config_files(const flowgen_config *cfg, fg_error *err)
{
	if (cfg->tags_out && write_tags_file(cfg->tags_out, err) < 0)
		return -1;
	if (cfg->devices_out && write_devices_file(cfg->devices_out, cfg, err) < 0)
		return -1;
	return 0;
}

static double
seconds_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double) (now.tv_sec - start->tv_sec) + (double) (now.tv_nsec - start->tv_nsec) / 1e9;
}

static int
run(const flowgen_config *cfg, fg_error *err)
{
	traffic_model model;
	outputs		o;
	run_totals	totals = {0, 0};
	struct timespec start;

	if (write_config_files(cfg, err) < 0)
		return -1;
	traffic_model_init(&model, cfg);
	clock_gettime(CLOCK_MONOTONIC, &start);

	int			rc = open_outputs(cfg, &o, err);

	if (rc == 0)
		rc = generate(cfg, &model, &o, &totals, err);
	rc = close_outputs(&o, rc, err);
	if (rc == 0 && cfg->truth_path)
		rc = write_truth_file(cfg->truth_path, &model, totals.flows, totals.bytes, err);
	if (rc == 0 && !cfg->quiet)
	{
		double		elapsed = seconds_since(&start);

		fprintf(stderr, "flowgen: %" PRIu64 " flows, %" PRIu64 " packets (largest payload %zu bytes) in %.3f s"
				" (%.0f flows/s)\n", totals.flows, o.batcher.packets, o.batcher.max_payload, elapsed,
				elapsed > 0 ? (double) totals.flows / elapsed : 0.0);
	}
	return rc;
}

int
main(int argc, char **argv)
{
	flowgen_config cfg;
	fg_error	err;
	int			parsed = flowgen_parse_options(argc, argv, (int64_t) time(NULL), &cfg, &err);

	if (parsed != 0)
	{
		if (parsed < 0)
			fprintf(stderr, "flowgen: %s\n", err.msg);
		return parsed < 0 ? 2 : 0;
	}
	if (run(&cfg, &err) < 0)
	{
		fprintf(stderr, "flowgen: %s\n", err.msg);
		return 1;
	}
	return 0;
}
