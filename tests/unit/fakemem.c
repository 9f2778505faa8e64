/* Fake physical memory and the bootdump capture loader for host tests
 * (see fakemem.h). */
#include "tests/unit/fakemem.h"

#include <dirent.h>

#include "tests/unit/test.h"

/* ---- fake physical memory ------------------------------------------------ */

void fakemem_reset(struct fakemem *m)
{
    for (int i = 0; i < m->n; i++)
        free(m->r[i].buf);
    for (size_t i = 0; i < m->ncopies; i++)
        free(m->copies[i]);
    free(m->copies);
    memset(m, 0, sizeof *m);
}

uint8_t *fakemem_add(struct fakemem *m, uint64_t phys, const void *data, size_t len)
{
    if (m->n == FAKEMEM_MAX_REGIONS) {
        test_fail(__FILE__, __LINE__, "fakemem_add: too many regions");
        return NULL;
    }
    struct fakemem_region *r = &m->r[m->n++];
    r->phys = phys;
    r->len = len;
    r->buf = calloc(1, len ? len : 1);
    if (data && len)
        memcpy(r->buf, data, len);
    return r->buf;
}

uint8_t *fakemem_at(struct fakemem *m, uint64_t phys)
{
    static uint8_t dummy[4096];

    for (int i = 0; i < m->n; i++)
        if (m->r[i].phys == phys)
            return m->r[i].buf;
    test_fail(__FILE__, __LINE__, "fakemem_at: no region there");
    return dummy;
}

const void *fakemem_map(void *ctx, uint64_t phys, uint64_t len)
{
    struct fakemem *m = ctx;

    m->maps++;
    for (int i = 0; i < m->n; i++) {
        const struct fakemem_region *r = &m->r[i];
        if (phys < r->phys || len > r->len || phys - r->phys > r->len - len)
            continue;
        if (m->ncopies == m->capcopies) {
            m->capcopies = m->capcopies ? 2 * m->capcopies : 64;
            m->copies = realloc(m->copies, m->capcopies * sizeof *m->copies);
        }
        void *copy = malloc(len ? len : 1);
        memcpy(copy, r->buf + (phys - r->phys), len);
        m->copies[m->ncopies++] = copy;
        return copy;
    }
    return NULL;
}

struct physmem fakemem_physmem(struct fakemem *m)
{
    return (struct physmem){fakemem_map, m};
}

/* ---- bootdump captures ---------------------------------------------------- */

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

static bool region_complete(const struct fakemem_capture *c)
{
    return c->n == 0 || c->r[c->n - 1].fill == c->r[c->n - 1].len;
}

/* "magic <hex> info <hex>" */
static const char *capture_magic(struct fakemem_capture *c, const char *s)
{
    char *e;

    c->magic = (uint32_t)strtoul(s, &e, 16);
    if (e == s || strncmp(e, " info ", 6) != 0)
        return "bad magic line";
    s = e + 6;
    c->info = strtoull(s, &e, 16);
    return e == s ? "bad magic line" : NULL;
}

/* "region <hex phys> <decimal len>": start a new region. */
static const char *capture_region(struct fakemem_capture *c, const char *s)
{
    char *e, *e2;

    if (!region_complete(c))
        return "a region's data is incomplete";
    if (c->n == FAKEMEM_MAX_REGIONS)
        return "too many regions";
    uint64_t phys = strtoull(s, &e, 16);
    uint64_t len = strtoull(e, &e2, 10);
    if (e == s || e2 == e || len == 0 || len > FAKEMEM_MAX_CAPTURE_REGION)
        return "bad region";
    c->r[c->n].phys = phys;
    c->r[c->n].len = len;
    c->r[c->n].fill = 0;
    c->r[c->n].buf = malloc(len);
    c->n++;
    return NULL;
}

