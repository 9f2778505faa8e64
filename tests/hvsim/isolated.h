/* ISOLATED_TEST: a hosted test whose body runs in a child process, so a
 * guest left in a broken state (or a sanitizer report) cannot leak into the
 * next test. CHECK failures print in the child; a crash fails the test. */
#pragma once
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tests/unit/test.h"

static inline void isolated(void (*fn)(void))
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        /* test_failed_now is inherited: a second failing child of the same
         * test prints continuation lines, not a second FAIL. */
        fn();
        fflush(stdout);
        _exit(test_failed_now ? 3 : 0);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        return;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 3) {
        test_failed_now = 1;        /* the child printed the FAIL lines */
        return;
    }
    test_fail(__FILE__, __LINE__, "child crashed or a sanitizer fired (see stderr)");
}

#define ISOLATED_TEST(name)                                                     \
    static void body_##name(void);                                              \
    TEST(name) { isolated(body_##name); }                                       \
    static void body_##name(void)
