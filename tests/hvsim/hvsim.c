/* hvsim hypervisor: guest memory arena, CPUID, synthetic MSRs, hypercalls
 * and the SynIC (message slots, pending/EOM, event flags, interrupts).
 *
 * Sources: TLFS "Feature and Interface Discovery" (CPUID), "Partition
 * Properties" and "Virtual Interrupt Controller" (MSRs, SynIC), "Hypercall
 * Interface"; Linux arch/x86/include/asm/hyperv-tlfs.h and
 * include/asm-generic/hyperv-tlfs.h; FreeBSD
 * sys/dev/hyperv/vmbus/hyperv_reg.h. Host behaviour modelled on openvmm vm/hv1/hv1_emulator/src/{hv.rs,synic.rs} (a message enters a
 * slot only when its type is 0, else the occupying message gets
 * msg_pending and the message waits for EOM; an event flag interrupts only
 * on a 0 -> 1 edge) and vm/hv1/hvdef/src/lib.rs (status codes). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "tests/hvsim/hvsim_int.h"

struct hvsim_hv_stats hvsim_hv_stats;

/* --- Violations ----------------------------------------------------------- */
static unsigned viol_count[HVV_COUNT];
static unsigned viol_total;
static char viol_last[512];
static bool verbose = true;
static const char *const viol_names[HVV_COUNT] = {
    "msr", "hypercall", "post", "msg-size", "msg-state", "msg-invalid", "gpadl",
    "channel", "mem", "ring", "signal-needless", "signal-lost", "signal", "ic", "platform",
};

