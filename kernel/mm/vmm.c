/* Builds and loads the kernel's page tables (replacing boot/entry.S's
 * 4 GiB identity map):
 *   - RAM and ACPI regions from the memory map: identity, RW, NX, with the
 *     largest pages that fit;
 *   - the low 1 MiB (BIOS data, EBDA, VGA text buffer, option ROMs): RW, NX;
 *   - the kernel image at 4 KiB granularity: text R+X, rodata R+NX,
 *     data/bss R+W+NX (CR0.WP is on, so this binds the kernel itself);
 *   - page 0 not present, so NULL dereferences fault;
 *   - the guard page below every registered stack not present, tagged.
 * Everything else (device memory) is mapped on request by vmm_map_mmio.
 * PAT is programmed so that PWT alone selects write-combining. */
#include "kernel/mm/vmm.h"
#include "boot/boot.h"
#include "kernel/arch/cpu.h"
#include "kernel/errno.h"
#include "kernel/console/kprintf.h"
#include "kernel/mm/pmm.h"
#include "kernel/mm/stacks.h"

bool vmm_ready(void);

static struct pt_ctx kpt;
static const struct boot_info *boot;    /* for vmm_map_mmio's RAM check */
static uint64_t phys_limit;             /* 2^MAXPHYADDR */
static bool have_pat;
/* Page 0 stays unmapped (NULL dereferences fault), but the BIOS data area
 * in it (the EBDA pointer at 0x40E, for the ACPI RSDP search) is still
 * readable through vmm_map_phys, from this copy taken at boot. */
static uint8_t page0_copy[4096];

static uint64_t alloc_table(void *arg)
{
    (void)arg;
    /* Until CR3 holds our tables, they are written through entry.S's map
     * of the low 4 GiB. */
    return pmm_alloc(1, 1, PMM_ZERO | (vmm_ready() ? 0 : PMM_BELOW_4G));
}

static void *to_virt(void *arg, uint64_t phys)
{
    (void)arg;
    return (void *)(uintptr_t)phys;    /* identity-mapped */
}

/* IA32_PAT: PA0 WB, PA1 WC, PA2 UC-, PA3 UC, and the same again for 4-7.
 * SDM vol. 3A, 13.12.2 (memory type encodings 06, 01, 07, 00). */
#define PAT_VALUE 0x0007010600070106ull

static int map_aligned(uint64_t base, uint64_t len, unsigned map)
{
    uint64_t lo = base & ~0xFFFull, hi = (base + len + 0xFFF) & ~0xFFFull;
    if (base + len < base || hi <= lo)
        return 0;
    return pt_map(&kpt, lo, lo, hi - lo, map);
}

static int map_image(void)
{
    int err;
    if ((err = map_aligned((uintptr_t)__text_start, __text_end - __text_start, MAP_EXEC)) ||
        (err = map_aligned((uintptr_t)__rodata_start, __rodata_end - __rodata_start, MAP_READ)) ||
        (err = map_aligned((uintptr_t)__data_start, __bss_end - __data_start, MAP_WRITE)))
        return err;
    return 0;
}

static int guard_err;
static void guard_stack(const struct kstack *s)
{
    if (s->guard && !guard_err)
        guard_err = pt_unmap(&kpt, s->guard, 4096, true);
}

static void probe_cpu(void)
{
    uint32_t r[4];
    cpuid(1, 0, r);
    have_pat = (r[3] >> 16) & 1;                    /* CPUID.1:EDX.PAT */
    cpuid(0x80000000, 0, r);
    unsigned bits = 36;                             /* SDM: the default without the leaf */
    if (r[0] >= 0x80000008) {
        cpuid(0x80000008, 0, r);
        bits = r[0] & 0xFF;                         /* MAXPHYADDR */
    }
    phys_limit = bits >= 52 ? 1ull << 52 : 1ull << bits;
}

uint64_t vmm_phys_limit(void)
{
    if (!phys_limit)
        probe_cpu();
    return phys_limit;
}

