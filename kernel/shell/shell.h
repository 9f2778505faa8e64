/* The console shell: when no app is given, a line-oriented shell on the
 * serial console and the PS/2 keyboard (output goes to every console). Commands are data: any file registers its own with
 * SHELL_COMMAND, which places it in the .shell_cmds linker section. */
#pragma once

struct shell_cmd {
    const char *name;
    const char *help;
    int (*run)(int argc, char **argv);
};

#define SHELL_COMMAND(name_, help_, fn_)                                        \
    static const struct shell_cmd shell_cmd_##name_                             \
        __attribute__((used, section(".shell_cmds"), aligned(8))) = { #name_, help_, fn_ }

/* Starts the shell thread (needs interrupts, the scheduler and COM1). */
int shell_start(void);
/* Feeds one typed character to the shell (any input device; safe in an
 * interrupt handler). Characters typed before shell_start() are kept. */
void shell_input(char c);
/* Runs one command line as if typed (also used by tests). */
int shell_exec(char *line);
