/* hvsim internals shared by its files (not for tests). */
#pragma once
#include <stdarg.h>
#include <stdio.h>
#include "tests/hvsim/hvsim.h"

#define HVSIM_MAX_CHANS   64
#define HVSIM_MAX_GPADLS  256
#define HVSIM_INBOX_MAX   1024

void hvsim_violate(enum hvsim_viol kind, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void hvsim_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* hvsim.c: hypervisor. */
uint64_t hvsim_do_rdmsr(uint32_t msr);
void hvsim_do_wrmsr(uint32_t msr, uint64_t v);
uint64_t hvsim_do_hypercall(void *page, uint64_t control, uint64_t in, uint64_t out);
void hvsim_do_hypercall_prepare(void *virt, uint64_t phys);
void *hvsim_arena_alloc(size_t pages, uint64_t *phys);
void hvsim_arena_free(void *virt, size_t pages);
int hvsim_irq_register(void (*isr)(void *), void *arg);
void hvsim_cpuid(uint32_t leaf, uint32_t out[4]);

/* hvsim_platform.c */
void hvsim_platform_reset(void);

/* hvsim_vmbus.c: VMBus server. */
void hvsim_vmbus_reset(void);
void hvsim_vmbus_free(void);
/* A PostMessage the hypervisor accepted: connection id, payload. */
void hvsim_vmbus_on_post(uint32_t conn_id, const uint8_t *msg, uint32_t len);
bool hvsim_vmbus_conn_exists(uint32_t conn_id);
/* SignalEvent on conn_id: returns false if no channel has that id. */
bool hvsim_vmbus_on_signal(uint32_t conn_id);
bool hvsim_vmbus_step(void);
/* GPA pages [gpa, gpa + pages*4096) are referenced by a live GPADL. */
bool hvsim_vmbus_pages_in_gpadl(uint64_t gpa, size_t pages);

/* hvsim_ring.c: host halves of one channel's rings. */
struct hs_ring {
    uint8_t **pg;               /* host pointers of the ring's pages; pg[0] = control */
    uint32_t npages, dsize;
    struct vmbus_ring_ctl *ctl;
    uint32_t idx;               /* host-owned index: read (g2h) or write (h2g) */
};
struct hs_pkt {
    struct hs_pkt *next;
    uint16_t type, flags;
    uint64_t trans_id;
    size_t len;                 /* header + payload */
    uint32_t hdr_len;           /* type-specific header at the start of data (8-aligned) */
    uint8_t data[];
};
struct hvsim_chan {
    uint32_t relid, conn_id;
    const struct hvsim_dev_ops *ops;
    void *priv;
    bool offered, rescinded, released, open;
    unsigned closes;            /* CLOSECHANNEL messages for it, ignored ones too */
    uint32_t ring_gpadl;
    struct hs_ring g2h, h2g;
    bool g2h_armed;             /* host idle: next write to the empty ring must signal */
    bool g2h_active;            /* host was signalled and drains */
    bool g2h_lost_reported;
    bool rx_paused;             /* device model stopped reading g2h */
    uint32_t h2g_rd;            /* guest read index of h2g last seen */
    bool h2g_waiting;           /* host waits for space (pending_send_sz set) */
    bool h2g_lost_reported;
    struct hs_pkt *out_head, *out_tail;
    size_t backlog;
    struct hvsim_ring_stats st;
};
int hs_ring_setup(struct hs_ring *r, uint8_t **pages, uint32_t npages);
void hs_chan_rings_open(struct hvsim_chan *ch);
void hs_chan_rings_close(struct hvsim_chan *ch);
bool hs_chan_step(struct hvsim_chan *ch);
/* SignalEvent for this channel: decides whether it was needed. */
void hs_chan_guest_signal(struct hvsim_chan *ch);
