/* Self-tests of the Hyper-V host simulator, without the guest: a minimal
 * hand-written "guest" drives it through hv_platform.h with hand-built
 * messages and checks that it enforces the rules (the TLFS and the Linux,
 * FreeBSD and openvmm files cited in hvsim.c, hvsim_vmbus.c and
 * hvsim_ring.c) and
 * counts the violations. */
#include "tests/hvsim/hvsim.h"
#include "hv/hv_platform.h"
#include "tests/unit/test.h"

/* --- A tiny guest -------------------------------------------------------- */
static struct {
    void *hc_page, *in_page;
    uint64_t hc_phys, in_phys;
    struct hv_message_page *simp;
    uint8_t *siefp;
    uint64_t simp_phys, siefp_phys;
    int vector;
    unsigned isr_calls;
} g;

static void isr(void *arg)
{
    (void)arg;
    g.isr_calls++;
}

static void boot(const struct hvsim_config *cfg)
{
    hvsim_init(cfg);
    hvsim_set_verbose(false);
    memset(&g, 0, sizeof g);
    g.hc_page = hvp_alloc_pages(1, &g.hc_phys);
    g.in_page = hvp_alloc_pages(1, &g.in_phys);
    g.simp = hvp_alloc_pages(1, &g.simp_phys);
    g.siefp = hvp_alloc_pages(1, &g.siefp_phys);
    g.vector = hvp_irq_alloc(isr, NULL);
}

static void synic_up(void)
{
    hvp_wrmsr(HV_MSR_GUEST_OS_ID, HV_GUEST_OS_ID(0, 0, 1, 0));
    hvp_hypercall_page_prepare(g.hc_page, g.hc_phys);
    hvp_wrmsr(HV_MSR_HYPERCALL, g.hc_phys | HV_MSR_PAGE_ENABLE);
    hvp_wrmsr(HV_MSR_SIMP, g.simp_phys | HV_MSR_PAGE_ENABLE);
    hvp_wrmsr(HV_MSR_SIEFP, g.siefp_phys | HV_MSR_PAGE_ENABLE);
    hvp_wrmsr(HV_MSR_SINT0 + VMBUS_SINT, (uint64_t)g.vector);
    hvp_wrmsr(HV_MSR_SCONTROL, HV_SCONTROL_ENABLE);
}

static uint16_t post_at(uint64_t off, uint32_t conn, uint32_t type, const void *msg, uint32_t len)
{
    struct hv_post_message_input *in = (void *)((uint8_t *)g.in_page + off);
    memset(in, 0, sizeof *in);
    in->connection_id = conn;
    in->message_type = type;
    in->payload_size = len;
    memcpy(in->payload, msg, len > 240 ? 240 : len);
    return (uint16_t)hvp_hypercall(g.hc_page, HVCALL_POST_MESSAGE, g.in_phys + off, 0);
}

static uint16_t post(uint32_t conn, const void *msg, uint32_t len)
{
    return post_at(0, conn, HV_MESSAGE_TYPE_VMBUS, msg, len);
}

/* Takes the message in SINT 2's slot (copy, free the slot, EOM if pending). */
static bool take(void *buf, uint32_t *len)
{
    struct hv_message *m = &g.simp->slot[VMBUS_SINT];
    if (m->message_type == HVMSG_NONE)
        return false;
    memcpy(buf, m->payload, m->payload_size);
    *len = m->payload_size;
    bool pending = m->message_flags & HV_MSG_FLAG_PENDING;
    m->message_type = HVMSG_NONE;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (pending)
        hvp_wrmsr(HV_MSR_EOM, 0);
    return true;
}

/* Steps until a message arrives; returns its type (or 0). */
static uint32_t next_msg(void *buf, uint32_t *len)
{
    for (int i = 0; i < 50; i++) {
        if (take(buf, len))
            return ((struct vmbus_msg_hdr *)buf)->type;
        hvsim_step();
    }
    return 0;
}

static void contact(uint32_t version, uint32_t conn)
{
    struct vmbus_msg_initiate_contact ic = {{VMBUS_MSG_INITIATE_CONTACT, 0}, version, 0, {0}, 0, 0};
    if (version >= VMBUS_VERSION_WIN10_RS3_1)
        ic.msg_sint = VMBUS_SINT;
    post(conn, &ic, sizeof ic);
}

static void connect_24(void)
{
    synic_up();
    contact(VMBUS_VERSION_WIN8, 1);
    uint8_t buf[256] __attribute__((aligned(8)));
    uint32_t len;
    next_msg(buf, &len);
}

