"""The `scamscan` command: parse, call the library, render, exit code.  Nothing else.

Exit codes (stable): 0 all clean; 1 something at or above --fail-on; 2 usage or
internal error; 3 nothing flagged but something could not be fully scanned; 130
interrupted (Ctrl-C / SIGINT): the workers are stopped and the report of what
finished is still written, every file not finished listed as `incomplete` with
reason `interrupted` (the JSON schema is unchanged).
"""

from __future__ import annotations

import enum
import signal
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import click

from ..config import ConfigError, Settings, load_settings, parse_size
from ..intel.iocs import IocError
from ..models import ItemReport, ScanReport, Verdict
from ..render import RENDERERS, STREAMERS
from ..render import text as text_render
from ..render.escape import visible
from ..rules import RuleError
from ..version import __version__
from ..walk import walk
from . import malloc
from .feeds import feeds as feeds_group
from .gateway import COMMANDS as GATEWAY_COMMANDS
from .logs import echo_err, setup_logging
from .rules import rules as rules_group
from .serve import COMMANDS as SERVICE_COMMANDS

PROGRESS_MIN_FILES = 20


class ExitCode(enum.IntEnum):
    CLEAN = 0
    FLAGGED = 1
    ERROR = 2
    INCOMPLETE = 3
    INTERRUPTED = 130  # 128 + SIGINT, as shells report it


def exit_code(report: ScanReport, fail_on: str) -> ExitCode:
    threshold = Verdict(fail_on)
    if any(f.verdict >= threshold for f in report.files):
        return ExitCode.FLAGGED
    if any(f.verdict == Verdict.INCOMPLETE or f.incomplete for f in report.files):
        return ExitCode.INCOMPLETE
    return ExitCode.CLEAN


def _fail(message: str) -> None:
    echo_err(f"scamscan: error: {message}")
    sys.exit(ExitCode.ERROR)


def _size(ctx: click.Context, param: click.Parameter, value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return parse_size(value)
    except ConfigError as exc:
        raise click.BadParameter(visible(str(exc))) from None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="TOML settings file (else $SCAMSCAN_CONFIG, $XDG_CONFIG_HOME/scamscan/config.toml, "
                   "/etc/scamscan/config.toml).")
@click.version_option(__version__, prog_name="scamscan")
@click.pass_context
def main(ctx: click.Context, config_path: str | None) -> None:
    """Catch fake-update scams in files, archives, documents, scripts and emails."""
    malloc.tune()  # before any rules are loaded or workers forked (see scanner/cli/malloc.py)
    ctx.obj = {"config": config_path}


def _settings(ctx: click.Context, config_path: str | None) -> Settings:
    try:
        return load_settings(config_path or (ctx.obj or {}).get("config"))
    except ConfigError as exc:
        _fail(str(exc))
        raise  # unreachable


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, allow_dash=True))
@click.option("--format", "fmt", type=click.Choice(sorted(RENDERERS)), default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, allow_dash=True),
              help="Write the report to FILE instead of stdout.")
@click.option("--rules", "rules_dirs", multiple=True, type=click.Path(exists=True),
              help="Extra rule source (folder of .yar files, optional iocs/); repeatable.")
@click.option("--no-bundled-rules", is_flag=True, help="Use only the --rules sources.")
@click.option("--compiled", type=click.Path(exists=True, dir_okay=False),
              help="YARA bundle from `scamscan rules compile` instead of the rule sources (iocs still load).")
@click.option("--fail-on", type=click.Choice(["suspicious", "malicious"]), default=None,
              help="Lowest verdict that makes the exit code 1 (default: suspicious).")
@click.option("--max-depth", type=click.IntRange(0), default=None, help="Nesting depth limit.")
@click.option("--max-file-size", callback=_size, default=None, help="Size limit of one item (e.g. 200MB).")
@click.option("--max-total-size", callback=_size, default=None, help="Bytes expanded from one file.")
@click.option("--max-children", type=click.IntRange(0), default=None, help="Members per container.")
@click.option("--max-ratio", type=click.IntRange(1), default=None, help="Compression ratio limit.")
@click.option("--timeout", type=click.FloatRange(0.1), default=None, help="Seconds per check per item.")
@click.option("-j", "--jobs", type=click.IntRange(0), default=None, help="Worker processes (0: all cores).")
@click.option("--no-cache", is_flag=True, help="Do not reuse or store per-file results.")
@click.option("-q", "--quiet", is_flag=True, help="Text format: show only files that are not clean.")
@click.option("--progress/--no-progress", default=None, help="Progress bar on stderr (default: on a terminal).")
@click.option("-v", "--verbose", is_flag=True, help="Debug logs on stderr; text format: every message in full.")
@click.option("--exclude", "exclude", multiple=True, metavar="GLOB",
              help="Skip files and folders whose name or path matches GLOB (repeatable; also the exclude setting).")
