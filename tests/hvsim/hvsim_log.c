/* Hosted stand-in for kernel/console/kprintf.c: kprintf/klog output is captured in
 * a buffer that tests search (hvsim_log_contains), and echoed to stderr
 * when HVSIM_LOG is set in the environment. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernel/console/kprintf.h"
#include "tests/hvsim/hvsim.h"

#define LOG_CAP (256 * 1024)

int kernel_loglevel = LOG_DEBUG;
static char logbuf[LOG_CAP];
static size_t loglen;

void kvprintf(const char *fmt, va_list ap)
{
    char line[1024];
    int n = vsnprintf(line, sizeof line, fmt, ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof line)
        n = sizeof line - 1;
    if (getenv("HVSIM_LOG"))
        fputs(line, stderr);
    if (loglen + (size_t)n + 1 > LOG_CAP) {
        /* Keep the newer half. */
        memmove(logbuf, logbuf + LOG_CAP / 2, loglen - LOG_CAP / 2);
        loglen -= LOG_CAP / 2;
    }
    memcpy(logbuf + loglen, line, (size_t)n);
    loglen += (size_t)n;
    logbuf[loglen] = 0;
}

const char *hvsim_log_text(void) { return logbuf; }
bool hvsim_log_contains(const char *needle) { return strstr(logbuf, needle) != NULL; }

void hvsim_log_clear(void)
{
    loglen = 0;
    logbuf[0] = 0;
}
