/* Host tests for the framebuffer console (kernel/console/fbcon.c) on a malloc'd
 * fake framebuffer. The pitch is always larger than a row of pixels and
 * the padding and the bytes after the buffer hold canaries, so a pitch or
 * bounds bug shows up as a changed canary (or an ASan report). */
#include "tests/unit/test.h"
#include "boot/bootinfo.h"
#include "kernel/console/console.h"
#include "kernel/errno.h"
#include "kernel/console/fbcon.h"
#include "kernel/console/font.h"

#define CANARY 0xA5
#define TAIL   64       /* canary bytes after the framebuffer */

static struct console *con;
static int register_count;

void console_register(struct console *c)
{
    con = c;
    register_count++;
}

struct fake {
    struct boot_fb fb;
    uint8_t *mem;
    size_t size;        /* pitch * height */
    unsigned bpp;       /* bytes per pixel */
    uint32_t fg, bg;    /* the pixel values we expect */
};

/* A framebuffer with the usual layout for its depth: x8r8g8b8, r8g8b8 or
 * r5g6b5; light grey is 0xAA per channel. */
static void fake_make(struct fake *f, unsigned w, unsigned h, unsigned bits, unsigned pitch)
{
    memset(f, 0, sizeof *f);
    f->fb = (struct boot_fb){ .type = FB_RGB, .addr = 0x80000000, .pitch = pitch,
                              .width = w, .height = h, .bpp = (uint8_t)bits };
    if (bits == 16) {
        f->fb.red_pos = 11, f->fb.red_size = 5;
        f->fb.green_pos = 5, f->fb.green_size = 6;
        f->fb.blue_pos = 0, f->fb.blue_size = 5;
        f->fg = (0xAA >> 3) << 11 | (0xAA >> 2) << 5 | (0xAA >> 3);
    } else {
        f->fb.red_pos = 16, f->fb.red_size = 8;
        f->fb.green_pos = 8, f->fb.green_size = 8;
        f->fb.blue_pos = 0, f->fb.blue_size = 8;
        f->fg = 0xAAAAAA;
    }
    f->bpp = bits / 8;
    f->size = (size_t)pitch * h;
    f->mem = malloc(f->size + TAIL);
    /* A different canary on each scan line, so that copying a line's
     * padding onto another's shows too. */
    for (unsigned y = 0; y < h; y++)
        memset(f->mem + (size_t)y * pitch, (uint8_t)(CANARY + y), pitch);
    memset(f->mem + f->size, CANARY, TAIL);
}

static void say(const char *s)
{
    con->write(con, s, strlen(s));
}

static uint32_t get_px(const struct fake *f, unsigned x, unsigned y)
{
    const uint8_t *p = f->mem + (size_t)y * f->fb.pitch + (size_t)x * f->bpp;
    uint32_t v = 0;
    for (unsigned i = 0; i < f->bpp; i++)
        v |= (uint32_t)p[i] << (8 * i);
    return v;
}

/* Does text cell (col, row) show exactly the glyph of ch? (The glyph of
 * mkfont's plain table: the console draws from the unpacked one.) */
static bool cell_is(const struct fake *f, unsigned col, unsigned row, char ch)
{
    const uint8_t *g = font_reference[ch - FONT_FIRST];
    for (unsigned y = 0; y < FONT_H; y++)
        for (unsigned x = 0; x < FONT_W; x++) {
            uint32_t want = g[y] & (0x80 >> x) ? f->fg : f->bg;
            if (get_px(f, col * FONT_W + x, row * FONT_H + y) != want)
                return false;
        }
    return true;
}

/* Compare the whole screen with the expected text, one string per text
 * row (missing characters are blanks); the pixels right of the last
 * column and below the last row must be background. */
static bool screen_is(const struct fake *f, const char *const *lines)
{
    unsigned cols = f->fb.width / FONT_W, rows = f->fb.height / FONT_H;
    bool ok = true;
    for (unsigned r = 0; r < rows; r++) {
        size_t len = strlen(lines[r]);
        for (unsigned c = 0; c < cols; c++) {
            char ch = c < len ? lines[r][c] : ' ';
            if (!cell_is(f, c, r, ch)) {
                printf("     cell (%u,%u) is not '%c'\n", c, r, ch);
                ok = false;
            }
        }
    }
    for (unsigned y = 0; y < f->fb.height; y++)
        for (unsigned x = 0; x < f->fb.width; x++)
            if ((x >= cols * FONT_W || y >= rows * FONT_H) && get_px(f, x, y) != f->bg) {
                printf("     pixel (%u,%u) outside the text area was drawn\n", x, y);
                return false;
            }
    return ok;
}

