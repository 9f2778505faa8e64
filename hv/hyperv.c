/* Hyper-V enlightenments: detection, hypercalls and the synthetic interrupt
 * controller (SynIC) that VMBus runs on.
 *
 * What this is: Hyper-V exposes a paravirtual interface next to the
 * emulated PC. A guest finds it through CPUID leaves 0x40000000+, registers
 * itself (guest OS ID MSR), asks for a hypercall page (the hypervisor
 * overlays a page of guest memory with a `vmcall; ret` stub), and enables
 * the SynIC: a message page with one 256-byte slot per synthetic interrupt
 * source (SINT) and an event-flags page with 2048 bits per SINT. The host
 * talks to the guest by writing a message into a slot (or setting a flag)
 * and raising the SINT's vector; the guest talks to the host with the
 * HvPostMessage and HvSignalEvent hypercalls. VMBus (vmbus.c) uses SINT 2.
 *
 * Spec: Hyper-V TLFS 6.0 (learn.microsoft.com/virtualization/hyper-v-on-
 * windows/tlfs): "Feature and Interface Discovery", "Hypercall Interface",
 * "Virtual Interrupt Controller"; Linux arch/x86/include/asm/hyperv-tlfs.h,
 * include/asm-generic/hyperv-tlfs.h and include/asm-generic/mshyperv.h;
 * FreeBSD sys/dev/hyperv/vmbus/hyperv.c; openvmm vm/hv1/hvdef/src/lib.rs
 * and vm/hv1/hv1_emulator/src/{hv,synic}.rs (the host side).
 *
 * Run it: only a Hyper-V VM (Gen1 or Gen2) has this interface. In this
 * tree, `make test-hv` runs it against tests/hvsim/, a strict model of the
 * host side; on QEMU/VMware hv_detect() returns false and nothing here
 * touches an MSR.
 *
 * Everything hardware-specific goes through hv_platform.h. */
#include "hv/hyperv.h"
#include "hv/hv_platform.h"
#include "hv/vmbus_reg.h"
#include "kernel/errno.h"
#include "kernel/console/kprintf.h"
#include "lib/string.h"

struct hv_info hv;
struct hv_stats hv_stats;

/* minnow's guest OS ID: open-source format, OS type 0 (none of the listed
 * systems), version 0.1. Any nonzero value is valid (TLFS 2.6). */
#define MINNOW_HV_VERSION 0x00000100u
/* HvPostMessage retries, as Linux drivers/hv/connection.c vmbus_post_msg:
 * 100 tries; the delay after a refused try starts at 1 us and doubles
 * after each of the first 21 retries, so it stays at 2^21 us (about 2.1 s)
 * from then on. The 99 delays between the tries add up to about 166 s. */
#define POST_TRIES            100
#define POST_BACKOFF_DOUBLINGS 21

static void *hypercall_page;
static uint64_t hypercall_phys;
static struct hv_message_page *simp;
static uint64_t simp_phys;
static uint8_t *siefp;
static uint64_t siefp_phys;
static struct hv_post_message_input *post_in;   /* one page: never crosses a page */
static uint64_t post_in_phys;
static int sint_vector = -1;

/* The CPUID leaves, quietly; false if this is not a Microsoft hypervisor
 * with the Hv#1 interface. */
static bool read_leaves(bool verbose)
{
    uint32_t r[4];
    memset(&hv, 0, sizeof hv);
    hvp_cpuid(1, r);
    if (!(r[2] & (1u << 31)))                   /* no hypervisor at all */
        return false;
    hvp_cpuid(HV_CPUID_VENDOR, r);
    if (r[1] != 0x7263694D || r[2] != 0x666F736F || r[3] != 0x76482074)   /* "Microsoft Hv" */
        return false;
    uint32_t max_leaf = r[0];
    hvp_cpuid(HV_CPUID_INTERFACE, r);
    if (max_leaf < 0x40000005 || r[0] != HV_INTERFACE_HV1) {
        if (verbose)
            pr_warn("hv: Microsoft hypervisor lacks Hv#1 (max leaf 0x%x, interface 0x%x); "
                    "not using it\n", max_leaf, r[0]);
        return false;
    }
    hv.max_leaf = max_leaf;
    hvp_cpuid(HV_CPUID_VERSION, r);
    hv.build = r[0];
    hv.version = r[1];
    hvp_cpuid(HV_CPUID_FEATURES, r);
    hv.features = r[0];
    hv.privileges = r[1];
    hv.misc = r[3];
    hvp_cpuid(HV_CPUID_HINTS, r);
    hv.hints = r[0];
    return true;
}

