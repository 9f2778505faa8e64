"""QEMU system test cases (see qemu.py for what a Case is).

Every case boots the real image under TCG and asserts on the serial log and
QEMU's exit status. READY is the machine-readable line every boot ends with.
"""
from qemu import Case

READY = r"^minnow: ready in \d+ us$"
NO_PANIC = [r"PANIC"]

CASES = [
    # --- every loader minnow supports -------------------------------------
    Case("boot-multiboot1-pc", boot="kernel", machine="pc",
         expect=[r"^boot: multiboot1", r"^mem: \d+ MiB usable", r"consoles: serial vga", READY],
         reject=NO_PANIC),
    Case("boot-multiboot1-q35", boot="kernel", machine="q35",
         expect=[r"^boot: multiboot1", READY], reject=NO_PANIC),
    Case("boot-iso-seabios-pc", boot="iso-bios", machine="pc", timeout=120,
         expect=[r"^boot: multiboot2 \(GRUB", r"consoles: serial vga", READY], reject=NO_PANIC),
    Case("boot-iso-ovmf-q35", boot="iso-uefi", machine="q35", timeout=240,
         expect=[r"^boot: multiboot2 \(GRUB", r"^console: framebuffer \d+x\d+x\d+ at 0x",
                 r"consoles: serial fb", READY],
         reject=NO_PANIC + [r"consoles: .*vga"]),
    Case("boot-multiboot1-microvm", boot="kernel", machine="microvm",
         expect=[r"^boot: multiboot1", r"^consoles: serial$", READY], reject=NO_PANIC),
    Case("boot-pvh-microvm", boot="pvh", machine="microvm",
         expect=[r"^boot: pvh", READY], reject=NO_PANIC),
    Case("boot-pvh-q35", boot="pvh", machine="q35",
         expect=[r"^boot: pvh", READY], reject=NO_PANIC),

    # --- memory sizes: tiny guests and RAM above 4 GiB ----------------------
    Case("mem-8m", memory="8M", expect=[r"^mem: \d+ MiB usable", READY], reject=NO_PANIC),
    Case("mem-6g-q35", machine="q35", memory="6G",
         expect=[r"^mem: (5[0-9]{3}|6[0-9]{3}) MiB usable", READY], reject=NO_PANIC),

    # --- command line -------------------------------------------------------
    Case("cmdline-errors", cmdline="bogus=1 loglevel=abc selftest",
         expect=[r"cmdline: unknown option 'bogus'", r"cmdline: loglevel=abc: not a number",
                 READY]),
    Case("cmdline-quiet", cmdline="loglevel=0",
         expect=[READY], reject=[r"^mem: ", r"^consoles: "]),
    Case("selftest-list", cmdline="selftest=list",
         expect=[READY] + [rf"(?s)(?=.*^  {t} )" for t in
                           ("pagefault", "nullderef", "nx", "wx", "stackoverflow", "divzero", "ud", "memory",
                            "threads", "threadoverflow", "mutexowner", "timer", "pci")]),
    Case("selftest-memory", cmdline="selftest=memory",
         expect=[READY, r"selftest: memory: free pages before (\d+), after \d+", r"selftest: memory passed"],
         reject=NO_PANIC),
    Case("selftest-memory-8m", cmdline="selftest=memory", memory="8M",
         expect=[READY, r"selftest: memory passed"], reject=NO_PANIC),
    Case("selftest-unknown", cmdline="selftest=nosuch",
         expect=[READY, r"selftest: nosuch is not a known test"], exit_code=35),
]

# --- protection self-tests: each must end in its panic report ---------------
PANIC_END = [r"^backtrace:", r"selftest_\w+\+0x", r"^minnow: halted after panic"]
FAULTS = {
    "pagefault": [r"^PANIC: page fault \(#PF, vector 14\)$",
                  r"cause: not-present page, read, kernel mode, address cr2=0x00007f0000000000"],
    "nullderef": [r"^PANIC: page fault \(#PF, vector 14\): null pointer dereference",
                  r"cause: not-present page, read, kernel mode, address cr2=0x0000000000000000"],
    "nx": [r"^PANIC: page fault \(#PF, vector 14\)$",
           r"cause: protection violation, instruction fetch, kernel mode"],
    "wx": [r"^PANIC: page fault \(#PF, vector 14\)$",
           r"cause: protection violation, write, kernel mode"],
    "stackoverflow": [r"^PANIC: stack overflow on stack 'boot' \(guard page hit at 0x"],
    "divzero": [r"^PANIC: divide error \(#DE, vector 0\)"],
    "ud": [r"^PANIC: invalid opcode \(#UD, vector 6\)"],
}
for name, lines in FAULTS.items():
    end = PANIC_END
    if name == "stackoverflow":
        end = [r"^backtrace:", r"recurse\+0x", r"^minnow: halted after panic"]
    CASES.append(Case(f"selftest-{name}", cmdline=f"selftest={name}", exit_code=35,
                      expect=[READY, rf"selftest: running {name}"] + lines + [r"rip=0x"] + end))

