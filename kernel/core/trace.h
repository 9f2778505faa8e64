/* Protocol tracing: `trace=vmbus,e1000` (or `trace=all`, `trace=list`) on the
 * command line makes a driver print every protocol message it sends and
 * receives, decoded. It is a teaching aid as much as a debugging one: the
 * trace of a boot is a transcript of the conversation with the device.
 *
 * A subsystem declares its flag where it lives:
 *
 *     TRACE_FLAG(vmbus, "VMBus channel messages and ring packets");
 *     ...
 *     TRACE(vmbus, "-> INITIATE_CONTACT version %u.%u\n", maj, min);
 *
 * TRACE_FLAG defines `bool trace_vmbus` and registers it in the trace_flags
 * linker set (kernel/linkset.h); trace_init() sets the flags named on the command line and
 * reports unknown names. A disabled trace costs one load and branch. In
 * hosted builds the flag is an ordinary bool a test may set. */
#pragma once
#include <stdbool.h>
#include "kernel/console/kprintf.h"
#include "kernel/linkset.h"

struct trace_flag {
    const char *name;
    bool *on;
    const char *help;
};

#define TRACE_FLAG(name_, help_)                                                \
    bool trace_##name_;                                                         \
    static const struct trace_flag trace_flag_##name_                          \
        LINKSET_ENTRY(trace_flags) =                                           \
        { #name_, &trace_##name_, help_ }

/* For files other than the one with TRACE_FLAG. */
#define TRACE_DECLARE(name_) extern bool trace_##name_

#define TRACE(name_, ...)                                                       \
    do {                                                                        \
        if (trace_##name_)                                                      \
            kprintf(#name_ ": " __VA_ARGS__);                                   \
    } while (0)

_Static_assert(sizeof(struct trace_flag) % 8 == 0, "trace_flag stride");
LINKSET_DECLARE(struct trace_flag, trace_flags);

/* Applies the trace= option (called once after the command line is parsed). */
void trace_init(void);
