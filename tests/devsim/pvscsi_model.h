/* A register-level model of VMware's PVSCSI adapter for hosted tests of
 * vmw/pvscsi.c, after QEMU's hw/scsi/vmw_pvscsi.c: the command register
 * (ADAPTER_RESET, SETUP_RINGS, SETUP_MSG_RING, ABORT_CMD, RESET_BUS), the
 * rings in guest memory, INTR_STATUS/INTR_MASK, MSI or INTx, and behind it
 * up to 64 single-LUN disks answering REPORT LUNS, INQUIRY, TEST UNIT READY,
 * READ CAPACITY(10), READ/WRITE(10), SYNCHRONIZE CACHE(10). Requests are
 * carried out when the driver kicks. Knobs make it hostile. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "tests/devsim/devhost.h"

#define PVM_TARGETS 64
#define PVM_SECTORS 2048                /* each disk: 1 MiB of 512-byte sectors */

struct pvm_disk {
    bool present;
    uint8_t *data;                      /* PVM_SECTORS * 512 */
};

struct pvm {
    struct devhost_dev dev;
    uint32_t cmd, status, ndata, data[528 / 4];    /* the longest descriptor: SETUP_RINGS */
    uint32_t intr_status, intr_mask;
    uint64_t rs, req[32], cmp[32], msg[16];     /* bus addresses */
    unsigned req_pages, cmp_pages, msg_pages;
    bool rings, msgs;
    uint32_t req_cons, cmp_prod, msg_prod;      /* the device's own counters */
    struct pvm_disk disk[PVM_TARGETS];
    uint64_t held[32];                  /* contexts of requests not answered (hold) */
    unsigned nheld;
    /* Knobs. */
    bool no_msg_ring;                   /* SETUP_MSG_RING fails */
    bool fail_setup;                    /* SETUP_RINGS fails */
    bool hold;                          /* keep READ/WRITEs unanswered */
    uint64_t bogus_context;             /* next completion carries this context */
    uint32_t cmp_jump;                  /* next cmp_prod moves this much further */
    /* Counters. */
    unsigned kicks, requests, aborts, bus_resets, adapter_resets;
};

struct pvm *pvm_new(uint8_t slot, unsigned irq_modes);
void pvm_free(struct pvm *m);
void pvm_add_disk(struct pvm *m, unsigned target);
/* A disk comes or goes, with a message on the ring (when it is set up). */
void pvm_hotplug(struct pvm *m, unsigned target, bool added);
/* A message of any type, for hostile tests. */
void pvm_message(struct pvm *m, uint32_t type, uint32_t target);
/* Answers the held requests (with ABORTQUEUE when aborted is set). */
void pvm_release(struct pvm *m);
