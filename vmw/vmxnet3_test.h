/* Test hooks into vmw/vmxnet3.c, for the hosted tests in tests/devsim/
 * (test_vmxnet3_*.c), which run the driver against a register and ring
 * model through kernel/dev/devio.h. Compiled into every build; the kernel
 * links none of them in (--gc-sections drops them). */
#pragma once
#include <stdbool.h>
#include <stdint.h>

struct netdev;
struct pci_dev;

/* The driver's probe, as the PCI core calls it: 0 or a negative errno. */
int vmxnet3_test_probe(struct pci_dev *pd);
/* One wakeup of the driver thread, when the interrupt handler signalled
 * work: true; false when there was nothing to do. */
bool vmxnet3_test_service(struct netdev *nd);
/* Completions the driver refused (bad generation turn, ring, index, type). */
uint64_t vmxnet3_test_bad_completions(struct netdev *nd);
/* Stops the device and frees the driver's state (no netdev_unregister). */
void vmxnet3_test_release(struct pci_dev *pd);
