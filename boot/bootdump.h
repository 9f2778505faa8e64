/* bootdump: capture the loader's boot structures of a real boot as text,
 * so that host tests can replay them (tests/data/bootinfo/NAME.txt, read by
 * tests/unit/test_bootinfo.c).
 *
 * Wrap the physmem the parser uses, parse once, then print what was read:
 *     struct physmem rec;
 *     bootdump_wrap(&rec, &raw);
 *     bootinfo_parse(&scratch, magic, info_phys, &rec, NULL);
 *     bootdump_print(magic, info_phys);
 * The output (one kprintf line each; booting with `bootdump` does this):
 *     bootdump: magic 0x36d76289 info 0x10000
 *     bootdump: region 0x10000 88          (physical address, length in bytes)
 *     bootdump: data 00000000...           (up to 32 bytes, lowercase hex)
 *     ...
 *     bootdump: end
 * Ranges read are merged when they overlap or touch; at most
 * BOOTDUMP_MAX_RANGES are kept (further ones are not recorded). One
 * recorder exists; bootdump_wrap() resets it. */
#pragma once
#include <stdint.h>

#include "boot/bootinfo.h"

#define BOOTDUMP_MAX_RANGES 64

void bootdump_wrap(struct physmem *out, const struct physmem *in);
void bootdump_print(uint32_t magic, uint64_t info_phys);
