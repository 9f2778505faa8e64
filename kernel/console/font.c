/* The console font, unpacked: each glyph of font_packed is a byte (first
 * row with ink << 4 | number of rows kept) and those rows; the rows above
 * and below stay 0. tools/mkfont keeps first + rows within the 16 of a
 * glyph (the unit test compares the result with its plain table). */
#include "kernel/console/font.h"

uint8_t font8x16[FONT_GLYPHS][FONT_H];

void font_unpack(void)
{
    const uint8_t *p = font_packed;
    for (uint8_t *g = &font8x16[0][0]; g < &font8x16[0][0] + sizeof font8x16; g += FONT_H) {
        uint8_t *row = g + (*p >> 4);
        for (unsigned n = *p++ & 15; n > 0; n--)
            *row++ = *p++;
    }
}
