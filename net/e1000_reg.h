/* Intel 8254x / 82574 ("e1000" family) registers, bits and descriptor
 * layouts: the wire format only; driver state is in net/e1000.c.
 *
 * Sources: Intel "PCI/PCI-X Family of Gigabit Ethernet Controllers
 * Software Developer's Manual" (8254x SDM): chapter 13 (registers),
 * 3.2.3 (receive descriptor format), 3.3.3 (legacy transmit descriptor
 * format); Intel "82574 GbE Controller Datasheet": chapter 10 (registers),
 * 7.4 (interrupts: ICR clearing, IVAR and MSI-X).
 * Cross-checked against what QEMU's models implement (hw/net/e1000.c,
 * hw/net/e1000e_core.c) and the register names of Linux e1000/e1000e and
 * FreeBSD em. All registers are 32 bits wide, little endian, in BAR 0. */
#pragma once
#include <stddef.h>
#include <stdint.h>

/* ---- Registers (offsets into BAR 0) ------------------------------------ */
#define E1000_CTRL      0x0000  /* device control */
#define E1000_STATUS    0x0008  /* device status (read only) */
#define E1000_EECD      0x0010  /* EEPROM/flash control */
#define E1000_EERD      0x0014  /* EEPROM read */
#define E1000_CTRL_EXT  0x0018  /* extended device control */
#define E1000_ICR       0x00C0  /* interrupt cause read (read clears, see e1000.c) */
#define E1000_ITR       0x00C4  /* interrupt throttling */
#define E1000_ICS       0x00C8  /* interrupt cause set */
#define E1000_IMS       0x00D0  /* interrupt mask set/read */
#define E1000_IMC       0x00D8  /* interrupt mask clear */
#define E1000_EIAC      0x00DC  /* 82574: extended interrupt auto clear */
#define E1000_IAM       0x00E0  /* 82574: interrupt acknowledge auto mask */
#define E1000_IVAR      0x00E4  /* 82574: interrupt vector allocation (MSI-X) */
#define E1000_EITR(n)   (0x00E8 + 4 * (n))  /* 82574: extended ITR of MSI-X vector n (0-4) */
#define E1000_RCTL      0x0100  /* receive control */
#define E1000_TCTL      0x0400  /* transmit control */
#define E1000_TIPG      0x0410  /* transmit inter-packet gap */
#define E1000_RDBAL     0x2800  /* rx descriptor base, low 32 bits */
#define E1000_RDBAH     0x2804  /* rx descriptor base, high 32 bits */
#define E1000_RDLEN     0x2808  /* rx ring length in bytes (multiple of 128) */
#define E1000_RDH       0x2810  /* rx head (device owned) */
#define E1000_RDT       0x2818  /* rx tail (driver owned) */
#define E1000_RDTR      0x2820  /* rx interrupt delay timer */
#define E1000_TDBAL     0x3800
#define E1000_TDBAH     0x3804
#define E1000_TDLEN     0x3808
#define E1000_TDH       0x3810
#define E1000_TDT       0x3818
#define E1000_TIDV      0x3820  /* tx interrupt delay */
#define E1000_CRCERRS   0x4000  /* statistics (clear on read) */
#define E1000_MPC       0x4010  /* missed packets (no descriptor) */
#define E1000_GPRC      0x4074  /* good packets received */
#define E1000_GPTC      0x4080  /* good packets transmitted */
#define E1000_RXCSUM    0x5000  /* receive checksum control */
#define E1000_MTA       0x5200  /* multicast table array, 128 dwords */
#define E1000_MTA_COUNT 128
#define E1000_RAL0      0x5400  /* receive address 0, low: MAC bytes 0-3 */
#define E1000_RAH0      0x5404  /* receive address 0, high: MAC bytes 4-5 + AV */

/* The highest register the driver touches lies below this: BAR 0 must be
 * at least this big (it is 128 KiB on every model). */
#define E1000_MMIO_MIN  0x10000

/* ---- CTRL ---------------------------------------------------------------- */
#define E1000_CTRL_FD       (1u << 0)   /* full duplex */
#define E1000_CTRL_LRST     (1u << 3)   /* link reset (8254x) */
#define E1000_CTRL_ASDE     (1u << 5)   /* auto speed detection */
#define E1000_CTRL_SLU      (1u << 6)   /* set link up */
#define E1000_CTRL_ILOS     (1u << 7)   /* invert loss-of-signal */
#define E1000_CTRL_RST      (1u << 26)  /* device reset, self-clearing */
#define E1000_CTRL_VME      (1u << 30)  /* VLAN mode */
#define E1000_CTRL_PHY_RST  (1u << 31)

