@echo off
rem scamscan synthetic sample - harmless text, not malware
curl -L -o tools.zip https://downloads.example.org/tools.zip
tar -xf tools.zip
call build.bat