@click.option("--name", "stdin_name", default=None, metavar="NAME",
              help="File name of stdin (`scan - --name invoice.pdf.exe`): type detection, rules, report.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None, help="TOML settings file.")
@click.pass_context
def scan(ctx: click.Context, paths: tuple[str, ...], fmt: str, output: str | None, rules_dirs: tuple[str, ...],
         no_bundled_rules: bool, compiled: str | None, fail_on: str | None, max_depth: int | None,
         max_file_size: int | None, max_total_size: int | None, max_children: int | None, max_ratio: int | None,
         timeout: float | None, jobs: int | None, no_cache: bool, quiet: bool, progress: bool | None,
         verbose: bool, exclude: tuple[str, ...], stdin_name: str | None, config_path: str | None) -> None:
    """Scan files, folders (recursively) or - (stdin)."""
    setup_logging("stderr", 2 if verbose else 0)
    from ..api import STDIN_NAME, Scanner  # deferred: `scamscan version`/--help stay instant
    from ..rules import load_compiled

    base = _settings(ctx, config_path)
    with_yara = [d for d in rules_dirs + base.rules_dirs if _has_yara(d)] if compiled else []
    if with_yara:
        _fail("--compiled replaces the YARA rule sources, so the .yar files of --rules/rules_dirs "
              f"({', '.join(with_yara)}) would be ignored: compile them into the bundle "
              "(scamscan rules compile DIR... -o FILE) or leave out --compiled")
    try:
        settings = base.replace(
            rules_dirs=base.rules_dirs + rules_dirs, use_bundled_rules=False if no_bundled_rules else None,
            fail_on=fail_on, max_depth=max_depth, max_file_size=max_file_size, max_total_size=max_total_size,
            max_children=max_children, max_ratio=max_ratio, timeout=timeout, jobs=jobs,
            result_cache=False if no_cache else None)
        scanner = Scanner(settings, rules=load_compiled(Path(compiled)) if compiled else None)
    except (ConfigError, RuleError, IocError) as exc:
        _fail(str(exc))
        return
    _warn_about_feeds(settings)
    started = _now()
    if stdin_name is not None and "-" not in paths:
        _fail("--name names standard input: use it with - (scamscan scan - --name NAME)")
    targets = list(walk(paths, exclude=base.exclude + exclude))
    try:
        out: IO[str] = click.open_file(output or "-", "w", encoding="utf-8", errors="backslashreplace")
    except OSError as exc:
        _fail(f"cannot write {output}: {exc.strerror or exc}")
        return
    streamer = STREAMERS.get(fmt)
    results: list[ItemReport] = []
    interrupted = False
    try:
        with out:
            scans = scanner.scan_targets(targets, isolate=True, stdin_name=stdin_name or STDIN_NAME)
            try:
                for item in _with_progress(scans, len(targets), progress):
                    results.append(item)
                    if streamer is not None:
                        out.write(streamer(item))
                        out.flush()
            except KeyboardInterrupt:
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not lose the report
                interrupted = True
                scans.close()  # kills the workers
                echo_err("scamscan: interrupted: reporting the files that finished")
                for item in scanner.unfinished(targets, results, stdin_name=stdin_name or STDIN_NAME):
                    results.append(item)
                    if streamer is not None:
                        out.write(streamer(item))
            order = {t.path: i for i, t in enumerate(targets)}
            results.sort(key=lambda r: order.get(r.path, len(order)))
            report = ScanReport(files=tuple(results), tool_version=__version__,
                                rules_version=scanner.rules_version, started=started, finished=_now())
            if streamer is None:
                color = output is None and sys.stdout.isatty()
                out.write(text_render.render(report, quiet=quiet, color=color, verbose=verbose) if fmt == "text"
                          else RENDERERS[fmt](report))
    except KeyboardInterrupt:
        echo_err("scamscan: interrupted")
        sys.exit(ExitCode.INTERRUPTED)
    except OSError as exc:
        _fail(f"cannot write the report: {exc.strerror or exc}")
    sys.exit(ExitCode.INTERRUPTED if interrupted else exit_code(report, settings.fail_on))


def _warn_about_feeds(settings: Settings) -> None:
    """Once per scan, on stderr: enabled feeds never fetched or older than `feeds_max_age`."""
    from ..intel.feeds import FeedError, load_feeds_config
    from .feeds import feed_warning

    try:
        warning = feed_warning(load_feeds_config(settings.cache_dir, settings.config_file or None),
                               settings.feeds_max_age)
    except FeedError as exc:
        warning = f"scamscan: warning: feed settings unusable: {exc}"
    if warning:
        echo_err(warning)


def _has_yara(folder: str) -> bool:
    from ..rules import find_rule_files

    try:
        return bool(find_rule_files([Path(folder)]))
    except RuleError:
        return False  # reported as a missing rules source by the scanner


def _with_progress(results: Iterator[ItemReport], total: int, progress: bool | None) -> Iterator[ItemReport]:
    show = progress if progress is not None else (sys.stderr.isatty() and total >= PROGRESS_MIN_FILES)
    if not show:
        yield from results
        return
    bar: Any
    with click.progressbar(length=total, label="scanning", file=sys.stderr) as bar:
        for item in results:
            bar.update(1)
            yield item


@main.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None)
@click.pass_context
def version(ctx: click.Context, config_path: str | None) -> None:
    """Print tool, rules and YARA versions."""
    import yara

    from ..engine import Engine

    settings = _settings(ctx, config_path)
    started = time.perf_counter()
    try:
        engine = Engine(settings)
    except (RuleError, IocError) as exc:
        _fail(str(exc))
        return
    click.echo(f"scamscan {__version__}")
    click.echo(f"config {settings.config_file or 'none (defaults)'}")
    click.echo(f"rules {engine.rules.version} ({engine.rules.count} rules in {len(engine.rules.files)} files, "
               f"{'cached' if engine.rules.from_cache else 'compiled'} in {time.perf_counter() - started:.2f}s)")
    click.echo(f"yara-python {yara.__version__} (libyara {yara.YARA_VERSION})")
    from ..intel.feeds import FeedError, load_feeds_config
    from .feeds import feed_summary
    try:
        lines = feed_summary(load_feeds_config(settings.cache_dir, settings.config_file or None))
    except FeedError as exc:
        lines = [f"feeds: {exc}"]
    click.echo("\n".join(lines) or "feeds none downloaded (scamscan feeds update)")


main.add_command(rules_group)
main.add_command(feeds_group)
for _gateway_command in GATEWAY_COMMANDS + SERVICE_COMMANDS:
    main.add_command(_gateway_command)

if __name__ == "__main__":  # pragma: no cover
    main()
