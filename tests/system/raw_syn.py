#!/usr/bin/env python3
"""Hand-made TCP SYNs, some with broken checksums, sent straight onto a TAP
device (run inside the test's network namespace, as root).

  raw_syn.py DEV SRC_IP DST_IP DST_MAC DST_PORT ROUNDS

For each variant (a wrong TCP checksum, a wrong IPv4 header checksum, both
right) it sends ROUNDS SYNs, each from a new source port, and waits up to
2 s for the guest's answer (SYN-ACK or RST) to that port. Prints one line
per variant: "VARIANT ANSWERED/ROUNDS". A correct receiver answers every
good SYN and none of the broken ones. Checksums: RFC 791 / RFC 793, the
RFC 1071 one's complement sum.
"""
import os
import select
import socket
import struct
import sys
import time

ETH_P_IP = 0x0800


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def syn(src, dst, sport, dport, seq, bad_tcp, bad_ip):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, 0x02, 65535, 0, 0)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(tcp))
    c = csum(pseudo + tcp) ^ (0x5555 if bad_tcp else 0)
    tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), sport, 0x4000, 64, 6, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    c = csum(ip) ^ (0x5555 if bad_ip else 0)
    return ip[:10] + struct.pack("!H", c) + ip[12:] + tcp


def main():
    dev, src, dst, dst_mac, dport, rounds = sys.argv[1:7]
    dport, rounds = int(dport), int(rounds)
    my_mac = bytes.fromhex(open(f"/sys/class/net/{dev}/address").read().strip().replace(":", ""))
    to_mac = bytes.fromhex(dst_mac.replace(":", ""))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_IP))
    s.bind((dev, 0))
    base = 40000 + os.getpid() % 10000
    for n, (name, bad_tcp, bad_ip) in enumerate((("bad-tcp-checksum", True, False),
                                                 ("bad-ip-checksum", False, True), ("good", False, False))):
        answered = 0
        for r in range(rounds):
            sport = base + n * 100 + r
            s.send(to_mac + my_mac + struct.pack("!H", ETH_P_IP) +
                   syn(src, dst, sport, dport, 1000 + r, bad_tcp, bad_ip))
            deadline = time.time() + 2
            while time.time() < deadline:
                if not select.select([s], [], [], max(0, deadline - time.time()))[0]:
                    break
                f = s.recv(2048)
                ip = f[14:]
                if len(ip) < 40 or ip[9] != 6 or socket.inet_ntoa(ip[12:16]) != dst:
                    continue
                hl = (ip[0] & 15) * 4
                sp, dp = struct.unpack("!HH", ip[hl:hl + 4])
                if sp == dport and dp == sport and ip[hl + 13] & 0x16:    # SYN-ACK or RST
                    answered += 1
                    break
        print(f"{name} {answered}/{rounds}", flush=True)


if __name__ == "__main__":
    main()
