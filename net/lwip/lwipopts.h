/* lwIP 2.1.3 configuration for minnow (see lwIP's src/include/lwip/opt.h
 * for every option and its default). Each choice below says why.
 *
 * minnow runs lwIP with NO_SYS=0: the "tcpip" kernel thread owns the
 * stack (input and timers), drivers hand frames to it through tcpip_input(),
 * and minnow's socket layer (net/socket_inet.c) calls lwIP's raw TCP/UDP
 * API from the applications' threads under the core lock; lwIP's own
 * netconn and socket APIs are not built (sys_arch.c maps semaphores,
 * mutexes, mailboxes and threads onto kernel/sched/sched.h). Memory comes from
 * the kernel heap (kmalloc) for variable-size buffers, and from pools sized
 * at boot and carved from the heap (net/lwip/pools.c) for fixed-size ones. */
#pragma once

/* --- operating system ---------------------------------------------------- */
#define NO_SYS                      0
/* The socket layer takes the core lock and calls lwIP in the caller's
 * thread (LOCK_TCPIP_CORE), no round trip through the tcpip mailbox. */
#define LWIP_TCPIP_CORE_LOCKING     1
/* Received frames still go through the tcpip mailbox (the driver's thread
 * must not block on the core lock; see net/netdev.h). */
#define LWIP_TCPIP_CORE_LOCKING_INPUT 0
/* sys_arch_protect() is irq_save(): pools may be touched by any thread. */
#define SYS_LIGHTWEIGHT_PROT        1
#define LWIP_TIMERS                 1

/* Threads: the tcpip thread runs every protocol callback; 32 KiB leaves a
 * margin. */
#define TCPIP_THREAD_NAME           "tcpip"
#define TCPIP_THREAD_STACKSIZE      (32 * 1024)
#define TCPIP_THREAD_PRIO           0           /* the scheduler has no priorities */
#define DEFAULT_THREAD_STACKSIZE    (16 * 1024)
#define DEFAULT_THREAD_PRIO         0
/* The tcpip mailbox is a ring of pointers (8 bytes a slot), one per
 * queued received frame: deep enough for a full TCP window of segments. */
#define TCPIP_MBOX_SIZE             512

/* --- memory -------------------------------------------------------------- */
/* mem_malloc() is the kernel heap: one allocator for the whole kernel, and
 * PBUF_RAM buffers (transmit data, loopback copies) cost nothing until used.
 * kmalloc aligns every block to at least 16 bytes. */
#define MEM_LIBC_MALLOC             1
#define mem_clib_malloc             kmalloc
#define mem_clib_free               kfree
#define mem_clib_calloc             lwip_port_calloc
#define MEM_ALIGNMENT               8
/* The MEMP_NUM_* counts below are what a machine with ample memory gets;
 * net/lwip/pools.c carves the pools from the heap at boot and shrinks the
 * data pools on small machines (or to net_mem=). They stay real limits,
 * which lwIP's own reclaiming (e.g. killing the oldest TIME_WAIT PCB when
 * the TCP pool is empty) depends on. MEMP_MEM_MALLOC=1 only stops lwIP
 * from declaring static pool arrays: the link sends its memp_malloc and
 * memp_free to pools.c (net/rules.mk). */
#define MEMP_MEM_MALLOC             1
#define MEMP_NUM_PBUF               64      /* PBUF_REF/ROM headers */
/* Received frames may stay in the NIC driver's own buffer: lwip_netif.c
 * wraps it in a custom pbuf (pbuf_alloced_custom) from a pool of its own,
 * whose free function gives the buffer back to the driver. */
#define LWIP_SUPPORT_CUSTOM_PBUF    1
#define MEMP_NUM_RAW_PCB            4
#define MEMP_NUM_UDP_PCB            16
/* Connections: enough for hundreds of clients at once plus a full listen
 * backlog each; pools.c shrinks the count on small machines. */
