/* Host tests for the PS/2 keyboard's scan code translation
 * (kernel/console/ps2kbd.c, ps2kbd_translate): set 1 make/break codes, Shift, Caps
 * Lock, Ctrl, Enter, Backspace, the 0xE0 and 0xE1 prefixes.
 *
 *   gcc -std=gnu11 -g -O1 -Wall -Wextra -Werror -DHOSTED -I. \
 *       -fsanitize=address,undefined -fno-sanitize-recover=all \
 *       tests/unit/test_main.c tests/unit/test_ps2kbd.c kernel/console/ps2kbd.c \
 *       -o /tmp/test_ps2kbd */
#include "tests/unit/test.h"
#include "kernel/console/ps2kbd.h"

/* Feeds bytes and collects what they type (at most 63 characters). */
static const char *feed(struct ps2kbd_state *st, const uint8_t *sc, size_t n)
{
    static char out[64];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int c = ps2kbd_translate(st, sc[i]);
        if (c >= 0 && k < sizeof out - 1)
            out[k++] = (char)c;
    }
    out[k] = 0;
    return out;
}
#define FEED(st, ...) feed(st, (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ }))

/* Make then break of one key. */
#define KEY(m) (m), (uint8_t)((m) | 0x80)

TEST(letters_digits_punctuation)
{
    struct ps2kbd_state st = { 0 };
    CHECK_EQ(ps2kbd_translate(&st, 0x1E), 'a');
    CHECK_EQ(ps2kbd_translate(&st, 0x9E), -1);          /* break */
    CHECK_STR(FEED(&st, KEY(0x23), KEY(0x17), KEY(0x39), KEY(0x02), KEY(0x0B)), "hi 10");
    CHECK_STR(FEED(&st, KEY(0x0C), KEY(0x0D), KEY(0x1A), KEY(0x1B), KEY(0x27), KEY(0x28),
                   KEY(0x29), KEY(0x2B), KEY(0x33), KEY(0x34), KEY(0x35)),
              "-=[];'`\\,./");
    CHECK_STR(FEED(&st, KEY(0x10), KEY(0x2C), KEY(0x32), KEY(0x0F)), "qzm\t");
}

TEST(unmapped_keys)
{
    struct ps2kbd_state st = { 0 };
    CHECK_EQ(ps2kbd_translate(&st, 0x01), -1);          /* Esc */
    CHECK_EQ(ps2kbd_translate(&st, 0x3B), -1);          /* F1 */
    CHECK_EQ(ps2kbd_translate(&st, 0x38), -1);          /* Alt */
    CHECK_EQ(ps2kbd_translate(&st, 0x47), -1);          /* keypad 7 / Home */
    CHECK_EQ(ps2kbd_translate(&st, 0x7F), -1);          /* beyond the table */
    CHECK_EQ(ps2kbd_translate(&st, 0xFA), -1);          /* ACK */
    CHECK_EQ(ps2kbd_translate(&st, 0x00), -1);          /* overrun */
    CHECK_EQ(ps2kbd_translate(&st, 0xFF), -1);
    CHECK_STR(FEED(&st, KEY(0x37), KEY(0x4A), KEY(0x4E)), "*-+");
}

TEST(shift)
{
    struct ps2kbd_state st = { 0 };
    /* Left Shift held over two keys, released, then a plain key. */
    CHECK_STR(FEED(&st, 0x2A, KEY(0x1E), KEY(0x02), 0xAA, KEY(0x1E)), "A!a");
    /* Right Shift */
    CHECK_STR(FEED(&st, 0x36, KEY(0x0D), KEY(0x27), KEY(0x35), KEY(0x29), 0xB6, KEY(0x0D)), "+:?~=");
    /* Both held: releasing one keeps the other. */
    CHECK_STR(FEED(&st, 0x2A, 0x36, 0xAA, KEY(0x30), 0xB6, KEY(0x30)), "Bb");
    /* Typematic repeat of the shift make code changes nothing. */
    CHECK_STR(FEED(&st, 0x2A, 0x2A, 0x2A, KEY(0x03), 0xAA, KEY(0x03)), "@2");
}

