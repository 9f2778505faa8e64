/* PS/2 keyboard on the i8042's first port, feeding the console shell.
 *
 * ps2kbd_init() attaches only where the firmware says an i8042 exists (or
 * is too old to say); the IRQ 1 handler turns scan code set 1 (the
 * controller translates the keyboard's set 2) into characters with a US
 * layout and hands them to shell_input(). The translation is the pure
 * ps2kbd_translate(), host-tested in tests/unit/test_ps2kbd.c. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

/* Keyboard state between scan codes. Zero-initialise it ({0}). */
struct ps2kbd_state {
    bool lshift, rshift;
    bool lctrl, rctrl;
    bool caps;              /* Caps Lock is on */
    bool caps_down;         /* the Caps Lock key is held (typematic repeats do not toggle) */
    bool e0;                /* the previous byte was the 0xE0 prefix */
    uint8_t e1_skip;        /* bytes of a 0xE1 (Pause) sequence still to skip */
};

/* Feeds one byte from the keyboard (scan code set 1). Returns the character
 * the key typed -- printable ASCII, '\r' for Enter, 0x7F for Backspace,
 * '\t', or a control code (0x01-0x1A) for Ctrl+letter -- or -1 when the
 * byte types nothing (a break code, a modifier, a prefix, an unmapped key). */
int ps2kbd_translate(struct ps2kbd_state *st, uint8_t scancode);

#ifndef HOSTED
/* Finds the i8042, enables its keyboard interrupt and translation and
 * routes ISA IRQ 1. 0, -ENODEV when the platform has no i8042 (or it does
 * not answer), -ETIMEDOUT when it stops answering, or routing's error. */
int ps2kbd_init(void);
#endif
