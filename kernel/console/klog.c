/* kprintf() and levelled logging over kvprintf(): shared by the kernel
 * (kvprintf in kprintf.c writes to the consoles) and the hosted tests
 * (tests/hvsim/hvsim_log.c captures the text). */
#include "kernel/console/kprintf.h"

void kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
}

void klog(int level, const char *fmt, ...)
{
    if (level > kernel_loglevel)
        return;
    va_list ap;
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
}
