"""`scamscan serve`, `scamscan worker` and `scamscan reload`: the scan service (scanner/service/).

`serve` without `--redis` runs its own worker processes (the one-machine set-up); with `--redis` it
only queues, and `scamscan worker --redis URL` processes on any machine do the scanning.  Settings
come as for the gateways (``--config``/``$SCAMSCAN_CONFIG``, SCAMSCAN_* variables, ``--rules``).
"""

from __future__ import annotations

import sys

import click

from ..config import ConfigError
from ..intel.iocs import IocError
from ..rules import RuleError
from .gateway import CONFIG, EX_CONFIG, NO_BUNDLED, RULES, VERBOSE, _setup
from .logs import echo_err

EX_UNAVAILABLE = 69  # sysexits: the Redis server is not there


def _listen(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise click.BadParameter(f"expected HOST:PORT, not {value!r}")
    return host.strip("[]") or "127.0.0.1", int(port)


@click.command()
@click.option("--listen", default="127.0.0.1:8080", show_default=True,
              help="HOST:PORT to serve HTTP on (loopback unless a host is named).")
@click.option("--redis", "redis_url", default=None, help="Redis URL: queue jobs for `scamscan worker`s.")
@click.option("--workers", type=click.IntRange(0), default=None,
              help="Embedded mode: worker processes (default: service_workers, 0 = cores).")
@RULES
@NO_BUNDLED
@CONFIG
@VERBOSE
@click.pass_context
def serve(ctx: click.Context, listen: str, redis_url: str | None, workers: int | None, rules_dirs: tuple[str, ...],
          no_bundled_rules: bool, config_path: str | None, verbose: int) -> None:
    """HTTP scan service: Thunderstorm-compatible API, native API, metrics and a web page."""
    try:
        host, port = _listen(listen)
    except click.BadParameter as exc:
        raise click.UsageError(str(exc)) from None
    settings, path, adjust = _setup(ctx, config_path, rules_dirs, no_bundled_rules, verbose)
    settings = settings.replace(service_workers=workers)
    from ..service.app import create_app
    from ..service.server import serve as run_server

    try:
        if redis_url:
            from ..service.redisqueue import RedisBackend

            backend = RedisBackend(redis_url, settings)
        else:
            from ..service.embedded import EmbeddedBackend

            backend = EmbeddedBackend(settings, path, adjust)  # type: ignore[assignment]
    except (RuleError, IocError, ConfigError) as exc:
        echo_err(f"scamscan: error: {exc}")
        sys.exit(EX_CONFIG)
    echo_err(f"scamscan serve: http://{host}:{port}/ ({backend.mode})")
    run_server(create_app(backend, settings), host, port, settings.service_header_timeout)


@click.command()
@click.option("--redis", "redis_url", required=True, help="Redis URL of the service's queue.")
@click.option("--concurrency", type=click.IntRange(1), default=1, show_default=True,
              help="Worker processes on this machine.")
@RULES
@NO_BUNDLED
@CONFIG
@VERBOSE
@click.pass_context
def worker(ctx: click.Context, redis_url: str, concurrency: int, rules_dirs: tuple[str, ...], no_bundled_rules: bool,
           config_path: str | None, verbose: int) -> None:
    """Scan the jobs of a `scamscan serve --redis` service."""
    settings, path, adjust = _setup(ctx, config_path, rules_dirs, no_bundled_rules, verbose)
    import redis

    from ..service import rworker

    try:
        redis.Redis.from_url(redis_url).ping()
    except (redis.RedisError, ValueError) as exc:
        echo_err(f"scamscan: error: Redis at {redis_url}: {exc}")
        sys.exit(EX_UNAVAILABLE)
    try:
        rworker.run(redis_url, settings, concurrency, path, adjust)
    except (RuleError, IocError, ConfigError) as exc:
        echo_err(f"scamscan: error: {exc}")
        sys.exit(EX_CONFIG)


@click.command("reload")
@click.option("--redis", "redis_url", required=True, help="Redis URL of the service's queue.")
def reload_workers(redis_url: str) -> None:
    """Tell every worker to reload rules, feeds and settings (run after `feeds update` or a rules change)."""
    import redis

    from ..service.redisqueue import RELOAD_CHANNEL

    try:
        listeners = redis.Redis.from_url(redis_url).publish(RELOAD_CHANNEL, b"reload")
    except (redis.RedisError, ValueError) as exc:
        echo_err(f"scamscan: error: {exc}")
        sys.exit(EX_UNAVAILABLE)
    click.echo(f"reload sent to {listeners} worker(s)")


COMMANDS = [serve, worker, reload_workers]