#define MEMP_NUM_TCP_PCB            512
#define MEMP_NUM_TCP_PCB_LISTEN     16
/* Enough segments for one connection's full send queue plus some. */
#define MEMP_NUM_TCP_SEG            1024
#define MEMP_NUM_REASSDATA          8
#define IP_REASS_MAX_PBUFS          64      /* a 64 KiB datagram in 1500-byte fragments: 45 */
#define MEMP_NUM_FRAG_PBUF          32
#define MEMP_NUM_TCPIP_MSG_API      16      /* tcpip_callback (lwip_netif.c, dhcp_hold.c) */
#define MEMP_NUM_TCPIP_MSG_INPKT    512     /* one per queued received frame */
#define MEMP_NUM_SYS_TIMEOUT        (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 8)
/* Received frames land in pool pbufs, one frame each (PBUF_POOL_BUFSIZE
 * defaults to MSS + headers). 1024 of them (about 1.5 MiB, where memory
 * allows: pools.c shrinks them) hold four full receive windows (TCP_WND):
 * with dozens of busy connections, fewer made drops so frequent that some
 * connections backed off for tens of seconds. tcp_guard.c keeps the last
 * quarter for connections that read. */
#define PBUF_POOL_SIZE              1024
#define ETH_PAD_SIZE                0

/* --- protocols ----------------------------------------------------------- */
#define LWIP_IPV4                   1
#define LWIP_IPV6                   0
#define LWIP_ARP                    1
#define ARP_TABLE_SIZE              32
#define ARP_QUEUEING                1
#define LWIP_ETHERNET               1
#define IP_REASSEMBLY               1
#define IP_FRAG                     1
#define LWIP_ICMP                   1
#define LWIP_RAW                    0       /* no raw pcbs: the socket layer offers SOCK_STREAM and SOCK_DGRAM only */
#define LWIP_UDP                    1
#define LWIP_TCP                    1
#define LWIP_DHCP                   1
#define DHCP_DOES_ARP_CHECK         0
#define LWIP_AUTOIP                 0
#define LWIP_IGMP                   0
#define LWIP_DNS                    1
#define DNS_MAX_SERVERS             2
#define LWIP_NETIF_HOSTNAME         1
/* 127.0.0.1 through a loopback netif, and packets to our own address
 * looped back too: local tests need no host. */
#define LWIP_NETIF_LOOPBACK         1
#define LWIP_HAVE_LOOPIF            1
#define LWIP_NETIF_STATUS_CALLBACK  1       /* "net: eth0 10.0.2.15/24 ..." */
#define LWIP_NETIF_LINK_CALLBACK    1

/* --- TCP throughput ------------------------------------------------------ */
/* Windows of hundreds of KiB keep a path with latency busy: at 1 Gb/s and
 * 2 ms RTT the bandwidth-delay product is 250 KiB. Window scaling
 * (RFC 7323) is required past 64 KiB; TCP_RCV_SCALE 3 advertises
 * 256 KiB as 32768 << 3. */
#define TCP_MSS                     1460
#define LWIP_WND_SCALE              1
#define TCP_RCV_SCALE               3
#define TCP_WND                     (256 * 1024)
#define TCP_SND_BUF                 (256 * 1024)
#define TCP_SND_QUEUELEN            ((4 * TCP_SND_BUF + TCP_MSS - 1) / TCP_MSS)
/* The default (half of TCP_SND_BUF) overflows lwIP's 16-bit sanity check;
 * writable again once 8 KiB are free is plenty for poll(), and stays below
 * the send buffers of small machines (tcp_guard.c caps them). */
#define TCP_SNDLOWAT                (8 * 1024)
#define TCP_QUEUE_OOSEQ             1
/* tcp_write fills a segment with room by chaining a pbuf to it rather than
 * copying into spare room left at the end of the last one (TCP_OVERSIZE,
 * core/tcp_out.c): segments are still a full MSS, and the code smaller. */
#define TCP_OVERSIZE                0
#define LWIP_TCP_SACK_OUT           0
#define TCP_LISTEN_BACKLOG          1
#define TCP_DEFAULT_LISTEN_BACKLOG  64
/* Checksums: compiled in both ways, and switched per netif at run time
 * (LWIP_CHECKSUM_CTRL_PER_NETIF): lwip_netif.c turns off what the NIC
 * inserts on transmit, and, packet by packet, what it verified on receive. */
