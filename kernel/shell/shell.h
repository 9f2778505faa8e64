/* The console shell: when no app is given, a line-oriented shell on the
 * serial console and the PS/2 keyboard (output goes to every console). Commands are data: any file registers its own with
 * SHELL_COMMAND, which adds it to the shell_cmds linker set (kernel/linkset.h). */
#pragma once
#include "kernel/linkset.h"

struct shell_cmd {
    const char *name;
    const char *help;
    int (*run)(int argc, char **argv);
};

#define SHELL_COMMAND(name_, help_, fn_)                                        \
    static const struct shell_cmd shell_cmd_##name_                             \
        LINKSET_ENTRY(shell_cmds) = { #name_, help_, fn_ }

LINKSET_DECLARE(struct shell_cmd, shell_cmds);
_Static_assert(sizeof(struct shell_cmd) % 8 == 0, "shell_cmd stride");

/* Starts the shell thread (needs interrupts, the scheduler and COM1). */
int shell_start(void);
/* Feeds one typed character to the shell (any input device; safe in an
 * interrupt handler). Characters typed before shell_start() are kept. */
void shell_input(char c);
/* Runs one command line as if typed (also used by tests). */
int shell_exec(char *line);