bool hv_detect(void)
{
    if (!read_leaves(true))
        return false;
    const char *missing = !(hv.features & HV_MSR_HYPERCALL_AVAILABLE) ? "hypercall MSRs"
                        : !(hv.features & HV_MSR_SYNIC_AVAILABLE)     ? "SynIC MSRs"
                        : !(hv.privileges & HV_PRIV_POST_MESSAGES)   ? "the PostMessages privilege"
                        : !(hv.privileges & HV_PRIV_SIGNAL_EVENTS)   ? "the SignalEvents privilege"
                                                                     : NULL;
    kprintf("hv: Hyper-V %u.%u build %u (features 0x%x, privileges 0x%x, hints 0x%x)\n", hv.version >> 16,
            hv.version & 0xFFFF, hv.build, hv.features, hv.privileges, hv.hints);
    if (missing) {
        pr_warn("hv: partition lacks %s; VMBus disabled\n", missing);
        return false;
    }
    hv.present = true;
    return true;
}

/* 10^7 x 2^64 / scale by shift-and-subtract: the kernel has no 128-bit
 * division (no libgcc). The quotient fits 64 bits for any scale > 10^7,
 * i.e. any TSC slower than 2^64 Hz. */
uint64_t hv_scale_to_hz(uint64_t scale)
{
    if (scale <= 10000000u)
        return 0;
    uint64_t hi = 10000000u, lo = 0, q = 0, rem = 0;   /* dividend = hi:lo */
    for (int bit = 127; bit >= 0; bit--) {
        uint64_t top = rem >> 63;
        rem = rem << 1 | (bit >= 64 ? hi >> (bit - 64) & 1 : lo >> bit & 1);
        if (top || rem >= scale) {
            rem -= scale;
            if (bit < 64)
                q |= 1ull << bit;
        }
    }
    return q;
}

/* Reads the reference TSC page (TLFS 12.7): sequence 0 means "not valid,
 * use the TIME_REF_COUNT MSR"; a changing sequence means retry. */
static uint64_t ref_page_scale(void)
{
    uint64_t phys;
    volatile uint8_t *page = hvp_alloc_pages(1, &phys);
    if (!page)
        return 0;
    uint64_t old = hvp_rdmsr(HV_MSR_REFERENCE_TSC), scale = 0;
    hvp_wrmsr(HV_MSR_REFERENCE_TSC, phys | (old & HV_MSR_PAGE_RSVD_MASK) | HV_MSR_PAGE_ENABLE);
    for (int tries = 0; tries < 16; tries++) {
        uint32_t seq = *(volatile uint32_t *)page;
        if (seq == 0)
            break;
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        scale = *(volatile uint64_t *)(page + 8);
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if (*(volatile uint32_t *)page == seq)
            break;
        scale = 0;
    }
    /* minnow keeps time with the TSC itself: the page is not kept. */
    hvp_wrmsr(HV_MSR_REFERENCE_TSC, old & HV_MSR_PAGE_RSVD_MASK);
    hvp_free_pages((void *)page, 1);
    return scale;
}

uint64_t hv_tsc_khz(const char **source)
{
    if (!hv.present && !read_leaves(false))
        return 0;
    /* Linux also wants "frequency MSRs available" in EDX (bit 8). */
    if ((hv.features & HV_MSR_FREQUENCY_AVAILABLE) && (hv.misc & HV_MISC_FREQUENCY_MSRS)) {
        *source = "Hyper-V frequency MSR";
        return hvp_rdmsr(HV_MSR_TSC_FREQUENCY) / 1000;
    }
    if (hv.features & HV_MSR_REFERENCE_TSC_AVAILABLE) {
        uint64_t hz = hv_scale_to_hz(ref_page_scale());
        if (hz) {
            *source = "Hyper-V reference TSC page";
            return hz / 1000;
        }
    }
    return 0;
}

/* Enables a page-pointing MSR (HYPERCALL, SIMP, SIEFP), keeping its
 * reserved bits as read; returns whether the enable bit stuck. */
static bool enable_page_msr(uint32_t msr, uint64_t phys)
{
    uint64_t v = hvp_rdmsr(msr);
    hvp_wrmsr(msr, (phys & ~0xFFFull) | (v & HV_MSR_PAGE_RSVD_MASK) | HV_MSR_PAGE_ENABLE);
    return hvp_rdmsr(msr) & HV_MSR_PAGE_ENABLE;
}

static void disable_page_msr(uint32_t msr)
{
    hvp_wrmsr(msr, hvp_rdmsr(msr) & HV_MSR_PAGE_RSVD_MASK);
}

static void free_page(void **p)
{
    if (*p)
        hvp_free_pages(*p, 1);
    *p = NULL;
}

