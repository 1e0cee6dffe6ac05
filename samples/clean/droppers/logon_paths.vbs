' Map the team share at logon. scamscan synthetic sample - harmless text, not malware
Set net = CreateObject("WScript.Network")
share = Replace("\\files\team", "\", "\")
If StrReverse("abc") <> "cba" Then WScript.Quit 1
net.MapNetworkDrive "T:", share
