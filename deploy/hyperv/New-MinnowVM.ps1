<#
.SYNOPSIS
Creates a Hyper-V VM (Generation 1 or 2) that boots build/minnow.iso, starts it
and copies its serial console (COM1) into a log file.

.DESCRIPTION
Run on a Windows host with the Hyper-V role and its PowerShell module, in an
elevated PowerShell (or as a member of "Hyper-V Administrators"):

  .\New-MinnowVM.ps1 -IsoPath C:\minnow\minnow.iso -Generation 2
  .\New-MinnowVM.ps1 -IsoPath C:\minnow\minnow.iso -Generation 1 -Name minnow-gen1
  .\New-MinnowVM.ps1 -IsoPath C:\minnow\minnow.iso -DataTarPath C:\minnow\site.tar

The VM gets:
  - 1 virtual processor, static memory (minnow does not use dynamic memory or
    the balloon), no checkpoints;
  - the ISO on a DVD drive: IDE 1:0 on Gen1 (BIOS boots it first), SCSI on
    Gen2 (first boot device);
  - Gen2: Secure Boot off (the ISO's GRUB is not signed);
  - COM1 on the named pipe \\.\pipe\<PipeName>, read by Read-MinnowSerial.ps1
    into <LogPath>;
  - a data disk on SCSI controller 0 (storvsc): -DataVhdPath; or, with
    -DataTarPath, a VHDX holding a ustar archive (tar --format=ustar -cf
    site.tar -C dir .) that minnow mounts at boot (blk/ustar.h); or a new
    empty 64 MiB dynamic VHDX;
  - a network adapter on -SwitchName ("Default Switch", the NAT switch of
    Windows 10/11 and Server with Hyper-V).
Remove it with Remove-MinnowVM.ps1.

Cmdlets and parameters as documented by Microsoft (Hyper-V module,
https://learn.microsoft.com/powershell/module/hyper-v/ : new-vm, set-vm,
set-vmcomport, get-vmdvddrive, add-vmdvddrive, set-vmdvddrive,
get-vmscsicontroller, add-vmscsicontroller, new-vhd, add-vmharddiskdrive,
set-vmfirmware, set-vmbios, start-vm, get-vm, convert-vhd). tests/check_hyperv_scripts.py
checks every cmdlet and parameter used here against that list (make test).
#>
param(
    [Parameter(Mandatory = $true)][string]$IsoPath,
    [ValidateSet(1, 2)][int]$Generation = 2,
    [string]$Name = "",
    [string]$VmPath = "",
    [string]$DataVhdPath = "",
    [string]$DataTarPath = "",
    [string]$SwitchName = "Default Switch",
    [long]$MemoryBytes = 256MB,
    [string]$PipeName = "",
    [string]$LogPath = "",
    [int]$LogSeconds = 120,
    [switch]$NoStart
)
$ErrorActionPreference = "Stop"

if ($Name -eq "") { $Name = "minnow-gen$Generation" }
if ($VmPath -eq "") { $VmPath = Join-Path -Path $HOME -ChildPath "minnow-vms" }
if ($PipeName -eq "") { $PipeName = "$Name-com1" }
if (-not (Test-Path -LiteralPath $IsoPath)) { throw "no ISO at $IsoPath (build it with make)" }
$IsoPath = (Resolve-Path -LiteralPath $IsoPath).Path
if (Get-VM -Name $Name -ErrorAction SilentlyContinue) {
    throw "a VM named $Name exists already: remove it with Remove-MinnowVM.ps1 -Name $Name"
}

if (-not (Test-Path -LiteralPath $VmPath)) { New-Item -ItemType Directory -Path $VmPath | Out-Null }
$VmPath = (Resolve-Path -LiteralPath $VmPath).Path     # .NET calls below need it absolute
if ($LogPath -eq "") { $LogPath = Join-Path -Path $VmPath -ChildPath "$Name-serial.log" }

# The VM, its network adapter on the switch; no disk yet (New-VM -NoVHD).
New-VM -Name $Name -Generation $Generation -MemoryStartupBytes $MemoryBytes -NoVHD `
    -SwitchName $SwitchName -Path $VmPath | Out-Null
Set-VM -Name $Name -ProcessorCount 1 -StaticMemory -CheckpointType Disabled

# COM1 on a named pipe: Hyper-V is the pipe's server, Read-MinnowSerial.ps1
# its client. minnow's console is COM1 (port 0x3F8) on both generations.
Set-VMComPort -VMName $Name -Number 1 -Path "\\.\pipe\$PipeName"

# The ISO. New-VM gives a Gen1 VM a DVD drive at IDE 1:0; a Gen2 VM has none
# (its DVD goes on the SCSI controller).
$dvd = Get-VMDvdDrive -VMName $Name
if ($dvd) {
    Set-VMDvdDrive -VMName $Name -ControllerNumber $dvd[0].ControllerNumber `
        -ControllerLocation $dvd[0].ControllerLocation -Path $IsoPath
} else {
    Add-VMDvdDrive -VMName $Name -Path $IsoPath
}