TEST(caps_lock)
{
    struct ps2kbd_state st = { 0 };
    CHECK_STR(FEED(&st, KEY(0x3A), KEY(0x1E), KEY(0x02), KEY(0x0C)), "A1-");    /* letters only */
    CHECK_STR(FEED(&st, 0x2A, KEY(0x1E), KEY(0x02), 0xAA), "a!");              /* Shift inverts */
    CHECK_STR(FEED(&st, KEY(0x3A), KEY(0x1E)), "a");                           /* off again */
    /* Held Caps Lock repeats its make code: one toggle per press. */
    CHECK_STR(FEED(&st, 0x3A, 0x3A, 0x3A, 0xBA, KEY(0x1E)), "A");
    CHECK_STR(FEED(&st, 0x3A, 0x3A, 0xBA, KEY(0x1E)), "a");
}

TEST(ctrl)
{
    struct ps2kbd_state st = { 0 };
    CHECK_STR(FEED(&st, 0x1D, KEY(0x16), KEY(0x1E), KEY(0x2C), 0x9D, KEY(0x16)), "\x15\x01\x1au");
    /* Shift and Caps Lock do not change the control code. */
    CHECK_STR(FEED(&st, KEY(0x3A), 0x2A, 0x1D, KEY(0x2E), 0x9D, 0xAA, KEY(0x3A)), "\x03");
    /* Ctrl with a digit or punctuation types nothing; Enter, Tab, Backspace stay. */
    CHECK_STR(FEED(&st, 0x1D, KEY(0x02), KEY(0x0C), KEY(0x1C), KEY(0x0F), KEY(0x0E), 0x9D), "\r\t\x7f");
    /* Right Ctrl (0xE0 0x1D / 0xE0 0x9D). */
    CHECK_STR(FEED(&st, 0xE0, 0x1D, KEY(0x16), 0xE0, 0x9D, KEY(0x16)), "\x15u");
}

TEST(enter_backspace)
{
    struct ps2kbd_state st = { 0 };
    CHECK_EQ(ps2kbd_translate(&st, 0x1C), '\r');
    CHECK_EQ(ps2kbd_translate(&st, 0x9C), -1);
    CHECK_EQ(ps2kbd_translate(&st, 0x0E), 0x7F);
    CHECK_EQ(ps2kbd_translate(&st, 0x8E), -1);
    CHECK_STR(FEED(&st, 0x2A, KEY(0x0E), KEY(0x1C), 0xAA), "\x7f\r");
}

TEST(extended_prefix)
{
    struct ps2kbd_state st = { 0 };
    /* Keypad Enter. */
    CHECK_STR(FEED(&st, 0xE0, 0x1C, 0xE0, 0x9C), "\r");
    /* Arrows, Insert/Delete, keypad / : the byte after 0xE0 types nothing,
     * although 0x48/0x4B/0x52/0x35 mean something without the prefix. */
    CHECK_STR(FEED(&st, 0xE0, 0x48, 0xE0, 0xC8, 0xE0, 0x4B, 0xE0, 0xCB, 0xE0, 0x53, 0xE0, 0xD3,
                   0xE0, 0x35, 0xE0, 0xB5), "");
    /* Only the next byte: the one after is plain again. */
    CHECK_STR(FEED(&st, 0xE0, 0x1E, KEY(0x1E)), "a");
    /* Print Screen wraps fake shifts (E0 2A / E0 AA) around E0 37: no Shift. */
    CHECK_STR(FEED(&st, 0xE0, 0x2A, 0xE0, 0x37, 0xE0, 0xB7, 0xE0, 0xAA, KEY(0x1E)), "a");
    /* A fake shift release must not cancel a real Shift either. */
    CHECK_STR(FEED(&st, 0x2A, 0xE0, 0xAA, KEY(0x1E), 0xAA), "A");
    /* Pause: E1 1D 45 E1 9D C5 leaves no Ctrl behind and types nothing. */
    CHECK_STR(FEED(&st, 0xE1, 0x1D, 0x45, 0xE1, 0x9D, 0xC5, KEY(0x1E)), "a");
    CHECK_STR(FEED(&st, 0xE1, 0x1D, 0x45, KEY(0x1E)), "a");    /* make half only */
}

TEST(break_codes_type_nothing)
{
    struct ps2kbd_state st = { 0 };
    for (int sc = 0x80; sc < 0x100; sc++) {
        if (sc == 0xE0 || sc == 0xE1)
            continue;
        struct ps2kbd_state s = st;
        CHECK_EQ(ps2kbd_translate(&s, (uint8_t)sc), -1);
    }
    /* Every make code types at most one byte in 0..0x7F. */
    for (int sc = 0; sc < 0x80; sc++) {
        struct ps2kbd_state s = { 0 };
        int c = ps2kbd_translate(&s, (uint8_t)sc);
        CHECK(c >= -1 && c <= 0x7F);
    }
}
