/* Shared pieces of the hosted e1000 tests (test_e1000_hosted.c,
 * test_e1000_hostile.c): a model with the driver probed on it, a pump that
 * plays interrupts and the driver thread, and frame builders. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "tests/devsim/e1000_model.h"
#include "tests/devsim/host.h"

extern const uint8_t fx_mac[6];    /* in the model's EEPROM */

struct fx {
    struct e1000m *m;
    struct netdev *nd;              /* after a successful probe */
    int probe;                      /* what the probe returned */
};

/* A fresh model of `kind` at 00:02.0 (not probed: set faults first). */
void fx_model(struct fx *f, enum e1000m_kind kind);
/* Probes the driver on it; 0 or the probe's error. */
int fx_probe(struct fx *f);
/* fx_model + fx_probe, requiring success. */
bool fx_up(struct fx *f, enum e1000m_kind kind);
/* Delivers interrupts and runs the driver thread's work until both are
 * idle, at most `max` rounds; returns the rounds that did something. */
unsigned fx_pump_n(struct fx *f, unsigned max);
static inline unsigned fx_pump(struct fx *f) { return fx_pump_n(f, 10000); }
/* Releases the driver and the model; checks that no heap block and no DMA
 * allocation is left and that the device never did DMA out of bounds. */
void fx_end(struct fx *f);

/* Frames. fx_frame: to fx_mac from a fixed source, EtherType 0x88B5
 * (IEEE local experimental), payload bytes from `seq`. */
size_t fx_frame(uint8_t *buf, size_t len, unsigned seq);
/* IPv4 (header of ip_hlen bytes) + TCP or UDP with `payload` bytes, both
 * checksums correct; returns the frame length. */
size_t fx_ip_frame(uint8_t *buf, unsigned ip_hlen, uint8_t proto, size_t payload, unsigned seq);
/* RFC 1071 sum of the IPv4 header / the L4 checksum over the pseudo
 * header: 0xFFFF when correct (independent of driver and model). */
uint16_t fx_ip_sum(const uint8_t *frame);
uint16_t fx_l4_sum(const uint8_t *frame);
/* Rewrites both checksums of an IPv4 frame to be correct. */
void fx_ip_fix(uint8_t *frame);