/* ---- STATUS -------------------------------------------------------------- */
#define E1000_STATUS_FD           (1u << 0)
#define E1000_STATUS_LU           (1u << 1)   /* link up */
#define E1000_STATUS_SPEED_SHIFT  6           /* 00: 10, 01: 100, 1x: 1000 Mb/s */
#define E1000_STATUS_SPEED_MASK   (3u << E1000_STATUS_SPEED_SHIFT)

/* ---- EERD -----------------------------------------------------------------
 * 8254x (SDM 13.4.4): START bit 0, DONE bit 4, word address in 15:8.
 * 82574 (datasheet, EERD): START bit 0, DONE bit 1, address in 15:2.
 * Data is in 31:16 on both. */
#define E1000_EERD_START          (1u << 0)
#define E1000_EERD_DONE_8254X     (1u << 4)
#define E1000_EERD_ADDR_SHIFT_8254X 8
#define E1000_EERD_DONE_82574     (1u << 1)
#define E1000_EERD_ADDR_SHIFT_82574 2
#define E1000_EERD_DATA_SHIFT     16
#define E1000_EEPROM_MAC_WORD0    0     /* words 0-2: the MAC, little endian */

/* ---- CTRL_EXT (82574) ---------------------------------------------------- */
#define E1000_CTRL_EXT_PBA_CLR    (1u << 31)  /* "PBA support": needed for MSI-X */

/* ---- Interrupt causes: ICR, ICS, IMS, IMC -------------------------------- */
#define E1000_ICR_TXDW    (1u << 0)   /* tx descriptor written back */
#define E1000_ICR_TXQE    (1u << 1)   /* tx queue empty */
#define E1000_ICR_LSC     (1u << 2)   /* link status change */
#define E1000_ICR_RXSEQ   (1u << 3)   /* rx sequence error */
#define E1000_ICR_RXDMT0  (1u << 4)   /* rx descriptors below minimum threshold */
#define E1000_ICR_RXO     (1u << 6)   /* rx overrun */
#define E1000_ICR_RXT0    (1u << 7)   /* rx timer: a frame arrived */
#define E1000_ICR_RXQ0    (1u << 20)  /* 82574 MSI-X: rx queue 0 */
#define E1000_ICR_TXQ0    (1u << 22)  /* 82574 MSI-X: tx queue 0 */
#define E1000_ICR_OTHER   (1u << 24)  /* 82574 MSI-X: other causes (LSC...) */
#define E1000_ICR_ASSERTED (1u << 31) /* 82574: INT_ASSERTED */

/* ---- IVAR (82574 datasheet, IVAR register): 4-bit fields, vector in 2:0, bit 3
 * valid: RXQ0 at 0, RXQ1 at 4, TXQ0 at 8, TXQ1 at 12, other causes at 16. */
#define E1000_IVAR_VALID        0x8u
#define E1000_IVAR_RXQ0_SHIFT   0
#define E1000_IVAR_TXQ0_SHIFT   8
#define E1000_IVAR_OTHER_SHIFT  16

/* ---- ITR (8254x SDM 13.4.18) and EITR (82574 datasheet 10.2.4.x): bits 15:0
 * are the minimum interval between two interrupts, in units of 256 ns; 0
 * turns throttling off. */
#define E1000_ITR_INTERVAL_MASK 0xFFFFu
#define E1000_ITR_UNIT_NS       256u

/* ---- RCTL ---------------------------------------------------------------- */
#define E1000_RCTL_EN          (1u << 1)
#define E1000_RCTL_SBP         (1u << 2)   /* store bad packets */
#define E1000_RCTL_UPE         (1u << 3)   /* unicast promiscuous */
#define E1000_RCTL_MPE         (1u << 4)   /* multicast promiscuous */
#define E1000_RCTL_LPE         (1u << 5)   /* long packets */
#define E1000_RCTL_RDMTS_HALF  (0u << 8)   /* RXDMT0 when half the ring is free */
#define E1000_RCTL_BAM         (1u << 15)  /* accept broadcast */
#define E1000_RCTL_BSIZE_2048  (0u << 16)  /* with BSEX = 0 */
#define E1000_RCTL_BSEX        (1u << 25)
#define E1000_RCTL_SECRC       (1u << 26)  /* strip the Ethernet CRC */

