#!/usr/bin/env python3
"""Validates deploy/firecracker/vm-config.json (or the files given) against
Firecracker's documented configuration schema, for `firecracker
--config-file`.

The facts are Firecracker's own: the API description
src/firecracker/swagger/firecracker.yaml (firecracker-microvm/firecracker,
definitions FullVmConfiguration, BootSource, Drive, NetworkInterface, Vsock,
MachineConfiguration), encoded below: each section's fields, their JSON
types, the required ones, and the documented ranges and enums. Unknown
fields are refused as Firecracker itself refuses them (its config structs
are deserialized with serde's deny_unknown_fields, e.g.
src/vmm/src/vmm_config/boot_source.rs), not only what the swagger says.
Firecracker is not installable here, so this is the check we can run.

Used by tests/run.py (checks tier, "firecracker-config"), which also plants
violations to see each rule fire. Standalone: python3
tests/check_firecracker_config.py [file.json ...]; exit 0 when valid."""
import json
import os
import re
import sys

STR, INT, BOOL = "string", "integer", "boolean"

# The config file's sections (FullVmConfiguration): name -> (definition,
# is an array). Only the ones minnow's config uses or may use are described;
# the others are refused so that a typo cannot pass.
RATE_LIMITER = {"type": "object"}   # RateLimiter: bandwidth/ops token buckets (not checked deeper)
SCHEMA = {
    # BootSource: required kernel_image_path.
    "boot-source": ({"required": ["kernel_image_path"],
                     "props": {"kernel_image_path": STR, "boot_args": STR, "initrd_path": STR}}, False),
    # Drive: required drive_id, is_root_device; is_read_only and path_on_host
    # "required for virtio-block config" (the swagger's descriptions).
    "drives": ({"required": ["drive_id", "is_root_device", "is_read_only", "path_on_host"],
                "props": {"drive_id": STR, "partuuid": STR, "is_root_device": BOOL, "cache_type": STR,
                          "is_read_only": BOOL, "path_on_host": STR, "rate_limiter": RATE_LIMITER,
                          "io_engine": STR, "socket": STR},
                "enums": {"cache_type": ["Unsafe", "Writeback"], "io_engine": ["Sync", "Async"]}}, True),
    # NetworkInterface: required host_dev_name, iface_id.
    "network-interfaces": ({"required": ["host_dev_name", "iface_id"],
                            "props": {"guest_mac": STR, "host_dev_name": STR, "iface_id": STR,
                                      "rx_rate_limiter": RATE_LIMITER, "tx_rate_limiter": RATE_LIMITER}}, True),
    # Vsock: required guest_cid (minimum 3), uds_path; vsock_id deprecated.
    "vsock": ({"required": ["guest_cid", "uds_path"],
               "props": {"guest_cid": INT, "uds_path": STR, "vsock_id": STR},
               "min": {"guest_cid": 3}}, False),
    # MachineConfiguration: required mem_size_mib, vcpu_count (1..32).
    "machine-config": ({"required": ["mem_size_mib", "vcpu_count"],
                        "props": {"cpu_template": STR, "smt": BOOL, "mem_size_mib": INT,
                                  "track_dirty_pages": BOOL, "vcpu_count": INT, "huge_pages": STR},
                        "min": {"vcpu_count": 1, "mem_size_mib": 1}, "max": {"vcpu_count": 32},
                        "enums": {"huge_pages": ["None", "2M"],
                                  "cpu_template": ["C3", "T2", "T2S", "T2CL", "T2A", "V1N1", "None"]}}, False),
}
# Sections of FullVmConfiguration this check knows by name but does not describe.
OTHER_SECTIONS = {"balloon", "logger", "metrics", "mmds-config"}

MAC = re.compile(r"^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$")


def type_ok(v, t):
    if isinstance(t, dict):
        return isinstance(v, dict)
    if t == STR:
        return isinstance(v, str)
    if t == BOOL:
        return isinstance(v, bool)
    return isinstance(v, int) and not isinstance(v, bool)


def check_object(where, obj, d):
    errs = []
    if not isinstance(obj, dict):
        return [f"{where}: not an object"]
    for k in d["required"]:
        if k not in obj:
            errs.append(f"{where}: missing required field '{k}'")
    for k, v in obj.items():
        t = d["props"].get(k)
        if t is None:
            errs.append(f"{where}: unknown field '{k}'")
        elif not type_ok(v, t):
            errs.append(f"{where}.{k}: expected {t if isinstance(t, str) else 'object'}, got {type(v).__name__}")
        else:
            if k in d.get("min", {}) and v < d["min"][k]:
                errs.append(f"{where}.{k}: {v} below the minimum {d['min'][k]}")
            if k in d.get("max", {}) and v > d["max"][k]:
                errs.append(f"{where}.{k}: {v} above the maximum {d['max'][k]}")
            if k in d.get("enums", {}) and v not in d["enums"][k]:
                errs.append(f"{where}.{k}: '{v}' not one of {d['enums'][k]}")
    return errs


def validate(cfg):
    """Returns the list of problems of a parsed config (empty: valid)."""
    if not isinstance(cfg, dict):
        return ["the config is not a JSON object"]
    errs = []
    for name in ("boot-source", "machine-config"):
        if name not in cfg:
            errs.append(f"missing section '{name}'")
    for name, val in cfg.items():
        if name in OTHER_SECTIONS:
            continue
        if name not in SCHEMA:
            errs.append(f"unknown section '{name}'")
            continue
        d, is_array = SCHEMA[name]
        if is_array:
            if not isinstance(val, list):
                errs.append(f"{name}: expected an array")
                continue
            ids = set()
            for i, item in enumerate(val):
                errs += check_object(f"{name}[{i}]", item, d)
                key = "drive_id" if name == "drives" else "iface_id"
                if isinstance(item, dict) and item.get(key) in ids:
                    errs.append(f"{name}[{i}]: duplicate {key} '{item.get(key)}'")
                if isinstance(item, dict):
                    ids.add(item.get(key))
                mac = item.get("guest_mac") if isinstance(item, dict) else None
                if isinstance(mac, str) and not MAC.match(mac):
                    errs.append(f"{name}[{i}].guest_mac: '{mac}' is not a MAC address")
        else:
            errs += check_object(name, val, d)
    drives = cfg.get("drives", [])
    if isinstance(drives, list) and sum(1 for x in drives if isinstance(x, dict) and x.get("is_root_device")) > 1:
        errs.append("drives: more than one root device")
    return errs


def validate_file(path):
    try:
        with open(path) as f:
            cfg = json.load(f)
    except (OSError, ValueError) as e:
        return [f"{path}: {e}"]
    return [f"{path}: {e}" for e in validate(cfg)]


def main(argv):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    files = argv[1:] or [os.path.join(root, "deploy", "firecracker", "vm-config.json")]
    errs = [e for f in files for e in validate_file(f)]
    for e in errs:
        print(e)
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
