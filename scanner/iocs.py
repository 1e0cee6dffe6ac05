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


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        lines = [ln for ln in fh if ln.strip() and not ln.lstrip().startswith("#")]
    return [{k.strip(): (v or "").strip() for k, v in row.items() if k} for row in csv.DictReader(lines)]


def load_iocs(dirs: list[Path]) -> IocDB:
    db = IocDB()
    for base in dirs:
        folder = base / "iocs"
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.csv")):
            try:
                rows = _rows(path)
            except (OSError, UnicodeDecodeError, csv.Error) as exc:
                raise IocError(f"cannot read {path}: {exc}") from None
            for n, row in enumerate(rows, start=2):
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
