/*
 * truth_writer.h -- the expected answers for the tests: which hosts are reflectors and decoys,
 * and the flow and byte totals (bytes = sum of in_bytes + out_bytes after sampling).
 */
#ifndef FLOWGEN_TRUTH_WRITER_H
#define FLOWGEN_TRUTH_WRITER_H

#include <stdint.h>

#include "tools/flowgen/fg_error.h"
#include "tools/flowgen/traffic_model.h"

/* Writes lines "reflector A.B.C.D", "decoy_smtp_only A.B.C.D", "decoy_gre_only A.B.C.D",
 * "flows N", "bytes N". */
int			write_truth_file(const char *path, const traffic_model *m, uint64_t flows, uint64_t bytes,
							 fg_error *err);

#endif