/* ---- TCTL / TIPG --------------------------------------------------------- */
#define E1000_TCTL_EN          (1u << 1)
#define E1000_TCTL_PSP         (1u << 3)   /* pad short packets to 64 bytes */
#define E1000_TCTL_CT_SHIFT    4           /* collision threshold */
#define E1000_TCTL_COLD_SHIFT  12          /* collision distance */
#define E1000_TCTL_RTLC        (1u << 24)  /* retransmit on late collision */
#define E1000_TCTL_CT_DEFAULT  0x0Fu       /* SDM, TCTL: 15 */
#define E1000_TCTL_COLD_FD     0x40u       /* 64 byte times, full duplex */
/* SDM, TIPG, copper: IPGT 10, IPGR1 8, IPGR2 6. */
#define E1000_TIPG_DEFAULT     (10u | 8u << 10 | 6u << 20)

/* ---- RXCSUM (SDM chapter 13 and 82574 datasheet chapter 10, RXCSUM): the device
 * verifies IPv4 header (IPOFLD) and TCP/UDP (TUOFLD) checksums of what it
 * receives and reports the result in each descriptor (IPCS/TCPCS/UDPCS,
 * IPE/TCPE). Same bits on both families. */
#define E1000_RXCSUM_IPOFLD    (1u << 8)
#define E1000_RXCSUM_TUOFLD    (1u << 9)

/* ---- RAH ----------------------------------------------------------------- */
#define E1000_RAH_AV           (1u << 31)  /* address valid */

/* ---- Legacy receive descriptor (SDM 3.2.3) ------------------------------- */
struct e1000_rx_desc {
    uint64_t addr;          /* buffer bus address (driver writes) */
    uint16_t length;        /* bytes written to the buffer (device writes) */
    uint16_t csum;          /* packet checksum */
    uint8_t status;         /* E1000_RXD_STAT_* */
    uint8_t errors;         /* E1000_RXD_ERR_* */
    uint16_t special;       /* VLAN tag */
} __attribute__((packed));
_Static_assert(sizeof(struct e1000_rx_desc) == 16, "rx desc size");
_Static_assert(offsetof(struct e1000_rx_desc, length) == 8, "rx desc length");
_Static_assert(offsetof(struct e1000_rx_desc, status) == 12, "rx desc status");
_Static_assert(offsetof(struct e1000_rx_desc, errors) == 13, "rx desc errors");

#define E1000_RXD_STAT_DD    (1u << 0)  /* descriptor done */
#define E1000_RXD_STAT_EOP   (1u << 1)  /* end of packet */
#define E1000_RXD_STAT_IXSM  (1u << 2)  /* ignore checksum indication */
#define E1000_RXD_STAT_UDPCS (1u << 4)  /* 82574: UDP checksum computed (8254x: reserved) */
#define E1000_RXD_STAT_TCPCS (1u << 5)  /* TCP (8254x: TCP or UDP) checksum computed */
#define E1000_RXD_STAT_IPCS  (1u << 6)  /* IPv4 header checksum computed */
#define E1000_RXD_ERR_CE     (1u << 0)  /* CRC or alignment error */
#define E1000_RXD_ERR_SE     (1u << 1)  /* symbol error */
#define E1000_RXD_ERR_SEQ    (1u << 2)  /* sequence error */
#define E1000_RXD_ERR_CXE    (1u << 4)  /* carrier extension error */
#define E1000_RXD_ERR_TCPE   (1u << 5)  /* TCP/UDP checksum error */
#define E1000_RXD_ERR_IPE    (1u << 6)  /* IPv4 checksum error */
#define E1000_RXD_ERR_RXE    (1u << 7)  /* rx data error */
/* Errors that mean the frame itself is bad; checksum errors (IPE/TCPE)
 * are judged apart, together with the status bits that say which
 * checksums the device computed (e1000_rx_csum in e1000_ring.h). */
#define E1000_RXD_ERR_FRAME  (E1000_RXD_ERR_CE | E1000_RXD_ERR_SE | E1000_RXD_ERR_SEQ | \
                              E1000_RXD_ERR_CXE | E1000_RXD_ERR_RXE)

