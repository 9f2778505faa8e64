/* Host unit tests for kernel/arch/ksyms.c: lookups in the table that
 * tools/mksyms.py --list makes from tests/unit/ksyms_syms.txt, over a
 * stand-in text region. Every listed name must come back whole with its
 * offset, at and after its address; nothing comes back outside the text
 * or before the first function. */
#include "kernel/arch/ksyms.h"
#include "tests/unit/test.h"
#include "tests/unit/ksyms_test.h"

/* The i-th listed name. */
static const char *listed(size_t i)
{
    const char *n = ksyms_test_names;
    while (i--)
        n += strlen(n) + 1;
    return n;
}

TEST(every_name_at_its_address)
{
    for (size_t i = 0; i < ksyms_test_count; i++) {
        /* Two names at one address: the later one wins, as before. */
        if (i + 1 < ksyms_test_count && ksyms_test_offsets[i + 1] == ksyms_test_offsets[i])
            continue;
        uint64_t off = 99;
        CHECK_STR(ksyms_lookup(at(ksyms_test_offsets[i]), &off), listed(i));
        CHECK_EQ(off, 0);
    }
}

TEST(inside_a_function)
{
    for (size_t i = 0; i < ksyms_test_count; i++) {
        uint64_t end = i + 1 < ksyms_test_count ? ksyms_test_offsets[i + 1]
                                                 : (uint64_t)(__text_end - __text_start);
        if (end - ksyms_test_offsets[i] < 2)
            continue;
        uint64_t off = 0;
        CHECK_STR(ksyms_lookup(at(end - 1), &off), listed(i));
        CHECK_EQ(off, end - 1 - ksyms_test_offsets[i]);
    }
}

TEST(same_address_gives_the_later_name)
{
    uint64_t off = 1;
    CHECK_STR(ksyms_lookup(at(0x4180), &off), "tcp_receive.part.0");
    CHECK_EQ(off, 0);
}

TEST(longest_name_whole)
{
    uint64_t off = 1;
    const char *n = ksyms_lookup(at(0x210000), &off);
    REQUIRE(n);
    CHECK_EQ(strlen(n), 127);
    CHECK_STR(n, listed(ksyms_test_count - 1));
}

TEST(outside_the_text)
{
    uint64_t off = 7;
    CHECK(ksyms_lookup(at(0), &off) == NULL);            /* before the first function */
    CHECK(ksyms_lookup(at(0xf), &off) == NULL);
    CHECK(ksyms_lookup((uint64_t)(uintptr_t)__text_end, &off) == NULL);
    CHECK(ksyms_lookup((uint64_t)(uintptr_t)__text_start - 1, &off) == NULL);
    CHECK(ksyms_lookup(0, &off) == NULL);
    CHECK(ksyms_lookup(~0ull, &off) == NULL);
    CHECK_EQ(off, 7);
}
