/* lwIP's memory pools (lwip/memp.h), sized at boot and carved from the
 * kernel heap.
 *
 * lwIP's own pool allocator reserves every pool as a static array: about
 * 480 KiB of BSS with minnow's counts (lwipopts.h), 395 KiB of it the
 * receive pbufs, cleared on every boot whatever the machine's size. Here
 * the same pools are made once, when lwIP first allocates (during
 * tcpip_init): the counts are chosen from the free memory, all pools are
 * carved from one kmalloc'd block, and each keeps a free list as lwIP's
 * does. The link sends lwIP's memp_malloc()/memp_free() here (GNU ld
 * --wrap, net/rules.mk); lwipopts.h sets MEMP_MEM_MALLOC so that lwIP
 * declares no static arrays of its own (its memp_init() is then empty).
 *
 * Why reserve instead of allocating each element from the heap as
 * MEMP_MEM_MALLOC would: lwIP relies on pools that run out on their own --
 * tcp_alloc() kills the oldest TIME_WAIT PCB when MEMP_TCP_PCB is empty
 * (core/tcp.c), an empty PBUF_POOL makes it drop out-of-sequence data
 * (PBUF_POOL_IS_EMPTY, core/pbuf.c) -- and received frames must find a
 * pbuf even when transmit data (PBUF_RAM, from the heap) has taken every
 * free page: otherwise the ACKs that would free that data are dropped.
 *
 * The counts are lwipopts.h's MEMP_NUM_* and PBUF_POOL_SIZE when all the
 * pools fit in the budget: an eighth of the free memory (pmm_free_pages()),
 * or net_mem=BYTES from the command line. When they do not, the pools that
 * hold data in flight (received frames, TCP segments, queued input
 * packets, fragments) and the connections (TCP PCBs: 512 where memory
 * allows) shrink in proportion, each down to a
 * floor; the other control blocks are small and keep theirs. */
#include "lwip/opt.h"
#include "lwip/memp.h"
#include "lwip/sys.h"
#include "lwip/errno.h"
/* Everything memp_std.h takes the size of (the list core/memp.c includes). */
#include "lwip/pbuf.h"
#include "lwip/raw.h"
#include "lwip/udp.h"
#include "lwip/tcp.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/altcp.h"
#include "lwip/ip4_frag.h"
#include "lwip/priv/tcpip_priv.h"
#include "lwip/etharp.h"
#include "lwip/igmp.h"
#include "lwip/timeouts.h"
#include "netif/ppp/ppp_opts.h"         /* PPP_NUM_TIMEOUTS, in MEMP_NUM_SYS_TIMEOUT */
#include "lwip/dns.h"
#include "kernel/core/cmdline.h"
#include "kernel/console/kprintf.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/pmm.h"
#include "net/lwip/pools.h"
#include "net/lwip/pools_plan.h"

#if !MEMP_MEM_MALLOC || MEMP_OVERFLOW_CHECK
#error "net/lwip/pools.c replaces lwIP's static pools: lwipopts.h must set MEMP_MEM_MALLOC 1 (and no overflow check)"
#endif

#define POOLS_BUDGET_SHARE  8       /* worst case at most 1/8 of free memory */

/* Every pool of lwip/priv/memp_std.h with its compile-time count and
 * element size (lwIP's X-macro, as memp.h builds its memp_t). */
static const struct pool_spec {
    const char *name;
    uint32_t num, size;
} spec[MEMP_MAX] = {
#define LWIP_MEMPOOL(name, num, size, desc) [MEMP_##name] = { desc, (num), (size) },
#include "lwip/priv/memp_std.h"
};

/* The pools that hold data in flight, and how few each may keep. */
static const struct { memp_t type; uint32_t floor; } data_pools[] = {
    { MEMP_PBUF_POOL, 24 },         /* received frames: a few TCP windows' worth of MSS */
    { MEMP_TCP_SEG, 64 },           /* unsent and unacknowledged segments */
    { MEMP_TCPIP_MSG_INPKT, 32 },   /* frames queued for the tcpip thread */
    { MEMP_PBUF, 16 },              /* PBUF_REF/ROM headers */
    { MEMP_FRAG_PBUF, 8 },          /* IP fragments being sent */
    { MEMP_REASSDATA, 2 },          /* datagrams being reassembled */
    { MEMP_TCP_PCB, 64 },           /* connections: hundreds where memory allows */
};

/* A free element: the first bytes of an unused one link the list. */
struct pool_free { struct pool_free *next; };

static struct pool_free *free_list[MEMP_MAX];
static uint32_t limit[MEMP_MAX], used[MEMP_MAX], refused[MEMP_MAX];
static bool sized;

/* net_mem=: bytes for all the pools; 0 means an eighth of free memory. */
static uint64_t net_mem;
CMDLINE_OPTION(net_mem, .key = "net_mem", .type = CMDLINE_UINT, .dst = &net_mem,
               .dst_size = sizeof net_mem, .min = 64 * 1024, .max = 1ull << 32,
               .help = "memory for lwIP's pools in bytes (K/M suffix), default 1/8 of free memory");

