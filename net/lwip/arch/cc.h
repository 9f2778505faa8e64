/* lwIP's compiler and platform port for minnow (lwip/arch.h asks for it):
 * freestanding types, printf formats, diagnostics and randomness. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <limits.h>

#define BYTE_ORDER LITTLE_ENDIAN

/* No libc headers: lwIP gets its character classes, printf formats and
 * ssize_t from here. */
#define LWIP_NO_INTTYPES_H  1
#define LWIP_NO_CTYPE_H     1
#define LWIP_NO_UNISTD_H    1
#define X8_F   "02x"
#define U16_F  "u"
#define S16_F  "d"
#define X16_F  "x"
#define U32_F  "u"
#define S32_F  "d"
#define X32_F  "x"
#define SZT_F  "zu"
#ifndef SSIZE_MAX
#define SSIZE_MAX LONG_MAX
#endif
typedef long ssize_t;

/* Diagnostics go to the kernel log; a failed lwIP assertion is a bug in
 * lwIP or in this port, never something a peer sent. */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
#define LWIP_PLATFORM_DIAG(x)   do { kprintf x; } while (0)
/* lwIP's checks stay on, but report file:line only: their message strings
 * are ~15 KB, a sizeable part of the kernel's size budget. The line finds
 * the message in build/lwip-2.1.3. */
#define LWIP_PLATFORM_ASSERT(x) panic("lwip: assertion failed at %s:%d", __FILE__, __LINE__)

/* ISNs, DHCP xids, DNS ids and ephemeral ports: a xorshift generator
 * stirred with the TSC on every call (net/lwip/sys_arch.c). Not
 * cryptographic. */
uint32_t lwip_port_rand(void);
#define LWIP_RAND() lwip_port_rand()

/* errno for the socket API: one kernel-wide variable for now (threads are
 * cooperative, so it holds until the caller's next blocking call). */
extern int lwip_errno;
#define errno lwip_errno

/* mem_clib_* (lwipopts.h): the kernel heap. */
void *kmalloc(size_t size);
void kfree(void *p);
void *lwip_port_calloc(size_t count, size_t size);
