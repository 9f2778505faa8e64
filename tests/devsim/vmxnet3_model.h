/* A register and ring model of VMware's vmxnet3 (revision 1), for the
 * hosted tests of vmw/vmxnet3.c (tests/devsim/test_vmxnet3_*.c).
 *
 * Written from the interface as Linux's drivers/net/vmxnet3/vmxnet3_defs.h
 * defines it and QEMU's hw/net/vmxnet3.c behaves (the wire format is
 * vmw/vmxnet3_reg.h, shared with the driver): the VRRS/UVRS handshake,
 * DSAL/DSAH, the commands (ACTIVATE_DEV reads the shared area and the
 * queue descriptors, GET_LINK, GET_PERM_MAC_*), interrupts per vector as
 * intrConf and the queues' intrIdx route them (rx completions, tx
 * completions, events; everything on vector 0 without MSI-X; an index out
 * of range fails ACTIVATE_DEV where QEMU aborts), IMR masks with
 * auto-mask, ICR for INTx, ECR events, TXPROD (the tx ring walked by generation bit,
 * checksum insertion for om=CSUM, one completion per frame), and frames
 * received into ring 1 with a completion each. Not modelled: ring 2
 * (body buffers), RSS, VLAN stripping, LRO, TSO, statistics.
 *
 * A test injects frames (vmx3m_rx_inject), reads what was sent (m->tx[]),
 * flaps the link (vmx3m_set_link), and plays a hostile device with
 * vmx3m_rx_forge / vmx3m_tx_forge, which write completion entries with
 * whatever fields and generation bit the test chooses. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "tests/devsim/devhost.h"

#define VMX3M_TX_KEEP 512
#define VMX3M_VECS    DEVHOST_MSIX  /* MSI-X entries modelled (QEMU has 25) */

struct vmx3m_frame {
    uint8_t data[2048];
    uint16_t len;
    uint32_t w2, w3;                /* the frame's first descriptor */
};

struct vmx3m {
    struct devhost_dev dev;
    uint8_t mac[6];
    uint32_t revs, upts;            /* what VRRS/UVRS offer */
    uint32_t rev_chosen, upt_chosen;
    bool fail_activate;             /* ACTIVATE_DEV reads back 1 */
    bool link_up;

    uint32_t dsal;
    uint64_t shared_pa;
    uint32_t last_cmd;
    bool active;
    unsigned resets, rx_mode_updates, mac_filter_updates;
    uint32_t rx_mode, mtu;
    uint8_t auto_mask, num_intrs;
    uint8_t rx_intr, tx_intr, ev_intr;  /* vectors, as the driver configured them */
    uint8_t mod_levels[VMX3M_VECS];
    unsigned bad_intr_conf;         /* activations refused for their intrConf */
    uint64_t tx_pa, txc_pa, rx_pa, rxc_pa;
    uint32_t tx_size, txc_size, rx_size, rxc_size, rx2_size;
    unsigned tx_next, tx_gen, txc_next, txc_gen, rx_next, rx_gen, rxc_next, rxc_gen;

    unsigned irq_mode;
    bool masked[VMX3M_VECS], pending[VMX3M_VECS], asserted;
    unsigned irqs_raised, raised[VMX3M_VECS];   /* in all, per vector */

    struct vmx3m_frame *tx;         /* VMX3M_TX_KEEP frames sent */
    unsigned tx_count, tx_csum;
    unsigned rx_count, rx_no_buf;
};

struct vmx3m *vmx3m_new(const uint8_t mac[6], uint8_t slot, unsigned irq_modes);
void vmx3m_free(struct vmx3m *m);

/* Link state; a change sets ECR.LINK and interrupts, as QEMU does. */
void vmx3m_set_link(struct vmx3m *m, bool up);
/* Sets event bits in the shared area's ecr and interrupts. */
void vmx3m_event(struct vmx3m *m, uint32_t ecr);
/* One frame into ring 1: 0, -ENOSPC (no buffer or completion slot),
 * -EAGAIN (inactive or link down). rcd_w3 ORs checksum bits into the
 * completion (0: "not calculated"). */
int vmx3m_rx_inject(struct vmx3m *m, const void *frame, size_t len, uint32_t rcd_w3);
/* Writes rx completion entry `at` (the model's next entry when at < 0)
 * with the given words; the generation bit is `gen`. consume: the model
 * also takes its next ring-1 buffer and copies `len` bytes of pattern in
 * (capped at the buffer). Then interrupts. */
void vmx3m_rx_forge(struct vmx3m *m, int at, uint32_t w0, uint32_t w2, uint32_t w3, unsigned gen,
                    bool consume);
/* The same for the tx completion ring (txdIdx in w0). */
void vmx3m_tx_forge(struct vmx3m *m, int at, uint32_t w0, unsigned gen);
/* The shared area as the driver filled it (NULL before DSAH). */
void *vmx3m_shared(struct vmx3m *m);
