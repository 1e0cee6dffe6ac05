; CrowdStrike Crash Reporter - Setup-Skript
; scamscan synthetic sample - harmless text, not malware
; Modelled on the inauthentic Falcon Crash Reporter installer sent to a German entity (July 2024).
[Setup]
AppName=CrowdStrike Crash Reporter
AppVersion=7.16.18613
AppPublisher=CrowdStrike, Inc.
DefaultDirName={autopf}\CrowdStrike\CrashReporter
OutputBaseFilename=CrowdStrike-Crash-Reporter-Setup
PrivilegesRequired=admin

[Languages]
Name: "de"; MessagesFile: "compiler:Languages\German.isl"

[Messages]
WelcomeLabel2=Dieses Programm installiert den CrowdStrike Crash Reporter. Er sendet die Absturzberichte (Bluescreen) nach dem Falcon-Sensor-Update an CrowdStrike.

[Files]
Source: "payload.bin"; DestDir: "{tmp}"; Flags: deleteafterinstall

[Run]
Filename: "{tmp}\crashreporter.exe"; Parameters: "--server {code:GetBackendServer}"; Flags: runhidden

[Code]
var ServerPage: TInputQueryWizardPage;

procedure InitializeWizard;
begin
  ServerPage := CreateInputQueryPage(wpWelcome, 'Backend-Server', 'Backend-Server eingeben',
    'Den Backend-Server erhalten Sie von Ihrer IT-Abteilung.');
  ServerPage.Add('Backend-Server:', False);
end;

function GetBackendServer(Param: String): String;
begin
  Result := ServerPage.Values[0];
end;
