#!/usr/bin/env python3
"""A light static check of the PowerShell scripts in deploy/hyperv/.

PowerShell (pwsh) is not installed on the build machine and there is no
Hyper-V here, so the scripts cannot be run or even parsed by PowerShell
itself. This is the check we can run: a small tokenizer for the subset of
PowerShell the scripts use (comments, both kinds of strings, backtick line
continuations, brackets, pipelines) finds every command, and then

  - every Verb-Noun command is in KNOWN, the Hyper-V and PowerShell
    cmdlets with the parameters Microsoft documents for them (the URL of
    each page is in the table), so a misspelt cmdlet or parameter fails;
  - parameters with a documented set of values (-EnableSecureBoot On/Off,
    -ControllerType IDE/SCSI, ...) have one of them when given literally;
  - a call of a sibling script (& "$PSScriptRoot\\X.ps1" -P ...) uses only
    parameters that X.ps1's param() block declares;
  - brackets and strings are balanced, and each script sets
    $ErrorActionPreference = "Stop" (so that a failing cmdlet ends it).

Parameter names must be spelt in full (PowerShell accepts unambiguous
prefixes; the scripts do not use them). Used by tests/run.py (checks tier,
"hyperv-scripts"), which also plants errors in copies of the scripts to see
each rule fire. Standalone: python3 tests/check_hyperv_scripts.py [dir];
exit 0 when clean."""
import os
import re
import sys

HV = "https://learn.microsoft.com/powershell/module/hyper-v/"
MS = "https://learn.microsoft.com/powershell/module/microsoft.powershell."
# Common parameters (about_CommonParameters) and the risk-mitigation pair.
COMMON = {"Verbose", "Debug", "ErrorAction", "WarningAction", "InformationAction", "ErrorVariable",
          "WarningVariable", "InformationVariable", "OutVariable", "OutBuffer", "PipelineVariable",
          "ProgressAction"}
RISK = {"WhatIf", "Confirm"}
REMOTE = {"CimSession", "ComputerName", "Credential"}

