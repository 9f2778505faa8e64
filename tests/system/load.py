#!/usr/bin/env python3
"""Load and abuse against minnow (or any guest) over a TAP link, for the
reliability cases (cases_reliability.py) and `make bench`. Run inside the
test's network namespace. Every socket has a timeout and every run a
deadline; each mode prints one line of results and exits 0 unless the
arguments are wrong.

  load.py conc HOST CONC TOTAL SECONDS
      TOTAL HTTP/1.1 GET / requests, CONC at once, each on a new connection
      ("Connection: close"). Prints "conc C: ok N, reset R, refused F,
      timeout T, other O".
  load.py echo HOST CONN BYTES SECONDS
      CONN connections to the echo port (7) at once, each sending BYTES of
      its own pseudo-random data and reading back the same; one ICMP echo
      request every 0.2 s meanwhile. Prints "echo N/CONN verified,
      pings A/S answered, longest silence L".
  load.py download HOST CONN BYTES SECONDS
      CONN parallel GET /bytes/BYTES, each body checked against the
      pattern (byte i is i & 0xFF). Prints "download N/CONN complete,
      short S, failed F".
  load.py synflood DEV SRC DST DST_MAC PORT COUNT SECONDS
      COUNT SYNs to DST:PORT from spoofed sources (10.99.x.y, routed
      through SRC), written as raw frames onto DEV, while a probe asks
      DST:PORT for / again and again. Prints "synflood sent N, probes
      served P/T during the flood".
"""
import os
import select
import socket
import struct
import sys
import threading
import time


def http_get(host, path, timeout, keep=False):
    """One request on a new connection: (status, body) or raises OSError."""
    s = socket.create_connection((host, 80), timeout=timeout)
    try:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        data = bytearray()
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
    finally:
        s.close()
    head, _, body = bytes(data).partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 "):
        raise OSError("no HTTP response")
    return int(head[9:12]), head, body


