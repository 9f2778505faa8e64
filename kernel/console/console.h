/* Consoles: every registered console receives all kernel output. */
#pragma once
#include <stddef.h>

struct console {
    const char *name;
    void (*write)(struct console *c, const char *s, size_t n);
    struct console *next;
};

void console_register(struct console *c);
void console_write(const char *s, size_t n);
/* Consoles that start late (after boot's "ready" stamp) register a starter
 * here; a panic calls console_start_late() so that they show the report. */
void console_set_late_start(void (*start)(void));
void console_start_late(void);
/* For panics: starts them (they replay the first 8 KiB of output) and
 * shows them the headline once more. */
void console_start_late_quiet(const char *headline);
/* Names of the registered consoles, e.g. "serial vga", for the boot log. */
void console_describe(char *buf, size_t size);
