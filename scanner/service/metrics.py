"""`/metrics` in the Prometheus text format, written by `prometheus_client`.

Two sources: this front end's own request latencies (a `Histogram` in a private registry), and the
workers' counters (`stats.py`: scans, verdicts, cache hits, scan-time histogram, shared by every
worker through the back end), read at scrape time along with the queue length and live workers.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from ..models import Verdict
from . import stats


class _Snapshot(Collector):
    def __init__(self) -> None:
        self.counters: Mapping[str, float] = {}
        self.queue = 0
        self.workers = 0

    def collect(self) -> Iterator[Metric]:
        c = self.counters
        yield GaugeMetricFamily("scamscan_queue_length", "Jobs waiting for a worker", value=self.queue)
        yield GaugeMetricFamily("scamscan_workers", "Worker processes alive", value=self.workers)
        yield CounterMetricFamily("scamscan_scans", "Files scanned by the workers", value=c.get("scans", 0))
        yield CounterMetricFamily("scamscan_cache_hits", "Jobs answered from the shared result cache",
                                  value=c.get("cached", 0))
        verdicts = CounterMetricFamily("scamscan_verdicts", "Scanned files by verdict", labels=["verdict"])
        for v in Verdict:
            verdicts.add_metric([v.value], c.get(f"verdict:{v.value}", 0))
        yield verdicts
        yield HistogramMetricFamily("scamscan_scan_seconds", "Time a worker spent on one job",
                                    buckets=stats.histogram(c), sum_value=c.get("scan_seconds", 0))


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.latency = Histogram("scamscan_request_seconds", "Synchronous scan requests, upload to answer",
                                 ["endpoint"], registry=self.registry,
                                 buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60))
        self.snapshot = _Snapshot()
        self.registry.register(self.snapshot)

    def observe(self, endpoint: str, seconds: float) -> None:
        self.latency.labels(endpoint=endpoint).observe(seconds)

    def render(self, counters: Mapping[str, float], queue: int, workers: int) -> str:
        self.snapshot.counters, self.snapshot.queue, self.snapshot.workers = counters, queue, workers
        return generate_latest(self.registry).decode()
