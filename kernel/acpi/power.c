/* isa-debug-exit: QEMU's test device (hw/misc/debugexit.c). Writing value v
 * to its port makes QEMU exit with status (v << 1) | 1: 0x10 -> 33 for
 * success, 0x11 -> 35 for failure, neither of which QEMU itself uses (its
 * own errors exit with 1). Run with
 *   -device isa-debug-exit,iobase=0xf4,iosize=0x04  ... -append qemu_exit=0xf4 */
#include "kernel/acpi/power.h"
#include "kernel/arch/io.h"
#include "kernel/errno.h"
#include <stdbool.h>

#define QEMU_EXIT_SUCCESS 0x10
#define QEMU_EXIT_FAILURE 0x11

static uint16_t exit_port;

void power_set_qemu_exit(uint16_t port) { exit_port = port; }

void power_exit_success(void)
{
    if (exit_port)
        outl(exit_port, QEMU_EXIT_SUCCESS);
}

void power_exit_failure(void)
{
    if (exit_port)
        outl(exit_port, QEMU_EXIT_FAILURE);
}

static void (*hooks[POWER_MAX_HOOKS])(void);
static int nhooks;
static bool prepared;

int power_on_shutdown(void (*fn)(void))
{
    if (nhooks == POWER_MAX_HOOKS)
        return -ENOSPC;
    hooks[nhooks++] = fn;
    return 0;
}

void power_prepare(void)
{
    if (prepared)
        return;
    prepared = true;
    for (int i = nhooks - 1; i >= 0; i--)
        hooks[i]();
}
