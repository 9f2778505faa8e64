#pragma once
#include <stdint.h>

struct trap_frame;

/* Prints the message, a backtrace and halts (or exits QEMU with the
 * failure code when qemu_exit= was given). Never returns, never reboots. */
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* The exception report: name, error code, registers, backtrace. */
void panic_trap(const struct trap_frame *f, const char *headline, const char *detail)
    __attribute__((noreturn));

/* Prints "  [<addr>] symbol+0xoff" lines walking frame pointers from rbp
 * (rsp, when known, finds the caller of code outside the kernel text). */
void backtrace_print(uint64_t rip, uint64_t rbp, uint64_t rsp);