int hv_synic_init(void)
{
    int err = -ENOMEM;
    if (!hv.present)
        return -ENODEV;
    /* 1. Who we are: must be nonzero before the hypercall page can be
     *    enabled (TLFS; Linux and FreeBSD write it first). */
    hvp_wrmsr(HV_MSR_GUEST_OS_ID, HV_GUEST_OS_ID(0, 0, MINNOW_HV_VERSION, 0));

    /* 2. Hypercall page: the hypervisor overlays it with code, so it must
     *    be executable (and is never written by us). */
    hypercall_page = hvp_alloc_pages(1, &hypercall_phys);
    post_in = hvp_alloc_pages(1, &post_in_phys);
    simp = hvp_alloc_pages(1, &simp_phys);
    siefp = hvp_alloc_pages(1, &siefp_phys);
    if (!hypercall_page || !post_in || !simp || !siefp)
        goto fail_pages;
    err = hvp_hypercall_page_prepare(hypercall_page, hypercall_phys);
    if (err)
        goto fail_pages;
    err = -EIO;
    if (!enable_page_msr(HV_MSR_HYPERCALL, hypercall_phys)) {
        pr_err("hv: hypervisor left the hypercall page off\n");
        goto fail_pages;
    }

    /* 3. SynIC pages, then the VMBus SINT on a vector of its own. No
     *    auto-EOI: the kernel's interrupt dispatch always sends the APIC
     *    EOI itself, and a second EOI would retire another interrupt
     *    (Linux also avoids auto-EOI when CPUID hints deprecate it). */
    if (!enable_page_msr(HV_MSR_SIMP, simp_phys) || !enable_page_msr(HV_MSR_SIEFP, siefp_phys)) {
        pr_err("hv: hypervisor left the SynIC message/event pages off\n");
        goto fail_synic;
    }
    sint_vector = hvp_irq_alloc(hv_isr, NULL);
    if (sint_vector < 0) {
        err = sint_vector;
        goto fail_synic;
    }
    uint32_t sint = HV_MSR_SINT0 + 2;     /* VMBUS_SINT; hv_reg.h has no VMBus constants */
    hvp_wrmsr(sint, (hvp_rdmsr(sint) & HV_SINT_RSVD_MASK) | (uint64_t)sint_vector);
    hvp_wrmsr(HV_MSR_SCONTROL, hvp_rdmsr(HV_MSR_SCONTROL) | HV_SCONTROL_ENABLE);
    hv.vp_index = (hv.features & HV_MSR_VP_INDEX_AVAILABLE) ? (uint32_t)hvp_rdmsr(HV_MSR_VP_INDEX) : 0;
    kprintf("hv: SynIC on vector %d, message page 0x%llx, event page 0x%llx, VP %u\n", sint_vector,
            (unsigned long long)simp_phys, (unsigned long long)siefp_phys, hv.vp_index);
    return 0;

fail_synic:
    disable_page_msr(HV_MSR_SIEFP);
    disable_page_msr(HV_MSR_SIMP);
    disable_page_msr(HV_MSR_HYPERCALL);
fail_pages:
    free_page((void **)&siefp);
    free_page((void **)&simp);
    free_page((void **)&post_in);
    if (hypercall_page)
        hvp_hypercall_page_release(hypercall_page);
    free_page(&hypercall_page);
    return err;
}

void hv_synic_shutdown(void)
{
    if (!hypercall_page)
        return;
    uint32_t sint = HV_MSR_SINT0 + 2;
    hvp_wrmsr(sint, hvp_rdmsr(sint) | HV_SINT_MASKED);
    hvp_wrmsr(HV_MSR_SCONTROL, hvp_rdmsr(HV_MSR_SCONTROL) & ~HV_SCONTROL_ENABLE);
    disable_page_msr(HV_MSR_SIEFP);
    disable_page_msr(HV_MSR_SIMP);
    disable_page_msr(HV_MSR_HYPERCALL);
    free_page((void **)&siefp);
    free_page((void **)&simp);
    free_page((void **)&post_in);
    hvp_hypercall_page_release(hypercall_page);
    free_page(&hypercall_page);
}

/* Hypercall status codes (TLFS "Hypercall Interface", status table;
 * Linux include/asm-generic/hyperv-tlfs.h HV_STATUS_*) as errno values. */
int hv_status_to_errno(uint32_t status)
{
    switch (status) {
    case HV_STATUS_SUCCESS:                 return 0;
    case HV_STATUS_INVALID_HYPERCALL_CODE:  return -ENOSYS;
    case HV_STATUS_INVALID_HYPERCALL_INPUT:
    case HV_STATUS_INVALID_ALIGNMENT:
    case HV_STATUS_INVALID_PARAMETER:       return -EINVAL;
    case HV_STATUS_ACCESS_DENIED:           return -EACCES;
    case HV_STATUS_INVALID_PARTITION_STATE: return -EBUSY;
    case HV_STATUS_OPERATION_DENIED:        return -EPERM;
    case HV_STATUS_INSUFFICIENT_MEMORY:     return -ENOMEM;
    case HV_STATUS_INVALID_PORT_ID:         return -ENXIO;
    case HV_STATUS_INVALID_CONNECTION_ID:   return -ENOENT;
    case HV_STATUS_INSUFFICIENT_BUFFERS:    return -EAGAIN;
    default:                                return -EIO;
    }
}

