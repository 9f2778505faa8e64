#!/usr/bin/env python3
"""The .vmx files of deploy/vmware/ against the profile tests.

Usage: tools/check-vmx.py DIR [CASES_PY]   (default tests/system/cases_profiles.py)

Every DIR/*.vmx must be well-formed and name only hardware that a QEMU
profile case exercises:

  - each line is blank, a comment (#) or `key = "value"`; no key twice;
  - the keys every file needs are there (REQUIRED), with sane numbers
    (virtualHW.version >= 7, the first with vmxnet3 and PVSCSI; memsize a
    multiple of 4 MiB, as VMware requires; numvcpus >= 1); the serial port
    writes to a file, the ISO is on a CD-ROM (cdrom-image), EFI comes with
    Secure Boot off (GRUB's EFI image in the ISO is not signed);
  - every device switched on (`X.present = "TRUE"`) is of a kind the
    profiles run (ethernetN, scsiN and its disks, the CD-ROM's IDE/SATA
    slot, serial0, PCI bridges: VMware's pciBridgeN, which the profiles
    play with a pci-bridge or pcie-root-ports);
  - ethernetN.virtualDev, scsiN.virtualDev and firmware together are
    covered by one entry of PROFILES in CASES_PY (read as a literal, the
    module is not imported), and that entry is the first argument of a
    profile(...) case there. The file's "# covered by: NAME" comment must
    name the same profile.

Prints one line per file and exits 0, or prints each problem as
"FILE:LINE: what" and exits 1.
"""
import ast
import glob
import os
import re
import sys

REQUIRED = [".encoding", "config.version", "virtualHW.version", "guestOS", "displayName", "memsize",
            "numvcpus", "firmware", "serial0.present", "serial0.fileType", "serial0.fileName",
            "ethernet0.present", "ethernet0.virtualDev"]
LINE = re.compile(r'^([A-Za-z0-9_.:]+) = "([^"]*)"$')
# Kinds of device that may be present, by key prefix.
PRESENT_OK = re.compile(r"^(ethernet\d+|scsi\d+|scsi\d+:\d+|sata\d+|sata\d+:\d+|ide\d+:\d+|serial0|"
                        r"pciBridge\d+)$")
VIRTUALDEV = re.compile(r"^(ethernet\d+|scsi\d+|pciBridge\d+)\.virtualDev$")
BRIDGES = {"pcieRootPort"}
COVERED = re.compile(r"^#\s*covered by:\s*(\S+)\s*$", re.M)


def load_profiles(cases_py):
    """PROFILES from cases_py, and the names of its profile(...) cases."""
    tree = ast.parse(open(cases_py).read(), cases_py)
    profiles, cases = None, set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "PROFILES"
                                                for t in node.targets):
            profiles = ast.literal_eval(node.value)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "profile" \
                and node.args and isinstance(node.args[0], ast.Constant):
            cases.add(node.args[0].value)
    if not isinstance(profiles, dict):
        raise ValueError(f"{cases_py}: no PROFILES literal")
    return profiles, cases


