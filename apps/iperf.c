/* app=iperf: an iperf2-compatible TCP server on port 5001, lwIP's lwiperf
 * (raw API: its callbacks run in the tcpip thread).
 *
 *   qemu-system-x86_64 -accel tcg -M q35 -netdev user,id=n0,hostfwd=tcp:127.0.0.1:5001-:5001
 *     -device e1000,netdev=n0 -kernel build/minnow.elf -append "app=iperf"
 *   iperf -c 127.0.0.1 -p 5001 -t 3
 *
 * Each finished test prints one line with its byte count, duration and rate.
 * Only plain (one-way, client to server) tests work through QEMU's user
 * network: -d / -r make lwiperf connect back to the client, and lwiperf
 * 2.1.3 does not understand the test header of iperf 2.1's -r.
 *
 * The other direction: `iperf_to=ADDR` makes the app also run lwiperf's
 * client, 10 s to ADDR:5001 (under QEMU's user network 10.0.2.2 is the
 * host's 127.0.0.1, where `iperf -s` listens). */
#include "lwip/apps/lwiperf.h"
#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "lwip/tcpip.h"
#include "kernel/core/app.h"
#include "kernel/errno.h"
#include "lib/fmt.h"
#include "kernel/console/kprintf.h"
#include "kernel/sched/sched.h"
#include "lib/string.h"
#include "net/lwip_netif.h"
#include "net/netdev.h"

#define IPERF_NIC           "eth0"
#include "kernel/core/cmdline.h"

static char opt_to[16];
CMDLINE_OPTION(iperf_to, .key = "iperf_to", .type = CMDLINE_STR, .dst = opt_to,
               .dst_size = sizeof opt_to, .help = "app=iperf also sends 10 s to ADDR:5001");
#define IPERF_ADDR_WAIT_NS  (30ull * 1000000000ull)

static const char *iperf_result(enum lwiperf_report_type t)
{
    switch (t) {
    case LWIPERF_TCP_DONE_SERVER:             return NULL;     /* the normal end */
    case LWIPERF_TCP_DONE_CLIENT:             return "client done";
    case LWIPERF_TCP_ABORTED_LOCAL:           return "aborted (local error)";
    case LWIPERF_TCP_ABORTED_LOCAL_DATAERROR: return "aborted (data check error)";
    case LWIPERF_TCP_ABORTED_LOCAL_TXERROR:   return "aborted (transmit error)";
    case LWIPERF_TCP_ABORTED_REMOTE:          return "aborted by the peer";
    default:                                  return "unknown end";
    }
}

/* Called by lwiperf in the tcpip thread when a session ends. */
static void iperf_report(void *arg, enum lwiperf_report_type type, const ip_addr_t *local_addr,
                         u16_t local_port, const ip_addr_t *remote_addr, u16_t remote_port,
                         u32_t bytes, u32_t ms, u32_t kbits)
{
    (void)arg;
    (void)local_addr;
    (void)local_port;
    char peer[16];
    ip4addr_ntoa_r(ip_2_ip4(remote_addr), peer, sizeof peer);
    const char *why = iperf_result(type);
    kprintf("iperf: %u bytes in %u ms, %u kbit/s (from %s:%u)%s%s\n", (unsigned)bytes, (unsigned)ms,
            (unsigned)kbits, peer, (unsigned)remote_port, why ? ", " : "", why ? why : "");
}


static int iperf_main(void)
{
    if (net_wait_addr(IPERF_NIC, IPERF_ADDR_WAIT_NS) != 0) {
        kprintf("%s: %s has no address\n", "iperf", IPERF_NIC);
        return -ENODEV;
    }
    LOCK_TCPIP_CORE();
    void *srv = lwiperf_start_tcp_server_default(iperf_report, NULL);
    UNLOCK_TCPIP_CORE();
    if (!srv) {
        kprintf("iperf: cannot listen on port %d\n", LWIPERF_TCP_PORT_DEFAULT);
        return -EBUSY;                      /* port taken or out of PCBs */
    }
    char addr[16];
    net_addr_str(IPERF_NIC, addr, sizeof addr);
    kprintf("iperf: listening on %s:%d\n", addr, LWIPERF_TCP_PORT_DEFAULT);
    ip_addr_t to;
    if (opt_to[0] && ipaddr_aton(opt_to, &to)) {
        LOCK_TCPIP_CORE();
        void *c = lwiperf_start_tcp_client_default(&to, iperf_report, NULL);
        UNLOCK_TCPIP_CORE();
        kprintf("iperf: %s %s:%d\n", c ? "sending to" : "cannot connect to", opt_to,
                LWIPERF_TCP_PORT_DEFAULT);
    }
    for (;;)                                /* lwiperf runs in the tcpip thread */
        thread_sleep_ns(3600ull * 1000000000ull);
}
APP(iperf, "iperf2-compatible TCP server on port 5001 (lwIP's lwiperf)", iperf_main);
