/* Hosted tests of vmw/vmxnet3.c against a vmxnet3 that lies: completion
 * entries with the generation bit out of turn, indices past the ring or
 * out of order, the other rx ring, lengths past the buffer, tx completions
 * for frames never sent, a failed activation, a device that is gone. What
 * must hold (STYLE 8): nothing outside the driver's buffers is touched
 * (ASan, the backend's DMA bounds), nothing impossible reaches the stack,
 * each bad entry is logged and counted, and good frames flow afterwards. */
#include "tests/devsim/vmxnet3_fixture.h"

/* A good frame in and a good frame out: the driver still works. */
static void check_recovers(struct vx *f, unsigned seq)
{
    uint8_t fr[300], want[300];
    vx_frame(fr, sizeof fr, seq);
    memcpy(want, fr, sizeof fr);
    unsigned rx = host.rx_count, tx = f->m->tx_count;
    CHECK_EQ(vmx3m_rx_inject(f->m, fr, sizeof fr, 0), 0);
    vx_pump(f);
    CHECK_EQ(host.rx_count, rx + 1);
    if (host.rx_count == rx + 1 && rx < HOST_RX_KEEP)
        CHECK(memcmp(host.rx[rx].data, want, sizeof want) == 0);
    CHECK_EQ(host_xmit(f->nd, fr, sizeof fr), 0);
    CHECK_EQ(f->m->tx_count, tx + 1);
    vx_pump(f);
}

/* Generation bit out of turn: an entry at the driver's next position with
 * last lap's bit, and one further on with this lap's bit. Neither is taken. */
TEST(vmxnet3_hostile_generation_out_of_turn)
{
    struct vx f;
    if (!vx_up(&f, DEVIO_IRQ_MSIX))
        return vx_end(&f);
    unsigned i = f.m->rxc_next;
    vmx3m_rx_forge(f.m, (int)i, 0 | VMXNET3_RCD_SOP | VMXNET3_RCD_EOP, 100, 0, 0, false);
    vmx3m_rx_forge(f.m, (int)i + 5, 5 | VMXNET3_RCD_SOP | VMXNET3_RCD_EOP, 100, 0, 1, false);
    vmx3m_tx_forge(f.m, 7, 0, 1);
    vx_pump(&f);
    CHECK_EQ(host.rx_count, 0);
    CHECK_EQ(vmxnet3_test_bad_completions(f.nd), 0);
    /* Clean the planted entries, as the device would overwrite them. */
    vmx3m_rx_forge(f.m, (int)i + 5, 0, 0, 0, 0, false);
    vmx3m_tx_forge(f.m, 7, 0, 0);
    vx_pump(&f);
    check_recovers(&f, 1);
    vx_end(&f);
}

/* Completions naming a slot past the ring, the wrong slot, or ring 2
 * (which holds no buffer): refused, logged; the ring stays in step. */
TEST(vmxnet3_hostile_rx_index)
{
    struct vx f;
    if (!vx_up(&f, DEVIO_IRQ_MSIX))
        return vx_end(&f);
    const uint32_t whole = VMXNET3_RCD_SOP | VMXNET3_RCD_EOP;
    vmx3m_rx_forge(f.m, -1, 4095 | whole, 100, 0, f.m->rxc_gen, false);
    vmx3m_rx_forge(f.m, -1, 300 | whole, 100, 0, f.m->rxc_gen, false);
    vmx3m_rx_forge(f.m, -1, 17 | whole, 100, 0, f.m->rxc_gen, false);
    vmx3m_rx_forge(f.m, -1, 0 | whole | 1u << 16, 100, 0, f.m->rxc_gen, false);   /* rqID 1: ring 2 */
    vx_pump(&f);
    CHECK_EQ(host.rx_count, 0);
    CHECK_EQ(vmxnet3_test_bad_completions(f.nd), 4);
    CHECK_EQ(f.nd->stats.rx_errors, 4);
    CHECK(host_log_has("vmxnet3: 00:03.0 rx completion for ring 1 slot 4095, expected ring 1 slot 0: ignored"));
    CHECK(host_log_has("rx completion for ring 2 slot 0"));
    for (unsigned k = 0; k < 300; k++)      /* and across a wrap of both rings */
        check_recovers(&f, k);
    vx_end(&f);
}

/* Lengths past the 2 KiB buffer, zero, and frames the device marks as
 * partial or in error: dropped, the buffer handed back, nothing read past it. */
