"""System cases for VMware's devices on QEMU's models: the vmxnet3 NIC
(vmw/vmxnet3.c) and the backdoor port (vmw/backdoor.c).

vmxnet3 gets what the e1000 family gets in cases.py, through the same
helpers: httpd with real curl (status page, keep-alive, protocol, 10 MiB
verified, 1000 sequential, 20x10 parallel, offload counters) on q35 and pc,
TCP/UDP echo, iperf 2 into the guest, a link flap through the QEMU monitor
during a download, and the `curl --local-port` reuse loop over a TAP.

iperf2way-* measures both directions over a TAP for vmxnet3, e1000 and
e1000e in the same run: host -> guest with `iperf -c`, then guest -> host
with the guest's iperf client (app=iperf iperf_to=TAP_HOST) against an
`iperf -s` in the namespace. The guest's client starts at boot, before any
host step could start the server, so the host step starts the server and
resets the guest through the monitor (-action reboot=reset: the harness's
-no-reboot would make a reset quit); the second boot sends to it.

The backdoor: QEMU's vmport (on by default on pc and q35) answers
GETVERSION (version 6, type 2), GETMEMSIZE (bytes) and GETUUID (-uuid);
GETHZ is "unsupported" under TCG, so the TSC is still calibrated. With
vmport=off nothing answers, and minnow must say so and boot on."""
import re
import shutil
import subprocess
import time

import qemu as _qemu
from qemu import Case
from cases import (READY, NO_PANIC, HTTPD_UP, ECHO_UP, IPERF_UP, IPERF_REPORT, TAP_IP,
                   REUSE_PORT, REUSE_ROUNDS, Reuse, curl_status, keep_alive, protocol, bytes_stream,
                   sequential, parallel, timed_checks, http_get, echo_checks, iperf_client, link_flap,
                   HP_PRE, HP_OPTS, HP_MAC)

VMX_ID = "15ad:07b0"
VMX_OFFLOAD = (r"^    csum offload tx-tcp rx-ip rx-tcp/udp: tx (\d+), rx ok (\d+), rx bad (\d+)\n"
               r"    tcp/udp checked in software (\d+)$")
CASES = []


def vmx_offload(port):
    """The device inserted TCP checksums (10 MiB alone is over 7000
    segments) and none received was bad; received ones were checked by the
    device or by lwIP (QEMU's vmxnet3 reports "not calculated" unless its
    backend hands it a checksum verdict)."""
    status, body, _ = http_get(port, "/")
    m = re.search(VMX_OFFLOAD, body.decode(errors="replace"), re.M)
    if status != 200 or not m:
        return f"offload: status {status}, no /{VMX_OFFLOAD}/ in the page"
    tx, rx_ok, bad, sw = (int(g) for g in m.groups())
    print(f"     offload vmxnet3: tx {tx}, rx verified by the device {rx_ok}, in software {sw}, bad {bad}",
          flush=True)
    if tx < 7000 or bad or rx_ok + sw < 3000:
        return f"offload: {m.group(0)!r}: want tx >= 7000, rx bad 0, rx checked >= 3000"
    return None


def vmx_httpd(name):
    def host(ports, log):
        port = ports["tcp:80"]
        return timed_checks(name, [
            ("curl", lambda: curl_status(port, [r"^minnow ", r"^hypervisor: QEMU TCG",
                                                rf"^  \S+ {VMX_ID} ethernet +vmxnet3",
                                                r"^  eth0 vmxnet3 \S+ vmxnet3 rev 1 msi-x .* link up 1000 Mb/s",
                                                r"^    rx \d+ packets"])),
            ("keep-alive", lambda: keep_alive(port)), ("protocol", lambda: protocol(port)),
            ("10 MiB", lambda: bytes_stream(port)), ("1000 sequential", lambda: sequential(port)),
            ("20x10 parallel", lambda: parallel(port)), ("offload", lambda: vmx_offload(port))])
    return host


