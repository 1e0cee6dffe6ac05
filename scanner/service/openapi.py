"""The OpenAPI 3.1 document served at `/openapi.json` (written out: the routes are few and their
bodies are files and the report schema of `--format json`, not generated models)."""

from __future__ import annotations

from typing import Any

from ..version import __version__

_ERR = {"description": "error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_FILE = {"content": {"multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
    "file": {"type": "string", "format": "binary"}}}}}}
_RAW = {"content": {**_FILE["content"], "application/octet-stream": {"schema": {"type": "string",
                                                                                "format": "binary"}}}}
_SOURCE = {"name": "source", "in": "query", "schema": {"type": "string"}, "description": "submitting host"}
_NAME = {"name": "name", "in": "query", "schema": {"type": "string"}, "description": "file name (raw body)"}
_JOB = {"description": "job", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}}


def _op(summary: str, ok: dict[str, Any], body: dict[str, Any] | None = None,
        params: list[dict[str, Any]] | None = None, code: str = "200") -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "responses": {code: ok, "4XX": _ERR, "503": _ERR}}
    if body:
        op["requestBody"] = {"required": True, **body}
    if params:
        op["parameters"] = params
    return op


def _json(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"type": "object"}}}}


def document() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for base in ("/api", "/api/v1"):
        paths[f"{base}/check"] = {"post": _op("Thunderstorm: scan now; list of matches, empty when clean",
                                              {"description": "matches", "content": {"application/json": {
                                                  "schema": {"type": "array", "items": {"type": "object"}}}}},
                                              _FILE, [_SOURCE])}
        paths[f"{base}/checkAsync"] = {"post": _op("Thunderstorm: queue a scan", _json("{id}"), _FILE, [_SOURCE])}
        paths[f"{base}/getAsyncResults"] = {"get": _op("Thunderstorm: state and matches of a queued scan",
                                                       _json("{status, result}"), params=[
                                                           {"name": "id", "in": "query", "required": True,
                                                            "schema": {"type": "string"}}])}
        paths[f"{base}/status"] = {"get": _op("Thunderstorm: counters", _json("status"))}
        paths[f"{base}/info"] = {"get": _op("Thunderstorm: versions", _json("info"))}
    job_id = [{"name": "job_id", "in": "path", "required": True, "schema": {"type": "string"}}]
    sha = [{"name": "sha256", "in": "path", "required": True, "schema": {"type": "string"}}]
    paths.update({
        "/v1/scan": {"post": _op("Scan now; the job with its report", _JOB, _RAW, [_NAME, _SOURCE])},
        "/v1/jobs": {"post": _op("Queue a scan", _JOB, _RAW, [_NAME, _SOURCE], code="202")},
        "/v1/jobs/{job_id}": {"get": _op("State of a job and, once done, its report", _JOB, params=job_id)},
        "/v1/results/{sha256}": {"get": _op("The latest report for this content", _json("report"), params=sha)},
        "/v1/health": {"get": _op("Liveness (no token needed)", _json("health"))},
        "/v1/reload": {"post": _op("Reload rules and settings on every worker", _json("accepted"), code="202")},
        "/metrics": {"get": _op("Prometheus metrics", {"description": "text format", "content": {
            "text/plain": {"schema": {"type": "string"}}}})},
    })
    return {
        "openapi": "3.1.0",
        "info": {"title": "scamscan scan service", "version": __version__},
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {"type": "object", "required": ["error", "message"],
                          "properties": {"error": {"type": "string"}, "message": {"type": "string"}}},
                "Job": {"type": "object", "required": ["id", "state"], "properties": {
                    "id": {"type": "string"}, "state": {"enum": ["queued", "running", "done"]},
                    "name": {"type": "string"}, "source": {"type": "string"}, "sha256": {"type": "string"},
                    "size": {"type": "integer"}, "attempts": {"type": "integer"},
                    "report": {"description": "the `scamscan scan --format json` document, once done "
                                              "(JSON Schema: scanner/schema/report.schema.json)",
                               "type": ["object", "null"]}}},
            },
        },
        "security": [{"bearer": []}],
    }
