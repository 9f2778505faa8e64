/* vsock in minnow: the one virtio-vsock device's protocol stack
 * (vsock/vsock_conn.h), shared by the driver (vsock/virtio_vsock.c) and
 * the AF_VSOCK socket family (vsock/socket_vsock.c). */
#pragma once
#include <stdbool.h>
#include "vsock/vsock_conn.h"
#include "kernel/sched/sched.h"
#include "net/socket.h"

extern struct vsock_stack vsock_stack;
extern struct waitq vsock_wq;           /* woken whenever the stack's state moves */
extern bool vsock_up;                   /* a device is bound */
extern const struct sock_ops sock_vsock_ops;   /* vsock/socket_vsock.c */
/* Brings the stack's clock up to date (now_ms). */
void vsock_clock(void);

/* The vsock= command-line option: apps that serve over vsock too
 * (app=echo, app=httpd) listen on this port; 0: not asked. */
extern uint32_t vsock_app_port;
/* A listening AF_VSOCK stream socket on `port` (any CID): the fd, or a
 * negative errno (for the app's log line). */
int vsock_server(uint32_t port, int backlog);