# MSI-X: one vector each for rx, tx and events (vmw/vmxnet3.c, "Interrupts").
PROBE_LINE = r"^vmxnet3: \S+ mac 52:54:00:12:34:56, link up 1000 Mb/s, msi-x \(3 vectors\), eth0$"
for machine in ("q35", "pc"):
    CASES.append(Case(f"httpd-vmxnet3-{machine}", machine=machine, app="httpd", nic="vmxnet3",
                      hostfwd=["tcp:80"], host=vmx_httpd(f"httpd-vmxnet3-{machine}"), host_after=HTTPD_UP,
                      timeout=240, reject=NO_PANIC + [r"^vmxnet3: .*ignored", r"past the"],
                      expect=[PROBE_LINE, READY, r"net: eth0 10\.0\.2\.15/24 gw 10\.0\.2\.2 \(dhcp\)", HTTPD_UP]))
    CASES.append(Case(f"echo-vmxnet3-{machine}", machine=machine, app="echo", nic="vmxnet3",
                      hostfwd=["tcp:7", "udp:7"], host=echo_checks(f"echo-vmxnet3-{machine}"), host_after=ECHO_UP,
                      timeout=180, expect=[READY, ECHO_UP], reject=NO_PANIC))

CASES.append(Case("iperf-vmxnet3-q35", machine="q35", app="iperf", nic="vmxnet3", hostfwd=["tcp:5001"],
                  host=iperf_client("iperf-vmxnet3-q35"), monitor=True, host_after=IPERF_UP, timeout=90,
                  reject=NO_PANIC, expect=[READY, IPERF_UP, IPERF_REPORT]))
CASES.append(Case("linkflap-vmxnet3-q35", machine="q35", app="httpd", nic="vmxnet3", hostfwd=["tcp:80"],
                  host=link_flap("linkflap-vmxnet3-q35"), monitor=True, host_after=HTTPD_UP, timeout=120,
                  reject=NO_PANIC, expect=[READY, HTTPD_UP, r"^eth0: link down$", r"^eth0: link up"]))
# The fallback: QEMU's vmxnet3 has no property to turn MSI-X off, so the
# driver's vmxnet3.nomsix makes it take MSI, one vector shared by rx, tx
# and the link events of a flap during a download.
CASES.append(Case("linkflap-vmxnet3-nomsix-q35", machine="q35", app="httpd", nic="vmxnet3", hostfwd=["tcp:80"],
                  cmdline="vmxnet3.nomsix", host=link_flap("linkflap-vmxnet3-nomsix-q35"), monitor=True,
                  host_after=HTTPD_UP, timeout=120, reject=NO_PANIC + [r"^vmxnet3: .*msi-x"],
                  expect=[r"^vmxnet3: \S+ mac 52:54:00:12:34:56, link up 1000 Mb/s, msi, eth0$", READY, HTTPD_UP,
                          r"^eth0: link down$", r"^eth0: link up"]))

# Traced boot: the handshake, the shared area and the commands as the file
# header describes them (docs/vmware.md shows this trace).
CASES.append(Case("trace-vmxnet3-q35", machine="q35", app="httpd", nic="vmxnet3", hostfwd=["tcp:80"],
                  cmdline="trace=vmxnet3", host_after=HTTPD_UP, timeout=90, reject=NO_PANIC,
                  host=lambda ports, log: curl_status(ports["tcp:80"], [r"^minnow "]),
                  expect=[r"^vmxnet3: \S+ VRRS 0x00000001 UVRS 0x00000001: revision 1, UPT 1$",
                          r"^vmxnet3: \S+ DSAL/DSAH <- 0x[0-9a-f]+: shared area, .*, 3 vectors$",
                          r"^vmxnet3: \S+ CMD 0xcafe0000 -> 0x00000000$",
                          r"^vmxnet3: \S+ CMD 0xf00d0002 -> 0x03e80001$", PROBE_LINE,
                          r"^vmxnet3: \S+ tx\[0\] gen 1 len \d+ type 0800",
                          r"^vmxnet3: \S+ rx\[0\] comp\[0\] gen 1 len \d+ sop eop", HTTPD_UP]))


