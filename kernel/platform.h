#pragma once
#include "boot/bootinfo.h"
#include <stdbool.h>

/* The platform layer, in order: ACPI tables, CPU/hypervisor, interrupt
 * controllers, TSC frequency and timers, threads. Each step logs one line
 * at loglevel info. Buses and drivers come after it, by init level
 * (kernel/init.h). */
void platform_init(const struct boot_info *bi, bool acpidump);
