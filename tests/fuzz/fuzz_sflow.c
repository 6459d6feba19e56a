/*
 * fuzz_sflow.c -- libFuzzer harness for the sFlow v5 decoder and the packet header decoder it
 * uses: the input goes whole through kf_sflow_v5_decode (as a datagram from a fixed agent), and,
 * after its first byte (which picks the first layer: Ethernet, IPv4, IPv6 or MPLS), through
 * kf_packet_headers_decode as a captured frame prefix.
 *
 * Build (tests/run_all.sh does this): clang -fsanitize=fuzzer,address,undefined -I. with this
 * file, every collector source but kflowd_main.c and the store sources, -llz4 -lpcap -lm.
 * Seeds: tests/fuzz/corpus/sflow/ (UDP payloads of the sFlow test captures and a few frames).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "collector/collector_log.h"
#include "collector/packet_headers.h"
#include "collector/sflow_v5.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t checksum;

/* Reads every field so that a flow built from uninitialised bytes is noticed by the sanitizers. */
static void
consume_flow(void *ctx, kf_addr exporter, const kf_flow *f)
{
	(void) ctx;
	checksum += exporter.lo + (uint64_t) f->ctimestamp + f->src_addr.hi + f->src_addr.lo + f->dst_addr.hi +
		f->dst_addr.lo + f->next_hop.hi + f->next_hop.lo + f->l4_src_port + f->l4_dst_port + f->protocol +
		f->tcp_flags + f->tos + (uint64_t) f->in_bytes + (uint64_t) f->in_pkts + (uint64_t) f->out_bytes +
		(uint64_t) f->out_pkts + f->input_port + f->output_port + f->src_as + f->dst_as + f->vlan_in +
		f->vlan_out + f->sample_rate;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kf_decode_counts counts;
	kf_decode_out out = {kf_addr_from_v4(0xc0000201u), consume_flow, NULL, 0, &counts, 1700000000};

	kf_log_set_quiet(true);
	memset(&counts, 0, sizeof(counts));
	kf_sflow_v5_decode(data, size, &out);
	checksum += counts.flows + counts.decode_errors + counts.counter_samples + counts.non_flow_records;
	if (size < 1)
		return 0;

	static const kf_header_start starts[] = {KF_HEADER_ETHERNET, KF_HEADER_IPV4, KF_HEADER_IPV6, KF_HEADER_MPLS};
	kf_flow		flow;

	memset(&flow, 0, sizeof(flow));
	unsigned	bits = kf_packet_headers_decode(starts[data[0] % 4], data + 1, size - 1, &flow);

	consume_flow(NULL, flow.src_addr, &flow);
	checksum += bits;
	return 0;
}
