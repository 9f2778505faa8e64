/* The built-in console font: 8x16 glyphs for printable ASCII (0x20..0x7E).
 *
 * One byte per pixel row, top row first; bit 7 is the leftmost pixel. The
 * glyphs are generated at build time by tools/mkfont from GRUB's ascii.pf2
 * (the ASCII subset of GNU Unifont), into build/gen/font8x16.c, packed
 * without their blank rows (the format is described in tools/mkfont.c);
 * font_unpack() spreads them into font8x16 (in .bss: no bytes of the
 * kernel file) before the framebuffer console draws. */
#pragma once
#include <stdint.h>

#define FONT_W      8
#define FONT_H      16
#define FONT_FIRST  0x20
#define FONT_LAST   0x7E
#define FONT_GLYPHS (FONT_LAST - FONT_FIRST + 1)

extern uint8_t font8x16[FONT_GLYPHS][FONT_H];

/* Fills font8x16 from the packed glyphs; again is harmless. */
void font_unpack(void);

/* Generated: the packed glyphs, and (host tests only) the plain table. */
extern const uint8_t font_packed[];
extern const uint8_t font_reference[FONT_GLYPHS][FONT_H];
