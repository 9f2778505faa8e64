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
/* Names of the registered consoles, e.g. "serial vga", for the boot log. */
void console_describe(char *buf, size_t size);
