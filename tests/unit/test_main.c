/* main() for host unit tests: runs every registered TEST in file order. */
#include "tests/unit/test.h"

struct test_case *test_list;
int test_failed_now;
static const char *current;

void test_fail(const char *file, int line, const char *expr)
{
    if (!test_failed_now)
        printf("FAIL %s: %s:%d: %s\n", current, file, line, expr);
    else
        printf("     %s:%d: %s\n", file, line, expr);
    test_failed_now = 1;
}

int main(int argc, char **argv)
{
    /* The constructors pushed tests in reverse; restore source order. */
    struct test_case *rev = NULL;
    while (test_list) {
        struct test_case *t = test_list;
        test_list = t->next;
        t->next = rev;
        rev = t;
    }
    const char *prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    int failed = 0;
    for (struct test_case *t = rev; t; t = t->next) {
        if (argc > 1 && strcmp(argv[1], t->name) != 0)
            continue;
        char name[256];
        snprintf(name, sizeof name, "%s:%s", prog, t->name);
        current = name;
        test_failed_now = 0;
        t->fn();
        if (test_failed_now)
            failed++;
        else
            printf("ok %s\n", name);
        fflush(stdout);
    }
    return failed ? 1 : 0;
}