/* --- Hypervisor ------------------------------------------------------------- */
TEST(cpuid_personalities)
{
    uint32_t r[4];
    boot(NULL);
    hvp_cpuid(1, r);
    CHECK(r[2] & (1u << 31));
    hvp_cpuid(HV_CPUID_VENDOR, r);
    CHECK(r[0] >= 0x40000005u);
    CHECK(memcmp(&r[1], "Microsoft Hv", 12) == 0);
    hvp_cpuid(HV_CPUID_INTERFACE, r);
    CHECK_EQ(r[0], HV_INTERFACE_HV1);
    hvp_cpuid(HV_CPUID_FEATURES, r);
    CHECK(r[0] & HV_MSR_SYNIC_AVAILABLE);
    CHECK(r[0] & HV_MSR_HYPERCALL_AVAILABLE);
    CHECK(r[1] & HV_PRIV_POST_MESSAGES);
    CHECK(r[1] & HV_PRIV_SIGNAL_EVENTS);

    boot(&(struct hvsim_config){.not_hyperv = true});
    hvp_cpuid(1, r);
    CHECK(!(r[2] & (1u << 31)));
    hvp_cpuid(HV_CPUID_VENDOR, r);
    CHECK_EQ(r[0], 0);
    hvp_rdmsr(HV_MSR_GUEST_OS_ID);
    CHECK_EQ(hvsim_violation_count(HVV_MSR), 1);

    boot(&(struct hvsim_config){.no_synic = true, .no_post_priv = true});
    hvp_cpuid(HV_CPUID_FEATURES, r);
    CHECK(!(r[0] & HV_MSR_SYNIC_AVAILABLE));
    CHECK(!(r[1] & HV_PRIV_POST_MESSAGES));
    hvp_wrmsr(HV_MSR_SCONTROL, 1);
    CHECK_EQ(hvsim_violation_count(HVV_MSR), 1);
    hvsim_fini();
}

TEST(hypercall_before_enable_refused)
{
    boot(NULL);
    uint8_t msg[8] = {VMBUS_MSG_REQUESTOFFERS};
    uint16_t st = post(1, msg, sizeof msg);
    CHECK(st != HV_STATUS_SUCCESS);
    CHECK_EQ(hvsim_violation_count(HVV_HYPERCALL), 1);
    hvsim_fini();
}

TEST(hypercall_enable_needs_guest_os_id)
{
    boot(NULL);
    hvp_hypercall_page_prepare(g.hc_page, g.hc_phys);
    hvp_wrmsr(HV_MSR_HYPERCALL, g.hc_phys | HV_MSR_PAGE_ENABLE);
    CHECK(!(hvp_rdmsr(HV_MSR_HYPERCALL) & HV_MSR_PAGE_ENABLE));   /* did not stick */
    CHECK_EQ(hvsim_violation_count(HVV_MSR), 1);
    hvp_wrmsr(HV_MSR_GUEST_OS_ID, HV_GUEST_OS_ID(0, 0, 1, 0));
    hvp_wrmsr(HV_MSR_HYPERCALL, g.hc_phys | HV_MSR_PAGE_ENABLE);
    CHECK(hvp_rdmsr(HV_MSR_HYPERCALL) & HV_MSR_PAGE_ENABLE);
    CHECK_EQ(((uint8_t *)g.hc_page)[0], 0x0F);                    /* vmcall overlay */
    hvsim_fini();
}

TEST(msr_rules)
{
    boot(NULL);
    hvp_rdmsr(0x400000F5);                        /* not an MSR we model */
    CHECK_EQ(hvsim_violation_count(HVV_MSR), 1);
    hvp_wrmsr(HV_MSR_VP_INDEX, 3);                /* read-only */
    CHECK_EQ(hvsim_violation_count(HVV_MSR), 2);
    hvp_wrmsr(HV_MSR_SINT0 + 2, 5);               /* vector < 16, unmasked */
    CHECK_EQ(hvsim_violation_count(HVV_MSR), 3);
    CHECK(hvsim_msr(HV_MSR_SINT0 + 2) & HV_SINT_MASKED);  /* still the reset value */
    hvp_wrmsr(HV_MSR_SIMP, 0x7000000ull | 1);     /* not guest memory */
    CHECK_EQ(hvsim_violation_count(HVV_MEM), 1);
    CHECK_EQ(hvp_rdmsr(HV_MSR_SVERSION), 1);
    uint64_t t0 = hvp_rdmsr(HV_MSR_TIME_REF_COUNT);
    hvsim_step();
    CHECK(hvp_rdmsr(HV_MSR_TIME_REF_COUNT) > t0);
    hvp_wrmsr(HV_MSR_SINT0 + 2, 0x20);            /* no isr on 0x20 */
    CHECK_EQ(hvsim_violation_count(HVV_PLATFORM), 1);
    hvsim_fini();
}

