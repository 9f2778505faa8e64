#!/usr/bin/env python3
"""TCP SYNs with correct checksums from source addresses no wire may carry,
sent straight onto a TAP device (run inside the test's network namespace,
as root).

  raw_src.py DEV GOOD_SRC DST_IP DST_MAC DST_PORT ROUNDS

For each source (0.0.0.0, 255.255.255.255, 224.0.0.1, 127.0.0.1, the
subnet's broadcast, and GOOD_SRC last) it sends ROUNDS SYNs, each from a
new source port, and waits up to 2 s for any TCP segment from DST_PORT to
that port (a SYN-ACK or RST, to whatever address and MAC the guest picks:
an answer to 0.0.0.0 goes to the Ethernet broadcast address). Prints one
line per source: "SOURCE ANSWERED/ROUNDS". A correct host answers only
GOOD_SRC (RFC 1122 3.2.1.3).
"""
import os
import select
import socket
import struct
import sys
import time

from raw_syn import ETH_P_IP, syn


def main():
    dev, good, dst, dst_mac, dport, rounds = sys.argv[1:7]
    dport, rounds = int(dport), int(rounds)
    my_mac = bytes.fromhex(open(f"/sys/class/net/{dev}/address").read().strip().replace(":", ""))
    to_mac = bytes.fromhex(dst_mac.replace(":", ""))
    subnet_bcast = ".".join(dst.split(".")[:3] + ["255"])
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_IP))
    s.bind((dev, 0))
    base = 30000 + os.getpid() % 10000
    for n, src in enumerate(("0.0.0.0", "255.255.255.255", "224.0.0.1", "127.0.0.1", subnet_bcast, good)):
        answered = 0
        for r in range(rounds):
            sport = base + n * 100 + r
            s.send(to_mac + my_mac + struct.pack("!H", ETH_P_IP) + syn(src, dst, sport, dport, 1000 + r, False, False))
            deadline = time.time() + 2
            while time.time() < deadline:
                if not select.select([s], [], [], max(0, deadline - time.time()))[0]:
                    break
                ip = s.recv(2048)[14:]
                if len(ip) < 40 or ip[9] != 6 or socket.inet_ntoa(ip[12:16]) != dst:
                    continue
                hl = (ip[0] & 15) * 4
                sp, dp = struct.unpack("!HH", ip[hl:hl + 4])
                if sp == dport and dp == sport:
                    answered += 1
                    break
        print(f"{src} {answered}/{rounds}", flush=True)


if __name__ == "__main__":
    main()
