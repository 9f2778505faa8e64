/* The <string.h> lwIP sees: the kernel's lib/string.h plus strncpy
 * (net/lwip/libc.c). */
#pragma once
#include "lib/string.h"

char *strncpy(char *dst, const char *src, size_t n);
