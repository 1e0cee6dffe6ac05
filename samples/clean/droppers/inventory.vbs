' Inventory helper. scamscan synthetic sample - harmless text, not malware
Set sh = CreateObject("WScript.Shell")
sh.Run "ipconfig /all > " & "C:\Inventory\" & "net.txt", 0, True
Set doc = CreateObject("MSXML2.DOMDocument.6.0")
doc.Load "C:\Inventory\devices.xml"