# The data disk on SCSI controller 0: a synthetic SCSI disk, storvsc's.
if (-not (Get-VMScsiController -VMName $Name)) { Add-VMScsiController -VMName $Name }
if ($DataTarPath -ne "") {
    # A fixed .vhd is the disk's bytes followed by a 512-byte footer
    # (Microsoft, "Virtual Hard Disk Image Format Specification" 1.0, "Fixed
    # hard disk image"): the archive goes at offset 0 of a fixed .vhd of its
    # size rounded up to 1 MiB (the rest reads as zeros, which ends a ustar
    # archive anyway), which Convert-VHD turns into a dynamic .vhdx.
    $tar = [System.IO.File]::ReadAllBytes((Resolve-Path -LiteralPath $DataTarPath).Path)
    $size = [long][math]::Max(1, [math]::Ceiling($tar.Length / 1MB)) * 1MB
    $fixed = Join-Path -Path $VmPath -ChildPath "$Name-data.vhd"
    $DataVhdPath = Join-Path -Path $VmPath -ChildPath "$Name-data.vhdx"
    if (Test-Path -LiteralPath $DataVhdPath) { throw "$DataVhdPath exists: remove it first" }
    New-VHD -Path $fixed -SizeBytes $size -Fixed | Out-Null
    $f = [System.IO.File]::OpenWrite($fixed)
    try { $f.Write($tar, 0, $tar.Length) } finally { $f.Close() }
    Convert-VHD -Path $fixed -DestinationPath $DataVhdPath -VHDType Dynamic -DeleteSource
} elseif ($DataVhdPath -eq "") {
    $DataVhdPath = Join-Path -Path $VmPath -ChildPath "$Name-data.vhdx"
    if (-not (Test-Path -LiteralPath $DataVhdPath)) {
        New-VHD -Path $DataVhdPath -SizeBytes 64MB -Dynamic | Out-Null
    }
}
Add-VMHardDiskDrive -VMName $Name -ControllerType SCSI -ControllerNumber 0 -Path $DataVhdPath

# Firmware: boot the DVD first.
if ($Generation -eq 2) {
    Set-VMFirmware -VMName $Name -EnableSecureBoot Off -FirstBootDevice (Get-VMDvdDrive -VMName $Name)
} else {
    Set-VMBios -VMName $Name -StartupOrder @("CD", "IDE", "LegacyNetworkAdapter", "Floppy")
}

Write-Host "created $Name (generation $Generation) in $VmPath; COM1 on \\.\pipe\$PipeName"
if ($NoStart) { return }
Start-VM -Name $Name
# The pipe exists once the VM runs, and what the VM sends before a client
# is connected is lost: the reader connects at once, retrying every 100 ms,
# while the firmware (one to a few seconds) runs. GRUB's timeout is 0.
& "$PSScriptRoot\Read-MinnowSerial.ps1" -PipeName $PipeName -LogPath $LogPath -Seconds $LogSeconds
