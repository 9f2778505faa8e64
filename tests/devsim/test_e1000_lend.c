/* Hosted e1000 tests of the lending receive path (net/netdev.h,
 * netdev_rx_lend) and of hot removal (the driver's .remove): the driver
 * lends its spare buffers, copies once they are all out, lends again when
 * they come back, and a removed driver's buffer pool lives until the stack
 * has returned every buffer it still held. */
#include "tests/unit/test.h"
#include "tests/devsim/devhost.h"
#include "tests/devsim/e1000_fixture.h"
#include "kernel/pci/pci.h"

LINKSET_DEFINE(struct pci_driver, pci_drivers);

static const struct pci_driver *e1000_driver(void)
{
    for (const struct pci_driver *d = LINKSET_BEGIN(pci_drivers); d < LINKSET_END(pci_drivers); d++)
        if (strcmp(d->name, "e1000") == 0)
            return d;
    return NULL;
}

/* n frames, in batches the ring holds, each batch pumped through. */
static void receive(struct fx *f, unsigned n, unsigned seq)
{
    uint8_t fr[120];
    for (unsigned i = 0; i < n; i++) {
        fx_frame(fr, sizeof fr, seq + i);
        CHECK_EQ(e1000m_rx_inject(f->m, fr, sizeof fr, NULL), 0);
        if (i % 32 == 31)
            fx_pump(f);
    }
    fx_pump(f);
}

TEST(lend_until_the_spares_run_out_then_copy)
{
    struct fx f;
    if (!fx_up(&f, E1000M_82574L))
        return fx_end(&f);
    host.lend = true;
    receive(&f, 300, 0);
    CHECK_EQ(host.rx_count, 300);                   /* nothing lost */
    unsigned held = host.lent_held;
    CHECK(held > 0 && held < 300);                  /* lent while spares lasted ... */
    CHECK_EQ(f.nd->stats.rx_lent, held);            /* ... then copied */
    host_release_lent();
    receive(&f, 40, 300);
    CHECK_EQ(host.rx_count, 340);
    CHECK_EQ(host.lent_held, 40);                   /* lending again */
    host_release_lent();
    fx_end(&f);
}

TEST(removed_driver_pool_lives_until_the_last_buffer)
{
    struct fx f;
    if (!fx_up(&f, E1000M_82574L))
        return fx_end(&f);
    const struct pci_driver *drv = e1000_driver();
    REQUIRE(drv && drv->remove);
    host.lend = true;
    receive(&f, 5, 0);
    CHECK_EQ(host.lent_held, 5);
    drv->remove(&f.m->dev.pci);
    CHECK(f.m->dev.pci.priv == NULL);
    CHECK_EQ(f.m->dev.irq_teardowns, 1);               /* through the seam */
    CHECK_EQ(f.m->dev.irq_mode, 0);
    CHECK(host.nd == NULL);                         /* unregistered */
    CHECK(host_log_has("removed (eth0)"));
    CHECK(devhost_dma_live() > 0);                  /* the pool: 5 buffers still lent */
    host_release_lent();
    CHECK_EQ(devhost_dma_live(), 0);
    fx_end(&f);
}