# The same protections under UEFI (GRUB EFI, OVMF): one fault is enough to
# show the page tables are the kernel's own there too.
CASES.append(Case("selftest-wx-ovmf", boot="iso-uefi", machine="q35", timeout=240,
                  cmdline="selftest=wx", exit_code=35,
                  expect=[READY, r"^PANIC: page fault", r"protection violation, write"]))

# --- platform layer (issue 3) -----------------------------------------------
PCI_DEVICES = ["-nic", "none", "-vga", "none", "-device", "e1000", "-device", "e1000e", "-device", "vmxnet3",
               "-device", "pvscsi", "-device", "vmware-svga"]
for machine in ("q35", "pc"):
    CASES.append(Case(f"selftest-pci-{machine}", machine=machine, cmdline="selftest=pci",
                      extra=PCI_DEVICES, reject=NO_PANIC,
                      expect=[READY] + [rf"(?s)(?=.*{dev})" for dev in
                                        (r"8086:100e", r"8086:10d3", r"15ad:07b0", r"15ad:07c0", r"15ad:0405")]
                      + [r"(?s)(?=.*8086:10d3[^\n]*\n(?:  [^\n]*\n)*?  caps:[^\n]*msix)",
                         r"(?s)(?=.*15ad:07b0[^\n]*\n(?:  [^\n]*\n)*?  caps:[^\n]*msix)",
                         r"(?s)(?=.*15ad:07c0[^\n]*\n(?:  [^\n]*\n)*?  caps:[^\n]*msi)",
                         r"(?s)(?=.*8086:100e[^\n]*\n(?:  [^\n]*\n)*?  bar0 mem32 0x[0-9a-f]+ size 0x20000)",
                         r"selftest: pci passed"]))

# Power off through ACPI: no isa-debug-exit device, QEMU must exit by itself (0).
for machine in ("pc", "q35", "microvm"):
    CASES.append(Case(f"poweroff-acpi-{machine}", machine=machine, debug_exit=False,
                      boot="pvh" if machine == "microvm" else "kernel",
                      cmdline="poweroff", exit_code=0, reject=NO_PANIC,
                      expect=[READY, r"minnow: powering off"]))

CASES += [
    Case("selftest-timer", cmdline="selftest=timer", timeout=90, reject=NO_PANIC,
         expect=[READY, r"selftest: timer: TSC \d+ kHz from ", r"sleep 100000000 ns took",
                 r"1.5 s by the TSC = [12] s by the RTC", r"selftest: timer passed"]),
    Case("selftest-threads", cmdline="selftest=threads", timeout=240, reject=NO_PANIC,
         expect=[READY, r"selftest: threads passed"]),
    Case("shell-pci-poweroff", machine="q35", app="shell", debug_exit=False, exit_code=0,
         extra=["-device", "e1000"], timeout=90, reject=NO_PANIC,
         interact=[(r"minnow> ", "pci\r"), (r"8086:100e[\s\S]*?minnow> ", "poweroff\r")],
         expect=[READY, r"minnow shell", r"8086:100e", r"powering off"]),
]

CASES += [
    Case("selftest-threadoverflow", cmdline="selftest=threadoverflow", exit_code=35,
         expect=[READY, r"^PANIC: stack overflow on stack 'overflower' \(guard page hit at 0x",
                 r"sched_trampoline\+0x", r"halted after panic"]),
    Case("selftest-mutexowner", cmdline="selftest=mutexowner", exit_code=35,
         expect=[READY, r"^PANIC: mutex 0x[0-9a-f]+: unlocked by 'main', which does not hold it \(owner: locker\)"]),
    Case("selftest-threads-8m", cmdline="selftest=threads", memory="8M", timeout=240, reject=NO_PANIC,
         expect=[READY, r"selftest: threads: churn: 5000 threads", r"selftest: threads passed"]),
]

# The shell from the PS/2 keyboard (typed through QEMU's monitor), on both
# chipsets' i8042s: shift, Ctrl-U (kill line) and Enter included.
for machine in ("pc", "q35"):
    CASES.append(Case(f"shell-keyboard-{machine}", machine=machine, app="shell", debug_exit=False,
                      exit_code=0, timeout=90, reject=NO_PANIC,
                      interact=[(r"minnow> ", "keys:x y z ctrl-u c p u ret"),
                                (r"hypervisor: QEMU TCG[\s\S]*?minnow> ", "keys:p o w e r o f f kp_enter")],
                      expect=[r"ps2kbd: i8042 keyboard on IRQ 1", r"minnow> xyz(\x08 \x08){3}cpu\r?$", r"hypervisor: QEMU TCG",
                              r"powering off"]))

