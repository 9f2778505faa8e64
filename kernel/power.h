/* Ending the kernel: QEMU's isa-debug-exit for tests (qemu_exit=PORT). */
#pragma once
#include <stdint.h>

void power_set_qemu_exit(uint16_t port);
/* With qemu_exit= set, these end QEMU with status 33 / 35; else they return. */
void power_exit_success(void);
void power_exit_failure(void);