TEST(post_message_input_rules)
{
    boot(&(struct hvsim_config){.versions = {VMBUS_VERSION_WIN8}, .nversions = 1});
    synic_up();
    uint8_t msg[256] = {VMBUS_MSG_REQUESTOFFERS};
    CHECK_EQ(post_at(4, 1, 1, msg, 8), HV_STATUS_INVALID_ALIGNMENT);
    CHECK_EQ(post_at(4096 - 128, 1, 1, msg, 8), HV_STATUS_INVALID_ALIGNMENT);   /* crosses */
    CHECK_EQ(post_at(0, 1, 1, msg, 241), HV_STATUS_INVALID_PARAMETER);
    CHECK_EQ(post_at(0, 1, 2, msg, 8), HV_STATUS_INVALID_PARAMETER);
    CHECK_EQ(hvsim_violation_count(HVV_POST), 4);
    /* Connection 4 does not exist on a 2.4 host: INVALID_CONNECTION_ID,
     * which Linux relies on -- not a violation. */
    unsigned before = hvsim_violations();
    CHECK_EQ(post(4, msg, 8), HV_STATUS_INVALID_CONNECTION_ID);
    CHECK_EQ(hvsim_violations(), before);
    hvsim_fail_next_posts(2, HV_STATUS_INSUFFICIENT_BUFFERS);
    CHECK_EQ(post(1, msg, 8), HV_STATUS_INSUFFICIENT_BUFFERS);
    CHECK_EQ(post(1, msg, 8), HV_STATUS_INSUFFICIENT_BUFFERS);
    CHECK_EQ(post(1, msg, 8), HV_STATUS_SUCCESS);
    hvsim_fini();
}

/* --- SynIC ------------------------------------------------------------------ */
TEST(busy_slot_queues_and_eom_delivers)
{
    boot(NULL);
    synic_up();
    uint8_t a[8] = {1}, b[8] = {2};
    hvsim_post_to_guest(VMBUS_SINT, 1, a, 8);
    hvsim_post_to_guest(VMBUS_SINT, 1, b, 8);
    hvsim_step();
    struct hv_message *slot = &g.simp->slot[VMBUS_SINT];
    CHECK_EQ(slot->message_type, 1);
    CHECK_EQ(slot->payload[0], 1);
    CHECK(slot->message_flags & HV_MSG_FLAG_PENDING);
    CHECK_EQ(hvsim_sint_queued(VMBUS_SINT), 1);
    CHECK_EQ(g.isr_calls, 1);
    /* Without EOM nothing more arrives even when the slot is freed. */
    slot->message_type = 0;
    hvsim_step();
    CHECK_EQ(hvsim_sint_queued(VMBUS_SINT), 1);
    slot->message_type = 1;
    /* The guest's sequence: free the slot, then EOM. */
    slot->message_type = 0;
    hvp_wrmsr(HV_MSR_EOM, 0);
    CHECK_EQ(slot->message_type, 1);
    CHECK_EQ(slot->payload[0], 2);
    CHECK(!(slot->message_flags & HV_MSG_FLAG_PENDING));
    hvsim_step();
    CHECK_EQ(g.isr_calls, 2);
    CHECK_EQ(hvsim_violations(), 0);
    hvsim_fini();
}

TEST(masked_sint_holds_messages)
{
    boot(NULL);
    synic_up();
    hvp_wrmsr(HV_MSR_SINT0 + VMBUS_SINT, (uint64_t)g.vector | HV_SINT_MASKED);
    uint8_t a[8] = {1};
    hvsim_post_to_guest(VMBUS_SINT, 1, a, 8);
    hvsim_step();
    CHECK_EQ(g.simp->slot[VMBUS_SINT].message_type, 0);
    CHECK_EQ(g.isr_calls, 0);
    hvp_wrmsr(HV_MSR_SINT0 + VMBUS_SINT, (uint64_t)g.vector);
    hvsim_step();
    CHECK_EQ(g.simp->slot[VMBUS_SINT].message_type, 1);
    CHECK_EQ(g.isr_calls, 1);
    hvsim_fini();
}

TEST(event_flags_edge_triggered)
{
    boot(NULL);
    synic_up();
    hvsim_signal_guest(5);
    hvsim_signal_guest(5);
    hvsim_step();
    CHECK_EQ(g.isr_calls, 1);
    CHECK(g.siefp[VMBUS_SINT * 256] & (1 << 5));
    g.siefp[VMBUS_SINT * 256] = 0;                 /* guest test-and-clears */
    hvsim_signal_guest(5);
    hvsim_step();
    CHECK_EQ(g.isr_calls, 2);
    hvsim_fini();
}

/* --- VMBus handshake ------------------------------------------------------------ */
TEST(initiate_contact_wrong_size_rejected)
{
    boot(NULL);
    synic_up();
    struct vmbus_msg_initiate_contact ic = {{VMBUS_MSG_INITIATE_CONTACT, 0}, VMBUS_VERSION_WIN8,
                                            0, {0}, 0, 0};
    post(1, &ic, sizeof ic - 8);
    hvsim_step();
    CHECK_EQ(hvsim_violation_count(HVV_MSG_SIZE), 1);
    CHECK_EQ(hvsim_conn_state(), HVS_DISCONNECTED);
    uint8_t buf[256] __attribute__((aligned(8)));
    uint32_t len;
    CHECK_EQ(next_msg(buf, &len), 0);              /* no answer */
    hvsim_fini();
}