# Reboot through the FADT reset register / 0xCF9: with -no-reboot QEMU exits
# (status 0) when the guest resets.
for machine in ("pc", "q35"):
    CASES.append(Case(f"shell-reboot-{machine}", machine=machine, app="shell", debug_exit=False,
                      exit_code=0, timeout=60, reject=NO_PANIC,
                      interact=[(r"minnow> ", "reboot\r")], expect=[r"rebooting"]))

# --- e1000 family against QEMU's device models (start of issue 4) ----------
# QEMU's user-mode network answers a hand-built DHCPDISCOVER with an offer;
# netburst wraps both rings several times, overflowing rx once on purpose.
for machine in ("pc", "q35"):
    for model in ("e1000", "e1000-82545em", "e1000e"):
        nic = ["-nic", "none", "-netdev", "user,id=n0", "-device", f"{model},netdev=n0"]
        mode = "msi-x" if model == "e1000e" else "intx"
        CASES.append(Case(f"net-dhcp-{model}-{machine}", machine=machine, cmdline="selftest=net",
                          extra=nic, reject=NO_PANIC, timeout=60,
                          expect=[rf"^e1000: \S+ \S+ mac 52:54:00:12:34:56, link up 1000 Mb/s, {mode}", READY,
                                  r"10\.0\.2\.15", r"selftest: net passed"]))
    CASES.append(Case(f"net-burst-e1000e-{machine}", machine=machine, cmdline="selftest=netburst",
                      extra=["-nic", "none", "-netdev", "user,id=n0", "-device", "e1000e,netdev=n0"],
                      reject=NO_PANIC, timeout=120, expect=[READY, r"selftest: netburst passed"]))

# lwIP on the e1000 family: DHCP from QEMU's user-mode network, then 1 MiB
# each way over a TCP loopback connection; and the static configuration.
for model, machine in (("e1000", "q35"), ("e1000e", "pc"), ("e1000-82545em", "pc")):
    CASES.append(Case(f"lwip-dhcp-{model}-{machine}", machine=machine, cmdline="selftest=dhcp", timeout=90,
                      extra=["-nic", "none", "-netdev", "user,id=n0", "-device", f"{model},netdev=n0"],
                      reject=NO_PANIC,
                      expect=[READY, r"net: eth0 10\.0\.2\.15/24 gw 10\.0\.2\.2 \(dhcp\)",
                              r"loopback TCP 2 x 1048576 bytes ok", r"selftest: dhcp passed"]))
CASES.append(Case("lwip-static-e1000-q35", machine="q35", cmdline="ip=10.0.2.20/24 gw=10.0.2.2 selftest=dhcp",
                  extra=["-nic", "none", "-netdev", "user,id=n0", "-device", "e1000,netdev=n0"],
                  reject=NO_PANIC, timeout=90,
                  expect=[r"net: eth0 10\.0\.2\.20/24 gw 10\.0\.2\.2 \(static\)", READY, r"selftest: dhcp passed"]))

CASES += [
    Case("app-list", app="list", expect=[READY, r"(?s)(?=.*^  none )(?=.*^  shell )"]),
    Case("app-unknown", app="nosuch", exit_code=35, expect=[READY, r"app: no app 'nosuch'"]),
]

# POSIX sockets over lwIP (loopback): TCP with poll, UDP, getaddrinfo, and
# Linux errno values (EBADF, EAFNOSUPPORT, ECONNREFUSED, EADDRINUSE, EAGAIN).
CASES.append(Case("sockets-loopback-e1000-q35", machine="q35", cmdline="selftest=sockets", timeout=120,
                  extra=["-nic", "none", "-netdev", "user,id=n0", "-device", "e1000,netdev=n0"],
                  reject=NO_PANIC, expect=[READY, r"selftest: sockets: ok", r"selftest: sockets passed"]))

# The TIME_WAIT regression: 100 connections in a row from one local port to
# a server that closes first (TIME_WAIT on the server side), all must work.
CASES.append(Case("sockets-portreuse-e1000-q35", machine="q35", cmdline="selftest=portreuse", timeout=120,
                  extra=["-nic", "none", "-netdev", "user,id=n0", "-device", "e1000,netdev=n0"],
                  reject=NO_PANIC,
                  expect=[READY, r"port reuse: 100/100 connections from port 40000 succeeded",
                          r"selftest: portreuse passed"]))
