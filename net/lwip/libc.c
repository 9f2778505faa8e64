/* The C library function lwIP calls that lib/string.c does not have: atoi,
 * for netif_find()'s interface number (core/netif.c). */
#include <stdlib.h>

/* Decimal, optional sign and leading blanks; stops at the first non-digit. */
int atoi(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    int neg = *s == '-';
    if (*s == '-' || *s == '+')
        s++;
    int v = 0;
    for (; *s >= '0' && *s <= '9'; s++)
        v = v * 10 + (*s - '0');
    return neg ? -v : v;
}
