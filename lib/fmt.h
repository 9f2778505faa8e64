/* printf-style formatting into a buffer; freestanding, no floating point.
 * Supports %d %i %u %x %X %o %p %s %c %%, flags '-' '0' '+' ' ' '#', width and
 * precision (numbers or '*'), length modifiers hh h l ll z t j.
 * Returns the length the full output would have had (like C99 vsnprintf);
 * the buffer is always NUL-terminated when size > 0. */
#pragma once
#include <stdarg.h>
#include <stddef.h>

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
