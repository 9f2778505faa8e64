/* The storvsc host's LUN image files for a hosted test program: one
 * directory per program, made before the first test and removed when the
 * program (the parent; each test runs in a child that leaves with _exit)
 * ends, and the simulator set up with LUNs backed by files in it. */
#pragma once
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "tests/hvsim/hvsim.h"
#include "tests/hvsim/hvsim_storvsc.h"

static struct hvsim_storvsc sim;
static char dir[64];

static inline void img_path(char *out, size_t n, unsigned lun) { snprintf(out, n, "%s/lun%u.img", dir, lun); }

static void images_cleanup(void)
{
    for (unsigned i = 0; i < HVSIM_STOR_LUNS; i++) {
        char p[96];
        img_path(p, sizeof p, i);
        unlink(p);
    }
    rmdir(dir);
}

__attribute__((constructor)) static void images_make_dir(void)
{
    snprintf(dir, sizeof dir, "/tmp/hvsim-storvsc-XXXXXX");
    if (!mkdtemp(dir))
        abort();
    atexit(images_cleanup);
}

/* The simulator with the given LUNs (sectors, sector size), before the
 * guest connects: tests may change sim's configuration next. */
static inline void sim_setup_luns(unsigned nluns, const uint64_t *sectors, const uint32_t *ssize)
{
    hvsim_init(NULL);
    hvsim_storvsc_init(&sim);
    for (unsigned i = 0; i < nluns; i++) {
        char p[96];
        img_path(p, sizeof p, i);
        if (hvsim_storvsc_attach(&sim, i, p, sectors[i], ssize[i]))
            abort();
    }
}
