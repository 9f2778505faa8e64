/* The console registry: kernel output goes to every registered console. */
#include "kernel/console/console.h"
#include "lib/fmt.h"
#include <stdbool.h>

static struct console *consoles;

/* The first LOG_SIZE bytes of output are kept, so that a console that
 * starts late (the framebuffer needs the final page tables) still shows
 * the boot log from its first line. */
#define LOG_SIZE 8192
static char early_log[LOG_SIZE];
static size_t early_len;
static bool early_dropped;

void console_register(struct console *c)
{
    struct console **p = &consoles;
    while (*p)
        p = &(*p)->next;
    c->next = NULL;
    *p = c;
    if (early_len)
        c->write(c, early_log, early_len);
    if (early_dropped) {
        static const char note[] = "[console: earlier output past the first 8 KiB not shown here]\n";
        c->write(c, note, sizeof note - 1);
    }
}

void console_write(const char *s, size_t n)
{
    size_t keep = n < LOG_SIZE - early_len ? n : LOG_SIZE - early_len;
    for (size_t i = 0; i < keep; i++)
        early_log[early_len + i] = s[i];
    early_len += keep;
    early_dropped |= keep < n;
    for (struct console *c = consoles; c; c = c->next)
        c->write(c, s, n);
}

static void (*late_start)(void);

static size_t strlen_local(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

void console_set_late_start(void (*start)(void)) { late_start = start; }

void console_start_late(void)
{
    void (*start)(void) = late_start;
    late_start = NULL;          /* once, even if it faults */
    if (start)
        start();
}

void console_start_late_quiet(const char *headline)
{
    if (!late_start)
        return;
    struct console *before = consoles;
    while (before && before->next)
        before = before->next;          /* the last console before the late ones */
    console_start_late();
    /* Only the new consoles get the headline again. */
    for (struct console *c = before ? before->next : consoles; c; c = c->next) {
        static const char pre[] = "PANIC: ";
        c->write(c, pre, sizeof pre - 1);
        c->write(c, headline, strlen_local(headline));
        c->write(c, " (full report on the serial console)\n", 38);
    }
}

void console_describe(char *buf, size_t size)
{
    size_t used = 0;
    if (size)
        buf[0] = 0;
    for (struct console *c = consoles; c && used < size; c = c->next) {
        int n = fmt_snprintf(buf + used, size - used, "%s%s", used ? " " : "", c->name);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}
