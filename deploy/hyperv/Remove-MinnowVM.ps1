<#
.SYNOPSIS
Turns off and deletes a VM made by New-MinnowVM.ps1; with -RemoveDisks also
its data disk if New-MinnowVM.ps1 created it.

.DESCRIPTION
  .\Remove-MinnowVM.ps1 -Name minnow-gen2
  .\Remove-MinnowVM.ps1 -Name minnow-gen1 -RemoveDisks

Remove-VM deletes the VM's configuration, never its virtual disks
(https://learn.microsoft.com/powershell/module/hyper-v/remove-vm); the data
disk is deleted only with -RemoveDisks and only when it is the one
New-MinnowVM.ps1 made (<VmPath>\<Name>-data.vhdx): a disk passed with
-DataVhdPath stays. Cmdlets: get-vm, stop-vm (-TurnOff: power off at once,
minnow has nothing to save), get-vmharddiskdrive, remove-vm.
#>
param(
    [Parameter(Mandatory = $true)][string]$Name,
    [switch]$RemoveDisks
)
$ErrorActionPreference = "Stop"

$vm = Get-VM -Name $Name -ErrorAction SilentlyContinue
if (-not $vm) {
    Write-Host "no VM named $Name"
    exit 0
}
if ($vm.State -ne "Off") { Stop-VM -Name $Name -TurnOff -Force }
$disks = @(Get-VMHardDiskDrive -VMName $Name | ForEach-Object { $_.Path })
Remove-VM -Name $Name -Force
Write-Host "removed $Name"
if ($RemoveDisks) {
    foreach ($d in $disks) {
        if ($d -and (Split-Path -Path $d -Leaf) -eq "$Name-data.vhdx" -and (Test-Path -LiteralPath $d)) {
            Remove-Item -LiteralPath $d -Force
            Write-Host "deleted $d"
        }
    }
}
