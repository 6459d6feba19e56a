/*
 * netflow_v5.h -- decoder for NetFlow version 5 export packets (fixed 24-byte header, 48-byte records).
 */
#ifndef KF_NETFLOW_V5_H
#define KF_NETFLOW_V5_H

#include "collector/flow_decode.h"

#define KF_NFV5_HEADER_LEN 24
#define KF_NFV5_RECORD_LEN 48

/*
 * Decodes one packet and emits its flows.  Returns 0, or -1 (counted as a decode error, nothing
 * emitted) when the packet is not a complete v5 packet: wrong version, or shorter than its
 * header's record count says.
 */
int			kf_netflow_v5_decode(const uint8_t *buf, size_t len, const kf_decode_out *out);

#endif							/* KF_NETFLOW_V5_H */
