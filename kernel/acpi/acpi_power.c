/* ACPI power off (S5) and reset, from what kernel/acpi/acpi.c parsed.
 *
 * Power off (ACPI 6.5 16.1.7 "Transitioning from the Working to the Soft
 * Off State", with \_S5's SLP_TYPa/b from the DSDT, 7.4.2):
 *   - hardware-reduced platforms (QEMU microvm): write SLP_TYPa << 2 |
 *     SLP_EN to the FADT Sleep Control register (4.8.3.7), a GAS in
 *     system memory or I/O space;
 *   - otherwise (PIIX4 on -M pc, ICH9 on -M q35): enter ACPI mode first if
 *     the firmware left the machine in legacy mode (SCI_EN clear: write
 *     ACPI_ENABLE to SMI_CMD: 5.2.9, 4.8.3.2), then write SLP_TYPx << 10
 *     and then SLP_EN to PM1a_CNT (and SLP_TYPb to PM1b_CNT).
 * Reset: the FADT reset register (4.8.3.6) when RESET_REG_SUP says it is
 * valid, then the PIIX/ICH reset control register at port 0xCF9 (QEMU
 * hw/isa/piix.c, hw/isa/lpc_ich9.c: a write with bit 2 set resets), then the
 * 8042's pulse-reset command 0xFE, then a triple fault. The reset register
 * is 8 bits wide whatever its GAS says (4.8.3.6; ACPICA's acpi_reset()
 * also ignores the width for I/O space). Linux tries the same mechanisms (arch/x86/kernel/reboot.c).
 *
 * Try it under QEMU: `-M pc`, `-M q35` or `-M microvm,acpi=on` with
 * `-no-reboot`: power off ends QEMU, and so does a reset. */
#include "kernel/acpi/acpi.h"
#include "kernel/acpi/power.h"

#include "kernel/acpi/acpi_reg.h"
#include "kernel/arch/cpu.h"
#include "kernel/errno.h"
#include "kernel/arch/io.h"
#include "kernel/console/kprintf.h"
#include "kernel/time/tsc.h"
#include "kernel/mm/vmm.h"

#define PORT_RST_CNT      0xCF9     /* PIIX/ICH reset control */
#define RST_CNT_SYS_RST   0x02      /* full (not CPU-only) reset */
#define RST_CNT_RST_CPU   0x04      /* 0 -> 1 starts the reset */
#define PORT_KBC_STATUS   0x64      /* 8042 status (read) / command (write) */
#define KBC_STATUS_IBF    0x02      /* input buffer full: not ready for a command */
#define KBC_CMD_RESET     0xFE      /* pulse the CPU reset line */
#define SCI_EN_WAIT_MS    1000      /* ACPI mode switch; ACPICA allows 3 s */
#define ATTEMPT_WAIT_MS   100       /* for a reset or power off to take effect */

/* A register the kernel can reach: an I/O port or a mapped MMIO address. */
struct reg {
    bool ok;
    bool io;
    uint16_t port;
    volatile void *mmio;
    unsigned width;             /* bytes: 1, 2, 4 */
    unsigned shift;             /* GAS bit offset */
};

static struct {
    bool ready;
    bool hw_reduced;
    bool has_s5;
    uint8_t typa, typb;
    struct reg sleep_ctl, pm1a, pm1b, reset;
    uint8_t reset_value;
    uint32_t smi_cmd;
    uint8_t acpi_enable;
} pw;

/* Access width: the GAS access size when given, else the bit width, else
 * the register's architectural width. */
static unsigned gas_width(const struct acpi_gas *g, unsigned dflt)
{
    switch (g->access_size) {
    case ACPI_GAS_ACCESS_BYTE:  return 1;
    case ACPI_GAS_ACCESS_WORD:  return 2;
    case ACPI_GAS_ACCESS_DWORD: return 4;
    default: break;             /* QWORD: no such register here */
    }
    if (g->bit_width == 8 || g->bit_width == 16 || g->bit_width == 32)
        return g->bit_width / 8;
    return dflt;
}

static struct reg reg_from_gas(const struct acpi_gas *g, unsigned dflt, const char *name)
{
    struct reg r = { .width = gas_width(g, dflt), .shift = g->bit_offset };

