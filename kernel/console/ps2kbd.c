/* PS/2 keyboard: the Intel 8042 keyboard controller's first port, feeding
 * the console shell, so that a user at a hypervisor's window can type.
 *
 * Controller: IBM Personal Computer AT Technical Reference (1984),
 * "Keyboard Controller": data port 0x60, status (read) / command (write)
 * port 0x64; command 20h reads and 60h writes the controller command byte.
 * The bit names follow Linux drivers/input/serio/i8042.h (I8042_STR_*,
 * I8042_CTR_*), the ports drivers/input/serio/i8042-io.h.
 *
 * Scan codes: with translation on (command byte bit 6) the controller turns
 * the keyboard's set 2 into set 1, the PC/XT codes of the same reference's
 * "Keyboard Scan Codes" table: a make code per key, the break code is the
 * make code | 0x80, 0xE0 prefixes the keys the 101-key keyboard added, and
 * Pause sends 0xE1 1D 45 E1 9D C5 (Linux drivers/input/keyboard/atkbd.c
 * handles the same prefixes).
 *
 * Presence (ACPI 6.5, 5.2.9.3 IA-PC Boot Architecture Flags): a FADT of
 * revision 3 (ACPI 2.0) or later says whether there is an 8042; an older
 * or absent FADT says nothing, so the controller is probed unless the
 * machine is hardware-reduced. Linux decides the same way
 * (arch/x86/kernel/acpi/boot.c, acpi_parse_fadt, FADT2_REVISION_ID).
 *
 * Try it: QEMU -M pc (ACPI 1.0 FADT, probed) or -M q35 (8042 flag set) with
 * a display window; -M microvm has none. */
#include "kernel/console/ps2kbd.h"

#ifndef HOSTED
#include "kernel/acpi/acpi.h"
#include "kernel/acpi/acpi_reg.h"
#include "kernel/errno.h"
#include "kernel/arch/io.h"
#include "kernel/irq/irq.h"
#include "kernel/console/kprintf.h"
#include "kernel/shell/shell.h"
#include "lib/string.h"
#endif

/* ---- scan code set 1 -> US layout ------------------------------------------ */

#define SC_BREAK     0x80   /* break code = make code | 0x80 */
#define SC_PREFIX_E0 0xE0   /* extended key follows */
#define SC_PREFIX_E1 0xE1   /* Pause: two more bytes follow (twice) */
#define SC_E1_LEN    2

#define SC_LCTRL     0x1D   /* also right Ctrl after 0xE0 */
#define SC_LSHIFT    0x2A
#define SC_RSHIFT    0x36
#define SC_CAPS      0x3A
#define SC_ENTER     0x1C   /* also keypad Enter after 0xE0 */

#define CH_BACKSPACE 0x7F   /* DEL: what the shell and terminals expect */

/* Make code -> character, unshifted and shifted; 0 = types nothing (Esc,
 * modifiers, function keys, the keypad's digit/navigation keys). */
static const char keymap[][2] = {
    [0x02] = { '1', '!' },  [0x03] = { '2', '@' },  [0x04] = { '3', '#' },
    [0x05] = { '4', '$' },  [0x06] = { '5', '%' },  [0x07] = { '6', '^' },
    [0x08] = { '7', '&' },  [0x09] = { '8', '*' },  [0x0A] = { '9', '(' },
    [0x0B] = { '0', ')' },  [0x0C] = { '-', '_' },  [0x0D] = { '=', '+' },
    [0x0E] = { CH_BACKSPACE, CH_BACKSPACE },        [0x0F] = { '\t', '\t' },
    [0x10] = { 'q', 'Q' },  [0x11] = { 'w', 'W' },  [0x12] = { 'e', 'E' },
    [0x13] = { 'r', 'R' },  [0x14] = { 't', 'T' },  [0x15] = { 'y', 'Y' },
    [0x16] = { 'u', 'U' },  [0x17] = { 'i', 'I' },  [0x18] = { 'o', 'O' },
    [0x19] = { 'p', 'P' },  [0x1A] = { '[', '{' },  [0x1B] = { ']', '}' },
    [0x1C] = { '\r', '\r' },
    [0x1E] = { 'a', 'A' },  [0x1F] = { 's', 'S' },  [0x20] = { 'd', 'D' },
    [0x21] = { 'f', 'F' },  [0x22] = { 'g', 'G' },  [0x23] = { 'h', 'H' },
    [0x24] = { 'j', 'J' },  [0x25] = { 'k', 'K' },  [0x26] = { 'l', 'L' },
    [0x27] = { ';', ':' },  [0x28] = { '\'', '"' }, [0x29] = { '`', '~' },
    [0x2B] = { '\\', '|' },
    [0x2C] = { 'z', 'Z' },  [0x2D] = { 'x', 'X' },  [0x2E] = { 'c', 'C' },
    [0x2F] = { 'v', 'V' },  [0x30] = { 'b', 'B' },  [0x31] = { 'n', 'N' },
    [0x32] = { 'm', 'M' },  [0x33] = { ',', '<' },  [0x34] = { '.', '>' },
    [0x35] = { '/', '?' },
    [0x37] = { '*', '*' },  /* keypad * */
    [0x39] = { ' ', ' ' },
    [0x4A] = { '-', '-' },  /* keypad - */
    [0x4E] = { '+', '+' },  /* keypad + */
};

