/* Error codes. Functions return 0 or a positive count on success and a
 * negative one of these on failure (Linux values, so hosted tests and later
 * POSIX socket code agree with the host's errno numbers). */
#pragma once

#define EPERM    1
#define ENOENT   2
#define EIO      5
#define E2BIG    7
#define ENOMEM  12
#define EFAULT  14
#define EBUSY   16
#define EEXIST  17
#define ENODEV  19
#define EINVAL  22
#define ENOSPC  28
#define ERANGE  34
#define ENOSYS  38
#define ENOTSUP 95
#define ETIMEDOUT 110
#ifndef EAGAIN
#define EAGAIN  11
#endif
#ifndef EPROTO
#define EPROTO  71
#endif
#ifndef EMSGSIZE
#define EMSGSIZE 90
#endif
#ifndef EPIPE
#define EPIPE   32
#endif
#ifndef ENXIO
#define ENXIO    6
#endif
#ifndef EACCES
#define EACCES  13
#endif
