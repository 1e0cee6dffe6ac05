"""The scan service: `scamscan serve` (HTTP API, web page) and `scamscan worker` (Redis workers).

`app.py` is the HTTP layer (Starlette; `guard.py` checks every request, `server.py` runs uvicorn);
it talks to a `Backend` (`backend.py`): `embedded.py` (worker processes inside the server) or
`redisqueue.py` + `rworker.py` (Dramatiq on Redis, workers on any machine).  `thunderstorm.py` shapes
answers for THOR Thunderstorm clients; `jobs.py` is the job record both back ends keep.
"""
