/* Fake physical memory for host tests, and a loader for bootdump captures.
 *
 * A struct fakemem is a set of regions, each an exactly-sized malloc'd
 * buffer. Seen through fakemem_physmem() (struct physmem, boot/bootinfo.h),
 * every map() returns a fresh malloc'd copy of exactly the bytes asked for,
 * so ASan reports any read past what the code under test mapped, even
 * inside a region. The copies live until fakemem_reset().
 *
 * Tests may look at and change the regions directly (r[i].len to cut one
 * short, r[i].buf through fakemem_at() to break it in place).
 *
 * Captures are the text boot/bootdump.c prints (format in boot/bootdump.h):
 *     bootdump: magic 0x36d76289 info 0x10000
 *     bootdump: region 0x10000 88
 *     bootdump: data 00000000...
 *     bootdump: end
 * Other text before "bootdump: " on a line, and lines without it, are
 * ignored; only the first magic..end block is read. A test that keeps its
 * own lines in a capture file passes a fakemem_line_fn, which sees every
 * line first and claims the ones it understood. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot/bootinfo.h"

#define FAKEMEM_MAX_REGIONS 96
#define FAKEMEM_MAX_CAPTURE_REGION (16u << 20)      /* bytes, one captured region */

struct fakemem_region {
    uint64_t phys;
    size_t len;
    uint8_t *buf;               /* at least len bytes */
};

struct fakemem {
    struct fakemem_region r[FAKEMEM_MAX_REGIONS];
    int n;
    void **copies;              /* what map() handed out, freed by fakemem_reset */
    size_t ncopies, capcopies;
    size_t maps;                /* map() calls */
};

/* Free every region and copy; m is then empty. */
void fakemem_reset(struct fakemem *m);
/* A region of len bytes at phys: a copy of data, or zeroes when data is
 * NULL. Returns its buffer (NULL, with a test failure, when m is full). */
uint8_t *fakemem_add(struct fakemem *m, uint64_t phys, const void *data, size_t len);
/* The buffer of the region that starts at phys (a test failure, and a
 * scratch buffer, when there is none). */
uint8_t *fakemem_at(struct fakemem *m, uint64_t phys);
/* struct physmem's map(); ctx is the struct fakemem. */
const void *fakemem_map(void *ctx, uint64_t phys, uint64_t len);
struct physmem fakemem_physmem(struct fakemem *m);

/* ---- bootdump captures ---------------------------------------------------- */

struct fakemem_capture {
    uint32_t magic;
    uint64_t info;              /* the "info" address: boot info, or the RSDP */
    int n;
    struct {
        uint64_t phys;
        size_t len, fill;
        uint8_t *buf;
    } r[FAKEMEM_MAX_REGIONS];
};

/* Sees each line of a capture (without its newline or CR) before the
 * bootdump parser; returns true when it took the line. */
typedef bool (*fakemem_line_fn)(void *ctx, const char *line);

/* Parse capture text; other (may be NULL) gets a look at every line.
 * Returns NULL with *err set when the text is not one complete capture
 * with at least one region. */
struct fakemem_capture *fakemem_capture_parse(const char *text, fakemem_line_fn other, void *ctx,
                                              const char **err);
/* The same, from a file. */
struct fakemem_capture *fakemem_capture_load(const char *path, fakemem_line_fn other, void *ctx,
                                             const char **err);
void fakemem_capture_free(struct fakemem_capture *c);
/* Reset m and back it with the capture; region `cut` (-1: none) loses
 * `by` bytes. */
void fakemem_from_capture(struct fakemem *m, const struct fakemem_capture *c, int cut, size_t by);

/* The *.txt files in dir as malloc'd "dir/name" paths, sorted, in a
 * malloc'd array; returns the count (0, *out NULL, when none or no dir). */
int fakemem_list_captures(const char *dir, char ***out);