/* ---- Legacy transmit descriptor (SDM 3.3.3) ------------------------------ */
struct e1000_tx_desc {
    uint64_t addr;          /* buffer bus address */
    uint16_t length;        /* bytes to send from the buffer */
    uint8_t cso;            /* checksum offset */
    uint8_t cmd;            /* E1000_TXD_CMD_* */
    uint8_t status;         /* E1000_TXD_STAT_* (device writes, with RS) */
    uint8_t css;            /* checksum start */
    uint16_t special;
} __attribute__((packed));
_Static_assert(sizeof(struct e1000_tx_desc) == 16, "tx desc size");
_Static_assert(offsetof(struct e1000_tx_desc, cmd) == 11, "tx desc cmd");
_Static_assert(offsetof(struct e1000_tx_desc, status) == 12, "tx desc status");

#define E1000_TXD_CMD_EOP    (1u << 0)  /* end of packet */
#define E1000_TXD_CMD_IFCS   (1u << 1)  /* insert the FCS */
#define E1000_TXD_CMD_RS     (1u << 3)  /* report status: write back DD */
#define E1000_TXD_CMD_DEXT   (1u << 5)  /* extended descriptor: context or data */
#define E1000_TXD_STAT_DD    (1u << 0)

/* ---- TCP/IP context descriptor (SDM 3.3.5-3.3.6; 82574 datasheet 7.2) -----
 * Tells the device where, in the frames that follow, the IPv4 header
 * checksum (IPCSS..IPCSE, stored at IPCSO) and the TCP/UDP checksum
 * (TUCSS..TUCSE, stored at TUCSO; TUCSE 0 = to the end of the frame) are.
 * It stays in force until the next context descriptor. Offsets count from
 * the first byte of the frame. */
struct e1000_tx_ctx_desc {
    uint8_t ipcss;          /* IP checksum start: the IP header */
    uint8_t ipcso;          /* where the IP checksum goes */
    uint16_t ipcse;         /* last byte included (inclusive) */
    uint8_t tucss;          /* TCP/UDP checksum start: the TCP header */
    uint8_t tucso;          /* where the TCP/UDP checksum goes */
    uint16_t tucse;         /* last byte included, 0: end of frame */
    uint32_t cmd_len;       /* PAYLEN 19:0 (TSO only), DTYP 23:20 = 0, TUCMD 31:24 */
    uint8_t status;         /* DD, with TUCMD.RS */
    uint8_t hdrlen;         /* TSO only */
    uint16_t mss;           /* TSO only */
} __attribute__((packed));
_Static_assert(sizeof(struct e1000_tx_ctx_desc) == 16, "tx ctx desc size");
_Static_assert(offsetof(struct e1000_tx_ctx_desc, cmd_len) == 8, "tx ctx cmd_len");
_Static_assert(offsetof(struct e1000_tx_ctx_desc, status) == 12, "tx ctx status");

#define E1000_TXD_DTYP_SHIFT 20         /* in cmd_len / the data descriptor's dword 2 */
#define E1000_TXD_DTYP_CTX   0x0u       /* context descriptor */
#define E1000_TXD_DTYP_DATA  0x1u       /* data descriptor */
#define E1000_TUCMD_SHIFT    24
#define E1000_TUCMD_TCP      (1u << 0)  /* TCP checksum (0: UDP) */
#define E1000_TUCMD_IP       (1u << 1)  /* IPv4 (0: IPv6) */
#define E1000_TUCMD_RS       (1u << 3)  /* report status: DD written back */
#define E1000_TUCMD_DEXT     (1u << 5)  /* must be 1 */

/* ---- TCP/IP data descriptor (SDM 3.3.5-3.3.6): the same 16 bytes as the legacy
 * descriptor, read as: addr; DTALEN 19:0, DTYP 23:20 = 1, DCMD 31:24
 * (EOP/IFCS/RS bits as legacy CMD, DEXT set); STA 3:0; POPTS 15:8; VLAN.
 * In struct e1000_tx_desc terms: length = DTALEN 15:0, cso = DTALEN 19:16
 * | DTYP << 4, cmd = DCMD, status = STA, css = POPTS. */
#define E1000_TXD_DATA_TYPE  (E1000_TXD_DTYP_DATA << 4)   /* the `cso` byte */
#define E1000_TXD_POPTS_IXSM (1u << 0)  /* insert the IP checksum */
#define E1000_TXD_POPTS_TXSM (1u << 1)  /* insert the TCP/UDP checksum */

/* Ring lengths must be multiples of 128 bytes (8 descriptors): SDM, RDLEN/TDLEN. */
#define E1000_RING_ALIGN_DESCS 8