int vmm_init(const struct boot_info *bi)
{
    uint32_t r[4];
    boot = bi;
    probe_cpu();
    cpuid(0x80000001, 0, r);
    kpt = (struct pt_ctx){ .nx = boot_cpu_nx != 0, .huge_1g = (r[3] >> 26) & 1,
                           .alloc_table = alloc_table, .to_virt = to_virt };
    for (unsigned i = 0; i < sizeof page0_copy; i++)    /* still mapped by entry.S */
        page0_copy[i] = ((volatile const uint8_t *)0)[i];
    kpt.root = alloc_table(NULL);
    if (!kpt.root)
        return -ENOMEM;
    int err = map_aligned(0, 0x100000, MAP_WRITE);
    for (size_t i = 0; i < bi->mmap_count && !err; i++) {
        uint32_t t = bi->mmap[i].type;
        if ((t == MEM_USABLE || t == MEM_ACPI_RECLAIM || t == MEM_ACPI_NVS) &&
            bi->mmap[i].base + bi->mmap[i].len <= phys_limit)
            err = map_aligned(bi->mmap[i].base, bi->mmap[i].len, MAP_WRITE);
    }
    for (size_t i = 0; i < bi->module_count && !err; i++)
        err = map_aligned(bi->modules[i].start, bi->modules[i].end - bi->modules[i].start, MAP_READ);
    if (!err)
        err = map_image();
    if (!err)
        err = pt_unmap(&kpt, 0, 4096, false);
    stack_for_each(guard_stack);
    if (err || guard_err)
        return err ? err : guard_err;
    if (have_pat)
        wrmsr(MSR_PAT, PAT_VALUE);
    else
        pr_warn("cpu: no PAT, framebuffers are mapped uncached\n");
    if (!kpt.nx)
        pr_warn("cpu: no NX, data pages are executable\n");
    write_cr3(kpt.root);
    return 0;
}

/* Device memory is never RAM, ACPI memory or the kernel: a bad BAR or
 * framebuffer address must not remap those. */
static bool overlaps_memory(uint64_t phys, uint64_t len)
{
    if (phys < (uintptr_t)__kernel_end && (uintptr_t)__kernel_start < phys + len)
        return true;
    if (phys < 0x100000 && !(phys >= 0xA0000 && phys + len <= 0x100000))
        return true;                                /* low RAM, but the VGA/ROM window */
    for (size_t i = 0; i < boot->mmap_count; i++) {
        const struct boot_mem_region *m = &boot->mmap[i];
        bool ram = m->type == MEM_USABLE || m->type == MEM_ACPI_RECLAIM || m->type == MEM_ACPI_NVS;
        if (ram && phys < m->base + m->len && m->base < phys + len)
            return true;
    }
    return false;
}

void *vmm_map_mmio(uint64_t phys, uint64_t len, unsigned map)
{
    if (!vmm_ready() || !len || phys + len < phys || phys + len > phys_limit)
        return NULL;
    if (overlaps_memory(phys, len)) {
        pr_warn("vmm: refusing to map device memory 0x%llx+0x%llx over RAM or the kernel\n",
                (unsigned long long)phys, (unsigned long long)len);
        return NULL;
    }
    if (!have_pat && (map & MAP_WC))
        map = (map & ~MAP_WC) | MAP_UC;
    if (map_aligned(phys, len, (map & (MAP_UC | MAP_WC)) | MAP_WRITE) != 0)
        return NULL;
    write_cr3(kpt.root);    /* drop any stale translation */
    return (void *)(uintptr_t)phys;
}

void *vmm_map_phys(uint64_t phys, uint64_t len)
{
    if (!vmm_ready() || !len || phys + len < phys || phys + len > phys_limit)
        return NULL;
    if (phys < 4096)
        return phys + len <= 4096 ? page0_copy + phys : NULL;
    /* Firmware tables live in RAM-typed (already mapped) or reserved
     * memory; map the latter read-only, write-back, never over the kernel. */
    uint64_t size;
    bool mapped = true;
    for (uint64_t a = phys & ~0xFFFull; a < phys + len && mapped; a += 4096)
        mapped = (pt_lookup(&kpt, a, &size) & PTE_P) != 0;
    if (mapped)
        return (void *)(uintptr_t)phys;
    if (phys < (uintptr_t)__kernel_end && (uintptr_t)__kernel_start < phys + len)
        return NULL;
    if (map_aligned(phys, len, MAP_READ) != 0)
        return NULL;
    write_cr3(kpt.root);
    return (void *)(uintptr_t)phys;
}

int vmm_unguard(uintptr_t page)
{
    page &= ~0xFFFull;
    int err = pt_map(&kpt, page, page, 4096, MAP_WRITE);
    invlpg(page);
    return err;
}

int vmm_protect(uintptr_t va, size_t len, unsigned map)
{
    if ((va | len) & 0xFFF)
        return -EINVAL;
    int err = pt_map(&kpt, va, va, len, map);
    for (uintptr_t p = va; p < va + len; p += 4096)
        invlpg(p);
    return err;
}

int vmm_set_guard(uintptr_t page)
{
    int err = pt_unmap(&kpt, page & ~0xFFFull, 4096, true);
    invlpg(page);
    return err;
}

unsigned vmm_table_pages(void) { return kpt.tables + 1; }

bool vmm_ready(void) { return kpt.root && read_cr3() == kpt.root; }

bool vmm_is_guard(uintptr_t va)
{
    uint64_t size;
    return vmm_ready() && (pt_lookup(&kpt, va, &size) & (PTE_P | PTE_GUARD)) == PTE_GUARD;
}
