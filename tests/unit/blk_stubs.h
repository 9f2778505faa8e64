/* Kernel stand-ins for the host tests of blk/ (logging into a buffer the
 * tests can search, the heap on malloc). Included by one test file each. */
#pragma once
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int kernel_loglevel = 0;
static char blk_log[16384];
static size_t blk_loglen;

static void blk_log_add(const char *fmt, va_list ap)
{
    int n = vsnprintf(blk_log + blk_loglen, sizeof blk_log - blk_loglen, fmt, ap);
    if (n > 0 && blk_loglen + (size_t)n < sizeof blk_log)
        blk_loglen += (size_t)n;
}
void klog(int level, const char *fmt, ...)
{
    (void)level;
    va_list ap;
    va_start(ap, fmt);
    blk_log_add(fmt, ap);
    va_end(ap);
}
void kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    blk_log_add(fmt, ap);
    va_end(ap);
}
static inline void blk_log_clear(void)
{
    blk_loglen = 0;
    blk_log[0] = 0;
}
void *kzalloc(size_t n) { return calloc(1, n); }
void *kmalloc(size_t n) { return malloc(n); }
void kfree(void *p) { free(p); }
