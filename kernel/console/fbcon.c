/* Text console on a linear RGB framebuffer (the GOP / VBE / multiboot
 * framebuffer), light grey on black, drawn with the built-in 8x16 font.
 *
 * The loader describes the framebuffer (boot/bootinfo.h, struct boot_fb):
 * `pitch` bytes per scan line, `width` x `height` pixels of `bpp` bits, each
 * pixel a little-endian integer whose red, green and blue fields sit at
 * the given bit positions and sizes (the multiboot2 framebuffer tag, the
 * UEFI GOP PixelBitMask and VBE mode info all say it this way). We build
 * pixel values from those fields, so 8:8:8, 5:6:5 and BGR layouts all work.
 *
 * Speed matters (QEMU's TCG draws this during the benchmarked boot):
 *   - a glyph row is two table lookups, each giving the bytes of four
 *     pixels, stored with plain 64-bit moves (no SSE: -mgeneral-regs-only);
 *   - the framebuffer is never read except to scroll, and a scroll copies
 *     each text row only as wide as anything was drawn on it.
 * x86 allows unaligned stores to framebuffer memory (WC or UC), so pixel
 * bytes are stored with __builtin_memcpy of constant sizes, which compiles
 * to plain moves and keeps the hosted build clear of alignment UB.
 *
 * Run: qemu-system-x86_64 -vga std with a multiboot2 loader that sets a
 * graphics mode (GRUB's gfxpayload), or under OVMF. */
#include "kernel/console/fbcon.h"
#include "kernel/console/console.h"
#include "kernel/errno.h"
#include "kernel/console/font.h"
#include <stdbool.h>
#include <stdint.h>

#define FBCON_GREY      0xAA    /* light grey, the VGA palette's colour 7 */
#define FBCON_MAX_ROWS  512     /* text rows beyond this stay unused */
#define TAB_WIDTH       8
#define ALWAYS_INLINE   static inline __attribute__((always_inline))

struct fbcon_layout {
    uint8_t pos[3], size[3];    /* red, green, blue */
};

static struct {
    struct console con;
    struct boot_fb fb;          /* as the loader described it */
    uint8_t *base;              /* mapped framebuffer */
    size_t pitch;
    unsigned bpp;               /* bytes per pixel: 2, 3 or 4 */
    unsigned cols, rows;
    unsigned cx, cy;            /* cx == cols: wrap before the next character */
    /* The bytes of four pixels for each 4-bit slice of a glyph row; bit 3
     * of the index is the leftmost pixel, so nib[0] is four background
     * pixels. */
    uint8_t nib[16][16];
    /* Cells of each text row that may differ from the background. */
    uint32_t used[FBCON_MAX_ROWS];
    bool ready, registered;
} fbc;

/* --- pixel formats --------------------------------------------------- */

static int check_geometry(const struct boot_fb *fb)
{
    if (fb->type != FB_RGB)
        return -ENOTSUP;
    if (fb->bpp != 16 && fb->bpp != 24 && fb->bpp != 32)
        return -ENOTSUP;
    uint64_t line = (uint64_t)fb->width * (fb->bpp / 8);
    if (fb->width < FONT_W || fb->height < FONT_H || fb->pitch < line)
        return -EINVAL;
    if ((uint64_t)fb->pitch * fb->height > FBCON_MAX_BYTES)
        return -EINVAL;
    return 0;
}

/* The colour fields, defaulting to x8r8g8b8 / r8g8b8 / r5g6b5 when the
 * loader gave no sizes at all. Every field must lie inside the pixel. */
static int get_layout(const struct boot_fb *fb, struct fbcon_layout *l)
{
    *l = (struct fbcon_layout){
        { fb->red_pos, fb->green_pos, fb->blue_pos },
        { fb->red_size, fb->green_size, fb->blue_size },
    };
    if (!l->size[0] && !l->size[1] && !l->size[2]) {
        if (fb->bpp == 16)
            *l = (struct fbcon_layout){ { 11, 5, 0 }, { 5, 6, 5 } };
        else
            *l = (struct fbcon_layout){ { 16, 8, 0 }, { 8, 8, 8 } };
    }
    for (int i = 0; i < 3; i++)
        if (l->size[i] && l->pos[i] + l->size[i] > fb->bpp)
            return -EINVAL;
    return 0;
}

