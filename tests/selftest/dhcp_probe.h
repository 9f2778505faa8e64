/* A hand-built DHCPDISCOVER and a strict DHCPOFFER parser, for testing a
 * NIC before a network stack exists (selftest=net). Pure code: built into
 * the kernel and into the host tests.
 *
 * Frame layout (RFC 894 Ethernet, RFC 791 IPv4, RFC 768 UDP, RFC 951 /
 * RFC 2131 BOOTP/DHCP, options RFC 2132): 14 + 20 + 8 + 236 + 4 (magic
 * cookie) + 308 bytes of options = 590 bytes, i.e. the 576-byte IP
 * datagram every DHCP server accepts. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DHCP_PROBE_FRAME_LEN 590

/* Offsets inside the frame (Ethernet header included). */
#define DHCP_ETH_TYPE_OFF   12
#define DHCP_IP_OFF         14
#define DHCP_IP_HLEN        20      /* we send no IP options */
#define DHCP_UDP_OFF        (DHCP_IP_OFF + DHCP_IP_HLEN)
#define DHCP_BOOTP_OFF      (DHCP_UDP_OFF + 8)

/* Inside the BOOTP message (RFC 951 / RFC 2131 2). */
#define BOOTP_OP            0       /* 1 request, 2 reply */
#define BOOTP_HTYPE         1       /* 1: Ethernet */
#define BOOTP_HLEN          2       /* 6 */
#define BOOTP_XID           4
#define BOOTP_FLAGS         10      /* bit 15: broadcast the reply */
#define BOOTP_YIADDR        16
#define BOOTP_CHADDR        28
#define BOOTP_FIXED_LEN     236     /* up to the end of `file` */
#define BOOTP_MAGIC         0x63825363u
#define BOOTP_OP_REQUEST    1
#define BOOTP_OP_REPLY      2

#define DHCP_OPT_PAD        0
#define DHCP_OPT_MSG_TYPE   53
#define DHCP_OPT_SERVER_ID  54
#define DHCP_OPT_PARAMS     55
#define DHCP_OPT_END        255
#define DHCP_DISCOVER       1
#define DHCP_OFFER          2

#define DHCP_PORT_SERVER    67
#define DHCP_PORT_CLIENT    68

/* The Internet checksum (RFC 1071) of len bytes: the one's complement of
 * the one's complement sum of 16-bit big-endian words. */
uint16_t inet_checksum(const void *data, size_t len);

/* Builds a broadcast DHCPDISCOVER from `mac` with transaction id `xid`
 * into buf. Returns the frame length, or 0 when cap is too small. */
size_t dhcp_build_discover(uint8_t *buf, size_t cap, const uint8_t mac[6], uint32_t xid);

struct dhcp_offer {
    uint32_t yiaddr;        /* host byte order: 10.0.2.15 is 0x0a00020f */
    uint32_t server_id;     /* option 54; 0 when absent */
};

/* Checks that frame is an IPv4/UDP 67->68 BOOTP reply for xid carrying a
 * DHCPOFFER, with every length and offset validated against len (the
 * frame came from the network), and the IPv4 header checksum correct.
 * 0 and *out filled, or -EINVAL (malformed) / -ENOENT (not our offer). */
int dhcp_parse_offer(const uint8_t *frame, size_t len, uint32_t xid, struct dhcp_offer *out);

/* "10.0.2.15" into buf (at least 16 bytes). */
void dhcp_format_ip(uint32_t ip, char *buf, size_t size);