    if (!g->addr || r.shift >= 8 * r.width)
        return r;
    if (g->space == ACPI_GAS_SPACE_IO && g->addr + r.width <= 0x10000) {
        r.io = true;
        r.port = (uint16_t)g->addr;
        r.ok = true;
    } else if (g->space == ACPI_GAS_SPACE_MEMORY) {
        /* vmm_map_mmio refuses RAM and the kernel: a bad address from the
         * firmware cannot make us write over memory. */
        r.mmio = vmm_map_mmio(g->addr, r.width, MAP_UC);
        r.ok = r.mmio != NULL;
    }
    if (!r.ok)
        pr_warn("acpi: %s register (space %u, 0x%llx) not usable\n", name, g->space,
                (unsigned long long)g->addr);
    return r;
}

static struct reg reg_port(uint32_t port, unsigned width)
{
    struct reg r = { .io = true, .port = (uint16_t)port, .width = width };
    r.ok = port && port + width <= 0x10000;
    return r;
}

static uint32_t reg_read(const struct reg *r)
{
    uint32_t v;

    if (r->io)
        v = r->width == 1 ? inb(r->port) : r->width == 2 ? inw(r->port) : inl(r->port);
    else
        v = r->width == 1 ? *(volatile uint8_t *)r->mmio
          : r->width == 2 ? *(volatile uint16_t *)r->mmio : *(volatile uint32_t *)r->mmio;
    return v >> r->shift;
}

static void reg_write(const struct reg *r, uint32_t v)
{
    v <<= r->shift;
    if (r->io) {
        if (r->width == 1)
            outb(r->port, (uint8_t)v);
        else if (r->width == 2)
            outw(r->port, (uint16_t)v);
        else
            outl(r->port, v);
    } else if (r->width == 1) {
        *(volatile uint8_t *)r->mmio = (uint8_t)v;
    } else if (r->width == 2) {
        *(volatile uint16_t *)r->mmio = (uint16_t)v;
    } else {
        *(volatile uint32_t *)r->mmio = v;
    }
}

/* Busy-waits about ms milliseconds: by the TSC once calibrated, else by
 * port 0x80 reads (~1 us each on hardware, longer under a hypervisor). */
static void spin_ms(unsigned ms)
{
    uint64_t khz = tsc_khz();
    if (khz) {
        uint64_t end = rdtsc() + khz * ms;
        while (rdtsc() < end)
            __asm__ volatile("pause");
        return;
    }
    for (unsigned long i = 0; i < 1000ul * ms; i++)
        (void)inb(0x80);
}

void acpi_power_init(const struct acpi_info *a)
{
    pw.ready = true;
    pw.hw_reduced = a->hw_reduced;
    pw.has_s5 = a->has_s5;
    pw.typa = a->s5_typa;
    pw.typb = a->s5_typb;
    if (a->hw_reduced && a->sleep_ctl.addr)
        pw.sleep_ctl = reg_from_gas(&a->sleep_ctl, 1, "sleep control");
    /* 5.2.9: the X_ block, when non-zero, supersedes the 32-bit port. PM1
     * control registers are 16 bits (PM1_CNT_LEN is 2 per register). */
    if (a->x_pm1a_cnt.addr)
        pw.pm1a = reg_from_gas(&a->x_pm1a_cnt, 2, "PM1a control");
    else
        pw.pm1a = reg_port(a->pm1a_cnt, 2);
    if (a->x_pm1b_cnt.addr)
        pw.pm1b = reg_from_gas(&a->x_pm1b_cnt, 2, "PM1b control");
    else
        pw.pm1b = reg_port(a->pm1b_cnt, 2);
    if ((a->fadt_flags & ACPI_FADT_F_RESET_REG_SUP) && a->reset_reg.addr) {
        struct acpi_gas g = a->reset_reg;
        g.access_size = ACPI_GAS_ACCESS_BYTE;       /* 4.8.3.6: always 8 bits */
        g.bit_offset = 0;
        pw.reset = reg_from_gas(&g, 1, "reset");
    }
    pw.reset_value = a->reset_value;
    pw.smi_cmd = a->smi_cmd;
    pw.acpi_enable = a->acpi_enable;
}

/* Legacy platforms boot in SMM-owned "legacy mode"; SLP_EN is honoured only
 * in ACPI mode (SCI_EN set). */
