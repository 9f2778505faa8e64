/* Host unit test of the symbol table's codec on the real kernel's names:
 * tools/mksyms.py --dump lists the functions of build/minnow.pass1.elf
 * (the shipped kernel's first link pass, the same code as the second),
 * --list encodes them as for the kernel, and kernel/arch/ksyms.c must give
 * every one back at its first and last byte, with its offset. */
#include "kernel/arch/ksyms.h"
#include "tests/unit/test.h"
#include "tests/unit/ksyms_test.h"

TEST(the_whole_kernel_round_trips)
{
    REQUIRE(ksyms_test_count > 500);    /* the list is the real kernel's */
    const char *name = ksyms_test_names;
    size_t checked = 0;
    for (size_t i = 0; i < ksyms_test_count; i++, name += strlen(name) + 1) {
        uint64_t start = ksyms_test_offsets[i];
        uint64_t end = i + 1 < ksyms_test_count ? ksyms_test_offsets[i + 1]
                                                 : (uint64_t)(__text_end - __text_start);
        if (end == start)
            continue;   /* an alias: the later name at one address wins */
        uint64_t off = 99;
        CHECK_STR(ksyms_lookup(at(start), &off), name);
        CHECK_EQ(off, 0);
        CHECK_STR(ksyms_lookup(at(end - 1), &off), name);
        CHECK_EQ(off, end - 1 - start);
        checked++;
    }
    CHECK(checked > 500);
}

TEST(before_the_first_function)
{
    uint64_t off = 7;
    if (ksyms_test_offsets[0] > 0)
        CHECK(ksyms_lookup(at(ksyms_test_offsets[0] - 1), &off) == NULL);
    CHECK(ksyms_lookup((uint64_t)(uintptr_t)__text_end, &off) == NULL);
    CHECK_EQ(off, 7);
}
