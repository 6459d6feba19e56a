/*
 * fuzz_sflow_counters.c -- libFuzzer harness for the sFlow v5 counter sample decoder
 * (kf_sflow_v5_decode_counters): the input goes whole through it as a datagram from a fixed
 * agent, and every field of every emitted row is read so that a row built from bytes outside the
 * datagram or from uninitialised memory is noticed by the sanitizers.
 *
 * Build: as fuzz_sflow.c (tests/run_all.sh).  Seeds: tests/fuzz/corpus/sflow_counters/ (the UDP
 * payloads of gopacket_sflow.pcap frames with counter samples: 1, 3, 9, 10, 11, 12, 13).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collector/sflow_v5.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t checksum;

static void
consume_row(void *ctx, kf_addr exporter, const kf_counter_row *r)
{
	(void) ctx;
	checksum += exporter.lo + (uint64_t) r->ctimestamp + r->if_index + r->if_type + r->if_speed +
		r->if_direction + r->if_status + r->in_octets + r->in_ucast_pkts + r->in_mcast_pkts +
		r->in_bcast_pkts + r->in_discards + r->in_errors + r->in_unknown_protos + r->out_octets +
		r->out_ucast_pkts + r->out_mcast_pkts + r->out_bcast_pkts + r->out_discards + r->out_errors +
		r->promiscuous;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kf_counter_decode_counts counts;
	kf_counter_decode_out out = {kf_addr_from_v4(0xc0000201u), 1700000000, consume_row, NULL, &counts};
	/* a heap copy of exactly size bytes, so that any read past the datagram is caught */
	uint8_t    *copy = malloc(size ? size : 1);

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	memset(&counts, 0, sizeof(counts));
	kf_sflow_v5_decode_counters(copy, size, &out);
	checksum += counts.interface_records + counts.decode_errors;
	free(copy);
	return 0;
}
