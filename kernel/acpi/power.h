/* Ending the kernel: QEMU's isa-debug-exit for tests (qemu_exit=PORT). */
#pragma once
#include <stdint.h>

void power_set_qemu_exit(uint16_t port);
/* With qemu_exit= set, these end QEMU with status 33 / 35; else they return. */
void power_exit_success(void);
void power_exit_failure(void);

/* Drivers that must tell the host goodbye before the machine goes away
 * (VMBus sends UNLOAD) register here; acpi_poweroff() and acpi_reboot()
 * run the hooks once, newest first, from the calling thread (which may
 * sleep), before interrupts go off. At most POWER_MAX_HOOKS. */
#define POWER_MAX_HOOKS 4
int power_on_shutdown(void (*fn)(void));
void power_prepare(void);
