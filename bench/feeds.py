#!/usr/bin/env python3
"""Feed lookups at scale: one million domains, load time, memory and lookups per second.

    python bench/feeds.py [--entries N] [--lookups N]

Builds a synthetic domains feed of N entries in a temp folder through the real code path
(`feeds.parse_feed` then `feeds.store`, as `scamscan feeds update` does), then measures what a scan
pays: `feeds.cached_feeds` (open and mmap every cached list) and `in` lookups, half hits and half
misses, each host checked with its parent domains like the `ioc` check does.  RSS is read from
/proc/self/status before and after loading (VmRSS), so the figure is what loading adds.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scanner.domains.indicators import parent_domains
from scanner.intel.feeds import FeedConfig, cached_feeds, lookup, store
from scanner.intel.parse import parse_feed


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--entries", type=int, default=1_000_000)
    ap.add_argument("--lookups", type=int, default=200_000)
    args = ap.parse_args()
    rng = random.Random(7)
    words = ["update", "secure", "login", "cdn", "files", "portal", "fix", "pay", "mail", "cloud"]
    tlds = ["com", "net", "org", "info", "xyz", "top", "ru", "co.uk", "com.br", "online"]
    domains = [f"{rng.choice(words)}-{i:x}{rng.choice(words)}.{rng.choice(tlds)}" for i in range(args.entries)]
    body = ("# synthetic feed\n" + "\n".join(domains) + "\n").encode()
    cfg = FeedConfig(name="synthetic", url="https://feeds.example/domains.txt", format="domains")
    with tempfile.TemporaryDirectory() as tmp:
        feed_dir = Path(tmp)
        t0 = time.perf_counter()
        entries = parse_feed(body, cfg)
        t1 = time.perf_counter()
        store(feed_dir, cfg, entries, {"fetched_at": "bench"})
        t2 = time.perf_counter()
        del entries, body
        before = rss_mb()
        t3 = time.perf_counter()
        feeds = cached_feeds(feed_dir)
        hit = "x" in feeds[0].entries  # touch the mapping
        t4 = time.perf_counter()
        after = rss_mb()
        hosts = [f"www.{d}" if i % 2 else f"miss-{d}" for i, d in enumerate(rng.sample(domains, args.lookups))]
        t5 = time.perf_counter()
        hits = sum(1 for h in hosts if any(lookup(feeds, "domain", c) for c in parent_domains(h)))
        t6 = time.perf_counter()
        size = (feed_dir / "synthetic.list").stat().st_size
    print(f"entries                {args.entries:>12,}   list file {size / 1e6:.1f} MB")
    print(f"parse + validate       {t1 - t0:>12.2f} s    (feeds update)")
    print(f"sort + atomic write    {t2 - t1:>12.2f} s    (feeds update)")
    print(f"load (cached_feeds)    {(t4 - t3) * 1000:>12.2f} ms   (every scan process)")
    print(f"RSS added by loading   {after - before:>12.2f} MB   (pages are mapped lazily and shared)")
    print(f"lookups                {args.lookups:>12,}   {hits:,} hits (expected {args.lookups // 2:,}); "
          f"{args.lookups / (t6 - t5):,.0f} hosts/s with parent domains")
    return 0 if hits == args.lookups // 2 and not hit else 1


if __name__ == "__main__":
    sys.exit(main())
