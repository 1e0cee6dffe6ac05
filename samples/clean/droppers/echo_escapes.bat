@echo off
rem Build notes. scamscan synthetic sample - harmless text, not malware
echo Tom ^& Jerry ^<team^> 100%%
set "OUT=C:\Build Output"
if not exist "%OUT%" mkdir "%OUT%"
echo Done.
