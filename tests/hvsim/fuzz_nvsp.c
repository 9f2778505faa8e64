/* libFuzzer target: netvsc's NVSP layer (hv/netvsc_nvsp.c) under a hostile
 * host. Per input: a fresh simulator and guest with netvsc attached
 * (tests/hvsim/fuzz_netvsc.h), then up to 64 records, each followed by
 * running the guest until idle:
 *   - a transfer-page packet: 1..16 ranges inside or anywhere, the NVSP
 *     payload a SEND_RNDIS_PKT or any bytes of any length;
 *   - an in-band packet: an NVSP message of any type and length;
 *   - a completion: for a send section, a GPA slot, a transaction or any
 *     id, with any payload;
 *   - a packet of any other type;
 *   - a frame from the guest (so that sends are in flight).
 * Invariants in fuzz_netvsc.h. Reproduce: build/fuzz/fuzz_nvsp <file>. */
#define FUZZ_NAME "fuzz_nvsp"
#include "tests/hvsim/fuzz_netvsc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct in s = { data, size };
    struct netvsc *nv = nv_up(&s);
    static uint8_t buf[1600];
    for (int ops = 0; ops < 64 && s.n; ops++) {
        uint8_t op = u8(&s);
        const char *what = "?";
        size_t len = (op & 0x80) ? u16(&s) % 1500 : NVSP_MSG_SIZE;
        take(&s, buf, len);
        if ((op & 0x40) && len >= 16) {
            struct nvsp_rndis_pkt m = { NVSP_MSG1_SEND_RNDIS_PKT, u8(&s) % 3, NVSP_SECTION_NONE, 0 };
            memcpy(buf, &m, sizeof m);
        }
        switch (op % 5) {
        case 0: {
            struct vmbus_xfer_range r[16];
            uint32_t n = 1 + u8(&s) % 16;
            for (uint32_t i = 0; i < n; i++) {
                r[i].byte_offset = u32(&s);
                r[i].byte_count = u32(&s);
                if (!(op & 0x20)) {
                    r[i].byte_offset %= host.rx_size;
                    r[i].byte_count %= host.rx_size - r[i].byte_offset + 1;
                }
            }
            hvsim_netvsc_raw_xfer(&host, r, n, buf, len);
            what = "transfer-page packet";
            break;
        }
        case 1:
            hvsim_chan_send(hch, VMBUS_PKT_DATA_INBAND, u8(&s) & 1, u64(&s), buf, len);
            what = "in-band NVSP";
            break;
        case 2: {
            static const uint64_t kinds[] = { NETVSC_ID_SECTION, NETVSC_ID_GPA, VMBUS_XACT_ID_TAG, 0 };
            uint8_t k = u8(&s);
            uint64_t id = (k & 0x80) ? u64(&s) : kinds[k % 4] | (k >> 2) % 48;
            hvsim_chan_send(hch, VMBUS_PKT_COMP, 0, id, buf, len % 64);
            what = "completion";
            break;
        }
        case 3:
            hvsim_chan_send(hch, (uint16_t)(u8(&s) % 16), 0, u32(&s), buf, len);
            what = "packet of another type";
            break;
        default:
            guest_netdev_xmit(buf, len < 60 ? 60 : len > 1514 ? 1514 : len);
            what = "guest frame";
            break;
        }
        hvsim_run_until_idle();
        nv_check(what);
    }
    (void)nv;
    nv_down();
    return 0;
}
