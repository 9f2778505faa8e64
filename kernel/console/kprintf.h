/* Kernel logging. kprintf() always prints; the pr_*() helpers print only when
 * their level is at or below the loglevel= command-line option. Output goes
 * to every registered console (kernel/console/console.c). */
#pragma once
#include <stdarg.h>
#include <stddef.h>

enum { LOG_ERR = 1, LOG_WARN = 2, LOG_INFO = 3, LOG_DEBUG = 4 };
extern int kernel_loglevel;

void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kvprintf(const char *fmt, va_list ap);
void klog(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define pr_err(...)   klog(LOG_ERR, __VA_ARGS__)
#define pr_warn(...)  klog(LOG_WARN, __VA_ARGS__)
#define pr_info(...)  klog(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) klog(LOG_DEBUG, __VA_ARGS__)