TEST(vmxnet3_hostile_rx_length)
{
    struct vx f;
    if (!vx_up(&f, DEVIO_IRQ_MSIX))
        return vx_end(&f);
    const uint32_t whole = VMXNET3_RCD_SOP | VMXNET3_RCD_EOP;
    unsigned idx = f.m->rx_next;
    vmx3m_rx_forge(f.m, -1, idx | whole, 0x3FFF, 0, f.m->rxc_gen, true);
    idx = f.m->rx_next;
    vmx3m_rx_forge(f.m, -1, idx | whole, 3000, 0, f.m->rxc_gen, true);
    idx = f.m->rx_next;
    vmx3m_rx_forge(f.m, -1, idx | whole, 0, 0, f.m->rxc_gen, true);
    idx = f.m->rx_next;
    vmx3m_rx_forge(f.m, -1, idx | VMXNET3_RCD_SOP, 2048, 0, f.m->rxc_gen, true);
    idx = f.m->rx_next;
    vmx3m_rx_forge(f.m, -1, idx | whole, 2048 | VMXNET3_RCD_ERR, 0, f.m->rxc_gen, true);
    vx_pump(&f);
    CHECK_EQ(host.rx_count, 0);
    CHECK_EQ(f.nd->stats.rx_errors, 5);
    CHECK(host_log_has("vmxnet3: 00:03.0 rx[0] length 16383 past the 2048-byte buffer: dropped"));
    CHECK(host_log_has("rx[1] length 3000 past"));
    for (unsigned k = 0; k < 260; k++)
        check_recovers(&f, k);
    vx_end(&f);
}

/* Tx completions for slots holding no frame in flight (never sent, past
 * the ring): ignored; the frames really in flight are still reclaimed. */
TEST(vmxnet3_hostile_tx_completion)
{
    struct vx f;
    if (!vx_up(&f, DEVIO_IRQ_MSIX))
        return vx_end(&f);
    vmx3m_tx_forge(f.m, -1, 5, f.m->txc_gen);
    vmx3m_tx_forge(f.m, -1, 4000, f.m->txc_gen);
    vx_pump(&f);
    CHECK_EQ(vmxnet3_test_bad_completions(f.nd), 2);
    CHECK(host_log_has("tx completion for slot 5"));
    for (unsigned k = 0; k < 300; k++)      /* every slot reused twice */
        check_recovers(&f, k);
    CHECK_EQ(vmxnet3_test_bad_completions(f.nd), 2);
    vx_end(&f);
}

/* An interrupt storm with nothing behind it: bounded work, nothing delivered. */
TEST(vmxnet3_hostile_empty_interrupts)
{
    struct vx f;
    if (!vx_up(&f, DEVIO_IRQ_MSIX))
        return vx_end(&f);
    for (unsigned k = 0; k < 1000; k++) {
        devhost_irq_raise(&f.m->dev);
        CHECK(vx_pump(&f) <= 3);
    }
    CHECK_EQ(host.rx_count, 0);
    check_recovers(&f, 0);
    vx_end(&f);
}

/* Queue errors are logged with the queue's status; an event storm (every
 * bit, over and over) costs one acknowledgement per wakeup. */
TEST(vmxnet3_hostile_events)
{
    struct vx f;
    if (!vx_up(&f, DEVIO_IRQ_MSIX))
        return vx_end(&f);
    vmx3m_event(f.m, VMXNET3_ECR_TQERR);
    vx_pump(&f);
    CHECK(host_log_has("vmxnet3: 00:03.0 queue error: tx stopped 0 error 0x0, rx stopped 0 error 0x0"));
    const struct vmxnet3_shared *sh = vmx3m_shared(f.m);
    CHECK_EQ(sh->ecr, 0);
    for (unsigned k = 0; k < 200; k++) {
        vmx3m_event(f.m, 0xFFFFFFFFu);
        CHECK(vx_pump(&f) <= 3);
    }
    CHECK(f.nd->link_up);                   /* GET_LINK still says up */
    check_recovers(&f, 0);
    vx_end(&f);
}

/* ACTIVATE_DEV fails: the probe fails, the device is reset, nothing leaks. */
TEST(vmxnet3_hostile_activation_fails)
{
    struct vx f;
    vx_model(&f, DEVIO_IRQ_MSIX);
    f.m->fail_activate = true;
    CHECK_EQ(vx_probe(&f), -EIO);
    CHECK(host_log_has("vmxnet3: 00:03.0: ACTIVATE_DEV failed"));
    CHECK_EQ(host.heap_live, 0);
    CHECK_EQ(devhost_dma_live(), 0);
    CHECK(f.m->dev.irq_fn == NULL);
    CHECK_EQ(host.netdevs, 0);
    vx_end(&f);
}

/* A device that is gone (all ones), a multicast MAC, no DMA memory. */
TEST(vmxnet3_hostile_probe)
{
    struct vx f;
    vx_model(&f, DEVIO_IRQ_MSIX);
    f.m->revs = 0xFFFFFFFF;
    CHECK_EQ(vx_probe(&f), -ENODEV);
    vx_end(&f);
    vx_model(&f, DEVIO_IRQ_MSIX);
    f.m->mac[0] = 0x01;
    CHECK_EQ(vx_probe(&f), -EIO);
    CHECK(host_log_has("no valid MAC"));
    vx_end(&f);
    for (int k = 1; k <= 3; k++) {
        vx_model(&f, DEVIO_IRQ_MSIX);
        devhost_dma_fail_at(k);
        CHECK_EQ(vx_probe(&f), -ENOMEM);
        CHECK_EQ(devhost_dma_live(), 0);
        CHECK_EQ(host.heap_live, 0);
        vx_end(&f);
    }
}
