/* End to end: minnow's netvsc, lwIP and httpd against the simulator's
 * netvsp host, whose frames go to and from a real TAP device.
 *
 *   curl (Linux, in a network namespace) -> TAP -> this program: the
 *   netvsp host (tests/hvsim/hvsim_netvsc.c) -> transfer pages -> hv/
 *   netvsc*.c -> net/netdev.c -> lwIP -> apps/httpd.c, and back through
 *   send sections or GPA-direct pages.
 *
 * Everything above the simulator is the kernel's own source, built for
 * Linux (tests/hvsim/e2e/e2e.mk); minnow's cooperative threads are
 * coroutines on this one OS thread (e2e_kernel.c). The main loop never
 * blocks: it moves frames between the TAP device and the netvsp host,
 * steps the simulator (which runs the VMBus worker when kicked), fires
 * timers and lets the threads run.
 *
 * Usage: e2e_netvsc [-e] TAPDEV "ip=10.77.0.2/24 gw=10.77.0.1" [seconds [section batch]]
 * where section is the send-section size the host answers (6144; a
 * smaller one sends full-size frames GPA-direct), batch the RNDIS
 * messages per receive packet (1), and -e runs apps/echo.c (port 7) in a
 * thread beside httpd. SIGUSR1 makes the host send an RNDIS media
 * disconnect indication and pass no frames either way until SIGUSR2 sends
 * media connect (a cable pulled and plugged back: the guest must keep its
 * connections through it, net/lwip/carrier.c)
 * (the TAP device must exist: tests/system/cases_netvsc.py makes one in a
 * network namespace and runs this inside it). */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "hv/hyperv.h"
#include "hv/vmbus.h"
#include "kernel/core/app.h"
#include "kernel/core/cmdline.h"
#include "kernel/init.h"
#include "kernel/console/kprintf.h"
#include "kernel/sched/sched.h"
#include "tests/hvsim/hvsim.h"
#include "tests/hvsim/hvsim_netvsc.h"

void e2e_kernel_init(void);
uint64_t e2e_kernel_poll(void);
bool e2e_kernel_busy(void);
uint64_t clock_ns(void);

LINKSET_DECLARE(struct init_hook, init_hooks);
LINKSET_DECLARE(struct cmdline_opt, cmdline_opts);
LINKSET_DECLARE(struct app, apps);

static struct hvsim_netvsc host;
static int tap = -1;
static uint64_t to_tap, from_tap, tap_drops, unplugged_drops;
static bool unplugged;                  /* after SIGUSR1, until SIGUSR2 */

static void frame_to_tap(const uint8_t *f, uint32_t len, void *arg)
{
    (void)arg;
    if (unplugged)
        unplugged_drops++;
    else if (write(tap, f, len) == (ssize_t)len)
        to_tap++;
    else
        tap_drops++;
}

static int tap_open(const char *name)
{
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK);
    if (fd < 0)
        return -1;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static volatile sig_atomic_t stop, plug;      /* plug: the last SIGUSR1/2 not yet acted on */
static void on_term(int sig) { (void)sig, stop = 1; }
static void on_plug(int sig) { plug = sig; }

static void cmdline_err(const char *msg) { fprintf(stderr, "e2e: %s\n", msg); }

static void run_app(void *name)
{
    LINKSET_FOREACH(struct app, a, apps)
        if (!strcmp(a->name, name))
            a->main();
    fprintf(stderr, "e2e: %s returned\n", (const char *)name);
    exit(3);
}

/* The guest's boot, as a thread (it waits): VMBus, then the network
 * stack (INIT_STACK hooks), then httpd (and echo in a thread of its own). */
static void guest_main(void *echo)
{
    if (!hv_detect() || hv_synic_init() || vmbus_init()) {
        fprintf(stderr, "e2e: VMBus did not come up\n");
        exit(2);
    }
    LINKSET_FOREACH(struct init_hook, h, init_hooks)
        if (h->level == INIT_STACK)
            h->fn();
    kprintf("minnow: ready\n");
    if (echo)
        thread_create("echo", run_app, "echo", 0);
    run_app("httpd");
}

int main(int argc, char **argv)
{
    bool echo = getopt(argc, argv, "e") == 'e';
    argc -= optind - 1, argv += optind - 1;
    if (argc < 3) {
        fprintf(stderr, "usage: e2e_netvsc [-e] TAPDEV CMDLINE [seconds [section batch]]\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IONBF, 0);
    uint64_t end = argc > 3 ? clock_ns() + strtoull(argv[3], NULL, 10) * 1000000000ull : UINT64_MAX;
    if ((tap = tap_open(argv[1])) < 0) {
        fprintf(stderr, "e2e: cannot open TAP device %s: %s\n", argv[1], strerror(errno));
        return 2;
    }
    if (cmdline_parse(argv[2], LINKSET_BEGIN(cmdline_opts), LINKSET_COUNT(cmdline_opts), cmdline_err))
        return 2;
    e2e_kernel_init();
    hvsim_init(&(struct hvsim_config){ .mem_pages = 16384 });
    hvsim_add_netvsc(&host, 0);
    host.on_frame = frame_to_tap;
    if (argc > 5) {
        host.section_size = (uint32_t)strtoul(argv[4], NULL, 0);
        host.batch = (unsigned)strtoul(argv[5], NULL, 0);
    }
    thread_create("boot", guest_main, echo ? "echo" : NULL, 0);

    static uint8_t buf[65536];
    signal(SIGTERM, on_term);
    signal(SIGUSR1, on_plug);
    signal(SIGUSR2, on_plug);
    while (!stop && clock_ns() < end) {
        bool busy = false;
        if (plug) {
            unplugged = plug == SIGUSR1;
            plug = 0;
            int err = hvsim_netvsc_link(&host, !unplugged);
            fprintf(stderr, "e2e: host sends RNDIS media %s (%d)\n", unplugged ? "disconnect" : "connect", err);
        }
        for (int i = 0; i < 64; i++) {
            ssize_t n = read(tap, buf, sizeof buf);
            if (n <= 0)
                break;
            from_tap++;
            busy = true;
            if (unplugged)
                unplugged_drops++;
            else if (host.rndis_up)
                hvsim_netvsc_rx(&host, buf, (size_t)n, 0);
        }
        busy |= hvsim_run_until_idle() > 1;
        uint64_t wait_ns = e2e_kernel_poll();
        busy |= e2e_kernel_busy();
        if (!busy) {
            struct pollfd p = { tap, POLLIN, 0 };
            int ms = (int)(wait_ns / 1000000);
            poll(&p, 1, ms > 1 ? 1 : ms);
        }
    }
    fprintf(stderr, "e2e: %llu frames to the TAP device (%llu from send sections, %llu GPA-direct), %llu from it, "
            "%llu dropped, %llu while unplugged\n", (unsigned long long)to_tap, (unsigned long long)host.frames_section,
            (unsigned long long)host.frames_gpa, (unsigned long long)from_tap, (unsigned long long)tap_drops,
            (unsigned long long)unplugged_drops);
    return 0;
}
