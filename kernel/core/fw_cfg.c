/* QEMU's firmware configuration device (fw_cfg), I/O port interface:
 * QEMU docs/specs/fw_cfg.rst. A 16-bit selector written to port 0x510 picks
 * an item; its bytes are read one at a time from port 0x511. Item 0 is the
 * signature "QEMU"; item 0x19 the file directory: a big-endian u32 count,
 * then 64-byte entries {be32 size, be16 select, u16 reserved, name[56]}.
 *
 * When the device offers DMA (feature bit 1 of item 1), a transfer is one
 * 64-bit write of a descriptor's address to port 0x514 instead of a port
 * read per byte: on a hypervisor each port access is a VM exit, and the
 * file directory alone is over 2 KiB.
 *
 * minnow reads one file, opt/minnow/cmdline, and appends it to the loader's
 * command line, so that tests can pass options to the unmodified ISO:
 *   qemu ... -fw_cfg name=opt/minnow/cmdline,string="selftest=nx" */
#include "kernel/core/fw_cfg.h"
#include "kernel/arch/cpu.h"
#include "kernel/errno.h"
#include "kernel/arch/io.h"
#include "lib/string.h"
#include <stdbool.h>
#include <stdint.h>

#define FW_CFG_PORT_SEL  0x510
#define FW_CFG_PORT_DATA 0x511
#define FW_CFG_PORT_DMA  0x514          /* high 32 bits at 0x514, low at 0x518 */
#define FW_CFG_SIGNATURE 0x0000
#define FW_CFG_ID        0x0001
#define FW_CFG_FILE_DIR  0x0019
#define FW_CFG_FEATURE_DMA (1u << 1)

/* DMA descriptor (all fields big-endian). */
struct fw_cfg_dma {
    uint32_t control;
    uint32_t length;
    uint64_t address;
} __attribute__((packed));
_Static_assert(sizeof(struct fw_cfg_dma) == 16, "FWCfgDmaAccess is 16 bytes");
#define FW_CFG_DMA_ERROR  0x01
#define FW_CFG_DMA_READ   0x02
#define FW_CFG_DMA_SELECT 0x08

static bool use_dma;

static uint32_t bswap32(uint32_t v) { return __builtin_bswap32(v); }

/* Reads n bytes of the current item (after `select`, when select >= 0). */
static int read_item(int select, void *buf, size_t n)
{
    if (!use_dma) {
        if (select >= 0)
            outw(FW_CFG_PORT_SEL, (uint16_t)select);
        for (uint8_t *p = buf; n--;)
            *p++ = inb(FW_CFG_PORT_DATA);
        return 0;
    }
    /* Identity-mapped, so the descriptor's address is its physical one. */
    volatile struct fw_cfg_dma d = {
        .control = bswap32(FW_CFG_DMA_READ | (select >= 0 ? FW_CFG_DMA_SELECT | (uint32_t)select << 16 : 0)),
        .length = bswap32((uint32_t)n),
        .address = __builtin_bswap64((uint64_t)(uintptr_t)buf),
    };
    uint64_t a = (uint64_t)(uintptr_t)&d;
    outl(FW_CFG_PORT_DMA, bswap32((uint32_t)(a >> 32)));
    outl(FW_CFG_PORT_DMA + 4, bswap32((uint32_t)a));   /* this write starts it */
    /* QEMU completes the transfer within the port write; bounded anyway. */
    for (int i = 0; i < 1000000 && (bswap32(d.control) & ~FW_CFG_DMA_ERROR); i++)
        __asm__ volatile("pause" ::: "memory");
    return bswap32(d.control) ? -EIO : 0;
}

static uint32_t be32(const uint8_t *b) { return (uint32_t)b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]; }

/* Only touch the ports under QEMU (TCG or KVM), where the device exists. */
static int on_qemu(void)
{
    uint32_t r[4];
    cpuid(1, 0, r);
    if (!(r[2] & (1u << 31)))
        return 0;
    cpuid(0x40000000, 0, r);
    char v[13];
    memcpy(v, &r[1], 4), memcpy(v + 4, &r[2], 4), memcpy(v + 8, &r[3], 4);
    v[12] = 0;
    if (strcmp(v, "TCGTCGTCGTCG") != 0 && memcmp(v, "KVMKVMKVM", 9) != 0)
        return 0;
    uint8_t sig[4], id[4];
    use_dma = false;
    read_item(FW_CFG_SIGNATURE, sig, 4);
    if (memcmp(sig, "QEMU", 4) != 0)
        return 0;
    read_item(FW_CFG_ID, id, 4);          /* little-endian feature bits */
    use_dma = id[0] & FW_CFG_FEATURE_DMA;
    return 1;
}

int fw_cfg_read_file(const char *name, char *buf, size_t size)
{
    if (!size || !on_qemu())
        return -ENODEV;
    /* The directory: a count, then the entries, read in chunks. */
    struct { uint8_t size[4], select[2], reserved[2]; char name[56]; } dir[16];
    _Static_assert(sizeof dir[0] == 64, "fw_cfg file entries are 64 bytes");
    uint8_t b[4];
    if (read_item(FW_CFG_FILE_DIR, b, 4) != 0)
        return -EIO;
    uint32_t count = be32(b);
    for (uint32_t done = 0; done < count && done < 4096;) {
        uint32_t n = count - done < 16 ? count - done : 16;
        if (read_item(-1, dir, n * sizeof dir[0]) != 0)
            return -EIO;
        done += n;
        for (uint32_t i = 0; i < n; i++) {
            dir[i].name[55] = 0;
            if (strcmp(dir[i].name, name) != 0)
                continue;
            uint32_t len = be32(dir[i].size);
            if (len >= size)
                return -E2BIG;
            if (read_item(dir[i].select[0] << 8 | dir[i].select[1], buf, len) != 0)
                return -EIO;
            buf[len] = 0;
            return (int)len;
        }
    }
    return -ENOENT;
}
