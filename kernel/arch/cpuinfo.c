/* CPU and hypervisor detection. CPUID.1:ECX bit 31 says a hypervisor is
 * present; leaf 0x40000000 then names it (the vendor signature in
 * EBX:ECX:EDX): "Microsoft Hv" (Hyper-V, TLFS 2.4), "VMwareVMware",
 * "KVMKVMKVM\0\0\0", "TCGTCGTCGTCG" (QEMU without acceleration),
 * "XenVMMXenVMM". Intel SDM vol. 2A, CPUID. */
#include "kernel/arch/cpuinfo.h"
#include "kernel/arch/cpu.h"
#include "lib/string.h"
#include <stdint.h>

struct cpu_info cpu;

static void regs_to_str(char *dst, const uint32_t *r, int n)
{
    memcpy(dst, r, (size_t)n * 4);
    dst[n * 4] = 0;
}

static const struct { const char *sig; enum hypervisor hv; } known[] = {
    { "Microsoft Hv", HV_HYPERV }, { "VMwareVMware", HV_VMWARE }, { "KVMKVMKVM", HV_KVM },
    { "TCGTCGTCGTCG", HV_TCG }, { "XenVMMXenVMM", HV_XEN },
};

const char *cpuinfo_hv_name(enum hypervisor hv)
{
    static const char names[][9] = { "none", "Hyper-V", "VMware", "KVM", "QEMU TCG", "Xen", "other" };
    return names[hv];
}

void cpuinfo_init(void)
{
    uint32_t r[4], max, ext;
    cpuid(0, 0, r);
    max = r[0];
    uint32_t v[3] = { r[1], r[3], r[2] };           /* EBX, EDX, ECX */
    regs_to_str(cpu.vendor, v, 3);
    cpuid(1, 0, r);
    cpu.family = ((r[0] >> 8) & 0xF) + ((r[0] >> 20) & 0xFF);
    cpu.model = ((r[0] >> 4) & 0xF) | ((r[0] >> 12) & 0xF0);
    cpu.stepping = r[0] & 0xF;
    cpu.x2apic = (r[2] >> 21) & 1;
    cpu.tsc_deadline = (r[2] >> 24) & 1;
    cpu.hypervisor_bit = (r[2] >> 31) & 1;
    cpuid(0x80000000, 0, r);
    ext = r[0];
    if (ext >= 0x80000001) {
        cpuid(0x80000001, 0, r);
        cpu.nx = (r[3] >> 20) & 1;
        cpu.huge_1g = (r[3] >> 26) & 1;
    }
    if (ext >= 0x80000004) {
        uint32_t b[12];
        for (int i = 0; i < 3; i++)
            cpuid(0x80000002 + i, 0, &b[i * 4]);
        regs_to_str(cpu.brand, b, 12);
    }
    if (ext >= 0x80000007) {
        cpuid(0x80000007, 0, r);
        cpu.invariant_tsc = (r[3] >> 8) & 1;
    }
    (void)max;
    cpu.hv = HV_NONE;
    if (!cpu.hypervisor_bit)
        return;
    cpuid(0x40000000, 0, r);
    uint32_t s[3] = { r[1], r[2], r[3] };
    regs_to_str(cpu.hv_signature, s, 3);
    cpu.hv = HV_OTHER;
    for (unsigned i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strncmp(cpu.hv_signature, known[i].sig, 12) == 0)
            cpu.hv = known[i].hv;
}
