/* Hyper-V enlightenments: detection, the hypercall page, and the SynIC.
 * See hyperv.c for the protocol, hv_reg.h for the wire formats. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "hv/hv_reg.h"

struct hv_info {
    bool present;           /* Microsoft Hv with Hv#1 and what VMBus needs */
    uint32_t max_leaf, features, privileges, misc, hints;
    uint32_t build, version;   /* host build number, major << 16 | minor */
    uint32_t vp_index;
};
extern struct hv_info hv;

/* CPUID checks only; touches no MSR. Returns true on Hyper-V with the
 * SynIC, hypercall and post/signal privileges VMBus needs (else logs what
 * is missing, once, when a Microsoft hypervisor is there). */
bool hv_detect(void);
/* The TSC frequency in kHz as Hyper-V states it, after hv_detect(): the
 * frequency MSR when the partition may read it, else derived from the
 * reference TSC page's scale; 0 when neither is available. *source names
 * which. Gen2 VMs have no PIT to calibrate against, so this matters. */
uint64_t hv_tsc_khz(const char **source);
/* 10^7 x 2^64 / scale in Hz: the TSC rate a reference-page scale implies
 * (reference time = TSC x scale / 2^64, in 100 ns units). 0 if scale is 0. */
uint64_t hv_scale_to_hz(uint64_t scale);

/* Guest OS ID, hypercall page, SynIC (SIMP, SIEFP, the VMBus SINT on its
 * own vector, SCONTROL). Negative errno, with everything undone. */
int hv_synic_init(void);
/* Masks the SINT, disables the SynIC pages and the hypercall page. */
void hv_synic_shutdown(void);

/* A hypercall status (HV_STATUS_*) as a negative errno value (0 for
 * success); the table is in hyperv.c. hv/ uses errno values only: host
 * statuses are translated here, at the edge, and logged where first seen. */
int hv_status_to_errno(uint32_t status);

/* HvPostMessage of a VMBus message to connection_id; retries the transient
 * refusals (insufficient buffers/memory, "posted too frequently") a bounded
 * number of times. 0, or a negative errno: -EINVAL for a bad size, -ENODEV
 * before hv_synic_init(), else the last status translated -- -ENOENT
 * (INVALID_CONNECTION_ID) from connection 4 means a host older than VMBus
 * 5.0 and is returned at once. */
int hv_post_message(uint32_t connection_id, const void *msg, uint32_t size);
/* HvSignalEvent(connection_id, flag 0), the fast form. 0 or a negative
 * errno (the status translated; -ENODEV before hv_synic_init()). */
int hv_signal_event(uint32_t connection_id);

/* The SynIC pages as the guest sees them (hosted tests inspect them). */
struct hv_message_page *hv_simp(void);
volatile uint8_t *hv_siefp_vmbus(void);     /* SINT 2's 256-byte flag area */
/* Writes EOM: ask the hypervisor to deliver the next queued message. */
void hv_eom(void);

/* The SynIC interrupt handler (registered through hvp_irq_alloc). */
void hv_isr(void *arg);

struct hv_stats {
    uint64_t interrupts, eoms, posts, post_retries, signals;
};
extern struct hv_stats hv_stats;
