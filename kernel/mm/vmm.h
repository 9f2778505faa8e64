/* The kernel's address space: identity-mapped RAM with per-section
 * protection for the kernel image, page 0 unmapped, guard pages below
 * stacks, and device memory mapped on request. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "boot/bootinfo.h"
#include "kernel/mm/pt.h"

int vmm_init(const struct boot_info *bi);
/* Identity-maps device memory (MAP_UC or MAP_WC, never executable) and
 * returns its address, or NULL. */
void *vmm_map_mmio(uint64_t phys, uint64_t len, unsigned map);
/* Identity-maps firmware memory (ACPI tables) read-only if it is not mapped
 * yet, and returns its address, or NULL. */
void *vmm_map_phys(uint64_t phys, uint64_t len);
/* Unmaps a page below a stack so that running into it faults; vmm_unguard
 * maps it back (RW, NX) when the stack's memory is reused. */
int vmm_set_guard(uintptr_t page);
/* Changes the protection of kernel-owned RAM pages (MAP_* flags), e.g.
 * read-only + executable for a hypervisor's hypercall page. */
int vmm_protect(uintptr_t va, size_t len, unsigned map);
int vmm_unguard(uintptr_t page);
/* 2^MAXPHYADDR: physical addresses must stay below. */
uint64_t vmm_phys_limit(void);
unsigned vmm_table_pages(void);
/* The kernel's page tables are loaded (vmm_map_mmio works). */
bool vmm_ready(void);
/* va lies in a guard page (not present, PTE_GUARD). */
bool vmm_is_guard(uintptr_t va);
