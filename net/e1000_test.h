/* Test hooks into net/e1000.c, for the hosted tests in tests/devsim/
 * (test_e1000_hosted.c), which run the driver against a device model
 * through kernel/dev/devio.h. Compiled into every build; the kernel links
 * none of them in (--gc-sections drops them). */
#pragma once
#include <stdbool.h>
#include <stdint.h>

struct netdev;
struct pci_dev;

/* The driver's probe, as the PCI core calls it: 0 or a negative errno.
 * On success pd->priv is the driver's state and the netdev is registered. */
int e1000_test_probe(struct pci_dev *pd);

/* One wakeup of the driver thread "e1000-ethN": when the interrupt
 * handler has signalled work, does what the thread does for it
 * (e1000_service) and returns true; false when there was nothing to do. */
bool e1000_test_service(struct netdev *nd);

/* Internal state, for checks the netdev API cannot show. */
struct e1000_test_state {
    uint64_t irqs, irqs_empty;      /* handler calls, those with ICR 0 */
    uint64_t rx_fragments;          /* multi-descriptor frames dropped */
    unsigned rx_next;               /* next rx descriptor the driver looks at */
    unsigned tx_clean, tx_tail;     /* tx ring: oldest in flight, next to fill */
    unsigned tx_ctx_hlen;           /* IP header length of the loaded context, 0: none */
    bool msix;
    const char *irq_mode;           /* "msi-x", "msi", "intx" */
    unsigned rx_ring, tx_ring, buf_size;    /* descriptors per ring, bytes per buffer */
};
void e1000_test_state(struct netdev *nd, struct e1000_test_state *st);

/* Tests only: silences the device of a probed pd and frees the driver's
 * DMA memory and state (the kernel never unbinds a driver). */
void e1000_test_release(struct pci_dev *pd);