void hvsim_violate(enum hvsim_viol kind, const char *fmt, ...)
{
    char buf[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    viol_count[kind]++;
    viol_total++;
    snprintf(viol_last, sizeof viol_last, "%s: %s", viol_names[kind], buf);
    if (verbose)
        fprintf(stderr, "hvsim: VIOLATION [%s] %s\n", viol_names[kind], buf);
}

void hvsim_note(const char *fmt, ...)
{
    if (!getenv("HVSIM_LOG"))
        return;
    va_list ap;
    va_start(ap, fmt);
    fputs("hvsim: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

unsigned hvsim_violations(void) { return viol_total; }
unsigned hvsim_violation_count(enum hvsim_viol k) { return k < HVV_COUNT ? viol_count[k] : 0; }
const char *hvsim_last_violation(void) { return viol_last; }
void hvsim_set_verbose(bool on) { verbose = on; }

void hvsim_clear_violations(void)
{
    memset(viol_count, 0, sizeof viol_count);
    viol_total = 0;
    viol_last[0] = 0;
}

/* --- Configuration and the memory arena ------------------------------------- */
static struct hvsim_config cfg;
static uint8_t *arena;
static size_t arena_pages;
/* Per page: 0 free, else the length (in pages) of the allocation it starts
 * (first page) or 0xFFFFFFFF (continuation). */
static uint32_t *page_map;

const struct hvsim_config *hvsim_cfg(void) { return &cfg; }

bool hvsim_gpa_valid(uint64_t gpa, size_t len)
{
    if (!arena || gpa < HVSIM_GPA_BASE || len == 0)
        return false;
    uint64_t off = gpa - HVSIM_GPA_BASE;
    if (off >= (uint64_t)arena_pages * HVSIM_PAGE || len > arena_pages * HVSIM_PAGE - off)
        return false;
    for (uint64_t p = off / HVSIM_PAGE; p <= (off + len - 1) / HVSIM_PAGE; p++)
        if (!page_map[p])
            return false;
    return true;
}

void *hvsim_gpa_ptr(uint64_t gpa, size_t len)
{
    return hvsim_gpa_valid(gpa, len) ? arena + (gpa - HVSIM_GPA_BASE) : NULL;
}

uint64_t hvsim_ptr_gpa(const void *p)
{
    const uint8_t *b = p;
    if (!arena || b < arena || b >= arena + arena_pages * HVSIM_PAGE)
        return 0;
    return HVSIM_GPA_BASE + (uint64_t)(b - arena);
}

size_t hvsim_pages_in_use(void)
{
    size_t n = 0;
    for (size_t i = 0; i < arena_pages; i++)
        n += page_map[i] != 0;
    return n;
}

void *hvsim_arena_alloc(size_t pages, uint64_t *phys)
{
    if (!arena || pages == 0 || pages > arena_pages)
        return NULL;
    /* First fit from the bottom; simple and deterministic. */
    for (size_t i = 0; i + pages <= arena_pages; i++) {
        size_t j = 0;
        while (j < pages && !page_map[i + j])
            j++;
        if (j < pages) {
            i += j;
            continue;
        }
        page_map[i] = (uint32_t)pages;
        for (j = 1; j < pages; j++)
            page_map[i + j] = 0xFFFFFFFFu;
        memset(arena + i * HVSIM_PAGE, 0, pages * HVSIM_PAGE);
        *phys = HVSIM_GPA_BASE + i * HVSIM_PAGE;
        return arena + i * HVSIM_PAGE;
    }
    return NULL;
}

void hvsim_arena_free(void *virt, size_t pages)
{
    uint64_t gpa = hvsim_ptr_gpa(virt);
    size_t i = (size_t)((gpa - HVSIM_GPA_BASE) / HVSIM_PAGE);
    if (!gpa || (gpa & (HVSIM_PAGE - 1)) || page_map[i] == 0 || page_map[i] == 0xFFFFFFFFu) {
        hvsim_violate(HVV_PLATFORM, "hvp_free_pages(%p): not an allocation", virt);
        return;
    }
    if (page_map[i] != pages) {
        hvsim_violate(HVV_PLATFORM, "hvp_free_pages(gpa %#llx, %zu pages): allocated %u pages",
                      (unsigned long long)gpa, pages, page_map[i]);
        pages = page_map[i];
    }
    if (hvsim_vmbus_pages_in_gpadl(gpa, pages))
        hvsim_violate(HVV_MEM, "guest freed gpa %#llx (%zu pages) still in a live GPADL",
                      (unsigned long long)gpa, pages);
    /* Poison, so the guest's use after free shows in tests. */
    memset(arena + i * HVSIM_PAGE, 0xA5, pages * HVSIM_PAGE);
    for (size_t j = 0; j < pages; j++)
        page_map[i + j] = 0;
}

/* --- Hypervisor state ----------------------------------------------------------- */
static struct {
    uint64_t guest_os_id, hypercall, scontrol, siefp, simp, ref_tsc;
    uint64_t sint[HV_SYNIC_SINT_COUNT];
    void *hc_prepared;                    /* page passed to hvp_hypercall_page_prepare */
    uint64_t ref_time;                    /* 100 ns units */
    /* Messages waiting for a slot, per SINT. */
    struct qmsg { struct qmsg *next; struct hv_message m; } *q_head[HV_SYNIC_SINT_COUNT],
        *q_tail[HV_SYNIC_SINT_COUNT];
    size_t q_len[HV_SYNIC_SINT_COUNT];
    /* The slot was busy and msg_pending set: only an EOM rescans. */
    bool need_eom[HV_SYNIC_SINT_COUNT];
    bool irq_pending[256];
    struct { void (*isr)(void *); void *arg; } vec[256];
    int next_vector;
    /* Guest posts not yet processed by the VMBus server. */
    struct post { uint32_t conn; uint32_t len; uint8_t data[HV_MESSAGE_PAYLOAD_MAX]; } *inbox;
    size_t in_head, in_len;
    unsigned fail_posts;
    uint16_t fail_status;
} hv;

void hvsim_init(const struct hvsim_config *c)
{
    hvsim_fini();
    static const uint32_t def_versions[] = {
        VMBUS_VERSION_WIN8, VMBUS_VERSION_WIN8_1, VMBUS_VERSION_WIN10,
        VMBUS_VERSION_WIN10_RS3_0, VMBUS_VERSION_WIN10_RS3_1, VMBUS_VERSION_WIN10_RS4,
        VMBUS_VERSION_WIN10_RS5, VMBUS_VERSION_IRON,
    };
    memset(&cfg, 0, sizeof cfg);
    if (c)
        cfg = *c;
    if (!cfg.nversions && !cfg.versions_none) {
        memcpy(cfg.versions, def_versions, sizeof def_versions);
        cfg.nversions = sizeof def_versions / sizeof def_versions[0];
    }
    if (cfg.versions_none)
        cfg.nversions = 0;
    if (!cfg.msg_conn_id)
        cfg.msg_conn_id = VMBUS_MSG_CONNECTION_ID;
    if (!cfg.mem_pages)
        cfg.mem_pages = 8192;
    if (!cfg.tsc_hz)
        cfg.tsc_hz = 2500000000ull;
    if (!cfg.max_queued_posts)
        cfg.max_queued_posts = 64;
    if (cfg.max_queued_posts > HVSIM_INBOX_MAX)
        cfg.max_queued_posts = HVSIM_INBOX_MAX;
    arena_pages = cfg.mem_pages;
    arena = mmap(NULL, arena_pages * HVSIM_PAGE, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (arena == MAP_FAILED) {
        perror("hvsim: mmap");
        abort();
    }
    page_map = calloc(arena_pages, sizeof *page_map);
    memset(&hv, 0, sizeof hv);
    hv.inbox = calloc(HVSIM_INBOX_MAX, sizeof *hv.inbox);
    for (unsigned i = 0; i < HV_SYNIC_SINT_COUNT; i++)
        hv.sint[i] = HV_SINT_MASKED;      /* reset state: masked (TLFS) */
    hv.next_vector = 0x40;
    hv.ref_time = 1000000;                /* 0.1 s after "boot" */
    memset(&hvsim_hv_stats, 0, sizeof hvsim_hv_stats);
    memset(&hvsim_plat, 0, sizeof hvsim_plat);
    hvsim_clear_violations();
    hvsim_platform_reset();
    hvsim_vmbus_reset();
}

void hvsim_fini(void)
{
    hvsim_vmbus_free();
    for (unsigned s = 0; s < HV_SYNIC_SINT_COUNT; s++)
        while (hv.q_head[s]) {
            struct qmsg *m = hv.q_head[s];
            hv.q_head[s] = m->next;
            free(m);
        }
    free(hv.inbox);
    hv.inbox = NULL;
    if (arena)
        munmap(arena, arena_pages * HVSIM_PAGE);
    arena = NULL;
    free(page_map);
    page_map = NULL;
    arena_pages = 0;
}

/* --- CPUID (TLFS "Feature and Interface Discovery") ----------------------------- */
void hvsim_cpuid(uint32_t leaf, uint32_t out[4])
{
    memset(out, 0, 4 * sizeof out[0]);
    if (leaf == 1) {
        out[2] = cfg.not_hyperv ? 0 : 1u << 31;    /* ECX.31 hypervisor present */
        return;
    }
    if (cfg.not_hyperv || leaf < 0x40000000u || leaf > 0x40000006u)
        return;
    switch (leaf) {
    case HV_CPUID_VENDOR:
        out[0] = 0x40000006u;
        memcpy(&out[1], cfg.other_hypervisor ? "KVMKVMKVM\0\0\0" : "Microsoft Hv", 12);
        break;
    case HV_CPUID_INTERFACE:
        out[0] = cfg.other_hypervisor ? 0x00000000u : HV_INTERFACE_HV1;
        break;
    case HV_CPUID_VERSION:
        out[0] = 20348;                 /* build (WS2022) */
        out[1] = (10u << 16) | 0;       /* 10.0 */
        break;
    case HV_CPUID_FEATURES:
        out[0] = HV_MSR_TIME_REF_COUNT_AVAILABLE | HV_MSR_VP_INDEX_AVAILABLE |
                 (cfg.no_ref_tsc ? 0 : HV_MSR_REFERENCE_TSC_AVAILABLE) |
                 (cfg.no_tsc_freq_msr ? 0 : HV_MSR_FREQUENCY_AVAILABLE);
        if (!cfg.no_synic)
            out[0] |= HV_MSR_SYNIC_AVAILABLE;
        if (!cfg.no_hypercall_msr)
            out[0] |= HV_MSR_HYPERCALL_AVAILABLE;
        out[1] = (cfg.no_post_priv ? 0 : HV_PRIV_POST_MESSAGES) |
                 (cfg.no_signal_priv ? 0 : HV_PRIV_SIGNAL_EVENTS);
        out[3] = 1u << 8;               /* timer frequency MSRs */
        break;
    case HV_CPUID_HINTS:
        out[0] = cfg.deprecate_auto_eoi ? HV_HINT_DEPRECATE_AUTO_EOI : 0;
        out[1] = 0xFFFFFFFFu;           /* never notify long spin waits */
        break;
    case 0x40000005u:
        out[0] = 1;                     /* max virtual processors */
        out[1] = 64;
        break;
    default:
        break;
    }
}

/* --- SynIC ------------------------------------------------------------------------ */
static struct hv_message *simp_slot(unsigned sint)
{
    if (!(hv.simp & HV_MSR_PAGE_ENABLE))
        return NULL;
    struct hv_message_page *p = hvsim_gpa_ptr(hv.simp & ~0xFFFull, HVSIM_PAGE);
    return p ? &p->slot[sint] : NULL;
}

static bool sint_live(unsigned sint)
{
    return (hv.scontrol & HV_SCONTROL_ENABLE) && !(hv.sint[sint] & HV_SINT_MASKED);
}

static void raise_sint(unsigned sint)
{
    unsigned v = hv.sint[sint] & HV_SINT_VECTOR_MASK;
    hv.irq_pending[v] = true;
}

bool hvsim_synic_ready(void)
{
    return sint_live(VMBUS_SINT) && simp_slot(VMBUS_SINT) != NULL;
}

size_t hvsim_sint_queued(unsigned sint) { return sint < HV_SYNIC_SINT_COUNT ? hv.q_len[sint] : 0; }

/* Tries to move queued messages of one SINT into its slot (synic.rs
 * post_message semantics). Once the slot was found busy and msg_pending
 * set, the queue waits for the guest's EOM: a guest that frees the slot
 * but forgets the EOM stalls, as on Hyper-V. */
static bool deliver_sint(unsigned sint, bool eom)
{
    bool progress = false;
    if (eom)
        hv.need_eom[sint] = false;
    while (hv.q_head[sint] && !hv.need_eom[sint]) {
        struct hv_message *slot = simp_slot(sint);
        if (!slot || !sint_live(sint))
            return progress;
        if (__atomic_load_n(&slot->message_type, __ATOMIC_ACQUIRE) != HVMSG_NONE) {
            /* Busy: tell the guest another message waits; it must EOM. */
            slot->message_flags |= HV_MSG_FLAG_PENDING;
            hv.need_eom[sint] = true;
            return true;
        }
        struct qmsg *m = hv.q_head[sint];
        hv.q_head[sint] = m->next;
        if (!hv.q_head[sint])
            hv.q_tail[sint] = NULL;
        hv.q_len[sint]--;
        /* Fill everything but the type, then publish the type last. */
        memcpy((uint8_t *)slot + 4, (uint8_t *)&m->m + 4, sizeof *slot - 4);
        slot->message_flags = 0;
        __atomic_store_n(&slot->message_type, m->m.message_type, __ATOMIC_RELEASE);
        free(m);
        hvsim_hv_stats.messages_delivered++;
        raise_sint(sint);
        progress = true;
    }
    return progress;
}

void hvsim_post_to_guest(unsigned sint, uint32_t type, const void *payload, uint8_t size)
{
    struct qmsg *m = calloc(1, sizeof *m);
    m->m.message_type = type;
    m->m.payload_size = size;
    m->m.sender = VMBUS_MSG_CONNECTION_ID;  /* message port 1 */
    memcpy(m->m.payload, payload, size > HV_MESSAGE_PAYLOAD_MAX ? HV_MESSAGE_PAYLOAD_MAX : size);
    if (hv.q_tail[sint])
        hv.q_tail[sint]->next = m;
    else
        hv.q_head[sint] = m;
    hv.q_tail[sint] = m;
    hv.q_len[sint]++;
    hvsim_hv_stats.queued_messages++;
}

void hvsim_send_vmbus(const void *msg, size_t len)
{
    if (len > HV_MESSAGE_PAYLOAD_MAX) {
        fprintf(stderr, "hvsim: hvsim_send_vmbus(%zu bytes): use hvsim_post_to_guest\n", len);
        abort();
    }
    hvsim_post_to_guest(VMBUS_SINT, HV_MESSAGE_TYPE_VMBUS, msg, (uint8_t)len);
}

/* Event flag `bit` in SINT 2's area; interrupt only on a 0 -> 1 edge. */
void hvsim_signal_guest(uint32_t bit)
{
    hvsim_hv_stats.events_set++;
    if (!(hv.siefp & HV_MSR_PAGE_ENABLE) || bit >= HV_EVENT_FLAGS_BITS)
        return;
    uint8_t *area = hvsim_gpa_ptr((hv.siefp & ~0xFFFull) + VMBUS_SINT * HV_EVENT_FLAGS_BYTES,
                                  HV_EVENT_FLAGS_BYTES);
    if (!area)
        return;
    uint8_t mask = (uint8_t)(1u << (bit % 8));
    uint8_t old = __atomic_fetch_or(&area[bit / 8], mask, __ATOMIC_SEQ_CST);
    if (!(old & mask) && sint_live(VMBUS_SINT))
        raise_sint(VMBUS_SINT);
}

/* --- MSRs (Linux arch/x86/include/asm/hyperv-tlfs.h) -------------------------------- */
static bool msr_allowed(uint32_t msr)
{
    if (cfg.not_hyperv)
        return false;
    if (msr == HV_MSR_GUEST_OS_ID || msr == HV_MSR_HYPERCALL)
        return !cfg.no_hypercall_msr;
    if (msr >= HV_MSR_SCONTROL && msr <= HV_MSR_EOM)
        return !cfg.no_synic;
    if (msr >= HV_MSR_SINT0 && msr < HV_MSR_SINT0 + 16)
        return !cfg.no_synic;
    if (msr == HV_MSR_REFERENCE_TSC)
        return !cfg.no_ref_tsc;
    if (msr == HV_MSR_TSC_FREQUENCY)
        return !cfg.no_tsc_freq_msr;
    return msr == HV_MSR_VP_INDEX || msr == HV_MSR_TIME_REF_COUNT;
}

uint64_t hvsim_msr(uint32_t msr)
{
    switch (msr) {
    case HV_MSR_GUEST_OS_ID: return hv.guest_os_id;
    case HV_MSR_HYPERCALL: return hv.hypercall;
    case HV_MSR_SCONTROL: return hv.scontrol;
    case HV_MSR_SIEFP: return hv.siefp;
    case HV_MSR_SIMP: return hv.simp;
    case HV_MSR_REFERENCE_TSC: return hv.ref_tsc;
    default:
        if (msr >= HV_MSR_SINT0 && msr < HV_MSR_SINT0 + 16)
            return hv.sint[msr - HV_MSR_SINT0];
        return 0;
    }
}

uint64_t hvsim_do_rdmsr(uint32_t msr)
{
    if (!msr_allowed(msr)) {
        hvsim_violate(HVV_MSR, "rdmsr %#x: not available (#GP)", msr);
        return 0;
    }
    switch (msr) {
    case HV_MSR_VP_INDEX: return cfg.vp_index;
    case HV_MSR_TIME_REF_COUNT: return hv.ref_time;
    case HV_MSR_TSC_FREQUENCY: return cfg.tsc_hz;
    case HV_MSR_SVERSION: return 1;
    case HV_MSR_EOM:
        hvsim_violate(HVV_MSR, "rdmsr EOM: write-only (#GP)");
        return 0;
    default: return hvsim_msr(msr);
    }
}

/* A page MSR being enabled must name an allocated guest page. */
static bool page_msr_ok(const char *name, uint64_t v)
{
    if (!(v & HV_MSR_PAGE_ENABLE))
        return true;
    if (!hvsim_gpa_valid(v & ~0xFFFull, HVSIM_PAGE)) {
        hvsim_violate(HVV_MEM, "%s = %#llx: page not in guest memory", name, (unsigned long long)v);
        return false;
    }
    return true;
}

static void fill_ref_tsc_page(void)
{
    if (!(hv.ref_tsc & HV_MSR_PAGE_ENABLE))
        return;
    uint8_t *p = hvsim_gpa_ptr(hv.ref_tsc & ~0xFFFull, HVSIM_PAGE);
    /* scale = 10^7 * 2^64 / tsc_hz (64.64 fixed point; Linux
     * include/clocksource/hyperv_timer.h hv_read_tsc_page_tsc). */
    unsigned __int128 scale = ((unsigned __int128)10000000u << 64) / cfg.tsc_hz;
    uint32_t seq = 1;
    uint64_t sc = (uint64_t)scale;
    int64_t off = 0;
    memcpy(p + 8, &sc, 8);
    memcpy(p + 16, &off, 8);
    memcpy(p, &seq, 4);
}

void hvsim_do_wrmsr(uint32_t msr, uint64_t v)
{
    if (!msr_allowed(msr)) {
        hvsim_violate(HVV_MSR, "wrmsr %#x = %#llx: not available (#GP)", msr, (unsigned long long)v);
        return;
    }
    switch (msr) {
    case HV_MSR_GUEST_OS_ID:
        hv.guest_os_id = v;
        if (!v)
            hv.hypercall &= ~HV_MSR_PAGE_ENABLE;    /* clearing the ID disables hypercalls */
        return;
    case HV_MSR_HYPERCALL:
        if ((v & HV_MSR_PAGE_ENABLE) && !hv.guest_os_id) {
            /* Hyper-V: the enable bit does not stick without a guest OS ID. */
            hvsim_violate(HVV_MSR, "HYPERCALL enabled before GUEST_OS_ID was set (bit ignored)");
            v &= ~HV_MSR_PAGE_ENABLE;
        }
        if (!page_msr_ok("HYPERCALL", v))
            return;
        hv.hypercall = v;
        if (v & HV_MSR_PAGE_ENABLE) {
            /* Overlay: vmcall; ret (hv1_emulator hv.rs). */
            static const uint8_t code[] = {0x0F, 0x01, 0xC1, 0xC3};
            uint8_t *pg = hvsim_gpa_ptr(v & ~0xFFFull, HVSIM_PAGE);
            memset(pg, 0xCC, HVSIM_PAGE);
            memcpy(pg, code, sizeof code);
        }
        return;
    case HV_MSR_REFERENCE_TSC:
        if (!page_msr_ok("REFERENCE_TSC", v))
            return;
        hv.ref_tsc = v;
        fill_ref_tsc_page();
        return;
    case HV_MSR_SCONTROL:
        hv.scontrol = v;
        return;
    case HV_MSR_SIEFP:
        if (page_msr_ok("SIEFP", v))
            hv.siefp = v;
        return;
    case HV_MSR_SIMP:
        if (page_msr_ok("SIMP", v))
            hv.simp = v;
        return;
    case HV_MSR_EOM:
        if (v != 0)
            hvsim_violate(HVV_MSR, "EOM written with %#llx (write 0)", (unsigned long long)v);
        hvsim_hv_stats.eoms++;
        for (unsigned s = 0; s < HV_SYNIC_SINT_COUNT; s++)
            deliver_sint(s, true);
        return;
    case HV_MSR_VP_INDEX:
    case HV_MSR_TIME_REF_COUNT:
    case HV_MSR_TSC_FREQUENCY:
    case HV_MSR_SVERSION:
        hvsim_violate(HVV_MSR, "wrmsr %#x: read-only (#GP)", msr);
        return;
    default:
        break;
    }
    if (msr >= HV_MSR_SINT0 && msr < HV_MSR_SINT0 + 16) {
        unsigned vec = v & HV_SINT_VECTOR_MASK;
        if (!(v & HV_SINT_MASKED) && vec < HV_SINT_MIN_VECTOR) {
            hvsim_violate(HVV_MSR, "SINT%u vector %u < 16 (#GP)", msr - HV_MSR_SINT0, vec);
            return;
        }
        if (!(v & HV_SINT_MASKED) && !hv.vec[vec].isr)
            hvsim_violate(HVV_PLATFORM, "SINT%u unmasked on vector %#x no isr was registered for",
                          msr - HV_MSR_SINT0, vec);
        hv.sint[msr - HV_MSR_SINT0] = v;
        return;
    }
    hvsim_violate(HVV_MSR, "wrmsr %#x: unhandled", msr);
}

void hvsim_set_ref_time(uint64_t t) { hv.ref_time = t; }
uint64_t hvsim_ref_time(void) { return hv.ref_time; }

/* --- Hypercalls (TLFS "Hypercall Interface"; openvmm vm/hv1/hvdef/src/lib.rs) --------- */
void hvsim_do_hypercall_prepare(void *virt, uint64_t phys)
{
    if (hvsim_ptr_gpa(virt) != phys || (phys & 0xFFF) || !hvsim_gpa_valid(phys, HVSIM_PAGE)) {
        hvsim_violate(HVV_PLATFORM, "hypercall page prepare: %p/%#llx not an allocated page", virt,
                      (unsigned long long)phys);
        return;
    }
    hv.hc_prepared = virt;
}

void hvsim_fail_next_posts(unsigned n, uint16_t status)
{
    hv.fail_posts = n;
    hv.fail_status = status;
}

static uint64_t post_message(uint64_t control, uint64_t in)
{
    hvsim_hv_stats.posts++;
    if (control & HV_HC_FAST) {
        hvsim_violate(HVV_POST, "PostMessage issued as a fast hypercall");
        return HV_STATUS_INVALID_HYPERCALL_INPUT;
    }
    if (control & ~(uint64_t)0xFFFF) {
        hvsim_violate(HVV_POST, "PostMessage control %#llx: rep/varhdr bits set",
                      (unsigned long long)control);
        return HV_STATUS_INVALID_HYPERCALL_INPUT;
    }
    if (cfg.no_post_priv) {
        hvsim_violate(HVV_POST, "PostMessage without the PostMessages privilege");
        return HV_STATUS_ACCESS_DENIED;
    }
    if (in & 7) {
        hvsim_violate(HVV_POST, "PostMessage input %#llx not 8-byte aligned", (unsigned long long)in);
        return HV_STATUS_INVALID_ALIGNMENT;
    }
    if ((in & 0xFFF) + sizeof(struct hv_post_message_input) > HVSIM_PAGE) {
        hvsim_violate(HVV_POST, "PostMessage input %#llx crosses a page", (unsigned long long)in);
        return HV_STATUS_INVALID_ALIGNMENT;
    }
    const struct hv_post_message_input *pm = hvsim_gpa_ptr(in, sizeof *pm);
    if (!pm) {
        hvsim_violate(HVV_MEM, "PostMessage input %#llx not in guest memory", (unsigned long long)in);
        return HV_STATUS_INVALID_PARAMETER;
    }
    if (pm->message_type != HV_MESSAGE_TYPE_VMBUS || pm->payload_size > HV_MESSAGE_PAYLOAD_MAX ||
        pm->payload_size == 0 || pm->reserved || (pm->connection_id >> 24)) {
        hvsim_violate(HVV_POST, "PostMessage: type %u size %u reserved %u conn %#x",
                      pm->message_type, pm->payload_size, pm->reserved, pm->connection_id);
        return HV_STATUS_INVALID_PARAMETER;
    }
    if (!hvsim_vmbus_conn_exists(pm->connection_id)) {
        /* Not a violation by itself: a guest probes connection 4 on hosts
         * older than 5.0 (Linux drivers/hv/connection.c vmbus_post_msg).
         * The VMBus layer judges the rest. */
        hvsim_note("PostMessage to unknown connection %u", pm->connection_id);
        hvsim_hv_stats.post_fail++;
        return HV_STATUS_INVALID_CONNECTION_ID;
    }
    if (hv.fail_posts) {
        hv.fail_posts--;
        hvsim_hv_stats.post_fail++;
        return hv.fail_status;
    }
    if (hv.in_len >= cfg.max_queued_posts) {
        hvsim_hv_stats.post_fail++;
        return HV_STATUS_INSUFFICIENT_BUFFERS;
    }
    struct post *p = &hv.inbox[(hv.in_head + hv.in_len++) % HVSIM_INBOX_MAX];
    p->conn = pm->connection_id;
    p->len = pm->payload_size;
    memcpy(p->data, pm->payload, pm->payload_size);
    return HV_STATUS_SUCCESS;
}

static uint64_t signal_event(uint64_t control, uint64_t in)
{
    hvsim_hv_stats.signals_in++;
    if (cfg.no_signal_priv) {
        hvsim_violate(HVV_HYPERCALL, "SignalEvent without the SignalEvents privilege");
        return HV_STATUS_ACCESS_DENIED;
    }
    uint64_t arg = in;
    if (!(control & HV_HC_FAST)) {     /* FreeBSD's slow form: GPA of 8 bytes */
        if (in & 7) {
            hvsim_violate(HVV_HYPERCALL, "SignalEvent input unaligned");
            return HV_STATUS_INVALID_ALIGNMENT;
        }
        const uint64_t *p = hvsim_gpa_ptr(in, 8);
        if (!p) {
            hvsim_violate(HVV_MEM, "SignalEvent input %#llx not in guest memory",
                          (unsigned long long)in);
            return HV_STATUS_INVALID_PARAMETER;
        }
        arg = *p;
    }
    uint32_t conn = (uint32_t)arg;
    uint16_t flag = (uint16_t)(arg >> 32);
    if (flag != 0 || (arg >> 48)) {
        hvsim_violate(HVV_SIGNAL, "SignalEvent flag %u / reserved set (VMBus uses flag 0)", flag);
        return HV_STATUS_INVALID_PARAMETER;
    }
    if (!hvsim_vmbus_on_signal(conn)) {
        hvsim_violate(HVV_SIGNAL, "SignalEvent on unknown connection %#x", conn);
        return HV_STATUS_INVALID_CONNECTION_ID;
    }
    return HV_STATUS_SUCCESS;
}

uint64_t hvsim_do_hypercall(void *page, uint64_t control, uint64_t in, uint64_t out)
{
    (void)out;
    if (!(hv.hypercall & HV_MSR_PAGE_ENABLE)) {
        hvsim_violate(HVV_HYPERCALL, "hypercall %#llx before the hypercall page is enabled (#UD)",
                      (unsigned long long)(control & 0xFFFF));
        return HV_STATUS_INVALID_HYPERCALL_CODE;
    }
    if (hvsim_ptr_gpa(page) != (hv.hypercall & ~0xFFFull)) {
        hvsim_violate(HVV_HYPERCALL, "hypercall through %p, not the enabled hypercall page", page);
        return HV_STATUS_INVALID_HYPERCALL_CODE;
    }
    if (hv.hc_prepared != page)
        hvsim_violate(HVV_PLATFORM, "hypercall page used without hvp_hypercall_page_prepare");
    switch (control & 0xFFFF) {
    case HVCALL_POST_MESSAGE: return post_message(control, in);
    case HVCALL_SIGNAL_EVENT: return signal_event(control, in);
    default:
        hvsim_violate(HVV_HYPERCALL, "unknown hypercall code %#llx",
                      (unsigned long long)(control & 0xFFFF));
        return HV_STATUS_INVALID_HYPERCALL_CODE;
    }
}

/* --- Interrupts ----------------------------------------------------------------------------- */
int hvsim_irq_register(void (*isr)(void *), void *arg)
{
    if (hv.next_vector > 0xEF)
        return -28;  /* ENOSPC */
    int v = hv.next_vector++;
    hv.vec[v].isr = isr;
    hv.vec[v].arg = arg;
    return v;
}

static bool raise_interrupts(void)
{
    bool any = false;
    for (unsigned v = 0; v < 256; v++) {
        if (!hv.irq_pending[v])
            continue;
        hv.irq_pending[v] = false;
        any = true;
        if (!hv.vec[v].isr) {
            hvsim_violate(HVV_PLATFORM, "interrupt on vector %#x with no isr", v);
            continue;
        }
        hvsim_hv_stats.interrupts++;
        hv.vec[v].isr(hv.vec[v].arg);
    }
    return any;
}

/* --- Stepping --------------------------------------------------------------------------------- */
bool hvsim_step(void)
{
    bool progress = false;
    hv.ref_time += 10;      /* 1 us per step */
    while (hv.in_len) {
        struct post p = hv.inbox[hv.in_head];
        hv.in_head = (hv.in_head + 1) % HVSIM_INBOX_MAX;
        hv.in_len--;
        hvsim_vmbus_on_post(p.conn, p.data, p.len);
        progress = true;
    }
    progress |= hvsim_vmbus_step();
    for (unsigned s = 0; s < HV_SYNIC_SINT_COUNT; s++)
        progress |= deliver_sint(s, false);
    progress |= raise_interrupts();
    return progress;
}