/* HvPostMessage (0x5C), the slow form: RDX = GPA of the 256-byte input
 * block, which lives in a page of its own. Transient refusals -- the
 * host's message buffers are full (INSUFFICIENT_MEMORY/BUFFERS), or
 * "posted too frequently" (INVALID_CONNECTION_ID) -- are retried with the
 * back-off above (Linux vmbus_post_msg). The one exception, also Linux's:
 * INVALID_CONNECTION_ID for an INITIATE_CONTACT means the host has no such
 * port (a host older than VMBus 5.0 has no connection 4), so the caller
 * learns it at once and tries the next version. These decisions are made
 * on the status itself; the caller gets it as an errno value, and a
 * failure is logged here with the status (but for that expected answer). */
static bool post_is_initiate_contact(const void *msg)
{
    uint32_t type;
    memcpy(&type, msg, sizeof type);
    return type == VMBUS_MSG_INITIATE_CONTACT;
}

int hv_post_message(uint32_t connection_id, const void *msg, uint32_t size)
{
    if (!post_in)
        return -ENODEV;
    if (size > HV_MESSAGE_PAYLOAD_MAX || size < 8)
        return -EINVAL;
    bool contact = post_is_initiate_contact(msg);
    uint32_t status = HV_STATUS_SUCCESS;
    unsigned delay_us = 1;
    int attempt;
    for (attempt = 1; attempt <= POST_TRIES; attempt++) {
        /* The block is rebuilt every time (FreeBSD: the hypervisor may
         * have modified it). */
        memset(post_in, 0, sizeof *post_in);
        post_in->connection_id = connection_id;
        post_in->message_type = HV_MESSAGE_TYPE_VMBUS;
        post_in->payload_size = size;
        memcpy(post_in->payload, msg, size);
        status = (uint32_t)(hvp_hypercall(hypercall_page, HVCALL_POST_MESSAGE, post_in_phys, 0) & HV_STATUS_MASK);
        hv_stats.posts++;
        bool transient = status == HV_STATUS_INSUFFICIENT_MEMORY || status == HV_STATUS_INSUFFICIENT_BUFFERS ||
                         (status == HV_STATUS_INVALID_CONNECTION_ID && !contact);
        if (!transient || attempt == POST_TRIES)
            break;
        hv_stats.post_retries++;
        hvp_backoff(delay_us);
        if (attempt <= POST_BACKOFF_DOUBLINGS)
            delay_us *= 2;
    }
    bool no_port = status == HV_STATUS_INVALID_CONNECTION_ID && contact;
    if (status != HV_STATUS_SUCCESS && !no_port)
        pr_warn("hv: HvPostMessage to connection %u failed: status 0x%x after %d attempt%s\n", connection_id,
                (unsigned)status, attempt, attempt == 1 ? "" : "s");
    return hv_status_to_errno(status);
}

/* HvSignalEvent (0x5D), the fast form (Linux): RDX holds the 8-byte input
 * {connection_id, flag_number 0, reserved}. */
int hv_signal_event(uint32_t connection_id)
{
    static bool warned;
    if (!hypercall_page)
        return -ENODEV;
    hv_stats.signals++;
    uint32_t status =
        (uint32_t)(hvp_hypercall(hypercall_page, HVCALL_SIGNAL_EVENT | HV_HC_FAST, connection_id, 0) & HV_STATUS_MASK);
    if (status != HV_STATUS_SUCCESS && !warned) {   /* once: signals are frequent */
        warned = true;
        pr_warn("hv: HvSignalEvent to connection 0x%x failed: status 0x%x\n", connection_id, (unsigned)status);
    }
    return hv_status_to_errno(status);
}

struct hv_message_page *hv_simp(void) { return simp; }

volatile uint8_t *hv_siefp_vmbus(void) { return siefp ? siefp + 2 * HV_EVENT_FLAGS_BYTES : NULL; }

void hv_eom(void)
{
    hv_stats.eoms++;
    hvp_wrmsr(HV_MSR_EOM, 0);
}

/* The SINT 2 interrupt: all work happens in the worker thread. */
void hv_isr(void *arg)
{
    (void)arg;
    hv_stats.interrupts++;
    hvp_worker_kick();
}
