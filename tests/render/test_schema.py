"""The published JSON Schema (scanner/schema/report.schema.json) describes every JSON and JSONL
report of the sample run, and schema_version follows semver."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from typing import Any

import jsonschema
import pytest
from helpers import REPO_ROOT, SAMPLES

from scanner.models import SCHEMA_VERSION
from scanner.render.json import schema

SAMPLE_DIRS = [str(SAMPLES / d) for d in ("clean", "lures", "bad")]


def _scan(fmt: str) -> str:
    r = subprocess.run([sys.executable, "-m", "scanner.cli", "scan", "--format", fmt, "--no-cache", *SAMPLE_DIRS],
                       capture_output=True, text=True, cwd=REPO_ROOT)
    assert r.returncode == 1, r.stderr  # the samples hold lures
    return r.stdout


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    doc = schema()
    jsonschema.Draft202012Validator.check_schema(doc)
    return jsonschema.Draft202012Validator(doc)


def _line_validator(doc: dict[str, Any]) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator({"$ref": "#/$defs/file_line", "$defs": doc["$defs"]})


def test_schema_is_draft_2020_12_and_ships_in_the_package() -> None:
    doc = schema()
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert (REPO_ROOT / "scanner" / "schema" / "report.schema.json").is_file()
    assert "scanner/schema/report.schema.json" in (REPO_ROOT / "README.md").read_text()


def test_schema_version_is_semver() -> None:
    assert re.fullmatch(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)", SCHEMA_VERSION)
    assert re.fullmatch(schema()["$defs"]["schema_version"]["pattern"], SCHEMA_VERSION)


def test_json_report_of_the_samples_validates(validator: jsonschema.Draft202012Validator) -> None:
    doc = json.loads(_scan("json"))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(doc)]
    assert not errors, errors[:10]
    assert len(doc["files"]) > 50


def test_jsonl_lines_of_the_samples_validate() -> None:
    lines = [json.loads(line) for line in _scan("jsonl").splitlines()]
    check = _line_validator(schema())
    errors = [f"{n}{list(e.absolute_path)}: {e.message}"
              for n, line in enumerate(lines) for e in check.iter_errors(line)]
    assert not errors, errors[:10]
    assert len(lines) > 50


def test_schema_rejects_what_it_must(validator: jsonschema.Draft202012Validator) -> None:
    doc = json.loads(_scan("json"))
    bad = json.loads(json.dumps(doc))
    bad["files"][0]["verdict"] = "fine"
    assert not validator.is_valid(bad)
    bad = json.loads(json.dumps(doc))
    bad["files"][0]["surprise"] = 1
    assert not validator.is_valid(bad)
    line = {"schema_version": SCHEMA_VERSION, **doc["files"][0]}
    assert _line_validator(schema()).is_valid(line)
    del line["schema_version"]
    assert not _line_validator(schema()).is_valid(line)
