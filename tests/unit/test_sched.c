/* Host tests for the scheduler's pure parts: the run queue (kernel/sched/runq.c)
 * and the timer queue (kernel/sched/timerq.c), each also checked against a
 * simple reference model under random operations. */
#include "tests/unit/test.h"
#include "kernel/sched/runq.h"
#include "kernel/sched/timerq.h"

struct item {
    int id;
    struct runq_node rn;
    struct timerq_node tn;
};

static int rid(struct runq_node *n) { return n ? runq_entry(n, struct item, rn)->id : -1; }
static int tid(struct timerq_node *n) { return n ? timerq_entry(n, struct item, tn)->id : -1; }

static uint32_t rng_state;
static uint32_t rnd(void)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return rng_state >> 8;
}

/* --- run queue ------------------------------------------------------------ */

TEST(runq_zero_is_empty)
{
    struct runq q = { 0 };
    struct item a = { .id = 1 };
    CHECK(runq_empty(&q));
    CHECK_EQ(runq_len(&q), 0);
    CHECK(runq_pop(&q) == NULL);
    CHECK(!runq_linked(&a.rn));
    CHECK(!runq_remove(&q, &a.rn));
}

TEST(runq_fifo_order)
{
    struct runq q;
    struct item it[5];
    runq_init(&q);
    for (int i = 0; i < 5; i++) {
        it[i] = (struct item){ .id = i };
        CHECK(runq_push(&q, &it[i].rn));
    }
    CHECK_EQ(runq_len(&q), 5);
    for (int i = 0; i < 5; i++)
        CHECK_EQ(rid(runq_pop(&q)), i);
    CHECK(runq_empty(&q));
    CHECK(runq_pop(&q) == NULL);
    /* Popped nodes are unlinked and can be queued again. */
    CHECK(!runq_linked(&it[0].rn));
    CHECK(runq_push(&q, &it[0].rn));
    CHECK_EQ(rid(runq_pop(&q)), 0);
}

TEST(runq_double_push_rejected)
{
    struct runq q = { 0 }, other = { 0 };
    struct item a = { .id = 1 };
    CHECK(runq_push(&q, &a.rn));
    CHECK(!runq_push(&q, &a.rn));
    CHECK(!runq_push(&other, &a.rn));
    CHECK_EQ(runq_len(&q), 1);
    CHECK_EQ(runq_len(&other), 0);
    CHECK(!runq_remove(&other, &a.rn));     /* not on that queue */
    CHECK(runq_linked(&a.rn));
    CHECK(runq_remove(&q, &a.rn));
    CHECK(!runq_remove(&q, &a.rn));
    CHECK(runq_empty(&q));
}

TEST(runq_remove_head_middle_tail)
{
    struct runq q = { 0 };
    struct item it[5];
    for (int i = 0; i < 5; i++) {
        it[i] = (struct item){ .id = i };
        runq_push(&q, &it[i].rn);
    }
    CHECK(runq_remove(&q, &it[2].rn));      /* middle */
    CHECK(runq_remove(&q, &it[0].rn));      /* head */
    CHECK(runq_remove(&q, &it[4].rn));      /* tail */
    CHECK_EQ(runq_len(&q), 2);
    runq_push(&q, &it[2].rn);
    CHECK_EQ(rid(runq_pop(&q)), 1);
    CHECK_EQ(rid(runq_pop(&q)), 3);
    CHECK_EQ(rid(runq_pop(&q)), 2);
    CHECK(runq_empty(&q));
    CHECK(q.head == NULL && q.tail == NULL);
}

/* Random push/pop/remove against an array kept in FIFO order. */
TEST(runq_random_vs_model)
{
    enum { N = 64, OPS = 200000 };
    struct runq q = { 0 };
    struct item it[N];
    int model[N], mlen = 0;
    for (int i = 0; i < N; i++)
        it[i] = (struct item){ .id = i };
    rng_state = 42;
    for (int op = 0; op < OPS; op++) {
        int i = (int)(rnd() % N), k = (int)(rnd() % 3);
        bool queued = runq_linked(&it[i].rn);
        if (k == 0) {
            CHECK_EQ(runq_push(&q, &it[i].rn), !queued);
            if (!queued)
                model[mlen++] = i;
        } else if (k == 1) {
            CHECK_EQ(rid(runq_pop(&q)), mlen ? model[0] : -1);
            if (mlen)
                memmove(model, model + 1, (size_t)--mlen * sizeof model[0]);
        } else {
            CHECK_EQ(runq_remove(&q, &it[i].rn), queued);
            for (int j = 0; queued && j < mlen; j++)
                if (model[j] == i) {
                    memmove(model + j, model + j + 1, (size_t)(mlen - j - 1) * sizeof model[0]);
                    mlen--;
                    break;
                }
        }
        REQUIRE((int)runq_len(&q) == mlen);
    }
    for (int j = 0; j < mlen; j++)
        CHECK_EQ(rid(runq_pop(&q)), model[j]);
    CHECK(runq_empty(&q));
}

