/* The clock: nanoseconds from the TSC (kernel/time/tsc.c knows its frequency),
 * timer events from the LAPIC timer, wall time from the CMOS RTC.
 *
 * Timer events use TSC-deadline mode when the CPU has it (SDM vol. 3A,
 * 11.5.4.1: the interrupt fires when the TSC reaches IA32_TSC_DEADLINE, no
 * conversion, no drift); else the LAPIC timer's one-shot count, whose rate
 * comes from CPUID 0x15's crystal, the hypervisor leaf 0x40000010 (EBX =
 * APIC bus kHz), or a 1 ms measurement against the TSC. A one-shot count
 * that cannot reach a far deadline fires early; the handler then re-arms,
 * so callers only ever see the deadline reached. */
#include "kernel/time/clock.h"
#include "boot/boot.h"
#include "kernel/irq/apic.h"
#include "kernel/arch/cpu.h"
#include "kernel/arch/io.h"
#include "kernel/irq/irq.h"
#include "kernel/console/kprintf.h"
#include "kernel/time/tsc.h"
#include "kernel/errno.h"

static uint64_t ns_mult;        /* ns = ticks * ns_mult >> 32 */
static uint64_t tsc_mult;       /* ticks = ns * tsc_mult >> 32 */
static uint64_t lapic_khz;      /* one-shot mode: LAPIC timer ticks per ms (after divide) */
static uint64_t armed_ns;
static void (*timer_fn)(void);
static uint64_t wall_base_s, wall_base_ns;

uint64_t clock_ns(void)
{
    return (uint64_t)(((unsigned __int128)(rdtsc() - boot_tsc0) * ns_mult) >> 32);
}

static uint64_t ns_to_ticks(uint64_t ns) { return (uint64_t)(((unsigned __int128)ns * tsc_mult) >> 32); }

static void program(uint64_t deadline_ns)
{
    if (lapic_tsc_deadline()) {
        lapic_timer_deadline(boot_tsc0 + ns_to_ticks(deadline_ns));
        return;
    }
    uint64_t now = clock_ns();
    uint64_t delta = deadline_ns > now ? deadline_ns - now : 0;
    if (delta > (1ull << 40))
        delta = 1ull << 40;                 /* ~18 min: fires early and re-arms */
    uint64_t ticks = delta * lapic_khz / 1000000u;
    lapic_timer_oneshot(ticks > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)ticks + 1);
}

void clock_arm(uint64_t deadline_ns)
{
    uint64_t f = irq_save();
    armed_ns = deadline_ns;
    program(deadline_ns);
    irq_restore(f);
}

void clock_set_timer_handler(void (*fn)(void)) { timer_fn = fn; }

static void timer_irq(void *arg)
{
    (void)arg;
    if (clock_ns() < armed_ns) {        /* one-shot count ran out first */
        program(armed_ns);
        return;
    }
    if (timer_fn)
        timer_fn();
}

/* LAPIC timer rate for one-shot mode (divide-by-16 already applied). */
static uint64_t lapic_timer_khz(void)
{
    uint32_t r[4];
    cpuid(0, 0, r);
    if (r[0] >= 0x15) {
        cpuid(0x15, 0, r);
        if (r[2])
            return r[2] / 1000 / 16;             /* core crystal clock, Hz */
    }
    cpuid(1, 0, r);
    if (r[2] & (1u << 31)) {
        cpuid(0x40000000, 0, r);
        if (r[0] >= 0x40000010) {
            cpuid(0x40000010, 0, r);
            if (r[1])
                return r[1] / 16;               /* bus (APIC) kHz */
        }
    }
    /* Measure: 1 ms of TSC against the free-running count. */
    lapic_timer_oneshot(0xFFFFFFFFu);
    uint64_t end = rdtsc() + tsc_khz();
    while (rdtsc() < end)
        __asm__ volatile("pause");
    return 0xFFFFFFFFu - lapic_timer_current();
}

/* CMOS RTC (MC146818): registers 0x00 s, 0x02 min, 0x04 h, 0x07 day,
 * 0x08 month, 0x09 year, 0x0A status A (bit 7: update in progress),
 * 0x0B status B (bit 2: binary, bit 1: 24-hour). */
static uint8_t cmos(uint8_t reg)
{
    outb(0x70, reg);
    return inb(0x71);
}

static unsigned bcd(uint8_t v, bool binary) { return binary ? v : (v >> 4) * 10 + (v & 15); }

static uint64_t days_from_civil(unsigned y, unsigned m, unsigned d)
{
    /* Days since 1970-01-01 (proleptic Gregorian). */
    y -= m <= 2;
    unsigned era = y / 400, yoe = y - era * 400;
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (uint64_t)era * 146097 + doe - 719468;
}

static uint64_t rtc_read(uint8_t century_reg)
{
    for (int i = 0; i < 100000 && (cmos(0x0A) & 0x80); i++)
        ;
    uint8_t b = cmos(0x0B);
    bool bin = b & 4, h24 = b & 2;
    unsigned s = bcd(cmos(0x00), bin), mi = bcd(cmos(0x02), bin);
    uint8_t hr = cmos(0x04);
    unsigned h = bcd(hr & 0x7F, bin), d = bcd(cmos(0x07), bin), mo = bcd(cmos(0x08), bin);
    unsigned y = bcd(cmos(0x09), bin);
    unsigned cent = century_reg ? bcd(cmos(century_reg), bin) : 20;
    if (!h24 && (hr & 0x80))
        h = (h % 12) + 12;
    if (s > 59 || mi > 59 || h > 23 || d < 1 || d > 31 || mo < 1 || mo > 12 || y > 99 || cent < 19 || cent > 99)
        return 0;                           /* no RTC, or garbage: wall time unknown */
    y += cent * 100;
    return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

static uint8_t rtc_century;
static bool rtc_present;

uint64_t clock_rtc_now(void) { return rtc_present ? rtc_read(rtc_century) : 0; }

int clock_init(bool have_rtc, uint8_t century_reg)
{
    uint64_t khz = tsc_khz();
    if (!khz)
        return -ENODEV;
    ns_mult = (1000000ull << 32) / khz;
    tsc_mult = (khz << 32) / 1000000u;
    irq_register(IRQ_VECTOR_TIMER, timer_irq, NULL, "lapic-timer");
    if (!lapic_tsc_deadline())
        lapic_khz = lapic_timer_khz();
    rtc_century = century_reg;
    rtc_present = have_rtc;
    if (have_rtc)
        clock_set_wall(rtc_read(century_reg));
    return 0;
}

const char *clock_timer_mode(void) { return lapic_tsc_deadline() ? "TSC-deadline" : "LAPIC one-shot"; }

void clock_set_wall(uint64_t unix_seconds)
{
    wall_base_s = unix_seconds;
    wall_base_ns = clock_ns();
}

uint64_t clock_wall_s(void)
{
    return wall_base_s ? wall_base_s + (clock_ns() - wall_base_ns) / 1000000000u : 0;
}
