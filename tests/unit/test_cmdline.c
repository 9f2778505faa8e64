/* Host unit tests for kernel/core/cmdline.c: every option type, quoting, the
 * error messages (each problem reported exactly once, with its text), and
 * that a rejected value never touches its destination.
 *
 * Build: gcc -std=gnu11 -Wall -Wextra -Werror -g -O1
 *        -fsanitize=address,undefined -fno-sanitize-recover=all -DHOSTED
 *        -I. tests/unit/test_main.c tests/unit/test_cmdline.c
 *        kernel/core/cmdline.c lib/fmt.c */
#include "kernel/core/cmdline.h"
#include "tests/unit/test.h"

/* CHECK_STR's message buffer is smaller than some strings compared here;
 * a cut failure message is fine. */
#ifndef __clang__
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

/* Messages passed to err(), in order. */
#define MAX_MSGS 16
static char msgs[MAX_MSGS][300];
static int nmsgs;

static void collect(const char *msg)
{
    if (nmsgs < MAX_MSGS)
        snprintf(msgs[nmsgs], sizeof msgs[0], "%s", msg);
    nmsgs++;
}

/* The option table under test and its destinations. */
static bool verbose, quiet;
static uint64_t mem, count;
static int loglevel;                    /* UINT with dst_size 4 */
static uint8_t small;                   /* UINT with dst_size 1 */
static char name[8];
static char path[CMDLINE_TOKEN_MAX + 8];
static int console;
static const char *const consoles[] = { "off", "serial", "vga", NULL };

static const struct cmdline_opt opts[] = {
    { .key = "verbose", .type = CMDLINE_BOOL, .dst = &verbose, .help = "v" },
    { .key = "quiet", .type = CMDLINE_BOOL, .dst = &quiet },
    { .key = "mem", .type = CMDLINE_UINT, .dst = &mem, .max = UINT64_MAX },
    { .key = "count", .type = CMDLINE_UINT, .dst = &count, .min = 1, .max = 100 },
    { .key = "loglevel", .type = CMDLINE_UINT, .dst = &loglevel,
      .dst_size = sizeof loglevel, .max = UINT64_MAX },
    { .key = "small", .type = CMDLINE_UINT, .dst = &small,
      .dst_size = sizeof small, .max = 1000 },
    { .key = "name", .type = CMDLINE_STR, .dst = name, .dst_size = sizeof name },
    { .key = "path", .type = CMDLINE_STR, .dst = path, .dst_size = sizeof path },
    { .key = "console", .type = CMDLINE_ENUM, .dst = &console, .choices = consoles },
};

/* Resets every destination to a sentinel, then parses. */
static int parse(const char *cmdline)
{
    verbose = false;
    quiet = true;
    mem = count = 0xdead;
    loglevel = -7;
    small = 0xee;
    strcpy(name, "init");
    strcpy(path, "init");
    console = -1;
    nmsgs = 0;
    memset(msgs, 0, sizeof msgs);
    return cmdline_parse(cmdline, opts, sizeof opts / sizeof opts[0], collect);
}

/* Destinations still hold their sentinels. */
static bool untouched(void)
{
    return !verbose && quiet && mem == 0xdead && count == 0xdead &&
           loglevel == -7 && small == 0xee && !strcmp(name, "init") &&
           !strcmp(path, "init") && console == -1;
}

/* Parses a line expected to give exactly one problem, with this message. */
#define ONE_ERROR(line, msg) do {                                               \
        CHECK_EQ(parse(line), 1);                                               \
        CHECK_EQ(nmsgs, 1);                                                     \
        CHECK_STR(msgs[0], msg);                                                \
    } while (0)

TEST(empty_and_blank)
{
    CHECK_EQ(parse(""), 0);
    CHECK(untouched());
    CHECK_EQ(parse("    "), 0);
    CHECK_EQ(parse(" \t\r\n "), 0);
    CHECK(untouched());
    CHECK_EQ(cmdline_parse(NULL, opts, 1, collect), 0);
    CHECK_EQ(cmdline_parse("verbose", NULL, 0, NULL), 1);   /* unknown */
    CHECK_EQ(nmsgs, 0);
}

