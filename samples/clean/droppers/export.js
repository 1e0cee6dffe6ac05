/* scamscan synthetic sample - harmless text, not malware */
function save(b64) {
  var raw = atob(b64), buf = new Uint8Array(raw.length);
  for (var i = 0; i < raw.length; i++) { buf[i] = raw.charCodeAt(i); }
  var a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([buf], { type: "application/pdf" }));
  a.download = "report.pdf";
  a.click();
}
