"""Mail gateway hooks: a milter, a clamd-compatible daemon and a pipe filter.

All three call the same engine on the whole message bytes through one shared
`ScanService` (rules compiled once, reloadable, scans bounded by a deadline the
gateway enforces itself because SIGALRM only works on the main thread).
"""
