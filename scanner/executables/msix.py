"""MSIX/APPX packages: the manifest's identity and the package signature (`AppxSignature.p7x`).

A package names its publisher twice: `Identity Publisher` (a certificate subject, which Windows
requires to equal the signer's) and `PublisherDisplayName` (free text shown to the user).  Fake
Teams, Zoom and browser installers were shipped as unsigned or self-signed MSIX claiming the real
vendor.  The signature is PKCS#7 SignedData (after a `PKCX` tag) whose content is an APPX digest
blob: SHA-256 of the ZIP's local records (AXPC), of its central directory (AXCD), of
`[Content_Types].xml` (AXCT) and of `AppxBlockMap.xml` (AXBM), whose block hashes in turn cover
every file.  All are recomputed here; the signer's signature is checked with `cryptography` and
its chain judged by the Authenticode trust logic (`trust.authenticode`).

Why own code: no maintained Python library reads APPX signatures (LIEF rejects their SIP content
type; osslsigncode can verify but is a process per file).  CMS is parsed with asn1crypto.
A ZIP64 package's digests are not recomputed: reported as unverified, never as valid.
"""

from __future__ import annotations

import base64
import hashlib
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from xml.etree import ElementTree

from ..filetypes import BytesLike

if TYPE_CHECKING:
    from ..trust.anchors import TrustStore
    from ..trust.authenticode import SignatureFacts

SIGNATURE = "AppxSignature.p7x"
MAX_XML = 4 * 1024 * 1024
MAX_HASHED = 512 * 1024 * 1024
_TAG = re.compile(r"^\{[^}]*\}")


class MsixError(ValueError):
    pass


@dataclass
class Package:
    name: str = ""
    publisher: str = ""  # Identity Publisher: a certificate subject
    display_name: str = ""
    publisher_display_name: str = ""
    executables: list[str] = field(default_factory=list)
    bundle: bool = False
    signed: bool = False
    signature: SignatureFacts | None = None
    problems: list[str] = field(default_factory=list)  # why the signature does not hold

    @property
    def fields(self) -> dict[str, str]:
        """The manifest as brand-claim fields (company: who publishes it; product: what it is)."""
        org = _rdn(self.publisher, "O") or _rdn(self.publisher, "CN")
        return {k: v for k, v in {"CompanyName": self.publisher_display_name, "LegalCopyright": org,
                                  "ProductName": self.display_name, "InternalName": self.name}.items() if v}


def subject_parts(subject: str) -> frozenset[tuple[str, str]]:
    """A distinguished name as a set of (KEY, value): the manifest writes CN first, RFC 4514 last."""
    parts = re.findall(r"\s*([A-Za-z.0-9]+)\s*=\s*(\"[^\"]*\"|(?:\\,|[^,])*)", subject)
    return frozenset((k.upper(), v.strip().strip('"').replace("\\,", ",")) for k, v in parts)


def _rdn(subject: str, key: str) -> str:
    m = re.search(rf"(?:^|,)\s*{key}\s*=\s*(\"[^\"]*\"|[^,]*)", subject)
    return m.group(1).strip().strip('"') if m else ""


def _local(tag: str) -> str:
    return _TAG.sub("", tag)


def _manifest(pkg: Package, xml: bytes) -> None:
    if b"<!DOCTYPE" in xml[:4096] or b"<!ENTITY" in xml:
        raise MsixError("manifest declares a DTD or entities: refused")
    root = ElementTree.fromstring(xml)
    for el in root.iter():
        tag = _local(el.tag)
        if tag == "Identity" and not pkg.publisher:
            pkg.name, pkg.publisher = el.get("Name", ""), el.get("Publisher", "")
        elif tag == "DisplayName" and not pkg.display_name and el.text:
            pkg.display_name = el.text.strip()
        elif tag == "PublisherDisplayName" and el.text:
            pkg.publisher_display_name = el.text.strip()
        elif tag == "Application" and el.get("Executable"):
            pkg.executables.append(el.get("Executable", ""))


def _raw_member(data: bytes, info: zipfile.ZipInfo) -> bytes:
    """A member as stored (the APPX digests hash the stored bytes, or the inflated ones)."""
    name_len, extra_len = struct.unpack_from("<HH", data, info.header_offset + 26)
    start = info.header_offset + 30 + name_len + extra_len
    return data[start:start + info.compress_size]


