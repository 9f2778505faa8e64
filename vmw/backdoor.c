/* The VMware backdoor: an I/O port through which a guest asks the
 * hypervisor questions (version, TSC rate, memory size, BIOS UUID...).
 *
 * Protocol (open-vm-tools lib/include/backdoor_def.h; QEMU hw/i386/vmport.c
 * for what QEMU answers): EAX = 'VMXh' magic, ECX = command, EBX = an
 * argument, DX = port 0x5658, then `in eax, dx`; the answer comes back in
 * EAX, EBX, ECX, EDX. GETVERSION answers EBX = the magic: that is how a
 * guest knows the port is there.
 *
 * When to touch the port: an `in` from an unknown port is harmless on a
 * PC, but on bare metal or under another hypervisor port 0x5658 may belong
 * to a real device, and reading it may have effects. So minnow asks only
 * when CPUID says it runs under a hypervisor (leaf 1, ECX bit 31) whose
 * signature (leaf 0x40000000) is VMware's "VMwareVMware", or QEMU's TCG or
 * KVM, where QEMU's vmport device answers on pc and q35 unless
 * "-machine vmport=off". A port that is not there reads 0xFFFFFFFF and
 * never echoes the magic: then minnow says so and moves on.
 *
 * What it uses: GETHZ (the TSC rate) as a TSC source, so the boot skips
 * its calibration when the hypervisor tells the rate (VMware; QEMU only
 * under KVM with a known TSC rate: under TCG it answers "unsupported");
 * GETMEMSIZE and GETUUID for the log line and the `vmware` command.
 * NOTE: GETMEMSIZE answers in MiB on VMware but in bytes (truncated to 32
 * bits) on QEMU (vmport.c vmport_cmd_ram_size). */
#include <stdbool.h>
#include <stdint.h>
#include "kernel/arch/cpuinfo.h"
#include "kernel/console/kprintf.h"
#include "lib/fmt.h"
#include "kernel/init.h"
#include "kernel/shell/shell.h"
#include "kernel/time/tsc.h"
#include "lib/string.h"

#define BDOOR_MAGIC         0x564D5868u     /* 'VMXh' */
#define BDOOR_PORT          0x5658u
#define BDOOR_CMD_GETVERSION 10u
#define BDOOR_CMD_GETUUID   19u
#define BDOOR_CMD_GETMEMSIZE 20u
#define BDOOR_CMD_GETHZ     45u
#define BDOOR_NONE          0xFFFFFFFFu     /* no device, or command unsupported */
#define BDOOR_TSC_PRIO      90              /* below CPUID 0x40000010, VMware's own leaf */

enum { BD_UNKNOWN, BD_ABSENT, BD_PRESENT };

static struct {
    int state;
    bool vmware;                    /* CPUID says VMware (else QEMU's vmport) */
    bool asked;                     /* the platform may have it: the port was read */
    uint32_t version, type, mem, uuid[4];
    uint64_t hz;
} bd;

/* One backdoor call: regs in/out as EAX, EBX, ECX, EDX. */
static void bdoor(uint32_t cmd, uint32_t r[4])
{
    uint32_t si = 0, di = 0;
    __asm__ volatile("inl %%dx, %%eax"
                     : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]), "+S"(si), "+D"(di)
                     : "a"(BDOOR_MAGIC), "b"(~0u), "c"(cmd), "d"(BDOOR_PORT)
                     : "memory");
}

/* May the port be touched? The hypervisor's CPUID signature decides
 * (kernel/arch/cpuinfo.c read it before the TSC is set up). */
static bool bd_platform_may_have_it(void)
{
    bd.vmware = cpu.hv == HV_VMWARE;
    return bd.vmware || cpu.hv == HV_TCG || cpu.hv == HV_KVM;
}

/* Detects the backdoor once and reads what minnow uses. */
static bool bd_detect(void)
{
    if (bd.state != BD_UNKNOWN)
        return bd.state == BD_PRESENT;
    bd.state = BD_ABSENT;
    if (!bd_platform_may_have_it())
        return false;
    bd.asked = true;
    uint32_t r[4];
    bdoor(BDOOR_CMD_GETVERSION, r);
    if (r[1] != BDOOR_MAGIC || r[0] == BDOOR_NONE)
        return false;
    bd.state = BD_PRESENT;
    bd.version = r[0], bd.type = r[2];
    bdoor(BDOOR_CMD_GETMEMSIZE, r);
    bd.mem = r[0] == BDOOR_NONE ? 0 : r[0];
    bdoor(BDOOR_CMD_GETUUID, r);
    if (r[0] != BDOOR_NONE)
        memcpy(bd.uuid, r, sizeof bd.uuid);
    bdoor(BDOOR_CMD_GETHZ, r);
    /* EBX all ones: "unsupported" (QEMU under TCG); EAX:EBX is the rate. */
    uint64_t hz = (uint64_t)r[1] << 32 | r[0];
    if (r[1] != BDOOR_NONE && hz >= 1000000 && hz < (1ull << 44))
        bd.hz = hz;
    return true;
}

static uint64_t bd_tsc_khz(const char **how)
{
    *how = "VMware backdoor GETHZ";
    return bd_detect() ? bd.hz / 1000 : 0;
}
TSC_SOURCE(vmware_backdoor, bd_tsc_khz, BDOOR_TSC_PRIO);

/* One summary, for the boot log and the `vmware` command. */
static void bd_print(void)
{
    if (!bd_detect()) {
        kprintf("vmware: no backdoor under %s\n", cpuinfo_hv_name(cpu.hv));
        return;
    }
    /* The UUID as SMBIOS shows it: 16 bytes in order, dashes after 4, 6, 8, 10. */
    const uint8_t *u = (const uint8_t *)bd.uuid;
    char id[37], tsc[24] = "rate unknown", *p = id;
    for (int i = 0; i < 16; i++) {
        *p++ = "0123456789abcdef"[u[i] >> 4];
        *p++ = "0123456789abcdef"[u[i] & 15];
        if (0x2A8 >> i & 1)
            *p++ = '-';
    }
    *p = 0;
    if (bd.hz)
        fmt_snprintf(tsc, sizeof tsc, "%llu kHz", (unsigned long long)(bd.hz / 1000));
    uint64_t mib = bd.vmware ? bd.mem : bd.mem >> 20;
    kprintf("vmware: backdoor version %u type %u (%s), memory %llu MiB%s, uuid %s, tsc %s\n", bd.version,
            bd.type, bd.vmware ? "VMware" : "QEMU vmport", (unsigned long long)mib,
            bd.vmware ? "" : " (mod 4 GiB)", id, tsc);
}

/* Logged once the platform is up, only where the port was read (boot
 * output stays short elsewhere). */
static void bd_init(void)
{
    if (bd_detect() || bd.asked)
        bd_print();
}
INIT_HOOK(vmware, bd_init, INIT_BUS);

static int cmd_vmware(int argc, char **argv)
{
    (void)argc, (void)argv;
    bd_print();
    return 0;
}
SHELL_COMMAND(vmware, "VMware backdoor: version, memory size, BIOS UUID, TSC rate", cmd_vmware);
