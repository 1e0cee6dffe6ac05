from __future__ import annotations

from pathlib import Path

import pytest

from scanner.config import ConfigError, MiB, Settings, default_cache_dir, load_settings, parse_size


@pytest.mark.parametrize(("value", "expected"), [
    (1048576, 1048576), ("1048576", 1048576), ("100MB", 100 * MiB), ("100 MiB", 100 * MiB),
    ("1.5 GiB", int(1.5 * 1024 * MiB)), ("10k", 10 * 1024), ("10KB", 10 * 1024), ("512b", 512), ("2g", 2048 * MiB),
    ("0", 0),
])
def test_parse_size(value: object, expected: int) -> None:
    assert parse_size(value) == expected


@pytest.mark.parametrize("value", ["lots", "10 XB", "", "-5MB", True, "1e3"])
def test_parse_size_rejects(value: object) -> None:
    with pytest.raises(ConfigError):
        parse_size(value)


def test_defaults_without_file_or_environment() -> None:
    s = load_settings(None, environ={})
    assert s == Settings()
    assert (s.max_depth, s.max_children, s.max_ratio, s.fail_on) == (10, 1000, 250, "suspicious")
    assert s.suspicious_threshold < s.malicious_threshold


def test_toml_file_overrides_defaults(tmp_path: Path) -> None:
    cfg = tmp_path / "s.toml"
    cfg.write_text('max_depth = 3\nmax_file_size = "1MB"\ntimeout = 2\nrules_dirs = ["/a", "/b"]\n'
                   'use_bundled_rules = false\n[feeds]\nurl = "https://example.invalid"\n')
    s = load_settings(cfg, environ={})
    assert s.max_depth == 3
    assert s.max_file_size == MiB
    assert s.timeout == 2.0 and isinstance(s.timeout, float)
    assert s.rules_dirs == ("/a", "/b")
    assert s.use_bundled_rules is False


def test_environment_overrides_file(tmp_path: Path) -> None:
    cfg = tmp_path / "s.toml"
    cfg.write_text("max_depth = 3\nmax_children = 7\n")
    s = load_settings(cfg, environ={"SCAMSCAN_MAX_DEPTH": "5", "SCAMSCAN_RESULT_CACHE": "no",
                                    "SCAMSCAN_MAX_TOTAL_SIZE": "2MB"})
    assert s.max_depth == 5
    assert s.max_children == 7
    assert s.result_cache is False
    assert s.max_total_size == 2 * MiB


def test_scamscan_config_variable_names_the_file(tmp_path: Path) -> None:
    cfg = tmp_path / "s.toml"
    cfg.write_text("max_children = 9\n")
    assert load_settings(None, environ={"SCAMSCAN_CONFIG": str(cfg)}).max_children == 9


def test_rules_dirs_from_environment_use_pathsep() -> None:
    import os

    s = load_settings(None, environ={"SCAMSCAN_RULES_DIRS": f"/x{os.pathsep}/y"})
    assert s.rules_dirs == ("/x", "/y")


@pytest.mark.parametrize(("content", "needle"), [
    ("max_depht = 3\n", "max_depht"),
    ("max_depth = \n", "invalid TOML"),
    ("max_depth = -1\n", "max_depth"),
    ('max_depth = "deep"\n', "max_depth"),
    ('fail_on = "clean"\n', "fail_on"),
    ('max_file_size = "huge"\n', "max_file_size"),
])
def test_bad_settings_file(tmp_path: Path, content: str, needle: str) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text(content)
    with pytest.raises(ConfigError, match=needle):
        load_settings(cfg, environ={})


def test_missing_settings_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read config"):
        load_settings(tmp_path / "nope.toml", environ={})


def test_bad_environment_value() -> None:
    with pytest.raises(ConfigError, match="max_children"):
        load_settings(None, environ={"SCAMSCAN_MAX_CHILDREN": "many"})


def test_replace_coerces_and_ignores_none() -> None:
    s = Settings().replace(max_file_size="2MB", max_depth=None, timeout=1)
    assert s.max_file_size == 2 * MiB
    assert s.max_depth == Settings().max_depth
    assert s.timeout == 1.0
    with pytest.raises(ConfigError):
        Settings().replace(fail_on="sometimes")


