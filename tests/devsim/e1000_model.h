/* A register-level model of two Intel gigabit controllers, for the hosted
 * driver tests: the 82540EM (8254x family) and the 82574L.
 *
 * Written from Intel's documents, not from another emulator: the "PCI/
 * PCI-X Family of Gigabit Ethernet Controllers Software Developer's Manual"
 * (8254x SDM) chapter 13 (registers), 3.2 (receive descriptors), 3.3
 * (transmit: legacy, context and data descriptors, 3.3.5-3.3.6 checksum
 * offload), chapter 14 (initialization, reset) and 5.6 (EEPROM map); the
 * "82574 GbE Controller Datasheet" 10.2 (its EERD layout, ICR in MSI-X
 * mode, IVAR) and 7.4 (interrupts). Register offsets and descriptor layouts
 * are shared with the driver (net/e1000_reg.h, the wire format); what the
 * device does with them is modelled here.
 *
 * What it models: CTRL.RST (self-clearing after E1000M_RESET_NS of the
 * hosted clock, register defaults restored), STATUS (link, speed, duplex),
 * EERD reads of a 64-word EEPROM in each part's layout, ICR read-to-clear
 * (write-1-to-clear; not cleared by a read in the 82574's MSI-X mode), ICS,
 * IMS/IMC, link-status-change interrupts, IVAR routing of MSI-X causes,
 * RCTL/TCTL, the receive and transmit rings (legacy receive descriptors,
 * legacy/context/data transmit descriptors), RXCSUM verification, transmit
 * checksum insertion, MPC. Not modelled: filtering (every frame is
 * accepted), flow control, statistics beyond MPC, TSO, extended receive
 * descriptors, interrupt throttling and delays.
 *
 * A test injects frames (e1000m_rx_inject), collects transmitted ones
 * (m->tx[]), flaps the link (e1000m_set_link), and can make the device
 * misbehave: the knobs in struct e1000m_faults, and e1000m_rx_scribble,
 * which writes a receive descriptor the device does not own. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "tests/devsim/devhost.h"

enum e1000m_kind { E1000M_82540EM, E1000M_82574L };

#define E1000M_BAR0_SIZE   0x20000u     /* 128 KiB register window */
#define E1000M_RESET_NS    1000u        /* CTRL.RST self-clears after ~1 us */
#define E1000M_FRAME_MAX   16384u       /* longest frame the model assembles */
#define E1000M_TX_KEEP     1024u        /* transmitted frames kept for the test */

struct e1000m_frame {
    uint8_t data[2048];
    uint16_t len;
};

/* Ways to misbehave; all false/0 is a well-behaved device. */
struct e1000m_faults {
    bool reset_stuck;       /* CTRL.RST never clears */
    bool eerd_stuck;        /* EERD never reports DONE */
    bool icr_sticky;        /* reading ICR does not clear it (an interrupt storm on INTx) */
    bool tx_hold;           /* TDT writes queue frames; e1000m_tx_run sends them */
};

struct e1000m {
    struct devhost_dev dev;
    enum e1000m_kind kind;
    struct e1000m_faults faults;
    uint32_t *regs;                 /* plain storage for registers without behaviour */
    uint16_t eeprom[64];
    bool ral_loaded;                /* reset loads RAL0/RAH0 from the EEPROM (QEMU does) */

    bool link_up;
    unsigned speed_mbps;
    uint32_t icr, ims;
    unsigned irq_mode;              /* DEVIO_IRQ_* the driver set up */
    uint64_t rst_done_ns;           /* when CTRL.RST clears; 0: not resetting */
    unsigned resets;
    uint32_t mpc;                   /* missed packets, clear on read */

    /* Transmit: the context in force and the frame being assembled. */
    struct e1000m_ctx {
        uint8_t ipcss, ipcso, tucss, tucso;
        uint16_t ipcse, tucse;
        bool valid;
    } ctx;
    uint8_t *txbuf;                 /* E1000M_FRAME_MAX */
    size_t txlen;
    uint8_t popts;                  /* of the frame's first data descriptor */
    bool tx_in_frame, tx_oversize;

    struct e1000m_frame *tx;        /* E1000M_TX_KEEP frames sent, in order */
    unsigned tx_count;
    unsigned tx_lost;               /* frames sent with the link down */
    unsigned tx_ctx_descs;          /* context descriptors processed */
    unsigned tx_bad_ctx;            /* checksum requests the context could not serve */
    unsigned rx_count;              /* frames written to the ring */
    unsigned msix_unrouted;         /* MSI-X causes with no valid IVAR entry */
};

/* A model with MAC `mac` in EEPROM words 0-2, the link up at 1000 Mb/s,
 * attached to the hosted backend at 00:<slot>.0. */
struct e1000m *e1000m_new(enum e1000m_kind kind, const uint8_t mac[6], uint8_t slot);
void e1000m_free(struct e1000m *m);

/* The cable: STATUS.LU/speed change and, when it changed, ICR.LSC. */
void e1000m_set_link(struct e1000m *m, bool up, unsigned speed_mbps);
/* Sets interrupt causes as the device would (ICS does the same). */
void e1000m_cause(struct e1000m *m, uint32_t icr_bits);

/* Receiving. opts may be NULL; otherwise it overrides what the device
 * reports in the last descriptor of the frame. */
struct e1000m_rx_opts {
    bool set_status;        /* report `status` and `errors` instead of the computed ones */
    uint8_t status, errors;
    bool set_len;           /* report `len` (the copy is still what fits the buffer) */
    uint16_t len;
};
/* 0: written to the ring (interrupt raised); -ENOSPC: no free descriptor
 * (ICR.RXO, MPC counted); -EAGAIN: receiver off or link down. */
int e1000m_rx_inject(struct e1000m *m, const void *frame, size_t len,
                     const struct e1000m_rx_opts *opts);
/* Writes status/errors/length into receive descriptor `idx` whoever owns
 * it: a device writing where it must not. */
void e1000m_rx_scribble(struct e1000m *m, unsigned idx, uint8_t status, uint8_t errors,
                        uint16_t len);

/* Transmit descriptors up to TDT (at most `max`, 0: all) when tx_hold is
 * set; returns how many were processed. */
unsigned e1000m_tx_run(struct e1000m *m, unsigned max);

/* A register as the device holds it, without side effects (for checks). */
uint32_t e1000m_reg(const struct e1000m *m, uint32_t off);
