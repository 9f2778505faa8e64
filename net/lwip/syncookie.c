/* SYN cookie arithmetic: see syncookie.h. */
#include "net/lwip/syncookie.h"

/* What peers commonly offer: Ethernet (1460), tunnels and PPPoE (1400..
 * 1452), IPv4's minimum (536) and below. */
const uint16_t syncookie_mss[8] = { 216, 536, 1024, 1220, 1300, 1400, 1440, 1460 };

static uint64_t mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    return h ^ (h >> 33);
}

/* Two keyed rounds over the four-tuple and the tick, low 3 bits clear. */
static uint32_t hash(uint64_t secret, uint32_t saddr, uint32_t daddr, uint16_t sport, uint16_t dport,
                     uint64_t tick)
{
    uint64_t h = mix(((uint64_t)saddr << 32 | daddr) ^ secret);
    h = mix(h ^ ((uint64_t)sport << 16 | dport) ^ (tick * 0x9e3779b97f4a7c15ull) ^ (secret << 1));
    return (uint32_t)h & ~7u;
}

uint32_t syncookie_make(uint64_t secret, uint32_t saddr, uint32_t daddr, uint16_t sport, uint16_t dport,
                        uint64_t tick, uint16_t peer_mss)
{
    uint32_t k = 0;
    while (k < 7 && syncookie_mss[k + 1] <= peer_mss)
        k++;
    return hash(secret, saddr, daddr, sport, dport, tick) | k;
}

int syncookie_check(uint64_t secret, uint32_t saddr, uint32_t daddr, uint16_t sport, uint16_t dport,
                    uint64_t tick, uint32_t cookie)
{
    uint32_t h = cookie & ~7u;
    if (h == hash(secret, saddr, daddr, sport, dport, tick) ||
        (tick && h == hash(secret, saddr, daddr, sport, dport, tick - 1)))
        return syncookie_mss[cookie & 7];
    return -1;
}

uint16_t syncookie_peer_mss(const uint8_t *opt, size_t len)
{
    size_t i = 0;
    while (i < len && opt[i] != 0) {            /* 0: end of options */
        if (opt[i] == 1) {                      /* no-operation */
            i++;
            continue;
        }
        if (len - i < 2 || opt[i + 1] < 2 || opt[i + 1] > len - i)
            break;
        if (opt[i] == 2 && opt[i + 1] == 4)     /* maximum segment size */
            return (uint16_t)(opt[i + 2] << 8 | opt[i + 3]);
        i += opt[i + 1];
    }
    return 536;
}
