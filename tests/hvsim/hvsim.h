/* hvsim: a strict Hyper-V host simulator for hosted tests of hv/.
 *
 * It plays the hypervisor (CPUID, synthetic MSRs, hypercalls, the SynIC
 * message and event-flags pages), the VMBus host (version negotiation,
 * offers, GPADLs, channel open/close, rescind, unload), the host halves of
 * the ring buffers with the signalling rules, and device models plugged in
 * through struct hvsim_dev_ops (an echo device and the heartbeat, shutdown
 * and timesync integration services come with it).
 *
 * The guest reaches it only through hv/hv_platform.h (hvsim_platform.c).
 * The host side touches guest memory only by guest physical address, after
 * validating it against the simulated memory arena; GPAs are not host
 * pointers (the arena starts at HVSIM_GPA_BASE).
 *
 * Wire facts follow the TLFS, Linux (include/linux/hyperv.h, drivers/hv/),
 * FreeBSD (sys/dev/hyperv/) and openvmm, with the files cited in each
 * source file (hv/ic_reg.h names those of the ICs); the host behaviour
 * follows microsoft/openvmm (vmbus_server channels.rs, vmbus_ring
 * lib.rs, hv1_emulator synic.rs, hyperv_ic). Whatever the guest does wrong
 * is refused the way Hyper-V would refuse it, and logged and counted as a
 * violation (hvsim_violations()); tests assert zero violations for correct
 * behaviour and the specific kind for hostile cases. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "hv/hv_reg.h"
#include "hv/vmbus_reg.h"

#define HVSIM_GPA_BASE 0x100000ull
#define HVSIM_PAGE     4096u

/* GUID text a-b-c-d-e in wire order (a LE u32, b and c LE u16, then d and
 * e bytewise), as in Linux include/linux/hyperv.h (guid_t, GUID_INIT) and
 * the HV_*_GUID values there. */
#define HVSIM_GUID(a, b, c, d0, d1, e0, e1, e2, e3, e4, e5)                     \
    { { (a) & 0xFF, ((a) >> 8) & 0xFF, ((a) >> 16) & 0xFF, ((a) >> 24) & 0xFF, \
        (b) & 0xFF, ((b) >> 8) & 0xFF, (c) & 0xFF, ((c) >> 8) & 0xFF,          \
        d0, d1, e0, e1, e2, e3, e4, e5 } }

/* --- Configuration --------------------------------------------------------- */
struct hvsim_config {
    /* CPUID personality. */
    bool not_hyperv;            /* hypervisor bit clear, no 0x4000_00xx leaves */
    bool other_hypervisor;      /* "KVMKVMKVM" vendor instead of Microsoft */
    bool no_synic;              /* 0x40000003.EAX lacks the SynIC MSRs */
    bool no_hypercall_msr;      /* ... lacks HYPERCALL/GUEST_OS_ID */
    bool no_post_priv;          /* 0x40000003.EBX lacks PostMessages */
    bool no_signal_priv;        /* ... lacks SignalEvents */
    bool deprecate_auto_eoi;    /* 0x40000004.EAX bit 9 */
    bool no_tsc_freq_msr;       /* 0x40000003.EAX lacks the frequency MSRs (bit 11) */
    bool no_ref_tsc;            /* ... lacks REFERENCE_TSC (bit 9) */
    /* VMBus versions the host accepts (exact match). nversions == 0 with
     * versions_none false means the default list 2.4 .. 5.3. */
    uint32_t versions[16];
    size_t nversions;
    bool versions_none;         /* accepts no version at all */
    uint32_t msg_conn_id;       /* VERSION_RESPONSE.msg_conn_id for >= 5.0 (default 1) */
    size_t mem_pages;           /* guest memory arena (default 8192 = 32 MiB) */
    uint32_t vp_index;          /* VP_INDEX of the one VP (default 0) */
    uint64_t tsc_hz;            /* TSC_FREQUENCY (default 2.5 GHz) */
    bool host_polls;            /* host keeps interrupt_mask = 1 on the rings it reads */
    unsigned max_queued_posts;  /* host inbox depth before INSUFFICIENT_BUFFERS (64) */
    bool silent;                /* hostile: accepts posts, never answers them */
    uint8_t version_conn_state; /* connection_state in an accepting VERSION_RESPONSE (0) */
    unsigned alloffers_delay;   /* ALLOFFERS_DELIVERED this many steps after the offers */
    bool no_alloffers;          /* ... never */
    /* Offer flags of hosts other than openvmm: monitor_allocated = 1 with
     * monitor_id = relid % 128 (older Hyper-V hosts use MNF), and
     * is_dedicated_interrupt = 0 (hosts 2.4 .. 4.1 may share one). */
    bool offer_monitor_allocated;
    bool offer_shared_interrupt;
};

