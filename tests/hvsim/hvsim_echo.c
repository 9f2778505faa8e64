/* hvsim echo device: a test-only VMBus device that sends every in-band
 * packet back unchanged (same transaction id; the payload as the host sees
 * it, i.e. padded to 8 bytes) and answers completion requests with an empty
 * COMP packet. Used for ring traffic and wrap-around tests. Its class GUID
 * is made up (not a Hyper-V device). */
#include <string.h>
#include "tests/hvsim/hvsim_int.h"

#define ECHO_CLASS HVSIM_GUID(0xec40ec40, 0x0001, 0x4e43, 0x8e, 0x43, 0x48, 0x56, 0x53, 0x49, 0x4d, 0x31)
#define ECHO_INSTANCE                                                           \
    HVSIM_GUID(0xec40ec40, 0x0002, 0x4e43, 0x8e, 0x43, 0x48, 0x56, 0x53, 0x49, 0x4d, 0x32)
const struct vmbus_guid hvsim_echo_class = ECHO_CLASS;

static int echo_open(struct hvsim_chan *ch, const uint8_t *user_data)
{
    (void)user_data;
    struct hvsim_echo *e = hvsim_chan_priv(ch);
    e->opened = true;
    return 0;
}

static void echo_packet(struct hvsim_chan *ch, const struct vmbus_pkt_desc *d, const uint8_t *p,
                        uint32_t len)
{
    struct hvsim_echo *e = hvsim_chan_priv(ch);
    if (d->type == VMBUS_PKT_COMP) {
        e->comps++;
        return;
    }
    e->packets++;
    e->bytes += len;
    e->last_len = len;
    if (d->type != VMBUS_PKT_DATA_INBAND)
        return;
    hvsim_chan_send(ch, VMBUS_PKT_DATA_INBAND, 0, d->trans_id, p, len);
    if (d->flags & VMBUS_PKT_FLAG_COMPLETION_REQUESTED)
        hvsim_chan_send(ch, VMBUS_PKT_COMP, 0, d->trans_id, NULL, 0);
}

static void echo_close(struct hvsim_chan *ch)
{
    struct hvsim_echo *e = hvsim_chan_priv(ch);
    e->opened = false;
}

static const struct hvsim_dev_ops echo_ops = {
    .name = "echo",
    .class_id = ECHO_CLASS,
    .instance_id = ECHO_INSTANCE,
    .on_open = echo_open,
    .on_packet = echo_packet,
    .on_close = echo_close,
};

struct hvsim_chan *hvsim_add_echo(struct hvsim_echo *e, uint32_t relid)
{
    memset(e, 0, sizeof *e);
    return hvsim_add_device(&echo_ops, e, relid);
}

void hvsim_chan_pause_rx(struct hvsim_chan *ch, bool paused)
{
    ch->rx_paused = paused;
    if (!paused && ch->open) {
        /* Resuming: look at the ring as if signalled. */
        ch->g2h_active = true;
        ch->g2h_armed = false;
    }
}