static bool is_letter(char c) { return c >= 'a' && c <= 'z'; }

/* Bytes after 0xE0: only keypad Enter types; right Ctrl is a modifier like
 * the left one; everything else (arrows, the fake shifts around Print
 * Screen, ...) means nothing here. */
static int translate_e0(struct ps2kbd_state *st, uint8_t code, bool brk)
{
    if (code == SC_LCTRL)
        st->rctrl = !brk;
    else if (code == SC_ENTER && !brk)
        return '\r';
    return -1;
}

int ps2kbd_translate(struct ps2kbd_state *st, uint8_t sc)
{
    if (st->e1_skip) {
        st->e1_skip--;
        return -1;
    }
    if (sc == SC_PREFIX_E1) {
        st->e0 = false;
        st->e1_skip = SC_E1_LEN;
        return -1;
    }
    if (sc == SC_PREFIX_E0) {
        st->e0 = true;
        return -1;
    }
    bool brk = sc & SC_BREAK;
    uint8_t code = sc & (uint8_t)~SC_BREAK;
    if (st->e0) {
        st->e0 = false;
        return translate_e0(st, code, brk);
    }
    switch (code) {
    case SC_LSHIFT: st->lshift = !brk; return -1;
    case SC_RSHIFT: st->rshift = !brk; return -1;
    case SC_LCTRL:  st->lctrl = !brk;  return -1;
    case SC_CAPS:
        if (!brk && !st->caps_down)
            st->caps = !st->caps;
        st->caps_down = !brk;
        return -1;
    }
    if (brk || code >= sizeof keymap / sizeof keymap[0] || !keymap[code][0])
        return -1;

    bool shift = st->lshift || st->rshift;
    char base = keymap[code][0];
    if (st->lctrl || st->rctrl) {
        if (is_letter(base))
            return base & 0x1F;             /* Ctrl-A = 0x01 ... Ctrl-Z = 0x1A */
        if (base == '\r' || base == '\t' || base == CH_BACKSPACE)
            return base;
        return -1;                          /* Ctrl+punctuation: nothing */
    }
    if (is_letter(base))
        return keymap[code][shift != st->caps];
    return keymap[code][shift];
}

#ifndef HOSTED
/* ---- the i8042 --------------------------------------------------------------- */

#define I8042_DATA_REG     0x60
#define I8042_STATUS_REG   0x64     /* read */
#define I8042_COMMAND_REG  0x64     /* write */

/* Status register (IBM AT TR "Status Register"; Linux I8042_STR_*). */
#define I8042_STR_OBF      0x01     /* output buffer full: a byte waits at 0x60 */
#define I8042_STR_IBF      0x02     /* input buffer full: not ready for a write */
#define I8042_STR_AUXDATA  0x20     /* the byte at 0x60 is from the second (mouse) port */
#define I8042_STR_ABSENT   0xFF     /* an unclaimed ISA port reads all ones */

/* Controller commands (Linux I8042_CMD_CTL_RCTR 0x0120, _WCTR 0x1060). */
#define I8042_CMD_CTL_RCTR 0x20     /* read the command byte: one byte at 0x60 */
#define I8042_CMD_CTL_WCTR 0x60     /* write the command byte: one byte to 0x60 */

/* Controller command byte (IBM AT TR "Command Byte"; Linux I8042_CTR_*). */
#define I8042_CTR_KBDINT   0x01     /* IRQ 1 when a keyboard byte arrives */
#define I8042_CTR_KBDDIS   0x10     /* keyboard interface (clock) disabled */
#define I8042_CTR_XLATE    0x40     /* translate set 2 to set 1 */

/* Linux flushes at most I8042_BUFFER_SIZE (16) bytes. Its polls wait
 * 50 us per try, up to I8042_CTL_TIMEOUT (10000) tries; minnow polls
 * without delays, and a port read costs about 1 us on an LPC bus (more in
 * a VM, where each is an exit), so this bound is of the order of 100 ms. */
#define I8042_BUFFER_SIZE  16
#define I8042_POLL_MAX     100000

static struct ps2kbd_state kbd;

static uint8_t i8042_status(void) { return inb(I8042_STATUS_REG); }

