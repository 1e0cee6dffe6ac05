/* scamscan synthetic sample - harmless text, not malware */
var sep = String.fromCharCode(32, 45, 32);
function title(a, b) { return "Report" + " " + "for" + " " + a + sep + b; }
var req = new XMLHttpRequest();
req.open("GET", "/api/widgets.json");
req.onload = function () { render(JSON.parse(req.responseText)); };
req.send();