/* Resets everything (frees the previous arena) and applies cfg (NULL =
 * defaults). Every test starts with it. */
void hvsim_init(const struct hvsim_config *cfg);
void hvsim_fini(void);
const struct hvsim_config *hvsim_cfg(void);

/* --- Violations ------------------------------------------------------------ */
enum hvsim_viol {
    HVV_MSR,            /* unknown MSR, read-only MSR written, bad value */
    HVV_HYPERCALL,      /* call before the page is enabled, bad page, bad code/input */
    HVV_POST,           /* PostMessage input invalid (alignment, size, type, privilege) */
    HVV_MSG_SIZE,       /* channel message of the wrong size for its type */
    HVV_MSG_STATE,      /* message out of order for the connection state */
    HVV_MSG_INVALID,    /* unknown type, bad field values, wrong connection id */
    HVV_GPADL,          /* GPADL header/body/teardown rules */
    HVV_CHANNEL,        /* open/close/relid rules */
    HVV_MEM,            /* a GPA outside guest memory; pages freed while in a GPADL */
    HVV_RING,           /* guest ring indices or packets malformed */
    HVV_SIGNAL_NEEDLESS,/* guest signalled the host when the rules say not to */
    HVV_SIGNAL_LOST,    /* guest should have signalled and did not */
    HVV_SIGNAL,         /* SignalEvent to an unknown connection */
    HVV_IC,             /* integration-service reply malformed */
    HVV_PLATFORM,       /* misuse of hv_platform.h (bad free, wrong vector, ...) */
    HVV_COUNT
};
unsigned hvsim_violations(void);                 /* total */
unsigned hvsim_violation_count(enum hvsim_viol kind);
const char *hvsim_last_violation(void);          /* "" when none */
/* Tests that provoke violations on purpose clear them afterwards. */
void hvsim_clear_violations(void);
/* Prints each violation to stderr as it happens (default on). */
void hvsim_set_verbose(bool on);

/* --- Guest memory (host view) ---------------------------------------------- */
/* Host pointer for [gpa, gpa+len) if it lies in allocated guest memory,
 * else NULL (no violation logged: callers decide). */
void *hvsim_gpa_ptr(uint64_t gpa, size_t len);
bool hvsim_gpa_valid(uint64_t gpa, size_t len);
uint64_t hvsim_ptr_gpa(const void *p);           /* 0 if not in the arena */
size_t hvsim_pages_in_use(void);

/* --- Hypervisor state, for tests ------------------------------------------- */
struct hvsim_hv_stats {
    uint64_t posts, post_fail, signals_in, interrupts, messages_delivered, eoms,
        queued_messages, events_set;
};
extern struct hvsim_hv_stats hvsim_hv_stats;
uint64_t hvsim_msr(uint32_t msr);                /* current value, no checks */
bool hvsim_synic_ready(void);                    /* SCONTROL, SIMP, SINT2 unmasked */
/* Messages waiting for SINT n's slot (not yet in the SIMP). */
size_t hvsim_sint_queued(unsigned sint);
/* Makes the next n PostMessage calls fail with `status` (transient). */
void hvsim_fail_next_posts(unsigned n, uint16_t status);
/* Sets the simulated reference time (100 ns units); time also advances by
 * 1 us per step. */
