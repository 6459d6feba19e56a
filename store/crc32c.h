/*
 * crc32c.h -- CRC32C (Castagnoli), the checksum of every stored chunk, footer and header.
 */
#ifndef KF_CRC32C_H
#define KF_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Returns the CRC32C of len bytes (initial value ~0, final xor ~0: crc32c("123456789") = 0xe3069283). */
uint32_t	kf_crc32c(const void *data, size_t len);

#endif							/* KF_CRC32C_H */
