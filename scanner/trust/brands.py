"""The brand policy: who lures pretend to be, from `brands.toml` in each rule folder.

Later folders add brands or extend existing ones (lists are merged), so users
protect their own vendors without editing the bundled file.  Each brand's domain
portfolio (further owned domains and country variants, partner and CDN domains,
each list with where it comes from) lives in `brand-domains.toml` next to it: the
same ``[brands.<key>]`` tables, only for brands that `brands.toml` defines, with
the keys in `PORTFOLIO_KEYS`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

SHIPPING = ("embedded-signed", "catalog-signed", "often-unsigned")
PORTFOLIO_FILE = "brand-domains.toml"
# brand-domains.toml: domains (owned: never lookalikes, but, unlike brands.toml's `domains`, not lookalike
# targets: an acquisition's or CDN's name is not what lures imitate), partners (used, not owned: CDNs, mail
# and support providers), not_owned (exceptions to the country-code rule: brand.com.xx held by someone
# else), domain_sources (where the lists come from: vendor network documentation, WHOIS).
PORTFOLIO_KEYS = frozenset({"domains", "partners", "not_owned", "domain_sources"})


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
    # Domains the brand uses but does not own (CDNs, mail and support providers): never lookalikes,
    # but a sender there is not the brand.
    partners: tuple[str, ...] = ()
    # Country-code variants of the brand's name held by someone else (brand.com.xx is the brand's by default).
    not_owned: tuple[str, ...] = ()
    # Further owned domains from brand-domains.toml: never lookalikes, not lookalike targets.
    portfolio: tuple[str, ...] = ()

    def __hash__(self) -> int:
        # Brands are cache keys (a tuple of every brand, per classified host): hashing every field of
        # every brand each time cost more than the lookup.  Equal brands have equal keys, so this is a
        # valid hash; equality still compares every field.
        return hash(self.key)

    def owns_domain(self, domain: str) -> bool:
        """True for the brand's registrable domains (portfolio included) and any of their subdomains."""
        d = domain.lower().rstrip(".")
        return any(d == own or d.endswith("." + own) for own in (*self.domains, *self.portfolio))

    def uses_domain(self, domain: str) -> bool:
        """Owned, or a partner's domain the brand uses (CDN, mail provider) and any subdomain."""
        d = domain.lower().rstrip(".")
        return self.owns_domain(d) or any(d == p or d.endswith("." + p) for p in self.partners)


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


def _read(path: Path) -> dict[str, object]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise BrandError(f"cannot read {path}: {exc}") from None


def _documents(dirs: list[Path], name: str = "brands.toml") -> list[tuple[Path, dict[str, object]]]:
    return [(base / name, _read(base / name)) for base in dirs if (base / name).is_file()]


def _tables(path: Path, data: dict[str, object]) -> dict[str, dict[str, object]]:
    brands = data.get("brands", {})
    if not isinstance(brands, dict):
        raise BrandError(f"{path}: [brands.<name>] tables expected")
    for key, table in brands.items():
        if not isinstance(table, dict):
            raise BrandError(f"{path}: brands.{key} must be a table")
    return brands


def _merge(into: dict[str, object], table: dict[str, object]) -> None:
    for field, value in table.items():
        before = into.get(field)
        if isinstance(value, list) and isinstance(before, list):
            into[field] = before + [v for v in value if v not in before]
        else:
            into[field] = value


def load_brands(dirs: list[Path]) -> dict[str, Brand]:
    merged: dict[str, dict[str, object]] = {}
    for path, data in _documents(dirs):
        for key, table in _tables(path, data).items():
            _merge(merged.setdefault(key, {}), table)
    for path, data in _documents(dirs, PORTFOLIO_FILE):
        for key, table in _tables(path, data).items():
            extra = set(table) - PORTFOLIO_KEYS
            if extra:
                raise BrandError(f"{path}: brands.{key}: only {sorted(PORTFOLIO_KEYS)} here, not {sorted(extra)}")
            if key not in merged:
                raise BrandError(f"{path}: brands.{key} extends no brand of brands.toml")
            _merge(merged[key], {("portfolio" if k == "domains" else k): v for k, v in table.items()})
    out: dict[str, Brand] = {}
    for key, table in merged.items():
        where = f"brands.{key}"
        shipping = str(table.get("shipping", "embedded-signed"))
        if shipping not in SHIPPING:
            raise BrandError(f"{where}: shipping must be one of {SHIPPING}, not {shipping!r}")
        tokens = tuple(t.lower() for t in _strings(table, "tokens", where)) or (key.lower(),)
        _strings(table, "domain_sources", where)
        out[key] = Brand(key, _strings(table, "names", where), tokens, _strings(table, "products", where),
                         tuple(d.lower() for d in _strings(table, "domains", where)),
                         _strings(table, "publishers", where), shipping,
                         tuple(t.lower() for t in _strings(table, "generic_tokens", where)),
                         _strings(table, "sources", where), table.get("verified") is True,
                         str(table.get("kind", "")),
                         tuple(d.lower() for d in _strings(table, "partners", where)),
                         tuple(d.lower() for d in _strings(table, "not_owned", where)),
                         tuple(d.lower() for d in _strings(table, "portfolio", where)))
    return out
