"""Killable worker processes for scans (`pool.py`): used by `scan -j` (api) and the gateways."""

from .pool import QueueFull, WorkerCrashed, WorkerPool, WorkerTimeout, describe_exit, fork_available

__all__ = ["QueueFull", "WorkerCrashed", "WorkerPool", "WorkerTimeout", "describe_exit", "fork_available"]
