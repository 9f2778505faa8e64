/* kprintf and levelled logging on top of the console registry. */
#include "kernel/console/kprintf.h"
#include "kernel/console/console.h"
#include "lib/fmt.h"

int kernel_loglevel = LOG_INFO;

void kvprintf(const char *fmt, va_list ap)
{
    char buf[512];
    int n = fmt_vsnprintf(buf, sizeof buf, fmt, ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof buf) {
        /* Mark the cut rather than lose it silently. */
        n = sizeof buf - 1;
        buf[n - 4] = buf[n - 3] = buf[n - 2] = '.';
        buf[n - 1] = '\n';
    }
    console_write(buf, (size_t)n);
}