void hvsim_set_ref_time(uint64_t t100ns);
uint64_t hvsim_ref_time(void);

/* --- Raw host -> guest messages (also the hostile-host API) ----------------- */
/* Queues a SynIC message for SINT `sint` (delivered per TLFS rules: only
 * into an empty slot, pending flag otherwise). payload_size is written as
 * given (a hostile test may pass > 240); at most 240 bytes are copied. */
void hvsim_post_to_guest(unsigned sint, uint32_t message_type, const void *payload,
                         uint8_t payload_size);
/* A VMBus channel message (type 1) on SINT 2. */
void hvsim_send_vmbus(const void *msg, size_t len);
/* Sets the event flag `bit` of SINT 2 (a host->guest channel signal). */
void hvsim_signal_guest(uint32_t relid);

/* --- Stepping --------------------------------------------------------------- */
/* One step: process guest posts, deliver queued messages, run rings and
 * device models, raise pending interrupts (the guest's isr runs here).
 * Returns true if anything happened. */
bool hvsim_step(void);
/* Steps (and runs vmbus_poll() when the guest worker was kicked) until
 * nothing happens for a while; returns the number of steps. Bounded. */
unsigned hvsim_run_until_idle(void);
/* The guest worker was kicked and has not run yet (hvsim_platform.c). */
bool hvsim_worker_pending(void);

/* --- VMBus host --------------------------------------------------------------- */
struct hvsim_chan;
struct hvsim_dev_ops {
    const char *name;
    struct vmbus_guid class_id;
    struct vmbus_guid instance_id;
    uint16_t chn_flags;             /* OFFERCHANNEL flags (pipes: 0x11) */
    uint32_t pipe_mode;             /* user_defined[0..3] for pipe offers */
    /* Guest opened the channel; return 0 to accept (OPENCHANNEL_RESULT status). */
    int (*on_open)(struct hvsim_chan *ch, const uint8_t *user_data);
    /* One validated guest packet; payload = data after offset8. */
    void (*on_packet)(struct hvsim_chan *ch, const struct vmbus_pkt_desc *desc,
                      const uint8_t *payload, uint32_t len);
    void (*on_close)(struct hvsim_chan *ch);
    /* Called every step while open (timers, host-initiated traffic). */
    void (*on_step)(struct hvsim_chan *ch);
};

enum hvsim_conn_state { HVS_DISCONNECTED, HVS_CONNECTED, HVS_OFFERS_SENT };
enum hvsim_conn_state hvsim_conn_state(void);
uint32_t hvsim_negotiated_version(void);       /* 0 when not connected */
unsigned hvsim_unload_count(void);

/* Adds a device; it is offered at REQUESTOFFERS, or right away (hot add)
 * if the guest already asked for offers. relid 0 = next free. */
struct hvsim_chan *hvsim_add_device(const struct hvsim_dev_ops *ops, void *priv, uint32_t relid);
/* Withdraws the offer (RESCIND_CHANNELOFFER); the guest must close and
 * send RELID_RELEASED. */
void hvsim_rescind(struct hvsim_chan *ch);
struct hvsim_chan *hvsim_chan_by_relid(uint32_t relid);
uint32_t hvsim_chan_relid(const struct hvsim_chan *ch);
uint32_t hvsim_chan_conn_id(const struct hvsim_chan *ch);
void *hvsim_chan_priv(const struct hvsim_chan *ch);
bool hvsim_chan_is_open(const struct hvsim_chan *ch);
bool hvsim_chan_released(const struct hvsim_chan *ch);   /* RELID_RELEASED seen */
unsigned hvsim_chan_closes(const struct hvsim_chan *ch);  /* CLOSECHANNEL seen (also after a rescind) */
size_t hvsim_gpadl_count(void);
/* Pages of a live GPADL (0 if unknown). */
size_t hvsim_gpadl_pages(uint32_t handle);

