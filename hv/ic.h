/* Hyper-V integration services (ic.c): counters for the shell and tests. */
#pragma once
#include <stdint.h>

struct ic_stats {
    uint64_t heartbeats, shutdowns, time_syncs, bad;
    uint64_t last_time_unix_ns;
};
extern struct ic_stats ic_stats;