static bool i8042_wait_write(void)
{
    for (int i = 0; i < I8042_POLL_MAX; i++) {
        if (!(i8042_status() & I8042_STR_IBF))
            return true;
        __asm__ volatile("pause");
    }
    return false;
}

static bool i8042_wait_read(void)
{
    for (int i = 0; i < I8042_POLL_MAX; i++) {
        if (i8042_status() & I8042_STR_OBF)
            return true;
        __asm__ volatile("pause");
    }
    return false;
}

/* Discards what the keyboard or the firmware left in the output buffer. */
static void i8042_flush(void)
{
    for (int i = 0; i < I8042_BUFFER_SIZE && (i8042_status() & I8042_STR_OBF); i++)
        (void)inb(I8042_DATA_REG);
}

static int i8042_read_ctr(uint8_t *ctr)
{
    if (!i8042_wait_write())
        return -ETIMEDOUT;
    outb(I8042_COMMAND_REG, I8042_CMD_CTL_RCTR);
    if (!i8042_wait_read())
        return -ETIMEDOUT;
    *ctr = inb(I8042_DATA_REG);
    return 0;
}

static int i8042_write_ctr(uint8_t ctr)
{
    if (!i8042_wait_write())
        return -ETIMEDOUT;
    outb(I8042_COMMAND_REG, I8042_CMD_CTL_WCTR);
    if (!i8042_wait_write())
        return -ETIMEDOUT;
    outb(I8042_DATA_REG, ctr);
    return i8042_wait_write() ? 0 : -ETIMEDOUT;
}

/* IRQ 1. The controller holds one byte; read while it has one for us. A
 * mouse byte (AUXDATA) is left alone: IRQ 12 is not routed. */
static void ps2kbd_irq(void *arg)
{
    (void)arg;
    for (int i = 0; i < I8042_BUFFER_SIZE; i++) {
        uint8_t s = i8042_status();
        if (!(s & I8042_STR_OBF) || (s & I8042_STR_AUXDATA))
            break;
        int c = ps2kbd_translate(&kbd, inb(I8042_DATA_REG));
        if (c >= 0)
            shell_input((char)c);
    }
}

/* The FADT's revision, from the list of tables acpi_parse() looked at;
 * 0 when there is none. */
static unsigned fadt_revision(uint32_t *len)
{
    for (size_t i = 0; i < acpi.ntables; i++)
        if (acpi.tables[i].ok && memcmp(acpi.tables[i].sig, ACPI_SIG_FADT, 4) == 0) {
            *len = acpi.tables[i].len;
            return acpi.tables[i].rev;
        }
    return 0;
}

#define FADT_REV_ACPI2 3    /* ACPI 2.0's FADT revision (ACPICA FADT2_REVISION_ID) */

static bool i8042_expected(void)
{
    if (!acpi_ready || !acpi.has_fadt)
        return true;                        /* nothing says otherwise: probe */
    if (acpi.hw_reduced)
        return false;                       /* no legacy devices at all */
    uint32_t len = 0;
    unsigned rev = fadt_revision(&len);
    if (rev < FADT_REV_ACPI2 ||
        len < ACPI_FADT_OFF(iapc_boot_arch) + ACPI_FADT_SIZE(iapc_boot_arch))
        return true;                        /* ACPI 1.0: IAPC_BOOT_ARCH was reserved */
    return acpi.iapc_boot_arch & ACPI_FADT_BOOT_8042;
}

/* Returns the vector or a negative errno. Runs under cli: the handler must not take the reply to our
 * command-byte read, and a key pressed between the last flush and
 * irq_restore() raises an edge the LAPIC keeps until then. */
static int i8042_setup(void)
{
    if (i8042_status() == I8042_STR_ABSENT)
        return -ENODEV;
    i8042_flush();
    int v = irq_route_isa(1, ps2kbd_irq, NULL, "ps2kbd");
    if (v < 0)
        return v;
    /* Keyboard interrupt on, its clock on, set 1 by translation
     * (Linux i8042_enable_kbd_port does the same to the first two). */
    uint8_t ctr;
    int err = i8042_read_ctr(&ctr);
    if (!err)
        err = i8042_write_ctr((uint8_t)((ctr & ~I8042_CTR_KBDDIS) | I8042_CTR_KBDINT | I8042_CTR_XLATE));
    if (err)
        return err;
    i8042_flush();                          /* a key pressed meanwhile */
    return v;
}

int ps2kbd_init(void)
{
    if (!i8042_expected())
        return -ENODEV;
    uint64_t f = irq_save();
    int v = i8042_setup();
    irq_restore(f);
    if (v == -ENODEV)
        return v;
    if (v < 0) {
        pr_warn("ps2kbd: i8042 not usable (%d)\n", v);
        return v;
    }
    pr_info("ps2kbd: i8042 keyboard on IRQ 1 (vector %d)\n", v);
    return 0;
}
#endif
