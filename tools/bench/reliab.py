"""The bench's reliability section: the load and abuse of the reliability
tier (tests/system/cases_reliability.py) against minnow and against the
Debian Linux guest, on the same QEMU machine and NIC, over a TAP device in
a network namespace of its own (tests/system/qemu.py's TapNet; this needs
root, and is skipped without it). The clients are tests/system/load.py
and tests/system/slowloris.py, run inside the namespace. Figures are what
was served; nothing is asserted here (the tier asserts minnow's side).

    run(bench, have_linux, quick) -> {guest: {case: text}} or {"skipped": why}
"""
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SYSTEM = os.path.join(ROOT, "tests", "system")
sys.path.insert(0, SYSTEM)
import qemu as Q                                    # noqa: E402
import guest as G                                   # noqa: E402

LOAD = os.path.join(SYSTEM, "load.py")
SLOWLORIS = os.path.join(SYSTEM, "slowloris.py")
GUEST_MAC = "52:54:00:12:34:56"
NIC = "e1000"
MEM = "256M"

# (name, what it does, load.py or slowloris.py arguments after the guest
# address; "DEV"/"HOST" are filled in), the same bounds as the tier.
CASES = [
    ("concurrency", "1,000 GET / at 250 at once, new connection each", ["conc", "250", "1000", "150"]),
    ("downloads", "32 parallel GET of 4 MiB, checked", ["download", "32", str(4 << 20), "240"]),
    ("slowloris", "200 clients sending a header byte every 2 s; a fresh probe", ["slow", "200", "2", "24", "0"]),
    ("synflood", "20,000 spoofed SYNs at 2,500/s; a probe every 0.2 s",
     ["synflood", "DEV", "HOST", "GUEST", GUEST_MAC, "80", "20000", "60"]),
]


def client(tap, args, timeout):
    if args[0] == "slow":
        cmd = [sys.executable, SLOWLORIS, tap.guest] + args[1:]
    elif args[0] == "synflood":
        fill = {"DEV": tap.dev, "HOST": tap.host, "GUEST": tap.guest}
        cmd = [sys.executable, LOAD] + [fill.get(x, x) for x in args]
    else:
        cmd = [sys.executable, LOAD, args[0], tap.guest] + args[1:]
    try:
        p = subprocess.run(tap.cmd(cmd), capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "client timed out"
    return " / ".join(p.stdout.strip().splitlines()) or f"exit {p.returncode}: {p.stderr.strip()[-200:]}"


def boot(bench, kind, tap):
    """The guest on the TAP, static address: (Guest, ready match) ."""
    if kind == "minnow":
        kernel = ["-kernel", os.path.join(ROOT, "build", "minnow.elf"),
                  "-append", f"app=httpd ip={tap.guest}/24 gw={tap.host}"]
        ready = r"^httpd: listening"
    else:
        lb = os.path.join(bench.out, "linux")
        kernel = ["-kernel", os.path.join(lb, "vmlinuz"), "-initrd", os.path.join(lb, "initrd.img"),
                  "-append", f"console=ttyS0 quiet panic=-1 bench_ip={tap.guest}/24 bench_gw={tap.host}"]
        ready = r"^linux: net up"
    args = [G.QEMU, "-accel", "tcg", "-M", "q35", "-m", MEM, "-display", "none", "-serial", "stdio",
            "-monitor", "none", "-no-reboot"] + kernel + \
        ["-nic", "none", "-netdev", f"tap,id=n0,ifname={tap.dev},script=no,downscript=no",
         "-device", f"{NIC},netdev=n0"]
    g = G.Guest(tap.cmd(args), bench.logpath(f"reliab-{kind}"))
    return g, g.wait_line(ready, 120)


def run(bench, have_linux, quick):
    if os.geteuid() != 0:
        return {"skipped": "needs root (a network namespace and a TAP device)"}
    res = {}
    for kind in ["minnow"] + (["linux"] if have_linux else []):
        res[kind] = {}
        for name, _, args in CASES:
            if quick and name in ("downloads", "slowloris"):
                continue
            tap = Q.TapNet()
            err = tap.setup()
            if err:
                return {"skipped": err}
            try:
                g, up = boot(bench, kind, tap)
                try:
                    res[kind][name] = client(tap, args, 300) if up else "guest did not come up"
                finally:
                    g.stop()
            finally:
                tap.cleanup()
    return res


def report(w, res):
    w("## Reliability under load (over TAP, q35, e1000, static addresses, -m 256M)\n")
    if "skipped" in res:
        w(f"Skipped: {res['skipped']}.\n")
        return
    w("The reliability tier's load (tests/system/cases_reliability.py, docs/net.md \"Reliability under "
      "load\") against minnow's httpd and the Linux guest's busybox httpd, one fresh guest per case. "
      "Linux serves /bytes/4194304 as a file of the same pattern. What was served, as the clients report it:\n")
    kinds = list(res)
    w("| case | load | " + " | ".join(kinds) + " |")
    w("|---|---|" + "---|" * len(kinds))
    for name, what, _ in CASES:
        cells = [res[k].get(name, "not run (bench-quick)") for k in kinds]
        w(f"| {name} | {what} | " + " | ".join(re.sub(r"\s*\|\s*", " ", c) for c in cells) + " |")
    w("")