def conc(host, n, total, seconds):
    end = time.time() + seconds
    counts = {"ok": 0, "reset": 0, "refused": 0, "timeout": 0, "other": 0}
    lock = threading.Lock()
    left = [total]

    def worker():
        while time.time() < end:
            with lock:
                if left[0] == 0:
                    return
                left[0] -= 1
            try:
                st, _, _ = http_get(host, "/", max(1, min(30, end - time.time())))
                k = "ok" if st == 200 else "other"
            except ConnectionResetError:
                k = "reset"
            except ConnectionRefusedError:
                k = "refused"
            except socket.timeout:
                k = "timeout"
            except OSError:
                k = "other"
            with lock:
                counts[k] += 1
    ts = [threading.Thread(target=worker, daemon=True) for _ in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(timeout=max(0.1, end - time.time() + 2))
    print(f"conc {n}: ok {counts['ok']}, reset {counts['reset']}, refused {counts['refused']}, "
          f"timeout {counts['timeout']}, other {counts['other']}", flush=True)


def pinger(host, stop, res):
    """ICMP echo requests (RFC 792) to host every 0.2 s until stop is set:
    res gets (answered, sent, longest run of unanswered requests)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    ident, sent, got = os.getpid() & 0xFFFF, 0, set()
    last_send, stop_at = 0.0, None
    while stop_at is None or time.time() < stop_at:
        if stop.is_set() and stop_at is None:
            stop_at = time.time() + 1.2         # answers to the last requests
        if stop_at is None and time.time() - last_send >= 0.2:
            sent += 1
            msg = struct.pack("!BBHHH", 8, 0, 0, ident, sent) + b"minnow"
            s.sendto(msg[:2] + struct.pack("!H", csum(msg)) + msg[4:], (host, 0))
            last_send = time.time()
        if select.select([s], [], [], 0.05)[0]:
            b = s.recv(2048)
            hl = (b[0] & 15) * 4
            if len(b) >= hl + 8 and b[hl] == 0:
                i, q = struct.unpack("!HH", b[hl + 4:hl + 8])
                if i == ident:
                    got.add(q)
    s.close()
    gap = run = 0
    for q in range(1, sent + 1):
        run = 0 if q in got else run + 1
        gap = max(gap, run)
    res.extend((len(got), sent, gap))


def echo(host, n, nbytes, seconds):
    end = time.time() + seconds
    stop, pres = threading.Event(), []
    pt = threading.Thread(target=pinger, args=(host, stop, pres), daemon=True)
    pt.start()
    time.sleep(1)
    conns, nconnect = [], [0]
    for k in range(n):
        seed = k * 2654435761 & 0xFFFFFFFF
        block = bytes(((seed >> (i % 24)) ^ i * 7) & 0xFF for i in range(4096))
        try:
            s = socket.create_connection((host, 7), timeout=10)
            s.setblocking(False)
            conns.append({"s": s, "block": block, "sent": 0, "got": 0, "ok": True})
        except OSError:
            nconnect[0] += 1
    live = list(conns)
    while live and time.time() < end:
        rl = [c["s"] for c in live]
        wl = [c["s"] for c in live if c["sent"] < nbytes]
        r, w, _ = select.select(rl, wl, [], 0.5)
        for c in live[:]:
            s = c["s"]
            if s in w:
                off = c["sent"] % 4096
                chunk = (c["block"][off:] + c["block"])[:min(16384, nbytes - c["sent"])]
                try:
                    c["sent"] += s.send(chunk)
                except BlockingIOError:
                    pass
                except OSError as e:
                    c["ok"], c["err"] = False, type(e).__name__
                    live.remove(c)
                    continue
                if c["sent"] == nbytes:
                    s.shutdown(socket.SHUT_WR)
            if s in r:
                try:
                    b = s.recv(65536)
                except BlockingIOError:
                    continue
                except OSError as e:
                    b = b""
                    c["ok"], c["err"] = False, type(e).__name__
                if not b:
                    live.remove(c)
                    continue
                off = c["got"] % 4096
                want = (c["block"][off:] + c["block"] * (len(b) // 4096 + 2))[:len(b)]
                if b != want:
                    c["ok"], c["err"] = False, "mismatch"
                c["got"] += len(b)
    stop.set()
    pt.join(timeout=10)
    good = sum(1 for c in conns if c["ok"] and c["got"] == nbytes)
    for c in conns:
        c["s"].close()
    a, sent, gap = pres if pres else (0, 0, 0)
    errs = {}
    for c in conns:
        if not (c["ok"] and c["got"] == nbytes):
            e = c.get("err", "short")
            errs[e] = errs.get(e, 0) + 1
    print(f"echo {good}/{n} verified, pings {a}/{sent} answered, longest silence {gap}; not connected "
          f"{nconnect[0]}, failed {errs}", flush=True)


def download(host, n, nbytes, seconds):
    end = time.time() + seconds
    res, errs = {"complete": 0, "short": 0, "failed": 0}, {}
    lock = threading.Lock()
    pat = bytes(range(256))

    def one():
        k = "failed"
        try:
            st, head, body = http_get(host, f"/bytes/{nbytes}", max(1, min(60, end - time.time())))
            if st == 200 and len(body) == nbytes and body == (pat * (nbytes // 256 + 1))[:nbytes]:
                k = "complete"
            elif st == 200:
                k = "short"
        except OSError as e:
            with lock:
                k2 = f"{type(e).__name__}: {e}"[:60]
                errs[k2] = errs.get(k2, 0) + 1
        with lock:
            res[k] += 1
    ts = [threading.Thread(target=one, daemon=True) for _ in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(timeout=max(0.1, end - time.time() + 2))
    print(f"download {res['complete']}/{n} complete, short {res['short']}, failed {res['failed']} {errs}",
          flush=True)


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def syn_frame(to_mac, my_mac, src, dst, sport, dport, seq):
    """An Ethernet frame with one TCP SYN (RFC 9293 3.1), checksums right."""
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, 0x02, 65535, 0, 0)
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), sport, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return to_mac + my_mac + b"\x08\x00" + ip + tcp


def synflood(dev, src, dst, dst_mac, port, count, seconds):
    end = time.time() + seconds
    # Paced (bursts of 50 every 20 ms, 2,500 a second) so that the flood
    # lasts seconds, as an attack would, instead of one burst.
    # Spoofed sources live beyond the host (10.99.0.0/16, which the guest
    # reaches through its gateway, the host): the guest's SYN-ACKs go to
    # the host's MAC and are dropped there, as a flood's would be.
    my_mac = bytes.fromhex(open(f"/sys/class/net/{dev}/address").read().strip().replace(":", ""))
    to_mac = bytes.fromhex(dst_mac.replace(":", ""))
    d = socket.inet_aton(dst)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((dev, 0))
    done = threading.Event()
    probes = [0, 0]

    def probe():
        while not done.is_set() and time.time() < end:
            probes[1] += 1
            try:
                st, _, _ = http_get(dst, "/", 5)
                probes[0] += st == 200
            except OSError:
                pass
            time.sleep(0.2)
    time.sleep(0.1)
    pt = threading.Thread(target=probe, daemon=True)
    sent = 0
    for i in range(count):
        if time.time() >= end:
            break
        if i == count // 20:
            pt.start()                  # the probe starts once the flood is on
        a = 1 + i % 65000
        frame = syn_frame(to_mac, my_mac, socket.inet_aton(f"10.99.{a >> 8}.{a & 255}"), d,
                          1024 + i % 60000, port, i * 7919)
        try:
            s.send(frame)
            sent += 1
        except OSError:
            time.sleep(0.001)
        if i % 50 == 49:
            time.sleep(0.02)
    done.set()
    if pt.is_alive() or pt.ident:
        pt.join(timeout=15)
    print(f"synflood sent {sent}, probes served {probes[0]}/{probes[1]} during the flood", flush=True)


def main():
    a = sys.argv[1:]
    if a[:1] == ["conc"] and len(a) == 5:
        conc(a[1], int(a[2]), int(a[3]), float(a[4]))
    elif a[:1] in (["echo"], ["download"]) and len(a) == 5:
        (echo if a[0] == "echo" else download)(a[1], int(a[2]), int(a[3]), float(a[4]))
    elif a[:1] == ["synflood"] and len(a) == 8:
        synflood(a[1], a[2], a[3], a[4], int(a[5]), int(a[6]), float(a[7]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
