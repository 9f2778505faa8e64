/* The boot timeline: a TSC stamp at each init phase, printed at the end. */
#pragma once
#include <stdint.h>

void timeline_mark(const char *phase);
/* Microseconds from the kernel's first instruction to the last mark. */
uint64_t timeline_total_us(void);
void timeline_print(void);
/* The marks, for pages that draw the timeline (app=httpd): how many, and
 * mark i's phase name, its time since the first instruction and its own
 * duration (since the mark before it), in microseconds. timeline_get
 * returns 0, or -EINVAL when i is out of range (outputs untouched). */
int timeline_count(void);
int timeline_get(int i, const char **phase, uint64_t *at_us, uint64_t *delta_us);
