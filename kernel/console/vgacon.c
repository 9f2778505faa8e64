/* VGA text-mode console: the colour text buffer at physical 0xB8000.
 *
 * Each cell of the buffer is one little-endian 16-bit word: the character
 * (code page 437) in the low byte and its attribute in the high byte (bits
 * 3-0 foreground, 6-4 background, 7 blink); 0x07 is light grey on black.
 * Cells run row by row from the top left corner.
 *
 * The hardware cursor belongs to the CRT controller, an indexed register
 * file behind I/O ports 0x3D4 (index) and 0x3D5 (data) when the Miscellaneous
 * Output register selects colour addressing, as the BIOS's mode 3 does.
 * Register numbers and bits are from FreeVGA, "CRT Controller Registers":
 *   0x0A Cursor Start:  bit 5 Cursor Disable, bits 4-0 first scan line
 *   0x0B Cursor End:    bits 4-0 last scan line (bits 6-5 skew, kept)
 *   0x0E Cursor Location High, 0x0F Cursor Location Low: the cursor's cell
 *        index counted from the start of display memory (we never move the
 *        display start, registers 0x0C/0x0D, so that is from the top left).
 *
 * NOTE: under QEMU the legacy window 0xA0000-0xBFFFF is emulated device
 * memory, so every access is a callback (TCG) or a VM exit (KVM). We keep a
 * copy of the screen in RAM, never read the text buffer back, and at the end
 * of each write copy only the cells that changed, four per 64-bit store; a
 * write that scrolls costs one screen copy however many lines it scrolls.
 *
 * Run: qemu-system-x86_64 -kernel minnow.elf (QEMU's default VGA card boots
 * in text mode under a BIOS). */
#include "kernel/console/vgacon.h"
#include "kernel/console/console.h"
#include "kernel/errno.h"
#include "kernel/arch/io.h"
#include <stdbool.h>
#include <stdint.h>

#define VGA_CRTC_INDEX      0x3D4
#define VGA_CRTC_DATA       0x3D5
#define CRTC_CURSOR_START   0x0A
#define CRTC_CURSOR_END     0x0B
#define CRTC_CURSOR_HI      0x0E
#define CRTC_CURSOR_LO      0x0F
#define CURSOR_DISABLE      0x20    /* in CRTC_CURSOR_START */
#define CURSOR_LINE_MASK    0x1F    /* scan line field of START and END */
#define CURSOR_FIRST_LINE   13      /* underline cursor in a 16-line cell */
#define CURSOR_LAST_LINE    14

#define VGA_ATTR            0x07    /* light grey on black */
#define VGA_CELL(ch)        ((uint16_t)(VGA_ATTR << 8 | (uint8_t)(ch)))
#define VGA_BLANK           VGA_CELL(' ')
#define VGA_MAX_CELLS       (132 * 60)  /* the largest VESA text mode */
#define TAB_WIDTH           8

static struct {
    struct console con;
    volatile uint16_t *buf;     /* the text buffer */
    unsigned cols, rows, cells;
    unsigned cx, cy;            /* cx == cols: wrap before the next character */
    unsigned dirty_lo, dirty_hi;    /* shadow cells not yet copied, [lo, hi) */
    unsigned cursor;            /* cell the hardware cursor is on */
    bool wide;                  /* buf is 8-byte aligned: 64-bit stores */
    bool ready, registered;
    uint16_t shadow[VGA_MAX_CELLS];
} vga;

/* The one accessor for CRT controller registers. */
static void crtc_write(uint8_t reg, uint8_t v)
{
    outb(VGA_CRTC_INDEX, reg);
    outb(VGA_CRTC_DATA, v);
}

static uint8_t crtc_read(uint8_t reg)
{
    outb(VGA_CRTC_INDEX, reg);
    return inb(VGA_CRTC_DATA);
}

static void mark(unsigned lo, unsigned hi)
{
    if (lo < vga.dirty_lo)
        vga.dirty_lo = lo;
    if (hi > vga.dirty_hi)
        vga.dirty_hi = hi;
}

static void blank(unsigned lo, unsigned hi)
{
    for (unsigned i = lo; i < hi; i++)
        vga.shadow[i] = VGA_BLANK;
    mark(lo, hi);
}