# cmdlet -> (documentation page, parameters, {parameter: documented values})
KNOWN = {
    "New-VM": (HV + "new-vm", REMOTE | RISK | {
        "Name", "MemoryStartupBytes", "BootDevice", "NoVHD", "SwitchName", "NewVHDPath", "NewVHDSizeBytes",
        "VHDPath", "Path", "Version", "Prerelease", "Experimental", "Generation", "Force", "AsJob",
        "GuestStateIsolationType"},
        {"Generation": {"1", "2"}, "BootDevice": {"Floppy", "CD", "IDE", "LegacyNetworkAdapter",
                                                  "NetworkAdapter", "VHD"}}),
    "Set-VM": (HV + "set-vm", REMOTE | RISK | {
        "Name", "VM", "GuestControlledCacheTypes", "LowMemoryMappedIoSpace", "HighMemoryMappedIoSpace",
        "ProcessorCount", "DynamicMemory", "StaticMemory", "MemoryMinimumBytes", "MemoryMaximumBytes",
        "MemoryStartupBytes", "AutomaticStartAction", "AutomaticStopAction", "AutomaticStartDelay",
        "AutomaticCriticalErrorAction", "AutomaticCriticalErrorActionTimeout", "AutomaticCheckpointsEnabled",
        "LockOnDisconnect", "Notes", "NewVMName", "SnapshotFileLocation", "SmartPagingFilePath",
        "CheckpointType", "Passthru", "AllowUnverifiedPaths"},
        {"CheckpointType": {"Disabled", "Production", "ProductionOnly", "Standard"},
         "AutomaticStopAction": {"TurnOff", "Save", "ShutDown"},
         "AutomaticStartAction": {"Nothing", "StartIfRunning", "Start"}}),
    "Get-VM": (HV + "get-vm", REMOTE | {"Name", "Id", "ClusterObject"}, {}),
    "Start-VM": (HV + "start-vm", REMOTE | RISK | {"Name", "VM", "AsJob", "Passthru"}, {}),
    "Stop-VM": (HV + "stop-vm", REMOTE | RISK | {"Name", "VM", "Save", "TurnOff", "Force", "AsJob", "Passthru"},
                {}),
    "Remove-VM": (HV + "remove-vm", REMOTE | RISK | {"Name", "VM", "Force", "AsJob", "Passthru"}, {}),
    "Set-VMComPort": (HV + "set-vmcomport", REMOTE | RISK | {
        "VMName", "VM", "VMComPort", "Number", "Path", "DebuggerMode", "Passthru"},
        {"Number": {"1", "2"}, "DebuggerMode": {"On", "Off"}}),
    "Get-VMDvdDrive": (HV + "get-vmdvddrive", REMOTE | {
        "VMName", "VM", "VMSnapshot", "VMDriveController", "ControllerLocation", "ControllerNumber"}, {}),
    "Add-VMDvdDrive": (HV + "add-vmdvddrive", REMOTE | RISK | {
        "VMName", "VM", "VMDriveController", "ControllerNumber", "ControllerLocation", "Path",
        "ResourcePoolName", "AllowUnverifiedPaths", "Passthru"}, {}),
    "Set-VMDvdDrive": (HV + "set-vmdvddrive", REMOTE | RISK | {
        "VMName", "VMDvdDrive", "ControllerNumber", "ControllerLocation", "ToControllerNumber",
        "ToControllerLocation", "Path", "ResourcePoolName", "AllowUnverifiedPaths", "Passthru"}, {}),
    "Get-VMScsiController": (HV + "get-vmscsicontroller", REMOTE | {
        "VMName", "VM", "VMSnapshot", "ControllerNumber"}, {}),
    "Add-VMScsiController": (HV + "add-vmscsicontroller", REMOTE | RISK | {"VMName", "VM", "Passthru"}, {}),
    "New-VHD": (HV + "new-vhd", REMOTE | RISK | {
        "Path", "SizeBytes", "Dynamic", "Fixed", "Differencing", "ParentPath", "SourceDisk", "BlockSizeBytes",
        "LogicalSectorSizeBytes", "PhysicalSectorSizeBytes", "AsJob"},
        {"LogicalSectorSizeBytes": {"512", "4096"}, "PhysicalSectorSizeBytes": {"512", "4096"}}),
    "Convert-VHD": (HV + "convert-vhd", REMOTE | RISK | {
        "Path", "DestinationPath", "VHDType", "ParentPath", "BlockSizeBytes", "DeleteSource", "AsJob",
        "Passthru", "AddressAbstractionType"},
        {"VHDType": {"Unknown", "Fixed", "Dynamic", "Differencing"}}),
    "Add-VMHardDiskDrive": (HV + "add-vmharddiskdrive", REMOTE | RISK | {
        "VMName", "VM", "VMDriveController", "ControllerType", "ControllerNumber", "ControllerLocation",
        "Path", "DiskNumber", "ResourcePoolName", "SupportPersistentReservations", "AllowUnverifiedPaths",
        "MaximumIOPS", "MinimumIOPS", "QoSPolicyID", "QoSPolicy", "Passthru", "OverrideCacheAttributes"},
        {"ControllerType": {"IDE", "SCSI"}}),
    "Get-VMHardDiskDrive": (HV + "get-vmharddiskdrive", REMOTE | {
        "VMName", "VM", "VMSnapshot", "VMDriveController", "ControllerLocation", "ControllerNumber",
        "ControllerType"}, {"ControllerType": {"IDE", "SCSI"}}),
    "Set-VMFirmware": (HV + "set-vmfirmware", REMOTE | RISK | {
        "VMName", "VM", "VMFirmware", "BootOrder", "FirstBootDevice", "EnableSecureBoot", "SecureBootTemplate",
        "SecureBootTemplateId", "PreferredNetworkBootProtocol", "ConsoleMode", "PauseAfterBootFailure",
        "Passthru"},
        {"EnableSecureBoot": {"On", "Off"}, "PauseAfterBootFailure": {"On", "Off"},
         "PreferredNetworkBootProtocol": {"IPv4", "IPv6"}, "ConsoleMode": {"Default", "COM1", "COM2", "None"}}),
    "Set-VMBios": (HV + "set-vmbios", REMOTE | RISK | {
        "VMName", "VM", "VMBios", "DisableNumLock", "EnableNumLock", "StartupOrder", "Passthru"},
        {"StartupOrder": {"CD", "IDE", "LegacyNetworkAdapter", "Floppy"}}),
    # PowerShell's own (Microsoft.PowerShell.Management / .Utility / .Core).
    "Test-Path": (MS + "management/test-path", {
        "Path", "LiteralPath", "Filter", "Include", "Exclude", "PathType", "IsValid", "Credential",
        "OlderThan", "NewerThan"}, {"PathType": {"Any", "Container", "Leaf"}}),
    "Resolve-Path": (MS + "management/resolve-path", {"Path", "LiteralPath", "Relative", "Credential"}, {}),
    "Join-Path": (MS + "management/join-path", {"Path", "ChildPath", "AdditionalChildPath", "Resolve",
                                                "Credential"}, {}),
    "Split-Path": (MS + "management/split-path", {"Path", "LiteralPath", "Parent", "Leaf", "LeafBase",
                                                  "Extension", "Qualifier", "NoQualifier", "IsAbsolute",
                                                  "Resolve", "Credential"}, {}),
    "New-Item": (MS + "management/new-item", RISK | {"Path", "Name", "ItemType", "Value", "Force",
                                                     "Credential"},
                 {"ItemType": {"File", "Directory", "SymbolicLink", "Junction", "HardLink"}}),
    "Remove-Item": (MS + "management/remove-item", RISK | {"Path", "LiteralPath", "Filter", "Include",
                                                           "Exclude", "Recurse", "Force", "Credential",
                                                           "Stream"}, {}),
    "Write-Host": (MS + "utility/write-host", {"Object", "NoNewline", "Separator", "ForegroundColor",
                                               "BackgroundColor"}, {}),
    "Write-Error": (MS + "utility/write-error", {"Message", "Exception", "ErrorRecord", "Category",
                                                 "ErrorId", "TargetObject", "RecommendedAction",
                                                 "CategoryActivity", "CategoryReason", "CategoryTargetName",
                                                 "CategoryTargetType"}, {}),
    "Start-Sleep": (MS + "utility/start-sleep", {"Seconds", "Milliseconds", "Duration"}, {}),
    "New-Object": (MS + "utility/new-object", {"TypeName", "ArgumentList", "Property", "ComObject",
                                               "Strict"}, {}),
    "Out-Null": (MS + "core/out-null", {"InputObject"}, {}),
    "ForEach-Object": (MS + "core/foreach-object", RISK | {"Process", "Begin", "End", "RemainingScripts",
                                                           "MemberName", "ArgumentList", "InputObject",
                                                           "Parallel", "ThrottleLimit", "TimeoutSeconds",
                                                           "AsJob", "UseNewRunspace"}, {}),
}
_KNOWN_CI = {k.lower(): k for k in KNOWN}
CMDLET = re.compile(r"^[A-Za-z]+-[A-Za-z]+$")
OPEN = {"(": ")", "{": "}", "[": "]", "@(": ")", "@{": "}", "$(": ")"}


