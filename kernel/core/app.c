/* The application registry (see app.h) and the two built-in apps. */
#include "kernel/core/app.h"
#include "kernel/console/kprintf.h"
#include "kernel/console/ps2kbd.h"
#include "kernel/sched/sched.h"
#include "kernel/shell/shell.h"
#include "lib/string.h"

LINKSET_DEFINE(struct app, apps);

const struct app *app_find(const char *name)
{
    LINKSET_FOREACH(struct app, a, apps)
        if (strcmp(a->name, name) == 0)
            return a;
    return NULL;
}

void app_list(void)
{
    LINKSET_FOREACH(struct app, a, apps)
        kprintf("  %-10s %s\n", a->name, a->help);
}

static int app_none(void) { return 0; }
APP(none, "nothing: the run ends after boot (for tests and boot timing)", app_none);

/* The shell runs in its own thread; main has nothing left to do. */
static int app_shell(void)
{
    ps2kbd_init();                          /* a keyboard, where an i8042 is */
    int err = shell_start();
    if (err)
        return err;
    static struct waitq forever;
    waitq_init(&forever);
    for (;;)
        waitq_wait(&forever);
}
APP(shell, "the interactive console shell (the default)", app_shell);
