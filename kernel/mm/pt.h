/* x86-64 4-level page tables: the pure builder used by kernel/mm/vmm.c and by
 * the host tests. Intel SDM vol. 3A, 4.5 "4-Level Paging", tables 4-15..4-20
 * for the entry formats. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

/* Entry bits. */
#define PTE_P     (1ull << 0)    /* present */
#define PTE_W     (1ull << 1)    /* writable */
#define PTE_PWT   (1ull << 3)    /* with PCD: PAT index (we program PA1 = WC) */
#define PTE_PCD   (1ull << 4)
#define PTE_A     (1ull << 5)
#define PTE_D     (1ull << 6)
#define PTE_PS    (1ull << 7)    /* 2 MiB / 1 GiB page (in a PDE / PDPTE) */
#define PTE_G     (1ull << 8)
#define PTE_GUARD (1ull << 9)    /* software bit: a not-present stack guard page */
#define PTE_NX    (1ull << 63)
#define PTE_ADDR  0x000FFFFFFFFFF000ull

/* What a mapping allows, independent of the entry level. */
enum {
    MAP_READ  = 0,          /* always readable */
    MAP_WRITE = 1 << 0,
    MAP_EXEC  = 1 << 1,
    MAP_WC    = 1 << 2,     /* write-combining (framebuffers) */
    MAP_UC    = 1 << 3,     /* uncached (device registers) */
};

struct pt_ctx {
    uint64_t root;                          /* physical address of the PML4 */
    bool nx;                                /* EFER.NXE is on: NX may be set */
    bool huge_1g;                           /* CPU has 1 GiB pages */
    uint64_t (*alloc_table)(void *arg);     /* a zeroed 4 KiB page, 0 on failure */
    void *(*to_virt)(void *arg, uint64_t phys);
    void *arg;
    unsigned tables;                        /* tables allocated so far */
};

/* Maps [va, va+len) to [pa, pa+len) with `map` (MAP_*), using the largest
 * pages that fit, splitting larger pages already there. va, pa and len must
 * be 4 KiB aligned. Returns 0, -EINVAL or -ENOMEM. */
int pt_map(struct pt_ctx *pt, uint64_t va, uint64_t pa, uint64_t len, unsigned map);

/* Makes [va, va+len) not present (tables below stay, emptied: never
 * freed). With guard set, the 4 KiB entries keep PTE_GUARD, which the page
 * fault handler checks (vmm_is_guard) to report a stack overflow. */
int pt_unmap(struct pt_ctx *pt, uint64_t va, uint64_t len, bool guard);

/* Walks to the entry mapping va. Returns the entry (0 when a table on the
 * way is missing) and the page size it maps in *size (0 when not mapped). */
uint64_t pt_lookup(const struct pt_ctx *pt, uint64_t va, uint64_t *size);
