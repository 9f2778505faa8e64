/* The driver side of net/netdev.h for hosted hv/ NIC tests
 * (tests/hvsim/guest_netdev.c): records what a driver hands the stack. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "net/netdev.h"

#define GND_KEEP 64

struct gnd_frame {
    size_t len;
    unsigned csum;
    uint8_t data[9232];
};

struct guest_netdev {
    struct netdev *nd;              /* registered, or NULL */
    unsigned registers, unregisters;
    uint64_t rx;                    /* frames given to netdev_rx */
    struct gnd_frame *kept;         /* GND_KEEP, ring by rx % GND_KEEP */
    unsigned link_events;
    bool link_log[256];             /* up/down of each link change */
};
extern struct guest_netdev gnd;

void guest_netdev_reset(void);
const struct gnd_frame *guest_netdev_frame(uint64_t i);     /* the i-th received (if kept) */
/* Sends one contiguous frame as the stack would, with checksum requests
 * for IPv4 (and TCP) when the device offers them. */
int guest_netdev_xmit(const void *frame, size_t len);