/* Longer than its type and with header padding set: accepted, as openvmm
 * parses (read_from_prefix, padding unread). */
TEST(long_message_and_padding_tolerated)
{
    boot(NULL);
    synic_up();
    uint8_t raw[48] __attribute__((aligned(8))) = {0};
    struct vmbus_msg_initiate_contact ic = {{VMBUS_MSG_INITIATE_CONTACT, 0x5a5a}, VMBUS_VERSION_WIN8,
                                            0, {0}, 0, 0};
    memcpy(raw, &ic, sizeof ic);
    raw[sizeof ic] = 0xEE;                         /* a tail the host ignores */
    post(1, raw, sizeof raw);
    uint8_t buf[256] __attribute__((aligned(8)));
    uint32_t len;
    CHECK_EQ(next_msg(buf, &len), VMBUS_MSG_VERSION_RESPONSE);
    CHECK_EQ(hvsim_conn_state(), HVS_CONNECTED);
    CHECK_EQ(hvsim_violations(), 0);
    hvsim_fini();
}

TEST(negotiation_version_and_connection_rules)
{
    uint8_t buf[256] __attribute__((aligned(8)));
    uint32_t len;
    /* A 5.x host: >= 5.0 must come through connection 4, and the answer
     * names the connection for everything after. */
    boot(&(struct hvsim_config){.msg_conn_id = 0x17});
    synic_up();
    contact(VMBUS_VERSION_IRON, 1);               /* wrong connection */
    hvsim_step();
    CHECK_EQ(hvsim_violation_count(HVV_MSG_INVALID), 1);
    contact(VMBUS_VERSION_IRON, 4);
    REQUIRE(next_msg(buf, &len) == VMBUS_MSG_VERSION_RESPONSE);
    struct vmbus_msg_version_response *r = (void *)buf;
    CHECK_EQ(len, 16);
    CHECK_EQ(r->version_supported, 1);
    CHECK_EQ(r->msg_conn_id, 0x17);
    CHECK_EQ(hvsim_negotiated_version(), VMBUS_VERSION_IRON);
    uint8_t req[8] = {VMBUS_MSG_REQUESTOFFERS};
    post(1, req, 8);                               /* old connection */
    hvsim_step();
    CHECK_EQ(hvsim_violation_count(HVV_MSG_INVALID), 2);
    post(0x17, req, 8);
    CHECK_EQ(next_msg(buf, &len), VMBUS_MSG_ALLOFFERS_DELIVERED);
    CHECK_EQ(hvsim_violation_count(HVV_MSG_INVALID), 2);

    /* A 2.4-only host declines 4.0 and accepts 2.4. */
    boot(&(struct hvsim_config){.versions = {VMBUS_VERSION_WIN8}, .nversions = 1});
    synic_up();
    contact(VMBUS_VERSION_WIN10, 1);
    REQUIRE(next_msg(buf, &len) == VMBUS_MSG_VERSION_RESPONSE);
    CHECK_EQ(((struct vmbus_msg_version_response *)buf)->version_supported, 0);
    contact(VMBUS_VERSION_WIN8, 1);
    REQUIRE(next_msg(buf, &len) == VMBUS_MSG_VERSION_RESPONSE);
    CHECK_EQ(((struct vmbus_msg_version_response *)buf)->version_supported, 1);
    CHECK_EQ(hvsim_violations(), 0);

    /* A host that accepts nothing. */
    boot(&(struct hvsim_config){.versions_none = true});
    synic_up();
    contact(VMBUS_VERSION_WIN8, 1);
    REQUIRE(next_msg(buf, &len) == VMBUS_MSG_VERSION_RESPONSE);
    CHECK_EQ(((struct vmbus_msg_version_response *)buf)->version_supported, 0);

    /* One monitor page only: failed connection state. */
    boot(NULL);
    synic_up();
    struct vmbus_msg_initiate_contact ic = {{VMBUS_MSG_INITIATE_CONTACT, 0}, VMBUS_VERSION_WIN8,
                                            0, {0}, g.siefp_phys, 0};
    post(1, &ic, sizeof ic);
    REQUIRE(next_msg(buf, &len) == VMBUS_MSG_VERSION_RESPONSE);
    CHECK_EQ(((struct vmbus_msg_version_response *)buf)->connection_state, 2);
    CHECK_EQ(hvsim_violation_count(HVV_MSG_INVALID), 1);
    hvsim_fini();
}

TEST(out_of_order_messages_rejected)
{
    boot(NULL);
    synic_up();
    uint8_t req[8] = {VMBUS_MSG_REQUESTOFFERS};
    post(1, req, 8);
    hvsim_step();
    CHECK_EQ(hvsim_violation_count(HVV_MSG_STATE), 1);
    uint8_t bogus[12] = {VMBUS_MSG_OFFERCHANNEL};  /* host->guest type */
    post(1, bogus, 12);
    hvsim_step();
    CHECK_EQ(hvsim_violation_count(HVV_MSG_INVALID), 1);
    hvsim_fini();
}

