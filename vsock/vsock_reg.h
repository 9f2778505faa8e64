/* virtio-vsock wire format (OASIS virtio 1.2, 5.10 "Socket Device").
 *
 * Every packet on the rx and tx queues is a struct vsock_hdr, then `len`
 * bytes of payload (RW only), little-endian. Credit: buf_alloc is the
 * sender's receive buffer for this connection, fwd_cnt the free-running
 * count of bytes its application has consumed (5.10.6.3). */
#pragma once
#include <stddef.h>
#include <stdint.h>

#define VIRTIO_ID_VSOCK          19
#define VSOCK_RXQ                0
#define VSOCK_TXQ                1
#define VSOCK_EVQ                2
#define VSOCK_CFG_GUEST_CID      0       /* le64; upper 32 bits reserved */

#define VSOCK_CID_ANY            0xFFFFFFFFu
#define VSOCK_CID_HOST           2
#define VSOCK_PORT_ANY           0xFFFFFFFFu

#define VSOCK_TYPE_STREAM        1

#define VSOCK_OP_INVALID         0
#define VSOCK_OP_REQUEST         1
#define VSOCK_OP_RESPONSE        2
#define VSOCK_OP_RST             3
#define VSOCK_OP_SHUTDOWN        4
#define VSOCK_OP_RW              5
#define VSOCK_OP_CREDIT_UPDATE   6
#define VSOCK_OP_CREDIT_REQUEST  7
#define VSOCK_OP_MAX             7

#define VSOCK_SHUTDOWN_RCV       1       /* the sender will receive no more */
#define VSOCK_SHUTDOWN_SEND      2       /* the sender will send no more */

#define VSOCK_EVENT_TRANSPORT_RESET 0

struct vsock_hdr {
    uint64_t src_cid;
    uint64_t dst_cid;
    uint32_t src_port;
    uint32_t dst_port;
    uint32_t len;                       /* payload bytes after the header */
    uint16_t type;                      /* VSOCK_TYPE_* */
    uint16_t op;                        /* VSOCK_OP_* */
    uint32_t flags;                     /* SHUTDOWN: VSOCK_SHUTDOWN_* */
    uint32_t buf_alloc;
    uint32_t fwd_cnt;
} __attribute__((packed));
_Static_assert(sizeof(struct vsock_hdr) == 44, "virtio_vsock_hdr is 44 bytes");
_Static_assert(offsetof(struct vsock_hdr, src_port) == 16, "src_port at 16");
_Static_assert(offsetof(struct vsock_hdr, len) == 24, "len at 24");
_Static_assert(offsetof(struct vsock_hdr, op) == 30, "op at 30");
_Static_assert(offsetof(struct vsock_hdr, buf_alloc) == 36, "buf_alloc at 36");
_Static_assert(offsetof(struct vsock_hdr, fwd_cnt) == 40, "fwd_cnt at 40");

struct vsock_event {
    uint32_t id;                        /* VSOCK_EVENT_* */
} __attribute__((packed));
_Static_assert(sizeof(struct vsock_event) == 4, "virtio_vsock_event is 4 bytes");

/* Linux's struct sockaddr_vm (include/uapi/linux/vm_sockets.h), 16 bytes. */
struct msock_sockaddr_vm {
    uint16_t svm_family;                /* AF_VSOCK (40) */
    uint16_t svm_reserved1;
    uint32_t svm_port;
    uint32_t svm_cid;
    uint8_t svm_flags;
    uint8_t svm_zero[3];
};
_Static_assert(sizeof(struct msock_sockaddr_vm) == 16, "sockaddr_vm is 16 bytes");
_Static_assert(offsetof(struct msock_sockaddr_vm, svm_cid) == 8, "svm_cid at 8");