#define LWIP_CHECKSUM_CTRL_PER_NETIF 1
#define CHECKSUM_GEN_IP             1
#define CHECKSUM_GEN_UDP            1
#define CHECKSUM_GEN_TCP            1
#define CHECKSUM_GEN_ICMP           1
#define CHECKSUM_CHECK_IP           1
#define CHECKSUM_CHECK_UDP          1
#define CHECKSUM_CHECK_TCP          1
#define CHECKSUM_CHECK_ICMP         1
/* No sum while copying into pbufs: NICs that insert TCP checksums do
 * (lwip_netif.c); for the others and the loopback netif, tcp_output sums
 * each segment it sends (smaller code, and no work wasted on offload). */
#define LWIP_CHECKSUM_ON_COPY       0

/* --- APIs ---------------------------------------------------------------- */
/* No netconn or BSD socket API: net/socket_inet.c implements minnow's
 * sockets (net/socket.h) on the raw API, with its own descriptors, waits,
 * poll and errno; lwIP's copy of all that cost 22 KB of code. err.c's
 * err_to_errno() still maps err_t to (Linux) errno values. */
#define LWIP_NETCONN                0
#define LWIP_SOCKET                 0
#define SO_REUSE                    1       /* SOF_REUSEADDR: SO_REUSEADDR */
/* errno values: lwIP's own table (Linux numbers, the same as
 * kernel/errno.h), for err_to_errno(). */
#define LWIP_PROVIDE_ERRNO          1

/* --- diagnostics --------------------------------------------------------- */
#define LWIP_STATS                  0
#define LWIP_NOASSERT_ON_ERROR      0

/* --- IPv4 input hook -------------------------------------------------------
 * Per packet: invalid sources dropped (ip4_src.c), which checksums lwIP
 * checks (what the NIC did not verify), then TIME_WAIT reuse. A SYN that may reopen a connection in TIME_WAIT (RFC 1122 4.2.2.13) retires
 * the old control block before lwIP looks at the packet (tcp_timewait.c), so
 * clients reconnecting from the same local port are not refused for 2 MSL. */
struct pbuf;
struct netif;
int net_ip4_input_hook(struct pbuf *p, struct netif *inp);      /* lwip_netif.c */
#define LWIP_HOOK_IP4_INPUT(p, inp) net_ip4_input_hook((p), (inp))

/* RFC 6528 initial sequence numbers (clock + keyed hash), tcp_timewait.c.
 * (IPv4 only, so ip_addr_t is struct ip4_addr.) */
struct ip4_addr;
unsigned int minnow_tcp_isn(const struct ip4_addr *lip, unsigned short lport,
                            const struct ip4_addr *rip, unsigned short rport);
#define LWIP_HOOK_TCP_ISN(lip, lport, rip, rport) minnow_tcp_isn((lip), (lport), (rip), (rport))

/* Each received segment with data, before lwIP queues it: dropped when the
 * receive pbufs run short and its connection holds unread data already
 * (net/lwip/tcp_guard.c), so one connection cannot take every buffer. */
struct tcp_pcb;
int minnow_tcp_guard_inpkt(struct tcp_pcb *pcb, struct pbuf *p);
#define LWIP_HOOK_TCP_INPACKET_PCB(pcb, hdr, optlen, opt1len, opt2, p) \
    ((err_t)minnow_tcp_guard_inpkt((struct tcp_pcb *)(pcb), (p)))

/* Maximum segment lifetime: TIME_WAIT lasts 2 MSL. A variable, so that the
 * command line can set it (tcp_msl=MS, tcp_timewait.c); lwIP only uses
 * TCP_MSL in run-time expressions (tcp.c, tcp_slowtmr). */
extern unsigned long minnow_tcp_msl_ms;
#define TCP_MSL minnow_tcp_msl_ms
