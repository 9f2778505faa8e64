/* The few C library functions lwIP calls that lib/string.c does not have
 * (strncpy in api_lib/netdb/netifapi, atoi in netdb's getaddrinfo). */
#include <stdlib.h>
#include <string.h>

char *strncpy(char *dst, const char *src, size_t n)
{
    size_t i = 0;
    for (; i < n && src[i]; i++)
        dst[i] = src[i];
    for (; i < n; i++)
        dst[i] = '\0';
    return dst;
}

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
