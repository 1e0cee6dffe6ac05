// scamscan synthetic sample - harmless text, not malware
// Stand-in for a script disguised as a document (double extension); it only echoes a line.
WScript.Echo("scamscan synthetic sample - this file does nothing");
