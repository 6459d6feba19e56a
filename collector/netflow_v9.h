/*
 * netflow_v9.h -- decoder for NetFlow version 9 export packets (RFC 3954).
 */
#ifndef KF_NETFLOW_V9_H
#define KF_NETFLOW_V9_H

#include "collector/flow_decode.h"
#include "collector/template_cache.h"

#define KF_NFV9_HEADER_LEN 20

/*
 * Decodes one packet: learns its templates and options templates into tc, emits the flows of its
 * data flowsets.  A flowset that does not fit the packet ends decoding of that packet (counted).
 * Returns 0 when the header was valid, -1 (counted, nothing decoded) otherwise.
 */
int			kf_netflow_v9_decode(kf_template_cache *tc, const uint8_t *buf, size_t len,
								 const kf_decode_out *out);

#endif							/* KF_NETFLOW_V9_H */
