/* The init-hook runner (kernel/init.h). */
#include "kernel/init.h"
#include "kernel/time/timeline.h"

LINKSET_DEFINE(struct init_hook, init_hooks);

void init_run_level(enum init_level level)
{
    LINKSET_FOREACH(struct init_hook, h, init_hooks) {
        if (h->level != level)
            continue;
        h->fn();
        timeline_mark(h->name);
    }
}
