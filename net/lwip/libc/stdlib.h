/* The <stdlib.h> lwIP sees (net/lwip/libc.c): only what it uses, so no
 * hosted libc header is ever pulled into the kernel. */
#pragma once
#include <stddef.h>

int atoi(const char *s);