/* Each element's size is rounded up to 16, which keeps every element as
 * aligned as kmalloc's own blocks. */
#define POOLS_ALIGN 16u
static struct pool_plan plan[MEMP_MAX];

static uint64_t pools_bytes(void) { return pools_plan_bytes(plan, limit, MEMP_MAX); }

static void pools_size(uint64_t budget)
{
    for (int i = 0; i < MEMP_MAX; i++)
        plan[i] = (struct pool_plan){ .num = spec[i].num,
                                      .stride = (spec[i].size + POOLS_ALIGN - 1) / POOLS_ALIGN * POOLS_ALIGN };
    for (size_t k = 0; k < sizeof data_pools / sizeof data_pools[0]; k++) {
        plan[data_pools[k].type].data = true;
        plan[data_pools[k].type].floor = data_pools[k].floor;
    }
    pools_plan(plan, MEMP_MAX, budget, limit);
}

/* Threads every pool's elements onto its free list, from one block. */
static int pools_carve(void)
{
    uint8_t *p = kmalloc(pools_bytes());
    if (!p)
        return -ENOMEM;
    for (int i = 0; i < MEMP_MAX; i++) {
        for (uint32_t k = 0; k < limit[i]; k++, p += plan[i].stride) {
            struct pool_free *f = (struct pool_free *)p;
            f->next = free_list[i];
            free_list[i] = f;
        }
    }
    return 0;
}

static void pools_init(void)
{
    uint64_t free_bytes = (uint64_t)pmm_free_pages() * PAGE_SIZE;
    uint64_t budget = net_mem ? net_mem : free_bytes / POOLS_BUDGET_SHARE;
    pools_size(budget);
    sized = true;
    if (pools_carve() != 0) {
        pools_size(0);                  /* every data pool at its floor */
        if (pools_carve() != 0) {
            pr_err("net: no memory for lwIP's pools (%llu KiB): networking will fail\n",
                   (unsigned long long)(pools_bytes() / 1024));
            for (int i = 0; i < MEMP_MAX; i++)
                limit[i] = 0;
            return;
        }
    }
    if (!net_mem && limit[MEMP_PBUF_POOL] == spec[MEMP_PBUF_POOL].num)
        return;                         /* today's counts: nothing to say */
    pr_info("net: lwIP pools %llu KiB (%llu KiB free): pbufs %u of %u, tcp segments %u of %u, "
            "input queue %u of %u\n", (unsigned long long)(pools_bytes() / 1024),
            (unsigned long long)(free_bytes / 1024), limit[MEMP_PBUF_POOL], spec[MEMP_PBUF_POOL].num,
            limit[MEMP_TCP_SEG], spec[MEMP_TCP_SEG].num, limit[MEMP_TCPIP_MSG_INPKT],
            spec[MEMP_TCPIP_MSG_INPKT].num);
}

/* --- lwIP's allocator, wrapped (ld --wrap=memp_malloc --wrap=memp_free) ---- */
void *__wrap_memp_malloc(memp_t type);
void __wrap_memp_free(memp_t type, void *mem);

void *__wrap_memp_malloc(memp_t type)
{
    if ((unsigned)type >= MEMP_MAX)
        return NULL;
    if (!sized)
        pools_init();
    SYS_ARCH_DECL_PROTECT(lev);
    SYS_ARCH_PROTECT(lev);
    struct pool_free *f = free_list[type];
    if (f) {
        free_list[type] = f->next;
        used[type]++;
    } else {
        refused[type]++;
    }
    SYS_ARCH_UNPROTECT(lev);
    return f;
}

void __wrap_memp_free(memp_t type, void *mem)
{
    if ((unsigned)type >= MEMP_MAX || !mem)
        return;
    struct pool_free *f = mem;
    SYS_ARCH_DECL_PROTECT(lev);
    SYS_ARCH_PROTECT(lev);
    f->next = free_list[type];
    free_list[type] = f;
    used[type]--;
    SYS_ARCH_UNPROTECT(lev);
}

int net_pools_get(int i, struct net_pool_info *info)
{
    if (i < 0 || i >= MEMP_MAX || !info)
        return -EINVAL;
    *info = (struct net_pool_info){ spec[i].name, spec[i].num, sized ? limit[i] : spec[i].num, used[i],
                                    refused[i], plan[i].stride };
    return 0;
}

int net_pools_count(void) { return MEMP_MAX; }

int net_pools_rx_short(void)
{
    uint32_t lim = limit[MEMP_PBUF_POOL];
    return sized && (lim - used[MEMP_PBUF_POOL]) * 4 < lim;
}

uint32_t net_pools_conns(void)
{
    return sized ? limit[MEMP_TCP_PCB] : spec[MEMP_TCP_PCB].num;
}

uint32_t net_pools_rx_frames(void) { return sized ? limit[MEMP_PBUF_POOL] : spec[MEMP_PBUF_POOL].num; }