TEST(offers_then_all_delivered)
{
    boot(NULL);
    struct hvsim_echo e;
    struct hvsim_ic hb, sd;
    hvsim_add_echo(&e, 0);
    hvsim_add_ic(&hb, HVSIM_IC_HEARTBEAT, 0);
    hvsim_add_ic(&sd, HVSIM_IC_SHUTDOWN, 0);
    connect_24();
    uint8_t req[8] = {VMBUS_MSG_REQUESTOFFERS}, buf[256] __attribute__((aligned(8)));
    uint32_t len, relids = 0;
    post(1, req, 8);
    for (int i = 0; i < 3; i++) {
        REQUIRE(next_msg(buf, &len) == VMBUS_MSG_OFFERCHANNEL);
        CHECK_EQ(len, 196);
        struct vmbus_msg_offer *o = (void *)buf;
        relids |= 1u << o->child_relid;
        CHECK_EQ(o->connection_id, o->child_relid | 0x2000);
    }
    CHECK_EQ(relids, 0xE);
    CHECK_EQ(next_msg(buf, &len), VMBUS_MSG_ALLOFFERS_DELIVERED);
    post(1, req, 8);                               /* twice */
    hvsim_step();
    CHECK_EQ(hvsim_violation_count(HVV_MSG_STATE), 1);
    /* Hot add after the offers were delivered. */
    struct hvsim_echo e2;
    hvsim_add_echo(&e2, 9);
    CHECK_EQ(next_msg(buf, &len), VMBUS_MSG_OFFERCHANNEL);
    CHECK_EQ(((struct vmbus_msg_offer *)buf)->child_relid, 9);
    hvsim_fini();
}

/* GPADL over `pages` pages of `mem` for relid, split header + bodies. */
static void send_gpadl(uint32_t relid, uint32_t handle, uint64_t phys, size_t pages,
                       uint64_t bad_pfn_at)
{
    uint8_t m[240];
    size_t sent = 0, n = pages < 26 ? pages : 26;
    struct vmbus_msg_gpadl_header h = {{VMBUS_MSG_GPADL_HEADER, 0}, relid, handle,
                                       (uint16_t)(8 + 8 * pages), 1, (uint32_t)(pages * 4096), 0};
    memcpy(m, &h, sizeof h);
    for (size_t i = 0; i < n; i++) {
        uint64_t pfn = i == bad_pfn_at ? 0x12345 : (phys >> 12) + i;
        memcpy(m + 28 + 8 * i, &pfn, 8);
    }
    post(1, m, (uint32_t)(28 + 8 * n));
    sent = n;
    while (sent < pages) {
        n = pages - sent < 28 ? pages - sent : 28;
        struct vmbus_msg_gpadl_body b = {{VMBUS_MSG_GPADL_BODY, 0}, 0, handle};
        memcpy(m, &b, sizeof b);
        for (size_t i = 0; i < n; i++) {
            uint64_t pfn = sent + i == bad_pfn_at ? 0x12345 : (phys >> 12) + sent + i;
            memcpy(m + 16 + 8 * i, &pfn, 8);
        }
        post(1, m, (uint32_t)(16 + 8 * n));
        sent += n;
    }
}

static void offers(void)
{
    uint8_t req[8] = {VMBUS_MSG_REQUESTOFFERS}, buf[256] __attribute__((aligned(8)));
    uint32_t len;
    post(1, req, 8);
    while (next_msg(buf, &len) == VMBUS_MSG_OFFERCHANNEL)
        ;
}

/* A GPADL_HEADER carrying more page numbers than range_buflen announces,
 * as UEFI sends whole messages: the host keeps what range_buflen says
 * (openvmm Gpadl::append) and creates a GPADL of that many pages. */
TEST(gpadl_header_past_range_buflen_is_truncated)
{
    boot(NULL);
    struct hvsim_echo e;
    hvsim_add_echo(&e, 1);
    connect_24();
    offers();
    uint64_t phys;
    REQUIRE(hvp_alloc_pages(3, &phys));
    uint8_t m[240] __attribute__((aligned(8))) = {0};
    struct vmbus_msg_gpadl_header h = {{VMBUS_MSG_GPADL_HEADER, 0}, 1, 0x77, 8 + 8 * 1, 1, 4096, 0};
    memcpy(m, &h, sizeof h);
    for (size_t i = 0; i < 3; i++) {
        uint64_t pfn = (phys >> 12) + i;
        memcpy(m + 28 + 8 * i, &pfn, 8);
    }
    post(1, m, 28 + 8 * 3);
    uint8_t buf[256] __attribute__((aligned(8)));
    uint32_t len;
    CHECK_EQ(next_msg(buf, &len), VMBUS_MSG_GPADL_CREATED);
    CHECK_EQ(((struct vmbus_msg_gpadl_created *)buf)->status, 0);
    CHECK_EQ(hvsim_gpadl_pages(0x77), 1);
    CHECK_EQ(hvsim_violations(), 0);
    hvsim_fini();
}

