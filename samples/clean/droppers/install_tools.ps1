# Install the build tools (maintainer script). scamscan synthetic sample - harmless text, not malware
$msi = Join-Path $PSScriptRoot 'tools.msi'
Invoke-WebRequest -Uri 'https://downloads.example.org/tools/1.4/tools.msi' -OutFile $msi
Start-Process msiexec.exe -ArgumentList "/i `"$msi`" /qn" -Wait