TEST(bool_values)
{
    static const char *const t[] = { "verbose", "verbose=1", "verbose=on",
                                     "verbose=yes", "verbose=true" };
    static const char *const f[] = { "quiet=0", "quiet=off", "quiet=no",
                                     "quiet=false" };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        CHECK_EQ(parse(t[i]), 0);
        CHECK(verbose);
    }
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        CHECK_EQ(parse(f[i]), 0);
        CHECK(!quiet);
    }
    CHECK_EQ(parse("verbose=\"on\""), 0);
    CHECK(verbose);
    ONE_ERROR("verbose=maybe", "cmdline: verbose=maybe: not a boolean "
              "(use 1/0, on/off, yes/no, true/false) (ignored)");
    ONE_ERROR("verbose=", "cmdline: verbose=: not a boolean "
              "(use 1/0, on/off, yes/no, true/false) (ignored)");
    ONE_ERROR("verbose=ON", "cmdline: verbose=ON: not a boolean "
              "(use 1/0, on/off, yes/no, true/false) (ignored)");
    CHECK(untouched());
}

TEST(uint_values)
{
    CHECK_EQ(parse("mem=0"), 0);
    CHECK_EQ(mem, 0);
    CHECK_EQ(parse("mem=123456789"), 0);
    CHECK_EQ(mem, 123456789);
    CHECK_EQ(parse("mem=0x1F"), 0);
    CHECK_EQ(mem, 0x1f);
    CHECK_EQ(parse("mem=0XaBc"), 0);
    CHECK_EQ(mem, 0xabc);
    CHECK_EQ(parse("mem=007"), 0);          /* decimal, not octal */
    CHECK_EQ(mem, 7);
    CHECK_EQ(parse("mem=4K"), 0);
    CHECK_EQ(mem, 4096);
    CHECK_EQ(parse("mem=4k"), 0);
    CHECK_EQ(mem, 4096);
    CHECK_EQ(parse("mem=16M"), 0);
    CHECK_EQ(mem, 16ull << 20);
    CHECK_EQ(parse("mem=3G"), 0);
    CHECK_EQ(mem, 3ull << 30);
    CHECK_EQ(parse("mem=0x10K"), 0);
    CHECK_EQ(mem, 16ull << 10);
    CHECK_EQ(parse("mem=\"2M\""), 0);
    CHECK_EQ(mem, 2ull << 20);
    CHECK_EQ(parse("mem=18446744073709551615"), 0);
    CHECK(mem == UINT64_MAX);
    CHECK_EQ(parse("mem=0xffffffffffffffff"), 0);
    CHECK(mem == UINT64_MAX);
    CHECK_EQ(parse("mem=17179869183G"), 0);         /* 2^64 - 2^30 */
    CHECK(mem == UINT64_MAX - (1ull << 30) + 1);
    CHECK_EQ(parse("count=1 small=255"), 0);
    CHECK_EQ(count, 1);
    CHECK_EQ(small, 255);
    CHECK_EQ(parse("loglevel=4294967295"), 0);
    CHECK_EQ(loglevel, -1);                 /* all 32 bits set */
}

TEST(uint_errors)
{
    ONE_ERROR("mem=abc", "cmdline: mem=abc: not a number (ignored)");
    ONE_ERROR("mem=12abc", "cmdline: mem=12abc: not a number (ignored)");
    ONE_ERROR("mem=-1", "cmdline: mem=-1: not a number (ignored)");
    ONE_ERROR("mem=+1", "cmdline: mem=+1: not a number (ignored)");
    ONE_ERROR("mem=0x", "cmdline: mem=0x: not a number (ignored)");
    ONE_ERROR("mem=0xg", "cmdline: mem=0xg: not a number (ignored)");
    ONE_ERROR("mem=K", "cmdline: mem=K: not a number (ignored)");
    ONE_ERROR("mem=1KB", "cmdline: mem=1KB: not a number (ignored)");
    ONE_ERROR("mem=1T", "cmdline: mem=1T: not a number (ignored)");
    ONE_ERROR("mem=1 2", "cmdline: unknown option '2' (ignored)");
    CHECK_EQ(mem, 1);
    ONE_ERROR("mem", "cmdline: mem: missing value (ignored)");
    ONE_ERROR("mem=", "cmdline: mem=: missing value (ignored)");
    ONE_ERROR("mem=\"\"", "cmdline: mem=\"\": missing value (ignored)");
    CHECK(untouched());
}

