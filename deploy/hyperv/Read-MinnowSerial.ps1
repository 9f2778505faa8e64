<#
.SYNOPSIS
Copies a Hyper-V VM's COM port, set to a named pipe by Set-VMComPort, into a
log file and onto the console.

.DESCRIPTION
  .\Read-MinnowSerial.ps1 -PipeName minnow-gen2-com1 -LogPath gen2.log -Seconds 120
  .\Read-MinnowSerial.ps1 -PipeName minnow-gen2-com1 -LogPath gen2.log -Until '^minnow: ready in \d+ us'

Hyper-V is the pipe's server once the VM runs; this is a client
(System.IO.Pipes.NamedPipeClientStream, .NET: Connect(Int32) waits up to a
timeout for the server; ReadAsync returns 0 at the end of the stream,
https://learn.microsoft.com/dotnet/api/system.io.pipes.namedpipeclientstream).
It retries connecting every 100 ms, then copies bytes as they come until the
VM closes the pipe (it is turned off), -Seconds pass, or the text read so far
matches -Until. Every loop is bounded by -Seconds. Exit status 0 when -Until
matched or was not given, 1 otherwise.
#>
param(
    [Parameter(Mandatory = $true)][string]$PipeName,
    [Parameter(Mandatory = $true)][string]$LogPath,
    [int]$Seconds = 120,
    [string]$Until = ""
)
$ErrorActionPreference = "Stop"

$deadline = [DateTime]::UtcNow.AddSeconds($Seconds)
$pipe = New-Object -TypeName System.IO.Pipes.NamedPipeClientStream -ArgumentList @(
    ".", $PipeName, [System.IO.Pipes.PipeDirection]::InOut)
while (-not $pipe.IsConnected -and [DateTime]::UtcNow -lt $deadline) {
    # No pipe yet: Connect waits 100 ms and throws TimeoutException (wrapped by
    # PowerShell); any other failure is retried too, until the deadline.
    try { $pipe.Connect(100) } catch { Start-Sleep -Milliseconds 100 }
}
if (-not $pipe.IsConnected) {
    Write-Error "no pipe \\.\pipe\$PipeName within $Seconds s (is the VM running, COM1 set by Set-VMComPort?)" -ErrorAction Continue
    exit 1
}

# Relative to PowerShell's location, not the process's (which .NET would use).
$LogPath = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($LogPath)
$dir = Split-Path -Path $LogPath -Parent
if ($dir -and -not (Test-Path -LiteralPath $dir)) { New-Item -ItemType Directory -Path $dir | Out-Null }
$log = [System.IO.File]::Open($LogPath, [System.IO.FileMode]::Create, [System.IO.FileAccess]::Write)
$buf = New-Object -TypeName byte[] -ArgumentList 4096
$text = New-Object -TypeName System.Text.StringBuilder
$matched = $false
try {
    while (-not $matched) {
        $left = ($deadline - [DateTime]::UtcNow).TotalMilliseconds
        if ($left -le 0) { break }
        $read = $pipe.ReadAsync($buf, 0, $buf.Length)
        if (-not $read.Wait([int]$left)) { break }          # -Seconds passed
        $n = $read.Result
        if ($n -le 0) { break }                             # the VM closed the pipe
        $log.Write($buf, 0, $n)
        $log.Flush()
        $chunk = [System.Text.Encoding]::ASCII.GetString($buf, 0, $n)
        [Console]::Out.Write($chunk)
        if ($Until -ne "") {
            [void]$text.Append($chunk)
            $matched = [regex]::IsMatch($text.ToString(), $Until, [System.Text.RegularExpressions.RegexOptions]::Multiline)
        }
    }
} finally {
    $log.Close()
    $pipe.Dispose()
}
Write-Host ""
Write-Host "serial log: $LogPath"
if ($Until -ne "" -and -not $matched) { exit 1 }
exit 0
