/* QEMU's firmware configuration device (fw_cfg), I/O port interface:
 * QEMU docs/specs/fw_cfg.rst. A 16-bit selector written to port 0x510 picks
 * an item; its bytes are read one at a time from port 0x511. Item 0 is the
 * signature "QEMU"; item 0x19 the file directory: a big-endian u32 count,
 * then 64-byte entries {be32 size, be16 select, u16 reserved, name[56]}.
 *
 * minnow reads one file, opt/minnow/cmdline, and appends it to the loader's
 * command line, so that tests can pass options to the unmodified ISO:
 *   qemu ... -fw_cfg name=opt/minnow/cmdline,string="selftest=nx" */
#include "kernel/fw_cfg.h"
#include "kernel/cpu.h"
#include "kernel/errno.h"
#include "kernel/io.h"
#include "lib/string.h"
#include <stdint.h>

#define FW_CFG_PORT_SEL  0x510
#define FW_CFG_PORT_DATA 0x511
#define FW_CFG_SIGNATURE 0x0000
#define FW_CFG_FILE_DIR  0x0019

static void read_bytes(void *buf, size_t n)
{
    uint8_t *p = buf;
    while (n--)
        *p++ = inb(FW_CFG_PORT_DATA);
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
    outw(FW_CFG_PORT_SEL, FW_CFG_SIGNATURE);
    uint8_t sig[4];
    read_bytes(sig, 4);
    return memcmp(sig, "QEMU", 4) == 0;
}

int fw_cfg_read_file(const char *name, char *buf, size_t size)
{
    if (!size || !on_qemu())
        return -ENODEV;
    outw(FW_CFG_PORT_SEL, FW_CFG_FILE_DIR);
    uint8_t b[4];
    read_bytes(b, 4);
    uint32_t count = be32(b);
    for (uint32_t i = 0; i < count && i < 4096; i++) {
        struct { uint8_t size[4], select[2], reserved[2]; char name[56]; } e;
        read_bytes(&e, sizeof e);
        e.name[55] = 0;
        if (strcmp(e.name, name) != 0)
            continue;
        uint32_t len = be32(e.size);
        if (len >= size)
            return -E2BIG;
        outw(FW_CFG_PORT_SEL, (uint16_t)(e.select[0] << 8 | e.select[1]));
        read_bytes(buf, len);
        buf[len] = 0;
        return (int)len;
    }
    return -ENOENT;
}
