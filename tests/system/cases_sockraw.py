"""AF_INET sockets on lwIP's raw API (net/socket_inet.c): selftest=sockstream
over the loopback netif -- flow control, EOF after buffered data, EAGAIN from
MSG_DONTWAIT and SO_RCVTIMEO, MSG_PEEK, SO_ERROR, names, poll's timeout,
SO_LINGER 0 and a closed listener resetting (tests/selftest/socket_tcp.c)."""
from qemu import Case
from cases import READY, NO_PANIC

CASES = [
    Case("sockets-stream-e1000-q35", machine="q35", cmdline="selftest=sockstream", timeout=120,
         extra=["-nic", "none", "-netdev", "user,id=n0", "-device", "e1000,netdev=n0"],
         reject=NO_PANIC,
         expect=[READY, r"selftest: sockstream: flow control: ok",
                 r"selftest: sockstream: SO_LINGER 0 and a closed listener reset: ok",
                 r"selftest: sockstream passed"]),
]
