"""`scamscan milter|clamd|filter`: the mail gateway hooks (scanner/gateway/), kept out of cli.py.

Each loads the settings (``--config``/``$SCAMSCAN_CONFIG``, SCAMSCAN_* variables),
adds ``--rules`` sources, and hands a ScanService to the hook.  Logs go to ``--log-target``
(stderr, syslog or journald; cli/logs.py).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from typing import Any

import click

from ..config import ConfigError, Settings, load_settings
from ..gateway.sockets import SocketError, parse_mode
from ..intel.iocs import IocError
from ..rules import RuleError
from .logs import TARGETS, LogSetupError, echo_err, setup_logging

EX_CONFIG = 78  # sysexits: the daemon cannot start with this configuration

RULES = click.option("--rules", "rules_dirs", multiple=True, type=click.Path(exists=True),
                     help="Extra rule source (folder of .yar files, optional iocs/); repeatable.")
NO_BUNDLED = click.option("--no-bundled-rules", is_flag=True, help="Use only the --rules sources.")
CONFIG = click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
                      help="TOML settings file; re-read on reload.")
VERBOSE = click.option("-v", "--verbose", count=True, help="More log detail (-v info, -vv debug).")
LOG_TARGET = click.option("--log-target", type=click.Choice(TARGETS), default="stderr", show_default=True,
                          help="Where logs go (syslog: facility mail via /dev/log; journald: native protocol).")
SOCKET_MODE = click.option("--socket-mode", default=None,
                           help="Mode of a Unix socket, octal (default: socket_mode setting, 0660).")
SOCKET_GROUP = click.option("--socket-group", default=None,
                            help="Group of a Unix socket, e.g. postfix (default: socket_group setting).")


def _setup(ctx: click.Context, config_path: str | None, rules_dirs: tuple[str, ...], no_bundled: bool,
           verbose: int, log_target: str = "stderr") -> tuple[Settings, str | None, Callable[[Settings], Settings]]:
    try:
        setup_logging(log_target, verbose)
    except LogSetupError as exc:
        echo_err(f"scamscan: error: {exc}")
        sys.exit(EX_CONFIG)
    path = config_path or (ctx.obj or {}).get("config")

    def adjust(settings: Settings) -> Settings:  # options on top of the (re-read) settings file
        return settings.replace(rules_dirs=settings.rules_dirs + rules_dirs,
                                use_bundled_rules=False if no_bundled else None)

    try:
        return adjust(load_settings(path)), path, adjust
    except ConfigError as exc:
        echo_err(f"scamscan: error: {exc}")
        sys.exit(EX_CONFIG)


def _service(settings: Settings, path: str | None, adjust: Callable[[Settings], Settings]) -> Any:
    from ..gateway.service import ScanService

    try:
        return ScanService(settings, path, adjust)
    except (RuleError, IocError, ConfigError) as exc:
        echo_err(f"scamscan: error: {exc}")
        sys.exit(EX_CONFIG)


def _socket_options(settings: Settings, mode: str | None, group: str | None) -> tuple[int, str]:
    try:
        chosen = parse_mode(mode if mode is not None else settings.socket_mode)
        name = group if group is not None else settings.socket_group
        from ..gateway.sockets import group_id

        group_id(name)  # an unknown group is a start-up error, before anything listens
    except SocketError as exc:
        echo_err(f"scamscan: error: {exc}")
        sys.exit(EX_CONFIG)
    return chosen, name


def _milter_socket(value: str) -> str:
    kind, sep, rest = value.partition(":")
    if not sep or kind not in ("inet", "inet6", "unix", "local") or not rest:
        raise click.BadParameter("expected inet:PORT@HOST, inet6:PORT@HOST or unix:PATH")
    if kind in ("inet", "inet6") and "@" not in rest:
        return f"{value}@{'127.0.0.1' if kind == 'inet' else '::1'}"  # loopback unless a host is named
    return value


@click.command()
@click.option("--socket", "socket_spec", default="inet:7357@127.0.0.1", show_default=True,
              help="Where the MTA connects: inet:PORT@HOST or unix:PATH (libmilter syntax).")
@SOCKET_MODE
@SOCKET_GROUP
@RULES
@NO_BUNDLED
@CONFIG
@VERBOSE
@LOG_TARGET
@click.pass_context
def milter(ctx: click.Context, socket_spec: str, socket_mode: str | None, socket_group: str | None,
           rules_dirs: tuple[str, ...], no_bundled_rules: bool, config_path: str | None, verbose: int,
           log_target: str) -> None:
    """Milter for Postfix/Sendmail: scan each message at end of data, act per verdict.

    SIGHUP reloads settings, rules and feeds (a failed reload keeps the old ones); SIGTERM stops."""
    spec = _milter_socket(socket_spec)
    try:
        from ..gateway import milter as hook
    except ImportError as exc:
        echo_err(f"scamscan: error: the milter needs pymilter ({exc}); "
                 "install libmilter-dev, then pip install 'scamscan[gateway]'")
        sys.exit(EX_CONFIG)
    setup = _setup(ctx, config_path, rules_dirs, no_bundled_rules, verbose, log_target)
    mode, group = _socket_options(setup[0], socket_mode, socket_group)
    service = _service(*setup)
    try:
        hook.run(service, spec, socket_mode=mode, socket_group=group)
    except (RuntimeError, SocketError) as exc:
        echo_err(f"scamscan: error: {exc}")
        sys.exit(EX_CONFIG)


@click.command()
@click.option("--tcp", "tcp", default=None, help="Listen on HOST:PORT (default 127.0.0.1:3310 without --unix).")
@click.option("--unix", "unix", type=click.Path(dir_okay=False), default=None, help="Listen on a Unix socket.")
@SOCKET_MODE
@SOCKET_GROUP
@RULES
@NO_BUNDLED
@CONFIG
@VERBOSE
@LOG_TARGET
@click.pass_context
def clamd(ctx: click.Context, tcp: str | None, unix: str | None, socket_mode: str | None, socket_group: str | None,
          rules_dirs: tuple[str, ...], no_bundled_rules: bool, config_path: str | None, verbose: int,
          log_target: str) -> None:
    """clamd-compatible daemon (INSTREAM, SCAN under clamd_scan_roots, IDSESSION...).

    RELOAD, SIGHUP or SIGUSR2 reload rules; SHUTDOWN, SIGTERM stop."""
    from ..gateway.clamd import ClamdDaemon, parse_tcp

    try:
        address = parse_tcp(tcp) if tcp else (None if unix else ("127.0.0.1", 3310))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--tcp") from None
    setup = _setup(ctx, config_path, rules_dirs, no_bundled_rules, verbose, log_target)
    mode, group = _socket_options(setup[0], socket_mode, socket_group)
    daemon = ClamdDaemon(_service(*setup), mode, group)
    try:
        asyncio.run(daemon.serve(address, unix))
    except SocketError as exc:
        echo_err(f"scamscan: error: {exc}")
        sys.exit(EX_CONFIG)
    except OSError as exc:
        echo_err(f"scamscan: error: cannot listen: {exc.strerror or exc}")
        sys.exit(EX_CONFIG)


@click.command(name="filter")
@click.option("--reject-exit", type=click.IntRange(0, 255), default=0, show_default=True,
              help="Exit code for mail at or above fail_on (0: deliver it with the headers; 77: bounce).")
@click.option("--error-exit", type=click.IntRange(0, 255), default=75, show_default=True,
              help="Exit code when the message could not be scanned (75 = EX_TEMPFAIL: retry later).")
@click.option("--reinject", is_flag=True,
              help="Postfix pipe(8): hand the scanned message to sendmail -f SENDER -- RECIPIENT... "
                   "instead of stdout, and exit with the code Postfix must see.")
@click.option("-f", "--sender", default="", help="Envelope sender for --reinject (Postfix: ${sender}).")
@click.option("--sendmail", "sendmail_cmd", default="/usr/sbin/sendmail", show_default=True,
              help="sendmail command for --reinject.")
@click.argument("recipients", nargs=-1)
@RULES
@NO_BUNDLED
@CONFIG
@click.pass_context
def filter_command(ctx: click.Context, reject_exit: int, error_exit: int, reinject: bool, sender: str,
                   sendmail_cmd: str, recipients: tuple[str, ...], rules_dirs: tuple[str, ...],
                   no_bundled_rules: bool, config_path: str | None) -> None:
    """Pipe filter: message on stdin, same message plus X-Scamscan-* headers on stdout
    (or, with --reinject, back to Postfix through sendmail)."""
    from ..gateway import filter as hook
    from ..gateway.reinject import reinject as resubmit

    if reinject and not recipients:
        raise click.UsageError("--reinject needs the recipients: ... --reinject -f ${sender} -- ${recipient}")
    if recipients and not reinject:
        raise click.UsageError("recipients are only used with --reinject")

    path = config_path or (ctx.obj or {}).get("config")
    try:
        settings = load_settings(path)
        settings = settings.replace(rules_dirs=settings.rules_dirs + rules_dirs,
                                    use_bundled_rules=False if no_bundled_rules else None)
    except ConfigError as exc:
        echo_err(f"scamscan: error: {exc}")
        from ..gateway import headers as hdr

        if reinject:
            sys.exit(error_exit)  # Postfix keeps the message and retries
        data = sys.stdin.buffer.read()  # the message still goes through, marked not scanned
        sys.stdout.buffer.write(hdr.prepend(data, hdr.error_headers(f"bad settings: {exc}")))
        sys.stdout.flush()
        sys.exit(error_exit)
    deliver = (lambda data: resubmit(data, sender, list(recipients), sendmail_cmd)) if reinject else None
    sys.exit(hook.run(settings, sys.stdin.buffer, sys.stdout.buffer, reject_exit, error_exit, deliver))


COMMANDS = [milter, clamd, filter_command]