/* --- timer queue ---------------------------------------------------------- */

TEST(timerq_empty)
{
    struct timerq q = { 0 };
    CHECK(timerq_peek(&q) == NULL);
    CHECK(timerq_next_deadline(&q) == TIMERQ_NONE);
    CHECK(timerq_pop_expired(&q, UINT64_MAX) == NULL);
    CHECK_EQ(timerq_len(&q), 0);
}

TEST(timerq_orders_by_deadline)
{
    struct timerq q;
    struct item it[6];
    static const uint64_t when[6] = { 50, 10, 40, 20, 60, 30 };
    timerq_init(&q);
    for (int i = 0; i < 6; i++) {
        it[i] = (struct item){ .id = i };
        CHECK(timerq_insert(&q, &it[i].tn, when[i]));
    }
    CHECK_EQ(timerq_len(&q), 6);
    CHECK_EQ(timerq_next_deadline(&q), 10);
    CHECK_EQ(tid(timerq_peek(&q)), 1);
    static const int order[6] = { 1, 3, 5, 2, 0, 4 };
    for (int i = 0; i < 6; i++)
        CHECK_EQ(tid(timerq_pop_expired(&q, UINT64_MAX)), order[i]);
    CHECK(timerq_peek(&q) == NULL);
}

TEST(timerq_equal_deadlines_keep_insertion_order)
{
    struct timerq q = { 0 };
    struct item it[8];
    /* 100 x4 interleaved with 50 and 200: the 100s come out 0, 2, 4, 6. */
    static const uint64_t when[8] = { 100, 50, 100, 200, 100, 50, 100, 200 };
    for (int i = 0; i < 8; i++) {
        it[i] = (struct item){ .id = i };
        timerq_insert(&q, &it[i].tn, when[i]);
    }
    static const int order[8] = { 1, 5, 0, 2, 4, 6, 3, 7 };
    for (int i = 0; i < 8; i++)
        CHECK_EQ(tid(timerq_pop_expired(&q, 1000)), order[i]);
}

TEST(timerq_pop_expired_stops_at_now)
{
    struct timerq q = { 0 };
    struct item it[4];
    for (int i = 0; i < 4; i++) {
        it[i] = (struct item){ .id = i };
        timerq_insert(&q, &it[i].tn, (uint64_t)(i + 1) * 10);
    }
    CHECK(timerq_pop_expired(&q, 9) == NULL);
    CHECK_EQ(tid(timerq_pop_expired(&q, 20)), 0);
    CHECK_EQ(tid(timerq_pop_expired(&q, 20)), 1);      /* deadline == now: expired */
    CHECK(timerq_pop_expired(&q, 20) == NULL);
    CHECK(!timerq_queued(&it[1].tn));
    CHECK(timerq_queued(&it[2].tn));
    CHECK_EQ(timerq_next_deadline(&q), 30);
    CHECK_EQ(timerq_len(&q), 2);
}

TEST(timerq_remove_from_middle)
{
    struct timerq q = { 0 }, other = { 0 };
    struct item it[5];
    for (int i = 0; i < 5; i++) {
        it[i] = (struct item){ .id = i };
        timerq_insert(&q, &it[i].tn, (uint64_t)i);
    }
    CHECK(!timerq_remove(&other, &it[2].tn));
    CHECK(timerq_remove(&q, &it[2].tn));
    CHECK(!timerq_remove(&q, &it[2].tn));
    CHECK(timerq_remove(&q, &it[4].tn));        /* tail */
    CHECK(timerq_remove(&q, &it[0].tn));        /* head */
    CHECK_EQ(timerq_len(&q), 2);
    CHECK_EQ(tid(timerq_pop_expired(&q, 10)), 1);
    CHECK_EQ(tid(timerq_pop_expired(&q, 10)), 3);
    CHECK(q.list.head == NULL && q.list.tail == NULL);
}

