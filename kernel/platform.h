#pragma once
#include "boot/bootinfo.h"
#include <stdbool.h>

/* The platform layer, in order: ACPI tables, CPU/hypervisor, interrupt
 * controllers, TSC frequency and timers, threads; then (platform_devices)
 * the PCI bus. Each step logs one line at loglevel info. */
void platform_init(const struct boot_info *bi, bool acpidump);
void platform_devices(void);
