/* The narrow interface between hv/ and whatever it runs on.
 *
 * hv/ (hyperv.c, vmbus.c, ring.c, ic.c) touches hardware and the rest of
 * the kernel only through these functions, so the same sources build into
 * the kernel (implemented by hv/hv_kernel.c) and into hosted test programs
 * on Linux (implemented by the host simulator in tests/hvsim/, which plays
 * the hypervisor: it answers CPUID and MSR accesses, executes hypercalls,
 * and fills the SynIC pages the guest registered).
 *
 * Threading model: hv/ is driven by one worker. The SynIC interrupt only
 * calls hv_isr() (hyperv.h), which asks for the worker with
 * hvp_worker_kick(); the worker runs vmbus_poll() (vmbus.h), which handles
 * messages and channel events and calls drivers' callbacks -- always in
 * thread context, never in the interrupt handler. Code that waits for the
 * host (a VERSION_RESPONSE, a GPADL_CREATED) calls hvp_wait_until(); every
 * vmbus_poll() that made progress ends with hvp_wake_waiters(). In the
 * kernel the worker is a thread and waiters sleep on a wait queue; hosted,
 * hvp_wait_until() itself steps the simulator and runs vmbus_poll(). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* CPUID: out = { eax, ebx, ecx, edx }. */
void hvp_cpuid(uint32_t leaf, uint32_t out[4]);
uint64_t hvp_rdmsr(uint32_t msr);
void hvp_wrmsr(uint32_t msr, uint64_t value);

/* Makes the page at `phys` (allocated with hvp_alloc_pages) executable and
 * read-only for the hypercall code the hypervisor overlays there. */
int hvp_hypercall_page_prepare(void *virt, uint64_t phys);
/* Makes it ordinary writable memory again before it is freed. */
void hvp_hypercall_page_release(void *virt);
/* Calls the hypercall page: RCX = control, RDX = in, R8 = out (GPAs for a
 * memory-based call, values for a fast one). Returns RAX. */
uint64_t hvp_hypercall(void *page, uint64_t control, uint64_t in, uint64_t out);

/* Zeroed, physically contiguous, page-aligned memory the host may access
 * by guest physical address; NULL when out of memory. */
void *hvp_alloc_pages(size_t pages, uint64_t *phys);
void hvp_free_pages(void *virt, size_t pages);

/* A free interrupt vector with `isr` registered on it (the platform sends
 * the APIC EOI after isr returns); negative errno on failure. */
int hvp_irq_alloc(void (*isr)(void *arg), void *arg);

/* Worker and waiting (see above). hvp_wait_until returns 0 once cond(arg)
 * holds, -ETIMEDOUT after timeout_ms without it. */
void hvp_worker_start(void);
void hvp_worker_kick(void);
int hvp_wait_until(bool (*cond)(void *arg), void *arg, uint64_t timeout_ms);
void hvp_wake_waiters(void);
/* Runs fn(arg) soon in a context that may wait for the host (a thread of
 * its own in the kernel), never inside vmbus_poll(): hot-added offers are
 * probed and rescinded channels torn down this way. */
void hvp_defer(void (*fn)(void *arg), void *arg);
/* Small allocations (channel state): zeroed; NULL when out of memory. */
void *hvp_zalloc(size_t size);
void hvp_free(void *p);

/* Backs off before retrying a refused hypercall: about `us` microseconds,
 * sleeping when the caller is a thread (every poster is). */
void hvp_backoff(unsigned us);
/* Monotonic time in ns (for statistics and traces only). */
uint64_t hvp_now_ns(void);
/* Integration services' effects on the rest of the system. */
void hvp_set_wall_clock(uint64_t unix_ns);
uint64_t hvp_wall_clock_ns(void);
void hvp_request_poweroff(const char *why);
void hvp_request_reboot(const char *why);
