/* What boot/entry.S leaves for kmain. */
#pragma once
#include <stdint.h>

extern uint64_t boot_tsc0;        /* TSC at the kernel's first instruction */
extern uint32_t boot_magic;       /* loader magic (EAX), or PVH_START_MAGIC */
extern uint32_t boot_info_phys;   /* loader structure (EBX) */
extern uint32_t boot_cpu_nx;      /* CPUID says NX is available (EFER.NXE set) */

extern char boot_stack_guard[], boot_stack_bottom[], boot_stack_top[];
extern char boot_pml4[];

/* Linker-script symbols (linker.ld). */
extern char __kernel_start[], __kernel_end[];
extern char __text_start[], __text_end[];
extern char __rodata_start[], __rodata_end[];
extern char __data_start[], __data_end[];
extern char __bss_start[], __bss_end[];

void kmain(void) __attribute__((noreturn));
