"""The HTTP API: Thunderstorm-compatible routes, the native `/v1` API, `/metrics`, the web page.

Why Starlette (with uvicorn) rather than FastAPI: the service's documents are the scanner's own
dataclasses (`ScanReport.to_dict`), not request models, so FastAPI's pydantic layer would add a
second schema and a dependency without validating anything; what matters here is control of the
request body (streamed with a size cap and a deadline, multipart parsed by Starlette's parser from
the capped bytes), which plain Starlette gives directly.  The OpenAPI document is written by hand in
`openapi.py`.
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from redis.exceptions import RedisError
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from ..config import Settings
from ..render.html import render_page
from ..version import __version__
from . import metrics, openapi, page, thunderstorm
from .backend import Backend
from .guard import ApiError, Guard, read_body
from .jobs import DONE, Job, QueueFull, Upload

Handler = Callable[[Request], Awaitable[Response]]
NOT_A_FILE = ("application/json", "application/x-www-form-urlencoded")


class Service:
    def __init__(self, backend: Backend, settings: Settings) -> None:
        self.backend, self.settings = backend, settings
        self.started = time.time()
        self.metrics = metrics.Metrics()

    async def upload(self, request: Request, multipart_only: bool) -> tuple[bytes, Upload]:
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype != "multipart/form-data" and (multipart_only or ctype in NOT_A_FILE):
            want = "multipart/form-data" if multipart_only else "multipart/form-data or a raw body"
            raise ApiError(415, "unsupported_media_type", f"expected {want}, not {ctype or 'no content type'}")
        body = await read_body(request, self.settings.service_max_body, self.settings.service_header_timeout)
        source = request.query_params.get("source", "")
        if ctype != "multipart/form-data":
            name = request.query_params.get("name") or request.headers.get("x-file-name") or "upload"
            return body, Upload.of(body, name, source)
        return await self._multipart(request, body, source)

    async def _multipart(self, request: Request, body: bytes, source: str) -> tuple[bytes, Upload]:
        async def chunks() -> AsyncGenerator[bytes, None]:
            yield body

        parser = MultiPartParser(request.headers, chunks(), max_files=1, max_fields=16)
        try:
            form = await parser.parse()
        except MultiPartException as exc:
            raise ApiError(400, "bad_multipart", f"multipart body not readable: {exc.message}") from None
        file = form.get("file")
        if not isinstance(file, UploadFile):
            boundary = request.headers.get("content-type", "").partition("boundary=")[2].strip('"')
            if boundary and f"--{boundary}--".encode() not in body:
                raise ApiError(400, "truncated", "multipart body ends before its closing boundary")
            raise ApiError(400, "missing_file", "multipart field 'file' with the file is required")
        data = await file.read()
        await file.close()
        name = request.query_params.get("name") or file.filename or "upload"
        return data, Upload.of(data, name, source)

    async def submit(self, data: bytes, upload: Upload) -> Job:
        try:
            return await self.backend.submit(data, upload)
        except QueueFull as exc:
            raise ApiError(503, "queue_full", f"the scan queue is full ({exc}); retry later",
                           {"Retry-After": "5"}) from None

    async def scan_sync(self, request: Request, multipart_only: bool) -> Job:
        started = time.perf_counter()
        data, upload = await self.upload(request, multipart_only)
        job = await self.submit(data, upload)
        done = await self.backend.wait(job.id, self.settings.service_sync_timeout)
        if done is None or done.state != DONE:
            raise ApiError(504, "scan_timeout", f"no result within {self.settings.service_sync_timeout:g}s; "
                           f"job {job.id} goes on: GET /v1/jobs/{job.id}")
        self.metrics.observe(request.url.path, time.perf_counter() - started)
        return done

    async def job(self, job_id: str) -> Job:
        job = await self.backend.get(job_id) if job_id else None
        if job is None:
            raise ApiError(404, "unknown_job", f"no job {job_id!r} (unknown or expired)")
        return job

    # Thunderstorm (THOR) routes -------------------------------------------------------------------

    async def ts_check(self, request: Request) -> Response:
        return JSONResponse(thunderstorm.matches(await self.scan_sync(request, multipart_only=True)))

    async def ts_check_async(self, request: Request) -> Response:
        data, upload = await self.upload(request, multipart_only=True)
        return JSONResponse({"id": (await self.submit(data, upload)).id})

    async def ts_results(self, request: Request) -> Response:
        return JSONResponse(thunderstorm.async_result(await self.job(request.query_params.get("id", ""))))

    async def ts_status(self, request: Request) -> Response:
        counters = await self.backend.stats()
        scans = counters.get("scans", 0)
        avg_ms = round(1000 * counters.get("scan_seconds", 0) / scans) if scans else 0
        uptime = int(time.time() - self.started)
        return JSONResponse({"uptime_seconds": uptime, "uptime_s": uptime, "scanned_samples": int(scans),
                             "avg_scan_time_milliseconds": avg_ms, "avg_scan_time_ms": avg_ms,
                             "queued_async_requests": await self.backend.queue_length(),
                             "denied_requests": 0, "workers": await self.backend.workers()})

    async def ts_info(self, request: Request) -> Response:
        import yara

        await self.backend.stats()  # refreshes the Redis back end's view of the workers' rules
        return JSONResponse({"thor_version": f"scamscan {__version__}", "scamscan_version": __version__,
                             "signature_version": self.backend.rules_version, "yara_version": yara.YARA_VERSION,
                             "threads": await self.backend.workers(), "allowed_samples_per_hour": 0,
                             "license_expiration_date": "", **self.backend.describe()})

    # Native routes -------------------------------------------------------------------------------

    async def scan(self, request: Request) -> Response:
        return JSONResponse(_job_doc(await self.scan_sync(request, multipart_only=False)))

    async def submit_job(self, request: Request) -> Response:
        data, upload = await self.upload(request, multipart_only=False)
        job = await self.submit(data, upload)
        return JSONResponse(_job_doc(job), status_code=202, headers={"Location": f"/v1/jobs/{job.id}"})

    async def get_job(self, request: Request) -> Response:
        return JSONResponse(_job_doc(await self.job(request.path_params["job_id"])))

    async def result(self, request: Request) -> Response:
        sha = request.path_params["sha256"].lower()
        if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
            raise ApiError(400, "bad_sha256", "expected 64 hex digits")
        report = await self.backend.latest(sha)
        if report is None:
            raise ApiError(404, "unknown_sha256", f"no report for {sha} (never scanned here, or expired)")
        return JSONResponse(report.to_dict())

    async def health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok", "mode": self.backend.mode, "workers": await self.backend.workers(),
                             "queue": await self.backend.queue_length()})

    async def prometheus(self, request: Request) -> Response:
        text = self.metrics.render(await self.backend.stats(), await self.backend.queue_length(),
                                   await self.backend.workers())
        return PlainTextResponse(text, media_type="text/plain; version=0.0.4")

    async def reload(self, request: Request) -> Response:
        await self.backend.reload()
        return JSONResponse({"status": "reload requested"}, status_code=202)

    async def openapi_doc(self, request: Request) -> Response:
        return JSONResponse(openapi.document())

    # The web page --------------------------------------------------------------------------------

    async def index(self, request: Request) -> Response:
        return HTMLResponse(page.index())

    async def web_scan(self, request: Request) -> Response:
        try:
            job = await self.scan_sync(request, multipart_only=True)
        except ApiError as exc:
            return HTMLResponse(page.error(exc.message), status_code=exc.status, headers=exc.headers)
        assert job.report is not None
        return HTMLResponse(render_page(job.report, title="scamscan", before=page.form(),
                                        json_link=f"/v1/jobs/{job.id}"))


def _job_doc(job: Job) -> dict[str, Any]:
    return job.to_dict()


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    headers = dict(exc.headers)
    if request.method == "POST":
        headers["Connection"] = "close"  # the body may be unread: do not wait for the client's next request
    return JSONResponse({"error": exc.code, "message": exc.message}, status_code=exc.status, headers=headers)


async def _backend_down(request: Request, exc: Exception) -> Response:
    return JSONResponse({"error": "queue_unavailable", "message": f"the job queue is unreachable: {exc}"},
                        status_code=503, headers={"Retry-After": "10"})


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return JSONResponse({"error": code, "message": f"{exc.detail}: {request.method} {request.url.path}"},
                        status_code=exc.status_code, headers=exc.headers)


def create_app(backend: Backend, settings: Settings) -> Starlette:
    svc = Service(backend, settings)
    routes = [Route("/", svc.index, methods=["GET"]), Route("/", svc.web_scan, methods=["POST"])]
    for base in ("/api", "/api/v1"):
        routes += [Route(f"{base}/check", svc.ts_check, methods=["POST"]),
                   Route(f"{base}/checkAsync", svc.ts_check_async, methods=["POST"]),
                   Route(f"{base}/getAsyncResults", svc.ts_results, methods=["GET"]),
                   Route(f"{base}/status", svc.ts_status, methods=["GET"]),
                   Route(f"{base}/info", svc.ts_info, methods=["GET"])]
    routes += [Route("/v1/scan", svc.scan, methods=["POST"]), Route("/v1/jobs", svc.submit_job, methods=["POST"]),
               Route("/v1/jobs/{job_id}", svc.get_job, methods=["GET"]),
               Route("/v1/results/{sha256}", svc.result, methods=["GET"]),
               Route("/v1/health", svc.health, methods=["GET"]), Route("/v1/reload", svc.reload, methods=["POST"]),
               Route("/metrics", svc.prometheus, methods=["GET"]),
               Route("/openapi.json", svc.openapi_doc, methods=["GET"])]

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await backend.close()

    return Starlette(routes=routes, middleware=[Middleware(Guard, settings=settings)],
                     exception_handlers={ApiError: _api_error, HTTPException: _http_error,
                                         RedisError: _backend_down}, lifespan=lifespan)
