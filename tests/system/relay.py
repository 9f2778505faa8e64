"""A relay for QEMU's guestfwd=...-cmd:: the guest's TCP connection is this
process's stdin/stdout; it connects to 127.0.0.1:PORT (retrying for up to
10 s, so the server may start after the guest connects) and copies both
ways until either side closes. Usage: relay.py PORT"""
import os
import select
import socket
import sys
import time

port = int(sys.argv[1])
s = None
for _ in range(100):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        break
    except OSError:
        time.sleep(0.1)
if s is None:
    sys.exit(1)
fin, fout = sys.stdin.buffer.fileno(), sys.stdout.buffer.fileno()
open_in = True
while True:
    r, _, _ = select.select([fin, s] if open_in else [s], [], [], 60)
    if not r:
        break
    if fin in r:
        b = os.read(fin, 65536)
        if not b:
            open_in = False
            s.shutdown(socket.SHUT_WR)
        else:
            s.sendall(b)
    if s in r:
        b = s.recv(65536)
        if not b:
            break
        os.write(fout, b)
