# Falcon channel file 291 workaround: delete only, as in the public guidance.
# Run from Safe Mode or WinRE. (scamscan synthetic sample - harmless text, not malware)
$csDir = Join-Path $env:WINDIR 'System32\drivers\CrowdStrike'
if (-not (Test-Path $csDir)) {
    Write-Host 'CrowdStrike driver folder not found'
    exit 1
}
Get-ChildItem -Path $csDir -Filter 'C-00000291*.sys' | Remove-Item -Force
Write-Host 'Done. Restart the computer normally.'