/* Scale an 8-bit intensity to a field of `size` bits at `pos`. */
static uint32_t component(uint32_t v, unsigned pos, unsigned size)
{
    if (size == 0)
        return 0;
    v = size >= 8 ? v << (size - 8) : v >> (8 - size);
    return v << pos;
}

static uint32_t pixel(const struct fbcon_layout *l, uint8_t r, uint8_t g, uint8_t b)
{
    return component(r, l->pos[0], l->size[0]) | component(g, l->pos[1], l->size[1]) |
           component(b, l->pos[2], l->size[2]);
}

static void build_nibbles(uint32_t fg, uint32_t bg)
{
    for (unsigned n = 0; n < 16; n++)
        for (unsigned p = 0; p < 4; p++) {
            uint32_t px = n & (8u >> p) ? fg : bg;
            for (unsigned b = 0; b < fbc.bpp; b++)
                fbc.nib[n][p * fbc.bpp + b] = (uint8_t)(px >> (8 * b));
        }
}

/* --- drawing ---------------------------------------------------------- */

/* The loops below take bpp as a parameter and are always inlined into a
 * switch on fbc.bpp, so every memcpy has a constant size. */

ALWAYS_INLINE void glyph_rows(uint8_t *dst, const uint8_t *g, size_t pitch, unsigned bpp)
{
    for (unsigned y = 0; y < FONT_H; y++, dst += pitch) {
        __builtin_memcpy(dst, fbc.nib[g[y] >> 4], 4 * bpp);
        __builtin_memcpy(dst + 4 * bpp, fbc.nib[g[y] & 15], 4 * bpp);
    }
}

ALWAYS_INLINE void fill_pixels(uint8_t *dst, size_t npix, unsigned bpp)
{
    for (; npix >= 4; npix -= 4, dst += 4 * bpp)
        __builtin_memcpy(dst, fbc.nib[0], 4 * bpp);
    for (size_t i = 0; i < npix * bpp; i++)
        dst[i] = fbc.nib[0][i];
}

static uint8_t *pixel_addr(unsigned x, unsigned y)
{
    return fbc.base + (size_t)y * fbc.pitch + (size_t)x * fbc.bpp;
}

static void draw_glyph(unsigned col, unsigned row, const uint8_t *g)
{
    uint8_t *dst = pixel_addr(col * FONT_W, row * FONT_H);
    switch (fbc.bpp) {
    case 4: glyph_rows(dst, g, fbc.pitch, 4); break;
    case 3: glyph_rows(dst, g, fbc.pitch, 3); break;
    default: glyph_rows(dst, g, fbc.pitch, 2); break;
    }
}

/* Paint a rectangle of pixels with the background. */
static void fill_rect(unsigned x, unsigned y, size_t w, unsigned h)
{
    uint8_t *dst = pixel_addr(x, y);
    for (; h > 0; h--, dst += fbc.pitch) {
        switch (fbc.bpp) {
        case 4: fill_pixels(dst, w, 4); break;
        case 3: fill_pixels(dst, w, 3); break;
        default: fill_pixels(dst, w, 2); break;
        }
    }
}

/* Copy n bytes forward, eight at a time; dst lies below src. (Not memcpy:
 * the kernel's is `rep movsb`, which TCG runs a byte at a time.) */
static void copy_bytes(uint8_t *dst, const uint8_t *src, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        __builtin_memcpy(&w, src + i, 8);
        __builtin_memcpy(dst + i, &w, 8);
    }
    for (; i < n; i++)
        dst[i] = src[i];
}

/* Move text row `from` up onto text row `to`, copying only the cells that
 * may hold ink and clearing what the old contents of `to` leave over. */
static void move_row(unsigned to, unsigned from)
{
    size_t n = fbc.used[from], old = fbc.used[to];
    uint8_t *dst = pixel_addr(0, to * FONT_H);
    const uint8_t *src = pixel_addr(0, from * FONT_H);
    for (unsigned y = 0; y < FONT_H; y++)
        copy_bytes(dst + y * fbc.pitch, src + y * fbc.pitch, n * FONT_W * fbc.bpp);
    if (old > n)
        fill_rect(n * FONT_W, to * FONT_H, (old - n) * FONT_W, FONT_H);
    fbc.used[to] = fbc.used[from];
}

static void scroll(void)
{
    for (unsigned r = 0; r + 1 < fbc.rows; r++)
        move_row(r, r + 1);
    unsigned last = fbc.rows - 1;
    fill_rect(0, last * FONT_H, (size_t)fbc.used[last] * FONT_W, FONT_H);
    fbc.used[last] = 0;
}