def test_fingerprint_follows_result_changing_settings() -> None:
    base = Settings()
    assert base.fingerprint() == Settings().fingerprint()
    assert base.replace(max_depth=2).fingerprint() != base.fingerprint()
    assert base.replace(suspicious_threshold=10).fingerprint() != base.fingerprint()
    assert base.replace(jobs=4).fingerprint() == base.fingerprint()


def test_default_cache_dir_honours_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / "scamscan"
    assert Settings().cache_dir == str(tmp_path / "scamscan")


def test_suite_cache_is_isolated(cache_home: Path) -> None:
    assert Settings().cache_dir == str(cache_home / "scamscan")
    assert not Settings().cache_dir.startswith(str(Path.home() / ".cache"))


# --- where the settings file comes from, and validation ------------------------------------------

@pytest.fixture()
def config_places(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    import scanner.config as config

    places = {"explicit": tmp_path / "explicit.toml", "env": tmp_path / "env.toml",
              "user": tmp_path / "xdg" / "scamscan" / "config.toml", "system": tmp_path / "etc" / "config.toml"}
    for n, (name, p) in enumerate(places.items(), start=1):
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(f"max_children = {n}\n# {name}\n")
    monkeypatch.setattr(config, "SYSTEM_CONFIG", places["system"])
    return places


def test_config_search_order(config_places: dict[str, Path]) -> None:
    env = {"SCAMSCAN_CONFIG": str(config_places["env"]), "XDG_CONFIG_HOME": str(config_places["user"].parents[1])}
    s = load_settings(config_places["explicit"], environ=env)
    assert (s.max_children, s.config_file) == (1, str(config_places["explicit"]))
    assert load_settings(None, environ=env).max_children == 2
    del env["SCAMSCAN_CONFIG"]
    assert load_settings(None, environ=env).config_file == str(config_places["user"])
    env["XDG_CONFIG_HOME"] = str(config_places["user"].parent / "nothing-here")
    assert load_settings(None, environ=env).config_file == str(config_places["system"])
    config_places["system"].unlink()
    assert load_settings(None, environ=env).config_file == ""


def test_version_shows_the_settings_file(config_places: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from scanner.cli import main

    monkeypatch.setenv("XDG_CONFIG_HOME", str(config_places["user"].parents[1]))
    out = CliRunner().invoke(main, ["version"]).output
    assert f"config {config_places['user']}" in out
    out = CliRunner().invoke(main, ["--config", str(config_places["explicit"]), "version"]).output
    assert f"config {config_places['explicit']}" in out


@pytest.mark.parametrize(("content", "environ", "needle"), [
    ("suspicious_threshold = 500\n", {}, r"suspicious_threshold \(from .*c\.toml\) must lie in 1\.\.100"),
    ("malicious_threshold = 0\n", {}, "malicious_threshold .* must lie in 1..100"),
    ("suspicious_threshold = 80\n", {}, "suspicious_threshold .* must be below malicious_threshold"),
    ("", {"SCAMSCAN_MALICIOUS_THRESHOLD": "20"}, "environment variable SCAMSCAN_MALICIOUS_THRESHOLD"),
    ('max_depth = "deep"\n', {}, r"setting max_depth \(from .*c\.toml\)"),
    ("max_depth = 2.5\n", {}, r"max_depth \(from .*c\.toml\): expected an integer"),
    ("timeout = true\n", {}, r"timeout \(from .*c\.toml\): expected a number"),
    ("rules_dirs = 3\n", {}, r"rules_dirs \(from .*c\.toml\): expected a list"),
    ("", {"SCAMSCAN_MAX_HOSTS": "lots"}, r"max_hosts \(from environment variable SCAMSCAN_MAX_HOSTS\)"),
])
def test_settings_validation_names_setting_and_source(tmp_path: Path, content: str, environ: dict[str, str],
                                                      needle: str) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(content)
    with pytest.raises(ConfigError, match=needle):
        load_settings(cfg, environ=environ)
