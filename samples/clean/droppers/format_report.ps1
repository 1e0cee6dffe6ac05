# Repository report. scamscan synthetic sample - harmless text, not malware
$tool = "git"
$n = (& $tool ls-files | Measure-Object).Count
Write-Host ("{0} files in {1}" -f $n, (Get-Location))
Write-Host "name`tcount`n"