static void enter_acpi_mode(void)
{
    if (reg_read(&pw.pm1a) & ACPI_PM1_CNT_SCI_EN)
        return;
    if (!pw.smi_cmd || !pw.acpi_enable || pw.smi_cmd > 0xFFFF)
        return;                 /* no way to switch: try anyway */
    outb((uint16_t)pw.smi_cmd, pw.acpi_enable);
    for (unsigned ms = 0; ms < SCI_EN_WAIT_MS; ms++) {
        if (reg_read(&pw.pm1a) & ACPI_PM1_CNT_SCI_EN)
            return;
        spin_ms(1);
    }
    pr_warn("acpi: SCI_EN still clear after writing 0x%x to SMI_CMD 0x%x\n", pw.acpi_enable, pw.smi_cmd);
}

/* Write SLP_TYP first, then SLP_EN with it, keeping the other bits (as
 * ACPICA does: the PM1 control registers hold SCI_EN and reserved bits). */
static void pm1_sleep(void)
{
    uint32_t a = reg_read(&pw.pm1a) & ~(ACPI_PM1_CNT_SLP_TYP_MASK | ACPI_PM1_CNT_SLP_EN);
    uint32_t b = pw.pm1b.ok ? reg_read(&pw.pm1b) & ~(ACPI_PM1_CNT_SLP_TYP_MASK | ACPI_PM1_CNT_SLP_EN) : 0;

    a |= ((uint32_t)pw.typa << ACPI_PM1_CNT_SLP_TYP_SHIFT) & ACPI_PM1_CNT_SLP_TYP_MASK;
    b |= ((uint32_t)pw.typb << ACPI_PM1_CNT_SLP_TYP_SHIFT) & ACPI_PM1_CNT_SLP_TYP_MASK;
    reg_write(&pw.pm1a, a);
    if (pw.pm1b.ok)
        reg_write(&pw.pm1b, b);
    reg_write(&pw.pm1a, a | ACPI_PM1_CNT_SLP_EN);
    if (pw.pm1b.ok)
        reg_write(&pw.pm1b, b | ACPI_PM1_CNT_SLP_EN);
}

int acpi_poweroff(void)
{
    if (!pw.ready || !pw.has_s5)
        return -ENODEV;
    if (pw.hw_reduced ? !pw.sleep_ctl.ok : !pw.pm1a.ok)
        return -ENODEV;
    power_prepare();
    __asm__ volatile("cli");
    if (pw.hw_reduced) {
        uint32_t v = ((uint32_t)pw.typa << ACPI_SLEEP_CTL_SLP_TYP_SHIFT) & ACPI_SLEEP_CTL_SLP_TYP_MASK;
        reg_write(&pw.sleep_ctl, v | ACPI_SLEEP_CTL_SLP_EN);
    } else {
        enter_acpi_mode();
        pm1_sleep();
    }
    /* The hypervisor may act only after this vCPU exits; give it time. */
    spin_ms(ATTEMPT_WAIT_MS);
    return -EIO;
}

static void kbc_reset(void)
{
    for (int i = 0; i < 10000 && (inb(PORT_KBC_STATUS) & KBC_STATUS_IBF); i++)
        (void)inb(0x80);
    outb(PORT_KBC_STATUS, KBC_CMD_RESET);
}

void acpi_reboot(void)
{
    power_prepare();
    __asm__ volatile("cli");
    if (pw.ready && pw.reset.ok) {
        reg_write(&pw.reset, pw.reset_value);
        spin_ms(ATTEMPT_WAIT_MS);
    }
    outb(PORT_RST_CNT, RST_CNT_SYS_RST);
    outb(PORT_RST_CNT, RST_CNT_SYS_RST | RST_CNT_RST_CPU);
    spin_ms(ATTEMPT_WAIT_MS);
    kbc_reset();
    spin_ms(ATTEMPT_WAIT_MS);
    /* Last resort: with an empty IDT the breakpoint cannot be delivered,
     * nor the #GP/#DF that follow: the CPU shuts down (triple fault), which
     * resets the machine (SDM vol. 3A 6.15, interrupt 8). */
    struct __attribute__((packed)) { uint16_t limit; uint64_t base; } idtr = { 0, 0 };
    __asm__ volatile("lidt %0; int3" ::"m"(idtr));
    cpu_halt_forever();
}
