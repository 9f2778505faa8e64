/* mkfont: turn a GRUB PF2 font into minnow's built-in 8x16 console font.
 *
 *     mkfont /usr/share/grub/ascii.pf2 build/gen/font8x16.c
 *
 * writes the 8x16 glyphs of the characters 0x20..0x7E (kernel/console/font.h),
 * one byte per pixel row, bit 7 = leftmost pixel, packed: a glyph is a byte
 * (first row with ink << 4 | number of rows from there to the last row with
 * ink) and those rows; the blank rows above and below are left out (most of
 * a glyph: 957 bytes instead of 1,520). kernel/console/font.c unpacks them
 * at boot. For the host tests (HOSTED) the file also holds the plain table,
 * font_reference[95][16], that the unpacked font must equal.
 *
 * PF2 ("PFF2") layout, as read by GRUB's grub-core/font/font.c
 * (grub_font_load, load_font_index, grub_font_get_glyph_internal) and written
 * by util/grub-mkfont.c:
 *   - a sequence of sections: 4-byte ASCII name, u32 big-endian length, data;
 *   - "FILE" comes first, length 4, data "PFF2";
 *   - "ASCE" (u16 BE ascent in pixels) and "CHIX" (character index: 9-byte
 *     entries of u32 BE code point, u8 storage flags, u32 BE file offset of
 *     the glyph, in ascending code point order) among others;
 *   - "DATA" with length 0xFFFFFFFF ends the section list; glyphs follow.
 * A glyph is u16 BE width, u16 BE height, s16 BE x offset, s16 BE y offset,
 * s16 BE device width, then width*height bits packed with no per-row padding,
 * MSB first (ceil(width*height/8) bytes). grub_font_draw_glyph places the
 * bitmap's left edge at pen_x + x_offset and its bottom row at
 * baseline - y_offset, so its top row lies (height + y_offset) pixels above
 * the baseline. We put the baseline `ascent` rows below the top of the cell.
 *
 * Storage flags are ignored, as GRUB's loader does (grub-mkfont writes 0).
 * The output goes to <out>.tmp first and is renamed into place on success,
 * so a failed run never leaves a half-written source file behind. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CELL_W      8
#define CELL_H      16
#define FIRST_CHAR  0x20
#define LAST_CHAR   0x7E

#define PF2_SECT_HDR    8           /* name + length */
#define PF2_CHIX_ENTRY  9           /* code, flags, offset */
#define PF2_GLYPH_HDR   10          /* width, height, xoff, yoff, dwidth */
#define PF2_MAX_FILE    (64u << 20) /* sanity limit on the input size */

struct pf2 {
    const uint8_t *data;
    size_t len;
    const uint8_t *chix;    /* character index entries */
    size_t nchars;
    int ascent;             /* -1 until the ASCE section is seen */
};

struct glyph {
    unsigned width, height;
    int xoff, yoff;
    const uint8_t *bits;
};

static const char *in_path = "mkfont";

static void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void die(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "mkfont: %s: ", in_path);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static uint32_t be16(const uint8_t *p) { return (uint32_t)p[0] << 8 | p[1]; }
static int sbe16(const uint8_t *p) { return (int16_t)(uint16_t)be16(p); }
static uint32_t be32(const uint8_t *p) { return be16(p) << 16 | be16(p + 2); }

static uint8_t *load_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die("cannot open: %s", strerror(errno));
    long size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    if (size < 0 || fseek(f, 0, SEEK_SET) != 0)
        die("cannot determine the file size");
    if ((unsigned long)size > PF2_MAX_FILE)
        die("larger than %u bytes", PF2_MAX_FILE);
    uint8_t *buf = malloc((size_t)size + 1);
    if (!buf)
        die("out of memory");
    if (fread(buf, 1, (size_t)size, f) != (size_t)size)
        die("read error");
    fclose(f);
    *len = (size_t)size;
    return buf;
}

/* Check the leading FILE section: it names the format. */
static size_t parse_magic(const struct pf2 *f)
{
    if (f->len < PF2_SECT_HDR + 4 || memcmp(f->data, "FILE", 4) != 0)
        die("not a PF2 font (no FILE section)");
    if (be32(f->data + 4) != 4 || memcmp(f->data + 8, "PFF2", 4) != 0)
        die("bad magic (want FILE section holding \"PFF2\")");
    return PF2_SECT_HDR + 4;
}

/* Record what we need from one section; unknown sections are skipped. */
static void parse_section(struct pf2 *f, const uint8_t *name, const uint8_t *body,
                          uint32_t len)
{
    if (memcmp(name, "ASCE", 4) == 0) {
        if (len != 2)
            die("ASCE section length %u, want 2", len);
        f->ascent = (int)be16(body);
    } else if (memcmp(name, "CHIX", 4) == 0) {
        if (f->chix)
            die("more than one CHIX section");
        if (len % PF2_CHIX_ENTRY != 0)
            die("CHIX length %u is not a multiple of %d", len, PF2_CHIX_ENTRY);
        f->chix = body;
        f->nchars = len / PF2_CHIX_ENTRY;
    }
}

/* Walk the section list up to the DATA marker. */
static void parse_sections(struct pf2 *f)
{
    size_t pos = parse_magic(f);
    for (;;) {
        if (f->len - pos < PF2_SECT_HDR)
            die("truncated section header at offset %zu", pos);
        const uint8_t *name = f->data + pos;
        uint32_t len = be32(name + 4);
        pos += PF2_SECT_HDR;
        if (memcmp(name, "DATA", 4) == 0)
            break;
        if (len > f->len - pos)
            die("section %.4s at offset %zu runs past the end of the file",
                (const char *)name, pos - PF2_SECT_HDR);
        parse_section(f, name, f->data + pos, len);
        pos += len;
    }
    if (!f->chix)
        die("no CHIX (character index) section");
    if (f->ascent < 0)
        die("no ASCE (ascent) section");
    if (f->ascent == 0 || f->ascent > CELL_H)
        die("ascent %d does not fit a %d-pixel cell", f->ascent, CELL_H);
}

