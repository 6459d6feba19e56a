/*
 * fuzz_flow_meter.c -- libFuzzer harness for kflowd's packet meter (collector/flow_meter.c) and
 * the link layer parser it shares with the pcap reader (kf_link_find_ip).
 *
 * Input: byte 0 picks the link type, byte 1 the table size (1..16 flows, so eviction happens all
 * the time), bytes 2 and 3 the idle and active timeouts (1..256 s); then records of
 *   8 bytes  capture time in microseconds, any int64 (negative, huge, going backwards)
 *   2 bytes  frame length n (cut to what is left)
 *   n bytes  the frame.
 * After the last record the table is flushed, and what was exported must add up exactly to what
 * was counted in: packets and bytes, flows by reason and by protocol, an empty table.  A mismatch
 * aborts, so the fuzzer reports accounting bugs as well as memory errors.
 *
 * Build (tests/run_all.sh does this): clang -fsanitize=fuzzer,address,undefined -I. with this
 * file, every collector source but kflowd_main.c and the store sources, -llz4 -lpcap -lm.
 * Seeds: tests/fuzz/corpus/flow_meter/ (frames of tests/data/captures/meter_mix.pcap).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collector/flow_meter.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What the emitted flows add up to. */
typedef struct emitted
{
	uint64_t	flows;
	uint64_t	packets;
	uint64_t	bytes;
	uint64_t	checksum;		/* reads every field, so uninitialised bytes are noticed */
} emitted;

static void
on_flow(void *ctx, kf_addr exporter, const kf_flow *f)
{
	emitted    *e = ctx;

	e->flows++;
	e->packets += (uint64_t) f->in_pkts;
	e->bytes += (uint64_t) f->in_bytes;
	e->checksum += exporter.lo + (uint64_t) f->ctimestamp + f->src_addr.hi + f->src_addr.lo + f->dst_addr.hi +
		f->dst_addr.lo + f->next_hop.hi + f->next_hop.lo + f->l4_src_port + f->l4_dst_port + f->protocol +
		f->tcp_flags + f->tos + (uint64_t) f->out_bytes + (uint64_t) f->out_pkts + f->input_port +
		f->output_port + f->src_as + f->dst_as + f->vlan_in + f->vlan_out + f->sample_rate;
	if (f->in_pkts < 1 || f->in_bytes < 20 || f->sample_rate != 1 || f->l4_src_port > 65535 ||
		f->l4_dst_port > 65535 || f->vlan_in > 4095)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Ethernet, raw IP, Linux SLL, SLL2, BSD loopback, and one link type the meter does not know */
	static const int dlts[] = {1, 12, 113, 276, 0, 105};

	if (size < 4)
		return 0;
	kf_meter_config cfg = {1 + data[2], 1 + data[3], 1 + data[1] % 16};
	int			dlt = dlts[data[0] % (sizeof(dlts) / sizeof(dlts[0]))];
	emitted		e;
	kf_error	err;

	memset(&e, 0, sizeof(e));
	kf_flow_meter *m = kf_flow_meter_new(&cfg, kf_addr_from_v4(0x7f000001u), on_flow, &e, &err);

	if (!m)
		abort();
	for (size_t off = 4; size - off >= 10;)
	{
		uint64_t	t = 0;

		for (int i = 0; i < 8; i++)
			t = t << 8 | data[off + i];
		size_t		len = (size_t) data[off + 8] << 8 | data[off + 9];

		off += 10;
		if (len > size - off)
			len = size - off;
		/* a copy of exactly len bytes, so reading past the frame is an ASan error */
		uint8_t    *frame = malloc(len ? len : 1);

		memcpy(frame, data + off, len);
		kf_flow_meter_frame(m, dlt, frame, len, (int64_t) t);
		free(frame);
		off += len;
	}
	kf_flow_meter_flush(m);

	const kf_meter_stats *s = kf_flow_meter_stats(m);
	uint64_t	by_reason = 0,
				by_class = 0,
				class_packets = 0,
				class_bytes = 0;

	for (int i = 0; i < KF_METER_END_COUNT; i++)
		by_reason += s->ended[i];
	for (int i = 0; i < KF_METER_CLASS_COUNT; i++)
	{
		by_class += s->exported[i].flows;
		class_packets += s->exported[i].packets;
		class_bytes += s->exported[i].bytes;
	}
	if (s->active_flows != 0 || e.packets != s->packets || e.bytes != s->bytes || e.flows != by_reason ||
		e.flows != by_class || class_packets != s->packets || class_bytes != s->bytes ||
		s->frames != s->packets + s->not_ip + s->malformed)
		abort();
	kf_flow_meter_free(m);
	return 0;
}
