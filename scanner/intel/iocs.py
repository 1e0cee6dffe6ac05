"""Known-bad indicators from `iocs/*.csv` in each rule folder.

`domains.csv`: ``domain,campaign,reference``; `hashes.csv`:
``hash,type,campaign,reference`` (type sha256, sha1 or md5).  Lines starting
with ``#`` are comments.  Every entry keeps its source so a finding can cite it.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

HASH_TYPES = {"md5": 32, "sha1": 40, "sha256": 64}


@dataclass(frozen=True)
class Indicator:
    value: str
    kind: str
    campaign: str
    reference: str
    source: str


class IocError(ValueError):
    pass


@dataclass
class IocDB:
    domains: dict[str, Indicator] = field(default_factory=dict)
    hashes: dict[str, Indicator] = field(default_factory=dict)

    @property
    def hash_types(self) -> set[str]:
        return {i.kind for i in self.hashes.values()}

    def __len__(self) -> int:
        return len(self.domains) + len(self.hashes)


def _rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    """(line number in the file, row) for each data row; comments and blank lines skipped."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        numbered = [(n, ln) for n, ln in enumerate(fh, start=1) if ln.strip() and not ln.lstrip().startswith("#")]
    if not numbered:
        return []
    reader = csv.DictReader(ln for _, ln in numbered)
    fields = {f.strip() for f in reader.fieldnames or ()}
    if not fields & {"domain", "hash"}:
        raise IocError(f"{path}: header needs a 'domain' or a 'hash' column, found {sorted(fields)}")
    # DictReader consumes one source line per row (no multi-line fields in these lists).
    return [(numbered[i + 1][0], {k.strip(): (v or "").strip() for k, v in row.items() if k})
            for i, row in enumerate(reader)]


def ioc_files(dirs: list[Path]) -> list[Path]:
    return [p for base in dirs if (base / "iocs").is_dir() for p in sorted((base / "iocs").glob("*.csv"))]


def load_iocs(dirs: list[Path]) -> IocDB:
    db = IocDB()
    for path in ioc_files(dirs):
        try:
            rows = _rows(path)
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise IocError(f"cannot read {path}: {exc}") from None
        for n, row in rows:
            src = f"{path.name}:{n}"
            if "domain" in row:
                d = row["domain"].lower().rstrip(".")
                if d:
                    db.domains[d] = Indicator(d, "domain", row.get("campaign", ""),
                                              row.get("reference", ""), src)
            elif "hash" in row:
                h, kind = row["hash"].lower(), row.get("type", "").lower()
                if HASH_TYPES.get(kind) != len(h) or any(c not in "0123456789abcdef" for c in h):
                    raise IocError(f"{src}: not a {kind or 'typed'} hash: {row['hash']!r}")
                db.hashes[h] = Indicator(h, kind, row.get("campaign", ""), row.get("reference", ""), src)
    return db