/* Copy the dirty cells to the text buffer, four cells per store when the
 * buffer is aligned (groups start at multiples of 4 cells). */
static void flush(void)
{
    unsigned i = vga.dirty_lo, hi = vga.dirty_hi;
    if (vga.wide) {
        for (i &= ~3u; i + 4 <= hi; i += 4) {
            const uint16_t *s = &vga.shadow[i];
            uint64_t w = s[0] | (uint64_t)s[1] << 16 | (uint64_t)s[2] << 32 |
                         (uint64_t)s[3] << 48;
            *(volatile uint64_t *)(vga.buf + i) = w;
        }
    }
    for (; i < hi; i++)
        vga.buf[i] = vga.shadow[i];
    vga.dirty_lo = vga.cells;
    vga.dirty_hi = 0;
}

/* Move the hardware cursor, skipping the port writes when it did not move. */
static void place_cursor(void)
{
    unsigned x = vga.cx < vga.cols ? vga.cx : vga.cols - 1;
    unsigned pos = vga.cy * vga.cols + x;
    if (pos == vga.cursor)
        return;
    vga.cursor = pos;
    crtc_write(CRTC_CURSOR_HI, (uint8_t)(pos >> 8));
    crtc_write(CRTC_CURSOR_LO, (uint8_t)pos);
}

/* Show an underline cursor: clear Cursor Disable, set the scan lines. */
static void enable_cursor(void)
{
    uint8_t start = crtc_read(CRTC_CURSOR_START) & ~(CURSOR_DISABLE | CURSOR_LINE_MASK);
    uint8_t end = crtc_read(CRTC_CURSOR_END) & ~CURSOR_LINE_MASK;
    crtc_write(CRTC_CURSOR_START, start | CURSOR_FIRST_LINE);
    crtc_write(CRTC_CURSOR_END, end | CURSOR_LAST_LINE);
}

static void scroll(void)
{
    unsigned last = vga.cells - vga.cols;
    for (unsigned i = 0; i < last; i++)
        vga.shadow[i] = vga.shadow[i + vga.cols];
    blank(last, vga.cells);
    mark(0, vga.cells);
}

static void newline(void)
{
    vga.cx = 0;
    if (vga.cy + 1 < vga.rows)
        vga.cy++;
    else
        scroll();
}

static void put_char(char ch)
{
    if (vga.cx >= vga.cols)
        newline();
    unsigned i = vga.cy * vga.cols + vga.cx++;
    vga.shadow[i] = VGA_CELL(ch);
    mark(i, i + 1);
}

static void vgacon_putc(char ch)
{
    switch (ch) {
    case '\n':
        newline();
        break;
    case '\r':
        vga.cx = 0;
        break;
    case '\t':
        vga.cx = (vga.cx / TAB_WIDTH + 1) * TAB_WIDTH;
        if (vga.cx > vga.cols)
            vga.cx = vga.cols;
        break;
    case '\b':
        if (vga.cx > 0)
            vga.cx--;
        break;
    default:
        /* Other control characters are dropped; bytes >= 0x80 show as
         * their code page 437 glyphs. */
        if ((unsigned char)ch >= 0x20)
            put_char(ch);
        break;
    }
}

static void vgacon_write(struct console *c, const char *s, size_t n)
{
    (void)c;
    if (!vga.ready)
        return;
    for (size_t i = 0; i < n; i++)
        vgacon_putc(s[i]);
    flush();
    place_cursor();
}

int vgacon_init(void *text_base, unsigned cols, unsigned rows)
{
    if (!text_base || cols == 0 || rows == 0 || cols > VGA_MAX_CELLS ||
        rows > VGA_MAX_CELLS / cols)
        return -EINVAL;
    vga.buf = text_base;
    vga.cols = cols;
    vga.rows = rows;
    vga.cells = cols * rows;
    vga.cx = vga.cy = 0;
    vga.cursor = ~0u;
    vga.wide = ((uintptr_t)text_base & 7) == 0;
    vga.dirty_lo = vga.cells;
    vga.dirty_hi = 0;
    blank(0, vga.cells);
    flush();
    enable_cursor();
    place_cursor();
    vga.ready = true;

    vga.con.name = "vga";
    vga.con.write = vgacon_write;
    if (!vga.registered) {
        vga.registered = true;
        console_register(&vga.con);
    }
    return 0;
}