/* Nothing beyond width*bpp in a scan line, or after the buffer, changed. */
static bool canaries_intact(const struct fake *f)
{
    size_t line = (size_t)f->fb.width * f->bpp;
    for (unsigned y = 0; y < f->fb.height; y++)
        for (size_t i = line; i < f->fb.pitch; i++)
            if (f->mem[(size_t)y * f->fb.pitch + i] != (uint8_t)(CANARY + y))
                return false;
    for (size_t i = 0; i < TAIL; i++)
        if (f->mem[f->size + i] != CANARY)
            return false;
    return true;
}

/* The packed font unpacks to mkfont's plain table, twice over too. */
TEST(font_unpacks_to_the_reference)
{
    for (int round = 0; round < 2; round++) {
        font_unpack();
        CHECK(memcmp(font8x16, font_reference, sizeof font8x16) == 0);
    }
    int inked = 0;
    for (int c = 0; c < FONT_GLYPHS; c++)
        for (int y = 0; y < FONT_H; y++)
            inked += font8x16[c][y] != 0;
    CHECK(inked > 500);                 /* a real font, not an empty table */
}

TEST(rejects_bad_geometry)
{
    struct fake f;
    fake_make(&f, 64, 32, 32, 64 * 4 + 8);
    uint8_t *copy = malloc(f.size + TAIL);
    memcpy(copy, f.mem, f.size + TAIL);
    struct boot_fb b;
    CHECK_EQ(fbcon_init(NULL, f.mem), -EINVAL);
    CHECK_EQ(fbcon_init(&f.fb, NULL), -EINVAL);
#define BAD(field, value, err)                  \
    do {                                        \
        b = f.fb;                               \
        b.field = value;                        \
        CHECK_EQ(fbcon_init(&b, f.mem), err);   \
    } while (0)
    BAD(type, FB_INDEXED, -ENOTSUP);
    BAD(type, FB_EGA_TEXT, -ENOTSUP);
    BAD(type, FB_NONE, -ENOTSUP);
    BAD(bpp, 8, -ENOTSUP);
    BAD(bpp, 15, -ENOTSUP);
    BAD(bpp, 0, -ENOTSUP);
    BAD(width, 0, -EINVAL);
    BAD(height, 0, -EINVAL);
    BAD(pitch, 0, -EINVAL);
    BAD(width, 7, -EINVAL);             /* not one character cell wide */
    BAD(height, 15, -EINVAL);
    BAD(pitch, 64 * 4 - 1, -EINVAL);    /* pitch < width * 4 */
    BAD(red_pos, 25, -EINVAL);          /* 25 + 8 > 32 bits */
    BAD(green_size, 25, -EINVAL);
    /* 8192 x 8193 x 32 bpp is just over 256 MiB. */
    b = f.fb;
    b.width = 8192, b.pitch = 8192 * 4, b.height = 8193;
    CHECK_EQ(fbcon_init(&b, f.mem), -EINVAL);
    b.height = 0xFFFFFFFF, b.pitch = 0xFFFFFFFF;
    CHECK_EQ(fbcon_init(&b, f.mem), -EINVAL);
    /* 16 bpp with a 5-bit field at bit 12 would overflow the pixel. */
    b = f.fb;
    b.bpp = 16, b.red_pos = 12, b.red_size = 5;
    CHECK_EQ(fbcon_init(&b, f.mem), -EINVAL);
#undef BAD
    CHECK(memcmp(copy, f.mem, f.size + TAIL) == 0);    /* untouched */
    free(copy);
    free(f.mem);
}

TEST(clears_and_draws_32bpp)
{
    struct fake f;
    /* 12x5 text cells with 4 pixel columns and 7 pixel rows left over;
     * the pitch is not a multiple of 8. */
    fake_make(&f, 100, 16 * 5 + 7, 32, 100 * 4 + 20);
    REQUIRE(fbcon_init(&f.fb, f.mem) == 0);
    REQUIRE(con != NULL);
    CHECK_STR(con->name, "fb");
    const char *blank[] = { "", "", "", "", "" };
    CHECK(screen_is(&f, blank));
    CHECK(canaries_intact(&f));

    say("A");
    CHECK(cell_is(&f, 0, 0, 'A'));
    CHECK_EQ(get_px(&f, 3, 4), f.fg);       /* the top of the 'A' */
    CHECK_EQ(get_px(&f, 0, 0), f.bg);
    say("\nBg~");
    const char *want[] = { "A", "Bg~", "", "", "" };
    CHECK(screen_is(&f, want));
    CHECK(canaries_intact(&f));
    free(f.mem);
}

TEST(control_characters)
{
    struct fake f;
    fake_make(&f, 12 * 8, 16 * 5, 32, 12 * 4 * 8 + 4);
    REQUIRE(fbcon_init(&f.fb, f.mem) == 0);
    say("ab\rX");                   /* carriage return: back to column 0 */
    say("\n\tQ");                   /* tab to column 8 */
    say("\nabc\b\bZ");              /* backspace moves left, overwrites */
    say("\n12345678\tW");           /* a tab past the last column wraps */
    say("\x01\x1b\x7f");            /* controls dropped, DEL shows as '?' */
    const char *want[] = { "Xb", "        Q", "aZc", "12345678", "W?" };
    CHECK(screen_is(&f, want));
    CHECK(canaries_intact(&f));
    free(f.mem);
}

