#!/usr/bin/env python3
"""One minnow boot with the first-answer poller, for docs/boot-time.md's
traces: the serial lines stamped with seconds since launch, every frame
between slirp and the NIC in a pcap (QEMU's filter-dump), decoded with
tcpdump when it is installed.

    python3 tools/bench/trace_first_answer.py --nic e1000 \\
        --cmdline "trace=e1000 ip=10.0.2.15/24 gw=10.0.2.2" --pcap build/bench/e1000.pcap
"""
import argparse
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guest as G                                   # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nic", default="e1000")
    ap.add_argument("--machine", default="q35")
    ap.add_argument("--cmdline", default="trace=e1000")
    ap.add_argument("--pcap")
    ap.add_argument("--attempt-timeout", type=float, default=0.2)
    a = ap.parse_args()
    port = G.free_port()
    args = [G.QEMU, "-accel", "tcg", "-M", a.machine, "-m", "256M", "-display", "none", "-serial", "stdio",
            "-monitor", "none", "-no-reboot", "-kernel", os.path.join(ROOT, "build", "minnow.elf"),
            "-append", f"app=httpd {a.cmdline}"] + G.nic_args(a.nic, [(port, 80)], a.pcap)
    g = G.Guest(args)
    ready = g.wait_line(r"^minnow: ready", 30)
    answer = G.first_answer(g, port, 30, attempt_timeout=a.attempt_timeout) if ready else None
    time.sleep(0.3)
    g.stop()
    print(g.text())
    print(f"ready {ready[0]:.4f} s, first answer {answer:.4f} s" if ready and answer else "no answer")
    if a.pcap and shutil.which("tcpdump"):
        print(subprocess.run(["tcpdump", "-nn", "-tt", "-r", a.pcap], capture_output=True, text=True).stdout)


if __name__ == "__main__":
    main()
