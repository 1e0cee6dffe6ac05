"""`scamscan feeds update|status`: thin commands over `intel.feeds` and `intel.fetch`.

Exit codes: 0 all good; 1 a feed failed to update (its last good copy is kept) or, for
``status --max-age``, a feed is stale or missing; 2 usage or settings error.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Any

import click

from ..config import ConfigError, load_settings
from ..intel.feeds import FeedError, FeedsConfig, load_feeds_config, read_meta
from ..render.escape import visible
from .logs import echo_err


def _config(ctx: click.Context, config_path: str | None) -> FeedsConfig:
    path = config_path or (ctx.find_root().obj or {}).get("config")
    try:
        settings = load_settings(path)
        return load_feeds_config(settings.cache_dir, settings.config_file or None)
    except (ConfigError, FeedError) as exc:
        echo_err(f"scamscan: error: {exc}")
        sys.exit(2)


def _age(stamp: Any) -> float | None:
    try:
        when = datetime.fromisoformat(str(stamp))
    except ValueError:
        return None
    return (datetime.now(UTC) - when).total_seconds()


def _human(seconds: float | None) -> str:
    if seconds is None:
        return "never"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f}{unit}"
    return f"{seconds:.0f}s"


def feed_summary(cfg: FeedsConfig) -> list[str]:
    """One line per cached feed, for `scamscan version`."""
    lines = []
    for name in sorted(cfg.feeds):
        meta = read_meta(cfg.feed_dir, name)
        if meta.get("fetched_at"):
            lines.append(f"feed {name} fetched {meta['fetched_at']} ({meta.get('count', 0)} entries)")
    return lines


def _problems(cfg: FeedsConfig, max_age: float | None) -> dict[str, list[str]]:
    """Enabled feeds never fetched, whose last update failed, or older than `max_age` hours."""
    out: dict[str, list[str]] = {"never fetched": [], "failed": [], "stale": []}
    for name in sorted(n for n, f in cfg.feeds.items() if f.enabled):
        meta = read_meta(cfg.feed_dir, name)
        age = _age(meta.get("fetched_at")) if meta.get("sha256") else None
        if age is None:
            out["never fetched"].append(name)
        elif max_age is not None and age > max_age * 3600:
            out["stale"].append(name)
        if meta.get("last_error"):
            out["failed"].append(name)
    return out


def feed_warning(cfg: FeedsConfig, max_age: float) -> str:
    """One line for a scan's stderr when enabled feeds are missing or old ("" when all is well)."""
    problems = _problems(cfg, max_age)
    parts = [f"{', '.join(names)} never fetched" if what == "never fetched" else
             f"{', '.join(names)} older than {max_age:g}h" for what, names in problems.items()
             if names and what != "failed"]
    if not parts:
        return ""
    return f"scamscan: warning: threat feeds {'; '.join(parts)}: run `scamscan feeds update`"


@click.group()
def feeds() -> None:
    """Download and inspect threat feeds (known-bad domains, URLs, hashes)."""


@feeds.command()
@click.argument("names", nargs=-1)
@click.option("--force", is_flag=True, help="Accept a list that shrank more than max_shrink.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None, help="TOML settings file.")
@click.pass_context
def update(ctx: click.Context, names: tuple[str, ...], force: bool, config_path: str | None) -> None:
    """Download the enabled feeds (or the NAMEs given, enabled or not)."""
    from ..intel.fetch import update_feed  # deferred: requests is only needed here

    cfg = _config(ctx, config_path)
    unknown = [n for n in names if n not in cfg.feeds]
    if unknown:
        echo_err(f"scamscan: error: unknown feed(s) {', '.join(unknown)}; configured: "
                 f"{', '.join(sorted(cfg.feeds))}")
        sys.exit(2)
    chosen = [cfg.feeds[n] for n in names] if names else [f for f in cfg.feeds.values() if f.enabled]
    if not chosen:
        click.echo("no feed enabled (set enabled = true in a [feeds.NAME] table of the settings file)")
        return
    failed = 0
    for feed in chosen:
        result = update_feed(feed, cfg.feed_dir, force=force)
        if result.ok:
            click.echo(visible(f"{result.name}: {result.status.replace('_', ' ')}: {result.message}"))
        else:
            failed += 1
            echo_err(f"{result.name}: FAILED: {result.message}")
    sys.exit(1 if failed else 0)


@feeds.command()
@click.option("--max-age", type=click.FloatRange(0), default=None,
              help="Hours after which an enabled feed is stale (default: the feeds_max_age setting, 48).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None, help="TOML settings file.")
@click.pass_context
def status(ctx: click.Context, max_age: float | None, config_path: str | None) -> None:
    """Per feed: enabled, age, entries, last error.  Exit 1 when an enabled feed was never fetched,
    its last update failed, or it is older than --max-age."""
    cfg = _config(ctx, config_path)
    if max_age is None:
        max_age = _max_age(ctx, config_path)
    click.echo(f"{'feed':<16} {'enabled':<8} {'role':<6} {'age':>8} {'entries':>9}  last error")
    for name in sorted(cfg.feeds):
        feed = cfg.feeds[name]
        meta = read_meta(cfg.feed_dir, name)
        age = _age(meta.get("fetched_at")) if meta.get("sha256") else None
        error = visible(" ".join(str(meta.get("last_error") or "").split()))  # a server's words
        click.echo(f"{name:<16} {'yes' if feed.enabled else 'no':<8} {feed.role:<6} {_human(age):>8} "
                   f"{int(meta.get('count', 0)) if age is not None else 0:>9}  {error[:120]}")
    problems = {what: names for what, names in _problems(cfg, max_age).items() if names}
    for what, names in problems.items():
        label = f"stale (older than {max_age:g}h)" if what == "stale" else what
        echo_err(f"{label}: {', '.join(names)}")
    sys.exit(1 if problems else 0)


def _max_age(ctx: click.Context, config_path: str | None) -> float:
    try:
        return load_settings(config_path or (ctx.find_root().obj or {}).get("config")).feeds_max_age
    except ConfigError:
        return 48.0  # _config already reported a bad settings file