/* "data <hex>": append to the current region. */
static const char *capture_data(struct fakemem_capture *c, const char *s)
{
    if (c->n == 0)
        return "data without a region";
    for (; hexval(s[0]) >= 0 && hexval(s[1]) >= 0; s += 2) {
        if (c->r[c->n - 1].fill == c->r[c->n - 1].len)
            return "more data than the region holds";
        c->r[c->n - 1].buf[c->r[c->n - 1].fill++] = (uint8_t)(hexval(s[0]) << 4 | hexval(s[1]));
    }
    return NULL;
}

/* One "bootdump: " line (after the prefix). Returns 1 at "end", 0 to go
 * on, or -1 with *err set. Unknown keywords after the magic line are
 * ignored. */
static int capture_line(struct fakemem_capture *c, const char *s, bool *have_magic, const char **err)
{
    if (strncmp(s, "magic ", 6) == 0) {
        if (*have_magic)
            return *err = "two magic lines", -1;
        *have_magic = true;
        *err = capture_magic(c, s + 6);
    } else if (!*have_magic) {
        return *err = "data before the magic line", -1;
    } else if (strncmp(s, "region ", 7) == 0) {
        *err = capture_region(c, s + 7);
    } else if (strncmp(s, "data ", 5) == 0) {
        *err = capture_data(c, s + 5);
    } else if (strncmp(s, "end", 3) == 0) {
        if (!region_complete(c))
            return *err = "a region's data is incomplete", -1;
        return 1;
    }
    return *err ? -1 : 0;
}

struct fakemem_capture *fakemem_capture_parse(const char *text, fakemem_line_fn other, void *ctx,
                                              const char **err)
{
    struct fakemem_capture *c = calloc(1, sizeof *c);
    char line[1024];
    bool have_magic = false;
    int state = 0;

    *err = NULL;
    for (const char *p = text; *p && state == 0;) {
        size_t n = strcspn(p, "\n");
        snprintf(line, sizeof line, "%.*s", (int)(n < sizeof line ? n : sizeof line - 1), p);
        p += n + (p[n] == '\n');
        line[strcspn(line, "\r")] = 0;
        if (other && other(ctx, line))
            continue;
        const char *b = strstr(line, "bootdump: ");
        if (b)
            state = capture_line(c, b + 10, &have_magic, err);
    }
    if (state == 0)
        *err = "no \"bootdump: end\" line";
    else if (state == 1 && c->n == 0)
        *err = "no regions";
    if (*err) {
        fakemem_capture_free(c);
        return NULL;
    }
    return c;
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0, cap = 0, n;

    if (!f)
        return NULL;
    do {
        if (len + 4096 + 1 > cap) {
            cap = cap * 2 + 8192;
            buf = realloc(buf, cap);
        }
        n = fread(buf + len, 1, 4096, f);
        len += n;
    } while (n > 0);
    fclose(f);
    buf[len] = 0;
    return buf;
}

struct fakemem_capture *fakemem_capture_load(const char *path, fakemem_line_fn other, void *ctx,
                                             const char **err)
{
    char *text = read_text(path);

    if (!text) {
        *err = "cannot open";
        return NULL;
    }
    struct fakemem_capture *c = fakemem_capture_parse(text, other, ctx, err);
    free(text);
    return c;
}

void fakemem_capture_free(struct fakemem_capture *c)
{
    for (int i = 0; i < c->n; i++)
        free(c->r[i].buf);
    free(c);
}

void fakemem_from_capture(struct fakemem *m, const struct fakemem_capture *c, int cut, size_t by)
{
    fakemem_reset(m);
    for (int i = 0; i < c->n; i++)
        fakemem_add(m, c->r[i].phys, c->r[i].buf, c->r[i].len - (i == cut ? by : 0));
}

/* ---- capture files ---------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int fakemem_list_captures(const char *dir, char ***out)
{
    DIR *d = opendir(dir);
    char **names = NULL;
    int n = 0;
    struct dirent *e;

    *out = NULL;
    if (!d)
        return 0;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".txt") != 0)
            continue;
        names = realloc(names, (n + 1) * sizeof *names);
        names[n] = malloc(strlen(dir) + len + 2);
        sprintf(names[n], "%s/%s", dir, e->d_name);
        n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, cmp_str);
    *out = names;
    return n;
}