def tokenize(text):
    """(kind, value, line) tokens: str, word, var, param, member, op, nl.
    Raises ValueError on an unterminated string or comment."""
    toks, i, line, n = [], 0, 1, len(text)
    while i < n:
        c = text[i]
        if text.startswith("<#", i):
            j = text.find("#>", i + 2)
            if j < 0:
                raise ValueError(f"line {line}: unterminated <# comment")
            line += text.count("\n", i, j)
            i = j + 2
        elif c == "#":
            while i < n and text[i] != "\n":
                i += 1
        elif c == "`" and i + 1 < n and text[i + 1] in "\r\n":
            i += 2 if text[i + 1] == "\n" else 3
            line += 1
        elif c == "\n":
            toks.append(("nl", "\n", line))
            line += 1
            i += 1
        elif c in " \t\r":
            i += 1
        elif c in "'\"":
            j, buf, start = i + 1, [], line
            while True:
                if j >= n:
                    raise ValueError(f"line {start}: unterminated string")
                if text[j] == c and text.startswith(c * 2, j):
                    buf.append(c)
                    j += 2
                elif text[j] == c:
                    break
                elif c == '"' and text[j] == "`" and j + 1 < n:
                    buf.append(text[j + 1])
                    j += 2
                else:
                    line += text[j] == "\n"
                    buf.append(text[j])
                    j += 1
            toks.append(("str", "".join(buf), start))
            i = j + 1
        elif text.startswith(("@(", "@{", "$("), i):
            toks.append(("op", text[i:i + 2], line))
            i += 2
        elif c == "$":
            m = re.compile(r"\$[\w:?]+").match(text, i)
            toks.append(("var", m.group(0) if m else "$", line))
            i = m.end() if m else i + 1
        elif c == "-" and i + 1 < n and text[i + 1].isalpha() and (not toks or text[i - 1] in " \t(\n"):
            m = re.compile(r"-([A-Za-z][\w]*)(:?)").match(text, i)
            toks.append(("param", m.group(1), line))
            i = m.end()
        elif c == "." and i + 1 < n and (text[i + 1].isalpha() or text[i + 1] == "_"):
            m = re.compile(r"\.\w+").match(text, i)
            toks.append(("member", m.group(0)[1:], line))
            i = m.end()
        elif c.isalnum() or c in "_\\.":
            m = re.compile(r"[\w\\.:-]+").match(text, i)
            w = m.group(0)
            if "::" in w:           # [Type]::Member: the word is the member
                w = w.split("::")[-1]
            toks.append(("word", w, line))
            i = m.end()
        elif text.startswith("::", i):
            toks.append(("op", "::", line))
            i += 2
        else:
            toks.append(("op", c, line))
            i += 1
    return toks


