"""Scan counters shared by every worker: scans, verdicts, cache hits, scan-time histogram.

Kept as one flat mapping of counter name -> number so the embedded back end holds it in a dict and
the Redis back end in one hash that every worker increments (HINCRBY is atomic, so any number of
machines add to the same figures).  `/metrics` and `/api/status` read the same numbers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from ..models import ItemReport

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, math.inf)


def bucket_name(bound: float) -> str:
    return "le:+Inf" if math.isinf(bound) else f"le:{bound:g}"


def increments(item: ItemReport, seconds: float) -> dict[str, float]:
    """The counters one finished scan adds."""
    out: dict[str, float] = {"scans": 1, f"verdict:{item.verdict.value}": 1, "scan_seconds": seconds}
    if item.cached:
        out["cached"] = 1
    for bound in BUCKETS:
        if seconds <= bound:
            out[bucket_name(bound)] = 1  # non-cumulative: the first bucket that holds it
            break
    return out


def add(into: dict[str, float], more: Mapping[str, float]) -> None:
    for key, value in more.items():
        into[key] = into.get(key, 0) + value


def histogram(counters: Mapping[str, float]) -> list[tuple[str, float]]:
    """Cumulative Prometheus buckets from the stored per-bucket counts."""
    total = 0.0
    out = []
    for bound in BUCKETS:
        total += counters.get(bucket_name(bound), 0)
        out.append(("+Inf" if math.isinf(bound) else f"{bound:g}", total))
    return out
