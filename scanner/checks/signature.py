"""`signature`: the Authenticode signatures embedded in a PE file (see scanner/trust/authenticode.py).

A file whose content no longer matches its signed digest was modified after signing: that
is tampering, and scores as malicious.  Each failed check of the certificate path
(`trust.paths`) is its own finding: a chain through a certificate that may not issue
certificates (`not_a_ca`, `wrong_key_usage`, `path_too_long`) is how a forged publisher
certificate is made from any real one, so it weighs more than an untrusted, self-signed or
expired signature, which are weak signals on their own (the `brand` check weighs who the
signer claims to be).  Only a fully valid path is reported as `trusted` (an info finding, so
the reader sees who signed the file).
"""

from __future__ import annotations

from collections.abc import Iterator

from ..executables.facts import facts_for
from ..filetypes import FileType
from ..models import Finding, Incomplete, Item, Severity
from .base import CheckContext

# A path that no honest signer produces (a forged issuer) weighs more than a stale or unknown one.
PATH_FAILURES = {"not_a_ca": (Severity.MEDIUM, 50), "wrong_key_usage": (Severity.MEDIUM, 40),
                 "path_too_long": (Severity.MEDIUM, 40), "no_code_signing_eku": (Severity.MEDIUM, 40),
                 "disallowed": (Severity.LOW, 15), "expired": (Severity.LOW, 10)}
PATH_TITLES = {"not_a_ca": "certificate issued by a non-CA", "wrong_key_usage": "key usage not allowed",
               "path_too_long": "certification path too long", "no_code_signing_eku": "not a code-signing certificate",
               "disallowed": "root disallowed by Microsoft", "expired": "certificate not valid at the signing time"}


class SignatureCheck:
    name = "signature"

    def __init__(self, ctx: CheckContext) -> None:
        self.settings = ctx.settings

    def applies(self, item: Item) -> bool:
        return item.filetype == FileType.PE

    def run(self, item: Item) -> Iterator[Finding | Incomplete]:
        facts = facts_for(item, self.settings)
        auth = facts.auth
        if auth is None:
            return
        table = {"certificate_table_size": facts.pe.security[1] if facts.pe else 0}
        if auth.padding:
            yield item.finding(self.name, "certificate_table_padding", Severity.LOW, 20,
                               f"{auth.padding} bytes hidden in the certificate table after the signature "
                               "(data appended without breaking the signature, CVE-2013-3900)",
                               {**table, "padding": auth.padding})
        if auth.error and not auth.signatures:
            if "not parsed" in auth.error:
                yield item.incomplete("unsupported", f"signature not verified: {auth.error}", self.name)
                return
            yield item.finding(self.name, "malformed", Severity.MEDIUM, 30,
                               f"the certificate table cannot be read as an Authenticode signature: {auth.error}",
                               table)
            return
        for index, sig in enumerate(auth.signatures):
            yield from self._judge(item, sig.evidence() | {"index": index}, sig.flags, index)

    def _judge(self, item: Item, ev: dict[str, object], flags: list[str], index: int) -> Iterator[Finding | Incomplete]:
        who = str(ev.get("signer_cn") or ev.get("signer") or "unknown signer")
        if any(f.startswith("unreadable") for f in flags) or "UNSUPPORTED_ALGORITHM" in flags:
            yield item.incomplete("unsupported", f"signature {index} ({who}) not verified: {', '.join(flags)}",
                                  self.name)
            return
        if not ev.get("digest_ok"):
            yield item.finding(self.name, "digest_mismatch", Severity.CRITICAL, 100,
                               f"the file was modified after it was signed by {who}: its Authenticode "
                               "digest does not match the signed one (tampering)", ev)
            return
        if not ev.get("signature_ok"):
            yield item.finding(self.name, "invalid_signature", Severity.HIGH, 70,
                               f"the signature by {who} does not verify ({', '.join(flags)})", ev)
            return
        if ev.get("self_signed"):
            yield item.finding(self.name, "self_signed", Severity.LOW, 20,
                               f"signed with a self-signed certificate ({who}): anyone can make one", ev)
        elif not ev.get("anchored"):
            root = f" (it ends at {ev['root']})" if ev.get("root") else ""
            yield item.finding(self.name, "untrusted_root", Severity.LOW, 15,
                               f"the signer {who} does not chain to a trusted root{root}", ev)
        if ev.get("timestamp_problem"):
            yield item.finding(self.name, "untrusted_timestamp", Severity.LOW, 10,
                               f"the timestamp of {who}'s signature is not trusted, so its certificates are judged "
                               f"now: {ev['timestamp_problem']}", ev)
        failures = ev.get("failures")
        for failure in failures if isinstance(failures, list) else []:
            code = failure["code"]
            severity, score = PATH_FAILURES.get(code, (Severity.LOW, 10))
            yield item.finding(self.name, code, severity, score,
                               f"{PATH_TITLES.get(code, code)} in {who}'s signature: {failure['message']}", ev)
        if ev.get("trusted"):
            yield item.finding(self.name, "trusted", Severity.INFO, 0,
                               f"validly signed by {who}, chaining to {ev.get('root')}", ev)