class Parser:
    """Finds commands and their parameters. A command is a Verb-Noun word,
    or `& "<...>X.ps1"`, at the start of a statement or after = or |; its
    arguments run to the end of the statement at its bracket depth."""

    def __init__(self, toks):
        self.toks, self.i, self.calls = toks, 0, []   # calls: (name, line, [(param, [values])])

    def block(self, closer):
        cmd, at_start = None, True
        while self.i < len(self.toks):
            kind, val, line = self.toks[self.i]
            self.i += 1
            if kind == "nl" or (kind == "op" and val in ";"):
                cmd, at_start = None, True
                continue
            if kind == "op" and val in ("|", "="):
                cmd, at_start = None, True
                continue
            if kind == "op" and val == closer:
                return
            if kind == "op" and val in (")", "}", "]"):
                raise ValueError(f"line {line}: unexpected '{val}'" +
                                 (f" (expected '{closer}')" if closer else ""))
            if at_start:
                at_start = False
                if kind == "word" and CMDLET.match(val):
                    cmd = (val, line, [])
                    self.calls.append(cmd)
                    continue
                if kind == "op" and val == "&" and self.i < len(self.toks) and self.toks[self.i][0] == "str":
                    target = self.toks[self.i][1].replace("/", "\\").split("\\")[-1]
                    self.i += 1
                    cmd = (target, line, [])
                    self.calls.append(cmd)
                    continue
            if kind == "op" and val in OPEN:
                self.block(OPEN[val])
                continue
            if kind == "param" and cmd:
                cmd[2].append((val, self.values()))
        if closer:
            raise ValueError(f"end of file: '{closer}' missing")

    def values(self):
        """The literal value(s) after a parameter: a word, a string, or the
        strings/words of an @( ) list. Variables and expressions: none."""
        if self.i >= len(self.toks):
            return []
        kind, val, _ = self.toks[self.i]
        if kind in ("word", "str"):
            return [val]
        if kind == "op" and val == "@(":
            out, j = [], self.i + 1
            while j < len(self.toks) and self.toks[j][1] != ")":
                if self.toks[j][0] in ("word", "str"):
                    out.append(self.toks[j][1])
                j += 1
            return out
        return []


def script_params(toks):
    """The names declared by the script's param( ) block."""
    for k, (kind, val, _) in enumerate(toks):
        if kind == "word" and val.lower() == "param" and k + 1 < len(toks) and toks[k + 1][1] == "(":
            depth, names, j = 0, [], k + 1
            while j < len(toks):
                kd, v, _ = toks[j]
                if kd == "op" and v in OPEN:
                    depth += 1
                elif kd == "op" and v in (")", "}", "]"):
                    depth -= 1
                    if depth == 0:
                        break
                elif kd == "var" and depth == 1:
                    names.append(v[1:])
                j += 1
            return names
        if kind not in ("nl",):
            break
    return []


def validate_dir(d):
    """Errors (strings) for every .ps1 in d."""
    errs, parsed, params = [], {}, {}
    scripts = sorted(f for f in os.listdir(d) if f.lower().endswith(".ps1"))
    if not scripts:
        return [f"{d}: no .ps1 scripts"]
    for f in scripts:
        text = open(os.path.join(d, f), encoding="utf-8").read()
        try:
            toks = tokenize(text)
            p = Parser(toks)
            p.block(None)
        except ValueError as e:
            errs.append(f"{f}: {e}")
            params[f.lower()] = None        # reported; calls into it are not checked
            continue
        parsed[f], params[f.lower()] = p.calls, script_params(toks)
        if not re.search(r'^\$ErrorActionPreference\s*=\s*"Stop"', text, re.M):
            errs.append(f'{f}: does not set $ErrorActionPreference = "Stop"')
    for f, calls in parsed.items():
        for name, line, args in calls:
            if name.lower().endswith(".ps1"):
                if name.lower() not in params:
                    errs.append(f"{f}:{line}: calls {name}, which is not in {d}")
                if params.get(name.lower()) is None:
                    continue
                known = {x.lower() for x in params[name.lower()]}
                for a, _ in args:
                    if a.lower() not in known:
                        errs.append(f"{f}:{line}: {name} has no parameter -{a}")
                continue
            real = _KNOWN_CI.get(name.lower())
            if not real:
                errs.append(f"{f}:{line}: unknown cmdlet {name}")
                continue
            url, allowed, enums = KNOWN[real]
            allowed_ci = {x.lower(): x for x in allowed | COMMON}
            for a, vals in args:
                pname = allowed_ci.get(a.lower())
                if not pname:
                    errs.append(f"{f}:{line}: {real} has no parameter -{a} ({url})")
                elif pname in enums:
                    ok = {v.lower() for v in enums[pname]}
                    for v in vals:
                        if v.lower() not in ok:
                            errs.append(f"{f}:{line}: {real} -{pname} {v}: not one of "
                                        f"{', '.join(sorted(enums[pname]))} ({url})")
    return errs


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))), "deploy", "hyperv")
    errs = validate_dir(d)
    for e in errs:
        print(e)
    print(f"{d}: {'ok' if not errs else f'{len(errs)} error(s)'}")
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