TEST(gpadl_rules)
{
    boot(NULL);
    struct hvsim_echo e;
    hvsim_add_echo(&e, 1);
    connect_24();
    offers();
    uint64_t phys;
    hvp_alloc_pages(60, &phys);
    uint8_t buf[256] __attribute__((aligned(8)));
    uint32_t len;
    struct vmbus_msg_gpadl_created *c = (void *)buf;
    size_t sizes[] = {1, 2, 26, 27, 54, 55};
    for (size_t i = 0; i < 6; i++) {
        send_gpadl(1, 0x100 + (uint32_t)i, phys, sizes[i], ~0ull);
        REQUIRE(next_msg(buf, &len) == VMBUS_MSG_GPADL_CREATED);
        CHECK_EQ(c->gpadl, 0x100 + i);
        CHECK_EQ(c->status, 0);
        CHECK_EQ(hvsim_gpadl_pages(0x100 + (uint32_t)i), sizes[i]);
    }
    CHECK_EQ(hvsim_violations(), 0);
    /* A PFN outside guest memory. */
    send_gpadl(1, 0x200, phys, 30, 28);
    REQUIRE(next_msg(buf, &len) == VMBUS_MSG_GPADL_CREATED);
    CHECK(c->status != 0);
    CHECK_EQ(hvsim_violation_count(HVV_MEM), 1);
    /* Handle reuse, unknown relid, body for an unknown handle. */
    send_gpadl(1, 0x100, phys, 1, ~0ull);
    send_gpadl(7, 0x300, phys, 1, ~0ull);
    struct vmbus_msg_gpadl_body b = {{VMBUS_MSG_GPADL_BODY, 0}, 0, 0x999};
    uint8_t m[24] = {0};
    memcpy(m, &b, sizeof b);
    post(1, m, 24);
    hvsim_step();
    CHECK_EQ(hvsim_violation_count(HVV_GPADL), 3);  /* 0x200 failure + reuse + body */
    CHECK_EQ(hvsim_violation_count(HVV_CHANNEL), 1);
    /* Teardown. */
    struct vmbus_msg_gpadl_teardown td = {{VMBUS_MSG_GPADL_TEARDOWN, 0}, 1, 0x101};
    post(1, &td, sizeof td);
    CHECK_EQ(next_msg(buf, &len), VMBUS_MSG_GPADL_TORNDOWN);
    CHECK_EQ(hvsim_gpadl_pages(0x101), 0);
    /* Freeing pages still in a GPADL. */
    hvsim_clear_violations();
    void *p = hvsim_gpa_ptr(phys, 4096);
    hvp_free_pages(p, 60);
    CHECK_EQ(hvsim_violation_count(HVV_MEM), 1);
    hvsim_fini();
}

/* --- Rings ---------------------------------------------------------------------- */
/* A tiny producer for the guest->host ring (contiguous memory). */
static void ring_put(uint8_t *ring, uint32_t dsize, const void *data, uint32_t len,
                     uint16_t type, uint16_t flags)
{
    struct vmbus_ring_ctl *ctl = (void *)ring;
    uint8_t *d = ring + 4096;
    uint32_t w = ctl->write_index, body = 16 + ((len + 7) & ~7u);
    uint8_t pkt[4096] = {0};
    struct vmbus_pkt_desc desc = {type, 2, (uint16_t)(body / 8), flags, 42};
    memcpy(pkt, &desc, 16);
    memcpy(pkt + 16, data, len);
    uint64_t trailer = (uint64_t)w << 32;
    memcpy(pkt + body, &trailer, 8);
    for (uint32_t i = 0; i < body + 8; i++)
        d[(w + i) % dsize] = pkt[i];
    ctl->write_index = (w + body + 8) % dsize;
}

