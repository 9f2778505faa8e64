#!/usr/bin/env python3
"""The host's side of selftest=reconnect (run inside the test's network
namespace, so that the guest's peer is a real Linux TCP).

  reconnect_server.py ADDR PORT COUNT SECONDS

Accepts COUNT connections one after another on ADDR:PORT. On each it reads
one line and echoes it, then waits for the client's EOF before closing: the
client closes first, so its side ends in TIME_WAIT. Prints one line per
connection, "conn PEER_ADDR PEER_PORT LINE eof-first|no-eof", then
"done N". Every wait is bounded: each socket operation by a 10 s timeout,
the whole run by SECONDS.
"""
import socket
import sys
import time


def main():
    addr, port, count, secs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    deadline = time.time() + secs
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, port))
    ls.listen(8)
    print("listening", flush=True)
    done = 0
    for _ in range(count):
        left = deadline - time.time()
        if left <= 0:
            break
        ls.settimeout(left)
        try:
            c, peer = ls.accept()
        except socket.timeout:
            break
        c.settimeout(10)
        line, eof = b"", "no-eof"
        try:
            while not line.endswith(b"\n") and len(line) < 64:
                b = c.recv(64)
                if not b:
                    break
                line += b
            c.sendall(line)
            if c.recv(1) == b"":        # the client's FIN, before ours
                eof = "eof-first"
        except OSError as e:
            eof = f"error:{type(e).__name__}"
        finally:
            c.close()
        text = line.decode(errors="replace").strip().replace(" ", "_") or "-"
        print(f"conn {peer[0]} {peer[1]} {text} {eof}", flush=True)
        done += 1
    print(f"done {done}", flush=True)


if __name__ == "__main__":
    main()
