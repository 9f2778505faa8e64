#!/usr/bin/env python3
"""Receive buffers run short on purpose (run inside the test's network
namespace).

  rx_pressure.py HOST HOLDERS SENDERS BYTES SECONDS

HOLDERS connections to HOST:80 send the first line of a request and no
more, taking httpd's connection slots until its header deadline closes
them. SENDERS connections opened meanwhile wait in lwIP's accept queue,
where nobody reads what arrives for them, and each sends up to BYTES bytes
(a header that never ends): their receive windows together are larger than
minnow's receive buffers, so the stack must drop frames. Prints
"holders H, senders S, sent N bytes". Every socket has a timeout; the whole
run is bounded by SECONDS.
"""
import socket
import sys
import threading
import time


def main():
    host, holders, senders, nbytes, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
        int(sys.argv[4]), float(sys.argv[5])
    end = time.time() + seconds
    held = []
    for _ in range(holders):
        try:
            s = socket.create_connection((host, 80), timeout=5)
            s.sendall(b"GET / HTTP/1.1\r\n")
            held.append(s)
        except OSError:
            pass
    time.sleep(0.5)
    sent = [0] * senders

    def sender(k):
        try:
            s = socket.create_connection((host, 80), timeout=5)
            s.sendall(b"GET / HTTP/1.1\r\nX-Fill: ")
            chunk = b"a" * 65536
            while sent[k] < nbytes and time.time() < end:
                s.settimeout(max(0.1, min(5, end - time.time())))
                sent[k] += s.send(chunk)
        except OSError:
            pass
    ts = [threading.Thread(target=sender, args=(k,), daemon=True) for k in range(senders)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(timeout=max(1.0, end - time.time() + 6))
    for s in held:
        s.close()
    print(f"holders {len(held)}, senders {senders}, sent {sum(sent)} bytes", flush=True)


if __name__ == "__main__":
    main()