TEST(open_channel_echo_and_signals)
{
    boot(NULL);
    struct hvsim_echo e;
    struct hvsim_chan *ch = hvsim_add_echo(&e, 1);
    connect_24();
    offers();
    uint64_t phys;
    uint8_t *mem = hvp_alloc_pages(8, &phys);       /* 4 + 4 pages */
    uint8_t buf[256] __attribute__((aligned(8)));
    uint32_t len;
    send_gpadl(1, 0x10, phys, 8, ~0ull);
    REQUIRE(next_msg(buf, &len) == VMBUS_MSG_GPADL_CREATED);
    /* A ring of 1 page is refused. */
    struct vmbus_msg_open_channel o = {{VMBUS_MSG_OPENCHANNEL, 0}, 1, 77, 0x10, 0, 1, {0}};
    post(1, &o, sizeof o);
    REQUIRE(next_msg(buf, &len) == VMBUS_MSG_OPENCHANNEL_RESULT);
    CHECK(((struct vmbus_msg_open_result *)buf)->status != 0);
    CHECK_EQ(hvsim_violation_count(HVV_CHANNEL), 1);
    hvsim_clear_violations();
    o.downstream_page_offset = 4;
    post(1, &o, sizeof o);
    REQUIRE(next_msg(buf, &len) == VMBUS_MSG_OPENCHANNEL_RESULT);
    struct vmbus_msg_open_result *res = (void *)buf;
    CHECK_EQ(res->status, 0);
    CHECK_EQ(res->open_id, 77);
    REQUIRE(hvsim_chan_is_open(ch));
    /* One packet, one signal: echoed back, host signals us once. */
    ring_put(mem, 3 * 4096, "hello", 5, VMBUS_PKT_DATA_INBAND, 0);
    CHECK_EQ(hvp_hypercall(g.hc_page, HVCALL_SIGNAL_EVENT | HV_HC_FAST, 0x2001, 0), 0);
    unsigned isr0 = g.isr_calls;
    hvsim_step();
    CHECK_EQ(e.packets, 1);
    CHECK_EQ(e.last_len, 8);
    const struct hvsim_ring_stats *st = hvsim_chan_stats(ch);
    CHECK_EQ(st->host_signals, 1);
    CHECK_EQ(g.isr_calls, isr0 + 1);
    struct vmbus_ring_ctl *in = (void *)(mem + 4 * 4096);
    CHECK_EQ(in->write_index, 16 + 8 + 8);
    CHECK(memcmp(mem + 5 * 4096 + 16, "hello", 5) == 0);
    CHECK_EQ(hvsim_violations(), 0);
    /* A signal with nothing new is needless. */
    hvp_hypercall(g.hc_page, HVCALL_SIGNAL_EVENT | HV_HC_FAST, 0x2001, 0);
    CHECK_EQ(hvsim_violation_count(HVV_SIGNAL_NEEDLESS), 1);
    /* Data without a signal is a lost wake-up. */
    ring_put(mem, 3 * 4096, "x", 1, VMBUS_PKT_DATA_INBAND, 0);
    hvsim_step();
    CHECK_EQ(hvsim_violation_count(HVV_SIGNAL_LOST), 1);
    /* Unknown connection. */
    CHECK_EQ(hvp_hypercall(g.hc_page, HVCALL_SIGNAL_EVENT | HV_HC_FAST, 0x2055, 0),
             HV_STATUS_INVALID_CONNECTION_ID);
    /* Teardown of the ring GPADL while open is refused; close, then ok. */
    hvsim_clear_violations();
    struct vmbus_msg_gpadl_teardown td = {{VMBUS_MSG_GPADL_TEARDOWN, 0}, 1, 0x10};
    post(1, &td, sizeof td);
    hvsim_step();
    CHECK_EQ(hvsim_violation_count(HVV_GPADL), 1);
    struct vmbus_msg_relid cl = {{VMBUS_MSG_CLOSECHANNEL, 0}, 1};
    post(1, &cl, sizeof cl);
    post(1, &td, sizeof td);
    CHECK_EQ(next_msg(buf, &len), VMBUS_MSG_GPADL_TORNDOWN);
    CHECK(!hvsim_chan_is_open(ch));
    hvsim_fini();
}

/* Boots, connects at 2.4, and opens an echo device on relid 1 with a
 * 4-page ring GPADL (2 pages each way) built by hand; NULL on failure. */
static struct hvsim_chan *open_raw_echo(struct hvsim_echo *e, uint8_t **mem)
{
    boot(NULL);
    struct hvsim_chan *ch = hvsim_add_echo(e, 1);
    connect_24();
    offers();
    uint64_t phys;
    *mem = hvp_alloc_pages(4, &phys);
    uint8_t buf[256] __attribute__((aligned(8)));
    uint32_t len;
    send_gpadl(1, 0x10, phys, 4, ~0ull);
    if (next_msg(buf, &len) != VMBUS_MSG_GPADL_CREATED)
        return NULL;
    struct vmbus_msg_open_channel o = {{VMBUS_MSG_OPENCHANNEL, 0}, 1, 1, 0x10, 0, 2, {0}};
    post(1, &o, sizeof o);
    return next_msg(buf, &len) == VMBUS_MSG_OPENCHANNEL_RESULT ? ch : NULL;
}

/* A second OPENCHANNEL for an open channel gets no answer at all, as from
 * openvmm: no failure result, no violation, the channel stays open. */
