/* A tiny unit-test harness for the host tier (built with the host gcc and
 * -fsanitize=address,undefined). Each TEST() registers itself; main() runs
 * them all and prints one line per test:
 *     ok <file>:<name>
 *     FAIL <file>:<name>: <file>:<line>: <expression>
 * tests/run.py counts those lines. A test binary exits non-zero when any
 * test failed. */
#pragma once
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct test_case {
    const char *name;
    void (*fn)(void);
    struct test_case *next;
};

extern struct test_case *test_list;
extern int test_failed_now;
void test_fail(const char *file, int line, const char *expr);

#define TEST(name)                                                              \
    static void test_##name(void);                                              \
    static struct test_case tc_##name = {#name, test_##name, 0};                \
    __attribute__((constructor)) static void reg_##name(void)                   \
    {                                                                           \
        tc_##name.next = test_list;                                             \
        test_list = &tc_##name;                                                 \
    }                                                                           \
    static void test_##name(void)

/* CHECK records a failure and continues; REQUIRE returns from the test. */
#define CHECK(e) do { if (!(e)) test_fail(__FILE__, __LINE__, #e); } while (0)
#define REQUIRE(e) do { if (!(e)) { test_fail(__FILE__, __LINE__, #e); return; } } while (0)
#define CHECK_EQ(a, b) do {                                                     \
        long long _a = (long long)(a), _b = (long long)(b);                     \
        if (_a != _b) {                                                         \
            char _m[256];                                                       \
            snprintf(_m, sizeof _m, "%s == %s (%lld != %lld)", #a, #b, _a, _b); \
            test_fail(__FILE__, __LINE__, _m);                                  \
        }                                                                       \
    } while (0)
#define CHECK_STR(a, b) do {                                                    \
        const char *_a = (a), *_b = (b);                                        \
        if (!_a || !_b || strcmp(_a, _b) != 0) {                                \
            char _m[512];                                                       \
            snprintf(_m, sizeof _m, "%s == %s (\"%s\" != \"%s\")", #a, #b,      \
                     _a ? _a : "(null)", _b ? _b : "(null)");                   \
            test_fail(__FILE__, __LINE__, _m);                                  \
        }                                                                       \
    } while (0)
