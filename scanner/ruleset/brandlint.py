"""`rules lint` for the brand policy (`brands.toml`): what makes an entry wrong before any scan.

Codes (stable): ``brand_load`` (the file does not parse or has a wrong type), ``brand_no_source``
(an entry names no source, so nobody can check where its publishers came from),
``brand_unknown_source`` (a source id missing from ``[sources]``), ``brand_domain`` (a domain that
is under no suffix of the Public Suffix List, or is an ICANN public suffix itself: ``co.uk``;
suffixes of the list's private section such as ``googleapis.com`` are the companies' own and
allowed), ``brand_duplicate`` (a domain or a name listed twice, or by two brands: the policy would
contradict itself about who owns it), ``brand_unverified`` (``verified = true`` without the evidence the
policy's ``[source_kinds]`` asks for: one source that ``confirms`` a signer on its own, a public rule or
a real signed file, or two ``observer`` lists that agree).  Publishers may be shared (Gen Digital signs Norton, Avast
and CCleaner), so they are not duplicates.
"""

from __future__ import annotations

import functools
import re
import tomllib
from pathlib import Path

from publicsuffixlist import PublicSuffixList

from ..domains.indicators import has_known_suffix
from ..trust.brands import BrandError, load_brands, load_sources
from .catalog import RuleSource
from .lint import Problem


@functools.lru_cache(maxsize=1)
def _icann() -> PublicSuffixList:
    return PublicSuffixList(only_icann=True)


_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


def _lines(path: Path) -> dict[str, int]:
    """The line of each ``[brands.<key>]`` header, for pointing an editor at the entry."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    return {m.group(1): text.count("\n", 0, m.start()) + 1
            for m in re.finditer(r"(?m)^\[brands\.([^\]]+)\]", text)}


def _domain_problem(domain: str) -> str | None:
    name = domain[:-2] if domain.endswith(".*") else domain
    labels = name.split(".")
    if not all(_LABEL.match(lb) for lb in labels):
        return "is not a valid host name"
    if domain.endswith(".*"):
        return None if len(labels) == 1 else "a wildcard entry is one label followed by '.*' (google.*)"
    if not has_known_suffix(name):
        return "is under no suffix of the Public Suffix List"
    if _icann().publicsuffix(name) == name:
        return "is a public suffix itself: anyone can register names below it"
    return None


def _source_kinds(files: list[Path]) -> tuple[set[str], set[str]]:
    """The ``[source_kinds]`` of every file: source ids that confirm alone, and one-observer lists."""
    confirms: set[str] = set()
    observers: set[str] = set()
    for f in files:
        table = tomllib.loads(f.read_text(encoding="utf-8")).get("source_kinds", {})
        if isinstance(table, dict):
            confirms |= {str(s) for s in table.get("confirms", [])}
            observers |= {str(s) for s in table.get("observer", [])}
    return confirms, observers


def _supported(sources: tuple[str, ...], confirms: set[str], observers: set[str]) -> bool:
    return any(s in confirms for s in sources) or len(set(sources) & observers) >= 2


def lint_brands(dirs: list[Path]) -> list[Problem]:
    """Problems of the brands.toml files in `dirs` (their rules folders, as `rules lint` takes them)."""
    roots = [RuleSource.of(d).root for d in dirs]
    files = [r / "brands.toml" for r in roots if (r / "brands.toml").is_file()]
    if not files:
        return []
    where = str(files[-1])
    try:
        brands = load_brands(roots)
        sources = load_sources(roots)
        confirms, observers = _source_kinds(files)
    except (BrandError, tomllib.TOMLDecodeError, OSError, UnicodeDecodeError) as exc:
        return [Problem(where, 0, "", "brand_load", str(exc))]
    lines: dict[str, int] = {}
    for f in files:
        lines.update(_lines(f))
    problems: list[Problem] = []

    def problem(key: str, code: str, message: str) -> None:
        problems.append(Problem(where, lines.get(key, 0), f"brands.{key}", code, message))

    problems += [Problem(where, 0, "source_kinds", "brand_unknown_source",
                         f"source {sid!r} is not defined in [sources]")
                 for sid in sorted((confirms | observers) - set(sources))]
    domain_owner: dict[str, str] = {}
    name_owner: dict[str, str] = {}
    for key, brand in brands.items():
        if not brand.sources:
            problem(key, "brand_no_source", "no sources: say where its domains and publishers come from")
        for sid in brand.sources:
            if sid not in sources:
                problem(key, "brand_unknown_source", f"source {sid!r} is not defined in [sources]")
        if brand.verified and not _supported(brand.sources, confirms, observers):
            problem(key, "brand_unverified", "verified = true, but no source confirms its publisher: name one "
                    "of [source_kinds] confirms, or two of its observer lists")
        for domain in dict.fromkeys(brand.domains):
            reason = _domain_problem(domain)
            if reason:
                problem(key, "brand_domain", f"domain {domain!r} {reason}")
            owner = domain_owner.setdefault(domain, key)
            if owner != key:
                problem(key, "brand_duplicate", f"domain {domain!r} is also listed by brands.{owner}")
            elif brand.domains.count(domain) > 1:
                problem(key, "brand_duplicate", f"domain {domain!r} listed twice")
        for name in {n.lower() for n in brand.names}:
            owner = name_owner.setdefault(name, key)
            if owner != key:
                problem(key, "brand_duplicate", f"name {name!r} is also a name of brands.{owner}")
    return problems