/* A live single-range GPADL of channel relid: its PFNs and range (for
 * device models that use guest buffers); NULL if there is none. */
const uint64_t *hvsim_gpadl_pfns(uint32_t handle, uint32_t relid, size_t *npfn, uint32_t *byte_count,
                                 uint32_t *byte_offset);

/* Queues one packet to the guest; written when it fits (the host waits
 * with pending_send_sz otherwise). Returns 0, or -EINVAL if not open or
 * too large for the ring ever. */
int hvsim_chan_send(struct hvsim_chan *ch, uint16_t type, uint16_t flags, uint64_t trans_id,
                    const void *data, size_t len);
/* hvsim_chan_send with a type-specific header (hdr_len a multiple of 8)
 * between descriptor and payload; offset8 points past it. */
int hvsim_chan_send_hdr(struct hvsim_chan *ch, uint16_t type, uint16_t flags, uint64_t trans_id,
                        const void *hdr, size_t hdr_len, const void *data, size_t len);
size_t hvsim_chan_backlog(const struct hvsim_chan *ch);   /* packets not yet written */
/* Stops (true) or resumes reading the guest->host ring, so that it fills
 * and the guest has to wait with pending_send_sz. */
void hvsim_chan_pause_rx(struct hvsim_chan *ch, bool paused);

struct hvsim_ring_stats {
    uint64_t g2h_packets, g2h_bytes, h2g_packets, h2g_bytes;
    uint64_t guest_signals;         /* SignalEvent on this channel */
    uint64_t guest_signals_needless;
    uint64_t host_signals;          /* host -> guest interrupts (event flag) */
    uint64_t host_waits;            /* times the host set pending_send_sz */
    uint64_t host_resumes;          /* ... and was woken by the guest */
    uint64_t h2g_wraps, g2h_wraps;  /* packets that straddled the ring end */
    uint64_t shared_int_bits;       /* signals with the channel's interrupt-page bit set */
    bool corrupt;                   /* ring declared corrupt; host stopped */
};
const struct hvsim_ring_stats *hvsim_chan_stats(const struct hvsim_chan *ch);

/* Hostile-host helpers on an open channel's host->guest ring. */
void hvsim_ring_set_indices(struct hvsim_chan *ch, bool h2g, uint32_t write_index,
                            uint32_t read_index);
/* Writes raw bytes at the current host write index (wrapping) and then
 * publishes write_index = old + advance (mod size) and signals. */
void hvsim_ring_write_raw(struct hvsim_chan *ch, const void *bytes, size_t len, uint32_t advance);
uint32_t hvsim_ring_data_size(const struct hvsim_chan *ch, bool h2g);

/* Builds a well-formed OFFERCHANNEL for (class, instance, relid). */
void hvsim_make_offer(struct vmbus_msg_offer *o, const struct vmbus_guid *class_id,
                      const struct vmbus_guid *instance_id, uint32_t relid);

/* --- Device models -------------------------------------------------------------- */
/* Echo: in-band packets come back unchanged (same trans_id); a packet with
 * completion requested also gets a COMP. hvsim_echo_pause stops echoing
 * (packets are kept) to fill rings. */
