/* DHCPDISCOVER builder and DHCPOFFER parser; see tests/selftest/dhcp_probe.h. */
#include "tests/selftest/dhcp_probe.h"
#include "kernel/errno.h"
#include "lib/fmt.h"
#ifdef HOSTED
#include <string.h>
#else
#include "lib/string.h"
#endif

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t get32(const uint8_t *p) { return (uint32_t)get16(p) << 16 | get16(p + 2); }

uint16_t inet_checksum(const void *data, size_t len)
{
    const uint8_t *p = data;
    uint32_t sum = 0;
    for (; len > 1; len -= 2, p += 2)
        sum += get16(p);
    if (len)
        sum += (uint32_t)p[0] << 8;
    while (sum >> 16)
        sum = (sum & 0xFFFF) + (sum >> 16);
    return (uint16_t)~sum;
}

size_t dhcp_build_discover(uint8_t *buf, size_t cap, const uint8_t mac[6], uint32_t xid)
{
    if (cap < DHCP_PROBE_FRAME_LEN)
        return 0;
    memset(buf, 0, DHCP_PROBE_FRAME_LEN);
    /* Ethernet: broadcast, from us, IPv4. */
    memset(buf, 0xFF, 6);
    memcpy(buf + 6, mac, 6);
    put16(buf + DHCP_ETH_TYPE_OFF, 0x0800);
    /* IPv4: 0.0.0.0 -> 255.255.255.255, UDP, TTL 64, no fragments. */
    uint8_t *ip = buf + DHCP_IP_OFF;
    size_t ip_len = DHCP_PROBE_FRAME_LEN - DHCP_IP_OFF;
    ip[0] = 0x45;
    put16(ip + 2, (uint16_t)ip_len);
    put16(ip + 4, (uint16_t)xid);       /* identification: any value */
    ip[8] = 64;
    ip[9] = 17;
    put32(ip + 16, 0xFFFFFFFFu);
    put16(ip + 10, inet_checksum(ip, DHCP_IP_HLEN));
    /* UDP 68 -> 67; checksum 0 = none (allowed over IPv4, RFC 768). */
    uint8_t *udp = buf + DHCP_UDP_OFF;
    put16(udp, DHCP_PORT_CLIENT);
    put16(udp + 2, DHCP_PORT_SERVER);
    put16(udp + 4, (uint16_t)(DHCP_PROBE_FRAME_LEN - DHCP_UDP_OFF));
    /* BOOTP request; ask for a broadcast reply (we have no address yet). */
    uint8_t *b = buf + DHCP_BOOTP_OFF;
    b[BOOTP_OP] = BOOTP_OP_REQUEST;
    b[BOOTP_HTYPE] = 1;
    b[BOOTP_HLEN] = 6;
    put32(b + BOOTP_XID, xid);
    put16(b + BOOTP_FLAGS, 0x8000);
    memcpy(b + BOOTP_CHADDR, mac, 6);
    put32(b + BOOTP_FIXED_LEN, BOOTP_MAGIC);
    uint8_t *o = b + BOOTP_FIXED_LEN + 4;
    *o++ = DHCP_OPT_MSG_TYPE, *o++ = 1, *o++ = DHCP_DISCOVER;
    *o++ = DHCP_OPT_PARAMS, *o++ = 3, *o++ = 1, *o++ = 3, *o++ = 6;  /* mask, router, DNS */
    *o = DHCP_OPT_END;                  /* the rest stays 0 (pad) */
    return DHCP_PROBE_FRAME_LEN;
}

/* Walks the options in [p, end); fills the message type and server id. */
static int dhcp_options(const uint8_t *p, const uint8_t *end, int *type, uint32_t *server)
{
    while (p < end) {
        uint8_t code = *p++;
        if (code == DHCP_OPT_PAD)
            continue;
        if (code == DHCP_OPT_END)
            return 0;
        if (p >= end || *p > end - p - 1)
            return -EINVAL;             /* the length byte or the value runs off */
        uint8_t olen = *p++;
        if (code == DHCP_OPT_MSG_TYPE && olen == 1)
            *type = p[0];
        else if (code == DHCP_OPT_SERVER_ID && olen == 4)
            *server = get32(p);
        p += olen;
    }
    return 0;                           /* no END: tolerated, all was in bounds */
}

int dhcp_parse_offer(const uint8_t *f, size_t len, uint32_t xid, struct dhcp_offer *out)
{
    if (len < DHCP_IP_OFF + DHCP_IP_HLEN || get16(f + DHCP_ETH_TYPE_OFF) != 0x0800)
        return -ENOENT;
    const uint8_t *ip = f + DHCP_IP_OFF;
    size_t ihl = (size_t)(ip[0] & 0x0F) * 4, ip_len = get16(ip + 2);
    if ((ip[0] >> 4) != 4 || ihl < DHCP_IP_HLEN || ip_len < ihl || ip_len > len - DHCP_IP_OFF)
        return -EINVAL;
    if (inet_checksum(ip, ihl) != 0)
        return -EINVAL;
    if (ip[9] != 17 || (get16(ip + 6) & 0x3FFF))   /* not UDP, or a fragment */
        return -ENOENT;
    const uint8_t *udp = ip + ihl;
    size_t udp_len = ip_len - ihl;
    if (udp_len < 8)
        return -EINVAL;
    if (get16(udp) != DHCP_PORT_SERVER || get16(udp + 2) != DHCP_PORT_CLIENT)
        return -ENOENT;
    if (get16(udp + 4) < 8 || get16(udp + 4) > udp_len)
        return -EINVAL;
    udp_len = get16(udp + 4);
    const uint8_t *b = udp + 8;
    size_t blen = udp_len - 8;
    if (blen < BOOTP_FIXED_LEN + 4)
        return -EINVAL;
    if (b[BOOTP_OP] != BOOTP_OP_REPLY || get32(b + BOOTP_XID) != xid)
        return -ENOENT;
    if (get32(b + BOOTP_FIXED_LEN) != BOOTP_MAGIC)
        return -EINVAL;
    int type = -1;
    uint32_t server = 0;
    if (dhcp_options(b + BOOTP_FIXED_LEN + 4, b + blen, &type, &server) != 0)
        return -EINVAL;
    if (type != DHCP_OFFER)
        return -ENOENT;
    out->yiaddr = get32(b + BOOTP_YIADDR);
    out->server_id = server;
    return 0;
}

void dhcp_format_ip(uint32_t ip, char *buf, size_t size)
{
    fmt_snprintf(buf, size, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xFF, (ip >> 8) & 0xFF,
                 ip & 0xFF);
}
