"""The brand policy: who lures pretend to be, from `brands.toml` in each rule folder.

Later folders add brands or extend existing ones (lists are merged), so users
protect their own vendors without editing the bundled file.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

SHIPPING = ("embedded-signed", "catalog-signed", "often-unsigned")


class BrandError(ValueError):
    pass


@dataclass(frozen=True)
class Brand:
    key: str
    names: tuple[str, ...]
    tokens: tuple[str, ...]
    products: tuple[str, ...]
    domains: tuple[str, ...]
    publishers: tuple[str, ...]
    shipping: str
    # Tokens that are also common words ("windows", "zoom"): the lookalike check needs a lure word or
    # an exact label match for them, never a bare substring.
    generic_tokens: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()  # ids of the policy's [sources] the entry was built from
    verified: bool = False  # publishers confirmed by a cited public source
    kind: str = ""  # security, vpn, utility ... (what a mail in its name may be about)

    def __hash__(self) -> int:
        # Brands are cache keys (a tuple of every brand, per classified host): hashing every field of
        # every brand each time cost more than the lookup.  Equal brands have equal keys, so this is a
        # valid hash; equality still compares every field.
        return hash(self.key)

    def owns_domain(self, domain: str) -> bool:
        """True for the brand's registrable domains and any of their subdomains."""
        d = domain.lower().rstrip(".")
        return any(d == own or d.endswith("." + own) for own in self.domains)


def _strings(table: dict[str, object], key: str, where: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BrandError(f"{where}: {key} must be a list of strings")
    return tuple(value)


def load_sources(dirs: list[Path]) -> dict[str, str]:
    """The `[sources]` tables of every folder's brands.toml: id -> where the data comes from."""
    out: dict[str, str] = {}
    for _, data in _documents(dirs):
        table = data.get("sources", {})
        if isinstance(table, dict):
            out.update({str(k): str(v) for k, v in table.items()})
    return out


def _documents(dirs: list[Path]) -> list[tuple[Path, dict[str, object]]]:
    docs: list[tuple[Path, dict[str, object]]] = []
    for base in dirs:
        path = base / "brands.toml"
        if not path.is_file():
            continue
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise BrandError(f"cannot read {path}: {exc}") from None
        docs.append((path, data))
    return docs


def load_brands(dirs: list[Path]) -> dict[str, Brand]:
    merged: dict[str, dict[str, object]] = {}
    for path, data in _documents(dirs):
        brands = data.get("brands", {})
        if not isinstance(brands, dict):
            raise BrandError(f"{path}: [brands.<name>] tables expected")
        for key, table in brands.items():
            if not isinstance(table, dict):
                raise BrandError(f"{path}: brands.{key} must be a table")
            into = merged.setdefault(key, {})
            for field, value in table.items():
                before = into.get(field)
                if isinstance(value, list) and isinstance(before, list):
                    into[field] = before + [v for v in value if v not in before]
                else:
                    into[field] = value
    out: dict[str, Brand] = {}
    for key, table in merged.items():
        where = f"brands.{key}"
        shipping = str(table.get("shipping", "embedded-signed"))
        if shipping not in SHIPPING:
            raise BrandError(f"{where}: shipping must be one of {SHIPPING}, not {shipping!r}")
        tokens = tuple(t.lower() for t in _strings(table, "tokens", where)) or (key.lower(),)
        out[key] = Brand(key, _strings(table, "names", where), tokens, _strings(table, "products", where),
                         tuple(d.lower() for d in _strings(table, "domains", where)),
                         _strings(table, "publishers", where), shipping,
                         tuple(t.lower() for t in _strings(table, "generic_tokens", where)),
                         _strings(table, "sources", where), table.get("verified") is True,
                         str(table.get("kind", "")))
    return out