TEST(uint_overflow_and_range)
{
    ONE_ERROR("mem=18446744073709551616",
              "cmdline: mem=18446744073709551616: number too large (ignored)");
    ONE_ERROR("mem=99999999999999999999999999",
              "cmdline: mem=99999999999999999999999999: number too large (ignored)");
    ONE_ERROR("mem=0x10000000000000000",
              "cmdline: mem=0x10000000000000000: number too large (ignored)");
    ONE_ERROR("mem=17179869184G",
              "cmdline: mem=17179869184G: number too large (ignored)");
    ONE_ERROR("mem=0xffffffffffffffffK",
              "cmdline: mem=0xffffffffffffffffK: number too large (ignored)");
    ONE_ERROR("count=0", "cmdline: count=0: out of range 1..100 (ignored)");
    ONE_ERROR("count=101", "cmdline: count=101: out of range 1..100 (ignored)");
    ONE_ERROR("count=1K", "cmdline: count=1K: out of range 1..100 (ignored)");
    /* The destination's width narrows the range: 8 bits, 32 bits. */
    ONE_ERROR("small=256", "cmdline: small=256: out of range 0..255 (ignored)");
    ONE_ERROR("loglevel=4G",
              "cmdline: loglevel=4G: out of range 0..4294967295 (ignored)");
    CHECK(untouched());
}

TEST(str_values)
{
    CHECK_EQ(parse("name=abc"), 0);
    CHECK_STR(name, "abc");
    CHECK_EQ(parse("name=1234567"), 0);         /* exactly fits char[8] */
    CHECK_STR(name, "1234567");
    CHECK_EQ(parse("name=\"a b\tc\""), 0);
    CHECK_STR(name, "a b\tc");
    CHECK_EQ(parse("name=\"\""), 0);
    CHECK_STR(name, "");
    CHECK_EQ(parse("name="), 0);
    CHECK_STR(name, "");
    CHECK_EQ(parse("name=a=b"), 0);            /* only the first '=' splits */
    CHECK_STR(name, "a=b");
    CHECK_EQ(parse("name=\"x=y z\""), 0);
    CHECK_STR(name, "x=y z");
    CHECK_EQ(parse("name=a\"b"), 0);           /* a quote inside is literal */
    CHECK_STR(name, "a\"b");
    CHECK_EQ(parse("path=\"/a b/c\" verbose"), 0);
    CHECK_STR(path, "/a b/c");
    CHECK(verbose);
}

TEST(str_errors)
{
    ONE_ERROR("name=12345678",
              "cmdline: name=12345678: value too long (max 7 chars) (ignored)");
    ONE_ERROR("name=\"abc defgh\"",
              "cmdline: name=\"abc defgh\": value too long (max 7 chars) (ignored)");
    ONE_ERROR("name", "cmdline: name: missing value (ignored)");
    CHECK(untouched());
}

TEST(enum_values)
{
    CHECK_EQ(parse("console=off"), 0);
    CHECK_EQ(console, 0);
    CHECK_EQ(parse("console=serial"), 0);
    CHECK_EQ(console, 1);
    CHECK_EQ(parse("console=\"vga\""), 0);
    CHECK_EQ(console, 2);
    ONE_ERROR("console=hdmi",
              "cmdline: console=hdmi: unknown choice (expected off|serial|vga) (ignored)");
    ONE_ERROR("console=ser",
              "cmdline: console=ser: unknown choice (expected off|serial|vga) (ignored)");
    ONE_ERROR("console=serials",
              "cmdline: console=serials: unknown choice (expected off|serial|vga) (ignored)");
    ONE_ERROR("console", "cmdline: console: missing value (ignored)");
    ONE_ERROR("console=", "cmdline: console=: missing value (ignored)");
    CHECK(untouched());
}

TEST(unknown_keys)
{
    ONE_ERROR("foo", "cmdline: unknown option 'foo' (ignored)");
    ONE_ERROR("foo=bar", "cmdline: unknown option 'foo' (ignored)");
    ONE_ERROR("foo=\"a b\"", "cmdline: unknown option 'foo' (ignored)");
    ONE_ERROR("=1", "cmdline: unknown option '' (ignored)");
    ONE_ERROR("Verbose", "cmdline: unknown option 'Verbose' (ignored)");
    ONE_ERROR("verb", "cmdline: unknown option 'verb' (ignored)");
    ONE_ERROR("verbosex", "cmdline: unknown option 'verbosex' (ignored)");
    CHECK(untouched());
}

TEST(quoting_errors)
{
    /* An unterminated quote swallows the rest of the line; what came
     * before it still applies. */
    CHECK_EQ(parse("verbose name=\"abc def count=5"), 1);
    CHECK_EQ(nmsgs, 1);
    CHECK_STR(msgs[0], "cmdline: name=\"abc def count=5: unterminated quote (ignored)");
    CHECK(verbose);
    CHECK_STR(name, "init");
    CHECK_EQ(count, 0xdead);
    ONE_ERROR("name=\"", "cmdline: name=\": unterminated quote (ignored)");
    /* Text glued to the closing quote: the token is skipped, the next one
     * is not. */
    CHECK_EQ(parse("name=\"a b\"c count=5"), 1);
    CHECK_EQ(nmsgs, 1);
    CHECK_STR(msgs[0], "cmdline: name=\"a b\"c: text after closing quote (ignored)");
    CHECK_STR(name, "init");
    CHECK_EQ(count, 5);
}

