/* What the two netvsc fuzzers (fuzz_nvsp.c, fuzz_rndis.c) share: a fresh
 * simulator with the netvsp host, the guest's netvsc probed against it
 * (per input, as fuzz_ic.c does for the ICs), and the invariants checked
 * after every hostile record:
 *   - no sanitizer report (the guest reads host data through exactly
 *     sized copies and the receive buffer the host shares);
 *   - no wait inside vmbus_poll() and no platform misuse;
 *   - every transfer-page packet the host sent was completed (refused
 *     ones too), so the host never runs out of receive slots;
 * and at the end, that a frame still goes each way byte-exact. Include
 * after defining FUZZ_NAME. */
#pragma once
#include "hv/hv_platform.h"
#include "hv/hyperv.h"
#include "hv/netvsc_var.h"
#include "hv/nvsp_reg.h"
#include "hv/rndis_reg.h"
#include "hv/vmbus.h"
#include "hv/vmbus_test.h"
#include "kernel/core/trace.h"
#include "kernel/errno.h"
#include "tests/hvsim/fuzz_input.h"
#include "tests/hvsim/guest_netdev.h"
#include "tests/hvsim/hvsim.h"
#include "tests/hvsim/hvsim_netvsc.h"

TRACE_DECLARE(netvsc);

static struct hvsim_netvsc host;
static struct hvsim_chan *hch;
static unsigned platform_viols;

static struct netvsc *nv_up(struct in *s)
{
    hvsim_init(&(struct hvsim_config){ .mem_pages = 1024 });
    hvsim_set_verbose(false);
    hvsim_log_clear();
    vmbus_reset_for_tests();
    guest_netdev_reset();
    platform_viols = 0;
    hch = hvsim_add_netvsc(&host, 0);
    uint8_t cfg = u8(s);
    host.batch = 1 + cfg % 8;
    host.no_offload = cfg & 0x10;
    trace_netvsc = cfg & 0x20;
    if (!hv_detect() || hv_synic_init() || vmbus_init())
        FAILF("the guest did not come up: %s", hvsim_log_text());
    hvsim_run_until_idle();
    if (!gnd.nd)
        FAILF("netvsc did not attach: %s", hvsim_log_text());
    return gnd.nd->priv;
}

static void nv_check(const char *after)
{
    if (hvsim_plat.nested_waits)
        FAILF("the guest waited inside vmbus_poll() after %s", after);
    unsigned pv = hvsim_violation_count(HVV_PLATFORM);
    if (pv != platform_viols) {
        platform_viols = pv;
        if (!strstr(hvsim_last_violation(), "hvp_defer"))
            FAILF("platform misuse after %s: %s", after, hvsim_last_violation());
    }
    if (hvsim_netvsc_outstanding(&host))
        FAILF("%u transfer-page packets not completed after %s", hvsim_netvsc_outstanding(&host), after);
}

static void nv_down(void)
{
    static uint8_t f[1514];
    for (size_t i = 0; i < sizeof f; i++)
        f[i] = (uint8_t)(i * 13 + 5);
    if (gnd.nd && host.rndis_up && host.filter) {
        uint64_t sent = host.frames, got = gnd.rx;
        if (guest_netdev_xmit(f, 1000) == 0) {
            hvsim_run_until_idle();
            if (host.frames != sent + 1 || memcmp(hvsim_netvsc_last(&host)->data, f, 1000))
                FAILF("a frame from the guest did not arrive intact after the input");
        }
        hvsim_netvsc_rx(&host, f, 1514, 0);
        hvsim_run_until_idle();
        if (gnd.rx != got + 1 || memcmp(guest_netdev_frame(got)->data, f, 1514))
            FAILF("a frame to the guest did not arrive intact after the input");
    }
    vmbus_shutdown();
    hvsim_netvsc_free(&host);
    vmbus_reset_for_tests();
    hvsim_fini();
}