# --- Hot-unplug and plug again (pciehp): vmx_remove, then a fresh probe ------
def vmx_hotplug(name):
    """Two cycles of device_del / device_add under the QEMU monitor; after
    each plug DHCP again and 10 MiB verified (cases.hotplug_cycle does the
    same for the e1000 family, whose log lines it names)."""
    def host(ports, log, qemu):
        port, times = ports["tcp:80"], []
        for cycle in (1, 2):
            pos, t0 = len(qemu.log()), time.time()
            out = qemu.monitor("device_del nic1")
            if "rror" in out:
                return f"device_del nic1: {out.strip()[-200:]}"
            for rx in (r"^eth0: removed$", r"^vmxnet3: \S+ removed \(eth0\)$",
                       r"^pciehp: \S+ slot \d+: powered off$"):
                m = qemu.wait_log(rx, 20, pos)
                if not m:
                    return f"cycle {cycle}: no /{rx}/ within 20 s of device_del"
                pos = m.end()
            times.append(f"unplug {time.time() - t0:.1f} s")
            time.sleep(1)               # QEMU finishes the unplug after the power-off
            t1 = time.time()
            out = qemu.monitor(f"device_add vmxnet3{HP_OPTS},netdev=n0")
            if "rror" in out:
                return f"device_add: {out.strip()[-200:]}"
            for rx in (rf"^vmxnet3: \S+ mac {HP_MAC}, link up 1000 Mb/s, [^,]+, eth0$",
                       r"^net: eth0 10\.0\.2\.15/24 gw 10\.0\.2\.2 \(dhcp\)$"):
                m = qemu.wait_log(rx, 30, pos)
                if not m:
                    return f"cycle {cycle}: no /{rx}/ within 30 s of device_add"
                pos = m.end()
            times.append(f"plug + dhcp {time.time() - t1:.1f} s")
            end, err = time.time() + 20, None
            while True:
                err = curl_status(port, [r"eth0 vmxnet3"])
                if not err or time.time() > end:
                    break
                time.sleep(0.5)
            err = err or bytes_stream(port)
            if err:
                return f"cycle {cycle}: after device_add: {err}"
        print(f"     {name}: " + ", ".join(times), flush=True)
        return None
    return host


CASES.append(Case("hotplug-vmxnet3-q35", machine="q35", app="httpd", nic="vmxnet3", nic_opts=HP_OPTS,
                  nic_pre=HP_PRE, hostfwd=["tcp:80"], host=vmx_hotplug("hotplug-vmxnet3-q35"), monitor=True,
                  host_after=HTTPD_UP, timeout=180, reject=NO_PANIC + [r"unregister waits"],
                  expect=[READY, HTTPD_UP, r"^eth0: removed$", r"^net: eth0 attached \(dhcp\)$"]))


# --- TAP: curl --local-port reuse (the scenario of cases.py's portreuse-curl-*)
def vmx_port_reuse(name):
    """REUSE_ROUNDS requests from local port REUSE_PORT; minnow closes first
    and must reopen its TIME_WAIT on each SYN (see cases.curl_port_reuse,
    whose status-page regexes name the e1000 driver)."""
    def host(tap, log, qemu):
        r = Reuse(tap, (rf"^  eth0 vmxnet3 .* addr {re.escape(tap.guest)} link up",))
        if r.err:
            return r.err
        off = re.search(VMX_OFFLOAD, r.page, re.M)
        print(f"     {name}: {r.ok}/{REUSE_ROUNDS} curl --local-port {REUSE_PORT} ok in {r.secs:.1f} s, "
              f"minnow reopened TIME_WAIT {r.reopened} times; {off.group(0) if off else 'no offload line'}",
              flush=True)
        err = r.verdict()
        if err:
            return err
        # Over a TAP (with its virtio-net header) QEMU's vmxnet3 learns the
        # host's checksum state and reports its verdict: the device, not
        # lwIP, must have checked the received frames.
        if not off or int(off.group(2)) < REUSE_ROUNDS or int(off.group(3)):
            return f"rx checksum offload over the TAP: want rx ok >= {REUSE_ROUNDS}, bad 0: " \
                   f"{off.group(0) if off else r.page}"
        return None
    return host


CASES.append(Case("portreuse-curl-vmxnet3-q35", machine="q35", app="httpd", nic="vmxnet3", tap=True,
                  cmdline=TAP_IP, host=vmx_port_reuse("portreuse-curl-vmxnet3-q35"), host_after=HTTPD_UP,
                  timeout=180, reject=NO_PANIC,
                  expect=[READY, rf"net: eth0 {re.escape(_qemu.TAP_GUEST)}/24 .*\(static\)", HTTPD_UP]))