TEST(later_wins)
{
    CHECK_EQ(parse("count=1 count=7"), 0);
    CHECK_EQ(count, 7);
    CHECK_EQ(parse("verbose verbose=off"), 0);
    CHECK(!verbose);
    CHECK_EQ(parse("name=a name=\"b c\" console=vga console=off"), 0);
    CHECK_STR(name, "b c");
    CHECK_EQ(console, 0);
    /* A rejected later value leaves the earlier one in place. */
    CHECK_EQ(parse("count=9 count=abc count=500"), 2);
    CHECK_EQ(count, 9);
}

TEST(separators)
{
    CHECK_EQ(parse("\t verbose\ncount=3\r\nname=x  "), 0);
    CHECK(verbose);
    CHECK_EQ(count, 3);
    CHECK_STR(name, "x");
}

TEST(each_problem_reported_once_in_order)
{
    CHECK_EQ(parse("foo count=abc verbose name=toolongvalue count=0 "
                   "console=x mem=99999999999999999999 bar=\"q r\" mem=5"), 7);
    REQUIRE(nmsgs == 7);
    CHECK_STR(msgs[0], "cmdline: unknown option 'foo' (ignored)");
    CHECK_STR(msgs[1], "cmdline: count=abc: not a number (ignored)");
    CHECK_STR(msgs[2], "cmdline: name=toolongvalue: value too long (max 7 chars) (ignored)");
    CHECK_STR(msgs[3], "cmdline: count=0: out of range 1..100 (ignored)");
    CHECK_STR(msgs[4], "cmdline: console=x: unknown choice (expected off|serial|vga) (ignored)");
    CHECK_STR(msgs[5], "cmdline: mem=99999999999999999999: number too large (ignored)");
    CHECK_STR(msgs[6], "cmdline: unknown option 'bar' (ignored)");
    CHECK(verbose);
    CHECK_EQ(mem, 5);
    /* Without err() the problems are still counted. */
    CHECK_EQ(cmdline_parse("foo bar=1 count=abc", opts,
                           sizeof opts / sizeof opts[0], NULL), 3);
}

TEST(long_tokens)
{
    static char line[3 * CMDLINE_TOKEN_MAX];
    static char want[300];
    /* Keys and values are quoted up to 48 chars in messages, then "...". */
    memset(line, 'k', 100);
    line[100] = '\0';
    ONE_ERROR(line, "cmdline: unknown option "
              "'kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk...' (ignored)");

    /* A token of exactly CMDLINE_TOKEN_MAX chars is accepted... */
    strcpy(line, "path=");
    memset(line + 5, 'p', CMDLINE_TOKEN_MAX - 5);
    line[CMDLINE_TOKEN_MAX] = '\0';
    CHECK_EQ(parse(line), 0);
    CHECK_EQ(strlen(path), CMDLINE_TOKEN_MAX - 5);
    /* ... one more is not, and the next token is still parsed. */
    strcpy(line, "path=");
    memset(line + 5, 'p', CMDLINE_TOKEN_MAX - 4);
    strcpy(line + CMDLINE_TOKEN_MAX + 1, " count=2");
    CHECK_EQ(parse(line), 1);
    CHECK_EQ(count, 2);
    CHECK_STR(path, "init");
    snprintf(want, sizeof want, "cmdline: option 'path=%.43s...' too long "
             "(max %d chars) (ignored)", line + 5, CMDLINE_TOKEN_MAX);
    REQUIRE(nmsgs == 1);
    CHECK_STR(msgs[0], want);

    /* A huge value is reported with a short quote. */
    strcpy(line, "name=");
    memset(line + 5, 'n', 500);
    line[505] = '\0';
    ONE_ERROR(line, "cmdline: name=nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn...: "
              "value too long (max 7 chars) (ignored)");
    /* A huge key: too long as a token, reported as such. */
    memset(line, 'z', sizeof line - 1);
    line[sizeof line - 1] = '\0';
    CHECK_EQ(parse(line), 1);
    CHECK(strstr(msgs[0], "too long (max 1024 chars)") != NULL);
}
