/* trace=: see trace.h. */
#include "kernel/core/trace.h"
#include "kernel/core/cmdline.h"
#include "lib/string.h"

LINKSET_DEFINE(struct trace_flag, trace_flags);

static char opt_trace[128];
CMDLINE_OPTION(trace, .key = "trace", .type = CMDLINE_STR, .dst = opt_trace, .dst_size = sizeof opt_trace,
               .help = "print protocol messages of these drivers: trace=vmbus,e1000 | all | list");

static bool set_flag(const char *name, size_t len)
{
    bool all = len == 3 && !memcmp(name, "all", 3), found = false;
    LINKSET_FOREACH(struct trace_flag, f, trace_flags)
        if (all || (strlen(f->name) == len && !memcmp(f->name, name, len))) {
            *f->on = true;
            found = true;
        }
    return found || all;
}

void trace_init(void)
{
    const char *p = opt_trace;
    while (*p) {
        const char *end = p;
        while (*end && *end != ',')
            end++;
        size_t len = (size_t)(end - p);
        if (len == 4 && !memcmp(p, "list", 4)) {
            kprintf("trace: available:");
            LINKSET_FOREACH(struct trace_flag, f, trace_flags)
                kprintf(" %s", f->name);
            kprintf(" (all)\n");
            LINKSET_FOREACH(struct trace_flag, f, trace_flags)
                kprintf("  %-8s %s\n", f->name, f->help);
        } else if (len && !set_flag(p, len)) {
            kprintf("trace: unknown trace '%.*s' (ignored; trace=list shows them)\n", (int)len, p);
        }
        p = *end ? end + 1 : end;
    }
}
