#pragma once
#include <stdbool.h>
struct ip4_addr;
struct netif;
/* Whether src (network order) may not be the source of a packet received
 * on inp, a NIC's netif: 0/8, 127/8, 224/4, 240/4, 255.255.255.255 and
 * inp's subnet broadcast address (net/lwip/ip4_src.c). */
bool ip4_src_invalid(const struct ip4_addr *src, const struct netif *inp);
