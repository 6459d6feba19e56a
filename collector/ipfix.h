/*
 * ipfix.h -- decoder for IPFIX messages (RFC 7011), export protocol version 10.
 */
#ifndef KF_IPFIX_H
#define KF_IPFIX_H

#include "collector/flow_decode.h"
#include "collector/template_cache.h"

#define KF_IPFIX_HEADER_LEN 16

/*
 * Decodes one message: learns (and withdraws) templates and options templates into tc, emits the
 * flows of its data sets.  Returns 0 when the message header was valid, -1 (counted, nothing
 * decoded) when it is not an IPFIX message or the buffer is shorter than the message length.
 */
int			kf_ipfix_decode(kf_template_cache *tc, const uint8_t *buf, size_t len, const kf_decode_out *out);

#endif							/* KF_IPFIX_H */