TEST(second_openchannel_is_not_answered)
{
    struct hvsim_echo e;
    uint8_t *mem;
    struct hvsim_chan *ch = open_raw_echo(&e, &mem);
    REQUIRE(ch);
    uint8_t buf[256] __attribute__((aligned(8)));
    uint32_t len;
    struct vmbus_msg_open_channel o = {{VMBUS_MSG_OPENCHANNEL, 0}, 1, 1, 0x10, 0, 2, {0}};
    post(1, &o, sizeof o);
    CHECK_EQ(next_msg(buf, &len), 0);
    CHECK(hvsim_chan_is_open(ch));
    CHECK_EQ(hvsim_violations(), 0);
    hvsim_fini();
}

/* INITIATE_CONTACT while connected is a reconnect (openvmm): the open
 * channel and its GPADL go, and the contact is answered afresh. */
TEST(initiate_contact_while_connected_reconnects)
{
    struct hvsim_echo e;
    uint8_t *mem;
    struct hvsim_chan *ch = open_raw_echo(&e, &mem);
    REQUIRE(ch);
    CHECK_EQ(hvsim_gpadl_count(), 1);
    uint8_t buf[256] __attribute__((aligned(8)));
    uint32_t len;
    contact(VMBUS_VERSION_WIN8, 1);
    CHECK_EQ(next_msg(buf, &len), VMBUS_MSG_VERSION_RESPONSE);
    CHECK_EQ(((struct vmbus_msg_version_response *)buf)->version_supported, 1);
    CHECK(!hvsim_chan_is_open(ch));
    CHECK_EQ(hvsim_gpadl_count(), 0);
    CHECK_EQ(hvsim_conn_state(), HVS_CONNECTED);
    offers();
    CHECK_EQ(hvsim_violations(), 0);
    hvsim_fini();
}

TEST(corrupt_guest_packet_detected)
{
    struct hvsim_echo e;
    uint8_t *mem;
    struct hvsim_chan *ch = open_raw_echo(&e, &mem);
    REQUIRE(ch);
    ring_put(mem, 4096, "abc", 3, 0x5, 0);        /* type 5: not from a guest */
    hvp_hypercall(g.hc_page, HVCALL_SIGNAL_EVENT | HV_HC_FAST, 0x2001, 0);
    hvsim_step();
    CHECK_EQ(hvsim_violation_count(HVV_RING), 1);
    CHECK(hvsim_chan_stats(ch)->corrupt);
    CHECK_EQ(e.packets, 0);
    hvsim_fini();
}

TEST(unload)
{
    boot(NULL);
    connect_24();
    offers();
    uint8_t m[8] = {VMBUS_MSG_UNLOAD}, buf[256] __attribute__((aligned(8)));
    uint32_t len;
    post(1, m, 8);
    CHECK_EQ(next_msg(buf, &len), VMBUS_MSG_UNLOAD_RESPONSE);
    CHECK_EQ(hvsim_conn_state(), HVS_DISCONNECTED);
    CHECK_EQ(hvsim_unload_count(), 1);
    CHECK_EQ(hvsim_violations(), 0);
    hvsim_fini();
}

/* Host -> guest flow control with the tiny guest as consumer: the host
 * waits with pending_send_sz; a signal before enough space is free is
 * needless, the one after the crossing resumes it. */
TEST(host_waits_for_space)
{
    struct hvsim_echo e;
    uint8_t *mem;
    struct hvsim_chan *ch = open_raw_echo(&e, &mem);
    REQUIRE(ch);
    uint8_t data[1000] = {0};
    for (int i = 0; i < 6; i++)
        hvsim_chan_send(ch, VMBUS_PKT_DATA_INBAND, 0, (uint64_t)i, data, sizeof data);
    hvsim_step();
    struct vmbus_ring_ctl *in = (void *)(mem + 2 * 4096);
    const struct hvsim_ring_stats *st = hvsim_chan_stats(ch);
    /* Packets of 16 + 1000 + 8 = 1024 bytes: 3 fit (ring_free 1016 < 1024). */
    CHECK_EQ(st->h2g_packets, 3);
    CHECK_EQ(st->host_waits, 1);
    CHECK_EQ(in->pending_send_sz, 1024);           /* max(1024, (4096 - 8) / 4) */
    /* The guest consumes one packet: ring_free 2040 >= 1024; it signals. */
    in->read_index = 1024;
    hvp_hypercall(g.hc_page, HVCALL_SIGNAL_EVENT | HV_HC_FAST, 0x2001, 0);
    CHECK_EQ(st->host_resumes, 1);
    hvsim_step();
    CHECK_EQ(st->h2g_packets, 4);
    /* Needless: nothing new, host not waiting for more than it has. */
    hvsim_clear_violations();
    hvp_hypercall(g.hc_page, HVCALL_SIGNAL_EVENT | HV_HC_FAST, 0x2001, 0);
    CHECK_EQ(hvsim_violation_count(HVV_SIGNAL_NEEDLESS), 1);
    /* A read index beyond the write index is corruption. */
    in->read_index = (in->write_index + 8) % (4096);
    hvsim_step();
    CHECK_EQ(hvsim_violation_count(HVV_RING), 1);
    hvsim_fini();
}