/* --- the console ------------------------------------------------------ */

static void newline(void)
{
    fbc.cx = 0;
    if (fbc.cy + 1 < fbc.rows)
        fbc.cy++;
    else
        scroll();
}

static void put_glyph(unsigned char ch)
{
    if (ch < FONT_FIRST || ch > FONT_LAST)
        ch = '?';
    if (fbc.cx >= fbc.cols)
        newline();
    draw_glyph(fbc.cx, fbc.cy, font8x16[ch - FONT_FIRST]);
    if (fbc.used[fbc.cy] <= fbc.cx)
        fbc.used[fbc.cy] = fbc.cx + 1;
    fbc.cx++;
}

static void fbcon_putc(char ch)
{
    switch (ch) {
    case '\n':
        newline();
        break;
    case '\r':
        fbc.cx = 0;
        break;
    case '\t':
        fbc.cx = (fbc.cx / TAB_WIDTH + 1) * TAB_WIDTH;
        if (fbc.cx > fbc.cols)
            fbc.cx = fbc.cols;
        break;
    case '\b':
        if (fbc.cx > 0)
            fbc.cx--;
        break;
    default:
        /* Other control characters are dropped; bytes outside the font
         * show as '?'. */
        if ((unsigned char)ch >= 0x20)
            put_glyph((unsigned char)ch);
        break;
    }
}

static void fbcon_write(struct console *c, const char *s, size_t n)
{
    (void)c;
    if (!fbc.ready)
        return;
    for (size_t i = 0; i < n; i++)
        fbcon_putc(s[i]);
}

int fbcon_init(const struct boot_fb *fb, void *mapped)
{
    struct fbcon_layout l;
    if (!fb || !mapped)
        return -EINVAL;
    int err = check_geometry(fb);
    if (err == 0)
        err = get_layout(fb, &l);
    if (err)
        return err;

    fbc.ready = false;
    fbc.fb = *fb;
    fbc.base = mapped;
    fbc.pitch = fb->pitch;
    fbc.bpp = fb->bpp / 8;
    fbc.cols = fb->width / FONT_W;
    fbc.rows = fb->height / FONT_H;
    if (fbc.rows > FBCON_MAX_ROWS)
        fbc.rows = FBCON_MAX_ROWS;
    fbc.cx = fbc.cy = 0;
    for (unsigned r = 0; r < fbc.rows; r++)
        fbc.used[r] = 0;
    font_unpack();
    build_nibbles(pixel(&l, FBCON_GREY, FBCON_GREY, FBCON_GREY), pixel(&l, 0, 0, 0));
    fill_rect(0, 0, fb->width, fb->height);
    fbc.ready = true;

    fbc.con.name = "fb";
    fbc.con.write = fbcon_write;
    if (!fbc.registered) {
        fbc.registered = true;
        console_register(&fbc.con);
    }
    return 0;
}

/* --- description ------------------------------------------------------ */

struct outbuf {
    char *p;
    size_t left;    /* room, including the terminating NUL */
};

static void put_str(struct outbuf *o, const char *s)
{
    for (; *s && o->left > 1; s++, o->left--)
        *o->p++ = *s;
    if (o->left)
        *o->p = 0;
}

static void put_num(struct outbuf *o, uint64_t v, unsigned base)
{
    char tmp[24];
    int i = sizeof tmp - 1;
    tmp[i] = 0;
    do
        tmp[--i] = "0123456789abcdef"[v % base];
    while ((v /= base) != 0);
    put_str(o, &tmp[i]);
}

void fbcon_describe(char *buf, size_t n)
{
    struct outbuf o = { buf, n };
    if (n == 0)
        return;
    if (!fbc.ready) {
        put_str(&o, "no framebuffer console");
        return;
    }
    put_str(&o, "framebuffer ");
    put_num(&o, fbc.fb.width, 10);
    put_str(&o, "x");
    put_num(&o, fbc.fb.height, 10);
    put_str(&o, "x");
    put_num(&o, fbc.fb.bpp, 10);
    put_str(&o, " at 0x");
    put_num(&o, fbc.fb.addr, 16);
    put_str(&o, ", ");
    put_num(&o, fbc.cols, 10);
    put_str(&o, "x");
    put_num(&o, fbc.rows, 10);
    put_str(&o, " text");
}