TEST(timerq_double_insert_rejected_and_reinsert)
{
    struct timerq q = { 0 };
    struct item a = { .id = 1 }, b = { .id = 2 };
    CHECK(timerq_insert(&q, &a.tn, 10));
    CHECK(!timerq_insert(&q, &a.tn, 5));
    CHECK_EQ(timerq_next_deadline(&q), 10);
    timerq_insert(&q, &b.tn, 20);
    /* Moving a timer: remove, then insert with the new deadline. */
    timerq_remove(&q, &a.tn);
    CHECK(timerq_insert(&q, &a.tn, 30));
    CHECK_EQ(tid(timerq_pop_expired(&q, 100)), 2);
    CHECK_EQ(tid(timerq_pop_expired(&q, 100)), 1);
}

TEST(timerq_extreme_deadlines)
{
    struct timerq q = { 0 };
    struct item a = { .id = 1 }, b = { .id = 2 }, c = { .id = 3 };
    timerq_insert(&q, &a.tn, UINT64_MAX);
    timerq_insert(&q, &b.tn, 0);
    timerq_insert(&q, &c.tn, UINT64_MAX);
    CHECK_EQ(tid(timerq_pop_expired(&q, UINT64_MAX - 1)), 2);
    CHECK(timerq_pop_expired(&q, UINT64_MAX - 1) == NULL);
    CHECK_EQ(tid(timerq_pop_expired(&q, UINT64_MAX)), 1);
    CHECK_EQ(tid(timerq_pop_expired(&q, UINT64_MAX)), 3);
}

/* The reference model: an unsorted array of (deadline, sequence number);
 * the next to expire is the smallest pair. */
struct ref {
    int id;
    uint64_t deadline, seq;
};
struct model {
    struct ref e[128];
    int len;
    uint64_t seq;
};

static int model_min(const struct model *m)
{
    int best = -1;
    for (int j = 0; j < m->len; j++)
        if (best < 0 || m->e[j].deadline < m->e[best].deadline ||
            (m->e[j].deadline == m->e[best].deadline && m->e[j].seq < m->e[best].seq))
            best = j;
    return best;
}

static void model_del(struct model *m, int j) { m->e[j] = m->e[--m->len]; }

static int model_find(const struct model *m, int id)
{
    for (int j = 0; j < m->len; j++)
        if (m->e[j].id == id)
            return j;
    return -1;
}

/* One random operation on both; deadlines come from a small range so that
 * equal deadlines are common. */
static void timerq_random_op(struct timerq *q, struct item *it, int n, struct model *m, uint64_t *now)
{
    int i = (int)(rnd() % (uint32_t)n), k = (int)(rnd() % 4);
    if (k == 0) {
        uint64_t d = *now + rnd() % 16;
        bool was = timerq_queued(&it[i].tn);
        CHECK_EQ(timerq_insert(q, &it[i].tn, d), !was);
        if (!was)
            m->e[m->len++] = (struct ref){ i, d, m->seq++ };
    } else if (k == 1) {
        int j = model_find(m, i);
        CHECK_EQ(timerq_remove(q, &it[i].tn), j >= 0);
        if (j >= 0)
            model_del(m, j);
    } else if (k == 2) {
        *now += rnd() % 4;
        int j = model_min(m);
        bool due = j >= 0 && m->e[j].deadline <= *now;
        CHECK_EQ(tid(timerq_pop_expired(q, *now)), due ? m->e[j].id : -1);
        if (due)
            model_del(m, j);
    } else {
        int j = model_min(m);
        CHECK_EQ(tid(timerq_peek(q)), j >= 0 ? m->e[j].id : -1);
        CHECK(timerq_next_deadline(q) == (j >= 0 ? m->e[j].deadline : TIMERQ_NONE));
    }
}

TEST(timerq_random_vs_model)
{
    enum { N = 100, OPS = 200000 };
    static struct item it[N];
    static struct model m;
    struct timerq q = { 0 };
    uint64_t now = 0;
    for (int i = 0; i < N; i++)
        it[i] = (struct item){ .id = i };
    m = (struct model){ 0 };
    rng_state = 7;
    for (int op = 0; op < OPS; op++) {
        timerq_random_op(&q, it, N, &m, &now);
        REQUIRE((int)timerq_len(&q) == m.len);
    }
    /* Drain: everything comes out in (deadline, insertion) order. */
    for (int j; (j = model_min(&m)) >= 0; model_del(&m, j))
        CHECK_EQ(tid(timerq_pop_expired(&q, UINT64_MAX)), m.e[j].id);
    CHECK(timerq_peek(&q) == NULL);
}