def parse(path, errors):
    """{key: (value, line)}; malformed lines and repeated keys are errors."""
    keys = {}
    for n, raw in enumerate(open(path, errors="replace").read().splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = LINE.match(line)
        if not m:
            errors.append(f"{path}:{n}: not `key = \"value\"`: {raw!r}")
            continue
        k = m.group(1)
        if k.lower() in (x.lower() for x in keys):
            errors.append(f"{path}:{n}: {k} given twice")
            continue
        keys[k] = (m.group(2), n)
    return keys


def check_file(path, profiles, cases, errors):
    """Checks one .vmx; returns its profile's name or None."""
    before = len(errors)
    keys = parse(path, errors)
    val = {k: v for k, (v, _) in keys.items()}
    where = lambda k: f"{path}:{keys[k][1]}" if k in keys else path
    for k in REQUIRED:
        if k not in val:
            errors.append(f"{path}: {k} missing")
    if val.get("serial0.present", "").upper() != "TRUE" or val.get("serial0.fileType") != "file":
        errors.append(f"{path}: the serial port must be present and write to a file")
    cdroms = [k[:-len(".deviceType")] for k, v in val.items()
              if k.endswith(".deviceType") and v == "cdrom-image"]
    if not any(val.get(c + ".fileName", "").endswith(".iso") and val.get(c + ".present", "").upper() == "TRUE"
               for c in cdroms):
        errors.append(f"{path}: no CD-ROM (X.deviceType = \"cdrom-image\", present) with an .iso")
    for k, lo in (("virtualHW.version", 7), ("memsize", 4), ("numvcpus", 1)):
        v = val.get(k, "")
        if k in val and (not v.isdigit() or int(v) < lo):
            errors.append(f"{where(k)}: {k} \"{v}\": want a whole number >= {lo}")
    if val.get("memsize", "").isdigit() and int(val["memsize"]) % 4:
        errors.append(f"{where('memsize')}: memsize must be a multiple of 4 (MiB)")
    fw = val.get("firmware", "")
    if fw not in ("bios", "efi"):
        errors.append(f"{where('firmware')}: firmware \"{fw}\": want bios or efi")
    if fw == "efi" and val.get("uefi.secureBoot.enabled", "").upper() != "FALSE":
        errors.append(f"{path}: EFI needs uefi.secureBoot.enabled = \"FALSE\" (GRUB's image is unsigned)")
    nics, scsi = set(), set()
    for k, v in val.items():
        if k.endswith(".present") and v.upper() == "TRUE":
            dev = k[:-len(".present")]
            if not PRESENT_OK.match(dev):
                errors.append(f"{where(k)}: {dev}: no profile exercises this device")
        m = VIRTUALDEV.match(k)
        if m and val.get(m.group(1) + ".present", "").upper() == "TRUE":
            if m.group(1).startswith("ethernet"):
                nics.add(v)
            elif m.group(1).startswith("scsi"):
                scsi.add(v)
            elif v not in BRIDGES:
                errors.append(f"{where(k)}: bridge {v!r}: no profile exercises it")
        elif k.endswith(".virtualDev") and not m:
            errors.append(f"{where(k)}: {k}: no profile exercises this device")
    for k, v in val.items():
        m = re.match(r"^(scsi\d+):\d+\.present$", k)
        if m and v.upper() == "TRUE" and val.get(m.group(1) + ".present", "").upper() != "TRUE":
            errors.append(f"{where(k)}: a disk on {m.group(1)}, which is not present")
    known_nics = set().union(*(p["nics"] for p in profiles.values()))
    known_scsi = set().union(*(p["scsi"] for p in profiles.values()))
    for n in sorted(nics - known_nics):
        errors.append(f"{path}: ethernet virtualDev \"{n}\": no profile exercises it")
    for s in sorted(scsi - known_scsi):
        errors.append(f"{path}: scsi virtualDev \"{s}\": no profile exercises it")
    if len(errors) > before:
        return None
    fits = [name for name, p in profiles.items()
            if p["firmware"] == fw and nics <= set(p["nics"]) and scsi <= set(p["scsi"])]
    if not fits:
        errors.append(f"{path}: no profile has {fw} with NICs {sorted(nics)} and SCSI {sorted(scsi)}")
        return None
    # The most specific profile: the one with the fewest devices beyond the file's.
    name = min(fits, key=lambda f: len(profiles[f]["nics"]) + len(profiles[f]["scsi"]))
    if name not in cases:
        errors.append(f"{path}: profile {name} has no profile(\"{name}\", ...) case")
        return None
    said = COVERED.findall(open(path, errors="replace").read())
    if said != [name]:
        errors.append(f"{path}: says it is covered by {said or 'nothing'}, but its hardware is {name}'s")
        return None
    return name


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__.strip().splitlines()[2])
        return 2
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    cases_py = argv[2] if len(argv) == 3 else os.path.join(root, "tests", "system", "cases_profiles.py")
    profiles, cases = load_profiles(cases_py)
    files = sorted(glob.glob(os.path.join(argv[1], "*.vmx")))
    errors, lines = [], []
    if not files:
        errors.append(f"{argv[1]}: no .vmx files")
    for f in files:
        name = check_file(f, profiles, cases, errors)
        if name:
            lines.append(f"{f}: {name}")
    print("\n".join(errors or lines))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
