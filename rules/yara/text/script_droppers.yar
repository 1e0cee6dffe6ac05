/*
    Script droppers: Windows Script Host code that downloads a file, writes it to disk and runs it.
*/

rule SCAM_WSH_Download_Save_Run
{
    meta:
        description = "Windows Script Host script (.js/.vbs/.hta/.wsf) that fetches a file over HTTP (MSXML2.XMLHTTP/ServerXMLHTTP/WinHttp), writes it with ADODB.Stream SaveToFile and runs it with WScript.Shell or mshta: the classic download-and-execute dropper that fake update pages deliver"
        author = "scamscan project"
        date = "2026-11-30"
        reference = "https://attack.mitre.org/techniques/T1059/007/"
        severity = "high"
        score = 70
        sample = "samples/lures/containers/falcon_update_dropper.js"

    strings:
        $http1 = /MSXML2\.(Server)?XMLHTTP/ ascii wide nocase
        $http2 = /WinHttp\.WinHttpRequest/ ascii wide nocase
        $stream = "ADODB.Stream" ascii wide nocase
        $save = /\.SaveToFile\s*\(/ ascii wide nocase
        $shell = "WScript.Shell" ascii wide nocase
        $run = /\.(Run|Exec|ShellExecute)\s*\(/ ascii wide nocase
        $mshta = /\bmshta(\.exe)?\s+["']?https?:\/\// ascii wide nocase

    condition:
        filesize < 2MB
        and uint16(0) != 0x5A4D
        and any of ($http*) and $stream and $save
        and (($shell and $run) or $mshta)
}