/* Find `code` in the character index and decode its glyph header. */
static void find_glyph(const struct pf2 *f, uint32_t code, struct glyph *g)
{
    const uint8_t *e = NULL;
    for (size_t i = 0; i < f->nchars && !e; i++)
        if (be32(f->chix + i * PF2_CHIX_ENTRY) == code)
            e = f->chix + i * PF2_CHIX_ENTRY;
    if (!e)
        die("no glyph for U+%04X", code);
    uint32_t off = be32(e + 5);
    if (off > f->len || f->len - off < PF2_GLYPH_HDR)
        die("glyph U+%04X header at offset %u is outside the file", code, off);
    const uint8_t *p = f->data + off;
    g->width = be16(p);
    g->height = be16(p + 2);
    g->xoff = sbe16(p + 4);
    g->yoff = sbe16(p + 6);
    g->bits = p + PF2_GLYPH_HDR;
    size_t nbytes = ((size_t)g->width * g->height + 7) / 8;
    if (nbytes > f->len - off - PF2_GLYPH_HDR)
        die("glyph U+%04X bitmap runs past the end of the file", code);
}

/* Render one glyph into an 8x16 cell, baseline `ascent` rows from the top. */
static void render(const struct pf2 *f, uint32_t code, uint8_t cell[CELL_H])
{
    struct glyph g;
    find_glyph(f, code, &g);
    int top = f->ascent - ((int)g.height + g.yoff);
    if (g.xoff < 0 || g.xoff + (int)g.width > CELL_W || top < 0 ||
        top + (int)g.height > CELL_H)
        die("glyph U+%04X (%ux%u at x %d, y %d) does not fit the %dx%d cell",
            code, g.width, g.height, g.xoff, g.yoff, CELL_W, CELL_H);
    memset(cell, 0, CELL_H);
    size_t bit = 0;
    for (unsigned y = 0; y < g.height; y++)
        for (unsigned x = 0; x < g.width; x++, bit++)
            if (g.bits[bit / 8] & (0x80 >> (bit % 8)))
                cell[top + y] |= (uint8_t)(0x80 >> (g.xoff + (int)x));
}

/* The rows of a glyph to keep: from the first with ink, n of them up to the
 * last with ink (none for a blank glyph). The count has 4 bits: a glyph
 * with ink in both its top and bottom row does not fit. */
static void ink_rows(int c, const uint8_t cell[CELL_H], int *first, int *n)
{
    int lo = 0, hi = CELL_H;
    while (lo < CELL_H && !cell[lo])
        lo++;
    while (hi > lo && !cell[hi - 1])
        hi--;
    if (hi - lo > 15)
        die("glyph U+%04X has ink in all 16 rows: no packed form", c);
    *first = hi > lo ? lo : 0;
    *n = hi - lo;
}

static void emit(FILE *out, const uint8_t font[][CELL_H])
{
    fprintf(out, "/* generated by tools/mkfont from %s; do not edit */\n", in_path);
    fprintf(out, "#include \"kernel/console/font.h\"\n\n");
    fprintf(out, "const uint8_t font_packed[] = {\n");
    for (int c = FIRST_CHAR; c <= LAST_CHAR; c++) {
        const uint8_t *cell = font[c - FIRST_CHAR];
        int first, n;
        ink_rows(c, cell, &first, &n);
        fprintf(out, "    /* 0x%02x %c */ 0x%02x,", c, c, first << 4 | n);
        for (int y = first; y < first + n; y++)
            fprintf(out, " 0x%02x,", cell[y]);
        fprintf(out, "\n");
    }
    fprintf(out, "};\n\n#ifdef HOSTED\n");
    fprintf(out, "const uint8_t font_reference[FONT_GLYPHS][FONT_H] = {\n");
    for (int c = FIRST_CHAR; c <= LAST_CHAR; c++) {
        fprintf(out, "    { /* 0x%02x %c */", c, c);
        for (int y = 0; y < CELL_H; y++)
            fprintf(out, "%s0x%02x,", y % 8 ? " " : "\n        ", font[c - FIRST_CHAR][y]);
        fprintf(out, "\n    },\n");
    }
    fprintf(out, "};\n#endif\n");
}

static void write_output(const char *path, const uint8_t font[][CELL_H])
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
        die("output path too long");
    FILE *out = fopen(tmp, "w");
    if (!out)
        die("cannot create %s: %s", tmp, strerror(errno));
    emit(out, font);
    if (ferror(out) || fclose(out) != 0) {
        remove(tmp);
        die("write error on %s", tmp);
    }
    if (rename(tmp, path) != 0) {
        remove(tmp);
        die("cannot rename %s to %s", tmp, path);
    }
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: mkfont FONT.pf2 OUT.c\n");
        return 2;
    }
    in_path = argv[1];
    struct pf2 f = { .ascent = -1 };
    uint8_t *buf = load_file(in_path, &f.len);
    f.data = buf;
    parse_sections(&f);

    static uint8_t font[LAST_CHAR - FIRST_CHAR + 1][CELL_H];
    for (uint32_t c = FIRST_CHAR; c <= LAST_CHAR; c++)
        render(&f, c, font[c - FIRST_CHAR]);
    write_output(argv[2], (const uint8_t (*)[CELL_H])font);
    free(buf);
    return 0;
}