struct hvsim_echo {
    uint64_t packets, bytes, comps;
    uint32_t last_len;
    bool paused;
    bool opened;
    /* GPA-direct packets: the last one's range count, the bytes its ranges
     * name (read from guest memory, the first 16 KiB kept), its payload. */
    uint64_t gpa_packets;
    uint32_t gpa_ranges;
    size_t gpa_len;
    uint8_t gpa_data[16384];
    uint8_t gpa_inband[64];
    uint32_t gpa_inband_len;
    /* Transfer-page packets sent with hvsim_echo_send_xfer and not yet
     * completed; a completion for any other id is a violation once one
     * was sent (HVV_CHANNEL). */
    /* Completion requests: by default an in-band echo and an empty COMP;
     * comp_payload: only a COMP carrying the request's payload (a
     * handshake reply); comp_silent: no COMP at all. */
    bool comp_payload, comp_silent;
    uint64_t last_trans_id;
    uint64_t xfer_open[32];
    unsigned nxfer_open, xfer_sent, xfer_comps, unknown_comps;
};
struct hvsim_chan *hvsim_add_echo(struct hvsim_echo *e, uint32_t relid);
/* Sends a transfer-page packet (set id, ranges, in-band payload) and
 * expects its completion. -22 when not open or too many outstanding. */
int hvsim_echo_send_xfer(struct hvsim_chan *ch, uint64_t trans_id, uint16_t set_id,
                         const struct vmbus_xfer_range *ranges, uint32_t nranges, const void *data,
                         size_t len);
extern const struct vmbus_guid hvsim_echo_class;

/* Integration services (sources in hv/ic_reg.h: openvmm
 * vm/devices/hyperv_ic_protocol, Linux drivers/hv/hv_util.c, FreeBSD
 * sys/dev/hyperv/utilities/). Each negotiates first (framework
 * 1.0/3.0 and its message versions), then sends its requests, checking
 * every reply strictly (pipe header, flags 0x05, transaction id, sizes,
 * the versions chosen, seq + 1). */
struct hvsim_ic {
    int kind;                       /* HVSIM_IC_* */
    bool negotiated;
    uint16_t fw_major, fw_minor, msg_major, msg_minor;   /* chosen by the guest */
    unsigned requests, replies, bad_replies;
    bool awaiting;                  /* a request is outstanding */
    uint64_t hb_seq;                /* heartbeat: last sequence number sent */
    uint32_t last_status;           /* status of the last reply */
    /* Offered message versions (defaults per IC; tests may change). */
    uint16_t offer_msg[4][2];
    unsigned noffer_msg;
};
enum { HVSIM_IC_HEARTBEAT = 1, HVSIM_IC_SHUTDOWN = 3, HVSIM_IC_TIMESYNC = 4 };
struct hvsim_chan *hvsim_add_ic(struct hvsim_ic *ic, int kind, uint32_t relid);
/* Host-initiated requests (need a negotiated, idle IC). */
int hvsim_ic_heartbeat(struct hvsim_ic *ic);
int hvsim_ic_shutdown(struct hvsim_ic *ic, uint32_t flags);
/* Timesync with parenttime = unix_ns converted to 100 ns since 1601. */
int hvsim_ic_timesync(struct hvsim_ic *ic, uint64_t unix_ns, uint8_t flags);
#define HVSIM_TIME_1601_DELTA 116444736000000000ull   /* 100 ns units */

/* --- Platform effects recorded by hvsim_platform.c ------------------------------- */
struct hvsim_platform_log {
    unsigned poweroffs, reboots;
    char poweroff_why[128];
    unsigned wall_clock_sets;
    uint64_t wall_clock_ns;
    unsigned kicks, waits, wait_timeouts, nested_waits, polls, irqs_allocated, backoffs;
    /* hvp_backoff requests: never slept (simulated time steps instead),
     * recorded so tests can check the delays asked for. */
    uint64_t backoff_us_total;
    unsigned backoff_us[128];       /* the first 128, in order */
};
extern struct hvsim_platform_log hvsim_plat;

/* --- Captured guest log (hvsim_log.c stands in for kernel/console/kprintf.c) --------- */
/* Everything kprintf/klog printed since the last clear (bounded buffer).
 * HVSIM_LOG=1 in the environment also echoes it to stderr. */
const char *hvsim_log_text(void);
bool hvsim_log_contains(const char *needle);
void hvsim_log_clear(void);