# --- iperf 2 both ways over a TAP, vmxnet3 beside e1000 and e1000e ------------
IPERF_CLIENT_RATE = r"\]\s+([\d.]+)-([\d.]+) sec\s+([\d.]+) KBytes\s+([\d.]+) Kbits/sec"
IPERF_SENT = r"^iperf: (\d+) bytes in (\d+) ms, (\d+) kbit/s \(from [\d.]+:5001\), client done$"


def iperf_two_way(name):
    def host(tap, log, qemu):
        if not shutil.which("iperf"):
            return "iperf not found: install Debian's iperf package (tools/deps.sh)"
        # Host -> guest: the host's iperf 2 client, 3 s.
        p = subprocess.run(tap.cmd(["iperf", "-c", tap.guest, "-t", "3", "-f", "k"]),
                           capture_output=True, text=True, timeout=40)
        m = re.search(IPERF_CLIENT_RATE, p.stdout)
        if p.returncode != 0 or not m or float(m.group(4)) <= 0:
            return f"iperf -c {tap.guest}: exit {p.returncode}:\n{p.stdout}{p.stderr}"
        k = qemu.wait_log(IPERF_REPORT, 15, pos=len(log))
        if not k:
            return "no kernel iperf report within 15 s of the client's end"
        into = float(m.group(4)) / 1000
        # Guest -> host: a server in the namespace, then a second boot sends to it.
        srv = subprocess.Popen(tap.cmd(["iperf", "-s", "-B", tap.host, "-p", "5001", "-f", "k"]),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            time.sleep(0.5)
            if srv.poll() is not None:
                return f"iperf -s on {tap.host}:5001 exited: {srv.stdout.read()}"
            pos = len(qemu.log())
            qemu.monitor("system_reset")
            s = qemu.wait_log(IPERF_SENT, 60, pos)
            if not s:
                return f"no 'client done' report from the guest's iperf client within 60 s of the reset:\n" \
                       f"{qemu.log()[pos:][-2000:]}"
            out = int(s.group(3)) / 1000
            if int(s.group(1)) <= 0 or out <= 0:
                return f"guest -> host: {s.group(0)!r}"
        finally:
            srv.kill()
            srv.wait()
        print(f"     {name}: iperf 2 host -> guest {into:.0f} Mbit/s (client), guest -> host {out:.0f} Mbit/s "
              f"(minnow's client, 10 s)", flush=True)
        return None
    return host


for model in ("vmxnet3", "e1000", "e1000e"):
    CASES.append(Case(f"iperf2way-{model}-q35", machine="q35", app="iperf", nic=model, tap=True, monitor=True,
                      cmdline=f"{TAP_IP} iperf_to={_qemu.TAP_HOST}", extra=["-action", "reboot=reset"],
                      host=iperf_two_way(f"iperf2way-{model}-q35"), host_after=IPERF_UP, timeout=180,
                      reject=NO_PANIC, expect=[READY, IPERF_UP, IPERF_REPORT]))


# --- The backdoor ---------------------------------------------------------------
UUID = "12345678-9abc-def0-1234-56789abcdef0"
CASES.append(Case("vmware-backdoor-vmport-on", machine="pc", memory="256M",
                  extra=["-machine", "vmport=on", "-uuid", UUID], reject=NO_PANIC, timeout=60,
                  expect=[r"^clock: TSC \d+ kHz \(\w+ calibration\)",
                          rf"^vmware: backdoor version 6 type 2 \(QEMU vmport\), memory 256 MiB \(mod 4 GiB\), "
                          rf"uuid {UUID}, tsc rate unknown$", READY]))
CASES.append(Case("vmware-backdoor-shell-q35", machine="q35", app="shell", debug_exit=False, exit_code=0,
                  timeout=90, reject=NO_PANIC,
                  interact=[(r"minnow> ", "vmware\r"), (r"tsc rate unknown\r?\n[\s\S]*?minnow> ", "poweroff\r")],
                  expect=[READY, r"vmware: backdoor version 6 type 2 \(QEMU vmport\), memory 128 MiB .*"
                          r"uuid 00000000-0000-0000-0000-000000000000", r"powering off"]))
CASES.append(Case("vmware-backdoor-vmport-off", machine="pc", extra=["-machine", "vmport=off"],
                  reject=NO_PANIC + [r"^vmware: backdoor version"], timeout=60,
                  expect=[r"^vmware: no backdoor under QEMU TCG$", READY]))
