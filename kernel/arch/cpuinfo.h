/* What CPU and hypervisor minnow runs on (CPUID), for the boot log, the
 * shell's `cpu` command, and drivers that need to know (hv/ on Hyper-V). */
#pragma once
#include <stdbool.h>

enum hypervisor { HV_NONE, HV_HYPERV, HV_VMWARE, HV_KVM, HV_TCG, HV_XEN, HV_OTHER };

struct cpu_info {
    char vendor[13];
    char brand[49];
    char hv_signature[13];      /* CPUID 0x40000000 EBX:ECX:EDX */
    enum hypervisor hv;
    unsigned family, model, stepping;
    bool nx, x2apic, tsc_deadline, invariant_tsc, huge_1g, hypervisor_bit;
};

extern struct cpu_info cpu;
void cpuinfo_init(void);
const char *cpuinfo_hv_name(enum hypervisor hv);
