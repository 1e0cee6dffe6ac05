"""What `scamscan clamd` answers: signature names, which verdicts are FOUND, and STATS.

Signature names are `Scamscan.<Check>.<Id>` (`Scamscan.Yara.SCAM_CS_Phishing_Update_Email`,
`Scamscan.Ioc.known_bad_domain`), so a log line or an rspamd symbol says which product and which
check flagged the mail; unscanned parts are `Scamscan.Incomplete.<reason>`.  Through clamd every
flagged verdict is FOUND, and rspamd or Exim reject every FOUND: `clamd_found_at = "malicious"`
answers OK for SUSPICIOUS so only malicious mail is rejected.
"""

from __future__ import annotations

import re
import resource

from ..config import Settings
from ..models import ItemReport, Verdict

_UNSAFE = re.compile(r"[^\x21-\x7e]")


def signature_name(check: str, id: str) -> str:
    return _UNSAFE.sub("_", f"Scamscan.{check.capitalize()}.{id}")


def found_names(report: ItemReport, settings: Settings, every: bool = False) -> list[str]:
    """The names clamd prints before FOUND, best first (only the first unless `every`); [] for OK."""
    names: list[str] = []
    if report.verdict >= Verdict(settings.clamd_found_at):
        names = list(dict.fromkeys(signature_name(f.check, f.id) for f in report.findings if f.score > 0))
        names = names or [f"Scamscan.{report.verdict.value.capitalize()}"]
    elif (report.verdict == Verdict.INCOMPLETE or report.incomplete) and not settings.clamd_incomplete_ok:
        reasons = sorted({i.reason for i in report.incomplete}) or ["unknown"]
        names = [f"Scamscan.Incomplete.{reasons[0]}"]
    return names if every else names[:1]


def stats(live: int, idle: int, queued: int, settings: Settings) -> str:
    """STATS in clamd's layout (clamd's own lines; scamscan has one pool and no libclamav heap)."""
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return (f"POOLS: 1\n\nSTATE: VALID PRIMARY\n"
            f"THREADS: live {live}  idle {idle} max {settings.clamd_max_connections} "
            f"idle-timeout {settings.clamd_idle_timeout:g}\n"
            f"QUEUE: {queued} items\n\n"
            f"MEMSTATS: heap N/A mmap N/A used N/A free N/A releasable N/A pools 1 "
            f"pools_used {rss_mib:.3f}M pools_total {rss_mib:.3f}M\nEND")
