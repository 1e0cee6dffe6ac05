@echo off
rem Falcon channel file 291 workaround: delete only, as in the public guidance.
rem Run from Safe Mode or WinRE. (scamscan synthetic sample - harmless text, not malware)
set CSDIR=%WINDIR%\System32\drivers\CrowdStrike
if not exist "%CSDIR%" (
    echo CrowdStrike driver folder not found
    exit /b 1
)
del /f /q "%CSDIR%\C-00000291*.sys"
echo Done. Restart the computer normally.
