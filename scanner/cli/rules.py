"""`scamscan rules lint|test|compile`: rule CI, kept out of cli.py so the scan path stays thin.

Exit codes: 0 everything passed; 1 a problem or failure; 2 usage error.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..rules import RuleError, bundled_rules_dir
from ..ruleset.catalog import shown
from .logs import echo_err

DIRS = click.argument("dirs", nargs=-1, type=click.Path(exists=True, path_type=Path))
FORMAT = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)


def _dirs(dirs: tuple[Path, ...]) -> list[Path]:
    if dirs:
        return list(dirs)
    try:
        return [shown(bundled_rules_dir())]
    except RuleError as exc:
        raise click.UsageError(str(exc)) from None


@click.group()
def rules() -> None:
    """Lint, test and compile detection rule folders (default: the bundled rules/)."""


@rules.command()
@DIRS
@click.option("--strict", is_flag=True, help="Also fail on libyara's slow-pattern warnings.")
@FORMAT
def lint(dirs: tuple[Path, ...], strict: bool, fmt: str) -> None:
    """Compile with the scan-time externals; check names, required meta and samples."""
    from ..ruleset import lint as run_lint

    folders = _dirs(dirs)
    problems = run_lint(folders, strict=strict)
    if fmt == "json":
        click.echo(json.dumps({"ok": not problems, "dirs": [str(d) for d in folders],
                               "problems": [p.to_dict() for p in problems]}, indent=2))
    else:
        for p in problems:
            click.echo(str(p))
        files = len({p.file for p in problems})
        click.echo(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in {files} file"
                   f"{'s' if files != 1 else ''}" if problems else f"OK: {', '.join(map(str, folders))}")
    sys.exit(1 if problems else 0)


@rules.command(name="test")
@DIRS
@click.option("--manifest", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Sample manifest (default: samples/manifest.toml next to the rules folder, if any).")
@click.option("--benign", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="Folder or file no rule may fire on; repeatable.")
@click.option("--junit", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Also write JUnit XML to FILE.")
@FORMAT
def test_rules(dirs: tuple[Path, ...], manifest: Path | None, benign: tuple[Path, ...], junit: Path | None,
               fmt: str) -> None:
    """Every rule must hit its samples and nothing benign; every manifest sample its verdict."""
    from ..ruleset import run_tests
    from ..ruleset.catalog import RuleSource
    from ..ruleset.junit import render_junit

    folders = _dirs(dirs)
    repo = RuleSource.of(folders[0]).repo
    if not dirs and not (repo / "samples").is_dir():
        echo_err("scamscan: error: `rules test` needs the rules' samples, which ship with the source, not "
                 f"with the installed package (no samples/ next to {folders[0]}): run it in a clone of the "
                 "scamscan repository (scamscan rules test rules/), or give your own rule folders")
        sys.exit(2)
    if manifest is None:
        default = repo / "samples" / "manifest.toml"
        manifest = default if default.is_file() else None
    report = run_tests(folders, manifest, benign)
    if junit is not None:
        junit.write_text(render_junit(report), encoding="utf-8")
    if fmt == "json":
        click.echo(json.dumps({**report.to_dict(), "manifest": str(manifest) if manifest else None}, indent=2))
    else:
        for error in report.errors:
            click.echo(f"ERROR {error}")
        for r in report.rules:
            n = len(r.samples)
            click.echo(f"{'PASS' if r.ok else 'FAIL'} {r.name}  {r.file}:{r.line}  {len(r.hits)}/{n} samples"
                       f"  {r.time_ms:.2f} ms")
            for m in r.misses:
                click.echo(f"    miss: {m}")
            for fp in r.false_positives:
                click.echo(f"    false positive: {fp}")
        for s in report.samples:
            click.echo(f"{'PASS' if s.ok else 'FAIL'} {s.path}  {s.actual_verdict or '-'}")
            for failure in s.failures:
                click.echo(f"    {failure}")
        bad_rules = sum(1 for r in report.rules if not r.ok)
        bad_samples = sum(1 for s in report.samples if not s.ok)
        click.echo(f"rules: {len(report.rules) - bad_rules} passed, {bad_rules} failed; "
                   f"samples: {len(report.samples) - bad_samples} passed, {bad_samples} failed"
                   f"{' (no manifest)' if manifest is None else ''}; benign files: {report.benign_files}"
                   f"{'; rule set unusable' if report.errors else ''}")
    sys.exit(0 if report.ok else 1)


@rules.command(name="compile")
@DIRS
@click.option("-o", "--output", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Bundle to write (load it with `scamscan scan --compiled FILE`).")
def compile_rules(dirs: tuple[Path, ...], out: Path) -> None:
    """Compile the rule folders into one bundle for deployment."""
    from ..ruleset import compile_bundle

    try:
        count = compile_bundle(_dirs(dirs), out)
    except (RuleError, OSError) as exc:
        echo_err(f"scamscan: error: {exc}")
        sys.exit(1)
    click.echo(f"compiled {count} rules to {out}")
