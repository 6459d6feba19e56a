/*
 * fuzz_flow_packet.c -- libFuzzer harness for kflowd's packet path: the first input byte picks
 * one of four exporter addresses, the rest goes through kf_flow_decoder_packet exactly as a
 * received datagram would (version dispatch, template learning, data decoding), and also through
 * the pcap reader's link-layer parser.  Template state is kept across inputs so data sets meet
 * templates from earlier inputs; the decoder is replaced every RESET_EVERY inputs, and the template
 * cache's own limits bound memory in between.
 *
 * Build (tests/run_all.sh does this): clang -fsanitize=fuzzer,address,undefined -I. with this
 * file, every collector source but kflowd_main.c and the store sources, -llz4 -lpcap -lm.
 * Seeds: tests/fuzz/corpus/flow_packet/ (one selector byte + a UDP payload from the test captures).
 */
#include <stddef.h>
#include <stdint.h>

#include "collector/collector_log.h"
#include "collector/flow_packet.h"
#include "collector/pcap_reader.h"

#define RESET_EVERY 50000

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t checksum;

/* Reads every field so that a flow built from uninitialised or out-of-bounds bytes is noticed by
 * the sanitizers. */
static void
consume_flow(void *ctx, kf_addr exporter, const kf_flow *f)
{
	(void) ctx;
	checksum += exporter.lo + (uint64_t) f->ctimestamp + f->src_addr.hi + f->src_addr.lo + f->dst_addr.hi +
		f->dst_addr.lo + f->next_hop.lo + f->l4_src_port + f->l4_dst_port + f->protocol + f->tcp_flags +
		f->tos + (uint64_t) f->in_bytes + (uint64_t) f->in_pkts + (uint64_t) f->out_bytes +
		(uint64_t) f->out_pkts + f->input_port + f->output_port + f->src_as + f->dst_as + f->vlan_in +
		f->vlan_out + f->sample_rate;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static kf_flow_decoder *decoder;
	static unsigned runs;

	if (size < 1)
		return 0;
	if (!decoder || ++runs % RESET_EVERY == 0)
	{
		kf_log_set_quiet(true);
		kf_flow_decoder_free(decoder);
		decoder = kf_flow_decoder_new(consume_flow, NULL);
		if (!decoder)
			return 0;
	}
	kf_addr		exporter = kf_addr_from_v4(0xc0000200u + (data[0] & 3));

	kf_flow_decoder_packet(decoder, exporter, data + 1, size - 1, (int64_t) runs);

	static const int link_types[] = {0, 1, 12, 108, 113, 276};
	kf_udp_payload payload;

	if (kf_link_extract_udp(link_types[data[0] % 6], data + 1, size - 1, &payload) == KF_FRAME_UDP)
		checksum += payload.len + (payload.len ? payload.data[payload.len - 1] : 0);
	return 0;
}
