/* SYN cookies (RFC 4987 3.6): the pure arithmetic of net/lwip/tcp_guard.c,
 * apart from lwIP's headers so that the host unit tests can run it
 * (tests/unit/test_syncookie.c).
 *
 * A cookie is the sequence number of a SYN-ACK sent without keeping any
 * state: the top 29 bits a keyed hash of the four-tuple and a clock tick
 * (64 s), the low 3 bits an index into syncookie_mss[], the largest entry
 * not above the MSS the peer offered. The peer's ACK returns cookie + 1;
 * a cookie of this tick or the one before is accepted. Addresses and ports
 * are taken as they are on the wire (network order), from the SYN's side:
 * saddr/sport the peer's. */
#pragma once
#include <stddef.h>
#include <stdint.h>

#define SYNCOOKIE_TICK_NS (64ull * 1000000000ull)

extern const uint16_t syncookie_mss[8];

uint32_t syncookie_make(uint64_t secret, uint32_t saddr, uint32_t daddr, uint16_t sport, uint16_t dport,
                        uint64_t tick, uint16_t peer_mss);
/* The MSS a returned cookie encodes, or -1 when it is not ours (of this
 * tick or the one before). */
int syncookie_check(uint64_t secret, uint32_t saddr, uint32_t daddr, uint16_t sport, uint16_t dport,
                    uint64_t tick, uint32_t cookie);
/* The MSS option (RFC 9293 3.7.1) among a SYN's options: 536 when there is
 * none or the options are malformed. */
uint16_t syncookie_peer_mss(const uint8_t *opt, size_t len);
