/* Name tables without pointers: "a\0b\0c" holds three names, and
 * strlist_nth(list, 1) is "b". A pointer table costs 8 bytes a name on top
 * of the text; this costs a walk over the names before the one asked for
 * (tables of a few dozen short names, read for log and trace lines). The
 * caller keeps n below the number of names. Defined in lib/fmt.c, which
 * every kernel, hosted and unit build links. */
#pragma once
#include <stddef.h>

const char *strlist_nth(const char *list, size_t n);
