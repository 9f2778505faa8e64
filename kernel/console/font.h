/* The built-in console font: 8x16 glyphs for printable ASCII (0x20..0x7E).
 *
 * One byte per pixel row, top row first; bit 7 is the leftmost pixel. The
 * table is generated at build time by tools/mkfont from GRUB's ascii.pf2
 * (the ASCII subset of GNU Unifont), into build/gen/font8x16.c. */
#pragma once
#include <stdint.h>

#define FONT_W      8
#define FONT_H      16
#define FONT_FIRST  0x20
#define FONT_LAST   0x7E
#define FONT_GLYPHS (FONT_LAST - FONT_FIRST + 1)

extern const uint8_t font8x16[FONT_GLYPHS][FONT_H];
