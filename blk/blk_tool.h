/* Tools on block devices shared by the shell's `blk` command and the disk
 * self-test (tests/selftest/disk.c): a reproducible test pattern, and a
 * checked write of it. */
#pragma once
#include <stdint.h>
#include "blk/blk.h"

/* Fills count sectors for lba.. with the pattern of `tag`: each 8-byte
 * word w of sector L is splitmix64((tag << 32 ^ L) + (w + 1) * golden),
 * little-endian, so a host script can rebuild what was written
 * (tests/system/cases_pvscsi.py does). */
void blk_pattern(void *buf, uint64_t lba, uint32_t count, uint32_t sector_size, uint32_t tag);

/* Writes the pattern at lba..lba+count-1, reads it back, compares, and
 * writes the old contents back unless keep: 0, -errno, or -EPROTO on a
 * mismatch (logged). */
int blk_verify(struct blk_dev *d, uint64_t lba, uint32_t count, uint32_t tag, bool keep);

#define BLK_TOOL_TIMEOUT_MS 30000
