#!/usr/bin/env python3
"""Slow clients against httpd, and a fresh client that must still be served
(run inside the test's network namespace).

  slowloris.py HOST CLIENTS INTERVAL SECONDS IDLE_CONNS

Phase 1: CLIENTS connections to HOST:80 each send a request header one byte
every INTERVAL seconds, and reconnect when the server closes, for SECONDS
seconds. Once they have had time to take every slot, a probe client sends a
whole request on a fresh connection and must get its answer before the
phase ends. Prints "probe answered in S s" (or "probe unanswered"), then
"slow: C connections, T timeouts (408)".

Phase 2: IDLE_CONNS keep-alive connections each make one request and then
stay idle, holding every slot; a probe on a fresh connection must be
answered at once (in far less than the server's idle timeout), because the
server closes idle connections oldest first to make room. Prints "idle
probe answered in S s" (or "idle probe unanswered") and "oldest idle
closed: yes|no".

Every socket operation has a timeout; every loop is bounded by SECONDS.
"""
import socket
import sys
import threading
import time

REQ = b"GET /bytes/16 HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 64 + b"\r\n\r\n"


def probe(host, timeout):
    """One request on a fresh connection: seconds to the full answer, or None."""
    t0 = time.time()
    try:
        s = socket.create_connection((host, 80), timeout=timeout)
        s.settimeout(max(0.1, timeout - (time.time() - t0)))
        s.sendall(b"GET /bytes/16 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        out = b""
        while time.time() - t0 < timeout:
            b = s.recv(4096)
            if not b:
                break
            out += b
        s.close()
    except OSError:
        return None
    if out.startswith(b"HTTP/1.1 200 ") and out.endswith(bytes(range(16))):
        return time.time() - t0
    return None


def slow_client(host, interval, end, stats, lock):
    while time.time() < end:
        try:
            s = socket.create_connection((host, 80), timeout=5)
        except OSError:
            time.sleep(0.2)
            continue
        with lock:
            stats["conns"] += 1
        try:
            for i in range(len(REQ)):
                if time.time() >= end:
                    break
                s.sendall(REQ[i:i + 1])
                time.sleep(interval)
                s.setblocking(False)
                try:
                    b = s.recv(4096)
                except BlockingIOError:
                    b = None
                s.setblocking(True)
                s.settimeout(5)
                if b is not None:
                    if b.startswith(b"HTTP/1.1 408 "):
                        with lock:
                            stats["408"] += 1
                    break               # answered or closed: start over
        except OSError:
            pass
        finally:
            s.close()


def phase_slow(host, clients, interval, seconds):
    end = time.time() + seconds
    stats, lock = {"conns": 0, "408": 0}, threading.Lock()
    ts = [threading.Thread(target=slow_client, args=(host, interval, end, stats, lock), daemon=True)
          for _ in range(clients)]
    for t in ts:
        t.start()
    time.sleep(min(3 * interval, seconds / 4))     # every slot taken by now
    secs = probe(host, max(1.0, end - time.time() - 1))
    print(f"probe answered in {secs:.1f} s" if secs is not None else "probe unanswered", flush=True)
    for t in ts:
        t.join(timeout=max(1.0, end - time.time() + 10))
    print(f"slow: {stats['conns']} connections, {stats['408']} timeouts (408)", flush=True)


def phase_idle(host, n):
    conns = []
    for _ in range(n):
        s = socket.create_connection((host, 80), timeout=10)
        s.sendall(b"GET /bytes/16 HTTP/1.1\r\nHost: x\r\n\r\n")
        got = b""
        while not got.endswith(bytes(range(16))):
            b = s.recv(4096)
            if not b:
                break
            got += b
        conns.append(s)
        time.sleep(0.01)                # distinct idle times, oldest first
    secs = probe(host, 10)
    print(f"idle probe answered in {secs:.1f} s" if secs is not None else "idle probe unanswered", flush=True)
    oldest = conns[0]
    oldest.settimeout(5)
    try:
        closed = oldest.recv(1) == b""
    except OSError as e:
        closed = not isinstance(e, socket.timeout)
    print(f"oldest idle closed: {'yes' if closed else 'no'}", flush=True)
    for s in conns:
        s.close()


def main():
    host, clients, interval, seconds, idle = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), \
        float(sys.argv[4]), int(sys.argv[5])
    phase_slow(host, clients, interval, seconds)
    if idle == 0:
        return
    time.sleep(12)                      # the last slow headers time out; slots come free
    phase_idle(host, idle)


if __name__ == "__main__":
    main()