TEST(wraps_and_scrolls_32bpp)
{
    struct fake f;
    fake_make(&f, 100, 16 * 5 + 7, 32, 100 * 4 + 20);
    REQUIRE(fbcon_init(&f.fb, f.mem) == 0);
    /* A full-width line followed by '\n' takes one row, not two. */
    say("ABCDEFGHIJKL\nx\ny\nz\nw");
    const char *before[] = { "ABCDEFGHIJKL", "x", "y", "z", "w" };
    CHECK(screen_is(&f, before));
    say("\n");
    /* Row 0 now shows what was on row 1; the rest of the long line is gone. */
    const char *after1[] = { "x", "y", "z", "w", "" };
    CHECK(screen_is(&f, after1));
    say("0123456789abcdefg");       /* wraps onto a new row: scrolls again */
    const char *after2[] = { "y", "z", "w", "0123456789ab", "cdefg" };
    CHECK(screen_is(&f, after2));
    say("\n\n");
    const char *mid[] = { "w", "0123456789ab", "cdefg", "", "" };
    CHECK(screen_is(&f, mid));
    say("\n\nend");
    const char *after3[] = { "cdefg", "", "", "", "end" };
    CHECK(screen_is(&f, after3));
    CHECK(canaries_intact(&f));
    free(f.mem);
}

TEST(draws_and_scrolls_16bpp)
{
    struct fake f;
    /* 8x3 cells, 3 pixel columns left over, pitch padded by 6 bytes. */
    fake_make(&f, 67, 48, 16, 67 * 2 + 6);
    REQUIRE(fbcon_init(&f.fb, f.mem) == 0);
    CHECK_EQ(f.fg, 0xAD55);
    say("Hi\n");
    CHECK(cell_is(&f, 0, 0, 'H'));
    say("long line\nmid\nx\n");
    const char *want[] = { "mid", "x", "" };
    CHECK(screen_is(&f, want));
    CHECK(canaries_intact(&f));
    free(f.mem);
}

TEST(draws_and_scrolls_24bpp)
{
    struct fake f;
    /* 5x2 cells with an odd pitch: nothing is aligned. */
    fake_make(&f, 40, 40, 24, 40 * 3 + 1);
    REQUIRE(fbcon_init(&f.fb, f.mem) == 0);
    say("abcde\nfghij\nk");        /* full-width rows scroll up */
    const char *want[] = { "fghij", "k" };
    CHECK(screen_is(&f, want));
    CHECK(canaries_intact(&f));
    free(f.mem);
}

TEST(pixel_values_follow_the_layout)
{
    struct fake f;
    /* 10:10:10 at bits 20/10/0: 0xAA scales to 0x2A8 per channel. */
    fake_make(&f, 16, 16, 32, 16 * 4 + 4);
    f.fb.red_pos = 20, f.fb.green_pos = 10, f.fb.blue_pos = 0;
    f.fb.red_size = f.fb.green_size = f.fb.blue_size = 10;
    f.fg = 0x2A8u << 20 | 0x2A8u << 10 | 0x2A8u;
    REQUIRE(fbcon_init(&f.fb, f.mem) == 0);
    say("#");
    CHECK(cell_is(&f, 0, 0, '#'));
    free(f.mem);

    /* No field sizes at all: 16 bpp defaults to r5g6b5. */
    fake_make(&f, 16, 16, 16, 16 * 2 + 2);
    f.fb.red_pos = f.fb.green_pos = f.fb.red_size = f.fb.green_size = f.fb.blue_size = 0;
    REQUIRE(fbcon_init(&f.fb, f.mem) == 0);
    say("W");
    CHECK(cell_is(&f, 0, 0, 'W'));
    CHECK(canaries_intact(&f));
    free(f.mem);
}

TEST(describe_and_register_once)
{
    struct fake f;
    fake_make(&f, 1280, 800, 32, 1280 * 4);
    REQUIRE(fbcon_init(&f.fb, f.mem) == 0);
    char buf[128];
    fbcon_describe(buf, sizeof buf);
    CHECK_STR(buf, "framebuffer 1280x800x32 at 0x80000000, 160x50 text");
    fbcon_describe(buf, 10);
    CHECK_STR(buf, "framebuff");
    CHECK_EQ(strlen(buf), 9);
    /* Every successful init above went to the same console entry. */
    CHECK_EQ(register_count, 1);

    /* A failed init leaves the working console alone. */
    struct boot_fb bad = f.fb;
    bad.bpp = 8;
    CHECK_EQ(fbcon_init(&bad, f.mem), -ENOTSUP);
    say("ok");
    CHECK(cell_is(&f, 0, 0, 'o'));
    CHECK(cell_is(&f, 1, 0, 'k'));
    free(f.mem);
}
