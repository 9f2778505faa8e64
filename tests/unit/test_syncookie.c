/* Host unit tests for net/lwip/syncookie.c: a cookie comes back valid for
 * its own four-tuple in its tick and the next, never for another tuple, a
 * later tick or a forged value; the MSS it encodes; the MSS option parser
 * on good, missing and malformed options. */
#include "net/lwip/syncookie.h"
#include "tests/unit/test.h"

#define SECRET 0x1234567890abcdefull
#define A 0x0a4d0001u
#define B 0x0a4d0002u

TEST(round_trip_and_ticks)
{
    uint32_t c = syncookie_make(SECRET, A, B, 40000, 80, 100, 1460);
    CHECK_EQ(syncookie_check(SECRET, A, B, 40000, 80, 100, c), 1460);
    CHECK_EQ(syncookie_check(SECRET, A, B, 40000, 80, 101, c), 1460);     /* the next tick */
    CHECK_EQ(syncookie_check(SECRET, A, B, 40000, 80, 102, c), -1);       /* too old */
    CHECK_EQ(syncookie_check(SECRET, A, B, 40000, 80, 99, c), -1);        /* from the future */
    CHECK_EQ(syncookie_check(SECRET, A, B, 40001, 80, 100, c), -1);       /* another port */
    CHECK_EQ(syncookie_check(SECRET, B, A, 40000, 80, 100, c), -1);       /* swapped addresses */
    CHECK_EQ(syncookie_check(SECRET + 1, A, B, 40000, 80, 100, c), -1);   /* another secret */
    CHECK_EQ(syncookie_check(SECRET, A, B, 40000, 80, 100, c ^ 8), -1);   /* one hash bit */
    uint32_t z = syncookie_make(SECRET, A, B, 1, 2, 0, 1460);
    CHECK_EQ(syncookie_check(SECRET, A, B, 1, 2, 0, z), 1460);            /* tick 0 has no "before" */
}

TEST(mss_encoded)
{
    static const struct { uint16_t offered, got; } t[] = {
        { 0, 216 }, { 300, 216 }, { 536, 536 }, { 1000, 536 }, { 1220, 1220 }, { 1399, 1300 },
        { 1452, 1440 }, { 1460, 1460 }, { 9000, 1460 }, { 65535, 1460 },
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        uint32_t c = syncookie_make(SECRET, A, B, 5, 6, 7, t[i].offered);
        CHECK_EQ(syncookie_check(SECRET, A, B, 5, 6, 7, c), t[i].got);
    }
}

/* Forged cookies: a 29-bit hash; of 100,000 guesses about none passes. */
TEST(forgeries_fail)
{
    int passed = 0;
    for (uint32_t g = 0; g < 100000; g++)
        passed += syncookie_check(SECRET, A, B, 40000, 80, 100, g * 2654435761u) >= 0;
    CHECK(passed <= 2);
}

TEST(mss_option)
{
    static const uint8_t mss[] = { 2, 4, 0x05, 0xb4 };
    static const uint8_t nop_ws_mss[] = { 1, 3, 3, 7, 2, 4, 0x05, 0x78, 4, 2 };
    static const uint8_t none[] = { 1, 1, 4, 2, 0 };
    static const uint8_t eol_first[] = { 0, 2, 4, 0x05, 0xb4 };
    static const uint8_t zero_len[] = { 3, 0, 2, 4, 0x05, 0xb4 };
    static const uint8_t too_long[] = { 3, 9, 2, 4 };
    static const uint8_t cut[] = { 2, 4, 0x05 };
    CHECK_EQ(syncookie_peer_mss(mss, sizeof mss), 1460);
    CHECK_EQ(syncookie_peer_mss(nop_ws_mss, sizeof nop_ws_mss), 1400);
    CHECK_EQ(syncookie_peer_mss(none, sizeof none), 536);
    CHECK_EQ(syncookie_peer_mss(eol_first, sizeof eol_first), 536);
    CHECK_EQ(syncookie_peer_mss(zero_len, sizeof zero_len), 536);
    CHECK_EQ(syncookie_peer_mss(too_long, sizeof too_long), 536);
    CHECK_EQ(syncookie_peer_mss(cut, sizeof cut), 536);
    CHECK_EQ(syncookie_peer_mss(NULL, 0), 536);
}