def _digests(data: bytes, archive: zipfile.ZipFile, sig: zipfile.ZipInfo) -> dict[bytes, tuple[bytes, ...]]:
    """What each APPX digest may equal, recomputed from the package."""
    end = data.rfind(b"PK\x05\x06")
    if end < 0 or data.rfind(b"PK\x06\x06") >= 0:
        raise MsixError("ZIP64 package: digests not recomputed")
    size, offset = struct.unpack_from("<II", data, end + 12)
    entries, pos = [], offset
    while pos < offset + size:
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", data, pos + 28)
        length = 46 + name_len + extra_len + comment_len
        if data[pos + 46:pos + 46 + name_len] != SIGNATURE.encode():
            entries.append(data[pos:pos + length])
        pos += length
    directory = b"".join(entries)
    eocd = b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, len(entries), len(entries), len(directory),
                                       sig.header_offset, 0)
    out: dict[bytes, tuple[bytes, ...]] = {b"AXPC": (hashlib.sha256(data[:sig.header_offset]).digest(),),
           b"AXCD": (hashlib.sha256(directory + eocd).digest(),)}
    for tag, member in ((b"AXCT", "[Content_Types].xml"), (b"AXBM", "AppxBlockMap.xml")):
        try:
            info = archive.getinfo(member)
        except KeyError:
            continue
        raw = _raw_member(data, info)
        inflated = zlib.decompress(raw, -15) if info.compress_type == zipfile.ZIP_DEFLATED else raw
        out[tag] = (hashlib.sha256(raw).digest(), hashlib.sha256(inflated).digest())
    return out


def _block_map(archive: zipfile.ZipFile) -> list[str]:
    """Files whose content differs from the block map's hashes (the map itself is signed: AXBM)."""
    xml = archive.read("AppxBlockMap.xml")[:MAX_XML]
    bad: list[str] = []
    hashed = 0
    for el in ElementTree.fromstring(xml).iter():
        if _local(el.tag) != "File":
            continue
        name = el.get("Name", "").replace("\\", "/")
        blocks = [b.get("Hash", "") for b in el if _local(b.tag) == "Block"]
        try:
            info = archive.getinfo(name)
        except KeyError:
            bad.append(name)
            continue
        hashed += info.file_size
        if hashed > MAX_HASHED:
            raise MsixError("package too large to hash its files")
        content = archive.read(info)
        mine = [base64.b64encode(hashlib.sha256(content[i:i + 65536]).digest()).decode()
                for i in range(0, len(content), 65536)]
        if mine != blocks[:len(mine)] or len(blocks) != len(mine):
            bad.append(name)
    return bad


def _signature(pkg: Package, data: bytes, archive: zipfile.ZipFile, sig: zipfile.ZipInfo,
               store: TrustStore) -> None:
    from ..trust.cms import verify_signed_data  # cryptography and asn1crypto load only for signed packages

    blob = archive.read(sig)
    if blob[:4] != b"PKCX":
        pkg.problems.append("AppxSignature.p7x lacks its PKCX tag")
        return
    try:
        facts, content = verify_signed_data(blob[4:], store)
    except ValueError as exc:
        pkg.problems.append(str(exc))
        return
    pkg.signature = facts
    start = content.find(b"APPX")
    signed = {content[i:i + 4]: content[i + 4:i + 36] for i in range(start + 4, len(content) - 35, 36)} \
        if start >= 0 else {}
    if not signed:
        pkg.problems.append("signature carries no APPX digests")
        return
    actual = _digests(data, archive, sig)
    for tag, value in signed.items():
        if tag in actual and value not in actual[tag]:
            pkg.problems.append(f"{tag.decode()} digest does not match the package (modified after signing)")
    if b"AXBM" in signed and not pkg.problems:
        changed = _block_map(archive)
        if changed:
            pkg.problems.append(f"files differ from the signed block map: {', '.join(changed[:5])}")
    if pkg.problems:  # the package is not what was signed: the signature vouches for nothing here
        facts.digest_ok = False
        facts.flags.append("BAD_DIGEST")


def inspect(data: BytesLike, store: TrustStore) -> Package:
    """Manifest and signature of an MSIX/APPX (or bundle) package; MsixError when unreadable."""
    raw = bytes(data)
    pkg = Package()
    try:
        import io

        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            names = set(archive.namelist())
            manifest = "AppxManifest.xml" if "AppxManifest.xml" in names else "AppxMetadata/AppxBundleManifest.xml"
            pkg.bundle = manifest != "AppxManifest.xml"
            if manifest in names:
                _manifest(pkg, archive.read(manifest)[:MAX_XML])
            if SIGNATURE in names:
                pkg.signed = True
                _signature(pkg, raw, archive, archive.getinfo(SIGNATURE), store)
    except MsixError:
        raise
    except (zipfile.BadZipFile, ElementTree.ParseError, struct.error, zlib.error, KeyError, ValueError,
            EOFError, OSError, NotImplementedError) as exc:
        raise MsixError(f"{type(exc).__name__}: {exc}") from exc
    return pkg
