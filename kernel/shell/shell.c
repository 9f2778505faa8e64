/* The console shell: reads lines from COM1 (interrupt-driven: IRQ 4 wakes
 * the shell thread, so an idle shell costs nothing) and runs the commands
 * registered with SHELL_COMMAND. Line editing: backspace/DEL, Ctrl-U. */
#include "kernel/shell/shell.h"
#include "kernel/errno.h"
#include "kernel/irq/irq.h"
#include "kernel/console/kprintf.h"
#include "kernel/sched/sched.h"
#include "kernel/console/serial.h"
#include "lib/string.h"

LINKSET_DEFINE(struct shell_cmd, shell_cmds);

#define LINE_MAX 160
#define ARGS_MAX 16
#define RX_SIZE  256

static char rx[RX_SIZE];
static unsigned rx_head, rx_tail;       /* written by the IRQ, read by the thread */
static struct semaphore rx_sem;

void shell_input(char c)
{
    uint64_t f = irq_save();
    if (rx_head - rx_tail < RX_SIZE) {
        rx[rx_head++ % RX_SIZE] = c;
        sem_up(&rx_sem);
    }
    irq_restore(f);
}

static void com1_irq(void *arg)
{
    (void)arg;
    int c;
    while ((c = serial_getc()) >= 0)
        shell_input((char)c);
}

static int getc_blocking(void)
{
    sem_down(&rx_sem);
    uint64_t f = irq_save();
    char c = rx[rx_tail++ % RX_SIZE];
    irq_restore(f);
    return (unsigned char)c;
}

static int split(char *line, char **argv)
{
    int argc = 0;
    for (char *p = line; *p && argc < ARGS_MAX;) {
        while (*p == ' ' || *p == '\t')
            *p++ = 0;
        if (!*p)
            break;
        argv[argc++] = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
    }
    return argc;
}

int shell_exec(char *line)
{
    char *argv[ARGS_MAX];
    int argc = split(line, argv);
    if (argc == 0)
        return 0;
    LINKSET_FOREACH(struct shell_cmd, c, shell_cmds)
        if (strcmp(c->name, argv[0]) == 0)
            return c->run(argc, argv);
    kprintf("%s: unknown command (try 'help')\n", argv[0]);
    return -ENOENT;
}

static void read_line(char *buf)
{
    size_t n = 0;
    for (;;) {
        int c = getc_blocking();
        if (c == '\r' || c == '\n') {
            kprintf("\n");
            buf[n] = 0;
            return;
        } else if ((c == 0x7F || c == '\b') && n > 0) {
            n--;
            kprintf("\b \b");
        } else if (c == 0x15) {             /* Ctrl-U: kill the line */
            while (n > 0)
                n--, kprintf("\b \b");
        } else if (c >= 0x20 && c < 0x7F && n < LINE_MAX - 1) {
            buf[n++] = (char)c;
            kprintf("%c", c);
        }
    }
}

static void shell_thread(void *arg)
{
    (void)arg;
    static char line[LINE_MAX];
    kprintf("minnow shell: type 'help' for commands\n");
    for (;;) {
        kprintf("minnow> ");
        read_line(line);
        shell_exec(line);
    }
}

int shell_start(void)
{
    int v = irq_route_isa(4, com1_irq, NULL, "com1");
    if (v < 0) {
        pr_warn("shell: cannot route COM1's interrupt (%d)\n", v);
        return v;
    }
    serial_enable_rx_irq();
    com1_irq(NULL);                         /* anything typed before now */
    return thread_create("shell", shell_thread, NULL, 0) ? 0 : -ENOMEM;
}

static int cmd_help(int argc, char **argv)
{
    (void)argc, (void)argv;
    LINKSET_FOREACH(struct shell_cmd, c, shell_cmds)
        kprintf("  %-10s %s\n", c->name, c->help);
    return 0;
}
SHELL_COMMAND(help, "list the commands", cmd_help);
